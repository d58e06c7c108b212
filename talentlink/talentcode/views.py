"""Pages of the talent code: the talent's own code and the service point's scanner."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from talentlink.core import permissions
from talentlink.core.errors import DomainError, NotAllowed
from talentlink.core.http import AuthedRequest
from talentlink.core.models import Region
from talentlink.registry.models import Person, Tier
from talentlink.registry.selectors import person_own
from talentlink.talentcode import keys, qr, services
from talentlink.talentcode.models import SigningKey
from talentlink.talentcode.selectors import REASONS


def _own_person(request: AuthedRequest) -> Person:
    person = person_own(user=request.user)
    if person is None:
        raise NotAllowed(_("Only talents linked to a person record hold a talent code."), code="no_person")
    return person


@login_required
def my_code(request: AuthedRequest) -> HttpResponse:
    person = _own_person(request)
    context = {
        "person": person,
        "refresh_seconds": services.online_seconds() // 2,
        # The device signs its offline wrapper for as long as verifiers accept one, no longer.
        "presentation_seconds": services.presentation_seconds(),
    }
    try:
        issued = services.code_issue(person=person)
    except DomainError as exc:
        context["refusal"] = exc.message
    else:
        context.update(issued=issued, svg=qr.svg(issued.qr))
    return render(request, "talentcode/my_code.html", context)


@login_required
@never_cache
def my_code_symbol(request: AuthedRequest) -> HttpResponse:
    """The htmx partial the talent's page swaps in every refresh: a new code, a new QR."""
    issued = services.code_issue(person=_own_person(request))
    return render(request, "talentcode/partials/symbol.html", {"issued": issued, "svg": qr.svg(issued.qr)})


@login_required
@never_cache
def my_code_png(request: AuthedRequest) -> HttpResponse:
    issued = services.code_issue(person=_own_person(request))
    return HttpResponse(qr.png(issued.qr), content_type="image/png")


def _root_keys() -> list[dict[str, str]]:
    services.active_key(purpose=SigningKey.Purpose.TRUST_LIST, region=None)
    roots = SigningKey.objects.filter(purpose=SigningKey.Purpose.TRUST_LIST)
    return [{"kid": key.kid, **keys.jwk(key.public_key)} for key in roots]


@login_required
def scan(request: AuthedRequest) -> HttpResponse:
    """The service point's scanner; it verifies in the browser and works with the network off."""
    if not permissions.scans_codes(request.user):
        raise NotAllowed(_("This page is for service points."))
    regions = list(Region.objects.filter(is_active=True))
    config = {
        "roots": _root_keys(),
        "regions": [region.code for region in regions],
        "regionNames": {region.code: region.display_name for region in regions},
        # A code carries its tier's letter; the counter reads "甬E 高级人才" (the registry's catalogue).
        "tiers": _tier_labels(),
        # The same bounds as the server's verifier (services.leeway_seconds, presentation_seconds).
        "leeway": services.leeway_seconds(),
        "presentationSeconds": services.presentation_seconds(),
    }
    return render(request, "talentcode/scan.html", {"config_json": config, "texts": _scanner_texts()})


def _tier_labels() -> dict[str, dict[str, str]]:
    """Issuer region code → tier code → the tier's code and name in the reader's language."""
    labels: dict[str, dict[str, str]] = {}
    for tier in Tier.objects.select_related("region"):
        labels.setdefault(tier.region.code, {})[tier.code] = str(tier)
    return labels


def _scanner_texts() -> dict[str, object]:
    """The scanner's words, translated here because it keeps working offline."""
    return {
        "reasons": {code: str(message) for code, message in REASONS.items()},
        "valid": _("Valid: tier %(tier)s, issued by %(issuer)s."),
        "checking": _("The signature is valid; asking the platform about eligibility and uses left…"),
        "checkFailed": _("The platform could not check the code (error %(status)s); try again."),
        "unreachable": _(
            "The platform cannot be reached: the code was checked on this device only, "
            "and the quota will be checked when the device syncs."
        ),
        "offlineChecked": _(
            "Offline: the code was checked on this device; the quota will be checked at sync."
        ),
        "noBenefits": _("This account offers no benefits here: codes are verified only."),
        "remaining": _("today %(day)s · this year %(year)s · in all %(person)s"),
        "noLimit": _("no limit"),
        "recording": _("Recording the use…"),
        "recordFailed": _("The platform did not record the use (error %(status)s)."),
        "recordDropped": _(
            "The network dropped while recording: the use is kept on this device and sent when the "
            "network is back; the quota will be checked then."
        ),
        "queued": _("Use kept on this device; it is sent when the network is back."),
        "waiting": _("%(count)s uses waiting to be sent."),
        "synced": _("%(count)s uses sent: %(recorded)s recorded, %(attention)s need attention."),
        "syncFailed": _(
            "The platform did not take the queued uses (error %(status)s); they stay on this device."
        ),
        "status": {"conflict": _("Conflict: staff will decide"), "refused": _("Refused")},
        "dismiss": _("Dismiss"),
        "online": _("Online"),
        "offline": _("Offline"),
        "listsReady": _("%(keys)s trusted keys, %(lists)s status lists."),
        "noLists": _("No trust list yet: connect once to download it."),
        "noCamera": _("No camera: paste the code text below."),
    }


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The scanner's service worker, served under /code/ so that it may control /code/scan/."""
    path = finders.find("talentcode/sw.js")
    with open(path, encoding="utf-8") as handle:  # type: ignore[arg-type]
        response = HttpResponse(handle.read(), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response
