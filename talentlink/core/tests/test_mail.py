"""E-mail through core.mail: in the recipient's language, whoever asked and in whatever language,
with absolute links."""

from __future__ import annotations

import email
import email.header

import pytest
from django.apps import apps as django_apps
from django.test import Client

from talentlink.core.mail import site_url
from talentlink.core.services import ORGANISATION_AGAIN, owner_tell
from talentlink.credentials.models import Notification

pytestmark = pytest.mark.django_db


def _decoded(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return subject, payload.decode()


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


def test_a_notice_reaches_its_reader_in_their_language_with_or_without_an_inbox(
    nb_office, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    nb_office.preferred_language = "en"
    nb_office.save(update_fields=["preferred_language"])
    params = {"date": "2026-12-07", "name": "宁波海天石化有限公司", "contact": "王五"}
    with django_capture_on_commit_callbacks(execute=True):
        owner_tell(user=nb_office, notice=ORGANISATION_AGAIN, params=params)
    kept = Notification.objects.get(user=nb_office)
    assert kept.subject == mailoutbox[0].subject == "Someone tried to register your organisation again"

    installed = django_apps.get_app_configs()
    without_inbox = [c for c in installed if not hasattr(c, "inbox_deliver")]
    monkeypatch.setattr(django_apps, "get_app_configs", lambda: without_inbox)
    with django_capture_on_commit_callbacks(execute=True):
        owner_tell(user=nb_office, notice=ORGANISATION_AGAIN, params=params)
    assert Notification.objects.filter(user=nb_office).count() == 1, "no inbox: the e-mail alone"
    assert (mailoutbox[1].subject, mailoutbox[1].body) == (mailoutbox[0].subject, mailoutbox[0].body)
