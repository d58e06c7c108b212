"""Certificates, the province's certificate registry, recognition applications and their outcome.

Certificate kinds, levels and the skill ↔ title equivalence channel are data (seeded from the
plans, maintained in the back office). The province's registry of issued certificates is read
through :mod:`talentlink.credentials.backends`; the local backend keeps its copy in
:class:`RegistryCertificate`, fed by imports of the province's list.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from talentlink.core.models import FileImportWithErrors, Organisation, Region
from talentlink.core.storage import sealed_storage
from talentlink.registry.models import Person


def _localised(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


class Family(models.TextChoices):
    TITLE = "title", _("Professional title")
    SKILL = "skill", _("Vocational skill level")
    QUALIFICATION = "qualification", _("Practising qualification")


class Level(models.TextChoices):
    """The one catalogue of normalised title and skill levels; other apps (benefits) use these codes
    and labels (docs/contracts.md). 初级 of the national title system has two grades: 员级 and 助理级
    (the level commonly called 初级)."""

    TITLE_ASSISTANT = "title_assistant", _("Title: assistant grade (员级)")
    TITLE_JUNIOR = "title_junior", _("Title: junior (初级/助理级)")
    TITLE_INTERMEDIATE = "title_intermediate", _("Title: intermediate (中级)")
    TITLE_ASSOCIATE_SENIOR = "title_associate_senior", _("Title: associate senior (副高级)")
    TITLE_SENIOR = "title_senior", _("Title: senior (正高级)")
    SKILL_5 = "skill_5", _("Skill level 5 (五级/初级工)")
    SKILL_4 = "skill_4", _("Skill level 4 (四级/中级工)")
    SKILL_3 = "skill_3", _("Skill level 3 (三级/高级工)")
    SKILL_2 = "skill_2", _("Skill level 2 (二级/技师)")
    SKILL_1 = "skill_1", _("Skill level 1 (一级/高级技师)")


# Within a family, a later level ranks above an earlier one.
LEVEL_ORDER: dict[str, tuple[str, ...]] = {
    Family.TITLE: (
        Level.TITLE_ASSISTANT, Level.TITLE_JUNIOR, Level.TITLE_INTERMEDIATE,
        Level.TITLE_ASSOCIATE_SENIOR, Level.TITLE_SENIOR,
    ),
    Family.SKILL: (Level.SKILL_5, Level.SKILL_4, Level.SKILL_3, Level.SKILL_2, Level.SKILL_1),
}  # fmt: skip


class Purpose(models.TextChoices):
    """What an equivalence counts for."""

    HUKOU = "hukou", _("Household registration (户籍)")
    HOUSING = "housing", _("Housing (住房)")
    SCHOOLING = "schooling", _("Children's schooling (子女入学)")
    BENEFITS = "benefits", _("Same-city benefits (同城待遇)")


class IssuingAuthority(models.Model):
    """A body that issues certificates; province-level bodies have no region."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=160)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty for a province-level authority."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("issuing authority")
        verbose_name_plural = _("issuing authorities")

    def __str__(self) -> str:
        return _localised(self.name, self.name_en)


class CertificateSeries(models.Model):
    """A title series (工程, 卫生, 教师 …), the skill-level scale, or the practising qualifications."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    family = models.CharField(_("family"), max_length=15, choices=Family)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("certificate series")
        verbose_name_plural = _("certificate series")

    def __str__(self) -> str:
        return _localised(self.name, self.name_en)


class CertificateKind(models.Model):
    """One certificate a person can hold: a series at a level (工程师 = 工程系列 · 中级)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    series = models.ForeignKey(
        CertificateSeries, on_delete=models.PROTECT, related_name="kinds", verbose_name=_("series")
    )
    level = models.CharField(
        _("level"), max_length=25, choices=Level, blank=True, help_text=_("Empty for a qualification.")
    )
    name = models.CharField(_("name"), max_length=40, unique=True)
    name_en = models.CharField(_("English name"), max_length=80)
    is_active = models.BooleanField(_("accepted for recognition"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["series__position", "position", "code"]
        verbose_name = _("certificate kind")
        verbose_name_plural = _("certificate kinds")

    def __str__(self) -> str:
        return _localised(self.name, self.name_en)


class Equivalence(models.Model):
    """技能人才与专业技术人才互认通道: a level counts as another level for a purpose."""

    level = models.CharField(_("level held"), max_length=25, choices=Level)
    counts_as = models.CharField(_("counts as"), max_length=25, choices=Level)
    purpose = models.CharField(_("purpose"), max_length=15, choices=Purpose)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        ordering = ["level", "purpose"]
        verbose_name = _("equivalence")
        verbose_name_plural = _("equivalences")
        constraints = [
            models.UniqueConstraint(fields=["level", "counts_as", "purpose"], name="equivalence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ≈ {self.get_counts_as_display()} ({self.get_purpose_display()})"


class RegistryImport(FileImportWithErrors):
    """One delivery of the province's certificate list; a rejected file changes nothing.

    The file itself is not kept: it holds ID numbers in clear.
    """

    created_count = models.PositiveIntegerField(_("new certificates"), default=0)
    updated_count = models.PositiveIntegerField(_("updated certificates"), default=0)
    withdrawn_count = models.PositiveIntegerField(_("withdrawn certificates"), default=0)
    revoked_count = models.PositiveIntegerField(_("recognitions revoked"), default=0)

    class Meta(FileImportWithErrors.Meta):
        verbose_name = _("certificate list import")
        verbose_name_plural = _("certificate list imports")


class RegistryCertificate(models.Model):
    """The local copy of one certificate on the province's list (the local registry backend)."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    kind = models.ForeignKey(
        CertificateKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    holder_name = models.CharField(_("holder"), max_length=50)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"))
    id_number_index = models.CharField(_("ID number index"), max_length=32, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    authority = models.ForeignKey(
        IssuingAuthority, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing authority")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.VALID)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    last_import = models.ForeignKey(
        RegistryImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("last delivered in"),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("registry certificate")
        verbose_name_plural = _("registry certificates")

    def __str__(self) -> str:
        return self.number


class Application(models.Model):
    """A request to have a certificate recognised in another city (职称/技能等级互认)."""

    class Status(models.TextChoices):
        REVIEW = "review", _("Awaiting review")
        MORE_INFO = "more_info", _("More material requested")
        RECOGNISED = "recognised", _("Recognised")
        REFUSED = "refused", _("Refused: the registry disagrees")
        REJECTED = "rejected", _("Rejected by the reviewer")
        REVOKED = "revoked", _("Recognition revoked")

    class Route(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic (found in the registry)")
        REVIEWED = "reviewed", _("Reviewed by the HR bureau")

    OPEN = (Status.REVIEW, Status.MORE_INFO)

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="credential_applications", verbose_name=_("person")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    on_behalf_of = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by the employer"),
    )
    kind = models.ForeignKey(
        CertificateKind, on_delete=models.PROTECT, related_name="applications", verbose_name=_("kind")
    )
    certificate_number = models.CharField(_("certificate number"), max_length=40)
    holder_name = models.CharField(_("holder"), max_length=50)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"))
    id_number_index = models.CharField(_("ID number index"), max_length=32)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    issued_on = models.DateField(_("issued on"))
    authority = models.ForeignKey(
        IssuingAuthority, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing authority")
    )
    target_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("recognition sought in")
    )
    scan = models.FileField(
        _("certificate scan"), upload_to="credentials/%Y/%m", storage=sealed_storage, blank=True
    )
    note = models.CharField(_("applicant's note"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status)
    route = models.CharField(_("route"), max_length=10, choices=Route)
    registry_evidence = models.JSONField(_("registry answer"), default=dict, blank=True)
    refusal_reasons = models.JSONField(_("refusal reasons"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    due_on = models.DateField(_("decision due"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.CharField(_("reason or note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("recognition application")
        verbose_name_plural = _("recognition applications")
        constraints = [
            # One live application or recognition per certificate: a second is a duplicate.
            models.UniqueConstraint(
                fields=["kind", "certificate_number"],
                condition=models.Q(status__in=["review", "more_info", "recognised"]),
                name="credential_application_one_live_per_certificate",
            ),
        ]
        indexes = [models.Index(fields=["target_region", "status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.certificate_number}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def family(self) -> str:
        return self.kind.series.family


class Recognition(models.Model):
    """A certificate recognised on the platform, attached to the golden person record."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Recognised")
        REVOKED = "revoked", _("Revoked")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="recognitions", verbose_name=_("person")
    )
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="recognition", verbose_name=_("application")
    )
    kind = models.ForeignKey(
        CertificateKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    certificate_number = models.CharField(_("certificate number"), max_length=40, db_index=True)
    level = models.CharField(_("level"), max_length=25, choices=Level, blank=True)
    regions = models.ManyToManyField(
        Region, through="RecognitionRegion", related_name="+", verbose_name=_("recognised in")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    recognised_at = models.DateTimeField(_("recognised at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)

    class Meta:
        ordering = ["-recognised_at"]
        verbose_name = _("recognised credential")
        verbose_name_plural = _("recognised credentials")
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.kind} {self.certificate_number}"


class RecognitionRegion(models.Model):
    """A city where a recognised certificate is valid, and since when."""

    recognition = models.ForeignKey(
        Recognition, on_delete=models.CASCADE, related_name="scopes", verbose_name=_("recognition")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("city"))
    since = models.DateField(_("since"))

    class Meta:
        ordering = ["region__position"]
        verbose_name = _("city of recognition")
        verbose_name_plural = _("cities of recognition")
        constraints = [
            models.UniqueConstraint(fields=["recognition", "region"], name="recognition_region_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.since}"


class Notification(models.Model):
    """A message in a user's in-app inbox (also sent by e-mail when they have an address)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="credential_notifications",
        verbose_name=_("user"),
    )
    # A notice of the catalogue (core.notices) and its parameters, rendered in the reader's
    # language; subject and body keep the text in the recipient's language when it was sent (all
    # that rows from before the catalogue have, and what is shown for a code no longer known).
    code = models.CharField(_("notice"), max_length=60, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title

    def _rendered(self) -> tuple[str, str]:
        from talentlink.core.notices import notice_get

        notice = notice_get(self.code)
        if notice is None:
            return self.subject, self.body
        try:
            return notice.render(self.params)
        except (KeyError, TypeError, ValueError):
            return self.subject, self.body

    @property
    def title(self) -> str:
        """The subject in the active (the reader's) language."""
        return self._rendered()[0]

    @property
    def text(self) -> str:
        """The body in the active (the reader's) language."""
        return self._rendered()[1]
