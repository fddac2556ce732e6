r"""The review panel's selection (:mod:`forcemap.decide.panel`): roles, pruning, MILP.

:func:`select_panel` orders the active candidates by match, works out who may sit in which
role (:func:`_role_matrix`: eligibility minus conflicts), explains at once a request that
counting shows infeasible, prunes each role to the candidates an optimal panel may need
(:func:`_prune`, exact), and assigns the seats by the MILP (:func:`_milp_solve`) or the greedy
heuristic (:func:`_greedy`), chosen by the shared rule of :func:`forcemap.decide._solve.choose`.
An infeasible request raises :class:`~forcemap.errors.InfeasibleError` with the binding
constraint (:func:`_explain`). See "Roles" and "Selection" in the package docstring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint

from forcemap.decide._career import band_codes
from forcemap.decide._solve import MilpRun, SolveResult, choose, run_milp
from forcemap.decide.panel.candidates import Side
from forcemap.decide.panel.schemas import ROLE_TYPES, ROLES
from forcemap.errors import InfeasibleError

__all__ = ["MilpPanel", "Selection", "role_matrix", "select_panel"]


def _role_matrix(
    cand: dict[str, np.ndarray],
    roles: list[str],
    senior_career_years: int,
    senior_lead_share: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Eligibility (candidates × roles) and the senior flag; ``cand["type"]`` holds the
    organisation types as integer codes of :data:`ROLE_TYPES` (−1: unknown or other)."""
    typ = cand["type"]
    career = cand["career_age"]
    lead = cand["lead_share"]
    nworks = cand["n_works"]
    senior = (career >= senior_career_years) | ((lead >= senior_lead_share) & (nworks >= 3))
    ent = typ == ROLE_TYPES.index("enterprise")
    rules = {
        "enterprise_lead": ent & senior,
        "academic": typ == ROLE_TYPES.index("university"),
        "industry_expert": ent | (typ == ROLE_TYPES.index("institute")),
        "chief_engineer": cand["enterprise_patents"] > 0,
        "member": np.ones(len(typ), bool),
    }
    return np.column_stack([rules[r] for r in roles]) if roles else np.zeros((len(typ), 0), bool), (
        senior
    )


def _prune(
    elig: np.ndarray,
    match: np.ndarray,
    org: np.ndarray,
    cty: np.ndarray,
    size: int,
    max_degree: int = 0,
    band: np.ndarray | None = None,
) -> np.ndarray:
    """Keep, per role, the candidates an optimal panel may need (see the module docstring);
    ``max_degree``: the most member conflicts of one candidate (each of the other members
    may block that many more). With ``band`` (career band codes, when a band cap applies)
    the same limits hold within each band, so a dropped candidate's seat goes to a kept
    better one of its own band and no band count changes."""
    n, k = elig.shape
    grp = np.zeros(n, np.int64) if band is None else np.asarray(band, np.int64)
    keep = np.zeros_like(elig)
    s = size
    lim_pair, lim_org, lim_cty = s, s * s, s * s
    lim_all = (s - 1) * (1 + 2 * s * s + max_degree) + 1
    order = np.lexsort((np.arange(n), -match))
    for r in range(k):
        for g in np.unique(grp).tolist():
            idx = order[elig[order, r] & (grp[order] == g)]
            if idx.size <= lim_all:
                keep[idx, r] = True
                continue
            c_org: dict[int, int] = {}
            c_cty: dict[int, int] = {}
            c_pair: dict[tuple[int, int], int] = {}
            kept = 0
            for i in idx.tolist():
                o, c = int(org[i]), int(cty[i])
                if o >= 0 and (c_org.get(o, 0) >= lim_org or c_pair.get((o, c), 0) >= lim_pair):
                    continue
                if c >= 0 and c_cty.get(c, 0) >= lim_cty:
                    continue
                keep[i, r] = True
                kept += 1
                if o >= 0:
                    c_org[o] = c_org.get(o, 0) + 1
                    c_pair[(o, c)] = c_pair.get((o, c), 0) + 1
                if c >= 0:
                    c_cty[c] = c_cty.get(c, 0) + 1
                if kept >= lim_all:
                    break
    return keep


class MilpPanel(NamedTuple):
    """What :func:`_milp_solve` found: the (candidate, role) pairs (None without a solution),
    HiGHS' status, the objective (None without a solution) and the run itself."""

    members: list[tuple[int, int]] | None
    status: str
    objective: float | None
    run: MilpRun


def _milp_solve(
    keep: np.ndarray,
    match: np.ndarray,
    need: np.ndarray,
    org: np.ndarray,
    cty: np.ndarray,
    max_per_org: int | None,
    max_per_country: int | None,
    time_limit: float,
    pairs: np.ndarray | None = None,
    band: np.ndarray | None = None,
    max_per_band: int | None = None,
) -> MilpPanel:
    r"""Solve the assignment MILP on the kept pairs (see "Selection" in the package docstring)
    with HiGHS (:func:`forcemap.decide._solve.run_milp`, relative gap 1e-9); ``pairs``
    (candidates × 2, by rank) may not both sit: :math:`\sum_r x_{ir} + \sum_r x_{jr} \le 1`;
    at most ``max_per_band`` members share a career ``band`` (code −1: unknown, no cap)."""
    vc, vr = np.nonzero(keep)
    nv = vc.size
    if nv == 0:
        return MilpPanel(None, "infeasible", None, MilpRun(None, "infeasible"))
    rows: list[sp.csr_matrix] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    k = keep.shape[1]
    rows.append(sp.csr_matrix((np.ones(nv), (vr, np.arange(nv))), shape=(k, nv)))
    lo.append(need.astype(float))
    hi.append(need.astype(float))
    cands, crow = np.unique(vc, return_inverse=True)
    rows.append(sp.csr_matrix((np.ones(nv), (crow, np.arange(nv))), shape=(cands.size, nv)))
    lo.append(np.full(cands.size, -np.inf))
    hi.append(np.ones(cands.size))
    caps = [(org, max_per_org), (cty, max_per_country)]
    if band is not None:
        caps.append((band, max_per_band))
    for codes, cap in caps:
        if cap is None:
            continue
        g = codes[vc]
        ok = g >= 0
        if not ok.any():
            continue
        groups, grow = np.unique(g[ok], return_inverse=True)
        rows.append(
            sp.csr_matrix(
                (np.ones(int(ok.sum())), (grow, np.flatnonzero(ok))), shape=(groups.size, nv)
            )
        )
        lo.append(np.full(groups.size, -np.inf))
        hi.append(np.full(groups.size, float(cap)))
    if pairs is not None and len(pairs):
        # one row per conflicting pair with both candidates kept: their variables sum ≤ 1
        cpos = np.full(keep.shape[0], -1, np.int64)
        cpos[cands] = np.arange(cands.size)
        both = (cpos[pairs[:, 0]] >= 0) & (cpos[pairs[:, 1]] >= 0)
        pr = pairs[both]
        if len(pr):
            var_c = crow  # variable -> candidate row
            by_c = sp.csr_matrix((np.ones(nv), (var_c, np.arange(nv))), shape=(cands.size, nv))
            sel = sp.csr_matrix(
                (np.ones(2 * len(pr)),
                 (np.repeat(np.arange(len(pr)), 2), cpos[pr].ravel())),
                shape=(len(pr), cands.size),
            )  # fmt: skip
            rows.append((sel @ by_c).tocsr())
            lo.append(np.full(len(pr), -np.inf))
            hi.append(np.ones(len(pr)))
    run = run_milp(
        match[vc],
        constraints=LinearConstraint(
            sp.vstack(rows, format="csr"), np.concatenate(lo), np.concatenate(hi)
        ),
        integrality=np.ones(nv),
        bounds=Bounds(np.zeros(nv), np.ones(nv)),
        time_limit=time_limit,
        mip_rel_gap=1e-9,
        maximize=True,
    )
    if run.x is None:
        return MilpPanel(None, run.status, None, run)
    on = np.flatnonzero(run.x > 0.5)
    return MilpPanel([(int(vc[i]), int(vr[i])) for i in on], run.status, run.objective, run)


def _greedy(
    elig: np.ndarray,
    match: np.ndarray,
    need: np.ndarray,
    org: np.ndarray,
    cty: np.ndarray,
    max_per_org: int | None,
    max_per_country: int | None,
    pairs: np.ndarray | None = None,
    band: np.ndarray | None = None,
    max_per_band: int | None = None,
) -> list[tuple[int, int]] | None:
    """Scarcest role first, best feasible candidate per seat (none in conflict with a member
    already seated, every cap — organisation, country, career band — kept); None when it
    gets stuck."""
    n = elig.shape[0]
    foes: defaultdict[int, set[int]] = defaultdict(set)
    for a, b in (pairs if pairs is not None else np.zeros((0, 2), np.int64)).tolist():
        foes[a].add(b)
        foes[b].add(a)
    order = np.lexsort((np.arange(n), -match))
    chosen: list[tuple[int, int]] = []
    used: set[int] = set()
    n_org: dict[int, int] = {}
    n_cty: dict[int, int] = {}
    n_band: dict[int, int] = {}
    bands = band if band is not None else np.full(n, -1, np.int64)
    for r in sorted(range(elig.shape[1]), key=lambda r: (int(elig[:, r].sum()), r)):
        for _ in range(int(need[r])):
            pick = -1
            for i in order[elig[order, r]].tolist():
                if i in used or foes[i] & used:
                    continue
                if max_per_org is not None and org[i] >= 0 and n_org.get(org[i], 0) >= max_per_org:
                    continue
                if (
                    max_per_country is not None
                    and cty[i] >= 0
                    and n_cty.get(cty[i], 0) >= max_per_country
                ):
                    continue
                if (
                    max_per_band is not None
                    and bands[i] >= 0
                    and n_band.get(bands[i], 0) >= max_per_band
                ):
                    continue
                pick = i
                break
            if pick < 0:
                return None
            chosen.append((pick, r))
            used.add(pick)
            n_org[org[pick]] = n_org.get(org[pick], 0) + 1
            n_cty[cty[pick]] = n_cty.get(cty[pick], 0) + 1
            n_band[bands[pick]] = n_band.get(bands[pick], 0) + 1
    return chosen


def _capacity(mask: np.ndarray, codes: np.ndarray, cap: int | None) -> int:
    """How many of the masked candidates can sit together under one cap."""
    if cap is None:
        return int(mask.sum())
    g = codes[mask]
    free = int((g < 0).sum())
    _, counts = np.unique(g[g >= 0], return_counts=True)
    return free + int(np.minimum(counts, cap).sum())


def _explain(
    roles: list[str],
    need: np.ndarray,
    elig: np.ndarray,
    conflicted_elig: np.ndarray,
    conflict_rules: Mapping[int, list[str]],
    org: np.ndarray,
    cty: np.ndarray,
    max_per_org: int | None,
    max_per_country: int | None,
    n_inactive: int,
    params: Mapping[str, Any],
    band: np.ndarray | None = None,
    max_per_band: int | None = None,
) -> str:
    """The plain-language reason a panel cannot be formed."""

    def why(r: int) -> str:
        idx = np.flatnonzero(conflicted_elig[:, r])
        counts: dict[str, int] = {}
        for i in idx.tolist():
            for rule in conflict_rules[i]:
                counts[rule] = counts.get(rule, 0) + 1
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        more = (
            f"; {idx.size} more active candidate(s) qualify but are excluded by conflicts of "
            f"interest ({parts})"
            if idx.size
            else ""
        )
        return f"{more}; {n_inactive} pool member(s) are inactive (fewer than " + (
            f"{params['min_recent_works']} works/patents in the last {params['recent_years']} "
            "years)"
        )

    bands = band if band is not None else np.full(elig.shape[0], -1, np.int64)
    for r, name in enumerate(roles):
        have = int(elig[:, r].sum())
        if have < need[r]:
            return (
                f"role {name!r} needs {int(need[r])} member(s) but only {have} non-conflicted "
                f"active candidate(s) qualify ({ROLES[name]}){why(r)}."
            )
        for codes, cap, what, key in (
            (org, max_per_org, "organisation", "max_per_org"),
            (cty, max_per_country, "country", "max_per_country"),
            (bands, max_per_band, "career band", "max_same_career_band"),
        ):
            cap_n = _capacity(elig[:, r], codes, cap)
            if cap_n < need[r]:
                return (
                    f"role {name!r} needs {int(need[r])} member(s) but its {have} non-conflicted "
                    f"candidate(s) allow only {cap_n} under {key}"
                    f"={cap} (too few distinct {what}s){why(r)}."
                )
    k = len(roles)
    for mask_bits in range(1, 1 << k):
        sub = [r for r in range(k) if mask_bits >> r & 1]
        if len(sub) < 2:
            continue
        want = int(need[sub].sum())
        pool = np.asarray(elig[:, sub].any(axis=1))
        for codes, cap in (
            (org, max_per_org),
            (cty, max_per_country),
            (bands, max_per_band),
            (org, None),
        ):
            got = _capacity(pool, codes, cap)
            if got < want:
                names = ", ".join(repr(roles[r]) for r in sub)
                return (
                    f"roles {names} together need {want} member(s) but only {got} "
                    "non-conflicted active candidate(s) can fill them"
                    + (f" under the cap of {cap} per group" if cap is not None else "")
                    + " (each candidate fills one role)."
                )
    return (
        f"the role counts {dict(zip(roles, need.tolist(), strict=True))} cannot be met together "
        f"with max_per_org={max_per_org}, max_per_country={max_per_country} and "
        f"max_same_career_band={max_per_band} "
        f"among {elig.shape[0]} non-conflicted active candidates."
    )


@dataclass(frozen=True)
class Selection:
    """The panel chosen, over the active candidates in *row order* (row ``i`` is the candidate
    at position ``order[i]`` of ``_rp_active``: by match, best first, then by id).

    ``rank_of`` maps a position to its row; ``features`` are the role-relevant columns and
    ``match`` the match, by row; ``roles`` the requested roles (columns of ``eligible_all``,
    who qualifies, and ``eligible``, who qualifies without a conflict); ``conflict_rules``
    the rules excluding each conflicted row; ``chosen`` the (row, role column) pairs of the
    panel, in the solver's order; ``solve`` how it was solved; ``variables`` the MILP's
    variables after pruning (None for the greedy method).
    """

    order: np.ndarray
    rank_of: np.ndarray
    features: dict[str, np.ndarray]
    match: np.ndarray
    roles: list[str]
    eligible_all: np.ndarray
    eligible: np.ndarray
    conflict_rules: defaultdict[int, list[str]]
    chosen: list[tuple[int, int]]
    solve: SolveResult
    variables: int | None


def role_matrix(
    features: dict[str, np.ndarray],
    roles: list[str],
    senior_career_years: int,
    senior_lead_share: float,
) -> np.ndarray:
    """Who qualifies for each of ``roles`` (rows × roles), ignoring conflicts."""
    return _role_matrix(features, roles, senior_career_years, senior_lead_share)[0]


def select_panel(
    side: Side,
    match_pos: np.ndarray,
    rule_rows: list[tuple[int, list[str]]],
    *,
    seats: dict[str, int],
    size: int,
    max_per_org: int | None,
    max_per_country: int | None,
    senior_career_years: int,
    senior_lead_share: float,
    method: str,
    time_limit: float,
    n_inactive: int,
    min_recent_works: int,
    recent_years: int,
    member_pairs: np.ndarray | None = None,
    max_same_career_band: int | None = None,
    career_bands: tuple[int, ...] = (10, 20),
) -> Selection:
    """Choose the panel among the active candidates of ``side`` (``match_pos``: their match by
    position; ``rule_rows``: the conflicted positions with their rules; ``member_pairs``:
    pairs of positions that may not both be members; ``max_same_career_band``: at most this
    many members per career band, the bands cut at ``career_bands``).

    Raises
    ------
    InfeasibleError
        No panel satisfies the roles and caps (the message names the binding constraint), or
        the greedy method could not fill every seat.
    """
    n_act = side.active.num_rows
    order = np.lexsort((np.arange(n_act), -match_pos))
    rank_of = np.empty(n_act, np.int64)
    rank_of[order] = np.arange(n_act)
    feat = side.features
    cand = {
        k: feat[k][order]
        for k in ("type", "career_age", "lead_share", "n_works", "enterprise_patents")
    }
    match = match_pos[order]
    conflicted_pos = np.asarray([p for p, _ in rule_rows], np.int64)
    conflicted = np.zeros(n_act, bool)
    conflicted[rank_of[conflicted_pos]] = True
    rules_of: defaultdict[int, list[str]] = defaultdict(list)
    rules_of.update((int(rank_of[p]), list(r)) for p, r in rule_rows)
    role_names = list(seats)
    need = np.asarray([seats[r] for r in role_names], np.int64)
    elig_all, _senior = _role_matrix(cand, role_names, senior_career_years, senior_lead_share)
    elig = elig_all & ~conflicted[:, None]
    org_codes = feat["org"][order]
    cty_codes = feat["country"][order]
    band_codes_ = band_codes(cand["career_age"], career_bands)
    band_cap = max_same_career_band

    def infeasible() -> InfeasibleError:
        msg = _explain(
            role_names,
            need,
            elig,
            elig_all & conflicted[:, None],
            rules_of,
            org_codes,
            cty_codes,
            max_per_org,
            max_per_country,
            n_inactive,
            {"min_recent_works": min_recent_works, "recent_years": recent_years},
            band_codes_,
            band_cap,
        )
        return InfeasibleError(f"no review panel can be formed: {msg}")

    def greedy_failed(run: MilpRun | None) -> InfeasibleError:
        if run is not None:  # the fallback of a MILP without solution
            return infeasible()
        return InfeasibleError(
            "the greedy heuristic could not fill every seat under the caps; "
            "retry with method='milp' (which also explains an infeasible request)"
        )

    # quick counting checks first: they explain most infeasible requests without solving
    for r in range(len(role_names)):
        if elig[:, r].sum() < need[r]:
            raise infeasible()
    # member conflicts by rank, among candidates eligible for some role
    pairs = np.zeros((0, 2), np.int64)
    if member_pairs is not None and len(member_pairs):
        pairs = rank_of[np.asarray(member_pairs, np.int64)]
        usable: np.ndarray = np.asarray(elig.any(axis=1), bool)
        pairs = pairs[usable[pairs[:, 0]] & usable[pairs[:, 1]]]
    max_degree = int(np.bincount(pairs.ravel(), minlength=1).max()) if len(pairs) else 0
    keep = _prune(
        elig, match, org_codes, cty_codes, size, max_degree,
        band_codes_ if band_cap is not None else None,
    )  # fmt: skip

    def milp() -> tuple[list[tuple[int, int]] | None, MilpRun]:
        got = _milp_solve(
            keep, match, need, org_codes, cty_codes, max_per_org, max_per_country, time_limit,
            pairs, band_codes_, band_cap,
        )  # fmt: skip
        return got.members, got.run

    choice = choose(
        method,
        milp=milp,
        greedy=lambda: _greedy(
            elig,
            match,
            need,
            org_codes,
            cty_codes,
            max_per_org,
            max_per_country,
            pairs,
            band_codes_,
            band_cap,
        ),
        objective=lambda chosen: float(sum(match[c] for c, _ in chosen)),
        infeasible=infeasible,
        greedy_failed=greedy_failed,
        compare=False,
        status_detail=False,
    )
    return Selection(
        order=order,
        rank_of=rank_of,
        features=cand,
        match=match,
        roles=role_names,
        eligible_all=elig_all,
        eligible=elig,
        conflict_rules=rules_of,
        chosen=list(choice.solution),
        solve=choice.result,
        variables=int(keep.sum()) if method != "greedy" else None,
    )
