"""Writes of the talent market: an employer's jobs (draft → published → closed or expired) and a
talent's profile."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from talentlink.core import permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.mail import language_of, site_url
from talentlink.core.models import AuditEvent, Region, Role, User
from talentlink.core.notices import Params, localised, notice_register
from talentlink.core.sms import sms_send
from talentlink.credentials.services import notify
from talentlink.market import index, matching, ranker, selectors, text
from talentlink.market.models import Application, Event, Job, Occupation, Profile, RankerModel, University
from talentlink.market.occupations import normaliser
from talentlink.market.universities import university_code
from talentlink.registry.merges import rows_follow, rows_return

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


@transaction.atomic
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
    from talentlink.market.tasks import matches_push as push_task

    transaction.on_commit(lambda: push_task.enqueue(job.pk))  # its first candidates and suggestions
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
    person = selectors.talent_person(user=access.user)
    regions = list(desired_regions)
    if not regions:
        raise DomainError(
            _("Choose at least one city you would work in."), code="required", field="desired_regions"
        )
    data["skills"] = text.skills_parse(data.get("skills") or [])
    if "university" in data:
        data["listed_university"] = university_listed(written=data["university"])
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


def university_listed(*, written: str) -> University | None:
    """The institution of the ministry's list a résumé's university text names (``universities``)."""
    code = university_code(written)
    return University.objects.filter(code=code).first() if code else None


def profiles_universities_match(*, profiles: QuerySet[Profile] | None = None) -> int:
    """Match the university text of résumés not yet matched to the list (résumés written in bulk,
    or after the list grew); returns how many were matched. Safe to run again."""
    qs = (profiles if profiles is not None else Profile.objects.all()).filter(listed_university__isnull=True)
    ids = dict(University.objects.values_list("code", "id"))
    by_university: dict[int, list[int]] = {}
    for pk, written in qs.exclude(university="").values_list("pk", "university").iterator():
        code = university_code(written)
        if code in ids:
            by_university.setdefault(ids[code], []).append(pk)
    for university_id, pks in by_university.items():
        Profile.objects.filter(pk__in=pks).update(listed_university_id=university_id)
    return sum(len(pks) for pks in by_university.values())


# --- Push (发布-推送): suggestions to talents, shortlists to employers --------------------------------

# At most this many job suggestions reach one talent a day; the best candidates of a job are
# suggested it (and shown to its employer) up to PUSH_PER_JOB.
DAILY_SUGGESTIONS = 3
PUSH_PER_JOB = 20


def _localise(params: Params) -> Params:
    status = params.get("status")
    out = localised(params, "city", "employer")
    if status:
        out["status"] = Application.Status(status).label
    return out


JOB_SUGGESTED = notice_register(
    "market.job_suggested",
    subject=_("A job for you: %(title)s"),
    body=_(
        "%(employer)s is hiring a %(title)s in %(city)s (%(salary)s yuan a month). It matches your résumé; "
        "open it to read more and apply. You can turn suggestions off on your résumé."
    ),
    localise=_localise,
)
CANDIDATES_FOUND = notice_register(
    "market.candidates",
    subject=_("%(n)s new candidates for %(title)s"),
    body=_("%(n)s talents open to offers match your job %(title)s. Open its candidates to see why."),
    localise=_localise,
)
APPLIED = notice_register(
    "market.applied",
    subject=_("A new application for %(title)s"),
    body=_("A talent applied to your job %(title)s. Open its applications to answer."),
    localise=_localise,
)
APPLICATION_MOVED = notice_register(
    "market.application_status",
    subject=_("Your application for %(title)s: %(status)s"),
    body=_("%(employer)s answered your application for %(title)s: %(status)s. %(reason)s"),
    localise=_localise,
)


def _job_params(job: Job) -> Params:
    return {
        "title": job.title, "employer": job.organisation.name, "employer_en": job.organisation.name,
        "city": job.region.name, "city_en": job.region.name_en,
        "salary": f"{job.salary_min}–{job.salary_max}",
    }  # fmt: skip


def recruiters_of(job: Job) -> list[User]:
    return list(User.objects.filter(role=Role.EMPLOYER, organisation_id=job.organisation_id, is_active=True))


@dataclass
class PushOutcome:
    suggestions: int = 0
    shortlists: int = 0


@transaction.atomic
def matches_push(*, job_id: int | None = None, now: dt.datetime | None = None) -> PushOutcome:
    """Suggest each open job (or the one just published) to its best candidates who have not had
    it yet and still have suggestions left today, and tell its recruiters how many new candidates
    it has. Every push is a feedback event; run by a task at publishing and by ``market_push``."""
    now = now or timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)  # the city's day
    open_jobs = selectors.jobs_open()
    jobs = list(open_jobs.filter(pk=job_id) if job_id is not None else open_jobs)
    outcome = PushOutcome()
    found = selectors.search(jobs=False)  # read once for every open job
    for job in jobs:
        matches = selectors.candidates_for_job(job=job, limit=PUSH_PER_JOB, within=found)
        pushed = Event.objects.filter(job=job, kind=Event.Kind.PUSHED)
        to_talent = set(pushed.filter(to=Event.Side.TALENT).values_list("profile_id", flat=True))
        to_employer = set(pushed.filter(to=Event.Side.EMPLOYER).values_list("profile_id", flat=True))
        link = reverse("market:job_detail", args=[job.pk])
        for profile, _match in matches:
            account = profile.person.account
            if profile.pk in to_talent or not profile.suggestions or account is None:
                continue
            today = Event.objects.filter(
                profile=profile, kind=Event.Kind.PUSHED, to=Event.Side.TALENT, at__gte=day_start
            )
            if today.count() >= DAILY_SUGGESTIONS:
                continue
            notify(user=account, notice=JOB_SUGGESTED, params=_job_params(job), link=link)
            if profile.sms_suggestions:
                with override(language_of(account)):
                    subject, _body = JOB_SUGGESTED.render(_job_params(job))
                sms_send(phone=profile.person.phone, text=f"{subject} {site_url(link)}")
            Event.objects.create(job=job, profile=profile, kind=Event.Kind.PUSHED, side=Event.Side.PLATFORM,
                                 to=Event.Side.TALENT)  # fmt: skip
            outcome.suggestions += 1
        new = [profile for profile, _match in matches if profile.pk not in to_employer]
        if new:
            for recruiter in recruiters_of(job):
                notify(user=recruiter, notice=CANDIDATES_FOUND, params={**_job_params(job), "n": len(new)},
                       link=reverse("market:job_candidates", args=[job.pk]))  # fmt: skip
            shortlisted = dict(kind=Event.Kind.PUSHED, side=Event.Side.PLATFORM, to=Event.Side.EMPLOYER)
            Event.objects.bulk_create([Event(job=job, profile=p, **shortlisted) for p in new])
            outcome.shortlists += 1
    return outcome


# --- Applications (匹配-反馈) -------------------------------------------------------------------------

# Where the employer may take an application from each status.
_S = Application.Status
NEXT: dict[str, tuple[str, ...]] = {
    _S.APPLIED: (_S.INTERVIEW, _S.OFFERED, _S.REJECTED),
    _S.INTERVIEW: (_S.INTERVIEWED, _S.REJECTED),
    _S.INTERVIEWED: (_S.OFFERED, _S.REJECTED),
    _S.OFFERED: (_S.HIRED, _S.REJECTED),
}


def job_viewed(*, user: Any, job: Job) -> None:
    """A talent with a résumé opened a job: once per pair, a feedback event."""
    profile = selectors.profile_own(user=user) if user is not None and user.is_authenticated else None
    if (
        profile is not None
        and not Event.objects.filter(job=job, profile=profile, kind=Event.Kind.VIEWED).exists()
    ):
        Event.objects.create(job=job, profile=profile, kind=Event.Kind.VIEWED, side=Event.Side.TALENT)


@transaction.atomic
def application_create(*, access: Access, job: Job, note: str = "") -> Application:
    """The talent applies to an open job with their résumé; the job's recruiters are told."""
    profile = selectors.profile_own(user=access.user)
    if profile is None:
        raise NotAllowed(_("Write your résumé first: an application sends it to the employer."))
    if job.status != Job.Status.PUBLISHED or job.valid_until < timezone.localdate():
        raise Conflict(_("The job is not open."), code="not_open")
    if Application.objects.filter(job=job, profile=profile).exists():
        raise Conflict(_("You applied to this job already."), code="duplicate")
    application = Application.objects.create(job=job, profile=profile, note=note[:500])
    Event.objects.create(job=job, profile=profile, kind=Event.Kind.APPLIED, side=Event.Side.TALENT)
    for recruiter in recruiters_of(job):
        notify(user=recruiter, notice=APPLIED, params=_job_params(job),
               link=reverse("market:job_applications", args=[job.pk]))  # fmt: skip
    audit_record(
        access=access, action=AuditEvent.Action.CREATE, object_type="market.application",
        object_id=application.pk, object_region=job.region.code,
    )  # fmt: skip
    return application


@transaction.atomic
def application_move(
    *, access: Access, application: Application, status: str, reason: str = ""
) -> Application:
    """The employer takes an application a step on (interview, offer, hire) or ends it with a
    reason; the talent is told in their language."""
    user = _require_employer(access)
    job = application.job
    if job.organisation_id != user.organisation_id:
        raise NotAllowed(_("This job belongs to another employer."))
    if status not in NEXT.get(application.status, ()):
        raise Conflict(_("The application cannot go there from where it is."), code="status")
    if status == Application.Status.REJECTED and not reason.strip():
        raise DomainError(_("Say why, for the talent."), code="required", field="reason")
    application.status, application.reason = status, reason.strip()[:300]
    application.save(update_fields=["status", "reason", "updated_at"])
    Event.objects.create(job=job, profile=application.profile, kind=status, side=Event.Side.EMPLOYER,
                         reason=application.reason)  # fmt: skip
    account = application.profile.person.account
    if account is not None:
        notify(user=account, notice=APPLICATION_MOVED,
               params={**_job_params(job), "status": status, "reason": application.reason},
               link=reverse("market:applications_mine"))  # fmt: skip
    audit_record(
        access=access, action=AuditEvent.Action.DECIDE, object_type="market.application",
        object_id=application.pk, object_region=job.region.code, detail={"status": status},
    )  # fmt: skip
    return application


@transaction.atomic
def application_withdraw(*, access: Access, application: Application) -> Application:
    profile = selectors.profile_own(user=access.user)
    if profile is None or application.profile_id != profile.pk:
        raise NotAllowed(_("Only the talent who applied may withdraw the application."))
    if not application.is_open:
        raise Conflict(_("The application is closed already."), code="closed")
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    Event.objects.create(
        job=application.job, profile=profile, kind=Event.Kind.WITHDRAWN, side=Event.Side.TALENT
    )
    return application


# --- Following merges of persons (registry/linkage/propagation.py) ---------------------------------


def market_person_merged(*, source_id: int, target_id: int) -> dict[str, Any]:
    """A retired person's résumé (with its applications and events) goes to its successor, unless
    the successor keeps a résumé of its own: one per person, and then each stays where it is."""
    if Profile.objects.filter(person_id=target_id).exists():
        return {}
    moved = rows_follow(Profile, source_id=source_id, target_id=target_id)
    return {"profiles": moved} if moved else {}


def market_person_merge_undone(*, moved: dict[str, Any], source_id: int, target_id: int) -> None:
    """Put back what :func:`market_person_merged` moved."""
    rows_return(Profile, moved.get("profiles", []), source_id=source_id, target_id=target_id)


# --- The learned ranker ----------------------------------------------------------------------------


def index_build() -> Path:
    """Build the candidate indexes of every open profile and job and save them where the
    application servers read them (``TALENTLINK_MARKET_INDEX``); the new one is put in use by
    replacing a pointer file at once, and the one before it is kept for a process still reading
    it. Profiles and jobs changed after the build began are ranked from the database beside it
    (``selectors.search``); ``market_index`` runs it (hourly, docs/operations.md)."""
    root = Path(settings.TALENTLINK_MARKET_INDEX)
    started = timezone.now()
    name = started.strftime("%Y%m%dT%H%M%S%f")
    folder = root / name
    talents = index.TalentIndex.build(
        selectors.talents_of(selectors.profiles_open()), built_at=started.isoformat()
    )
    talents.save(folder / "talents")
    del talents
    jobs = index.JobIndex.build(selectors.jobs_of(selectors.jobs_open()), built_at=started.isoformat())
    jobs.save(folder / "jobs")
    pointer = root / f".CURRENT.{name}"
    pointer.write_text(name, encoding="utf-8")
    os.replace(pointer, root / "CURRENT")
    older = sorted(p for p in root.iterdir() if p.is_dir() and p.name < name)
    for old in older[:-1]:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def ranker_train() -> list[RankerModel]:
    """Train the two rankings on the feedback log and keep them: talents for a job (one query per
    job) and jobs for a talent (one query per talent), each with graded labels and its newest
    queries held out; a model is in use only if it did at least as well there as the
    hand-weighted score. Empty while the feedback is too thin to train on.

    The signals beyond the pair (ALS factors: ``ranker.Signals``) of a pair are
    read from the log older than the pair, as they will be when the model ranks: they are fitted
    on the older half of the log and given to the pairs of the newer half (NaN to the older
    ones); the signals of the whole log are then saved for the ranking."""
    kinds: dict[tuple[int, int], list[str]] = {}
    first: dict[tuple[int, int], int] = {}
    first_day: dict[tuple[int, int], float] = {}  # when the pair was first suggested or acted on
    last: dict[tuple[int, int], int] = {}
    steps: list[tuple[int, int, int, str]] = []  # event id, profile, employer, kind
    events = Event.objects.exclude(to=Event.Side.EMPLOYER).order_by("pk")
    for pk, job_id, profile_id, kind, employer_id, at in events.values_list(
        "pk", "job_id", "profile_id", "kind", "job__organisation_id", "at"
    ).iterator():
        kinds.setdefault((job_id, profile_id), []).append(kind)
        first.setdefault((job_id, profile_id), pk)
        first_day.setdefault((job_id, profile_id), matching.day(at))
        last[(job_id, profile_id)] = pk
        steps.append((pk, profile_id, employer_id, kind))
    cut = steps[len(steps) // 2][0] if steps else 0
    past = ranker.signals_fit([(p, e, k) for pk, p, e, k in steps if pk <= cut])

    def older(job: matching.JobFacts, talent: matching.TalentFacts) -> dict[str, float]:
        """What the ranking will read of the pair, as it was when the pair was first in the log."""
        said = matching.ages(job, talent, on=first_day[(job.id, talent.id)])
        return {**said, **past.of(talent.id, job.employer_id)} if first[(job.id, talent.id)] > cut else said

    # The pairs' features as the ranking computes them, over an index of the profiles in the log.
    talents = index.TalentIndex.build(
        selectors.talents_of(Profile.objects.filter(pk__in={pid for _j, pid in kinds}))
    )
    known = set(talents.columns.ids.tolist())
    members: dict[int, list[int]] = {}
    for job_id, profile_id in kinds:
        if profile_id in known:
            members.setdefault(job_id, []).append(profile_id)
    features: dict[tuple[int, int], dict[str, float]] = {}
    jobs = Job.objects.filter(pk__in=members).select_related("organisation").order_by("published_at", "id")
    job_order = []
    for job in jobs:
        job_order.append(job.pk)
        facts = selectors.job_facts(job)
        rows = talents.features(facts, members[job.pk], satisfies=selectors.satisfies, signals=older)
        features.update(((job.pk, pid), row) for pid, row in zip(members[job.pk], rows, strict=True))
    of_talent: dict[int, list[int]] = {}
    for job_id, profile_id in features:
        of_talent.setdefault(profile_id, []).append(job_id)
    talent_order = sorted(of_talent, key=lambda pid: max(last[(j, pid)] for j in of_talent[pid]))

    def query(keys: list[tuple[int, int]]) -> ranker.Query:
        rows = [features[key] for key in keys]
        return ranker.Query(
            features=np.array([[row[name] for name in matching.FEATURES] for row in rows]),
            labels=np.array([ranker.label(kinds[key]) for key in keys]),
            hand=np.array([matching.fit(row) for row in rows]),
        )

    sides = {
        RankerModel.Side.TALENTS: [query([(j, pid) for pid in members[j]]) for j in job_order],
        RankerModel.Side.JOBS: [query([(j, pid) for j in of_talent[pid]]) for pid in talent_order],
    }
    kept = []
    for side, queries in sides.items():
        trained = ranker.train(queries)
        if trained is not None:
            kept.append(RankerModel.objects.create(
                side=side, features=list(matching.FEATURES), booster=trained.booster.model_to_string(),
                queries=trained.queries, pairs=trained.pairs, ndcg=trained.ndcg, ndcg_hand=trained.ndcg_hand,
                score_mean=trained.mean, score_std=trained.std, is_active=trained.ndcg >= trained.ndcg_hand,
            ))  # fmt: skip
    if kept:
        signals_save(ranker.signals_fit([(p, e, k) for _pk, p, e, k in steps]))
    return kept


def signals_save(signals: ranker.Signals) -> Path:
    """Keep the log's signals where the ranking reads them (beside the candidate indexes), put in
    use by replacing the ``SIGNALS`` pointer; the one before is kept for a process reading it."""
    root = Path(settings.TALENTLINK_MARKET_INDEX)
    name = f"{timezone.now():%Y%m%dT%H%M%S%f}.npz"
    signals.save(root / "signals" / name)
    pointer = root / f".SIGNALS.{name}"
    pointer.write_text(name, encoding="utf-8")
    os.replace(pointer, root / "SIGNALS")
    for old in sorted((root / "signals").glob("*.npz"))[:-2]:
        old.unlink(missing_ok=True)
    return root / "signals" / name
