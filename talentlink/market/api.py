"""The talent market's JSON API: the same services and selectors as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from talentlink.core import permissions
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed, NotFound
from talentlink.core.http import AuthedRequest
from talentlink.core.masking import mask_name
from talentlink.core.schemas import Page
from talentlink.core.selectors import region_get
from talentlink.credentials.selectors import person_credential_levels
from talentlink.experts.models import Field
from talentlink.market import selectors, services, talent_map
from talentlink.market.districts import district_named
from talentlink.market.graduates import GraduatesYear, graduates_year
from talentlink.market.models import Application, Job, Profile
from talentlink.market.schemas import (
    ApplyIn,
    CandidateOut,
    EmployerJobApplicationOut,
    FunnelRowOut,
    GraduatesOut,
    JobApplicationOut,
    JobIn,
    JobMatchOut,
    JobOut,
    MoveIn,
    ProfileIn,
    ProfileOut,
    TalentMapOut,
)

router = Router(tags=["market"])


def _industry(code: str | None, *, field: str) -> Field | None:
    if not code:
        return None
    found = Field.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise NotFound(_("No such industry."), code="industry", field=field)
    return found


def _job_data(body: JobIn) -> dict[str, Any]:
    data = body.dict()
    data["region"] = region_get(code=body.region)
    data["field"] = _industry(data.pop("industry"), field="industry")
    data["district"] = district_named(text=body.district, region_id=data["region"].pk)
    return data


@router.get("/jobs", response=list[JobOut])
def job_list(
    request: AuthedRequest, page: Query[Page], q: str = "", region: str = "", industry: str = ""
) -> QuerySet[Job]:
    """Open jobs of both cities, newest first (the job board)."""
    region_obj = region_get(code=region) if region else None
    field = _industry(industry, field="industry") if industry else None
    qs = selectors.jobs_search(
        q=q[:100], region_id=region_obj.pk if region_obj else None, field_id=field.pk if field else None
    )
    return page.of(qs)


@router.get("/jobs/mine", response=list[JobOut])
def jobs_mine(request: AuthedRequest, page: Query[Page]) -> QuerySet[Job]:
    """Every job of the recruiter's organisation, drafts and closed ones too."""
    if not permissions.is_employer(request.user):
        raise NotAllowed(_("This page is for recruiters of an approved employer."))
    return page.of(selectors.jobs_of_employer(user=request.user).order_by("-updated_at", "-id"))


@router.post("/jobs", response={201: JobOut})
def job_create(request: AuthedRequest, body: JobIn) -> Status[Job]:
    """A draft job of the recruiter's organisation; publish it with ``/jobs/{id}/publish``."""
    if not permissions.is_employer(request.user):
        raise NotAllowed(_("Only recruiters of an approved employer publish jobs."))
    return Status(201, services.job_save(access=Access.from_request(request), **_job_data(body)))


@router.get("/jobs/{job_id}", response=JobOut)
def job_detail(request: AuthedRequest, job_id: int) -> Job:
    job = selectors.job_get(user=request.user, job_id=job_id)
    services.job_viewed(user=request.user, job=job)
    return job


@router.put("/jobs/{job_id}", response=JobOut)
def job_update(request: AuthedRequest, job_id: int, body: JobIn) -> Job:
    job = selectors.job_own(user=request.user, job_id=job_id)
    return services.job_save(access=Access.from_request(request), job=job, **_job_data(body))


@router.post("/jobs/{job_id}/publish", response=JobOut)
def job_publish(request: AuthedRequest, job_id: int) -> Job:
    job = selectors.job_own(user=request.user, job_id=job_id)
    return services.job_publish(access=Access.from_request(request), job=job)


@router.post("/jobs/{job_id}/close", response=JobOut)
def job_close(request: AuthedRequest, job_id: int) -> Job:
    job = selectors.job_own(user=request.user, job_id=job_id)
    return services.job_close(access=Access.from_request(request), job=job)


@router.get("/jobs/{job_id}/candidates", response=list[CandidateOut])
def job_candidates(request: AuthedRequest, job_id: int) -> list[dict[str, Any]]:
    """The job's best candidates, explained; the read is audited."""
    job = selectors.job_own(user=request.user, job_id=job_id)
    matches = selectors.candidates_for_job(job=job)
    selectors.resumes_read(access=Access.from_request(request), job=job, what="candidates",
                           profile_ids=[profile.pk for profile, _match in matches])  # fmt: skip
    return [
        {
            "profile_id": profile.pk, "name": mask_name(profile.person.name), "headline": profile.headline,
            "education": profile.education, "is_graduate": profile.is_graduate, "score": match.fit,
            "reasons": selectors.reasons_said(match=match, job=job),
        }
        for profile, match in matches
    ]  # fmt: skip


@router.get("/jobs/{job_id}/applications", response=list[EmployerJobApplicationOut])
def job_applications(request: AuthedRequest, job_id: int, page: Query[Page]) -> QuerySet[Application]:
    job = selectors.job_own(user=request.user, job_id=job_id)
    applications = page.of(selectors.applications_of_job(job=job))
    selectors.resumes_read(access=Access.from_request(request), job=job, what="applications",
                           profile_ids=[a.profile_id for a in applications])  # fmt: skip
    return applications


@router.post("/jobs/{job_id}/applications", response={201: JobApplicationOut})
def job_apply(request: AuthedRequest, job_id: int, body: ApplyIn) -> Status[Application]:
    job = selectors.job_get(user=request.user, job_id=job_id)
    return Status(
        201, services.application_create(access=Access.from_request(request), job=job, note=body.note)
    )


@router.post("/applications/{application_id}/move", response=EmployerJobApplicationOut)
def application_move(request: AuthedRequest, application_id: int, body: MoveIn) -> Application:
    application = selectors.application_of_employer(user=request.user, application_id=application_id)
    return services.application_move(
        access=Access.from_request(request), application=application, status=body.status, reason=body.reason
    )


@router.get("/applications", response=list[JobApplicationOut])
def applications_mine(request: AuthedRequest, page: Query[Page]) -> QuerySet[Application]:
    return page.of(selectors.applications_mine(user=request.user))


@router.post("/applications/{application_id}/withdraw", response=JobApplicationOut)
def application_withdraw(request: AuthedRequest, application_id: int) -> Application:
    application = selectors.application_of_talent(user=request.user, application_id=application_id)
    return services.application_withdraw(access=Access.from_request(request), application=application)


def _profile_out(profile: Profile) -> ProfileOut:
    return ProfileOut(
        id=profile.pk, headline=profile.headline, summary=profile.summary, education=profile.education,
        university=profile.university, graduation_year=profile.graduation_year,
        is_graduate=profile.is_graduate, experience_years=profile.experience_years, skills=profile.skills,
        declared_levels=profile.declared_levels,
        verified_levels=sorted(person_credential_levels(person_id=profile.person_id)),
        desired_regions=[r.code for r in profile.desired_regions.all()],
        desired_industries=[f.code for f in profile.desired_fields.all()],
        desired_salary=profile.desired_salary, open_to_offers=profile.open_to_offers,
        suggestions=profile.suggestions, sms_suggestions=profile.sms_suggestions,
        shared_with_other_city=profile.shared_with_other_city,
        district=profile.district.code if profile.district else None,
    )  # fmt: skip


def _own_profile(request: AuthedRequest) -> Profile:
    selectors.talent_person(user=request.user)
    profile = selectors.profile_own(user=request.user)
    if profile is None:
        raise NotFound(_("You have no résumé yet."), code="no_profile")
    return profile


@router.get("/profile", response=ProfileOut)
def profile_read(request: AuthedRequest) -> ProfileOut:
    """The talent's own résumé, with the levels recognised on the platform (verified)."""
    return _profile_out(_own_profile(request))


@router.put("/profile", response=ProfileOut)
def profile_write(request: AuthedRequest, body: ProfileIn) -> ProfileOut:
    data = body.dict()
    data["declared_levels"] = [level for level in data["declared_levels"] if level]
    data["district"] = district_named(text=body.district, region_id=None)
    regions = [region_get(code=code) for code in data.pop("desired_regions")]
    industries = [_industry(code, field="desired_industries") for code in data.pop("desired_industries")]
    profile = services.profile_save(
        access=Access.from_request(request), desired_regions=regions,
        desired_fields=[f for f in industries if f is not None], **data,
    )  # fmt: skip
    return _profile_out(
        Profile.objects.prefetch_related("desired_regions", "desired_fields").get(pk=profile.pk)
    )


@router.get("/profile/matches", response=list[JobMatchOut])
def profile_matches(request: AuthedRequest) -> list[dict[str, Any]]:
    """The open jobs that match the talent's résumé best, explained."""
    profile = _own_profile(request)
    return [
        {"job": job, "score": match.fit, "reasons": selectors.reasons_said(match=match, job=job)}
        for job, match in selectors.jobs_for_profile(profile=profile)
    ]


@router.get("/funnel", response=list[FunnelRowOut])
def funnel(request: AuthedRequest, year: int | None = Query(None, ge=2000, le=2100)) -> list[dict[str, Any]]:
    """Suggested → viewed → applied → hired by the job's city and industry."""
    if not permissions.sees_aggregates(request.user):
        raise NotAllowed(_("The market's figures are for city staff and the province observer."))
    return [
        {
            "region": row.region,
            "industry": row.field,
            **dict(zip(("suggested", "viewed", "applied", "hired"), row.steps, strict=True)),
        }
        for row in selectors.funnel(year=year)
    ]


@router.get("/graduates", response=GraduatesOut)
def graduates(request: AuthedRequest, year: int | None = Query(None, ge=2000, le=2100)) -> GraduatesYear:
    """New graduates of a year (this one unless given): applied, hired, where they came from, and how
    many of those hired a year or more ago stayed in the two cities."""
    if not permissions.sees_aggregates(request.user):
        raise NotAllowed(_("The market's figures are for city staff and the province observer."))
    return graduates_year(year=year or timezone.localdate().year)


@router.get("/map", response=TalentMapOut)
def key_industry_map(request: AuthedRequest, period: str = "") -> dict[str, Any]:
    """The key-industry talent map (重点产业人才地图): openings, résumés and openings per résumé by
    district and key industry at the end of a year (2025) or quarter (2025-Q3), or now (empty)."""
    if not permissions.sees_aggregates(request.user):
        raise NotAllowed(_("The market's figures are for city staff and the province observer."))
    try:
        chosen = talent_map.period_parse(period)
    except talent_map.PeriodError:
        raise DomainError(
            _("A period is a year (2025) or a quarter (2025-Q3)."), code="period", field="period"
        ) from None
    return talent_map.talent_map_data(talent_map.talent_map(period=chosen))
