"""A red flag's evidence in words an inspector reads: a label for every key the domains' rules write,
the value formatted (money in 元, dates, times in China time, ratios as percentages, days, hours),
codes named (states, units, reasons).

The rules keep their evidence as JSON with English keys (``count``, ``county_median``, …): the API
gives it as it is. Pages show it through ``lines``: ``[(label, text, url)]``, labels and words
translated when shown. A key unknown here is still shown, under a plain "其他" label, never as the
raw key (a key a rule writes in Chinese is its own label) (``tests/followups/test_evidence.py`` reads every rule module for keys without a label).
Codes are named through the record registry (a state name from its record type) and the unit tree,
so this module imports no other domain.
"""
import datetime
import decimal

from flask_babel import get_locale, gettext as _

from portal.core import registry
from portal.core.clock import local_text
from portal.core.i18n import N_

# kind of each value: how it is written
YUAN, DATE, TIME, MONTH, DAYS, HOURS, RATIO, COUNT, TEXT, NAMES, IDS, FLAG, UNIT, LINK = (
    "yuan", "date", "time", "month", "days", "hours", "ratio", "count", "text", "names", "ids", "flag", "unit", "link")

LABELS = {
    # money (元)
    "amount": (N_("金额"), YUAN), "award": (N_("中标金额"), YUAN), "budget": (N_("预算"), YUAN),
    "winning_bid": (N_("中标报价"), YUAN), "lowest_valid_bid": (N_("最低有效报价"), YUAN),
    "lowest_bid": (N_("最低报价"), YUAN), "signed": (N_("签约金额"), YUAN), "current": (N_("变更后金额"), YUAN),
    "due": (N_("应收租金"), YUAN), "paid": (N_("已支付"), YUAN), "arrears": (N_("拖欠金额"), YUAN),
    "contract": (N_("合同金额"), YUAN), "total": (N_("合计"), YUAN),
    "cash_balance": (N_("当日库存现金"), YUAN), "limit": (N_("库存现金限额"), YUAN),
    "rent_per_mu_year": (N_("每亩年租金"), YUAN), "q1": (N_("可比租金下四分位数"), YUAN),
    "q3": (N_("可比租金上四分位数"), YUAN), "iqr": (N_("四分位距"), YUAN), "lower_fence": (N_("偏低界限"), YUAN),
    # dates and times
    "date": (N_("日期"), DATE), "end": (N_("合同到期日"), DATE), "as_of": (N_("截至"), DATE),
    "last_payment": (N_("最后一次收款"), DATE), "used_on": (N_("用印日期"), DATE), "month": (N_("月份"), MONTH),
    "overdue_since": (N_("逾期自"), DATE), "lodged_at": (N_("最早异议提出时间"), TIME),
    "due_at": (N_("办理时限"), TIME), "out_at": (N_("外带时间"), TIME), "returned_at": (N_("归还时间"), TIME),
    # days, hours, ratios, counts
    "days": (N_("投标期"), DAYS), "minimum_days": (N_("规定最短投标期"), DAYS), "days_left": (N_("距到期"), DAYS),
    "band": (N_("预警档"), DAYS), "days_late": (N_("补登迟了"), DAYS), "limit_days": (N_("补登时限"), DAYS),
    "hours": (N_("外带时长"), HOURS), "limit_hours": (N_("外带时限"), HOURS),
    "ratio": (N_("占预算比例"), RATIO), "rise": (N_("合同变更涨幅"), RATIO), "gap": (N_("与次低报价差距"), RATIO),
    "low_fence": (N_("正常范围下限"), RATIO), "high_fence": (N_("正常范围上限"), RATIO),
    "bids": (N_("投标家数"), COUNT), "bidders": (N_("投标单位"), COUNT), "disqualified": (N_("被判无效的投标"), COUNT),
    "comparable": (N_("全县可比项目"), COUNT), "comparables": (N_("可比合同"), COUNT),
    "villages": (N_("中标村数"), COUNT), "payments": (N_("到期后收款笔数"), COUNT),
    "count": (N_("当月用印次数"), COUNT), "county_median": (N_("全县各村月用印次数中位数"), COUNT),
    "county_upper_quartile": (N_("全县上四分位数"), COUNT), "threshold": (N_("限额"), YUAN),
    "village_months": (N_("全县统计的村月数"), COUNT),
    "unanswered": (N_("未答复异议"), COUNT), "answer_days": (N_("答复时限"), DAYS),
    "reopen_count": (N_("重新办理次数"), COUNT), "escalations": (N_("上报次数"), COUNT),
    # words and names
    "text": (N_("情况"), TEXT), "reason": (N_("原因"), TEXT), "document": (N_("用印文件"), TEXT),
    "certificate": (N_("证明名称"), TEXT), "kind_name": (N_("清单类别"), TEXT), "alternative": (N_("替代办法"), TEXT),
    "basis": (N_("依据"), TEXT), "voucher_no": (N_("凭证号"), TEXT), "code": (N_("统一社会信用代码"), TEXT),
    "keeper": (N_("保管人"), TEXT), "approver": (N_("审批人"), TEXT), "applicant": (N_("申请人"), TEXT),
    "kind": (N_("类别"), TEXT), "field": (N_("相同的信息"), TEXT), "winners": (N_("中标单位"), NAMES),
    "duties": (N_("逾期的公开责任"), NAMES), "projects": (N_("相关项目"), IDS), "bid": (N_("投标编号"), IDS), "returned": (N_("是否已归还"), FLAG),
    "state": (N_("诉求状态"), TEXT), "seal_state": (N_("印章状态"), TEXT),
    "holder": (N_("承办单位"), UNIT), "township": (N_("乡镇"), UNIT), "url": (N_("相关记录"), LINK),
}
# words for the codes some rules write as values
WORDS = {
    "reason": {"payments_after_end": N_("合同到期后仍在收款"), "no_new_lease": N_("到期后未续签或重新发包")},
    "field": {"code": N_("统一社会信用代码"), "contact": N_("联系电话")},
}
# a rule's own meaning of a shared key (by rule code prefix)
BY_RULE = {
    "seals.": {"threshold": (N_("预警线（次）"), COUNT)},
    "projects.": {"threshold": (N_("限额"), YUAN), "villages": (N_("中标村数"), COUNT)},
    "appeals.": {"state": (N_("诉求状态"), TEXT)},
}
ORDER = {key: i for i, key in enumerate(LABELS)}  # the stored JSON's keys are sorted: show them in this order
TEMPLATE_KEYS = ("template", "params")  # the sentence's template and its values: shown as the filled ``text``
HIDDEN_WHEN = {"kind": "kind_name"}  # the certificate's kind code when its name is given
STATE_OF = {"state": "appeal", "seal_state": "seal"}  # record type whose state names name the value


def _label(code, key):
    for prefix, overrides in BY_RULE.items():
        if code.startswith(prefix) and key in overrides:
            return overrides[key]
    if key in LABELS:
        return LABELS[key]
    # a key a rule wrote in Chinese is its own label; an unknown code never shows as a raw key
    return (key, TEXT) if not any("a" <= ch.lower() <= "z" for ch in key) else (N_("其他"), TEXT)


def _number(value, places=None):
    try:
        number = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, ValueError):
        return str(value)
    if places is None:
        places = 0 if number == number.to_integral_value() else 1
    return f"{number:,.{places}f}"


def _unit_name(code):
    from portal.units.models import Unit
    unit = Unit.get_or_none(Unit.code == str(code))
    return unit.name if unit else str(code)


def value_text(code, key, value):
    """One value as the page shows it (translated words, formatted numbers)."""
    if value is None or value == "":
        return _("无")
    kind = _label(code, key)[1]
    if key in WORDS and isinstance(value, str):
        return _(WORDS[key][value]) if value in WORDS[key] else value
    if key in STATE_OF and isinstance(value, str):
        rt = registry.of().record_types.get(STATE_OF[key])
        return _(rt.states[value]) if rt is not None and value in rt.states else value
    if isinstance(value, bool) or kind == FLAG:
        return _("是") if value else _("否")
    if isinstance(value, list):
        if kind == IDS:
            return "、".join(f"#{v}" for v in value)
        return "、".join(str(v) for v in value)
    if kind == YUAN:
        return _("%(amount)s 元", amount=_number(value, 2))
    if kind == DATE:
        return str(value)[:10]
    if kind == TIME:
        try:
            return local_text(datetime.datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if kind == DAYS:
        return _("%(n)s 天", n=_number(value))
    if kind == HOURS:
        return _("%(n)s 小时", n=_number(value))
    if kind == RATIO:
        return f"{_number(float(value) * 100, 1)}%"
    if kind == COUNT:
        return _number(value)
    if kind == IDS:
        return f"#{value}"
    if kind == UNIT:
        return _unit_name(value)
    if kind == TEXT and key in ("kind", "kind_name", "certificate", "basis", "alternative"):
        return _(str(value))  # catalogue names (asset kinds, certificate list kinds) where English exists
    return str(value)


def separators():
    """Between a label and its value, and between two lines: Chinese or English punctuation."""
    return (": ", "; ") if str(get_locale() or "zh").startswith("en") else ("：", "；")


def lines(code, evidence):
    """``[(label, text, url)]`` for a flag of rule ``code``: the rule's sentence first, links last."""
    if not isinstance(evidence, dict):
        return [(_("情况"), str(evidence), None)]
    out, links = [], []
    if evidence.get("template"):  # words kept as a template (with their params): in the reader's language
        from portal.core.api import localized
        text = localized(evidence["template"], evidence.get("params"))
        evidence = {k: v for k, v in evidence.items() if k not in TEMPLATE_KEYS} | {"text": text}
    keys = sorted(evidence, key=lambda k: (k != "text", _label(code, k)[1] not in (DATE, MONTH, TIME), ORDER.get(k, 999)))
    for key in keys:
        value = evidence[key]
        if key in HIDDEN_WHEN and HIDDEN_WHEN[key] in evidence:
            continue
        label = _(_label(code, key)[0])
        if _label(code, key)[1] == LINK:
            if isinstance(value, str) and value.startswith("/"):
                links.append((label, _("查看"), value))
            continue
        out.append((label, value_text(code, key, value), None))
    return out + links
