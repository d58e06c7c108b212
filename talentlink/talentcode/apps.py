from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from talentlink.core.http import AuthedRequest
from talentlink.core.navigation import DeskPanel, NavItem


class TalentCodeConfig(AppConfig):
    name = "talentlink.talentcode"
    verbose_name = _("Talent code")

    def navigation(self, request: AuthedRequest) -> list[NavItem]:
        from talentlink.core import permissions
        from talentlink.core.models import Role

        user = request.user
        items = []
        if user.role == Role.TALENT and hasattr(user, "person"):
            items.append(NavItem(str(_("My talent code")), reverse("talentcode:my_code")))
        if permissions.scans_codes(user):
            items.append(NavItem(str(_("Scan talent codes")), reverse("talentcode:scan")))
        return items

    def desk_panels(self, request: HttpRequest) -> list[DeskPanel]:
        from talentlink.core.models import Role

        user = request.user
        if user.is_authenticated and user.role == Role.TALENT and hasattr(user, "person"):
            return [DeskPanel("talentcode/partials/desk_panel.html", {"url": reverse("talentcode:my_code")})]
        return []

    def demo_load(self, *, stdout: Any) -> None:
        """City keys, the signed trust list and status lists, so scanners work from the start."""
        from talentlink.core.models import Region
        from talentlink.talentcode import services
        from talentlink.talentcode.models import PublishedList

        services.published_latest(kind=PublishedList.Kind.TRUST)
        for region in Region.objects.filter(is_active=True):
            services.published_latest(kind=PublishedList.Kind.STATUS, region=region)
        stdout.write(str(_("Talent code: signing keys, trust list and status lists are ready.")))

    # Linkage's propagation seam (registry/linkage/propagation.py). No person_merge_undone: revoked
    # codes stay revoked (docs/talent-code.md, "Merged persons"), so an undo has nothing to restore.
    def person_merged(self, *, source_id: int, target_id: int, change: Any) -> dict[str, Any]:
        from talentlink.talentcode.services import talentcode_person_merged

        return talentcode_person_merged(source_id=source_id)
