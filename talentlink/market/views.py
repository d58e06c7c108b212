"""The market's pages: the job board, an employer's jobs and candidates, a talent's résumé and
the jobs that match it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentlink.core import permissions
from talentlink.core.audit import Access
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.forms import add_domain_error
from talentlink.core.http import AuthedRequest
from talentlink.core.models import Role, User
from talentlink.market import report_files, selectors, services, talent_map
from talentlink.market.forms import JobForm, JobSearchForm, ProfileForm
from talentlink.market.graduates import graduates_year
from talentlink.market.models import Application, ReportFile
from talentlink.market.report import market_report
from talentlink.market.report_charts import report_charts


def job_board(request: HttpRequest) -> HttpResponse:
    """Open jobs of both cities, for everyone (signed in or not)."""
    form = JobSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.jobs_search(
        q=filters.get("q") or "",
        region_id=filters["region"].pk if filters.get("region") else None,
        field_id=filters["field"].pk if filters.get("field") else None,
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "market/job_board.html", {"form": form, "page": page, "query": query.urlencode()})


def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    user = request.user if isinstance(request.user, User) else None
    job = selectors.job_get(user=user, job_id=job_id)
    own = user is not None and permissions.is_employer(user) and user.organisation_id == job.organisation_id
    profile = selectors.profile_own(user=user) if user is not None else None
    applied = None
    if profile is not None:
        services.job_viewed(user=user, job=job)
        applied = profile.applications.filter(job=job).first()
    talent = (
        user is not None and permissions.has_role(user, Role.TALENT) and not permissions.is_superuser(user)
    )
    return render(request, "market/job_detail.html", {
        "job": job, "own": own, "profile": profile, "applied": applied, "talent": talent,
    })  # fmt: skip


@login_required
def jobs_mine(request: AuthedRequest) -> HttpResponse:
    if not permissions.is_employer(request.user):
        raise NotAllowed(_("This page is for recruiters of an approved employer."))
    jobs = selectors.jobs_of_employer(user=request.user).order_by("-updated_at", "-id")
    return render(
        request, "market/jobs_mine.html", {"page": Paginator(jobs, 20).get_page(request.GET.get("page"))}
    )


@login_required
def job_edit(request: AuthedRequest, job_id: int | None = None) -> HttpResponse:
    if not permissions.is_employer(request.user):
        raise NotAllowed(_("This page is for recruiters of an approved employer."))
    job = selectors.job_own(user=request.user, job_id=job_id) if job_id else None
    form = JobForm(request.POST or None, instance=job)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = services.job_save(access=Access.from_request(request), job=job, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("market:job_detail", job_id=saved.pk)
    return render(request, "market/job_form.html", {"form": form, "job": job})


@login_required
@require_POST
def job_publish(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = selectors.job_own(user=request.user, job_id=job_id)
    services.job_publish(access=Access.from_request(request), job=job)
    return redirect("market:job_detail", job_id=job.pk)


@login_required
@require_POST
def job_close(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = selectors.job_own(user=request.user, job_id=job_id)
    services.job_close(access=Access.from_request(request), job=job)
    return redirect("market:job_detail", job_id=job.pk)


@login_required
def job_candidates(request: AuthedRequest, job_id: int) -> HttpResponse:
    """The best candidates for one of the employer's jobs, explained; the read is audited."""
    job = selectors.job_own(user=request.user, job_id=job_id)
    matches = selectors.candidates_for_job(job=job)
    selectors.resumes_read(access=Access.from_request(request), job=job, what="candidates",
                           profile_ids=[profile.pk for profile, _match in matches])  # fmt: skip
    rows = [(profile, match, selectors.reasons_said(match=match, job=job)) for profile, match in matches]
    return render(request, "market/job_candidates.html", {"job": job, "rows": rows})


@login_required
def profile_edit(request: AuthedRequest) -> HttpResponse:
    person = selectors.talent_person(user=request.user)
    profile = selectors.profile_own(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if profile is None and request.method != "POST":
        form.initial.update({"education": person.education, "desired_regions": [person.home_region_id]})
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.profile_save(access=Access.from_request(request), **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("market:matches")
    return render(request, "market/profile_form.html", {"form": form, "profile": profile, "person": person})


@login_required
def profile_matches(request: AuthedRequest) -> HttpResponse:
    selectors.talent_person(user=request.user)
    profile = selectors.profile_own(user=request.user)
    if profile is None:
        return redirect("market:profile")
    rows = [(job, match, selectors.reasons_said(match=match, job=job))
            for job, match in selectors.jobs_for_profile(profile=profile)]  # fmt: skip
    return render(request, "market/matches.html", {"profile": profile, "rows": rows})


@login_required
@require_POST
def job_apply(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(user=request.user, job_id=job_id)
    try:
        services.application_create(
            access=Access.from_request(request), job=job, note=request.POST.get("note", "")
        )
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your application was sent with your résumé."))
    return redirect("market:job_detail", job_id=job.pk)


@login_required
def job_applications(request: AuthedRequest, job_id: int) -> HttpResponse:
    """The employer's pipeline for one job; reading the applicants' résumés is audited."""
    job = selectors.job_own(user=request.user, job_id=job_id)
    applications = list(selectors.applications_of_job(job=job))
    selectors.resumes_read(access=Access.from_request(request), job=job, what="applications",
                           profile_ids=[a.profile_id for a in applications])  # fmt: skip
    rows = [
        (a, [(step, Application.Status(step).label) for step in services.NEXT.get(a.status, ())])
        for a in applications
    ]
    return render(request, "market/job_applications.html", {"job": job, "rows": rows})


@login_required
@require_POST
def application_move(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = selectors.application_of_employer(user=request.user, application_id=application_id)
    try:
        services.application_move(
            access=Access.from_request(request), application=application,
            status=request.POST.get("status", ""), reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("market:job_applications", job_id=application.job_id)


@login_required
def applications_mine(request: AuthedRequest) -> HttpResponse:
    selectors.talent_person(user=request.user)
    applications = selectors.applications_mine(user=request.user)
    return render(request, "market/applications_mine.html", {"applications": applications})


@login_required
@require_POST
def application_withdraw(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = selectors.application_of_talent(user=request.user, application_id=application_id)
    try:
        services.application_withdraw(access=Access.from_request(request), application=application)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    return redirect("market:applications_mine")


@login_required
def funnel(request: AuthedRequest) -> HttpResponse:
    """Suggested → viewed → applied → hired, by city and industry, for the offices and the observer."""
    if not permissions.sees_aggregates(request.user):
        raise NotAllowed(_("The market's figures are for city staff and the province observer."))
    year = request.GET.get("year", "")
    rows = selectors.funnel(year=int(year) if year.isdigit() else None)
    return render(
        request, "market/funnel.html", {"rows": rows, "year": year, "steps": selectors.FUNNEL_STEPS}
    )


def _year(raw: str) -> int:
    """A year asked for in the query string (``?year=``), else this one."""
    year = int(raw) if raw.isdigit() else timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise Http404
    return year


@login_required
def graduates(request: AuthedRequest) -> HttpResponse:
    """New graduates of a year: applied, hired, where they came from and who stayed a year later."""
    if not permissions.sees_aggregates(request.user):
        raise NotAllowed(_("The market's figures are for city staff and the province observer."))
    figures = graduates_year(year=_year(request.GET.get("year", "")))
    return render(request, "market/graduates.html", {"g": figures})


# --- The annual regional talent market report (区域年度人才市场报告) -------------------------------

REPORT_LANGUAGES = ("zh-hans", "en")


def _report_access(request: AuthedRequest, year: int) -> None:
    if not permissions.sees_aggregates(request.user):
        raise NotAllowed(_("The market's figures are for city staff and the province observer."))
    if not 2000 <= year <= 2100:
        raise Http404


def _report_context(request: AuthedRequest, year: int) -> dict:
    _report_access(request, year)
    report = market_report(year=year)
    tmap = talent_map.talent_map(period=talent_map.period_parse(str(year)))
    return {"report": report, "charts": report_charts(report), "lang": translation.get_language(),
            "talent_map": tmap, "map_charts": talent_map.map_charts(tmap)}  # fmt: skip


def _report_language(request: AuthedRequest) -> str:
    """The edition asked for (``?lang=en``), else the reader's language."""
    lang = request.GET.get("lang", "")
    return lang if lang in REPORT_LANGUAGES else translation.get_language() or "zh-hans"


@login_required
def report(request: AuthedRequest, year: int) -> HttpResponse:
    """The year's report of both cities with its charts, for city staff and the observer."""
    with translation.override(_report_language(request)):
        context = _report_context(request, year)
        context["chart_data"] = [chart.as_data() for chart in context["charts"]]
        context["map_chart_data"] = [chart.as_data() for chart in context["map_charts"]]
        return render(request, "market/report.html", context)


@login_required
def report_pdf_download(request: AuthedRequest, year: int) -> HttpResponse:
    """The report as a PDF: the stored one where nothing it shows has changed since it was built;
    otherwise its build starts (a task) and the page says so until the download is ready."""
    with translation.override(_report_language(request)):
        _report_access(request, year)
        lang = translation.get_language()
        built = report_files.report_file_request(year=year, language=lang, user=request.user)
        if built.status == ReportFile.Status.READY and (stored := report_files.report_file_open(built=built)):
            with stored:
                response = HttpResponse(stored.read(), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="talent-market-report-{year}-{lang}.pdf"'
            return response
        return render(
            request, "market/report_pdf_status.html", {"year": year, "lang": lang, "built": built},
            status=200 if built.is_finished else 202,
        )  # fmt: skip


@login_required
def report_pdf_status(request: AuthedRequest, year: int) -> HttpResponse:
    """How the build of one version of the PDF (``?v=``) is going: the partial the page polls."""
    with translation.override(_report_language(request)):
        _report_access(request, year)
        lang = translation.get_language()
        built = report_files.report_file_get(year=year, language=lang, version=request.GET.get("v", ""))
        return render(
            request, "market/partials/report_pdf_status.html", {"year": year, "lang": lang, "built": built}
        )


@require_POST
@login_required
def report_pdf_retry(request: AuthedRequest, year: int) -> HttpResponse:
    """Build again the PDF of the figures as they stand, after a build failed."""
    with translation.override(_report_language(request)):
        _report_access(request, year)
        lang = translation.get_language()
        report_files.report_file_request(year=year, language=lang, user=request.user, retry=True)
    return redirect(f"{reverse('market:report_pdf', args=[year])}?lang={lang}")


# --- The key-industry talent map (重点产业人才地图) ----------------------------------------------------


@login_required
def key_industry_map(request: AuthedRequest) -> HttpResponse:
    """Openings, résumés and openings per résumé by district and key industry, for the report's
    readers: a heat table, a district map and the quarterly trend."""
    if not permissions.sees_aggregates(request.user):
        raise NotAllowed(_("The market's figures are for city staff and the province observer."))
    try:
        period = talent_map.period_parse(request.GET.get("period", ""))
    except talent_map.PeriodError:
        raise Http404 from None
    tmap = talent_map.talent_map(period=period)
    industry = request.GET.get("industry", "")
    charts = talent_map.map_charts(tmap, industry=industry)
    return render(request, "market/talent_map.html", {
        "talent_map": tmap, "map_chart_data": [chart.as_data() for chart in charts], "map_charts": charts,
        "periods": talent_map.periods_offered(), "industry": industry,
    })  # fmt: skip
