"""Issue 11 corpus: every typing of an ID, mobile or card number, posted through the real
server in every place a clerk, supervisor or villager can type it, never reaches anything
public raw: the page, the API JSON, the Atom feed, the print view, search, the audit payloads.

The check normalises what the server returns the way a reader would read it (full-width
digits as digits, separators between digits dropped), so a number that merely lost its
spaces on the way out still counts as leaked.
"""
import datetime
import io
import json
import time
import re

import pytest
import requests


VILLAGE = "350528100200"
# (how it is typed, the digits that must never appear together)
VARIANTS = [
    ("350502199001011234", "350502199001011234"),                       # check digit wrong
    ("350502 19900101 1234", "350502199001011234"),
    ("3505-0219-9001-0112-34", "350502199001011234"),
    ("350.502.1990.0101.1234", "350502199001011234"),
    ("３５０５０２\u3000１９９００１０１\u3000１２３４", "350502199001011234"),
    ("350528630412302", "350528630412302"),                             # 15-digit old number
    ("138 0595 1207", "13805951207"),
    ("１３９－０５９５－８８６６", "13905958866"),
    ("6217 0012 3456 7890 122", "6217001234567890122"),
]
_FULL = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def variant(i):
    return VARIANTS[i % len(VARIANTS)][0]


def readable(text):
    text = text.translate(_FULL)
    return re.sub(r"(?<=[0-9])[ \u00a0\u3000\-\uff0d.\uff0e]+(?=[0-9])", "", text)


def assert_clean(text, where):
    flat = readable(text)
    for _typed, digits in VARIANTS:
        assert digits not in flat, f"{digits} leaked in {where}"


def day(n):
    return (datetime.date.today() + datetime.timedelta(days=n)).isoformat()


def tiny_png():
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def server(module_server):
    return module_server


@pytest.fixture(scope="module")
def api(server):
    tokens = {who: server.token(name) for who, name in (
        ("clerk", "clerk_houxi"), ("supervisor", "supervisor_houxi"), ("resident", "resident_houxi"))}

    def call(method, path, who=None, **kw):
        headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
        return requests.request(method, server.url + path, headers=headers, timeout=30, **kw)
    return call


@pytest.fixture(scope="module")
def records(api):
    """One record carrying every variant in its title, body, attachment name, an objection,
    a send-back reason, a correction note and (on a second record) a withdrawal reason."""
    all_typed = "；".join(t for t, _ in VARIANTS)
    body = f"申请人证件 {all_typed}。\n\n[查看](https://example.cn/u/{VARIANTS[0][0]}?m=13805951207)"
    r = api("POST", "/api/v1/publications", "clerk", json={
        "village": VILLAGE, "category": "result", "power": "QY-12",
        "title": f"张三（{variant(1)}）宅基地审批公示",
        "body": body,
        "period_start": day(-1), "period_end": day(6)})
    assert r.status_code == 201, r.text
    pub = r.json()
    # The clerk's preview lists every finding, the mistyped ID number too.
    preview = pub["masking"]
    assert len(preview) >= len(VARIANTS) + 1 and any(m["mistyped"] for m in preview)
    assert_clean(json.dumps(preview, ensure_ascii=False), "masking preview")
    r = api("POST", f"/api/v1/publications/{pub['id']}/send-back", "supervisor",
            json={"reason": f"请删去 {variant(2)} 再提交"})
    assert r.status_code == 200, r.text
    r = api("POST", f"/api/v1/publications/{pub['id']}/attachments", "clerk",
            files={"file": (f"身份证{variant(3)}.png", tiny_png(), "image/png")})
    assert r.status_code == 201, r.text
    assert_clean(r.json()["filename"], "attachment name in the upload answer")
    r = api("PUT", f"/api/v1/publications/{pub['id']}", "clerk", json={
        "village": VILLAGE, "category": "result", "power": "QY-12", "title": pub["title"] and
        f"张三（{variant(1)}）宅基地审批公示", "body": body, "period_start": day(-1), "period_end": day(6)})
    assert r.status_code == 200, r.text
    assert api("POST", f"/api/v1/publications/{pub['id']}/approve", "supervisor").status_code == 200
    assert api("POST", f"/api/v1/publications/{pub['id']}/publish", "clerk").status_code == 200
    r = api("POST", f"/api/v1/publications/{pub['id']}/objections", "resident",
            json={"text": f"我的电话 {variant(6)}，证号 {variant(4)}，请联系"})
    assert r.status_code == 201, r.text
    obj = r.json()["id"]
    assert api("POST", f"/api/v1/objections/{obj}/moderate", "supervisor",
               json={"decision": "show", "note": f"已核实 {variant(0)}"}).ok
    assert api("POST", f"/api/v1/objections/{obj}/answer", "clerk",
               json={"text": f"已回电 {variant(7)}"}).ok
    r = api("POST", f"/api/v1/publications/{pub['id']}/correct", "clerk",
            json={"body": "申请人证件已隐去。", "correction_note": f"删去 {variant(8)} 等号码"})
    assert r.status_code == 201, r.text
    correction = r.json()["id"]
    assert api("POST", f"/api/v1/publications/{correction}/approve", "supervisor").ok
    assert api("POST", f"/api/v1/publications/{correction}/publish", "clerk").ok
    r = api("POST", "/api/v1/publications", "clerk", json={
        "village": VILLAGE, "category": "village", "title": "待撤回的公示", "body": "内容。"})
    other = r.json()["id"]
    assert api("POST", f"/api/v1/publications/{other}/approve", "supervisor").ok
    assert api("POST", f"/api/v1/publications/{other}/publish", "clerk").ok
    r = api("POST", f"/api/v1/publications/{other}/withdraw", "clerk", json={"reason": f"误填 {variant(5)}"})
    assert r.ok, r.text
    return [pub["id"], correction, other]


def test_nothing_public_carries_the_raw_digits(server, api, records):
    paths = [f"/p/{i}" for i in records] + [f"/p/{i}/print" for i in records] + [
        f"/feeds/{VILLAGE}.atom", f"/feeds/{VILLAGE}/result.atom", f"/v/{VILLAGE}/publications",
        f"/v/{VILLAGE}", "/search?q=宅基地审批公示", "/search?q=撤回", "/audit"]
    for path in paths:
        r = requests.get(server.url + path, timeout=30)
        assert r.status_code == 200, path
        assert_clean(r.text, path)
    page = requests.get(server.url + f"/p/{records[0]}", timeout=30).text
    assert "3505**********1234" in page                     # masked, not dropped
    for path in [f"/api/v1/publications/{i}" for i in records] + [
            f"/api/v1/publications?village={VILLAGE}", f"/api/v1/publications/{records[0]}/objections",
            "/api/v1/search?q=宅基地审批公示", "/api/v1/search?q=350502199001011234"]:
        r = api("GET", path)
        assert r.status_code == 200, path
        assert_clean(json.dumps(r.json(), ensure_ascii=False), path)
    deadline = time.monotonic() + 30  # the index follows the commit in the background
    while True:
        hits = api("GET", "/api/v1/search?q=宅基地审批公示").json()["results"]
        if {h["id"] for h in hits} & set(records[:2]) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert {h["id"] for h in hits} & set(records[:2]), "the masked record is findable"




def test_preview_tells_the_clerk_and_supervisor_every_finding(server, api, phone):
    """The preview (公开时将隐去以下个人信息) lists each number, the mistyped ID number flagged."""
    from pathlib import Path

    from tests.conftest import browser_login
    r = api("POST", "/api/v1/publications", "clerk", json={
        "village": VILLAGE, "category": "village", "title": "低保申请人名单（草稿）",
        "body": "王五 350502 19900101 1234；赵六 350528196304123028；电话 138-0595-1207。"})
    pub = r.json()["id"]
    shots = Path("/tmp/shots/privacy")
    shots.mkdir(parents=True, exist_ok=True)
    for who in ("clerk_houxi", "supervisor_houxi"):
        phone.context.clear_cookies()
        browser_login(phone, server.url, who)
        phone.goto(f"{server.url}/p/{pub}")
        items = phone.locator("#masking-preview li")
        assert items.count() == 3
        texts = [items.nth(i).inner_text() for i in range(3)]
        assert "3505**********1234" in texts[0] and "校验位不符" in texts[0]
        assert "3505**********3028" in texts[1] and "校验位不符" not in texts[1]
        assert "138****1207" in texts[2]
        assert_clean(phone.locator("#staff-panel").inner_text(), f"preview for {who}")
        phone.locator("#masking-preview").scroll_into_view_if_needed()
        phone.screenshot(path=str(shots / f"preview_{who}.png"))


def test_audit_payloads_are_masked(server, records):
    """The sealed audit log is public and permanent: every payload of the corpus is masked."""
    import sqlite3
    from audit.models import AuditEntry
    with sqlite3.connect(server.instance / "portal.db") as db:
        payloads = [row[0] for row in db.execute(f"SELECT payload FROM {AuditEntry._meta.table_name}")]
    assert len(payloads) > 10
    for payload in payloads:
        assert_clean(json.dumps(json.loads(payload), ensure_ascii=False), "audit payload")


def test_review_list_counts_findings_and_mistyped_ids(server, api, phone):
    """The supervisor's list of drafts (待办草稿) says what each draft will have hidden."""
    from pathlib import Path

    from tests.conftest import browser_login
    r = api("POST", "/api/v1/publications", "clerk", json={
        "village": VILLAGE, "category": "village", "title": "困难补助名单（待审）",
        "body": "李四 350502199001011234；电话 13805951207。"})
    pub = r.json()["id"]
    phone.context.clear_cookies()
    browser_login(phone, server.url, "supervisor_houxi")
    phone.goto(f"{server.url}/v/{VILLAGE}/publications/work")
    row = phone.locator(f"li:has(a[href$='/p/{pub}'])")
    text = row.inner_text()
    assert "公开时将隐去2项个人信息" in text and "其中1个身份证号校验位不符" in text
    assert_clean(phone.content(), "review list")
    shots = Path("/tmp/shots/privacy")
    shots.mkdir(parents=True, exist_ok=True)
    row.scroll_into_view_if_needed()
    phone.screenshot(path=str(shots / "review_list.png"))
