"""Issuing and verifying codes: each way a code can be wrong is refused with its own reason."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from talentlink.core.audit import Access
from talentlink.registry.models import Person
from talentlink.talentcode import codec, keys, services, verifier
from talentlink.talentcode.models import Credential, PublishedList, SigningKey
from talentlink.talentcode.selectors import code_verify, person_by_subject, signed_list_claims
from talentlink.talentcode.tests.conftest import ENTITLEMENTS

pytestmark = pytest.mark.django_db


def later(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=seconds)


def test_a_fresh_code_verifies_and_carries_only_the_agreed_claims(talent: Person, now: datetime) -> None:
    issued = services.code_issue(person=talent, now=now)
    verdict = code_verify(qr=issued.qr, now=later(now, 5))
    assert verdict.ok and verdict.reason == "ok"
    assert (verdict.issuer, verdict.tier, verdict.entitlements) == ("330200", "C", tuple(ENTITLEMENTS))
    assert verdict.token_id == issued.token_id
    assert person_by_subject(subject=verdict.subject) == talent
    claims = codec.claims_of(codec.decode(issued.qr, "TC1:"))
    assert set(claims) == {
        1,
        2,
        4,
        6,
        7,
        verifier.CLAIM_TIER,
        verifier.CLAIM_ENTITLEMENTS,
        verifier.CLAIM_STATUS,
    }
    assert "张伟" not in repr(claims) and str(talent.pk) != claims[2]
    assert issued.qr.startswith("TC1:") and set(issued.qr) <= set(codec.BASE45_ALPHABET)


def test_a_forged_code_is_refused(talent: Person, now: datetime) -> None:
    issued = services.code_issue(person=talent, now=now)
    message = codec.decode(issued.qr, "TC1:")
    claims = dict(codec.claims_of(message))
    claims[verifier.CLAIM_TIER] = "A"  # promote oneself, keep the city's signature
    forged = [message.protected_bytes, {}, cbor2.dumps(claims), message.signature]
    qr = codec.encode("TC1:", cbor2.dumps(cbor2.CBORTag(18, forged)))
    verdict = code_verify(qr=qr, now=later(now, 5))
    assert (verdict.ok, verdict.reason) == (False, "bad_signature")
    assert "signature" in verdict.message or "签名" in verdict.message


def test_a_code_signed_with_an_unknown_key_is_refused(talent: Person, now: datetime) -> None:
    issued = services.code_issue(person=talent, now=now)
    message = codec.decode(issued.qr, "TC1:")
    rogue = codec.sign1_create(message.payload, ec.generate_private_key(ec.SECP256R1()), kid=b"rogue-01")
    verdict = code_verify(qr=codec.encode("TC1:", rogue), now=later(now, 5))
    assert verdict.reason == "unknown_kid"


def test_an_expired_code_is_refused(talent: Person, now: datetime) -> None:
    issued = services.code_issue(person=talent, now=now)
    verdict = code_verify(qr=issued.qr, now=later(now, services.online_seconds() + 11))
    assert (verdict.ok, verdict.reason) == (False, "expired")


def test_a_code_from_the_future_is_refused(talent: Person, now: datetime) -> None:
    services.code_issue(person=talent, now=now)  # the city's key exists from now on
    issued = services.code_issue(person=talent, now=later(now, 600))
    assert code_verify(qr=issued.qr, now=later(now, 60)).reason == "not_yet_valid"


def test_a_replayed_code_is_refused(talent: Person, now: datetime) -> None:
    issued = services.code_issue(person=talent, now=now)
    assert code_verify(qr=issued.qr, now=later(now, 1), consume=False).ok  # a check does not use it up
    assert code_verify(qr=issued.qr, now=later(now, 2)).ok
    verdict = code_verify(qr=issued.qr, now=later(now, 3))
    assert (verdict.ok, verdict.reason) == (False, "replayed")
    assert verdict.subject


def test_a_revoked_code_is_refused_online_at_once_and_offline_at_the_next_list(
    talent: Person, now: datetime
) -> None:
    services.status_list_publish(region=talent.home_region, now=now)
    issued = services.code_issue(person=talent, now=now)
    talent.tier = None
    talent.save()
    assert code_verify(qr=issued.qr, now=later(now, 5), consume=False).reason == "revoked"
    assert code_verify(qr=issued.qr, now=later(now, 5), online=False, consume=False).ok  # old list
    services.status_list_publish(region=talent.home_region, now=later(now, 10))
    assert code_verify(qr=issued.qr, now=later(now, 15), online=False).reason == "revoked"
    assert Credential.objects.get().revoke_reason == Credential.RevokeReason.TIER_WITHDRAWN


@pytest.mark.parametrize(
    ("status", "reason"),
    [(Person.Status.MERGED, "merged"), (Person.Status.DECEASED, "deceased")],
)
def test_merged_or_deceased_persons_lose_their_code(talent: Person, now: datetime, status, reason) -> None:
    issued = services.code_issue(person=talent, now=now)
    Person.objects.filter(pk=talent.pk).update(status=status)
    assert code_verify(qr=issued.qr, now=later(now, 5)).reason == "revoked"
    assert services.credentials_revoke_lapsed(now=now) == 1
    assert Credential.objects.get().revoke_reason == reason


def test_staff_revocation_is_audited(talent: Person, now: datetime, nb_office) -> None:
    issued = services.code_issue(person=talent, now=now)
    access = Access(user=nb_office, channel="page")
    assert services.person_codes_revoke(person=talent, reason="staff", access=access, now=now) == 1
    assert code_verify(qr=issued.qr, now=later(now, 5)).reason == "revoked"
    assert nb_office.audit_events.filter(object_type="registry.person").exists()


def test_a_code_of_the_wrong_issuer_is_refused(talent: Person, zs_talent: Person, now: datetime) -> None:
    services.code_issue(person=talent, now=now)
    ningbo_key = SigningKey.objects.get(region=talent.home_region)
    zs_issued = services.code_issue(person=zs_talent, now=now)
    # Zhoushan's claims signed with Ningbo's key: the issuer does not own the key.
    message = codec.decode(zs_issued.qr, "TC1:")
    private = keys.private_key(ningbo_key.kid, ningbo_key.private_key_sealed)
    resigned = codec.sign1_create(message.payload, private, kid=bytes.fromhex(ningbo_key.kid))
    assert code_verify(qr=codec.encode("TC1:", resigned), now=later(now, 5)).reason == "wrong_issuer"
    # A counter that accepts only Ningbo's codes refuses Zhoushan's genuine one.
    assert code_verify(qr=zs_issued.qr, now=later(now, 5), issuer="330200").reason == "wrong_issuer"


def test_garbage_is_refused_with_the_stage_that_failed(db) -> None:
    assert code_verify(qr="HC1:NCFOXN").reason == "bad_prefix"
    assert code_verify(qr="TC1:abc").reason == "bad_encoding"
    assert code_verify(qr="TC1:" + codec.b45encode(b"plain")).reason == "bad_compression"
    assert code_verify(qr="TC1:" + codec.b45encode(zlib.compress(b"\x01"))).reason == "bad_cose"


def test_an_offline_presentation_verifies_with_both_signatures(talent: Person, now: datetime) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    holder_key = codec.cose_key_from_public(device.public_key())
    credential = services.code_issue(person=talent, holder_key=holder_key, now=now)
    assert credential.offline
    # The bound credential alone is not enough: whoever shows it must hold the device key.
    assert code_verify(qr=credential.qr, now=later(now, 60)).reason == "holder_signature"
    shown = services.presentation_create(credential_qr=credential.qr, holder=device, now=later(now, 3600))
    verdict = code_verify(qr=shown, now=later(now, 3610), online=False)
    assert verdict.ok and verdict.tier == "C"
    assert verdict.token_id != credential.token_id  # the presentation's own id feeds the replay cache
    assert code_verify(qr=shown, now=later(now, 3620), online=False).reason == "replayed"
    assert code_verify(qr=shown, now=later(now, 3600 + 75)).reason == "expired"


def test_a_presentation_signed_by_another_device_is_refused(talent: Person, now: datetime) -> None:
    device, thief = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    credential = services.code_issue(
        person=talent, holder_key=codec.cose_key_from_public(device.public_key()), now=now
    )
    stolen = services.presentation_create(credential_qr=credential.qr, holder=thief, now=later(now, 10))
    assert code_verify(qr=stolen, now=later(now, 12)).reason == "holder_signature"


def test_a_new_device_replaces_the_old_binding(talent: Person, now: datetime) -> None:
    first, second = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    services.code_issue(person=talent, holder_key=codec.cose_key_from_public(first.public_key()), now=now)
    services.code_issue(person=talent, holder_key=codec.cose_key_from_public(second.public_key()), now=now)
    assert list(Credential.objects.values_list("status_index", "revoke_reason")) == [(0, "rekeyed"), (1, "")]


def test_an_old_key_still_verifies_after_rotation_until_its_validity_ends(
    talent: Person, now: datetime, nb_office
) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    old_code = services.code_issue(
        person=talent, holder_key=codec.cose_key_from_public(device.public_key()), now=now
    )
    old_kid = codec.decode(old_code.qr, "TC1:").kid
    assert old_kid is not None
    new_key = services.signing_key_rotate(
        region=talent.home_region, access=Access(user=nb_office, channel="command"), now=later(now, 60)
    )
    new_code = services.code_issue(person=talent, now=later(now, 120))
    assert codec.decode(new_code.qr, "TC1:").kid == bytes.fromhex(new_key.kid) != old_kid
    shown = services.presentation_create(credential_qr=old_code.qr, holder=device, now=later(now, 7200))
    assert code_verify(qr=shown, now=later(now, 7201)).ok
    # Once the old key's validity ends (every code it signed has expired) it is no longer trusted.
    old = SigningKey.objects.get(kid=old_kid.hex())
    assert old.retired_at and old.not_after <= later(now, 60 + services.offline_seconds() + 60)
    keys.forget_trust_store()
    shown = services.presentation_create(credential_qr=old_code.qr, holder=device, now=old.not_after)
    assert code_verify(qr=shown, now=later(old.not_after, 1), online=False).reason in {
        "unknown_kid",
        "expired",
    }
    trust = signed_list_claims(bytes(PublishedList.objects.filter(kind="trust")[0].body))
    assert {entry["kid"].hex() for entry in trust["keys"]} >= {old.kid, new_key.kid}


def test_a_key_that_lapsed_is_refused_even_if_the_code_has_not_expired(talent: Person, now: datetime) -> None:
    issued = services.code_issue(person=talent, now=now)
    SigningKey.objects.filter(region=talent.home_region).update(not_after=later(now, 10))
    keys.forget_trust_store()
    assert code_verify(qr=issued.qr, now=later(now, 20)).reason == "unknown_kid"


def test_only_active_talents_with_a_tier_get_a_code(talent: Person, now: datetime) -> None:
    talent.tier = None
    with pytest.raises(services.Conflict):
        services.code_issue(person=talent, now=now)


def test_a_key_created_meanwhile_by_another_server_is_used_rather_than_a_second_one(
    talent: Person, now: datetime, monkeypatch
) -> None:
    """Two servers that both find no key for a city: the second creation meets the "one active
    key per issuer" constraint and takes the key the first one made, instead of failing."""
    first = services.active_key(purpose="code", region=talent.home_region, now=now)
    monkeypatch.setattr(services, "_active_key_lookup", lambda **_: None)  # as if read before it existed
    assert services.active_key(purpose="code", region=talent.home_region, now=now) == first
    assert SigningKey.objects.filter(region=talent.home_region).count() == 1
