"""The FastAPI application: lifespan, per-request store access, security, errors, assets.

Structure
---------
``create_app`` wires the parts; none of them imports this module:

- :mod:`forcemap.web.pages` and :mod:`forcemap.web.forms` — server-rendered pages. A page is
  one function registered with :meth:`forcemap.web.templating.PageSet.page` (path, title,
  template) returning its template context, plus one Jinja template under
  ``web/templates/``; each module's router is included here, and the nav lists
  :data:`forcemap.web.pages.PAGES`.
- :mod:`forcemap.web.api` and :mod:`forcemap.web.api_tools` — the JSON API under
  ``/api/v1`` with pydantic response models (shared ones in :mod:`forcemap.web.schemas`).
- :mod:`forcemap.web.results` — the results pages and API share (decisions of
  :mod:`forcemap.web.decisions`, views of :mod:`forcemap.web.queries`), each cached per
  store and arguments by :meth:`forcemap.web.state.WebState.result`.
- :mod:`forcemap.web.state` — the store, its reopening, the cache and the FastAPI
  dependencies.
- :mod:`forcemap.web.downloads` — ``/download/<api path>.<csv|xlsx|json|parquet>``: any API
  response's tables as a file (the links under each decision's table).
- this module — the app: ``lifespan``, the token check, the security headers, error
  handlers, ``/health`` and the static assets (``/static/plotly.min.js`` is served from the
  installed ``plotly`` package).

Concurrency
-----------
The store is opened once, read-only, in ``lifespan``. Routes are plain ``def`` functions that
FastAPI runs in its thread pool; each request gets its **own DuckDB cursor** (a
:class:`~forcemap.store.Store` view over ``store.cursor()``, closed when the request ends),
because a DuckDB connection must not be used by two threads at once. Results that depend only
on the (read-only) store — the summary, industry slices, analysed networks — are computed
once and cached in :class:`~forcemap.web.state.WebState`, single-flight per key: two
requests never compute the same result at once (the second waits and reuses the first's),
requests for other results proceed independently. Results that took long to compute are
kept apart from cheap ones (searches), which cannot evict them.

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
import hashlib
import hmac
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import plotly
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forcemap import __version__
from forcemap.errors import ForcemapError, NotFoundError
from forcemap.store import Store
from forcemap.web import (
    api,
    api_tools,
    downloads,
    forms,
    mapping,
    mapping_api,
    mapping_history,
    mapping_themes,
    pages,
)
from forcemap.web.state import WebState, pinned
from forcemap.web.templating import render

__all__ = [
    "CSP",
    "SECURITY_HEADERS",
    "TOKEN_COOKIE",
    "create_app",
    "plotly_js_path",
]

TOKEN_COOKIE = "forcemap_token"
_STATIC = Path(__file__).parent / "static"


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
        try:
            with pinned(gen):
                if scope["path"] in _DOCS_PATHS:
                    await self.app(scope, receive, _docs_sender(send))
                else:
                    await self.app(scope, receive, _header_sender(send))
        finally:
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
    store_path: str | os.PathLike[str],
    *,
    token: str | None = None,
    export_dir: str | os.PathLike[str] | None = None,
    home_country: str = "CN",
    watch_interval: float | None = None,
    store: Store | None = None,
) -> FastAPI:
    """The forcemap web application (pages, JSON API, OpenAPI docs) for one store.

    Parameters
    ----------
    store_path : str or os.PathLike
        An existing store; opened read-only when the app starts (``lifespan``).
    token : str, optional
        When set, every request except ``/health`` must carry ``Authorization: Bearer
        <token>``, ``?token=<token>`` or the HTTP-only cookie a ``?token=`` visit sets;
        otherwise 401. A page visited with ``?token=`` (GET) is redirected (303) to the same
        URL without it, so the token does not stay in the address bar, history or logs.
    export_dir : str or os.PathLike, optional
        The only directory an endpoint may write to (exports); None: no writes.
    home_country : str, default "CN"
        The default home country of the decision pages and API (``?country=`` overrides).
    watch_interval : float, optional
        Seconds between checks of the store file; when it is replaced the app reopens it
        and drops its cached results (:meth:`~forcemap.web.state.WebState.reload`). None:
        checked only on ``app.state.forcemap.wake()`` (SIGHUP under
        :func:`forcemap.web.serve.serve`).

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
        state.open(store)
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

    app.include_router(api.router)
    app.include_router(api_tools.router)
    app.include_router(pages.router)
    app.include_router(forms.router)
    app.include_router(downloads.router)
    app.include_router(mapping.router)
    app.include_router(mapping_api.router)
    app.include_router(mapping_themes.router)
    app.include_router(mapping_history.router)
    #: the nav of every page (errors included), in the order of pages.PAGES
    app.state.nav = tuple(p for p in pages.PAGES if p.nav)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    return app
