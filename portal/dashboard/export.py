"""The open-data export: every public table of a unit's villages in one signed zip.

Design (Decidim's open-data export):

* ``request_export(unit)`` returns the unit's current job: a ready zip is
  served until a change reaches one of the unit's villages (``mark_stale``
  after commit); otherwise one build runs in the background and every caller
  gets that same job: a unique column holds the unit's code while it builds,
  so a second insert fails and its caller reads the first (no write lock is
  held across statements: under the gevent server a greenlet waiting for
  SQLite's lock would stall the one holding it). A build that died (process
  restarted) is replaced after ``BUILD_TIMEOUT``.
* Each build runs in a process of its own (``flask --app portal dashboard
  build-job ID``): the web server's workers stay free, and the build reads
  rows from a cursor as it writes them (the gevent server buffers whole
  result sets), CSV straight into its entry, JSON through a temporary file,
  hashed on the way, so memory does not grow with the county. A file lock
  lets one build run at a time per instance.
* Each table as CSV (UTF-8 with BOM: Excel opens Chinese correctly) and JSON;
  the documents a table declares (e.g. OCDS packages) under ``documents/``; a
  data dictionary in Chinese (one line per column); a licence; the audit
  checkpoint; ``manifest.json`` (SHA-256, bytes and rows of every file) and
  ``manifest.txt``, the same lines as a signed note under the audit key.
* Every text cell passes the portal's personal-data masking once more, so a
  domain's slip cannot publish a phone or ID number.
"""
import contextlib
import csv
import fcntl
import functools
import datetime
import hashlib
import io
import json
import logging
import operator
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import peewee
from flask import current_app

from portal import auditlog
from portal.core import registry
from portal.core.clock import iso, utcnow
from portal.core.db import connection, database, is_postgres
from portal.core.personal_data import could_hold_personal_data, mask
from portal.dashboard.tree import Tree
from portal.dashboard.models import ExportJob
from portal.units.models import Unit

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent.parent
BOM = "\ufeff"
BUILD_TIMEOUT = datetime.timedelta(minutes=30)
FLUSH_BYTES = 1 << 16
FLUSH_ROWS = 500  # rows per write into the CSV entry and the JSON file
ORIGIN_SUFFIX = "/open-data"

LICENCE = """开放数据许可 / Open data licence

本压缩包中的数据来自阳光村务平台已公开的记录，按“知识共享 署名 4.0 国际”（CC BY 4.0）许可提供：
可以自由复制、分发、改编和用于任何目的（包括商业用途），但须注明来源“阳光村务”及所属县、乡镇、村。
个人信息已按平台规则遮蔽；不得尝试重新识别任何个人。
数据以现状提供，以平台网页及防篡改审计日志为准；manifest.txt 由审计日志的签名密钥签署，可用
/api/v1/audit/checkpoint 公布的公钥核验每个文件的 SHA-256。

The data are the portal's public records, licensed under CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/). Personal data are masked; do not try to
re-identify anyone. manifest.txt is a signed note under the audit log's key.
"""


class _Hashing:
    """A write-only stream that hashes and counts what passes into ``target``."""

    def __init__(self, target):
        self.target = target
        self.sha = hashlib.sha256()
        self.bytes = 0

    def write(self, data):
        self.sha.update(data)
        self.bytes += len(data)
        self.target.write(data)


_masked = functools.lru_cache(maxsize=8192)(mask)  # codes and names repeat on every row of a village
# One encoder for every row (``json.dumps`` with options builds one per call); the same bytes as
# ``json.dumps(row, ensure_ascii=False, default=str)`` (rows hold no cycles to check).
_encoder = json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False)
_encode = _encoder.encode
if json.encoder.c_make_encoder is not None:
    # What ``_encoder.encode`` builds on each call (``JSONEncoder.iterencode``, one shot, no indent): the C
    # encoder with the same arguments, built once; a row's dict is never a bare string (``encode``'s other
    # branch), so the text is the same, without two Python calls and a closure per row of a county's millions.
    _c_encode = json.encoder.c_make_encoder(None, _encoder.default, json.encoder.encode_basestring, None,
                                            _encoder.key_separator, _encoder.item_separator, _encoder.sort_keys,
                                            _encoder.skipkeys, _encoder.allow_nan)

    def _encode(row):
        return "".join(_c_encode(row, 0))
# A character no separator of the detector's digit runs: joining a row's texts with it, a run can't
# cross from one cell into the next, so the row holds a run exactly when one of its cells does.
_CELL_BREAK = "\x00"
# Level 1: a county's export deflates ~1.7 GB of CSV and JSON; level 6 took about 2.5 times as long for a
# zip ~25% smaller. The files inside (and their hashes in the manifest) do not depend on it.
COMPRESS_LEVEL = 1
# The build's SQLite page cache (KiB; the portal's connections keep 64 MiB, ``db.SQLITE_PRAGMAS``): the build
# reads each table once, in one pass, and a full cache was ~60 MB of the build's peak memory at county scale.
EXPORT_CACHE_KIB = 2048


def _clean(value):
    """A cell as exported: text masked (again) where it could hold personal data."""
    if isinstance(value, str) and could_hold_personal_data(value):
        return _masked(value)
    return value


def _clean_row(values, plain=frozenset()):
    """The row's cells as exported (``_clean`` of each): one detector test for the whole row (most rows
    hold no run of 11 digits), each cell's only for a row that does. ``plain``: texts the masking leaves
    as they are and that would make every row test positive (the 12-digit unit codes on each row)."""
    texts = [v for v in values if isinstance(v, str) and v not in plain]
    if texts and could_hold_personal_data(_CELL_BREAK.join(texts)):
        return [_clean(v) for v in values]
    return values


def plain_codes():
    """The unit codes (public, 12 digits: a run the detector's shortcut cannot tell from a number) that the
    masking leaves unchanged: ``_clean_row`` need not test them again on every row."""
    return frozenset(code for code in Tree().by_code if _masked(code) == code)


def export_dir(app=None):
    path = Path((app or current_app).instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- jobs -------------------------------------------------------------------------

def current_job(unit_code):
    return (ExportJob.select().where((ExportJob.unit == unit_code) & ~ExportJob.stale
                                     & ExportJob.status.in_(("building", "ready")))
            .order_by(ExportJob.id.desc()).first())


def _usable(job):
    if job is None:
        return False
    if job.status == "ready":
        return os.path.exists(job.path)
    return utcnow() - job.created_at < BUILD_TIMEOUT


def request_export(unit):
    """(job, started): the unit's ready or building job, or a new build started now."""
    app = current_app._get_current_object()
    job = current_job(unit.code)
    if _usable(job):
        return job, False
    building = ExportJob.get_or_none(ExportJob.building == unit.code)
    if building is not None and _usable(building):
        return building, False
    for old in (job, building):
        if old is not None:  # its file vanished or its builder died
            ExportJob.update(status="failed", building=None, error="abandoned").where(ExportJob.id == old.id).execute()
    try:
        job = ExportJob.create(unit=unit.code, building=unit.code, total=len(registry.of(app).exports) + 1)
    except peewee.IntegrityError:  # another caller started it a moment ago
        return ExportJob.get(ExportJob.building == unit.code), False
    start_build(app, job.id)
    return job, True


def start_build(app, job_id):
    """Build in a child process (``DASHBOARD_SYNC_EXPORT``: here and now, for tests)."""
    if app.config.get("DASHBOARD_SYNC_EXPORT"):
        run_build(app, job_id)
        return
    env = dict(os.environ, PORTAL_INSTANCE=str(app.config["INSTANCE_DIR"]),
               DATABASE_URL=str(app.config["DATABASE_URL"]))
    subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "dashboard", "build-job", str(job_id)],
                     cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)


def run_build(app, job_id):
    """Build ``job_id`` (one build at a time per instance: a lock file); a failure is recorded on the job."""
    lock_path = export_dir(app) / "build.lock"
    with open(lock_path, "w") as lock, app.app_context(), connection():
        fcntl.flock(lock, fcntl.LOCK_EX)
        job = ExportJob.get_or_none(ExportJob.id == job_id)
        if job is None or job.status != "building":
            return
        try:
            build(app, job)
        except Exception as exc:
            log.exception("export %s failed", job_id)
            ExportJob.update(status="failed", building=None, error=repr(exc)[:2000], finished_at=utcnow()).where(
                ExportJob.id == job_id).execute()


def mark_stale(village_codes, committed_at=None):
    """After commit: a change in these villages (None: anywhere) outdates the exports above them
    that began before it (``committed_at``; a job begun later already reads the change)."""
    which = ~ExportJob.stale & ExportJob.status.in_(("building", "ready"))
    if committed_at is not None:
        which &= ExportJob.created_at <= committed_at
    # Read first: nearly always no export is current, and an UPDATE matching nothing would still take
    # SQLite's write lock, queueing behind (and holding up) the writers whose changes we follow.
    candidates = list(ExportJob.select(ExportJob.id, ExportJob.unit).where(which).tuples())
    if village_codes is not None and candidates:
        units = Tree().units_covering(village_codes)
        candidates = [(job_id, unit) for job_id, unit in candidates if unit in units]
    if candidates:
        ExportJob.update(stale=True).where(which & ExportJob.id.in_([job_id for job_id, _unit in candidates])).execute()


def job_json(job, url_for_job, url_for_zip):
    return {"job": job.id, "unit": job.unit, "status": job.status,
            "progress": {"done": job.done, "total": job.total}, "created_at": iso(job.created_at),
            "finished_at": iso(job.finished_at), "progress_url": url_for_job(job),
            "download_url": url_for_zip(job) if job.status == "ready" else None,
            "sha256": job.sha256 or None, "bytes": job.size or None}


# -- the build ----------------------------------------------------------------------

def _entry(name):
    """A zip entry stamped now (streamed entries would otherwise say 1980)."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = COMPRESS_LEVEL  # what ZipFile.open gives an entry it names itself (3.11-3.13)
    return info


def _write_table(zf, table, village_codes, files, plain=frozenset()):
    """CSV into its entry while JSON goes to a temporary file, then the JSON into its entry; ``plain`` as
    ``_clean_row`` takes it."""
    names = [c for c, _description in table.columns]
    rows = 0
    with tempfile.TemporaryFile() as json_tmp:
        json_out = _Hashing(json_tmp)
        with zf.open(_entry(f"{table.name}.csv"), "w", force_zip64=True) as raw:
            csv_out = _Hashing(raw)
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\r\n")
            buf.write(BOM)
            writer.writerow(names)
            json_out.write(b"[")
            pending = []  # the JSON of the rows since the last flush: written (and hashed) a batch at a time

            def flush():
                csv_out.write(buf.getvalue().encode("utf-8"))
                buf.seek(0)
                buf.truncate()
                if pending:
                    json_out.write(((",\n" if rows > len(pending) else "\n") + ",\n".join(pending)).encode("utf-8"))
                    pending.clear()

            pick = operator.itemgetter(*names) if len(names) > 1 else None
            for row in table.rows(village_codes):
                try:  # a tuple of the row's columns in one C call; a row lacking a column takes the slow way
                    cells = pick(row) if pick is not None else [row.get(names[0])]
                except KeyError:
                    cells = [row.get(c) for c in names]
                values = _clean_row(cells, plain)
                writer.writerow(values)  # None is written as the empty string
                pending.append(_encode(dict(zip(names, values))))
                rows += 1
                if len(pending) >= FLUSH_ROWS:
                    flush()
            flush()
            json_out.write(b"\n]\n")
        files.append({"name": f"{table.name}.csv", "sha256": csv_out.sha.hexdigest(), "bytes": csv_out.bytes,
                      "rows": rows})
        json_tmp.seek(0)
        with zf.open(_entry(f"{table.name}.json"), "w", force_zip64=True) as entry:
            while chunk := json_tmp.read(FLUSH_BYTES):
                entry.write(chunk)
        files.append({"name": f"{table.name}.json", "sha256": json_out.sha.hexdigest(), "bytes": json_out.bytes,
                      "rows": rows})
    if table.document is not None:
        for name, data in sorted(table.document(village_codes).items()):
            path = f"documents/{Path(name).name}"
            if callable(data):  # a writer: streamed into its entry (a county's OCDS bulk file)
                with zf.open(_entry(path), "w", force_zip64=True) as raw:
                    out = _Hashing(raw)
                    data(out)
                files.append({"name": path, "sha256": out.sha.hexdigest(), "bytes": out.bytes, "rows": None})
                continue
            zf.writestr(path, data)
            files.append({"name": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                          "rows": None})


def _add(zf, files, name, data, rows=None):
    zf.writestr(name, data)
    files.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "rows": rows})


def dictionary_csv(tables):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write(BOM)
    writer.writerow(["文件", "表名", "字段", "说明"])
    lines = 0
    for table in tables:
        for column, description in table.columns:
            writer.writerow([table.name, table.title, column, description])
            lines += 1
    return buf.getvalue().encode("utf-8"), lines


def manifest_note(app, unit, generated, files):
    """The manifest as a signed note: one line per file, ``<sha256> <rows or -> <bytes> <name>``."""
    origin = app.config.get("AUDIT_ORIGIN") or "sunlight-village-portal/audit"
    lines = [origin.rsplit("/", 1)[0] + ORIGIN_SUFFIX, f"unit {unit.code}", f"generated {generated}"]
    lines += [f"{f['sha256']} {'-' if f['rows'] is None else f['rows']} {f['bytes']} {f['name']}" for f in files]
    return auditlog.sign_note("\n".join(lines) + "\n", app)


@contextlib.contextmanager
def _small_page_cache():
    """SQLite: the connection's page cache at ``EXPORT_CACHE_KIB`` while the build reads (its own setting
    again afterwards: a pooled connection goes on serving). PostgreSQL: nothing to do."""
    if is_postgres():
        yield
        return
    (before,) = database.execute_sql("PRAGMA cache_size").fetchone()
    database.execute_sql(f"PRAGMA cache_size = -{int(EXPORT_CACHE_KIB)}")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(before)}")


def build(app, job):
    """Write the zip for ``job`` and mark it ready; the previous zip of the unit is removed."""
    unit = Unit.get_by_id(job.unit)
    villages = Tree().villages_under.get(unit.code, [])
    tables = sorted(registry.of(app).exports.values(), key=lambda t: t.name)
    generated = iso(utcnow())
    final = export_dir(app) / f"{unit.code}-{job.id}.zip"
    part = final.with_suffix(".part")
    files = []
    checkpoint = auditlog.latest_checkpoint(app)
    with _small_page_cache(), zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED,
                                              compresslevel=COMPRESS_LEVEL) as zf:
        plain = plain_codes()
        for done, table in enumerate(tables, start=1):
            _write_table(zf, table, villages, files, plain)
            ExportJob.update(done=done).where(ExportJob.id == job.id).execute()
        dictionary, lines = dictionary_csv(tables)
        _add(zf, files, "data_dictionary.csv", dictionary, lines)
        _add(zf, files, "LICENSE.txt", LICENCE.encode("utf-8"))
        _add(zf, files, "audit_checkpoint.txt", checkpoint.note.encode("utf-8"))
        manifest = {"unit": {"code": unit.code, "name": unit.name, "level": unit.level}, "generated_at": generated,
                    "audit_checkpoint": {"size": checkpoint.size, "root": bytes(checkpoint.root).hex(),
                                         "key_name": checkpoint.key.name},
                    "tables": [{"name": t.name, "title": t.title} for t in tables], "files": files}
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        zf.writestr("manifest.json", manifest_bytes)
        signed_files = files + [{"name": "manifest.json", "sha256": hashlib.sha256(manifest_bytes).hexdigest(),
                                 "bytes": len(manifest_bytes), "rows": None}]
        zf.writestr("manifest.txt", manifest_note(app, unit, generated, signed_files))
    digest = hashlib.sha256()
    with open(part, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    os.replace(part, final)
    ExportJob.update(status="ready", building=None, done=len(tables) + 1, path=str(final), size=final.stat().st_size,
                     sha256=digest.hexdigest(), finished_at=utcnow()).where(ExportJob.id == job.id).execute()
    for old in ExportJob.select().where((ExportJob.unit == unit.code) & (ExportJob.id < job.id)
                                        & (ExportJob.path != "")):
        Path(old.path).unlink(missing_ok=True)
    return final
