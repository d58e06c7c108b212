"""Issue 12, finding 8: another website cannot log a visitor in (login CSRF) or register through the
public API; the platform's own pages and non-browser clients can."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import PASSWORD
from talentlink.core.models import Organisation, User

LOGIN = "/api/public/auth/login"
CREDENTIALS = json.dumps({"username": "nb-office", "password": PASSWORD})


def test_a_text_plain_login_from_another_site_is_refused_without_a_session(nb_office):
    client = Client()
    answer = client.post(LOGIN, CREDENTIALS, content_type="text/plain", HTTP_ORIGIN="http://evil.example")
    assert answer.status_code == 403
    assert answer.json()["code"] == "cross_origin"
    assert "sessionid" not in answer.cookies
    assert client.get("/api/core/me").status_code == 401


def test_a_text_plain_json_body_is_refused_even_without_an_origin(nb_office):
    answer = Client().post(LOGIN, CREDENTIALS, content_type="text/plain")
    assert answer.status_code == 415
    assert answer.json()["code"] == "content_type"
    assert "sessionid" not in answer.cookies


def test_a_json_login_from_another_site_is_refused(nb_office):
    answer = Client().post(
        LOGIN, CREDENTIALS, content_type="application/json", HTTP_ORIGIN="http://evil.example"
    )
    assert answer.status_code == 403
    assert "sessionid" not in answer.cookies


def test_a_cross_site_fetch_without_an_origin_is_refused(nb_office):
    answer = Client().post(
        LOGIN, CREDENTIALS, content_type="application/json", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert answer.status_code == 403


@pytest.mark.parametrize("origin", ["null", "https://testserver", "http://testserver.evil.example"])
def test_look_alike_origins_are_refused(nb_office, origin):
    answer = Client().post(LOGIN, CREDENTIALS, content_type="application/json", HTTP_ORIGIN=origin)
    assert answer.status_code == 403


def test_the_platforms_own_page_logs_in_through_the_api(nb_office):
    client = Client()
    answer = client.post(
        LOGIN, CREDENTIALS, content_type="application/json",
        HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin",
    )  # fmt: skip
    assert answer.status_code == 200
    assert client.get("/api/core/me").json()["username"] == "nb-office"


def test_a_client_that_is_not_a_browser_logs_in_without_an_origin(nb_office):
    client = Client()
    assert client.post(LOGIN, CREDENTIALS, content_type="application/json").status_code == 200
    assert client.get("/api/core/me").status_code == 200


def test_a_trusted_origin_logs_in(nb_office, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.rc.example.cn"]
    answer = Client().post(
        LOGIN, CREDENTIALS, content_type="application/json", HTTP_ORIGIN="https://m.rc.example.cn"
    )
    assert answer.status_code == 200


def test_talent_registration_from_another_site_is_refused(ningbo):
    body = {"name": "王芳", "id_number": "330212198511230027", "phone": "13905740002", "email": "",
            "password": PASSWORD, "region": "330200"}  # fmt: skip
    forged = Client().post("/api/register/talent", json.dumps(body), content_type="text/plain",
                           HTTP_ORIGIN="http://evil.example")  # fmt: skip
    assert forged.status_code == 403
    assert (
        Client().post("/api/register/talent", json.dumps(body), content_type="text/plain").status_code == 415
    )
    assert not User.objects.filter(username="13905740002").exists()


def test_an_employer_form_posted_from_another_site_is_refused(ningbo):
    form = {"organisation_name": "宁波甬江新材料有限公司", "credit_code": "91330100716105852F", "region": "330200",
            "contact_name": "赵经理", "username": "yongjiang", "phone": "13805740009",
            "email": "hr@yongjiang.example.cn", "password": PASSWORD,
            "licence": SimpleUploadedFile("licence.pdf", b"%PDF-1.4\n%%EOF\n")}  # fmt: skip
    answer = Client().post("/api/register/employer", form, HTTP_ORIGIN="http://evil.example")
    assert answer.status_code == 403
    assert not Organisation.objects.exists()


def test_reads_are_not_affected_by_the_origin(db):
    assert Client().get("/api/public/regions", HTTP_ORIGIN="http://evil.example").status_code == 200
