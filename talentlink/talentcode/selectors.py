"""Reads of the talent code: verification (the contract with benefits) and the signed lists."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core.models import Region
from talentlink.registry.merges import persons_golden
from talentlink.registry.models import Person, Tier
from talentlink.talentcode import codec, keys, services, verifier
from talentlink.talentcode.models import Credential, PublishedList

REASONS = {
    "ok": _("Valid talent code."),
    "bad_prefix": _("This is not a talent code."),
    "bad_encoding": _("The code is damaged (Base45)."),
    "bad_compression": _("The code is damaged (compression)."),
    "bad_cose": _("The code is damaged (signature container)."),
    "bad_claims": _("The code's contents are malformed."),
    "bad_signature": _("Forged code: the signature does not verify."),
    "unknown_kid": _("The code was signed with a key that is not trusted (unknown or lapsed)."),
    "wrong_issuer": _("The code claims an issuer that its signing key does not belong to."),
    "expired": _("The code has expired; ask the talent to refresh it."),
    "not_yet_valid": _("The code is not valid yet; check this device's clock."),
    "holder_signature": _("The holder's device signature is missing or does not verify."),
    "lifetime_missing": _(
        "The code from the holder's device does not say when it was made and when it ends; "
        "ask the talent to refresh it."
    ),
    "lifetime_too_long": _(
        "The code from the holder's device claims to live longer than a talent code may; it is refused."
    ),
    "replayed": _("This code has already been used; ask the talent to show a fresh one."),
    "revoked": _("This talent code has been revoked."),
}


@dataclass(frozen=True, slots=True)
class CodeVerdict:
    """What a verifier concludes about one scanned code."""

    ok: bool
    reason: str
    message: str
    issuer: str = ""
    kid: str = ""
    subject: str = ""
    token_id: str = ""
    tier: str = ""
    entitlements: tuple[str, ...] = ()
    expires_at: datetime | None = None


def _refused(reason: str, checked: verifier.Verified | None = None) -> CodeVerdict:
    return _verdict(reason, checked) if checked else CodeVerdict(False, reason, str(REASONS[reason]))


def _verdict(reason: str, checked: verifier.Verified) -> CodeVerdict:
    return CodeVerdict(
        ok=reason == "ok",
        reason=reason,
        message=str(REASONS[reason]),
        issuer=checked.issuer,
        kid=checked.kid.hex(),
        subject=checked.subject,
        token_id=checked.token_id.hex(),
        tier=checked.tier,
        entitlements=checked.entitlements,
        expires_at=datetime.fromtimestamp(checked.expires_at, tz=UTC),
    )


def code_verify(
    *,
    qr: str,
    now: datetime | None = None,
    online: bool = True,
    consume: bool = True,
    issuer: str | None = None,
) -> CodeVerdict:
    """Verify a scanned code: signatures, clock window, revocation and replay.

    Online, revocation is read from the live records (a withdrawn tier counts at once); offline,
    from the newest signed status list. ``consume`` records the token id as used, so the same
    code shown again is refused as replayed; an eligibility check before redeeming passes
    ``consume=False``. ``issuer`` restricts which city's codes are accepted.
    """
    moment = (now or timezone.now()).timestamp()
    try:
        checked = verifier.verify(
            qr.strip(),
            keys=keys.trust_store(),
            now=moment,
            expected_issuer=issuer,
            leeway=services.leeway_seconds(),
            presentation_seconds=services.presentation_seconds(),
        )
    except codec.CodeError as exc:
        return _refused(exc.reason)
    revoked = _revoked_online(checked) if online else _revoked_by_list(checked)
    if revoked:
        return _refused("revoked", checked)
    if _replayed(checked, moment=moment, consume=consume):
        return _refused("replayed", checked)
    return _verdict("ok", checked)


def _revoked_online(checked: verifier.Verified) -> bool:
    row = _live_state(checked.issuer, checked.status_index)
    if row is None:
        return True
    revoked_at, tier, person_status, person_tier = row
    return revoked_at is not None or person_status != Person.Status.ACTIVE or person_tier != tier


@lru_cache(maxsize=1)
def _live_state_sql() -> str:
    credential, region = Credential._meta.db_table, Region._meta.db_table
    person, tier = Person._meta.db_table, Tier._meta.db_table
    return (
        f"SELECT c.revoked_at, c.tier, p.status, t.code FROM {credential} c "
        f"JOIN {region} r ON r.id = c.region_id JOIN {person} p ON p.id = c.person_id "
        f"LEFT JOIN {tier} t ON t.id = p.tier_id WHERE r.code = %s AND c.status_index = %s"
    )


def _live_state(issuer: str, index: int | None) -> tuple[Any, ...] | None:
    """The credential's revocation and its holder's current status and tier, in one query.

    Written as SQL because it runs on every online verification: building it with the ORM cost
    more than running it (bench/talent_code.py); Credential.objects.filter(region__code=…,
    status_index=…) says the same.
    """
    if index is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_live_state_sql(), [issuer, index])
        return cursor.fetchone()


def _revoked_by_list(checked: verifier.Verified) -> bool:
    listed = (
        PublishedList.objects.filter(kind=PublishedList.Kind.STATUS, region__code=checked.issuer)
        .values_list("pk", "body")
        .first()
    )
    if checked.status_index is None:
        return True
    if listed is None:  # nothing has been published as revoked yet
        return False
    return verifier.status_bit(_status_bits(listed[0], bytes(listed[1])), checked.status_index)


@lru_cache(maxsize=8)
def _status_bits(list_id: int, body: bytes) -> bytes:
    return zlib.decompress(signed_list_claims(body)[65533]["lst"])


def _replayed(checked: verifier.Verified, *, moment: float, consume: bool) -> bool:
    key = f"talentcode:seen:{checked.token_id.hex()}"
    if not consume:
        return cache.get(key) is not None
    ttl = max(1, int(checked.expires_at - moment) + services.leeway_seconds())
    return not cache.add(key, 1, timeout=ttl)


def person_by_subject(*, subject: str) -> Person | None:
    """The person a code's pseudonym stands for, if the platform issued it: since a merge, the
    golden person the record was merged into (a use scanned offline before the merge and synced
    after it counts for the one human)."""
    credential = (
        Credential.objects.filter(subject=subject).select_related("person").order_by("-created_at").first()
    )
    if credential is None:
        return None
    person = credential.person
    if person.status == Person.Status.MERGED and person.merged_into_id:
        person = Person.objects.get(pk=persons_golden([person.pk])[person.pk])
    return person


def signed_list_claims(body: bytes) -> dict[Any, Any]:
    """The claims of a signed status or trust list (signature not checked here)."""
    return dict(codec.claims_of(codec.sign1_decode(body)))
