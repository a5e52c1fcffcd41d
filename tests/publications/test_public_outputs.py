"""The unmasked text never reaches a public page, the API, a feed, the print view,
the search documents or the audit payloads; feeds parse; QR codes are SVG; duties compute."""
import datetime
import os

import feedparser
import pytest

from portal.publications import duties, services
from portal.core.clock import today

SECRETS = ["350528196304123028", "13905951234", "6217001234567890122", "350528630412302"]
BODY = ("身份证 350528196304123028，旧证 350528630412302，电话 13905951234，卡号 6217001234567890122。"
        "座机 0595-22880101 和金额 38.6 万元照常显示。")


@pytest.fixture
def secret_pub(people):
    pub = services.create_draft(people.clerk, people.village, {
        "title": "张三（13905951234）宅基地审批结果公示", "category": "result", "body": BODY, "power": "QY-12",
        "period_start": today().isoformat(), "period_end": (today() + datetime.timedelta(days=5)).isoformat()})
    services.approve(people.supervisor, pub)
    return services.publish(people.clerk, pub)


def assert_clean(text):
    for secret in SECRETS:
        assert secret not in text


def test_page_api_print_feed_are_masked(client, secret_pub):
    urls = [f"/p/{secret_pub.id}", f"/p/{secret_pub.id}/print", f"/api/v1/publications/{secret_pub.id}",
            "/api/v1/publications?village=350528100200", "/feeds/350528100200.atom",
            "/feeds/350528100200/result.atom", "/v/350528100200/publications", "/v/350528100200",
            f"/powers/QY-12?village=350528100200"]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        assert_clean(r.get_data(as_text=True))
    page = client.get(f"/p/{secret_pub.id}").get_data(as_text=True)
    assert "3505**********3028" in page and "139****1234" in page and "0595-22880101" in page


def test_search_documents_and_audit_payloads_are_masked(app, secret_pub):
    from audit.models import AuditEntry
    from portal.publications import search_source
    with app.test_request_context():
        docs = list(search_source.iter_documents())
        doc = search_source.document_for(str(secret_pub.id))
    assert doc["id"] == str(secret_pub.id) and doc["published_at"].tzinfo is not None
    for d in docs:
        assert_clean(d["title"] + d["body"])
    assert_clean("".join(e.payload for e in AuditEntry.select()))


def test_feed_parses_cleanly(client, secret_pub):
    feed = feedparser.parse(client.get("/feeds/350528100200.atom").data)
    assert not feed.bozo, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    assert secret_pub.title_masked in titles
    assert any(t.startswith("【已撤回】") for t in titles)  # the demo's withdrawal says so
    assert feed.feed.title.startswith("后溪村")
    assert client.get("/feeds/000000000000.atom").status_code == 404
    assert client.get("/feeds/350528100200/gossip.atom").status_code == 404


def test_qr_and_print(client, secret_pub):
    r = client.get(f"/p/{secret_pub.id}/qr.svg")
    assert r.mimetype == "image/svg+xml" and b"<svg" in r.data
    page = client.get(f"/p/{secret_pub.id}/print").get_data(as_text=True)
    assert f"#{secret_pub.audit_index}" in page and f"/p/{secret_pub.id}/qr.svg" in page


def test_markdown_is_sanitised(people, client):
    pub = services.create_draft(people.clerk, people.village, {
        "title": "测试", "category": "village",
        "body": "<script>alert(1)</script>\n\n[点我](javascript:alert(1)) **粗体**"})
    services.approve(people.supervisor, pub)
    services.publish(people.clerk, pub)
    html = client.get(f"/p/{pub.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "href=\"javascript" not in html and "<strong>粗体</strong>" in html


def test_duties_met_due_overdue(people):
    from portal.publications.models import DutyRule
    village = people.other_village
    states = {d["rule"].name: d["state"] for d in duties.duty_status(village)}
    assert states["财务收支每月公开"] == "met"   # the demo published this month's finances
    on = (today().replace(day=1) + datetime.timedelta(days=70)).replace(day=20)  # two months on, past the grace
    assert {d["rule"].name: d["state"] for d in duties.duty_status(village, on)}["财务收支每月公开"] == "overdue"
    assert duties.period_bounds("quarterly", datetime.date(2026, 5, 17)) == (datetime.date(2026, 4, 1),
                                                                            datetime.date(2026, 6, 30))
    assert duties.period_bounds("monthly", datetime.date(2026, 12, 5)) == (datetime.date(2026, 12, 1),
                                                                          datetime.date(2026, 12, 31))
    DutyRule.update(active=False).where(DutyRule.name == "财务收支每月公开").execute()
    assert "财务收支每月公开" not in {d["rule"].name for d in duties.duty_status(village)}


def test_township_overview(client, people):
    page = client.get("/u/350528100000/duties").get_data(as_text=True)
    assert "后溪村" in page and "石埕村" in page and "财务收支每月公开" in page


def test_tampering_with_a_published_row_is_caught(app, secret_pub):
    from audit import verify
    from audit.verify import VerifyError
    from portal.publications.models import Publication
    assert verify.verify_database(progress=False) > 0
    Publication.update(body_masked="改过的正文").where(Publication.id == secret_pub.id).execute()
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False)
    assert exc.value.index == secret_pub.audit_index


def test_published_notice_is_searchable_masked(app, client, secret_pub):
    from portal.search.service import get_service
    get_service(app).flush()
    r = client.get("/api/v1/search", query_string={"q": "宅基地审批结果公示"})
    assert r.status_code == 200
    hits = [h for h in r.json["results"] if h["type"] == "publication" and h["id"] == secret_pub.id]
    assert hits, r.json
    assert_clean(r.get_data(as_text=True))
    services.withdraw(secret_pub.published_by, secret_pub, "测试撤回。")
    get_service(app).flush()
    r = client.get("/api/v1/search", query_string={"q": "宅基地审批结果公示"})
    titles = [h["title"] for h in r.json["results"] if h["id"] == secret_pub.id]
    assert titles and "已撤回" in titles[0]


def test_verify_cli_rederives_publications_from_the_database(tmp_path, secret_pub):
    """``python -m audit verify --db`` with the portal's sources: the demo's publications check out."""
    import subprocess
    import sys
    from tests.conftest import ROOT
    from portal.core.db import database
    db_path = database.obj.database
    database.close()
    result = subprocess.run([sys.executable, "-m", "audit", "verify", "--quiet", "--db", f"sqlite:///{db_path}",
                             "--sources", "portal.auditlog.sources:load"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env=dict(os.environ, PORTAL_INSTANCE=str(tmp_path / "v")))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "OK:" in result.stdout


def test_feed_and_list_read_the_newest_rows_in_index_order(demo, people):
    """A feed (50 newest) and a list page read their rows in published order from an index; they do
    not sort every public record of the village on each request (the feed's cost grew with the
    village's history: 222 records read and sorted for 50 entries)."""
    from portal.core.db import database
    from portal.publications.feeds import feed_query
    from portal.publications.queries import public_query
    queries = [feed_query(people.village, None), feed_query(people.village, "result"),
               public_query(village=people.village).paginate(3, 20)]
    for query in queries:
        sql, params = query.sql()
        plan = " | ".join(str(row[-1]) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "TEMP B-TREE" not in plan, plan


def test_an_existing_database_gets_the_feed_index(tmp_path):
    """The index above reaches an instance created before it: the upgrade adds it in place."""
    from tests.conftest import make_app
    from portal.core.db import database
    name = "publication_village_code_published_at_id"
    make_app(tmp_path)
    with database.connection_context():
        database.execute_sql(f'DROP INDEX "{name}"')
        assert name not in {i.name for i in database.get_indexes("publication")}
    make_app(tmp_path)
    with database.connection_context():
        assert name in {i.name for i in database.get_indexes("publication")}
