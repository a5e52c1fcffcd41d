"""The record mechanism: what every public record of every domain gets from declaring a type.

A domain declares a ``RecordType``: its peewee model (with a ``state`` and an
``audit_index`` column, see ``RecordFields``), its states, its transitions
(each with the action it needs and the states it leaves), which fields are
public, and how its public view, search document and feed entry are built.
From that, ``create`` and ``transition`` give every domain the same write path:

1. one transaction that takes the write lock (SQLite ``BEGIN IMMEDIATE``,
   PostgreSQL ``SELECT … FOR UPDATE``) and re-reads the row, so of eight
   simultaneous identical requests exactly one succeeds and the others get
   ``bad_state`` (409);
2. the scope check (``not_allowed``, 403) against the record's unit;
3. the state check (``bad_state``, 409), the domain's own check and change;
4. the audit entry, in the same transaction;
5. after commit, ``public.changed``: search re-indexes, feeds follow.

``install`` (called for each declared type by the app factory) adds the
rest: the audit source that lets ``verify`` re-derive the latest entry, the
search source, the JSON API (``/api/v1/<api_path>``), its OpenAPI paths, the
Atom feed per village and the record page shell (proof widget, QR code,
print view and history). Publications, whose lifecycle predates this module,
use ``transition`` for their steps and keep their own pages and API.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import peewee
from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from portal.core import events, openapi, registry
from portal.core.api import api_user, json_body, register_api_errors, token_required
from portal.core.clock import aware, iso, local_text, utcnow
from portal.core.auditing import record
from portal.core.db import BaseModel, for_update, transaction
from portal.core.errors import Conflict, NotFound, PermissionDenied
from portal.core.personal_data import mask
from portal.core.permissions import can
from portal.core.qr import qr_svg

MAX_ID = 2**53  # larger ids cannot exist (and overflow SQLite's integers)


class RecordModel(BaseModel):
    """Columns every record type's model carries (its models inherit from this)."""
    state = peewee.CharField(max_length=24, index=True)  # one of the type's states
    audit_index = peewee.IntegerField(null=True)  # the latest audit entry written for this record
    created_at = peewee.DateTimeField(default=utcnow)  # naive UTC
    updated_at = peewee.DateTimeField(default=utcnow)  # naive UTC, last transition


@dataclass
class Transition:
    name: str  # "approve"; the audit action is "<type>.<name>", the API path "/<id>/<name>"
    action: str  # the permission action it needs (portal.core.permissions)
    sources: Sequence[Optional[str]]  # states it may start from; None: creates the record
    target: str  # the state it leaves the record in
    change: Optional[Callable] = None  # change(actor, row, data): check and set fields; raise PortalError
    payload: Optional[Callable] = None  # payload(row) -> the audit payload (default: the public view)
    summary: str = ""  # for the OpenAPI document
    files: Optional[Callable] = None  # files(row) -> SHA-256 of the files the entry vouches for
    audit_field: Optional[str] = "audit_index"  # the row's column that keeps this entry's index (None: none)
    refusals: dict = field(default_factory=dict)  # state -> the Chinese reason it cannot be taken from there


@dataclass
class RecordType:
    name: str  # audit object type and search document type, e.g. "seal_use"
    label: str  # Chinese name shown to residents
    model: type
    states: dict  # state -> Chinese name
    public_states: Sequence[str]  # states in which anyone may read the record
    transitions: Sequence[Transition]
    unit_of: Callable  # row -> the Unit whose scope governs it (a village)
    find_unit: Callable  # code -> that Unit or None (the domain knows the administrative tree)
    public_fields: Sequence[str]  # fields of the public view; text among them is masked
    title_of: Callable = lambda row: str(row.id)  # row -> its public title (masked by the mechanism)
    body_of: Optional[Callable] = None  # row -> public text for search and feeds (masked by the mechanism)
    view_extra: Optional[Callable] = None  # row -> more public fields (built from public data only)
    category: str = ""  # search category code
    api_path: Optional[str] = None  # "/api/v1/<api_path>" for the generic API; None: the domain has its own
    field_schemas: dict = field(default_factory=dict)  # public field -> JSON schema, for OpenAPI
    field_labels: dict = field(default_factory=dict)  # public field -> Chinese label on the record page
    state_field: str = "state"  # the model's state column
    generic: bool = True  # False: the domain has its own pages, API, search and audit sources
    url_of: Optional[Callable] = None  # record id -> its page path, for types with their own pages

    def transition_named(self, name):
        for t in self.transitions:
            if t.name == name:
                return t
        return None


# -- the write path ----------------------------------------------------------------

def record_type(name, app=None):
    rt = registry.of(app).record_types.get(name)
    if rt is None:
        raise NotFound("not_found", "找不到该记录类型。")
    return rt


def get_row(rt, record_id, lock=False):
    """The row or ``not_found``; with ``lock`` it is re-read under the write lock (in a transaction)."""
    if isinstance(record_id, bool) or not isinstance(record_id, int) or not 0 < record_id < MAX_ID:
        raise NotFound("not_found", "找不到该%(label)s。", label=rt.label)
    query = rt.model.select().where(rt.model.id == record_id)
    row = (for_update(query) if lock else query).first()
    if row is None:
        raise NotFound("not_found", "找不到该%(label)s。", label=rt.label)
    return row


def _check_scope(actor, transition, unit):
    if not can(actor, transition.action, unit):
        raise PermissionDenied("not_allowed", "您没有权限执行此操作。")


def state_of(rt, row):
    return getattr(row, rt.state_field)


def _bad_state(rt, row, transition):
    state = state_of(rt, row)
    if state in transition.refusals:
        raise Conflict("bad_state", transition.refusals[state])
    allowed = [rt.states[s] for s in transition.sources if s]  # joined as the reader's language joins
    raise Conflict("bad_state", "该%(label)s目前为“%(state)s”，只有“%(allowed)s”的才能执行此操作。",
                   label=rt.label, state=rt.states.get(state, state), allowed=allowed)


def _finish(rt, actor, row, transition):
    setattr(row, rt.state_field, transition.target)
    if "updated_at" in rt.model._meta.fields:
        row.updated_at = utcnow()
    row.save()
    payload = (transition.payload or public_view_of(rt))(row)
    files = transition.files(row) if transition.files else ()
    entry = record(actor, f"{rt.name}.{transition.name}", rt.name, row.id, payload, files)
    if transition.audit_field:
        rt.model.update({transition.audit_field: entry.index}).where(rt.model.id == row.id).execute()
        setattr(row, transition.audit_field, entry.index)
    events.emit("public.changed", doc_type=rt.name, object_id=str(row.id), audit_index=entry.index)
    return row


def create(rt, actor, unit, data, transition_name="create", system=False):
    """A new record in ``unit`` through the type's creating transition.

    ``system=True`` skips the scope check, for records anyone may start (a resident's appeal,
    filed anonymously too); the domain checks who may file before calling.
    """
    transition = rt.transition_named(transition_name)
    if transition is None or None not in transition.sources:
        raise Conflict("bad_state", "该记录类型不能这样创建。")
    if not system:
        _check_scope(actor, transition, unit)
    with transaction(lock=True):
        row = rt.model(**{rt.state_field: transition.target})
        if transition.change:
            transition.change(actor, row, data)
        row.save(force_insert=True)
        return _finish(rt, actor, row, transition)


def transition(rt, actor, record_id, name, data=None, system=False):
    """Take transition ``name`` on record ``record_id``: the one write path (see the module docstring).

    ``system=True`` skips the scope check, for the portal itself re-publishing what was already
    public elsewhere (a meeting's archive); the entry still names ``actor``.
    """
    step = rt.transition_named(name)
    if step is None:
        raise NotFound("not_found", "没有这种操作。")
    with transaction(lock=True):
        row = get_row(rt, record_id, lock=True)
        if not system:
            _check_scope(actor, step, rt.unit_of(row))
        if state_of(rt, row) not in step.sources:
            _bad_state(rt, row, step)
        if step.change:
            step.change(actor, row, data or {})
        return _finish(rt, actor, row, step)


# -- public projections -----------------------------------------------------------

def _masked(value):
    return mask(value) if isinstance(value, str) else value


def _json_value(value):
    import datetime
    import decimal
    if isinstance(value, datetime.datetime):
        return iso(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return f"{value:.2f}"
    if isinstance(value, peewee.Model):
        return value.get_id()
    return _masked(value)


def public_view_of(rt):
    def view(row):
        state = state_of(rt, row)
        out = {"id": row.id, "type": rt.name, "state": state, "state_name": rt.states.get(state),
               "title": _masked(rt.title_of(row))}
        for name in rt.public_fields:
            out[name] = _json_value(getattr(row, name))
        unit = rt.unit_of(row)
        out["village"] = unit.code if unit is not None else None
        if rt.view_extra:
            out.update({k: _json_value(v) for k, v in rt.view_extra(row).items()})
        return out
    return view


def is_public(rt, row):
    return state_of(rt, row) in rt.public_states


def public_view(rt, row):
    """What anyone may see, with the page ``url`` and the latest ``audit_index`` (API.md)."""
    out = public_view_of(rt)(row)
    out["audit_index"] = row.audit_index
    out["updated_at"] = iso(row.updated_at)
    out["url"] = url_for("records.page", type_name=rt.name, record_id=row.id, _external=True)
    return out


def object_url(type_name, object_id, external=False):
    """The page of any record of any declared type, or of a declared subject (a village's duties): other
    domains link to objects they do not own."""
    reg = registry.of(current_app)
    rt = reg.record_types.get(type_name) or reg.subjects.get(type_name)
    if rt is not None and rt.url_of is not None:
        path = rt.url_of(int(object_id))
        return request.host_url.rstrip("/") + path if external and request else path
    return url_for("records.page", type_name=type_name, record_id=int(object_id), _external=external)


def search_document(rt, row):
    unit = rt.unit_of(row)
    body = rt.body_of(row) if rt.body_of else ""
    return {"type": rt.name, "id": str(row.id), "title": mask(rt.title_of(row)), "body": mask(body or ""),
            "village": unit.code, "township": unit.parent_id, "category": rt.category or rt.name,
            "published_at": aware(row.updated_at), "url": f"/r/{rt.name}/{row.id}"}


def _search_source(rt):
    from portal.core.domain import SearchSource

    def iter_documents():
        for row in rt.model.select().where(rt.model.state.in_(list(rt.public_states))).iterator():
            yield search_document(rt, row)

    def document_for(object_id):
        row = rt.model.get_or_none(rt.model.id == int(object_id)) if str(object_id).isdigit() else None
        return search_document(rt, row) if row is not None and is_public(rt, row) else None

    return SearchSource(rt.name, iter_documents, document_for, {rt.category or rt.name: rt.label})


def _audit_source(rt):
    """``verify`` re-derives the latest entry of each record from its row as it is now."""
    def rederive(entry):
        row = rt.model.get_or_none(rt.model.id == int(entry.object_id))
        if row is None:
            raise LookupError(entry.object_id)
        if row.audit_index != entry.index:
            return None  # an earlier step: the row has moved on since
        step = rt.transition_named(entry.action.rsplit(".", 1)[-1])
        return ((step.payload if step else None) or public_view_of(rt))(row)
    return rederive


def history(rt, row):
    """Every audit entry of this record, oldest first (the record page's 历史)."""
    from audit.models import AuditEntry
    return list(AuditEntry.select().where((AuditEntry.object_type == rt.name) &
                                          (AuditEntry.object_id == str(row.id))).order_by(AuditEntry.idx))


# -- pages, feeds and the API -----------------------------------------------------

pages = Blueprint("records", __name__)


def _visible_row(type_name, record_id):
    rt = record_type(type_name)
    row = get_row(rt, record_id)
    if not is_public(rt, row):
        raise NotFound("not_found", "找不到该%(label)s。", label=rt.label)
    return rt, row


@pages.get("/r/<type_name>/<int:record_id>")
def page(type_name, record_id):
    """The record page shell: public view, proof widget, QR code, print link and history; 404 if not public."""
    rt, row = _visible_row(type_name, record_id)
    return render_template("core/record.html", rt=rt, row=row, view=public_view(rt, row),
                           history=history(rt, row), local_text=local_text)


@pages.get("/r/<type_name>/<int:record_id>/print")
def print_view(type_name, record_id):
    """A4 print view with the QR code and the audit index."""
    rt, row = _visible_row(type_name, record_id)
    return render_template("core/record_print.html", rt=rt, row=row, view=public_view(rt, row))


@pages.get("/r/<type_name>/<int:record_id>/qr.svg")
def qr(type_name, record_id):
    """An SVG QR code linking to the record page."""
    _visible_row(type_name, record_id)
    url = url_for("records.page", type_name=type_name, record_id=record_id, _external=True)
    return Response(qr_svg(url), mimetype="image/svg+xml")


@pages.get("/feeds/r/<type_name>/<village_code>.atom")
def feed(village_code, type_name):
    """The village's public records of one type as an Atom feed, newest first."""
    from feedgen.feed import FeedGenerator

    rt = record_type(type_name)
    village = rt.find_unit(village_code)
    if village is None:
        raise NotFound("not_found", "找不到该村（社区）。")
    rows = [r for r in rt.model.select().where(rt.model.state.in_(list(rt.public_states)))
            .order_by(rt.model.updated_at.desc()).limit(200) if rt.unit_of(r).code == village.code][:50]
    fg = FeedGenerator()
    fg.id(url_for("records.feed", village_code=village.code, type_name=rt.name, _external=True))
    fg.title(f"{village.name} · {rt.label}")
    fg.link(href=request.url, rel="self")
    fg.language("zh-CN")
    fg.updated(aware(rows[0].updated_at) if rows else aware(utcnow()))
    for row in reversed(rows):
        view = public_view(rt, row)
        entry = fg.add_entry()
        entry.id(view["url"])
        entry.title(view["title"])
        entry.link(href=view["url"])
        entry.updated(aware(row.updated_at))
        entry.summary(mask(rt.body_of(row)) if rt.body_of else view["title"])
    return Response(fg.atom_str(pretty=True), mimetype="application/atom+xml")


def _api_blueprint(rt):
    """``GET/POST /api/v1/<api_path>``, ``GET …/<id>``, ``POST …/<id>/<transition>``."""
    bp = Blueprint(f"records_api_{rt.name}", __name__, url_prefix=f"/api/v1/{rt.api_path}")
    register_api_errors(bp)

    @bp.get("")
    def list_public():
        from portal.core.api import int_arg
        page_no = int_arg("page", 1, minimum=1, maximum=100000)
        query = rt.model.select().where(rt.model.state.in_(list(rt.public_states))).order_by(rt.model.id.desc())
        total = query.count()
        rows = query.paginate(page_no, 20)
        return jsonify({"records": [public_view(rt, r) for r in rows], "page": page_no,
                        "pages": max(1, -(-total // 20)), "total": total})

    @bp.post("")
    @token_required
    def create_one():
        data = json_body()
        unit = rt.find_unit(str(data.get("village") or ""))
        if unit is None:
            raise NotFound("bad_village", "村（社区）代码不存在。")
        return jsonify(public_view(rt, create(rt, api_user(), unit, data))), 201

    @bp.get("/<int:record_id>")
    def one(record_id):
        return jsonify(public_view(rt, _visible_row(rt.name, record_id)[1]))

    @token_required
    def step(record_id, name):
        data = request.get_json(silent=True) if request.data else {}
        row = transition(rt, api_user(), record_id, name, data if isinstance(data, dict) else {})
        return jsonify(public_view(rt, row))

    for t in rt.transitions:  # one route per step, so the route table is what OpenAPI documents
        if None not in t.sources:
            bp.add_url_rule(f"/<int:record_id>/{t.name}", f"step_{t.name}", step, methods=["POST"],
                            defaults={"name": t.name})

    return bp


def _openapi_paths(rt):
    ref = {"$ref": f"#/components/schemas/Record_{rt.name}"}
    err = {"4XX": {"description": "error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}}

    def ok(schema, code="200"):
        return {code: {"description": "OK", "content": {"application/json": {"schema": schema}}}, **err}

    path_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    base = f"/api/v1/{rt.api_path}"
    listing = {"type": "object", "properties": {"records": {"type": "array", "items": ref},
               "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"}}}
    paths = {
        base: {"get": {"summary": f"Public {rt.label}", "tags": [rt.name], "responses": ok(listing),
                       "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer"}}]},
               "post": {"summary": f"Create a {rt.label}", "tags": [rt.name], "security": [{"bearer": []}],
                        "parameters": [],
                        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                        "responses": ok(ref, "201")}},
        f"{base}/{{id}}": {"get": {"summary": f"One public {rt.label}", "tags": [rt.name],
                                   "parameters": [path_id], "responses": ok(ref)}},
    }
    for t in rt.transitions:
        if None in t.sources:
            continue
        paths[f"{base}/{{id}}/{t.name}"] = {"post": {
            "summary": t.summary or t.name, "tags": [rt.name], "security": [{"bearer": []}],
            "parameters": [path_id], "responses": ok(ref),
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}}
    props = {"id": {"type": "integer"}, "type": {"type": "string"}, "state": {"type": "string"},
             "title": {"type": "string"}, "village": {"type": ["string", "null"]},
             "audit_index": {"type": ["integer", "null"]}, "url": {"type": "string"},
             "updated_at": {"type": "string", "format": "date-time"}}
    props.update(rt.field_schemas)
    schema = {"type": "object", "required": ["id", "state", "url"], "properties": props}
    return paths, {f"Record_{rt.name}": schema}


def install(app, rt):
    """Everything a declared record type gets (called by the app factory for each one)."""
    from audit import sources as audit_sources
    reg = registry.of(app)
    if rt.name in reg.record_types or rt.name in reg.subjects:
        raise ValueError(f"record type {rt.name!r} declared twice")
    reg.record_types[rt.name] = rt
    if not rt.generic:
        return
    if "records" not in app.blueprints:
        app.register_blueprint(pages)
    audit_sources.register(rt.name, _audit_source(rt))
    # its rows keep the text as typed and every payload is the masked public view: after a detector
    # fix only the entries need withholding (portal.core.redaction), the rows re-derive masked already
    from portal.core.domain import Remasker
    reg.remaskers.append(Remasker(rt.name, entry_types=(rt.name,)))
    reg.search_sources[rt.name] = _search_source(rt)
    if rt.api_path:
        from portal.core.extensions import csrf
        bp = _api_blueprint(rt)
        app.register_blueprint(bp)
        csrf.exempt(bp)
        openapi.register(app, *_openapi_paths(rt))


def panels_for(object_type, object_id):
    """What other domains show on a record's page (e.g. the inspectors' public follow-ups).

    Templates call ``{% for panel in record_panels(type, id) %}{{ panel }}{% endfor %}``; a
    panel that fails is logged and left out, so one domain's fault never breaks another's page.
    """
    out = []
    for fn in registry.of(current_app).record_panels:
        try:
            html = fn(object_type, int(object_id))
        except Exception:  # noqa: BLE001 — a broken panel must not take the page down
            current_app.logger.exception("record panel %s failed for %s:%s", fn, object_type, object_id)
            continue
        if html:
            out.append(html)
    return out


def current_record_types():
    return dict(registry.of(current_app).record_types)
