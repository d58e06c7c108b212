"""Reads of record linkage: runs and their statistics, the review queue, a person's links."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from talentlink.core import heartbeat, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import NotAllowed, NotFound
from talentlink.core.models import AuditEvent, User
from talentlink.registry.linkage import runs
from talentlink.registry.linkage.services import linkage_staff
from talentlink.registry.models import LinkageRun, Person, PersonChange, ReviewPair, SourceRecord

COMPARISON_LABELS = {
    "id_number": _("ID number"), "name": _("Name"), "birth_date": _("Birth date"), "sex": _("Sex"),
    "phone": _("Mobile phone"), "employer": _("Employer"), "title": _("Professional title"),
    "industry": _("Industry field"),
}  # fmt: skip
LEVEL_LABELS = {
    "null": _("missing on one side"), "exact": _("identical"), "one_edit": _("one character apart"),
    "same_pinyin": _("same pinyin"), "two_characters": _("two or more characters shared"),
    "one_character": _("one character shared"),
    "day_month_swapped": _("day and month swapped"), "else": _("different"),
}  # fmt: skip


def _require_staff(user: User) -> None:
    if not linkage_staff(user):
        raise NotAllowed(_("Record linkage is for talent office staff."))


def linkage_runs(*, user: User) -> QuerySet[LinkageRun]:
    _require_staff(user)
    return LinkageRun.objects.select_related("started_by", "batch__source_system")


def linkage_run_get(*, user: User, run_id: int) -> LinkageRun:
    run = linkage_runs(user=user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such linkage run."))
    heartbeat.stale_check([run])  # a running run whose worker died is shown failed
    return run


def linkage_run_step(*, run: LinkageRun) -> str:
    """The step a run is at, in words."""
    if run.is_finished:
        return str(runs.STEPS["done"])
    return str(runs.STEPS.get(cache.get(runs.progress_key(run.pk)) or "queued", ""))


def histogram_bars(*, run: LinkageRun, width: int = 640, height: int = 180) -> list[dict[str, Any]]:
    """The match-weight histogram as bars for a server-rendered SVG chart."""
    bins = run.histogram or []
    if not bins:
        return []
    top = max(b["count"] for b in bins) or 1
    step = width / len(bins)
    return [
        {**b, "x": round(i * step, 1), "w": round(step - 2, 1), "h": round(height * b["count"] / top, 1),
         "y": round(height - height * b["count"] / top, 1), "match": b["low"] >= 0}
        for i, b in enumerate(bins)
    ]  # fmt: skip


def review_queue(*, user: User) -> QuerySet[ReviewPair]:
    """Open pairs involving the staff member's city, the skipped ones last."""
    _require_staff(user)
    qs = ReviewPair.objects.filter(status__in=[ReviewPair.Status.PENDING, ReviewPair.Status.SKIPPED])
    if not permissions.is_superuser(user):
        qs = qs.filter(
            Q(record_a__source_system__region_id=user.region_id)
            | Q(record_b__source_system__region_id=user.region_id)
        )
    return qs.select_related(*_RECORD_RELATIONS).order_by("skipped_at", "-match_weight", "id")


_RECORD_RELATIONS = (
    "record_a__source_system__region", "record_b__source_system__region", "record_a__category",
    "record_b__category", "record_a__tier__region", "record_b__tier__region",
)  # fmt: skip


def review_pair_get(*, access: Access, pair_id: int) -> ReviewPair:
    """One pair with both records; showing it is an audited read of both."""
    user = access.user
    if user is None:
        raise NotAllowed(_("Record linkage is for talent office staff."))
    pair = review_queue(user=user).filter(pk=pair_id).first()
    if pair is None:
        audit_record(access=access, action=AuditEvent.Action.DENIED, object_type="registry.reviewpair",
                     object_id=pair_id)  # fmt: skip
        raise NotFound(_("No such pair in your review queue."))
    audit_record(
        access=access, action=AuditEvent.Action.READ, object_type="registry.reviewpair", object_id=pair.pk,
        object_label=f"{pair.record_a.name} / {pair.record_b.name}",
        detail={"records": [pair.record_a_id, pair.record_b_id]},
    )  # fmt: skip
    return pair


def review_rows(*, pair: ReviewPair) -> list[dict[str, Any]]:
    """The compared fields side by side: both values, whether they agree, and the match weight."""
    a, b = pair.record_a, pair.record_b
    values = {
        "id_number": (a.id_number_masked, b.id_number_masked), "name": (a.name, b.name),
        "birth_date": (a.birth_date, b.birth_date), "sex": (a.get_sex_display(), b.get_sex_display()),
        "phone": (a.phone, b.phone), "employer": (a.employer_name, b.employer_name),
        "title": (a.title, b.title), "industry": (a.industry, b.industry),
    }  # fmt: skip
    rows = []
    for name, label in COMPARISON_LABELS.items():
        scored = pair.comparison.get(name, {"level": "null", "weight": 0.0})
        weight = scored["weight"]
        rows.append({
            "field": name, "label": label, "left": values[name][0], "right": values[name][1],
            "level": LEVEL_LABELS.get(scored["level"], scored["level"]), "weight": weight,
            "agrees": weight > 0, "disagrees": weight < 0,
        })  # fmt: skip
    return rows


def person_links(*, person: Person) -> dict[str, Any]:
    """A person's linked records, the merges and splits that touched it, and open review pairs."""
    records = list(person.source_records.values_list("pk", flat=True))
    history = PersonChange.objects.filter(Q(person=person) | Q(person__merged_into=person)).select_related(
        "actor"
    )
    return {
        "history": list(history[:50]),
        "open_reviews": ReviewPair.objects.filter(
            Q(record_a_id__in=records) | Q(record_b_id__in=records),
            status__in=[ReviewPair.Status.PENDING, ReviewPair.Status.SKIPPED],
        ).count(),
        "merged": list(Person.objects.filter(merged_into=person).values("pk", "name")[:50]),
    }


def linkage_summary(*, user: User) -> dict[str, Any]:
    """Counts for the linkage page and the desk panel."""
    return {
        "pending": review_queue(user=user).filter(status=ReviewPair.Status.PENDING).count(),
        "skipped": review_queue(user=user).filter(status=ReviewPair.Status.SKIPPED).count(),
        "last": LinkageRun.objects.filter(
            status=LinkageRun.Status.SUCCEEDED, kind=LinkageRun.Kind.FULL
        ).first(),
        "records": SourceRecord.objects.count(),
        "persons": Person.objects.filter(status=Person.Status.ACTIVE).count(),
    }


def desk_figures(*, user: User) -> dict[str, Any] | None:
    """The desk panel of talent office staff: their city's review queue and the latest run."""
    if not linkage_staff(user):
        return None
    open_pairs = review_queue(user=user).order_by()
    counts = open_pairs.aggregate(
        pending=Count("id", filter=Q(status=ReviewPair.Status.PENDING)),
        skipped=Count("id", filter=Q(status=ReviewPair.Status.SKIPPED)),
    )
    return {**counts, "last": LinkageRun.objects.first()}


def review_pairs_shown(*, access: Access, pairs: list[ReviewPair]) -> list[ReviewPair]:
    """Record that a list of review pairs (names, masked IDs) was shown."""
    if pairs:
        audit_record(
            access=access, action=AuditEvent.Action.READ, object_type="registry.reviewpair",
            object_label=f"list of {len(pairs)}", detail={"ids": [p.pk for p in pairs]},
        )  # fmt: skip
    return pairs
