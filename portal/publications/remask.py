"""Re-masking a publication version's stored public text (see portal.core.redaction).

A version's public text lives in masked columns written when it was drafted,
corrected, withdrawn or answered: its title and body, its attachments' names,
its correction note, withdrawal and review reasons, its power-list step notes,
its objections (and their moderation notes and answers). Each is masked again
with today's detector: only what the detector finds changes, so the row still
re-derives to its publication entry with those fields masked. The raw title and
body (never public) are left as the clerk typed them.
"""
from portal.core.db import for_update
from portal.core.personal_data import could_hold_personal_data, mask, mask_text
from portal.publications.models import Attachment, Objection, Publication, StepRecord

# (model, the columns holding public text stored masked, how a row names its publication)
PUBLICATION_TEXT = ("title_masked", "body_masked", "correction_note", "withdraw_reason", "review_note")
CHILDREN = ((Attachment, ("filename",), Attachment.publication, None),
            (StepRecord, ("note",), StepRecord.publication, "publication_step"),
            (Objection, ("text_masked", "moderation_note", "answer"), Objection.publication, "objection"))


def _stale(row, columns):
    """The columns of ``row`` today's detector would still change."""
    return [c for c in columns if could_hold_personal_data(getattr(row, c)) and mask(getattr(row, c)) != getattr(row, c)]


def candidates():
    """Ids of versions with a public text (their own or a child row's) the detector would still change."""
    found = set()
    for pub in Publication.select(Publication.id, *[getattr(Publication, c) for c in PUBLICATION_TEXT]):
        if _stale(pub, PUBLICATION_TEXT):
            found.add(pub.id)
    for model, columns, parent, _ in CHILDREN:
        for row in model.select(model.id, parent, *[getattr(model, c) for c in columns]):
            if _stale(row, columns):
                found.add(row.publication_id)
    return sorted(found)


def remask(pub_id):
    """Rewrite version ``pub_id``'s stale public text; ``(row fields changed, its audit objects)``.

    Runs in the redaction's transaction, the version's row locked; the search index
    and feeds follow after commit (``public.changed``).
    """
    from portal.publications.services import notify
    pub = for_update(Publication.select().where(Publication.id == pub_id)).get()
    changed = []
    stale = _stale(pub, PUBLICATION_TEXT)
    if stale:
        for column in stale:
            text, found = mask_text(getattr(pub, column))
            setattr(pub, column, text)
            if column in ("title_masked", "body_masked"):
                pub.masked_count += len(found)
        pub.save(only=[getattr(Publication, c) for c in stale] + [Publication.masked_count])
        changed += [f"publication.{c}" for c in stale]
    objects = [("publication", pub.id)]
    for model, columns, parent, object_type in CHILDREN:
        for row in model.select().where(parent == pub.id).order_by(model.id):
            if object_type is not None:
                objects.append((object_type, row.id))
            cols = _stale(row, columns)
            if cols:
                for column in cols:
                    setattr(row, column, mask(getattr(row, column)))
                row.save(only=[getattr(model, c) for c in cols])
                changed += [f"{model._meta.table_name}.{c}" for c in cols]
    if changed and pub.is_public:
        notify(pub)
    return sorted(set(changed)), objects
