"""JSON API of the talent code; the pages call the same services and selectors."""

from __future__ import annotations

import base64

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router

from talentlink.core.errors import DomainError, NotAllowed
from talentlink.core.http import AuthedRequest
from talentlink.core.models import Role
from talentlink.core.schemas import REGION_CODE_PATTERN
from talentlink.core.selectors import region_get
from talentlink.registry.models import Person
from talentlink.registry.selectors import person_own
from talentlink.talentcode import selectors, services
from talentlink.talentcode.models import PublishedList
from talentlink.talentcode.schemas import CodeOut, CodeVerifyIn, HolderKeyIn, SignedListOut, VerdictOut

router = Router(tags=["talentcode"])
# Endpoints anyone may call (no login): verification without using the code up, and the signed
# lists offline verifiers download.
public_router = Router(tags=["talentcode (public)"])

# Roles whose verification uses a code up (a later scan of the same code is a replay).
REDEEMING_ROLES = frozenset({Role.SERVICE_POINT, Role.BENEFIT_PROVIDER})


@public_router.post("/verify", response=VerdictOut)
def verify_public(request: HttpRequest, payload: CodeVerifyIn) -> selectors.CodeVerdict:
    """Check a code online (signatures, clock, revocation, replay) without using it up."""
    return selectors.code_verify(qr=payload.code, issuer=payload.issuer, consume=False)


@router.post("/verify", response=VerdictOut)
def verify(request: AuthedRequest, payload: CodeVerifyIn) -> selectors.CodeVerdict:
    """Check a code online; at a service point this also uses the code up."""
    consume = request.user.role in REDEEMING_ROLES
    return selectors.code_verify(qr=payload.code, issuer=payload.issuer, consume=consume)


@public_router.get("/trust-list", response=SignedListOut)
def trust_list(request: HttpRequest) -> PublishedList:
    """The platform-signed list of city keys (kid, issuer, COSE key, validity)."""
    return services.published_latest(kind=PublishedList.Kind.TRUST)


@public_router.get("/status/{region_code}", response=SignedListOut)
def status_list(
    request: HttpRequest, region_code: str = Path(..., pattern=REGION_CODE_PATTERN)
) -> PublishedList:
    """A city's signed status list: one bit per code it issued, set when revoked."""
    region = region_get(code=region_code)
    return services.published_latest(kind=PublishedList.Kind.STATUS, region=region)


def _own_person(request: AuthedRequest) -> Person:
    person = person_own(user=request.user)
    if person is None:
        raise NotAllowed(_("Only talents linked to a person record hold a talent code."), code="no_person")
    return person


@router.get("/my-code", response=CodeOut)
def my_code(request: AuthedRequest) -> services.IssuedCode:
    """A fresh one-minute code for the logged-in talent."""
    return services.code_issue(person=_own_person(request))


@router.post("/my-code/offline", response=CodeOut)
def my_offline_credential(request: AuthedRequest, payload: HolderKeyIn) -> services.IssuedCode:
    """A day-long credential bound to the browser's key, for the browser to present offline."""
    if (payload.kty, payload.crv) != ("EC", "P-256"):
        raise DomainError(_("The device key is not a P-256 public key."), code="holder_key")
    try:
        x, y = (base64.urlsafe_b64decode(v + "=" * (-len(v) % 4)) for v in (payload.x, payload.y))
    except ValueError:
        raise DomainError(_("The device key is not a P-256 public key."), code="holder_key") from None
    holder_key = {1: 2, -1: 1, -2: x, -3: y}
    return services.code_issue(person=_own_person(request), holder_key=holder_key)
