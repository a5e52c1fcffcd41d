"""Home, township and village pages: the declaration (see portal.core.domain)."""
from portal.core.domain import Domain
from portal.home import views

DOMAIN = Domain(name="home", blueprints=[views.bp], public=("portal.home.sections",))
