"""The talent market: occupations (CSCO 2022), employers' jobs and talents' profiles.

An employer is a ``core.Organisation`` with a verified credit code, approved by its city's talent
office; its recruiters are the employer accounts of that organisation. A talent's profile belongs
to their registry person (``registry.selectors.person_own``); recognised credentials come from
``credentials`` and count as verified, levels the talent declares do not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from talentlink.core.models import Organisation, Region
from talentlink.core.storage import SealedStorage
from talentlink.credentials.models import Level
from talentlink.experts.models import Field
from talentlink.registry.models import Education, Person

# Education from the highest down; a job's requirement is met by its own level or any above it.
EDUCATION_RANK: dict[str, int] = {
    Education.BASIC: 1, Education.SECONDARY: 2, Education.ASSOCIATE: 3,
    Education.BACHELOR: 4, Education.MASTER: 5, Education.DOCTORATE: 6,
}  # fmt: skip


class Occupation(models.Model):
    """An occupation or group of China's occupational classification 2022 (CSCO 2022), with the
    recruitment titles that name it (``aliases``), loaded from ``market/data/csco22.csv``."""

    class Level(models.IntegerChoices):
        MAJOR = 1, _("Major group")
        MEDIUM = 2, _("Medium group")
        MINOR = 3, _("Minor group")
        OCCUPATION = 4, _("Occupation")

    code = models.CharField(_("code"), max_length=10, unique=True)  # e.g. 2-02-07-04
    level = models.PositiveSmallIntegerField(_("level"), choices=Level)
    name = models.CharField(_("name"), max_length=60)
    definition = models.TextField(_("definition"), blank=True)
    aliases = models.TextField(_("titles used in recruitment"), blank=True)  # comma-separated
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("broader group"),
    )  # fmt: skip

    class Meta:
        ordering = ["code"]
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def major_code(self) -> str:
        return self.code[:1]

    @property
    def medium_code(self) -> str:
        return self.code[:4]


class District(models.Model):
    """A district or county of a city (区、县、县级市), with its administrative code; the talent map
    counts jobs and talents by it. Adding one is data, not code."""

    code = models.CharField(_("administrative code"), max_length=6, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="districts", verbose_name=_("city")
    )
    name = models.CharField(_("name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=60)
    aliases = models.CharField(
        _("former and other names"), max_length=200, blank=True,
        help_text=_("Comma-separated; free text written with one of them is read as this district."),
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["region__position", "position", "code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"), name="district_code_six_digits"
            ),
            models.UniqueConstraint(fields=["region", "name"], name="district_name_in_city"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


class KeyIndustry(models.Model):
    """One of the plans' key industries (重点产业, e.g. the "246" clusters and the marine economy)
    that the talent map shows; it covers one or more industries of the taxonomy (experts.Field)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    name_en = models.CharField(_("English name"), max_length=80)
    covers = models.ManyToManyField(
        Field, related_name="key_industries", verbose_name=_("industries it covers"),
        help_text=_("Jobs and résumés of these industries count under the key industry."),
    )  # fmt: skip
    source = models.CharField(_("plan that names it"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("key industry")
        verbose_name_plural = _("key industries")

    def __str__(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


class Job(models.Model):
    """A job an employer publishes: drafted, published until it is closed or its validity ends."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("employer")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    title = models.CharField(_("job title"), max_length=100)
    description = models.TextField(_("description"), max_length=5000)
    occupation = models.ForeignKey(
        Occupation, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs",
        verbose_name=_("occupation"),
    )  # fmt: skip
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("industry")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("city"))
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("district"),
    )
    education = models.CharField(
        _("education required"), max_length=12, choices=Education, blank=True,
        help_text=_("Empty: any education."),
    )  # fmt: skip
    required_level = models.CharField(
        _("title or skill level required"), max_length=30, choices=Level, blank=True,
        help_text=_("Met by a credential of this level or above (or one counted as it)."),
    )  # fmt: skip
    skills = models.JSONField(_("skills"), default=list, blank=True)
    experience_years = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    salary_min = models.PositiveIntegerField(_("monthly salary from (yuan)"))
    salary_max = models.PositiveIntegerField(_("monthly salary to (yuan)"))
    headcount = models.PositiveSmallIntegerField(_("openings"), default=1)
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Indexed: what changed since the matching's index was built is ranked from here (selectors.search).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["status", "region"], name="job_status_region")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(salary_max__gte=models.F("salary_min")),
                name="job_salary_range",
                violation_error_message=_("The salary range ends below where it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class University(models.Model):
    """A higher-education institution of the Ministry of Education's list (全国高等学校名单), loaded
    from ``market/data/universities.csv``; where graduates came from (``market/universities.py``)."""

    class Level(models.TextChoices):
        BACHELOR = "bachelor", _("Undergraduate (本科)")
        ASSOCIATE = "associate", _("Vocational college (专科)")

    code = models.CharField(_("institution code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)  # the longest in the list: 238
    province = models.CharField(_("province code"), max_length=2)  # GB/T 2260, e.g. 33 Zhejiang
    city = models.CharField(_("city"), max_length=30, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level)
    authority = models.CharField(_("competent authority"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=30, blank=True)  # 民办, 中外合作办学 …

    class Meta:
        ordering = ["code"]
        verbose_name = _("university")
        verbose_name_plural = _("universities")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name


class Profile(models.Model):
    """A talent's profile (résumé) on the market, kept by the talent."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="market_profile", verbose_name=_("person")
    )
    headline = models.CharField(_("headline"), max_length=100, blank=True)
    summary = models.TextField(_("experience and strengths"), max_length=3000, blank=True)
    education = models.CharField(_("highest education"), max_length=12, choices=Education, blank=True)
    university = models.CharField(_("university"), max_length=100, blank=True)
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"), null=True, blank=True)
    is_graduate = models.BooleanField(_("new graduate"), default=False)
    # The listed institution the talent's own text names, set when the résumé is saved.
    listed_university = models.ForeignKey(
        University, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("university in the national list"),
    )  # fmt: skip
    experience_years = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    declared_levels = models.JSONField(
        _("titles and skill levels declared"), default=list, blank=True,
        help_text=_("Levels not yet recognised on the platform; shown as self-declared."),
    )  # fmt: skip
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="profiles",
        verbose_name=_("district where I live or work now"),
    )  # fmt: skip
    desired_regions = models.ManyToManyField(
        Region, related_name="+", verbose_name=_("cities I would work in")
    )
    desired_fields = models.ManyToManyField(Field, related_name="+", blank=True, verbose_name=_("industries"))
    desired_salary = models.PositiveIntegerField(
        _("monthly salary wanted from (yuan)"), null=True, blank=True
    )
    open_to_offers = models.BooleanField(
        _("open to offers"), default=True, help_text=_("Employers see the profile among candidates.")
    )
    suggestions = models.BooleanField(
        _("send me job suggestions"), default=True,
        help_text=_("New jobs that match the résumé, in the inbox and by e-mail, at most a few a day."),
    )  # fmt: skip
    sms_suggestions = models.BooleanField(
        _("also by text message"), default=False,
        help_text=_("Job suggestions also as a text message to the mobile phone of your registry record."),
    )  # fmt: skip
    shared_with_other_city = models.BooleanField(
        _("shown to employers of the other city"), default=False,
        help_text=_("Without this consent only employers of your home city see your profile."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Indexed: what changed since the matching's index was built is ranked from here (selectors.search).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("talent profile")
        verbose_name_plural = _("talent profiles")

    def __str__(self) -> str:
        return self.headline or str(self.person_id)


class Application(models.Model):
    """A talent's application to a job, and where the employer has taken it."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        INTERVIEW = "interview", _("Invited to interview")
        INTERVIEWED = "interviewed", _("Interviewed")
        OFFERED = "offered", _("Offered")
        HIRED = "hired", _("Hired")
        REJECTED = "rejected", _("Not taken further")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="applications", verbose_name=_("job"))
    profile = models.ForeignKey(
        Profile, on_delete=models.PROTECT, related_name="applications", verbose_name=_("talent profile")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.APPLIED)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("job application")
        verbose_name_plural = _("job applications")
        constraints = [models.UniqueConstraint(fields=["job", "profile"], name="market_apply_once")]

    def __str__(self) -> str:
        return f"{self.job} · {self.profile_id}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.HIRED, self.Status.REJECTED, self.Status.WITHDRAWN)


class Event(models.Model):
    """One step of the feedback log (发布-推送-匹配-反馈): what happened between a job and a talent,
    by which side. The funnel and, later, the ranker read it."""

    class Kind(models.TextChoices):
        PUSHED = "pushed", _("Suggested")
        VIEWED = "viewed", _("Viewed")
        APPLIED = "applied", _("Applied")
        INTERVIEW = "interview", _("Invited to interview")
        INTERVIEWED = "interviewed", _("Interviewed")
        OFFERED = "offered", _("Offered")
        HIRED = "hired", _("Hired")
        REJECTED = "rejected", _("Not taken further")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Side(models.TextChoices):
        TALENT = "talent", _("Talent")
        EMPLOYER = "employer", _("Employer")
        PLATFORM = "platform", _("Platform")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events", verbose_name=_("job"))
    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="events", verbose_name=_("talent profile")
    )
    kind = models.CharField(_("event"), max_length=12, choices=Kind)
    side = models.CharField(_("by"), max_length=10, choices=Side)
    to = models.CharField(_("to"), max_length=10, choices=Side, blank=True)  # whom a push went to
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("market event")
        verbose_name_plural = _("market events")
        indexes = [models.Index(fields=["job", "profile", "kind"], name="market_event_pair")]

    def __str__(self) -> str:
        return f"{self.kind} {self.job_id}/{self.profile_id}"


class RankerModel(models.Model):
    """A LambdaMART model trained on the feedback log (market/ranker.py). The newest active one
    orders matches; a model that did no better than the hand-weighted score on the held-out jobs
    is kept inactive, and the hand-weighted score goes on ordering them."""

    class Side(models.TextChoices):
        TALENTS = "talents", _("Talents for a job")  # a query per job: whom an employer takes furthest
        JOBS = "jobs", _("Jobs for a talent")  # a query per talent: which jobs a talent takes furthest

    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    side = models.CharField(_("ranks"), max_length=8, choices=Side, default=Side.TALENTS)
    features = models.JSONField(_("features"))
    booster = models.TextField(_("model"))
    queries = models.PositiveIntegerField(_("queries trained on"))
    pairs = models.PositiveIntegerField(_("job and talent pairs"))
    ndcg = models.FloatField(_("NDCG@10 on held-out queries"))
    ndcg_hand = models.FloatField(_("NDCG@10 of the hand-weighted score"))
    # Its scores over the pairs it was trained on, to put both sides' scores on one scale.
    score_mean = models.FloatField(_("mean score"), default=0.0)
    score_std = models.FloatField(_("score deviation"), default=1.0)
    is_active = models.BooleanField(_("in use"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ranking model")
        verbose_name_plural = _("ranking models")

    def __str__(self) -> str:
        return f"#{self.pk} NDCG@10 {self.ndcg:.3f} / {self.ndcg_hand:.3f}"


# What a report PDF's sealed bytes are bound to: a file sealed for another purpose does not open
# as a report, nor a report as a scan (core/storage.py).
REPORT_FILE_CONTEXT = b"market.reportfile"
report_file_storage = SealedStorage(context=REPORT_FILE_CONTEXT)


class ReportFile(models.Model):
    """The PDF of a year's market report in one language, built once (by a task) for one version
    of the figures and kept in storage; new figures make a new one (``market/report_files.py``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        """Why a build failed, in words for the staff who asked for it (kept in ``message``; the
        traceback goes to the log)."""

        SETUP = (
            "setup",
            _("This server cannot draw the report's charts (Node.js is missing). Tell the administrator."),
        )
        RENDER = (
            "render",
            _("Drawing the charts or laying out the PDF failed. Nothing was kept; try again."),
        )
        STALE = (
            "stale",
            _(
                "The worker stopped while building this PDF (it was killed or its machine restarted). "
                "Nothing was kept; try again."
            ),
        )
        DAMAGED = "damaged", _("The stored PDF was missing or damaged. Build it again.")

    year = models.PositiveSmallIntegerField(_("year"))
    language = models.CharField(_("language"), max_length=10)
    # The figures the PDF shows, as a digest (report_files.report_data_version).
    data_version = models.CharField(_("version of the figures"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    file = models.FileField(_("file"), upload_to="market/reports", storage=report_file_storage, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    message = models.TextField(_("message"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("requested by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report PDF")
        verbose_name_plural = _("report PDFs")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "language", "data_version"], name="market_report_file_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.language} {self.data_version[:8]}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.READY, self.Status.FAILED}

    @property
    def failure_text(self) -> str:
        """Why the build failed, in the reader's language ("" unless it failed)."""
        if self.status != self.Status.FAILED:
            return ""
        return str(self.Failure(self.message).label) if self.message in self.Failure.values else self.message
