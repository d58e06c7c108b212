"""Pages of the core domain: home, dashboards, accounts, organisations, audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentlink.core import navigation, permissions, selectors, services
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
from talentlink.core.http import AuthedRequest
from talentlink.core.models import Organisation, Role
from talentlink.core.throttle import client_ip


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for pager links that add their own page."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; the file is a (hashed) static one."""
    return redirect(static("core/favicon.ico"))


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    """The desk: each app's panels (core/navigation.py), the registry's figures among them."""
    panels = navigation.desk_panels(request)
    return render(request, "core/dashboard.html", {"panels": panels})


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """What a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE): 429 with the wait, as a page
    or, on the API, in the API's error format."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed log-ins for this user name or from your network address. Log-in is paused "
        "for %(minutes)s minutes; every further attempt starts the wait again."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "message": message}, status=429)
    return render(request, "core/login_locked.html", {"message": message}, status=429)


class PasswordResetView(auth_views.PasswordResetView):
    """The reset page sends through the same service as the API, which limits mails per address and client."""

    def form_valid(self, form):
        try:
            services.password_reset_request(
                email=form.cleaned_data["email"], domain=self.request.get_host(),
                use_https=self.request.is_secure(), client=client_ip(self.request),
            )  # fmt: skip
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=exc.status)
        return redirect(self.get_success_url())


def employer_register(request: HttpRequest) -> HttpResponse:
    form = EmployerRegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employer_register(**form.cleaned_data, client=client_ip(request))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return render(request, "core/registered.html", {"employer": True})
    return render(request, "core/employer_register.html", {"form": form})


def _staff_only(request: AuthedRequest) -> None:
    if not permissions.is_office(request.user):
        raise NotAllowed(_("This page is for talent office staff."))


@login_required
def organisation_list(request: AuthedRequest) -> HttpResponse:
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
def organisation_decide(request: AuthedRequest, organisation_id: int) -> HttpResponse:
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
def organisation_licence(request: AuthedRequest, organisation_id: int) -> FileResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    selectors.organisation_licence_check(user=request.user, organisation=organisation)
    name = organisation.licence.name
    assert name, "organisation_licence_check refuses an organisation without a licence scan"
    return FileResponse(organisation.licence.open("rb"), filename=name.rsplit("/", 1)[-1])


@login_required
def staff_account_create(request: AuthedRequest) -> HttpResponse:
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
def audit_log(request: AuthedRequest) -> HttpResponse:
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
def audit_export(request: AuthedRequest) -> FileResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = services.audit_log_export(access=Access.from_request(request), **filters)
    return xlsx_response(
        filename="audit-log.xlsx", sheet=_("Audit log"),
        headers=selectors.AUDIT_EXPORT_HEADERS, rows=rows,
    )  # fmt: skip
