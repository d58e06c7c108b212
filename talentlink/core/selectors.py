"""Reads of the core domain: organisations awaiting review, the audit log, the server's health."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from talentlink.core import permissions
from talentlink.core.errors import NotFound
from talentlink.core.models import AuditEvent, Organisation, Region, User


def region_get(*, code: str) -> Region:
    """The active region of this code (``nb``, ``zs``); an unknown or retired code is not found."""
    region = Region.objects.filter(code=code, is_active=True).first()
    if region is None:
        raise NotFound(_("No such region."), code="region")
    return region


def organisations_for_review(
    *, user: User, status: str = Organisation.Status.PENDING
) -> QuerySet[Organisation]:
    """Organisations of the user's city in the given status (all cities for superusers)."""
    qs = Organisation.objects.select_related("region").filter(status=status).order_by("created_at")
    return permissions.office_scope(user, qs, "region_id")


def organisation_licence_check(*, user: User, organisation: Organisation) -> None:
    """Licence scans are for the talent office of the organisation's city (and superusers)."""
    from talentlink.core.errors import NotAllowed, NotFound

    if not organisation.licence:
        raise NotFound(_("This organisation has no licence scan."))
    if not permissions.may_manage_region(user, organisation.region_id):
        raise NotAllowed(_("Only the talent office of the organisation's city may see its licence."))


def audit_events_visible(
    *,
    user: User,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
) -> QuerySet[AuditEvent]:
    """Audit events a user may read: all for superusers, their city's for talent office staff.

    Each event carries ``label_shown``: its object's label where the reader may see that object
    (:func:`audit_label_visible`), blank otherwise; pages, API, export and admin show only that."""
    qs = AuditEvent.objects.all()
    if permissions.is_superuser(user):
        qs = qs.annotate(label_shown=F("object_label"))
    else:
        if not permissions.is_office(user):
            return qs.none()
        assert user.region is not None, "is_office: a city's talent office has its city"
        code = user.region.code
        qs = qs.filter(Q(object_region=code) | Q(actor_region=code)).annotate(
            label_shown=Case(
                When(audit_label_visible(region_code=code), then=F("object_label")),
                default=Value(""),
                output_field=CharField(),
            )
        )
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_username=actor)
    return qs


def audit_label_visible(*, region_code: str) -> Q:
    """Events whose object label a city's auditor may see: objects of that city, and objects of
    no city acted on by that city's own staff. An event about another city's person (a refusal, a
    read under consent) shows its type, id and region, never the person's name."""
    return Q(object_region=region_code) | Q(object_region="", actor_region=region_code)


def audit_events_about(*, object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    """Every event about one object: a person may see who read their record."""
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id)


AUDIT_EXPORT_HEADERS = (
    _("time"), _("actor"), _("role"), _("actor region"), _("action"), _("object type"),
    _("object id"), _("object"), _("object region"), _("channel"), _("page or endpoint"),
    _("IP address"),
)  # fmt: skip


def audit_export_rows(qs: QuerySet[AuditEvent]) -> Iterator[tuple[Any, ...]]:
    """The export's rows (AUDIT_EXPORT_HEADERS) of events from :func:`audit_events_visible`."""
    for e in qs.iterator(chunk_size=2000):
        # label_shown is audit_events_visible's annotation, which the model's type does not know.
        label = getattr(e, "label_shown")  # noqa: B009
        yield (
            e.at, e.actor_username, e.actor_role, e.actor_region, e.action, e.object_type,
            e.object_id, label, e.object_region, e.channel, e.path, e.ip_address,
        )  # fmt: skip


def health() -> dict[str, bool]:
    """Whether this app server reaches its database and its cache: what a load balancer asks
    before sending it requests. One query and one cache read, nothing written."""
    checks = {"database": True, "cache": True}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        checks["database"] = False
    try:
        cache.get("talentlink:health")
    except Exception:  # each cache backend raises its own errors (redis.ConnectionError, OSError)
        checks["cache"] = False
    return checks
