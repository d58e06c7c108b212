from __future__ import annotations

import csv
from collections import Counter

from django.core.management import call_command

from talentlink.core import idnumbers
from talentlink.core.models import Role, User
from talentlink.experts.models import Expert
from talentlink.registry import demo
from talentlink.registry.models import ImportBatch, LinkageRun, Person, ReviewPair, SourceRecord
from talentlink.registry.tests.test_imports import run_import


def test_the_easy_exports_import_cleanly_with_people_in_both_cities(nb_office, zs_office, tmp_path):
    paths = demo.write_exports(out_dir=tmp_path, size=200, overlap=0.3, errors="easy")
    assert run_import(nb_office, paths["ningbo-talent-db"]).status == ImportBatch.Status.SUCCEEDED
    zs = run_import(zs_office, paths["zhoushan-talent-info"], source="zhoushan-talent-info")
    assert zs.status == ImportBatch.Status.SUCCEEDED, list(zs.errors.values()[:5])
    assert Person.objects.count() == 400
    with open(paths["truth"], encoding="utf-8") as handle:
        truth = Counter(row["person_uid"] for row in csv.DictReader(handle))
    assert sum(1 for n in truth.values() if n == 2) == 60


def test_realistic_rows_carry_the_faults_of_real_registries_at_their_measured_rates():
    rows = list(demo.Generator(seed=3, errors="realistic").people(4000, 0.3, duplicates=0.01))
    written = Counter(_id_kind(t.id_number, number) for _city, _key, t, number in rows)
    assert 0.11 < written["missing"] / len(rows) < 0.15
    assert 0.02 < (written["checksum"] + written["birth_date"] + written["region"]) / len(rows) < 0.05
    assert written["15 digits"] > 50 and written["someone else's"] > 5
    assert sum(1 for *_, t, _n in rows if t.birth_date is None) > 0.03 * len(rows)
    assert sum(1 for *_, t, _n in rows if t.phone.startswith(("0574-", "0580-"))) > 20
    ningbo = {t.uid: t.name for city, key, t, _n in rows if city == demo.NINGBO and not key.endswith("D")}
    renamed = [t for city, _k, t, _n in rows if city == demo.ZHOUSHAN and ningbo.get(t.uid, t.name) != t.name]
    assert len(renamed) > 10  # homophones, look-alikes, padded names in the other city's copy


def test_some_people_share_name_birth_date_and_sex_with_another_person():
    generator = demo.Generator(seed=3, errors="realistic")
    people = [generator.talent(uid, demo.NINGBO) for uid in range(1, 20_001)]
    same = Counter((t.name, t.birth_date, t.sex) for t in people)
    assert 0 < sum(1 for n in same.values() if n > 1) < 20


def test_a_person_and_their_rows_do_not_depend_on_how_many_are_generated():
    small = list(demo.Generator(seed=5, errors="realistic").people(50, 0.3))
    large = list(demo.Generator(seed=5, errors="realistic").people(500, 0.3))
    assert [r for r in small if r[0] == demo.NINGBO] == [r for r in large if r[0] == demo.NINGBO][:50]


def test_a_later_delivery_holds_zhoushan_rows_of_known_and_new_people(db, tmp_path):
    paths = demo.write_exports(out_dir=tmp_path, size=400, overlap=0.3, errors="realistic", increment=40)
    with open(paths["truth"], encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    assert len(truth) == 800
    from openpyxl import load_workbook

    sheet = load_workbook(paths["increment"], read_only=True).worksheets[0]
    later = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(later) == 40 and all(key.startswith("ZS-") for key in later)
    uids = {row["source_key"]: row["person_uid"] for row in truth if row["region"] == demo.ZHOUSHAN}
    in_ningbo = {row["person_uid"] for row in truth if row["region"] == demo.NINGBO}
    assert 0 < sum(1 for key in later if uids[key] in in_ningbo) < 40


def test_the_demo_loads_both_cities_realistic_files_links_them_and_leaves_pairs_for_review(db, tmp_path):
    call_command("demo_load", size=2000, out=tmp_path)
    batches = ImportBatch.objects.order_by("pk")
    assert [b.status for b in batches] == [ImportBatch.Status.SUCCEEDED] * 2
    assert all(b.warning_count > 200 for b in batches)  # missing and invalid ID numbers, landlines
    assert SourceRecord.objects.filter(id_number_index="").count() > 400
    runs = LinkageRun.objects.all()
    assert runs and {r.status for r in runs} == {LinkageRun.Status.SUCCEEDED}
    merged = Person.objects.filter(status=Person.Status.MERGED)
    assert merged.count() > 500  # most of the 600 people in both cities
    # Every linked account (the registered talent's, and the market demo's talents') is on an active person.
    linked = User.objects.filter(role=Role.TALENT, link_status=User.LinkStatus.LINKED)
    assert linked.filter(username=demo.first_talent().phone).exists()
    assert Person.objects.filter(account__in=linked, status=Person.Status.ACTIVE).count() == linked.count()
    assert ReviewPair.objects.filter(status=ReviewPair.Status.PENDING).exists()
    # Zhoushan's experts are people Ningbo has too: after the merge they are still Zhoushan's.
    experts = Expert.objects.filter(region__code=demo.ZHOUSHAN)
    assert experts.exists() and not experts.exclude(person__status=Person.Status.ACTIVE).exists()
    assert SourceRecord.objects.filter(
        person__expert__in=experts, source_system__region__code=demo.NINGBO
    ).exists()

    call_command("demo_load", size=2000, out=tmp_path)  # safe to run again
    assert ImportBatch.objects.filter(status=ImportBatch.Status.SUCCEEDED).count() == 2
    assert LinkageRun.objects.count() == runs.count()
    assert Person.objects.filter(status=Person.Status.MERGED).count() == merged.count()


def _id_kind(true: str, number: str) -> str:
    if not number:
        return "missing"
    try:
        parsed = idnumbers.parse(number)
    except idnumbers.IdNumberError as exc:
        return exc.code
    if parsed.value != true:
        return "someone else's"
    return "15 digits" if parsed.converted_from_15 else "valid"
