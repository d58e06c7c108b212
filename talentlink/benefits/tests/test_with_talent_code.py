"""The redemption flow with the real talent code (issuer and verifier of talentlink.talentcode),
not this app's fake: what the counter scans is a signed TC1: code."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from talentlink.benefits import services
from talentlink.benefits.models import Redemption
from talentlink.benefits.services import Scan
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_codes(codes, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.undo()  # drop the fakes of the conftest
    from talentlink.talentcode.services import code_issue

    return code_issue


def test_a_real_code_is_checked_recorded_once_and_a_forgery_refused(
    real_codes, gate_user, tianyige_free, zhang
):
    access = Access(user=gate_user, channel="api")
    issued = real_codes(person=zhang)
    assert issued.qr.startswith("TC1:")
    check = services.redemption_check(access=access, qr=issued.qr, benefit_code="nb-tianyige-free")
    assert (check.eligible, check.holder, check.remaining["per_day"]) == (True, "张*", 1)

    def scan(qr: str) -> Scan:
        return Scan(uuid.uuid4(), qr, "nb-tianyige-free", timezone.now(), False)

    first, created = services.redemption_record(access=access, scan=scan(issued.qr))
    again, created_again = services.redemption_record(access=access, scan=scan(issued.qr))
    assert (created, created_again, again.pk, first.token_id) == (True, False, first.pk, issued.token_id)

    body = issued.qr[4:]
    forged = "TC1:" + body[:-6] + ("A" if body[-6] != "A" else "B") + body[-5:]
    with pytest.raises(DomainError) as refused:
        services.redemption_record(access=access, scan=scan(forged))
    assert refused.value.code in {"bad_signature", "bad_encoding", "bad_compression", "bad_cose"}
    assert Redemption.objects.count() == 1
