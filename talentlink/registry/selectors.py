"""Reads of the registry, with the access policy for personal data.

City staff see their own city's persons, and another city's persons who have
consented to cross-city sharing with them; talents see only themselves;
observers see aggregates, never persons. Every read of a person is audited.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from talentlink.core import heartbeat, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import NotFound
from talentlink.core.models import AuditEvent, Role, User
from talentlink.core.tabular import CellError, error_report_dicts, error_report_rows
from talentlink.registry import imports, merges
from talentlink.registry.models import Consent, ImportBatch, Person, RowError, SourceRecord, SourceSystem


def person_own(*, user: User | None) -> Person | None:
    """The talent's own person: the person their account is linked to or, where linkage merged
    that one away, the golden person at the end of its ``merged_into`` chain; none unless that
    person is active (a deceased person's account holds no code, benefits or applications)."""
    if user is None or not user.is_authenticated:
        return None
    linked = Person.objects.filter(account=user).values_list("pk", "status").first()
    if linked is None:
        return None
    pk = merges.persons_golden([linked[0]])[linked[0]] if linked[1] == Person.Status.MERGED else linked[0]
    return (
        Person.objects.select_related("home_region", "category", "tier__region")
        .filter(pk=pk, status=Person.Status.ACTIVE)
        .first()
    )


def person_is_own(*, user: User | None, person: Person) -> bool:
    """Whether ``person`` is the talent's own (:func:`person_own`): the person their account is
    linked to while active, or the golden person that a merge left their account's person behind for."""
    if user is None or not user.is_authenticated:
        return False
    if person.account_id == user.pk:
        return person.status == Person.Status.ACTIVE
    # Only a merge that left the account on the retired person gets here with a match: one query,
    # for talents only (staff hold no person), so that lists of persons cost nothing more.
    if user.role != Role.TALENT or person.status != Person.Status.ACTIVE:
        return False
    own = person_own(user=user)
    return own is not None and own.pk == person.pk


def persons_visible(*, user: User) -> QuerySet[Person]:
    """The persons whose records this user may open.

    City staff see a person when the person's home is their city, when any of the person's source
    records came from their city's systems (a merge never takes a city's own people away from it),
    or when the person consented to sharing with their city. What they see of a person whose home
    is elsewhere is :func:`person_withheld`'s business.
    """
    base = Person.objects.exclude(status=Person.Status.MERGED)
    if permissions.is_superuser(user):
        return base
    if user.role == Role.TALENT:
        own = person_own(user=user)
        return base.filter(pk=own.pk) if own else base.none()
    if permissions.is_city_staff(user):
        region_id = user.region_id
        assert region_id is not None, "is_city_staff: a non-superuser's city staff have their city"
        consented = Consent.objects.filter(
            person=OuterRef("pk"), region_id=region_id, withdrawn_at__isnull=True
        )
        own_records = SourceRecord.objects.filter(person=OuterRef("pk"), source_system__region_id=region_id)
        return base.filter(Q(home_region_id=region_id) | Exists(own_records) | Exists(consented))
    return base.none()


# Golden fields a city sees of another city's person only with consent, with the attribute that
# holds each on persons and records. The name is not among them: the city's own record has it.
SHARED_FIELDS = {
    "id_number": "id_number_index", "sex": "sex", "birth_date": "birth_date", "phone": "phone",
    "email": "email", "employer_name": "employer_name", "employer_credit_code": "employer_credit_code",
    "category": "category_id", "tier": "tier_id", "education": "education", "title": "title",
    "industry": "industry",
}  # fmt: skip


def person_withheld(*, user: User, person: Person) -> frozenset[str]:
    """The golden fields this user may not see: none for the home city, the person, an office the
    person consented to share with, or a superuser; for a city that holds only some of the
    person's records, each field whose value none of its own records carries (it came from the
    other city's); the other city's records themselves are left out of
    :func:`person_source_records_seen`."""
    if _sees_whole_record(user=user, person=person):
        return frozenset()
    # A reader without a city holds no records of their own.
    own = (
        list(
            SourceRecord.objects.filter(person=person, source_system__region_id=user.region_id).values(
                *SHARED_FIELDS.values()
            )
        )
        if user.region_id is not None
        else []
    )
    withheld = set()
    for field, attribute in SHARED_FIELDS.items():
        value = getattr(person, attribute)
        if value not in ("", None) and all(record[attribute] != value for record in own):
            withheld.add(field)
    return frozenset(withheld)


def _sees_whole_record(*, user: User, person: Person) -> bool:
    if person_is_own(user=user, person=person) or permissions.in_region(user, person.home_region_id):
        return True
    if user.region_id is None:
        return False  # consent is given to a city
    return Consent.objects.filter(person=person, region_id=user.region_id, withdrawn_at__isnull=True).exists()


def person_source_records_seen(*, user: User, person: Person) -> QuerySet[SourceRecord]:
    """The person's source records this user may see: all of them, or their own city's."""
    records = person_source_records(person=person)
    if _sees_whole_record(user=user, person=person):
        return records
    if user.region_id is None:
        return records.none()
    return records.filter(source_system__region_id=user.region_id)


def person_accessible(*, user: User, person: Person) -> bool:
    return persons_visible(user=user).filter(pk=person.pk).exists()


def person_editable(*, user: User, person: Person) -> bool:
    """Only the talent office of the person's home city changes a record."""
    return permissions.may_manage_region(user, person.home_region_id)


def persons_search(
    *,
    user: User,
    region_id: int | None = None,
    category_id: int | None = None,
    tier_id: int | None = None,
    q: str = "",
) -> QuerySet[Person]:
    """Visible persons filtered by region, category and tier, and searched by name."""
    qs = persons_visible(user=user).select_related("home_region", "category", "tier__region")
    if region_id:
        qs = qs.filter(home_region_id=region_id)
    if category_id:
        qs = qs.filter(category_id=category_id)
    if tier_id:
        qs = qs.filter(tier_id=tier_id)
    if q.strip():
        qs = qs.filter(name__startswith="".join(q.split()))
    return qs.order_by("name", "id")


def persons_shown(*, access: Access, persons: list[Person], filters: dict[str, Any]) -> list[Person]:
    """Record that a page of persons (names, masked IDs) was shown, with the filters used."""
    if persons:
        audit_record(
            access=access, action=AuditEvent.Action.READ, object_type="registry.person",
            object_label=f"list of {len(persons)}",
            detail={"filters": {k: str(v) for k, v in filters.items() if v}, "ids": [p.pk for p in persons]},
        )  # fmt: skip
    return persons


def person_get(*, access: Access, person_id: int) -> Person:
    """One person's record, if the user may read it; the read (or refusal) is audited.

    A person the user may not read is answered exactly as one that does not exist (404, same
    message), so that ids cannot be probed; the refusal is recorded without the person's name."""
    person = (
        Person.objects.select_related("home_region", "category", "tier__region", "account")
        .filter(pk=person_id)
        .first()
    )
    user = access.user
    if person is not None and (user is None or not person_accessible(user=user, person=person)):
        audit_record(
            access=access, action=AuditEvent.Action.DENIED, object_type="registry.person",
            object_id=person.pk, object_region=person.home_region.code,
            detail={"reason": "not_visible"},
        )  # fmt: skip
        person = None
    if person is None:
        raise NotFound(_("No such person."))
    audit_record(
        access=access, action=AuditEvent.Action.READ, object_type="registry.person",
        object_id=person.pk, object_label=person.name, object_region=person.home_region.code,
    )  # fmt: skip
    return person


def consent_get(*, access: Access, consent_id: int) -> Consent:
    """A consent, for those who may read its person (the read is audited by :func:`person_get`); a
    missing consent is answered as a person the caller may not see, with the same 404."""
    consent = Consent.objects.select_related("person__home_region", "region").filter(pk=consent_id).first()
    if consent is None:
        raise NotFound(_("No such person."))
    consent.person = person_get(access=access, person_id=consent.person_id)
    return consent


def person_source_records(*, person: Person) -> QuerySet[SourceRecord]:
    """Where the person's data came from: city, source system, file and row."""
    return person.source_records.select_related(
        "source_system__region", "batch", "category", "tier__region"
    ).order_by("source_system__region__position", "source_system__code")


def imports_visible(*, user: User) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.select_related("source_system__region", "uploaded_by")
    return permissions.office_scope(user, qs, "source_system__region_id")


def import_get(*, user: User, batch_id: int) -> ImportBatch:
    batch = imports_visible(user=user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No such import."))
    heartbeat.stale_check([batch])  # a running import whose worker died is shown failed
    return batch


def import_progress(*, batch: ImportBatch) -> dict[str, Any]:
    """Where a running import stands: phase, rows done, and a percent where the total is known."""
    if batch.is_finished:
        return {"phase": "done", "done": batch.total_rows, "total": batch.total_rows, "percent": 100}
    state = cache.get(imports.progress_key(batch.pk)) or {"phase": "queued", "done": 0, "total": 0}
    percent = min(int(100 * state["done"] / state["total"]), 99) if state["total"] else None
    return {**state, "percent": percent}


def import_error_rows(
    *, batch: ImportBatch, severity: str = RowError.Severity.ERROR
) -> Iterator[tuple[Any, ...]]:
    """(row, column, value, code, reason in Chinese, reason in English) of an import's errors
    (what rejected it) or warnings (data-quality findings its source accepts), streamed."""
    found = batch.errors.filter(severity=severity).order_by("row", "id").iterator(chunk_size=5000)
    return error_report_rows((e.row, CellError(e.column, e.value, e.code, e.params)) for e in found)


def import_findings(*, batch: ImportBatch, severity: str = "", limit: int) -> list[dict[str, Any]]:
    """An import's errors and warnings (or those of one severity) for the JSON API, errors first."""
    severities = [severity] if severity else [RowError.Severity.ERROR, RowError.Severity.WARNING]
    found: list[dict[str, Any]] = []
    for kind in severities:
        rows = itertools.islice(import_error_rows(batch=batch, severity=kind), max(limit - len(found), 0))
        found += [{**finding, "severity": kind} for finding in error_report_dicts(rows)]
    return found


def source_systems_importable(*, user: User) -> QuerySet[SourceSystem]:
    """The source systems whose files this user may import, with their mappings."""
    qs = SourceSystem.objects.select_related("region").prefetch_related("columns", "values")
    return permissions.office_scope(user, qs, "region_id")


def person_id_numbers_unverified(*, records: list[SourceRecord]) -> int:
    """How many of a person's source records carry an ID number that is not valid."""
    return sum(1 for record in records if record.id_number_unverified)


def talent_claims_pending(*, user: User) -> QuerySet:
    from talentlink.registry.models import TalentClaim

    qs = TalentClaim.objects.select_related("user", "region").filter(status=TalentClaim.Status.PENDING)
    return permissions.office_scope(user, qs, "region_id")


def claims_shown(*, access: Access, claims: list[Any]) -> list[Any]:
    """Record that pending registrations (names, masked IDs) were shown."""
    if claims:
        audit_record(
            access=access, action=AuditEvent.Action.READ, object_type="registry.talentclaim",
            object_label=f"list of {len(claims)}", detail={"ids": [c.pk for c in claims]},
        )  # fmt: skip
    return claims


def person_candidates_for_claim(*, user: User, claim) -> QuerySet[Person]:
    """Unlinked persons of the staff member's city with the claimed name or ID number."""
    return (
        persons_visible(user=user)
        .filter(home_region_id=claim.region_id, account__isnull=True)
        .filter(Q(name=claim.name) | Q(id_number_index=claim.id_number_index))
        .select_related("category", "tier__region")[:20]
    )


def dashboard_figures(*, user: User) -> dict[str, Any]:
    """The counts a user's home page shows: persons by city and category, and their work queues."""
    from django.db.models import Count

    from talentlink.core.models import Organisation

    figures: dict[str, Any] = {}
    if permissions.sees_aggregates(user):
        # Aggregates only: observers never see individual persons.
        active = Person.objects.filter(status=Person.Status.ACTIVE)
        figures["by_region"] = list(
            active.values("home_region__name", "home_region__name_en")
            .annotate(n=Count("id"))
            .order_by("home_region__position")
        )
        figures["by_category"] = list(
            active.values("category__name", "category__name_en")
            .annotate(n=Count("id"))
            .order_by("category__position")
        )
    if permissions.is_office(user):
        figures["pending_claims"] = talent_claims_pending(user=user).count()
        pending = Organisation.objects.filter(status=Organisation.Status.PENDING)
        figures["pending_organisations"] = permissions.office_scope(user, pending, "region_id").count()
        figures["recent_imports"] = list(imports_visible(user=user)[:5])
    if user.role == Role.TALENT:
        figures["person"] = person_own(user=user)
    return figures
