"""Meetings (议事会, 村民代表会议, 开标会 …), their agenda, broadcast items and questions.

A meeting's broadcast is an ordered list of items numbered 1, 2, 3 … per
meeting; the number is taken from ``Meeting.last_seq`` inside the same
transaction that stores the item and its audit entry, so numbers never repeat
or skip, whichever process takes them.
"""
import json

import peewee

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.db import BaseModel
from portal.core.i18n import N_
from portal.units.models import Unit

KINDS = {
    "council": N_("议事会"),
    "representatives": N_("村民代表会议"),
    "bid_opening": N_("开标会"),
    "asset_trade": N_("资产交易"),
    "villagers": N_("村民会议"),
    "hearing": N_("听证会"),
}
# 五步议事: the five steps every agenda item belongs to.
STEPS = {
    "collect": N_("收集问题"),
    "decide_topic": N_("确定议题"),
    "deliberate": N_("协商议事"),
    "implement": N_("分流落实"),
    "review": N_("监督评审"),
}
STATUSES = {"scheduled": N_("未开始"), "live": N_("直播中"), "ended": N_("已结束")}


class JSONField(peewee.TextField):
    """A JSON document stored as text (portable across SQLite and PostgreSQL)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class Meeting(BaseModel):
    village = peewee.ForeignKeyField(Unit, backref="meetings", column_name="village_code", object_id_name="village_id")
    title = peewee.CharField(max_length=120)  # e.g. 2026年第二季度村民代表会议
    kind = peewee.CharField(max_length=20)  # one of KINDS
    starts_at = peewee.DateTimeField()  # scheduled start (naive UTC)
    place = peewee.CharField(max_length=120)  # e.g. 村委会二楼会议室
    host = peewee.ForeignKeyField(User, backref="hosted_meetings")  # the only non-admin who may post
    links = JSONField(default=list)  # linked records: [{"type", "id", "title"}]
    status = peewee.CharField(max_length=10, default="scheduled", index=True)  # one of STATUSES
    last_seq = peewee.IntegerField(default=0)  # highest item number taken so far
    current_agenda = peewee.IntegerField(null=True)  # position of the agenda item under discussion
    peak_viewers = peewee.IntegerField(default=0)  # most viewers seen at once
    started_at = peewee.DateTimeField(null=True)
    ended_at = peewee.DateTimeField(null=True)
    archive_audit_index = peewee.IntegerField(null=True)  # audit entry sealing the archived record
    archive_sha256 = peewee.CharField(max_length=64, null=True)  # hash of the archived record's canonical JSON
    publication_id = peewee.IntegerField(null=True)  # the publication the archive became, once published
    created_at = peewee.DateTimeField(default=utcnow)

    @property
    def kind_name(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def status_name(self):
        return STATUSES.get(self.status, self.status)


class AgendaItem(BaseModel):
    meeting = peewee.ForeignKeyField(Meeting, backref="agenda", on_delete="CASCADE")
    position = peewee.IntegerField()  # 0-based order in the agenda
    step = peewee.CharField(max_length=16)  # one of STEPS
    title = peewee.CharField(max_length=200)

    class Meta:
        indexes = ((("meeting", "position"), True),)

    @property
    def step_name(self):
        return STEPS.get(self.step, self.step)


class MeetingItem(BaseModel):
    meeting = peewee.ForeignKeyField(Meeting, backref="items", on_delete="CASCADE")
    seq = peewee.IntegerField()  # 1, 2, 3 … within the meeting
    kind = peewee.CharField(max_length=16)  # see portal.meetings.kinds
    data = JSONField()  # the validated content (never the client's raw payload)
    at = peewee.DateTimeField(default=utcnow)  # when it was committed
    actor = peewee.ForeignKeyField(User, null=True)  # who posted it (None: the system)
    audit_index = peewee.IntegerField(null=True)  # its entry in the audit log

    class Meta:
        indexes = ((("meeting", "seq"), True),)


class Question(BaseModel):
    meeting = peewee.ForeignKeyField(Meeting, backref="questions", on_delete="CASCADE")
    author = peewee.ForeignKeyField(User, backref="meeting_questions")
    text = peewee.CharField(max_length=500)  # plain text, escaped wherever shown
    status = peewee.CharField(max_length=10, default="pending", index=True)  # pending approved hidden
    asked_at = peewee.DateTimeField(default=utcnow, index=True)
    decided_at = peewee.DateTimeField(null=True)
    item_seq = peewee.IntegerField(null=True)  # the broadcast item showing it, once approved


class MeetingPhoto(BaseModel):
    meeting = peewee.ForeignKeyField(Meeting, backref="photos", on_delete="CASCADE")
    sha256 = peewee.CharField(max_length=64)  # hex of the bytes; also the file name in the instance
    content_type = peewee.CharField(max_length=20)  # image/jpeg image/png image/webp
    size = peewee.IntegerField()  # bytes
    uploaded_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("meeting", "sha256"), True),)


MODELS = [Meeting, AgendaItem, MeetingItem, Question, MeetingPhoto]
