from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from talentlink.core.models import Region
from talentlink.core.navigation import nav_groups
from talentlink.core.permissions import ReaderMay


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "regions_active": Region.objects.filter(is_active=True),
        # Lazy: only pages that render the menu pay for the apps' entries.
        "app_nav": lambda: nav_groups(request),
        "may": ReaderMay(request.user),
    }
