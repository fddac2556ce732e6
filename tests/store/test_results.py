"""Saved indicator results: provenance, staleness after a changed re-ingest, refresh, migration."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from forcemap.errors import InputError, NotFoundError
from forcemap.indicators import compute_indicator, refresh_results, save_indicator
from forcemap.store import Store
from forcemap.store.ingest import ingest
from forcemap.store.organizations import resolve_organizations
from forcemap.store.results import load_result, save_result, saved_results, table_versions
from forcemap.store.schema import MIGRATIONS, SCHEMA_VERSION

DATA = Path(__file__).parent.parent / "data"
BACI = DATA / "trade" / "baci_sample.csv"


def _rca(store: Store) -> pa.Table:
    return compute_indicator(store, "specialisation", prod="hs6", counting="full")


def test_save_records_parameters_and_input_versions(store: Store) -> None:
    ingest(store, "trade", [BACI])
    saved = save_indicator(store, "rca_hs6", "specialisation", prod="hs6", counting="full")
    assert saved.params == {"prod": "hs6", "counting": "full"}
    assert saved.inputs == {"trade": 1}  # batch 1 wrote the trade table
    assert not saved.stale and saved.changed == []
    assert load_result(store, "rca_hs6").equals(_rca(store))
    assert store.stale_results() == []
    row = store.con.execute("SELECT indicator, params, inputs FROM saved_results").fetchall()
    assert row == [("specialisation", '{"counting": "full", "prod": "hs6"}', '{"trade": 1}')]


def test_staleness_flips_on_changed_data_and_back_after_refresh(
    store: Store, tmp_path: Path
) -> None:
    ingest(store, "trade", [BACI])
    save_indicator(store, "rca_hs6", "specialisation", prod="hs6", counting="full")
    before = load_result(store, "rca_hs6")
    # an identical file is skipped: nothing changed, still fresh
    ingest(store, "trade", [BACI])
    assert store.stale_results() == []
    # data of another table (CORDIS projects) does not touch the trade result
    ingest(store, "cordis", [DATA / "cordis"])
    assert store.stale_results() == []
    # a file whose every row is rejected changes nothing either
    bad = tmp_path / "bad.csv"
    bad.write_text("t,i,j,k,v,q\n2022,999,156,848620,1.0,NA\n")
    r = ingest(store, "trade", [bad])
    assert (r.read, r.rejected) == (1, 1)
    assert store.stale_results() == []
    # a revised trade file (new flow): the result is stale, naming the changed table
    new = tmp_path / "baci_rev.csv"
    new.write_text(BACI.read_text() + "2022,276,156,850760, 99000.000,    1.000\n")
    ingest(store, "trade", [new])
    (stale,) = store.stale_results()
    assert (stale.name, stale.changed, stale.inputs["trade"]) == ("rca_hs6", ["trade"], 1)
    assert stale.current["trade"] > 1
    # the stored table is still the old one until refreshed
    assert load_result(store, "rca_hs6").equals(before)
    (done,) = refresh_results(store)
    assert not done.stale and done.inputs == stale.current
    assert store.stale_results() == []
    after = load_result(store, "rca_hs6")
    assert after.equals(_rca(store)) and not after.equals(before)
    assert refresh_results(store) == []  # nothing left to do


def test_resolution_bumps_organisation_tables_only_when_it_changes_them(store: Store) -> None:
    ingest(store, "cordis", [DATA / "cordis"])
    resolve_organizations(store)
    v1 = table_versions(store, ["organizations", "org_aliases", "projects"])
    assert v1["organizations"] == v1["org_aliases"] > v1["projects"] > 0
    resolve_organizations(store)  # same input, same resolution
    assert table_versions(store, ["organizations"]) == {"organizations": v1["organizations"]}


def test_names_and_errors(store: Store) -> None:
    t = pa.table({"x": [1]})
    with pytest.raises(InputError, match="not valid"):
        save_result(store, "Bad-Name; DROP", t, indicator="impact", params={}, inputs={})
    with pytest.raises(NotFoundError):
        load_result(store, "missing")
    with pytest.raises(NotFoundError, match="no saved result nope"):
        refresh_results(store, ["nope"])
    with pytest.raises(InputError, match="unknown indicator"):
        compute_indicator(store, "nope")
    saved = save_result(store, "manual", t, indicator="impact", params={}, inputs={"works": 0})
    assert not saved.stale and [r.name for r in saved_results(store)] == ["manual"]
    # saving again under the same name replaces, never duplicates
    save_result(store, "manual", pa.table({"x": [1, 2]}), indicator="impact", params={},
                inputs={"works": 0})  # fmt: skip
    assert [r.n_rows for r in saved_results(store)] == [2]


def test_migration_backfills_table_versions(tmp_path: Path) -> None:
    """A store written before version 3 keeps its history: versions come from ingest_log."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER, applied TIMESTAMP)")
    for v, sql in enumerate(MIGRATIONS[:2], start=1):
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES ($v, now())", {"v": v})
    con.execute(
        """INSERT INTO ingest_log VALUES
           (1, 'trade', 'a.csv', 'c1', 10, 10, 0, 0, now(), now(), 'ok'),
           (2, 'trade', 'b.csv', 'c2', 5, 0, 5, 0, now(), now(), 'ok'),
           (3, 'projects', 'p', 'c3', 4, 4, 0, 0, now(), now(), 'ok')"""
    )
    con.close()
    with Store.open(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        v = table_versions(s, ["trade", "projects", "project_outputs", "works"])
        assert v == {"trade": 1, "projects": 3, "project_outputs": 3, "works": 0}
        assert s.con.execute("SELECT filtered FROM ingest_log").fetchall() == [(0,)] * 3
