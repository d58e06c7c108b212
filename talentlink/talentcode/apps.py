from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from talentlink.core.navigation import DeskPanel, NavItem


class TalentCodeConfig(AppConfig):
    name = "talentlink.talentcode"
    verbose_name = _("Talent code")

    def navigation(self, request: HttpRequest) -> list[NavItem]:
        return []

    def desk_panels(self, request: HttpRequest) -> list[DeskPanel]:
        return []
