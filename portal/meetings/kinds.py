"""What a host may post, and the one place a posted payload is checked.

Each kind has a cleaner that builds a fresh dict from the fields it knows and
drops everything else, so a client cannot smuggle in ``seq``, ``at``, an actor
or markup-bearing extra fields: what is stored and broadcast is exactly what
the cleaner returned. Free text is masked (phone, ID and bank numbers) before
it is stored: a broadcast is public the moment it is sent.
"""
import json
from decimal import Decimal, InvalidOperation

from portal.core.errors import ValidationError
from portal.core.i18n import N_
from portal.core.personal_data import mask
from portal.core.text import clean_text

MAX_PAYLOAD_BYTES = 8 * 1024
# Kinds a host posts; "question" and "status" are written by the server only.
POSTABLE = {
    "transcript": N_("发言记录"),
    "agenda": N_("议程切换"),
    "vote": N_("表决"),
    "photo": N_("现场照片"),
    "bid_price": N_("唱标"),
    "notice": N_("通知"),
}
SERVER_KINDS = {"question": N_("群众提问"), "status": N_("会议状态")}
VOTE_RESULTS = {"passed": N_("通过"), "rejected": N_("未通过")}


def masked_text(value, name, label, limit, required=True):
    """Checked by the core's one text validator, then masked: a broadcast is public the moment it is sent."""
    return mask(clean_text(value, name, label, limit, required))


# How a field of a posted item is named in a message (the API's field names, as they always read).
FIELD_LABELS = {"speaker": "字段 speaker ", "text": "字段 text ", "motion": "字段 motion ",
                "bidder": "字段 bidder ", "note": "字段 note ", "caption": "字段 caption "}


def _text(data, name, limit, required=True):
    return masked_text(data.get(name), name, FIELD_LABELS[name], limit, required)


def _count(data, name):
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100000:
        raise ValidationError(f"bad_{name}", "字段 %(name)s 必须是0–100000的整数。", name=name)
    return value


def _transcript(data, meeting):
    return {"speaker": _text(data, "speaker", 32, required=False), "text": _text(data, "text", 2000)}


def _notice(data, meeting):
    return {"text": _text(data, "text", 1000)}


def _agenda(data, meeting):
    index = data.get("index")
    agenda = {a.position: a for a in meeting.agenda}
    if isinstance(index, bool) or not isinstance(index, int) or index not in agenda:
        raise ValidationError("bad_index", "议程序号不存在。")
    item = agenda[index]
    return {"index": index, "step": item.step, "step_name": item.step_name, "title": item.title}


def _vote(data, meeting):
    result = data.get("result")
    if not isinstance(result, str) or result not in VOTE_RESULTS:
        raise ValidationError("bad_result", "表决结果必须是 passed（通过）或 rejected（未通过）。")
    return {"motion": _text(data, "motion", 500), "for": _count(data, "for"),
            "against": _count(data, "against"), "abstain": _count(data, "abstain"),
            "result": result, "result_name": VOTE_RESULTS[result]}


def _bid_price(data, meeting):
    raw = data.get("price")
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValidationError("bad_price", "报价必须是数字。")
    try:
        price = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError("bad_price", "报价必须是数字。") from None
    if not price.is_finite() or price < 0 or price >= Decimal("1e12"):
        raise ValidationError("bad_price", "报价必须是0到一万亿之间的数。")
    return {"bidder": _text(data, "bidder", 64), "price": f"{price.quantize(Decimal('0.01'))}",
            "note": _text(data, "note", 200, required=False)}


def _photo(data, meeting):
    digest = data.get("sha256")
    if not isinstance(digest, str) or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValidationError("bad_photo", "照片须先通过上传接口提交。")
    return {"sha256": digest, "caption": _text(data, "caption", 200, required=False),
            "url": f"/meetings/{meeting.id}/photos/{digest}"}


CLEANERS = {"transcript": _transcript, "notice": _notice, "agenda": _agenda, "vote": _vote,
            "bid_price": _bid_price, "photo": _photo}


def clean(kind, data, meeting):
    """The stored form of a host's post, or a ValidationError saying what is wrong."""
    if not isinstance(kind, str) or kind not in POSTABLE:
        raise ValidationError("bad_kind", "不支持的条目类型：%(kind)s", kind=(kind if isinstance(kind, str) else "?")[:20])
    if not isinstance(data, dict):
        raise ValidationError("bad_data", "data 必须是JSON对象。")
    if len(json.dumps(data, ensure_ascii=False).encode()) > MAX_PAYLOAD_BYTES:
        raise ValidationError("too_large", "内容太长。")
    return CLEANERS[kind](data, meeting)


def kind_name(kind):
    return POSTABLE.get(kind) or SERVER_KINDS.get(kind, kind)
