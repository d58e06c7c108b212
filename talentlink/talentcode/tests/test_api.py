"""The API and pages: verification online, the signed lists, the talent's code and the scanner."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from talentlink.core.models import Role
from talentlink.registry.models import Person
from talentlink.talentcode import codec, keys, services
from talentlink.talentcode.models import SigningKey
from talentlink.talentcode.selectors import signed_list_claims

pytestmark = pytest.mark.django_db


def _jwk_of(key) -> dict[str, str]:
    numbers = key.public_key().public_numbers()

    def b64(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()

    return {"kty": "EC", "crv": "P-256", "x": b64(numbers.x), "y": b64(numbers.y)}


def test_anyone_can_verify_a_code_online_without_using_it_up(talent: Person) -> None:
    issued = services.code_issue(person=talent)
    for _ in range(2):
        answer = Client().post(
            "/api/public/talentcode/verify", {"code": issued.qr}, content_type="application/json"
        )
        assert answer.status_code == 200
        assert answer.json()["ok"] and answer.json()["tier"] == "C"


def test_a_service_point_uses_the_code_up(talent: Person, ningbo, client_of) -> None:
    counter = client_of(make_user("nb-counter", Role.SERVICE_POINT, ningbo))
    issued = services.code_issue(person=talent)
    first = counter.post("/api/talentcode/verify", {"code": issued.qr}, content_type="application/json")
    again = counter.post("/api/talentcode/verify", {"code": issued.qr}, content_type="application/json")
    assert first.json()["reason"] == "ok"
    assert again.json()["reason"] == "replayed" and again.json()["message"]


def test_a_forged_code_gets_a_chinese_reason_by_default(talent: Person) -> None:
    answer = Client().post(
        "/api/public/talentcode/verify", {"code": "TC1:6BF"}, content_type="application/json"
    )
    assert answer.json()["ok"] is False and answer.json()["reason"] == "bad_compression"
    assert "损坏" in answer.json()["message"]


def test_the_trust_list_is_signed_by_the_platform_key(talent: Person) -> None:
    services.code_issue(person=talent)
    body = base64.b64decode(Client().get("/api/public/talentcode/trust-list").json()["body"])
    message = codec.sign1_decode(body)
    root = SigningKey.objects.get(purpose=SigningKey.Purpose.TRUST_LIST)
    assert message.kid == bytes.fromhex(root.kid)
    codec.sign1_verify(message, keys.public_key(root.public_key))
    entries = signed_list_claims(body)["keys"]
    assert {entry["iss"] for entry in entries} == {"330200", "330900"}
    tampered = codec.Sign1(
        message.protected_bytes, message.protected, {}, message.payload + b"\x00", message.signature
    )
    with pytest.raises(codec.CodeError):
        codec.sign1_verify(tampered, keys.public_key(root.public_key))


def test_the_status_list_is_signed_by_the_city_and_shows_revocations(talent: Person, now: datetime) -> None:
    services.code_issue(person=talent, now=now)
    Person.objects.filter(pk=talent.pk).update(status=Person.Status.DECEASED)
    answer = Client().get("/api/public/talentcode/status/330200").json()
    message = codec.sign1_decode(base64.b64decode(answer["body"]))
    city_key = SigningKey.objects.get(region__code="330200")
    codec.sign1_verify(message, keys.public_key(city_key.public_key))
    import zlib

    bits = zlib.decompress(codec.claims_of(message)[65533]["lst"])
    assert bits[0] & 1 and len(bits) * 8 >= services.STATUS_LIST_MIN_BITS
    assert Client().get("/api/public/talentcode/status/999999").status_code == 404


def test_a_talent_gets_a_fresh_code_and_an_offline_credential(talent: Person, client_of) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    client = client_of(talent.account)
    online = client.get("/api/talentcode/my-code").json()
    assert online["qr"].startswith("TC1:") and online["refresh_seconds"] == 30 and not online["offline"]
    device = ec.generate_private_key(ec.SECP256R1())
    offline = client.post("/api/talentcode/my-code/offline", _jwk_of(device), content_type="application/json")
    assert offline.status_code == 200 and offline.json()["offline"]
    shown = services.presentation_create(
        credential_qr=offline.json()["qr"], holder=device, now=timezone.now()
    )
    assert (
        Client()
        .post("/api/public/talentcode/verify", {"code": shown}, content_type="application/json")
        .json()["ok"]
    )


def test_a_bad_device_key_is_refused_and_changes_nothing(talent: Person, client_of) -> None:
    client = client_of(talent.account)
    answer = client.post(
        "/api/talentcode/my-code/offline", {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 400 and answer.json()["code"] == "holder_key"
    assert not talent.talent_codes.exists()


def test_the_talents_page_shows_a_qr_that_refreshes(talent: Person, client_of) -> None:
    client = client_of(talent.account)
    page = client.get("/code/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'hx-trigger="every 30s"' in html
    symbol = client.get("/code/symbol/").content.decode()
    assert "<svg" in symbol and 'data-qr="TC1:' in symbol
    png = client.get("/code/code.png")
    assert png["Content-Type"] == "image/png"


def test_the_scanner_is_for_service_points_only(talent: Person, ningbo, client_of) -> None:
    assert client_of(talent.account).get("/code/scan/").status_code == 403
    counter = client_of(make_user("nb-counter", Role.SERVICE_POINT, ningbo))
    page = counter.get("/code/scan/")
    assert page.status_code == 200 and b"tc-config" in page.content
    assert counter.get("/code/sw.js")["Content-Type"] == "application/javascript"
