"""The charts of accounts as versioned data (会计科目表).

The 2004 chart (村集体经济组织会计制度, 财会〔2004〕12号) and the 2023 chart
(农村集体经济组织会计制度, 财会〔2023〕14号, in force 2024-01-01) are loaded
side by side with the old→new mapping of the transition rules (财会〔2023〕20号
附表), so a balance carried over can be traced account by account. A county
adds its sub-accounts (明细科目) under either chart. The county's chart in
use is configuration (``LEDGER_CHART``); the API names the chart it answers from.

``kind`` is the account class: the kind decides which directions an entry on
it may take (an income account only receives, an expense account only pays).
"""
import datetime

from portal.core.db import transaction
from portal.core.errors import ValidationError
from portal.core.i18n import N_
from portal.ledger.models import Account, AccountMapping, ChartVersion

KINDS = ("asset", "liability", "equity", "cost", "income", "expense")
# Cash and bank are the settlement side of every entry (收付方式), never the account charged.
SETTLEMENT_ACCOUNTS = {"cash": "101", "bank": "102"}

CHART_2004 = ("2004", "村集体经济组织会计制度", "财会〔2004〕12号", datetime.date(2005, 1, 1), [
    ("101", "现金", "asset"), ("102", "银行存款", "asset"), ("111", "短期投资", "asset"),
    ("112", "应收款", "asset"), ("113", "内部往来", "asset"), ("121", "库存物资", "asset"),
    ("131", "牲畜（禽）资产", "asset"), ("132", "林木资产", "asset"), ("141", "长期投资", "asset"),
    ("151", "固定资产", "asset"), ("152", "累计折旧", "asset"), ("153", "固定资产清理", "asset"),
    ("154", "在建工程", "asset"),
    ("201", "短期借款", "liability"), ("202", "应付款", "liability"), ("211", "应付工资", "liability"),
    ("212", "应付福利费", "liability"), ("221", "长期借款及应付款", "liability"),
    ("231", "一事一议资金", "liability"), ("241", "专项应付款", "liability"),
    ("301", "资本", "equity"), ("311", "公积公益金", "equity"), ("321", "本年收益", "equity"),
    ("322", "收益分配", "equity"),
    ("401", "生产（劳务）成本", "cost"),
    ("501", "经营收入", "income"), ("502", "经营支出", "expense"), ("511", "发包及上交收入", "income"),
    ("521", "农业税附加返还收入", "income"), ("522", "补助收入", "income"), ("531", "其他收入", "income"),
    ("541", "管理费用", "expense"), ("551", "其他支出", "expense"), ("561", "投资收益", "income"),
])

CHART_2023 = ("2023", "农村集体经济组织会计制度", "财会〔2023〕14号", datetime.date(2024, 1, 1), [
    ("101", "库存现金", "asset"), ("102", "银行存款", "asset"), ("111", "短期投资", "asset"),
    ("112", "应收款", "asset"), ("113", "内部往来", "asset"), ("121", "存货", "asset"),
    ("131", "消耗性生物资产", "asset"), ("132", "生产性生物资产", "asset"),
    ("133", "生产性生物资产累计折旧", "asset"), ("134", "公益性生物资产", "asset"),
    ("141", "长期投资", "asset"), ("151", "固定资产", "asset"), ("152", "累计折旧", "asset"),
    ("153", "在建工程", "asset"), ("154", "固定资产清理", "asset"), ("161", "无形资产", "asset"),
    ("162", "累计摊销", "asset"), ("171", "长期待摊费用", "asset"), ("181", "待处理财产损溢", "asset"),
    ("201", "短期借款", "liability"), ("211", "应付款", "liability"), ("212", "应付工资", "liability"),
    ("213", "应付劳务费", "liability"), ("214", "应交税费", "liability"),
    ("221", "长期借款及应付款", "liability"), ("231", "一事一议资金", "liability"),
    ("241", "专项应付款", "liability"),
    ("301", "资本", "equity"), ("311", "公积公益金", "equity"), ("321", "本年收益", "equity"),
    ("322", "收益分配", "equity"),
    ("401", "生产（劳务）成本", "cost"),
    ("501", "经营收入", "income"), ("502", "经营支出", "expense"), ("503", "税金及附加", "expense"),
    ("511", "管理费用", "expense"), ("521", "公益支出", "expense"), ("531", "其他支出", "expense"),
    ("541", "投资收益", "income"), ("551", "补助收入", "income"), ("561", "其他收入", "income"),
])

# 2004 code -> (2023 code, how). Codes whose meaning is unchanged map to themselves.
MAPPING_2004_2023 = {
    "101": ("101", "更名为库存现金"), "102": ("102", ""), "111": ("111", ""), "112": ("112", ""),
    "113": ("113", ""), "121": ("121", "更名为存货"), "131": ("131", "按用途分入消耗性或生产性生物资产"),
    "132": ("132", "按用途分入生产性或公益性生物资产"), "141": ("141", ""), "151": ("151", ""),
    "152": ("152", ""), "153": ("154", "科目编号调整"), "154": ("153", "科目编号调整"),
    "201": ("201", ""), "202": ("211", "科目编号调整"), "211": ("212", "科目编号调整"),
    "212": ("211", "应付福利费余额转入应付款"), "221": ("221", ""), "231": ("231", ""), "241": ("241", ""),
    "301": ("301", ""), "311": ("311", ""), "321": ("321", ""), "322": ("322", ""), "401": ("401", ""),
    "501": ("501", ""), "502": ("502", ""), "511": ("501", "发包及上交收入并入经营收入"),
    "521": ("561", "并入其他收入"), "522": ("551", "科目编号调整"), "531": ("561", "科目编号调整"),
    "541": ("511", "科目编号调整"), "551": ("531", "科目编号调整"), "561": ("541", "科目编号调整"),
}


def ensure_charts():
    """Load both national charts and the mapping once (idempotent: a loaded chart is left as it is)."""
    with transaction():
        for code, name, basis, effective, accounts in (CHART_2004, CHART_2023):
            if ChartVersion.get_or_none(ChartVersion.code == code) is not None:
                continue
            chart = ChartVersion.create(code=code, name=name, basis=basis, effective_from=effective)
            Account.insert_many([{"chart": chart, "code": c, "name": n, "kind": k} for c, n, k in accounts]).execute()
        if not AccountMapping.select().exists():
            AccountMapping.insert_many([{"old_chart": "2004", "old_code": old, "new_chart": "2023", "new_code": new,
                                         "note": note} for old, (new, note) in MAPPING_2004_2023.items()]).execute()


def _loaded():
    """The national charts are reference data: loaded on first use into a new instance."""
    if not ChartVersion.select().exists():
        ensure_charts()


def add_sub_account(county, chart_code, parent_code, code, name):
    """A county's sub-account (明细科目) under a national account; it inherits the parent's kind."""
    parent = Account.get_or_none((Account.chart == chart_code) & (Account.code == parent_code) &
                                 Account.county.is_null())
    if parent is None:
        raise ValidationError("bad_parent", "上级科目不存在。")
    if not (code.startswith(parent_code) and code.isdigit() and len(code) in (5, 6, 7, 8, 9)):
        raise ValidationError("bad_code", "明细科目代码必须以上级科目代码开头，由数字组成。")
    with transaction():
        if Account.select().where((Account.chart == chart_code) & (Account.code == code)).exists():
            raise ValidationError("account_exists", N_("科目代码%(account)s已在科目表中。"), account=code)
        return Account.create(chart=chart_code, code=code, name=name[:40], kind=parent.kind, county=county,
                              parent_code=parent_code)


def accounts_of(chart_code, county=None):
    """The chart's accounts, with the county's sub-accounts, ordered by code."""
    _loaded()
    query = Account.select().where(Account.chart == chart_code)
    query = query.where(Account.county.is_null() | (Account.county == county)) if county else \
        query.where(Account.county.is_null())
    return list(query.order_by(Account.code))


def account_names(chart_code):
    """code -> name of the national accounts of a chart (light rows: read on every statement)."""
    names = dict(Account.select(Account.code, Account.name).where(
        (Account.chart == chart_code) & Account.county.is_null()).tuples())
    if not names:
        _loaded()
        names = dict(Account.select(Account.code, Account.name).where(
            (Account.chart == chart_code) & Account.county.is_null()).tuples())
    return names


def account_index(chart_code):
    """code -> Account for every account of the chart (sub-accounts of all counties included)."""
    _loaded()
    return {a.code: a for a in Account.select().where(Account.chart == chart_code)}


def top_code(code):
    """The national account a (sub-)account code belongs to."""
    return code[:3]
