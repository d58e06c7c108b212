"""Issue 12, finding 9: self-registration answers the same whether or not the ID number, phone
number or organisation is registered already; the holder of the existing account is told by message."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import PASSWORD, make_user
from talentlink.core.models import Organisation, Role, User
from talentlink.credentials.models import Notification
from talentlink.registry.models import TalentClaim
from talentlink.registry.tests.test_imports import run_import

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def talent(**overrides: str) -> dict[str, str]:
    return {"name": "王芳", "id_number": "330212198511230027", "phone": "13905740002",
            "email": "wf@example.cn", "password": PASSWORD, "region": "330200", **overrides}  # fmt: skip


def without_csrf_tokens(page: bytes) -> str:
    """A page with its per-request CSRF tokens blanked, to compare two answers."""
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1", page.decode())


def api_register(body: dict[str, str]):
    return Client().post("/api/register/talent", body, content_type="application/json")


def test_a_registered_id_number_gets_the_same_answer_as_a_new_one(ningbo):
    new = api_register(talent())
    again = api_register(talent(phone="13905740003", email="other@example.cn"))
    assert (new.status_code, new.json()) == (again.status_code, again.json())
    assert new.status_code == 202
    assert not User.objects.filter(username="13905740003").exists()
    assert TalentClaim.objects.count() == 1


def test_a_registered_phone_number_gets_the_same_answer_as_a_new_one(ningbo):
    new = api_register(talent())
    again = api_register(talent(id_number="330203199003074513", name="张伟"))
    assert (new.status_code, new.json()) == (again.status_code, again.json())
    assert TalentClaim.objects.count() == 1


def test_the_answer_does_not_tell_whether_a_talent_record_matched(nb_office, ningbo_csv, ningbo):
    run_import(nb_office, ningbo_csv())
    linked = api_register(talent(name="张伟", id_number="330203199003074513", phone="13805740001"))
    pending = api_register(talent())
    assert User.objects.get(username="13805740001").link_status == User.LinkStatus.LINKED
    assert User.objects.get(username="13905740002").link_status == User.LinkStatus.PENDING
    assert (linked.status_code, linked.json()) == (pending.status_code, pending.json())


def test_the_holder_of_the_registered_id_number_is_told_in_the_inbox_and_by_mail(
    ningbo, django_capture_on_commit_callbacks
):
    api_register(talent())
    holder = User.objects.get(username="13905740002")
    with django_capture_on_commit_callbacks(execute=True):
        api_register(talent(phone="13905740003", email="someone-else@example.cn"))
    [notice] = Notification.objects.filter(user=holder)
    assert "13905740002" in notice.body  # their user name, to remind them
    [message] = mail.outbox
    assert message.to == ["wf@example.cn"]
    assert not Notification.objects.exclude(user=holder).exists()


def test_the_notice_is_in_the_holders_language(ningbo):
    api_register(talent())
    User.objects.filter(username="13905740002").update(preferred_language="en")
    api_register(talent(phone="13905740003"))
    notice = Notification.objects.get()
    assert notice.subject == "Someone tried to register with your details"
    assert notice.body.startswith("On ") and "log in with the user name 13905740002" in notice.body


def test_a_weak_password_is_refused_alike_for_new_and_registered_details(ningbo):
    api_register(talent())
    new = api_register(talent(id_number="330203199003074513", phone="13805740001", password="123"))
    again = api_register(talent(phone="13905740003", password="123"))
    assert new.status_code == again.status_code == 400
    assert new.json() == again.json()


def test_the_registration_page_looks_the_same_for_registered_details(ningbo):
    form = {**talent(region=str(ningbo.pk)), "consent": "on"}
    new = Client().post("/registry/register/", form)
    again = Client().post("/registry/register/", {**form, "phone": "13905740003"})
    assert new.status_code == again.status_code == 200
    assert (
        "errorlist" not in new.content.decode()
        and 'class="btn" href="/accounts/login/"' in new.content.decode()
    )
    assert without_csrf_tokens(new.content) == without_csrf_tokens(again.content)
    assert Notification.objects.filter(user__username="13905740002").count() == 1


def employer_form(ningbo, **overrides):
    return {"organisation_name": "宁波甬江新材料有限公司", "credit_code": "91330100716105852F", "region": "330200",
            "contact_name": "赵经理", "username": "yongjiang", "phone": "13805740009",
            "email": "hr@yongjiang.example.cn", "password": PASSWORD,
            "licence": SimpleUploadedFile("licence.pdf", PDF), **overrides}  # fmt: skip


def test_a_registered_organisation_gets_the_same_answer_as_a_new_one(ningbo):
    new = Client().post("/api/register/employer", employer_form(ningbo))
    again = Client().post("/api/register/employer", employer_form(ningbo, username="yongjiang-2"))
    assert new.status_code == again.status_code == 202
    assert new.json() == again.json()
    assert Organisation.objects.count() == 1
    assert not User.objects.filter(username="yongjiang-2").exists()
    [notice] = Notification.objects.all()
    assert notice.user.username == "yongjiang"


def test_the_employer_page_looks_the_same_for_a_registered_organisation(ningbo):
    new = Client().post("/register/employer/", employer_form(ningbo, region=ningbo.pk))
    again = Client().post(
        "/register/employer/", employer_form(ningbo, region=ningbo.pk, username="yongjiang-2")
    )
    assert new.status_code == again.status_code == 200
    assert (
        "errorlist" not in new.content.decode()
        and 'class="btn" href="/accounts/login/"' in new.content.decode()
    )
    assert without_csrf_tokens(new.content) == without_csrf_tokens(again.content)
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize("kind", ["talent", "employer"])
def test_registrations_from_one_address_are_limited(ningbo, settings, kind):
    settings.TALENTLINK_REGISTRATION_IP_RATE = "2/3600"
    make_user("13905740002", Role.TALENT)
    if kind == "talent":
        answers = [api_register(talent(phone=f"1390574000{n}")) for n in range(3)]
    else:
        answers = [
            Client().post("/api/register/employer", employer_form(ningbo, username=f"e{n}")) for n in range(3)
        ]
    assert [a.status_code for a in answers][-1] == 429
    assert answers[-1].json()["code"] == "rate"
