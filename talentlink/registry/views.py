"""Pages of the registry: imports, persons, consent, talent registration and linking."""

from __future__ import annotations

from itertools import islice

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentlink.core import heartbeat, permissions
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed, NotFound
from talentlink.core.forms import add_domain_error
from talentlink.core.http import AuthedRequest
from talentlink.core.models import AuditEvent
from talentlink.core.selectors import audit_events_about
from talentlink.core.throttle import client_ip
from talentlink.core.views import query_without_page
from talentlink.registry import files, selectors, services
from talentlink.registry.forms import (
    ClaimDecisionForm,
    ConsentForm,
    ImportUploadForm,
    PersonFilterForm,
    TalentRegistrationForm,
)
from talentlink.registry.models import Person, RowError, TalentClaim


def _office_only(request: AuthedRequest) -> None:
    if not permissions.is_office(request.user):
        raise NotAllowed(_("This page is for talent office staff."))


@login_required
def import_list(request: AuthedRequest) -> HttpResponse:
    _office_only(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_submit(
                access=Access.from_request(request),
                source_system=form.cleaned_data["source_system"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("registry:import_detail", batch_id=batch.pk)
    page = Paginator(selectors.imports_visible(user=request.user), 20).get_page(request.GET.get("page"))
    heartbeat.stale_check(page)  # running imports whose worker died are shown failed
    sources = [
        (source, files.source_columns_describe(source))
        for source in selectors.source_systems_importable(user=request.user)
    ]
    return render(request, "registry/import_list.html", {"form": form, "page": page, "sources": sources})


@login_required
def import_template(request: AuthedRequest, source_code: str) -> HttpResponse | FileResponse:
    _office_only(request)
    source = selectors.source_systems_importable(user=request.user).filter(code=source_code).first()
    if source is None:
        raise NotFound(_("No such source system."))
    return files.template_response(source)


@login_required
def import_detail(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = selectors.import_get(user=request.user, batch_id=batch_id)
    context = {"batch": batch, "progress": selectors.import_progress(batch=batch)}
    if request.htmx and not batch.is_finished:
        return render(request, "registry/partials/import_progress.html", context)
    if request.htmx:  # finished while being watched: reload the whole page once
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    shown = 200
    errors = list(islice(selectors.import_error_rows(batch=batch), shown)) if batch.error_count else []
    warnings = (
        list(islice(selectors.import_error_rows(batch=batch, severity=RowError.Severity.WARNING), shown))
        if batch.warning_count
        else []
    )
    return render(request, "registry/import_detail.html", {**context, "errors": errors, "warnings": warnings})


@login_required
@require_POST
def import_retry(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = selectors.import_get(user=request.user, batch_id=batch_id)
    try:
        services.import_retry(access=Access.from_request(request), batch=batch)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("registry:import_detail", batch_id=batch.pk)


@login_required
def import_errors_xlsx(request: AuthedRequest, batch_id: int) -> FileResponse:
    return files.import_report_response(selectors.import_get(user=request.user, batch_id=batch_id))


@login_required
def person_list(request: AuthedRequest) -> HttpResponse:
    if not permissions.is_city_staff(request.user):
        raise NotAllowed(_("This page is for city staff."))
    form = PersonFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.persons_search(
        user=request.user,
        region_id=getattr(filters.get("region"), "pk", None),
        category_id=getattr(filters.get("category"), "pk", None),
        tier_id=getattr(filters.get("tier"), "pk", None),
        q=filters.get("q") or "",
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    selectors.persons_shown(access=Access.from_request(request), persons=list(page), filters=filters)
    context = {"form": form, "page": page, "query": query_without_page(request)}
    template = "registry/partials/person_results.html" if request.htmx else "registry/person_list.html"
    return render(request, template, context)


@login_required
def person_detail(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(access=Access.from_request(request), person_id=person_id)
    return render(request, "registry/person_detail.html", _person_context(request, person))


def _person_context(request: AuthedRequest, person: Person) -> dict:
    records = list(selectors.person_source_records_seen(user=request.user, person=person))
    return {
        "person": person,
        "records": records,
        "withheld": selectors.person_withheld(user=request.user, person=person),
        "id_numbers_unverified": selectors.person_id_numbers_unverified(records=records),
        "consents": person.consents.select_related("region"),
        "consent_form": ConsentForm(person=person),
        "can_reveal": permissions.reveals_id_numbers(request.user),
        "can_edit": selectors.person_editable(user=request.user, person=person),
        "audit": audit_events_about(object_type="registry.person", object_id=str(person.pk))[:20],
    }


@login_required
@require_POST
def person_id_number(request: AuthedRequest, person_id: int) -> HttpResponse:
    access = Access.from_request(request)
    person = selectors.person_get(access=access, person_id=person_id)
    value = services.person_id_number_reveal(access=access, person=person)
    return render(request, "registry/partials/id_number.html", {"value": value})


@login_required
@require_POST
def consent_create(request: AuthedRequest, person_id: int) -> HttpResponse:
    access = Access.from_request(request)
    person = selectors.person_get(access=access, person_id=person_id)
    form = ConsentForm(request.POST, person=person)
    if form.is_valid():
        try:
            services.consent_grant(access=access, person=person, region=form.cleaned_data["region"])
            messages.success(request, _("Consent recorded."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect(_back(request, person))


@login_required
@require_POST
def consent_withdraw(request: AuthedRequest, consent_id: int) -> HttpResponse:
    access = Access.from_request(request)
    consent = selectors.consent_get(access=access, consent_id=consent_id)
    services.consent_withdraw(access=access, consent=consent)
    messages.success(request, _("Consent withdrawn."))
    return redirect(_back(request, consent.person))


def _back(request: AuthedRequest, person: Person) -> str:
    if selectors.person_is_own(user=request.user, person=person):
        return "registry:my_record"
    return person.get_absolute_url()


@login_required
def my_record(request: AuthedRequest) -> HttpResponse:
    person = selectors.person_own(user=request.user)
    if person is None:
        return render(request, "registry/my_record.html", {"person": None})
    person = selectors.person_get(access=Access.from_request(request), person_id=person.pk)
    context = _person_context(request, person)
    # PIPL: a person may learn who has read their data, and through which channel.
    context["audit"] = audit_events_about(object_type="registry.person", object_id=str(person.pk)).exclude(
        action=AuditEvent.Action.DENIED
    )[:50]
    return render(request, "registry/my_record.html", context)


def talent_register(request: HttpRequest) -> HttpResponse:
    form = TalentRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "consent"}
        try:
            services.talent_register(**data, client=client_ip(request))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            # The same page whether or not these details registered before (see the service).
            return render(request, "core/registered.html", {"talent": True})
    return render(request, "registry/talent_register.html", {"form": form})


@login_required
def claim_list(request: AuthedRequest) -> HttpResponse:
    _office_only(request)
    pending = list(selectors.talent_claims_pending(user=request.user)[:50])
    selectors.claims_shown(access=Access.from_request(request), claims=pending)
    claims = [
        (claim, selectors.person_candidates_for_claim(user=request.user, claim=claim)) for claim in pending
    ]
    return render(request, "registry/claim_list.html", {"claims": claims, "form": ClaimDecisionForm()})


@login_required
@require_POST
def claim_decide(request: AuthedRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(TalentClaim.objects.select_related("user", "region"), pk=claim_id)
    form = ClaimDecisionForm(request.POST)
    if form.is_valid():
        person_id = form.cleaned_data["person"]
        person = Person.objects.filter(pk=person_id).first() if person_id else None
        try:
            services.talent_claim_decide(
                access=Access.from_request(request), claim=claim, person=person,
                approve=form.cleaned_data["approve"], note=form.cleaned_data["note"],
            )  # fmt: skip
            messages.success(request, _("Decision recorded for %(name)s.") % {"name": claim.name})
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect("registry:claims")
