"""Importing a city's export: all or nothing, idempotent, memory flat in the file size.

Pass 1 streams the file and validates every row; duplicate record keys are
found through a temporary table, not a set in memory. A file with any error is
rejected with its row-level report and changes nothing. Pass 2 streams the file
again and upserts source records (and their persons) chunk by chunk inside one
transaction, so a failure half-way leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.core.cache import cache
from django.db import connection, transaction
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
    "education", "title", "industry",
)  # fmt: skip
# Fields of the golden record taken from its source record (one source per person
# until linkage merges them).
PERSON_FIELDS = (
    *_RECORD_FIELDS, "category_id", "tier_id",
    "id_number_encrypted", "id_number_index", "id_number_masked",
)  # fmt: skip
RECORD_UPDATE_FIELDS = (
    *PERSON_FIELDS, "registered_on", "batch", "row_number", "content_hash", "updated_at",
)  # fmt: skip


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
    path = Path(batch.file.path)
    try:
        errors, error_count, total = file_validate(source, path, report)
        if error_count:
            return _reject(batch, errors, error_count, total)
        with transaction.atomic():
            counts = _apply(batch, source, path, total, report)
    except FileRejected as exc:
        problem = CellError("", "", exc.code, exc.params)
        return _reject(batch, [(0, problem)], 1, 0)
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
    report = report or (lambda phase, done, total: None)
    parser = RowParser(source)
    errors: list[tuple[int, CellError]] = []
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
                if total % 10_000 == 0:
                    report("validating", total, 0)
        except _HeaderRejected as exc:
            return [(1, e) for e in exc.errors], len(exc.errors), 0
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


def _apply(
    batch: ImportBatch, source: SourceSystem, path: Path, total: int, report: Progress
) -> tuple[int, int, int]:
    parser = RowParser(source)
    counts = [0, 0, 0]
    chunk: list[ParsedRow] = []
    done = 0
    for number, cells in _data_rows(path, source, parser):
        row, _errors = parser.parse(number, cells)
        assert row is not None  # pass 1 proved every row valid
        chunk.append(row)
        if len(chunk) == CHUNK:
            _apply_chunk(batch, source, chunk, counts)
            done += len(chunk)
            chunk = []
            report("writing", done, total)
    if chunk:
        _apply_chunk(batch, source, chunk, counts)
    return counts[0], counts[1], counts[2]


def _sealed(row: ParsedRow) -> dict[str, str]:
    if not row.id_number:
        return {"id_number_encrypted": "", "id_number_index": "", "id_number_masked": ""}
    token, index = crypto.id_number_seal(row.id_number)
    return {
        "id_number_encrypted": token,
        "id_number_index": index,
        "id_number_masked": idnumbers.mask(row.id_number),
    }


def _fields(row: ParsedRow) -> dict[str, object]:
    values: dict[str, object] = {f: getattr(row, f) for f in _RECORD_FIELDS}
    values["category_id"], values["tier_id"] = row.category_id, row.tier_id
    values.update(_sealed(row))
    return values


def _apply_chunk(batch: ImportBatch, source: SourceSystem, rows: list[ParsedRow], counts: list[int]) -> None:
    existing = {
        key: (pk, digest, person_id)
        for key, pk, digest, person_id in SourceRecord.objects.filter(
            source_system=source, source_key__in=[r.source_key for r in rows]
        ).values_list("source_key", "pk", "content_hash", "person_id")
    }
    new_rows, changed = [], []
    for row in rows:
        digest = row.content_hash()
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
    values = [_fields(row) for row, _ in rows]
    persons = Person.objects.bulk_create([Person(home_region_id=source.region_id, **v) for v in values])
    SourceRecord.objects.bulk_create(
        [
            SourceRecord(
                source_system=source, source_key=row.source_key, person_id=person.pk,
                batch=batch, row_number=row.row, content_hash=digest,
                registered_on=row.registered_on, **v,
            )
            for (row, digest), person, v in zip(rows, persons, values, strict=True)
        ]
    )  # fmt: skip


def _update(batch: ImportBatch, changed: list[tuple[ParsedRow, str, tuple[int, str, int]]]) -> None:
    now = timezone.now()
    records, persons = [], []
    for row, digest, (pk, _old, person_id) in changed:
        values = _fields(row)
        records.append(
            SourceRecord(
                pk=pk, batch=batch, row_number=row.row, content_hash=digest,
                registered_on=row.registered_on, updated_at=now, **values,
            )
        )  # fmt: skip
        persons.append(Person(pk=person_id, updated_at=now, **values))
    SourceRecord.objects.bulk_update(records, RECORD_UPDATE_FIELDS, batch_size=500)
    Person.objects.bulk_update(persons, [*PERSON_FIELDS, "updated_at"], batch_size=500)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
