from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentlink.core.http import AuthedRequest
from talentlink.core.navigation import DeskPanel, NavItem


class IndicatorsConfig(AppConfig):
    """The plans' targets as data, beside the actuals the other apps count (docs/contracts.md:
    this app imports no domain app; each app that counts something defines ``indicator_actuals``)."""

    name = "talentlink.indicators"
    verbose_name = _("Targets")

    def navigation(self, request: AuthedRequest) -> list[NavItem]:
        from talentlink.core import permissions

        if not permissions.sees_targets(request.user):
            return []
        return [NavItem(str(_("Targets")), reverse("indicators:targets"))]

    def desk_panels(self, request: HttpRequest) -> list[DeskPanel]:
        from talentlink.core import permissions
        from talentlink.indicators import selectors

        if not permissions.sees_targets(request.user):
            return []
        shown = [p for p in selectors.targets_progress() if p.computed]
        return [DeskPanel("indicators/partials/desk.html", {"progress": shown})] if shown else []
