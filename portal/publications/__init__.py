"""Village affairs in the open (村务、党务、财务公开, 事前公示, 结果公示) and the power list.

``setup`` declares who may do what, fills the village page's sections, tells
the audit log how to re-derive published versions and offers public versions to search.
"""
from portal.core import permissions


def setup(app):
    from portal.auditlog import register_source
    from portal.home import sections
    from portal.publications import audit_trail, home_sections, search_source
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
    register_source("publication", audit_trail.rederive_publication)
    register_source("publication_step", audit_trail.rederive_step)
    search_source.register()
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["pub_time"] = local_text
    app.jinja_env.filters["yuan"] = yuan_text
