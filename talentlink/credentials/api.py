"""JSON API of the credential recognition; the pages call the same services and selectors."""

from __future__ import annotations

import datetime as dt
import itertools

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from talentlink.core import permissions
from talentlink.core.audit import Access
from talentlink.core.errors import NotAllowed
from talentlink.core.exports import xlsx_response
from talentlink.core.schemas import Page, ReportPage, RowErrorOut
from talentlink.core.selectors import region_get
from talentlink.core.tabular import ERROR_REPORT_HEADERS, error_report_dicts
from talentlink.credentials import imports, selectors, services
from talentlink.credentials.models import (
    Application,
    CertificateKind,
    Equivalence,
    IssuingAuthority,
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
def kinds(request: HttpRequest):
    return [
        {"code": k.code, "family": k.series.family, "series": k.series.code, "series_name": k.series.name,
         "level": k.level, "name": k.name, "name_en": k.name_en}
        for k in CertificateKind.objects.filter(is_active=True).select_related("series")
    ]  # fmt: skip


@router.get("/authorities", response=list[AuthorityOut])
def authorities(request: HttpRequest):
    return [
        {"code": a.code, "name": a.name, "name_en": a.name_en, "region": a.region.code if a.region else None}
        for a in IssuingAuthority.objects.select_related("region")
    ]


@router.get("/equivalences", response=list[EquivalenceOut])
def equivalences(request: HttpRequest):
    return Equivalence.objects.all()


@router.get("/persons/{person_id}/levels", response=LevelsOut)
def person_levels(request: HttpRequest, person_id: int, purpose: str | None = None):
    """The levels a person counts as (for staff of a city that may read the person, and the person)."""
    from talentlink.registry.selectors import person_get

    person_get(access=Access.from_request(request), person_id=person_id)
    levels = selectors.person_credential_levels(person_id=person_id, purpose=purpose)
    return {"person_id": person_id, "purpose": purpose, "levels": sorted(levels)}


# --- Applications ----------------------------------------------------------------------------


def application_out(a: Application) -> dict:
    recognition = getattr(a, "recognition", None)
    return {
        "id": a.pk, "person_id": a.person_id, "holder_name": a.holder_name, "id_number": a.id_number_masked,
        "kind": a.kind.code, "level": a.kind.level, "certificate_number": a.certificate_number,
        "issued_on": a.issued_on, "authority": a.authority.code, "target_region": a.target_region.code,
        "status": a.status, "route": a.route, "refusal_reasons": a.refusal_reasons,
        "refusal_messages": [str(services.REFUSAL_REASONS[r]) for r in a.refusal_reasons],
        "registry_evidence": a.registry_evidence, "has_scan": bool(a.scan), "submitted_at": a.submitted_at,
        "due_on": a.due_on, "overdue": selectors.is_overdue(a), "decided_at": a.decided_at,
        "decision_note": a.decision_note,
        "recognition": {
            "status": recognition.status, "recognised_at": recognition.recognised_at,
            "revoked_at": recognition.revoked_at,
            "cities": {s.region.code: s.since for s in recognition.scopes.all()},
        } if recognition else None,
    }  # fmt: skip


@router.post("/applications", response={201: ApplicationOut})
def application_create(
    request: HttpRequest, kind: Form[str], certificate_number: Form[str], holder_name: Form[str],
    id_number: Form[str], issued_on: Form[dt.date], authority: Form[str], target_region: Form[str],
    note: Form[str] = "", scan: File[UploadedFile] = None,
):  # fmt: skip
    application = services.application_submit(
        access=Access.from_request(request), kind_code=kind, certificate_number=certificate_number,
        holder_name=holder_name, id_number=id_number, issued_on=issued_on, authority_code=authority,
        target_region=region_get(code=target_region), scan=scan, note=note,
    )  # fmt: skip
    return Status(201, application_out(application))


@router.get("/applications", response=list[ApplicationOut])
def application_list(request: HttpRequest, page: Query[Page], status: str = ""):
    qs = selectors.applications_visible(user=request.user).prefetch_related("recognition__scopes__region")
    if status:
        qs = qs.filter(status=status)
    shown = list(page.of(qs))
    selectors.applications_shown(access=Access.from_request(request), applications=shown, what="api list")
    return [application_out(a) for a in shown]


@router.get("/applications/{application_id}", response=ApplicationOut)
def application_detail(request: HttpRequest, application_id: int):
    return application_out(
        selectors.application_get(access=Access.from_request(request), application_id=application_id)
    )


@router.get("/applications/{application_id}/scan")
def application_scan(request: HttpRequest, application_id: int) -> FileResponse:
    access = Access.from_request(request)
    application = selectors.application_get(access=access, application_id=application_id)
    scan = selectors.application_scan(access=access, application=application)
    return FileResponse(scan.open("rb"), filename=scan.name.rsplit("/", 1)[-1])


@router.post("/applications/{application_id}/decision", response=ApplicationOut)
def application_decide(request: HttpRequest, application_id: int, body: ApplicationDecisionIn):
    access = Access.from_request(request)
    application = selectors.application_get(access=access, application_id=application_id)
    application = services.application_decide(
        access=access, application=application, decision=body.decision, reason=body.reason
    )
    return application_out(application)


@router.post("/applications/{application_id}/supplement", response=ApplicationOut)
def application_supplement(
    request: HttpRequest, application_id: int, note: Form[str] = "", scan: File[UploadedFile] = None
):
    access = Access.from_request(request)
    application = selectors.application_get(access=access, application_id=application_id)
    application = services.application_supplement(
        access=access, application=application, note=note, scan=scan
    )
    return application_out(application)


@router.get("/review-queue", response=list[ApplicationOut])
def review_queue(request: HttpRequest, page: Query[Page]):
    if not permissions.is_hr_reviewer(request.user):
        raise NotAllowed(_("The review queue is for HR bureau reviewers."))
    shown = list(page.of(selectors.review_queue(user=request.user)))
    selectors.applications_shown(access=Access.from_request(request), applications=shown, what="api queue")
    return [application_out(a) for a in shown]


@router.get("/review-queue/counts", response=ReviewCountsOut)
def review_counts(request: HttpRequest):
    return selectors.review_counts(user=request.user)


# --- The province's certificate list --------------------------------------------------------------


def import_out(batch: RegistryImport) -> dict:
    return {
        "id": batch.pk, "original_name": batch.original_name, "status": batch.status,
        "total_rows": batch.total_rows, "created_count": batch.created_count,
        "updated_count": batch.updated_count, "withdrawn_count": batch.withdrawn_count,
        "revoked_count": batch.revoked_count, "error_count": len(batch.errors),
        "created_at": batch.created_at,
    }  # fmt: skip


@router.post("/registry/imports", response={201: RegistryImportOut})
def registry_import_create(request: HttpRequest, file: File[UploadedFile]):
    batch = imports.registry_list_import(access=Access.from_request(request), upload=file)
    return Status(201, import_out(batch))


@router.get("/registry/imports", response=list[RegistryImportOut])
def registry_import_list(request: HttpRequest, page: Query[Page]):
    return [import_out(b) for b in page.of(selectors.registry_imports_visible(user=request.user))]


@router.get("/registry/imports/{import_id}/errors", response=list[RowErrorOut])
def registry_import_errors(request: HttpRequest, import_id: int, page: Query[ReportPage]):
    batch = selectors.registry_import_get(user=request.user, import_id=import_id)
    rows = selectors.registry_import_error_rows(batch=batch)
    return error_report_dicts(itertools.islice(rows, page.offset, page.offset + page.limit))


@router.get("/registry/imports/{import_id}/errors.xlsx")
def registry_import_errors_xlsx(request: HttpRequest, import_id: int) -> HttpResponse:
    batch = selectors.registry_import_get(user=request.user, import_id=import_id)
    return xlsx_response(
        filename=f"certificate-list-{batch.pk}-errors.xlsx", sheet="errors",
        headers=ERROR_REPORT_HEADERS, rows=selectors.registry_import_error_rows(batch=batch),
    )  # fmt: skip


# --- Statistics and messages -----------------------------------------------------------------------


@router.get("/statistics", response=list[StatRowOut])
def statistics(
    request: HttpRequest, region: str = "", family: str = "", year: int | None = Query(None, ge=1, le=9999)
):
    rows = selectors.recognition_statistics(
        user=request.user, region_id=region_get(code=region).pk if region else None, family=family, year=year
    )
    return [{field: getattr(r, field) for field in StatRowOut.model_fields} for r in rows]


@router.get("/notifications", response=list[NotificationOut])
def notifications(request: HttpRequest, page: Query[Page], unread: bool = False):
    qs = selectors.notifications_of(user=request.user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return page.of(qs)


@router.post("/notifications/read-all", response=NotificationsReadOut)
def notifications_read_all(request: HttpRequest):
    """Mark every unread notification of the caller read."""
    return {"read": services.notifications_read_all(user=request.user)}


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def notification_read(request: HttpRequest, notification_id: int):
    return services.notification_read(user=request.user, notification_id=notification_id)


# --- Public verification ------------------------------------------------------------------------------


@public_router.post("/verify", response=VerifyOut)
def verify(request: HttpRequest, body: CertificateVerifyIn):
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
