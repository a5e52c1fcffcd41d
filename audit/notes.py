"""C2SP signed notes (Ed25519) and tlog checkpoints, as text.

Key ID: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), 0x01
being the Ed25519 algorithm byte. A signature line is ``— <name> <base64(key ID ‖
signature)>``. A checkpoint body is ``<origin>\\n<size>\\n<base64 root>\\n``.
"""
import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = b"\x01"
DASH = "\u2014 "


class NoteError(ValueError):
    """A note, checkpoint or key that does not parse or verify."""


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key).digest()[:4]


def vkey(name: str, public_key: bytes) -> str:
    """The verifier key string ``name+hex(key ID)+base64(0x01 ‖ key)``."""
    return f"{name}+{key_id(name, public_key).hex()}+{base64.b64encode(ED25519 + public_key).decode()}"


def parse_vkey(text: str):
    """(name, public key bytes) of a verifier key string."""
    try:
        name, kid, b64 = text.strip().split("+", 2)  # names hold no "+", base64 may
        raw = base64.b64decode(b64, validate=True)
    except ValueError as exc:
        raise NoteError("malformed verifier key") from exc
    if raw[:1] != ED25519 or len(raw) != 33 or key_id(name, raw[1:]).hex() != kid:
        raise NoteError("verifier key does not match its key ID")
    return name, raw[1:]


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(body: str, name: str, private_key) -> str:
    if not body.endswith("\n"):
        raise NoteError("a note body ends with a newline")
    public = private_key.public_key().public_bytes_raw()
    signature = private_key.sign(body.encode("utf-8"))
    return f"{body}\n{DASH}{name} {base64.b64encode(key_id(name, public) + signature).decode()}\n"


def open_note(note: str, name: str, public_key: bytes) -> str:
    """The body of ``note`` if it carries a valid signature by (name, key); else NoteError."""
    body, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("not a signed note")
    body += "\n"
    wanted = key_id(name, public_key)
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    for line in sigs[:-1].split("\n"):
        if not line.startswith(DASH):
            raise NoteError("malformed signature line")
        sig_name, _, b64 = line[len(DASH):].partition(" ")
        try:
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError("malformed signature") from exc
        if sig_name != name or raw[:4] != wanted:
            continue
        try:
            verifier.verify(raw[4:], body.encode("utf-8"))
        except InvalidSignature as exc:
            raise NoteError("signature does not verify") from exc
        return body
    raise NoteError(f"no signature by key {name}")


def parse_checkpoint(body: str):
    """(origin, size, root) of a checkpoint body; extension lines are allowed after the root."""
    lines = body.split("\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise NoteError("malformed checkpoint")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as exc:
        raise NoteError("malformed checkpoint root") from exc
    if len(root) != 32 or (lines[1] != "0" and lines[1].startswith("0")):
        raise NoteError("malformed checkpoint")
    return lines[0], int(lines[1]), root


def verify_checkpoint(note: str, name: str, public_key: bytes):
    """(origin, size, root) of a checkpoint note signed by (name, key)."""
    return parse_checkpoint(open_note(note, name, public_key))
