"""The funds ledger over the API (API.md "Three capitals"): record, close, publish, correct, refuse."""
import sqlite3
import threading

from tests.ledger.conftest import DONGHU, GUIXIANG, HOUXI, SHICHENG, last_month, this_month


def entry(village, voucher, day, **extra):
    body = {"village": village, "voucher_no": voucher, "date": day, "summary": "村道路灯电费",
            "account": "541", "direction": "expense", "amount": "1286.40", "handler": "林某",
            "approver": "村委会主任"}
    body.update(extra)
    return body


def test_accounts_follow_the_2004_chart_and_name_their_chart(site):
    r = site.get("/api/v1/ledger/accounts")
    assert r.status_code == 200
    accounts = {a["code"]: a for a in r.json()["accounts"]}
    assert r.json()["chart"] == "2004"
    assert (accounts["101"]["name"], accounts["101"]["kind"]) == ("现金", "asset")
    assert (accounts["541"]["name"], accounts["541"]["kind"]) == ("管理费用", "expense")
    assert accounts["501"]["kind"] == "income" and accounts["231"]["kind"] == "liability"
    assert {a["kind"] for a in accounts.values()} <= {"asset", "liability", "equity", "cost", "income", "expense"}
    new = site.get("/api/v1/ledger/accounts", params={"chart": "2023"}).json()
    assert new["chart"] == "2023" and any(a["name"] == "库存现金" for a in new["accounts"])
    mapping = {(m["old_code"]): m["new_code"] for m in site.get("/api/v1/ledger/charts").json()["mapping"]}
    assert mapping["541"] == "511" and mapping["202"] == "211"
    assert site.get("/api/v1/ledger/accounts", params={"chart": "1999"}).json()["error"]["code"] == "bad_chart"


def test_a_month_recorded_approved_published_then_locked_and_corrected_by_reversal(site):
    month = last_month()
    day = f"{month}-20"
    made = site.post("/api/v1/ledger/entries", "clerk_donghu", json=entry(DONGHU, "T-001", day))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "recorded" and body["amount"] == "1286.40" and isinstance(body["id"], int)
    income = site.post("/api/v1/ledger/entries", "clerk_donghu", json=entry(
        DONGHU, "T-002", day, account="511", direction="income", amount="18000.00", summary="集体店面租金"))
    assert income.status_code == 201, income.text
    # Not public before the month is published.
    assert site.get(f"/api/v1/ledger/entries/{body['id']}").status_code == 404
    listed = site.get("/api/v1/ledger/entries", params={"village": DONGHU, "from": day, "to": day}).json()
    assert listed["total"] == 0
    before = site.get(f"/api/v1/ledger/statements/{DONGHU}", params={"period": month}).json()

    assert site.post(f"/api/v1/ledger/periods/{DONGHU}/{month}/publish", "clerk_donghu").json()["error"]["code"] \
        == "bad_state"  # not yet signed off
    assert site.post(f"/api/v1/ledger/periods/{DONGHU}/{month}/approve", "clerk_donghu").status_code == 403
    approved = site.post(f"/api/v1/ledger/periods/{DONGHU}/{month}/approve", "supervisor_donghu")
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    late = site.post("/api/v1/ledger/entries", "clerk_donghu", json=entry(DONGHU, "T-003", day))
    assert late.status_code == 409 and late.json()["error"]["code"] == "period_approved"
    published = site.post(f"/api/v1/ledger/periods/{DONGHU}/{month}/publish", "clerk_donghu")
    assert published.status_code == 200 and published.json()["status"] == "published", published.text

    public = site.get(f"/api/v1/ledger/entries/{body['id']}").json()
    assert public["status"] == "published" and public["amount"] == "1286.40" and public["url"].endswith(
        f"/r/ledger_entry/{body['id']}")
    listed = site.get("/api/v1/ledger/entries", params={"village": DONGHU, "from": day, "to": day}).json()
    assert sorted(e["voucher_no"] for e in listed["entries"]) == ["T-001", "T-002"]
    after = site.get(f"/api/v1/ledger/statements/{DONGHU}", params={"period": month}).json()
    assert before["income"] == "0.00"  # nothing of the month was public before
    whole = site.get("/api/v1/ledger/entries", params={"village": DONGHU, "from": f"{month}-01",
                                                        "to": after["to"]}).json()
    cents = lambda s: round(float(s) * 100)  # noqa: E731
    assert cents(after["income"]) == sum(cents(e["amount"]) for e in whole["entries"] if e["direction"] == "income")
    assert cents(after["expense"]) == sum(cents(e["amount"]) for e in whole["entries"] if e["direction"] == "expense")
    assert after["closing_balance"] == f"{float(after['opening_balance']) + float(after['income']) - float(after['expense']):.2f}"
    by_account = {a["account"]: a for a in after["by_account"]}
    assert by_account["541"]["name"] == "管理费用"
    assert site.get(f"/r/ledger_entry/{body['id']}").status_code == 200

    # The month is locked; the correction is a reversal in an open month, linked, with the negative amount.
    locked = site.post("/api/v1/ledger/entries", "clerk_donghu", json=entry(DONGHU, "T-004", day))
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "period_published"
    reversal = site.post("/api/v1/ledger/entries", "clerk_donghu", json={
        "village": DONGHU, "voucher_no": "T-005", "date": f"{this_month()}-01", "reverses": body["id"]})
    assert reversal.status_code == 201, reversal.text
    assert reversal.json()["amount"] == "-1286.40" and reversal.json()["reverses"] == body["id"]
    again = site.post("/api/v1/ledger/entries", "clerk_donghu", json={
        "village": DONGHU, "voucher_no": "T-006", "date": f"{this_month()}-01", "reverses": body["id"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reversed"
    of_reversal = site.post("/api/v1/ledger/entries", "clerk_donghu", json={
        "village": DONGHU, "voucher_no": "T-007", "date": f"{this_month()}-01", "reverses": reversal.json()["id"]})
    assert of_reversal.status_code == 409 and of_reversal.json()["error"]["code"] == "reversal_of_reversal"
    again_month = site.post(f"/api/v1/ledger/periods/{DONGHU}/{month}/approve", "supervisor_donghu")
    assert again_month.status_code == 409 and again_month.json()["error"]["code"] == "bad_state"
    # The month's publication is in the audit log with its entries, and a 财务公开 notice exists.
    index = published.json()["audit_index"]
    publish = site.get("/api/v1/audit/entries", params={"start": index, "limit": 1}).json()["entries"][0]
    assert publish["action"] == "ledger_period.publish" and publish["index"] == index
    notice = site.get(f"/api/v1/publications/{published.json()['publication']}").json()
    assert notice["category"] == "finance" and "T-001" in notice["body"]


def recorded(site, village, day):
    """What the server's database holds for that day (read-only): proof that refusals wrote nothing."""
    db = sqlite3.connect(f"file:{site.server.instance}/portal.db?mode=ro", uri=True)
    rows = db.execute("select voucher_no from entry where village_id=? and date=? order by id", (village, day)).fetchall()
    db.close()
    return [{"voucher_no": r[0]} for r in rows]


def test_bad_input_is_refused_with_a_code_and_nothing_written(site):
    day = f"{this_month()}-02"
    cases = [
        (entry(HOUXI, "B-1", day, amount=12.5), 400, "bad_amount"),  # a float
        (entry(HOUXI, "B-2", day, amount="12.505"), 400, "bad_amount"),  # three decimals
        (entry(HOUXI, "B-3", day, amount="-5.00"), 400, "bad_amount"),
        (entry(HOUXI, "B-4", day, account="999"), 400, "bad_account"),
        (entry(HOUXI, "B-5", day, account="101"), 400, "settlement_account"),
        (entry(HOUXI, "B-6", day, account="511", direction="expense"), 400, "direction_mismatch"),
        (entry(HOUXI, "B-7", day, direction="sideways"), 400, "bad_direction"),
        (entry(HOUXI, "B-8", "2026-13-01"), 400, "bad_date"),
        (entry(HOUXI, "", day), 400, "missing_voucher_no"),
        (entry(HOUXI, "B-9", day, summary=""), 400, "missing_summary"),
        (entry("999999999999", "B-10", day), 404, "bad_village"),
    ]
    for body, status, code in cases:
        r = site.post("/api/v1/ledger/entries", "clerk_houxi", json=body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (body, r.text)
        assert r.json()["error"]["message"]
    assert site.post("/api/v1/ledger/entries", "clerk_shicheng", json=entry(HOUXI, "B-11", day)).json()[
        "error"]["code"] == "not_allowed"  # another village's clerk
    assert site.post("/api/v1/ledger/entries", "resident_houxi", json=entry(HOUXI, "B-12", day)).status_code == 403
    assert site.post("/api/v1/ledger/entries", json=entry(HOUXI, "B-13", day)).status_code == 401
    ok = site.post("/api/v1/ledger/entries", "clerk_houxi", json=entry(HOUXI, "B-OK", day))
    assert ok.status_code == 201
    dup = site.post("/api/v1/ledger/entries", "clerk_houxi", json=entry(HOUXI, "B-OK", day))
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_voucher"
    mine = site.get(f"/api/v1/ledger/entries/{ok.json()['id']}", headers=site.auth("clerk_houxi")).json()
    assert mine["voucher_no"] == "B-OK"
    listed = site.get("/api/v1/ledger/entries", params={"village": HOUXI, "from": day, "to": day},
                      headers=site.auth("clerk_houxi")).json()
    assert listed["total"] == 0  # none of them public, and none written: the staff view shows only B-OK
    assert [r["voucher_no"] for r in recorded(site, HOUXI, day)] == ["B-OK"]


def test_simultaneous_publications_of_a_month_write_once(site):
    month = last_month()
    r = site.post("/api/v1/ledger/entries", "clerk_guixiang", json=entry(GUIXIANG, "C-1", f"{month}-21"))
    assert r.status_code == 201, r.text
    assert site.post(f"/api/v1/ledger/periods/{GUIXIANG}/{month}/approve", "supervisor_guixiang").status_code == 200
    codes, barrier = [], threading.Barrier(8)

    def publish():
        barrier.wait()
        codes.append(site.post(f"/api/v1/ledger/periods/{GUIXIANG}/{month}/publish", "clerk_guixiang").status_code)
    threads = [threading.Thread(target=publish) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] + [409] * 7
    notices = site.get("/api/v1/publications", params={"village": GUIXIANG, "category": "finance"}).json()
    titles = [p["title"] for p in notices["publications"]]
    label = f"{int(month[:4])}年{int(month[5:])}月"
    assert sum(1 for t in titles if label in t) == 1


def test_statements_for_a_quarter_a_year_and_a_township(site):
    year = last_month()[:4]
    months = [site.get(f"/api/v1/ledger/statements/{HOUXI}", params={"period": f"{year}-{m:02d}"}).json()
              for m in range(1, 4)]
    quarter = site.get(f"/api/v1/ledger/statements/{HOUXI}", params={"period": f"{year}-Q1"}).json()
    cents = lambda s: round(float(s) * 100)  # noqa: E731
    assert cents(quarter["income"]) == sum(cents(m["income"]) for m in months)
    assert quarter["opening_balance"] == months[0]["opening_balance"]
    assert quarter["closing_balance"] == months[-1]["closing_balance"]
    assert cents(quarter["closing_balance"]) == cents(quarter["closing_cash"]) + cents(quarter["closing_bank"])
    whole = site.get(f"/api/v1/ledger/statements/{HOUXI}", params={"period": year}).json()
    assert set(whole) >= {"village", "period", "opening_balance", "income", "expense", "closing_balance", "by_account"}
    township = site.get("/api/v1/ledger/statements/350528100000", params={"period": year}).json()
    parts = [site.get(f"/api/v1/ledger/statements/{v}", params={"period": year}).json()
             for v in (HOUXI, SHICHENG, "350528100220")]
    assert cents(township["income"]) == sum(cents(p["income"]) for p in parts)
    for bad in ("2026-13", "2026-Q5", "abc", ""):
        r = site.get(f"/api/v1/ledger/statements/{HOUXI}", params={"period": bad})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_period"


def test_each_village_months_show_met_due_or_overdue(site):
    months = site.get(f"/api/v1/ledger/periods/{SHICHENG}").json()["months"]
    statuses = {m["status"] for m in months}
    assert "met" in statuses and "overdue" in statuses  # the demo leaves 石埕村's recent months unpublished
    for m in months:
        assert (m["status"] == "met") == (m["state"] == "published")
