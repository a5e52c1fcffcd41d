"""A domain declares itself in one place: ``portal/<domain>/domain.py`` holds ``DOMAIN``.

The app factory finds every package under ``portal/`` with a ``domain``
module and installs what it declares: models (the schema), blueprints,
actions, village-page sections, audit and search sources, OpenAPI paths,
schema migration steps, record types and demo data. Adding a domain touches
nothing outside its package (but the translation catalogue). ``setup`` is for
what is truly the domain's own (template filters, CLI commands, background
threads) and runs last.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence


@dataclass
class Section:
    key: str  # one of the village page's sections (portal.home.sections.SECTIONS)
    provider: Callable  # provider(village) -> [{"title", "url", "meta"}]
    more_endpoint: Optional[str] = None  # the page listing everything


@dataclass
class SearchSource:
    doc_type: str
    iter_documents: Callable  # () -> every public document of the type
    document_for: Callable  # (object_id) -> the document, or None once it is not public
    category_names: dict = field(default_factory=dict)


@dataclass
class Domain:
    name: str
    models: Sequence = ()  # peewee models of the domain's tables
    blueprints: Sequence = ()  # page blueprints
    api_blueprints: Sequence = ()  # /api/v1 blueprints: JSON errors, no CSRF (bearer tokens)
    actions: dict = field(default_factory=dict)  # action -> roles (portal.core.permissions)
    sections: Sequence = ()  # Section
    audit_sources: dict = field(default_factory=dict)  # object type -> fn(entry) re-deriving its payload
    search_sources: Sequence = ()  # SearchSource
    openapi_paths: dict = field(default_factory=dict)
    openapi_schemas: dict = field(default_factory=dict)
    migrations: Sequence = ()  # (version, name, step(migrator, db) -> operations); versions unique portal-wide
    record_types: Sequence = ()  # portal.core.records.RecordType
    demo: Optional[Callable] = None  # demo(ctx) loads the domain's part of the demo county
    demo_order: int = 50  # lower loads first (records others link to)
    setup: Optional[Callable] = None  # setup(app), after everything above is installed
    public: Sequence = ()  # modules other domains may import (everything else is internal)
    provides: dict = field(default_factory=dict)  # name -> function the core calls (e.g. "token_user")
