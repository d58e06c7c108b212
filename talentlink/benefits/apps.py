from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from talentlink.core.navigation import DeskPanel, NavItem


class BenefitsConfig(AppConfig):
    name = "talentlink.benefits"
    verbose_name = _("Same-city benefits")

    def navigation(self, request: HttpRequest) -> list[NavItem]:
        return []

    def desk_panels(self, request: HttpRequest) -> list[DeskPanel]:
        return []
