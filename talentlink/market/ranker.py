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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import lightgbm
import numpy as np

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
