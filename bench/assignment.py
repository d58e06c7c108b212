"""Expert-panel assignment: the min-cost-flow solver against SciPy's HiGHS and a dense flow.

Two parts, printed in one run:

1. Real instances (``--data``, default /work/shared/benchmarks/assignment): MIDL 2018 (reviewer
   × paper affinities, coverage, upper and lower loads) and the PrefLib/query instances (3
   reviewers per paper, the smallest equal load that is feasible). For each, the sparse
   solver's total affinity is compared with the LP optimum that ``scipy.optimize.linprog``
   (HiGHS) finds on the same instance — exactly, on the same integer-scaled affinities, and
   within 1e-6 on the raw floats — and every constraint of the solution is checked.

2. Generated instances (``--sizes``, projects x experts; ``--per-project`` experts each, load
   ≤ ``--load``, two cities with at least ``--min-other`` experts from the other city and at most
   ``--max-per-city`` from one city, ``--conflicts`` share of pairs in conflict). The sparse
   solver, the dense OR-Tools flow and the HiGHS LP each run in a fresh process on the same
   instance, under an address-space limit (``--memory-gib``) so that a baseline too large for
   the machine fails alone; wall time and peak memory (VmHWM, reset after the instance is
   built) are printed side by side, with the optimum each reached. The default sizes are the
   issue's 1,000 x 20,000 and a quarter of it each way, where the LP still fits on a small
   machine.

Usage::

    .venv/bin/python bench/assignment.py                      # both parts, full size
    .venv/bin/python bench/assignment.py --skip-real --sizes 200x4000
    .venv/bin/python bench/assignment.py --methods sparse,dense --lp-timeout 300
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from talentlink.experts.assignment import (
    SCALE,
    AssignmentInfeasible,
    AssignmentProblem,
    assignment_lp,
    assignment_solve,
)

DATA = Path("/work/shared/benchmarks/assignment")


# --- Checks -------------------------------------------------------------------------------------


def violations(problem: AssignmentProblem, pairs: np.ndarray) -> list[str]:
    """Every hard rule the pairs break (an empty list when all hold)."""
    found = []
    n_projects, n_experts = problem.shape
    if len({(int(p), int(e)) for p, e in pairs}) != len(pairs):
        found.append("a pair twice")
    if not np.array_equal(np.bincount(pairs[:, 0], minlength=n_projects), problem.need):
        found.append("panel sizes")
    load = np.bincount(pairs[:, 1], minlength=n_experts)
    if (load > problem.max_load).any():
        found.append("load cap")
    if problem.min_load is not None and (load < problem.min_load).any():
        found.append("minimum load")
    if problem.conflict is not None and problem.conflict[pairs[:, 0], pairs[:, 1]].any():
        found.append("conflict of interest")
    if problem.project_region is not None and problem.expert_region is not None:
        other = problem.expert_region[pairs[:, 1]] != problem.project_region[pairs[:, 0]]
        if (np.bincount(pairs[other, 0], minlength=n_projects) < problem.min_other_region).any():
            found.append("other-city minimum")
        if problem.max_per_region:
            keys = pairs[:, 0] * 100 + problem.expert_region[pairs[:, 1]]
            if np.unique(keys, return_counts=True)[1].max() > problem.max_per_region:
                found.append("per-city maximum")
    return found


# --- Part 1: the real instances ---------------------------------------------------------------


def real_instances(data: Path) -> list[tuple[str, AssignmentProblem]]:
    """The published instances as projects × experts (their files are reviewers × papers)."""
    out = []
    scores = np.load(data / "midl_scores.npy").T
    out.append((
        "midl", AssignmentProblem(
            affinity=np.where(scores < 0, 0.0, scores), conflict=scores < 0,
            need=np.load(data / "midl_covs.npy"), max_load=np.load(data / "midl_loads.npy"),
            min_load=np.load(data / "midl_loads_lb.npy"),
        ),
    ))  # fmt: skip
    for name in ("preflib1", "preflib2", "preflib3", "query"):
        archive = np.load(data / f"{name}.npz")
        similarity, mask = archive["similarity_matrix"].T, archive["mask_matrix"].T > 0
        need = np.full(similarity.shape[0], 3)
        out.append((name, _smallest_feasible_load(similarity, mask, need)))
    return out


def _smallest_feasible_load(similarity: np.ndarray, mask: np.ndarray, need: np.ndarray) -> AssignmentProblem:
    n_experts = similarity.shape[1]
    load = math.ceil(need.sum() / n_experts)
    while True:
        problem = AssignmentProblem(
            affinity=similarity, conflict=mask, need=need, max_load=np.full(n_experts, load)
        )
        try:
            assignment_solve(problem)
            return problem
        except AssignmentInfeasible:
            load += 1


def run_real(data: Path) -> bool:
    print(f"Real instances from {data}")
    header = ("instance", "projects×experts", "need", "load", "flow affinity", "HiGHS LP", "equal",
              "flow s", "LP s", "rules")  # fmt: skip
    print("  " + " | ".join(header))
    all_good = True
    for name, problem in real_instances(data):
        started = time.perf_counter()
        solution = assignment_solve(problem)
        flow_s = time.perf_counter() - started
        started = time.perf_counter()
        lp_scaled = assignment_lp(problem)
        lp_s = time.perf_counter() - started
        lp_raw = assignment_lp(problem, scaled=False)
        exact = solution.cost_total == round(lp_scaled.objective)
        close = abs(solution.affinity_total - lp_raw.objective) <= 1e-6 * max(1.0, abs(lp_raw.objective))
        broken = violations(problem, solution.pairs)
        all_good &= exact and close and not broken
        loads = f"{problem.min_load.min()}–{problem.max_load.max()}" if problem.min_load is not None else str(
            problem.max_load.max()
        )  # fmt: skip
        print(
            "  "
            + " | ".join(
                [
                    name,
                    "{}×{}".format(*problem.shape),
                    str(int(problem.need[0])),
                    loads,
                    f"{solution.affinity_total:.6f}",
                    f"{lp_raw.objective:.6f}",
                    f"{'yes' if exact and close else 'NO'} "
                    f"(×{SCALE}: {solution.cost_total} = {round(lp_scaled.objective)})",
                    f"{flow_s:.3f}",
                    f"{lp_s:.3f}",
                    "all hold" if not broken else ", ".join(broken),
                ]
            )
        )
    return all_good


# --- Part 2: the generated instance -----------------------------------------------------------


def generated(args: argparse.Namespace, n_projects: int, n_experts: int) -> AssignmentProblem:
    """Topic-model affinities (cosine of sparse topic mixtures), two cities, random conflicts."""
    rng = np.random.default_rng(args.seed)
    topics = 32
    projects = rng.dirichlet(np.full(topics, 0.15), n_projects).astype(np.float32)
    experts = rng.dirichlet(np.full(topics, 0.15), n_experts).astype(np.float32)
    projects /= np.linalg.norm(projects, axis=1, keepdims=True)
    experts /= np.linalg.norm(experts, axis=1, keepdims=True)
    affinity = np.clip(projects @ experts.T, 0.0, 1.0)
    return AssignmentProblem(
        affinity=affinity, need=np.full(n_projects, args.per_project),
        max_load=np.full(n_experts, args.load), conflict=rng.random(affinity.shape) < args.conflicts,
        project_region=(rng.random(n_projects) < 0.4).astype(np.int64),
        expert_region=(rng.random(n_experts) < 0.4).astype(np.int64),
        min_other_region=args.min_other, max_per_region=args.max_per_city,
    )  # fmt: skip


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _measure(method: str, args: argparse.Namespace, size: tuple[int, int], queue: Any) -> None:
    """In a fresh process: build the instance, reset the peak, solve, report."""
    import gc
    import resource

    problem = generated(args, *size)
    gc.collect()
    limit = int(args.memory_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass
    baseline = _status_kib("VmRSS")
    started = time.perf_counter()
    try:
        if method == "lp":
            result = assignment_lp(problem)
            if result.status != "optimal":  # HiGHS reports running out of memory as a status
                queue.put({"method": method, "error": result.status, "wall": time.perf_counter() - started})
                return
            pairs, cost, extra = result.pairs, round(result.objective), result.status
        else:
            solution = assignment_solve(problem, sparse=method == "sparse")
            pairs, cost = solution.pairs, solution.cost_total
            extra = f"{solution.rounds} round(s), {solution.arcs:,} pair arcs"
    except MemoryError:
        queue.put({"method": method, "memory": args.memory_gib, "wall": time.perf_counter() - started})
        return
    wall = time.perf_counter() - started
    peak = _status_kib("VmHWM")
    queue.put({"method": method, "wall": wall, "peak_mib": peak / 1024, "extra_mib": (peak - baseline) / 1024,
               "cost": cost, "rules": violations(problem, pairs) if len(pairs) else ["no solution"],
               "note": extra})  # fmt: skip


def run_generated(args: argparse.Namespace, size: tuple[int, int]) -> bool:
    print(
        f"\nGenerated: {size[0]:,} projects × {size[1]:,} experts, {args.per_project} per project, "
        f"load ≤ {args.load}, ≥ {args.min_other} from the other city, ≤ {args.max_per_city} per city, "
        f"{args.conflicts:.0%} conflicts (seed {args.seed}); each run limited to {args.memory_gib} GiB"
    )
    context = multiprocessing.get_context("fork")
    results = []
    for method in args.methods.split(","):
        queue = context.Queue()
        process = context.Process(target=_measure, args=(method, args, size, queue))
        process.start()
        timeout = args.lp_timeout if method == "lp" else args.timeout
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
            results.append({"method": method, "timeout": timeout})
            continue
        results.append(queue.get() if not queue.empty() else {"method": method, "failed": process.exitcode})
    return _report(results, args)


LABELS = {"sparse": "min-cost flow, sparse + pricing", "dense": "min-cost flow, every pair (OR-Tools)",
          "lp": "linear program (SciPy HiGHS)"}  # fmt: skip


def _report(results: list[dict[str, Any]], args: argparse.Namespace) -> bool:
    print(
        "  "
        + " | ".join(("method", "wall s", "peak MiB", "solver MiB", f"optimum (×{SCALE})", "rules", "note"))
    )
    optima = {r["cost"] for r in results if "cost" in r}
    for r in results:
        label = LABELS.get(r["method"], r["method"])
        if "timeout" in r:
            print(f"  {label} | did not finish in {r['timeout']} s")
        elif "memory" in r:
            print(f"  {label} | ran out of its {r['memory']} GiB after {r['wall']:.1f} s")
        elif "error" in r:
            print(f"  {label} | stopped after {r['wall']:.1f} s: {r['error']}")
        elif "failed" in r:
            print(f"  {label} | failed (exit code {r['failed']})")
        else:
            rules = "all hold" if not r["rules"] else ", ".join(r["rules"])
            print(
                f"  {label} | {r['wall']:.2f} | {r['peak_mib']:.0f} | {r['extra_mib']:.0f} | {r['cost']} | "
                f"{rules} | {r['note']}"
            )
    same = len(optima) == 1
    print(f"  every method that finished reached the same optimum: {'yes' if same else 'NO'}")
    sparse = next((r for r in results if r["method"] == "sparse" and "wall" in r), None)
    if sparse is not None:
        goal = "met" if sparse["wall"] <= args.goal else "missed"
        print(f"  goal: exact optimum in ≤ {args.goal:.0f} s — {goal} ({sparse['wall']:.2f} s)")
    return same and all(not r.get("rules") for r in results if "rules" in r)


def _size(text: str) -> tuple[int, int]:
    projects, experts = text.lower().split("x")
    return int(projects), int(experts)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the real instances")
    parser.add_argument("--sizes", default="1000x20000,250x5000", help="projects x experts, comma-separated")
    parser.add_argument("--per-project", type=int, default=5)
    parser.add_argument("--load", type=int, default=3)
    parser.add_argument("--min-other", type=int, default=2)
    parser.add_argument("--max-per-city", type=int, default=3)
    parser.add_argument("--conflicts", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--methods", default="sparse,dense,lp", help="comma-separated: sparse, dense, lp")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed to each flow run")
    parser.add_argument("--lp-timeout", type=int, default=1800, help="seconds allowed to the HiGHS run")
    parser.add_argument(
        "--goal", type=float, default=2.0, help="seconds the sparse solver should stay within"
    )
    parser.add_argument("--memory-gib", type=float, default=10.0, help="address space allowed to each run")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} · {os.cpu_count()} CPUs")
    good = True
    if not args.skip_real:
        good &= run_real(args.data)
    if not args.skip_generated:
        for size in args.sizes.split(","):
            good &= run_generated(args, _size(size))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
