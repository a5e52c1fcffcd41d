"""Pages that write: the clerk drafts, edits, attaches, publishes, corrects and
withdraws; the supervisor approves or sends back and moderates objections;
residents object. Each POST checks CSRF, calls one service and redirects;
a refusal re-shows the page with the service's Chinese message and writes nothing.
"""
import functools

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.errors import PortalError, ValidationError
from portal.core.i18n import N_
from portal.core.permissions import can
from portal.publications.audit_trail import trusted_text
from portal.publications import attachments, objections, powers, services
from portal.publications.blueprint import bp
from portal.core.money import amount_text
from portal.publications.forms import (ActionForm, CorrectionForm, DraftForm, ModerateForm, ReasonForm,
                                       StepForm, TextForm, UploadForm)
from portal.publications.models import Attachment
from portal.publications.pages import readable, village_or_404
from portal.publications.queries import staff_queue
from portal.publications.serialize import masking_preview


def _to_detail(pub):
    return redirect(url_for("publications.detail", pub_id=pub.id))


def post_action(form_class):
    """Decorate a POST handler: sign-in, CSRF through ``form_class``, refusals flashed."""
    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(pub_id, **kwargs):
            form = form_class()
            if not form.validate_on_submit():
                abort(400)
            pub = readable(pub_id)
            try:
                return view(pub, form, **kwargs)
            except PortalError as exc:
                flash(_(exc.message), "error")
                return _to_detail(pub)
        return wrapped
    return decorate


def _draft_data(form):
    return {k: form[k].data for k in ("title", "category", "power", "period_start", "period_end", "amount",
                                      "decided_on", "body")}


@bp.get("/v/<code>/publications/work")
@login_required
def work(code):
    """The village's drafts awaiting review or publication (clerk, supervisor)."""
    village = village_or_404(code)
    if not can(current_user, "publication.view_draft", village):
        abort(403)
    rows = staff_queue(village)
    # The review list says, per draft, what masking will hide, mistyped ID numbers included.
    masking = {pub.id: masking_preview(pub) for pub in rows}
    return render_template("publications/work.html", village=village, rows=rows, masking=masking)


@bp.route("/v/<code>/publications/new", methods=["GET", "POST"])
@login_required
def new(code):
    """The clerk's draft form; refusals keep what was typed and say why."""
    village = village_or_404(code)
    if not can(current_user, "publication.draft", village):
        abort(403)
    form = DraftForm().with_powers(powers.power_list())
    status = 200
    if form.validate_on_submit():
        try:
            pub = services.create_draft(current_user, village, _draft_data(form))
            flash(_("草稿已保存，请核对脱敏预览后提交审核。"), "success")
            return _to_detail(pub)
        except PortalError as exc:
            flash(_(exc.message), "error")
            status = 400
    elif request.method == "POST":
        flash(_("页面已过期，请刷新后重试。"), "error")
        status = 400
    return render_template("publications/form.html", form=form, village=village, heading=N_("起草公开")), status


@bp.route("/p/<int:pub_id>/edit", methods=["GET", "POST"])
@login_required
def edit(pub_id):
    """Edit a draft or a sent-back draft."""
    pub = readable(pub_id)
    if not can(current_user, "publication.draft", pub.village):
        abort(403)
    form = DraftForm(obj=None if request.method == "POST" else _prefill(pub)).with_powers(powers.power_list())
    status = 200
    if form.validate_on_submit():
        try:
            services.update_draft(current_user, pub, _draft_data(form))
            flash(_("草稿已修改，等待审核。"), "success")
            return _to_detail(pub)
        except PortalError as exc:
            flash(_(exc.message), "error")
            status = 400
    return render_template("publications/form.html", form=form, village=pub.village, pub=pub,
                           heading=N_("修改草稿")), status


class _Prefill:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _prefill(pub, text=None):
    title, body = text or (pub.title, pub.body)
    return _Prefill(title=title, category=pub.category, power=pub.power_id or "", body=body,
                    period_start=pub.period_start.isoformat() if pub.period_start else "",
                    period_end=pub.period_end.isoformat() if pub.period_end else "",
                    amount=amount_text(pub.amount) or "",
                    decided_on=pub.decided_on.isoformat() if pub.decided_on else "",
                    correction_note="")


@bp.route("/p/<int:pub_id>/correct", methods=["GET", "POST"])
@login_required
def correct(pub_id):
    """Start a correction: a new version of a published record, reviewed like any draft."""
    pub = readable(pub_id)
    if not can(current_user, "publication.correct", pub.village):
        abort(403)
    form = CorrectionForm(obj=None if request.method == "POST" else _prefill(pub, trusted_text(pub))) \
        .with_powers(powers.power_list())
    status = 200
    if form.validate_on_submit():
        try:
            data = dict(_draft_data(form), correction_note=form.correction_note.data)
            new_version = services.correct(current_user, pub, data)
            flash(_("更正稿已保存，审核通过并公开后将取代原版本。"), "success")
            return _to_detail(new_version)
        except PortalError as exc:
            flash(_(exc.message), "error")
            status = 400
    return render_template("publications/form.html", form=form, village=pub.village, pub=pub,
                           heading=N_("更正已公开的记录"), correcting=True), status


@bp.post("/p/<int:pub_id>/approve")
@post_action(ActionForm)
def approve(pub, form):
    services.approve(current_user, pub)
    flash(_("已审核通过，发布员可以公开。"), "success")
    return _to_detail(pub)


@bp.post("/p/<int:pub_id>/send-back")
@post_action(ReasonForm)
def send_back(pub, form):
    services.send_back(current_user, pub, form.reason.data)
    flash(_("已退回发布员修改。"), "success")
    return _to_detail(pub)


@bp.post("/p/<int:pub_id>/publish")
@post_action(ActionForm)
def publish(pub, form):
    services.publish(current_user, pub)
    flash(_("已公开，并写入审计日志。"), "success")
    return _to_detail(pub)


@bp.post("/p/<int:pub_id>/withdraw")
@post_action(ReasonForm)
def withdraw(pub, form):
    services.withdraw(current_user, pub, form.reason.data)
    flash(_("已撤回；记录仍可查阅，并标注为已撤回。"), "success")
    return _to_detail(pub)


@bp.post("/p/<int:pub_id>/attachments")
@post_action(UploadForm)
def upload(pub, form):
    file = form.file.data
    if file is None or not getattr(file, "filename", ""):
        raise ValidationError("missing_file", N_("请选择要上传的文件。"))
    data = file.read(attachments.max_bytes() + 1)
    attachments.add_attachment(current_user, pub, file.filename, data)
    flash(_("附件已上传。"), "success")
    return _to_detail(pub)


@bp.post("/p/<int:pub_id>/attachments/<int:att_id>/delete")
@post_action(ActionForm)
def delete_attachment(pub, form, att_id):
    att = Attachment.get_or_none((Attachment.id == att_id) & (Attachment.publication == pub))
    if att is None:
        abort(404)
    attachments.remove_attachment(current_user, att)
    flash(_("附件已删除。"), "success")
    return _to_detail(pub)


@bp.post("/p/<int:pub_id>/steps")
@post_action(StepForm)
def record_step(pub, form):
    powers.record_step(current_user, pub, request.form.get("step"), form.done_on.data, form.note.data)
    flash(_("步骤已登记。"), "success")
    return _to_detail(pub)


@bp.post("/p/<int:pub_id>/objections")
@post_action(TextForm)
def lodge(pub, form):
    objections.lodge(current_user, pub, form.text.data)
    flash(_("异议已提交，经村务监督委员会审核后公开。"), "success")
    return _to_detail(pub)


@bp.post("/p/<int:pub_id>/objections/<int:obj_id>/moderate")
@post_action(ModerateForm)
def moderate(pub, form, obj_id):
    obj = _objection_of(pub, obj_id)
    objections.moderate(current_user, obj, request.form.get("decision") == "show", form.note.data)
    flash(_("异议已审核。"), "success")
    return _to_detail(pub)


@bp.post("/p/<int:pub_id>/objections/<int:obj_id>/answer")
@post_action(TextForm)
def answer(pub, form, obj_id):
    objections.answer(current_user, _objection_of(pub, obj_id), form.text.data)
    flash(_("答复已公开。"), "success")
    return _to_detail(pub)


def _objection_of(pub, obj_id):
    obj = objections.get_objection(obj_id)
    if obj.publication_id != pub.id:
        abort(404)
    return obj
