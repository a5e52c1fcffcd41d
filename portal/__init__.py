"""阳光村务 · Sunlight Village Portal: the Flask application factory.

Domains live in packages beside this file (``portal/<domain>/``) with their
``models``, ``services``, ``views`` and ``api`` side by side. They are
discovered, not listed: a ``models.MODELS`` list joins the schema, a
``views.bp`` or ``api.bp`` blueprint is registered, and an optional
``setup(app)`` hook runs last (subscriptions, permissions).
"""
import importlib
import logging
import pkgutil
from pathlib import Path

from flask import Flask, g, request

from portal import config as config_mod
from portal.core.db import database, ensure_schema, open_database

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def domain_packages():
    """Names of the domain packages under portal/, in a stable order."""
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.ispkg and m.name not in ("migrations", "core"))


def _optional(module_name):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise


def all_models():
    from portal.migrations import SchemaMigration
    models = [SchemaMigration]
    for name in domain_packages():
        mod = _optional(f"portal.{name}.models")
        if mod is not None:
            models.extend(getattr(mod, "MODELS", []))
    return models


def bind_database(url):
    """Open the database for ``url``, bind the model proxy to it and upgrade the schema."""
    from portal.migrations import upgrade
    db = open_database(url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    try:
        ensure_schema(db)
        upgrade(db, all_models())
    finally:
        db.close()
    for name in domain_packages():
        mod = _optional(f"portal.{name}")
        if mod is not None and hasattr(mod, "bind"):
            mod.bind(db)
    return db


def create_app(test_config=None, instance=None):
    from portal.core import i18n, security, web_errors
    from flask_babel import gettext

    from portal.extensions import babel, csrf, login_manager, socketio

    instance_dir = config_mod.instance_path(instance or (test_config or {}).get("INSTANCE_DIR"))
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(instance_dir))
    app.config.update(config_mod.load_config(instance_dir, test_config))
    app.json.ensure_ascii = False
    bind_database(app.config["DATABASE_URL"])

    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not database.is_closed():
            database.close()

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    login_manager.localize_callback = gettext
    i18n.init_app(app, babel)
    security.init_app(app)
    web_errors.init_app(app)
    from portal import server
    socketio.init_app(app, async_mode=server.async_mode(),
                      message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
                      cors_allowed_origins=[], max_http_buffer_size=1_000_000)

    for name in domain_packages():
        for part in ("views", "api"):
            mod = _optional(f"portal.{name}.{part}")
            if mod is not None and hasattr(mod, "bp"):
                app.register_blueprint(mod.bp)
                if part == "api":
                    csrf.exempt(mod.bp)
    for name in domain_packages():
        mod = _optional(f"portal.{name}")
        if mod is not None and hasattr(mod, "setup"):
            mod.setup(app)

    from portal import cli
    from portal.core import openapi
    cli.init_app(app)
    openapi.init_app(app)

    @app.context_processor
    def _globals():
        from portal.core.permissions import can
        return {"can": can}

    return app
