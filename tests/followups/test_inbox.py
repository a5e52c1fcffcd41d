"""The red-flag inbox: flags a test domain's rule raises, in the inspector's scope, filtered, acted on.

A test domain declares a record type and a FlagRule (as tests/redflags does); the inspector sees its
flags in the inbox, opens a follow-up from one in one step, dismisses another with a reason (audited),
adds a third to a campaign, and the funnel counts raised → looked at → followed up → findings.
"""
import datetime
import threading
from pathlib import Path

import peewee
import pytest
import requests

from portal.core.domain import Domain, Flag, FlagRule
from portal.core.records import RecordModel, RecordType, Transition
from portal.units.models import Unit
from tests.conftest import browser_login

SHOTS = Path("/tmp/shots/followups")
PASSWORD = "inbox-test-pass-2026"


class FuQuoteRow(RecordModel):
    village = peewee.ForeignKeyField(Unit, backref="+")  # the village that asked for the quote
    title = peewee.CharField(max_length=100)
    amount = peewee.IntegerField(default=0)  # yuan


def _fill(actor, row, data):
    row.village = Unit.find(data.get("village"), "village")
    row.title = str(data.get("title") or "")[:100]
    row.amount = int(data.get("amount") or 0)


QUOTE = RecordType(
    name="fu_quote", label="测试报价", model=FuQuoteRow, states={"draft": "草稿", "posted": "已公开"},
    public_states=["posted"], unit_of=lambda row: row.village, find_unit=lambda code: Unit.find(code, "village"),
    public_fields=["amount"], title_of=lambda row: row.title, api_path="fu-quotes",
    transitions=[Transition("create", "fu_quote.write", [None], "posted", change=_fill)])


def _flag(row):
    over = row.amount > 1000
    return Flag("fu_quote", row.id, row.village_id, {"报价": row.amount, "限额": 1000} if over else None)


RULE = FlagRule("fu_test.over_limit", "报价超过限额", ["fu_quote"],
                lambda doc_type, object_id: [_flag(r) for r in FuQuoteRow.select().where(FuQuoteRow.id == object_id)],
                lambda: [_flag(r) for r in FuQuoteRow.select()], "报价超过1000元")
DOMAIN = Domain(name="fu_quotes", models=[FuQuoteRow], record_types=[QUOTE], flag_rules=[RULE],
                actions={"fu_quote.write": {"clerk"}})
VILLAGES = {"350528100200": "后溪村", "350528100210": "石埕村", "350528200200": "双滦村"}


@pytest.fixture
def site(tmp_path):
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.accounts.services import create_token, create_user
    from portal.core.db import connection
    from portal.units.services import create_unit
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path), "SEARCH_SYNC": True}, extra_domains=[DOMAIN])
    with app.app_context(), connection():
        create_unit(None, "350528000000", "清源县", "county")
        create_unit(None, "350528100000", "南岭镇", "township", "350528000000")
        create_unit(None, "350528200000", "溪口乡", "township", "350528000000")
        for code, name in VILLAGES.items():
            create_unit(None, code, name, "village", code[:6] + code[6:9] + "000")
        people = [("clerk_a", "clerk", "350528100200"), ("clerk_b", "clerk", "350528100210"),
                  ("clerk_c", "clerk", "350528200200"), ("inspector_t", "inspector", "350528100000")]
        tokens = {name: create_token(create_user(name, role, unit, PASSWORD)[0]) for name, role, unit in people}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    auth = {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}

    def quote(clerk, village, amount, title="报价"):
        r = requests.post(f"{url}/api/v1/fu-quotes", headers=auth[clerk],
                          json={"village": village, "title": title, "amount": amount})
        assert r.status_code == 201, r.text
        return r.json()["id"]
    yield url, auth, quote
    server.shutdown()


def test_inbox_in_scope_filtered_and_acted_on(site, phone):
    url, auth, quote = site
    big_a = quote("clerk_a", "350528100200", 5000, "水泥采购")
    quote("clerk_a", "350528100200", 500, "小额")  # under the limit: no flag
    big_b = quote("clerk_b", "350528100210", 2000, "砂石")
    third = quote("clerk_b", "350528100210", 3000, "钢筋")
    quote("clerk_c", "350528200200", 9000, "外乡镇")  # another township: not in 南岭镇's inbox
    flags = requests.get(f"{url}/api/v1/redflags").json()["flags"]
    assert len(flags) == 4

    browser_login(phone, url, "inspector_t", PASSWORD)
    phone.goto(f"{url}/inspect/flags")
    listed = phone.inner_text("#flags")
    assert listed.count("报价超过限额") == 3 and "双滦村" not in listed
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)
    phone.goto(f"{url}/inspect/flags?village=350528100210")
    assert phone.inner_text("#flags").count("报价超过限额") == 2
    phone.goto(f"{url}/inspect/flags?code=no.such_code")
    assert "没有符合条件的红旗预警" in phone.inner_text("#flags")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    phone.goto(f"{url}/inspect/flags?from={tomorrow}")
    assert "没有符合条件的红旗预警" in phone.inner_text("#flags")

    # one step: the flag's button opens the form with the question written; send it
    phone.goto(f"{url}/inspect/flags")
    phone.locator(f"#flags li", has_text="后溪村").locator("a.next-step").click()
    assert "报价超过限额" in phone.input_value("textarea[name=question]")
    phone.select_option("select[name=assignee]", "clerk_a")
    phone.fill("input[name=due]", (datetime.date.today() + datetime.timedelta(days=5)).isoformat())
    phone.click("#followup-form button[type=submit]")
    assert "督办已发出" in phone.inner_text("main")
    followup = int(phone.url.rstrip("/").rsplit("/", 1)[-1])
    made = requests.get(f"{url}/api/v1/followups/{followup}", headers=auth["inspector_t"]).json()
    assert made["object"] == {**made["object"], "type": "fu_quote", "id": big_a}

    flag_b = next(f for f in flags if f["object"]["id"] == big_b)["id"]
    phone.goto(f"{url}/inspect/flags/{flag_b}")
    assert "2000" in phone.inner_text("#evidence")
    phone.screenshot(path=str(SHOTS / "flag.png"), full_page=True)
    phone.fill("#dismiss-form input[name=reason]", "   ")
    phone.click("#dismiss-form button[type=submit]")
    assert "请填写排除理由" in phone.inner_text("main")  # no reason: refused
    phone.fill("#dismiss-form input[name=reason]", "经核实为分批采购，价格合理。")
    phone.click("#dismiss-form button[type=submit]")
    assert "预警已排除" in phone.inner_text("main")
    assert "砂石" not in phone.inner_text("#flags") and phone.inner_text("#flags").count("报价超过限额") == 2
    phone.goto(f"{url}/inspect/flags?dismissed=1")
    assert phone.inner_text("#flags").count("报价超过限额") == 1
    entries = requests.get(f"{url}/api/v1/audit/entries", params={"start": 0, "limit": 100}).json()["entries"]
    assert "redflag.dismiss" in [e["action"] for e in entries]

    campaign = requests.post(f"{url}/api/v1/campaigns", headers=auth["inspector_t"], json={
        "title": "工程物资采购专项整治", "theme": "projects", "unit": "350528100000"}).json()["id"]
    flag_third = next(f for f in flags if f["object"]["id"] == third)["id"]
    phone.goto(f"{url}/inspect/flags/{flag_third}")
    phone.select_option("#campaign-form select[name=campaign]", str(campaign))
    phone.click("#campaign-form button[type=submit]")
    assert "已加入专项整治" in phone.inner_text("main")
    progress = requests.get(f"{url}/api/v1/campaigns/{campaign}", headers=auth["inspector_t"]).json()["progress"]
    assert {v["village"]: v["flags"] for v in progress["villages"]}["350528100210"] == 1

    outside = next(f for f in flags if f["village"] == "350528200200")["id"]
    assert phone.goto(f"{url}/inspect/flags/{outside}").status == 404  # another township's flag

    requests.post(f"{url}/api/v1/followups/{followup}/answer", headers=auth["clerk_a"], json={"text": "已重新询价"})
    requests.post(f"{url}/api/v1/followups/{followup}/conclude", headers=auth["inspector_t"],
                  json={"finding": "rectified", "conclusion": "已整改"}).raise_for_status()
    phone.goto(f"{url}/inspect/funnel")
    text = phone.inner_text("#funnel")
    assert "南岭镇 · 报价超过限额" in text and "发现 3 → 已查看 2 → 已督办 1 → 查实问题 1" in text
    phone.screenshot(path=str(SHOTS / "funnel.png"), full_page=True)
    phone.goto(f"{url}/inspect")
    assert phone.inner_text("#inspect-counts").count("新的红旗预警") == 1
    phone.screenshot(path=str(SHOTS / "inspect_home_flags.png"), full_page=True)


def test_a_follow_up_names_only_a_flag_on_its_own_object(site):
    url, auth, quote = site
    a = quote("clerk_a", "350528100200", 5000)
    b = quote("clerk_a", "350528100200", 6000)
    flag_a = next(f for f in requests.get(f"{url}/api/v1/redflags").json()["flags"] if f["object"]["id"] == a)["id"]
    due = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
    body = {"object": {"type": "fu_quote", "id": b}, "assignee": "clerk_a", "question": "?", "due": due,
            "flag": flag_a}
    wrong = requests.post(f"{url}/api/v1/followups", headers=auth["inspector_t"], json=body)
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "bad_flag"
    ok = requests.post(f"{url}/api/v1/followups", headers=auth["inspector_t"], json=dict(body, object={"type": "fu_quote", "id": a}))
    assert ok.status_code == 201
