"""The learned ranker: LightGBM LambdaMART over the pair features of ``market/matching.py``,
trained on the feedback log with graded labels (hired > interviewed > applied > viewed >
suggested only or not taken further), on both sides: one model with a query per job (which
talents an employer takes furthest) and one with a query per talent (which jobs a talent takes
furthest). Both score every pair, and their scores, each on the scale it was trained on, are
added: the match both sides would make.

Pure: it takes arrays and gives arrays; ``market/services.py`` builds them from the database and
keeps the model (``RankerModel``). While feedback is thin (fewer than :data:`MIN_JOBS` jobs with a
positive label) there is nothing to train, and the hand-weighted score orders matches.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import lightgbm
import numpy as np
import scipy.sparse as sp

# Labels by the furthest step a pair reached; a rejection ends at 0 whatever came before.
GRADES = {"viewed": 1, "applied": 2, "interview": 3, "interviewed": 3, "offered": 3, "hired": 4}
MIN_JOBS = 20  # jobs with at least one positive label, before a model is trained
HOLDOUT = 0.2  # the newest share of those jobs, kept out of training to compare with the hand score


def label(kinds: Sequence[str]) -> int:
    """The graded label of a pair from the kinds of its events."""
    if "rejected" in kinds:
        return 0
    return max((GRADES.get(kind, 0) for kind in kinds), default=0)


def ndcg_at(k: int, labels: np.ndarray, scores: np.ndarray) -> float:
    """NDCG@k of one query: the labels' gains in the order of the scores, over the best order."""
    order = np.argsort(-scores, kind="stable")[:k]
    gains = (2.0 ** labels[order] - 1) / np.log2(np.arange(2, len(order) + 2))
    ideal = np.sort(labels)[::-1][:k]
    best = ((2.0**ideal - 1) / np.log2(np.arange(2, len(ideal) + 2))).sum()
    return float(gains.sum() / best) if best > 0 else 0.0


@dataclass
class Query:
    """One job's pairs: their features (rows in ``matching.FEATURES`` order), labels and the
    hand-weighted scores they would get."""

    features: np.ndarray
    labels: np.ndarray
    hand: np.ndarray


@dataclass
class Trained:
    booster: lightgbm.Booster
    ndcg: float  # mean NDCG@10 of the model over the held-out queries
    ndcg_hand: float  # the same for the hand-weighted score
    queries: int
    pairs: int
    mean: float  # of its scores over the pairs trained on
    std: float


def train(queries: Sequence[Query], *, seed: int = 7) -> Trained | None:
    """Train on the older queries, compare on the newer ones (the caller orders them oldest
    first); None while fewer than :data:`MIN_JOBS` queries have a positive label."""
    usable = [q for q in queries if len(q.labels) >= 2 and q.labels.max() > 0]
    if len(usable) < MIN_JOBS:
        return None
    cut = max(1, int(len(usable) * (1 - HOLDOUT)))
    fit_on, held = usable[:cut], usable[cut:] or usable[-1:]
    model = lightgbm.LGBMRanker(
        objective="lambdarank", n_estimators=200, learning_rate=0.05, num_leaves=15, min_child_samples=5,
        random_state=seed, deterministic=True, force_row_wise=True, n_jobs=1, verbose=-1,
    )  # fmt: skip
    model.fit(
        np.vstack([q.features for q in fit_on]),
        np.concatenate([q.labels for q in fit_on]),
        group=[len(q.labels) for q in fit_on],
    )
    booster = model.booster_
    ndcg = float(np.mean([ndcg_at(10, q.labels, np.asarray(booster.predict(q.features))) for q in held]))
    hand = float(np.mean([ndcg_at(10, q.labels, q.hand) for q in held]))
    scores = np.asarray(booster.predict(np.vstack([q.features for q in fit_on])))
    return Trained(booster, ndcg, hand, len(usable), sum(len(q.labels) for q in usable),
                   float(scores.mean()), float(scores.std()) or 1.0)  # fmt: skip


def loaded(text: str) -> lightgbm.Booster:
    return lightgbm.Booster(model_str=text)


def combined(models: Sequence[tuple[lightgbm.Booster, float, float]]) -> Callable[[np.ndarray], np.ndarray]:
    """One score from the models of both sides (talents for a job: how far the employer takes a
    talent; jobs for a talent: how far a talent takes a job), each put on a common scale by the
    mean and deviation of its scores when trained, then added."""

    def score(features: np.ndarray) -> np.ndarray:
        return sum((np.asarray(booster.predict(features)) - mean) / std for booster, mean, std in models)  # type: ignore[return-value]

    return score


# --- What the log says beyond the pair ---------------------------------------------------------------

# How much each step tells of a talent's liking for an employer, for the implicit-feedback factors.
CONFIDENCE = {
    "viewed": 1.0,
    "applied": 4.0,
    "interview": 6.0,
    "interviewed": 6.0,
    "offered": 8.0,
    "hired": 10.0,
}
FACTORS = 32


@dataclass
class Signals:
    """What the feedback log says of a talent and an employer beyond any one pair: ALS factors
    (``implicit``'s alternating least squares for implicit feedback) of who viewed and applied
    where, so that a talent who went for one kind of employer scores higher for the like. Unknown
    talents and employers get NaN, which the models read as missing.

    Tried and left out: each talent's share of suggested jobs applied to and each employer's
    share of applications answered. On bench/matching.py's log (20,000 résumés) NDCG@10 of
    talents for a job was 0.39 with them and 0.42 without: a talent's past keenness says little of
    the next job."""

    talents: dict[int, int]  # profile id → row
    talent_factors: np.ndarray
    employers: dict[int, int]  # organisation id → row
    employer_factors: np.ndarray

    def of(self, profile_id: int, employer_id: int) -> dict[str, float]:
        t, e = self.talents.get(profile_id), self.employers.get(employer_id)
        if t is None or e is None:
            return {"affinity": np.nan}
        a, b = (
            self.talent_factors[t],
            self.employer_factors[e],
        )  # the cosine: a scale the log's size does not move
        return {"affinity": float(a @ b / (float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))}

    def rows_of(self, ids: np.ndarray, *, employers: bool = False) -> np.ndarray:
        """Each id's row in the factors (-1 unknown): talents' profile ids, or organisation ids."""
        known = self.employers if employers else self.talents
        return np.fromiter((known.get(pk, -1) for pk in ids.tolist()), dtype=np.int64, count=len(ids))

    @functools.cached_property
    def _units(self) -> tuple[np.ndarray, np.ndarray]:
        def unit(m: np.ndarray) -> np.ndarray:
            norms = np.linalg.norm(m, axis=1, keepdims=True)
            return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)

        return unit(np.asarray(self.talent_factors)), unit(np.asarray(self.employer_factors))

    def talents_liking(self, rows: np.ndarray, employer_id: int) -> np.ndarray | None:
        """The affinity to an employer of the talents at these factor rows (``rows_of``; 0 for
        unknown ones); None for an employer the log does not know."""
        e = self.employers.get(employer_id)
        talents, employers = self._units
        return None if e is None else _liking(talents, rows, employers[e])

    def employers_liking(self, rows: np.ndarray, profile_id: int) -> np.ndarray | None:
        """A talent's affinity to the employers at these factor rows; None for an unknown talent."""
        t = self.talents.get(profile_id)
        talents, employers = self._units
        return None if t is None else _liking(employers, rows, talents[t])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:  # np.savez would add .npz to a name without it
            np.savez(
                handle,
                talent_ids=np.fromiter(self.talents, dtype=np.int64),
                talent_factors=self.talent_factors,
                employer_ids=np.fromiter(self.employers, dtype=np.int64),
                employer_factors=self.employer_factors,
            )

    @classmethod
    def load(cls, path: Path) -> Signals:
        with np.load(path) as a:
            return cls(
                {int(pk): i for i, pk in enumerate(a["talent_ids"])}, a["talent_factors"],
                {int(pk): i for i, pk in enumerate(a["employer_ids"])}, a["employer_factors"],
            )  # fmt: skip


def _liking(units: np.ndarray, rows: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The cosine of each unit vector at ``rows`` with ``other``; 0 where the row is -1 (unknown)."""
    liking = np.zeros(len(rows), dtype=np.float32)
    known = rows >= 0
    liking[known] = units[rows[known]] @ other
    return liking


def signals_fit(steps: Sequence[tuple[int, int, str]], *, seed: int = 7) -> Signals:
    """Signals from the log's steps (profile id, employer's organisation id, event kind)."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    talents: dict[int, int] = {}
    employers: dict[int, int] = {}
    weight: dict[tuple[int, int], float] = {}
    for profile_id, employer_id, kind in steps:
        if kind in CONFIDENCE:
            t = talents.setdefault(profile_id, len(talents))
            e = employers.setdefault(employer_id, len(employers))
            weight[(t, e)] = max(weight.get((t, e), 0.0), CONFIDENCE[kind])
    if not weight:
        return Signals({}, np.zeros((0, FACTORS)), {}, np.zeros((0, FACTORS)))
    rows, cols = zip(*weight, strict=True)
    matrix = sp.csr_matrix(
        (np.fromiter(weight.values(), dtype=np.float32), (rows, cols)), shape=(len(talents), len(employers))
    )
    # implicit's own threads do the work; it warns of BLAS threads even when they are limited.
    with threadpool_limits(1, "blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        als = AlternatingLeastSquares(factors=FACTORS, iterations=15, regularization=0.05, random_state=seed)
        als.fit(matrix, show_progress=False)
    return Signals(talents, np.asarray(als.user_factors), employers, np.asarray(als.item_factors))
