"""Web benchmark: page server times and API throughput on a ≥ 1 M-work world (issue 7).

Builds (once, cached under ``--workdir``; ``--reuse`` skips the build when the store is
there) a synthetic world with :func:`forcemap.store.synth.write_world` at the scale giving
``--works`` works (scale 1 ≈ 21,081 works), through the CLI as a user would:
``forcemap synth``, ``forcemap ingest openalex|patentsview|projects|trade`` and
``forcemap resolve``. Then it starts ``python -m forcemap --store STORE serve`` on 127.0.0.1
in a subprocess and measures, with one sequential keep-alive client:

* every page in the nav (:data:`forcemap.web.pages.PAGES`), one industry page, one
  organisation profile, the network explorer, a submitted review-panel form and a submitted
  search, and the main ``/api/v1`` endpoints: the first (cold) request — cached decisions
  and indicator tables are computed on first use, once per server process (the store is
  read-only while served; a new ingest means a new process) — then ``--warmup`` requests,
  then ``--timed`` timed requests: p50 / p95 / max of the round trip on loopback (the app
  sends no Server-Timing header), PASS when p95 < 500 ms. The form submissions (panel,
  search) use a *different* query on every timed request, so each one is computed, not
  served from the cache;
* the throughput of ``GET /api/v1/overview``: an asyncio httpx client with
  ``--concurrency`` connections for ``--duration`` seconds; PASS at ≥ 200 requests/s. The
  client runs on the same cores as the server (this machine has ``os.cpu_count()``), so the
  figure is a lower bound of what the server alone sustains;
* the loaded server (issue 16, item 6): ``--loaded-clients`` (32) connections fire random
  searches (``GET /api/v1/search``, every query different: computed, never a cache hit) for
  ``--loaded-duration`` seconds while one more client requests an industry page that is
  already computed, again and again: PASS when the page's p95 < 500 ms and the searches'
  p95 < 200 ms.

Prints figures, one row per endpoint; exits 0 whatever the verdicts (like the other
benchmarks). Synthetic data.

Run: ``python benchmarks/bench_web.py [--works 1000000] [--workdir DIR --reuse]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

#: Works per unit of synth scale (``write_world(scale=1)`` writes 21,081 works).
WORKS_PER_SCALE = 21_081
TARGET_MS = 500.0
TARGET_RPS = 200.0
#: The loaded server: p95 of an already-computed page and of a fresh search under load.
TARGET_LOADED_PAGE_MS = 500.0
TARGET_LOADED_SEARCH_MS = 200.0
#: Per-request timeout: a cold request may compute every decision of an industry.
TIMEOUT = 1800.0


# -- the world ------------------------------------------------------------------------------
def _cli(store: Path | None, *args: str) -> float:
    """Run ``python -m forcemap [--store S] -q ARGS`` (raising on failure); seconds taken."""
    cmd = [sys.executable, "-m", "forcemap", "-q"]
    if store is not None:
        cmd[3:3] = ["--store", str(store)]
    t0 = time.perf_counter()
    subprocess.run([*cmd, *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def build_store(workdir: Path, works: int, seed: int, reuse: bool) -> tuple[Path, dict[str, Any]]:
    """The store of a synthetic world with ≥ ``works`` works under ``workdir`` (built unless
    ``reuse`` finds it); returns its path and the build record (counts, planted, seconds)."""
    scale = math.ceil(works / WORKS_PER_SCALE * 100) / 100
    stem = f"synth-s{scale:g}-seed{seed}"
    store = workdir / f"{stem}.duckdb"
    record_file = workdir / f"{stem}.json"
    if reuse and store.exists() and record_file.exists():
        record = json.loads(record_file.read_text())
        record["reused"] = True
        # what the server reads precomputed (a no-op when fresh; stores of older runs lack it)
        seconds = _cli(store, "precompute")
        record["steps"].setdefault("precompute", seconds)
        return store, record
    workdir.mkdir(parents=True, exist_ok=True)
    world = workdir / f"{stem}-world"
    for p in (store, record_file, world, Path(str(store) + ".wal")):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    steps: dict[str, float] = {}
    t_all = time.perf_counter()
    steps["synth"] = _cli(
        None, "synth", "--scale", f"{scale:g}", "--seed", str(seed), "--out", str(world)
    )
    manifest = json.loads((world / "manifest.json").read_text())
    steps["ingest openalex"] = _cli(
        store, "ingest", "openalex", str(world / "openalex"), "--origin", "synthetic:openalex"
    )
    steps["ingest patentsview"] = _cli(store, "ingest", "patentsview", str(world / "patentsview"))
    steps["ingest projects"] = _cli(store, "ingest", "projects", str(world / "projects"))
    steps["ingest trade"] = _cli(store, "ingest", "trade", str(world / "trade" / "baci.csv"))
    steps["resolve"] = _cli(store, "resolve")
    steps["precompute"] = _cli(store, "precompute")  # CD_5 and the search index
    record = {
        "scale": scale,
        "seed": seed,
        "counts": manifest["counts"],
        "planted": manifest["planted"],
        "steps": steps,
        "build_seconds": time.perf_counter() - t_all,
        "store_mb": store.stat().st_size / 2**20,
    }
    shutil.rmtree(world)  # the store is what is served; the files are rebuilt on demand
    record_file.write_text(json.dumps(record, indent=1))
    record["reused"] = False
    return store, record


def applicants(store: Path, k: int) -> list[str]:
    """``k`` authors with at least 3 works (a pseudo-random, deterministic choice): the
    applicants of the review-panel requests."""
    from forcemap.store import Store

    with Store.open(store, read_only=True) as s:
        got = s.con.execute(
            "SELECT author_id FROM authorships WHERE author_id IS NOT NULL GROUP BY author_id "
            "HAVING count(DISTINCT work_id) >= 3 ORDER BY hash(author_id), author_id LIMIT ?",
            [k],
        ).fetchall()
    return [r[0] for r in got]


# -- the server -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``python -m forcemap --store STORE serve`` on a free loopback port (restartable), with
    a watchdog that kills it when its RSS passes ``max_rss_mb`` (the machine is shared)."""

    def __init__(self, store: Path, log: Path, max_rss_mb: float) -> None:
        self.store, self.log, self.max_rss_mb = store, log, max_rss_mb
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.start_seconds = 0.0
        self.killed_rss = 0.0  # the RSS (MB) at which the watchdog killed it, else 0
        self.peak_mb = 0.0
        self.restarts = -1

    def start(self) -> None:
        port = _free_port()
        cmd = [sys.executable, "-m", "forcemap", "--store", str(self.store), "serve"]
        cmd += ["--port", str(port)]
        env = {
            k: v for k, v in os.environ.items() if k not in ("FORCEMAP_TOKEN", "FORCEMAP_COUNTRY")
        }
        self.url = f"http://127.0.0.1:{port}"
        self.killed_rss = 0.0
        self.restarts += 1
        t0 = time.perf_counter()
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
        proc = self.proc
        threading.Thread(target=self._watch, args=(proc,), daemon=True).start()
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited ({proc.returncode}): {self.log}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() - t0 > 600:
                raise SystemExit(f"server did not start in 600 s: {self.log}")
            time.sleep(0.2)
        self.start_seconds = time.perf_counter() - t0

    def _rss_mb(self, proc: subprocess.Popen[bytes], field: str = "VmRSS:") -> float:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            return 0.0
        for line in status.splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
        return 0.0

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        while proc.poll() is None:
            rss = self._rss_mb(proc)
            self.peak_mb = max(self.peak_mb, self._rss_mb(proc, "VmHWM:"))
            if rss > self.max_rss_mb:
                self.killed_rss = rss
                proc.kill()
                return
            time.sleep(0.25)

    def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        self.peak_mb = max(self.peak_mb, self._rss_mb(proc, "VmHWM:"))
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (all its threads)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- what is requested ----------------------------------------------------------------------
@dataclass
class Target:
    """One endpoint: a label, a path and the query parameters of each request (cycled)."""

    label: str
    path: str
    params: list[dict[str, str]] = field(default_factory=lambda: [{}])
    distinct: bool = False  # every timed request has its own parameters (no cache hit)


def _search_queries(n: int) -> list[str]:
    """``n`` distinct queries from the synthetic world's topic names (2-3 words each)."""
    from forcemap.store._synth_data import TOPICS

    out: list[str] = []
    names = [v[0] for v in TOPICS.values()]
    for name in names:
        words = [w for w in name.replace(",", " ").split() if len(w) > 3 and w != "and"]
        for a, b in itertools.pairwise(words):
            q = f"{a.lower()} {b.lower()}"
            if q not in out:
                out.append(q)
        if len(out) >= n:
            break
    return out[:n]


def targets(client: httpx.Client, record: dict[str, Any], n: int) -> list[Target]:
    """Every nav page, the detail pages, two submitted forms and the main API endpoints."""
    from forcemap.web.pages import PAGES

    planted = record["planted"]
    industry = planted["leading_country"]["industry"]
    # the planted strong enterprise (its resolved id), found by name without computing
    # anything (its profile's first request builds the whole-store network: that is "cold")
    name = planted["strong_enterprise"]["name"]
    found = client.get("/api/v1/organizations", params={"q": name, "limit": 1}).json()["items"]
    if not found:
        found = client.get("/api/v1/organizations", params={"limit": 1}).json()["items"]
    org = found[0]["id"]
    # page and API share the decision cache: each gets its own queries and applicants
    queries = _search_queries(2 * (n + 1))
    q_page, q_api = queries[: n + 1], queries[n + 1 :]
    authors = [planted["coauthor_conflict"]["author_a"], *record["applicants"]]
    panel = [
        {"applicants": a, "text": queries[i % len(queries)], "size": "5"}
        for i, a in enumerate(authors)
    ]
    p_page, p_api = panel[: n + 1], panel[n + 1 :]
    api = "/api/v1"
    out = [Target(f"page {p.path}", p.path) for p in PAGES if p.nav and p.path != "/network"]
    out += [
        Target(f"page /industries/{industry}", f"/industries/{industry}"),
        Target("page /network?industry", "/network", [{"industry": industry}]),
        Target("page /panel (form)", "/panel", p_page, distinct=True),
        Target("page /search (form)", "/search", [{"q": q} for q in q_page], distinct=True),
        Target(f"{api}/overview", f"{api}/overview"),
        Target(f"{api}/industries", f"{api}/industries"),
        Target(f"{api}/industries/{industry}", f"{api}/industries/{industry}"),
        Target(f"{api}/organizations", f"{api}/organizations"),
        Target(f"{api}/positioning", f"{api}/positioning"),
        Target(f"{api}/bottlenecks", f"{api}/bottlenecks", [{"industry": industry}]),
        Target(f"{api}/actors", f"{api}/actors", [{"industry": industry}]),
        Target(f"{api}/watch", f"{api}/watch"),
        Target(f"{api}/benchmark", f"{api}/benchmark", [{"industry": industry}]),
        Target(f"{api}/talent", f"{api}/talent", [{"industry": industry}]),
        Target(f"{api}/landscape", f"{api}/landscape", [{"industry": industry}]),
        Target(f"{api}/search", f"{api}/search", [{"q": q} for q in q_api], distinct=True),
        Target(f"{api}/panel", f"{api}/panel", p_api, distinct=True),
        # last: these analyse the whole-store organisation network on first use
        Target("page /network", "/network"),
        Target(f"page /organizations/{org}", f"/organizations/{org}"),
        Target(f"{api}/network", f"{api}/network"),
        Target(f"{api}/organizations/{org}", f"{api}/organizations/{org}"),
    ]
    return out


# -- measurements ---------------------------------------------------------------------------
@dataclass
class Row:
    label: str
    status: str
    cold_ms: float
    times_ms: list[float]
    distinct: bool

    @property
    def p95(self) -> float:
        return float(np.percentile(self.times_ms, 95))


def _get(
    client: httpx.Client, path: str, params: dict[str, str], timeout: float = TIMEOUT
) -> tuple[float, int]:
    t0 = time.perf_counter()
    r = client.get(path, params=params, timeout=timeout)
    r.read()
    return (time.perf_counter() - t0) * 1000, r.status_code


def measure(
    client: httpx.Client, t: Target, warmup: int, timed: int, budget: float, cold_timeout: float
) -> Row:
    """Cold request, ``warmup`` requests, then ``timed`` timed ones (sequential; fewer, but
    at least 3, when they take more than ``budget`` seconds in all)."""
    cold, code = _get(client, t.path, t.params[0], cold_timeout)
    codes = {code}
    for _ in range(warmup):
        codes.add(_get(client, t.path, t.params[0])[1])
    times: list[float] = []
    for i in range(timed):
        if len(times) >= 3 and sum(times) > budget * 1000:
            break
        params = t.params[(i + 1) % len(t.params)] if t.distinct else t.params[0]
        ms, code = _get(client, t.path, params)
        times.append(ms)
        codes.add(code)
    status = ",".join(str(c) for c in sorted(codes))
    return Row(t.label, status, cold, times, t.distinct)


async def _hammer(url: str, path: str, concurrency: int, duration: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    ok = errors = 0
    lat: list[float] = []
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        await client.get(path)  # open one connection before the clock starts
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal ok, errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    if r.status_code == 200:
                        ok += 1
                    else:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                lat.append((time.perf_counter() - t0) * 1000)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return {"ok": ok, "errors": errors, "seconds": elapsed, "lat": lat}


def random_queries(n: int, seed: int) -> list[str]:
    """``n`` distinct random search queries of 2-3 words from the synthetic world's topic
    names (so every one is computed, none served from the cache)."""
    import random

    from forcemap.store._synth_data import TOPICS

    words = sorted(
        {
            w.lower()
            for v in TOPICS.values()
            for w in v[0].replace(",", " ").split()
            if len(w) > 3 and w.lower() != "and"
        }
    )
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        q = " ".join(rng.sample(words, rng.choice((2, 3))))
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


async def _loaded(url: str, page: str, clients: int, duration: float, seed: int) -> dict[str, Any]:
    """``clients`` connections firing distinct random searches while one more requests the
    (already computed) ``page`` in a loop, for ``duration`` seconds."""
    queries = iter(random_queries(200_000, seed))
    limits = httpx.Limits(max_connections=clients + 1, max_keepalive_connections=clients + 1)
    search_ms: list[float] = []
    page_ms: list[float] = []
    errors: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        deadline = time.perf_counter() + duration

        async def timed(path: str, params: dict[str, str], into: list[float]) -> None:
            t0 = time.perf_counter()
            try:
                r = await client.get(path, params=params)
                await r.aread()
                ok = r.status_code == 200
                why = str(r.status_code)
            except httpx.HTTPError as e:
                ok, why = False, type(e).__name__
            into.append((time.perf_counter() - t0) * 1000)
            if not ok:
                errors[f"{path} {why}"] = errors.get(f"{path} {why}", 0) + 1

        async def searcher() -> None:
            while time.perf_counter() < deadline:
                await timed("/api/v1/search", {"q": next(queries), "k": "20"}, search_ms)

        async def prober() -> None:
            await asyncio.sleep(min(1.0, duration / 10))  # once the load is on
            while time.perf_counter() < deadline:
                await timed(page, {}, page_ms)

        t0 = time.perf_counter()
        await asyncio.gather(prober(), *(searcher() for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    return {"search": search_ms, "page": page_ms, "errors": errors, "seconds": elapsed}


def loaded_server(srv: Server, industry: str, args: argparse.Namespace) -> None:
    """The loaded-server scenario: warm the page and the search index, then measure."""
    page = f"/industries/{industry}"
    with httpx.Client(base_url=srv.url, timeout=args.cold_timeout) as client:
        t0 = time.perf_counter()
        client.get(page).raise_for_status()  # computes and caches the page's decisions
        warm_page = time.perf_counter() - t0
        t0 = time.perf_counter()
        client.get("/api/v1/search", params={"q": "warm up the index"}).raise_for_status()
        warm_search = time.perf_counter() - t0
    cpu0 = srv.cpu_seconds()
    res = asyncio.run(_loaded(srv.url, page, args.loaded_clients, args.loaded_duration, args.seed))
    cpu = srv.cpu_seconds() - cpu0
    s, p = np.asarray(res["search"]), np.asarray(res["page"])
    print(
        f"\nloaded server    {args.loaded_clients} clients firing random searches (GET "
        f"/api/v1/search, each query different: computed, not cached) for "
        f"{res['seconds']:.1f} s, one client on the already-computed page {page} (first "
        f"computed in {warm_page:.1f} s; search index loaded in {warm_search:.1f} s)"
    )
    for label, a, target in (
        ("fresh search", s, TARGET_LOADED_SEARCH_MS),
        (f"page {page}", p, TARGET_LOADED_PAGE_MS),
    ):
        if not len(a):
            print(f"  {label:<30} no request completed  FAIL")
            continue
        p95 = float(np.percentile(a, 95))
        print(
            f"  {label:<30} n {len(a):>6,}  p50 {np.percentile(a, 50):>7,.0f}  p95 {p95:>7,.0f}"
            f"  max {a.max():>7,.0f} ms  (p95 < {target:.0f}: "
            f"{'PASS' if p95 < target and not res['errors'] else 'FAIL'})",
            flush=True,
        )
    print(
        f"  {len(s) / res['seconds']:,.0f} searches/s, server CPU {cpu:.1f} s = "
        f"{1000 * cpu / max(len(s) + len(p), 1):.1f} ms per request; errors: "
        + (", ".join(f"{k} x{v}" for k, v in res["errors"].items()) or "none")
        + f"; load average {os.getloadavg()[0]:.1f}"
    )


# -- main -----------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--works", type=int, default=1_000_000, help="works (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path, default=None, help="store cache (default: a temp dir)")
    ap.add_argument("--reuse", action="store_true", help="reuse the store in --workdir if built")
    ap.add_argument("--build-only", action="store_true", help="build the store and stop")
    ap.add_argument("--warmup", type=int, default=2, help="requests after the cold one")
    ap.add_argument("--timed", type=int, default=20, help="timed requests per endpoint")
    ap.add_argument(
        "--budget", type=float, default=60.0, help="seconds of timed requests per endpoint"
    )
    ap.add_argument("--concurrency", type=int, default=48, help="connections of the load test")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of the load test")
    ap.add_argument(
        "--cold-timeout", type=float, default=600.0, help="seconds a first request may take"
    )
    ap.add_argument(
        "--max-rss-mb", type=float, default=8000.0, help="kill the server past this RSS (MB)"
    )
    ap.add_argument("--no-pages", action="store_true", help="skip the per-endpoint table")
    ap.add_argument(
        "--loaded-clients", type=int, default=32, help="search clients of the loaded server"
    )
    ap.add_argument(
        "--loaded-duration", type=float, default=20.0, help="seconds of the loaded server"
    )
    ap.add_argument("--no-loaded", action="store_true", help="skip the loaded-server scenario")
    args = ap.parse_args()

    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-web-")
        args.workdir = Path(tmp.name)
    try:
        run(args)
    finally:
        if tmp is not None:
            tmp.cleanup()


def run(args: argparse.Namespace) -> None:
    print(
        f"machine          {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start"
    )
    t0 = time.perf_counter()
    store, rec = build_store(args.workdir, args.works, args.seed, args.reuse)
    c = rec["counts"]
    how = "reused" if rec["reused"] else f"built in {time.perf_counter() - t0:,.0f} s"
    print(
        f"world            synth scale {rec['scale']:g} seed {rec['seed']}: {c['works']:,} works, "
        f"{c['patents']:,} patents, {c['authorships']:,} authorships, "
        f"{c['work_references']:,} references, {c['trade_rows']:,} trade rows (SYNTHETIC)"
    )
    steps = ", ".join(f"{k} {v:,.0f} s" for k, v in rec["steps"].items())
    print(f"store            {store} ({rec['store_mb']:,.0f} MB), {how}")
    print(f"build steps      {steps} (total {rec['build_seconds']:,.0f} s)")
    if c["works"] < args.works:
        print(f"WARNING          {c['works']:,} works < --works {args.works:,}")
    if args.build_only:
        return
    rec["applicants"] = applicants(store, 2 * args.timed + 2)
    log = store.with_suffix(".server.log")
    log.unlink(missing_ok=True)
    srv = Server(store, log, args.max_rss_mb)
    srv.start()
    try:
        print(
            f"server           {srv.url}, up in {srv.start_seconds:.1f} s (store summary included)"
        )
        with httpx.Client(base_url=srv.url) as client:
            tg = [] if args.no_pages else targets(client, rec, args.timed)
        print(
            f"\nper endpoint: cold = first request (computes and caches; abandoned after "
            f"{args.cold_timeout:.0f} s or when the server passes {args.max_rss_mb:,.0f} MB RSS: "
            f"server restarted), then {args.warmup} warm-up + n timed sequential requests "
            f"(n ≤ {args.timed}, ≤ {args.budget:.0f} s); round trip on loopback in ms; "
            f"* = a different query per request (computed, not cached)"
        )
        cols = ("endpoint", "status", "cold", "n", "p50", "p95", "max", "p95<500")
        head = "{:<44} {:>7} {:>9} {:>3} {:>7} {:>7} {:>7}  {}".format(*cols)
        print(head)
        print("-" * len(head))
        n_pass = n_fail = 0
        cold_total = 0.0
        t_pages = time.perf_counter()
        for t in tg:
            label = t.label + (" *" if t.distinct else "")
            t0 = time.perf_counter()
            try:
                with httpx.Client(base_url=srv.url) as client:
                    r = measure(client, t, args.warmup, args.timed, args.budget, args.cold_timeout)
            except httpx.HTTPError as e:
                secs = time.perf_counter() - t0
                if srv.killed_rss:
                    why = f"server killed at {srv.killed_rss:,.0f} MB RSS after {secs:,.0f} s"
                elif isinstance(e, httpx.TimeoutException):
                    why = f"no answer in {secs:,.0f} s"
                else:
                    why = f"{type(e).__name__} after {secs:,.0f} s"
                print(f"{label:<44} {'-':>7} {'-':>9}   -       -       -       -  FAIL ({why})")
                n_fail += 1
                cold_total += secs * 1000
                srv.restart()
                continue
            a = np.asarray(r.times_ms)
            ok = r.p95 < TARGET_MS and r.status == "200"
            n_pass += ok
            n_fail += not ok
            cold_total += r.cold_ms
            print(
                f"{label:<44} {r.status:>7} {r.cold_ms:>9,.0f} {len(a):>3} "
                f"{np.percentile(a, 50):>7,.0f} {r.p95:>7,.0f} {a.max():>7,.0f}  "
                f"{'PASS' if ok else 'FAIL'}",
                flush=True,
            )
        print(
            f"pages+API        {len(tg)} endpoints, {n_pass} PASS, {n_fail} FAIL; "
            f"cold total {cold_total / 1000:,.1f} s, section {time.perf_counter() - t_pages:,.0f} s"
            f", server restarts {srv.restarts}"
        )

        cpu0 = srv.cpu_seconds()
        res = asyncio.run(_hammer(srv.url, "/api/v1/overview", args.concurrency, args.duration))
        cpu = srv.cpu_seconds() - cpu0
        rps = res["ok"] / res["seconds"]
        n_req = res["ok"] + res["errors"]
        lat = np.asarray(res["lat"])
        print(
            f"\nthroughput       GET /api/v1/overview, asyncio httpx client, {args.concurrency} "
            f"connections, {res['seconds']:.1f} s: {res['ok']:,} OK + {res['errors']:,} errors"
        )
        print(
            f"                 {rps:,.0f} requests/s (target ≥ {TARGET_RPS:.0f}: "
            f"{'PASS' if rps >= TARGET_RPS and not res['errors'] else 'FAIL'}); latency ms "
            f"p50 {np.percentile(lat, 50):,.0f} p95 {np.percentile(lat, 95):,.0f}"
        )
        print(
            f"                 server CPU {cpu:.1f} s = {1000 * cpu / max(n_req, 1):.2f} ms per "
            f"request, i.e. {n_req / max(cpu, 1e-9):,.0f} requests/s per core for the server alone"
        )
        print(
            f"                 client and server share the same {os.cpu_count()} cores "
            f"(one uvicorn process, access log on); load average {os.getloadavg()[0]:.1f} now"
        )
        if not args.no_loaded:
            loaded_server(srv, rec["planted"]["leading_country"]["industry"], args)
        srv.stop()
        print(f"server peak RSS  {srv.peak_mb:,.0f} MB (log: {srv.log})")
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
