from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from talentlink.core.http import AuthedRequest
    from talentlink.core.navigation import DeskPanel, NavItem


class RegistryConfig(AppConfig):
    name = "talentlink.registry"
    verbose_name = _("Talent registry")

    def ready(self) -> None:
        from talentlink.core import heartbeat
        from talentlink.registry.models import ImportBatch, LinkageRun

        # The registry's long jobs: one whose worker is killed is failed by the sweeper.
        heartbeat.register(heartbeat.Job(ImportBatch, task="talentlink.registry.tasks.import_run"))
        heartbeat.register(heartbeat.Job(LinkageRun, task="talentlink.registry.tasks.linkage_run"))

    def navigation(self, request: AuthedRequest) -> list[NavItem]:
        from talentlink.core.navigation import NavItem
        from talentlink.registry.linkage.services import linkage_staff

        if linkage_staff(request.user):
            return [NavItem(str(_("Record linkage")), reverse("registry:linkage"))]
        return []

    def desk_panels(self, request: HttpRequest) -> list[DeskPanel]:
        from talentlink.core.navigation import DeskPanel
        from talentlink.registry.linkage.selectors import desk_figures
        from talentlink.registry.selectors import dashboard_figures

        if not request.user.is_authenticated:
            return []
        # The registry's figures first (persons by city and category, work queues, the talent's
        # own record), then the linkage queue: core's desk asks this hook, never the registry.
        panels = [DeskPanel("registry/partials/desk_registry.html", dashboard_figures(user=request.user))]
        figures = desk_figures(user=request.user)
        if figures is not None:
            panels.append(DeskPanel("registry/partials/linkage_desk.html", figures))
        return panels

    # Linkage's propagation seam (registry/linkage/propagation.py): the registry's own rows follow.
    def person_merged(self, *, source_id: int, target_id: int, change: Any) -> dict[str, Any]:
        from talentlink.registry.merges import registry_person_merged

        return registry_person_merged(source_id=source_id, target_id=target_id)

    def person_merge_undone(
        self, *, moved: dict[str, Any], source_id: int, target_id: int, change: Any
    ) -> None:
        from talentlink.registry.merges import registry_person_merge_undone

        registry_person_merge_undone(moved=moved, source_id=source_id, target_id=target_id)
