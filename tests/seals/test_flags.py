"""The red-flag rules' ``check`` and ``scan`` on real rows: each rule raises on the use that breaks it,
with its evidence, clears when the use is put right, and ``scan`` finds exactly what ``check`` does.
The county option that refuses (not only flags) a keeper approving their own seal's use."""
import datetime

import pytest

from portal.accounts.services import create_user
from portal.core.clock import today, utcnow
from portal.core.errors import PortalError
from portal.seals import flags, services
from portal.units.services import create_unit
from tests.conftest import make_app

VILLAGE, OTHER = "350528100200", "350528100210"


def _tree():
    create_unit(None, "350528000000", "清源县", "county")
    create_unit(None, "350528100000", "南岭镇", "township", "350528000000")
    create_unit(None, VILLAGE, "后溪村", "village", "350528100000")
    create_unit(None, OTHER, "石埕村", "village", "350528100000")
    return create_user("clerk_t", "clerk", VILLAGE)[0]


@pytest.fixture
def clerk(tmp_path):
    from portal.core.db import database
    make_app(tmp_path, SEARCH_SYNC=True)
    database.connect(reuse_if_open=True)
    yield _tree()
    database.close()


def _seal(clerk, **extra):
    return services.register_seal(clerk, VILLAGE, dict({"name": "后溪村民委员会", "kind": "committee",
                                                        "keeper": "陈保管", "approver": "黄审批"}, **extra))


def _use(clerk, seal, **extra):
    data = {"seal": seal.id, "used_on": today().isoformat(), "purpose": "报送材料", "document": "工作总结",
            "copies": 1, "applicant": "王申请", "approver": "黄审批"}
    data.update(extra)
    return services.record_use(clerk, data)


RULES = {r.code: r for r in flags.RULES}


def raised(code, use):
    found = RULES[code].check("seal_use", use.id)
    return [f.evidence for f in found if f.object_id == use.id and f.evidence is not None]


def scanned(code):
    return {f.object_id: f.evidence for f in RULES[code].scan()}


def test_a_clean_use_raises_nothing(clerk):
    use = _use(clerk, _seal(clerk))
    for code in RULES:
        assert raised(code, use) == [], code
        assert use.id not in scanned(code), code


def test_each_rule_raises_on_the_use_that_breaks_it(clerk):
    seal = _seal(clerk)
    cases = {
        "seals.keeper_approved": _use(clerk, seal, approver="陈保管"),
        "seals.no_approval": _use(clerk, seal, approver=""),
        "seals.self_approved": _use(clerk, seal, applicant="黄审批"),
        "seals.certificate_not_allowed": _use(clerk, seal, certificate="无犯罪记录证明"),
        "seals.vote_missing": _use(clerk, seal, purpose="为村民借款提供担保", document="担保书"),
        "seals.recorded_late": _use(clerk, seal, used_on=(today() - datetime.timedelta(days=5)).isoformat()),
    }
    for code, use in cases.items():
        evidence = raised(code, use)
        assert len(evidence) == 1, code
        assert scanned(code)[use.id] == evidence[0], code
        assert {c for c in RULES if raised(c, use)} == {code}  # and no other rule
    assert raised("seals.keeper_approved", cases["seals.keeper_approved"])[0]["keeper"] == "陈保管"
    assert raised("seals.self_approved", cases["seals.self_approved"])[0]["applicant"] == "黄某"  # masked
    cert = raised("seals.certificate_not_allowed", cases["seals.certificate_not_allowed"])[0]
    assert cert["kind"] == "must_not" and "派出所" in cert["alternative"]
    assert raised("seals.vote_missing", cases["seals.vote_missing"])[0]["reason"] == "借款"  # the first word that needs a vote
    assert raised("seals.recorded_late", cases["seals.recorded_late"])[0]["days_late"] == 5


def test_unlisted_certificate_and_county_extension(clerk):
    from portal.seals import certificates
    from portal.units.models import Unit
    use = _use(clerk, _seal(clerk), certificate="林地使用情况证明")
    assert raised("seals.certificate_not_allowed", use)[0]["kind"] == "unlisted"
    certificates.add_county_entry(None, Unit.find("350528000000", "county"),
                                  {"code": "forest", "name": "林地使用情况证明", "kind": "may_issue"})
    assert raised("seals.certificate_not_allowed", use) == []  # the list is data: extending it clears the flag
    assert use.id not in scanned("seals.certificate_not_allowed")


def test_a_seal_out_too_long_and_its_return(clerk):
    seal = _seal(clerk)
    out = _use(clerk, seal, left_office=True, _recorded_at=utcnow() - datetime.timedelta(hours=30))
    evidence = raised("seals.out_too_long", out)[0]
    assert evidence["returned"] is False and evidence["hours"] >= 30
    quick = _use(clerk, seal, left_office=True)
    assert raised("seals.out_too_long", quick) == []
    services.return_seal(clerk, out.id)
    assert raised("seals.out_too_long", out)[0]["returned"] is True  # back, but after 30 hours
    services.return_seal(clerk, quick.id)
    assert quick.id not in scanned("seals.out_too_long") and out.id in scanned("seals.out_too_long")


def test_use_of_a_suspended_or_lost_seal(clerk):
    seal = _seal(clerk)
    services.change_seal(clerk, seal.id, "suspend", {"reason": "保管人调整"})
    suspended = _use(clerk, seal)
    services.change_seal(clerk, seal.id, "report_lost", {"reason": "印章遗失，已登报声明"})
    lost = _use(clerk, seal)
    assert raised("seals.bad_seal_state", suspended)[0]["seal_state"] == "suspended"
    assert raised("seals.bad_seal_state", lost)[0]["seal_state"] == "lost"
    services.change_seal(clerk, seal.id, "destroy", {"reason": "销毁"})
    with pytest.raises(PortalError) as refused:
        _use(clerk, seal)
    assert refused.value.code == "seal_destroyed"


def test_a_month_far_above_the_county_rate(clerk):
    from portal.seals.models import SealUse
    busy = _seal(clerk)
    quiet_clerk = create_user("clerk_o", "clerk", OTHER)[0]
    quiet = services.register_seal(quiet_clerk, OTHER, {"name": "石埕村民委员会", "kind": "committee",
                                                        "keeper": "甲", "approver": "乙"})
    start = today().replace(day=1) - datetime.timedelta(days=200)
    for month in range(6):  # six ordinary months in each village: three uses each
        for n in range(3):
            day = (start + datetime.timedelta(days=31 * month + n)).isoformat()
            _use(clerk, busy, used_on=day, approver="黄审批")
            services.record_use(quiet_clerk, {"seal": quiet.id, "used_on": day, "purpose": "报送", "document": "材料",
                                              "copies": 1, "applicant": "丙", "approver": "乙"})
    burst = [_use(clerk, busy) for _n in range(30)]
    found = RULES["seals.unusual_rate"].scan()
    assert [(f.object_id, f.evidence["count"]) for f in found] == [(burst[0].id, 30)]
    evidence = found[0].evidence
    assert evidence["county_median"] == 3 and evidence["threshold"] < 30 and evidence["village_months"] >= 12
    checked = RULES["seals.unusual_rate"].check("seal_use", burst[-1].id)
    assert [(f.object_id, f.evidence["count"]) for f in checked if f.evidence] == [(burst[0].id, 30)]
    assert SealUse.select().count() == 6 * 3 * 2 + 30


def test_refusing_keeper_approval_when_the_county_so_configures(tmp_path):
    from portal.core.db import database
    make_app(tmp_path, SEALS_REFUSE_KEEPER_APPROVAL=True, SEARCH_SYNC=True)
    database.connect(reuse_if_open=True)
    try:
        clerk = _tree()
        seal = _seal(clerk)
        with pytest.raises(PortalError) as refused:
            _use(clerk, seal, approver="陈保管")
        assert refused.value.code == "keeper_approval_refused" and "黄审批" in refused.value.message
        from portal.seals.models import SealUse
        assert SealUse.select().count() == 0
        assert _use(clerk, seal).approver == "黄审批"
    finally:
        database.close()


def test_figures_and_export_tables(clerk):
    from portal.seals.figures import EXPORTS, FIGURES
    seal = _seal(clerk)
    _use(clerk, seal, certificate="居住情况证明", applicant="王大明")
    out = _use(clerk, seal, left_office=True)
    figures = {f.key: f for f in FIGURES}
    assert figures["seals.uses_30d"].compute([VILLAGE], today()) == 2
    assert figures["seals.uses_30d"].compute([OTHER], today()) == 0
    assert figures["seals.certificates_year"].compute([VILLAGE], today()) == 1
    assert figures["seals.out_now"].compute([VILLAGE], today()) == 1
    assert figures["seals.in_use"].compute([VILLAGE, OTHER], today()) == 1
    assert figures["seals.out_now"].villages_of("seal_use", out.id) == [VILLAGE]
    services.return_seal(clerk, out.id)
    assert figures["seals.out_now"].compute([VILLAGE], today()) == 0
    tables = {t.name: t for t in EXPORTS}
    rows = list(tables["seal_uses"].rows([VILLAGE]))
    assert len(rows) == 2 and {r["applicant"] for r in rows} == {"王某"} and "王大明" not in str(rows)
    assert all(set(r) == {c for c, _d in tables["seal_uses"].columns} for r in rows)
    assert [r["name"] for r in tables["seals"].rows([VILLAGE])] == ["后溪村民委员会"]
    certificates = list(tables["certificates"].rows([VILLAGE]))
    assert sum(1 for c in certificates if c["kind"] == "must_not") == 20
    for table in EXPORTS:
        assert all(desc for _c, desc in table.columns)
