from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

from talentlink.core import permissions
from talentlink.core.errors import NotAllowed
from talentlink.core.http import AuthedRequest
from talentlink.indicators import selectors
from talentlink.indicators.schemas import IndicatorProgressOut

router = Router(tags=["indicators"])


@router.get("/targets", response=list[IndicatorProgressOut])
def targets(request: AuthedRequest) -> list[selectors.Progress]:
    """Every indicator of the plans with its targets and, where the platform counts it, the actual."""
    if not permissions.sees_targets(request.user):
        raise NotAllowed(_("The plans' targets are for city staff, organisers and observers."))
    return selectors.targets_progress()
