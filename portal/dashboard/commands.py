"""``flask --app portal dashboard rebuild|export CODE``: recompute the figures, build an export now."""
import click
from flask import current_app
from flask.cli import AppGroup

from portal.core.db import connection
from portal.dashboard import export, precompute, queries

group = AppGroup("dashboard", help="数据看板与开放数据 / dashboard and open data")


@group.command("rebuild")
def rebuild_cmd():
    """Recompute every figure of every unit from the database."""
    with connection():
        stored = precompute.rebuild(current_app._get_current_object())
    click.echo(f"已重算 {stored} 个数值 / {stored} figure values recomputed")


@group.command("export")
@click.argument("code")
def export_cmd(code):
    """Build the open-data zip of unit CODE now (in this process) and print its path."""
    app = current_app._get_current_object()
    app.config["DASHBOARD_SYNC_EXPORT"] = True  # build here, not in a child
    with connection():
        unit = queries.find_unit(code)
        if unit is None:
            raise click.ClickException(f"no such unit: {code}")
        job, _started = export.request_export(unit)
        job = export.ExportJob.get_by_id(job.id)
    if job.status != "ready":
        raise click.ClickException(f"export failed: {job.error}")
    click.echo(job.path)


@group.command("build-job")
@click.argument("job_id", type=int)
def build_job_cmd(job_id):
    """Build the export job JOB_ID (the web server starts this in a child process)."""
    export.run_build(current_app._get_current_object(), job_id)
