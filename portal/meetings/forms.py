"""The form a clerk fills to schedule a meeting (CSRF through Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.meetings.models import KINDS, STEPS


class MeetingForm(FlaskForm):
    title = StringField("会议名称", validators=[DataRequired("请填写会议名称。"), Length(max=120, message="会议名称不超过120个字。")])
    kind = SelectField("会议类型", choices=list(KINDS.items()))
    starts_at = DateTimeLocalField("开始时间", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired("请填写开始时间，例如 2026-05-01 09:30。")])
    place = StringField("地点", validators=[DataRequired("请填写地点。"), Length(max=120, message="地点不超过120个字。")])
    links = TextAreaField("关联记录（每行：类型|编号|标题，可不填）",
                          validators=[Optional(), Length(max=4000, message="关联记录太长。")])


# One textarea per step of 五步议事; each line is one agenda item of that step.
for _step, _name in STEPS.items():
    setattr(MeetingForm, f"agenda_{_step}",
            TextAreaField(f"{_name}（每行一项）", validators=[Optional(), Length(max=6000, message="议程太长。")]))


class ActionForm(FlaskForm):
    """Start / end buttons: nothing but the CSRF token."""


class PhotoForm(FlaskForm):
    caption = StringField("说明", validators=[Optional(), Length(max=200, message="说明不超过200个字。")])
