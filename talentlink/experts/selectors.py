"""Reads of the expert pool: search, profiles, committees, studios, plan counts, rounds, workloads.

Profiles carry personal data (name, employer, title, biography; never ID numbers or contact
details on screen): reads of a profile, of result lists and of every page or answer naming experts
(committees, studios, review panels, workloads) are audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core import permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import NotAllowed, NotFound
from talentlink.core.models import AuditEvent, User
from talentlink.experts import policy, search
from talentlink.experts.models import (
    Assignment,
    Commission,
    Committee,
    CommitteeMember,
    Expert,
    ExpertImport,
    ReviewProject,
    ReviewRound,
    Studio,
)
from talentlink.registry.models import Person

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# --- Search and profiles --------------------------------------------------------------------


def experts_active() -> QuerySet[Expert]:
    """The pool: profiles of active persons. A profile left behind by a merge (its person retired,
    its content joined to the successor's profile) is not in it; pool lists, counts and
    dashboards all start here, so they agree."""
    return Expert.objects.filter(person__status=Person.Status.ACTIVE)


def experts_search(
    *,
    user: User,
    q: str = "",
    region_id: int | None = None,
    field_id: int | None = None,
    title_level_min: int | None = None,
    availability: str = "",
) -> QuerySet[Expert]:
    """Experts of both cities matching the words of ``q`` (best first) and the filters."""
    policy.require_search(user)
    qs = experts_active().select_related("person", "region").prefetch_related("fields")
    if region_id:
        qs = qs.filter(region_id=region_id)
    if field_id:
        qs = qs.filter(fields__id=field_id)
    if title_level_min:
        qs = qs.filter(title_level__gte=title_level_min)
    if availability:
        qs = qs.filter(availability=availability)
    if not q.strip():
        return qs.order_by("region__position", "person__name", "id")
    ranked = search.ranked_expert_ids(q)
    rank = Case(*(When(pk=pk, then=i) for i, pk in enumerate(ranked)), output_field=IntegerField())
    return qs.filter(pk__in=ranked).annotate(rank=rank).order_by("rank")


def experts_shown(*, access: Access, experts: list[Expert], filters: dict[str, Any]) -> list[Expert]:
    """Record that a page of expert profiles was shown, with the search that found them."""
    if experts:
        audit_record(
            access=access, action=AuditEvent.Action.READ, object_type="experts.expert",
            object_label=f"list of {len(experts)}",
            detail={"filters": {k: str(v) for k, v in filters.items() if v}, "ids": [e.pk for e in experts]},
        )  # fmt: skip
    return experts


def expert_get(*, access: Access, expert_id: int) -> Expert:
    """One expert's profile for staff, organisers or the expert; the read (or refusal) is audited.
    A profile the user may not read is answered as a missing one, so that ids cannot be probed."""
    expert = (
        Expert.objects.select_related("person__account", "region")
        .prefetch_related("fields", "declared_conflicts", "relations__person")
        .filter(pk=expert_id)
        .first()
    )
    user = access.user
    if expert is not None and not (
        policy.is_own_profile(user, expert) or (user is not None and policy.can_search(user))
    ):
        audit_record(
            access=access, action=AuditEvent.Action.DENIED, object_type="experts.expert",
            object_id=expert.pk, object_region=expert.region.code, detail={"reason": "not_visible"},
        )  # fmt: skip
        expert = None
    if expert is None:
        raise NotFound(_("No such expert."))
    audit_record(
        access=access, action=AuditEvent.Action.READ, object_type="experts.expert", object_id=expert.pk,
        object_label=expert.person.name, object_region=expert.region.code,
    )  # fmt: skip
    return expert


def experts_named(
    *,
    access: Access,
    object_type: str,
    expert_ids: Iterable[int],
    object_id: Any = "",
    object_label: str = "",
    object_region: str = "",
) -> None:
    """Record that these experts' names were shown on a committee, studio, review panel or workload
    list (every read of personal data is audited); nothing when no expert was shown."""
    ids = sorted(set(expert_ids))
    if ids:
        audit_record(
            access=access, action=AuditEvent.Action.READ, object_type=object_type, object_id=object_id,
            object_label=object_label, object_region=object_region, detail={"experts": ids},
        )  # fmt: skip


class RoundLoad(TypedDict):
    """One row of :func:`expert_workload`: a round and the expert's seats in it, by status."""

    round_id: int
    round__name: str
    round__deadline: dt.date
    invited: int
    accepted: int
    declined: int
    reviewed: int


def expert_workload(*, expert: Expert) -> list[RoundLoad]:
    """The expert's seats in every round, by status (what they have taken on across rounds)."""
    rows = (
        Assignment.objects.filter(expert=expert)
        .values("round_id", "round__name", "round__deadline")
        .annotate(
            invited=Count("id", filter=Q(status=Assignment.Status.INVITED)),
            accepted=Count("id", filter=Q(status=Assignment.Status.ACCEPTED)),
            declined=Count("id", filter=Q(status=Assignment.Status.DECLINED)),
            reviewed=Count("id", filter=Q(reviewed_at__isnull=False)),
        )
        .order_by("-round__deadline")
    )
    return list(rows)


def expert_imports(*, user: User) -> QuerySet[ExpertImport]:
    qs = ExpertImport.objects.select_related("region", "uploaded_by")
    return permissions.office_scope(user, qs, "region_id")


def expert_import_get(*, user: User, import_id: int) -> ExpertImport:
    record = expert_imports(user=user).filter(pk=import_id).first()
    if record is None:
        raise NotFound(_("No such import."))
    return record


def expert_import_error_rows(*, record: ExpertImport) -> Iterator[tuple[Any, ...]]:
    """(row, column, value, code, reason in Chinese, reason in English) of a rejected import."""
    return record.error_report_rows()


# --- Committees, studios and what the plan counts of them ------------------------------------


# A membership counts while its expert's person is active: a merge leaves the retired profile's
# duplicate seat behind (the survivor's seat took its role).
ACTIVE_MEMBER = Q(memberships__expert__person__status=Person.Status.ACTIVE)


class CommitteeCities(TypedDict):
    cities: int  # distinct cities of the committee's active members


def committees_overview() -> QuerySet[WithAnnotations[Committee, CommitteeCities]]:
    """Committees with their members (and each member's city) and the number of cities."""
    members = (
        CommitteeMember.objects.filter(expert__person__status=Person.Status.ACTIVE)
        .select_related("expert__person", "expert__region")
        .order_by("role", "id")
    )
    return (
        Committee.objects.select_related("field")
        .prefetch_related(Prefetch("memberships", queryset=members))
        .annotate(cities=Count("memberships__expert__region", filter=ACTIVE_MEMBER, distinct=True))
    )


def studios_overview() -> QuerySet[Studio]:
    return Studio.objects.select_related("leader__person", "leader__region", "host__region").prefetch_related(
        "fields", Prefetch("commissions", queryset=Commission.objects.select_related("client_region"))
    )


def joint_committee_count(*, on: dt.date) -> int:
    """Committees established by ``on`` whose members come from at least two cities."""
    return (
        Committee.objects.filter(established_on__lte=on)
        .annotate(cities=Count("memberships__expert__region", filter=ACTIVE_MEMBER, distinct=True))
        .filter(cities__gte=2)
        .count()
    )


@dataclass(frozen=True)
class PlanCounts:
    """What the joint plan's expert indicators count on a day: the clean read a targets capability
    takes from this app (docs/contracts.md); the targets themselves are not the pool's business."""

    joint_committees: int  # committees established by the day whose active members span two cities
    studios: int  # leader studios established by the day
    committee_members_by_city: dict[str, int]  # region code → active experts on committees by the day


def plan_counts(*, on: dt.date | None = None) -> PlanCounts:
    on = on or timezone.localdate()
    members = (
        CommitteeMember.objects.filter(
            committee__established_on__lte=on, joined_on__lte=on, expert__person__status=Person.Status.ACTIVE
        )
        .values("expert__region__code")
        .annotate(n=Count("expert", distinct=True))
        .order_by("expert__region__code")
    )
    return PlanCounts(
        joint_committees=joint_committee_count(on=on),
        studios=Studio.objects.filter(established_on__lte=on).count(),
        committee_members_by_city={row["expert__region__code"]: row["n"] for row in members},
    )


# --- Review rounds --------------------------------------------------------------------------


def rounds_visible(*, user: User) -> QuerySet[ReviewRound]:
    """Rounds of the organiser's city; talent offices of both cities follow them read-only."""
    qs = ReviewRound.objects.select_related("region", "organiser").annotate(
        project_count=Count("projects", distinct=True)
    )
    if permissions.is_office(user):
        return qs
    if permissions.is_organiser(user):
        return permissions.region_scope(user, qs, "region_id")
    return qs.none()


def round_get(*, user: User, round_id: int) -> ReviewRound:
    review_round = rounds_visible(user=user).filter(pk=round_id).first()
    if review_round is None:
        raise NotFound(_("No such review round."))
    return review_round


def _panel_projects() -> QuerySet[ReviewProject]:
    seats = Assignment.objects.select_related("expert__person", "expert__region").order_by(
        Case(When(status=Assignment.Status.DECLINED, then=1), default=0), "-affinity", "id"
    )
    return (
        ReviewProject.objects.select_related("region", "applicant_person")
        .prefetch_related("fields", Prefetch("assignments", queryset=seats))
        .order_by("id")
    )


def round_panels(*, review_round: ReviewRound) -> list[ReviewProject]:
    """The round's projects with their seats (every status), best affinity first."""
    return list(_panel_projects().filter(round=review_round))


def round_with_panels(*, access: Access, review_round: ReviewRound) -> ReviewRound:
    """The round with its panels fetched (``projects``, as round_panels orders them), for an answer
    that names their experts: that read is audited."""
    prefetch_related_objects([review_round], Prefetch("projects", queryset=_panel_projects()))
    experts_named(
        access=access, object_type="experts.reviewround", object_id=review_round.pk,
        object_label=review_round.name, object_region=review_round.region.code,
        expert_ids=[seat.expert_id for p in review_round.projects.all() for seat in p.assignments.all()],
    )  # fmt: skip
    return review_round


def round_status_counts(*, review_round: ReviewRound) -> dict[str, int]:
    """Seats of the round by status (every status, zero included)."""
    counts = dict(review_round.assignments.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Assignment.Status.values}


def round_held_affinity(*, review_round: ReviewRound) -> float:
    """Total affinity of the seats proposed, invited or accepted (the panels as they stand)."""
    held = review_round.assignments.exclude(status=Assignment.Status.DECLINED).aggregate(
        total=Sum("affinity")
    )
    return held["total"] or 0.0


PANEL_EXPORT_HEADERS = (
    "项目 Project", "申报单位 Applicant", "项目城市 Project city", "专家 Expert", "专家城市 Expert city",
    "工作单位 Employer", "职称 Title", "匹配度 Affinity", "状态 Status", "回复时间 Answered",
    "谢绝理由 Reason", "评分 Score",
)  # fmt: skip


def panel_export_rows(*, access: Access, review_round: ReviewRound) -> Iterator[tuple[Any, ...]]:
    """One row per seat, for the organiser's XLSX panel list; the export is audited."""
    policy.require_round_manager(access.user, review_round)
    seats = review_round.assignments.select_related(
        "project__region", "expert__person", "expert__region"
    ).order_by("project_id", "-affinity", "id")
    audit_record(
        access=access, action=AuditEvent.Action.EXPORT, object_type="experts.reviewround",
        object_id=review_round.pk, object_label=review_round.name, object_region=review_round.region.code,
    )  # fmt: skip
    for s in seats.iterator():
        yield (
            s.project.title, s.project.applicant_organisation, s.project.region.name, s.expert.person.name,
            s.expert.region.name, s.expert.employer_name, s.expert.title, round(s.affinity, 4),
            s.get_status_display(), s.responded_at, s.decline_reason, s.review_score,
        )  # fmt: skip


class SeatCounts(TypedDict):
    """What :func:`workloads` counts for each expert, across all rounds."""

    rounds: int
    invited: int
    accepted: int
    declined: int
    reviewed: int


def workloads(*, user: User, region_id: int | None = None) -> QuerySet[WithAnnotations[Expert, SeatCounts]]:
    """Experts with seats in any round, with their counts by status across all rounds."""
    if not (permissions.is_office(user) or permissions.is_organiser(user)):
        raise NotAllowed(_("Only organisers and talent offices see expert workloads."))
    qs = (
        experts_active()
        .filter(assignments__isnull=False)
        .select_related("person", "region")
        .annotate(
            rounds=Count("assignments__round", distinct=True),
            invited=Count("assignments", filter=Q(assignments__status=Assignment.Status.INVITED)),
            accepted=Count("assignments", filter=Q(assignments__status=Assignment.Status.ACCEPTED)),
            declined=Count("assignments", filter=Q(assignments__status=Assignment.Status.DECLINED)),
            reviewed=Count("assignments", filter=Q(assignments__reviewed_at__isnull=False)),
        )
        .order_by("-accepted", "-invited", "person__name")
    )
    return qs.filter(region_id=region_id) if region_id else qs


def seats_own(*, user: User) -> QuerySet[Assignment]:
    """Every seat of the talent's own expert profile (:func:`policy.expert_of`), proposals too."""
    expert = policy.expert_of(user)
    return Assignment.objects.filter(expert=expert) if expert else Assignment.objects.none()


def invitations_of(*, expert: Expert) -> QuerySet[Assignment]:
    """The expert's invitations and reviews (proposals not yet sent stay with the organiser)."""
    return (
        expert.assignments.exclude(status=Assignment.Status.PROPOSED)
        .select_related("round", "project__region")
        .order_by(Case(When(status=Assignment.Status.INVITED, then=0), default=1), "-invited_at", "-id")
    )


def desk_figures(*, user: User) -> dict[str, Any]:
    """What the desk panel shows this user: pending invitations, or the pool at a glance."""
    expert = policy.expert_of(user)
    figures: dict[str, Any] = {}
    if expert is not None:
        figures["pending"] = expert.assignments.filter(status=Assignment.Status.INVITED).count()
        figures["accepted"] = expert.assignments.filter(status=Assignment.Status.ACCEPTED).count()
    if permissions.sees_targets(user):
        figures["experts"] = dict(
            experts_active().values_list("region__name").annotate(n=Count("id")).order_by("region__position")
        )
        # The observer sees the pool's counts but may not search it: no link for them.
        figures["searchable"] = policy.can_search(user)
    if policy.is_organiser(user) and not permissions.is_superuser(user):
        figures["open_rounds"] = rounds_visible(user=user).exclude(status=ReviewRound.Status.CLOSED).count()
    return figures
