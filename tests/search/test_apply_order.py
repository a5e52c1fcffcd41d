"""Two appliers of one record (the catch-up after a restart and the after-commit queue) must not
let the older read win: before, the kill -9 test lost a published record from the index when the
catch-up's stale read ("not public yet") was written after the queue's fresh one."""
import datetime
import threading

from portal.core import registry
from portal.core.domain import SearchSource
from portal.search.service import SearchService
from tests.conftest import make_app


def test_a_stale_read_never_overwrites_a_later_one(tmp_path):
    app = make_app(tmp_path, SEARCH_NO_CATCH_UP=True)
    doc = {"type": "publication", "id": "7", "title": "修路公示", "body": "村道硬化", "village": "350528100200",
           "township": "350528100000", "category": "village", "url": "/p/7",
           "published_at": datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)}
    first_reading, second_done = threading.Event(), threading.Event()
    calls = []

    def document_for(object_id):
        calls.append(object_id)
        if len(calls) == 1:               # the catch-up reads before the publish committed ...
            first_reading.set()
            second_done.wait(1.5)         # ... and is slow to write what it read
            return None
        return doc                        # the queue reads after the commit: published

    registry.of(app).search_sources["publication"] = SearchSource("publication", lambda: [], document_for)
    service = SearchService(app, tmp_path / "index")
    stale = threading.Thread(target=service._apply, args=([("publication", "7", 3)],))
    stale.start()
    assert first_reading.wait(5)
    fresh = threading.Thread(target=service._apply, args=([("publication", "7", 5)],))
    fresh.start()
    fresh.join(1.0)
    second_done.set()
    stale.join(5)
    fresh.join(5)
    from whoosh import index
    with index.open_dir(str(tmp_path / "index")).searcher() as searcher:
        assert [d["id"] for d in searcher.all_stored_fields()] == ["7"]
