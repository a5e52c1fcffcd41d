"""Every follow-up page answers in both languages, for the people who may see it (demo county)."""
import pytest

from tests.conftest import make_app


@pytest.fixture
def client(tmp_path):
    from portal.core.db import connection
    from tests.conftest import load_demo_for
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False)
    with connection():
        load_demo_for(app)
    return app.test_client()


def login(client, username):
    from portal.demo import DEMO_PASSWORD
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302


@pytest.mark.parametrize("lang, words", [("zh", ["纪检监察工作台", "红旗预警", "点题整治"]),
                                         ("en", ["Inspector's desk", "Red flags", "Campaigns"])])
def test_inspector_pages_in_both_languages(client, lang, words):
    login(client, "inspector_100")
    pages = ["/inspect", "/inspect/flags", "/inspect/funnel", "/followups", "/followups?state=overdue",
             "/followups/1", "/followups/2", "/followups/new?type=publication&id=1", "/campaigns", "/campaigns/1",
             "/campaigns/new", "/v/350528100200/followups", "/work", "/p/1"]
    text = ""
    for path in pages:
        r = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert r.status_code == 200, path
        text += r.get_data(as_text=True)
    for word in words:
        assert word in text
    if lang == "en":
        assert "Awaiting answer" in text or "Overdue, escalated" in text


def test_residents_see_public_pages_only(client):
    login(client, "resident_houxi")
    assert client.get("/followups/1").status_code == 200  # public
    assert client.get("/followups/4").status_code == 404  # internal (东湖社区)
    assert client.get("/campaigns/1").status_code == 404  # not published yet
    assert client.get("/inspect").status_code == 403
    assert client.get("/inspect/flags").status_code == 403
    assert client.get("/followups/new?type=publication&id=1").status_code == 403
