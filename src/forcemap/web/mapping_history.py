"""Science-mapping pages of a field's history: the historiograph with reference publication
year spectroscopy (``/mapping/history``) and the three-field plot (``/mapping/three-field``),
with their JSON under ``/api/v1/mapping/…``.

The pages and the API call the same library functions
(:func:`forcemap.network.historiograph.historiograph`, :func:`forcemap.indicators.rpys.rpys`,
:func:`forcemap.indicators.three_field.three_field`) through one cached helper each and hold
no logic beyond drawing: the historiograph puts each work at its publication year (x) and
stacks the works of a year by rank (y); RPYS draws the cited references per year as bars and
the deviation from the 5-year median as a line with its peaks; the three-field plot is a
Plotly Sankey with the three fields as columns. :data:`router` holds both the pages and the
API routes (register it once in :func:`forcemap.web.app.create_app`); :data:`PAGES` are the
nav entries.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import plotly.graph_objects as go
from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from pydantic import BaseModel, Field

from forcemap.errors import ForcemapError
from forcemap.store.store import Store
from forcemap.store.work_units import WORK_UNITS
from forcemap.web import figures
from forcemap.web.schemas import ERRORS
from forcemap.web.state import StateDep, StoreDep, WebState
from forcemap.web.templating import Page, PageSet

__all__ = ["PAGES", "HistoryOut", "ThreeFieldOut", "history_data", "router", "three_field_data"]

_pages = PageSet()
_api = APIRouter(prefix="/api/v1/mapping", tags=["science mapping"], responses=ERRORS)
#: Pages and API routes of this module (included by :func:`forcemap.web.app.create_app`).
router = APIRouter()

_OPT_YEAR = r"^(\d{4})?$"
_OPT_KEY = r"^([a-z][a-z0-9_]*)?$"
_FIELD = "^(" + "|".join(WORK_UNITS) + ")$"
IndustryQ = Annotated[str, Query(pattern=_OPT_KEY, max_length=64, description="Industry key.")]
YearQ = Annotated[str, Query(pattern=_OPT_YEAR, description="A year (empty: open).")]


class HistoryOut(BaseModel):
    """A slice's historiograph and reference publication year spectroscopy."""

    nodes: list[dict[str, Any]] = Field(
        description="Works shown (HIST_NODE_SCHEMA): work_id, label, title, year, doi, "
        "source_name, lcs, gcs (null: unknown), rank, cited_by_shown, cites_shown."
    )
    edges: list[dict[str, Any]] = Field(
        description="Local citations among them: source (citing) cites target, with years."
    )
    meta: dict[str, Any] = Field(description="Slice, top, works, local_citations, cut, …")
    rpys: list[dict[str, Any]] = Field(
        description="RPYS rows (RPYS_SCHEMA) of the reference years with a known year."
    )
    rpys_unknown: int = Field(description="References whose cited work's year is unknown.")
    rpys_meta: dict[str, Any] = Field(description="Reference counts behind the spectrum.")


class ThreeFieldOut(BaseModel):
    """The links of a three-field plot."""

    rows: list[dict[str, Any]] = Field(
        description="THREE_FIELD_SCHEMA rows: stage, both ends (field, id, label, documents, "
        "rank) and weight (works carrying both)."
    )
    meta: dict[str, Any] = Field(description="Fields, top, works, works_with_field, items.")


def _years(year_from: str, year_to: str) -> tuple[int, int] | None:
    if not (year_from or year_to):
        return None
    return int(year_from or 1000), int(year_to or 9999)


def _rows(table: Any) -> list[dict[str, Any]]:
    return list(table.to_pylist())


def history_data(
    state: WebState,
    store: Store,
    *,
    industry: str | None,
    years: tuple[int, int] | None,
    top: int,
    rpy_start: int | None = None,
    rpy_end: int | None = None,
) -> dict[str, Any]:
    """The historiograph (``nodes``, ``edges``, ``meta``) and the RPYS of a slice
    (``rpys``: rows with a year, ``rpys_unknown``: references of unknown year, ``rpys_meta``),
    cached per parameters."""
    from forcemap.indicators.rpys import rpys
    from forcemap.network.historiograph import historiograph

    def compute() -> dict[str, Any]:
        h = historiograph(store, top=top, industry=industry, years=years)
        y0, y1 = years or (None, None)
        r = rpys(
            store,
            industry=industry,
            start_year=y0,
            end_year=y1,
            rpy_start=rpy_start,
            rpy_end=rpy_end,
        )
        rows = _rows(r)
        return {
            "nodes": _rows(h.nodes),
            "edges": _rows(h.edges),
            "meta": h.meta,
            "rpys": rows[:-1],
            "rpys_unknown": rows[-1]["citations"],
            "rpys_meta": json.loads((r.schema.metadata or {})[b"rpys"]),
        }

    key = ("mapping_history", industry, years, top, rpy_start, rpy_end)
    return state.cached(key, compute)


def three_field_data(
    state: WebState,
    store: Store,
    *,
    fields: tuple[str, str, str],
    top: int,
    industry: str | None,
    years: tuple[int, int] | None,
) -> dict[str, Any]:
    """The links of a three-field plot (``rows``) and its counts (``meta``), cached."""
    from forcemap.indicators.three_field import three_field

    def compute() -> dict[str, Any]:
        y0, y1 = years or (None, None)
        t = three_field(
            store, fields=fields, top=top, industry=industry, start_year=y0, end_year=y1
        )
        return {
            "rows": _rows(t),
            "meta": json.loads((t.schema.metadata or {})[b"three_field"]),
        }

    return state.cached(("mapping_three_field", fields, top, industry, years), compute)


def _historiograph_figure(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> Markup:
    """Works at (year, slot): the works of one year stacked by rank around 0; citations as
    grey segments from the citing to the cited work; marker size by LCS."""
    pos: dict[str, tuple[float, float]] = {}
    by_year: dict[Any, list[dict[str, Any]]] = {}
    for n in nodes:
        by_year.setdefault(n["year"], []).append(n)
    for group in by_year.values():
        group.sort(key=lambda n: (n["rank"], n["work_id"]))
        k = len(group)
        for i, n in enumerate(group):
            pos[n["work_id"]] = (n["year"], i - (k - 1) / 2)
    ex: list[float | None] = []
    ey: list[float | None] = []
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["source"]], pos[e["target"]]
        ex += [x0, x1, None]
        ey += [y0, y1, None]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=ex,
            y=ey,
            mode="lines",
            line={"color": "#bbb", "width": 1},
            hoverinfo="skip",
            name="local citation",
        )
    )
    top_lcs = max((n["lcs"] for n in nodes), default=1) or 1
    fig.add_trace(
        go.Scatter(
            x=[pos[n["work_id"]][0] for n in nodes],
            y=[pos[n["work_id"]][1] for n in nodes],
            mode="markers+text",
            text=[n["label"] for n in nodes],
            textposition="top center",
            textfont={"size": 10},
            marker={"size": [8 + 22 * n["lcs"] / top_lcs for n in nodes], "color": "#1f77b4"},
            customdata=[[n["title"] or "", n["lcs"], n["gcs"]] for n in nodes],
            hovertemplate="%{text}<br>%{customdata[0]}<br>LCS %{customdata[1]}, "
            "GCS %{customdata[2]}<extra></extra>",
            name="work",
        )
    )
    fig.update_xaxes(title_text="publication year", dtick=1 if len(by_year) < 15 else None)
    fig.update_yaxes(visible=False)
    fig.update_layout(showlegend=False)
    return figures.to_markup(fig, height=520)


def _rpys_figure(rows: list[dict[str, Any]]) -> Markup:
    """Cited references per reference year (bars), the deviation from the 5-year median
    (line, floored as bibliometrix draws it) and its ten highest peaks."""
    years = [r["year"] for r in rows]
    peaks = [r for r in rows if r["peak_rank"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=years, y=[r["citations"] for r in rows], name="cited references", marker_color="#9ab"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=[r["deviation_plot"] for r in rows],
            mode="lines",
            name="deviation from the 5-year median",
            line={"color": "#b22"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[r["year"] for r in peaks],
            y=[r["deviation_plot"] for r in peaks],
            mode="markers+text",
            text=[str(r["year"]) for r in peaks],
            textposition="top center",
            marker={"color": "#d6604d", "size": 8},
            name="peak",
        )
    )
    fig.update_xaxes(title_text="reference publication year")
    fig.update_yaxes(title_text="cited references")
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return figures.to_markup(fig, height=400)


def _sankey_figure(rows: list[dict[str, Any]], fields: tuple[str, str, str]) -> Markup:
    """The three fields as columns (left, middle, right), items by rank top-down, links
    weighted by the works carrying both ends."""
    index: dict[tuple[int, str], int] = {}
    labels: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    ranks: dict[tuple[int, str], int] = {}
    for r in rows:
        for col, side in ((r["stage"] - 1, "source"), (r["stage"], "target")):
            key = (col, r[f"{side}_id"])
            if key not in index:
                index[key] = len(labels)
                labels.append(str(r[f"{side}_label"]))
                ranks[key] = r[f"{side}_rank"]
    counts = [max((ranks[k] for k in ranks if k[0] == c), default=1) for c in range(3)]
    for key in sorted(index, key=index.__getitem__):
        col = key[0]
        xs.append((0.001, 0.5, 0.999)[col])
        ys.append(min(0.999, max(0.001, ranks[key] / (counts[col] + 1))))
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "x": xs, "y": ys, "pad": 6, "thickness": 14},
            link={
                "source": [index[(r["stage"] - 1, r["source_id"])] for r in rows],
                "target": [index[(r["stage"], r["target_id"])] for r in rows],
                "value": [r["weight"] for r in rows],
            },
        )
    )
    for col, name in enumerate(fields):
        fig.add_annotation(
            x=(0.0, 0.5, 1.0)[col],
            y=1.06,
            xref="paper",
            yref="paper",
            text=f"<b>{name}</b>",
            showarrow=False,
        )
    return figures.to_markup(fig, height=640)


def _error(e: ForcemapError) -> dict[str, Any]:
    return {"error": str(e), "status_code": e.http_status}


@_pages.page("/mapping/history", title="History", template="mapping_history.html", nav=False)
def history_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    industry: IndustryQ = "",
    year_from: YearQ = "",
    year_to: YearQ = "",
    top: Annotated[int, Query(ge=3, le=100)] = 20,
) -> dict[str, Any]:
    """Historiograph (Garfield 2004) and reference publication year spectroscopy."""
    form = {"industry": industry, "year_from": year_from, "year_to": year_to, "top": top}
    base = {"form": form, "industries": [(k, i.name) for k, i in state.catalog.items()]}
    try:
        v = history_data(
            state, store, industry=industry or None, years=_years(year_from, year_to), top=top
        )
    except ForcemapError as e:
        return base | _error(e)
    return base | {
        "error": None,
        "v": v,
        "fig_hist": _historiograph_figure(v["nodes"], v["edges"]) if v["nodes"] else None,
        # years as text in the table (not thousands-separated numbers)
        "table_nodes": [
            n | {"year": None if n["year"] is None else str(n["year"])} for n in v["nodes"]
        ],
        "fig_rpys": _rpys_figure(v["rpys"]) if v["rpys"] else None,
    }


@_pages.page(
    "/mapping/three-field", title="Three fields", template="mapping_three_field.html", nav=False
)
def three_field_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    left: Annotated[str, Query(pattern=_FIELD)] = "country",
    middle: Annotated[str, Query(pattern=_FIELD)] = "concept",
    right: Annotated[str, Query(pattern=_FIELD)] = "institution",
    top: Annotated[int, Query(ge=2, le=50)] = 15,
    industry: IndustryQ = "",
    year_from: YearQ = "",
    year_to: YearQ = "",
) -> dict[str, Any]:
    """Three-field plot (bibliometrix's threeFieldsPlot) as a Sankey diagram."""
    fields = (left, middle, right)
    form = {
        "left": left,
        "middle": middle,
        "right": right,
        "top": top,
        "industry": industry,
        "year_from": year_from,
        "year_to": year_to,
    }
    base = {
        "form": form,
        "fields": WORK_UNITS,
        "industries": [(k, i.name) for k, i in state.catalog.items()],
    }
    try:
        v = three_field_data(
            state,
            store,
            fields=fields,
            top=top,
            industry=industry or None,
            years=_years(year_from, year_to),
        )
    except ForcemapError as e:
        return base | _error(e)
    return base | {
        "error": None,
        "v": v,
        "fig": _sankey_figure(v["rows"], fields) if v["rows"] else None,
    }


@_api.get("/historiograph", response_model=HistoryOut, summary="Historiograph and RPYS of a slice")
def api_history(
    store: StoreDep,
    state: StateDep,
    industry: IndustryQ = "",
    year_from: YearQ = "",
    year_to: YearQ = "",
    top: Annotated[int, Query(ge=1, le=500, description="Works kept by LCS.")] = 20,
    rpy_start: Annotated[int | None, Query(ge=1000, le=9999)] = None,
    rpy_end: Annotated[int | None, Query(ge=1000, le=9999)] = None,
) -> dict[str, Any]:
    """The historiograph's works (``nodes``: LCS, GCS, year) and local citations
    (``edges``), and the reference publication year spectroscopy (``rpys``, with the count
    of references of unknown year in ``rpys_unknown``)."""
    return history_data(
        state,
        store,
        industry=industry or None,
        years=_years(year_from, year_to),
        top=top,
        rpy_start=rpy_start,
        rpy_end=rpy_end,
    )


@_api.get("/three-field", response_model=ThreeFieldOut, summary="Three-field plot links of a slice")
def api_three_field(
    store: StoreDep,
    state: StateDep,
    left: Annotated[str, Query(pattern=_FIELD)] = "country",
    middle: Annotated[str, Query(pattern=_FIELD)] = "concept",
    right: Annotated[str, Query(pattern=_FIELD)] = "institution",
    top: Annotated[int, Query(ge=1, le=200)] = 20,
    industry: IndustryQ = "",
    year_from: YearQ = "",
    year_to: YearQ = "",
) -> dict[str, Any]:
    """Links left → middle (stage 1) and middle → right (stage 2) between the top items of
    each field, weighted by the works carrying both ends."""
    return three_field_data(
        state,
        store,
        fields=(left, middle, right),
        top=top,
        industry=industry or None,
        years=_years(year_from, year_to),
    )


router.include_router(_pages.router)
router.include_router(_api)
#: The pages of this module, in nav order.
PAGES: list[Page] = _pages.pages
