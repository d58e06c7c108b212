"""Reading tabular files (CSV, XLSX) that people deliver, all-or-nothing.

Every import on the platform (city registries, expert databases, the province's certificate
list, social-insurance records) reads its file here: CSV streamed in the encodings Excel writes
(:func:`text_encoding`), XLSX through calamine (:func:`read_xlsx`); validated row by row into
:class:`CellError` reports that carry a code and parameters (rendered in Chinese and English by
:func:`error_message`); written only when no row failed.
The city registries' importer (``registry.imports``) has its own fast writer and only uses the
reading and reporting parts; :func:`table_import` serves the smaller imports.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import itertools
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

from django.conf import settings
from django.core.files import File
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

# Settings that leave a CSV file's encoding to detection: "utf-8-sig" is the default every source
# was created with, so existing sources read the GBK files of Excel on Chinese Windows too.
DETECTED_ENCODINGS = frozenset({"", "auto", "utf-8-sig"})
# A byte-order mark names the encoding whatever the setting says: Excel writes one before UTF-8
# ("CSV UTF-8") and UTF-16 ("Unicode text"), and no GB18030 export starts with these bytes.
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SAMPLE_BYTES = 64 * 1024
_NON_ASCII = re.compile(rb"[\x80-\xff]")


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


def text_encoding(path: Path, setting: str = "auto") -> str:
    """The encoding to read a text file with: its byte-order mark, else the setting, else detected.

    Detection takes UTF-8 if the file's first non-ASCII bytes decode as UTF-8, else GB18030 (a
    superset of GBK and GB2312, what Excel on Chinese Windows saves as "CSV"); a file that is
    neither, or holds NUL bytes (binary data), raises :class:`FileRejected` ("unreadable").
    """
    with open(path, "rb") as handle:
        head = handle.read(_SAMPLE_BYTES)
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return encoding
        if setting.strip().lower() not in DETECTED_ENCODINGS:
            return _known_encoding(setting.strip())
        if b"\x00" in head:
            raise FileRejected("unreadable", format="CSV", reason="binary data (NUL bytes), not text")
        sample, final = _non_ascii_sample(handle, head)
    if not sample:
        return "utf-8"  # plain ASCII
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRejected("unreadable", format="CSV", reason="neither UTF-8, GB18030 (GBK) nor UTF-16 text")


def _known_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise FileRejected("unreadable", format="CSV", reason=f"unknown encoding {name!r}") from None


def _non_ascii_sample(handle: BinaryIO, head: bytes) -> tuple[bytes, bool]:
    """Up to 64 KiB from the first non-ASCII byte on (b"" for an ASCII file), and whether they
    reach the end of the file. An export may hold thousands of ASCII rows (keys, numbers, dates)
    before its first name in Chinese, so the sample starts there rather than at the file's start."""
    block, offset = head, 0
    while block:
        found = _NON_ASCII.search(block)
        if found:
            handle.seek(offset + found.start())
            sample = handle.read(_SAMPLE_BYTES)
            return sample, len(sample) < _SAMPLE_BYTES or not handle.read(1)
        offset += len(block)
        block = handle.read(1024 * 1024)
    return b"", True


def read_csv(path: Path, *, encoding: str = "auto", delimiter: str = ",") -> Iterator[list[str]]:
    """Yield every row of a CSV file as stripped text cells.

    ``encoding`` is the source's setting (see :func:`text_encoding`). A header with tabs and
    without ``delimiter`` makes the file tab-separated: Excel's "Unicode text" (UTF-16) and
    "Text (tab delimited)" exports.
    """
    try:
        chosen = text_encoding(path, encoding)
        with open(path, encoding=chosen, newline="") as handle:
            header = handle.readline()
            if "\t" in header and delimiter not in header:
                delimiter = "\t"
            for row in csv.reader(itertools.chain((header,), handle), delimiter=delimiter):
                yield [cell.strip() for cell in row]
    except (UnicodeError, csv.Error) as exc:
        raise FileRejected("unreadable", format="CSV", reason=str(exc)[:200]) from None


def read_xlsx(path: Path) -> Iterator[list[str]]:
    """Yield every row of the first sheet as text cells, counted from Excel's row 1 and column A.

    Dates come as ISO dates, whole numbers without ".0". A number too long to be exact (an ID
    number typed as a number) comes with a leading NUL, so that a parser can say the digits were
    lost instead of reporting a wrong check character. ``TALENTLINK_XLSX_READER`` chooses the
    reader: calamine (default) or openpyxl, which streams the file in flat memory but takes 15
    times the CPU (32.5 s against 2.1 s for 100,000 rows of 15 cells).
    """
    rows = _calamine_rows(path) if settings.TALENTLINK_XLSX_READER == "calamine" else _openpyxl_rows(path)
    for row in rows:
        # Nearly every cell of an export is text: strip it here, convert only the others.
        yield [v.strip() if v.__class__ is str else _xlsx_text(v) for v in row]


def _xlsx_text(value: Any) -> str:
    if isinstance(value, float) and value > 1e15:
        return "\x00" + cell_text(value)
    return cell_text(value)


def _calamine_rows(path: Path) -> Iterator[list[Any]]:
    """The first sheet's rows through calamine (Rust), which parses the whole sheet into memory
    first (1.5 GiB at the peak for 1,000,000 rows of 15 text cells) and then hands out its rows
    one by one. A cell holding an Excel error (#N/A) reads as empty, as calamine gives it."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError) as exc:
        raise FileRejected("unreadable", format="XLSX", reason=str(exc)[:200]) from None
    # calamine's rows begin at row 1 but at the sheet's first used column: put the empty
    # columns before it back, as Excel (and openpyxl) count them.
    skipped = sheet.start[1] if sheet.start else 0
    if not skipped:
        yield from sheet.iter_rows()
        return
    for row in sheet.iter_rows():
        yield [""] * skipped + row


def _openpyxl_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRejected("unreadable", format="XLSX", reason=str(exc)[:200]) from None
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def read_table(path: Path, *, encoding: str = "auto", delimiter: str = ",") -> Iterator[list[str]]:
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


TABLE_SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class SpooledUpload:
    """An uploaded table written to a temporary file the readers open, and what identifies it."""

    path: Path
    original_name: str
    sha256: str
    size: int

    @property
    def meta(self) -> dict[str, Any]:
        """The :class:`~talentlink.core.models.FileImport` fields that name the file."""
        return {"original_name": self.original_name, "sha256": self.sha256, "size": self.size}


@contextlib.contextmanager
def upload_spooled(upload: File, *, suffixes: Sequence[str] = TABLE_SUFFIXES) -> Iterator[SpooledUpload]:
    """Spool an upload (or any opened file) to a temporary file with its own suffix, which tells
    the readers CSV from XLSX, hashing it on the way; the file is gone after the block.

    Refuses, before reading a byte, a format not in ``suffixes`` and a file over the import limit
    (``TALENTLINK_IMPORT_MAX_BYTES``)."""
    name = Path(upload.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise DomainError(
            format_lazy(_("Upload a file of one of these formats: {formats}."), formats=", ".join(suffixes)),
            code="file_format",
            field="file",
        )
    if (upload.size or 0) > settings.TALENTLINK_IMPORT_MAX_BYTES:
        raise DomainError(_("The file is larger than the import limit."), code="too_large", field="file")
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for block in upload.chunks():
            digest.update(block)
            size += len(block)
            handle.write(block)
        handle.flush()
        yield SpooledUpload(Path(handle.name), name[:255], digest.hexdigest(), size)


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
