"""Record linkage on the database: incremental after imports, full re-link, decisions kept."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from talentlink.core.audit import Access
from talentlink.registry.linkage import services as linkage
from talentlink.registry.models import (
    LinkageRun,
    MatchDecision,
    Person,
    PersonChange,
    ReviewPair,
    SourceRecord,
)


def pairwise(truth: dict[tuple[str, str], str]) -> tuple[float, float]:
    """Precision and recall of the record pairs the persons put together."""
    person_of = {
        (region, key): person
        for region, key, person in SourceRecord.objects.values_list(
            "source_system__region__code", "source_key", "person_id"
        )
    }
    found = {frozenset(p) for p in _pairs(person_of)}
    true = {frozenset(p) for p in _pairs(truth)}
    return len(found & true) / max(len(found), 1), len(found & true) / max(len(true), 1)


def _pairs(assignment):
    groups: dict[object, list] = {}
    for record, group in assignment.items():
        groups.setdefault(group, []).append(record)
    return [pair for members in groups.values() for pair in combinations(members, 2)]


def run_full(user, *, dry_run: bool = False) -> LinkageRun:
    run = linkage.linkage_run_start(access=Access.system(user=user), dry_run=dry_run, enqueue=False)
    return linkage.linkage_run_now(run_id=run.pk)


def test_each_import_links_its_records_to_the_people_already_known(linked):
    runs = list(LinkageRun.objects.order_by("pk"))
    assert [(r.kind, r.status) for r in runs] == [("incremental", "succeeded")] * 2
    precision, recall = pairwise(linked)
    assert precision >= 0.98 and recall >= 0.9, (precision, recall)
    assert Person.objects.filter(status="active").count() == len(set(linked.values()))
    merged = Person.objects.filter(status="merged")
    assert merged.exists() and all(p.merged_into_id for p in merged)


def test_the_golden_record_keeps_each_fields_provenance(linked):
    shared = Counter(SourceRecord.objects.values_list("person_id", flat=True))
    person = Person.objects.get(pk=next(pk for pk, n in shared.items() if n == 2))
    assert set(person.provenance) >= {"name", "birth_date", "sex"}
    record_ids = set(person.source_records.values_list("pk", flat=True))
    assert all(origin["record"] in record_ids for origin in person.provenance.values())


def test_a_full_dry_run_prints_its_plan_and_changes_nothing(linked, nb_office):
    before = list(SourceRecord.objects.order_by("pk").values_list("pk", "person_id"))
    run = run_full(nb_office, dry_run=True)
    assert run.status == "succeeded" and run.dry_run
    assert run.record_count == len(linked) and run.histogram
    assert list(SourceRecord.objects.order_by("pk").values_list("pk", "person_id")) == before
    assert not PersonChange.objects.filter(run=run).exists()


def test_a_split_by_staff_survives_a_full_re_link_and_can_be_undone(linked, nb_office):
    person = _person_with_two_records()
    first, second = person.source_records.order_by("pk")
    access = Access.system(user=nb_office)
    change = linkage.person_split(access=access, person=person, record_ids=[second.pk], reason="两个人")
    assert change.kind == "split" and len(change.created_persons) == 1
    assert MatchDecision.objects.filter(record_a=first, record_b=second, verdict="non_match").exists()

    run_full(nb_office)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.person_id != second.person_id, "a later automatic run never overrides a decision"

    reverse = linkage.person_change_undo(access=access, change=change, reason="误操作")
    second.refresh_from_db()
    assert reverse.kind == "undo" and second.person_id == person.pk
    assert not MatchDecision.objects.filter(pk__in=change.decisions).exists()
    assert Person.objects.get(pk=change.created_persons[0]).status == "merged"


def test_a_merge_by_staff_moves_the_records_and_keeps_the_history(linked, nb_office):
    keep, other = Person.objects.filter(status="active", home_region__code="330200").order_by("pk")[:2]
    access = Access.system(user=nb_office)
    records = {p.pk: p.source_records.count() for p in (keep, other)}
    change = linkage.persons_merge(access=access, person=keep, other=other, reason="同一人, 核对档案")
    other.refresh_from_db()
    assert (other.status, other.merged_into_id) == ("merged", keep.pk)
    assert change.actor == nb_office and change.reason.startswith("同一人")
    run_full(nb_office)
    assert SourceRecord.objects.filter(person=keep).count() == sum(records.values()), "the merge holds"
    linkage.person_change_undo(access=access, change=change)
    other.refresh_from_db()
    assert other.status == "active" and other.source_records.count() == records[other.pk]


def test_an_accepted_review_pair_merges_the_persons_and_is_audited(linked, nb_office):
    from talentlink.core.models import AuditEvent

    a, b = Person.objects.filter(status="active", home_region__code="330200").order_by("pk")[:2]
    records = a.source_records.count() + b.source_records.count()
    pair = ReviewPair.objects.create(
        record_a=a.source_records.all()[0], record_b=b.source_records.all()[0], match_weight=3.0,
        match_probability=0.9, comparison={},
    )  # fmt: skip
    linkage.review_decide(access=Access.system(user=nb_office), review=pair, verdict="match")
    pair.refresh_from_db()
    assert pair.status == "decided" and pair.decision is not None and pair.decision.verdict == "match"
    assert SourceRecord.objects.filter(person=a).count() == records
    assert AuditEvent.objects.filter(object_type="registry.reviewpair", action="decide").exists()


def _person_with_two_records() -> Person:
    shared = Counter(SourceRecord.objects.values_list("person_id", flat=True))
    return Person.objects.get(pk=next(pk for pk, n in sorted(shared.items()) if n == 2))


def test_a_corrected_file_updates_a_merged_person_through_survivorship(linked, zs_office, tmp_path):
    """A person known to both cities keeps the golden record survivorship gives, not the last
    file's row: a blank in Zhoushan's corrected row does not erase the phone Ningbo knows, and the
    tier stays the one of the home city's catalogue."""
    from openpyxl import Workbook, load_workbook

    from talentlink.registry.tests.test_imports import run_import

    def by_city(person: Person) -> dict[str, SourceRecord]:
        records = person.source_records.select_related("source_system__region")
        return {r.source_system.region.code: r for r in records}

    person, records = next(
        (p, records)
        for p in Person.objects.filter(status="active", home_region__code="330200").order_by("pk")
        if len(records := by_city(p)) == 2 and records["330200"].phone and records["330900"].phone
    )
    home_tier = person.tier_id
    export = tmp_path / "zhoushan-talent-info.xlsx"
    rows = [
        list(row) for row in load_workbook(export, read_only=True).worksheets[0].iter_rows(values_only=True)
    ]
    row = next(r for r in rows if r[rows[0].index("人员编码")] == records["330900"].source_key)
    row[rows[0].index("联系电话")] = None  # the corrected row gives no phone
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人才信息")
    for r in rows:
        sheet.append(r)
    workbook.save(export)

    batch = run_import(zs_office, export, source="zhoushan-talent-info")
    assert (batch.status, batch.updated_count) == ("succeeded", 1)
    assert SourceRecord.objects.get(pk=records["330900"].pk).phone == ""
    person.refresh_from_db()
    assert person.phone == records["330200"].phone
    assert person.provenance["phone"]["record"] == records["330200"].pk
    assert person.tier_id == home_tier
