"""The demo data and the import command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from conftest import make_user
from talentlink.core.models import Role
from talentlink.experts import selectors
from talentlink.experts.demo import demo_load
from talentlink.experts.models import Assignment, Committee, Expert, ReviewRound, Studio
from talentlink.experts.tests.conftest import id_number

TITLES = ["正高级工程师", "高级工程师", "工程师", "教授"]
INDUSTRIES = ["绿色石化", "海洋生物", "港航物流", "新材料"]


@pytest.fixture
def demo_persons(make_person, ningbo, zhoushan, seeded):
    for city in (ningbo, zhoushan):
        for i in range(12):
            make_person(f"{city.short_name}演示{i}", city, title=TITLES[i % 4], industry=INDUSTRIES[i % 4],
                        employer_name=f"{city.name}单位{i}")  # fmt: skip
    make_user("nb-office", Role.TALENT_OFFICE, ningbo)
    make_user("zs-organiser", Role.REVIEW_ORGANISER, zhoushan)


def test_the_demo_builds_a_pool_committees_studios_and_a_round_and_runs_again_unchanged(demo_persons) -> None:
    out = io.StringIO()
    demo_load(stdout=out)
    counts = (
        Expert.objects.count(),
        Committee.objects.count(),
        Studio.objects.count(),
        Assignment.objects.count(),
    )
    demo_load(stdout=out)
    assert counts == (
        Expert.objects.count(), Committee.objects.count(), Studio.objects.count(), Assignment.objects.count()
    )  # fmt: skip
    assert counts[0] == 24 and counts[2] == 5
    assert selectors.joint_committee_count(on=ReviewRound.objects.get().deadline) == 2
    rnd = ReviewRound.objects.get()
    assert rnd.status == ReviewRound.Status.INVITING and rnd.assignments.count() == 18


def test_the_import_command_reports_errors_and_writes_nothing(tmp_path, make_person, ningbo, seeded) -> None:
    make_user("nb-office", Role.TALENT_OFFICE, ningbo)
    make_person("张伟", ningbo, id_number=id_number(ningbo, 1))
    good = tmp_path / "good.csv"
    good.write_text(
        f"专家编号,姓名,公民身份号码,专业领域\nE1,张伟,{id_number(ningbo, 1)},绿色石化\n", "utf-8-sig"
    )
    call_command("experts_import", str(good), "--region", "330200", "--dry-run", stdout=io.StringIO())
    assert not Expert.objects.exists()
    call_command("experts_import", str(good), "--region", "330200", stdout=io.StringIO())
    assert Expert.objects.get().source_key == "E1"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"专家编号,姓名,公民身份号码,专业领域\nE1,张伟,{id_number(ningbo, 1)},深海\n", "utf-8-sig")
    with pytest.raises(CommandError, match="1 errors"):
        call_command(
            "experts_import", str(bad), "--region", "330200", stdout=io.StringIO(), stderr=io.StringIO()
        )
