"""Forms for signing in and for the admin's user page (CSRF through Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.models import ROLE_NAMES


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请填写用户名。")), Length(max=32, message=_l("用户名太长。"))])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。")), Length(max=128, message=_l("密码太长。"))])


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请填写用户名。")), Length(2, 32, _l("用户名须为2–32位。"))])
    display_name = StringField(_l("显示名称"), validators=[Optional(), Length(max=32, message=_l("显示名称太长。"))])
    role = SelectField(_l("角色"), choices=[(k, _l(v)) for k, v in ROLE_NAMES.items()])
    unit = StringField(_l("所属单位代码"), validators=[Optional(), Length(max=12, message=_l("单位代码为12位数字。"))])
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(8, 128, _l("密码长度须为8–128位。"))])
