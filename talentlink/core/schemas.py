"""API shapes of the core domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import Field

if TYPE_CHECKING:
    from talentlink.core.models import User

T = TypeVar("T")
M = TypeVar("M", bound=Model)
R = TypeVar("R")

# Shapes of the codes that name things in paths (benefits and source systems: slugs; cities: their
# administrative codes; months: YYYY-MM), so that the OpenAPI says what a path takes and a value of
# another shape is refused (422) before any lookup.
SLUG_PATTERN = r"^[-a-zA-Z0-9_]{1,40}$"
REGION_CODE_PATTERN = r"^[0-9]{6}$"
MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"

# The largest value of a PositiveSmallIntegerField on every database Django supports.
SMALL_INT_MAX = 32767

# The deepest a list may be paged: beyond it OFFSET overflows a database integer long before any
# table holds that many rows.
MAX_OFFSET = 1_000_000_000


class ErrorOut(Schema):
    """Every error answer of the API (4xx): a stable ``code``, a ``message`` in the user's language,
    the input it is about (``field``) and, for a request that does not validate, each problem
    (``detail``, as pydantic reports it)."""

    code: str
    message: str
    field: str | None = None
    detail: list[dict[str, Any]] | None = None


class Page(Schema):
    """Which slice of a list to answer: ``limit`` items after the first ``offset``. Values out of
    range are refused (422), not clamped; every list operation that pages takes this."""

    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    @overload
    def of(self, items: QuerySet[M, R]) -> QuerySet[M, R]: ...
    @overload
    def of(self, items: Sequence[T]) -> Sequence[T]: ...
    def of(self, items: QuerySet[Any, Any] | Sequence[Any]) -> QuerySet[Any, Any] | Sequence[Any]:
        """The page of a query set or list (a query set stays lazy: LIMIT/OFFSET in SQL)."""
        return items[self.offset : self.offset + self.limit]


class LongPage(Page):
    """A page of a list read in long runs (the audit log, workloads)."""

    limit: int = Field(200, ge=1, le=1000)


class ReportPage(Page):
    """A page of an import's row report, which is read whole more often than not."""

    limit: int = Field(1000, ge=1, le=100_000)


def omittable(**constraints: Any) -> Any:
    """A field of a partial update (PATCH) that may be left out but is never null: left out, it is
    unset (``exclude_unset`` drops it); sent as null, the request is refused (422). Only fields typed
    ``X | None`` take null, to clear a value the model allows to be empty."""
    return Field(None, json_schema_extra=_without_default, **constraints)


def _without_default(schema: dict[str, Any]) -> None:
    # The None default is the "left out" marker, not a value a client may send.
    schema.pop("default", None)


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
    region: str | None  # its code
    organisation: str | None  # its name
    link_status: str

    @staticmethod
    def resolve_region(user: User) -> str | None:
        return user.region.code if user.region is not None else None

    @staticmethod
    def resolve_organisation(user: User) -> str | None:
        return user.organisation.name if user.organisation is not None else None


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
    region: str = Field(alias="region.code")
    kind: str
    status: str
    contact_name: str
    created_at: dt.datetime


class OrganisationDecisionIn(Schema):
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
