"""The talent's own person is one rule (registry.selectors.person_own) that every page asks: the
person the account is linked to, or the golden person linkage merged it into; never a deceased one."""

from __future__ import annotations

import pytest

from conftest import make_user
from talentlink.core.models import Role
from talentlink.registry.models import Person
from talentlink.registry.selectors import person_own

pytestmark = pytest.mark.django_db


def _talent_with_person(ningbo, **person):
    user = make_user("talent-own", Role.TALENT, ningbo)
    Person.objects.create(name="王小明", home_region=ningbo, account=user, **person)
    return user


def test_a_talent_whose_person_was_merged_away_opens_the_golden_person(ningbo, client_of):
    user = _talent_with_person(ningbo)
    golden = Person.objects.create(name="王晓明", home_region=ningbo)
    # Both had accounts in an automatic merge: the retired person keeps this account (merges.py).
    Person.objects.filter(account=user).update(status=Person.Status.MERGED, merged_into=golden)
    assert person_own(user=user) == golden
    client = client_of(user)
    page = client.get("/registry/me/")
    assert page.status_code == 200 and "王晓明" in page.content.decode()
    assert client.get("/api/registry/me").json()["name"] == "王晓明"


def test_a_deceased_person_is_no_talents_own_on_any_page(ningbo, client_of):
    user = _talent_with_person(ningbo, status=Person.Status.DECEASED)
    assert person_own(user=user) is None
    client = client_of(user)
    assert "王小明" not in client.get("/registry/me/").content.decode()
    assert client.get("/api/registry/me").status_code == 404
    assert "王小明" not in client.get("/code/").content.decode()
    assert "王小明" not in client.get("/benefits/mine/").content.decode()


def test_an_active_talent_sees_their_own_person(ningbo, client_of):
    user = _talent_with_person(ningbo)
    own = person_own(user=user)
    assert own is not None and own.name == "王小明"
    assert client_of(user).get("/api/registry/me").json()["name"] == "王小明"
