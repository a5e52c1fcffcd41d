"""The scheme's primitives: only the right key opens, a wrong passphrase cannot, ciphertext looks random."""
import math
import os
from collections import Counter

import pytest

from portal.reports import crypto
from portal.reports.keys import Keyring


def entropy(data):
    counts = Counter(data)
    return -sum(c / len(data) * math.log2(c / len(data)) for c in counts.values())


def test_sealed_blob_opens_only_with_its_private_key():
    private, public = crypto.new_keypair()
    other_private, _ = crypto.new_keypair()
    blob = crypto.seal(public, "举报内容 MARKER".encode(), "content")
    assert crypto.unseal(private, blob, "content") == "举报内容 MARKER".encode()
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(other_private, blob, "content")
    with pytest.raises(crypto.DecryptionFailed):  # bound to what it is: an attachment is not the content
        crypto.unseal(private, blob, "attachment|0")
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(private, bytes(tampered), "content")


def test_ciphertext_has_no_plaintext_prefix_and_looks_random():
    _private, public = crypto.new_keypair()
    text = ("后溪村" * 400).encode()  # very regular plaintext
    blobs = [crypto.seal(public, text, "content") for _ in range(2)]
    assert blobs[0][:16] != blobs[1][:16]  # starts with a fresh ephemeral key: no fixed header
    for blob in blobs:
        assert text[:9] not in blob and not blob.startswith(b"{")
        assert entropy(blob) > 7.8, entropy(blob)  # bits per byte: indistinguishable from random bytes


def test_box_needs_the_same_key_and_context():
    key = os.urandom(32)
    blob = crypto.box(key, b"secret", "reporter|1")
    assert crypto.unbox(key, blob, "reporter|1") == b"secret"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unbox(os.urandom(32), blob, "reporter|1")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unbox(key, blob, "reporter|2")


def test_stated_kdf_parameters_are_argon2id_and_not_trivial():
    assert crypto.RECEIPT_KDF["alg"] == crypto.INSPECTOR_KDF["alg"] == "argon2id"
    assert crypto.RECEIPT_KDF["m"] >= 65536 and crypto.RECEIPT_KDF["t"] >= 3
    salt = b"s" * 16
    assert crypto.stretch(b"1", salt, crypto.CHEAP_KDF) != crypto.stretch(b"2", salt, crypto.CHEAP_KDF)


def test_keyring_forgets_after_idle_time_and_on_request():
    now = [0.0]
    ring = Keyring(idle=1800, clock=lambda: now[0])
    ring.put("sid", 7, b"k" * 32)
    now[0] = 1799
    assert ring.get("sid", 7) == b"k" * 32  # use restarts the idle clock
    assert ring.get("sid", 8) is None and ring.get("other", 7) is None
    now[0] = 1799 + 1801
    assert ring.get("sid", 7) is None
    ring.put("sid", 7, b"k" * 32)
    ring.forget("sid", 7)
    assert ring.get("sid", 7) is None


def test_the_shipped_receipt_cost_slows_every_guess():
    import time
    start = time.perf_counter()
    crypto.stretch(b"1234567812345678", b"s" * 16, crypto.RECEIPT_KDF)
    assert time.perf_counter() - start > 0.25  # each guess costs the server (and an attacker) this much


def test_two_different_shares_recover_the_key_one_does_not():
    from portal.reports import shamir
    secret = os.urandom(32)
    shares = shamir.split(secret, 4)
    assert all(shamir.combine(a, b) == secret for a in shares for b in shares if a != b)
    with pytest.raises(ValueError):
        shamir.combine(shares[0], shares[0])
    other = shamir.split(os.urandom(32), 4)
    with pytest.raises(ValueError):  # shares of two keys do not combine into a key
        shamir.combine(shares[0], other[1])
