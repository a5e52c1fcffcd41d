"""The open-data export over real HTTP: one build per unit however many ask, progress while it builds,
a manifest signed with the audit key, row counts equal to the database, nothing personal in any file,
a new build once the data changed; bad codes and ranges answered clearly."""
import base64
import csv
import hashlib
import io
import json
import sqlite3
import threading
import time
import zipfile

import pytest
import requests

from audit import notes
from portal.core.personal_data import find_personal_data

NANLING, HOUXI, DONGHU_T = "350528100000", "350528100200", "350528001000"


def wait_ready(server, code, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = requests.get(f"{server.url}/api/v1/export/{code}.zip", timeout=30)
        if r.status_code == 200:
            return r
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["status"] == "building" and r.headers["Location"] == body["progress_url"]
        progress = requests.get(body["progress_url"], timeout=10).json()
        assert 0 <= progress["progress"]["done"] <= progress["progress"]["total"]
        time.sleep(0.3)
    raise AssertionError("export never became ready")


def db_counts(server, villages):
    con = sqlite3.connect(str(server.instance / "portal.db"))
    marks = ",".join("?" * len(villages))
    q = lambda sql: con.execute(sql.format(marks=marks), villages).fetchone()[0]
    counts = {
        "publications": q("SELECT COUNT(*) FROM publication WHERE village_code IN ({marks}) "
                          "AND status IN ('published','superseded','withdrawn')"),
        "objections": q("SELECT COUNT(*) FROM objection o JOIN publication p ON o.publication_id = p.id "
                        "WHERE p.village_code IN ({marks}) AND o.status = 'shown'"),
        "meetings": q("SELECT COUNT(*) FROM meeting WHERE village_code IN ({marks})"),
        "meeting_agenda": q("SELECT COUNT(*) FROM agenda_item a JOIN meeting m ON a.meeting_id = m.id "
                            "WHERE m.village_code IN ({marks})"),
        "meeting_items": q("SELECT COUNT(*) FROM meeting_item i JOIN meeting m ON i.meeting_id = m.id "
                           "WHERE m.village_code IN ({marks})"),
    }
    con.close()
    return counts


def villages_under(server, code):
    units = requests.get(f"{server.url}/api/v1/units", timeout=10).json()["units"]
    return [u["code"] for u in units if u["level"] == "village" and u["parent"] == code]



def test_one_build_for_many_callers_then_a_signed_verifiable_masked_zip(module_server):
    server = module_server
    answers = []

    def ask():
        r = requests.get(f"{server.url}/api/v1/export/{NANLING}.zip", timeout=60)
        answers.append((r.status_code, r.json()["job"] if r.status_code == 202 else int(r.headers["X-Export-Job"])))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({job for _status, job in answers}) == 1, answers
    assert any(status == 202 for status, _job in answers)
    response = wait_ready(server, NANLING)
    assert int(response.headers["X-Export-Job"]) == answers[0][1]
    assert response.headers["Content-Type"] == "application/zip"

    zf = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(zf.namelist())
    manifest = json.loads(zf.read("manifest.json"))
    checkpoint = requests.get(f"{server.url}/api/v1/audit/checkpoint", timeout=10).json()
    body = notes.open_note(zf.read("manifest.txt").decode("utf-8"), checkpoint["key_name"],
                           base64.b64decode(checkpoint["public_key"]))
    lines = body.splitlines()
    assert lines[1] == f"unit {NANLING}"
    signed = {line.split(" ", 3)[3]: line.split(" ", 3) for line in lines[3:]}
    assert set(signed) == names - {"manifest.txt"}
    for name, (sha, rows, size, _name) in signed.items():
        data = zf.read(name)
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == int(size), name
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == names - {"manifest.txt", "manifest.json"}

    counts = db_counts(server, villages_under(server, NANLING))
    assert counts["publications"] > 0 and counts["meeting_items"] > 0
    for table, expected in counts.items():
        raw = zf.read(f"{table}.csv")
        assert raw.startswith("\ufeff".encode("utf-8"))  # Excel opens UTF-8 Chinese with the BOM
        csv_rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(csv_rows) - 1 == expected == listed[f"{table}.csv"]["rows"], table
        assert len(json.loads(zf.read(f"{table}.json"))) == expected == listed[f"{table}.json"]["rows"]

    dictionary = list(csv.reader(io.StringIO(zf.read("data_dictionary.csv").decode("utf-8-sig"))))
    header = next(iter(csv.reader(io.StringIO(zf.read("publications.csv").decode("utf-8-sig")))))
    described = {row[2] for row in dictionary[1:] if row[0] == "publications"}
    assert described == set(header) and all(row[3] for row in dictionary[1:])
    assert "CC BY 4.0" in zf.read("LICENSE.txt").decode("utf-8")
    assert zf.read("audit_checkpoint.txt").decode("utf-8").startswith("sunlight-village-portal/audit\n")

    # Nothing personal in any file: the demo's mobiles, and anything the detector recognises.
    everything = b"".join(zf.read(n) for n in names).decode("utf-8")
    assert "13905951201" not in everything and "138059512" not in everything
    for name in names - {"manifest.txt", "manifest.json", "audit_checkpoint.txt"}:
        assert find_personal_data(zf.read(name).decode("utf-8")) == [], name

    # Served again until the data change: the same job, no rebuild.
    again = requests.get(f"{server.url}/api/v1/export/{NANLING}.zip", timeout=30)
    assert again.status_code == 200 and again.headers["X-Export-Job"] == response.headers["X-Export-Job"]
    part = requests.get(f"{server.url}/api/v1/export/{NANLING}.zip", headers={"Range": "bytes=0-99"}, timeout=30)
    assert part.status_code == 206 and part.content == response.content[:100]


def test_a_change_in_a_village_outdates_its_exports_only(module_server):
    server = module_server
    first_nanling = wait_ready(server, NANLING).headers["X-Export-Job"]
    first_donghu = wait_ready(server, DONGHU_T).headers["X-Export-Job"]
    tokens = {name: server.token(name) for name in ("clerk_houxi", "supervisor_houxi")}
    auth = lambda who: {"Authorization": f"Bearer {tokens[who]}"}
    pub = requests.post(f"{server.url}/api/v1/publications", headers=auth("clerk_houxi"), timeout=10, json={
        "village": HOUXI, "category": "village", "title": "后溪村卫生保洁安排", "body": "每周六上午集中保洁。"}).json()
    assert requests.post(f"{server.url}/api/v1/publications/{pub['id']}/approve", headers=auth("supervisor_houxi"),
                         timeout=10).status_code == 200
    assert requests.post(f"{server.url}/api/v1/publications/{pub['id']}/publish", headers=auth("clerk_houxi"),
                         timeout=10).status_code == 200
    deadline = time.time() + 15  # the worker outdates the export right after the commit
    while True:
        fresh = requests.get(f"{server.url}/api/v1/export/{NANLING}.zip", timeout=30)
        if fresh.status_code == 202 or time.time() > deadline:
            break
        assert fresh.headers["X-Export-Job"] == first_nanling
        time.sleep(0.2)
    assert fresh.status_code == 202 and str(fresh.json()["job"]) != first_nanling
    rebuilt = wait_ready(server, NANLING)
    titles = [r["title"] for r in json.loads(zipfile.ZipFile(io.BytesIO(rebuilt.content)).read("publications.json"))]
    assert "后溪村卫生保洁安排" in titles
    assert requests.get(f"{server.url}/api/v1/export/{DONGHU_T}.zip", timeout=30).headers["X-Export-Job"] == first_donghu


@pytest.mark.parametrize("path,headers,status,code", [
    ("/api/v1/export/abc.zip", {}, 400, "bad_unit"),
    ("/api/v1/export/999999999999.zip", {}, 404, "unit_not_found"),
    (f"/api/v1/export/{NANLING}.zip", {"Range": "bytes=zz-"}, 416, "bad_range"),
    ("/api/v1/stats/35052810020", {}, 400, "bad_unit"),
    ("/api/v1/stats/350528100201", {}, 404, "unit_not_found"),  # a grid: no dashboard of its own
    ("/api/v1/export/jobs/99999", {}, 404, "export_job_not_found"),
])
def test_bad_input_gets_a_clear_error(module_server, path, headers, status, code):
    r = requests.get(module_server.url + path, headers=headers, timeout=10)
    assert r.status_code == status
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]


def test_the_export_masks_what_a_domain_forgot(tmp_path):
    """A domain's table that leaks a mobile and an ID number still leaves masked."""
    from portal import create_app
    from portal.core.db import connection
    from portal.core.domain import Domain, ExportTable
    from portal.dashboard import export
    from portal.demo import load_demo

    def leaky(village_ids):
        yield {"id": 1, "note": "联系人手机 13905951201，身份证 350528196304123028"}

    extra = Domain(name="zz_leaky", exports=[ExportTable("zz_leaky", "泄漏测试", (("id", "编号"), ("note", "备注")),
                                                          leaky)])
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path / "instance"), "DASHBOARD_SYNC": True,
                      "DASHBOARD_SYNC_EXPORT": True, "SEARCH_SYNC": True}, extra_domains=[extra])
    with app.test_request_context(), connection():
        load_demo()
        from portal.units.models import Unit
        job, started = export.request_export(Unit.get_by_id(NANLING))
        job = export.ExportJob.get_by_id(job.id)
        assert started and job.status == "ready"
        data = zipfile.ZipFile(job.path).read("zz_leaky.csv").decode("utf-8-sig")
    assert "13905951201" not in data and "350528196304123028" not in data
    assert "139****1201" in data


def test_the_build_reads_with_a_small_page_cache_and_gives_the_connection_its_own_back(tmp_path):
    """The build's reads hold ``EXPORT_CACHE_KIB`` of SQLite page cache (a full 64 MiB cache took a county's
    build over 256 MB); the pooled connection has its own setting again afterwards."""
    from portal import create_app
    from portal.core.db import connection, database
    from portal.core.domain import Domain, ExportTable
    from portal.dashboard import export
    from portal.units.models import Unit

    seen = []

    def probe(village_ids):
        seen.append(database.execute_sql("PRAGMA cache_size").fetchone()[0])
        yield {"id": 1}

    extra = Domain(name="zz_probe", exports=[ExportTable("zz_probe", "缓存测试", (("id", "编号"),), probe)])
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path / "instance"), "DASHBOARD_SYNC": True,
                      "DASHBOARD_SYNC_EXPORT": True, "SEARCH_SYNC": True}, extra_domains=[extra])
    with app.test_request_context(), connection():
        Unit.create(code=NANLING, name="南岭镇", level="township", path=f"/{NANLING}/")
        before = database.execute_sql("PRAGMA cache_size").fetchone()[0]
        job, started = export.request_export(Unit.get_by_id(NANLING))
        assert started and export.ExportJob.get_by_id(job.id).status == "ready"
        assert seen == [-export.EXPORT_CACHE_KIB]
        assert database.execute_sql("PRAGMA cache_size").fetchone()[0] == before != seen[0]
