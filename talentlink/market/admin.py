"""The market's catalogues as data: the occupations (CSCO 2022), the districts and the plans' key
industries; platform administrators correct or extend them."""

from __future__ import annotations

from django.contrib import admin

from talentlink.market.models import District, KeyIndustry, Occupation


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "aliases"]
    raw_id_fields = ["parent"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "region", "position", "is_active"]
    list_filter = ["region", "is_active"]
    search_fields = ["code", "name", "name_en", "aliases"]


@admin.register(KeyIndustry)
class KeyIndustryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]
    filter_horizontal = ["covers"]
