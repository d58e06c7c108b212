"""The province's certificate registry, behind one interface.

The platform cannot reach the provincial network (浙江政务服务网) itself, so the registry is a data
source chosen by ``TALENTLINK_CERT_REGISTRY``:

- ``local``: the platform's own copy of the province's certificate list
  (:class:`~talentlink.credentials.models.RegistryCertificate`), fed by imports;
- ``http``: a registry service speaking the JSON contract of ``docs/credentials.md``; every answer
  is signed with HMAC-SHA256 under a shared secret, echoes the request's nonce and carries its
  time. An unsigned, tampered, replayed, stale or inconsistent answer is refused.

A lookup is by certificate number, holder name and ID number. The answer says whether the
certificate exists and whether the name and ID number given match it — never the holder's data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any, NoReturn, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core import crypto
from talentlink.core.errors import DomainError

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Registry-Signature"
TIMESTAMP_HEADER = "X-Registry-Timestamp"


class RegistryUnavailable(DomainError):
    """The registry could not be asked (network, timeout, server error)."""

    status = 503


class RegistryAnswerRefused(DomainError):
    """The registry's answer is not trustworthy (unsigned, tampered, replayed, inconsistent)."""

    status = 502


@dataclass(frozen=True, slots=True)
class RegistryQuery:
    certificate_number: str
    holder_name: str
    id_number: str  # normalised; never logged


@dataclass(frozen=True, slots=True)
class RegistryAnswer:
    """What the registry says about one certificate; kept as the evidence of a decision."""

    backend: str
    found: bool
    certificate_number: str
    checked_at: str
    kind: str = ""
    holder_name_matches: bool = False
    id_number_matches: bool = False
    issued_on: str = ""
    valid_until: str = ""
    authority: str = ""
    status: str = ""
    withdrawn_on: str = ""
    signed: bool = False

    def as_evidence(self) -> dict[str, Any]:
        return asdict(self)


class CertificateRegistry(Protocol):
    name: str

    def lookup(self, query: RegistryQuery) -> RegistryAnswer: ...


def _now_text() -> str:
    return timezone.now().isoformat(timespec="seconds")


def normalise_name(name: str) -> str:
    return "".join((name or "").split())


class LocalRegistry:
    """The platform's imported copy of the province's certificate list."""

    name = "local"

    def lookup(self, query: RegistryQuery) -> RegistryAnswer:
        from talentlink.credentials.models import RegistryCertificate

        cert = (
            RegistryCertificate.objects.select_related("kind", "authority")
            .filter(number=query.certificate_number)
            .first()
        )
        if cert is None:
            return RegistryAnswer(
                backend=self.name, found=False, certificate_number=query.certificate_number,
                checked_at=_now_text(),
            )  # fmt: skip
        return RegistryAnswer(
            backend=self.name, found=True, certificate_number=cert.number, checked_at=_now_text(),
            kind=cert.kind.code,
            holder_name_matches=normalise_name(cert.holder_name) == normalise_name(query.holder_name),
            id_number_matches=hmac.compare_digest(
                cert.id_number_index, crypto.id_number_index(query.id_number)
            ),
            issued_on=cert.issued_on.isoformat(),
            valid_until=cert.valid_until.isoformat() if cert.valid_until else "",
            authority=cert.authority.code, status=cert.status,
            withdrawn_on=cert.withdrawn_on.isoformat() if cert.withdrawn_on else "",
        )  # fmt: skip


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature of an answer (and of a request): HMAC-SHA256 over "timestamp.body", hex."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


_ANSWER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "kind": str, "holder_name_matches": bool, "id_number_matches": bool, "issued_on": str,
    "valid_until": (str, type(None)), "authority": str, "status": str,
    "withdrawn_on": (str, type(None)),
}  # fmt: skip


class HttpRegistry:
    """A registry service speaking the signed JSON contract (docs/credentials.md)."""

    name = "http"

    def __init__(self, *, url: str, secret: str, timeout: float = 5.0, max_skew: int = 300) -> None:
        if not url or not secret:
            raise ImproperlyConfigured(
                "TALENTLINK_CERT_REGISTRY=http needs TALENTLINK_CERT_REGISTRY_URL and _SECRET."
            )
        self.url = url.rstrip("/") + "/v1/certificates/lookup"
        self.secret = secret
        self.timeout = timeout
        self.max_skew = max_skew

    def lookup(self, query: RegistryQuery) -> RegistryAnswer:
        nonce = secrets.token_hex(16)
        body = json.dumps(
            {"certificate_number": query.certificate_number, "holder_name": query.holder_name,
             "id_number": query.id_number, "nonce": nonce},
            ensure_ascii=False,
        ).encode()  # fmt: skip
        timestamp = str(int(timezone.now().timestamp()))
        request = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                     SIGNATURE_HEADER: sign(self.secret, timestamp, body)},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw, headers = response.read(), response.headers
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            logger.warning("certificate registry unreachable: %s", type(exc).__name__)
            raise RegistryUnavailable(
                _("The certificate registry cannot be reached; please try again later."), code="registry_down"
            ) from None
        return self._verified(query, nonce, raw, headers)

    def _verified(self, query: RegistryQuery, nonce: str, raw: bytes, headers: Any) -> RegistryAnswer:
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature or not hmac.compare_digest(signature, sign(self.secret, timestamp, raw)):
            _refuse("unsigned or tampered answer" if signature else "unsigned answer")
        try:
            age = abs(timezone.now().timestamp() - int(timestamp))
        except ValueError:
            age = float("inf")
        if age > self.max_skew:
            _refuse("stale answer")
        try:
            data = json.loads(raw)
        except ValueError:
            _refuse("not JSON")
        if not isinstance(data, dict) or data.get("nonce") != nonce:
            _refuse("nonce mismatch (replayed answer)")
        return self._answer(query, data)

    def _answer(self, query: RegistryQuery, data: dict[str, Any]) -> RegistryAnswer:
        if data.get("certificate_number") != query.certificate_number or not isinstance(
            data.get("found"), bool
        ):
            _refuse("answer about another certificate")
        if not data["found"]:
            return RegistryAnswer(
                backend=self.name, found=False, certificate_number=query.certificate_number,
                checked_at=_now_text(), signed=True,
            )  # fmt: skip
        cert = data.get("certificate")
        if not isinstance(cert, dict) or any(
            not isinstance(cert.get(key), kinds) for key, kinds in _ANSWER_FIELDS.items()
        ):
            _refuse("malformed certificate")
        if cert["status"] not in {"valid", "withdrawn"} or not _is_date(cert["issued_on"]):
            _refuse("malformed certificate")
        return RegistryAnswer(
            backend=self.name, found=True, certificate_number=query.certificate_number,
            checked_at=_now_text(), kind=cert["kind"],
            holder_name_matches=cert["holder_name_matches"], id_number_matches=cert["id_number_matches"],
            issued_on=cert["issued_on"], valid_until=cert["valid_until"] or "",
            authority=cert["authority"], status=cert["status"], withdrawn_on=cert["withdrawn_on"] or "",
            signed=True,
        )  # fmt: skip


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _refuse(why: str) -> NoReturn:
    logger.warning("certificate registry answer refused: %s", why)
    raise RegistryAnswerRefused(
        _("The certificate registry's answer could not be verified; nothing was recorded."),
        code="registry_answer_refused",
    )


def registry_backend() -> CertificateRegistry:
    """The registry configured by ``TALENTLINK_CERT_REGISTRY`` (``local`` or ``http``)."""
    choice = getattr(settings, "TALENTLINK_CERT_REGISTRY", "local")
    if choice == "local":
        return LocalRegistry()
    if choice == "http":
        return HttpRegistry(
            url=getattr(settings, "TALENTLINK_CERT_REGISTRY_URL", ""),
            secret=getattr(settings, "TALENTLINK_CERT_REGISTRY_SECRET", ""),
            timeout=float(getattr(settings, "TALENTLINK_CERT_REGISTRY_TIMEOUT", 5)),
            max_skew=int(getattr(settings, "TALENTLINK_CERT_REGISTRY_MAX_SKEW", 300)),
        )
    raise ImproperlyConfigured("TALENTLINK_CERT_REGISTRY must be local or http.")
