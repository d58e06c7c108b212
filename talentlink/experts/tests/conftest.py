"""Fixtures of the expert pool's tests: persons and experts of both cities, an organiser."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable

import pytest
from django.apps import apps

from conftest import make_user
from talentlink.core import crypto, idnumbers
from talentlink.core.audit import Access
from talentlink.core.models import Region, Role, User
from talentlink.experts.models import Expert, Field
from talentlink.experts.services import expert_reindex
from talentlink.registry.models import Person

SEED_MIGRATIONS = [
    "talentlink.core.migrations.0002_seed_regions",
    "talentlink.experts.migrations.0003_seed_fields_and_targets",
    "talentlink.indicators.migrations.0002_seed_action_plan",
]


@pytest.fixture
def seeded(db) -> None:
    """Put back the data migrations' rows should a transactional test have flushed them."""
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


def id_number(region: Region, serial: int) -> str:
    first17 = f"{region.code[:4]}03{1970 + serial % 30}0101{serial % 1000:03d}"
    return first17 + idnumbers.check_character(first17)


@pytest.fixture
def make_person(db) -> Callable[..., Person]:
    serials = iter(range(1, 10_000))

    def make(name: str, region: Region, **extra) -> Person:
        number = extra.pop("id_number", None) or id_number(region, next(serials))
        token, index = crypto.id_number_seal(number)
        return Person.objects.create(
            name=name, home_region=region, id_number_encrypted=token, id_number_index=index,
            id_number_masked=idnumbers.mask(number), **extra,
        )  # fmt: skip

    return make


@pytest.fixture
def field_of(seeded) -> Callable[[str], Field]:
    return lambda name: Field.objects.get(name=name)


@pytest.fixture
def make_expert(make_person, field_of) -> Callable[..., Expert]:
    def make(name: str, region: Region, fields: tuple[str, ...] = (), **profile) -> Expert:
        person_extra = {k: profile.pop(k) for k in ("account", "email") if k in profile}
        person = make_person(name, region, employer_name=profile.get("employer_name", ""),
                             title=profile.get("title", ""), **person_extra)  # fmt: skip
        expert = Expert(person=person, region=region, **profile)
        chosen = [field_of(f) for f in fields]
        expert_reindex(expert, fields=chosen)
        expert.save()
        expert.fields.set(chosen)
        return expert

    return make


@pytest.fixture
def nb_organiser(ningbo) -> User:
    return make_user("nb-organiser", Role.REVIEW_ORGANISER, ningbo, email="organiser@example.cn")


@pytest.fixture
def zs_organiser(zhoushan) -> User:
    return make_user("zs-organiser", Role.REVIEW_ORGANISER, zhoushan)


def access_of(user: User) -> Access:
    return Access.system(user=user)


def account_of(expert: Expert) -> User:
    """The expert's own account, which every expert who answers in a test has."""
    account = expert.person.account
    assert account is not None, f"{expert} has no account"
    return account


TOMORROW = dt.date.today() + dt.timedelta(days=30)
