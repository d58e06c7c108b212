from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentlink.core.navigation import NavItem


class MarketConfig(AppConfig):
    name = "talentlink.market"
    verbose_name = _("Talent market")

    def navigation(self, request: HttpRequest) -> list[NavItem]:
        from talentlink.core import permissions
        from talentlink.core.models import Role

        user = request.user
        items = [NavItem(str(_("Jobs")), reverse("market:jobs"))]
        if permissions.is_employer(user):
            items.append(NavItem(str(_("Our jobs")), reverse("market:jobs_mine")))
        if permissions.has_role(user, Role.TALENT) and not permissions.is_superuser(user):
            items.append(NavItem(str(_("My résumé")), reverse("market:profile")))
            items.append(NavItem(str(_("Jobs for me")), reverse("market:matches")))
        return items
