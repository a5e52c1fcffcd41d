"""Demo accounts for 清源县: a year of plausible ledgers, registers and leases, with a few warnings to find.

Each village imports its months the way a clerk would (one file a month from
the accounting software), with invoice scans on the expenses; months up to
two ago are approved and published, last month waits. Planted on purpose:
后溪村 one expense without an invoice and a forest lease expiring within 60
days; 石埕村 cash above the limit and a lease in arrears, months overdue;
洋坪村 a 45,000-yuan expense with no linked decision and a lease far below
the township's comparable rents; a contractor whose credit code fails its check.
"""
import datetime
import io
import random

from PIL import Image, ImageDraw

from portal.core.clock import today
from portal.core.db import transaction
from portal.ledger import entries, importer, periods
from portal.ledger.models import Opening
from portal.ledger.registers import ASSET, CONTRACT
from portal.core.records import create
from portal.ledger.rows import COLUMNS

INCOME = [("511", "集体店面租金", "bank", 1500000, 2400000), ("522", "上级转移支付（村级组织运转经费）", "bank", 5000000, 6000000),
          ("501", "村集体光伏发电收入", "bank", 180000, 320000), ("531", "村民理事会捐款", "cash", 20000, 90000)]
EXPENSE = [("541", "村道路灯电费", "bank", 90000, 160000), ("541", "环境卫生保洁劳务费", "bank", 400000, 480000),
           ("541", "办公用品", "cash", 15000, 60000), ("502", "光伏设备维护", "bank", 80000, 150000),
           ("551", "困难群众慰问金", "cash", 100000, 200000)]


def _png(text):
    image = Image.new("RGB", (240, 120), "white")
    ImageDraw.Draw(image).rectangle((4, 4, 235, 115), outline="black")
    ImageDraw.Draw(image).text((14, 50), text, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _csv_month(rows):
    return importer.to_csv([label for _k, label in COLUMNS], rows)


def _months(day):
    """Twelve months ending with last month."""
    year, month = day.year, day.month
    out = []
    for _i in range(12):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(f"{year:04d}-{month:02d}")
    return list(reversed(out))


def load(ctx):
    rng = random.Random(20261202)
    day = today()
    months = _months(day)
    for slug, village in ctx.villages.items():
        clerk, supervisor = ctx.users[f"clerk_{slug}"], ctx.users[f"supervisor_{slug}"]
        first = datetime.date.fromisoformat(months[0] + "-01") - datetime.timedelta(days=1)
        with transaction():
            Opening.create(village=village, as_of=first, cash_fen=rng.randint(100000, 300000),
                           bank_fen=rng.randint(20000000, 60000000))
        contracts = _registers(clerk, village, slug, day)
        publish_until = len(months) - 1 if slug != "shicheng" else len(months) - 3
        for n, month in enumerate(months):
            rows, expenses = _rows(rng, month, n, slug, contracts)
            batch = importer.import_file(clerk, village, f"{month}.csv", _csv_month(rows), month)
            if n == 0:
                _pay_rents(clerk, village, slug, month, contracts, day)
            for entry in batch.entries:
                if entry.direction == "expense" and not (slug == "houxi" and n == 3 and entry.voucher_no.endswith("-03")):
                    entries.attach_invoice(clerk, entry.id, f"invoice-{entry.voucher_no}.png",
                                           _png(f"{entry.voucher_no} {entry.amount_fen // 100} yuan"))
            if n < publish_until:
                periods.take(supervisor, village, month, "approve")
                periods.take(clerk, village, month, "publish")


def _rows(rng, month, n, slug, contracts):
    year, mon = (int(p) for p in month.split("-"))
    rows, expenses, seq = [], [], 0

    def add(day, account, summary, settlement, fen, direction, counterparty="", code="", contract=None):
        nonlocal seq
        seq += 1
        voucher = f"{mon:02d}-{seq:02d}"
        rows.append([voucher, f"{year:04d}-{mon:02d}-{day:02d}", summary, account,
                     "收入" if direction == "income" else "支出", f"{fen // 100}.{fen % 100:02d}", settlement,
                     counterparty, code, "报账员", "村委会主任"])
    for account, summary, settlement, low, high in rng.sample(INCOME, 2):
        add(rng.randint(2, 9), account, summary, "银行" if settlement == "bank" else "现金", rng.randint(low, high), "income")
    for account, summary, settlement, low, high in rng.sample(EXPENSE, 1):
        add(rng.randint(10, 26), account, summary, "银行" if settlement == "bank" else "现金", rng.randint(low, high),
            "expense", "清源县兴业工程有限公司" if account == "502" else "")
    if slug == "shicheng" and n == 5:
        add(27, "531", "收取村民卫生费（现金）", "现金", 920000, "income")
    if slug == "yangping" and n == 7:
        add(15, "541", "村部会议室改造", "银行", 4500000, "expense", "清源县兴业工程有限公司", "91350528MA2XY0001Q")
    return rows, expenses


def _pay_rents(clerk, village, slug, month, contracts, day):
    """Rent received in advance for every lease but 石埕村's forest (its arrears are the planted warning)."""
    import json
    for k, contract in enumerate(contracts):
        if slug == "shicheng" and k == 0:
            continue
        due = sum(int(i["amount"].replace(".", "")) for i in json.loads(contract.schedule) if i["due"] <= day.isoformat())
        if due:
            entries.record_entry(clerk, village, {
                "voucher_no": f"{month[5:]}-R{k + 1}", "date": f"{month}-28", "summary": f"收取{contract.title}租金",
                "account": "511", "direction": "income", "amount": f"{due // 100}.{due % 100:02d}",
                "settlement": "bank", "counterparty": contract.counterparty, "contract": contract.id})


def _registers(clerk, village, slug, day):
    hall = create(ASSET, clerk, village, {"village": village.code, "register": "asset", "kind": "房屋",
                                          "name": f"{village.name}集体店面", "location": "村部一楼", "value": "380000.00",
                                          "acquired_on": "2015-06-01", "acquisition": "自建", "custodian": "村委会",
                                          "status": "leased"})
    forest = create(ASSET, clerk, village, {"village": village.code, "register": "resource", "kind": "林地",
                                            "name": f"{village.name}后山林地", "location": "后山", "area_mu": "120.00",
                                            "acquired_on": "1982-01-01", "acquisition": "集体所有",
                                            "custodian": "护林员", "status": "leased"})
    for kind, name, area in (("土地", "溪边耕地", "35.50"), ("水面", "山塘水面", "8.00")):
        create(ASSET, clerk, village, {"village": village.code, "register": "resource", "kind": kind,
                                       "name": f"{village.name}{name}", "area_mu": area, "custodian": "村委会"})
    start = day.replace(year=day.year - 4) - datetime.timedelta(days=45)
    rent = {"houxi": "60.00", "shicheng": "55.00", "yangping": "8.00"}.get(slug, "58.00")
    lease_end = (day + datetime.timedelta(days=50)) if slug == "houxi" else day.replace(year=day.year + 6)
    forest_lease = create(CONTRACT, clerk, village, {
        "village": village.code, "kind": "lease", "title": f"{village.name}后山林地承包合同", "counterparty": "林某某",
        "object": "后山林地", "asset": forest.id, "area_mu": "120.00", "amount": rent, "unit": "yuan_per_mu_year",
        "start": start.isoformat(), "end": lease_end.isoformat(), "decision": ""})
    out = [forest_lease]
    for k, (name, area, price) in enumerate((("溪边耕地一片", "12.00", "62.00"), ("溪边耕地二片", "11.50", "57.00"))):
        out.append(create(CONTRACT, clerk, village, {
            "village": village.code, "kind": "lease", "title": f"{village.name}{name}租赁合同", "counterparty": "庄某某",
            "object": name, "asset": forest.id, "area_mu": area, "amount": price, "unit": "yuan_per_mu_year",
            "start": start.isoformat(), "end": day.replace(year=day.year + 3).isoformat()}))
    code = "91350528MA2XY0001Q" if slug == "yangping" else ""
    shop = create(CONTRACT, clerk, village, {
        "village": village.code, "kind": "lease", "title": f"{village.name}集体店面租赁合同", "counterparty": "清源县兴业商贸有限公司",
        "counterparty_code": code, "object": "集体店面", "asset": hall.id, "amount": "72000.00", "unit": "yuan_per_year",
        "start": day.replace(year=day.year - 1).isoformat(), "end": day.replace(year=day.year + 2).isoformat()})
    return out + [shop]
