"""``flask --app portal audit-rotate-key``: replace the checkpoint signing key."""
import click

from portal.core.db import connection


@click.command("audit-rotate-key")
def rotate_key_cmd():
    """Rotate the signing key; the new key is announced in the log, signed by the old one."""
    from portal.auditlog.services import rotate_key
    with connection():
        new = rotate_key()
    click.echo(f"new audit key: {new.vkey}")
