from __future__ import annotations

import email
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import PASSWORD
from talentlink.core import services
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed
from talentlink.core.models import AuditEvent, Organisation, Role, User

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def register_employer(region, **overrides):
    values = dict(
        organisation_name="宁波甬江新材料有限公司", credit_code="91330100716105852F", region=region,
        licence=SimpleUploadedFile("licence.pdf", PDF), contact_name="赵经理", username="yongjiang",
        phone="13805740009", email="hr@yongjiang.example.cn", password=PASSWORD,
    )  # fmt: skip
    values.update(overrides)
    return services.employer_register(**values)


def test_an_employer_waits_for_its_citys_approval(ningbo, nb_office):
    user = register_employer(ningbo)
    assert not user.is_active
    assert user.organisation.status == Organisation.Status.PENDING
    services.organisation_decide(
        access=Access.system(user=nb_office), organisation=user.organisation, approve=True
    )
    user.refresh_from_db()
    assert user.is_active
    assert AuditEvent.objects.filter(object_type="core.organisation", action="decide").exists()


def test_another_citys_office_cannot_approve_an_employer(ningbo, zs_office):
    user = register_employer(ningbo)
    with pytest.raises(NotAllowed):
        services.organisation_decide(
            access=Access.system(user=zs_office), organisation=user.organisation, approve=True
        )


def test_a_rejection_needs_a_reason(ningbo, nb_office):
    user = register_employer(ningbo)
    with pytest.raises(DomainError):
        services.organisation_decide(
            access=Access.system(user=nb_office), organisation=user.organisation, approve=False
        )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"credit_code": "91330100716105852A"}, "credit_code.checksum"),
        ({"licence": SimpleUploadedFile("licence.exe", b"MZ\x90\x00")}, "licence_type"),
    ],
)
def test_bad_employer_registrations_change_nothing(ningbo, overrides, code):
    with pytest.raises(DomainError) as caught:
        register_employer(ningbo, **overrides)
    assert caught.value.code == code
    assert not Organisation.objects.exists()
    assert not User.objects.filter(role=Role.EMPLOYER).exists()


def test_an_organisation_registers_only_once(ningbo):
    first = register_employer(ningbo)
    assert register_employer(ningbo, username="other") is None  # its account holder is told instead
    assert Organisation.objects.count() == 1
    assert not User.objects.filter(username="other").exists()
    assert first.credential_notifications.count() == 1


def test_the_employer_registration_page_shows_the_error_in_english(ningbo):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    response = client.post(
        "/register/employer/",
        {"organisation_name": "X", "credit_code": "91330100716105852A", "region": ningbo.pk,
         "licence": SimpleUploadedFile("l.pdf", PDF), "contact_name": "Z", "username": "x1",
         "phone": "13805740009", "email": "x@example.cn", "password": PASSWORD},
    )  # fmt: skip
    assert "The check character of the unified social credit code is wrong." in response.content.decode()


def test_a_city_office_creates_staff_accounts_for_its_own_city_only(nb_office, zhoushan, ningbo):
    access = Access.system(user=nb_office)
    user = services.staff_account_create(
        access=access, username="nb-hr-2", full_name="审核员", email="", role=Role.HR_REVIEWER,
        region=ningbo, password=PASSWORD,
    )  # fmt: skip
    assert user.region == ningbo
    with pytest.raises(NotAllowed):
        services.staff_account_create(
            access=access, username="zs-hr-2", full_name="审核员", email="", role=Role.HR_REVIEWER,
            region=zhoushan, password=PASSWORD,
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        services.staff_account_create(
            access=access, username="obs", full_name="观察员", email="", role=Role.PROVINCE_OBSERVER,
            region=None, password=PASSWORD,
        )  # fmt: skip


def test_password_change_checks_the_old_password(nb_office, client_of):
    client = client_of(nb_office)
    wrong = client.post("/api/core/auth/password", {"old_password": "nope", "new_password": "New-Horse-2027"},
                        content_type="application/json")  # fmt: skip
    assert wrong.status_code == 400
    ok = client.post("/api/core/auth/password", {"old_password": PASSWORD, "new_password": "New-Horse-2027"},
                     content_type="application/json")  # fmt: skip
    assert ok.status_code == 200
    nb_office.refresh_from_db()
    assert nb_office.check_password("New-Horse-2027")


def test_a_password_reset_goes_out_by_smtp_and_its_link_sets_a_new_password(nb_office, smtp_sink):
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": nb_office.email})
    assert response.status_code == 302
    [(_sender, recipients, raw)] = smtp_sink.messages
    assert recipients == [nb_office.email]
    payload = email.message_from_bytes(raw).get_payload(decode=True)
    assert isinstance(payload, bytes)
    found = re.search(r"http://[^/]+(/accounts/password/reset/\S+/)", payload.decode())
    assert found is not None, "the e-mail holds the reset link"
    link = found.group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Brand-New-2027", "new_password2": "Brand-New-2027"}
    )
    assert done.status_code == 302
    nb_office.refresh_from_db()
    assert nb_office.check_password("Brand-New-2027")


def test_the_api_password_reset_uses_the_same_mail(nb_office, smtp_sink):
    response = Client().post(
        "/api/public/auth/password-reset", {"email": nb_office.email}, content_type="application/json"
    )
    assert response.status_code == 200
    assert len(smtp_sink.messages) == 1


def test_api_login_opens_a_session(nb_office):
    client = Client()
    response = client.post("/api/public/auth/login", {"username": "nb-office", "password": PASSWORD},
                           content_type="application/json")  # fmt: skip
    assert response.json()["role"] == "talent_office"
    assert client.get("/api/core/me").json()["region"] == "330200"
    assert Client().get("/api/core/me").status_code == 401


def test_the_home_page_speaks_both_languages(db):
    page = Client().get("/").content.decode()
    assert "甬舟人才通" in page and "TalentLink is the shared platform" in page
    assert "/accounts/login/" in page and "/registry/register/" in page


def test_the_api_documentation_is_served(db):
    assert Client().get("/api/docs").status_code == 200
    assert "/api/registry/imports" in Client().get("/api/openapi.json").content.decode()


def test_a_new_talent_office_account_opens_its_citys_back_office(nb_office, ningbo, client_of):
    user = services.staff_account_create(
        access=Access.system(user=nb_office), username="nb-office-2", full_name="新同事", email="",
        role=Role.TALENT_OFFICE, region=ningbo, password=PASSWORD,
    )  # fmt: skip
    client = client_of(user)
    assert client.get("/admin/").status_code == 200
    sources = client.get("/admin/registry/sourcesystem/").content.decode()
    assert "ningbo-talent-db" in sources and "zhoushan-talent-info" not in sources
    assert client.get("/admin/core/user/add/").status_code == 403


def test_the_migrations_match_the_models(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_licence_scan_is_sealed_at_rest_and_served_plain_to_its_citys_office(
    ningbo, nb_office, client_of, settings
):
    from pathlib import Path

    user = register_employer(ningbo)
    stored = Path(settings.MEDIA_ROOT) / user.organisation.licence.name
    at_rest = stored.read_bytes()
    assert not at_rest.startswith(b"%PDF") and PDF not in at_rest
    response = client_of(nb_office).get(f"/organisations/{user.organisation.pk}/licence/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
