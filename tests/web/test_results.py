"""The results pages and API share (forcemap.web.results): their cache keys, the checks that
run before anything is computed, and page and API twins landing on the same cache entry.
On the real SYNERGY store: OpenAlex only, no patents, no projects, organisations not
resolved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forcemap.errors import InputError, NotFoundError
from forcemap.store.store import Store
from forcemap.web import create_app, decisions, results
from forcemap.web.state import Cached, WebState

from .conftest import TestClient


@pytest.fixture
def state(synergy_store_path: Path) -> Iterator[WebState]:
    s = WebState(synergy_store_path)
    s.open()
    yield s
    s.close()


@pytest.fixture
def view(state: WebState) -> Iterator[Store]:
    v = state.view()
    yield v
    v.con.close()


def _specs() -> list[Cached[Any]]:
    return [getattr(results, n) for n in results.__all__ if isinstance(getattr(results, n), Cached)]


def test_every_spec_has_its_own_name() -> None:
    names = [s.name for s in _specs()]
    assert (
        len(names) == len(set(names)) == 16
    )  # one per cached decision view (benchmark_series added)


def test_keys_follow_the_views_signatures() -> None:
    """The key the app caches a landscape under (test_api_is_cached reads it back)."""
    args = {"country": "CN", "industry": "marine", "top": 7}
    # … then org_level and patent_unit, defaults filled in
    assert results.LANDSCAPE.key(args) == ("landscape", "CN", "marine", 7, "self", "family")
    assert results.LANDSCAPE.key({"country": "CN", "industry": None}) == (
        "landscape",
        "CN",
        None,
        20,
        "self",
        "family",
    )
    assert results.LANDSCAPE.key({**args, "org_level": "top"})[-2:] == ("top", "family")
    assert results.ORG_ANALYSIS.key({}) == ("org_analysis",)
    with pytest.raises(TypeError):
        results.BOTTLENECKS.key({"country": "CN", "industry": None, "top": 3})


def test_unresolved_organisations_stop_actors_before_computing(
    state: WebState, view: Store
) -> None:
    with pytest.raises(InputError, match="organisations are not resolved"):
        state.result(results.ACTORS, view, country="US", industry=None)
    assert state.is_cached(("orgs_resolved",))  # the check itself is looked up once
    assert not state.is_cached(results.ACTORS.key({"country": "US", "industry": None}))


def test_unknown_industries_are_404_before_computing(state: WebState, view: Store) -> None:
    for spec in (results.BOTTLENECKS, results.ACTORS, results.WATCH, results.LANDSCAPE):
        with pytest.raises(NotFoundError, match="no industry 'nope'"):
            state.result(spec, view, country="US", industry="nope")
    with pytest.raises(NotFoundError, match="no industry 'nope'"):
        state.result(results.CONSORTIUM, view, industry="nope")


def test_a_store_without_projects_has_no_portfolio(state: WebState, view: Store) -> None:
    with pytest.raises(NotFoundError) as e:
        results.check_projects(state, view)
    assert str(e.value) == results.NO_PROJECTS
    assert e.value.http_status == 404
    with pytest.raises(NotFoundError, match="no research projects"):
        state.result(results.REVIEW, view)
    with pytest.raises(NotFoundError, match="no research projects"):
        state.result(results.ALLOCATION, view, budget=1e6)


def test_automatic_units_become_part_of_the_key(state: WebState, view: Store) -> None:
    """Without patents the positioning unit is chosen from the slices, the watch unit from
    the topics; the result is cached under the unit chosen, so asking for it by name hits."""
    ws, ps = state.slices(view)
    unit = decisions.auto_unit(view, ws, ps)
    assert state.result(results.WATCH, view, country="US", industry=None, top=3) is (
        state.result(
            results.WATCH, view, country="US", industry=None, top=3, unit=decisions.watch_unit(view)
        )
    )
    pos = state.result(results.POSITIONING, view, country="US", unit=None)
    assert pos["unit"] == unit
    assert state.result(results.POSITIONING, view, country="US", unit=unit) is pos


def test_search_caches_the_index_and_the_hits(state: WebState, view: Store) -> None:
    hits = results.search(state, view, query="machine learning", k=5, entity="works")
    assert hits["rows"] and len(hits["rows"]) <= 5
    assert state.is_cached(("text_index", "works"))
    assert state.is_cached(("search", "machine learning", 5, "works"))
    assert results.search(state, view, query="machine learning", k=5, entity="works") is hits


def test_page_and_api_share_one_entry(synergy_store_path: Path) -> None:
    """The network page and its API twin build the same key from their own parameters."""
    app = create_app(synergy_store_path)
    with TestClient(app) as c:
        state: WebState = app.state.forcemap
        args = {
            "kind": "org_collaboration",
            "industry": "biomedicine",
            "years": (2012, 9999),
            "countries": ("IT", "US"),
            "counting": "full",
            "max_nodes": 40,
        }
        key = results.NETWORK.key(args)
        r = c.get(
            "/network",
            params={
                "industry": "biomedicine",
                "year_from": "2012",
                "countries": "us, it",
                "max_nodes": 40,
            },
        )
        assert r.status_code == 200 and state.is_cached(key)
        v = state.view()
        try:
            cached = state.result(results.NETWORK, v, **args)
        finally:
            v.con.close()
        api = c.get(
            "/api/v1/network",
            params={
                "industry": "biomedicine",
                "years": "2012-9999",
                "countries": "US,IT",
                "max_nodes": 40,
            },
        ).json()
        assert [n["id"] for n in api["nodes"]] == [n["id"] for n in cached["nodes"]]
        c.get("/industries")
        assert state.is_cached(("industry_list",))
        c.get("/industries/biomedicine")
        assert state.is_cached(("industry_detail", "biomedicine"))
