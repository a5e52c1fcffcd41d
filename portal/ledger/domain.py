"""The three capitals' declaration (see portal.core.domain)."""
import peewee
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.auditlog.views import register_describer
from portal.core.domain import Domain, Section
from portal.home import workspace as home_workspace
from portal.ledger import api, demo, entries, figures, importer, totals, views, warnings, workspace
from portal.ledger.entries import ENTRY
from portal.ledger.models import MODELS, Entry, Invoice, MonthTotal
from portal.ledger.periods import PERIOD
from portal.ledger.registers import ASSET, CONTRACT


def _invoice_panel(object_type, object_id):
    """The invoices of a public entry, as thumbnails on its record page."""
    if object_type != "ledger_entry":
        return None
    rows = list(Invoice.select(Invoice.id, Invoice.filename, Invoice.mime, Invoice.sha256, Invoice.thumbnail)
                .where(Invoice.entry == object_id))
    if not rows:
        return Markup('<section class="card ledger-invoices"><h2>{}</h2><p class="meta">{}</p></section>').format(
            _("发票与凭证"), _("这笔记录没有上传发票。"))
    items = []
    for i in rows:
        view = url_for("ledger.invoice_file", invoice_id=i.id, variant="view")
        thumb = url_for("ledger.invoice_file", invoice_id=i.id, variant="thumb") if i.thumbnail else None
        img = Markup('<img src="{}" alt="{}" loading="lazy">').format(thumb, i.filename) if thumb else escape(i.filename)
        items.append(Markup('<li><a href="{}">{}</a><br><code class="hash">SHA-256 {}…</code></li>').format(
            view, img, i.sha256[:16]))
    return Markup('<section class="card ledger-invoices"><h2>{}</h2><ul class="invoice-grid">{}</ul></section>').format(
        _("发票与凭证"), Markup("").join(items))


def _cli(app):
    import click
    from flask.cli import AppGroup
    group = AppGroup("ledger", help="The three capitals: the county's chart of accounts.")

    @group.command("add-account")
    @click.option("--county", required=True, help="the county's 12-digit code")
    @click.option("--chart", default=None, help="2004 or 2023 (default: the chart in use)")
    @click.option("--parent", required=True, help="the national account, e.g. 541")
    @click.option("--code", required=True, help="the sub-account's code, starting with the parent's, e.g. 541001")
    @click.option("--name", required=True, help="e.g. 办公费")
    def add_account(county, chart, parent, code, name):
        """Add a county sub-account (明细科目) under a national account; it takes the parent's kind."""
        from portal.core.db import connection
        from portal.core.errors import PortalError
        from portal.ledger import charts
        from portal.units.models import Unit
        with connection():
            unit = Unit.find(county, "county")
            if unit is None:
                raise click.ClickException(f"no county {county}")
            try:
                charts._loaded()
                account = charts.add_sub_account(unit, chart or entries.chart_in_use(), parent, code, name)
            except PortalError as exc:
                raise click.ClickException(exc.message) from None
            click.echo(f"{account.code} {account.name} ({account.kind}) under {parent}")

    app.cli.add_command(group)


def _entry_invoice_count(migrator, db):
    """``entry.invoice_count`` (the no-invoice rule's column), filled from the invoices, and the warnings'
    indexes. A plain ADD COLUMN with a default: SQLite does not rebuild the table. Where the instance has
    SQLite statistics they are made whole again: with old indexes counted and new ones not, the planner
    prefers the uncounted ones for the warnings' and the leases' queries (bench/ledger: 0.1 s became 3 s)."""
    if not db.table_exists("entry"):
        return []
    db.execute_sql('ALTER TABLE "entry" ADD COLUMN "invoice_count" INTEGER NOT NULL DEFAULT 0')
    entries.count_invoices(db)
    Entry._schema.create_indexes(safe=True)
    if isinstance(db, peewee.SqliteDatabase) and db.table_exists("sqlite_stat1"):
        db.execute_sql('ANALYZE "entry"')
    return []


def _month_totals(migrator, db):
    """The month totals the statements read, made from the rows of an existing instance."""
    if not db.table_exists("entry"):
        return []
    MonthTotal.create_table(safe=True)
    totals.rebuild()
    return []


def setup(app):
    _cli(app)
    app.config.setdefault("LEDGER_CHART", "2004")
    app.config.setdefault("LEDGER_CASH_LIMIT", 5000)
    app.config.setdefault("LEDGER_DECISION_THRESHOLD", 30000)
    app.config.setdefault("LEDGER_GRACE_DAYS", 10)
    app.config.setdefault("LEDGER_FEW_ENTRIES", 3)
    app.config.setdefault("LEDGER_ENTRIES_PER_PAGE", 100)  # the statement page's entries, a page at a time
    home_workspace.register(app, workspace.panels)
    for object_type in ("ledger_batch",):
        register_describer(app, object_type, views.describe_batch)


DOMAIN = Domain(
    name="ledger", models=MODELS, blueprints=[views.bp], api_blueprints=[api.bp],
    openapi_paths=api.PATHS, openapi_schemas=api.SCHEMAS,
    actions={"ledger.record": {"clerk"}, "ledger.publish": {"clerk"}, "ledger.review": {"supervisor"},
             "asset.write": {"clerk"}, "contract.write": {"clerk"}},
    sections=[Section("capitals", views.village_section, "ledger.village")],
    audit_sources={"ledger_batch": importer.rederive_batch},
    record_types=[ENTRY, PERIOD, ASSET, CONTRACT],
    flag_rules=warnings.RULES, figures=figures.FIGURES, exports=figures.EXPORTS,
    record_panels=[_invoice_panel],
    provides={"ledger.entry_summary": entries.entry_summary},
    migrations=[(12, "ledger_entry_invoice_count", _entry_invoice_count), (13, "ledger_month_totals", _month_totals)],
    demo=demo.load, demo_order=60, setup=setup,
    public=(),
)
