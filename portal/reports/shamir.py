"""2-of-n Shamir secret sharing of a 32-byte key, so that no single inspector can reveal a reporter.

The identity key of a report is split into one share per inspector in scope
(a line through the secret over the prime field GF(2**521 - 1)); any two
different shares give the key back, one alone says nothing about it. An
inspector who approves another's request hands over their share (sealed to the
requester), which is how the two-person rule is kept by the cryptography and
not only by the server's checks.
"""
import secrets

PRIME = 2**521 - 1
SHARE_BYTES = 2 + 66  # x (2 bytes) and y (66 bytes)


def split(secret, count):
    """``count`` shares of the 32-byte ``secret``, any two of which recover it."""
    if count >= 65536:
        raise ValueError("too many shares")
    value = int.from_bytes(secret, "big")
    slope = secrets.randbelow(PRIME - 1) + 1
    return [x.to_bytes(2, "big") + ((value + slope * x) % PRIME).to_bytes(66, "big") for x in range(1, count + 1)]


def x_of(share):
    return int.from_bytes(share[:2], "big")


def combine(first, second):
    """The secret from two shares with different x (Lagrange interpolation at 0)."""
    x1, y1 = x_of(first), int.from_bytes(first[2:], "big")
    x2, y2 = x_of(second), int.from_bytes(second[2:], "big")
    if x1 == x2:
        raise ValueError("the same share twice")
    value = (y1 * x2 * pow(x2 - x1, -1, PRIME) + y2 * x1 * pow(x1 - x2, -1, PRIME)) % PRIME
    if value >= 2**256:
        raise ValueError("shares of different secrets")
    return value.to_bytes(32, "big")
