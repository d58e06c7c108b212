from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentlink.core.http import AuthedRequest
from talentlink.core.navigation import DeskPanel, NavItem


class BenefitsConfig(AppConfig):
    name = "talentlink.benefits"
    verbose_name = _("Same-city benefits")

    # Menus are asked for signed-in accounts only (core.navigation.nav_groups).
    def navigation(self, request: AuthedRequest) -> list[NavItem]:
        from talentlink.core import permissions
        from talentlink.core.models import Role

        user = request.user
        link = lambda label, name: NavItem(str(label), reverse(f"benefits:{name}"))  # noqa: E731
        if permissions.is_office(user):
            return [link(_("Benefits"), "catalogue"), link(_("Providers"), "providers"),
                    link(_("Conflicts"), "conflicts"), link(_("Usage"), "statistics"),
                    link(_("Settlement"), "settlement"), link(_("Insurance years"), "insurance")]  # fmt: skip
        if user.role == Role.PROVINCE_OBSERVER:
            return [
                link(_("Benefits"), "catalogue"),
                link(_("Usage"), "statistics"),
                link(_("Settlement"), "settlement"),
            ]
        if user.role == Role.BENEFIT_PROVIDER:
            return [link(_("Our benefits and usage"), "catalogue"), link(_("Usage"), "statistics"),
                    link(_("Settlement"), "settlement")]  # fmt: skip
        if user.role == Role.TALENT:
            return [link(_("My benefits"), "mine")]
        return []

    def desk_panels(self, request: HttpRequest) -> list[DeskPanel]:
        from talentlink.benefits.desk import desk_figures

        figures: list[dict[str, Any]] = (
            desk_figures(user=request.user) if request.user.is_authenticated else []
        )
        return [DeskPanel("benefits/partials/desk_panel.html", {"figures": figures})] if figures else []

    # The talent code's entitlements hook (talentcode/services.py, docs/contracts.md): the codes of
    # the catalogue benefits the person may use on the day, signed into the code's claim.
    def talent_entitlements(self, *, person: Any, on: dt.date) -> list[str]:
        from talentlink.benefits import selectors

        return selectors.person_entitlements(person=person, on=on)

    # The market's staying seam (market/graduates.py, docs/contracts.md): the last month a city's
    # social-insurance fund received each person's contributions.
    def persons_last_seen(self, *, person_ids: Any) -> dict[int, dt.date]:
        from talentlink.benefits.selectors import insurance_last_months

        return insurance_last_months(person_ids=person_ids)

    def demo_load(self, *, stdout: Any) -> None:
        from talentlink.benefits.demo import load

        load(stdout=stdout)

    # Linkage's propagation seam (registry/linkage/propagation.py): uses count for the golden person.
    def person_merged(self, *, source_id: int, target_id: int, change: Any) -> dict[str, Any]:
        from talentlink.benefits.services import benefits_person_merged

        return benefits_person_merged(source_id=source_id, target_id=target_id)

    def person_merge_undone(
        self, *, moved: dict[str, Any], source_id: int, target_id: int, change: Any
    ) -> None:
        from talentlink.benefits.services import benefits_person_merge_undone

        benefits_person_merge_undone(moved=moved, source_id=source_id, target_id=target_id)
