from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentlink.core.http import AuthedRequest
from talentlink.core.navigation import DeskPanel, NavItem


class ExpertsConfig(AppConfig):
    name = "talentlink.experts"
    verbose_name = _("Expert pool")

    def navigation(self, request: AuthedRequest) -> list[NavItem]:
        from talentlink.core import permissions
        from talentlink.experts import policy

        user = request.user
        items = []
        if policy.can_search(user):
            items.append(NavItem(str(_("Experts")), reverse("experts:search")))
        if permissions.sees_targets(user):
            items.append(NavItem(str(_("Committees")), reverse("experts:committees")))
            items.append(NavItem(str(_("Studios")), reverse("experts:studios")))
        if permissions.is_organiser(user) or permissions.is_office(user):
            items.append(NavItem(str(_("Review rounds")), reverse("experts:rounds")))
        if policy.can_manage_pool(user):
            items.append(NavItem(str(_("Expert imports")), reverse("experts:imports")))
        if policy.expert_of(user) is not None:
            items.append(NavItem(str(_("My invitations")), reverse("experts:me")))
        return items

    def desk_panels(self, request: HttpRequest) -> list[DeskPanel]:
        from talentlink.experts import selectors

        if not request.user.is_authenticated:
            return []
        figures = selectors.desk_figures(user=request.user)
        return [DeskPanel("experts/partials/desk.html", figures)] if figures else []

    def demo_load(self, *, stdout: Any) -> None:
        from talentlink.experts.demo import demo_load

        demo_load(stdout=stdout)

    # The targets capability's seam (talentlink/indicators): what the pool counts of the plans.
    def indicator_actuals(self, *, on: Any) -> dict[str, int]:
        from talentlink.experts.selectors import plan_counts

        counts = plan_counts(on=on)
        return {"experts.joint_committees": counts.joint_committees, "experts.studios": counts.studios}

    # Linkage's propagation seam (registry/linkage/propagation.py): one human, one expert profile.
    def person_merged(self, *, source_id: int, target_id: int, change: Any) -> dict[str, Any]:
        from talentlink.experts.services import experts_person_merged

        return experts_person_merged(source_id=source_id, target_id=target_id)

    def person_merge_undone(
        self, *, moved: dict[str, Any], source_id: int, target_id: int, change: Any
    ) -> None:
        from talentlink.experts.services import experts_person_merge_undone

        experts_person_merge_undone(moved=moved, source_id=source_id, target_id=target_id)
