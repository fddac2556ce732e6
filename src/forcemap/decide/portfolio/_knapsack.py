"""The allocation model of :mod:`forcemap.decide.portfolio`: a 0/1 knapsack with balance
constraints, its greedy heuristic and the MILP (built here, solved by
:mod:`forcemap.decide._solve`)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint

from forcemap.decide._solve import MilpRun, SolveResult, choose, run_milp
from forcemap.errors import InfeasibleError, InputError

__all__ = ["Allocation", "balance", "solve_allocation", "why_infeasible"]


@dataclass(frozen=True)
class Allocation:
    """A solved selection: item indices, objective (Σ values), and how it was found."""

    selected: np.ndarray
    objective: float
    cost: float
    method_used: str
    status: str
    seconds: float
    bound: float | None = None
    mip_gap: float | None = None
    milp_objective: float | None = None
    greedy_objective: float | None = None
    solve: SolveResult | None = None


def balance(
    groups: Sequence[str | None],
    min_per_group: int | Mapping[str, int] | None,
    max_share_per_group: float | Mapping[str, float] | None,
) -> tuple[dict[str, int], dict[str, float]]:
    """The balance constraints as {group: minimum > 0} and {group: maximum budget share}."""
    present = sorted({g for g in groups if g is not None})
    if min_per_group is None:
        mins: dict[str, int] = {}
    elif isinstance(min_per_group, Mapping):
        mins = {str(k): int(v) for k, v in min_per_group.items()}
    else:
        mins = dict.fromkeys(present, int(min_per_group))
    if max_share_per_group is None:
        caps: dict[str, float] = {}
    elif isinstance(max_share_per_group, Mapping):
        caps = {str(k): float(v) for k, v in max_share_per_group.items()}
    else:
        caps = dict.fromkeys(present, float(max_share_per_group))
    bad = {k: v for k, v in mins.items() if v < 0}
    if bad:
        raise InputError(f"min_per_industry must be ≥ 0: {bad}")
    bad_c = {k: v for k, v in caps.items() if not 0 <= v <= 1}
    if bad_c:
        raise InputError(f"max_share_per_industry must be in [0, 1]: {bad_c}")
    return {k: v for k, v in mins.items() if v > 0}, caps


def why_infeasible(
    costs: np.ndarray,
    groups: Sequence[str | None],
    budget: float,
    mins: dict[str, int],
    caps: dict[str, float],
) -> str | None:
    """A plain explanation when the counting checks already show no selection exists."""
    tol = 1e-9 * max(1.0, budget)
    need = 0.0
    for g, m in sorted(mins.items()):
        idx = [i for i, x in enumerate(groups) if x == g]
        if len(idx) < m:
            return (
                f"industry {g!r} must get at least {m} project(s) but has only {len(idx)} "
                "candidate(s); lower min_per_industry or add candidates"
            )
        cheapest = float(np.sort(costs[idx])[:m].sum())
        need += cheapest
        if g in caps and cheapest > caps[g] * budget + tol:
            return (
                f"industry {g!r}: its {m} cheapest candidate(s) cost {cheapest:,.0f}, more than "
                f"its cap of {caps[g]:.0%} of the budget ({caps[g] * budget:,.0f}); raise "
                "max_share_per_industry or lower min_per_industry"
            )
    if need > budget + tol:
        return (
            f"the minimum selections of min_per_industry cost at least {need:,.0f}, more than "
            f"the budget of {budget:,.0f}; raise the budget or lower min_per_industry"
        )
    return None


def _greedy(
    costs: np.ndarray,
    values: np.ndarray,
    gidx: np.ndarray,
    budget: float,
    mins: np.ndarray,
    caps: np.ndarray,
) -> np.ndarray | None:
    """Greedy by value per cost; minima first; None when it cannot meet the minima."""
    n = costs.size
    tol = 1e-9 * max(1.0, budget)
    ratio = np.where(costs > 0, values / np.where(costs > 0, costs, 1.0), np.inf)
    order = np.lexsort((np.arange(n), -values, -ratio))
    chosen = np.zeros(n, dtype=bool)
    spent = 0.0
    spent_g = np.zeros(mins.size)
    count_g = np.zeros(mins.size, np.int64)

    def fits(i: int) -> bool:
        g = gidx[i]
        if spent + costs[i] > budget + tol:
            return False
        return bool(g < 0 or spent_g[g] + costs[i] <= caps[g] * budget + tol)

    def add(i: int) -> None:
        nonlocal spent
        chosen[i] = True
        spent += costs[i]
        if gidx[i] >= 0:
            spent_g[gidx[i]] += costs[i]
            count_g[gidx[i]] += 1

    for g in np.flatnonzero(mins > 0):
        for i in order:
            if count_g[g] >= mins[g]:
                break
            if gidx[i] == g and not chosen[i] and fits(int(i)):
                add(int(i))
        if count_g[g] < mins[g]:
            return None
    for i in order:
        if not chosen[i] and values[i] > 0 and fits(int(i)):
            add(int(i))
    return np.flatnonzero(chosen)


def _build_model(
    costs: np.ndarray,
    values: np.ndarray,
    gidx: np.ndarray,
    budget: float,
    mins: np.ndarray,
    caps: np.ndarray,
) -> tuple[np.ndarray, LinearConstraint, np.ndarray, Bounds]:
    """The knapsack MILP, to maximise: (c, constraints, integrality, bounds). A tie-breaking
    term −10⁻⁷·max(1, max value)·cost/B prefers the cheaper of equal-value selections."""
    n = costs.size
    scale = max(budget, 1e-12)
    c = values - 1e-7 * max(1.0, float(values.max(initial=0.0))) * costs / scale
    rows = [sp.csr_matrix(costs.reshape(1, n))]
    lo = [-np.inf]
    hi = [budget]
    for g in range(mins.size):
        idx = np.flatnonzero(gidx == g)
        if mins[g] > 0:
            rows.append(sp.csr_matrix((np.ones(idx.size), (np.zeros(idx.size), idx)), (1, n)))
            lo.append(float(mins[g]))
            hi.append(np.inf)
        if caps[g] < np.inf:
            rows.append(sp.csr_matrix((costs[idx], (np.zeros(idx.size), idx)), (1, n)))
            lo.append(-np.inf)
            hi.append(caps[g] * budget)
    return (
        c,
        LinearConstraint(sp.vstack(rows, format="csr"), np.array(lo), np.array(hi)),
        np.ones(n),
        Bounds(np.zeros(n), np.ones(n)),
    )


def solve_allocation(
    costs: Sequence[float] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    budget: float,
    *,
    groups: Sequence[str | None] | None = None,
    min_per_group: int | Mapping[str, int] | None = None,
    max_share_per_group: float | Mapping[str, float] | None = None,
    time_limit: float = 10.0,
    method: str = "milp",
) -> Allocation:
    r"""0/1 knapsack with balance constraints: :math:`\max \sum v_i x_i` s.t.
    :math:`\sum c_i x_i \le B`, at least ``min_per_group`` items per group and at most
    ``max_share_per_group`` × B spent per group (a number for every group, or a mapping).

    Solved by HiGHS (:func:`scipy.optimize.milp`); ``method="greedy"`` or a failed MILP
    uses the greedy heuristic (see the module docstring).

    Raises
    ------
    InputError
        Bad inputs.
    InfeasibleError
        No selection meets the constraints (the message says which).

    Examples
    --------
    >>> a = solve_allocation([6, 5, 5], [10, 6, 6], 10)
    >>> a.selected.tolist(), a.objective
    ([1, 2], 12.0)
    """
    t0 = time.perf_counter()
    c = np.asarray(costs, dtype=float)
    v = np.asarray(values, dtype=float)
    if c.ndim != 1 or c.shape != v.shape:
        raise InputError("costs and values must be sequences of the same length")
    if method not in ("milp", "greedy"):
        raise InputError(f"method={method!r} must be 'milp' or 'greedy'")
    if not (math.isfinite(budget) and budget >= 0):
        raise InputError(f"budget={budget!r} must be a non-negative number")
    if (c < 0).any() or not np.isfinite(c).all() or not np.isfinite(v).all():
        raise InputError("costs must be finite and ≥ 0, values finite")
    if time_limit <= 0:
        raise InputError(f"time_limit={time_limit} must be positive")
    g = list(groups) if groups is not None else [None] * c.size
    if len(g) != c.size:
        raise InputError("groups must have one label per item")
    mins_d, caps_d = balance(g, min_per_group, max_share_per_group)
    why = why_infeasible(c, g, budget, mins_d, caps_d)
    if why:
        raise InfeasibleError(f"no selection is feasible: {why}")
    names = sorted({x for x in g if x is not None} | set(mins_d) | set(caps_d))
    code = {k: i for i, k in enumerate(names)}
    gidx = np.array([code[x] if x is not None else -1 for x in g], np.int64)
    mins = np.array([mins_d.get(k, 0) for k in names], np.int64)
    caps = np.array([caps_d.get(k, np.inf) for k in names], float)

    def solve_milp() -> tuple[np.ndarray | None, MilpRun]:
        cc, constraints, integrality, bounds = _build_model(c, v, gidx, budget, mins, caps)
        run = run_milp(
            cc,
            constraints=constraints,
            integrality=integrality,
            bounds=bounds,
            time_limit=time_limit,
            mip_rel_gap=1e-9,
            maximize=True,
        )
        return (None if run.x is None else np.flatnonzero(run.x > 0.5)), run

    def greedy_failed(run: MilpRun | None) -> InfeasibleError:
        if run is None:
            return InfeasibleError(
                "no selection is feasible by the greedy heuristic under min_per_industry and "
                "max_share_per_industry; try method='milp'"
            )
        return InfeasibleError(
            f"the MILP failed ({run.detail}) and the greedy heuristic found no selection "
            "meeting the constraints"
        )

    pick = choose(
        method,
        milp=solve_milp,
        greedy=lambda: _greedy(c, v, gidx, budget, mins, caps),
        objective=lambda sel: float(v[sel].sum()),
        infeasible=lambda: InfeasibleError(
            "no selection is feasible: the budget, min_per_industry and "
            "max_share_per_industry cannot be met together (each holds on its own); "
            "relax one of them"
        ),
        greedy_failed=greedy_failed,
    )
    chosen = pick.solution
    res = replace(pick.result, seconds=time.perf_counter() - t0)
    return Allocation(
        selected=np.asarray(chosen, np.int64),
        objective=float(v[chosen].sum()),
        cost=float(c[chosen].sum()),
        method_used=res.method,
        status=res.status,
        seconds=res.seconds,
        bound=res.bound,
        mip_gap=res.gap,
        milp_objective=res.milp_objective,
        greedy_objective=res.greedy_objective,
        solve=res,
    )
