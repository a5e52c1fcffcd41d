"""The sources of searchable documents, one per document type.

Contract (docs/ARCHITECTURE.md): ``iter_documents()`` yields every public
document of the type, ``document_for(object_id)`` returns one (or None when it
is no longer public). Documents are already masked; ``search_index.check`` is
the last gate and refuses anything malformed or still carrying personal numbers.
"""
from collections import namedtuple

Source = namedtuple("Source", "doc_type iter_documents document_for category_names", defaults=(None,))
_sources = {}


def register_source(doc_type, iter_documents, document_for, category_names=None):
    """``category_names`` (optional) maps the category codes the documents carry to the
    Chinese names readers see; a code without a name is shown as it is."""
    if not doc_type or ":" in doc_type:
        raise ValueError(f"bad search document type: {doc_type!r}")
    _sources[doc_type] = Source(doc_type, iter_documents, document_for, dict(category_names or {}))


def category_name(code):
    """The name a source declared for a category code, else the code itself."""
    for src in _sources.values():
        if src.category_names and code in src.category_names:
            return src.category_names[code]
    return code


def unregister_source(doc_type):
    """For tests that register a source of their own."""
    _sources.pop(doc_type, None)


def sources():
    return dict(_sources)


def source(doc_type):
    return _sources.get(doc_type)
