"""The API's contract at its edges (issue 12, findings 6 and 13): paging bounds, unreadable bodies,
one error shape, and an OpenAPI that declares what the operations answer."""

from __future__ import annotations

import typing
from collections import defaultdict
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel

from talentlink.core.models import AuditEvent
from talentlink.core.schemas import ErrorOut

# Every list operation that pages, with the most it gives at once.
PAGED = {
    "/api/core/audit": 1000,
    "/api/credentials/applications": 500,
    "/api/credentials/notifications": 500,
    "/api/credentials/review-queue": 500,
    "/api/credentials/registry/imports": 500,
    "/api/credentials/registry/imports/1/errors": 100_000,
    "/api/registry/persons": 500,
    "/api/registry/imports": 500,
    "/api/registry/imports/1/errors": 100_000,
    "/api/registry/linkage/runs": 500,
    "/api/registry/linkage/review": 500,
    "/api/experts/experts": 500,
    "/api/experts/workloads": 1000,
    "/api/benefits/redemptions": 500,
    "/api/benefits/conflicts": 500,
    "/api/benefits/me/redemptions": 500,
}


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    ErrorOut.model_validate(body)
    return body


@pytest.mark.parametrize("url", sorted(PAGED))
@pytest.mark.parametrize("param", ["limit", "offset"])
def test_a_negative_limit_or_offset_is_refused_not_a_server_error(
    url, param, admin_user, client_of, settings
):
    settings.DEBUG = True  # as the demo runs: an unhandled error would be a 500 with a traceback
    client = client_of(admin_user)
    client.raise_request_exception = False
    body = _error(client.get(url, {param: -1}), 422)
    assert (body["code"], body["field"]) == ("validation", param)
    assert body["detail"][0]["loc"] == ["query", param]


@pytest.mark.parametrize("url", sorted(PAGED))
def test_a_limit_over_the_largest_page_is_refused(url, admin_user, client_of):
    body = _error(client_of(admin_user).get(url, {"limit": PAGED[url] + 1}), 422)
    assert body["field"] == "limit"


def test_offset_and_limit_page_through_a_list(nb_office, client_of):
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=nb_office, actor_username="nb-office", action=AuditEvent.Action.CREATE,
                   object_type="test.thing", object_id=str(i), object_region="330200",
                   channel=AuditEvent.Channel.COMMAND)
        for i in range(5)
    )  # fmt: skip
    client = client_of(nb_office)
    everything = client.get("/api/core/audit", {"object_type": "test.thing"}).json()
    page = client.get("/api/core/audit", {"object_type": "test.thing", "limit": 2, "offset": 1}).json()
    assert [e["object_id"] for e in everything] == ["4", "3", "2", "1", "0"]
    assert [e["object_id"] for e in page] == ["3", "2"]


@pytest.mark.parametrize("as_who", ["anonymous", "talent office"])
@pytest.mark.parametrize(
    "url", ["/api/register/employer", "/api/registry/imports", "/api/credentials/applications"]
)
def test_a_multipart_body_without_its_boundary_is_a_400_with_the_error_body(url, as_who, nb_office, settings):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    if as_who != "anonymous":
        client.force_login(nb_office)
    response = client.post(url, data=b"--x\r\n", content_type="multipart/form-data")
    if as_who == "anonymous" and url != "/api/register/employer":
        _error(response, 401)
        return
    assert _error(response, 400)["code"] == "malformed_request"


def test_ninjas_own_refusals_have_the_projects_error_body(nb_office, client_of):
    assert _error(Client().get("/api/core/me"), 401)["code"] == "not_authenticated"
    assert _error(client_of(nb_office).get("/api/registry/persons/abc"), 422)["field"] == "person_id"
    # A session without the CSRF token (django-ninja's session auth checks it on writes).
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(nb_office)
    assert _error(strict.post("/api/core/auth/logout"), 403)["code"] == "csrf"


# --- The OpenAPI ---------------------------------------------------------------------------------


def _models(annotation: Any, seen: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, seen)
    for argument in typing.get_args(annotation):
        _models(argument, seen)


def test_no_two_schemas_of_the_api_share_a_name():
    from config.api import api

    seen: set[type[BaseModel]] = set()
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    _models(model, seen)
    by_name = defaultdict(set)
    for model in seen:
        if model.__module__.startswith(("talentlink", "config")):
            by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    assert {name: classes for name, classes in by_name.items() if len(classes) > 1} == {}


@pytest.fixture
def openapi(db) -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def _schema(openapi: dict[str, Any], ref: str) -> dict[str, Any]:
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_the_registry_imports_are_documented_with_their_own_schema(openapi):
    listed = openapi["paths"]["/api/registry/imports"]["get"]["responses"]["200"]
    item = _schema(openapi, listed["content"]["application/json"]["schema"]["items"]["$ref"])
    assert {"source_system", "warning_count", "progress"} <= set(item["properties"])
    expert = openapi["paths"]["/api/experts/imports"]["post"]["responses"]["201"]
    assert (
        "written" in _schema(openapi, expert["content"]["application/json"]["schema"]["$ref"])["properties"]
    )


def test_every_operation_declares_its_error_answers_with_the_error_schema(openapi):
    error_ref = "#/components/schemas/ErrorOut"
    assert set(_schema(openapi, error_ref)["required"]) == {"code", "message"}
    operations = [(m, p, op) for p, item in openapi["paths"].items() for m, op in item.items()]
    assert len(operations) > 100
    for method, path, operation in operations:
        responses = operation["responses"]
        expected = {"400", "403", "404", "409", "429"}
        if operation.get("security"):
            expected.add("401")
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add("422")
        if method in {"post", "put", "patch", "delete"}:
            expected.add("415")
        assert expected <= set(responses), (method, path, sorted(responses))
        for status in expected:
            # ErrorOut, or a schema that extends it (the insurance import's refusal)
            declared = _schema(openapi, responses[status]["content"]["application/json"]["schema"]["$ref"])
            assert {"code", "message"} <= set(declared["required"]), (method, path, status)


def test_the_insurance_imports_refusal_is_declared_as_an_error_with_the_rejected_import(openapi):
    answer = openapi["paths"]["/api/benefits/insurance/imports"]["post"]["responses"]["400"]
    declared = _schema(openapi, answer["content"]["application/json"]["schema"]["$ref"])
    assert {"code", "message"} <= set(declared["required"]) and "rejected" in declared["properties"]
