"""Personal data masking (个人信息脱敏) for everything public.

One detector, :func:`find_personal_data`, serves masking (what the public sees)
and the search guard (``search_index`` refuses a document it still finds
something in), so the two can never disagree about what is personal.

It finds mainland resident ID numbers, mobile numbers and bank card numbers.
An ID number is recognised by its *shape* — a real province code and a real
birth date — not by its check digit: a clerk who mistypes one digit of a
villager's ID number still publishes that villager's ID number, so a wrong
check digit must be masked too (the finding says so, for the clerk's preview).
Digits may be split by spaces, hyphens or dots, half- or full-width
(``350 502 1990-0101 1234``, ``３５０５…``), because that is how people type
them; masked forms (``3505**********1234``) are never found again.
"""
import datetime
import re

from portal.core.i18n import N_

# One character in, one character out: positions in the normalised text are
# positions in the original.
_FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# GB/T 2260 province-level codes (first two digits of an ID number).
PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                       50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91})

KIND_NAMES = {"id18": N_("身份证号"), "id15": N_("身份证号（15位）"), "bank": N_("银行卡号"), "mobile": N_("手机号码")}
# Earlier kinds win when one span could be read as several.
_PRIORITY = ("id18", "bank", "id15", "mobile")
MAX_DIGITS = 19

# A group of digits (an ID's final X included); groups joined by exactly one
# separator may be one number typed in pieces.
_GROUP = re.compile(r"[0-9]+(?:[Xx](?![0-9]))?")
_SEPARATORS = frozenset(" \u00a0\u3000\u2002\u2003-\u2010\u2011\u2012\u2013\u2014\uff0d.\uff0e\u00b7")


def _valid_date(year, month, day):
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


def id18_checksum_ok(digits):
    """True when the ISO 7064 MOD 11-2 check digit is right (only for the preview's note)."""
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == digits[17].upper()


def id18_shaped(digits):
    """An 18-character ID by shape: province code, birth date; the check digit may be wrong."""
    return (len(digits) == 18 and digits[:17].isdigit() and (digits[17].isdigit() or digits[17] in "Xx")
            and int(digits[:2]) in PROVINCES
            and _valid_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])))


def id18_valid(digits):
    """ID-shaped and with the right check digit."""
    return id18_shaped(digits) and id18_checksum_ok(digits)


def id15_valid(digits):
    """The pre-1999 15-digit form: province code, yyMMdd birth date (19yy), sequence."""
    return (len(digits) == 15 and digits.isdigit() and int(digits[:2]) in PROVINCES
            and _valid_date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12])))


def luhn_valid(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _mobile(digits):
    """The 11-digit number when ``digits`` is a mobile number, with or without 86/0086."""
    for prefix in ("", "86", "0086"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            rest = digits[len(prefix):]
            if re.fullmatch(r"1[3-9][0-9]{9}", rest):
                return rest
    return None


def _kind_of(digits):
    """The kind ``digits`` (separators removed) is, or None."""
    has_x = digits[-1:] in ("X", "x")
    if id18_shaped(digits):
        return "id18"
    if has_x:
        return None
    if 16 <= len(digits) <= 19 and digits[0] in "3456" and luhn_valid(digits):
        return "bank"
    if id15_valid(digits):
        return "id15"
    if _mobile(digits):
        return "mobile"
    return None


def mask_value(kind, raw):
    """The masked form of one detected value (separators dropped)."""
    digits = re.sub(r"[^0-9Xx]", "", raw.translate(_FULLWIDTH)).upper()
    if kind == "mobile":
        digits = digits[-11:]
        return digits[:3] + "****" + digits[-4:]
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _runs(normal):
    """Lists of digit groups (match objects) separated by single separator characters."""
    run = []
    for match in _GROUP.finditer(normal):
        if run:
            gap = normal[run[-1].end():match.start()]
            if not (len(gap) == 1 and gap in _SEPARATORS) or run[-1].group()[-1] in "Xx":
                yield run
                run = []
        run.append(match)
    if run:
        yield run


# Every kind above holds at least 11 digits, each next to the following one or one separator away
# (``_runs``): text without such a run cannot hold one and skips the detector. Timestamps
# ("2026-12-03T14:54:27") and dates do not reach 11 (the "T", ":" break them).
_DIGIT = "0-9\uff10-\uff19"
_DIGIT_RUN = re.compile("(?:[%s][%s]?){10}[%s]" % (_DIGIT, "".join(re.escape(c) for c in sorted(_SEPARATORS)), _DIGIT))


def could_hold_personal_data(text):
    """False when ``text`` cannot hold anything the detector finds (no run of 11 digits)."""
    return bool(text) and isinstance(text, str) and _DIGIT_RUN.search(text) is not None


def find_personal_data(text):
    """Non-overlapping findings in ``text``, in order: dicts with kind, kind_name,
    start, end (in ``text``), masked, and ``checksum_ok`` (False for an ID number
    whose check digit is wrong, i.e. probably mistyped)."""
    if not text or not _DIGIT_RUN.search(text):
        return []
    normal = text.translate(_FULLWIDTH)
    found = []
    for run in _runs(normal):
        i = 0
        while i < len(run):
            taken = None
            # Longest span of groups first: a number typed in pieces is one number.
            ends, digits = [], ""
            for j in range(i, len(run)):
                digits += run[j].group()
                if len(digits) > MAX_DIGITS + 4:    # "0086" + a mobile number is the longest
                    break
                ends.append((j, digits))
            for j, digits in reversed(ends):
                kind = _kind_of(digits)
                if kind:
                    taken = (j, kind, digits)
                    break
            if taken is None:
                i += 1
                continue
            j, kind, digits = taken
            start, end = run[i].start(), run[j].end()
            finding = {"kind": kind, "kind_name": KIND_NAMES[kind], "start": start, "end": end,
                       "masked": mask_value(kind, normal[start:end]), "checksum_ok": True}
            if kind == "id18":
                finding["checksum_ok"] = id18_checksum_ok(digits)
            found.append(finding)
            i = j + 1
    return found


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
    """Just the masked text. Text without a run of 11 digits is returned as it is at once (``mask_text``
    would find nothing in it): the open-data export masks a few million cells, nearly all of them plain."""
    if text.__class__ is str and _DIGIT_RUN.search(text) is None:
        return text
    return mask_text(text)[0]
