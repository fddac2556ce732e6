"""Tests of the shared HiGHS wrapper (forcemap.decide._solve): hand-worked knapsacks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint

from forcemap.decide._solve import (
    MilpRun,
    SolveResult,
    check_method,
    choose,
    milp_status,
    run_milp,
)
from forcemap.errors import InfeasibleError, InputError


def _knapsack(values: list[float], costs: list[float], budget: float) -> MilpRun:
    n = len(values)
    return run_milp(
        np.array(values),
        constraints=LinearConstraint(sp.csr_matrix(np.array([costs])), -np.inf, budget),
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), np.ones(n)),
        time_limit=5.0,
        mip_rel_gap=1e-9,
        maximize=True,
    )


def test_run_milp_maximises_and_reports_in_the_problem_sense() -> None:
    # by hand: items 1+2 (cost 10, value 12) beat item 0 alone (cost 6, value 10)
    run = _knapsack([10, 6, 6], [6, 5, 5], 10)
    assert run.status == "optimal"
    assert run.x is not None
    assert np.flatnonzero(run.x > 0.5).tolist() == [1, 2]
    assert run.objective == pytest.approx(12.0)
    assert run.bound == pytest.approx(12.0)
    assert run.gap == pytest.approx(0.0, abs=1e-9)
    assert run.detail == "optimal"


def test_run_milp_infeasible_has_no_solution() -> None:
    n = 2
    run = run_milp(
        np.ones(n),
        constraints=LinearConstraint(np.ones((1, n)), 3, np.inf),
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), np.ones(n)),
        time_limit=5.0,
    )
    assert run.x is None
    assert run.status == "infeasible"
    assert run.detail.startswith("infeasible: ")


def test_milp_status_and_check_method() -> None:
    assert [milp_status(i) for i in range(5)] == [
        "optimal",
        "time limit",
        "infeasible",
        "unbounded",
        "solver failure",
    ]
    check_method("milp", 1.0)
    with pytest.raises(InputError, match="method="):
        check_method("exact", 1.0)
    with pytest.raises(InputError, match="time_limit="):
        check_method("milp", 0)


def _err(msg: str) -> InfeasibleError:
    return InfeasibleError(msg)


def _choose(method: str, got: list[int] | None, status: str, g: list[int] | None, **kw: object):
    values = {0: 10.0, 1: 6.0, 2: 6.0}
    run = MilpRun(None if got is None else np.ones(1), status, "msg", bound=12.0, gap=0.0)
    return choose(
        method,
        milp=lambda: (got, run),
        greedy=lambda: g,
        objective=lambda sol: sum(values[i] for i in sol),
        infeasible=lambda: _err("infeasible model"),
        greedy_failed=lambda r: _err("greedy none" if r is None else f"fallback none {r.status}"),
        **kw,  # type: ignore[arg-type]  # test helper forwards the optional switches
    )


def test_choose_rules() -> None:
    c = _choose("greedy", None, "optimal", [0])
    assert c.solution == [0]
    assert (c.result.status, c.result.method, c.result.objective) == (
        "greedy (requested)",
        "greedy",
        10.0,
    )
    c = _choose("milp", [1, 2], "optimal", [0])
    assert c.solution == [1, 2]
    assert isinstance(c.result, SolveResult)
    assert (c.result.method, c.result.objective, c.result.bound) == ("milp", 12.0, 12.0)
    assert (c.result.milp_objective, c.result.greedy_objective) == (12.0, 10.0)
    c = _choose("milp", [0], "time limit", [1, 2])
    assert c.solution == [1, 2]
    assert c.result.method == "greedy (better than the MILP's time limit solution)"
    assert c.result.objective == 12.0
    c = _choose("milp", [0], "time limit", [1, 2], compare=False)
    assert c.result.method == "milp (time limit)"
    c = _choose("milp", None, "time limit", [0])
    assert c.result.status == "time limit: msg"
    assert c.result.method == "greedy (fallback: MILP time limit: msg)"
    c = _choose("milp", None, "time limit", [0], status_detail=False, compare=False)
    assert c.result.method == "greedy (fallback: MILP time limit)"


def test_choose_raises_infeasible() -> None:
    with pytest.raises(InfeasibleError, match="infeasible model"):
        _choose("milp", None, "infeasible", [0])
    with pytest.raises(InfeasibleError, match="greedy none"):
        _choose("greedy", None, "optimal", None)
    with pytest.raises(InfeasibleError, match="fallback none time limit"):
        _choose("milp", None, "time limit", None)


def test_lazy_greedy_is_not_run_when_not_needed() -> None:
    calls: list[int] = []

    def greedy() -> list[int]:
        calls.append(1)
        return [0]

    run = MilpRun(np.ones(1), "optimal")
    choose(
        "milp",
        milp=lambda: ([1], run),
        greedy=greedy,
        objective=lambda sol: float(len(sol)),
        infeasible=lambda: _err("x"),
        greedy_failed=lambda r: _err("y"),
        compare=False,
    )
    assert calls == []
