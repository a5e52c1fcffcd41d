"""The three capitals' pages: 咱厝家底 for residents, the clerk's and supervisor's 记账与月结.

Public pages read published rows only; the staff page calls the same services
as the API (record, import, approve / send back / publish), through the one
form helper (``portal.core.forms.submit``).
"""
import datetime
import json

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField

from portal.core.api import localized
from portal.core.clock import local_text, today
from portal.core.errors import NotFound, PermissionDenied, PortalError
from portal.core.forms import Done, submit
from portal.core.i18n import N_
from portal.core.permissions import can
from portal.ledger import charts, entries, importer, periods, statements
from portal.ledger.models import Asset, Contract, Entry, ImportBatch, Invoice, Period
from portal.ledger.registers import ASSET_STATUS, UNITS, payments_of
from portal.ledger.rows import DIRECTION_NAMES, fen_text, fen_yuan
from portal.ledger.warnings import RULE_TITLES, contract_alerts, fence_flags, village_flags
from portal.units.models import Unit
from portal.units.views import area_or_404

bp = Blueprint("ledger", __name__, url_prefix="/ledger")


def _village(code):
    village = Unit.find(code, "village")
    if village is None:
        raise NotFound("not_found", N_("找不到该村（社区）。"))
    return village


def _is_staff(village):
    return can(current_user, "ledger.record", village) or can(current_user, "ledger.review", village)


@bp.app_template_filter("fen")
def _fen_filter(value):
    return fen_yuan(value)


@bp.app_template_filter("ledger_mask")
def _mask_filter(value):
    from portal.core.personal_data import mask
    return mask(value or "")


# -- public pages ---------------------------------------------------------------------

def village_warnings(village):
    """The village's warnings today, computed for that village alone (not the county's scan filtered)."""
    return [{"code": rule.code, "title": rule.title, "evidence": flag.evidence}
            for rule, flag in village_flags(village.code) if flag.evidence]


@bp.get("/<village_code>")
def village(village_code):
    """咱厝家底: the village's year at a glance (figures, charts with tables), its months and duties."""
    village = _village(village_code)
    year = request.args.get("year", type=int) or today().year
    if not 1949 <= year <= 2100:
        abort(404)
    stmt = statements.statement([village.code], str(year), chart=entries.chart_in_use())
    series = statements.monthly_series([village.code], year)
    months = periods.months_of(village)
    chart_data = {"months": [m[5:] + "月" for m, _i, _e in series],
                  "income": [fen_text(i) for _m, i, _e in series], "expense": [fen_text(e) for _m, _i, e in series],
                  "accounts": [{"name": f"{r['name']}", "value": fen_text(r["expense"])}
                               for r in stmt["by_account"] if r["expense"] > 0]}
    return render_template("ledger/village.html", village=village, year=year, stmt=stmt, series=series,
                           months=list(reversed(months)), duty_names=periods.DUTY_NAMES,
                           month_names=periods.MONTH_NAMES, chart_json=json.dumps(chart_data, ensure_ascii=False),
                           warnings=village_warnings(village), staff=_is_staff(village),
                           contracts=Contract.select().where(Contract.village == village).count(),
                           assets=Asset.select().where(Asset.village == village).count())


@bp.get("/t/<code>")
def area(code):
    """A township's or the county's year (the dashboard's 三资 figures): the totals over its villages, as the
    figures compute them, and each village's published income and expense beside its 咱厝家底 link; 404 for
    any other code."""
    unit = area_or_404(code)
    year = request.args.get("year", type=int) or today().year
    if not 1949 <= year <= 2100:
        abort(404)
    villages = {u.code: u for u in Unit.select().where(Unit.code.in_(unit.village_codes()))}
    stmt = statements.statement(list(villages), str(year))
    by_village = statements.year_by_village(list(villages), year)
    rows = [(villages[c], by_village.get(c, {"income": 0, "expense": 0}))
            for c in sorted(villages, key=lambda c: (villages[c].sort_order, c))]
    return render_template("ledger/area.html", unit=unit, year=year, stmt=stmt, rows=rows, fen_text=fen_text,
                           flags_url=f"/redflags/{unit.code}?domain=ledger")


def _period_entries(village, stmt, public=True, page=None):
    """The period's entries in date order: one page of them for the statement page, up to 2,000 for the
    print view and the export."""
    query = Entry.select().where((Entry.village == village) & (Entry.date >= stmt["from"]) & (Entry.date <= stmt["to"]))
    if public:
        query = query.where(Entry.state == "published")
    query = query.order_by(Entry.date, Entry.id)
    return list(query.paginate(page, current_app.config["LEDGER_ENTRIES_PER_PAGE"]) if page else query.limit(2000))


@bp.get("/<village_code>/<period>")
def statement(village_code, period):
    """A month's, quarter's or year's statement with its entries (published only, a page of them at a time:
    ``?page=``) and the export links."""
    village = _village(village_code)
    stmt = statements.statement([village.code], period, chart=entries.chart_in_use())
    total = statements.entry_count([village.code], period)
    pages = max(1, -(-total // current_app.config["LEDGER_ENTRIES_PER_PAGE"]))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = _period_entries(village, stmt, page=page)
    month_row = periods.find_period(village, period) if stmt["kind"] == "month" else None
    return render_template("ledger/statement.html", village=village, stmt=stmt, period=period,
                           lines=statements.statement_rows(stmt), header=statements.STATEMENT_HEADER,
                           rows=rows, total=total, page=page, pages=pages, direction_names=DIRECTION_NAMES,
                           month_row=month_row, account_names=entries.account_names())


@bp.get("/<village_code>/<period>/print")
def statement_print(village_code, period):
    """The statement on A4 with the QR code of its page and the audit index of the month's publication."""
    village = _village(village_code)
    stmt = statements.statement([village.code], period, chart=entries.chart_in_use())
    rows = _period_entries(village, stmt)
    first, last, _kind = statements.period_range(period)
    audits = [p.audit_index for p in Period.select().where(
        (Period.village == village) & (Period.state == "published") &
        (Period.month >= first.strftime("%Y-%m")) & (Period.month <= last.strftime("%Y-%m")))]
    from portal.core.qr import qr_svg
    from markupsafe import Markup
    page_url = url_for("ledger.statement", village_code=village.code, period=period, _external=True)
    return render_template("ledger/print.html", village=village, stmt=stmt, period=period, rows=rows,
                           lines=statements.statement_rows(stmt), header=statements.STATEMENT_HEADER,
                           qr=Markup(qr_svg(page_url)), page_url=page_url, audits=audits,
                           direction_names=DIRECTION_NAMES)


@bp.get("/<village_code>/<period>/export.<fmt>")
def export(village_code, period, fmt):
    """The statement and its published entries as CSV (entries, in the import layout) or XLSX (both sheets)."""
    village = _village(village_code)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    stmt = statements.statement([village.code], period, chart=entries.chart_in_use())
    rows = _period_entries(village, stmt)
    name = f"{village.code}-{period}"
    if fmt == "csv":
        body = importer.to_csv(importer.HEADER, importer.export_rows(rows))
        mime = "text/csv; charset=utf-8"
    else:
        body = importer.to_xlsx([("收支明细", importer.HEADER, importer.export_rows(rows)),
                                 ("收支报表", statements.STATEMENT_HEADER, statements.statement_rows(stmt))])
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f"attachment; filename={name}.{fmt}"})


@bp.get("/<village_code>/contracts")
def contracts(village_code):
    """Leases and contracts with their alerts and payments."""
    village = _village(village_code)
    rows = list(Contract.select().where(Contract.village == village).order_by(Contract.end))
    return render_template("ledger/contracts.html", village=village, rows=rows, units=UNITS,
                           alerts={c.id: contract_alerts(c) for c in rows},
                           paid={c.id: sum(e.amount_fen for e in payments_of(c)) for c in rows},
                           schedule={c.id: json.loads(c.schedule) for c in rows})


@bp.get("/<village_code>/assets")
def assets(village_code):
    """The asset register and the resource register."""
    village = _village(village_code)
    rows = list(Asset.select().where(Asset.village == village).order_by(Asset.register, Asset.kind, Asset.id))
    return render_template("ledger/assets.html", village=village, rows=rows, status_names=ASSET_STATUS,
                           asset_notices=asset_notices(village))


@bp.get("/invoices/<int:invoice_id>/<variant>")
def invoice_file(invoice_id, variant):
    """An invoice: the thumbnail or the EXIF-free image once its entry is public; the original for staff."""
    invoice = Invoice.get_or_none(Invoice.id == invoice_id)
    if invoice is None or variant not in ("thumb", "view", "original"):
        abort(404)
    entry = Entry.get_by_id(invoice.entry_id)
    staff = _is_staff(entry.village)
    if entry.state != "published" and not staff:
        abort(404)
    if variant == "thumb" and invoice.thumbnail:
        return Response(bytes(invoice.thumbnail), mimetype="image/jpeg")
    if variant == "original" or (variant == "view" and invoice.public_data is None):
        if not staff and invoice.mime != "application/pdf":
            abort(404)
        return Response(bytes(invoice.data), mimetype=invoice.mime,
                        headers={"Content-Disposition": f"inline; filename=invoice-{invoice.id}"})
    if variant == "view" and invoice.public_data is not None:
        return Response(bytes(invoice.public_data), mimetype="image/jpeg")
    abort(404)


# -- the village page's section and other domains' notices -----------------------------

def asset_notices(village):
    """The village's published 集体资产资源处置 notices (the publications domain's public records)."""
    from portal.publications import services as publications
    pub = publications.Publication
    rows = (pub.select().join(publications.PowerItem, on=(pub.power == publications.PowerItem.code))
            .where((pub.village == village) & (pub.status == "published") &
                   (publications.PowerItem.category == "asset_disposal")).order_by(pub.published_at.desc()).limit(10))
    return [{"title": p.title_masked, "url": url_for("publications.detail", pub_id=p.id),
             "meta": local_text(p.published_at)} for p in rows]


def village_section(village):
    items = []
    last = Period.select().where((Period.village == village) & (Period.state == "published")) \
        .order_by(Period.month.desc()).first()
    if last is not None or Entry.select().where(Entry.village == village).exists():
        meta = _("最近公开：%(month)s", month=last.month) if last else _("暂未公开")
        items.append({"title": _("咱厝家底：资金收支、报表与发票"), "url": url_for("ledger.village", village_code=village.code),
                      "meta": meta})
    n = Contract.select().where(Contract.village == village).count()
    if n:
        items.append({"title": _("资产资源租赁与合同（%(n)s份）", n=n),
                      "url": url_for("ledger.contracts", village_code=village.code), "meta": ""})
    if Asset.select().where(Asset.village == village).exists():
        items.append({"title": _("资产、资源台账"), "url": url_for("ledger.assets", village_code=village.code), "meta": ""})
    items += asset_notices(village)
    return items


def describe_batch(entry):
    batch = ImportBatch.get_or_none(ImportBatch.id == int(entry.object_id))
    if batch is None:
        return None
    return {"village": batch.village_id, "title": _("导入%(month)s记账记录%(n)s笔", month=batch.month, n=batch.rows),
            "url": None}


# -- staff: record, import, close the month ---------------------------------------------

class EntryForm(FlaskForm):
    voucher_no = StringField(_l("凭证号"))
    date = StringField(_l("日期"))
    summary = StringField(_l("摘要"))
    account = SelectField(_l("科目"), choices=[], validate_choice=False)
    direction = SelectField(_l("收支"), choices=[("expense", _l("支出")), ("income", _l("收入"))], validate_choice=False)
    amount = StringField(_l("金额（元）"))
    settlement = SelectField(_l("收付方式"), choices=[("bank", _l("银行")), ("cash", _l("现金"))], validate_choice=False)
    counterparty = StringField(_l("对方单位"))
    handler = StringField(_l("经手人"))
    approver = StringField(_l("审批人"))
    invoice = FileField(_l("发票（可选，PDF/JPEG/PNG）"))


class ImportForm(FlaskForm):
    file = FileField(_l("文件（CSV 或 XLSX）"))


class MonthForm(FlaskForm):
    month = StringField(_l("月份"))
    reason = StringField(_l("退回理由"))


@bp.route("/work/<village_code>", methods=["GET", "POST"])
@login_required
def work(village_code):
    """The clerk's entry form and import, the months with approve / send back / publish."""
    village = _village(village_code)
    if not _is_staff(village):
        raise PermissionDenied("not_allowed", N_("您没有权限执行此操作。"))
    form = EntryForm(prefix="entry")
    form.account.choices = [(a.code, f"{a.code} {a.name}") for a in charts.accounts_of(entries.chart_in_use())
                            if a.code not in charts.SETTLEMENT_ACCOUNTS.values()]
    if not form.date.data:
        form.date.data = today().isoformat()

    def write():
        data = {k: getattr(form, k).data for k in ("voucher_no", "date", "summary", "account", "direction", "amount",
                                                    "settlement", "counterparty", "handler", "approver")}
        row = entries.record_entry(current_user, village, data)
        upload = request.files.get("entry-invoice")
        if upload is not None and upload.filename:
            entries.attach_invoice(current_user, row.id, upload.filename, upload.read())
        return _("已记账：%(voucher)s", voucher=row.voucher_no)

    response, status = submit(form, write, done_to=url_for("ledger.work", village_code=village.code))
    if response is not None:
        return response
    months = periods.months_of(village)
    open_periods = list(Period.select().where(Period.village == village).order_by(Period.month.desc()).limit(24))
    recent = list(Entry.select().where(Entry.village == village).order_by(Entry.id.desc()).limit(20))
    return render_template("ledger/work.html", village=village, form=form, import_form=ImportForm(),
                           month_form=MonthForm(), periods=open_periods, months=months, recent=recent,
                           month_names=periods.MONTH_NAMES, direction_names=DIRECTION_NAMES,
                           can_record=can(current_user, "ledger.record", village),
                           can_review=can(current_user, "ledger.review", village)), status


@bp.post("/work/<village_code>/import")
@login_required
def work_import(village_code):
    """The import from the page: JSON for the page's upload with a progress bar (the API's answer)."""
    village = _village(village_code)
    if not can(current_user, "ledger.record", village):
        raise PermissionDenied("not_allowed", N_("您没有权限执行此操作。"))
    form = ImportForm()
    if not form.validate_on_submit():
        return jsonify({"error": {"code": "stale_form", "message": _("页面已过期，请刷新后重试。")}}), 400
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise importer.ValidationError("missing_file", N_("请选择要导入的文件。"))
        batch = importer.import_file(current_user, village, upload.filename, upload.read())
    except importer.InvalidRows as exc:
        return jsonify({"error": {"code": exc.code, "message": localized(exc.template, exc.params), "rows": exc.localized_rows()}}), 400
    except PortalError as exc:
        return jsonify({"error": {"code": exc.code, "message": localized(exc.template, exc.params)}}), exc.status
    return jsonify({"imported": batch.rows, "batch": batch.id, "month": batch.month,
                    "message": _("已导入%(month)s的%(n)s笔记录。", month=batch.month, n=batch.rows)}), 201


@bp.post("/work/<village_code>/month/<name>")
@login_required
def work_month(village_code, name):
    """approve / send_back / publish a month from the staff page."""
    village = _village(village_code)
    if name not in ("approve", "send_back", "publish"):
        abort(404)
    form = MonthForm()
    done = {"approve": N_("已审核通过（民主理财小组）。"), "send_back": N_("已退回。"), "publish": N_("已公开，该月已锁定。")}

    def write():
        periods.take(current_user, village, form.month.data or "", name, {"reason": form.reason.data})
        return Done(_(done[name]), url_for("ledger.work", village_code=village.code))

    to = url_for("ledger.work", village_code=village.code)
    response, _status = submit(form, write, done_to=to, refused_to=to)
    if response is None:
        from flask import redirect
        return redirect(to)
    return response
