"""Who may do what in the expert pool.

The pool is shared by both cities (打通两地人才科技专家库): staff of either city and review
organisers search every expert. A city's talent office keeps its own city's profiles and,
with the other city's office, the joint committees and studios. An expert keeps their own
profile and answers their invitations. Observers see counts, never persons.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from talentlink.core import permissions
from talentlink.core.errors import NotAllowed
from talentlink.core.models import Role, User
from talentlink.experts.models import Expert, ReviewRound
from talentlink.registry.selectors import person_is_own, person_own


def can_search(user: User) -> bool:
    return permissions.searches_experts(user)


def can_manage_pool(user: User) -> bool:
    """Committees, studios, imports: talent offices of either city."""
    return permissions.is_office(user)


def sees_experts(user: User) -> bool:
    """Who may see which experts sit on a committee, lead a studio or carry review work (names and
    ids): those who may search the pool. The province observer opens the committee and studio
    pages too, but sees counts and cities only (docs/architecture.md, "What the province observer
    sees")."""
    return can_search(user)


def is_organiser(user: User) -> bool:
    return permissions.is_organiser(user)


def expert_of(user: User) -> Expert | None:
    """The expert profile of a talent's own person (:func:`person_own`, which follows merges),
    if they have one."""
    if not user.is_authenticated or user.role != Role.TALENT:
        return None
    own = person_own(user=user)
    return Expert.objects.select_related("person", "region").filter(person=own).first() if own else None


def is_own_profile(user: User | None, expert: Expert) -> bool:
    """The profile is the talent's own: its person is theirs (after merges too)."""
    return person_is_own(user=user, person=expert.person)


def staff_may_edit(user: User, expert: Expert) -> bool:
    return permissions.may_manage_region(user, expert.region_id)


def require_search(user: User) -> None:
    if not can_search(user):
        raise NotAllowed(_("Only city staff and review organisers may search the expert pool."))


def require_pool_manager(user: User | None) -> User:
    if user is None or not can_manage_pool(user):
        raise NotAllowed(_("Only the talent offices may manage the expert pool."))
    return user


def require_round_manager(user: User | None, review_round: ReviewRound) -> User:
    """The round's organisers: review organisers of the organising city."""
    if user is not None and permissions.organises_region(user, review_round.region_id):
        return user
    raise NotAllowed(_("Only the organisers of this review round may do this."))
