"""People, roles, sessions and tokens: the declaration (see portal.core.domain)."""
import peewee

from portal.accounts import views
from portal.accounts.models import MODELS
from portal.accounts.services import user_for_token
from portal.core.domain import Domain


def _user_display_name(migrator, db):
    return [migrator.add_column("user", "display_name", peewee.CharField(max_length=32, default=""))]


DOMAIN = Domain(
    name="accounts", models=MODELS, blueprints=[views.bp],
    migrations=[(2, "user_display_name", _user_display_name)],
    public=("portal.accounts.models", "portal.accounts.services", "portal.accounts.forms"),
    provides={"token_user": user_for_token},
)
