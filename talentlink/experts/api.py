"""JSON API of the expert pool; the pages call the same services and selectors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from talentlink.core import permissions
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed, NotFound
from talentlink.core.exports import xlsx_response
from talentlink.core.http import AuthedRequest
from talentlink.core.models import Organisation
from talentlink.core.schemas import LongPage, Page, RowErrorOut
from talentlink.core.selectors import region_get
from talentlink.core.tabular import error_report_dicts
from talentlink.experts import imports, policy, review, selectors, services
from talentlink.experts.models import (
    Assignment,
    Committee,
    DeclaredConflict,
    Expert,
    ExpertImport,
    Field,
    Relation,
    ReviewRound,
    Studio,
)
from talentlink.experts.schemas import (
    CommissionIn,
    CommitteeIn,
    CommitteeOut,
    ConflictIn,
    ConflictOut,
    ExpertDetailOut,
    ExpertImportOut,
    ExpertOut,
    ExpertUpdateIn,
    FieldOut,
    InvitationOut,
    MemberIn,
    ProjectIn,
    RelationIn,
    RelationOut,
    RespondIn,
    ReviewIn,
    RoundDetailOut,
    RoundIn,
    RoundOut,
    StudioIn,
    StudioOut,
    WorkloadOut,
)

router = Router(tags=["experts"])
# Endpoints anyone may call (no login), e.g. public verification.
public_router = Router(tags=["experts (public)"])


def _fields(codes: list[str]) -> list[Field]:
    found = list(Field.objects.filter(code__in=codes, is_active=True))
    if len(found) != len(set(codes)):
        raise DomainError(_("Unknown field codes."), code="fields", field="fields")
    return found


def _expert(expert_id: int) -> Expert:
    expert = Expert.objects.select_related("person", "region").filter(pk=expert_id).first()
    if expert is None:
        raise NotFound(_("No such expert."))
    return expert


# --- Catalogue, search, profiles ---------------------------------------------------------------


@router.get("/fields", response=list[FieldOut])
def fields(request: AuthedRequest) -> list[Field]:
    return list(Field.objects.filter(is_active=True))


@router.get("/experts", response=list[ExpertOut])
def expert_search(
    request: AuthedRequest, page: Query[Page], q: str = "", region: str = "", field: str = "",
    title_level_min: int | None = None, availability: str = "",
) -> list[Expert]:  # fmt: skip
    field_id = _fields([field])[0].pk if field else None
    qs = selectors.experts_search(
        user=request.user, q=q, region_id=region_get(code=region).pk if region else None, field_id=field_id,
        title_level_min=title_level_min, availability=availability,
    )  # fmt: skip
    found = list(page.of(qs))
    return selectors.experts_shown(
        access=Access.from_request(request), experts=found, filters={"q": q, "region": region}
    )


@router.get("/experts/{expert_id}", response=ExpertDetailOut)
def expert_detail(request: AuthedRequest, expert_id: int) -> Expert:
    return selectors.expert_get(access=Access.from_request(request), expert_id=expert_id)


def _changes(body: ExpertUpdateIn) -> dict[str, Any]:
    changes = body.dict(exclude_none=True)
    if "fields" in changes:
        changes["fields"] = _fields(changes["fields"])
    return changes


@router.patch("/experts/{expert_id}", response=ExpertDetailOut)
def expert_update(request: AuthedRequest, expert_id: int, body: ExpertUpdateIn) -> Expert:
    access = Access.from_request(request)
    # expert_get first: a profile the caller may not read is answered as a missing one (404).
    expert = selectors.expert_get(access=access, expert_id=expert_id)
    expert = services.expert_update(access=access, expert=expert, changes=_changes(body))
    return selectors.expert_get(access=access, expert_id=expert.pk)


def _mine(request: AuthedRequest) -> Expert:
    expert = policy.expert_of(request.user)
    if expert is None:
        raise NotFound(_("Your account has no expert profile."), code="not_expert")
    return expert


@router.get("/me", response=ExpertDetailOut)
def my_profile(request: AuthedRequest) -> Expert:
    return selectors.expert_get(access=Access.from_request(request), expert_id=_mine(request).pk)


@router.patch("/me", response=ExpertDetailOut)
def my_profile_update(request: AuthedRequest, body: ExpertUpdateIn) -> Expert:
    access = Access.from_request(request)
    expert = services.expert_update(access=access, expert=_mine(request), changes=_changes(body))
    return selectors.expert_get(access=access, expert_id=expert.pk)


@router.post("/me/conflicts", response={201: ConflictOut})
def my_conflict_declare(request: AuthedRequest, body: ConflictIn) -> Status[DeclaredConflict]:
    c = services.conflict_declare(access=Access.from_request(request), expert=_mine(request), **body.dict())
    return Status(201, c)


@router.post("/me/relations", response={201: RelationOut})
def my_relation_add(request: AuthedRequest, body: RelationIn) -> Status[Relation]:
    person = services.person_identify(name=body.name, id_number=body.id_number)
    r = services.relation_add(access=Access.from_request(request), expert=_mine(request), person=person,
                              kind=body.kind, year=body.year, title=body.title)  # fmt: skip
    return Status(201, r)


# --- Imports -----------------------------------------------------------------------------------


@router.post("/imports", response={201: ExpertImportOut})
def import_create(
    request: AuthedRequest, region: Form[str], file: File[UploadedFile]
) -> Status[ExpertImport]:
    record = imports.experts_import(
        access=Access.from_request(request), region=region_get(code=region), upload=file
    )
    return Status(201, record)


@router.get("/imports/{import_id}/errors", response=list[RowErrorOut])
def import_errors(request: AuthedRequest, import_id: int) -> list[dict[str, Any]]:
    record = selectors.expert_import_get(user=request.user, import_id=import_id)
    return error_report_dicts(selectors.expert_import_error_rows(record=record))


# --- Committees and studios --------------------------------------------------------------------


def _require_committee_reader(request: AuthedRequest) -> None:
    if not permissions.sees_targets(request.user):
        raise NotAllowed(_("This page is for city staff, organisers and observers."))


@router.get("/committees", response=list[CommitteeOut])
def committee_list(request: AuthedRequest) -> Sequence[Committee]:
    # CommitteeOut lists the members to those who may see them, not to the province observer.
    _require_committee_reader(request)
    committees = list(selectors.committees_overview())
    if policy.sees_experts(request.user):
        selectors.experts_named(
            access=Access.from_request(request), object_type="experts.committee",
            object_label=f"list of {len(committees)}",
            expert_ids=[m.expert_id for c in committees for m in c.memberships.all()],
        )  # fmt: skip
    return committees


@router.post("/committees", response={201: CommitteeOut})
def committee_create(request: AuthedRequest, body: CommitteeIn) -> Status[Committee]:
    [field] = _fields([body.field])
    c = services.committee_create(
        access=Access.from_request(request),
        name=body.name,
        field=field,
        established_on=body.established_on,
        description=body.description,
    )
    return Status(201, selectors.committees_overview().get(pk=c.pk))


@router.post("/committees/{committee_id}/members", response={201: CommitteeOut})
def committee_member_add(request: AuthedRequest, committee_id: int, body: MemberIn) -> Status[Committee]:
    committee = Committee.objects.filter(pk=committee_id).first()
    if committee is None:
        raise NotFound(_("No such committee."))
    services.committee_member_add(
        access=Access.from_request(request),
        committee=committee,
        expert=_expert(body.expert_id),
        role=body.role,
        joined_on=body.joined_on,
    )
    return Status(201, selectors.committees_overview().get(pk=committee.pk))


@router.get("/studios", response=list[StudioOut])
def studio_list(request: AuthedRequest) -> list[Studio]:
    # StudioOut names the leaders to those who may see them; the province observer gets their city.
    _require_committee_reader(request)
    studios = list(selectors.studios_overview())
    if policy.sees_experts(request.user):
        selectors.experts_named(
            access=Access.from_request(request), object_type="experts.studio",
            object_label=f"list of {len(studios)}", expert_ids=[s.leader_id for s in studios],
        )  # fmt: skip
    return studios


@router.post("/studios", response={201: StudioOut})
def studio_create(request: AuthedRequest, body: StudioIn) -> Status[Studio]:
    host = Organisation.objects.filter(credit_code=body.host_credit_code).select_related("region").first()
    if host is None:
        raise NotFound(_("No organisation has this credit code."), code="host")
    s = services.studio_create(
        access=Access.from_request(request),
        name=body.name,
        leader=_expert(body.leader_id),
        host=host,
        established_on=body.established_on,
        fields=_fields(body.fields),
        description=body.description,
    )
    return Status(201, selectors.studios_overview().get(pk=s.pk))


@router.post("/studios/{studio_id}/commissions", response={201: StudioOut})
def commission_add(request: AuthedRequest, studio_id: int, body: CommissionIn) -> Status[Studio]:
    studio = Studio.objects.filter(pk=studio_id).first()
    if studio is None:
        raise NotFound(_("No such studio."))
    services.commission_add(
        access=Access.from_request(request),
        studio=studio,
        kind=body.kind,
        title=body.title,
        client_name=body.client_name,
        client_region=region_get(code=body.client_region),
        started_on=body.started_on,
        ended_on=body.ended_on,
    )
    return Status(201, selectors.studios_overview().get(pk=studio.pk))


# --- Review rounds -------------------------------------------------------------------------------


def _with_panels(request: AuthedRequest, r: ReviewRound) -> ReviewRound:
    """A round with its panels (experts' names): every answer that carries them is an audited read."""
    return selectors.round_with_panels(access=Access.from_request(request), review_round=r)


@router.get("/rounds", response=list[RoundOut])
def round_list(request: AuthedRequest) -> list[ReviewRound]:
    return list(selectors.rounds_visible(user=request.user))


@router.post("/rounds", response={201: RoundDetailOut})
def round_create(request: AuthedRequest, body: RoundIn) -> Status[ReviewRound]:
    r = review.round_create(access=Access.from_request(request), **body.dict())
    return Status(201, _with_panels(request, r))


@router.get("/rounds/{round_id}", response=RoundDetailOut)
def round_detail(request: AuthedRequest, round_id: int) -> ReviewRound:
    return _with_panels(request, selectors.round_get(user=request.user, round_id=round_id))


@router.post("/rounds/{round_id}/projects", response={201: RoundDetailOut})
def project_add(request: AuthedRequest, round_id: int, body: ProjectIn) -> Status[ReviewRound]:
    r = selectors.round_get(user=request.user, round_id=round_id)
    data = body.dict()
    name, number = data.pop("applicant_name"), data.pop("applicant_id_number")
    data.update(region=region_get(code=body.region), fields=_fields(body.fields))
    if number:
        data["applicant_person"] = services.person_identify(
            name=name, id_number=number, field="applicant_id_number"
        )
    review.project_add(access=Access.from_request(request), review_round=r, **data)
    return Status(201, _with_panels(request, r))


def _round_action(request: AuthedRequest, round_id: int, service: Callable[..., Any]) -> ReviewRound:
    r = selectors.round_get(user=request.user, round_id=round_id)
    service(access=Access.from_request(request), review_round=r)
    r.refresh_from_db()
    return _with_panels(request, r)


@router.post("/rounds/{round_id}/propose", response=RoundDetailOut)
def round_propose(request: AuthedRequest, round_id: int) -> ReviewRound:
    return _round_action(request, round_id, review.panel_propose)


@router.post("/rounds/{round_id}/invite", response=RoundDetailOut)
def round_invite(request: AuthedRequest, round_id: int) -> ReviewRound:
    return _round_action(request, round_id, review.panel_invite)


@router.post("/rounds/{round_id}/refill", response=RoundDetailOut)
def round_refill(request: AuthedRequest, round_id: int) -> ReviewRound:
    return _round_action(request, round_id, review.panel_refill)


@router.get("/rounds/{round_id}/panels.xlsx")
def round_export(request: AuthedRequest, round_id: int) -> FileResponse:
    r = selectors.round_get(user=request.user, round_id=round_id)
    rows = list(selectors.panel_export_rows(access=Access.from_request(request), review_round=r))
    return xlsx_response(filename=f"review-round-{r.pk}-panels.xlsx", sheet="panels",
                         headers=selectors.PANEL_EXPORT_HEADERS, rows=rows)  # fmt: skip


@router.get("/workloads", response=list[WorkloadOut])
def workloads(request: AuthedRequest, page: Query[LongPage], region: str = "") -> Sequence[Expert]:
    qs = selectors.workloads(user=request.user, region_id=region_get(code=region).pk if region else None)
    shown = list(page.of(qs))
    selectors.experts_named(
        access=Access.from_request(request), object_type="experts.expert",
        object_label=f"workloads: {len(shown)}", expert_ids=[e.pk for e in shown],
    )  # fmt: skip
    return shown


# --- The expert's invitations ------------------------------------------------------------------


def _own_seat(request: AuthedRequest, seat_id: int) -> Assignment:
    seat = (
        selectors.seats_own(user=request.user)
        .select_related("round", "project", "expert__person")
        .filter(pk=seat_id)
        .first()
    )
    if seat is None:
        raise NotFound(_("No such invitation."))
    return seat


@router.get("/invitations", response=list[InvitationOut])
def invitations(request: AuthedRequest) -> list[Assignment]:
    return list(selectors.invitations_of(expert=_mine(request)))


@router.post("/invitations/{seat_id}/respond", response=InvitationOut)
def invitation_respond(request: AuthedRequest, seat_id: int, body: RespondIn) -> Assignment:
    seat = review.invitation_respond(access=Access.from_request(request), seat=_own_seat(request, seat_id),
                                     accept=body.accept, reason=body.reason)  # fmt: skip
    return seat


@router.post("/invitations/{seat_id}/review", response=InvitationOut)
def invitation_review(request: AuthedRequest, seat_id: int, body: ReviewIn) -> Assignment:
    seat = review.review_submit(access=Access.from_request(request), seat=_own_seat(request, seat_id),
                                score=body.score, comment=body.comment)  # fmt: skip
    return seat
