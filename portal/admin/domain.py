"""The admin pages' declaration (see portal.core.domain)."""
from portal.admin import views
from portal.core.domain import Domain

DOMAIN = Domain(name="admin", blueprints=[views.bp], public=("portal.admin",))
