"""The inspector's and the assignee's forms (CSRF through Flask-WTF); the services check the content."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.followups.models import FINDINGS, THEMES, VISIBILITIES


class FollowupForm(FlaskForm):
    assignee = SelectField(_l("答复人"), choices=[], validate_choice=False)
    question = TextAreaField(_l("督办事项"), validators=[DataRequired(_l("请填写督办事项。")),
                                                      Length(max=2000, message=_l("督办事项不超过2000个字。"))])
    due = DateField(_l("答复期限"), validators=[DataRequired(_l("请填写答复期限，例如 2026-12-31。"))])
    visibility = RadioField(_l("公开范围"), choices=[(k, _l(v)) for k, v in VISIBILITIES.items()], default="public")
    campaign = SelectField(_l("所属专项整治（可不选）"), choices=[], validate_choice=False)


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("答复内容"), validators=[DataRequired(_l("请填写答复内容。")),
                                                  Length(max=5000, message=_l("答复内容不超过5000个字。"))])
    files = MultipleFileField(_l("附件（PDF、JPEG、PNG，可不传）"))


class AskAgainForm(FlaskForm):
    question = TextAreaField(_l("追问内容"), validators=[DataRequired(_l("请填写追问内容。")),
                                                      Length(max=2000, message=_l("追问内容不超过2000个字。"))])
    due = DateField(_l("新的答复期限（原期限已过时必填）"), validators=[Optional()])


class ExtendForm(FlaskForm):
    due = DateField(_l("延长至"), validators=[DataRequired(_l("请填写新的答复期限。"))])
    reason = StringField(_l("延期理由"), validators=[DataRequired(_l("请填写延期理由。")),
                                                  Length(max=500, message=_l("延期理由不超过500个字。"))])


class ConcludeForm(FlaskForm):
    finding = RadioField(_l("结论"), choices=[(k, _l(v)) for k, v in FINDINGS.items()], validate_choice=False)
    conclusion = TextAreaField(_l("办结意见"), validators=[DataRequired(_l("请填写办结意见。")),
                                                        Length(max=5000, message=_l("办结意见不超过5000个字。"))])


class CampaignForm(FlaskForm):
    title = StringField(_l("专项名称"), validators=[DataRequired(_l("请填写专项名称。")),
                                                 Length(max=120, message=_l("专项名称不超过120个字。"))])
    theme = SelectField(_l("整治主题"), choices=[(k, _l(v)) for k, v in THEMES.items()])
    unit = SelectField(_l("整治范围"), choices=[], validate_choice=False)
    starts_on = DateField(_l("开始日期"), validators=[DataRequired(_l("请填写开始日期。"))])
    ends_on = DateField(_l("结束日期"), validators=[DataRequired(_l("请填写结束日期。"))])
    description = TextAreaField(_l("整治内容"), validators=[Optional(), Length(max=4000)])


class PublishForm(FlaskForm):
    summary = TextAreaField(_l("整治情况通报"), validators=[DataRequired(_l("请填写整治情况通报。")),
                                                         Length(max=8000)])


class DismissForm(FlaskForm):
    reason = StringField(_l("排除理由"), validators=[DataRequired(_l("请填写排除理由。")),
                                                  Length(max=500, message=_l("排除理由不超过500个字。"))])


class AddToCampaignForm(FlaskForm):
    campaign = SelectField(_l("专项整治"), choices=[], validate_choice=False)
