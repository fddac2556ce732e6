"""Tests for forcemap.store.schema: the migrations, the version, the table lists."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from forcemap.store import Store
from forcemap.store.ingest import SOURCES
from forcemap.store.schema import MIGRATIONS, SCHEMA_VERSION, SOURCE_TABLES, TABLES


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {name for (name,) in rows}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [c for (c,) in rows]


def test_schema_version_is_the_number_of_migrations() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS)
    assert all(isinstance(m, str) and m.strip() for m in MIGRATIONS)


def test_every_migration_applies_in_order_on_an_empty_database() -> None:
    con = duckdb.connect()
    for k, sql in enumerate(MIGRATIONS, 1):
        con.execute("BEGIN TRANSACTION")
        con.execute(sql)
        con.execute("COMMIT")
        assert _tables(con) <= set(TABLES), f"migration {k} made a table TABLES does not list"
    assert _tables(con) == set(TABLES)
    assert len(TABLES) == len(set(TABLES))
    # V3, V4 and V5 add columns to tables of V1
    cols = _columns(con, "ingest_log")
    assert cols[cols.index("filtered") :][:3] == ["filtered", "replaced", "merged"]
    assert _columns(con, "quarantine")[-1] == "unit"
    con.close()


def test_a_new_store_is_at_the_current_version(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as s:
        assert s.schema_version() == SCHEMA_VERSION
        applied = s.con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        assert [v for (v,) in applied] == list(range(1, SCHEMA_VERSION + 1))
        assert set(TABLES) <= _tables(s.con)


@pytest.mark.parametrize("done", range(1, len(MIGRATIONS)))
def test_an_older_store_is_migrated_to_the_current_version(tmp_path: Path, done: int) -> None:
    path = tmp_path / f"v{done}.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER, applied TIMESTAMP)")
    for v in range(1, done + 1):
        con.execute(MIGRATIONS[v - 1])
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [v])
    con.close()
    with Store.open(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        assert set(TABLES) <= _tables(s.con)


def test_v3_backfills_table_versions_from_the_ingest_log() -> None:
    con = duckdb.connect()
    con.execute(MIGRATIONS[0])
    con.execute(MIGRATIONS[1])
    con.execute(
        "INSERT INTO ingest_log VALUES "
        "(1, 'uspto', 'a.json', 'x', 3, 3, 0, 0, now(), TIMESTAMP '2024-01-02', 'ok'), "
        "(2, 'uspto', 'a.json', 'x', 3, 0, 0, 0, now(), TIMESTAMP '2024-01-03', 'skipped')"
    )
    con.execute(MIGRATIONS[2])
    got = con.execute(
        "SELECT table_name, batch_id, source FROM table_versions ORDER BY table_name"
    ).fetchall()
    # V3 backfills the tables the readers wrote then (V5's patent tables came later)
    v5 = ("patent_priority", "patent_relations", "patent_families")
    assert got == sorted((t, 1, "uspto") for t in SOURCE_TABLES["uspto"] if t not in v5)
    con.close()


def test_v5_migrates_a_populated_store_with_source_families_and_single_patents() -> None:
    con = duckdb.connect()
    for sql in MIGRATIONS[:4]:
        con.execute(sql)
    con.execute(
        "INSERT INTO patents (patent_id, family_id, origin, batch_id) VALUES "
        "('US-1', '77', 'uspto', 1), ('US-2', '77', 'uspto', 1), ('US-3', NULL, 'uspto', 1), "
        "('US-4', ' ', 'uspto', 1)"
    )
    con.execute(
        "INSERT INTO patent_assignees (patent_id, seq, country_code) VALUES ('US-1', 1, 'JP')"
    )
    con.execute(MIGRATIONS[4])
    got = con.execute("SELECT * FROM patent_families ORDER BY patent_id").fetchall()
    assert got == [
        ("US-1", "77", "source", 2),
        ("US-2", "77", "source", 2),
        ("US-3", "US-3", "single", 1),
        ("US-4", "US-4", "single", 1),
    ]
    # the existing holder keeps its country; where it came from is unknown (NULL)
    assert con.execute("SELECT country_code, country_source FROM patent_assignees").fetchall() == [
        ("JP", None)
    ]
    con.close()


def test_source_tables_name_canonical_tables_for_every_ingest_source() -> None:
    for source, tables in SOURCE_TABLES.items():
        assert set(tables) <= set(TABLES), source
    assert set(SOURCES) <= set(SOURCE_TABLES)
