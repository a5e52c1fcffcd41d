"""Red flags of appeals, computed from the rows (never typed in): long overdue, and reopened again
and again (the filer unsatisfied with every reply)."""
import datetime

from portal.appeals import services
from portal.appeals.models import Appeal
from portal.core import memo
from portal.core.clock import iso, utcnow
from portal.core.db import id_list
from portal.core.domain import Flag, FlagRule
from portal.core.i18n import N_

LONG_OVERDUE_HOURS = 72
REPEATED_REOPENS = 2


def _long_overdue(row, now):
    late = now - row.due_at
    if services.is_overdue(row, now) and late > datetime.timedelta(hours=LONG_OVERDUE_HOURS):
        return {"due_at": iso(row.due_at), "holder": row.holder_id, "escalations": row.escalations}
    return None


def _reopened(row, now):
    if row.reopen_count >= REPEATED_REOPENS:
        return {"reopen_count": row.reopen_count, "state": row.state}
    return None


# What the rules read of an appeal: after every step of every appeal both rules check it, so the
# check reads these few columns, not the whole row (the filing's cost is mostly such reads).
# Named as a model row names them, so the rules read a row or a plain tuple of a batch alike.
CHECKED = (Appeal.id, Appeal.village.alias("village_id"), Appeal.holder.alias("holder_id"), Appeal.state,
           Appeal.due_at, Appeal.escalations, Appeal.reopen_count)


def _checked_rows(ids):
    """The checked columns of the appeals ``ids`` as named tuples (a sweep's batch: hundreds at once),
    read once for both rules while the red flags of a batch are computed (``memo``)."""
    def read():
        out = []
        for start in range(0, len(ids), 5000):
            out.extend(Appeal.select(*CHECKED).where(Appeal.id.in_(id_list(ids[start:start + 5000]))).namedtuples())
        return out
    return memo.memoized(("appeals.flags.checked", tuple(ids)), read)


def _rule(code, title, description, evidence_of, query):
    def check(doc_type, object_id):
        row = Appeal.select(*CHECKED).where(Appeal.id == int(object_id)).first() \
            if str(object_id).isdigit() else None
        return [Flag("appeal", row.id, row.village_id, evidence_of(row, utcnow()))] if row else []

    def check_many(doc_type, object_ids):
        now = utcnow()
        for row in _checked_rows(sorted({int(i) for i in object_ids})):
            yield Flag("appeal", row.id, row.village_id, evidence_of(row, now))

    def scan():
        now = utcnow()
        for row in query(now).iterator():
            evidence = evidence_of(row, now)
            if evidence:
                yield Flag("appeal", row.id, row.village_id, evidence)

    return FlagRule(code, title, ["appeal"], check, scan, description, check_many=check_many)


RULES = [
    _rule("appeals.long_overdue", "诉求超期三天以上未办结",
          N_("办理时限已过72小时以上仍未答复：按 due_at 与当前时间比较（等待群众补充期间不计）。"), _long_overdue,
          lambda now: Appeal.select().where(Appeal.state.in_(("submitted",) + services.HANDLING) &
                                            (Appeal.due_at < now - datetime.timedelta(hours=LONG_OVERDUE_HOURS)))),
    _rule("appeals.reopened_repeatedly", "群众多次不满意、反复重办",
          N_("同一诉求已被重新办理两次以上（每次“不满意”或重新办理都记录在案）。"), _reopened,
          lambda now: Appeal.select().where(Appeal.reopen_count >= REPEATED_REOPENS)),
]
