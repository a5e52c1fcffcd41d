"""Applying many flags at once (a rebuild over a county) costs a bounded number of statements, not a few per flag,
and still raises, refreshes, re-raises and clears each row as the one-by-one path did."""
import logging

import pytest

from portal.core.domain import Flag

N = 400


class _Statements(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.sql = []

    def emit(self, record):
        self.sql.append(record.getMessage())


@pytest.fixture
def statements():
    logger = logging.getLogger("peewee")
    handler, level = _Statements(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def _villages():
    from portal.units.services import create_unit
    create_unit(None, "350999000000", "测试县", "county")
    create_unit(None, "350999001000", "一镇", "township", "350999000000")
    for v in ("350999001001", "350999001002"):
        create_unit(None, v, f"村{v[-1]}", "village", "350999001000")
    return ["350999001001", "350999001002"]


def test_many_flags_in_few_statements_and_each_row_right(app, db, statements, monkeypatch):
    from portal.core import events
    from portal.redflags import services
    from portal.redflags.models import RedFlag
    villages = _villages()
    emitted = []
    monkeypatch.setattr(events, "emit", lambda name, **payload: emitted.append((name, payload)))

    flags = [Flag("seal_use", i, villages[i % 2], {"n": i}) for i in range(1, N + 1)]
    statements.sql.clear()
    assert services.apply("test.bulk", flags) == N
    assert len(statements.sql) < 30, len(statements.sql)  # one by one: over 2 statements a flag
    assert RedFlag.select().where(RedFlag.cleared_at.is_null()).count() == N
    row = RedFlag.get(RedFlag.object_id == 7)
    assert row.village_code == villages[1] and row.path == "/350999000000/350999001000/350999001002/"
    assert row.evidence == '{"n": 7}'
    # the dashboard needs to hear of each village whose open flags moved, not of every row
    assert sorted(p["village"] for _n, p in emitted) == villages
    assert {RedFlag.get_by_id(int(p["object_id"])).village_code for _n, p in emitted} == set(villages)

    statements.sql.clear()
    emitted.clear()
    assert services.apply("test.bulk", flags) == 0  # nothing changed: nothing written, nothing announced
    assert len(statements.sql) < 10, len(statements.sql) and not emitted
    assert not emitted

    raised_before = RedFlag.get(RedFlag.object_id == 3).raised_at
    changed = [Flag("seal_use", 1, villages[1], None), Flag("seal_use", 2, villages[0], {"n": 20}),
               Flag("seal_use", 9999, villages[0], None)]  # clearing a flag never raised writes nothing
    assert services.apply("test.bulk", changed) == 2
    assert RedFlag.get(RedFlag.object_id == 1).cleared_at is not None
    assert RedFlag.get(RedFlag.object_id == 2).evidence == '{"n": 20}'
    assert not RedFlag.select().where(RedFlag.object_id == 9999).exists()
    assert RedFlag.get(RedFlag.object_id == 3).raised_at == raised_before

    again = services.apply("test.bulk", [Flag("seal_use", 1, villages[1], {"n": 1})])  # raised again: same row
    assert again == 1 and RedFlag.select().where(RedFlag.object_id == 1).count() == 1
    reopened = RedFlag.get(RedFlag.object_id == 1)
    assert reopened.cleared_at is None and reopened.raised_at >= raised_before
    # an unknown village is skipped (logged), the others still written
    assert services.apply("test.bulk", [Flag("seal_use", 5000, "350999009999", {"n": 0}),
                                        Flag("seal_use", 5001, villages[0], {"n": 0})]) == 1
    assert not RedFlag.select().where(RedFlag.object_id == 5000).exists()
