from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core.http import AuthedRequest
from talentlink.core.navigation import NavItem


class MarketConfig(AppConfig):
    name = "talentlink.market"
    verbose_name = _("Talent market")

    def ready(self) -> None:
        from talentlink.core import heartbeat
        from talentlink.market.models import ReportFile

        # A report PDF whose worker is killed mid-build is failed by the sweeper, with the reason.
        heartbeat.register(heartbeat.Job(ReportFile, task="talentlink.market.tasks.report_pdf_build"))

    def navigation(self, request: AuthedRequest) -> list[NavItem]:
        from talentlink.core import permissions
        from talentlink.registry.selectors import person_own

        user = request.user
        items = [NavItem(str(_("Jobs")), reverse("market:jobs"))]
        if permissions.is_employer(user):
            items.append(NavItem(str(_("Our jobs")), reverse("market:jobs_mine")))
        if person_own(user=user) is not None:  # a talent whose account is linked to their record
            items.append(NavItem(str(_("My résumé")), reverse("market:profile")))
            items.append(NavItem(str(_("Jobs for me")), reverse("market:matches")))
            items.append(NavItem(str(_("My job applications")), reverse("market:applications_mine")))
        if permissions.sees_aggregates(user):
            items.append(NavItem(str(_("Market funnel")), reverse("market:funnel")))
            year = timezone.localdate().year
            items.append(NavItem(str(_("Market report")), reverse("market:report", args=[year])))
            items.append(NavItem(str(_("Key-industry talent map")), reverse("market:talent_map")))
            items.append(NavItem(str(_("Graduates")), reverse("market:graduates")))
        return items

    # The targets capability's seam (talentlink/indicators): graduates hired in the year so far
    # (market.graduates_hired) and the staying rate of those hired the year before.
    def indicator_actuals(self, *, on: Any) -> dict[str, Any]:
        from talentlink.market.graduates import graduates_counted

        return graduates_counted(on=on)

    def demo_load(self, *, stdout: Any) -> None:
        from talentlink.market.demo import demo_load

        demo_load(stdout=stdout)

    # Linkage's propagation seam (registry/linkage/propagation.py): a résumé follows its person.
    def person_merged(self, *, source_id: int, target_id: int, change: Any) -> dict[str, Any]:
        from talentlink.market.services import market_person_merged

        return market_person_merged(source_id=source_id, target_id=target_id)

    def person_merge_undone(
        self, *, moved: dict[str, Any], source_id: int, target_id: int, change: Any
    ) -> None:
        from talentlink.market.services import market_person_merge_undone

        market_person_merge_undone(moved=moved, source_id=source_id, target_id=target_id)
