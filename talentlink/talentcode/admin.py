"""Back office for the talent code: keys (public halves only), issued codes, published lists."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from talentlink.core.admin import AuditedReadAdmin
from talentlink.talentcode.models import Credential, PublishedList, SigningKey


class ReadOnlyAdmin(admin.ModelAdmin):
    """Keys, codes and lists change only through their services (rotation, revocation, publishing)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "purpose", "region", "not_before", "not_after", "retired_at"]
    list_filter = ["purpose", "region"]
    exclude = ["private_key_sealed"]


@admin.register(Credential)
class CredentialAdmin(AuditedReadAdmin, ReadOnlyAdmin):
    list_display = ["__str__", "person", "tier", "created_at", "revoked_at", "revoke_reason"]
    list_filter = ["region", "revoke_reason"]
    list_select_related = ["region", "person"]
    raw_id_fields = ["person"]
    exclude = ["holder_key"]


@admin.register(PublishedList)
class PublishedListAdmin(ReadOnlyAdmin):
    list_display = ["kind", "region", "issued_at", "expires_at"]
    list_filter = ["kind", "region"]
    exclude = ["body"]
