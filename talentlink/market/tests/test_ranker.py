"""The learned ranker: trained on the feedback log, in use only where it beats the hand-weighted
score on the newest jobs; while feedback is thin, the hand-weighted score orders matches."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from talentlink.core import crypto, idnumbers
from talentlink.experts.tests.conftest import id_number
from talentlink.market import ranker, selectors
from talentlink.market.models import Event, Job, Profile, RankerModel
from talentlink.registry.models import Person

pytestmark = pytest.mark.django_db


def test_labels_grade_the_furthest_step_and_a_rejection_ends_at_nothing() -> None:
    assert ranker.label(["pushed"]) == 0 and ranker.label(["pushed", "viewed"]) == 1
    assert ranker.label(["viewed", "applied", "interview", "hired"]) == 4
    assert ranker.label(["applied", "rejected"]) == 0
    labels = np.array([0, 4, 1])
    assert ranker.ndcg_at(10, labels, np.array([0.1, 0.9, 0.5])) == pytest.approx(1.0)
    assert ranker.ndcg_at(10, labels, np.array([0.9, 0.1, 0.5])) < 0.7


def _person(name: str, region, serial: int) -> Person:
    number = id_number(region, serial)
    token, index = crypto.id_number_seal(number)
    return Person.objects.create(name=name, home_region=region, id_number_encrypted=token, id_number_index=index,
                                 id_number_masked=idnumbers.mask(number))  # fmt: skip


def _market(employer, ningbo, zhoushan) -> tuple[list[Profile], list[Profile]]:
    """Four Ningbo talents with few of the skills wanted, four Zhoushan talents with all of them."""
    home: list[Profile] = []
    away: list[Profile] = []
    for i in range(8):
        region = ningbo if i < 4 else zhoushan
        profile = Profile.objects.create(
            person=_person(f"人才{i}", region, 100 + i), headline="设备技师", shared_with_other_city=True,
            skills=["设备维护"] if i < 4 else ["设备维护", "检修", "PLC"], experience_years=5,
        )  # fmt: skip
        profile.desired_regions.set([ningbo, zhoushan])
        (home if i < 4 else away).append(profile)
    return home, away


def _job(employer, ningbo, n: int) -> Job:
    return Job.objects.create(
        organisation=employer.organisation, title=f"设备工程师{n}", description="设备维护与检修", region=ningbo,
        skills=["设备维护", "检修", "PLC"], salary_min=9000, salary_max=14000, status=Job.Status.PUBLISHED,
        valid_until=timezone.localdate() + dt.timedelta(days=30),
        published_at=timezone.now() - dt.timedelta(days=60 - n),
    )  # fmt: skip


def _log_where_only_home_talents_go_on(employer, ningbo, home, away) -> None:
    """Thirty jobs' feedback: the Ningbo talents apply and one of them is hired; the others only look."""
    events = []
    for n in range(30):
        job = _job(employer, ningbo, n)
        for i, profile in enumerate(home):
            events.append(Event(job=job, profile=profile, kind="applied", side="talent"))
            if i == n % 4:
                events.append(Event(job=job, profile=profile, kind="hired", side="employer"))
        for profile in away:
            events.append(Event(job=job, profile=profile, kind="viewed", side="talent"))
    Event.objects.bulk_create(events)


def test_thin_feedback_trains_nothing_and_the_hand_weighted_score_orders(employer, ningbo, zhoushan) -> None:
    home, away = _market(employer, ningbo, zhoushan)
    job = _job(employer, ningbo, 0)
    Event.objects.create(job=job, profile=home[0], kind="applied", side="talent")
    out = io.StringIO()
    call_command("market_train", stdout=out)
    assert out.getvalue().startswith("Too little feedback") and not RankerModel.objects.exists()
    ranked = selectors.candidates_for_job(job=job)
    assert all(match.score == match.fit for _profile, match in ranked)
    assert ranked[0][0] in away, "the hand-weighted score prefers the talents with every skill"


def test_a_model_that_learned_the_feedback_orders_the_matches(employer, ningbo, zhoushan) -> None:
    # The hidden preference: only Ningbo's talents apply and get hired, whatever their skills.
    home, away = _market(employer, ningbo, zhoushan)
    _log_where_only_home_talents_go_on(employer, ningbo, home, away)
    out = io.StringIO()
    call_command("market_train", stdout=out)
    model = RankerModel.objects.get(side=RankerModel.Side.TALENTS)
    assert model.is_active and model.ndcg > model.ndcg_hand and model.queries == 30, out.getvalue()
    assert "in use" in out.getvalue()

    fresh = _job(employer, ningbo, 99)
    ranked = selectors.candidates_for_job(job=fresh)
    assert [profile in home for profile, _match in ranked][:4] == [True] * 4, "the learned order"
    assert ranked[0][1].fit < max(match.fit for _profile, match in ranked), (
        "the fit shown stays the hand score"
    )


def test_the_logs_signals_say_who_goes_for_which_employers(tmp_path) -> None:
    # Talents 1-3 apply at employers 10 and 11 alike; talent 4 goes for 12 and 13 only.
    steps = [(p, e, k) for p in (1, 2, 3) for e in (10, 11) for k in ("viewed", "applied")]
    steps += [(4, 12, "applied"), (4, 13, "hired"), (5, 12, "applied"), (5, 13, "applied"), (4, 10, "pushed")]
    signals = ranker.signals_fit(steps)
    assert signals.of(1, 11)["affinity"] > signals.of(4, 11)["affinity"], "talents like 1 go for 11"
    assert signals.of(4, 13)["affinity"] > signals.of(4, 10)["affinity"]
    assert np.isnan(signals.of(99, 10)["affinity"]) and np.isnan(signals.of(1, 99)["affinity"])
    signals.save(tmp_path / "s.npz")
    assert ranker.Signals.load(tmp_path / "s.npz").of(1, 11) == pytest.approx(signals.of(1, 11))
    assert np.isnan(ranker.signals_fit([(1, 10, "pushed")]).of(1, 10)["affinity"])


def test_training_keeps_the_logs_signals_for_the_ranking(employer, ningbo, zhoushan, settings) -> None:
    home, away = _market(employer, ningbo, zhoushan)
    _log_where_only_home_talents_go_on(employer, ningbo, home, away)
    fresh = selectors.job_facts(_job(employer, ningbo, 99))
    talent = selectors.talent_facts(home[0], set())
    assert selectors.signals_saved() is None
    assert set(selectors.signals_active()(fresh, talent)) == {"job_age", "resume_age"}, "ages only, as yet"
    call_command("market_train", stdout=io.StringIO())
    said = selectors.signals_active()(fresh, talent)
    assert set(said) == {"affinity", "job_age", "resume_age"} and not np.isnan(said["affinity"])
    assert said["job_age"] < 1 and said["resume_age"] < 1, "both written just now"
    ranked = selectors.candidates_for_job(job=Job.objects.get(title="设备工程师99"))
    assert [profile in home for profile, _match in ranked][:4] == [True] * 4


def test_the_logs_liking_reaches_every_indexed_talent_and_employer() -> None:
    steps = [(p, e, "applied") for p in (1, 2, 3) for e in (10, 11)] + [(4, 12, "hired"), (5, 12, "applied")]
    signals = ranker.signals_fit(steps)
    rows = signals.rows_of(np.array([1, 4, 99]))
    liking = signals.talents_liking(rows, 12)
    assert liking is not None and liking[1] > liking[0] and liking[2] == 0, "99 is unknown: 0"
    assert signals.talents_liking(rows, 77) is None, "an employer the log does not know"
    employers = signals.employers_liking(signals.rows_of(np.array([10, 12, 77]), employers=True), 4)
    assert employers is not None and employers[1] > employers[0] and employers[2] == 0
