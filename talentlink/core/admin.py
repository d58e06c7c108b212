"""The staff back office; a city's staff see and change their own city only."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from talentlink.core import permissions
from talentlink.core.models import AuditEvent, Organisation, Region, User

admin.site.site_header = _("TalentLink back office")
admin.site.site_title = _("TalentLink")
admin.site.index_title = _("Administration")


class AuditedReadAdmin(admin.ModelAdmin):
    """Records every opening of a record holding personal data in the back office, and every list
    of such records shown (with the ids on the page), as the pages and the API do."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from talentlink.core.audit import Access, audit_record

        if request.method == "GET":
            audit_record(
                access=Access.from_request(request), action=AuditEvent.Action.READ,
                object_type=self.model._meta.label_lower, object_id=object_id,
            )  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        from talentlink.core.audit import Access, audit_record

        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        shown = [obj.pk for obj in changelist.result_list] if changelist is not None else []
        if request.method == "GET" and shown:
            audit_record(
                access=Access.from_request(request), action=AuditEvent.Action.READ,
                object_type=self.model._meta.label_lower, object_label=f"list of {len(shown)}",
                detail={"ids": shown},
            )  # fmt: skip
        return response


class RegionScopedAdmin(admin.ModelAdmin):
    """Limits a non-superuser to rows of their own region (``region_field``)."""

    region_field = "region"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return permissions.region_scope(request.user, super().get_queryset(request), self.region_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region" and not permissions.is_superuser(request.user):
            kwargs["queryset"] = Region.objects.filter(pk=request.user.region_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "short_name", "is_active", "position"]
    list_editable = ["is_active", "position"]


@admin.register(Organisation)
class OrganisationAdmin(RegionScopedAdmin):
    list_display = ["name", "credit_code", "region", "kind", "status", "created_at"]
    list_filter = ["status", "kind", "region"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["reviewed_by", "reviewed_at", "created_at"]


@admin.register(User)
class UserAdmin(AuditedReadAdmin, BaseUserAdmin, RegionScopedAdmin):
    list_display = [
        "username",
        "full_name",
        "role",
        "region",
        "organisation",
        "link_status",
        "is_active",
    ]
    list_filter = ["role", "region", "is_active", "link_status"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("TalentLink"), {"fields": ("full_name", "role", "region", "organisation", "phone",
                                      "link_status", "preferred_language")}),
        (_("Single sign-on"), {"fields": ("external_issuer", "external_subject")}),
    )  # fmt: skip
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("TalentLink"), {"fields": ("full_name", "email", "role", "region")}),
    )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is appended to by the platform, never edited."""

    list_display = [
        "at",
        "actor_username",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "label",
        "channel",
    ]
    list_filter = ["action", "channel", "object_type", "actor_region"]
    # label_shown, not object_label: a search must not find names the reader may not see.
    search_fields = ["actor_username", "label_shown", "object_id", "path"]
    date_hierarchy = "at"

    @admin.display(description=_("object"))
    def label(self, event: AuditEvent) -> str:
        return event.label_shown  # type: ignore[attr-defined]

    def get_object(self, request, object_id, from_field=None):
        event = super().get_object(request, object_id, from_field)
        if event is not None:
            event.object_label = event.label_shown
        return event

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        from talentlink.core.selectors import audit_events_visible

        assert isinstance(request.user, User), "the back office is behind a staff login"
        return audit_events_visible(user=request.user)
