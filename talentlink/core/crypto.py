"""Encryption at rest and blind indexes for personal data (PIPL).

Values are sealed with AES-256-GCM under a key derived from
``TALENTLINK_FIELD_KEY``; the stored token names the key that sealed it, so old
keys listed in ``TALENTLINK_FIELD_KEYS_OLD`` keep decrypting after a rotation.
A keyed HMAC of the normalised value (the blind index) finds a record by exact
value without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(ValueError):
    """A token that no configured key opens (tampered, or its key is gone)."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


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
        for master in masters:
            kid = hashlib.sha256(_derive(master, b"talentlink kid")).hexdigest()[:8]
            self._keys[kid] = AESGCM(_derive(master, b"talentlink field encryption"))
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
