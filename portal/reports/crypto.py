"""The cryptography of reports (我要举报), in one place so it can be checked against this text.

Design (after SecureDrop and GlobaLeaks):

- Each report has its own X25519 key pair. What the reporter sends (text, the
  attachments, later additions) and what inspectors write back is *sealed* to the
  report's public key: a fresh ephemeral X25519 key, HKDF-SHA256 of the shared
  secret (bound to both public keys and to what the blob is, its ``context``)
  gives a ChaCha20-Poly1305 key; the blob is ``ephemeral public (32) || nonce
  (12) || ciphertext+tag``. The server can seal (it holds public keys) but never
  open without a private key, which it does not keep.
- The identity the reporter chooses to give is sealed to a second key pair of
  the report's, so holding the report key does not reveal who filed it. That
  identity key is split 2-of-n (``shamir``): each inspector in scope holds one
  share, and seeing the identity needs a second inspector to hand over theirs.
- The report's private key is sealed to each inspector in scope (a
  ``ReportKeyWrap``), and with a symmetric key derived from the receipt for the
  reporter. Nobody else gets a wrap: admins and the operator have none.
- An inspector's private key is kept encrypted under a key derived from their
  passphrase with Argon2id (``INSPECTOR_KDF``: t=3, m=64 MiB, p=1; the salt and
  the parameters are stored with the key, the passphrase never).
- The receipt (16 random digits) is stretched with Argon2id (``RECEIPT_KDF``:
  t=5, m=128 MiB, p=1: 0.7 s on one idle core of the test machine, so that filing
  with a 5 MB attachment stays within 1.5 s) with a per-site salt;
  HKDF of that gives the lookup id (the only thing stored) and, with another
  label, the key that unwraps the report key for the reporter.

No blob carries a version byte or any plaintext prefix: it starts with random
bytes (the ephemeral key or a nonce), so stored ciphertext looks random.
"""
import hashlib
import json
import os

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INSPECTOR_KDF = {"alg": "argon2id", "t": 3, "m": 65536, "p": 1}
RECEIPT_KDF = {"alg": "argon2id", "t": 5, "m": 131072, "p": 1}
# The test suite (PORTAL_PASSWORD_HASH=cheapest) files hundreds of reports on two shared cores.
CHEAP_KDF = {"alg": "argon2id", "t": 1, "m": 8, "p": 1}
NONCE = 12
RAW = serialization.Encoding.Raw


class DecryptionFailed(Exception):
    """A wrong key or passphrase, or a blob that was altered."""


def cheap():
    return os.environ.get("PORTAL_PASSWORD_HASH") == "cheapest"


def inspector_kdf():
    return dict(CHEAP_KDF if cheap() else INSPECTOR_KDF)


def receipt_kdf():
    return dict(CHEAP_KDF if cheap() else RECEIPT_KDF)


def stretch(secret, salt, params):
    """Argon2id of ``secret`` (bytes) with ``params`` (one of the dicts above): 32 bytes."""
    if params.get("alg") != "argon2id":
        raise ValueError("unknown kdf")
    return hash_secret_raw(secret, salt, time_cost=params["t"], memory_cost=params["m"],
                           parallelism=params["p"], hash_len=32, type=Type.ID)


def hkdf(key, label, length=32):
    return HKDF(hashes.SHA256(), length, salt=None, info=b"svp-reports|" + label.encode()).derive(key)


def new_keypair():
    """(private, public) raw 32-byte X25519 keys."""
    private = X25519PrivateKey.generate()
    return (private.private_bytes(RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
            private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw))


def public_of(private):
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(
        RAW, serialization.PublicFormat.Raw)


def box(key, plaintext, context):
    """Symmetric AEAD: nonce || ChaCha20-Poly1305(key, plaintext, aad=context)."""
    nonce = os.urandom(NONCE)
    return nonce + ChaCha20Poly1305(key).encrypt(nonce, plaintext, context.encode())


def unbox(key, blob, context):
    try:
        return ChaCha20Poly1305(key).decrypt(bytes(blob[:NONCE]), bytes(blob[NONCE:]), context.encode())
    except (InvalidTag, ValueError):
        raise DecryptionFailed() from None


def _sealing_key(shared, ephemeral_public, recipient_public, context):
    return hkdf(shared + ephemeral_public + recipient_public, "seal|" + context)


def seal(recipient_public, plaintext, context):
    """Encrypt ``plaintext`` (bytes) so that only the holder of the private key can read it."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(bytes(recipient_public)))
    key = _sealing_key(shared, ephemeral_public, bytes(recipient_public), context)
    return ephemeral_public + box(key, plaintext, context)


def unseal(private, blob, context):
    blob = bytes(blob)
    try:
        key_obj = X25519PrivateKey.from_private_bytes(bytes(private))
        shared = key_obj.exchange(X25519PublicKey.from_public_bytes(blob[:32]))
    except ValueError:
        raise DecryptionFailed() from None
    recipient_public = key_obj.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    return unbox(_sealing_key(shared, blob[:32], recipient_public, context), blob[32:], context)


def seal_json(recipient_public, value, context):
    return seal(recipient_public, json.dumps(value, ensure_ascii=False).encode(), context)


def unseal_json(private, blob, context):
    return json.loads(unseal(private, blob, context).decode())


def sha256_hex(data):
    return hashlib.sha256(bytes(data)).hexdigest()
