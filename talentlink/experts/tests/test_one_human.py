"""A panel never seats one human twice, whatever the data: profiles are grouped by golden person.

The data here is what a pool looked like when linkage merged persons before expert profiles followed
merges (issue 11): a Zhoushan expert's person retired into a Ningbo person, sometimes one that has a
Ningbo profile of its own. Such persons are updated directly, as those merges left them.
"""

from __future__ import annotations

import pytest

from talentlink.core.models import Region
from talentlink.experts import review, selectors
from talentlink.experts.models import Assignment, Expert, ReviewRound
from talentlink.experts.tests.conftest import TOMORROW, access_of
from talentlink.registry.models import Person


def retire_into(expert: Expert, person: Person) -> None:
    """The expert's person merged into ``person`` the way linkage did before profiles followed."""
    Person.objects.filter(pk=expert.person_id).update(status=Person.Status.MERGED, merged_into=person)


@pytest.fixture
def petro(make_expert):
    def make(name: str, region: Region) -> Expert:
        return make_expert(name, region, ("绿色石化",), title="高级工程师", keywords="催化 炼油",
                           employer_name=f"{name}所在单位")  # fmt: skip

    return make


@pytest.fixture
def ningbo_round(nb_organiser, ningbo, field_of) -> ReviewRound:
    """One Ningbo project; a panel of three with at least one expert from another city."""
    access = access_of(nb_organiser)
    rnd = review.round_create(access=access, name="宁波石化项目评审", deadline=TOMORROW, experts_per_project=3,
                              max_load=2, min_other_city=1)  # fmt: skip
    review.project_add(access=access, review_round=rnd, title="催化裂化节能改造", region=ningbo,
                       applicant_organisation="某石化公司", fields=[field_of("绿色石化")], summary="炼油 催化")  # fmt: skip
    return rnd


def test_an_expert_whose_person_was_merged_still_sits_on_panels_as_their_citys_expert(
    petro, make_person, ningbo, zhoushan, ningbo_round
) -> None:
    for name in ("张伟", "李强", "王磊"):
        petro(name, ningbo)
    zhou = petro("周海", zhoushan)
    retire_into(zhou, make_person("周海", ningbo))  # Ningbo's registry record, without a profile

    seats = review.panel_propose(access=access_of(ningbo_round.organiser), review_round=ningbo_round)
    panel = {s.expert.person.name: s.expert.region.code for s in seats}
    assert panel.get("周海") == "330900" and len(panel) == 3, "the Zhoushan expert meets the other-city rule"


def test_a_human_with_two_profiles_holds_one_place_and_counts_once_for_the_city_mix(
    petro, ningbo, zhoushan, ningbo_round
) -> None:
    zhang, li = petro("张伟", ningbo), petro("李强", ningbo)
    zhang_zs = petro("张伟", zhoushan)  # the same human in Zhoushan's expert database
    others = [petro(name, zhoushan) for name in ("周海", "吴涛")]
    retire_into(zhang_zs, zhang.person)
    project = ningbo_round.projects.get()
    for expert in (zhang, zhang_zs, li):  # invited while 张伟 was two persons
        Assignment.objects.create(
            round=ningbo_round, project=project, expert=expert, affinity=0.5, status="invited"
        )
    ReviewRound.objects.filter(pk=ningbo_round.pk).update(status=ReviewRound.Status.INVITING)

    assert review.seats_held(review_round=ningbo_round) == 2, "three seats, two humans"
    [added] = review.panel_refill(access=access_of(ningbo_round.organiser), review_round=ningbo_round)
    assert added.expert in others, "the third place goes to another city's expert, not to 张伟 again"


def test_a_human_listed_by_both_cities_is_one_candidate_who_cannot_meet_the_other_city_rule(
    petro, ningbo, zhoushan, ningbo_round
) -> None:
    zhang = petro("张伟", ningbo)
    petro("李强", ningbo)
    petro("王磊", ningbo)
    retire_into(petro("张伟", zhoushan), zhang.person)

    with pytest.raises(review.PanelInfeasible) as refused:
        review.panel_propose(access=access_of(ningbo_round.organiser), review_round=ningbo_round)
    assert "0" in refused.value.reasons[0], "张伟's Zhoushan profile is 张伟, a Ningbo expert"
    matrices = review.round_matrices(review_round=ningbo_round)
    assert len(matrices.experts) == 3 and len(matrices.columns) == 4


def test_the_pool_list_and_the_desk_count_the_experts_of_active_persons(
    petro, make_person, ningbo, zhoushan, nb_office
) -> None:
    zhang = petro("张伟", ningbo)
    petro("周海", zhoushan)
    retire_into(petro("张伟", zhoushan), zhang.person)

    listed = list(selectors.experts_search(user=nb_office))
    figures = selectors.desk_figures(user=nb_office)["experts"]
    assert sum(figures.values()) == len(listed) == 2
    assert figures == {"宁波市": 1, "舟山市": 1}
