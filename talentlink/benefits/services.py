"""Writes of the benefits: providers, service points and their accounts, the catalogue,
redemptions (checked, recorded once, synced from offline counters) and conflict decisions.

The talent code is verified through ``talentcode.selectors`` (``code_verify``,
``person_by_subject``), imported on use so that this app loads on its own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field, Model, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.benefits import selectors
from talentlink.benefits.models import (
    Benefit,
    InsuranceRecord,
    Provider,
    Redemption,
    ServicePoint,
    ServicePointAccount,
    SettlementPeriod,
)
from talentlink.core import credit_codes, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.masking import mask_name
from talentlink.core.models import AuditEvent, Organisation, Region, Role, User
from talentlink.core.services import password_check, username_check_free
from talentlink.credentials.models import Level
from talentlink.registry.merges import rows_follow, rows_return
from talentlink.registry.models import Person

# How far a counter's clock may run ahead of the server's before a scan time is refused.
CLOCK_SKEW = dt.timedelta(minutes=5)
# A scan synced later than this after it was made waited in the counter's offline queue.
QUEUED_AFTER = dt.timedelta(seconds=60)
# The reason of a use whose code (token id) is already on record for another use.
REPLAYED_ELSEWHERE = "replayed_elsewhere"


def _require_office_of(access: Access, region_id: int) -> User:
    user = access.user
    if user and permissions.may_manage_region(user, region_id):
        return user
    raise NotAllowed(_("Only the talent office of this city may do this."))


def _require_describer_of(access: Access, provider: Provider) -> User:
    user = access.user
    if user and selectors.may_describe(user=user, provider=provider):
        return user
    raise NotAllowed(_("Only the provider itself or the talent office of its city may do this."))


# What a provider may change of its own benefits; the rest (who qualifies, quotas, value, validity)
# is the city's offer and stays with its talent office.
DESCRIPTIVE_FIELDS = frozenset({"name", "name_en", "description"})


def _audit(access: Access, action: str, obj: Any, region: Region, **detail: Any) -> None:
    audit_record(
        access=access, action=action, object_type=f"benefits.{type(obj).__name__.lower()}",
        object_id=obj.pk, object_label=str(obj), object_region=region.code, detail=detail,
    )  # fmt: skip


# --- Providers, service points and their accounts -----------------------------------------


@transaction.atomic
def provider_create(
    *,
    access: Access,
    name: str,
    kind: str,
    region: Region,
    credit_code: str,
    name_en: str = "",
    address: str = "",
    contact_phone: str = "",
) -> Provider:
    """Register a provider of the office's city with its organisation (found or created by credit code)."""
    _require_office_of(access, region.pk)
    try:
        code = credit_codes.parse(credit_code)
    except credit_codes.CreditCodeError as exc:
        raise DomainError(exc.message, code=f"credit_code.{exc.code}", field="credit_code") from None
    organisation, _created = Organisation.objects.get_or_create(
        credit_code=code,
        defaults={"name": name.strip(), "region": region, "kind": Organisation.Kind.PROVIDER,
                  "status": Organisation.Status.APPROVED, "contact_phone": contact_phone},
    )  # fmt: skip
    if organisation.region_id != region.pk:
        raise DomainError(
            _("This organisation is registered in another city."),
            code="organisation_region",
            field="credit_code",
        )
    if Provider.objects.filter(organisation=organisation).exists():
        raise Conflict(
            _("This organisation is already a provider."), code="provider_exists", field="credit_code"
        )
    provider = Provider.objects.create(
        organisation=organisation, name=name.strip(), name_en=name_en.strip(), kind=kind, region=region,
        address=address.strip(), contact_phone=contact_phone.strip(),
    )  # fmt: skip
    _audit(access, AuditEvent.Action.CREATE, provider, region, kind=kind)
    return provider


@transaction.atomic
def provider_update(*, access: Access, provider: Provider, **changes: Any) -> Provider:
    """Change a provider's name, kind, address, phone or active flag (its city's office only)."""
    _require_office_of(access, provider.region_id)
    allowed = {"name", "name_en", "kind", "address", "contact_phone", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for field, value in changes.items():
        setattr(provider, field, value.strip() if isinstance(value, str) else value)
    provider.save()
    _audit(access, AuditEvent.Action.UPDATE, provider, provider.region, fields=sorted(changes))
    return provider


@transaction.atomic
def service_point_create(
    *, access: Access, provider: Provider, name: str, location: str = ""
) -> ServicePoint:
    """Open a scanning counter of a provider (the provider itself or its city's office)."""
    _require_describer_of(access, provider)
    if provider.service_points.filter(name=name.strip()).exists():
        raise Conflict(
            _("This provider already has a service point of that name."), code="name", field="name"
        )
    point = ServicePoint.objects.create(provider=provider, name=name.strip(), location=location.strip())
    _audit(access, AuditEvent.Action.CREATE, point, provider.region)
    return point


def _new_account(*, username: str, full_name: str, password: str, role: str, provider: Provider) -> User:
    username_check_free(username)
    user = User(
        username=username, full_name=full_name, role=role, region=provider.region,
        organisation=provider.organisation,
    )  # fmt: skip
    password_check(password, user)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def service_point_account_create(
    *, access: Access, service_point: ServicePoint, username: str, full_name: str, password: str
) -> User:
    """An account (role service point) that scans codes at this point only."""
    provider = service_point.provider
    _require_office_of(access, provider.region_id)
    user = _new_account(
        username=username, full_name=full_name, password=password, role=Role.SERVICE_POINT, provider=provider
    )
    ServicePointAccount.objects.create(user=user, service_point=service_point)
    _audit(access, AuditEvent.Action.CREATE, service_point, provider.region, account=username)
    return user


@transaction.atomic
def provider_account_create(
    *, access: Access, provider: Provider, username: str, full_name: str, password: str
) -> User:
    """An account (role benefit provider) that sees the provider's benefits and usage."""
    _require_office_of(access, provider.region_id)
    user = _new_account(
        username=username,
        full_name=full_name,
        password=password,
        role=Role.BENEFIT_PROVIDER,
        provider=provider,
    )
    _audit(access, AuditEvent.Action.CREATE, provider, provider.region, account=username)
    return user


# --- The catalogue ---------------------------------------------------------------------------

TERMS_M2M = ("holder_regions", "categories", "tiers")
LEVEL_CODES = tuple(Level.values)  # the credentials app owns the levels (docs/contracts.md)


def _apply_terms(benefit: Benefit, fields: dict[str, Any]) -> None:
    levels = fields.get("credential_levels")
    if levels is not None:
        unknown = sorted(set(levels) - set(LEVEL_CODES))
        if unknown:
            raise DomainError(
                _("Unknown title or skill levels: %(codes)s") % {"codes": ", ".join(unknown)},
                code="credential_levels", field="credential_levels",
            )  # fmt: skip
        fields["credential_levels"] = [code for code in LEVEL_CODES if code in set(levels)]
    for field, value in fields.items():
        if field not in TERMS_M2M:
            setattr(benefit, field, value)
    try:
        benefit.full_clean(exclude=["provider"], validate_unique=True)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), code="invalid", field=field) from None


@transaction.atomic
def benefit_create(*, access: Access, provider: Provider, **fields: Any) -> Benefit:
    """Add a catalogue entry for a provider of the office's city."""
    _require_office_of(access, provider.region_id)
    benefit = Benefit(provider=provider)
    _apply_terms(benefit, fields)
    benefit.save()
    for relation in TERMS_M2M:
        if relation in fields:
            getattr(benefit, relation).set(fields[relation])
    _audit(access, AuditEvent.Action.CREATE, benefit, provider.region, code=benefit.code)
    return benefit


@transaction.atomic
def _field_label(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    return str(field.verbose_name) if isinstance(field, Field) else name


def benefit_update(*, access: Access, benefit: Benefit, **fields: Any) -> Benefit:
    """Change a catalogue entry: the office of the provider's city changes anything (another city
    reads it); the provider itself changes only its description (DESCRIPTIVE_FIELDS)."""
    _require_describer_of(access, benefit.provider)
    assert access.user is not None
    if not permissions.may_manage_region(access.user, benefit.provider.region_id):
        terms = sorted(set(fields) - DESCRIPTIVE_FIELDS)
        if terms:
            raise NotAllowed(
                _(
                    "Who qualifies, the quotas, the value and the validity of a benefit are set by the "
                    "talent office of the provider's city; ask it to change: %(fields)s"
                )
                % {"fields": "、".join(_field_label(Benefit, f) for f in terms)},
                code="terms",
            )
    if "code" in fields and fields["code"] != benefit.code and benefit.redemptions.exists():
        raise Conflict(_("A benefit that has been used keeps its code."), code="code_in_use", field="code")
    fields.pop("provider", None)
    _apply_terms(benefit, fields)
    benefit.save()
    for relation in TERMS_M2M:
        if relation in fields:
            getattr(benefit, relation).set(fields[relation])
    _audit(access, AuditEvent.Action.UPDATE, benefit, benefit.provider.region, fields=sorted(fields))
    return benefit


# --- Redemption ------------------------------------------------------------------------------


def _verify(*, qr: str, now: dt.datetime | None, online: bool, consume: bool) -> Any:
    from talentlink.talentcode.selectors import code_verify

    # consume=False: the check before a redemption must not spend the code's token id.
    return code_verify(qr=qr, now=now, online=online, consume=consume)


def _holder(verdict: Any) -> Person | None:
    from talentlink.talentcode.selectors import person_by_subject

    return person_by_subject(subject=verdict.subject) if verdict.subject else None


@dataclass(frozen=True, slots=True)
class CheckResult:
    eligible: bool
    reason: str
    message: str
    tier: str
    remaining: dict[str, int | None]
    holder: str


NO_QUOTA: dict[str, int | None] = {"per_day": None, "per_year": None, "per_person": None}


def _point_benefit(user: User, benefit_code: str) -> tuple[ServicePoint, Benefit]:
    point = selectors.service_point_of(user=user)
    benefit = selectors.benefits_with_terms().filter(code=benefit_code, provider_id=point.provider_id).first()
    if benefit is None:
        raise DomainError(
            _("This service point does not offer that benefit."), code="benefit", field="benefit"
        )
    return point, benefit


def redemption_check(*, access: Access, qr: str, benefit_code: str) -> CheckResult:
    """What the counter sees after a scan: the verdict on the code, eligibility and uses left."""
    assert access.user is not None
    _point, benefit = _point_benefit(access.user, benefit_code)
    verdict = _verify(qr=qr, now=None, online=True, consume=False)
    if not verdict.ok:
        return CheckResult(False, verdict.reason, str(verdict.message), "", dict(NO_QUOTA), "")
    person = _holder(verdict)
    if person is None:
        return CheckResult(False, "unknown_holder", selectors.refusal_message("unknown_holder"),
                           verdict.tier, dict(NO_QUOTA), "")  # fmt: skip
    audit_record(
        access=access, action=AuditEvent.Action.READ, object_type="registry.person", object_id=person.pk,
        object_label=mask_name(person.name), object_region=person.home_region.code,
        detail={"benefit": benefit.code, "purpose": "redemption check"},
    )  # fmt: skip
    eligibility = selectors.benefit_eligibility(benefit=benefit, holder=selectors.Holder(person))
    remaining = (
        selectors.quota_remaining(benefit=benefit, person=person) if eligibility.ok else dict(NO_QUOTA)
    )
    reason = eligibility.reason if not eligibility.ok else (selectors.quota_exhausted(remaining) or "ok")
    return CheckResult(
        reason == "ok", reason, selectors.refusal_message(reason), verdict.tier, remaining,
        mask_name(person.name),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scan:
    client_id: uuid.UUID
    qr: str
    benefit_code: str
    scanned_at: dt.datetime
    offline: bool


def redemption_record(*, access: Access, scan: Scan, queued: bool = False) -> tuple[Redemption, bool]:
    """Record a use once: (redemption, created). The same client id, or the same code scanned twice
    for the same benefit, returns the first record. A use that breaks a rule is refused when the
    counter asks before granting it; one the counter has already granted (offline, or ``queued``
    for sync) is kept as a conflict for staff."""
    assert access.user is not None
    existing = Redemption.objects.filter(client_id=scan.client_id).first()
    if existing is not None:
        return _same_sender(existing, access.user), False
    if scan.scanned_at > timezone.now() + CLOCK_SKEW:
        raise DomainError(_("The scan time lies in the future; check the device's clock."), code="scanned_at")
    point, benefit = _point_benefit(access.user, scan.benefit_code)
    verdict = _verify(
        qr=scan.qr, now=scan.scanned_at if scan.offline else None, online=not scan.offline, consume=True
    )
    try:
        with transaction.atomic():
            return _record(access, scan, point, benefit, verdict, granted=scan.offline or queued)
    except IntegrityError:
        # Another request stored the same client id first: that one is the record.
        existing = Redemption.objects.filter(client_id=scan.client_id).first()
        if existing is None:
            raise
        return _same_sender(existing, access.user), False


def _same_sender(redemption: Redemption, user: User) -> Redemption:
    if not redemption.service_point.accounts.filter(user=user).exists():
        raise Conflict(_("This client id belongs to another service point's scan."), code="client_id")
    return redemption


def _record(
    access: Access, scan: Scan, point: ServicePoint, benefit: Benefit, verdict: Any, *, granted: bool
) -> tuple[Redemption, bool]:
    person = _holder(verdict) if verdict.subject else None
    if person is not None:
        # Serialise uses by one holder so that two counters cannot both take the last use.
        person = Person.objects.select_for_update().select_related("home_region").get(pk=person.pk)
    earlier = _earlier_use(verdict.token_id)
    if earlier and not granted and (earlier.service_point_id, earlier.benefit_id) == (point.pk, benefit.pk):
        # The same code sent again by this counter before it granted anything (a second client id,
        # which the verifier calls a replay): the first record stands and nothing counts twice.
        return earlier, False
    reason = _refusal(verdict, benefit, person, scan.scanned_at)
    if earlier and (verdict.ok or verdict.reason == "replayed"):
        # One code, one use. Counters share no replay cache while offline, and the platform's
        # forgets a token id a minute after it expires: the redemptions are the shared record. A
        # copy of a code granted at a second counter (or device, or for a second benefit) is
        # caught here when that counter syncs, and kept as a conflict that staff see (rather than
        # as the daily limit the first use took).
        reason = REPLAYED_ELSEWHERE
    if reason and not granted:
        error = Conflict if reason.startswith("quota") else DomainError
        own = not verdict.ok and reason == verdict.reason  # the verifier's refusal, in its words
        message = verdict.message if own else selectors.refusal_message(reason)
        raise error(message, code=reason)
    redemption = Redemption.objects.create(
        client_id=scan.client_id, benefit=benefit, service_point=point, person=person,
        holder_region=person.home_region if person else None, token_id=verdict.token_id or "",
        scanned_at=scan.scanned_at, offline=scan.offline,
        status=Redemption.Status.CONFLICT if reason else Redemption.Status.RECORDED,
        reason=reason or "ok", value=benefit.granted_value, recorded_by=access.user,
    )  # fmt: skip
    replay = {"first_use": earlier.pk} if reason == REPLAYED_ELSEWHERE and earlier else {}
    _audit(access, AuditEvent.Action.CREATE, redemption, benefit.provider.region,
           status=redemption.status, reason=redemption.reason, offline=scan.offline, **replay)  # fmt: skip
    return redemption, True


def _earlier_use(token_id: str) -> Redemption | None:
    """The first use recorded with this token id that staff have not voided, if any."""
    if not token_id:
        return None
    return (
        Redemption.objects.filter(token_id=token_id)
        .exclude(status=Redemption.Status.VOIDED)
        .order_by("pk")
        .first()
    )


def _refusal(verdict: Any, benefit: Benefit, person: Person | None, at: dt.datetime) -> str:
    """'' when the use may be recorded, else the reason code."""
    if not verdict.ok:
        return str(verdict.reason)
    if person is None:
        return "unknown_holder"
    eligibility = selectors.benefit_eligibility(
        benefit=benefit, holder=selectors.Holder(person), on=timezone.localtime(at).date()
    )
    if not eligibility.ok:
        return eligibility.reason
    return selectors.quota_exhausted(selectors.quota_remaining(benefit=benefit, person=person, at=at))


def redemptions_sync(*, access: Access, scans: list[Scan]) -> list[dict[str, Any]]:
    """Record a counter's queued scans in order; each gets its own result, none is lost: the counter
    has granted them, so one that breaks a rule is kept as a conflict, not refused.

    A scan that reaches the platform more than QUEUED_AFTER after it was made waited in the
    device's queue (the network dropped after it was taken as online): its code has expired
    since, so it is verified as of its scan time and kept as a conflict if it breaks a rule."""
    # An account that is no counter is refused as a whole, before any item is read.
    selectors.service_point_of(user=access.user)
    results = []
    late = timezone.now() - QUEUED_AFTER
    scans = [replace(s, offline=True) if not s.offline and s.scanned_at < late else s for s in scans]
    for scan in sorted(scans, key=lambda s: s.scanned_at):
        try:
            redemption, created = redemption_record(access=access, scan=scan, queued=True)
        except DomainError as exc:
            results.append({"client_id": scan.client_id, "id": None, "status": "refused",
                            "reason": exc.code, "message": str(exc.message), "created": False})  # fmt: skip
        else:
            results.append({**redemption_result(redemption), "created": created})
    return results


def redemption_result(redemption: Redemption) -> dict[str, Any]:
    return {
        "id": redemption.pk, "client_id": redemption.client_id, "status": redemption.status,
        "reason": redemption.reason, "message": selectors.redemption_message(redemption),
    }  # fmt: skip


@transaction.atomic
def conflict_resolve(*, access: Access, redemption: Redemption, honour: bool, note: str = "") -> Redemption:
    """Staff of the provider's city honour a conflicting use (it then counts and is settled) or void it."""
    _require_office_of(access, redemption.benefit.provider.region_id)
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.status != Redemption.Status.CONFLICT:
        raise Conflict(_("This redemption is not an open conflict."), code="not_conflict")
    if not honour and not note.strip():
        raise DomainError(_("Give a reason for voiding the use."), code="reason", field="note")
    if honour and redemption.person_id is None:
        raise DomainError(_("A use without a known holder can only be voided."), code="no_holder")
    redemption.status = Redemption.Status.RECORDED if honour else Redemption.Status.VOIDED
    redemption.resolved_by, redemption.resolved_at = access.user, timezone.now()
    redemption.resolution_note = note.strip()
    redemption.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    audit_record(
        access=access, action=AuditEvent.Action.DECIDE, object_type="benefits.redemption",
        object_id=redemption.pk, object_label=str(redemption),
        object_region=redemption.benefit.provider.region.code,
        detail={"honour": honour, "reason": redemption.reason, "note": redemption.resolution_note},
    )  # fmt: skip
    return redemption


# --- Settlement ---------------------------------------------------------------------------------


@transaction.atomic
def settlement_close(*, access: Access, month: dt.date, now: dt.datetime | None = None) -> SettlementPeriod:
    """Close a month of the reciprocal ledger: settle every counted use scanned up to its end that
    no earlier close settled, and freeze its statement. Months close in order, once, after they end."""
    user = access.user
    if not permissions.is_office(user):
        raise NotAllowed(_("Only talent office staff close a settlement month."), code="settlement_close")
    month = month.replace(day=1)
    start, end = selectors.month_bounds(month)
    if end > (now or timezone.now()):
        raise Conflict(_("A month can be closed only after it has ended."), code="month_not_over")
    if SettlementPeriod.objects.filter(month=month).exists():
        raise Conflict(_("This month is already closed."), code="month_closed")
    unsettled = Redemption.objects.filter(
        status=Redemption.Status.RECORDED, settled_in__isnull=True, scanned_at__lt=end
    )
    closed = set(SettlementPeriod.objects.values_list("month", flat=True))
    scanned_months = (
        unsettled.filter(scanned_at__lt=start)
        .annotate(scan_month=TruncMonth("scanned_at"))  # in the local time zone
        .values_list("scan_month", flat=True)
        .distinct()
    )
    open_before = sorted({timezone.localtime(m).date() for m in scanned_months} - closed)
    if open_before:
        raise Conflict(
            _("Close %(month)s first: it has uses not yet settled.") % {"month": f"{open_before[0]:%Y-%m}"},
            code="earlier_month_open",
        )
    period = SettlementPeriod.objects.create(
        month=month, closed_at=now or timezone.now(), closed_by=user, uses=0, value=0
    )
    # One UPDATE settles the uses and locks them; the totals are read back from what it settled.
    settled = unsettled.update(settled_in=period)
    totals = period.redemptions.aggregate(value=Sum("value"))
    period.uses, period.value = settled, totals["value"] or 0
    period.save(update_fields=["uses", "value"])
    audit_record(
        access=access,
        action=AuditEvent.Action.DECIDE,
        object_type="benefits.settlementperiod",
        object_id=period.pk,
        object_label=f"{month:%Y-%m}",
        detail={"uses": settled, "value": str(period.value)},
    )
    return period


# --- Following merges of persons ----------------------------------------------------------------


def benefits_person_merged(*, source_id: int, target_id: int) -> dict[str, Any]:
    """A retired person's uses and contribution records count for its successor: one human, one
    quota, contribution months counted once. The city a use was settled for stays as recorded."""
    moved = {
        "redemptions": rows_follow(Redemption, source_id=source_id, target_id=target_id),
        "insurance": rows_follow(InsuranceRecord, source_id=source_id, target_id=target_id),
    }
    return {key: ids for key, ids in moved.items() if ids}


def benefits_person_merge_undone(*, moved: dict[str, Any], source_id: int, target_id: int) -> None:
    """Put back what :func:`benefits_person_merged` moved; uses recorded since stay with the successor."""
    for model, key in ((Redemption, "redemptions"), (InsuranceRecord, "insurance")):
        rows_return(model, moved.get(key, []), source_id=source_id, target_id=target_id)
