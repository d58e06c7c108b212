"""Optimal assignment of experts to projects, solved exactly as a min-cost flow.

The network: each project supplies the experts it still needs; it sends them through one
node per (project, city), whose capacity carries the city mix (at most ``max_per_region`` from
any city; at least ``min_other_region`` from cities other than the project's own, which with
an exact panel size is the same as at most ``need - min_other_region`` from its own city), on
to expert nodes (one arc per conflict-free pair, capacity 1, cost = minus the integer-scaled
affinity) and from each expert to the sink (capacity = its load cap; a minimum load is a lower
bound moved into the node supplies). Every rule nests into this laminar structure, so the
linear program is totally unimodular and OR-Tools' min-cost flow returns an integral optimum.

For speed the flow first sees only each project's best candidates in each city and each
expert's best projects. The sparse optimum is then proven optimal for the whole problem: node
potentials are read off the residual network (Bellman-Ford from a virtual root) and every
excluded pair must have a non-negative reduced cost. Pairs that fail the test join the
candidates and the flow is solved again; a sparse problem without a feasible flow falls back
to every pair. When no assignment exists, :class:`AssignmentInfeasible` lists why, per project.

This module knows nothing of Django: it works on numpy arrays, indexed by position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from ortools.graph.python import min_cost_flow

# Affinities are floats in [0, 1]; the flow works on integers (6 decimals kept).
SCALE = 1_000_000


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Why a request cannot be met: a project (index; None for the whole round) lacks experts."""

    project: int | None
    reason: str  # experts | other_region | region_cap | capacity | min_load | contention
    available: int
    needed: int


class AssignmentInfeasible(Exception):
    """No assignment satisfies every rule; ``shortfalls`` say which projects lack what."""

    def __init__(self, shortfalls: list[Shortfall]) -> None:
        self.shortfalls = shortfalls
        super().__init__(f"{len(shortfalls)} shortfalls")


class AssignmentProblem:
    """Projects × experts. ``fixed`` pairs are already assigned: they hold their places.

    Takes whatever numpy reads as arrays (lists too) and keeps numpy arrays of checked shapes;
    without ``fixed``, no pair is fixed (an empty array, never None)."""

    def __init__(
        self,
        affinity: ArrayLike,
        need: ArrayLike,
        max_load: ArrayLike,
        conflict: ArrayLike | None = None,
        min_load: ArrayLike | None = None,
        project_region: ArrayLike | None = None,
        expert_region: ArrayLike | None = None,
        min_other_region: int = 0,
        max_per_region: int | None = None,
        fixed: ArrayLike | None = None,
    ) -> None:
        self.affinity = np.asarray(affinity)
        n_projects, n_experts = self.affinity.shape
        self.need = np.asarray(need, dtype=np.int64).reshape(n_projects)
        self.max_load = np.asarray(max_load, dtype=np.int64).reshape(n_experts)
        self.min_load = None if min_load is None else np.asarray(min_load, dtype=np.int64).reshape(n_experts)
        self.conflict = (
            None if conflict is None else np.asarray(conflict, dtype=bool).reshape(n_projects, n_experts)
        )
        self.project_region = None if project_region is None else np.asarray(project_region)
        self.expert_region = None if expert_region is None else np.asarray(expert_region)
        self.min_other_region = min_other_region
        self.max_per_region = max_per_region
        self.fixed = np.asarray(np.zeros((0, 2)) if fixed is None else fixed, dtype=np.int64).reshape(-1, 2)
        self._check()

    def _check(self) -> None:
        if self.affinity.size and (np.nanmin(self.affinity) < 0 or np.isnan(self.affinity).any()):
            raise ValueError("affinities must be non-negative numbers; mark conflicts in `conflict`")
        if (self.project_region is None) != (self.expert_region is None):
            raise ValueError("give the regions of both projects and experts, or of neither")
        if (self.min_other_region or self.max_per_region) and self.project_region is None:
            raise ValueError("a city-mix rule needs the regions of projects and experts")

    @property
    def shape(self) -> tuple[int, int]:
        return self.affinity.shape

    @property
    def has_region_rules(self) -> bool:
        return bool(self.min_other_region or self.max_per_region)


@dataclass
class Solution:
    """New pairs (project, expert) beside the fixed ones; totals over the new pairs only."""

    pairs: np.ndarray
    affinity_total: float
    cost_total: int
    dense: bool
    rounds: int
    arcs: int
    fixed: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


# --- What remains to be filled, with the experts grouped by city ---------------------------

_CLOSED = -2  # in ``open``: a pair that is not allowed, or already among the candidates


@dataclass
class _Work:
    """The problem in working form: experts reordered so that each city is one column range."""

    order: np.ndarray  # working column → the caller's expert index
    bounds: np.ndarray  # column ranges of the cities: [bounds[g], bounds[g + 1])
    scaled: np.ndarray  # projects × experts, int32 affinity × SCALE
    allowed: np.ndarray  # projects × experts, bool: conflict-free and not yet fixed
    need: np.ndarray
    load: np.ndarray
    min_load: np.ndarray
    expert_group: np.ndarray
    group_cap: np.ndarray  # projects × cities; empty without city rules
    home_group: np.ndarray
    region_rules: bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.scaled.shape

    @property
    def n_groups(self) -> int:
        return self.group_cap.shape[1]


def _city_order(problem: AssignmentProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each expert's and project's city (as 0..k-1), the experts ordered by city, the cities' bounds."""
    n_projects, n_experts = problem.shape
    if not problem.has_region_rules:
        zeros = np.zeros(n_experts, np.int64)
        return zeros, np.zeros(n_projects, np.int64), np.arange(n_experts), np.array([0, n_experts])
    assert problem.project_region is not None and problem.expert_region is not None
    regions, codes = np.unique(
        np.concatenate([problem.expert_region, problem.project_region]), return_inverse=True
    )
    expert_codes, home_group = codes[:n_experts], codes[n_experts:]
    order = np.argsort(expert_codes, kind="stable")
    return expert_codes, home_group, order, np.searchsorted(expert_codes[order], np.arange(len(regions) + 1))


def _group_caps(
    problem: AssignmentProblem, home_group: np.ndarray, fixed_groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Places each project may still give to each city: the per-city maximum, and for its own
    city also the panel size less the minimum from other cities; fixed seats use them up."""
    n_projects = len(problem.need)
    if not problem.has_region_rules:
        return np.zeros((n_projects, 0), np.int64)
    per_region = problem.max_per_region or int(problem.need.max(initial=0))
    caps = np.full((n_projects, n_groups), per_region, np.int64)
    caps[np.arange(n_projects), home_group] = np.minimum(per_region, problem.need - problem.min_other_region)
    np.subtract.at(caps, (problem.fixed[:, 0], fixed_groups), 1)
    return np.maximum(caps, 0)


def _work(problem: AssignmentProblem, *, block: int = 128) -> _Work:
    n_projects, n_experts = problem.shape
    expert_codes, home_group, order, bounds = _city_order(problem)
    position = np.empty(n_experts, np.int64)
    position[order] = np.arange(n_experts)
    scaled = np.empty((n_projects, n_experts), np.int32)
    for start in range(0, n_projects, block):  # in blocks, so the float copy stays small
        scaled[start : start + block] = np.rint(problem.affinity[start : start + block][:, order] * SCALE)
    fixed_p, fixed_e = problem.fixed[:, 0], position[problem.fixed[:, 1]]
    used = np.bincount(fixed_e, minlength=n_experts)
    load = np.maximum(problem.max_load[order] - used, 0)
    min_load = np.zeros(n_experts, np.int64) if problem.min_load is None else problem.min_load[order]
    allowed = np.ones(problem.shape, bool) if problem.conflict is None else ~problem.conflict[:, order]
    allowed[:, load == 0] = False
    allowed[fixed_p, fixed_e] = False
    group_cap = _group_caps(problem, home_group, expert_codes[problem.fixed[:, 1]], len(bounds) - 1)
    return _Work(
        order=order, bounds=bounds, scaled=scaled, allowed=allowed,
        need=problem.need - np.bincount(fixed_p, minlength=n_projects), load=load,
        min_load=np.minimum(np.maximum(min_load - used, 0), load), expert_group=expert_codes[order],
        group_cap=group_cap, home_group=home_group, region_rules=problem.has_region_rules,
    )  # fmt: skip


def _groups(work: _Work) -> list[slice]:
    return [slice(int(a), int(b)) for a, b in zip(work.bounds[:-1], work.bounds[1:], strict=True)]


def _shortfalls(problem: AssignmentProblem, work: _Work) -> list[Shortfall]:
    """Reasons that need no flow to see: too few conflict-free experts, in all or per city."""
    found: list[Shortfall] = []
    n_projects = len(work.need)
    by_group = np.stack([work.allowed[:, g].sum(axis=1) for g in _groups(work)], axis=1)
    available = by_group.sum(axis=1)
    for p in np.flatnonzero(available < work.need):
        found.append(Shortfall(int(p), "experts", int(available[p]), int(work.need[p])))
    if work.region_rules and not found:
        rows = np.arange(n_projects)
        if problem.min_other_region:
            home = by_group[rows, work.home_group]
            wanted = work.need - work.group_cap[rows, work.home_group]
            for p in np.flatnonzero(available - home < wanted):
                found.append(Shortfall(int(p), "other_region", int(available[p] - home[p]), int(wanted[p])))
        reachable = np.minimum(by_group, work.group_cap).sum(axis=1)
        for p in np.flatnonzero(reachable < work.need):
            if not any(s.project == p for s in found):
                found.append(Shortfall(int(p), "region_cap", int(reachable[p]), int(work.need[p])))
    total_need = int(work.need.sum())
    if int(work.load.sum()) < total_need:
        found.append(Shortfall(None, "capacity", int(work.load.sum()), total_need))
    if int(work.min_load.sum()) > total_need:
        found.append(Shortfall(None, "min_load", total_need, int(work.min_load.sum())))
    return found


# --- The network ------------------------------------------------------------------------


@dataclass
class _Network:
    flow: min_cost_flow.SimpleMinCostFlow
    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    costs: np.ndarray
    pair_arcs: slice  # the arcs (group or project) → expert
    pairs: np.ndarray  # (project, expert) of each pair arc
    n_nodes: int
    first_group: int
    first_expert: int


def _network(work: _Work, pairs: np.ndarray, *, min_load: bool = True, weighted: bool = True) -> _Network:
    """Projects → (project, city) → experts → sink; see the module docstring."""
    n_projects, n_experts = work.shape
    n_groups = work.n_groups
    first_group, first_expert = n_projects, n_projects + n_projects * n_groups
    sink = first_expert + n_experts
    p, e = pairs[:, 0], pairs[:, 1]
    pair_tails = first_group + p * n_groups + work.expert_group[e] if work.region_rules else p
    lower = work.min_load if min_load else np.zeros(n_experts, np.int64)
    pair_costs = -work.scaled[p, e].astype(np.int64) if weighted else np.zeros(len(p), np.int64)
    n_group_arcs = n_projects * n_groups
    tails = np.concatenate(
        [np.repeat(np.arange(n_projects), n_groups), pair_tails, first_expert + np.arange(n_experts)]
    )
    heads = np.concatenate(
        [first_group + np.arange(n_group_arcs), first_expert + e, np.full(n_experts, sink)]
    )
    caps = np.concatenate([work.group_cap.ravel(), np.ones(len(p), np.int64), work.load - lower])
    costs = np.concatenate([np.zeros(n_group_arcs, np.int64), pair_costs, np.zeros(n_experts, np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(sink + 1, np.int64)
    supplies[:n_projects] = work.need
    supplies[first_expert:sink] = -lower
    supplies[sink] = -(work.need.sum() - lower.sum())
    flow.set_nodes_supplies(np.arange(sink + 1), supplies)
    arcs = slice(n_group_arcs, n_group_arcs + len(p))
    return _Network(flow, tails, heads, caps, costs, arcs, pairs, sink + 1, first_group, first_expert)


def _potentials(net: _Network) -> np.ndarray:
    """Node potentials that prove the flow optimal: minus the shortest distance from each node
    to a virtual root (zero arcs from every node) in the residual network.

    At the optimum the residual network has no negative cycle, so these distances exist and
    give every residual arc a non-negative reduced cost.
    """
    flows = net.flow.flows(np.arange(len(net.tails)))
    forward, backward = flows < net.caps, flows > 0
    # Distances *to* the root (computed on the reversed network) rather than from it: an expert
    # the sparse network never reached then sits as low as the arc to the sink allows, so a
    # pair left out is flagged only when it would beat the project's unused candidates.
    heads = np.concatenate([net.tails[forward], net.heads[backward]])
    tails = np.concatenate([net.heads[forward], net.tails[backward]])
    costs = np.concatenate([net.costs[forward], -net.costs[backward]])
    order = np.argsort(tails, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    starts = np.searchsorted(tails, np.arange(net.n_nodes + 1))
    distance = np.zeros(net.n_nodes, np.int64)
    # From the root every node starts at 0: only arcs out of a node whose distance just fell
    # can shorten another (vectorised Bellman-Ford over that frontier).
    active = np.unique(tails[costs < 0])
    for _ in range(net.n_nodes + 1):
        lengths = starts[active + 1] - starts[active]
        arc = np.repeat(starts[active] - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        offered = distance[tails[arc]] + costs[arc]
        better = offered < distance[heads[arc]]
        if not better.any():
            return -distance
        np.minimum.at(distance, heads[arc[better]], offered[better])
        active = np.unique(heads[arc[better]])
    raise RuntimeError("negative cycle in the residual network: the flow is not optimal")


def _violations(work: _Work, net: _Network, open_: np.ndarray, block: int = 256) -> np.ndarray:
    """Pairs outside the network whose reduced cost under the potentials is negative."""
    n_projects, n_experts = work.shape
    distance = _potentials(net)
    expert_distance = distance[net.first_expert : net.first_expert + n_experts]
    if work.region_rules:
        tail_distance = distance[net.first_group : net.first_expert].reshape(n_projects, work.n_groups)
    else:
        tail_distance = distance[:n_projects, None]
    found = []
    for start in range(0, n_projects, block):
        stop = min(start + block, n_projects)
        for g, columns in enumerate(_groups(work)):
            # reduced cost -score + d(tail) - d(expert) < 0  ⇔  score > d(tail) - d(expert);
            # scores are ≥ 0 and closed pairs are -2, so the bound is clipped at -1.
            bound = tail_distance[start:stop, g, None] - expert_distance[None, columns]
            np.clip(bound, -1, SCALE + 1, out=bound)
            p, e = np.nonzero(open_[start:stop, columns] > bound)
            if len(p):
                found.append(np.stack([p + start, e + columns.start], axis=1))
    return np.concatenate(found) if found else np.zeros((0, 2), np.int64)


# --- Candidates ---------------------------------------------------------------------------


def _top_candidates(work: _Work, open_: np.ndarray, k_project: int, k_expert: int) -> np.ndarray:
    """Each project's best ``k_project`` experts in each city, and each expert's best projects."""
    n_projects, n_experts = work.shape
    rows, cols = [], []
    for columns in _groups(work):
        width = columns.stop - columns.start
        k = min(k_project, width)
        if k == 0:
            continue
        top = np.argpartition(open_[:, columns], width - k, axis=1)[:, width - k :]
        rows.append(np.repeat(np.arange(n_projects), k))
        cols.append(top.ravel() + columns.start)
    # Each expert's best projects: repeated arg-max down the columns is far faster than a
    # partition along the project axis.
    taken: list[np.ndarray] = []
    everyone = np.arange(n_experts)
    for _ in range(min(k_expert, n_projects)):
        best = open_.argmax(axis=0)
        taken.append(best)
        rows.append(best)
        cols.append(everyone)
        open_[best, everyone] -= SCALE + 10  # out of the next arg-max; restored below
    for best in taken:
        open_[best, everyone] += SCALE + 10
    p, e = np.concatenate(rows), np.concatenate(cols)
    keep = work.allowed[p, e]
    key = np.unique(p[keep] * n_experts + e[keep])
    return np.stack([key // n_experts, key % n_experts], axis=1)


# --- Solving --------------------------------------------------------------------------------


def assignment_solve(
    problem: AssignmentProblem,
    *,
    sparse: bool = True,
    k_project: int | None = None,
    k_expert: int | None = None,
    max_rounds: int = 50,
) -> Solution:
    """The assignment of greatest total affinity under every rule, or AssignmentInfeasible.

    ``sparse`` starts from each project's best ``k_project`` experts per city and each expert's
    best ``k_expert`` projects, and adds pairs until the optimum is proven for all pairs.
    """
    work = _work(problem)
    shortfalls = _shortfalls(problem, work)
    if shortfalls:
        raise AssignmentInfeasible(shortfalls)
    if not work.need.sum():
        return _solution(problem, work, np.zeros((0, 2), np.int64), dense=False, rounds=0, arcs=0)
    if not sparse:
        return _solve_dense(problem, work)
    open_ = np.where(work.allowed, work.scaled, np.int32(_CLOSED))
    pairs = _top_candidates(work, open_, k_project or int(work.need.max()) + 5, k_expert or 1)
    for round_number in range(1, max_rounds + 1):
        open_[pairs[:, 0], pairs[:, 1]] = _CLOSED
        net = _network(work, pairs)
        if net.flow.solve() != net.flow.OPTIMAL:
            return _solve_dense(problem, work)
        missing = _violations(work, net, open_)
        if not len(missing):
            return _extract(problem, work, net, dense=False, rounds=round_number)
        pairs = np.concatenate([pairs, missing])
    return _solve_dense(problem, work)


def _solve_dense(problem: AssignmentProblem, work: _Work) -> Solution:
    p, e = np.nonzero(work.allowed)
    pairs = np.stack([p, e], axis=1)
    net = _network(work, pairs)
    if net.flow.solve() != net.flow.OPTIMAL:
        raise AssignmentInfeasible(_contention(work, pairs))
    return _extract(problem, work, net, dense=True, rounds=1)


def _contention(work: _Work, pairs: np.ndarray) -> list[Shortfall]:
    """Projects left short by the largest flow: their conflict-free experts are taken elsewhere."""
    net = _network(work, pairs, min_load=False, weighted=False)
    net.flow.solve_max_flow_with_min_cost()
    flows = net.flow.flows(np.arange(net.pair_arcs.start, net.pair_arcs.stop))
    got = np.bincount(pairs[flows > 0, 0], minlength=len(work.need))
    short = np.flatnonzero(got < work.need)
    found = [Shortfall(int(p), "contention", int(got[p]), int(work.need[p])) for p in short]
    return found or [Shortfall(None, "min_load", int(work.need.sum()), int(work.min_load.sum()))]


def _extract(problem: AssignmentProblem, work: _Work, net: _Network, *, dense: bool, rounds: int) -> Solution:
    flows = net.flow.flows(np.arange(net.pair_arcs.start, net.pair_arcs.stop))
    return _solution(problem, work, net.pairs[flows > 0], dense=dense, rounds=rounds, arcs=len(net.pairs))


def _solution(problem: AssignmentProblem, work: _Work, pairs: np.ndarray, **extra) -> Solution:
    scores = work.scaled[pairs[:, 0], pairs[:, 1]].astype(np.int64)
    chosen = np.stack([pairs[:, 0], work.order[pairs[:, 1]]], axis=1).astype(np.int64)
    chosen = chosen[np.lexsort((chosen[:, 1], chosen[:, 0]))]
    return Solution(
        pairs=chosen, affinity_total=float(problem.affinity[chosen[:, 0], chosen[:, 1]].sum()),
        cost_total=int(scores.sum()), fixed=problem.fixed, **extra,
    )  # fmt: skip


# --- Reference: the same problem as a linear program ----------------------------------------


@dataclass
class LinearOptimum:
    objective: float
    pairs: np.ndarray
    status: str


def assignment_lp(problem: AssignmentProblem, *, scaled: bool = True) -> LinearOptimum:
    """The LP relaxation solved by SciPy's HiGHS: the check on the flow's optimum.

    The constraint matrix is totally unimodular, so the LP optimum is integral; with
    ``scaled`` the objective uses the same integer affinities as the flow, and the two optima
    must be equal exactly.
    """
    from scipy import sparse as sp
    from scipy.optimize import linprog

    work = _work(problem)
    p, e = np.nonzero(work.allowed)
    n = len(p)
    n_projects, n_experts = work.shape
    original = work.order[e]
    weights = work.scaled[p, e].astype(float) if scaled else problem.affinity[p, original].astype(float)
    ones, columns = np.ones(n), np.arange(n)
    a_eq = sp.csr_matrix((ones, (p, columns)), shape=(n_projects, n))
    per_expert = sp.csr_matrix((ones, (e, columns)), shape=(n_experts, n))
    upper, b_upper = [per_expert], [work.load.astype(float)]
    if work.min_load.any():
        upper.append(-per_expert)
        b_upper.append(-work.min_load.astype(float))
    if work.region_rules:
        rows = p * work.n_groups + work.expert_group[e]
        upper.append(sp.csr_matrix((ones, (rows, columns)), shape=(n_projects * work.n_groups, n)))
        b_upper.append(work.group_cap.ravel().astype(float))
    result = linprog(
        -weights, A_ub=sp.vstack(upper).tocsr(), b_ub=np.concatenate(b_upper), A_eq=a_eq,
        b_eq=work.need.astype(float), bounds=(0, 1), method="highs",
    )  # fmt: skip
    if result.status != 0:
        return LinearOptimum(float("nan"), np.zeros((0, 2), np.int64), str(result.message))
    chosen = result.x > 0.5
    return LinearOptimum(-float(result.fun), np.stack([p[chosen], original[chosen]], axis=1), "optimal")
