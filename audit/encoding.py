"""Canonical JSON: the one byte form of an entry and of a payload.

Rules (so anyone can re-encode and get the same hash): a JSON value encoded
with object keys sorted by code point, no whitespace between tokens
(separators ``,`` and ``:``), non-ASCII characters written as themselves in
UTF-8 (not ``\\u`` escapes), integers as decimal, floats in Python's shortest
round-trip form, NaN and infinities refused. ``datetime``/``date`` become ISO
8601 strings and ``Decimal`` its decimal string, so services can hand over
their rows' values as they are.
"""
import datetime
import decimal
import hashlib
import json


def _default(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    raise TypeError(f"{type(value).__name__} is not JSON-able in an audit payload")


# One encoder for every entry: ``json.dumps`` with options builds a new JSONEncoder per call, which
# was a quarter of a bulk append's encoding time (a sweep seals two such documents per entry).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                            default=_default)


def canonical_json(value) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(item) -> str:
    """SHA-256 hex of an attachment given as (name, bytes), bytes, or a hex digest already."""
    if isinstance(item, str):
        digest = item.lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("a file given as a string must be a SHA-256 hex digest")
        return digest
    if isinstance(item, tuple):
        item = item[1]
    if not isinstance(item, (bytes, bytearray)):
        raise TypeError("a file is (name, bytes), bytes, or a SHA-256 hex digest")
    return sha256_hex(bytes(item))
