"""Tests for forcemap.indicators.specialisation.

Reference values: the binary Balassa index of the R package economiccomplexity v2.0.0 and the RCA
of py-ecomplexity 0.5.3 on the package's world trade data (see
tests/data/validation/complexity/PROVENANCE.md); hand-worked cases in the docstrings.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pytest

from forcemap.errors import InputError, SchemaError
from forcemap.indicators import specialisation as sp
from forcemap.store import Store
from forcemap.store.patent_resolution import group_patent_families

DATA = Path(__file__).parents[1] / "data" / "validation" / "complexity"
_STR = pcsv.ConvertOptions(column_types={"country": pa.string(), "product": pa.string()})


def _csv_gz(name: str) -> pa.Table:
    with gzip.open(DATA / name, "rb") as fh:
        return pcsv.read_csv(fh, convert_options=_STR)


@pytest.fixture(scope="module")
def world() -> pa.Table:
    t = _csv_gz("input_world_trade_avg_1998_to_2000.csv.gz")
    return pa.table(
        {"loc": t["country"], "prod": t["product"], "value": t["value"].cast(pa.float64())}
    )


def test_mcp_identical_to_r_balassa_index(world: pa.Table) -> None:
    """The 31,951 ones of economiccomplexity::balassa_index(), exactly."""
    m = sp.presence_matrix(world)
    assert m.schema == sp.MCP_SCHEMA
    ones = m.filter(pc.equal(m["mcp"], 1))
    ours = set(zip(ones["loc"].to_pylist(), ones["prod"].to_pylist(), strict=True))
    ref = _csv_gz("ref_R_economiccomplexity_mcp_ones.csv.gz")
    theirs = set(zip(ref["country"].to_pylist(), ref["product"].to_pylist(), strict=True))
    assert len(theirs) == 31_951
    assert ours == theirs


def test_rca_matches_py_ecomplexity(world: pa.Table) -> None:
    """Every 25th cell of py-ecomplexity's rca (printed %.8g), relative |Δ| < 1e-7."""
    ref = _csv_gz("out_py_ecomplexity_country_product_every25.csv.gz")
    out = sp.rca(world)
    assert out.schema == sp.RCA_SCHEMA
    got = dict(
        zip(
            zip(out["loc"].to_pylist(), out["prod"].to_pylist(), strict=True),
            zip(out["rca"].to_pylist(), out["mcp"].to_pylist(), strict=True),
            strict=True,
        )
    )
    n = 0
    for c, p, r, m in zip(
        ref["country"].to_pylist(),
        ref["product"].to_pylist(),
        ref["rca"].to_pylist(),
        ref["mcp"].to_pylist(),
        strict=True,
    ):
        if (c, p) not in got:  # py-ecomplexity rectangularises; we return input rows only
            assert r == 0 and m == 0
            continue
        n += 1
        assert got[(c, p)][0] == pytest.approx(r, rel=1e-7, abs=1e-12)
        assert got[(c, p)][1] == m
    assert n > 4000


def test_rca_hand_worked_with_years() -> None:
    """Year 1: A{x: 3, y: 1}, B{x: 4}: RCA_Ax = (3/4)/(7/8) = 6/7, RCA_Ay = (1/4)/(1/8) = 2,
    RCA_Bx = 1/(7/8) = 8/7. Year 2 (independent totals): A{x: 1}, B{y: 1}: all RCA = 2.
    C has a zero total in year 2: its RCA is null (0/0) and mcp 0.
    """
    t = pa.table(
        {
            "loc": ["A", "A", "B", "A", "B", "C"],
            "prod": ["x", "y", "x", "x", "y", "x"],
            "value": [3.0, 1.0, 4.0, 1.0, 1.0, 0.0],
            "year": pa.array([1, 1, 1, 2, 2, 2], pa.int16()),
        }
    )
    out = sp.rca(t, threshold=1.0)
    assert out.column_names == ["year", "loc", "prod", "value", "rca", "mcp"]
    assert out["rca"].to_pylist() == pytest.approx([6 / 7, 2.0, 8 / 7, 2.0, 2.0, None])
    assert out["mcp"].to_pylist() == [0, 1, 1, 1, 1, 0]
    assert sp.rca(t, threshold=1.5)["mcp"].to_pylist() == [0, 1, 0, 1, 1, 0]
    s = sp.symmetric_rca(t)["rsca"].to_pylist()
    assert s == pytest.approx(
        [(6 / 7 - 1) / (6 / 7 + 1), 1 / 3, (1 / 7) / (15 / 7), 1 / 3, 1 / 3, None]
    )
    sh = sp.shares(t)
    assert sh["share"].to_pylist() == pytest.approx([0.75, 0.25, 1.0, 1.0, 1.0, None])
    assert sh["world_share"].to_pylist() == pytest.approx([7 / 8, 1 / 8, 7 / 8, 0.5, 0.5, 0.5])


def test_integer_values_and_empty_input() -> None:
    t = pa.table({"loc": ["A", "B"], "prod": ["x", "y"], "value": [2, 3]})
    assert sp.rca(t)["rca"].to_pylist() == [2.5, 5 / 3]
    empty = pa.table({"loc": [], "prod": [], "value": []}, schema=sp.ACTIVITY_SCHEMA)
    out = sp.rca(empty)
    assert out.num_rows == 0 and out.schema == sp.RCA_SCHEMA
    assert sp.presence_matrix(empty).schema == sp.MCP_SCHEMA


def test_schema_and_value_errors() -> None:
    with pytest.raises(SchemaError, match=r"rca: input has no column 'value'"):
        sp.rca(pa.table({"loc": ["A"], "prod": ["x"], "val": [1.0]}))
    with pytest.raises(SchemaError, match=r"shares: column 'loc' has type int64"):
        sp.shares(pa.table({"loc": [1], "prod": ["x"], "value": [1.0]}))
    with pytest.raises(SchemaError, match=r"year"):
        sp.rca(pa.table({"loc": ["A"], "prod": ["x"], "value": [1.0], "year": ["2020"]}))
    with pytest.raises(InputError, match="null"):
        sp.rca(pa.table({"loc": ["A"], "prod": ["x"], "value": pa.array([None], pa.float64())}))
    with pytest.raises(InputError, match="non-negative"):
        sp.rca(pa.table({"loc": ["A"], "prod": ["x"], "value": [-1.0]}))
    with pytest.raises(InputError, match="duplicate"):
        sp.rca(pa.table({"loc": ["A", "A"], "prod": ["x", "x"], "value": [1.0, 2.0]}))


def _insert(s: Store, sql: str, rows: list[dict[str, object]]) -> None:
    for r in rows:
        s.con.execute(sql, r)


@pytest.fixture
def tiny_store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "s.duckdb")
    _insert(
        s,
        "INSERT INTO works (work_id, year, origin, batch_id) VALUES ($w, $y, 'test', 0)",
        [{"w": "W1", "y": 2020}, {"w": "W2", "y": 2021}, {"w": "W3", "y": 2021}],
    )
    _insert(
        s,
        "INSERT INTO institutions (institution_id, country_code, origin) VALUES ($i, $c, 'test')",
        [{"i": "I9", "c": "DE"}],
    )
    _insert(
        s,
        "INSERT INTO authorships (work_id, author_seq, author_id, institution_id, country_code) "
        "VALUES ($w, $n, $a, $i, $c)",
        [
            {"w": "W1", "n": 1, "a": "A1", "i": None, "c": "US"},
            {"w": "W1", "n": 2, "a": "A2", "i": None, "c": "US"},
            {"w": "W1", "n": 3, "a": "A3", "i": None, "c": "CN"},
            {"w": "W2", "n": 1, "a": "A4", "i": "I9", "c": None},
            {"w": "W3", "n": 1, "a": "A1", "i": None, "c": "US"},
        ],
    )
    _insert(
        s,
        "INSERT INTO work_concepts (work_id, concept_id, level, score) VALUES ($w, $c, $l, $s)",
        [
            {"w": "W1", "c": "C1", "l": 0, "s": 0.9},
            {"w": "W1", "c": "C2", "l": 1, "s": 0.5},
            {"w": "W1", "c": "C3", "l": 1, "s": 0.2},
            {"w": "W1", "c": "C4", "l": 2, "s": 0.9},
            {"w": "W2", "c": "C1", "l": 0, "s": 0.8},
            {"w": "W3", "c": "C2", "l": 1, "s": 0.6},
        ],
    )
    _insert(
        s,
        "INSERT INTO patents (patent_id, year, origin, batch_id) VALUES ($p, 2020, 'test', 0)",
        [{"p": "P1"}],
    )
    _insert(
        s,
        "INSERT INTO patent_assignees (patent_id, assignee_id, country_code) VALUES ($p, $a, $c)",
        [
            {"p": "P1", "a": "X1", "c": "US"},
            {"p": "P1", "a": "X2", "c": "US"},
            {"p": "P1", "a": "X3", "c": "JP"},
        ],
    )
    _insert(
        s,
        "INSERT INTO patent_cpc (patent_id, cpc_subgroup, cpc_group, cpc_subclass) "
        "VALUES ($p, $sg, $g, $sc)",
        [
            {"p": "P1", "sg": "H01L21/027", "g": "H01L21/00", "sc": "H01L"},
            {"p": "P1", "sg": "H01L23/00", "g": "H01L23/00", "sc": "H01L"},
            {"p": "P1", "sg": "G06F3/01", "g": "G06F3/00", "sc": "G06F"},
        ],
    )
    _insert(
        s,
        "INSERT INTO trade (year, reporter, partner, hs6, export_value, import_value, origin, "
        "batch_id) VALUES ($y, $r, $p, $h, $x, NULL, 'test', 0)",
        [
            {"y": 2020, "r": "USA", "p": "CHN", "h": "850440", "x": 100.0},
            {"y": 2020, "r": "USA", "p": "DEU", "h": "850440", "x": 50.0},
            {"y": 2020, "r": "CHN", "p": "USA", "h": "850440", "x": 30.0},
            {"y": 2021, "r": "USA", "p": "CHN", "h": "850440", "x": 10.0},
        ],
    )
    yield s
    s.close()


def _as_dict(t: pa.Table) -> dict[tuple[str, str], float]:
    return dict(
        zip(
            zip(t["loc"].to_pylist(), t["prod"].to_pylist(), strict=True),
            t["value"].to_pylist(),
            strict=True,
        )
    )


def test_activity_table_works_full_vs_fractional(tiny_store: Store) -> None:
    """Works by country × concept (levels 0/1, score ≥ 0.3).

    W1 (2020): countries {US, CN} (US twice, counted once), concepts {C1, C2} (C3 score 0.2
    and C4 level 2 are out): fractional 1/(2·2) = 1/4 per pair; full 1 per pair.
    W2 (2021): no authorship country, institution I9 in DE → DE; {C1}: 1 either way.
    W3 (2021): US, {C2}: 1 either way.
    Fractional: CN-C1 ¼, CN-C2 ¼, DE-C1 1, US-C1 ¼, US-C2 1¼ (sum 3 = number of works).
    Full:       CN-C1 1, CN-C2 1, DE-C1 1, US-C1 1, US-C2 2.
    """
    s = tiny_store
    frac = sp.activity_table(s, prod="concept", counting="fractional")
    full = sp.activity_table(s, prod="concept", counting="full")
    assert frac.schema == sp.ACTIVITY_SCHEMA
    assert _as_dict(frac) == {
        ("CN", "C1"): 0.25,
        ("CN", "C2"): 0.25,
        ("DE", "C1"): 1.0,
        ("US", "C1"): 0.25,
        ("US", "C2"): 1.25,
    }
    assert _as_dict(full) == {
        ("CN", "C1"): 1.0,
        ("CN", "C2"): 1.0,
        ("DE", "C1"): 1.0,
        ("US", "C1"): 1.0,
        ("US", "C2"): 2.0,
    }
    assert _as_dict(sp.activity_table(s, year=2021)) == {("DE", "C1"): 1.0, ("US", "C2"): 1.0}
    assert _as_dict(sp.activity_table(s, year=range(2019, 2021))) == {
        ("CN", "C1"): 0.25,
        ("CN", "C2"): 0.25,
        ("US", "C1"): 0.25,
        ("US", "C2"): 0.25,
    }
    # the counting choice changes specialisation: US-C2 RCA fractional 1.25/1.5 / (1.5/3) = 5/3
    r = sp.rca(frac)
    us_c2 = r.filter(pc.and_(pc.equal(r["loc"], "US"), pc.equal(r["prod"], "C2")))
    assert us_c2["rca"].to_pylist() == pytest.approx([5 / 3])
    lvl0 = sp.activity_table(s, concept_levels=(0,), counting="full")
    assert set(_as_dict(lvl0)) == {("CN", "C1"), ("DE", "C1"), ("US", "C1")}
    s.close()


def test_activity_table_patents_and_trade(tiny_store: Store) -> None:
    """P1: assignee countries {US, JP} (US twice), subclasses {H01L, G06F}, groups
    {H01L21/00, H01L23/00, G06F3/00}. Fractional subclass: ¼ per pair; group: 1/6 per pair.
    Trade: USA 850440 = 100 + 50 + 10 = 160 (all years), 150 in 2020; CHN 30.
    """
    s = tiny_store
    sub = sp.activity_table(s, prod="cpc_subclass")
    assert _as_dict(sub) == {
        k: 0.25 for k in [("JP", "G06F"), ("JP", "H01L"), ("US", "G06F"), ("US", "H01L")]
    }
    grp = sp.activity_table(s, prod="cpc_group")
    assert grp.num_rows == 6
    assert grp["value"].to_pylist() == pytest.approx([1 / 6] * 6)
    full = sp.activity_table(s, prod="cpc_group", counting="full")
    assert full["value"].to_pylist() == [1.0] * 6
    trade = sp.activity_table(s, prod="hs6")
    assert _as_dict(trade) == {("CHN", "850440"): 30.0, ("USA", "850440"): 160.0}
    assert _as_dict(sp.activity_table(s, prod="hs6", year=2020))[("USA", "850440")] == 150.0
    with pytest.raises(InputError, match="prod"):
        sp.activity_table(s, prod="ipc")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="loc"):
        sp.activity_table(s, loc="region")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="year"):
        sp.activity_table(s, year=range(2020, 2010))


def test_presence_matrix_feeds_complexity(world: pa.Table) -> None:
    m = sp.presence_matrix(world, threshold=1.0)
    assert m.num_rows == world.num_rows
    assert int(pc.sum(m["mcp"]).as_py()) == 31_951
    assert np.array_equal(m["mcp"].to_numpy(), sp.rca(world)["mcp"].to_numpy())


def test_activity_table_counts_patent_families_by_default(tmp_path: Path) -> None:
    """Two US grants of one invention (a shared JP priority claim) and one JP patent: by
    family the US holder has 1 document in H01L, by patent 2; a family's countries and
    products are the union of its patents'. Worked by hand."""
    with Store.open(tmp_path / "f.duckdb") as s:
        for pid, cc, sc in (("US-1", "US", "H01L"), ("US-2", "US", "H01L"), ("US-3", "JP", "G06F")):
            _insert(
                s,
                "INSERT INTO patents (patent_id, year, origin, batch_id) VALUES ($p, 2020, 't', 0)",
                [{"p": pid}],
            )
            _insert(
                s,
                "INSERT INTO patent_assignees (patent_id, country_code) VALUES ($p, $c)",
                [{"p": pid, "c": cc}],
            )
            _insert(
                s,
                "INSERT INTO patent_cpc (patent_id, cpc_subclass) VALUES ($p, $sc)",
                [{"p": pid, "sc": sc}],
            )
        s.con.execute(
            "INSERT INTO patent_priority VALUES ('US-1', 1, 'JP', 'a', 'PRI:JP:20201', NULL, "
            "NULL), ('US-2', 1, 'JP', 'a', 'PRI:JP:20201', NULL, NULL)"
        )
        group_patent_families(s.con)
        fam = sp.activity_table(s, prod="cpc_subclass").to_pylist()
        pat = sp.activity_table(s, prod="cpc_subclass", patent_unit="patent").to_pylist()
        with pytest.raises(InputError, match="patent_unit"):
            sp.activity_table(s, prod="cpc_subclass", patent_unit="invention")  # type: ignore[arg-type]
    assert fam == [
        {"loc": "JP", "prod": "G06F", "value": 1.0},
        {"loc": "US", "prod": "H01L", "value": 1.0},
    ]
    assert pat == [
        {"loc": "JP", "prod": "G06F", "value": 1.0},
        {"loc": "US", "prod": "H01L", "value": 2.0},
    ]
