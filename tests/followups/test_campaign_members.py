"""Reports joined to a campaign count in its progress (real demo server), for the inspectors in scope only.

Reports join a campaign on their side (at filing, or an inspector links one); the reports domain counts
them per village through the core's campaign-members hook. A report's village is never public, so the
counts reach only inspectors whose scope covers the village: not the public page, not the public API,
not an admin, not an inspector of another township.
"""
import requests

from portal.reports.demo import DEMO_PASSPHRASE
from tests.conftest import http_login
from tests.followups.conftest import HOUXI, SHICHENG

CAMPAIGN = 1  # the demo campaign, in 南岭镇 (inspector_100's township)


def _file(site, village, campaign=None):
    body = {"unit": village, "text": "村干部虚报冒领补贴，请核查。"}
    if campaign is not None:
        body["campaign"] = campaign
    r = requests.post(site.url + "/api/v1/reports", json=body, timeout=90)
    assert r.status_code == 201, r.text


def _newest(site, who="inspector_100"):
    return site.get("/api/v1/reports", who).json()["reports"][0]


def _progress(site, who=None):
    r = site.get(f"/api/v1/campaigns/{CAMPAIGN}", who)
    assert r.status_code == 200, r.text
    return r.json()["progress"]


def test_reports_joined_to_a_campaign_count_for_the_inspectors_in_scope(site):
    before = _progress(site, "inspector_100")
    assert before["totals"]["members"]["reports"] == {"open": 0, "answered": 0, "concluded": 0}

    _file(site, HOUXI, campaign=CAMPAIGN)  # joined by the reporter at filing
    _file(site, SHICHENG)  # joined by an inspector, then answered
    shicheng = _newest(site)
    assert shicheng["unit"] == SHICHENG and shicheng["campaign"] is None
    assert site.post(f"/api/v1/reports/{shicheng['id']}/link", "inspector_100",
                     json={"campaign": CAMPAIGN}).status_code == 200
    assert site.post(f"/api/v1/reports/{shicheng['id']}/reply", "inspector_100",
                     json={"passphrase": DEMO_PASSPHRASE, "text": "已收到，正在核查。"}).status_code == 200
    _file(site, HOUXI)  # not joined: not counted

    progress = _progress(site, "inspector_100")
    villages = {v["village"]: v for v in progress["villages"]}
    assert villages[HOUXI]["members"]["reports"] == {"open": 1, "answered": 0, "concluded": 0}
    assert villages[SHICHENG]["members"]["reports"] == {"open": 0, "answered": 1, "concluded": 0}
    assert progress["totals"]["members"]["reports"] == {"open": 1, "answered": 1, "concluded": 0}
    assert _progress(site, "inspector_county")["totals"]["members"]["reports"]["open"] == 1

    # the campaign's page says it to the inspector, in both languages
    s = http_login(site.url, "inspector_100")
    page = s.get(f"{site.url}/campaigns/{CAMPAIGN}", timeout=60).text
    assert 'id="members-reports"' in page and "举报：未办结 1，已答复 1，已办结 0" in page
    assert "举报 未办结 1 · 已答复 0 · 已办结 0" in page.split("后溪村", 1)[1].split("</li>", 1)[0]
    english = s.get(f"{site.url}/campaigns/{CAMPAIGN}", params={"lang": "en"}, timeout=60).text
    assert "Reports: 1 open, 1 answered, 0 concluded" in english
    home = s.get(f"{site.url}/inspect", params={"lang": "zh"}, timeout=60).text
    assert "举报 未办结 1 · 已答复 1 · 已办结 0" in home.split('id="campaign-progress"', 1)[1]

    # published, the summary is public: still no word of reports to anyone but the inspectors in scope
    # (an inspector of another township gets no line at all, not zeros)
    assert site.post(f"/api/v1/campaigns/{CAMPAIGN}/publish", "inspector_100",
                     json={"summary": "整治情况：已核查两件线索。"}).status_code == 200
    for who in (None, "resident_houxi", "admin", "inspector_200"):
        progress = _progress(site, who)
        assert "reports" not in progress["totals"]["members"], who
        assert all("reports" not in v["members"] for v in progress["villages"]), who
    listed = site.get("/api/v1/campaigns").json()["campaigns"]
    assert all("reports" not in c["progress"]["totals"]["members"] for c in listed)
    public = requests.get(f"{site.url}/campaigns/{CAMPAIGN}", timeout=60).text
    assert 'id="members-reports"' not in public and "举报" not in public.split('id="progress"', 1)[1].split("</section>", 1)[0]
