"""The public audit API: checkpoints, entries and RFC 9162 proofs (see /work/shared/API.md)."""
import base64

from flask import Blueprint, jsonify, request

from audit import checkpoints, log, redaction
from audit.log import LogRangeError
from portal.core.api import error_response, int_arg, register_api_errors
from portal.core.clock import iso
from portal.core.i18n import N_
from portal.auditlog import public_entry
from portal.auditlog.services import current_checkpoint

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1/audit")
register_api_errors(bp)

MAX_ENTRIES = 1000
MAX_INDEX = 2 ** 53


# The audit library speaks English; the API answers with coded Chinese messages (English on request).
RANGE_MESSAGES = {
    "size_beyond_log": N_("树大小 %(size)s 超过了日志当前的大小 %(current)s。"),
    "index_out_of_range": N_("序号 %(index)s 必须小于树大小 %(size)s。"),
    "from_after_to": N_("起始大小 %(from)s 不能大于结束大小 %(to)s。"),
}


@bp.errorhandler(LogRangeError)
def _range_error(exc):
    values = {name: request.args.get(name, "") for name in ("size", "index", "from", "to")}
    values["current"] = log.size()
    if exc.code == "size_beyond_log" and not values["size"]:
        values["size"] = values["to"]
    message = RANGE_MESSAGES.get(exc.code, N_("请求的范围超出了审计日志。"))
    return error_response(exc.code, message, 400, values)


def checkpoint_json(cp):
    key = cp.key
    return {"size": cp.size, "root": bytes(cp.root).hex(), "checkpoint": cp.note, "key_name": key.name,
            "public_key": base64.b64encode(bytes(key.public_key)).decode(), "key_id": key.key_id,
            "issued_at": iso(cp.created_at)}


def entry_json(entry, withheld=None):
    """``leaf`` is null (and ``redacted`` true) for an older entry whose bytes name a login name, or
    that a redaction names (then ``redacted_by`` gives the redaction entry's index)."""
    withheld = redaction.withheld([entry.idx]) if withheld is None else withheld
    actor, text = public_entry(entry, withheld)
    out = {"index": entry.idx, "leaf": base64.b64encode(text.encode("utf-8")).decode() if text is not None else None,
           "leaf_hash": entry.leaf_hash, "action": entry.action, "object_type": entry.object_type,
           "object_id": entry.object_id, "actor": actor}
    if text is None:
        out["redacted"] = True
    if entry.idx in withheld:
        out["redacted_by"] = withheld[entry.idx]
    return out


@bp.get("/checkpoint")
def checkpoint():
    """The latest signed checkpoint (signed now if the log grew and the batch interval passed)."""
    return jsonify(checkpoint_json(current_checkpoint()))


@bp.get("/checkpoints")
def checkpoint_history():
    """Signed checkpoints, newest first: ``?before=<id>&limit=`` pages back through history."""
    limit = int_arg("limit", 100, minimum=1, maximum=MAX_ENTRIES)
    before = int_arg("before", 0, maximum=MAX_INDEX) or None
    rows = checkpoints.history(before, limit)
    return jsonify({"checkpoints": [dict(checkpoint_json(cp), id=cp.id) for cp in rows]})


@bp.get("/entries")
def entries():
    """Entries from ``start``, at most ``limit`` (≤ 1000); ``leaf`` is base64 of the leaf bytes."""
    start = int_arg("start", 0, maximum=MAX_INDEX)
    limit = int_arg("limit", 100, minimum=1, maximum=MAX_ENTRIES)
    rows = log.entries(start, limit)
    withheld = redaction.withheld(e.idx for e in rows)
    return jsonify({"size": log.size(), "entries": [entry_json(e, withheld) for e in rows]})


@bp.get("/proof/inclusion")
def inclusion():
    """Inclusion proof of entry ``index`` in the tree of ``size`` (default: latest checkpoint)."""
    index = int_arg("index", maximum=MAX_INDEX)
    size = int_arg("size", 0, maximum=MAX_INDEX) or current_checkpoint().size
    leaf, proof, root = log.inclusion_proof_with_root(index, size)
    return jsonify({"index": index, "size": size, "leaf_hash": leaf.hex(), "proof": [p.hex() for p in proof],
                    "root": root.hex()})


@bp.get("/proof/consistency")
def consistency():
    """Consistency proof between tree sizes ``from`` (≥ 1) and ``to``."""
    first = int_arg("from", minimum=1, maximum=MAX_INDEX)
    second = int_arg("to", maximum=MAX_INDEX)
    first_root, second_root, proof = log.consistency_proof(first, second)
    return jsonify({"from": first, "to": second, "proof": [p.hex() for p in proof],
                    "from_root": first_root.hex(), "to_root": second_root.hex()})
