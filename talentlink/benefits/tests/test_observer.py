"""The province observer sees a provider's use as counts and values, never single uses, holders or
counter accounts (issue 12, finding 10); the office's view of single uses stays an audited read."""

from __future__ import annotations

import pytest

from talentlink.benefits.tests.conftest import at
from talentlink.benefits.tests.test_pages import record
from talentlink.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def used(tianyige_free, gate_user, zhang, codes):
    record(gate_user, codes.issue(zhang), at("2026-05-01"))
    record(gate_user, codes.issue(zhang), at("2026-05-02"))
    return tianyige_free.provider


def test_the_observer_sees_a_providers_use_counted_never_who_used_it(used, observer, client_of) -> None:
    client = client_of(observer)
    page = client.get(f"/benefits/providers/{used.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="usage-totals"' in body and 'id="usage"' not in body
    totals = body.split('id="usage-totals"')[1]
    assert ">2<" in totals, "two uses counted"
    assert "张*" not in body and "nb-gate" not in body, "no holder, no counter account"
    points = client.get(f"/api/benefits/providers/{used.pk}/service-points").json()
    assert [p["accounts"] for p in points] == [[]]
    assert not AuditEvent.objects.filter(actor=observer, object_type="benefits.redemption").exists()


def test_the_office_sees_single_uses_and_the_read_is_audited(used, nb_office, client_of) -> None:
    body = client_of(nb_office).get(f"/benefits/providers/{used.pk}/").content.decode()
    assert 'id="usage"' in body and "张*" in body and "nb-gate" in body
    event = AuditEvent.objects.get(actor=nb_office, object_type="benefits.redemption")
    assert len(event.detail["redemptions"]) == 2
    points = client_of(nb_office).get(f"/api/benefits/providers/{used.pk}/service-points").json()
    assert [p["accounts"] for p in points] == [["nb-gate"]]
