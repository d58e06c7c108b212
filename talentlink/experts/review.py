"""Review rounds: affinities and conflicts of interest, optimal panels, invitations, re-fill.

The organiser describes the round (panel size, load cap, city mix, deadline) and its projects;
:func:`panel_propose` scores every expert against every project, rules out conflicts of
interest and asks :mod:`talentlink.experts.assignment` for the panels of greatest total
affinity. Invited experts accept or decline; :func:`panel_refill` fills the places of those
who declined by solving again with every seat still held fixed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core import credit_codes
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.mail import language_of, mail_to
from talentlink.core.models import AuditEvent, Region
from talentlink.experts import policy, text
from talentlink.experts.assignment import AssignmentInfeasible, AssignmentProblem, Shortfall, assignment_solve
from talentlink.experts.models import (
    Assignment,
    Availability,
    Expert,
    Field,
    Relation,
    ReviewProject,
    ReviewRound,
)
from talentlink.registry.merges import persons_golden
from talentlink.registry.models import Person

# How the affinity of an expert for a project is made up (the weights sum to 1).
WEIGHT_FIELDS = 0.5  # share of the project's fields the expert covers
WEIGHT_TEXT = 0.35  # TF-IDF cosine of the segmented texts
WEIGHT_TITLE = 0.15  # title seniority, 正高级 = 1
SEATED = (Assignment.Status.INVITED, Assignment.Status.ACCEPTED)


class PanelInfeasible(DomainError):
    """No panels satisfy the round's rules; ``reasons`` says which projects lack what."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(
            _("No panels satisfy the rules of this round: %(reasons)s") % {"reasons": " ".join(reasons)},
            code="infeasible",
        )


# --- Rounds and projects ----------------------------------------------------------------------


@transaction.atomic
def round_create(
    *, access: Access, name: str, deadline: dt.date, experts_per_project: int = 3, max_load: int = 3,
    min_other_city: int = 1, max_per_city: int | None = None, collaboration_years: int = 3,
) -> ReviewRound:  # fmt: skip
    """Open a review round in the organiser's city."""
    user = access.user
    if user is None or not policy.is_organiser(user) or user.region_id is None:
        raise NotAllowed(_("Only review organisers may open a review round."))
    if experts_per_project < 1 or max_load < 1:
        raise DomainError(_("Panels and loads must be at least 1."), code="sizes")
    if min_other_city > experts_per_project:
        raise DomainError(_("A panel cannot need more experts from the other city than its size."),
                          code="mix", field="min_other_city")  # fmt: skip
    if max_per_city is not None and max_per_city < 1:
        raise DomainError(_("The most per city must be at least 1."), code="mix", field="max_per_city")
    if deadline < timezone.localdate():
        raise DomainError(_("The deadline lies in the past."), code="deadline", field="deadline")
    review_round = ReviewRound.objects.create(
        name=name.strip(), region_id=user.region_id, organiser=user, deadline=deadline,
        experts_per_project=experts_per_project, max_load=max_load, min_other_city=min_other_city,
        max_per_city=max_per_city, collaboration_years=collaboration_years,
    )  # fmt: skip
    _audit(access, AuditEvent.Action.CREATE, review_round)
    return review_round


@transaction.atomic
def project_add(
    *, access: Access, review_round: ReviewRound, title: str, applicant_organisation: str, region: Region,
    applicant_credit_code: str = "", applicant_person: Person | None = None,
    fields: list[Field] | tuple[Field, ...] = (), summary: str = "",
) -> ReviewProject:  # fmt: skip
    """Add a project to a round whose invitations have not gone out."""
    policy.require_round_manager(access.user, review_round)
    if review_round.status in {ReviewRound.Status.INVITING, ReviewRound.Status.CLOSED}:
        raise Conflict(_("Invitations have gone out; the round's projects are fixed."), code="round_started")
    code = applicant_credit_code.strip()
    if code:
        try:
            code = credit_codes.parse(code)
        except credit_codes.CreditCodeError as exc:
            raise DomainError(
                exc.message, code=f"credit_code.{exc.code}", field="applicant_credit_code"
            ) from None
    project = ReviewProject.objects.create(
        round=review_round, title=title.strip(), applicant_organisation=applicant_organisation.strip(),
        applicant_credit_code=code, applicant_person=applicant_person, region=region, summary=summary.strip(),
    )  # fmt: skip
    project.fields.set(fields)
    _audit(access, AuditEvent.Action.UPDATE, review_round, {"project_added": project.pk})
    return project


def _audit(access: Access, action: str, review_round: ReviewRound, detail: dict | None = None) -> None:
    audit_record(
        access=access, action=action, object_type="experts.reviewround", object_id=review_round.pk,
        object_label=review_round.name, object_region=review_round.region.code, detail=detail,
    )  # fmt: skip


# --- Affinities and conflicts ----------------------------------------------------------------


def _organisation_key(name: str) -> str:
    return re.sub(r"[\s（）()·]", "", name or "")


@dataclass
class RoundMatrices:
    """Everything the solver needs about a round, with the objects behind each index."""

    projects: list[ReviewProject]
    experts: list[Expert]
    affinity: np.ndarray
    conflicts: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    # The column of every candidate profile: two profiles of one human (persons merged before the
    # profiles followed) share the column of the profile that stands for the human.
    columns: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.columns:
            self.columns = {e.pk: i for i, e in enumerate(self.experts)}

    def conflict_mask(self) -> np.ndarray:
        mask = np.zeros(self.affinity.shape, bool)
        for p, e in self.conflicts:
            mask[p, e] = True
        return mask


def _expert_words(expert: Expert) -> list[str]:
    names = " ".join(f.name for f in expert.fields.all())
    return text.words(" ".join([names, expert.keywords, expert.title, expert.biography]))


def _project_words(project: ReviewProject) -> list[str]:
    names = " ".join(f.name for f in project.fields.all())
    return text.words(" ".join([project.title, names, project.summary]))


def round_matrices(*, review_round: ReviewRound, experts: list[Expert] | None = None) -> RoundMatrices:
    """Affinity of every expert for every project of the round, and every conflict of interest."""
    projects = list(
        review_round.projects.select_related("region", "applicant_person")
        .prefetch_related("fields")
        .order_by("id")
    )
    columns: dict[int, int] = {}
    if experts is None:
        experts, columns = _candidate_humans(review_round)
    similarity = text.tfidf_cosine([_project_words(p) for p in projects], [_expert_words(e) for e in experts])
    seniority = np.array([e.title_level / 4 for e in experts]).reshape(1, len(experts))
    affinity = WEIGHT_FIELDS * _field_overlap(projects, experts) + WEIGHT_TEXT * similarity
    affinity = np.round(affinity + WEIGHT_TITLE * seniority, 6).reshape(len(projects), len(experts))
    conflicts = _conflicts(review_round, projects, experts)
    return RoundMatrices(projects, experts, affinity, conflicts, columns)


def _field_overlap(projects: list[ReviewProject], experts: list[Expert]) -> np.ndarray:
    """Share of each project's fields that each expert covers."""
    columns: dict[int, int] = {}
    groups: tuple[Sequence[ReviewProject | Expert], ...] = (projects, experts)
    cells = [
        [(row, columns.setdefault(f.pk, len(columns))) for row, x in enumerate(items) for f in x.fields.all()]
        for items in groups
    ]
    project_fields = np.zeros((len(projects), len(columns) or 1))
    expert_fields = np.zeros((len(experts), len(columns) or 1))
    for matrix, found in zip((project_fields, expert_fields), cells, strict=True):
        for row, column in found:
            matrix[row, column] = 1.0
    sizes = project_fields.sum(axis=1, keepdims=True)
    return (project_fields @ expert_fields.T) / np.where(sizes == 0, 1.0, sizes)


def _candidate_humans(review_round: ReviewRound) -> tuple[list[Expert], dict[int, int]]:
    """One profile per human who can take a place or holds one in the round (whatever their
    availability), and the column of every candidate profile.

    Profiles are grouped by golden person, following merged persons to their successor: a human
    whose two profiles both remain (listed by both cities' expert databases before a merge reached
    the pool) is one candidate, seated at most once per panel and counted once in the city mix.
    The golden person's own profile stands for the human, else the oldest one.
    """
    seated = Assignment.objects.filter(round=review_round, status__in=SEATED).values("expert_id")
    profiles = list(
        Expert.objects.filter(person__status__in=[Person.Status.ACTIVE, Person.Status.MERGED])
        .filter(~Q(availability=Availability.UNAVAILABLE) | Q(pk__in=seated))
        .select_related("person", "region")
        .prefetch_related("fields", "declared_conflicts", "relations")
        .order_by("id")
    )
    golden = persons_golden(e.person_id for e in profiles if e.person.status == Person.Status.MERGED)
    alive = set(
        Person.objects.filter(pk__in=set(golden.values()), status=Person.Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    humans: dict[int, list[Expert]] = defaultdict(list)
    for expert in profiles:
        head = golden.get(expert.person_id, expert.person_id)
        if expert.person.status == Person.Status.ACTIVE or head in alive:
            humans[head].append(expert)
    chosen: list[Expert] = []
    columns: dict[int, int] = {}
    for head, group in humans.items():
        group.sort(key=lambda e: (e.person_id != head, e.pk))
        columns.update((e.pk, len(chosen)) for e in group)
        chosen.append(group[0])
    return chosen, columns


def seats_held(*, review_round: ReviewRound) -> int:
    """Places held in the round: one per human and project, however many profiles the human has."""
    seats = list(
        review_round.assignments.filter(status__in=SEATED).values_list("project_id", "expert__person_id")
    )
    golden = persons_golden(person for _project, person in seats)
    return len({(project, golden[person]) for project, person in seats})


def _organisation_keys(credit_code: str, name: str) -> set[str]:
    """An organisation is the same when its credit code or its (normalised) name is."""
    keys = {f"code:{credit_code}"} if credit_code else set()
    return keys | ({f"name:{_organisation_key(name)}"} if _organisation_key(name) else set())


@dataclass
class _ConflictIndex:
    """The experts' ties, indexed by organisation and person, for each project to look up."""

    employed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    declared: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    ties: dict[int, list[tuple[int, str, int | None]]] = field(default_factory=lambda: defaultdict(list))
    persons: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, experts: list[Expert], golden: dict[int, int]) -> _ConflictIndex:
        """``golden`` maps every person named by the experts to its golden person (merges followed)."""
        index = cls()
        for e, expert in enumerate(experts):
            index.persons[golden[expert.person_id]] = e
            for key in _organisation_keys(expert.employer_credit_code, expert.employer_name):
                index.employed[key].add(e)
            for d in expert.declared_conflicts.all():
                person = {f"person:{golden[d.person_id]}"} if d.person_id else set()
                for key in _organisation_keys(d.credit_code, d.organisation_name) | person:
                    index.declared[key].add(e)
            for r in expert.relations.all():
                index.ties[golden[r.person_id]].append((e, r.kind, r.year))
        return index

    @staticmethod
    def among(table: dict[str, set[int]], keys: set[str]) -> set[int]:
        return set().union(*(table.get(k, set()) for k in keys))

    def of_person(self, person: Person, since: int) -> list[tuple[str, set[int]]]:
        """Conflicts through the principal applicant: themselves, their employer, ties."""
        employer = _organisation_keys(person.employer_credit_code, person.employer_name)
        ties = self.ties.get(person.pk, [])
        recent = {e for e, kind, year in ties if kind != Relation.Kind.RELATIVE and (year or 0) >= since}
        return [
            ("self", {self.persons[person.pk]} if person.pk in self.persons else set()),
            ("applicant_employer", self.among(self.employed, employer)),
            ("collaboration", recent),
            ("relative", {e for e, kind, _year in ties if kind == Relation.Kind.RELATIVE}),
        ]


def _conflicts(review_round: ReviewRound, projects: list[ReviewProject], experts: list[Expert]) -> dict:
    """(project index, expert index) → reasons: applicant, declared, self, applicant_employer,
    collaboration (within the round's window), relative."""
    since = timezone.localdate().year - review_round.collaboration_years
    named = [e.person_id for e in experts] + [
        p.applicant_person_id for p in projects if p.applicant_person_id
    ]
    for expert in experts:
        named += [d.person_id for d in expert.declared_conflicts.all() if d.person_id]
        named += [r.person_id for r in expert.relations.all()]
    golden = persons_golden(named)
    index = _ConflictIndex.of(experts, golden)
    applicants = Person.objects.in_bulk(
        {golden[p.applicant_person_id] for p in projects if p.applicant_person_id}
    )
    found: dict[tuple[int, int], list[str]] = defaultdict(list)
    for p, project in enumerate(projects):
        applicant = _organisation_keys(project.applicant_credit_code, project.applicant_organisation)
        person = applicants[golden[project.applicant_person_id]] if project.applicant_person_id else None
        declared = applicant | ({f"person:{person.pk}"} if person else set())
        reasons = [
            ("applicant", index.among(index.employed, applicant)),
            ("declared", index.among(index.declared, declared)),
            *(index.of_person(person, since) if person is not None else []),
        ]
        for reason, hit in reasons:
            for e in hit:
                found[(p, e)].append(reason)
    return dict(found)


CONFLICT_LABELS = {
    "self": _("is the applicant"),
    "applicant": _("works for the applicant organisation"),
    "applicant_employer": _("has the same employer as the applicant"),
    "declared": _("declared a conflict with the applicant"),
    "collaboration": _("collaborated with the applicant recently"),
    "relative": _("is a relative of the applicant"),
}


# --- Solving ------------------------------------------------------------------------------


def _problem(review_round: ReviewRound, matrices: RoundMatrices, declined: set[tuple[int, int]],
             fixed: list[tuple[int, int]]) -> AssignmentProblem:  # fmt: skip
    """The round as the solver sees it: declined pairs count as conflicts, held seats are fixed,
    an expert of limited availability takes one project and an unavailable one only what they hold."""
    experts = matrices.experts
    conflict = matrices.conflict_mask()
    index_p = {p.pk: i for i, p in enumerate(matrices.projects)}
    index_e = matrices.columns
    for project_id, expert_id in declined:
        if project_id in index_p and expert_id in index_e:
            conflict[index_p[project_id], index_e[expert_id]] = True
    # One place per human: two profiles of one person seated on a project hold one place. A seat of
    # a profile whose person is no longer active holds none, so a re-fill gives it to someone else.
    seats = sorted({(index_p[p], index_e[e]) for p, e in fixed if p in index_p and e in index_e})
    held = (
        np.bincount([e for _, e in seats], minlength=len(experts)) if seats else np.zeros(len(experts), int)
    )
    loads = np.array([
        held[i] if e.availability == Availability.UNAVAILABLE else
        min(review_round.max_load, 1) if e.availability == Availability.LIMITED else review_round.max_load
        for i, e in enumerate(experts)
    ], dtype=np.int64)  # fmt: skip
    return AssignmentProblem(
        affinity=matrices.affinity, need=np.full(len(matrices.projects), review_round.experts_per_project),
        max_load=np.maximum(loads, held), conflict=conflict,
        project_region=np.array([p.region_id for p in matrices.projects]),
        expert_region=np.array([e.region_id for e in experts]),
        min_other_region=review_round.min_other_city, max_per_region=review_round.max_per_city,
        fixed=np.array(seats, dtype=np.int64).reshape(-1, 2),
    )  # fmt: skip


def _explain(matrices: RoundMatrices, shortfalls: list[Shortfall]) -> list[str]:
    templates = {
        "experts": _(
            "《%(project)s》 has only %(available)s conflict-free experts available; it needs %(needed)s."
        ),
        "other_region": _(
            "《%(project)s》 has only %(available)s conflict-free experts from other cities; "
            "it needs %(needed)s."
        ),
        "region_cap": _(
            "《%(project)s》 can seat only %(available)s of %(needed)s experts within the per-city limit."
        ),
        "contention": _(
            "《%(project)s》 can fill only %(available)s of %(needed)s places: its conflict-free "
            "experts are at their load cap with other projects."
        ),
        "capacity": _(
            "All available experts together can take %(available)s places; the round needs %(needed)s."
        ),
        "min_load": _("The experts' minimum loads (%(needed)s) exceed the places to fill (%(available)s)."),
    }
    return [
        str(templates[s.reason])
        % {
            "project": matrices.projects[s.project].title if s.project is not None else "",
            "available": s.available,
            "needed": s.needed,
        }
        for s in shortfalls
    ]


def _solve(
    review_round: ReviewRound, *, fixed_seats: bool
) -> tuple[RoundMatrices, list[tuple[int, int, float]]]:
    matrices = round_matrices(review_round=review_round)
    held = Assignment.objects.filter(round=review_round)
    declined = set(held.filter(status=Assignment.Status.DECLINED).values_list("project_id", "expert_id"))
    fixed = list(held.filter(status__in=SEATED).values_list("project_id", "expert_id")) if fixed_seats else []
    problem = _problem(review_round, matrices, declined, fixed)
    try:
        solution = assignment_solve(problem)
    except AssignmentInfeasible as exc:
        raise PanelInfeasible(_explain(matrices, exc.shortfalls)) from None
    review_round.solution = {
        "affinity_total": round(solution.affinity_total, 6), "seats": len(solution.pairs),
        "fixed": len(fixed), "dense": solution.dense, "rounds": solution.rounds, "arcs": solution.arcs,
        "solved_at": timezone.now().isoformat(),
    }  # fmt: skip
    chosen = [(int(p), int(e), float(matrices.affinity[p, e])) for p, e in solution.pairs]
    return matrices, chosen


@transaction.atomic
def panel_propose(*, access: Access, review_round: ReviewRound) -> list[Assignment]:
    """Propose the panels of greatest total affinity; replaces an earlier proposal."""
    policy.require_round_manager(access.user, review_round)
    review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
    if review_round.status not in {ReviewRound.Status.DRAFT, ReviewRound.Status.PROPOSED}:
        raise Conflict(_("Invitations have gone out: re-fill declined places instead."), code="round_started")
    if not review_round.projects.exists():
        raise DomainError(_("Add the round's projects first."), code="no_projects")
    review_round.assignments.filter(status=Assignment.Status.PROPOSED).delete()
    matrices, chosen = _solve(review_round, fixed_seats=False)
    seats = Assignment.objects.bulk_create(
        Assignment(round=review_round, project=matrices.projects[p], expert=matrices.experts[e], affinity=a)
        for p, e, a in chosen
    )
    review_round.status = ReviewRound.Status.PROPOSED
    review_round.save(update_fields=["status", "solution"])
    _audit(access, AuditEvent.Action.DECIDE, review_round, {"proposed": len(seats), **review_round.solution})
    return seats


@transaction.atomic
def panel_invite(*, access: Access, review_round: ReviewRound) -> list[Assignment]:
    """Invite every proposed expert (in the platform and by e-mail)."""
    policy.require_round_manager(access.user, review_round)
    review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
    proposed = list(
        review_round.assignments.filter(status=Assignment.Status.PROPOSED).select_related(
            "project", "expert__person__account", "round"
        )
    )
    if not proposed:
        raise DomainError(_("There are no proposed experts to invite."), code="nothing_to_invite")
    _invite(proposed)
    review_round.status = ReviewRound.Status.INVITING
    review_round.save(update_fields=["status"])
    _audit(access, AuditEvent.Action.DECIDE, review_round, {"invited": len(proposed)})
    return proposed


def _invite(seats: list[Assignment]) -> None:
    now = timezone.now()
    for seat in seats:
        seat.status, seat.invited_at = Assignment.Status.INVITED, now
    Assignment.objects.bulk_update(seats, ["status", "invited_at"])

    def notify() -> None:
        for seat in seats:
            invitation_notify(seat=seat)

    transaction.on_commit(notify)


def invitation_notify(*, seat: Assignment) -> None:
    """E-mail an invitation in the expert's language (the platform shows it in-app as well)."""
    person = seat.expert.person
    account = person.account
    mail_to(
        recipient=(account.email if account else "") or person.email,
        language=language_of(account),
        subject=_("Invitation to review: %(project)s"),
        params={"project": seat.project.title},
        template="experts/email/invitation.txt",
        context={"seat": seat, "project": seat.project, "round": seat.round, "name": person.name},
        link=reverse("experts:me"),
    )


@transaction.atomic
def invitation_respond(*, access: Access, seat: Assignment, accept: bool, reason: str = "") -> Assignment:
    """The invited expert accepts, or declines with a reason; the organiser learns of a decline."""
    if not policy.is_own_profile(access.user, seat.expert):
        raise NotAllowed(_("Only the invited expert may answer this invitation."))
    seat = (
        Assignment.objects.select_for_update().select_related("round__organiser", "project").get(pk=seat.pk)
    )
    if seat.status != Assignment.Status.INVITED:
        raise Conflict(_("This invitation has been answered already."), code="answered")
    if seat.round.deadline < timezone.localdate():
        raise Conflict(_("The review deadline has passed."), code="deadline")
    if not accept and not reason.strip():
        raise DomainError(_("Please give a reason for declining."), code="reason_required", field="reason")
    seat.status = Assignment.Status.ACCEPTED if accept else Assignment.Status.DECLINED
    seat.decline_reason = "" if accept else reason.strip()[:500]
    seat.responded_at = timezone.now()
    seat.save(update_fields=["status", "decline_reason", "responded_at"])
    _audit(access, AuditEvent.Action.DECIDE, seat.round, {"seat": seat.pk, "status": seat.status})
    if not accept:
        mail_to(
            recipient=seat.round.organiser,
            subject=_("An expert declined: %(project)s"),
            body=_("%(expert)s declined the review of 《%(project)s》: %(reason)s"),
            params={"expert": seat.expert, "project": seat.project.title, "reason": seat.decline_reason},
        )
    return seat


@transaction.atomic
def panel_refill(*, access: Access, review_round: ReviewRound) -> list[Assignment]:
    """Fill declined places: solve again with every held seat fixed, invite the new experts."""
    policy.require_round_manager(access.user, review_round)
    review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
    if review_round.status != ReviewRound.Status.INVITING:
        raise Conflict(_("Re-fill places once invitations have gone out."), code="not_inviting")
    if (
        seats_held(review_round=review_round)
        >= review_round.projects.count() * review_round.experts_per_project
    ):
        raise DomainError(_("Every place is held; there is nothing to re-fill."), code="nothing_to_refill")
    matrices, chosen = _solve(review_round, fixed_seats=True)
    seats = Assignment.objects.bulk_create(
        Assignment(round=review_round, project=matrices.projects[p], expert=matrices.experts[e], affinity=a)
        for p, e, a in chosen
    )
    for seat in seats:
        seat.round = review_round
    _invite(seats)
    review_round.save(update_fields=["solution"])
    _audit(access, AuditEvent.Action.DECIDE, review_round, {"refilled": len(seats), **review_round.solution})
    return seats


@transaction.atomic
def review_submit(*, access: Access, seat: Assignment, score: int, comment: str) -> Assignment:
    """The expert's review of a project they accepted: a score out of 100 and a comment."""
    if not policy.is_own_profile(access.user, seat.expert):
        raise NotAllowed(_("Only the expert on this panel may review the project."))
    if seat.status != Assignment.Status.ACCEPTED:
        raise Conflict(_("Accept the invitation before reviewing."), code="not_accepted")
    if not 0 <= score <= 100:
        raise DomainError(_("The score lies between 0 and 100."), code="score", field="score")
    if seat.round.deadline < timezone.localdate():
        raise Conflict(_("The review deadline has passed."), code="deadline")
    seat.review_score, seat.review_comment, seat.reviewed_at = score, comment.strip(), timezone.now()
    seat.save(update_fields=["review_score", "review_comment", "reviewed_at"])
    _audit(access, AuditEvent.Action.UPDATE, seat.round, {"reviewed": seat.pk})
    return seat
