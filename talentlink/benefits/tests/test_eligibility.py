from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from talentlink.benefits.models import InsuranceImport, InsuranceRecord
from talentlink.benefits.selectors import Holder, benefit_eligibility, person_entitlements
from talentlink.benefits.tests.conftest import LI_ID, make_benefit, make_person
from talentlink.registry.models import Person, TalentCategory, Tier

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 5, 1)


def verdict(benefit, person, on=DAY) -> str:
    return benefit_eligibility(benefit=benefit, holder=Holder(person), on=on).reason


def test_a_benefit_without_restrictions_is_open_to_every_active_talent(tianyige, zhang, ouyang):
    benefit = make_benefit(tianyige, "nb-open")
    assert verdict(benefit, zhang) == verdict(benefit, ouyang) == "ok"


def test_a_benefit_for_zhoushan_talents_refuses_a_ningbo_talent(tianyige, zhang, ouyang, zhoushan):
    benefit = make_benefit(tianyige, "nb-for-zs", holder_regions=[zhoushan])
    assert verdict(benefit, zhang) == "region"
    assert verdict(benefit, ouyang) == "ok"


def test_the_category_must_be_one_of_the_benefits(tianyige, zhang, ouyang):
    skilled = TalentCategory.objects.get(code="high_skilled")
    benefit = make_benefit(tianyige, "nb-skilled", categories=[skilled])
    assert (verdict(benefit, zhang), verdict(benefit, ouyang)) == ("category", "ok")


def test_a_zhoushan_tier_is_honoured_as_the_ningbo_tier_it_maps_to(tianyige, ningbo, zhoushan, zhang):
    # Ningbo's entry names only Ningbo tiers A–C; Zhoushan's C is honoured as Ningbo's C (人才互认).
    benefit = make_benefit(tianyige, "nb-top", tiers=list(Tier.objects.filter(region=ningbo, code__in="ABC")))
    zs_c = make_person("周海", LI_ID, zhoushan, tier="C")
    assert verdict(benefit, zhang) == "ok"
    assert verdict(benefit, zs_c) == "ok"


def test_a_tier_without_a_mapping_to_a_named_tier_does_not_qualify(tianyige, ningbo, ouyang):
    benefit = make_benefit(tianyige, "nb-top", tiers=list(Tier.objects.filter(region=ningbo, code__in="ABC")))
    assert verdict(benefit, ouyang) == "tier"  # Zhoushan D ↔ Ningbo D, not among A–C


def test_a_person_without_a_tier_does_not_qualify_where_tiers_are_required(tianyige, ningbo):
    person = make_person("王芳", LI_ID, ningbo, tier=None)
    benefit = make_benefit(tianyige, "nb-top", tiers=list(Tier.objects.filter(region=ningbo, code="A")))
    assert verdict(benefit, person) == "tier"


def test_a_recognised_level_qualifies_through_the_equivalence_table(tianyige, ouyang, credential_levels):
    benefit = make_benefit(tianyige, "nb-senior", credential_levels=["title_intermediate", "title_senior"])
    assert verdict(benefit, ouyang) == "level"
    # A recognised 技师 counts as 中级职称 for benefits: the credentials selector applies the table.
    credential_levels.levels[ouyang.pk] = {"skill_2", "title_intermediate"}
    assert verdict(benefit, ouyang) == "ok"
    assert credential_levels.calls[-1] == (ouyang.pk, "benefits")


def test_tier_and_level_are_alternatives(tianyige, ningbo, zhang, ouyang, credential_levels):
    benefit = make_benefit(
        tianyige,
        "nb-either",
        tiers=list(Tier.objects.filter(region=ningbo, code="C")),
        credential_levels=["skill_1"],
    )
    assert verdict(benefit, zhang) == "ok"  # by tier
    assert verdict(benefit, ouyang) == "tier_or_level"
    credential_levels.levels[ouyang.pk] = {"skill_1"}
    assert verdict(benefit, ouyang) == "ok"  # by level


def test_levels_are_not_asked_for_when_no_benefit_needs_them(tianyige, zhang, credential_levels):
    make_benefit(tianyige, "nb-open")
    person_entitlements(person=zhang, on=DAY)
    assert credential_levels.calls == []


def insurance(person: Person, region, first: str, last: str) -> None:
    batch = InsuranceImport.objects.create(region=region, original_name="x.csv", status="succeeded")
    InsuranceRecord.objects.create(
        person=person,
        region=region,
        batch=batch,
        first_month=dt.date.fromisoformat(first + "-01"),
        last_month=dt.date.fromisoformat(last + "-01"),
    )


def test_combined_insurance_years_across_both_cities_meet_a_minimum(tianyige, zhang, ningbo, zhoushan):
    benefit = make_benefit(tianyige, "nb-sanatorium", min_insurance_years=Decimal("5"))
    insurance(zhang, zhoushan, "2018-01", "2020-12")  # 3 years in Zhoushan
    assert verdict(benefit, zhang) == "insurance_years"
    insurance(zhang, ningbo, "2021-01", "2022-12")  # 2 more in Ningbo: 视同两地缴纳年限
    assert verdict(benefit, zhang) == "ok"


def test_the_validity_dates_bound_the_benefit(tianyige, zhang):
    benefit = make_benefit(
        tianyige, "nb-2026", valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2026, 12, 31)
    )
    assert verdict(benefit, zhang, dt.date(2025, 12, 31)) == "benefit_not_yet_valid"
    assert verdict(benefit, zhang, dt.date(2026, 12, 31)) == "ok"
    assert verdict(benefit, zhang, dt.date(2027, 1, 1)) == "benefit_expired"


def test_an_inactive_benefit_or_person_is_refused(tianyige, zhang):
    benefit = make_benefit(tianyige, "nb-off", is_active=False)
    assert verdict(benefit, zhang) == "inactive"
    zhang.status = Person.Status.DECEASED
    assert verdict(make_benefit(tianyige, "nb-on"), zhang) == "person_inactive"


def test_entitlements_list_the_codes_the_person_may_use_today(
    tianyige, putuo, ningbo, zhang, ouyang, zhoushan
):
    make_benefit(tianyige, "nb-open")
    make_benefit(putuo, "zs-for-nb", holder_regions=[ningbo])
    make_benefit(putuo, "zs-for-zs", holder_regions=[zhoushan])
    make_benefit(putuo, "zs-later", valid_from=dt.date(2030, 1, 1))
    assert person_entitlements(person=zhang, on=DAY) == ["nb-open", "zs-for-nb"]
    assert sorted(person_entitlements(person=ouyang, on=DAY)) == ["nb-open", "zs-for-zs"]


def test_entitlements_take_a_fixed_number_of_queries(tianyige, putuo, zhang, django_assert_max_num_queries):
    for i in range(12):
        make_benefit(tianyige if i % 2 else putuo, f"b-{i}", tiers=list(Tier.objects.filter(code="C")))
    with django_assert_max_num_queries(6):
        assert len(person_entitlements(person=zhang, on=DAY)) == 12
