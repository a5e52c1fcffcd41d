"""Village works bids (村级小微工程招投标) declared to the app (see portal.core.domain)."""
from portal.core.domain import Domain, Section
from portal.projects import api, demo, exports, flags, openapi_paths, views
from portal.projects.models import MODELS
from portal.projects.services import PROJECT


def _describe(entry):
    """The audit page's words for a project step: its village and title."""
    from flask import url_for
    from portal.core.personal_data import mask
    from portal.projects.models import Project
    row = Project.get_or_none(Project.id == int(entry.object_id))
    if row is None:
        return None
    return {"village": row.village, "title": f"小微工程《{mask(row.title)}》",
            "url": url_for("projects.detail", project_id=row.id)}


def setup(app):
    from portal.auditlog.views import register_describer
    register_describer(app, "project", _describe)


DOMAIN = Domain(
    name="projects", models=MODELS, blueprints=[views.bp], api_blueprints=[api.bp],
    actions={"project.create": {"clerk"}, "project.step": {"clerk"}},
    sections=[Section("bids", views.village_section, "projects.village_list")],
    record_types=[PROJECT], openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    demo=demo.load, demo_order=5, setup=setup, flag_rules=flags.RULES, figures=exports.FIGURES, exports=exports.EXPORTS,
)
