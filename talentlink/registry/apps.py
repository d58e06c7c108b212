from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "talentlink.registry"
    verbose_name = _("Talent registry")

    def navigation(self, request: HttpRequest) -> list:  # type: ignore[type-arg]
        from talentlink.core.navigation import NavItem
        from talentlink.registry.linkage.services import linkage_staff

        if linkage_staff(request.user):
            return [NavItem(str(_("Record linkage")), reverse("registry:linkage"))]
        return []

    def desk_panels(self, request: HttpRequest) -> list:  # type: ignore[type-arg]
        from talentlink.core.navigation import DeskPanel
        from talentlink.registry.linkage.selectors import desk_figures

        if not request.user.is_authenticated:
            return []
        figures = desk_figures(user=request.user)
        return [DeskPanel("registry/partials/linkage_desk.html", figures)] if figures is not None else []
