from __future__ import annotations

import re

import pytest

from conftest import make_user
from talentlink.core.audit import Access
from talentlink.core.errors import NotAllowed
from talentlink.core.models import AuditEvent, Role
from talentlink.registry import services
from talentlink.registry.models import Person
from talentlink.registry.tests.test_imports import run_import


@pytest.fixture
def zhang(nb_office, ningbo_csv) -> Person:
    run_import(nb_office, ningbo_csv())
    return Person.objects.get(name="张伟")


def page_body(response, object_id: int) -> bytes:
    """The answer without what differs per request: the CSRF token and the page's own address."""
    content = re.sub(rb"[A-Za-z0-9]{64}", b"", response.content)
    return content.replace(f"/{object_id}/".encode(), b"/ID/")


def events(action: str, person: Person) -> int:
    return AuditEvent.objects.filter(
        action=action, object_type="registry.person", object_id=str(person.pk)
    ).count()


def test_reading_a_person_is_audited_with_the_page(zhang, nb_office, client_of):
    response = client_of(nb_office).get(f"/registry/persons/{zhang.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "330203********4513" in page and "330203199003074513" not in page
    event = AuditEvent.objects.get(action="read", object_id=str(zhang.pk))
    assert (event.actor_username, event.channel, event.path) == (
        "nb-office",
        "page",
        f"/registry/persons/{zhang.pk}/",
    )


def test_a_zhoushan_officer_cannot_read_a_ningbo_record_and_the_refusal_is_audited(
    zhang, zs_office, client_of
):
    assert client_of(zs_office).get(f"/registry/persons/{zhang.pk}/").status_code == 404
    assert client_of(zs_office).get(f"/api/registry/persons/{zhang.pk}").status_code == 404
    assert events("denied", zhang) == 2
    assert client_of(zs_office).get("/api/registry/persons").json() == []


def test_another_citys_person_is_answered_exactly_as_a_missing_one(zhang, zs_office, client_of):
    client = client_of(zs_office)
    missing = Person.objects.order_by("-pk")[0].pk + 1000
    for url in ("/api/registry/persons/{}", "/api/registry/persons/{}/consents", "/registry/persons/{}/"):
        refused, absent = client.get(url.format(zhang.pk)), client.get(url.format(missing))
        assert (refused.status_code, absent.status_code) == (404, 404), url
        assert page_body(refused, zhang.pk) == page_body(absent, missing), url
    refused = client.post(f"/api/registry/persons/{zhang.pk}/id-number")
    absent = client.post(f"/api/registry/persons/{missing}/id-number")
    assert (refused.status_code, refused.json()) == (404, absent.json())
    # The refusal of the existing person is still on record (type, id, region), without the name.
    denied = AuditEvent.objects.filter(action="denied", object_id=str(zhang.pk))
    assert denied.count() == 4
    assert set(denied.values_list("object_label", "object_region", "detail__reason")) == {
        ("", "330200", "not_visible")
    }
    assert not AuditEvent.objects.filter(object_id=str(missing)).exists()


def test_another_citys_consent_is_answered_exactly_as_a_missing_one(
    zhang, nb_office, zs_office, zhoushan, client_of
):
    consent = services.consent_grant(access=Access.system(user=nb_office), person=zhang, region=zhoushan)
    services.consent_withdraw(access=Access.system(user=nb_office), consent=consent)  # closed to Zhoushan
    client = client_of(zs_office)
    for url in ("/api/registry/consents/{}/withdraw", "/registry/consents/{}/withdraw/"):
        refused, absent = client.post(url.format(consent.pk)), client.post(url.format(consent.pk + 1000))
        assert (refused.status_code, absent.status_code) == (404, 404), url
        assert page_body(refused, consent.pk) == page_body(absent, consent.pk + 1000), url
    assert AuditEvent.objects.filter(action="denied", object_id=str(zhang.pk), actor=zs_office).count() == 2


def test_consent_opens_the_record_to_the_other_city_until_withdrawn(
    zhang, nb_office, zs_office, zhoushan, client_of
):
    consent = services.consent_grant(access=Access.system(user=nb_office), person=zhang, region=zhoushan)
    assert client_of(zs_office).get(f"/api/registry/persons/{zhang.pk}").status_code == 200
    with pytest.raises(NotAllowed):  # reading is not editing
        services.consent_withdraw(access=Access.system(user=zs_office), consent=consent)
    services.consent_withdraw(access=Access.system(user=nb_office), consent=consent)
    assert client_of(zs_office).get(f"/api/registry/persons/{zhang.pk}").status_code == 404


def test_a_zhoushan_officer_cannot_edit_ningbos_records(zhang, zs_office, zhoushan):
    with pytest.raises(NotAllowed):
        services.consent_grant(access=Access.system(user=zs_office), person=zhang, region=zhoushan)


def test_the_whole_id_number_is_shown_to_reviewers_only_and_every_reveal_is_audited(
    zhang, nb_hr, ningbo, client_of
):
    response = client_of(nb_hr).post(f"/api/registry/persons/{zhang.pk}/id-number")
    assert response.json() == {"id_number": "330203199003074513"}
    assert events("read_unmasked", zhang) == 1
    service_point = make_user("sp", Role.SERVICE_POINT, ningbo)
    assert client_of(service_point).post(f"/api/registry/persons/{zhang.pk}/id-number").status_code == 404


def test_the_talent_office_reads_the_record_but_may_not_reveal_the_whole_id_number(
    zhang, nb_office, nb_hr, client_of
):
    office = client_of(nb_office)
    page = office.get(f"/registry/persons/{zhang.pk}/").content.decode()
    assert "330203********4513" in page and "person_id_number" not in page
    assert f"/registry/persons/{zhang.pk}/id-number/" not in page
    for url in (f"/api/registry/persons/{zhang.pk}/id-number", f"/registry/persons/{zhang.pk}/id-number/"):
        response = office.post(url)
        assert response.status_code == 403, url
        assert "330203199003074513" not in response.content.decode()
    assert events("read_unmasked", zhang) == 0
    assert set(
        AuditEvent.objects.filter(action="denied").values_list("actor_username", "detail__reason")
    ) == {("nb-office", "role")}
    reviewer_page = client_of(nb_hr).get(f"/registry/persons/{zhang.pk}/").content.decode()
    assert f"/registry/persons/{zhang.pk}/id-number/" in reviewer_page


def test_observers_see_aggregates_but_no_person(zhang, observer, client_of):
    client = client_of(observer)
    assert client.get(f"/api/registry/persons/{zhang.pk}").status_code == 404
    assert client.get("/api/registry/persons").json() == []
    assert "宁波市" in client.get("/dashboard/").content.decode()


def test_a_talent_sees_only_their_own_record(zhang, ningbo, client_of):
    services.talent_register(name="张伟", id_number="330203199003074513", phone="13805740001",
                             email="zw@example.cn", password="Correct-Horse-2026", region=ningbo)  # fmt: skip
    zhang.refresh_from_db()
    talent = zhang.account
    other = Person.objects.get(name="欧阳明")
    client = client_of(talent)
    assert client.get("/api/registry/me").json()["name"] == "张伟"
    assert client.get(f"/api/registry/persons/{other.pk}").status_code == 404
    assert [p["name"] for p in client.get("/api/registry/persons").json()] == ["张伟"]
    page = client.get("/registry/me/").content.decode()
    assert "330203********4513" in page


def test_a_talent_can_see_who_read_their_record(zhang, ningbo, nb_office, client_of):
    services.talent_register(name="张伟", id_number="330203199003074513", phone="13805740001",
                             email="", password="Correct-Horse-2026", region=ningbo)  # fmt: skip
    client_of(nb_office).get(f"/registry/persons/{zhang.pk}/")
    zhang.refresh_from_db()
    page = client_of(zhang.account).get("/registry/me/").content.decode()
    assert "nb-office" in page


def test_the_person_list_filters_and_searches_in_few_queries(
    zhang, nb_office, client_of, django_assert_max_num_queries
):
    client = client_of(nb_office)
    with django_assert_max_num_queries(12):
        page = client.get("/registry/persons/", {"q": "张"}).content.decode()
    assert "张伟" in page and "欧阳明" not in page
    with django_assert_max_num_queries(8):
        rows = client.get("/api/registry/persons", {"category": "high_skilled"}).json()
    assert [r["name"] for r in rows] == ["李海燕"]
    assert client.get("/api/registry/persons", {"tier": "330200:E"}).json()[0]["name"] == "欧阳明"


def test_a_list_of_persons_is_audited_with_the_ids_shown(zhang, nb_office, client_of):
    client_of(nb_office).get("/api/registry/persons", {"q": "张"})
    event = AuditEvent.objects.get(action="read", object_id="")
    assert event.detail == {"filters": {"q": "张"}, "ids": [zhang.pk]}


def test_licence_scans_are_not_public(ningbo, nb_office, zs_office, client_of):
    from talentlink.core.tests.test_accounts import register_employer

    organisation = register_employer(ningbo).organisation
    url = f"/organisations/{organisation.pk}/licence/"
    assert client_of(nb_office).get(url).status_code == 200
    assert client_of(zs_office).get(url).status_code == 403
    assert client_of(zs_office).get("/media/" + organisation.licence.name).status_code == 404
