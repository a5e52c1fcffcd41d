"""The three capitals' JSON API (API.md "Three capitals"): reads public, writes with a bearer token.

Handlers validate, call one service and answer its result; services raise
PortalErrors, answered as ``{"error": {"code", "message"}}`` (an import's
row errors add ``rows``).
"""
import json

from flask import Blueprint, jsonify, request

from portal.core.api import api_user, error_response, int_arg, json_body, pages_for, register_api_errors, token_required
from portal.core.clock import parse_date
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.permissions import can
from portal.core.records import create, get_row, public_view
from portal.ledger import charts, entries, importer, periods, statements
from portal.ledger.models import AccountMapping, ChartVersion, Contract, Entry
from portal.ledger.openapi_paths import PATHS, SCHEMAS
from portal.ledger.registers import CONTRACT, payments_of
from portal.ledger.rows import fen_text
from portal.ledger.warnings import contract_alerts
from portal.units.models import Unit

bp = Blueprint("ledger_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)
PER_PAGE = 50


@bp.errorhandler(importer.InvalidRows)
def _invalid_rows(exc):
    body, status = error_response(exc.code, exc.template, 400, exc.params)
    data = body.get_json()
    data["error"]["rows"] = exc.localized_rows()
    return jsonify(data), status


def village_or_404(code):
    village = Unit.find(code, "village")
    if village is None:
        raise NotFound("bad_village", "村（社区）代码不存在。")
    return village


def unit_villages(code):
    """The village codes under a unit (a village itself, a township or the county)."""
    unit = Unit.get_or_none(Unit.code == str(code or ""))
    if unit is None or unit.level == "grid":
        raise NotFound("bad_unit", "行政区划代码不存在。")
    if unit.level == "village":
        return unit, [unit.code]
    return unit, [u.code for u in Unit.select(Unit.code).where((Unit.level == "village") &
                                                              Unit.path.startswith(unit.path))]


@bp.get("/ledger/accounts")
def accounts():
    """The chart of accounts in use (or ``?chart=2004|2023``), with the county's sub-accounts."""
    chart = request.args.get("chart") or entries.chart_in_use()
    if ChartVersion.get_or_none(ChartVersion.code == chart) is None:
        raise ValidationError("bad_chart", "科目表版本应为 2004 或 2023。")
    rows = sorted(charts.account_index(chart).values(), key=lambda a: a.code)  # the county's sub-accounts too
    return jsonify({"chart": chart, "accounts": [{"code": a.code, "name": a.name, "kind": a.kind,
                                                  "parent": a.parent_code, "county": a.county_id} for a in rows]})


@bp.get("/ledger/charts")
def chart_versions():
    """The chart versions and the official old→new mapping."""
    return jsonify({"in_use": entries.chart_in_use(),
                    "charts": [{"code": c.code, "name": c.name, "basis": c.basis,
                                "effective_from": c.effective_from.isoformat()} for c in ChartVersion.select()],
                    "mapping": [{"old_chart": m.old_chart, "old_code": m.old_code, "new_chart": m.new_chart,
                                 "new_code": m.new_code, "note": m.note} for m in AccountMapping.select()]})


@bp.post("/ledger/entries")
@token_required
def record_entry():
    """Record an entry (or a reversal with ``reverses``) → 201; refused in a closed month."""
    data = json_body()
    village = village_or_404(data.get("village"))
    row = entries.record_entry(api_user(), village, data)
    return jsonify(entries.entry_view(row, staff=True)), 201


@bp.get("/ledger/entries")
def list_entries():
    """Published entries, newest first; filters village, from, to, account."""
    query = Entry.select().where(Entry.state == "published")
    if request.args.get("village"):
        query = query.where(Entry.village == village_or_404(request.args["village"]))
    first = parse_date(request.args.get("from") or None, "from", "起始日期")
    last = parse_date(request.args.get("to") or None, "to", "截止日期")
    if first:
        query = query.where(Entry.date >= first)
    if last:
        query = query.where(Entry.date <= last)
    if request.args.get("account"):
        code = request.args["account"]
        query = query.where((Entry.account == code) | Entry.account.startswith(code))
    page = int_arg("page", 1, minimum=1, maximum=100000)
    total = query.count()
    rows = query.order_by(Entry.date.desc(), Entry.id.desc()).paginate(page, PER_PAGE)
    return jsonify({"entries": [entries.entry_view(r) for r in rows], "page": page,
                    "pages": pages_for(total, PER_PAGE), "total": total})


@bp.get("/ledger/entries/<int:entry_id>")
def one_entry(entry_id):
    """One published entry (404 until its month is published)."""
    row = get_row(entries.ENTRY, entry_id)
    if row.state != "published":
        user = api_user()
        if not can(user, "ledger.record", row.village) and not can(user, "ledger.review", row.village):
            raise NotFound("not_found", "找不到该收支记录。")
        return jsonify(entries.entry_view(row, staff=True))
    return jsonify(entries.entry_view(row))


@bp.post("/ledger/entries/<int:entry_id>/invoices")
@token_required
def attach(entry_id):
    """An invoice scan or PDF (multipart ``file``) for an entry of an open month → 201."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("missing_file", "请选择发票文件。")
    row = entries.attach_invoice(api_user(), entry_id, upload.filename, upload.read())
    return jsonify(entries.entry_view(row, staff=True)), 201


@bp.post("/ledger/import")
@token_required
def import_file():
    """A month from CSV/XLSX (multipart ``file``, ``village``, optional ``month``) → 201; 400 ``invalid_rows``;
    409 ``duplicate_import``."""
    village = village_or_404(request.form.get("village"))
    if not can(api_user(), "ledger.record", village):
        raise PermissionDenied("not_allowed", "您没有权限执行此操作。")
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("missing_file", "请选择要导入的文件。")
    batch = importer.import_file(api_user(), village, upload.filename, upload.read(),
                                 request.form.get("month") or None)
    return jsonify({"imported": batch.rows, "batch": batch.id, "month": batch.month,
                    "audit_index": batch.audit_index}), 201


def _period_view(row):
    return {"village": row.village_id, "month": row.month, "status": row.state,
            "status_name": periods.MONTH_NAMES[row.state], "review_note": row.review_note or None,
            "audit_index": row.audit_index, "publication": row.publication_id}


def _period_step(village_code, month, name):
    data = request.get_json(silent=True) if request.data else {}
    row = periods.take(api_user(), village_or_404(village_code), month, name, data if isinstance(data, dict) else {})
    return jsonify(_period_view(row))


@bp.post("/ledger/periods/<village_code>/<month>/approve")
@token_required
def period_approve(village_code, month):
    """The 民主理财小组's sign-off (supervisor of the village); 409 once published."""
    return _period_step(village_code, month, "approve")


@bp.post("/ledger/periods/<village_code>/<month>/send_back")
@token_required
def period_send_back(village_code, month):
    """Send the month back with a ``reason`` (supervisor): it reopens for corrections."""
    return _period_step(village_code, month, "send_back")


@bp.post("/ledger/periods/<village_code>/<month>/publish")
@token_required
def period_publish(village_code, month):
    """Publish an approved month (clerk): entries, statement and invoices become public; the month locks."""
    return _period_step(village_code, month, "publish")


@bp.get("/ledger/periods/<village_code>")
def period_list(village_code):
    """Each month of the village: its state and its duty (met / due / overdue)."""
    village = village_or_404(village_code)
    months = periods.months_of(village)
    return jsonify({"village": village.code, "months": [
        dict(m, published_at=None if m["published_at"] is None else m["published_at"].isoformat() + "Z")
        for m in months]})


@bp.get("/ledger/statements/<unit_code>")
def statement(unit_code):
    """The public statement of a village (or every village under a township / the county) for ``period``."""
    unit, villages = unit_villages(unit_code)
    period = request.args.get("period") or ""
    stmt = statements.statement(villages, period, public=True, chart=entries.chart_in_use())
    return jsonify(statements.as_json(stmt, village=unit.code))


def contract_view(row):
    view = public_view(CONTRACT, row)
    view["alerts"] = contract_alerts(row)
    view["payments"] = [{"entry": e.id, "date": e.date.isoformat(), "amount": fen_text(e.amount_fen)}
                        for e in payments_of(row)]
    view["schedule"] = json.loads(row.schedule)
    return view


@bp.post("/contracts")
@token_required
def create_contract():
    """A lease or contract (clerk of that village) → 201."""
    data = json_body()
    village = village_or_404(data.get("village"))
    row = create(CONTRACT, api_user(), village, data)
    return jsonify(contract_view(row)), 201


@bp.get("/contracts")
def list_contracts():
    """Public contracts with their alerts; filter ``village``."""
    query = Contract.select()
    if request.args.get("village"):
        query = query.where(Contract.village == village_or_404(request.args["village"]))
    page = int_arg("page", 1, minimum=1, maximum=100000)
    total = query.count()
    rows = query.order_by(Contract.end, Contract.id).paginate(page, PER_PAGE)
    return jsonify({"contracts": [contract_view(r) for r in rows], "page": page,
                    "pages": pages_for(total, PER_PAGE), "total": total})


@bp.get("/contracts/<int:contract_id>")
def one_contract(contract_id):
    """One contract with its schedule, payments and alerts."""
    return jsonify(contract_view(get_row(CONTRACT, contract_id)))
