r"""Consortium design: which organisations together cover an industry's sub-technologies best?

Columns *j* are the industry's sub-technologies: the catalog's (CPC patterns, OpenAlex concepts
and topics of each :class:`~forcemap.store.reference.SubTechnology`), or, with
``sub_technologies="cpc_group"``, the CPC main groups (``B25J9/00``) of the industry's patents
(patents only: works carry no CPC).

Strength
--------
With the fractional weights of :mod:`forcemap.decide.actors` (:math:`f_{ow}`, author-level
fractional share of organisation *o* in work *w*; :math:`f_{op}`, its share of the distinct
assignees of patent *p*), the raw strength of *o* in *j* is

.. math::

    S_{oj} = \sum_{w \in W_j} f_{ow} + \sum_{p \in P_j} f_{op},

:math:`W_j` the industry's works carrying one of *j*'s concepts (score ≥ 0.3) or topics,
:math:`P_j` the industry's patents with a CPC symbol matching one of *j*'s patterns (a
document counts fully in every sub-technology it reaches). The normalised strength is
:math:`s_{oj} = S_{oj} / \max_{o'} S_{o'j} \in [0, 1]`, the maximum taken over the
organisations in scope (the ``country``'s, plus ``lead`` and ``must_include``) before
``must_exclude`` is applied, so 1 means "the strongest organisation in scope".

Candidates are the ``max_candidates`` organisations in scope with the largest weighted total
:math:`\sum_j w_j s_{oj}`, plus ``lead`` and ``must_include``, plus, for every type in
``min_types``, the ``size`` strongest organisations of that type (so that truncating the pool
cannot make a type constraint infeasible); ``must_exclude`` is removed.

Model (MILP)
------------
Binary :math:`x_o` (member), continuous :math:`y_{oj} \in [0, 1]` (sub-technology *j* is
credited to member *o*) for :math:`s_{oj} > 0`, continuous :math:`z_{ab} \in [0, 1]` for the
candidate pairs with a prior tie:

.. math::

    \max \; \sum_j w_j \sum_o s_{oj} y_{oj} \;+\; \lambda \sum_{(a,b)} t_{ab} z_{ab}

    \text{s.t.}\quad \sum_o x_o = \text{size},\quad
    \sum_o y_{oj} \le 1 \;\forall j,\quad y_{oj} \le x_o,\quad
    z_{ab} \le x_a,\; z_{ab} \le x_b,\quad
    \sum_{o \in T_t} x_o \ge m_t,\quad x_{\text{lead}} = x_{\text{must}} = 1,
    \; x_{\text{excluded}} = 0.

At an optimum each sub-technology is credited to the chosen member strongest in it, so
:math:`c_j = \sum_o s_{oj} y_{oj} = \max_{o \text{ chosen}} s_{oj} \in [0, 1]` is its
coverage: complementarity is built in, since a second member strong in an already covered
sub-technology adds nothing. The **feasibility bonus** rewards members who have worked
together: :math:`t_{ab} = W_{ab} / \max W` where :math:`W_{ab}` is the number of documents
behind the pair's edge in the industry's organisation collaboration network
(:func:`forcemap.network.build_network`, ``org_collaboration``, co-authorship + co-patenting +
project co-participation, full counting), so a pair of members with the strongest prior tie
adds :math:`\lambda` (``tie_bonus``, default 0.05, i.e. 5 % of one fully covered
sub-technology of weight 1). The weights :math:`w_j` default to 1.

The model is solved by HiGHS through :func:`scipy.optimize.milp` within ``time_limit`` seconds.
``method="greedy"`` (or a MILP that fails / times out without an incumbent, or whose incumbent
is worse than the greedy solution) uses the greedy heuristic instead: starting from the fixed
members, repeatedly add the candidate with the largest marginal gain
:math:`\sum_j w_j \max(0, s_{oj} - c_j) + \lambda \sum_{b \text{ chosen}} t_{ob}`, restricted
to the types still short of ``min_types`` once the free places are just enough for them (ties:
larger weighted total strength, then org id). Whichever method produced the answer is
``rule.parameters["method_used"]`` and, when it is not the proven MILP optimum, a caveat.
The objective reported is always re-evaluated on the full strength matrix.

Infeasible requests (a ``lead``/``must_include`` that is not in the store, more fixed members
than places, ``min_types`` asking for more members than ``size`` or for a type with too few
candidates, too few candidates overall) raise :class:`~forcemap.errors.InputError` whose
message names the constraint that cannot be met; nothing is solved. Because every
organisation has exactly one type, these counting checks are complete: a request that passes
them always has a feasible consortium.

References
----------
Nemhauser, G. L., Wolsey, L. A. & Fisher, M. L. (1978). An analysis of approximations for
maximizing submodular set functions. Math. Programming 14, 265–294 (greedy max coverage).
Huangfu, Q. & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method. Math. Prog.
Comp. 10, 119–142 (HiGHS). Bai G. et al. (2021). Strategic Study of CAE 23(6), §3.2
(enterprise-led consortia with universities and institutes).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from forcemap.decide._scope import check_country, check_years, industry_scope
from forcemap.decide.actors import (
    _SELECT_PATENTS_SQL,
    _SELECT_WORKS_SQL,
    _WEIGHTS_SQL,
    _sub_links,
)
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.errors import InputError
from forcemap.network.build import ORG_TYPES, build_network
from forcemap.store.reference import IndustryCatalog
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store

__all__ = [
    "CANDIDATE_SCHEMA",
    "COVERAGE_SCHEMA",
    "MEMBER_SCHEMA",
    "SUB_TECHNOLOGY_SCHEMA",
    "Solution",
    "consortium",
    "solve_consortium",
]

MEMBER_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("role", pa.string()),
        ("strength", pa.float64()),
        ("raw_strength", pa.float64()),
        ("contribution", pa.float64()),
        ("covers", pa.list_(pa.string())),
        ("ties", pa.list_(pa.string())),
        ("why", pa.string()),
    ]
)
"""The main table: one row per member, the lead first. ``strength`` = Σ_j s_oj (normalised),
``raw_strength`` = Σ_j S_oj (fractional documents), ``contribution`` = Σ_j w_j s_oj over the
sub-technologies credited to it, ``covers`` those sub-technologies, ``ties`` the members it
has a prior tie with."""

COVERAGE_SCHEMA = pa.schema(
    [
        ("sub_technology", pa.string()),
        ("org_id", pa.string()),
        ("strength", pa.float64()),
        ("raw_strength", pa.float64()),
        ("credited", pa.bool_()),
        ("coverage", pa.float64()),
    ]
)
"""``evidence["coverage"]``: the sub-technology × member matrix in long format (every pair,
zero strengths included); ``coverage`` is the sub-technology's coverage c_j (repeated)."""

SUB_TECHNOLOGY_SCHEMA = pa.schema(
    [
        ("sub_technology", pa.string()),
        ("name", pa.string()),
        ("weight", pa.float64()),
        ("coverage", pa.float64()),
        ("credited_to", pa.string()),
        ("best_candidate", pa.string()),
        ("best_raw_strength", pa.float64()),
    ]
)
"""``evidence["sub_technologies"]``: coverage achieved per sub-technology."""

CANDIDATE_SCHEMA = pa.schema(
    [
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("strength", pa.float64()),
        ("weighted_strength", pa.float64()),
        ("raw_strength", pa.float64()),
        ("sub_technologies", pa.int64()),
        ("chosen", pa.bool_()),
    ]
)
"""``evidence["candidates"]``: the candidate pool (``evidence["strengths"]`` holds its
sub-technology strengths in long format)."""

_STRENGTH_SCHEMA = pa.schema(
    [
        ("org_id", pa.string()),
        ("sub_technology", pa.string()),
        ("raw_strength", pa.float64()),
        ("strength", pa.float64()),
    ]
)

# -- strengths (SQL) ---------------------------------------------------------------------------

_CATALOG_DOCS_SQL = """
CREATE OR REPLACE TEMP TABLE _cs_docs AS
SELECT DISTINCT 'w' AS kind, l.sub_technology, s.work_id AS doc_id
FROM _ac_wsel s JOIN work_concepts c USING (work_id)
JOIN _ac_sub_links l ON l.industry = s.industry AND l.kind = 'concept' AND l.id = c.concept_id
WHERE c.score >= 0.3
UNION
SELECT DISTINCT 'w', l.sub_technology, s.work_id
FROM _ac_wsel s JOIN work_topics t USING (work_id)
JOIN _ac_sub_links l ON l.industry = s.industry AND l.kind = 'topic' AND l.id = t.topic_id
UNION
SELECT DISTINCT 'p', s.sub_technology, s.patent_id
FROM _ac_patent_slice s JOIN (SELECT DISTINCT patent_id FROM _ac_psel) USING (patent_id)
WHERE s.sub_technology IS NOT NULL
"""

_GROUP_DOCS_SQL = """
CREATE OR REPLACE TEMP TABLE _cs_docs AS
WITH sym AS (
    SELECT DISTINCT patent_id,
           upper(replace(coalesce(cpc_subgroup, cpc_group), ' ', '')) AS sym,
           upper(coalesce(cpc_subclass,
                 left(replace(coalesce(cpc_subgroup, cpc_group), ' ', ''), 4))) AS subclass,
           upper(replace(cpc_group, ' ', '')) AS grp
    FROM patent_cpc
    WHERE patent_id IN (SELECT patent_id FROM _ac_psel)
)
SELECT DISTINCT 'p' AS kind,
       CASE WHEN contains(s.sym, '/') THEN split_part(s.sym, '/', 1) || '/00'
            ELSE s.grp END AS sub_technology,
       s.patent_id AS doc_id
FROM sym s JOIN _cs_patterns pt ON left(pt.pattern, 4) = s.subclass
                                AND starts_with(s.sym, pt.pattern)
WHERE s.sym IS NOT NULL
"""

_RAW_SQL = """
WITH a AS (
    SELECT d.sub_technology, ww.org_id, ww.f FROM _cs_docs d
    JOIN _ac_ww ww ON d.kind = 'w' AND ww.work_id = d.doc_id
    UNION ALL
    SELECT d.sub_technology, pw.org_id, pw.f FROM _cs_docs d
    JOIN _ac_pw pw ON d.kind = 'p' AND pw.patent_id = d.doc_id
)
SELECT a.org_id, a.sub_technology, sum(a.f) AS raw_strength
FROM a WHERE a.sub_technology IS NOT NULL
GROUP BY ALL ORDER BY a.org_id, a.sub_technology
"""


# -- the solver ----------------------------------------------------------------------------------


@dataclass
class Solution:
    """A consortium chosen by :func:`solve_consortium` (indices into the strength rows).

    ``objective`` is Σ_j w_j c_j + λ Σ t_ab over chosen tied pairs, evaluated on the full
    strength matrix; ``coverage`` c_j and ``credited`` (the member row credited with j, −1 when
    nobody chosen is active there) per column; ``method_used`` says which method produced the
    answer; ``bound`` is the MILP's dual bound (objective units) when it ran; ``mip_gap`` its
    relative gap.
    """

    members: np.ndarray
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


def _evaluate(
    s: sp.csr_matrix,
    w: np.ndarray,
    members: np.ndarray,
    tie_adj: sp.csr_matrix,
    lam: float,
    order: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Objective, coverage and credited member of every column for a set of rows."""
    n_cols = s.shape[1]
    cov = np.zeros(n_cols)
    credited = np.full(n_cols, -1, dtype=np.int64)
    # members in preference order (stronger total first, then index) so ties go to them
    for o in sorted(members.tolist(), key=lambda i: order[i]):
        row = s.getrow(o)
        better = row.data > cov[row.indices] + 1e-12
        idx = row.indices[better]
        cov[idx] = row.data[better]
        credited[idx] = o
    ties = 0.0
    if lam and members.size > 1:
        sub = tie_adj[members][:, members]
        ties = float(sub.sum()) / 2.0
    return float(w @ cov + lam * ties), cov, credited


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
) -> np.ndarray:
    n, n_cols = s.shape
    chosen = np.zeros(n, dtype=bool)
    cov = np.zeros(n_cols)
    tie_gain = np.zeros(n)
    row_of = np.repeat(np.arange(n), np.diff(s.indptr))
    wdata = w[s.indices]

    def add(o: int) -> None:
        chosen[o] = True
        row = s.getrow(o)
        np.maximum.at(cov, row.indices, row.data)
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
            raise InputError("no candidate can fill the remaining places of the consortium")
        gain_data = wdata * np.maximum(s.data - cov[s.indices], 0.0)
        gain = np.bincount(row_of, weights=gain_data, minlength=n) + tie_gain
        cand = np.flatnonzero(eligible)
        # largest gain (rounded so float noise does not decide), then preference order
        pick = cand[np.lexsort((order[cand], -np.round(gain[cand], 12)))[0]]
        add(int(pick))
    return np.flatnonzero(chosen)


def _milp(
    s: sp.csr_matrix,
    w: np.ndarray,
    size: int,
    ties: tuple[np.ndarray, np.ndarray, np.ndarray],
    lam: float,
    type_codes: np.ndarray,
    minimum: np.ndarray,
    fixed: np.ndarray,
    allowed: np.ndarray,
    time_limit: float,
    keep: np.ndarray | None,
) -> tuple[np.ndarray | None, str, float | None, float | None, float | None]:
    """Solve the MILP; (members or None, status text, objective, dual bound, gap)."""
    n, _ = s.shape
    coo = s.tocoo()
    mask = coo.data > 0
    if keep is not None:
        mask &= keep
    yo, yj, yv = coo.row[mask], coo.col[mask], coo.data[mask]
    m = yo.size
    ta, tb, tv = ties if lam else (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    k = ta.size
    nv = n + m + k
    c = np.concatenate([np.zeros(n), -w[yj] * yv, -lam * tv])
    rows: list[sp.spmatrix] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    # Σ x = size
    rows.append(sp.csr_matrix((np.ones(n), (np.zeros(n), np.arange(n))), shape=(1, nv)))
    lo.append(np.array([size]))
    hi.append(np.array([size]))
    # Σ_o y_oj ≤ 1 per column
    cols_used, yj_row = np.unique(yj, return_inverse=True)
    if m:
        rows.append(
            sp.csr_matrix((np.ones(m), (yj_row, n + np.arange(m))), shape=(cols_used.size, nv))
        )
        lo.append(np.full(cols_used.size, -np.inf))
        hi.append(np.ones(cols_used.size))
        # y_oj − x_o ≤ 0
        r = np.arange(m)
        rows.append(
            sp.csr_matrix(
                (
                    np.concatenate([np.ones(m), -np.ones(m)]),
                    (np.concatenate([r, r]), np.concatenate([n + r, yo])),
                ),
                shape=(m, nv),
            )
        )
        lo.append(np.full(m, -np.inf))
        hi.append(np.zeros(m))
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
    res = milp(
        c,
        constraints=LinearConstraint(a, np.concatenate(lo), np.concatenate(hi)),
        integrality=integrality,
        bounds=Bounds(lb, ub),
        options={"time_limit": float(time_limit), "disp": False},
    )
    status = {0: "optimal", 1: "time limit", 2: "infeasible", 3: "unbounded"}.get(
        res.status, "solver failure"
    )
    bound = getattr(res, "mip_dual_bound", None)
    gap = getattr(res, "mip_gap", None)
    if res.x is None:
        return None, f"{status}: {res.message}", None, None, None
    members = np.flatnonzero(res.x[:n] > 0.5)
    return (
        members,
        status,
        -float(res.fun),
        None if bound is None else -float(bound),
        None if gap is None else float(gap),
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

    greedy_members = _greedy(
        s, w, size, tie_adj, lam, type_codes, minimum, fixed_idx, allowed, order
    )
    g_obj, _, _ = _evaluate(s, w, greedy_members, tie_adj, lam, order)
    bound = gap = milp_obj = None
    if method == "greedy":
        members, method_used, status = greedy_members, "greedy", "greedy (requested)"
    else:
        keep = None
        if max_per_sub_technology is not None:
            keep = _top_k_mask(s, int(max_per_sub_technology), fixed_idx)
        remaining = max(time_limit - (time.perf_counter() - t0), 0.1)
        got, status, _, bound, gap = _milp(
            s, w, size, (ta, tb, tv), lam, type_codes, minimum, fixed_idx, allowed, remaining, keep
        )
        if got is None:
            members = greedy_members
            method_used = f"greedy (fallback: MILP {status})"
        else:
            milp_obj = _evaluate(s, w, got, tie_adj, lam, order)[0]
            if milp_obj + 1e-9 < g_obj:
                members = greedy_members
                method_used = f"greedy (better than the MILP's {status} solution)"
            else:
                members = got
                method_used = "milp" if status == "optimal" and keep is None else f"milp ({status})"
            if keep is not None:  # the pruned model's bound is no bound of the full one
                status = f"{status}, pruned to the top {max_per_sub_technology} per sub-technology"
                bound = gap = None
    obj, cov, credited = _evaluate(s, w, members, tie_adj, lam, order)
    return Solution(
        members=members,
        objective=obj,
        coverage=cov,
        credited=credited,
        method_used=method_used,
        status=status,
        seconds=time.perf_counter() - t0,
        bound=bound,
        mip_gap=gap,
        milp_objective=milp_obj,
        greedy_objective=g_obj,
    )


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


# -- the decision -------------------------------------------------------------------------------


def _rule(params: dict[str, object]) -> Rule:
    return Rule(
        name="consortium",
        statement="Choose `size` organisations maximising Σ_j w_j·c_j + λ·Σ_{member pairs} "
        "t_ab, where c_j = max over members of s_oj is the coverage of sub-technology j "
        "(s_oj = fractional works + patents of o in j, divided by the largest in scope; each "
        "sub-technology is credited to one member, so overlapping members add nothing) and "
        "t_ab ∈ (0, 1] the pair's prior collaboration (documents behind its edge in the "
        "industry's co-authorship/co-patenting/project network over the strongest edge). "
        "Subject to: exactly `size` members, lead and must_include in, must_exclude out, "
        "at least min_types[t] members of each type t. Solved as a MILP (HiGHS), or "
        "greedily by marginal gain (method_used says which).",
        parameters=params,
        references=(
            "Nemhauser, Wolsey & Fisher 1978, doi:10.1007/BF01588971",
            "Huangfu & Hall 2018, doi:10.1007/s12532-017-0130-5",
            "Bai et al. 2021, Strategic Study of CAE, §3.2",
        ),
    )


def _check_min_types(min_types: Mapping[str, int] | None) -> dict[str, int]:
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _feasibility(
    size: int,
    types: list[str | None],
    fixed: list[int],
    min_types: dict[str, int],
    n_available: int,
    available_by_type: dict[str, int],
    where: str,
) -> None:
    """Raise InputError naming the constraint that cannot be met (complete for this model)."""
    if len(fixed) > size:
        raise InputError(
            f"lead and must_include name {_plural(len(fixed), 'organisation')} but size={size}: "
            "raise size or fix fewer members"
        )
    need = sum(min_types.values())
    if need > size:
        detail = ", ".join(f"{v} {t}" for t, v in min_types.items())
        raise InputError(
            f"min_types asks for at least {need} members ({detail}) but size={size}: "
            "raise size or lower min_types"
        )
    for t, v in min_types.items():
        avail = available_by_type.get(t, 0)
        if avail < v:
            raise InputError(
                f"min_types asks for at least {v} {t} member(s) but only "
                f"{_plural(avail, 'candidate')} of type {t!r} {where} (after must_exclude)"
            )
    fixed_by_type: dict[str, int] = {}
    for o in fixed:
        if types[o] is not None:
            fixed_by_type[types[o]] = fixed_by_type.get(types[o], 0) + 1  # type: ignore[index]
    still = {t: v - fixed_by_type.get(t, 0) for t, v in min_types.items()}
    still = {t: v for t, v in still.items() if v > 0}
    if len(fixed) + sum(still.values()) > size:
        detail = ", ".join(f"{v} more {t}" for t, v in still.items())
        raise InputError(
            f"lead and must_include fill {len(fixed)} of the {size} places, leaving "
            f"{size - len(fixed)}, but min_types still needs {detail}: raise size, fix fewer "
            "members or lower min_types"
        )
    if n_available < size:
        raise InputError(
            f"only {_plural(n_available, 'candidate')} {where} (after must_exclude) but size={size}"
        )


def consortium(
    store: Store,
    *,
    industry: str,
    sub_technologies: str | Sequence[str] | None = None,
    lead: str | None = None,
    size: int = 6,
    min_types: Mapping[str, int] | None = None,
    must_include: Collection[str] = (),
    must_exclude: Collection[str] = (),
    country: str | None = None,
    weights: Mapping[str, float] | None = None,
    tie_bonus: float = 0.05,
    time_limit: float = 10.0,
    method: str = "milp",
    max_candidates: int = 500,
    years: tuple[int, int] | None = None,
    catalog: IndustryCatalog | None = None,
) -> DecisionResult:
    r"""Design a consortium covering an industry's sub-technologies (see the module docstring).

    Parameters
    ----------
    store : Store
        The store, with organisations resolved (``resolve_organizations``).
    industry : str
        A catalog industry key.
    sub_technologies : None, "cpc_group" or sequence of str
        The columns: the industry's catalog sub-technologies (None), a subset of them by key,
        or the CPC main groups of its patents (``"cpc_group"``; patents only).
    lead : str, optional
        org_id of the lead organisation (a member, role ``lead``).
    size : int, default 6
        Number of members, the lead included.
    min_types : mapping, optional
        Minimum members per organisation type (:data:`forcemap.network.build.ORG_TYPES`),
        e.g. ``{"university": 1, "enterprise": 2}``.
    must_include, must_exclude : collections of org_id
        Organisations forced in / kept out.
    country : str, optional
        ISO alpha-2 code: candidates are that country's organisations (``lead`` and
        ``must_include`` are members wherever they are).
    weights : mapping, optional
        Weight of each sub-technology (default 1; 0 ignores one).
    tie_bonus : float, default 0.05
        λ, the bonus of a pair of members with the strongest prior tie.
    time_limit : float, default 10
        Seconds given to the MILP solver.
    method : {"milp", "greedy"}, default "milp"
    max_candidates : int, default 500
        Size of the candidate pool (by weighted total strength).
    years : (int, int), optional
        Inclusive publication / grant year window of the documents counted.
    catalog : IndustryCatalog, optional
        The industry catalog (default: the shipped one).

    Returns
    -------
    DecisionResult
        ``table``: :data:`MEMBER_SCHEMA`; ``evidence``: ``coverage`` (:data:`COVERAGE_SCHEMA`),
        ``sub_technologies`` (:data:`SUB_TECHNOLOGY_SCHEMA`), ``candidates``
        (:data:`CANDIDATE_SCHEMA`), ``strengths`` (the pool's strengths, long format).

    Raises
    ------
    InputError
        Bad arguments, organisations not resolved, no active organisation, or a request no
        consortium can meet (the message names the constraint).
    StoreError
        A query failed.
    """
    if method not in ("milp", "greedy"):
        raise InputError(f"method={method!r} must be 'milp' or 'greedy'")
    if int(size) != size or size < 1:
        raise InputError(f"size={size!r} must be a positive integer")
    size = int(size)
    if max_candidates < 1:
        raise InputError(f"max_candidates={max_candidates} must be at least 1")
    if time_limit <= 0:
        raise InputError(f"time_limit={time_limit} must be positive")
    if tie_bonus < 0:
        raise InputError(f"tie_bonus={tie_bonus} must be non-negative")
    cty = check_country(country) if country is not None else None
    y0, y1 = check_years(years)
    mins = _check_min_types(min_types)
    if industry is None:
        raise InputError("industry is required")
    cat = industry_scope(catalog, industry)
    ind = cat[industry]
    include = list(dict.fromkeys([*([lead] if lead else []), *must_include]))
    exclude = set(must_exclude)
    clash = sorted(set(include) & exclude)
    if clash:
        raise InputError(
            f"{', '.join(clash)} is both required (lead / must_include) and in must_exclude"
        )

    # columns
    subs_meta: dict[str, str]
    group_mode = isinstance(sub_technologies, str)
    if group_mode:
        if sub_technologies != "cpc_group":
            raise InputError(
                f"sub_technologies={sub_technologies!r} must be None, 'cpc_group' or a list of "
                f"sub-technology keys of {industry}"
            )
        subs_meta = {}
    else:
        all_subs = {s.key: s.name for s in ind.sub_technologies}
        if sub_technologies is None:
            subs_meta = all_subs
        else:
            unknown = [k for k in sub_technologies if k not in all_subs]
            if unknown:
                raise InputError(
                    f"unknown sub-technolog{'y' if len(unknown) == 1 else 'ies'} "
                    f"{', '.join(unknown)} of {industry}; it has: {', '.join(all_subs)}"
                )
            subs_meta = {k: all_subs[k] for k in dict.fromkeys(sub_technologies)}
        if not subs_meta:
            raise InputError(
                f"{industry} has no sub-technologies in the catalog: use "
                "sub_technologies='cpc_group'"
            )

    n_alias = store.scalar("SELECT count(*) FROM org_aliases")
    if not n_alias:
        raise InputError(
            "organisations are not resolved in this store: run "
            "forcemap.store.organizations.resolve_organizations(store) first"
        )
    work_slice = industry_works(store, industries=[industry], catalog=cat)
    patent_slice = industry_patents(store, industries=[industry], catalog=cat)
    links, _ = _sub_links(cat)
    patterns = cat.cpc_patterns()
    with store.query_cursor("consortium") as cur:
        synthetic = is_synthetic(cur)
        for name, tbl in (
            ("_ac_work_slice", work_slice),
            ("_ac_patent_slice", patent_slice),
            ("_ac_sub_links", links),
            ("_cs_patterns", patterns),
        ):
            cur.register(name, tbl)
        cur.execute(_SELECT_WORKS_SQL, {"y0": y0, "y1": y1})
        cur.execute(_SELECT_PATENTS_SQL, {"y0": y0, "y1": y1})
        cur.execute(_WEIGHTS_SQL)
        cur.execute(_GROUP_DOCS_SQL if group_mode else _CATALOG_DOCS_SQL)
        raw = cur.sql(_RAW_SQL).to_arrow_table()
        known = {
            r[0]
            for r in cur.execute(
                "SELECT org_id FROM organizations WHERE list_contains($ids, org_id)",
                {"ids": include or [""]},
            ).fetchall()
        }
        orgs = {
            r[0]: r[1:]
            for r in cur.execute(
                "SELECT org_id, name, type, country_code FROM organizations"
            ).fetchall()
        }
    missing = [o for o in include if o not in known]
    if missing:
        which = "lead" if lead in missing else "must_include"
        raise InputError(
            f"{which} organisation(s) {', '.join(missing)} not in the store's organizations"
        )
    unknown_ex = sorted(o for o in exclude if o not in orgs)

    # strengths: raw S_oj of the organisations in scope
    raw_rows = raw.to_pylist()
    if group_mode:
        subs_meta = {k: k for k in sorted({r["sub_technology"] for r in raw_rows})}
        if not subs_meta:
            raise InputError(f"no patent of {industry} in the store: no CPC group to cover")
    col_keys = list(subs_meta)
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

    def in_scope(o: str) -> bool:
        if o in include:
            return True
        if o not in orgs:
            return False
        return cty is None or (orgs[o][2] or "").upper() == cty

    scope_ids = sorted({r["org_id"] for r in raw_rows if in_scope(r["org_id"])} | set(include))
    if not [o for o in scope_ids if o not in include]:
        where = f"of {cty}" if cty else ""
        raise InputError(
            f"no organisation {where} has works or patents in the sub-technologies of "
            f"{industry}".replace("  ", " ")
        )
    sidx = {o: i for i, o in enumerate(scope_ids)}
    rr = [r for r in raw_rows if r["org_id"] in sidx and r["sub_technology"] in col_of]
    raw_m = sp.csr_matrix(
        (
            np.array([r["raw_strength"] for r in rr], np.float64),
            (
                np.array([sidx[r["org_id"]] for r in rr], np.int64),
                np.array([col_of[r["sub_technology"]] for r in rr], np.int64),
            ),
        ),
        shape=(len(scope_ids), len(col_keys)),
    )
    col_max = raw_m.max(axis=0).toarray().ravel()
    norm = sp.csr_matrix(
        raw_m @ sp.diags(np.divide(1.0, col_max, where=col_max > 0, out=np.zeros_like(col_max)))
    )
    weighted = np.asarray(norm @ w).ravel()

    # candidate pool
    rank = np.lexsort((np.array(scope_ids), -weighted))
    eligible = [i for i in rank.tolist() if scope_ids[i] not in exclude]
    pool = set(eligible[:max_candidates]) | {sidx[o] for o in include}
    for t in mins:
        of_type = [i for i in eligible if orgs.get(scope_ids[i], (None, None, None))[1] == t]
        pool |= set(of_type[:size])
    pool_idx = sorted(pool, key=lambda i: (-weighted[i], scope_ids[i]))
    pid = [scope_ids[i] for i in pool_idx]
    ptypes = [orgs[o][1] if o in orgs else None for o in pid]
    fixed = [pid.index(o) for o in include]
    by_type: dict[str, int] = {}
    for t in ptypes:
        if t is not None:
            by_type[t] = by_type.get(t, 0) + 1
    where = f"in {cty} are active in {industry}" if cty else f"are active in {industry}"
    _feasibility(size, ptypes, fixed, mins, len(pid), by_type, where)

    s_pool = norm[pool_idx]
    raw_pool = raw_m[pool_idx]
    # prior ties among the pool
    concepts = sorted({*ind.concepts, *(c for s in ind.sub_technologies for c in s.concepts)})
    topics = sorted({*ind.topics, *(t for s in ind.sub_technologies for t in s.topics)})
    cpc = sorted({*ind.cpc, *(p for s in ind.sub_technologies for p in s.cpc)})
    net = build_network(
        store, kind="org_collaboration", concepts=concepts, topics=topics, cpc=cpc, years=years
    )
    ppos = {o: i for i, o in enumerate(pid)}
    ta: list[int] = []
    tb: list[int] = []
    tw: list[float] = []
    for e in net.edges.select(["source", "target", "n_docs"]).to_pylist():
        a, b = ppos.get(e["source"]), ppos.get(e["target"])
        if a is not None and b is not None and a != b:
            ta.append(a)
            tb.append(b)
            tw.append(float(e["n_docs"]))
    tmax = max(tw) if tw else 1.0
    tnorm = [v / tmax for v in tw]

    sol = solve_consortium(
        s_pool,
        size=size,
        weights=w,
        ties=(ta, tb, tnorm),
        tie_bonus=tie_bonus,
        types=ptypes,
        min_types=mins,
        fixed=fixed,
        method=method,
        time_limit=time_limit,
    )

    # -- tables
    members = sol.members.tolist()
    chosen = set(members)
    tie_of: dict[int, list[int]] = {i: [] for i in members}
    for a, b in zip(ta, tb, strict=True):
        if a in chosen and b in chosen:
            tie_of[a].append(b)
            tie_of[b].append(a)
    lead_i = ppos[lead] if lead else None
    rows = []
    for i in members:
        o = pid[i]
        name, typ, cc = orgs.get(o, (None, None, None))
        row = s_pool.getrow(i)
        cred = [j for j in range(len(col_keys)) if sol.credited[j] == i]
        contribution = float(sum(w[j] * sol.coverage[j] for j in cred))
        parts = []
        for j in cred:
            v = sol.coverage[j]
            note = "strongest candidate there" if v >= 1 - 1e-9 else f"{v:.2f} of the strongest"
            parts.append(f"{col_keys[j]} ({note})")
        why = "covers " + ", ".join(parts) if parts else "credited with no sub-technology"
        if o == lead:
            why = "lead (required); " + why
        elif o in include:
            why = "must_include (required); " + why
        if tie_of[i]:
            names = [orgs.get(pid[b], (pid[b],))[0] or pid[b] for b in sorted(tie_of[i])]
            why += "; prior ties with " + ", ".join(names)
        rows.append(
            {
                "industry": industry,
                "org_id": o,
                "name": name,
                "type": typ,
                "country_code": cc,
                "role": "lead" if i == lead_i else "member",
                "strength": float(row.sum()),
                "raw_strength": float(raw_pool.getrow(i).sum()),
                "contribution": contribution,
                "covers": [col_keys[j] for j in cred],
                "ties": sorted(pid[b] for b in tie_of[i]),
                "why": why,
            }
        )
    rows.sort(key=lambda r: (r["role"] != "lead", -r["contribution"], r["org_id"]))
    table = pa.Table.from_pylist(rows, schema=MEMBER_SCHEMA)

    cov_rows = []
    dense_s = s_pool[members].toarray() if members else np.zeros((0, len(col_keys)))
    dense_r = raw_pool[members].toarray() if members else np.zeros((0, len(col_keys)))
    for j, key in enumerate(col_keys):
        for k, i in enumerate(members):
            cov_rows.append(
                {
                    "sub_technology": key,
                    "org_id": pid[i],
                    "strength": float(dense_s[k, j]),
                    "raw_strength": float(dense_r[k, j]),
                    "credited": bool(sol.credited[j] == i),
                    "coverage": float(sol.coverage[j]),
                }
            )
    coverage = pa.Table.from_pylist(cov_rows, schema=COVERAGE_SCHEMA)
    best = np.asarray(raw_m.argmax(axis=0)).ravel()
    sub_rows = [
        {
            "sub_technology": key,
            "name": subs_meta[key],
            "weight": float(w[j]),
            "coverage": float(sol.coverage[j]),
            "credited_to": pid[sol.credited[j]] if sol.credited[j] >= 0 else None,
            "best_candidate": scope_ids[best[j]] if col_max[j] > 0 else None,
            "best_raw_strength": float(col_max[j]),
        }
        for j, key in enumerate(col_keys)
    ]
    sub_table = pa.Table.from_pylist(sub_rows, schema=SUB_TECHNOLOGY_SCHEMA)
    cand_rows = []
    str_rows = []
    for k, i in enumerate(pool_idx):
        o = pid[k]
        name, typ, cc = orgs.get(o, (None, None, None))
        row = norm.getrow(i)
        rrow = raw_m.getrow(i)
        cand_rows.append(
            {
                "org_id": o,
                "name": name,
                "type": typ,
                "country_code": cc,
                "strength": float(row.sum()),
                "weighted_strength": float(weighted[i]),
                "raw_strength": float(rrow.sum()),
                "sub_technologies": int(row.nnz),
                "chosen": k in chosen,
            }
        )
        for j, v, rv in zip(row.indices, row.data, rrow.data, strict=True):
            str_rows.append(
                {
                    "org_id": o,
                    "sub_technology": col_keys[j],
                    "raw_strength": float(rv),
                    "strength": float(v),
                }
            )
    candidates = pa.Table.from_pylist(cand_rows, schema=CANDIDATE_SCHEMA)
    strengths = pa.Table.from_pylist(str_rows, schema=_STRENGTH_SCHEMA)

    params: dict[str, object] = {
        "industry": industry,
        "sub_technologies": "cpc_group" if group_mode else list(col_keys),
        "size": size,
        "lead": lead,
        "min_types": mins,
        "must_include": list(must_include),
        "must_exclude": sorted(exclude),
        "country": cty,
        "weights": {k: float(w[j]) for j, k in enumerate(col_keys)},
        "tie_bonus": tie_bonus,
        "years": [y0, y1] if years else None,
        "strength": "fractional works + fractional patents per sub-technology, / max in scope",
        "max_candidates": max_candidates,
        "n_candidates": len(pid),
        "n_prior_ties": len(ta),
        "method": method,
        "method_used": sol.method_used,
        "solver_status": sol.status,
        "time_limit": time_limit,
        "objective": round(sol.objective, 9),
        "coverage_objective": round(float(w @ sol.coverage), 9),
        "milp_objective": None if sol.milp_objective is None else round(sol.milp_objective, 9),
        "greedy_objective": None
        if sol.greedy_objective is None
        else round(sol.greedy_objective, 9),
        "mip_gap": sol.mip_gap,
    }
    caveats: list[str] = []
    if sol.method_used.startswith("greedy"):
        caveats.append(
            f"Members chosen by the GREEDY heuristic ({sol.method_used}), not a proven optimum: "
            "greedy max coverage reaches at least 1 − 1/e of the optimum without type "
            "constraints."
        )
    elif sol.method_used != "milp":
        caveats.append(
            f"The MILP stopped before proving optimality ({sol.status}); "
            f"relative gap {sol.mip_gap}."
        )
    uncovered = [col_keys[j] for j in range(len(col_keys)) if sol.coverage[j] <= 0 and w[j] > 0]
    if uncovered:
        caveats.append(f"No member is active in: {', '.join(uncovered)}.")
    if unknown_ex:
        caveats.append(
            f"must_exclude names organisations not in the store: {', '.join(unknown_ex)}."
        )
    foreign = [
        o for o in include if cty and (orgs.get(o, (None, None, ""))[2] or "").upper() != cty
    ]
    if foreign:
        caveats.append(f"Required members outside {cty}: {', '.join(foreign)}.")
    idle = [o for o in include if norm.getrow(sidx[o]).nnz == 0]
    if idle:
        caveats.append(
            f"Required members without works or patents in the sub-technologies: {', '.join(idle)}."
        )
    if len(scope_ids) > len(pid):
        caveats.append(
            f"Candidates limited to {len(pid)} of the {len(scope_ids)} active organisations "
            "(max_candidates, by weighted total strength)."
        )
    if group_mode:
        caveats.append("Columns are CPC main groups: only patents count (works carry no CPC).")
    if synthetic:
        caveats.append("SYNTHETIC DATA: the store holds records from a synthetic world.")
    return DecisionResult(
        name="consortium",
        table=table,
        rule=_rule(params),
        evidence={
            "coverage": coverage,
            "sub_technologies": sub_table,
            "candidates": candidates,
            "strengths": strengths,
        },
        caveats=caveats,
        synthetic=synthetic,
    )
