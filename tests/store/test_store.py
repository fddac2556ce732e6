"""The Store: migrations, batches (atomic, reconciled), status and errors."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import pytest

from forcemap.errors import NotFoundError, StoreError
from forcemap.store import Store
from forcemap.store.schema import SCHEMA_VERSION, TABLES
from forcemap.store.store import scratch_connection


def test_open_creates_every_canonical_table(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.duckdb") as s:
        assert s.schema_version() == SCHEMA_VERSION
        assert set(TABLES) <= set(s.tables())
        assert all(n == 0 for n in s.counts().values())
    # reopening does not re-run migrations
    with Store.open(tmp_path / "a.duckdb") as s:
        assert s.scalar("SELECT count(*) FROM schema_migrations") == SCHEMA_VERSION


def test_missing_store_is_not_created_read_only(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no store at"):
        Store.open(tmp_path / "none.duckdb", read_only=True)
    assert not (tmp_path / "none.duckdb").exists()


def test_limits_do_not_block_a_second_read_only_open(tmp_path: Path) -> None:
    # DuckDB refuses a second connection to a file with other connect-time settings; the
    # limits are SET after connecting, so the CLI (1GB by default) can open a store that a
    # notebook or a test already holds read-only
    Store.open(tmp_path / "s.duckdb").close()
    with Store.open(tmp_path / "s.duckdb", read_only=True) as a:
        with Store.open(tmp_path / "s.duckdb", read_only=True, memory_limit="1GB", threads=1) as b:
            assert b.scalar("SELECT current_setting('threads')") == 1
            assert a.scalar("SELECT count(*) FROM works") == 0
    with pytest.raises(StoreError, match="settings"):
        Store.open(tmp_path / "s.duckdb", read_only=True, memory_limit="lots")


def test_scratch_connections_spill_under_the_system_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    con = scratch_connection()
    spill = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    con.close()
    assert Path(spill).parent == tmp_path and Path(spill).name.startswith("forcemap-duckdb-")


def test_read_only_store_refuses_batches(tmp_path: Path) -> None:
    Store.open(tmp_path / "a.duckdb").close()
    with Store.open(tmp_path / "a.duckdb", read_only=True) as s:
        with pytest.raises(StoreError, match="read-only"):
            with s.batch("x", "f"):
                pass


def _insert_work(s: Store, work_id: str, batch: int) -> None:
    s.con.execute(
        "INSERT INTO works (work_id, origin, batch_id) VALUES ($w, 'test', $b)",
        {"w": work_id, "b": batch},
    )


def test_exception_inside_batch_rolls_everything_back(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.batch("test", "f.jsonl") as b:
            _insert_work(store, "W1", b.batch_id)
            b.reject("bad", line=2)
            raise RuntimeError("crash mid-write")
    assert store.counts()["works"] == 0
    assert store.counts()["quarantine"] == 0


def test_finish_reconciles_or_refuses(store: Store) -> None:
    t0 = datetime.now()
    with store.batch("test", "f.jsonl") as b:
        _insert_work(store, "W1", b.batch_id)
        b.reject("malformed JSON", line=2, raw="{")
        rep = store.finish(b, checksum="c1", read=3, stored=1, duplicates=1, started=t0)
    assert rep.reconciled and rep.reasons == {"malformed JSON": 1}
    assert store.already_ingested("test", "c1")
    with pytest.raises(StoreError, match="do not reconcile"):
        with store.batch("test", "g.jsonl") as b:
            _insert_work(store, "W2", b.batch_id)
            store.finish(b, checksum="c2", read=5, stored=1, duplicates=0, started=t0)
    assert store.counts()["works"] == 1
    assert not store.already_ingested("test", "c2")


def test_quarantine_export_and_status(store: Store) -> None:
    t0 = datetime.now()
    with store.batch("test", "f.jsonl") as b:
        b.reject("missing id", line=7, field="id", raw='{"x": 1}')
        store.finish(b, checksum=None, read=1, stored=0, duplicates=0, started=t0)
    out = store.export_quarantine(b.batch_id)
    assert out is not None and out.name == f"batch-{b.batch_id}.jsonl"
    assert '"line": 7' in out.read_text()
    st = store.status()
    assert st.quarantine == {"missing id": 1}
    assert st.ingest_log.num_rows == 1


def test_table_and_sql_errors(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no table 'nope'"):
        store.table("nope")
    with pytest.raises(StoreError, match="query failed"):
        store.sql("SELECT * FROM nope")
    assert store.sql("SELECT $x + 1", {"x": 1}).fetchall() == [(2,)]


def test_a_batch_without_finish_writes_nothing(tmp_path: Path) -> None:
    """A reader that forgets Store.finish gets an error, and the store is unchanged."""
    with Store.open(tmp_path / "s.duckdb") as s:
        with pytest.raises(StoreError, match=r"ended without Store\.finish"):
            with s.batch("trade", "x.csv") as b:
                b.con.execute(
                    "INSERT INTO trade VALUES (2020, 'CN', 'DE', '850760', 1.0, NULL, 't', $b)",
                    {"b": b.batch_id},
                )
        assert s.scalar("SELECT count(*) FROM trade") == 0
        assert s.scalar("SELECT count(*) FROM ingest_log") == 0
