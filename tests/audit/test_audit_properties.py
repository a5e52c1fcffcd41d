"""Property tests: every proof over random trees verifies; any flipped bit makes it fail."""
import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from audit import merkle


def _leaves(n):
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


def _tree(leaves):
    """Hashes of every perfect subtree, the way the store keeps them."""
    nodes, rng = {}, merkle.CompactRange()
    for i, leaf in enumerate(leaves):
        nodes[(0, i)] = leaf
        for level, h in enumerate(rng.append(leaf), start=1):
            nodes[(level, (i + 1 >> level) - 1)] = h
    return nodes


def _hashes(ranges, nodes):
    return [merkle.fold([nodes[p] for p in merkle.range_pieces(s, e)]) for s, e in ranges]


def _flip(h, bit):
    b = bytearray(h)
    b[bit // 8 % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


def _flip_one(data, first, second, proof):
    """Flip one drawn bit in ``first``, ``second`` or one proof hash."""
    bit = data.draw(st.integers(0, 255))
    target = data.draw(st.integers(-2, len(proof) - 1))
    proof = list(proof)
    if target == -2:
        first = _flip(first, bit)
    elif target == -1:
        second = _flip(second, bit)
    else:
        proof[target] = _flip(proof[target], bit)
    return first, second, proof


def _must_fail(verify, *args):
    try:
        verify(*args)
    except merkle.ProofError:
        return
    raise AssertionError("a flipped bit went unnoticed")


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 600), st.data())
def test_inclusion_proofs_verify_and_flipped_bits_fail(n, data):
    leaves = _leaves(n)
    nodes = _tree(leaves)
    root = _hashes([(0, n)], nodes)[0]
    m = data.draw(st.integers(0, n - 1))
    proof = _hashes(merkle.inclusion_ranges(m, n), nodes)
    merkle.verify_inclusion(m, n, leaves[m], proof, root)
    leaf, r, bad = _flip_one(data, leaves[m], root, proof)
    _must_fail(merkle.verify_inclusion, m, n, leaf, bad, r)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 600), st.data())
def test_consistency_proofs_verify_and_flipped_bits_fail(n, data):
    nodes = _tree(_leaves(n))
    m = data.draw(st.integers(1, n - 1))
    r1, r2 = _hashes([(0, m), (0, n)], nodes)
    proof = _hashes(merkle.consistency_ranges(m, n), nodes)
    merkle.verify_consistency(m, n, proof, r1, r2)
    r1, r2, bad = _flip_one(data, r1, r2, proof)
    _must_fail(merkle.verify_consistency, m, n, bad, r1, r2)
