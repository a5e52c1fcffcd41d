"""Admin pages: the administrative tree and users (admin role only)."""
import functools

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.forms import UserForm
from portal.accounts.models import User
from portal.accounts.services import create_user, set_active
from portal.core.errors import ValidationError
from portal.core.permissions import can
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


class ToggleForm(FlaskForm):
    pass


def admin_required(action):
    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def submit(form, write, success_endpoint):
    """Run ``write()`` for a valid POST and redirect; otherwise flash why and give the status
    to re-show the form with (200 for GET, 400 for refused input). Returns (redirect or None, status)."""
    if request.method != "POST":
        return None, 200
    if form.validate_on_submit():
        try:
            flash(write(), "success")
            return redirect(url_for(success_endpoint)), 302
        except ValidationError as exc:
            flash(_(exc.message), "error")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return None, 400


@bp.route("/units", methods=["GET", "POST"])
@admin_required("admin.units")
def units():
    """The tree with a form to add a unit; bad input re-shows the form with a message."""
    form = UnitForm()

    def write():
        unit = create_unit(current_user, form.code.data, form.name.data, form.level.data,
                           form.parent.data, form.contact_name.data, form.contact_phone.data)
        return _("已添加：%(name)s", name=unit.name)

    done, status = submit(form, write, "admin.units")
    if done:
        return done
    all_units = sorted(Unit.select(), key=lambda u: u.path)
    return render_template("admin/units.html", form=form, units=all_units), status


@bp.route("/units/<code>", methods=["GET", "POST"])
@admin_required("admin.units")
def unit_contact(code):
    """Change a unit's public contact (e.g. a new grid worker); audited like every public change."""
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        abort(404)
    form = ContactForm(obj=unit)

    def write():
        update_contact(current_user, unit, form.contact_name.data, form.contact_phone.data)
        return _("已更新：%(name)s", name=unit.name)

    done, status = submit(form, write, "admin.units")
    if done:
        return done
    return render_template("admin/unit_contact.html", form=form, unit=unit), status


@bp.route("/users", methods=["GET", "POST"])
@admin_required("admin.users")
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
                flash(_(exc.message), "error")
        else:
            for errors in form.errors.values():
                for message in errors:
                    flash(message, "error")
    rows = User.select().order_by(User.role, User.username)
    response = render_template("admin/users.html", form=form, users=rows, toggle=ToggleForm(), created=created)
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/users/<int:user_id>/toggle")
@admin_required("admin.users")
def toggle_user(user_id):
    """Enable or disable a user (an admin cannot disable themself)."""
    form = ToggleForm()
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("不能停用自己的账号。"), "error")
    else:
        set_active(user, not user.active)
        flash(_("已启用 %(user)s", user=user.username) if user.active else _("已停用 %(user)s", user=user.username),
              "success")
    return redirect(url_for("admin.users"))
