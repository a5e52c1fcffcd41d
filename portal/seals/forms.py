"""The clerk's forms (CSRF through Flask-WTF): the quick 登记用章, the register, status and handover."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.seals.vocab import MATTERS, SEAL_KINDS

NAME = [Length(max=32, message=_l("姓名不超过32个字。"))]


class UseForm(FlaskForm):
    seal = SelectField(_l("印章"), coerce=int, choices=[])
    used_on = DateField(_l("用印日期"), validators=[DataRequired(_l("请填写用印日期。"))])
    purpose = StringField(_l("用印事由"), validators=[DataRequired(_l("请填写用印事由。")), Length(max=200)])
    document = StringField(_l("文件名称"), validators=[DataRequired(_l("请填写文件名称。")), Length(max=200)])
    copies = IntegerField(_l("份数"), default=1, validators=[
        DataRequired(_l("请填写份数（至少1份）。")), NumberRange(min=1, max=10000, message=_l("份数须在1到10000之间。"))])
    applicant = StringField(_l("申请人"), validators=[DataRequired(_l("请填写申请人。"))] + NAME)
    approver = StringField(_l("审批人"), validators=[Optional()] + NAME)
    handler = StringField(_l("经办人"), validators=[Optional()] + NAME)
    matter = SelectField(_l("事项类别"), choices=[(k, _l(v)) for k, v in MATTERS.items()])
    certificate = SelectField(_l("开具证明（不是证明可不选）"), choices=[], validate_choice=False)
    decision = SelectField(_l("决策依据（借款、担保、工程、资产、土地须选）"), choices=[], validate_choice=False)
    left_office = BooleanField(_l("印章带出办公室"))
    client_key = HiddenField()  # one per form shown: a double tap records once


class SealForm(FlaskForm):
    name = StringField(_l("印章名称"), validators=[DataRequired(_l("请填写印章名称。")), Length(max=80)])
    kind = SelectField(_l("类别"), choices=[(k, _l(v)) for k, v in SEAL_KINDS.items()])
    keeper = StringField(_l("保管人"), validators=[DataRequired(_l("请填写保管人。"))] + NAME)
    approver = StringField(_l("审批人"), validators=[DataRequired(_l("请填写审批人。"))] + NAME)


class StatusForm(FlaskForm):
    step = SelectField(_l("变更为"), choices=[("suspend", _l("暂停使用")), ("resume", _l("恢复使用")),
                                           ("report_lost", _l("已遗失")), ("destroy", _l("已销毁"))])
    date = DateField(_l("日期"), validators=[Optional()])
    reason = StringField(_l("原因"), validators=[DataRequired(_l("请填写原因。")), Length(max=200)])


class HandoverForm(FlaskForm):
    to_keeper = StringField(_l("接交人"), validators=[DataRequired(_l("请填写接交人。"))] + NAME)
    witness = StringField(_l("监交人"), validators=[DataRequired(_l("请填写监交人。"))] + NAME)
    handed_on = DateField(_l("移交日期"), validators=[Optional()])
    impression = FileField(_l("印模图片（JPEG或PNG）"))
