"""Notifications: read in the reader's language, mailed in the recipient's with absolute links,
paged, and marked read all at once."""

from __future__ import annotations

import email
import email.header
import re

import pytest

from talentlink.credentials.models import Notification
from talentlink.credentials.tests.test_api_pages import FORM

pytestmark = pytest.mark.django_db


def _decoded(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)  # a single-part message decodes to its bytes
    return subject, payload.decode()


def test_an_application_mails_each_recipient_in_their_language_with_an_absolute_link(
    employer, talent, in_registry, client_of, smtp_sink, settings, django_capture_on_commit_callbacks
):
    settings.TALENTLINK_BASE_URL = "https://rc.example.cn"
    employer.preferred_language = "en"
    employer.save(update_fields=["preferred_language"])
    in_registry()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(employer).post("/api/credentials/applications", FORM)
    assert response.status_code == 201, response.json()
    link = f"https://rc.example.cn/credentials/applications/{response.json()['id']}/"
    mails = {recipients[0]: _decoded(raw) for _sender, recipients, raw in smtp_sink.messages}
    assert set(mails) == {"hr@haitian.cn", "zw@example.cn"}
    subject, body = mails["hr@haitian.cn"]
    assert subject == "Your certificate is recognised"
    assert "is recognised in every city of the platform" in body and link in body.split()
    subject, body = mails["zw@example.cn"]
    assert subject == "您的证书已互认"
    assert "已在平台各城市互认通用" in body and link in body.split()
    assert not re.search(r"(?<![/\w.])/credentials/", body), "no relative link"


def test_the_same_notification_reads_in_english_to_an_english_reader_and_in_chinese_to_a_chinese_one(
    employer, talent, in_registry, client_of, django_capture_on_commit_callbacks
):
    in_registry()
    client_of(employer).post("/api/credentials/applications", FORM)
    notice = Notification.objects.get(user=talent)
    client = client_of(talent)
    chinese = client.get("/credentials/notifications/").content.decode()
    assert "您的证书已互认" in chinese and "Your certificate is recognised" not in chinese
    client.cookies["django_language"] = "en"
    english = client.get("/credentials/notifications/").content.decode()
    assert "Your certificate is recognised" in english and "您的证书已互认" not in english
    client = client_of(talent)  # the API reads Accept-Language (a language cookie would win)
    [row] = client.get("/api/credentials/notifications", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (row["id"], row["subject"]) == (notice.pk, "Your certificate is recognised")
    assert "is recognised in every city of the platform" in row["body"]
    [row] = client.get("/api/credentials/notifications", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert row["subject"] == "您的证书已互认"


def test_a_notification_from_before_the_catalogue_shows_its_stored_text(talent, client_of):
    Notification.objects.create(user=talent, subject="认定结果", body="旧的通知正文")
    client = client_of(talent)
    client.cookies["django_language"] = "en"
    page = client.get("/credentials/notifications/").content.decode()
    assert "认定结果" in page and "旧的通知正文" in page


def _many(user, count):
    Notification.objects.bulk_create(
        Notification(user=user, subject=f"通知 {i:02d}", body="正文") for i in range(count)
    )


def test_the_messages_page_pages_and_marks_all_read_at_once(
    talent, employer, client_of, django_assert_max_num_queries
):
    _many(talent, 35)
    _many(employer, 2)
    client = client_of(talent)
    with django_assert_max_num_queries(12):
        first = client.get("/credentials/notifications/").content.decode()
    assert first.count('class="card unread"') == 30 and "page=2" in first
    assert client.get("/credentials/notifications/?page=2").content.decode().count('class="card unread"') == 5
    assert "/credentials/notifications/read-all/" in first
    response = client.post("/credentials/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(user=talent, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=employer, read_at__isnull=True).count() == 2
    assert (
        "/credentials/notifications/read-all/"
        not in client.get("/credentials/notifications/").content.decode()
    )


def test_the_api_pages_notifications_and_marks_all_read(talent, employer, client_of):
    _many(talent, 7)
    _many(employer, 1)
    client = client_of(talent)
    assert len(client.get("/api/credentials/notifications?limit=5").json()) == 5
    assert len(client.get("/api/credentials/notifications?limit=5&offset=5").json()) == 2
    assert client.post("/api/credentials/notifications/read-all").json() == {"read": 7}
    assert client.get("/api/credentials/notifications?unread=true").json() == []
    assert client.post("/api/credentials/notifications/read-all").json() == {"read": 0}
    assert Notification.objects.filter(user=employer, read_at__isnull=True).count() == 1


def test_a_process_that_loaded_no_service_still_reads_a_notice_in_the_readers_language():
    # A worker or a shell imports the models but not every app's services, where notices register.
    import subprocess
    import sys

    from django.conf import settings

    script = (
        "import django; django.setup()\n"
        "from django.utils import translation\n"
        "from talentlink.credentials.models import Notification\n"
        "n = Notification(code='registry.registered_again', params={'date': '2026-12-07', 'username': 'u'}, subject='S', body='B')\n"
        "translation.activate('en'); print(n.title)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, capture_output=True,
                          text=True, timeout=120, env={**__import__("os").environ,
                          "DJANGO_SETTINGS_MODULE": "config.settings"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Someone tried to register with your details"
