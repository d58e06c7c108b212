"""Pages of the core domain: home, dashboards, accounts, organisations, audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentlink.core import navigation, selectors, services
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed
from talentlink.core.exports import xlsx_response
from talentlink.core.forms import (
    AuditFilterForm,
    DecisionForm,
    EmployerRegistrationForm,
    StaffAccountForm,
    add_domain_error,
)
from talentlink.core.models import Organisation, Role


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for pager links that add their own page."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from talentlink.registry.selectors import dashboard_figures

    figures = dashboard_figures(user=request.user)
    panels = navigation.desk_panels(request)
    return render(request, "core/dashboard.html", {"figures": figures, "panels": panels})


def employer_register(request: HttpRequest) -> HttpResponse:
    form = EmployerRegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employer_register(**form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return render(request, "core/registered.html", {"employer": True})
    return render(request, "core/employer_register.html", {"form": form})


def _staff_only(request: HttpRequest) -> None:
    if not (request.user.is_superuser or request.user.is_talent_office):
        raise NotAllowed(_("This page is for talent office staff."))


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    status = request.GET.get("status", Organisation.Status.PENDING)
    organisations = selectors.organisations_for_review(user=request.user, status=status)
    return render(
        request, "core/organisation_list.html",
        {"organisations": organisations, "status": status, "statuses": Organisation.Status.choices,
         "form": DecisionForm()},
    )  # fmt: skip


@login_required
@require_POST
def organisation_decide(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.organisation_decide(
                access=Access.from_request(request), organisation=organisation, **form.cleaned_data
            )
            messages.success(request, _("Decision recorded for %(name)s.") % {"name": organisation.name})
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect("core:organisations")


@login_required
def organisation_licence(request: HttpRequest, organisation_id: int) -> FileResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    selectors.organisation_licence_check(user=request.user, organisation=organisation)
    return FileResponse(
        organisation.licence.open("rb"), filename=organisation.licence.name.rsplit("/", 1)[-1]
    )


@login_required
def staff_account_create(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = StaffAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_account_create(access=Access.from_request(request), **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": user.username})
            return redirect("core:staff_account_create")
    return render(request, "core/staff_account_form.html", {"form": form, "roles": Role})


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events_visible(user=request.user, **filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "query": query_without_page(request)},
    )


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = services.audit_log_export(access=Access.from_request(request), **filters)
    return xlsx_response(
        filename="audit-log.xlsx", sheet=_("Audit log"),
        headers=selectors.AUDIT_EXPORT_HEADERS, rows=rows,
    )  # fmt: skip
