"""The thematic map and thematic evolution page (``/mapping/themes``) and its JSON
(``/api/v1/mapping/themes``).

The strategic diagram of :func:`forcemap.network.thematic_map` as a Plotly scatter (themes
by centrality and density rank, the quadrant lines at the median ranks, bubbles sized by
occurrences) and, when cut years are given, :func:`forcemap.network.thematic_evolution` as a
Plotly Sankey (themes of consecutive periods linked by their weighted inclusion). Results are
cached per store and parameters (:meth:`forcemap.web.state.WebState.cached`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import plotly.graph_objects as go
from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from pydantic import BaseModel

from forcemap.errors import ForcemapError, InputError
from forcemap.network import thematic_evolution, thematic_map
from forcemap.store.store import Store
from forcemap.web import figures
from forcemap.web.state import StateDep, StoreDep, WebState
from forcemap.web.templating import Page, PageSet

__all__ = ["PAGES", "router", "themes_data"]

_pages = PageSet()
_api = APIRouter(prefix="/api/v1", tags=["api"])
#: The page and the JSON route (included by :func:`forcemap.web.app.create_app`).
router = APIRouter()

_TERMS = "^(title|abstract|title_abstract|concept|topic)$"
_KEY = r"^[a-z0-9_]+$"
_CUTS = r"^\d{4}(,\d{4}){0,9}$"
_YEARS = r"^\d{4}-\d{4}$"
_QUADRANT_COLOURS = {
    "motor": "#d62728",
    "niche": "#2ca02c",
    "emerging_or_declining": "#7f7f7f",
    "basic": "#1f77b4",
}

TermsQ = Annotated[
    str,
    Query(pattern=_TERMS, description="Co-word terms: title, abstract, title_abstract, …"),
]
IndustryQ = Annotated[
    str | None, Query(pattern=_KEY, max_length=64, description="Catalog industry key.")
]
YearsQ = Annotated[str | None, Query(pattern=_YEARS, description="Inclusive range `2015-2020`.")]
CutsQ = Annotated[
    str | None,
    Query(pattern=_CUTS, description="Years closing each period but the last: `2015,2019`."),
]
NTermsQ = Annotated[int, Query(ge=10, le=1000, description="Terms of the co-word network.")]
MethodQ = Annotated[str, Query(pattern="^(bibliometrix|cobo)$")]


class ThemeOut(BaseModel):
    """One theme of the map."""

    cluster: int
    label: str
    n_terms: int
    occurrences: int
    centrality: float
    density: float
    rank_centrality: float
    rank_density: float
    quadrant: str
    terms: list[str]


class LinkOut(BaseModel):
    """A link between the themes of consecutive periods."""

    from_period: str
    from_cluster: int
    from_label: str
    to_period: str
    to_cluster: int
    to_label: str
    inclusion: float
    weighted_inclusion: float
    stability: float
    shared_terms: list[str]


class PeriodThemesOut(ThemeOut):
    """A theme of one period."""

    period: str


class ThemesOut(BaseModel):
    """The thematic map of the slice and, with cut years, its evolution."""

    works: int
    min_occurrences: int
    method: str
    themes: list[ThemeOut]
    periods: list[str]
    period_themes: list[PeriodThemesOut]
    links: list[LinkOut]


def themes_data(
    state: WebState,
    store: Store,
    *,
    terms: str = "title",
    industry: str | None = None,
    years: tuple[int, int] | None = None,
    cuts: tuple[int, ...] = (),
    n_terms: int = 250,
    method: str = "bibliometrix",
) -> dict[str, Any]:
    """The map (and evolution when ``cuts``) as plain rows, cached per store and arguments."""
    key = ("mapping_themes", terms, industry, years, cuts, n_terms, method)

    def compute() -> dict[str, Any]:
        args: dict[str, Any] = {
            "terms": terms, "industry": industry, "n_terms": n_terms, "method": method
        }  # fmt: skip
        tm = thematic_map(store, years=years, **args)
        out: dict[str, Any] = {
            "works": int(tm.meta["works"]),
            "min_occurrences": int(tm.meta["min_occurrences"]),
            "method": method,
            "themes": tm.clusters.to_pylist(),
            "periods": [],
            "period_themes": [],
            "links": [],
        }
        if cuts:
            ev = thematic_evolution(store, cuts=list(cuts), years=years, **args)
            out["periods"] = ev.periods["period"].to_pylist()
            out["period_themes"] = ev.clusters.to_pylist()
            out["links"] = ev.links.to_pylist()
        return out

    return state.cached(key, compute)


def _years(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    a, b = value.split("-")
    return int(a), int(b)


def _cuts(value: str | None) -> tuple[int, ...]:
    return tuple(int(c) for c in value.split(",")) if value else ()


def map_figure(themes: list[dict[str, Any]]) -> Markup:
    """The strategic diagram: themes by centrality rank (x) and density rank (y), the lines
    at the median ranks, bubble area by occurrences, coloured by quadrant."""
    fig = go.Figure()
    big = max((t["occurrences"] for t in themes), default=1)
    for q, colour in _QUADRANT_COLOURS.items():
        rows = [t for t in themes if t["quadrant"] == q]
        if not rows:
            continue
        fig.add_trace(
            go.Scatter(
                x=[t["rank_centrality"] for t in rows],
                y=[t["rank_density"] for t in rows],
                mode="markers+text",
                name=q.replace("_", " "),
                text=[t["label"] for t in rows],
                textposition="top center",
                marker={
                    "size": [12 + 48 * (t["occurrences"] / big) ** 0.5 for t in rows],
                    "color": colour,
                    "opacity": 0.6,
                },
                customdata=[
                    [t["cluster"], t["centrality"], t["density"], ", ".join(t["terms"][:10])]
                    for t in rows
                ],
                hovertemplate="theme %{customdata[0]}: %{text}<br>centrality %{customdata[1]:.4g}"
                "<br>density %{customdata[2]:.4g}<br>%{customdata[3]}<extra></extra>",
            )
        )
    k = len(themes)
    mid = (k + 1) / 2
    fig.add_hline(y=mid, line_dash="dash", line_color="#555")
    fig.add_vline(x=mid, line_dash="dash", line_color="#555")
    for x, y, text in (
        (k + 0.5, k + 0.5, "Motor themes"),
        (0.5, k + 0.5, "Niche themes"),
        (0.5, 0.5, "Emerging or declining themes"),
        (k + 0.5, 0.5, "Basic themes"),
    ):
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, font={"color": "#888"})
    fig.update_xaxes(title_text="centrality rank (relevance)", range=[0, k + 1])
    fig.update_yaxes(title_text="density rank (development)", range=[0, k + 1])
    return figures.to_markup(fig, height=560)


def evolution_figure(periods: list[str], links: list[dict[str, Any]]) -> Markup:
    """The Sankey of the themes of consecutive periods, links weighted by their weighted
    inclusion."""
    nodes: dict[tuple[str, int], int] = {}
    labels: list[str] = []
    for r in links:
        for p, c, lab in (
            (r["from_period"], r["from_cluster"], r["from_label"]),
            (r["to_period"], r["to_cluster"], r["to_label"]),
        ):
            if (p, c) not in nodes:
                nodes[(p, c)] = len(labels)
                labels.append(f"{lab} ({p})")
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "pad": 12, "thickness": 14},
            link={
                "source": [nodes[(r["from_period"], r["from_cluster"])] for r in links],
                "target": [nodes[(r["to_period"], r["to_cluster"])] for r in links],
                "value": [r["weighted_inclusion"] for r in links],
                "customdata": [[r["inclusion"], ", ".join(r["shared_terms"][:8])] for r in links],
                "hovertemplate": "weighted inclusion %{value:.3f}, inclusion "
                "%{customdata[0]:.3f}<br>%{customdata[1]}<extra></extra>",
            },
        )
    )
    fig.update_layout(title_text=" → ".join(periods))
    return figures.to_markup(fig, height=560)


@_pages.page("/mapping/themes", title="Themes", template="mapping_themes.html", nav=False)
def themes_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    terms: TermsQ = "title",
    industry: Annotated[str | None, Query(max_length=64)] = None,
    years: Annotated[str | None, Query(max_length=9)] = None,
    cuts: Annotated[str | None, Query(max_length=60)] = None,
    n_terms: NTermsQ = 250,
    method: MethodQ = "bibliometrix",
) -> dict[str, Any]:
    """The thematic map of a slice and, with ``cuts``, its evolution across periods."""
    form = {"terms": terms, "industry": industry or "", "years": years or "",
            "cuts": cuts or "", "n_terms": n_terms, "method": method}  # fmt: skip
    context: dict[str, Any] = {
        "form": form,
        "industries": [(k, ind.name) for k, ind in state.catalog.items()],
        "error": None,
        "v": None,
    }
    try:
        if years and not re.fullmatch(_YEARS, years):
            raise InputError(f"years must look like 2015-2020, not {years!r}")
        if cuts and not re.fullmatch(_CUTS, cuts):
            raise InputError(f"cuts must look like 2015,2019, not {cuts!r}")
        v = themes_data(
            state,
            store,
            terms=terms,
            industry=industry or None,
            years=_years(years),
            cuts=_cuts(cuts),
            n_terms=n_terms,
            method=method,
        )
    except ForcemapError as e:
        context["error"] = str(e)
        context["status_code"] = getattr(e, "http_status", 500)
        return context
    context["v"] = v
    context["fig_map"] = map_figure(v["themes"]) if v["themes"] else None
    context["fig_evolution"] = evolution_figure(v["periods"], v["links"]) if v["links"] else None
    return context


@_api.get("/mapping/themes", response_model=ThemesOut, summary="Thematic map and evolution")
def api_themes(
    store: StoreDep,
    state: StateDep,
    terms: TermsQ = "title",
    industry: IndustryQ = None,
    years: YearsQ = None,
    cuts: CutsQ = None,
    n_terms: NTermsQ = 250,
    method: MethodQ = "bibliometrix",
) -> dict[str, Any]:
    """Themes by Callon centrality and density (Cobo et al. 2011, as bibliometrix computes
    them) and, with ``cuts``, the links between consecutive periods' themes."""
    return themes_data(
        state,
        store,
        terms=terms,
        industry=industry,
        years=_years(years),
        cuts=_cuts(cuts),
        n_terms=n_terms,
        method=method,
    )


router.include_router(_pages.router)
router.include_router(_api)
#: This module's pages, for the nav (:data:`forcemap.web.pages.PAGES`).
PAGES: list[Page] = list(_pages.pages)
