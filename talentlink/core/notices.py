"""The catalogue of notifications: a code names a subject and a body (msgids), and a notification
stores only the code and its parameters, so that each reader reads it in their own language.

An app registers its notices at import (``notice_register`` at module level, beside the service
that sends them) and sends them with ``credentials.services.notify`` (the inbox)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language

Params = dict[str, Any]


@dataclass(frozen=True)
class Notice:
    code: str
    subject: Promise
    body: Promise
    # Turns the stored parameters into the active language's (a name in either language, codes).
    localise: Callable[[Params], Params] | None = None

    def render(self, params: Params) -> tuple[str, str]:
        """Subject and body in the active language."""
        values = self.localise(params) if self.localise else params
        values = {k: str(v) if isinstance(v, Promise) else v for k, v in values.items()}
        return str(self.subject) % values, str(self.body) % values


NOTICES: dict[str, Notice] = {}


def notice_register(
    code: str, *, subject: Promise, body: Promise, localise: Callable[[Params], Params] | None = None
) -> Notice:
    """Add a notice to the catalogue (once per code, at import)."""
    notice = Notice(code=code, subject=subject, body=body, localise=localise)
    NOTICES[code] = notice
    return notice


def localised(params: Params, *names: str) -> Params:
    """``name`` from ``name`` (Chinese) or ``name_en`` by the active language, for each of names."""
    english = (get_language() or "").startswith("en")
    out = {k: v for k, v in params.items() if not k.endswith("_en")}
    for name in names:
        out[name] = (params.get(f"{name}_en") if english else None) or params.get(name, "")
    return out
