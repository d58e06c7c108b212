from __future__ import annotations

from decimal import Decimal

from ninja import Field, Schema


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
    actual: float | None
    targets: list[TargetValueOut]

    @staticmethod
    def resolve_region(obj: object) -> str | None:
        region = obj.indicator.region
        return region.code if region else None

    @staticmethod
    def resolve_actual(obj: object) -> float | None:
        actual: Decimal | None = obj.actual
        return None if actual is None else float(actual)
