"""The annual regional talent market report (区域年度人才市场报告): a year's figures of both cities,
counted in the database. The web page and the PDF read the same :class:`MarketReport`.

Demand is the openings (headcount) of the jobs published in the year; supply is the résumés open
to offers today, counted under every city and industry they would work in. Hires are the hired
steps of the feedback log in the year, one per job and talent, as the funnel counts them.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CharField, Count, F, QuerySet, Sum, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from talentlink.core.models import Region
from talentlink.experts.models import Field
from talentlink.market import selectors
from talentlink.market.graduates import GraduatesYear, graduates_year
from talentlink.market.models import Application, Event, Job, Occupation, Profile

# Salary histogram buckets (monthly midpoint of a job's range), in yuan.
SALARY_STEP = 5000
# How many scarce industries the report lists.
SCARCE_SHOWN = 10


@dataclass(frozen=True)
class SupplyDemand:
    """Demand (jobs, openings) beside supply (résumés) for one city, industry or occupation group."""

    key: str
    label: str
    jobs: int
    openings: int
    supply: int

    @property
    def ratio(self) -> float | None:
        """Openings per résumé: above 1, more openings than talents who want them."""
        return round(self.openings / self.supply, 2) if self.supply else None


@dataclass(frozen=True)
class SalaryRow:
    label: str
    jobs: int
    low: int
    q1: int
    median: int
    q3: int
    high: int


@dataclass(frozen=True)
class Flow:
    """Hires of talents whose home city is ``origin`` by employers of ``destination``."""

    origin: str
    destination: str
    hires: int


@dataclass(frozen=True)
class MarketReport:
    year: int
    cities: list[SupplyDemand]
    industries: list[SupplyDemand]
    occupations: list[SupplyDemand]  # major groups; supply: talents who applied to them
    scarce: list[SupplyDemand]
    salaries: list[SalaryRow]
    salary_histogram: list[tuple[str, int]]
    flows: list[Flow]
    graduates: GraduatesYear  # market/graduates.py: applied, hired, origins, staying
    funnel: dict[str, int]
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def cross_city_hires(self) -> int:
        return sum(f.hires for f in self.flows if f.origin != f.destination)


def market_report(*, year: int) -> MarketReport:
    """The year's report for every active city, labelled in the active language."""
    jobs = Job.objects.filter(published_at__year=year).exclude(status=Job.Status.DRAFT)
    profiles = selectors.profiles_open()
    hires = Event.objects.filter(kind=Event.Kind.HIRED, at__year=year).exclude(to=Event.Side.EMPLOYER)
    industries = _industries(jobs, profiles)
    report = MarketReport(
        year=year,
        cities=_cities(jobs, profiles),
        industries=industries,
        occupations=_occupations(jobs, year),
        scarce=sorted((r for r in industries if r.ratio), key=lambda r: -(r.ratio or 0))[:SCARCE_SHOWN],
        salaries=_salaries(jobs),
        salary_histogram=_salary_histogram(jobs),
        flows=_flows(hires),
        graduates=graduates_year(year=year),
        funnel=_funnel(year),
    )
    report.totals.update(
        jobs=sum(r.jobs for r in report.cities),
        openings=sum(r.openings for r in report.cities),
        resumes=profiles.count(),
        hires=sum(f.hires for f in report.flows),
        cross_city=report.cross_city_hires,
    )
    return report


def _pairs() -> Count:
    """One per job and talent (a talent hired twice for one job counts once)."""
    return Count(Concat("job_id", Value("-"), "profile_id", output_field=CharField()), distinct=True)


def _demand(jobs: QuerySet[Job], by: str) -> dict[object, tuple[int, int]]:
    """Jobs and openings per value of ``by`` (a city, an industry or none)."""
    rows = jobs.values_list(by).annotate(n=Count("id"), openings=Sum("headcount")).order_by()
    return {key: (n, openings or 0) for key, n, openings in rows}


def _supply(profiles: QuerySet[Profile], by: str) -> dict[object, int]:
    """Résumés per city or industry they would work in (one résumé counts under each)."""
    return dict(profiles.values_list(by).annotate(n=Count("id", distinct=True)).order_by())


def _cities(jobs: QuerySet[Job], profiles: QuerySet[Profile]) -> list[SupplyDemand]:
    demand, supply = _demand(jobs, "region_id"), _supply(profiles, "desired_regions")
    return [
        SupplyDemand(
            region.code, region.display_name, *demand.get(region.pk, (0, 0)), supply.get(region.pk, 0)
        )
        for region in Region.objects.filter(is_active=True)
    ]


def _industries(jobs: QuerySet[Job], profiles: QuerySet[Profile]) -> list[SupplyDemand]:
    demand, supply = _demand(jobs, "field_id"), _supply(profiles, "desired_fields")
    rows = [
        SupplyDemand(f.code, str(f), *demand.get(f.pk, (0, 0)), supply.get(f.pk, 0))
        for f in Field.objects.filter(pk__in={k for k in (*demand, *supply) if k is not None})
    ]
    if None in demand:  # jobs published without an industry
        rows.append(SupplyDemand("", _("No industry given"), *demand[None], 0))
    return rows


def _occupations(jobs: QuerySet[Job], year: int) -> list[SupplyDemand]:
    """Demand by the occupation's major group (大类); supply: talents who applied in the year."""
    group = Substr("occupation__code", 1, 1)
    demand = (
        jobs.filter(occupation__isnull=False)
        .annotate(group=group)
        .values_list("group")
        .annotate(n=Count("id"), openings=Sum("headcount"))
        .order_by("group")
    )
    applicants = dict(
        Application.objects.filter(created_at__year=year, job__occupation__isnull=False)
        .annotate(group=Substr("job__occupation__code", 1, 1))
        .values_list("group")
        .annotate(n=Count("profile_id", distinct=True))
        .order_by()
    )
    majors = Occupation.objects.filter(level=Occupation.Level.MAJOR).values_list("code", "name")
    names = {code[:1]: name for code, name in majors}  # major groups are coded 2-00-00-00
    return [
        SupplyDemand(group, names.get(group, group), n, openings or 0, applicants.get(group, 0))
        for group, n, openings in demand
    ]


def _salaries(jobs: QuerySet[Job]) -> list[SalaryRow]:
    """Quartiles of the jobs' monthly salary midpoints per industry (one value per job)."""
    midpoints: dict[int | None, list[int]] = defaultdict(list)
    rows = jobs.annotate(mid=(F("salary_min") + F("salary_max")) / 2).values_list("field_id", "mid")
    for of_field, mid in rows.order_by("mid"):
        midpoints[of_field].append(int(mid or 0))
    labels = {f.pk: str(f) for f in Field.objects.filter(pk__in=[k for k in midpoints if k is not None])}
    out = []
    for field_id, values in midpoints.items():
        q1, median, q3 = (
            statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
        )
        label = labels.get(field_id, "") if field_id is not None else _("No industry given")
        out.append(SalaryRow(label, len(values), values[0], round(q1), round(median), round(q3), values[-1]))
    return sorted(out, key=lambda r: -r.median)


def _salary_histogram(jobs: QuerySet[Job]) -> list[tuple[str, int]]:
    """Jobs per band of SALARY_STEP yuan (of the range's midpoint), counted in the database."""
    bucket = (F("salary_min") + F("salary_max")) / (2 * SALARY_STEP)
    counts = dict(
        jobs.annotate(bucket=bucket)
        .values_list("bucket")
        .annotate(n=Count("id"))
        .order_by("bucket")
        .values_list("bucket", "n")
    )
    if not counts:
        return []
    bands = range(min(counts), max(counts) + 1)
    step = SALARY_STEP // 1000
    return [(f"{b * step}k–{(b + 1) * step}k", counts.get(b, 0)) for b in bands]


def _flows(hires: QuerySet[Event]) -> list[Flow]:
    """Hires by the talent's home city and the job's city (both directions and staying)."""
    names = {r.pk: r.display_name for r in Region.objects.all()}
    rows = (
        hires.values("profile__person__home_region_id", "job__region_id")
        .annotate(n=_pairs())
        .order_by("profile__person__home_region_id", "job__region_id")
    )
    return [
        Flow(names.get(row["profile__person__home_region_id"], "—"), names[row["job__region_id"]], row["n"])
        for row in rows
    ]


def _funnel(year: int) -> dict[str, int]:
    """The funnel's steps summed over cities and industries (``selectors.funnel``)."""
    totals = dict.fromkeys(selectors.FUNNEL_STEPS, 0)
    for row in selectors.funnel(year=year):
        for step, n in zip(selectors.FUNNEL_STEPS, row.steps, strict=True):
            totals[step] += n
    return {str(k): v for k, v in totals.items()}
