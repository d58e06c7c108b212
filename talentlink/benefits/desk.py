"""The figures the benefits put on each user's desk."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from talentlink.benefits import selectors
from talentlink.core import permissions
from talentlink.core.models import Role, User
from talentlink.registry.selectors import person_own


def desk_figures(*, user: User) -> list[dict[str, Any]]:
    """Counts with links: open conflicts and this month's uses for offices and providers; a talent's
    benefits available today."""
    month_start, _next = selectors.month_bounds(timezone.localdate().replace(day=1))
    if permissions.sees_individual_uses(user):
        used = (
            selectors.redemptions_visible(user=user)
            .filter(status="recorded", scanned_at__gte=month_start)
            .count()
        )
        figures = [
            {"value": used, "label": _("uses of benefits this month"), "url": reverse("benefits:settlement")}
        ]
        if user.role != Role.BENEFIT_PROVIDER:
            conflicts = selectors.conflicts_open(user=user).count()
            figures.insert(0, {"value": conflicts, "label": _("offline uses in conflict to decide"),
                               "url": reverse("benefits:conflicts")})  # fmt: skip
        return figures
    if user.role == Role.TALENT:
        person = person_own(user=user)
        if person is None:
            return []
        count = len(selectors.benefits_available_today(person=person))
        return [{"value": count, "label": _("benefits you may use today"), "url": reverse("benefits:mine")}]
    return []
