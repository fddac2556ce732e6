"""Budget allocation over candidate projects by expected strategic value (the allocation
model of :mod:`forcemap.decide.portfolio`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from forcemap.decide._scope import register
from forcemap.decide.params import ALLOCATE, AllocateParams
from forcemap.decide.portfolio._common import PARTICIPANT_KEYS_SQL, median
from forcemap.decide.portfolio._knapsack import Allocation, balance, solve_allocation
from forcemap.decide.portfolio.review import project_review
from forcemap.decide.result import DecisionResult, Rule, check_weights, is_synthetic
from forcemap.errors import InputError
from forcemap.store.store import Store

__all__ = [
    "ALLOCATION_SCHEMA",
    "DEFAULT_POSITIONING_VALUES",
    "FINISHED_STATUSES",
    "INDUSTRY_SCHEMA",
    "VALUE_COMPONENTS",
    "allocate_budget",
]

VALUE_COMPONENTS = ("industry_priority", "positioning", "bottleneck", "performance")
DEFAULT_POSITIONING_VALUES = {"catch-up": 1.0, "parallel": 0.5, "leading": 0.25}
FINISHED_STATUSES = frozenset(
    {"completed", "complete", "finished", "closed", "ended", "terminated", "withdrawn",
     "cancelled", "canceled"}
)  # fmt: skip
"""Statuses (lower case) that take a project out of the default candidates."""

ALLOCATION_SCHEMA = pa.schema(
    [
        ("project_id", pa.string()),
        ("title", pa.string()),
        ("selected", pa.bool_()),
        ("cost", pa.float64()),
        ("value", pa.float64()),
        ("value_per_million", pa.float64()),
        ("industry", pa.string()),
        ("industry_basis", pa.string()),
        ("industry_priority", pa.float64()),
        ("positioning_class", pa.string()),
        ("positioning", pa.float64()),
        ("bottleneck", pa.float64()),
        ("bottleneck_groups", pa.string()),
        ("performance", pa.float64()),
        ("performance_basis", pa.string()),
        ("recommendation", pa.string()),
    ]
)
"""Output of :func:`allocate_budget` (one row per candidate; selected first, by value)."""

INDUSTRY_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("candidates", pa.int64()),
        ("selected", pa.int64()),
        ("cost_selected", pa.float64()),
        ("budget_share", pa.float64()),
        ("min_projects", pa.int64()),
        ("max_share", pa.float64()),
    ]
)
"""``evidence["industries"]`` of :func:`allocate_budget`."""


# Fractional industry shares of documents (_pf_wi: work_id, industry; _pf_pi: patent_id, industry).
_DOC_INDUSTRY_SQL = """
CREATE OR REPLACE TEMP TABLE _pf_di AS
SELECT 'work' AS output_type, work_id AS output_id, industry,
       1.0 / count(*) OVER (PARTITION BY work_id) AS w
FROM (SELECT DISTINCT work_id, industry FROM _pf_wi)
UNION ALL
SELECT 'patent', patent_id, industry, 1.0 / count(*) OVER (PARTITION BY patent_id)
FROM (SELECT DISTINCT patent_id, industry FROM _pf_pi)
"""

_INDUSTRY_BY_OUTPUTS_SQL = """
SELECT o.project_id, d.industry, sum(d.w) AS v
FROM (SELECT DISTINCT project_id, output_type, output_id FROM _pf_rev_out) AS o
JOIN _pf_di AS d USING (output_type, output_id)
GROUP BY ALL
"""

# Participants' own documents: every work / patent whose actors match a participant key (the
# actor's raw id or the organisation it resolves to).
_INDUSTRY_BY_PARTICIPANTS_SQL = """
WITH ia AS (
    SELECT source_id, org_id FROM org_aliases WHERE source = 'institution'
), aa AS (
    SELECT source_id, org_id FROM org_aliases WHERE source = 'assignee'
), act AS (
    SELECT 'work' AS output_type, work_id AS output_id, institution_id AS k
    FROM authorships WHERE institution_id IS NOT NULL
    UNION ALL
    SELECT 'work', a.work_id, ia.org_id
    FROM authorships AS a JOIN ia ON ia.source_id = a.institution_id
    UNION ALL
    SELECT 'patent', patent_id, assignee_id
    FROM patent_assignees WHERE assignee_id IS NOT NULL
    UNION ALL
    SELECT 'patent', a.patent_id, aa.org_id
    FROM patent_assignees AS a JOIN aa ON aa.source_id = a.assignee_id
), pk AS (
    SELECT DISTINCT project_id, k FROM _pf_pk
    WHERE project_id IN (SELECT project_id FROM _pf_need)
), docs AS (
    SELECT DISTINCT pk.project_id, act.output_type, act.output_id
    FROM pk JOIN act ON act.k = pk.k
)
SELECT docs.project_id, d.industry, sum(d.w) AS v
FROM docs JOIN _pf_di AS d USING (output_type, output_id)
GROUP BY ALL
"""

_BOTTLENECK_TOUCH_SQL = """
WITH sym AS (
    SELECT patent_id,
           upper(replace(coalesce(cpc_subgroup, cpc_group), ' ', '')) AS sym,
           upper(replace(cpc_group, ' ', '')) AS grp
    FROM patent_cpc
), g AS (
    SELECT DISTINCT patent_id,
           CASE WHEN contains(sym, '/') THEN split_part(sym, '/', 1) || '/00' ELSE grp END AS cpc
    FROM sym WHERE sym IS NOT NULL
)
SELECT DISTINCT o.project_id, b.cpc, b.score
FROM (SELECT DISTINCT project_id, output_id FROM _pf_rev_out
      WHERE output_type = 'patent' AND in_store) AS o
JOIN g ON g.patent_id = o.output_id
JOIN _pf_bn AS b ON b.cpc = g.cpc
ORDER BY o.project_id, b.score DESC, b.cpc
"""


def _argmax_industry(rows: list[tuple[str, str, float]]) -> dict[str, str]:
    best: dict[str, tuple[float, str]] = {}
    for pid, ind, v in rows:
        cur = best.get(pid)
        if cur is None or v > cur[0] + 1e-12 or (abs(v - cur[0]) <= 1e-12 and ind < cur[1]):
            best[pid] = (v, ind)
    return {pid: ind for pid, (_, ind) in best.items()}


def _allocation_rule(params: dict[str, Any]) -> Rule:
    return Rule(
        name="allocate_budget",
        statement="Choose candidate projects (cost = requested budget) maximising Σ value "
        "subject to Σ cost ≤ budget, at least min_per_industry projects per industry and at "
        "most max_share_per_industry of the budget per industry (0/1 knapsack, HiGHS MILP). "
        "Value = w_priority × industry priority ÷ max priority + w_positioning × value of the "
        "country's positioning class in the project's industry (catch-up 1, parallel 0.5, "
        "leading 0.25 by default) + w_bottleneck × the largest bottleneck score among the "
        "country's bottleneck CPC groups the project's patents touch ÷ the largest bottleneck "
        "score + w_performance × the project-review score (median of judged projects for "
        "projects too young to judge). The project's industry is the one holding the largest "
        "fractional share of its outputs, else of its participants' works and patents.",
        parameters=params,
        references=(
            "Bai et al. 2021, Strategic Study of CAE, §4.1",
            "Huangfu & Hall 2018, Math. Prog. Comp. 10 (HiGHS)",
        ),
    )


def _check_allocation(
    budget: float,
    weights: Mapping[str, float] | None,
    positioning_values: Mapping[str, float] | None,
    industry_priority: Mapping[str, float] | None,
    country: str,
) -> tuple[float, dict[str, float], dict[str, float], str]:
    """The checked budget, value weights, positioning values and country."""
    if budget is None or not math.isfinite(float(budget)) or budget < 0:
        raise InputError(f"budget={budget!r} must be a non-negative number")
    w = check_weights(weights, VALUE_COMPONENTS, "allocation")
    pos_values = dict(DEFAULT_POSITIONING_VALUES)
    if positioning_values is not None:
        pos_values.update({k: float(v) for k, v in positioning_values.items()})
    if any(not 0 <= v <= 1 for v in pos_values.values()):
        raise InputError(f"positioning_values must be in [0, 1]: {pos_values}")
    p = AllocateParams(
        country=country,
        weights=weights,
        industry_priority=industry_priority,
        positioning_values=positioning_values,
    )
    return float(budget), w, pos_values, p.country


_Projects = dict[str, tuple[Any, ...]]


def _candidates(
    store: Store, candidates: Sequence[str] | None, caveats: list[str]
) -> tuple[bool, _Projects, list[str]]:
    """(synthetic, project → (title, budget, status, currency), the candidates with a
    budget); the caveats say who was left out and why."""
    with store.query_cursor("portfolio") as cur:
        synthetic = is_synthetic(cur)
        proj = {
            r[0]: r[1:]
            for r in cur.execute(
                """SELECT project_id, any_value(title), any_value(budget), any_value(status),
                          any_value(currency)
                   FROM projects GROUP BY project_id ORDER BY project_id"""
            ).fetchall()
        }
    if candidates is None:
        cand = [
            p for p, r in proj.items() if str(r[2] or "").strip().lower() not in FINISHED_STATUSES
        ]
        if not cand:
            cand = list(proj)
            caveats.append(
                "Every project is finished or withdrawn: all projects were taken as candidates."
            )
    else:
        cand = list(dict.fromkeys(candidates))
        unknown = [p for p in cand if p not in proj]
        if unknown:
            raise InputError(f"unknown candidate project id(s): {', '.join(unknown[:10])}")
    no_budget = [p for p in cand if proj[p][1] is None]
    cand = [p for p in cand if proj[p][1] is not None]
    if no_budget:
        caveats.append(
            f"{len(no_budget)} candidate(s) have no budget and were left out: "
            f"{', '.join(no_budget[:10])}{' …' if len(no_budget) > 10 else ''}."
        )
    if not cand:
        raise InputError("no candidate project with a budget to allocate")
    currencies = sorted({proj[p][3] for p in cand if proj[p][3]})
    if len(currencies) > 1:
        caveats.append(
            f"Candidates' budgets are in {len(currencies)} currencies ({', '.join(currencies)})"
            " and are compared as stored, without conversion."
        )
    return synthetic, proj, cand


def _positioning_classes(store: Store, cty: str, caveats: list[str]) -> dict[str, str]:
    """Industry → positioning class of the country (empty, with a caveat, when none)."""
    try:
        from forcemap.decide.positioning import positioning

        pos = positioning(store, country=cty)
        return {r["unit"]: r["class"] for r in pos.table.to_pylist()}
    except InputError as e:
        caveats.append(f"No positioning could be computed ({e}): the positioning term is 0.")
        return {}


def _bottleneck_touch(
    store: Store, cty: str, review: DecisionResult, caveats: list[str]
) -> tuple[dict[str, list[tuple[str, float]]], float]:
    """Project → the bottleneck CPC groups its patents touch with their scores, and the
    largest bottleneck score."""
    from forcemap.decide.bottlenecks import bottlenecks

    bn = bottlenecks(store, country=cty, with_trade=False)
    touch: dict[str, list[tuple[str, float]]] = {}
    max_bn = max(bn.table["score"].to_pylist(), default=0.0) or 0.0
    if bn.table.num_rows and max_bn > 0:
        with store.query_cursor("portfolio") as cur:
            register(cur, "_pf_rev_out", review.evidence["outputs"])
            register(
                cur,
                "_pf_bn",
                bn.table.group_by("cpc")
                .aggregate([("score", "max")])
                .rename_columns(["cpc", "score"]),
            )
            for pid, cpc, score in cur.execute(_BOTTLENECK_TOUCH_SQL).fetchall():
                touch.setdefault(pid, []).append((cpc, float(score)))
    else:
        caveats.append(
            f"{cty} has no bottleneck candidates in the store: the bottleneck term is 0."
        )
    return touch, max_bn


def _performance(r: dict[str, Any] | None, prior: float | None) -> tuple[float, str]:
    """The performance term of a project from its review row, and its basis."""
    if r is None:
        return 0.0, "not reviewed (starts after as_of)"
    if not r["judged"]:
        return (prior or 0.0), "neutral prior (too young to judge)"
    if r["score"] is None:
        return 0.0, "no score"
    return float(r["score"]), "review score"


def _value_rows(
    cand: list[str],
    proj: _Projects,
    rev: dict[str, dict[str, Any]],
    industries: dict[str, str],
    basis: dict[str, str],
    prio: dict[str, float],
    pos_class: dict[str, str],
    pos_values: dict[str, float],
    touch: dict[str, list[tuple[str, float]]],
    max_bn: float,
    w: dict[str, float],
    prior: float | None,
) -> list[dict[str, Any]]:
    """One row of :data:`ALLOCATION_SCHEMA` per candidate, not yet selected."""
    rows: list[dict[str, Any]] = []
    for p in cand:
        title, cost, _, _ = proj[p]
        ind = industries.get(p)
        cls = pos_class.get(ind) if ind else None
        r = rev.get(p)
        perf, perf_basis = _performance(r, prior)
        groups = touch.get(p, [])
        bnv = max((s for _, s in groups), default=0.0) / max_bn if max_bn > 0 else 0.0
        comps = {
            "industry_priority": prio.get(ind, 0.0) if ind else 0.0,
            "positioning": pos_values.get(cls, 0.0) if cls else 0.0,
            "bottleneck": bnv,
            "performance": perf,
        }
        value = sum(w[k] * comps[k] for k in VALUE_COMPONENTS)
        rows.append(
            {
                "project_id": p,
                "title": title,
                "selected": False,
                "cost": float(cost),
                "value": value,
                "value_per_million": value / cost * 1e6 if cost > 0 else None,
                "industry": ind,
                "industry_basis": basis.get(p),
                "industry_priority": comps["industry_priority"],
                "positioning_class": cls,
                "positioning": comps["positioning"],
                "bottleneck": bnv,
                "bottleneck_groups": ", ".join(c for c, _ in groups) or None,
                "performance": perf,
                "performance_basis": perf_basis,
                "recommendation": r["recommendation"] if r else None,
            }
        )
    return rows


def _industry_table(
    rows: list[dict[str, Any]],
    groups_l: list[str | None],
    budget: float,
    min_per_industry: int | Mapping[str, int] | None,
    max_share_per_industry: float | Mapping[str, float] | None,
) -> pa.Table:
    """``evidence["industries"]`` (:data:`INDUSTRY_SCHEMA`)."""
    mins_d, caps_d = balance(groups_l, min_per_industry, max_share_per_industry)
    ind_rows = []
    for ind in sorted({g for g in groups_l if g is not None} | set(mins_d) | set(caps_d)):
        sel = [r for r in rows if r["industry"] == ind and r["selected"]]
        spent = sum(r["cost"] for r in sel)
        ind_rows.append(
            {
                "industry": ind,
                "candidates": sum(r["industry"] == ind for r in rows),
                "selected": len(sel),
                "cost_selected": spent,
                "budget_share": spent / budget if budget > 0 else None,
                "min_projects": mins_d.get(ind, 0),
                "max_share": caps_d.get(ind),
            }
        )
    return pa.Table.from_pylist(ind_rows, schema=INDUSTRY_SCHEMA)


def _solver_table(sol: Allocation, budget: float, n_candidates: int) -> pa.Table:
    """``evidence["solver"]``: method, status, objective, bound, spent."""
    return pa.table(
        {
            "method_used": [sol.method_used],
            "status": [sol.status],
            "objective": pa.array([sol.objective], pa.float64()),
            "bound": pa.array([sol.bound], pa.float64()),
            "mip_gap": pa.array([sol.mip_gap], pa.float64()),
            "greedy_objective": pa.array([sol.greedy_objective], pa.float64()),
            "budget": pa.array([budget], pa.float64()),
            "spent": pa.array([sol.cost], pa.float64()),
            "candidates": pa.array([n_candidates], pa.int64()),
            "selected": pa.array([int(sol.selected.size)], pa.int64()),
            "seconds": pa.array([sol.seconds], pa.float64()),
        }
    )


def _warn_allocation(
    result: DecisionResult,
    sol: Allocation,
    rows: list[dict[str, Any]],
    prior: float | None,
    industry_priority: Mapping[str, float] | None,
    review: DecisionResult,
) -> None:
    """The caveats that depend on the selection."""
    if sol.method_used != "milp":
        result.warn(
            f"Selection by {sol.method_used}: not a proven optimum (MILP status: {sol.status})."
        )
    unassigned = [r["project_id"] for r in rows if r["industry"] is None]
    if unassigned:
        result.warn(
            f"{len(unassigned)} candidate(s) could not be linked to an industry (no outputs or "
            "participant documents in the catalog's industries): no industry priority, "
            "positioning or balance constraint applies to them."
        )
    young = sum(r["performance_basis"].startswith("neutral") for r in rows)
    if young:
        pr = "0" if prior is None else f"{prior:.3f}"
        result.warn(
            f"{young} candidate(s) are too young to judge: their performance is the median "
            f"score of the judged projects ({pr})."
        )
    flagged = [r["project_id"] for r in rows if r["selected"] and r["recommendation"] == "withdraw"]
    if flagged:
        result.warn(
            f"{len(flagged)} selected project(s) are recommended for withdrawal by the review "
            f"({', '.join(flagged[:10])}{' …' if len(flagged) > 10 else ''}): their strategic "
            "terms outweigh their performance; raise the performance weight or leave them out "
            "of the candidates."
        )
    if industry_priority is None:
        result.warn("No industry_priority given: every industry has priority 1.")
    for c in review.caveats:
        if c.startswith("SYNTHETIC"):
            result.warn(c)


def allocate_budget(
    store: Store,
    *,
    budget: float,
    candidates: Sequence[str] | None = None,
    country: str = ALLOCATE.country,
    weights: Mapping[str, float] | None = ALLOCATE.weights,
    industry_priority: Mapping[str, float] | None = ALLOCATE.industry_priority,
    min_per_industry: int | Mapping[str, int] | None = ALLOCATE.min_per_industry,
    max_share_per_industry: float | Mapping[str, float] | None = ALLOCATE.max_share_per_industry,
    time_limit: float = ALLOCATE.time_limit,
    method: str = ALLOCATE.method,
    positioning_values: Mapping[str, float] | None = ALLOCATE.positioning_values,
    project_industries: Mapping[str, str] | None = None,
    review: DecisionResult | None = None,
    as_of: date | str | None = None,
) -> DecisionResult:
    r"""Allocate ``budget`` over candidate projects by expected strategic value.

    Implements the allocation model of this module's docstring.

    Parameters
    ----------
    store : Store
        The store.
    budget : float
        The money to allocate, in the unit of ``projects.budget``.
    candidates : sequence of str, optional
        Project ids; default: every project whose ``status`` is not in
        :data:`FINISHED_STATUSES` (every project when that leaves none). Candidates without a
        budget are left out (caveat).
    country : str, default "CN"
        The home country of the positioning and bottleneck terms.
    weights : mapping, optional
        Weights of ``industry_priority``, ``positioning``, ``bottleneck``, ``performance``
        (default 1 each).
    industry_priority : mapping, optional
        Industry → weight ≥ 0 (default: 1 for every industry; industries left out get 0
        when a mapping is given).
    min_per_industry : int or mapping, optional
        Minimum number of selected projects per industry (a number applies to every industry
        among the candidates).
    max_share_per_industry : float or mapping, optional
        Maximum share of ``budget`` spent per industry, in [0, 1].
    time_limit : float, default 10
        Seconds given to the MILP solver.
    method : {"milp", "greedy"}, default "milp"
    positioning_values : mapping, optional
        Class → value (default :data:`DEFAULT_POSITIONING_VALUES`).
    project_industries : mapping, optional
        Project id → industry, overriding the derived industry (basis ``given``).
    review : DecisionResult, optional
        A :func:`project_review` result to reuse (default: computed with its defaults and
        ``as_of``).
    as_of : date or str, optional
        Passed to :func:`project_review`.

    The defaults are those of :class:`~forcemap.decide.params.AllocateParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`ALLOCATION_SCHEMA`; ``evidence["industries"]``
        (:data:`INDUSTRY_SCHEMA`), ``evidence["solver"]`` (method, status, objective, bound,
        spent), ``evidence["review"]`` (the review table).

    Raises
    ------
    InputError
        Bad parameters, unknown candidates, no candidate with a budget.
    InfeasibleError
        Constraints no selection can meet (the message names the constraint).
    StoreError
        A query failed.
    """
    budget, w, pos_values, cty = _check_allocation(
        budget, weights, positioning_values, industry_priority, country
    )
    caveats: list[str] = []
    if review is None:
        review = project_review(store, as_of=as_of)
    rev = {r["project_id"]: r for r in review.table.to_pylist()}
    synthetic, proj, cand = _candidates(store, candidates, caveats)
    industries, basis = _industries(store, review, cand, project_industries)
    pos_class = _positioning_classes(store, cty, caveats)
    touch, max_bn = _bottleneck_touch(store, cty, review, caveats)
    if industry_priority is None:
        prio = {ind: 1.0 for ind in set(industries.values())}
    else:
        top = max((float(v) for v in industry_priority.values()), default=0.0)
        prio = {k: (float(v) / top if top > 0 else 0.0) for k, v in industry_priority.items()}
    judged_scores = [r["score"] for r in rev.values() if r["judged"] and r["score"] is not None]
    prior = median(judged_scores)
    rows = _value_rows(
        cand, proj, rev, industries, basis, prio, pos_class, pos_values, touch, max_bn, w, prior
    )
    groups_l = [r["industry"] for r in rows]
    for k in (min_per_industry, max_share_per_industry):
        if isinstance(k, Mapping):
            extra = sorted(set(k) - set(groups_l))
            if extra:
                caveats.append(
                    f"Balance constraints name industries without candidates: {', '.join(extra)}."
                )
    sol = solve_allocation(
        np.array([r["cost"] for r in rows]),
        np.array([r["value"] for r in rows]),
        budget,
        groups=groups_l,
        min_per_group=min_per_industry,
        max_share_per_group=max_share_per_industry,
        time_limit=time_limit,
        method=method,
    )
    for i in sol.selected.tolist():
        rows[i]["selected"] = True
    rows.sort(key=lambda r: (not r["selected"], -r["value"], r["cost"], r["project_id"]))
    params: dict[str, Any] = {
        "budget": budget,
        "country": cty,
        "weights": w,
        "industry_priority": dict(industry_priority) if industry_priority else "equal",
        "positioning_values": pos_values,
        "min_per_industry": min_per_industry,
        "max_share_per_industry": max_share_per_industry,
        "time_limit": time_limit,
        "method": method,
        "method_used": sol.method_used,
        "as_of": review.rule.parameters.get("as_of"),
    }
    result = DecisionResult(
        name="allocate_budget",
        table=pa.Table.from_pylist(rows, schema=ALLOCATION_SCHEMA),
        rule=_allocation_rule(params),
        evidence={
            "industries": _industry_table(
                rows, groups_l, budget, min_per_industry, max_share_per_industry
            ),
            "solver": _solver_table(sol, budget, len(rows)),
            "review": review.table,
        },
        caveats=caveats,
        synthetic=synthetic,
        solve=sol.solve,
    )
    _warn_allocation(result, sol, rows, prior, industry_priority, review)
    return result


def _industries(
    store: Store,
    review: DecisionResult,
    cand: list[str],
    given: Mapping[str, str] | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Project → industry and the basis it came from (given / outputs / participants)."""
    from forcemap.store.slices import industry_patents, industry_works

    out: dict[str, str] = {}
    basis: dict[str, str] = {}
    for p, ind in (given or {}).items():
        if p in cand and ind:
            out[p], basis[p] = str(ind), "given"
    need = [p for p in cand if p not in out]
    if not need:
        return out, basis
    wi = industry_works(store)
    pi = industry_patents(store).select(["patent_id", "industry"])
    with store.query_cursor("portfolio") as cur:
        register(cur, "_pf_wi", wi)
        register(cur, "_pf_pi", pi)
        register(cur, "_pf_rev_out", review.evidence["outputs"])
        cur.execute(_DOC_INDUSTRY_SQL)
        by_out = _argmax_industry(cur.execute(_INDUSTRY_BY_OUTPUTS_SQL).fetchall())
        for p in need:
            if p in by_out:
                out[p], basis[p] = by_out[p], "outputs"
        rest = [p for p in need if p not in out]
        if rest:
            register(cur, "_pf_need", pa.table({"project_id": pa.array(rest, pa.string())}))
            cur.execute(PARTICIPANT_KEYS_SQL)
            by_part = _argmax_industry(cur.execute(_INDUSTRY_BY_PARTICIPANTS_SQL).fetchall())
            for p in rest:
                if p in by_part:
                    out[p], basis[p] = by_part[p], "participants"
    return out, basis
