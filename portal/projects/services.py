"""The one writer of village works: each stage a transition of the ``project`` record.

``step(actor, project_id, name, data)`` runs the core's ``transition`` (write lock, scope,
state, audit entry, ``public.changed`` after commit) and, in the same transaction, freezes
the stage's OCDS release. Stage order is the state machine: a contract before the award or
a payment before the contract is ``bad_state``; the rest of the order (the deadline, the
bidder who did bid, money that is money) is checked in each step's ``change``.
"""
import datetime
import json
import re

from flask import current_app

from portal.core import records
from portal.core.clock import local_date, local_text, parse_date, parse_datetime, utcnow
from portal.core.db import transaction
from portal.core.errors import Conflict, NotFound, ValidationError
from portal.core.i18n import N_
from portal.core.money import amount_text, parse_amount
from portal.core.registry import of as registry_of
from portal.core.text import clean_text
from portal.projects import ocds, settings
from portal.projects.models import Amendment, Bid, Milestone, Payment, Project, Release
from portal.units.models import Unit

STATES = {
    "planned": N_("已立项"),
    "tendering": N_("招标中"),
    "opening": N_("开标中"),
    "evaluated": N_("已评标"),
    "awarded": N_("已定标"),
    "contracted": N_("已签合同"),
}
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
TENDER_POWER = "QY-02"  # 村级工程项目招投标 in the 小微权力清单
LIVE_OPENINGS = True  # False while the demo records its history: no broadcast, no notice dated today
now = utcnow  # the demo steps this through two years of works


def _money(data, name, label, required=True):
    amount = parse_amount(data.get(name), name, label)
    if amount is None and required:
        raise ValidationError(f"missing_{name}", N_("请填写%(label)s。"), label=label)
    return amount


def _text(data, name, label, limit, required=False):
    return clean_text(data.get(name), name, label, limit, required) or ""


def bidder_identity(bid):
    """Who a bidder is across processes: its credit code, else its name."""
    return bid.credit_code or bid.bidder


def bidder_key(identities):
    import hashlib
    return hashlib.sha1("|".join(sorted(set(identities))).encode()).hexdigest()[:16] if identities else ""


def bids_of(project):
    return list(Bid.select().where(Bid.project == project.id).order_by(Bid.id))


# -- the stages (each a Transition's change: check, then set) -------------------------------

def _create(actor, row, data):
    prefix = settings.ocid_prefix()
    village = Unit.find(data.get("village"), "village")
    if village is None:
        raise ValidationError("bad_village", N_("村（社区）代码不存在。"))
    row.village = village
    row.title = clean_text(data.get("title"), "title", "工程名称", 120, True)
    row.description = _text(data, "description", "工程内容", 4000)
    row.budget = _money(data, "budget", "预算金额")
    if row.budget <= 0:
        raise ValidationError("bad_budget", N_("预算金额必须大于零。"))
    row.funding_source = _text(data, "funding_source", "资金来源", 120)
    row.decision = _text(data, "decision", "立项决定", 200)
    row.procedure = settings.procedure_for(row.budget)
    seq = Project.select().where(Project.village == village).count() + 1
    # The village code whole and a letter before the number: digit groups joined by hyphens
    # ("350528-100200-0001") read as a bank card number to the personal-data detector.
    row.ocid = f"{prefix}{village.code}-P{seq:04d}"
    row.created_at = row.updated_at = now()


def _tender(actor, row, data):
    deadline = parse_datetime(data.get("deadline"), "deadline", "投标截止时间")
    if deadline <= now():
        raise ValidationError("deadline_passed", N_("投标截止时间必须晚于现在。"))
    row.tender_start = now()
    row.tender_deadline = deadline
    row.tender_description = _text(data, "description", "招标公告内容", 4000) or row.description
    from portal.publications.services import publish_system_record
    from portal.core.clock import local_text
    body = (f"{row.tender_description}\n\n- 预算：{amount_text(row.budget)} 元\n"
            f"- 采购方式：{settings.PROCEDURES[row.procedure]}\n- 投标截止：{local_text(deadline)}\n"
            f"- OCDS 编号：{row.ocid}\n")
    if not LIVE_OPENINGS:
        return  # the demo's history: a notice published today would pose as news (and bury today's)
    args = (row.village, "village", TENDER_POWER, f"招标公告：{row.title}", body, actor, "project_tender", str(row.id))
    try:
        pub = publish_system_record(*args)
    except ValidationError as exc:  # a county without the 小微权力清单 loaded: the notice carries no power item
        if exc.code != "bad_power":
            raise
        pub = publish_system_record(*args[:2], None, *args[3:])
    row.publication_id = pub.id


def _start_opening(actor, row):
    """The 开标会 goes live (portal.meetings); bids already recorded are read out first."""
    from portal.meetings import services as meetings
    row.opened_at = now()
    if not LIVE_OPENINGS:
        return
    meeting = meetings.create_meeting(
        actor, row.village_id, f"{row.title[:100]}开标会", "bid_opening", now(), f"{row.village.name}便民服务中心",
        [{"step": "deliberate", "title": "当众开启投标文件并唱标"}, {"step": "review", "title": "监委会核对开标记录"}],
        links=[{"type": "project", "id": str(row.id), "title": row.title[:100]}])
    meetings.start_meeting(actor, meeting)
    row.meeting_id = meeting.id
    for bid in bids_of(row):
        _read_out(actor, row, bid)


def _read_out(actor, row, bid):
    from portal.meetings import services as meetings
    if not row.meeting_id:
        return
    meeting = meetings.get_meeting(row.meeting_id)
    if meeting.status != "live":
        return
    item = meetings.post_item(actor, meeting, "bid_price", {"bidder": bid.bidder[:64], "price": amount_text(bid.amount),
                                                             "note": "逾期送达" if bid.late else ""})
    bid.live_seq = item["seq"]
    bid.save()


def _not_before_deadline(row):
    """Envelopes stay sealed until the deadline: no opening, and so no bid read out, before it."""
    if now() < row.tender_deadline:
        raise Conflict("before_deadline", N_("投标截止（%(deadline)s）前不能开标。"),
                       deadline=local_text(row.tender_deadline))


def _open(actor, row, data):
    _not_before_deadline(row)
    _start_opening(actor, row)


def _bid(actor, row, data):
    bidder = clean_text(data.get("bidder"), "bidder", "投标单位", 80, True)
    code = _text(data, "credit_code", "统一社会信用代码", 18).upper()
    if code and not CREDIT_CODE.match(code):
        raise ValidationError("bad_credit_code", N_("统一社会信用代码应为18位（数字和大写字母）。"))
    amount = _money(data, "amount", "投标报价")
    if amount <= 0:
        raise ValidationError("bad_amount", N_("投标报价必须大于零。"))
    received = parse_datetime(data.get("received_at"), "received_at", "送达时间") if data.get("received_at") \
        else now()
    if received > now() + datetime.timedelta(minutes=5):
        raise ValidationError("bad_received_at", N_("送达时间不能晚于现在。"))
    if received < row.tender_start:
        raise ValidationError("bad_received_at", N_("送达时间不能早于招标公告发布。"))
    if any(b.bidder == bidder for b in bids_of(row)):
        raise Conflict("duplicate_bid", N_("该单位的投标已经登记。"))
    if row.state == "tendering":
        _not_before_deadline(row)
        _start_opening(actor, row)  # the first bid recorded opens the envelopes in public
    bid = Bid.create(project=row, bidder=bidder, credit_code=code, contact=_text(data, "contact", "联系电话", 40),
                     amount=amount, received_at=received, late=received > row.tender_deadline)
    row._subject = bid
    row.bidder_key = bidder_key([bidder_identity(b) for b in bids_of(row)])
    _read_out(actor, row, bid)


def _end_opening(actor, row):
    from portal.meetings import services as meetings
    if row.meeting_id:
        meeting = meetings.get_meeting(row.meeting_id)
        if meeting.status == "live":
            meetings.end_meeting(actor, meeting)


def _evaluate(actor, row, data):
    verdicts = data.get("bids") or []
    if not isinstance(verdicts, list):
        raise ValidationError("bad_bids", N_("评标结果须为列表。"))
    bids = {b.id: b for b in bids_of(row)}
    if not bids:
        raise Conflict("no_bids", N_("还没有登记任何投标。"))
    for v in verdicts:
        bid = bids.get(v.get("bid")) if isinstance(v, dict) else None
        if bid is None:
            raise ValidationError("unknown_bid", N_("评标结果中的投标不属于本工程。"))
        status = v.get("status")
        if status not in ("valid", "disqualified"):
            raise ValidationError("bad_status", N_("评标结论只能是“有效”或“无效”。"))
        bid.status = status
        bid.reason = clean_text(v.get("reason"), "reason", "无效原因", 200, status == "disqualified") or ""
    for bid in bids.values():
        if bid.status == "pending":
            bid.status = "valid"
        bid.save()
    row.evaluated_at = now()
    _end_opening(actor, row)


def _award(actor, row, data):
    if now() < row.tender_deadline:
        raise Conflict("before_deadline", N_("投标截止前不能定标。"))
    bids = bids_of(row)
    chosen = next((b for b in bids if b.id == data.get("bid") and not isinstance(data.get("bid"), bool)), None)
    if chosen is None:
        raise ValidationError("unknown_bid", N_("中标单位必须是本工程登记的投标人。"))
    if row.state == "opening":
        for b in bids:
            if b.status == "pending":
                b.status = "valid"
                b.save()
        row.evaluated_at = now()
    if chosen.status == "disqualified":
        raise ValidationError("disqualified_bid", N_("无效投标不能中标。"))
    reason = _text(data, "reason", "定标理由", 500)
    lowest = min(b.amount for b in bids if b.status == "valid")
    if chosen.amount > lowest and not reason:
        raise ValidationError("reason_required", N_("中标的不是最低有效报价，必须写明理由。"))
    others = [b.amount for b in bids if b.id != chosen.id]
    row.bid_gap = float((min(others) - chosen.amount) / chosen.amount) if others else None
    row.winner_key = bidder_identity(chosen)
    row.award_bid = chosen.id
    row.award_amount = chosen.amount
    row.award_reason = reason
    row.awarded_at = now()
    _end_opening(actor, row)


def _contract(actor, row, data):
    amount = _money(data, "amount", "合同金额")
    signed = parse_date(data.get("signed_on"), "signed_on", "签订日期")
    if signed is None:
        raise ValidationError("missing_signed_on", N_("请填写合同签订日期。"))
    if signed < local_date(row.awarded_at):
        raise ValidationError("signed_before_award", N_("合同签订日期不能早于定标。"))
    row.contract_amount = row.contract_value = amount
    row.contract_signed_on = signed


def _after_contract(data, name, label):
    day = parse_date(data.get(name), name, label) or local_date(now())
    return day


def _amend(actor, row, data):
    amount = _money(data, "amount", "变更后合同金额")
    reason = clean_text(data.get("reason"), "reason", "变更理由", 300, True)
    day = _after_contract(data, "amended_on", "变更日期")
    if day < row.contract_signed_on:
        raise ValidationError("bad_amended_on", N_("变更日期不能早于合同签订。"))
    row._subject = Amendment.create(project=row, amount=amount, previous=row.contract_value, reason=reason,
                                    amended_on=day)
    row.contract_value = amount


def _milestone(kind):
    def change(actor, row, data):
        title = _text(data, "title", "事项", 120) or ("竣工验收" if kind == "acceptance" else "")
        if not title:
            raise ValidationError("missing_title", N_("请填写进度事项。"))
        day = _after_contract(data, "done_on", "日期")
        if day < row.contract_signed_on:
            raise ValidationError("bad_done_on", N_("日期不能早于合同签订。"))
        if kind == "acceptance":
            if row.accepted_on:
                raise Conflict("already_accepted", N_("该工程已经验收。"))
            row.accepted_on = day
        row._subject = Milestone.create(project=row, kind=kind, title=title, done_on=day)
    return change


def _pay(actor, row, data):
    amount = _money(data, "amount", "支付金额")
    if amount <= 0:
        raise ValidationError("bad_amount", N_("支付金额必须大于零。"))
    day = _after_contract(data, "paid_on", "支付日期")
    if day < row.contract_signed_on:
        raise ValidationError("bad_paid_on", N_("支付日期不能早于合同签订。"))
    entry = data.get("ledger_entry")
    if entry is not None:
        if isinstance(entry, bool) or not isinstance(entry, int) or not 0 < entry < 2**53:
            raise ValidationError("bad_ledger_entry", N_("三资台账凭证编号必须是整数。"))
        summary = registry_of(current_app).provided.get("ledger.entry_summary")
        if summary is None:
            entry = None  # no ledger on this portal: the payment carries no link
        else:
            brief = summary(entry)
            if brief is None or brief["village"] != row.village_id:
                raise ValidationError("unknown_ledger_entry", N_("三资台账里没有本村这张已公开的凭证。"))
    row._subject = Payment.create(project=row, amount=amount, paid_on=day, ledger_entry=entry)
    row.paid_total = (row.paid_total or 0) + amount


def _payload(row):
    """The audit payload: the project's public view with its bids, amendments and payments in full,
    so ``verify`` catches an edited bid as surely as an edited title."""
    view = records.public_view_of(PROJECT)(row)
    return view


def _extra(row):
    return {"procedure_name": settings.PROCEDURES.get(row.procedure, row.procedure),
            "bids": [{"id": b.id, "bidder": b.bidder, "credit_code": b.credit_code, "amount": amount_text(b.amount),
                      "received_at": records._json_value(b.received_at), "late": b.late, "status": b.status,
                      "reason": b.reason, "live_seq": b.live_seq} for b in bids_of(row)],
            "amendments": [{"id": a.id, "amount": amount_text(a.amount), "reason": a.reason,
                            "amended_on": a.amended_on.isoformat()} for a in row.amendments.order_by(Amendment.id)],
            "milestones": [{"id": m.id, "kind": m.kind, "title": m.title, "done_on": m.done_on.isoformat()}
                           for m in row.milestones.order_by(Milestone.id)],
            "payments": [{"id": p.id, "amount": amount_text(p.amount), "paid_on": p.paid_on.isoformat(),
                          "ledger_entry": p.ledger_entry} for p in row.payments.order_by(Payment.id)]}


def _t(name, sources, target, change, summary):
    return records.Transition(name, f"project.{'create' if name == 'create' else 'step'}", sources, target,
                              change=change, payload=_payload, summary=summary)


PUBLIC_FIELDS = ["title", "description", "budget", "funding_source", "decision", "procedure", "ocid",
                 "tender_start", "tender_deadline", "publication_id", "meeting_id", "opened_at", "award_bid",
                 "award_amount", "award_reason", "awarded_at", "contract_amount", "contract_value",
                 "contract_signed_on", "accepted_on", "paid_total"]
PROJECT = records.RecordType(
    name="project", label="小微工程", model=Project, states=STATES, public_states=list(STATES),
    unit_of=lambda row: row.village, find_unit=lambda code: Unit.find(code, "village"),
    public_fields=PUBLIC_FIELDS, title_of=lambda row: row.title, body_of=lambda row: row.description,
    view_extra=_extra, category="project", api_path=None, url_of=lambda project_id: f"/projects/{project_id}",
    field_labels={"budget": "预算（元）", "procedure": "采购方式", "ocid": "OCDS 编号", "award_amount": "中标金额",
                  "contract_value": "合同金额", "paid_total": "已支付"},
    transitions=[
        _t("create", [None], "planned", _create, "立项"),
        _t("tender", ["planned"], "tendering", _tender, "发布招标公告"),
        _t("open", ["tendering"], "opening", _open, "开标会开始"),
        _t("bid", ["tendering", "opening"], "opening", _bid, "登记投标（开标时唱标）"),
        _t("evaluate", ["opening"], "evaluated", _evaluate, "评标"),
        _t("award", ["opening", "evaluated"], "awarded", _award, "定标"),
        _t("contract", ["awarded"], "contracted", _contract, "签订合同"),
        _t("amend", ["contracted"], "contracted", _amend, "合同变更"),
        _t("milestone", ["contracted"], "contracted", _milestone("progress"), "工程进度"),
        _t("accept", ["contracted"], "contracted", _milestone("acceptance"), "竣工验收"),
        _t("pay", ["contracted"], "contracted", _pay, "支付工程款"),
    ])
for _step in PROJECT.transitions:  # the Chinese reason a step out of order is refused
    if _step.name in ("contract",):
        _step.refusals = {s: "合同须在定标之后签订。" for s in ("planned", "tendering", "opening", "evaluated")}
    if _step.name in ("pay", "amend", "milestone", "accept"):
        _step.refusals = {s: "须先签订合同。" for s in ("planned", "tendering", "opening", "evaluated", "awarded")}
    if _step.name == "award":
        _step.refusals = {"planned": "须先发布招标公告并开标。", "tendering": "还没有登记任何投标，不能定标。"}
    if _step.name == "bid":
        _step.refusals = {"planned": "须先发布招标公告。"}


# -- the entry points ---------------------------------------------------------------

def _freeze(row, name):
    """Store the step's OCDS release (inside the step's transaction, with its audit index)."""
    seq = row.release_seq + 1
    date = now()
    data = ocds.build(row, name, seq, date, getattr(row, "_subject", None))
    Release.create(project=row, village=row.village_id, release_id=data["id"], tag=data["tag"][0], date=date,
                   data=json.dumps(data, ensure_ascii=False, separators=(",", ":")), audit_index=row.audit_index)
    Project.update(release_seq=seq).where(Project.id == row.id).execute()
    row.release_seq = seq
    subject = getattr(row, "_subject", None)
    if subject is not None and hasattr(subject, "audit_index"):
        type(subject).update(audit_index=row.audit_index).where(type(subject).id == subject.id).execute()


def create_project(actor, data):
    village = Unit.find(data.get("village"), "village")
    if village is None:
        raise NotFound("bad_village", N_("村（社区）代码不存在。"))
    with transaction(lock=True):
        row = records.create(PROJECT, actor, village, data)
        _freeze(row, "create")
    return row


def step(actor, project_id, name, data=None):
    if name == "create" or PROJECT.transition_named(name) is None:
        raise NotFound("not_found", N_("没有这种操作。"))
    with transaction(lock=True):
        row = records.transition(PROJECT, actor, project_id, name, data or {})
        _freeze(row, name)
    return row


def get_project(project_id):
    return records.get_row(PROJECT, project_id)


def releases_of(project):
    return [json.loads(r.data) for r in Release.select().where(Release.project == project.id).order_by(Release.id)]
