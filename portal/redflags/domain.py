"""Red flags' declaration: the table, the after-commit re-check, the API and ``flask redflags rebuild``."""
import click
from flask.cli import AppGroup

from portal.core import background, events
from portal.core.domain import Domain, Figure
from portal.core.i18n import N_
from portal.redflags import api, openapi_paths, services
from portal.redflags.models import MODELS, RedFlag, RedFlagTally

CHECKER = "redflags_checker"


def setup(app):
    # The rules re-check after commit in a worker of their own, not in the writer's request (a publish
    # ran every rule watching publications before it answered); a request waits for it before reading.
    checker = background.AfterCommitQueue(app, "redflags-checker",
                                          lambda payloads: services.on_public_changed_many(None, payloads),
                                          sync=bool(app.config.get("REDFLAGS_SYNC", app.testing)))
    app.extensions[CHECKER] = checker

    def on_public_changed(_name, **payload):
        if services.watched(payload.get("doc_type"), payload.get("object_id")):
            checker.put(payload)

    on_public_changed.many = services.on_public_changed_many  # a batch's caller is a job or the CLI already
    events.subscribe(app, "public.changed", on_public_changed)
    group = AppGroup("redflags", help="Red flags computed by the domains' rules.")

    @group.command("rebuild")
    def rebuild_command():
        """Recompute every rule over the county and make the table equal to it."""
        from portal.core.db import connection
        with connection():
            for code, count in services.rebuild(app).items():
                click.echo(f"{code}: {count}")

    app.cli.add_command(group)


def _villages_of(_doc_type, object_id):
    row = RedFlag.get_or_none(RedFlag.id == int(object_id)) if str(object_id).isdigit() else None
    return [row.village_code] if row else []


def _open_count(village_ids, _today):
    return services.open_flags(village_ids=village_ids).order_by().count()


def _link(unit):
    """The public page of the unit's open flags, in words (``/redflags/<code>``, the follow-ups' page beside
    their inspectors' inbox); ``GET /api/v1/redflags`` gives the same flags as JSON."""
    return f"/redflags/{unit.code}"


FIGURES = [Figure("redflags.open", N_("风险提示（尚未消除）"), ["redflag"], _villages_of, _open_count, link=_link,
                  kind="count")]


def _tally_raised(_migrator, db):
    """Step 4: the raised-flags tally, counted from the flags an existing instance holds."""
    db.create_tables([RedFlagTally], safe=True)
    if db.table_exists(RedFlag._meta.table_name):
        services.fill_tally()  # inside the upgrade's transaction
    return []


def _demo(_ctx):
    """After every domain's demo content: compute the flags it raises (as a rebuild would)."""
    services.rebuild()


DOMAIN = Domain(
    name="redflags", models=MODELS, api_blueprints=[api.bp], setup=setup, demo=_demo, demo_order=99, figures=FIGURES,
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    migrations=[(4, "red_flag_tally", _tally_raised)],
    public=("portal.redflags.services", "portal.redflags.models"),
)
