"""Back office for the recognition catalogues; applications and certificates are read-only here."""

from __future__ import annotations

from django.contrib import admin

from talentlink.core.admin import AuditedReadAdmin
from talentlink.credentials.models import (
    Application,
    CertificateKind,
    CertificateSeries,
    Equivalence,
    IssuingAuthority,
    RegistryCertificate,
    RegistryImport,
)


class CertificateKindInline(admin.TabularInline):
    model = CertificateKind
    extra = 0


@admin.register(CertificateSeries)
class CertificateSeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "family", "position"]
    list_filter = ["family"]
    inlines = [CertificateKindInline]


@admin.register(CertificateKind)
class CertificateKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "series", "level", "is_active"]
    list_filter = ["series__family", "series", "is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(IssuingAuthority)
class IssuingAuthorityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "region", "position"]


@admin.register(Equivalence)
class EquivalenceAdmin(admin.ModelAdmin):
    list_display = ["level", "counts_as", "purpose", "source"]
    list_filter = ["purpose"]


class ReadOnlyAdmin(AuditedReadAdmin):
    """Changes go through the services (imports, applications, decisions), never the back office."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegistryCertificate)
class RegistryCertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "holder_name", "id_number_masked", "kind", "authority", "status", "issued_on"]
    list_filter = ["status", "kind__series"]
    search_fields = ["number"]
    exclude = ["id_number_encrypted", "id_number_index"]


@admin.register(RegistryImport)
class RegistryImportAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "original_name",
        "status",
        "total_rows",
        "withdrawn_count",
        "revoked_count",
        "created_at",
    ]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "holder_name", "kind", "certificate_number", "target_region", "status", "route"]
    list_filter = ["status", "route", "target_region"]
    search_fields = ["certificate_number"]
    exclude = ["id_number_encrypted", "id_number_index"]
