"""Search's declaration (see portal.core.domain)."""
from portal.core.domain import Domain
from portal.search import api, cli, openapi_paths, service, views
from portal.search.models import MODELS


def setup(app):
    service.init_app(app)
    app.cli.add_command(cli.search_group)


DOMAIN = Domain(name="search", models=MODELS, blueprints=[views.bp], api_blueprints=[api.bp], setup=setup,
                openapi_paths=openapi_paths.PATHS,
                public=("portal.search.service", "portal.search.models"))
