"""Spark links a small data set to the same clusters as DuckDB (Spark local[1], runs in CI).

One Spark session serves the whole module, started with options that suit a few hundred
records: one partition, no adaptive planning, no whole-stage code generation (compiling
it costs more than running such small queries), the JIT's quick tier only, no UI.
"""

from __future__ import annotations

import logging
import shutil

import pytest

from talentlink.registry import demo
from talentlink.registry.linkage import engine

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        shutil.which("java") is None, reason="Spark needs Java (make system-deps installs it)"
    ),
]

SPARK_TEST_OPTIONS = {
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.catalogImplementation": "in-memory",
    "spark.driver.memory": "1g",
    "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
    "spark.ui.showConsoleProgress": "false",
}


@pytest.fixture(scope="module")
def spark():
    logging.getLogger("py4j").setLevel(logging.WARNING)  # it narrates its connections at INFO
    backend = engine.SparkBackend(master="local[1]", partitions=1, options=SPARK_TEST_OPTIONS)
    session = backend.session()
    yield backend
    session.stop()


def records(size: int) -> list[engine.RawRecord]:
    return [
        engine.RawRecord(
            uid,
            city,
            t.name,
            written,
            t.sex,
            t.birth_date,
            t.phone,
            t.employer[0],
            t.employer[1],
            t.title,
            t.industry,
        )
        for uid, (city, _key, t, written) in enumerate(
            demo.Generator(seed=11).people(size, 0.3, duplicates=0.05), 1
        )
    ]


def partition(clusters: dict[int, int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for record, cluster in clusters.items():
        groups.setdefault(cluster, set()).add(record)
    return {frozenset(g) for g in groups.values()}


def test_spark_finds_the_same_persons_as_duckdb(spark):
    frames = engine.prepare(records(60))
    decisions = engine.Decisions(non_matches={(1, 2)})
    duckdb = engine.run(frames, backend=engine.DuckDBBackend(), decisions=decisions, train=False)
    found = engine.run(frames, backend=spark, decisions=decisions, train=False)
    assert partition(found.clusters) == partition(duckdb.clusters)
    assert sum(1 for g in partition(duckdb.clusters) if len(g) > 1) >= 15
    assert found.compared == duckdb.compared
    assert scores(found) == scores(duckdb)


def scores(outcome: engine.Outcome) -> dict[tuple[int, int], float]:
    pairs = outcome.pairs
    return {
        engine.pair(int(a), int(b)): round(float(w), 6)
        for a, b, w in zip(pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_weight"], strict=True)
    }
