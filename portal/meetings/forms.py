"""The form a clerk fills to schedule a meeting (CSRF through Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.meetings.models import KINDS, STEPS


class MeetingForm(FlaskForm):
    title = StringField(_l("会议名称"), validators=[DataRequired(_l("请填写会议名称。")),
                                                  Length(max=120, message=_l("会议名称不超过120个字。"))])
    kind = SelectField(_l("会议类型"), choices=[(key, _l(name)) for key, name in KINDS.items()])
    starts_at = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("请填写开始时间，例如 2026-05-01 09:30。"))])
    place = StringField(_l("地点"), validators=[DataRequired(_l("请填写地点。")),
                                              Length(max=120, message=_l("地点不超过120个字。"))])
    links = SelectMultipleField(_l("关联记录（可多选，可不选）"), choices=[], validate_choice=False,
                                validators=[Optional()])


# One textarea per step of 五步议事; each line is one agenda item of that step.
for _step, _name in STEPS.items():
    setattr(MeetingForm, f"agenda_{_step}",
            TextAreaField(_l("%(step)s（每行一项）", step=_l(_name)),
                          validators=[Optional(), Length(max=6000, message=_l("议程太长。"))]))


class ActionForm(FlaskForm):
    """Start / end buttons: nothing but the CSRF token."""


class PhotoForm(FlaskForm):
    caption = StringField(_l("说明"), validators=[Optional(), Length(max=200, message=_l("说明不超过200个字。"))])
