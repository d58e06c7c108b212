"""The plans' targets as data, and the actuals the apps count through the indicator_actuals hook."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings

from conftest import make_user
from talentlink.core.models import Role
from talentlink.indicators import selectors
from talentlink.indicators.models import Indicator, Plan, Target

JOINT_TABLE = "甬舟人才一体化发展主要目标(两地合作)"


def test_the_action_plans_joint_table_is_in_the_catalogue_row_by_row(seeded) -> None:
    joint = Indicator.objects.filter(plan__code="yongzhou-2020-2025").select_related("plan", "region")
    indicators = {i.code: i for i in joint}
    assert len(indicators) == 11 and all(JOINT_TABLE in i.source for i in indicators.values())

    def values(code: str) -> list[tuple[int, int]]:
        """The targets of an indicator (whole numbers in this table)."""
        rows = Target.objects.filter(indicator__code=code).values_list("year", "value")
        assert all(value == int(value) for _year, value in rows)
        return [(year, int(value)) for year, value in rows]

    # The table's first column holds the targets for 2020, not baselines.
    assert values("joint-expert-committees") == [(2020, 2), (2022, 3), (2025, 5)]
    assert indicators["joint-expert-committees"].baseline is None
    assert values("young-talents") == [(2020, 15), (2022, 45), (2025, 90)]
    assert indicators["young-talents"].unit == "万人"
    # "其中舟山3个以上": the Zhoushan share is a row of its own, scoped to the city.
    zhoushan_share = indicators["innovation-centre-projects-zhoushan"].region
    assert zhoushan_share is not None and zhoushan_share.code == "330900"
    assert values("innovation-centre-projects-zhoushan") == [(2020, 3), (2022, 10), (2025, 20)]
    # A qualitative cell (实质性启动建设) is not a number: no 2020 target for the cooperation zone.
    assert values("cooperation-zone-talents") == [(2022, 300), (2025, 1000)]
    assert "实质性启动建设" in indicators["cooperation-zone-talents"].source


def test_table_1_of_the_five_year_plan_is_in_the_catalogue_with_its_baselines(
    client_of, observer, seeded
) -> None:
    rows = list(Indicator.objects.filter(plan__code="ningbo-talent-14th-fyp").select_related("region"))
    assert len(rows) == 16 and all("表1" in i.source and i.region and i.region.code == "330200" for i in rows)
    assert all(
        i.measure == Indicator.Measure.LEVEL and i.direction == Indicator.Direction.AT_LEAST for i in rows
    )
    by_code = {i.code: i for i in rows}
    total = by_code["fyp-talent-total"]
    assert (total.baseline, total.baseline_year, total.unit) == (Decimal("228.5"), 2020, "万人")
    assert list(total.targets.values_list("year", "value")) == [(2025, Decimal("285"))], "2020 is a baseline"
    # The table's own exceptions: a baseline of 2019, a baseline not given, decimals, "> 60".
    assert (
        by_code["fyp-rd-per-10k-employed"].baseline,
        by_code["fyp-rd-per-10k-employed"].baseline_year,
    ) == (Decimal("170"), 2019)
    assert by_code["fyp-highland-high-level-share"].baseline is None
    assert by_code["fyp-rd-spending-share"].baseline == Decimal("2.85")
    assert by_code["fyp-senior-title-share"].targets.get().value == Decimal("8.2")
    assert (
        ">60" in by_code["fyp-high-tech-share"].source
        and by_code["fyp-high-tech-share"].targets.get().value == 60
    )

    page = client_of(observer).get("/targets/").content.decode()
    assert "宁波市人才发展“十四五”规划" in page and "228.5" in page and "(2019)" in page
    table = page[page.index('id="targets-ningbo-talent-14th-fyp"') :]
    assert "2022" not in table[: table.index("</tr>")], "表1's own years only: 2025"
    api = {t["code"]: t for t in client_of(observer).get("/api/indicators/targets").json()}
    assert (
        api["fyp-rd-spending-share"]["baseline"] == 2.85
        and api["fyp-rd-per-10k-employed"]["baseline_year"] == 2019
    )


def test_a_joint_committee_built_through_the_pool_counts_toward_its_target(
    client_of, nb_office, observer, make_expert, ningbo, zhoushan, seeded
) -> None:
    office = client_of(nb_office)
    created = office.post(
        "/api/experts/committees",
        {"name": "石化委员会", "field": "green-petrochemical", "established_on": "2021-01-01"},
        content_type="application/json",
    )
    members = f"/api/experts/committees/{created.json()['id']}/members"
    office.post(
        members,
        {"expert_id": make_expert("张伟", ningbo).pk, "role": "chair"},
        content_type="application/json",
    )
    targets = {t["code"]: t for t in client_of(observer).get("/api/indicators/targets").json()}
    assert targets["joint-expert-committees"]["actual"] == 0, "one city only: not yet a joint committee"

    office.post(members, {"expert_id": make_expert("王海", zhoushan).pk}, content_type="application/json")
    targets = {t["code"]: t for t in client_of(observer).get("/api/indicators/targets").json()}
    committees = targets["joint-expert-committees"]
    assert committees["actual"] == 1 and committees["computed_from"] == "experts.joint_committees"
    assert [(t["year"], t["value"], t["met"]) for t in committees["targets"]] == [
        (2020, 2, False), (2022, 3, False), (2025, 5, False),
    ]  # fmt: skip
    assert targets["leader-studios"]["actual"] == 0
    assert targets["teacher-exchange"]["actual"] is None, "the platform does not count exchanges"
    assert next((t["year"], t["met"]) for t in targets["teacher-exchange"]["targets"]) == (2020, None)

    page = client_of(observer).get("/targets/").content.decode()
    row = page.split('id="indicator-joint-expert-committees"')[1].split("</tr>")[0]
    assert '<td class="figure">1</td>' in row and ">5</span>" in row and "5.0000" not in row
    desk = client_of(nb_office).get("/dashboard/").content.decode()
    assert 'id="indicators-desk"' in desk and "组建重点产业联合专家委员会" in desk


def test_progress_compares_each_target_year_with_the_actual_of_the_day(seeded) -> None:
    plan = Plan.objects.get(code="yongzhou-2020-2025")
    level = Indicator.objects.create(
        plan=plan, code="share-test", name="试验指标", name_en="Test indicator", unit="%", source="试验",
        direction=Indicator.Direction.AT_MOST, measure=Indicator.Measure.LEVEL,
        computed_from="experts.studios",
    )  # fmt: skip
    Target.objects.create(indicator=level, year=2022, value=Decimal("4.2"))
    [progress] = [p for p in selectors.targets_progress(on=dt.date(2022, 6, 1)) if p.indicator == level]
    assert progress.actual == 0 and progress.targets[0].met is True, "at most 4.2: 0 meets it"
    assert progress.next_target is not None and progress.next_target.year == 2022
    [after] = [p for p in selectors.targets_progress(on=dt.date(2023, 1, 1)) if p.indicator == level]
    assert after.next_target is None


def test_a_new_indicator_is_a_row_with_decimal_values(client_of, observer, seeded) -> None:
    Target.objects.create(
        indicator=Indicator.objects.create(
            plan=Plan.objects.get(code="yongzhou-2020-2025"), code="rd-share", name="研发投入占比",
            name_en="R&D spending share", unit="%", source="（试验）",
        ),
        year=2025,
        value=Decimal("2.85"),
    )  # fmt: skip
    row = next(
        t for t in client_of(observer).get("/api/indicators/targets").json() if t["code"] == "rd-share"
    )
    assert row["targets"] == [{"year": 2025, "value": 2.85, "met": None}] and row["actual"] is None
    assert ">2.85</span>" in client_of(observer).get("/targets/").content.decode()


@pytest.mark.parametrize("role", [Role.TALENT, Role.EMPLOYER, Role.BENEFIT_PROVIDER])
def test_the_targets_are_refused_to_talents_employers_and_providers(client_of, ningbo, role, seeded) -> None:
    client = client_of(make_user("someone", role, ningbo))
    assert client.get("/targets/").status_code == 403
    assert client.get("/api/indicators/targets").status_code == 403


def test_an_english_reader_reads_the_indicators_in_english(client_of, ningbo, seeded) -> None:
    client = client_of(make_user("observer-en", Role.PROVINCE_OBSERVER))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    page = client.get("/targets/").content.decode()
    assert "Joint expert committees of key industries" in page and "Action plan for Ningbo" in page
