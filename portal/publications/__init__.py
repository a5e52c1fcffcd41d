"""Village affairs in the open (村务、党务、财务公开, 事前公示, 结果公示) and the power list.

``setup`` declares who may do what, fills the village page's sections, tells
the audit log how to re-derive published versions, describes the API in the
OpenAPI document and offers public versions to search.
"""
from portal.core import openapi, permissions


def setup(app):
    from portal.auditlog import register_source
    from portal.home import sections
    from portal.publications import audit_trail, home_sections, openapi_paths, search_source
    from portal.core.money import yuan_text
    from portal.core.clock import local_text
    from portal.core.markdown import render_markdown

    permissions.register({
        "publication.draft": {"clerk"},
        "publication.publish": {"clerk"},
        "publication.correct": {"clerk"},
        "publication.withdraw": {"clerk"},
        "publication.answer": {"clerk"},
        "publication.review": {"supervisor"},
        "publication.moderate": {"supervisor"},
        "publication.object": {"resident", "supervisor"},
        "publication.view_draft": {"clerk", "supervisor", "inspector"},
        "publication.duties": {"admin"},
        "power.manage": {"admin"},
    })
    sections.register("publications", home_sections.latest_publications, "publications.village_list")
    sections.register("powers", home_sections.power_records, "publications.village_powers")
    sections.register_home("publications", home_sections.county_latest)
    register_source("publication", audit_trail.rederive_publication)
    from portal.auditlog.views import register_describer
    from portal.publications.pages import describe_entry
    for object_type in ("publication", "objection", "publication_step", "power", "duty_rule"):
        register_describer(app, object_type, describe_entry)
    register_source("publication_step", audit_trail.rederive_step)
    openapi.register(openapi_paths.PATHS, openapi_paths.SCHEMAS)
    search_source.register()
    from portal.meetings.links import register_link_source
    from portal.publications.pages import linkable, link_url
    register_link_source(app, "publication", "公开记录", linkable, link_url)
    from portal.home import workspace as home_workspace
    from portal.publications import workspace
    home_workspace.register(app, workspace.panels)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["pub_time"] = local_text
    app.jinja_env.filters["yuan"] = yuan_text
