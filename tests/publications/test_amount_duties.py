"""Matters above a sum (金额 ≥ threshold must be public within N days of the decision):
fields, refusals, the audit payload, met/due/overdue and the demo's two matters."""
import datetime
import decimal

import pytest

from portal.core.errors import ValidationError
from portal.publications import amount_duties, duties, services
from portal.core.clock import today
from tests.publications.test_api import VILLAGE, api, day, new_draft  # noqa: F401  (fixture reused)


def last_entry():
    import json
    from audit.models import AuditEntry
    entry = AuditEntry.select().order_by(AuditEntry.idx.desc()).get()
    entry.payload = json.loads(entry.payload)
    return entry


def test_api_takes_amount_and_decision_date_into_draft_audit_and_public_json(api, people):
    r = new_draft(api, category="result", power="QY-05", amount="52000.5", decided_on=day(-1))
    assert r.status_code == 201, r.json
    assert r.json["amount"] == "52000.50" and r.json["decided_on"] == day(-1)
    entry = last_entry()
    assert entry.payload["amount"] == "52000.50" and entry.payload["decided_on"] == day(-1)
    pid = r.json["id"]
    assert api("POST", f"/api/v1/publications/{pid}/approve", "supervisor").status_code == 200
    assert api("POST", f"/api/v1/publications/{pid}/publish", "clerk").status_code == 200
    published = last_entry()
    assert published.action == "publication.publish" and published.payload["amount"] == "52000.50"
    assert api("GET", f"/api/v1/publications/{pid}").json["amount"] == "52000.50"


@pytest.mark.parametrize("change,code", [
    ({"amount": "-1", "decided_on": day(-1)}, "negative_amount"),
    ({"amount": "abc", "decided_on": day(-1)}, "bad_amount"),
    ({"amount": "NaN", "decided_on": day(-1)}, "bad_amount"),
    ({"amount": "1.005", "decided_on": day(-1)}, "bad_amount"),
    ({"amount": True, "decided_on": day(-1)}, "bad_amount"),
    ({"amount": "1e12", "decided_on": day(-1)}, "amount_too_large"),
    ({"amount": 5000}, "missing_decided_on"),
    ({"amount": 5000, "decided_on": "2026-13-01"}, "bad_decided_on"),
    ({"amount": 5000, "decided_on": day(3)}, "decided_on_in_future"),
])
def test_bad_amounts_are_refused_and_write_nothing(api, unchanged, change, code):
    with unchanged():
        r = new_draft(api, **change)
    assert r.status_code == 400
    assert r.json["error"]["code"] == code and r.json["error"]["message"]


def test_rule_service_refusals(demo, unchanged):
    from portal.accounts.models import User
    admin, clerk = User.get(User.username == "admin"), User.get(User.username == "clerk_houxi")
    with unchanged():
        for kwargs, code in [({"kind": "amount", "threshold": None, "within_days": 5}, "missing_threshold"),
                             ({"kind": "amount", "threshold": "-3", "within_days": 5}, "negative_threshold"),
                             ({"kind": "amount", "threshold": "100", "within_days": 0}, "bad_within_days"),
                             ({"kind": "amount", "threshold": "100", "within_days": "x"}, "bad_within_days"),
                             ({"kind": "weekly"}, "bad_kind"),
                             ({"grace_days": "91"}, "bad_grace_days")]:
            with pytest.raises(ValidationError) as err:
                duties.add_rule(admin, "规则", "finance", "monthly", **kwargs)
            assert err.value.code == code
        with pytest.raises(Exception) as err:
            duties.add_rule(clerk, "规则", "finance", "monthly")
        assert getattr(err.value, "status", None) == 403


@pytest.mark.parametrize("published_offset,on_offset,state", [
    (3, 5, "met"),        # published on day 3 of 7
    (7, 9, "met"),        # on the deadline itself
    (8, 9, "overdue"),    # a day late
    (None, 7, "due"),     # not yet published, deadline today
    (None, 8, "overdue"),  # not published, deadline passed
])
def test_matter_state(published_offset, on_offset, state):
    decided = datetime.date(2026, 3, 1)
    published = None if published_offset is None else decided + datetime.timedelta(days=published_offset)
    got, deadline = amount_duties.matter_state(decided, 7, published, decided + datetime.timedelta(days=on_offset))
    assert (got, deadline) == (state, datetime.date(2026, 3, 8))


def _amount_rule(status):
    return next(d for d in status if d["rule"].kind == "amount")


def test_demo_shows_one_matter_in_time_and_one_late(people):
    rule = _amount_rule(duties.duty_status(people.village))
    states = {m["public"].title_masked: m["state"] for m in rule["matters"]}
    assert states == {"后溪村集体鱼塘承包结果公示": "met", "后溪村老村部闲置房屋出售结果公开": "overdue"}
    assert rule["state"] == "overdue"
    # the corrected pond record counts once, and its first publication decides
    assert len(rule["matters"]) == 2


def test_draft_matter_is_due_then_overdue_and_below_threshold_is_ignored(api, people):
    for amount in ("29999.99", "30000"):
        assert new_draft(api, category="result", power="QY-06", amount=amount, decided_on=day(-2)).status_code == 201
    other = people.other_village  # no matters there: the rule is met
    rule = _amount_rule(duties.duty_status(people.village))
    drafts = [m for m in rule["matters"] if m["public"] is None]
    assert len(drafts) == 1 and drafts[0]["state"] == "due" and drafts[0]["deadline"] == today() + \
        datetime.timedelta(days=5)
    later = _amount_rule(duties.duty_status(people.village, on=today() + datetime.timedelta(days=6)))
    assert [m["state"] for m in later["matters"] if m["public"] is None] == ["overdue"]
    assert _amount_rule(duties.duty_status(other))["state"] == "met"


def test_duties_api_and_pages_show_each_matter(client, api, people):
    r = client.get(f"/api/v1/villages/{VILLAGE}/duties")
    amount = next(d for d in r.json["duties"] if d.get("kind") == "amount")
    assert amount["threshold"] == "30000.00" and amount["within_days"] == 7
    assert sorted(m["state"] for m in amount["matters"]) == ["met", "overdue"]
    page = client.get(f"/v/{VILLAGE}/duties").get_data(as_text=True)
    assert "matter-met" in page and "matter-overdue" in page and "后溪村老村部闲置房屋出售结果公开" in page
    township = client.get(f"/u/{people.village.parent_id}/duties").get_data(as_text=True)
    assert "matter-overdue" in township and "matter-met" in township
    assert decimal.Decimal(amount["matters"][0]["amount"] or "0") >= 30000
