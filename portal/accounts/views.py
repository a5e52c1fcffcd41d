"""Sign in and out."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from portal.accounts.forms import LoginForm
from portal.accounts.services import LoginThrottled, authenticate, close_session, open_session, user_for_session
from portal.core.security import safe_next
from portal.core.extensions import login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def _load_user(user_id):
    """The session's user only while the server still has the session open (see LoginSession)."""
    return user_for_session(user_id, session.get("sid"))


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
            session.clear()  # nothing from before sign-in is carried into the new session
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            session["sid"] = open_session(user)
            login_user(user)
            flash(_("欢迎，%(name)s。", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        flash(_("用户名或密码不正确。"), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out here and on the server: a copy of the cookie stops working too."""
    close_session(session.get("sid"))
    logout_user()
    session.pop("sid", None)
    flash(_("您已退出登录。"), "success")
    return redirect(url_for("home.index"))
