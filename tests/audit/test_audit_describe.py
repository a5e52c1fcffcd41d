"""The audit page describes every domain's entries in plain words, from the record core: the village,
the record's title and page once public, the state the step left; nothing of a record not yet public."""
from flask import render_template_string  # noqa: F401  (the request context renders translations)


def test_entries_of_every_record_type_are_described(demo, app):
    from audit.models import AuditEntry
    from portal.auditlog.views import describe
    from portal.core import records, registry
    types = registry.of(app).record_types
    with app.test_request_context("/audit?lang=zh"):
        described = set()
        for name, rt in types.items():
            entry = (AuditEntry.select().where(AuditEntry.object_type == name)
                     .order_by(AuditEntry.idx.desc()).first())
            if entry is None:
                continue
            d = describe(entry)
            assert d["what"] != "发生了变动" and d["title"] != "一条记录", (name, d)
            row = rt.model.get_by_id(int(entry.object_id))
            if records.is_public(rt, row):
                assert d["url"], (name, d)
            else:
                assert d["url"] is None and d["title"].endswith("（尚未公开）"), (name, d)
            described.add(name)
        assert {"project", "seal_use", "ledger_period"} <= described, described


def test_a_record_not_yet_public_shows_no_title(demo, app):
    from audit.models import AuditEntry
    from portal.auditlog.views import describe
    from portal.core import records, registry
    types = registry.of(app).record_types
    with app.test_request_context("/audit?lang=zh"):
        for name, rt in types.items():
            for entry in AuditEntry.select().where(AuditEntry.object_type == name).order_by(AuditEntry.idx.desc()):
                row = rt.model.get_or_none(rt.model.id == int(entry.object_id))
                if row is not None and not records.is_public(rt, row):
                    d = describe(entry)
                    assert d["url"] is None and rt.title_of(row) not in d["title"], (name, d)
                    return
    raise AssertionError("the demo holds no record that is not public")
