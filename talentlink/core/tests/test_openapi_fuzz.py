"""Schemathesis against the platform's own OpenAPI: every operation, anonymous and as each role.

For each operation Hypothesis generates cases from the schema, derandomized (the same cases every
run): valid ones, each sent to the WSGI application as every identity, and invalid ones, each sent
once. Each call runs in a savepoint rolled back afterwards, so that every call sees the same demo
data whatever the one before did (a logout, a merge, a closed month). A call fails when the answer
is a server error, has a status the operation does not declare, or a body or content type that
does not match the declaration. Invalid cases are held to the same checks, not to schemathesis's
"must be refused": pydantic's lax mode takes 1 for true and "5" for 5 by design.

The counts (operations, cases, calls, failures, statuses) go to stdout and to
var/openapi-fuzz-<database>.json for the issue's closing note. ``TALENTLINK_FUZZ_EXAMPLES`` and
``TALENTLINK_FUZZ_NEGATIVE_EXAMPLES`` raise the cases per operation for a longer probe.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Err, Ok

# Valid cases per operation, each sent as every identity; invalid ones, each sent once (as the
# superuser, or anonymously to a public operation: the refusal does not depend on the role).
EXAMPLES = int(os.environ.get("TALENTLINK_FUZZ_EXAMPLES", "3"))
NEGATIVE_EXAMPLES = int(os.environ.get("TALENTLINK_FUZZ_NEGATIVE_EXAMPLES", "4"))

# One account of each role from the demo (talentlink/registry/management/commands/demo_load.py and
# the apps' demo_load hooks), the superuser, and no one. The talent is the registered demo talent.
IDENTITIES = {
    "anonymous": None,
    "superuser": "admin",
    "talent_office": "nb-office",
    "hr_reviewer": "zs-hr",
    "employer": "nb-employer",
    "service_point": "nb-spot",
    "review_organiser": "zs-organiser",
    "province_observer": "province",
    "benefit_provider": "nb-tianyige",
    "talent": None,  # filled in from the demo's first talent
}


@dataclass
class Tally:
    cases: int = 0
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    unnegatable: list[str] = field(default_factory=list)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


@pytest.fixture
def quiet_refusals() -> Iterator[None]:
    # Thousands of 4xx warnings from django.request; server errors (ERROR) still show.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@pytest.fixture
def wsgi_requests_in_the_test_transaction() -> Iterator[None]:
    # As Django's test client does: the WSGI handler would otherwise close the test's connection
    # (and its transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _credentials(username: str | None) -> dict[str, Any]:
    """Session and CSRF cookies (and the CSRF header) of a logged-in account, or only CSRF."""
    client = Client()
    if username is not None:
        client.force_login(get_user_model().objects.get(username=username))
    request = RequestFactory().get("/")
    token = get_token(request)
    cookies = {settings.CSRF_COOKIE_NAME: request.META["CSRF_COOKIE"]}
    if username is not None:
        cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"cookies": cookies, "headers": {"X-CSRFToken": token}}


def _known_ids() -> dict[str, list[Any]]:
    """Ids of objects the demo holds, by the path parameter that names them, so that cases reach
    existing objects (and not only 404) as often as not."""
    from talentlink.benefits.models import Benefit, Provider, Redemption, ServicePoint
    from talentlink.core.models import Organisation
    from talentlink.credentials.models import Application, Notification, RegistryImport
    from talentlink.experts.models import Assignment, Committee, Expert, ExpertImport, ReviewRound, Studio
    from talentlink.registry.models import (
        Consent,
        ImportBatch,
        LinkageRun,
        Person,
        PersonChange,
        ReviewPair,
        SourceSystem,
        TalentClaim,
    )

    def ids(model: Any, field_name: str = "pk") -> list[Any]:
        return list(model.objects.order_by("pk").values_list(field_name, flat=True)[:20])

    return {
        "person_id": ids(Person), "batch_id": ids(ImportBatch), "consent_id": ids(Consent),
        "claim_id": ids(TalentClaim), "run_id": ids(LinkageRun), "pair_id": ids(ReviewPair),
        "change_id": ids(PersonChange), "organisation_id": ids(Organisation),
        "application_id": ids(Application), "notification_id": ids(Notification),
        "import_id": ids(RegistryImport) + ids(ExpertImport), "provider_id": ids(Provider),
        "point_id": ids(ServicePoint), "redemption_id": ids(Redemption), "expert_id": ids(Expert),
        "committee_id": ids(Committee), "studio_id": ids(Studio), "round_id": ids(ReviewRound),
        "seat_id": ids(Assignment), "code": ids(Benefit, "code") + ids(SourceSystem, "code"),
        "region_code": ["330200", "330900"], "month": ["2026-04", "2026-05"],
    }  # fmt: skip


def _run_operation(operation: Any, identities: dict[str, dict[str, Any]], known: dict[str, list[Any]],
                   mode: GenerationMode, tally: Tally) -> None:  # fmt: skip
    checks = [
        schemathesis.checks.not_a_server_error,
        schemathesis.checks.status_code_conformance,
        schemathesis.checks.content_type_conformance,
        schemathesis.checks.response_schema_conformance,
    ]
    examples = EXAMPLES
    if mode is GenerationMode.NEGATIVE:
        examples = NEGATIVE_EXAMPLES
        who = "superuser" if operation.definition.raw.get("security") else "anonymous"
        identities = {who: identities[who]}

    @hypothesis_settings(
        max_examples=examples, deadline=None, derandomize=True, database=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        for name in case.path_parameters or {}:
            if known.get(name) and mode is GenerationMode.POSITIVE and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(known[name]))
        tally.cases += 1
        for who, credentials in identities.items():
            with transaction.atomic():
                response = case.call(**credentials)
                transaction.set_rollback(True)
            tally.calls += 1
            tally.statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=checks)
            except (Failure, FailureGroup) as exc:
                tally.failures.append(
                    f"{operation.label} as {who} ({mode.value}): {response.status_code} {exc}"[:1500]
                )

    started = time.monotonic()
    try:
        run()
    except Unsatisfiable:
        # Nothing to negate (no parameters, no body); every other refusal is a failure.
        if mode is GenerationMode.POSITIVE:
            raise
        tally.unnegatable.append(operation.label)
    tally.seconds[operation.label] += time.monotonic() - started


def test_every_operation_answers_as_declared_for_every_role(
    db, tmp_path, wsgi_requests_in_the_test_transaction, quiet_refusals
):
    from config.wsgi import application
    from talentlink.registry import demo

    started = time.monotonic()
    call_command("demo_load", size=40, out=tmp_path, stdout=io.StringIO())
    identities = {**IDENTITIES, "talent": demo.first_talent().phone}
    credentials = {who: _credentials(username) for who, username in identities.items()}
    known = _known_ids()
    # Each call carries an identity's session cookie: the generated cases leave out the cookie the
    # security scheme names (negating it would only test that a missing session is refused).
    config = SchemathesisConfig.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=config)
    results = list(schema.get_all_operations())
    assert not [r.err() for r in results if isinstance(r, Err)], "the OpenAPI schema has invalid operations"
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    tally = Tally()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run_operation(operation, credentials, known, mode, tally)
    summary = {
        "database": connection.vendor, "operations": len(operations), "identities": len(identities),
        "cases": tally.cases, "calls": tally.calls, "failures": len(tally.failures),
        "statuses": dict(sorted(tally.statuses.items())), "seconds": round(time.monotonic() - started, 1),
        "slowest": {label: round(s, 1) for label, s in sorted(tally.seconds.items(), key=lambda i: -i[1])[:10]},
    }  # fmt: skip
    print("openapi fuzz:", json.dumps(summary))
    out = settings.VAR_DIR / f"openapi-fuzz-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**summary, "failed": tally.failures}, ensure_ascii=False, indent=1))
    assert not tally.failures, "\n\n".join(tally.failures[:40])
