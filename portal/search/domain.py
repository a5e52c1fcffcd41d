"""Search's declaration (see portal.core.domain)."""
from portal.core.domain import Domain
from portal.search import api, cli, service, views


def setup(app):
    service.init_app(app)
    app.cli.add_command(cli.search_group)


DOMAIN = Domain(name="search", blueprints=[views.bp], api_blueprints=[api.bp], setup=setup,
                public=("portal.search.service",))
