"""Request and response handling every page and endpoint shares: language, refusals, security."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from talentlink.core import permissions
from talentlink.core.errors import DomainError
from talentlink.core.models import Role

GetResponse = Callable[[HttpRequest], HttpResponse]


class ChineseFirstMiddleware:
    """Pages open in Chinese whatever the browser asks for; the language switch (a cookie)
    changes that. API clients keep choosing their language with Accept-Language."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class DomainErrorMiddleware:
    """Turns a service's refusal into a page with the right status and the message in the user's language."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return render(request, "core/error.html", {"message": exception.message}, status=exception.status)


class SecurityHeadersMiddleware:
    """Content-Security-Policy (``SECURE_CSP``, in the shape of Django 6's setting, so that Django's own
    middleware replaces this one on upgrade) and Permissions-Policy (``TALENTLINK_PERMISSIONS_POLICY``).
    A header a view set itself is kept."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.csp = "; ".join(" ".join([name, *values]) for name, values in settings.SECURE_CSP.items())
        self.permissions = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.TALENTLINK_PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's debug pages (DEBUG, development only) style themselves inline.
        debug_page = settings.DEBUG and response.status_code in (404, 500)
        if self.csp and not debug_page:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        return response


# Roles that read other people's records; their sessions end after TALENTLINK_STAFF_SESSION_MINUTES idle.
STAFF_SESSION_ROLES = frozenset(
    {Role.TALENT_OFFICE, Role.HR_REVIEWER, Role.REVIEW_ORGANISER, Role.PROVINCE_OBSERVER}
)
_SEEN_KEY = "_staff_seen_at"
# How often activity moves a staff session's expiry: each move is one session write.
_REFRESH_SECONDS = 60


def _has_staff_session(user: object) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (permissions.has_role(user, *STAFF_SESSION_ROLES) or bool(getattr(user, "is_staff", False)))
    )


def _staff_session_refresh(session: object) -> None:
    session[_SEEN_KEY] = int(time.time())  # type: ignore[index]
    session.set_expiry(settings.TALENTLINK_STAFF_SESSION_MINUTES * 60)  # type: ignore[attr-defined]


def staff_session_start(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """On login (``user_logged_in``, connected in CoreConfig.ready): a staff session gets the short expiry."""
    if _has_staff_session(user):
        _staff_session_refresh(request.session)


class StaffSessionMiddleware:
    """Staff sessions expire after a short idle time (talents keep SESSION_COOKIE_AGE).

    Activity saves the session again, which moves its expiry, at most once a minute."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a request that read its session is activity; asking for the user here would cost a
        # request that never needed it a session and a user query. Only staff sessions carry the key.
        if session is not None and session.accessed:
            seen = session.get(_SEEN_KEY)
            if seen is not None and time.time() - seen >= _REFRESH_SECONDS:
                _staff_session_refresh(session)
        return response


_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Bodies the API reads: JSON, and forms with file uploads. text/plain (what a cross-site form may
# send without the browser asking first) is refused, so a forged JSON body never reaches a parser.
_API_CONTENT_TYPES = frozenset(
    {"application/json", "multipart/form-data", "application/x-www-form-urlencoded"}
)


def _origin_allowed(request: HttpRequest, origin: str) -> bool:
    if origin == f"{request.scheme}://{request.get_host()}":
        return True
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        # Django's wildcard form: https://*.example.cn trusts every subdomain.
        scheme, _sep, host = trusted.partition("://*.")
        if _sep and parts.scheme == scheme and (parts.hostname or "").endswith("." + host):
            return True
    return False


def _api_refusal(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


class ApiRequestGuardMiddleware:
    """Writes through the JSON API come from the platform's own pages or from clients that are not
    browsers: a request another site's page makes (its Origin, or Sec-Fetch-Site: cross-site) is
    refused, and so is a body that is neither JSON nor a form. Endpoints behind a session also check
    the CSRF token (django-ninja's session auth); this covers the public ones (login, registration)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in _UNSAFE_METHODS and request.path.startswith("/api/"):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        origin = request.headers.get("Origin")
        cross_site = request.headers.get("Sec-Fetch-Site") == "cross-site"
        if (origin is not None and not _origin_allowed(request, origin)) or (cross_site and origin is None):
            return _api_refusal(
                "cross_origin", _("Requests from other websites are not accepted."), status=403
            )
        content_type = request.content_type or ""
        has_body = int(request.META.get("CONTENT_LENGTH") or 0) > 0
        if has_body and not (content_type in _API_CONTENT_TYPES or content_type.endswith("+json")):
            return _api_refusal(
                "content_type",
                _("Send the request body as JSON (Content-Type: application/json)."),
                status=415,
            )
        return None
