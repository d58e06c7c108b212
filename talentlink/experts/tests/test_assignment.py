"""The solver on its own: exact optimum against SciPy's HiGHS, every rule, infeasibility, re-fill."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from talentlink.experts.assignment import (
    AssignmentInfeasible,
    AssignmentProblem,
    assignment_lp,
    assignment_solve,
)


def random_problem(rng: np.random.Generator, *, regions: int = 2, **overrides: Any) -> AssignmentProblem:
    n_projects, n_experts = int(rng.integers(2, 12)), int(rng.integers(8, 40))
    values: dict[str, Any] = {
        "affinity": rng.random((n_projects, n_experts)).round(4),
        "need": rng.integers(1, 4, n_projects),
        "max_load": rng.integers(1, 4, n_experts),
        "conflict": rng.random((n_projects, n_experts)) < 0.1,
        "project_region": rng.integers(0, 2, n_projects),
        "expert_region": rng.integers(0, regions, n_experts),
        "min_other_region": int(rng.integers(0, 2)),
        "max_per_region": [None, 2, 3][int(rng.integers(0, 3))],
    }
    values.update(overrides)
    return AssignmentProblem(**values)


def check_rules(problem: AssignmentProblem, pairs: np.ndarray) -> None:
    """Every hard rule holds for the new pairs together with the fixed ones."""
    everything = np.concatenate([pairs, problem.fixed]) if len(problem.fixed) else pairs
    assert len({tuple(p) for p in everything}) == len(everything), "a pair twice"
    np.testing.assert_array_equal(np.bincount(everything[:, 0], minlength=len(problem.need)), problem.need)
    assert (np.bincount(everything[:, 1], minlength=len(problem.max_load)) <= problem.max_load).all()
    if problem.conflict is not None:
        assert not problem.conflict[pairs[:, 0], pairs[:, 1]].any(), "a conflict of interest was assigned"
    if problem.project_region is None or problem.expert_region is None:  # both or neither
        return
    for p in range(len(problem.need)):
        cities = problem.expert_region[everything[everything[:, 0] == p, 1]]
        assert (cities != problem.project_region[p]).sum() >= problem.min_other_region
        if problem.max_per_region:
            assert np.bincount(cities).max(initial=0) <= problem.max_per_region


@pytest.mark.parametrize("seed", range(40))
def test_the_flow_reaches_the_lp_optimum_of_highs_or_both_find_no_solution(seed: int) -> None:
    rng = np.random.default_rng(seed)
    problem = random_problem(rng, regions=3 if seed % 4 == 0 else 2)
    lp = assignment_lp(problem)
    try:
        # The smallest candidate lists force extra rounds of pricing pairs back in.
        sparse = assignment_solve(problem, k_project=1, k_expert=1)
    except AssignmentInfeasible:
        assert lp.status != "optimal"
        return
    dense = assignment_solve(problem, sparse=False)
    assert lp.status == "optimal"
    assert sparse.cost_total == dense.cost_total == round(lp.objective)
    assert sparse.affinity_total == pytest.approx(assignment_lp(problem, scaled=False).objective, abs=1e-6)
    check_rules(problem, sparse.pairs)


def test_a_sparse_start_that_misses_the_best_pairs_is_priced_back_to_the_optimum() -> None:
    rng = np.random.default_rng(5)
    problem = AssignmentProblem(affinity=rng.random((20, 60)), need=np.full(20, 2), max_load=np.full(60, 1))
    solution = assignment_solve(problem, k_project=4, k_expert=1)
    assert solution.rounds > 1 and not solution.dense
    assert solution.cost_total == round(assignment_lp(problem).objective)


def test_every_rule_holds_in_the_proposed_panels() -> None:
    rng = np.random.default_rng(11)
    problem = random_problem(
        rng, affinity=rng.random((6, 30)), need=np.full(6, 4), max_load=np.full(30, 2),
        conflict=rng.random((6, 30)) < 0.2, project_region=np.array([0, 0, 0, 1, 1, 1]),
        expert_region=np.arange(30) % 2, min_other_region=2, max_per_region=2,
    )  # fmt: skip
    check_rules(problem, assignment_solve(problem).pairs)


def test_a_project_without_enough_conflict_free_experts_is_named() -> None:
    conflict = np.zeros((3, 6), bool)
    conflict[1, :5] = True  # project 1 keeps one expert
    problem = AssignmentProblem(
        affinity=np.ones((3, 6)), need=[2, 2, 2], max_load=np.full(6, 3), conflict=conflict
    )
    with pytest.raises(AssignmentInfeasible) as caught:
        assignment_solve(problem)
    [shortfall] = caught.value.shortfalls
    assert (shortfall.project, shortfall.reason, shortfall.available, shortfall.needed) == (
        1,
        "experts",
        1,
        2,
    )


def test_too_few_experts_from_the_other_city_are_reported_per_project() -> None:
    problem = AssignmentProblem(
        affinity=np.ones((2, 4)), need=[2, 2], max_load=np.full(4, 2),
        project_region=np.array([0, 1]), expert_region=np.array([0, 0, 0, 1]), min_other_region=2,
    )  # fmt: skip
    with pytest.raises(AssignmentInfeasible) as caught:
        assignment_solve(problem)
    assert [(s.project, s.reason, s.available) for s in caught.value.shortfalls] == [(0, "other_region", 1)]


def test_experts_shared_by_projects_beyond_their_load_are_reported_as_contention() -> None:
    # Projects 0 and 1 both can use only experts 0 and 1, who take one project each.
    conflict = np.ones((3, 5), bool)
    conflict[0, :2] = conflict[1, :2] = False
    conflict[2, 2:] = False
    problem = AssignmentProblem(
        affinity=np.ones((3, 5)), need=[1, 2, 2], max_load=np.ones(5), conflict=conflict
    )
    with pytest.raises(AssignmentInfeasible) as caught:
        assignment_solve(problem)
    assert {s.reason for s in caught.value.shortfalls} == {"contention"}
    assert sum(s.needed - s.available for s in caught.value.shortfalls) == 1


def test_too_little_capacity_overall_is_reported_for_the_round() -> None:
    problem = AssignmentProblem(affinity=np.ones((4, 3)), need=np.full(4, 2), max_load=np.ones(3, int))
    with pytest.raises(AssignmentInfeasible) as caught:
        assignment_solve(problem)
    assert [(s.project, s.reason) for s in caught.value.shortfalls] == [(None, "capacity")]


def test_refill_keeps_the_fixed_seats_and_fills_only_the_place_left() -> None:
    rng = np.random.default_rng(5)
    affinity = rng.random((4, 12))
    regions: dict[str, Any] = dict(project_region=np.array([0, 1, 0, 1]), expert_region=np.arange(12) % 2)
    first = assignment_solve(
        AssignmentProblem(affinity, np.full(4, 3), np.full(12, 2), min_other_region=1, **regions)
    )
    declined = first.pairs[0]
    fixed = first.pairs[1:]
    conflict = np.zeros((4, 12), bool)
    conflict[declined[0], declined[1]] = True  # the expert who declined is not asked again
    problem = AssignmentProblem(affinity, np.full(4, 3), np.full(12, 2), conflict=conflict,
                                min_other_region=1, fixed=fixed, **regions)  # fmt: skip
    refill = assignment_solve(problem)
    assert len(refill.pairs) == 1 and refill.pairs[0][0] == declined[0]
    assert refill.pairs[0][1] != declined[1]
    check_rules(problem, refill.pairs)
    assert refill.cost_total == round(assignment_lp(problem).objective)


def test_minimum_loads_are_honoured_exactly() -> None:
    rng = np.random.default_rng(8)
    problem = AssignmentProblem(rng.random((10, 8)), np.full(10, 2), np.full(8, 4), min_load=np.full(8, 2))
    solution = assignment_solve(problem, k_project=2, k_expert=1)
    assert (np.bincount(solution.pairs[:, 1], minlength=8) >= 2).all()
    assert solution.cost_total == round(assignment_lp(problem).objective)


def test_negative_affinities_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        AssignmentProblem(affinity=-np.ones((1, 2)), need=[1], max_load=[1, 1])
