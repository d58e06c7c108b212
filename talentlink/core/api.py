"""JSON API of the core domain; the pages call the same services."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from talentlink.core import permissions, selectors, services
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed
from talentlink.core.exports import xlsx_response
from talentlink.core.http import AuthedRequest
from talentlink.core.models import Organisation, Region, User
from talentlink.core.schemas import (
    AuditEventOut,
    HealthOut,
    LoginIn,
    LongPage,
    MeOut,
    MessageOut,
    OrganisationDecisionIn,
    OrganisationOut,
    PasswordChangeIn,
    PasswordResetIn,
    RegionOut,
    StaffAccountIn,
)
from talentlink.core.throttle import client_ip

router = Router(tags=["core"])
public_router = Router(tags=["public"])


@public_router.get("/health", response={200: HealthOut, 503: HealthOut})
def health(request: HttpRequest):
    """For load balancers: 200 when this server reaches its database and cache, 503 otherwise."""
    checks = selectors.health()
    ok = all(checks.values())
    return Status(200 if ok else 503, {"ok": ok, **checks})


@public_router.get("/regions", response=list[RegionOut])
def regions(request: HttpRequest):
    return Region.objects.filter(is_active=True)


@public_router.post("/auth/login", response=MeOut)
def api_login(request: HttpRequest, body: LoginIn):
    user = authenticate(request, username=body.username, password=body.password)
    if user is None:
        raise DomainError(_("Wrong user name or password, or the account is not active."), code="login")
    login(request, user)
    return user


@public_router.post("/auth/password-reset", response=MessageOut)
def api_password_reset(request: HttpRequest, body: PasswordResetIn):
    services.password_reset_request(
        email=body.email, domain=request.get_host(), use_https=request.is_secure(), client=client_ip(request)
    )
    return {"message": _("If an account uses this address, a reset link is on its way.")}


@router.post("/auth/logout", response=MessageOut)
def api_logout(request: AuthedRequest):
    logout(request)
    return {"message": _("Logged out.")}


@router.post("/auth/password", response=MessageOut)
def api_password_change(request: AuthedRequest, body: PasswordChangeIn):
    services.password_change(
        user=request.user, old_password=body.old_password, new_password=body.new_password
    )
    update_session_auth_hash(request, request.user)
    return {"message": _("Your password has been changed.")}


@router.get("/me", response=MeOut)
def me(request: AuthedRequest) -> User:
    return request.user


@router.get("/organisations", response=list[OrganisationOut])
def organisations(request: AuthedRequest, status: str = "pending") -> QuerySet[Organisation]:
    return selectors.organisations_for_review(user=request.user, status=status)


@router.post("/organisations/{organisation_id}/decision", response=MessageOut)
def organisation_decision(request: AuthedRequest, organisation_id: int, body: OrganisationDecisionIn):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    services.organisation_decide(
        access=Access.from_request(request), organisation=organisation,
        approve=body.approve, note=body.note,
    )  # fmt: skip
    return {"message": organisation.get_status_display()}


@router.post("/accounts", response={201: MeOut})
def staff_account_create(request: AuthedRequest, body: StaffAccountIn):
    region = Region.objects.filter(code=body.region).first() if body.region else None
    user = services.staff_account_create(
        access=Access.from_request(request), username=body.username, full_name=body.full_name,
        email=body.email, role=body.role, region=region, password=body.password,
    )  # fmt: skip
    return Status(201, user)


class AuditFilter(Schema):
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""


@router.get("/audit", response=list[AuditEventOut])
def audit_events(request: AuthedRequest, filters: Query[AuditFilter], page: Query[LongPage]):
    if not permissions.is_office(request.user):
        raise NotAllowed(_("Only talent office staff may read the audit log."))
    return page.of(selectors.audit_events_visible(user=request.user, **filters.dict()))


@router.get("/audit/export")
def audit_export(request: AuthedRequest, filters: Query[AuditFilter]) -> FileResponse:
    rows = services.audit_log_export(access=Access.from_request(request), **filters.dict())
    return xlsx_response(
        filename="audit-log.xlsx", sheet=_("Audit log"),
        headers=selectors.AUDIT_EXPORT_HEADERS, rows=rows,
    )  # fmt: skip
