"""Meetings' panel on the workspace: the meetings a clerk hosts that are live or still to come."""
from flask import url_for
from flask_babel import gettext as _

from portal.core.clock import local_text
from portal.core.i18n import N_
from portal.home.workspace import action, panel, row
from portal.meetings.models import Meeting


def panels(user):
    if user.role != "clerk":
        return []
    rows = []
    for m in (Meeting.select().where((Meeting.host == user) & Meeting.status.in_(("live", "scheduled")))
              .order_by(Meeting.starts_at)):
        label = _("继续直播") if m.status == "live" else _("打开主持台")
        rows.append(row(m.title, url_for("meetings.watch", meeting_id=m.id),
                        _(m.status_name) + " · " + local_text(m.starts_at) + " · " + m.place,
                        action=action(label, url_for("meetings.console", meeting_id=m.id))))
    return [panel("meetings", N_("我主持的会议"), rows, empty=N_("近期没有要主持的会议。"))]
