"""The demo county 清源县 (fictional, modelled on the Quanzhou practice in the seeds).

Demo accounts share one password and are for demonstration only: never load
the demo into a real county's database. Domains add their own demo content in
``portal/<domain>/demo.py`` and declare it (``Domain.demo``); they run after the
tree and the people exist, in ``demo_order``.
"""
from portal.accounts.models import User
from portal.core import registry
from portal.accounts.services import create_user
from portal.units.models import Unit
from portal.units.services import create_unit

DEMO_PASSWORD = "sunlight-demo-2026"

COUNTY = ("350528000000", "清源县", "县委组织部", "0595-22881234")
TOWNSHIPS = [
    ("350528100000", "南岭镇", "陈建国", "0595-22880101", [
        ("350528100200", "后溪村", "houxi", "黄丽华", "13905951201", ["第一网格", "第二网格"]),
        ("350528100210", "石埕村", "shicheng", "林志强", "13905951202", ["东片网格", "西片网格"]),
        ("350528100220", "洋坪村", "yangping", "王秀英", "13905951203", ["上洋网格", "下坪网格"]),
    ]),
    ("350528001000", "东湖街道", "郑美玲", "0595-22880202", [
        ("350528001200", "东湖社区", "donghu", "吴海燕", "13905951204", ["湖滨网格", "新村网格"]),
        ("350528001210", "桂香社区", "guixiang", "蔡伟明", "13905951205", ["桂香一网格", "桂香二网格"]),
    ]),
    ("350528200000", "溪口乡", "许振华", "0595-22880303", [
        ("350528200200", "双滦村", "shuangluan", "刘桂兰", "13905951206", ["溪南网格", "溪北网格"]),
        ("350528200210", "岭头村", "lingtou", "张国梁", "13905951207", ["岭上网格", "岭下网格"]),
    ]),
]
GRID_WORKERS = ["李明辉", "周小燕", "何建平", "杨春梅", "苏国荣", "洪丽娟", "施永福", "骆淑珍",
                "庄文斌", "曾玉兰", "谢金水", "潘秀琴", "黄志勇", "翁美华"]


class DemoContext:
    """What a domain's demo loader gets: the units and users by short name."""

    def __init__(self):
        self.villages = {}
        self.townships = {}
        self.users = {}


def demo_accounts():
    """(username, role, unit name) rows for README and run.py."""
    rows = [(u.username, u.role, u.unit.name if u.unit else "清源县")
            for u in User.select().order_by(User.role, User.username)]
    return rows


def _user(ctx, username, role, unit, display):
    user, _ = create_user(username, role, unit.code if unit else None, DEMO_PASSWORD, display)
    ctx.users[username] = user
    return user


def load_demo():
    """Load the demo county into an empty database; returns False when units already exist."""
    if Unit.select().exists():
        return False
    ctx = DemoContext()
    county = create_unit(None, COUNTY[0], COUNTY[1], "county", None, COUNTY[2], COUNTY[3])
    worker = iter(GRID_WORKERS)
    for t_order, (t_code, t_name, t_contact, t_phone, villages) in enumerate(TOWNSHIPS):
        township = create_unit(None, t_code, t_name, "township", county.code, t_contact, t_phone, t_order)
        ctx.townships[t_code] = township
        for v_order, (v_code, v_name, slug, v_contact, v_phone, grids) in enumerate(villages):
            village = create_unit(None, v_code, v_name, "village", township.code, v_contact, v_phone, v_order)
            ctx.villages[slug] = village
            for g_order, g_name in enumerate(grids, start=1):
                name = next(worker)
                phone = f"1380595{int(v_code[-4:]) + g_order:04d}"
                grid = create_unit(None, v_code[:-1] + str(g_order), g_name, "grid", village.code, name, phone, g_order)
                if g_order == 1:
                    _user(ctx, f"grid_{slug}", "handler", grid, name)
            _user(ctx, f"clerk_{slug}", "clerk", village, f"{v_name}发布员")
            _user(ctx, f"supervisor_{slug}", "supervisor", village, f"{v_name}监委会")
            _user(ctx, f"resident_{slug}", "resident", village, f"{v_name}村民")
        _user(ctx, f"inspector_{t_code[6:9]}", "inspector", township, f"{t_name}纪委")
    _user(ctx, "inspector_county", "inspector", county, "县纪委监委")
    _user(ctx, "admin", "admin", None, "平台管理员")
    _load_domains(ctx)
    return True


PROJECTIONS_ORDER = 90  # demo steps from here on rebuild projections (red flags 99, dashboard 100)


def _load_domains(ctx):
    """Every domain's demo content, with the after-commit projections held back until the end.

    Recomputing red flags and dashboard figures after each of the demo's thousands of commits
    took three quarters of the load; the steps at ``PROJECTIONS_ORDER`` and after rebuild them
    once from the rows, and the search index is rebuilt once, so the result is the same.
    """
    from flask import current_app
    reg = registry.of()
    ordered = sorted((d for d in reg.domains.values() if d.demo is not None), key=lambda d: d.demo_order)
    saved = {name: list(subs) for name, subs in reg.subscribers.items()}
    try:
        for subs in reg.subscribers.values():
            subs.clear()
        for domain in ordered:
            if domain.demo_order < PROJECTIONS_ORDER:
                domain.demo(ctx)
    finally:
        for name, subs in saved.items():
            reg.subscribers[name][:] = subs
    search = current_app.extensions.get("search")
    if search is not None:
        search.rebuild()
    for domain in ordered:
        if domain.demo_order >= PROJECTIONS_ORDER:
            domain.demo(ctx)
