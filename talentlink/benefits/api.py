"""JSON API of the benefits; the pages call the same services and selectors.

The service-point endpoints (``service-points/mine``, ``redemptions/check``, ``redemptions``,
``redemptions/sync``) are the contract with the scanning page of the talent code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from talentlink.benefits import imports, selectors, services
from talentlink.benefits.models import (
    Benefit,
    InsuranceImport,
    Provider,
    Redemption,
    ServicePoint,
    SettlementPeriod,
)
from talentlink.benefits.schemas import (
    AccountIn,
    AccountOut,
    BenefitCreateIn,
    BenefitOut,
    BenefitTermsIn,
    CheckIn,
    CheckOut,
    EntitlementOut,
    InsuranceImportOut,
    InsuranceImportRejectedOut,
    InsuranceOut,
    ProviderIn,
    ProviderOut,
    ProviderPatch,
    RedemptionIn,
    RedemptionOut,
    RedemptionResultOut,
    ResolveIn,
    ServicePointIn,
    ServicePointMineOut,
    ServicePointOut,
    SettlementOut,
    SettlementPeriodOut,
    SyncIn,
    SyncOut,
    UsageOut,
)
from talentlink.core import permissions
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed, NotFound
from talentlink.core.exports import xlsx_response
from talentlink.core.http import AuthedRequest
from talentlink.core.models import Region, User
from talentlink.core.schemas import MONTH_PATTERN, SLUG_PATTERN, Page
from talentlink.core.tabular import ERROR_REPORT_HEADERS
from talentlink.registry.models import Person, TalentCategory, Tier
from talentlink.registry.selectors import person_own

router = Router(tags=["benefits"])
# Endpoints anyone may call (no login): the catalogue as the public sees it.
public_router = Router(tags=["benefits (public)"])


# --- Service points (the scanning page's contract) ---------------------------------------


@router.get("/service-points/mine", response=ServicePointMineOut)
def service_point_mine(request: AuthedRequest) -> ServicePoint:
    return selectors.service_point_of(user=request.user)


@router.post("/redemptions/check", response=CheckOut)
def redemption_check(request: AuthedRequest, body: CheckIn) -> dict[str, Any]:
    result = services.redemption_check(
        access=Access.from_request(request), qr=body.code, benefit_code=body.benefit
    )
    return asdict(result)


def _scan(item: Any) -> services.Scan:
    return services.Scan(
        client_id=item.client_id, qr=item.code, benefit_code=item.benefit,
        scanned_at=item.scanned_at, offline=item.offline,
    )  # fmt: skip


@router.post("/redemptions", response={200: RedemptionResultOut, 201: RedemptionResultOut})
def redemption_create(request: AuthedRequest, body: RedemptionIn) -> Status[dict[str, Any]]:
    redemption, created = services.redemption_record(access=Access.from_request(request), scan=_scan(body))
    remaining = selectors.redemption_remaining(redemption=redemption)
    return Status(201 if created else 200, {**services.redemption_result(redemption), "remaining": remaining})


@router.post("/redemptions/sync", response=SyncOut)
def redemption_sync(request: AuthedRequest, body: SyncIn) -> dict[str, Any]:
    results = services.redemptions_sync(
        access=Access.from_request(request), scans=[_scan(i) for i in body.items]
    )
    return {"results": results}


# --- Redemptions and conflicts ---------------------------------------------------------------


@router.get("/redemptions", response=list[RedemptionOut])
def redemption_list(request: AuthedRequest, page: Query[Page], status: str = "") -> list[Redemption]:
    qs = selectors.redemptions_visible(user=request.user)
    if status:
        qs = qs.filter(status=status)
    shown = list(page.of(qs))
    selectors.redemptions_shown(access=Access.from_request(request), redemptions=shown, what="api list")
    return shown


@router.get("/conflicts", response=list[RedemptionOut])
def conflict_list(request: AuthedRequest, page: Query[Page]) -> list[Redemption]:
    if not permissions.is_office(request.user):
        raise NotAllowed(_("Conflicts are decided by talent office staff."))
    shown = list(page.of(selectors.conflicts_open(user=request.user)))
    selectors.redemptions_shown(access=Access.from_request(request), redemptions=shown, what="conflicts")
    return shown


@router.post("/redemptions/{redemption_id}/resolve", response=RedemptionOut)
def conflict_resolve(request: AuthedRequest, redemption_id: int, body: ResolveIn) -> Redemption:
    redemption = selectors.redemptions_visible(user=request.user).filter(pk=redemption_id).first()
    if redemption is None:
        raise NotFound(_("No such redemption."))
    decided = services.conflict_resolve(
        access=Access.from_request(request), redemption=redemption, honour=body.honour, note=body.note
    )
    return selectors.redemptions_visible(user=request.user).get(pk=decided.pk)


# --- The catalogue -------------------------------------------------------------------------


@public_router.get("/catalogue", response=list[BenefitOut])
def public_catalogue(request: HttpRequest, region: str = "", kind: str = "") -> QuerySet[Benefit]:
    qs = selectors.benefits_with_terms().filter(is_active=True, provider__is_active=True)
    if region:
        qs = qs.filter(provider__region__code=region)
    if kind:
        qs = qs.filter(provider__kind=kind)
    return qs


@router.get("/catalogue", response=list[BenefitOut])
def catalogue(request: AuthedRequest, region: str = "", kind: str = "", q: str = "") -> QuerySet[Benefit]:
    region_id = Region.objects.filter(code=region).values_list("pk", flat=True).first() if region else None
    return selectors.catalogue_search(user=request.user, region_id=region_id, kind=kind, q=q)


@router.get("/catalogue/{code}", response=BenefitOut)
def catalogue_entry(request: AuthedRequest, code: str = Path(..., pattern=SLUG_PATTERN)) -> Benefit:
    return selectors.benefit_get(user=request.user, code=code)


def _resolve(codes: list[str], model: Any, field: str, label: str) -> list[Any]:
    found = {getattr(obj, field): obj for obj in model.objects.filter(**{f"{field}__in": codes})}
    missing = [c for c in codes if c not in found]
    if missing:
        raise DomainError(_("Unknown %(what)s: %(codes)s") % {"what": label, "codes": ", ".join(missing)},
                          code="unknown_code", field=label)  # fmt: skip
    return [found[c] for c in codes]


def _tiers(codes: list[str]) -> list[Tier]:
    tiers = []
    for text in codes:
        region, _sep, code = text.partition(":")
        tier = Tier.objects.filter(region__code=region, code=code).first()
        if tier is None:
            raise DomainError(
                _("Unknown tier: %(code)s") % {"code": text}, code="unknown_code", field="tiers"
            )
        tiers.append(tier)
    return tiers


def _terms(body: BenefitTermsIn) -> dict[str, Any]:
    fields = body.dict(exclude_unset=True)
    fields.pop("provider_id", None)
    if "holder_regions" in fields:
        fields["holder_regions"] = _resolve(fields["holder_regions"] or [], Region, "code", "holder_regions")
    if "categories" in fields:
        fields["categories"] = _resolve(fields["categories"] or [], TalentCategory, "code", "categories")
    if "tiers" in fields:
        fields["tiers"] = _tiers(fields["tiers"] or [])
    return fields


@router.post("/catalogue", response={201: BenefitOut})
def catalogue_create(request: AuthedRequest, body: BenefitCreateIn) -> Status[Benefit]:
    provider = selectors.provider_get(user=request.user, provider_id=body.provider_id)
    benefit = services.benefit_create(access=Access.from_request(request), provider=provider, **_terms(body))
    return Status(201, selectors.benefits_with_terms().get(pk=benefit.pk))


@router.patch("/catalogue/{code}", response=BenefitOut)
def catalogue_update(
    request: AuthedRequest, body: BenefitTermsIn, code: str = Path(..., pattern=SLUG_PATTERN)
) -> Benefit:
    benefit = selectors.benefit_get(user=request.user, code=code)
    services.benefit_update(access=Access.from_request(request), benefit=benefit, **_terms(body))
    return selectors.benefits_with_terms().get(pk=benefit.pk)


# --- Providers, service points, accounts ---------------------------------------------------


@router.get("/providers", response=list[ProviderOut])
def provider_list(request: AuthedRequest) -> QuerySet[Provider]:
    return selectors.providers_visible(user=request.user)


@router.post("/providers", response={201: ProviderOut})
def provider_create(request: AuthedRequest, body: ProviderIn) -> Status[Provider]:
    region = request.user.region
    if region is None:
        raise NotAllowed(_("Only the talent office of this city may do this."))
    provider = services.provider_create(access=Access.from_request(request), region=region, **body.dict())
    return Status(201, provider)


@router.get("/providers/{provider_id}", response=ProviderOut)
def provider_detail(request: AuthedRequest, provider_id: int) -> Provider:
    return selectors.provider_get(user=request.user, provider_id=provider_id)


@router.patch("/providers/{provider_id}", response=ProviderOut)
def provider_update(request: AuthedRequest, provider_id: int, body: ProviderPatch) -> Provider:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    changes = body.dict(exclude_unset=True)
    return services.provider_update(access=Access.from_request(request), provider=provider, **changes)


@router.get("/providers/{provider_id}/service-points", response=list[ServicePointOut])
def service_point_list(request: AuthedRequest, provider_id: int) -> QuerySet[ServicePoint]:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    return provider.service_points.prefetch_related("accounts__user")


@router.post("/providers/{provider_id}/service-points", response={201: ServicePointOut})
def service_point_create(
    request: AuthedRequest, provider_id: int, body: ServicePointIn
) -> Status[ServicePoint]:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    point = services.service_point_create(
        access=Access.from_request(request), provider=provider, **body.dict()
    )
    return Status(201, point)


@router.post("/service-points/{point_id}/accounts", response={201: AccountOut})
def service_point_account_create(request: AuthedRequest, point_id: int, body: AccountIn) -> Status[User]:
    point = (
        ServicePoint.objects.select_related("provider__region", "provider__organisation")
        .filter(pk=point_id)
        .first()
    )
    if point is None:
        raise NotFound(_("No such service point."))
    user = services.service_point_account_create(
        access=Access.from_request(request), service_point=point, **body.dict()
    )
    return Status(201, user)


@router.post("/providers/{provider_id}/accounts", response={201: AccountOut})
def provider_account_create(request: AuthedRequest, provider_id: int, body: AccountIn) -> Status[User]:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    user = services.provider_account_create(
        access=Access.from_request(request), provider=provider, **body.dict()
    )
    return Status(201, user)


# --- The talent's own ------------------------------------------------------------------------


def _my_person(request: AuthedRequest) -> Person:
    person = person_own(user=request.user)
    if person is None:
        raise NotFound(_("Your account is not linked to a talent record yet."), code="no_person")
    return person


@router.get("/me/entitlements", response=list[EntitlementOut])
def my_entitlements(request: AuthedRequest) -> list[dict[str, Any]]:
    rows = selectors.my_benefits(person=_my_person(request))
    return [
        {
            "code": r["benefit"].code, "name": r["benefit"].display_name,
            "provider": r["benefit"].provider.display_name, "region": r["benefit"].provider.region.code,
            "terms_summary": selectors.terms_summary(r["benefit"]), "eligible": r["eligibility"].ok,
            "reason": r["eligibility"].reason, "message": r["eligibility"].message,
            "remaining": r["remaining"],
        }
        for r in rows
    ]  # fmt: skip


@router.get("/me/redemptions", response=list[RedemptionOut])
def my_redemptions(request: AuthedRequest, page: Query[Page]) -> QuerySet[Redemption]:
    _my_person(request)
    return page.of(selectors.redemptions_visible(user=request.user))


@router.get("/me/insurance", response=InsuranceOut)
def my_insurance(request: AuthedRequest) -> selectors.InsuranceSummary:
    return selectors.insurance_summary(person_id=_my_person(request).pk)


# --- Social-insurance years ------------------------------------------------------------------


@router.post("/insurance/imports", response={201: InsuranceImportOut, 400: InsuranceImportRejectedOut})
def insurance_import(
    request: AuthedRequest, file: File[UploadedFile], region: Form[str] = ""
) -> Status[InsuranceImport] | Status[dict[str, Any]]:
    """Import a file whole (201) or not at all: a file with row errors is kept, refused (400) and
    reported in ``rejected``."""
    target = Region.objects.filter(code=region).first() if region else request.user.region
    if target is None:
        raise DomainError(_("Choose the city whose records these are."), code="region", field="region")
    batch = imports.insurance_import(access=Access.from_request(request), region=target, upload=file)
    if batch.status == InsuranceImport.Status.SUCCEEDED:
        return Status(201, batch)
    return Status(400, {"code": "file_rejected", "message": batch.get_status_display(), "field": "file",
                        "rejected": batch})  # fmt: skip


def _import_of(request: AuthedRequest, batch_id: int) -> InsuranceImport:
    batch = InsuranceImport.objects.select_related("region").filter(pk=batch_id).first()
    if batch is None or not permissions.may_manage_region(request.user, batch.region_id):
        raise NotFound(_("No such import."))
    return batch


@router.get("/insurance/imports/{batch_id}/errors.xlsx")
def insurance_errors_xlsx(request: AuthedRequest, batch_id: int) -> FileResponse:
    batch = _import_of(request, batch_id)
    return xlsx_response(
        filename=f"insurance-{batch.pk}-errors.xlsx", sheet="errors", headers=ERROR_REPORT_HEADERS,
        rows=imports.import_error_rows(batch=batch),
    )  # fmt: skip


@router.get("/insurance/persons/{person_id}", response=InsuranceOut)
def person_insurance(request: AuthedRequest, person_id: int) -> selectors.InsuranceSummary:
    read = selectors.person_insurance_read(access=Access.from_request(request), person_id=person_id)
    return selectors.insurance_summary(person_id=read["person"].pk)


# --- Usage and settlement ----------------------------------------------------------------------


@router.get("/statistics", response=UsageOut)
def statistics(request: AuthedRequest, months: int = 12) -> dict[str, Any]:
    user = request.user
    by_month = selectors.usage_by_month(user=user, months=min(max(months, 1), 36))
    return {
        "by_month": [{**row, "month": f"{row['month']:%Y-%m}"} for row in by_month],
        "by_kind": selectors.usage_by_kind(user=user), "top": selectors.usage_top_benefits(user=user),
    }  # fmt: skip


def parse_month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise DomainError(_("Give the month as YYYY-MM."), code="month", field="month") from None


@router.get("/settlement", response=SettlementOut)
def settlement(request: AuthedRequest, month: str, provider: int | None = None) -> dict[str, Any]:
    day = parse_month(month)
    own = selectors.settlement_scope(user=request.user)
    ledger = selectors.settlement_ledger(month=day) if own is None else []
    lines = selectors.settlement_lines(month=day, provider_id=own or provider)
    period = selectors.settlement_period(month=day)
    return {
        "month": month,
        "closed": _period(period) if period else None,
        "ledger": ledger,
        "balance": selectors.settlement_balance(ledger=ledger),
        "lines": lines,
    }


def _period(period: SettlementPeriod) -> dict[str, Any]:
    closer = period.closed_by
    return {
        "month": f"{period.month:%Y-%m}", "closed_at": period.closed_at, "uses": period.uses,
        "value": period.value, "closed_by": closer.get_full_name() or closer.username if closer else "",
    }  # fmt: skip


@router.post("/settlement/{month}/close", response=SettlementPeriodOut)
def settlement_close(request: AuthedRequest, month: str = Path(..., pattern=MONTH_PATTERN)) -> dict[str, Any]:
    """Close a month that has ended: settle its uses and freeze its statement (talent offices)."""
    period = services.settlement_close(access=Access.from_request(request), month=parse_month(month))
    return _period(period)


@router.get("/settlement.xlsx")
def settlement_xlsx(request: AuthedRequest, month: str, provider: int | None = None) -> FileResponse:
    day = parse_month(month)
    rows = selectors.settlement_rows(user=request.user, month=day, provider_id=provider)
    suffix = f"-{provider}" if provider else ""
    return xlsx_response(
        filename=f"settlement-{month}{suffix}.xlsx",
        sheet=f"{month}",
        headers=selectors.SETTLEMENT_HEADERS,
        rows=rows,
    )
