"""Pages of record linkage: runs and statistics, the clerical review queue, merges and splits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentlink.core import heartbeat
from talentlink.core.audit import Access
from talentlink.core.errors import DomainError
from talentlink.core.http import AuthedRequest
from talentlink.registry import selectors as registry_selectors
from talentlink.registry.linkage import changes, selectors, services
from talentlink.registry.models import PersonChange


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    runs = selectors.linkage_runs(user=request.user)
    if request.method == "POST":
        try:
            run = services.linkage_run_start(
                access=Access.from_request(request), dry_run="dry_run" in request.POST
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            return redirect("registry:linkage_run", run_id=run.pk)
    shown = list(runs[:20])
    heartbeat.stale_check(shown)  # running runs whose worker died are shown failed
    context = {"runs": shown, "summary": selectors.linkage_summary(user=request.user)}
    return render(request, "registry/linkage/overview.html", context)


@login_required
def run_detail(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = selectors.linkage_run_get(user=request.user, run_id=run_id)
    context = {
        "run": run,
        "step": selectors.linkage_run_step(run=run),
        "bars": selectors.histogram_bars(run=run),
    }
    if request.htmx and not run.is_finished:
        return render(request, "registry/linkage/partials/run_progress.html", context)
    if request.htmx:
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "registry/linkage/run_detail.html", context)


@login_required
@require_POST
def run_retry(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = selectors.linkage_run_get(user=request.user, run_id=run_id)
    try:
        again = services.linkage_run_retry(access=Access.from_request(request), run=run)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("registry:linkage_run", run_id=run.pk)
    return redirect("registry:linkage_run", run_id=again.pk)


@login_required
def review_next(request: AuthedRequest) -> HttpResponse:
    """The review page: the next open pair of the queue."""
    pair = selectors.review_queue(user=request.user).first()
    if pair is None:
        return render(request, "registry/linkage/review.html", {"pair": None})
    return redirect("registry:linkage_review_pair", pair_id=pair.pk)


@login_required
def review_pair(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = selectors.review_pair_get(access=Access.from_request(request), pair_id=pair_id)
    queue = selectors.review_queue(user=request.user)
    context = {"pair": pair, "rows": selectors.review_rows(pair=pair), "remaining": queue.count()}
    return render(request, "registry/linkage/review.html", context)


@login_required
@require_POST
def review_decide(request: AuthedRequest, pair_id: int) -> HttpResponse:
    access = Access.from_request(request)
    pair = selectors.review_pair_get(access=access, pair_id=pair_id)
    try:
        services.review_decide(
            access=access,
            review=pair,
            verdict=request.POST.get("verdict", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("registry:linkage_review_pair", pair_id=pair.pk)
    messages.success(request, _("Decision recorded."))
    return redirect("registry:linkage_review")


@login_required
def person_links(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = registry_selectors.person_get(access=Access.from_request(request), person_id=person_id)
    context = {
        "person": person, "records": registry_selectors.person_source_records(person=person),
        "can_edit": services.linkage_staff(request.user, {person.home_region_id}),
        **selectors.person_links(person=person),
    }  # fmt: skip
    context["undoable"] = {c.pk for c in context["history"] if changes.undoable(c)}
    return render(request, "registry/linkage/person_links.html", context)


@login_required
@require_POST
def person_split(request: AuthedRequest, person_id: int) -> HttpResponse:
    access = Access.from_request(request)
    person = registry_selectors.person_get(access=access, person_id=person_id)
    ids = [int(v) for v in request.POST.getlist("records") if v.isdigit()]
    try:
        services.person_split(
            access=access, person=person, record_ids=ids, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The records were split off into a new person."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("registry:person_links", person_id=person.pk)


@login_required
@require_POST
def person_merge(request: AuthedRequest, person_id: int) -> HttpResponse:
    access = Access.from_request(request)
    person = registry_selectors.person_get(access=access, person_id=person_id)
    other_id = request.POST.get("other", "")
    try:
        other = registry_selectors.person_get(
            access=access, person_id=int(other_id) if other_id.isdigit() else 0
        )
        services.persons_merge(
            access=access, person=person, other=other, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The persons were merged."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("registry:person_links", person_id=person.pk)


@login_required
@require_POST
def change_undo(request: AuthedRequest, change_id: int) -> HttpResponse:
    access = Access.from_request(request)
    change = get_object_or_404(PersonChange.objects.select_related("person__home_region"), pk=change_id)
    person = registry_selectors.person_get(access=access, person_id=change.person_id)
    try:
        services.person_change_undo(access=access, change=change, reason=request.POST.get("reason", ""))
        messages.success(request, _("The change was undone."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("registry:person_links", person_id=person.pk)
