"""Same-city benefits (同城待遇): providers and their service points, the benefit catalogue
with its terms, redemptions, and each city's social-insurance contribution records."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from talentlink.core.models import FileImportWithErrors, Organisation, Region
from talentlink.registry.models import Person, TalentCategory, Tier


def _localised(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


class ProviderKind(models.TextChoices):
    SCENIC_SPOT = "scenic_spot", _("Scenic spot")
    HOMESTAY = "homestay", _("Quality homestay")
    HOSPITAL = "hospital", _("Hospital")
    BUS_OPERATOR = "bus_operator", _("Bus operator")
    SANATORIUM = "sanatorium", _("Sanatorium")
    TALENT_HOME = "talent_home", _("Talent home")


class Provider(models.Model):
    """An organisation offering benefits to the cities' talents; its city's talent office manages it."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="benefit_provider",
        verbose_name=_("organisation"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="benefit_providers", verbose_name=_("city")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["region__position", "kind", "name"]
        verbose_name = _("benefit provider")
        verbose_name_plural = _("benefit providers")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return _localised(self.name, self.name_en)


class ServicePoint(models.Model):
    """A counter, gate or desk of a provider where talent codes are scanned."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="service_points", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=100)
    location = models.CharField(_("location"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["provider", "name"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="service_point_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.provider.name} · {self.name}"


class ServicePointAccount(models.Model):
    """Attaches a service-point account (role service_point) to the one point it scans for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_point_account",
        verbose_name=_("account"),
    )  # fmt: skip
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("service point")
    )

    class Meta:
        verbose_name = _("service-point account")
        verbose_name_plural = _("service-point accounts")

    def __str__(self) -> str:
        return f"{self.user} → {self.service_point}"


class GrantKind(models.TextChoices):
    FREE_ENTRY = "free_entry", _("Free entry")
    DISCOUNT = "discount", _("Discount")
    PRIORITY = "priority", _("Priority channel")


class Benefit(models.Model):
    """A catalogue entry: what a provider grants, to whom, how often and when.

    Eligibility: the holder's home region, category and minimum combined insurance years must
    all fit where given; tiers and recognised title/skill levels are alternative qualifications
    (either suffices when both are given). An empty list means "no restriction".
    """

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("e.g. nb-tianyige-free"))
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="benefits", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    # What is granted
    grant = models.CharField(_("grant"), max_length=12, choices=GrantKind)
    discount_percent = models.PositiveSmallIntegerField(
        _("discount (%)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("For discounts: how many percent off the list price."),
    )  # fmt: skip
    list_price = models.DecimalField(
        _("list price (yuan)"), max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The regular price of one use; settlement values a use from it."),
    )  # fmt: skip
    # Who is eligible
    holder_regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("holders' cities"),
        help_text=_("Leave empty for talents of every city."),
    )  # fmt: skip
    categories = models.ManyToManyField(
        TalentCategory, blank=True, related_name="+", verbose_name=_("talent categories"),
        help_text=_("Leave empty for every category."),
    )  # fmt: skip
    tiers = models.ManyToManyField(
        Tier, blank=True, related_name="+", verbose_name=_("tiers"),
        help_text=_("A tier of either city; tiers honoured as one of these (人才互认) qualify too."),
    )  # fmt: skip
    # Codes of credentials.models.Level, the one catalogue of levels (docs/contracts.md).
    credential_levels = models.JSONField(
        _("recognised title or skill levels"), default=list, blank=True,
        help_text=_("Level codes, e.g. title_senior or skill_2; the equivalence table applies."),
    )  # fmt: skip
    min_insurance_years = models.DecimalField(
        _("minimum combined insurance years"), max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    # How often
    per_day = models.PositiveSmallIntegerField(_("uses per day"), null=True, blank=True)
    per_year = models.PositiveSmallIntegerField(_("uses per year"), null=True, blank=True)
    per_person = models.PositiveSmallIntegerField(_("uses per person in all"), null=True, blank=True)
    # When
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["provider__region__position", "provider__name", "code"]
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(grant="discount") | models.Q(discount_percent__isnull=False),
                name="benefit_discount_has_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="benefit_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return _localised(self.name, self.name_en)

    def clean(self) -> None:
        if self.grant == GrantKind.DISCOUNT and not self.discount_percent:
            raise ValidationError({"discount_percent": _("A discount needs its percentage.")})
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end of validity lies before its start.")})

    @property
    def granted_value(self) -> Decimal:
        """What one use is worth to the holder, for settlement between the cities."""
        if self.grant == GrantKind.FREE_ENTRY:
            return self.list_price
        if self.grant == GrantKind.DISCOUNT and self.discount_percent:
            return (self.list_price * self.discount_percent / 100).quantize(Decimal("0.01"))
        return Decimal("0.00")


class SettlementPeriod(models.Model):
    """A closed month of the reciprocal ledger (互惠账本): its statement no longer changes.

    Closing a month settles every counted use scanned up to its end that no earlier close settled.
    A use recorded afterwards for a closed month (an offline scan synced late, a conflict honoured
    later) settles in the next month closed, shown there as an adjustment for its own month.
    """

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("closed by"),
    )  # fmt: skip
    uses = models.PositiveIntegerField(_("uses settled"))
    value = models.DecimalField(_("value settled (yuan)"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("closed settlement month")
        verbose_name_plural = _("closed settlement months")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Redemption(models.Model):
    """One use of a benefit recorded at a service point; an over-quota offline use is a conflict."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        CONFLICT = "conflict", _("Conflict: staff to decide")
        VOIDED = "voided", _("Voided by staff")

    client_id = models.UUIDField(_("client id"), unique=True)
    benefit = models.ForeignKey(
        Benefit, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("benefit")
    )
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("service point")
    )
    # Null only for an offline scan whose code could not be verified afterwards: kept, never dropped.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="benefit_redemptions",
        verbose_name=_("holder"),
    )  # fmt: skip
    holder_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("holder's city"),
    )  # fmt: skip
    token_id = models.CharField(_("code token id"), max_length=64, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    offline = models.BooleanField(_("scanned offline"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RECORDED)
    reason = models.CharField(_("reason code"), max_length=40, default="ok")
    value = models.DecimalField(_("value granted (yuan)"), max_digits=10, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("resolved by"),
    )  # fmt: skip
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.CharField(_("resolution note"), max_length=500, blank=True)
    settled_in = models.ForeignKey(
        SettlementPeriod, on_delete=models.PROTECT, null=True, blank=True, related_name="redemptions",
        verbose_name=_("settled in"),
    )  # fmt: skip

    class Meta:
        ordering = ["-scanned_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        indexes = [
            models.Index(fields=["person", "benefit", "scanned_at"]),
            # A code's token id is looked up across every benefit and counter: one code, one use.
            models.Index(fields=["token_id"]),
            models.Index(fields=["status", "scanned_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.benefit.code} {self.scanned_at:%Y-%m-%d %H:%M}"


class InsuranceImport(FileImportWithErrors):
    """One file of a city's social-insurance contribution records, imported whole or not at all."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("city"))
    persons = models.PositiveIntegerField(_("persons"), default=0)

    class Meta(FileImportWithErrors.Meta):
        verbose_name = _("insurance import")
        verbose_name_plural = _("insurance imports")


class InsuranceRecord(models.Model):
    """A span of months in which a city's social-insurance fund received a person's contributions."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="insurance_records", verbose_name=_("person")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("city"))
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    batch = models.ForeignKey(
        InsuranceImport, on_delete=models.PROTECT, related_name="records", verbose_name=_("import")
    )

    class Meta:
        ordering = ["person", "first_month"]
        verbose_name = _("insurance contribution record")
        verbose_name_plural = _("insurance contribution records")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_month__gte=models.F("first_month")), name="insurance_months_ordered"
            ),
        ]
        indexes = [models.Index(fields=["person", "region"])]

    def __str__(self) -> str:
        return f"{self.person} {self.region} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"

    @property
    def months(self) -> int:
        return (
            (self.last_month.year - self.first_month.year) * 12
            + self.last_month.month
            - self.first_month.month
            + 1
        )
