"""Science-mapping pages: ``/mapping`` (the index, one nav entry) and its sub-pages.

- ``/mapping/network`` — co-citation, bibliographic coupling or co-word map of a slice, laid
  out server-side with Leiden clusters and drawn with WebGL (sigma.js, vendored under
  ``static/vendor/``, by ``static/mapping.js``);
- ``/mapping/bursts`` — Kleinberg bursts of concepts, topics or cited references;
- ``/mapping/laws`` — Lotka's law, Bradford's zones, h/g/m-index tables, annual growth;
- ``/mapping/collaboration`` — output per country on a world map (Plotly choropleth over the
  vendored topojson) with the strongest collaboration links.

Each page takes its filters as query parameters (a plain GET form), asks
:mod:`forcemap.web.mapping_views` for the cached result its API twin
(:mod:`forcemap.web.mapping_api`) returns, and links each table to its CSV/XLSX download.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import plotly.graph_objects as go
import plotly.io as pio
from fastapi import Query, Request
from markupsafe import Markup

from forcemap.indicators.bursts import BURST_UNITS
from forcemap.network.science_maps import MAP_KINDS, MAP_UNITS
from forcemap.web import mapping_views as mv
from forcemap.web.state import StateDep, StoreDep
from forcemap.web.templating import Page, PageSet

__all__ = ["PAGES", "router"]

_pages = PageSet()
router = _pages.router

_OPT_YEAR = r"^(\d{4})?$"
_OPT_KEY = r"^([a-z][a-z0-9_]*)?$"
_OPT_INT = r"^(\d{1,6})?$"
_OPT_NUM = r"^(\d{1,6}(\.\d{1,6})?)?$"
#: Bursts drawn in the timeline figure (the table lists them all).
BURSTS_FIGURE = 40
#: Plotly's config for maps: the world topojson is served from /static/vendor/.
MAP_CONFIG = {"displaylogo": False, "responsive": True, "topojsonURL": "/static/vendor/"}


def _figure(fig: go.Figure, *, height: int, config: dict[str, Any], left: int = 50) -> Markup:
    """A figure as a ``div.plotly-graph-div`` and its JSON data block (drawn by
    ``static/figures.js``, as :func:`forcemap.web.figures.to_markup`) with ``config``."""
    fig.update_layout(
        height=height, margin={"l": left, "r": 20, "t": 30, "b": 40}, template="plotly_white"
    )
    spec = json.loads(pio.to_json(fig, validate=False))
    spec["config"] = config
    data = json.dumps(spec, separators=(",", ":")).replace("<", "\\u003c")
    return Markup(
        f'<div style="height:{height}px; width:100%;">'
        '<div class="plotly-graph-div" style="height:100%; width:100%;"></div>'
        f'<script type="application/json" class="fm-figure">{data}</script></div>'
    )


_BASE = {"displaylogo": False, "responsive": True}


def _years(year_from: str, year_to: str) -> tuple[int, int] | None:
    if not (year_from or year_to):
        return None
    return (int(year_from or 1000), int(year_to or 9999))


def _json_block(payload: Any) -> Markup:
    return Markup(json.dumps(payload, ensure_ascii=True).replace("</", "<\\/"))


def _industries(state: Any) -> list[tuple[str, str]]:
    return [(k, ind.name) for k, ind in state.catalog.items()]


def _year_text(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """Rows with their year columns as text (tables format numbers with separators)."""
    return [{**r, **{k: None if r[k] is None else str(r[k]) for k in keys}} for r in rows]


def _query(**kw: Any) -> str:
    """``k=v&…`` of the non-empty arguments (the API call behind a page's tables)."""
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in kw.items() if v not in (None, "")})


@_pages.page("/mapping", title="Science mapping", template="mapping_index.html")
def mapping_index(request: Request) -> dict[str, Any]:
    """The science-mapping pages, each with what it shows."""
    return {}


@_pages.page("/mapping/network", title="Science map", template="mapping_network.html", nav=False)
def mapping_network(
    request: Request,
    store: StoreDep,
    state: StateDep,
    kind: Annotated[str, Query(pattern="^(" + "|".join(MAP_KINDS) + ")$")] = "coword",
    unit: Annotated[str, Query(pattern="^(" + "|".join(MAP_UNITS) + ")$")] = "work",
    terms: Annotated[str, Query(pattern="^(concept|topic)$")] = "concept",
    industry: Annotated[str, Query(pattern=_OPT_KEY, max_length=64)] = "",
    year_from: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    year_to: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    counting: Annotated[str, Query(pattern="^(full|fractional)$")] = "full",
    normalise: Annotated[str, Query(pattern="^(association_strength)?$")] = "",
    min_count: Annotated[str, Query(pattern=_OPT_INT)] = "",
    min_weight: Annotated[str, Query(pattern=_OPT_NUM)] = "",
    max_nodes: Annotated[int, Query(ge=10, le=5000)] = 1000,
) -> dict[str, Any]:
    """A science map of a slice: WebGL view, clusters and the strongest nodes."""
    v = state.result(
        mv.SCIENCE_MAP,
        store,
        kind=kind,
        unit=unit if kind != "coword" else "work",
        terms=terms,
        industry=industry or None,
        years=_years(year_from, year_to),
        counting=counting,
        normalise=normalise or None,
        min_count=int(min_count) if min_count else None,
        min_weight=float(min_weight or 0),
        max_nodes=max_nodes,
    )
    form = {
        "kind": kind,
        "unit": unit,
        "terms": terms,
        "industry": industry,
        "year_from": year_from,
        "year_to": year_to,
        "counting": counting,
        "normalise": normalise,
        "min_count": min_count,
        "min_weight": min_weight,
        "max_nodes": max_nodes,
    }
    years = f"{year_from or 1000}-{year_to or 9999}" if (year_from or year_to) else ""
    api = "mapping/network?" + _query(
        kind=kind,
        unit=unit,
        terms=terms,
        industry=industry,
        years=years,
        counting=counting,
        normalise=normalise,
        min_count=min_count,
        min_weight=min_weight,
        max_nodes=max_nodes,
    )
    top = sorted(v["nodes"], key=lambda n: (-(n["strength"] or 0), n["id"]))[:25]
    payload = {"nodes": v["nodes"], "edges": v["edges"], "clusters": v["clusters"]}
    return {
        "v": v,
        "form": form,
        "kinds": MAP_KINDS,
        "units": MAP_UNITS,
        "industries": _industries(state),
        "api": api,
        "top_nodes": top,
        "graph_json": _json_block(payload),
    }


@_pages.page("/mapping/bursts", title="Bursts", template="mapping_bursts.html", nav=False)
def mapping_bursts(
    request: Request,
    store: StoreDep,
    state: StateDep,
    unit: Annotated[str, Query(pattern="^(" + "|".join(BURST_UNITS) + ")$")] = "concept",
    s: Annotated[float, Query(gt=1, le=100)] = 2.0,
    gamma: Annotated[float, Query(gt=0, le=100)] = 1.0,
    year_from: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    year_to: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    min_documents: Annotated[int, Query(ge=1, le=100_000)] = 3,
) -> dict[str, Any]:
    """Kleinberg bursts: a timeline of the strongest and the table of all."""
    v = state.result(
        mv.BURSTS,
        store,
        unit=unit,
        s=s,
        gamma=gamma,
        start_year=int(year_from) if year_from else None,
        end_year=int(year_to) if year_to else None,
        min_documents=min_documents,
    )
    fig = None
    rs = v["rows"][:BURSTS_FIGURE]
    if rs:
        p = v["parameters"]
        names = [f"{i + 1}. {(r['name'] or r['unit_id'])[:50]}" for i, r in enumerate(rs)]
        f = go.Figure(
            go.Bar(
                y=names[::-1],
                x=[r["end_year"] - r["start_year"] + 1 for r in rs][::-1],
                base=[r["start_year"] - 0.5 for r in rs][::-1],
                orientation="h",
                marker_color="#d62728",
                customdata=[[r["start_year"], r["end_year"], r["weight"]] for r in rs][::-1],
                hovertemplate="%{y}<br>%{customdata[0]}–%{customdata[1]}"
                "<br>weight %{customdata[2]:.2f}<extra></extra>",
            )
        )
        f.update_xaxes(
            range=[p["start_year"] - 0.5, p["end_year"] + 0.5], title_text="year", dtick=2
        )
        fig = _figure(f, height=max(320, 60 + 20 * len(rs)), config=_BASE, left=330)
    query = _query(
        unit=unit,
        s=s,
        gamma=gamma,
        start_year=year_from,
        end_year=year_to,
        min_documents=min_documents,
    )
    return {
        "v": v,
        "form": {
            "unit": unit,
            "s": s,
            "gamma": gamma,
            "year_from": year_from,
            "year_to": year_to,
            "min_documents": min_documents,
        },
        "units": BURST_UNITS,
        "table_rows": _year_text(v["rows"], "start_year", "end_year"),
        "api": "mapping/bursts?" + query,
        "fig_bursts": fig,
        "n_figure": len(rs),
    }


@_pages.page("/mapping/laws", title="Bibliometric laws", template="mapping_laws.html", nav=False)
def mapping_laws(
    request: Request,
    store: StoreDep,
    state: StateDep,
    year_from: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    year_to: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> dict[str, Any]:
    """Lotka's law, Bradford's zones, h/g/m-index tables and the annual growth."""
    v = state.result(
        mv.LAWS,
        store,
        start_year=int(year_from) if year_from else None,
        end_year=int(year_to) if year_to else None,
        top=top,
    )
    lt = v["lotka"]["rows"]
    fig_lotka = None
    if lt:
        f = go.Figure()
        x = [r["n_documents"] for r in lt]
        f.add_trace(go.Scatter(x=x, y=[r["share"] for r in lt], mode="markers", name="observed"))
        if v["lotka"]["fit"].get("beta") is not None:
            f.add_trace(
                go.Scatter(x=x, y=[r["fitted_share"] for r in lt], mode="lines", name="fitted")
            )
            f.add_trace(
                go.Scatter(
                    x=x,
                    y=[r["lotka_share"] for r in lt],
                    mode="lines",
                    line={"dash": "dash"},
                    name="Lotka (β = 2)",
                )
            )
        f.update_xaxes(type="log", title_text="documents per author")
        f.update_yaxes(type="log", title_text="share of authors")
        fig_lotka = _figure(f, height=340, config=_BASE)
    bt = v["bradford"]["rows"]
    fig_bradford = None
    if bt:
        f = go.Figure(
            go.Scatter(
                x=[r["rank"] for r in bt],
                y=[r["cumulative"] for r in bt],
                mode="lines",
                name="cumulative documents",
            )
        )
        for z in v["bradford"]["zones"][:2]:
            last = sum(zz["sources"] for zz in v["bradford"]["zones"][: z["zone"]])
            f.add_vline(x=last, line_dash="dash", line_color="#888")
        f.update_xaxes(type="log", title_text="source rank (log)")
        f.update_yaxes(title_text="cumulative documents")
        fig_bradford = _figure(f, height=320, config=_BASE)
    gr = v["growth"]["rows"]
    fig_growth = None
    if gr:
        f = go.Figure(go.Bar(x=[r["year"] for r in gr], y=[r["works"] for r in gr]))
        f.update_xaxes(title_text="year")
        f.update_yaxes(title_text="works")
        fig_growth = _figure(f, height=300, config=_BASE)
    query = _query(start_year=year_from, end_year=year_to, top=top)
    return {
        "v": v,
        "form": {"year_from": year_from, "year_to": year_to, "top": top},
        "hindex": {u: _year_text(rs, "first_year") for u, rs in v["hindex"].items()},
        "api": "mapping/laws?" + query,
        "fig_lotka": fig_lotka,
        "fig_bradford": fig_bradford,
        "fig_growth": fig_growth,
    }


@_pages.page(
    "/mapping/collaboration",
    title="Country collaboration",
    template="mapping_collaboration.html",
    nav=False,
)
def mapping_collaboration(
    request: Request,
    store: StoreDep,
    state: StateDep,
    industry: Annotated[str, Query(pattern=_OPT_KEY, max_length=64)] = "",
    year_from: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    year_to: Annotated[str, Query(pattern=_OPT_YEAR)] = "",
    counting: Annotated[str, Query(pattern="^(full|fractional)$")] = "full",
    top_links: Annotated[int, Query(ge=0, le=2000)] = 150,
) -> dict[str, Any]:
    """Works per country on a world map with the strongest collaboration links."""
    v = state.result(
        mv.COLLABORATION,
        store,
        industry=industry or None,
        years=_years(year_from, year_to),
        counting=counting,
        top_links=top_links,
    )
    fig = None
    mapped = [c for c in v["countries"] if c["iso3"]]
    if mapped:
        f = go.Figure(
            go.Choropleth(
                locations=[c["iso3"] for c in mapped],
                z=[c["works"] for c in mapped],
                text=[c["name"] for c in mapped],
                locationmode="ISO-3",
                colorscale="Blues",
                colorbar={"title": {"text": "works"}},
                hovertemplate="%{text}: %{z} works<extra></extra>",
            )
        )
        where = {c["country_code"]: (c["lon"], c["lat"]) for c in mapped}
        lons: list[float | None] = []
        lats: list[float | None] = []
        links = [e for e in v["links"] if e["source"] in where and e["target"] in where]
        for e in links:
            (x0, y0), (x1, y1) = where[e["source"]], where[e["target"]]
            lons += [x0, x1, None]
            lats += [y0, y1, None]
        if links:
            f.add_trace(
                go.Scattergeo(
                    lon=lons,
                    lat=lats,
                    mode="lines",
                    line={"width": 1, "color": "rgba(214,39,40,0.45)"},
                    hoverinfo="skip",
                    name="collaboration links",
                )
            )
        f.update_geos(
            scope="world",
            resolution=50,
            showcountries=True,
            countrycolor="#ccc",
            showframe=False,
            projection_type="natural earth",
            projection_rotation_lon=0,
            center={"lon": 0, "lat": 15},
            lonaxis_range=[-180, 180],
            lataxis_range=[-60, 85],
        )
        f.update_layout(showlegend=False)
        fig = _figure(f, height=520, config=MAP_CONFIG, left=10)
    years = f"{year_from or 1000}-{year_to or 9999}" if (year_from or year_to) else ""
    query = _query(industry=industry, years=years, counting=counting, top_links=top_links)
    return {
        "v": v,
        "form": {
            "industry": industry,
            "year_from": year_from,
            "year_to": year_to,
            "counting": counting,
            "top_links": top_links,
        },
        "industries": _industries(state),
        "api": "mapping/collaboration?" + query,
        "fig_map": fig,
    }


#: The science-mapping pages (the index in the nav, the sub-pages linked from it).
PAGES: list[Page] = list(_pages.pages)
