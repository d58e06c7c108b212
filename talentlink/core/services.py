"""Writes of the core domain: organisations, accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core import credit_codes, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.mail import language_of, mail_to
from talentlink.core.models import AuditEvent, Organisation, Region, Role, User
from talentlink.core.notices import Notice, notice_mail, notice_register
from talentlink.core.throttle import RateLimited, rate_hit

LICENCE_TYPES = {
    b"%PDF": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG": "image/png",
}


def _check_licence(upload: File) -> None:
    if upload.size > settings.TALENTLINK_LICENCE_MAX_BYTES:
        raise DomainError(
            _("The licence scan is larger than %(mb)s MB.")
            % {"mb": settings.TALENTLINK_LICENCE_MAX_BYTES // 1024 // 1024},
            code="licence_too_large",
            field="licence",
        )
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in LICENCE_TYPES):
        raise DomainError(
            _("The licence scan must be a PDF, JPEG or PNG file."),
            code="licence_type",
            field="licence",
        )


def password_check(password: str, user: User) -> None:
    """Refuse a password the platform's password rules reject (every account-creating service)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="password", field="password") from None


def username_check_free(username: str) -> None:
    """Refuse a user name that an account already has."""
    if User.objects.filter(username=username).exists():
        raise Conflict(_("An account with this user name already exists."), code="username", field="username")


def registration_throttle(*, client: str | None) -> None:
    """At most TALENTLINK_REGISTRATION_IP_RATE self-registrations from one client address."""
    if not rate_hit(scope="register", key=client or "unknown", rate=settings.TALENTLINK_REGISTRATION_IP_RATE):
        raise RateLimited(
            _("Too many registrations from your network address; please try again later."), code="rate"
        )


def owner_tell(*, user: User, notice: Notice, params: dict[str, Any]) -> None:
    """Tell an account's holder about something done in their name: in their inbox and by e-mail,
    each read in the reader's language. The inbox is an app's (the ``inbox_deliver`` hook, which
    credentials defines); with none installed, the e-mail alone goes out."""
    link = reverse("core:password_reset")
    inboxes = [c for c in django_apps.get_app_configs() if hasattr(c, "inbox_deliver")]
    for config in inboxes:
        config.inbox_deliver(user=user, notice=notice, params=params, link=link)
    if not inboxes:
        notice_mail(user=user, notice=notice, params=params, link=link)


ORGANISATION_AGAIN = notice_register(
    "core.organisation_registered_again",
    subject=_("Someone tried to register your organisation again"),
    body=_(
        "On %(date)s someone tried to register %(name)s on TalentLink again, as %(contact)s. "
        "Your organisation keeps its accounts; nothing was created. If a colleague needs an "
        "account, ask your city's talent office."
    ),
)


@transaction.atomic
def employer_register(
    *,
    organisation_name: str,
    credit_code: str,
    region: Region,
    licence: UploadedFile,
    contact_name: str,
    username: str,
    phone: str,
    email: str,
    password: str,
    client: str | None = None,
) -> User | None:
    """Register an employer and its organisation; both wait for the region's staff.

    An organisation registered before gets the same answer (None instead of the new account): its
    account holders are told instead, so the answer does not reveal which organisations are here."""
    registration_throttle(client=client)
    try:
        code = credit_codes.parse(credit_code)
    except credit_codes.CreditCodeError as exc:
        raise DomainError(exc.message, code=f"credit_code.{exc.code}", field="credit_code") from None
    _check_licence(licence)
    # A user name is chosen, so a taken one has to be said; the throttle above slows probing.
    username_check_free(username)
    user = User(
        username=username, full_name=contact_name, email=email, phone=phone,
        role=Role.EMPLOYER, region=region, is_active=False,
    )  # fmt: skip
    password_check(password, user)
    user.set_password(password)
    existing = Organisation.objects.filter(credit_code=code).first()
    if existing is not None:
        for holder in existing.users.all():
            owner_tell(
                user=holder,
                notice=ORGANISATION_AGAIN,
                params={
                    "date": timezone.localdate().isoformat(), "name": existing.name, "contact": contact_name,
                },
            )  # fmt: skip
        return None
    organisation = Organisation.objects.create(
        name=organisation_name.strip(), credit_code=code, region=region,
        contact_name=contact_name, contact_phone=phone, licence=licence,
    )  # fmt: skip
    user.organisation = organisation
    user.save()
    return user


@transaction.atomic
def organisation_decide(
    *, access: Access, organisation: Organisation, approve: bool, note: str = ""
) -> Organisation:
    """Approve or reject a registered organisation; its accounts open on approval."""
    actor = access.user
    if not (actor and permissions.may_manage_region(actor, organisation.region_id)):
        raise NotAllowed(_("Only the talent office of the organisation's city may decide."))
    if organisation.status != Organisation.Status.PENDING:
        raise Conflict(_("This organisation has already been decided."), code="decided")
    if not approve and not note.strip():
        raise DomainError(_("Give a reason for the rejection."), code="reason", field="note")
    organisation.status = Organisation.Status.APPROVED if approve else Organisation.Status.REJECTED
    organisation.reviewed_by, organisation.reviewed_at = actor, timezone.now()
    organisation.review_note = note.strip()
    organisation.save()
    if approve:
        organisation.users.filter(role=Role.EMPLOYER).update(is_active=True)
    audit_record(
        access=access, action=AuditEvent.Action.DECIDE, object_type="core.organisation",
        object_id=organisation.pk, object_label=organisation.name,
        object_region=organisation.region.code,
        detail={"approved": approve, "note": organisation.review_note},
    )  # fmt: skip
    return organisation


# What a city's talent office may do in the back office: read its city's data, and maintain the
# catalogues and export formats (data, not code). Accounts and decisions go through the audited pages.
OFFICE_GROUP = "talent office"
OFFICE_PERMISSIONS = (
    "view_region", "view_organisation", "view_user", "view_auditevent",
    "view_talentcategory", "view_tier", "change_tier", "add_tiermapping", "change_tiermapping",
    "view_tiermapping", "delete_tiermapping", "view_sourcesystem", "add_sourcesystem",
    "change_sourcesystem", "view_columnmapping", "add_columnmapping", "change_columnmapping",
    "delete_columnmapping", "view_valuemapping", "add_valuemapping", "change_valuemapping",
    "delete_valuemapping", "view_importbatch", "view_consent", "view_talentclaim",
)  # fmt: skip


def office_staff_grant(*, user: User) -> None:
    """Open the back office to a talent office account with the office's permissions."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=OFFICE_GROUP)
    if group.permissions.count() != len(OFFICE_PERMISSIONS):
        group.permissions.set(Permission.objects.filter(codename__in=OFFICE_PERMISSIONS))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(group)


# Which roles a region's talent office may create accounts for.
STAFF_CREATABLE_ROLES = (
    Role.TALENT_OFFICE, Role.HR_REVIEWER, Role.SERVICE_POINT, Role.REVIEW_ORGANISER,
)  # fmt: skip


@transaction.atomic
def staff_account_create(
    *,
    access: Access,
    username: str,
    full_name: str,
    email: str,
    role: str,
    region: Region | None,
    password: str,
) -> User:
    """Create a staff-side account; a city's talent office may do so for its own city only."""
    actor = access.user
    if actor is None or not permissions.is_office(actor):
        raise NotAllowed(_("Only talent office staff may create staff accounts."))
    if not permissions.is_superuser(actor):
        if role not in STAFF_CREATABLE_ROLES:
            raise NotAllowed(_("A city's talent office cannot create accounts with this role."))
        if region is None or region.pk != actor.region_id:
            raise NotAllowed(_("You may create accounts for your own city only."))
    if role != Role.PROVINCE_OBSERVER and region is None:
        raise DomainError(_("This role needs a region."), code="region", field="region")
    username_check_free(username)
    user = User(
        username=username, full_name=full_name, email=email, role=role,
        region=region if role != Role.PROVINCE_OBSERVER else None,
    )  # fmt: skip
    password_check(password, user)
    user.set_password(password)
    user.save()
    if role == Role.TALENT_OFFICE:
        office_staff_grant(user=user)
    audit_record(
        access=access, action=AuditEvent.Action.CREATE, object_type="core.user",
        object_id=user.pk, object_label=user.username,
        object_region=region.code if region else "", detail={"role": role},
    )  # fmt: skip
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Change a password after checking the old one and the password rules."""
    if not user.check_password(old_password):
        raise DomainError(_("The current password is wrong."), code="old_password", field="old_password")
    password_check(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])


class _PasswordResetForm(PasswordResetForm):
    """Django's reset form, mailing through core.mail in the account holder's language (not the
    language of whoever asked)."""

    def send_mail(
        self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
        from_email: str | None, to_email: str, html_email_template_name: str | None = None,
    ) -> None:  # fmt: skip
        mail_to(
            recipient=to_email, language=language_of(context["user"]), subject_template=subject_template_name,
            template=email_template_name, context=context, on_commit=False,
        )  # fmt: skip


def password_reset_request(*, email: str, domain: str, use_https: bool, client: str | None = None) -> None:
    """E-mail a reset link to the active accounts with this address (silently none); at most
    TALENTLINK_PASSWORD_RESET_RATE per address and TALENTLINK_PASSWORD_RESET_IP_RATE per client."""
    form = _PasswordResetForm({"email": email})
    if not form.is_valid():
        raise DomainError(_("Enter a valid e-mail address."), code="email", field="email")
    # Both counters count every request, whether or not an account uses the address.
    address = form.cleaned_data["email"].lower()
    address_ok = rate_hit(scope="reset-mail", key=address, rate=settings.TALENTLINK_PASSWORD_RESET_RATE)
    client_ok = rate_hit(
        scope="reset-client", key=client or "unknown", rate=settings.TALENTLINK_PASSWORD_RESET_IP_RATE
    )
    if not (address_ok and client_ok):
        raise RateLimited(
            _(
                "Too many password-reset requests for this address or from your network address; "
                "use the link already sent, or try again later."
            ),
            code="rate",
            field="email",
        )
    form.save(
        domain_override=domain,
        use_https=use_https,
        subject_template_name="core/email/password_reset_subject.txt",
        email_template_name="core/email/password_reset_email.txt",
    )


def audit_log_export(*, access: Access, **filters: str) -> Iterator[tuple[Any, ...]]:
    """The rows of the visible audit log for export; the export itself is audited."""
    from talentlink.core import selectors

    user = access.user
    if user is None or not permissions.is_office(user):
        raise NotAllowed(_("Only talent office staff may read the audit log."))
    qs = selectors.audit_events_visible(user=user, **filters)
    audit_record(
        access=access, action=AuditEvent.Action.EXPORT, object_type="core.auditevent",
        object_label="audit log", detail={"filters": filters},
    )  # fmt: skip
    return selectors.audit_export_rows(qs)
