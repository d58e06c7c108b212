"""Writes of credential recognition: applications, review decisions, revocation, notifications."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from talentlink.core import crypto, idnumbers, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import Conflict, DomainError, NotAllowed, NotFound
from talentlink.core.models import AuditEvent, Organisation, Region, Role, User
from talentlink.core.notices import Notice, Params, localised, notice_mail, notice_register
from talentlink.credentials.backends import RegistryAnswer, RegistryQuery, normalise_name, registry_backend
from talentlink.credentials.models import (
    Application,
    CertificateKind,
    IssuingAuthority,
    Notification,
    Recognition,
    RecognitionRegion,
)
from talentlink.credentials.selectors import application_is_own
from talentlink.registry.merges import rows_follow, rows_return
from talentlink.registry.models import Person
from talentlink.registry.selectors import person_own

logger = logging.getLogger(__name__)

# Why the registry's record and the application disagree, by code (stored on the application).
REFUSAL_REASONS = {
    "name": _("The holder's name differs from the registry's record."),
    "id_number": _("The ID number differs from the registry's record."),
    "kind": _("The kind or level of the certificate differs from the registry's record."),
    "issued_on": _("The date of issue differs from the registry's record."),
    "authority": _("The issuing authority differs from the registry's record."),
    "withdrawn": _("The registry records this certificate as withdrawn."),
    "expired": _("The certificate has expired."),
}

SCAN_TYPES = {"pdf": (".pdf",), "jpeg": (".jpg", ".jpeg")}


# --- Checks ------------------------------------------------------------------------------


def scan_check(upload: UploadedFile) -> str:
    """Accept a PDF or JPEG scan by its content (and a matching name); return its type."""
    limit = int(getattr(settings, "TALENTLINK_CREDENTIAL_SCAN_MAX_BYTES", 5 * 1024 * 1024))
    if upload.size is None or upload.size > limit:
        raise DomainError(
            _("The scan is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)},
            code="scan_too_large", field="scan",
        )  # fmt: skip
    if upload.size == 0:
        raise DomainError(_("The scan is empty."), code="scan_empty", field="scan")
    kind = _scan_content_type(upload)
    suffix = Path(upload.name or "").suffix.lower()
    if kind is None:
        raise DomainError(_("The scan must be a PDF or JPEG file."), code="scan_type", field="scan")
    if suffix not in SCAN_TYPES[kind]:
        raise DomainError(
            _("The file's name (%(suffix)s) does not match its content (%(kind)s).")
            % {"suffix": suffix or "—", "kind": kind.upper()},
            code="scan_extension", field="scan",
        )  # fmt: skip
    return kind


def _scan_content_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        from io import BytesIO

        from PIL import Image

        try:
            with Image.open(BytesIO(data)) as image:
                image.verify()
                return "jpeg" if image.format == "JPEG" else None
        except Exception:  # Pillow raises many kinds for a broken image
            return None
    return None


def _certificate_number(raw: str) -> str:
    number = "".join((raw or "").split()).upper()
    if not (4 <= len(number) <= 40) or not all(c.isalnum() or c in "-/" for c in number):
        raise DomainError(
            _("A certificate number has 4 to 40 letters, digits, hyphens or slashes."),
            code="certificate_number", field="certificate_number",
        )  # fmt: skip
    return number


def kind_get(*, code: str) -> CertificateKind:
    """An active certificate kind by its code; an unknown kind is a clear error."""
    kind = CertificateKind.objects.select_related("series").filter(code=code, is_active=True).first()
    if kind is None:
        raise DomainError(
            _("Unknown certificate kind %(code)s.") % {"code": code}, code="unknown_kind", field="kind"
        )
    return kind


def authority_get(*, code: str) -> IssuingAuthority:
    authority = IssuingAuthority.objects.select_related("region").filter(code=code).first()
    if authority is None:
        raise DomainError(
            _("Unknown issuing authority %(code)s.") % {"code": code}, code="unknown_authority",
            field="authority",
        )  # fmt: skip
    return authority


def working_days_after(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (weekends and TALENTLINK_HOLIDAYS skipped)."""
    holidays = {dt.date.fromisoformat(d) for d in getattr(settings, "TALENTLINK_HOLIDAYS", [])}
    current, left = start, days
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            left -= 1
    return current


def _review_due() -> dt.date:
    return working_days_after(
        timezone.localdate(), int(getattr(settings, "TALENTLINK_CREDENTIAL_REVIEW_DAYS", 10))
    )


# --- Who applies ---------------------------------------------------------------------------


def applicant_person(
    *, access: Access, holder_name: str, id_number: str
) -> tuple[Person, Organisation | None]:
    """The person an application is for: the talent themself, or an employee of the employer."""
    user = access.user
    index = crypto.id_number_index(id_number)
    if user is not None and user.role == Role.TALENT:
        person = person_own(user=user)
        if person is None:
            raise NotAllowed(_("Your account is not linked to a person record yet."), code="not_linked")
        if person.id_number_index != index or normalise_name(person.name) != normalise_name(holder_name):
            raise DomainError(
                _("The holder's name and ID number must be yours, as on your record."),
                code="not_holder", field="id_number",
            )  # fmt: skip
        return person, None
    organisation = user.organisation if user is not None and user.role == Role.EMPLOYER else None
    if organisation is None or organisation.status != Organisation.Status.APPROVED:
        raise NotAllowed(_("Only a talent or their approved employer may apply for recognition."))
    person = Person.objects.filter(
        id_number_index=index, name=normalise_name(holder_name), status=Person.Status.ACTIVE,
        employer_credit_code=organisation.credit_code,
    ).first()  # fmt: skip
    if person is None:
        raise NotFound(
            _("No employee of your organisation with this name and ID number is in the talent registry."),
            code="not_employee", field="id_number",
        )  # fmt: skip
    return person, organisation


# --- Applications ----------------------------------------------------------------------------


def application_submit(
    *,
    access: Access,
    kind_code: str,
    certificate_number: str,
    holder_name: str,
    id_number: str,
    issued_on: dt.date,
    authority_code: str,
    target_region: Region,
    scan: UploadedFile | None = None,
    note: str = "",
) -> Application:
    """Submit a certificate for recognition and consult the registry at once.

    Found and consistent: recognised in every city (自动互认). Found but inconsistent: refused with
    the reasons. Not found: the review queue of the target city. Bad input, a duplicate or an
    untrustworthy registry answer raise and record nothing.
    """
    try:
        parsed_id = idnumbers.parse(id_number)
    except idnumbers.IdNumberError as exc:
        raise DomainError(exc.message, code=f"id_number.{exc.code}", field="id_number") from None
    person, organisation = applicant_person(access=access, holder_name=holder_name, id_number=parsed_id.value)
    kind = kind_get(code=kind_code)
    authority = authority_get(code=authority_code)
    number = _certificate_number(certificate_number)
    _check_target(target_region, authority)
    if issued_on > timezone.localdate():
        raise DomainError(_("The date of issue lies in the future."), code="issued_on", field="issued_on")
    if scan is not None:
        scan_check(scan)
    _check_not_duplicate(kind, number)
    answer = registry_backend().lookup(
        RegistryQuery(
            certificate_number=number, holder_name=normalise_name(holder_name), id_number=parsed_id.value
        )
    )
    token, index = crypto.id_number_seal(parsed_id.value)
    application = Application(
        person=person, submitted_by=access.user, on_behalf_of=organisation, kind=kind,
        certificate_number=number, holder_name=normalise_name(holder_name), id_number_encrypted=token,
        id_number_index=index, id_number_masked=parsed_id.masked, issued_on=issued_on,
        authority=authority, target_region=target_region, note=note[:500],
        registry_evidence=answer.as_evidence(),
    )  # fmt: skip
    _apply_answer(application, answer)
    return _application_record(access=access, application=application, scan=scan)


def _check_target(target_region: Region, authority: IssuingAuthority) -> None:
    if not target_region.is_active:
        raise DomainError(_("This city does not take part in the platform."), code="target_region")
    if authority.region_id == target_region.pk:
        raise DomainError(
            _("A certificate is valid in the city that issued it; choose the other city."),
            code="same_city", field="target_region",
        )  # fmt: skip


def _check_not_duplicate(kind: CertificateKind, number: str) -> None:
    live = Application.objects.filter(kind=kind, certificate_number=number, status__in=_live_statuses())
    if live.exists():
        raise Conflict(
            _("This certificate is already recognised or under review."),
            code="duplicate", field="certificate_number",
        )  # fmt: skip


def _live_statuses() -> list[str]:
    return [Application.Status.REVIEW, Application.Status.MORE_INFO, Application.Status.RECOGNISED]


def refusal_reasons(application: Application, answer: RegistryAnswer) -> list[str]:
    """The codes of every disagreement between an application and the registry's record."""
    checks = {
        "name": not answer.holder_name_matches,
        "id_number": not answer.id_number_matches,
        "kind": answer.kind != application.kind.code,
        "issued_on": answer.issued_on != application.issued_on.isoformat(),
        "authority": answer.authority != application.authority.code,
        "withdrawn": answer.status == "withdrawn",
        "expired": bool(answer.valid_until) and answer.valid_until < timezone.localdate().isoformat(),
    }
    return [code for code, failed in checks.items() if failed]


def _apply_answer(application: Application, answer: RegistryAnswer) -> None:
    if not answer.found:
        application.status, application.route = Application.Status.REVIEW, Application.Route.REVIEWED
        application.due_on = _review_due()
        return
    application.route = Application.Route.AUTOMATIC
    reasons = refusal_reasons(application, answer)
    application.decided_at = timezone.now()
    if reasons:
        application.status, application.refusal_reasons = Application.Status.REFUSED, reasons
    else:
        application.status = Application.Status.RECOGNISED


def _application_record(
    *, access: Access, application: Application, scan: UploadedFile | None
) -> Application:
    try:
        with transaction.atomic():
            if scan is not None:
                application.scan.save(scan.name or "scan", scan, save=False)
            application.save()
            if application.status == Application.Status.RECOGNISED:
                _recognise(application)
            _audit(access, application, AuditEvent.Action.CREATE, status=application.status)
    except IntegrityError:
        if application.scan:
            application.scan.delete(save=False)
        raise Conflict(
            _("This certificate is already recognised or under review."),
            code="duplicate", field="certificate_number",
        ) from None  # fmt: skip
    _notify_applicant(application, application.status)
    return application


def _recognise(application: Application) -> Recognition:
    now = timezone.now()
    recognition = Recognition.objects.create(
        person=application.person, application=application, kind=application.kind,
        certificate_number=application.certificate_number, level=application.kind.level,
        recognised_at=now,
    )  # fmt: skip
    RecognitionRegion.objects.bulk_create(
        RecognitionRegion(recognition=recognition, region=region, since=timezone.localdate(now))
        for region in Region.objects.filter(is_active=True)
    )
    return recognition


def _audit(access: Access, application: Application, action: str, **detail: object) -> None:
    audit_record(
        access=access, action=action, object_type="credentials.application", object_id=application.pk,
        object_label=f"{application.holder_name} {application.kind.name} {application.certificate_number}",
        object_region=application.target_region.code, detail={k: str(v) for k, v in detail.items()},
    )  # fmt: skip


def _reviewer_of(access: Access, application: Application) -> User:
    user = access.user
    if user and permissions.reviews_region(user, application.target_region_id):
        return user
    raise NotAllowed(_("Only the HR bureau of the city where recognition is sought may decide."))


DECISIONS = {
    "approve": Application.Status.RECOGNISED,
    "reject": Application.Status.REJECTED,
    "more_info": Application.Status.MORE_INFO,
}


@transaction.atomic
def application_decide(
    *, access: Access, application: Application, decision: str, reason: str = ""
) -> Application:
    """An HR reviewer approves, rejects (with a reason) or asks for more material; audited, notified."""
    user = _reviewer_of(access, application)
    application = Application.objects.select_for_update().select_related(
        "kind__series", "target_region", "person", "submitted_by"
    ).get(pk=application.pk)  # fmt: skip
    if decision not in DECISIONS:
        raise DomainError(_("Unknown decision %(d)s.") % {"d": decision}, code="decision", field="decision")
    if application.status != Application.Status.REVIEW:
        raise Conflict(_("This application is not awaiting review."), code="not_in_review")
    reason = reason.strip()
    if decision != "approve" and not reason:
        raise DomainError(_("Give the applicant a reason."), code="reason_required", field="reason")
    application.status = DECISIONS[decision]
    application.decision_note, application.decided_by = reason[:500], user
    if decision != "more_info":
        application.decided_at = timezone.now()
    application.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    if decision == "approve":
        _recognise(application)
    _audit(access, application, AuditEvent.Action.DECIDE, decision=decision, reason=reason)
    _notify_applicant(application, application.status)
    return application


@transaction.atomic
def application_supplement(
    *, access: Access, application: Application, note: str = "", scan: UploadedFile | None = None
) -> Application:
    """The applicant answers a request for more material; the application returns to the queue."""
    user = access.user
    if not application_is_own(user=user, application=application):
        raise NotAllowed(_("Only the applicant may add material."))
    if application.status != Application.Status.MORE_INFO:
        raise Conflict(_("No material was asked for."), code="not_more_info")
    if not note.strip() and scan is None:
        raise DomainError(_("Add a note or a scan."), code="empty_supplement", field="note")
    if scan is not None:
        scan_check(scan)
        if application.scan:
            application.scan.delete(save=False)
        application.scan.save(scan.name or "scan", scan, save=False)
    if note.strip():
        application.note = note.strip()[:500]
    application.status, application.due_on = Application.Status.REVIEW, _review_due()
    application.save(update_fields=["scan", "note", "status", "due_on"])
    _audit(access, application, AuditEvent.Action.UPDATE, supplement=True, scan=scan is not None)
    return application


@transaction.atomic
def recognition_revoke(*, access: Access, recognition: Recognition, reason: str) -> Recognition:
    """Revoke a recognition (the registry withdrew the certificate); audited, applicant notified."""
    user = access.user
    if user is not None and not permissions.is_hr_reviewer(user):
        raise NotAllowed(_("Only the HR bureau may revoke a recognition."))
    if recognition.status == Recognition.Status.REVOKED:
        return recognition
    recognition.status, recognition.revoked_at = Recognition.Status.REVOKED, timezone.now()
    recognition.revoked_reason = reason[:300]
    recognition.save(update_fields=["status", "revoked_at", "revoked_reason"])
    application = recognition.application
    application.status = Application.Status.REVOKED
    application.save(update_fields=["status"])
    _audit(access, application, AuditEvent.Action.UPDATE, revoked=True, reason=reason)
    _notify_applicant(application, Application.Status.REVOKED)
    return recognition


def recognitions_revoke_withdrawn(*, access: Access, numbers: set[str], reason: str) -> int:
    """Revoke every active recognition of the withdrawn certificate numbers; return how many."""
    revoked = 0
    active = Recognition.objects.select_related(
        "application__kind", "application__target_region", "application__person", "application__submitted_by"
    ).filter(certificate_number__in=numbers, status=Recognition.Status.ACTIVE)  # fmt: skip
    for recognition in active:
        recognition_revoke(access=access, recognition=recognition, reason=reason)
        revoked += 1
    return revoked


# --- Notifications -----------------------------------------------------------------------------


def _application_params(params: Params) -> Params:
    values = localised(params, "kind", "city")
    values["reasons"] = " ".join(str(REFUSAL_REASONS.get(r, r)) for r in params.get("reasons", []))
    return values


def _application_notice(status: str, subject: Promise, body: Promise) -> Notice:
    return notice_register(f"application.{status}", subject=subject, body=body, localise=_application_params)


NOTICES: dict[str, Notice] = {
    Application.Status.RECOGNISED: _application_notice(
        Application.Status.RECOGNISED,
        _("Your certificate is recognised"),
        _("%(kind)s %(number)s is recognised in every city of the platform."),
    ),
    Application.Status.REFUSED: _application_notice(
        Application.Status.REFUSED,
        _("Your certificate could not be recognised"),
        _("%(kind)s %(number)s does not agree with the certificate registry: %(reasons)s"),
    ),
    Application.Status.REVIEW: _application_notice(
        Application.Status.REVIEW,
        _("Your application is with the HR bureau"),
        _("%(kind)s %(number)s is not in the certificate registry; the HR bureau of %(city)s reviews it "
          "by %(due)s."),
    ),
    Application.Status.REJECTED: _application_notice(
        Application.Status.REJECTED,
        _("Your application was rejected"),
        _("The HR bureau rejected %(kind)s %(number)s: %(note)s"),
    ),
    Application.Status.MORE_INFO: _application_notice(
        Application.Status.MORE_INFO,
        _("The HR bureau asks for more material"),
        _("For %(kind)s %(number)s the HR bureau asks: %(note)s"),
    ),
    Application.Status.REVOKED: _application_notice(
        Application.Status.REVOKED,
        _("A recognition was revoked"),
        _("The recognition of %(kind)s %(number)s was revoked: the registry withdrew the certificate."),
    ),
}  # fmt: skip


def _notify_applicant(application: Application, event: str) -> None:
    recipients = {application.submitted_by}
    if (account := application.person.account) is not None:
        recipients.add(account)
    params = {
        "kind": application.kind.name, "kind_en": application.kind.name_en,
        "number": application.certificate_number,
        "city": application.target_region.name, "city_en": application.target_region.name_en,
        "note": application.decision_note,
        "due": application.due_on.isoformat() if application.due_on else "",
        "reasons": list(application.refusal_reasons),
    }  # fmt: skip
    link = reverse("credentials:application_detail", args=[application.pk])
    for user in recipients:
        notify(user=user, notice=NOTICES[event], params=params, link=link)


def notify(*, user: User, notice: Notice, params: Params, link: str = "") -> Notification:
    """Put a notice in the user's inbox (read in each reader's language) and e-mail it to them in
    theirs once the transaction commits."""
    subject, body = notice_mail(user=user, notice=notice, params=params, link=link)
    return Notification.objects.create(
        user=user, code=notice.code, params=params, subject=subject[:200], body=body, link=link
    )


@transaction.atomic
def notification_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read."""
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_read_all(*, user: User) -> int:
    """Mark every unread notification of the user read; how many were."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def recognitions_recheck(
    *, access: Access, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Ask the registry again about every active recognition; revoke those it reports withdrawn.

    A certificate the registry does not know (one recognised after review) is left as it is; an
    answer that cannot be trusted, or a registry that is down, is counted and skipped.
    """
    backend = registry_backend()
    outcome = {"checked": 0, "withdrawn": 0, "failed": 0}
    active = Recognition.objects.filter(status=Recognition.Status.ACTIVE).select_related(
        "application__kind", "application__target_region", "application__person", "application__submitted_by"
    )  # fmt: skip
    reason = str(_("The province's certificate registry withdrew the certificate."))
    for recognition in active.iterator(chunk_size=500):
        application = recognition.application
        query = RegistryQuery(
            certificate_number=recognition.certificate_number, holder_name=application.holder_name,
            id_number=crypto.id_number_open(application.id_number_encrypted),
        )  # fmt: skip
        try:
            answer = backend.lookup(query)
        except DomainError:
            outcome["failed"] += 1
            continue
        outcome["checked"] += 1
        if answer.found and answer.status == "withdrawn":
            outcome["withdrawn"] += 1
            if not dry_run:
                recognition_revoke(access=access, recognition=recognition, reason=reason)
        if progress and outcome["checked"] % 500 == 0:
            progress(outcome["checked"])
    return outcome


# --- Following merges of persons ----------------------------------------------------------


def credentials_person_merged(*, source_id: int, target_id: int) -> dict[str, Any]:
    """A retired person's applications and recognised credentials belong to its successor."""
    moved = {
        "applications": rows_follow(Application, source_id=source_id, target_id=target_id),
        "recognitions": rows_follow(Recognition, source_id=source_id, target_id=target_id),
    }
    return {key: ids for key, ids in moved.items() if ids}


def credentials_person_merge_undone(*, moved: dict[str, Any], source_id: int, target_id: int) -> None:
    """Put back what :func:`credentials_person_merged` moved."""
    for model, key in ((Application, "applications"), (Recognition, "recognitions")):
        rows_return(model, moved.get(key, []), source_id=source_id, target_id=target_id)
