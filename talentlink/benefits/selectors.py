"""Reads of the benefits: the catalogue as each role sees it, eligibility and quotas, a holder's
entitlements and history, combined insurance years, usage statistics and the settlement ledger.

Eligibility lives here because the talent code (``person_entitlements``), the scanning check and
the pages must all reach the same answer from the same rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from functools import cached_property
from typing import Any

from django.db.models import BooleanField, Case, Count, Max, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.benefits.models import (
    Benefit,
    InsuranceRecord,
    Provider,
    Redemption,
    ServicePoint,
    ServicePointAccount,
    SettlementPeriod,
)
from talentlink.core import permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import NotAllowed, NotFound
from talentlink.core.models import AuditEvent, Region, Role, User
from talentlink.registry.models import Person, TierMapping
from talentlink.registry.selectors import person_own

# Why a holder may not use a benefit (codes are stable; messages follow the user's language).
REFUSALS: dict[str, Any] = {
    "ok": _("Eligible."),
    "person_inactive": _("The holder's talent record is not active."),
    "inactive": _("This benefit is not offered at present."),
    "benefit_not_yet_valid": _("This benefit is not valid yet."),
    "benefit_expired": _("This benefit is no longer valid."),
    "region": _("This benefit is not offered to talents of the holder's city."),
    "category": _("This benefit is not offered to the holder's talent category."),
    "tier": _("The holder's tier does not qualify for this benefit."),
    "level": _("The holder has no recognised title or skill level that qualifies."),
    "tier_or_level": _("Neither the holder's tier nor a recognised title or skill level qualifies."),
    "insurance_years": _("The holder's combined social-insurance years are fewer than required."),
    "quota_day": _("The holder has used this benefit as often as allowed today."),
    "quota_year": _("The holder has used this benefit as often as allowed this year."),
    "quota_person": _("The holder has used this benefit as often as allowed."),
    "unknown_holder": _("The code is valid but names no talent on record."),
    # The talent code's own verdicts, for uses recorded offline and checked on sync.
    "bad_prefix": _("This is not a talent code."),
    "bad_encoding": _("The code cannot be read."),
    "bad_compression": _("The code was damaged (compression)."),
    "bad_cose": _("The code was damaged (signature container)."),
    "bad_claims": _("The code's contents were malformed."),
    "bad_signature": _("The code's signature is not valid."),
    "unknown_kid": _("The code was signed with a key the platform does not know."),
    "expired": _("The code had expired when it was scanned."),
    "not_yet_valid": _("The code was not yet valid when it was scanned."),
    "replayed": _("The code had already been presented."),
    "replayed_elsewhere": _(
        "The same code had already been used at another counter, on another device or for another "
        "benefit: a copy (such as a screenshot) was shown twice while offline."
    ),
    "lifetime_missing": _(
        "The code from the holder's device did not say when it was made and when it ended."
    ),
    "lifetime_too_long": _("The code from the holder's device claimed to live longer than allowed."),
    "revoked": _("The holder's code has been revoked."),
    "wrong_issuer": _("The code was not issued by a participating city."),
    "holder_signature": _("The holder's own signature on the code is not valid."),
}


def refusal_message(reason: str) -> str:
    return str(REFUSALS.get(reason, reason))


def redemption_message(redemption: Redemption) -> str:
    """What the counter and staff read about a recorded use."""
    if redemption.status == Redemption.Status.RECORDED:
        return str(_("Use recorded."))
    if redemption.status == Redemption.Status.VOIDED:
        return str(_("Use voided by staff."))
    return str(
        _("Recorded as a conflict for staff to decide: %(why)s") % {"why": refusal_message(redemption.reason)}
    )


@dataclass(frozen=True, slots=True)
class Eligibility:
    ok: bool
    reason: str

    @property
    def message(self) -> str:
        return refusal_message(self.reason)


def _credential_levels(person_id: int) -> set[str]:
    # The credentials app is built alongside; import on use so this app loads without it.
    from talentlink.credentials.selectors import person_credential_levels

    return set(person_credential_levels(person_id=person_id, purpose="benefits"))


class Holder:
    """What eligibility rules ask about a person, each fact read once and only when a rule needs it."""

    def __init__(self, person: Person) -> None:
        self.person = person

    @cached_property
    def tier_ids(self) -> frozenset[int]:
        """The person's tier and every tier of another city it is honoured as (人才互认)."""
        if not self.person.tier_id:
            return frozenset()
        mapped = TierMapping.objects.filter(source_id=self.person.tier_id).values_list("target_id", flat=True)
        return frozenset({self.person.tier_id, *mapped})

    @cached_property
    def levels(self) -> frozenset[str]:
        return frozenset(_credential_levels(self.person.pk))

    @cached_property
    def insurance_years(self) -> Decimal:
        return person_insurance_years(person_id=self.person.pk)


def _ids(benefit: Benefit, relation: str) -> set[int]:
    # .all() uses the prefetch of benefits_with_terms(); one query otherwise.
    return {obj.pk for obj in getattr(benefit, relation).all()}


def benefit_eligibility(*, benefit: Benefit, holder: Holder, on: dt.date | None = None) -> Eligibility:
    """Whether the holder may use the benefit on the day, and if not the first reason why."""
    on = on or timezone.localdate()
    person = holder.person
    if person.status != Person.Status.ACTIVE:
        return Eligibility(False, "person_inactive")
    if not (benefit.is_active and benefit.provider.is_active):
        return Eligibility(False, "inactive")
    if on < benefit.valid_from:
        return Eligibility(False, "benefit_not_yet_valid")
    if benefit.valid_until and on > benefit.valid_until:
        return Eligibility(False, "benefit_expired")
    regions = _ids(benefit, "holder_regions")
    if regions and person.home_region_id not in regions:
        return Eligibility(False, "region")
    categories = _ids(benefit, "categories")
    if categories and person.category_id not in categories:
        return Eligibility(False, "category")
    reason = _qualification(benefit, holder)
    if reason:
        return Eligibility(False, reason)
    if benefit.min_insurance_years is not None and holder.insurance_years < benefit.min_insurance_years:
        return Eligibility(False, "insurance_years")
    return Eligibility(True, "ok")


def _qualification(benefit: Benefit, holder: Holder) -> str:
    """'' when the tier or a recognised level qualifies (either suffices), else the reason code."""
    tiers = _ids(benefit, "tiers")
    levels = set(benefit.credential_levels or ())
    if not tiers and not levels:
        return ""
    if tiers and holder.tier_ids & tiers:
        return ""
    if levels and holder.levels & levels:
        return ""
    if tiers and levels:
        return "tier_or_level"
    return "tier" if tiers else "level"


def benefits_with_terms() -> QuerySet[Benefit]:
    """Benefits with everything their terms and labels need, in a fixed number of queries."""
    return Benefit.objects.select_related("provider__region").prefetch_related(
        "holder_regions", "categories", Prefetch("tiers", queryset=_tiers())
    )


def _tiers() -> QuerySet:
    from talentlink.registry.models import Tier

    return Tier.objects.select_related("region")


def person_entitlements(*, person: Person, on: dt.date | None = None) -> list[str]:
    """Codes of the catalogue benefits the person is eligible for on the day (the talent code's claim)."""
    return [b.code for b in entitled_benefits(person=person, on=on)]


def entitled_benefits(*, person: Person, on: dt.date | None = None) -> list[Benefit]:
    on = on or timezone.localdate()
    holder = Holder(person)
    offered = benefits_with_terms().filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        is_active=True, provider__is_active=True, valid_from__lte=on,
    )  # fmt: skip
    return [b for b in offered if benefit_eligibility(benefit=b, holder=holder, on=on).ok]


# --- Quotas ------------------------------------------------------------------------------


def _day_bounds(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """Start of the local day, of the next day and of the local year around the moment."""
    local = timezone.localtime(moment)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day + dt.timedelta(days=1), day.replace(month=1, day=1)


def quota_used(*, benefit: Benefit, person: Person, at: dt.datetime) -> dict[str, int]:
    """How often the person has used the benefit: on the day, in the calendar year and in all."""
    day, next_day, year = _day_bounds(at)
    counted = Redemption.objects.filter(benefit=benefit, person=person, status=Redemption.Status.RECORDED)
    return counted.aggregate(
        per_day=Count("id", filter=Q(scanned_at__gte=day, scanned_at__lt=next_day)),
        per_year=Count("id", filter=Q(scanned_at__gte=year, scanned_at__lt=year.replace(year=year.year + 1))),
        per_person=Count("id"),
    )


def quota_remaining(
    *, benefit: Benefit, person: Person, at: dt.datetime | None = None
) -> dict[str, int | None]:
    """Uses left per day, per year and in all (None where the benefit sets no limit)."""
    used = quota_used(benefit=benefit, person=person, at=at or timezone.now())
    limits = {"per_day": benefit.per_day, "per_year": benefit.per_year, "per_person": benefit.per_person}
    return {k: None if limit is None else max(limit - used[k], 0) for k, limit in limits.items()}


def redemption_remaining(*, redemption: Redemption) -> dict[str, int | None] | None:
    """The holder's uses left of the redeemed benefit now, or None when the holder is unknown."""
    person = redemption.person
    return None if person is None else quota_remaining(benefit=redemption.benefit, person=person)


def quota_exhausted(remaining: dict[str, int | None]) -> str:
    """The reason code of the first exhausted limit, or ''."""
    for key, reason in (("per_day", "quota_day"), ("per_year", "quota_year"), ("per_person", "quota_person")):
        if remaining[key] == 0:
            return reason
    return ""


# --- Who sees what -------------------------------------------------------------------------


def service_point_of(*, user: User | None) -> ServicePoint:
    """The service point a service-point account scans for (none for a system access)."""
    link = (
        ServicePointAccount.objects.select_related("service_point__provider__region")
        .filter(user=user, service_point__is_active=True)
        .first()
        if user is not None and user.role == Role.SERVICE_POINT
        else None
    )
    if link is None:
        raise NotAllowed(_("This account is not attached to a service point."))
    return link.service_point


def provider_of(*, user: User) -> Provider:
    """The provider a provider account manages (the provider of its organisation)."""
    provider = None
    if user.role == Role.BENEFIT_PROVIDER and user.organisation_id:
        provider = (
            Provider.objects.select_related("region").filter(organisation_id=user.organisation_id).first()
        )
    if provider is None:
        raise NotAllowed(_("This account manages no benefit provider."))
    return provider


def is_own_provider(*, user: User, provider: Provider) -> bool:
    """A provider's own account: it describes its benefits and opens its service points."""
    return (
        user.role == Role.BENEFIT_PROVIDER
        and bool(user.organisation_id)
        and user.organisation_id == provider.organisation_id
    )


def may_describe(*, user: User, provider: Provider) -> bool:
    """Who may change a provider's benefit descriptions and service points: the provider itself
    and the office of its city. Who qualifies, quotas and value stay with the office."""
    return permissions.may_manage_region(user, provider.region_id) or is_own_provider(
        user=user, provider=provider
    )


def providers_visible(*, user: User) -> QuerySet[Provider]:
    qs = Provider.objects.select_related("region", "organisation")
    if permissions.sees_providers(user):
        return qs
    if user.role == Role.BENEFIT_PROVIDER:
        return qs.filter(organisation_id=user.organisation_id) if user.organisation_id else qs.none()
    return qs.none()


def provider_get(*, user: User, provider_id: int) -> Provider:
    provider = providers_visible(user=user).filter(pk=provider_id).first()
    if provider is None:
        raise NotFound(_("No such provider."))
    return provider


def catalogue_visible(*, user: User) -> QuerySet[Benefit]:
    """The catalogue: staff and talents see both cities' entries; providers only their own."""
    qs = benefits_with_terms()
    if user.role == Role.BENEFIT_PROVIDER:
        return (
            qs.filter(provider__organisation_id=user.organisation_id) if user.organisation_id else qs.none()
        )
    if user.role == Role.SERVICE_POINT:
        link = ServicePointAccount.objects.filter(user=user).values("service_point__provider_id")
        return qs.filter(provider_id__in=link)
    return qs


def benefit_get(*, user: User, code: str) -> Benefit:
    benefit = catalogue_visible(user=user).filter(code=code).first()
    if benefit is None:
        raise NotFound(_("No such benefit."), code="benefit")
    return benefit


def catalogue_search(
    *, user: User, region_id: int | None = None, kind: str = "", q: str = "", active_only: bool = False
) -> QuerySet[Benefit]:
    qs = catalogue_visible(user=user)
    if region_id:
        qs = qs.filter(provider__region_id=region_id)
    if kind:
        qs = qs.filter(provider__kind=kind)
    if q.strip():
        qs = qs.filter(
            Q(name__icontains=q.strip()) | Q(provider__name__icontains=q.strip()) | Q(code=q.strip())
        )
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def redemptions_visible(*, user: User) -> QuerySet[Redemption]:
    """Redemptions by who recorded them: a city's office sees its providers', a provider its own,
    a service point its own counter's, a talent their own."""
    qs = Redemption.objects.select_related(
        "benefit__provider__region", "service_point", "person", "holder_region"
    )
    if permissions.is_office(user):
        return permissions.office_scope(user, qs, "benefit__provider__region_id")
    if user.role == Role.BENEFIT_PROVIDER:
        return (
            qs.filter(benefit__provider__organisation_id=user.organisation_id)
            if user.organisation_id
            else qs.none()
        )
    if user.role == Role.SERVICE_POINT:
        return qs.filter(service_point__accounts__user=user)
    if user.role == Role.TALENT:
        # Through the golden person: a merge moves the uses and maybe not the account.
        own = person_own(user=user)
        return qs.filter(person=own) if own else qs.none()
    return qs.none()


def redemptions_shown(*, access: Access, redemptions: list[Redemption], what: str) -> list[Redemption]:
    """Record that a page of redemptions (holders' masked names) was shown (PIPL)."""
    persons = sorted({r.person_id for r in redemptions if r.person_id})
    if persons:
        audit_record(
            access=access, action=AuditEvent.Action.READ, object_type="benefits.redemption",
            object_label=f"{what}: {len(redemptions)}",
            detail={"redemptions": [r.pk for r in redemptions], "persons": persons},
        )  # fmt: skip
    return redemptions


def provider_usage(*, access: Access, provider: Provider) -> dict[str, Any]:
    """What a provider's page shows of its use: the latest uses (an audited read) to those who see
    individual uses; to anyone else with the page (the observer) the uses counted by status."""
    user = access.user
    if user is not None and permissions.sees_individual_uses(user):
        uses = list(redemptions_visible(user=user).filter(benefit__provider=provider)[:50])
        redemptions_shown(access=access, redemptions=uses, what="provider usage")
        return {"uses": uses, "totals": []}
    totals = (
        Redemption.objects.filter(benefit__provider=provider)
        .values("status")
        .annotate(uses=Count("id"), value=Sum("value"))
        .order_by("status")
    )
    labels = dict(Redemption.Status.choices)
    return {"uses": [], "totals": [{**row, "label": labels[row["status"]]} for row in totals]}


def conflicts_open(*, user: User) -> QuerySet[Redemption]:
    return (
        redemptions_visible(user=user).filter(status=Redemption.Status.CONFLICT).order_by("scanned_at", "id")
    )


# --- The talent's own view -----------------------------------------------------------------


# On the talent's own page: an eligible benefit with no uses left is used up, not available.
USED_UP: dict[str, Any] = {
    "quota_day": _("Used up for today"),
    "quota_year": _("Used up for this year"),
    "quota_person": _("Used up"),
}


def my_benefits(*, person: Person, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Every active catalogue entry with the person's verdict, uses left and, when a limit is
    reached, why it is used up (the scanner refuses it then), for their own page."""
    on = on or timezone.localdate()
    holder = Holder(person)
    rows: list[dict[str, Any]] = []
    offered = benefits_with_terms().filter(is_active=True, provider__is_active=True)
    for benefit in offered:
        verdict = benefit_eligibility(benefit=benefit, holder=holder, on=on)
        remaining = quota_remaining(benefit=benefit, person=person) if verdict.ok else None
        used_up = USED_UP.get(quota_exhausted(remaining)) if remaining else None
        rows.append({"benefit": benefit, "eligibility": verdict, "remaining": remaining, "used_up": used_up})
    rows.sort(key=lambda row: (not row["eligibility"].ok, row["used_up"] is not None))
    return rows


def benefits_available_today(*, person: Person) -> list[Benefit]:
    """The benefits the person may use today: eligible and with uses left (what a scan would allow)."""
    return [
        benefit
        for benefit in entitled_benefits(person=person)
        if not quota_exhausted(quota_remaining(benefit=benefit, person=person))
    ]


# --- Social-insurance years (社保缴纳年限互认) ---------------------------------------------


def _month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def insurance_months(*, person_id: int) -> dict[str, Any]:
    """Months contributed per city and combined; a month paid in both cities counts once."""
    per_region: dict[str, int] = {}
    covered: set[int] = set()
    records = InsuranceRecord.objects.filter(person_id=person_id).select_related("region")
    for record in records:
        span = range(_month_number(record.first_month), _month_number(record.last_month) + 1)
        per_region[record.region.display_name] = per_region.get(record.region.display_name, 0) + len(span)
        covered.update(span)
    return {"per_region": per_region, "combined": len(covered), "records": list(records)}


def insurance_last_months(*, person_ids: Iterable[int]) -> dict[int, dt.date]:
    """The last month of contributions on record for each person, in either city; persons with no
    record are left out (the market's graduates: still here a year after the hire?)."""
    ids = sorted(set(person_ids))
    found: dict[int, dt.date] = {}
    for start in range(0, len(ids), 5000):  # SQLite's limit on a statement's variables
        rows = (
            InsuranceRecord.objects.filter(person_id__in=ids[start : start + 5000])
            .values("person_id")
            .annotate(last=Max("last_month"))
            .values_list("person_id", "last")
        )
        found.update(rows)
    return found


def person_insurance_years(*, person_id: int) -> Decimal:
    """Combined contribution years in both cities, months counted once (two decimals, rounded down)."""
    return _years(insurance_months(person_id=person_id)["combined"])


def _years(months: int) -> Decimal:
    return (Decimal(months) / 12).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


@dataclass(frozen=True, slots=True)
class InsuranceSummary:
    person_id: int
    per_region: dict[str, int]
    combined_months: int
    years: Decimal


def insurance_summary(*, person_id: int) -> InsuranceSummary:
    """Months per city, combined months and combined years of one person (their records read once)."""
    months = insurance_months(person_id=person_id)
    return InsuranceSummary(
        person_id=person_id, per_region=months["per_region"], combined_months=months["combined"],
        years=_years(months["combined"]),
    )  # fmt: skip


def person_insurance_read(*, access: Access, person_id: int) -> dict[str, Any]:
    """A person's contribution records and combined years for staff of a city that may read them."""
    from talentlink.registry.selectors import person_get

    person = person_get(access=access, person_id=person_id)  # audited, refuses others' persons
    summary = insurance_months(person_id=person.pk)
    audit_record(
        access=access, action=AuditEvent.Action.READ, object_type="benefits.insurancerecord",
        object_id=person.pk, object_label=person.name, object_region=person.home_region.code,
    )  # fmt: skip
    return {"person": person, **summary, "years": person_insurance_years(person_id=person.pk)}


# --- Usage statistics and settlement (互惠账本) ------------------------------------------------


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local start of the month and of the next month."""
    first = month.replace(day=1)
    start, following = (dt.datetime.combine(day, dt.time()) for day in (first, next_month(first)))
    return timezone.make_aware(start), timezone.make_aware(following)


def _counted() -> QuerySet[Redemption]:
    # Open conflicts and voided uses do not count until staff honour them.
    return Redemption.objects.filter(status=Redemption.Status.RECORDED)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def settlement_period(*, month: dt.date) -> SettlementPeriod | None:
    """The month's close, if it has been closed."""
    return SettlementPeriod.objects.filter(month=month).select_related("closed_by").first()


def statement_uses(*, month: dt.date) -> QuerySet[Redemption]:
    """The counted uses the month's statement holds.

    A closed month holds what its close settled, for good. An open month holds its own unsettled
    uses, and, if it is the month after the last one closed, the uses recorded late for closed
    months: what closing it would settle.
    """
    period = settlement_period(month=month)
    if period is not None:
        return _counted().filter(settled_in=period)
    start, end = month_bounds(month)
    unsettled = _counted().filter(settled_in__isnull=True, scanned_at__lt=end)
    last = SettlementPeriod.objects.aggregate(last=Max("month"))["last"]
    if last is not None and month == next_month(last):
        return unsettled
    return unsettled.filter(scanned_at__gte=start)


def conflicts_open_before(*, end: dt.datetime) -> QuerySet[Redemption]:
    """Conflicts staff have not decided, scanned before ``end``: honoured after a close, they
    settle in a later month."""
    return Redemption.objects.filter(status=Redemption.Status.CONFLICT, scanned_at__lt=end)


def settlement_lines(
    *, month: dt.date, region_id: int | None = None, provider_id: int | None = None
) -> list[Mapping[str, Any]]:
    """Per provider, benefit and holders' city: the uses in the month's statement and the value
    granted, adjustments for earlier months on lines of their own."""
    start, _end = month_bounds(month)
    # Uses scanned before the month are adjustments for a month already closed.
    late = When(scanned_at__lt=start, then=Value(True))
    qs = statement_uses(month=month).annotate(
        adjustment=Case(late, default=Value(False), output_field=BooleanField())
    )
    if region_id:
        qs = qs.filter(benefit__provider__region_id=region_id)
    if provider_id:
        qs = qs.filter(benefit__provider_id=provider_id)
    return list(
        qs.values(
            "benefit__provider_id", "benefit__provider__name", "benefit__provider__region__name",
            "benefit__code", "benefit__name", "holder_region__name", "holder_region_id",
            "benefit__provider__region_id", "adjustment",
        )
        .annotate(uses=Count("id"), value=Sum("value"))
        .order_by("benefit__provider__region__position", "benefit__provider__name", "benefit__code",
                  "adjustment", "holder_region__position")
    )  # fmt: skip


def settlement_ledger(*, month: dt.date) -> list[dict[str, Any]]:
    """Between the cities: whose talents used whose providers' benefits, uses and value, in the
    month's statement."""
    rows = (
        statement_uses(month=month)
        .values("benefit__provider__region__name", "holder_region__name", "benefit__provider__region_id",
                "holder_region_id")
        .annotate(uses=Count("id"), value=Sum("value"))
        .order_by("benefit__provider__region__position", "holder_region__position")
    )  # fmt: skip
    return [
        {**row, "cross_city": row["benefit__provider__region_id"] != row["holder_region_id"]} for row in rows
    ]


def settlement_balance(*, ledger: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per city: value its providers granted to other cities' talents, value its talents received
    elsewhere, and the balance (positive: the other cities owe it)."""
    cities: dict[str, dict[str, Any]] = {}
    for row in ledger:
        if not row["cross_city"]:
            continue
        host, guest = row["benefit__provider__region__name"], row["holder_region__name"]
        cities.setdefault(host, {"city": host, "granted": Decimal(0), "received": Decimal(0)})
        cities.setdefault(guest, {"city": guest, "granted": Decimal(0), "received": Decimal(0)})
        cities[host]["granted"] += row["value"] or 0
        cities[guest]["received"] += row["value"] or 0
    return [{**c, "balance": c["granted"] - c["received"]} for c in cities.values()]


def usage_by_month(*, user: User, months: int = 12) -> list[Mapping[str, Any]]:
    """Uses per month and holders' city over the last months, for the user's scope."""
    since = timezone.localdate().replace(day=1)
    for _step in range(months - 1):
        since = (since - dt.timedelta(days=1)).replace(day=1)
    start, _end = month_bounds(since)
    return list(
        _usage_scope(user)
        .filter(scanned_at__gte=start)
        .annotate(month=TruncMonth("scanned_at"))
        .values("month", "holder_region__name")
        .annotate(uses=Count("id"), value=Sum("value"))
        .order_by("month", "holder_region__position")
    )


def usage_by_kind(*, user: User) -> list[Mapping[str, Any]]:
    """Uses and value per kind of provider and provider city, for the user's scope."""
    return list(
        _usage_scope(user)
        .values("benefit__provider__kind", "benefit__provider__region__name")
        .annotate(uses=Count("id"), value=Sum("value"))
        .order_by("benefit__provider__kind", "benefit__provider__region__position")
    )


def usage_top_benefits(*, user: User, limit: int = 10) -> list[Mapping[str, Any]]:
    return list(
        _usage_scope(user)
        .values("benefit__code", "benefit__name", "benefit__provider__name")
        .annotate(uses=Count("id"), value=Sum("value"))
        .order_by("-uses", "benefit__code")[:limit]
    )


def _usage_scope(user: User) -> QuerySet[Redemption]:
    # Aggregates only: observers and both cities' offices see the whole picture; providers their own.
    qs = _counted()
    if permissions.sees_providers(user):
        return qs
    if user.role == Role.BENEFIT_PROVIDER:
        organisation_id = user.organisation_id
        return qs.filter(benefit__provider__organisation_id=organisation_id) if organisation_id else qs.none()
    raise NotAllowed(_("Usage statistics are for talent offices, observers and providers."))


def regions() -> QuerySet[Region]:
    return Region.objects.filter(is_active=True)


def terms_summary(benefit: Benefit) -> str:
    """The terms in one line for counters and lists: grant, limits, validity."""
    parts = [str(benefit.get_grant_display())]
    if benefit.discount_percent:
        parts[0] = str(_("%(pct)s%% off") % {"pct": benefit.discount_percent})
    limits = (
        (benefit.per_day, _("%(n)s a day")),
        (benefit.per_year, _("%(n)s a year")),
        (benefit.per_person, _("%(n)s in all")),
    )
    parts += [str(text % {"n": n}) for n, text in limits if n]
    if benefit.valid_until:
        parts.append(str(_("until %(day)s") % {"day": benefit.valid_until.isoformat()}))
    return " · ".join(parts)


def settlement_scope(*, user: User) -> int | None:
    """Statements hold counts and values, no persons: both cities' offices and observers read every
    provider's; a provider reads its own (returns its id)."""
    if permissions.sees_providers(user):
        return None
    if user.role == Role.BENEFIT_PROVIDER:
        return provider_of(user=user).pk
    raise NotAllowed(_("Settlement statements are for talent offices, observers and providers."))


SETTLEMENT_HEADERS = (
    "月份 Month", "服务商所在城市 Provider's city", "服务商 Provider", "待遇代码 Benefit code",
    "待遇 Benefit", "人才所属城市 Holders' city", "使用次数 Uses", "优惠金额(元) Value (yuan)",
    "补记 Adjustment for earlier months",
)  # fmt: skip


def settlement_rows(*, user: User, month: dt.date, provider_id: int | None = None) -> list[tuple[Any, ...]]:
    """The statement's rows under SETTLEMENT_HEADERS, with a total row at the end."""
    own = settlement_scope(user=user)
    if own is not None:
        provider_id = own
    lines = settlement_lines(month=month, provider_id=provider_id)
    label = f"{month:%Y-%m}"
    rows: list[tuple[Any, ...]] = [
        (label, line["benefit__provider__region__name"], line["benefit__provider__name"],
         line["benefit__code"], line["benefit__name"], line["holder_region__name"], line["uses"],
         float(line["value"] or 0), "是 yes" if line["adjustment"] else "")
        for line in lines
    ]  # fmt: skip
    total_uses = sum(line["uses"] for line in lines)
    total_value = sum((line["value"] or Decimal(0)) for line in lines)
    closed = settlement_period(month=month) is not None
    status = "已结账 closed" if closed else "未结账，数字仍会变化 open: figures may still change"
    rows.append((label, "", "", "", "合计 Total", "", total_uses, float(total_value), status))
    return rows
