"""The key-industry talent map (重点产业人才地图): for the plans' key industries, talent supply, open
demand and scarcity by district of both cities, at a moment and over the quarters before it.

At a moment T (the end of the chosen year or quarter, or now):

- demand: the openings (headcount) of the jobs open at T: published before T, valid on the
  period's last day, and still published, or closed or expired since T (a closed job's last change
  is its closing: closed jobs take no further edits), counted under the job's district;
- supply: the résumés open to offers today (of active persons) written by T, counted under the
  district where the talent lives or works now and under every key industry they would work in;
- scarcity: openings per résumé.

Every figure is an aggregate query; Python only lays the grouped rows out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from talentlink.market import selectors
from talentlink.market.models import District, Job, KeyIndustry, Profile
from talentlink.market.report_charts import Chart, Option

# How many quarters the trend goes back, the chosen one included.
TREND_QUARTERS = 8
# Scarcity bands (openings per résumé), from the scarcest; the page's colours follow them.
BANDS = (("scarce", 2.0), ("tight", 1.0), ("balanced", 0.5), ("ample", 0.0))
UNMET = "unmet"  # openings and no résumé at all
# The map ECharts draws (static/market/vendor/districts.geo.json, see districts.LICENSE).
MAP_NAME = "talentlink-districts"
_PERIOD = re.compile(r"^(?P<year>20[0-9]{2})(?:-Q(?P<quarter>[1-4]))?$")


class PeriodError(ValueError):
    """A period that is neither empty (now), a year (2025) nor a quarter (2025-Q3)."""


@dataclass(frozen=True)
class Period:
    key: str  # "" (now), "2025" or "2025-Q3"
    label: str
    at: dt.datetime  # the moment the map is drawn at: the period's end, or now if it has not ended


def _local(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _quarter_end(year: int, quarter: int) -> dt.datetime:
    return _local(dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1))


def period_parse(key: str, *, now: dt.datetime | None = None) -> Period:
    """The period a page or API parameter names; raises PeriodError for anything else."""
    now = now or timezone.now()
    if not key:
        return Period("", _("Now"), now)
    found = _PERIOD.match(key)
    if found is None:
        raise PeriodError(key)
    year, quarter = int(found["year"]), found["quarter"]
    end = _quarter_end(year, int(quarter)) if quarter else _local(dt.date(year + 1, 1, 1))
    label = _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter} if quarter else str(year)
    return Period(key, label, min(end, now))


def periods_offered(*, now: dt.datetime | None = None) -> list[Period]:
    """Now, the last three years and the last eight quarters, newest first."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    quarter = (local.month - 1) // 3 + 1
    quarters = []
    year = local.year
    for _i in range(TREND_QUARTERS):
        quarters.append(f"{year}-Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    keys = ["", *(str(local.year - i) for i in range(3)), *quarters]
    return [period_parse(key, now=now) for key in keys]


@dataclass(frozen=True)
class Cell:
    openings: int
    supply: int

    @property
    def ratio(self) -> float | None:
        """Openings per résumé; None where no talent offers themselves."""
        return round(self.openings / self.supply, 2) if self.supply else None

    @property
    def band(self) -> str:
        """The scarcity band, which the heat table's colour and the map's follow."""
        if not self.supply:
            return UNMET if self.openings else "none"
        ratio = self.openings / self.supply
        return next(name for name, low in BANDS if ratio >= low)


@dataclass(frozen=True)
class MapRow:
    code: str  # the district's administrative code; "" for jobs and résumés without a district
    label: str
    city: str
    geo_name: str  # the district's name as the map's GeoJSON writes it
    cells: list[Cell]  # one per industry of the map, in its order
    total: Cell  # every key industry together (a job or résumé counted once)


@dataclass(frozen=True)
class TrendSeries:
    code: str
    label: str
    openings: list[int]  # one per quarter of the trend
    supply: list[int]

    @property
    def ratios(self) -> list[float | None]:
        return [Cell(o, s).ratio for o, s in zip(self.openings, self.supply, strict=True)]


@dataclass(frozen=True)
class TalentMap:
    period: Period
    industries: list[tuple[str, str]]  # (code, label)
    rows: list[MapRow]
    quarters: list[str]  # labels of the trend's quarters, oldest first
    trend: list[TrendSeries]  # per industry, then every key industry together

    @property
    def totals(self) -> Cell:
        """Both cities, every key industry (a talent lives in one district: the rows add up)."""
        return Cell(sum(r.total.openings for r in self.rows), sum(r.total.supply for r in self.rows))

    @property
    def industry_totals(self) -> list[Cell]:
        """Both cities, per key industry."""
        return [
            Cell(sum(r.cells[i].openings for r in self.rows), sum(r.cells[i].supply for r in self.rows))
            for i in range(len(self.industries))
        ]


def jobs_open_at(at: dt.datetime) -> Q:
    """Jobs open at the moment ``at`` (see the module's docstring)."""
    last_day = timezone.localdate(at - dt.timedelta(microseconds=1))  # ``at`` ends the period
    still_open = Q(status=Job.Status.PUBLISHED) | Q(
        status__in=[Job.Status.CLOSED, Job.Status.EXPIRED], updated_at__gte=at
    )
    return Q(published_at__lt=at, valid_until__gte=last_day) & still_open


def _profiles() -> QuerySet[Profile]:
    return selectors.profiles_open().order_by()


def talent_map(*, period: Period) -> TalentMap:
    """The map of the period's moment for every active key industry and district of both cities."""
    industries = list(KeyIndustry.objects.filter(is_active=True))
    covered = KeyIndustry.covers.through.objects.filter(keyindustry__is_active=True).values("field_id")
    jobs = Job.objects.filter(jobs_open_at(period.at)).order_by()
    profiles = _profiles().filter(created_at__lt=period.at)
    demand = _grouped(jobs.values_list("district_id", "field__key_industries").annotate(n=Sum("headcount")))
    demand_all = dict(
        jobs.filter(field_id__in=covered).values_list("district_id").annotate(n=Sum("headcount"))
    )
    supply = _grouped(
        profiles.values_list("district_id", "desired_fields__key_industries").annotate(
            n=Count("id", distinct=True)
        )
    )
    supply_all = dict(
        profiles.filter(desired_fields__in=covered)
        .values_list("district_id")
        .annotate(n=Count("id", distinct=True))
    )
    rows = []
    for district in District.objects.filter(is_active=True).select_related("region"):
        place = (district.code, district.display_name, district.region.display_name, district.name)
        rows.append(_row(place, district.pk, industries, demand, supply, demand_all, supply_all))
    if None in demand_all or None in supply_all:
        place = ("", _("District not given"), "", "")
        rows.append(_row(place, None, industries, demand, supply, demand_all, supply_all))
    quarters, trend = _trend(period, industries, covered)
    return TalentMap(period, [(k.code, str(k)) for k in industries], rows, quarters, trend)


def _grouped(rows: Any) -> dict[tuple[int | None, int], int]:
    return {(district, industry): n or 0 for district, industry, n in rows if industry is not None}


def _row(place: tuple[str, str, str, str], district_id: int | None, industries: list[KeyIndustry],
         demand: dict, supply: dict, demand_all: dict, supply_all: dict) -> MapRow:  # fmt: skip
    cells = [Cell(demand.get((district_id, k.pk), 0), supply.get((district_id, k.pk), 0)) for k in industries]
    total = Cell(demand_all.get(district_id) or 0, supply_all.get(district_id) or 0)
    return MapRow(*place, cells, total)


def _trend_moments(period: Period) -> list[tuple[str, dt.datetime]]:
    """The ends of the TREND_QUARTERS quarters up to the period's moment (the last one: that moment)."""
    local = timezone.localtime(period.at - dt.timedelta(microseconds=1))
    year, quarter = local.year, (local.month - 1) // 3 + 1
    moments = []
    for _i in range(TREND_QUARTERS):
        moments.append((f"{year} Q{quarter}", min(_quarter_end(year, quarter), period.at)))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return moments[::-1]


def _trend(
    period: Period, industries: list[KeyIndustry], covered: QuerySet
) -> tuple[list[str], list[TrendSeries]]:
    """Openings and résumés of each key industry at the end of each quarter: one query for each side."""
    moments = _trend_moments(period)
    names = [f"q{i}" for i in range(len(moments))]
    jobs = Job.objects.filter(field_id__in=covered).order_by()
    opened = {f"q{i}": Sum("headcount", filter=jobs_open_at(at)) for i, (_l, at) in enumerate(moments)}
    written = {
        f"q{i}": Count("id", distinct=True, filter=Q(created_at__lt=at)) for i, (_l, at) in enumerate(moments)
    }
    demand: dict[Any, Any] = {
        r["field__key_industries"]: r for r in jobs.values("field__key_industries").annotate(**opened)
    }
    supply: dict[Any, Any] = {r["desired_fields__key_industries"]: r for r in
              _profiles().values("desired_fields__key_industries").annotate(**written)}  # fmt: skip
    all_demand = jobs.aggregate(**opened)
    all_supply = _profiles().filter(desired_fields__in=covered).aggregate(**written)
    empty: dict[str, Any] = {}
    series = [
        TrendSeries(k.code, str(k), [int(demand.get(k.pk, empty).get(n) or 0) for n in names],
                    [int(supply.get(k.pk, empty).get(n) or 0) for n in names])
        for k in industries
    ]  # fmt: skip
    series.append(TrendSeries("", _("Every key industry"), [all_demand[n] or 0 for n in names],
                              [all_supply[n] or 0 for n in names]))  # fmt: skip
    return [label for label, _at in moments], series


# --- Charts: ECharts options, drawn by the page (static/market/talent_map.js) and the PDF ---------

BAND_COLOURS = {
    "scarce": "#b03a2e",
    "tight": "#e67e22",
    "balanced": "#f4d03f",
    "ample": "#52be80",
    UNMET: "#6c3483",
}


def _pieces() -> list[dict[str, Any]]:
    return [
        {"min": 2, "label": _("2 or more openings per résumé"), "color": BAND_COLOURS["scarce"]},
        {"min": 1, "lt": 2, "label": _("1 to 2"), "color": BAND_COLOURS["tight"]},
        {"min": 0.5, "lt": 1, "label": _("0.5 to 1"), "color": BAND_COLOURS["balanced"]},
        {"min": 0, "lt": 0.5, "label": _("under 0.5"), "color": BAND_COLOURS["ample"]},
        {"value": -1, "label": _("openings, no résumé"), "color": BAND_COLOURS[UNMET]},
    ]


def industry_index(tmap: TalentMap, code: str) -> int | None:
    """The position of a key industry among the map's columns; None for every key industry."""
    return next((i for i, (c, _label) in enumerate(tmap.industries) if c == code), None)


def _map_option(tmap: TalentMap, column: int | None) -> Option:
    data = []
    for row in tmap.rows:
        cell = row.total if column is None else row.cells[column]
        if row.geo_name and (cell.openings or cell.supply):
            data.append({"name": row.label, "value": -1 if cell.band == UNMET else cell.ratio})
    return {
        "tooltip": {"trigger": "item"},
        "visualMap": {"type": "piecewise", "left": 0, "bottom": 0, "pieces": _pieces()},
        "series": [
            {
                "name": _("Openings per résumé"), "type": "map", "map": MAP_NAME, "roam": False,
                "top": 10, "bottom": 10, "left": 130, "right": 10,
                "nameMap": {row.geo_name: row.label for row in tmap.rows if row.geo_name},
                "label": {"show": True, "fontSize": 10, "color": "#222"},
                "data": data,
            }
        ],
    }  # fmt: skip


def _trend_option(tmap: TalentMap) -> Option:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 60, "right": 20, "top": 50, "bottom": 30},
        "xAxis": {"type": "category", "data": tmap.quarters},
        "yAxis": {"type": "value", "name": _("Openings per résumé"), "nameLocation": "middle", "nameGap": 40},
        "series": [
            {"name": s.label, "type": "line", "data": s.ratios, "connectNulls": False} for s in tmap.trend
        ],
    }


def map_charts(tmap: TalentMap, *, industry: str = "") -> list[Chart]:
    """The district map of one key industry (or all of them) and the quarterly trend."""
    column = industry_index(tmap, industry)
    which = tmap.industries[column][1] if column is not None else _("every key industry")
    title = _("Openings per résumé by district: %(industry)s, %(period)s") % {
        "industry": which, "period": tmap.period.label,
    }  # fmt: skip
    return [
        Chart("talent-map", title, _map_option(tmap, column), 460, geo_map=MAP_NAME),
        Chart("talent-trend", _("Openings per résumé at the end of each quarter"), _trend_option(tmap)),
    ]


def _cell_data(cell: Cell) -> dict[str, Any]:
    return {"openings": cell.openings, "supply": cell.supply, "ratio": cell.ratio, "band": cell.band}


def talent_map_data(tmap: TalentMap) -> dict[str, Any]:
    """The map as plain data (the JSON API's answer)."""
    return {
        "period": tmap.period.key, "period_name": tmap.period.label, "at": tmap.period.at,
        "industries": [{"code": code, "name": label} for code, label in tmap.industries],
        "rows": [
            {"district": r.code, "name": r.label, "city": r.city, "cells": [_cell_data(c) for c in r.cells],
             "total": _cell_data(r.total)}
            for r in tmap.rows
        ],
        "quarters": tmap.quarters,
        "trend": [
            {"industry": t.code, "name": t.label, "openings": t.openings, "supply": t.supply,
             "ratios": t.ratios}
            for t in tmap.trend
        ],
    }  # fmt: skip
