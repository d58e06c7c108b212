"""Spreadsheet downloads, streamed row by row so large exports stay flat in memory.

Every cell of every export (XLSX and CSV) passes through :func:`cell_value`: a text that a
spreadsheet program would read as a formula (one starting with ``= + - @``, a tab or a carriage
return) gets a leading apostrophe and is written as text, never as a formula (OWASP, "CSV
injection"). Exports carry what citizens and other cities typed (names, employers, the cells of
a rejected file), and a name like ``=HYPERLINK("http://evil.example/x","点我")`` must not become
a live link in the office's spreadsheet. Numbers, dates and empty cells stay what they are, so a
negative number is still a number.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# What spreadsheet programs take as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_KEPT_TYPES = (int, float, Decimal, str, dt.date, dt.time, dt.timedelta)


def cell_value(value: Any) -> Any:
    """A value as an exported cell may hold it: formula-like text quoted with a leading
    apostrophe, control characters that XLSX cannot hold removed, anything else but numbers,
    dates and text turned into text. None stays None (an empty cell)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if not isinstance(value, _KEPT_TYPES):
        value = str(value)  # lazy translations, UUIDs, choices
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_row(row: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer``, each cell through :func:`cell_value`."""
    return ["" if (v := cell_value(value)) is None else v for value in row]


def xlsx_row(sheet: Any, row: Iterable[Any], *, bold: bool = False) -> list[Any]:
    """A row for ``sheet.append`` (write-only or not), each cell through :func:`cell_value`.

    A quoted text (and one that reads as an error value, ``#N/A``) is handed over as a cell typed
    as text; other text cannot start with ``=`` any more, which is all openpyxl takes for a formula,
    and is passed as a plain value, which openpyxl writes faster.
    """
    cells = []
    for value in row:
        safe = cell_value(value)
        text = isinstance(safe, str)
        if not (bold or (text and (safe[:1] == "'" or safe in ERROR_CODES))):
            cells.append(safe)
            continue
        cell: Cell = WriteOnlyCell(sheet, value=safe)
        if text:
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def xlsx_response(
    *, filename: str, sheet: str, headers: Sequence[StrOrPromise], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    """An XLSX attachment with a bold header row and the rows given."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    worksheet.append(xlsx_row(worksheet, (str(text) for text in headers), bold=True))
    for row in rows:
        worksheet.append(xlsx_row(worksheet, row))
    return workbook_response(workbook, filename)


def workbook_response(workbook: Workbook, filename: str) -> FileResponse:
    """A workbook as an XLSX attachment; its rows must have been added with :func:`xlsx_row`."""
    # FileResponse closes the file once sent; the OS removes it then.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename)
