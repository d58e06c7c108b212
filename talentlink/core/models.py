"""Regions, organisations, accounts with roles, and the audit log."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from talentlink.core import credit_codes
from talentlink.core.storage import sealed_storage
from talentlink.core.tabular import CellError, error_report_rows


class Region(models.Model):
    """A city (or any region) taking part in the platform; adding one is data, not code."""

    code = models.CharField(_("administrative code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    short_name = models.CharField(_("short name"), max_length=4, help_text=_("e.g. 甬 or 舟"))
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"), name="region_code_six_digits"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _region_names.cache_clear()

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


class Organisation(models.Model):
    """An employer, institution or government body identified by its credit code."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        INSTITUTION = "institution", _("Public institution")
        UNIVERSITY = "university", _("University or research institute")
        GOVERNMENT = "government", _("Government body")
        SOCIAL = "social", _("Social organisation")
        PROVIDER = "provider", _("Service provider")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("region")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.ENTERPRISE)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    licence = models.FileField(
        _("business licence scan"), upload_to="licences/%Y/%m", storage=sealed_storage, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    reviewed_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.credit_code = credit_codes.parse(self.credit_code)
        except credit_codes.CreditCodeError as exc:
            raise ValidationError({"credit_code": exc.message}) from None


class Role(models.TextChoices):
    TALENT_OFFICE = "talent_office", _("Talent office staff")
    HR_REVIEWER = "hr_reviewer", _("HR bureau reviewer")
    EMPLOYER = "employer", _("Employer")
    TALENT = "talent", _("Talent")
    SERVICE_POINT = "service_point", _("Service point")
    REVIEW_ORGANISER = "review_organiser", _("Review organiser")
    PROVINCE_OBSERVER = "province_observer", _("Province observer")
    # A scenic spot, hospital, bus operator … offering same-city benefits; its counters are
    # service points.
    BENEFIT_PROVIDER = "benefit_provider", _("Benefit provider")


# Roles whose work is confined to one region; the others see across regions
# (observers, read-only aggregates) or only themselves (talents).
REGION_SCOPED_ROLES = frozenset(
    {
        Role.TALENT_OFFICE,
        Role.HR_REVIEWER,
        Role.SERVICE_POINT,
        Role.REVIEW_ORGANISER,
        Role.EMPLOYER,
        Role.BENEFIT_PROVIDER,
    }
)
STAFF_ROLES = frozenset({Role.TALENT_OFFICE, Role.HR_REVIEWER})


class User(AbstractUser):
    """An account; its role and region decide what it may see and do.

    ``external_issuer``/``external_subject`` hold the identity asserted by the
    province's single sign-on (OIDC ``iss``/``sub``) once it is switched on.
    """

    class LinkStatus(models.TextChoices):
        NOT_APPLICABLE = "n/a", _("Not applicable")
        LINKED = "linked", _("Linked to a person record")
        PENDING = "pending", _("Awaiting staff confirmation")
        REJECTED = "rejected", _("Rejected by staff")

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.TALENT)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("region"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organisation"),
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    link_status = models.CharField(
        _("person link"), max_length=10, choices=LinkStatus, default=LinkStatus.NOT_APPLICABLE
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, default="zh-hans", blank=True
    )
    external_issuer = models.CharField(_("SSO issuer"), max_length=200, blank=True)
    external_subject = models.CharField(_("SSO subject"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(
                    role__in=sorted(r.value for r in REGION_SCOPED_ROLES if r != Role.EMPLOYER)
                )
                | models.Q(region__isnull=False),
                name="user_scoped_role_has_region",
            ),
            models.UniqueConstraint(
                fields=["external_issuer", "external_subject"],
                condition=~models.Q(external_subject=""),
                name="user_unique_sso_identity",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username


class AuditEvent(models.Model):
    """One access to personal data or one consequential change; never edited."""

    class Action(models.TextChoices):
        READ = "read", _("Read")
        READ_UNMASKED = "read_unmasked", _("Read unmasked ID number")
        EXPORT = "export", _("Export")
        DENIED = "denied", _("Access refused")
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DECIDE = "decide", _("Decision")

    class Channel(models.TextChoices):
        PAGE = "page", _("Web page")
        API = "api", _("API")
        ADMIN = "admin", _("Back office")
        COMMAND = "command", _("Command")
        TASK = "task", _("Background task")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("actor"),
    )
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=20, choices=Role, blank=True)
    actor_region = models.CharField(_("actor region"), max_length=6, blank=True)
    action = models.CharField(_("action"), max_length=15, choices=Action)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    object_region = models.CharField(_("object region"), max_length=6, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    path = models.CharField(_("page or endpoint"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_label}"

    @property
    def actor_region_name(self) -> str:
        return region_name(self.actor_region)


class ImportStatus(models.TextChoices):
    """What became of an uploaded file, the same words in every app. The imports read at once
    (experts, insurance, the certificate list) end succeeded or rejected; the registry's, run by
    the task worker, pass through queued and running and may also end duplicate or failed."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    REJECTED = "rejected", _("Rejected: the file has errors")
    DUPLICATE = "duplicate", _("Already imported: nothing to do")
    FAILED = "failed", _("Failed")


class FileImport(models.Model):
    """What every app's file import keeps: the file (name, SHA-256, size), who uploaded it and
    when, what became of it and how many data rows it held.

    The import module of each app is ``<app>/imports.py``; its model extends this one with its
    own counts, and reads the upload through :func:`talentlink.core.tabular.upload_spooled`."""

    Status = ImportStatus

    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus, default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"


class FileImportWithErrors(FileImport):
    """A file import that keeps its row errors with it (rather than in a table of their own)."""

    # (row, column, value, code, params) of each error; reports render them in the reader's language.
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta(FileImport.Meta):
        abstract = True

    def error_report_rows(self) -> Iterator[tuple[Any, ...]]:
        """(row, column, value, code, reason in Chinese, reason in English) of each error."""
        return error_report_rows(
            (row, CellError(column, value, code, params or {}))
            for row, column, value, code, params in self.errors
        )


def region_name(code: str) -> str:
    """A region's name in the active language, from its code (audit rows keep codes)."""
    if not code:
        return ""
    names = _region_names()
    return (
        names.get(code, code)
        if not (get_language() or "").startswith("en")
        else names.get(f"en:{code}", code)
    )


@functools.lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    return {
        key: value
        for code, name, name_en in Region.objects.values_list("code", "name", "name_en")
        for key, value in ((code, name), (f"en:{code}", name_en))
    }
