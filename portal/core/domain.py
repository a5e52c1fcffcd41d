"""A domain declares itself in one place: ``portal/<domain>/domain.py`` holds ``DOMAIN``.

The app factory finds every package under ``portal/`` with a ``domain``
module and installs what it declares: models (the schema), blueprints,
actions, village-page sections, audit and search sources, OpenAPI paths,
schema migration steps, record types and demo data. Adding a domain touches
nothing outside its package (but the translation catalogue). ``setup`` is for
what is truly the domain's own (template filters, CLI commands, background
threads) and runs last.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence


@dataclass
class Section:
    key: str  # one of the village page's sections (portal.home.sections.SECTIONS)
    provider: Callable  # provider(village) -> [{"title", "url", "meta"}]
    more_endpoint: Optional[str] = None  # the page listing everything


@dataclass
class SearchSource:
    doc_type: str
    iter_documents: Callable  # () -> every public document of the type
    document_for: Callable  # (object_id) -> the document, or None once it is not public
    category_names: dict = field(default_factory=dict)


@dataclass
class Flag:
    """One red flag on one object, as a rule computes it from the rows (never typed in)."""
    object_type: str  # a record type name (or another audited object type)
    object_id: int
    village_id: str  # the village Unit's primary key, its 12-digit code (township and county follow from it)
    evidence: Optional[dict] = None  # the facts that raised it; None: the object no longer raises it


@dataclass
class FlagRule:
    """A red-flag rule: re-run after commit when a watched type changes, and in full on rebuild.

    ``check(doc_type, object_id)`` returns the Flags of this rule's code for every object the
    change may affect (evidence None clears one); ``scan()`` yields every Flag raised today,
    county-wide (the rebuild replaces all flags of the code with it). Both read public rows only.
    """
    code: str  # "bids.single_bid"; unique portal-wide, prefixed with the domain
    title: str  # Chinese, e.g. "只有一家投标"
    watches: Sequence[str]  # doc_types of public.changed that re-run check
    check: Callable
    scan: Callable
    description: str = ""  # Chinese: why it matters and what it compares (shown in the inbox)
    # optional check_many(doc_type, object_ids): the Flags of several changed objects at once, the same
    # as ``check`` of each (events delivered together, e.g. a sweep's batch, read once for all)
    check_many: Optional[Callable] = None


@dataclass
class Figure:
    """A dashboard figure, precomputed per unit and kept current after commit.

    ``compute(village_ids, today)`` reads the rows of those villages (Unit primary keys, i.e. codes: a village's own,
    or every village under a township or the county) and returns a JSON value: an int,
    a money string, a rate (float 0..1 or None when nothing to rate). ``villages_of(doc_type,
    object_id)`` names the village ids whose figure a change may have moved.
    """
    key: str  # "appeals.closure_rate"; prefixed with the domain
    label: str  # Chinese
    watches: Sequence[str]  # doc_types of public.changed that recompute it
    villages_of: Callable
    compute: Callable
    link: Optional[Callable] = None  # link(unit) -> the URL of the records behind the figure
    kind: str = "count"  # count | money | rate | hours: how the dashboard shows it
    # optional villages_of_many(doc_type, object_ids): the villages of several changed objects at once, the
    # union of ``villages_of`` of each (events delivered together, e.g. a sweep's batch, read once for all)
    villages_of_many: Optional[Callable] = None


@dataclass
class ExportTable:
    """A public table in the open-data export: its columns documented, its rows masked."""
    name: str  # file stem, "ledger_entries" -> ledger_entries.csv / .json
    title: str  # Chinese
    columns: Sequence  # (column, description) pairs: the data dictionary
    rows: Callable  # rows(village_ids) -> iterable of dicts keyed by column, public and masked
    # document(village_ids) -> {file name: bytes, or write(out) that writes the bytes into a binary stream
    # (streamed into the export: a county's OCDS bulk file)}
    document: Optional[Callable] = None


@dataclass
class Remasker:
    """How a domain re-masks the public text it stored masked by an older detector (portal.core.redaction).

    ``candidates()`` yields the ids of records with a stored public text the detector would
    still change; ``remask(record_id)`` runs inside the redaction's transaction, rewrites those
    texts (only by masking them again) and returns ``(row fields it changed, the (object type,
    object id) of every audit entry stream of the record)``; it announces the change to the
    projections itself (``events.emit``, delivered after commit). ``entry_types``: the audit
    object types whose payloads hold only masked public text — only their entries are ever
    withheld (a unit's contact phone, public on purpose, is not personal data to hide).
    ``rehashed``: per object type, payload fields that are digests over content the remasker
    re-masks elsewhere (a meeting archive's ``items_sha256``), taken as re-derived.
    """
    object_type: str  # the audit object type the record's redaction entry is filed under
    candidates: Callable = tuple
    remask: Optional[Callable] = None
    entry_types: Sequence[str] = ()
    rehashed: dict = field(default_factory=dict)


@dataclass
class Found:
    """What a ``Subject`` says of one of its objects."""
    title: str  # Chinese, public (masked by whoever shows it)
    unit: object  # the Unit whose scope governs it (a village)
    public: bool = True  # anyone may read its page now


@dataclass
class Subject:
    """Something other domains name by (type, id) that is not one record: a village's publication duties
    (公开责任), which a red flag concerns as a whole. A follow-up may be opened on it as on a record, and
    ``portal.core.records.object_url`` links to its page, where record panels are shown too.
    """
    name: str  # the object type, e.g. "village_duties"; never also a record type's name
    label: str  # Chinese name, e.g. "村公开责任"
    find: Callable  # find(object_id: int) -> Found, or None: no such object
    url_of: Callable  # url_of(object_id: int) -> its page's path


@dataclass
class CampaignMembers:
    """What a domain joins to a campaign (点题整治) on its own side, counted in the campaign's progress.

    The campaign's domain cannot read another domain's rows; the member's domain counts them.
    ``count(campaign_id, village_codes, viewer)`` returns ``{village code: {"open": n, "answered": n,
    "concluded": n}}`` for its objects joined to the campaign, with an entry for each of those villages
    ``viewer`` (None: the public) may know of and for no other, or ``None`` when the viewer may know of
    none (the progress then shows no line for them, not even zeros). Counts only, never which or who.
    """
    key: str  # "reports"; unique portal-wide
    label: str  # Chinese, e.g. "举报" (translated when shown)
    count: Callable


@dataclass
class Domain:
    name: str
    models: Sequence = ()  # peewee models of the domain's tables
    blueprints: Sequence = ()  # page blueprints
    api_blueprints: Sequence = ()  # /api/v1 blueprints: JSON errors, no CSRF (bearer tokens)
    actions: dict = field(default_factory=dict)  # action -> roles (portal.core.permissions)
    sections: Sequence = ()  # Section
    audit_sources: dict = field(default_factory=dict)  # object type -> fn(entry) re-deriving its payload
    search_sources: Sequence = ()  # SearchSource
    openapi_paths: dict = field(default_factory=dict)
    openapi_schemas: dict = field(default_factory=dict)
    migrations: Sequence = ()  # (version, name, step(migrator, db) -> operations); versions unique portal-wide
    record_types: Sequence = ()  # portal.core.records.RecordType
    demo: Optional[Callable] = None  # demo(ctx) loads the domain's part of the demo county
    demo_order: int = 50  # lower loads first (records others link to)
    setup: Optional[Callable] = None  # setup(app), after everything above is installed
    public: Sequence = ()  # modules other domains may import (everything else is internal)
    provides: dict = field(default_factory=dict)  # name -> function the core calls (e.g. "token_user")
    flag_rules: Sequence = ()  # FlagRule: red flags this domain computes
    figures: Sequence = ()  # Figure: what the dashboard shows of this domain
    exports: Sequence = ()  # ExportTable: this domain's public tables in the open-data export
    record_panels: Sequence = ()  # fn(object_type, object_id) -> Markup shown on every record page
    remaskers: Sequence = ()  # Remasker: stored masked text this domain re-masks after a detector fix
    campaign_members: Sequence = ()  # CampaignMembers: this domain's objects joined to campaigns, counted
    subjects: Sequence = ()  # Subject: objects others may name that are not records (a village's duties)
