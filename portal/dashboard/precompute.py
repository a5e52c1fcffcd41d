"""Figures precomputed per unit and kept current after commit.

Design (FixMyStreet's lesson: live statistics must be precomputed):

* Every figure of every unit (village, township, county) is one ``UnitFigure``
  row. Pages and ``/api/v1/stats`` read rows; nothing computes over the county
  on request.
* ``public.changed`` (after commit) asks each figure watching the changed
  type which villages it moved (``Figure.villages_of``); those villages and
  their ancestors are recomputed, only for those figures, by one background
  thread per process that coalesces bursts of changes. ``DASHBOARD_SYNC``
  (tests, CLI) recomputes inside the subscriber instead.
* Figures that depend on the date ("this month", duties falling overdue at
  midnight) carry the day they were computed for; the worker recomputes every
  unit when the China day changes, and a page finding rows of an earlier day
  (or none) asks for that rebuild without waiting for it.
* ``rebuild`` recomputes everything from the database: the command
  ``flask --app portal dashboard rebuild`` and the test that the rebuilt rows
  equal the incremental ones.
* A figure whose compute raises is stored as not ok (the page says the figure
  cannot be shown) and never stops the others.
* A compute that began earlier never overwrites one that began later (the
  upsert compares ``started_at``), so two processes cannot leave an old value.
"""
import json
import logging
import queue
import threading
from collections import defaultdict

from peewee import EXCLUDED

from portal.core import memo, registry
from portal.core.clock import today, utcnow
from portal.core.db import connection
from portal.dashboard import export
from portal.dashboard.models import UnitFigure
from portal.dashboard.tree import Tree

log = logging.getLogger(__name__)
EXTENSION = "dashboard_precomputer"
ALL = "*"  # a plan that recomputes every figure of every unit
IDLE_SECONDS = 60  # how often an idle worker looks whether the day changed


def compute_one(figure, village_codes, day):
    """(value, ok): a failing compute is logged and stored as not ok, never raised."""
    try:
        return figure.compute(list(village_codes), day), True
    except Exception:
        log.exception("dashboard figure %s failed", figure.key)
        return None, False


def store(unit_code, values, started, day):
    """Upsert one unit's values [(key, value, ok)] in one statement (no transaction held across
    statements: under the gevent server that would stall a writer waiting for SQLite's lock)."""
    now = utcnow()
    rows = [{"unit": unit_code, "key": key, "value": None if not ok else json.dumps(value, default=str), "ok": ok,
             "started_at": started, "computed_at": now, "computed_on": day} for key, value, ok in values]
    if not rows:
        return
    (UnitFigure.insert_many(rows)
     .on_conflict(conflict_target=[UnitFigure.unit, UnitFigure.key],
                  update={UnitFigure.value: EXCLUDED.value, UnitFigure.ok: EXCLUDED.ok,
                          UnitFigure.started_at: EXCLUDED.started_at, UnitFigure.computed_at: EXCLUDED.computed_at,
                          UnitFigure.computed_on: EXCLUDED.computed_on},
                  where=(UnitFigure.started_at <= EXCLUDED.started_at))
     .execute())


def recompute(app, plan):
    """Apply ``plan`` ({figure key: village codes} or ALL) inside the caller's app context."""
    figures = registry.of(app).figures
    tree = Tree()
    day = today()
    if plan == ALL:
        work = {code: list(figures) for code in tree.all_units()}
    else:
        work = defaultdict(list)
        for key, villages in plan.items():
            if key in figures:
                for code in tree.units_covering(villages):
                    work[code].append(key)
    with memo.scope():
        _compute_and_store(figures, tree, work, day)
    if plan == ALL:  # figures no longer declared leave with the rebuild
        UnitFigure.delete().where(UnitFigure.key.not_in(list(figures) or [""])).execute()
    return sum(len(keys) for keys in work.values())


def _compute_and_store(figures, tree, work, day):
    for unit_code, keys in sorted(work.items()):
        villages = tree.villages_under.get(unit_code, [])
        started = utcnow()
        values = [(key, *compute_one(figures[key], villages, day)) for key in keys]
        store(unit_code, values, started, day)


def rebuild(app):
    """Every figure of every unit from the database; returns how many values were stored."""
    return recompute(app, ALL)


class Precomputer:
    """One per app: turns ``public.changed`` into recompute plans and runs them."""

    def __init__(self, app, sync=False):
        self.app = app
        self.sync = sync
        self._queue = queue.Queue()
        self._worker = None
        self._lock = threading.Lock()
        self._rebuild_asked = False
        self._day = None
        self._built = False

    def built(self):
        """Whether the figures were ever built here: before that (the demo loading, a new portal)
        a change needs no recompute, the first rebuild computes everything."""
        if not self._built:
            self._built = UnitFigure.select().exists()
        return self._built

    def plan_for(self, doc_type, object_ids):
        """{figure key: villages} for a change of ``object_ids`` (one event, or a batch delivered together);
        figures that cannot tell are logged and skipped. Figures sharing one ``villages_of`` read it once."""
        plan, read = {}, {}
        for figure in registry.of(self.app).figures.values():
            if doc_type not in figure.watches:
                continue
            how = figure.villages_of_many or figure.villages_of
            try:
                if how not in read:
                    read[how] = (set(figure.villages_of_many(doc_type, object_ids)) if figure.villages_of_many
                                 else set().union(*(figure.villages_of(doc_type, i) for i in object_ids)))
                plan[figure.key] = set(read[how])
            except Exception:
                log.exception("villages_of of figure %s failed for %s %s", figure.key, doc_type, object_ids)
        return plan

    def __call__(self, name, doc_type=None, object_id=None, **_):
        """The ``public.changed`` subscriber, after commit: nothing is read or written here (the writer's
        request goes on at once); the worker asks the figures which villages moved and outdates the
        exports above them."""
        self.many(name, [{"doc_type": doc_type, "object_id": object_id}])

    def many(self, name, payloads):
        """A batch of ``public.changed`` delivered together (``events.emit_many``): one plan and one
        ``mark_stale`` per kind of object in it, not one per event."""
        by_type = {}
        for payload in payloads:
            by_type.setdefault(payload.get("doc_type"), []).append(payload.get("object_id"))
        for doc_type, object_ids in by_type.items():
            if self.sync:
                self._changed(doc_type, object_ids)
                continue
            self._queue.put(("changed", doc_type, object_ids, utcnow()))
            self.ensure_worker()

    def _changed(self, doc_type, object_ids):
        plan = self.plan_for(doc_type, object_ids)
        villages = set().union(*plan.values()) if plan else None
        export.mark_stale(villages)  # exports of the units above, or all when no figure knows the type
        if plan and self.built():
            self.submit(plan)

    def submit(self, plan):
        if self.sync:
            self._run(plan)
            return
        self._queue.put(plan)
        self.ensure_worker()

    def ask_rebuild(self):
        """A page saw missing or yesterday's rows: rebuild in the background (once at a time)."""
        with self._lock:
            if self._rebuild_asked:
                return
            self._rebuild_asked = True
        if self.sync:
            return  # tests and the CLI rebuild explicitly
        self._queue.put(ALL)
        self.ensure_worker()

    def ensure_worker(self):
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._drain, name="dashboard-precompute", daemon=True)
                self._worker.start()

    def _run(self, plan):
        with self.app.app_context(), connection():
            if plan == ALL:
                with self._lock:
                    self._rebuild_asked = False
            recompute(self.app, plan)

    def _resolve(self, items):
        """Turn queued changes into plans (reading the changed rows here, in the worker)."""
        plans = []
        changes = [i for i in items if isinstance(i, tuple)]
        if changes:
            with self.app.app_context(), connection():
                for _kind, doc_type, object_ids, at in changes:
                    plan = self.plan_for(doc_type, object_ids)
                    export.mark_stale(set().union(*plan.values()) if plan else None, committed_at=at)
                    if plan and self.built():
                        plans.append(plan)
        return plans + [i for i in items if not isinstance(i, tuple)]

    def _drain(self):
        while True:
            try:
                plans = [self._queue.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                plans = [ALL] if self._day is not None and self._day != today() else []
            while True:
                try:
                    plans.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._day = today()
            try:
                plans = self._resolve(plans)
                if plans:
                    self._run(merge(plans))
            except Exception:  # a projection: log and keep serving; rebuild repairs it
                log.exception("dashboard recompute failed")


def merge(plans):
    """One plan for a burst of changes: the union of the villages per figure."""
    if ALL in plans:
        return ALL
    merged = defaultdict(set)
    for plan in plans:
        for key, villages in plan.items():
            merged[key] |= set(villages)
    return dict(merged)


def of(app):
    return app.extensions[EXTENSION]


def init_app(app):
    from portal.core import events
    precomputer = Precomputer(app, sync=bool(app.config.get("DASHBOARD_SYNC")))
    app.extensions[EXTENSION] = precomputer
    events.subscribe(app, "public.changed", precomputer)
    return precomputer
