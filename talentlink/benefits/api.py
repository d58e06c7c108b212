"""JSON API of the talent code and benefits; the pages call the same services and selectors."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["benefits"])
# Endpoints anyone may call (no login), e.g. public verification.
public_router = Router(tags=["benefits (public)"])
