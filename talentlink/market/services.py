"""Writes of the talent market: an employer's jobs (draft → published → closed or expired) and a
talent's profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core import permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.models import AuditEvent, Region
from talentlink.market import text
from talentlink.market.models import Job, Occupation, Profile
from talentlink.market.occupations import normaliser
from talentlink.registry.selectors import person_own

# The longest a job stays published without being renewed.
MAX_VALIDITY_DAYS = 180
JOB_FIELDS = (
    "title", "description", "occupation", "field", "region", "district", "education", "required_level",
    "skills", "experience_years", "salary_min", "salary_max", "headcount", "valid_until",
)  # fmt: skip


def _require_employer(access: Access) -> Any:
    user = access.user
    if not permissions.is_employer(user):
        raise NotAllowed(_("Only recruiters of an approved employer publish jobs."))
    return user


def _validate(data: dict[str, Any], *, today: dt.date) -> None:
    if data["salary_max"] < data["salary_min"]:
        raise DomainError(
            _("The salary range ends below where it starts."), code="salary_range", field="salary_max"
        )
    if data["valid_until"] < today:
        raise DomainError(
            _("The job must be valid until today or later."), code="valid_until", field="valid_until"
        )
    if data["valid_until"] > today + dt.timedelta(days=MAX_VALIDITY_DAYS):
        raise DomainError(
            _("A job is published for at most 180 days; renew it later."),
            code="valid_until",
            field="valid_until",
        )


def occupation_for_title(title: str) -> Occupation | None:
    """The CSCO 2022 occupation a job title names (``market/occupations.py``)."""
    code = normaliser().code_for(title)
    return Occupation.objects.filter(code=code).first() if code else None


@transaction.atomic
def job_save(*, access: Access, job: Job | None = None, **data: Any) -> Job:
    """Create a draft job or change one of the organisation's jobs; a job without an occupation
    gets the one its title names."""
    user = _require_employer(access)
    data["skills"] = text.skills_parse(data.get("skills") or [])
    _validate(data, today=timezone.localdate())
    if data.get("occupation") is None:
        data["occupation"] = occupation_for_title(data["title"])
    created = job is None
    if job is None:
        job = Job(organisation=user.organisation, created_by=user)
    elif job.organisation_id != user.organisation_id:
        raise NotAllowed(_("This job belongs to another employer."))
    for name in JOB_FIELDS:
        if name in data:
            setattr(job, name, data[name])
    if job.status == Job.Status.EXPIRED and job.valid_until >= timezone.localdate():
        job.status = Job.Status.DRAFT  # renewed: published again by its recruiter
    job.save()
    audit_record(
        access=access, action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        object_type="market.job", object_id=job.pk, object_label=job.title, object_region=job.region.code,
    )  # fmt: skip
    return job


def job_publish(*, access: Access, job: Job) -> Job:
    _require_employer(access)
    if job.status == Job.Status.PUBLISHED:
        raise Conflict(_("The job is published already."), code="published")
    if job.status == Job.Status.CLOSED:
        raise Conflict(_("A closed job is not published again; copy it into a new one."), code="closed")
    _validate({"salary_min": job.salary_min, "salary_max": job.salary_max, "valid_until": job.valid_until},
              today=timezone.localdate())  # fmt: skip
    job.status, job.published_at = Job.Status.PUBLISHED, timezone.now()
    job.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        access=access, action=AuditEvent.Action.DECIDE, object_type="market.job", object_id=job.pk,
        object_label=job.title, object_region=job.region.code, detail={"status": job.status},
    )  # fmt: skip
    return job


def job_close(*, access: Access, job: Job) -> Job:
    _require_employer(access)
    if job.status in (Job.Status.CLOSED, Job.Status.EXPIRED):
        raise Conflict(_("The job is not open."), code="not_open")
    job.status = Job.Status.CLOSED
    job.save(update_fields=["status", "updated_at"])
    audit_record(
        access=access, action=AuditEvent.Action.DECIDE, object_type="market.job", object_id=job.pk,
        object_label=job.title, object_region=job.region.code, detail={"status": job.status},
    )  # fmt: skip
    return job


def jobs_expire(*, today: dt.date | None = None) -> int:
    """Mark published jobs whose validity ended as expired (the board already hides them); daily."""
    today = today or timezone.localdate()
    return Job.objects.filter(status=Job.Status.PUBLISHED, valid_until__lt=today).update(
        status=Job.Status.EXPIRED, updated_at=timezone.now()
    )


@transaction.atomic
def profile_save(
    *, access: Access, desired_regions: Iterable[Region], desired_fields: Iterable[Any] = (), **data: Any
) -> Profile:
    """Create or change the talent's own profile."""
    person = person_own(user=access.user)
    if person is None:
        raise NotAllowed(_("A résumé belongs to a talent whose registry record is linked to the account."))
    regions = list(desired_regions)
    if not regions:
        raise DomainError(
            _("Choose at least one city you would work in."), code="required", field="desired_regions"
        )
    data["skills"] = text.skills_parse(data.get("skills") or [])
    profile, created = Profile.objects.get_or_create(person=person, defaults=data)
    if not created:
        for name, value in data.items():
            setattr(profile, name, value)
        profile.save()
    profile.desired_regions.set(regions)
    profile.desired_fields.set(list(desired_fields))
    audit_record(
        access=access, action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        object_type="market.profile", object_id=profile.pk, object_region=person.home_region.code,
    )  # fmt: skip
    return profile
