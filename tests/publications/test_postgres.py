"""The lifecycle on PostgreSQL (schema per test): the same services, a real server database."""
import datetime

from tests.conftest import make_app


def test_lifecycle_and_objection_on_postgres(tmp_path, pg_url):
    from portal.accounts.models import User
    from portal.core.db import database
    from portal.demo import load_demo
    from portal.publications import objections, services
    from portal.core.clock import today
    from portal.units.models import Unit
    app = make_app(tmp_path, pg_url)
    database.connect(reuse_if_open=True)
    try:
        load_demo()
        village = Unit.get(Unit.code == "350528100200")
        clerk, supervisor, resident = (User.get(User.username == n) for n in
                                       ("clerk_houxi", "supervisor_houxi", "resident_houxi"))
        pub = services.create_draft(clerk, village, {"title": "PG测试公示", "category": "pre", "body": "电话13905951234",
                                                     "period_start": today().isoformat(),
                                                     "period_end": (today() + datetime.timedelta(days=6)).isoformat()})
        services.approve(supervisor, pub)
        services.publish(clerk, pub)
        obj = objections.lodge(resident, pub, "PostgreSQL 上的异议。")
        objections.moderate(supervisor, obj, True)
        with app.test_client() as client:
            body = client.get(f"/api/v1/publications/{pub.id}").json
        assert body["status"] == "published" and body["body"] == "电话139****1234"
        assert body["objections"][0]["text"] == "PostgreSQL 上的异议。"
    finally:
        database.close()
