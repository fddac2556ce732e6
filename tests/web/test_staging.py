"""web/staging.py and ``forcemap stage``/``swap``: adding data to a served store without a
restart, checked on a real server subprocess."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from forcemap.errors import InputError, NotFoundError, StoreError
from forcemap.store import Store
from forcemap.web.staging import stage_store, staged_path, swap_store

from .conftest import _serve

DATA = Path(__file__).resolve().parents[1] / "data"


def _forcemap(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forcemap", "-q", "--store", str(store), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def ws(synergy_store_path: Path, tmp_path: Path) -> Path:
    """A private copy of the SYNERGY store, with a (fake) search index file beside it."""
    path = tmp_path / "ws.duckdb"
    shutil.copyfile(synergy_store_path, path)
    (tmp_path / "ws.works.textindex.json").write_text("{}")
    return path


def test_stage_and_swap(ws: Path) -> None:
    staged = stage_store(ws)
    assert staged == staged_path(ws) == ws.with_name("ws.next.duckdb")
    assert (ws.parent / "ws.next.works.textindex.json").read_text() == "{}"
    with pytest.raises(InputError, match="already exists"):
        stage_store(ws)
    with Store.open(staged) as s:
        s.con.execute("DELETE FROM works WHERE work_id IN (SELECT work_id FROM works LIMIT 18)")
    assert swap_store(ws) == ws
    assert not staged.exists() and not (ws.parent / "ws.next.works.textindex.json").exists()
    assert (ws.parent / "ws.works.textindex.json").exists()
    with Store.open(ws, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM works") == 7500
    with pytest.raises(NotFoundError, match=r"forcemap --store .* stage"):
        swap_store(ws)


def test_stage_refuses_another_directory(ws: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    with pytest.raises(InputError, match="atomic rename"):
        stage_store(ws, other / "ws.next.duckdb")


def test_swap_refuses_a_staged_copy_still_being_written(ws: Path) -> None:
    staged = stage_store(ws)
    code = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
        "print('ready', flush=True); time.sleep(30)"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(staged)], stdout=subprocess.PIPE, text=True
    ) as writer:
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            with pytest.raises(StoreError, match="lock"):
                swap_store(ws)
            assert staged.exists()  # nothing moved
        finally:
            writer.kill()


def test_served_store_updated_without_restart(ws: Path, tmp_path: Path) -> None:
    """The issue's scenario: a server runs on the store; an ingest into it fails with the
    lock error; stage → ingest into the copy → swap; the server serves the new data (and
    drops what it had cached) without a restart."""
    with _serve(ws, tmp_path, "--watch", "0.2") as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            before = c.get("/api/v1/overview").json()
            assert before["tables"].get("projects", 0) == 0
            assert c.get("/api/v1/portfolio/review").status_code == 404  # no projects (cached)
            # what users did before: ingest into the served store → the lock error
            direct = _forcemap(ws, "ingest", "projects", str(DATA / "projects" / "good"))
            assert direct.returncode != 0 and "lock" in direct.stderr.lower()
            # … which says what to do instead
            said = " ".join(direct.stderr.split())
            assert f"forcemap --store {ws} stage" in said and "swap" in said
            # the recipe, through the CLI
            r = _forcemap(ws, "stage")
            assert r.returncode == 0, r.stderr
            staged = ws.with_name("ws.next.duckdb")
            assert f"forcemap --store {ws} swap" in r.stdout
            r = _forcemap(staged, "ingest", "projects", str(DATA / "projects" / "good"))
            assert r.returncode == 0, r.stdout + r.stderr
            assert c.get("/api/v1/overview").json() == before  # still the old store
            r = _forcemap(ws, "swap")
            assert r.returncode == 0, r.stderr
            deadline = time.monotonic() + 30
            while True:
                after = c.get("/api/v1/overview").json()
                if after["tables"].get("projects", 0) > 0:
                    break
                assert time.monotonic() < deadline, "the server did not switch to the new store"
                time.sleep(0.2)
            assert after["tables"]["works"] == before["tables"]["works"]
            assert c.get("/api/v1/portfolio/review").status_code == 200  # the cached 404 is gone
    log = (tmp_path / "server.log").read_text()
    assert "reopened (generation 1)" in log and "Traceback" not in log


def test_sighup_reopens_at_once(ws: Path, tmp_path: Path) -> None:
    """With --watch 0 the file is only checked on SIGHUP (which must not stop the server)."""
    import signal

    procs: list[subprocess.Popen[bytes]] = []
    with _serve(ws, tmp_path, "--watch", "0", procs=procs) as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            before = c.get("/api/v1/overview").json()["tables"]
            staged = stage_store(ws)
            with Store.open(staged) as s:
                s.con.execute(
                    "DELETE FROM works WHERE work_id IN (SELECT work_id FROM works LIMIT 18)"
                )
            swap_store(ws)
            time.sleep(1.0)
            assert c.get("/api/v1/overview").json()["tables"] == before  # not watched
            procs[0].send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 20
            while c.get("/api/v1/overview").json()["tables"]["works"] != before["works"] - 18:
                assert procs[0].poll() is None, "SIGHUP stopped the server"
                assert time.monotonic() < deadline, "SIGHUP did not reopen the store"
                time.sleep(0.1)
