from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from talentlink.core import permissions
from talentlink.core.errors import NotAllowed
from talentlink.core.http import AuthedRequest
from talentlink.indicators import selectors


@login_required
def target_list(request: AuthedRequest) -> HttpResponse:
    if not permissions.sees_targets(request.user):
        raise NotAllowed(_("This page is for city staff, organisers and observers."))
    progress = selectors.targets_progress()
    plans: dict[int, list[selectors.Progress]] = {}
    for p in progress:
        plans.setdefault(p.indicator.plan_id, []).append(p)
    return render(request, "indicators/target_list.html", {
        # each plan with its own target years: the joint table's 2020/2022/2025, 表1's 2025
        "plans": [(rows[0].indicator.plan, rows, selectors.target_years(rows)) for rows in plans.values()],
    })  # fmt: skip
