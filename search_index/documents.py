"""What a document must look like before it may enter the index.

The portal's sources promise public, masked documents; this module is the last
gate: a document with a missing or mistyped field, or with something that looks
like an unmasked identity-card, phone or bank-account number, is refused rather
than indexed (a refusal is logged by the caller and the document stays out).
"""
import re
from datetime import datetime, timezone

REQUIRED = ("type", "id", "title", "body", "village", "township", "category", "published_at", "url")
# Optional: ``topic``, words saying what kind of record this is (the category's and the micro-power's
# names, e.g. 集体资产资源处置), so 三资 finds a fish-pond lease whose text never says 资产.
OPTIONAL = ("topic",)
NON_EMPTY = ("type", "id", "title", "url")
MAX_BODY = 200_000

# Digits that are personal data when they appear unmasked: an 18-character
# resident ID (or 15-digit old one), an 11-digit mobile number, a 16–19 digit bank
# card. Masked forms (1381234****, 3301**********1234) do not match.
UNMASKED_RE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9xX]|1[3-9][0-9]{9}|[0-9]{15,19})(?![0-9xX])")


class DocumentError(ValueError):
    """A document the index refuses; ``str(exc)`` names the problem."""


def key_of(doc_type, doc_id):
    return f"{doc_type}:{doc_id}"


def check(doc):
    """Return a clean copy of ``doc`` (published_at in UTC) or raise DocumentError."""
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
    for name in OPTIONAL:
        value = doc.get(name) or ""
        if not isinstance(value, str):
            raise DocumentError(f"{name} must be a string")
        clean[name] = value
    if ":" in clean["type"]:
        raise DocumentError("type must not contain ':'")
    if len(clean["body"]) > MAX_BODY:
        clean["body"] = clean["body"][:MAX_BODY]
    for name in ("title", "body", "topic"):
        if UNMASKED_RE.search(clean[name]):
            raise DocumentError(f"{name} contains what looks like unmasked personal data")
    return clean
