"""The county's OCDS bulk file is streamed after the request's teardown closed its connection: the stream holds
its own, so the whole package arrives (in process, body read after the view returned); the open-data export
writes the same package into its zip entry as it reads it."""
import io
import json

from tests.conftest import demo_into, make_app
from tests.projects.ocds_check import validate_release_package


def test_bulk_file_streams_whole_and_the_export_writes_it(tmp_path):
    app = make_app(tmp_path, SEARCH_SYNC=True)
    demo_into(app)
    from portal.core.db import database
    from portal.projects import exports
    from portal.projects.models import Release
    releases = Release.select().count()
    assert releases > 20
    database.close()  # as a production request finds it: no connection left open by the test
    response = app.test_client().get("/api/v1/ocds/bulk/350528000000.json", buffered=False)
    body = b"".join(response.response)
    response.close()
    package = json.loads(body)
    validate_release_package(package)
    assert len(package["releases"]) == releases

    database.connect(reuse_if_open=True)
    villages = sorted({r.village_id for r in Release.select(Release.village)})
    out = io.BytesIO()
    exports.ocds_documents(villages)["ocds_releases.json"](out)
    written = json.loads(out.getvalue())
    validate_release_package(written)
    assert [r["id"] for r in written["releases"]] == [r["id"] for r in package["releases"]]
