"""Pages of the expert pool: search, profiles, imports, committees, studios, review rounds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from talentlink.core import permissions
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError, NotAllowed
from talentlink.core.exports import xlsx_response
from talentlink.core.forms import add_domain_error
from talentlink.core.http import AuthedRequest
from talentlink.core.tabular import ERROR_REPORT_HEADERS
from talentlink.core.views import query_without_page
from talentlink.experts import imports, policy, review, selectors, services
from talentlink.experts.forms import (
    CommissionForm,
    CommitteeForm,
    ConflictForm,
    ExpertImportForm,
    ExpertSearchForm,
    ExpertSelfForm,
    ExpertStaffForm,
    MemberForm,
    ProjectForm,
    RelationForm,
    RespondForm,
    ReviewForm,
    RoundForm,
    StudioForm,
)
from talentlink.experts.models import Assignment, CommitteeMember, DeclaredConflict

# --- Search and profiles --------------------------------------------------------------------


@login_required
def expert_search(request: AuthedRequest) -> HttpResponse:
    policy.require_search(request.user)
    form = ExpertSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.experts_search(
        user=request.user, q=filters.get("q") or "", region_id=getattr(filters.get("region"), "pk", None),
        field_id=getattr(filters.get("field"), "pk", None), title_level_min=filters.get("title_level_min"),
        availability=filters.get("availability") or "",
    )  # fmt: skip
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    selectors.experts_shown(access=Access.from_request(request), experts=list(page), filters=filters)
    context = {"form": form, "page": page, "query": query_without_page(request)}
    template = "experts/partials/expert_results.html" if request.htmx else "experts/expert_search.html"
    return render(request, template, context)


@login_required
def expert_detail(request: AuthedRequest, expert_id: int) -> HttpResponse:
    expert = selectors.expert_get(access=Access.from_request(request), expert_id=expert_id)
    return render(request, "experts/expert_detail.html", {
        "expert": expert, "can_edit": policy.staff_may_edit(request.user, expert),
        "workload": selectors.expert_workload(expert=expert),
    })  # fmt: skip


def _profile_initial(expert) -> dict:
    names = ("keywords", "biography", "availability", "employer_name", "employer_credit_code", "title")
    return {"fields": list(expert.fields.all()), **{n: getattr(expert, n) for n in names}}


@login_required
def expert_edit(request: AuthedRequest, expert_id: int) -> HttpResponse:
    access = Access.from_request(request)
    expert = selectors.expert_get(access=access, expert_id=expert_id)
    if not policy.staff_may_edit(request.user, expert):
        raise NotAllowed(_("Only the talent office of the expert's city may edit this profile."))
    form = ExpertStaffForm(request.POST or None, initial=_profile_initial(expert))
    if request.method == "POST" and form.is_valid():
        try:
            services.expert_update(access=access, expert=expert, changes=form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("experts:detail", expert_id=expert.pk)
    return render(request, "experts/expert_edit.html", {"expert": expert, "form": form})


@login_required
def my_profile(request: AuthedRequest) -> HttpResponse:
    """The expert's own page: profile, declared conflicts, invitations and reviews."""
    expert = policy.expert_of(request.user)
    if expert is None:
        return render(request, "experts/me.html", {"expert": None})
    access = Access.from_request(request)
    form = ExpertSelfForm(request.POST or None, initial=_profile_initial(expert))
    if request.method == "POST" and form.is_valid():
        try:
            services.expert_update(access=access, expert=expert, changes=form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("experts:me")
    return render(request, "experts/me.html", {
        "expert": expert, "form": form, "conflict_form": ConflictForm(), "relation_form": RelationForm(),
        "relations": expert.relations.select_related("person"),
        "conflicts": expert.declared_conflicts.all(), "seats": selectors.invitations_of(expert=expert),
    })  # fmt: skip


@login_required
@require_POST
def conflict_declare(request: AuthedRequest) -> HttpResponse:
    expert = policy.expert_of(request.user)
    if expert is None:
        raise NotAllowed(_("Only experts declare conflicts of interest here."))
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.conflict_declare(access=Access.from_request(request), expert=expert, **form.cleaned_data)
            messages.success(request, _("Conflict of interest recorded."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect("experts:me")


@login_required
@require_POST
def relation_add(request: AuthedRequest) -> HttpResponse:
    """The expert records a co-project, co-authorship or relative (a person of the registry)."""
    expert = policy.expert_of(request.user)
    if expert is None:
        raise NotAllowed(_("Only experts record their collaborations here."))
    form = RelationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_identify(name=data["name"], id_number=data["id_number"])
            services.relation_add(access=Access.from_request(request), expert=expert, person=person,
                                  kind=data["kind"], year=data["year"], title=data["title"])  # fmt: skip
            messages.success(request, _("Relation recorded."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Give the person's name, ID number and the kind of relation."))
    return redirect("experts:me")


@login_required
@require_POST
def conflict_withdraw(request: AuthedRequest, conflict_id: int) -> HttpResponse:
    conflict = get_object_or_404(
        DeclaredConflict.objects.select_related("expert__person", "expert__region"), pk=conflict_id
    )
    services.conflict_withdraw(access=Access.from_request(request), conflict=conflict)
    messages.success(request, _("Declaration withdrawn."))
    return redirect("experts:me")


# --- Imports ----------------------------------------------------------------------------------


@login_required
def import_list(request: AuthedRequest) -> HttpResponse:
    policy.require_pool_manager(request.user)
    form = ExpertImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            record = imports.experts_import(
                access=Access.from_request(request),
                region=form.cleaned_data["region"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("experts:import_detail", import_id=record.pk)
    page = Paginator(selectors.expert_imports(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "experts/import_list.html", {"form": form, "page": page})


@login_required
def import_detail(request: AuthedRequest, import_id: int) -> HttpResponse:
    record = selectors.expert_import_get(user=request.user, import_id=import_id)
    errors = list(selectors.expert_import_error_rows(record=record))[:200]
    return render(request, "experts/import_detail.html", {"record": record, "errors": errors})


@login_required
def import_errors_xlsx(request: AuthedRequest, import_id: int) -> FileResponse:
    record = selectors.expert_import_get(user=request.user, import_id=import_id)
    return xlsx_response(
        filename=f"expert-import-{record.pk}-errors.xlsx", sheet="errors",
        headers=ERROR_REPORT_HEADERS, rows=selectors.expert_import_error_rows(record=record),
    )  # fmt: skip


# --- Committees and studios -------------------------------------------------------------------


@login_required
def committee_list(request: AuthedRequest) -> HttpResponse:
    if not permissions.sees_targets(request.user):
        raise NotAllowed(_("This page is for city staff, organisers and observers."))
    form = CommitteeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            committee = services.committee_create(access=Access.from_request(request), **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("experts:committee_detail", committee_id=committee.pk)
    committees = list(selectors.committees_overview())
    names = policy.sees_experts(request.user)
    if names:
        selectors.experts_named(
            access=Access.from_request(request), object_type="experts.committee",
            object_label=f"list of {len(committees)}",
            expert_ids=[m.expert_id for c in committees for m in c.memberships.all()],
        )  # fmt: skip
    return render(request, "experts/committee_list.html", {
        "committees": committees, "form": form, "names": names,
        "can_manage": policy.can_manage_pool(request.user),
    })  # fmt: skip


@login_required
def committee_detail(request: AuthedRequest, committee_id: int) -> HttpResponse:
    if not policy.can_search(request.user):
        raise NotAllowed(_("This page is for city staff and organisers."))
    committee = get_object_or_404(selectors.committees_overview(), pk=committee_id)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_member_add(
                access=Access.from_request(request), committee=committee, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Member appointed."))
            return redirect("experts:committee_detail", committee_id=committee.pk)
    selectors.experts_named(
        access=Access.from_request(request), object_type="experts.committee", object_id=committee.pk,
        object_label=committee.name, expert_ids=[m.expert_id for m in committee.memberships.all()],
    )  # fmt: skip
    return render(request, "experts/committee_detail.html", {
        "committee": committee, "form": form, "can_manage": policy.can_manage_pool(request.user),
    })  # fmt: skip


@login_required
@require_POST
def member_remove(request: AuthedRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(CommitteeMember.objects.select_related("committee"), pk=member_id)
    services.committee_member_remove(access=Access.from_request(request), member=member)
    messages.success(request, _("Member removed."))
    return redirect("experts:committee_detail", committee_id=member.committee_id)


@login_required
def studio_list(request: AuthedRequest) -> HttpResponse:
    if not permissions.sees_targets(request.user):
        raise NotAllowed(_("This page is for city staff, organisers and observers."))
    form = StudioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            studio = services.studio_create(access=Access.from_request(request), **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("experts:studio_detail", studio_id=studio.pk)
    studios = list(selectors.studios_overview())
    names = policy.sees_experts(request.user)
    if names:
        selectors.experts_named(
            access=Access.from_request(request), object_type="experts.studio",
            object_label=f"list of {len(studios)}", expert_ids=[s.leader_id for s in studios],
        )  # fmt: skip
    return render(request, "experts/studio_list.html", {
        "studios": studios, "form": form, "names": names,
        "can_manage": policy.can_manage_pool(request.user),
    })  # fmt: skip


@login_required
def studio_detail(request: AuthedRequest, studio_id: int) -> HttpResponse:
    if not permissions.sees_targets(request.user):
        raise NotAllowed(_("This page is for city staff, organisers and observers."))
    studio = get_object_or_404(selectors.studios_overview(), pk=studio_id)
    form = CommissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.commission_add(access=Access.from_request(request), studio=studio, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Commission recorded."))
            return redirect("experts:studio_detail", studio_id=studio.pk)
    names = policy.sees_experts(request.user)
    if names:
        selectors.experts_named(
            access=Access.from_request(request), object_type="experts.studio", object_id=studio.pk,
            object_label=studio.name, object_region=studio.host.region.code, expert_ids=[studio.leader_id],
        )  # fmt: skip
    return render(request, "experts/studio_detail.html", {
        "studio": studio, "form": form, "names": names, "can_manage": policy.can_manage_pool(request.user),
    })  # fmt: skip


# --- Review rounds -----------------------------------------------------------------------------


@login_required
def round_list(request: AuthedRequest) -> HttpResponse:
    if not (permissions.is_organiser(request.user) or permissions.is_office(request.user)):
        raise NotAllowed(_("This page is for review organisers and talent offices."))
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_round = review.round_create(access=Access.from_request(request), **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("experts:round_detail", round_id=review_round.pk)
    return render(request, "experts/round_list.html", {
        "rounds": selectors.rounds_visible(user=request.user), "form": form,
        "can_create": policy.is_organiser(request.user),
    })  # fmt: skip


def _round_context(request: AuthedRequest, review_round) -> dict:
    counts = selectors.round_status_counts(review_round=review_round)
    manages = permissions.organises_region(request.user, review_round.region_id)
    projects = selectors.round_panels(review_round=review_round)
    selectors.experts_named(
        access=Access.from_request(request), object_type="experts.reviewround", object_id=review_round.pk,
        object_label=review_round.name, object_region=review_round.region.code,
        expert_ids=[seat.expert_id for p in projects for seat in p.assignments.all()],
    )  # fmt: skip
    return {
        "round": review_round, "projects": projects,
        "tallies": [(code, label, counts[code]) for code, label in Assignment.Status.choices if counts[code]],
        "counts": counts, "held_affinity": selectors.round_held_affinity(review_round=review_round),
        "can_manage": manages,
    }  # fmt: skip


@login_required
def round_detail(request: AuthedRequest, round_id: int) -> HttpResponse:
    review_round = selectors.round_get(user=request.user, round_id=round_id)
    form = ProjectForm(request.POST or None, initial={"region": review_round.region_id})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        name, number = data.pop("applicant_name"), data.pop("applicant_id_number")
        try:
            if number:
                data["applicant_person"] = services.person_identify(
                    name=name, id_number=number, field="applicant_id_number"
                )
            review.project_add(access=Access.from_request(request), review_round=review_round, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Project added."))
            return redirect("experts:round_detail", round_id=review_round.pk)
    context = {**_round_context(request, review_round), "form": form}
    if request.htmx:
        return render(request, "experts/partials/panels.html", context)
    return render(request, "experts/round_detail.html", context)


ROUND_ACTIONS = {
    "propose": (review.panel_propose, gettext_lazy("Panels proposed.")),
    "invite": (review.panel_invite, gettext_lazy("Invitations sent.")),
    "refill": (review.panel_refill, gettext_lazy("Declined places re-filled and the new experts invited.")),
}


@login_required
@require_POST
def round_action(request: AuthedRequest, round_id: int, action: str) -> HttpResponse:
    """Propose, invite or re-fill; with htmx only the panels are swapped in place."""
    review_round = selectors.round_get(user=request.user, round_id=round_id)
    service, done = ROUND_ACTIONS[action]
    try:
        service(access=Access.from_request(request), review_round=review_round)
        messages.success(request, str(done))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    if not request.htmx:
        return redirect("experts:round_detail", round_id=review_round.pk)
    review_round.refresh_from_db()
    return render(request, "experts/partials/panels.html", _round_context(request, review_round))


@login_required
def round_export(request: AuthedRequest, round_id: int) -> FileResponse:
    review_round = selectors.round_get(user=request.user, round_id=round_id)
    rows = selectors.panel_export_rows(access=Access.from_request(request), review_round=review_round)
    return xlsx_response(filename=f"review-round-{review_round.pk}-panels.xlsx", sheet=_("Panels"),
                         headers=selectors.PANEL_EXPORT_HEADERS, rows=list(rows))  # fmt: skip


@login_required
def workloads(request: AuthedRequest) -> HttpResponse:
    qs = selectors.workloads(user=request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    selectors.experts_named(
        access=Access.from_request(request), object_type="experts.expert",
        object_label=f"workloads: {len(page)}", expert_ids=[e.pk for e in page],
    )  # fmt: skip
    return render(request, "experts/workloads.html", {"page": page})


# --- The expert's answers ---------------------------------------------------------------------


def _own_seat(request: AuthedRequest, seat_id: int) -> Assignment:
    seats = selectors.seats_own(user=request.user)
    return get_object_or_404(seats.select_related("round", "project__region", "expert__person"), pk=seat_id)


@login_required
@require_POST
def seat_respond(request: AuthedRequest, seat_id: int) -> HttpResponse:
    seat = _own_seat(request, seat_id)
    form = RespondForm(request.POST)
    error = None
    if form.is_valid():
        try:
            seat = review.invitation_respond(
                access=Access.from_request(request),
                seat=seat,
                accept=form.cleaned_data["accept"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            error = str(exc.message)
    else:
        error = _("Choose to accept or decline.")
    if request.htmx:
        return render(request, "experts/partials/seat.html", {"seat": seat, "error": error})
    if error:
        messages.error(request, error)
    return redirect("experts:me")


@login_required
@require_POST
def seat_review(request: AuthedRequest, seat_id: int) -> HttpResponse:
    seat = _own_seat(request, seat_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            review.review_submit(access=Access.from_request(request), seat=seat, **form.cleaned_data)
            messages.success(request, _("Review submitted."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Give a score between 0 and 100 and your review."))
    return redirect("experts:me")
