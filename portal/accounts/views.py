"""Sign in and out."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.core.routing import to_id
from portal.accounts.forms import LoginForm
from portal.accounts.models import User
from portal.accounts.services import LoginThrottled, authenticate
from portal.extensions import login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def _load_user(user_id):
    if to_id(user_id) is None:
        return None
    return User.get_or_none(User.id == to_id(user_id))


def _safe_next(target):
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page; a wrong password or a throttled account gets a Chinese message."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr,
                                current_app.config["LOGIN_MAX_FAILURES"],
                                current_app.config["LOGIN_FAILURE_WINDOW"])
        except LoginThrottled:
            flash(_("登录失败次数过多，请15分钟后再试。"), "error")
            return render_template("accounts/login.html", form=form), 429
        if user is not None:
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            login_user(user)
            flash(_("欢迎，%(name)s。", name=user.display_name), "success")
            return redirect(_safe_next(request.args.get("next")))
        flash(_("用户名或密码不正确。"), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("您已退出登录。"), "success")
    return redirect(url_for("home.index"))
