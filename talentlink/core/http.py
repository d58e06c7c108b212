"""Request types for the type checker.

Views behind ``login_required`` and API operations behind the API's session auth only ever see a
signed-in account; annotating them with :class:`AuthedRequest` tells mypy so, instead of every
call site narrowing ``User | AnonymousUser`` again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from talentlink.core.models import User


class AuthedRequest(HttpRequest):
    user: User  # narrower than HttpRequest's: login is required
    htmx: HtmxDetails  # set on every request by django_htmx's HtmxMiddleware
