"""E-mail to a user or an address in the recipient's language, with absolute links.

Every message the platform sends goes through ``mail_to``: it renders the subject and body under
the recipient's language (their account's ``preferred_language``, else the platform default),
turns the link into an absolute URL on ``TALENTLINK_BASE_URL`` and sends once the transaction
commits, so that a rolled-back decision sends nothing."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

if TYPE_CHECKING:
    from talentlink.core.models import User

logger = logging.getLogger(__name__)


def site_url(path: str) -> str:
    """The absolute URL of a path on this platform (a link in an e-mail is read outside the site)."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.TALENTLINK_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def language_of(user: User | None) -> str:
    """The language a user reads the platform's messages in."""
    return (getattr(user, "preferred_language", "") or "") or settings.LANGUAGE_CODE


def mail_to(
    *,
    recipient: User | str,
    subject: Any = "",
    body: Any = "",
    params: dict[str, Any] | None = None,
    template: str = "",
    subject_template: str = "",
    context: dict[str, Any] | None = None,
    link: str = "",
    language: str = "",
    on_commit: bool = True,
) -> None:
    """Send one message in the recipient's language once the transaction commits (or at once).

    ``subject`` and ``body`` are (lazy) msgids formatted with ``params``; or ``subject_template``
    and ``template`` render them with ``context``. ``link`` (a path) is made absolute and follows
    the body, and is ``link`` in the template's context."""
    address = recipient if isinstance(recipient, str) else recipient.email
    if not address:
        return
    language = language or language_of(None if isinstance(recipient, str) else recipient)
    absolute = site_url(link)
    with translation.override(language):
        values = {k: str(v) if isinstance(v, Promise) else v for k, v in (params or {}).items()}
        subject_text = str(subject) % values if values else str(subject)
        if subject_template:
            subject_text = " ".join(render_to_string(subject_template, context or {}).split())
        if template:
            text: str = render_to_string(template, {**(context or {}), "link": absolute})
        else:
            text = str(body) % values if values else str(body)
            text = f"{text}\n\n{absolute}" if absolute else text
    if on_commit:
        transaction.on_commit(lambda: _send(address, subject_text, text))
    else:
        _send(address, subject_text, text)


def _send(address: str, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, None, [address])
    except OSError:
        # What the mail told is kept on the platform; a mail server outage must not undo a decision.
        logger.warning("e-mail not sent", exc_info=True)
