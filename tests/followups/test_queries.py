"""The inbox, funnel and campaign queries on SQLite and PostgreSQL (service level, the demo county).

Flags are raised through ``portal.redflags.services.apply`` as a rule's check would raise them.
"""
import datetime

import pytest

from portal.core.domain import Flag
from tests.conftest import make_app


@pytest.fixture(params=["sqlite", "postgres"])
def county(request, tmp_path):
    from portal.core.db import connection
    from tests.conftest import load_demo_for
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    app = make_app(tmp_path, url, SEARCH_SYNC=True)
    with connection():
        load_demo_for(app)
        from portal.followups.models import CampaignFlag, FlagReview, FunnelTally
        from portal.redflags.models import RedFlag, RedFlagTally
        # counted here: only the flags this test raises (and the tallies of the rows deleted with them)
        for model in (CampaignFlag, FlagReview, RedFlag, RedFlagTally, FunnelTally):
            model.delete().execute()
        yield


def test_inbox_funnel_and_campaign_scope(county):
    from flask import current_app

    from portal.accounts.models import User
    from portal.followups import campaigns, inbox, services
    from portal.publications.models import Publication
    from portal.redflags.services import apply
    from portal.units.models import Unit
    pubs = {v: Publication.select().where((Publication.village == v) & (Publication.status == "published")).first()
            for v in ("350528100200", "350528100210", "350528200200")}
    apply("test.kind_a", [Flag("publication", p.id, v, {"天数": 3}) for v, p in pubs.items()])
    apply("test.kind_b", [Flag("publication", pubs["350528100200"].id, "350528100200", {"天数": 9})])
    inspector = User.get(User.username == "inspector_100")
    township = inspector.unit
    with current_app.test_request_context():
        assert inbox.count(township) == 3  # 南岭镇: two villages' kind_a and one kind_b; 溪口乡's is not in scope
        assert inbox.count(township, code="test.kind_a") == 2
        village = Unit.get(Unit.code == "350528100210")
        assert [f["village"] for f in inbox.page_of(inbox.query(township, village=village), 1)] == ["350528100210"]
        county_unit = Unit.get(Unit.code == "350528000000")
        assert inbox.count(county_unit) == 4
        tomorrow = datetime.date.today() + datetime.timedelta(days=2)
        assert inbox.count(township, since=tomorrow) == 0
        rows = inbox.page_of(inbox.query(township), 1)
        assert {r["code"] for r in rows} == {"test.kind_a", "test.kind_b"} and rows[0]["url"].startswith("/p/")

        first = rows[0]
        inbox.mark_seen(inspector, inbox.get_flag(inspector, first["id"]))
        inbox.mark_seen(inspector, inbox.get_flag(inspector, first["id"]))  # twice counts once
        due = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
        fu = services.open_followup(inspector, "publication", first["object_id"], f"clerk@{first['village']}", "请说明",
                                    due, "public", None, first["id"])
        services.conclude(inspector, fu.id, "referred", "移送")
        other = next(r for r in rows if r["id"] != first["id"])
        inbox.dismiss(inspector, other["id"], "已核实无问题")
        assert inbox.count(township) == 2 and inbox.count(township, dismissed=True) == 1
        funnel = {(r["township"], r["code"]): r for r in inbox.funnel(county_unit)}
        stage = funnel[("350528100000", first["code"])]
        assert (stage["raised"], stage["looked_at"], stage["followed_up"], stage["findings"]) == (
            2 if first["code"] == "test.kind_a" else 1, 1, 1, 1)
        assert funnel[("350528200000", "test.kind_a")]["raised"] == 1

        campaign = campaigns.open_campaign(inspector, {"title": "整治", "theme": "other", "unit": "350528100000"})
        county_campaign = campaigns.open_campaign(User.get(User.username == "inspector_county"),
                                                  {"title": "全县整治", "theme": "other", "unit": "350528000000"})
        seen = {c.id for c in campaigns.in_scope(township)}
        assert {campaign.id, county_campaign.id} <= seen  # its own and the county's that covers it
        assert campaign.id not in {c.id for c in campaigns.in_scope(Unit.get(Unit.code == "350528200000"))}
        inbox.add_to_campaign(inspector, first["id"], campaign)
        inbox.add_to_campaign(inspector, first["id"], campaign)  # twice: once
        villages, totals = campaigns.progress(campaign)
        assert totals["flags"] == 1
