"""Sums of money (金额, yuan) as typed by a clerk or sent to the API.

Decimal, never float, so a threshold comparison is exact; bounded so the
column (14 digits, 2 decimals) always holds it.
"""
import decimal

from portal.core.errors import ValidationError

MAX_AMOUNT = decimal.Decimal("9999999999.99")  # just under 100亿元
CENT = decimal.Decimal("0.01")


def parse_amount(value, field, label):
    """A non-negative yuan sum with at most two decimals as a Decimal; blank gives None."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, decimal.Decimal)):
        raise ValidationError(f"bad_{field}", "%(label)s必须是数字（单位：元）。", label=label)
    text = str(value).strip().replace(",", "")
    if len(text) > 20:
        raise ValidationError(f"bad_{field}", "%(label)s必须是数字（单位：元）。", label=label)
    try:
        amount = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValidationError(f"bad_{field}", "%(label)s必须是数字（单位：元）。", label=label) from None
    if not amount.is_finite():
        raise ValidationError(f"bad_{field}", "%(label)s必须是数字（单位：元）。", label=label)
    if amount < 0:
        raise ValidationError(f"negative_{field}", "%(label)s不能为负数。", label=label)
    if amount > MAX_AMOUNT:
        raise ValidationError(f"{field}_too_large", "%(label)s不能超过99.99亿元。", label=label)
    if amount != amount.quantize(CENT, rounding=decimal.ROUND_DOWN):
        raise ValidationError(f"bad_{field}", "%(label)s最多保留两位小数（分）。", label=label)
    return amount.quantize(CENT)


def amount_text(value):
    """``"1234567.50"`` for JSON and audit payloads (None stays None)."""
    return None if value is None else str(decimal.Decimal(value).quantize(CENT))


def yuan_text(value):
    """``1,234,567.50`` for pages."""
    return "" if value is None else f"{decimal.Decimal(value):,.2f}"
