"""What the domains declare, kept on the app (``app.extensions["portal"]``), never in module globals.

Tests build many apps in one process; a registry per app means the last app
built cannot rewire the others (no "last app wins"). Code that runs outside a
request (threads, the search indexer) is handed the registry it needs when it
is created.
"""
from collections import OrderedDict, defaultdict

from flask import current_app


class Registry:
    def __init__(self):
        self.actions = {}  # action name -> roles that may take it
        self.sections = OrderedDict()  # village page section key -> (provider, endpoint of the full list)
        self.search_sources = {}  # search document type -> Source
        self.subscribers = defaultdict(list)  # event name -> after-commit subscribers
        self.record_types = {}  # record type name -> RecordType
        self.subjects = {}  # object type name -> Subject: named objects that are not records
        self.domains = {}  # domain package name -> Domain
        self.flag_rules = {}  # red flag code -> FlagRule
        self.figures = {}  # dashboard figure key -> Figure
        self.exports = {}  # export table name -> ExportTable
        self.record_panels = []  # fn(object_type, object_id) -> Markup, on every record page
        self.remaskers = []  # portal.core.domain.Remasker, in domain order
        self.campaign_members = OrderedDict()  # key -> CampaignMembers: counts of other domains' campaign members
        self.provided = {}  # what domains provide to the core, e.g. "token_user": token -> User or None


def init_app(app):
    app.extensions["portal"] = Registry()
    return app.extensions["portal"]


def of(app=None):
    """The registry of ``app`` or of the current app."""
    return (app or current_app).extensions["portal"]
