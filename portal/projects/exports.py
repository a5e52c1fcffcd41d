"""The open-data export's tables (masked, documented) and the OCDS packages; the dashboard figures."""
import json

from portal.core.domain import ExportTable, Figure
from portal.core.i18n import N_
from portal.core.money import amount_text
from portal.core.personal_data import mask
from portal.projects import ocds
from portal.projects.models import Bid, Payment, Project, Release

PROJECT_COLUMNS = [
    ("id", "项目编号（本平台）"), ("ocid", "OCDS 开放合同编号"), ("village", "村（社区）行政区划代码"),
    ("title", "工程名称（已脱敏）"), ("budget", "预算（元，两位小数）"), ("procedure", "采购方式：quotes 三家询价、invited 邀请比选、open 公开招标"),
    ("state", "阶段"), ("tender_deadline", "投标截止时间（+08:00）"), ("bids", "投标数"),
    ("award_amount", "中标金额（元）"), ("winner", "中标单位"), ("contract_value", "合同金额（变更后，元）"),
    ("paid_total", "累计支付（元）"), ("accepted_on", "验收日期"), ("audit_index", "最近一步的存证序号"),
]
BID_COLUMNS = [
    ("id", "投标编号"), ("project", "项目编号"), ("bidder", "投标单位"), ("credit_code", "统一社会信用代码"),
    ("amount", "报价（元）"), ("received_at", "送达时间（+08:00）"), ("late", "是否逾期送达"),
    ("status", "评标结论：pending 待评、valid 有效、disqualified 无效"), ("reason", "无效原因（已脱敏）"),
]


def _iso(value):
    from portal.core.clock import iso
    return iso(value)


def project_rows(village_ids):
    winners = {}
    for pid, name in (Bid.select(Bid.project, Bid.bidder).join(Project, on=(Project.award_bid == Bid.id))
                      .where(Project.village.in_(list(village_ids))).tuples()):
        winners[pid] = name
    counts = {}
    for (pid,) in Bid.select(Bid.project).join(Project).where(Project.village.in_(list(village_ids))).tuples():
        counts[pid] = counts.get(pid, 0) + 1
    for p in Project.select().where(Project.village.in_(list(village_ids))).order_by(Project.id).iterator():
        yield {"id": p.id, "ocid": p.ocid, "village": p.village_id, "title": mask(p.title),
               "budget": amount_text(p.budget), "procedure": p.procedure, "state": p.state,
               "tender_deadline": _iso(p.tender_deadline), "bids": counts.get(p.id, 0),
               "award_amount": amount_text(p.award_amount), "winner": mask(winners.get(p.id, "")) or None,
               "contract_value": amount_text(p.contract_value), "paid_total": amount_text(p.paid_total),
               "accepted_on": p.accepted_on.isoformat() if p.accepted_on else None, "audit_index": p.audit_index}


def bid_rows(village_ids):
    query = Bid.select(Bid).join(Project).where(Project.village.in_(list(village_ids))).order_by(Bid.id)
    for b in query.iterator():
        yield {"id": b.id, "project": b.project_id, "bidder": mask(b.bidder), "credit_code": b.credit_code,
               "amount": amount_text(b.amount), "received_at": _iso(b.received_at), "late": b.late,
               "status": b.status, "reason": mask(b.reason)}


def ocds_documents(village_ids):
    """``ocds_releases.json``: every release of these villages as one release package, written into the
    export as it is read (a county's 20,000 processes never sit in memory whole)."""
    def write(out):
        rows = (r[0] for r in Release.select(Release.data).where(Release.village.in_(list(village_ids)))
                .order_by(Release.id).tuples().iterator())
        pending = []
        size = 0
        for chunk in ocds.release_package_chunks(rows, "ocds_releases.json"):
            pending.append(chunk)
            size += len(chunk)
            if size >= 1 << 18:
                out.write("".join(pending).encode("utf-8"))
                pending, size = [], 0
        out.write("".join(pending).encode("utf-8"))
    return {"ocds_releases.json": write}


EXPORTS = [
    ExportTable("projects", "村级小微工程", PROJECT_COLUMNS, project_rows, ocds_documents),
    ExportTable("project_bids", "小微工程投标", BID_COLUMNS, bid_rows),
]


def _villages_of(doc_type, object_id):
    row = Project.get_or_none(Project.id == int(object_id)) if str(object_id).isdigit() else None
    return [row.village_id] if row else []


def _count(village_ids, today):
    return Project.select().where(Project.village.in_(list(village_ids))).count()


def _awarded_total(village_ids, today):
    from peewee import fn
    total = Project.select(fn.SUM(Project.award_amount)).where(Project.village.in_(list(village_ids))).scalar()
    return amount_text(total or 0)


def _paid_total(village_ids, today):
    from peewee import fn
    total = (Payment.select(fn.SUM(Payment.amount)).join(Project)
             .where(Project.village.in_(list(village_ids))).scalar())
    return amount_text(total or 0)


def _single_bid_rate(village_ids, today):
    from peewee import fn
    awarded = (Project.select(Project.id).where(Project.village.in_(list(village_ids)) & Project.award_bid.is_null(False)))
    ids = [p.id for p in awarded]
    if not ids:
        return None
    counts = Bid.select(Bid.project, fn.COUNT(Bid.id)).where(Bid.project.in_(ids)).group_by(Bid.project).tuples()
    return sum(1 for _p, n in counts if n == 1) / len(ids)


def _link(unit):
    return f"/v/{unit.code}/projects" if unit.level == "village" else f"/t/{unit.code}/projects"


FIGURES = [
    Figure("projects.count", N_("小微工程项目数"), ("project",), _villages_of, _count, _link, "count"),
    Figure("projects.awarded_total", N_("小微工程中标金额"), ("project",), _villages_of, _awarded_total, _link, "money"),
    Figure("projects.paid_total", N_("小微工程已支付"), ("project",), _villages_of, _paid_total, _link, "money"),
    Figure("projects.single_bid_rate", N_("只有一家投标的比例"), ("project",), _villages_of, _single_bid_rate, _link, "rate"),
]


__all__ = ["json"]
