"""Pages of the benefits: the catalogue, providers, conflicts, statistics, settlement, insurance
imports (talent office); a provider's own benefits and usage; a talent's entitlements and history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentlink.benefits import charts, imports, selectors, services
from talentlink.benefits.forms import (
    AccountForm,
    BenefitDescriptionForm,
    BenefitForm,
    CatalogueFilterForm,
    InsuranceUploadForm,
    MonthForm,
    ProviderEditForm,
    ProviderForm,
    ResolveForm,
    ServicePointForm,
)
from talentlink.benefits.models import InsuranceImport, ProviderKind, ServicePoint
from talentlink.core import permissions
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed, NotFound
from talentlink.core.exports import xlsx_response
from talentlink.core.forms import add_domain_error
from talentlink.core.http import AuthedRequest
from talentlink.core.models import Role
from talentlink.core.tabular import ERROR_REPORT_HEADERS
from talentlink.core.views import query_without_page
from talentlink.registry.selectors import person_own


def _office_only(request: AuthedRequest) -> None:
    if not permissions.is_office(request.user):
        raise NotAllowed(_("This page is for talent office staff."))


# --- Catalogue -----------------------------------------------------------------------------------


@login_required
def catalogue(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.TALENT:
        return redirect("benefits:mine")
    if user.role == Role.BENEFIT_PROVIDER:
        return redirect("benefits:provider_detail", provider_id=selectors.provider_of(user=user).pk)
    form = CatalogueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.catalogue_search(
        user=user,
        region_id=getattr(filters.get("region"), "pk", None),
        kind=filters.get("kind") or "",
        q=filters.get("q") or "",
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    rows = [
        (
            b,
            selectors.terms_summary(b),
            permissions.may_manage_region(user, b.provider.region_id),
        )
        for b in page
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query_without_page(request),
        "can_add": permissions.is_office(user),
    }
    template = "benefits/partials/catalogue_rows.html" if request.htmx else "benefits/catalogue.html"
    return render(request, template, context)


@login_required
def benefit_create(request: AuthedRequest) -> HttpResponse:
    _office_only(request)
    form = BenefitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            benefit = services.benefit_create(
                access=Access.from_request(request), provider=form.cleaned_data["provider"], **form.terms()
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Benefit %(code)s added to the catalogue.") % {"code": benefit.code})
            return redirect("benefits:catalogue")
    return render(request, "benefits/benefit_form.html", {"form": form, "benefit": None})


@login_required
def benefit_edit(request: AuthedRequest, code: str) -> HttpResponse:
    """The office of the provider's city edits the whole entry; the provider its description."""
    benefit = selectors.benefit_get(user=request.user, code=code)
    if not selectors.may_describe(user=request.user, provider=benefit.provider):
        raise NotAllowed(_("Only the provider itself or the talent office of its city may do this."))
    office = permissions.may_manage_region(request.user, benefit.provider.region_id)
    form_class = BenefitForm if office else BenefitDescriptionForm
    form = form_class(request.POST or None, instance=benefit, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_update(access=Access.from_request(request), benefit=benefit, **form.terms())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Benefit %(code)s saved.") % {"code": benefit.code})
            return redirect("benefits:catalogue")
    terms = None if office else selectors.terms_summary(benefit)  # shown to the provider, not edited
    context = {"form": form, "benefit": benefit, "terms": terms}
    return render(request, "benefits/benefit_form.html", context)


# --- Providers -------------------------------------------------------------------------------------


@login_required
def provider_list(request: AuthedRequest) -> HttpResponse:
    _office_only(request)
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        region = request.user.region
        if region is None:  # a superuser of no city: the form is not offered (can_add)
            raise NotAllowed(_("Only the talent office of this city may do this."))
        try:
            provider = services.provider_create(
                access=Access.from_request(request), region=region, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("benefits:provider_detail", provider_id=provider.pk)
    providers = selectors.providers_visible(user=request.user)
    return render(
        request,
        "benefits/provider_list.html",
        {
            "providers": providers,
            "form": form,
            "can_add": bool(request.user.region_id),
        },
    )


@login_required
def provider_detail(request: AuthedRequest, provider_id: int) -> HttpResponse:
    user = request.user
    provider = selectors.provider_get(user=user, provider_id=provider_id)
    usage = selectors.provider_usage(access=Access.from_request(request), provider=provider)
    benefits = selectors.benefits_with_terms().filter(provider=provider)
    context = {
        "provider": provider,
        "usage": usage["uses"],
        "usage_totals": usage["totals"],
        "individuals": permissions.sees_individual_uses(user),
        "benefits": [(b, selectors.terms_summary(b)) for b in benefits],
        "points": provider.service_points.prefetch_related("accounts__user"),
        "can_manage": permissions.may_manage_region(user, provider.region_id),
        "can_describe": selectors.may_describe(user=user, provider=provider),
        "point_form": ServicePointForm(),
        "account_form": AccountForm(),
        "month": timezone.localdate().strftime("%Y-%m"),
    }
    return render(request, "benefits/provider_detail.html", context)


@login_required
def provider_edit(request: AuthedRequest, provider_id: int) -> HttpResponse:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    if not permissions.may_manage_region(request.user, provider.region_id):
        raise NotAllowed(_("Only the talent office of the provider's city may change this entry."))
    initial = {field: getattr(provider, field) for field in ProviderEditForm.base_fields}
    form = ProviderEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = {f: form.cleaned_data[f] for f in form.changed_data}
        try:
            if changed:
                services.provider_update(access=Access.from_request(request), provider=provider, **changed)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Provider %(name)s saved.") % {"name": provider.display_name})
            return redirect("benefits:provider_detail", provider_id=provider.pk)
    return render(request, "benefits/provider_form.html", {"form": form, "provider": provider})


@login_required
@require_POST
def service_point_create(request: AuthedRequest, provider_id: int) -> HttpResponse:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    form = ServicePointForm(request.POST)
    if form.is_valid():
        try:
            services.service_point_create(
                access=Access.from_request(request), provider=provider, **form.cleaned_data
            )
            messages.success(request, _("Service point added."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect("benefits:provider_detail", provider_id=provider.pk)


@login_required
@require_POST
def account_create(request: AuthedRequest, provider_id: int) -> HttpResponse:
    """An account for one of the provider's service points, or (without a point) a manager account."""
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    form = AccountForm(request.POST)
    point_id = request.POST.get("service_point")
    if form.is_valid():
        access = Access.from_request(request)
        try:
            if point_id:
                point = get_object_or_404(ServicePoint, pk=point_id, provider=provider)
                services.service_point_account_create(access=access, service_point=point, **form.cleaned_data)
            else:
                services.provider_account_create(access=access, provider=provider, **form.cleaned_data)
            messages.success(request, _("Account %(u)s created.") % {"u": form.cleaned_data["username"]})
        except DomainError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("benefits:provider_detail", provider_id=provider.pk)


# --- Conflicts ---------------------------------------------------------------------------------------


@login_required
def conflict_list(request: AuthedRequest) -> HttpResponse:
    _office_only(request)
    conflicts = list(selectors.conflicts_open(user=request.user)[:200])
    selectors.redemptions_shown(access=Access.from_request(request), redemptions=conflicts, what="conflicts")
    rows = [(r, selectors.refusal_message(r.reason)) for r in conflicts]
    return render(request, "benefits/conflict_list.html", {"rows": rows, "form": ResolveForm()})


@login_required
@require_POST
def conflict_resolve(request: AuthedRequest, redemption_id: int) -> HttpResponse:
    _office_only(request)
    redemption = selectors.redemptions_visible(user=request.user).filter(pk=redemption_id).first()
    if redemption is None:
        raise NotFound(_("No such redemption."))
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            done = services.conflict_resolve(
                access=Access.from_request(request), redemption=redemption, **form.cleaned_data
            )
            messages.success(request, selectors.redemption_message(done))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect("benefits:conflicts")


# --- Statistics and settlement ----------------------------------------------------------------------


def _month_chart(rows: Sequence[Mapping[str, Any]], title: str, key: str) -> Any:
    months = sorted({f"{r['month']:%Y-%m}" for r in rows})
    cities = sorted({r["holder_region__name"] or "—" for r in rows})
    values = {(f"{r['month']:%Y-%m}", r["holder_region__name"] or "—"): float(r[key] or 0) for r in rows}
    series = [charts.Series(city, [values.get((m, city), 0) for m in months]) for city in cities]
    return charts.grouped_bars(title=title, categories=months, series=series)


@login_required
def statistics(request: AuthedRequest) -> HttpResponse:
    user = request.user
    by_month = selectors.usage_by_month(user=user, months=12)
    by_kind = selectors.usage_by_kind(user=user)
    kinds = dict(ProviderKind.choices)
    kind_names = sorted({str(kinds.get(r["benefit__provider__kind"], "")) for r in by_kind})
    cities = sorted({r["benefit__provider__region__name"] for r in by_kind})
    counts = {
        (str(kinds.get(r["benefit__provider__kind"], "")), r["benefit__provider__region__name"]): r["uses"]
        for r in by_kind
    }
    context = {
        "uses_chart": _month_chart(by_month, _("Uses per month, by holders' city"), "uses"),
        "value_chart": _month_chart(by_month, _("Value granted per month (yuan), by holders' city"), "value"),
        "kind_chart": charts.grouped_bars(
            title=_("Uses by kind of provider, by provider's city"),
            categories=kind_names,
            series=[charts.Series(c, [counts.get((k, c), 0) for k in kind_names]) for c in cities],
        ),
        "top": selectors.usage_top_benefits(user=user),
        "total": sum(r["uses"] for r in by_kind),
    }
    return render(request, "benefits/statistics.html", context)


def _month(request: AuthedRequest, data: Any = None) -> tuple[MonthForm, dt.date]:
    default = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    form = MonthForm({"month": (data if data is not None else request.GET).get("month") or default})
    month = form.cleaned_data["month"] if form.is_valid() else dt.date.fromisoformat(default + "-01")
    return form, month


@login_required
def settlement(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form, month = _month(request)
    own = selectors.settlement_scope(user=user)
    ledger = selectors.settlement_ledger(month=month) if own is None else []
    period = selectors.settlement_period(month=month)
    _start, end = selectors.month_bounds(month)
    context = {
        "form": form,
        "month": month,
        "ledger": ledger,
        "balance": selectors.settlement_balance(ledger=ledger),
        "lines": selectors.settlement_lines(month=month, provider_id=own),
        "period": period,
        "can_close": period is None and end <= timezone.now() and permissions.is_office(user),
        "open_conflicts": selectors.conflicts_open_before(end=end).count() if period is None else 0,
    }
    return render(request, "benefits/settlement.html", context)


@login_required
@require_POST
def settlement_close(request: AuthedRequest) -> HttpResponse:
    form, month = _month(request, request.POST)
    if form.is_valid():
        try:
            period = services.settlement_close(access=Access.from_request(request), month=month)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("%(month)s is closed: %(uses)s uses settled; its statement no longer changes.")
                % {"month": f"{month:%Y-%m}", "uses": period.uses},
            )
    return redirect(f"{reverse('benefits:settlement')}?month={month:%Y-%m}")


@login_required
def settlement_xlsx(request: AuthedRequest) -> FileResponse:
    _form, month = _month(request)
    provider = request.GET.get("provider")
    provider_id = int(provider) if provider and provider.isdigit() else None
    rows = selectors.settlement_rows(user=request.user, month=month, provider_id=provider_id)
    return xlsx_response(
        filename=f"settlement-{month:%Y-%m}{f'-{provider_id}' if provider_id else ''}.xlsx",
        sheet=f"{month:%Y-%m}",
        headers=selectors.SETTLEMENT_HEADERS,
        rows=rows,
    )


# --- Social-insurance years -------------------------------------------------------------------------


@login_required
def insurance_imports(request: AuthedRequest) -> HttpResponse:
    _office_only(request)
    user = request.user
    form = InsuranceUploadForm(request.POST or None, request.FILES or None, user=user)
    batch = None
    if request.method == "POST" and form.is_valid():
        try:
            batch = imports.insurance_import(
                access=Access.from_request(request),
                region=form.cleaned_data["region"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
    recent = permissions.region_scope(
        user, InsuranceImport.objects.select_related("region", "uploaded_by"), "region_id"
    )
    errors = list(imports.import_error_rows(batch=batch))[:200] if batch and batch.errors else []
    context = {
        "form": form,
        "batch": batch,
        "errors": errors,
        "recent": recent[:20],
        "headers": imports.TEMPLATE_HEADERS,
    }
    return render(request, "benefits/insurance.html", context)


@login_required
def insurance_errors_xlsx(request: AuthedRequest, batch_id: int) -> FileResponse:
    batch = get_object_or_404(InsuranceImport.objects.select_related("region"), pk=batch_id)
    if not permissions.may_manage_region(request.user, batch.region_id):
        raise NotFound(_("No such import."))
    return xlsx_response(
        filename=f"insurance-{batch.pk}-errors.xlsx",
        sheet="errors",
        headers=ERROR_REPORT_HEADERS,
        rows=imports.import_error_rows(batch=batch),
    )


@login_required
def person_insurance(request: AuthedRequest, person_id: int) -> HttpResponse:
    read = selectors.person_insurance_read(access=Access.from_request(request), person_id=person_id)
    return render(request, "benefits/person_insurance.html", read)


# --- The talent's own ---------------------------------------------------------------------------------


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    person = person_own(user=request.user)
    if person is None:
        return render(request, "benefits/mine.html", {"person": None})
    history = list(selectors.redemptions_visible(user=request.user).filter(person=person)[:100])
    context = {
        "person": person,
        "rows": selectors.my_benefits(person=person),
        "history": history,
        "insurance": selectors.insurance_months(person_id=person.pk),
        "years": selectors.person_insurance_years(person_id=person.pk),
        "code_url": reverse("talentcode:my_code"),
    }
    return render(request, "benefits/mine.html", context)
