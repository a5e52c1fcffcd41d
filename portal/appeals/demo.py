"""A year of appeals in every demo village, through the real services (every step audited).

Each village gets the same mix of stories, spread over the past year: fixed and rated
satisfied, closed without fixing, reopened after 不满意, rejected, duplicate, not ours,
escalated to the township (吹哨报到), one overdue, some still open. Handlers: the grid
workers the demo county has, plus one intake handler per village (便民服务站) and one per
township (综治中心).
"""
import datetime

from portal.accounts.services import create_user
from portal.appeals import services
from portal.core.clock import utcnow

PASSWORD = "sunlight-demo-2026"  # the demo county's one password (portal.demo.DEMO_PASSWORD)

# (category, text, place) — what villagers write about
TEXTS = [
    ("utilities", "村口到小学的路灯坏了三盏，晚上孩子放学很黑，请尽快修理。", "村口至小学路段"),
    ("environment", "溪边垃圾桶已经满了好几天没人清运，天热有臭味。", "溪边公厕旁"),
    ("land", "邻居盖房占了我家宅基地边上半米，协商不成，请村里调解。", "后山脚"),
    ("utilities", "三组自来水这两天水压很低，楼上基本没水。", "三组"),
    ("other", "邻居借我的钱两年了不还，请村里帮我要回来。", ""),
    ("environment", "溪边垃圾桶满了没人清运，味道很大，请安排清理。", "溪边公厕旁"),
    ("other", "想咨询社保卡丢了在哪里补办。", ""),
    ("safety", "老祠堂后墙有裂缝，下大雨怕倒塌，旁边有人住。", "老祠堂后"),
    ("roads", "村道中段有个大坑，下雨积水，电动车已经摔过两次。", "村道中段"),
    ("environment", "有人在河道里倒建筑垃圾，已经堵了一半。", "下游河道"),
    ("utilities", "广场的健身器材坏了一个，螺丝松动，老人用着不安全。", "文化广场"),
    ("welfare", "我家老人八十多岁独居，想问高龄补贴怎么申请，需要什么材料。", ""),
    ("affairs", "去年修水渠的账目没有公开，村民想看看花了多少钱。", ""),
    ("welfare", "残疾人两项补贴这个季度还没到账，麻烦查一下。", ""),
]
# What happens to the appeal with the same index above, and how many days ago it was filed
STORIES = ["fixed", "fixed_basic", "unfixed", "reopened_then_fixed", "rejected", "duplicate", "not_ours",
           "escalated", "in_progress", "overdue", "submitted", "replied", "closed_by_staff", "waiting"]
DAYS_AGO = [350, 320, 290, 260, 230, 200, 170, 140, 2, 40, 0, 3, 100, 6]


def _handlers(ctx, slug, village):
    township = village.parent
    name = f"handler_{slug}"
    if name not in ctx.users:
        ctx.users[name] = create_user(name, "handler", village.code, PASSWORD, f"{village.name}便民服务站")[0]
    tname = f"handler_{township.code[6:9]}"
    if tname not in ctx.users:
        ctx.users[tname] = create_user(tname, "handler", township.code, PASSWORD, f"{township.name}综治中心")[0]
    return ctx.users[name], ctx.users.get(f"grid_{slug}"), ctx.users[tname]


def _story(story, appeal_id, village_handler, grid_worker, township_handler, grid, start, resident, receipt):
    step = services.act
    at = start

    def later(hours):
        nonlocal at
        at = at + datetime.timedelta(hours=hours)
        return services.clock_at(at)

    if story == "submitted":
        return
    with later(1):
        if story == "rejected":
            step(village_handler, appeal_id, "reject", {"note": "反映的是私人债务纠纷，不属于村务，建议向法院起诉。"})
            return
        if story == "not_ours":
            step(village_handler, appeal_id, "not_ours", {"note": "社保卡补办请到县社保中心或工商银行网点办理。"})
            return
        if story == "duplicate":
            original = services.Appeal.select().where(
                (services.Appeal.village == grid.parent_id) & (services.Appeal.category == "environment")
                & (services.Appeal.id != appeal_id)).order_by(services.Appeal.id).first()
            step(village_handler, appeal_id, "duplicate", {"to": original.id})
            return
        step(village_handler, appeal_id, "accept", {})
    worker = grid_worker if grid_worker is not None else village_handler
    with later(2):
        step(village_handler, appeal_id, "dispatch", {"to": grid.code if grid_worker else grid.parent_id,
                                                      "note": "请网格员现场核实处理。"})
    if story == "overdue":
        with later(3):
            step(worker, appeal_id, "start", {})
        return
    with later(3):
        step(worker, appeal_id, "start", {"note": "已到现场查看。"})
    if story == "in_progress":
        return
    if story == "waiting":
        with later(4):
            step(worker, appeal_id, "wait", {"note": "请补充残疾证办理时间和所在组别，方便核查。"})
        return
    if story == "escalated":
        with later(20):
            row = step(worker, appeal_id, "escalate", {"note": "需要镇水利站和城建办配合，网格解决不了。",
                                                       "departments": ["镇水利站", "镇城建办"]})
        if row.holder.level == "village":
            with later(5):
                step(village_handler, appeal_id, "escalate", {"note": "村里也协调不了，请镇里牵头。"})
        with later(24):
            step(township_handler, appeal_id, "report", {"department": "镇城建办", "note": "已派施工队勘察。"})
        with later(48):
            step(township_handler, appeal_id, "reply", {"note": "镇里牵头加固了后墙，并设置警示标志。", "outcome": "fixed"})
        _rate(appeal_id, "satisfied", resident, receipt, later(30))
        return
    outcome = "unfixed" if story == "unfixed" else "fixed"
    note = "已经处理好了，请您查看。" if outcome == "fixed" else "涉及历史遗留问题，本次未能解决，已登记并解释原因。"
    with later(20):
        step(worker, appeal_id, "reply", {"note": note, "outcome": outcome})
    if story == "replied":
        return
    if story == "closed_by_staff":
        with later(24 * 8):
            step(village_handler, appeal_id, "close", {"note": "七日内未评价，按办结处理。"})
        return
    if story == "reopened_then_fixed":
        _rate(appeal_id, "unsatisfied", resident, receipt, later(10), "过了两天水压又低了。")
        with later(24):
            step(worker, appeal_id, "reply", {"note": "更换了整段水管，水压已恢复。", "outcome": "fixed"})
        _rate(appeal_id, "satisfied", resident, receipt, later(12))
        return
    _rate(appeal_id, "basic" if story in ("fixed_basic", "unfixed") else "satisfied", resident, receipt, later(8))


def _rate(appeal_id, level, resident, receipt, clock, comment=""):
    with clock:
        services.rate(appeal_id, level, user=None if receipt else resident, receipt=receipt, comment=comment)


def load(ctx):
    now = utcnow()
    for slug, village in ctx.villages.items():
        village_handler, grid_worker, township_handler = _handlers(ctx, slug, village)
        resident = ctx.users.get(f"resident_{slug}")
        grids = sorted(village.children, key=lambda g: g.code)
        for index, (category, text, place) in enumerate(TEXTS):
            story, days = STORIES[index], DAYS_AGO[index]
            grid = grids[index % len(grids)]
            start = now - datetime.timedelta(days=days, hours=index % 5)
            signed_in = index % 3 == 0
            with services.clock_at(start):
                row, receipt, _ = services.file_appeal(
                    village.code, category, text, grid_code=grid.code, 
                    place=place, user=resident if signed_in else None)
            worker = grid_worker if grid_worker is not None and grid_worker.unit_id == grid.code else None
            _story(story, row.id, village_handler, worker, township_handler, grid, start, resident, receipt)
