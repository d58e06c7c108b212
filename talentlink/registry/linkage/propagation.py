"""Other apps follow the golden record when persons are merged, split or a change is undone.

An app that holds rows pointing at a ``Person`` (experts, credentials, benefits, talent codes, résumés,
claims and accounts) defines, on its ``AppConfig``:

- ``person_merged(*, source_id: int, target_id: int, change: PersonChange) -> dict``: move what the
  app holds for ``source_id`` (a person that the change retired) to ``target_id``, and return what it
  moved as JSON, enough to put it back;
- ``person_merge_undone(*, moved: dict, source_id: int, target_id: int, change: PersonChange) -> None``:
  put back what ``person_merged`` returned.

``person_merged`` is called only for persons the app holds a row for (any model of the app with a
foreign key to ``Person``; for the registry, also an account), found in a few batched queries.
Both are called inside the transaction of the merge or undo, so either everything follows or
nothing changes. What each app moved is kept on the change (``PersonChange.followed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import QuerySet

from talentlink.registry.linkage import golden
from talentlink.registry.models import Person, PersonChange


def _hooks(name: str) -> Iterator[tuple[str, Any]]:
    for config in apps.get_app_configs():
        hook = getattr(config, name, None)
        if hook is not None:
            yield config.label, hook


def persons_retired(changes: list[PersonChange]) -> None:
    """After a plan was applied: each person it retired hands what the apps hold to its successor."""
    involved = {p for change in changes for p in change.persons}
    retired: dict[int, int] = {}
    for chunk in golden.batches(involved):
        retired.update(
            Person.objects.filter(pk__in=chunk, status=Person.Status.MERGED, merged_into__isnull=False)
            .values_list("pk", "merged_into_id")
            .iterator()
        )
    if not retired:
        return
    _follow(changes, retired, holdings(retired))


def _follow(changes: list[PersonChange], retired: dict[int, int], held: dict[str, set[int]]) -> None:
    """Call each app's hook for each retired person of the changes that the app holds rows for."""
    if not any(held.values()):
        return
    hooks = list(_hooks("person_merged"))
    for change in changes:
        followed: dict[str, Any] = {}
        for source_id in change.persons:
            target_id = retired.get(source_id)
            if target_id is None:
                continue
            for label, hook in hooks:
                if source_id not in held.get(label, ()):
                    continue
                moved = hook(source_id=source_id, target_id=target_id, change=change)
                if moved:
                    followed.setdefault(label, {})[str(source_id)] = {"target": target_id, "moved": moved}
        if followed:
            before = change.followed or {}
            change.followed = {label: {**before.get(label, {}), **followed.get(label, {})}
                               for label in {*before, *followed}}  # fmt: skip
            change.save(update_fields=["followed"])


# The registry's own bookkeeping of persons, which a merge itself already moved or recorded.
_LINKAGE_MODELS = ("registry.sourcerecord", "registry.personchange", "registry.person")


def holdings(person_ids: Iterable[int]) -> dict[str, set[int]]:
    """Per app label, those of the persons that the app holds any row for (or an account, for the
    registry): a full re-link retires persons by the hundred thousand, and only the few that hold
    something elsewhere need each app's hook."""
    relations = [
        r for r in Person._meta.related_objects
        if r.field.many_to_one or r.field.one_to_one
        if r.related_model._meta.label_lower not in _LINKAGE_MODELS
    ]  # fmt: skip
    ids = set(person_ids)
    held: dict[str, set[int]] = {}
    for relation in relations:
        model, column = relation.related_model, relation.field.attname
        found = held.setdefault(model._meta.app_label, set())
        found.update(_named(model._base_manager.filter(**{f"{column}__isnull": False}), column, ids))
    accounts = Person.objects.filter(account__isnull=False)
    held.setdefault(Person._meta.app_label, set()).update(_named(accounts, "pk", ids))
    return held


@transaction.atomic
def earlier_merges_follow(*, dry_run: bool = False) -> dict[str, int]:
    """Hand what the apps still hold for persons retired before the apps followed merges (or by a
    merge whose hooks failed to run) to the active person each was merged into; counts per app.

    The change that retired a person is the latest one that moved records away from it; what
    moved is kept on it as for any merge, so undoing that change puts it back.
    """
    retired = dict(
        Person.objects.filter(status=Person.Status.MERGED, merged_into__isnull=False)
        .values_list("pk", "merged_into_id")
        .iterator()
    )
    held = holdings(retired)
    waiting = {p for persons in held.values() for p in persons}
    # The change that retired each: the latest one (not undone) that moved records away from it.
    latest: dict[int, int] = {}
    changes = PersonChange.objects.exclude(kind=PersonChange.Kind.UNDO).filter(undone_by__isnull=True)
    for pk, moves in changes.order_by("pk").values_list("pk", "moves").iterator():
        for _record, source, _target in moves:
            if source in waiting:
                latest[source] = pk
    followed: dict[int, dict[str, Any]] = {}
    for chunk in golden.batches(set(latest.values())):
        followed.update(PersonChange.objects.filter(pk__in=chunk).values_list("pk", "followed"))
    # What an app kept on a retired person on purpose (a retired profile, a revoked code) is
    # recorded on the change as followed already; only the rest waits.
    for label, persons in held.items():
        held[label] = {
            p for p in persons if p in latest and str(p) not in (followed[latest[p]] or {}).get(label, {})
        }
    counts = {label: len(persons) for label, persons in held.items() if persons}
    if dry_run or not counts:
        return counts
    by_change: dict[int, dict[int, int]] = {}
    for source in {p for persons in held.values() for p in persons}:
        by_change.setdefault(latest[source], {})[source] = _active(source, retired)
    for chunk in golden.batches(by_change):
        for change in PersonChange.objects.filter(pk__in=chunk):
            _follow([change], by_change[change.pk], held)
    return counts


def _active(pk: int, retired: dict[int, int]) -> int:
    """The active person at the end of a chain of merges."""
    seen = {pk}
    while pk in retired and retired[pk] not in seen:
        pk = retired[pk]
        seen.add(pk)
    return pk


def _named(rows: QuerySet[Any], column: str, ids: set[int]) -> set[int]:
    """Those of ``ids`` that ``rows`` name in ``column``. Most of these tables are small beside the
    persons a re-link retires: they are read once, instead of asked with thousands of ids at a time."""
    rows = rows.order_by()
    # A merge by staff retires one person: one indexed query. A re-link retires many: a table that
    # names fewer rows than that (counted no further) is read whole.
    if len(ids) > golden.BATCH and rows[: len(ids)].count() < len(ids):
        return ids.intersection(rows.values_list(column, flat=True))
    found: set[int] = set()
    for chunk in golden.batches(ids):
        found.update(rows.filter(**{f"{column}__in": chunk}).values_list(column, flat=True).distinct())
    return found


def change_undone(change: PersonChange) -> None:
    """After ``change`` was undone: the apps put back what followed its merges, and a person the
    change created (a split), which the undo retires, hands on what it came to hold meanwhile
    (kept on the undo's own change)."""
    for label, hook in _hooks("person_merge_undone"):
        for source_id, entry in (change.followed or {}).get(label, {}).items():
            hook(moved=entry["moved"], source_id=int(source_id), target_id=entry["target"], change=change)
    if change.created_persons and change.undone_by is not None:
        persons_retired([change.undone_by])
