"""Importing a city's export: all or nothing, idempotent, memory flat in the file size.

One pass inside one transaction: the file is streamed, every row validated,
and valid rows are upserted chunk by chunk as they come. At the first error
writing stops but validation goes on to the end of the file, so the report is
complete; then the transaction is rolled back and only the report is kept. A
file with any error, or a crash half-way, therefore changes nothing. Duplicate
record keys are found through a temporary table, not a set in memory.

Rows are written with ``executemany`` rather than ``bulk_create``: Django's
SQLite backend splits a bulk insert into statements of 999 parameters (about 45
rows here) and prepares every field in Python, which made it ten times slower.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import connection, models, transaction
from django.utils import timezone

from talentlink.core import crypto, idnumbers
from talentlink.registry.models import (
    ImportBatch,
    Person,
    RowError,
    SourceRecord,
    SourceSystem,
)
from talentlink.registry.parsing import CellError, FileRejected, ParsedRow, RowParser, read_rows

CHUNK = 2000
MAX_STORED_ERRORS = 50_000
Progress = Callable[[str, int, int], None]

_RECORD_FIELDS = (
    "name", "sex", "birth_date", "phone", "email", "employer_name", "employer_credit_code",
    "education", "title", "industry", "category_id", "tier_id",
)  # fmt: skip
_SEALED = ("id_number_encrypted", "id_number_index", "id_number_masked")
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


def batch_run(batch: ImportBatch, *, progress: Progress | None = None) -> ImportBatch:
    """Validate and then apply one uploaded file; return the batch with its outcome."""
    report = progress or (lambda phase, done, total: None)
    batch.status, batch.started_at = ImportBatch.Status.RUNNING, timezone.now()
    batch.save(update_fields=["status", "started_at"])
    source = batch.source_system
    counts = [0, 0, 0]

    def write(rows: list[ParsedRow]) -> None:
        _apply_chunk(batch, source, rows, counts)

    try:
        with transaction.atomic():
            # One import per source system at a time: a second waits here instead of
            # racing the first on the same record keys.
            list(SourceSystem.objects.select_for_update().filter(pk=source.pk).order_by().values_list("pk"))
            errors, error_count, total = _scan(source, Path(batch.file.path), report, write=write)
            if error_count:
                transaction.set_rollback(True)
    except FileRejected as exc:
        return _reject(batch, [(0, CellError("", "", exc.code, exc.params))], 1, 0)
    if error_count:
        return _reject(batch, errors, error_count, total)
    batch.created_count, batch.updated_count, batch.unchanged_count = counts
    batch.total_rows = total
    batch.status, batch.finished_at = ImportBatch.Status.SUCCEEDED, timezone.now()
    batch.save()
    report("done", total, total)
    return batch


def _data_rows(path: Path, source: SourceSystem, parser: RowParser) -> Iterator[tuple[int, list[str]]]:
    rows = read_rows(path, source)
    header = next(rows, None)
    if header is None:
        raise FileRejected("empty_file")
    header_errors = parser.bind_header(header)
    if header_errors:
        raise _HeaderRejected(header_errors)
    for number, cells in enumerate(rows, start=2):
        if any(cells):
            yield number, cells


class _HeaderRejected(Exception):
    def __init__(self, errors: list[CellError]) -> None:
        self.errors = errors


def file_validate(
    source: SourceSystem, path: Path, report: Progress | None = None
) -> tuple[list[tuple[int, CellError]], int, int]:
    """Check every row of a file without writing anything: (errors, error count, rows)."""
    return _scan(source, path, report or (lambda phase, done, total: None), write=None)


def _scan(
    source: SourceSystem, path: Path, report: Progress, *, write: Callable[[list[ParsedRow]], None] | None
) -> tuple[list[tuple[int, CellError]], int, int]:
    """Validate every row; hand valid rows to ``write`` in chunks until the first error."""
    parser = RowParser(source)
    errors: list[tuple[int, CellError]] = []
    chunk: list[ParsedRow] = []
    error_count = total = 0
    with _KeyLedger() as ledger:
        try:
            for number, cells in _data_rows(path, source, parser):
                total += 1
                row, row_errors = parser.parse(number, cells)
                for problem in row_errors:
                    error_count += 1
                    if len(errors) < MAX_STORED_ERRORS:
                        errors.append((number, problem))
                key = row.source_key if row else parser.raw_key(cells)
                if key:
                    ledger.add(key, number)
                if write is not None and row is not None and not error_count:
                    chunk.append(row)
                    if len(chunk) == CHUNK:
                        write(chunk)
                        chunk = []
                if total % CHUNK == 0:
                    report("checking" if error_count or write is None else "writing", total, 0)
        except _HeaderRejected as exc:
            return [(1, e) for e in exc.errors], len(exc.errors), 0
        if write is not None and chunk and not error_count:
            write(chunk)
        for key, first, later in ledger.duplicates():
            error_count += 1
            column = parser.column_names.get("source_key", "source_key")
            errors.append((later, CellError(column, key, "duplicate_key", {"first": first})))
    if total == 0 and not error_count:
        raise FileRejected("empty_file")
    return errors, error_count, total


class _KeyLedger:
    """Record keys seen in a file, kept in a temporary table so memory stays flat."""

    def __enter__(self) -> _KeyLedger:
        self.table = f"tl_import_keys_{uuid.uuid4().hex[:12]}"
        self.pending: list[tuple[str, int]] = []
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} (k varchar(64), r integer)")
        return self

    def add(self, key: str, row: int) -> None:
        self.pending.append((key, row))
        if len(self.pending) >= 10_000:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {self.table} (k, r) VALUES (%s, %s)", self.pending)
            self.pending = []

    def duplicates(self) -> Iterator[tuple[str, int, int]]:
        """(key, first row, later row) for every repeated key."""
        self._flush()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT t.k, f.first_row, t.r FROM {self.table} t JOIN "
                f"(SELECT k, MIN(r) AS first_row FROM {self.table} GROUP BY k HAVING COUNT(*) > 1) f "
                "ON t.k = f.k WHERE t.r > f.first_row ORDER BY t.r LIMIT %s",
                [MAX_STORED_ERRORS],
            )
            yield from cursor.fetchall()

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


def _reject(batch: ImportBatch, errors: list[tuple[int, CellError]], count: int, total: int) -> ImportBatch:
    RowError.objects.bulk_create(
        (
            RowError(batch=batch, row=row, column=e.column[:100], value=e.value[:200],
                     code=e.code, params=e.params)
            for row, e in errors
        ),
        batch_size=5000,
    )  # fmt: skip
    batch.error_count, batch.total_rows = count, total
    batch.status, batch.finished_at = ImportBatch.Status.REJECTED, timezone.now()
    batch.save()
    return batch


def _values(row: ParsedRow) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(row, f) for f in _RECORD_FIELDS}
    if row.id_number:
        token, index = crypto.id_number_seal(row.id_number)
        values.update(id_number_encrypted=token, id_number_index=index,
                      id_number_masked=idnumbers.mask(row.id_number))  # fmt: skip
    else:
        values.update(id_number_encrypted="", id_number_index="", id_number_masked="")
    return values


def _apply_chunk(batch: ImportBatch, source: SourceSystem, rows: list[ParsedRow], counts: list[int]) -> None:
    existing = {
        key: (pk, digest, person_id)
        for key, pk, digest, person_id in SourceRecord.objects.filter(
            source_system=source, source_key__in=[r.source_key for r in rows]
        ).values_list("source_key", "pk", "content_hash", "person_id")
    }
    new_rows, changed, seen = [], [], set()
    for row in rows:
        digest = row.content_hash()
        if row.source_key in seen:
            continue  # a repeated key: the ledger reports it and the import is rolled back
        seen.add(row.source_key)
        if row.source_key not in existing:
            new_rows.append((row, digest))
        elif existing[row.source_key][1] != digest:
            changed.append((row, digest, existing[row.source_key]))
        else:
            counts[2] += 1
    if new_rows:
        _create(batch, source, new_rows)
        counts[0] += len(new_rows)
    if changed:
        _update(batch, changed)
        counts[1] += len(changed)


def _create(batch: ImportBatch, source: SourceSystem, rows: list[tuple[ParsedRow, str]]) -> None:
    now = timezone.now()
    person_ids = _reserve_ids(Person, len(rows))
    persons, records = [], []
    for (row, digest), person_id in zip(rows, person_ids, strict=True):
        values = _values(row)
        persons.append({
            **values, "id": person_id, "home_region_id": source.region_id, "account_id": None,
            "status": Person.Status.ACTIVE, "created_at": now, "updated_at": now,
        })  # fmt: skip
        records.append({
            **values, "source_system_id": source.pk, "source_key": row.source_key,
            "person_id": person_id, "batch_id": batch.pk, "row_number": row.row,
            "content_hash": digest, "registered_on": row.registered_on, "created_at": now, "updated_at": now,
        })  # fmt: skip
    _insert(Person, persons)
    _insert(SourceRecord, records)


def _update(batch: ImportBatch, changed: list[tuple[ParsedRow, str, tuple[int, str, int]]]) -> None:
    now = timezone.now()
    records, persons = [], []
    for row, digest, (pk, _old, person_id) in changed:
        values = _values(row)
        records.append({
            **values, "id": pk, "batch_id": batch.pk, "row_number": row.row, "content_hash": digest,
            "registered_on": row.registered_on, "updated_at": now,
        })  # fmt: skip
        persons.append({**values, "id": person_id, "updated_at": now})
    _update_rows(SourceRecord, records)
    _update_rows(Person, persons)


# --- Writing many rows at once ------------------------------------------------


def _memo(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Adapt a value once: a chunk's rows share the same timestamp object."""
    last: list[Any] = [object(), None]

    def adapted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return adapted


class _Columns:
    """Column names of a model's table and a fast way to turn row dicts into parameter tuples."""

    def __init__(self, model: type[models.Model], names: list[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.sql = [connection.ops.quote_name(fields[name].column) for name in names]
        self.get = operator.itemgetter(*names)
        ops = connection.ops
        # SQLite stores dates and times as text; only those columns need adapting.
        self.adapt = [
            (i, _memo(ops.adapt_datetimefield_value) if isinstance(fields[name], models.DateTimeField)
             else ops.adapt_datefield_value)
            for i, name in enumerate(names)
            if isinstance(fields[name], models.DateField)
        ]  # fmt: skip

    def params(self, row: dict[str, Any]) -> list[Any]:
        values = list(self.get(row))
        for i, adapt in self.adapt:
            values[i] = adapt(values[i])
        return values


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    columns = _Columns(model, list(rows[0]))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows; executemany would send one INSERT per row.
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns.sql)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(columns.params(row))
            return
        placeholders = ", ".join(["%s"] * len(columns.sql))
        sql = f"INSERT INTO {table} ({', '.join(columns.sql)}) VALUES ({placeholders})"
        cursor.executemany(sql, [columns.params(row) for row in rows])


def _update_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    columns = _Columns(model, [name for name in rows[0] if name != "id"])
    sql = "UPDATE {} SET {} WHERE id = %s".format(
        connection.ops.quote_name(model._meta.db_table), ", ".join(f"{column} = %s" for column in columns.sql)
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*columns.params(row), row["id"]] for row in rows])


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
