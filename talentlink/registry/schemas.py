"""API shapes of the registry."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from talentlink.core.schemas import RowErrorOut


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    source: str


class TierOut(Schema):
    region: str
    code: str
    name: str
    name_en: str
    rank: int
    honoured_as: list[str]


class SourceSystemOut(Schema):
    code: str
    name: str
    region: str
    file_format: str
    columns: dict[str, str]
    # QualityCheck codes whose findings the source's files may carry (accepted, flagged).
    accepted_findings: list[str]
    template_url: str


class SourceImportOut(Schema):
    id: int
    source_system: str
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
    failure: str  # why a failed import failed, in the reader's language ("" unless it failed)


class SourceRecordOut(Schema):
    source_system: str
    region: str
    source_key: str
    file: str
    import_id: int
    row: int
    name: str
    id_number: str
    id_number_verified: bool
    quality_flags: list[str]
    employer_name: str
    category: str | None
    tier: str | None
    updated_at: dt.datetime


class PersonOut(Schema):
    id: int
    name: str
    id_number: str
    sex: str
    birth_date: dt.date | None
    home_region: str
    category: str | None
    tier: str | None
    education: str
    title: str
    industry: str
    employer_name: str


class PersonDetailOut(Schema):
    """A person's record; fields another city holds are null for a city that sees the person only
    through its own records (``withheld`` names them; the person's consent shows them)."""

    id: int
    name: str | None
    id_number: str | None
    sex: str | None
    birth_date: dt.date | None
    home_region: str
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


class IdNumberOut(Schema):
    id_number: str


class ConsentIn(Schema):
    region: str


class ConsentOut(Schema):
    id: int
    region: str
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
    id_number: str
    region: str
    username: str
    created_at: dt.datetime


class ClaimDecisionIn(Schema):
    approve: bool
    person_id: int | None = None
    note: str = ""


class ImportFindingOut(RowErrorOut):
    """A row error ("error": it rejected the file) or warning (a data-quality finding the source
    accepts: the row was imported, flagged) of an import's report."""

    severity: str
