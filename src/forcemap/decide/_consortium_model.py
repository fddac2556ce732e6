"""The consortium model of :mod:`forcemap.decide.consortium`: its greedy heuristic, the MILP
(built here, solved by :mod:`forcemap.decide._solve`) and the evaluation of a consortium on the
full strength matrix. The model is stated in the docstring of :mod:`forcemap.decide.consortium`.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint

from forcemap.decide._solve import MilpRun, SolveResult, choose, run_milp
from forcemap.errors import InfeasibleError, InputError
from forcemap.store.org_names import ORG_TYPES

__all__ = [
    "Solution",
    "check_feasible",
    "check_min_types",
    "column_weights",
    "plural",
    "solve_consortium",
]


@dataclass
class Solution:
    """A consortium chosen by :func:`solve_consortium` (indices into the strength rows).

    ``objective`` is Σ_j w_j c_j + λ Σ t_ab over chosen tied pairs, evaluated on the full
    strength matrix; ``marginal`` per member F(team) − F(team without it), ``adds`` the
    columns whose value it raises, ``forced_by`` the constraint that keeps a member whose
    marginal is 0 (None otherwise); ``coverage`` the depth coverage
    c_j = Σ_r δ^r s_(r)j and ``credited`` (the strongest member of j, −1 when nobody chosen is
    active there) per column; ``method_used`` says which method produced the
    answer; ``bound`` is the MILP's dual bound (objective units) when it ran; ``mip_gap`` its
    relative gap; ``solve`` the whole :class:`~forcemap.decide._solve.SolveResult`.
    """

    members: np.ndarray
    marginal: np.ndarray
    adds: list[list[int]]
    forced_by: list[str | None]
    objective: float
    coverage: np.ndarray
    credited: np.ndarray
    method_used: str
    status: str
    seconds: float
    bound: float | None = None
    mip_gap: float | None = None
    milp_objective: float | None = None
    greedy_objective: float | None = None
    solve: SolveResult | None = None


def _depth_weights(depth: int, discount: float) -> np.ndarray:
    """δ^r for r = 0 … depth − 1: the credit of the r-th strongest member of a column."""
    return discount ** np.arange(depth, dtype=np.float64)


def _column_values(
    s: sp.csr_matrix, members: np.ndarray, dw: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per column: Σ_r δ^r s_(r) over the members' strengths in decreasing order (the depth
    coverage c_j), and the member credited first (the strongest; −1 when nobody is active)."""
    n_cols = s.shape[1]
    ordered = sorted(members.tolist(), key=lambda i: order[i])
    credited = np.full(n_cols, -1, dtype=np.int64)
    if not ordered:
        return np.zeros(n_cols), credited
    dense = s[ordered].toarray()
    srt = -np.sort(-dense, axis=0)[: dw.size]
    cov = dw[: srt.shape[0]] @ srt
    top = dense.argmax(axis=0)
    active = dense.max(axis=0) > 0
    credited[active] = np.asarray(ordered)[top[active]]
    return cov, credited


def _evaluate(
    s: sp.csr_matrix,
    w: np.ndarray,
    members: np.ndarray,
    tie_adj: sp.csr_matrix,
    lam: float,
    order: np.ndarray,
    dw: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Objective, depth coverage and first-credited member of every column for a set of rows."""
    cov, credited = _column_values(s, members, dw, order)
    ties = 0.0
    if lam and members.size > 1:
        sub = tie_adj[members][:, members]
        ties = float(sub.sum()) / 2.0
    return float(w @ cov + lam * ties), cov, credited


def marginals(
    s: sp.csr_matrix,
    w: np.ndarray,
    members: np.ndarray,
    tie_adj: sp.csr_matrix,
    lam: float,
    order: np.ndarray,
    dw: np.ndarray,
) -> tuple[np.ndarray, list[list[int]]]:
    """Per member: F(team) − F(team without it), and the columns whose value it raises."""
    full, cov, _ = _evaluate(s, w, members, tie_adj, lam, order, dw)
    loss = np.zeros(members.size)
    adds: list[list[int]] = []
    for k in range(members.size):
        rest = np.delete(members, k)
        val, cov_r, _ = _evaluate(s, w, rest, tie_adj, lam, order, dw)
        loss[k] = full - val
        adds.append(np.flatnonzero((cov - cov_r > 1e-12) & (w > 0)).tolist())
    return loss, adds


def _greedy(
    s: sp.csr_matrix,
    w: np.ndarray,
    size: int,
    tie_adj: sp.csr_matrix,
    lam: float,
    type_codes: np.ndarray,
    minimum: np.ndarray,
    fixed: np.ndarray,
    allowed: np.ndarray,
    order: np.ndarray,
    dw: np.ndarray,
) -> np.ndarray:
    n, n_cols = s.shape
    depth = dw.size
    chosen = np.zeros(n, dtype=bool)
    top = np.zeros((depth, n_cols))  # the chosen members' strengths per column, decreasing
    tie_gain = np.zeros(n)
    row_of = np.repeat(np.arange(n), np.diff(s.indptr))
    wdata = w[s.indices]

    def add(o: int) -> None:
        chosen[o] = True
        col = np.zeros((1, n_cols))
        row = s.getrow(o)
        col[0, row.indices] = row.data
        top[:] = -np.sort(-np.vstack([top, col]), axis=0)[:depth]
        if lam:
            r = tie_adj.getrow(o)
            tie_gain[r.indices] += lam * r.data

    for o in fixed.tolist():
        add(o)
    n_types = minimum.size
    while chosen.sum() < size:
        counts = np.bincount(type_codes[chosen & (type_codes >= 0)], minlength=n_types)
        deficit = np.maximum(minimum - counts, 0)
        eligible = allowed & ~chosen
        if deficit.sum() >= size - chosen.sum():
            short = deficit > 0
            eligible &= (type_codes >= 0) & short[np.clip(type_codes, 0, None)]
        if not eligible.any():
            raise InfeasibleError("no candidate can fill the remaining places of the consortium")
        old = top[:, s.indices].T  # (nnz, depth)
        new = -np.sort(-np.hstack([old, s.data[:, None]]), axis=1)[:, :depth]
        gain_data = wdata * ((new - old) @ dw)
        gain = np.bincount(row_of, weights=gain_data, minlength=n) + tie_gain
        cand = np.flatnonzero(eligible)
        if not deficit.sum() and gain[cand].max() <= 1e-12:
            break  # nobody left adds anything: a smaller consortium
        # largest gain (rounded so float noise does not decide), then preference order
        pick = cand[np.lexsort((order[cand], -np.round(gain[cand], 12)))[0]]
        add(int(pick))
    return np.flatnonzero(chosen)


def _build_model(
    s: sp.csr_matrix,
    w: np.ndarray,
    size: int,
    ties: tuple[np.ndarray, np.ndarray, np.ndarray],
    lam: float,
    type_codes: np.ndarray,
    minimum: np.ndarray,
    fixed: np.ndarray,
    allowed: np.ndarray,
    keep: np.ndarray | None,
    dw: np.ndarray,
) -> tuple[np.ndarray, LinearConstraint, np.ndarray, Bounds]:
    """The MILP of the module docstring, to maximise: (c, constraints, integrality, bounds);
    the first ``n`` variables are the members x_o. ``keep`` masks the y_oj kept (pruning)."""
    n, _ = s.shape
    coo = s.tocoo()
    mask = coo.data > 0
    if keep is not None:
        mask &= keep
    yo1, yj1, yv1 = coo.row[mask], coo.col[mask], coo.data[mask]
    m1 = yo1.size
    depth = dw.size
    # one y per (o, j, rank r): o is the r-th credited member of j, worth δ^r s_oj
    yo, yj, yv = np.tile(yo1, depth), np.tile(yj1, depth), np.tile(yv1, depth)
    yr = np.repeat(np.arange(depth), m1)
    m = yo.size
    ta, tb, tv = ties if lam else (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    k = ta.size
    nv = n + m + k
    c = np.concatenate([np.zeros(n), w[yj] * dw[yr] * yv, lam * tv])
    rows: list[sp.spmatrix] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    # Σ x = size
    rows.append(sp.csr_matrix((np.ones(n), (np.zeros(n), np.arange(n))), shape=(1, nv)))
    lo.append(np.array([size]))
    hi.append(np.array([size]))
    # Σ_o y_ojr ≤ 1 per (column, rank)
    cols_used, yj_row = np.unique(yj * depth + yr, return_inverse=True)
    if m:
        rows.append(
            sp.csr_matrix((np.ones(m), (yj_row, n + np.arange(m))), shape=(cols_used.size, nv))
        )
        lo.append(np.full(cols_used.size, -np.inf))
        hi.append(np.ones(cols_used.size))
        # Σ_r y_ojr − x_o ≤ 0 (one rank per member and column)
        r = np.arange(m)
        pair = np.tile(np.arange(m1), depth)
        rows.append(
            sp.csr_matrix(
                (
                    np.concatenate([np.ones(m), -np.ones(m1)]),
                    (np.concatenate([pair, np.arange(m1)]), np.concatenate([n + r, yo1])),
                ),
                shape=(m1, nv),
            )
        )
        lo.append(np.full(m1, -np.inf))
        hi.append(np.zeros(m1))
    if k:
        r = np.arange(k)
        for end in (ta, tb):
            rows.append(
                sp.csr_matrix(
                    (
                        np.concatenate([np.ones(k), -np.ones(k)]),
                        (np.concatenate([r, r]), np.concatenate([n + m + r, end])),
                    ),
                    shape=(k, nv),
                )
            )
            lo.append(np.full(k, -np.inf))
            hi.append(np.zeros(k))
        # valid inequality Σ_b z_ab ≤ (size − 1)·x_a: a member has at most size − 1 partners
        # (tightens the LP bound of the tie term, a densest-k-subgraph relaxation)
        ends = np.concatenate([ta, tb])
        nodes, node_row = np.unique(ends, return_inverse=True)
        zc = n + m + np.concatenate([r, r])
        rows.append(
            sp.csr_matrix(
                (
                    np.concatenate([np.ones(2 * k), np.full(nodes.size, -(size - 1.0))]),
                    (
                        np.concatenate([node_row, np.arange(nodes.size)]),
                        np.concatenate([zc, nodes]),
                    ),
                ),
                shape=(nodes.size, nv),
            )
        )
        lo.append(np.full(nodes.size, -np.inf))
        hi.append(np.zeros(nodes.size))
    for t in np.flatnonzero(minimum > 0):
        idx = np.flatnonzero(type_codes == t)
        rows.append(sp.csr_matrix((np.ones(idx.size), (np.zeros(idx.size), idx)), shape=(1, nv)))
        lo.append(np.array([minimum[t]]))
        hi.append(np.array([np.inf]))
    a = sp.vstack(rows, format="csr")
    lb = np.zeros(nv)
    ub = np.ones(nv)
    ub[:n][~allowed] = 0.0
    lb[fixed] = 1.0
    integrality = np.concatenate([np.ones(n), np.zeros(m + k)])
    return (
        c,
        LinearConstraint(a, np.concatenate(lo), np.concatenate(hi)),
        integrality,
        Bounds(lb, ub),
    )


def solve_consortium(
    strength: sp.spmatrix | np.ndarray,
    *,
    size: int,
    weights: np.ndarray | None = None,
    ties: tuple[Sequence[int], Sequence[int], Sequence[float]] | None = None,
    tie_bonus: float = 0.05,
    types: Sequence[str | None] | None = None,
    min_types: Mapping[str, int] | None = None,
    fixed: Collection[int] = (),
    excluded: Collection[int] = (),
    method: str = "milp",
    time_limit: float = 10.0,
    max_per_sub_technology: int | None = None,
    depth: int = 1,
    depth_discount: float = 0.5,
    min_contribution: float = 0.0,
) -> Solution:
    r"""Choose ``size`` rows of a strength matrix (the model of the module docstring).

    Parameters
    ----------
    strength : sparse or dense (n, J) array
        Normalised strengths :math:`s_{oj} \in [0, 1]`.
    weights : (J,) array, optional
        Column weights :math:`w_j` (default 1).
    ties : (a, b, t), optional
        Prior ties between rows a and b with normalised weight t ∈ (0, 1].
    tie_bonus : float
        λ.
    types, min_types
        The type of every row and the minimum number of members per type.
    fixed, excluded
        Rows forced in / out.
    method : {"milp", "greedy"}
    time_limit : float
        HiGHS time limit in seconds.
    max_per_sub_technology : int, optional
        Keep, per column, only the K largest strengths (and the fixed rows') as
        :math:`y_{oj}` variables of the MILP. A size reduction: it can only lower the MILP's
        view of a consortium whose credited member in *j* is outside the top K, so the result
        is re-evaluated on the full matrix and is not proven optimal (``status`` says so).
    depth, depth_discount : int, float
        Members credited per column and the discount δ of each further rank.
    min_contribution : float, default 0
        Least share of the objective each member must add, F(C) − F(C without it) ≥
        min_contribution · F(C) (0: more than nothing); see :func:`_drop_idle`.

    Returns
    -------
    Solution
    """
    t0 = time.perf_counter()
    s = sp.csr_matrix(strength, dtype=np.float64)
    s.eliminate_zeros()
    n, n_cols = s.shape
    w = np.ones(n_cols) if weights is None else np.asarray(weights, dtype=np.float64)
    lam = float(tie_bonus)
    dw = _depth_weights(int(depth), float(depth_discount))
    if ties is not None and len(ties[0]):
        ta = np.asarray(ties[0], np.int64)
        tb = np.asarray(ties[1], np.int64)
        tv = np.asarray(ties[2], np.float64)
    else:
        ta = tb = np.zeros(0, np.int64)
        tv = np.zeros(0)
    tie_adj = sp.csr_matrix(
        (np.concatenate([tv, tv]), (np.concatenate([ta, tb]), np.concatenate([tb, ta]))),
        shape=(n, n),
    )
    type_names = sorted({t for t in (types or ()) if t is not None} | set(min_types or {}))
    code = {t: i for i, t in enumerate(type_names)}
    type_codes = np.array(
        [code.get(t, -1) if t is not None else -1 for t in (types or [None] * n)], np.int64
    )
    minimum = np.zeros(len(type_names), np.int64)
    for t, v in (min_types or {}).items():
        minimum[code[t]] = int(v)
    fixed_idx = np.array(sorted(set(fixed)), np.int64)
    allowed = np.ones(n, dtype=bool)
    allowed[np.array(sorted(set(excluded)), np.int64)] = False
    # preference order: larger weighted total strength first, then row index
    total = np.asarray(s.multiply(w[None, :]).sum(axis=1)).ravel()
    order = np.empty(n, np.int64)
    order[np.lexsort((np.arange(n), -total))] = np.arange(n)

    keep = None
    if method != "greedy" and max_per_sub_technology is not None:
        keep = _top_k_mask(s, int(max_per_sub_technology), fixed_idx)

    def evaluate(members: np.ndarray) -> float:
        return _evaluate(s, w, members, tie_adj, lam, order, dw)[0]

    def solve_milp() -> tuple[np.ndarray | None, MilpRun]:
        c, constraints, integrality, bounds = _build_model(
            s, w, size, (ta, tb, tv), lam, type_codes, minimum, fixed_idx, allowed, keep, dw
        )
        run = run_milp(
            c,
            constraints=constraints,
            integrality=integrality,
            bounds=bounds,
            time_limit=max(time_limit - (time.perf_counter() - t0), 0.1),
            maximize=True,
        )
        return (None if run.x is None else np.flatnonzero(run.x[:n] > 0.5)), run

    pick = choose(
        method,
        milp=solve_milp,
        greedy=lambda: _greedy(
            s, w, size, tie_adj, lam, type_codes, minimum, fixed_idx, allowed, order, dw
        ),
        objective=evaluate,
        infeasible=lambda: InfeasibleError(
            "no consortium meets size, lead/must_include, must_exclude and min_types together"
        ),
        greedy_failed=lambda run: InfeasibleError(
            "no candidate can fill the remaining places of the consortium"
        ),
    )
    res = pick.result
    if keep is not None and pick.run is not None and pick.run.x is not None:
        # the pruned model's optimum is not proven for the full one, nor its bound a bound
        res = replace(
            res,
            status=f"{res.status}, pruned to the top {max_per_sub_technology} per sub-technology",
            method=f"milp ({res.status})" if res.method == "milp" else res.method,
            bound=None,
            gap=None,
        )
    members, forced_by = _drop_idle(
        s, w, pick.solution, tie_adj, lam, order, dw, type_codes, minimum, type_names, fixed_idx,
        min_contribution,
    )  # fmt: skip
    loss, adds = marginals(s, w, members, tie_adj, lam, order, dw)
    obj, cov, credited = _evaluate(s, w, members, tie_adj, lam, order, dw)
    res = replace(res, objective=obj, seconds=time.perf_counter() - t0)
    return Solution(
        members=members,
        marginal=loss,
        adds=adds,
        forced_by=forced_by,
        objective=obj,
        coverage=cov,
        credited=credited,
        method_used=res.method,
        status=res.status,
        seconds=res.seconds,
        bound=res.bound,
        mip_gap=res.gap,
        milp_objective=res.milp_objective,
        greedy_objective=res.greedy_objective,
        solve=res,
    )


def _drop_idle(
    s: sp.csr_matrix,
    w: np.ndarray,
    members: np.ndarray,
    tie_adj: sp.csr_matrix,
    lam: float,
    order: np.ndarray,
    dw: np.ndarray,
    type_codes: np.ndarray,
    minimum: np.ndarray,
    type_names: list[str],
    fixed: np.ndarray,
    min_contribution: float = 0.0,
) -> tuple[np.ndarray, list[str | None]]:
    r"""Remove, one at a time, members contributing too little unless a constraint keeps
    them; return the members and, per member, the constraint keeping one below the bar.

    A member is below the bar when it adds nothing (at most :math:`10^{-12}`) or less than
    :math:`\text{min\_contribution} \cdot F(C)` of the current consortium *C* (up to
    :math:`10^{-12}`). The member below it with the smallest contribution goes first (ties:
    the weakest by total strength), then every contribution is recomputed."""
    fixed_set = set(fixed.tolist())
    members = np.asarray(members, np.int64)
    while True:
        loss, _ = marginals(s, w, members, tie_adj, lam, order, dw)
        bar = min_contribution * _evaluate(s, w, members, tie_adj, lam, order, dw)[0] - 1e-12
        counts = np.bincount(type_codes[members][type_codes[members] >= 0], minlength=minimum.size)
        forced: list[str | None] = []
        drop = -1
        for k, o in enumerate(members.tolist()):
            why: str | None = None
            if loss[k] <= 1e-12 or loss[k] < bar:
                t = int(type_codes[o])
                if o in fixed_set:
                    why = "lead/must_include"
                elif t >= 0 and counts[t] <= minimum[t]:
                    why = f"min_types[{type_names[t]}]={int(minimum[t])}"
                elif drop < 0 or (loss[k], -order[o]) < (loss[drop], -order[members[drop]]):
                    drop = k
            forced.append(why)
        if drop < 0:
            return members, forced
        members = np.delete(members, drop)


def _top_k_mask(s: sp.csr_matrix, k: int, fixed: np.ndarray) -> np.ndarray:
    """Mask over ``s.tocoo()`` entries: the k largest of every column, and the fixed rows'."""
    coo = s.tocoo()
    order = np.lexsort((-coo.data, coo.col))
    col_sorted = coo.col[order]
    starts = np.searchsorted(col_sorted, col_sorted, side="left")
    rank = np.arange(order.size) - starts
    keep = np.zeros(coo.data.size, dtype=bool)
    keep[order[rank < k]] = True
    keep |= np.isin(coo.row, fixed)
    return keep


# -- counting checks ------------------------------------------------------------------------


def check_min_types(min_types: Mapping[str, int] | None) -> dict[str, int]:
    """``min_types`` as {type: count > 0}; InputError for an unknown type or a bad count."""
    out: dict[str, int] = {}
    for t, v in (min_types or {}).items():
        if t not in ORG_TYPES:
            raise InputError(
                f"min_types has an unknown organisation type {t!r}; types: {', '.join(ORG_TYPES)}"
            )
        if int(v) != v or v < 0:
            raise InputError(f"min_types[{t!r}]={v!r} must be a non-negative integer")
        if v:
            out[t] = int(v)
    return out


def plural(n: int, word: str) -> str:
    """``n word`` or ``n words``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def check_feasible(
    size: int,
    types: list[str | None],
    fixed: list[int],
    min_types: dict[str, int],
    n_available: int,
    available_by_type: dict[str, int],
    where: str,
) -> None:
    """Raise InfeasibleError naming the constraint that cannot be met (complete for this
    model: every organisation has exactly one type, so a request passing these counting checks
    always has a feasible consortium)."""
    if len(fixed) > size:
        raise InfeasibleError(
            f"lead and must_include name {plural(len(fixed), 'organisation')} but size={size}: "
            "raise size or fix fewer members"
        )
    need = sum(min_types.values())
    if need > size:
        detail = ", ".join(f"{v} {t}" for t, v in min_types.items())
        raise InfeasibleError(
            f"min_types asks for at least {need} members ({detail}) but size={size}: "
            "raise size or lower min_types"
        )
    for t, v in min_types.items():
        avail = available_by_type.get(t, 0)
        if avail < v:
            raise InfeasibleError(
                f"min_types asks for at least {v} {t} member(s) but only "
                f"{plural(avail, 'candidate')} of type {t!r} {where} (after must_exclude)"
            )
    fixed_by_type: dict[str, int] = {}
    for o in fixed:
        ft = types[o]
        if ft is not None:
            fixed_by_type[ft] = fixed_by_type.get(ft, 0) + 1
    still = {t: v - fixed_by_type.get(t, 0) for t, v in min_types.items()}
    still = {t: v for t, v in still.items() if v > 0}
    if len(fixed) + sum(still.values()) > size:
        detail = ", ".join(f"{v} more {t}" for t, v in still.items())
        raise InfeasibleError(
            f"lead and must_include fill {len(fixed)} of the {size} places, leaving "
            f"{size - len(fixed)}, but min_types still needs {detail}: raise size, fix fewer "
            "members or lower min_types"
        )
    if n_available < size:
        raise InfeasibleError(
            f"only {plural(n_available, 'candidate')} {where} (after must_exclude) but size={size}"
        )


def column_weights(col_keys: list[str], weights: Mapping[str, float] | None) -> np.ndarray:
    """The weight of each sub-technology column (1 unless ``weights`` names it).

    Raises
    ------
    InputError
        A weight names an unknown sub-technology, is negative, or none is positive.
    """
    col_of = {k: i for i, k in enumerate(col_keys)}
    w = np.ones(len(col_keys))
    if weights:
        bad = [k for k in weights if k not in col_of]
        if bad:
            raise InputError(
                f"weights name unknown sub-technolog{'y' if len(bad) == 1 else 'ies'} "
                f"{', '.join(map(str, bad))}; columns: {', '.join(col_keys[:20])}"
            )
        for k, v in weights.items():
            if v < 0:
                raise InputError(f"weights[{k!r}]={v} must be non-negative")
            w[col_of[k]] = float(v)
        if w.sum() <= 0:
            raise InputError("at least one sub-technology weight must be positive")
    return w
