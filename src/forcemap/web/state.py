"""What the web app holds between requests: the served store, its generations and the cache.

:class:`WebState` opens the store read-only (in the app's ``lifespan``), reopens it when the
file is replaced, pins each request to the opening it arrived on, and caches results per
opening, single-flight per key (two requests never compute the same result at once: the
second waits and reuses the first's) and by cost (results that took long to compute are kept
apart from cheap ones, which cannot evict them).

Every result the pages and the JSON API share goes through one mechanism:
:meth:`WebState.result` with a :class:`Cached` spec (its name, the function computing it from
the store and keyword arguments, and optional ``prepare`` steps: checks and store-dependent
defaults). The specs are listed in :mod:`forcemap.web.results`; :meth:`WebState.cached` is the
cache underneath, for one-off keys.

The FastAPI dependencies :func:`get_state` and :func:`get_store` (and their ``Annotated``
aliases :data:`StateDep` and :data:`StoreDep`) give routes the state and a per-request
read-only store view on its own cursor.
"""

from __future__ import annotations

import gc
import inspect
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

import pyarrow as pa
from fastapi import Depends, Request

from forcemap.errors import ForcemapError, InputError, NotFoundError
from forcemap.store.reference import IndustryCatalog, load_industry_catalog
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store
from forcemap.store.summary import StoreSummary, summarise
from forcemap.web.queries import overview

__all__ = [
    "Cached",
    "Generation",
    "Prepare",
    "StateDep",
    "StoreDep",
    "WebState",
    "get_state",
    "get_store",
    "pinned",
]

_T = TypeVar("_T")
#: A step run before a cached result is looked up (:class:`Cached`): checks, defaults.
Prepare = Callable[["WebState", Store, dict[str, Any]], dict[str, Any]]
_log = logging.getLogger("forcemap.web")


class _Flight:
    """One computation in progress (single-flight): requests for the same key wait on
    ``done`` and reuse ``value``, or re-raise ``error``."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class Generation:
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
_PINNED: ContextVar[Generation | None] = ContextVar("forcemap_pinned", default=None)


@contextmanager
def pinned(gen: Generation | None) -> Iterator[None]:
    """Within the block, the current request is served from ``gen`` (a generation from
    :meth:`WebState.pin`; the app's outermost middleware wraps each request in it)."""
    token = _PINNED.set(gen)
    try:
        yield
    finally:
        _PINNED.reset(token)


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
        self._gen: Generation | None = None
        self._retired: list[Generation] = []
        self._lock = threading.Lock()  # generations, caches, flights
        self._reload_lock = threading.Lock()  # one reopening at a time
        self._draining = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._failed: tuple[int, ...] | None = None  # identity of a file that failed to open
        #: at most one search per core computes at once (:func:`forcemap.web.results.search`)
        self.search_slots = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))

    # -- store ---------------------------------------------------------------------------
    def open(self, store: Store | None = None) -> None:
        """Open the store read-only (or adopt ``store``, already open read-only on
        ``store_path``; closed with the app), compute its summary and overview, and start the
        thread that reopens it when replaced (every ``watch_interval`` seconds, or on
        :meth:`wake`)."""
        self._gen = self._open_generation(0, via=None, store=store)
        gc.freeze()  # the summary, catalog and imported modules: see cached()
        if self._watcher is None:
            self._stop.clear()
            self._watcher = threading.Thread(
                target=self._watch, name="forcemap-store-watch", daemon=True
            )
            self._watcher.start()

    def _open_generation(
        self, number: int, *, via: Path | None, store: Store | None = None
    ) -> Generation:
        """Open the store (through the other name ``via`` of the same file, if given; or
        adopt ``store``) and summarise it."""
        identity = _identity(self.store_path)
        if store is None:
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
        gen = Generation(number, store, summary, identity)
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

    def _retire(self, old: Generation, new: Generation) -> None:
        with self._lock:
            self._gen = new
            old.retired = True
            if old.active:
                self._retired.append(old)
                return
        old.store.close()

    def _reopen_drained(self, old: Generation, number: int) -> Generation:
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

    def pin(self) -> Generation | None:
        """Pin the caller (a request) to the current generation; None while draining."""
        with self._lock:
            gen = self._gen
            if gen is None or self._draining:
                return None
            gen.active += 1
        return gen

    def unpin(self, gen: Generation) -> None:
        """End a request pinned by :meth:`pin`; closes a replaced generation's connection
        when its last request ends."""
        with self._lock:
            gen.active -= 1
            last = gen.retired and gen.active == 0
            if last:
                self._retired.remove(gen)
        if last:
            gen.store.close()

    def _current(self) -> Generation:
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

    def check_industry(self, key: str) -> None:
        """Raise NotFoundError (404) unless ``key`` is a catalog industry."""
        if key not in self.catalog:
            raise NotFoundError(
                f"no industry {key!r} in the catalog; known: {', '.join(self.catalog)}"
            )

    def result(self, spec: Cached[_T], store: Store, **args: Any) -> _T:
        """``spec.compute(store, **args)``, cached (:meth:`cached`) under ``spec.key(args)``.

        The ``spec.prepare`` steps run first, in order, before the cache is consulted: their
        checks raise without computing anything, their defaults (an automatic unit) become
        part of the key.
        """
        for step in spec.prepare:
            args = step(self, store, args)
        return self.cached(spec.key(args), lambda: spec.compute(store, **args))


@dataclass(frozen=True)
class Cached(Generic[_T]):
    """A result the pages and the JSON API share, computed once per store and arguments by
    :meth:`WebState.result`.

    Parameters
    ----------
    name : str
        The first element of its cache key.
    compute : callable
        ``compute(store, **args)``; its keyword-only parameters are the arguments.
    prepare : tuple of callables, optional
        Steps ``step(state, store, args) -> args`` run in order before the cache is
        consulted: checks that raise (an unknown industry, a store without projects) and
        defaults that depend on the store (the automatic unit of positioning and the watch).

    Notes
    -----
    The cache key is ``(name, *values)``, the values in the order of ``compute``'s
    keyword-only parameters with their defaults filled in: requests asking the same thing
    share one entry however many defaults they spell out.
    """

    name: str
    compute: Callable[..., _T]
    prepare: tuple[Prepare, ...] = ()
    _params: tuple[inspect.Parameter, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        params = tuple(
            p
            for p in inspect.signature(self.compute).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        )
        object.__setattr__(self, "_params", params)

    def key(self, args: Mapping[str, Any]) -> tuple[Any, ...]:
        """The cache key of ``args`` (TypeError for an unknown or a missing argument)."""
        names = {p.name for p in self._params}
        unknown = sorted(set(args) - names)
        if unknown:
            raise TypeError(f"{self.name}: unexpected argument(s) {', '.join(unknown)}")
        values = []
        for p in self._params:
            if p.name in args:
                values.append(args[p.name])
            elif p.default is inspect.Parameter.empty:
                raise TypeError(f"{self.name}: missing argument {p.name!r}")
            else:
                values.append(p.default)
        return (self.name, *values)


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


#: The app's :class:`WebState` (route parameter ``state: StateDep``).
StateDep = Annotated[WebState, Depends(get_state)]
#: A per-request read-only store view (route parameter ``store: StoreDep``).
StoreDep = Annotated[Store, Depends(get_store)]
