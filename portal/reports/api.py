"""Reports' JSON API (the fixed points in API.md "Reports").

Two blueprints on one prefix: ``reporter_bp`` (no token; marked untraced, so no
address, user agent or exact time of these requests is kept anywhere) and
``inspector_bp`` (bearer token of an inspector; the passphrase travels in each
body that needs the key, which is unlocked for that request and dropped).
"""
from flask import Blueprint, jsonify, request

from portal.core.api import api_user, int_arg, json_body, localized, pages_for, register_api_errors, token_required
from portal.core.clock import iso
from portal.core.errors import ValidationError
from portal.core.i18n import N_
from portal.core.privacy import untraced
from portal.reports import filing, inspection
from portal.reports.keys import unlock
from portal.reports.models import STATUSES
from portal.reports.proofs import filing_proof

reporter_bp = untraced(Blueprint("reports_api", __name__, url_prefix="/api/v1/reports"))
inspector_bp = Blueprint("reports_inspector_api", __name__, url_prefix="/api/v1/reports")
register_api_errors(reporter_bp)
register_api_errors(inspector_bp)


def _uploads():
    return [(f.filename, f.read()) for f in request.files.getlist("attachments")]


@reporter_bp.post("")
def file_report():
    """File a report (JSON, or multipart with ``attachments``) → 201 ``{"receipt"}``; nothing kept of the sender."""
    if request.mimetype == "multipart/form-data":
        data = request.form.to_dict()
        if data.get("identity_name") or data.get("identity_contact"):
            data["identity"] = {"name": data.get("identity_name"), "contact": data.get("identity_contact")}
        campaign = data.get("campaign")
        data["campaign"] = int(campaign) if campaign and campaign.isdigit() and len(campaign) < 15 else campaign or None
        files = _uploads()
    else:
        data, files = json_body(), []
    receipt = filing.file_report(data.get("unit"), data.get("text"), data.get("identity"), files,
                                 data.get("campaign"))
    return jsonify({"receipt": receipt, "receipt_text": filing.receipt_text(receipt),
                    "note": localized(N_("回执码只显示这一次，是您查询进展的唯一凭证，请抄写保存。"))}), 201


def reporter_json(report, view):
    return {"status": view["status"], "status_name": view["status_name"],
            "filed": iso(view["filed_hour"]),
            "replies": [{"kind": r["kind"], "text": r["text"], "at": iso(r["at"])} for r in view["replies"]],
            "added": [{"text": a["text"], "at": iso(a["hour"])} for a in view["added"]],
            "attachments": [{"name": a["name"], "size": a["size"]} for a in view["attachments"]],
            "proof": filing_proof(report)}


@reporter_bp.post("/lookup")
def lookup():
    """``{"receipt"}`` → status and replies; wrong receipts rate-limited per prefix and in total (429)."""
    data = json_body()
    report, private = filing.unlock_by_receipt(data.get("receipt"))
    return jsonify(reporter_json(report, filing.reporter_view(report, private)))


@reporter_bp.post("/lookup/add")
def lookup_add():
    """``{"receipt", "text"}``: add material to one's report → the updated view."""
    data = json_body()
    report, private = filing.add_material(data.get("receipt"), data.get("text"))
    return jsonify(reporter_json(report, filing.reporter_view(report, private))), 201


# -- inspectors -----------------------------------------------------------------------

def metadata(report, held):
    return {"id": report.id, "unit": report.unit_id, "unit_name": report.unit.name, "status": report.status,
            "status_name": report.status_name, "filed": iso(report.filed_hour), "campaign": report.campaign_id,
            "followup": report.followup_id, "identity_given": report.identity is not None,
            "can_open": report.id in held, "audit_index": report.audit_index,
            "expires_on": report.expires_on.isoformat() if report.expires_on else None}


@inspector_bp.get("")
@token_required
def inbox():
    """Reports in the inspector's scope: metadata only, never content."""
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise ValidationError("bad_status", N_("状态必须是 new、handling 或 closed。"))
    page = int_arg("page", 1, minimum=1, maximum=100000)
    rows, held, total = inspection.inbox(api_user(), status, page)
    return jsonify({"reports": [metadata(r, held) for r in rows], "page": page,
                    "pages": pages_for(total, inspection.PER_PAGE), "total": total})


def _key(data):
    return unlock(api_user(), data.get("passphrase"))


@inspector_bp.post("/<int:report_id>/open")
@token_required
def open_one(report_id):
    """``{"passphrase"}`` → the decrypted report; the opening is an audit entry (who, which report)."""
    data = json_body()
    user = api_user()
    inspection.get_report(user, report_id)  # out of scope: not_found before any key work
    opened = inspection.open_report(user, report_id, _key(data))
    return jsonify({**metadata(opened["report"], {report_id}), "text": opened["text"],
                    "attachments": opened["attachments"],
                    "messages": [{"kind": m["kind"], "text": m["text"], "at": iso(m["hour"])}
                                 for m in opened["messages"]],
                    "opened_audit_index": opened["audit_index"]})


def _acted(report_id, act):
    """Run ``act(user, data)`` on a report in scope; answer its metadata as it is now."""
    data = json_body()
    user = api_user()
    inspection.get_report(user, report_id)  # out of scope: not_found before any key work
    act(user, data)
    report = inspection.get_report(user, report_id)
    return jsonify(metadata(report, {report.id} if inspection.wrap_of(report, user) else set()))


@inspector_bp.post("/<int:report_id>/reply")
@token_required
def reply(report_id):
    """``{"passphrase", "text"}``: a reply the reporter reads with the receipt (audited)."""
    return _acted(report_id, lambda user, data: inspection.reply(user, report_id, data.get("text"), _key(data)))


@inspector_bp.post("/<int:report_id>/close")
@token_required
def close(report_id):
    """``{"passphrase", "conclusion"}``: close; deletion falls due after the county's retention period."""
    return _acted(report_id, lambda user, data: inspection.close(
        user, report_id, data.get("conclusion"), _key(data), filing.settings().retention_days))


@inspector_bp.post("/<int:report_id>/link")
@token_required
def link(report_id):
    """``{"campaign"?, "followup"?}``: join a campaign (点题整治) or a follow-up (督办) by id."""
    return _acted(report_id, lambda user, data: inspection.link(user, report_id, data.get("campaign"),
                                                                data.get("followup")))


@inspector_bp.post("/<int:report_id>/grant")
@token_required
def grant(report_id):
    """``{"passphrase", "to"}``: give an inspector in scope access (audited)."""
    return _acted(report_id, lambda user, data: inspection.grant(user, report_id, data.get("to"), _key(data)))


@inspector_bp.post("/<int:report_id>/revoke")
@token_required
def revoke(report_id):
    """``{"to"}``: take a grant back (audited)."""
    return _acted(report_id, lambda user, data: inspection.revoke(user, report_id, data.get("to")))
