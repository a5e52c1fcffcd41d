"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.

Pure functions, no storage: a proof is described as the list of leaf ranges
``[start, end)`` whose tree hash it needs (``inclusion_ranges``,
``consistency_ranges``); each range splits into perfect subtrees
(``range_pieces``) that the store keeps, so building a proof costs O(log n)
stored hashes, never a rehash of the log.
"""
import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not verify; the message says why."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n):
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_pieces(start, end):
    """Perfect subtrees (level, index) whose fold is MTH(D[start:end]).

    Valid for the ranges RFC 6962 recursion produces: ``start`` is aligned to a
    power of two at least ``end - start``, so the pieces are the binary digits
    of the range's size in descending order.
    """
    pieces = []
    while start < end:
        level = (end - start).bit_length() - 1
        pieces.append((level, start >> level))
        start += 1 << level
    return pieces


def fold(hashes):
    """Root of consecutive perfect subtrees given largest first (right fold)."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_ranges(index, size):
    """Ranges whose hashes form PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), leaf first."""
    if not 0 <= index < size:
        raise ValueError("index must be smaller than size")
    out = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    out.reverse()
    return out


def consistency_ranges(first, second):
    """Ranges whose hashes form PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1)."""
    if not 0 <= first <= second:
        raise ValueError("first must not exceed second")
    if first == 0 or first == second:
        return []
    out = []
    start, end, m, complete = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                out.append((start, end))
            break
        k = _split(n)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
            m -= k
            complete = False
    out.reverse()
    return out


def _check_hash(value, what):
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")


def root_from_inclusion(index, size, leaf, proof):
    """Recompute the root from an inclusion proof (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError("index is not smaller than size")
    _check_hash(leaf, "leaf hash")
    fn, sn, r = index, size - 1, leaf
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
        if sn == 0:
            raise ProofError("proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is too short")
    return r


def verify_inclusion(index, size, leaf, proof, root):
    _check_hash(root, "root")
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(first, second, proof, first_root, second_root):
    """Check PROOF(first, second) between two roots (RFC 9162 §2.1.4.2).

    As in transparency-dev/merkle, a proof from the empty tree is refused
    (it proves nothing) and equal sizes need an empty proof and equal roots.
    """
    if not 0 <= first <= second:
        raise ProofError("first size exceeds second size")
    if first == 0:
        raise ProofError("consistency with the empty tree proves nothing")
    if first == second:
        if proof:
            raise ProofError("proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError("roots of equal sizes differ")
        return
    _check_hash(first_root, "first root")
    _check_hash(second_root, "second root")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
    if not proof:
        raise ProofError("proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is too short")
    if fr != first_root:
        raise ProofError("proof does not lead to the first root")
    if sr != second_root:
        raise ProofError("proof does not lead to the second root")


class CompactRange:
    """The right edge of a growing tree: one perfect-subtree hash per set bit of its size.

    ``append`` returns the hashes of the perfect subtrees the new leaf completes
    (levels 1, 2, …), which is exactly what the store keeps per entry.
    """

    __slots__ = ("size", "hashes")

    def __init__(self, size=0, hashes=()):
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != bin(size).count("1"):
            raise ValueError("compact range does not match its size")

    def append(self, leaf):
        made = []
        h, n = leaf, self.size
        hashes = self.hashes
        while n & 1:
            h = node_hash(hashes.pop(), h)
            made.append(h)
            n >>= 1
        hashes.append(h)
        self.size += 1
        return made

    def root(self):
        return fold(self.hashes)

    def to_bytes(self):
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size, data):
        return cls(size, [bytes(data[i:i + HASH_SIZE]) for i in range(0, len(data or b""), HASH_SIZE)])
