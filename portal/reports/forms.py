"""Forms of the reports pages (CSRF through Flask-WTF; the services check everything again)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class FileForm(FlaskForm):
    unit = SelectField(_l("被举报对象所在的村（社区）或乡镇"), validate_choice=False,
                       validators=[DataRequired(_l("请选择村（社区）或乡镇。"))])
    text = TextAreaField(_l("举报内容"), validators=[DataRequired(_l("请写下举报内容。")),
                                                   Length(max=5000, message=_l("举报内容不能超过5000字。"))])
    attachments = MultipleFileField(_l("证据材料（照片或PDF，最多3个，每个不超过10MB，合计不超过20MB）"))
    identity_name = StringField(_l("您的姓名（可不填）"), validators=[Optional(), Length(max=50)])
    identity_contact = StringField(_l("联系方式（可不填）"), validators=[Optional(), Length(max=100)])


class ReceiptForm(FlaskForm):
    receipt = StringField(_l("回执码（16位数字）"), validators=[DataRequired(_l("请输入回执码。")), Length(max=40)])


class AddForm(FlaskForm):
    receipt = StringField(validators=[DataRequired(), Length(max=40)])
    text = TextAreaField(_l("补充内容"), validators=[DataRequired(_l("请写下补充内容。")), Length(max=5000)])


class PassphraseForm(FlaskForm):
    passphrase = PasswordField(_l("举报密钥口令"), validators=[DataRequired(_l("请输入口令。")), Length(max=200)])


class NewPassphraseForm(FlaskForm):
    passphrase = PasswordField(_l("设置举报密钥口令（至少10个字符）"),
                               validators=[DataRequired(_l("请输入口令。")), Length(10, 200, _l("口令须为10–200个字符。"))])
    again = PasswordField(_l("再输入一次"), validators=[DataRequired(_l("请再输入一次口令。"))])


class ChangePassphraseForm(FlaskForm):
    old = PasswordField(_l("现在的口令"), validators=[DataRequired(_l("请输入现在的口令。")), Length(max=200)])
    passphrase = PasswordField(_l("新口令（至少10个字符）"),
                               validators=[DataRequired(_l("请输入新口令。")), Length(10, 200, _l("口令须为10–200个字符。"))])
    again = PasswordField(_l("再输入一次新口令"), validators=[DataRequired(_l("请再输入一次新口令。"))])


class TextForm(FlaskForm):
    text = TextAreaField(_l("内容"), validators=[DataRequired(_l("请填写内容。")), Length(max=5000)])


class LinkForm(FlaskForm):
    campaign = StringField(_l("专项整治编号"), validators=[Optional(), Length(max=15)])
    followup = StringField(_l("督办编号"), validators=[Optional(), Length(max=15)])


class GrantForm(FlaskForm):
    to = StringField(_l("授权给（纪检监察人员用户名）"), validators=[DataRequired(_l("请填写用户名。")), Length(max=32)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("申请理由"), validators=[DataRequired(_l("请填写理由。")), Length(max=200)])
