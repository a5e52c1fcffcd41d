"""Reports' declaration (see portal.core.domain): 我要举报 to the discipline inspectors."""
import os

import click
from flask import session, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_login import user_logged_out

from portal.accounts.models import User
from portal.core import background
from portal.core.clock import local
from portal.core.db import connection
from portal.core.domain import Domain, Section
from portal.core.i18n import N_
from portal.auditlog.views import register_describer
from portal.home import workspace as home_workspace
from portal.reports import api, campaign_counts, demo, filing, keys, openapi_paths, pages, retention, staff
from portal.reports.models import MODELS, Report
from portal.units.models import Unit

SWEEP_SECONDS = 300
# How the public audit page words a report's entries: never the village, never the content.
ENTRY_TITLES = {
    "report.file": N_("收到一件举报（内容加密）"), "report.add": N_("举报人补充了材料（内容加密）"),
    "report.open": N_("纪检监察人员查看了一件举报"), "report.export": N_("纪检监察人员下载了举报附件"),
    "report.reply": N_("纪检监察人员答复了举报人"), "report.close": N_("一件举报已办结"),
    "report.link": N_("举报关联了督办或专项整治"), "report.grant": N_("举报的查看权限已授予"),
    "report.revoke": N_("举报的查看权限已收回"), "report.identity_request": N_("申请查看举报人身份"),
    "report.identity_approve": N_("批准查看举报人身份"), "report.identity_view": N_("查看了举报人身份"),
    "report.expiry_warning": N_("举报即将到期删除"), "report.erase": N_("到期举报已彻底删除"),
    "report.retention": N_("举报保存期限已设定"),
}


def describe_entry(entry):
    # the title says what happened; nothing about the report itself is public
    return {"village": None, "title": _(ENTRY_TITLES.get(entry.action, N_("一件举报"))), "url": None, "what": ""}


def _village_section(village):
    """A way in, never a list: nothing about any report is shown on a public page."""
    return [{"title": _("向纪检监察机关举报"), "url": url_for("reports.new", unit=village.code),
             "meta": _("可匿名，内容加密，只有辖区纪检监察人员能看")},
            {"title": _("凭回执码查询举报进展"), "url": url_for("reports.check"), "meta": ""}]


def _workspace(user):
    if user.role != "inspector" or user.unit is None:
        return []
    waiting = (Report.select().join(Unit).where(Unit.path.startswith(user.unit.path) & (Report.status == "new"))
               .count())
    row = home_workspace.row(_("举报箱：%(n)d 件待处理", n=waiting), url_for("reports_staff.inbox"),
                             _("内容加密，解锁后查看；每次查看都记入审计日志"))
    return [home_workspace.panel("reports", N_("举报（纪检监察）"), [row], count=waiting)]


def sweep(app):
    """Seal finished hours' filings into the log, warn of and carry out deletions (every few minutes)."""
    with app.app_context(), connection():
        filing.seal_pending()
        retention.warn()
        retention.purge()


def _start_sweeper(app):
    background.every(app, "reports-sweeper", lambda: float(app.config.get(
        "REPORTS_SWEEP_SECONDS", os.environ.get("PORTAL_REPORTS_SWEEP_SECONDS", SWEEP_SECONDS))),
                     lambda: sweep(app))


@click.command("reports-set-passphrase")
@click.argument("username")
@click.option("--passphrase", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def set_passphrase_cmd(username, passphrase):
    """Create an inspector's report key under a passphrase (the passphrase is not stored)."""
    with connection():
        user = User.get_or_none(User.username == username)
        if user is None:
            raise click.ClickException(f"no such user: {username}")
        try:
            keys.set_passphrase(user, passphrase)
        except Exception as exc:
            raise click.ClickException(getattr(exc, "message", str(exc)))
    click.echo(f"report key set for {username}")


@click.command("reports-seal")
@click.option("--all", "everything", is_flag=True, help="seal the current hour too")
@with_appcontext
def seal_cmd(everything):
    """Append the pending filing entries to the audit log (the sweeper does this hourly)."""
    with connection():
        click.echo(f"sealed {filing.seal_pending(everything)}")


@click.command("reports-retention")
@click.option("--days", type=click.IntRange(30, 36500), default=None, help="set the county's retention period")
@click.option("--warn-days", type=click.IntRange(1, 365), default=None, help="set the warning period")
@with_appcontext
def retention_cmd(days, warn_days):
    """Set the retention period if asked, warn of coming deletions, erase reports whose retention ran out."""
    with connection():
        if days is not None or warn_days is not None:
            retention.configure(days, warn_days)
        conf = filing.settings()
        warned, erased = retention.warn(), retention.purge()
    click.echo(f"retention {conf.retention_days} days (warning {conf.warn_days} days before); "
               f"warned {len(warned)}, erased {len(erased)}")


def hour_text(naive_utc):
    """The hour a reporter's act falls in, China time: "2026-12-02 18:00–19:00" (nothing finer is kept)."""
    start = local(naive_utc)
    return f"{start:%Y-%m-%d %H}:00–{(start.hour + 1) % 24:02d}:00" if start else ""


def setup(app):
    app.add_template_filter(hour_text, "report_hour")
    app.extensions[staff.KEYRING] = keys.Keyring(idle=app.config.get("REPORTS_IDLE_SECONDS", keys.IDLE_SECONDS))
    home_workspace.register(app, _workspace)
    register_describer(app, "report", describe_entry)
    register_describer(app, "report_settings", describe_entry)
    for command in (set_passphrase_cmd, seal_cmd, retention_cmd):
        app.cli.add_command(command)

    def forget_key(sender, user, **extra):
        keyring = sender.extensions.get(staff.KEYRING)
        if keyring is not None and user is not None:
            keyring.forget(session.get("sid"), user.id)
    user_logged_out.connect(forget_key, app, weak=False)
    if background.serving(app):
        _start_sweeper(app)


DOMAIN = Domain(
    name="reports", models=MODELS, blueprints=[pages.bp, staff.bp],
    api_blueprints=[api.reporter_bp, api.inspector_bp],
    actions={"report.inspect": {"inspector"}},
    sections=[Section("reports", _village_section)],
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    demo=demo.load, demo_order=80, setup=setup, campaign_members=[campaign_counts.MEMBERS],
)
