"""Record linkage: its runs, the staff's match decisions, the pairs awaiting review and the
changes it made to persons (re-exported by ``talentlink.registry.models``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LinkageRun(models.Model):
    """One run of record linkage: all records (full) or a new import's records (incremental)."""

    class Kind(models.TextChoices):
        FULL = "full", _("Full re-link")
        INCREMENTAL = "incremental", _("New import")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")
        SUPERSEDED = "superseded", _("Done by a full re-link")

    class Failure(models.TextChoices):
        """Why a run failed, in words for the staff who see it (kept in ``message``; the traceback
        goes to the log)."""

        MEMORY = (
            "memory",
            _(
                "The linkage engine ran out of memory. Nothing was changed. Raise "
                "TALENTLINK_LINKAGE_MEMORY_LIMIT or run linkage on Spark, then retry."
            ),
        )
        DATABASE = (
            "database",
            _("Writing the result to the database failed. Nothing was changed; retry the run."),
        )
        ENGINE = "engine", _("The linkage engine stopped with an error. Nothing was changed; retry the run.")
        STALE = (
            "stale",
            _(
                "The worker stopped while running this linkage run (it was killed or its machine "
                "restarted). Nothing was changed; retry the run."
            ),
        )

    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    backend = models.CharField(_("engine"), max_length=10)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    batch = models.ForeignKey(
        "registry.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="linkage_runs",
        verbose_name=_("import"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    record_count = models.PositiveIntegerField(_("records"), default=0)
    compared_count = models.PositiveBigIntegerField(_("pairs compared"), default=0)
    linked_pair_count = models.PositiveIntegerField(_("pairs linked"), default=0)
    review_count = models.PositiveIntegerField(_("pairs for review"), default=0)
    cluster_count = models.PositiveIntegerField(_("persons found"), default=0)
    multi_record_clusters = models.PositiveIntegerField(_("persons with several records"), default=0)
    merge_count = models.PositiveIntegerField(_("merges"), default=0)
    split_count = models.PositiveIntegerField(_("splits"), default=0)
    trained = models.BooleanField(_("model trained in this run"), default=False)
    threshold = models.FloatField(_("merged from probability"), null=True, blank=True)
    parameters = models.JSONField(_("model parameters"), default=dict, blank=True)
    histogram = models.JSONField(_("match weight histogram"), default=list, blank=True)
    plan = models.JSONField(_("planned merges and splits"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED, self.Status.SUPERSEDED}

    @property
    def failure_text(self) -> str:
        """Why the run failed, in the reader's language ("" unless it failed)."""
        if self.status != self.Status.FAILED:
            return ""
        return str(self.Failure(self.message).label) if self.message in self.Failure.values else self.message


class MatchDecision(models.Model):
    """A person's verdict on two source records; automatic runs never override it."""

    class Verdict(models.TextChoices):
        MATCH = "match", _("Same person")
        NON_MATCH = "non_match", _("Different persons")

    class Origin(models.TextChoices):
        REVIEW = "review", _("Clerical review")
        MERGE = "merge", _("Manual merge")
        SPLIT = "split", _("Manual split")

    # record_a has the smaller id, so a pair has one row whichever way round it was decided.
    record_a = models.ForeignKey(
        "registry.SourceRecord", on_delete=models.CASCADE, related_name="+", verbose_name=_("record")
    )
    record_b = models.ForeignKey(
        "registry.SourceRecord", on_delete=models.CASCADE, related_name="+", verbose_name=_("other record")
    )
    verdict = models.CharField(_("decision"), max_length=10, choices=Verdict)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now=True)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("match decision")
        verbose_name_plural = _("match decisions")
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="match_decision_one_per_pair"),
            models.CheckConstraint(
                condition=models.Q(record_a__lt=models.F("record_b")), name="match_decision_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_a_id}–{self.record_b_id}: {self.verdict}"


class ReviewPair(models.Model):
    """Two source records a run could not decide on: the clerical review queue."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        SKIPPED = "skipped", _("Skipped")
        DECIDED = "decided", _("Decided")
        STALE = "stale", _("No longer relevant")

    record_a = models.ForeignKey(
        "registry.SourceRecord", on_delete=models.CASCADE, related_name="+", verbose_name=_("record")
    )
    record_b = models.ForeignKey(
        "registry.SourceRecord", on_delete=models.CASCADE, related_name="+", verbose_name=_("other record")
    )
    run = models.ForeignKey(
        LinkageRun, on_delete=models.SET_NULL, null=True, related_name="review_pairs", verbose_name=_("run")
    )
    match_weight = models.FloatField(_("match weight"))
    match_probability = models.FloatField(_("match probability"))
    # Per comparison: the level reached and its match weight, as the run scored them.
    comparison = models.JSONField(_("comparison"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    decision = models.ForeignKey(
        MatchDecision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision"),
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    skipped_at = models.DateTimeField(_("skipped at"), null=True, blank=True)

    class Meta:
        ordering = ["skipped_at", "-match_weight", "id"]
        verbose_name = _("pair for review")
        verbose_name_plural = _("pairs for review")
        constraints = [
            models.UniqueConstraint(
                fields=["record_a", "record_b"],
                condition=models.Q(status__in=["pending", "skipped"]),
                name="review_pair_open_once",
            )
        ]
        indexes = [models.Index(fields=["status", "skipped_at"])]

    def __str__(self) -> str:
        return f"{self.record_a_id}–{self.record_b_id} ({self.match_weight:.1f})"


class PersonChange(models.Model):
    """A merge or split of persons, with what moved, so that it can be undone."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merge")
        SPLIT = "split", _("Split")
        UNDO = "undo", _("Undo")

    kind = models.CharField(_("kind"), max_length=6, choices=Kind)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="changes", verbose_name=_("person")
    )
    # Every person the change touched, the records it moved ([record, from, to]), the
    # persons it created, and each touched person's golden record before the change.
    persons = models.JSONField(_("persons"), default=list)
    moves = models.JSONField(_("records moved"), default=list)
    created_persons = models.JSONField(_("persons created"), default=list)
    decisions = models.JSONField(_("decisions recorded"), default=list)
    # What the other apps moved from a retired person to its successor, per app, to put back on undo.
    followed = models.JSONField(_("followed by other apps"), default=dict, blank=True)
    before = models.JSONField(_("before"), default=dict)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    run = models.ForeignKey(
        LinkageRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("linkage run"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    undone_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("merge or split")
        verbose_name_plural = _("merges and splits")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
