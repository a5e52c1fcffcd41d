"""The export's rows read in bulk (one grouped query per table, tuples instead of model objects) are
the rows the per-month and per-object code gave before, on the demo county; the detector's shortcut
(no run of 11 digits: nothing to find) never hides a finding."""
import random
import re

from portal.core import personal_data
from portal.core.personal_data import mask

COUNTY = "350528000000"


def _villages():
    from portal.dashboard.tree import Tree
    return Tree().villages_under[COUNTY]


def _old_statement_rows(village_ids):
    """The export's statements as they were built before: one ``statement`` per published month."""
    from portal.ledger import statements
    from portal.ledger.models import Period
    for p in (Period.select().where(Period.village.in_(list(village_ids)) & (Period.state == "published"))
              .order_by(Period.village, Period.month)):
        stmt = statements.as_json(statements.statement([p.village_id], p.month))
        yield {"village": p.village_id, "month": p.month, "audit_index": p.audit_index,
               **{k: stmt[k] for k in ("opening_balance", "income", "expense", "closing_balance", "closing_cash",
                                       "closing_bank")}}


def _old_entry_rows(village_ids):
    from portal.ledger.models import Entry
    from portal.ledger.rows import fen_text
    for e in (Entry.select().where(Entry.village.in_(list(village_ids)) & (Entry.state == "published"))
              .order_by(Entry.village, Entry.date, Entry.id).iterator()):
        yield {"id": e.id, "village": e.village_id, "voucher_no": e.voucher_no, "date": e.date.isoformat(),
               "summary": mask(e.summary), "account": e.account, "direction": e.direction,
               "amount": fen_text(e.amount_fen), "settlement": e.settlement, "counterparty": mask(e.counterparty),
               "counterparty_code": e.counterparty_code, "handler": mask(e.handler), "approver": mask(e.approver),
               "reverses": e.reverses_id, "audit_index": e.audit_index}


def test_statement_rows_equal_one_statement_per_month(ddb, dash_app):
    from portal.ledger.figures import EXPORTS
    from portal.ledger.models import Entry, Opening, Period
    table = next(t for t in EXPORTS if t.name == "ledger_statements")
    villages = _villages()
    old = list(_old_statement_rows(villages))
    # the demo must exercise what the one-pass sums must get right: several months of one village,
    # an opening balance, both settlements, income and expense
    assert len(old) >= 3 and Opening.select().exists()
    assert {s for (s,) in Entry.select(Entry.settlement).distinct().tuples()} == {"cash", "bank"}
    assert Period.select(Period.village).where(Period.state == "published").group_by(Period.village).count() < len(old)
    assert any(r["opening_balance"] != "0.00" for r in old) and any(r["expense"] != "0.00" for r in old)
    assert list(table.rows(villages)) == old
    one = [villages[0]]
    assert list(table.rows(one)) == list(_old_statement_rows(one))


def test_entry_rows_equal_the_object_rows(ddb, dash_app):
    from portal.ledger.figures import EXPORTS
    table = next(t for t in EXPORTS if t.name == "ledger_entries")
    villages = _villages()
    old = list(_old_entry_rows(villages))
    assert len(old) > 10
    assert list(table.rows(villages)) == old


def test_the_digit_run_shortcut_never_hides_a_finding(monkeypatch):
    rng = random.Random(3)
    pieces = ["13905951201", "139 0595 1201", "１３９０５９５１２０１", "+86 139-0595-1201", "0086 13905951201",
              "350502199001011234", "350 502 1990 0101 123X", "350502900101123", "6222 0212 3456 7890 123",
              "4111111111111111", "电话：", "身份证", " ", "-", "。", "号", "a", "0", "12", "3505", "1990-01-01",
              ".", "\u00b7", "\uff0d", "\u3000", ":", "T", "2026-12-03T14:54:27+08:00", "2026-12-03 14:54", "5"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    texts += ["1390595120", "139059512", "1 3 9 0 5 9 5 1 2 0 1", "1-3-9-0-5-9-5-1-2-0-1"]
    fast = [personal_data.find_personal_data(t) for t in texts]
    monkeypatch.setattr(personal_data, "_DIGIT_RUN", re.compile(r""))  # matches everything: no shortcut
    slow = [personal_data.find_personal_data(t) for t in texts]
    assert fast == slow
    assert sum(1 for f in slow if f) > 1000  # the texts do hold findings


# -- the old code, verbatim (main before this change): the reference the new rows must equal --
from portal.appeals import services  # noqa: E402
from portal.appeals.models import Appeal  # noqa: E402
from portal.core.clock import date_text, iso  # noqa: E402
from portal.core.money import amount_text  # noqa: E402
from portal.publications.categories import CATEGORIES, PUBLIC_STATUSES  # noqa: E402
from portal.publications.models import Publication  # noqa: E402
from portal.seals import certificates  # noqa: E402
from portal.seals.models import SealUse  # noqa: E402
from portal.seals.naming import surname_only  # noqa: E402
from portal.units.models import Unit  # noqa: E402

def old_appeal_rows(village_ids):
    for row in Appeal.select().where(Appeal.village.in_(list(village_ids))).order_by(Appeal.id).iterator():
        yield {"id": row.id, "village": row.village_id, "grid": row.grid_id or "", "category": row.category,
               "status": row.state, "text": services.mask(row.text), "holder": row.holder_id,
               "filed_at": iso(row.created_at), "due_at": iso(row.due_at), "closed_at": iso(row.closed_at),
               "outcome": row.outcome, "reply": services.mask(row.reply), "reopen_count": row.reopen_count,
               "escalations": row.escalations}


def old_use_rows(village_ids):
    query = SealUse.select().where(SealUse.village.in_(list(village_ids))).order_by(SealUse.id)
    for u in query.iterator():
        yield {"id": u.id, "village": u.village_id, "seal": u.seal_id, "used_on": u.used_on.isoformat(),
               "purpose": u.purpose, "document": u.document, "copies": u.copies,
               "applicant": surname_only(u.applicant), "approver": u.approver, "handler": u.handler,
               "keeper": u.keeper, "matter": u.matter, "needs_vote": u.needs_vote,
               "decision_type": u.decision_type, "decision_id": u.decision_id or "",
               "certificate": u.certificate_name, "certificate_kind": u.certificate_kind,
               "left_office": u.left_office, "out_at": iso(u.out_at) or "", "returned_at": iso(u.returned_at) or "",
               "recorded_at": iso(u.created_at), "state": u.state, "audit_index": u.audit_index}


def old_certificate_rows(village_ids):
    counties = {certificates.county_of(u).code for u in Unit.select().where(Unit.code.in_(list(village_ids)))
                if certificates.county_of(u) is not None}
    for code in sorted(counties):
        for e in certificates.list_for(Unit.find(code, "county")):
            yield {"county": code, "code": e["code"], "name": e["name"], "kind": e["kind"],
                   "alternative": e["alternative"], "basis": e["basis"]}


def old_publication_rows(village_ids):
    """Every public version (published, superseded, withdrawn): masked columns only."""
    query = (Publication.select().where(Publication.village.in_(list(village_ids))
                                        & Publication.status.in_(PUBLIC_STATUSES))
             .order_by(Publication.id))
    for pub in query.iterator():
        yield {"id": pub.id, "series": pub.series or pub.id, "version": pub.version, "village": pub.village_id,
               "category": pub.category, "category_name": CATEGORIES.get(pub.category, ""),
               "power": pub.power_id or "", "status": pub.status, "title": pub.title_masked,
               "body": pub.body_masked, "period_start": date_text(pub.period_start) or "",
               "period_end": date_text(pub.period_end) or "", "amount": amount_text(pub.amount) or "",
               "decided_on": date_text(pub.decided_on) or "", "published_at": iso(pub.published_at) or "",
               "withdrawn_at": iso(pub.withdrawn_at) or "", "audit_index": pub.audit_index}


def test_bulk_rows_equal_the_old_object_rows(ddb, dash_app):
    from portal.appeals.domain import EXPORT
    from portal.publications.figures import EXPORTS as PUBLICATIONS
    from portal.seals.figures import EXPORTS as SEALS
    tables = {t.name: t for t in [EXPORT, *PUBLICATIONS, *SEALS]}
    villages = _villages()
    for name, reference in (("appeals", old_appeal_rows), ("seal_uses", old_use_rows),
                            ("certificates", old_certificate_rows), ("publications", old_publication_rows)):
        before = list(reference(villages))
        assert len(before) > 2, name
        assert list(tables[name].rows(villages)) == before, name


def test_ocds_package_streamed_equals_the_one_built_in_memory(ddb, dash_app, tmp_path, monkeypatch):
    """The OCDS package is written into the export as it is read (no county-sized string); its bytes,
    and the zip entry the export writes, are the package built whole in memory."""
    import hashlib
    import io
    import json
    import zipfile
    from portal.dashboard import export
    from portal.projects import ocds
    # the package's publishedDate is the second it is written: the same for the three builds compared
    # (on a loaded machine they straddled a second and differed only there)
    monkeypatch.setattr(ocds, "_published", lambda: "2026-12-08T08:00:00+08:00")
    from portal.projects.exports import EXPORTS
    from portal.projects.models import Release
    villages = _villages()
    rows = [r[0] for r in Release.select(Release.data).where(Release.village.in_(villages))
            .order_by(Release.id).tuples()]
    before = "".join(ocds.release_package_chunks(rows, "ocds_releases.json")).encode("utf-8")
    whole = ocds.release_package([json.loads(r) for r in rows], "ocds_releases.json")
    assert json.loads(before) == json.loads(json.dumps(whole, ensure_ascii=False))
    assert len(json.loads(before)["releases"]) == Release.select().count() > 0
    table = next(t for t in EXPORTS if t.name == "projects")
    streamed = io.BytesIO()
    table.document(villages)["ocds_releases.json"](streamed)
    assert streamed.getvalue() == before
    files = []
    with zipfile.ZipFile(tmp_path / "t.zip", "w") as zf:
        export._write_table(zf, table, villages, files)
    with zipfile.ZipFile(tmp_path / "t.zip") as zf:
        assert zf.read("documents/ocds_releases.json") == before
    entry = next(f for f in files if f["name"] == "documents/ocds_releases.json")
    assert entry["sha256"] == hashlib.sha256(before).hexdigest() and entry["bytes"] == len(before)


def test_the_export_tests_a_row_once_and_cleans_the_cells_of_a_row_with_digits(monkeypatch):
    """The detector's shortcut is asked once per row, not once per cell (a county's export has 2.8M rows
    of ~15 cells); a row with a run of digits still has each of its cells masked, and the files are the
    bytes the per-cell code wrote."""
    import io
    import json
    import zipfile
    from portal.core.domain import ExportTable
    from portal.dashboard import export
    rows = [{"id": i, "a": f"文本{i}", "b": "2026-12-03T14:54:27+08:00", "c": None, "d": True, "e": "0.50"}
            for i in range(1201)]  # more than one batch (export.FLUSH_ROWS)
    rows[7]["a"] = "手机 13905951201"
    rows[9]["e"] = "350528196304123028"
    table = ExportTable("t", "测试", [(c, c) for c in ("id", "a", "b", "c", "d", "e")], lambda _v: iter(rows))
    calls = []
    real = export.could_hold_personal_data
    monkeypatch.setattr(export, "could_hold_personal_data", lambda text: calls.append(text) or real(text))
    out = io.BytesIO()
    files = []
    with zipfile.ZipFile(out, "w") as zf:
        export._write_table(zf, table, [], files)
    assert len(calls) <= len(rows) + 2 * 6  # one per row, and the cells of the two rows with digits
    with zipfile.ZipFile(out) as zf:
        csv_text, json_text = zf.read("t.csv").decode("utf-8"), zf.read("t.json").decode("utf-8")
    assert "13905951201" not in csv_text + json_text and "350528196304123028" not in csv_text + json_text
    cleaned = [{c: export._clean(r[c]) for c in r} for r in rows]
    assert json_text == "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False, default=str) for r in cleaned) + "\n]\n"
    assert csv_text.splitlines()[8] == "7,手机 139****1201,2026-12-03T14:54:27+08:00,,True,0.50"


def test_driver_rows_equal_the_object_rows_on_postgresql(tmp_path, pg_url):
    """PostgreSQL's driver gives dates, times and booleans as objects where SQLite's gives text and 0/1: the
    rows read through ``db.driver_rows`` (export tables, the dashboard's stored figures) are the same."""
    from portal.appeals.domain import EXPORT
    from portal.core.db import connection
    from portal.dashboard import precompute, queries
    from portal.dashboard.models import UnitFigure
    from portal.ledger.figures import EXPORTS as LEDGER
    from portal.seals.figures import EXPORTS as SEALS
    from tests.conftest import load_demo_for, make_app
    from tests.dashboard.conftest import SYNC
    app = make_app(tmp_path, pg_url, **SYNC)
    with app.app_context(), connection():
        load_demo_for(app)
        villages = _villages()
        tables = {t.name: t for t in [EXPORT, *LEDGER, *SEALS]}
        for name, reference in (("appeals", old_appeal_rows), ("seal_uses", old_use_rows),
                                ("ledger_entries", _old_entry_rows)):
            before = list(reference(villages))
            assert len(before) > 2, name
            assert list(tables[name].rows(villages)) == before, name
        precompute.rebuild(app)
        stored = queries.rows_for([COUNTY])[COUNTY]
        for row in UnitFigure.select().where(UnitFigure.unit == COUNTY):
            got = stored[row.key]
            assert (got.data, got.ok, got.computed_at, got.computed_on) == (row.data, row.ok, row.computed_at,
                                                                          row.computed_on), row.key


def test_villages_in_scans_for_most_villages_and_gives_the_same_rows(ddb):
    """Most of the portal's villages: the village index kept out (``+column``, a rowid-order scan); a few: the
    index. Either way the same rows in the same order as the plain ``IN``."""
    from portal.core.db import villages_in
    from portal.seals.models import SealUse
    villages = _villages()
    assert len(villages) >= 5

    def ids(where):
        return [u.id for u in SealUse.select(SealUse.id).where(where).order_by(SealUse.id)]

    every = villages_in(SealUse.village, villages)
    assert '+"t1"."village_code"' in SealUse.select().where(every).sql()[0]
    assert ids(every) == ids(SealUse.village.in_(villages)) and ids(every)
    few = villages_in(SealUse.village, villages[:1])
    assert "+" not in SealUse.select().where(few).sql()[0]
    assert ids(few) == ids(SealUse.village.in_(villages[:1]))
