"""Importing a city's export: all or nothing, idempotent, memory flat in the file size.

One pass inside one transaction. A scanner streams the file, validates every row
and hands the valid rows on in chunks, which are upserted (ID numbers sealed) as
they come. At the first error writing stops but the scan goes on to the end of
the file, so the report is complete; then the transaction is rolled back and
only the report is kept. A file with any error, or a crash half-way, therefore
changes nothing. Duplicate record keys are found through a private temporary
SQLite database of the scanner, not a set in memory.

Data-quality findings that the source system accepts (an invalid or missing ID
number, a wrong phone …; ``SourceSystem.accepted_checks``) are not errors: the
row is written with its findings as flags on the source record and listed in
the report as warnings. An accepted invalid ID number is sealed without its blind
index, so that no lookup by ID number ever finds it, and the golden person does
not take it (as survivorship in ``linkage.golden`` would not).

A large file is scanned in a second process while this one writes (a pipeline
over a pipe of bounded size): reading and validating cost about as much as
writing, so the two together take little more than the slower of them. The
scanning process only reads the file; it never opens the platform's database.
If it fails, the import fails and its transaction is rolled back.

Rows are written with ``executemany`` (``COPY`` on PostgreSQL) rather than
``bulk_create``: Django's SQLite backend splits a bulk insert into statements of
999 parameters (about 45 rows here) and prepares every field in Python, which
made it ten times slower.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import itertools
import os
import pickle
import sqlite3
import subprocess
import sys
import traceback
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import ENVIRONMENT_VARIABLE, settings
from django.core.cache import cache
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from talentlink.core import crypto, idnumbers
from talentlink.core.database import plan_each_statement, quoted_columns, rows_update
from talentlink.registry import storage
from talentlink.registry.linkage import golden
from talentlink.registry.models import (
    ImportBatch,
    Person,
    RowError,
    SourceRecord,
    SourceSystem,
)
from talentlink.registry.parsing import CellError, FileRejected, ParsedRow, RowParser

CHUNK = 2000
# Errors and warnings are each stored up to this many; their counts are exact all the same.
MAX_STORED_ERRORS = 50_000
# Files from this size on are scanned in a second process (starting it takes about a second).
PIPELINE_MIN_BYTES = 4 * 1024 * 1024
# The pipe from the scanning process holds about two chunks, so that it parses the next while
# this process writes, and sends a chunk in one go (Linux's limit for unprivileged users).
PIPE_BYTES = 1024 * 1024
Progress = Callable[[str, int, int], None]

_RECORD_FIELDS = (
    "name", "sex", "birth_date", "phone", "email", "employer_name", "employer_credit_code",
    "education", "title", "industry", "category_id", "tier_id",
)  # fmt: skip
_SEALED = ("id_number_encrypted", "id_number_index", "id_number_masked")
_NOT_SEALED = ("", "", "")
# Where a scanned row's fields start (after key, row number, hash, registered on, ID number,
# whether the ID number is verified, and the quality flags).
_FIELDS_AT = 7
# Fields of the golden record taken from its source record (one source per person
# until linkage merges them).
PERSON_FIELDS = (*_RECORD_FIELDS, *_SEALED)


def progress_key(batch_id: int) -> str:
    return f"registry:import-progress:{batch_id}"


def cache_progress(batch_id: int) -> Progress:
    """Report progress through the cache, which web pages poll (the import's own
    transaction keeps its database rows invisible until it commits)."""

    def report(phase: str, done: int, total: int) -> None:
        cache.set(progress_key(batch_id), {"phase": phase, "done": done, "total": total}, 3600)

    return report


class ScanFailed(RuntimeError):
    """The process scanning the file stopped without finishing; the import fails."""


def batch_run(batch: ImportBatch, *, progress: Progress | None = None) -> ImportBatch:
    """Validate and then apply one uploaded file; return the batch with its outcome."""
    report = progress or (lambda phase, done, total: None)
    batch.status, batch.started_at = ImportBatch.Status.RUNNING, timezone.now()
    batch.save(update_fields=["status", "started_at"])
    source = batch.source_system
    writer = _Writer(batch, source)
    try:
        with _bulk_writing(), transaction.atomic():
            plan_each_statement()
            # One import per source system at a time: a second waits here instead of
            # racing the first on the same record keys.
            list(SourceSystem.objects.select_for_update().filter(pk=source.pk).order_by().values_list("pk"))
            with storage.import_file_opened(batch) as path:  # the file is sealed at rest
                outcome = _scan(source, path, report, write=writer.write)
            if outcome.error_count:
                transaction.set_rollback(True)
            else:  # committed with the records they describe
                _store_findings(batch, outcome.warnings, RowError.Severity.WARNING)
    except FileRejected as exc:
        return _reject(batch, ScanOutcome([(0, CellError("", "", exc.code, exc.params))], 1))
    if outcome.error_count:
        return _reject(batch, outcome)
    batch.created_count, batch.updated_count, batch.unchanged_count = writer.counts
    batch.total_rows, batch.warning_count = outcome.total, outcome.warning_count
    batch.flagged_count = outcome.flagged_count
    batch.status, batch.finished_at = ImportBatch.Status.SUCCEEDED, timezone.now()
    batch.save()
    report("done", outcome.total, outcome.total)
    return batch


@dataclass(slots=True)
class ScanOutcome:
    """What checking a whole file found: the stored errors and warnings, and exact counts."""

    errors: list[tuple[int, CellError]] = field(default_factory=list)
    error_count: int = 0
    warnings: list[tuple[int, CellError]] = field(default_factory=list)
    warning_count: int = 0
    flagged_count: int = 0
    total: int = 0

    def add(self, message: ScanChunk | ScanEnd) -> None:
        self.errors.extend(message.errors)
        self.error_count += message.error_count
        self.warnings.extend(message.warnings)
        self.warning_count += message.warning_count
        self.flagged_count += message.flagged_count


def file_validate(source: SourceSystem, path: Path, report: Progress | None = None) -> ScanOutcome:
    """Check every row of a file without writing anything."""
    return _scan(source, path, report or (lambda phase, done, total: None), write=None)


def _scan(
    source: SourceSystem, path: Path, report: Progress, *, write: Callable[[list[tuple]], None] | None
) -> ScanOutcome:
    """Validate every row; hand accepted rows to ``write`` in chunks until the first error."""
    scanner = Scanner(RowParser(source), path, chunk=CHUNK, dates_as_text=connection.vendor == "sqlite")
    outcome = ScanOutcome()
    with _messages(scanner) as messages:
        for message in messages:
            outcome.add(message)
            if isinstance(message, ScanEnd):
                outcome.total = message.total
                break
            if write is not None and message.rows and not outcome.error_count:
                write(message.rows)
            report("checking" if outcome.error_count or write is None else "writing", message.total, 0)
    if outcome.total == 0 and not outcome.error_count:
        raise FileRejected("empty_file")
    return outcome


def _messages(scanner: Scanner) -> contextlib.AbstractContextManager[Iterator[ScanChunk | ScanEnd]]:
    """The scanner's messages, from a second process when the file is large enough to gain by it."""
    large = scanner.path.stat().st_size >= PIPELINE_MIN_BYTES if scanner.path.exists() else False
    if large and _pipeline_possible():
        return _pipelined(scanner)
    return contextlib.closing(scanner.messages())


def _pipeline_possible() -> bool:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores > 1 and bool(os.environ.get(ENVIRONMENT_VARIABLE))


# --- Scanning: reading and validating rows ------------------------------------


@dataclass(slots=True)
class ScanChunk:
    """The next ``chunk`` rows of the file: the rows to write (only while no row has failed),
    the errors and warnings found in them (those stored; the counts count them all) and how
    many of its rows were accepted with warnings."""

    rows: list[tuple[Any, ...]]
    errors: list[tuple[int, CellError]]
    error_count: int
    total: int
    warnings: list[tuple[int, CellError]] = field(default_factory=list)
    warning_count: int = 0
    flagged_count: int = 0


@dataclass(slots=True)
class ScanEnd:
    """The end of the file: repeated keys (or header errors) and the number of data rows."""

    errors: list[tuple[int, CellError]]
    error_count: int
    total: int
    warnings: list[tuple[int, CellError]] = field(default_factory=list)
    warning_count: int = 0
    flagged_count: int = 0


@dataclass(slots=True)
class _Rejected:
    code: str
    params: dict[str, Any]


@dataclass(slots=True)
class _Crashed:
    detail: str


class _HeaderRejected(Exception):
    def __init__(self, errors: list[CellError]) -> None:
        self.errors = errors


class Scanner:
    """Reads and validates the rows of one file; plain data, so it can run in another process.

    A row to write is a tuple ``(source key, row number, content hash, registered on, ID number,
    *_RECORD_FIELDS)``, with dates as text where the database stores them so (SQLite). The writer
    seals the ID number, and only of the rows it writes: a re-import leaves most rows unchanged.
    """

    def __init__(self, parser: RowParser, path: Path, *, chunk: int, dates_as_text: bool) -> None:
        self.parser, self.path, self.chunk, self.dates_as_text = parser, path, chunk, dates_as_text

    def messages(self) -> Generator[ScanChunk | ScanEnd, None, None]:
        check, size = self.parser.check, self.chunk
        chunk = ScanChunk([], [], 0, 0)
        errors, warnings = _Findings(), _Findings()
        total = 0
        with _KeyLedger() as ledger:
            try:
                for number, cells in self._data_rows():
                    total += 1
                    row, row_errors, row_warnings = check(number, cells)
                    if row_errors:
                        chunk.error_count += errors.add(chunk.errors, number, row_errors)
                    if row_warnings:
                        chunk.warning_count += warnings.add(chunk.warnings, number, row_warnings)
                        chunk.flagged_count += int(row is not None)
                    key = row.source_key if row else self.parser.raw_key(cells)
                    if key:
                        ledger.add(key, number)
                    if row is not None and not errors.count:
                        chunk.rows.append(self._prepared(row))
                    if total % size == 0:
                        chunk.total = total
                        yield chunk
                        chunk = ScanChunk([], [], 0, 0)
            except _HeaderRejected as exc:
                yield ScanEnd([(1, e) for e in exc.errors], len(exc.errors), 0)
                return
            if total % size:  # the last, partial chunk: its rows and all it found, whatever was stored
                chunk.total = total
                yield chunk
            yield self._end(ledger, errors.stored, total)

    def _end(self, ledger: _KeyLedger, stored: int, total: int) -> ScanEnd:
        """Repeated keys, counted exactly and stored up to what is left of the limit."""
        column = self.parser.column_names.get("source_key", "source_key")
        repeated = [
            (later, CellError(column, key, "duplicate_key", {"first": first}))
            for key, first, later in ledger.duplicates(limit=max(MAX_STORED_ERRORS - stored, 0))
        ]
        return ScanEnd(repeated, ledger.duplicate_count(), total)

    def _data_rows(self) -> Iterator[tuple[int, list[str]]]:
        rows = self.parser.read(self.path)
        header = next(rows, None)
        if header is None:
            raise FileRejected("empty_file")
        header_errors = self.parser.bind_header(header)
        if header_errors:
            raise _HeaderRejected(header_errors)
        start, first = 2, next(rows, None)
        if first is not None and self.parser.is_template_note(first):
            start = 3  # the description row of the platform's template, left in
        elif first is not None:
            rows = itertools.chain([first], rows)
        for number, cells in enumerate(rows, start=start):
            if any(cells):
                yield number, cells

    def _prepared(self, row: ParsedRow) -> tuple[Any, ...]:
        born: dt.date | str | None = row.birth_date
        registered: dt.date | str | None = row.registered_on
        if self.dates_as_text:
            born = row.birth_date and row.birth_date.isoformat()
            registered = row.registered_on and row.registered_on.isoformat()
        return (
            row.source_key, row.row, row.content_hash(), registered, row.id_number, row.id_verified,
            row.flags, row.name, row.sex, born, row.phone, row.email, row.employer_name,
            row.employer_credit_code, row.education, row.title, row.industry, row.category_id, row.tier_id,
        )  # fmt: skip


class _Findings:
    """Errors or warnings of a scan: all counted, stored up to MAX_STORED_ERRORS."""

    def __init__(self) -> None:
        self.count = self.stored = 0

    def add(self, into: list[tuple[int, CellError]], number: int, found: list[CellError]) -> int:
        self.count += len(found)
        kept = found[: max(MAX_STORED_ERRORS - self.stored, 0)]
        self.stored += len(kept)
        into.extend((number, problem) for problem in kept)
        return len(found)


class _KeyLedger:
    """Record keys seen in a file, kept in a private temporary SQLite database (on disk, apart
    from a small page cache) so that memory stays flat and the platform's database is untouched."""

    def __enter__(self) -> _KeyLedger:
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.execute("CREATE TABLE seen (k TEXT, r INTEGER)")
        self.db.execute("BEGIN")
        self.pending: list[tuple[str, int]] = []
        return self

    def add(self, key: str, row: int) -> None:
        self.pending.append((key, row))
        if len(self.pending) >= 10_000:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.db.executemany("INSERT INTO seen (k, r) VALUES (?, ?)", self.pending)
            self.pending = []

    def duplicates(self, *, limit: int) -> Iterator[tuple[str, int, int]]:
        """(key, first row, later row) for the first ``limit`` repetitions of a key."""
        self._flush()
        yield from self.db.execute(
            "SELECT s.k, f.first_row, s.r FROM seen s JOIN "
            "(SELECT k, MIN(r) AS first_row FROM seen GROUP BY k HAVING COUNT(*) > 1) f "
            "ON s.k = f.k WHERE s.r > f.first_row ORDER BY s.r LIMIT ?",
            [limit],
        )

    def duplicate_count(self) -> int:
        """How many rows repeat a key of an earlier row."""
        self._flush()
        (count,) = self.db.execute("SELECT COUNT(*) - COUNT(DISTINCT k) FROM seen").fetchone()
        return int(count)

    def __exit__(self, *exc: object) -> None:
        self.db.close()


# --- Scanning in a second process ----------------------------------------------

# The scanning process: Django set up from the same settings module, never a database connection.
_SCAN_PROCESS_MAIN = (
    "import sys, django; django.setup(); "
    "from talentlink.registry.imports import scan_process_main; scan_process_main(int(sys.argv[1]))"
)


@contextlib.contextmanager
def _pipelined(scanner: Scanner) -> Iterator[Iterator[ScanChunk | ScanEnd]]:
    """Run the scanner in a second Python process and yield its messages as they come.

    The process gets the pickled scanner on its standard input and writes pickled messages to
    a pipe, whose bounded buffer keeps both sides' memory flat. It is killed when this side
    stops early, e.g. because writing failed.
    """
    read_end, write_end = os.pipe()
    with contextlib.suppress(OSError, AttributeError):  # Linux: let the pipe hold a few chunks
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])
    environment = {**os.environ, "PYTHONPATH": path}
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _SCAN_PROCESS_MAIN, str(write_end)],
            stdin=subprocess.PIPE, pass_fds=[write_end, *storage.inherited_fds(scanner.path)],
            env=environment,
        )  # fmt: skip
    finally:
        os.close(write_end)
    with open(read_end, "rb") as stream:
        try:
            assert process.stdin is not None
            try:
                with process.stdin:
                    pickle.dump(scanner, process.stdin)
            except BrokenPipeError as exc:
                code = process.wait()
                raise ScanFailed(f"the scanning process did not start (exit status {code})") from exc
            yield _received(stream, process)
        except BaseException:
            process.kill()
            raise
        finally:
            try:
                process.wait(timeout=10)  # it exits once its last message is read
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _received(stream: IO[bytes], process: subprocess.Popen[bytes]) -> Iterator[ScanChunk | ScanEnd]:
    while True:
        try:
            message = pickle.load(stream)
        except (EOFError, pickle.UnpicklingError) as exc:
            code = process.wait()
            raise ScanFailed(f"the scanning process stopped (exit status {code})") from exc
        if isinstance(message, _Rejected):
            raise FileRejected(message.code, **message.params)
        if isinstance(message, _Crashed):
            raise ScanFailed(f"the scanning process failed:\n{message.detail}")
        yield message
        if isinstance(message, ScanEnd):
            return


def scan_process_main(fd: int) -> None:
    """Body of the scanning process: scan the scanner read from stdin, write messages to ``fd``."""
    scanner = pickle.load(sys.stdin.buffer)
    with open(fd, "wb") as stream:
        try:
            for message in scanner.messages():
                stream.write(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
                stream.flush()
        except FileRejected as exc:
            stream.write(pickle.dumps(_Rejected(exc.code, exc.params)))
        except BrokenPipeError:
            return  # the writer stopped early and kills us anyway
        except Exception:
            stream.write(pickle.dumps(_Crashed(traceback.format_exc(limit=8))))


# --- Writing ------------------------------------------------------------------


@contextlib.contextmanager
def _bulk_writing() -> Iterator[None]:
    """SQLite settings for the import's transaction, set around it and restored after.

    A larger page cache (``TALENTLINK_IMPORT_SQLITE_CACHE_MIB``, 256 by default): the indexes on
    names and ID numbers take inserts all over, and with the default cache their pages were
    spilled and read back again and again, which made writing at 600,000 rows 40 % slower.
    Foreign keys unchecked: every key the import writes is one it has just read or inserted
    itself, inside its own transaction and under SQLite's database-wide write lock, so nothing can
    remove what they point to, and checking each again cost about a fifth of the writing. Inside a
    caller's transaction SQLite cannot switch the checks off, and they stay on. PostgreSQL is left
    as it is.
    """
    if connection.vendor != "sqlite":
        yield
        return
    cache_mib = int(getattr(settings, "TALENTLINK_IMPORT_SQLITE_CACHE_MIB", 256))
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-1024 * cache_mib}")
    try:
        with connection.constraint_checks_disabled():
            yield
    finally:
        # A connection broken by what failed must not hide it behind a second error.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _store_findings(batch: ImportBatch, found: list[tuple[int, CellError]], severity: str) -> None:
    RowError.objects.bulk_create(
        (
            RowError(batch=batch, row=row, column=e.column[:100], value=e.value[:200],
                     code=e.code, params=e.params, severity=severity)
            for row, e in found
        ),
        batch_size=5000,
    )  # fmt: skip


def _reject(batch: ImportBatch, outcome: ScanOutcome) -> ImportBatch:
    """Keep the report of a rejected file: its errors, and the warnings it would have carried."""
    _store_findings(batch, outcome.errors, RowError.Severity.ERROR)
    _store_findings(batch, outcome.warnings, RowError.Severity.WARNING)
    batch.error_count, batch.total_rows = outcome.error_count, outcome.total
    batch.warning_count, batch.flagged_count = outcome.warning_count, 0
    batch.status, batch.finished_at = ImportBatch.Status.REJECTED, timezone.now()
    batch.save()
    return batch


def _other_fields(model: type[models.Model], names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple]:
    """The model's other columns and the values a new row gets in them (their defaults, as ``save()``
    would store them), so that a field added to the model later does not break the import."""
    others = [f for f in model._meta.concrete_fields if f.attname not in names and not f.primary_key]
    values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
    return tuple(f.attname for f in others), values


_PERSON_NEW = (*PERSON_FIELDS, "id", "home_region_id", "account_id", "status", "created_at", "updated_at")
_RECORD_NEW = (
    *PERSON_FIELDS, "source_system_id", "source_key", "person_id", "batch_id", "row_number",
    "content_hash", "registered_on", "quality_flags", "created_at", "updated_at",
)  # fmt: skip
_RECORD_CHANGED = (
    *PERSON_FIELDS, "batch_id", "row_number", "content_hash", "registered_on", "quality_flags", "updated_at",
)  # fmt: skip
_PERSON_CHANGED = (*PERSON_FIELDS, "updated_at")


class _Writer:
    """Upserts chunks of scanned rows: new keys become a person and a source record, changed
    rows update both, unchanged rows are only counted."""

    def __init__(self, batch: ImportBatch, source: SourceSystem) -> None:
        self.batch, self.source = batch, source
        self.counts = [0, 0, 0]  # created, updated, unchanged
        self.record_table = connection.ops.quote_name(SourceRecord._meta.db_table)
        person_others, self.person_defaults = _other_fields(Person, _PERSON_NEW)
        record_others, self.record_defaults = _other_fields(SourceRecord, _RECORD_NEW)
        self.person_columns = (*_PERSON_NEW, *person_others)
        self.record_columns = (*_RECORD_NEW, *record_others)
        self.flags_field = SourceRecord._meta.get_field("quality_flags")
        self.flag_values: dict[tuple[str, ...], Any] = {}

    def _flags(self, rows: list[tuple[Any, ...]]) -> list[Any]:
        """The quality flags of scanned rows as the database takes them (a few distinct sets,
        each adapted once)."""
        known = self.flag_values
        for flags in {row[6] for row in rows} - known.keys():
            known[flags] = self.flags_field.get_db_prep_save(list(flags), connection)
        return [known[row[6]] for row in rows]

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        existing = self._existing([row[0] for row in rows])
        new_rows, changed, seen = [], [], set()
        for row in rows:
            key = row[0]
            if key in seen:
                continue  # a repeated key: the ledger reports it and the import is rolled back
            seen.add(key)
            found = existing.get(key)
            if found is None:
                new_rows.append(row)
            elif found[1] != row[2]:
                changed.append((row, found))
            else:
                self.counts[2] += 1
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        if new_rows:
            self._create(new_rows, now)
            self.counts[0] += len(new_rows)
        if changed:
            self._update(changed, now)
            self.counts[1] += len(changed)

    def _existing(self, keys: list[str]) -> dict[str, tuple[int, str, int]]:
        """(record id, content hash, person id) of the keys already stored for this source."""
        placeholders = ", ".join(["%s"] * len(keys))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT source_key, id, content_hash, person_id FROM {self.record_table} "
                f"WHERE source_system_id = %s AND source_key IN ({placeholders})",
                [self.source.pk, *keys],
            )
            return {key: (pk, digest, person_id) for key, pk, digest, person_id in cursor.fetchall()}

    def _create(self, rows: list[tuple[Any, ...]], now: Any) -> None:
        person_ids = _reserve_ids(Person, len(rows))
        region, source, batch = self.source.region_id, self.source.pk, self.batch.pk
        active = Person.Status.ACTIVE.value
        more_person, more_record = self.person_defaults, self.record_defaults
        values = [_values(row) for row in rows]
        persons = [
            (*fields, pid, region, None, active, now, now, *more_person)
            for fields, pid in zip(_golden(values, rows), person_ids, strict=True)
        ]
        records = [
            (*fields, source, row[0], pid, batch, row[1], row[2], row[3], flags, now, now, *more_record)
            for fields, row, pid, flags in zip(values, rows, person_ids, self._flags(rows), strict=True)
        ]
        _insert(Person, self.person_columns, persons)
        _insert(SourceRecord, self.record_columns, records)

    def _update(self, changed: list[tuple[tuple[Any, ...], tuple[int, str, int]]], now: Any) -> None:
        batch, rows = self.batch.pk, [row for row, _found in changed]
        values = [_values(row) for row in rows]
        records = [
            (*fields, batch, row[1], row[2], row[3], flags, now, pk)
            for fields, (row, (pk, _old, _person)), flags in zip(
                values, changed, self._flags(rows), strict=True
            )
        ]
        rows_update(SourceRecord, _RECORD_CHANGED, records)
        # A person with one source takes the row as it is; one that linkage merged from several
        # is recomputed by survivorship, so a corrected file cannot blank what another city knows
        # or put its own city's tier on another city's talent.
        merged = self._merged({found[2] for _row, found in changed})
        persons = [
            (*fields, now, found[2])
            for fields, (_row, found) in zip(_golden(values, rows), changed, strict=True)
            if found[2] not in merged
        ]
        rows_update(Person, _PERSON_CHANGED, persons)
        if merged:
            golden.refresh(merged)

    def _merged(self, person_ids: set[int]) -> set[int]:
        """Those of the persons that more than one source record is linked to."""
        placeholders = ", ".join(["%s"] * len(person_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT person_id FROM {self.record_table} WHERE person_id IN ({placeholders}) "
                "GROUP BY person_id HAVING COUNT(*) > 1",
                sorted(person_ids),
            )
            return {person_id for (person_id,) in cursor.fetchall()}


def _values(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The PERSON_FIELDS of a scanned row's source record: its fields and its ID number sealed
    (an unverified number encrypted only: no blind index, a mask that says so)."""
    id_number, fields = row[4], row[_FIELDS_AT:]
    if not id_number:
        return (*fields, *_NOT_SEALED)
    if row[5]:
        return (*fields, *crypto.id_number_seal(id_number), idnumbers.mask(id_number))
    token, _index = crypto.id_number_seal(id_number)
    return (*fields, token, "", mask_unverified(id_number))


def _golden(values: list[tuple[Any, ...]], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The PERSON_FIELDS of the golden records of persons with one record each (``values`` of
    ``rows``): ID numbers only from verified numbers, as survivorship (``linkage.golden``) takes them."""
    if all(row[5] or not row[4] for row in rows):
        return values  # the usual chunk: every number verified or missing
    return [
        fields if row[5] or not row[4] else (*fields[:-3], *_NOT_SEALED)
        for fields, row in zip(values, rows, strict=True)
    ]


def mask_unverified(value: str) -> str:
    """The masked form of an ID number that is not valid: ``?`` before the usual mask, whatever
    the length (?330203********4512)."""
    shown = idnumbers.mask(value) if len(value) <= 18 else value[:6] + "*" * 8 + value[-4:]
    return "?" + shown


def _insert(model: type[models.Model], names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    table, columns = connection.ops.quote_name(model._meta.db_table), ", ".join(quoted_columns(model, names))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows; executemany would send one INSERT per row.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for rows inserted with explicit ids (the import holds the write lock on SQLite)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [value for (value,) in cursor.fetchall()]
        # Django declares SQLite keys AUTOINCREMENT: never reuse an id, even of a deleted row.
        cursor.execute(
            f"SELECT MAX(x) FROM (SELECT seq AS x FROM sqlite_sequence WHERE name = %s "
            f"UNION ALL SELECT MAX(id) FROM {connection.ops.quote_name(table)})",
            [table],
        )
        start = (cursor.fetchone()[0] or 0) + 1
    return list(range(start, start + count))
