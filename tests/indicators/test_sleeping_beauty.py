"""Tests of forcemap.indicators.sleeping_beauty on hand-built citation series (values by hand)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from forcemap.errors import InputError
from forcemap.indicators.sleeping_beauty import SLEEPING_BEAUTY_SCHEMA, sleeping_beauty
from forcemap.store import Store


def _add(store: Store, focal: str, year: int, series: Sequence[int]) -> None:
    """A focal work of ``year`` cited ``series[t]`` times by works of ``year + t``."""
    store.con.execute(
        "INSERT INTO works (work_id, year, origin, batch_id) VALUES ($w, $y, 't', 0)",
        {"w": focal, "y": year},
    )
    for t, c in enumerate(series):
        if c:
            store.con.execute(
                "INSERT INTO works (work_id, year, origin, batch_id) "
                "SELECT $w || '_' || $t || '_' || k, $y, 't', 0 FROM range($c) r(k)",
                {"w": focal, "t": t, "y": year + t, "c": c},
            )
            store.con.execute(
                "INSERT INTO work_references SELECT $w || '_' || $t || '_' || k, $w "
                "FROM range($c) r(k)",
                {"w": focal, "t": t, "c": c},
            )


@pytest.fixture
def beauties(store: Store) -> Store:
    """Four works of 2016 (data ends in 2020, so every series has ages 0-4):

    S (sleeper)  c = 0, 0, 0, 0, 10
    L (linear)   c = 1, 2, 3, 4, 5
    C (concave)  c = 0, 6, 8, 9, 10
    F (few)      c = 0, 1, 0, 0, 0   (1 citation)
    """
    _add(store, "S", 2016, [0, 0, 0, 0, 10])
    _add(store, "L", 2016, [1, 2, 3, 4, 5])
    _add(store, "C", 2016, [0, 6, 8, 9, 10])
    _add(store, "F", 2016, [0, 1, 0, 0, 0])
    return store


def _rows(t: Any) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in t.to_pylist()}


def test_sleeper(beauties: Store) -> None:
    """c = 0, 0, 0, 0, 10: t_m = 4, c_0 = 0, l_t = 2.5 t.

    B = Σ_{t=0}^{4} (l_t − c_t)/max(1, c_t) = 0 + 2.5 + 5 + 7.5 + (10 − 10)/10 = 15.
    Distances ∝ |(c_tm − c_0) t − t_m c_t + t_m c_0| = |10 t − 4 c_t| = 0, 10, 20, 30, 0
    → t_a = 3 (2019).
    """
    t = sleeping_beauty(beauties)
    assert t.schema == SLEEPING_BEAUTY_SCHEMA
    s = _rows(t)["S"]
    assert s["series"] == [0, 0, 0, 0, 10]
    assert (s["year"], s["age"], s["citations"]) == (2016, 4, 10)
    assert (s["t_m"], s["peak_citations"]) == (4, 10)
    assert s["b"] == 15.0
    assert (s["t_a"], s["awakening_year"]) == (3, 2019)
    assert t["id"][0].as_py() == "S"  # the largest B first


def test_linear_and_concave(beauties: Store) -> None:
    """L = 1, 2, 3, 4, 5 lies on its line: B = 0, every distance 0 → t_a = 0 (first).

    C = 0, 6, 8, 9, 10: l_t = 2.5 t, B = (2.5 − 6)/6 + (5 − 8)/8 + (7.5 − 9)/9
    = −0.583333 − 0.375 − 0.166667 = −1.125 < 0; |10 t − 4 c_t| = 0, 14, 12, 6, 0 → t_a = 1.
    """
    r = _rows(sleeping_beauty(beauties))
    lin = r["L"]
    assert (lin["t_m"], lin["citations"], lin["b"], lin["t_a"]) == (4, 15, 0.0, 0)
    c = r["C"]
    assert c["t_m"] == 4 and c["citations"] == 33
    assert c["b"] == pytest.approx(-1.125)
    assert c["b"] == pytest.approx((2.5 - 6) / 6 + (5 - 8) / 8 + (7.5 - 9) / 9)
    assert (c["t_a"], c["awakening_year"]) == (1, 2017)


def test_min_citations_and_max_age(beauties: Store) -> None:
    """F has 1 citation: null with the default min_citations = 10, scored with 1
    (peak at t = 1: l_0 = c_0 = 0, l_1 = c_1 = 1 → B = 0, t_a = 0).

    max_age = 2 cuts the series: C = 0, 6, 8 (t_m = 2, l_t = 4 t, B = (4 − 6)/6 = −1/3,
    |8 t − 2 c_t| = 0, 4, 0 → t_a = 1); S = 0, 0, 0 has no citation (null); L = 1, 2, 3 has 6.
    """
    r = _rows(sleeping_beauty(beauties))
    f = r["F"]
    assert f["citations"] == 1
    assert f["b"] is None and f["t_m"] is None and f["t_a"] is None and f["series"] is None
    f = _rows(sleeping_beauty(beauties, min_citations=1))["F"]
    assert (f["t_m"], f["b"], f["t_a"]) == (1, 0.0, 0)
    r = _rows(sleeping_beauty(beauties, max_age=2, min_citations=5))
    c = r["C"]
    assert (c["age"], c["series"], c["t_m"], c["t_a"]) == (2, [0, 6, 8], 2, 1)
    assert c["b"] == pytest.approx(-1 / 3)
    assert r["S"]["citations"] == 0 and r["S"]["b"] is None
    assert r["L"]["citations"] == 6 and r["L"]["b"] == 0.0
    # even with min_citations = 0 an uncited work has no coefficient
    assert _rows(sleeping_beauty(beauties, max_age=2, min_citations=0))["S"]["b"] is None


def test_citation_rules(beauties: Store) -> None:
    """Repeated references count once; self-citations and citations from before the
    publication year are ignored; the citing works themselves are rows (uncited, null)."""
    beauties.con.execute(
        "INSERT INTO works (work_id, year, origin, batch_id) VALUES ('early', 2014, 't', 0);"
        "INSERT INTO work_references VALUES ('S_4_0', 'S'), ('S', 'S'), ('early', 'S')"
    )
    t = sleeping_beauty(beauties)
    s = _rows(t)["S"]
    assert s["series"] == [0, 0, 0, 0, 10] and s["b"] == 15.0
    assert t.num_rows == 4 + (10 + 15 + 33 + 1) + 1  # focal works, their citers, "early"


def test_patents(store: Store) -> None:
    """Patents use the grant year and patent_citations: P granted 2010, cited 0, 0, 3."""
    store.con.execute(
        "INSERT INTO patents (patent_id, year, origin, batch_id) VALUES "
        "('P', 2010, 't', 0), ('Q1', 2012, 't', 0), ('Q2', 2012, 't', 0), ('Q3', 2012, 't', 0);"
        "INSERT INTO patent_citations VALUES ('Q1', 'P'), ('Q2', 'P'), ('Q3', 'P')"
    )
    p = _rows(sleeping_beauty(store, entity="patents", min_citations=3))["P"]
    # l_t = 1.5 t: B = 0 + 1.5 + 0 = 1.5; |3 t − 2 c_t| = 0, 3, 0 → t_a = 1
    assert (p["series"], p["t_m"], p["b"], p["t_a"]) == ([0, 0, 3], 2, 1.5, 1)


def test_empty_store(store: Store) -> None:
    t = sleeping_beauty(store)
    assert t.schema == SLEEPING_BEAUTY_SCHEMA and t.num_rows == 0


@pytest.mark.parametrize("kwargs", [{"min_citations": -1}, {"max_age": -1}, {"entity": "projects"}])
def test_bad_options(store: Store, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        sleeping_beauty(store, **kwargs)
