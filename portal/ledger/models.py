"""The tables of the three capitals.

Money is integer fen (分) in every column: sums are exact and a float never
enters. A ledger entry's content is written once; a correction is a new
entry whose ``reverses`` names the old one (红字冲销, a negative amount). An
entry is public once its month (``Period``) is published.
"""
import peewee

from portal.core.clock import utcnow
from portal.core.db import BaseModel
from portal.core.records import RecordModel
from portal.units.models import Unit


class ChartVersion(BaseModel):
    code = peewee.CharField(primary_key=True, max_length=8)  # "2004", "2023"
    name = peewee.CharField(max_length=80)  # 村集体经济组织会计制度
    basis = peewee.CharField(max_length=40)  # 财会〔2004〕12号
    effective_from = peewee.DateField()  # the day the chart came into force


class Account(BaseModel):
    chart = peewee.ForeignKeyField(ChartVersion, backref="accounts")  # its chart
    code = peewee.CharField(max_length=12)  # "101", a county sub-account "501001"
    name = peewee.CharField(max_length=40)  # 现金
    kind = peewee.CharField(max_length=10)  # asset liability equity cost income expense
    county = peewee.ForeignKeyField(Unit, null=True, backref="+")  # None: the national chart
    parent_code = peewee.CharField(max_length=12, null=True)  # a sub-account's account

    class Meta:
        indexes = ((("chart", "code", "county"), True),)


class AccountMapping(BaseModel):
    old_chart = peewee.CharField(max_length=8)  # "2004"
    old_code = peewee.CharField(max_length=12)  # the account in the old chart
    new_chart = peewee.CharField(max_length=8)  # "2023"
    new_code = peewee.CharField(max_length=12)  # where its balance goes in the new chart
    note = peewee.CharField(max_length=120, default="")  # how (split, merged, renamed)


class Opening(BaseModel):
    village = peewee.ForeignKeyField(Unit, backref="+", unique=True)  # one per village
    as_of = peewee.DateField()  # the ledger starts the day after
    cash_fen = peewee.BigIntegerField(default=0)  # 库存现金 on that day, fen
    bank_fen = peewee.BigIntegerField(default=0)  # 银行存款 on that day, fen


class ImportBatch(BaseModel):
    village = peewee.ForeignKeyField(Unit, backref="+")  # whose ledger
    month = peewee.CharField(max_length=7)  # "2026-03": the month of every row
    sha256 = peewee.CharField(max_length=64)  # the file's bytes: the same file twice is refused
    filename = peewee.CharField(max_length=120)  # as uploaded (masked)
    rows = peewee.IntegerField()  # entries written
    audit_index = peewee.IntegerField(null=True)  # the batch's audit entry
    created_at = peewee.DateTimeField(default=utcnow)  # naive UTC

    class Meta:
        indexes = ((("village", "sha256"), True),)


class Period(RecordModel):
    """A village's accounting month (会计期间): open → approved → published (or sent back)."""
    village = peewee.ForeignKeyField(Unit, backref="+")  # whose month
    month = peewee.CharField(max_length=7)  # "YYYY-MM"
    review_note = peewee.TextField(default="")  # the 民主理财小组's reason when sending back
    approved_at = peewee.DateTimeField(null=True)  # naive UTC, the group's sign-off
    published_at = peewee.DateTimeField(null=True)  # naive UTC; the month is locked from then on
    publication_id = peewee.IntegerField(null=True)  # the 财务公开 notice that announced it

    class Meta:
        indexes = ((("village", "month"), True),)


class Entry(RecordModel):
    """One line of the funds ledger (资金收支): state recorded, or published with its month."""
    village = peewee.ForeignKeyField(Unit, backref="+")  # whose ledger
    year = peewee.IntegerField()  # voucher numbers are unique per village and year
    month = peewee.CharField(max_length=7)  # "YYYY-MM" of ``date``: its period
    voucher_no = peewee.CharField(max_length=20)  # 凭证号, e.g. "记-031"
    date = peewee.DateField()  # the China date of the transaction
    summary = peewee.CharField(max_length=200)  # 摘要 as typed; public view masked
    account = peewee.CharField(max_length=12)  # account code in the chart in use
    direction = peewee.CharField(max_length=8)  # income | expense
    amount_fen = peewee.BigIntegerField()  # fen; negative on a reversing entry (红字)
    settlement = peewee.CharField(max_length=6, default="bank")  # cash | bank: which balance moves
    counterparty = peewee.CharField(max_length=100, default="")  # 对方单位/个人 (masked when public)
    counterparty_code = peewee.CharField(max_length=18, default="")  # 统一社会信用代码, when a body
    handler = peewee.CharField(max_length=40, default="")  # 经手人
    approver = peewee.CharField(max_length=40, default="")  # 审批人
    reverses = peewee.ForeignKeyField("self", null=True, unique=True, backref="+")  # the entry this one cancels
    contract_id = peewee.IntegerField(null=True, index=True)  # a lease payment: its contract
    decision = peewee.CharField(max_length=40, default="")  # "publication:12" / "meeting:3": 四议两公开 decision
    batch = peewee.ForeignKeyField(ImportBatch, null=True, backref="entries")  # the import that wrote it
    # invoices attached, kept by ``attach`` in its transaction (not content: the audit entry lists the
    # invoices' hashes); the no-invoice rule reads it instead of probing the invoices of every expense
    invoice_count = peewee.IntegerField(default=0, constraints=[peewee.SQL("DEFAULT 0")])

    class Meta:
        # (village, state, date, account, direction, settlement, amount_fen) covers the statements' sums:
        # a township's year is read from the index alone, never from the rows (bench/ledger).
        # (direction, state, invoice_count, amount_fen) finds the expenses without an invoice, (direction,
        # state, amount_fen) the large ones, (counterparty_code) the distinct credit codes: the warnings'
        # scans read those few rows instead of the county's (bench/ledger)
        indexes = ((("village", "year", "voucher_no"), True), (("village", "state", "date"), False),
                   (("village", "month"), False),
                   (("village", "state", "date", "account", "direction", "settlement", "amount_fen"), False),
                   (("direction", "state", "invoice_count", "amount_fen"), False), (("direction", "state", "amount_fen"), False),
                   (("counterparty_code",), False))


class MonthTotal(BaseModel):
    """A village-month's entries summed per state, account, direction and settlement (月度汇总): what the
    statements add up instead of the rows. Kept by every write of entries, in its transaction
    (``portal.ledger.totals.refresh``); ``totals.rebuild`` makes it again from the rows, with the same result."""
    village = peewee.ForeignKeyField(Unit, backref="+")  # whose ledger
    month = peewee.CharField(max_length=7)  # "YYYY-MM": the entries' ``month``
    state = peewee.CharField(max_length=10)  # recorded | published: the entries' state
    account = peewee.CharField(max_length=12)  # account code as recorded (a county sub-account too)
    direction = peewee.CharField(max_length=8)  # income | expense
    settlement = peewee.CharField(max_length=6)  # cash | bank
    total_fen = peewee.BigIntegerField()  # the entries' amounts summed, fen (reversals negative)
    entries = peewee.IntegerField()  # how many entries

    class Meta:
        indexes = ((("village", "month", "state", "account", "direction", "settlement"), True),)


class Invoice(BaseModel):
    entry = peewee.ForeignKeyField(Entry, backref="invoices")  # the entry it vouches for
    filename = peewee.CharField(max_length=120)  # safe display name (masked)
    mime = peewee.CharField(max_length=40)  # from the bytes: application/pdf, image/jpeg, image/png
    sha256 = peewee.CharField(max_length=64)  # of the original; in the audit entry
    data = peewee.BlobField()  # the original as uploaded (staff only)
    public_data = peewee.BlobField(null=True)  # images re-encoded without EXIF/GPS; None for PDFs
    thumbnail = peewee.BlobField(null=True)  # small JPEG for lists
    created_at = peewee.DateTimeField(default=utcnow)


class Asset(RecordModel):
    """An entry of the asset register (资产) or the resource register (资源)."""
    village = peewee.ForeignKeyField(Unit, backref="+")  # the owner collective
    register = peewee.CharField(max_length=10)  # asset | resource
    kind = peewee.CharField(max_length=20)  # 房屋 设备 … / 土地 林地 水面 四荒地
    name = peewee.CharField(max_length=100)  # 村部综合楼, 后山林地
    location = peewee.CharField(max_length=100, default="")  # 坐落
    area_mu = peewee.DecimalField(max_digits=12, decimal_places=2, null=True)  # 面积（亩）
    value_fen = peewee.BigIntegerField(null=True)  # 原值 (assets), fen
    acquired_on = peewee.DateField(null=True)  # 取得日期
    acquisition = peewee.CharField(max_length=40, default="")  # 购建, 上级划拨, 捐赠 …
    custodian = peewee.CharField(max_length=40, default="")  # 保管人/管护人
    status = peewee.CharField(max_length=12, default="in_use")  # in_use leased idle disposed
    disposal_publication = peewee.IntegerField(null=True)  # the 集体资产资源处置 publication that disposed of it


class Contract(RecordModel):
    """A lease (发包/租赁) or other contract of the collective: public from the day it is recorded."""
    village = peewee.ForeignKeyField(Unit, backref="+")  # the collective
    kind = peewee.CharField(max_length=10)  # lease | contract
    title = peewee.CharField(max_length=120)  # 后山林地承包合同
    counterparty = peewee.CharField(max_length=100)  # 承包方/承租方
    counterparty_code = peewee.CharField(max_length=18, default="")  # 统一社会信用代码 (bodies)
    object = peewee.CharField(max_length=100)  # what is let, as written in the contract
    asset = peewee.ForeignKeyField(Asset, null=True, backref="contracts")  # the register entry let
    area_mu = peewee.DecimalField(max_digits=12, decimal_places=2, null=True)  # 面积（亩）
    amount_fen = peewee.BigIntegerField()  # the rent or price, in ``unit``
    unit = peewee.CharField(max_length=20, default="total")  # yuan_per_mu_year | yuan_per_year | total
    start = peewee.DateField()  # first day
    end = peewee.DateField()  # last day
    schedule = peewee.TextField(default="[]")  # JSON [{"due": date, "amount": "…"}]: the payments due
    decision = peewee.CharField(max_length=40, default="")  # "publication:12" / "meeting:3"


MODELS = [ChartVersion, Account, AccountMapping, Opening, ImportBatch, Period, Entry, MonthTotal, Invoice, Asset,
          Contract]
