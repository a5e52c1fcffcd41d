"""The audit log's portal side: the declaration (see portal.core.domain)."""
from portal.auditlog import actor_label, api, entry_at, openapi_paths, views
from portal.auditlog.commands import rotate_key_cmd
from portal.auditlog.models import MODELS
from portal.core.domain import Domain
from portal.core.personal_data import mask
from audit import sources as audit_sources


def setup(app):
    """The proof widget's template global; background checkpoints for a serving portal."""
    app.add_template_global(entry_at, "audit_entry")
    app.cli.add_command(rotate_key_cmd)
    # verify checks a redacted entry by masking its stored payload with the portal's one detector
    audit_sources.register_masker(mask)
    if not app.testing:
        from portal.auditlog.services import start_checkpointer
        start_checkpointer(app)


DOMAIN = Domain(
    name="auditlog", models=MODELS, blueprints=[views.bp], api_blueprints=[api.bp],
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS, setup=setup, public=("portal.auditlog", "portal.auditlog.views"),
    provides={"actor_label": actor_label},
)
