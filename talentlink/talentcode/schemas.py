from __future__ import annotations

import base64
from datetime import datetime

from ninja import Schema

from talentlink.talentcode import services
from talentlink.talentcode.models import PublishedList


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
    """A talent code to show, and when the page should ask for a fresh one."""

    qr: str
    expires_at: datetime
    offline: bool
    refresh_seconds: int

    @staticmethod
    def resolve_refresh_seconds(issued: services.IssuedCode) -> int:
        return services.online_seconds() // 2


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

    @staticmethod
    def resolve_body(published: PublishedList) -> str:
        return base64.b64encode(bytes(published.body)).decode()
