"""Rules that were wrong: a 公示 published after (or too near the end of) its period, and a
meeting started on another day than announced without a word."""
import datetime

import pytest

from portal.core.clock import CST, today
from portal.core.errors import ValidationError
from portal.publications import periods, services
from portal.publications.models import Publication
from tests.pages.helpers import HOUXI, login, text_of

D = datetime.date(2026, 12, 2)


def day(n):
    return (today() + datetime.timedelta(days=n)).isoformat()


def test_days_left_counts_today_and_is_zero_after_the_end():
    assert periods.days_left(D, D + datetime.timedelta(days=6), D) == 7
    assert periods.days_left(D - datetime.timedelta(days=3), D + datetime.timedelta(days=1), D) == 2
    assert periods.days_left(D - datetime.timedelta(days=9), D - datetime.timedelta(days=1), D) == 0
    assert periods.days_left(D + datetime.timedelta(days=2), D + datetime.timedelta(days=8), D) == 7


@pytest.mark.parametrize("start, end, code", [(-9, -1, "period_ended"), (-20, -13, "period_ended"),
                                               (-5, 2, "period_too_short"), (0, 3, "period_too_short")])
def test_a_period_that_leaves_too_little_time_is_refused(start, end, code):
    with pytest.raises(ValidationError) as exc:
        periods.check_publishable(D + datetime.timedelta(days=start), D + datetime.timedelta(days=end), D, 5)
    assert exc.value.code == code and "异议" in exc.value.message


def test_enough_days_or_no_period_pass_and_the_minimum_is_configurable(monkeypatch):
    periods.check_publishable(D, D + datetime.timedelta(days=4), D, 5)
    periods.check_publishable(None, None, D)
    monkeypatch.setenv("PORTAL_MIN_OBJECTION_DAYS", "7")
    assert periods.min_objection_days() == 7
    with pytest.raises(ValidationError):
        periods.check_publishable(D, D + datetime.timedelta(days=5), D)
    monkeypatch.setenv("PORTAL_MIN_OBJECTION_DAYS", "")
    assert periods.min_objection_days() == periods.DEFAULT_MIN_DAYS == 5


def _approved(people, start, end):
    pub = services.create_draft(people.clerk, people.village, {
        "title": "后溪村过期公示测试", "category": "result", "body": "测试。", "period_start": day(start),
        "period_end": day(end)})
    services.approve(people.supervisor, pub)
    return Publication.get_by_id(pub.id)


def test_publishing_after_the_period_ended_is_refused_and_writes_nothing(people, unchanged):
    pub = _approved(people, -9, -2)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.publish(people.clerk, pub)
    assert exc.value.code == "period_ended"
    assert Publication.get_by_id(pub.id).status == "approved"


def test_publishing_with_two_days_left_is_refused_on_the_page(app, people, unchanged):
    pub = _approved(people, -5, 1)
    client = app.test_client()
    login(client, "clerk_houxi")
    with unchanged():
        page = client.post(f"/p/{pub.id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "村民至少要有5天提出异议" in text_of(page)


def test_a_meeting_started_days_before_its_date_says_so(app, demo):
    client = app.test_client()
    login(client, "clerk_houxi")
    later = (datetime.datetime.now(CST) + datetime.timedelta(days=2, hours=5)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(f"/v/{HOUXI}/meetings/new", data={"title": "提前开的会", "kind": "council", "starts_at": later,
                                                       "place": "村委会", "agenda_collect": "路灯"})
    assert r.status_code == 302, text_of(r.get_data(as_text=True))
    meeting_id = int(r.headers["Location"].split("/")[2])
    assert client.post(f"/meetings/{meeting_id}/start").status_code == 302
    page = text_of(client.get(f"/meetings/{meeting_id}").get_data(as_text=True))
    assert "比原定时间提前2天" in page and "原定" in page
    items = client.get(f"/api/v1/meetings/{meeting_id}/items").get_json()["items"]
    assert items[0]["kind"] == "status" and items[0]["data"]["late_by_minutes"] < -2 * 24 * 60
