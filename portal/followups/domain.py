"""Follow-ups' and campaigns' declaration (see portal.core.domain)."""
import datetime
import os

import click

from portal.core import background
from portal.core.db import connection
from portal.core.domain import Domain, Remasker, Section
from portal.core.personal_data import mask
from portal.followups import (api, campaigns, demo, describe, funnel, inbox, inbox_views, openapi_paths, panels,
                              projections, public_flags, services, views)
from portal.followups.models import MODELS, FlagReview, Followup, FunnelTally
from portal.redflags.models import RedFlag
from portal.auditlog.views import register_describer
from portal.home import workspace as home_workspace


@click.command("followups-escalate")
@click.option("--today", "on", default=None, help="YYYY-MM-DD (default: today in China)")
def escalate_cmd(on):
    """Escalate every overdue follow-up to the assignee's superior unit (also runs in the background)."""
    with connection():
        n = services.escalate_overdue(datetime.date.fromisoformat(on) if on else None)
    click.echo(f"escalated {n}")


@click.command("followups-funnel-rebuild")
def funnel_rebuild_cmd():
    """Recount the funnel's tallies from the flags, reviews and follow-ups; says how many counts differed."""
    with connection():
        differed = funnel.rebuild_tally()
    click.echo(f"funnel tally rebuilt: {differed} counts differed")


def _funnel_tally(_migrator, db):
    """Step 5: the funnel's kept stages, counted from the reviews and follow-ups an existing instance holds."""
    db.create_tables([FunnelTally], safe=True)
    if all(db.table_exists(m._meta.table_name) for m in (RedFlag, FlagReview, Followup)):
        funnel.fill_tally()  # inside the upgrade's transaction
    return []


def _start_escalator(app):
    """Escalate overdue follow-ups in the background, every FOLLOWUP_ESCALATE_SECONDS (default 600)."""
    interval = float(app.config.get("FOLLOWUP_ESCALATE_SECONDS") or os.environ.get("FOLLOWUP_ESCALATE_SECONDS", 600))
    background.every(app, "followups-escalator", interval, services.escalate_overdue)


def setup(app):
    app.add_template_filter(mask, "mask")
    app.cli.add_command(escalate_cmd)
    app.cli.add_command(funnel_rebuild_cmd)
    home_workspace.register(app, panels.workspace)
    register_describer(app, "followup", describe.followup)
    register_describer(app, "campaign", describe.campaign)
    if background.serving(app):
        _start_escalator(app)


DOMAIN = Domain(
    name="followups", models=MODELS, record_types=[campaigns.CAMPAIGN], blueprints=[views.bp, inbox_views.bp, projections.feeds, public_flags.bp], api_blueprints=[api.bp],
    actions={
        "followup.open": {"inspector"},
        "followup.conclude": {"inspector"},
        "followup.answer": {"clerk", "supervisor", "handler", "inspector"},
        "campaign.manage": {"inspector"},
    },
    sections=[Section("followups", panels.village_section, "followups.village_list")],
    audit_sources={"followup": services.rederive, "campaign": campaigns.rederive,
                   "flag_review": inbox.rederive_review, "campaign_flag": inbox.rederive_campaign_flag},
    search_sources=[projections.SEARCH],
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    migrations=[(5, "funnel_tally", _funnel_tally)],
    demo=demo.load, demo_order=90, setup=setup,
    figures=projections.FIGURES, exports=projections.EXPORTS, record_panels=[panels.record_panel],
    public=(),
    # a campaign's payload is masked from its raw rows (a followup's is not masked text: not withheld)
    remaskers=[Remasker("campaign", entry_types=("campaign",))],
)
