"""Spark links a small data set to the same clusters as DuckDB (Spark local[1], runs in CI)."""

from __future__ import annotations

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


def test_spark_finds_the_same_persons_as_duckdb():
    frames = engine.prepare(records(60))
    decisions = engine.Decisions(non_matches={(1, 2)})
    duckdb = engine.run(frames, backend=engine.DuckDBBackend(), decisions=decisions, train=False)
    spark = engine.run(frames, backend=engine.SparkBackend(master="local[1]", partitions=1), decisions=decisions,
                       train=False)  # fmt: skip
    assert partition(spark.clusters) == partition(duckdb.clusters)
    assert sum(1 for g in partition(duckdb.clusters) if len(g) > 1) >= 15
    assert spark.compared == duckdb.compared
