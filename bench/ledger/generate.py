"""A county's three capitals at scale for the ledger benchmark, written straight into the tables.

    nice -n 15 env PYTHONPATH=. python bench/ledger/generate.py [--entries 1000000] [--dir /tmp/bench-data/ledger]

One county, 20 townships of 15 villages (300 villages), each village's ledger from 2024-01 to
last month: villages of uneven size (log-normal weights), more vouchers in January and December,
the kinds of entry a village's accounts hold (transfers from above, lease and shop rents, solar
income, street-light power, cleaning, office supplies in cash, hardship grants, works paid on a
meeting's decision), a cash box kept under the limit by the clerk except on a few days, 97% of
expenses with an invoice, 90% of large ones with a decision, a few reversals, counterparties with
credit codes (1% failing the check character), leases on the villages' land, forest, water and
waste land with yearly schedules and their payments (a few in arrears, a few far below the
township's rents, some expiring, some expired without a successor), assets, and the months:
published up to two months ago, last month approved, this month open.

No audit entries are written for the generated rows (the statements and the rules read rows
only); the import the benchmark times writes its own, through the real service. The instance
is kept in ``--dir`` and reused: ``run.py`` copies it before it writes anything.
"""
import argparse
import datetime
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEFAULT_DIR = "/tmp/bench-data/ledger"
COUNTY = "359800000000"
TOWNSHIPS, VILLAGES = 20, 15
FIRST_MONTH = (2024, 1)
PASSPHRASE = "bench-ledger-2026"
SEASON = {1: 1.35, 2: 0.8, 3: 1.0, 4: 0.95, 5: 1.0, 6: 1.1, 7: 0.95, 8: 0.9, 9: 1.0, 10: 0.95, 11: 1.0, 12: 1.45}

# (weight, account, direction, summary, settlement, low fen, high fen)
KINDS = [
    (7, "522", "income", "上级转移支付（村级组织运转经费）", "bank", 3_000_000, 6_000_000),
    (3, "522", "income", "一事一议财政奖补资金", "bank", 5_000_000, 30_000_000),
    (6, "501", "income", "村集体光伏发电收入", "bank", 150_000, 400_000),
    (5, "511", "income", "集体店面租金", "bank", 800_000, 2_400_000),
    (4, "531", "income", "村民理事会捐款", "cash", 10_000, 150_000),
    (2, "531", "income", "银行存款利息", "bank", 1_000, 30_000),
    (1, "561", "income", "村股份经济合作社分红", "bank", 2_000_000, 10_000_000),
    (12, "541", "expense", "村道路灯电费", "bank", 60_000, 200_000),
    (10, "541", "expense", "环境卫生保洁劳务费", "bank", 300_000, 600_000),
    (12, "541", "expense", "办公用品", "cash", 5_000, 60_000),
    (6, "541", "expense", "村干部误工补贴", "bank", 200_000, 800_000),
    (6, "541", "expense", "会议茶水费", "cash", 5_000, 40_000),
    (4, "541", "expense", "网络通信费", "bank", 20_000, 60_000),
    (5, "502", "expense", "光伏设备维护", "bank", 50_000, 200_000),
    (3, "502", "expense", "集体店面维修", "bank", 100_000, 1_500_000),
    (6, "551", "expense", "困难群众慰问金", "cash", 20_000, 200_000),
    (3, "551", "expense", "水利设施维护", "bank", 200_000, 2_000_000),
    (2, "551", "expense", "村道修缮工程款", "bank", 3_000_000, 30_000_000),
]
RESOURCE_KINDS = ("土地", "林地", "水面", "四荒地")
ASSET_KINDS = ("房屋", "设备", "车辆", "道路桥梁", "水利设施")
SURNAMES = "陈林黄王郑吴刘许蔡张李杨洪苏庄曾"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CASH_LIMIT = 500_000  # fen: the rule's default 5,000 yuan


def uscc(rng, valid=True):
    body = "91350528" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
    check = USCC_ALPHABET[(31 - total % 31) % 31]
    if not valid:
        check = USCC_ALPHABET[(USCC_ALPHABET.index(check) + 1 + rng.randrange(29)) % 31]
    return body + check


def months_between(first, last):
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def month_days(year, month):
    nxt = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - datetime.timedelta(days=1)).day


def insert(database, table, names, rows):
    """Plain tuples through one executemany per chunk (peewee's per-row dicts cost more than SQLite)."""
    sql = f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})'
    with database.atomic():
        database.connection().executemany(sql, rows)


def build_units(rng):
    from portal.units.models import Unit
    rows = [{"code": COUNTY, "name": "基准县", "level": "county", "parent": None, "path": f"/{COUNTY}/"}]
    villages = []
    for t in range(TOWNSHIPS):
        tcode = f"3598{t + 1:02d}000000"
        rows.append({"code": tcode, "name": f"第{t + 1}镇", "level": "township", "parent": COUNTY,
                     "path": f"/{COUNTY}/{tcode}/"})
        for v in range(VILLAGES):
            vcode = tcode[:6] + f"{v + 1:03d}" + "000"
            rows.append({"code": vcode, "name": f"第{t + 1}镇{v + 1}村", "level": "village", "parent": tcode,
                         "path": f"/{COUNTY}/{tcode}/{vcode}/"})
            villages.append((vcode, tcode))
    for i in range(0, len(rows), 500):
        Unit.insert_many(rows[i:i + 500]).execute()
    return villages


def fen_str(fen):
    return f"{fen // 100}.{fen % 100:02d}"


class Ids:
    def __init__(self):
        self.entry = 0
        self.invoice = 0

    def next_entry(self):
        self.entry += 1
        return self.entry


def build_registers(database, rng, villages, today):
    """Assets, resources and leases with schedules; returns {village: [(contract id, due day, fen)]}."""
    base_rent = {t: rng.randrange(30_000, 90_000) for _v, t in villages}  # fen per 亩 per year by township
    kind_factor = {"土地": 1.0, "林地": 0.35, "水面": 0.8, "四荒地": 0.2}
    asset_rows, contract_rows, dues = [], [], {}
    asset_id = contract_id = 0
    now = datetime.datetime(2026, 1, 1)
    ledger_start = datetime.date(*FIRST_MONTH, 1)
    for village, township in villages:
        for k in range(rng.randrange(6, 14)):
            asset_id += 1
            kind = ASSET_KINDS[k % len(ASSET_KINDS)]
            asset_rows.append((asset_id, "registered", None, now, now, village, "asset", kind, f"{kind}{k + 1}号", "村部",
                               None, rng.randrange(5_000_000, 300_000_000), datetime.date(2010 + k % 12, 3, 1), "购建",
                               rng.choice(SURNAMES) + "某", "in_use", None))
        dues[village] = []
        for k in range(rng.randrange(6, 11)):
            asset_id += 1
            kind = RESOURCE_KINDS[k % 4]
            area = rng.randrange(500, 20_000)  # hundredths of 亩
            asset_rows.append((asset_id, "registered", None, now, now, village, "resource", kind, f"{kind}{k + 1}片",
                               f"{k + 1}组", f"{area // 100}.{area % 100:02d}", None, None, "集体所有",
                               rng.choice(SURNAMES) + "某", "leased", None))
            rent = int(base_rent[township] * kind_factor[kind] * rng.uniform(0.85, 1.15))
            if rng.random() < 0.03:
                rent = int(rent * 0.3)  # far below the township's comparable rents
            start = datetime.date(rng.randrange(2019, 2026), rng.randrange(1, 13), 1)
            years = rng.choice((3, 5, 5, 8, 10))
            end = datetime.date(start.year + years, start.month, 1) - datetime.timedelta(days=1)
            yearly = rent * area // 100
            successor = end < today and rng.random() < 0.85
            state = "ended" if successor else "active"
            terms = [(start, end, state)]
            if successor:
                terms.append((end + datetime.timedelta(days=1), datetime.date(end.year + 5, end.month, min(end.day, 28)),
                              "active"))
            for term in terms:
                t_start, t_end, t_state = term
                contract_id += 1
                schedule = []
                day = t_start
                while day <= t_end:
                    if day >= ledger_start:  # what falls due since the ledger started in the portal
                        schedule.append({"due": day.isoformat(), "amount": fen_str(yearly)})
                        if day < today and not (rng.random() < 0.04):  # a few left unpaid
                            dues[village].append((contract_id, day + datetime.timedelta(days=rng.randrange(0, 20)),
                                                  yearly, kind))
                    day = datetime.date(day.year + 1, day.month, day.day)
                code = uscc(rng, valid=rng.random() > 0.01) if rng.random() < 0.4 else ""
                contract_rows.append((contract_id, t_state, None, now, now, village, "lease",
                                      f"{kind}{k + 1}片承包合同", rng.choice(SURNAMES) + "某农业合作社",
                                      code, f"{kind}{k + 1}片", asset_id, f"{area // 100}.{area % 100:02d}", rent,
                                      "yuan_per_mu_year", t_start, t_end, json.dumps(schedule, ensure_ascii=False),
                                      f"meeting:{rng.randrange(1, 5000)}"))
    insert(database, "asset", ["id", "state", "audit_index", "created_at", "updated_at", "village_id", "register",
                               "kind", "name", "location", "area_mu", "value_fen", "acquired_on", "acquisition",
                               "custodian", "status", "disposal_publication"], asset_rows)
    insert(database, "contract", ["id", "state", "audit_index", "created_at", "updated_at", "village_id", "kind",
                                  "title", "counterparty", "counterparty_code", "object", "asset_id", "area_mu",
                                  "amount_fen", "unit", "start", "end", "schedule", "decision"], contract_rows)
    return dues, len(asset_rows), len(contract_rows)


ENTRY_COLUMNS = ["id", "state", "audit_index", "created_at", "updated_at", "village_id", "year", "month", "voucher_no",
                 "date", "summary", "account", "direction", "amount_fen", "settlement", "counterparty",
                 "counterparty_code", "handler", "approver", "reverses_id", "contract_id", "decision", "batch_id"]
INVOICE_COLUMNS = ["id", "entry_id", "filename", "mime", "sha256", "data", "public_data", "thumbnail", "created_at"]
PERIOD_COLUMNS = ["id", "state", "audit_index", "created_at", "updated_at", "village_id", "month", "review_note",
                  "approved_at", "published_at", "publication_id"]


def build_ledger(database, rng, villages, dues, n_entries, today):
    last = (today.year, today.month)
    months = list(months_between(FIRST_MONTH, last))
    published_until = months[-3]  # two months ago and before: published; last month approved; this month open
    weights = [math.exp(rng.gauss(0, 0.55)) for _ in villages]
    season = [SEASON[m] for _y, m in months]
    season[-1] *= today.day / month_days(*last)  # this month so far
    scale = n_entries / (sum(weights) * sum(season))
    kinds_w = [k[0] for k in KINDS]
    counterparties = [(rng.choice(SURNAMES) + f"{i}号商户", uscc(rng, valid=rng.random() > 0.01)) for i in range(600)]
    ids = Ids()
    entries, invoices, period_rows = [], [], []
    pdf = b"%PDF-1.4\n% bench invoice\n%%EOF\n"
    written = 0
    period_id = 0
    made = datetime.datetime(2026, 1, 1)
    opening_rows = []

    def flush():
        nonlocal entries, invoices
        if entries:
            insert(database, "entry", ENTRY_COLUMNS, entries)
        if invoices:
            insert(database, "invoice", INVOICE_COLUMNS, invoices)
        entries, invoices = [], []

    for vi, (village, _township) in enumerate(villages):
        cash = rng.randrange(100_000, 400_000)
        opening_rows.append((village, datetime.date(2023, 12, 31), cash, rng.randrange(20_000_000, 200_000_000)))
        payments = sorted(dues.get(village, []), key=lambda d: d[1])
        seq = {}
        for mi, (year, month) in enumerate(months):
            key = f"{year}-{month:02d}"
            target = weights[vi] * season[mi] * scale
            n = max(3, round(rng.gauss(target, math.sqrt(target))))
            days = month_days(year, month) if (year, month) != last else max(1, today.day)
            state = "published" if (year, month) <= published_until else "recorded"
            lines = []
            for _ in range(n):
                k = rng.choices(KINDS, kinds_w)[0]
                _w, account, direction, summary, settlement, low, high = k
                amount = int(math.exp(rng.uniform(math.log(low), math.log(high))))
                lines.append((datetime.date(year, month, rng.randrange(1, days + 1)), account, direction, summary,
                              settlement, amount, None, None))
            while payments and payments[0][1].strftime("%Y-%m") == key:
                contract, day, fen, kind = payments.pop(0)
                if day <= today:
                    lines.append((day, "511", "income", f"{kind}承包费", "bank", fen, contract, None))
            for line in sorted(lines, key=lambda x: x[0]):
                day, account, direction, summary, settlement, amount, contract, _ = line
                if settlement == "cash":
                    if direction == "income" and cash + amount > CASH_LIMIT and rng.random() < 0.97:
                        settlement = "bank"  # the clerk banks it the same day
                    elif direction == "expense" and amount > cash:
                        settlement = "bank"
                if settlement == "cash":
                    cash += amount if direction == "income" else -amount
                seq[year] = seq.get(year, 0) + 1
                decision = ""
                if direction == "expense" and amount >= 3_000_000 and rng.random() < 0.9:
                    decision = f"meeting:{rng.randrange(1, 5000)}"
                who, code = ("", "")
                if rng.random() < 0.25:
                    who, code = rng.choice(counterparties)
                entry_id = ids.next_entry()
                entries.append((entry_id, state, None, made, made, village, year, key, f"记-{seq[year]:04d}", day,
                                summary, account, direction, amount, settlement, who, code,
                                rng.choice(SURNAMES) + "某", "村委会主任", None, contract, decision, None))
                if direction == "expense" and rng.random() < 0.97:
                    ids.invoice += 1
                    invoices.append((ids.invoice, entry_id, "发票.pdf", "application/pdf",
                                     f"{rng.getrandbits(256):064x}", pdf, None, None, made))
                if rng.random() < 0.003:  # a mistake caught in the month: 红字冲销 later in the month
                    seq[year] += 1
                    entries.append((ids.next_entry(), state, None, made, made, village, year, key,
                                    f"记-{seq[year]:04d}", day, f"冲销记-{seq[year] - 1:04d}：{summary}"[:200], account,
                                    direction, -amount, settlement, who, code, "", "", entry_id, contract, "", None))
                    if settlement == "cash":
                        cash -= amount if direction == "income" else -amount
            written += n
            period_id += 1
            if (year, month) <= published_until:
                pstate, approved, published = "published", made, made
            elif (year, month) < last:
                pstate, approved, published = "approved", made, None
            else:
                pstate, approved, published = "open", None, None
            period_rows.append((period_id, pstate, None, made, made, village, key, "", approved, published, None))
            if len(entries) >= 20_000:
                flush()
        if vi % 50 == 49:
            print(f"  {vi + 1} villages, {ids.entry} entries", flush=True)
    flush()
    insert(database, "period", PERIOD_COLUMNS, period_rows)
    insert(database, "opening", ["village_id", "as_of", "cash_fen", "bank_fen"], opening_rows)
    return ids.entry, ids.invoice, len(period_rows)


def make_app(instance):
    from portal import create_app
    return create_app({"TESTING": True, "INSTANCE_DIR": str(instance), "SEARCH_SYNC": False,
                       "SEARCH_NO_CATCH_UP": True, "AUDIT_CHECKPOINT_INTERVAL": 0,
                       "AUDIT_KEY_PASSPHRASE": PASSPHRASE,
                       "AUDIT_KEY_PASSPHRASE_FILE": str(Path(instance).parent / "unused.audit-passphrase")})


def generate(directory, n_entries, seed=12):
    instance = Path(directory) / "instance"
    done = Path(directory) / f"done-{n_entries}"
    if done.exists():
        return instance
    if instance.exists():
        import shutil
        shutil.rmtree(instance)
    app = make_app(instance)
    from portal.core.clock import today
    from portal.core.db import connection, database
    from portal.ledger import charts, entries, totals
    rng = random.Random(seed)
    start = time.perf_counter()
    with app.app_context(), connection():
        charts.ensure_charts()
        villages = build_units(rng)
        day = today()
        dues, n_assets, n_contracts = build_registers(database, rng, villages, day)
        n, n_inv, n_periods = build_ledger(database, rng, villages, dues, n_entries, day)
        entries.count_invoices(database)  # what each attach keeps, for the rows written in bulk
        totals.rebuild()  # what each write of entries keeps
        database.execute_sql("ANALYZE")
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"generated {n} entries, {n_inv} invoices, {n_periods} months, {n_assets} register entries, "
          f"{n_contracts} contracts in {len(villages)} villages in {time.perf_counter() - start:.0f}s ({instance})")
    done.write_text(json.dumps({"entries": n, "invoices": n_inv, "villages": len(villages)}))
    return instance


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--dir", default=DEFAULT_DIR)
    args = parser.parse_args()
    generate(args.dir, args.entries)


if __name__ == "__main__":
    main()
