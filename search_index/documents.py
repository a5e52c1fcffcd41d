"""What a document must look like before it may enter the index.

The portal's sources promise public, masked documents; this module is the last
gate: a document with a missing or mistyped field, or with something the
caller's personal-data detector still finds, is refused rather than indexed
(the caller records the refusal and the document stays out).

What counts as personal data is not this library's to decide: the caller passes
``personal_data``, a callable ``text -> findings`` (truthy when something was
found), and the portal passes the very detector its masking uses, so the gate
and the masking can never disagree (a 15-digit business registration number
that masking leaves alone is not refused here either). It must be picklable (a
module-level function) because the bulk rebuild checks documents in worker
processes. Without one, only the document's shape is checked.
"""
from datetime import datetime, timezone

REQUIRED = ("type", "id", "title", "body", "village", "township", "category", "published_at", "url")
NON_EMPTY = ("type", "id", "title", "url")
MAX_BODY = 200_000


class DocumentError(ValueError):
    """A document the index refuses; ``str(exc)`` names the problem."""


def key_of(doc_type, doc_id):
    return f"{doc_type}:{doc_id}"


def check(doc, personal_data=None):
    """Return a clean copy of ``doc`` (published_at in UTC) or raise DocumentError.

    ``personal_data`` is the caller's detector (see the module docstring)."""
    if not isinstance(doc, dict):
        raise DocumentError("a document must be a dict")
    missing = [name for name in REQUIRED if name not in doc]
    if missing:
        raise DocumentError(f"missing fields: {', '.join(missing)}")
    clean = {}
    for name in REQUIRED:
        value = doc[name]
        if name == "published_at":
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise DocumentError("published_at must be an aware datetime")
            clean[name] = value.astimezone(timezone.utc)
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise DocumentError(f"{name} must be a string")
        if name in NON_EMPTY and not value.strip():
            raise DocumentError(f"{name} must not be empty")
        clean[name] = value
    if ":" in clean["type"]:
        raise DocumentError("type must not contain ':'")
    if len(clean["body"]) > MAX_BODY:
        clean["body"] = clean["body"][:MAX_BODY]
    if personal_data is not None:
        for name in ("title", "body"):
            findings = personal_data(clean[name])
            if findings:
                kinds = sorted({f.get("kind", "?") if isinstance(f, dict) else str(f) for f in findings})
                raise DocumentError(f"{name} contains unmasked personal data ({', '.join(kinds)})")
    return clean
