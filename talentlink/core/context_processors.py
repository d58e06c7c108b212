from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from talentlink.core.models import Region


def platform(request: HttpRequest) -> dict[str, Any]:
    return {"regions_active": Region.objects.filter(is_active=True)}
