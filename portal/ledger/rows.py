"""Checking one ledger line, the same for the API, the clerk's form and a spreadsheet row.

``check_row`` returns the clean fields and every problem found (not only the
first), each as ``(column, value, code, message, params)`` (a Chinese ``%(name)s``
template and its values, as a PortalError carries them): the import reports all
of a file's errors at once, the API the first. Amounts are exact: a string
or an integer of yuan with at most two decimals; a JSON float is refused,
because 0.1 + 0.2 is not 0.3 and a ledger must add up to the fen.
"""
import datetime
import decimal
import re

from portal.core.clock import parse_date
from portal.core.errors import ValidationError
from portal.core.i18n import N_
from portal.core.text import clean_text
from portal.ledger.charts import SETTLEMENT_ACCOUNTS

MAX_FEN = 999_999_999_999  # just under 100亿元
DIRECTIONS = {"income": "income", "expense": "expense", "收入": "income", "支出": "expense"}
SETTLEMENTS = {"cash": "cash", "bank": "bank", "现金": "cash", "银行": "bank", "银行存款": "bank", "": "bank"}
DIRECTION_NAMES = {"income": N_("收入"), "expense": N_("支出")}
SETTLEMENT_NAMES = {"cash": N_("现金"), "bank": N_("银行")}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
DECISION = re.compile(r"^(publication|meeting):[1-9][0-9]{0,11}$")
VOUCHER = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff\-_/#]{1,20}$")

# column key -> Chinese header (the export writes these, the import reads them)
COLUMNS = [("voucher_no", N_("凭证号")), ("date", N_("日期")), ("summary", N_("摘要")), ("account", N_("科目代码")),
           ("direction", N_("收支")), ("amount", N_("金额")), ("settlement", N_("收付方式")), ("counterparty", N_("对方单位")),
           ("counterparty_code", N_("统一社会信用代码")), ("handler", N_("经手人")), ("approver", N_("审批人"))]
LABELS = dict(COLUMNS)


def parse_fen(value, field="amount", label="金额"):
    """Positive yuan (string like "12500.00" or an integer) as integer fen; floats and 3 decimals refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValidationError(f"bad_{field}", N_("%(label)s必须写成文本（如\"12500.00\"），不能是浮点数。"), label=label)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
    else:
        raise ValidationError(f"bad_{field}", N_("请填写%(label)s（元，如\"12500.00\"）。"), label=label)
    if not re.fullmatch(r"[0-9]{1,12}(\.[0-9]+)?", text):
        raise ValidationError(f"bad_{field}", N_("%(label)s必须是正数（元，如\"12500.00\"）。"), label=label)
    amount = decimal.Decimal(text)
    if amount != amount.quantize(decimal.Decimal("0.01")):
        raise ValidationError(f"bad_{field}", N_("%(label)s最多保留两位小数（分）。"), label=label)
    fen = int(amount * 100)
    if fen <= 0:
        raise ValidationError(f"bad_{field}", N_("%(label)s必须大于0。"), label=label)
    if fen > MAX_FEN:
        raise ValidationError(f"{field}_too_large", N_("%(label)s不能超过99.99亿元。"), label=label)
    return fen


def fen_text(fen):
    """Integer fen as the API's yuan string: -1250050 -> "-12500.50"."""
    if fen is None:
        return None
    fen = int(fen)  # PostgreSQL's SUM of integers is a Decimal
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def fen_yuan(fen):
    """Integer fen as a page's yuan: 1250050 -> "12,500.50"."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def uscc_valid(code):
    """GB 32100-2015: the 18th character of a unified social credit code is its check character."""
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


def _text(data, key, limit, required=False):
    return clean_text(data.get(key), key, LABELS.get(key, key), limit, required)


def check_row(data, accounts, month=None):
    """(fields, problems) for one line; ``accounts`` maps code -> Account of the chart in use.

    ``month`` ("YYYY-MM"), when given, is the month every line must fall in (an import).
    """
    out, problems = {}, []

    def take(key, fn):
        try:
            out[key] = fn()
        except ValidationError as exc:
            problems.append((key, data.get("amount" if key == "amount_fen" else key), exc.code, exc.template,
                             exc.params))

    take("voucher_no", lambda: _voucher(_text(data, "voucher_no", 20, required=True)))
    take("date", lambda: _date(data.get("date"), month))
    take("summary", lambda: _text(data, "summary", 200, required=True))
    take("account", lambda: _account(data.get("account"), accounts))
    take("direction", lambda: _choice(data.get("direction"), DIRECTIONS, "direction", "收支（income 或 expense）"))
    take("amount_fen", lambda: parse_fen(data.get("amount")))
    take("settlement", lambda: _choice(data.get("settlement") or "", SETTLEMENTS, "settlement",
                                       "收付方式（cash 现金或 bank 银行）"))
    take("counterparty", lambda: _text(data, "counterparty", 100))
    take("counterparty_code", lambda: _credit_code(data.get("counterparty_code")))
    take("handler", lambda: _text(data, "handler", 40))
    take("approver", lambda: _text(data, "approver", 40))
    if "decision" in data:
        take("decision", lambda: _decision(data.get("decision")))
    problems = [(("amount" if k == "amount_fen" else k), v, c, m, p) for k, v, c, m, p in problems]
    account = accounts.get(out.get("account"))
    if account is not None and out.get("direction"):
        if account.kind == "income" and out["direction"] != "income":
            problems.append(("direction", data.get("direction"), "direction_mismatch",
                             N_("科目%(account)s %(name)s是收入类科目，只能记收入。"),
                             {"account": account.code, "name": account.name}))
        if account.kind in ("expense", "cost") and out["direction"] != "expense":
            problems.append(("direction", data.get("direction"), "direction_mismatch",
                             N_("科目%(account)s %(name)s是支出类科目，只能记支出。"),
                             {"account": account.code, "name": account.name}))
    return out, problems


def _voucher(text):
    if not VOUCHER.match(text):
        raise ValidationError("bad_voucher_no", "凭证号只能由数字、字母、汉字和“-/#_”组成，最多20个字符。")
    return text


def _date(value, month):
    if isinstance(value, datetime.datetime):
        value = value.date()
    if value in (None, ""):
        raise ValidationError("missing_date", "请填写日期（YYYY-MM-DD）。")
    day = parse_date(value if isinstance(value, datetime.date) else str(value).strip(), "date", "日期")
    if month and day.strftime("%Y-%m") != month:
        raise ValidationError("date_outside_month", N_("日期不在%(month)s月内。"), month=month)
    return day


def _account(value, accounts):
    code = str(value if value is not None else "").strip()
    if code in SETTLEMENT_ACCOUNTS.values():
        raise ValidationError("settlement_account", "现金、银行存款是收付方式，请填写对方科目。")
    if code not in accounts:
        raise ValidationError("bad_account", N_("科目代码“%(account)s”不在科目表中。"), account=code[:12])
    return code


def _choice(value, choices, field, label):
    key = str(value if value is not None else "").strip()
    if key not in choices:
        raise ValidationError(f"bad_{field}", N_("请填写%(label)s。"), label=label)
    return choices[key]


def _credit_code(value):
    code = str(value or "").strip().upper()
    if code and (len(code) != 18 or any(c not in USCC_ALPHABET for c in code)):
        raise ValidationError("bad_counterparty_code", "统一社会信用代码应为18位数字或大写字母。")
    return code


def _decision(value):
    text = str(value or "").strip()
    if text and not DECISION.match(text):
        raise ValidationError("bad_decision", "决策依据应写成 publication:编号 或 meeting:编号。")
    return text
