"""Demo: two years of village works in the demo county, through the real services.

The services' clock (``services.now``) is stepped through each process so every stage has its
real date; openings of the history are not re-broadcast (``services.LIVE_OPENINGS``), the last
one is. Most processes raise no flag; a few are built to raise each rule (see ``CASES``).
"""
import datetime
import random
from contextlib import contextmanager
from decimal import Decimal

from portal.projects import services

START = datetime.datetime(2024, 12, 2, 1, 0)  # naive UTC, two years back
WORKS = ["村道硬化", "排水沟改造", "路灯安装", "文化活动中心修缮", "饮水管网改造", "河道护岸", "公厕改造",
         "村口广场铺装", "农田灌溉渠修复", "小公园绿化", "防洪堤加固", "垃圾收集点建设"]
COMPANY = ["建设工程有限公司", "建筑工程有限公司", "市政工程有限公司", "水利水电工程有限公司", "园林绿化工程有限公司"]
PREFIX = ["宏达", "路通", "永安", "清源", "闽南", "海峡", "鑫盛", "鸿运", "恒泰", "锦程", "晋江", "德化", "安平",
          "东升", "南岭", "溪口", "桂香", "双滦", "岭头", "洋坪", "石埕", "后溪", "丰泽", "源和"]


@contextmanager
def _clock():
    saved, live = services.now, services.LIVE_OPENINGS
    state = {"t": START}
    services.now = lambda: state["t"]
    services.LIVE_OPENINGS = False
    try:
        yield state
    finally:
        services.now, services.LIVE_OPENINGS = saved, live


def _code(n):
    return f"91350528MA{n:07d}X"


def _run(clerk, village, t, clock, title, budget, bids, award=None, reason="", period_days=None, amend=None,
         pay=None, evaluate=None, late=()):
    """One process from 立项 to payment; ``bids`` are (bidder no, amount[, contact])."""
    clock["t"] = t
    p = services.create_project(clerk, {"village": village.code, "title": title, "budget": str(budget),
                                        "description": f"{title}，由村民代表会议议定。", "funding_source": "上级补助与村集体自筹",
                                        "decision": f"{village.name}村两委会议及村民代表会议决定"})
    clock["t"] += datetime.timedelta(days=2)
    days = period_days if period_days is not None else {"quotes": 5, "invited": 8, "open": 22}[p.procedure]
    deadline = clock["t"] + datetime.timedelta(days=days)
    services.step(clerk, p.id, "tender", {"deadline": deadline.replace(tzinfo=datetime.timezone.utc).isoformat(),
                                          "description": f"{village.name}{title}招标（比选）公告"})
    ids = []
    for i, bid in enumerate(bids):
        no, amount = bid[0], bid[1]
        received = deadline + datetime.timedelta(hours=2) if i in late else deadline - datetime.timedelta(hours=min(30, days * 12) - i)
        clock["t"] = max(received, deadline) + datetime.timedelta(hours=1, minutes=i)
        b = services.step(clerk, p.id, "bid", {
            "bidder": PREFIX[no % len(PREFIX)] + COMPANY[no % len(COMPANY)], "credit_code": _code(no),
            "amount": str(amount), "received_at": received.replace(tzinfo=datetime.timezone.utc).isoformat(),
            "contact": bid[2] if len(bid) > 2 else ""})
        ids.append(b._subject.id)
    clock["t"] += datetime.timedelta(hours=2)
    services.step(clerk, p.id, "evaluate", {"bids": [{"bid": ids[i], "status": "disqualified", "reason": why}
                                                     for i, why in (evaluate or {}).items()]})
    winner = ids[award] if award is not None else ids[min(range(len(bids)), key=lambda i: (
        i in (evaluate or {}), bids[i][1]))]
    services.step(clerk, p.id, "award", {"bid": winner, "reason": reason})
    row = services.get_project(p.id)
    clock["t"] += datetime.timedelta(days=3)
    signed = (clock["t"] + datetime.timedelta(hours=8)).date()
    services.step(clerk, p.id, "contract", {"amount": str(row.award_amount), "signed_on": signed.isoformat()})
    value = row.award_amount
    if amend:
        clock["t"] += datetime.timedelta(days=20)
        value = (value * Decimal(str(amend))).quantize(Decimal("0.01"))
        services.step(clerk, p.id, "amend", {"amount": str(value), "reason": "施工中发现需增加工程量，经村民代表会议同意",
                                            "amended_on": (signed + datetime.timedelta(days=20)).isoformat()})
    clock["t"] += datetime.timedelta(days=30)
    if amend or pay:
        services.step(clerk, p.id, "milestone", {"title": "主体工程完工", "done_on": (signed + datetime.timedelta(days=30)).isoformat()})
    services.step(clerk, p.id, "accept", {"title": "竣工验收", "done_on": (signed + datetime.timedelta(days=40)).isoformat()})
    services.step(clerk, p.id, "pay", {"amount": str((value * Decimal(str(pay or 1))).quantize(Decimal("0.01"))),
                                       "paid_on": (signed + datetime.timedelta(days=45)).isoformat()})
    return p


def load(ctx):
    rng = random.Random(13)
    villages = list(ctx.villages.items())
    with _clock() as clock:
        t = START
        for n in range(7):  # ordinary processes: competitive, no flag
            slug, village = villages[n % len(villages)]
            budget = Decimal(rng.choice([38000, 52000, 67000, 135000, 260000, 420000, 1350000]))
            pool = [10 * n + k for k in range(5)]
            chosen = rng.sample(pool, 3)
            amounts = sorted(rng.uniform(0.84, 0.95) for _ in chosen)
            amounts = [amounts[0], amounts[0] + rng.uniform(0.015, 0.05), amounts[0] + rng.uniform(0.055, 0.09)]
            bids = [(no, (budget * Decimal(str(round(a, 4)))).quantize(Decimal("1"))) for no, a in zip(chosen, amounts)]
            _run(ctx.users[f"clerk_{slug}"], village, t, clock, f"{village.name}{WORKS[n % len(WORKS)]}工程", budget, bids)
            t += datetime.timedelta(days=85)
        _cases(ctx, clock)


def _cases(ctx, clock):
    """One process (or group) per red flag, at the end of the two years."""
    v = ctx.villages
    c = lambda slug: ctx.users[f"clerk_{slug}"]  # noqa: E731
    t = START + datetime.timedelta(days=620)
    day = datetime.timedelta(days=1)
    _run(c("houxi"), v["houxi"], t, clock, "后溪村老人活动室改造工程", 58000, [(201, 55000)])  # R018 single bid
    _run(c("shicheng"), v["shicheng"], t + 2 * day, clock, "石埕村停车场铺装工程", 88000,
         [(202, 87600), (203, 87900), (204, 88000)])  # R031 at the budget
    _run(c("yangping"), v["yangping"], t + 4 * day, clock, "洋坪村村道拓宽工程", 280000,
         [(205, 246000), (206, 252000), (207, 246000)])  # R028 identical bids
    _run(c("donghu"), v["donghu"], t + 6 * day, clock, "东湖社区雨污分流工程", 460000,
         [(208, 410000), (209, 392000), (210, 425000)], award=0, reason="报价最低单位近三年有质量投诉记录")  # lowest not awarded
    _run(c("guixiang"), v["guixiang"], t + 8 * day, clock, "桂香社区外立面整治工程", 72000,
         [(211, 61000), (212, 64000)], award=0, late=(0,))  # R030 late bid won
    _run(c("shuangluan"), v["shuangluan"], t + 10 * day, clock, "双滦村机耕路硬化工程", 160000,
         [(213, 141000), (214, 128000), (215, 150000)], award=0,
         evaluate={1: "资质证书过期", 2: "未按要求密封"})  # R035 others disqualified + R036 lowest disqualified
    _run(c("lingtou"), v["lingtou"], t + 12 * day, clock, "岭头村山塘清淤工程", 96000,
         [(216, 83000), (217, 86000)], amend=1.25, pay=1.0)  # R069 amendment +25%
    _run(c("houxi"), v["houxi"], t + 14 * day, clock, "后溪村篮球场改造工程", 64000,
         [(218, 55000), (219, 58000)], pay=1.08)  # R068 overpaid
    _run(c("shicheng"), v["shicheng"], t + 16 * day, clock, "石埕村水渠修复工程", 48000,
         [(220, 41000, "13905958888"), (221, 42500, "13905958888"), (222, 44000)])  # shared contact
    _run(c("yangping"), v["yangping"], t + 18 * day, clock, "洋坪村荷塘护栏工程", 45000,
         [(223, 39000), (224, 41000)], period_days=1)  # R003 one-day submission period
    _run(c("donghu"), v["donghu"], t + 20 * day, clock, "东湖社区消防通道改造工程", 300000,
         [(225, 180000), (226, 282000), (227, 290000)])  # R024 outlying gap
    for i, (title, budget) in enumerate([("岭头村一组道路硬化工程", 96000), ("岭头村二组道路硬化工程", 97500),
                                         ("岭头村三组道路硬化工程", 98800)]):  # R011 split under 10万
        _run(c("lingtou"), v["lingtou"], t + (22 + 20 * i) * day, clock, title, budget, [(228 + i, budget - 6000), (231 + i, budget - 3000)])
    for i, slug in enumerate(["guixiang", "guixiang", "guixiang"]):  # R057 rotation among the same three
        winner = i
        amounts = [150000 + 4000 * ((k - winner) % 3) for k in range(3)]
        _run(c(slug), v[slug], t + (24 + 15 * i) * day, clock, f"桂香社区{['一', '二', '三'][i]}期道路修补工程", 170000,
             [(240, amounts[0]), (241, amounts[1]), (242, amounts[2])])
    for i, slug in enumerate(["houxi", "shuangluan", "lingtou"]):  # R_SERIAL: one winner in three villages
        _run(c(slug), v[slug], t + (30 + 10 * i) * day, clock, f"{v[slug].name}便民桥维修工程", 120000,
             [(250, 101000), (251 + i, 108000)])
