"""JSON API of the registry; the pages call the same services and selectors."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from talentlink.core import services as core_services
from talentlink.core.audit import Access
from talentlink.core.errors import NotFound
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
def categories(request: HttpRequest):
    return TalentCategory.objects.all()


@router.get("/tiers", response=list[TierOut])
def tiers(request: HttpRequest):
    qs = Tier.objects.select_related("region").prefetch_related("mappings_out__target__region")
    return [
        {
            "region": t.region.code, "code": t.code, "name": t.name, "name_en": t.name_en,
            "rank": t.rank,
            "honoured_as": [f"{m.target.region.code}:{m.target.code}" for m in t.mappings_out.all()],
        }
        for t in qs
    ]  # fmt: skip


@router.get("/source-systems", response=list[SourceSystemOut])
def source_systems(request: HttpRequest):
    qs = SourceSystem.objects.select_related("region").prefetch_related("columns")
    return [
        {
            "code": s.code, "name": s.name, "region": s.region.code, "file_format": s.file_format,
            "columns": {c.column: c.target for c in s.columns.all()},
            "accepted_findings": sorted(s.accepted_checks()),
            "template_url": reverse("api:source_system_template", args=[s.code]),
        }
        for s in qs
    ]  # fmt: skip


@router.get("/source-systems/{code}/template", url_name="source_system_template")
def source_system_template(request: HttpRequest, code: str = Path(..., pattern=SLUG_PATTERN)) -> HttpResponse:
    """An empty file in the source's format, describing each column (its template)."""
    source = selectors.source_systems_importable(user=request.user).filter(code=code).first()
    if source is None:
        raise NotFound(_("No such source system."), code="source_system")
    return files.template_response(source)


# --- Imports ---------------------------------------------------------------


def import_out(batch: ImportBatch) -> dict:
    return {
        "id": batch.pk, "source_system": batch.source_system.code,
        "original_name": batch.original_name, "status": batch.status,
        "total_rows": batch.total_rows, "created_count": batch.created_count,
        "updated_count": batch.updated_count, "unchanged_count": batch.unchanged_count,
        "error_count": batch.error_count, "warning_count": batch.warning_count,
        "flagged_count": batch.flagged_count, "created_at": batch.created_at,
        "finished_at": batch.finished_at, "progress": selectors.import_progress(batch=batch),
        "failure": batch.failure_text,
    }  # fmt: skip


@router.post("/imports", response={201: SourceImportOut})
def import_create(request: HttpRequest, source_system: Form[str], file: File[UploadedFile]):
    source = SourceSystem.objects.filter(code=source_system).select_related("region").first()
    if source is None:
        raise NotFound(_("No such source system."), code="source_system")
    batch = services.import_submit(access=Access.from_request(request), source_system=source, upload=file)
    return Status(201, import_out(batch))


@router.get("/imports", response=list[SourceImportOut])
def import_list(request: HttpRequest, page: Query[Page]):
    return [import_out(b) for b in page.of(selectors.imports_visible(user=request.user))]


@router.get("/imports/{batch_id}", response=SourceImportOut)
def import_detail(request: HttpRequest, batch_id: int):
    return import_out(selectors.import_get(user=request.user, batch_id=batch_id))


@router.post("/imports/{batch_id}/retry", response=SourceImportOut)
def import_retry(request: HttpRequest, batch_id: int):
    """Queue a failed import again, from its stored file."""
    batch = selectors.import_get(user=request.user, batch_id=batch_id)
    return import_out(services.import_retry(access=Access.from_request(request), batch=batch))


@router.get("/imports/{batch_id}/errors", response=list[ImportFindingOut])
def import_errors(
    request: HttpRequest, batch_id: int, page: Query[ReportPage],
    severity: Literal["", "error", "warning"] = "",
):  # fmt: skip
    """The import's report: errors first, then warnings (or those of one ``severity``)."""
    batch = selectors.import_get(user=request.user, batch_id=batch_id)
    findings = selectors.import_findings(batch=batch, severity=severity, limit=page.offset + page.limit)
    return findings[page.offset :]


@router.get("/imports/{batch_id}/errors.xlsx")
def import_errors_xlsx(request: HttpRequest, batch_id: int) -> HttpResponse:
    return files.import_report_response(selectors.import_get(user=request.user, batch_id=batch_id))


# --- Persons ---------------------------------------------------------------


def person_out(p: Person) -> dict:
    return {
        "id": p.pk, "name": p.name, "id_number": p.id_number_masked, "sex": p.sex,
        "birth_date": p.birth_date, "home_region": p.home_region.code,
        "category": p.category.code if p.category_id else None,
        "tier": p.tier.code if p.tier_id else None, "education": p.education, "title": p.title,
        "industry": p.industry, "employer_name": p.employer_name,
    }  # fmt: skip


@router.get("/persons", response=list[PersonOut])
def person_list(
    request: HttpRequest, page: Query[Page], region: str = "", category: str = "", tier: str = "",
    q: str = "",
):  # fmt: skip
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
    persons = selectors.persons_shown(
        access=Access.from_request(request), persons=list(page.of(qs)),
        filters={"region": region, "category": category, "tier": tier, "q": q},
    )  # fmt: skip
    return [person_out(p) for p in persons]


def person_detail_out(person: Person, user: User) -> dict:
    """A person as this user may see them: fields another city holds come as null (``withheld``
    names them) unless the person is of the user's city or consented to share with it."""
    withheld = selectors.person_withheld(user=user, person=person)
    records = [
        {
            "source_system": r.source_system.code, "region": r.source_system.region.code,
            "source_key": r.source_key, "file": r.batch.original_name, "import_id": r.batch_id,
            "row": r.row_number, "name": r.name, "id_number": r.id_number_masked,
            "id_number_verified": bool(r.id_number_index), "quality_flags": r.quality_flags,
            "employer_name": r.employer_name,
            "category": r.category.code if r.category_id else None,
            "tier": r.tier.code if r.tier_id else None, "updated_at": r.updated_at,
        }
        for r in selectors.person_source_records_seen(user=user, person=person)
    ]  # fmt: skip
    shown = {**person_out(person), "phone": person.phone, "email": person.email}
    for field in withheld:
        if field in shown:
            shown[field] = None
    return {**shown, "withheld": sorted(withheld), "source_records": records}


@router.get("/persons/{person_id}", response=PersonDetailOut)
def person_detail(request: HttpRequest, person_id: int):
    person = selectors.person_get(access=Access.from_request(request), person_id=person_id)
    return person_detail_out(person, request.user)


@router.post("/persons/{person_id}/id-number", response=IdNumberOut)
def person_id_number(request: HttpRequest, person_id: int):
    access = Access.from_request(request)
    person = selectors.person_get(access=access, person_id=person_id)
    return {"id_number": services.person_id_number_reveal(access=access, person=person)}


@router.get("/persons/{person_id}/consents", response=list[ConsentOut])
def consent_list(request: HttpRequest, person_id: int):
    person = selectors.person_get(access=Access.from_request(request), person_id=person_id)
    return [consent_out(c) for c in person.consents.select_related("region")]


def consent_out(c: Consent) -> dict:
    return {
        "id": c.pk, "region": c.region.code, "channel": c.channel,
        "granted_at": c.granted_at, "withdrawn_at": c.withdrawn_at,
    }  # fmt: skip


@router.post("/persons/{person_id}/consents", response={201: ConsentOut})
def consent_create(request: HttpRequest, person_id: int, body: ConsentIn):
    access = Access.from_request(request)
    person = selectors.person_get(access=access, person_id=person_id)
    consent = services.consent_grant(access=access, person=person, region=region_get(code=body.region))
    return Status(201, consent_out(consent))


@router.post("/consents/{consent_id}/withdraw", response=ConsentOut)
def consent_withdraw(request: HttpRequest, consent_id: int):
    access = Access.from_request(request)
    consent = selectors.consent_get(access=access, consent_id=consent_id)
    return consent_out(services.consent_withdraw(access=access, consent=consent))


@router.get("/me", response=PersonDetailOut)
def my_record(request: HttpRequest):
    person = selectors.person_own(user=request.user)
    if person is None:
        raise NotFound(_("Your account is not linked to a person record yet."), code="not_linked")
    return person_detail_out(
        selectors.person_get(access=Access.from_request(request), person_id=person.pk), request.user
    )


# --- Talent registrations ----------------------------------------------------


@router.get("/claims", response=list[ClaimOut])
def claim_list(request: HttpRequest):
    pending = list(selectors.talent_claims_pending(user=request.user))
    return [
        {"id": c.pk, "name": c.name, "id_number": c.id_number_masked, "region": c.region.code,
         "username": c.user.username, "created_at": c.created_at}
        for c in selectors.claims_shown(access=Access.from_request(request), claims=pending)
    ]  # fmt: skip


@router.post("/claims/{claim_id}/decision", response=RegisteredOut)
def claim_decision(request: HttpRequest, claim_id: int, body: ClaimDecisionIn):
    claim = get_object_or_404(TalentClaim.objects.select_related("user", "region"), pk=claim_id)
    person = get_object_or_404(Person, pk=body.person_id) if body.person_id else None
    claim = services.talent_claim_decide(
        access=Access.from_request(request), claim=claim, person=person,
        approve=body.approve, note=body.note,
    )  # fmt: skip
    return {"username": claim.user.username, "link_status": claim.user.link_status}


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
