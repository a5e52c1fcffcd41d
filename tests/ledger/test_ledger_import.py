"""A month from a spreadsheet (issue 12 "Spreadsheet import" and "Bad input"): all or nothing, every row's
problem with its row, column, value and message — Chinese by default, English for a reader who asked —
on the API and on the clerk's page."""
import io
import re

import pytest

from tests.ledger.conftest import HOUXI, this_month
from tests.pages.helpers import login

CJK = re.compile(r"[\u4e00-\u9fff]")
HEADER = "凭证号,日期,摘要,科目代码,收支,金额,收付方式,对方单位,统一社会信用代码,经手人,审批人\n"


@pytest.fixture
def api(demo, app):
    from portal.accounts.models import User
    from portal.accounts.services import create_token
    token = create_token(User.get(User.username == "clerk_houxi"))
    client = app.test_client()

    def post(data, filename="month.csv", lang=None, **form):
        headers = {"Authorization": f"Bearer {token}"}
        if lang:
            headers["Accept-Language"] = lang
        body = dict({"village": HOUXI, "file": (io.BytesIO(data), filename)}, **form)
        return client.post("/api/v1/ledger/import", headers=headers, data=body, content_type="multipart/form-data")
    return post


def written(village=HOUXI):
    from portal.ledger.models import Entry
    return Entry.select().where(Entry.village == village).count()


def bad_csv(month):
    return (HEADER +
            f"I-1,{month}-03,村道路灯电费,541,支出,1286.40,银行,,,林某,主任\n"
            f"I-1,{month}-04,办公用品,541,支出,12.345,现金,,,林某,主任\n"  # voucher repeated, three decimals
            f"I-3,{month}-05,=HYPERLINK(\"x\"),999,支出,5.00,银行,,,林某,主任\n"  # formula, wrong account
            f"I-4,2001-01-05,店面租金,511,支出,5.00,银行,,,林某,主任\n").encode()  # outside the month, income account paid


def test_a_good_file_is_written_whole_once_and_the_same_file_again_is_a_duplicate(api):
    month = this_month()
    data = (HEADER + "".join(f"G-{i},{month}-01,环境卫生保洁劳务费{i},541,支出,{i}00.00,银行,,,林某,主任\n"
                             for i in range(1, 31))).encode()
    before = written()
    r = api(data)
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["imported"] == 30 and r.get_json()["month"] == month
    assert written() == before + 30
    again = api(data)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate_import"
    assert written() == before + 30


def test_every_bad_row_is_reported_in_chinese_and_nothing_is_written(api):
    before = written()
    r = api(bad_csv(this_month()))
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "invalid_rows" and CJK.search(error["message"])
    found = {(p["row"], p["column"]) for p in error["rows"]}
    assert {(3, "凭证号"), (3, "金额"), (4, "摘要"), (4, "科目代码"), (5, "日期"), (5, "收支")} <= found
    assert all(CJK.search(p["message"]) for p in error["rows"])
    assert any(p["message"] == "凭证号与第2行重复。" for p in error["rows"])
    values = {(p["row"], p["column"]): p["value"] for p in error["rows"]}
    assert values[(3, "金额")] == "12.345" and values[(4, "科目代码")] == "999" and values[(4, "摘要")].startswith("=")
    assert written() == before


def test_the_row_messages_are_english_for_an_english_reader_on_the_api(api):
    r = api(bad_csv(this_month()), lang="en")
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["message"] == "The file has %d error(s); nothing was imported." % len(error["rows"])
    for p in error["rows"]:  # the chart's account names are data, as village names are: they stay as written
        assert not CJK.search(p["message"].replace("发包及上交收入", "")) and not CJK.search(p["column"]), p
    messages = {(p["row"], p["column"]): p["message"] for p in error["rows"]}
    assert messages[(3, "Voucher no.")] == "The voucher no. repeats the one on row 2."
    assert messages[(4, "Account code")] == 'Account code "999" is not in the chart of accounts.'
    assert messages[(3, "Amount")] == "Amount may have at most two decimals (fen)."


def test_the_row_messages_are_english_on_the_clerks_page(demo, app):
    client = app.test_client()
    login(client, "clerk_houxi")
    assert client.get(f"/ledger/work/{HOUXI}?lang=en").status_code == 200  # the reader chooses English
    r = client.post(f"/ledger/work/{HOUXI}/import", data={"file": (io.BytesIO(bad_csv(this_month())), "m.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "invalid_rows" and not CJK.search(error["message"])
    assert error["rows"] and all(not CJK.search(p["message"].replace("发包及上交收入", "") + p["column"])
                                 for p in error["rows"])
    assert client.get(f"/ledger/work/{HOUXI}?lang=zh").status_code == 200
    r = client.post(f"/ledger/work/{HOUXI}/import", data={"file": (io.BytesIO(bad_csv(this_month())), "m.csv")},
                    content_type="multipart/form-data")
    assert all(CJK.search(p["message"]) for p in r.get_json()["error"]["rows"])


def test_a_formula_cell_in_a_real_xlsx_is_refused(api):
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    month = this_month()
    sheet.append(["X-1", f"{month}-02", "路灯电费", "541", "支出", "=100+28.4", "银行", "", "", "林某", "主任"])
    sheet.append(["X-2", f"{month}-02", "办公用品", "541", "支出", "20.00", "现金", "", "", "林某", "主任"])
    sheet["F4"] = "=SUM(F2:F3)"
    sheet["A4"], sheet["B4"], sheet["C4"], sheet["D4"], sheet["E4"] = "X-3", f"{month}-02", "合计", "541", "支出"
    out = io.BytesIO()
    book.save(out)
    before = written()
    r = api(out.getvalue(), filename="month.xlsx")
    assert r.status_code == 400, r.get_data(as_text=True)
    rows = r.get_json()["error"]["rows"]
    formulas = [p for p in rows if p["value"].startswith("=")]
    assert {(p["row"], p["column"]) for p in formulas} == {(2, "金额"), (4, "金额")}
    assert all("公式" in p["message"] for p in formulas)  # only that: not also "not a number"
    assert len(formulas) == 2
    assert written() == before


def test_broken_or_oversized_files_and_a_published_month_are_refused_with_codes(api, app):
    before = written()
    r = api(b"PK\x03\x04 not really a zip", filename="month.xlsx")
    assert (r.status_code, r.get_json()["error"]["code"]) == (400, "bad_xlsx")
    r = api(b"just some text", filename="month.xlsx")
    assert (r.status_code, r.get_json()["error"]["code"]) == (400, "bad_xlsx")
    app.config["MAX_UPLOAD_BYTES"] = 2000
    try:
        big = (HEADER + "".join(f"L-{i},{this_month()}-01,电费,541,支出,1.00,银行,,,林某,主任\n"
                                for i in range(100))).encode()
        r = api(big, lang="en")
        assert (r.status_code, r.get_json()["error"]["code"]) == (400, "file_too_large")
        assert not CJK.search(r.get_json()["error"]["message"])
    finally:
        app.config.pop("MAX_UPLOAD_BYTES")
    from portal.ledger.models import Period
    month = Period.select().where((Period.village == HOUXI) & (Period.state == "published")).order_by(
        Period.month.desc()).first().month
    r = api((HEADER + f"P-1,{month}-03,电费,541,支出,1.00,银行,,,林某,主任\n").encode())
    assert (r.status_code, r.get_json()["error"]["code"]) == (409, "period_published")
    # a voucher number already used in the year
    from portal.ledger.models import Entry
    used = Entry.select().where((Entry.village == HOUXI) & (Entry.year == int(this_month()[:4]))).first()
    if used is not None:
        r = api((HEADER + f"{used.voucher_no},{this_month()}-03,电费,541,支出,1.00,银行,,,林某,主任\n").encode())
        assert r.status_code == 400 and r.get_json()["error"]["rows"][0]["column"] == "凭证号"
    assert written() == before
