"""The workbench's lists at a county's size: counted up to a cap, paged, filtered, each page's units read
once; the inspector's home counts each of its lists on its own; campaigns are a declared record type
(not an object of follow-ups), and the audit page names the steps in the glossary's words."""
import datetime
import json

import pytest
from flask_babel import force_locale

from tests.conftest import make_app

COUNTY, TOWNSHIP = "350528000000", "350528100000"
VILLAGES = ["350528100200", "350528100210"]
PASSWORD = "lists-test-pass-2026"


@pytest.fixture
def county(tmp_path):
    from portal.accounts.services import create_user
    from portal.core.db import connection
    from portal.units.services import create_unit
    app = make_app(tmp_path, SEARCH_NO_CATCH_UP=True)
    with connection():
        create_unit(None, COUNTY, "清源县", "county")
        create_unit(None, TOWNSHIP, "南岭镇", "township", COUNTY)
        for code, name in zip(VILLAGES, ("后溪村", "石埕村")):
            create_unit(None, code, name, "village", TOWNSHIP)
        inspector = create_user("inspector_l", "inspector", COUNTY, PASSWORD)[0]
        yield app, inspector


def add_followups(inspector, n, state="waiting", due_in=1, village=VILLAGES[0], object_type="publication"):
    from portal.followups.models import Followup
    from portal.units.models import Unit
    unit = Unit.get(Unit.code == village)
    now = datetime.datetime.utcnow()
    today = datetime.date.today()
    Followup.insert_many([dict(
        state=state, object_type=object_type, object_id=10_000 + i, object_title="记录", unit=village,
        unit_path=unit.path, question=f"请说明{i}", assignee_unit=village, assignee_role="clerk",
        due_on=today + datetime.timedelta(days=due_in + i % 5), visibility="internal", opened_by=inspector.id,
        created_at=now, updated_at=now) for i in range(n)]).execute()


def add_flags(n, village=VILLAGES[0], code="seals.unusual_rate"):
    from portal.redflags.models import RedFlag
    from portal.units.models import Unit
    path = Unit.get(Unit.code == village).path
    start = RedFlag.select().count()
    RedFlag.insert_many([dict(code=code, object_type="seal_use", object_id=start + i + 1, village=village, path=path,
                              evidence=json.dumps({"month": "2026-03", "count": 40 + i}))
                         for i in range(n)]).execute()


def signed_in(app):
    client = app.test_client()
    assert client.post("/login", data={"username": "inspector_l", "password": PASSWORD}).status_code == 302
    return client


def test_counts_stop_at_the_cap_and_the_pager_goes_on(county, monkeypatch):
    from portal.followups import counting, inbox
    from portal.units.models import Unit
    app, _inspector = county
    add_flags(30)
    monkeypatch.setattr(counting, "CAP", 25)
    total = inbox.count(Unit.get(Unit.code == COUNTY))
    assert (int(total), total.more, str(total)) == (25, True, "25+")
    client = signed_in(app)
    page = client.get("/inspect/flags").get_data(as_text=True)
    assert "共25+条" in page and "1 / 2+" in page and "page=2" in page
    second = client.get("/inspect/flags?page=2").get_data(as_text=True)
    assert second.count('class="work-row flag-row"') == 10 and "page=3" not in second  # 30 in all: the last page
    monkeypatch.setattr(counting, "CAP", 1000)
    total = inbox.count(Unit.get(Unit.code == COUNTY))
    assert (int(total), total.more) == (30, False) and "共30条" in client.get("/inspect/flags").get_data(as_text=True)


def test_the_follow_ups_page_is_paged_and_filtered(county):
    app, inspector = county
    add_followups(inspector, 25, object_type="publication")
    add_followups(inspector, 3, object_type="project", village=VILLAGES[1], due_in=20)
    client = signed_in(app)
    page = client.get("/followups").get_data(as_text=True)
    assert "共28条" in page and page.count('class="work-row') == 20 and "page=2" in page
    assert client.get("/followups?page=2").get_data(as_text=True).count('class="work-row') == 8
    kind = client.get("/followups?type=project").get_data(as_text=True)
    assert "共3条" in kind and "石埕村" in kind and "后溪村" not in kind.split('id="followup-filters"')[1].split("</form>")[1]
    assert "共3条" in client.get(f"/followups?village={VILLAGES[1]}").get_data(as_text=True)
    soon = datetime.date.today() + datetime.timedelta(days=2)
    dated = client.get(f"/followups?to={soon.isoformat()}").get_data(as_text=True)
    assert "共10条" in dated  # due in 1 or 2 days: 10 of the 25
    assert "共28条" in client.get("/followups?type=no_such_type&from=not-a-date").get_data(as_text=True)  # ignored


def test_a_page_reads_its_units_once(county):
    import logging
    app, inspector = county
    add_followups(inspector, 3)
    client = signed_in(app)

    class Count(logging.Handler):
        n = 0

        def emit(self, record):
            Count.n += 1

    def queries(path):  # peewee logs each statement it runs at DEBUG
        logger, handler = logging.getLogger("peewee"), Count()
        level, Count.n = logger.level, 0
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        try:
            assert client.get(path).status_code == 200
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        return Count.n
    few = queries("/followups")
    add_followups(inspector, 17, village=VILLAGES[1])
    assert queries("/followups") == few  # 20 rows cost what 3 did: no look-up per row


def test_the_home_page_counts_each_list_on_its_own(county):
    app, inspector = county
    add_followups(inspector, 60, due_in=1)  # sixty waiting, the earliest deadlines
    add_followups(inspector, 3, state="answered", due_in=40)  # three answers to review, due late
    add_followups(inspector, 4, due_in=-9)  # four overdue
    page = signed_in(app).get("/inspect").get_data(as_text=True)
    counts = page.split('id="inspect-counts"')[1].split("</ul>")[0]
    assert '>4</strong><span>逾期未答复' in counts and '>3</strong><span>待审核答复' in counts
    assert '>67</strong><span>未办结督办' in counts
    review = page.split('id="review"')[1].split("</section>")[0]
    assert review.count('class="work-row') == 3
    reports = page.split('id="inspect-reports"')[1].split("</section>")[0]  # the reports inbox, once it is in
    assert "举报（纪检监察）" in reports and "/inspect/reports" in reports


def test_campaigns_are_a_declared_record_type_not_an_object_of_follow_ups(county):
    from portal.core import registry
    from portal.core.errors import NotFound
    from portal.core.records import object_url
    from portal.followups import campaigns, objects
    app, inspector = county
    assert registry.of(app).record_types["campaign"] is campaigns.CAMPAIGN
    row = campaigns.open_campaign(inspector, {"title": "三资专项整治", "theme": "capitals", "unit": TOWNSHIP})
    with app.test_request_context("/"):
        assert object_url("campaign", row.id) == f"/campaigns/{row.id}"
    with pytest.raises(NotFound):
        objects.resolve("campaign", row.id)
    client = signed_in(app)
    assert client.get(f"/followups/new?type=campaign&id={row.id}").status_code == 404
    assert "campaign" not in client.get("/followups").get_data(as_text=True).split('name="type"')[1].split("</select>")[0]


def test_the_audit_page_names_the_steps_in_the_glossary_words(county):
    from audit.models import AuditEntry
    from portal.auditlog.views import describe
    from portal.followups import campaigns
    app, inspector = county
    campaigns.open_campaign(inspector, {"title": "三资专项整治", "theme": "capitals", "unit": TOWNSHIP})
    entry = AuditEntry.select().where(AuditEntry.object_type == "campaign").get()
    with app.test_request_context("/audit"):
        assert describe(entry)["what"] == "专项整治已立项"
        assert describe(entry)["title"] == "一项专项整治（尚未公开）"
        with force_locale("en"):
            assert describe(entry)["what"] == "Campaign opened"
            assert describe(entry)["title"] == "a campaign (not public yet)"
    from portal.followups.describe import WHAT
    with app.test_request_context("/audit"), force_locale("en"):
        from flask_babel import gettext
        assert gettext(WHAT["followup.create"]) == "Follow-up opened"
        assert gettext(WHAT["followup.escalate"]) == "Follow-up overdue, escalated"
