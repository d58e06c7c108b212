"""The shared expert pool: profiles, committees, leader studios and review panels."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from talentlink.core.models import FileImportWithErrors, Organisation, Region
from talentlink.registry.models import Person


def _localised(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


class Field(models.Model):
    """A field of the taxonomy (the plans' industries); staff add fields as data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    name_en = models.CharField(_("English name"), max_length=80)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("broader field"),
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("field")
        verbose_name_plural = _("fields")

    def __str__(self) -> str:
        return _localised(self.name, self.name_en)


class TitleLevel(models.IntegerChoices):
    """Seniority of a professional title; it weighs in the affinity."""

    NONE = 0, _("No title")
    JUNIOR = 1, _("Junior (初级)")
    INTERMEDIATE = 2, _("Intermediate (中级)")
    ASSOCIATE_SENIOR = 3, _("Associate senior (副高级)")
    SENIOR = 4, _("Senior (正高级)")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    LIMITED = "limited", _("Limited")
    UNAVAILABLE = "unavailable", _("Not available")


class Expert(models.Model):
    """An expert of either city's expert database: always a golden person of the registry."""

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="expert", verbose_name=_("person")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="experts", verbose_name=_("expert database of")
    )
    source_key = models.CharField(_("number in the expert database"), max_length=40, blank=True)
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    employer_credit_code = models.CharField(_("employer credit code"), max_length=18, blank=True)
    title = models.CharField(_("professional title"), max_length=60, blank=True)
    title_level = models.PositiveSmallIntegerField(
        _("title level"), choices=TitleLevel, default=TitleLevel.NONE
    )
    fields = models.ManyToManyField(Field, related_name="experts", blank=True, verbose_name=_("fields"))
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    biography = models.TextField(_("biography"), max_length=2000, blank=True)
    availability = models.CharField(
        _("availability"), max_length=12, choices=Availability, default=Availability.AVAILABLE
    )
    # Words of the name, fields, keywords and biography, segmented by jieba and separated by
    # spaces: what the full-text index (FTS5 on SQLite, a GIN tsvector on PostgreSQL) reads.
    search_document = models.TextField(_("search text"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "source_key"], condition=~Q(source_key=""), name="expert_unique_source_key"
            )
        ]

    def __str__(self) -> str:
        return self.person.name

    @property
    def keyword_list(self) -> list[str]:
        from talentlink.experts.text import split_keywords

        return split_keywords(self.keywords)


class DeclaredConflict(models.Model):
    """An organisation (or person) the expert declares a conflict of interest with."""

    expert = models.ForeignKey(
        Expert, on_delete=models.CASCADE, related_name="declared_conflicts", verbose_name=_("expert")
    )
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    credit_code = models.CharField(_("credit code"), max_length=18, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        ordering = ["expert", "id"]
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(organisation_name="", credit_code="", person__isnull=True),
                name="declared_conflict_names_someone",
            )
        ]

    def __str__(self) -> str:
        return self.organisation_name or self.credit_code or str(self.person)


class Relation(models.Model):
    """A tie between the expert and another person: co-project, co-author or relative."""

    class Kind(models.TextChoices):
        CO_PROJECT = "co_project", _("Co-project")
        CO_AUTHOR = "co_author", _("Co-author")
        RELATIVE = "relative", _("Relative")

    expert = models.ForeignKey(
        Expert, on_delete=models.CASCADE, related_name="relations", verbose_name=_("expert")
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    title = models.CharField(_("project or publication"), max_length=200, blank=True)

    class Meta:
        ordering = ["expert", "-year", "id"]
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="relative") | Q(year__isnull=False), name="relation_collaboration_has_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} – {self.person} ({self.get_kind_display()})"


class ExpertImport(FileImportWithErrors):
    """One upload of a city's expert database export; a rejected file changes nothing."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    written = models.PositiveIntegerField(_("experts created or updated"), default=0)

    class Meta(FileImportWithErrors.Meta):
        verbose_name = _("expert import")
        verbose_name_plural = _("expert imports")


# --- Committees and studios -----------------------------------------------------------------


class Committee(models.Model):
    """联合专家委员会: a joint committee of one industry field, with members from both cities."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="committees", verbose_name=_("field")
    )
    established_on = models.DateField(_("established on"))
    description = models.TextField(_("description"), max_length=2000, blank=True)
    members = models.ManyToManyField(Expert, through="CommitteeMember", related_name="committees")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip

    class Meta:
        ordering = ["established_on", "name"]
        verbose_name = _("joint expert committee")
        verbose_name_plural = _("joint expert committees")

    def __str__(self) -> str:
        return self.name


class CommitteeMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        VICE_CHAIR = "vice_chair", _("Vice chair")
        MEMBER = "member", _("Member")

    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("committee")
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="committee_memberships", verbose_name=_("expert")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"))

    class Meta:
        ordering = ["committee", "role", "id"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["committee", "expert"], name="committee_member_once"),
            models.UniqueConstraint(
                fields=["committee"], condition=Q(role="chair"), name="committee_one_chair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee}: {self.expert} ({self.get_role_display()})"


class Studio(models.Model):
    """领军人才工作室: a leading expert's studio hosted by an enterprise or university."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    leader = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="studios", verbose_name=_("leader")
    )
    host = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="expert_studios", verbose_name=_("host")
    )
    fields = models.ManyToManyField(Field, related_name="studios", blank=True, verbose_name=_("fields"))
    established_on = models.DateField(_("established on"))
    description = models.TextField(_("description"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip

    class Meta:
        ordering = ["established_on", "name"]
        verbose_name = _("leader studio")
        verbose_name_plural = _("leader studios")

    def __str__(self) -> str:
        return self.name


class Commission(models.Model):
    """Work a studio takes on: 项目委托, 外聘顾问 or 专题咨询."""

    class Kind(models.TextChoices):
        PROJECT = "project", _("Project commission (项目委托)")
        ADVISER = "adviser", _("External adviser (外聘顾问)")
        CONSULTATION = "consultation", _("Topical consultation (专题咨询)")

    studio = models.ForeignKey(
        Studio, on_delete=models.CASCADE, related_name="commissions", verbose_name=_("studio")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    title = models.CharField(_("title"), max_length=200)
    client_name = models.CharField(_("client"), max_length=200)
    client_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("client's city")
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "id"]
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="commission_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- Review rounds ----------------------------------------------------------------------------


class ReviewRound(models.Model):
    """An organiser's call for expert panels: projects, panel size and the rules of the mix."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Panels proposed")
        INVITING = "inviting", _("Invitations sent")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("organising city")
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("organiser")
    )
    experts_per_project = models.PositiveSmallIntegerField(_("experts per project"), default=3)
    max_load = models.PositiveSmallIntegerField(_("most projects per expert"), default=3)
    min_other_city = models.PositiveSmallIntegerField(
        _("at least from the other city"), default=1,
        help_text=_("Experts each panel must have from outside the project's own city."),
    )  # fmt: skip
    max_per_city = models.PositiveSmallIntegerField(
        _("at most from one city"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    collaboration_years = models.PositiveSmallIntegerField(
        _("collaboration conflict window (years)"), default=3
    )
    deadline = models.DateField(_("review deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    solution = models.JSONField(_("last solution"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        constraints = [
            models.CheckConstraint(condition=Q(experts_per_project__gte=1), name="round_panel_not_empty"),
            models.CheckConstraint(condition=Q(max_load__gte=1), name="round_load_positive"),
            models.CheckConstraint(
                condition=Q(min_other_city__lte=models.F("experts_per_project")), name="round_mix_fits_panel"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewProject(models.Model):
    """A project under review: who applies, in which city, its fields and its text."""

    round = models.ForeignKey(
        ReviewRound, on_delete=models.CASCADE, related_name="projects", verbose_name=_("round")
    )
    title = models.CharField(_("title"), max_length=200)
    applicant_organisation = models.CharField(_("applicant organisation"), max_length=200)
    applicant_credit_code = models.CharField(_("applicant credit code"), max_length=18, blank=True)
    applicant_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("principal applicant"),
    )  # fmt: skip
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("project's city")
    )
    fields = models.ManyToManyField(Field, related_name="+", blank=True, verbose_name=_("fields"))
    summary = models.TextField(_("summary"), max_length=4000, blank=True)

    class Meta:
        ordering = ["round", "id"]
        verbose_name = _("project under review")
        verbose_name_plural = _("projects under review")

    def __str__(self) -> str:
        return self.title


class Assignment(models.Model):
    """An expert's seat on a project's panel, from proposal to the review."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    round = models.ForeignKey(
        ReviewRound, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("round")
    )
    project = models.ForeignKey(
        ReviewProject, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("project")
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("expert")
    )
    affinity = models.FloatField(_("affinity"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PROPOSED)
    decline_reason = models.CharField(_("reason for declining"), max_length=500, blank=True)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    review_score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    review_comment = models.TextField(_("review"), max_length=4000, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["project", "-affinity", "id"]
        verbose_name = _("panel seat")
        verbose_name_plural = _("panel seats")
        constraints = [
            # A declined pair stays on record, so it is never proposed again.
            models.UniqueConstraint(fields=["project", "expert"], name="assignment_once_per_pair"),
            models.CheckConstraint(
                condition=Q(review_score__isnull=True) | Q(review_score__lte=100),
                name="assignment_score_range",
            ),
        ]
        indexes = [models.Index(fields=["expert", "status"])]

    def __str__(self) -> str:
        return f"{self.project} – {self.expert}"

    @property
    def holds_seat(self) -> bool:
        return self.status in {self.Status.PROPOSED, self.Status.INVITED, self.Status.ACCEPTED}
