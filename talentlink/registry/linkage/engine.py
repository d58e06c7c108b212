"""Running Splink: normalised records in, scored pairs and clusters out.

The engine knows nothing of Django models: the platform (``linkage.runs``) and
the benchmark hand it the same normalised frames, one per city, so what the
benchmark measures is what the platform runs. The backend is DuckDB (embedded)
or Spark; both take the same model definition (``linkage.model``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker, block_on
from splink.clustering import cluster_pairwise_predictions_at_threshold

from talentlink.registry.linkage import model, normalise

# Pairs at or above this probability are the same person; below REVIEW_FLOOR they are not;
# in between a person decides (the clerical review queue). The platform lowers the threshold
# once clerical decisions measure that pairs below it are merged as precisely (runs.threshold).
CLUSTER_THRESHOLD = 0.98
REVIEW_FLOOR = 0.5
# Below this many records EM has too few pairs to learn from; the stored parameters serve.
TRAINING_MIN_RECORDS = 5000
# Accepted clerical decisions needed before they replace EM's m estimates.
LABELS_MIN = 50
# Random pairs for u and blocked pairs for each EM pass: enough for stable estimates, and a run's
# training time no longer grows with the registry.
U_PAIRS = 1e6
EM_PAIRS = 2e6
HISTOGRAM_BINS = [*range(-20, 31, 2)]
Progress = Callable[[str], None]
# Splink narrates every step at INFO; the platform reports its own progress.
logging.getLogger("splink").setLevel(logging.WARNING)

SCHEMA = normalise.SCHEMA
# The column naming each record's city in the frames (Splink's own name for it).
SOURCE_DATASET = "source_dataset"
# Records normalised together: enough for Arrow to pay off, few enough to bound the memory.
CHUNK = 250_000


class RawRecord(NamedTuple):
    """A source record as delivered: what the normalisation starts from."""

    unique_id: int
    dataset: str  # the city (region code)
    name: str
    id_number: str
    sex: str
    birth_date: dt.date | None
    phone: str
    employer_name: str
    credit_code: str
    title: str
    industry: str


_RAW = pa.schema(
    [
        ("unique_id", pa.int64()), ("dataset", pa.string()), ("name", pa.string()),
        ("id_number", pa.string()), ("sex", pa.string()), ("birth_date", pa.date32()), ("phone", pa.string()),
        ("employer_name", pa.string()), ("credit_code", pa.string()), ("title", pa.string()),
        ("industry", pa.string()),
    ]
)  # fmt: skip


def _normalised(rows: list[RawRecord]) -> pa.Table:
    columns = zip(*rows, strict=True)
    raw = pa.Table.from_arrays(
        [pa.array(values, type=f.type) for values, f in zip(columns, _RAW, strict=True)], schema=_RAW
    )
    return normalise.table(raw).append_column(SOURCE_DATASET, raw["dataset"])


def prepare(records: Iterable[RawRecord], *, chunk: int = CHUNK) -> dict[str, pa.Table]:
    """Normalise records into one Arrow table per dataset (city), ``chunk`` records at a time.

    Each table keeps its city in a ``source_dataset`` column, which Splink then takes as it is
    instead of adding one per registered table: a new import's records, registered alone for an
    incremental run, carry it too (without it Splink's link-and-dedupe SQL names a column the
    single table lacks).
    """
    parts: list[pa.Table] = []
    rows: list[RawRecord] = []
    for record in records:
        rows.append(record)
        if len(rows) >= chunk:
            parts.append(_normalised(rows))
            rows = []
    if rows:
        parts.append(_normalised(rows))
    if not parts:
        return {}
    frame = pa.concat_tables(parts)
    datasets = sorted(pc.unique(frame[SOURCE_DATASET]).to_pylist())
    return {code: frame.filter(pc.equal(frame[SOURCE_DATASET], code)).combine_chunks() for code in datasets}


# --- Backends --------------------------------------------------------------------


class Backend:
    """Where Splink runs: a database API and a way to hand it Arrow tables."""

    name = ""

    def api(self) -> Any:
        raise NotImplementedError

    def table(self, api: Any, data: pa.Table | pd.DataFrame, name: str) -> Any:
        return api.register(data, dataset_display_name=name)


class DuckDBBackend(Backend):
    """DuckDB in this process, bounded: past ``memory_limit`` it spills to ``temp_directory``."""

    name = "duckdb"

    def __init__(
        self, *, memory_limit: str = "4GB", threads: int | None = None, temp_directory: str | None = None
    ) -> None:
        self.memory_limit, self.threads = memory_limit, threads or os.cpu_count() or 1
        self.temp_directory = temp_directory or os.path.join(tempfile.gettempdir(), "talentlink-duckdb")

    def api(self) -> Any:
        import duckdb
        from splink import DuckDBAPI

        connection = duckdb.connect(
            config={
                "memory_limit": self.memory_limit,
                "threads": self.threads,
                "temp_directory": self.temp_directory,
                # Row order is Splink's business (it sorts where it matters); not keeping it saves memory.
                "preserve_insertion_order": False,
            }
        )
        return DuckDBAPI(connection)


class SparkBackend(Backend):
    """Spark through pyspark; ``master`` is ``local[*]`` on one machine or a cluster's URL.

    ``options`` are further Spark settings (the tests start a small, quick session).
    """

    name = "spark"

    def __init__(
        self, *, master: str = "local[*]", partitions: int = 8, options: dict[str, str] | None = None
    ) -> None:
        self.master, self.partitions, self.options = master, partitions, options or {}

    def session(self) -> Any:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location

        builder = (
            SparkSession.builder.master(self.master)
            .appName("talentlink-linkage")
            .config("spark.jars", similarity_jar_location())
            .config("spark.sql.shuffle.partitions", str(self.partitions))
            .config("spark.default.parallelism", str(self.partitions))
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "2g")
            # Arrow hands the normalised frames over without a row-by-row Python conversion.
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        )
        for key, value in self.options.items():
            builder = builder.config(key, value)
        return builder.getOrCreate()

    def api(self) -> Any:
        from splink import SparkAPI

        session = self.session()
        session.sparkContext.setLogLevel("ERROR")
        return SparkAPI(
            spark_session=session,
            break_lineage_method="persist",
            num_partitions_on_repartition=self.partitions,
        )

    def table(self, api: Any, data: pa.Table | pd.DataFrame, name: str) -> Any:
        # Temporary views outlive a run in a long-lived Spark session: each run names its own.
        unique = f"{name}_{secrets.token_hex(4)}"
        return api.register(api.spark.createDataFrame(data), dataset_display_name=unique)


def backend_named(name: str, **options: Any) -> Backend:
    if name == "duckdb":
        return DuckDBBackend(**options)
    if name == "spark":
        return SparkBackend(**options)
    raise ValueError(f"unknown linkage backend {name!r}: use duckdb or spark")


# --- Running -----------------------------------------------------------------------


@dataclass
class Decisions:
    """Clerical decisions as pairs of record ids: matches must link, non-matches must not."""

    matches: set[tuple[int, int]] = field(default_factory=set)
    non_matches: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class Outcome:
    """What a run found: scored pairs above the review floor, clusters, and the model."""

    pairs: pd.DataFrame  # unique_id_l, unique_id_r, match_weight, match_probability, mw_* (per comparison)
    clusters: dict[int, int]  # record id → cluster id (the smallest record id in it)
    parameters: dict[str, Any]
    histogram: list[dict[str, Any]]
    compared: int  # pairs scored
    trained: bool
    threshold: float = CLUSTER_THRESHOLD  # probability from which pairs were merged


def pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


class Session:
    """One Splink linker over the registered city tables."""

    def __init__(
        self, frames: dict[str, pa.Table], *, backend: Backend, parameters: dict[str, Any] | None
    ) -> None:
        self.backend, self.api = backend, backend.api()
        self.tables = [backend.table(self.api, table, f"city_{code}") for code, table in frames.items()]
        self.records = sum(t.num_rows for t in frames.values())
        self.term_frequencies = self.records >= TRAINING_MIN_RECORDS
        settings = model.settings_for(
            parameters, sources=len(self.tables), term_frequencies=self.term_frequencies
        )
        self.linker = Linker(
            self.tables if len(self.tables) > 1 else self.tables[0], settings, log_level=None
        )

    def train(self, *, labels: set[tuple[int, int]] | None = None, seed: int = 2026) -> dict[str, Any]:
        """EM without labels; accepted clerical decisions refine m once there are enough."""
        training = self.linker.training
        training.estimate_probability_two_random_records_match(list(model.DETERMINISTIC_RULES), recall=0.8)
        # One pass over a fixed sample: Splink's default probe restarts whenever a rare level (an
        # equal ID number among random pairs) is seen fewer than 100 times, which it never is.
        training.estimate_u_using_random_sampling(
            max_pairs=U_PAIRS, seed=seed, min_count_per_level=None, num_chunks=1
        )
        for rule in model.TRAINING_RULES:
            # The pair count is estimated from a 10 % sample of records: true pairs need both of
            # their records in it, and Splink's 1 % default sees none of them in smaller registries.
            training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), max_pairs=EM_PAIRS, record_sample_proportion=0.1
            )
        if labels and len(labels) >= LABELS_MIN:
            self._train_from_labels(labels)
        return self.parameters()

    def _train_from_labels(self, labels: set[tuple[int, int]]) -> None:
        datasets = self._datasets()
        rows = [
            {
                "source_dataset_l": datasets[a],
                "unique_id_l": a,
                "source_dataset_r": datasets[b],
                "unique_id_r": b,
            }
            for a, b in sorted(labels)
            if a in datasets and b in datasets
        ]
        if len(rows) >= LABELS_MIN:
            table = self.linker.table_management.register_table(
                pd.DataFrame(rows), "clerical_labels", overwrite=True
            )
            self.linker.training.estimate_m_from_pairwise_labels(table)

    def _datasets(self) -> dict[int, str]:
        union = " UNION ALL ".join(
            f"SELECT unique_id, {SOURCE_DATASET} AS ds FROM {t.physical_name}" for t in self.tables
        )
        frame = self.linker.misc.query_sql(union, output_type="pandas")
        return dict(zip(frame["unique_id"].tolist(), frame["ds"].tolist(), strict=True))

    def parameters(self) -> dict[str, Any]:
        return model.parameters_of(self.linker.misc.save_model_to_json())

    def predict(self, *, new: Sequence[Any] | None = None) -> Any:
        """Score the blocked pairs: all of them, or only those touching the ``new`` tables."""
        if new is None:
            return self.linker.inference.predict(warning_mode="never")
        # Name frequencies of the registry the new records are linked into (a full predict
        # computes them itself).
        for column in model.TF_COLUMNS if self.term_frequencies else ():
            self.linker.table_management.compute_tf_table(column)
        between = self.linker.inference.predict_between(list(new), self.tables, warning_mode="never")
        within = self.linker.inference.predict_within(list(new), warning_mode="never")
        sql = f"SELECT * FROM {between.physical_name} UNION ALL SELECT * FROM {within.physical_name}"
        return self.linker.misc.query_sql(sql, output_type="splink_df")

    def histogram(self, predictions: Any) -> tuple[list[dict[str, Any]], int]:
        """Counts of scored pairs per match-weight bin (2 bits wide, clamped to the chart)."""
        low, high = HISTOGRAM_BINS[0], HISTOGRAM_BINS[-1] - 0.001
        sql = (
            f"SELECT CAST(FLOOR(LEAST(GREATEST(match_weight, {low}), {high}) / 2) * 2 AS INT) AS bin, "
            f"COUNT(*) AS n FROM {predictions.physical_name} GROUP BY 1 ORDER BY 1"
        )
        frame = self.linker.misc.query_sql(sql, output_type="pandas")
        bins = [
            {"low": int(b), "high": int(b) + 2, "count": int(n)}
            for b, n in zip(frame["bin"], frame["n"], strict=True)
        ]
        return bins, sum(b["count"] for b in bins)

    def pairs_above(self, predictions: Any, floor: float) -> pd.DataFrame:
        columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
        columns += [f"mw_{name}" for name in model.COMPARISONS]
        columns += [f"mw_tf_adj_{name}" for name in model.TF_ADJUSTED if self.term_frequencies]
        sql = (
            f"SELECT {', '.join(columns)} FROM {predictions.physical_name} WHERE match_probability >= {floor}"
        )
        return self.linker.misc.query_sql(sql, output_type="pandas")

    def cluster(self, node_ids: Iterable[int], edges: pd.DataFrame) -> dict[int, int]:
        """Connected components of the edges at or above the threshold (Splink's clustering)."""
        nodes = pd.DataFrame({"unique_id": pd.Series(list(node_ids), dtype="int64")})
        clustered = cluster_pairwise_predictions_at_threshold(
            self.backend.table(self.api, nodes, "linkage_nodes"),
            self.backend.table(self.api, edges, "linkage_edges"),
            db_api=self.api,
            node_id_column_name="unique_id",
            threshold_match_probability=CLUSTER_THRESHOLD,
        )
        frame = clustered.as_pandas_dataframe()
        ids = frame["unique_id"].astype("int64").tolist()
        # Splink names a cluster after one of its records; the smallest record id is stabler.
        first: dict[Any, int] = {}
        for uid, cid in zip(ids, frame["cluster_id"].tolist(), strict=True):
            first[cid] = min(first.get(cid, uid), uid)
        return {uid: first[cid] for uid, cid in zip(ids, frame["cluster_id"].tolist(), strict=True)}


def automatic(pairs: pd.DataFrame, threshold: float, parameters: dict[str, Any] | None) -> pd.Series:
    """Which scored pairs merge without review: at or above the threshold, and not at the level
    that model.AUTOMATIC_VETO sends to review whatever the probability."""
    column, label = model.AUTOMATIC_VETO
    vetoed = (pairs[f"mw_{column}"] - model.weight_of(column, label, parameters)).abs() < 1e-6
    return (pairs["match_probability"] >= threshold) & ~vetoed


def edges_with_decisions(
    pairs: pd.DataFrame,
    decisions: Decisions,
    extra: Iterable[tuple[int, int]] = (),
    threshold: float = CLUSTER_THRESHOLD,
) -> pd.DataFrame:
    """Automatic edges (``pairs["automatic"]``, else the threshold), without rejected pairs, with
    accepted ones and ``extra``."""
    strong = (
        pairs[pairs["automatic"]] if "automatic" in pairs else pairs[pairs["match_probability"] >= threshold]
    )
    edges = list(zip(strong["unique_id_l"].tolist(), strong["unique_id_r"].tolist(), strict=True))
    kept = [(a, b, 0.999) for a, b in edges if pair(a, b) not in decisions.non_matches]
    kept += [(a, b, 1.0) for a, b in decisions.matches]
    kept += [(a, b, 1.0) for a, b in extra]
    frame = pd.DataFrame(kept, columns=["unique_id_l", "unique_id_r", "match_probability"])
    return frame.astype({"unique_id_l": "int64", "unique_id_r": "int64", "match_probability": "float64"})


def enforce_non_matches(
    clusters: dict[int, int], edges: pd.DataFrame, decisions: Decisions
) -> dict[int, int]:
    """Split any cluster that joins a rejected pair through other records.

    The weakest automatic edges of that cluster are dropped until the pair falls
    apart; clerical matches are never dropped.
    """
    members: dict[int, list[int]] = {}
    for uid, cid in clusters.items():
        members.setdefault(cid, []).append(uid)
    broken = {
        clusters[a] for a, b in decisions.non_matches if a in clusters and clusters.get(a) == clusters.get(b)
    }
    if not broken:
        return clusters
    result = dict(clusters)
    for cid in broken:
        inside = set(members[cid])
        mask = edges["unique_id_l"].isin(inside)
        local = edges[mask].sort_values("match_probability", ascending=False)
        cluster_edges = list(
            zip(local["unique_id_l"], local["unique_id_r"], local["match_probability"], strict=True)
        )
        result.update(_components_respecting(inside, cluster_edges, decisions))
    return result


def _components_respecting(
    nodes: set[int], edges: list[tuple[int, int, float]], decisions: Decisions
) -> dict[int, int]:
    # Add edges strongest first, skipping any that would join a rejected pair.
    parent = {n: n for n in nodes}

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    forbidden = [(a, b) for a, b in decisions.non_matches if a in nodes and b in nodes]
    for a, b, _p in edges:
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        joined_a = {n for n in nodes if root(n) == ra}
        joined_b = {n for n in nodes if root(n) == rb}
        if any((x in joined_a and y in joined_b) or (y in joined_a and x in joined_b) for x, y in forbidden):
            continue
        parent[rb] = ra
    groups: dict[int, int] = {}
    for n in sorted(nodes):
        groups.setdefault(root(n), n)
    return {n: groups[root(n)] for n in nodes}


def run(
    frames: dict[str, pa.Table],
    *,
    backend: Backend,
    parameters: dict[str, Any] | None = None,
    decisions: Decisions | None = None,
    train: bool | None = None,
    progress: Progress | None = None,
    threshold: float = CLUSTER_THRESHOLD,
) -> Outcome:
    """Link and deduplicate all records of all cities (the full run)."""
    report = progress or (lambda step: None)
    decisions = decisions or Decisions()
    report("loading")
    session = Session(frames, backend=backend, parameters=parameters)
    trained = session.records >= TRAINING_MIN_RECORDS if train is None else train
    if trained:
        report("training")
        parameters = session.train(labels=decisions.matches)
    report("scoring")
    predictions = session.predict()
    histogram, compared = session.histogram(predictions)
    pairs = session.pairs_above(predictions, REVIEW_FLOOR)
    parameters = parameters or session.parameters()
    pairs["automatic"] = automatic(pairs, threshold, parameters)
    report("clustering")
    edges = edges_with_decisions(pairs, decisions, threshold=threshold)
    node_ids = [uid for table in frames.values() for uid in table.column("unique_id").to_pylist()]
    clusters = enforce_non_matches(session.cluster(node_ids, edges), edges, decisions)
    return Outcome(pairs, clusters, parameters, histogram, compared, trained, threshold)


def run_incremental(
    existing: dict[str, pa.Table],
    new: dict[str, pa.Table],
    *,
    backend: Backend,
    parameters: dict[str, Any] | None,
    groups: dict[int, int],
    decisions: Decisions | None = None,
    progress: Progress | None = None,
    threshold: float = CLUSTER_THRESHOLD,
) -> Outcome:
    """Link new records against existing ones (and each other) with stored parameters.

    ``groups`` maps each existing record to its current person: records of one
    person stay together, so only the new records and the persons they touch move.
    """
    report = progress or (lambda step: None)
    decisions = decisions or Decisions()
    report("loading")
    frames = {**{f"{code}": t for code, t in existing.items() if t.num_rows}}
    session = Session(frames or new, backend=backend, parameters=parameters)
    new_tables = [backend.table(session.api, t, f"new_{code}") for code, t in new.items() if t.num_rows]
    report("scoring")
    predictions = session.predict(new=new_tables) if frames else session.predict()
    histogram, compared = session.histogram(predictions)
    pairs = session.pairs_above(predictions, REVIEW_FLOOR)
    parameters = parameters or model.DEFAULT_PARAMETERS
    pairs["automatic"] = automatic(pairs, threshold, parameters)
    report("clustering")
    new_ids = [uid for t in new.values() for uid in t.column("unique_id").to_pylist()]
    touched = set(new_ids)
    strong = pairs[pairs["automatic"]]
    touched.update(strong["unique_id_l"].tolist(), strong["unique_id_r"].tolist())
    persons: dict[int, list[int]] = {}
    for uid, person in groups.items():
        persons.setdefault(person, []).append(uid)
    touched_persons = {groups[uid] for uid in touched if uid in groups}
    together = [(ids[0], other) for p in touched_persons for ids in [sorted(persons[p])] for other in ids[1:]]
    nodes = touched | {uid for p in touched_persons for uid in persons[p]}
    edges = edges_with_decisions(pairs, decisions, extra=together, threshold=threshold)
    clusters = enforce_non_matches(session.cluster(sorted(nodes), edges), edges, decisions)
    return Outcome(pairs, clusters, parameters, histogram, compared, False, threshold)


def weight_to_probability(weight: float) -> float:
    return 1 - 1 / (1 + math.pow(2, weight))
