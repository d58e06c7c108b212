"""The registry's side of a merge: who a merged person now is, and what the registry hands on.

Linkage retires a person left without records (status merged, ``merged_into`` its successor).
:func:`persons_golden` follows those chains for apps that meet an old person id (a seat, a code's
pseudonym). :func:`registry_person_merged` moves what the registry itself holds for the retired
person to its successor — talent registrations, the account, consents — and its undo puts it
back; both run through ``RegistryConfig`` inside the merge's transaction
(:mod:`talentlink.registry.linkage.propagation`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model

from talentlink.core.models import User
from talentlink.registry.models import Consent, Person, TalentClaim

# Ids per query when following chains: well under any database's limit on parameters.
CHUNK = 500
# A chain grows by one each time a successor is merged again; this many hops is a cycle.
MAX_HOPS = 100


def persons_golden(person_ids: Iterable[int]) -> dict[int, int]:
    """Each person's golden person: itself, or the end of its ``merged_into`` chain."""
    golden = {pk: pk for pk in set(person_ids)}
    heads = set(golden.values())
    for _hop in range(MAX_HOPS):
        successor = _successors(heads)
        if not successor:
            return golden
        golden = {pk: successor.get(head, head) for pk, head in golden.items()}
        heads = set(successor.values())
    raise RuntimeError("merged_into chains of persons form a cycle")


def _successors(person_ids: set[int]) -> dict[int, int]:
    ids = sorted(person_ids)
    found: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        found.update(
            Person.objects.filter(
                pk__in=ids[start : start + CHUNK], status=Person.Status.MERGED, merged_into__isnull=False
            ).values_list("pk", "merged_into_id")
        )
    return found


def rows_follow(model: type[Model], *, source_id: int, target_id: int, field: str = "person") -> list[int]:
    """Point the rows of ``model`` whose ``field`` is the retired person at its successor; their ids."""
    ids = list(model._default_manager.filter(**{f"{field}_id": source_id}).values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        model._default_manager.filter(pk__in=ids[start : start + CHUNK]).update(**{f"{field}_id": target_id})
    return ids


def rows_return(
    model: type[Model], ids: list[int], *, source_id: int, target_id: int, field: str = "person"
) -> None:
    """Undo :func:`rows_follow`: those of the rows still at the successor go back."""
    for start in range(0, len(ids), CHUNK):
        model._default_manager.filter(pk__in=ids[start : start + CHUNK], **{f"{field}_id": target_id}).update(
            **{f"{field}_id": source_id}
        )


def registry_person_merged(*, source_id: int, target_id: int) -> dict[str, Any]:
    """Registrations, the account and consents of a retired person go to its successor.

    The account moves only when the successor has none; when both have one (only an automatic
    merge gets this far: staff cannot merge two persons with accounts), each keeps its own and
    the retired person's account is noted, for its city's office to settle (docs/linkage.md).
    """
    moved: dict[str, Any] = {}
    claims = rows_follow(TalentClaim, source_id=source_id, target_id=target_id)
    if claims:
        moved["claims"] = claims
    moved.update(_account_move(source_id, target_id))
    consents = _consents_movable(source_id, target_id)
    if consents:
        Consent.objects.filter(pk__in=consents).update(person_id=target_id)
        moved["consents"] = consents
    return moved


def _account_move(source_id: int, target_id: int) -> dict[str, Any]:
    accounts = dict(Person.objects.filter(pk__in=[source_id, target_id]).values_list("pk", "account_id"))
    account_id = accounts.get(source_id)
    if account_id is None:
        return {}
    if accounts.get(target_id) is not None:
        return {"account_left": account_id}
    user = User.objects.get(pk=account_id)
    region_id = Person.objects.values_list("home_region_id", flat=True).get(pk=target_id)
    # One account per person: free it on the retired person before the successor takes it.
    Person.objects.filter(pk=source_id).update(account=None)
    Person.objects.filter(pk=target_id).update(account=account_id)
    User.objects.filter(pk=account_id).update(region_id=region_id)
    return {"account": account_id, "account_region": user.region_id}


def _consents_movable(source_id: int, target_id: int) -> list[int]:
    """The retired person's consents, except for a city the successor already consented to."""
    active = Consent.objects.filter(withdrawn_at__isnull=True)
    held = set(active.filter(person_id=target_id).values_list("region_id", flat=True))
    return [
        pk
        for pk, region_id, withdrawn in Consent.objects.filter(person_id=source_id).values_list(
            "pk", "region_id", "withdrawn_at"
        )
        if withdrawn is not None or region_id not in held
    ]


def registry_person_merge_undone(*, moved: dict[str, Any], source_id: int, target_id: int) -> None:
    """Put back what :func:`registry_person_merged` moved (what has moved on since stays)."""
    rows_return(TalentClaim, moved.get("claims", []), source_id=source_id, target_id=target_id)
    rows_return(Consent, moved.get("consents", []), source_id=source_id, target_id=target_id)
    account_id = moved.get("account")
    if account_id is not None and Person.objects.filter(pk=target_id, account_id=account_id).exists():
        Person.objects.filter(pk=target_id).update(account=None)
        Person.objects.filter(pk=source_id).update(account=account_id)
        User.objects.filter(pk=account_id).update(region_id=moved["account_region"])
