"""Linkage at a city's size through the platform: imports, a full re-link, an incremental run.

Both cities' exports (2 × 50,500 rows with the realistic error model, 100,000 source records
linked at once) are imported with the real importer (the command a city runs), each in its own
committed transaction as in production, re-linked with ``registry_relink`` and then Zhoushan's next
delivery of 1,000 rows is imported, whose incremental run the database task worker
(``db_worker``) executes. Every statement the runs write is bounded (no variable per record), so
this passes on SQLite and PostgreSQL alike; the test reads the golden persons back from the
database and holds them to the truth kept aside by the generator.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from itertools import combinations

import pytest
from django.core.management import call_command

from talentlink.registry import demo
from talentlink.registry.models import ImportBatch, LinkageRun, Person, SourceRecord

# Committed transactions as in production: one test-long transaction would hold every page the
# imports wrote dirty, and SQLite's statement savepoints inside it grow with them.
pytestmark = pytest.mark.django_db(transaction=True)
PER_CITY = 50_500


def _pairs(assignment: Mapping[tuple[str, str], object]) -> set[frozenset[tuple[str, str]]]:
    groups: dict[object, list[tuple[str, str]]] = {}
    for record, group in assignment.items():
        groups.setdefault(group, []).append(record)
    return {frozenset(p) for members in groups.values() for p in combinations(members, 2)}


def _truth(path) -> dict[tuple[str, str], str]:
    with open(path, encoding="utf-8") as handle:
        return {(row["region"], row["source_key"]): row["person_uid"] for row in csv.DictReader(handle)}


def _found() -> dict[tuple[str, str], int]:
    rows = SourceRecord.objects.values_list("source_system__region__code", "source_key", "person_id")
    return {(region, key): person for region, key, person in rows.iterator(chunk_size=20_000)}


def test_a_city_sized_registry_is_relinked_and_a_new_import_linked_on_the_embedded_database_too(
    seeded_catalogues, nb_office, zs_office, tmp_path, settings
):
    # The database task queue, as `make demo` runs it: imports queue their runs for a worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    paths = demo.write_exports(
        out_dir=tmp_path, size=PER_CITY, overlap=0.3, seed=11, errors="realistic", increment=1_000
    )
    for source, path in (("ningbo-talent-db", paths["ningbo-talent-db"]),
                         ("zhoushan-talent-info", paths["zhoushan-talent-info"])):  # fmt: skip
        call_command("registry_import", str(path), source=source, stdout=io.StringIO())
    assert ImportBatch.objects.filter(status="succeeded").count() == 2
    assert LinkageRun.objects.filter(kind="incremental", status="queued").count() == 2, "no worker yet"

    call_command("registry_relink", stdout=io.StringIO())
    full = LinkageRun.objects.get(kind="full")
    assert full.status == "succeeded", full.message
    assert full.record_count >= 100_000 and full.merge_count > 10_000
    assert set(LinkageRun.objects.filter(kind="incremental").values_list("status", flat=True)) == {
        "superseded"
    }

    truth = _truth(paths["truth"])
    _assert_close_to(truth, precision=0.99, recall=0.97)
    assert not Person.objects.filter(status="merged", merged_into__isnull=True).exists()

    # Zhoushan's next delivery: 1,000 rows, linked by the queued run the task worker executes.
    call_command(
        "registry_import", str(paths["increment"]), source="zhoushan-talent-info", stdout=io.StringIO()
    )
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    batch = ImportBatch.objects.latest("pk")
    run = LinkageRun.objects.get(batch=batch)
    assert (batch.status, batch.created_count, run.status) == ("succeeded", 1_000, "succeeded"), run.message
    assert run.record_count == 1_000
    _assert_close_to(truth, precision=0.99, recall=0.97)


def _assert_close_to(truth: dict[tuple[str, str], str], *, precision: float, recall: float) -> None:
    found = _found()
    true_pairs = _pairs({k: v for k, v in truth.items() if k in found})
    found_pairs = _pairs(found)
    hits = len(found_pairs & true_pairs)
    measured = (hits / len(found_pairs), hits / len(true_pairs))
    assert measured[0] >= precision and measured[1] >= recall, measured
