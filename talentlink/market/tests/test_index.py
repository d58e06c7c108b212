"""The candidate indexes (market/index.py) against the definitions they speed up: the hard filters
are exactly :func:`matching.admits`, the ranking of a small pool is the exhaustive one, a saved
index answers as the built one did, and a résumé saved since the build scores as if indexed."""

from __future__ import annotations

import random

import numpy as np
import pytest

from talentlink.market import index, matching

SKILLS = ["python", "催化裂化", "港口调度", "plc", "solidworks", "报关", "数控编程", "hazop", "sql", "英语"]
WORDS = ["工程师", "化工", "工艺", "港口", "调度", "设备", "维修", "软件", "开发", "数据", "分析", "船舶", "引航",
         "报关", "仓储", "模具", "设计", "质检", "安全", "管理"]  # fmt: skip
LEVELS = ["", "", "title_junior", "title_intermediate", "title_associate_senior", "skill_4", "skill_3"]
ORDER = {"title": LEVELS[2:5], "skill": ["skill_5", "skill_4", "skill_3", "skill_2", "skill_1"]}
NINGBO, ZHOUSHAN = 1, 2


def satisfies(levels: set[str], required: str) -> bool:
    for order in ORDER.values():
        if required in order:
            return any(level in order[order.index(required) :] for level in levels)
    return required in levels


def talent(pk: int, rng: random.Random) -> matching.TalentFacts:
    home = rng.choice([NINGBO, ZHOUSHAN])
    levels = {rng.choice(LEVELS)} - {""}
    verified = levels if rng.random() < 0.5 else set()
    return matching.TalentFacts(
        id=pk, tokens=rng.sample(WORDS, rng.randint(0, 6)),  # some résumés have no text at all
        skills=frozenset(rng.sample(SKILLS, rng.randint(0, 4))), home_region_id=home,
        desired_region_ids=frozenset(rng.sample([NINGBO, ZHOUSHAN], rng.randint(1, 2))),
        shared_with_other_city=rng.random() < 0.4, education_rank=rng.randint(0, 5),
        verified_levels=frozenset(verified), declared_levels=frozenset(levels - verified),
        desired_field_ids=frozenset(rng.sample([10, 11, 12], rng.randint(0, 2))),
        desired_salary=None if rng.random() < 0.2 else rng.randrange(4000, 30000, 500),
        experience_years=rng.randint(0, 15),
    )  # fmt: skip


def job(pk: int, rng: random.Random) -> matching.JobFacts:
    low = rng.randrange(5000, 20000, 1000)
    return matching.JobFacts(
        id=pk, tokens=rng.sample(WORDS, rng.randint(1, 6)), skills=frozenset(rng.sample(SKILLS, rng.randint(0, 4))),
        region_id=rng.choice([NINGBO, ZHOUSHAN]), employer_region_id=rng.choice([NINGBO, ZHOUSHAN]),
        education_rank=rng.choice([0, 0, 2, 3, 4]), required_level=rng.choice(LEVELS),
        field_id=rng.choice([None, 10, 11, 12]), salary_min=low, salary_max=low + rng.randrange(0, 10000, 1000),
        experience_years=rng.randint(0, 5),
    )  # fmt: skip


@pytest.fixture(scope="module")
def pool() -> tuple[list[matching.TalentFacts], list[matching.JobFacts]]:
    rng = random.Random(14)
    return [talent(pk, rng) for pk in range(1, 1201)], [job(pk, rng) for pk in range(1, 301)]


def test_the_filters_of_the_index_are_the_hard_filters(pool) -> None:
    talents, jobs = pool
    talent_index, job_index = index.TalentIndex.build(talents), index.JobIndex.build(jobs)
    for j in jobs[:60]:
        expected = [t.id for t in talents if matching.admits(j, t, satisfies=satisfies)]
        assert talent_index.columns.ids[talent_index.admitted(j, satisfies=satisfies)].tolist() == expected
    for t in talents[:60]:
        expected = [j.id for j in jobs if matching.admits(j, t, satisfies=satisfies)]
        assert job_index.jobs["ids"][job_index.admitted(t, satisfies=satisfies)].tolist() == expected


def _exhaustive(pairs, texts, limit, key):
    return [
        (getattr(m, key), m.fit)
        for m in sorted(
            matching.ranked(pairs, texts, satisfies, None), key=lambda m: (-m.score, getattr(m, key))
        )
    ][:limit]


def test_a_small_pool_is_ranked_exhaustively_and_explained(pool, monkeypatch) -> None:
    talents, jobs = pool
    monkeypatch.setattr(index, "SHORTLIST", 10_000)  # every admitted profile is ranked
    talent_index = index.TalentIndex.build(talents)
    for j in jobs[:20]:
        rows = talent_index.admitted(j, satisfies=satisfies)
        text = talent_index.text.text(j.tokens)
        best = float(text[rows].max(initial=0.0)) or 1.0
        pairs = [(j, talent_index.facts(int(r))) for r in rows]
        expected = _exhaustive(pairs, text[rows] / best, 20, "talent_id")
        got = talent_index.rank(j, satisfies=satisfies, limit=20)
        assert [(m.talent_id, m.fit) for m in got] == expected
        assert all(m.reasons for m in got)


def test_the_shortlist_keeps_the_best_by_text_and_by_skills(pool) -> None:
    talents, jobs = pool
    talent_index = index.TalentIndex.build(talents)
    j = next(
        j for j in jobs if len(talent_index.admitted(j, satisfies=satisfies)) > index.SHORTLIST and j.skills
    )
    got = talent_index.rank(j, satisfies=satisfies, limit=10)
    assert len(got) == 10
    # The best by the hand-weighted score among all admitted is found through the shortlist.
    rows = talent_index.admitted(j, satisfies=satisfies)
    text = talent_index.text.text(j.tokens)
    pairs = [(j, talent_index.facts(int(r))) for r in rows]
    best = _exhaustive(pairs, text[rows] / float(text[rows].max()), 1, "talent_id")
    assert got[0].talent_id == best[0][0]


def test_a_saved_index_answers_as_the_built_one(pool, tmp_path) -> None:
    talents, jobs = pool
    talent_index, job_index = index.TalentIndex.build(talents, built_at="x"), index.JobIndex.build(jobs)
    talent_index.save(tmp_path / "talents")
    job_index.save(tmp_path / "jobs")
    talents_loaded = index.TalentIndex.load(tmp_path / "talents")
    jobs_loaded = index.JobIndex.load(tmp_path / "jobs")
    assert talents_loaded is not None and jobs_loaded is not None and talents_loaded.built_at == "x"
    for j in jobs[:10]:
        assert talents_loaded.rank(j, satisfies=satisfies, limit=20) == talent_index.rank(
            j, satisfies=satisfies, limit=20
        )
    for t in talents[:10]:
        assert jobs_loaded.rank(t, satisfies=satisfies, limit=20) == job_index.rank(
            t, satisfies=satisfies, limit=20
        )
    assert index.TalentIndex.load(tmp_path / "nothing") is None


def test_a_resume_saved_since_the_build_scores_as_if_indexed(pool) -> None:
    talents, jobs = pool
    talent_index = index.TalentIndex.build(talents)
    for j in jobs[:20]:
        indexed = talent_index.text.text(j.tokens)
        again = talent_index.text.text_new(j.tokens, [t.tokens for t in talents[:50]])
        np.testing.assert_allclose(again, indexed[:50], rtol=1e-5)
    # A changed résumé is ranked from its new facts, not the indexed ones.
    j = jobs[0]
    first = talent_index.rank(j, satisfies=satisfies, limit=1)[0]
    gone = talent_index.rank(j, satisfies=satisfies, limit=5, exclude=[first.talent_id])
    assert first.talent_id not in [m.talent_id for m in gone]
    old = next(t for t in talents if t.id == first.talent_id)
    moved = matching.TalentFacts(**{**old.__dict__, "desired_region_ids": frozenset({99})})
    assert first.talent_id not in [
        m.talent_id
        for m in talent_index.rank(j, satisfies=satisfies, limit=5, exclude=[old.id], extra=[moved])
    ]
    back = talent_index.rank(j, satisfies=satisfies, limit=1, exclude=[old.id], extra=[old])
    assert back[0].talent_id == first.talent_id and back[0].fit == first.fit


def test_an_index_of_nothing_finds_nothing() -> None:
    rng = random.Random(1)
    empty = index.TalentIndex.build([])
    assert empty.rank(job(1, rng), satisfies=satisfies, limit=5) == []
    assert index.JobIndex.build([]).rank(talent(1, rng), satisfies=satisfies, limit=5) == []


def test_the_logs_liking_is_a_third_source_of_candidates(pool, monkeypatch) -> None:
    talents, jobs = pool
    monkeypatch.setattr(index, "SHORTLIST", 5)
    talent_index = index.TalentIndex.build(talents)
    j = next(j for j in jobs if len(talent_index.admitted(j, satisfies=satisfies)) > 50)
    rows = talent_index.admitted(j, satisfies=satisfies)
    text = talent_index.text.text(j.tokens)
    shared = talent_index.text.shared(j.skills)
    # The admitted talent least found by words and skills, whom the log says likes the employer.
    quiet = int(rows[np.lexsort((shared[rows], text[rows]))[0]])
    liking = np.zeros(len(talent_index), dtype=np.float32)
    liking[quiet] = 0.9
    found = talent_index.rank(j, satisfies=satisfies, limit=100)
    with_liking = talent_index.rank(j, satisfies=satisfies, limit=100, liking=liking)
    quiet_id = int(talent_index.columns.ids[quiet])
    assert quiet_id not in [m.talent_id for m in found]
    assert quiet_id in [m.talent_id for m in with_liking]


def test_district_and_age_are_facts_of_a_pair() -> None:
    rng = random.Random(3)
    t, j = talent(1, rng), job(1, rng)
    near = matching.parts(
        matching.JobFacts(**{**j.__dict__, "district_id": 7, "published": 100.0}),
        matching.TalentFacts(**{**t.__dict__, "district_id": 7, "updated": 90.0}),
        text=0.5, satisfies=satisfies,
    )[0]  # fmt: skip
    assert near["same_district"] == 1.0 and np.isnan(near["job_age"]), "ages only where the caller gives them"
    assert matching.ages(
        matching.JobFacts(**{**j.__dict__, "published": 100.0}),
        matching.TalentFacts(**{**t.__dict__}),
        on=130.0,
    ) == {"job_age": 30.0, "resume_age": pytest.approx(float("nan"), nan_ok=True)}
    far = matching.parts(j, t, text=0.5, satisfies=satisfies)[0]
    assert far["same_district"] == 0.0 and set(matching.FEATURES) <= set(far)
