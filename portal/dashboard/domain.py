"""The dashboard and open data's declaration (see portal.core.domain)."""
from portal.core.domain import Domain, Section
from portal.dashboard import api, commands, demo, openapi_paths, precompute, sections, views
from portal.dashboard.models import MODELS


def setup(app):
    precompute.init_app(app)
    app.cli.add_command(commands.group)


DOMAIN = Domain(
    name="dashboard", models=MODELS, blueprints=[views.bp], api_blueprints=[api.bp],
    sections=[Section("dashboard", sections.village_section, None)],
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    demo=demo.load, demo_order=100, setup=setup,  # after every domain's records (and red flags)
)
