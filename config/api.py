"""The JSON API: one NinjaAPI mounting each app's router; OpenAPI at /api/docs.

Every error answer has one shape (``ErrorOut``: code, message, field, detail) whether a service
refused the request, the request did not validate or could not be read, or the caller is not logged
in; each operation's OpenAPI declares the error statuses it may answer with that shape.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema
from ninja.security import django_auth

from talentlink.benefits import api as benefits_api
from talentlink.core.api import public_router
from talentlink.core.api import router as core_router
from talentlink.core.errors import DomainError
from talentlink.core.schemas import ErrorOut
from talentlink.credentials import api as credentials_api
from talentlink.experts import api as experts_api
from talentlink.indicators import api as indicators_api
from talentlink.market import api as market_api
from talentlink.registry.api import public_router as registry_public_router
from talentlink.registry.api import router as registry_router
from talentlink.talentcode import api as talentcode_api

# What any operation may answer besides its own results: a refusal by a service (400, 403, 404,
# 409, 429 from DomainError), a body that cannot be read (400). 401 only where a login is required,
# 422 only where there is a parameter or body to validate, 415 only on writes.
ERROR_STATUSES = (400, 403, 404, 409, 429)
UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})


class TalentLinkAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        schema["components"]["schemas"]["ErrorOut"] = ErrorOut.model_json_schema(
            ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode="serialization"
        )
        for path_item in schema["paths"].values():
            for method, operation in path_item.items():
                _declare_errors(method, operation)
        return schema


def _declare_errors(method: str, operation: dict[str, Any]) -> None:
    statuses = list(ERROR_STATUSES)
    if operation.get("security"):
        statuses.append(401)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(422)
    if method in UNSAFE_METHODS:
        statuses.append(415)  # a body that is neither JSON nor a form (core.middleware)
    error = {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="ErrorOut")}}}
    responses = operation["responses"]
    for status in sorted(statuses):
        if status not in responses and str(status) not in responses:
            responses[status] = {"description": HTTPStatus(status).phrase, "content": error}


api = TalentLinkAPI(
    title="TalentLink 甬舟人才通 API",
    version="1",
    description=(
        "Ningbo–Zhoushan shared talent platform. Session authentication: "
        "log in at /accounts/login/ or POST /api/public/auth/login."
    ),
    auth=django_auth,
    urls_namespace="api",
)


def error_response(request: HttpRequest, status: int, code: str, message: Any, **extra: Any) -> HttpResponse:
    body = {"code": code, "message": str(message), **{k: v for k, v in extra.items() if v is not None}}
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, field=exc.field)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0]["loc"] if exc.errors else ()
    field = next((str(part) for part in reversed(first) if isinstance(part, str)), None)
    return error_response(
        request, 422, "validation", _("Some values are missing or not valid."),
        field=field, detail=exc.errors,
    )  # fmt: skip


# Django raises these while reading the request (a multipart body without its boundary, too many
# fields, a body over DATA_UPLOAD_MAX_MEMORY_SIZE); outside ninja they would be an HTML 400, and a
# 500 with DEBUG on.
@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def unreadable_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 400, "malformed_request", _("The request body could not be read."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals: 401 without a login, 403 without the CSRF token, 429 when throttled."""
    code, message = {
        401: ("not_authenticated", _("Log in first.")),
        403: ("csrf", _("The request lacks a valid CSRF token; reload the page and try again.")),
        429: ("throttled", _("Too many requests; wait a moment and try again.")),
    }.get(exc.status_code, ("http_error", exc.message))
    return error_response(request, exc.status_code, code, message)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, "forbidden", _("You may not do this."))


# URL patterns are tried in order: the endpoints that counters and the public call most (code
# and certificate verification) come first, ahead of some 120 staff endpoints.
api.add_router("/public/talentcode", talentcode_api.public_router, auth=None)
api.add_router("/talentcode", talentcode_api.router)
api.add_router("/public/credentials", credentials_api.public_router, auth=None)
api.add_router("/public/benefits", benefits_api.public_router, auth=None)
api.add_router("/benefits", benefits_api.router)
api.add_router("/public", public_router, auth=None)
api.add_router("/register", registry_public_router, auth=None)
api.add_router("/core", core_router)
api.add_router("/registry", registry_router)
api.add_router("/credentials", credentials_api.router)
api.add_router("/experts", experts_api.router)
api.add_router("/indicators", indicators_api.router)
api.add_router("/market", market_api.router)
