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
on the (immutable, read-only) store — the summary, industry slices, analysed networks — are
computed once and cached in :class:`WebState`; a lock serialises those computations so two
requests never build the same network concurrently.
"""

from __future__ import annotations

import gc
import hmac
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import plotly
import pyarrow as pa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from forcemap import __version__
from forcemap.errors import ForcemapError, InputError, NotFoundError
from forcemap.network.analyse import NetworkAnalysis
from forcemap.store.reference import IndustryCatalog, load_industry_catalog
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store
from forcemap.store.summary import StoreSummary, summarise

__all__ = [
    "NO_PROJECTS",
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
        Cached results kept (network views, decisions; least recently used dropped first).
    """

    def __init__(
        self,
        store_path: Path,
        *,
        token: str | None = None,
        export_dir: Path | None = None,
        home_country: str = "CN",
        max_cached: int = 128,
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
        self.store: Store | None = None
        self.summary: StoreSummary | None = None
        #: The overview data (page and API), formatted once from the summary.
        self.overview: dict[str, Any] | None = None
        self.catalog: IndustryCatalog = load_industry_catalog()
        self._cache: OrderedDict[Any, Any] = OrderedDict()
        self._max_cached = max_cached
        self._cache_lock = threading.Lock()
        self._compute_lock = threading.RLock()  # a computation may use another cached value

    # -- store ---------------------------------------------------------------------------
    def open(self) -> None:
        """Open the store read-only and compute its summary and overview (the store never
        changes while it is served)."""
        from forcemap.web.queries import overview

        self.store = Store.open(self.store_path, read_only=True)
        view = self.view()
        try:
            self.summary = summarise(view)
        finally:
            view.con.close()
        self.overview = overview(self.summary, store_name=self.store_path.name)
        gc.freeze()  # the summary, catalog and imported modules: see cached()

    def close(self) -> None:
        """Close the store."""
        if self.store is not None:
            self.store.close()
            self.store = None

    def view(self) -> Store:
        """A Store over a fresh cursor of the shared connection (one per request/thread)."""
        if self.store is None:
            raise NotFoundError("the store is not open (the app's lifespan has not started)")
        return Store(self.store.path, self.store.cursor(), read_only=True)

    @property
    def synthetic(self) -> bool:
        """True when the store holds synthetic records (every page says so)."""
        return bool(self.summary and self.summary.synthetic)

    # -- cache ---------------------------------------------------------------------------
    def cached(self, key: Any, compute: Callable[[], _T]) -> _T:
        """The cached value for ``key``, computing it (serialised) on first use."""
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        with self._compute_lock:
            with self._cache_lock:
                if key in self._cache:
                    return self._cache[key]  # type: ignore[no-any-return]
            value = compute()
            with self._cache_lock:
                self._cache[key] = value
                while len(self._cache) > self._max_cached:
                    self._cache.popitem(last=False)
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
        return self.cached(
            ("search", query, k, entity),
            lambda: search_view(
                index, where, query=query, k=k, entity=entity, synthetic=self.synthetic
            ),
        )


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
) -> FastAPI:
    """The forcemap web application (pages, JSON API, OpenAPI docs) for one store.

    Parameters
    ----------
    store_path : str or Path
        An existing store; opened read-only when the app starts (``lifespan``).
    token : str, optional
        When set, every request except ``/health`` must carry ``Authorization: Bearer
        <token>``, ``?token=<token>`` (which also sets an HTTP-only cookie so page
        navigation keeps working) or that cookie; otherwise 401.
    export_dir : str or Path, optional
        The only directory an endpoint may write to (exports); None: no writes.
    home_country : str, default "CN"
        The default home country of the decision pages and API (``?country=`` overrides).

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
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.open()
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
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

    @app.middleware("http")
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
        response = await call_next(request)
        if from_query:
            response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="strict")
        return response

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
