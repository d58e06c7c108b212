"""Reads of the targets: the catalogue, and each indicator beside the actual the platform counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Prefetch
from django.utils import timezone

from talentlink.indicators.models import Indicator, Target


def actuals_counted(*, on: dt.date) -> dict[str, Decimal]:
    """Every count the apps offer through their ``indicator_actuals(*, on)`` hook, by key
    (``experts.joint_committees`` …); this app names no other app (docs/contracts.md)."""
    counted: dict[str, Decimal] = {}
    for config in apps.get_app_configs():
        offer = getattr(config, "indicator_actuals", None)
        if offer is not None:
            counted.update({key: Decimal(value) for key, value in offer(on=on).items()})
    return counted


@dataclass(frozen=True)
class TargetMet:
    year: int
    value: Decimal
    met: bool | None  # None: no actual to compare with


@dataclass(frozen=True)
class Progress:
    indicator: Indicator
    actual: Decimal | None  # None where the platform does not count the indicator
    targets: list[TargetMet]
    next_target: Target | None  # the first target of this year or later

    @property
    def computed(self) -> bool:
        return self.actual is not None

    @property
    def share_of_next(self) -> int | None:
        """How far the actual has come towards the next target, in per cent (capped at 100)."""
        if self.actual is None or self.next_target is None or self.next_target.value <= 0:
            return None
        return min(100, int(self.actual * 100 / self.next_target.value))


def indicators_listed() -> list[Indicator]:
    return list(
        Indicator.objects.select_related("plan", "region").prefetch_related(
            Prefetch("targets", queryset=Target.objects.order_by("year"))
        )
    )


def targets_progress(*, on: dt.date | None = None) -> list[Progress]:
    """Every indicator with its targets and, where an app counts it, the actual on the day."""
    on = on or timezone.localdate()
    counted = actuals_counted(on=on)
    out = []
    for indicator in indicators_listed():
        actual = counted.get(indicator.computed_from) if indicator.computed_from else None
        targets = list(indicator.targets.all())
        out.append(
            Progress(
                indicator=indicator,
                actual=actual,
                targets=[
                    TargetMet(t.year, t.value, None if actual is None else indicator.met(actual, t.value))
                    for t in targets
                ],
                next_target=next((t for t in targets if t.year >= on.year), None),
            )
        )
    return out


def target_years(progress: list[Progress]) -> list[int]:
    """The target years of a list, for the columns of its table."""
    return sorted({t.year for p in progress for t in p.targets})
