"""The access matrix: every page, back-office list and API operation, generated from the URL
configuration, the API's OpenAPI schema and the admin site, asked by every identity about its own
city's, its own and the other city's objects, against the one table in access_table.py.

Reads are GETs. Writes are sent with a small valid body: a refused identity must be refused (and
nothing written but the audit log), an allowed one must not be (whether its write then succeeds is
the business of each app's own tests). Each request runs in a savepoint that is rolled back, so
every cell sees the same world.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.client import MULTIPART_CONTENT, encode_multipart
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from talentlink.core.errors import DomainError, NotAllowed, NotFound
from talentlink.core.tests import access_world
from talentlink.core.tests.access_table import (
    ADMIN,
    API,
    CITY,
    EMPTY,
    NO,
    PAGES,
    ROLES,
    TABLE,
    YES,
    Known,
)
from talentlink.registry.demo import credit_code

# --- What the platform serves ------------------------------------------------------------------

# Kinds of the objects a URL names, by its parameter (and, where one name means two kinds, app).
PARAM_KINDS: dict[str, str | dict[str, str]] = {
    "person_id": "person",
    "consent_id": "consent",
    "claim_id": "claim",
    "run_id": "run",
    "pair_id": "pair",
    "change_id": "change",
    "application_id": {"credentials": "application", "market": "job_application"},
    "notification_id": "notification",
    "expert_id": "expert",
    "conflict_id": "conflict",
    "committee_id": "committee",
    "member_id": "member",
    "studio_id": "studio",
    "round_id": "round",
    "seat_id": "seat",
    "provider_id": "provider",
    "redemption_id": "redemption",
    "organisation_id": "organisation",
    "job_id": "job",
    "point_id": "point",
    "source_code": "source",
    "batch_id": {"registry": "import", "benefits": "insurance_import"},
    "import_id": {"credentials": "registry_import", "experts": "expert_import"},
    "code": {"registry": "source", "benefits": "benefit"},
}
# Parameters that name no object: one fixed value.
FIXED = {
    "region_code": access_world.NINGBO, "month": access_world.PAST_MONTH, "action": "propose",
    "uidb64": "MQ", "token": "set-password", "year": 2026,  # the market report's year
}  # fmt: skip
# Kinds whose objects a reader may not see are answered 404, exactly as missing ones (finding 1;
# docs/architecture.md): who may see one is who may read it through this operation.
HIDDEN_AS_MISSING = {
    "person": "GET /api/registry/persons/{person_id}",
    "expert": "GET /api/experts/experts/{expert_id}",
    "round": "GET /api/experts/rounds/{round_id}",
    "application": "GET /api/credentials/applications/{application_id}",
}
ADMIN_PREFIX = "admin/"
API_PAGES = {"api:openapi-json", "api:openapi-view"}  # the API's own pages; its operations come below


@dataclass(frozen=True)
class Endpoint:
    key: str  # the table's key
    method: str
    name: str  # URL name (pages, back office) or path template (API)
    app: str
    params: tuple[str, ...]

    @property
    def kind(self) -> str | None:
        kinds = [_kind(p, self.app) for p in self.params if p not in FIXED]
        assert len(kinds) <= 1, f"{self.key}: more than one object in the URL"
        return kinds[0] if kinds else None

    @property
    def variants(self) -> tuple[str, ...]:
        return access_world.VARIANTS[self.kind] if self.kind else ("-",)

    @property
    def is_api(self) -> bool:
        return self.name.startswith("/api/")


def _kind(param: str, app: str) -> str:
    kind = PARAM_KINDS.get(param)
    assert kind is not None, f"no kind of object for the URL parameter {param!r}: add it to PARAM_KINDS"
    return kind if isinstance(kind, str) else kind[app]


def page_patterns() -> dict[str, tuple[str, ...]]:
    """URL name → its parameters, for every page outside the API and the back office."""
    found: dict[str, tuple[str, ...]] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(n for n in (namespace, entry.namespace) if n)
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                name = ":".join(n for n in (namespace, entry.name or "") if n)
                if route.startswith(ADMIN_PREFIX) or (name.startswith("api:") and name not in API_PAGES):
                    continue
                assert entry.name, f"an unnamed URL pattern: {route}"
                found[name] = tuple(entry.pattern.regex.groupindex)

    walk(get_resolver(), "", "")
    return found


def api_operations() -> dict[str, tuple[str, ...]]:
    """``"METHOD /api/path/{param}"`` → its path parameters, for every operation of the API."""
    from config.api import api

    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}": tuple(re.findall(r"{(\w+)}", path))
        for path, operations in schema["paths"].items()
        for method in operations
    }


def admin_models() -> set[str]:
    return {f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry}


def endpoints() -> list[Endpoint]:
    pages, operations = page_patterns(), api_operations()
    found = []
    for key in TABLE:
        method, name = key.split(" ", 1)
        if name.startswith("/api/"):
            params, app = operations.get(key, ()), name.split("/")[2]
        elif name.startswith("admin:"):
            params, app = (), "admin"
        else:
            params, app = pages.get(name, ()), name.split(":")[0]
        found.append(Endpoint(key, method, name, app, params))
    return found


ENDPOINTS = endpoints()


def served() -> set[str]:
    """What the platform serves, as the table names it (a page by its URL name, whatever method)."""
    pages = {f"page {name}" for name in page_patterns()}
    lists = {f"GET admin:{model}_changelist" for model in admin_models()} | {"GET admin:index"}
    return pages | set(api_operations()) | lists


def ruled() -> set[str]:
    return {f"page {key.split(' ', 1)[1]}" for key in PAGES} | set(API) | set(ADMIN)


def test_every_page_operation_and_back_office_list_has_a_rule():
    missing = sorted(served() - ruled())
    assert not missing, "no rule in access_table.py for: " + ", ".join(missing)
    gone = sorted(ruled() - served())
    assert not gone, "rules in access_table.py for what the platform no longer serves: " + ", ".join(gone)


# --- The cells -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    endpoint: Endpoint
    identity: str
    variant: str
    expected: str  # allow, refuse or empty
    known: str  # the finding, for a cell the platform gets wrong today

    @property
    def id(self) -> str:
        return f"{self.endpoint.key} | {self.identity} | {self.variant}"


def _expected(token: str, variant: str, key: str) -> str:
    if token == EMPTY:
        return "empty"
    if token in (YES, NO):
        return "allow" if token == YES else "refuse"
    assert variant != "-", f"{key}: {token!r} needs an object in the URL"
    assert variant != "any", f"{key}: {token!r} for a kind of object that has no city or owner"
    allowed = {"own", "city"} if token == CITY else {"own"}
    return "allow" if variant in allowed else "refuse"


def cells() -> Iterator[Cell]:
    for endpoint in ENDPOINTS:
        for identity in ROLES:
            token = TABLE[endpoint.key][identity]
            for variant in endpoint.variants:
                known = ""
                if isinstance(token, Known):
                    if not token.cells or variant in token.cells:
                        known = token.finding
                    token = token.expected
                yield Cell(endpoint, identity, variant, _expected(token, variant, endpoint.key), known)


CELLS = list(cells())


def _param(cell: Cell) -> Any:
    marks = [pytest.mark.xfail(reason=cell.known, strict=True)] if cell.known else []
    return pytest.param(cell, id=cell.id, marks=marks)


# --- The world, built once ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[access_world.World]:
    media = tmp_path_factory.mktemp("matrix-media")
    # The root conftest's test settings (for the whole module) and the world's files.
    fast = {
        "MEDIA_ROOT": media,
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TALENTLINK_LINKAGE_AFTER_IMPORT": False,
    }
    with django_db_blocker.unblock(), override_settings(**fast), transaction.atomic():
        built = access_world.build(media, tmp_path_factory.mktemp("matrix-files"))
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def db(world, django_db_blocker):
    """This module's own ``db``: a savepoint per cell in the world's transaction, rolled back after
    it (pytest-django's would wrap each of the thousands of cells in a TestCase, twice the round
    trips on PostgreSQL)."""
    reset_queries()  # each cell counts its own writes
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def savepoint(world, db):
    """The world, seen from the cell's own savepoint, with no throttling counters left in the cache
    by earlier cells."""
    cache.clear()
    return world


@pytest.fixture(autouse=True)
def _test_settings():
    """The root conftest's test settings, applied once for the module by ``world`` instead of
    per cell (thousands of cells)."""


# --- Asking ----------------------------------------------------------------------------------------


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def csv_file(text: str, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


class Form(dict):
    """A body sent as a (multipart) form instead of JSON."""


Body = Callable[[access_world.World, Any], "dict[str, Any] | Form"]
PASSWORD = "Correct-Horse-2026"
NEW_CREDIT_CODES = [credit_code(random.Random(seed), access_world.NINGBO) for seed in (1, 2)]
TOMORROW = (dt.date.today() + dt.timedelta(days=30)).isoformat()


def _merge_partner(w: access_world.World, person: Any) -> dict[str, Any]:
    return {"other": w.get("merge_partner", "own").pk, "reason": "同一人"}


MARKET_JOB = {
    "title": "设备工程师", "description": "设备维护", "region": access_world.NINGBO, "salary_min": 8000,
    "salary_max": 12000, "valid_until": TOMORROW,
}  # fmt: skip


# Bodies of the writes: small and valid, so that a refusal is the platform's and not a parser's.
BODIES: dict[str, Body] = {
    # pages (forms)
    "POST core:organisation_decide": lambda w, o: Form(approve="0", note="材料不全"),
    "POST registry:consent_create": lambda w, o: Form(region=_region_other_than(o)),
    "POST registry:claim_decide": lambda w, o: Form(approve="0", note="不是本人"),
    "POST registry:linkage": lambda w, o: Form(dry_run="1"),
    "POST registry:linkage_review_decide": lambda w, o: Form(verdict="skip"),
    "POST registry:linkage_change_undo": lambda w, o: Form(reason="误合并"),
    "POST registry:person_split": lambda w, o: Form(records=[], reason="不是同一人"),
    "POST registry:person_merge": lambda w, o: Form(_merge_partner(w, o)),
    "POST credentials:application_decide": lambda w, o: Form(decision="reject", reason="证书不清"),
    "POST credentials:application_supplement": lambda w, o: Form(note="补充材料"),
    "POST market:application_move": lambda w, o: Form(status="interview"),
    "POST /api/market/jobs": lambda w, o: MARKET_JOB,
    "PUT /api/market/jobs/{job_id}": lambda w, o: MARKET_JOB,
    "POST /api/market/applications/{application_id}/move": lambda w, o: {"status": "interview"},
    "PUT /api/market/profile": lambda w, o: {"desired_regions": [access_world.NINGBO]},
    "POST experts:conflict_declare": lambda w, o: Form(organisation_name="某公司", reason="曾任职"),
    "POST experts:relation_add": lambda w, o: Form(_relation(w)),
    "POST experts:committees": lambda w, o: Form(
        name="新委员会", field=_field().pk, established_on="2024-01-01"
    ),
    "POST experts:committee_detail": lambda w, o: Form(expert=w.get("expert", "city").pk, role="member"),
    "POST experts:studios": lambda w, o: Form(
        name="新工作室",
        leader=w.get("expert", "city").pk,
        host=w.get("studio_host", "any").pk,
        established_on="2024-01-01",
    ),
    "POST experts:studio_detail": lambda w, o: Form(
        kind="project",
        title="委托",
        client_name="某公司",
        client_region=_ningbo().pk,
        started_on="2024-01-01",
    ),
    "POST experts:rounds": lambda w, o: Form(
        name="新评审",
        deadline=TOMORROW,
        experts_per_project=3,
        max_load=3,
        min_other_city=1,
        collaboration_years=3,
    ),
    "POST experts:round_detail": lambda w, o: Form(
        title="新项目", applicant_organisation="某公司", region=_ningbo().pk
    ),
    "POST experts:seat_respond": lambda w, o: Form(accept="1"),
    "POST experts:seat_review": lambda w, o: Form(score=80, comment="可行"),
    "POST benefits:service_point_create": lambda w, o: Form(name="新检票口"),
    "POST benefits:account_create": lambda w, o: Form(
        username="matrix-new", full_name="新账号", password=PASSWORD
    ),
    "POST benefits:conflict_resolve": lambda w, o: Form(honour="void", note="重复"),
    "POST benefits:settlement_close": lambda w, o: Form(month=access_world.PAST_MONTH),
    # the API
    "POST /api/public/talentcode/verify": lambda w, o: {"code": "TC1:NOTACODE"},
    "POST /api/talentcode/verify": lambda w, o: {"code": "TC1:NOTACODE"},
    "POST /api/talentcode/my-code/offline": lambda w, o: _holder_key(),
    "POST /api/public/credentials/verify": lambda w, o: {"certificate_number": "ZJ0", "holder_name": "张伟"},
    "POST /api/public/auth/login": lambda w, o: {"username": "nobody", "password": "wrong"},
    "POST /api/public/auth/password-reset": lambda w, o: {"email": "nobody@example.cn"},
    "POST /api/register/talent": lambda w, o: {
        "name": "周五",
        "id_number": access_world.id_number(access_world.NINGBO, 21),
        "phone": "13805741234",
        "password": PASSWORD,
        "region": access_world.NINGBO,
    },
    "POST /api/register/employer": lambda w, o: Form(
        organisation_name="宁波某公司",
        credit_code=NEW_CREDIT_CODES[0],
        region=access_world.NINGBO,
        contact_name="王经理",
        username="matrix-employer",
        phone="13805745678",
        email="hr@example.cn",
        password=PASSWORD,
        licence=pdf("licence.pdf"),
    ),
    "POST /api/benefits/redemptions/check": lambda w, o: {"code": "TC1:NOTACODE", "benefit": "matrix-own"},
    "POST /api/benefits/redemptions": lambda w, o: _scan(),
    "POST /api/benefits/redemptions/sync": lambda w, o: {"items": [_scan()]},
    "POST /api/benefits/redemptions/{redemption_id}/resolve": lambda w, o: {"honour": False, "note": "重复"},
    "POST /api/benefits/catalogue": lambda w, o: {
        "code": "matrix-new",
        "provider_id": w.get("provider", "own").pk,
        "name": "新待遇",
        "grant": "free_entry",
        "valid_from": "2024-01-01",
    },
    "PATCH /api/benefits/catalogue/{code}": lambda w, o: {"name": "改名"},
    "POST /api/benefits/providers": lambda w, o: {
        "name": "新服务商",
        "kind": "scenic_spot",
        "credit_code": NEW_CREDIT_CODES[1],
    },
    "PATCH /api/benefits/providers/{provider_id}": lambda w, o: {"contact_phone": "0574-87654321"},
    "POST /api/benefits/providers/{provider_id}/service-points": lambda w, o: {"name": "新检票口"},
    "POST /api/benefits/service-points/{point_id}/accounts": lambda w, o: {
        "username": "matrix-new",
        "full_name": "新账号",
        "password": PASSWORD,
    },
    "POST /api/benefits/providers/{provider_id}/accounts": lambda w, o: {
        "username": "matrix-new",
        "full_name": "新账号",
        "password": PASSWORD,
    },
    "POST /api/benefits/insurance/imports": lambda w, o: Form(
        region=access_world.NINGBO, file=csv_file("身份证号码,姓名\n", "insurance.csv")
    ),
    "POST /api/core/auth/password": lambda w, o: {
        "old_password": "wrong",
        "new_password": "Another-Horse-2027",
    },
    "POST /api/core/organisations/{organisation_id}/decision": lambda w, o: {
        "approve": False,
        "note": "材料不全",
    },
    "POST /api/core/accounts": lambda w, o: {
        "username": "matrix-new",
        "full_name": "新账号",
        "role": "hr_reviewer",
        "region": access_world.NINGBO,
        "password": PASSWORD,
    },
    "POST /api/registry/imports": lambda w, o: Form(
        source_system="ningbo-talent-db", file=csv_file("人才编号,姓名\n", "ningbo.csv")
    ),
    "POST /api/registry/persons/{person_id}/consents": lambda w, o: {"region": _region_code_other_than(o)},
    "POST /api/registry/claims/{claim_id}/decision": lambda w, o: {"approve": False, "note": "不是本人"},
    "POST /api/registry/linkage/runs": lambda w, o: {"dry_run": True},
    "POST /api/registry/linkage/review/{pair_id}/decision": lambda w, o: {"verdict": "skip"},
    "POST /api/registry/linkage/persons/{person_id}/split": lambda w, o: {
        "records": [],
        "reason": "不是同一人",
    },
    "POST /api/registry/linkage/persons/{person_id}/merge": _merge_partner,
    "POST /api/registry/linkage/changes/{change_id}/undo": lambda w, o: {"reason": "误合并"},
    "POST /api/credentials/applications": lambda w, o: Form(
        kind="skill-2",
        certificate_number="ZJ2024JS000099",
        holder_name="张伟",
        id_number="330203199003074513",
        issued_on="2024-06-30",
        authority="zj-skills",
        target_region=access_world.NINGBO,
    ),
    "POST /api/credentials/applications/{application_id}/decision": lambda w, o: {
        "decision": "reject",
        "reason": "证书不清",
    },
    "POST /api/credentials/applications/{application_id}/supplement": lambda w, o: Form(note="补充材料"),
    "POST /api/credentials/registry/imports": lambda w, o: Form(file=csv_file("证书编号\n")),
    "PATCH /api/experts/experts/{expert_id}": lambda w, o: {"keywords": "催化、炼油"},
    "PATCH /api/experts/me": lambda w, o: {"keywords": "催化、炼油"},
    "POST /api/experts/me/conflicts": lambda w, o: {"organisation_name": "某公司", "reason": "曾任职"},
    "POST /api/experts/me/relations": lambda w, o: _relation(w),
    "POST /api/experts/imports": lambda w, o: Form(
        region=access_world.NINGBO, file=csv_file("专家编号,姓名\n", "experts.csv")
    ),
    "POST /api/experts/committees": lambda w, o: {
        "name": "新委员会",
        "field": _field().code,
        "established_on": "2024-01-01",
    },
    "POST /api/experts/committees/{committee_id}/members": lambda w, o: {
        "expert_id": w.get("expert", "city").pk
    },
    "POST /api/experts/studios": lambda w, o: {
        "name": "新工作室",
        "leader_id": w.get("expert", "city").pk,
        "host_credit_code": w.get("studio_host", "any").credit_code,
        "established_on": "2024-01-01",
    },
    "POST /api/experts/studios/{studio_id}/commissions": lambda w, o: {
        "kind": "project",
        "title": "委托",
        "client_name": "某公司",
        "client_region": access_world.NINGBO,
        "started_on": "2024-01-01",
    },
    "POST /api/experts/rounds": lambda w, o: {"name": "新评审", "deadline": TOMORROW},
    "POST /api/experts/rounds/{round_id}/projects": lambda w, o: {
        "title": "新项目",
        "applicant_organisation": "某公司",
        "region": access_world.NINGBO,
    },
    "POST /api/experts/invitations/{seat_id}/respond": lambda w, o: {"accept": True},
    "POST /api/experts/invitations/{seat_id}/review": lambda w, o: {"score": 80, "comment": "可行"},
}
QUERIES: dict[str, dict[str, str]] = {
    "GET /api/benefits/settlement": {"month": access_world.PAST_MONTH},
    "GET /api/benefits/settlement.xlsx": {"month": access_world.PAST_MONTH},
}


def _ningbo() -> Any:
    from talentlink.core.models import Region

    return Region.objects.get(code=access_world.NINGBO)


def _region_code_other_than(person: Any) -> str:
    return access_world.ZHOUSHAN if person.home_region.code == access_world.NINGBO else access_world.NINGBO


def _region_other_than(person: Any) -> int:
    from talentlink.core.models import Region

    return Region.objects.get(code=_region_code_other_than(person)).pk


def _field() -> Any:
    from talentlink.experts.models import Field

    return Field.objects.get(name="海洋生物")


def _relation(w: access_world.World) -> dict[str, Any]:
    from talentlink.core import crypto

    other = w.get("person", "city")
    return {
        "name": other.name,
        "id_number": crypto.id_number_open(other.id_number_encrypted),
        "kind": "co_author",
        "year": 2020,
        "title": "论文",
    }


def _scan() -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "code": "TC1:NOTACODE",
        "benefit": "matrix-own",
        "scanned_at": dt.datetime.now(dt.UTC).isoformat(),
    }


def _holder_key() -> dict[str, str]:
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec

    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    encode = lambda n: base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()  # noqa: E731
    return {"kty": "EC", "crv": "P-256", "x": encode(numbers.x), "y": encode(numbers.y)}


def _object(world: access_world.World, cell: Cell) -> Any:
    kind = cell.endpoint.kind
    return world.get(kind, cell.variant) if kind else None


def _url(cell: Cell, obj: Any) -> str:
    endpoint = cell.endpoint
    named = (obj.code if endpoint.kind in {"source", "benefit"} else obj.pk) if obj is not None else None
    values = {param: FIXED.get(param, named) for param in endpoint.params}
    if endpoint.is_api:
        return endpoint.name.format(**values)
    if endpoint.name.startswith("admin:"):
        return reverse(endpoint.name)
    return reverse(endpoint.name, kwargs=values)


# Tables a refused request may write to: the audit log (denials are recorded) and the session.
MAY_WRITE = ("core_auditevent", "django_session", "axes_")
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class Answer:
    status: int
    location: str
    body: bytes
    content_type: str
    raised: list[type]
    writes: list[str]


def ask(world: access_world.World, cell: Cell, monkeypatch: pytest.MonkeyPatch) -> Answer:
    """Send the cell's request as its identity; what came back, which refusals the services raised
    on the way (a page may turn them into a message) and which tables it wrote to."""
    client = Client(raise_request_exception=True)
    if cell.identity != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[cell.identity]
    raised: list[type] = []
    original = DomainError.__init__

    def spy(self: DomainError, *args: Any, **kwargs: Any) -> None:
        raised.append(type(self))
        original(self, *args, **kwargs)

    monkeypatch.setattr(DomainError, "__init__", spy)
    with CaptureQueriesContext(connection) as queries:
        response = _send(client, world, cell)
    monkeypatch.undo()
    writes = [m.group(1) for q in queries.captured_queries if (m := WRITE.match(q["sql"]))]
    return Answer(
        response.status_code, response.get("Location", ""), _content(response),
        response.get("Content-Type", ""), raised, [t for t in writes if not t.startswith(MAY_WRITE)],
    )  # fmt: skip


def _send(client: Client, world: access_world.World, cell: Cell) -> Any:
    endpoint, obj = cell.endpoint, _object(world, cell)
    url = _url(cell, obj)
    if endpoint.method == "GET":
        return client.get(url, QUERIES.get(endpoint.key, {}))
    body = BODIES.get(endpoint.key, lambda w, o: {} if endpoint.is_api else Form())(world, obj)
    if isinstance(body, Form):
        boundary = "matrixboundary"
        content_type = MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", boundary)
        return client.generic(endpoint.method, url, encode_multipart(boundary, dict(body)), content_type)
    return client.generic(endpoint.method, url, json.dumps(body, ensure_ascii=False), "application/json")


def _content(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)[:2000]
    return response.content[:2000]


def _login_redirect(answer: Answer) -> bool:
    return answer.status in (301, 302) and answer.location.startswith(
        (reverse("core:login"), reverse("admin:login"))
    )


def refused(cell: Cell, answer: Answer) -> bool:
    """401, 403 or 404; a page may also send anonymous to the login page, or turn the service's
    refusal into a message on the page it goes back to (nothing written)."""
    if answer.status in (401, 403, 404) or _login_redirect(answer):
        return True
    if cell.endpoint.is_api or answer.status >= 400:
        return False
    return any(issubclass(kind, (NotAllowed, NotFound)) for kind in answer.raised) and not answer.writes


def verdict(cell: Cell, answer: Answer) -> str:
    """What the platform did, in the table's words, or why it is neither."""
    if answer.status >= 500:
        return f"server error {answer.status}"
    if refused(cell, answer):
        return "refuse"
    if cell.endpoint.method == "GET" and answer.status >= 400:
        return f"neither: {answer.status}"
    if _empty(answer):
        return "empty"
    return "allow"


def _empty(answer: Answer) -> bool:
    return answer.status == 200 and "json" in answer.content_type and answer.body.strip() in (b"[]", b"")


def _agrees(cell: Cell, answer: Answer, found: str) -> bool:
    if cell.expected == "allow":
        return found in ("allow", "empty")
    if cell.expected == "empty":
        return found in ("empty", "refuse") and not answer.writes
    if found != "refuse" or answer.writes:
        return False
    return not _hidden(cell) or answer.status == 404


def _hidden(cell: Cell) -> bool:
    """Whether the cell reads a person, expert or round the (logged-in) reader may not see."""
    read = HIDDEN_AS_MISSING.get(cell.endpoint.kind or "")
    if read is None or cell.endpoint.method != "GET" or cell.identity == "anonymous":
        return False
    token = TABLE[read][cell.identity]
    token = token.expected if isinstance(token, Known) else token
    return _expected(token, cell.variant, read) == "refuse"


# What this process asked, for the closing note: var/access-matrix-<database>[-<xdist worker>].json.
TALLY: dict[str, Any] = {"cells": 0, "agreed": 0, "known": 0, "violations": [], "statuses": {}}


@pytest.fixture(scope="module", autouse=True)
def _tally():
    yield
    if not TALLY["cells"]:
        return

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    out = settings.VAR_DIR / f"access-matrix-{connection.vendor}{'-' + worker if worker else ''}.json"
    summary = {"database": connection.vendor, "of_cells": len(CELLS), **TALLY}
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=1))


def _count(cell: Cell, answer: Answer, found: str, agrees: bool) -> None:
    TALLY["cells"] += 1
    statuses = TALLY["statuses"].setdefault(cell.expected, {})
    statuses[str(answer.status)] = statuses.get(str(answer.status), 0) + 1
    if agrees and not cell.known:
        TALLY["agreed"] += 1
    elif cell.known and not agrees:
        TALLY["known"] += 1
    else:
        TALLY["violations"].append(f"{cell.id}: expected {cell.expected}, got {found} ({answer.status})")


@pytest.mark.parametrize("cell", [_param(c) for c in CELLS])
def test_access(cell: Cell, savepoint, monkeypatch) -> None:
    answer = ask(savepoint, cell, monkeypatch)
    found = verdict(cell, answer)
    _count(cell, answer, found, _agrees(cell, answer, found))
    assert _agrees(cell, answer, found), (
        f"{cell.id}: expected {cell.expected}, got {found} (HTTP {answer.status}"
        f"{' → ' + answer.location if answer.location else ''}"
        f"{', wrote ' + ', '.join(sorted(set(answer.writes))) if answer.writes else ''}): "
        f"{answer.body[:300].decode(errors='replace')}"
    )


def test_the_matrix_counts_its_cells(capsys):
    pages = sum(1 for c in CELLS if not c.endpoint.is_api and not c.endpoint.name.startswith("admin:"))
    admin_cells = sum(1 for c in CELLS if c.endpoint.name.startswith("admin:"))
    known = sum(1 for c in CELLS if c.known)
    with capsys.disabled():
        print(
            f"\naccess matrix: {len(ENDPOINTS)} pages, operations and lists × {len(ROLES)} identities: "
            f"{len(CELLS)} cells ({pages} page, {len(CELLS) - pages - admin_cells} API, {admin_cells} "
            f"back office); {known} known to fail"
        )
    assert len(CELLS) > 2000
