"""OpenAlex API client against a local server replaying OpenAlex-shaped responses.

The pages are built from real SYNERGY records in the API's page shape
(``{"meta": {"count", "db_response_time_ms", "page", "per_page", "next_cursor"},
"results": [...]}``); the server runs on 127.0.0.1 and can be told to answer a request with
429 (with ``Retry-After``), 500, or a truncated body before the real answer.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from forcemap.errors import InputError
from forcemap.store import Store
from forcemap.store.ingest.openalex_api import fetch_openalex
from tests.conftest import SYNERGY

PER_PAGE = 10


def _records(n: int) -> list[dict[str, Any]]:
    out = []
    with gzip.open(SYNERGY, "rt", encoding="utf-8") as fh:
        for line in fh:
            out.append(json.loads(line))
            if len(out) == n:
                break
    return out


class Replay:
    """Serves ``/works`` by cursor: filter ``set:a`` has 25 records (3 pages), ``set:none`` 0."""

    def __init__(self) -> None:
        recs = _records(25)
        self.pages: dict[tuple[str, str], dict[str, Any]] = {}
        cursors = ["*", "c1", "c2"]
        for i, cur in enumerate(cursors):
            chunk = recs[i * PER_PAGE : (i + 1) * PER_PAGE]
            nxt = cursors[i + 1] if i + 1 < len(cursors) else None
            self.pages[("set:a", cur)] = {
                "meta": {
                    "count": 25,
                    "db_response_time_ms": 12,
                    "page": None,
                    "per_page": PER_PAGE,
                    "next_cursor": nxt,
                    "groups_count": None,
                },
                "results": chunk,
                "group_by": [],
            }
        self.pages[("set:none", "*")] = {
            "meta": {
                "count": 0,
                "db_response_time_ms": 3,
                "page": None,
                "per_page": PER_PAGE,
                "next_cursor": None,
                "groups_count": None,
            },
            "results": [],
            "group_by": [],
        }
        self.faults: dict[tuple[str, str], list[str]] = {}
        self.log: list[tuple[str, str, str]] = []
        self.delay = 0.0
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                key = (q.get("filter", ""), q.get("cursor", ""))
                with replay.lock:
                    fault = replay.faults.get(key, [])
                    action = fault.pop(0) if fault else "ok"
                    replay.log.append((key[0], key[1], action))
                time.sleep(replay.delay)
                if u.path != "/works":
                    self.send_error(404)
                    return
                if key[0].startswith("bad"):
                    self._send(
                        400,
                        b'{"error": "Invalid query parameters error.", '
                        b'"message": "bad is not a valid field"}',
                    )
                    return
                if action == "429":
                    self.send_response(429)
                    self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if action == "500":
                    self._send(500, b"Internal Server Error")
                    return
                body = json.dumps(replay.pages[key]).encode()
                if action == "truncate":
                    self._send(200, body[: len(body) // 2])
                    return
                self._send(200, body)

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return H


@pytest.fixture
def replay() -> Iterator[tuple[Replay, str]]:
    r = Replay()
    server = ThreadingHTTPServer(("127.0.0.1", 0), r.handler())
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield r, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_cursor_paging_stores_every_record(
    store: Store, replay: tuple[Replay, str], tmp_path: Path
) -> None:
    r, url = replay
    rep = fetch_openalex(
        store,
        filters=["set:a", "set:none"],
        base_url=url,
        mailto="t@x.org",
        cache_dir=tmp_path / "cache",
        backoff=0.01,
    )
    assert (rep.pages, rep.records) == (4, 25)
    assert store.scalar("SELECT count(*) FROM works") == 25
    assert rep.ingest.reconciled
    assert [c for f, c, _ in r.log if f == "set:a"] == ["*", "c1", "c2"]
    done = store.sql("SELECT query, done, pages, records FROM fetch_checkpoints ORDER BY 1")
    assert done.fetchall() == [
        ("works?filter=set:a", True, 3, 25),
        ("works?filter=set:none", True, 1, 0),
    ]


def test_retries_429_500_and_truncated_body(
    store: Store, replay: tuple[Replay, str], tmp_path: Path
) -> None:
    r, url = replay
    r.faults[("set:a", "c1")] = ["429", "500", "truncate"]
    t0 = time.monotonic()
    rep = fetch_openalex(
        store, filters=["set:a"], base_url=url, cache_dir=tmp_path / "cache", backoff=0.01
    )
    assert rep.retries == 3 and rep.records == 25
    assert time.monotonic() - t0 >= 1.0  # Retry-After: 1 was honoured
    assert [a for f, c, a in r.log if c == "c1"] == ["429", "500", "truncate", "ok"]
    assert store.scalar("SELECT count(*) FROM works") == 25


def test_gives_up_after_max_retries_and_keeps_checkpoint(
    store: Store, replay: tuple[Replay, str], tmp_path: Path
) -> None:
    r, url = replay
    r.faults[("set:a", "c2")] = ["500"] * 5
    with pytest.raises(Exception, match="giving up after 2 retries"):
        fetch_openalex(
            store,
            filters=["set:a"],
            base_url=url,
            max_retries=2,
            backoff=0.01,
            cache_dir=tmp_path / "cache",
        )
    assert store.scalar("SELECT cursor FROM fetch_checkpoints") == "c2"
    assert store.scalar("SELECT count(*) FROM works") == 20
    # the next run resumes at c2 and completes
    rep = fetch_openalex(
        store, filters=["set:a"], base_url=url, backoff=0.01, cache_dir=tmp_path / "cache"
    )
    assert rep.resumed == ["works?filter=set:a"] and rep.records == 5
    assert store.scalar("SELECT count(*) FROM works") == 25


def test_rejected_query_is_an_input_error(
    store: Store, replay: tuple[Replay, str], tmp_path: Path
) -> None:
    _, url = replay
    with pytest.raises(InputError, match="HTTP 400"):
        fetch_openalex(store, filters=["bad:1"], base_url=url, cache_dir=tmp_path / "c")
    with pytest.raises(InputError, match="per_page"):
        fetch_openalex(store, filters=["set:a"], per_page=500, base_url=url)


def test_kill_mid_fetch_then_resume_without_duplicates(
    replay: tuple[Replay, str], tmp_path: Path
) -> None:
    r, url = replay
    r.delay = 0.4
    path = tmp_path / "s.duckdb"
    cmd = [
        sys.executable,
        "-m",
        "forcemap",
        "-q",
        "--store",
        str(path),
        "fetch",
        "openalex",
        "--filter",
        "set:a",
        "--base-url",
        url,
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)
    )
    deadline = time.monotonic() + 60
    while not any(c == "c2" for _, c, _ in r.log):  # two pages served, the third requested
        assert proc.poll() is None, "fetch ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    r.delay = 0.0
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "resumed works?filter=set:a" in done.stderr
    first_cursor_of_second_run = [c for _, c, _ in r.log][3]
    assert first_cursor_of_second_run != "*"
    with Store.open(path) as s:
        assert s.scalar("SELECT count(*) FROM works") == 25
        assert s.scalar("SELECT count(DISTINCT work_id) FROM works") == 25
        assert s.scalar("SELECT count(*) FROM authorships") == s.scalar(
            "SELECT count(*) FROM (SELECT DISTINCT * FROM authorships)"
        )


def test_unreachable_network_fails_fast_with_a_clear_message(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dead network (here: a closed port, connection refused) ends the fetch after one retry
    with a message naming the API, not after the long retry schedule (6 retries, ~63 s)."""
    import socket

    from forcemap.errors import StoreError
    from forcemap.store.ingest import openalex_api

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    slept: list[float] = []
    # only this module's waits: patching time.sleep itself also caught other threads' sleeps,
    # and the list grew until pytest's failure report of it took 12 GB (a lost CI worker)
    monkeypatch.setattr(openalex_api, "_sleep", slept.append)
    with pytest.raises(StoreError, match=r"cannot reach http://127\.0\.0\.1:\d+.*ConnectError"):
        fetch_openalex(
            store, filters=["set:a"], base_url=f"http://127.0.0.1:{port}", cache_dir=tmp_path
        )
    assert slept == [1.0]  # one retry after the default backoff, then the clear error
    assert store.scalar("SELECT count(*) FROM works") == 0
