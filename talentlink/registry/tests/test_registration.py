from __future__ import annotations

import pytest
from django.test import Client

from conftest import PASSWORD
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError
from talentlink.core.models import User
from talentlink.registry import services
from talentlink.registry.models import Person, TalentClaim
from talentlink.registry.tests.test_imports import run_import


def register(region, name="张伟", id_number="330203199003074513", phone="13805740001"):
    return services.talent_register(name=name, id_number=id_number, phone=phone, email="t@example.cn",
                                    password=PASSWORD, region=region)  # fmt: skip


def test_a_talent_whose_name_and_id_match_is_linked_at_once(nb_office, ningbo_csv, ningbo):
    run_import(nb_office, ningbo_csv())
    user = register(ningbo, name="张 伟")
    assert user.link_status == User.LinkStatus.LINKED
    assert Person.objects.get(name="张伟").account == user


def test_a_talent_without_a_matching_record_waits_for_staff(nb_office, ningbo_csv, ningbo):
    run_import(nb_office, ningbo_csv())
    user = register(ningbo, name="张卫")  # a homophone: the office must check
    assert user.link_status == User.LinkStatus.PENDING
    claim = TalentClaim.objects.get(user=user)
    person = Person.objects.get(name="张伟")
    services.talent_claim_decide(
        access=Access.system(user=nb_office), claim=claim, person=person, approve=True
    )
    user.refresh_from_db()
    assert user.link_status == User.LinkStatus.LINKED
    assert Person.objects.get(pk=person.pk).account == user


def test_staff_list_and_link_a_waiting_registration_through_the_api(nb_office, ningbo_csv, ningbo, client_of):
    run_import(nb_office, ningbo_csv())
    user = register(ningbo, name="张卫")
    client = client_of(nb_office)
    [waiting] = client.get("/api/registry/claims").json()
    assert (waiting["name"], waiting["username"], waiting["region"]) == ("张卫", user.username, "330200")
    person = Person.objects.get(name="张伟")
    answer = client.post(
        f"/api/registry/claims/{waiting['id']}/decision", {"approve": True, "person_id": person.pk},
        content_type="application/json",
    )  # fmt: skip
    assert answer.json() == {"username": user.username, "link_status": "linked"}


def test_staff_reject_a_registration_with_a_reason(nb_office, ningbo):
    user = register(ningbo)
    claim = TalentClaim.objects.get(user=user)
    with pytest.raises(DomainError):
        services.talent_claim_decide(
            access=Access.system(user=nb_office), claim=claim, person=None, approve=False
        )
    services.talent_claim_decide(access=Access.system(user=nb_office), claim=claim, person=None, approve=False,
                                 note="身份证号与档案不符")  # fmt: skip
    user.refresh_from_db()
    assert user.link_status == User.LinkStatus.REJECTED


def test_a_bad_id_number_is_refused_and_creates_no_account(ningbo):
    with pytest.raises(DomainError) as caught:
        register(ningbo, id_number="330203199003074512")
    assert caught.value.code == "id_number.checksum"
    assert not User.objects.exists()


def test_one_id_number_registers_once(ningbo):
    first = register(ningbo)
    assert register(ningbo, phone="13805740002") is None  # the account holder is told instead
    assert User.objects.filter(role="talent").get() == first
    assert TalentClaim.objects.count() == 1


def test_registration_through_the_api_answers_in_the_users_language(ningbo):
    body = {"name": "张伟", "id_number": "330203199003074512", "phone": "13805740001", "email": "",
            "password": PASSWORD, "region": "330200"}  # fmt: skip
    zh = Client().post("/api/register/talent", body, content_type="application/json")
    en = Client().post(
        "/api/register/talent", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert zh.status_code == en.status_code == 400
    assert zh.json()["message"] == "身份证号码的校验码错误。"
    assert en.json()["message"] == "The check character of the ID number is wrong."


def test_the_registration_page_registers_a_talent(ningbo):
    response = Client().post("/registry/register/", {
        "name": "王芳", "id_number": "330212198511230027", "phone": "13905740002", "email": "wf@example.cn",
        "region": ningbo.pk, "password": PASSWORD, "consent": "on",
    })  # fmt: skip
    assert response.status_code == 200
    assert User.objects.get(username="13905740002").link_status == User.LinkStatus.PENDING
