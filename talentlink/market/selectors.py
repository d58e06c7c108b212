"""Reads of the talent market: the job board, an employer's jobs, the talent's profile, and the
matches both ways (``market/matching.py`` ranks them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from talentlink.core import permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import NotAllowed, NotFound
from talentlink.core.models import AuditEvent, User
from talentlink.credentials.selectors import (
    level_satisfies,
    person_credential_levels,
    persons_credential_levels,
)
from talentlink.market import index as market_index
from talentlink.market import matching, occupations, ranker, text
from talentlink.market.models import EDUCATION_RANK, Application, Event, Job, Profile, RankerModel
from talentlink.registry.models import Person
from talentlink.registry.selectors import person_own

# How many candidates or jobs a match list shows.
MATCHES_SHOWN = 20


def jobs_open() -> QuerySet[Job]:
    """Published jobs still valid today: the job board."""
    return (
        Job.objects.filter(status=Job.Status.PUBLISHED, valid_until__gte=timezone.localdate())
        .select_related("organisation", "region", "district", "occupation", "field")
        .order_by("-published_at", "-id")
    )


def jobs_search(*, q: str = "", region_id: int | None = None, field_id: int | None = None) -> QuerySet[Job]:
    qs = jobs_open()
    if region_id:
        qs = qs.filter(region_id=region_id)
    if field_id:
        qs = qs.filter(field_id=field_id)
    for word in q.split()[:5]:
        qs = qs.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(organisation__name__icontains=word)
        )
    return qs


def jobs_of_employer(*, user: User) -> QuerySet[Job]:
    """Every job of the recruiter's organisation, drafts and closed ones too."""
    organisation_id = user.organisation_id
    if organisation_id is None or not permissions.is_employer(user):
        return Job.objects.none()
    return Job.objects.filter(organisation_id=organisation_id).select_related(
        "region", "district", "occupation", "field"
    )


def job_get(*, user: User | None, job_id: int) -> Job:
    """A job as this reader may see it: open jobs to everyone; drafts, closed and expired jobs to
    the employer's recruiters and the talent office of the job's city."""
    job = (
        Job.objects.select_related("organisation", "region", "district", "occupation", "field")
        .filter(pk=job_id)
        .first()
    )
    if job is None:
        raise NotFound(_("No such job."))
    is_open = job.status == Job.Status.PUBLISHED and job.valid_until >= timezone.localdate()
    own = user is not None and permissions.is_employer(user) and user.organisation_id == job.organisation_id
    if not (is_open or own or permissions.may_manage_region(user, job.region_id)):
        raise NotFound(_("No such job."))
    return job


def job_own(*, user: User, job_id: int) -> Job:
    """A job of the recruiter's own organisation (to edit, publish, close, see candidates)."""
    job = jobs_of_employer(user=user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("No such job."))
    return job


def talent_person(*, user: User | None) -> Person:
    """The talent's own registry person, whose résumé and applications these are; refused to
    accounts without one (staff, employers, a talent not yet linked to their record)."""
    person = person_own(user=user)
    if person is None:
        raise NotAllowed(_("A résumé belongs to a talent whose registry record is linked to the account."))
    return person


def profile_own(*, user: User | None) -> Profile | None:
    """The talent's own profile, if they keep one."""
    person = person_own(user=user)
    if person is None:
        return None
    return Profile.objects.filter(person=person).prefetch_related("desired_regions", "desired_fields").first()


# --- Matching -----------------------------------------------------------------------------------


def job_facts(job: Job) -> matching.JobFacts:
    return matching.JobFacts(
        id=job.pk,
        tokens=text.tokens(" ".join((job.title, job.description, *job.skills))),
        skills=frozenset(text.skill_key(s) for s in job.skills),
        region_id=job.region_id,
        employer_region_id=job.organisation.region_id,
        education_rank=EDUCATION_RANK.get(job.education, 0),
        required_level=job.required_level,
        field_id=job.field_id,
        salary_min=job.salary_min,
        salary_max=job.salary_max,
        experience_years=job.experience_years,
        occupation=job.occupation.code if job.occupation is not None else occupations.code_of(job.title),
        employer_id=job.organisation_id,
        district_id=job.district_id,
        published=matching.day(job.published_at),
    )


def talent_facts(
    profile: Profile,
    verified: set[str],
    *,
    regions: Iterable[int] | None = None,
    fields: Iterable[int] | None = None,
) -> matching.TalentFacts:
    """A résumé's facts for matching; ``regions`` and ``fields`` (its wishes) where the caller
    read them for many résumés at once, else from the profile."""
    person = profile.person
    return matching.TalentFacts(
        id=profile.pk,
        tokens=text.tokens(" ".join((profile.headline, profile.summary, person.title, *profile.skills))),
        skills=frozenset(text.skill_key(s) for s in profile.skills),
        home_region_id=person.home_region_id,
        desired_region_ids=frozenset(
            regions if regions is not None else (r.pk for r in profile.desired_regions.all())
        ),
        shared_with_other_city=profile.shared_with_other_city,
        education_rank=EDUCATION_RANK.get(profile.education or person.education, 0),
        verified_levels=frozenset(verified),
        declared_levels=frozenset(profile.declared_levels) - frozenset(verified),
        desired_field_ids=frozenset(
            fields if fields is not None else (f.pk for f in profile.desired_fields.all())
        ),
        desired_salary=profile.desired_salary,
        experience_years=profile.experience_years,
        occupation=occupations.code_of(profile.headline or person.title),
        district_id=profile.district_id,
        updated=matching.day(profile.updated_at),
    )


def satisfies(levels: set[str], required: str) -> bool:
    return level_satisfies(levels=levels, required=required)


_BOOSTERS: dict[int, Any] = {}  # loaded models by RankerModel id, per process


def ranker_active() -> matching.Model | None:
    """The ranking in use: the newest model of each side (talents for a job, jobs for a talent)
    that is in use and scores today's features, combined (``ranker.combined``); None while
    feedback is too thin or no model did better than the hand-weighted score."""
    newest = {}
    for model in RankerModel.objects.filter(is_active=True).only(
        "pk", "side", "features", "score_mean", "score_std"
    ):
        if model.side not in newest and tuple(model.features) == matching.FEATURES:
            newest[model.side] = model
    if not newest:
        return None
    wanted = {model.pk for model in newest.values()}
    for old in set(_BOOSTERS) - wanted:
        del _BOOSTERS[old]
    unloaded = RankerModel.objects.filter(pk__in=wanted - set(_BOOSTERS))
    for pk, booster in unloaded.values_list("pk", "booster"):
        _BOOSTERS[pk] = ranker.loaded(booster)
    return ranker.combined([(_BOOSTERS[m.pk], m.score_mean, m.score_std) for m in newest.values()])


_SIGNALS: dict[str, ranker.Signals] = {}  # the newest saved, by file name, per process


def signals_saved() -> ranker.Signals | None:
    """What the log says of each side (``ranker.Signals``), as ``market_train`` last saved it."""
    root = Path(settings.TALENTLINK_MARKET_INDEX)
    try:
        name = (root / "SIGNALS").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if name not in _SIGNALS:
        try:
            loaded = ranker.Signals.load(root / "signals" / name)
        except (OSError, ValueError, KeyError):
            return None
        _SIGNALS.clear()
        _SIGNALS[name] = loaded
    return _SIGNALS[name]


def signals_active() -> matching.PairSignals:
    """What the ranking models read of a pair beyond its facts: the log's signals (where
    ``market_train`` saved them) and how old the job and the résumé are now."""
    signals = signals_saved()
    now = matching.day(timezone.now())

    def read(job: matching.JobFacts, talent: matching.TalentFacts) -> dict[str, float]:
        said = matching.ages(job, talent, on=now)
        return {**said, **signals.of(talent.id, job.employer_id)} if signals is not None else said

    return read


def _aligned(
    signals: ranker.Signals,
    index: market_index.TalentIndex | market_index.JobIndex,
    ids: np.ndarray,
    **kw: bool,
) -> np.ndarray:
    """The factor rows of the index's talents or employers, kept on the index for these signals."""
    kept = index.cache.get("signals")
    if kept is None or kept[0] is not signals:
        kept = index.cache["signals"] = (signals, signals.rows_of(ids, **kw))
    return kept[1]


def talents_liking(found: Search, job: matching.JobFacts) -> np.ndarray | None:
    """Each indexed talent's affinity to the job's employer (a source of candidates)."""
    signals = signals_saved()
    if signals is None or found.talents is None:
        return None
    rows = _aligned(signals, found.talents, found.talents.columns.ids)
    return signals.talents_liking(rows, job.employer_id)


def jobs_liking(found: Search, talent: matching.TalentFacts) -> np.ndarray | None:
    """The talent's affinity to each indexed job's employer (a source of candidates)."""
    signals = signals_saved()
    if signals is None or found.jobs is None:
        return None
    rows = _aligned(signals, found.jobs, found.jobs.jobs["employer"], employers=True)
    return signals.employers_liking(rows, talent.id)


def profiles_open() -> QuerySet[Profile]:
    """Profiles open to offers, of active persons."""
    return (
        Profile.objects.filter(open_to_offers=True, person__status=Person.Status.ACTIVE)
        .select_related("person__account")  # the push tells the person's account
        .prefetch_related("desired_regions", "desired_fields")
    )


def talents_of(profiles: QuerySet[Profile]) -> Iterator[matching.TalentFacts]:
    """The facts of these profiles, read in chunks (the saved index reads every open one)."""
    chunk: list[Profile] = []
    profiles = profiles.prefetch_related(None).select_related(None).select_related("person")
    for profile in profiles.iterator(chunk_size=2000):
        chunk.append(profile)
        if len(chunk) == 2000:
            yield from _facts_of(chunk)
            chunk = []
    yield from _facts_of(chunk)


def _facts_of(profiles: list[Profile]) -> Iterator[matching.TalentFacts]:
    """Facts of a chunk of résumés: their wishes read in one query each (a prefetch builds a
    queryset per résumé, most of the time an index build takes)."""
    verified = persons_credential_levels(person_ids=[p.person_id for p in profiles])
    ids = [p.pk for p in profiles]
    regions: dict[int, list[int]] = {pk: [] for pk in ids}
    fields: dict[int, list[int]] = {pk: [] for pk in ids}
    for pk, region_id in Profile.desired_regions.through.objects.filter(profile_id__in=ids).values_list(
        "profile_id", "region_id"
    ):
        regions[pk].append(region_id)
    for pk, field_id in Profile.desired_fields.through.objects.filter(profile_id__in=ids).values_list(
        "profile_id", "field_id"
    ):
        fields[pk].append(field_id)
    for profile in profiles:
        yield talent_facts(
            profile, verified[profile.person_id], regions=regions[profile.pk], fields=fields[profile.pk]
        )


def jobs_of(jobs: QuerySet[Job]) -> Iterator[matching.JobFacts]:
    for job in jobs.iterator(chunk_size=2000):
        yield job_facts(job)


@dataclass(frozen=True)
class Search:
    """What matches are ranked from: the saved indexes (``manage.py market_index``) with the
    résumés and jobs changed since they were built beside them, or, where none is saved, indexes
    of every open profile and job built now (a small platform, the tests)."""

    talents: market_index.TalentIndex | None
    jobs: market_index.JobIndex | None
    changed_profiles: frozenset[int] = frozenset()
    fresh_profiles: tuple[matching.TalentFacts, ...] = ()
    changed_jobs: frozenset[int] = frozenset()
    fresh_jobs: tuple[matching.JobFacts, ...] = ()


_SAVED: dict[str, tuple[market_index.TalentIndex, market_index.JobIndex]] = {}  # by folder, per process


def index_saved() -> tuple[market_index.TalentIndex, market_index.JobIndex] | None:
    """The newest indexes ``market_index`` saved, loaded once per process (memory-mapped)."""
    root = Path(settings.TALENTLINK_MARKET_INDEX)
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if name not in _SAVED:
        talents = market_index.TalentIndex.load(root / name / "talents")
        jobs = market_index.JobIndex.load(root / name / "jobs")
        if talents is None or jobs is None:
            return None
        _SAVED.clear()
        _SAVED[name] = (talents, jobs)
    return _SAVED[name]


def search(*, talents: bool = True, jobs: bool = True) -> Search:
    """The indexes to rank talents (for jobs) and jobs (for talents) from; where none is saved,
    only those asked for are built."""
    saved = index_saved()
    if saved is None:
        return Search(
            market_index.TalentIndex.build(talents_of(profiles_open())) if talents else None,
            market_index.JobIndex.build(jobs_of(jobs_open())) if jobs else None,
        )
    since = dt.datetime.fromisoformat(saved[0].built_at)
    changed = frozenset(Profile.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
    changed_jobs = frozenset(Job.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
    return Search(
        *saved,
        changed_profiles=changed,
        fresh_profiles=tuple(talents_of(profiles_open().filter(pk__in=changed))) if changed else (),
        changed_jobs=changed_jobs,
        fresh_jobs=tuple(jobs_of(jobs_open().filter(pk__in=changed_jobs))) if changed_jobs else (),
    )


# Ranked beyond the limit, for those the database no longer shows (a person merged or gone).
_SLACK = 10


def candidates_for_job(
    *, job: Job, limit: int = MATCHES_SHOWN, within: Search | None = None
) -> list[tuple[Profile, matching.Match]]:
    """The best candidates for a job, explained: the profiles the hard filters admit (the job's
    city among their wishes, visible to its employer's city, education, level, salary), ranked by
    the learned model or the hand-weighted score; ``within`` where the caller ranks many jobs."""
    found = within if within is not None and within.talents is not None else search(jobs=False)
    assert found.talents is not None
    facts = job_facts(job)
    ranked = found.talents.rank(
        facts, satisfies=satisfies, limit=limit + _SLACK, model=ranker_active(),
        exclude=found.changed_profiles, extra=found.fresh_profiles, signals=signals_active(),
        liking=talents_liking(found, facts),
    )  # fmt: skip
    # Those still open now (an index may be an hour old); their wishes are not shown here.
    profiles = profiles_open().prefetch_related(None).in_bulk([m.talent_id for m in ranked])
    return [(profiles[m.talent_id], m) for m in ranked if m.talent_id in profiles][:limit]


def jobs_for_profile(
    *, profile: Profile, limit: int = MATCHES_SHOWN, within: Search | None = None
) -> list[tuple[Job, matching.Match]]:
    """The best open jobs for the talent, explained."""
    found = within if within is not None and within.jobs is not None else search(talents=False)
    assert found.jobs is not None
    talent = talent_facts(profile, person_credential_levels(person_id=profile.person_id))
    ranked = found.jobs.rank(
        talent, satisfies=satisfies, limit=limit + _SLACK, model=ranker_active(),
        exclude=found.changed_jobs, extra=found.fresh_jobs, signals=signals_active(),
        liking=jobs_liking(found, talent),
    )  # fmt: skip
    jobs = jobs_open().in_bulk([m.job_id for m in ranked])
    return [(jobs[m.job_id], m) for m in ranked if m.job_id in jobs][:limit]


def reasons_said(*, match: matching.Match, job: Job) -> list[str]:
    """A match's reasons in the reader's language, e.g. "matches the required level 副高级 (verified)"."""
    from talentlink.credentials.models import Level

    said = []
    written = {text.skill_key(s): s for s in job.skills}  # as the employer wrote them
    for reason in match.reasons:
        p = reason.params
        if reason.code == "level_verified":
            said.append(_("holds %(level)s or above (recognised)") % {"level": Level(p["level"]).label})
        elif reason.code == "level_declared":
            said.append(_("declares %(level)s (not yet recognised)") % {"level": Level(p["level"]).label})
        elif reason.code == "skills":
            text_ = _("%(n)s of %(of)s skills") % {"n": p["n"], "of": p["of"]}
            if p["missing"]:
                text_ += _(" (missing: %(missing)s)") % {
                    "missing": "、".join(written.get(k, k) for k in p["missing"][:5])
                }
            said.append(text_)
        elif reason.code == "industry" and job.field is not None:
            said.append(_("wants to work in %(field)s") % {"field": job.field})
        elif reason.code == "experience_short":
            said.append(_("%(has)s of %(wants)s years' experience") % {"has": p["has"], "wants": p["wants"]})
        elif reason.code == "occupation":
            name = occupations.normaliser().names.get(p["code"], p["code"])
            said.append(_("works as %(occupation)s") % {"occupation": name})
        elif reason.code == "city":
            said.append(_("would work in %(city)s") % {"city": job.region.display_name})
    return said


# --- Applications and the funnel --------------------------------------------------------------------


def applications_of_job(*, job: Job) -> QuerySet[Application]:
    """A job's applications, open ones first (the employer's pipeline)."""
    return job.applications.select_related("profile__person").order_by(
        Case(When(status__in=CLOSED_STATUSES, then=1), default=0), "-updated_at", "-id"
    )


def resumes_read(*, access: Access, job: Job, what: str, profile_ids: list[int]) -> None:
    """Record that a recruiter read these résumés for a job (``what``: its candidates or its
    applications); the page and the API both read them through here."""
    audit_record(
        access=access, action=AuditEvent.Action.READ, object_type="market.profile",
        object_label=f"{what} for job {job.pk}", object_region=job.region.code,
        detail={"profiles": profile_ids},
    )  # fmt: skip


def applications_mine(*, user: User) -> QuerySet[Application]:
    profile = profile_own(user=user)
    if profile is None:
        return Application.objects.none()
    return profile.applications.select_related("job__organisation", "job__region").order_by(
        "-updated_at", "-id"
    )


def application_of_employer(*, user: User, application_id: int) -> Application:
    application = (
        Application.objects.select_related("job__organisation", "job__region", "profile__person__account")
        .filter(pk=application_id, job__in=jobs_of_employer(user=user))
        .first()
    )
    if application is None:
        raise NotFound(_("No such application."))
    return application


def application_of_talent(*, user: User, application_id: int) -> Application:
    application = applications_mine(user=user).filter(pk=application_id).first()
    if application is None:
        raise NotFound(_("No such application."))
    return application


CLOSED_STATUSES = (Application.Status.HIRED, Application.Status.REJECTED, Application.Status.WITHDRAWN)
FUNNEL_STEPS = (Event.Kind.PUSHED, Event.Kind.VIEWED, Event.Kind.APPLIED, Event.Kind.HIRED)


@dataclass(frozen=True)
class FunnelRow:
    region: str
    field: str
    counts: dict[str, int]  # step → talents (one per job and talent)

    @property
    def steps(self) -> list[int]:
        return [self.counts.get(step, 0) for step in FUNNEL_STEPS]


def funnel(*, year: int | None = None) -> list[FunnelRow]:
    """Suggested → viewed → applied → hired, by the job's city and industry: each step counts a
    talent once per job (a suggestion to the employer is not a step of the talent's funnel)."""
    events = Event.objects.filter(kind__in=FUNNEL_STEPS).exclude(to=Event.Side.EMPLOYER)
    if year:
        events = events.filter(at__year=year)
    rows = (
        events.values("job__region__name", "job__field__name", "kind")
        .annotate(
            n=Count(Concat("job_id", Value("-"), "profile_id", output_field=CharField()), distinct=True)
        )
        .order_by("job__region__name", "job__field__name")
    )
    table: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        key = (row["job__region__name"], row["job__field__name"] or "—")
        table.setdefault(key, {})[row["kind"]] = row["n"]
    return [FunnelRow(region, field, counts) for (region, field), counts in table.items()]
