"""Text messages (短信) behind one interface.

A city's SMS gateway (an operator's HTTP API) is outside this machine; the platform sends through
the backend ``TALENTLINK_SMS_BACKEND`` names, a class with ``send(*, phone, text)``. Two ship
with it: :class:`FileSmsBackend` (the default: each message a line under ``var/sms/``, as
development e-mail goes to ``var/mail/``) and :class:`MemorySmsBackend` (tests read its
``outbox``). A gateway adapter is a third class of the same shape, named in the setting.
Messages leave once the transaction commits, so a rolled-back action sends nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

# A Chinese SMS of more than 70 characters is sent (and charged) as several; the platform keeps to one.
MAX_CHARACTERS = 70


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class FileSmsBackend:
    """Each message as a JSON line in ``TALENTLINK_SMS_FILE_PATH/<date>.jsonl``."""

    def send(self, *, phone: str, text: str) -> None:
        folder = Path(settings.TALENTLINK_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        now = timezone.now()
        line = json.dumps({"at": now.isoformat(), "phone": phone, "text": text}, ensure_ascii=False)
        with (folder / f"{now.date().isoformat()}.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class MemorySmsBackend:
    """Keeps the messages in ``outbox`` (tests)."""

    outbox: list[tuple[str, str, dt.datetime]] = []

    def send(self, *, phone: str, text: str) -> None:
        MemorySmsBackend.outbox.append((phone, text, timezone.now()))


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.TALENTLINK_SMS_BACKEND)()
    return backend


def sms_send(*, phone: str, text: str) -> None:
    """Send one text message once the transaction commits (cut to one message's length)."""
    if not phone:
        return
    short = text if len(text) <= MAX_CHARACTERS else text[: MAX_CHARACTERS - 1] + "…"
    transaction.on_commit(lambda: sms_backend().send(phone=phone, text=short))
