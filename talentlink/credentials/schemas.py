"""API shapes of credential recognition."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ninja import Schema
from pydantic import Field

from talentlink.credentials import selectors, services

if TYPE_CHECKING:
    from talentlink.credentials.models import (
        Application,
        IssuingAuthority,
        Notification,
        Recognition,
        RegistryImport,
    )


class KindOut(Schema):
    code: str
    family: str = Field(alias="series.family")
    series: str = Field(alias="series.code")
    series_name: str = Field(alias="series.name")
    level: str
    name: str
    name_en: str


class EquivalenceOut(Schema):
    level: str
    counts_as: str
    purpose: str
    source: str


class AuthorityOut(Schema):
    code: str
    name: str
    name_en: str
    region: str | None

    @staticmethod
    def resolve_region(obj: IssuingAuthority) -> str | None:
        return obj.region.code if obj.region else None


class RecognitionOut(Schema):
    status: str
    recognised_at: dt.datetime
    revoked_at: dt.datetime | None
    cities: dict[str, dt.date]

    @staticmethod
    def resolve_cities(obj: Recognition) -> dict[str, dt.date]:
        return {s.region.code: s.since for s in obj.scopes.all()}


class ApplicationOut(Schema):
    """An application as its applicant and its reviewers read it (``recognition`` once recognised)."""

    id: int
    person_id: int
    holder_name: str
    id_number: str = Field(alias="id_number_masked")
    kind: str = Field(alias="kind.code")
    level: str = Field(alias="kind.level")
    certificate_number: str
    issued_on: dt.date
    authority: str = Field(alias="authority.code")
    target_region: str = Field(alias="target_region.code")
    status: str
    route: str
    refusal_reasons: list[str]
    refusal_messages: list[str]
    registry_evidence: dict
    has_scan: bool
    submitted_at: dt.datetime
    due_on: dt.date | None
    overdue: bool
    decided_at: dt.datetime | None
    decision_note: str
    recognition: RecognitionOut | None

    @staticmethod
    def resolve_refusal_messages(obj: Application) -> list[str]:
        return [str(services.REFUSAL_REASONS[r]) for r in obj.refusal_reasons]

    @staticmethod
    def resolve_has_scan(obj: Application) -> bool:
        return bool(obj.scan)

    @staticmethod
    def resolve_overdue(obj: Application) -> bool:
        return selectors.is_overdue(obj)

    @staticmethod
    def resolve_recognition(obj: Application) -> Recognition | None:
        # The reverse one-to-one raises (an AttributeError) while none exists.
        return getattr(obj, "recognition", None)


class ApplicationDecisionIn(Schema):
    decision: str
    reason: str = ""


class LevelsOut(Schema):
    person_id: int
    purpose: str | None
    levels: list[str]


class RegistryImportOut(Schema):
    id: int
    original_name: str
    status: str
    total_rows: int
    created_count: int
    updated_count: int
    withdrawn_count: int
    revoked_count: int
    error_count: int
    created_at: dt.datetime

    @staticmethod
    def resolve_error_count(obj: RegistryImport) -> int:
        return len(obj.errors)


class ReviewCountsOut(Schema):
    waiting: int
    overdue: int
    more_info: int


class StatRowOut(Schema):
    month: str
    region: str
    family: str
    applications: int
    automatic: int
    reviewed: int
    recognised: int
    refused_or_rejected: int
    pending: int
    approval_rate: float | None
    average_days_to_decision: float | None


class CertificateVerifyIn(Schema):
    certificate_number: str
    holder_name: str


class VerifiedCityOut(Schema):
    city: str
    since: dt.date


class VerifiedOut(Schema):
    kind: str
    series: str
    level: str
    status: str
    recognised_on: dt.date
    revoked_on: dt.date | None
    cities: list[VerifiedCityOut]


class VerifyOut(Schema):
    recognised: bool
    certificates: list[VerifiedOut]


class NotificationOut(Schema):
    """A notification in the reader's language (Accept-Language), whichever language it was sent in."""

    id: int
    code: str
    subject: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_subject(obj: Notification) -> str:
        return obj.title

    @staticmethod
    def resolve_body(obj: Notification) -> str:
        return obj.text


class NotificationsReadOut(Schema):
    read: int
