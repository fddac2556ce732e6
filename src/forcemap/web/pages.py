"""Server-rendered pages: a small registry drives the routes and the navigation.

Adding a page
-------------
Write one function and one template::

    @page("/watch", title="Technology watch", template="watch.html")
    def watch(request: Request, store: Store = Depends(get_store)) -> dict[str, Any]:
        return {"rows": queries.watch_list(store)}

The function takes ``request`` (required) plus any FastAPI parameters and returns the
template context; the decorator registers a GET route and a nav entry (``nav=False`` keeps
it out of the menu). Templates extend ``base.html`` (nav, synthetic-data banner, the locally
served Plotly bundle); figures are built with :mod:`forcemap.web.figures`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from forcemap.errors import ForcemapError, InputError
from forcemap.network import KINDS
from forcemap.store.store import Store
from forcemap.web import decisions, figures, queries
from forcemap.web.app import WebState, get_state, get_store

__all__ = ["PAGES", "Page", "page", "render", "router"]

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Page:
    """A registered page: its path, nav title, template and whether it is in the nav."""

    path: str
    title: str
    template: str
    nav: bool = True


#: Pages in registration order (the nav shows those with ``nav=True``).
PAGES: list[Page] = []


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a template with the base context (nav, synthetic flag, store name)."""
    state: WebState = request.app.state.forcemap
    base = {
        "nav": [p for p in PAGES if p.nav],
        "synthetic": state.synthetic,
        "store_name": state.store_path.name,
        "current": request.url.path,
    }
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )


def page(
    path: str, *, title: str, template: str, nav: bool = True
) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Register a page function (returning its template context) at ``path``."""

    def decorate(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        entry = Page(path, title, template, nav)
        PAGES.append(entry)

        @functools.wraps(fn)
        def endpoint(*args: Any, **kwargs: Any) -> HTMLResponse:
            context = fn(*args, **kwargs)
            return render(kwargs["request"], template, {"page": entry, **context})

        router.add_api_route(
            path, endpoint, methods=["GET"], response_class=HTMLResponse, name=fn.__name__
        )
        return fn

    return decorate


StoreDep = Annotated[Store, Depends(get_store)]
StateDep = Annotated[WebState, Depends(get_state)]


@page("/", title="Overview", template="overview.html")
def overview_page(request: Request, store: StoreDep, state: StateDep) -> dict[str, Any]:
    """Store contents, works per year/type, countries, institutions, ingest, quarantine."""
    if state.summary is None:  # pragma: no cover - lifespan sets it
        raise InputError("the store summary is not available")
    data = queries.overview(state.summary, store_name=state.store_path.name)
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
    ws, ps = state.slices(store)
    return {"industries": queries.industry_list(state.catalog, ws, ps)}


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


def _industry_decisions(store: Store, state: WebState, key: str, country: str) -> dict[str, Any]:
    """The decision blocks of one industry for ``country`` (each cached in ``state``)."""
    pos = _block(lambda: state.positioning(store, country, "industry"))
    pos["row"] = decisions.industry_row(pos["v"], key) if pos["v"] else None
    bn = _block(lambda: state.bottlenecks(store, country, key))
    act = _block(lambda: decisions.top_actors(state.actors(store, country, key), INDUSTRY_TOP))
    gk = _block(lambda: state.gatekeepers(store, key))
    return {"pos": pos, "bn": bn, "actors": act, "gatekeepers": gk}


@page("/industries/{key}", title="Industry", template="industry.html", nav=False)
def industry_page(
    request: Request,
    key: str,
    store: StoreDep,
    state: StateDep,
    country: Annotated[str, Query(pattern=_OPT_COUNTRY)] = "",
) -> dict[str, Any]:
    """One industry: definition, output per year, top countries and organisations, and the
    decisions for the home country (positioning, bottlenecks, trade, strategic actors)."""
    ws, ps = state.slices(store)
    d = queries.industry_detail(store, state.catalog, key, ws, ps)
    wy, py = d["works_by_year"], d["patents_by_year"]
    cc = (country or state.home_country).upper()
    return {
        "d": d,
        "cc": cc,
        "dec": _industry_decisions(store, state, key, cc),
        "fig_output": figures.bars_by_year(
            {
                "works": ([r["year"] for r in wy], [r["works"] for r in wy]),
                "patents": ([r["year"] for r in py], [r["patents"] for r in py]),
            }
        ),
    }


@page("/organizations/{org_id}", title="Organisation", template="organization.html", nav=False)
def organization_page(
    request: Request, org_id: str, store: StoreDep, state: StateDep
) -> dict[str, Any]:
    """Identity, output per year, partners and network position of one organisation."""
    prof = queries.organization_profile(store, org_id, analysis=state.org_analysis(store))
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
    block = _block(lambda: state.positioning(store, cc, unit or None))
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


_OPT_YEAR = r"^(\d{4})?$"
_OPT_KEY = r"^([a-z][a-z0-9_]*)?$"
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
) -> dict[str, Any]:
    """The interactive graph of a slice, with filters, node details and top brokers."""
    years = None
    if year_from or year_to:
        years = (int(year_from or 1000), int(year_to or 9999))
    cc = _countries(countries)
    params = {
        "kind": kind,
        "industry": industry or None,
        "years": years,
        "countries": tuple(cc),
        "counting": counting,
        "max_nodes": max_nodes,
    }
    view = state.cached(
        ("network", tuple(sorted(params.items()))),
        lambda: queries.network_view(store, **params),  # type: ignore[arg-type]
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
        },
        "kinds": KINDS,
        "industries": [(k, ind.name) for k, ind in state.catalog.items()],
        "graph_json": Markup(json.dumps(payload, ensure_ascii=True).replace("</", "<\\/")),
    }
