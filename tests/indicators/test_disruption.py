"""Tests of forcemap.indicators.disruption (CD index, mCD, I, CD^nok, DI_l, DeIn).

Reference values: Funk's toy graph as computed by cdindex 1.0.20 and published by
fast-cdindex (tests/py.ok); hand-built edge cases; novelpy's test_Disruptiveness.py
(DI1/DI5/DI1nok/DI5nok/DeIn). Provenance in tests/data/validation/disruption/PROVENANCE.md.
An independent brute-force implementation (Python sets) is checked against the kernel on
random graphs with hypothesis. All comparisons at |Δ| < 1e-12.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcemap.errors import InputError, SchemaError
from forcemap.indicators.disruption import (
    CD_SCHEMA,
    DISRUPTION_SCHEMA,
    disruption,
    disruption_from_edges,
)
from forcemap.store import Store

DATA = Path(__file__).resolve().parent.parent / "data" / "validation" / "disruption"
TOL = 1e-12


def _csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="") as f:
        return list(csv.DictReader(f))


def _num(s: str) -> float | None:
    return None if s == "" else float(s)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < TOL


def _rows(t: pa.Table) -> dict[Any, dict[str, Any]]:
    return {r["id"]: r for r in t.to_pylist()}


def _graph(
    vertices: list[tuple[str, int | None]], edges: list[tuple[str, str]]
) -> tuple[pa.Table, pa.Table]:
    nodes = pa.table(
        {
            "id": pa.array([v for v, _ in vertices], pa.string()),
            "year": pa.array([y for _, y in vertices], pa.int32()),
        }
    )
    e = pa.table(
        {
            "citing": pa.array([s for s, _ in edges], pa.string()),
            "cited": pa.array([t for _, t in edges], pa.string()),
        }
    )
    return nodes, e


# -- independent reference implementation ---------------------------------------------------
def brute_force(
    vertices: list[tuple[str, int | None]],
    edges: list[tuple[str, str]],
    window: int,
    require_references: bool = False,
) -> dict[str, dict[str, Any]]:
    """Definitions of the module docstring, literally, with Python sets."""
    year = dict(vertices)
    refs: dict[str, set[str]] = defaultdict(set)
    for s, t in edges:
        if s in year and s != t:
            refs[s].add(t)

    def ratio(a: int, b: int, null: bool) -> float | None:
        return None if null or b == 0 else a / b

    out = {}
    for f, t0 in vertices:
        rf = refs[f]
        if t0 is None:
            out[f] = {"n_refs": len(rf), "n_i": None, "n_j": None, "n_k": None, "cd": None}
            continue
        window_works = [c for c, y in vertices if y is not None and t0 < y <= t0 + window]
        citers = [c for c in window_works if f in refs[c]]
        shared = {c: len(refs[c] & rf) for c in citers}
        n_i = sum(1 for c in citers if shared[c] == 0)
        n_j = len(citers) - n_i
        n_j5 = sum(1 for c in citers if shared[c] >= 5)
        n_k = sum(1 for c in window_works if c != f and f not in refs[c] and refs[c] & rf)
        null = require_references and not rf
        n_t = n_i + n_j
        cd = ratio(n_i - n_j, n_t + n_k, null)
        out[f] = {
            "n_refs": len(rf),
            "n_i": n_i,
            "n_j": n_j,
            "n_k": n_k,
            "cd": cd,
            "i_index": n_t,
            "mcd": None if cd is None else cd * n_t,
            "cd_nok": ratio(n_i - n_j, n_t, null),
            "n_j5": n_j5,
            "di1": cd,
            "di5": ratio(n_i - n_j5, n_i + n_j5 + n_k, null),
            "di1_nok": ratio(n_i - n_j, n_t, null),
            "di5_nok": ratio(n_i - n_j5, n_i + n_j5, null),
            "dein": ratio(sum(shared.values()), n_t, null),
        }
    return out


def _assert_matches(t: pa.Table, expected: dict[str, dict[str, Any]]) -> None:
    got = _rows(t)
    assert set(got) == set(expected)
    for k, exp in expected.items():
        for col, v in exp.items():
            g = got[k][col]
            if isinstance(v, float) or isinstance(g, float):
                assert _close(g, v), (k, col, g, v)
            else:
                assert g == v, (k, col, g, v)


# -- hand-worked and external validation cases ----------------------------------------------
def test_hand_worked_example() -> None:
    """f (2000) cites r; a, e cite f only; b cites f and r; d cites r only."""
    nodes, edges = _graph(
        [("r", 1999), ("f", 2000), ("a", 2001), ("b", 2002), ("d", 2003), ("e", 2004)],
        [("f", "r"), ("a", "f"), ("b", "f"), ("b", "r"), ("d", "r"), ("e", "f")],
    )
    f = _rows(disruption_from_edges(nodes, edges))["f"]
    assert (f["n_i"], f["n_j"], f["n_k"], f["i_index"]) == (2, 1, 1, 3)
    assert f["cd"] == 0.25 and f["mcd"] == 0.75 and f["cd_nok"] == pytest.approx(1 / 3)
    assert f["di5"] == pytest.approx(2 / 3)  # b shares 1 < 5 references: drops out of DI5
    assert f["dein"] == pytest.approx(1 / 3)


def test_funk_toy_graph_matches_cdindex_and_fast_cdindex() -> None:
    """cdindex 1.0.20 (integer years, t_delta=5) and fast-cdindex py.ok, every vertex."""
    vertices = [(r["name"], int(r["year"])) for r in _csv("toy_vertices.csv")]
    edges = [(r["source"], r["target"]) for r in _csv("toy_edges.csv")]
    got = _rows(disruption_from_edges(*_graph(vertices, edges), window=5))
    expected = _csv("toy_expected.csv")
    assert len(expected) == 11
    for r in expected:
        g = got[r["name"]]
        assert (g["n_i"], g["n_j"], g["n_k"]) == (int(r["n_i"]), int(r["n_j"]), int(r["n_k"]))
        assert _close(g["cd"], _num(r["cd"])), r["name"]
        assert _close(g["cd"], _num(r["published_cd_1825d"])), r["name"]
        assert _close(g["mcd"], _num(r["mcd"])), r["name"]
        assert g["i_index"] == float(r["i_index"])
    assert got["4Z"]["cd"] == pytest.approx(1 / 6, abs=TOL)
    assert got["4Z"]["mcd"] == pytest.approx(5 / 6, abs=TOL)
    assert got["7Z"]["cd"] is None and got["8Z"]["cd"] is None


def test_edge_cases_match_funk_semantics() -> None:
    """E1-E6 (hand-derived, checked against cdindex 1.0.20)."""
    vertices = [(r["name"], int(r["year"])) for r in _csv("edge_vertices.csv")]
    edges = [(r["source"], r["target"]) for r in _csv("edge_edges.csv")]
    got = _rows(disruption_from_edges(*_graph(vertices, edges)))
    for r in _csv("edge_expected.csv"):
        g = got[r["focal"]]
        assert (g["n_i"], g["n_j"], g["n_k"]) == (int(r["n_i"]), int(r["n_j"]), int(r["n_k"]))
        assert _close(g["cd"], _num(r["cd"])), r["case"]
        assert _close(g["cd"], _num(r["cdindex_cd"])), r["case"]


def test_novelpy_di_values() -> None:
    """novelpy test_Disruptiveness.py: DI1, DI5, DI1nok, DI5nok, DeIn for paper 3."""
    rows = _csv("novelpy_edges.csv")
    year: dict[str, int] = {}
    for r in rows:
        year[r["source"]] = int(r["source_year"])
        year[r["target"]] = int(r["target_year"])
    edges = [(r["source"], r["target"]) for r in rows]
    exp = json.loads((DATA / "novelpy_expected.json").read_text())
    got = _rows(disruption_from_edges(*_graph(sorted(year.items()), edges)))[exp["focal"]]
    sets = exp["sets_from_test"]
    assert got["n_i"] == len(sets["I"]) and got["n_j"] == len(sets["J"])
    assert got["n_k"] == len(sets["K"]) and got["n_j5"] == len(sets["J5"])
    v = exp["expected_from_test"]
    for col, key in [
        ("di1", "DI1"),
        ("di5", "DI5"),
        ("di1_nok", "DI1nok"),
        ("di5_nok", "DI5nok"),
        ("dein", "DeIn"),
    ]:
        assert _close(got[col], v[key]), col
    assert got["di1"] == got["cd"]


def test_di5_counts_citers_sharing_five_references() -> None:
    refs = [f"r{i}" for i in range(6)]
    vertices = [(r, 1990) for r in refs] + [("f", 2000), ("a", 2001), ("b", 2002), ("c", 2003)]
    edges = [("f", r) for r in refs] + [("a", "f"), ("b", "f"), ("c", "f")]
    edges += [("a", r) for r in refs[:5]] + [("b", "r0")]  # a shares 5, b shares 1, c none
    f = _rows(disruption_from_edges(*_graph(vertices, edges)))["f"]
    assert (f["n_i"], f["n_j"], f["n_j5"], f["n_k"]) == (1, 2, 1, 0)
    assert f["di5"] == 0.0 and f["di5_nok"] == 0.0
    assert f["cd"] == pytest.approx(-1 / 3) and f["dein"] == 2.0


# -- conventions and degenerate input -------------------------------------------------------
def test_require_references_nulls_ratios_only() -> None:
    nodes, edges = _graph([("f", 2000), ("a", 2001)], [("a", "f")])
    loose = _rows(disruption_from_edges(nodes, edges))["f"]
    strict = _rows(disruption_from_edges(nodes, edges, require_references=True))["f"]
    assert loose["cd"] == 1.0 and loose["mcd"] == 1.0 and loose["di5"] == 1.0
    for col in ("cd", "mcd", "cd_nok", "di1", "di5", "di1_nok", "di5_nok", "dein"):
        assert strict[col] is None, col
    assert (strict["n_i"], strict["i_index"], strict["n_refs"]) == (1, 1, 0)


def test_external_references_count_in_n_k() -> None:
    """f cites X (not a node); b cites X in the window: n_k = 1."""
    nodes, edges = _graph(
        [("f", 2000), ("a", 2001), ("b", 2002)], [("f", "X"), ("a", "f"), ("b", "X")]
    )
    f = _rows(disruption_from_edges(nodes, edges))["f"]
    assert (f["n_refs"], f["n_i"], f["n_j"], f["n_k"]) == (1, 1, 0, 1)
    assert f["cd"] == 0.5
    assert "X" not in _rows(disruption_from_edges(nodes, edges))


def test_window_parameter_and_null_year() -> None:
    nodes, edges = _graph(
        [("r", 1990), ("f", 2000), ("a", 2001), ("b", 2003), ("u", None)],
        [("f", "r"), ("a", "f"), ("b", "f"), ("b", "r"), ("u", "f"), ("u", "r")],
    )
    w1 = _rows(disruption_from_edges(nodes, edges, window=1))
    w5 = _rows(disruption_from_edges(nodes, edges, window=5))
    assert (w1["f"]["n_i"], w1["f"]["n_j"], w1["f"]["cd"]) == (1, 0, 1.0)
    assert (w5["f"]["n_i"], w5["f"]["n_j"], w5["f"]["cd"]) == (1, 1, 0.0)
    u = w5["u"]  # unknown year: no window, only the reference count
    assert u["n_refs"] == 2 and u["n_i"] is None and u["cd"] is None and u["year"] is None


def test_duplicate_edges_and_self_citations_are_ignored() -> None:
    base = [("f", "r"), ("a", "f"), ("b", "f"), ("b", "r")]
    vertices = [("r", 1990), ("f", 2000), ("a", 2001), ("b", 2002)]
    clean = disruption_from_edges(*_graph(vertices, base))
    noisy = disruption_from_edges(*_graph(vertices, [*base, *base, ("f", "f"), ("a", "a")]))
    assert clean.equals(noisy)


def test_empty_input_gives_empty_table_with_schema() -> None:
    nodes, edges = _graph([], [])
    t = disruption_from_edges(nodes, edges)
    assert t.num_rows == 0 and t.schema == DISRUPTION_SCHEMA
    t = disruption_from_edges(nodes, edges, variants=False)
    assert t.num_rows == 0 and t.schema == CD_SCHEMA


def test_integer_ids_keep_their_type() -> None:
    nodes = pa.table({"id": pa.array([10, 20], pa.int64()), "year": [2000, 2001]})
    edges = pa.table({"citing": pa.array([20], pa.int64()), "cited": pa.array([10], pa.int64())})
    t = disruption_from_edges(nodes, edges, entity="patents")
    assert t.schema.field("id").type == pa.int64()
    assert t.column("cd").to_pylist() == [1.0, None]
    assert t.column("entity").to_pylist() == ["patents", "patents"]


@pytest.mark.parametrize(
    ("nodes", "edges", "err"),
    [
        (pa.table({"id": ["a"]}), pa.table({"citing": ["a"], "cited": ["a"]}), SchemaError),
        (
            pa.table({"id": ["a"], "year": ["2000"]}),
            pa.table({"citing": ["a"], "cited": ["a"]}),
            SchemaError,
        ),
        (pa.table({"id": ["a"], "year": [2000]}), pa.table({"citing": ["a"]}), SchemaError),
        (
            pa.table({"id": ["a"], "year": [2000]}),
            pa.table({"citing": [1], "cited": [1]}),
            SchemaError,
        ),
        (
            pa.table({"id": ["a", "a"], "year": [2000, 2001]}),
            pa.table({"citing": ["a"], "cited": ["a"]}),
            InputError,
        ),
        (
            pa.table({"id": pa.array(["a", None]), "year": [2000, 2001]}),
            pa.table({"citing": ["a"], "cited": ["a"]}),
            InputError,
        ),
    ],
)
def test_bad_input_raises(nodes: pa.Table, edges: pa.Table, err: type[Exception]) -> None:
    with pytest.raises(err):
        disruption_from_edges(nodes, edges)


def test_bad_window_raises(store: Store) -> None:
    nodes, edges = _graph([("a", 2000)], [])
    with pytest.raises(InputError, match="window"):
        disruption_from_edges(nodes, edges, window=0)
    with pytest.raises(InputError, match="entity"):
        disruption(store, entity="projects")  # type: ignore[arg-type]


# -- independent brute force on random graphs ----------------------------------------------
@st.composite
def _random_graph(draw: st.DrawFn) -> tuple[list[tuple[str, int | None]], list[tuple[str, str]]]:
    n = draw(st.integers(0, 14))
    years = draw(st.lists(st.one_of(st.none(), st.integers(1990, 1998)), min_size=n, max_size=n))
    vertices = [(f"w{i}", y) for i, y in enumerate(years)]
    pool = [v for v, _ in vertices] + ["X1", "X2"]  # X*: external references
    edges = draw(
        st.lists(st.tuples(st.sampled_from(pool), st.sampled_from(pool)), max_size=60)
        if n
        else st.just([])
    )
    return vertices, edges


@settings(max_examples=300, deadline=None)
@given(
    graph=_random_graph(),
    window=st.integers(1, 6),
    require_references=st.booleans(),
)
def test_kernel_matches_brute_force(
    graph: tuple[list[tuple[str, int | None]], list[tuple[str, str]]],
    window: int,
    require_references: bool,
) -> None:
    vertices, edges = graph
    t = disruption_from_edges(
        *_graph(vertices, edges), window=window, require_references=require_references
    )
    _assert_matches(t, brute_force(vertices, edges, window, require_references))


def test_many_shared_references_brute_force() -> None:
    """A dense random graph where citers share >= 5 references (exercises n_j5)."""
    rng = np.random.default_rng(7)
    n = 80
    years = rng.integers(1990, 2000, n)
    vertices: list[tuple[str, int | None]] = [(f"w{i}", int(y)) for i, y in enumerate(years)]
    edges = []
    for i in range(n):
        older = np.flatnonzero(years < years[i])
        for j in rng.choice(older, min(len(older), 25), replace=False) if len(older) else []:
            edges.append((f"w{i}", f"w{j}"))
    t = disruption_from_edges(*_graph(vertices, edges), window=3)
    assert max(t.column("n_j5").to_pylist()) > 0
    _assert_matches(t, brute_force(vertices, edges, 3))


def test_thread_count_does_not_change_results() -> None:
    rng = np.random.default_rng(1)
    n, m = 3000, 30000
    years = rng.integers(1980, 2010, n).astype(np.int32)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n + 50, m)  # some external ids
    nodes = pa.table({"id": np.arange(n), "year": years})
    edges = pa.table({"citing": src, "cited": dst})
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = disruption_from_edges(nodes, edges)
    finally:
        numba.set_num_threads(before)
    assert one.equals(disruption_from_edges(nodes, edges))
    assert not math.isnan(sum(v for v in one.column("cd").to_pylist() if v is not None))


def test_mark_stamp_restarts_do_not_change_counts() -> None:
    # the kernel's uint16 marks restart every 32,000 focal works per thread (after clearing);
    # restarting every 3 must give the same counts
    from forcemap.indicators import _citation_graph as cg

    rng = np.random.default_rng(2)
    n, m = 3000, 30000
    years = rng.integers(1980, 2010, n).astype(np.int32)
    g = cg.build_csr(rng.integers(0, n, m), rng.integers(0, n, m), years)
    often = cg.cd_counts(g, n, window=5, min_shared=5, stamps=3)
    assert often[:, cg.N_K].sum() > 0
    assert np.array_equal(often, cg.cd_counts(g, n, window=5, min_shared=5))


# -- store ----------------------------------------------------------------------------------
def _store_toy(store: Store) -> None:
    for r in _csv("toy_vertices.csv"):
        store.con.execute(
            "INSERT INTO works (work_id, year, origin, batch_id) VALUES ($w, $y, 'test', 0)",
            {"w": r["name"], "y": int(r["year"])},
        )
    for r in _csv("toy_edges.csv"):
        store.con.execute(
            "INSERT INTO work_references VALUES ($s, $t)", {"s": r["source"], "t": r["target"]}
        )


def test_store_works_toy_graph(store: Store) -> None:
    _store_toy(store)
    # W-ext is not in the store: a reference of 4Z, cited in the window by the new work E
    # (citing nothing else), so n_k of 4Z grows from 1 to 2; W-ext itself gets no row
    store.con.execute(
        "INSERT INTO works (work_id, year, origin, batch_id) VALUES ('E', 1999, 'test', 0)"
    )
    store.con.execute("INSERT INTO work_references VALUES ('4Z', 'W-ext'), ('E', 'W-ext')")
    t = disruption(store)
    assert t.schema == DISRUPTION_SCHEMA
    names = [r["name"] for r in _csv("toy_vertices.csv")]
    assert t.column("id").to_pylist() == sorted([*names, "E"])
    got = _rows(t)
    assert (got["4Z"]["n_refs"], got["4Z"]["n_i"], got["4Z"]["n_j"]) == (5, 3, 2)
    assert got["4Z"]["n_k"] == 2
    assert got["4Z"]["cd"] == pytest.approx(1 / 7, abs=TOL)
    assert got["2Z"]["cd"] == 1.0 and got["7Z"]["cd"] is None
    assert set(t.column("entity").to_pylist()) == {"works"}


def test_store_matches_edges_function(store: Store) -> None:
    _store_toy(store)
    vertices = [(r["name"], int(r["year"])) for r in _csv("toy_vertices.csv")]
    edges = [(r["source"], r["target"]) for r in _csv("toy_edges.csv")]
    ref = disruption_from_edges(*_graph(vertices, edges), window=3, variants=False)
    got = disruption(store, window=3, variants=False)
    assert got.schema == CD_SCHEMA
    assert _rows(got) == _rows(ref)


def test_store_patents(store: Store) -> None:
    for pid, y in [("US-1", 2000), ("US-2", 2001), ("US-3", 2002)]:
        store.con.execute(
            "INSERT INTO patents (patent_id, year, origin, batch_id) VALUES ($p, $y, 'test', 0)",
            {"p": pid, "y": y},
        )
    store.con.execute(
        "INSERT INTO patent_citations VALUES ('US-1', 'US-0'), ('US-2', 'US-1'), "
        "('US-3', 'US-1'), ('US-3', 'US-0')"
    )
    got = _rows(disruption(store, entity="patents", require_references=True))
    assert (got["US-1"]["n_i"], got["US-1"]["n_j"], got["US-1"]["cd"]) == (1, 1, 0.0)
    assert (got["US-2"]["n_k"], got["US-2"]["cd"]) == (1, 0.0)  # US-3 cites its reference
    assert got["US-3"]["cd"] is None  # nobody cites US-3 or its references later
    assert got["US-3"]["entity"] == "patents"


def test_store_empty(store: Store) -> None:
    t = disruption(store)
    assert t.num_rows == 0 and t.schema == DISRUPTION_SCHEMA


def test_range_ids_fast_path_matches_hashed_ids() -> None:
    """Integer ids 0..n-1 (no hashing, externals >= n or < 0) == the same graph as strings."""
    rng = np.random.default_rng(3)
    n, m = 60, 400
    years = rng.integers(1990, 2000, n)
    src = rng.integers(-3, n + 3, m)  # citing ids outside the nodes are dropped
    dst = rng.integers(-5, n + 5, m)  # cited ids outside the nodes are external
    fast = disruption_from_edges(
        pa.table({"id": np.arange(n), "year": years}), pa.table({"citing": src, "cited": dst})
    )
    vertices: list[tuple[str, int | None]] = [(str(i), int(y)) for i, y in enumerate(years)]
    edges = [(str(s), str(t)) for s, t in zip(src, dst, strict=True)]
    slow = disruption_from_edges(*_graph(vertices, edges))
    assert fast.drop_columns(["id"]).equals(slow.drop_columns(["id"]))
    _assert_matches(slow, brute_force(vertices, edges, 5))
