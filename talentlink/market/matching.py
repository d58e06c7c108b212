"""Matching jobs and talents both ways, as a pure module (no database), called by the selectors
the way ``experts/assignment.py`` is called by the review services.

Two stages. *Candidates*: the hard filters (:func:`admits`: the city the talent would work in and
whether an employer of that city may see the profile, education, the required title or skill
level, salary) and BM25 over segmented Chinese text (``bm25s``), query words found in more than
:data:`COMMON_SHARE` of the documents dropped. *Ranking*: a hand-weighted score (:func:`score`)
over the features the plans' matching is about, each part of it explained as a :class:`Reason`
the page renders in the reader's language. Verified (recognised) credentials rank above
self-declared ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# A query word found in more than this share of the documents says little about any of them.
COMMON_SHARE = 0.05
# How much each part counts; they add up to 1.
WEIGHTS = {
    "text": 0.25, "skills": 0.25, "occupation": 0.10, "level": 0.15, "industry": 0.10, "experience": 0.08,
    "salary": 0.07,
}  # fmt: skip


@dataclass(frozen=True)
class JobFacts:
    id: int
    tokens: list[str]
    skills: frozenset[str]  # skill keys (text.skill_key)
    region_id: int
    employer_region_id: int
    education_rank: int  # 0: any education
    required_level: str  # "": none
    field_id: int | None
    salary_min: int
    salary_max: int
    experience_years: int
    occupation: str = ""  # CSCO 2022 code of the job's title, "" unknown
    employer_id: int = 0  # the organisation's id
    district_id: int | None = None
    published: float = 0.0  # days since 1970 (day()), 0 not published


@dataclass(frozen=True)
class TalentFacts:
    id: int  # the profile's id
    tokens: list[str]
    skills: frozenset[str]
    home_region_id: int
    desired_region_ids: frozenset[int]
    shared_with_other_city: bool
    education_rank: int
    verified_levels: frozenset[str]
    declared_levels: frozenset[str]
    desired_field_ids: frozenset[int]
    desired_salary: int | None
    experience_years: int
    occupation: str = ""  # CSCO 2022 code the résumé's headline names, "" unknown
    district_id: int | None = None  # where the talent lives or works
    updated: float = 0.0  # days since 1970 (day()) the résumé was last saved


@dataclass(frozen=True)
class Reason:
    """One explained part of a match: a code the page words, and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    job_id: int
    talent_id: int
    score: float  # what the list is ordered by: the learned ranker's score, or the fit
    reasons: tuple[Reason, ...]
    fit: float  # the hand-weighted match in [0, 1], shown as a percentage


# Whether levels held satisfy a required level (credentials.selectors.level_satisfies).
Satisfies = Callable[[set[str], str], bool]


def admits(job: JobFacts, talent: TalentFacts, *, satisfies: Satisfies) -> bool:
    """The hard filters: a job the talent would take and an employer who may see the talent."""
    if job.region_id not in talent.desired_region_ids:
        return False
    if job.employer_region_id != talent.home_region_id and not talent.shared_with_other_city:
        return False
    if job.education_rank and talent.education_rank < job.education_rank:
        return False
    if job.required_level and not satisfies(
        set(talent.verified_levels | talent.declared_levels), job.required_level
    ):
        return False
    return talent.desired_salary is None or talent.desired_salary <= job.salary_max


# What the learned ranker sees of a pair (market/ranker.py); the hand-weighted score uses the first seven.
FEATURES = (
    "text", "skills", "occupation", "level", "industry", "experience", "salary",
    "skills_missing", "level_verified", "level_declared", "same_city", "education_gap", "salary_headroom",
    "occupation_major", "occupation_medium", "occupation_minor", "occupation_unit",
    "same_district",
    "affinity", "job_age", "resume_age",  # given by the caller: the log (ranker.Signals), the time of ranking
)  # fmt: skip
SIGNALS = ("affinity", "job_age", "resume_age")


def day(moment: dt.datetime | None) -> float:
    """A moment as days since 1970 (the facts' time scale); 0.0 for none."""
    return moment.timestamp() / 86_400 if moment is not None else 0.0


def ages(job: JobFacts, talent: TalentFacts, *, on: float) -> dict[str, float]:
    """How old the job and the résumé are on day ``on`` (when a pair is ranked or was acted on)."""
    return {
        "job_age": max(0.0, on - job.published) if job.published else float("nan"),
        "resume_age": max(0.0, on - talent.updated) if talent.updated else float("nan"),
    }


# The log's signals of a pair (ranker.Signals.of), where a ranking model reads them.
PairSignals = Callable[[JobFacts, "TalentFacts"], dict[str, float]]


def shared_levels(one: str, other: str) -> int:
    """How many levels of the occupational classification two codes share (4: the same
    occupation, 3 the same minor group, 2 medium, 1 major; 0 none or unknown)."""
    if not one or not other:
        return 0
    shared = 0
    for a, b in zip(one.split("-"), other.split("-"), strict=False):
        if a != b or not a.strip("0"):
            break
        shared += 1
    return shared


def parts(
    job: JobFacts,
    talent: TalentFacts,
    *,
    text: float,
    satisfies: Satisfies,
    signals: dict[str, float] | None = None,
) -> tuple[dict[str, float], list[Reason]]:
    """The features of an admitted pair (:data:`FEATURES`) and the reasons they give; ``text`` is
    the pair's BM25 score scaled to [0, 1] within the query's results; ``signals`` what the log
    says beyond the pair (missing, NaN, where nothing is known)."""
    reasons: list[Reason] = []
    values = {"text": text, **{name: float("nan") for name in SIGNALS}, **(signals or {})}
    shared = job.skills & talent.skills
    if job.skills:
        values["skills"] = len(shared) / len(job.skills)
        missing = sorted(job.skills - shared)
        reasons.append(Reason("skills", {"n": len(shared), "of": len(job.skills), "missing": missing}))
    else:
        values["skills"] = 0.5
    values["skills_missing"] = float(len(job.skills - shared))
    verified = bool(job.required_level) and satisfies(set(talent.verified_levels), job.required_level)
    values["level_verified"] = 1.0 if verified else 0.0
    values["level_declared"] = 1.0 if job.required_level and not verified else 0.0
    if job.required_level:
        values["level"] = 1.0 if verified else 0.3
        reasons.append(
            Reason("level_verified" if verified else "level_declared", {"level": job.required_level})
        )
    else:
        values["level"] = 0.7 if talent.verified_levels else 0.5
    values["industry"] = 1.0 if job.field_id is not None and job.field_id in talent.desired_field_ids else 0.0
    if values["industry"]:
        reasons.append(Reason("industry", {"field_id": job.field_id}))
    values["experience"] = (
        min(1.0, talent.experience_years / job.experience_years) if job.experience_years else 1.0
    )
    if job.experience_years and talent.experience_years < job.experience_years:
        reasons.append(
            Reason("experience_short", {"has": talent.experience_years, "wants": job.experience_years})
        )
    values["salary"] = (
        1.0 if talent.desired_salary is None or talent.desired_salary <= job.salary_min else 0.5
    )
    wanted = talent.desired_salary or job.salary_min
    values["salary_headroom"] = (job.salary_max - wanted) / job.salary_max if job.salary_max else 0.0
    same = shared_levels(job.occupation, talent.occupation)
    values["occupation"] = same / 4
    for level, name in enumerate(("major", "medium", "minor", "unit"), start=1):
        values[f"occupation_{name}"] = 1.0 if same >= level else 0.0
    if same >= 2:
        reasons.append(Reason("occupation", {"code": talent.occupation, "levels": same}))
    values["same_city"] = 1.0 if job.region_id == talent.home_region_id else 0.0
    values["same_district"] = (
        1.0 if job.district_id is not None and job.district_id == talent.district_id else 0.0
    )
    values["education_gap"] = float(talent.education_rank - job.education_rank) if job.education_rank else 0.0
    reasons.append(Reason("city", {"region_id": job.region_id}))
    return values, reasons


def fit(values: dict[str, float]) -> float:
    """The hand-weighted score of a pair's features, in [0, 1]: what the pages show as the match."""
    return round(sum(weight * values[name] for name, weight in WEIGHTS.items()), 4)


def score(job: JobFacts, talent: TalentFacts, *, text: float, satisfies: Satisfies) -> Match:
    """The hand-weighted match of an admitted pair, with its reasons."""
    values, reasons = parts(job, talent, text=text, satisfies=satisfies)
    return Match(job.id, talent.id, fit(values), tuple(reasons), fit(values))


# A learned model: the features of many pairs (rows in :data:`FEATURES` order) → a score each.
Model = Callable[[np.ndarray], np.ndarray]


def ranked(
    pairs: list[tuple[JobFacts, TalentFacts]],
    texts: np.ndarray,
    satisfies: Satisfies,
    model: Model | None,
    signals: PairSignals | None = None,
) -> list[Match]:
    """Admitted pairs scored: by the learned ``model`` where one is trained, else by the
    hand-weighted fit; ``texts`` are the pairs' BM25 scaled to [0, 1]."""
    read = signals if model is not None else None  # only a model reads them
    scored = [
        parts(job, talent, text=float(t), satisfies=satisfies, signals=read(job, talent) if read else None)
        for (job, talent), t in zip(pairs, texts, strict=True)
    ]
    learned = (
        model(np.array([[v[name] for name in FEATURES] for v, _r in scored])) if model and scored else None
    )
    return [
        Match(
            job.id,
            talent.id,
            float(learned[i]) if learned is not None else fit(values),
            tuple(reasons),
            fit(values),
        )
        for i, ((job, talent), (values, reasons)) in enumerate(zip(pairs, scored, strict=True))
    ]
