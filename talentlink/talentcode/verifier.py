"""Checking a talent code against a trust list: the part every verifier shares, without Django.

Two shapes of code exist. An *online code* is a credential signed by a city's key and lives a
minute. An *offline code* is a presentation: the holder's browser wraps a day-long credential
bound to its own key (``cnf``) in a COSE_Sign1 of its own that lives a minute, so a screenshot
is useless soon after and a copied credential is useless without the key that never leaves the
browser. The wrapper's times are the holder's word, so the verifier bounds them itself: a
wrapper without ``iat`` and ``exp``, or one that claims to live longer than an online code, is
refused. Revocation and replay need state (a status list, a cache of seen token ids) and are
checked by the callers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from talentlink.talentcode import codec

PREFIX = "TC1:"
CLAIM_TIER = -70001
CLAIM_ENTITLEMENTS = -70002
# IETF Token Status List: {"status_list": {"idx": n, "uri": ...}}; the index is the
# credential's bit in its issuer's status list.
CLAIM_STATUS = 65535
# A presentation carries the credential it presents under this key.
CLAIM_PRESENTED = -70010
# Defaults of the two settings the Django side reads (services.leeway_seconds and
# services.presentation_seconds): the clock skew tolerated between devices, and the longest a
# holder's wrapper may live (exp - iat), the minute of an online code.
LEEWAY_SECONDS = 10
PRESENTATION_SECONDS = 60


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """One entry of the trust list: a city's public key and when it may be relied on."""

    kid: bytes
    issuer: str
    public_key: codec.PublicKey
    not_before: float
    not_after: float


@dataclass(frozen=True, slots=True)
class Verified:
    """A code whose signatures and clock window hold; state checks are the caller's."""

    issuer: str
    kid: bytes
    subject: str
    token_id: bytes
    tier: str
    entitlements: tuple[str, ...]
    status_index: int | None
    expires_at: float
    presented: bool


def verify(
    text: str,
    *,
    keys: Mapping[bytes, TrustedKey],
    now: float,
    expected_issuer: str | None = None,
    prefix: str = PREFIX,
    leeway: float = LEEWAY_SECONDS,
    presentation_seconds: float = PRESENTATION_SECONDS,
) -> Verified:
    """Decode ``text`` and check every signature and time window; raise CodeError otherwise.

    ``leeway`` is the clock skew tolerated; a presentation may live ``presentation_seconds``
    (plus the leeway) from its ``iat`` to its ``exp``."""
    message = codec.decode(text, prefix)
    claims = codec.claims_of(message)
    presented = claims.get(CLAIM_PRESENTED)
    if presented is None:
        credential, outer = message, None
        credential_claims = claims
    else:
        if not isinstance(presented, bytes):
            raise codec.CodeError("bad_claims", "presented credential is not a byte string")
        credential, outer = codec.sign1_decode(presented), claims
        credential_claims = codec.claims_of(credential)
    key = _trusted_key(credential, keys, now)
    codec.sign1_verify(credential, key.public_key)
    issuer = credential_claims.get(codec.CLAIM_ISS)
    if issuer != key.issuer or (expected_issuer is not None and issuer != expected_issuer):
        raise codec.CodeError("wrong_issuer", f"{issuer!r} is not the key's issuer {key.issuer!r}")
    codec.check_clock(credential_claims, now=now, leeway=leeway)
    holder = credential_claims.get(codec.CLAIM_CNF)
    if outer is None:
        if holder is not None:
            raise codec.CodeError(
                "holder_signature", "a holder-bound credential needs its holder's signature"
            )
        return _verified(key, credential_claims, credential_claims, presented=False)
    if not isinstance(holder, Mapping) or codec.CNF_COSE_KEY not in holder:
        raise codec.CodeError("holder_signature", "the presented credential names no holder key")
    try:
        codec.sign1_verify(message, codec.public_from_cose_key(holder[codec.CNF_COSE_KEY]))
    except codec.CodeError as exc:
        raise codec.CodeError("holder_signature", exc.detail) from None
    check_presentation_window(outer, now=now, leeway=leeway, longest=presentation_seconds)
    return _verified(key, credential_claims, outer, presented=True)


def _is_time(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_presentation_window(
    claims: Mapping[Any, Any], *, now: float, leeway: float, longest: float
) -> None:
    """Bound a holder's wrapper by the verifier's rules, not the holder's: ``iat`` and ``exp``
    required, at most ``longest`` + ``leeway`` apart, ``iat`` not ahead of the verifier's clock
    by more than the leeway, and ``now`` at most ``exp`` + leeway.

    Without this a browser that signs ``exp = now + 20 h`` (or no ``exp``) makes a screenshot good
    until the day-long credential expires."""
    iat, exp = claims.get(codec.CLAIM_IAT), claims.get(codec.CLAIM_EXP)
    if not (_is_time(iat) and _is_time(exp)):
        raise codec.CodeError("lifetime_missing", "a presentation needs numeric iat and exp")
    if exp < iat:
        raise codec.CodeError("bad_claims", "the presentation expires before it was made")
    if exp - iat > longest + leeway:
        raise codec.CodeError("lifetime_too_long", f"{exp - iat:g} s exceeds {longest:g} s")
    codec.check_clock(claims, now=now, leeway=leeway)


def _trusted_key(message: codec.Sign1, keys: Mapping[bytes, TrustedKey], now: float) -> TrustedKey:
    kid = message.protected.get(codec.HEADER_KID)  # only a signed kid counts
    key = keys.get(bytes(kid)) if isinstance(kid, bytes) else None
    if key is None or not key.not_before <= now <= key.not_after:
        raise codec.CodeError("unknown_kid", "the signing key is not in the trust list or has lapsed")
    return key


def _verified(
    key: TrustedKey, claims: Mapping[Any, Any], token: Mapping[Any, Any], *, presented: bool
) -> Verified:
    subject, token_id = claims.get(codec.CLAIM_SUB), token.get(codec.CLAIM_CTI)
    tier, entitlements = claims.get(CLAIM_TIER, ""), claims.get(CLAIM_ENTITLEMENTS, [])
    if not (isinstance(subject, str) and isinstance(token_id, bytes) and isinstance(tier, str)):
        raise codec.CodeError("bad_claims", "subject, token id or tier missing")
    if not (isinstance(entitlements, list | tuple) and all(isinstance(e, str) for e in entitlements)):
        raise codec.CodeError("bad_claims", "entitlements must be a list of codes")
    expiries = [e for e in (claims.get(codec.CLAIM_EXP), token.get(codec.CLAIM_EXP)) if e is not None]
    if not expiries:
        raise codec.CodeError("bad_claims", "a talent code must expire")
    return Verified(
        issuer=key.issuer,
        kid=key.kid,
        subject=subject,
        token_id=token_id,
        tier=tier,
        entitlements=tuple(entitlements),
        status_index=_status_index(claims),
        expires_at=float(min(expiries)),
        presented=presented,
    )


def _status_index(claims: Mapping[Any, Any]) -> int | None:
    status = claims.get(CLAIM_STATUS)
    if status is None:
        return None
    index = status.get("status_list", {}).get("idx") if isinstance(status, Mapping) else None
    if not isinstance(index, int) or index < 0:
        raise codec.CodeError("bad_claims", "malformed status claim")
    return index


def status_bit(bits: bytes, index: int) -> bool:
    """Whether credential ``index`` is revoked in an (inflated) status list; LSB first per byte."""
    byte = index >> 3
    return byte < len(bits) and bool(bits[byte] >> (index & 7) & 1)
