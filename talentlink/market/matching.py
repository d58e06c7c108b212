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

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import bm25s
import numpy as np

# bm25s sets its own logger to DEBUG, which narrates every index it builds on the console.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# A query word found in more than this share of the documents says little about any of them.
COMMON_SHARE = 0.05
# How much each part counts; they add up to 1.
WEIGHTS = {"text": 0.30, "skills": 0.30, "level": 0.15, "industry": 0.10, "experience": 0.08, "salary": 0.07}


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


@dataclass(frozen=True)
class Reason:
    """One explained part of a match: a code the page words, and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    job_id: int
    talent_id: int
    score: float
    reasons: tuple[Reason, ...]


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


def score(job: JobFacts, talent: TalentFacts, *, text: float, satisfies: Satisfies) -> Match:
    """The hand-weighted score of an admitted pair, in [0, 1], with its reasons; ``text`` is the
    pair's BM25 score scaled to [0, 1] within the query's results."""
    reasons: list[Reason] = []
    parts = {"text": text}
    if job.skills:
        shared = job.skills & talent.skills
        parts["skills"] = len(shared) / len(job.skills)
        reasons.append(
            Reason(
                "skills", {"n": len(shared), "of": len(job.skills), "missing": sorted(job.skills - shared)}
            )
        )
    else:
        parts["skills"] = 0.5
    if job.required_level:
        if satisfies(set(talent.verified_levels), job.required_level):
            parts["level"] = 1.0
            reasons.append(Reason("level_verified", {"level": job.required_level}))
        else:
            parts["level"] = 0.3
            reasons.append(Reason("level_declared", {"level": job.required_level}))
    else:
        parts["level"] = 0.7 if talent.verified_levels else 0.5
    parts["industry"] = 1.0 if job.field_id is not None and job.field_id in talent.desired_field_ids else 0.0
    if parts["industry"]:
        reasons.append(Reason("industry", {"field_id": job.field_id}))
    parts["experience"] = (
        min(1.0, talent.experience_years / job.experience_years) if job.experience_years else 1.0
    )
    if job.experience_years and talent.experience_years < job.experience_years:
        reasons.append(
            Reason("experience_short", {"has": talent.experience_years, "wants": job.experience_years})
        )
    parts["salary"] = 1.0 if talent.desired_salary is None or talent.desired_salary <= job.salary_min else 0.5
    reasons.append(Reason("city", {"region_id": job.region_id}))
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return Match(job.id, talent.id, round(total, 4), tuple(reasons))


def text_scores(query: list[str], documents: Sequence[list[str]]) -> np.ndarray:
    """BM25 of each document for the query, scaled to [0, 1] by the best; query words found in
    more than :data:`COMMON_SHARE` of the documents are dropped (all of them, for fewer than 20
    documents, would drop every word: the share applies from 20 documents on)."""
    if not documents or not query:
        return np.zeros(len(documents))
    if len(documents) >= 20:
        frequency: dict[str, int] = {}
        for doc in documents:
            for word in set(doc):
                frequency[word] = frequency.get(word, 0) + 1
        limit = COMMON_SHARE * len(documents)
        query = [w for w in query if frequency.get(w, 0) <= limit] or query
    retriever = bm25s.BM25()
    retriever.index([doc or [""] for doc in documents], show_progress=False)
    scores = np.asarray(retriever.get_scores(query), dtype=float)
    best = float(scores.max()) if len(scores) else 0.0
    return scores / best if best > 0 else scores


def rank_talents(
    job: JobFacts, talents: Sequence[TalentFacts], *, satisfies: Satisfies, limit: int
) -> list[Match]:
    """The best ``limit`` talents for a job, from those the hard filters admit."""
    admitted = [t for t in talents if admits(job, t, satisfies=satisfies)]
    texts = text_scores(job.tokens, [t.tokens for t in admitted])
    matches = [
        score(job, t, text=float(s), satisfies=satisfies) for t, s in zip(admitted, texts, strict=True)
    ]
    return sorted(matches, key=lambda m: (-m.score, m.talent_id))[:limit]


def rank_jobs(
    talent: TalentFacts, jobs: Sequence[JobFacts], *, satisfies: Satisfies, limit: int
) -> list[Match]:
    """The best ``limit`` jobs for a talent, from those the hard filters admit."""
    admitted = [j for j in jobs if admits(j, talent, satisfies=satisfies)]
    texts = text_scores(talent.tokens, [j.tokens for j in admitted])
    matches = [
        score(j, talent, text=float(s), satisfies=satisfies) for j, s in zip(admitted, texts, strict=True)
    ]
    return sorted(matches, key=lambda m: (-m.score, m.job_id))[:limit]
