"""Health checks and request logs: the declaration (see portal.core.domain)."""
from portal.core.domain import Domain
from portal.health import logs, views

DOMAIN = Domain(name="health", blueprints=[views.bp], setup=logs.init_app)
