"""Encryption at rest and blind indexes for personal data (PIPL).

Values are sealed with AES-256-GCM under a key derived from
``TALENTLINK_FIELD_KEY``; the stored token names the key that sealed it, so old
keys listed in ``TALENTLINK_FIELD_KEYS_OLD`` keep decrypting after a rotation.
A keyed HMAC of the normalised value (the blind index) finds a record by exact
value without decrypting anything.

Whole files (uploaded exports) are sealed in chunks with the same AEAD under a key derived
for each file, as the STREAM construction does: each chunk's nonce is its number and whether it
is the last, so chunks cannot be reordered, dropped or cut off unnoticed, and a file of any size
is sealed and opened in memory of about one chunk.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from collections.abc import Iterable, Iterator
from functools import cache
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(ValueError):
    """A token that no configured key opens (tampered, or its key is gone)."""


# Sealed files: magic, key id (8), salt (16), chunk size (4); then each chunk with its 16-byte tag.
FILE_MAGIC = b"TLSEAL\x00\x01"
FILE_CHUNK = 1024 * 1024
_FILE_CHUNK_MAX = 64 * 1024 * 1024
_FILE_HEADER = len(FILE_MAGIC) + 8 + 16 + 4
_TAG = 16


def _derive(master: bytes, purpose: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose).derive(master)


def _master(encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise ImproperlyConfigured("TALENTLINK_FIELD_KEY must be base64.") from None
    if len(key) != 32:
        raise ImproperlyConfigured("TALENTLINK_FIELD_KEY must encode 32 bytes.")
    return key


class FieldCipher:
    """Seals and opens field values; one instance per process, built from settings."""

    def __init__(self, current: str, old: list[str]) -> None:
        masters = [_master(current), *(_master(k) for k in old)]
        self._keys: dict[str, AESGCM] = {}
        self._masters: dict[str, bytes] = {}
        for master in masters:
            kid = hashlib.sha256(_derive(master, b"talentlink kid")).hexdigest()[:8]
            self._keys[kid] = AESGCM(_derive(master, b"talentlink field encryption"))
            self._masters[kid] = master
        self._kid = next(iter(self._keys))
        self._index_key = _derive(masters[0], b"talentlink blind index")

    def encrypt(self, plaintext: str, *, context: bytes = b"") -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self._kid].encrypt(nonce, plaintext.encode(), context)
        return f"{self._kid}${base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: bytes = b"") -> str:
        kid, _, body = token.partition("$")
        aead = self._keys.get(kid)
        if aead is None:
            raise DecryptionError(f"no key {kid!r} is configured")
        raw = base64.urlsafe_b64decode(body)
        try:
            return aead.decrypt(raw[:12], raw[12:], context).decode()
        except Exception as exc:  # InvalidTag: tampered or sealed for another context
            raise DecryptionError("the token does not open") from exc

    def needs_rotation(self, token: str) -> bool:
        return not token.startswith(self._kid + "$")

    def blind_index(self, value: str, *, purpose: str) -> str:
        """A keyed, deterministic digest for exact lookups; 32 hex characters."""
        message = purpose.encode() + b"\x00" + value.encode()
        return hmac.digest(self._index_key, message, "sha256").hex()[:32]

    def file_seal(
        self, blocks: Iterable[bytes], target: IO[bytes], *, context: bytes, chunk: int = FILE_CHUNK
    ) -> None:
        """Write the bytes of ``blocks`` (of any sizes) to ``target``, sealed in chunks."""
        salt = os.urandom(16)
        header = FILE_MAGIC + self._kid.encode() + salt + struct.pack(">I", chunk)
        aead, aad = self._file_aead(self._kid, salt), header + context
        target.write(header)
        pending, index = bytearray(), 0
        for block in blocks:
            pending += block
            while len(pending) > chunk:  # the last chunk is sealed as such once the input ends
                target.write(aead.encrypt(_file_nonce(index, last=False), bytes(pending[:chunk]), aad))
                del pending[:chunk]
                index += 1
        target.write(aead.encrypt(_file_nonce(index, last=True), bytes(pending), aad))

    def file_open(self, source: IO[bytes], *, context: bytes) -> Iterator[bytes]:
        """The plaintext of a file sealed by :meth:`file_seal`, chunk by chunk; a file that was
        changed, cut short or sealed for another context raises DecryptionError."""
        header = _read_fully(source, _FILE_HEADER)
        if len(header) < _FILE_HEADER or not header.startswith(FILE_MAGIC):
            raise DecryptionError("not a sealed file")
        at = len(FILE_MAGIC)
        kid, salt = header[at : at + 8].decode("ascii", "replace"), header[at + 8 : at + 24]
        (chunk,) = struct.unpack(">I", header[at + 24 :])
        if kid not in self._masters:
            raise DecryptionError(f"no key {kid!r} is configured")
        if not 0 < chunk <= _FILE_CHUNK_MAX:
            raise DecryptionError("the file's header is damaged")
        aead, aad, size = self._file_aead(kid, salt), header + context, chunk + _TAG
        current, index = _read_fully(source, size), 0
        while True:
            following = _read_fully(source, size) if len(current) == size else b""
            last = not following
            try:
                plain = aead.decrypt(_file_nonce(index, last=last), current, aad)
            except InvalidTag:  # changed, reordered, cut short or appended to
                raise DecryptionError("the file does not open") from None
            yield plain
            if last:
                return
            current, index = following, index + 1

    def _file_aead(self, kid: str, salt: bytes) -> AESGCM:
        # A key of its own for each file: chunk numbers can then serve as nonces.
        return AESGCM(_derive(self._masters[kid], b"talentlink file encryption", salt))


def _file_nonce(index: int, *, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _read_fully(source: IO[bytes], size: int) -> bytes:
    data = source.read(size)
    while data and len(data) < size:  # a raw stream may return less than asked before its end
        more = source.read(size - len(data))
        if not more:
            break
        data += more
    return data


def file_is_sealed(head: bytes) -> bool:
    """Whether bytes read from the start of a file are those of a file :meth:`FieldCipher.file_seal` wrote."""
    return head.startswith(FILE_MAGIC)


@cache
def cipher() -> FieldCipher:
    return FieldCipher(settings.TALENTLINK_FIELD_KEY, settings.TALENTLINK_FIELD_KEYS_OLD)


def id_number_seal(value: str) -> tuple[str, str]:
    """Encrypt a normalised ID number; return (token, blind index)."""
    c = cipher()
    return c.encrypt(value, context=b"id_number"), c.blind_index(value, purpose="id_number")


def id_number_open(token: str) -> str:
    return cipher().decrypt(token, context=b"id_number")


def id_number_index(value: str) -> str:
    return cipher().blind_index(value, purpose="id_number")
