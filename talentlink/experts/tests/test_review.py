"""Review rounds: affinities, conflicts of interest, proposal, invitations, decline and re-fill."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from conftest import make_user
from talentlink.core.errors import Conflict, DomainError, NotAllowed
from talentlink.core.models import Role
from talentlink.experts import review, selectors, services
from talentlink.experts.models import Assignment, ReviewRound
from talentlink.experts.tests.conftest import TOMORROW, access_of, account_of

APPLICANT = "宁波海天石化有限公司"


@pytest.fixture
def pool(make_expert, ningbo, zhoushan):
    """Six petrochemical experts in Ningbo, four in Zhoushan, two marine biologists."""
    experts = {}
    for i, name in enumerate(["张伟", "李强", "王磊", "赵敏", "陈静", "刘洋"]):
        experts[name] = make_expert(name, ningbo, ("绿色石化",), title="正高级工程师" if i < 2 else "工程师",
                                    keywords="催化 炼油", employer_name=f"宁波研究院{i}",
                                    account=make_user(f"1380000000{i}", Role.TALENT), email=f"e{i}@example.cn")  # fmt: skip
    for i, name in enumerate(["周海", "吴涛", "郑斌", "孙婷"]):
        experts[name] = make_expert(name, zhoushan, ("绿色石化",), title="高级工程师", keywords="石化 催化",
                                    employer_name=f"舟山研究所{i}",
                                    account=make_user(f"1390000000{i}", Role.TALENT), email=f"z{i}@example.cn")  # fmt: skip
    for name in ["钱鱼", "冯藻"]:
        experts[name] = make_expert(
            name, zhoushan, ("海洋生物",), keywords="海藻 海洋药物", biography="海洋生物活性物质"
        )
    return experts


@pytest.fixture
def petro_round(nb_organiser, ningbo, zhoushan, field_of):
    access = access_of(nb_organiser)
    rnd = review.round_create(access=access, name="2026年度甬舟石化科技项目评审", deadline=TOMORROW,
                              experts_per_project=3, max_load=2, min_other_city=1, max_per_city=2)  # fmt: skip
    for i, city in enumerate([ningbo, ningbo, zhoushan]):
        review.project_add(access=access, review_round=rnd, title=f"催化裂化节能改造{i}", region=city,
                           applicant_organisation=APPLICANT if i == 0 else f"申报单位{i}",
                           fields=[field_of("绿色石化")], summary="炼油 催化 节能")  # fmt: skip
    return rnd


def seats_of(rnd: ReviewRound, status: str | None = None) -> list[Assignment]:
    qs = Assignment.objects.filter(round=rnd).select_related(
        "expert__person", "expert__region", "project__region"
    )
    return list(qs.filter(status=status) if status else qs)


def test_proposed_panels_follow_the_city_mix_and_favour_the_best_matches(pool, petro_round) -> None:
    seats = review.panel_propose(access=access_of(petro_round.organiser), review_round=petro_round)
    assert len(seats) == 9
    for project in petro_round.projects.all():
        panel = [s for s in seats if s.project_id == project.pk]
        cities = [s.expert.region_id for s in panel]
        assert len(panel) == 3 and sum(c != project.region_id for c in cities) >= 1
        assert max(cities.count(c) for c in set(cities)) <= 2
    assert all(s.expert.person.name not in {"钱鱼", "冯藻"} for s in seats), (
        "marine biologists fit no project"
    )
    loads = [sum(s.expert_id == e.pk for s in seats) for e in pool.values()]
    assert max(loads) <= 2
    petro_round.refresh_from_db()
    assert petro_round.status == ReviewRound.Status.PROPOSED and petro_round.solution["seats"] == 9


def test_experts_with_a_conflict_of_interest_are_never_proposed(
    pool, petro_round, make_person, ningbo
) -> None:
    zhang, li = pool["张伟"], pool["李强"]
    zhang.employer_name = APPLICANT  # works for the applicant
    zhang.save()
    applicant = make_person("马申报", ningbo, employer_name="宁波某大学")
    project = petro_round.projects.get(applicant_organisation=APPLICANT)
    project.applicant_person = applicant
    project.save()
    services.relation_add(access=access_of(li.person.account), expert=li, person=applicant, kind="co_author",
                          year=timezone.localdate().year - 1)  # fmt: skip
    services.conflict_declare(access=access_of(pool["王磊"].person.account), expert=pool["王磊"],
                              organisation_name="宁波海天石化 有限公司")  # fmt: skip
    matrices = review.round_matrices(review_round=petro_round)
    p = matrices.projects.index(project)
    reasons = {matrices.experts[e].person.name: r for (pi, e), r in matrices.conflicts.items() if pi == p}
    assert reasons == {"张伟": ["applicant"], "李强": ["collaboration"], "王磊": ["declared"]}
    seats = review.panel_propose(access=access_of(petro_round.organiser), review_round=petro_round)
    assert not {s.expert.person.name for s in seats if s.project_id == project.pk} & {"张伟", "李强", "王磊"}


def test_an_old_collaboration_outside_the_window_is_no_conflict(
    pool, petro_round, make_person, ningbo
) -> None:
    applicant = make_person("马申报", ningbo)
    project = petro_round.projects.first()
    project.applicant_person = applicant
    project.save()
    li = pool["李强"]
    services.relation_add(access=access_of(li.person.account), expert=li, person=applicant, kind="co_project",
                          year=timezone.localdate().year - 10)  # fmt: skip
    assert not review.round_matrices(review_round=petro_round).conflicts
    services.relation_add(access=access_of(pool["赵敏"].person.account), expert=pool["赵敏"], person=applicant,
                          kind="relative")  # fmt: skip
    assert list(review.round_matrices(review_round=petro_round).conflicts.values()) == [["relative"]]


def test_an_infeasible_round_names_the_project_that_lacks_experts(
    pool, petro_round, zhoushan, field_of
) -> None:
    review.project_add(access=access_of(petro_round.organiser), review_round=petro_round, title="深海养殖装备",
                       applicant_organisation="舟山渔业", region=zhoushan, fields=[field_of("海洋生物")])  # fmt: skip
    pool["钱鱼"].availability = "unavailable"
    pool["钱鱼"].save()
    # Three seats, at least one from Ningbo: feasible by affinity 0 experts; forbid them all.
    for expert in pool.values():
        if expert.person.name not in {"冯藻"}:
            services.conflict_declare(access=access_of(make_user(f"x{expert.pk}", Role.TALENT_OFFICE, expert.region)),
                                      expert=expert, organisation_name="舟山渔业")  # fmt: skip
    with pytest.raises(review.PanelInfeasible) as caught:
        review.panel_propose(access=access_of(petro_round.organiser), review_round=petro_round)
    assert "深海养殖装备" in str(caught.value.message) and "1" in caught.value.reasons[0]
    assert not Assignment.objects.exists()


def test_invitations_go_out_by_email_and_in_the_platform(
    pool, petro_round, django_capture_on_commit_callbacks
) -> None:
    access = access_of(petro_round.organiser)
    review.panel_propose(access=access, review_round=petro_round)
    with django_capture_on_commit_callbacks(execute=True):
        review.panel_invite(access=access, review_round=petro_round)
    with pytest.raises(DomainError):
        review.panel_invite(access=access, review_round=petro_round)
    assert len(seats_of(petro_round, Assignment.Status.INVITED)) == 9
    invited_people = {s.expert.person.email for s in seats_of(petro_round)}
    assert {m.to[0] for m in mail.outbox} == invited_people
    assert "催化裂化节能改造" in mail.outbox[0].subject
    seat = seats_of(petro_round)[0]
    invitation = selectors.invitations_of(expert=seat.expert).first()
    assert invitation is not None and invitation.status == Assignment.Status.INVITED


def test_only_the_rounds_organisers_propose(pool, petro_round, zs_organiser) -> None:
    with pytest.raises(NotAllowed):
        review.panel_propose(access=access_of(zs_organiser), review_round=petro_round)


def test_a_decline_is_refilled_with_accepted_seats_kept(
    pool, petro_round, django_capture_on_commit_callbacks
) -> None:
    access = access_of(petro_round.organiser)
    review.panel_propose(access=access, review_round=petro_round)
    review.panel_invite(access=access, review_round=petro_round)
    first, second, *_others = seats_of(petro_round)
    review.invitation_respond(access=access_of(account_of(second.expert)), seat=second, accept=True)
    with pytest.raises(DomainError):
        review.invitation_respond(access=access_of(account_of(first.expert)), seat=first, accept=False)
    with pytest.raises(NotAllowed):
        review.invitation_respond(access=access_of(account_of(second.expert)), seat=first, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        review.invitation_respond(access=access_of(account_of(first.expert)), seat=first, accept=False,
                                  reason="出差")  # fmt: skip
    assert mail.outbox[-1].to == ["organiser@example.cn"] and "出差" in mail.outbox[-1].body
    before = {(s.project_id, s.expert_id) for s in seats_of(petro_round) if s.holds_seat}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        [new] = review.panel_refill(access=access, review_round=petro_round)
    assert new.project_id == first.project_id and new.expert_id != first.expert_id
    assert new.status == Assignment.Status.INVITED and len(mail.outbox) == 1
    after = {(s.project_id, s.expert_id) for s in seats_of(petro_round) if s.holds_seat}
    assert before < after and len(after) == 9
    with pytest.raises(DomainError):
        review.panel_refill(access=access, review_round=petro_round)
    with pytest.raises(Conflict):
        review.panel_propose(access=access, review_round=petro_round)


def test_an_accepted_expert_reviews_before_the_deadline(pool, petro_round) -> None:
    access = access_of(petro_round.organiser)
    review.panel_propose(access=access, review_round=petro_round)
    review.panel_invite(access=access, review_round=petro_round)
    seat = seats_of(petro_round)[0]
    expert_access = access_of(account_of(seat.expert))
    with pytest.raises(Conflict):
        review.review_submit(access=expert_access, seat=seat, score=80, comment="")
    review.invitation_respond(access=expert_access, seat=seat, accept=True)
    seat.refresh_from_db()
    review.review_submit(access=expert_access, seat=seat, score=86, comment="技术路线可行")
    with pytest.raises(DomainError):
        review.review_submit(access=expert_access, seat=seat, score=120, comment="")
    [row] = [r for r in selectors.expert_workload(expert=seat.expert)]
    assert (row["accepted"], row["reviewed"]) == (1, 1)
    assert selectors.workloads(user=petro_round.organiser).get(pk=seat.expert_id).accepted == 1


def test_a_round_needs_a_sensible_mix_and_a_future_deadline(nb_organiser) -> None:
    access = access_of(nb_organiser)
    with pytest.raises(DomainError):
        review.round_create(
            access=access, name="x", deadline=TOMORROW, experts_per_project=2, min_other_city=3
        )
    with pytest.raises(DomainError):
        review.round_create(access=access, name="x", deadline=dt.date(2020, 1, 1))


def test_the_panel_export_lists_every_seat_and_is_audited(pool, petro_round) -> None:
    access = access_of(petro_round.organiser)
    review.panel_propose(access=access, review_round=petro_round)
    rows = list(selectors.panel_export_rows(access=access, review_round=petro_round))
    assert len(rows) == 9 and len(rows[0]) == len(selectors.PANEL_EXPORT_HEADERS)
