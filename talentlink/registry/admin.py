"""Back office for the registry's data: catalogues, tier mappings, source formats."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from talentlink.core.admin import AuditedReadAdmin, RegionScopedAdmin
from talentlink.registry.models import (
    ColumnMapping,
    Consent,
    ImportBatch,
    SourceSystem,
    TalentCategory,
    TalentClaim,
    Tier,
    TierMapping,
    ValueMapping,
)


@admin.register(TalentCategory)
class TalentCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "position", "source"]


class TierMappingInline(admin.TabularInline):
    model = TierMapping
    fk_name = "source"
    extra = 0


@admin.register(Tier)
class TierAdmin(RegionScopedAdmin):
    list_display = ["region", "code", "name", "name_en", "rank"]
    list_filter = ["region"]
    inlines = [TierMappingInline]


class ColumnMappingInline(admin.TabularInline):
    model = ColumnMapping
    extra = 0


class ValueMappingInline(admin.TabularInline):
    model = ValueMapping
    extra = 0


@admin.register(SourceSystem)
class SourceSystemAdmin(RegionScopedAdmin):
    list_display = [
        "code", "name", "region", "file_format", "encoding", "id_number_required", "invalid_id_number",
        "invalid_phone", "invalid_email", "invalid_birth_date",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["region", "code", "name", "file_format", "encoding", "delimiter",
                           "date_formats"]}),
        (
            _("Data-quality policy"),
            {
                "description": _(
                    "Structural faults (unreadable file, missing columns, repeated keys, an empty "
                    "required field, text too long, unknown codes) always reject the whole file. "
                    "The findings below reject it too, unless accepted here: then the row is "
                    "imported, flagged, and listed in the import report as a warning."
                ),
                "fields": [
                    "id_number_required", "invalid_id_number", "invalid_phone", "invalid_email",
                    "invalid_birth_date",
                ],
            },
        ),
    ]  # fmt: skip
    inlines = [ColumnMappingInline, ValueMappingInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(RegionScopedAdmin):
    region_field = "source_system__region"
    list_display = [
        "id",
        "original_name",
        "source_system",
        "status",
        "total_rows",
        "error_count",
        "warning_count",
        "created_at",
    ]
    list_filter = ["status", "source_system"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False  # uploads go through the import page, which validates them


@admin.register(Consent)
class ConsentAdmin(AuditedReadAdmin):
    list_display = ["person", "region", "channel", "granted_at", "withdrawn_at"]
    list_filter = ["region", "channel"]
    raw_id_fields = ["person"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TalentClaim)
class TalentClaimAdmin(AuditedReadAdmin, RegionScopedAdmin):
    list_display = ["name", "id_number_masked", "region", "status", "created_at"]
    list_filter = ["status", "region"]
    exclude = ["id_number_encrypted", "id_number_index"]
    readonly_fields = [
        "user",
        "name",
        "id_number_masked",
        "region",
        "person",
        "decided_by",
        "decided_at",
    ]
