"""Shapes of the expert pool's JSON API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from talentlink.core.schemas import SMALL_INT_MAX


class FieldOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class ExpertOut(Schema):
    id: int
    name: str
    region: str
    employer_name: str
    title: str
    title_level: int
    fields: list[str]
    keywords: str
    availability: str


class ConflictOut(Schema):
    id: int
    organisation_name: str
    credit_code: str
    reason: str


class ExpertDetailOut(ExpertOut):
    biography: str
    id_number: str
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
    person: str
    kind: str
    year: int | None
    title: str


class ConflictIn(Schema):
    organisation_name: str = ""
    credit_code: str = ""
    reason: str = ""


class ExpertImportOut(Schema):
    id: int
    region: str
    original_name: str
    status: str
    rows: int
    written: int
    error_count: int


class MemberOut(Schema):
    expert_id: int
    name: str
    region: str
    role: str


class CommitteeOut(Schema):
    id: int
    name: str
    field: str
    established_on: dt.date
    joint: bool
    cities: int
    member_count: int
    members: list[MemberOut]  # empty for the province observer, who sees the counts only


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
    client_region: str
    started_on: dt.date
    ended_on: dt.date | None


class StudioOut(Schema):
    id: int
    name: str
    leader_id: int | None  # null for the province observer, who sees the leader's city only
    leader: str | None
    leader_region: str
    host: str
    established_on: dt.date
    fields: list[str]
    commissions: list[CommissionOut]


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


class TargetOut(Schema):
    indicator: str
    label: str
    actual: int
    targets: dict[int, int]
    next_year: int | None
    next_value: int | None


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
    expert: str
    expert_region: str
    affinity: float
    status: str
    decline_reason: str


class ProjectOut(Schema):
    id: int
    title: str
    applicant_organisation: str
    region: str
    fields: list[str]
    seats: list[SeatOut]


class RoundOut(Schema):
    id: int
    name: str
    region: str
    status: str
    deadline: dt.date
    experts_per_project: int
    max_load: int
    min_other_city: int
    max_per_city: int | None
    collaboration_years: int
    solution: dict


class RoundDetailOut(RoundOut):
    projects: list[ProjectOut]
    counts: dict[str, int]


class ProjectIn(Schema):
    title: str
    applicant_organisation: str
    applicant_credit_code: str = ""
    applicant_name: str = ""  # with the ID number, the principal applicant in the registry
    applicant_id_number: str = ""
    region: str  # region code
    fields: list[str] = []
    summary: str = ""


class InvitationOut(Schema):
    id: int
    round: str
    project: str
    applicant_organisation: str
    deadline: dt.date
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


class WorkloadOut(Schema):
    expert_id: int
    name: str
    region: str
    rounds: int
    invited: int
    accepted: int
    declined: int
    reviewed: int
