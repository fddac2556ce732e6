"""WebState's generic result mechanism (Cached specs, prepare steps), request pinning and the
FastAPI dependencies, on the real SYNERGY store. The cache's single-flight and cost tiers are
tested in test_app.py."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest

from forcemap.errors import InputError, NotFoundError
from forcemap.store.store import Store
from forcemap.web.state import (
    Cached,
    StateDep,
    StoreDep,
    WebState,
    get_state,
    get_store,
    pinned,
)


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


def _works(store: Store, *, year: int, type: str = "article", limit: int | None = None) -> int:
    """Works of one year and type (a real query: the compute of the specs below)."""
    n = store.scalar(
        "SELECT count(*) FROM works WHERE year = $year AND type = $type",
        {"year": year, "type": type},
    )
    return int(n or 0) if limit is None else min(int(n or 0), limit)


WORKS = Cached("works", _works)


# -- Cached.key ------------------------------------------------------------------------------
def test_key_is_the_name_and_the_arguments_in_signature_order_with_defaults() -> None:
    assert WORKS.key({"year": 2015}) == ("works", 2015, "article", None)
    # the order the caller spells them in does not matter, nor spelling out a default
    assert WORKS.key({"limit": 3, "year": 2015}) == ("works", 2015, "article", 3)
    assert WORKS.key({"year": 2015, "type": "article"}) == WORKS.key({"year": 2015})


def test_key_rejects_unknown_and_missing_arguments() -> None:
    with pytest.raises(TypeError, match=r"unexpected argument.*yaer"):
        WORKS.key({"yaer": 2015})
    with pytest.raises(TypeError, match="missing argument 'year'"):
        WORKS.key({"type": "review"})


# -- WebState.result -------------------------------------------------------------------------
def test_result_computes_once_per_key(state: WebState, view: Store) -> None:
    calls: list[dict[str, Any]] = []

    def counted(store: Store, *, year: int, type: str = "article") -> int:
        calls.append({"year": year, "type": type})
        return _works(store, year=year, type=type)

    spec = Cached("counted", counted)
    expected = view.scalar("SELECT count(*) FROM works WHERE year = 2015 AND type = 'article'")
    assert state.result(spec, view, year=2015) == expected
    assert state.result(spec, view, year=2015, type="article") == expected  # same entry
    assert calls == [{"year": 2015, "type": "article"}]
    assert state.is_cached(("counted", 2015, "article"))
    state.result(spec, view, year=2016)
    assert len(calls) == 2


def test_prepare_steps_run_in_order_before_the_cache(state: WebState, view: Store) -> None:
    seen: list[str] = []

    def default_year(state: WebState, store: Store, args: dict[str, Any]) -> dict[str, Any]:
        seen.append("default")
        if args.get("year") is None:
            year = store.scalar("SELECT max(year) FROM works")
            return {**args, "year": year}
        return args

    def known_type(state: WebState, store: Store, args: dict[str, Any]) -> dict[str, Any]:
        seen.append("check")
        if args.get("type", "article") not in ("article", "review"):
            raise NotFoundError(f"no type {args['type']!r}")
        return args

    def compute(store: Store, *, year: int | None, type: str = "article") -> int:
        assert year is not None  # the default step ran first
        return _works(store, year=year, type=type)

    spec = Cached("prepared", compute, (default_year, known_type))
    latest = view.scalar("SELECT max(year) FROM works")
    state.result(spec, view, year=None)
    assert seen == ["default", "check"]
    # the store-dependent default is part of the key: asking for that year explicitly hits it
    assert state.is_cached(("prepared", latest, "article"))
    assert not state.is_cached(("prepared", None, "article"))
    # a failing check raises before the cache and computes nothing (nor is it cached)
    with pytest.raises(NotFoundError, match="no type 'letter'"):
        state.result(spec, view, year=2015, type="letter")
    assert not state.is_cached(("prepared", 2015, "letter"))
    with pytest.raises(NotFoundError):
        state.result(spec, view, year=2015, type="letter")


# -- the state's own checks and the request's generation ---------------------------------------
def test_home_country_must_be_alpha2(synergy_store_path: Path) -> None:
    with pytest.raises(InputError, match="alpha-2"):
        WebState(synergy_store_path, home_country="CHN")
    assert WebState(synergy_store_path, home_country=" us ").home_country == "US"


def test_check_industry_names_the_known_ones(state: WebState) -> None:
    state.check_industry("biomedicine")
    with pytest.raises(NotFoundError, match=r"no industry 'nope'.*biomedicine"):
        state.check_industry("nope")


def test_pinned_serves_the_request_from_its_generation(state: WebState) -> None:
    gen = state.pin()
    assert gen is not None
    try:
        with pinned(gen):
            assert state.store is gen.store and state.generation == gen.number
        with pinned(None):  # outside a request: the current generation
            assert state.store is gen.store
    finally:
        state.unpin(gen)
    assert gen.active == 0


def test_a_closed_state_serves_nothing(synergy_store_path: Path) -> None:
    s = WebState(synergy_store_path)
    assert s.store is None and s.summary is None and s.overview is None
    with pytest.raises(NotFoundError, match="not open"):
        s.view()


# -- the FastAPI dependencies -------------------------------------------------------------------
def test_get_store_gives_a_view_on_its_own_cursor_and_closes_it(state: WebState) -> None:
    request: Any = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(forcemap=state)))
    assert get_state(request) is state
    deps = get_store(request)
    store = next(deps)
    assert store.read_only and store.con is not state.store.con  # type: ignore[union-attr]
    assert store.scalar("SELECT count(*) FROM works") == state.summary.tables["works"]  # type: ignore[union-attr]
    deps.close()  # the request ended
    with pytest.raises(duckdb.ConnectionException):
        store.con.execute("SELECT 1")


def test_dependency_aliases() -> None:
    state_type, state_dep = typing.get_args(StateDep)
    store_type, store_dep = typing.get_args(StoreDep)
    assert state_type is WebState and state_dep.dependency is get_state
    assert store_type is Store and store_dep.dependency is get_store
