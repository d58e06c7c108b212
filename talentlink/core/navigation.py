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


class NavGroup(NamedTuple):
    """One app's menu entries, shown as a drop-down under the app's name when there are several."""

    label: str
    items: list[NavItem]


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


def nav_groups(request: HttpRequest) -> list[NavGroup]:
    """The menu entries of every app for this user, grouped by app (none for anonymous visitors)."""
    if not request.user.is_authenticated:
        return []
    groups = []
    for config in apps.get_app_configs():
        contribute = getattr(config, "navigation", None)
        items = contribute(request) if contribute is not None else []
        if items:
            groups.append(NavGroup(str(config.verbose_name), items))
    return groups


def desk_panels(request: HttpRequest) -> list[DeskPanel]:
    """The desk panels of every app for this user."""
    return _collect(request, "desk_panels")
