"""``python -m audit verify`` re-derives the months too: a month's entry holds its sealed figures once
it is locked, and while it is open only what cannot change, so entries recorded later never break it."""
from pathlib import Path

from tests.deploy.helpers import audit_verify


def test_months_are_re_derived_and_an_edited_month_is_caught(demo, app):
    from portal.ledger.models import Entry, Period
    db_url = f"sqlite:///{Path(app.config['INSTANCE_DIR']) / 'portal.db'}"
    opened = Period.select().where(Period.state == "open").first()
    assert opened is not None and Entry.select().where((Entry.village == opened.village_id)
                                                       & (Entry.month == opened.month)).exists()
    code, out = audit_verify(db_url)
    assert code == 0, out

    published = Period.select().where(Period.state == "published").order_by(Period.month.desc()).first()
    Period.update(state="approved").where(Period.id == published.id).execute()  # quietly unpublished
    code, out = audit_verify(db_url)
    assert code != 0 and "ledger_period" in out, out
