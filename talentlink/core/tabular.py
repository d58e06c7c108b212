"""Reading tabular files (CSV, XLSX) that people deliver, all-or-nothing.

Every import on the platform (city registries, expert databases, the province's certificate
list, social-insurance records) reads its file here: streamed, so memory does not grow with the
file; validated row by row into :class:`CellError` reports that carry a code and parameters
(rendered in Chinese and English by :func:`error_message`); written only when no row failed.
The city registries' importer (``registry.imports``) has its own fast writer and only uses the
reading and reporting parts; :func:`table_import` serves the smaller imports.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from talentlink.core.errors import DomainError

# Codes of row errors every import shares; an import adds its own codes with register_messages.
MESSAGES: dict[str, Any] = {
    "required": _("This field is required."),
    "date": _("Not a date in the expected format (%(formats)s)."),
    "date_future": _("The date lies in the future."),
    "unknown_code": _("Not a known value for this field (known: %(known)s)."),
    "too_long": _("Longer than %(max)s characters."),
    "number": _("Not a number."),
    "duplicate_key": _("The same record key already appears in row %(first)s."),
    "missing_column": _("The file has no column %(column)s, which this source requires."),
    "unreadable": _("The file cannot be read as %(format)s: %(reason)s"),
    "empty_file": _("The file has no data rows."),
}

# Header of every downloadable error report: both languages side by side; the API's field names.
ERROR_REPORT_HEADERS = ("行号 Row", "列 Column", "值 Value", "代码 Code", "原因", "Reason")
ERROR_REPORT_KEYS = ("row", "column", "value", "code", "message_zh", "message_en")


def register_messages(messages: dict[str, Any]) -> None:
    """Add an import's own error codes (lazy translated strings) to the shared table.

    Codes are global: prefix them with the import's name (``insurance.month``). Registering a
    code again with another message is a programming error, caught at import time.
    """
    for code, message in messages.items():
        existing = MESSAGES.get(code)
        if existing is not None and _source(existing) != _source(message):
            raise ValueError(f"Import error code {code!r} is already registered with another message.")
        MESSAGES[code] = message


def _source(message: Any) -> Any:
    # A lazy translation compared by its English source, without translating it.
    return getattr(message, "_args", message)


def error_message(code: str, params: dict[str, Any], language: str | None = None) -> str:
    """The message for an error code, in the active language or the one given."""
    template = MESSAGES.get(code, code)
    if language is None:
        return str(template) % params if params else str(template)
    with override(language):
        return str(template) % params if params else str(template)


class FileRejected(Exception):
    """The file as a whole cannot be read; ``code``/``params`` say why."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


@dataclass(slots=True)
class CellError:
    column: str
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def error_report_rows(errors: Iterable[tuple[int, CellError]]) -> Iterator[tuple[Any, ...]]:
    """Rows under :data:`ERROR_REPORT_HEADERS` for errors given as (row number, error)."""
    for row, e in errors:
        yield (
            row, e.column, e.value, e.code,
            error_message(e.code, e.params, "zh-hans"), error_message(e.code, e.params, "en"),
        )  # fmt: skip


def error_report_dicts(rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Error report rows (as :func:`error_report_rows` gives them) keyed for the JSON API."""
    return [dict(zip(ERROR_REPORT_KEYS, row, strict=True)) for row in rows]


# --- Reading ---------------------------------------------------------------


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_csv(path: Path, *, encoding: str = "utf-8-sig", delimiter: str = ",") -> Iterator[list[str]]:
    """Yield every row of a CSV file as stripped text cells."""
    try:
        with open(path, encoding=encoding, newline="") as handle:
            for row in csv.reader(handle, delimiter=delimiter):
                yield [cell.strip() for cell in row]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FileRejected("unreadable", format="CSV", reason=str(exc)[:200]) from None


def read_xlsx(path: Path) -> Iterator[list[str]]:
    """Yield every row of the first sheet as text cells.

    A number too long to be exact (an ID number typed as a number) comes with a leading NUL, so
    that a parser can say the digits were lost instead of reporting a wrong check character.
    """
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRejected("unreadable", format="XLSX", reason=str(exc)[:200]) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["\x00" + cell_text(v) if isinstance(v, float) and v > 1e15 else cell_text(v) for v in row]
    finally:
        workbook.close()


def read_table(path: Path, *, encoding: str = "utf-8-sig", delimiter: str = ",") -> Iterator[list[str]]:
    """Yield the header and every row of a CSV or XLSX file, chosen by the file's suffix."""
    if Path(path).suffix.lower() in {".xlsx", ".xlsm"}:
        return read_xlsx(path)
    return read_csv(path, encoding=encoding, delimiter=delimiter)


# --- Small all-or-nothing imports -------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """A column of an import: the field it fills and the header names accepted for it."""

    field: str
    headers: tuple[str, ...]
    required: bool = True


T = TypeVar("T")


class TableRejected(DomainError):
    """A file with errors: nothing was written; ``errors`` lists (row, CellError)."""

    def __init__(self, errors: list[tuple[int, CellError]]) -> None:
        self.errors = errors
        message = format_lazy(_("The file has {n} errors; nothing was imported."), n=len(errors))
        super().__init__(message, code="import_rejected")


@dataclass
class TableResult(Generic[T]):
    rows: int
    written: int


def rows_bind(rows: Iterator[list[str]], columns: Sequence[Column]) -> Iterator[tuple[int, dict[str, str]]]:
    """Map each data row to {field: text} by its header; row numbers count the header as row 1."""
    try:
        header = next(rows)
    except StopIteration:
        raise FileRejected("empty_file") from None
    names = [h.strip().lstrip("\ufeff") for h in header]
    positions: dict[str, int] = {}
    for column in columns:
        found = next((names.index(h) for h in column.headers if h in names), None)
        if found is not None:
            positions[column.field] = found
        elif column.required:
            raise FileRejected("missing_column", column=" / ".join(column.headers))
    for number, cells in enumerate(rows, start=2):
        if not any(cells):
            continue
        yield number, {f: (cells[i] if i < len(cells) else "") for f, i in positions.items()}


def table_import(
    path: Path,
    *,
    columns: Sequence[Column],
    parse: Callable[[int, dict[str, str]], tuple[T | None, list[CellError]]],
    write: Callable[[list[T]], int],
    key: Callable[[T], Any] | None = None,
    chunk_size: int = 2000,
) -> TableResult[T]:
    """Validate every row of a file, then write them all in one transaction, or nothing.

    ``parse`` turns a row into an object or errors; ``key`` (optional) names the record a row
    stands for, so that the same key twice is reported; ``write`` stores a chunk and returns how
    many rows it changed. Raises :class:`TableRejected` with every row error, or
    :class:`FileRejected`-derived errors for an unreadable file, and then nothing is written.
    """
    errors: list[tuple[int, CellError]] = []
    parsed: list[T] = []
    seen: dict[Any, int] = {}
    try:
        for number, raw in rows_bind(read_table(path), columns):
            item, row_errors = parse(number, raw)
            errors.extend((number, e) for e in row_errors)
            if item is None or row_errors:
                continue
            if key is not None:
                k = key(item)
                if k in seen:
                    errors.append((number, CellError("", str(k), "duplicate_key", {"first": seen[k]})))
                    continue
                seen[k] = number
            parsed.append(item)
    except FileRejected as exc:
        raise TableRejected([(0, CellError("", "", exc.code, exc.params))]) from None
    if errors:
        raise TableRejected(errors)
    if not parsed:
        raise TableRejected([(0, CellError("", "", "empty_file"))])
    written = 0
    with transaction.atomic():
        for start in range(0, len(parsed), chunk_size):
            written += write(parsed[start : start + chunk_size])
    return TableResult(rows=len(parsed), written=written)
