"""Inspectors' pages: set the passphrase, unlock for the session, the inbox, one report and its acts.

The unlocked private key lives in the app's ``Keyring`` (server memory) under
the signed-in session's id, forgotten at sign-out and after 30 minutes idle.
Each page that shows content writes its audit entry (``inspection``).
"""
from urllib.parse import quote

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.api import int_arg, localized
from portal.core.errors import PortalError
from portal.core.forms import ButtonForm, action_required, flash_form_errors, submit
from portal.core.i18n import N_
from portal.reports import filing, inspection, keys
from portal.reports.forms import (ChangePassphraseForm, GrantForm, LinkForm, NewPassphraseForm, PassphraseForm,
                                  ReasonForm, TextForm)
from portal.reports.models import STATUSES

bp = Blueprint("reports_staff", __name__, url_prefix="/inspect/reports")
KEYRING = "reports_keyring"


def keyring(app=None):
    return (app or current_app).extensions[KEYRING]


def unlocked_key():
    return keyring().get(session.get("sid"), current_user.id)


@bp.route("", methods=["GET"])
@action_required("report.inspect")
def inbox():
    """The reports of the inspector's scope (metadata only) with the unlock or set-passphrase form."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    page = int_arg("page", 1, minimum=1, maximum=100000)
    rows, held, total = inspection.inbox(current_user, status, page)
    return render_template("reports/inbox.html", rows=rows, held=held, total=total, page=page, status=status,
                           statuses=STATUSES, has_key=keys.key_of(current_user) is not None,
                           unlocked=unlocked_key() is not None, unlock_form=PassphraseForm(),
                           new_form=NewPassphraseForm(), change_form=ChangePassphraseForm(),
                           pages=max(1, -(-total // inspection.PER_PAGE)))


def _new_passphrase(form):
    if form.passphrase.data != form.again.data:
        raise PortalError("passphrase_mismatch", "两次输入的口令不一致。")
    return form.passphrase.data


@bp.post("/passphrase")
@action_required("report.inspect")
def set_passphrase():
    """First use: create the inspector's key pair under a passphrase only they know."""
    form = NewPassphraseForm()

    def write():
        keys.set_passphrase(current_user, _new_passphrase(form))
        return _("举报密钥已生成。口令不会被保存，忘记口令将无法解密举报，请牢记。")
    response, _status = submit(form, write, url_for(".inbox"), refused_to=url_for(".inbox"))
    return response


@bp.post("/passphrase/change")
@action_required("report.inspect")
def change_passphrase():
    """A new passphrase for the same key: every report stays readable, the old passphrase stops working."""
    form = ChangePassphraseForm()

    def write():
        keys.change_passphrase(current_user, form.old.data, _new_passphrase(form))
        return _("口令已更改。以后解锁请用新口令。")
    response, _status = submit(form, write, url_for(".inbox"), refused_to=url_for(".inbox"))
    return response


@bp.post("/unlock")
@action_required("report.inspect")
def unlock():
    """Unlock the private key for this session (held in server memory only); a wrong passphrase says so."""
    form = PassphraseForm()
    target = request.args.get("next") if (request.args.get("next") or "").startswith("/inspect/reports") else None
    if form.validate_on_submit():
        try:
            keyring().put(session.get("sid"), current_user.id, keys.unlock(current_user, form.passphrase.data))
        except PortalError as exc:
            flash(localized(exc.template, exc.params), "error")
        else:
            flash(_("已解锁。30分钟无操作或退出登录后自动锁定。"), "success")
    else:
        flash_form_errors(form)
    return redirect(target or url_for(".inbox"))


@bp.post("/lock")
@action_required("report.inspect")
def lock():
    keyring().forget(session.get("sid"), current_user.id)
    flash(_("已锁定。"), "success")
    return redirect(url_for(".inbox"))


@bp.get("/<int:report_id>")
@action_required("report.inspect")
def detail(report_id):
    """One report: decrypted when unlocked and held (an audit entry per opening), else why not."""
    report = inspection.get_report(current_user, report_id)
    private = unlocked_key()
    opened, refusal = None, None
    if private is not None:
        try:
            opened = inspection.open_report(current_user, report_id, private)
        except PortalError as exc:
            refusal = localized(exc.template, exc.params)
    reveals = inspection.pending_reveals(report)
    return render_template("reports/detail.html", report=report, opened=opened, refusal=refusal,
                           unlocked=private is not None, unlock_form=PassphraseForm(), reply_form=TextForm(prefix="r"),
                           close_form=TextForm(prefix="c"), link_form=LinkForm(), grant_form=GrantForm(),
                           reason_form=ReasonForm(), button=ButtonForm(), holders=inspection.holders(report), reveals=reveals,
                           identity=None, holds=inspection.wrap_of(report, current_user) is not None)


@bp.get("/<int:report_id>/export.txt")
@action_required("report.inspect")
def export(report_id):
    """The report as a text file for the case file (an export: audited)."""
    text = inspection.export_text(current_user, report_id, unlocked_key())
    response = Response(text, mimetype="text/plain; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename=report-{report_id}.txt"
    response.headers["Cache-Control"] = "no-store"
    return response


def _act(report_id, form, write, message):
    """Handle an act's form: ``write()`` calls the service, then ``message`` is shown; a refusal
    (a locked key included) is shown on the report's page."""
    here = url_for(".detail", report_id=report_id)

    def run():
        write()
        return _(message)
    try:
        response, _status = submit(form, run, here, refused_to=here)
    except PortalError as exc:
        if exc.status == 404:
            raise
        flash(localized(exc.template, exc.params), "error")
        return redirect(here)
    return response


@bp.post("/<int:report_id>/reply")
@action_required("report.inspect")
def reply(report_id):
    """A reply the reporter reads with the receipt."""
    form = TextForm(prefix="r")
    return _act(report_id, form, lambda: inspection.reply(current_user, report_id, form.text.data, unlocked_key()),
                N_("回复已发送，举报人凭回执码可以看到。"))


@bp.post("/<int:report_id>/close")
@action_required("report.inspect")
def close(report_id):
    """Close with a conclusion; deletion falls due after the county's retention period."""
    form = TextForm(prefix="c")
    return _act(report_id, form, lambda: inspection.close(current_user, report_id, form.text.data, unlocked_key(),
                                                          filing.settings().retention_days),
                N_("已办结，办结结论已告知举报人。"))


@bp.post("/<int:report_id>/link")
@action_required("report.inspect")
def link(report_id):
    """Link to a campaign (点题整治) or a follow-up (督办) by id."""
    form = LinkForm()
    return _act(report_id, form, lambda: inspection.link(current_user, report_id, form.campaign.data or None,
                                                         form.followup.data or None), N_("已关联。"))


@bp.post("/<int:report_id>/grant")
@action_required("report.inspect")
def grant(report_id):
    """Give an inspector in scope access (audited)."""
    form = GrantForm()
    return _act(report_id, form, lambda: inspection.grant(current_user, report_id, form.to.data.strip(),
                                                          unlocked_key()), N_("已授权，并记入审计日志。"))


@bp.post("/<int:report_id>/revoke")
@action_required("report.inspect")
def revoke(report_id):
    """Take a grant back (audited)."""
    form = GrantForm()
    return _act(report_id, form, lambda: inspection.revoke(current_user, report_id, form.to.data.strip()),
                N_("已收回访问权限，并记入审计日志。"))


@bp.post("/<int:report_id>/identity/request")
@action_required("report.inspect")
def identity_request(report_id):
    """Ask to see the reporter's identity; another inspector must approve."""
    form = ReasonForm()
    return _act(report_id, form, lambda: inspection.request_identity(current_user, report_id, form.reason.data,
                                                                     unlocked_key()),
                N_("已申请，须另一名纪检监察人员批准。"))


@bp.post("/<int:report_id>/identity/<int:request_id>/approve")
@action_required("report.inspect")
def identity_approve(report_id, request_id):
    """A second inspector approves another's request, handing over their key share (two-person rule)."""
    form = ButtonForm()
    return _act(report_id, form, lambda: inspection.approve_identity(current_user, report_id, request_id,
                                                                     unlocked_key()), N_("已批准。"))


@bp.post("/<int:report_id>/identity/view")
@action_required("report.inspect")
def identity_view(report_id):
    """The reporter's identity, after another inspector approved (audited)."""
    try:
        who = inspection.view_identity(current_user, report_id, unlocked_key())
    except PortalError as exc:
        if exc.status == 404:
            raise
        flash(localized(exc.template, exc.params), "error")
        return redirect(url_for(".detail", report_id=report_id))
    report = inspection.get_report(current_user, report_id)
    response = Response(render_template("reports/identity.html", report=report, who=who))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:report_id>/attachments/<int:position>")
@action_required("report.inspect")
def attachment(report_id, position):
    """Download one attachment (an export: audited)."""
    name, mime, data = inspection.attachment(current_user, report_id, position, unlocked_key())
    response = Response(data, mimetype=mime)
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(name)
    response.headers["Cache-Control"] = "no-store"
    return response

