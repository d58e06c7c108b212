"""The codec on its own: Base45, zlib and COSE_Sign1 round trips and refusals."""

from __future__ import annotations

import os

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from talentlink.talentcode import codec


def test_base45_matches_the_rfc_examples() -> None:
    assert codec.b45encode(b"AB") == "BB8"
    assert codec.b45encode(b"Hello!!") == "%69 VD92EX0"
    assert codec.b45encode(b"base-45") == "UJCLQE7W581"
    assert codec.b45decode("QED8WEX0") == b"ietf!"


@pytest.mark.parametrize("size", [0, 1, 2, 3, 255, 1000])
def test_base45_round_trips_any_bytes(size: int) -> None:
    data = os.urandom(size)
    assert codec.b45decode(codec.b45encode(data)) == data


@pytest.mark.parametrize("text", ["GGW", "ZZZ", "A", "abc", "QED8WEX0é"])
def test_base45_refuses_what_rfc_9285_forbids(text: str) -> None:
    with pytest.raises(codec.CodeError) as refused:
        codec.b45decode(text)
    assert refused.value.reason == "bad_encoding"


def test_decompress_refuses_raw_data_and_bombs() -> None:
    with pytest.raises(codec.CodeError):
        codec.decompress(b"\xd2\x84not zlib")
    with pytest.raises(codec.CodeError):
        codec.decompress(codec.compress(b"\0" * 200_000))


def test_a_signed_message_round_trips_through_the_qr_text() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    claims = {codec.CLAIM_ISS: "330200", codec.CLAIM_IAT: 1, codec.CLAIM_EXP: 2}
    text = codec.encode("TC1:", codec.sign1_create(cbor2.dumps(claims), key, kid=b"k1"))
    assert set(text[4:]) <= set(codec.BASE45_ALPHABET)
    message = codec.decode(text, "TC1:")
    codec.sign1_verify(message, key.public_key())
    assert message.kid == b"k1"
    assert dict(codec.claims_of(message)) == claims
    assert len(message.signature) == 64  # raw r || s, not DER


def test_a_signature_by_another_key_is_refused() -> None:
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    message = codec.sign1_decode(codec.sign1_create(b"\xa0", key))
    with pytest.raises(codec.CodeError) as refused:
        codec.sign1_verify(message, other.public_key())
    assert refused.value.reason == "bad_signature"


def test_the_prefix_is_a_parameter() -> None:
    with pytest.raises(codec.CodeError) as refused:
        codec.decode("HC1:6BFOXN", "TC1:")
    assert refused.value.reason == "bad_prefix"


def test_the_clock_window_is_checked() -> None:
    claims = {codec.CLAIM_IAT: 100, codec.CLAIM_EXP: 200}
    codec.check_clock(claims, now=200)
    for now, reason in ((99, "not_yet_valid"), (201, "expired")):
        with pytest.raises(codec.CodeError) as refused:
            codec.check_clock(claims, now=now)
        assert refused.value.reason == reason
