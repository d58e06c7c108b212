"""JSON API of record linkage (mounted under /api/registry/linkage); the pages call the same services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from talentlink.core.audit import Access
from talentlink.core.schemas import Page
from talentlink.registry import selectors as registry_selectors
from talentlink.registry.linkage import selectors, services
from talentlink.registry.models import LinkageRun, PersonChange

router = Router(tags=["linkage"])


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
    failure: str  # why a failed run failed, in the reader's language
    superseded_by: int | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ReviewFieldOut(Schema):
    field: str
    left: str
    right: str
    level: str
    weight: float


class ReviewOut(Schema):
    id: int
    record_a: int
    record_b: int
    match_weight: float
    match_probability: float
    status: str
    fields: list[ReviewFieldOut]


class ReviewDecisionIn(Schema):
    verdict: str  # match, non_match or skip
    reason: str = ""


class ChangeOut(Schema):
    id: int
    kind: str
    person: int
    persons: list[int]
    moves: list[list[int]]
    reason: str
    actor: str
    created_at: dt.datetime
    undone: bool


class SplitIn(Schema):
    records: list[int]
    reason: str


class MergeIn(Schema):
    other: int
    reason: str


class UndoIn(Schema):
    reason: str = ""


def run_out(run: LinkageRun) -> dict[str, Any]:
    fields = [f for f in RunOut.model_fields if f not in {"id", "step", "failure", "superseded_by"}]
    step = selectors.linkage_run_step(run=run)
    return {
        "id": run.pk, "step": step, "failure": run.failure_text, "superseded_by": run.superseded_by_id,
        **{f: getattr(run, f) for f in fields},
    }  # fmt: skip


def change_out(change: PersonChange) -> dict[str, Any]:
    return {
        "id": change.pk, "kind": change.kind, "person": change.person_id, "persons": change.persons,
        "moves": change.moves, "reason": change.reason,
        "actor": change.actor.username if change.actor else "", "created_at": change.created_at,
        "undone": bool(change.undone_by_id),
    }  # fmt: skip


@router.post("/runs", response={201: RunOut})
def run_create(request: HttpRequest, payload: RunIn):
    run = services.linkage_run_start(access=Access.from_request(request), dry_run=payload.dry_run)
    return Status(201, run_out(run))


@router.post("/runs/{run_id}/retry", response={201: RunOut})
def run_retry(request: HttpRequest, run_id: int):
    run = selectors.linkage_run_get(user=request.user, run_id=run_id)
    return Status(201, run_out(services.linkage_run_retry(access=Access.from_request(request), run=run)))


@router.get("/runs", response=list[RunOut])
def run_list(request: HttpRequest, page: Query[Page]):
    return [run_out(r) for r in page.of(selectors.linkage_runs(user=request.user))]


@router.get("/runs/{run_id}", response=RunOut)
def run_detail(request: HttpRequest, run_id: int):
    return run_out(selectors.linkage_run_get(user=request.user, run_id=run_id))


def review_out(pair: Any) -> dict[str, Any]:
    rows = selectors.review_rows(pair=pair)
    return {
        "id": pair.pk, "record_a": pair.record_a_id, "record_b": pair.record_b_id,
        "match_weight": pair.match_weight, "match_probability": pair.match_probability, "status": pair.status,
        "fields": [{"field": r["field"], "left": str(r["left"] or ""), "right": str(r["right"] or ""),
                    "level": str(r["level"]), "weight": r["weight"]} for r in rows],
    }  # fmt: skip


@router.get("/review", response=list[ReviewOut])
def review_list(request: HttpRequest, page: Query[Page]):
    access = Access.from_request(request)
    pairs = list(page.of(selectors.review_queue(user=request.user)))
    selectors.review_pairs_shown(access=access, pairs=pairs)
    return [review_out(p) for p in pairs]


@router.post("/review/{pair_id}/decision", response=ReviewOut)
def review_decide(request: HttpRequest, pair_id: int, payload: ReviewDecisionIn):
    access = Access.from_request(request)
    pair = selectors.review_pair_get(access=access, pair_id=pair_id)
    return review_out(
        services.review_decide(access=access, review=pair, verdict=payload.verdict, reason=payload.reason)
    )


@router.get("/persons/{person_id}/changes", response=list[ChangeOut])
def person_changes(request: HttpRequest, person_id: int):
    person = registry_selectors.person_get(access=Access.from_request(request), person_id=person_id)
    return [change_out(c) for c in selectors.person_links(person=person)["history"]]


@router.post("/persons/{person_id}/split", response={201: ChangeOut})
def person_split(request: HttpRequest, person_id: int, payload: SplitIn):
    access = Access.from_request(request)
    person = registry_selectors.person_get(access=access, person_id=person_id)
    change = services.person_split(
        access=access, person=person, record_ids=payload.records, reason=payload.reason
    )
    return Status(201, change_out(change))


@router.post("/persons/{person_id}/merge", response={201: ChangeOut})
def person_merge(request: HttpRequest, person_id: int, payload: MergeIn):
    access = Access.from_request(request)
    person = registry_selectors.person_get(access=access, person_id=person_id)
    other = registry_selectors.person_get(access=access, person_id=payload.other)
    change = services.persons_merge(access=access, person=person, other=other, reason=payload.reason)
    return Status(201, change_out(change))


@router.post("/changes/{change_id}/undo", response={201: ChangeOut})
def change_undo(request: HttpRequest, change_id: int, payload: UndoIn):
    access = Access.from_request(request)
    change = get_object_or_404(PersonChange.objects.select_related("person__home_region"), pk=change_id)
    registry_selectors.person_get(access=access, person_id=change.person_id)
    return Status(
        201, change_out(services.person_change_undo(access=access, change=change, reason=payload.reason))
    )
