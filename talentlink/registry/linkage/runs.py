"""A linkage run from the database's point of view: read the records, run the engine, apply.

Records are streamed from the database as plain tuples (``values_list(...).iterator()``,
a server-side cursor on PostgreSQL), decrypted and normalised straight into Arrow tables,
so a run never holds model instances of the whole registry.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core import crypto
from talentlink.registry.linkage import changes, engine, model
from talentlink.registry.models import LinkageRun, MatchDecision, Person, ReviewPair, SourceRecord

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]
_COLUMNS = (
    "pk", "source_system__region__code", "name", "id_number_encrypted", "sex", "birth_date", "phone",
    "employer_name", "employer_credit_code", "title", "industry",
)  # fmt: skip
STEPS = {
    "queued": _("Queued"),
    "loading": _("Reading and normalising the records"),
    "training": _("Training the model (EM)"),
    "scoring": _("Scoring candidate pairs"),
    "clustering": _("Clustering into persons"),
    "applying": _("Merging and splitting persons"),
    "done": _("Finished"),
}


def failure_of(exc: BaseException) -> str:
    """The :class:`LinkageRun.Failure` that explains an exception to staff."""
    if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
        return LinkageRun.Failure.MEMORY
    if isinstance(exc, DatabaseError):
        return LinkageRun.Failure.DATABASE
    return LinkageRun.Failure.ENGINE


def backend() -> engine.Backend:
    """The engine the settings choose: DuckDB in process (default) or Spark."""
    name = getattr(settings, "TALENTLINK_LINKAGE_BACKEND", "duckdb")
    if name == "spark":
        return engine.SparkBackend(master=getattr(settings, "TALENTLINK_SPARK_MASTER", "local[*]"))
    if name == "duckdb":
        return engine.DuckDBBackend(memory_limit=getattr(settings, "TALENTLINK_LINKAGE_MEMORY_LIMIT", "4GB"))
    return engine.backend_named(name)


def progress_key(run_id: int) -> str:
    return f"registry:linkage-progress:{run_id}"


def _raw(rows: Any) -> Iterator[engine.RawRecord]:
    for pk, region, name, sealed, sex, born, phone, employer, credit, title, industry in rows:
        number = crypto.id_number_open(sealed) if sealed else ""
        yield engine.RawRecord(pk, region, name, number, sex, born, phone, employer, credit, title, industry)


def records(query: Q | None = None) -> Iterator[engine.RawRecord]:
    """Source records of active persons, streamed in primary-key order."""
    qs = SourceRecord.objects.exclude(person__status=Person.Status.DECEASED)
    if query is not None:
        qs = qs.filter(query)
    return _raw(qs.order_by("pk").values_list(*_COLUMNS).iterator(chunk_size=20_000))


def decisions() -> engine.Decisions:
    found = engine.Decisions()
    for a, b, verdict in MatchDecision.objects.values_list(
        "record_a_id", "record_b_id", "verdict"
    ).iterator():
        (found.matches if verdict == MatchDecision.Verdict.MATCH else found.non_matches).add((a, b))
    return found


# Probabilities a run may merge from, highest first: the review queue's clerical decisions show
# how precise merging from each would have been.
THRESHOLD_CANDIDATES = (0.99, 0.98, 0.95, 0.9)


def threshold() -> float:
    """The probability from which a run merges without review, chosen from measured precision.

    It starts at ``TALENTLINK_LINKAGE_MERGE_THRESHOLD`` (0.98: on the realistic error model at
    2 × 250,000 records all 135 review pairs scored 0.98–0.99 were one person, 250 of the 252
    scored 0.95–0.98). Then, band by band downwards (0.95–0.98, 0.9–0.95), a band joins the
    automatic merges when the staff decided at least LABELS_MIN of its review pairs and
    ``TALENTLINK_LINKAGE_MERGE_PRECISION`` (0.995) of those were the same person; a band without
    any review pair is passed over, and the first band short of decisions or of precision stops.
    """
    start = float(getattr(settings, "TALENTLINK_LINKAGE_MERGE_THRESHOLD", engine.CLUSTER_THRESHOLD))
    target = float(getattr(settings, "TALENTLINK_LINKAGE_MERGE_PRECISION", 0.995))
    queued = ReviewPair.objects.exclude(status=ReviewPair.Status.STALE)
    chosen = upper = start
    for low in (c for c in THRESHOLD_CANDIDATES if c < start):
        band = queued.filter(match_probability__gte=low, match_probability__lt=upper)
        upper = low
        verdicts = list(
            band.filter(status=ReviewPair.Status.DECIDED, decision__isnull=False).values_list(
                "decision__verdict", flat=True
            )
        )
        if not verdicts and not band.exists():
            continue  # no pair ever scored here: no evidence either way
        same = verdicts.count(MatchDecision.Verdict.MATCH)
        if len(verdicts) < engine.LABELS_MIN or same < target * len(verdicts):
            break
        chosen = low
    return chosen


def latest_parameters() -> dict[str, Any] | None:
    """The parameters of the last run that trained the model (None: the defaults)."""
    run = LinkageRun.objects.filter(trained=True, status=LinkageRun.Status.SUCCEEDED).first()
    return run.parameters if run else None


def execute(run: LinkageRun, *, progress: Progress | None = None) -> LinkageRun:
    """Run the linkage and, unless it is a dry run, apply what it found.

    A failure leaves the run failed with a reason staff can read (:class:`LinkageRun.Failure`) and the
    traceback in the log; whatever the run had begun to write is rolled back.
    """

    def report(step: str) -> None:
        cache.set(progress_key(run.pk), step, 3600)
        if progress:
            progress(step)

    try:
        outcome = _link(run, report)
        report("applying")
        _record(run, outcome)
    except Exception as exc:
        logger.exception("linkage run #%s (%s) failed", run.pk, run.kind)
        run.status, run.finished_at = LinkageRun.Status.FAILED, timezone.now()
        run.message = failure_of(exc)
        run.save(update_fields=["status", "finished_at", "message"])
        return run
    report("done")
    return run


def claim(run_id: int) -> LinkageRun | None:
    """Mark a queued run as running and return it; None when it is no longer queued (another
    worker took it, or a full re-link superseded it)."""
    now = timezone.now()
    taken = LinkageRun.objects.filter(pk=run_id, status=LinkageRun.Status.QUEUED).update(
        status=LinkageRun.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    return LinkageRun.objects.select_related("started_by").get(pk=run_id) if taken else None


def _link(run: LinkageRun, report: Progress) -> engine.Outcome:
    known = decisions()
    runner = backend()
    run.threshold = threshold()
    if run.kind == LinkageRun.Kind.FULL:
        frames = engine.prepare(records())
        run.record_count = sum(t.num_rows for t in frames.values())
        return engine.run(
            frames,
            backend=runner,
            parameters=latest_parameters(),
            decisions=known,
            progress=report,
            threshold=run.threshold,
        )
    new = engine.prepare(records(Q(batch_id=run.batch_id)))
    existing = engine.prepare(records(~Q(batch_id=run.batch_id)))
    groups = dict(
        SourceRecord.objects.exclude(batch_id=run.batch_id).values_list("pk", "person_id").iterator()
    )
    run.record_count = sum(t.num_rows for t in new.values())
    return engine.run_incremental(
        existing,
        new,
        backend=runner,
        parameters=latest_parameters(),
        groups=groups,
        decisions=known,
        progress=report,
        threshold=run.threshold,
    )


def _record(run: LinkageRun, outcome: engine.Outcome) -> None:
    # Streamed and filtered here: a full run's clusters name every record, too many for an IN list.
    clusters = outcome.clusters
    current = {
        pk: person
        for pk, person in SourceRecord.objects.values_list("pk", "person_id").iterator(chunk_size=20_000)
        if pk in clusters
    }
    accounts = set(Person.objects.filter(account__isnull=False).values_list("pk", flat=True))
    steps = changes.plan({r: c for r, c in outcome.clusters.items() if r in current}, current, accounts)
    sizes: dict[int, int] = {}
    for cluster in outcome.clusters.values():
        sizes[cluster] = sizes.get(cluster, 0) + 1
    band = _review_band(outcome)
    run.compared_count, run.histogram = outcome.compared, outcome.histogram
    run.linked_pair_count = int(outcome.pairs["automatic"].sum())
    run.cluster_count, run.multi_record_clusters = len(sizes), sum(1 for n in sizes.values() if n > 1)
    run.merge_count = sum(1 for s in steps if s.target is not None)
    run.split_count = sum(1 for s in steps if s.target is None)
    run.review_count, run.trained = len(band), outcome.trained
    run.parameters = outcome.parameters
    run.plan = [s.as_json() for s in steps[:1000]]
    with transaction.atomic():
        if not run.dry_run:
            changes.apply(
                steps, actor=run.started_by, reason=str(_("Linkage run #%(id)s") % {"id": run.pk}), run=run
            )
            _queue(run, band)
        run.status, run.finished_at = LinkageRun.Status.SUCCEEDED, timezone.now()
        run.save()


def _review_band(outcome: engine.Outcome) -> list[dict[str, Any]]:
    """Pairs between the floor and the threshold (or vetoed, engine.automatic), in different
    clusters, not yet decided."""
    pairs = outcome.pairs
    uncertain = pairs[~pairs["automatic"]]
    clusters = outcome.clusters
    band = []
    for row in uncertain.itertuples(index=False):
        a, b = engine.pair(int(row.unique_id_l), int(row.unique_id_r))
        if clusters.get(a) is not None and clusters.get(a) == clusters.get(b):
            continue
        weight, probability = float(row.match_weight), float(row.match_probability)
        band.append({"pair": (a, b), "weight": weight, "probability": probability,
                     "comparison": _comparison(row, outcome.parameters)})  # fmt: skip
    return band


def _comparison(row: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for name in model.COMPARISONS:
        weight = float(getattr(row, f"mw_{name}"))
        found[name] = {"level": model.level_of(name, weight, parameters), "weight": round(weight, 2)}
        if name in model.TF_ADJUSTED:
            # How much rarer (+) or commoner (−) than average the agreeing value is, in bits.
            adjustment = float(getattr(row, f"mw_tf_adj_{name}", 0.0) or 0.0)
            if math.isnan(adjustment):  # a name the registry has never seen: no adjustment
                adjustment = 0.0
            found[name]["weight"] = round(weight + adjustment, 2)
            found[name]["frequency_adjustment"] = round(adjustment, 2)
    return found


def _queue(run: LinkageRun, band: list[dict[str, Any]]) -> None:
    decided = set(MatchDecision.objects.values_list("record_a_id", "record_b_id"))
    open_pairs = set(
        ReviewPair.objects.filter(
            status__in=[ReviewPair.Status.PENDING, ReviewPair.Status.SKIPPED]
        ).values_list("record_a_id", "record_b_id")
    )
    ReviewPair.objects.bulk_create(
        [
            ReviewPair(
                record_a_id=p["pair"][0],
                record_b_id=p["pair"][1],
                run=run,
                match_weight=p["weight"],
                match_probability=p["probability"],
                comparison=p["comparison"],
            )
            for p in band
            if p["pair"] not in decided and p["pair"] not in open_pairs
        ],
        batch_size=1000,
    )
