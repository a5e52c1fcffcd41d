"""Publications' declaration (see portal.core.domain)."""
import peewee

from portal.core.clock import local_text
from portal.core.domain import Domain, Remasker, SearchSource, Section
from portal.core.markdown import render_markdown
from portal.core.money import yuan_text
from portal.auditlog.views import register_describer
from portal.home import sections, workspace as home_workspace
from portal.meetings.links import register_link_source
from portal.publications import api, audit_trail, demo, home_sections, openapi_paths, pages, search_source, views
from portal.publications import flags, remask, subjects, workspace
from portal.publications.services import PUBLICATION
from portal.publications.categories import CATEGORIES
from portal.publications.models import MODELS
from portal.publications import figures as publication_figures


def _publication_amount_duties(migrator, db):
    """金额/决定日期 on publications and the amount-threshold duty rule; an instance
    older than the publications domain gets its tables whole from the models."""
    ops = []
    if db.table_exists("publication"):
        ops += [migrator.add_column("publication", "amount",
                                    peewee.DecimalField(max_digits=14, decimal_places=2, null=True)),
                migrator.add_column("publication", "decided_on", peewee.DateField(null=True))]
    if db.table_exists("duty_rule"):
        ops += [migrator.add_column("duty_rule", "kind", peewee.CharField(max_length=10, default="periodic")),
                migrator.add_column("duty_rule", "threshold",
                                    peewee.DecimalField(max_digits=14, decimal_places=2, null=True)),
                migrator.add_column("duty_rule", "within_days", peewee.IntegerField(null=True))]
    return ops




def setup(app):
    app.config.setdefault("PUBLICATIONS_OBJECTION_ANSWER_DAYS", flags.answer_days(app))
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["pub_time"] = local_text
    app.jinja_env.filters["yuan"] = yuan_text
    sections.register_home(app, "publications", home_sections.county_latest)
    home_workspace.register(app, workspace.panels)
    register_link_source(app, "publication", "公开记录", pages.linkable, pages.link_url)
    for object_type in ("publication", "objection", "publication_step", "power", "duty_rule"):
        register_describer(app, object_type, pages.describe_entry)


DOMAIN = Domain(
    name="publications", models=MODELS, blueprints=[views.bp], api_blueprints=[api.bp],
    actions={
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
    },
    sections=[Section("publications", home_sections.latest_publications, "publications.village_list"),
              Section("powers", home_sections.power_records, "publications.village_powers")],
    audit_sources={"publication": audit_trail.rederive_publication, "publication_step": audit_trail.rederive_step},
    search_sources=[SearchSource("publication", search_source.iter_documents, search_source.document_for,
                                 CATEGORIES)],
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    migrations=[(3, "publication_amount_duties", _publication_amount_duties)],
    record_types=[PUBLICATION], demo=demo.load, demo_order=10, setup=setup,
    public=("portal.publications.services", "portal.publications.categories"),
    flag_rules=flags.RULES, figures=publication_figures.FIGURES, exports=publication_figures.EXPORTS,
    remaskers=[Remasker("publication", remask.candidates, remask.remask,
                        entry_types=("publication", "objection", "publication_step"))],
    subjects=[subjects.VILLAGE_DUTIES],
)
