"""The redemption flow with the real talent code (issuer and verifier of talentlink.talentcode),
not this app's fake: what the counter scans is a signed TC1: code."""

from __future__ import annotations

import datetime as dt
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
def real_codes(codes, monkeypatch):
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


# --- Two offline counters, one copied presentation ----------------------------------------------


@pytest.fixture
def west_gate_user(tianyige):
    """A second counter of the pavilion, with its own device and queue."""
    from conftest import make_user
    from talentlink.benefits.models import ServicePoint, ServicePointAccount
    from talentlink.core.models import Role

    point = ServicePoint.objects.create(provider=tianyige, name="西门检票口")
    user = make_user("nb-west-gate", Role.SERVICE_POINT, tianyige.region, organisation=tianyige.organisation)
    ServicePointAccount.objects.create(user=user, service_point=point)
    return user


def presented_offline(person, scanned_at):
    """The talent's device wrapper, as the two counters' cameras read it (a screenshot of one)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from talentlink.talentcode import codec
    from talentlink.talentcode.services import code_issue, presentation_create

    device = ec.generate_private_key(ec.SECP256R1())
    credential = code_issue(
        person=person,
        holder_key=codec.cose_key_from_public(device.public_key()),
        now=scanned_at - dt.timedelta(hours=1),  # the day-long credential, fetched while online
    )
    return presentation_create(credential_qr=credential.qr, holder=device, now=scanned_at)


def queued(code: str, benefit: str, scanned_at) -> dict:
    return {"client_id": str(uuid.uuid4()), "code": code, "benefit": benefit,
            "scanned_at": scanned_at.isoformat(), "offline": True}  # fmt: skip


@pytest.mark.parametrize("cache_forgot", [False, True], ids=["replay cache warm", "replay cache expired"])
@pytest.mark.parametrize("second_benefit", ["nb-tianyige-free", "nb-tianyige-audio"])
def test_a_presentation_copied_to_a_second_offline_counter_is_flagged_when_it_syncs(
    real_codes, client_of, gate_user, west_gate_user, tianyige, tianyige_free, zhang, nb_office,
    cache_forgot, second_benefit,
):  # fmt: skip
    """Both counters were offline and each granted the use; the first to sync records it, the
    second gets a conflict that says the code was used elsewhere, whether or not the platform's
    replay cache still remembers the token id: the redemptions are the shared replay state."""
    from django.core.cache import cache

    from talentlink.benefits.tests.conftest import make_benefit

    make_benefit(tianyige, "nb-tianyige-audio", name="语音导览")
    scanned = timezone.now() - dt.timedelta(minutes=10)
    shown = presented_offline(zhang, scanned)
    east, west = client_of(gate_user), client_of(west_gate_user)

    def sync(client, item):
        answer = client.post("/api/benefits/redemptions/sync", {"items": [item]},
                             content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
        assert answer.status_code == 200
        [result] = answer.json()["results"]
        return result

    first = sync(east, queued(shown, "nb-tianyige-free", scanned))
    assert (first["status"], first["reason"]) == ("recorded", "ok")
    if cache_forgot:
        cache.clear()  # the token id's entry lives a minute past the wrapper's expiry
    west_item = queued(shown, second_benefit, scanned + dt.timedelta(seconds=20))
    second = sync(west, west_item)
    assert (second["status"], second["reason"]) == ("conflict", "replayed_elsewhere")
    assert second["id"] != first["id"] and "another counter" in second["message"]

    uses = Redemption.objects.order_by("pk")
    assert [(u.service_point.name, u.status, u.reason) for u in uses] == [
        ("东门检票口", "recorded", "ok"),
        ("西门检票口", "conflict", "replayed_elsewhere"),
    ]
    [conflict] = client_of(nb_office).get("/api/benefits/conflicts", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (conflict["service_point"], conflict["reason"]) == ("西门检票口", "replayed_elsewhere")
    assert "another counter" in conflict["message"]
    # The west counter's device retries its queue: still one conflict, nothing counts twice.
    assert sync(west, west_item)["id"] == second["id"]
    assert Redemption.objects.count() == 2


def test_a_copied_presentation_is_refused_online_at_a_second_counter_after_the_cache_forgot(
    real_codes, client_of, gate_user, west_gate_user, tianyige_free, zhang
):
    from django.core.cache import cache

    scanned = timezone.now() - dt.timedelta(seconds=5)
    shown = presented_offline(zhang, scanned)
    first = client_of(gate_user).post(
        "/api/benefits/redemptions/sync", {"items": [queued(shown, "nb-tianyige-free", scanned)]},
        content_type="application/json",
    ).json()["results"][0]  # fmt: skip
    assert first["status"] == "recorded"
    cache.clear()
    again = client_of(west_gate_user).post("/api/benefits/redemptions", {
        **queued(shown, "nb-tianyige-free", scanned), "offline": False,
    }, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert again.status_code == 400 and again.json()["code"] == "replayed_elsewhere"
    assert Redemption.objects.count() == 1


def test_two_devices_of_one_counter_granting_the_same_presentation_are_flagged_too(
    real_codes, client_of, gate_user, tianyige_free, zhang
):
    """Two lanes of one gate, both offline, under one account: two client ids, one code."""
    scanned = timezone.now() - dt.timedelta(minutes=2)
    shown = presented_offline(zhang, scanned)
    items = [queued(shown, "nb-tianyige-free", scanned), queued(shown, "nb-tianyige-free", scanned)]
    results = (
        client_of(gate_user)
        .post("/api/benefits/redemptions/sync", {"items": items}, content_type="application/json")
        .json()["results"]
    )
    assert [(r["status"], r["reason"]) for r in results] == [
        ("recorded", "ok"), ("conflict", "replayed_elsewhere"),
    ]  # fmt: skip


def test_every_verdict_of_the_talent_code_reads_as_a_message_on_a_synced_use():
    from talentlink.benefits.selectors import REFUSALS
    from talentlink.talentcode.selectors import REASONS

    # A counter syncs uses it granted offline; staff must read why one is kept as a conflict.
    assert set(REASONS) - set(REFUSALS) == set()
