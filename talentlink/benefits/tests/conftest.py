"""Fixtures of the benefits tests: providers and benefits in both cities, talents, a service
point, and small fakes of the talent-code verifier and the credentials selector (the apps built
alongside), faithful to their contracts in docs/contracts.md."""

from __future__ import annotations

import datetime as dt
import importlib
import random
import sys
import types
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import make_user
from talentlink.benefits.models import Benefit, GrantKind, Provider, ServicePoint, ServicePointAccount
from talentlink.core import crypto, idnumbers
from talentlink.core.models import Organisation, Region, Role
from talentlink.registry.demo import credit_code
from talentlink.registry.models import Person, TalentCategory, Tier

# Valid ID numbers (check characters right).
ZHANG_ID = "330203199003074513"
OUYANG_ID = "330212198511230027"
LI_ID = "33020519780515106X"


@dataclass(frozen=True)
class FakeVerdict:
    ok: bool
    reason: str
    message: str = ""
    issuer: str = "330200"
    kid: str = "nb-2026-1"
    subject: str = ""
    token_id: str = ""
    tier: str = ""
    entitlements: tuple[str, ...] = ()
    expires_at: dt.datetime | None = None


@dataclass
class FakeCodes:
    """Stands in for the verifier of talentlink.talentcode.selectors: a code is
    'TC1:FAKE|subject|token|reason'; like the real one, it keeps the token ids it has consumed."""

    calls: list[dict] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def issue(self, person: Person, *, token: str | None = None, reason: str = "ok") -> str:
        return f"TC1:FAKE|p{person.pk}|{token or uuid.uuid4().hex}|{reason}"

    def code_verify(self, *, qr: str, now=None, online: bool = True, consume: bool = True) -> FakeVerdict:
        self.calls.append({"qr": qr, "now": now, "online": online, "consume": consume})
        if not qr.startswith("TC1:FAKE|"):
            return FakeVerdict(False, "bad_prefix", "not a talent code")
        _prefix, subject, token, reason = qr.split("|")
        if reason != "ok":
            return FakeVerdict(False, reason, f"refused: {reason}")
        person = self.person_by_subject(subject=subject)
        held = person.tier if person else None
        tier = f"{held.region.code}:{held.code}" if held else ""
        if token in self.seen:
            return FakeVerdict(False, "replayed", "seen before", subject=subject, token_id=token, tier=tier)
        if consume:
            self.seen.add(token)
        return FakeVerdict(True, "ok", "ok", subject=subject, token_id=token, tier=tier)

    def person_by_subject(self, *, subject: str) -> Person | None:
        return (
            Person.objects.select_related("tier__region", "home_region").filter(pk=int(subject[1:])).first()
        )


def _module(monkeypatch, name: str, **functions) -> types.ModuleType:
    """Replace functions of a module built alongside (or stand in for it while it does not exist)."""
    try:
        module = importlib.import_module(name)
    except ImportError:
        module = types.ModuleType(name)
        monkeypatch.setitem(sys.modules, name, module)
    for attribute, function in functions.items():
        monkeypatch.setattr(module, attribute, function, raising=False)
    return module


@pytest.fixture(autouse=True)
def codes(monkeypatch) -> FakeCodes:
    fake = FakeCodes()
    _module(monkeypatch, "talentlink.talentcode.selectors", code_verify=fake.code_verify,
            person_by_subject=fake.person_by_subject)  # fmt: skip
    return fake


@dataclass
class FakeLevels:
    """person id → the levels the credentials selector returns (equivalence already applied)."""

    levels: dict[int, set[str]] = field(default_factory=dict)
    calls: list[tuple[int, str | None]] = field(default_factory=list)

    def person_credential_levels(self, *, person_id: int, purpose: str | None = None) -> set[str]:
        self.calls.append((person_id, purpose))
        return set(self.levels.get(person_id, set()))


@pytest.fixture(autouse=True)
def credential_levels(monkeypatch) -> FakeLevels:
    fake = FakeLevels()
    _module(
        monkeypatch,
        "talentlink.credentials.selectors",
        person_credential_levels=fake.person_credential_levels,
    )
    return fake


def make_person(
    name: str,
    id_number: str,
    region: Region,
    *,
    category: str = "professional_technical",
    tier: str | None = "C",
    status: str = Person.Status.ACTIVE,
) -> Person:
    parsed = idnumbers.parse(id_number)
    token, index = crypto.id_number_seal(parsed.value)
    return Person.objects.create(
        name=name,
        id_number_encrypted=token,
        id_number_index=index,
        id_number_masked=parsed.masked,
        home_region=region,
        category=TalentCategory.objects.get(code=category),
        tier=Tier.objects.get(region=region, code=tier) if tier else None,
        status=status,
    )


_codes = random.Random(11)


def make_provider(region: Region, name: str, kind: str = "scenic_spot") -> Provider:
    organisation = Organisation.objects.create(
        name=name,
        credit_code=credit_code(_codes, region.code),
        region=region,
        kind=Organisation.Kind.PROVIDER,
        status=Organisation.Status.APPROVED,
    )
    return Provider.objects.create(organisation=organisation, name=name, kind=kind, region=region)


def make_benefit(provider: Provider, code: str, **terms) -> Benefit:
    m2m = {k: terms.pop(k) for k in ("holder_regions", "categories", "tiers") if k in terms}
    fields = {
        "name": code,
        "grant": GrantKind.FREE_ENTRY,
        "list_price": Decimal("30"),
        "valid_from": dt.date(2020, 1, 1),
        **terms,
    }
    benefit = Benefit.objects.create(provider=provider, code=code, **fields)
    for relation, values in m2m.items():
        getattr(benefit, relation).set(values)
    return benefit


@pytest.fixture
def tianyige(ningbo) -> Provider:
    return make_provider(ningbo, "天一阁博物院")


@pytest.fixture
def putuo(zhoushan) -> Provider:
    return make_provider(zhoushan, "普陀山风景名胜区")


@pytest.fixture
def tianyige_free(tianyige) -> Benefit:
    return make_benefit(tianyige, "nb-tianyige-free", name="天一阁免费参观", per_day=1, per_year=3)


@pytest.fixture
def putuo_free(putuo) -> Benefit:
    return make_benefit(putuo, "zs-putuo-free", name="普陀山免门票", list_price=Decimal("160"), per_year=2)


@pytest.fixture
def gate(tianyige) -> ServicePoint:
    return ServicePoint.objects.create(provider=tianyige, name="东门检票口")


@pytest.fixture
def gate_user(gate):
    user = make_user(
        "nb-gate", Role.SERVICE_POINT, gate.provider.region, organisation=gate.provider.organisation
    )
    ServicePointAccount.objects.create(user=user, service_point=gate)
    return user


@pytest.fixture
def putuo_gate_user(putuo):
    point = ServicePoint.objects.create(provider=putuo, name="南天门")
    user = make_user("zs-gate", Role.SERVICE_POINT, putuo.region, organisation=putuo.organisation)
    ServicePointAccount.objects.create(user=user, service_point=point)
    return user


@pytest.fixture
def zhang(ningbo) -> Person:
    return make_person("张伟", ZHANG_ID, ningbo, tier="C")


@pytest.fixture
def ouyang(zhoushan) -> Person:
    return make_person("欧阳明", OUYANG_ID, zhoushan, category="high_skilled", tier="D")


def at(day: str, hour: int = 10) -> dt.datetime:
    """A local time on a day given as YYYY-MM-DD."""
    return timezone.make_aware(dt.datetime.fromisoformat(day).replace(hour=hour))
