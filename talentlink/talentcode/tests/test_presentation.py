"""The lifetime of an offline presentation is the verifier's to bound, not the holder's browser's:
wrappers forged with the holder's own key (no iat, no exp, a twenty-hour exp, an iat from the
future, long expired) are refused through the public verify endpoint and by the verifier itself."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from talentlink.registry.models import Person
from talentlink.talentcode import codec, keys, services, verifier
from talentlink.talentcode.selectors import code_verify

pytestmark = pytest.mark.django_db

Wrap = Callable[..., str]


def wrapper(credential_qr: str, device: ec.EllipticCurvePrivateKey, claims: dict[int, Any]) -> str:
    """What a dishonest holder's browser may sign: the bound credential under any times it likes."""
    inner = codec.decompress(codec.b45decode(codec.unprefix(credential_qr, verifier.PREFIX)))
    payload = {codec.CLAIM_CTI: os.urandom(16), verifier.CLAIM_PRESENTED: inner, **claims}
    return codec.encode(verifier.PREFIX, codec.sign1_create(cbor2.dumps(payload), device))


@pytest.fixture
def wrap(talent: Person) -> Wrap:
    """Sign wrappers with the talent's real device key around a credential issued just now."""
    device = ec.generate_private_key(ec.SECP256R1())
    holder_key = codec.cose_key_from_public(device.public_key())
    credential = services.code_issue(person=talent, holder_key=holder_key)

    def make(**times: float) -> str:
        names = {"iat": codec.CLAIM_IAT, "exp": codec.CLAIM_EXP, "nbf": codec.CLAIM_NBF}
        return wrapper(credential.qr, device, {names[name]: value for name, value in times.items()})

    return make


def verify_public(code: str, language: str = "en") -> dict[str, Any]:
    answer = Client().post(
        "/api/public/talentcode/verify", {"code": code}, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )  # fmt: skip
    assert answer.status_code == 200
    return answer.json()


def test_an_honest_one_minute_wrapper_is_accepted(wrap: Wrap) -> None:
    now = int(time.time())
    assert verify_public(wrap(iat=now, exp=now + 60))["reason"] == "ok"


@pytest.mark.parametrize(
    ("times", "reason"),
    [
        pytest.param({"iat": 0}, "lifetime_missing", id="no exp"),
        pytest.param({"exp": 60}, "lifetime_missing", id="no iat"),
        pytest.param({}, "lifetime_missing", id="no times at all"),
        pytest.param({"nbf": 0, "exp": 60}, "lifetime_missing", id="nbf instead of iat"),
        pytest.param({"iat": 0, "exp": 20 * 3600}, "lifetime_too_long", id="exp now + 20 h"),
        pytest.param({"iat": -30, "exp": 20 * 3600}, "lifetime_too_long", id="iat a moment ago, exp + 20 h"),
        pytest.param({"iat": 0, "exp": 60 + 11}, "lifetime_too_long", id="a second past the leeway"),
        pytest.param({"iat": 120, "exp": 180}, "not_yet_valid", id="iat in the future"),
        pytest.param({"iat": -120, "exp": -60}, "expired", id="expired"),
        pytest.param({"iat": 30, "exp": 0}, "bad_claims", id="exp before iat"),
    ],
)
def test_a_forged_wrapper_is_refused_with_its_reason(wrap: Wrap, times: dict[str, int], reason: str) -> None:
    now = int(time.time())
    verdict = verify_public(wrap(**{name: now + offset for name, offset in times.items()}))
    assert (verdict["ok"], verdict["reason"]) == (False, reason)
    assert verdict["message"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "1700000000"])
def test_times_that_are_not_finite_numbers_do_not_bound_a_wrapper(wrap: Wrap, value: Any) -> None:
    now = int(time.time())
    assert verify_public(wrap(iat=now, exp=value))["reason"] == "lifetime_missing"
    assert verify_public(wrap(iat=value, exp=now + 60))["reason"] == "lifetime_missing"


def test_the_refusals_say_why_in_the_users_language(wrap: Wrap) -> None:
    now = int(time.time())
    unbounded = verify_public(wrap(iat=now))
    assert "does not say when it was made" in unbounded["message"]
    too_long = verify_public(wrap(iat=now, exp=now + 20 * 3600))
    assert "longer than a talent code may" in too_long["message"]
    # The Chinese text comes from the app's catalogue; any message is better than none.
    assert verify_public(wrap(iat=now), language="zh-hans")["message"]


def test_the_lifetime_follows_the_online_code_setting_and_the_leeway_setting(wrap: Wrap, settings) -> None:
    now = int(time.time())
    one_minute = wrap(iat=now, exp=now + 60)
    settings.TALENTLINK_CODE_ONLINE_SECONDS = 30
    assert verify_public(one_minute)["reason"] == "lifetime_too_long"
    settings.TALENTLINK_CODE_LEEWAY_SECONDS = 30
    assert verify_public(one_minute)["reason"] == "ok"


def test_a_stolen_screenshot_is_useless_after_the_minute_even_if_its_wrapper_lied(
    talent: Person, now: datetime
) -> None:
    """The finding of issue 12: a wrapper signed to live 20 h verified until the credential's own
    24 h expiry; now it is refused at once, and an honest one is refused after its minute."""
    device = ec.generate_private_key(ec.SECP256R1())
    credential = services.code_issue(
        person=talent, holder_key=codec.cose_key_from_public(device.public_key()), now=now
    )
    iat = int(now.timestamp()) + 3600
    liar = wrapper(credential.qr, device, {codec.CLAIM_IAT: iat, codec.CLAIM_EXP: iat + 20 * 3600})
    assert code_verify(qr=liar, now=now + timedelta(hours=1, seconds=5)).reason == "lifetime_too_long"
    assert code_verify(qr=liar, now=now + timedelta(hours=10), online=False).reason == "lifetime_too_long"
    honest = services.presentation_create(
        credential_qr=credential.qr, holder=device, now=now + timedelta(hours=1)
    )
    assert code_verify(qr=honest, now=now + timedelta(hours=1, seconds=59), consume=False).ok
    assert code_verify(qr=honest, now=now + timedelta(hours=1, seconds=71)).reason == "expired"


def test_the_django_free_verifier_bounds_the_wrapper_with_its_own_defaults(
    talent: Person, now: datetime
) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    credential = services.code_issue(
        person=talent, holder_key=codec.cose_key_from_public(device.public_key()), now=now
    )
    iat = int(now.timestamp())
    long_lived = wrapper(credential.qr, device, {codec.CLAIM_IAT: iat, codec.CLAIM_EXP: iat + 600})
    with pytest.raises(codec.CodeError) as refused:
        verifier.verify(long_lived, keys=keys.trust_store(), now=iat + 5)
    assert refused.value.reason == "lifetime_too_long"
    checked = verifier.verify(long_lived, keys=keys.trust_store(), now=iat + 5, presentation_seconds=600)
    assert checked.presented and checked.expires_at == iat + 600
