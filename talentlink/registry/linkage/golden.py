"""Golden records: survivorship over a person's source records, and moving records between persons.

Survivorship, field by field: ID numbers come only from records with a valid number;
among the candidates the value confirmed by the most sources wins, and between equally
confirmed values the most recent one (the record delivered last). Each field's
provenance (record, source system, rule) is kept on the person.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from django.db import connection, models

from talentlink.core.database import rows_update
from talentlink.registry.models import Person, SourceRecord

# Golden fields and the source record attribute each comes from; the three ID columns move together.
FIELDS = (
    "name", "sex", "birth_date", "phone", "email", "employer_name", "employer_credit_code",
    "category_id", "tier_id", "education", "title", "industry",
)  # fmt: skip
ID_FIELDS = ("id_number_encrypted", "id_number_index", "id_number_masked")
SNAPSHOT = (*FIELDS, *ID_FIELDS, "status", "merged_into_id", "provenance", "home_region_id")


def snapshot(person: Person) -> dict[str, Any]:
    """The golden record as JSON, to put back on undo."""
    return _as_json({name: getattr(person, name) for name in SNAPSHOT})


def snapshots(person_ids: Iterable[int], *, lock: bool = False) -> dict[int, dict[str, Any]]:
    """The golden records of many persons as JSON (locked for the transaction with ``lock``),
    read in bounded batches and without model instances."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in batches(person_ids):
        qs = Person.objects.filter(pk__in=chunk)
        if lock:
            qs = qs.select_for_update()
        for values in qs.order_by().values("pk", *SNAPSHOT):
            found[values.pop("pk")] = _as_json(values)
    return found


def _as_json(values: dict[str, Any]) -> dict[str, Any]:
    if isinstance(values["birth_date"], dt.date):
        values["birth_date"] = values["birth_date"].isoformat()
    return values


# Rows read, locked or written per statement: a full run touches hundreds of thousands of persons,
# and one statement with a variable per person exceeds what SQLite and PostgreSQL accept.
BATCH = 5000


def batches(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    """Sorted ids in lists of at most ``size``."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def restore(person: Person, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "birth_date" and value:
            value = dt.date.fromisoformat(value)
        setattr(person, name, value)


class Record(NamedTuple):
    """What survivorship reads of a source record (a row, not a model instance: a re-link
    recomputes hundreds of thousands of golden records)."""

    pk: int
    person_id: int
    region_id: int
    source_code: str
    source_key: str
    updated_at: Any
    registered_on: dt.date | None
    values: tuple[Any, ...]  # FIELDS, then ID_FIELDS


_RECORD_COLUMNS = (
    "pk", "person_id", "source_system__region_id", "source_system__code", "source_key", "updated_at",
    "registered_on", *FIELDS, *ID_FIELDS,
)  # fmt: skip
_POSITION = {name: i for i, name in enumerate((*FIELDS, *ID_FIELDS))}
_EMPTY = {name: None if name in ("birth_date", "category_id", "tier_id") else "" for name in FIELDS}


def _recency(record: Record) -> tuple[Any, ...]:
    return (record.updated_at, record.registered_on or dt.date.min, record.pk)


def _choose(records: list[Record], key: str) -> tuple[Record | None, str]:
    """The record whose value of ``key`` survives, and the rule that chose it."""
    i = _POSITION[key]
    present = [r for r in records if r.values[i] not in ("", None)]
    if not present:
        return None, ""
    votes = Counter(r.values[i] for r in present)
    best = max(votes.values())
    winners = [r for r in present if votes[r.values[i]] == best]
    rule = (
        "only"
        if len(votes) == 1
        else ("most_sources" if len(winners) < len(present) and best > 1 else "most_recent")
    )
    return max(winners, key=_recency), rule


def survived(home_region_id: int, records: list[Record]) -> dict[str, Any]:
    """The golden fields (FIELDS, ID_FIELDS and ``provenance``) a person's records give."""
    provenance: dict[str, Any] = {}
    values: dict[str, Any] = {}
    # A tier belongs to a region's catalogue: take it from the person's home city when it has a record.
    home = [r for r in records if r.region_id == home_region_id]
    for name in FIELDS:
        pool = home if name == "tier_id" and home else records
        chosen, rule = _choose(pool, name)
        values[name] = chosen.values[_POSITION[name]] if chosen else _EMPTY[name]
        if chosen:
            provenance[name.removesuffix("_id")] = _origin(chosen, rule)
    # Only verified numbers have a blind index (an unverified one is stored without it), so the
    # golden ID number is always a valid one.
    chosen, rule = _choose(records, "id_number_index")
    for name in ID_FIELDS:
        values[name] = chosen.values[_POSITION[name]] if chosen else ""
    if chosen:
        provenance["id_number"] = _origin(chosen, rule)
    values["provenance"] = provenance
    return values


def _origin(record: Record, rule: str) -> dict[str, Any]:
    return {"record": record.pk, "source": record.source_code, "key": record.source_key, "rule": rule}


def _concrete_field(name: str) -> models.Field[Any, Any]:
    field = Person._meta.get_field(name)
    assert isinstance(field, models.Field), "a person's golden fields are its own columns"
    return field


def refresh(person_ids: Iterable[int]) -> None:
    """Recompute the golden record of each person from the records now linked to it."""
    written = (*FIELDS, *ID_FIELDS, "provenance")
    fields = [_concrete_field(name) for name in written]
    # Text and keys go to the database as they are; only these need the field's conversion.
    converted = [i for i, f in enumerate(fields) if f.get_internal_type() in ("DateField", "JSONField")]
    for chunk in batches(person_ids, 2000):
        records: dict[int, list[Record]] = defaultdict(list)
        rows = SourceRecord.objects.filter(person_id__in=chunk).order_by().values_list(*_RECORD_COLUMNS)
        for row in rows:
            records[row[1]].append(Record._make((*row[:7], row[7:])))
        updates = []
        homes = Person.objects.filter(pk__in=chunk).order_by().values_list("pk", "home_region_id")
        for pk, home_region_id in homes:
            if records[pk]:
                values = survived(home_region_id, records[pk])
                row = [values[name] for name in written]
                for i in converted:
                    row[i] = fields[i].get_db_prep_save(row[i], connection)
                updates.append((*row, pk))
        rows_update(Person, written, updates)


def empty_persons(person_ids: Iterable[int]) -> set[int]:
    """Those of the persons that no record is linked to any more."""
    ids = set(person_ids)
    linked: set[int] = set()
    for chunk in batches(ids):
        records = SourceRecord.objects.filter(person_id__in=chunk).order_by()
        linked.update(records.values_list("person_id", flat=True).distinct())
    return ids - linked
