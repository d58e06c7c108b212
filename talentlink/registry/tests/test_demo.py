from __future__ import annotations

import csv
from collections import Counter

from talentlink.registry import demo
from talentlink.registry.models import ImportBatch, Person
from talentlink.registry.tests.test_imports import run_import


def test_the_demo_exports_import_cleanly_with_people_in_both_cities(nb_office, zs_office, tmp_path):
    paths = demo.write_exports(out_dir=tmp_path, size=200, overlap=0.3)
    assert run_import(nb_office, paths["ningbo-talent-db"]).status == ImportBatch.Status.SUCCEEDED
    zs = run_import(zs_office, paths["zhoushan-talent-info"], source="zhoushan-talent-info")
    assert zs.status == ImportBatch.Status.SUCCEEDED, list(zs.errors.values()[:5])
    assert Person.objects.count() == 400
    with open(paths["truth"], encoding="utf-8") as handle:
        truth = Counter(row["person_uid"] for row in csv.DictReader(handle))
    assert sum(1 for n in truth.values() if n == 2) == 60


def test_the_demo_command_loads_accounts_and_both_cities(db, tmp_path):
    from django.core.management import call_command

    call_command("demo_load", size=50, out=tmp_path)
    call_command("demo_load", size=50, out=tmp_path)  # safe to run again
    assert Person.objects.count() == 100
    assert Person.objects.filter(account__isnull=False).count() == 1
