"""Red flags follow the rows after every commit, a rebuild gives the same table, one bad rule harms nothing."""
import threading
import time

import peewee
import pytest
import requests

from portal.core.domain import Domain, Flag, FlagRule
from portal.core.records import RecordModel, RecordType, Transition
from portal.units.models import Unit
from tests.core.conftest import serve_with

LIMIT = 1000


class QuoteRow(RecordModel):
    village = peewee.ForeignKeyField(Unit, backref="+")  # the village that asked for the quote
    title = peewee.CharField(max_length=100)
    amount = peewee.IntegerField(default=0)  # yuan


def _fill(actor, row, data):
    row.village = Unit.find(data.get("village"), "village")
    row.title = str(data.get("title") or "")[:100]
    row.amount = int(data.get("amount") or 0)


def _revise(actor, row, data):
    row.amount = int(data.get("amount") or 0)


QUOTE = RecordType(
    name="test_quote", label="测试报价", model=QuoteRow, states={"draft": "草稿", "posted": "已公开"},
    public_states=["posted"], unit_of=lambda row: row.village, find_unit=lambda code: Unit.find(code, "village"),
    public_fields=["amount"], title_of=lambda row: row.title, api_path="test-quotes",
    transitions=[Transition("create", "test_quote.write", [None], "draft", change=_fill),
                 Transition("post", "test_quote.write", ["draft"], "posted"),
                 Transition("revise", "test_quote.write", ["posted"], "posted", change=_revise)])


def _flag(row):
    over = row.state == "posted" and row.amount > LIMIT
    return Flag("test_quote", row.id, row.village_id, {"amount": row.amount, "limit": LIMIT} if over else None)


def _check(doc_type, object_id):
    row = QuoteRow.get_or_none(QuoteRow.id == object_id)
    return [_flag(row)] if row else []


def _scan():
    return [_flag(r) for r in QuoteRow.select()]


def _broken(doc_type, object_id):
    raise RuntimeError("a rule with a bug")


RULES = [FlagRule("test.over_limit", "超过限额", ["test_quote"], _check, _scan, "报价超过1000元"),
         FlagRule("test.broken", "坏规则", ["test_quote"], _broken, lambda: [])]
DOMAIN = Domain(name="test_quotes", models=[QuoteRow], record_types=[QUOTE], flag_rules=RULES,
                actions={"test_quote.write": {"clerk"}})


APP = {}


@pytest.fixture
def site(tmp_path):
    yield from serve_with(tmp_path, DOMAIN, APP)


def _quote(url, auth, clerk, village, amount):
    made = requests.post(f"{url}/api/v1/test-quotes", headers=auth[clerk],
                         json={"village": village, "title": "修路", "amount": amount})
    assert made.status_code == 201, made.text
    posted = requests.post(f"{url}/api/v1/test-quotes/{made.json()['id']}/post", headers=auth[clerk])
    assert posted.status_code == 200, posted.text  # the broken rule did not break the write
    return made.json()["id"]


def _flags(url, **params):
    answer = requests.get(f"{url}/api/v1/redflags", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_flags_are_raised_and_cleared_after_commit_and_rebuild_agrees(site):
    url, auth = site
    big = _quote(url, auth, "clerk_a", "350528100200", 5000)
    _quote(url, auth, "clerk_a", "350528100200", 200)
    other = _quote(url, auth, "clerk_b", "350528100210", 3000)
    listing = _flags(url)
    assert listing["total"] == 2 and {f["object"]["id"] for f in listing["flags"]} == {big, other}
    flag = next(f for f in listing["flags"] if f["object"]["id"] == big)
    assert flag["code"] == "test.over_limit" and flag["title"] == "超过限额"
    assert flag["evidence"] == {"amount": 5000, "limit": 1000} and flag["raised_at"].endswith("+08:00")
    assert flag["object"]["url"].endswith(f"/r/test_quote/{big}") and requests.get(flag["object"]["url"]).ok
    assert [f["object"]["id"] for f in _flags(url, village="350528100210")["flags"]] == [other]
    assert _flags(url, township="350528100000")["total"] == 2
    assert _flags(url, code="test.broken")["total"] == 0

    revised = requests.post(f"{url}/api/v1/test-quotes/{big}/revise", headers=auth["clerk_a"], json={"amount": 900})
    assert revised.status_code == 200
    assert [f["object"]["id"] for f in _flags(url)["flags"]] == [other]

    incremental = _open_set(url)
    from portal.core.db import connection
    from portal.redflags import services
    from portal.redflags.models import RedFlag
    with APP["app"].app_context(), connection():
        RedFlag.delete().execute()  # the table is a projection: drop it and recompute from the rows
        assert _flags(url)["total"] == 0
        assert services.rebuild()["test.over_limit"] == 1
    assert _open_set(url) == incremental


def _open_set(url):
    return {(f["code"], f["object"]["type"], f["object"]["id"], str(f["evidence"])) for f in _flags(url)["flags"]}


def test_bad_filters_get_an_error_object(site):
    url, _auth = site
    for params, code in (({"village": "999"}, "bad_village"), ({"township": "350528100200"}, "bad_township"),
                         ({"page": "x"}, None)):
        answer = requests.get(f"{url}/api/v1/redflags", params=params)
        assert answer.status_code in (400, 404) and "error" in answer.json()
        if code:
            assert answer.json()["error"]["code"] == code
    rules = requests.get(f"{url}/api/v1/redflags/rules").json()["rules"]
    assert {"code": "test.over_limit", "title": "超过限额", "description": "报价超过1000元",
            "watches": ["test_quote"]} in rules


GATE = threading.Event()  # the gated rule's check waits for it
CHECKING = threading.Event()  # set once the gated rule has begun


def _gated_check(doc_type, object_id):
    CHECKING.set()
    assert GATE.wait(30)
    return _check(doc_type, object_id)


GATED = Domain(name="test_quotes", models=[QuoteRow], record_types=[QUOTE], actions={"test_quote.write": {"clerk"}},
               flag_rules=[FlagRule("test.over_limit", "超过限额", ["test_quote"], _gated_check, _scan, "报价超过1000元")])


@pytest.fixture
def gated_site(tmp_path):
    GATE.clear(), CHECKING.clear()
    yield from serve_with(tmp_path, GATED, REDFLAGS_SYNC=False)  # as a serving portal: rules in their worker
    GATE.set()


def test_a_write_answers_before_the_rules_run_and_a_later_read_waits_for_them(gated_site):
    url, auth = gated_site
    started = time.monotonic()
    quote = _quote(url, auth, "clerk_a", "350528100200", 5000)  # answered while the rule is held at its gate
    assert CHECKING.wait(10) and not GATE.is_set()
    assert time.monotonic() - started < 10
    threading.Timer(1.0, GATE.set).start()
    listing = _flags(url)  # waits for the queued check: the clerk's next read shows what the write raised
    assert GATE.is_set() and [f["object"]["id"] for f in listing["flags"]] == [quote]
