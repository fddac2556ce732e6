"""Web fixtures: an in-process client on the real SYNERGY store, a live server, a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from forcemap.web import create_app
from tests.conftest import synthetic_store

with warnings.catch_warnings():
    # starlette's TestClient warns at import that it wants httpx2 (not installed)
    warnings.filterwarnings("ignore", message=r".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TOKEN = "s3cret-test-token"


@pytest.fixture(scope="session")
def client(synergy_store_path: Path) -> Iterator[TestClient]:
    """The app on the SYNERGY store, in process (``lifespan`` runs: store opened read-only)."""
    with TestClient(create_app(synergy_store_path)) as c:
        yield c


@pytest.fixture(scope="session")
def token_client(synergy_store_path: Path) -> Iterator[TestClient]:
    """The same app requiring the bearer token :data:`TOKEN`."""
    with TestClient(create_app(synergy_store_path, token=TOKEN)) as c:
        yield c


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli_has_serve() -> bool:
    """True once ``forcemap serve`` exists in the CLI (then the live server uses it)."""
    from forcemap.cli import app

    for cmd in app.registered_commands:
        name = cmd.name or (cmd.callback.__name__.replace("_", "-") if cmd.callback else "")
        if name == "serve":
            return True
    return False


@contextmanager
def _serve(
    store_path: Path,
    log_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    https: bool = False,
    procs: list[subprocess.Popen[bytes]] | None = None,
) -> Iterator[str]:
    """Run the app on ``store_path`` in a subprocess on loopback (``args``: more ``serve``
    options; ``env``: more environment; ``procs`` receives the process); yield its base URL
    once ``/health`` answers."""
    port = _free_port()
    if _cli_has_serve():
        cmd = [
            sys.executable,
            "-m",
            "forcemap",
            "--store",
            str(store_path),
            "serve",
            "--port",
            str(port),
            *args,
        ]
    else:
        cmd = [
            sys.executable,
            "-m",
            "forcemap.web.serve",
            "--store",
            str(store_path),
            "--port",
            str(port),
        ]
    log = log_dir / "server.log"
    base_env = {
        k: v for k, v in os.environ.items() if k not in ("FORCEMAP_TOKEN", "FORCEMAP_COUNTRY")
    }
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            cmd, stdout=fh, stderr=subprocess.STDOUT, env={**base_env, **(env or {})}
        )
        if procs is not None:
            procs.append(proc)
        url = f"{'https' if https else 'http'}://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # a bound: a loaded 2-core machine took > 30 s
        try:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"server exited ({proc.returncode}): {log.read_text()[-2000:]}")
                try:
                    if httpx.get(url + "/health", timeout=1, verify=False).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not start in 120 s: {log.read_text()[-2000:]}")
                time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def live_server(
    synergy_store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real server on loopback in a subprocess; yields its base URL, stops it at the end."""
    with _serve(synergy_store_path, tmp_path_factory.mktemp("live")) as url:
        yield url


@pytest.fixture(scope="session")
def real_server(real_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server on the real demo store (SYNERGY + the USPTO sample, as ``make demo``
    builds it): the store on which the evidence discipline is checked by eye."""
    with _serve(real_store_path, tmp_path_factory.mktemp("live-real")) as url:
        yield url


#: Scale of the web tests' synthetic world: large enough for the planted facts (≥ 0.25),
#: small enough to build in a few seconds and decide in about one.
WEB_SYNTH_SCALE = 0.25


@pytest.fixture(scope="session")
def web_synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A small synthetic world (all sources, organisations resolved), built once:
    ``(store path, planted facts)``."""
    return synthetic_store(tmp_path_factory, "web-synthetic", WEB_SYNTH_SCALE)


@pytest.fixture(scope="session")
def synth_client(web_synthetic: tuple[Path, dict[str, Any]]) -> Iterator[TestClient]:
    """The app on the small synthetic world, in process."""
    with TestClient(create_app(web_synthetic[0])) as c:
        yield c


@pytest.fixture(scope="session")
def synth_server(
    web_synthetic: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real server on the small synthetic world (decisions with patents, trade, actors)."""
    with _serve(web_synthetic[0], tmp_path_factory.mktemp("live-synth")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (skips when Chromium is missing)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`make test` does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where page screenshots are saved (a test artifact)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def warm(url: str, timeout: float = 300) -> None:
    """Request ``url`` once outside the browser: the server computes and caches the page's
    results (a cold process also compiles its numba kernels), so the browser's navigation
    measures rendering."""
    r = httpx.get(url, timeout=timeout)
    assert r.status_code == 200, r.text[-500:]


class PageErrors(list[str]):
    """Console errors, uncaught page errors and failed requests while a page is open."""


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, PageErrors]]:
    """A fresh browser page (1400 × 1000) and the errors it logs: console errors, page
    errors and failed requests (nothing may be fetched from elsewhere). Timeouts are bounds,
    not timing checks: a cold page on a loaded two-core machine took more than 15 s."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = ctx.new_page()
    errors = PageErrors()
    p.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    p.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    p.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    p.set_default_timeout(60_000)
    p.set_default_navigation_timeout(120_000)
    try:
        yield p, errors
    finally:
        ctx.close()
