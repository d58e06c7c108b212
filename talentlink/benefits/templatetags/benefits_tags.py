"""Template helpers of the benefits pages."""

from __future__ import annotations

from django import template

from talentlink.benefits.selectors import mask_name

register = template.Library()


@register.filter
def masked(name: str | None) -> str:
    """A holder's name as counters and providers see it: 张伟 → 张*."""
    return mask_name(name or "") or "—"
