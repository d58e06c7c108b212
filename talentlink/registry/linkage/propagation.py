"""Other apps follow the golden record when persons are merged, split or a change is undone.

An app that holds rows pointing at a ``Person`` (experts, credentials, benefits, talent codes,
claims and accounts) defines, on its ``AppConfig``:

- ``person_merged(*, source_id: int, target_id: int, change: PersonChange) -> dict``: move what the
  app holds for ``source_id`` (a person that the change retired) to ``target_id``, and return what it
  moved as JSON, enough to put it back;
- ``person_merge_undone(*, moved: dict, source_id: int, target_id: int, change: PersonChange) -> None``:
  put back what ``person_merged`` returned.

Both are called inside the transaction of the merge or undo, so either everything follows or
nothing changes. What each app moved is kept on the change (``PersonChange.followed``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps

from talentlink.registry.models import Person, PersonChange


def _hooks(name: str) -> Iterator[tuple[str, Any]]:
    for config in apps.get_app_configs():
        hook = getattr(config, name, None)
        if hook is not None:
            yield config.label, hook


def persons_retired(changes: list[PersonChange]) -> None:
    """After a plan was applied: each person it retired hands what the apps hold to its successor."""
    involved = {p for change in changes for p in change.persons}
    retired = dict(
        Person.objects.filter(pk__in=involved, status=Person.Status.MERGED, merged_into__isnull=False)
        .values_list("pk", "merged_into_id")
        .iterator()
    )
    if not retired:
        return
    for change in changes:
        followed: dict[str, Any] = {}
        for source_id in change.persons:
            target_id = retired.get(source_id)
            if target_id is None:
                continue
            for label, hook in _hooks("person_merged"):
                moved = hook(source_id=source_id, target_id=target_id, change=change)
                if moved:
                    followed.setdefault(label, {})[str(source_id)] = {"target": target_id, "moved": moved}
        if followed:
            change.followed = followed
            change.save(update_fields=["followed"])


def change_undone(change: PersonChange) -> None:
    """After ``change`` was undone: the apps put back what followed its merges."""
    for label, hook in _hooks("person_merge_undone"):
        for source_id, entry in (change.followed or {}).get(label, {}).items():
            hook(moved=entry["moved"], source_id=int(source_id), target_id=entry["target"], change=change)
