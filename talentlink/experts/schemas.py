"""Shapes of the expert pool's JSON API."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Schema
from pydantic import Field

from talentlink.core.schemas import SMALL_INT_MAX
from talentlink.experts import policy, selectors
from talentlink.experts.models import (
    Committee,
    CommitteeMember,
    Expert,
    ExpertImport,
    ReviewProject,
    ReviewRound,
    Studio,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def _sees_experts(context: dict[str, Any] | None) -> bool:
    """Whether the reader of this answer may see which experts it names (the province observer
    may not: they see counts and cities only). Read without a request, the answer names nobody."""
    request = (context or {}).get("request")
    return request is not None and policy.sees_experts(request.user)


class FieldOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class ExpertOut(Schema):
    id: int
    name: str = Field(alias="person.name")
    region: str = Field(alias="region.code")
    employer_name: str
    title: str
    title_level: int
    fields: list[str]
    keywords: str
    availability: str

    @staticmethod
    def resolve_fields(expert: Expert) -> list[str]:
        return [f.code for f in expert.fields.all()]


class ConflictOut(Schema):
    id: int
    organisation_name: str
    credit_code: str
    reason: str


class ExpertDetailOut(ExpertOut):
    biography: str
    id_number: str = Field(alias="person.id_number_masked")
    declared_conflicts: list[ConflictOut]


class ExpertUpdateIn(Schema):
    fields: list[str] | None = None  # field codes
    keywords: str | None = None
    biography: str | None = None
    availability: str | None = None
    employer_name: str | None = None
    employer_credit_code: str | None = None
    title: str | None = None


class RelationIn(Schema):
    name: str
    id_number: str
    kind: str  # co_project | co_author | relative
    year: int | None = None
    title: str = ""


class RelationOut(Schema):
    id: int
    person: str = Field(alias="person.name")
    kind: str
    year: int | None
    title: str


class ConflictIn(Schema):
    organisation_name: str = ""
    credit_code: str = ""
    reason: str = ""


class ExpertImportOut(Schema):
    id: int
    region: str = Field(alias="region.code")
    original_name: str
    status: str
    rows: int = Field(alias="total_rows")
    written: int
    error_count: int

    @staticmethod
    def resolve_error_count(record: ExpertImport) -> int:
        return len(record.errors)


class MemberOut(Schema):
    expert_id: int
    name: str = Field(alias="expert.person.name")
    region: str = Field(alias="expert.region.code")
    role: str


# Reads a committee of selectors.committees_overview (members prefetched, cities counted).
class CommitteeOut(Schema):
    id: int
    name: str
    field: str = Field(alias="field.code")
    established_on: dt.date
    joint: bool
    cities: int
    member_count: int
    members: list[MemberOut]  # empty for the province observer, who sees the counts only

    @staticmethod
    def resolve_joint(committee: WithAnnotations[Committee, selectors.CommitteeCities]) -> bool:
        return committee.cities >= 2

    @staticmethod
    def resolve_member_count(committee: Committee) -> int:
        return len(committee.memberships.all())

    @staticmethod
    def resolve_members(committee: Committee, context: dict[str, Any] | None) -> list[CommitteeMember]:
        return list(committee.memberships.all()) if _sees_experts(context) else []


class CommitteeIn(Schema):
    name: str
    field: str  # field code
    established_on: dt.date
    description: str = ""


class MemberIn(Schema):
    expert_id: int
    role: str = "member"
    joined_on: dt.date | None = None


class CommissionOut(Schema):
    id: int
    kind: str
    title: str
    client_name: str
    client_region: str = Field(alias="client_region.code")
    started_on: dt.date
    ended_on: dt.date | None


# Reads a studio of selectors.studios_overview (leader, host, fields and commissions fetched).
class StudioOut(Schema):
    id: int
    name: str
    leader_id: int | None  # null for the province observer, who sees the leader's city only
    leader: str | None
    leader_region: str = Field(alias="leader.region.code")
    host: str = Field(alias="host.name")
    established_on: dt.date
    fields: list[str]
    commissions: list[CommissionOut]

    @staticmethod
    def resolve_leader_id(studio: Studio, context: dict[str, Any] | None) -> int | None:
        return studio.leader_id if _sees_experts(context) else None

    @staticmethod
    def resolve_leader(studio: Studio, context: dict[str, Any] | None) -> str | None:
        return studio.leader.person.name if _sees_experts(context) else None

    @staticmethod
    def resolve_fields(studio: Studio) -> list[str]:
        return [f.code for f in studio.fields.all()]


class StudioIn(Schema):
    name: str
    leader_id: int
    host_credit_code: str
    established_on: dt.date
    fields: list[str] = []
    description: str = ""


class CommissionIn(Schema):
    kind: str
    title: str
    client_name: str
    client_region: str  # region code
    started_on: dt.date
    ended_on: dt.date | None = None


class RoundIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    deadline: dt.date
    experts_per_project: int = Field(3, ge=1, le=SMALL_INT_MAX)
    max_load: int = Field(3, ge=1, le=SMALL_INT_MAX)
    min_other_city: int = Field(1, ge=0, le=SMALL_INT_MAX)
    max_per_city: int | None = Field(None, ge=1, le=SMALL_INT_MAX)
    collaboration_years: int = Field(3, ge=0, le=SMALL_INT_MAX)


class SeatOut(Schema):
    id: int
    project_id: int
    expert_id: int
    expert: str = Field(alias="expert.person.name")
    expert_region: str = Field(alias="expert.region.code")
    affinity: float
    status: str
    decline_reason: str


class ProjectOut(Schema):
    id: int
    title: str
    applicant_organisation: str
    region: str = Field(alias="region.code")
    fields: list[str]
    seats: list[SeatOut] = Field(alias="assignments")  # every status, best affinity first

    @staticmethod
    def resolve_fields(project: ReviewProject) -> list[str]:
        return [f.code for f in project.fields.all()]


class RoundOut(Schema):
    id: int
    name: str
    region: str = Field(alias="region.code")
    status: str
    deadline: dt.date
    experts_per_project: int
    max_load: int
    min_other_city: int
    max_per_city: int | None
    collaboration_years: int
    solution: dict


# Reads a round of selectors.round_with_panels (its projects and their seats prefetched).
class RoundDetailOut(RoundOut):
    projects: list[ProjectOut]
    counts: dict[str, int]

    @staticmethod
    def resolve_counts(review_round: ReviewRound) -> dict[str, int]:
        return selectors.round_status_counts(review_round=review_round)


class ProjectIn(Schema):
    title: str
    applicant_organisation: str
    applicant_credit_code: str = ""
    applicant_name: str = ""  # with the ID number, the principal applicant in the registry
    applicant_id_number: str = ""
    region: str  # region code
    fields: list[str] = []
    summary: str = ""


# Reads one seat as its expert sees it (round and project fetched with it).
class InvitationOut(Schema):
    id: int
    round: str = Field(alias="round.name")
    project: str = Field(alias="project.title")
    applicant_organisation: str = Field(alias="project.applicant_organisation")
    deadline: dt.date = Field(alias="round.deadline")
    status: str
    decline_reason: str
    review_score: int | None
    review_comment: str


class RespondIn(Schema):
    accept: bool
    reason: str = ""


class ReviewIn(Schema):
    score: int
    comment: str


# Reads an expert of selectors.workloads, with its seat counts annotated.
class WorkloadOut(Schema):
    expert_id: int = Field(alias="id")
    name: str = Field(alias="person.name")
    region: str = Field(alias="region.code")
    rounds: int
    invited: int
    accepted: int
    declined: int
    reviewed: int
