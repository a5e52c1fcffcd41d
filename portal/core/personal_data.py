"""Personal data masking (个人信息脱敏) for everything public.

Detects mainland resident ID numbers (18-digit with the ISO 7064 MOD 11-2
check digit, and the old 15-digit form with a valid birth date), mobile
numbers and bank card numbers (Luhn) and replaces them, e.g.
``3301**********1234``. Detection is automatic because a clerk under time
pressure will miss one; the clerk sees the findings before publishing.
Full-width digits are read as digits so ``３３０１…`` is caught too.
"""
import datetime
import re

from portal.core.i18n import N_

_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XxX")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

KIND_NAMES = {"id18": N_("身份证号"), "id15": N_("身份证号（15位）"), "bank": N_("银行卡号"), "mobile": N_("手机号码")}
# Earlier kinds win where matches overlap (an ID number is not also read as a card).
_PRIORITY = ("id18", "bank", "id15", "mobile")

_PATTERNS = {
    "id18": re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])"),
    "id15": re.compile(r"(?<![0-9])[1-9][0-9]{14}(?![0-9])"),
    "bank": re.compile(r"(?<![0-9])(?:[0-9]{16,19}|[0-9]{4}(?:[ \-][0-9]{4}){3}(?:[ \-]?[0-9]{1,3})?|[0-9]{6}[ \-][0-9]{10,13})(?![0-9])"),
    "mobile": re.compile(r"(?<![0-9])(?:(?:\+|00)?86[ \-]?)?1[3-9][0-9](?:[ \-]?[0-9]{4}){2}(?![0-9])"),
}


def _valid_date(year, month, day):
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


def id18_valid(digits):
    """True for an 18-character ID whose birth date and check digit are right."""
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    if not _valid_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == digits[17].upper()


def id15_valid(digits):
    """The pre-1999 15-digit form: region, yyMMdd birth date (19yy), sequence."""
    return len(digits) == 15 and digits.isdigit() and _valid_date(
        1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))


def luhn_valid(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text):
    return re.sub(r"[^0-9Xx]", "", text)


def _accept(kind, raw):
    digits = _digits(raw)
    if kind == "id18":
        return id18_valid(digits)
    if kind == "id15":
        return id15_valid(digits)
    if kind == "bank":
        return 16 <= len(digits) <= 19 and digits[0] in "3456" and luhn_valid(digits)
    if kind == "mobile":
        return True
    return False


def mask_value(kind, raw):
    """The masked form of one detected value (separators dropped)."""
    digits = _digits(raw).upper()
    if kind == "mobile":
        digits = digits[-11:]
        return digits[:3] + "****" + digits[-4:]
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def find_personal_data(text):
    """Non-overlapping findings in ``text``: dicts with kind, start, end, masked."""
    if not text:
        return []
    normal = text.translate(_FULLWIDTH)
    taken = []
    for kind in _PRIORITY:
        for match in _PATTERNS[kind].finditer(normal):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end, _ in taken):
                continue
            if _accept(kind, match.group()):
                taken.append((start, end, kind))
    taken.sort()
    return [{"kind": kind, "kind_name": KIND_NAMES[kind], "start": start, "end": end,
             "masked": mask_value(kind, normal[start:end])} for start, end, kind in taken]


def mask_text(text):
    """``(masked_text, findings)``: what the public sees and what was hidden."""
    findings = find_personal_data(text)
    out, pos = [], 0
    for f in findings:
        out.append(text[pos:f["start"]])
        out.append(f["masked"])
        pos = f["end"]
    out.append((text or "")[pos:])
    return "".join(out), findings


def mask(text):
    """Just the masked text."""
    return mask_text(text)[0]
