"""The portal side: sources, after-commit indexing, catch-up, API, page, CLI, bad input."""
import pytest



from .conftest import DOC_TYPE, emit_after_commit, make_doc


@pytest.fixture
def client(search_app):
    return search_app.test_client()


def api(client, **args):
    return client.get("/api/v1/search", query_string=args)


def test_first_request_builds_missing_index_and_api_shape(client):
    body = api(client, q="公章").get_json()
    assert body["total"] == 2
    first = body["results"][0]
    assert set(first) >= {"type", "id", "title", "url", "snippet", "village", "published_at"}
    assert (first["type"], first["id"], first["url"]) == (DOC_TYPE, 1, "/test/1")
    assert "<mark>公章</mark>" in first["snippet"]
    assert {f["value"]: f["count"] for f in body["facets"]["category"]} == {"用章": 1, "重大事项决策": 1}


def test_public_changed_indexes_and_removes(search_app, client, source):
    api(client)                                                    # catch-up has run
    source.docs["5"] = make_doc(5, "新修路灯公示", "村口路灯维修完成。", days=9)
    emit_after_commit(search_app, "public.changed", doc_type=DOC_TYPE, object_id="5", audit_index=11)
    body = api(client, q="路灯").get_json()
    assert [r["id"] for r in body["results"]] == [5]
    assert search_app.extensions["search"].index.audit_index() == 11
    del source.docs["5"]                                           # withdrawn: document_for returns None
    emit_after_commit(search_app, "public.changed", doc_type=DOC_TYPE, object_id="5", audit_index=12)
    assert api(client, q="路灯").get_json()["total"] == 0


def test_refused_document_is_removed_not_indexed(search_app, client, source):
    api(client)
    source.docs["1"] = dict(source.docs["1"], body="申请人电话13812345678，公章使用")   # unmasked phone
    emit_after_commit(search_app, "public.changed", doc_type=DOC_TYPE, object_id="1")
    assert api(client, q="13812345678").get_json()["total"] == 0
    assert 1 not in [r["id"] for r in api(client, q="公章").get_json()["results"]]


def test_filters_dates_and_paging(client):
    assert api(client, village="330100002000").get_json()["total"] == 1
    assert [r["id"] for r in api(client, **{"from": "2024-05-03", "to": "2024-05-04"}).get_json()["results"]] \
        == [4, 3]
    assert api(client, type="other").get_json()["total"] == 0


@pytest.mark.parametrize("args,code", [
    ({"q": '"公章'}, "unbalanced_quotes"), ({"q": "AND"}, "operators_only"), ({"q": "-"}, "operators_only"),
    ({"q": "公" * 10000}, "query_too_long"), ({"q": "的 了"}, "only_stopwords"),
    ({"q": "公章", "page": "99"}, "page_out_of_range"), ({"page": "abc"}, "bad_page"),
    ({"from": "2024-13-01"}, "bad_from"), ({"from": "2024-05-02", "to": "2024-05-01"}, "bad_dates"),
])
def test_bad_input_is_a_clear_400(client, args, code):
    response = api(client, **args)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    page = client.get("/search", query_string=args)
    assert page.status_code == 400
    assert 'id="search-error"' in page.get_data(as_text=True)


def test_results_page_escapes_and_links(client):
    html = client.get("/search", query_string={"q": "修路 <b>"}).get_data(as_text=True)
    assert "<b>" not in html.split("<main>")[1]
    page = client.get("/search", query_string={"q": "修路"}).get_data(as_text=True)
    assert 'href="/test/4"' in page and "<mark>修路</mark>" in page and "找到 1 条结果" in page


def test_catch_up_rebuilds_a_stale_index(search_app, tmp_path):
    service = search_app.extensions["search"]
    service.catch_up()
    (tmp_path / "instance" / "index" / "search_state.json").unlink()     # as if interrupted mid-rebuild
    assert not service.index.is_current()
    service.catch_up()
    assert service.index.is_current() and service.index.doc_count() == 4


def test_cli_rebuild_with_progress(search_app):
    result = search_app.test_cli_runner().invoke(args=["search", "rebuild", "--procs", "1"])
    assert result.exit_code == 0, result.output
    assert "重建搜索索引" in result.output                                 # the progress bar
    assert "search index rebuilt: 4 documents" in result.output
    status = search_app.test_cli_runner().invoke(args=["search", "status"])
    assert "documents: 4" in status.output


def test_catch_up_applies_audit_entries_missed_while_away(search_app, source):
    """A change committed (and audited) while this process was not listening is applied on catch-up."""
    from portal.auditlog import head_index, record
    from portal.core.db import database
    service = search_app.extensions["search"]
    with database.connection_context():
        service.catch_up()
        source.docs["6"] = make_doc(6, "水库清淤工程验收公示", "水库清淤工程已通过验收。", days=10)
        with database.atomic():
            record(None, "testdoc.publish", DOC_TYPE, "6", {"title": "水库清淤工程验收公示"})
        head = head_index()
        assert service.index.search("清淤").total == 0          # no event was emitted: the index missed it
        service.catch_up()
        assert [h["id"] for h in service.index.search("清淤").hits] == ["6"]
        assert service.index.audit_index() == head


def test_refusal_after_a_change_is_recorded_and_cleared(search_app, client, source):
    """The incremental path (public.changed) records a refusal too, and forgets it once fixed."""
    from portal.search.service import refusal_for, refusals
    api(client)
    source.docs["2"] = dict(source.docs["2"], body="联系人身份证 350502 19900101 1234")   # check digit wrong
    emit_after_commit(search_app, "public.changed", doc_type=DOC_TYPE, object_id="2")
    with search_app.app_context():
        row = refusal_for(DOC_TYPE, "2")
        assert row is not None and "身份证号" in row.reason and "3505**********1234" in row.reason
        assert "350502" not in row.reason.replace("3505**", "")
        assert [(r.doc_type, r.object_id) for r in refusals()] == [(DOC_TYPE, "2")]
    assert 2 not in [r["id"] for r in api(client, q="章程").get_json()["results"]]
    source.docs["2"] = dict(source.docs["2"], body="联系人身份证 3505**********1234")
    emit_after_commit(search_app, "public.changed", doc_type=DOC_TYPE, object_id="2")
    with search_app.app_context():
        assert refusal_for(DOC_TYPE, "2") is None
    assert 2 in [r["id"] for r in api(client, q="章程").get_json()["results"]]
