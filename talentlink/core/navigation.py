"""Each app contributes its own menu entries and desk panels; the base page and the desk
collect them, so adding a capability never edits another app's templates.

An app's AppConfig may define:
- ``navigation(request) -> list[NavItem]``: entries for the top menu, for this user;
- ``desk_panels(request) -> list[DeskPanel]``: panels for the user's desk (home page after login).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.apps import apps
from django.http import HttpRequest


class NavItem(NamedTuple):
    label: str
    url: str


class DeskPanel(NamedTuple):
    template: str
    data: dict[str, Any]


def _collect(request: HttpRequest, hook: str) -> list[Any]:
    items: list[Any] = []
    for config in apps.get_app_configs():
        contribute = getattr(config, hook, None)
        if contribute is not None:
            items.extend(contribute(request))
    return items


def nav_items(request: HttpRequest) -> list[NavItem]:
    """The menu entries of every app for this user (none for anonymous visitors)."""
    if not request.user.is_authenticated:
        return []
    return _collect(request, "navigation")


def desk_panels(request: HttpRequest) -> list[DeskPanel]:
    """The desk panels of every app for this user."""
    return _collect(request, "desk_panels")
