"""Fetch a slice of OpenAlex from its REST API straight into the store, resumably.

Each query (an OpenAlex ``filter`` expression) is paged with cursor pagination
(``per-page=200``). Every page's raw response is written to a local cache
(``<cache>/<query_key>/<sha1 of cursor>.json``) and ingested through the same reader as
snapshot files (an API page is one atomic batch). After each page the query's checkpoint (the
next cursor) is saved in ``fetch_checkpoints``, so an interrupted run resumes where it stopped;
a page fetched twice (a crash between ingest and checkpoint) is served from the cache and
recognised by its checksum, so no record is stored twice.

Transient failures — connection errors, HTTP 429 and 5xx, a truncated or non-JSON body — are
retried with exponential backoff, honouring ``Retry-After``. Other 4xx answers (a malformed
filter) raise :class:`~forcemap.errors.InputError` with the API's message. Requests carry
``mailto`` (the polite pool) and ``api_key`` when given. Several queries run concurrently
(``concurrency`` HTTP workers); ingestion stays on the calling thread.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from forcemap import __version__
from forcemap.errors import ForcemapError, InputError, StoreError
from forcemap.store.ingest.openalex import ingest_openalex
from forcemap.store.store import IngestReport, Store

_sleep = time.sleep
"""The wait between retries (a module attribute, so a test can record the waits without
replacing ``time.sleep`` for every thread of the process)."""

__all__ = ["DEFAULT_BASE_URL", "FetchReport", "fetch_openalex"]

DEFAULT_BASE_URL = "https://api.openalex.org"
CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a connection to the API (a dead network fails fast)."""
_RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass
class FetchReport:
    """What a fetch did: pages and records per query, retries, cache hits, and the ingest."""

    queries: list[str] = field(default_factory=list)
    pages: int = 0
    records: int = 0
    retries: int = 0
    cache_hits: int = 0
    resumed: list[str] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=lambda: IngestReport(source="openalex"))


@dataclass(frozen=True)
class _Query:
    key: str
    entity: str
    filter: str
    start_cursor: str

    @property
    def label(self) -> str:
        return f"{self.entity}?filter={self.filter}"


@dataclass(frozen=True)
class _Page:
    query: _Query
    path: Path
    records: int
    next_cursor: str | None
    cached: bool
    retries: int


class _Stop:
    """Sentinel a worker puts on the queue when its query is finished (or failed)."""

    def __init__(self, query: _Query, error: BaseException | None = None) -> None:
        self.query = query
        self.error = error


def fetch_openalex(
    store: Store,
    *,
    filters: Sequence[str],
    entity: str = "works",
    since: str | None = None,
    mailto: str | None = None,
    api_key: str | None = None,
    per_page: int = 200,
    max_pages: int | None = None,
    base_url: str = DEFAULT_BASE_URL,
    cache_dir: str | os.PathLike[str] | None = None,
    concurrency: int = 2,
    max_retries: int = 6,
    backoff: float = 1.0,
    timeout: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
) -> FetchReport:
    """Fetch every record matching each filter and ingest it, resuming unfinished queries.

    Parameters
    ----------
    store
        A writable store; records go through the OpenAlex reader
        (:func:`~forcemap.store.ingest.openalex.ingest_openalex`).
    filters
        OpenAlex filter expressions, e.g. ``"concepts.id:C41008148,publication_year:2023"``.
    entity
        ``works`` (default) or ``institutions``.
    since
        ``YYYY-MM-DD``: only records updated since then (adds ``from_updated_date``; OpenAlex
        serves this filter to API-key holders).
    mailto, api_key
        Identify yourself for the polite pool; the key for premium features.
    per_page
        Page size, at most 200.
    max_pages
        Stop each query after this many pages in this run (the checkpoint keeps the rest).
    base_url
        The API root (a local replay server in tests).
    cache_dir
        Where raw pages are kept (default ``<store>.cache/openalex``).
    concurrency
        HTTP workers (one query at a time each).
    max_retries, backoff, timeout
        Retry policy: waits ``Retry-After`` when given, else ``backoff × 2^attempt`` seconds
        (at most 60); per-request timeout in seconds.
    progress
        ``progress(pages_done, queries_done)`` after each page.

    Raises
    ------
    InputError
        A bad argument, or the API rejected a query (4xx other than 429).
    StoreError
        A query still failed after ``max_retries`` retries (its checkpoint is kept).
    """
    if not filters:
        raise InputError("give at least one --filter")
    if entity not in ("works", "institutions"):
        raise InputError(f"entity must be 'works' or 'institutions', not {entity!r}")
    if not 1 <= per_page <= 200:
        raise InputError(f"per_page must be between 1 and 200, not {per_page}")
    cache = Path(cache_dir) if cache_dir else Path(str(store.path) + ".cache") / "openalex"
    report = FetchReport()
    queries = [_query(store, base_url, entity, f, since, report) for f in filters]
    report.queries = [q.label for q in queries]

    pages: queue.Queue[_Page | _Stop] = queue.Queue(maxsize=4)
    sem = threading.Semaphore(max(1, concurrency))
    params = {"per-page": str(per_page)}
    if mailto:
        params["mailto"] = mailto
    if api_key:
        params["api_key"] = api_key
    headers = {"User-Agent": f"forcemap/{__version__} (+mailto:{mailto or 'unknown'})"}

    def worker(q: _Query) -> None:
        limits = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT))
        with sem, httpx.Client(base_url=base_url, headers=headers, timeout=limits) as client:
            try:
                cursor: str | None = q.start_cursor
                n = 0
                while cursor is not None and (max_pages is None or n < max_pages):
                    page = _get_page(
                        client, q, cursor, params, cache, max_retries, backoff, reached=n > 0
                    )
                    pages.put(page)
                    cursor = page.next_cursor
                    n += 1
                pages.put(_Stop(q))
            except BaseException as e:  # handed to the main thread, which re-raises it
                pages.put(_Stop(q, e))

    threads = [threading.Thread(target=worker, args=(q,), daemon=True) for q in queries]
    for t in threads:
        t.start()
    finished = 0
    first_error: BaseException | None = None
    while finished < len(queries):
        item = pages.get()
        if isinstance(item, _Stop):
            finished += 1
            first_error = first_error or item.error
            continue
        rep = ingest_openalex(store, [item.path])
        report.ingest.add(rep)
        report.pages += 1
        report.records += item.records
        report.retries += item.retries
        report.cache_hits += int(item.cached)
        _checkpoint(store, item)
        if progress:
            progress(report.pages, finished)
    for t in threads:
        t.join()
    if first_error is not None:
        if isinstance(first_error, ForcemapError):
            raise first_error
        raise StoreError(f"fetch failed: {first_error}") from first_error
    return report


def _query(
    store: Store, base_url: str, entity: str, flt: str, since: str | None, report: FetchReport
) -> _Query:
    full = (
        flt
        if not since
        else f"{flt},from_updated_date:{since}"
        if flt
        else (f"from_updated_date:{since}")
    )
    key = hashlib.sha1(f"{base_url}|{entity}|{full}".encode()).hexdigest()[:16]
    rows = store.con.execute(
        "SELECT cursor, done FROM fetch_checkpoints WHERE query_key = $k", {"k": key}
    ).fetchall()
    cursor = "*"
    if rows and not rows[0][1] and rows[0][0]:
        cursor = rows[0][0]
        report.resumed.append(f"{entity}?filter={full}")
    return _Query(key=key, entity=entity, filter=full, start_cursor=cursor)


def _checkpoint(store: Store, page: _Page) -> None:
    """Record the query's next cursor (NULL and done when the walk is complete)."""
    q = page.query
    con = store.con
    prev = con.execute(
        "SELECT pages, records FROM fetch_checkpoints WHERE query_key = $k", {"k": q.key}
    ).fetchall()
    pages, records = prev[0] if prev else (0, 0)
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM fetch_checkpoints WHERE query_key = $k", {"k": q.key})
    con.execute(
        "INSERT INTO fetch_checkpoints VALUES ($k, $q, $c, $p, $r, $done, now()::TIMESTAMP)",
        {
            "k": q.key,
            "q": q.label,
            "c": page.next_cursor,
            "p": pages + 1,
            "r": records + page.records,
            "done": page.next_cursor is None,
        },
    )
    con.execute("COMMIT")


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _get_page(
    client: httpx.Client,
    q: _Query,
    cursor: str,
    params: dict[str, str],
    cache: Path,
    max_retries: int,
    backoff: float,
    *,
    reached: bool = True,
) -> _Page:
    """One page of a query, from the cache or the API, with retries.

    Until the API has answered once in this run (``reached``), a failure to connect at all
    (refused, unresolvable host, connect timeout) is retried once and then ends the fetch with
    a clear message within seconds, instead of the long retry schedule meant for a flaky
    connection.
    """
    qdir = cache / q.key
    qdir.mkdir(parents=True, exist_ok=True)
    path = qdir / f"{hashlib.sha1(cursor.encode()).hexdigest()[:20]}.json"
    if path.exists():
        body = json.loads(path.read_text(encoding="utf-8"))
        return _Page(q, path, len(body["results"]), body["meta"].get("next_cursor"), True, 0)
    req_params = {**params, "cursor": cursor}
    if q.filter:
        req_params["filter"] = q.filter
    attempt = 0
    while True:
        wait: float | None = None
        problem = ""
        try:
            resp = client.get(f"/{q.entity}", params=req_params)
            if resp.status_code in _RETRY_STATUS:
                wait = _retry_after(resp)
                problem = f"HTTP {resp.status_code}"
            elif resp.status_code >= 400:
                raise InputError(
                    f"OpenAlex rejected {q.label}: HTTP {resp.status_code}: {resp.text[:300]}"
                )
            else:
                body = resp.json()
                if not isinstance(body.get("results"), list) or "meta" not in body:
                    raise ValueError("not an OpenAlex result page")
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(resp.content)
                tmp.replace(path)
                nxt = body["meta"].get("next_cursor")
                # the last page of a cursor walk has results but no next cursor; an empty
                # page ends the walk too
                if not body["results"]:
                    nxt = None
                return _Page(q, path, len(body["results"]), nxt, False, attempt)
        except (httpx.TransportError, ValueError) as e:  # incl. JSON decode of a cut body
            problem = f"{type(e).__name__}: {e}"
            unreachable = isinstance(e, (httpx.ConnectError, httpx.ConnectTimeout))
            if unreachable and not reached and attempt >= 1:
                raise StoreError(
                    f"cannot reach {client.base_url} ({problem}): is the network reachable "
                    "(proxy: HTTPS_PROXY)? Nothing was fetched for "
                    f"{q.label}; run the same command again when it is"
                ) from None
        if attempt >= max_retries:
            raise StoreError(
                f"OpenAlex {q.label}: giving up after {max_retries} retries ({problem}); "
                "the checkpoint is kept, run the same command again to resume"
            )
        _sleep(wait if wait is not None else min(60.0, backoff * 2**attempt))
        attempt += 1
