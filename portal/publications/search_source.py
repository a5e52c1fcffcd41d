"""Public publications as search documents (masked, public versions only).

Every public version is a document; a withdrawn or superseded one says so in
its title, so a search never presents an outdated notice as current.
"""
from portal.publications.categories import STATUSES
from portal.core.clock import aware
from portal.publications.models import Publication
from portal.publications.queries import public_query
from portal.core.markdown import plain_text


def document_for_row(pub):
    title = pub.title_masked if pub.status == "published" else f"【{STATUSES[pub.status]}】{pub.title_masked}"
    return {"type": "publication", "id": str(pub.id), "title": title, "body": plain_text(pub.body_masked),
            "village": pub.village_id, "township": pub.village.parent_id, "category": pub.category,
            "published_at": aware(pub.published_at),
            "url": f"/p/{pub.id}"}  # no url_for: rebuilds run outside requests


def iter_documents():
    for pub in public_query().iterator():
        yield document_for_row(pub)


def document_for(object_id):
    pub = Publication.get_or_none(Publication.id == int(object_id)) if str(object_id).isdigit() else None
    if pub is None or not pub.is_public:
        return None
    return document_for_row(pub)
