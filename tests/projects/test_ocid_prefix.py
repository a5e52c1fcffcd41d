"""The county's ocid prefix must match ^ocds-[a-z0-9]{6}-: a wrong one refuses the write (clear error, nothing
written, not even an audit entry) rather than mint ocids no one can register; a right one is used."""
import pytest

from portal.core.errors import ValidationError
from tests.conftest import demo_into, make_app


@pytest.mark.parametrize("prefix", ["OCDS-ABC123-", "ocds-abc12-", "ocds-abc1234-", "ocds_abc123-", "ocds-abc123",
                                    "abc123-"])
def test_a_bad_prefix_refuses_the_write(tmp_path, prefix):
    app = make_app(tmp_path, PROJECTS_OCID_PREFIX=prefix, SEARCH_SYNC=True)
    demo_into(app)
    from portal.accounts.models import User
    from audit.models import AuditEntry
    from portal.projects import services
    from portal.projects.models import Project
    clerk = User.get(User.username == "clerk_houxi")
    projects, entries = Project.select().count(), AuditEntry.select().count()
    assert projects and entries  # the demo county, its audit log read from the same database
    with pytest.raises(ValidationError) as refused:
        services.create_project(clerk, {"village": "350528100200", "title": "后溪村前缀测试工程", "budget": "30000"})
    assert refused.value.code == "bad_ocid_prefix" and "ocds-abc123-" in refused.value.message
    assert Project.select().count() == projects and AuditEntry.select().count() == entries


def test_the_county_prefix_is_used(tmp_path):
    app = make_app(tmp_path, PROJECTS_OCID_PREFIX="ocds-q7z2k9-", SEARCH_SYNC=True)
    demo_into(app)
    from portal.accounts.models import User
    from portal.projects import services
    row = services.create_project(User.get(User.username == "clerk_houxi"),
                                  {"village": "350528100200", "title": "后溪村前缀测试工程", "budget": "30000"})
    assert row.ocid.startswith("ocds-q7z2k9-350528100200-")
