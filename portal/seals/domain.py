"""Seal supervision's declaration (公章监管, see portal.core.domain)."""
import os

from flask import url_for

from portal.core.domain import Domain, Section
from portal.meetings.links import register_link_source
from portal.home import workspace as home_workspace
from portal.seals import api, demo, figures, flags, openapi_paths, views, workspace
from portal.seals.models import MODELS, SealUse
from portal.seals.services import SEAL, SEAL_USE, uses_query


def _use_choices(village):
    return [(str(u.id), f"{u.used_on.isoformat()} {u.seal.name} · {u.document}") for u in uses_query(village).limit(50)]


def _use_url(object_id):
    use = SealUse.get_or_none(SealUse.id == int(object_id))
    if use is None:
        raise LookupError(object_id)
    return url_for("records.page", type_name="seal_use", record_id=use.id)


def setup(app):
    flag = os.environ.get("PORTAL_SEALS_REFUSE_KEEPER_APPROVAL", "")
    app.config.setdefault("SEALS_REFUSE_KEEPER_APPROVAL", flag.lower() in ("1", "true", "yes"))
    register_link_source(app, "seal", "用章记录", _use_choices, _use_url)
    home_workspace.register(app, workspace.panels)


DOMAIN = Domain(
    name="seals", models=MODELS, blueprints=[views.bp], api_blueprints=[api.bp],
    actions={"seal.register": {"clerk"}, "seal.use": {"clerk"}, "certificate.manage": {"admin"}},
    sections=[Section("seals", views.village_section, "seals.village_log")],
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    record_types=[SEAL, SEAL_USE], demo=demo.load, demo_order=60, setup=setup,
    flag_rules=flags.RULES, figures=figures.FIGURES, exports=figures.EXPORTS,
    public=("portal.seals.services",),
)
