"""Writes of record linkage: runs, clerical decisions, merges, splits and undo.

Every decision a person makes is stored as a :class:`MatchDecision` on record pairs,
which later automatic runs take as fixed (matches must link, non-matches must not),
and every write is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core import heartbeat, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.models import AuditEvent, User
from talentlink.registry.linkage import changes, engine, runs
from talentlink.registry.models import (
    ImportBatch,
    LinkageRun,
    MatchDecision,
    Person,
    PersonChange,
    ReviewPair,
    SourceRecord,
)


def linkage_staff(user: User | None, region_ids: set[int] | None = None) -> bool:
    """Talent office staff link records; of their own city's records when regions are given."""
    if region_ids is None:
        return permissions.is_office(user)
    return permissions.is_superuser(user) or any(permissions.may_manage_region(user, r) for r in region_ids)


def _require(access: Access, region_ids: set[int] | None, *, what: str, object_id: object = "") -> User:
    user = access.user
    if linkage_staff(user, region_ids):
        return user  # type: ignore[return-value]
    audit_record(access=access, action=AuditEvent.Action.DENIED, object_type=what, object_id=object_id)
    raise NotAllowed(_("Only the talent office of the cities concerned may link records."))


def linkage_run_start(*, access: Access, dry_run: bool = False, enqueue: bool = True) -> LinkageRun:
    """Queue a full re-link of both cities' records (``dry_run``: plan only, change nothing)."""
    # The re-link command may run as the system itself (no account), as imports' hooks do.
    system = access.user is None and access.channel == AuditEvent.Channel.COMMAND
    user = None if system else _require(access, None, what="registry.linkagerun")
    # A run whose worker was killed would otherwise block every new run as "running" for ever.
    heartbeat.stale_sweep(models_=[LinkageRun])
    with transaction.atomic():
        pending = LinkageRun.objects.select_for_update().filter(
            status__in=[LinkageRun.Status.QUEUED, LinkageRun.Status.RUNNING]
        )
        # A full run links every record, so it does what queued incremental runs would have done;
        # a dry run changes nothing and leaves them to run.
        if any(r.status == LinkageRun.Status.RUNNING or r.kind == LinkageRun.Kind.FULL for r in pending):
            raise Conflict(_("A linkage run is already queued or running."), code="run_in_progress")
        run = LinkageRun.objects.create(
            kind=LinkageRun.Kind.FULL, backend=runs.backend().name, dry_run=dry_run, started_by=user
        )
        superseded = [] if dry_run else [r.pk for r in pending]
        LinkageRun.objects.filter(pk__in=superseded).update(
            status=LinkageRun.Status.SUPERSEDED, superseded_by=run, finished_at=timezone.now()
        )
        audit_record(access=access, action=AuditEvent.Action.CREATE, object_type="registry.linkagerun",
                     object_id=run.pk, detail={"dry_run": dry_run, "superseded": superseded})  # fmt: skip
        if enqueue:
            _enqueue(run)
    return run


def linkage_run_retry(*, access: Access, run: LinkageRun) -> LinkageRun:
    """Queue a failed run again: a new run of the same kind (and import), audited."""
    if run.status != LinkageRun.Status.FAILED:
        raise Conflict(_("Only a failed run can be retried."), code="not_failed")
    if run.kind == LinkageRun.Kind.FULL:
        return linkage_run_start(access=access, dry_run=run.dry_run)
    user = _require(access, None, what="registry.linkagerun", object_id=run.pk)
    with transaction.atomic():
        again = LinkageRun.objects.create(
            kind=run.kind, backend=runs.backend().name, batch=run.batch, dry_run=run.dry_run, started_by=user
        )
        audit_record(access=access, action=AuditEvent.Action.CREATE, object_type="registry.linkagerun",
                     object_id=again.pk, detail={"retry_of": run.pk})  # fmt: skip
        _enqueue(again)
    return again


def linkage_run_after_import(*, batch: ImportBatch) -> LinkageRun | None:
    """Link a successful import's records against the existing persons (queued as a task)."""
    if not getattr(settings, "TALENTLINK_LINKAGE_AFTER_IMPORT", True):
        return None
    if batch.status != ImportBatch.Status.SUCCEEDED or not (batch.created_count or batch.updated_count):
        return None
    run = LinkageRun.objects.create(
        kind=LinkageRun.Kind.INCREMENTAL,
        backend=runs.backend().name,
        batch=batch,
        started_by=batch.uploaded_by,
    )
    _enqueue(run)
    return run


def _enqueue(run: LinkageRun) -> None:
    from talentlink.registry.tasks import linkage_run

    transaction.on_commit(lambda: linkage_run.enqueue(run.pk))


def linkage_run_now(*, run_id: int, progress: runs.Progress | None = None) -> LinkageRun:
    """Execute a queued run in this process (the task body, also used by the command)."""
    run = runs.claim(run_id)
    if run is None:
        return LinkageRun.objects.get(pk=run_id)
    with heartbeat.beating(run):
        return runs.execute(run, progress=progress)


def _record_decision(
    a: int, b: int, verdict: str, *, origin: str, user: User | None, reason: str, overwrite: bool = True
) -> MatchDecision:
    a, b = engine.pair(a, b)
    if not overwrite:
        existing = MatchDecision.objects.filter(record_a_id=a, record_b_id=b).first()
        if existing:
            return existing
    decision, _created = MatchDecision.objects.update_or_create(
        record_a_id=a, record_b_id=b,
        defaults={"verdict": verdict, "origin": origin, "decided_by": user, "reason": reason[:500]},
    )  # fmt: skip
    ReviewPair.objects.filter(
        record_a_id=a, record_b_id=b, status__in=[ReviewPair.Status.PENDING, ReviewPair.Status.SKIPPED]
    ).update(status=ReviewPair.Status.DECIDED, decision=decision)
    return decision


def _regions_of(*records: SourceRecord) -> set[int]:
    return {r.source_system.region_id for r in records}


@transaction.atomic
def review_decide(*, access: Access, review: ReviewPair, verdict: str, reason: str = "") -> ReviewPair:
    """Accept (same person), reject (different persons) or skip a pair of the review queue."""
    pair = (
        ReviewPair.objects.select_for_update()
        .select_related(
            "record_a__source_system", "record_b__source_system", "record_a__person", "record_b__person"
        )
        .get(pk=review.pk)
    )
    user = _require(
        access, _regions_of(pair.record_a, pair.record_b), what="registry.reviewpair", object_id=pair.pk
    )
    if pair.status not in (ReviewPair.Status.PENDING, ReviewPair.Status.SKIPPED):
        raise Conflict(_("This pair has already been decided."), code="decided")
    if verdict == "skip":
        pair.status, pair.skipped_at = ReviewPair.Status.SKIPPED, timezone.now()
        pair.save(update_fields=["status", "skipped_at"])
    elif verdict in MatchDecision.Verdict.values:
        _record_decision(pair.record_a_id, pair.record_b_id, verdict, origin=MatchDecision.Origin.REVIEW,
                         user=user, reason=reason)  # fmt: skip
        if verdict == MatchDecision.Verdict.MATCH and pair.record_a.person_id != pair.record_b.person_id:
            _merge(
                pair.record_a.person,
                pair.record_b.person,
                user=user,
                reason=reason or str(_("Clerical review")),
            )
        pair.refresh_from_db()
    else:
        raise DomainError(_("Choose accept, reject or skip."), code="verdict", field="verdict")
    audit_record(
        access=access, action=AuditEvent.Action.DECIDE, object_type="registry.reviewpair", object_id=pair.pk,
        object_label=f"{pair.record_a.name} / {pair.record_b.name}",
        detail={"verdict": verdict, "records": [pair.record_a_id, pair.record_b_id], "reason": reason},
    )  # fmt: skip
    return pair


def _merge(keep: Person, other: Person, *, user: User | None, reason: str) -> PersonChange:
    records = dict(
        SourceRecord.objects.filter(person_id__in=[keep.pk, other.pk]).values_list("pk", "person_id")
    )
    anchor = min(r for r, p in records.items() if p == keep.pk)
    step = changes.Step(target=keep.pk, moves=sorted((r, p) for r, p in records.items() if p == other.pk),
                        records=sorted(records))  # fmt: skip
    [change] = changes.apply([step], actor=user, reason=reason)
    made = [
        _record_decision(anchor, r, MatchDecision.Verdict.MATCH, origin=MatchDecision.Origin.MERGE, user=user,
                         reason=reason, overwrite=False).pk
        for r, _p in step.moves
    ]  # fmt: skip
    change.decisions = made
    change.save(update_fields=["decisions"])
    return change


def _editable(user: User, person: Person) -> bool:
    return permissions.may_manage_region(user, person.home_region_id)


@transaction.atomic
def persons_merge(*, access: Access, person: Person, other: Person, reason: str) -> PersonChange:
    """Merge ``other`` into ``person``: its records move, it is retired; undoable."""
    user = _require(
        access, {person.home_region_id, other.home_region_id}, what="registry.person", object_id=person.pk
    )
    if not reason.strip():
        raise DomainError(_("Say why these are the same person."), code="reason", field="reason")
    if person.pk == other.pk or person.status != Person.Status.ACTIVE or other.status != Person.Status.ACTIVE:
        raise Conflict(_("Only two different active persons can be merged."), code="not_mergeable")
    if person.account_id and other.account_id:
        raise Conflict(_("Both persons have an account; unlink one first."), code="two_accounts")
    change = _merge(person, other, user=user, reason=reason.strip())
    _audit_change(access, change, person)
    return change


@transaction.atomic
def person_split(*, access: Access, person: Person, record_ids: list[int], reason: str) -> PersonChange:
    """Move some of a person's records to a new person; they will not be linked again automatically."""
    user = _require(access, {person.home_region_id}, what="registry.person", object_id=person.pk)
    if not reason.strip():
        raise DomainError(_("Say why these records are another person."), code="reason", field="reason")
    own = set(person.source_records.values_list("pk", flat=True))
    leaving = sorted(set(record_ids) & own)
    if not leaving or len(leaving) == len(own) or len(leaving) != len(set(record_ids)):
        raise DomainError(
            _("Choose some, but not all, of this person's records."), code="records", field="records"
        )
    step = changes.Step(target=None, moves=[(r, person.pk) for r in leaving], records=leaving)
    [change] = changes.apply([step], actor=user, reason=reason.strip())
    change.decisions = [
        _record_decision(a, b, MatchDecision.Verdict.NON_MATCH, origin=MatchDecision.Origin.SPLIT, user=user,
                         reason=reason).pk
        for a in leaving
        for b in sorted(own - set(leaving))
    ]  # fmt: skip
    change.save(update_fields=["decisions"])
    _audit_change(access, change, person)
    return change


@transaction.atomic
def person_change_undo(*, access: Access, change: PersonChange, reason: str = "") -> PersonChange:
    """Undo a merge or split; decisions it recorded are withdrawn, an automatic one is overruled."""
    person = change.person
    user = _require(access, {person.home_region_id}, what="registry.personchange", object_id=change.pk)
    if not changes.undoable(change):
        raise Conflict(
            _("This change was undone already, or its records have moved since."), code="not_undoable"
        )
    reverse = changes.undo(change, actor=user, reason=reason or str(_("Undone")))
    if change.decisions:
        MatchDecision.objects.filter(pk__in=change.decisions).delete()
    else:
        # An automatic change undone by a person: keep the next run from redoing it.
        verdict = (
            MatchDecision.Verdict.NON_MATCH
            if change.kind == PersonChange.Kind.MERGE
            else MatchDecision.Verdict.MATCH
        )
        origin = (
            MatchDecision.Origin.SPLIT
            if change.kind == PersonChange.Kind.MERGE
            else MatchDecision.Origin.MERGE
        )
        reverse.decisions = [
            _record_decision(record, other, verdict, origin=origin, user=user, reason=reason).pk
            for record, _source, _target in change.moves
            for other in _stayed(change, record)
        ]
        reverse.save(update_fields=["decisions"])
    _audit_change(access, reverse, person)
    return reverse


def _stayed(change: PersonChange, record: int) -> list[int]:
    """Records the moved record was put together with (merge) or taken apart from (split)."""
    moved = {m[0] for m in change.moves}
    target = change.moves[0][2]
    if change.kind == PersonChange.Kind.MERGE:
        return sorted(
            set(SourceRecord.objects.filter(person_id=target).values_list("pk", flat=True)) - moved
        )[:1]
    source = next(m[1] for m in change.moves if m[0] == record)
    return sorted(set(SourceRecord.objects.filter(person_id=source).values_list("pk", flat=True)) - moved)[:1]


def _audit_change(access: Access, change: PersonChange, person: Person) -> None:
    audit_record(
        access=access, action=AuditEvent.Action.UPDATE, object_type="registry.person", object_id=person.pk,
        object_label=person.name, object_region=person.home_region.code,
        detail={"change": change.pk, "kind": change.kind, "persons": change.persons, "reason": change.reason},
    )  # fmt: skip
