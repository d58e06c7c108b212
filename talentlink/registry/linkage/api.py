"""JSON API of record linkage (mounted under /api/registry/linkage); the pages call the same services."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from talentlink.core.audit import Access
from talentlink.core.http import AuthedRequest
from talentlink.core.schemas import Page
from talentlink.registry import selectors as registry_selectors
from talentlink.registry.linkage import selectors, services
from talentlink.registry.linkage.schemas import (
    ChangeOut,
    MergeIn,
    ReviewDecisionIn,
    ReviewOut,
    RunIn,
    RunOut,
    SplitIn,
    UndoIn,
)
from talentlink.registry.models import LinkageRun, PersonChange, ReviewPair

router = Router(tags=["linkage"])


@router.post("/runs", response={201: RunOut})
def run_create(request: AuthedRequest, payload: RunIn) -> Status[LinkageRun]:
    run = services.linkage_run_start(access=Access.from_request(request), dry_run=payload.dry_run)
    return Status(201, run)


@router.post("/runs/{run_id}/retry", response={201: RunOut})
def run_retry(request: AuthedRequest, run_id: int) -> Status[LinkageRun]:
    run = selectors.linkage_run_get(user=request.user, run_id=run_id)
    return Status(201, services.linkage_run_retry(access=Access.from_request(request), run=run))


@router.get("/runs", response=list[RunOut])
def run_list(request: AuthedRequest, page: Query[Page]) -> QuerySet[LinkageRun]:
    return page.of(selectors.linkage_runs(user=request.user))


@router.get("/runs/{run_id}", response=RunOut)
def run_detail(request: AuthedRequest, run_id: int) -> LinkageRun:
    return selectors.linkage_run_get(user=request.user, run_id=run_id)


@router.get("/review", response=list[ReviewOut])
def review_list(request: AuthedRequest, page: Query[Page]) -> list[ReviewPair]:
    pairs = list(page.of(selectors.review_queue(user=request.user)))
    return selectors.review_pairs_shown(access=Access.from_request(request), pairs=pairs)


@router.post("/review/{pair_id}/decision", response=ReviewOut)
def review_decide(request: AuthedRequest, pair_id: int, payload: ReviewDecisionIn) -> ReviewPair:
    access = Access.from_request(request)
    pair = selectors.review_pair_get(access=access, pair_id=pair_id)
    return services.review_decide(access=access, review=pair, verdict=payload.verdict, reason=payload.reason)


@router.get("/persons/{person_id}/changes", response=list[ChangeOut])
def person_changes(request: AuthedRequest, person_id: int) -> list[PersonChange]:
    person = registry_selectors.person_get(access=Access.from_request(request), person_id=person_id)
    return selectors.person_links(person=person)["history"]


@router.post("/persons/{person_id}/split", response={201: ChangeOut})
def person_split(request: AuthedRequest, person_id: int, payload: SplitIn) -> Status[PersonChange]:
    access = Access.from_request(request)
    person = registry_selectors.person_get(access=access, person_id=person_id)
    change = services.person_split(
        access=access, person=person, record_ids=payload.records, reason=payload.reason
    )
    return Status(201, change)


@router.post("/persons/{person_id}/merge", response={201: ChangeOut})
def person_merge(request: AuthedRequest, person_id: int, payload: MergeIn) -> Status[PersonChange]:
    access = Access.from_request(request)
    person = registry_selectors.person_get(access=access, person_id=person_id)
    other = registry_selectors.person_get(access=access, person_id=payload.other)
    change = services.persons_merge(access=access, person=person, other=other, reason=payload.reason)
    return Status(201, change)


@router.post("/changes/{change_id}/undo", response={201: ChangeOut})
def change_undo(request: AuthedRequest, change_id: int, payload: UndoIn) -> Status[PersonChange]:
    access = Access.from_request(request)
    change = get_object_or_404(PersonChange.objects.select_related("person__home_region"), pk=change_id)
    registry_selectors.person_get(access=access, person_id=change.person_id)
    return Status(201, services.person_change_undo(access=access, change=change, reason=payload.reason))
