"""阳光村务 · Sunlight Village Portal: the Flask application factory.

Layers (docs/ARCHITECTURE.md): ``audit/`` and ``search_index/`` are libraries
that import nothing from the portal; ``portal/core/`` is what every domain
shares and imports no domain; each domain package under ``portal/`` declares
itself in its ``domain.py`` (``DOMAIN``, a ``portal.core.domain.Domain``) and
the factory installs what it declares. Domains are discovered, not listed.
"""
import importlib
import logging
import pkgutil
from pathlib import Path

from flask import Flask

from portal import config as config_mod
from portal.core import db as core_db
from portal.core.db import database, ensure_schema, open_database, release_idle

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def domain_packages():
    """Names of the domain packages under portal/, in a stable order."""
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.ispkg and m.name != "core")


def domains():
    """Every domain's descriptor; each package under portal/ (but core) must declare one."""
    return [importlib.import_module(f"portal.{name}.domain").DOMAIN for name in domain_packages()]


def all_models():
    from portal.core.migrations import SchemaMigration
    return [SchemaMigration] + [model for d in domains() for model in d.models]


def bind_database(url):
    """Open the database for ``url``, bind the model proxy to it and upgrade the schema."""
    from portal.core.migrations import upgrade
    db = open_database(url)
    if database.obj is not None:
        release_idle(database.obj)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    try:
        ensure_schema(db)
        upgrade(db, all_models(), [step for d in domains() for step in d.migrations])
    finally:
        db.close()
    return db


def install(app, domain):
    """Attach what one domain declares to ``app``."""
    from portal.auditlog import register_source
    from portal.core import openapi, permissions, records, registry
    from portal.core.extensions import csrf

    reg = registry.of(app)
    reg.domains[domain.name] = domain
    reg.provided.update(domain.provides)
    for bp in domain.blueprints:
        app.register_blueprint(bp)
    for bp in domain.api_blueprints:  # each calls register_api_errors where it is defined
        app.register_blueprint(bp)
        csrf.exempt(bp)
    permissions.register(app, domain.actions)
    for section in domain.sections:
        reg.sections[section.key] = section
    for object_type, fn in domain.audit_sources.items():
        register_source(object_type, fn)
    for source in domain.search_sources:
        reg.search_sources[source.doc_type] = source
    openapi.register(app, domain.openapi_paths, domain.openapi_schemas)
    for record_type in domain.record_types:
        records.install(app, record_type)
    for kind, items, key in (("flag rule", domain.flag_rules, "code"), ("figure", domain.figures, "key"),
                             ("export table", domain.exports, "name"),
                             ("campaign members", domain.campaign_members, "key"),
                             ("subject", domain.subjects, "name")):
        target = {"flag rule": reg.flag_rules, "figure": reg.figures, "export table": reg.exports,
                  "campaign members": reg.campaign_members, "subject": reg.subjects}[kind]
        for item in items:
            name = getattr(item, key)
            if name in target or (kind == "subject" and name in reg.record_types):
                raise ValueError(f"{kind} {name!r} declared twice")
            target[name] = item
    reg.record_panels.extend(domain.record_panels)
    reg.remaskers.extend(domain.remaskers)


def create_app(test_config=None, instance=None, extra_domains=()):
    """The app for an instance folder; ``extra_domains`` lets tests add a domain of their own."""
    from flask_babel import gettext

    from portal import cli
    from portal.core import i18n, openapi, page_cache, permissions, records, registry, routing, security, web_errors
    from portal.core.extensions import babel, csrf, login_manager, socketio

    instance_dir = config_mod.instance_path(instance or (test_config or {}).get("INSTANCE_DIR"))
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(instance_dir))
    app.config.update(config_mod.load_config(instance_dir, test_config))
    app.json.ensure_ascii = False
    routing.init_app(app)  # before any blueprint: every <int:…> is the bounded id converter
    all_domains = domains() + list(extra_domains)
    app.extensions[core_db.EXTENSION] = bind_database(app.config["DATABASE_URL"])
    core_db.init_app(app)
    registry.init_app(app)
    permissions.register(app, permissions.CORE_ACTIONS)

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
                      cors_allowed_origins=security.origin_check(app), max_http_buffer_size=1_000_000)

    for domain in all_domains:
        install(app, domain)
    for domain in all_domains:
        if domain.setup is not None:
            domain.setup(app)
    if extra_domains:
        database.obj.create_tables([m for d in extra_domains for m in d.models], safe=True)

    page_cache.init_app(app)  # after every domain's hooks (see its docstring)
    cli.init_app(app)
    openapi.init_app(app)

    @app.context_processor
    def _globals():
        return {"can": permissions.can, "record_panels": records.panels_for}

    return app

