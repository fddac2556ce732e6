"""Tests of the checks every decision shares (forcemap.decide._scope, forcemap._checks)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from forcemap.decide._scope import (
    check_country,
    check_years,
    industry_scope,
    register,
)
from forcemap.errors import InputError
from forcemap.store.reference import load_industry_catalog


def test_check_country() -> None:
    assert check_country(" cn ") == "CN"
    for bad in ("CHN", "C", "1A", ""):
        with pytest.raises(InputError, match="ISO 3166-1 alpha-2"):
            check_country(bad)


def test_check_years() -> None:
    assert check_years(None) == (None, None)
    assert check_years((2010, 2015)) == (2010, 2015)
    assert check_years(("2010", "2010")) == (2010, 2010)
    with pytest.raises(InputError, match="first <= last"):
        check_years((2020, 2010))
    with pytest.raises(InputError, match="pair of integers"):
        check_years((2020,))  # type: ignore[arg-type]  # the wrong shape is the point
    with pytest.raises(InputError, match="pair of integers"):
        check_years(("x", "y"))  # type: ignore[arg-type]


def test_industry_scope() -> None:
    cat = load_industry_catalog()
    assert list(industry_scope(None, None)) == list(cat)
    first = next(iter(cat))
    assert list(industry_scope(cat, first)) == [first]
    with pytest.raises(InputError, match="unknown industry 'atlantis'"):
        industry_scope(cat, "atlantis")


def test_register_materialises_and_replaces() -> None:
    con = duckdb.connect()
    register(con, "_t_x", pa.table({"a": [1, 2]}))
    register(con, "_t_x", pa.table({"a": [3]}))
    assert con.execute("SELECT a FROM _t_x").fetchall() == [(3,)]
    # the Arrow view is gone; only the temp table stays
    assert con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = '_t_x_arrow'"
    ).fetchall() == [(0,)]
    with pytest.raises(ValueError, match="identifier"):
        register(con, "x; DROP TABLE y", pa.table({"a": [1]}))
