"""The review panel decision (:func:`review_panel`): the request checked, then the steps of
:mod:`~forcemap.decide.panel.candidates`, :mod:`~forcemap.decide.panel.conflicts`,
:mod:`~forcemap.decide.panel.scoring` and :mod:`~forcemap.decide.panel.selection`, timed,
and the result assembled with its caveats (the model is the package docstring)."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from forcemap.decide._career import band_labels
from forcemap.decide.affinity import MIN_SHARED_TERMS
from forcemap.decide.panel.candidates import (
    candidate_side,
    pool_stats,
    read_pool,
    reference_year,
    register_inputs,
)
from forcemap.decide.panel.conflicts import (
    MEMBER_RULES,
    conflict_rules,
    excluded_table,
    find_conflicts,
    member_conflicts,
    read_applicants,
)
from forcemap.decide.panel.schemas import (
    DEFAULT_WEIGHTS,
    MAX_HOMONYMS,
    ROLES,
    TIMINGS_SCHEMA,
    panel_rule,
)
from forcemap.decide.panel.scoring import score_candidates
from forcemap.decide.panel.selection import select_panel
from forcemap.decide.panel.tables import panel_tables
from forcemap.decide.params import PANEL, PanelParams
from forcemap.decide.result import DecisionResult, check_weights, is_synthetic
from forcemap.errors import InputError
from forcemap.store.person_views import (
    AUTHORSHIPS_VIEW_SQL,
    PERSON_OF_SQL,
    person_ids,
    person_map,
)
from forcemap.store.store import Store

__all__ = ["review_panel"]


def review_panel(
    store: Store,
    *,
    applicants: Sequence[str] | str,
    text: str | None = None,
    topics: Sequence[str] | None = None,
    concepts: Sequence[str] | None = None,
    size: int = PANEL.size,
    roles: Mapping[str, int] | None = None,
    coi_years: int = PANEL.coi_years,
    max_per_org: int | None = PANEL.max_per_org,
    max_per_country: int | None = PANEL.max_per_country,
    pool: pa.Table | str | Path | None = None,
    exclude: Collection[str] = (),
    min_recent_works: int = PANEL.min_recent_works,
    recent_years: int = PANEL.recent_years,
    time_limit: float = PANEL.time_limit,
    weights: Mapping[str, float] | None = PANEL.weights,
    senior_career_years: int = PANEL.senior_career_years,
    senior_lead_share: float = PANEL.senior_lead_share,
    link_inventors: str = PANEL.link_inventors,
    method: str = PANEL.method,
    top: int = PANEL.top,
    concept_min_score: float = PANEL.concept_min_score,
    max_same_career_band: int | None = PANEL.max_same_career_band,
    career_bands: Sequence[int] = PANEL.career_bands,
) -> DecisionResult:
    r"""Propose a conflict-free review panel for a project (see the module docstring; C9).

    Parameters
    ----------
    store : Store
        The store (authorships; patents, projects and resolved organisations when present).
    applicants : str or sequence of str
        Author, inventor and/or organisation ids of the project's applicants.
    text : str, optional
        The project description; default: the names of ``topics`` and ``concepts``.
    topics, concepts : sequence of str, optional
        OpenAlex topic / concept ids (or URLs, or names) describing the project.
    size : int, default 5
        Panel size.
    roles : mapping, optional
        Seats per role (:data:`ROLES`), e.g. ``{"enterprise_lead": 1, "academic": 2}``; the
        remaining seats are ``member``.
    coi_years : int, default 5
        Co-authorships, co-inventions and projects in :math:`[Y - \text{coi\_years}, Y]` count.
    max_per_org, max_per_country : int or None
        At most this many members per main organisation / country (None: no cap).
    pool : pyarrow.Table or path, optional
        Candidates (``author_id``, optional ``name``, ``org``, ``country``, ``type``,
        ``expertise``, ``inventor_id``); default every author of the store.
    exclude : collection of str
        Candidate ids excluded on request.
    min_recent_works, recent_years : int
        Activity needed to sit: works + patents in the last ``recent_years`` years (also the
        period whose texts and topics describe a candidate).
    time_limit : float, default 10
        Seconds given to HiGHS.
    weights : mapping, optional
        Weights of ``text``, ``topics``, ``activity`` (:data:`DEFAULT_WEIGHTS`).
    senior_career_years, senior_lead_share
        Seniority thresholds of ``enterprise_lead``.
    link_inventors : {"name", "none"}, default "name"
        Link authors to inventor ids by normalised name and country.
    method : {"milp", "greedy"}, default "milp"
    top : int, default 50
        A **row count**: candidates listed in ``evidence["ranking"]``.
    concept_min_score : float, default 0.3
        Least concept score for a work to carry a concept in the topic/concept overlap.
    max_same_career_band : int or None
        At most this many members in one career band (None: no cap); career age is
        :math:`Y` − the first publication year (:mod:`forcemap.decide._career`), unknown ages
        are in no band.
    career_bands : sequence of int, default (10, 20)
        Band edges in years: <10, 10–19, ≥20.

    The defaults and checks are those of :class:`~forcemap.decide.params.PanelParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`PANEL_SCHEMA`; ``evidence["excluded"]``: :data:`EXCLUDED_SCHEMA`;
        ``evidence["ranking"]``: :data:`RANKING_SCHEMA`; ``evidence["applicants"]``:
        :data:`APPLICANT_SCHEMA`; ``evidence["timings"]``: :data:`TIMINGS_SCHEMA` (seconds
        per step); ``solve``: how the panel was selected
        (:class:`~forcemap.decide._solve.SolveResult`).

    Raises
    ------
    InputError
        Bad parameters, no project description, no applicant found in the store.
    InfeasibleError
        No panel satisfies the roles and caps; the message names the binding constraint.
    StoreError
        A query failed.
    """
    t_start = time.perf_counter()
    checked = PanelParams(
        size=size,
        coi_years=coi_years,
        max_per_org=max_per_org,
        max_per_country=max_per_country,
        min_recent_works=min_recent_works,
        recent_years=recent_years,
        time_limit=time_limit,
        weights=weights,
        senior_career_years=senior_career_years,
        senior_lead_share=senior_lead_share,
        link_inventors=link_inventors,
        method=method,
        top=top,
        concept_min_score=concept_min_score,
        max_same_career_band=max_same_career_band,
        career_bands=tuple(career_bands),
    )
    career_bands = checked.career_bands
    app_ids = _ids(applicants)
    if not app_ids:
        raise InputError("applicants is empty: give the author or organisation ids of the project")
    topic_in, concept_in = _ids(topics), _ids(concepts)
    if not (text and text.strip()) and not topic_in and not concept_in:
        raise InputError("describe the project: give text, topics or concepts")
    seats = _check_roles(roles, size)
    w = check_weights(weights, DEFAULT_WEIGHTS)
    pool_tbl = read_pool(pool)
    excl_ids = _ids(exclude)
    caveats: list[str] = []

    with store.query_cursor("review panel") as cur:
        synthetic = is_synthetic(cur)
        y = reference_year(cur)
        # authors are persons (person_aliases); unresolved, every author id is its own person
        cur.execute(PERSON_OF_SQL)
        cur.execute(AUTHORSHIPS_VIEW_SQL)
        app_ids, excl_ids = person_ids(cur, app_ids), person_ids(cur, excl_ids)
        if pool_tbl is not None:
            ids = pool_tbl["author_id"].to_pylist()
            pmap = person_map(cur, [a for a in ids if a is not None])
            pool_tbl = pool_tbl.set_column(
                pool_tbl.schema.get_field_index("author_id"),
                "author_id",
                pa.array([pmap.get(a, a) if a is not None else None for a in ids], pa.string()),
            )
        register_inputs(cur, app_ids, excl_ids, pool_tbl)
        side_params = {
            "y": y,
            "recent": recent_years,
            "coi": coi_years,
            "link": link_inventors == "name",
            "homonyms": MAX_HOMONYMS,
            "min_recent": min_recent_works,
        }
        side = candidate_side(store, cur, side_params, default_pool=pool_tbl is None)
        n_active = side.active.num_rows
        t_prep = time.perf_counter()

        applicants_tbl, unknown_apps = read_applicants(cur, app_ids)
        if unknown_apps:
            caveats.append(
                f"Applicant id(s) not found in the store (no conflicts checked for them): "
                f"{', '.join(unknown_apps)}."
            )
        find_conflicts(cur, y, coi_years)
        t_coi = time.perf_counter()

        scores = score_candidates(
            cur,
            side,
            text=text,
            topics=topic_in,
            concepts=concept_in,
            weights=w,
            concept_min_score=concept_min_score,
        )
        if scores.unknown:
            caveats.append(
                f"Not found in the store (used as query words only): {', '.join(scores.unknown)}."
            )
        rule_rows = conflict_rules(cur)
        members_apart = member_conflicts(cur, y, coi_years)
        excluded = excluded_table(
            cur,
            side.active,
            scores.match,
            np.asarray([p for p, _ in rule_rows], np.int64),
            y=y,
            coi_years=coi_years,
            min_recent_works=min_recent_works,
        )
        n_pool, n_inactive, link_stats, resolved = pool_stats(cur, min_recent_works)
    t_score = time.perf_counter()

    sel = select_panel(
        side,
        scores.match,
        rule_rows,
        seats=seats,
        size=size,
        max_per_org=max_per_org,
        max_per_country=max_per_country,
        senior_career_years=senior_career_years,
        senior_lead_share=senior_lead_share,
        method=method,
        time_limit=time_limit,
        n_inactive=n_inactive,
        min_recent_works=min_recent_works,
        recent_years=recent_years,
        max_same_career_band=max_same_career_band,
        career_bands=tuple(career_bands),
        member_pairs=np.column_stack(
            [members_apart["pos_a"].to_numpy(), members_apart["pos_b"].to_numpy()]
        ).astype(np.int64),
    )
    t_solve = time.perf_counter()
    method_used, status = sel.solve.method, sel.solve.status
    params: dict[str, object] = {
        "applicants": app_ids,
        "size": size,
        "roles": seats,
        "coi_years": coi_years,
        "reference_year": y,
        "coi_window": [y - coi_years, y],
        "max_per_org": max_per_org,
        "member_conflicts": list(MEMBER_RULES),
        "max_per_country": max_per_country,
        "max_same_career_band": max_same_career_band,
        "career_bands": list(career_bands),
        "career_band_labels": band_labels(career_bands),
        "pool": "store authors" if pool_tbl is None else f"{pool_tbl.num_rows} given candidates",
        "exclude": excl_ids,
        "min_recent_works": min_recent_works,
        "recent_years": recent_years,
        "recent_window": [y - recent_years + 1, y],
        "weights": scores.weights,
        "text_model": "BM25 affinity of forcemap decide affinity (k1 = 1.2, b = 0.75; Snowball "
        "stems and stem bigrams; each recent document a query; mean over the candidate's "
        f"documents, 0 when they share fewer than {MIN_SHARED_TERMS} terms with it; collection: "
        "the candidates' documents and the project), over the project's own affinity",
        "topics": [i for i, _ in scores.topic_items],
        "concepts": [i for i, _ in scores.concept_items],
        "concept_min_score": concept_min_score,
        "senior_career_years": senior_career_years,
        "senior_lead_share": senior_lead_share,
        "link_inventors": link_inventors,
        "method": method,
        "time_limit": time_limit,
        "method_used": method_used,
        "solver_status": status,
        "objective": round(float(sum(sel.match[c] for c, _ in sel.chosen)), 9),
        "variables": sel.variables,
    }
    table, ranking = panel_tables(
        side,
        scores,
        sel,
        top=top,
        y=y,
        recent_years=recent_years,
        senior_career_years=senior_career_years,
        senior_lead_share=senior_lead_share,
        career_bands=tuple(career_bands),
    )
    timings = pa.table(
        {
            "prepare": [t_prep - t_start],
            "coi": [t_coi - t_prep],
            "scoring": [t_score - t_coi],
            "solve": [t_solve - t_score],
            "total": [t_solve - t_start],
        },
        schema=TIMINGS_SCHEMA,
    )
    result = DecisionResult(
        name="review_panel",
        table=table,
        rule=panel_rule(params),
        evidence={
            "excluded": excluded,
            "ranking": ranking,
            "applicants": applicants_tbl,
            "timings": timings,
        },
        caveats=caveats,
        synthetic=synthetic,
        solve=sel.solve,
    )
    lo_r = y - recent_years + 1
    n_excl = len(set(excluded["author_id"].to_pylist()))
    result.warn(
        f"{n_pool} candidates in the pool, {n_active} active (≥ {min_recent_works} works/"
        f"patents in {lo_r}–{y}), {n_excl} excluded for a conflict of interest."
    )
    result.warn(
        "Conflicts are those the store can show: co-authorships, co-inventions, shared "
        "affiliations and project consortia in its records. Supervision, family, competition, "
        "editorial or financial ties, and records outside the store, are not seen; ask the "
        "panel members to declare their interests."
    )
    result.warn(
        "People are the sources' ids (OpenAlex author disambiguation, PatentsView inventor "
        "disambiguation): one person split over several ids escapes the checks under the "
        "other id."
    )
    if link_inventors == "name" and link_stats:
        result.warn(
            f"{link_stats} candidate(s) or applicant(s) are linked to patent inventors by name "
            "(and country): a homonym link can add a spurious conflict or chief_engineer "
            "qualification; pass inventor_id in the pool, or link_inventors='none', to control it."
        )
    if not resolved:
        result.warn(
            "Organisations are not resolved in this store: affiliations are the OpenAlex "
            "institution ids, so two ids of one organisation are not seen as the same."
        )
    if method_used.startswith("greedy"):
        result.warn(
            f"The panel comes from the greedy heuristic ({method_used}); it is feasible but "
            "not proven optimal."
        )
    elif method_used != "milp":
        result.warn(f"The MILP stopped early ({status}): the panel may not be optimal.")
    unmatched = [
        a for a, m in zip(table["author_id"].to_pylist(), table["match"].to_pylist(), strict=True)
        if not m
    ]  # fmt: skip
    if unmatched:
        result.warn(
            f"{len(unmatched)} member(s) share no term (two or more) or topic with the project: "
            f"{', '.join(unmatched)}; they fill seats the roles and caps leave to nobody who "
            "matches (widen the pool, the recent years or the caps)."
        )
    if synthetic:
        result.warn("SYNTHETIC DATA: the candidates and their records are generated.")
    return result


# -- inputs ------------------------------------------------------------------------------------
def _ids(values: str | Iterable[Any] | None) -> list[str]:
    """The distinct non-empty ids of ``values`` (one string: one id), in order."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out = [str(v).strip() for v in values if v is not None and str(v).strip()]
    return list(dict.fromkeys(out))


def _check_roles(roles: Mapping[str, int] | None, size: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for r, n in (roles or {}).items():
        if r not in ROLES:
            raise InputError(f"unknown role {r!r}; roles: {', '.join(ROLES)}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InputError(f"roles[{r!r}]={n!r} must be a non-negative integer")
        if n:
            out[r] = out.get(r, 0) + n
    total = sum(out.values())
    if total > size:
        raise InputError(f"the roles ask for {total} members but size={size}")
    if total < size:
        out["member"] = out.get("member", 0) + size - total
    return out
