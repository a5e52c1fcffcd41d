"""Each stage is an audited step: ``python -m audit verify`` re-derives the latest entry of each
project from its rows, so an edited bid amount is caught."""
from pathlib import Path

from tests.deploy.helpers import audit_verify


def test_an_edited_bid_breaks_verification(demo, app):
    from portal.projects.models import Bid, Project
    db_url = f"sqlite:///{Path(app.config['INSTANCE_DIR']) / 'portal.db'}"
    code, out = audit_verify(db_url)
    assert code == 0, out
    project = Project.select().order_by(Project.id.desc()).first()
    bid = Bid.get(Bid.id == project.award_bid)
    Bid.update(amount=bid.amount - 1000).where(Bid.id == bid.id).execute()
    code, out = audit_verify(db_url)
    assert code != 0 and "project" in out
