"""The JSON API: one NinjaAPI mounting each app's router; OpenAPI at /api/docs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from talentlink.benefits import api as benefits_api
from talentlink.core.api import public_router
from talentlink.core.api import router as core_router
from talentlink.core.errors import DomainError
from talentlink.credentials import api as credentials_api
from talentlink.experts import api as experts_api
from talentlink.registry.api import public_router as registry_public_router
from talentlink.registry.api import router as registry_router
from talentlink.talentcode import api as talentcode_api

api = NinjaAPI(
    title="TalentLink 甬舟人才通 API",
    version="1",
    description=(
        "Ningbo–Zhoushan shared talent platform. Session authentication: "
        "log in at /accounts/login/ or POST /api/public/auth/login."
    ),
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body = {"code": exc.code, "message": str(exc.message)}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


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
