"""The scope predicates of :mod:`talentlink.core.permissions` that need an object's city, for
templates: a link is shown only when the reader may open it."""

from __future__ import annotations

from typing import Any

from django import template

from talentlink.core import permissions

register = template.Library()


@register.filter
def manages_region(user: Any, region_id: int | None) -> bool:
    """``{% if user|manages_region:batch.source_system.region_id %}``"""
    return permissions.may_manage_region(user, region_id)
