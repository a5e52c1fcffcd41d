"""What the dashboard shows of seals (``Figure``) and the seal tables of the open-data export
(``ExportTable``). Both read public rows only; applicants appear by surname only."""
import datetime

from flask import url_for

from portal.core.clock import date_text, iso, today
from portal.core.db import driver_rows, villages_in
from portal.core.domain import ExportTable, Figure
from portal.core.i18n import N_
from portal.seals import certificates
from portal.seals.models import Seal, SealHandover, SealUse
from portal.seals.naming import surname_only
from portal.units.models import Unit


def _villages_of(doc_type, object_id):
    model = {"seal_use": SealUse, "seal": Seal}.get(doc_type)
    if model is None or not str(object_id).isdigit():
        return []
    row = model.select(model.village).where(model.id == int(object_id)).first()
    return [row.village_id] if row else []


def _uses_30d(village_ids, today):
    since = today - datetime.timedelta(days=29)
    return SealUse.select().where(SealUse.village.in_(list(village_ids)) & (SealUse.used_on >= since)).count()


def _certificates_year(village_ids, today):
    return SealUse.select().where(SealUse.village.in_(list(village_ids)) & (SealUse.certificate_name != "")
                                  & (SealUse.used_on >= datetime.date(today.year, 1, 1))).count()


def _out_now(village_ids, today):
    return SealUse.select().where(SealUse.village.in_(list(village_ids)) & (SealUse.state == "out")).count()


def _seals_in_use(village_ids, today):
    return Seal.select().where(Seal.village.in_(list(village_ids)) & (Seal.state == "in_use")).count()


def _log_url(unit, **filters):
    """The unit's seal log filtered to what a figure counts (a village's own log, or an area's)."""
    if unit.level == "village":
        return url_for("seals.village_log", code=unit.code, **filters)
    return url_for("seals.area_log", code=unit.code, **filters)


def _uses_link(unit):
    return _log_url(unit, **{"from": (today() - datetime.timedelta(days=29)).isoformat()})


def _certificates_link(unit):
    return _log_url(unit, certificate="1", **{"from": datetime.date(today().year, 1, 1).isoformat()})


def _out_link(unit):
    return _log_url(unit, not_back="1")


def _register_link(unit):
    return _log_url(unit, _anchor="register")


WATCH = ["seal_use", "seal"]
FIGURES = [
    Figure("seals.uses_30d", N_("近30天用印次数"), WATCH, _villages_of, _uses_30d, _uses_link),
    Figure("seals.certificates_year", N_("今年开具证明次数"), WATCH, _villages_of, _certificates_year,
           _certificates_link),
    Figure("seals.out_now", N_("外带未归还的印章"), WATCH, _villages_of, _out_now, _out_link),
    Figure("seals.in_use", N_("在用印章"), WATCH, _villages_of, _seals_in_use, _register_link),
]


def _seal_rows(village_ids):
    for s in Seal.select().where(Seal.village.in_(list(village_ids))).order_by(Seal.id):
        yield {"id": s.id, "village": s.village_id, "name": s.name, "kind": s.kind, "keeper": s.keeper,
               "approver": s.approver, "state": s.state, "registered_on": s.registered_on.isoformat(),
               "status_on": s.status_on.isoformat() if s.status_on else "", "status_reason": s.status_reason,
               "audit_index": s.audit_index}


def _use_rows(village_ids):
    """One query, rows as the driver gives them (no model object, no field conversion per use: a county holds
    half a million)."""
    query = (SealUse.select(SealUse.id, SealUse.village, SealUse.seal, SealUse.used_on, SealUse.purpose,
                            SealUse.document, SealUse.copies, SealUse.applicant, SealUse.approver, SealUse.handler,
                            SealUse.keeper, SealUse.matter, SealUse.needs_vote, SealUse.decision_type,
                            SealUse.decision_id, SealUse.certificate_name, SealUse.certificate_kind,
                            SealUse.left_office, SealUse.out_at, SealUse.returned_at, SealUse.created_at,
                            SealUse.state, SealUse.audit_index)
             .where(villages_in(SealUse.village, village_ids)).order_by(SealUse.id))
    for (uid, village, seal, used_on, purpose, document, copies, applicant, approver, handler, keeper, matter,
         needs_vote, decision_type, decision_id, certificate_name, certificate_kind, left_office, out_at,
         returned_at, created_at, state, audit_index) in driver_rows(query):
        yield {"id": uid, "village": village, "seal": seal, "used_on": date_text(used_on), "purpose": purpose,
               "document": document, "copies": copies, "applicant": surname_only(applicant), "approver": approver,
               "handler": handler, "keeper": keeper, "matter": matter, "needs_vote": bool(needs_vote),
               "decision_type": decision_type, "decision_id": decision_id or "", "certificate": certificate_name,
               "certificate_kind": certificate_kind, "left_office": bool(left_office), "out_at": iso(out_at) or "",
               "returned_at": iso(returned_at) or "", "recorded_at": iso(created_at), "state": state,
               "audit_index": audit_index}


def _handover_rows(village_ids):
    query = SealHandover.select(SealHandover, Seal).join(Seal).where(Seal.village.in_(list(village_ids)))
    for h in query.order_by(SealHandover.id):
        yield {"id": h.id, "seal": h.seal_id, "village": h.seal.village_id, "handed_on": h.handed_on.isoformat(),
               "from_keeper": h.from_keeper, "to_keeper": h.to_keeper, "witness": h.witness,
               "impression_sha256": h.impression_sha256, "audit_index": h.audit_index}


def _certificate_rows(village_ids):
    codes = {path.strip("/").split("/")[0]
             for (path,) in Unit.select(Unit.path).where(Unit.code.in_(list(village_ids))).tuples()}
    counties = {code for code in codes if Unit.find(code, "county") is not None}  # one look-up per county
    for code in sorted(counties):
        for e in certificates.list_for(Unit.find(code, "county")):
            yield {"county": code, "code": e["code"], "name": e["name"], "kind": e["kind"],
                   "alternative": e["alternative"], "basis": e["basis"]}


EXPORTS = [
    ExportTable("seals", "印章登记", [
        ("id", "印章编号"), ("village", "村（社区）代码"), ("name", "印章名称"), ("kind", "类别代码"),
        ("keeper", "保管人"), ("approver", "审批人"), ("state", "状态：in_use 在用、suspended 暂停、lost 遗失、destroyed 销毁"),
        ("registered_on", "登记日期"), ("status_on", "最近状态变更日期"), ("status_reason", "状态变更原因"),
        ("audit_index", "最新审计日志序号")], _seal_rows),
    ExportTable("seal_uses", "用印记录", [
        ("id", "用印记录编号"), ("village", "村（社区）代码"), ("seal", "印章编号"), ("used_on", "用印日期"),
        ("purpose", "用印事由"), ("document", "文件名称"), ("copies", "份数"), ("applicant", "申请人（仅姓氏）"),
        ("approver", "审批人"), ("handler", "经办人"), ("keeper", "用印时的保管人"), ("matter", "事项类别代码"),
        ("needs_vote", "是否须经村民（代表）会议决定"), ("decision_type", "决策依据类型：publication 或 meeting"),
        ("decision_id", "决策依据编号"), ("certificate", "证明事项"),
        ("certificate_kind", "证明事项类别：may_issue、commitment、must_not、unlisted"),
        ("left_office", "印章是否带出"), ("out_at", "带出时间"), ("returned_at", "归还时间"),
        ("recorded_at", "登记时间"), ("state", "状态：out 外带未归还、recorded 已登记"),
        ("audit_index", "最新审计日志序号")], _use_rows),
    ExportTable("seal_handovers", "印章移交", [
        ("id", "移交记录编号"), ("seal", "印章编号"), ("village", "村（社区）代码"), ("handed_on", "移交日期"),
        ("from_keeper", "移交人"), ("to_keeper", "接交人"), ("witness", "监交人"),
        ("impression_sha256", "印模图片原件的SHA-256"), ("audit_index", "审计日志序号")], _handover_rows),
    ExportTable("certificates", "证明事项清单", [
        ("county", "县代码"), ("code", "事项代码"), ("name", "证明名称"),
        ("kind", "类别：may_issue 可开具、commitment 告知承诺替代、must_not 不能开具"),
        ("alternative", "群众可以怎么办"), ("basis", "依据")], _certificate_rows),
]
