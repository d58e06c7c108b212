from __future__ import annotations

from ninja import Field, Schema

from talentlink.indicators.selectors import Progress


class TargetValueOut(Schema):
    year: int
    value: float
    met: bool | None


class IndicatorProgressOut(Schema):
    code: str = Field(alias="indicator.code")
    plan: str = Field(alias="indicator.plan.code")
    name: str = Field(alias="indicator.display_name")
    unit: str = Field(alias="indicator.display_unit")
    region: str | None
    direction: str = Field(alias="indicator.direction")
    measure: str = Field(alias="indicator.measure")
    source: str = Field(alias="indicator.source")
    computed_from: str = Field(alias="indicator.computed_from")
    baseline: float | None
    baseline_year: int | None = Field(alias="indicator.baseline_year")
    actual: float | None
    targets: list[TargetValueOut]

    @staticmethod
    def resolve_baseline(obj: Progress) -> float | None:
        return None if obj.indicator.baseline is None else float(obj.indicator.baseline)

    @staticmethod
    def resolve_region(obj: Progress) -> str | None:
        region = obj.indicator.region
        return region.code if region else None

    @staticmethod
    def resolve_actual(obj: Progress) -> float | None:
        return None if obj.actual is None else float(obj.actual)
