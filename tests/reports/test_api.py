"""The fixed API points of reports against a real server: filing, receipts, the inspectors' inbox and opening."""
import base64
import hashlib
import time

import requests

from tests.reports.conftest import PASS, pdf_with

HOUXI = "350528100200"


def file_one(url, text, **extra):
    made = requests.post(f"{url}/api/v1/reports", json={"unit": HOUXI, "text": text, **extra})
    assert made.status_code == 201, made.text
    return made.json()["receipt"]


def test_file_look_up_open_reply_add(module_server, inspectors):
    url = module_server.url
    receipt = file_one(url, "村会计挪用集体资金 MARKER-API1", identity={"name": "赵六", "contact": "微信 abc"})
    assert len(receipt) == 16 and receipt.isdigit()
    looked = requests.post(f"{url}/api/v1/reports/lookup", json={"receipt": receipt[:4] + "-" + receipt[4:8] + " "
                                                               + receipt[8:]})
    assert looked.status_code == 200 and looked.json()["status"] == "new" and looked.json()["replies"] == []

    town = inspectors["inspector_100"]
    listing = requests.get(f"{url}/api/v1/reports", headers=town).json()
    assert {"reports", "page", "pages", "total"} <= set(listing)
    newest = listing["reports"][0]
    assert newest["unit"] == HOUXI and newest["can_open"] and newest["identity_given"]
    assert "MARKER" not in str(listing) and "text" not in newest  # metadata only

    opened = requests.post(f"{url}/api/v1/reports/{newest['id']}/open", headers=town, json={"passphrase": PASS})
    assert opened.status_code == 200 and opened.json()["text"] == "村会计挪用集体资金 MARKER-API1"
    assert "赵六" not in opened.text  # the identity is not part of opening the report

    entry = requests.get(f"{url}/api/v1/audit/entries", params={"start": opened.json()["opened_audit_index"],
                                                                "limit": 1}).json()["entries"][0]
    leaf = base64.b64decode(entry["leaf"])
    assert b'"report.open"' in leaf and b"MARKER" not in leaf and "MARKER" not in str(entry)
    assert hashlib.sha256(b"\x00" + leaf).hexdigest() == entry["leaf_hash"]

    replied = requests.post(f"{url}/api/v1/reports/{newest['id']}/reply", headers=town,
                            json={"passphrase": PASS, "text": "已转镇纪委核查"})
    assert replied.status_code == 200 and replied.json()["status"] == "handling"
    added = requests.post(f"{url}/api/v1/reports/lookup/add", json={"receipt": receipt, "text": "补充：还有发票"})
    assert added.status_code == 201
    view = added.json()
    assert view["status"] == "handling" and view["replies"][0]["text"] == "已转镇纪委核查"
    assert view["added"][0]["text"] == "补充：还有发票" and view["added"][0]["at"].endswith(":00:00+08:00")

    linked = requests.post(f"{url}/api/v1/reports/{newest['id']}/link", headers=town, json={"campaign": 3})
    assert linked.json()["campaign"] == 3
    closed = requests.post(f"{url}/api/v1/reports/{newest['id']}/close", headers=town,
                           json={"passphrase": PASS, "conclusion": "已立案调查"})
    assert closed.json()["status"] == "closed" and closed.json()["expires_on"]
    final = requests.post(f"{url}/api/v1/reports/lookup", json={"receipt": receipt}).json()
    assert final["replies"][-1] == {"kind": "conclusion", "text": "已立案调查", "at": final["replies"][-1]["at"]}


def test_who_cannot_read(module_server, inspectors):
    url = module_server.url
    file_one(url, "只给本镇看 MARKER-API2")
    report = requests.get(f"{url}/api/v1/reports", headers=inspectors["inspector_100"]).json()["reports"][0]
    outside = requests.post(f"{url}/api/v1/reports/{report['id']}/open", headers=inspectors["inspector_001"],
                            json={"passphrase": PASS})
    assert outside.status_code == 404 and outside.json()["error"]["code"] == "not_found"
    assert all(r["id"] != report["id"] for r in requests.get(
        f"{url}/api/v1/reports", headers=inspectors["inspector_001"]).json()["reports"])
    admin = requests.post(f"{url}/api/v1/reports/{report['id']}/open", headers=inspectors["admin"],
                          json={"passphrase": PASS})
    assert admin.status_code == 403 and admin.json()["error"]["code"] == "not_allowed"
    assert requests.get(f"{url}/api/v1/reports", headers=inspectors["admin"]).status_code == 403
    wrong = requests.post(f"{url}/api/v1/reports/{report['id']}/open", headers=inspectors["inspector_100"],
                          json={"passphrase": "not-the-passphrase"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_passphrase"
    missing = requests.post(f"{url}/api/v1/reports/{report['id']}/open", headers=inspectors["inspector_100"], json={})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_passphrase"
    anonymous = requests.get(f"{url}/api/v1/reports")
    assert anonymous.status_code == 401


def test_bad_input_answers_in_chinese_and_writes_nothing(module_server, inspectors):
    url = module_server.url
    town = inspectors["inspector_100"]
    before = requests.get(f"{url}/api/v1/reports", headers=town).json()["total"]
    cases = [({"unit": HOUXI, "text": ""}, "missing_text"), ({"unit": "350528", "text": "问题"}, "bad_unit"),
             ({"unit": HOUXI, "text": "问题", "identity": 5}, "bad_identity"),
             ({"unit": HOUXI, "text": "x" * 5001}, "text_too_long")]
    for body, code in cases:
        refused = requests.post(f"{url}/api/v1/reports", json=body)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == code, refused.text
        assert "\u4e00" <= refused.json()["error"]["message"][0] <= "\u9fff"
    too_many = requests.post(f"{url}/api/v1/reports", data={"unit": HOUXI, "text": "问题"},
                             files=[("attachments", ("a.pdf", pdf_with("x"), "application/pdf"))] * 4)
    assert too_many.json()["error"]["code"] == "too_many_files"
    wrong_type = requests.post(f"{url}/api/v1/reports", data={"unit": HOUXI, "text": "问题"},
                               files=[("attachments", ("a.html", b"<html>hi</html>", "text/html"))])
    assert wrong_type.json()["error"]["code"] == "bad_file_type"
    bad_receipt = requests.post(f"{url}/api/v1/reports/lookup", json={"receipt": "1234"})
    assert bad_receipt.status_code == 400 and bad_receipt.json()["error"]["code"] == "bad_receipt"
    assert requests.get(f"{url}/api/v1/reports", headers=town).json()["total"] == before
    english = requests.post(f"{url}/api/v1/reports/lookup?lang=en", json={"receipt": "1234"})
    assert english.json()["error"]["code"] == "bad_receipt"


def test_multipart_filing_with_an_attachment_the_inspector_downloads(module_server, inspectors):
    url = module_server.url
    made = requests.post(f"{url}/api/v1/reports", data={"unit": HOUXI, "text": "附件在此", "identity_name": "钱七"},
                         files=[("attachments", ("收据.pdf", pdf_with("MARKER-FILE"), "application/pdf"))])
    assert made.status_code == 201, made.text
    report = requests.get(f"{url}/api/v1/reports", headers=inspectors["inspector_100"]).json()["reports"][0]
    opened = requests.post(f"{url}/api/v1/reports/{report['id']}/open", headers=inspectors["inspector_100"],
                           json={"passphrase": PASS}).json()
    assert opened["attachments"] == [{"name": "收据.pdf", "mime": "application/pdf",
                                      "size": len(pdf_with("MARKER-FILE"))}]


def test_the_reporter_gets_a_proof_of_filing_once_the_hour_is_sealed(module_server):
    url = module_server.url
    receipt = file_one(url, "要凭证的举报")
    assert requests.post(f"{url}/api/v1/reports/lookup", json={"receipt": receipt}).json()["proof"] is None
    assert module_server.cli("reports-seal", "--all").returncode == 0
    index = requests.post(f"{url}/api/v1/reports/lookup", json={"receipt": receipt}).json()["proof"]["audit_index"]
    deadline = time.time() + 30
    while requests.get(f"{url}/api/v1/audit/checkpoint").json()["size"] <= index and time.time() < deadline:
        time.sleep(0.5)  # the checkpointer signs within its interval
    proof = requests.post(f"{url}/api/v1/reports/lookup", json={"receipt": receipt}).json()["proof"]
    assert proof and proof["checkpoint"], proof
    leaf = base64.b64decode(proof["leaf"])
    assert b'"report.file"' in leaf and "要凭证".encode() not in leaf  # nothing of the text in the entry
    assert b':00:00.000000Z"' in leaf  # stamped with the hour only
    # the inclusion proof leads to the root the signed checkpoint commits to
    from audit import merkle
    node = hashlib.sha256(b"\x00" + leaf).digest()
    merkle.verify_inclusion(proof["audit_index"], proof["size"], node,
                            [bytes.fromhex(p) for p in proof["proof"]], bytes.fromhex(proof["root"]))
    assert base64.b64encode(bytes.fromhex(proof["root"])).decode() in proof["checkpoint"]


def test_the_log_with_report_entries_verifies(module_server):
    import subprocess
    import sys
    from tests.conftest import ROOT
    file_one(module_server.url, "核验日志")
    assert module_server.cli("reports-seal", "--all").returncode == 0
    result = subprocess.run([sys.executable, "-m", "audit", "verify", "--url", module_server.url, "--quiet"],
                            cwd=str(ROOT), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
