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

:math:`W_j` the industry's works carrying one of *j*'s concepts (score ≥
``concept_min_score``, 0.3) or topics, :math:`P_j` the industry's patents with a CPC symbol
matching one of *j*'s patterns (a document counts fully in every sub-technology it
reaches). The normalised strength is
:math:`s_{oj} = S_{oj} / \max_{o'} S_{o'j} \in [0, 1]`, the maximum taken over the
organisations in scope (the ``country``'s, plus ``lead`` and ``must_include``) before
``must_exclude`` is applied, so 1 means "the strongest organisation in scope".

Candidates are the ``max_candidates`` organisations in scope with the largest weighted total
:math:`\sum_j w_j s_{oj}`, plus ``lead`` and ``must_include``, plus, for every type in
``min_types``, the ``size`` strongest organisations of that type (so that truncating the pool
cannot make a type constraint infeasible); ``must_exclude`` is removed.

Model (MILP)
------------
The objective is weighted coverage **with depth** (diminishing returns) plus a tie bonus,
a monotone team-formation objective in the sense of Lappas, Liu & Terzi (2009):

.. math::

    F(C) = \sum_j w_j \sum_{r < d} \delta^r s_{(r)j}(C) \;+\; \lambda \sum_{a,b \in C} t_{ab},

:math:`s_{(r)j}(C)` the r-th largest strength in *j* among the members (r = 0 the strongest),
*d* = ``depth`` (default 3) and δ = ``depth_discount`` (default 0.5): the strongest member of
*j* counts fully, a second strong member half, a third a quarter, so depth pays but less than
a new sub-technology (``depth=1`` is plain max coverage). :math:`c_j = \sum_r \delta^r
s_{(r)j}` is the depth coverage of *j*. It is linear in binary :math:`x_o` (member),
continuous :math:`y_{ojr} \in [0, 1]` (*o* is the r-th member credited in *j*, for
:math:`s_{oj} > 0`) and :math:`z_{ab} \in [0, 1]` (a tied pair):

.. math::

    \max \sum_{j,r,o} w_j \delta^r s_{oj} y_{ojr} + \lambda \sum t_{ab} z_{ab}
    \quad\text{s.t.}\quad \sum_o x_o = \text{size},\;
    \sum_o y_{ojr} \le 1,\; \sum_r y_{ojr} \le x_o,\; z_{ab} \le x_a, x_b,\;
    \sum_{o \in T_t} x_o \ge m_t,\; x_{\text{fixed}} = 1.

For fixed *x* the *y* part is an assignment problem with decreasing rank weights δ^r, so its
optimum credits ranks in decreasing strength (rearrangement inequality): the MILP is exact.
:math:`t_{ab} = W_{ab} / \max W`, :math:`W_{ab}` the documents behind the pair's edge in the
industry's ``org_collaboration`` network (:func:`forcemap.network.build_network`:
co-authorship + co-patenting + project co-participation), λ = ``tie_bonus`` (0.05).

Every member's **contribution** is :math:`F(C) - F(C \setminus \{o\})`, what the consortium
loses without it. Members contributing nothing, or less than ``min_contribution`` · F(C)
(default 0), are removed one at a time, the smallest contribution first, unless a constraint keeps
them (``lead``, ``must_include``, a ``min_types`` count): the table's ``forced_by`` names it.
So fewer than ``size`` members are chosen when nobody else adds enough (a caveat says so).

HiGHS (:func:`forcemap.decide._solve.run_milp`) solves it within ``time_limit``;
``method="greedy"`` (or a MILP without an incumbent, or worse than greedy) adds the candidate
with the largest gain :math:`F(C \cup \{o\}) - F(C)` until nobody adds anything, restricted
to the types still short of ``min_types`` once the free places are just enough for them.
``rule.parameters["method_used"]`` says which ran; the objective is re-evaluated on the full
strength matrix.

Infeasible requests (a ``lead``/``must_include`` that is not in the store, more fixed members
than places, ``min_types`` asking for more members than ``size`` or for a type with too few
candidates, too few candidates overall) raise :class:`~forcemap.errors.InfeasibleError`
(a ``lead``/``must_include`` missing from the store: :class:`~forcemap.errors.InputError`)
whose message names the constraint that cannot be met; nothing is solved. Because every
organisation has exactly one type, these counting checks are complete: a request that passes
them always has a feasible consortium.

References
----------
Lappas, T., Liu, K. & Terzi, E. (2009). Finding a team of experts in social networks. KDD
'09, 467–476 (team formation: coverage plus communication ties).
Nemhauser, G. L., Wolsey, L. A. & Fisher, M. L. (1978). An analysis of approximations for
maximizing submodular set functions. Math. Programming 14, 265–294 (greedy max coverage).
Huangfu, Q. & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method. Math. Prog.
Comp. 10, 119–142 (HiGHS). Bai G. et al. (2021). Strategic Study of CAE 23(6), §3.2
(enterprise-led consortia with universities and institutes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from forcemap.decide._consortium_model import (
    Solution,
    check_feasible,
    check_min_types,
    column_weights,
    solve_consortium,
)
from forcemap.decide._consortium_schemas import (
    _STRENGTH_SCHEMA,
    CANDIDATE_SCHEMA,
    COVERAGE_SCHEMA,
    MEMBER_SCHEMA,
    SUB_TECHNOLOGY_SCHEMA,
)
from forcemap.decide._consortium_ties import prior_ties
from forcemap.decide._scope import at_org_level, check_years, industry_scope
from forcemap.decide.actors import (
    _SELECT_PATENTS_SQL,
    _SELECT_WORKS_SQL,
    _WEIGHTS_SQL,
    _sub_links,
)
from forcemap.decide.params import CONSORTIUM, ConsortiumParams
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.errors import InputError
from forcemap.store.org_hierarchy import ORG_LEVELS, org_level_caption, org_rollup_sql
from forcemap.store.reference import Industry, IndustryCatalog
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

# -- strengths (SQL) ---------------------------------------------------------------------------

_CATALOG_DOCS_SQL = """
CREATE OR REPLACE TEMP TABLE _cs_docs AS
SELECT DISTINCT 'w' AS kind, l.sub_technology, s.work_id AS doc_id
FROM _ac_wsel s JOIN work_concepts c USING (work_id)
JOIN _ac_sub_links l ON l.industry = s.industry AND l.kind = 'concept' AND l.id = c.concept_id
WHERE c.score >= $concept_min_score
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


# -- the decision -------------------------------------------------------------------------------


def _rule(params: dict[str, object], concept_min_score: float) -> Rule:
    level = str(params.get("org_level", "self"))
    return Rule(
        name="consortium",
        statement=(org_level_caption(level).capitalize() + ". " if level != "self" else "")
        + "Choose at most `size` organisations maximising F = Σ_j w_j·c_j + λ·Σ_{member "
        "pairs} t_ab, where c_j = Σ_{r<depth} δ^r·s_(r)j is the depth coverage of "
        "sub-technology j (s_(r)j the r-th largest member strength, s_oj = fractional works "
        "+ patents of o in j divided by the largest in scope; δ = depth_discount, so a second "
        "strong member in j adds with diminishing returns) and t_ab ∈ (0, 1] the pair's prior "
        "collaboration (documents behind its edge in the industry's co-authorship/co-patenting"
        "/project network over the strongest edge). Subject to: lead and must_include in, "
        "must_exclude out, at least min_types[t] members of each type t. Every member's "
        "contribution is F(consortium) − F(consortium without it); a member contributing "
        "nothing, or less than min_contribution·F, is dropped, the smallest first, unless a "
        "constraint keeps it (forced_by), so fewer than `size` members may be chosen. Solved "
        "as a MILP (HiGHS), or greedily by marginal gain (method_used says which).",
        parameters=params,
        references=(
            "Nemhauser, Wolsey & Fisher 1978, doi:10.1007/BF01588971",
            "Lappas, Liu & Terzi 2009, doi:10.1145/1557019.1557074",
            "Huangfu & Hall 2018, doi:10.1007/s12532-017-0130-5",
            "Bai et al. 2021, Strategic Study of CAE, §3.2",
        ),
        conventions={"concept_min_score": concept_min_score},
    )


@dataclass(frozen=True)
class _Request:
    """The checked arguments of :func:`consortium`."""

    size: int
    country: str | None
    y0: int | None
    y1: int | None
    min_types: dict[str, int]
    catalog: IndustryCatalog
    include: list[str]
    exclude: set[str]
    concept_min_score: float


def _check_request(
    *,
    industry: str,
    lead: str | None,
    size: int,
    min_types: Mapping[str, int] | None,
    must_include: Collection[str],
    must_exclude: Collection[str],
    country: str | None,
    tie_bonus: float,
    depth: int,
    depth_discount: float,
    time_limit: float,
    method: str,
    max_candidates: int,
    years: tuple[int, int] | None,
    catalog: IndustryCatalog | None,
    concept_min_score: float,
    min_contribution: float = 0.0,
) -> _Request:
    p = ConsortiumParams(
        size=size,
        country=country,
        tie_bonus=tie_bonus,
        depth=depth,
        depth_discount=depth_discount,
        time_limit=time_limit,
        method=method,
        max_candidates=max_candidates,
        years=years,
        concept_min_score=concept_min_score,
        min_contribution=min_contribution,
    )
    cty = p.country
    y0, y1 = check_years(years)
    mins = check_min_types(min_types)
    if industry is None:
        raise InputError("industry is required")
    cat = industry_scope(catalog, industry)
    include = list(dict.fromkeys([*([lead] if lead else []), *must_include]))
    exclude = set(must_exclude)
    clash = sorted(set(include) & exclude)
    if clash:
        raise InputError(
            f"{', '.join(clash)} is both required (lead / must_include) and in must_exclude"
        )
    return _Request(int(size), cty, y0, y1, mins, cat, include, exclude, p.concept_min_score)


def _columns(
    ind: Industry, sub_technologies: str | Sequence[str] | None
) -> tuple[bool, dict[str, str]]:
    """Whether the columns are CPC groups, and the catalog columns (key → name) otherwise."""
    industry = ind.key
    if isinstance(sub_technologies, str):
        if sub_technologies != "cpc_group":
            raise InputError(
                f"sub_technologies={sub_technologies!r} must be None, 'cpc_group' or a list of "
                f"sub-technology keys of {industry}"
            )
        return True, {}
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
            f"{industry} has no sub-technologies in the catalog: use sub_technologies='cpc_group'"
        )
    return False, subs_meta


_Orgs = dict[str, tuple[str | None, str | None, str | None]]


def _read_strengths(
    store: Store, req: _Request, industry: str, group_mode: bool, level: str = "self"
) -> tuple[bool, list[dict[str, object]], set[str], _Orgs]:
    """Run the strength SQL at org ``level``: (synthetic, raw S_oj rows, required ids known
    (organisations that are themselves at that level), org → (name, type, country))."""
    n_alias = store.scalar("SELECT count(*) FROM org_aliases")
    if not n_alias:
        raise InputError(
            "organisations are not resolved in this store: run "
            "forcemap.store.organizations.resolve_organizations(store) first"
        )
    cat = req.catalog
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
        cur.execute(_SELECT_WORKS_SQL, {"y0": req.y0, "y1": req.y1})
        cur.execute(_SELECT_PATENTS_SQL, {"y0": req.y0, "y1": req.y1})
        cur.execute(at_org_level(_WEIGHTS_SQL, level))
        if group_mode:
            cur.execute(_GROUP_DOCS_SQL)
        else:
            cur.execute(_CATALOG_DOCS_SQL, {"concept_min_score": req.concept_min_score})
        raw = cur.sql(_RAW_SQL).to_arrow_table()
        known = {
            r[0]
            for r in cur.execute(
                "SELECT org_id FROM "  # noqa: S608 - an allow-listed level
                + org_rollup_sql(level)
                + " WHERE list_contains($ids, org_id) AND level_id = org_id",
                {"ids": req.include or [""]},
            ).fetchall()
        }
        orgs = {
            r[0]: r[1:]
            for r in cur.execute(
                "SELECT org_id, name, type, country_code FROM organizations"
            ).fetchall()
        }
    return synthetic, raw.to_pylist(), known, orgs


@dataclass(frozen=True)
class _Strengths:
    """The strength matrices of the organisations in scope (rows ``scope_ids``)."""

    col_keys: list[str]
    w: np.ndarray
    scope_ids: list[str]
    sidx: dict[str, int]
    raw: sp.csr_matrix
    norm: sp.csr_matrix
    col_max: np.ndarray
    weighted: np.ndarray


def _strengths(
    raw_rows: list[dict[str, object]],
    col_keys: list[str],
    w: np.ndarray,
    req: _Request,
    orgs: _Orgs,
    industry: str,
) -> _Strengths:
    """Raw S_oj and normalised s_oj of the organisations in scope (the country's and the
    required ones)."""
    col_of = {k: i for i, k in enumerate(col_keys)}
    cty, include = req.country, req.include

    def in_scope(o: str) -> bool:
        if o in include:
            return True
        if o not in orgs:
            return False
        return cty is None or (orgs[o][2] or "").upper() == cty

    scope_ids = sorted(
        {str(r["org_id"]) for r in raw_rows if in_scope(str(r["org_id"]))} | set(include)
    )
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
                np.array([sidx[str(r["org_id"])] for r in rr], np.int64),
                np.array([col_of[str(r["sub_technology"])] for r in rr], np.int64),
            ),
        ),
        shape=(len(scope_ids), len(col_keys)),
    )
    col_max = raw_m.max(axis=0).toarray().ravel()
    norm = sp.csr_matrix(
        raw_m @ sp.diags(np.divide(1.0, col_max, where=col_max > 0, out=np.zeros_like(col_max)))
    )
    weighted = np.asarray(norm @ w).ravel()
    return _Strengths(col_keys, w, scope_ids, sidx, raw_m, norm, col_max, weighted)


@dataclass(frozen=True)
class _Pool:
    """The candidate pool: rows of the strength matrices, ids, types, the fixed members."""

    idx: list[int]
    ids: list[str]
    types: list[str | None]
    fixed: list[int]


def _candidate_pool(
    st: _Strengths, req: _Request, orgs: _Orgs, max_candidates: int, industry: str
) -> _Pool:
    """The strongest ``max_candidates``, the required ones and the strongest of every type
    of ``min_types``; raises when the counting checks show no consortium exists."""
    rank = np.lexsort((np.array(st.scope_ids), -st.weighted))
    eligible = [i for i in rank.tolist() if st.scope_ids[i] not in req.exclude]
    pool = set(eligible[:max_candidates]) | {st.sidx[o] for o in req.include}
    for t in req.min_types:
        of_type = [i for i in eligible if orgs.get(st.scope_ids[i], (None, None, None))[1] == t]
        pool |= set(of_type[: req.size])
    pool_idx = sorted(pool, key=lambda i: (-st.weighted[i], st.scope_ids[i]))
    pid = [st.scope_ids[i] for i in pool_idx]
    ptypes = [orgs[o][1] if o in orgs else None for o in pid]
    fixed = [pid.index(o) for o in req.include]
    by_type: dict[str, int] = {}
    for pt in ptypes:
        if pt is not None:
            by_type[pt] = by_type.get(pt, 0) + 1
    cty = req.country
    where = f"in {cty} are active in {industry}" if cty else f"are active in {industry}"
    check_feasible(req.size, ptypes, fixed, req.min_types, len(pid), by_type, where)
    return _Pool(pool_idx, pid, ptypes, fixed)


def _member_table(
    sol: Solution,
    st: _Strengths,
    pool: _Pool,
    ties: tuple[list[int], list[int]],
    orgs: _Orgs,
    industry: str,
    lead: str | None,
    include: list[str],
    min_contribution: float = 0.0,
) -> pa.Table:
    """The main table (:data:`MEMBER_SCHEMA`), the lead first."""
    col_keys, pid = st.col_keys, pool.ids
    s_pool, raw_pool = st.norm[pool.idx], st.raw[pool.idx]
    members = sol.members.tolist()
    chosen = set(members)
    tie_of: dict[int, list[int]] = {i: [] for i in members}
    for a, b in zip(*ties, strict=True):
        if a in chosen and b in chosen:
            tie_of[a].append(b)
            tie_of[b].append(a)
    lead_i = pid.index(lead) if lead else None
    rows = []
    for i in members:
        o = pid[i]
        name, typ, cc = orgs.get(o, (None, None, None))
        row = s_pool.getrow(i)
        cred = [j for j in range(len(col_keys)) if sol.credited[j] == i]
        k = members.index(i)
        contribution = float(sol.marginal[k])
        added = [col_keys[j] for j in sol.adds[k]]
        s_i = row.toarray().ravel()
        parts = []
        for j in sol.adds[k]:
            v = s_i[j]
            note = "strongest candidate there" if v >= 1 - 1e-9 else f"{v:.2f} of the strongest"
            first = "" if sol.credited[j] == i else ", depth"
            parts.append(f"{col_keys[j]} ({note}{first})")
        why = "adds " + ", ".join(parts) if parts else "adds no sub-technology"
        share = contribution / sol.objective if sol.objective > 0 else 0.0
        why += f"; the consortium loses {contribution:.3f} ({share:.1%} of F) without it"
        if sol.forced_by[k]:
            bar = f"below min_contribution {min_contribution:.1%}" if min_contribution else "0"
            why += f"; contributes {bar}, kept only by the constraint {sol.forced_by[k]}"
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
                "contribution_share": share,
                "covers": [col_keys[j] for j in cred],
                "adds": added,
                "forced_by": _forced_label(sol.forced_by[k], o, lead),
                "ties": sorted(pid[b] for b in tie_of[i]),
                "why": why,
            }
        )
    rows.sort(key=lambda r: (r["role"] != "lead", -r["contribution"], r["org_id"]))
    return pa.Table.from_pylist(rows, schema=MEMBER_SCHEMA)


def _forced_label(forced: str | None, o: str, lead: str | None) -> str | None:
    """``lead`` or ``must_include`` instead of the solver's ``lead/must_include``."""
    if forced == "lead/must_include":
        return "lead" if o == lead else "must_include"
    return forced


def _evidence(
    sol: Solution, st: _Strengths, pool: _Pool, subs_meta: dict[str, str], orgs: _Orgs
) -> dict[str, pa.Table]:
    """``coverage``, ``sub_technologies``, ``candidates`` and ``strengths``."""
    col_keys, pid = st.col_keys, pool.ids
    members = sol.members.tolist()
    chosen = set(members)
    s_pool, raw_pool = st.norm[pool.idx], st.raw[pool.idx]
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
    best = np.asarray(st.raw.argmax(axis=0)).ravel()
    sub_rows = [
        {
            "sub_technology": key,
            "name": subs_meta[key],
            "weight": float(st.w[j]),
            "coverage": float(sol.coverage[j]),
            "credited_to": pid[sol.credited[j]] if sol.credited[j] >= 0 else None,
            "best_candidate": st.scope_ids[best[j]] if st.col_max[j] > 0 else None,
            "best_raw_strength": float(st.col_max[j]),
        }
        for j, key in enumerate(col_keys)
    ]
    cand_rows = []
    str_rows = []
    for k, i in enumerate(pool.idx):
        o = pid[k]
        name, typ, cc = orgs.get(o, (None, None, None))
        row = st.norm.getrow(i)
        rrow = st.raw.getrow(i)
        cand_rows.append(
            {
                "org_id": o,
                "name": name,
                "type": typ,
                "country_code": cc,
                "strength": float(row.sum()),
                "weighted_strength": float(st.weighted[i]),
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
    return {
        "coverage": pa.Table.from_pylist(cov_rows, schema=COVERAGE_SCHEMA),
        "sub_technologies": pa.Table.from_pylist(sub_rows, schema=SUB_TECHNOLOGY_SCHEMA),
        "candidates": pa.Table.from_pylist(cand_rows, schema=CANDIDATE_SCHEMA),
        "strengths": pa.Table.from_pylist(str_rows, schema=_STRENGTH_SCHEMA),
    }


def _caveats(
    sol: Solution,
    st: _Strengths,
    pool: _Pool,
    req: _Request,
    orgs: _Orgs,
    unknown_ex: list[str],
    group_mode: bool,
    synthetic: bool,
    min_contribution: float = 0.0,
) -> list[str]:
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
    if sol.members.size < req.size:
        caveats.append(
            f"Only {sol.members.size} of the {req.size} places filled: no other candidate adds "
            + (
                f"more than min_contribution = {min_contribution:.1%} of the objective."
                if min_contribution
                else "anything measurable (every further member would contribute 0 to the "
                "objective)."
            )
        )
    kept = [i for i, f in enumerate(sol.forced_by) if f]
    if kept:
        bar = f"less than min_contribution = {min_contribution:.1%}" if min_contribution else "0"
        caveats.append(
            f"{len(kept)} member(s) contribute {bar} and are kept only by a constraint "
            "(column forced_by)."
        )
    col_keys, w = st.col_keys, st.w
    uncovered = [col_keys[j] for j in range(len(col_keys)) if sol.coverage[j] <= 0 and w[j] > 0]
    if uncovered:
        caveats.append(f"No member is active in: {', '.join(uncovered)}.")
    if unknown_ex:
        caveats.append(
            f"must_exclude names organisations not in the store: {', '.join(unknown_ex)}."
        )
    cty = req.country
    foreign = [
        o for o in req.include if cty and (orgs.get(o, (None, None, ""))[2] or "").upper() != cty
    ]
    if foreign:
        caveats.append(f"Required members outside {cty}: {', '.join(foreign)}.")
    idle = [o for o in req.include if st.norm.getrow(st.sidx[o]).nnz == 0]
    if idle:
        caveats.append(
            f"Required members without works or patents in the sub-technologies: {', '.join(idle)}."
        )
    if len(st.scope_ids) > len(pool.ids):
        caveats.append(
            f"Candidates limited to {len(pool.ids)} of the {len(st.scope_ids)} active "
            "organisations (max_candidates, by weighted total strength)."
        )
    if group_mode:
        caveats.append("Columns are CPC main groups: only patents count (works carry no CPC).")
    if synthetic:
        caveats.append("SYNTHETIC DATA: the store holds records from a synthetic world.")
    return caveats


def consortium(
    store: Store,
    *,
    industry: str,
    sub_technologies: str | Sequence[str] | None = None,
    lead: str | None = None,
    size: int = CONSORTIUM.size,
    min_types: Mapping[str, int] | None = None,
    must_include: Collection[str] = (),
    must_exclude: Collection[str] = (),
    country: str | None = CONSORTIUM.country,
    weights: Mapping[str, float] | None = None,
    tie_bonus: float = CONSORTIUM.tie_bonus,
    depth: int = CONSORTIUM.depth,
    depth_discount: float = CONSORTIUM.depth_discount,
    time_limit: float = CONSORTIUM.time_limit,
    method: str = CONSORTIUM.method,
    max_candidates: int = CONSORTIUM.max_candidates,
    years: tuple[int, int] | None = CONSORTIUM.years,
    catalog: IndustryCatalog | None = None,
    concept_min_score: float = CONSORTIUM.concept_min_score,
    org_level: str = "self",
    min_contribution: float = CONSORTIUM.min_contribution,
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
        Minimum members per organisation type (:data:`forcemap.store.organizations.ORG_TYPES`),
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
    depth : int, default 3
        Members credited per sub-technology (the r-th strongest member with weight δ^r).
    depth_discount : float, default 0.5
        δ, the diminishing return of each further member in a sub-technology.
    time_limit : float, default 10
        Seconds given to the MILP solver.
    method : {"milp", "greedy"}, default "milp"
    max_candidates : int, default 500
        Size of the candidate pool (by weighted total strength).
    years : (int, int), optional
        Inclusive publication / grant year window of the documents counted.
    catalog : IndustryCatalog, optional
        The industry catalog (default: the shipped one).
    concept_min_score : float, default 0.3
        Least concept score for a work to count towards a catalog sub-technology (recorded
        in ``rule.conventions``).
    org_level : {"self", "parent", "top"}, default "self"
        Candidates are organisations as resolved, or rolled up to their parent or the top of
        their hierarchy (:func:`forcemap.store.org_hierarchy.org_aliases_sql`); ``lead`` and
        the ids forced in must then be organisations of that level.
    min_contribution : float, default 0
        Least share of the objective F each member must add (0: more than nothing); a member
        below it is dropped unless a constraint keeps it (``forced_by``).

    The defaults and checks are those of :class:`~forcemap.decide.params.ConsortiumParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`MEMBER_SCHEMA`; ``evidence``: ``coverage`` (:data:`COVERAGE_SCHEMA`),
        ``sub_technologies`` (:data:`SUB_TECHNOLOGY_SCHEMA`), ``candidates``
        (:data:`CANDIDATE_SCHEMA`), ``strengths`` (the pool's strengths, long format).

    Raises
    ------
    InputError
        Bad arguments, organisations not resolved, no active organisation.
    InfeasibleError
        A request no consortium can meet (the message names the constraint).
    StoreError
        A query failed.
    """
    req = _check_request(
        industry=industry,
        lead=lead,
        size=size,
        min_types=min_types,
        must_include=must_include,
        must_exclude=must_exclude,
        country=country,
        tie_bonus=tie_bonus,
        depth=depth,
        depth_discount=depth_discount,
        time_limit=time_limit,
        method=method,
        max_candidates=max_candidates,
        years=years,
        catalog=catalog,
        concept_min_score=concept_min_score,
        min_contribution=min_contribution,
    )
    if org_level not in ORG_LEVELS:
        raise InputError(f"org_level must be one of {', '.join(ORG_LEVELS)}, got {org_level!r}")
    ind = req.catalog[industry]
    group_mode, subs_meta = _columns(ind, sub_technologies)
    synthetic, raw_rows, known, orgs = _read_strengths(store, req, industry, group_mode, org_level)
    missing = [o for o in req.include if o not in known]
    if missing:
        which = "lead" if lead in missing else "must_include"
        at = "" if org_level == "self" else f" at org level {org_level} (name its {org_level})"
        raise InputError(
            f"{which} organisation(s) {', '.join(missing)} not in the store's organizations{at}"
        )
    unknown_ex = sorted(o for o in req.exclude if o not in orgs)
    if group_mode:
        subs_meta = {k: k for k in sorted({str(r["sub_technology"]) for r in raw_rows})}
        if not subs_meta:
            raise InputError(f"no patent of {industry} in the store: no CPC group to cover")
    col_keys = list(subs_meta)
    st = _strengths(raw_rows, col_keys, column_weights(col_keys, weights), req, orgs, industry)
    pool = _candidate_pool(st, req, orgs, max_candidates, industry)
    ta, tb, tnorm = prior_ties(store, ind, pool.ids, years, org_level)
    sol = solve_consortium(
        st.norm[pool.idx],
        size=req.size,
        weights=st.w,
        ties=(ta, tb, tnorm),
        tie_bonus=tie_bonus,
        depth=int(depth),
        depth_discount=float(depth_discount),
        types=pool.types,
        min_types=req.min_types,
        fixed=pool.fixed,
        method=method,
        time_limit=time_limit,
        min_contribution=float(min_contribution),
    )
    w = st.w
    params: dict[str, object] = {
        "industry": industry,
        "sub_technologies": "cpc_group" if group_mode else list(col_keys),
        "size": req.size,
        "lead": lead,
        "min_types": req.min_types,
        "must_include": list(must_include),
        "must_exclude": sorted(req.exclude),
        "country": req.country,
        "weights": {k: float(w[j]) for j, k in enumerate(col_keys)},
        "tie_bonus": tie_bonus,
        "depth": int(depth),
        "depth_discount": float(depth_discount),
        "min_contribution": float(min_contribution),
        "n_members": int(sol.members.size),
        "years": [req.y0, req.y1] if years else None,
        "strength": "fractional works + fractional patents per sub-technology, / max in scope",
        "max_candidates": max_candidates,
        "n_candidates": len(pool.ids),
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
        "org_level": org_level,
    }
    return DecisionResult(
        name="consortium",
        table=_member_table(
            sol, st, pool, (ta, tb), orgs, industry, lead, req.include, float(min_contribution)
        ),
        rule=_rule(params, req.concept_min_score),
        evidence=_evidence(sol, st, pool, subs_meta, orgs),
        caveats=_caveats(
            sol, st, pool, req, orgs, unknown_ex, group_mode, synthetic, float(min_contribution)
        ),
        synthetic=synthetic,
        solve=sol.solve,
    )
