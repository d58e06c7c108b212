"""Issuing, revoking and publishing: every write of the talent code."""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core.audit import Access, audit_record
from talentlink.core.crypto import cipher
from talentlink.core.errors import Conflict, DomainError
from talentlink.core.models import AuditEvent, Region
from talentlink.registry.models import Person
from talentlink.talentcode import codec, keys
from talentlink.talentcode.models import Credential, PublishedList, SigningKey
from talentlink.talentcode.verifier import (
    CLAIM_ENTITLEMENTS,
    CLAIM_PRESENTED,
    CLAIM_STATUS,
    CLAIM_TIER,
    PREFIX,
)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def online_seconds() -> int:
    """How long an online code lives; the talent's page shows a new one every half of it."""
    return _setting("TALENTLINK_CODE_ONLINE_SECONDS", 60)


def offline_seconds() -> int:
    return _setting("TALENTLINK_CODE_OFFLINE_HOURS", 24) * 3600


def presentation_seconds() -> int:
    """The longest a holder's device-signed wrapper may live (``exp - iat``): an online code's
    lifetime, so that a screenshot of either is useless after the same minute."""
    return online_seconds()


def leeway_seconds() -> int:
    """The clock skew verifiers tolerate between the signer's clock and their own, and the slack
    on a wrapper's lifetime."""
    return _setting("TALENTLINK_CODE_LEEWAY_SECONDS", 10)


def status_list_seconds() -> int:
    return _setting("TALENTLINK_CODE_STATUS_LIST_MINUTES", 15) * 60


def key_days() -> int:
    return _setting("TALENTLINK_CODE_KEY_DAYS", 365)


STATUS_LIST_MIN_BITS = 8192  # even a small city's list hides which index is whose
TRUST_LIST_SECONDS = 24 * 3600


# --- Keys ---------------------------------------------------------------------


def _key_create(*, purpose: str, region: Region | None, now: datetime) -> SigningKey:
    kid, public_pem, private = keys.generate()
    return SigningKey.objects.create(
        purpose=purpose,
        region=region,
        kid=kid,
        public_key=public_pem,
        private_key_sealed=keys.seal(kid, private),
        not_before=now,
        not_after=now + timedelta(days=key_days()),
    )


def _active_key_lookup(*, purpose: str, region: Region | None) -> SigningKey | None:
    return SigningKey.objects.filter(purpose=purpose, region=region, retired_at__isnull=True).first()


def active_key(*, purpose: str, region: Region | None, now: datetime | None = None) -> SigningKey:
    """The key that signs now for this issuer, created on first use.

    Several app servers may meet a missing key at the same moment (the first verifications after
    a deployment all publish the trust list): one creation wins the "one active key per issuer"
    constraint and the others use the key it made.
    """
    key = _active_key_lookup(purpose=purpose, region=region)
    if key is None:
        try:
            with transaction.atomic():
                key = _key_create(purpose=purpose, region=region, now=now or timezone.now())
        except IntegrityError:
            key = SigningKey.objects.get(purpose=purpose, region=region, retired_at__isnull=True)
        # Now for this transaction, and again once the key is committed: another thread may
        # have reloaded the cache in between, without the key it could not yet see.
        keys.forget_trust_store()
        transaction.on_commit(keys.forget_trust_store)
    return key


@transaction.atomic
def signing_key_rotate(*, region: Region | None, access: Access, now: datetime | None = None) -> SigningKey:
    """Retire the issuer's signing key and start a new one; the old key stays in the trust list
    until every code it signed has expired."""
    now = now or timezone.now()
    purpose = SigningKey.Purpose.CODE if region else SigningKey.Purpose.TRUST_LIST
    old = (
        SigningKey.objects.select_for_update()
        .filter(purpose=purpose, region=region, retired_at__isnull=True)
        .first()
    )
    if old is not None:
        old.retired_at = now
        old.not_after = min(old.not_after, now + timedelta(seconds=offline_seconds() + 60))
        old.save(update_fields=["retired_at", "not_after"])
    new = _key_create(purpose=purpose, region=region, now=now)
    transaction.on_commit(keys.forget_trust_store)
    trust_list_publish(now=now)  # verifiers learn the new kid at their next refresh
    audit_record(
        access=access,
        action=AuditEvent.Action.UPDATE,
        object_type="talentcode.signingkey",
        object_id=new.kid,
        object_label=str(new),
        object_region=region.code if region else "",
        detail={"retired": old.kid if old else None},
    )
    return new


def _sign(payload: Mapping[Any, Any], key: SigningKey) -> bytes:
    private = keys.private_key(key.kid, key.private_key_sealed)
    return codec.sign1_create(cbor2.dumps(payload), private, kid=keys.kid_bytes(key.kid))


# --- Credentials and codes ------------------------------------------------------


def subject_of(person: Person) -> str:
    """The person's pseudonym on this platform: stable, and meaningless outside it."""
    return cipher().blind_index(f"person:{person.pk}", purpose="talentcode.subject")


def _tier_code(person: Person) -> str:
    return person.tier.code if person.tier is not None else ""


def _entitlements(person: Person, on: datetime) -> list[str]:
    """The codes of what the person may use today, for the code's claim: asked of every app that
    provides entitlements (an AppConfig's ``talent_entitlements(person=, on=)``; the benefits app's
    catalogue), so this app imports none of them (docs/contracts.md)."""
    codes: set[str] = set()
    for config in apps.get_app_configs():
        provide = getattr(config, "talent_entitlements", None)
        if provide is not None:
            codes.update(provide(person=person, on=timezone.localdate(on)))
    return sorted(codes)


def _holder_key_check(holder_key: Mapping[Any, Any] | None) -> dict[int, Any] | None:
    if holder_key is None:
        return None
    try:
        public = codec.public_from_cose_key(holder_key)
    except codec.CodeError:
        raise DomainError(_("The device key is not a P-256 public key."), code="holder_key") from None
    return codec.cose_key_from_public(public)


def _live_credential(*, person: Person, holder_key: dict[int, Any] | None, now: datetime) -> Credential:
    """The person's live credential at their home city; a changed tier or device starts a new one."""
    live = Credential.objects.select_for_update().filter(person=person, revoked_at__isnull=True).first()
    stored_key = _jsonable(holder_key) if holder_key else None
    if live is not None and live.tier != _tier_code(person):
        _revoke(live, Credential.RevokeReason.TIER_CHANGED, now)
        live = None
    if live is not None and holder_key is not None and live.holder_key not in (None, stored_key):
        _revoke(live, Credential.RevokeReason.REKEYED, now)
        live = None
    if live is None:
        live = _credential_create(person=person, now=now)
    if holder_key is not None and live.holder_key is None:
        live.holder_key = stored_key
        live.save(update_fields=["holder_key"])
    return live


def _credential_create(*, person: Person, now: datetime) -> Credential:
    region = person.home_region
    # The issuer's signing-key row serialises index allocation within one city.
    SigningKey.objects.select_for_update().filter(
        pk=active_key(purpose="code", region=region, now=now).pk
    ).get()
    top = Credential.objects.filter(region=region).aggregate(top=Max("status_index"))["top"]
    return Credential.objects.create(
        region=region,
        person=person,
        subject=subject_of(person),
        status_index=0 if top is None else top + 1,
        tier=_tier_code(person),
    )


def _jsonable(cose_key: Mapping[int, Any]) -> dict[str, str]:
    return {"x": cose_key[-2].hex(), "y": cose_key[-3].hex()}


def _cose_from_stored(stored: Mapping[str, str]) -> dict[int, Any]:
    return {1: 2, -1: 1, -2: bytes.fromhex(stored["x"]), -3: bytes.fromhex(stored["y"])}


@dataclass(frozen=True, slots=True)
class IssuedCode:
    qr: str
    token_id: str
    expires_at: datetime
    offline: bool


def _refuse_unless_eligible(person: Person) -> None:
    if person.status != Person.Status.ACTIVE:
        raise Conflict(_("This person record is no longer active."), code="person_inactive")
    if not person.tier_id:
        raise Conflict(_("Only talents with a recognised tier hold a talent code."), code="no_tier")


@transaction.atomic
def code_issue(
    *, person: Person, holder_key: Mapping[Any, Any] | None = None, now: datetime | None = None
) -> IssuedCode:
    """Sign a code for ``person``: a one-minute online code, or, given the public key of the
    holder's browser, a day-long credential bound to it for the browser to present offline."""
    now = now or timezone.now()
    _refuse_unless_eligible(person)
    cose_key = _holder_key_check(holder_key)
    credential = _live_credential(person=person, holder_key=cose_key, now=now)
    key = active_key(purpose=SigningKey.Purpose.CODE, region=person.home_region, now=now)
    lifetime = offline_seconds() if cose_key else online_seconds()
    token_id = os.urandom(16)
    iat = int(now.timestamp())
    claims: dict[Any, Any] = {
        codec.CLAIM_ISS: key.issuer,
        codec.CLAIM_SUB: credential.subject,
        codec.CLAIM_IAT: iat,
        codec.CLAIM_EXP: iat + lifetime,
        codec.CLAIM_CTI: token_id,
        CLAIM_TIER: credential.tier,
        CLAIM_ENTITLEMENTS: _entitlements(person, now),
        CLAIM_STATUS: {"status_list": {"idx": credential.status_index, "uri": key.issuer}},
    }
    if cose_key:
        claims[codec.CLAIM_CNF] = {codec.CNF_COSE_KEY: cose_key}
    return IssuedCode(
        qr=codec.encode(PREFIX, _sign(claims, key)),
        token_id=token_id.hex(),
        expires_at=now + timedelta(seconds=lifetime),
        offline=cose_key is not None,
    )


def presentation_create(
    *, credential_qr: str, holder: ec.EllipticCurvePrivateKey, now: datetime, seconds: int | None = None
) -> str:
    """Wrap a holder-bound credential in the holder's own short-lived signature, as the talent's
    browser does offline (the browser's code is static/talentcode/holder.js; this one serves
    tests and tools). It lives ``presentation_seconds()`` unless told otherwise."""
    inner = codec.decompress(codec.b45decode(codec.unprefix(credential_qr, PREFIX)))
    iat = int(now.timestamp())
    seconds = presentation_seconds() if seconds is None else seconds
    payload = {
        codec.CLAIM_IAT: iat,
        codec.CLAIM_EXP: iat + seconds,
        codec.CLAIM_CTI: os.urandom(16),
        CLAIM_PRESENTED: inner,
    }
    return codec.encode(PREFIX, codec.sign1_create(cbor2.dumps(payload), holder))


# --- Revocation -----------------------------------------------------------------


def _revoke(credential: Credential, reason: str, now: datetime) -> None:
    credential.revoked_at, credential.revoke_reason = now, reason
    credential.save(update_fields=["revoked_at", "revoke_reason"])


@transaction.atomic
def person_codes_revoke(*, person: Person, reason: str, access: Access, now: datetime | None = None) -> int:
    """Revoke the person's live codes: online verifiers refuse them at once, offline verifiers
    at their next status-list refresh."""
    now = now or timezone.now()
    count = Credential.objects.filter(person=person, revoked_at__isnull=True).update(
        revoked_at=now, revoke_reason=reason
    )
    audit_record(
        access=access,
        action=AuditEvent.Action.DECIDE,
        object_type="registry.person",
        object_id=person.pk,
        object_label=person.name,
        object_region=person.home_region.code,
        detail={"talentcode_revoked": count, "reason": reason},
    )
    return count


def talentcode_person_merged(*, source_id: int, now: datetime | None = None) -> dict[str, Any]:
    """A retired person's live codes are revoked at once (reason ``merged``); the human's code is
    the successor's. An undo does not revive them: a revoked bit may already sit in the status
    lists counters keep, so the restored person is issued a new code line when it next shows one."""
    now = now or timezone.now()
    live = Credential.objects.filter(person_id=source_id, revoked_at__isnull=True)
    revoked = list(live.values_list("pk", flat=True))
    Credential.objects.filter(pk__in=revoked).update(
        revoked_at=now, revoke_reason=Credential.RevokeReason.MERGED
    )
    return {"revoked": revoked} if revoked else {}


def credentials_revoke_lapsed(*, now: datetime | None = None) -> int:
    """Revoke live codes whose holder is merged or deceased or whose tier was withdrawn or changed."""
    now = now or timezone.now()
    live = Credential.objects.filter(revoked_at__isnull=True)
    rules = [
        (Q(person__status=Person.Status.MERGED), Credential.RevokeReason.MERGED),
        (Q(person__status=Person.Status.DECEASED), Credential.RevokeReason.DECEASED),
        (Q(person__tier__isnull=True), Credential.RevokeReason.TIER_WITHDRAWN),
        (~Q(person__tier__code=F("tier")), Credential.RevokeReason.TIER_CHANGED),
    ]
    total = 0
    for condition, reason in rules:
        ids = list(live.filter(condition).values_list("pk", flat=True))
        total += Credential.objects.filter(pk__in=ids).update(revoked_at=now, revoke_reason=reason)
    return total


# --- Published lists ---------------------------------------------------------------


def status_bits(*, region: Region) -> bytes:
    """One bit per credential index of the city, set where the credential is revoked."""
    top = Credential.objects.filter(region=region).aggregate(top=Max("status_index"))["top"]
    size = max(STATUS_LIST_MIN_BITS, ((top or 0) // 8 + 1) * 8)
    bits = bytearray(size // 8)
    revoked = Credential.objects.filter(region=region, revoked_at__isnull=False)
    for index in revoked.values_list("status_index", flat=True).iterator():
        bits[index >> 3] |= 1 << (index & 7)
    return bytes(bits)


@transaction.atomic
def status_list_publish(*, region: Region, now: datetime | None = None) -> PublishedList:
    """Revoke what has lapsed, then sign the city's status list (zlib-compressed bits)."""
    now = now or timezone.now()
    credentials_revoke_lapsed(now=now)
    key = active_key(purpose=SigningKey.Purpose.CODE, region=region, now=now)
    expires = now + timedelta(seconds=status_list_seconds())
    payload = {
        codec.CLAIM_ISS: region.code,
        codec.CLAIM_IAT: int(now.timestamp()),
        codec.CLAIM_EXP: int(expires.timestamp()),
        65533: {"bits": 1, "lst": zlib.compress(status_bits(region=region), 9)},
    }
    return PublishedList.objects.create(
        kind=PublishedList.Kind.STATUS,
        region=region,
        issued_at=now,
        expires_at=expires,
        body=_sign(payload, key),
    )


@transaction.atomic
def trust_list_publish(*, now: datetime | None = None) -> PublishedList:
    """Sign the list of city keys verifiers may rely on, with their issuers and validity."""
    now = now or timezone.now()
    for region in Region.objects.filter(is_active=True):
        active_key(purpose=SigningKey.Purpose.CODE, region=region, now=now)
    root = active_key(purpose=SigningKey.Purpose.TRUST_LIST, region=None, now=now)
    entries = [
        {
            "kid": keys.kid_bytes(k.kid),
            "iss": k.issuer,
            "key": keys.cose_key(k.public_key),
            "nbf": int(k.not_before.timestamp()),
            "exp": int(k.not_after.timestamp()),
        }
        for k in SigningKey.objects.filter(purpose=SigningKey.Purpose.CODE, not_after__gt=now).select_related(
            "region"
        )
    ]
    expires = now + timedelta(seconds=TRUST_LIST_SECONDS)
    payload = {
        codec.CLAIM_IAT: int(now.timestamp()),
        codec.CLAIM_EXP: int(expires.timestamp()),
        "keys": entries,
    }
    return PublishedList.objects.create(
        kind=PublishedList.Kind.TRUST,
        region=None,
        issued_at=now,
        expires_at=expires,
        body=_sign(payload, root),
    )


def _trust_list_covers_keys(published: PublishedList, *, now: datetime) -> bool:
    """Whether a signed trust list names every city key trusted now. A key made after the list
    was signed (a city's first code, a key committed by another server meanwhile) must not wait
    for the list to expire: until then scanners would refuse every code it signs."""
    listed = {entry["kid"] for entry in codec.claims_of(codec.sign1_decode(bytes(published.body)))["keys"]}
    current = SigningKey.objects.filter(purpose=SigningKey.Purpose.CODE, not_after__gt=now)
    return all(keys.kid_bytes(kid) in listed for kid in current.values_list("kid", flat=True))


def published_latest(
    *, kind: str, region: Region | None = None, now: datetime | None = None
) -> PublishedList:
    """The newest signed list of its kind that has not expired, publishing a new one if none."""
    now = now or timezone.now()
    latest = PublishedList.objects.filter(kind=kind, region=region, expires_at__gt=now).first()
    if kind == PublishedList.Kind.TRUST:
        if latest is not None and _trust_list_covers_keys(latest, now=now):
            return latest
        return trust_list_publish(now=now)
    if latest is not None:
        return latest
    assert region is not None
    return status_list_publish(region=region, now=now)
