"""The graduates' market (毕业生就业市场): new graduates who applied and were hired in a year, by the
job's city, where they came from (university and its province, home province), and whether they
stayed in the two cities a year after the hire. Counted for the plan's sentence "争取两地每年联动
引进高校毕业生15万人以上" and Ningbo's "毕业生留甬比例达50%以上".

Who counts as a graduate: a résumé marked as a new graduate, or one whose graduation year is at
most two years before the year of the step (the two years of 择业期 in which China treats a
graduate as a new one) or the year after it (a final-year student signing before graduating).

A hire is an application the employer took to "hired" that still stands (not later withdrawn or
ended), dated by its hired step in the feedback log; each graduate counts once per city (and once
in both cities' total), whichever résumé the registry's merges left them with.

Staying (:data:`STAY_RULE` on the page): counted for the graduates hired in the year a year or
more ago (the anniversary of the hire on or before the day of counting).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import DateTimeField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from talentlink.core.models import Region
from talentlink.indicators.models import Indicator
from talentlink.market.models import Application, Event
from talentlink.market.universities import province_name, province_of_id
from talentlink.registry.merges import persons_golden
from talentlink.registry.models import Person

# 择业期: the years after graduating in which a graduate still counts as a new one.
YEARS_AFTER_GRADUATING = 2
# The count the targets (talentlink/indicators) read through MarketConfig.indicator_actuals.
HIRED_KEY = "market.graduates_hired"
STAY_RATE_KEY = "market.graduates_stay_rate"
PLAN_SENTENCE = "争取两地每年联动引进高校毕业生15万人以上"
PLAN_SOURCE = "推进甬舟人才一体化发展行动方案（2020—2025年）"
STAY_SENTENCE = "到2025年……毕业生留甬比例达50%以上"
STAY_SOURCE = "宁波市人才发展“十四五”规划"
# How many universities the origins list by name; the others are summed in one row.
UNIVERSITIES_SHOWN = 15

STAY_RULE = gettext_lazy(
    "A graduate hired in the year stays when, a year after the hire, the hire has not been withdrawn, "
    "their registry record (followed through merges) is still active with Ningbo or Zhoushan as home "
    "city, and either they applied to a job in either city on or after that day, or social-insurance "
    "contributions recorded on the platform reach the month of that day in either city, or the platform "
    "holds no contribution records for them since the month of the hire (then the registry record "
    "decides). The rate counts those hired a year or more ago."
)


@dataclass(frozen=True)
class GraduateCity:
    """One city's figures (or both cities', counted once per graduate)."""

    code: str
    city: str
    applied: int
    hired: int
    due: int  # hired a year or more ago: the staying rate's base
    stayed: int

    @property
    def stay_rate(self) -> float | None:
        """Per cent of those hired a year or more ago who stayed."""
        return round(100 * self.stayed / self.due, 1) if self.due else None


@dataclass(frozen=True)
class Origin:
    key: str
    label: str
    hired: int  # in both cities, once per graduate
    per_city: tuple[tuple[str, int], ...]  # (city code, graduates), in the order of GraduatesYear.cities


@dataclass(frozen=True)
class GraduatesYear:
    year: int
    as_of: dt.date
    cities: list[GraduateCity]
    total: GraduateCity
    universities: list[Origin]
    university_provinces: list[Origin]
    home_provinces: list[Origin]
    target: Decimal | None  # the indicator's target for the year, where one counts this key
    target_name: str

    @property
    def target_share(self) -> float | None:
        if not self.target:
            return None
        return round(100 * self.total.hired / float(self.target), 1)

    @property
    def plan_sentence(self) -> str:
        return PLAN_SENTENCE

    @property
    def plan_source(self) -> str:
        return PLAN_SOURCE

    @property
    def stay_sentence(self) -> str:
        return STAY_SENTENCE

    @property
    def stay_source(self) -> str:
        return STAY_SOURCE

    @property
    def stay_rule(self) -> str:
        return str(STAY_RULE)


def _graduate(year: int) -> Q:
    return Q(profile__is_graduate=True) | Q(
        profile__graduation_year__gte=year - YEARS_AFTER_GRADUATING, profile__graduation_year__lte=year + 1
    )


def hires_of_year(year: int, *, until: dt.datetime | None = None) -> QuerySet[Any]:
    # QuerySet[Any]: the stubs do not carry the hired_at annotation into the callers' lookups.
    """Graduates' standing hires dated in the year (by the hired step), with the hire's moment."""
    hired_at = (
        Event.objects.filter(job=OuterRef("job"), profile=OuterRef("profile"), kind=Event.Kind.HIRED)
        .exclude(to=Event.Side.EMPLOYER)
        .order_by("at")
        .values("at")[:1]
    )
    until_then = Q(hired_at__lte=until) if until is not None else Q()
    return (
        Application.objects.filter(status=Application.Status.HIRED)
        .annotate(hired_at=Subquery(hired_at, output_field=DateTimeField()))
        .filter(_graduate(year), until_then, Q(hired_at__year=year))
    )


def _anniversary(moment: dt.datetime) -> dt.date:
    day = timezone.localtime(moment).date()
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # hired on 29 February
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class _Hire:
    person: int  # the golden person
    region_id: int
    anniversary: dt.date
    university: str  # as the talent wrote it
    listed: (
        tuple[str, str, str] | None
    )  # the listed university's code, name in the reader's language, province


@dataclass(frozen=True)
class _Person:
    status: str
    home_region_id: int
    id_number_masked: str


# Ids per query: SQLite takes at most 32,766 variables in a statement (the registry reads by 5,000).
CHUNK = 5000


def _chunks(ids: set[int]) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)]


def _hires(year: int, until: dt.datetime | None) -> tuple[list[_Hire], dict[int, int]]:
    """The year's hires, earliest first, on their golden persons (and the map to them)."""
    english = (get_language() or "").startswith("en")
    rows = list(
        hires_of_year(year, until=until)
        .values_list(
            "profile__person_id", "job__region_id", "hired_at", "profile__university",
            "profile__listed_university__code", "profile__listed_university__name",
            "profile__listed_university__name_en", "profile__listed_university__province",
        )
        .order_by("hired_at", "pk")
    )  # fmt: skip
    golden = persons_golden(row[0] for row in rows)
    hires = [
        _Hire(
            golden[person], region, _anniversary(at), written,
            (code, (name_en if english and name_en else name), province) if code else None,
        )
        for person, region, at, written, code, name, name_en, province in rows
    ]  # fmt: skip
    return hires, golden


def _persons(ids: set[int]) -> dict[int, _Person]:
    """What the registry says of the (golden) persons now."""
    found = {}
    for chunk in _chunks(ids):
        rows = Person.objects.filter(pk__in=chunk).values_list(
            "pk", "status", "home_region_id", "id_number_masked"
        )
        found.update({pk: _Person(status, region, masked) for pk, status, region, masked in rows})
    return found


def _applied(year: int) -> tuple[dict[int, set[int]], set[int]]:
    """Golden persons who applied in the year, by the job's city, and in all."""
    rows = list(
        Application.objects.filter(_graduate(year), created_at__year=year)
        .values_list("profile__person_id", "job__region_id")
        .distinct()
    )
    golden = persons_golden(p for p, _region in rows)
    by_city: dict[int, set[int]] = {}
    for person, region in rows:
        by_city.setdefault(region, set()).add(golden[person])
    return by_city, {golden[p] for p, _region in rows}


def persons_last_seen(person_ids: set[int]) -> dict[int, dt.date]:
    """The last month any app's records place each person in one of the cities (benefits: the
    social-insurance contributions a city's fund received), through the apps' ``persons_last_seen``
    hook (docs/contracts.md); persons no app holds records of are left out."""
    seen: dict[int, dt.date] = {}
    for config in apps.get_app_configs():
        offer = getattr(config, "persons_last_seen", None)
        if offer is None:
            continue
        for person, month in offer(person_ids=sorted(person_ids)).items():
            seen[person] = max(month, seen.get(person, month))
    return seen


def _stayed(
    due: list[_Hire], golden: dict[int, int], persons: dict[int, _Person], cities: set[int]
) -> set[tuple[int, int]]:
    """The (person, city) hires of ``due`` whose graduate stayed (:data:`STAY_RULE`)."""
    resident = {
        h.person
        for h in due
        if h.person in persons
        and persons[h.person].status == Person.Status.ACTIVE
        and persons[h.person].home_region_id in cities
    }
    if not resident:
        return set()
    # Every person id behind the golden ones (a retired record keeps its own résumés and records).
    behind = {p for p, g in golden.items() if g in resident} | resident
    first = min(h.anniversary for h in due)
    later: dict[int, dt.date] = {}
    for chunk in _chunks(behind):
        applications = Application.objects.filter(
            profile__person_id__in=chunk, created_at__date__gte=first, job__region_id__in=cities
        ).values_list("profile__person_id", "created_at")
        for person, at in applications:
            day = timezone.localtime(at).date()
            person = golden.get(person, person)
            later[person] = max(day, later.get(person, day))
    seen: dict[int, dt.date] = {}
    for person, month in persons_last_seen(behind).items():
        person = golden.get(person, person)
        seen[person] = max(month, seen.get(person, month))
    stayed = set()
    for hire in due:
        if hire.person not in resident:
            continue
        applied_later = later.get(hire.person, dt.date.min) >= hire.anniversary
        # Contributions that end before the hire say nothing of after it: then the registry decides.
        hired_month = dt.date(hire.anniversary.year - 1, hire.anniversary.month, 1)
        last = seen.get(hire.person)
        insured = last is None or last >= hire.anniversary.replace(day=1) or last < hired_month
        if applied_later or insured:
            stayed.add((hire.person, hire.region_id))
    return stayed


class _Tally:
    """Graduates per origin: in all (once each) and in each city."""

    def __init__(self, regions: list[Region]) -> None:
        self.regions = regions
        self.total: Counter[str] = Counter()
        self.per_city: dict[int, Counter[str]] = {r.pk: Counter() for r in regions}

    def add(self, key: str, *, region: int | None) -> None:
        if region is None:
            self.total[key] += 1
        else:
            self.per_city[region][key] += 1

    def origin(self, key: str, label: str) -> Origin:
        return Origin(
            key, label, self.total[key], tuple((r.code, self.per_city[r.pk][key]) for r in self.regions)
        )


def _origins(
    hires: list[_Hire], persons: dict[int, _Person], regions: list[Region]
) -> tuple[list[Origin], list[Origin], list[Origin]]:
    """Hired graduates by university, the university's province and home province (of the ID
    number): once each in all (by their first hire's résumé) and once in each city that hired them."""
    first: dict[int | None, dict[int, _Hire]] = {None: {}, **{r.pk: {} for r in regions}}
    for hire in hires:
        first[None].setdefault(hire.person, hire)
        first[hire.region_id].setdefault(hire.person, hire)
    universities, provinces, homes = _Tally(regions), _Tally(regions), _Tally(regions)
    labels: dict[str, str] = {}
    for region, of_region in first.items():
        for person, hire in of_region.items():
            if hire.listed is not None:
                code, labels[code], province = hire.listed
                universities.add(code, region=region)
                provinces.add(province, region=region)
            else:
                key = "unlisted" if hire.university.strip() else "none"
                universities.add(key, region=region)
                provinces.add(key, region=region)
            masked = persons[person].id_number_masked if person in persons else ""
            homes.add(province_of_id(masked) or "unknown", region=region)
    return _university_rows(universities, labels), _province_rows(provinces), _province_rows(homes)


_UNKNOWN = {
    "unlisted": gettext_lazy("Not in the national list"),
    "none": gettext_lazy("Not given"),
    "unknown": gettext_lazy("Unknown (no verified ID number)"),
    "other": gettext_lazy("Other listed universities"),
}


def _sorted(tally: _Tally, label: Any) -> list[Origin]:
    known = [tally.origin(k, label(k)) for k in tally.total if k not in _UNKNOWN]
    known.sort(key=lambda o: (-o.hired, o.key))
    return known


def _unknown(tally: _Tally, keys: tuple[str, ...]) -> list[Origin]:
    return [tally.origin(k, str(_UNKNOWN[k])) for k in keys if tally.total[k]]


def _province_rows(tally: _Tally) -> list[Origin]:
    return _sorted(tally, province_name) + _unknown(tally, ("unlisted", "none", "unknown"))


def _university_rows(tally: _Tally, labels: dict[str, str]) -> list[Origin]:
    rows = _sorted(tally, labels.__getitem__)
    shown, rest = rows[:UNIVERSITIES_SHOWN], rows[UNIVERSITIES_SHOWN:]
    if rest:
        codes = [code for code, _n in rest[0].per_city]
        summed = tuple((code, sum(dict(o.per_city)[code] for o in rest)) for code in codes)
        shown.append(Origin("other", str(_UNKNOWN["other"]), sum(o.hired for o in rest), summed))
    return shown + _unknown(tally, ("unlisted", "none"))


def _target(year: int) -> tuple[Decimal | None, str]:
    """The target of the year of an indicator that counts :data:`HIRED_KEY`, if one does."""
    indicator = Indicator.objects.filter(computed_from=HIRED_KEY).prefetch_related("targets").first()
    if indicator is None:
        return None, ""
    targets = sorted(indicator.targets.all(), key=lambda t: t.year)
    target = next((t for t in targets if t.year >= year), None)
    return (target.value if target else None), indicator.display_name


def graduates_year(*, year: int, today: dt.date | None = None) -> GraduatesYear:
    """The year's graduates in both cities as counted on ``today``: who applied and was hired, where
    they came from, and how many of those hired a year or more ago stayed."""
    today = today or timezone.localdate()
    regions = list(Region.objects.filter(is_active=True))
    cities = {r.pk for r in regions}
    hires, golden = _hires(year, None)
    applied, applied_all = _applied(year)
    due = [h for h in hires if h.anniversary <= today]
    persons = _persons({h.person for h in hires})
    stayed = _stayed(due, golden, persons, cities)
    rows = []
    for region in regions:
        mine = [h for h in hires if h.region_id == region.pk]
        mine_due = {h.person for h in due if h.region_id == region.pk}
        rows.append(GraduateCity(
            region.code, region.display_name, len(applied.get(region.pk, ())), len({h.person for h in mine}),
            len(mine_due), len({p for p in mine_due if (p, region.pk) in stayed}),
        ))  # fmt: skip
    first_due: dict[int, _Hire] = {}
    for hire in due:
        first_due.setdefault(hire.person, hire)
    total = GraduateCity(
        "", _("Both cities"), len(applied_all), len({h.person for h in hires}), len(first_due),
        sum((h.person, h.region_id) in stayed for h in first_due.values()),
    )  # fmt: skip
    universities, university_provinces, home_provinces = _origins(hires, persons, regions)
    target, target_name = _target(year)
    return GraduatesYear(
        year=year, as_of=today, cities=rows, total=total, universities=universities,
        university_provinces=university_provinces, home_provinces=home_provinces, target=target,
        target_name=target_name,
    )  # fmt: skip


def graduates_counted(*, on: dt.date) -> dict[str, int | Decimal]:
    """What the targets read (``indicator_actuals``): graduates hired in the year up to the day,
    and the staying rate (per cent) of those hired the year before, once a year has passed for any."""
    end = timezone.make_aware(dt.datetime.combine(on, dt.time.max))
    hired = len({hire.person for hire in _hires(on.year, end)[0]})
    counts: dict[str, int | Decimal] = {HIRED_KEY: hired}
    last = graduates_year(year=on.year - 1, today=on).total
    if last.stay_rate is not None:
        counts[STAY_RATE_KEY] = Decimal(str(last.stay_rate))
    return counts
