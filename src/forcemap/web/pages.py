"""Server-rendered pages: a small registry drives the routes and the navigation.

Adding a page
-------------
Write one function and one template::

    @page("/projects", title="Projects", template="projects.html")
    def projects(request: Request, store: StoreDep) -> dict[str, Any]:
        return {"rows": queries.project_list(store)}

The function takes ``request`` (required) plus any FastAPI parameters and returns the
template context; the decorator (:meth:`forcemap.web.templating.PageSet.page`) registers a
GET route on this module's :data:`router` and a nav entry (``nav=False`` keeps it out of the
menu). A ``status_code`` key in the context sets the response status (a form page
re-rendered with its error message answers 4xx). The decision tools with forms (consortium,
review panel, portfolio, search) live in :mod:`forcemap.web.forms`, with their own router;
:data:`PAGES` lists this module's pages, then theirs. Templates extend ``base.html`` (nav,
synthetic-data banner, the locally served Plotly bundle); figures are built with
:mod:`forcemap.web.figures`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request
from markupsafe import Markup

from forcemap.errors import ForcemapError, InputError
from forcemap.network import KINDS
from forcemap.store.store import Store
from forcemap.web import (
    decisions,
    figures,
    forms,
    mapping_history,
    mapping_themes,
    queries,
    results,
)
from forcemap.web import mapping as _mapping
from forcemap.web.state import Cached, StateDep, StoreDep, WebState
from forcemap.web.templating import Page, PageSet, render

__all__ = ["PAGES", "Page", "page", "render", "router"]

_pages = PageSet()
#: Register a page of this module (:meth:`forcemap.web.templating.PageSet.page`).
page = _pages.page
#: The routes of this module's pages (included by :func:`forcemap.web.app.create_app`).
router = _pages.router


@page("/", title="Overview", template="overview.html")
def overview_page(request: Request, store: StoreDep, state: StateDep) -> dict[str, Any]:
    """Store contents, works per year/type, countries, institutions, ingest, quarantine."""
    if state.overview is None:  # pragma: no cover - lifespan sets it
        raise InputError("the store summary is not available")
    data = state.overview
    wy = data["works_by_year"]
    wt = data["works_by_type"]
    tc = data["top_countries"]
    return {
        "data": data,
        "fig_years": figures.bar(
            [r["year"] for r in wy], [r["works"] for r in wy], x_title="year", y_title="works"
        ),
        "fig_types": figures.bar(
            [r["type"] for r in wt],
            [r["works"] for r in wt],
            x_title="type",
            y_title="works",
            horizontal=True,
        ),
        "fig_countries": figures.bar(
            [r["country_code"] for r in tc],
            [r["works"] for r in tc],
            x_title="country",
            y_title="works (full counting)",
        ),
    }


@page("/industries", title="Industries", template="industries.html")
def industries_page(request: Request, store: StoreDep, state: StateDep) -> dict[str, Any]:
    """The industry catalog with each industry's slice size."""
    return {"industries": results.industry_list(state, store)}


_OPT_COUNTRY = r"^([A-Za-z]{2})?$"
#: Rows of the decision tables on the industry page.
INDUSTRY_TOP = 15


def _block(compute: Callable[[], Any]) -> dict[str, Any]:
    """``{"v": result, "error": None}``, or the message of a ForcemapError (a store without
    patents, trade or resolved organisations still renders the page, with a note)."""
    try:
        return {"v": compute(), "error": None}
    except ForcemapError as e:
        return {"v": None, "error": str(e)}


#: Scientists of each kind (strategic, rising) on the industry page.
INDUSTRY_TALENT = 10
#: Holders of the IP landscape (table and heatmap rows) on the industry page.
INDUSTRY_HOLDERS = 15


def _industry_decisions(store: Store, state: WebState, key: str, country: str) -> dict[str, Any]:
    """The decision blocks of one industry for ``country`` (each cached in ``state``).

    All blocks are computed server-side on the first request and cached per (country,
    industry): on the synthetic test world (scale 0.25) benchmark, talent and landscape take
    about 0.5, 0.4 and 0.15 s (plus a one-off numba warm-up per process), so none is
    lazy-loaded; the page stays one plain GET that works without JavaScript.
    """

    def result(spec: Cached[dict[str, Any]], **args: Any) -> dict[str, Any]:
        return state.result(spec, store, **args)

    pos = _block(lambda: result(results.POSITIONING, country=country, unit="industry"))
    pos["row"] = decisions.industry_row(pos["v"], key) if pos["v"] else None
    bn = _block(lambda: result(results.BOTTLENECKS, country=country, industry=key))
    act = _block(
        lambda: decisions.top_actors(
            result(results.ACTORS, country=country, industry=key), INDUSTRY_TOP
        )
    )
    gk = _block(lambda: result(results.GATEKEEPERS, industry=key))
    bench = _block(lambda: result(results.BENCHMARK, country=country, industry=key))
    # the home country and its peers year by year (the countries of the benchmark table)
    shown = tuple(dict.fromkeys(r["country"] for r in (bench["v"] or {}).get("rows", [])))
    series = _block(
        lambda: result(results.BENCHMARK_SERIES, unit="country", units=shown, industry=key)
    )
    tal = _block(lambda: result(results.TALENT, country=country, industry=key, top=INDUSTRY_TALENT))
    if tal["v"]:
        tal["strategic"] = [r for r in tal["v"]["rows"] if r["kind"] == "strategic"]
        tal["rising"] = [r for r in tal["v"]["rows"] if r["kind"] == "rising"]
        tal["flows"] = [
            r
            for r in tal["v"]["flows"]
            if country in (r["from_country"], r["to_country"])
            and r["from_country"] != r["to_country"]
        ][:10]
    land = _block(
        lambda: result(results.LANDSCAPE, country=country, industry=key, top=INDUSTRY_HOLDERS)
    )
    return {
        "pos": pos,
        "bn": bn,
        "actors": act,
        "gatekeepers": gk,
        "bench": bench,
        "series": series,
        "series_units": ",".join(shown),
        "talent": tal,
        "land": land,
    }


def _benchmark_figure(bench: dict[str, Any], country: str) -> Markup | None:
    """Bars of fractional works and PP(top 10 %) of the home country and its peers."""
    v = bench["v"]
    if not v or not any(r["rank"] for r in v["rows"]):
        return None
    rs = v["rows"]
    return figures.panels(
        [r["country"] for r in rs],
        {
            "works (fractional)": [r["works_frac"] for r in rs],
            "PP(top 10 %)": [r["pp_top10"] for r in rs],
        },
        highlight=country,
    )


def _benchmark_series_figure(series: dict[str, Any], country: str) -> Markup | None:
    """World share per year of the home country and its peers, with the stability interval
    of each year as an error bar; an incomplete year is drawn as an open marker."""
    import plotly.graph_objects as go

    v = series["v"]
    if not v or not any(r["works"] for r in v["rows"]):
        return None
    fig = go.Figure()
    for entity in dict.fromkeys(r["entity"] for r in v["rows"]):
        rs = [r for r in v["rows"] if r["entity"] == entity]
        share = [r["world_share"] for r in rs]
        fig.add_trace(
            go.Scatter(
                x=[r["year"] for r in rs],
                y=share,
                name=entity,
                mode="lines+markers",
                line={"width": 3 if entity == country else 1.5},
                marker={"symbol": ["circle-open" if r["partial"] else "circle" for r in rs]},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        None
                        if r["world_share_high"] is None or y is None
                        else r["world_share_high"] - y
                        for r, y in zip(rs, share, strict=True)
                    ],
                    "arrayminus": [
                        None
                        if r["world_share_low"] is None or y is None
                        else y - r["world_share_low"]
                        for r, y in zip(rs, share, strict=True)
                    ],
                },
            )
        )
    fig.update_xaxes(title_text="year (open marker: incomplete)")
    fig.update_yaxes(title_text="share of world output")
    return figures.to_markup(fig)


def _landscape_figure(land: dict[str, Any]) -> Markup | None:
    """The holder × CPC group heatmap (patents, full count) of the landscape."""
    v = land["v"]
    if not v or not v["matrix"]:
        return None
    labels, cpc, z = decisions.heatmap_grid(v["matrix"], max_holders=INDUSTRY_HOLDERS)
    return figures.heatmap(labels, cpc, z, colorbar_title="patents")


@page("/industries/{key}", title="Industry", template="industry.html", nav=False)
def industry_page(
    request: Request,
    key: str,
    store: StoreDep,
    state: StateDep,
    country: Annotated[str, Query(pattern=_OPT_COUNTRY)] = "",
) -> dict[str, Any]:
    """One industry: definition, output per year, top countries and organisations, and the
    decisions for the home country (positioning, bottlenecks, trade, strategic actors,
    benchmark against peers, talent, IP landscape)."""
    d = results.industry_detail(state, store, key)
    wy, py = d["works_by_year"], d["patents_by_year"]
    cc = (country or state.home_country).upper()
    dec = _industry_decisions(store, state, key, cc)
    # the figures are drawn from cached results only: cached with them (drawing them takes
    # ~0.1-0.2 s, most of an already-computed page's time)
    figs = state.cached(
        ("industry_figures", key, cc),
        lambda: {
            "fig_bench": _benchmark_figure(dec["bench"], cc),
            "fig_bench_series": _benchmark_series_figure(dec["series"], cc),
            "fig_matrix": _landscape_figure(dec["land"]),
            "fig_output": figures.bars_by_year(
                {
                    "works": ([r["year"] for r in wy], [r["works"] for r in wy]),
                    "patents": ([r["year"] for r in py], [r["patents"] for r in py]),
                }
            ),
        },
    )
    return {
        "d": d,
        "cc": cc,
        "dec": dec,
        "industry_top": INDUSTRY_TOP,
        "industry_talent": INDUSTRY_TALENT,
        "industry_holders": INDUSTRY_HOLDERS,
        **figs,
    }


@page("/organizations/{org_id}", title="Organisation", template="organization.html", nav=False)
def organization_page(
    request: Request, org_id: str, store: StoreDep, state: StateDep
) -> dict[str, Any]:
    """Identity, output per year, partners and network position of one organisation."""
    analysis = state.result(results.ORG_ANALYSIS, store)
    prof = queries.organization_profile(store, org_id, analysis=analysis)
    wy, py = prof["works_by_year"], prof["patents_by_year"]
    return {
        "o": prof,
        "fig_output": figures.bars_by_year(
            {
                "works": ([r["year"] for r in wy], [r["works"] for r in wy]),
                "patents": ([r["year"] for r in py], [r["patents"] for r in py]),
            }
        ),
    }


@page("/positioning", title="Positioning", template="positioning.html")
def positioning_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    country: Annotated[str, Query(pattern=_OPT_COUNTRY)] = "",
    unit: Annotated[str, Query(pattern="^(industry|field)?$")] = "",
) -> dict[str, Any]:
    """Catch-up / parallel / leading per industry for the home country, the rule, the
    caveats, the strategy per class and the country × industry matrix (drill-down links)."""
    from forcemap.decide.positioning import STRATEGIES

    cc = (country or state.home_country).upper()
    block = _block(lambda: state.result(results.POSITIONING, store, country=cc, unit=unit or None))
    v = block["v"]
    names = decisions.country_names()
    codes = sorted({cc, state.home_country, *(v["countries"] if v else [])})
    fig = None
    if v and v["rows"]:
        rs = v["rows"]
        fig = figures.levels(
            [r["unit_name"] or r["unit"] for r in rs],
            {
                "L": [r["level"] for r in rs],
                "L publications": [r["level_pub"] for r in rs],
                "L technology": [r["level_tech"] for r in rs],
            },
            threshold=float(v["rule"]["parameters"].get("parallel_at", 80.0)),
        )
    return {
        "v": v,
        "error": block["error"],
        "cc": cc,
        "unit": unit,
        "countries": [(c, names.get(c, c)) for c in codes],
        "names": names,
        "industry_keys": set(state.catalog.keys()),
        "strategies": STRATEGIES,
        "fig_levels": fig,
    }


def _short(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis."""
    return text if len(text) <= n else text[: n - 1] + "…"


_OPT_YEAR = r"^(\d{4})?$"
_OPT_KEY = r"^([a-z][a-z0-9_]*)?$"
#: Units of the technology watch (the empty value: auto, topics when the store has them).
WATCH_UNITS = ("topic", "concept", "cpc_group")


@page("/watch", title="Technology watch", template="watch.html")
def watch_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    country: Annotated[str, Query(pattern=_OPT_COUNTRY)] = "",
    industry: Annotated[str, Query(pattern=_OPT_KEY, max_length=64)] = "",
    unit: Annotated[str, Query(pattern="^(" + "|".join(WATCH_UNITS) + ")?$")] = "",
    top: Annotated[int, Query(ge=1, le=100)] = 20,
    qualified: Annotated[str, Query(pattern="^(1|on|true)?$")] = "",
    org_level: Annotated[str, Query(pattern="^(self|parent|top)?$")] = "",
    patent_unit: Annotated[str, Query(pattern="^(family|patent)?$")] = "",
) -> dict[str, Any]:
    """The emerging technologies ``country`` should watch (one industry or the whole store):
    the ranked list, the rule and weights, the caveats, a score chart and per entry its top
    works, most active organisations and sleeping beauties."""
    if industry:
        state.check_industry(industry)
    cc = (country or state.home_country).upper()
    block = _block(
        lambda: state.result(
            results.WATCH,
            store,
            country=cc,
            industry=industry or None,
            unit=unit or None,
            top=top,
            qualified_only=bool(qualified),
            org_level=org_level or "self",
            patent_unit=patent_unit or "family",
        )
    )
    v = block["v"]
    fig = None
    entries: list[dict[str, Any]] = []
    if v and v["rows"]:
        rs = v["rows"]
        fig = figures.bar(
            [_short(f"{r['rank']}. {r['name'] or r['unit']}", 42) for r in rs],
            [r["score"] for r in rs],
            x_title="",
            y_title="composite score (weighted mean percentile)",
            horizontal=True,
            height=max(320, 60 + 22 * len(rs)),
            left=260,
        )
        works = decisions.by_unit(v["works"])
        orgs = decisions.by_unit(v["organizations"])
        beauties = decisions.by_unit(v["sleeping_beauties"])
        entries = [
            {
                "row": r,
                "works": works.get(r["unit"], []),
                "organizations": orgs.get(r["unit"], []),
                "sleeping_beauties": beauties.get(r["unit"], []),
            }
            for r in rs
        ]
    return {
        "v": v,
        "error": block["error"],
        "cc": cc,
        "form": {
            "country": cc,
            "industry": industry,
            "unit": unit,
            "top": top,
            "qualified": bool(qualified),
            "org_level": org_level or "self",
            "patent_unit": patent_unit or "family",
        },
        "units": WATCH_UNITS,
        "industries": [(k, ind.name) for k, ind in state.catalog.items()],
        "entries": entries,
        "fig_scores": fig,
    }


_OPT_COUNTRIES = r"^\s*([A-Za-z]{2}(\s*,\s*[A-Za-z]{2})*)?\s*$"


def _countries(text: str) -> list[str]:
    return sorted({c.strip().upper() for c in text.split(",") if c.strip()})


@page("/network", title="Network explorer", template="network.html")
def network_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    kind: Annotated[str, Query(pattern="^(" + "|".join(KINDS) + ")$")] = "org_collaboration",
    industry: Annotated[str, Query(pattern=_OPT_KEY, max_length=64)] = "",
    year_from: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    year_to: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    countries: Annotated[str, Query(pattern=_OPT_COUNTRIES, max_length=200)] = "",
    counting: Annotated[str, Query(pattern="^(full|fractional)$")] = "full",
    color_by: Annotated[str, Query(pattern="^(type|community|region)$")] = "type",
    max_nodes: Annotated[int, Query(ge=10, le=2000)] = 300,
    org_level: Annotated[str, Query(pattern="^(self|parent|top)$")] = "self",
) -> dict[str, Any]:
    """The interactive graph of a slice, with filters, node details and top brokers."""
    years = None
    if year_from or year_to:
        years = (int(year_from or 1000), int(year_to or 9999))
    view = state.result(
        results.NETWORK,
        store,
        kind=kind,
        industry=industry or None,
        years=years,
        countries=tuple(_countries(countries)),
        counting=counting,
        max_nodes=max_nodes,
        org_level=org_level,
    )
    payload = {
        "nodes": view["nodes"],
        "edges": view["edges"],
        "directed": view["meta"]["directed"],
        "linkable": view["linkable"],
        "color_by": color_by,
    }
    return {
        "v": view,
        "form": {
            "kind": kind,
            "industry": industry,
            "year_from": year_from,
            "year_to": year_to,
            "countries": countries,
            "counting": counting,
            "color_by": color_by,
            "max_nodes": max_nodes,
            "org_level": org_level,
        },
        "kinds": KINDS,
        "industries": [(k, ind.name) for k, ind in state.catalog.items()],
        "graph_json": Markup(json.dumps(payload, ensure_ascii=True).replace("</", "<\\/")),
    }


#: Every page in nav order: this module's, then the decision tools with forms, then science
#: mapping (one nav entry, :mod:`forcemap.web.mapping`'s index, which links the other
#: science-mapping pages: its own, the thematic map's and the history pages).
PAGES: list[Page] = [
    *_pages.pages,
    *forms.PAGES,
    *_mapping.PAGES,
    *mapping_themes.PAGES,
    *mapping_history.PAGES,
]
