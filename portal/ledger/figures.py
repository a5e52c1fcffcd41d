"""What the dashboard shows of the three capitals, and their tables in the open-data export."""
from flask import url_for

from portal.core.clock import date_text
from portal.core.db import driver_rows
from portal.core.domain import ExportTable, Figure
from portal.core.i18n import N_
from portal.core.personal_data import mask
from portal.ledger import statements
from portal.ledger.models import Contract, Entry, Period
from portal.ledger.rows import fen_text
from portal.ledger.warnings import RULES

WATCHES = ("ledger_entry", "ledger_period", "ledger_contract")


def _villages_of(doc_type, object_id):
    model = {"ledger_entry": Entry, "ledger_period": Period, "ledger_contract": Contract}.get(doc_type)
    row = model.get_or_none(model.id == int(object_id)) if model else None
    return [row.village_id] if row else []


def _year_total(direction):
    def compute(village_ids, today):
        stmt = statements.statement(list(village_ids), str(today.year))
        return fen_text(stmt[direction])
    return compute


def _balance(village_ids, today):
    return fen_text(sum(statements.balances_before(list(village_ids), today.replace(year=today.year + 1)).values()))


def _warnings(village_ids, today):
    """Open ledger flags of these villages, as the red-flag table holds them (kept current after
    commit by the rules' checks): one indexed count, not every rule's county-wide scan per unit."""
    from portal.redflags.models import RedFlag
    return (RedFlag.select().where(RedFlag.cleared_at.is_null() & RedFlag.code.in_([r.code for r in RULES])
                                   & RedFlag.village.in_([str(v) for v in village_ids])).count())


def _warnings_villages_of(doc_type, object_id):
    """A flag raised or cleared moves the count of its village when it is one of the ledger's."""
    if doc_type != "redflag":
        return _villages_of(doc_type, object_id)
    from portal.redflags.models import RedFlag
    row = RedFlag.get_or_none(RedFlag.id == int(object_id)) if str(object_id).isdigit() else None
    return [row.village_code] if row is not None and row.code in {r.code for r in RULES} else []


def _link(unit):
    if unit.level == "village":
        return url_for("ledger.village", village_code=unit.code)
    return url_for("ledger.area", code=unit.code)


def _warnings_link(unit):
    """The public list of the unit's open flags of the ledger's rules (the count the figure shows)."""
    return f"/redflags/{unit.code}?domain=ledger"


FIGURES = [
    Figure("ledger.income", N_("本年公开收入"), WATCHES, _villages_of, _year_total("income"), _link, "money"),
    Figure("ledger.expense", N_("本年公开支出"), WATCHES, _villages_of, _year_total("expense"), _link, "money"),
    Figure("ledger.balance", N_("资金余额"), WATCHES, _villages_of, _balance, _link, "money"),
    Figure("ledger.warnings", N_("三资预警"), WATCHES + ("redflag",), _warnings_villages_of, _warnings, _warnings_link,
           "count"),
]

ENTRY_COLUMNS = [("id", "记录编号"), ("village", "村（社区）代码"), ("voucher_no", "凭证号"), ("date", "日期"),
                 ("summary", "摘要（已脱敏）"), ("account", "科目代码"), ("direction", "收支：income 收入 / expense 支出"),
                 ("amount", "金额（元，红字冲销为负数）"), ("settlement", "收付方式：cash 现金 / bank 银行"),
                 ("counterparty", "对方单位（已脱敏）"), ("counterparty_code", "统一社会信用代码"),
                 ("handler", "经手人"), ("approver", "审批人"), ("reverses", "所冲销记录的编号"),
                 ("audit_index", "审计日志序号")]


def _entry_rows(village_ids):
    """One query, rows as the driver gives them (no model object, no field conversion per entry): a county
    holds a million."""
    query = (Entry.select(Entry.id, Entry.village, Entry.voucher_no, Entry.date, Entry.summary, Entry.account,
                          Entry.direction, Entry.amount_fen, Entry.settlement, Entry.counterparty,
                          Entry.counterparty_code, Entry.handler, Entry.approver, Entry.reverses, Entry.audit_index)
             .where(Entry.village.in_(list(village_ids)) & (Entry.state == "published"))
             .order_by(Entry.village, Entry.date, Entry.id))
    for (eid, village, voucher, date, summary, account, direction, amount, settlement, counterparty, code, handler,
         approver, reverses, audit_index) in driver_rows(query):
        yield {"id": eid, "village": village, "voucher_no": voucher, "date": date_text(date),
               "summary": mask(summary), "account": account, "direction": direction, "amount": fen_text(amount),
               "settlement": settlement, "counterparty": mask(counterparty), "counterparty_code": code,
               "handler": mask(handler), "approver": mask(approver), "reverses": reverses,
               "audit_index": audit_index}


STATEMENT_COLUMNS = [("village", "村（社区）代码"), ("month", "会计期间 YYYY-MM"), ("opening_balance", "期初余额（元）"),
                     ("income", "本月收入（元）"), ("expense", "本月支出（元）"), ("closing_balance", "期末余额（元）"),
                     ("closing_cash", "其中库存现金（元）"), ("closing_bank", "其中银行存款（元）"),
                     ("audit_index", "公开时的审计日志序号")]


def _statement_rows(village_ids):
    """Each published month's statement (as ``statements.statement`` gives it), from one grouped query
    over the villages' public entries instead of a statement's queries per village and month."""
    return statements.published_months(list(village_ids))


CONTRACT_COLUMNS = [("id", "合同编号"), ("village", "村（社区）代码"), ("kind", "lease 租赁发包 / contract 合同"),
                    ("title", "合同名称"), ("counterparty", "对方（已脱敏）"), ("counterparty_code", "统一社会信用代码"),
                    ("object", "标的"), ("area_mu", "面积（亩）"), ("amount", "金额（元）"),
                    ("unit", "计价单位：yuan_per_mu_year 元/亩/年, yuan_per_year 元/年, total 总价"),
                    ("start", "起始日期"), ("end", "截止日期"), ("decision", "决策依据"), ("audit_index", "审计日志序号")]


def _contract_rows(village_ids):
    for c in Contract.select().where(Contract.village.in_(list(village_ids))).order_by(Contract.id):
        yield {"id": c.id, "village": c.village_id, "kind": c.kind, "title": mask(c.title),
               "counterparty": mask(c.counterparty), "counterparty_code": c.counterparty_code, "object": mask(c.object),
               "area_mu": str(c.area_mu) if c.area_mu else "", "amount": fen_text(c.amount_fen), "unit": c.unit,
               "start": c.start.isoformat(), "end": c.end.isoformat(), "decision": c.decision,
               "audit_index": c.audit_index}


EXPORTS = [
    ExportTable("ledger_entries", "已公开的收支记录", ENTRY_COLUMNS, _entry_rows),
    ExportTable("ledger_statements", "月度收支报表", STATEMENT_COLUMNS, _statement_rows),
    ExportTable("contracts", "资产资源租赁与合同", CONTRACT_COLUMNS, _contract_rows),
]
