from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentlink.core.http import AuthedRequest
from talentlink.core.navigation import DeskPanel, NavItem


class CredentialsConfig(AppConfig):
    name = "talentlink.credentials"
    verbose_name = _("Credential recognition")

    # Menus are asked for signed-in accounts only (core.navigation.nav_groups).
    def navigation(self, request: AuthedRequest) -> list[NavItem]:
        from talentlink.core import permissions
        from talentlink.core.models import Role

        user = request.user
        items: list[NavItem] = []
        if permissions.has_role(user, Role.TALENT, Role.EMPLOYER):
            items.append(NavItem(str(_("Title recognition")), reverse("credentials:index")))
        if permissions.is_hr_reviewer(user):
            items.append(NavItem(str(_("Recognition review")), reverse("credentials:review")))
        if permissions.handles_recognition(user):
            items.append(NavItem(str(_("Certificate registry")), reverse("credentials:registry_imports")))
        if permissions.sees_aggregates(user):
            items.append(NavItem(str(_("Recognition statistics")), reverse("credentials:statistics")))
        if user.role in {Role.TALENT, Role.EMPLOYER}:
            items.append(NavItem(str(_("Messages")), reverse("credentials:notifications")))
        return items

    def desk_panels(self, request: HttpRequest) -> list[DeskPanel]:
        from talentlink.core.models import Role
        from talentlink.credentials import selectors
        from talentlink.registry.selectors import person_own

        user = request.user
        if not user.is_authenticated:
            return []
        if user.role == Role.HR_REVIEWER:
            return [DeskPanel("credentials/partials/desk_review.html", selectors.review_counts(user=user))]
        if user.role == Role.TALENT:
            person = person_own(user=user)
            data: dict[str, Any] = {
                "recognised": person.recognitions.filter(status="active").count() if person else 0,
                "unread": selectors.unread_count(user=user),
            }
            return [DeskPanel("credentials/partials/desk_talent.html", data)]
        return []

    # core's inbox seam (core.services.owner_tell): a notice put in the holder's inbox and mailed.
    def inbox_deliver(self, *, user: Any, notice: Any, params: dict[str, Any], link: str = "") -> None:
        from talentlink.credentials.services import notify

        notify(user=user, notice=notice, params=params, link=link)

    def demo_load(self, *, stdout: Any) -> None:
        from talentlink.credentials.demo import demo_load

        demo_load(stdout=stdout)

    # Linkage's propagation seam (registry/linkage/propagation.py): credentials follow the person.
    def person_merged(self, *, source_id: int, target_id: int, change: Any) -> dict[str, Any]:
        from talentlink.credentials.services import credentials_person_merged

        return credentials_person_merged(source_id=source_id, target_id=target_id)

    def person_merge_undone(
        self, *, moved: dict[str, Any], source_id: int, target_id: int, change: Any
    ) -> None:
        from talentlink.credentials.services import credentials_person_merge_undone

        credentials_person_merge_undone(moved=moved, source_id=source_id, target_id=target_id)
