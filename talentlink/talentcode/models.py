"""Signing keys, issued credentials (one status-list bit each) and the signed lists verifiers download."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from talentlink.core.models import Region
from talentlink.registry.models import Person


class SigningKey(models.Model):
    """A P-256 key: a city's key signs its talent codes and status list; the platform's signs the
    trust list. The private half is sealed with the platform's field cipher."""

    class Purpose(models.TextChoices):
        CODE = "code", _("Talent codes and status list of a city")
        TRUST_LIST = "trust_list", _("Trust list of the platform")

    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issuer"),
    )
    kid = models.CharField(_("key id"), max_length=16, unique=True)
    public_key = models.TextField(_("public key (PEM)"))
    private_key_sealed = models.TextField(_("private key (encrypted)"))
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("trusted until"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["purpose", "region", "-not_before"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            # One active key per issuer; the platform's trust-list key has no region, and
            # SQLite cannot make NULLs equal in a unique index (nulls_distinct), so the
            # region is coalesced to 0 for the index.
            models.UniqueConstraint(
                "purpose",
                Coalesce("region", models.Value(0)),
                condition=models.Q(retired_at__isnull=True),
                name="signing_key_one_active_per_issuer",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose="trust_list", region__isnull=True)
                | models.Q(purpose="code", region__isnull=False),
                name="signing_key_city_keys_have_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.region or self.get_purpose_display()})"

    @property
    def issuer(self) -> str:
        """The code of the city whose codes the key signs; "" for the platform's trust-list key."""
        return self.region.code if self.region is not None else ""


class Credential(models.Model):
    """A talent's standing code line at one issuer: its bit in the status list and, for offline
    use, the public key of the browser that holds it. Revoking sets the bit."""

    class RevokeReason(models.TextChoices):
        TIER_WITHDRAWN = "tier_withdrawn", _("Talent tier withdrawn")
        TIER_CHANGED = "tier_changed", _("Talent tier changed")
        MERGED = "merged", _("Person merged into another record")
        DECEASED = "deceased", _("Person deceased")
        REKEYED = "rekeyed", _("Replaced by a code bound to another device")
        STAFF = "staff", _("Revoked by staff")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuer"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="talent_codes", verbose_name=_("person")
    )
    subject = models.CharField(_("pseudonym"), max_length=32, db_index=True)
    status_index = models.PositiveIntegerField(_("status list index"))
    tier = models.CharField(_("tier at issue"), max_length=10)
    holder_key = models.JSONField(_("holder public key"), null=True, blank=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason"), max_length=20, choices=RevokeReason, blank=True)

    class Meta:
        ordering = ["region", "status_index"]
        verbose_name = _("talent code")
        verbose_name_plural = _("talent codes")
        constraints = [
            models.UniqueConstraint(fields=["region", "status_index"], name="credential_unique_index"),
            models.UniqueConstraint(
                fields=["person", "region"],
                condition=models.Q(revoked_at__isnull=True),
                name="credential_one_live_per_issuer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.code}#{self.status_index}"


class PublishedList(models.Model):
    """A signed trust list or status list as verifiers download it (COSE_Sign1 bytes)."""

    class Kind(models.TextChoices):
        TRUST = "trust", _("Trust list")
        STATUS = "status", _("Status list")

    kind = models.CharField(_("kind"), max_length=6, choices=Kind)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("issuer")
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    body = models.BinaryField(_("signed list"))

    class Meta:
        ordering = ["-issued_at", "-id"]
        get_latest_by = "issued_at"
        verbose_name = _("published list")
        verbose_name_plural = _("published lists")
        indexes = [models.Index(fields=["kind", "region", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.region or ''} {self.issued_at:%Y-%m-%d %H:%M}"
