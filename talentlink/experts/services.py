"""Writes of the expert pool: profiles, committees, studios and commissions.

Review rounds and panels are in :mod:`talentlink.experts.review`; the import of a city's expert
database is in :mod:`talentlink.experts.imports`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.core import serializers
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from talentlink.core import credit_codes, crypto, idnumbers, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.models import AuditEvent, Organisation, Region
from talentlink.experts import policy, text
from talentlink.experts.models import (
    Assignment,
    Availability,
    Commission,
    Committee,
    CommitteeMember,
    DeclaredConflict,
    Expert,
    Field,
    Relation,
    ReviewProject,
    Studio,
)
from talentlink.registry.merges import rows_follow, rows_return
from talentlink.registry.models import Person

# --- Profiles -------------------------------------------------------------------------------

# What an expert may change on their own profile; staff change the rest too.
SELF_EDITABLE = frozenset({"fields", "keywords", "biography", "availability"})
STAFF_EDITABLE = SELF_EDITABLE | {"employer_name", "employer_credit_code", "title", "source_key"}


def expert_reindex(expert: Expert, *, fields: Iterable[Field] | None = None) -> None:
    """Recompute what is derived from the profile: title level and the segmented search text."""
    names = [f.name for f in (expert.fields.all() if fields is None else fields)]
    expert.title_level = text.title_level(expert.title)
    expert.search_document = " ".join(
        [expert.person.name, text.search_document(expert.person.name, " ".join(names), expert.keywords,
                                                  expert.title, expert.employer_name, expert.biography)]
    )  # fmt: skip


def _audit(access: Access, action: str, expert: Expert, detail: dict[str, Any] | None = None) -> None:
    audit_record(
        access=access, action=action, object_type="experts.expert", object_id=expert.pk,
        object_label=expert.person.name, object_region=expert.region.code, detail=detail,
    )  # fmt: skip


@transaction.atomic
def expert_create(*, access: Access, person: Person, region: Region, **profile: Any) -> Expert:
    """Give a person of the registry an expert profile in a city's expert database."""
    user = policy.require_pool_manager(access.user)
    if not permissions.in_region(user, region.pk):
        raise NotAllowed(_("Only the talent office of this city may do this."))
    if person.status != Person.Status.ACTIVE:
        raise DomainError(
            _("Only an active person of the registry can be an expert."), code="person_inactive"
        )
    if Expert.objects.filter(person=person).exists():
        raise Conflict(_("This person already has an expert profile."), code="expert_exists")
    fields = profile.pop("fields", [])
    unknown = set(profile) - STAFF_EDITABLE
    if unknown:
        raise DomainError(_("Unknown profile fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    expert = Expert(
        person=person, region=region, employer_name=person.employer_name,
        employer_credit_code=person.employer_credit_code, title=person.title, **profile,
    )  # fmt: skip
    expert_reindex(expert, fields=fields)
    expert.save()
    expert.fields.set(fields)
    _audit(access, AuditEvent.Action.CREATE, expert)
    return expert


@transaction.atomic
def expert_update(*, access: Access, expert: Expert, changes: dict[str, Any]) -> Expert:
    """Change a profile: the expert themselves (their own fields and text) or their city's office."""
    user = access.user
    own = policy.is_own_profile(user, expert)
    allowed = STAFF_EDITABLE if user is not None and policy.staff_may_edit(user, expert) else (
        SELF_EDITABLE if own else frozenset()
    )  # fmt: skip
    if not allowed:
        raise NotAllowed(_("Only the expert or their city's talent office may change this profile."))
    refused = set(changes) - allowed
    if refused:
        raise NotAllowed(_("You may not change: %(names)s") % {"names": ", ".join(sorted(refused))})
    changes = dict(changes)
    if changes.get("availability", Availability.AVAILABLE) not in Availability.values:
        raise DomainError(_("Not a known availability."), code="availability", field="availability")
    fields = changes.pop("fields", None)
    for name, value in changes.items():
        setattr(expert, name, value)
    if fields is not None:
        expert.fields.set(fields)
    expert_reindex(expert, fields=fields)
    expert.save()
    changed = sorted([*changes, *(["fields"] if fields is not None else [])])
    _audit(access, AuditEvent.Action.UPDATE, expert, {"changed": changed})
    return expert


def _require_editor(access: Access, expert: Expert) -> None:
    user = access.user
    if user is None or not (policy.staff_may_edit(user, expert) or policy.is_own_profile(user, expert)):
        raise NotAllowed(_("Only the expert or their city's talent office may change this profile."))


@transaction.atomic
def conflict_declare(
    *, access: Access, expert: Expert, organisation_name: str = "", credit_code: str = "", reason: str = ""
) -> DeclaredConflict:
    """Record an organisation the expert must not review (their own declaration)."""
    _require_editor(access, expert)
    organisation_name, credit_code = organisation_name.strip(), credit_code.strip().upper()
    if not organisation_name and not credit_code:
        raise DomainError(_("Name the organisation or give its credit code."), code="required")
    if credit_code:
        try:
            credit_code = credit_codes.parse(credit_code)
        except credit_codes.CreditCodeError as exc:
            raise DomainError(exc.message, code=f"credit_code.{exc.code}", field="credit_code") from None
    conflict = DeclaredConflict.objects.create(
        expert=expert, organisation_name=organisation_name, credit_code=credit_code, reason=reason.strip()
    )
    _audit(access, AuditEvent.Action.UPDATE, expert, {"declared_conflict": conflict.pk})
    return conflict


@transaction.atomic
def conflict_withdraw(*, access: Access, conflict: DeclaredConflict) -> None:
    _require_editor(access, conflict.expert)
    _audit(access, AuditEvent.Action.UPDATE, conflict.expert, {"withdrawn_conflict": conflict.pk})
    conflict.delete()


def person_identify(*, name: str, id_number: str, field: str = "id_number") -> Person:
    """The active person of the registry with this name and ID number (through the blind index)."""
    try:
        number = idnumbers.parse(id_number)
    except idnumbers.IdNumberError as exc:
        raise DomainError(exc.message, code=f"id_number.{exc.code}", field=field) from None
    person = Person.objects.filter(
        id_number_index=crypto.id_number_index(number.value), name="".join(name.split()),
        status=Person.Status.ACTIVE,
    ).first()  # fmt: skip
    if person is None:
        raise DomainError(_("No active person of the registry has this name and ID number."),
                          code="unknown_person", field=field)  # fmt: skip
    return person


@transaction.atomic
def relation_add(
    *, access: Access, expert: Expert, person: Person, kind: str, year: int | None = None, title: str = ""
) -> Relation:
    """Record a co-project, co-authorship or family tie of the expert with another person."""
    _require_editor(access, expert)
    if kind not in Relation.Kind.values:
        raise DomainError(_("Not a known kind of relation."), code="kind", field="kind")
    if kind != Relation.Kind.RELATIVE and not year:
        raise DomainError(_("Give the year of the collaboration."), code="required", field="year")
    if person.pk == expert.person_id:
        raise DomainError(_("An expert cannot be related to themselves."), code="self", field="person")
    relation = Relation.objects.create(
        expert=expert, person=person, kind=kind, year=year, title=title.strip()
    )
    _audit(access, AuditEvent.Action.UPDATE, expert, {"relation": relation.pk, "kind": kind})
    return relation


# --- Committees, studios, commissions -------------------------------------------------------


@transaction.atomic
def committee_create(
    *, access: Access, name: str, field: Field, established_on: dt.date, description: str = ""
) -> Committee:
    """Set up a joint expert committee of an industry field."""
    user = policy.require_pool_manager(access.user)
    if Committee.objects.filter(name=name.strip()).exists():
        raise Conflict(_("A committee of this name exists already."), code="duplicate", field="name")
    committee = Committee.objects.create(
        name=name.strip(),
        field=field,
        established_on=established_on,
        description=description,
        created_by=user,
    )
    audit_record(access=access, action=AuditEvent.Action.CREATE, object_type="experts.committee",
                 object_id=committee.pk, object_label=committee.name)  # fmt: skip
    return committee


@transaction.atomic
def committee_member_add(
    *, access: Access, committee: Committee, expert: Expert, role: str = CommitteeMember.Role.MEMBER,
    joined_on: dt.date | None = None,
) -> CommitteeMember:  # fmt: skip
    """Appoint an expert of either city to a committee (one chair per committee)."""
    policy.require_pool_manager(access.user)
    if role not in CommitteeMember.Role.values:
        raise DomainError(_("Not a known committee role."), code="role", field="role")
    if committee.memberships.filter(expert=expert).exists():
        raise Conflict(_("This expert is already a member."), code="member_exists", field="expert")
    if role == CommitteeMember.Role.CHAIR and committee.memberships.filter(role=role).exists():
        raise Conflict(_("The committee has a chair already."), code="chair_exists", field="role")
    member = CommitteeMember.objects.create(
        committee=committee, expert=expert, role=role, joined_on=joined_on or committee.established_on
    )
    audit_record(access=access, action=AuditEvent.Action.UPDATE, object_type="experts.committee",
                 object_id=committee.pk, object_label=committee.name,
                 detail={"member_added": expert.pk, "role": role})  # fmt: skip
    return member


@transaction.atomic
def committee_member_remove(*, access: Access, member: CommitteeMember) -> None:
    policy.require_pool_manager(access.user)
    audit_record(access=access, action=AuditEvent.Action.UPDATE, object_type="experts.committee",
                 object_id=member.committee_id, object_label=member.committee.name,
                 detail={"member_removed": member.expert_id})  # fmt: skip
    member.delete()


STUDIO_HOST_KINDS = frozenset(
    {Organisation.Kind.ENTERPRISE, Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTION}
)


@transaction.atomic
def studio_create(
    *, access: Access, name: str, leader: Expert, host: Organisation, established_on: dt.date,
    fields: Iterable[Field] = (), description: str = "",
) -> Studio:  # fmt: skip
    """Register a leader studio hosted by an enterprise, university or research institute."""
    user = policy.require_pool_manager(access.user)
    if host.kind not in STUDIO_HOST_KINDS or host.status != Organisation.Status.APPROVED:
        raise DomainError(
            _("A studio is hosted by an approved enterprise, university or research institute."),
            code="host", field="host",
        )  # fmt: skip
    try:
        with transaction.atomic():
            studio = Studio.objects.create(
                name=name.strip(),
                leader=leader,
                host=host,
                established_on=established_on,
                description=description,
                created_by=user,
            )
    except IntegrityError:
        raise Conflict(_("A studio of this name exists already."), code="duplicate", field="name") from None
    studio.fields.set(fields)
    audit_record(access=access, action=AuditEvent.Action.CREATE, object_type="experts.studio",
                 object_id=studio.pk, object_label=studio.name, object_region=host.region.code)  # fmt: skip
    return studio


@transaction.atomic
def commission_add(
    *, access: Access, studio: Studio, kind: str, title: str, client_name: str, client_region: Region,
    started_on: dt.date, ended_on: dt.date | None = None,
) -> Commission:  # fmt: skip
    """Record a commission of a studio: 项目委托, 外聘顾问 or 专题咨询."""
    policy.require_pool_manager(access.user)
    if kind not in Commission.Kind.values:
        raise DomainError(_("Not a known kind of commission."), code="kind", field="kind")
    if ended_on and ended_on < started_on:
        raise DomainError(_("A commission cannot end before it starts."), code="dates", field="ended_on")
    commission = Commission.objects.create(
        studio=studio, kind=kind, title=title.strip(), client_name=client_name.strip(),
        client_region=client_region, started_on=started_on, ended_on=ended_on,
    )  # fmt: skip
    audit_record(
        access=access,
        action=AuditEvent.Action.UPDATE,
        object_type="experts.studio",
        object_id=studio.pk,
        object_label=studio.name,
        detail={"commission": commission.pk, "kind": kind},
    )
    return commission


# --- Following merges of persons ------------------------------------------------------------

# Rows that name a person rather than a profile: they follow the person whatever the profiles do.
PERSON_REFERENCES = (
    ("declared", DeclaredConflict, "person"),
    ("related", Relation, "person"),
    ("applicant", ReviewProject, "applicant_person"),
)
# Rows of a profile that the survivor's profile takes over whole (no uniqueness to respect).
PROFILE_ROWS = (
    ("conflicts", DeclaredConflict, "expert"),
    ("relations", Relation, "expert"),
    ("studios", Studio, "leader"),
)
PROFILE_STATE = (
    "region_id", "source_key", "employer_name", "employer_credit_code", "title", "title_level", "keywords",
    "biography", "search_document",
)  # fmt: skip
ROLE_RANK: dict[str, int] = {
    CommitteeMember.Role.MEMBER: 0,
    CommitteeMember.Role.VICE_CHAIR: 1,
    CommitteeMember.Role.CHAIR: 2,
}
SEAT_RANK: dict[str, int] = {
    Assignment.Status.DECLINED: 0, Assignment.Status.PROPOSED: 1, Assignment.Status.INVITED: 2,
    Assignment.Status.ACCEPTED: 3,
}  # fmt: skip


def experts_person_merged(*, source_id: int, target_id: int) -> dict[str, Any]:
    """What the pool holds for a retired person goes to its successor; returns what moved, for undo.

    A profile moves with its city (the expert database that listed the expert). When both persons
    hold one, the successor's profile takes the union and the retired one stays behind, inactive
    with its person, so that an undo restores both exactly.
    """
    moved: dict[str, Any] = {}
    for key, model, field in PERSON_REFERENCES:
        ids = rows_follow(model, source_id=source_id, target_id=target_id, field=field)
        if ids:
            moved[key] = ids
    source = Expert.objects.filter(person_id=source_id).first()
    if source is not None:
        target = Expert.objects.filter(person_id=target_id).first()
        moved.update(_profile_move(source, target_id) if target is None else _profiles_join(source, target))
    return moved


def _profile_move(expert: Expert, person_id: int) -> dict[str, Any]:
    document = expert.search_document
    expert.person = Person.objects.get(pk=person_id)
    expert_reindex(expert)  # the search text carries the golden record's name
    expert.save(update_fields=["person", "title_level", "search_document", "updated_at"])
    return {"profile": expert.pk, "search_document": document}


def _profile_state(expert: Expert) -> dict[str, Any]:
    state = {name: getattr(expert, name) for name in PROFILE_STATE}
    return {**state, "fields": sorted(expert.fields.values_list("pk", flat=True))}


def _profiles_join(source: Expert, target: Expert) -> dict[str, Any]:
    moved = {
        "joined": source.pk,
        "into": target.pk,
        "before": _profile_state(target),
        "source_key": source.source_key,
    }
    moved.update(_commitments_join(source, target))
    _profile_union(source, target)
    return moved


def _profile_union(source: Expert, target: Expert) -> None:
    """The survivor's profile holds both: the fields and keywords of both, its own texts (the other's
    where it has none), the more senior title, and the city and number of the profile imported
    first, as an expert import itself decides a city (an existing profile keeps its city)."""
    if source.pk < target.pk:
        Expert.objects.filter(pk=source.pk).update(source_key="")  # frees (city, number) for the survivor
        target.region_id, target.source_key = source.region_id, source.source_key
    for name in ("employer_name", "employer_credit_code", "biography"):
        if not getattr(target, name):
            setattr(target, name, getattr(source, name))
    if text.title_level(source.title) > text.title_level(target.title):
        target.title = source.title
    target.keywords = _keywords_joined([*target.keyword_list, *source.keyword_list])
    fields = list({f.pk: f for f in [*target.fields.all(), *source.fields.all()]}.values())
    target.person = Person.objects.get(pk=target.person_id)  # the golden name, as refreshed by the merge
    expert_reindex(target, fields=fields)
    target.save()
    target.fields.set(fields)


def _keywords_joined(words: list[str], limit: int = 300) -> str:
    kept: list[str] = []
    for word in dict.fromkeys(words):
        if len("、".join([*kept, word])) > limit:
            break
        kept.append(word)
    return "、".join(kept)


def _commitments_join(source: Expert, target: Expert) -> dict[str, Any]:
    moved: dict[str, Any] = {
        key: rows_follow(model, source_id=source.pk, target_id=target.pk, field=field)
        for key, model, field in PROFILE_ROWS
    }
    moved.update(_memberships_join(source, target))
    moved.update(_seats_join(source, target))
    return {key: value for key, value in moved.items() if value}


def _memberships_join(source: Expert, target: Expert) -> dict[str, Any]:
    """Memberships move; where both sat on a committee, the survivor's seat takes the higher role
    and the earlier date, and the retired profile's stays behind as a plain member (committees
    show and count active persons only)."""
    held = {m.committee_id: m for m in target.committee_memberships.all()}
    moving, roles = [], []
    for member in source.committee_memberships.all():
        kept = held.get(member.committee_id)
        if kept is None:
            moving.append(member.pk)
            continue
        roles += [[m.pk, m.role, m.joined_on.isoformat()] for m in (kept, member)]
        CommitteeMember.objects.filter(pk=member.pk).update(role=CommitteeMember.Role.MEMBER)
        CommitteeMember.objects.filter(pk=kept.pk).update(
            role=max(kept.role, member.role, key=ROLE_RANK.__getitem__),
            joined_on=min(kept.joined_on, member.joined_on),
        )
    CommitteeMember.objects.filter(pk__in=moving).update(expert=target)
    return {"memberships": moving, "roles": roles}


def _seat_rank(seat: Assignment) -> tuple[int, bool]:
    return SEAT_RANK[seat.status], seat.reviewed_at is not None


def _seats_join(source: Expert, target: Expert) -> dict[str, Any]:
    """Seats move; where both held one on a project (one human seated twice), the further advanced
    seat stays and the other is removed, kept whole here so that an undo puts it back."""
    held = {seat.project_id: seat for seat in target.assignments.all()}
    moving, dropped = [], []
    for seat in source.assignments.all():
        other = held.get(seat.project_id)
        if other is None:
            moving.append(seat.pk)
            continue
        keep, drop = (seat, other) if _seat_rank(seat) > _seat_rank(other) else (other, seat)
        dropped += json.loads(serializers.serialize("json", [drop]))
        drop.delete()
        if keep is seat:
            moving.append(seat.pk)
    Assignment.objects.filter(pk__in=moving).update(expert=target)
    return {"seats": moving, "seats_dropped": dropped}


def experts_person_merge_undone(*, moved: dict[str, Any], source_id: int, target_id: int) -> None:
    """Put back what :func:`experts_person_merged` moved; what changed since stays as it is."""
    if "profile" in moved:
        Expert.objects.filter(pk=moved["profile"], person_id=target_id).update(
            person_id=source_id, search_document=moved["search_document"]
        )
    if "joined" in moved:
        _profiles_part(moved)
    for key, model, field in PERSON_REFERENCES:
        rows_return(model, moved.get(key, []), source_id=source_id, target_id=target_id, field=field)


def _profiles_part(moved: dict[str, Any]) -> None:
    source_id, target_id = moved["joined"], moved["into"]
    returning = (*PROFILE_ROWS, ("memberships", CommitteeMember, "expert"), ("seats", Assignment, "expert"))
    for key, model, field in returning:
        rows_return(model, moved.get(key, []), source_id=source_id, target_id=target_id, field=field)
    roles = moved.get("roles", [])
    # Plain members first, so that the one chair per committee is never two for a moment.
    CommitteeMember.objects.filter(pk__in=[pk for pk, _role, _on in roles]).update(
        role=CommitteeMember.Role.MEMBER
    )
    for pk, role, joined_on in roles:
        CommitteeMember.objects.filter(pk=pk).update(role=role, joined_on=joined_on)
    for row in serializers.deserialize("json", json.dumps(moved.get("seats_dropped", []))):
        seat = row.object
        assert isinstance(seat, Assignment)  # seats_dropped holds serialized seats only
        if not Assignment.objects.filter(project_id=seat.project_id, expert_id=seat.expert_id).exists():
            row.save()
    target = Expert.objects.get(pk=target_id)
    state = moved["before"]
    for name in PROFILE_STATE:
        setattr(target, name, state[name])
    target.save()
    target.fields.set(state["fields"])
    Expert.objects.filter(pk=source_id).update(source_key=moved["source_key"])
