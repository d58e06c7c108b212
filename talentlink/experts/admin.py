"""Back office of the expert pool: the field taxonomy as data, and
read access to profiles, committees, studios and rounds (changes go through the pages)."""

from __future__ import annotations

from django.contrib import admin

from talentlink.core.admin import AuditedReadAdmin, RegionScopedAdmin
from talentlink.experts.models import (
    Commission,
    Committee,
    CommitteeMember,
    Expert,
    ExpertImport,
    Field,
    ReviewRound,
    Studio,
)


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "parent", "position", "is_active"]
    list_editable = ["position", "is_active"]


@admin.register(Expert)
class ExpertAdmin(AuditedReadAdmin, RegionScopedAdmin):
    list_display = ["person", "region", "employer_name", "title", "availability"]
    list_filter = ["region", "availability", "title_level", "fields"]
    search_fields = ["person__name", "source_key", "employer_name"]
    raw_id_fields = ["person"]
    readonly_fields = ["search_document", "title_level"]
    list_select_related = ["person", "region"]


class MemberInline(admin.TabularInline):
    model = CommitteeMember
    raw_id_fields = ["expert"]
    extra = 0


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "field", "established_on"]
    inlines = [MemberInline]


class CommissionInline(admin.TabularInline):
    model = Commission
    extra = 0


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = ["name", "leader", "host", "established_on"]
    raw_id_fields = ["leader", "host"]
    inlines = [CommissionInline]


@admin.register(ReviewRound)
class ReviewRoundAdmin(RegionScopedAdmin):
    list_display = ["name", "region", "organiser", "deadline", "status"]
    list_filter = ["region", "status"]
    readonly_fields = ["solution"]


@admin.register(ExpertImport)
class ExpertImportAdmin(RegionScopedAdmin):
    list_display = ["original_name", "region", "status", "total_rows", "written", "created_at"]
    list_filter = ["region", "status"]
    readonly_fields = ["errors"]
