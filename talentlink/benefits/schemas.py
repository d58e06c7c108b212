"""API shapes of the benefits."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

from talentlink.benefits import imports, selectors
from talentlink.benefits.models import (
    Benefit,
    GrantKind,
    InsuranceImport,
    ProviderKind,
    Redemption,
    ServicePoint,
)
from talentlink.core import permissions
from talentlink.core.masking import mask_name
from talentlink.core.schemas import ErrorOut, omittable
from talentlink.core.tabular import error_report_dicts


class BenefitBrief(Schema):
    code: str
    name: str = Field(alias="display_name")
    kind: str = Field(alias="provider.kind")
    terms_summary: str

    @staticmethod
    def resolve_terms_summary(obj: Benefit) -> str:
        return selectors.terms_summary(obj)


class ServicePointMineOut(Schema):
    """The counter a service-point account scans for, with the benefits it offers."""

    id: int
    name: str
    provider: str = Field(alias="provider.display_name")
    region: str = Field(alias="provider.region.code")
    benefits: list[BenefitBrief]

    @staticmethod
    def resolve_benefits(obj: ServicePoint) -> QuerySet[Benefit]:
        return selectors.benefits_with_terms().filter(provider_id=obj.provider_id, is_active=True)


class CheckIn(Schema):
    code: str = Field(max_length=4096)
    benefit: str = Field(max_length=40)


class Remaining(Schema):
    per_day: int | None
    per_year: int | None
    per_person: int | None


class CheckOut(Schema):
    eligible: bool
    reason: str
    message: str
    tier: str
    remaining: Remaining
    holder: str


class RedemptionIn(Schema):
    client_id: uuid.UUID
    code: str = Field(max_length=4096)
    benefit: str = Field(max_length=40)
    scanned_at: dt.datetime
    offline: bool = False


class RedemptionResultOut(Schema):
    id: int | None
    client_id: uuid.UUID
    status: str
    reason: str
    message: str
    # After a use recorded at the counter: the holder's uses left now (absent in a sync's results).
    remaining: Remaining | None = None


class SyncIn(Schema):
    items: list[RedemptionIn] = Field(max_length=1000)


class SyncOut(Schema):
    results: list[RedemptionResultOut]


class RedemptionOut(Schema):
    """A recorded use; the holder's name masked (enough for the counter to greet)."""

    id: int
    client_id: uuid.UUID
    benefit: str = Field(alias="benefit.code")
    provider: str = Field(alias="benefit.provider.name")
    service_point: str = Field(alias="service_point.name")
    holder: str
    holder_region: str | None
    scanned_at: dt.datetime
    offline: bool
    status: str
    reason: str
    message: str
    value: Decimal

    @staticmethod
    def resolve_holder(obj: Redemption) -> str:
        return mask_name(obj.person.name) if obj.person else ""

    @staticmethod
    def resolve_holder_region(obj: Redemption) -> str | None:
        return obj.holder_region.code if obj.holder_region else None

    @staticmethod
    def resolve_message(obj: Redemption) -> str:
        return selectors.redemption_message(obj)


class ResolveIn(Schema):
    honour: bool
    note: str = Field("", max_length=500)


class BenefitOut(Schema):
    """A catalogue entry with its terms; regions and categories by code, tiers as 'region:code'."""

    code: str
    provider_id: int
    provider: str = Field(alias="provider.display_name")
    provider_kind: str = Field(alias="provider.kind")
    region: str = Field(alias="provider.region.code")
    name: str
    name_en: str
    description: str
    grant: str
    discount_percent: int | None
    list_price: Decimal
    holder_regions: list[str]
    categories: list[str]
    tiers: list[str]
    credential_levels: list[str]
    min_insurance_years: Decimal | None
    per_day: int | None
    per_year: int | None
    per_person: int | None
    valid_from: dt.date
    valid_until: dt.date | None
    is_active: bool
    terms_summary: str

    @staticmethod
    def resolve_holder_regions(obj: Benefit) -> list[str]:
        return [r.code for r in obj.holder_regions.all()]

    @staticmethod
    def resolve_categories(obj: Benefit) -> list[str]:
        return [c.code for c in obj.categories.all()]

    @staticmethod
    def resolve_tiers(obj: Benefit) -> list[str]:
        return [f"{t.region.code}:{t.code}" for t in obj.tiers.all()]

    @staticmethod
    def resolve_terms_summary(obj: Benefit) -> str:
        return selectors.terms_summary(obj)


class BenefitTermsIn(Schema):
    """Terms of a catalogue entry; regions by code, categories by code, tiers as 'region:code'.
    A field left out keeps its value; null clears only the terms that may be empty (no limit, no
    end date, no discount, no insurance years)."""

    name: str = omittable(max_length=100)
    name_en: str = omittable(max_length=150)
    description: str = omittable()
    grant: GrantKind = omittable()
    discount_percent: int | None = None
    list_price: Decimal = omittable()
    holder_regions: list[str] = omittable()
    categories: list[str] = omittable()
    tiers: list[str] = omittable()
    credential_levels: list[str] = omittable()
    min_insurance_years: Decimal | None = None
    per_day: int | None = None
    per_year: int | None = None
    per_person: int | None = None
    valid_from: dt.date = omittable()
    valid_until: dt.date | None = None
    is_active: bool = omittable()


class BenefitCreateIn(BenefitTermsIn):
    code: str = Field(max_length=40, pattern=r"^[a-z0-9-]+$")
    provider_id: int
    name: str = Field(max_length=100)
    grant: GrantKind
    valid_from: dt.date


class ProviderOut(Schema):
    id: int
    name: str
    name_en: str
    kind: str
    region: str = Field(alias="region.code")
    organisation: str = Field(alias="organisation.name")
    credit_code: str = Field(alias="organisation.credit_code")
    address: str
    contact_phone: str
    is_active: bool


class ProviderIn(Schema):
    name: str = Field(max_length=100)
    name_en: str = Field("", max_length=150)
    kind: ProviderKind
    credit_code: str = Field(max_length=18)
    address: str = Field("", max_length=200)
    contact_phone: str = Field("", max_length=20)


class ProviderPatch(Schema):
    """A field left out keeps its value; none of them may be null."""

    name: str = omittable(max_length=100)
    name_en: str = omittable(max_length=150)
    kind: ProviderKind = omittable()
    address: str = omittable(max_length=200)
    contact_phone: str = omittable(max_length=20)
    is_active: bool = omittable()


class ServicePointIn(Schema):
    name: str = Field(max_length=100)
    location: str = Field("", max_length=200)


class ServicePointOut(Schema):
    """A provider's counter; its accounts only for those who see single uses (not the province
    observer, who gets an empty list)."""

    id: int
    name: str
    location: str
    provider_id: int
    accounts: list[str]

    @staticmethod
    def resolve_accounts(obj: ServicePoint, context: dict[str, Any]) -> list[str]:
        if not permissions.sees_individual_uses(context["request"].user):
            return []
        return [a.user.username for a in obj.accounts.all()]


class AccountIn(Schema):
    username: str = Field(max_length=150)
    full_name: str = Field(max_length=50)
    password: str


class AccountOut(Schema):
    id: int
    username: str
    role: str


class EntitlementOut(Schema):
    code: str
    name: str
    provider: str
    region: str
    terms_summary: str
    eligible: bool
    reason: str
    message: str
    remaining: Remaining | None


class InsuranceImportOut(Schema):
    """An insurance file's import with its row errors (bilingual reasons)."""

    id: int
    region: str = Field(alias="region.code")
    original_name: str
    status: str
    rows: int = Field(alias="total_rows")
    persons: int
    errors: list[dict]

    @staticmethod
    def resolve_errors(obj: InsuranceImport) -> list[dict[str, Any]]:
        return error_report_dicts(imports.import_error_rows(batch=obj))


class InsuranceImportRejectedOut(ErrorOut):
    """A refusal of an insurance import: the error and, when the file itself was refused, the import
    with its row errors (``rejected``: its id names the errors.xlsx report)."""

    rejected: InsuranceImportOut | None = None


class InsuranceOut(Schema):
    person_id: int
    per_region: dict[str, int]
    combined_months: int
    years: Decimal


class UsageOut(Schema):
    by_month: list[dict]
    by_kind: list[dict]
    top: list[dict]


class SettlementPeriodOut(Schema):
    month: str
    closed_at: dt.datetime
    closed_by: str
    uses: int
    value: Decimal


class SettlementOut(Schema):
    month: str
    closed: SettlementPeriodOut | None
    ledger: list[dict]
    balance: list[dict]
    lines: list[dict]
