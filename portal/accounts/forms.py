"""Forms for signing in and for the admin's user page (CSRF through Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.models import ROLE_NAMES


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名。"), Length(max=32, message="用户名太长。")])
    password = PasswordField("密码", validators=[DataRequired("请填写密码。"), Length(max=128, message="密码太长。")])


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名。"), Length(2, 32, "用户名须为2–32位。")])
    display_name = StringField("显示名称", validators=[Optional(), Length(max=32, message="显示名称太长。")])
    role = SelectField("角色", choices=list(ROLE_NAMES.items()))
    unit = StringField("所属单位代码", validators=[Optional(), Length(max=12, message="单位代码为12位数字。")])
    password = PasswordField("初始密码", validators=[Optional(), Length(8, 128, "密码长度须为8–128位。")])
