"""The shared talent registry: what each city delivers and the persons it describes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from talentlink.core.models import FileImport, Region
from talentlink.core.storage import SealedStorage
from talentlink.registry.models.linkage import LinkageRun as LinkageRun
from talentlink.registry.models.linkage import MatchDecision as MatchDecision
from talentlink.registry.models.linkage import PersonChange as PersonChange
from talentlink.registry.models.linkage import ReviewPair as ReviewPair


def _localised(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


class TalentCategory(models.Model):
    """One of the six talent categories of 表1 (党政, 经营管理, 专业技术 …)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30, unique=True)
    name_en = models.CharField(_("English name"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("talent category")
        verbose_name_plural = _("talent categories")

    def __str__(self) -> str:
        return _localised(self.name, self.name_en)


class Tier(models.Model):
    """A level of a region's talent catalogue (e.g. Ningbo A–F); rank 1 is the highest."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="tiers", verbose_name=_("region")
    )
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80)
    rank = models.PositiveSmallIntegerField(_("rank"))
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["region", "rank"]
        verbose_name = _("talent tier")
        verbose_name_plural = _("talent tiers")
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="tier_unique_code_per_region"),
            models.UniqueConstraint(fields=["region", "rank"], name="tier_unique_rank_per_region"),
        ]

    def __str__(self) -> str:
        if (get_language() or "").startswith("en"):
            return f"{self.region.name_en} {self.code} · {self.name_en}"
        return f"{self.region.short_name}{self.code} {self.name}"


class TierMapping(models.Model):
    """人才互认: a tier of one region is honoured as a tier of another."""

    source = models.ForeignKey(
        Tier, on_delete=models.CASCADE, related_name="mappings_out", verbose_name=_("tier")
    )
    target = models.ForeignKey(
        Tier, on_delete=models.CASCADE, related_name="mappings_in", verbose_name=_("honoured as")
    )
    basis = models.CharField(_("basis"), max_length=300, blank=True)

    class Meta:
        ordering = ["source__region", "source__rank", "target__region"]
        verbose_name = _("tier mapping")
        verbose_name_plural = _("tier mappings")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="tier_mapping_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class Education(models.TextChoices):
    DOCTORATE = "doctorate", _("Doctorate")
    MASTER = "master", _("Master's degree")
    BACHELOR = "bachelor", _("Bachelor's degree")
    ASSOCIATE = "associate", _("Associate degree (大专)")
    SECONDARY = "secondary", _("Senior secondary or vocational school")
    BASIC = "basic", _("Junior secondary or below")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class QualityCheck(models.TextChoices):
    """A data-quality finding that record linkage can live with; a source may accept rows with it.

    An accepted finding keeps the row, flags its source record and is listed in the import's
    report as a warning; otherwise it is an error, and the file is rejected whole.
    """

    ID_NUMBER_MISSING = "id_number_missing", _("ID number missing")
    ID_NUMBER_INVALID = "id_number_invalid", _("ID number invalid (unverified)")
    PHONE = "phone", _("Mobile phone invalid")
    EMAIL = "email", _("E-mail invalid")
    BIRTH_DATE = "birth_date", _("Birth date invalid")


class QualityPolicy(models.TextChoices):
    REJECT = "reject", _("Reject the file")
    ACCEPT = "accept", _("Accept the row, flagged, with a warning")


class SourceSystem(models.Model):
    """A city's registry export: its file format, column names and code lists (as data)."""

    class FileFormat(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="source_systems", verbose_name=_("region")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    file_format = models.CharField(_("file format"), max_length=4, choices=FileFormat)
    encoding = models.CharField(
        _("text encoding"), max_length=20, default="utf-8-sig", help_text=_("CSV files only")
    )
    delimiter = models.CharField(_("delimiter"), max_length=1, default=",")
    date_formats = models.CharField(
        _("date formats"),
        max_length=100,
        default="%Y-%m-%d",
        help_text=_("strftime patterns, separated by |, tried in order"),
    )
    id_number_required = models.BooleanField(
        _("ID number required"),
        default=True,
        help_text=_(
            "On: a row without an ID number rejects the file. Off: it is accepted, flagged and "
            "listed as a warning."
        ),
    )
    # What to do with each data-quality finding; anything structural always rejects the file.
    invalid_id_number = models.CharField(
        _("invalid ID number"),
        max_length=6,
        choices=QualityPolicy,
        default=QualityPolicy.REJECT,
        help_text=_(
            "Wrong check character, region or birth date, wrong length, or an ID number stored as a "
            "number. Accepted numbers are stored encrypted but kept out of the ID number index."
        ),
    )
    invalid_phone = models.CharField(
        _("invalid mobile phone"), max_length=6, choices=QualityPolicy, default=QualityPolicy.REJECT
    )
    invalid_email = models.CharField(
        _("invalid e-mail"), max_length=6, choices=QualityPolicy, default=QualityPolicy.REJECT
    )
    invalid_birth_date = models.CharField(
        _("invalid birth date"),
        max_length=6,
        choices=QualityPolicy,
        default=QualityPolicy.REJECT,
        help_text=_("A birth date that cannot be read or lies in the future."),
    )

    class Meta:
        ordering = ["region", "code"]
        verbose_name = _("source system")
        verbose_name_plural = _("source systems")

    def __str__(self) -> str:
        return self.name

    def accepted_checks(self) -> frozenset[str]:
        """The data-quality checks whose findings this source's files may carry."""
        accepted = {
            QualityCheck.ID_NUMBER_MISSING: not self.id_number_required,
            QualityCheck.ID_NUMBER_INVALID: self.invalid_id_number == QualityPolicy.ACCEPT,
            QualityCheck.PHONE: self.invalid_phone == QualityPolicy.ACCEPT,
            QualityCheck.EMAIL: self.invalid_email == QualityPolicy.ACCEPT,
            QualityCheck.BIRTH_DATE: self.invalid_birth_date == QualityPolicy.ACCEPT,
        }
        return frozenset(str(check) for check, yes in accepted.items() if yes)


class Target(models.TextChoices):
    """The fields of a source record that a column can fill."""

    SOURCE_KEY = "source_key", _("Record key in the source system")
    NAME = "name", _("Name")
    ID_NUMBER = "id_number", _("ID number")
    SEX = "sex", _("Sex")
    BIRTH_DATE = "birth_date", _("Birth date")
    PHONE = "phone", _("Mobile phone")
    EMAIL = "email", _("E-mail")
    EMPLOYER_NAME = "employer_name", _("Employer")
    EMPLOYER_CREDIT_CODE = "employer_credit_code", _("Employer credit code")
    CATEGORY = "category", _("Talent category")
    TIER = "tier", _("Tier")
    EDUCATION = "education", _("Education")
    TITLE = "title", _("Professional title")
    INDUSTRY = "industry", _("Industry field")
    REGISTERED_ON = "registered_on", _("Date entered in the registry")


class ColumnMapping(models.Model):
    """Which column of a source system's file fills which field."""

    source_system = models.ForeignKey(
        SourceSystem, on_delete=models.CASCADE, related_name="columns", verbose_name=_("source")
    )
    column = models.CharField(_("column header"), max_length=100)
    target = models.CharField(_("field"), max_length=30, choices=Target)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["source_system", "id"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "target"], name="column_mapping_one_column_per_field"
            ),
            models.UniqueConstraint(fields=["source_system", "column"], name="column_mapping_unique_column"),
        ]

    def __str__(self) -> str:
        return f"{self.column} → {self.get_target_display()}"


class ValueMapping(models.Model):
    """A source system's code for a value of a coded field (category, tier, sex, education)."""

    source_system = models.ForeignKey(
        SourceSystem, on_delete=models.CASCADE, related_name="values", verbose_name=_("source")
    )
    target = models.CharField(
        _("field"),
        max_length=30,
        choices=[(t.value, t.label) for t in (Target.CATEGORY, Target.TIER, Target.SEX, Target.EDUCATION)],
    )
    source_value = models.CharField(_("value in the file"), max_length=100)
    value = models.CharField(_("platform code"), max_length=30)

    class Meta:
        ordering = ["source_system", "target", "source_value"]
        verbose_name = _("value mapping")
        verbose_name_plural = _("value mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "target", "source_value"], name="value_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_value} → {self.value}"


# What an export's sealed bytes are bound to: a file sealed for another purpose (a scan, say)
# does not open as an import (registry/storage.py).
IMPORT_FILE_CONTEXT = b"registry.importbatch"
import_file_storage = SealedStorage(context=IMPORT_FILE_CONTEXT)


class ImportBatch(FileImport):
    """One uploaded file and what became of it; a rejected file changes nothing."""

    class Failure(models.TextChoices):
        """Why an import failed, where it has words for staff (kept in ``message``; any other
        message is the error itself)."""

        STALE = (
            "stale",
            _(
                "The worker stopped while running this import (it was killed or its machine "
                "restarted). Nothing was imported; retry the import."
            ),
        )

    source_system = models.ForeignKey(
        SourceSystem, on_delete=models.PROTECT, related_name="batches", verbose_name=_("source")
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m", storage=import_file_storage)
    created_count = models.PositiveIntegerField(_("new records"), default=0)
    updated_count = models.PositiveIntegerField(_("updated records"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged records"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    flagged_count = models.PositiveIntegerField(_("rows accepted with a quality flag"), default=0)
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written by the worker while it runs (core.heartbeat); a running import without one is stale.
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, editable=False)

    class Meta(FileImport.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    @property
    def region(self) -> Region:
        return self.source_system.region

    @property
    def is_finished(self) -> bool:
        return self.status not in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def failure_text(self) -> str:
        """Why the import failed, in the reader's language ("" unless it failed)."""
        if self.status != self.Status.FAILED:
            return ""
        return str(self.Failure(self.message).label) if self.message in self.Failure.values else self.message


class RowError(models.Model):
    """One problem in one cell (or row) of a file: an error rejected the file, a warning is a
    data-quality finding its source accepts (the row was imported, flagged)."""

    class Severity(models.TextChoices):
        ERROR = "error", _("Error")
        WARNING = "warning", _("Warning")

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="errors", verbose_name=_("import")
    )
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=100, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    code = models.CharField(_("error code"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    severity = models.CharField(_("severity"), max_length=7, choices=Severity, default=Severity.ERROR)

    class Meta:
        ordering = ["row", "id"]
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")

    def __str__(self) -> str:
        return f"{self.row}:{self.column} {self.code}"


class Person(models.Model):
    """The golden record of one person, built from the source records linked to it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MERGED = "merged", _("Merged into another person")
        DECEASED = "deceased", _("Deceased")

    name = models.CharField(_("name"), max_length=50, db_index=True)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True)
    id_number_index = models.CharField(_("ID number index"), max_length=32, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    employer_credit_code = models.CharField(_("employer credit code"), max_length=18, blank=True)
    category = models.ForeignKey(
        TalentCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("talent category"),
        db_index=False,  # the (home_region, category, tier) index serves the registry's filters
    )
    tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tier"),
        db_index=False,
    )
    education = models.CharField(_("education"), max_length=12, choices=Education, blank=True)
    title = models.CharField(_("professional title"), max_length=60, blank=True)
    industry = models.CharField(_("industry field"), max_length=40, blank=True)
    home_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="persons",
        verbose_name=_("home region"),
        db_index=False,
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("account"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
        db_index=False,  # the partial index below: only merged persons have a value
    )
    # Which source record each golden field came from, and by which survivorship rule.
    provenance = models.JSONField(_("provenance"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["id_number_index"]),
            models.Index(fields=["home_region", "category", "tier"]),
            # The databases look persons up by it whenever a person row is deleted (the foreign
            # key's check; without it each deleted person scanned every person) and linkage
            # follows merge chains; only merged persons have a value, so imports pay nothing.
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="person_merged_into",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("registry:person_detail", args=[self.pk])


class SourceRecord(models.Model):
    """One row of a city's export as last delivered, keyed by source system and source key."""

    # The unique (source_system, source_key) index serves lookups by source system.
    source_system = models.ForeignKey(
        SourceSystem,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("source"),
        db_index=False,
    )
    source_key = models.CharField(_("source key"), max_length=64)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="source_records", verbose_name=_("person")
    )
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("last delivered in"),
    )
    row_number = models.PositiveIntegerField(_("row"))
    content_hash = models.CharField(_("content hash"), max_length=32)
    name = models.CharField(_("name"), max_length=50)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True)
    # Empty for an invalid number: only verified numbers are found by the index.
    id_number_index = models.CharField(_("ID number index"), max_length=32, blank=True)
    # An unverified number is masked behind a "?" (?330203********4512).
    id_number_masked = models.CharField(_("ID number"), max_length=20, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    employer_credit_code = models.CharField(_("employer credit code"), max_length=18, blank=True)
    category = models.ForeignKey(
        TalentCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("talent category"),
        db_index=False,  # records are queried through their person, never by category
    )
    tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tier"),
        db_index=False,
    )
    education = models.CharField(_("education"), max_length=12, choices=Education, blank=True)
    title = models.CharField(_("professional title"), max_length=60, blank=True)
    industry = models.CharField(_("industry field"), max_length=40, blank=True)
    registered_on = models.DateField(_("entered in the registry"), null=True, blank=True)
    # The QualityCheck codes of the findings the row was accepted with.
    quality_flags = models.JSONField(_("data-quality flags"), default=list, blank=True)
    created_at = models.DateTimeField(_("first delivered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["source_system", "source_key"]
        verbose_name = _("source record")
        verbose_name_plural = _("source records")
        constraints = [
            models.UniqueConstraint(fields=["source_system", "source_key"], name="source_record_unique_key")
        ]
        # No index on id_number_index: lookups by ID number go to persons and registrations,
        # and linkage reads source records whole.

    def __str__(self) -> str:
        return f"{self.source_system.code}:{self.source_key}"

    @property
    def id_number_unverified(self) -> bool:
        """An ID number was delivered but is not valid: stored encrypted, not in the index."""
        return bool(self.id_number_encrypted) and not self.id_number_index

    @property
    def quality_flag_labels(self) -> list[str]:
        return [str(QualityCheck(flag).label) for flag in self.quality_flags if flag in QualityCheck.values]


class Consent(models.Model):
    """A person's consent to share their record with another region's staff (PIPL art. 23)."""

    class Channel(models.TextChoices):
        SELF_SERVICE = "self", _("Given by the person online")
        PAPER = "paper", _("Signed form, recorded by staff")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("shared with")
    )
    channel = models.CharField(_("how given"), max_length=10, choices=Channel)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("consent to cross-city sharing")
        verbose_name_plural = _("consents to cross-city sharing")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "region"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_region",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.region}"


class TalentClaim(models.Model):
    """A talent's self-registration: who they say they are, until linked to a person."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting staff confirmation")
        LINKED = "linked", _("Linked")
        REJECTED = "rejected", _("Rejected")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="talent_claim",
        verbose_name=_("account"),
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=50)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"))
    id_number_index = models.CharField(_("ID number index"), max_length=32, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("person"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("talent registration")
        verbose_name_plural = _("talent registrations")

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"
