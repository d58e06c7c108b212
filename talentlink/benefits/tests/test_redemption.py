from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from talentlink.benefits import services
from talentlink.benefits.models import Redemption
from talentlink.benefits.services import Scan
from talentlink.benefits.tests.conftest import at
from talentlink.core.audit import Access
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def scan(qr: str, benefit: str = "nb-tianyige-free", when=None, offline=False, client_id=None) -> Scan:
    return Scan(
        client_id=client_id or uuid.uuid4(),
        qr=qr,
        benefit_code=benefit,
        scanned_at=when or timezone.now(),
        offline=offline,
    )


def access(user) -> Access:
    return Access(user=user, channel=AuditEvent.Channel.API)


def test_a_check_shows_eligibility_remaining_uses_and_a_masked_holder(gate_user, tianyige_free, zhang, codes):
    result = services.redemption_check(
        access=access(gate_user), qr=codes.issue(zhang), benefit_code="nb-tianyige-free"
    )
    assert (result.eligible, result.reason, result.holder, result.tier) == (True, "ok", "张*", "330200:C")
    assert result.remaining == {"per_day": 1, "per_year": 3, "per_person": None}
    assert codes.calls[-1]["online"] is True
    assert AuditEvent.objects.filter(
        object_type="registry.person", object_id=str(zhang.pk), action="read"
    ).exists()


def test_a_forged_code_is_refused_at_the_check_with_the_verifiers_reason(
    gate_user, tianyige_free, zhang, codes
):
    result = services.redemption_check(
        access=access(gate_user),
        qr=codes.issue(zhang, reason="bad_signature"),
        benefit_code="nb-tianyige-free",
    )
    assert (result.eligible, result.reason, result.holder) == (False, "bad_signature", "")


def test_a_use_is_recorded_once_for_the_same_client_id(gate_user, tianyige_free, zhang, codes):
    item = scan(codes.issue(zhang))
    first, created = services.redemption_record(access=access(gate_user), scan=item)
    again, created_again = services.redemption_record(access=access(gate_user), scan=item)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert first.status == "recorded" and first.value == tianyige_free.list_price
    assert Redemption.objects.count() == 1


def test_scanning_the_same_code_twice_does_not_count_twice(gate_user, tianyige_free, zhang, codes):
    qr = codes.issue(zhang, token="tok-1")
    first, _ = services.redemption_record(access=access(gate_user), scan=scan(qr))
    second, created = services.redemption_record(access=access(gate_user), scan=scan(qr))
    assert (second.pk, created) == (first.pk, False)
    assert Redemption.objects.count() == 1


def test_the_check_does_not_spend_the_code_so_the_use_can_follow(gate_user, tianyige_free, zhang, codes):
    qr = codes.issue(zhang)
    services.redemption_check(access=access(gate_user), qr=qr, benefit_code="nb-tianyige-free")
    redemption, created = services.redemption_record(access=access(gate_user), scan=scan(qr))
    assert created and redemption.status == "recorded" and redemption.person == zhang
    assert [c["consume"] for c in codes.calls] == [False, True]


def test_a_replayed_code_for_another_benefit_is_refused(gate_user, tianyige_free, tianyige, zhang, codes):
    from talentlink.benefits.tests.conftest import make_benefit

    make_benefit(tianyige, "nb-tianyige-audio", name="语音导览")
    qr = codes.issue(zhang)
    services.redemption_record(access=access(gate_user), scan=scan(qr))
    with pytest.raises(DomainError) as refused:
        services.redemption_record(access=access(gate_user), scan=scan(qr, benefit="nb-tianyige-audio"))
    # One code, one use: the platform names the use already on record, not only its cache's word.
    assert refused.value.code == "replayed_elsewhere"


def test_the_daily_limit_refuses_a_second_online_use_the_same_day(gate_user, tianyige_free, zhang, codes):
    services.redemption_record(
        access=access(gate_user), scan=scan(codes.issue(zhang), when=at("2026-05-01", 9))
    )
    with pytest.raises(Conflict) as refused:
        services.redemption_record(
            access=access(gate_user), scan=scan(codes.issue(zhang), when=at("2026-05-01", 16))
        )
    assert refused.value.code == "quota_day"
    services.redemption_record(
        access=access(gate_user), scan=scan(codes.issue(zhang), when=at("2026-05-02", 9))
    )
    assert Redemption.objects.filter(status="recorded").count() == 2


def test_the_yearly_limit_counts_uses_of_the_calendar_year(gate_user, tianyige_free, zhang, codes):
    for day in ("2025-01-05", "2025-03-01", "2025-12-31"):
        services.redemption_record(access=access(gate_user), scan=scan(codes.issue(zhang), when=at(day)))
    with pytest.raises(Conflict) as refused:
        services.redemption_record(
            access=access(gate_user), scan=scan(codes.issue(zhang), when=at("2025-12-31", 23))
        )
    assert refused.value.code in {"quota_day", "quota_year"}
    with pytest.raises(Conflict) as refused:
        services.redemption_record(
            access=access(gate_user), scan=scan(codes.issue(zhang), when=at("2025-06-01"))
        )
    assert refused.value.code == "quota_year"
    services.redemption_record(access=access(gate_user), scan=scan(codes.issue(zhang), when=at("2026-01-01")))


def test_the_per_person_limit_counts_every_use(gate_user, tianyige_free, zhang, codes):
    tianyige_free.per_day = tianyige_free.per_year = None
    tianyige_free.per_person = 2
    tianyige_free.save()
    for day in ("2024-01-01", "2025-01-01"):
        services.redemption_record(access=access(gate_user), scan=scan(codes.issue(zhang), when=at(day)))
    with pytest.raises(Conflict) as refused:
        services.redemption_record(
            access=access(gate_user), scan=scan(codes.issue(zhang), when=at("2026-01-01"))
        )
    assert refused.value.code == "quota_person"


def test_an_ineligible_holder_is_refused_online_and_nothing_is_recorded(
    gate_user, tianyige_free, ouyang, codes, ningbo
):
    tianyige_free.holder_regions.set([ningbo])
    with pytest.raises(DomainError) as refused:
        services.redemption_record(access=access(gate_user), scan=scan(codes.issue(ouyang)))
    assert refused.value.code == "region"
    assert Redemption.objects.count() == 0


def test_offline_scans_over_quota_are_kept_as_conflicts_not_dropped(gate_user, tianyige_free, zhang, codes):
    morning = scan(codes.issue(zhang), when=at("2026-05-01", 9), offline=True)
    noon = scan(codes.issue(zhang), when=at("2026-05-01", 12), offline=True)
    results = services.redemptions_sync(access=access(gate_user), scans=[noon, morning])
    assert [(r["client_id"], r["status"], r["reason"]) for r in results] == [
        (morning.client_id, "recorded", "ok"),
        (noon.client_id, "conflict", "quota_day"),
    ]
    assert all(c["online"] is False and c["now"] is not None for c in codes.calls)
    # The device retries the whole queue: nothing counts twice.
    again = services.redemptions_sync(access=access(gate_user), scans=[morning, noon])
    assert [r["created"] for r in again] == [False, False]
    assert Redemption.objects.count() == 2


def test_a_queued_scan_taken_as_online_but_synced_late_is_verified_as_of_its_scan_time(
    gate_user, tianyige_free, zhang, codes
):
    late = scan(codes.issue(zhang), when=timezone.now() - dt.timedelta(minutes=20), offline=False)
    fresh = scan(codes.issue(zhang), when=timezone.now(), offline=False)
    results = services.redemptions_sync(access=access(gate_user), scans=[late, fresh])
    assert [(c["online"], c["now"]) for c in codes.calls] == [(False, late.scanned_at), (True, None)]
    assert [r["status"] for r in results] == ["recorded", "conflict"]  # the second is over today's limit
    assert list(Redemption.objects.order_by("scanned_at").values_list("offline", flat=True)) == [True, False]


def test_an_offline_scan_of_a_forged_code_is_kept_as_a_conflict_without_holder(
    gate_user, tianyige_free, zhang, codes
):
    [result] = services.redemptions_sync(
        access=access(gate_user), scans=[scan(codes.issue(zhang, reason="bad_signature"), offline=True)]
    )
    redemption = Redemption.objects.get()
    assert (result["status"], redemption.reason, redemption.person) == ("conflict", "bad_signature", None)


def test_a_scan_dated_in_the_future_is_refused(gate_user, tianyige_free, zhang, codes):
    later = timezone.now() + dt.timedelta(hours=1)
    [result] = services.redemptions_sync(
        access=access(gate_user), scans=[scan(codes.issue(zhang), when=later, offline=True)]
    )
    assert (result["status"], result["reason"]) == ("refused", "scanned_at")


def test_a_service_point_redeems_only_its_own_providers_benefits(
    putuo_gate_user, tianyige_free, zhang, codes
):
    with pytest.raises(DomainError) as refused:
        services.redemption_record(access=access(putuo_gate_user), scan=scan(codes.issue(zhang)))
    assert refused.value.code == "benefit"


def test_an_account_without_a_service_point_cannot_scan(nb_office, tianyige_free, zhang, codes):
    with pytest.raises(NotAllowed):
        services.redemption_check(
            access=access(nb_office), qr=codes.issue(zhang), benefit_code="nb-tianyige-free"
        )


def test_staff_honour_a_conflict_and_it_then_counts(
    gate_user, tianyige_free, zhang, codes, nb_office, zs_office
):
    services.redemptions_sync(access=access(gate_user), scans=[
        scan(codes.issue(zhang), when=at("2026-05-01", 9), offline=True),
        scan(codes.issue(zhang), when=at("2026-05-01", 10), offline=True),
    ])  # fmt: skip
    conflict = Redemption.objects.get(status="conflict")
    with pytest.raises(NotAllowed):
        services.conflict_resolve(access=access(zs_office), redemption=conflict, honour=True)
    with pytest.raises(DomainError):
        services.conflict_resolve(access=access(nb_office), redemption=conflict, honour=False, note=" ")
    resolved = services.conflict_resolve(
        access=access(nb_office), redemption=conflict, honour=True, note="游客已入园"
    )
    assert (resolved.status, resolved.resolved_by) == ("recorded", nb_office)
    with pytest.raises(Conflict):
        services.conflict_resolve(access=access(nb_office), redemption=resolved, honour=False, note="again")
    assert AuditEvent.objects.filter(action="decide", object_type="benefits.redemption").count() == 1
