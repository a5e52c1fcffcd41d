"""Public pages of the audit log: what it is, how to verify it, one entry with its proof.

An entry is shown as a villager reads it — which village, which record
(linked when public), what happened and when, in China time — with the hashes
and the raw entry folded under "技术细节". Domains explain their own entries by
registering ``describer(entry) -> {"village", "title", "url"} | None`` for an
object type (``register_describer``, kept on the app); a describer reveals
only what is already public (a draft is "一份草稿", never its title).
"""
from flask import Blueprint, Response, abort, current_app, render_template, url_for
from flask_babel import gettext as _

from audit import log, notes, redaction
from audit.models import AuditEntry
from portal.auditlog import public_entry
from portal.auditlog.services import current_checkpoint
from portal.core import records, registry
from portal.core.clock import local, utcnow
from portal.core.i18n import N_, translate_label
from portal.core.personal_data import mask
from portal.units.models import Unit

bp = Blueprint("audit", __name__, url_prefix="/audit")
KEY = "audit_describers"
RECENT = 20

# What happened, in the words a resident uses; unknown actions fall back to a generic phrase.
ACTIONS = {
    "unit.create": N_("新设立"), "unit.update_contact": N_("联系方式已更新"),
    "publication.draft": N_("已起草"), "publication.edit": N_("草稿已修改"), "publication.approve": N_("已审核通过"),
    "publication.send_back": N_("已退回修改"), "publication.publish": N_("已公开"),
    "publication.correct": N_("已提交更正稿"), "publication.withdraw": N_("已撤回"),
    "publication.step": N_("登记了权力运行步骤"), "publication.objection": N_("收到村民异议"),
    "publication.objection_moderate": N_("异议已审核"), "publication.objection_answer": N_("异议已答复"),
    "publication.attach": N_("添加了附件"), "publication.detach": N_("删除了附件"),
    "publication.duty_rule": N_("新增公开责任规则"), "publication.duty_rule_disable": N_("停用公开责任规则"),
    "power.define": N_("权力清单事项已登记"),
    "meeting.create": N_("会议已安排"), "meeting.item": N_("直播中发布了一条内容"),
    "meeting.archive": N_("会议结束并归档"),
}


def register_describer(app, object_type, describer):
    """Let a domain say which village and record an entry of ``object_type`` concerns."""
    app.extensions.setdefault(KEY, {})[object_type] = describer


def _unit_describer(entry):
    unit = Unit.get_or_none(Unit.code == entry.object_id)
    if unit is None:
        return None
    url = (url_for("home.village", code=unit.code) if unit.level == "village"
           else url_for("home.township", code=unit.code) if unit.level in ("township", "county") else None)
    return {"village": unit.parent if unit.level == "grid" else unit, "title": unit.name, "url": url}


def short_time(value):
    """``12月2日 18:04`` in China time (the year only when it is not this year's)."""
    when = local(value)
    if when is None:
        return ""
    now = local(utcnow())
    if now is not None and when.year != now.year:
        return _("%(y)s年%(m)s月%(d)s日 %(t)s", y=when.year, m=when.month, d=when.day, t=when.strftime("%H:%M"))
    return _("%(m)s月%(d)s日 %(t)s", m=when.month, d=when.day, t=when.strftime("%H:%M"))


def _record_describer(rt):
    """Entries of a record type on the core describe themselves: its village, and its title and
    page once public (a record not yet public is only "一份<type>（尚未公开）")."""
    def describer(entry):
        row = rt.model.get_or_none(rt.model.id == int(entry.object_id)) if str(entry.object_id).isdigit() else None
        if row is None:
            return None
        unit = rt.unit_of(row)
        village = unit if unit is not None and unit.level == "village" else None
        if records.is_public(rt, row):
            # a title joins data with " · "; a part the catalogue knows (a certificate's name) is translated
            title = " · ".join(translate_label(part) for part in mask(rt.title_of(row)).split(" · "))
            return {"village": village, "title": title, "url": records.object_url(rt.name, row.id)}
        return {"village": village, "title": _("一份%(label)s（尚未公开）", label=_(rt.label)), "url": None}
    return describer


def _what(entry, rt, found):
    """What happened: the action's words, else the describer's, else the state a record type's step
    left the record in."""
    if entry.action in ACTIONS:
        return _(ACTIONS[entry.action])
    if entry.action.endswith(redaction.SUFFIX):
        return _("重新隐去了早先未能隐去的个人信息")
    if found.get("what") is not None:
        return found["what"]
    step = rt.transition_named(entry.action.rsplit(".", 1)[-1]) if rt is not None else None
    state = rt.states.get(step.target) if step is not None else None
    return _(state) if state else _("发生了变动")


def describe(entry):
    """``{"village", "title", "url", "what", "when"}`` for one entry, in plain words."""
    describers = current_app.extensions.get(KEY, {})
    rt = registry.of(current_app).record_types.get(entry.object_type)
    describer = describers.get(entry.object_type, _unit_describer if entry.object_type == "unit" else None)
    if describer is None and rt is not None:
        describer = _record_describer(rt)
    found = None
    if describer is not None:
        try:
            found = describer(entry)
        except (LookupError, ValueError):
            found = None
    found = found or {"village": None, "title": _("一条记录"), "url": None}
    return dict(found, what=_what(entry, rt, found), when=short_time(entry.created_at), when_full=local(entry.created_at))


@bp.get("")
def index():
    """Log size, the latest entries in plain words, the signed checkpoint and how to check everything."""
    cp = current_checkpoint()
    recent = [(e, describe(e)) for e in AuditEntry.select().order_by(AuditEntry.idx.desc()).limit(RECENT)]
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
    """One entry in plain words and the in-browser inclusion check; 404 when the index is beyond the log."""
    row = AuditEntry.get_or_none(AuditEntry.idx == index)
    if row is None:
        abort(404)
    withheld = redaction.withheld([row.idx])
    actor, text = public_entry(row, withheld)
    return render_template("audit/entry.html", entry=row, about=describe(row), text=text, actor=actor,
                           redacted_by=withheld.get(row.idx))
