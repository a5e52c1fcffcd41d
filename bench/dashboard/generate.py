"""A county-scale database for the dashboard benchmark, written in bulk into the domains' own tables.

One county, 20 townships, 300 villages, and at scale 1.0 the issue's sizes (the other domains'
benchmark sizes together): 1M ledger entries (two years, every month published), 1M appeals
(70% of the closed ones rated), 20k works projects (their bids and eight OCDS releases each),
500k seal uses (four seals per village), 200k publications (~10% with a 公示 period), 20k
objections, 5k meetings, the demo's duty rules. Rows are plain tuples through one executemany per
batch (no audit entries, no ORM objects): the figures and the export read rows only.
"""
import datetime
import json
import random
from decimal import Decimal

from portal.core.db import database

TOWNSHIPS, VILLAGES_PER_TOWNSHIP = 20, 15
COUNTY = "350528000000"
BATCH = 20_000


def _value(v):
    if isinstance(v, datetime.datetime):
        return v.isoformat(" ")
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return v


def insert(model, rows):
    """Dicts keyed by field name; missing fields take their default (computed once per batch)."""
    if not rows:
        return
    fields = [f for f in model._meta.sorted_fields if not (f is model._meta.primary_key and f.name not in rows[0])]
    defaults = {}
    for f in fields:
        if f.name not in rows[0]:
            d = f.default() if callable(f.default) else f.default
            if d is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name} needs a value")
            defaults[f.name] = _value(d)
    names = [f.name for f in fields]
    paramstyle = "%s" if database.__class__.__name__.startswith("Postgres") else "?"
    sql = (f'INSERT INTO "{model._meta.table_name}" ({", ".join(chr(34) + f.column_name + chr(34) for f in fields)}) '
           f'VALUES ({", ".join([paramstyle] * len(fields))})')
    values = [tuple(_value(r[n]) if n in r else defaults[n] for n in names) for r in rows]
    with database.atomic():
        cursor = database.cursor()
        cursor.executemany(sql, values)


def batched(total, make, table):
    rows = []
    for i in range(total):
        rows.append(make(i))
        if len(rows) >= BATCH:
            insert(table, rows)
            rows = []
    insert(table, rows)


def units():
    from portal.units.models import Unit
    rows = [dict(code=COUNTY, name="基准县", level="county", parent=None, path=f"/{COUNTY}/")]
    villages = []
    for t in range(TOWNSHIPS):
        tcode = f"350528{t + 1:03d}000"
        rows.append(dict(code=tcode, name=f"第{t + 1}镇", level="township", parent=COUNTY, path=f"/{COUNTY}/{tcode}/"))
        for v in range(VILLAGES_PER_TOWNSHIP):
            vcode = tcode[:9] + f"{v + 2:03d}"
            villages.append(vcode)
            rows.append(dict(code=vcode, name=f"第{t + 1}镇{v + 1}村", level="village", parent=tcode,
                             path=f"/{COUNTY}/{tcode}/{vcode}/"))
    with database.atomic():
        for chunk in range(0, len(rows), 200):
            Unit.insert_many(rows[chunk:chunk + 200]).execute()
    return villages


def publications(rng, villages, now, n, objections, meetings):
    from portal.accounts.models import User
    from portal.meetings.models import Meeting
    from portal.publications.models import DutyRule, Objection, Publication
    with database.atomic():
        host = User.create(username="bench_clerk", role="clerk", unit=villages[0], display_name="基准发布员",
                           password_hash="x")
        for name, category, frequency in (("财务收支每月公开", "finance", "monthly"), ("村务每季度公开", "village", "quarterly"),
                                          ("党务每季度公开", "party", "quarterly"), ("年度结果公示", "result", "yearly")):
            DutyRule.create(name=name, category=category, frequency=frequency, grace_days=10)
    categories = ["finance", "village", "party", "pre", "result"]

    def pub(i):
        at = now - datetime.timedelta(minutes=rng.randint(0, 730 * 24 * 60))
        period = rng.random() < 0.1
        return dict(id=i + 1, village=rng.choice(villages), category=rng.choice(categories), series=i + 1, version=1,
                    status="published", title=f"基准公开{i}", body="", title_masked=f"基准公开{i}",
                    body_masked="本月收支情况公开如下。" * 3, published_at=at, created_at=at, updated_at=at, audit_index=i,
                    period_start=at.date() if period else None,
                    period_end=(at + datetime.timedelta(days=5)).date() if period else None)
    batched(n, pub, Publication)
    batched(objections, lambda i: dict(publication=rng.randint(1, n), author=host.id, text="请补充明细。",
                                       text_masked="请补充明细。", status=rng.choice(["shown", "shown", "pending"]),
                                       created_at=now), Objection)
    batched(meetings, lambda i: dict(village=rng.choice(villages), title=f"议事会{i}", kind="council", starts_at=now,
                                     place="村委会", host=host.id, links=[],
                                     status=rng.choice(["ended", "ended", "scheduled"]),
                                     peak_viewers=rng.randint(0, 80), created_at=now), Meeting)


def ledger(rng, villages, now, n):
    """Two years of entries spread over the villages, every month published; an opening per village."""
    from portal.ledger.models import Entry, Opening, Period
    first = datetime.date(now.year - 1, 1, 1)
    months = [f"{first.year + m // 12}-{m % 12 + 1:02d}" for m in range(24)
              if datetime.date(first.year + m // 12, m % 12 + 1, 1) <= now.date()]
    insert(Opening, [dict(village=v, as_of=first - datetime.timedelta(days=1), cash_fen=500_000, bank_fen=50_000_000)
                     for v in villages])
    insert(Period, [dict(village=v, month=m, state="published", audit_index=1, approved_at=now, published_at=now,
                         created_at=now, updated_at=now) for v in villages for m in months])
    seq = {}
    summaries = ["收到上级转移支付", "支付村道保洁费", "收到鱼塘承包费", "支付路灯电费", "支付会议误工补贴"]

    def entry(i):
        village = villages[i % len(villages)]
        month = months[rng.randrange(len(months))]
        year = int(month[:4])
        day = datetime.date(year, int(month[5:]), rng.randint(1, 28))
        n_ = seq[(village, year)] = seq.get((village, year), 0) + 1
        income = rng.random() < 0.4
        return dict(village=village, year=year, month=month, voucher_no=f"记-{n_:05d}", date=day,
                    summary=rng.choice(summaries), account="501" if income else "541",
                    direction="income" if income else "expense", amount_fen=rng.randint(1_000, 2_000_000),
                    settlement="cash" if rng.random() < 0.1 else "bank", counterparty="某某工程队",
                    handler="陈经手", approver="林审批", state="published", audit_index=i + 1,
                    created_at=now, updated_at=now)
    batched(n, entry, Entry)


CATS = ["utilities", "roads", "environment", "safety", "welfare", "land", "affairs", "other"]


def appeals(rng, villages, now, n):
    """As bench/appeals: states spread as a year of real filings would be; 70% of closed rated."""
    from portal.appeals.models import Appeal, AppealRating
    ratings = []

    def appeal(i):
        village = rng.choice(villages)
        created = now - datetime.timedelta(seconds=rng.randrange(365 * 86400))
        roll = rng.random()
        accepted = created + datetime.timedelta(hours=rng.uniform(0.2, 6))
        reply = accepted + datetime.timedelta(hours=rng.expovariate(1 / 40))
        closed = reply + datetime.timedelta(hours=rng.expovariate(1 / 30))
        if roll < 0.08:
            state, acc, rep, clo, due = rng.choice(["rejected", "duplicate", "not_ours"]), None, None, None, accepted
        elif roll < 0.10 or created > now - datetime.timedelta(days=3):
            state, acc, rep, clo = rng.choice(["submitted", "accepted", "dispatched", "in_progress"]), accepted, None, None
            due = accepted + datetime.timedelta(hours=rng.choice([24, 168, 360]))
            if state == "submitted":
                acc = None
        elif roll < 0.16:
            state, acc, rep, clo, due = "closed_unfixed", accepted, reply, closed, accepted + datetime.timedelta(days=7)
        else:
            state, acc, rep, clo, due = "fixed", accepted, reply, closed, accepted + datetime.timedelta(days=7)
        if clo and clo > now:
            clo, state = None, "replied"
        if clo and rng.random() < 0.7:
            ratings.append(dict(appeal=i + 1, satisfied=rng.choice(["satisfied"] * 6 + ["basic"] * 3 + ["unsatisfied"]),
                                at=clo))
        return dict(id=i + 1, state=state, created_at=created, updated_at=clo or created, village=village, grid=None,
                    holder=village, category=rng.choice(CATS), text="村道有坑，路灯不亮，请尽快处理。", due_at=due,
                    accepted_at=acc, first_reply_at=rep, replied_at=rep, closed_at=clo,
                    outcome="unfixed" if state == "closed_unfixed" else ("fixed" if rep else ""),
                    reply="已安排修复。" if rep else "")
    batched(n, appeal, Appeal)
    for chunk in range(0, len(ratings), BATCH):
        insert(AppealRating, ratings[chunk:chunk + BATCH])
    from portal.appeals import tally
    tally.rebuild()


def _release_template():
    rel = {"ocid": "@OCID@", "initiationType": "tender", "language": "zh", "buyer": {"id": "CN-ADM-x", "name": "村"}}
    tags = ["planning", "tender", "tenderUpdate", "tenderUpdate", "tenderUpdate", "award", "contract", "implementation"]
    out = []
    for seq, tag in enumerate(tags, start=1):
        body = dict(rel, id=f"@OCID@-{seq:03d}-{tag}", date="2025-01-01T09:00:00+08:00", tag=[tag],
                    tender={"id": "@OCID@-tender", "status": "active", "value": {"amount": 86000.0, "currency": "CNY"},
                            "title": "村道硬化工程", "description": "硬化村道 600 米，宽 4.5 米，含排水沟。"})
        out.append((tag, json.dumps(body, ensure_ascii=False, separators=(",", ":"))))
    return out


def projects(rng, villages, now, n):
    """As bench/projects: contracted processes with 2-5 bids (1% single), eight releases each."""
    from portal.projects.models import Bid, Project, Release
    start = now - datetime.timedelta(days=730)
    works = ["村道硬化", "排水沟改造", "路灯安装", "活动中心修缮", "饮水管网改造", "河道护岸", "公厕改造"]
    template = _release_template()
    rows, bids, releases = [], [], []
    bid_id = 0
    for i in range(1, n + 1):
        village = rng.choice(villages)
        budget = Decimal(rng.choice([40000, 60000, 90000, 150000, 300000, 600000, 1500000]))
        day = start + datetime.timedelta(days=rng.randint(0, 720))
        k = rng.randint(2, 5) if rng.random() > 0.01 else 1
        amounts = sorted(budget * Decimal(str(round(rng.uniform(0.82, 0.97), 4))) for _ in range(k))
        codes = rng.sample(range(1, 200000), k)
        win = bid_id + 1
        for a, c in zip(amounts, codes):
            bid_id += 1
            bids.append({"id": bid_id, "project": i, "bidder": f"公司{c}", "credit_code": f"91350599MA{c:07d}X",
                         "amount": a.quantize(Decimal("0.01")), "received_at": day, "late": False, "status": "valid"})
        award = amounts[0].quantize(Decimal("0.01"))
        ocid = f"ocds-xxxxxx-350528-{village[6:]}-{i:05d}"
        rows.append({"id": i, "village": village, "ocid": ocid, "title": f"{rng.choice(works)}工程{i}",
                     "budget": budget, "procedure": "quotes" if budget < 100000 else
                     "invited" if budget < 1000000 else "open", "state": "contracted",
                     "tender_start": day, "tender_deadline": day + datetime.timedelta(days=6),
                     "award_bid": win, "award_amount": award, "contract_amount": award, "contract_value": award,
                     "contract_signed_on": (day + datetime.timedelta(days=10)).date(), "paid_total": award,
                     "bid_gap": float((amounts[1] - amounts[0]) / amounts[0]) if k > 1 else None,
                     "bidder_key": "%016x" % rng.getrandbits(64), "winner_key": f"91350599MA{codes[0]:07d}X",
                     "created_at": day, "updated_at": day, "release_seq": 8, "audit_index": i})
        for seq, (tag, text) in enumerate(template, start=1):
            releases.append({"project": i, "village": village, "release_id": f"{ocid}-{seq:03d}-{tag}", "tag": tag,
                             "date": day, "data": text.replace("@OCID@", ocid), "audit_index": i})
        if len(releases) >= BATCH or i == n:
            insert(Project, rows)
            insert(Bid, bids)
            insert(Release, releases)
            rows, bids, releases = [], [], []


KEEPERS = ["陈", "林", "黄", "王", "郑", "吴", "刘", "许", "蔡", "张"]


def seals(rng, villages, now, n):
    """As bench/seals: four seals per village, uses over three years, 5% taken out."""
    from portal.seals.models import Seal, SealUse
    seal_rows = []
    for code in villages:
        for kind in ("committee", "party", "supervision", "finance"):
            keeper, approver = rng.sample(KEEPERS, 2)
            seal_rows.append(dict(id=len(seal_rows) + 1, village=code, name=f"{code}-{kind}", kind=kind,
                                  keeper=keeper + "保管", approver=approver + "审批",
                                  registered_on=datetime.date(2023, 1, 1), state="in_use", created_at=now,
                                  updated_at=now))
    insert(Seal, seal_rows)
    start = now.date() - datetime.timedelta(days=1095)

    def use(i):
        seal = seal_rows[rng.randrange(len(seal_rows))]
        used_on = start + datetime.timedelta(days=rng.randrange(1095))
        out = rng.random() < 0.05
        out_at = datetime.datetime.combine(used_on, datetime.time(2)) if out else None
        returned = out_at + datetime.timedelta(hours=rng.choice((3, 5, 30))) if out and rng.random() < 0.97 else None
        cert = rng.random() < 0.1
        return {"seal": seal["id"], "village": seal["village"], "used_on": used_on, "month": used_on.strftime("%Y-%m"),
                "purpose": "报送材料", "document": f"文件{i}", "copies": 1, "applicant": "陈某某",
                "approver": seal["approver"], "keeper": seal["keeper"], "seal_state": "in_use",
                "certificate_name": rng.choice(("无犯罪记录证明", "居住情况证明")) if cert else "",
                "left_office": out, "out_at": out_at, "returned_at": returned, "audit_index": i + 1,
                "state": "recorded" if not out or returned else "out",
                "created_at": datetime.datetime.combine(used_on, datetime.time(3)), "updated_at": now}
    batched(n, use, SealUse)


def generate(scale=1.0, seed=7, log=print):
    """Everything at ``scale`` (1.0: the issue's county); returns the village codes."""
    import time
    rng = random.Random(seed)
    now = datetime.datetime.utcnow().replace(microsecond=0)
    villages = units()
    for name, step, size in (("publications", lambda n: publications(rng, villages, now, n, int(20_000 * scale),
                                                                      int(5_000 * scale)), 200_000),
                             ("ledger entries", lambda n: ledger(rng, villages, now, n), 1_000_000),
                             ("appeals", lambda n: appeals(rng, villages, now, n), 1_000_000),
                             ("projects", lambda n: projects(rng, villages, now, n), 20_000),
                             ("seal uses", lambda n: seals(rng, villages, now, n), 500_000)):
        start = time.perf_counter()
        step(int(size * scale))
        log(f"  generated {int(size * scale):,} {name} in {time.perf_counter() - start:.0f} s")
    return villages
