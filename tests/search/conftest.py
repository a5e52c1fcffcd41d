"""Fixtures for search tests: documents fed from a list, registered as a test-only source."""
from datetime import datetime, timedelta, timezone

import pytest

DOC_TYPE = "testdoc"


def make_doc(doc_id, title, body, village="330100001000", township="330100000000", category="用章", days=0):
    return {"type": DOC_TYPE, "id": str(doc_id), "title": title, "body": body, "village": village,
            "township": township, "category": category,
            "published_at": datetime(2024, 5, 1, 8, tzinfo=timezone.utc) + timedelta(days=days),
            "url": f"/test/{doc_id}"}


SAMPLE = [
    make_doc(1, "公章使用登记公示", "本月村委会公章使用3次，用于出具居住证明。凭证号JZ-2024-0153，完成率99.58%。"),
    make_doc(2, "办公章程修订征求意见", "村办公章程修订草案征求村民意见。", category="重大事项决策", days=1),
    make_doc(3, "低保户审核结果公示", "2024年度低保户审核结果公示，雙灤區张三丰家庭纳入低保。",
             village="330100002000", category="低保/救助", days=2),
    make_doc(4, "修路工程招标公告", "村道修路工程招投标结果公告，中标金额12,345.67元。<script>x</script>",
             category="招投标", days=3, township="330200000000", village="330200001000"),
]


class ListSource:
    """A document source over a dict, as a domain's would be over its tables."""

    def __init__(self, docs):
        self.docs = {d["id"]: d for d in docs}

    def iter_documents(self):
        return iter(list(self.docs.values()))

    def document_for(self, object_id):
        return self.docs.get(str(object_id))


@pytest.fixture
def source():
    return ListSource(SAMPLE)


@pytest.fixture
def search_app(tmp_path, source):
    from portal.core import registry
    from portal.core.domain import SearchSource
    from tests.conftest import make_app
    app = make_app(tmp_path, SEARCH_SYNC=True)
    registry.of(app).search_sources[DOC_TYPE] = SearchSource(DOC_TYPE, source.iter_documents, source.document_for)
    return app


def emit_after_commit(app, name, **payload):
    """Events are announced only through a transaction, as services do."""
    from portal.core import events
    from portal.core.db import connection, transaction
    with app.app_context(), connection(), transaction():
        events.emit(name, **payload)
