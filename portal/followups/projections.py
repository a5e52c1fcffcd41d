"""Follow-ups seen from outside: search documents, the village feed, dashboard figures, the export.

Only public follow-ups are projected, masked; internal ones never leave the workbench.
"""
from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, request, url_for
from peewee import fn

from portal.core.clock import aware, iso, today, utcnow
from portal.core.domain import ExportTable, Figure, SearchSource
from portal.core.i18n import N_
from portal.core.personal_data import mask
from portal.followups import assignees, services
from portal.followups.models import FINDINGS, Followup
from portal.units.views import village_or_404

feeds = Blueprint("followups_feeds", __name__)


def _document(row):
    body = " ".join(s["text"] for s in services.thread(row))
    return {"type": "followup", "id": str(row.id), "title": mask(row.question)[:60],
            "body": f"{row.object_title} {body} {mask(row.conclusion)}", "village": row.unit_id,
            "township": row.unit.parent_id, "category": "followup", "published_at": aware(row.updated_at),
            "url": f"/followups/{row.id}"}


def iter_documents():
    for row in Followup.select().where(Followup.visibility == "public").iterator():
        yield _document(row)


def document_for(object_id):
    row = Followup.get_or_none(Followup.id == int(object_id)) if str(object_id).isdigit() else None
    return _document(row) if row is not None and row.visibility == "public" else None


SEARCH = SearchSource("followup", iter_documents, document_for, {"followup": "纪检监察督办"})


@feeds.get("/feeds/followups/<code>.atom")
def village_feed(code):
    """A village's public follow-ups as Atom, newest change first: each answer and conclusion updates its entry."""
    village = village_or_404(code)
    rows = list(Followup.select().where((Followup.unit == village) & (Followup.visibility == "public"))
                .order_by(Followup.updated_at.desc()).limit(50))
    fg = FeedGenerator()
    fg.id(url_for("followups_feeds.village_feed", code=village.code, _external=True))
    fg.title(f"{village.name} · 纪检监察督办")
    fg.link(href=request.url, rel="self")
    fg.language("zh-CN")
    fg.updated(aware(rows[0].updated_at) if rows else aware(utcnow()))
    for row in reversed(rows):
        url = url_for("followups.detail", followup_id=row.id, _external=True)
        entry = fg.add_entry()
        entry.id(url)
        entry.title(f"纪检监察督办：{mask(row.question)[:60]}")
        entry.link(href=url)
        entry.updated(aware(row.updated_at))
        entry.summary(panel_line(row))
    return Response(fg.atom_str(pretty=True), mimetype="application/atom+xml")


def panel_line(row):
    """"纪检监察督办：……，限期……，答复……" in one line (feeds, exports)."""
    answers = [s for s in row.steps if s.kind == "answer"]
    text = f"纪检监察督办：{mask(row.question)}，限期{row.due_on.isoformat()}，"
    text += f"答复：{mask(answers[-1].text)}" if answers else "尚未答复"
    if row.finding:
        text += f"；结论：{FINDINGS[row.finding]}"
    return text


# -- dashboard figures ---------------------------------------------------------------------

def _villages_of(doc_type, object_id):
    row = Followup.get_or_none(Followup.id == int(object_id)) if str(object_id).isdigit() else None
    return [row.unit_id] if row is not None else []


def is_open():
    return Followup.state != "concluded"


def is_overdue_on(on):
    return Followup.state.in_(services.AWAITING) & (Followup.due_on < on)


def _public(village_ids):
    """The public follow-ups on these villages: a public figure counts only what its link can list
    (an internal follow-up never leaves the workbench, not even as a count)."""
    return Followup.select().where(Followup.unit.in_(list(village_ids)) & (Followup.visibility == "public"))


def _open_count(village_ids, on):
    return _public(village_ids).where(is_open()).count()


def _overdue_count(village_ids, on):
    return _public(village_ids).where(is_overdue_on(on)).count()


def _list_link(show):
    def link(unit):
        if unit.level == "village":
            return url_for("followups.village_list", code=unit.code, show=show)
        return url_for("followups.area_list", code=unit.code, show=show)
    return link


FIGURES = [
    Figure("followups.open", N_("督办未办结"), ["followup"], _villages_of, _open_count, link=_list_link("open")),
    Figure("followups.overdue", N_("督办逾期未答复"), ["followup"], _villages_of, _overdue_count,
           link=_list_link("overdue")),
]


# -- the open-data export ------------------------------------------------------------------

COLUMNS = [("id", "督办编号"), ("village", "对象所在村（社区）代码"), ("object_type", "督办对象类型"),
           ("object_id", "督办对象编号"), ("object_title", "督办对象标题（已脱敏）"), ("question", "督办事项（已脱敏）"),
           ("assignee", "答复单位及角色"), ("due", "答复期限（YYYY-MM-DD）"), ("state", "状态代码"),
           ("overdue", "是否逾期未答复"), ("answer", "最近一次答复（已脱敏）"), ("finding", "结论代码"),
           ("conclusion", "办结意见（已脱敏）"), ("campaign", "所属专项整治编号"), ("opened_at", "发起时间"),
           ("audit_index", "最近审计日志序号")]


def export_rows(village_ids):
    on = today()
    for row in (Followup.select().where(Followup.unit.in_(list(village_ids)) & (Followup.visibility == "public"))
                .order_by(Followup.id).iterator()):
        answers = [s for s in row.steps if s.kind == "answer"]
        yield {"id": row.id, "village": row.unit_id, "object_type": row.object_type, "object_id": row.object_id,
               "object_title": row.object_title, "question": mask(row.question), "assignee": assignees.label(row),
               "due": row.due_on.isoformat(), "state": row.state, "overdue": services.is_overdue(row, on),
               "answer": mask(answers[-1].text) if answers else "", "finding": row.finding or "",
               "conclusion": mask(row.conclusion), "campaign": row.campaign_id, "opened_at": iso(row.created_at),
               "audit_index": row.audit_index}


EXPORTS = [ExportTable("followups", "纪检监察督办（公开）", COLUMNS, export_rows)]


def open_by_village(village_ids):
    """{village code: open follow-ups} for the inspector's home page."""
    return dict(Followup.select(Followup.unit, fn.COUNT(Followup.id)).where(
        Followup.unit.in_(list(village_ids)) & (Followup.state != "concluded")).group_by(Followup.unit).tuples())
