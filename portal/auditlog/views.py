"""Public pages of the audit log: what it is, how to verify it, one entry with its proof."""
from flask import Blueprint, Response, abort, render_template

from audit import log, notes
from audit.models import AuditEntry
from portal.auditlog import public_entry
from portal.auditlog.services import current_checkpoint

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("")
def index():
    """Log size, the latest signed checkpoint, its verifier key and how to check everything."""
    cp = current_checkpoint()
    recent = list(AuditEntry.select().order_by(AuditEntry.idx.desc()).limit(20))
    return render_template("audit/index.html", size=log.size(), checkpoint=cp,
                           vkey=notes.vkey(cp.key.name, bytes(cp.key.public_key)), recent=recent)


@bp.get("/checkpoint.txt")
def checkpoint_download():
    """The latest signed checkpoint as a file to keep: a copy saved outside the portal is what
    later proves the log was not cut (``python -m audit verify --url … --checkpoint``)."""
    cp = current_checkpoint()
    return Response(cp.note, mimetype="text/plain",
                    headers={"Content-Disposition": f'attachment; filename="checkpoint-{cp.size}.txt"',
                             "Cache-Control": "no-store"})


@bp.get("/entry/<int:index>")
def entry(index):
    """One entry and the in-browser inclusion check; 404 when the index is beyond the log."""
    row = AuditEntry.get_or_none(AuditEntry.idx == index)
    if row is None:
        abort(404)
    actor, text = public_entry(row)
    return render_template("audit/entry.html", entry=row, text=text, actor=actor)
