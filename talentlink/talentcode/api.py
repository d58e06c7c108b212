"""JSON API of the talent code; the pages call the same services and selectors."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["talentcode"])
# Endpoints anyone may call (no login), e.g. public verification.
public_router = Router(tags=["talentcode (public)"])
