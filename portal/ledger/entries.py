"""Writing the funds ledger: an entry is recorded once and never edited.

A correction is a reversing entry (红字冲销): same account and direction, the
negative amount, ``reverses`` naming the original; it goes into an open month
(the original's month may be published and locked). A reversal cannot itself
be reversed, and an entry is reversed at most once (a unique column).
Invoices attach to an entry while its month is open; their SHA-256 go into
the entry's audit entry and, at publication, into the month's.
"""
from flask import current_app, url_for

from portal.core import files
from portal.core.db import for_update, transaction
from portal.core.errors import Conflict, NotFound, ValidationError
from portal.core.i18n import N_
from portal.core.personal_data import mask
from portal.core.records import RecordType, Transition, create, transition
from portal.ledger import charts, periods, totals
from portal.ledger.models import Entry, Invoice
from portal.ledger.rows import DIRECTION_NAMES, SETTLEMENT_NAMES, check_row, fen_text
from portal.units.models import Unit

MAX_INVOICES = 10


def chart_in_use():
    return str(current_app.config.get("LEDGER_CHART", "2004"))


def entry_payload(row):
    """What the audit entry vouches for: the entry's content, masked, with its invoices' hashes."""
    return dict(entry_content(row), invoices=[i.sha256 for i in Invoice.select(Invoice.sha256)
                                              .where(Invoice.entry == row.id).order_by(Invoice.id)])


def entry_content(row):
    """The entry's own content, masked, without its invoices (an import batch vouches for this)."""
    return {"village": row.village_id, "voucher_no": row.voucher_no, "date": row.date.isoformat(),
            "summary": mask(row.summary), "account": row.account, "direction": row.direction,
            "amount": fen_text(row.amount_fen), "settlement": row.settlement,
            "counterparty": mask(row.counterparty), "counterparty_code": row.counterparty_code,
            "handler": mask(row.handler), "approver": mask(row.approver), "reverses": row.reverses_id,
            "contract": row.contract_id, "decision": row.decision}


def _fill(actor, row, data):
    for key, value in data.items():
        setattr(row, key, value)


def _attach(actor, row, data):
    """The file was checked before the transaction; here only the month's state matters."""
    period = periods.find_period(row.village_id, row.month)
    if period is not None and period.state != "open" and period.state != "returned":
        raise Conflict("period_closed", "该月已审核或公开，不能再补传发票。")
    Invoice.create(entry=row, **data)
    row.invoice_count = Invoice.select().where(Invoice.entry == row.id).count()


def count_invoices(db):
    """Every entry's ``invoice_count`` recomputed from the invoices (an instance migrated or written in
    bulk); ``attach`` keeps it so in the same transaction as each invoice."""
    db.execute_sql('UPDATE "entry" SET "invoice_count" = (SELECT COUNT(*) FROM "invoice" '
                   'WHERE "invoice"."entry_id" = "entry"."id") '
                   'WHERE "invoice_count" != (SELECT COUNT(*) FROM "invoice" WHERE "invoice"."entry_id" = "entry"."id")')


ENTRY = RecordType(
    name="ledger_entry", label="收支记录", model=Entry, states={"recorded": "已记账", "published": "已公开"},
    public_states=["published"], unit_of=lambda row: row.village, find_unit=lambda code: Unit.find(code, "village"),
    public_fields=["voucher_no", "date", "summary", "counterparty", "handler", "approver"],
    field_labels={"voucher_no": "凭证号", "date": "日期", "summary": "摘要", "counterparty": "对方单位",
                  "handler": "经手人", "approver": "审批人", "amount": "金额（元）", "account_name": "科目",
                  "direction_name": "收支"},
    title_of=lambda row: f"{row.voucher_no} {row.summary}",
    body_of=lambda row: f"{row.summary} {row.counterparty} {DIRECTION_NAMES[row.direction]} {fen_text(row.amount_fen)}元",
    view_extra=lambda row: {"amount": fen_text(row.amount_fen), "direction": row.direction,
                            "direction_name": DIRECTION_NAMES[row.direction], "account": row.account,
                            "account_name": account_name(row.account), "month": row.month,
                            "settlement": row.settlement, "reverses": row.reverses_id},
    category="finance", api_path=None,
    transitions=[Transition("record", "ledger.record", [None], "recorded", change=_fill, payload=entry_payload,
                            files=lambda row: [], summary="Record an entry"),
                 Transition("attach", "ledger.record", ["recorded"], "recorded", change=_attach,
                            payload=entry_payload, files=lambda row: [i.sha256 for i in Invoice.select(Invoice.sha256).where(Invoice.entry == row.id).order_by(Invoice.id)],
                            summary="Attach an invoice",
                            refusals={"published": "该记录已公开，不能再补传发票。"})])


def account_name(code):
    account = charts.account_index(chart_in_use()).get(code)
    return account.name if account else code


def account_names():
    """code -> name of every account of the chart in use (sub-accounts too): a page listing many entries
    reads the chart once, not once per entry as ``account_name`` does."""
    return {code: account.name for code, account in charts.account_index(chart_in_use()).items()}


def check_fields(village, data, month=None):
    """Clean fields for a new entry or the first problem as a ValidationError (the API's answer)."""
    fields, problems = check_row(data, charts.account_index(chart_in_use()), month)
    if problems:
        column, _value, code, message, params = problems[0]
        raise ValidationError(code, message, **params)
    for key in ("contract",):
        if data.get(key) not in (None, ""):
            if isinstance(data[key], bool) or not isinstance(data[key], int):
                raise ValidationError("bad_contract", "合同编号必须是整数。")
            fields["contract_id"] = data[key]
    return fields


def _voucher_taken(village, year, voucher_no):
    return Entry.select().where((Entry.village == village) & (Entry.year == year) &
                                (Entry.voucher_no == voucher_no)).exists()


def record_entry(actor, village, data):
    """A new entry in an open month, or a reversal when ``data["reverses"]`` names one."""
    if data.get("reverses") not in (None, ""):
        return reverse_entry(actor, village, data)
    fields = check_fields(village, data)
    if fields.get("contract_id"):
        _check_contract(village, fields["contract_id"])
    return _write(actor, village, fields)


def _check_contract(village, contract_id):
    from portal.ledger.models import Contract
    contract = Contract.get_or_none(Contract.id == contract_id)
    if contract is None or contract.village_id != village.code:
        raise ValidationError("bad_contract", "该合同不存在或不属于本村。")


def _write(actor, village, fields):
    day = fields["date"]
    fields.update(village=village, year=day.year, month=day.strftime("%Y-%m"))
    with transaction(lock=True):
        periods.period_for_write(actor, village, fields["month"])
        if _voucher_taken(village, day.year, fields["voucher_no"]):
            raise Conflict("duplicate_voucher", N_("凭证号“%(voucher)s”在%(year)s年已使用。"),
                           voucher=fields["voucher_no"], year=day.year)
        row = create(ENTRY, actor, village, fields, "record")
        totals.refresh(village.code, fields["month"])
        return row


def reverse_entry(actor, village, data):
    """红字冲销: the negative of entry ``reverses`` on ``date`` (an open month) with its own voucher number."""
    original_id = data.get("reverses")
    if isinstance(original_id, bool) or not isinstance(original_id, int):
        raise ValidationError("bad_reverses", "reverses 必须是被冲销记录的编号（整数）。")
    with transaction(lock=True):
        original = for_update(Entry.select().where(Entry.id == original_id)).first()
        if original is None or original.village_id != village.code:
            raise NotFound("not_found", "找不到被冲销的记录。")
        if original.reverses_id is not None:
            raise Conflict("reversal_of_reversal", "红字冲销记录不能再被冲销；如有错误请重新记一笔正确的记录。")
        if Entry.select().where(Entry.reverses == original.id).exists():
            raise Conflict("already_reversed", "该记录已被冲销过。")
        source = {"voucher_no": data.get("voucher_no"), "date": data.get("date"),
                  "summary": data.get("summary") or f"冲销{original.voucher_no}：{original.summary}"[:200],
                  "account": original.account, "direction": original.direction,
                  "amount": fen_text(original.amount_fen), "settlement": original.settlement,
                  "counterparty": original.counterparty, "counterparty_code": original.counterparty_code,
                  "handler": data.get("handler") or "", "approver": data.get("approver") or ""}
        fields = check_fields(village, source)
        fields["amount_fen"] = -original.amount_fen
        fields["reverses"] = original.id
        fields["contract_id"] = original.contract_id
        return _write(actor, village, fields)


def attach_invoice(actor, entry_id, filename, data):
    """An invoice scan or PDF for an entry of an open month; checked from its bytes before anything is written."""
    name, mime, thumb = files.check_file(filename, data)
    public = files.public_image(data) if mime.startswith("image/") else None
    entry = Entry.get_or_none(Entry.id == entry_id) if isinstance(entry_id, int) else None
    if entry is None:
        raise NotFound("not_found", "找不到该收支记录。")
    if Invoice.select().where(Invoice.entry == entry).count() >= MAX_INVOICES:
        raise ValidationError("too_many_invoices", N_("每笔记录最多上传%(limit)s张发票。"), limit=MAX_INVOICES)
    return transition(ENTRY, actor, entry.id, "attach", {
        "filename": name, "mime": mime, "sha256": files.sha256_hex(data), "data": data,
        "public_data": public, "thumbnail": thumb})


def entry_view(row, staff=False):
    """The API's entry: amounts as strings, ``status``, its page and its invoices."""
    reversed_by = Entry.select(Entry.id).where(Entry.reverses == row.id).scalar()
    mask_or = (lambda text: text) if staff else mask
    out = {"id": row.id, "village": row.village_id, "voucher_no": row.voucher_no, "date": row.date.isoformat(),
           "month": row.month, "summary": mask_or(row.summary), "account": row.account,
           "account_name": account_name(row.account), "direction": row.direction,
           "amount": fen_text(row.amount_fen), "settlement": row.settlement,
           "settlement_name": SETTLEMENT_NAMES[row.settlement], "counterparty": mask_or(row.counterparty),
           "counterparty_code": row.counterparty_code, "handler": mask_or(row.handler),
           "approver": mask_or(row.approver), "reverses": row.reverses_id, "reversed_by": reversed_by,
           "contract": row.contract_id, "decision": row.decision or None, "status": row.state,
           "audit_index": row.audit_index,
           "url": url_for("records.page", type_name="ledger_entry", record_id=row.id, _external=True),
           "invoices": [{"id": i.id, "filename": i.filename, "mime": i.mime, "sha256": i.sha256,
                         "thumbnail": url_for("ledger.invoice_file", invoice_id=i.id, variant="thumb",
                                              _external=True) if i.thumbnail else None,
                         "file": url_for("ledger.invoice_file", invoice_id=i.id, variant="view", _external=True)}
                        for i in Invoice.select(Invoice.id, Invoice.filename, Invoice.mime, Invoice.sha256,
                                                Invoice.thumbnail).where(Invoice.entry == row.id)]}
    return out


def entry_summary(entry_id):
    """For other domains (``provides["ledger.entry_summary"]``): a public entry's brief, or None."""
    if isinstance(entry_id, bool) or not isinstance(entry_id, int):
        return None
    row = Entry.get_or_none((Entry.id == entry_id) & (Entry.state == "published"))
    if row is None:
        return None
    return {"id": row.id, "village": row.village_id, "voucher_no": row.voucher_no, "date": row.date.isoformat(),
            "amount": fen_text(row.amount_fen),
            "url": url_for("records.page", type_name="ledger_entry", record_id=row.id, _external=True)}
