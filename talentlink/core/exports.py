"""Spreadsheet downloads, streamed row by row so large exports stay flat in memory."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font


def xlsx_response(
    *, filename: str, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    """An XLSX attachment with a bold header row and the rows given."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(worksheet, value=str(text))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    worksheet.append(header_cells)
    for row in rows:
        worksheet.append([_plain(v) for v in row])
    # FileResponse closes the file once sent; the OS removes it then.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename)


def _plain(value: Any) -> Any:
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)
