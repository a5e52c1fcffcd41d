"""Reading village works for pages and the API: lists by unit, the public view, the timeline."""
import json

from flask import url_for

from portal.core import records
from portal.core.clock import iso
from portal.projects.models import Project, Release
from portal.projects.services import PROJECT
from portal.units.models import Unit

PER_PAGE = 20
STEP_NAMES = {"planning": "立项", "tender": "招标公告", "tenderUpdate": "开标与评标", "award": "定标",
              "contract": "签订合同", "contractAmendment": "合同变更", "implementation": "实施与支付"}


def villages_under(unit):
    """The village ids a unit covers (itself when a village)."""
    if unit.level == "village":
        return [unit.code]
    return [u.code for u in Unit.select(Unit.code).where((Unit.level == "village") & Unit.path.startswith(unit.path))]


def projects_in(village_codes, page=1, per_page=PER_PAGE):
    query = Project.select().where(Project.village.in_(village_codes)).order_by(Project.id.desc())
    return query.count(), list(query.paginate(page, per_page))


def view(row):
    out = records.public_view(PROJECT, row)
    out["url"] = url_for("projects.detail", project_id=row.id, _external=True)
    out["record_url"] = url_for("records.page", type_name="project", record_id=row.id, _external=True)
    out["ocds_url"] = url_for("projects_api.record_package", project_id=row.id, _external=True)
    if row.meeting_id:
        out["opening_url"] = url_for("meetings.watch", meeting_id=row.meeting_id, _external=True)
    return out


def timeline(row):
    """Each public step with its date, release tag and audit index (the proof widget's input)."""
    out = []
    for rel in Release.select().where(Release.project == row.id).order_by(Release.id):
        data = json.loads(rel.data)
        out.append({"tag": rel.tag, "name": STEP_NAMES.get(rel.tag, rel.tag), "date": data["date"],
                    "release_id": rel.release_id, "audit_index": rel.audit_index, "summary": summary(data)})
    return out


def summary(release):
    """One line of what a release says, for the timeline."""
    if "planning" in release:
        return f"预算 {release['planning']['budget']['amount']['amount']:.2f} 元，{release['tender']['procurementMethodDetails']}"
    if release["tag"][0] == "tender":
        return f"投标截止 {release['tender']['tenderPeriod']['endDate'][:16].replace('T', ' ')}"
    if "awards" in release:
        a = release["awards"][0]
        return f"中标：{a['suppliers'][0]['name']}，{a['value']['amount']:.2f} 元"
    if "bids" in release and release["bids"].get("details"):
        if len(release["bids"]["details"]) == 1:
            d = release["bids"]["details"][0]
            return f"投标：{d['tenderers'][0]['name']}，{d['value']['amount']:.2f} 元"
        return "评标：" + "、".join(f"{d['tenderers'][0]['name']}{'有效' if d.get('status') == 'valid' else '无效'}"
                                  for d in release["bids"]["details"])
    if "bids" in release:
        return "开标会开始"
    for c in release.get("contracts", []):
        if c.get("amendments"):
            return f"合同金额变更为 {c['value']['amount']:.2f} 元：{c['amendments'][0]['rationale']}"
        if c.get("milestones"):
            m = c["milestones"][0]
            return f"{m['title']}（{m['dateMet'][:10]}）"
        if c.get("implementation"):
            t = c["implementation"]["transactions"][0]
            return f"支付 {t['value']['amount']:.2f} 元"
        if c.get("dateSigned"):
            return f"合同金额 {c['value']['amount']:.2f} 元，签订于 {c['dateSigned'][:10]}"
    return ""


def release_rows(village_codes, page=None, per_page=100):
    query = (Release.select(Release.data).where(Release.village.in_(village_codes)).order_by(Release.id))
    if page is None:
        return query.count(), query.tuples().iterator()
    return query.count(), [r[0] for r in query.paginate(page, per_page).tuples()]


__all__ = ["iso"]
