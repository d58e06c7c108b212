"""API shapes of the registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from ninja import Field, Schema
from pydantic import model_validator

from talentlink.core.schemas import RowErrorOut
from talentlink.registry import selectors
from talentlink.registry.models import ImportBatch, Person, SourceRecord, SourceSystem, Tier


def _category_code(obj: Person | SourceRecord) -> str | None:
    return obj.category.code if obj.category is not None else None


def _tier_code(obj: Person | SourceRecord) -> str | None:
    return obj.tier.code if obj.tier is not None else None


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    source: str


class TierOut(Schema):
    region: str = Field(alias="region.code")
    code: str
    name: str
    name_en: str
    rank: int
    honoured_as: list[str]  # the tiers of other cities this one counts as ("<region>:<code>")

    @staticmethod
    def resolve_honoured_as(tier: Tier) -> list[str]:
        return [f"{m.target.region.code}:{m.target.code}" for m in tier.mappings_out.all()]


class SourceSystemOut(Schema):
    code: str
    name: str
    region: str = Field(alias="region.code")
    file_format: str
    columns: dict[str, str]
    # QualityCheck codes whose findings the source's files may carry (accepted, flagged).
    accepted_findings: list[str]
    template_url: str

    @staticmethod
    def resolve_columns(source: SourceSystem) -> dict[str, str]:
        return {c.column: c.target for c in source.columns.all()}

    @staticmethod
    def resolve_accepted_findings(source: SourceSystem) -> list[str]:
        return sorted(source.accepted_checks())

    @staticmethod
    def resolve_template_url(source: SourceSystem) -> str:
        return reverse("api:source_system_template", args=[source.code])


class SourceImportOut(Schema):
    id: int
    source_system: str = Field(alias="source_system.code")
    original_name: str
    status: str
    total_rows: int
    created_count: int
    updated_count: int
    unchanged_count: int
    error_count: int
    warning_count: int
    flagged_count: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    progress: dict
    # why a failed import failed, in the reader's language ("" unless it failed)
    failure: str = Field(alias="failure_text")

    @staticmethod
    def resolve_progress(batch: ImportBatch) -> dict[str, Any]:
        return selectors.import_progress(batch=batch)


class SourceRecordOut(Schema):
    source_system: str = Field(alias="source_system.code")
    region: str = Field(alias="source_system.region.code")
    source_key: str
    file: str = Field(alias="batch.original_name")
    import_id: int = Field(alias="batch_id")
    row: int = Field(alias="row_number")
    name: str
    id_number: str = Field(alias="id_number_masked")
    id_number_verified: bool
    quality_flags: list[str]
    employer_name: str
    category: str | None
    tier: str | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_id_number_verified(record: SourceRecord) -> bool:
        return bool(record.id_number_index)

    resolve_category = staticmethod(_category_code)
    resolve_tier = staticmethod(_tier_code)


class PersonOut(Schema):
    id: int
    name: str
    id_number: str = Field(alias="id_number_masked")
    sex: str
    birth_date: dt.date | None
    home_region: str = Field(alias="home_region.code")
    category: str | None
    tier: str | None
    education: str
    title: str
    industry: str
    employer_name: str

    resolve_category = staticmethod(_category_code)
    resolve_tier = staticmethod(_tier_code)


class PersonDetailOut(Schema):
    """A person's record; fields another city holds are null for a city that sees the person only
    through its own records (``withheld`` names them; the person's consent shows them)."""

    id: int
    name: str | None
    id_number: str | None = Field(alias="id_number_masked")
    sex: str | None
    birth_date: dt.date | None
    home_region: str = Field(alias="home_region.code")
    category: str | None
    tier: str | None
    education: str | None
    title: str | None
    industry: str | None
    employer_name: str | None
    phone: str | None
    email: str | None
    withheld: list[str]
    source_records: list[SourceRecordOut]

    resolve_category = staticmethod(_category_code)
    resolve_tier = staticmethod(_tier_code)

    @staticmethod
    def resolve_withheld(person: Person, context: dict[str, Any]) -> list[str]:
        return sorted(selectors.person_withheld(user=context["request"].user, person=person))

    @staticmethod
    def resolve_source_records(person: Person, context: dict[str, Any]) -> list[SourceRecord]:
        return list(selectors.person_source_records_seen(user=context["request"].user, person=person))

    @model_validator(mode="after")
    def _withhold(self) -> PersonDetailOut:
        # The fields the reader may not see (``withheld``, from the request's user) go out as null.
        for field in self.withheld:
            if field in type(self).model_fields:
                setattr(self, field, None)
        return self


class IdNumberOut(Schema):
    id_number: str


class ConsentIn(Schema):
    region: str


class ConsentOut(Schema):
    id: int
    region: str = Field(alias="region.code")
    channel: str
    granted_at: dt.datetime
    withdrawn_at: dt.datetime | None


class TalentRegisterIn(Schema):
    name: str
    id_number: str
    phone: str
    email: str = ""
    password: str
    region: str


class RegisteredOut(Schema):
    username: str
    link_status: str


class ClaimOut(Schema):
    id: int
    name: str
    id_number: str = Field(alias="id_number_masked")
    region: str = Field(alias="region.code")
    username: str = Field(alias="user.username")
    created_at: dt.datetime


class ClaimDecisionIn(Schema):
    approve: bool
    person_id: int | None = None
    note: str = ""


class ImportFindingOut(RowErrorOut):
    """A row error ("error": it rejected the file) or warning (a data-quality finding the source
    accepts: the row was imported, flagged) of an import's report."""

    severity: str
