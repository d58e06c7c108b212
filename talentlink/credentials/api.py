"""JSON API of the credential recognition; the pages call the same services and selectors."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from talentlink.core import permissions
from talentlink.core.audit import Access
from talentlink.core.errors import NotAllowed
from talentlink.core.exports import xlsx_response
from talentlink.core.http import AuthedRequest
from talentlink.core.schemas import Page, ReportPage, RowErrorOut
from talentlink.core.selectors import region_get
from talentlink.core.tabular import ERROR_REPORT_HEADERS, error_report_dicts
from talentlink.credentials import imports, selectors, services
from talentlink.credentials.models import (
    Application,
    CertificateKind,
    Equivalence,
    IssuingAuthority,
    Notification,
    RegistryImport,
)
from talentlink.credentials.schemas import (
    ApplicationDecisionIn,
    ApplicationOut,
    AuthorityOut,
    CertificateVerifyIn,
    EquivalenceOut,
    KindOut,
    LevelsOut,
    NotificationOut,
    NotificationsReadOut,
    RegistryImportOut,
    ReviewCountsOut,
    StatRowOut,
    VerifyOut,
)

router = Router(tags=["credentials"])
# Endpoints anyone may call (no login), e.g. public verification.
public_router = Router(tags=["credentials (public)"])


# --- Catalogue --------------------------------------------------------------------------------


@router.get("/kinds", response=list[KindOut])
def kinds(request: AuthedRequest) -> QuerySet[CertificateKind]:
    return CertificateKind.objects.filter(is_active=True).select_related("series")


@router.get("/authorities", response=list[AuthorityOut])
def authorities(request: AuthedRequest) -> QuerySet[IssuingAuthority]:
    return IssuingAuthority.objects.select_related("region")


@router.get("/equivalences", response=list[EquivalenceOut])
def equivalences(request: AuthedRequest) -> QuerySet[Equivalence]:
    return Equivalence.objects.all()


@router.get("/persons/{person_id}/levels", response=LevelsOut)
def person_levels(request: AuthedRequest, person_id: int, purpose: str | None = None) -> dict[str, Any]:
    """The levels a person counts as (for staff of a city that may read the person, and the person)."""
    from talentlink.registry.selectors import person_get

    person_get(access=Access.from_request(request), person_id=person_id)
    levels = selectors.person_credential_levels(person_id=person_id, purpose=purpose)
    return {"person_id": person_id, "purpose": purpose, "levels": sorted(levels)}


# --- Applications ----------------------------------------------------------------------------


# ``scan: File[UploadedFile | None] = None`` is None when the form leaves the file out; typed without
# ``| None`` because ninja then declares the field "file or null" in OpenAPI, which a multipart form
# cannot send (the services take ``UploadedFile | None``).
@router.post("/applications", response={201: ApplicationOut})
def application_create(
    request: AuthedRequest, kind: Form[str], certificate_number: Form[str], holder_name: Form[str],
    id_number: Form[str], issued_on: Form[dt.date], authority: Form[str], target_region: Form[str],
    note: Form[str] = "", scan: File[UploadedFile | None] = None,
) -> Status[Application]:  # fmt: skip
    application = services.application_submit(
        access=Access.from_request(request), kind_code=kind, certificate_number=certificate_number,
        holder_name=holder_name, id_number=id_number, issued_on=issued_on, authority_code=authority,
        target_region=region_get(code=target_region), scan=scan, note=note,
    )  # fmt: skip
    return Status(201, application)


@router.get("/applications", response=list[ApplicationOut])
def application_list(request: AuthedRequest, page: Query[Page], status: str = "") -> list[Application]:
    qs = selectors.applications_visible(user=request.user).prefetch_related("recognition__scopes__region")
    if status:
        qs = qs.filter(status=status)
    shown = list(page.of(qs))
    selectors.applications_shown(access=Access.from_request(request), applications=shown, what="api list")
    return shown


@router.get("/applications/{application_id}", response=ApplicationOut)
def application_detail(request: AuthedRequest, application_id: int) -> Application:
    return selectors.application_get(access=Access.from_request(request), application_id=application_id)


@router.get("/applications/{application_id}/scan")
def application_scan(request: AuthedRequest, application_id: int) -> FileResponse:
    access = Access.from_request(request)
    application = selectors.application_get(access=access, application_id=application_id)
    scan = selectors.application_scan(access=access, application=application)
    return FileResponse(scan.open("rb"), filename=scan.name.rsplit("/", 1)[-1])


@router.post("/applications/{application_id}/decision", response=ApplicationOut)
def application_decide(
    request: AuthedRequest, application_id: int, body: ApplicationDecisionIn
) -> Application:
    access = Access.from_request(request)
    application = selectors.application_get(access=access, application_id=application_id)
    return services.application_decide(
        access=access, application=application, decision=body.decision, reason=body.reason
    )


@router.post("/applications/{application_id}/supplement", response=ApplicationOut)
def application_supplement(
    request: AuthedRequest, application_id: int, note: Form[str] = "", scan: File[UploadedFile | None] = None
) -> Application:
    access = Access.from_request(request)
    application = selectors.application_get(access=access, application_id=application_id)
    return services.application_supplement(access=access, application=application, note=note, scan=scan)


@router.get("/review-queue", response=list[ApplicationOut])
def review_queue(request: AuthedRequest, page: Query[Page]) -> list[Application]:
    if not permissions.is_hr_reviewer(request.user):
        raise NotAllowed(_("The review queue is for HR bureau reviewers."))
    shown = list(page.of(selectors.review_queue(user=request.user)))
    selectors.applications_shown(access=Access.from_request(request), applications=shown, what="api queue")
    return shown


@router.get("/review-queue/counts", response=ReviewCountsOut)
def review_counts(request: AuthedRequest) -> dict[str, int]:
    return selectors.review_counts(user=request.user)


# --- The province's certificate list --------------------------------------------------------------


@router.post("/registry/imports", response={201: RegistryImportOut})
def registry_import_create(request: AuthedRequest, file: File[UploadedFile]) -> Status[RegistryImport]:
    return Status(201, imports.registry_list_import(access=Access.from_request(request), upload=file))


@router.get("/registry/imports", response=list[RegistryImportOut])
def registry_import_list(request: AuthedRequest, page: Query[Page]) -> QuerySet[RegistryImport]:
    return page.of(selectors.registry_imports_visible(user=request.user))


@router.get("/registry/imports/{import_id}/errors", response=list[RowErrorOut])
def registry_import_errors(
    request: AuthedRequest, import_id: int, page: Query[ReportPage]
) -> list[dict[str, Any]]:
    batch = selectors.registry_import_get(user=request.user, import_id=import_id)
    rows = selectors.registry_import_error_rows(batch=batch)
    return error_report_dicts(itertools.islice(rows, page.offset, page.offset + page.limit))


@router.get("/registry/imports/{import_id}/errors.xlsx")
def registry_import_errors_xlsx(request: AuthedRequest, import_id: int) -> FileResponse:
    batch = selectors.registry_import_get(user=request.user, import_id=import_id)
    return xlsx_response(
        filename=f"certificate-list-{batch.pk}-errors.xlsx", sheet="errors",
        headers=ERROR_REPORT_HEADERS, rows=selectors.registry_import_error_rows(batch=batch),
    )  # fmt: skip


# --- Statistics and messages -----------------------------------------------------------------------


@router.get("/statistics", response=list[StatRowOut])
def statistics(
    request: AuthedRequest, region: str = "", family: str = "", year: int | None = Query(None, ge=1, le=9999)
) -> list[selectors.StatRow]:
    return selectors.recognition_statistics(
        user=request.user, region_id=region_get(code=region).pk if region else None, family=family, year=year
    )


@router.get("/notifications", response=list[NotificationOut])
def notifications(request: AuthedRequest, page: Query[Page], unread: bool = False) -> QuerySet[Notification]:
    qs = selectors.notifications_of(user=request.user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return page.of(qs)


@router.post("/notifications/read-all", response=NotificationsReadOut)
def notifications_read_all(request: AuthedRequest) -> dict[str, int]:
    """Mark every unread notification of the caller read."""
    return {"read": services.notifications_read_all(user=request.user)}


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def notification_read(request: AuthedRequest, notification_id: int) -> Notification:
    return services.notification_read(user=request.user, notification_id=notification_id)


# --- Public verification ------------------------------------------------------------------------------


@public_router.post("/verify", response=VerifyOut)
def verify(request: HttpRequest, body: CertificateVerifyIn) -> dict[str, Any]:
    """Whether a certificate is recognised, in which cities, since when, at which level; rate-limited."""
    selectors.rate_limit_check(scope="verify", ip=Access.from_request(request).ip_address)
    found = selectors.public_verify(certificate_number=body.certificate_number, holder_name=body.holder_name)
    return {
        "recognised": any(v.status == "active" for v in found),
        "certificates": [
            {"kind": v.kind, "series": v.series, "level": v.level, "status": v.status,
             "recognised_on": v.recognised_on, "revoked_on": v.revoked_on,
             "cities": [{"city": c, "since": s} for c, s in v.cities]}
            for v in found
        ],
    }  # fmt: skip
