"""The one check for free text from any form or API body.

Text pasted from Word or a spreadsheet arrives with control characters
(vertical tab, form feed, NUL …) that XML 1.0 cannot carry: stored as they
are, one such character makes every Atom feed that includes the record fail.
So they are removed at input, once, here, for every domain; tab, newline and
carriage return are kept (XML allows them and Markdown needs them), and so
are the surrogate-free code points XML allows. The value is also checked for
type and length so every form answers the same Chinese messages.
"""
import re

from portal.core.errors import ValidationError

# Everything XML 1.0 does not allow (§2.2 Char), plus DEL and the C1 block,
# which XML allows but no village text needs and which break terminals and logs.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def strip_invalid(value):
    """``value`` without the characters XML cannot carry (for text already stored)."""
    return XML_INVALID.sub("", value or "")


def clean_text(value, field, label, limit, required=False):
    """Stripped text without control characters, at most ``limit`` characters.

    ``None`` counts as empty. Raises ValidationError ``bad_<field>`` for a
    non-string, ``missing_<field>`` for an empty required value and
    ``<field>_too_long`` for a long one, each with a Chinese message naming ``label``.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"bad_{field}", "%(label)s必须是文本。", label=label)
    value = strip_invalid(value).strip()
    if required and not value:
        raise ValidationError(f"missing_{field}", "请填写%(label)s。", label=label)
    if len(value) > limit:
        raise ValidationError(f"{field}_too_long", "%(label)s不能超过%(limit)s个字。", label=label,
                              limit=limit)
    return value
