"""The monthly close (月结) and publication of a village's accounts.

A month is recorded by the clerk, signed off by the village supervision
committee for the 民主理财小组 (``approve``; ``send_back`` with a reason
reopens it), then published by the clerk: in that one transition its entries
become public, its statement and the hashes of its invoices go into the audit
entry, a 财务公开 notice is published for the village feed and the duties,
and the month is locked — a correction afterwards is a reversing entry in a
later, open month, visibly.

Duties: finances are due monthly, by the ``LEDGER_GRACE_DAYS``-th day of the
next month; a month with few transactions (at most ``LEDGER_FEW_ENTRIES``)
may wait for its quarter's close.
"""
import datetime

from flask import current_app

from portal.core import events
from portal.core.clock import today, utcnow
from portal.core.db import for_update, transaction
from portal.core.errors import Conflict, NotFound, ValidationError
from portal.core.i18n import N_
from portal.core.personal_data import mask
from portal.core.records import RecordType, Transition, create, transition
from portal.ledger import totals
from portal.ledger.models import Entry, Invoice, Period
from portal.ledger.rows import fen_text, fen_yuan
from portal.units.models import Unit

MONTH_NAMES = {"open": N_("记账中"), "approved": N_("民主理财小组已审核"), "returned": N_("已退回"), "published": N_("已公开")}


def parse_month(text):
    """"YYYY-MM" -> (year, month), or ValidationError ``bad_period``."""
    try:
        year, month = (int(p) for p in str(text).split("-"))
        datetime.date(year, month, 1)
    except (ValueError, TypeError):
        raise ValidationError("bad_period", "会计期间格式应为 YYYY-MM。") from None
    if len(str(text)) != 7 or not 1949 <= year <= 2100:
        raise ValidationError("bad_period", "会计期间格式应为 YYYY-MM。")
    return year, month


def month_totals(village, month):
    """{"income", "expense", "count"} in fen of one month's entries (any state)."""
    out = {"income": 0, "expense": 0, "count": 0}
    for e in Entry.select(Entry.direction, Entry.amount_fen).where((Entry.village == village) &
                                                                   (Entry.month == month)):
        out[e.direction] += e.amount_fen
        out["count"] += 1
    return out


def _entries_digest(period):
    rows = (Entry.select().where((Entry.village == period.village_id) & (Entry.month == period.month))
            .order_by(Entry.id))
    return [[e.id, e.voucher_no, e.direction, fen_text(e.amount_fen)] for e in rows]


LOCKED = ("approved", "published")  # no entry is written into such a month (period_for_write)


def _payload(period):
    """The month's sealed figures once it is locked; while it is open (or sent back) its entries
    still change, so the entry says only which month and why, and ``verify`` can re-derive
    every step from the row as it is now."""
    out = {"village": period.village_id, "month": period.month, "state": period.state,
           "review_note": mask(period.review_note)}
    if period.state in LOCKED:
        totals = month_totals(period.village_id, period.month)
        out.update(income=fen_text(totals["income"]), expense=fen_text(totals["expense"]),
                   entries=_entries_digest(period))
    return out


def _invoice_hashes(period):
    return [i.sha256 for i in Invoice.select(Invoice.sha256).join(Entry)
            .where((Entry.village == period.village_id) & (Entry.month == period.month)).order_by(Invoice.id)]


def _open(actor, row, data):
    row.village = data["village"]
    row.month = data["month"]


def _approve(actor, row, data):
    earlier = (Period.select().where((Period.village == row.village_id) & (Period.month < row.month) &
                                     (Period.state != "published")).order_by(Period.month).first())
    if earlier is not None:
        raise Conflict("earlier_month_open", N_("%(month)s尚未公开，请按月份顺序审核公开。"), month=earlier.month)
    row.approved_at = utcnow()
    row.review_note = ""


def _send_back(actor, row, data):
    reason = str((data or {}).get("reason") or "").strip()
    if not reason:
        raise ValidationError("missing_reason", "退回时请写明理由。")
    row.review_note = reason[:500]
    row.approved_at = None


def _publish(actor, row, data):
    from portal.publications.services import publish_system_record
    row.published_at = utcnow()
    ids = [e.id for e in Entry.select(Entry.id).where((Entry.village == row.village_id) & (Entry.month == row.month))]
    if ids:
        Entry.update(state="published", updated_at=utcnow()).where(Entry.id.in_(ids)).execute()
        totals.refresh(row.village_id, row.month)
    for entry_id in ids:
        events.emit("public.changed", doc_type="ledger_entry", object_id=str(entry_id))
    pub = publish_system_record(row.village, "finance", "QY-08", f"{row.village.name}{_month_label(row.month)}财务收支公开",
                                _notice_body(row), actor, "ledger_period", f"{row.village_id}:{row.month}")
    row.publication_id = pub.id


def _month_label(month):
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"


def _notice_body(period):
    totals = month_totals(period.village_id, period.month)
    lines = [f"{period.village.name}{_month_label(period.month)}财务收支已经民主理财小组审核，现予公开。", "",
             "| 凭证号 | 日期 | 摘要 | 收入（元） | 支出（元） |", "|---|---|---|---|---|"]
    for e in Entry.select().where((Entry.village == period.village_id) & (Entry.month == period.month)) \
            .order_by(Entry.date, Entry.id).limit(200):
        amount = fen_yuan(e.amount_fen)
        cells = (amount, "") if e.direction == "income" else ("", amount)
        lines.append(f"| {e.voucher_no} | {e.date.isoformat()} | {mask(e.summary).replace('|', '／')} | {cells[0]} | {cells[1]} |")
    lines += ["", f"本月收入合计 {fen_yuan(totals['income'])} 元，支出合计 {fen_yuan(totals['expense'])} 元，"
                  f"共 {totals['count']} 笔。",
              "", f"明细、发票和报表：[/ledger/{period.village_id}/{period.month}](/ledger/{period.village_id}/{period.month})"]
    return "\n".join(lines)


PERIOD = RecordType(
    name="ledger_period", label="月度财务", model=Period, states=MONTH_NAMES, public_states=["published"],
    unit_of=lambda row: row.village, find_unit=lambda code: Unit.find(code, "village"),
    public_fields=["month"], field_labels={"month": "会计期间"},
    title_of=lambda row: f"{row.village.name}{_month_label(row.month)}财务收支",
    body_of=lambda row: f"{row.village.name}{_month_label(row.month)}财务收支公开",
    category="finance", api_path=None,
    transitions=[
        Transition("open", "ledger.record", [None], "open", change=_open, payload=_payload, summary="Open a month"),
        Transition("approve", "ledger.review", ["open", "returned"], "approved", change=_approve, payload=_payload,
                   summary="民主理财小组 sign-off", refusals={"published": "该月已公开，不能再审核。",
                                                          "approved": "该月已审核。"}),
        Transition("send_back", "ledger.review", ["open", "approved"], "returned", change=_send_back,
                   payload=_payload, summary="Send the month back with a reason",
                   refusals={"published": "该月已公开并锁定，更正请在以后月份记红字冲销。"}),
        Transition("publish", "ledger.publish", ["approved"], "published", change=_publish, payload=_payload,
                   files=_invoice_hashes, summary="Publish the month",
                   refusals={"published": "该月已公开。", "open": "该月尚未经民主理财小组审核。",
                             "returned": "该月已被退回，请处理后重新送审。"}),
    ])


def find_period(village, month):
    return Period.get_or_none((Period.village == village) & (Period.month == month))


def period_for_write(actor, village, month):
    """The month an entry is being written into, locked; created open if new; refused when closed."""
    parse_month(month)
    row = for_update(Period.select().where((Period.village == village) & (Period.month == month))).first()
    if row is None:
        row = create(PERIOD, actor, village, {"village": village, "month": month}, "open")
    if row.state == "published":
        raise Conflict("period_published", N_("%(month)s已公开并锁定，更正请记入以后未结的月份（红字冲销）。"), month=month)
    if row.state == "approved":
        raise Conflict("period_approved", N_("%(month)s已经民主理财小组审核，如需补记请先由监委会退回。"), month=month)
    return row


def take(actor, village, month, name, data=None):
    """approve / send_back / publish the village's month (created open first if it has no row yet)."""
    parse_month(month)
    with transaction(lock=True):
        row = find_period(village, month)
        if row is None:
            if name != "approve":
                raise NotFound("not_found", N_("%(month)s没有记账记录。"), month=month)
            row = create(PERIOD, actor, village, {"village": village, "month": month}, "open")
        return transition(PERIOD, actor, row.id, name, data or {})


# -- duties: met / due / overdue ---------------------------------------------------

def _month_end(year, month):
    nxt = datetime.date(year + month // 12, month % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)


def deadline_of(month, few):
    year, mon = parse_month(month)
    grace = int(current_app.config.get("LEDGER_GRACE_DAYS", 10))
    if few:
        mon = ((mon - 1) // 3 + 1) * 3  # the quarter's last month
    return _month_end(year, mon) + datetime.timedelta(days=grace)


def months_of(village, day=None):
    """Every month from the village's first entry to last month: state, counts, deadline, duty status."""
    day = day or today()
    first = Entry.select(Entry.month).where(Entry.village == village).order_by(Entry.month).first()
    if first is None:
        return []
    few_limit = int(current_app.config.get("LEDGER_FEW_ENTRIES", 3))
    periods = {p.month: p for p in Period.select().where(Period.village == village)}
    counts = {}
    for e in Entry.select(Entry.month).where(Entry.village == village).tuples():
        counts[e[0]] = counts.get(e[0], 0) + 1
    year, mon = parse_month(first.month)
    out = []
    while (year, mon) < (day.year, day.month):
        key = f"{year:04d}-{mon:02d}"
        period = periods.get(key)
        deadline = deadline_of(key, counts.get(key, 0) <= few_limit)
        if period is not None and period.state == "published":
            status = "met"
        else:
            status = "due" if day <= deadline else "overdue"
        out.append({"month": key, "state": period.state if period else "open", "entries": counts.get(key, 0),
                    "deadline": deadline.isoformat(), "status": status,
                    "published_at": period.published_at if period else None})
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return out


DUTY_NAMES = {"met": N_("已按时公开"), "due": N_("待公开"), "overdue": N_("逾期未公开")}
