"""JSON API of the registry; the pages call the same services and selectors."""

from __future__ import annotations

from typing import Literal

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from talentlink.core import services as core_services
from talentlink.core.audit import Access
from talentlink.core.errors import NotFound
from talentlink.core.http import AuthedRequest
from talentlink.core.models import User
from talentlink.core.schemas import SLUG_PATTERN, MessageOut, Page, ReportPage
from talentlink.core.selectors import region_get
from talentlink.core.throttle import client_ip
from talentlink.registry import files, selectors, services
from talentlink.registry.models import (
    Consent,
    ImportBatch,
    Person,
    SourceSystem,
    TalentCategory,
    TalentClaim,
    Tier,
)
from talentlink.registry.schemas import (
    CategoryOut,
    ClaimDecisionIn,
    ClaimOut,
    ConsentIn,
    ConsentOut,
    IdNumberOut,
    ImportFindingOut,
    PersonDetailOut,
    PersonOut,
    RegisteredOut,
    SourceImportOut,
    SourceSystemOut,
    TalentRegisterIn,
    TierOut,
)

router = Router(tags=["registry"])
public_router = Router(tags=["registration"])


# --- Catalogues ------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut])
def categories(request: AuthedRequest):
    return TalentCategory.objects.all()


@router.get("/tiers", response=list[TierOut])
def tiers(request: AuthedRequest) -> QuerySet[Tier]:
    return Tier.objects.select_related("region").prefetch_related("mappings_out__target__region")


@router.get("/source-systems", response=list[SourceSystemOut])
def source_systems(request: AuthedRequest) -> QuerySet[SourceSystem]:
    return SourceSystem.objects.select_related("region").prefetch_related("columns")


@router.get("/source-systems/{code}/template", url_name="source_system_template")
def source_system_template(
    request: AuthedRequest, code: str = Path(..., pattern=SLUG_PATTERN)
) -> HttpResponse | FileResponse:
    """An empty file in the source's format, describing each column (its template)."""
    source = selectors.source_systems_importable(user=request.user).filter(code=code).first()
    if source is None:
        raise NotFound(_("No such source system."), code="source_system")
    return files.template_response(source)


# --- Imports ---------------------------------------------------------------


@router.post("/imports", response={201: SourceImportOut})
def import_create(
    request: AuthedRequest, source_system: Form[str], file: File[UploadedFile]
) -> Status[ImportBatch]:
    source = SourceSystem.objects.filter(code=source_system).select_related("region").first()
    if source is None:
        raise NotFound(_("No such source system."), code="source_system")
    batch = services.import_submit(access=Access.from_request(request), source_system=source, upload=file)
    return Status(201, batch)


@router.get("/imports", response=list[SourceImportOut])
def import_list(request: AuthedRequest, page: Query[Page]) -> QuerySet[ImportBatch]:
    return page.of(selectors.imports_visible(user=request.user))


@router.get("/imports/{batch_id}", response=SourceImportOut)
def import_detail(request: AuthedRequest, batch_id: int) -> ImportBatch:
    return selectors.import_get(user=request.user, batch_id=batch_id)


@router.post("/imports/{batch_id}/retry", response=SourceImportOut)
def import_retry(request: AuthedRequest, batch_id: int) -> ImportBatch:
    """Queue a failed import again, from its stored file."""
    batch = selectors.import_get(user=request.user, batch_id=batch_id)
    return services.import_retry(access=Access.from_request(request), batch=batch)


@router.get("/imports/{batch_id}/errors", response=list[ImportFindingOut])
def import_errors(
    request: AuthedRequest, batch_id: int, page: Query[ReportPage],
    severity: Literal["", "error", "warning"] = "",
):  # fmt: skip
    """The import's report: errors first, then warnings (or those of one ``severity``)."""
    batch = selectors.import_get(user=request.user, batch_id=batch_id)
    findings = selectors.import_findings(batch=batch, severity=severity, limit=page.offset + page.limit)
    return findings[page.offset :]


@router.get("/imports/{batch_id}/errors.xlsx")
def import_errors_xlsx(request: AuthedRequest, batch_id: int) -> FileResponse:
    return files.import_report_response(selectors.import_get(user=request.user, batch_id=batch_id))


# --- Persons ---------------------------------------------------------------


@router.get("/persons", response=list[PersonOut])
def person_list(
    request: AuthedRequest, page: Query[Page], region: str = "", category: str = "", tier: str = "",
    q: str = "",
) -> list[Person]:  # fmt: skip
    region_obj = region_get(code=region) if region else None
    category_obj = TalentCategory.objects.filter(code=category).first() if category else None
    tier_obj = None
    if tier:
        region_code, _sep, tier_code = tier.rpartition(":")
        tier_obj = Tier.objects.filter(region__code=region_code, code=tier_code).first()
    qs = selectors.persons_search(
        user=request.user, region_id=region_obj.pk if region_obj else None,
        category_id=category_obj.pk if category_obj else None,
        tier_id=tier_obj.pk if tier_obj else None, q=q,
    )  # fmt: skip
    return selectors.persons_shown(
        access=Access.from_request(request), persons=list(page.of(qs)),
        filters={"region": region, "category": category, "tier": tier, "q": q},
    )  # fmt: skip


@router.get("/persons/{person_id}", response=PersonDetailOut)
def person_detail(request: AuthedRequest, person_id: int) -> Person:
    return selectors.person_get(access=Access.from_request(request), person_id=person_id)


@router.post("/persons/{person_id}/id-number", response=IdNumberOut)
def person_id_number(request: AuthedRequest, person_id: int):
    access = Access.from_request(request)
    person = selectors.person_get(access=access, person_id=person_id)
    return {"id_number": services.person_id_number_reveal(access=access, person=person)}


@router.get("/persons/{person_id}/consents", response=list[ConsentOut])
def consent_list(request: AuthedRequest, person_id: int) -> QuerySet[Consent]:
    person = selectors.person_get(access=Access.from_request(request), person_id=person_id)
    return person.consents.select_related("region")


@router.post("/persons/{person_id}/consents", response={201: ConsentOut})
def consent_create(request: AuthedRequest, person_id: int, body: ConsentIn) -> Status[Consent]:
    access = Access.from_request(request)
    person = selectors.person_get(access=access, person_id=person_id)
    consent = services.consent_grant(access=access, person=person, region=region_get(code=body.region))
    return Status(201, consent)


@router.post("/consents/{consent_id}/withdraw", response=ConsentOut)
def consent_withdraw(request: AuthedRequest, consent_id: int) -> Consent:
    access = Access.from_request(request)
    consent = selectors.consent_get(access=access, consent_id=consent_id)
    return services.consent_withdraw(access=access, consent=consent)


@router.get("/me", response=PersonDetailOut)
def my_record(request: AuthedRequest) -> Person:
    person = selectors.person_own(user=request.user)
    if person is None:
        raise NotFound(_("Your account is not linked to a person record yet."), code="not_linked")
    return selectors.person_get(access=Access.from_request(request), person_id=person.pk)


# --- Talent registrations ----------------------------------------------------


@router.get("/claims", response=list[ClaimOut])
def claim_list(request: AuthedRequest) -> list[TalentClaim]:
    pending = list(selectors.talent_claims_pending(user=request.user))
    return selectors.claims_shown(access=Access.from_request(request), claims=pending)


@router.post("/claims/{claim_id}/decision", response=RegisteredOut)
def claim_decision(request: AuthedRequest, claim_id: int, body: ClaimDecisionIn) -> User:
    claim = get_object_or_404(TalentClaim.objects.select_related("user", "region"), pk=claim_id)
    person = get_object_or_404(Person, pk=body.person_id) if body.person_id else None
    claim = services.talent_claim_decide(
        access=Access.from_request(request), claim=claim, person=person,
        approve=body.approve, note=body.note,
    )  # fmt: skip
    return claim.user


# The same answer whether or not the person or organisation registered before (services tell the
# account holders instead), so that registration cannot be used to find out who is registered.
TALENT_REGISTERED = _lazy(
    "Registration received. Log in with your phone number and the password you chose; your desk shows "
    "whether your talent record is linked. If you had registered before, a message went to that "
    "account instead."
)
EMPLOYER_REGISTERED = _lazy(
    "Registration received. Your city's talent office reviews the organisation; you can log in once it "
    "is approved. If the organisation had registered before, its accounts have been told instead."
)


@public_router.post("/talent", response={202: MessageOut})
def talent_register(request: HttpRequest, body: TalentRegisterIn):
    services.talent_register(
        name=body.name, id_number=body.id_number, phone=body.phone, email=body.email,
        password=body.password, region=region_get(code=body.region), client=client_ip(request),
    )  # fmt: skip
    return Status(202, {"message": str(TALENT_REGISTERED)})


@public_router.post("/employer", response={202: MessageOut})
def employer_register(
    request: HttpRequest, organisation_name: Form[str], credit_code: Form[str], region: Form[str],
    contact_name: Form[str], username: Form[str], phone: Form[str], email: Form[str],
    password: Form[str], licence: File[UploadedFile],
):  # fmt: skip
    core_services.employer_register(
        organisation_name=organisation_name, credit_code=credit_code, region=region_get(code=region),
        licence=licence, contact_name=contact_name, username=username, phone=phone,
        email=email, password=password, client=client_ip(request),
    )  # fmt: skip
    return Status(202, {"message": str(EMPLOYER_REGISTERED)})


# --- Record linkage (its own module, mounted here) -------------------------------

from talentlink.registry.linkage.api import router as linkage_router  # noqa: E402

router.add_router("/linkage", linkage_router)
