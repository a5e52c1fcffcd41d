"""The administrative tree's declaration (see portal.core.domain)."""
import peewee

from portal.core.domain import Domain
from portal.units import api, openapi_paths
from portal.units.models import MODELS


def _unit_sort_order(migrator, db):
    return [migrator.add_column("unit", "sort_order", peewee.IntegerField(default=0))]


DOMAIN = Domain(
    name="units", models=MODELS, api_blueprints=[api.bp],
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    migrations=[(1, "unit_sort_order", _unit_sort_order)],
    public=("portal.units.models", "portal.units.services", "portal.units.views"),
)
