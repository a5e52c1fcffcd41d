"""A month of accounts from a spreadsheet (CSV or XLSX), in the layout the export writes.

All or nothing: every row is checked first (date in the month, amount exact,
voucher number unique in the file and in the year, account in the chart,
income/expense matching the account's kind, required fields, no formula in
any cell) and every problem is reported with its row, column, value and a
Chinese message; only a clean file is written, in one transaction with one
audit entry vouching for the file's SHA-256 and the rows it produced. The
same file for the same village again is a duplicate (409).
"""
import csv
import datetime
import hashlib
import io
import json

from portal.core import files
from portal.core.auditing import record
from portal.core.clock import utcnow
from portal.core.db import database, transaction
from portal.core.errors import Conflict, ValidationError, fill
from portal.core.i18n import N_
from portal.core.personal_data import mask
from portal.ledger import charts, periods, totals, xlsx
from portal.ledger.entries import chart_in_use, entry_content
from portal.ledger.models import Entry, ImportBatch
from portal.ledger.rows import COLUMNS, DIRECTION_NAMES, SETTLEMENT_NAMES, check_row, fen_text

MAX_ROWS = 20000
REQUIRED = ("voucher_no", "date", "summary", "account", "direction", "amount")
HEADER_KEYS = {**{label: key for key, label in COLUMNS}, **{key: key for key, _label in COLUMNS}}
LABELS = dict(COLUMNS)


class InvalidRows(ValidationError):
    """400 ``invalid_rows`` with every row's problems (``problems``): each keeps its Chinese template and
    params, like a PortalError, so ``rows()`` answers in the reader's language (``rows`` is the Chinese)."""

    def __init__(self, problems):
        super().__init__("invalid_rows", N_("文件中有%(n)s处错误，未导入任何记录。"), n=len(problems))
        self.problems = problems

    @property
    def rows(self):
        """The problems in Chinese (logs, the CLI, the demo loader)."""
        return [_row_view(p, lambda text: text, fill) for p in self.problems]

    def localized_rows(self):
        """The problems in the request's language: the column's label translated, the message through
        ``portal.core.api.localized`` (its template looked up, its text params translated too)."""
        from flask_babel import gettext
        from portal.core.api import localized
        return [_row_view(p, gettext, lambda template, params: localized(template, params)) for p in self.problems]


def _row_view(problem, translate, message):
    return {"row": problem["row"], "column": translate(problem["label"]), "value": problem["value"],
            "message": message(problem["template"], problem["params"])}


def _problem(row, column, value, message, **params):
    """One row's problem: where, what was there, and the message as a template with its params."""
    return {"row": row, "label": LABELS.get(column, column), "value": "" if value is None else str(value)[:100],
            "template": message, "params": params}


def read_table(filename, data):
    """[(row number, {column key: value})] from CSV or XLSX bytes; refuses what is neither."""
    if data[:2] == b"PK":
        return _read_xlsx(data)
    if str(filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise ValidationError("bad_xlsx", "这不是有效的XLSX文件。")
    return _read_csv(data)


def _header(cells):
    keys = [HEADER_KEYS.get(str(c or "").strip()) for c in cells]
    missing = [LABELS[k] for k in REQUIRED if k not in keys]
    if missing:
        raise ValidationError("bad_header", N_("表头缺少列：%(columns)s（请使用导出文件的表头）。"), columns=missing)
    return keys


def _read_csv(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationError("bad_csv", "无法识别文件编码，请保存为UTF-8的CSV或XLSX。") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ValidationError("empty_file", "文件是空的。")
    keys = _header(header)
    out = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        out.append((number, {k: v for k, v in zip(keys, cells) if k}, {}))
        if len(out) > MAX_ROWS:
            raise ValidationError("too_many_rows", N_("一次最多导入%(limit)s行。"), limit=MAX_ROWS)
    return out


def _read_xlsx(data):
    # The sheet's XML read directly (portal.ledger.xlsx): values as openpyxl's read-only mode gives them, a
    # formula as its text "=…" (refused by check_file like any cell starting with "="), at a fraction of the cost.
    try:
        rows = xlsx.rows(data)
        first = next(rows, None)
        if first is None:
            raise ValidationError("empty_file", "文件是空的。")
        keys = _header(first[1])
        columns = [(i, key) for i, key in enumerate(keys) if key is not None]
        out = []
        for number, cells in rows:
            values = {key: cells[i] if i < len(cells) else None for i, key in columns}
            if not any(v not in (None, "") for v in values.values()):
                continue
            formulas = {k: v for k, v in values.items() if isinstance(v, str) and v.startswith("=")}
            out.append((number, values, formulas))
            if len(out) > MAX_ROWS:
                raise ValidationError("too_many_rows", N_("一次最多导入%(limit)s行。"), limit=MAX_ROWS)
        return out
    except xlsx.BadXlsx as exc:
        raise ValidationError("bad_xlsx", "这不是有效的XLSX文件。") from exc


def _cell_text(key, value):
    """A spreadsheet cell as the text the row checker reads (numbers exactly as written)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if key == "date" else value.isoformat()
    if isinstance(value, float):
        return repr(value) if key == "amount" else (str(int(value)) if value.is_integer() else repr(value))
    return str(value)


def check_file(village, filename, data, month=None):
    """(month, [clean fields]) for a file, or InvalidRows listing every problem; writes nothing."""
    if len(data) > files.max_bytes():
        raise ValidationError("file_too_large", N_("文件不能超过%(mb)sMB。"), mb=files.max_bytes() // (1024 * 1024))
    if not data:
        raise ValidationError("empty_file", "请选择要导入的文件。")
    table = read_table(filename, data)
    if not table:
        raise ValidationError("empty_file", "文件中没有记录。")
    accounts = charts.account_index(chart_in_use())
    problems, clean, seen = [], [], {}
    if month is None:
        first_date = str(_cell_text("date", table[0][1].get("date")))[:7]
        month = first_date if len(first_date) == 7 else None
    if month is not None:
        try:
            periods.parse_month(month)
        except ValidationError:
            month = None
    if month is None:
        raise InvalidRows([_problem(table[0][0], "date", table[0][1].get("date"), "无法确定导入的月份：日期格式应为 YYYY-MM-DD。")])
    for number, values, formulas in table:
        for key, formula in formulas.items():
            problems.append(_problem(number, key, formula, "单元格含公式，请粘贴为数值后再导入。"))
        texts = {k: _cell_text(k, v) for k, v in values.items()}
        for key, text in texts.items():
            if key not in formulas and text.startswith("="):
                problems.append(_problem(number, key, text, "单元格含公式，请粘贴为数值后再导入。"))
        fields, row_problems = check_row(texts, accounts, month)
        problems += [_problem(number, column, value, message, **params)  # a formula cell: that is its problem
                     for column, value, _code, message, params in row_problems
                     if column not in formulas and not texts.get(column, "").startswith("=")]
        voucher = fields.get("voucher_no")
        if voucher:
            if voucher in seen:
                problems.append(_problem(number, "voucher_no", voucher, N_("凭证号与第%(line)s行重复。"),
                                         line=seen[voucher]))
            seen.setdefault(voucher, number)
        clean.append((number, fields))
    year = int(month[:4])
    taken = set()
    vouchers = list(seen)
    for i in range(0, len(vouchers), 500):
        taken |= {v for (v,) in Entry.select(Entry.voucher_no).where(
            (Entry.village == village) & (Entry.year == year) & Entry.voucher_no.in_(vouchers[i:i + 500])).tuples()}
    for number, fields in clean:
        if fields.get("voucher_no") in taken:
            problems.append(_problem(number, "voucher_no", fields["voucher_no"], N_("凭证号在%(year)s年已使用。"),
                                     year=year))
    if problems:
        raise InvalidRows(sorted(problems, key=lambda p: p["row"])[:500])
    return month, [fields for _n, fields in clean]


def _batch_payload(batch, entries=None):
    rows = entries if entries is not None else Entry.select().where(Entry.batch == batch.id).order_by(Entry.id)
    # invoices are attached after the import, each with an audit entry of its own: not part of the batch
    content = [entry_content(e) for e in rows]
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True,
                                       separators=(",", ":")).encode()).hexdigest()
    return {"village": batch.village_id, "month": batch.month, "filename": batch.filename, "rows": batch.rows,
            "sha256": batch.sha256, "rows_digest": digest}


def import_file(actor, village, filename, data, month=None):
    """Check then write a whole file (one transaction, one audit entry); returns the ImportBatch."""
    sha = files.sha256_hex(data)
    if ImportBatch.select().where((ImportBatch.village == village) & (ImportBatch.sha256 == sha)).exists():
        raise Conflict("duplicate_import", "这个文件已经导入过，不能重复导入。")
    month, rows = check_file(village, filename, data, month)
    with transaction(lock=True):
        periods.period_for_write(actor, village, month)
        if ImportBatch.select().where((ImportBatch.village == village) & (ImportBatch.sha256 == sha)).exists():
            raise Conflict("duplicate_import", "这个文件已经导入过，不能重复导入。")
        batch = ImportBatch.create(village=village, month=month, sha256=sha, rows=len(rows),
                                   filename=mask(str(filename or "import")[-120:]))
        now = utcnow()
        new = [dict(ROW_DEFAULTS, **f, village=village.code, year=int(month[:4]), month=month) for f in rows]
        # the batch vouches for the rows as the database will hold them (``rederive_batch`` reads them back)
        entry = record(actor, "ledger_batch.import", "ledger_batch", batch.id,
                       _batch_payload(batch, [_Row(r) for r in new]), [sha])
        batch.audit_index = entry.index
        batch.save()
        extra = {"state": "recorded", "batch": batch.id, "audit_index": entry.index, "created_at": now,
                 "updated_at": now}
        _insert_entries([dict(r, **extra) for r in new])
        totals.refresh(village.code, month)
        return batch


ROW_DEFAULTS = {"counterparty": "", "counterparty_code": "", "handler": "", "approver": "", "settlement": "bank",
                "decision": "", "reverses": None, "contract_id": None}
INSERT_FIELDS = ("village", "year", "month", "voucher_no", "date", "summary", "account", "direction", "amount_fen",
                 "settlement", "counterparty", "counterparty_code", "handler", "approver", "reverses", "contract_id",
                 "decision", "batch", "state", "audit_index", "created_at", "updated_at")


class _Row:
    """A row about to be written, read the way ``entry_content`` reads a model row."""

    def __init__(self, values):
        self.__dict__.update(values)
        self.village_id = values["village"]
        self.reverses_id = values["reverses"]


def _insert_entries(rows, per_statement=500):
    """Many entries in few multi-row INSERTs with plain parameters: building one peewee node per value
    cost more than the whole rest of a 10,000-row import. Values pass each field's ``db_value``."""
    fields = [Entry._meta.fields[name] for name in INSERT_FIELDS]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    param = database.param or "?"
    one = "(" + ", ".join([param] * len(fields)) + ")"
    for i in range(0, len(rows), per_statement):
        chunk = rows[i:i + per_statement]
        params = [f.db_value(r[f.name]) for r in chunk for f in fields]
        database.execute_sql(f'INSERT INTO "{Entry._meta.table_name}" ({columns}) VALUES '
                             + ", ".join([one] * len(chunk)), params)


def rederive_batch(entry):
    batch = ImportBatch.get_or_none(ImportBatch.id == int(entry.object_id))
    if batch is None:
        raise LookupError(entry.object_id)
    return _batch_payload(batch)


# -- export: the same columns ----------------------------------------------------------

def _safe_cell(text):
    """A cell a spreadsheet will not run: text starting with = + - @ gets a leading apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "@") else text


def export_rows(entries, masked=True):
    """Rows in the import layout (COLUMNS) for the given entries."""
    show = mask if masked else (lambda t: t)
    for e in entries:
        yield [e.voucher_no, e.date.isoformat(), _safe_cell(show(e.summary)), e.account, DIRECTION_NAMES[e.direction],
               fen_text(e.amount_fen), SETTLEMENT_NAMES[e.settlement], _safe_cell(show(e.counterparty)),
               e.counterparty_code, _safe_cell(show(e.handler)), _safe_cell(show(e.approver))]


def to_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets):
    """``sheets``: [(title, header, rows)] -> XLSX bytes (text cells, so nothing is evaluated)."""
    import openpyxl
    book = openpyxl.Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([str(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = [label for _key, label in COLUMNS]
