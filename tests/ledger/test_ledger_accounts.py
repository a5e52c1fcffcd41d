"""A county's sub-accounts (明细科目) beside the national chart: added by the county, listed by the API,
accepted on entries, summed under their national account in the statements."""
from tests.ledger.conftest import HOUXI, this_month

COUNTY = "350528000000"


def test_a_county_sub_account_is_listed_used_and_rolled_up(demo, app):
    from portal.accounts.models import User
    from portal.ledger import entries, statements
    runner = app.test_cli_runner()
    done = runner.invoke(args=["ledger", "add-account", "--county", COUNTY, "--parent", "541", "--code", "541001",
                               "--name", "办公费"])
    assert done.exit_code == 0, done.output
    assert "541001" in done.output and "expense" in done.output
    again = runner.invoke(args=["ledger", "add-account", "--county", COUNTY, "--parent", "541", "--code", "541001",
                                "--name", "办公费"])
    assert again.exit_code != 0 and "已在科目表中" in again.output
    bad = runner.invoke(args=["ledger", "add-account", "--county", COUNTY, "--parent", "541", "--code", "542001",
                              "--name", "错"])
    assert bad.exit_code != 0
    client = app.test_client()
    listed = {a["code"]: a for a in client.get("/api/v1/ledger/accounts").get_json()["accounts"]}
    assert listed["541001"]["parent"] == "541" and listed["541001"]["kind"] == "expense"
    assert listed["541001"]["county"] == COUNTY and listed["541"]["county"] is None
    with app.test_request_context():
        clerk = User.get(User.username == "clerk_houxi")
        from portal.units.models import Unit
        village = Unit.get_by_id(HOUXI)
        day = f"{this_month()}-01"
        row = entries.record_entry(clerk, village, {"voucher_no": "S-1", "date": day, "summary": "打印纸",
                                                   "account": "541001", "direction": "expense", "amount": "88.00"})
        assert row.account == "541001"
        stmt = statements.statement([HOUXI], this_month(), public=False)
        lines = {r["account"]: r for r in stmt["by_account"]}
        assert lines["541"]["expense"] >= 8800 and "541001" not in lines
