"""``flask --app portal search rebuild|status``."""
import os

import click
from flask import current_app
from flask.cli import AppGroup
from tqdm import tqdm

from portal.search.service import get_service


@click.group("search", cls=AppGroup)
def search_group():
    """Full-text search index commands."""


@search_group.command("rebuild")
@click.option("--procs", type=int, default=None, help="indexing processes (default: CPU count, at most 4)")
def rebuild(procs):
    """Rebuild the search index from the database, with a progress bar."""
    service = get_service(current_app)
    procs = procs or min(4, os.cpu_count() or 1)
    with tqdm(unit=" 条", desc="重建搜索索引", mininterval=0.5) as bar:
        count = service.rebuild(progress=bar.update, procs=procs)
    click.echo(f"搜索索引已重建：{count} 条 / search index rebuilt: {count} documents")


@search_group.command("status")
def status():
    """Show the index's document count and the last audit index applied."""
    index = get_service(current_app).index
    click.echo(f"documents: {index.doc_count()}  audit_index: {index.audit_index()}  current: {index.is_current()}")
