"""Merging and splitting persons so that each cluster of records is one person, with history.

A *plan* says, for each cluster whose records are not already exactly one person's,
which person keeps it (or that a new person is needed) and which records move. Applying
a plan moves the records, retires persons left without records (status merged, with
``merged_into``), recomputes the golden records and writes a :class:`PersonChange`
per cluster, from which :func:`undo` puts everything back.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from talentlink.core.database import plan_each_statement, rows_update
from talentlink.core.models import User
from talentlink.registry.linkage import golden, propagation
from talentlink.registry.models import LinkageRun, Person, PersonChange, SourceRecord


@dataclass
class Step:
    """One cluster's change: records that move to ``target`` (None: a new person)."""

    target: int | None
    moves: list[tuple[int, int]] = field(default_factory=list)  # (record, from person)
    records: list[int] = field(default_factory=list)  # every record of the cluster

    @property
    def kind(self) -> str:
        return PersonChange.Kind.SPLIT if self.target is None else PersonChange.Kind.MERGE

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind}


def plan(clusters: dict[int, int], current: dict[int, int], accounts: set[int]) -> list[Step]:
    """Steps that make every cluster exactly one person.

    ``current`` maps each clustered record to its person now; a person keeps the cluster
    holding most of its records (ties: the person with an account, then the older person).
    """
    members: dict[int, list[int]] = defaultdict(list)
    for record, cluster in clusters.items():
        members[cluster].append(record)
    spread: dict[int, set[int]] = defaultdict(set)
    for cluster, records in members.items():
        for record in records:
            spread[current[record]].add(cluster)
    taken: set[int] = set()
    steps = []
    for _cluster, records in sorted(members.items(), key=lambda item: (-len(item[1]), item[0])):
        persons = Counter(current[r] for r in records)
        if len(persons) == 1 and len(spread[next(iter(persons))]) == 1:
            continue  # already exactly one person
        candidates = [p for p in persons if p not in taken]
        target = max(candidates, key=lambda p: (persons[p], p in accounts, -p)) if candidates else None
        if target is not None:
            taken.add(target)
        moves = sorted((r, current[r]) for r in records if current[r] != target)
        if moves:
            steps.append(Step(target=target, moves=moves, records=sorted(records)))
    return steps


@transaction.atomic
def apply(
    steps: list[Step], *, actor: User | None, reason: str, run: LinkageRun | None = None
) -> list[PersonChange]:
    """Carry out the steps; one PersonChange per step.

    Written in bounded batches (the records moved, the changes, the persons retired), so a full
    re-link that merges a few hundred thousand persons costs a few thousand statements.
    """
    plan_each_statement()
    touched = {p for s in steps for p in ([s.target] if s.target else []) + [f for _, f in s.moves]}
    before = golden.snapshots(touched, lock=True)
    targets = _targets(steps, before)
    now = timezone.now()
    planned = list(zip(steps, targets, strict=True))
    _move([(record, target) for step, target in planned for record, _ in step.moves], now)
    changes = PersonChange.objects.bulk_create(
        [_change(step, target, before, actor=actor, reason=reason, run=run) for step, target in planned],
        batch_size=500,
    )
    created = {target for step, target in planned if step.target is None}
    emptied = golden.empty_persons(touched)
    golden.refresh(touched - emptied | created)
    _retire(emptied, changes, now)
    propagation.persons_retired(changes)
    return changes


def _targets(steps: list[Step], before: dict[int, dict[str, Any]]) -> list[int]:
    """The person each step's records go to; a new one (created here, in one batch) for a split."""
    origins = [before[step.moves[0][1]] for step in steps if step.target is None]
    fresh = Person.objects.bulk_create(
        [Person(name=o["name"], home_region_id=o["home_region_id"]) for o in origins], batch_size=1000
    )
    made = iter(p.pk for p in fresh)
    return [step.target if step.target is not None else next(made) for step in steps]


def _move(moves: list[tuple[int, int]], now: Any) -> None:
    stamp = SourceRecord._meta.get_field("updated_at").get_db_prep_save(now, connection)
    rows_update(
        SourceRecord, ("person_id", "updated_at"), [(target, stamp, record) for record, target in moves]
    )


def _change(
    step: Step,
    target: int,
    before: dict[int, dict[str, Any]],
    *,
    actor: User | None,
    reason: str,
    run: LinkageRun | None,
) -> PersonChange:
    involved = sorted({target, *(f for _, f in step.moves)})
    main = step.moves[0][1] if step.target is None else target
    return PersonChange(
        kind=step.kind, person_id=main, persons=involved, moves=[[r, f, target] for r, f in step.moves],
        created_persons=[target] if step.target is None else [],
        before={str(p): before[p] for p in involved if p in before},
        reason=reason[:500], run=run, actor=actor,
    )  # fmt: skip


def _retire(emptied: set[int], changes: list[PersonChange], now: Any) -> None:
    """Persons left without records are merged into the person that received them."""
    destination: dict[int, int] = {}
    for change in changes:
        for _record, source, target in change.moves:
            destination.setdefault(source, target)
    stamp = Person._meta.get_field("updated_at").get_db_prep_save(now, connection)
    rows = [(Person.Status.MERGED.value, destination.get(pk), stamp, pk) for pk in sorted(emptied)]
    rows_update(Person, ("status", "merged_into_id", "updated_at"), rows)


def undoable(change: PersonChange) -> bool:
    """Whether the change can be undone: not undone yet, and its records are still where it put them."""
    if change.undone_by_id or change.kind == PersonChange.Kind.UNDO:
        return False
    where = dict(
        SourceRecord.objects.filter(pk__in=[m[0] for m in change.moves]).values_list("pk", "person_id")
    )
    return all(where.get(record) == target for record, _source, target in change.moves)


@transaction.atomic
def undo(change: PersonChange, *, actor: User | None, reason: str) -> PersonChange:
    """Put the records back where they were and the persons as they were."""
    involved = set(change.persons)
    persons = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=involved)}
    now = timezone.now()
    moves = [[record, target, source] for record, source, target in change.moves]
    for record, _from, to in moves:
        SourceRecord.objects.filter(pk=record).update(person_id=to, updated_at=now)
    for pk, values in change.before.items():
        person = persons[int(pk)]
        golden.restore(person, values)
        person.save()
    for pk in change.created_persons:
        Person.objects.filter(pk=pk).update(
            status=Person.Status.MERGED, merged_into_id=change.person_id, updated_at=now
        )
    reverse = PersonChange.objects.create(
        kind=PersonChange.Kind.UNDO, person_id=change.person_id, persons=sorted(involved), moves=moves,
        before={}, reason=reason[:500], actor=actor,
    )  # fmt: skip
    change.undone_by = reverse
    change.save(update_fields=["undone_by"])
    propagation.change_undone(change)
    return reverse
