"""The results the pages and the JSON API share, each computed once per store and arguments.

A decision (or a descriptive view) is a :class:`~forcemap.web.state.Cached` spec here: the
function of :mod:`forcemap.web.decisions` or :mod:`forcemap.web.queries` that computes it, and
the checks and store-dependent defaults it needs first. A route (page or API) asks for it with
``state.result(SPEC, store, **args)``; page and API twin pass the same arguments, so they show
the same numbers from the same cache entry. Adding a decision to the web is one line here
(plus its view, its routes and its template).

The few results whose inputs are not plain arguments (the catalog's slices, a search index)
have a function here instead.
"""

from __future__ import annotations

from typing import Any

from forcemap.errors import InputError, NotFoundError
from forcemap.network.analyse import NetworkAnalysis
from forcemap.store.store import Store
from forcemap.web import decisions, queries
from forcemap.web.state import Cached, WebState

__all__ = [
    "ACTORS",
    "ALLOCATION",
    "BENCHMARK",
    "BENCHMARK_SERIES",
    "BOTTLENECKS",
    "CONSORTIUM",
    "GATEKEEPERS",
    "LANDSCAPE",
    "NETWORK",
    "NO_PROJECTS",
    "ORG_ANALYSIS",
    "ORG_WORKS",
    "PANEL",
    "POSITIONING",
    "REVIEW",
    "TALENT",
    "WATCH",
    "check_projects",
    "industry_detail",
    "industry_list",
    "search",
]

#: The message of the portfolio page and API for a store without research projects.
NO_PROJECTS = (
    "this store has no research projects, so there is nothing to review or allocate: stop the "
    "server, ingest a project folder with `forcemap --store STORE ingest projects DIR` "
    "(projects.csv, participants.csv, outputs.csv; the format is in docs/formats.md) and "
    "start it again"
)


# -- checks and store-dependent defaults (the ``prepare`` steps) ------------------------------
def _positioning_unit(state: WebState, store: Store, args: dict[str, Any]) -> dict[str, Any]:
    """``unit`` None: ``field`` for stores without patents and with empty industry slices,
    else ``industry`` (:func:`forcemap.web.decisions.auto_unit`, once per store)."""
    if args.get("unit"):
        return args
    ws, ps = state.slices(store)
    unit = state.cached(("positioning_unit",), lambda: decisions.auto_unit(store, ws, ps))
    return {**args, "unit": unit}


def _watch_unit(state: WebState, store: Store, args: dict[str, Any]) -> dict[str, Any]:
    """``unit`` None: ``topic`` when the store has topics, else ``concept``."""
    if args.get("unit"):
        return args
    unit = state.cached(("watch_unit",), lambda: decisions.watch_unit(store))
    return {**args, "unit": unit}


def _organisations_resolved(state: WebState, store: Store, args: dict[str, Any]) -> dict[str, Any]:
    """InputError (422) when organisations are not resolved (checked once per store)."""
    if not state.cached(
        ("orgs_resolved",), lambda: bool(store.scalar("SELECT count(*) FROM org_aliases"))
    ):
        raise InputError(
            "organisations are not resolved in this store, so strategic actors cannot be "
            "ranked: run forcemap.store.organizations.resolve_organizations on a writable "
            "copy of the store"
        )
    return args


def _known_industry(state: WebState, store: Store, args: dict[str, Any]) -> dict[str, Any]:
    """NotFoundError (404) unless ``args["industry"]`` is None (every industry) or a
    catalog industry."""
    if args.get("industry") is not None:
        state.check_industry(args["industry"])
    return args


def check_projects(state: WebState, store: Store) -> None:
    """Raise NotFoundError (404, :data:`NO_PROJECTS`) when the store holds no research
    project (checked once per store)."""
    if not state.cached(("has_projects",), lambda: decisions.has_projects(store)):
        raise NotFoundError(NO_PROJECTS)


def _projects(state: WebState, store: Store, args: dict[str, Any]) -> dict[str, Any]:
    check_projects(state, store)
    return args


# -- the decisions ------------------------------------------------------------------------------
#: Catch-up / parallel / leading (``unit`` None: automatic).
POSITIONING = Cached("positioning", decisions.positioning_view, (_positioning_unit,))
#: Bottleneck technologies (``industry`` None: every industry; else a catalog key).
BOTTLENECKS = Cached("bottlenecks", decisions.bottlenecks_view, (_known_industry,))
#: Strategic actors (the best :data:`~forcemap.web.decisions.ACTORS_KEPT` per industry;
#: routes slice them with :func:`~forcemap.web.decisions.top_actors`).
ACTORS = Cached("actors", decisions.actors_view, (_known_industry, _organisations_resolved))
GATEKEEPERS = Cached("gatekeepers", decisions.gatekeepers_view)
#: The technology watch (``unit`` None: automatic).
WATCH = Cached("watch", decisions.watch_view, (_known_industry, _watch_unit))
BENCHMARK = Cached("benchmark", decisions.benchmark_view)
#: Year-by-year benchmarking of countries, organisations or authors.
BENCHMARK_SERIES = Cached("benchmark_series", decisions.benchmark_series_view, (_known_industry,))
TALENT = Cached("talent", decisions.talent_view)
LANDSCAPE = Cached("landscape", decisions.landscape_view, (_known_industry,))
# the decision tools with forms (arguments from forcemap.web.params)
CONSORTIUM = Cached("consortium", decisions.consortium_view, (_known_industry,))
PANEL = Cached("panel", decisions.panel_view)
REVIEW = Cached("review", decisions.review_view, (_projects,))
ALLOCATION = Cached("allocation", decisions.allocation_view, (_projects,))

# -- descriptive views --------------------------------------------------------------------------
#: Distinct works per organisation (the organisation list's ordering).
ORG_WORKS = Cached("organization_works", queries.organization_works)
#: The analysed whole-store organisation collaboration network (organisation profiles).
ORG_ANALYSIS: Cached[NetworkAnalysis] = Cached("org_analysis", queries.org_analysis)
#: A network slice, analysed and laid out (``countries`` a sorted tuple).
NETWORK = Cached("network", queries.network_view)


def industry_list(state: WebState, store: Store) -> list[dict[str, Any]]:
    """:func:`forcemap.web.queries.industry_list`: the catalog with each slice's size
    (cached: counting distinct works per industry grows with the store)."""
    ws, ps = state.slices(store)
    return state.cached(("industry_list",), lambda: queries.industry_list(state.catalog, ws, ps))


def industry_detail(state: WebState, store: Store, key: str) -> dict[str, Any]:
    """:func:`forcemap.web.queries.industry_detail` of one industry (cached: its joins over
    the works and patents of the slice grow with the store)."""
    ws, ps = state.slices(store)
    return state.cached(
        ("industry_detail", key),
        lambda: queries.industry_detail(store, state.catalog, key, ws, ps),
    )


def search(state: WebState, store: Store, *, query: str, k: int, entity: str) -> dict[str, Any]:
    """:func:`forcemap.web.decisions.search_view` over the store's TF-IDF index of ``entity``
    (built once, then cached with the results)."""
    index, where = state.cached(("text_index", entity), lambda: decisions.text_index(store, entity))

    def compute() -> dict[str, Any]:
        # at most one search per core computes at once: a flood of searches then queues
        # here instead of taking the interpreter from every other request
        with state.search_slots:
            return decisions.search_view(
                index, where, query=query, k=k, entity=entity, synthetic=state.synthetic
            )

    return state.cached(("search", query, k, entity), compute)
