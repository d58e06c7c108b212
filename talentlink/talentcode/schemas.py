from __future__ import annotations

from datetime import datetime

from ninja import Schema


class CodeVerifyIn(Schema):
    code: str
    issuer: str | None = None


class VerdictOut(Schema):
    ok: bool
    reason: str
    message: str
    issuer: str
    kid: str
    subject: str
    token_id: str
    tier: str
    entitlements: list[str]
    expires_at: datetime | None


class CodeOut(Schema):
    qr: str
    expires_at: datetime
    offline: bool
    refresh_seconds: int


class HolderKeyIn(Schema):
    """The public half of the browser's non-extractable P-256 key, as WebCrypto exports it (JWK)."""

    kty: str
    crv: str
    x: str
    y: str


class SignedListOut(Schema):
    body: str  # base64 of the COSE_Sign1 bytes
    issued_at: datetime
    expires_at: datetime
