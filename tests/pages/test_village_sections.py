"""Every domain's village-page section renders for every demo village, in both languages: a section
that raises is dropped quietly (one domain never breaks the page), so only this test sees it."""
import logging

from portal.home.sections import sections_for
from portal.units.models import Unit


def test_no_village_section_fails_for_any_demo_village(app, demo, caplog):
    villages = list(Unit.select().where(Unit.level == "village"))
    assert villages
    filled = set()
    for lang in ("zh", "en"):
        with app.test_request_context(f"/?lang={lang}"), caplog.at_level(logging.ERROR):
            for village in villages:
                for section in sections_for(village):
                    if section["entries"]:
                        filled.add(section["key"])
    failures = [r.getMessage() for r in caplog.records if "village section" in r.getMessage()]
    assert failures == []
    assert {"publications", "capitals", "bids", "seals", "meetings", "appeals"} <= filled, filled
