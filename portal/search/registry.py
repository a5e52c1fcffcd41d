"""The sources of searchable documents, one per document type.

Contract (docs/ARCHITECTURE.md): ``iter_documents()`` yields every public
document of the type, ``document_for(object_id)`` returns one (or None when it
is no longer public). Documents are already masked; ``search_index.check`` is
the last gate and refuses anything malformed or still carrying personal numbers.
"""
from collections import namedtuple

Source = namedtuple("Source", "doc_type iter_documents document_for")
_sources = {}


def register_source(doc_type, iter_documents, document_for):
    if not doc_type or ":" in doc_type:
        raise ValueError(f"bad search document type: {doc_type!r}")
    _sources[doc_type] = Source(doc_type, iter_documents, document_for)


def unregister_source(doc_type):
    """For tests that register a source of their own."""
    _sources.pop(doc_type, None)


def sources():
    return dict(_sources)


def source(doc_type):
    return _sources.get(doc_type)
