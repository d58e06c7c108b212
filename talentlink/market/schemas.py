"""Shapes of the talent market's JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from talentlink.core.schemas import REGION_CODE_PATTERN, SLUG_PATTERN, SMALL_INT_MAX

INT_MAX = 2_147_483_647  # a PositiveIntegerField's largest value on every database
EDUCATION = Literal["", "doctorate", "master", "bachelor", "associate", "secondary", "basic"]
LEVEL = Literal[
    "", "title_assistant", "title_junior", "title_intermediate", "title_associate_senior", "title_senior",
    "skill_5", "skill_4", "skill_3", "skill_2", "skill_1",
]  # fmt: skip


class JobIn(Schema):
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=5000)
    region: str = Field(pattern=REGION_CODE_PATTERN)
    district: str = Field("", max_length=30)  # the district's code (330211) or its name (镇海区)
    industry: str | None = Field(None, pattern=SLUG_PATTERN)  # an experts field code
    education: EDUCATION = ""
    required_level: LEVEL = ""
    skills: list[str] = Field(default_factory=list, max_length=30)
    experience_years: int = Field(0, ge=0, le=60)
    salary_min: int = Field(ge=0, le=INT_MAX)
    salary_max: int = Field(ge=0, le=INT_MAX)
    headcount: int = Field(1, ge=1, le=SMALL_INT_MAX)
    valid_until: dt.date


class JobOut(Schema):
    id: int
    title: str
    description: str
    employer: str = Field(alias="organisation.name")
    region: str = Field(alias="region.code")
    district: str | None  # the district's administrative code
    district_name: str | None
    industry: str | None
    occupation: str | None
    occupation_name: str | None
    education: str
    required_level: str
    skills: list[str]
    experience_years: int
    salary_min: int
    salary_max: int
    headcount: int
    valid_until: dt.date
    status: str
    published_at: dt.datetime | None

    @staticmethod
    def resolve_district(obj: object) -> str | None:
        district = getattr(obj, "district", None)
        return district.code if district is not None else None

    @staticmethod
    def resolve_district_name(obj: object) -> str | None:
        district = getattr(obj, "district", None)
        return district.display_name if district is not None else None

    @staticmethod
    def resolve_industry(obj: object) -> str | None:
        field = getattr(obj, "field", None)
        return field.code if field is not None else None

    @staticmethod
    def resolve_occupation(obj: object) -> str | None:
        occupation = getattr(obj, "occupation", None)
        return occupation.code if occupation is not None else None

    @staticmethod
    def resolve_occupation_name(obj: object) -> str | None:
        occupation = getattr(obj, "occupation", None)
        return occupation.name if occupation is not None else None


class ProfileIn(Schema):
    headline: str = Field("", max_length=100)
    summary: str = Field("", max_length=3000)
    education: EDUCATION = ""
    university: str = Field("", max_length=100)
    graduation_year: int | None = Field(None, ge=1950, le=2100)
    is_graduate: bool = False
    district: str = Field("", max_length=30)  # where the talent lives or works now: code or name
    experience_years: int = Field(0, ge=0, le=60)
    skills: list[str] = Field(default_factory=list, max_length=30)
    declared_levels: list[LEVEL] = Field(default_factory=list, max_length=11)
    desired_regions: list[str] = Field(min_length=1, max_length=10)  # region codes
    desired_industries: list[str] = Field(default_factory=list, max_length=40)  # experts field codes
    desired_salary: int | None = Field(None, ge=0, le=INT_MAX)
    open_to_offers: bool = True
    suggestions: bool = True
    sms_suggestions: bool = False
    shared_with_other_city: bool = False


class ProfileOut(Schema):
    id: int
    headline: str
    summary: str
    education: str
    university: str
    graduation_year: int | None
    is_graduate: bool
    experience_years: int
    skills: list[str]
    declared_levels: list[str]
    verified_levels: list[str]
    desired_regions: list[str]
    desired_industries: list[str]
    desired_salary: int | None
    open_to_offers: bool
    suggestions: bool
    sms_suggestions: bool
    shared_with_other_city: bool
    district: str | None = None


class JobMatchOut(Schema):
    job: JobOut
    score: float  # how well it fits, 0–1 (the list itself is in the ranker's order)
    reasons: list[str]


class CandidateOut(Schema):
    profile_id: int
    name: str  # masked: the family name and asterisks
    headline: str
    education: str
    is_graduate: bool
    score: float  # how well it fits, 0–1 (the list itself is in the ranker's order)
    reasons: list[str]


class ApplyIn(Schema):
    note: str = Field("", max_length=500)


class MoveIn(Schema):
    status: Literal["interview", "interviewed", "offered", "hired", "rejected"]
    reason: str = Field("", max_length=300)


class JobApplicationOut(Schema):
    id: int
    job_id: int
    job_title: str = Field(alias="job.title")
    status: str
    note: str
    reason: str
    created_at: dt.datetime
    updated_at: dt.datetime


class EmployerJobApplicationOut(JobApplicationOut):
    talent_name: str = Field(alias="profile.person.name")
    headline: str = Field(alias="profile.headline")


class FunnelRowOut(Schema):
    region: str
    industry: str
    suggested: int
    viewed: int
    applied: int
    hired: int


class GraduateCityOut(Schema):
    """New graduates of one city in a year (or both cities', counted once per graduate)."""

    city: str
    code: str
    applied: int
    hired: int
    hired_a_year_ago: int = Field(alias="due")
    stayed: int
    stay_rate: float | None  # per cent of those hired a year or more ago


class GraduateOriginOut(Schema):
    key: str  # a university code, a GB/T 2260 province code, or unlisted / none / unknown / other
    label: str
    hired: int  # in both cities, once per graduate
    by_city: dict[str, int]  # city code → graduates hired there

    @staticmethod
    def resolve_by_city(obj: Any) -> dict[str, int]:
        return dict(obj.per_city)


class GraduatesOut(Schema):
    """The graduates' market of a year (毕业生就业市场) as counted on ``as_of``."""

    year: int
    as_of: dt.date
    cities: list[GraduateCityOut]
    total: GraduateCityOut
    universities: list[GraduateOriginOut]
    university_provinces: list[GraduateOriginOut]
    home_provinces: list[GraduateOriginOut]
    target: float | None  # the indicator's target for the year, where one counts market.graduates_hired
    target_share: float | None
    plan_sentence: str
    plan_source: str
    stay_rule: str


class TalentMapCellOut(Schema):
    openings: int  # headcount of the open jobs
    supply: int  # résumés open to offers
    ratio: float | None  # openings per résumé; null where no résumé
    band: str  # scarce, tight, balanced, ample, unmet (openings, no résumé) or none


class TalentMapRowOut(Schema):
    district: str  # administrative code; "" for jobs and résumés without a district
    name: str
    city: str
    cells: list[TalentMapCellOut]  # one per industry, in the order of ``industries``
    total: TalentMapCellOut  # every key industry together


class TalentMapIndustryOut(Schema):
    code: str
    name: str


class TalentMapTrendOut(Schema):
    industry: str  # a key industry's code; "" for every key industry together
    name: str
    openings: list[int]  # one per quarter of ``quarters``
    supply: list[int]
    ratios: list[float | None]


class TalentMapOut(Schema):
    period: str  # "" (now), a year (2025) or a quarter (2025-Q3)
    period_name: str
    at: dt.datetime  # the moment counted: the period's end, or now
    industries: list[TalentMapIndustryOut]
    rows: list[TalentMapRowOut]
    quarters: list[str]
    trend: list[TalentMapTrendOut]
