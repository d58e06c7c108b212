"""Fixtures of the talent code's tests: talents with a tier, a fixed catalogue, a clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import make_user
from talentlink.core.models import Role
from talentlink.registry.models import Person, Tier
from talentlink.talentcode import keys

ENTITLEMENTS = ["nb-tianyige-free", "zs-putuo-free"]


@pytest.fixture(autouse=True)
def _fixed_entitlements(monkeypatch):
    """The benefits catalogue is the other app's; the code only carries what it answers."""
    monkeypatch.setattr(
        "talentlink.benefits.selectors.person_entitlements", lambda *, person, on=None: list(ENTITLEMENTS)
    )


@pytest.fixture(autouse=True)
def _fresh_trust_store():
    keys.forget_trust_store()
    yield
    keys.forget_trust_store()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def talent(ningbo) -> Person:
    account = make_user("talent-zhang", Role.TALENT, ningbo)
    return Person.objects.create(
        name="张伟", home_region=ningbo, tier=Tier.objects.get(region=ningbo, code="C"), account=account
    )


@pytest.fixture
def zs_talent(zhoushan) -> Person:
    return Person.objects.create(
        name="李娜", home_region=zhoushan, tier=Tier.objects.get(region=zhoushan, code="B")
    )
