"""Publications' panels on the workspace: what each role must do next with a record.

Clerk: drafts waiting for review, drafts sent back (with the reason), approved
drafts to publish, objections to answer, duties due or overdue. Supervisor:
drafts to review, objections to moderate. Inspector: overdue duties per
village of their township (or county) and the latest publications and
corrections. Admin: the duty rules.
"""
from flask import url_for
from flask_babel import gettext as _

from portal.core.clock import local_text
from portal.core.i18n import N_
from portal.home.workspace import action, panel, row
from portal.publications import duties
from portal.publications.categories import CATEGORIES, PUBLIC_STATUSES
from portal.publications.models import DutyRule, Objection, Publication
from portal.units.models import Unit

LATEST = 10


def _detail(pub):
    return url_for("publications.detail", pub_id=pub.id)


def _of_village(village, *statuses):
    return list(Publication.select().where((Publication.village == village) & Publication.status.in_(statuses))
                .order_by(Publication.updated_at.desc()))


def _objections(village, status, unanswered=False):
    query = (Objection.select(Objection, Publication).join(Publication)
             .where((Publication.village == village) & (Objection.status == status)))
    if unanswered:
        query = query.where(Objection.answered_at.is_null())
    return list(query.order_by(Objection.created_at))


def _villages_under(unit):
    if unit.level == "village":
        return [unit]
    if unit.level == "township":
        return list(Unit.select().where((Unit.level == "village") & (Unit.parent == unit))
                    .order_by(Unit.sort_order, Unit.code))
    return [v for t in Unit.select().where((Unit.level == "township") & (Unit.parent == unit))
            .order_by(Unit.sort_order, Unit.code) for v in _villages_under(t)]


def _duty_meta(duty):
    name = duty["state_name"]
    state = _(name)
    return state + " · " + _("期限 %(date)s", date=duty["deadline"]) if duty.get("deadline") else state


def clerk_panels(village):
    waiting = [row(p.title_masked, _detail(p), _("待村务监督委员会审核") + " · " + local_text(p.updated_at))
               for p in _of_village(village, "draft")]
    returned = [row(p.title_masked, _detail(p), _("已退回") + " · " + local_text(p.updated_at),
                    note=_("退回理由：%(note)s", note=p.review_note) if p.review_note else "",
                    action=action(_("修改草稿"), url_for("publications.edit", pub_id=p.id)))
                for p in _of_village(village, "returned")]
    approved = [row(p.title_masked, _detail(p), _("已审核通过，待公开"),
                    action=action(_("去公开"), _detail(p) + "#staff-panel"))
                for p in _of_village(village, "approved")]
    answer = [row(o.publication.title_masked, _detail(o.publication) + "#objections",
                  _("村民异议") + " · " + local_text(o.created_at), note=o.text_masked,
                  action=action(_("去答复"), _detail(o.publication) + "#objections"))
              for o in _objections(village, "shown", unanswered=True)]
    due = [row(d["rule"].name, url_for("publications.village_duties", code=village.code), _duty_meta(d),
               action=action(_("起草公开"), url_for("publications.new", code=village.code)))
           for d in duties.duty_status(village) if d["state"] in ("due", "overdue")]
    return [
        panel("returned", N_("被退回的草稿"), returned, empty=N_("没有被退回的草稿。")),
        panel("approved", N_("已审核、待公开"), approved, empty=N_("没有待公开的记录。")),
        panel("drafts", N_("等待审核的草稿"), waiting, more=url_for("publications.work", code=village.code),
              empty=N_("没有等待审核的草稿。")),
        panel("answer", N_("待答复的异议"), answer, empty=N_("没有待答复的异议。")),
        panel("duties", N_("到期或逾期的公开责任"), due,
              more=url_for("publications.village_duties", code=village.code), empty=N_("公开责任均已按时落实。")),
    ]


def supervisor_panels(village):
    review = [row(p.title_masked, _detail(p), _(CATEGORIES[p.category]) + " · " + local_text(p.updated_at),
                  action=action(_("去审核"), _detail(p) + "#staff-panel"))
              for p in _of_village(village, "draft")]
    moderate = [row(o.publication.title_masked, _detail(o.publication) + "#staff-panel",
                    _("村民异议") + " · " + local_text(o.created_at), note=o.text,
                    action=action(_("去审核"), _detail(o.publication) + "#staff-panel"))
                for o in _objections(village, "pending")]
    return [
        panel("review", N_("等待审核的草稿"), review, empty=N_("没有等待审核的草稿。")),
        panel("moderate", N_("等待审核的异议"), moderate, empty=N_("没有等待审核的异议。")),
    ]


def overview(unit):
    """Overdue duties per village under ``unit`` and the latest public records and corrections."""
    villages = _villages_under(unit)
    per_village = []
    for village in villages:
        overdue = [d for d in duties.duty_status(village) if d["state"] == "overdue"]
        per_village.append({"village": village, "overdue": overdue})
    latest = list(Publication.select().where(Publication.status.in_(("published", "withdrawn"))
                                             & Publication.village.in_(villages))
                  .order_by(Publication.published_at.desc()).limit(LATEST))
    corrections = list(Publication.select().where(Publication.status.in_(PUBLIC_STATUSES)
                                                  & Publication.village.in_(villages)
                                                  & (Publication.version > 1))
                       .order_by(Publication.published_at.desc()).limit(LATEST))
    return per_village, latest, corrections


def inspector_panels(unit):
    per_village, latest, corrections = overview(unit)
    overdue = [row(item["village"].name, url_for("publications.village_duties", code=item["village"].code),
                   "、".join(d["rule"].name for d in item["overdue"]),
                   note=_("逾期 %(n)s 项", n=len(item["overdue"])))
               for item in per_village if item["overdue"]]
    pub_row = lambda p: row(p.title_masked, _detail(p), p.village.name + " · " + local_text(p.published_at))  # noqa: E731
    return [
        panel("overdue", N_("逾期未公开（按村）"), overdue, more=url_for(
            "publications.township_duties" if unit.level == "township" else "home.township", code=unit.code),
              empty=N_("各村公开责任均未逾期。"), count=sum(len(i["overdue"]) for i in per_village)),
        panel("latest", N_("最新公开"), [pub_row(p) for p in latest], empty=N_("暂无公开记录。")),
        panel("corrections", N_("最新更正"), [pub_row(p) for p in corrections], empty=N_("暂无更正。")),
    ]


def admin_panels():
    rules = DutyRule.select().where(DutyRule.active).count()
    return [panel("duty_rules", N_("公开责任规则"), [row(_("在用规则 %(n)s 条", n=rules),
                                                        url_for("publications.duty_rules"),
                                                        action=action(_("管理规则"), url_for("publications.duty_rules")))],
                  count=rules)]


def panels(user):
    unit = user.unit
    if user.role == "clerk" and unit is not None and unit.level == "village":
        return clerk_panels(unit)
    if user.role == "supervisor" and unit is not None and unit.level == "village":
        return supervisor_panels(unit)
    if user.role == "inspector" and unit is not None:
        return inspector_panels(unit)
    if user.role == "admin":
        return admin_panels()
    return []
