"""JSON API of the credential recognition; the pages call the same services and selectors."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["credentials"])
# Endpoints anyone may call (no login), e.g. public verification.
public_router = Router(tags=["credentials (public)"])
