"""web/app.py: security headers on every response, the single-flight cost-aware cache, and
reopening a replaced store (in process; the real-server checks are in test_serve.py and
test_staging.py)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from forcemap.errors import ComputationError
from forcemap.web.app import CSP, SECURITY_HEADERS, create_app
from forcemap.web.state import WebState

from .conftest import TOKEN, TestClient


def _assert_secure(r: object) -> None:
    headers = r.headers  # type: ignore[attr-defined]
    for k, v in SECURITY_HEADERS.items():
        assert headers[k] == v, (k, r)
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'unsafe-eval'" not in csp


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/industries",
        "/health",
        "/api/v1/overview",
        "/static/plotly.min.js",
        "/static/forcemap.css",
        "/static/figures.js",
        "/no-such-page",  # 404 page
        "/api/v1/no-such-endpoint",  # 404 JSON
        "/api/v1/organizations?limit=0",  # 422
        "/openapi.json",
    ],
)
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    r = client.get(path)
    _assert_secure(r)
    if path not in ("/docs", "/redoc"):
        assert r.headers["content-security-policy"] == CSP
        assert "script-src 'self';" in CSP  # no inline script anywhere on the pages


def test_security_headers_on_401_and_redirect(token_client: TestClient) -> None:
    token_client.cookies.clear()
    _assert_secure(token_client.get("/api/v1/overview"))
    r = token_client.get("/", params={"token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303
    _assert_secure(r)
    token_client.cookies.clear()


def test_security_headers_on_unhandled_error(synergy_store_path: Path) -> None:
    """Even a 500 from an unexpected exception (Starlette's outermost error middleware)."""
    app = create_app(synergy_store_path)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("unexpected")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    _assert_secure(r)


def test_docs_csp_allows_exactly_its_inline_script(client: TestClient) -> None:
    import base64
    import hashlib
    import re

    r = client.get("/docs")
    _assert_secure(r)
    csp = r.headers["content-security-policy"]
    inline = re.findall(r"<script>(.*?)</script>", r.text, re.S)
    assert inline, "Swagger UI starts with an inline script"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


def test_pages_have_no_inline_script(synth_client: TestClient) -> None:
    """Figures are JSON data blocks drawn by /static/figures.js, so script-src 'self' holds."""
    import re

    html = synth_client.get("/industries/semiconductors").text
    assert html.count('class="plotly-graph-div"') >= 2
    assert html.count('class="fm-figure"') == html.count('class="plotly-graph-div"')
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attrs, body in scripts:
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
        assert "</" not in body
    assert '<script src="/static/figures.js" defer></script>' in html


# -- the cache -------------------------------------------------------------------------------
@pytest.fixture
def state(synergy_store_path: Path) -> Iterator[WebState]:
    s = WebState(synergy_store_path, max_cached=3, max_expensive=2, expensive_seconds=0.05)
    s.open()
    yield s
    s.close()


def test_single_flight_same_key_computes_once(state: WebState) -> None:
    calls = 0
    inside = threading.Event()
    release = threading.Event()

    def compute() -> str:
        nonlocal calls
        calls += 1
        inside.set()
        release.wait(5)
        return "value"

    got: list[str] = []
    threads = [
        threading.Thread(target=lambda: got.append(state.cached(("k",), compute))) for _ in range(4)
    ]
    threads[0].start()
    assert inside.wait(5)
    for t in threads[1:]:
        t.start()
    time.sleep(0.1)  # the others now wait for the first computation
    release.set()
    for t in threads:
        t.join(5)
    assert calls == 1 and got == ["value"] * 4
    assert state.is_cached(("k",))


def test_single_flight_other_keys_run_concurrently(state: WebState) -> None:
    """Two keys are inside their computations at the same time (the old global lock would
    deadlock here: each waits for the other to enter)."""
    a_in, b_in = threading.Event(), threading.Event()

    def compute(mine: threading.Event, other: threading.Event) -> bool:
        mine.set()
        return other.wait(5)  # True only if the other key's computation runs meanwhile

    out: dict[str, bool] = {}
    ta = threading.Thread(
        target=lambda: out.update(a=state.cached("a", lambda: compute(a_in, b_in)))
    )
    tb = threading.Thread(
        target=lambda: out.update(b=state.cached("b", lambda: compute(b_in, a_in)))
    )
    ta.start()
    tb.start()
    ta.join(10)
    tb.join(10)
    assert out == {"a": True, "b": True}


def test_single_flight_exception_reaches_waiters_and_is_not_cached(state: WebState) -> None:
    inside, release = threading.Event(), threading.Event()
    calls = 0

    def failing() -> None:
        nonlocal calls
        calls += 1
        inside.set()
        release.wait(5)
        raise ComputationError("did not converge")

    errors: list[BaseException] = []

    def call() -> None:
        try:
            state.cached("bad", failing)
        except ComputationError as e:
            errors.append(e)

    first = threading.Thread(target=call)
    first.start()
    assert inside.wait(5)
    second = threading.Thread(target=call)
    second.start()
    time.sleep(0.1)
    release.set()
    first.join(5)
    second.join(5)
    assert calls == 1 and len(errors) == 2
    assert all("did not converge" in str(e) for e in errors)
    assert not state.is_cached("bad")
    assert state.cached("bad", lambda: "recovered") == "recovered"  # computed again


def test_cheap_results_never_evict_expensive_ones(state: WebState) -> None:
    """max_expensive=2, max_cached=3, expensive from 0.05 s (measured)."""

    def slow(v: str) -> str:
        time.sleep(0.06)
        return v

    state.cached("page-a", lambda: slow("a"))
    state.cached("page-b", lambda: slow("b"))
    for i in range(50):  # a flood of cheap searches
        state.cached(("search", i), lambda i=i: i)
    assert state.is_cached("page-a") and state.is_cached("page-b")
    assert [state.is_cached(("search", i)) for i in (46, 47, 48, 49)] == [False, True, True, True]
    # expensive ones are evicted by expensive ones only, least recently used first
    state.cached("page-a", lambda: "hit: not recomputed")
    state.cached("page-c", lambda: slow("c"))
    assert state.is_cached("page-a") and state.is_cached("page-c")
    assert not state.is_cached("page-b")


# -- reopening a replaced store --------------------------------------------------------------
def _copy_store(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def test_reload_serves_the_replaced_store(
    synergy_store_path: Path, web_synthetic: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    """Replace the file (atomic rename) under a running app: the next requests see the new
    store, cached results are dropped, a request pinned to the old one still finishes."""
    path = _copy_store(synergy_store_path, tmp_path / "ws.duckdb")
    app = create_app(path)
    with TestClient(app) as c:
        state: WebState = app.state.forcemap
        before = c.get("/api/v1/overview").json()["tables"]["works"]
        c.get("/api/v1/industries")
        assert state.is_cached(("industry_list",))
        pinned = state.pin()  # a request in flight during the swap
        assert pinned is not None
        old_cursor = pinned.store.cursor()
        assert state.reload() is False  # unchanged file
        staged = _copy_store(web_synthetic[0], tmp_path / "ws.next.duckdb")
        staged.replace(path)
        assert state.reload() is True
        assert state.generation == 1
        after = c.get("/api/v1/overview").json()["tables"]["works"]
        assert after != before
        assert not state.is_cached(("industry_list",))
        # the old connection stays usable until its last request ends, then it is closed
        n = old_cursor.execute("SELECT count(*) FROM works").fetchone()
        assert n is not None and n[0] == before
        state.unpin(pinned)
        with pytest.raises(duckdb.ConnectionException):
            old_cursor.execute("SELECT 1")
        assert "SYNTHETIC DATA" in c.get("/").text
    assert not list(tmp_path.glob(".ws.duckdb.reopen-*"))  # the temporary second name is gone


def test_watch_reopens_and_sighup_like_wake(
    synergy_store_path: Path, web_synthetic: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    path = _copy_store(synergy_store_path, tmp_path / "ws.duckdb")
    app = create_app(path, watch_interval=60)  # only wake() can make it look in time
    with TestClient(app) as c:
        before = c.get("/api/v1/overview").json()["tables"]["works"]
        _copy_store(web_synthetic[0], tmp_path / "ws.next.duckdb").replace(path)
        app.state.forcemap.wake()
        deadline = time.monotonic() + 20
        while c.get("/api/v1/overview").json()["tables"]["works"] == before:
            assert time.monotonic() < deadline, "not reopened"
            time.sleep(0.05)


def test_reload_of_a_broken_file_keeps_serving(synergy_store_path: Path, tmp_path: Path) -> None:
    from forcemap.errors import StoreError

    path = _copy_store(synergy_store_path, tmp_path / "ws.duckdb")
    app = create_app(path)
    with TestClient(app) as c:
        before = c.get("/api/v1/overview").json()["tables"]["works"]
        broken = tmp_path / "broken.duckdb"
        broken.write_bytes(b"not a duckdb file" * 100)
        broken.replace(path)
        with pytest.raises(StoreError):
            app.state.forcemap.reload()
        assert c.get("/api/v1/overview").json()["tables"]["works"] == before


def test_reload_without_hard_links_waits_for_pinned_requests(
    synergy_store_path: Path,
    web_synthetic: tuple[Path, dict[str, object]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a file system without hard links the reopening holds new requests, waits for the
    pinned one to end, then closes the old connection and opens the new file."""
    import os

    def no_links(src: object, dst: object) -> None:
        raise PermissionError("hard links not supported here")

    monkeypatch.setattr(os, "link", no_links)
    path = _copy_store(synergy_store_path, tmp_path / "ws.duckdb")
    state = WebState(path)
    state.open()
    try:
        before = state.summary.tables["works"] if state.summary else None
        pinned = state.pin()
        assert pinned is not None
        _copy_store(web_synthetic[0], tmp_path / "ws.next.duckdb").replace(path)
        done = threading.Event()
        worker = threading.Thread(target=lambda: (state.reload(), done.set()))
        worker.start()
        time.sleep(0.3)
        assert not done.is_set() and state.draining  # waits for the pinned request
        assert state.pin() is None  # new requests wait meanwhile
        n = pinned.store.cursor().execute("SELECT count(*) FROM works").fetchone()
        assert n is not None and n[0] == before
        state.unpin(pinned)
        worker.join(20)
        assert done.is_set() and not state.draining and state.generation == 1
        assert state.summary is not None and state.summary.tables["works"] != before
    finally:
        state.close()
