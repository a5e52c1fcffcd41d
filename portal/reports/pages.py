"""The reporter's pages: 我要举报 (file), the receipt shown once, and 查询进展 with the receipt.

The blueprint is untraced (``portal.core.privacy``): no address, user agent or
exact time of these requests is logged. Pages carrying a receipt or a report's
text are sent with ``Cache-Control: no-store`` and never put the receipt in a
URL or the session cookie; the receipt page is the POST's answer, not a redirect.
"""
from flask import Blueprint, make_response, render_template, request
from flask_babel import gettext as _

from portal.core.api import localized
from portal.core.errors import PortalError
from portal.core.privacy import untraced
from portal.reports import filing
from portal.reports.forms import AddForm, FileForm, ReceiptForm
from portal.reports.proofs import filing_proof
from portal.units.models import Unit

bp = untraced(Blueprint("reports", __name__, url_prefix="/reports"))


def _private(html, status=200):
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def unit_choices():
    """Townships and their villages in tree order, for the unit list."""
    rows = Unit.select().where(Unit.level.in_(("township", "village"))).order_by(Unit.path)
    return [("", _("请选择"))] + [(u.code, ("　" if u.level == "village" else "") + u.name) for u in rows]


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The filing form (``?unit=`` preselects the village); on success the receipt page, shown once."""
    form = FileForm()
    form.unit.choices = unit_choices()
    if request.method == "GET" and request.args.get("unit"):
        form.unit.data = request.args.get("unit")[:12]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            files = [(f.filename, f.read()) for f in request.files.getlist(form.attachments.name) if f.filename]
            identity = {"name": form.identity_name.data, "contact": form.identity_contact.data}
            try:
                receipt = filing.file_report(form.unit.data, form.text.data, identity, files)
            except PortalError as exc:
                form.form_errors.append(localized(exc.template, exc.params))
                status = exc.status if exc.status != 404 else 400
            else:
                return _private(render_template("reports/receipt.html", receipt=filing.receipt_text(receipt)), 201)
        else:
            status = 400
    return _private(render_template("reports/new.html", form=form), status)


def _show(receipt, add_form=None, status=200, unlocked=None):
    """The status page for a receipt (``unlocked``: the (report, key) a caller already has)."""
    report, private = unlocked or filing.unlock_by_receipt(receipt)
    view = filing.reporter_view(report, private)
    add_form = add_form or AddForm(formdata=None)
    add_form.receipt.data = filing.receipt_text(filing.normalize_receipt(receipt))
    return _private(render_template("reports/status.html", view=view, add_form=add_form,
                                    proof=filing_proof(report)), status)


@bp.route("/check", methods=["GET", "POST"])
def check():
    """Enter the receipt → the status, the replies, the proof of filing and a form to add material."""
    form = ReceiptForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                return _show(form.receipt.data)
            except PortalError as exc:
                form.receipt.errors = [localized(exc.template, exc.params)]
                status = exc.status
        else:
            status = 400
    return _private(render_template("reports/check.html", form=form), status)


@bp.post("/check/add")
def add():
    """Add material with the receipt; the status page again."""
    form = AddForm()
    if not form.validate_on_submit():
        check_form = ReceiptForm(formdata=None)
        check_form.receipt.errors = [_("请写下补充内容。")]
        return _private(render_template("reports/check.html", form=check_form), 400)
    try:
        unlocked = filing.add_material(form.receipt.data, form.text.data)
    except PortalError as exc:
        if exc.code in ("bad_receipt", "wrong_receipt", "too_many_attempts"):
            check_form = ReceiptForm(formdata=None)
            check_form.receipt.errors = [localized(exc.template, exc.params)]
            return _private(render_template("reports/check.html", form=check_form), exc.status)
        form.text.errors = [localized(exc.template, exc.params)]
        return _show(form.receipt.data, add_form=form, status=400)
    return _show(form.receipt.data, unlocked=unlocked)
