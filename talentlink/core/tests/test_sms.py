"""Text messages behind one interface: the file backend writes each message where development
reads it, and nothing leaves before the transaction commits."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from talentlink.core.sms import MAX_CHARACTERS, MemorySmsBackend, sms_send


@pytest.mark.django_db
def test_the_file_backend_writes_one_line_a_message(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.TALENTLINK_SMS_BACKEND = "talentlink.core.sms.FileSmsBackend"
    settings.TALENTLINK_SMS_FILE_PATH = str(tmp_path / "sms")
    with django_capture_on_commit_callbacks(execute=True):
        sms_send(phone="13805740001", text="为您推荐岗位：设备工程师 " + "很长" * 60)
    [day] = list((tmp_path / "sms").iterdir())
    [line] = day.read_text(encoding="utf-8").splitlines()
    message = json.loads(line)
    assert message["phone"] == "13805740001" and len(message["text"]) == MAX_CHARACTERS
    assert message["text"].startswith("为您推荐岗位") and message["text"].endswith("…")


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_action_sends_nothing():
    with transaction.atomic():
        sms_send(phone="13805740001", text="x")
        transaction.set_rollback(True)
    assert MemorySmsBackend.outbox == []
    sms_send(phone="", text="no phone, no message")
    assert MemorySmsBackend.outbox == []
