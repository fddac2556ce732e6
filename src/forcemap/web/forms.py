"""The decision tools with forms: consortium builder, review panel, portfolio, search.

Each page is a plain HTML GET form (it works without JavaScript): without parameters it shows
the form; with them it runs the Python API (through the cached results of
:mod:`forcemap.web.results`, the same calls as the ``/api/v1`` twins) and shows the result with its
explanation: the rule and thresholds, the evidence tables and the caveats. A bad value or a
request no answer can meet (an unknown organisation, infeasible constraints) re-renders the
filled form with the message and the error's status (422, 404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request

from forcemap.errors import ForcemapError
from forcemap.network.build import ORG_TYPES
from forcemap.web import results
from forcemap.web.decisions import PANEL_EXCLUDED_SHOWN, RECOMMENDATIONS
from forcemap.web.params import (
    MAX_CONSORTIUM,
    MAX_PANEL,
    MAX_SEARCH,
    allocation_args,
    consortium_args,
    panel_args,
    review_args,
    search_args,
)
from forcemap.web.state import StateDep, StoreDep
from forcemap.web.templating import Page, PageSet

__all__ = ["PAGES", "consortium_page", "panel_page", "portfolio_page", "router", "search_page"]

_pages = PageSet()
page = _pages.page
#: The routes of the decision tools' pages (included by :func:`forcemap.web.app.create_app`).
router = _pages.router
#: The decision tools' pages, in registration order (after :mod:`forcemap.web.pages`'s in
#: the nav).
PAGES: list[Page] = _pages.pages

_OPT_COUNTRY = r"^\s*([A-Za-z]{2})?\s*$"
_OPT_KEY = r"^([a-z][a-z0-9_]*)?$"
Text = Annotated[str, Query(max_length=2000)]
Short = Annotated[str, Query(max_length=200)]


def _run(compute: Callable[[], Any]) -> dict[str, Any]:
    """``{"v": result, "error": None, "status_code": 200}``, or the message and HTTP status
    of the ForcemapError the request raised (the page shows it above the filled form)."""
    try:
        return {"v": compute(), "error": None, "status_code": 200}
    except ForcemapError as e:
        return {"v": None, "error": str(e), "status_code": e.http_status}


# -- consortium builder -------------------------------------------------------------------
@page("/consortium", title="Consortium", template="consortium.html")
def consortium_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    industry: Annotated[str, Query(pattern=_OPT_KEY, max_length=64)] = "",
    columns: Annotated[str, Query(pattern="^(catalog|cpc_group)?$")] = "",
    subs: Text = "",
    lead: Short = "",
    size: Annotated[str, Query(max_length=10)] = "6",
    min_types: Short = "",
    include: Text = "",
    exclude: Text = "",
    country: Annotated[str, Query(pattern=_OPT_COUNTRY)] = "",
    method: Annotated[str, Query(pattern="^(milp|greedy)?$")] = "",
    org_level: Annotated[str, Query(pattern="^(self|parent|top)?$")] = "",
    depth: Annotated[str, Query(max_length=10)] = "",
    depth_discount: Annotated[str, Query(max_length=20)] = "",
    min_contribution: Annotated[str, Query(max_length=20)] = "",
) -> dict[str, Any]:
    """Consortium builder: the organisations that together cover an industry's
    sub-technologies best (:func:`forcemap.decide.consortium.consortium`), each member with
    why it was chosen, the coverage matrix and the solver's status."""
    form = {
        "industry": industry,
        "columns": columns or "catalog",
        "subs": subs,
        "lead": lead,
        "size": size,
        "min_types": min_types,
        "include": include,
        "exclude": exclude,
        "country": country.strip().upper(),
        "method": method or "milp",
        "org_level": org_level or "self",
        "depth": depth,
        "depth_discount": depth_discount,
        "min_contribution": min_contribution,
    }
    out: dict[str, Any] = {"v": None, "error": None}
    if industry:
        out = _run(
            lambda: state.result(
                results.CONSORTIUM,
                store,
                **consortium_args(
                    industry=industry,
                    columns=columns,
                    subs=subs,
                    lead=lead,
                    size=size,
                    min_types=min_types,
                    include=include,
                    exclude=exclude,
                    country=country,
                    method=method,
                    org_level=org_level,
                    depth=depth,
                    depth_discount=depth_discount,
                    min_contribution=min_contribution,
                ),
            )
        )
    ind = state.catalog[industry] if industry in state.catalog else None
    return {
        **out,
        "form": form,
        "industries": [(k, i.name) for k, i in state.catalog.items()],
        "sub_options": [(s.key, s.name) for s in ind.sub_technologies] if ind else [],
        "org_types": ORG_TYPES,
        "max_size": MAX_CONSORTIUM,
    }


# -- review panel ---------------------------------------------------------------------------
@page("/panel", title="Review panel", template="panel.html")
def panel_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    applicants: Text = "",
    text: Annotated[str, Query(max_length=5000)] = "",
    topics: Text = "",
    concepts: Text = "",
    size: Annotated[str, Query(max_length=10)] = "5",
    roles: Short = "",
    coi_years: Annotated[str, Query(max_length=10)] = "5",
    max_per_org: Annotated[str, Query(max_length=10)] = "1",
    max_per_country: Annotated[str, Query(max_length=10)] = "",
    method: Annotated[str, Query(pattern="^(milp|greedy)?$")] = "",
) -> dict[str, Any]:
    """Review panel builder: the best-matching experts for a proposal without a conflict of
    interest with its applicants (:func:`forcemap.decide.panel.review_panel`), each member
    with its reasons and each excluded candidate with its conflict rule and evidence."""
    from forcemap.decide.panel import ROLES

    form = {
        "applicants": applicants,
        "text": text,
        "topics": topics,
        "concepts": concepts,
        "size": size,
        "roles": roles,
        "coi_years": coi_years,
        "max_per_org": max_per_org,
        "max_per_country": max_per_country,
        "method": method or "milp",
    }
    out: dict[str, Any] = {"v": None, "error": None}
    if applicants.strip():
        out = _run(lambda: state.result(results.PANEL, store, **panel_args(**form)))
    return {
        **out,
        "form": form,
        "roles": ROLES,
        "max_size": MAX_PANEL,
        "excluded_shown": PANEL_EXCLUDED_SHOWN,
    }


# -- portfolio: stage-gate review and budget allocation ---------------------------------------
_NUM = Annotated[str, Query(max_length=40)]


@page("/portfolio", title="Portfolio", template="portfolio.html")
def portfolio_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    mode: Annotated[str, Query(pattern="^(review|allocate)?$")] = "",
    as_of: Annotated[str, Query(max_length=20)] = "",
    min_age_years: _NUM = "2",
    withdraw_below: _NUM = "0.25",
    review_below: _NUM = "0.5",
    budget: _NUM = "",
    country: Annotated[str, Query(pattern=_OPT_COUNTRY)] = "",
    max_share: _NUM = "",
    min_per_industry: _NUM = "",
    method: Annotated[str, Query(pattern="^(milp|greedy)?$")] = "",
) -> dict[str, Any]:
    """Project portfolio: the stage-gate review of every project (continue / review /
    withdraw, with reasons; :func:`forcemap.decide.portfolio.project_review`) and the budget
    allocation by strategic value (:func:`forcemap.decide.portfolio.allocate_budget`). A store
    without projects says so and how to ingest them."""
    review_form = {
        "as_of": as_of,
        "min_age_years": min_age_years,
        "withdraw_below": withdraw_below,
        "review_below": review_below,
    }
    alloc_form = {
        "budget": budget,
        "country": country.strip().upper() or state.home_country,
        "max_share": max_share,
        "min_per_industry": min_per_industry,
        "method": method or "milp",
    }
    out: dict[str, Any] = {"v": None, "error": None}
    projects = _run(lambda: results.check_projects(state, store))
    if projects["error"] is None:
        if mode == "review":
            out = _run(lambda: state.result(results.REVIEW, store, **review_args(**review_form)))
        elif mode == "allocate":
            out = _run(
                lambda: state.result(results.ALLOCATION, store, **allocation_args(**alloc_form))
            )
    return {
        **out,
        "mode": mode,
        "no_projects": projects["error"],
        "review_form": review_form,
        "alloc_form": alloc_form,
        "recommendations": RECOMMENDATIONS,
    }


# -- search ----------------------------------------------------------------------------------
#: What the search box can look in.
SEARCH_ENTITIES = ("works", "patents", "both")


@page("/search", title="Search", template="search.html")
def search_page(
    request: Request,
    store: StoreDep,
    state: StateDep,
    q: Annotated[str, Query(max_length=500)] = "",
    k: Annotated[str, Query(max_length=10)] = "20",
    entity: Annotated[str, Query(pattern="^(works|patents|both)?$")] = "",
) -> dict[str, Any]:
    """Full-text search of works (and patents) by title and abstract: lexical TF-IDF
    cosine similarity (:func:`forcemap.decide.explore.search`), each hit with its score and
    the query terms it matched."""
    form = {"q": q, "k": k, "entity": entity or "works"}
    out: dict[str, Any] = {"v": None, "error": None}
    if q.strip():
        out = _run(lambda: results.search(state, store, **search_args(**form)))
    return {**out, "form": form, "entities": SEARCH_ENTITIES, "max_k": MAX_SEARCH}
