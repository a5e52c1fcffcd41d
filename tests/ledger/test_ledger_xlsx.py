"""The XLSX reader (``portal.ledger.xlsx``) gives what openpyxl's read-only mode gives, value for value."""
import datetime
import io

import pytest


def _workbook(date1904=False):
    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.worksheet.formula import ArrayFormula
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904 if date1904 else book.epoch
    sheet = book.active
    sheet.title = "收支明细"
    sheet.append(["凭证号", "日期", "摘要", "科目", "收支", "金额"])
    sheet.append(["记-001", datetime.date(2026, 3, 5), "村道路灯电费", "541", "支出", "1286.40"])
    sheet.append(["记-002", datetime.datetime(2026, 3, 6, 9, 30), "租金", 511, "收入", 18000])
    sheet.append(["记-003", "2026-03-07", CellRichText(["办公", TextBlock(InlineFont(b=True), "用品")]), 541.0,
                  "支出", 12.5])
    sheet.append([])  # an empty row: the row numbers after it still count it
    sheet.append(["记-004", datetime.date(2026, 3, 8), "=A2&\"x\"", "541", True, "=SUM(F2:F4)"])
    sheet["G7"] = "=F2*2"
    sheet["H7"] = ArrayFormula("H7:H7", "=SUM(F2:F4*1)")
    sheet["B9"] = 45000  # a number, not in a date style
    sheet["C9"] = datetime.time(8, 15)
    sheet["D9"] = 1.5e-7
    sheet["A12"] = "末行"
    sheet["C12"] = "=_x000D_ 全角"  # a text starting with "=" is a formula to openpyxl too
    other = book.create_sheet("第二页")
    other.append(["不读"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _openpyxl_rows(data):
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    sheet = book.worksheets[0]
    out = []
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=(sheet.min_row or 1)):
        values = [c.text if isinstance(c, ArrayFormula) else c for c in cells]
        while values and values[-1] is None:
            values.pop()
        if values:
            out.append((number, values))
    book.close()
    return out


@pytest.mark.parametrize("date1904", [False, True])
def test_the_reader_gives_what_openpyxl_gives(date1904):
    from portal.ledger import xlsx
    data = _workbook(date1904)
    ours = [(n, cells) for n, cells in xlsx.rows(data) if any(c is not None for c in cells)]
    assert ours == _openpyxl_rows(data)
    assert ours[1][1][1] == datetime.datetime(2026, 3, 5) and ours[-1][0] == 12


def test_what_is_not_an_xlsx_is_refused():
    from portal.ledger import xlsx
    for data in (b"PK\x03\x04 not a zip", _workbook()[:2000]):
        with pytest.raises(xlsx.BadXlsx):
            list(xlsx.rows(data))


def test_a_workbook_that_unpacks_beyond_the_bound_is_refused_before_reading(monkeypatch):
    from portal.ledger import xlsx
    data = _workbook()
    assert list(xlsx.rows(data))
    monkeypatch.setattr(xlsx, "MAX_UNPACKED", 1000)
    with pytest.raises(xlsx.BadXlsx):
        list(xlsx.rows(data))
