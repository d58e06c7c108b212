"""One human in both cities' registries, and the two ways linkage merges their persons, for the
apps' tests that read as the talent what the apps hold after a merge (each app's
``test_merged_person.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import make_user
from talentlink.core.audit import Access
from talentlink.core.models import Role, User
from talentlink.registry.linkage import changes
from talentlink.registry.linkage import services as linkage
from talentlink.registry.models import Person, SourceRecord
from talentlink.registry.tests.test_imports import run_import, zhoushan_xlsx
from talentlink.registry.tests.test_propagation import NINGBO_ROW, ZHOUSHAN_ROW

# A staff merge moves the retired person's account to the survivor; a linkage run may merge two
# persons that both hold an account, and then each account stays where it was (registry.merges).
MERGES = ("by staff", "automatic with two accounts")


def two_persons(
    *, nb_office: User, zs_office: User, ningbo_csv: Callable[..., Path], tmp_path: Path
) -> tuple[Person, Person]:
    """张伟 imported by Ningbo, then by Zhoushan: two persons, not linked yet."""
    run_import(nb_office, ningbo_csv([NINGBO_ROW]))
    run_import(zs_office, zhoushan_xlsx(tmp_path, [ZHOUSHAN_ROW]), source="zhoushan-talent-info")
    nb, zs = (Person.objects.get(source_records__source_key=key) for key in ("NB001", "ZS-1"))
    return nb, zs


def talent_of(person: Person, username: str) -> User:
    """An account linked to ``person``."""
    user = make_user(username, Role.TALENT, person.home_region, link_status=User.LinkStatus.LINKED)
    Person.objects.filter(pk=person.pk).update(account=user)
    return user


def merge(how: str, *, keep: Person, retired: Person, office: User) -> None:
    """Merge ``retired`` into ``keep`` by the real merge: a staff member's, or a linkage run's
    after ``keep`` came to hold an account of its own too (the older person survives)."""
    if how == "by staff":
        linkage.persons_merge(access=Access.system(user=office), person=keep, other=retired, reason="同一人")
    else:
        if not Person.objects.filter(pk=keep.pk, account__isnull=False).exists():
            talent_of(keep, "13805740001")
        persons = [keep.pk, retired.pk]
        records = dict(SourceRecord.objects.filter(person__in=persons).values_list("pk", "person_id"))
        accounts = set(
            Person.objects.filter(pk__in=persons, account__isnull=False).values_list("pk", flat=True)
        )
        changes.apply(
            changes.plan(dict.fromkeys(records, 1), records, accounts), actor=None, reason="linkage"
        )
    assert Person.objects.get(pk=retired.pk).merged_into_id == keep.pk
