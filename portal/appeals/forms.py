"""The appeal pages' forms (CSRF through Flask-WTF); the services check every value again."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.appeals.limits import CATEGORIES


class FileForm(FlaskForm):
    category = SelectField(_l("问题类别"), choices=[(k, _l(v[0])) for k, v in CATEGORIES.items()])
    grid = SelectField(_l("所在网格"), choices=[], validate_choice=False)
    text = TextAreaField(_l("反映的问题"), validators=[DataRequired(_l("请写下要反映的问题。")),
                                                 Length(max=2000, message=_l("诉求内容不能超过2000个字。"))])
    place = StringField(_l("具体位置（只给办理人员看）"), validators=[Optional(), Length(max=120)])
    urgent = BooleanField(_l("紧急（危及安全，需要马上处理）"))
    photos = MultipleFileField(_l("照片（最多6张，位置信息会被去除）"))
    behalf_name = StringField(_l("代办：群众姓名"), validators=[Optional(), Length(max=32)])
    behalf_phone = StringField(_l("代办：联系电话"), validators=[Optional(), Length(max=20)])
    idempotency_key = HiddenField()


class RateForm(FlaskForm):
    satisfied = SelectField(_l("您对办理结果"), choices=[("satisfied", _l("满意")), ("basic", _l("基本满意")),
                                                   ("unsatisfied", _l("不满意"))])
    comment = TextAreaField(_l("意见（可不填）"), validators=[Optional(), Length(max=500)])
    receipt = StringField(_l("回执码（匿名反映时）"), validators=[Optional(), Length(max=20)])


class FollowForm(FlaskForm):
    receipt = StringField(_l("回执码（16位数字）"), validators=[DataRequired(_l("请输入回执码。")), Length(max=20)])


class StepForm(FlaskForm):
    """A handler's step: the note, the unit and department it goes to, the outcome, result photos."""
    note = TextAreaField(_l("说明 / 答复"), validators=[Optional(), Length(max=2000)])
    to = SelectField(_l("分办到"), choices=[], validate_choice=False)
    department = StringField(_l("部门（可不填）"), validators=[Optional(), Length(max=64)])
    outcome = SelectField(_l("办理结果"), default="fixed",
                          choices=[("fixed", _l("已解决")), ("unfixed", _l("未能解决（说明原因）"))])
    photos = MultipleFileField(_l("办理结果照片"))
