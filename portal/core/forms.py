"""The one way a page handles a form: validate, call the service, say what happened.

Every page that writes follows the same steps (DESIGN.md §4, one write path):
Flask-WTF validates the POST (CSRF is checked before the view by CSRFProtect),
the view's ``write`` calls one service, and then either the success message
is flashed and the browser redirected, or the refusal is shown in Chinese —
on the field it concerns when the form has one, on the page otherwise — and
the page is re-shown with status 400 having written nothing. Pages with a
single button and no page of their own (approve, start a meeting) pass
``refused_to`` so that a refusal returns to the record's page instead.
"""
import functools

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from portal.core.api import localized
from portal.core.errors import PortalError
from portal.core.i18n import N_
from portal.core.permissions import can

STALE = N_("页面已过期，请刷新后重试。")


class Done:
    """What ``write`` may return instead of a bare message: the message and where to go next."""

    def __init__(self, message, to):
        self.message = message
        self.to = to


def flash_form_errors(form):
    """Flash each field's validation message; a form without field errors is stale."""
    messages = [str(m) for errors in form.errors.values() for m in errors]
    if not messages:
        flash(_(STALE), "error")
    for message in messages:
        flash(message, "error")


def show_refusal(form, exc):
    """Put a service's refusal on the field its code names (``bad_title``, ``decided_on_in_future``)
    and on the page, so the clerk sees both what went wrong and where."""
    message = localized(exc.template, exc.params)
    names = sorted((form._fields if form is not None else {}), key=len, reverse=True)
    field = next((name for name in names if name != "csrf_token" and name in exc.code), None)
    if field is not None:
        form._fields[field].errors = list(form._fields[field].errors or []) + [message]
    flash(message, "error")


def submit(form, write, done_to=None, refused_to=None):
    """Handle ``form`` for this request; returns ``(response, status)``.

    ``response`` is a redirect when the POST was handled (or refused with
    ``refused_to``); otherwise None, and the caller re-renders its page with
    ``status`` (200 for GET, 400 for refused input). ``write()`` calls the
    service and returns the success message, or a ``Done(message, url)``;
    ``done_to`` is the URL to go to when it returns a bare message.
    A ``PortalError`` with status 404 or 403 is raised on, to the error page.
    """
    if request.method != "POST":
        return None, 200
    if form.validate_on_submit():
        try:
            result = write()
        except PortalError as exc:
            if exc.status in (403, 404):
                raise
            show_refusal(form, exc)
        else:
            if not isinstance(result, Done):
                result = Done(result, done_to)
            if result.message:
                flash(result.message, "success")
            return redirect(result.to), 302
    else:
        flash_form_errors(form)
    if refused_to is not None:
        return redirect(refused_to), 302
    return None, 400


def action_required(action):
    """Decorate a page view: signed in (else the login page) and allowed ``action`` county-wide (else 403)."""
    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


class ButtonForm(FlaskForm):
    """A button that changes state (approve, start, disable): nothing but the CSRF token."""
