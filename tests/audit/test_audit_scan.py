"""``audit.scan``'s index-claim shortcut (anchored at the entry's first "x") never changes a verdict."""
import hashlib
from binascii import hexlify

from audit import scan
from audit.encoding import canonical_json


def _rows(actors, claimed=None):
    """Two v1-shaped entries (positions 0 and 1) with their leaf hashes and stored nodes."""
    rows, prev, leaves = [], scan.GENESIS, []
    for i, actor in enumerate(actors):
        fields = {"action": "unit.create", "actor": actor, "files": [], "index": i if claimed is None else claimed[i],
                  "object_id": str(i), "object_type": "t", "payload_sha256": "0" * 64, "prev": prev.decode(),
                  "time": "2025-01-01T00:00:00.000000Z", "v": 1}
        data = canonical_json(fields)
        leaf = hashlib.sha256(b"\x00" + data).digest()
        leaves.append(leaf)
        nodes = hashlib.sha256(b"\x01" + leaves[0] + leaf).digest() if i % 2 else b""
        rows.append((data, leaf, nodes))
        prev = hexlify(leaf)
    return rows


def test_x_before_the_index_key_falls_back_to_a_full_search():
    res = scan.scan([(0, _rows(["xiaoming", "clerk9"]))], 0, scan.GENESIS)
    assert res.error is None and res.end == 2


def test_wrong_claim_is_caught_whatever_the_first_x():
    for actors in (["clerk", "clerk"], ["xiaoming", "xu"]):
        res = scan.scan([(0, _rows(actors, claimed=[0, 5]))], 0, scan.GENESIS)
        assert res.error == (1, "entry claims index 5")


def test_claim_of_an_index_in_another_member_does_not_count():
    """The actor's text quoting another index is escaped, so it is no claim."""
    res = scan.scan([(0, _rows(['"index":0,', "clerk"], claimed=[7, 1]))], 0, scan.GENESIS)
    assert res.error == (0, "entry claims index 7")
