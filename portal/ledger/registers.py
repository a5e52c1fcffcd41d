"""The asset register (资产), the resource register (资源) and leases and contracts.

Register entries and contracts are public from the day they are recorded (a
collective's property is no secret). An asset leaves the register only by
disposal through a published 集体资产资源处置 notice, linked. A lease's
payment schedule is derived from its rent and term unless given; payments
received are income entries of the ledger that name the contract.
"""
import datetime
import decimal
import json

from flask import url_for

from portal.core.clock import parse_date
from portal.core.errors import ValidationError
from portal.core.i18n import N_
from portal.core.records import RecordType, Transition
from portal.core.text import clean_text
from portal.ledger.models import Asset, Contract, Entry
from portal.ledger.rows import DECISION, fen_text, parse_fen
from portal.units.models import Unit

ASSET_KINDS = (N_("房屋"), N_("设备"), N_("车辆"), N_("道路桥梁"), N_("水利设施"), N_("其他"))
RESOURCE_KINDS = (N_("土地"), N_("林地"), N_("水面"), N_("四荒地"))
ASSET_STATUS = {"in_use": N_("在用"), "leased": N_("出租"), "idle": N_("闲置"), "disposed": N_("已处置")}
UNITS = {"yuan_per_mu_year": N_("元/亩/年"), "yuan_per_year": N_("元/年"), "total": N_("总价")}
CONTRACT_KINDS = {"lease": N_("租赁/发包"), "contract": N_("合同")}


def _area(value, required=False):
    if value in (None, ""):
        if required:
            raise ValidationError("missing_area_mu", "按亩计租的合同须填写面积（亩）。")
        return None
    if isinstance(value, (bool, float)) or not isinstance(value, (str, int)):
        raise ValidationError("bad_area_mu", "面积必须写成文本（亩，最多两位小数）。")
    try:
        area = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ValidationError("bad_area_mu", "面积必须是数字（亩）。") from None
    if not area.is_finite() or area <= 0 or area > 10_000_000 or area != area.quantize(decimal.Decimal("0.01")):
        raise ValidationError("bad_area_mu", "面积必须是正数，最多两位小数（亩）。")
    return area


def _fill_asset(actor, row, data):
    register = data.get("register") or "asset"
    if register not in ("asset", "resource"):
        raise ValidationError("bad_register", "register 应为 asset（资产）或 resource（资源）。")
    kinds = ASSET_KINDS if register == "asset" else RESOURCE_KINDS
    if data.get("kind") not in kinds:
        raise ValidationError("bad_kind", N_("类别应为：%(kinds)s。"), kinds=list(kinds))
    row.village = Unit.find(data.get("village"), "village")
    row.register, row.kind = register, data["kind"]
    row.name = clean_text(data.get("name"), "name", "名称", 100, required=True)
    row.location = clean_text(data.get("location"), "location", "坐落", 100)
    row.area_mu = _area(data.get("area_mu"), required=register == "resource")
    row.value_fen = parse_fen(data["value"], "value", "原值") if data.get("value") not in (None, "") else None
    row.acquired_on = parse_date(data.get("acquired_on"), "acquired_on", "取得日期")
    row.acquisition = clean_text(data.get("acquisition"), "acquisition", "取得方式", 40)
    row.custodian = clean_text(data.get("custodian"), "custodian", "管护人", 40)
    status = data.get("status") or "in_use"
    if status not in ("in_use", "leased", "idle"):
        raise ValidationError("bad_status", "状态应为 in_use、leased 或 idle（处置须经公开程序）。")
    row.status = status


def _dispose(actor, row, data):
    from portal.publications.services import get_publication
    pub = get_publication((data or {}).get("publication"))
    if not pub.is_public or pub.village_id != row.village_id or pub.power is None or \
            pub.power.category != "asset_disposal":
        raise ValidationError("bad_publication", "处置须关联本村已公开的“集体资产资源处置”公开记录。")
    row.disposal_publication = pub.id
    row.status = "disposed"


def asset_extra(row):
    return {"register": row.register, "kind": row.kind, "area_mu": f"{row.area_mu:.2f}" if row.area_mu else None,
            "value": fen_text(row.value_fen), "status_name": ASSET_STATUS[row.status], "status": row.status,
            "disposal_publication": row.disposal_publication}


ASSET = RecordType(
    name="ledger_asset", label="资产资源", model=Asset, states={"registered": "在册", "disposed": "已处置"},
    public_states=["registered", "disposed"], unit_of=lambda row: row.village,
    find_unit=lambda code: Unit.find(code, "village"),
    public_fields=["name", "location", "acquired_on", "acquisition", "custodian"],
    field_labels={"name": "名称", "location": "坐落", "acquired_on": "取得日期", "acquisition": "取得方式",
                  "custodian": "管护人"},
    title_of=lambda row: row.name, body_of=lambda row: f"{row.kind} {row.name} {row.location}",
    view_extra=asset_extra, category="capitals", api_path="ledger/assets",
    transitions=[Transition("create", "asset.write", [None], "registered", change=_fill_asset,
                            summary="Register an asset or resource"),
                 Transition("dispose", "asset.write", ["registered"], "disposed", change=_dispose,
                            summary="Dispose of it through a published 集体资产资源处置 notice")])


def yearly_fen(row):
    if row.unit == "yuan_per_mu_year":
        return int((decimal.Decimal(row.amount_fen) * row.area_mu).to_integral_value(decimal.ROUND_HALF_UP))
    if row.unit == "yuan_per_year":
        return row.amount_fen
    return None


def derived_schedule(row):
    """The payments due: yearly in advance on each anniversary, or the total at the start."""
    yearly = yearly_fen(row)
    if yearly is None:
        return [{"due": row.start.isoformat(), "amount": fen_text(row.amount_fen)}]
    out, due = [], row.start
    while due <= row.end and len(out) < 100:
        out.append({"due": due.isoformat(), "amount": fen_text(yearly)})
        try:
            due = due.replace(year=due.year + 1)
        except ValueError:  # 29 February
            due = due.replace(year=due.year + 1, day=28)
    return out


def _schedule(value):
    if not isinstance(value, list) or len(value) > 100:
        raise ValidationError("bad_schedule", "付款计划应为 [{\"due\": 日期, \"amount\": 金额}]，最多100期。")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise ValidationError("bad_schedule", "付款计划应为 [{\"due\": 日期, \"amount\": 金额}]。")
        due = parse_date(item.get("due"), "schedule", "付款日期")
        if due is None:
            raise ValidationError("bad_schedule", "付款计划的每期都要有日期。")
        out.append({"due": due.isoformat(), "amount": fen_text(parse_fen(item.get("amount"), "schedule", "每期金额"))})
    return sorted(out, key=lambda i: i["due"])


def _fill_contract(actor, row, data):
    kind = data.get("kind")
    if kind not in CONTRACT_KINDS:
        raise ValidationError("bad_kind", "kind 应为 lease（租赁/发包）或 contract（合同）。")
    row.village, row.kind = Unit.find(data.get("village"), "village"), kind
    row.title = clean_text(data.get("title"), "title", "合同名称", 120, required=True)
    row.counterparty = clean_text(data.get("counterparty"), "counterparty", "对方", 100, required=True)
    code = str(data.get("counterparty_code") or "").strip().upper()
    if code and len(code) != 18:
        raise ValidationError("bad_counterparty_code", "统一社会信用代码应为18位。")
    row.counterparty_code = code
    row.object = clean_text(data.get("object"), "object", "标的", 100, required=True)
    if data.get("asset") not in (None, ""):
        asset = Asset.get_or_none(Asset.id == data["asset"]) if isinstance(data["asset"], int) else None
        if asset is None or asset.village_id != row.village.code:
            raise ValidationError("bad_asset", "标的资产不存在或不属于本村。")
        row.asset = asset
    row.unit = data.get("unit") or "total"
    if row.unit not in UNITS:
        raise ValidationError("bad_unit", "unit 应为 yuan_per_mu_year、yuan_per_year 或 total。")
    row.area_mu = _area(data.get("area_mu"), required=row.unit == "yuan_per_mu_year")
    row.amount_fen = parse_fen(data.get("amount"))
    row.start = parse_date(data.get("start"), "start", "起始日期")
    row.end = parse_date(data.get("end"), "end", "截止日期")
    if row.start is None or row.end is None:
        raise ValidationError("missing_term", "请填写合同起止日期。")
    if row.end < row.start:
        raise ValidationError("bad_end", "截止日期不能早于起始日期。")
    decision = str(data.get("decision") or "").strip()
    if decision and not DECISION.match(decision):
        raise ValidationError("bad_decision", "决策依据应写成 publication:编号 或 meeting:编号。")
    row.decision = decision
    row.schedule = json.dumps(_schedule(data["schedule"]) if data.get("schedule") else derived_schedule(row))


def _end_contract(actor, row, data):
    row.end = min(row.end, datetime.date.today()) if (data or {}).get("early") else row.end


def payments_of(row, public=True):
    """Income entries naming the contract (published ones for the public), oldest first."""
    query = Entry.select().where((Entry.contract_id == row.id) & (Entry.direction == "income"))
    if public:
        query = query.where(Entry.state == "published")
    return list(query.order_by(Entry.date, Entry.id))


def contract_extra(row):
    return {"kind": row.kind, "counterparty_code": row.counterparty_code, "object": row.object,
            "asset": row.asset_id, "area_mu": f"{row.area_mu:.2f}" if row.area_mu else None,
            "amount": fen_text(row.amount_fen), "unit": row.unit, "unit_name": UNITS[row.unit],
            "start": row.start.isoformat(), "end": row.end.isoformat(), "decision": row.decision or None}


CONTRACT = RecordType(
    name="ledger_contract", label="合同", model=Contract, states={"active": "履行中", "ended": "已终止"},
    public_states=["active", "ended"], unit_of=lambda row: row.village,
    find_unit=lambda code: Unit.find(code, "village"), public_fields=["title", "counterparty"],
    field_labels={"title": "合同名称", "counterparty": "对方"}, title_of=lambda row: row.title,
    body_of=lambda row: f"{row.object} {row.counterparty} {fen_text(row.amount_fen)}元 {UNITS[row.unit]}",
    view_extra=contract_extra, category="capitals", api_path=None,
    transitions=[Transition("create", "contract.write", [None], "active", change=_fill_contract,
                            summary="Record a lease or contract"),
                 Transition("end", "contract.write", ["active"], "ended", change=_end_contract,
                            summary="End a contract")])


def contract_url(row):
    return url_for("records.page", type_name="ledger_contract", record_id=row.id, _external=True)
