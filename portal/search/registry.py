"""The sources of searchable documents, one per document type, as the domains declared them.

Contract (docs/ARCHITECTURE.md): ``iter_documents()`` yields every public
document of the type, ``document_for(object_id)`` returns one (or None when it
is no longer public). Documents are already masked; ``search_index.check`` is
the last gate and refuses anything malformed or still carrying personal numbers.
Sources live on the app's registry (``Domain.search_sources``).
"""
from portal.core import registry


def sources(app=None):
    return dict(registry.of(app).search_sources)


def source(doc_type, app=None):
    return registry.of(app).search_sources.get(doc_type)


def category_name(code, app=None):
    """The name a source declared for a category code, else the code itself."""
    for src in registry.of(app).search_sources.values():
        if src.category_names and code in src.category_names:
            return src.category_names[code]
    return code
