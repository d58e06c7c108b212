"""Reads of credential recognition, with the access policy for applications and scans.

Applicants (the talent, or the employer that applied for them) see their applications; the HR
bureau and talent office of the city where recognition is sought see that city's; observers
see statistics only. Reads of applications (names, masked IDs, scans) are audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core import permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import DomainError, NotAllowed, NotFound
from talentlink.core.models import AuditEvent, Region, Role, User
from talentlink.credentials.backends import normalise_name
from talentlink.credentials.models import (
    LEVEL_ORDER,
    Application,
    Equivalence,
    Notification,
    Recognition,
    RegistryImport,
)
from talentlink.registry.selectors import person_is_own, person_own

# --- Contract: credentials → benefits, experts, talent code ------------------------------------


def person_credential_levels(*, person_id: int, purpose: str | None = None) -> set[str]:
    """The levels a person holds through recognised credentials, plus those they count as through
    the equivalence table for ``purpose`` (None: any purpose). See docs/contracts.md."""
    held = set(
        Recognition.objects.filter(person_id=person_id, status=Recognition.Status.ACTIVE)
        .exclude(level="")
        .values_list("level", flat=True)
    )
    if not held:
        return held
    equivalences = Equivalence.objects.filter(level__in=held)
    if purpose is not None:
        equivalences = equivalences.filter(purpose=purpose)
    return held | set(equivalences.values_list("counts_as", flat=True))


def persons_credential_levels(
    *, person_ids: Iterable[int], purpose: str | None = None
) -> dict[int, set[str]]:
    """:func:`person_credential_levels` of many persons in two queries (every id is a key)."""
    ids = list(person_ids)
    held: dict[int, set[str]] = {pk: set() for pk in ids}
    rows = (
        Recognition.objects.filter(person_id__in=ids, status=Recognition.Status.ACTIVE)
        .exclude(level="")
        .values_list("person_id", "level")
    )
    for person_id, level in rows:
        held[person_id].add(level)
    levels = {level for person_levels in held.values() for level in person_levels}
    if not levels:
        return held
    equivalences = Equivalence.objects.filter(level__in=levels)
    if purpose is not None:
        equivalences = equivalences.filter(purpose=purpose)
    counts_as: dict[str, set[str]] = {}
    for level, other in equivalences.values_list("level", "counts_as"):
        counts_as.setdefault(level, set()).add(other)
    return {
        pk: person_levels | {o for level in person_levels for o in counts_as.get(level, ())}
        for pk, person_levels in held.items()
    }


def level_satisfies(*, levels: set[str], required: str) -> bool:
    """Whether any level held is ``required`` or ranks above it in the same family."""
    for order in LEVEL_ORDER.values():
        if required in order:
            return any(level in order[order.index(required) :] for level in levels)
    return required in levels


# --- Applications ----------------------------------------------------------------------------


def application_is_own(*, user: User | None, application: Application) -> bool:
    """Whether the user applied: they submitted it, or it is for their own person (after merges too)."""
    if user is None:
        return False
    return application.submitted_by_id == user.pk or person_is_own(user=user, person=application.person)


def applications_visible(*, user: User) -> QuerySet[Application]:
    """The applications this user may open."""
    qs = Application.objects.select_related(
        "kind__series", "authority", "target_region", "person", "submitted_by", "on_behalf_of"
    )
    if permissions.is_superuser(user):
        return qs
    if user.role == Role.TALENT:
        # Through the golden person: a merge moves the applications and maybe not the account.
        own = person_own(user=user)
        return qs.filter(Q(person=own) | Q(submitted_by=user) if own else Q(submitted_by=user))
    if user.role == Role.EMPLOYER:
        return qs.filter(
            Q(submitted_by=user) | Q(on_behalf_of_id=user.organisation_id, on_behalf_of__isnull=False)
        )
    if permissions.handles_recognition(user):
        return permissions.region_scope(user, qs, "target_region_id")
    return qs.none()


def application_get(*, access: Access, application_id: int) -> Application:
    """One application, if the user may read it; the read (or refusal) is audited."""
    application = (
        applications_visible(user=access.user).filter(pk=application_id).first() if access.user else None
    )
    if application is None:
        other = Application.objects.select_related("target_region").filter(pk=application_id).first()
        if other is None:
            raise NotFound(_("No such application."))
        _audit_read(access, other, AuditEvent.Action.DENIED)
        # Answered as a missing one: an application id must not tell that it exists.
        raise NotFound(_("No such application."))
    _audit_read(access, application, AuditEvent.Action.READ)
    return application


def _audit_read(access: Access, application: Application, action: str, **detail: Any) -> None:
    audit_record(
        access=access, action=action, object_type="credentials.application", object_id=application.pk,
        object_label=f"{application.holder_name} {application.certificate_number}",
        object_region=application.target_region.code, detail=detail,
    )  # fmt: skip


def applications_shown(*, access: Access, applications: list[Application], what: str) -> list[Application]:
    """Record that a list of applications (names, masked IDs) was shown."""
    if applications:
        audit_record(
            access=access, action=AuditEvent.Action.READ, object_type="credentials.application",
            object_label=f"{what}: {len(applications)}", detail={"ids": [a.pk for a in applications]},
        )  # fmt: skip
    return applications


def application_scan(*, access: Access, application: Application) -> Any:
    """The scan of an application, for its applicant and the reviewing city; audited."""
    if not application.scan:
        raise NotFound(_("This application has no scan."))
    _audit_read(access, application, AuditEvent.Action.READ, wanted="scan")
    return application.scan


def reviewer_of(*, user: User, application: Application) -> bool:
    return permissions.reviews_region(user, application.target_region_id)


def review_queue(*, user: User) -> QuerySet[Application]:
    """The reviewing city's applications awaiting a decision, oldest first."""
    if not permissions.reviews_any_region(user):
        return Application.objects.none()
    qs = applications_visible(user=user).filter(status=Application.Status.REVIEW)
    return qs.order_by("submitted_at", "id")


def review_counts(*, user: User) -> dict[str, int]:
    """How many applications wait for the reviewer's city, and how many are past their deadline."""
    queue = review_queue(user=user)
    return {
        "waiting": queue.count(),
        "overdue": queue.filter(due_on__lt=timezone.localdate()).count(),
        "more_info": applications_visible(user=user).filter(status=Application.Status.MORE_INFO).count()
        if user.role == Role.HR_REVIEWER
        else 0,
    }


def is_overdue(application: Application, today: dt.date | None = None) -> bool:
    return (
        application.status == Application.Status.REVIEW
        and application.due_on is not None
        and application.due_on < (today or timezone.localdate())
    )


def recognitions_of(*, person_id: int) -> QuerySet[Recognition]:
    return (
        Recognition.objects.filter(person_id=person_id)
        .select_related("kind__series", "application")
        .prefetch_related("scopes__region")
    )


# --- Public verification -----------------------------------------------------------------------


class RateLimited(DomainError):
    status = 429


def rate_limit_check(*, scope: str, ip: str | None) -> None:
    """At most TALENTLINK_CREDENTIAL_VERIFY_RATE ("count/seconds") requests per IP address."""
    count, seconds = (
        int(p) for p in getattr(settings, "TALENTLINK_CREDENTIAL_VERIFY_RATE", "20/600").split("/")
    )
    window = int(timezone.now().timestamp()) // seconds
    key = f"credentials:rate:{scope}:{ip or 'unknown'}:{window}"
    cache.add(key, 0, timeout=seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        used = 1
    if used > count:
        raise RateLimited(
            _("Too many verifications from your address; please wait a few minutes."), code="rate"
        )


@dataclass(frozen=True, slots=True)
class Verification:
    kind: str
    series: str
    level: str
    status: str
    cities: tuple[tuple[str, dt.date], ...]
    recognised_on: dt.date
    revoked_on: dt.date | None


def public_verify(*, certificate_number: str, holder_name: str) -> list[Verification]:
    """Recognitions of a certificate number whose holder has that name: kind, level, cities, since.

    Nothing else about the holder is returned; a name that does not match finds nothing.
    """
    number = "".join((certificate_number or "").split()).upper()
    name = normalise_name(holder_name)
    if not number or not name:
        raise DomainError(_("Enter the certificate number and the holder's name."), code="required")
    recognitions = (
        Recognition.objects.filter(certificate_number=number, person__name=name)
        .select_related("kind__series")
        .prefetch_related("scopes__region")
        .order_by("-recognised_at")
    )
    return [
        Verification(
            kind=str(r.kind), series=str(r.kind.series), level=r.get_level_display() if r.level else "",
            status=r.status, cities=tuple((s.region.display_name, s.since) for s in r.scopes.all()),
            recognised_on=timezone.localdate(r.recognised_at),
            revoked_on=timezone.localdate(r.revoked_at) if r.revoked_at else None,
        )
        for r in recognitions
    ]  # fmt: skip


# --- Statistics -------------------------------------------------------------------------------


def statistics_visible(*, user: User) -> bool:
    return permissions.sees_aggregates(user)


@dataclass(slots=True)
class StatRow:
    month: str
    region: str
    family: str
    applications: int = 0
    automatic: int = 0
    reviewed: int = 0
    recognised: int = 0
    refused_or_rejected: int = 0
    pending: int = 0
    decision_days_total: float = 0.0
    decided: int = 0

    @property
    def approval_rate(self) -> float | None:
        decided = self.recognised + self.refused_or_rejected
        return round(100 * self.recognised / decided, 1) if decided else None

    @property
    def average_days_to_decision(self) -> float | None:
        return round(self.decision_days_total / self.decided, 1) if self.decided else None


RECOGNISED_EVER = {Application.Status.RECOGNISED, Application.Status.REVOKED}
NEGATIVE = {Application.Status.REFUSED, Application.Status.REJECTED}


def recognition_statistics(
    *, user: User, region_id: int | None = None, family: str = "", year: int | None = None
) -> list[StatRow]:
    """Applications by month (of submission), target city and certificate family: automatic vs
    reviewed, approval rate and average days to decision."""
    if not statistics_visible(user=user):
        raise NotAllowed(_("Statistics are for city staff and province observers."))
    qs = Application.objects.all()
    if region_id:
        qs = qs.filter(target_region_id=region_id)
    if family:
        qs = qs.filter(kind__series__family=family)
    if year:
        qs = qs.filter(submitted_at__year=year)
    names = {r.pk: r.display_name for r in Region.objects.all()}
    rows: dict[tuple[str, int, str], StatRow] = {}
    fields = ("submitted_at", "target_region_id", "kind__series__family", "route", "status", "decided_at")
    for submitted, region, fam, route, status, decided in qs.values_list(*fields).iterator(chunk_size=5000):
        month = timezone.localtime(submitted).strftime("%Y-%m")
        row = rows.setdefault((month, region, fam), StatRow(month=month, region=names[region], family=fam))
        _count(row, route, status, submitted, decided)
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], k[1], k[2]), reverse=False)]


def _count(
    row: StatRow, route: str, status: str, submitted: dt.datetime, decided: dt.datetime | None
) -> None:
    row.applications += 1
    if route == Application.Route.AUTOMATIC:
        row.automatic += 1
    else:
        row.reviewed += 1
    if status in RECOGNISED_EVER:
        row.recognised += 1
    elif status in NEGATIVE:
        row.refused_or_rejected += 1
    else:
        row.pending += 1
    if decided is not None and status not in Application.OPEN:
        row.decided += 1
        row.decision_days_total += (decided - submitted).total_seconds() / 86400


def statistics_totals(rows: list[StatRow]) -> StatRow:
    total = StatRow(month="", region="", family="")
    for row in rows:
        for name in ("applications", "automatic", "reviewed", "recognised", "refused_or_rejected", "pending",
                     "decision_days_total", "decided"):  # fmt: skip
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


# --- Certificate list imports -------------------------------------------------------------------


def registry_imports_visible(*, user: User) -> QuerySet[RegistryImport]:
    if permissions.handles_recognition(user):
        return RegistryImport.objects.select_related("uploaded_by")
    return RegistryImport.objects.none()


def registry_import_get(*, user: User, import_id: int) -> RegistryImport:
    batch = registry_imports_visible(user=user).filter(pk=import_id).first()
    if batch is None:
        raise NotFound(_("No such import."))
    return batch


def registry_import_error_rows(*, batch: RegistryImport) -> Iterator[tuple[Any, ...]]:
    """(row, column, value, code, reason in Chinese, reason in English) of a rejected list."""
    return batch.error_report_rows()


# --- Catalogue and notifications ---------------------------------------------------------------


def equivalences_by_level() -> dict[str, list[Equivalence]]:
    grouped: dict[str, list[Equivalence]] = defaultdict(list)
    for equivalence in Equivalence.objects.all():
        grouped[equivalence.level].append(equivalence)
    return dict(grouped)


def notifications_of(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
