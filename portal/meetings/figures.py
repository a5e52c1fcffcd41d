"""What the dashboard shows of meetings (议事直播): meetings held and how many watched.

Viewers are each ended meeting's peak of simultaneous viewers, summed: the
counter records the peak while the meeting is live and the meeting's end is
the change (``public.changed``) that moves the figure.
"""
import json

import peewee
from flask import url_for

from portal.core.clock import iso
from portal.core.domain import ExportTable, Figure
from portal.core.personal_data import mask
from portal.core.routing import to_id
from portal.meetings.kinds import kind_name
from portal.meetings.models import KINDS, STEPS, AgendaItem, Meeting, MeetingItem


def villages_of(doc_type, object_id):
    oid = to_id(object_id)
    meeting = Meeting.select(Meeting.village).where(Meeting.id == oid).first() if oid is not None else None
    return [meeting.village_id] if meeting else []


def ended_in(village_ids):
    """The meetings held (ended) in these villages: the figures count them, the area's list shows them."""
    return Meeting.select().where(Meeting.village.in_(list(village_ids)) & (Meeting.status == "ended"))


def held(village_ids, today):
    return ended_in(village_ids).count()


def viewers(village_ids, today):
    total = (Meeting.select(peewee.fn.COALESCE(peewee.fn.SUM(Meeting.peak_viewers), 0))
             .where(Meeting.village.in_(list(village_ids)) & (Meeting.status == "ended")).scalar())
    return int(total or 0)


def _link(unit):
    if unit.level == "village":
        return url_for("meetings.village_list", code=unit.code)
    return url_for("meetings.area_list", code=unit.code)


FIGURES = [
    Figure("meetings.held", "已举行会议", ("meeting",), villages_of, held, _link),
    Figure("meetings.viewers", "观看人数（各场峰值合计）", ("meeting",), villages_of, viewers, _link),
]


# -- open data ---------------------------------------------------------------------

def meeting_rows(village_ids):
    """Meetings scheduled, live or held: no host account, only what the public page shows."""
    for m in Meeting.select().where(Meeting.village.in_(list(village_ids))).order_by(Meeting.id).iterator():
        yield {"id": m.id, "village": m.village_id, "title": mask(m.title), "kind": m.kind,
               "kind_name": KINDS.get(m.kind, m.kind), "place": mask(m.place), "status": m.status,
               "starts_at": iso(m.starts_at) or "", "started_at": iso(m.started_at) or "",
               "ended_at": iso(m.ended_at) or "", "peak_viewers": m.peak_viewers,
               "archive_audit_index": m.archive_audit_index, "archive_sha256": m.archive_sha256 or ""}


def agenda_rows(village_ids):
    query = (AgendaItem.select(AgendaItem, Meeting).join(Meeting)
             .where(Meeting.village.in_(list(village_ids))).order_by(AgendaItem.meeting, AgendaItem.position))
    for a in query.iterator():
        yield {"meeting": a.meeting_id, "village": a.meeting.village_id, "position": a.position,
               "step": a.step, "step_name": STEPS.get(a.step, a.step), "title": mask(a.title)}


def item_rows(village_ids):
    """Broadcast items (transcript, votes, notices …) as sealed in the audit log, masked again."""
    query = (MeetingItem.select(MeetingItem, Meeting).join(Meeting)
             .where(Meeting.village.in_(list(village_ids))).order_by(MeetingItem.meeting, MeetingItem.seq))
    for i in query.iterator():
        yield {"meeting": i.meeting_id, "village": i.meeting.village_id, "seq": i.seq, "kind": i.kind,
               "kind_name": kind_name(i.kind), "data": mask(json.dumps(i.data, ensure_ascii=False, sort_keys=True)),
               "at": iso(i.at) or "", "audit_index": i.audit_index}


EXPORTS = [
    ExportTable("meetings", "议事会议", (
        ("id", "会议编号"), ("village", "村（社区）行政区划代码"), ("title", "会议名称"), ("kind", "会议类型代码"),
        ("kind_name", "会议类型"), ("place", "地点"), ("status", "状态：scheduled 未开始、live 直播中、ended 已结束"),
        ("starts_at", "计划开始时间（北京时间）"), ("started_at", "实际开始时间"), ("ended_at", "结束时间"),
        ("peak_viewers", "同时观看人数峰值"), ("archive_audit_index", "会议归档在审计日志中的条目序号"),
        ("archive_sha256", "归档记录规范 JSON 的 SHA-256")), meeting_rows),
    ExportTable("meeting_agenda", "会议议程", (
        ("meeting", "会议编号"), ("village", "村（社区）行政区划代码"), ("position", "议程顺序（从0开始）"),
        ("step", "五步议事环节代码"), ("step_name", "五步议事环节"), ("title", "议题")), agenda_rows),
    ExportTable("meeting_items", "会议直播条目", (
        ("meeting", "会议编号"), ("village", "村（社区）行政区划代码"), ("seq", "条目序号（每场会议从1起）"),
        ("kind", "条目类型代码"), ("kind_name", "条目类型"), ("data", "条目内容 JSON（已遮蔽个人信息）"),
        ("at", "发布时间（北京时间）"), ("audit_index", "审计日志条目序号")), item_rows),
]
