"""The plans' targets as data: staff add a plan's indicators and their values here."""

from __future__ import annotations

from django.contrib import admin

from talentlink.indicators.models import Indicator, Plan, Target


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "start_year", "end_year"]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 1


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "region", "plan", "computed_from"]
    list_filter = ["plan", "region"]
    search_fields = ["code", "name", "name_en", "source"]
    inlines = [TargetInline]
