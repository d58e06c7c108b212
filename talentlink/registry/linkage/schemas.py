"""API shapes of record linkage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from talentlink.registry.linkage import selectors
from talentlink.registry.models import LinkageRun, PersonChange, ReviewPair


class RunIn(Schema):
    dry_run: bool = False


class RunOut(Schema):
    id: int
    kind: str
    status: str
    step: str
    backend: str
    dry_run: bool
    record_count: int
    compared_count: int
    linked_pair_count: int
    cluster_count: int
    multi_record_clusters: int
    merge_count: int
    split_count: int
    review_count: int
    trained: bool
    threshold: float | None  # the probability from which the run merged without review
    histogram: list[dict[str, Any]]
    failure: str = Field(alias="failure_text")  # why a failed run failed, in the reader's language
    superseded_by: int | None = Field(alias="superseded_by_id")
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_step(run: LinkageRun) -> str:
        return selectors.linkage_run_step(run=run)


class ReviewFieldOut(Schema):
    """One compared field of a review pair: both values, how they compare and its match weight."""

    field: str
    left: str
    right: str
    level: str
    weight: float

    @staticmethod
    def resolve_left(row: dict[str, Any]) -> str:
        return str(row["left"] or "")

    @staticmethod
    def resolve_right(row: dict[str, Any]) -> str:
        return str(row["right"] or "")

    @staticmethod
    def resolve_level(row: dict[str, Any]) -> str:
        return str(row["level"])


class ReviewOut(Schema):
    id: int
    record_a: int = Field(alias="record_a_id")
    record_b: int = Field(alias="record_b_id")
    match_weight: float
    match_probability: float
    status: str
    fields: list[ReviewFieldOut]

    @staticmethod
    def resolve_fields(pair: ReviewPair) -> list[dict[str, Any]]:
        return selectors.review_rows(pair=pair)


class ReviewDecisionIn(Schema):
    verdict: str  # match, non_match or skip
    reason: str = ""


class ChangeOut(Schema):
    id: int
    kind: str
    person: int = Field(alias="person_id")
    persons: list[int]
    moves: list[list[int]]
    reason: str
    actor: str
    created_at: dt.datetime
    undone: bool

    @staticmethod
    def resolve_actor(change: PersonChange) -> str:
        return change.actor.username if change.actor else ""

    @staticmethod
    def resolve_undone(change: PersonChange) -> bool:
        return change.undone_by_id is not None


class SplitIn(Schema):
    records: list[int]
    reason: str


class MergeIn(Schema):
    other: int
    reason: str


class UndoIn(Schema):
    reason: str = ""
