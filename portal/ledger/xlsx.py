"""The first sheet of an XLSX file as rows of values, read straight from its XML.

What ``openpyxl.load_workbook(read_only=True, data_only=False)`` and ``iter_rows(values_only=True)``
give, without openpyxl's object per shared string and per cell: for a 10,000-row import
openpyxl's reading was most of the time (bench/ledger). Values as openpyxl gives them: shared and
inline strings (rich text joined), numbers as int or float, numbers in a date style as datetime
(openpyxl's own date-format test and conversion, 1900 or 1904 calendar), booleans; a cell with a
formula gives its formula as text, "=…" (a shared formula's dependants the text of its master, a
data table "=TABLE()"), never its cached value, so the importer can refuse it. Any structural
problem raises ``BadXlsx``.
"""
import io
import posixpath
import zipfile
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
T, R = MAIN + "t", MAIN + "r"
# What the parts may unpack to in all: a 20,000-row sheet is a few tens of MB; a zip bomb is refused
# before any part is read (the upload itself is bounded by size).
MAX_UNPACKED = 256 * 1024 * 1024


class BadXlsx(Exception):
    """Not a readable XLSX workbook."""


def rows(data):
    """Yield (row number, [values by column, None where empty]) of the first sheet, in order."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        if sum(info.file_size for info in book.infolist()) > MAX_UNPACKED:
            raise ValueError("the workbook unpacks to more than %d bytes" % MAX_UNPACKED)
        workbook = _workbook_path(book)
        sheet, epoch = _first_sheet(book, workbook)
        base = posixpath.dirname(workbook)
        strings = _shared_strings(book, posixpath.join(base, "sharedStrings.xml"))
        dates, durations = _date_styles(book, posixpath.join(base, "styles.xml"))
        yield from _sheet_rows(book.open(sheet), strings, dates, durations, epoch)
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, ParseError, OSError, OverflowError) as exc:
        raise BadXlsx(str(exc)) from exc


def _workbook_path(book):
    for _event, node in iterparse(book.open("_rels/.rels")):
        if node.tag == PKG_REL + "Relationship" and node.get("Type", "").endswith("/officeDocument"):
            return node.get("Target").lstrip("/")
    raise KeyError("officeDocument")


def _first_sheet(book, workbook):
    """The first sheet's part (workbook order, as ``book.worksheets[0]``) and the workbook's calendar."""
    first, epoch = None, WINDOWS_EPOCH
    for _event, node in iterparse(book.open(workbook)):
        if node.tag == MAIN + "workbookPr" and node.get("date1904") in ("1", "true"):
            epoch = MAC_EPOCH
        elif node.tag == MAIN + "sheet" and first is None:
            first = node.get(REL + "id")
    if first is None:
        raise KeyError("sheet")
    rels = posixpath.join(posixpath.dirname(workbook), "_rels", posixpath.basename(workbook) + ".rels")
    for _event, node in iterparse(book.open(rels)):
        if node.tag == PKG_REL + "Relationship" and node.get("Id") == first:
            target = node.get("Target")
            if target.startswith("/"):
                return target.lstrip("/"), epoch
            return posixpath.normpath(posixpath.join(posixpath.dirname(workbook), target)), epoch
    raise KeyError(first)


def _text(node):
    """A string item's text as openpyxl's ``Text.content``: its <t>, then each run's <t> (phonetic runs left out)."""
    plain, runs = "", []
    for child in node:
        if child.tag == T:
            plain = child.text or ""
        elif child.tag == R:
            runs += [t.text or "" for t in child if t.tag == T]
    return plain + "".join(runs) if runs else plain


def _shared_strings(book, path):
    if path not in book.namelist():
        return []
    strings = []
    for _event, node in iterparse(book.open(path)):
        if node.tag == MAIN + "si":
            strings.append(_text(node).replace("x005F_", ""))
            node.clear()
    return strings


def _date_styles(book, path):
    """The cell styles (indexes into cellXfs) whose number format is a date, and those that are durations."""
    if path not in book.namelist():
        return set(), set()
    custom, formats, in_xfs = {}, [], False
    for event, node in iterparse(book.open(path), events=("start", "end")):
        if node.tag == MAIN + "cellXfs":
            in_xfs = event == "start"
        elif event == "end" and node.tag == MAIN + "numFmt":
            custom[int(node.get("numFmtId"))] = node.get("formatCode")
        elif event == "end" and in_xfs and node.tag == MAIN + "xf":
            number = int(node.get("numFmtId", 0))
            formats.append(custom.get(number) or BUILTIN_FORMATS.get(number, "General"))
    dates = {i for i, fmt in enumerate(formats) if is_date_format(fmt)}
    return dates, {i for i, fmt in enumerate(formats) if is_timedelta_format(fmt)}


_COLUMNS = {}  # "AB" -> 28, filled as letters are met


def _column(ref):
    letters = ref.rstrip("0123456789")
    number = _COLUMNS.get(letters)
    if number is None:
        number = 0
        for char in letters.upper():
            number = number * 26 + ord(char) - 64
        _COLUMNS[letters] = number
    return number


def _sheet_rows(source, strings, dates, durations, epoch):
    shared, row_number = {}, 0
    for _event, node in iterparse(source):
        if node.tag != MAIN + "row":
            continue
        row_number = int(node.get("r") or row_number + 1)
        cells, column = {}, 0
        for cell in node.iter(MAIN + "c"):
            ref = cell.get("r")
            column = _column(ref) if ref else column + 1
            cells[column] = _value(cell, strings, dates, durations, epoch, shared)
        node.clear()
        width = max(cells) if cells else 0
        yield row_number, [cells.get(i) for i in range(1, width + 1)]


def _value(cell, strings, dates, durations, epoch, shared):
    kind = cell.get("t", "n")
    formula = cell.find(MAIN + "f")
    if formula is not None:
        if formula.get("t") == "dataTable":
            return "=TABLE()"
        text = formula.text
        if formula.get("t") == "shared":
            if text:
                shared[formula.get("si")] = text
            text = text or shared.get(formula.get("si"))
        return "=" + (text or "")
    if kind == "inlineStr":
        inline = cell.find(MAIN + "is")
        return _text(inline) if inline is not None else None
    value = cell.findtext(MAIN + "v") or None
    if value is None:
        return None
    if kind == "n":
        number = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
        style = int(cell.get("s", 0))
        if style in dates:
            return from_excel(number, epoch, timedelta=style in durations)
        return number
    if kind == "s":
        return strings[int(value)]
    if kind == "b":
        return bool(int(value))
    if kind == "d":
        return from_ISO8601(value)
    return value  # "str" (a formula's text result read without its formula), "e" (an error such as #N/A)
