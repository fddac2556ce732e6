"""The FastAPI application: lifespan, per-request store access, security, errors, assets.

Structure
---------
``create_app`` wires four parts:

- :mod:`forcemap.web.pages` — server-rendered pages. A page is one function decorated with
  :func:`forcemap.web.pages.page` (path, title, template) returning its template context, plus
  one Jinja template under ``web/templates/``; the decorator registers the route and the nav
  entry (:data:`forcemap.web.pages.PAGES`).
- :mod:`forcemap.web.api` — the JSON API under ``/api/v1`` with pydantic response models.
- :mod:`forcemap.web.queries` — the data behind both (pages and API show the same numbers).
- :mod:`forcemap.web.decisions` — the decisions (positioning, bottlenecks, strategic actors,
  gatekeepers, technology watch, benchmark, talent, IP landscape) as plain data, cached per
  store and arguments by :class:`WebState`.
- this module — the store, the cache, the token check, error handlers, ``/health`` and the
  static assets (``/static/plotly.min.js`` is served from the installed ``plotly`` package).

Concurrency
-----------
The store is opened once, read-only, in ``lifespan``. Routes are plain ``def`` functions that
FastAPI runs in its thread pool; each request gets its **own DuckDB cursor** (a
:class:`~forcemap.store.Store` view over ``store.cursor()``, closed when the request ends),
because a DuckDB connection must not be used by two threads at once. Results that depend only
on the (read-only) store — the summary, industry slices, analysed networks — are computed
once and cached in :class:`WebState`, single-flight per key: two requests never compute the
same result at once (the second waits and reuses the first's), requests for other results
proceed independently. Results that took long to compute are kept apart from cheap ones
(searches), which cannot evict them.

Updating a served store
-----------------------
The store file may be replaced atomically while it is served (``forcemap stage``, an ingest
into the staged copy, ``forcemap swap``; or ``mv``): with ``watch_interval`` set (``forcemap
serve`` does) the app notices (or on SIGHUP), opens the new file, serves new requests from
it with empty caches and closes the old connection when the requests pinned to it end.

Security
--------
Every response carries a Content-Security-Policy (scripts from ``/static`` only: figures are
JSON data blocks drawn by ``static/figures.js``), ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
no-referrer``. With a token, a ``?token=`` page visit sets an HTTP-only cookie and redirects
to the URL without the token; ``forcemap serve`` redacts ``token=`` from the access log.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import hmac
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

import anyio
import plotly
import pyarrow as pa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forcemap import __version__
from forcemap.errors import ForcemapError, InputError, NotFoundError
from forcemap.network.analyse import NetworkAnalysis
from forcemap.store.reference import IndustryCatalog, load_industry_catalog
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store
from forcemap.store.summary import StoreSummary, summarise

__all__ = [
    "CSP",
    "NO_PROJECTS",
    "SECURITY_HEADERS",
    "TOKEN_COOKIE",
    "WebState",
    "create_app",
    "get_state",
    "get_store",
    "plotly_js_path",
]

TOKEN_COOKIE = "forcemap_token"
_STATIC = Path(__file__).parent / "static"
#: The message of the portfolio page and API for a store without research projects.
NO_PROJECTS = (
    "this store has no research projects, so there is nothing to review or allocate: stop the "
    "server, ingest a project folder with `forcemap --store STORE ingest projects DIR` "
    "(projects.csv, participants.csv, outputs.csv; the format is in docs/formats.md) and "
    "start it again"
)
_T = TypeVar("_T")
_log = logging.getLogger("forcemap.web")


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` bundle shipped inside the installed ``plotly`` package.

    Raises
    ------
    NotFoundError
        The installed plotly has no bundled JS (reinstall plotly).
    """
    p = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not p.is_file():
        raise NotFoundError(f"plotly.min.js not found at {p}; reinstall the plotly package")
    return p


class _Flight:
    """One computation in progress (single-flight): requests for the same key wait on
    ``done`` and reuse ``value``, or re-raise ``error``."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class _Generation:
    """One opening of the store file: its connection, summary and the results computed on
    it. Requests are pinned to the generation current when they arrived (:meth:`WebState.pin`);
    a replaced generation is closed when its last request ends."""

    def __init__(
        self, number: int, store: Store, summary: StoreSummary, identity: tuple[int, ...]
    ) -> None:
        self.number = number
        self.store = store
        self.summary = summary
        self.identity = identity
        self.overview: dict[str, Any] | None = None
        #: results by key, least recently used first: cheap ones (computed in less than
        #: ``WebState.expensive_seconds``) and expensive ones, each bounded on its own
        self.cheap: OrderedDict[Any, Any] = OrderedDict()
        self.expensive: OrderedDict[Any, Any] = OrderedDict()
        self.flights: dict[Any, _Flight] = {}
        self.active = 0  # requests pinned to it
        self.retired = False


#: The generation the current request is pinned to (set by the app's middleware).
_PINNED: ContextVar[_Generation | None] = ContextVar("forcemap_pinned", default=None)


def _identity(path: Path) -> tuple[int, ...]:
    """What tells a replaced store file apart: device, inode, size, modification time."""
    st = path.stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class WebState:
    """What the app holds between requests: the read-only store, settings and a cache.

    Parameters
    ----------
    store_path : Path
        The DuckDB store (opened read-only in ``lifespan``).
    token : str, optional
        Required bearer token; None disables the check (loopback use).
    export_dir : Path, optional
        The only directory endpoints may write to (exports).
    home_country : str, default "CN"
        The home country X of the decision pages (ISO alpha-2) when a request names none.
    max_cached : int, default 128
        Cheap cached results kept (searches, small lists; least recently used dropped first).
    max_expensive : int, default 128
        Expensive cached results kept (network views, decisions, industry pages), bounded on
        their own: cheap results never evict them.
    expensive_seconds : float, default 0.5
        A result whose computation took at least this long (measured) is expensive.
    watch_interval : float, optional
        Seconds between checks of the store file: when it is replaced (another inode, size or
        modification time, e.g. ``forcemap swap``), the app reopens it and drops every cached
        result. None: only when :meth:`wake` is called (SIGHUP under ``forcemap serve``).

    Notes
    -----
    Caching is single-flight per key: the first request for a key computes it, a second
    request for the same key waits for that computation and reuses its result (or its
    exception, which is not cached), requests for other keys proceed independently.
    """

    def __init__(
        self,
        store_path: Path,
        *,
        token: str | None = None,
        export_dir: Path | None = None,
        home_country: str = "CN",
        max_cached: int = 128,
        max_expensive: int = 128,
        expensive_seconds: float = 0.5,
        watch_interval: float | None = None,
    ) -> None:
        code = str(home_country).strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise InputError(
                f"home_country={home_country!r} must be an ISO 3166-1 alpha-2 code such as 'CN'"
            )
        self.store_path = store_path
        self.token = token
        self.export_dir = export_dir
        self.home_country = code
        self.catalog: IndustryCatalog = load_industry_catalog()
        self.max_cached = max_cached
        self.max_expensive = max_expensive
        self.expensive_seconds = expensive_seconds
        self.watch_interval = watch_interval
        self._gen: _Generation | None = None
        self._retired: list[_Generation] = []
        self._lock = threading.Lock()  # generations, caches, flights
        self._reload_lock = threading.Lock()  # one reopening at a time
        self._draining = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._failed: tuple[int, ...] | None = None  # identity of a file that failed to open
        self._search_slots = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))

    # -- store ---------------------------------------------------------------------------
    def open(self) -> None:
        """Open the store read-only, compute its summary and overview, and start the thread
        that reopens it when replaced (every ``watch_interval`` seconds, or on :meth:`wake`)."""
        self._gen = self._open_generation(0, via=None)
        gc.freeze()  # the summary, catalog and imported modules: see cached()
        if self._watcher is None:
            self._stop.clear()
            self._watcher = threading.Thread(
                target=self._watch, name="forcemap-store-watch", daemon=True
            )
            self._watcher.start()

    def _open_generation(self, number: int, *, via: Path | None) -> _Generation:
        """Open the store (through the other name ``via`` of the same file, if given) and
        summarise it."""
        from forcemap.web.queries import overview

        identity = _identity(self.store_path)
        store = Store.open(via or self.store_path, read_only=True)
        store.path = self.store_path  # files beside the store (search index) keep their names
        try:
            cur = Store(store.path, store.cursor(), read_only=True)
            try:
                summary = summarise(cur)
            finally:
                cur.con.close()
        except BaseException:
            store.close()
            raise
        gen = _Generation(number, store, summary, identity)
        gen.overview = overview(summary, store_name=self.store_path.name)
        return gen

    def close(self) -> None:
        """Stop watching and close the store (and any replaced one still open)."""
        self._stop.set()
        self._wake.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
            self._watcher = None
        with self._lock:
            gens = [g for g in (self._gen, *self._retired) if g is not None]
            self._gen = None
            self._retired = []
        for g in gens:
            g.store.close()

    def reload(self) -> bool:
        """Reopen the store file when it was replaced since it was opened (another inode,
        size or modification time); True when a new store is now served.

        The new file is opened while the old one keeps serving the requests that arrived
        before (DuckDB keeps one database per file name in a process, so the new file is
        opened through a temporary second name, a hard link beside it); the old connection
        is closed when its last request ends. Cached results are not carried over. Without
        hard links (some file systems), new requests wait until the old ones end, then the
        file is reopened.

        Raises
        ------
        StoreError, NotFoundError
            The new file cannot be opened; the old store keeps being served (without hard
            links it is closed already: nothing is served until the file is replaced again).
        """
        with self._reload_lock:
            old = self._gen
            if old is None:
                raise NotFoundError("the store is not open (the app's lifespan has not started)")
            if _identity(self.store_path) == old.identity:
                return False
            self._failed = None
            number = old.number + 1
            link = self.store_path.with_name(
                f".{self.store_path.name}.reopen-{os.getpid()}-{number}"
            )
            try:
                link.unlink(missing_ok=True)  # left by a crashed process with this pid
                os.link(self.store_path, link)
            except OSError:
                gen = self._reopen_drained(old, number)
            else:
                try:
                    gen = self._open_generation(number, via=link)
                finally:
                    link.unlink(missing_ok=True)
                self._retire(old, gen)
            gc.freeze()
            _log.info(
                "store %s replaced: reopened (generation %d), cached results dropped",
                self.store_path,
                gen.number,
            )
            return True

    def _retire(self, old: _Generation, new: _Generation) -> None:
        with self._lock:
            self._gen = new
            old.retired = True
            if old.active:
                self._retired.append(old)
                return
        old.store.close()

    def _reopen_drained(self, old: _Generation, number: int) -> _Generation:
        """Reopen without a second name: hold new requests, wait for the pinned ones to end,
        close the old connection (DuckDB would otherwise hand back its database), open the
        new file. If that fails, nothing is served until the file is replaced again."""
        with self._lock:
            self._draining = True
        try:
            while True:
                with self._lock:
                    if old.active == 0:
                        self._gen = None
                        break
                time.sleep(0.02)
            old.store.close()
            gen = self._open_generation(number, via=None)
            with self._lock:
                self._gen = gen
            return gen
        finally:
            with self._lock:
                self._draining = False

    def wake(self) -> None:
        """Check the store file now instead of at the next interval (e.g. on SIGHUP)."""
        self._wake.set()

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.watch_interval)  # None: until wake()
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                identity = _identity(self.store_path)
            except OSError:
                continue  # between the steps of a non-atomic replacement: look again later
            if identity == self._failed:
                continue
            try:
                self.reload()
            except (ForcemapError, OSError) as e:
                self._failed = identity
                _log.error(
                    "store %s replaced but not reopened (still serving the old one): %s",
                    self.store_path,
                    e,
                )

    # -- pinning requests to a generation --------------------------------------------------
    @property
    def draining(self) -> bool:
        """True while a reopening waits for the requests on the old store to end."""
        return self._draining

    def pin(self) -> _Generation | None:
        """Pin the caller (a request) to the current generation; None while draining."""
        with self._lock:
            gen = self._gen
            if gen is None or self._draining:
                return None
            gen.active += 1
        return gen

    def unpin(self, gen: _Generation) -> None:
        """End a request pinned by :meth:`pin`; closes a replaced generation's connection
        when its last request ends."""
        with self._lock:
            gen.active -= 1
            last = gen.retired and gen.active == 0
            if last:
                self._retired.remove(gen)
        if last:
            gen.store.close()

    def _current(self) -> _Generation:
        gen = _PINNED.get() or self._gen
        if gen is None:
            raise NotFoundError("the store is not open (the app's lifespan has not started)")
        return gen

    @property
    def store(self) -> Store | None:
        """The open store (the request's generation), or None before ``lifespan``."""
        gen = _PINNED.get() or self._gen
        return gen.store if gen else None

    @property
    def summary(self) -> StoreSummary | None:
        """The store's summary (computed when it was opened)."""
        gen = _PINNED.get() or self._gen
        return gen.summary if gen else None

    @property
    def overview(self) -> dict[str, Any] | None:
        """The overview data (page and API), formatted once from the summary."""
        gen = _PINNED.get() or self._gen
        return gen.overview if gen else None

    @property
    def generation(self) -> int:
        """How many times the store file was reopened since the app started."""
        return self._current().number

    def view(self) -> Store:
        """A Store over a fresh cursor of the (request's) connection: one per request/thread;
        close its ``con`` when done."""
        gen = self._current()
        return Store(gen.store.path, gen.store.cursor(), read_only=True)

    @property
    def synthetic(self) -> bool:
        """True when the store holds synthetic records (every page says so)."""
        summary = self.summary
        return bool(summary and summary.synthetic)

    # -- cache ---------------------------------------------------------------------------
    def is_cached(self, key: Any) -> bool:
        """True when the result for ``key`` is cached (for the request's generation)."""
        gen = self._current()
        with self._lock:
            return key in gen.cheap or key in gen.expensive

    def cached(self, key: Any, compute: Callable[[], _T]) -> _T:
        """The cached value for ``key``, computing it on first use (single-flight per key).

        Concurrent requests for the same key wait for one computation and share its value
        (or its exception, which is not cached); other keys compute independently. The value
        goes to the expensive or the cheap cache by the seconds its computation took.
        """
        gen = self._current()
        with self._lock:
            for tier in (gen.expensive, gen.cheap):
                if key in tier:
                    tier.move_to_end(key)
                    return tier[key]  # type: ignore[no-any-return]
            flight = gen.flights.get(key)
            owner = flight is None
            if flight is None:
                flight = gen.flights[key] = _Flight()
        if not owner:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[no-any-return]
        t0 = time.perf_counter()
        try:
            value = compute()
        except BaseException as e:
            flight.error = e
            with self._lock:
                del gen.flights[key]
            flight.done.set()
            raise
        seconds = time.perf_counter() - t0
        with self._lock:
            if seconds >= self.expensive_seconds:
                tier, bound = gen.expensive, self.max_expensive
            else:
                tier, bound = gen.cheap, self.max_cached
            tier[key] = value
            while len(tier) > bound:
                tier.popitem(last=False)
            del gen.flights[key]
        flight.value = value
        flight.done.set()
        # the cached values are long-lived and hold many small objects (rows, networks):
        # exempt them from the cyclic garbage collector, whose full collections would
        # otherwise traverse them all every few requests (pauses of 0.3 s on a 50 k-work
        # store, growing with it). Refcounting still frees an evicted value.
        gc.freeze()
        return value

    def slices(self, store: Store) -> tuple[pa.Table, pa.Table]:
        """The works and patents slices of every catalog industry (cached)."""
        return self.cached(
            ("slices",),
            lambda: (
                industry_works(store, catalog=self.catalog),
                industry_patents(store, catalog=self.catalog),
            ),
        )

    def industry_list(self, store: Store) -> list[dict[str, Any]]:
        """:func:`forcemap.web.queries.industry_list`: the catalog with each slice's size
        (cached: counting distinct works per industry grows with the store)."""
        from forcemap.web.queries import industry_list

        ws, ps = self.slices(store)
        return self.cached(("industry_list",), lambda: industry_list(self.catalog, ws, ps))

    def industry_detail(self, store: Store, key: str) -> dict[str, Any]:
        """:func:`forcemap.web.queries.industry_detail` of one industry (cached: its joins
        over the works and patents of the slice grow with the store)."""
        from forcemap.web.queries import industry_detail

        ws, ps = self.slices(store)
        return self.cached(
            ("industry_detail", key), lambda: industry_detail(store, self.catalog, key, ws, ps)
        )

    def org_analysis(self, store: Store) -> NetworkAnalysis:
        """The analysed whole-store organisation collaboration network (cached)."""
        from forcemap.network import analyse, build_network
        from forcemap.web.queries import NETWORK_MEASURES

        return self.cached(
            ("org_analysis",),
            lambda: analyse(build_network(store), measures=NETWORK_MEASURES),
        )

    # -- decisions (forcemap.decide), cached per store and arguments ----------------------
    def check_industry(self, key: str) -> None:
        """Raise NotFoundError (404) unless ``key`` is a catalog industry."""
        if key not in self.catalog:
            raise NotFoundError(
                f"no industry {key!r} in the catalog; known: {', '.join(self.catalog)}"
            )

    def positioning_unit(self, store: Store) -> str:
        """``field`` for stores without patents and with empty industry slices, else
        ``industry`` (see :func:`forcemap.web.decisions.auto_unit`)."""
        from forcemap.web.decisions import auto_unit

        ws, ps = self.slices(store)
        return self.cached(("positioning_unit",), lambda: auto_unit(store, ws, ps))

    def positioning(self, store: Store, country: str, unit: str | None = None) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.positioning_view` (cached); ``unit`` None: auto."""
        from forcemap.web.decisions import positioning_view

        u = unit or self.positioning_unit(store)
        return self.cached(
            ("positioning", country, u),
            lambda: positioning_view(store, country=country, unit=u),
        )

    def bottlenecks(self, store: Store, country: str, industry: str | None) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.bottlenecks_view` (cached)."""
        from forcemap.web.decisions import bottlenecks_view

        return self.cached(
            ("bottlenecks", country, industry),
            lambda: bottlenecks_view(store, country=country, industry=industry),
        )

    def actors(self, store: Store, country: str, industry: str | None) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.actors_view` (cached; InputError when organisations
        are not resolved — checked first, without computing anything)."""
        from forcemap.web.decisions import actors_view

        if not self.cached(
            ("orgs_resolved",), lambda: bool(store.scalar("SELECT count(*) FROM org_aliases"))
        ):
            raise InputError(
                "organisations are not resolved in this store, so strategic actors cannot be "
                "ranked: run forcemap.store.organizations.resolve_organizations on a writable "
                "copy of the store"
            )
        return self.cached(
            ("actors", country, industry),
            lambda: actors_view(store, country=country, industry=industry),
        )

    def watch_unit(self, store: Store) -> str:
        """The default technology unit of the watch (``topic``, else ``concept``)."""
        from forcemap.web.decisions import watch_unit

        return self.cached(("watch_unit",), lambda: watch_unit(store))

    def watch(
        self,
        store: Store,
        country: str,
        industry: str | None,
        unit: str | None = None,
        top: int = 20,
        qualified_only: bool = False,
    ) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.watch_view` (cached); ``unit`` None: auto."""
        from forcemap.web.decisions import watch_view

        u = unit or self.watch_unit(store)
        return self.cached(
            ("watch", country, industry, u, top, qualified_only),
            lambda: watch_view(
                store,
                country=country,
                industry=industry,
                unit=u,
                top=top,
                qualified_only=qualified_only,
            ),
        )

    def benchmark(
        self,
        store: Store,
        country: str,
        industry: str | None,
        unit: str = "industry",
        peers: tuple[str, ...] = (),
        k: int = 5,
    ) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.benchmark_view` (cached)."""
        from forcemap.web.decisions import benchmark_view

        return self.cached(
            ("benchmark", country, industry, unit, peers, k),
            lambda: benchmark_view(
                store, country=country, industry=industry, unit=unit, peers=peers, k=k
            ),
        )

    def talent(
        self,
        store: Store,
        country: str,
        industry: str | None,
        unit: str = "industry",
        top: int = 25,
    ) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.talent_view` (cached)."""
        from forcemap.web.decisions import talent_view

        return self.cached(
            ("talent", country, industry, unit, top),
            lambda: talent_view(store, country=country, industry=industry, unit=unit, top=top),
        )

    def landscape(
        self, store: Store, country: str, industry: str | None, top: int = 20
    ) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.landscape_view` (cached)."""
        from forcemap.web.decisions import landscape_view

        return self.cached(
            ("landscape", country, industry, top),
            lambda: landscape_view(store, country=country, industry=industry, top=top),
        )

    def gatekeepers(self, store: Store, industry: str) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.gatekeepers_view` of one industry (cached)."""
        from forcemap.web.decisions import gatekeepers_view

        return self.cached(
            ("gatekeepers", industry), lambda: gatekeepers_view(store, industry=industry)
        )

    # -- decision tools (forms): cached per store and the full argument set ----------------
    def consortium(self, store: Store, **kwargs: Any) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.consortium_view` (cached; ``kwargs`` hashable)."""
        from forcemap.web.decisions import consortium_view

        self.check_industry(kwargs["industry"])
        return self.cached(
            ("consortium", *sorted(kwargs.items())), lambda: consortium_view(store, **kwargs)
        )

    def panel(self, store: Store, **kwargs: Any) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.panel_view` (cached; ``kwargs`` hashable)."""
        from forcemap.web.decisions import panel_view

        return self.cached(("panel", *sorted(kwargs.items())), lambda: panel_view(store, **kwargs))

    def check_projects(self, store: Store) -> None:
        """Raise NotFoundError (404) when the store holds no research project (checked once)."""
        from forcemap.web.decisions import has_projects

        if not self.cached(("has_projects",), lambda: has_projects(store)):
            raise NotFoundError(NO_PROJECTS)

    def project_review(self, store: Store, **kwargs: Any) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.review_view` (cached; NotFoundError without projects)."""
        from forcemap.web.decisions import review_view

        self.check_projects(store)
        return self.cached(
            ("review", *sorted(kwargs.items())), lambda: review_view(store, **kwargs)
        )

    def allocation(self, store: Store, **kwargs: Any) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.allocation_view` (cached; NotFoundError without
        projects)."""
        from forcemap.web.decisions import allocation_view

        self.check_projects(store)
        return self.cached(
            ("allocation", *sorted(kwargs.items())), lambda: allocation_view(store, **kwargs)
        )

    def search(self, store: Store, query: str, k: int, entity: str) -> dict[str, Any]:
        """:func:`forcemap.web.decisions.search_view` over the store's TF-IDF index of
        ``entity`` (built once, then cached with the results)."""
        from forcemap.web.decisions import search_view, text_index

        index, where = self.cached(("text_index", entity), lambda: text_index(store, entity))

        def compute() -> dict[str, Any]:
            # at most one search per core computes at once: a flood of searches then queues
            # here instead of taking the interpreter from every other request
            with self._search_slots:
                return search_view(
                    index, where, query=query, k=k, entity=entity, synthetic=self.synthetic
                )

        return self.cached(("search", query, k, entity), compute)


def get_state(request: Request) -> WebState:
    """The app's :class:`WebState` (a FastAPI dependency)."""
    return request.app.state.forcemap  # type: ignore[no-any-return]


def get_store(request: Request) -> Iterator[Store]:
    """A per-request read-only Store view on its own cursor (a FastAPI dependency)."""
    view = get_state(request).view()
    try:
        yield view
    finally:
        view.con.close()


#: Content-Security-Policy of the pages: scripts only from this server (``/static``: the
#: plotly bundle, figures.js, network.js; figures are JSON data blocks, not inline scripts);
#: inline styles are allowed because Plotly sets them on the elements it draws.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: The interactive API docs (``/docs``, ``/redoc``) load Swagger UI / ReDoc from a CDN and
#: start them with an inline script, allowed by its hash (computed from the page itself).
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net {hashes}; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; connect-src 'self'; worker-src blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_DOCS_PATHS = frozenset({"/docs", "/redoc"})
#: Headers of every response (pages, API, errors, static files, /health).
SECURITY_HEADERS: dict[str, str] = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def _script_hashes(html: bytes) -> str:
    """CSP sources allowing exactly the inline scripts of ``html``."""
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.findall(html)
    )


class _Outermost:
    """ASGI wrapper around the whole app (outside Starlette's error middleware, so that
    even an unhandled 500 gets the headers): adds :data:`SECURITY_HEADERS` and the CSP to
    every HTTP response, and pins each request to the store generation current when it
    arrives (a replaced store is closed when its last request ends)."""

    def __init__(self, app: ASGIApp, state: WebState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        gen = state.pin()
        while gen is None and state.draining:  # a reopening without hard links: wait
            await anyio.sleep(0.02)
            gen = state.pin()
        token = _PINNED.set(gen)
        try:
            if scope["path"] in _DOCS_PATHS:
                await self.app(scope, receive, _docs_sender(send))
            else:
                await self.app(scope, receive, _header_sender(send))
        finally:
            _PINNED.reset(token)
            if gen is not None:
                state.unpin(gen)


def _set_headers(message: Message, csp: str) -> None:
    headers = MutableHeaders(scope=message)
    headers["Content-Security-Policy"] = csp
    for k, v in SECURITY_HEADERS.items():
        headers[k] = v


def _header_sender(send: Send) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            _set_headers(message, CSP)
        await send(message)

    return sender


def _docs_sender(send: Send) -> Send:
    """Buffer the (small) docs page to allow its inline script by hash."""
    start: Message | None = None
    body: list[bytes] = []

    async def sender(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        html = b"".join(body)
        _set_headers(start, _DOCS_CSP.format(hashes=_script_hashes(html)))
        await send(start)
        await send({"type": "http.response.body", "body": html})

    return sender


class _App(FastAPI):
    """FastAPI with :class:`_Outermost` around its whole middleware stack."""

    def build_middleware_stack(self) -> ASGIApp:
        return _Outermost(super().build_middleware_stack(), self.state.forcemap)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_json(message: str, status: int) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)


def _error(request: Request, message: str, status: int) -> Response:
    """The error in the API's JSON shape, or the HTML error page for pages."""
    if _is_api(request) or request.url.path in ("/openapi.json", "/health"):
        return _error_json(message, status)
    from forcemap.web.pages import render

    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{loc}: {err.get('msg', 'invalid value')}")
    return "invalid request parameters: " + "; ".join(parts)


def _token_of(request: Request) -> tuple[str | None, bool]:
    """The token the request carries, and whether it came from ``?token=``."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    q = request.query_params.get("token")
    if q:
        return q, True
    return request.cookies.get(TOKEN_COOKIE), False


def create_app(
    store_path: str | Path,
    *,
    token: str | None = None,
    export_dir: str | Path | None = None,
    home_country: str = "CN",
    watch_interval: float | None = None,
) -> FastAPI:
    """The forcemap web application (pages, JSON API, OpenAPI docs) for one store.

    Parameters
    ----------
    store_path : str or Path
        An existing store; opened read-only when the app starts (``lifespan``).
    token : str, optional
        When set, every request except ``/health`` must carry ``Authorization: Bearer
        <token>``, ``?token=<token>`` or the HTTP-only cookie a ``?token=`` visit sets;
        otherwise 401. A page visited with ``?token=`` (GET) is redirected (303) to the same
        URL without it, so the token does not stay in the address bar, history or logs.
    export_dir : str or Path, optional
        The only directory an endpoint may write to (exports); None: no writes.
    home_country : str, default "CN"
        The default home country of the decision pages and API (``?country=`` overrides).
    watch_interval : float, optional
        Seconds between checks of the store file; when it is replaced the app reopens it
        and drops its cached results (:meth:`WebState.reload`). None: checked only on
        ``app.state.forcemap.wake()`` (SIGHUP under :func:`forcemap.web.serve.serve`).

    Returns
    -------
    fastapi.FastAPI
        The app; run it with uvicorn (:func:`forcemap.web.serve.serve`).

    Raises
    ------
    NotFoundError
        ``store_path`` does not exist, or the plotly JS bundle is missing.
    InputError
        ``home_country`` is not an ISO alpha-2 code.

    Notes
    -----
    Errors: a :class:`~forcemap.errors.ForcemapError` becomes its ``http_status`` with the
    body ``{"ok": false, "error": message, "status": code}`` under ``/api/`` and an HTML
    error page elsewhere; invalid parameters give 422 in the same shape.

    Every response, errors and static files included, carries :data:`CSP` (the API docs a
    variant allowing the CDN they load from) and :data:`SECURITY_HEADERS`.
    """
    path = Path(store_path)
    if not path.exists():
        raise NotFoundError(f"no store at {path}; create one with `forcemap --store {path} init`")
    plotly_js = plotly_js_path()
    state = WebState(
        path,
        token=token or None,
        export_dir=Path(export_dir) if export_dir else None,
        home_country=home_country,
        watch_interval=watch_interval,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.open()
        try:
            yield
        finally:
            state.close()

    app = _App(
        title="forcemap",
        version=__version__,
        description=(
            "Science & technology strategy from open data. JSON API over a read-only "
            "forcemap store. Errors have the shape "
            '`{"ok": false, "error": "...", "status": 404}`.'
        ),
        lifespan=lifespan,
    )
    app.state.forcemap = state

    async def require_token(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if state.token is None or request.url.path == "/health":
            return await call_next(request)
        given, from_query = _token_of(request)
        if given is None or not hmac.compare_digest(given.encode(), state.token.encode()):
            resp = _error(
                request,
                "authentication required: send Authorization: Bearer "
                "<token> (the server's FORCEMAP_TOKEN)",
                401,
            )
            resp.headers["WWW-Authenticate"] = "Bearer"
            return resp
        if from_query and request.method in ("GET", "HEAD") and not _is_api(request):
            # a page visit with ?token=: keep the token in a cookie, not in the address bar
            url = request.url.remove_query_params("token")
            response: Response = RedirectResponse(
                url.path + (f"?{url.query}" if url.query else ""), status_code=303
            )
        else:
            response = await call_next(request)
        if from_query:
            response.set_cookie(
                TOKEN_COOKIE,
                given,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        return response

    if state.token is not None:  # without a token the middleware would only cost time
        app.middleware("http")(require_token)

    @app.exception_handler(ForcemapError)
    async def forcemap_error(request: Request, exc: ForcemapError) -> Response:
        return _error(request, str(exc), exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, _validation_message(exc), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        msg = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and msg == "Not Found":
            msg = f"no such page or endpoint: {request.url.path}"
        return _error(request, msg, exc.status_code)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        return FileResponse(
            plotly_js,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    from forcemap.web.api import router as api_router
    from forcemap.web.api_tools import router as tools_router
    from forcemap.web.pages import router as pages_router

    app.include_router(api_router)
    app.include_router(tools_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    return app
