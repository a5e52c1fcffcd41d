"""Verifying a running portal through its public API, from a checkpoint saved earlier.

Downloads every entry (pages of up to 1000), rebuilds leaves, chain and tree,
checks the current checkpoint's signature with the verifier key you trust and
its root against the rebuilt tree, and proves the saved checkpoint is a prefix
of today's log (RFC 9162 consistency proof, and the rebuilt root at its size).
"""
import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from audit import merkle, notes, scan
from audit.verify import SavedCheckpoint, Stitcher, VerifyError, finish

PAGE = 1000


class Api:
    def __init__(self, base_url, timeout=30):
        self.base = base_url.rstrip("/") + "/api/v1/audit"
        self.timeout = timeout

    def get(self, path, **params):
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as res:
                return json.load(res)
        except urllib.error.HTTPError as exc:
            raise VerifyError(None, f"{path} answered HTTP {exc.code}: {exc.read()[:200]!r}") from None
        except (urllib.error.URLError, ValueError) as exc:
            raise VerifyError(None, f"{path} failed: {exc}") from None


def verify_remote(base_url, vkey=None, saved_note=None, progress=True):
    """Verify a portal's log over HTTP; returns (size, checkpoint note) of the checkpoint verified."""
    from tqdm import tqdm
    api = Api(base_url)
    current = api.get("/checkpoint")
    name, public = notes.parse_vkey(vkey) if vkey else (current["key_name"], base64.b64decode(current["public_key"]))
    try:
        _, size, root = notes.verify_checkpoint(current["checkpoint"], name, public)
    except notes.NoteError as exc:
        raise VerifyError(None, f"current checkpoint: {exc}") from None
    targets = {size: [("current checkpoint", root)]}
    if saved_note:
        try:
            _, old_size, old_root = notes.verify_checkpoint(saved_note, name, public)
        except notes.NoteError as exc:
            raise VerifyError(None, f"saved checkpoint: {exc}") from None
        saved = SavedCheckpoint(old_size, old_root, "saved checkpoint")
        if saved.size > size:
            raise VerifyError(size, f"saved checkpoint has {saved.size} entries, the log now only {size}")
        targets.setdefault(saved.size, []).append((saved.label, saved.root))
        if saved.size:
            proof = api.get("/proof/consistency", **{"from": saved.size, "to": size})
            try:
                merkle.verify_consistency(saved.size, size, [bytes.fromhex(h) for h in proof["proof"]],
                                          saved.root, root)
            except merkle.ProofError as exc:
                raise VerifyError(saved.size - 1, f"log is not an extension of the saved checkpoint: {exc}") from None
    with tqdm(total=size, unit="entry", disable=not progress, mininterval=0.5) as bar:
        res = scan.scan(_pages(api, size), 0, scan.GENESIS, targets, leaf_label="served", on_batch=bar.update,
                        redacted=True)
    Stitcher(targets).take(res, prefix=[])
    finish(res.end, size, targets)
    return size, current["checkpoint"]


def _hash_or_empty(text):
    try:
        return bytes.fromhex(text)
    except (TypeError, ValueError):
        return b""  # never equal to a real leaf hash: reported as a mismatch


def _leaf_bytes(entry):
    """The served bytes; None for an entry the portal withholds (``redacted``: an older entry
    naming a login name), whose leaf hash alone is then checked in the tree."""
    if entry.get("leaf") is None and entry.get("redacted"):
        return None
    return base64.b64decode(entry.get("leaf") or "")


def _pages(api, size):
    """Batches of (leaf bytes, served leaf hash, no nodes) page by page, up to ``size``."""
    start = 0
    while start < size:
        batch = api.get("/entries", start=start, limit=min(PAGE, size - start))["entries"][:size - start]
        if not batch:
            return
        yield from scan.consecutive([(e["index"], _leaf_bytes(e), _hash_or_empty(e["leaf_hash"]), None)
                                     for e in batch])
        start = batch[-1]["index"] + 1
