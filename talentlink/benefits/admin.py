"""The back office of the benefits: catalogue data staff may correct; uses are read-only records."""

from __future__ import annotations

from django.contrib import admin

from talentlink.benefits.models import (
    Benefit,
    InsuranceImport,
    InsuranceRecord,
    Provider,
    Redemption,
    ServicePoint,
    ServicePointAccount,
)


class ServicePointInline(admin.TabularInline):
    model = ServicePoint
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "is_active"]
    list_filter = ["region", "kind", "is_active"]
    search_fields = ["name", "organisation__credit_code"]
    raw_id_fields = ["organisation"]
    inlines = [ServicePointInline]


@admin.register(ServicePointAccount)
class ServicePointAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "service_point"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "service_point__provider"]


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "provider",
        "grant",
        "per_day",
        "per_year",
        "per_person",
        "valid_until",
        "is_active",
    ]
    list_filter = ["provider__region", "grant", "is_active"]
    search_fields = ["code", "name", "provider__name"]
    filter_horizontal = ["holder_regions", "categories", "tiers"]
    list_select_related = ["provider"]


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    """Uses are evidence for settlement: staff decide conflicts on the conflicts page, not here."""

    list_display = ["scanned_at", "benefit", "service_point", "holder_region", "status", "reason", "value"]
    list_filter = ["status", "offline", "benefit__provider__region"]
    list_select_related = ["benefit", "service_point", "holder_region"]
    date_hierarchy = "scanned_at"
    exclude = ["person"]  # personal data is read, audited, through the pages

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InsuranceImport)
class InsuranceImportAdmin(admin.ModelAdmin):
    list_display = ["original_name", "region", "status", "total_rows", "persons", "created_at"]
    list_filter = ["region", "status"]
    readonly_fields = [f.name for f in InsuranceImport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(InsuranceRecord)
class InsuranceRecordAdmin(admin.ModelAdmin):
    list_display = ["region", "first_month", "last_month", "batch"]
    list_filter = ["region"]
    exclude = ["person"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
