"""Red flags computed from the demo county's works: every rule raised by the case built for it, none
by the ordinary processes; ``check`` after a change agrees with ``scan``; evidence shows no phone."""
import datetime

from portal.projects import flags, services
from portal.projects.models import Project


def _by_title(title):
    return Project.get(Project.title == title).id


def test_each_rule_raised_by_its_case_and_only_there(demo):
    from portal.accounts.models import User
    raised = {rule.code: {f.object_id: f for f in rule.scan()} for rule in flags.RULES}
    expect = {
        "projects.R018": ["后溪村老人活动室改造工程"], "projects.R031": ["石埕村停车场铺装工程"],
        "projects.R028": ["洋坪村村道拓宽工程"], "projects.R_LOWEST": ["东湖社区雨污分流工程"],
        "projects.R030": ["桂香社区外立面整治工程"], "projects.R035": ["双滦村机耕路硬化工程"],
        "projects.R036": ["双滦村机耕路硬化工程"], "projects.R069": ["岭头村山塘清淤工程"],
        "projects.R068": ["后溪村篮球场改造工程"], "projects.R_SHARED": ["石埕村水渠修复工程"],
        "projects.R003": ["洋坪村荷塘护栏工程"],
        "projects.R011": ["岭头村一组道路硬化工程", "岭头村二组道路硬化工程", "岭头村三组道路硬化工程"],
        "projects.R057": ["桂香社区一期道路修补工程", "桂香社区二期道路修补工程", "桂香社区三期道路修补工程"],
        "projects.R_SERIAL": ["后溪村便民桥维修工程", "双滦村便民桥维修工程", "岭头村便民桥维修工程"],
    }
    for code, titles in expect.items():
        assert set(raised[code]) == {_by_title(t) for t in titles}, code
    outliers = raised["projects.R024"]
    assert _by_title("东湖社区消防通道改造工程") in outliers
    evidence = outliers[_by_title("东湖社区消防通道改造工程")].evidence
    assert evidence["comparable"] >= 10 and evidence["gap"] > evidence["high_fence"]
    flagged = set().union(*(set(v) for v in raised.values()))
    ordinary = [p.id for p in Project.select() if "工程" in p.title and p.id not in flagged]
    assert len(ordinary) >= 5  # the ordinary processes raise nothing
    assert "13905958888" not in str(raised["projects.R_SHARED"])  # the shared phone is not shown

    # check after a change: an amendment raising a clean process by 12% raises R069 there, check == scan
    pid = ordinary[0]
    row = Project.get_by_id(pid)
    clerk = User.get(User.username == "clerk_" + {v.code: k for k, v in _villages().items()}[row.village_id])
    rule = next(r for r in flags.RULES if r.code == "projects.R069")
    assert [f.evidence for f in rule.check("project", str(pid))] == [None]
    services.step(clerk, pid, "amend", {"amount": str((row.contract_value * 112 / 100).quantize(row.contract_value)),
                                        "reason": "增加工程量", "amended_on": datetime.date.today().isoformat()})
    [flag] = rule.check("project", str(pid))
    assert flag.evidence and flag.evidence["rise"] > 0.10
    assert pid in {f.object_id for f in rule.scan()}


def _villages():
    from portal.units.models import Unit
    slugs = {"350528100200": "houxi", "350528100210": "shicheng", "350528100220": "yangping",
             "350528001200": "donghu", "350528001210": "guixiang", "350528200200": "shuangluan",
             "350528200210": "lingtou"}
    return {slug: Unit.get_by_id(code) for code, slug in slugs.items()}
