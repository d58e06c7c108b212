"""Masked personal data in templates: ``{% load masking %}{{ person.name|masked_name }}``."""

from __future__ import annotations

from django import template

from talentlink.core.masking import mask_name

register = template.Library()


@register.filter
def masked_name(name: str | None) -> str:
    """A name as a reader who may not see it is shown it: 张伟 → 张*, 欧阳明 → 欧阳*."""
    return mask_name(name)
