"""Search over everything public: the portal's side of ``search_index``.

Domains call :func:`register_source` in their ``setup(app)``; after a commit
they emit ``public.changed`` and the document is re-read through its source's
``document_for`` and indexed (or removed). The index is a projection: on start
it is rebuilt when missing or of an older schema, else caught up from the audit
log (``portal.auditlog.entries_after`` the last index it applied); ``flask --app
portal search rebuild`` rebuilds it by hand.
"""
from portal.search.registry import register_source

__all__ = ["register_source", "setup"]


def setup(app):
    from portal.search import cli, service
    service.init_app(app)
    app.cli.add_command(cli.search_group)
