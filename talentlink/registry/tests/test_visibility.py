"""Visibility follows the sources: a city sees the persons its own systems delivered, after any merge,
and of a person whose home is the other city only what its own records hold, unless consented."""

from __future__ import annotations

import pytest

from conftest import make_user
from talentlink.core.models import AuditEvent, Role
from talentlink.registry.models import Consent, Person, SourceRecord

pytestmark = pytest.mark.django_db
ZHOUSHAN_SOURCE = "zhoushan-talent-info"


def _ningbo_person_with_a_zhoushan_record() -> tuple[Person, str]:
    """A person at home in Ningbo that linkage merged with a record from Zhoushan's own file, and a
    field of the API whose value only the Ningbo record carries."""
    for person in Person.objects.filter(status="active", home_region__code="330200").order_by("pk"):
        records = {r.source_system.code: r for r in person.source_records.select_related("source_system")}
        if set(records) != {"ningbo-talent-db", ZHOUSHAN_SOURCE}:
            continue
        for field in ("phone", "employer_name", "birth_date", "title", "industry", "education", "tier"):
            attribute = "tier_id" if field == "tier" else field
            value = getattr(person, attribute)
            if value not in ("", None) and getattr(records[ZHOUSHAN_SOURCE], attribute) != value:
                return person, field
    raise AssertionError("the demo data has people in both cities")


def test_a_city_keeps_seeing_its_own_people_after_linkage_merged_them_into_the_other_city(
    linked, zs_office, client_of
):
    person, field = _ningbo_person_with_a_zhoushan_record()
    client = client_of(zs_office)
    assert client.get(f"/registry/persons/{person.pk}/").status_code == 200
    shown = client.get(f"/api/registry/persons/{person.pk}").json()
    assert field in shown["withheld"] and shown[field] is None, "what Ningbo holds needs consent"
    assert {r["source_system"] for r in shown["source_records"]} == {ZHOUSHAN_SOURCE}
    zhoushan_people = set(
        SourceRecord.objects.filter(source_system__code=ZHOUSHAN_SOURCE).values_list("person_id", flat=True)
    )
    listed = client.get("/api/registry/persons", {"limit": 500}).json()  # the largest page
    assert zhoushan_people <= {p["id"] for p in listed}, "every person of Zhoushan's own file"


def test_the_other_citys_fields_and_whole_id_number_are_refused_without_consent_and_shown_with_it(
    linked, zhoushan, client_of
):
    person, field = _ningbo_person_with_a_zhoushan_record()
    reviewer = make_user("zs-hr", Role.HR_REVIEWER, zhoushan)
    client = client_of(reviewer)
    page = client.get(f"/registry/persons/{person.pk}/").content.decode()
    assert "held by another city" in page or "其他城市" in page
    if (
        "id_number" in (person.provenance or {})
        and person.provenance["id_number"]["source"] != ZHOUSHAN_SOURCE
    ):
        assert client.post(f"/api/registry/persons/{person.pk}/id-number").status_code == 403
        assert AuditEvent.objects.filter(action="denied", object_id=str(person.pk)).exists()

    Consent.objects.create(person=person, region=zhoushan, channel="paper")
    shown = client.get(f"/api/registry/persons/{person.pk}").json()
    assert shown["withheld"] == [] and shown[field] not in (None, "")
    assert len(shown["source_records"]) == person.source_records.count()


def test_a_person_the_city_never_delivered_stays_closed_to_it(linked, zs_office, client_of):
    ningbo_only = next(
        p
        for p in Person.objects.filter(status="active", home_region__code="330200").order_by("pk")
        if not p.source_records.filter(source_system__code=ZHOUSHAN_SOURCE).exists()
    )
    assert client_of(zs_office).get(f"/api/registry/persons/{ningbo_only.pk}").status_code == 404
