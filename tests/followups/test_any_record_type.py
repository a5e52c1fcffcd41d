"""One mechanism for every record type: a follow-up on a record type declared by a test domain.

The domain below knows nothing of follow-ups; declaring its record type is enough for an inspector
to open a follow-up on its records and for the public ones to appear on its record page.
"""
import datetime
import threading

import peewee
import pytest
import requests

from portal.core.domain import Domain
from portal.core.records import RecordModel, RecordType, Transition
from portal.units.models import Unit


class FuNoticeRow(RecordModel):
    village = peewee.ForeignKeyField(Unit, backref="+")  # the village that posted it
    title = peewee.CharField(max_length=100)


def _fill(actor, row, data):
    row.village = Unit.find(data.get("village"), "village")
    row.title = str(data.get("title") or "")[:100]


NOTICE = RecordType(
    name="fu_notice", label="测试告示", model=FuNoticeRow, states={"draft": "草稿", "posted": "已张贴"},
    public_states=["posted"], unit_of=lambda row: row.village, find_unit=lambda code: Unit.find(code, "village"),
    public_fields=[], title_of=lambda row: row.title, api_path="fu-notices",
    transitions=[Transition("create", "fu_notice.write", [None], "draft", change=_fill),
                 Transition("post", "fu_notice.write", ["draft"], "posted")])
DOMAIN = Domain(name="fu_notices", models=[FuNoticeRow], record_types=[NOTICE], actions={"fu_notice.write": {"clerk"}})


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
        create_unit(None, "350528100200", "后溪村", "village", "350528100000")
        tokens = {name: create_token(create_user(name, role, unit)[0]) for name, role, unit in (
            ("clerk_a", "clerk", "350528100200"), ("inspector_t", "inspector", "350528100000"))}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}
    server.shutdown()


def test_follow_up_on_a_record_of_a_domain_that_knows_nothing_of_follow_ups(site):
    url, auth = site
    notice = requests.post(f"{url}/api/v1/fu-notices", headers=auth["clerk_a"],
                           json={"village": "350528100200", "title": "停水通知"}).json()["id"]
    due = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    body = {"object": {"type": "fu_notice", "id": notice}, "assignee": "clerk@350528100200",
            "question": "停水原因是否已告知村民？", "due": due, "visibility": "public"}
    draft = requests.post(f"{url}/api/v1/followups", headers=auth["inspector_t"], json=body)
    assert draft.status_code == 400 and draft.json()["error"]["code"] == "object_not_public"
    internal = requests.post(f"{url}/api/v1/followups", headers=auth["inspector_t"], json=dict(body, visibility="internal"))
    assert internal.status_code == 201 and internal.json()["object"]["url"] is None

    requests.post(f"{url}/api/v1/fu-notices/{notice}/post", headers=auth["clerk_a"]).raise_for_status()
    made = requests.post(f"{url}/api/v1/followups", headers=auth["inspector_t"], json=body)
    assert made.status_code == 201, made.text
    assert made.json()["object"]["url"].endswith(f"/r/fu_notice/{notice}")
    assert made.json()["object"]["title"] == "停水通知"
    page = requests.get(f"{url}/r/fu_notice/{notice}")
    assert "纪检监察督办：停水原因是否已告知村民？" in page.text and "尚未答复" in page.text
    requests.post(f"{url}/api/v1/followups/{made.json()['id']}/answer", headers=auth["clerk_a"],
                  json={"text": "已在村广播通知。"}).raise_for_status()
    page = requests.get(f"{url}/r/fu_notice/{notice}")
    assert "答复：已在村广播通知。" in page.text
    assert requests.get(f"{url}/api/v1/followups", params={"object_type": "fu_notice", "object_id": notice}
                        ).json()["total"] == 1
