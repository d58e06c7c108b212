"""The trust list a scanner downloads names every city key that signs codes, whatever the order in
which the list and the keys came about (issue 13: a scanner cached a list without the key that
had signed the code in front of it, and refused it as signed by an unknown key)."""

from __future__ import annotations

import base64
import time

import pytest
from django.db import transaction
from django.test import Client

from talentlink.registry.models import Person
from talentlink.talentcode import keys, services
from talentlink.talentcode.models import SigningKey
from talentlink.talentcode.selectors import code_verify, signed_list_claims

pytestmark = pytest.mark.django_db


def _listed_kids() -> set[str]:
    body = base64.b64decode(Client().get("/api/public/talentcode/trust-list").json()["body"])
    return {entry["kid"].hex() for entry in signed_list_claims(body)["keys"]}


def test_a_key_made_after_the_trust_list_was_signed_is_in_the_next_download(
    talent: Person, zs_talent: Person, zhoushan
) -> None:
    zhoushan.is_active = False
    zhoushan.save(update_fields=["is_active"])
    services.code_issue(person=talent)
    before = _listed_kids()  # the scanner opens: the list is signed and kept for a day
    zhoushan.is_active = True
    zhoushan.save(update_fields=["is_active"])
    services.code_issue(person=zs_talent)  # Zhoushan's first code makes its key after the list
    city_key = SigningKey.objects.get(purpose=SigningKey.Purpose.CODE, region=zhoushan)
    assert city_key.kid not in before
    after = _listed_kids()
    assert after == before | {city_key.kid}
    assert _listed_kids() == after  # and the new list is kept, not signed again on every download


def test_a_key_committed_while_another_thread_reloads_the_servers_trust_store_is_trusted(
    talent: Person, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        issued = services.code_issue(person=talent)  # makes Ningbo's key in this transaction
        # Another app-server thread reloads its store now, before the key is committed.
        keys._store = (time.monotonic(), {})
    assert code_verify(qr=issued.qr, online=True, consume=False).ok
