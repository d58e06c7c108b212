from __future__ import annotations

import base64
import io
import os

import pytest

from talentlink.core.crypto import DecryptionError, FieldCipher, file_is_sealed


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


def sealed_file(cipher: FieldCipher, data: bytes, *, chunk: int = 16, context: bytes = b"file") -> bytes:
    target = io.BytesIO()
    # Blocks of odd sizes, as an upload hands them over.
    cipher.file_seal((data[i : i + 7] for i in range(0, len(data), 7)), target, context=context, chunk=chunk)
    return target.getvalue()


def opened_file(cipher: FieldCipher, sealed: bytes, *, context: bytes = b"file") -> bytes:
    return b"".join(cipher.file_open(io.BytesIO(sealed), context=context))


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 48, 100])
def test_a_sealed_file_opens_to_the_same_bytes_whatever_its_size(size):
    cipher = FieldCipher(key(), [])
    data = os.urandom(size)
    sealed = sealed_file(cipher, data)
    assert file_is_sealed(sealed) and opened_file(cipher, sealed) == data


def test_a_sealed_file_does_not_contain_its_plaintext():
    cipher = FieldCipher(key(), [])
    data = "张伟,330203199003074513\n".encode() * 50
    sealed = sealed_file(cipher, data, chunk=64)
    assert b"330203199003074513" not in sealed and "张伟".encode() not in sealed


def test_a_sealed_file_that_was_changed_cut_short_reordered_or_extended_is_refused():
    cipher = FieldCipher(key(), [])
    sealed = sealed_file(cipher, os.urandom(40))  # chunks of 16, 16 and 8 bytes
    header, size = 36, 16 + 16
    first, second = sealed[header : header + size], sealed[header + size : header + 2 * size]
    flipped = bytearray(sealed)
    flipped[-1] ^= 1
    broken = [
        bytes(flipped),
        sealed[: header + 2 * size],  # the last chunk dropped: the file ends at a chunk's end
        sealed[:-3],
        sealed[:header] + second + first + sealed[header + 2 * size :],
        sealed + sealed[header : header + size],
    ]
    for damaged in broken:
        with pytest.raises(DecryptionError):
            opened_file(cipher, damaged)
    with pytest.raises(DecryptionError):
        opened_file(cipher, sealed, context=b"another purpose")
    with pytest.raises(DecryptionError):
        opened_file(cipher, b"name,id\n")


def test_files_sealed_under_an_old_key_still_open_after_rotation():
    old, new = key(), key()
    sealed = sealed_file(FieldCipher(old, []), b"x" * 40)
    assert opened_file(FieldCipher(new, [old]), sealed) == b"x" * 40
    with pytest.raises(DecryptionError):
        opened_file(FieldCipher(new, []), sealed)
