"""A meeting's archived record: built from its rows, sealed in the audit log, published.

The record is re-derivable: ``archive_record`` reads only committed rows, so
``python -m audit verify`` can rebuild it and compare hashes with the entry
written when the meeting ended.
"""
import hashlib
import json
import logging

from portal.publications.services import publish_system_record
from portal.core.clock import local_text, sealed_iso
from portal.meetings.payloads import sealed_item
from portal.meetings.models import STEPS, AgendaItem, MeetingItem, Question

log = logging.getLogger(__name__)
ARCHIVE_CATEGORY = "village"  # 村务公开: a meeting record is village affairs made public


def sha256_of(record):
    return hashlib.sha256(json.dumps(record, ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":")).encode()).hexdigest()


def _sealed(value):
    return sealed_iso(value, utc=True, timespec="milliseconds")


def archive_record(meeting):
    """Agenda, transcript, votes, approved questions, bid prices, notices, photos, peak viewers."""
    items = [sealed_item(i.meeting_id, i.seq, i.kind, i.data, i.at) for i in meeting.items.order_by(MeetingItem.seq)]

    def of(kind):
        return [dict(i["data"], seq=i["seq"], at=i["at"]) for i in items if i["kind"] == kind]

    approved = (meeting.questions.where(Question.status == "approved").order_by(Question.item_seq))
    return {
        "meeting": meeting.id, "village": meeting.village_id, "title": meeting.title,
        "kind": meeting.kind, "place": meeting.place, "host": meeting.host.display_name,
        "starts_at": _sealed(meeting.starts_at), "started_at": _sealed(meeting.started_at),
        "ended_at": _sealed(meeting.ended_at), "links": meeting.links,
        "agenda": [{"index": a.position, "step": a.step, "title": a.title}
                   for a in meeting.agenda.order_by(AgendaItem.position)],
        "transcript": of("transcript"), "votes": of("vote"), "bid_prices": of("bid_price"),
        "notices": of("notice"), "photos": of("photo"),
        "questions": [{"seq": q.item_seq, "text": q.text} for q in approved],
        "peak_viewers": meeting.peak_viewers, "items": len(items),
        "items_sha256": sha256_of(items),
    }


def _md(text):
    """Escape Markdown control characters so a transcript line cannot inject links or markup."""
    out = []
    for ch in str(text):
        out.append("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>&" else ch)
    return "".join(out).replace("\n", " ")


def archive_markdown(meeting, record):
    """The publication body: readable on a phone, every line escaped."""
    lines = [f"**{_md(meeting.kind_name)}** · {_md(meeting.place)} · 主持人 {_md(record['host'])}",
             "", f"开始 {local_text(meeting.started_at)}，结束 {local_text(meeting.ended_at)}，最多 {record['peak_viewers']} 人同时观看。",
             "", "## 议程"]
    lines += [f"{a['index'] + 1}\\. 【{STEPS.get(a['step'], a['step'])}】{_md(a['title'])}" for a in record["agenda"]]
    if record["votes"]:
        lines += ["", "## 表决"]
        lines += [f"- {_md(v['motion'])}：赞成 {v['for']}，反对 {v['against']}，弃权 {v['abstain']}，"
                  f"{_md(v['result_name'])}" for v in record["votes"]]
    if record["bid_prices"]:
        lines += ["", "## 唱标"]
        lines += [f"- {_md(b['bidder'])}：{_md(b['price'])} 元" for b in record["bid_prices"]]
    if record["questions"]:
        lines += ["", "## 群众提问"]
        lines += [f"- {_md(q['text'])}" for q in record["questions"]]
    if record["transcript"]:
        lines += ["", "## 发言记录"]
        lines += [f"- {_md(t['speaker'] + '：') if t['speaker'] else ''}{_md(t['text'])}" for t in record["transcript"]]
    if record["notices"]:
        lines += ["", "## 通知"]
        lines += [f"- {_md(n['text'])}" for n in record["notices"]]
    return "\n".join(lines) + "\n"


def publish_archive(actor, meeting, record):
    """Publish the sealed record as a publication (publications' declared public service).

    If publishing fails the meeting's own audited archive and replay page are
    the public record; nothing here can undo the ending.
    """
    try:
        pub = publish_system_record(meeting.village, ARCHIVE_CATEGORY, None, meeting.title,
                                    archive_markdown(meeting, record), actor, "meeting", str(meeting.id))
    except Exception:
        log.exception("publishing the archive of meeting %s failed; its own archive stands", meeting.id)
        return None
    type(meeting).update(publication_id=pub.id).where(type(meeting).id == meeting.id).execute()
    return pub
