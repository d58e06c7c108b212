"""The catalogue of notifications: a code names a subject and a body (msgids), and a notification
stores only the code and its parameters, so that each reader reads it in their own language.

An app registers its notices at import (``notice_register`` at module level, beside the service
that sends them) and sends them with ``credentials.services.notify`` (the inbox); ``notice_get``
loads every app's services first, so a reader finds a notice whichever module the process loaded.
:func:`notice_mail` is the one place a notice is rendered in its reader's language and mailed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import get_language, override

from talentlink.core.mail import language_of, mail_to

if TYPE_CHECKING:
    from talentlink.core.models import User

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


_discovered = False


def notice_get(code: str) -> Notice | None:
    """The notice of ``code``, or None for a code no app registers (an old row keeps its text)."""
    global _discovered
    if code not in NOTICES and not _discovered:
        autodiscover_modules("services")  # where the apps register their notices
        _discovered = True
    return NOTICES.get(code)


def notice_mail(*, user: User, notice: Notice, params: Params, link: str = "") -> tuple[str, str]:
    """E-mail a notice to its reader in their language once the transaction commits; the subject
    and body as rendered (an inbox keeps them for the day no app registers the code any more)."""
    language = language_of(user)
    with override(language):
        subject, body = notice.render(params)
    mail_to(recipient=user, subject=subject, body=body, link=link, language=language)
    return subject, body


def localised(params: Params, *names: str) -> Params:
    """``name`` from ``name`` (Chinese) or ``name_en`` by the active language, for each of names."""
    english = (get_language() or "").startswith("en")
    out = {k: v for k, v in params.items() if not k.endswith("_en")}
    for name in names:
        out[name] = (params.get(f"{name}_en") if english else None) or params.get(name, "")
    return out
