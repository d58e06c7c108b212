"""Pages of credential recognition: applying, the review queue, the certificate list, public
verification, statistics and the inbox."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentlink.core import permissions
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed
from talentlink.core.exports import xlsx_response
from talentlink.core.forms import add_domain_error
from talentlink.core.http import AuthedRequest
from talentlink.core.models import Role
from talentlink.core.tabular import ERROR_REPORT_HEADERS
from talentlink.core.views import query_without_page
from talentlink.credentials import imports, selectors, services
from talentlink.credentials.forms import (
    ApplicationForm,
    DecisionForm,
    RegistryUploadForm,
    StatisticsFilterForm,
    SupplementForm,
    VerifyForm,
)
from talentlink.credentials.models import CertificateSeries, Equivalence, Level
from talentlink.registry.selectors import person_own

APPLICANT_ROLES = {Role.TALENT, Role.EMPLOYER}


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """The applicant's (or the reviewing city's) applications, and the talent's recognitions."""
    user = request.user
    page = Paginator(selectors.applications_visible(user=user), 25).get_page(request.GET.get("page"))
    selectors.applications_shown(access=Access.from_request(request), applications=list(page), what="list")
    person = person_own(user=user) if user.role == Role.TALENT else None
    recognitions = selectors.recognitions_of(person_id=person.pk) if person else []
    levels = selectors.person_credential_levels(person_id=person.pk) if person else set()
    return render(
        request, "credentials/index.html",
        {"page": page, "recognitions": recognitions,
         "levels": [label for value, label in Level.choices if value in levels],
         "can_apply": user.role in APPLICANT_ROLES},
    )  # fmt: skip


@login_required
def apply(request: AuthedRequest) -> HttpResponse:
    if request.user.role not in APPLICANT_ROLES:
        raise NotAllowed(_("Only a talent or their employer may apply for recognition."))
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.application_submit(
                access=Access.from_request(request), kind_code=data["kind"],
                certificate_number=data["certificate_number"], holder_name=data["holder_name"],
                id_number=data["id_number"], issued_on=data["issued_on"], authority_code=data["authority"],
                target_region=data["target_region"], scan=data["scan"], note=data["note"],
            )  # fmt: skip
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your application was submitted."))
            return redirect("credentials:application_detail", application_id=application.pk)
    return render(request, "credentials/apply.html", {"form": form})


@login_required
def application_detail(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get(
        access=Access.from_request(request), application_id=application_id
    )
    user = request.user
    applicant = selectors.application_is_own(user=user, application=application)
    context = {
        "application": application,
        "reasons": [services.REFUSAL_REASONS[r] for r in application.refusal_reasons],
        "overdue": selectors.is_overdue(application),
        "recognition": getattr(application, "recognition", None),
        # The registry answer keeps its time as ISO text in UTC; the page shows it in local time.
        "checked_at": parse_datetime(application.registry_evidence.get("checked_at") or ""),
        "decision_form": DecisionForm()
        if selectors.reviewer_of(user=user, application=application)
        else None,
        "supplement_form": SupplementForm() if applicant and application.status == "more_info" else None,
    }
    return render(request, "credentials/application_detail.html", context)


@login_required
def application_scan(request: AuthedRequest, application_id: int) -> FileResponse:
    access = Access.from_request(request)
    application = selectors.application_get(access=access, application_id=application_id)
    scan = selectors.application_scan(access=access, application=application)
    return FileResponse(scan.open("rb"), filename=scan.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def application_decide(request: AuthedRequest, application_id: int) -> HttpResponse:
    access = Access.from_request(request)
    application = selectors.application_get(access=access, application_id=application_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
    else:
        try:
            services.application_decide(access=access, application=application, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Decision recorded; the applicant has been notified."))
            return redirect("credentials:review")
    return redirect("credentials:application_detail", application_id=application.pk)


@login_required
@require_POST
def application_supplement(request: AuthedRequest, application_id: int) -> HttpResponse:
    access = Access.from_request(request)
    application = selectors.application_get(access=access, application_id=application_id)
    form = SupplementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.application_supplement(access=access, application=application, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request, _("Your material was added; the application is back with the reviewer.")
            )
    return redirect("credentials:application_detail", application_id=application.pk)


@login_required
def review_queue(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not permissions.is_hr_reviewer(user):
        raise NotAllowed(_("This page is for HR bureau reviewers."))
    page = Paginator(selectors.review_queue(user=user), 30).get_page(request.GET.get("page"))
    rows = selectors.applications_shown(
        access=Access.from_request(request), applications=list(page), what="queue"
    )
    return render(
        request, "credentials/review_queue.html",
        {"page": page, "rows": [(a, selectors.is_overdue(a)) for a in rows],
         "counts": selectors.review_counts(user=user)},
    )  # fmt: skip


@login_required
def registry_imports(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not permissions.handles_recognition(user):
        raise NotAllowed(_("This page is for HR bureau and talent office staff."))
    form = RegistryUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = imports.registry_list_import(
                access=Access.from_request(request), upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("credentials:registry_import_detail", import_id=batch.pk)
    page = Paginator(selectors.registry_imports_visible(user=user), 20).get_page(request.GET.get("page"))
    return render(request, "credentials/registry_imports.html", {"form": form, "page": page})


@login_required
def registry_import_detail(request: AuthedRequest, import_id: int) -> HttpResponse:
    batch = selectors.registry_import_get(user=request.user, import_id=import_id)
    errors = list(selectors.registry_import_error_rows(batch=batch))[:200]
    return render(request, "credentials/registry_import_detail.html", {"batch": batch, "errors": errors})


@login_required
def registry_import_errors_xlsx(request: AuthedRequest, import_id: int) -> FileResponse:
    batch = selectors.registry_import_get(user=request.user, import_id=import_id)
    return xlsx_response(
        filename=f"certificate-list-{batch.pk}-errors.xlsx", sheet="errors",
        headers=ERROR_REPORT_HEADERS, rows=selectors.registry_import_error_rows(batch=batch),
    )  # fmt: skip


def verify(request: HttpRequest) -> HttpResponse:
    """Anyone may check a certificate by its number and the holder's name (rate-limited)."""
    form = VerifyForm(request.GET or None)
    results = None
    if form.is_valid():
        try:
            selectors.rate_limit_check(scope="verify", ip=Access.from_request(request).ip_address)
            results = selectors.public_verify(**form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
    return render(request, "credentials/verify.html", {"form": form, "results": results})


def _statistics(request: AuthedRequest) -> tuple[StatisticsFilterForm, list[selectors.StatRow]]:
    form = StatisticsFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.recognition_statistics(
        user=request.user, region_id=getattr(filters.get("region"), "pk", None),
        family=filters.get("family") or "", year=filters.get("year"),
    )  # fmt: skip
    return form, rows


@login_required
def statistics(request: AuthedRequest) -> HttpResponse:
    form, rows = _statistics(request)
    return render(
        request, "credentials/statistics.html",
        {"form": form, "rows": rows, "total": selectors.statistics_totals(rows),
         "query": query_without_page(request)},
    )  # fmt: skip


@login_required
def statistics_xlsx(request: AuthedRequest) -> FileResponse:
    _form, rows = _statistics(request)
    headers = [_("Month"), _("City"), _("Kind"), _("Applications"), _("Automatic"), _("Reviewed"),
               _("Recognised"), _("Refused or rejected"), _("Pending"), _("Approval rate (%)"),
               _("Average days to decision")]  # fmt: skip
    return xlsx_response(
        filename="credential-recognition-statistics.xlsx", sheet=_("Statistics"), headers=headers,
        rows=([r.month, r.region, r.family, r.applications, r.automatic, r.reviewed, r.recognised,
               r.refused_or_rejected, r.pending, r.approval_rate, r.average_days_to_decision] for r in rows),
    )  # fmt: skip


def catalogue(request: HttpRequest) -> HttpResponse:
    """The certificate kinds and the equivalence table, as the platform applies them."""
    series = CertificateSeries.objects.prefetch_related("kinds")
    return render(
        request, "credentials/catalogue.html", {"series": series, "equivalences": Equivalence.objects.all()}
    )


@login_required
def notifications(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(user=request.user), 30).get_page(request.GET.get("page"))
    unread = selectors.unread_count(user=request.user)
    return render(request, "credentials/notifications.html", {"page": page, "unread": unread})


@login_required
@require_POST
def notifications_read_all(request: AuthedRequest) -> HttpResponse:
    services.notifications_read_all(user=request.user)
    return redirect("credentials:notifications")


@login_required
@require_POST
def notification_read(request: AuthedRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_read(user=request.user, notification_id=notification_id)
    return redirect(notification.link or "credentials:notifications")
