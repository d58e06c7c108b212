"""Key material of the talent code: P-256 keys sealed at rest, kids, COSE keys, the trust store.

Private keys are sealed with the platform's field cipher (``core.crypto``) under a context that
names the key, so a sealed key copied onto another row does not open.
"""

from __future__ import annotations

import base64
import hashlib
import time
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from talentlink.core.crypto import cipher
from talentlink.talentcode import codec
from talentlink.talentcode.models import SigningKey
from talentlink.talentcode.verifier import TrustedKey

TRUST_STORE_SECONDS = 30


def generate() -> tuple[str, str, ec.EllipticCurvePrivateKey]:
    """A fresh P-256 key: (kid, public PEM, private key)."""
    private = ec.generate_private_key(ec.SECP256R1())
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = hashlib.sha256(public_der).hexdigest()[:16]
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return kid, public_pem.decode(), private


def seal(kid: str, private: ec.EllipticCurvePrivateKey) -> str:
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cipher().encrypt(pem.decode(), context=_context(kid))


@lru_cache(maxsize=64)
def private_key(kid: str, sealed: str) -> ec.EllipticCurvePrivateKey:
    """Open a sealed private key (cached per process: signing happens every 30 s per talent)."""
    pem = cipher().decrypt(sealed, context=_context(kid)).encode()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


@lru_cache(maxsize=256)
def public_key(pem: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def _context(kid: str) -> bytes:
    return f"talentcode signing key {kid}".encode()


def kid_bytes(kid: str) -> bytes:
    return bytes.fromhex(kid)


def cose_key(pem: str) -> dict[int, Any]:
    return codec.cose_key_from_public(public_key(pem))


def jwk(pem: str) -> dict[str, str]:
    """The public key as a JWK, the form WebCrypto imports."""
    numbers = public_key(pem).public_numbers()

    def b64(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()

    return {"kty": "EC", "crv": "P-256", "x": b64(numbers.x), "y": b64(numbers.y)}


def trusted(key: SigningKey) -> TrustedKey:
    return TrustedKey(
        kid=kid_bytes(key.kid),
        issuer=key.issuer,
        public_key=public_key(key.public_key),
        not_before=key.not_before.timestamp(),
        not_after=key.not_after.timestamp(),
    )


_store: tuple[float, dict[bytes, TrustedKey]] = (0.0, {})


def trust_store(*, fresh: bool = False) -> dict[bytes, TrustedKey]:
    """The city keys verifiers trust, read from the database at most every 30 seconds."""
    global _store
    loaded_at, keys = _store
    if fresh or time.monotonic() - loaded_at > TRUST_STORE_SECONDS:
        rows = SigningKey.objects.filter(purpose=SigningKey.Purpose.CODE).select_related("region")
        keys = {k.kid: k for k in (trusted(row) for row in rows)}
        _store = (time.monotonic(), keys)
    return keys


def forget_trust_store() -> None:
    """Drop the cached keys, so a rotation is seen at once in this process."""
    global _store
    _store = (0.0, {})
