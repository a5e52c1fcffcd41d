"""Admin pages: the administrative tree and users (admin role only)."""
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from audit.models import AuditKey
from portal.accounts.forms import UserForm
from portal.accounts.models import User
from portal.accounts.services import create_user, set_active
from portal.core.errors import ValidationError
from portal.core.forms import ButtonForm, action_required, flash_form_errors, show_refusal, submit
from portal.core.i18n import N_
from portal.home.workspace import action, panel, row
from portal.units.models import LEVEL_NAMES, LEVELS, Unit
from portal.units.services import create_unit, update_contact

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UnitForm(FlaskForm):
    code = StringField(_l("行政区划代码（12位）"), validators=[DataRequired(_l("请填写代码。")), Length(12, 12, _l("代码必须是12位数字。"))])
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称。")), Length(max=64, message=_l("名称不超过64个字。"))])
    level = SelectField(_l("层级"), choices=[(lv, _l(LEVEL_NAMES[lv])) for lv in LEVELS if lv != "county"])
    parent = StringField(_l("上级单位代码"), validators=[DataRequired(_l("请填写上级单位代码。")), Length(max=12)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=32, message=_l("联系人不超过32个字。"))])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20, message=_l("电话太长。"))])


class ContactForm(FlaskForm):
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=32, message=_l("联系人不超过32个字。"))])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20, message=_l("电话太长。"))])


@bp.route("/units", methods=["GET", "POST"])
@action_required("admin.units")
def units():
    """The tree with a form to add a unit; bad input re-shows the form with a message."""
    form = UnitForm()

    def write():
        unit = create_unit(current_user, form.code.data, form.name.data, form.level.data,
                           form.parent.data, form.contact_name.data, form.contact_phone.data)
        return _("已添加：%(name)s", name=unit.name)

    done, status = submit(form, write, url_for("admin.units"))
    if done:
        return done
    all_units = sorted(Unit.select(), key=lambda u: u.path)
    return render_template("admin/units.html", form=form, units=all_units), status


@bp.route("/units/<code>", methods=["GET", "POST"])
@action_required("admin.units")
def unit_contact(code):
    """Change a unit's public contact (e.g. a new grid worker); audited like every public change."""
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        abort(404)
    form = ContactForm(obj=unit)

    def write():
        update_contact(current_user, unit, form.contact_name.data, form.contact_phone.data)
        return _("已更新：%(name)s", name=unit.name)

    done, status = submit(form, write, url_for("admin.units"))
    if done:
        return done
    return render_template("admin/unit_contact.html", form=form, unit=unit), status


@bp.route("/users", methods=["GET", "POST"])
@action_required("admin.users")
def users():
    """Users with a form to add one. The initial password is shown once, in this page's
    answer to the POST (201), never in a flash: flashes live in the session cookie,
    which is signed but readable by whoever holds it."""
    form = UserForm()
    created, status = None, 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                created = create_user(form.username.data, form.role.data, form.unit.data or None,
                                      form.password.data or None, form.display_name.data or "")
                status = 201
                form = UserForm(formdata=None)
            except ValidationError as exc:
                show_refusal(form, exc)
        else:
            flash_form_errors(form)
    rows = User.select().order_by(User.role, User.username)
    response = render_template("admin/users.html", form=form, users=rows, toggle=ButtonForm(), created=created)
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/users/<int:user_id>/toggle")
@action_required("admin.users")
def toggle_user(user_id):
    """Enable or disable a user (an admin cannot disable themself)."""
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    users_page = url_for("admin.users")

    def write():
        if user.id == current_user.id:
            raise ValidationError("self_disable", N_("不能停用自己的账号。"))
        set_active(user, not user.active)
        return _("已启用 %(user)s", user=user.username) if user.active else _("已停用 %(user)s", user=user.username)

    return submit(ButtonForm(), write, users_page, users_page)[0]


def workspace_panels(user):
    """The admin's workspace: users, units, signing keys and where to manage each."""
    if user.role != "admin":
        return []
    users_n, units_n, keys_n = User.select().count(), Unit.select().count(), AuditKey.select().count()
    active = User.select().where(User.active).count()
    return [
        panel("users", N_("用户"), [row(_("在用 %(n)s 个，停用 %(m)s 个", n=active, m=users_n - active),
                                       url_for("admin.users"), action=action(_("管理用户"), url_for("admin.users")))],
              count=users_n),
        panel("units", N_("行政区划"), [row(_("县、乡镇（街道）、村（社区）、网格共 %(n)s 个", n=units_n),
                                           url_for("admin.units"), action=action(_("管理区划"), url_for("admin.units")))],
              count=units_n),
        panel("keys", N_("审计日志签名密钥"), [row(_("签名检查点与公钥"), url_for("audit.index"),
                                                 meta=_("私钥加密保存；公钥见审计日志页。"),
                                                 action=action(_("查看检查点"), url_for("audit.index")))],
              count=keys_n),
    ]
