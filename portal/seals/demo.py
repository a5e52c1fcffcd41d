"""Demo seals: each village's register and a year of uses, with a few flags to find.

Uses go through the services (each one an audited record) with their real dates; a handful are
wrong on purpose — approved by the seal's keeper, without approval, a certificate the village must
not issue, a land matter without a vote, a seal out for two days, a use of a suspended seal, one
recorded late — so the inspectors' list has something true to show.
"""
import datetime
import random

from portal.core.clock import CST, today
from portal.core.db import transaction
from portal.seals import certificates, services
from portal.units.models import Unit

SEALS = [("村民委员会", "committee"), ("党支部", "party"), ("村务监督委员会", "supervision"), ("财务专用章", "finance")]
KEEPERS = [("陈秀云", "黄国辉"), ("林建华", "王明德"), ("郑丽娟", "许文斌"), ("蔡淑芬", "李永福")]
ROUTINE = [
    ("向镇政府报送村级年度工作总结", "{v}2026年工作总结", "routine"),
    ("报送村民代表会议纪要", "{v}村民代表会议纪要", "routine"),
    ("上报低保动态管理评议结果", "{v}低保评议结果报告", "routine"),
    ("申请上级村级组织运转经费", "关于拨付{v}村级组织运转经费的申请", "routine"),
    ("党员组织关系转出介绍信", "党员组织关系介绍信", "routine"),
    ("村集体经济收入报表报送", "{v}村集体经济收入统计表", "routine"),
    ("签订保洁劳务合同", "{v}环境卫生保洁劳务合同", "routine"),
]
MAY_ISSUE = [
    ("residence", "居住情况证明", "may_issue", "", "清源县村级证明事项清单（2026年）"),
    ("hardship", "家庭经济困难情况说明（用于救助申请）", "may_issue", "", "清源县村级证明事项清单（2026年）"),
    ("land_contract", "土地承包经营情况证明", "may_issue", "", "清源县村级证明事项清单（2026年）"),
    ("unemployed_commit", "未就业情况", "commitment", "由本人填写告知承诺书，不需要村里证明", "清源县证明事项告知承诺制目录"),
    ("rural_worker_commit", "农村劳动力转移就业情况", "commitment", "由本人填写告知承诺书", "清源县证明事项告知承诺制目录"),
]
APPLICANTS = ["陈阿婆", "林水生", "王丽萍", "黄明亮", "吴春花", "郑国强", "刘德旺", "许美玲"]


def _at(day, hour=10):
    """A China-time moment on ``day`` as naive UTC (how rows store times)."""
    moment = datetime.datetime.combine(day, datetime.time(hour), CST).astimezone(datetime.timezone.utc)
    return moment.replace(tzinfo=None)


def load(ctx):
    county = Unit.find("350528000000", "county")
    for order, (code, name, kind, alternative, basis) in enumerate(MAY_ISSUE):
        certificates.add_county_entry(None, county, {"code": code, "name": name, "kind": kind,
                                                     "alternative": alternative, "basis": basis})
    rng = random.Random(14)
    end = today()
    for v_index, (slug, village) in enumerate(ctx.villages.items()):
        with transaction(lock=True):  # one commit per village: the demo loads fast, search indexes after
            _village(ctx, rng, end, v_index, slug, village)


def _village(ctx, rng, end, v_index, slug, village):
    """One village's four seals and a year of uses (three to six a month, recorded the day they happen)."""
    clerk = ctx.users[f"clerk_{slug}"]
    seals = []
    for s_index, (suffix, kind) in enumerate(SEALS):
        keeper, approver = KEEPERS[(v_index + s_index) % len(KEEPERS)]
        name = f"{village.name}{suffix}" if kind != "finance" else f"{village.name}财务专用章"
        seals.append(services.register_seal(clerk, village.code, {
            "name": name, "kind": kind, "keeper": keeper, "approver": approver,
            "registered_on": (end - datetime.timedelta(days=400)).isoformat()}))
    committee, finance = seals[0], seals[3]
    start = end - datetime.timedelta(days=360)
    day = start
    while day < end - datetime.timedelta(days=3):
        day += datetime.timedelta(days=rng.randint(9, 17))
        if day.weekday() >= 5 or day >= end:
            continue
        purpose, document, matter = rng.choice(ROUTINE)
        seal = rng.choice(seals[:3]) if matter == "routine" else committee
        data = {"seal": seal.id, "used_on": day.isoformat(), "purpose": purpose,
                "document": document.format(v=village.name), "copies": rng.randint(1, 4),
                "applicant": rng.choice(APPLICANTS[:3]), "approver": seal.approver, "handler": seal.keeper,
                "matter": matter, "_recorded_at": _at(day, 9 + rng.randint(0, 7))}
        if rng.random() < 0.3:
            data.update(purpose="为村民开具证明", document="居住情况证明", certificate="residence",
                        applicant=rng.choice(APPLICANTS), matter="certificate")
        services.record_use(clerk, data)
    if v_index == 0:
        _flagged(clerk, village, committee, finance, end)
    if v_index == 1:
        _burst(clerk, committee, end)




def _flagged(clerk, village, committee, finance, end):
    """The uses the inspectors should find in 后溪村."""
    base = {"copies": 1, "handler": committee.keeper}
    d = lambda n: (end - datetime.timedelta(days=n))  # noqa: E731 — a date n days ago
    services.record_use(clerk, dict(base, seal=finance.id, used_on=d(40).isoformat(), purpose="支付村道维修工程款",
                                    document="村道维修工程款支付审批单", applicant="陈阿婆", approver=finance.keeper,
                                    _recorded_at=_at(d(40))))
    services.record_use(clerk, dict(base, seal=committee.id, used_on=d(33).isoformat(), purpose="为村民开具证明",
                                    document="亲属关系证明", applicant="林水生", approver=committee.approver,
                                    certificate="kinship", _recorded_at=_at(d(33))))
    services.record_use(clerk, dict(base, seal=committee.id, used_on=d(26).isoformat(), purpose="签订土地流转合同",
                                    document="后溪村东片农田土地流转合同", applicant="黄明亮", approver="",
                                    matter="land", _recorded_at=_at(d(26))))
    out = services.record_use(clerk, dict(base, seal=committee.id, used_on=d(12).isoformat(),
                                          purpose="到镇里办理项目报批", document="村道硬化工程立项申请",
                                          applicant="吴春花", approver=committee.approver, left_office=True,
                                          _recorded_at=_at(d(12), 9)))
    services.return_seal(clerk, out.id, {"returned_at": _at(d(10), 16).isoformat() + "+00:00"})
    services.record_use(clerk, dict(base, seal=committee.id, used_on=d(9).isoformat(), purpose="报送项目资料",
                                    document="村级项目资料汇编", applicant="郑国强", approver="郑国强",
                                    _recorded_at=_at(d(4))))
    services.change_seal(clerk, finance.id, "suspend", {"date": d(7).isoformat(), "reason": "财务人员调整，暂停使用"})
    services.record_use(clerk, dict(base, seal=finance.id, used_on=d(5).isoformat(), purpose="报销办公用品",
                                    document="办公用品报销单", applicant="王丽萍", approver=finance.approver,
                                    _recorded_at=_at(d(5))))
    services.change_seal(clerk, committee.id, "handover", {"to_keeper": "张雅琴", "witness": "刘德旺",
                                                            "handed_on": d(2).isoformat()})


def _burst(clerk, committee, end):
    """石埕村 stamped fourteen "statements" in one month: far above the county's usual rate."""
    first = (end - datetime.timedelta(days=95)).replace(day=3)
    for n in range(14):
        day = first + datetime.timedelta(days=n)
        services.record_use(clerk, {"seal": committee.id, "used_on": day.isoformat(), "purpose": "出具情况说明",
                                    "document": f"情况说明（第{n + 1}份）", "copies": 1, "applicant": "林水生",
                                    "approver": committee.approver, "handler": committee.keeper,
                                    "_recorded_at": _at(day)})
