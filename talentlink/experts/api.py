"""JSON API of the expert pool; the pages call the same services and selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed, NotFound
from talentlink.core.exports import xlsx_response
from talentlink.core.models import Organisation
from talentlink.core.schemas import LongPage, Page, RowErrorOut
from talentlink.core.selectors import region_get
from talentlink.core.tabular import error_report_dicts
from talentlink.experts import imports, policy, review, selectors, services
from talentlink.experts.models import Assignment, Committee, Expert, ExpertImport, Field, ReviewRound, Studio
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
    TargetOut,
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
def fields(request: HttpRequest):
    return Field.objects.filter(is_active=True)


def expert_out(e: Expert) -> dict[str, Any]:
    return {
        "id": e.pk, "name": e.person.name, "region": e.region.code, "employer_name": e.employer_name,
        "title": e.title, "title_level": e.title_level, "fields": [f.code for f in e.fields.all()],
        "keywords": e.keywords, "availability": e.availability,
    }  # fmt: skip


def expert_detail_out(e: Expert) -> dict[str, Any]:
    conflicts = [{"id": c.pk, "organisation_name": c.organisation_name, "credit_code": c.credit_code,
                  "reason": c.reason} for c in e.declared_conflicts.all()]  # fmt: skip
    return {**expert_out(e), "biography": e.biography, "id_number": e.person.id_number_masked,
            "declared_conflicts": conflicts}  # fmt: skip


@router.get("/experts", response=list[ExpertOut])
def expert_search(
    request: HttpRequest, page: Query[Page], q: str = "", region: str = "", field: str = "",
    title_level_min: int | None = None, availability: str = "",
):  # fmt: skip
    field_id = _fields([field])[0].pk if field else None
    qs = selectors.experts_search(
        user=request.user, q=q, region_id=region_get(code=region).pk if region else None, field_id=field_id,
        title_level_min=title_level_min, availability=availability,
    )  # fmt: skip
    found = list(page.of(qs))
    selectors.experts_shown(
        access=Access.from_request(request), experts=found, filters={"q": q, "region": region}
    )
    return [expert_out(e) for e in found]


@router.get("/experts/{expert_id}", response=ExpertDetailOut)
def expert_detail(request: HttpRequest, expert_id: int):
    return expert_detail_out(selectors.expert_get(access=Access.from_request(request), expert_id=expert_id))


def _changes(body: ExpertUpdateIn) -> dict[str, Any]:
    changes = body.dict(exclude_none=True)
    if "fields" in changes:
        changes["fields"] = _fields(changes["fields"])
    return changes


@router.patch("/experts/{expert_id}", response=ExpertDetailOut)
def expert_update(request: HttpRequest, expert_id: int, body: ExpertUpdateIn):
    access = Access.from_request(request)
    # expert_get first: a profile the caller may not read is answered as a missing one (404).
    expert = selectors.expert_get(access=access, expert_id=expert_id)
    expert = services.expert_update(access=access, expert=expert, changes=_changes(body))
    return expert_detail_out(selectors.expert_get(access=access, expert_id=expert.pk))


def _mine(request: HttpRequest) -> Expert:
    expert = policy.expert_of(request.user)
    if expert is None:
        raise NotFound(_("Your account has no expert profile."), code="not_expert")
    return expert


@router.get("/me", response=ExpertDetailOut)
def my_profile(request: HttpRequest):
    return expert_detail_out(
        selectors.expert_get(access=Access.from_request(request), expert_id=_mine(request).pk)
    )


@router.patch("/me", response=ExpertDetailOut)
def my_profile_update(request: HttpRequest, body: ExpertUpdateIn):
    access = Access.from_request(request)
    expert = services.expert_update(access=access, expert=_mine(request), changes=_changes(body))
    return expert_detail_out(selectors.expert_get(access=access, expert_id=expert.pk))


@router.post("/me/conflicts", response={201: ConflictOut})
def my_conflict_declare(request: HttpRequest, body: ConflictIn):
    c = services.conflict_declare(access=Access.from_request(request), expert=_mine(request), **body.dict())
    return Status(201, {"id": c.pk, "organisation_name": c.organisation_name, "credit_code": c.credit_code,
                        "reason": c.reason})  # fmt: skip


@router.post("/me/relations", response={201: RelationOut})
def my_relation_add(request: HttpRequest, body: RelationIn):
    person = services.person_identify(name=body.name, id_number=body.id_number)
    r = services.relation_add(access=Access.from_request(request), expert=_mine(request), person=person,
                              kind=body.kind, year=body.year, title=body.title)  # fmt: skip
    return Status(201, {"id": r.pk, "person": person.name, "kind": r.kind, "year": r.year, "title": r.title})


# --- Imports -----------------------------------------------------------------------------------


def import_out(record: ExpertImport) -> dict[str, Any]:
    return {"id": record.pk, "region": record.region.code, "original_name": record.original_name,
            "status": record.status, "rows": record.total_rows, "written": record.written,
            "error_count": len(record.errors)}  # fmt: skip


@router.post("/imports", response={201: ExpertImportOut})
def import_create(request: HttpRequest, region: Form[str], file: File[UploadedFile]):
    record = imports.experts_import(
        access=Access.from_request(request), region=region_get(code=region), upload=file
    )
    return Status(201, import_out(record))


@router.get("/imports/{import_id}/errors", response=list[RowErrorOut])
def import_errors(request: HttpRequest, import_id: int):
    record = selectors.expert_import_get(user=request.user, import_id=import_id)
    return error_report_dicts(selectors.expert_import_error_rows(record=record))


# --- Committees, studios, targets --------------------------------------------------------------


def committee_out(c: Committee, *, names: bool = True) -> dict[str, Any]:
    """A committee; without ``names`` (the province observer) its members are counted, not listed."""
    members = [{"expert_id": m.expert_id, "name": m.expert.person.name, "region": m.expert.region.code,
                "role": m.role} for m in c.memberships.all()]  # fmt: skip
    return {"id": c.pk, "name": c.name, "field": c.field.code, "established_on": c.established_on,
            "joint": c.cities >= 2, "cities": c.cities, "member_count": len(members),
            "members": members if names else []}  # fmt: skip


def _require_targets(request: HttpRequest) -> None:
    if not policy.can_see_targets(request.user):
        raise NotAllowed(_("This page is for city staff, organisers and observers."))


@router.get("/committees", response=list[CommitteeOut])
def committee_list(request: HttpRequest):
    _require_targets(request)
    committees = list(selectors.committees_overview())
    names = policy.sees_experts(request.user)
    if names:
        selectors.experts_named(
            access=Access.from_request(request), object_type="experts.committee",
            object_label=f"list of {len(committees)}",
            expert_ids=[m.expert_id for c in committees for m in c.memberships.all()],
        )  # fmt: skip
    return [committee_out(c, names=names) for c in committees]


@router.post("/committees", response={201: CommitteeOut})
def committee_create(request: HttpRequest, body: CommitteeIn):
    [field] = _fields([body.field])
    c = services.committee_create(
        access=Access.from_request(request),
        name=body.name,
        field=field,
        established_on=body.established_on,
        description=body.description,
    )
    return Status(201, committee_out(selectors.committees_overview().get(pk=c.pk)))


@router.post("/committees/{committee_id}/members", response={201: CommitteeOut})
def committee_member_add(request: HttpRequest, committee_id: int, body: MemberIn):
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
    return Status(201, committee_out(selectors.committees_overview().get(pk=committee.pk)))


def studio_out(s: Studio, *, names: bool = True) -> dict[str, Any]:
    """A studio; without ``names`` (the province observer) its leader is given by city only."""
    commissions = [{"id": c.pk, "kind": c.kind, "title": c.title, "client_name": c.client_name,
                    "client_region": c.client_region.code, "started_on": c.started_on, "ended_on": c.ended_on}
                   for c in s.commissions.all()]  # fmt: skip
    return {
        "id": s.pk,
        "name": s.name,
        "leader_id": s.leader_id if names else None,
        "leader": s.leader.person.name if names else None,
        "leader_region": s.leader.region.code,
        "host": s.host.name,
        "established_on": s.established_on,
        "fields": [f.code for f in s.fields.all()],
        "commissions": commissions,
    }


@router.get("/studios", response=list[StudioOut])
def studio_list(request: HttpRequest):
    _require_targets(request)
    studios = list(selectors.studios_overview())
    names = policy.sees_experts(request.user)
    if names:
        selectors.experts_named(
            access=Access.from_request(request), object_type="experts.studio",
            object_label=f"list of {len(studios)}", expert_ids=[s.leader_id for s in studios],
        )  # fmt: skip
    return [studio_out(s, names=names) for s in studios]


@router.post("/studios", response={201: StudioOut})
def studio_create(request: HttpRequest, body: StudioIn):
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
    return Status(201, studio_out(selectors.studios_overview().get(pk=s.pk)))


@router.post("/studios/{studio_id}/commissions", response={201: StudioOut})
def commission_add(request: HttpRequest, studio_id: int, body: CommissionIn):
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
    return Status(201, studio_out(selectors.studios_overview().get(pk=studio.pk)))


@router.get("/targets", response=list[TargetOut])
def targets(request: HttpRequest):
    _require_targets(request)
    return [
        {"indicator": t.indicator, "label": t.label, "actual": t.actual,
         "targets": {year: value for year, value, _met in t.targets},
         "next_year": t.next_target[0] if t.next_target else None,
         "next_value": t.next_target[1] if t.next_target else None}
        for t in selectors.targets_progress()
    ]  # fmt: skip


# --- Review rounds -------------------------------------------------------------------------------


def round_out(r: ReviewRound) -> dict[str, Any]:
    names = ("id", "name", "status", "deadline", "experts_per_project", "max_load", "min_other_city",
             "max_per_city", "collaboration_years", "solution")  # fmt: skip
    return {**{n: getattr(r, n) for n in names}, "region": r.region.code}


def seat_out(s: Assignment) -> dict[str, Any]:
    return {"id": s.pk, "project_id": s.project_id, "expert_id": s.expert_id, "expert": s.expert.person.name,
            "expert_region": s.expert.region.code, "affinity": s.affinity, "status": s.status,
            "decline_reason": s.decline_reason}  # fmt: skip


def round_detail_out(r: ReviewRound, request: HttpRequest) -> dict[str, Any]:
    """A round with its panels (experts' names): every answer that carries them is an audited read."""
    panels = selectors.round_panels(review_round=r)
    selectors.experts_named(
        access=Access.from_request(request), object_type="experts.reviewround", object_id=r.pk,
        object_label=r.name, object_region=r.region.code,
        expert_ids=[seat.expert_id for p in panels for seat in p.assignments.all()],
    )  # fmt: skip
    projects = [
        {
            "id": p.pk,
            "title": p.title,
            "applicant_organisation": p.applicant_organisation,
            "region": p.region.code,
            "fields": [f.code for f in p.fields.all()],
            "seats": [seat_out(s) for s in p.assignments.all()],
        }
        for p in panels
    ]
    return {**round_out(r), "projects": projects, "counts": selectors.round_status_counts(review_round=r)}


@router.get("/rounds", response=list[RoundOut])
def round_list(request: HttpRequest):
    return [round_out(r) for r in selectors.rounds_visible(user=request.user)]


@router.post("/rounds", response={201: RoundDetailOut})
def round_create(request: HttpRequest, body: RoundIn):
    r = review.round_create(access=Access.from_request(request), **body.dict())
    return Status(201, round_detail_out(r, request))


@router.get("/rounds/{round_id}", response=RoundDetailOut)
def round_detail(request: HttpRequest, round_id: int):
    return round_detail_out(selectors.round_get(user=request.user, round_id=round_id), request)


@router.post("/rounds/{round_id}/projects", response={201: RoundDetailOut})
def project_add(request: HttpRequest, round_id: int, body: ProjectIn):
    r = selectors.round_get(user=request.user, round_id=round_id)
    data = body.dict()
    name, number = data.pop("applicant_name"), data.pop("applicant_id_number")
    data.update(region=region_get(code=body.region), fields=_fields(body.fields))
    if number:
        data["applicant_person"] = services.person_identify(
            name=name, id_number=number, field="applicant_id_number"
        )
    review.project_add(access=Access.from_request(request), review_round=r, **data)
    return Status(201, round_detail_out(r, request))


def _round_action(request: HttpRequest, round_id: int, service: Any) -> dict[str, Any]:
    r = selectors.round_get(user=request.user, round_id=round_id)
    service(access=Access.from_request(request), review_round=r)
    r.refresh_from_db()
    return round_detail_out(r, request)


@router.post("/rounds/{round_id}/propose", response=RoundDetailOut)
def round_propose(request: HttpRequest, round_id: int):
    return _round_action(request, round_id, review.panel_propose)


@router.post("/rounds/{round_id}/invite", response=RoundDetailOut)
def round_invite(request: HttpRequest, round_id: int):
    return _round_action(request, round_id, review.panel_invite)


@router.post("/rounds/{round_id}/refill", response=RoundDetailOut)
def round_refill(request: HttpRequest, round_id: int):
    return _round_action(request, round_id, review.panel_refill)


@router.get("/rounds/{round_id}/panels.xlsx")
def round_export(request: HttpRequest, round_id: int) -> HttpResponse:
    r = selectors.round_get(user=request.user, round_id=round_id)
    rows = list(selectors.panel_export_rows(access=Access.from_request(request), review_round=r))
    return xlsx_response(filename=f"review-round-{r.pk}-panels.xlsx", sheet="panels",
                         headers=selectors.PANEL_EXPORT_HEADERS, rows=rows)  # fmt: skip


@router.get("/workloads", response=list[WorkloadOut])
def workloads(request: HttpRequest, page: Query[LongPage], region: str = ""):
    qs = selectors.workloads(user=request.user, region_id=region_get(code=region).pk if region else None)
    shown = list(page.of(qs))
    selectors.experts_named(
        access=Access.from_request(request), object_type="experts.expert",
        object_label=f"workloads: {len(shown)}", expert_ids=[e.pk for e in shown],
    )  # fmt: skip
    return [
        {"expert_id": e.pk, "name": e.person.name, "region": e.region.code, "rounds": e.rounds,
         "invited": e.invited, "accepted": e.accepted, "declined": e.declined, "reviewed": e.reviewed}
        for e in shown
    ]  # fmt: skip


# --- The expert's invitations ------------------------------------------------------------------


def invitation_out(s: Assignment) -> dict[str, Any]:
    return {"id": s.pk, "round": s.round.name, "project": s.project.title,
            "applicant_organisation": s.project.applicant_organisation, "deadline": s.round.deadline,
            "status": s.status, "decline_reason": s.decline_reason, "review_score": s.review_score,
            "review_comment": s.review_comment}  # fmt: skip


def _own_seat(request: HttpRequest, seat_id: int) -> Assignment:
    seat = (
        Assignment.objects.select_related("round", "project", "expert__person")
        .filter(Q(pk=seat_id), expert__person__account=request.user)
        .first()
    )
    if seat is None:
        raise NotFound(_("No such invitation."))
    return seat


@router.get("/invitations", response=list[InvitationOut])
def invitations(request: HttpRequest):
    return [invitation_out(s) for s in selectors.invitations_of(expert=_mine(request))]


@router.post("/invitations/{seat_id}/respond", response=InvitationOut)
def invitation_respond(request: HttpRequest, seat_id: int, body: RespondIn):
    seat = review.invitation_respond(access=Access.from_request(request), seat=_own_seat(request, seat_id),
                                     accept=body.accept, reason=body.reason)  # fmt: skip
    return invitation_out(seat)


@router.post("/invitations/{seat_id}/review", response=InvitationOut)
def invitation_review(request: HttpRequest, seat_id: int, body: ReviewIn):
    seat = review.review_submit(access=Access.from_request(request), seat=_own_seat(request, seat_id),
                                score=body.score, comment=body.comment)  # fmt: skip
    return invitation_out(seat)
