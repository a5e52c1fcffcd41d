"""The admin pages' declaration (see portal.core.domain)."""
from portal.admin import views
from portal.core.domain import Domain
from portal.home import workspace


def setup(app):
    workspace.register(app, views.workspace_panels)


DOMAIN = Domain(name="admin", blueprints=[views.bp], setup=setup, public=("portal.admin",))
