"""The decision layer for the web: positioning, bottlenecks, strategic actors, gatekeepers,
technology watch, benchmarking, talent and the IP landscape.

Each function calls one decision of :mod:`forcemap.decide` (or :func:`forcemap.network.
gatekeepers`) and returns plain Python ready for Jinja and pydantic: the rule with its
parameters, the caveats, the synthetic flag and the rows. The page and its ``/api/v1/…`` twin
ask for the same result (:mod:`forcemap.web.results`, cached by
:meth:`forcemap.web.state.WebState.result`), so they show the same numbers and the decision
runs once per store and arguments. No decision logic lives
here; only presentation (the country × industry matrix grid, the choice of countries shown).
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa

from forcemap.decide.params import CONSORTIUM, POSITIONING
from forcemap.decide.result import DecisionResult, Rule
from forcemap.store.reference import reference_table
from forcemap.store.store import Store
from forcemap.web.queries import clean, rows

__all__ = [
    "actors_view",
    "allocation_view",
    "auto_unit",
    "benchmark_series_view",
    "benchmark_view",
    "bottlenecks_view",
    "by_unit",
    "consortium_view",
    "country_names",
    "gatekeepers_view",
    "has_projects",
    "landscape_view",
    "panel_view",
    "positioning_view",
    "review_view",
    "rule_out",
    "search_view",
    "talent_view",
    "text_index",
    "watch_unit",
    "watch_view",
]

#: Columns of the country × industry matrix (the countries with most top documents).
MATRIX_COUNTRIES = 15


def _json(value: Any) -> Any:
    """A JSON-safe copy of a rule parameter (nested lists/dicts, NaN → None)."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json(v) for v in value]
    value = clean(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def rule_out(rule: Rule) -> dict[str, Any]:
    """The rule as ``{name, statement, parameters, references}`` (JSON-safe)."""
    return {
        "name": rule.name,
        "statement": rule.statement,
        "parameters": _json(dict(rule.parameters)),
        "conventions": _json(dict(rule.conventions)),
        "references": list(rule.references),
    }


def _head(result: DecisionResult) -> dict[str, Any]:
    return {
        "rule": rule_out(result.rule),
        "caveats": list(result.caveats),
        "data_coverage": [
            {
                "what": c.what,
                "known": c.known,
                "total": c.total,
                "share": c.share,
                "minimum": c.minimum,
                "below": c.below,
                "text": c.describe(),
            }
            for c in result.coverage
        ],
        "synthetic": bool(result.synthetic),
    }


def country_names() -> dict[str, str]:
    """ISO alpha-2 → country name (the shipped reference table's short name, unless that is
    an abbreviation such as ``US``)."""
    t = reference_table("countries")
    return {
        k: (s if s and len(s) > 3 else n or s or k)
        for k, s, n in zip(
            t["iso2"].to_pylist(), t["short_name"].to_pylist(), t["name"].to_pylist(), strict=True
        )
        if k
    }


def auto_unit(store: Store, works_slice: pa.Table, patents_slice: pa.Table) -> str:
    """``field`` when the store has no patents and the industry slices are empty, else
    ``industry`` (the catalog industries)."""
    n_patents = store.scalar("SELECT count(*) FROM patents") or 0
    if not n_patents and works_slice.num_rows == 0 and patents_slice.num_rows == 0:
        return "field"
    return "industry"


# -- positioning -----------------------------------------------------------------------------
def positioning_view(
    store: Store,
    *,
    country: str,
    unit: str,
    min_top_documents: float = POSITIONING.min_top_documents,
    min_documents: float = POSITIONING.min_documents,
    min_coverage: float = POSITIONING.min_coverage,
    matrix_countries: int = MATRIX_COUNTRIES,
    citations: str = "auto",
    patent_unit: str = POSITIONING.patent_unit,
) -> dict[str, Any]:
    """:func:`forcemap.decide.positioning.positioning` for ``country`` and the matrix
    (the evidence minimums as in the decision).

    Returns
    -------
    dict
        rule, caveats, synthetic, country, unit, years, rows (the home country's table),
        matrix [{unit, country, class, level}] (every country with evidence), grid (the
        page's matrix: ``countries`` shown — the ``matrix_countries`` with most top
        documents, the home country always — and ``units`` [{unit, name, cells}] with one
        cell {country, class, level} or None per country), countries (every country with
        evidence, for the country selector).
    """
    from forcemap.decide.positioning import positioning, positioning_matrix

    result = positioning(
        store,
        country=country,
        unit=unit,  # type: ignore[arg-type]
        min_top_documents=min_top_documents,
        min_documents=min_documents,
        min_coverage=min_coverage,
        citations=citations,
        patent_unit=patent_unit,
    )
    home = rows(result.table)
    for r in home:
        r["level_display"] = _level(r["level"])
        r["level_interval"] = _interval(r.get("level_low"), r.get("level_high"))
        r["class_key"] = _class_key(r["class"])
    levels = [r for r in rows(result.evidence["levels"]) if r["period"] == "cur"]
    mass: dict[str, float] = {}
    for r in levels:
        mass[r["country"]] = mass.get(r["country"], 0.0) + r["top_works"] + r["hv_patents"]
    shown = sorted(mass, key=lambda c: (-mass[c], c))[:matrix_countries]
    if country not in shown and country in mass:
        shown = [*shown[: matrix_countries - 1], country]
    cell = {(r["unit"], r["country"]): r for r in levels}
    names = {r["unit"]: r["unit_name"] for r in home}
    order = [r["unit"] for r in home]
    for u in sorted({r["unit"] for r in levels} - set(order)):
        order.append(u)
    unit_names = _unit_names(store, unit)
    grid_units = []
    for u in order:
        cells = []
        for c in shown:
            hit = cell.get((u, c))
            cells.append(
                None
                if hit is None
                else {
                    "country": c,
                    "class": hit["class"],
                    "key": _class_key(hit["class"]),
                    "level": hit["level"],
                    "interval": _interval(hit.get("level_low"), hit.get("level_high")),
                    "text": _level(hit["level"]),
                }
            )
        grid_units.append({"unit": u, "name": names.get(u) or unit_names.get(u, u), "cells": cells})
    return {
        **_head(result),
        "country": country,
        "unit": unit,
        "years": str(result.rule.parameters.get("years", "")),
        "rows": home,
        "matrix": rows(positioning_matrix(result)),
        "grid": {"countries": shown, "units": grid_units},
        "countries": sorted(mass),
    }


def _level(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.0f}"


def _interval(low: Any, high: Any) -> str:
    """A level's stability interval as text ("12–25"; "–" when there is none)."""
    if _level(low) == "–" or _level(high) == "–":
        return "–"
    return f"{_level(low)}–{_level(high)}"


def _class_key(label: str) -> str:
    """The CSS key of a positioning class: the label itself (leading, parallel, catch-up),
    ``borderline`` or ``insufficient``."""
    if label.startswith("borderline"):
        return "borderline"
    if label.startswith("insufficient"):
        return "insufficient"
    return label


def _unit_names(store: Store, unit: str) -> dict[str, str]:
    if unit == "industry":
        from forcemap.store.reference import load_industry_catalog

        return {k: ind.name for k, ind in load_industry_catalog().items()}
    got = store.sql(
        "SELECT concept_id, any_value(name) FROM work_concepts WHERE level = 0 GROUP BY 1"
    ).fetchall()
    return {k: v for k, v in got if v}


# -- bottlenecks -----------------------------------------------------------------------------
def bottlenecks_view(
    store: Store, *, country: str, industry: str | None, org_level: str = "self",
    patent_unit: str = "family",
) -> dict[str, Any]:  # fmt: skip
    """:func:`forcemap.decide.bottlenecks.bottlenecks` for ``country`` (one industry or all).

    Returns
    -------
    dict
        rule, caveats, synthetic, country, industry, rows (the ranked candidates),
        groups_assessed (CPC groups in scope), trade_tested (None without trade data, else the
        HS6 products tested), trade (the products failing the EU dependency test, ranked).
    """
    from forcemap.decide.bottlenecks import bottlenecks

    result = bottlenecks(
        store, country=country, industry=industry, org_level=org_level, patent_unit=patent_unit
    )
    trade = result.evidence.get("trade")
    dependent: list[dict[str, Any]] = []
    if trade is not None:
        dependent = [r for r in rows(trade) if r["dependent"]]
    return {
        **_head(result),
        "country": country,
        "industry": industry,
        "rows": rows(result.table),
        "groups_assessed": result.evidence["groups"].num_rows,
        "trade_tested": None if trade is None else trade.num_rows,
        "trade": dependent,
    }


# -- strategic actors ------------------------------------------------------------------------
#: Organisations kept per industry in the cached actors result (the API's ``top`` maximum).
ACTORS_KEPT = 200


def actors_view(
    store: Store, *, country: str, industry: str | None, citations: str = "auto",
    org_level: str = "self", patent_unit: str = "family",
) -> dict[str, Any]:  # fmt: skip
    """:func:`forcemap.decide.actors.strategic_actors` for ``country``, the best
    :data:`ACTORS_KEPT` per industry (callers slice ``rows`` to their ``top``).

    Raises
    ------
    InputError
        Organisations are not resolved in the store.
    """
    from forcemap.decide.actors import strategic_actors

    result = strategic_actors(
        store, country=country, industry=industry, top=ACTORS_KEPT, citations=citations,
        org_level=org_level, patent_unit=patent_unit,
    )  # fmt: skip
    return {
        **_head(result),
        "country": country,
        "industry": industry,
        "rows": rows(result.table),
    }


def top_actors(view: dict[str, Any], top: int) -> dict[str, Any]:
    """``view`` with only the first ``top`` rows of each industry: the ranked organisations,
    then (rank null) those with insufficient evidence."""
    seen: dict[str, int] = {}
    kept = []
    for r in view["rows"]:
        seen[r["industry"]] = seen.get(r["industry"], 0) + 1
        if seen[r["industry"]] <= top:
            kept.append(r)
    return {**view, "rows": kept}


# -- gatekeepers -----------------------------------------------------------------------------
def gatekeepers_view(store: Store, *, industry: str, n: int = 10) -> dict[str, Any]:
    """The cut vertices of the industry's organisation collaboration network.

    Returns
    -------
    dict
        rows [{node_id, label, type, country_code, cut_off, groups_cut_off,
        largest_group_cut_off}], n_nodes, node_resolution.
    """
    from forcemap.network import build_network, gatekeepers

    net = build_network(store, industry=industry)
    return {
        "rows": rows(gatekeepers(net, n=n)),
        "n_nodes": net.nodes.num_rows,
        "node_resolution": net.meta.get("node_resolution", ""),
    }


def industry_row(view: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The home country's positioning row for industry ``key`` (None without evidence)."""
    return next((r for r in view["rows"] if r["unit"] == key), None)


# -- technology watch ------------------------------------------------------------------------
def watch_unit(store: Store) -> str:
    """``topic`` when the store has OpenAlex topics, else ``concept`` (the watch page's and
    API's default unit)."""
    return "topic" if store.scalar("SELECT count(*) FROM work_topics") else "concept"


def watch_view(
    store: Store,
    *,
    country: str,
    industry: str | None,
    unit: str,
    top: int = 20,
    qualified_only: bool = False,
    thin_records: int = 20,
    min_coherence: float = 0.2,
    citations: str = "auto",
    org_level: str = "self", patent_unit: str = "family",
) -> dict[str, Any]:  # fmt: skip
    """:func:`forcemap.decide.watch.technology_watch` for ``country``: the best ``top`` units
    (cached per ``top``: the caveats name listed units, so a longer list is not sliced).

    Returns
    -------
    dict
        rule, caveats, synthetic, country, industry, unit, window, rows (the watch list:
        emerging first, with the ``status``, the attribute evidence, the percentiles ``p_*``
        and the 3-year ``volumes``), generic (the concepts too generic to rank), works,
        organizations, sleeping_beauties (the evidence rows of the listed units, each with
        its ``unit``), disruptive_works (the seeds: the scope's records by mCD_5).
    """
    from forcemap.decide.watch import technology_watch

    result = technology_watch(
        store, country=country, industry=industry, unit=unit, top=top,
        qualified_only=qualified_only, thin_records=thin_records, min_coherence=min_coherence,
        citations=citations, org_level=org_level, patent_unit=patent_unit,
    )  # fmt: skip
    return {
        **_head(result),
        "country": country,
        "industry": industry,
        "unit": unit,
        "window": result.rule.parameters.get("window"),
        "rows": rows(result.table),
        "generic": rows(result.evidence["generic"]),
        "works": rows(result.evidence["works"]),
        "organizations": rows(result.evidence["organizations"]),
        "sleeping_beauties": rows(result.evidence["sleeping_beauties"]),
        "disruptive_works": rows(result.evidence["disruptive_works"]),
    }


def by_unit(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Evidence rows grouped by their ``unit`` (order kept)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in items:
        out.setdefault(r["unit"], []).append(r)
    return out


# -- benchmark -------------------------------------------------------------------------------
def benchmark_view(
    store: Store,
    *,
    country: str,
    industry: str | None,
    unit: str = "industry",
    peers: tuple[str, ...] = (),
    k: int = 5,
    min_impact_works: float = 50.0,
    partial_years: str = "auto",
    citations: str = "auto",
    org_level: str = "self", patent_unit: str = "family",
) -> dict[str, Any]:  # fmt: skip
    """:func:`forcemap.decide.benchmark.benchmark` of ``country`` against its peers.

    Returns
    -------
    dict
        rule, caveats, synthetic, country, industry, unit, rows (per unit the home country
        and its peers, by fractional output, with intervals and impact evidence).
    """
    from forcemap.decide.benchmark import benchmark

    result = benchmark(
        store, country=country, industry=industry, peers=list(peers) or None, k=k,
        unit=unit,  # type: ignore[arg-type]
        partial_years=partial_years,  # type: ignore[arg-type]
        min_impact_works=min_impact_works, citations=citations, org_level=org_level,
        patent_unit=patent_unit,
    )  # fmt: skip
    return {**_head(result), "country": country, "industry": industry, "unit": unit,
            "rows": rows(result.table)}  # fmt: skip


def benchmark_series_view(
    store: Store,
    *,
    unit: str = "country",
    units: tuple[str, ...] = (),
    industry: str | None = None,
    top: int = 5,
    span: int = 10,
    min_impact_works: float = 50.0,
    partial_years: str = "auto",
    org_level: str = "self",
) -> dict[str, Any]:
    """:func:`forcemap.decide.benchmark.benchmark_series`: entities year by year.

    Returns
    -------
    dict
        rule, caveats, data_coverage, synthetic, unit, industry, rows (per entity and year,
        with intervals, ``partial`` and impact evidence), world (per year).
    """
    from forcemap.decide.benchmark_series import benchmark_series

    result = benchmark_series(
        store,
        units=list(units) or None,
        unit=unit,  # type: ignore[arg-type]
        industry=industry,
        top=top,
        span=span,
        min_impact_works=min_impact_works,
        partial_years=partial_years,  # type: ignore[arg-type]
        org_level=org_level,
    )
    return {
        **_head(result),
        "unit": unit,
        "industry": industry,
        "rows": rows(result.table),
        "world": rows(result.evidence["world"]),
    }


# -- talent ----------------------------------------------------------------------------------
def talent_view(
    store: Store,
    *,
    country: str,
    industry: str | None,
    unit: str = "industry",
    top: int = 25,
    citations: str = "auto",
    org_level: str = "self",
) -> dict[str, Any]:
    """:func:`forcemap.decide.talent.talent`: strategic and rising scientists of ``country``.

    Returns
    -------
    dict
        rule, caveats, synthetic, country, industry, unit, rows (per unit the ``top``
        strategic then the ``top`` rising scientists), flows (affiliation changes, most moves
        first), balance (the home country's inflow, outflow and net, overall and by sector).
    """
    from forcemap.decide.talent import talent

    result = talent(
        store,
        country=country,
        industry=industry,
        unit=unit,  # type: ignore[arg-type]
        top=top,
        citations=citations,
        org_level=org_level,
    )
    flows = sorted(
        rows(result.evidence["flows"]),
        key=lambda r: (-r["moves"], r["from_country"] or "", r["to_country"] or ""),
    )
    return {
        **_head(result),
        "country": country,
        "industry": industry,
        "unit": unit,
        "rows": rows(result.table),
        "flows": flows,
        "balance": rows(result.evidence["balance"]),
    }


# -- IP landscape ----------------------------------------------------------------------------
def landscape_view(
    store: Store, *, country: str, industry: str | None, top: int = 20, org_level: str = "self",
    patent_unit: str = "family",
) -> dict[str, Any]:  # fmt: skip
    """:func:`forcemap.decide.landscape.landscape` with ``top_holders=top``.

    Returns
    -------
    dict
        rule, caveats, synthetic, country, industry, rows (per industry the ``top`` largest
        holders and the home country's ``top`` largest, by rank), matrix (holder × CPC group
        patent counts of those holders), white_spaces (rising technologies without a holder
        of the home country, ranked), groups (technologies assessed).
    """
    from forcemap.decide.landscape import landscape

    result = landscape(
        store, country=country, industry=industry, top_holders=top, org_level=org_level,
        patent_unit=patent_unit,
    )  # fmt: skip
    home_rank: dict[str, int] = {}
    kept = []
    for r in rows(result.table):
        if r["is_home"]:
            home_rank[r["industry"]] = home_rank.get(r["industry"], 0) + 1
        if r["rank"] <= top or (r["is_home"] and home_rank[r["industry"]] <= top):
            kept.append(r)
    return {
        **_head(result),
        "country": country,
        "industry": industry,
        "rows": kept,
        "matrix": rows(result.evidence["matrix"]),
        "white_spaces": rows(result.evidence["white_spaces"]),
        "insufficient": [
            g
            for g in rows(result.evidence["groups"])
            if g["home_holders"] == 0 and str(g["outcome"]).startswith("insufficient evidence")
        ],
        "groups": result.evidence["groups"].num_rows,
    }


def heatmap_grid(
    matrix: list[dict[str, Any]], *, max_holders: int = 20, max_cpc: int = 25
) -> tuple[list[str], list[str], list[list[int | None]]]:
    """The holder × CPC matrix as (holder labels by rank, CPC groups by patents, z rows);
    the ``max_holders`` best-ranked holders and the ``max_cpc`` largest groups."""
    holders: dict[str, tuple[int, str]] = {}
    totals: dict[str, int] = {}
    for r in matrix:
        holders.setdefault(r["org_id"], (r["rank"], r["name"] or r["org_id"]))
        totals[r["cpc"]] = totals.get(r["cpc"], 0) + r["patents"]
    hs = sorted(holders, key=lambda h: (holders[h][0], h))[:max_holders]
    cs = sorted(totals, key=lambda c: (-totals[c], c))[:max_cpc]
    cell = {(r["org_id"], r["cpc"]): r["patents"] for r in matrix}
    labels = []
    for h in hs:
        rank, name = holders[h]
        labels.append(f"{rank}. {name}")
    z = [[cell.get((h, c)) for c in cs] for h in hs]
    return labels, cs, z


# -- consortium builder ----------------------------------------------------------------------
#: Candidates listed beside a consortium (the strongest of the pool).
CONSORTIUM_CANDIDATES = 25


def consortium_view(
    store: Store,
    *,
    industry: str,
    sub_technologies: str | tuple[str, ...] | None = None,
    lead: str | None = None,
    size: int = 6,
    min_types: tuple[tuple[str, int], ...] = (),
    must_include: tuple[str, ...] = (),
    must_exclude: tuple[str, ...] = (),
    country: str | None = None,
    method: str = "milp",
    org_level: str = "self",
    depth: int = CONSORTIUM.depth,
    depth_discount: float = CONSORTIUM.depth_discount,
    min_contribution: float = CONSORTIUM.min_contribution,
) -> dict[str, Any]:
    """:func:`forcemap.decide.consortium.consortium` as plain data.

    Returns
    -------
    dict
        rule, caveats, synthetic, industry, rows (the members, lead first, each with ``why``),
        sub_technologies (coverage per sub-technology), coverage (the sub-technology × member
        grid: ``members`` [org ids] and ``rows`` [{sub_technology, name, weight, coverage,
        cells: [{strength, raw_strength, credited}] per member}]), candidates (the strongest
        of the pool), solver (method asked and used, status, objectives, gap).
    """
    from forcemap.decide.consortium import consortium

    subs_arg = list(sub_technologies) if isinstance(sub_technologies, tuple) else sub_technologies
    result = consortium(
        store, industry=industry, sub_technologies=subs_arg, lead=lead, size=size,
        min_types=dict(min_types) or None, must_include=must_include, must_exclude=must_exclude,
        country=country, method=method, org_level=org_level, depth=depth,
        depth_discount=depth_discount, min_contribution=min_contribution,
    )  # fmt: skip
    members = rows(result.table)
    subs = rows(result.evidence["sub_technologies"])
    cells = {(r["sub_technology"], r["org_id"]): r for r in rows(result.evidence["coverage"])}
    ids = [m["org_id"] for m in members]
    grid = [
        {
            **s,
            "cells": [
                {
                    k: cells.get((s["sub_technology"], o), {}).get(k)
                    for k in ("strength", "raw_strength", "credited")
                }
                for o in ids
            ],
        }
        for s in subs
    ]
    p = result.rule.parameters
    return {
        **_head(result),
        "industry": industry,
        "rows": members,
        "sub_technologies": subs,
        "coverage": {"members": ids, "rows": grid},
        "candidates": rows(result.evidence["candidates"])[:CONSORTIUM_CANDIDATES],
        "solver": {
            "method": p["method"],
            "method_used": p["method_used"],
            "status": p["solver_status"],
            "optimal": p["method_used"] == "milp",
            "objective": p["objective"],
            "coverage_objective": p["coverage_objective"],
            "milp_objective": p["milp_objective"],
            "greedy_objective": p["greedy_objective"],
            "mip_gap": clean(p["mip_gap"]),
            "n_candidates": p["n_candidates"],
        },
    }


# -- review panel ----------------------------------------------------------------------------
#: Excluded candidates listed on the panel page (the API returns every one).
PANEL_EXCLUDED_SHOWN = 200


def _solver(params: dict[str, Any]) -> dict[str, Any]:
    """The solver block of an optimisation result: asked and used method, status."""
    return {
        "method": params.get("method"),
        "method_used": params.get("method_used"),
        "status": params.get("solver_status") or params.get("status"),
        "optimal": params.get("method_used") == "milp",
        "objective": clean(params.get("objective")),
    }


def panel_view(
    store: Store,
    *,
    applicants: tuple[str, ...],
    text: str | None = None,
    topics: tuple[str, ...] = (),
    concepts: tuple[str, ...] = (),
    size: int = 5,
    roles: tuple[tuple[str, int], ...] = (),
    coi_years: int = 5,
    max_per_org: int | None = 1,
    max_per_country: int | None = None,
    method: str = "milp",
) -> dict[str, Any]:
    """:func:`forcemap.decide.panel.review_panel` as plain data.

    Returns
    -------
    dict
        rule, caveats, synthetic, rows (the panel, each with its ``reasons``), excluded (every
        (candidate, rule, applicant) conflict with its evidence ids and years, best match
        first), excluded_people (distinct excluded candidates), ranking (the best-matching
        active candidates and their status), applicants (how each applicant id was read),
        solver.
    """
    from forcemap.decide.panel import review_panel

    result = review_panel(
        store,
        applicants=list(applicants),
        text=text or None,
        topics=list(topics) or None,
        concepts=list(concepts) or None,
        size=size,
        roles=dict(roles) or None,
        coi_years=coi_years,
        max_per_org=max_per_org,
        max_per_country=max_per_country,
        method=method,
    )
    excluded = rows(result.evidence["excluded"])
    excluded.sort(key=lambda r: (-(r["match"] or -1.0), r["author_id"], r["rule"]))
    p = result.rule.parameters
    return {
        **_head(result),
        "rows": rows(result.table),
        "excluded": excluded,
        "excluded_people": len({r["author_id"] for r in excluded}),
        "ranking": rows(result.evidence["ranking"]),
        "applicants": rows(result.evidence["applicants"]),
        "solver": _solver(dict(p)),
    }


# -- portfolio: project review and budget allocation -----------------------------------------
#: Recommendations of the stage-gate review, worst first.
RECOMMENDATIONS = ("withdraw", "review", "continue")


def has_projects(store: Store) -> bool:
    """True when the store holds at least one research project."""
    return bool(store.scalar("SELECT count(*) FROM projects"))


def review_view(
    store: Store,
    *,
    as_of: str | None = None,
    min_age_years: float = 2.0,
    withdraw_below: float = 0.25,
    review_below: float = 0.5,
) -> dict[str, Any]:
    """:func:`forcemap.decide.portfolio.project_review` as plain data.

    Returns
    -------
    dict
        rule, caveats, synthetic, as_of, rows (one per project, withdraw first, each with its
        ``reasons``), counts (projects per recommendation), benchmarks (the portfolio medians
        used), outputs (the counted outputs with their impact).
    """
    from forcemap.decide.portfolio import project_review

    result = project_review(
        store,
        as_of=as_of,
        min_age_years=min_age_years,
        withdraw_below=withdraw_below,
        review_below=review_below,
    )
    table = rows(result.table)
    return {
        **_head(result),
        "as_of": result.rule.parameters["as_of"],
        "rows": table,
        "counts": {k: sum(r["recommendation"] == k for r in table) for k in RECOMMENDATIONS},
        "benchmarks": rows(result.evidence["benchmarks"])[0],
        "outputs": rows(result.evidence["outputs"]),
    }


def allocation_view(
    store: Store,
    *,
    budget: float,
    country: str = "CN",
    max_share_per_industry: float | None = None,
    min_per_industry: int | None = None,
    method: str = "milp",
) -> dict[str, Any]:
    """:func:`forcemap.decide.portfolio.allocate_budget` as plain data.

    Returns
    -------
    dict
        rule, caveats, synthetic, rows (every candidate, the selected first, by value),
        industries (candidates, selected, spend and share per industry), solver (method used,
        status, objective, budget, spent, share of the budget used, candidates, selected).
    """
    from forcemap.decide.portfolio import allocate_budget

    result = allocate_budget(
        store,
        budget=budget,
        country=country,
        max_share_per_industry=max_share_per_industry,
        min_per_industry=min_per_industry,
        method=method,
    )
    solver = rows(result.evidence["solver"])[0]
    spent, total = solver["spent"] or 0.0, solver["budget"] or 0.0
    return {
        **_head(result),
        "rows": rows(result.table),
        "industries": rows(result.evidence["industries"]),
        "solver": {
            **solver,
            "method": method,
            "optimal": solver["method_used"] == "milp",
            "budget_used": spent / total if total > 0 else None,
        },
    }


# -- search ----------------------------------------------------------------------------------
def text_index(store: Store, entity: str) -> tuple[Any, dict[tuple[str, str], int]]:
    """The TF-IDF index :func:`forcemap.decide.explore.search` builds for a store (no
    vocabulary pruning: ``min_df=1``, ``max_df=1.0``) and its (id, entity) → row map: the
    store's precomputed index when it is fresh (``forcemap precompute``), else built now."""
    from forcemap.decide.explore import build_text_index, store_text_index

    index = store_text_index(store, entity)
    if index is None:
        index = build_text_index(store, entity=entity, min_df=1, max_df=1.0)
    where = {(d, e): i for i, (d, e) in enumerate(zip(index.ids, index.entities, strict=True))}
    return index, where


def search_view(
    index: Any,
    where: dict[tuple[str, str], int],
    *,
    query: str,
    k: int = 20,
    entity: str = "works",
    synthetic: bool = False,
) -> dict[str, Any]:
    """:func:`forcemap.decide.explore.search` by TF-IDF over a prepared index, each hit with
    the query terms it matched (by their share of its score).

    Returns
    -------
    dict
        rule, caveats, synthetic, query, entity, method (``tfidf``), documents, rows (rank,
        id, entity, year, title, score, terms: [{term, share}]), unknown_terms.
    """
    from forcemap.decide.explore import search

    result = search(index, query, k=k, entity=entity, method="tfidf")
    if synthetic:
        result.synthetic = True
        result.warn("SYNTHETIC DATA: the store holds records from a synthetic world.")
    cols, weights, unknown = index.query_vector(query)
    qw = dict(zip(cols.tolist(), weights.tolist(), strict=True))
    hits = rows(result.table)
    # the hits' rows read from the CSR arrays directly (a getrow() per hit costs more than
    # the whole search on small stores)
    matrix = index.matrix.tocsr()
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    for h in hits:
        r = where[(h["id"], h["entity"])]
        lo, hi = int(indptr[r]), int(indptr[r + 1])
        contrib = {
            index.vocabulary[c]: float(x) * qw[c]
            for c, x in zip(indices[lo:hi].tolist(), data[lo:hi].tolist(), strict=True)
            if c in qw
        }
        total = sum(contrib.values()) or 1.0
        h["terms"] = [
            {"term": t, "share": v / total}
            for t, v in sorted(contrib.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
    return {
        **_head(result),
        "query": query,
        "entity": entity,
        "method": result.rule.parameters["method"],
        "documents": index.n_documents,
        "rows": hits,
        "unknown_terms": unknown,
    }
