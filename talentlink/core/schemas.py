"""API shapes of the core domain."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class RegionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    short_name: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    region: str | None
    organisation: str | None
    link_status: str


class LoginIn(Schema):
    username: str
    password: str


class PasswordChangeIn(Schema):
    old_password: str
    new_password: str


class PasswordResetIn(Schema):
    email: str


class OrganisationOut(Schema):
    id: int
    name: str
    credit_code: str
    region: str
    kind: str
    status: str
    contact_name: str
    created_at: dt.datetime


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class StaffAccountIn(Schema):
    username: str
    full_name: str
    email: str = ""
    role: str
    region: str | None = None
    password: str


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor_username: str
    actor_role: str
    actor_region: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    object_region: str
    channel: str
    path: str

    @staticmethod
    def resolve_object_label(event: object) -> str:
        # Only the label the reader may see (core.selectors.audit_events_visible), never the raw one.
        return getattr(event, "label_shown", "")


class MessageOut(Schema):
    message: str


class HealthOut(Schema):
    ok: bool
    database: bool
    cache: bool


class RowErrorOut(Schema):
    """One row error of an import's report (core.tabular), in both languages."""

    row: int
    column: str
    value: str
    code: str
    message_zh: str
    message_en: str
