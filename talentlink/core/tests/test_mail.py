"""E-mail through core.mail: in the recipient's language, whoever asked and in whatever language,
with absolute links."""

from __future__ import annotations

import email
import email.header

import pytest
from django.test import Client

from talentlink.core.mail import site_url

pytestmark = pytest.mark.django_db


def _decoded(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    return subject, message.get_payload(decode=True).decode()


def test_a_password_reset_mail_is_in_the_account_holders_language_not_the_askers(nb_office, smtp_sink):
    nb_office.preferred_language = "en"
    nb_office.save(update_fields=["preferred_language"])
    client = Client()
    client.cookies["django_language"] = "zh-hans"
    assert client.post("/accounts/password/reset/", {"email": nb_office.email}).status_code == 302
    [(_sender, _recipients, raw)] = smtp_sink.messages
    subject, body = _decoded(raw)
    assert subject == "TalentLink: reset your password"
    assert (
        "open this link to choose a new password" in body
        and "http://testserver/accounts/password/reset/" in body
    )


def test_a_chinese_account_holder_gets_the_reset_mail_in_chinese_when_asked_in_english(nb_office, smtp_sink):
    response = Client().post(
        "/api/public/auth/password-reset", {"email": nb_office.email}, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 200
    [(_sender, _recipients, raw)] = smtp_sink.messages
    subject, _body = _decoded(raw)
    assert subject != "TalentLink: reset your password" and "密码" in subject


def test_paths_become_absolute_on_the_configured_address(settings):
    settings.TALENTLINK_BASE_URL = "https://rc.example.cn/"
    assert site_url("/experts/me/") == "https://rc.example.cn/experts/me/"
    assert site_url("https://elsewhere.example/x") == "https://elsewhere.example/x"
    assert site_url("") == ""
