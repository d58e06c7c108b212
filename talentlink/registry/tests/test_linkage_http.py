"""Linkage pages and API: who may use them, what they show, and the audit trail."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from talentlink.core.models import AuditEvent
from talentlink.registry.models import LinkageRun, Person, PersonChange, ReviewPair, SourceRecord


@pytest.fixture
def pair(linked) -> ReviewPair:
    a, b = Person.objects.filter(status="active", home_region__code="330200").order_by("pk")[2:4]
    return ReviewPair.objects.create(
        record_a=a.source_records.all()[0], record_b=b.source_records.all()[0], match_weight=2.5,
        match_probability=0.85, comparison={"name": {"level": "same_pinyin", "weight": 6.1},
                                            "phone": {"level": "else", "weight": -4.0}},
    )  # fmt: skip


def test_the_review_page_shows_both_records_with_agreeing_and_disagreeing_fields(client_of, nb_office, pair):
    response = client_of(nb_office).get(reverse("registry:linkage_review_pair", args=[pair.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert pair.record_a.source_key in page and pair.record_b.source_key in page
    assert 'class="agree" data-field="name"' in page and 'class="disagree" data-field="phone"' in page
    assert AuditEvent.objects.filter(
        object_type="registry.reviewpair", action="read", object_id=str(pair.pk)
    ).exists()


def test_an_observer_may_not_open_the_linkage_pages_or_api(client_of, observer, pair):
    client = client_of(observer)
    assert client.get(reverse("registry:linkage")).status_code == 403
    assert client.get("/api/registry/linkage/review").status_code == 403
    response = client.post(f"/api/registry/linkage/review/{pair.pk}/decision", {"verdict": "match"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code in (403, 404)
    pair.refresh_from_db()
    assert pair.status == "pending"


def test_the_api_lists_the_queue_and_takes_a_decision(client_of, nb_office, pair):
    client = client_of(nb_office)
    listed = client.get("/api/registry/linkage/review").json()
    assert [p["id"] for p in listed] == [pair.pk]
    assert {f["field"] for f in listed[0]["fields"]} >= {"name", "id_number", "birth_date"}
    response = client.post(f"/api/registry/linkage/review/{pair.pk}/decision",
                           {"verdict": "non_match", "reason": "不同人"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "decided"
    again = client.post(f"/api/registry/linkage/review/{pair.pk}/decision", {"verdict": "match"},
                        content_type="application/json")  # fmt: skip
    assert again.status_code == 404, "a decided pair leaves the queue"


def test_a_run_started_through_the_api_reports_its_statistics(
    client_of,
    nb_office,
    linked,
    django_capture_on_commit_callbacks,
):
    client = client_of(nb_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/registry/linkage/runs", {"dry_run": True}, content_type="application/json"
        )
    assert response.status_code == 201
    run = client.get(f"/api/registry/linkage/runs/{response.json()['id']}").json()
    assert run["status"] == "succeeded" and run["record_count"] == len(linked) and run["histogram"]
    page = client.get(reverse("registry:linkage_run", args=[run["id"]])).content.decode()
    assert 'id="weight-histogram"' in page and "<rect" in page


def test_the_person_page_lists_linked_records_and_undoes_a_merge(client_of, nb_office, linked):
    change = PersonChange.objects.filter(kind="merge", run__isnull=False)[0]
    client = client_of(nb_office)
    page = client.get(reverse("registry:person_links", args=[change.person_id])).content.decode()
    assert 'id="linked-records"' in page and "registry/linkage/changes/" in page
    moved = change.moves[0][0]
    client.post(reverse("registry:linkage_change_undo", args=[change.pk]), {"reason": "核对"})
    assert SourceRecord.objects.get(pk=moved).person_id == change.moves[0][1]
    history = client.get(f"/api/registry/linkage/persons/{change.person_id}/changes").json()
    assert any(c["kind"] == "undo" for c in history)


def test_the_relink_command_dry_run_prints_the_plan_and_changes_nothing(linked, capsys):
    from talentlink.registry.linkage import changes

    first = Person.objects.filter(status="active").order_by("pk")[0]
    record = first.source_records.all()[0]
    changes.apply([changes.Step(target=None, moves=[(record.pk, first.pk)], records=[record.pk])] if
                  first.source_records.count() > 1 else [], actor=None, reason="test")  # fmt: skip
    before = list(SourceRecord.objects.order_by("pk").values_list("person_id", flat=True))
    call_command("registry_relink", "--dry-run")
    out = capsys.readouterr().out
    assert "dry run" in out and "records" in out
    assert list(SourceRecord.objects.order_by("pk").values_list("person_id", flat=True)) == before
    assert LinkageRun.objects.filter(dry_run=True, status="succeeded").exists()


def test_the_desk_shows_talent_office_staff_the_review_queue_and_the_last_run(
    client_of, nb_office, nb_hr, pair
):
    ReviewPair.objects.create(
        record_a=pair.record_b, record_b=pair.record_a, match_weight=1.0, match_probability=0.7, comparison={},
        status=ReviewPair.Status.SKIPPED,
    )  # fmt: skip
    page = client_of(nb_office).get(reverse("core:dashboard")).content.decode()
    panel = page[page.index('id="linkage-desk"') :]
    last = LinkageRun.objects.all()[0]
    assert (
        reverse("registry:linkage_run", args=[last.pk]) in panel
        and reverse("registry:linkage_review") in panel
    )
    assert '<div class="figure">1</div>' in panel, "one pending pair (and one skipped)"
    assert 'id="linkage-desk"' not in client_of(nb_hr).get(reverse("core:dashboard")).content.decode()
