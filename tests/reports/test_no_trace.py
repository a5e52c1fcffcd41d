"""No trace of a report's content or of its sender anywhere but in ciphertext (scanned byte by byte).

Markers go into a report's text, its identity, an attachment, an addition, the
User-Agent, X-Forwarded-For and X-Request-Id headers; then the database file, its
WAL, the instance folder (search index, keys), the server's log and a backup are
scanned for every encoding of every marker. The same for a PostgreSQL dump.
"""
import json
import subprocess
from urllib.parse import urlparse, parse_qs

import requests

from tests.conftest import LiveServer
from tests.reports.conftest import PASS, encodings, files_containing, pdf_with

HOUXI = "350528100200"
TEXT, IDENTITY, FILE, ADDED = "MARKERTEXT7Q", "MARKERIDENT7Q", "MARKERFILE7Q", "MARKERADD7Q"
AGENT, FORWARDED, REQUEST_ID = "MARKERAGENT7Q/1.0", "203.0.113.77", "MARKERREQID7Q"
HEADERS = {"User-Agent": AGENT, "X-Forwarded-For": FORWARDED, "X-Request-Id": REQUEST_ID}


def needles():
    return [n for marker in (TEXT, IDENTITY, FILE, ADDED, AGENT, FORWARDED, REQUEST_ID) for n in encodings(marker)]


def exercise(server):
    """File, look up, add, and let an inspector open it: every route a report's data passes through."""
    url = server.url
    made = requests.post(f"{url}/api/v1/reports", headers=HEADERS, data={
        "unit": HOUXI, "text": f"举报内容 {TEXT}", "identity_name": f"举报人 {IDENTITY}", "identity_contact": "电话"},
        files=[("attachments", ("证据.pdf", pdf_with(FILE), "application/pdf"))])
    assert made.status_code == 201, made.text
    receipt = made.json()["receipt"]
    assert requests.post(f"{url}/api/v1/reports/lookup", headers=HEADERS, json={"receipt": receipt}).ok
    assert requests.post(f"{url}/api/v1/reports/lookup/add", headers=HEADERS,
                         json={"receipt": receipt, "text": f"补充 {ADDED}"}).ok
    assert requests.post(f"{url}/api/v1/reports/lookup", headers=HEADERS, json={"receipt": "0" * 16}).status_code == 404
    page = requests.get(f"{url}/reports/new", headers=HEADERS)
    assert page.ok
    token = {"Authorization": f"Bearer {server.token('inspector_100')}"}
    report = requests.get(f"{url}/api/v1/reports", headers=token).json()["reports"][0]
    opened = requests.post(f"{url}/api/v1/reports/{report['id']}/open", headers=token, json={"passphrase": PASS})
    assert TEXT in opened.json()["text"]  # the inspector can read it; nothing else may hold it
    assert server.cli("reports-seal", "--all").returncode == 0
    requests.get(f"{url}/api/v1/audit/checkpoint")
    return receipt


def request_lines(log_text):
    lines = []
    for raw in log_text.splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("msg") == "request":
            lines.append(line)
    return lines


def test_no_marker_in_database_instance_logs_or_backup(tmp_path):
    server = LiveServer(tmp_path / "instance").start()
    try:
        receipt = exercise(server)
        backup = tmp_path / "backup.sqlite"
        assert server.cli("backup", str(backup)).returncode == 0
    finally:
        server.stop()
    control = files_containing(tmp_path, ["后溪村".encode(), b"request"])  # the scan does see plaintext
    assert any(p.endswith("backup.sqlite") for p in control) and any(p.endswith(".log") for p in control)
    found = files_containing(tmp_path, needles() + [receipt.encode()])
    assert found == {}, found
    lines = request_lines(server.log_path.read_text())
    report_lines = [l for l in lines if l["path"].startswith(("/api/v1/reports", "/reports"))]
    assert len(report_lines) >= 6
    for line in report_lines:
        assert "remote" not in line and line["ts"].endswith(":00:00Z"), line
        assert line["request_id"] != REQUEST_ID
    others = [l for l in lines if l["path"] == "/api/v1/units"]
    assert others and all("remote" in l for l in others)  # other routes keep their usual line


def test_no_marker_in_a_postgresql_dump(tmp_path, pg_url):
    server = LiveServer(tmp_path / "instance", env={"DATABASE_URL": pg_url}).start()
    try:
        exercise(server)
    finally:
        server.stop()
    parsed = urlparse(pg_url)
    schema = parse_qs(parsed.query)["schema"][0]
    dump = subprocess.run(["pg_dump", "-n", schema, parsed._replace(query="").geturl()], capture_output=True,
                          timeout=120)
    assert dump.returncode == 0, dump.stderr
    assert b"report_key_wrap" in dump.stdout  # the dump holds the reports' tables
    assert "后溪村".encode() in dump.stdout  # the dump is readable plaintext where data is not encrypted
    hits = [n for n in needles() if n in dump.stdout]
    assert hits == []
    assert files_containing(tmp_path, needles()) == {}
