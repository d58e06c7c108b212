"""The market's demo data: a living board, résumés with matches, and a feedback history."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from talentlink.core.models import User
from talentlink.credentials.models import Notification
from talentlink.market import selectors
from talentlink.market.apps import MarketConfig
from talentlink.market.models import Application, Event, Job, Profile
from talentlink.registry import demo as registry_demo


def counts() -> tuple[int, ...]:
    return (
        Job.objects.count(), Profile.objects.count(), Application.objects.count(), Event.objects.count(),
        Notification.objects.count(), User.objects.count(),
    )  # fmt: skip


@pytest.mark.django_db
def test_the_demo_fills_the_board_gives_the_demo_talent_matches_and_a_funnel_and_runs_again_unchanged(
    tmp_path,
) -> None:
    out = io.StringIO()
    call_command("demo_load", size=40, out=tmp_path, stdout=out)  # the registry's demo, then every app's
    assert "market: " in out.getvalue()

    board = selectors.jobs_open()
    assert board.count() >= 40
    assert {job.region.code for job in board} == {registry_demo.NINGBO, registry_demo.ZHOUSHAN}
    assert Job.objects.filter(status=Job.Status.DRAFT).exists()
    assert board.filter(occupation__isnull=True).count() == 0, "every demo title names a CSCO occupation"
    zs_recruiter = User.objects.get(username="zs-employer")
    assert (
        zs_recruiter.organisation is not None
        and zs_recruiter.organisation.region.code == registry_demo.ZHOUSHAN
    )

    talent = User.objects.get(username=registry_demo.first_talent().phone)
    profile = selectors.profile_own(user=talent)
    assert profile is not None and selectors.jobs_for_profile(profile=profile)
    assert Application.objects.filter(profile=profile).exists(), "My job applications shows one"
    assert Profile.objects.filter(is_graduate=True).exists()
    assert Profile.objects.filter(shared_with_other_city=True).exists()

    assert Event.objects.filter(kind=Event.Kind.PUSHED, to=Event.Side.TALENT).exists()
    rows = selectors.funnel()
    assert {row.region for row in rows} == {"宁波市", "舟山市"}
    totals = [sum(row.steps[i] for row in rows) for i in range(len(selectors.FUNNEL_STEPS))]
    assert all(totals[:3]), totals  # suggested, viewed and applied; hires need more than 40 rows a city

    before = counts()
    config = apps.get_app_config("market")
    assert isinstance(config, MarketConfig)
    config.demo_load(stdout=io.StringIO())
    assert counts() == before
