"""Who may do what: the role and scope predicates every view, API operation, selector, menu and
template asks, so that a rule is written once (issue 13).

Each predicate takes the acting account (an anonymous visitor or ``None`` answers ``False``) and,
where the rule depends on a city, that city's id. A superuser passes every predicate. The apps'
own layers (``experts.policy``) build on these and add what needs their models.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from talentlink.core.models import STAFF_ROLES, Organisation, Role

M = TypeVar("M", bound=Model)

# Who scans a talent code at a counter: the counter itself, the provider and the city's office.
SCANNING_ROLES = frozenset({Role.SERVICE_POINT, Role.BENEFIT_PROVIDER, Role.TALENT_OFFICE})
# Who handles recognition applications and the certificate registry's imports.
RECOGNITION_ROLES = frozenset({Role.HR_REVIEWER, Role.TALENT_OFFICE})


def _signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _role(user: Any) -> str | None:
    return getattr(user, "role", None) if _signed_in(user) else None


def _region_id(user: Any) -> int | None:
    return getattr(user, "region_id", None) if _signed_in(user) else None


def is_superuser(user: Any) -> bool:
    """The platform's administrators: every city, every object."""
    return _signed_in(user) and bool(user.is_superuser)


def has_role(user: Any, *roles: str) -> bool:
    """The account holds one of ``roles`` (or is a superuser)."""
    return is_superuser(user) or _role(user) in roles


def is_office(user: Any) -> bool:
    """A city's talent office (人才办), of either city."""
    return is_superuser(user) or (_role(user) == Role.TALENT_OFFICE and _region_id(user) is not None)


def may_manage_region(user: Any, region_id: int | None) -> bool:
    """The talent office of a city manages that city's records, providers, catalogue and accounts."""
    return is_superuser(user) or (is_office(user) and _region_id(user) == region_id)


def office_scope(user: Any, qs: QuerySet[M], region_field: str) -> QuerySet[M]:
    """What a city's office reaches of ``qs``: all of it for a superuser, the rows whose
    ``region_field`` is the office's city for an office, nothing for anyone else."""
    if is_superuser(user):
        return qs
    if is_office(user):
        return qs.filter(**{region_field: user.region_id})
    return qs.none()


def region_scope(user: Any, qs: QuerySet[M], region_field: str) -> QuerySet[M]:
    """What an account placed in a city reaches of ``qs``, whatever its role: all of it for a
    superuser, the rows whose ``region_field`` is its city, nothing for an account without one."""
    if is_superuser(user):
        return qs
    region_id = _region_id(user)
    return qs.none() if region_id is None else qs.filter(**{region_field: region_id})


def is_city_staff(user: Any) -> bool:
    """Staff of a city: its talent office and its HR bureau's reviewers."""
    return is_superuser(user) or (_role(user) in STAFF_ROLES and _region_id(user) is not None)


def in_region(user: Any, region_id: int | None) -> bool:
    """The account belongs to that city (whatever its role)."""
    return is_superuser(user) or (_region_id(user) is not None and _region_id(user) == region_id)


def is_hr_reviewer(user: Any) -> bool:
    """An HR bureau reviewer (of any city, or none yet)."""
    return has_role(user, Role.HR_REVIEWER)


def reviews_any_region(user: Any) -> bool:
    """An HR reviewer placed in a city."""
    return is_superuser(user) or (_role(user) == Role.HR_REVIEWER and _region_id(user) is not None)


def reviews_region(user: Any, region_id: int | None) -> bool:
    """An HR reviewer of the city an application asks to be recognised in."""
    return is_superuser(user) or (_role(user) == Role.HR_REVIEWER and _region_id(user) == region_id)


def handles_recognition(user: Any) -> bool:
    """HR reviewers and talent offices: the certificate registry and its imports."""
    return has_role(user, *RECOGNITION_ROLES)


def reveals_id_numbers(user: Any) -> bool:
    """May reveal a whole ID number (on request, audited): a city's HR reviewers; the offices work
    with the masked number and the blind index (least privilege)."""
    return is_superuser(user) or (_role(user) == Role.HR_REVIEWER and _region_id(user) is not None)


def sees_aggregates(user: Any) -> bool:
    """Counts and statistics across the cities: city staff and the province observer."""
    return is_city_staff(user) or _role(user) == Role.PROVINCE_OBSERVER


def sees_targets(user: Any) -> bool:
    """The plans' targets and their progress: city staff, the province observer and the review
    organisers (who build the committees and studios the targets count)."""
    return sees_aggregates(user) or is_organiser(user)


def sees_providers(user: Any) -> bool:
    """Every benefit provider and its figures: the offices and the province observer."""
    return is_office(user) or _role(user) == Role.PROVINCE_OBSERVER


def sees_individual_uses(user: Any) -> bool:
    """Single uses of a benefit (holder, counter, account): the offices and the provider; the
    province observer sees counts and values only (docs/architecture.md)."""
    return is_office(user) or _role(user) == Role.BENEFIT_PROVIDER


def scans_codes(user: Any) -> bool:
    """Reads talent codes at a counter."""
    return has_role(user, *SCANNING_ROLES)


def is_employer(user: Any) -> bool:
    """A recruiter of an employer whose credit code the city's talent office approved."""
    if not _signed_in(user) or _role(user) != Role.EMPLOYER:
        return False
    organisation = getattr(user, "organisation", None)
    return organisation is not None and organisation.status == Organisation.Status.APPROVED


def is_organiser(user: Any) -> bool:
    """A review organiser placed in a city."""
    return is_superuser(user) or (_role(user) == Role.REVIEW_ORGANISER and _region_id(user) is not None)


def organises_region(user: Any, region_id: int | None) -> bool:
    """A review organiser of the city that organises a round."""
    return is_superuser(user) or (_role(user) == Role.REVIEW_ORGANISER and _region_id(user) == region_id)


def searches_experts(user: Any) -> bool:
    """The shared expert pool: city staff of either city and review organisers."""
    return is_city_staff(user) or is_organiser(user)


# The predicates a template may ask of the reader, bound by the ``may`` context variable
# (``{% if may.is_office %}``); a rule about an object is decided by the view and passed in.
TEMPLATE_PREDICATES = {
    predicate.__name__: predicate
    for predicate in (
        is_superuser, is_office, is_city_staff, is_hr_reviewer, handles_recognition, reveals_id_numbers,
        sees_aggregates, sees_targets, sees_providers, sees_individual_uses, scans_codes, is_organiser,
        searches_experts,
    )
}  # fmt: skip


class ReaderMay:
    """The reader's answers to :data:`TEMPLATE_PREDICATES`, each asked when a template reads it."""

    def __init__(self, user: Any) -> None:
        self._user = user

    def __getattr__(self, name: str) -> bool:
        predicate = TEMPLATE_PREDICATES.get(name)
        if predicate is None:
            raise AttributeError(name)
        return predicate(self._user)
