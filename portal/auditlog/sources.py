"""Entry point ``audit.sources``: lets ``python -m audit verify`` re-derive portal payloads.

Builds the portal app on the database being verified (which binds the portal's
models and runs every domain's ``setup``, where sources are registered) and
opens its connection for the source functions.
"""
import os
import tempfile


def load(database_url):
    from portal import create_app
    from portal.core.db import database
    instance = os.environ.get("PORTAL_INSTANCE") or tempfile.mkdtemp(prefix="audit-verify-")
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_DIR": instance, "TESTING": True})
    app.app_context().push()  # the source functions read the app's registry and build URLs
    database.connect(reuse_if_open=True)
