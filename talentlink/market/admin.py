"""The occupation catalogue (CSCO 2022) as data: platform administrators correct or extend it."""

from __future__ import annotations

from django.contrib import admin

from talentlink.market.models import Occupation


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "aliases"]
    raw_id_fields = ["parent"]
