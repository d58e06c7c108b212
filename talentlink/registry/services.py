"""Writes of the registry: imports, consent, talent self-registration and linking."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core import crypto, heartbeat, idnumbers, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.models import AuditEvent, Region, Role, User
from talentlink.core.notices import notice_register
from talentlink.core.services import owner_tell, password_check, registration_throttle
from talentlink.registry import imports, storage
from talentlink.registry.models import (
    Consent,
    ImportBatch,
    Person,
    SourceSystem,
    TalentClaim,
)
from talentlink.registry.selectors import person_accessible, person_editable, person_is_own, person_withheld


def _require_office_of(access: Access, region_id: int) -> User:
    user = access.user
    if user and permissions.may_manage_region(user, region_id):
        return user
    raise NotAllowed(_("Only the talent office of this city may do this."))


def import_submit(
    *, access: Access, source_system: SourceSystem, upload: File, enqueue: bool = True
) -> ImportBatch:
    """Store an uploaded export and queue its import; an identical file already imported is a no-op.

    ``enqueue=False`` leaves the batch queued for the caller to run (commands run it in-process).
    """
    user = _require_office_of(access, source_system.region_id)
    if upload.size > settings.TALENTLINK_IMPORT_MAX_BYTES:
        raise DomainError(_("The file is larger than the import limit."), code="too_large", field="file")
    suffix = Path(upload.name or "").suffix.lower().lstrip(".")
    if suffix != source_system.file_format:
        raise DomainError(
            _("%(source)s delivers %(format)s files, not .%(suffix)s.")
            % {
                "source": source_system.name,
                "format": source_system.file_format.upper(),
                "suffix": suffix,
            },
            code="file_format",
            field="file",
        )
    # Sealed as it is stored: the file holds whole ID numbers (registry/storage.py).
    stored, sha = storage.import_file_store(upload)
    earlier = ImportBatch.objects.filter(
        source_system=source_system, sha256=sha, status=ImportBatch.Status.SUCCEEDED
    ).exists()
    batch = ImportBatch.objects.create(
        source_system=source_system, file=stored, original_name=(upload.name or "")[:255],
        sha256=sha, size=upload.size, uploaded_by=user,
        status=ImportBatch.Status.DUPLICATE if earlier else ImportBatch.Status.QUEUED,
        finished_at=timezone.now() if earlier else None,
    )  # fmt: skip
    audit_record(
        access=access, action=AuditEvent.Action.CREATE, object_type="registry.importbatch",
        object_id=batch.pk, object_label=batch.original_name,
        object_region=source_system.region.code, detail={"sha256": sha},
    )  # fmt: skip
    if enqueue and not earlier:
        from talentlink.registry.tasks import import_run

        transaction.on_commit(lambda: import_run.enqueue(batch.pk))
    return batch


def import_run_now(*, batch_id: int, progress: imports.Progress | None = None) -> ImportBatch:
    """Run a queued import in this process (the task body, also used by commands)."""
    # Claimed in one statement, so that two workers given the same import run it once.
    now = timezone.now()
    taken = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.QUEUED).update(
        status=ImportBatch.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    batch = ImportBatch.objects.select_related("source_system__region").get(pk=batch_id)
    if not taken:
        return batch
    cached = imports.cache_progress(batch.pk)

    def report(phase: str, done: int, total: int) -> None:
        cached(phase, done, total)
        if progress:
            progress(phase, done, total)

    try:
        with heartbeat.beating(batch):
            batch = imports.batch_run(batch, progress=report)
    except Exception as exc:
        batch.status, batch.finished_at = ImportBatch.Status.FAILED, timezone.now()
        batch.message = f"{type(exc).__name__}: {exc}"[:2000]
        batch.save(update_fields=["status", "finished_at", "message"])
        raise
    from talentlink.registry.linkage.services import linkage_run_after_import

    linkage_run_after_import(batch=batch)  # the new records meet the existing persons
    return batch


def import_retry(*, access: Access, batch: ImportBatch) -> ImportBatch:
    """Queue a failed import again: its stored file, from the start (a failed import changed
    nothing); audited."""
    _require_office_of(access, batch.source_system.region_id)
    if batch.status != ImportBatch.Status.FAILED:
        raise Conflict(_("Only a failed import can be retried."), code="not_failed")
    if not batch.file.name or not batch.file.storage.exists(batch.file.name):
        raise Conflict(_("The uploaded file is no longer kept; upload it again."), code="file_gone")
    failure = batch.message
    with transaction.atomic():
        taken = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.FAILED).update(
            status=ImportBatch.Status.QUEUED, message="", started_at=None, finished_at=None, heartbeat_at=None
        )
        if not taken:
            raise Conflict(_("Only a failed import can be retried."), code="not_failed")
        batch.errors.all().delete()
        audit_record(
            access=access, action=AuditEvent.Action.UPDATE, object_type="registry.importbatch",
            object_id=batch.pk, object_label=batch.original_name,
            object_region=batch.source_system.region.code, detail={"retry": True, "failure": failure[:200]},
        )  # fmt: skip
        from talentlink.registry.tasks import import_run

        transaction.on_commit(lambda: import_run.enqueue(batch.pk))
    cache.delete(imports.progress_key(batch.pk))  # the killed run's last progress
    batch.refresh_from_db()
    return batch


def person_id_number_reveal(*, access: Access, person: Person) -> str:
    """The whole ID number, for roles whose work needs it; every reveal is audited."""
    user = access.user
    refusal, reason = None, ""
    if not (user and person_accessible(user=user, person=person) and
            permissions.reveals_id_numbers(user)):  # fmt: skip
        refusal, reason = _("Your role may not see whole ID numbers."), "role"
    elif "id_number" in person_withheld(user=user, person=person):
        refusal = _("This ID number was delivered by another city; it is shown with the person's consent.")
        reason = "withheld"
    if refusal is not None:
        audit_record(
            access=access, action=AuditEvent.Action.DENIED, object_type="registry.person",
            object_id=person.pk, object_region=person.home_region.code,
            detail={"wanted": "id_number", "reason": reason},
        )  # fmt: skip
        raise NotAllowed(refusal)
    audit_record(
        access=access, action=AuditEvent.Action.READ_UNMASKED, object_type="registry.person",
        object_id=person.pk, object_label=person.name, object_region=person.home_region.code,
    )  # fmt: skip
    return crypto.id_number_open(person.id_number_encrypted) if person.id_number_encrypted else ""


@transaction.atomic
def consent_grant(*, access: Access, person: Person, region: Region) -> Consent:
    """Record the person's consent to share their record with another region's staff."""
    user = access.user
    own = person_is_own(user=user, person=person)
    if not own and not (user and person_editable(user=user, person=person)):
        raise NotAllowed(_("Only the person or their city's talent office may record consent."))
    if region.pk == person.home_region_id:
        raise DomainError(_("Consent is needed only for another city."), code="same_region")
    if person.consents.filter(region=region, withdrawn_at__isnull=True).exists():
        raise Conflict(_("Consent for this city is already on record."), code="consent_exists")
    consent = Consent.objects.create(
        person=person, region=region, recorded_by=user,
        channel=Consent.Channel.SELF_SERVICE if own else Consent.Channel.PAPER,
    )  # fmt: skip
    audit_record(
        access=access, action=AuditEvent.Action.CREATE, object_type="registry.consent",
        object_id=consent.pk, object_label=person.name, object_region=person.home_region.code,
        detail={"region": region.code},
    )  # fmt: skip
    return consent


@transaction.atomic
def consent_withdraw(*, access: Access, consent: Consent) -> Consent:
    """Withdraw a consent; the other region loses access at once."""
    user = access.user
    person = consent.person
    own = person_is_own(user=user, person=person)
    if not own and not (user and person_editable(user=user, person=person)):
        raise NotAllowed(_("Only the person or their city's talent office may withdraw consent."))
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit_record(
            access=access, action=AuditEvent.Action.UPDATE, object_type="registry.consent",
            object_id=consent.pk, object_label=person.name,
            object_region=person.home_region.code, detail={"withdrawn": True},
        )  # fmt: skip
    return consent


def _persons_matching(name: str, id_number: str, region: Region) -> list[Person]:
    # Until linkage merges them, the same person may have a record in each city:
    # the city the talent registers in decides which one the account belongs to.
    return list(
        Person.objects.filter(
            id_number_index=crypto.id_number_index(id_number), name=name, home_region=region,
            status=Person.Status.ACTIVE, account__isnull=True,
        )[:2]
    )  # fmt: skip


@transaction.atomic
def talent_register(
    *,
    name: str,
    id_number: str,
    phone: str,
    email: str,
    password: str,
    region: Region,
    client: str | None = None,
) -> User | None:
    """Open a talent's account; link it to their person record when name and ID match one.

    An ID number or phone number registered before gets the same answer (None instead of the new
    account) after the same work: the account holder is told by message instead, so the answer
    does not reveal who is registered."""
    registration_throttle(client=client)
    try:
        parsed = idnumbers.parse(id_number)
    except idnumbers.IdNumberError as exc:
        raise DomainError(exc.message, code=f"id_number.{exc.code}", field="id_number") from None
    name = "".join(name.split())
    user = User(username=phone, full_name=name, phone=phone, email=email, role=Role.TALENT)
    password_check(password, user)
    user.set_password(password)
    token, index = crypto.id_number_seal(parsed.value)
    holders = _registered_holders(index=index, phone=phone)
    if holders:
        for holder in holders:
            _tell_registered(holder)
        return None
    user.save()
    claim = TalentClaim.objects.create(
        user=user, region=region, name=name, id_number_encrypted=token,
        id_number_index=index, id_number_masked=parsed.masked,
    )  # fmt: skip
    matches = _persons_matching(name, parsed.value, region)
    if len(matches) == 1:
        _link(claim, matches[0], decided_by=None)
    else:
        user.link_status = User.LinkStatus.PENDING
        user.save(update_fields=["link_status"])
    return user


def _registered_holders(*, index: str, phone: str) -> list[User]:
    """The accounts that already hold this ID number (through their claim) or this phone number."""
    by_id = TalentClaim.objects.filter(id_number_index=index).values("user_id")
    return list(User.objects.filter(Q(pk__in=by_id) | Q(username=phone)).order_by("pk"))


REGISTERED_AGAIN = notice_register(
    "registry.registered_again",
    subject=_("Someone tried to register with your details"),
    body=_(
        "On %(date)s someone tried to open a TalentLink account with your ID number or phone "
        "number. If it was you: you already have an account; log in with the user name %(username)s "
        "or reset your password. If it was not you, tell your city's talent office."
    ),
)


def _tell_registered(holder: User) -> None:
    owner_tell(
        user=holder, notice=REGISTERED_AGAIN,
        params={"date": timezone.localdate().isoformat(), "username": holder.username},
    )  # fmt: skip


def _link(claim: TalentClaim, person: Person, *, decided_by: User | None) -> None:
    person.account = claim.user
    person.save(update_fields=["account", "updated_at"])
    claim.status, claim.person = TalentClaim.Status.LINKED, person
    claim.decided_by, claim.decided_at = decided_by, timezone.now()
    claim.save()
    claim.user.link_status = User.LinkStatus.LINKED
    claim.user.region = person.home_region
    claim.user.save(update_fields=["link_status", "region"])


@transaction.atomic
def talent_claim_decide(
    *, access: Access, claim: TalentClaim, person: Person | None, approve: bool, note: str = ""
) -> TalentClaim:
    """Staff confirm a pending registration (linking it to a person) or reject it."""
    user = _require_office_of(access, claim.region_id)
    if claim.status != TalentClaim.Status.PENDING:
        raise Conflict(_("This registration has already been decided."), code="decided")
    if approve:
        if person is None:
            raise DomainError(_("Choose the person record to link."), code="person", field="person")
        if not person_editable(user=user, person=person):
            raise NotAllowed(_("You may link accounts to your own city's persons only."))
        if person.account_id:
            raise Conflict(_("This person already has an account."), code="person_has_account")
        _link(claim, person, decided_by=user)
    else:
        if not note.strip():
            raise DomainError(_("Give a reason for the rejection."), code="reason", field="note")
        claim.status, claim.note = TalentClaim.Status.REJECTED, note.strip()
        claim.decided_by, claim.decided_at = user, timezone.now()
        claim.save()
        claim.user.link_status = User.LinkStatus.REJECTED
        claim.user.save(update_fields=["link_status"])
    audit_record(
        access=access, action=AuditEvent.Action.DECIDE, object_type="registry.talentclaim",
        object_id=claim.pk, object_label=claim.name, object_region=claim.region.code,
        detail={"approved": approve, "person": person.pk if person else None, "note": note},
    )  # fmt: skip
    return claim
