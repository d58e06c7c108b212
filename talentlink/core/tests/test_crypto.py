from __future__ import annotations

import base64
import os

import pytest

from talentlink.core.crypto import DecryptionError, FieldCipher


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_a_sealed_value_opens_only_in_its_own_context():
    cipher = FieldCipher(key(), [])
    token = cipher.encrypt("330203199003074513", context=b"id_number")
    assert "330203" not in token
    assert cipher.decrypt(token, context=b"id_number") == "330203199003074513"
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context=b"phone")


def test_a_tampered_token_is_refused():
    cipher = FieldCipher(key(), [])
    token = cipher.encrypt("secret")
    kid, body = token.split("$")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        cipher.decrypt(f"{kid}${base64.urlsafe_b64encode(bytes(raw)).decode()}")


def test_values_sealed_under_an_old_key_still_open_after_rotation():
    old, new = key(), key()
    token = FieldCipher(old, []).encrypt("x")
    rotated = FieldCipher(new, [old])
    assert rotated.decrypt(token) == "x"
    assert rotated.needs_rotation(token)
    with pytest.raises(DecryptionError):
        FieldCipher(new, []).decrypt(token)


def test_the_blind_index_is_deterministic_and_keyed():
    first, second = FieldCipher(key(), []), FieldCipher(key(), [])
    assert first.blind_index("a", purpose="id") == first.blind_index("a", purpose="id")
    assert first.blind_index("a", purpose="id") != second.blind_index("a", purpose="id")
    assert first.blind_index("a", purpose="id") != first.blind_index("a", purpose="phone")
