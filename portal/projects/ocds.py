"""OCDS 1.1.5: each public step's release, the compiled record (ocdsmerge), the packages.

A release is built when its step commits and frozen in ``Release`` (published data is not
rewritten); a release carries what its stage adds (OCDS partial releases) and the compiled
release is ``ocdsmerge``'s, the reference implementation, never our own merge. Bids follow the
bid extension (v1.1.5). Values are CNY.
"""
import copy
import functools
import json
import os

from flask import current_app, has_request_context, request

from portal.core.clock import aware, iso, utcnow
from portal.core.money import amount_text
from portal.core.personal_data import mask
from portal.projects.models import Bid
from portal.projects.settings import OCDS_METHOD, PROCEDURES

VERSION = "1.1"
BID_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
                 "v1.1.5/extension.json")
PUBLISHER = {"name": "阳光村务 · Sunlight Village Portal"}
# Which step publishes which release tag.
TAGS = {"create": "planning", "tender": "tender", "open": "tenderUpdate", "bid": "tenderUpdate",
        "evaluate": "tenderUpdate", "award": "award", "contract": "contract", "amend": "contractAmendment",
        "milestone": "implementation", "accept": "implementation", "pay": "implementation"}
SCHEMA_DIR = os.environ.get("OCDS_SCHEMA_DIR", "/work/shared/reference/ocds-1.1.5")


def value(amount):
    """An OCDS Value: a number (JSON has no decimal) rounded to fen, in CNY."""
    return {"amount": float(amount_text(amount)), "currency": "CNY"}


def _when(naive_utc):
    return iso(naive_utc)


def _day(date):
    return f"{date.isoformat()}T00:00:00+08:00" if date else None


def buyer_ref(project):
    return {"id": f"CN-ADM-{project.village_id}", "name": project.village.name}


def bidder_ref(bid):
    party = f"CN-USCC-{bid.credit_code}" if bid.credit_code else f"bidder-{bid.id}"
    return {"id": party, "name": mask(bid.bidder)}


def _party(ref, roles, bid=None):
    party = dict(ref, roles=roles)
    if bid is not None and bid.credit_code:
        party["identifier"] = {"scheme": "CN-USCC", "id": bid.credit_code, "legalName": mask(bid.bidder)}
    return party


def _buyer_party(project):
    return _party(buyer_ref(project), ["buyer", "procuringEntity"]) | {
        "address": {"region": project.village.parent.name if project.village.parent_id else "",
                    "countryName": "中国"}}


def _base(project, seq, tag, date):
    return {"ocid": project.ocid, "id": f"{project.ocid}-{seq:03d}-{tag}", "date": _when(date), "tag": [tag],
            "initiationType": "tender", "language": "zh", "buyer": buyer_ref(project)}


def site_url(path):
    """An absolute URL of the portal (the request's host, or ``PUBLIC_URL`` for the CLI and demo)."""
    if has_request_context():
        return request.host_url.rstrip("/") + path
    return current_app.config.get("PUBLIC_URL", "http://localhost").rstrip("/") + path


def _bid_detail(bid, with_status=True):
    out = {"id": str(bid.id), "date": _when(bid.received_at), "tenderers": [bidder_ref(bid)],
           "value": value(bid.amount)}
    if with_status:
        out["status"] = bid.status
    if bid.status == "disqualified" and bid.reason:
        out["description"] = "不合格：" + mask(bid.reason)
    return out


def _statistics(project, bids):
    stats = [{"id": "bids", "measure": "bids", "value": len(bids)},
             {"id": "lateBids", "measure": "lateBids", "value": sum(1 for b in bids if b.late)}]
    valid = [b for b in bids if b.status == "valid"]
    if valid:
        stats.append({"id": "validBids", "measure": "validBids", "value": len(valid)})
        stats.append({"id": "lowestValidBid", "measure": "lowestValidBid",
                      "value": float(min(b.amount for b in valid)), "currency": "CNY"})
    return stats


def build(project, step, seq, date, subject=None):
    """The release of ``step`` (see TAGS) for ``project`` as it is after the step; ``subject`` is the
    row the step added (a bid, amendment, milestone or payment)."""
    tag = TAGS[step]
    rel = _base(project, seq, tag, date)
    tender_id = f"{project.ocid}-tender"
    contract_id = f"{project.ocid}-contract-1"
    award_id = f"{project.ocid}-award-1"
    bids = list(Bid.select().where(Bid.project == project.id).order_by(Bid.id)) if step in ("bid", "evaluate", "award", "open") else []
    if step == "create":
        rel["parties"] = [_buyer_party(project)]
        rel["planning"] = {"rationale": mask(project.decision) or None,
                           "budget": {"description": mask(project.funding_source) or None,
                                      "amount": value(project.budget), "project": mask(project.title)}}
        rel["tender"] = {"id": tender_id, "title": mask(project.title), "description": mask(project.description),
                         "status": "planning", "procurementMethod": OCDS_METHOD[project.procedure],
                         "procurementMethodDetails": PROCEDURES[project.procedure],
                         "mainProcurementCategory": "works", "value": value(project.budget)}
    elif step == "tender":
        rel["tender"] = {"id": tender_id, "status": "active", "description": mask(project.tender_description),
                         "tenderPeriod": {"startDate": _when(project.tender_start),
                                          "endDate": _when(project.tender_deadline)},
                         "submissionMethod": ["inPerson"]}
        if project.publication_id:
            rel["tender"]["documents"] = [{"id": "tender-notice", "documentType": "tenderNotice",
                                           "title": "招标公告",
                                           "url": site_url(f"/p/{project.publication_id}")}]
    elif step == "open":
        rel["tender"] = {"id": tender_id, "status": "active"}
        rel["bids"] = {"statistics": _statistics(project, bids)}
    elif step == "bid":
        rel["parties"] = [_party(bidder_ref(subject), ["tenderer"], subject)]
        rel["tender"] = {"id": tender_id, "status": "active", "numberOfTenderers": len(bids)}
        rel["bids"] = {"statistics": _statistics(project, bids), "details": [_bid_detail(subject)]}
    elif step == "evaluate":
        rel["tender"] = {"id": tender_id, "status": "active"}
        rel["bids"] = {"statistics": _statistics(project, bids), "details": [_bid_detail(b) for b in bids]}
    elif step == "award":
        winner = next(b for b in bids if b.id == project.award_bid)
        rel["parties"] = [_party(bidder_ref(winner), ["tenderer", "supplier"], winner)]
        rel["tender"] = {"id": tender_id, "status": "complete", "numberOfTenderers": len(bids),
                         "awardPeriod": {"endDate": _when(project.awarded_at)}}
        rel["bids"] = {"statistics": _statistics(project, bids), "details": [_bid_detail(b) for b in bids]}
        award = {"id": f"{project.ocid}-award-1", "status": "active", "date": _when(project.awarded_at),
                 "value": value(project.award_amount), "suppliers": [bidder_ref(winner)],
                 "relatedBid": str(winner.id)}
        if project.award_reason:
            award["description"] = mask(project.award_reason)
        rel["awards"] = [award]
    elif step == "contract":
        rel["contracts"] = [{"id": contract_id, "awardID": f"{project.ocid}-award-1", "status": "active",
                             "title": mask(project.title), "value": value(project.contract_amount),
                             "dateSigned": _day(project.contract_signed_on)}]
    elif step == "amend":
        a = subject
        rel["contracts"] = [{"id": contract_id, "awardID": award_id, "value": value(a.amount), "amendments": [{
            "id": str(a.id), "date": _day(a.amended_on), "rationale": mask(a.reason),
            "description": f"合同金额由 {amount_text(a.previous)} 元调整为 {amount_text(a.amount)} 元"}]}]
    elif step in ("milestone", "accept"):
        m = subject
        rel["contracts"] = [{"id": contract_id, "awardID": award_id, "milestones": [{
            "id": f"milestone-{m.id}", "title": mask(m.title),
            "type": "assessment" if m.kind == "acceptance" else "delivery",
            "status": "met", "dateMet": _day(m.done_on)}]}]
    elif step == "pay":
        pay = subject
        winner = Bid.get_or_none(Bid.id == project.award_bid)
        txn = {"id": f"payment-{pay.id}", "date": _day(pay.paid_on), "value": value(pay.amount),
               "payer": buyer_ref(project), "payee": bidder_ref(winner) if winner else None}
        if pay.ledger_entry:
            txn["uri"] = site_url(f"/api/v1/ledger/entries/{pay.ledger_entry}")
        rel["contracts"] = [{"id": contract_id, "awardID": award_id, "implementation": {"transactions": [txn]}}]
    return _drop_none(rel)


def _drop_none(obj):
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_none(v) for v in obj]
    return obj


# -- schema and merge ---------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def release_schema():
    """The 1.1.5 release schema with the bid extension's ``bids`` patched in (what we publish)."""
    with open(os.path.join(SCHEMA_DIR, "release-schema.json"), encoding="utf-8") as fh:
        schema = json.load(fh)
    definitions = schema["definitions"]
    definitions["Statistic"] = {
        "type": "object", "required": ["id", "measure", "value"],
        "properties": {"id": {"type": "string"}, "measure": {"type": "string"},
                       "date": {"type": ["string", "null"], "format": "date-time"}, "value": {"type": "number"},
                       "currency": {"type": ["string", "null"]}, "notes": {"type": ["string", "null"]},
                       "relatedLot": {"type": ["string", "null"]}}}
    definitions["Bid"] = {
        "type": "object", "required": ["id"],
        "properties": {"id": {"type": "string"}, "date": {"type": ["string", "null"], "format": "date-time"},
                       "status": {"type": ["string", "null"],
                                  "enum": ["invited", "pending", "valid", "disqualified", "withdrawn", None]},
                       "tenderers": {"type": "array", "items": {"$ref": "#/definitions/OrganizationReference"}},
                       "value": {"$ref": "#/definitions/Value"}, "description": {"type": ["string", "null"]}}}
    definitions["Bids"] = {"type": "object", "properties": {
        "statistics": {"type": "array", "items": {"$ref": "#/definitions/Statistic"}},
        "details": {"type": "array", "items": {"$ref": "#/definitions/Bid"}}}}
    schema["properties"]["bids"] = {"$ref": "#/definitions/Bids"}
    definitions["Award"]["properties"]["relatedBid"] = {"type": ["string", "null"]}
    return schema


@functools.lru_cache(maxsize=1)
def _merger():
    import ocdsmerge
    return ocdsmerge.Merger(schema=copy.deepcopy(release_schema()))


def compile_releases(releases):
    """The compiled release, by ocdsmerge (the reference implementation)."""
    return _merger().create_compiled_release(releases)


def _published():
    return iso(utcnow())


def record_package(project, releases, uri):
    """The record package of one process: its releases and the compiled record."""
    return {"uri": uri, "version": VERSION, "publishedDate": _published(), "publisher": PUBLISHER,
            "extensions": [BID_EXTENSION],
            "records": [{"ocid": project.ocid, "releases": releases,
                         "compiledRelease": compile_releases(releases)}]}


def release_package(releases, uri):
    return {"uri": uri, "version": VERSION, "publishedDate": _published(), "publisher": PUBLISHER,
            "extensions": [BID_EXTENSION], "releases": releases}


def release_package_chunks(rows, uri):
    """A release package of ``rows`` (stored release JSON texts) as text chunks, one per release: the
    bulk file of a county is streamed (API) or written (open-data export), never held whole in memory."""
    head = release_package([], uri)
    head.pop("releases")
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "releases": ['
    first = True
    for data in rows:
        yield data if first else ",\n" + data
        first = False
    yield "]}"

