"""JSON API of the expert pool; the pages call the same services and selectors."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["experts"])
# Endpoints anyone may call (no login), e.g. public verification.
public_router = Router(tags=["experts (public)"])
