"""Tests of forcemap.indicators.emergence on a hand-built store (values worked out by hand)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from forcemap.errors import InputError
from forcemap.indicators.emergence import EMERGENCE_SCHEMA, emergence_score
from forcemap.store import Store
from forcemap.store.patent_resolution import group_patent_families

YEARS = list(range(2011, 2021))
GROW = [0, 0, 1, 1, 1, 2, 3, 4, 5, 6]  # concept A per year
FLAT = [2] * 10  # concept B per year


@pytest.fixture
def grow_store(store: Store) -> Store:
    """Ten works a year, 2011-2020 (work k of year y has its own author, except k = 7).

    A (growing) on works k < GROW[y]; B (flat, 2 a year) on k = 8, 9; C on k = 7 from 2013,
    whose works all have the same single author "solo"; D on two works of 2019 only.
    """
    store.con.execute(
        "INSERT INTO works (work_id, year, origin, batch_id) "
        "SELECT 'W' || y || '_' || k, y, 'test', 0 FROM range(2011, 2021) a(y), range(10) b(k)"
    )
    store.con.execute(
        "INSERT INTO authorships (work_id, author_seq, author_id) "
        "SELECT 'W' || y || '_' || k, 1, CASE WHEN k = 7 THEN 'solo' ELSE 'a' || y || k END "
        "FROM range(2011, 2021) a(y), range(10) b(k)"
    )
    rows: list[tuple[str, str]] = []
    for i, y in enumerate(YEARS):
        rows += [(f"W{y}_{k}", "A") for k in range(GROW[i])]
        rows += [(f"W{y}_{k}", "B") for k in (8, 9)]
        if y >= 2013:
            rows.append((f"W{y}_7", "C"))
    rows += [("W2019_8", "D"), ("W2019_9", "D")]
    for wid, cid in rows:
        store.con.execute(
            "INSERT INTO work_concepts VALUES ($w, $c, 'concept ' || $c, 1, 0.5)",
            {"w": wid, "c": cid},
        )
    return store


def _rows(t: Any) -> dict[str, dict[str, Any]]:
    return {r["unit_id"]: r for r in t.to_pylist()}


def test_growing_concept_scores(grow_store: Store) -> None:
    """A's active-year shares (2014-2020, of 10 works a year): .1 .1 .2 .3 .4 .5 .6.

    AT = √(.4+.5+.6) − √(.1+.1+.2) = √1.5 − √.4 = 0.592289
    RT = 10·(√(.5+.6) − √(.3+.4)) = 10·(√1.1 − √.7) = 2.121490
    S  = 10·slope; slope = Σ(k−4)·A_k / Σ(k−4)² = 2.5/28 → S = 0.892857
    EScore = 2·AT + RT + S = 4.198925.
    Counts: 23 records (1 in the base period 2011-13, 22 active), 8 years, 23 authors;
    base share 1/30, active share 22/23: qualified.
    """
    t = emergence_score(grow_store)
    assert t.schema == EMERGENCE_SCHEMA
    a = _rows(t)["A"]
    assert a["counts"] == GROW
    assert (a["first_year"], a["end_year"]) == (2011, 2020)
    assert (a["records"], a["base_records"], a["active_records"]) == (23, 1, 22)
    assert (a["years_present"], a["actors"]) == (8, 23)
    assert a["base_share"] == pytest.approx(1 / 30)
    assert a["active_share"] == pytest.approx(22 / 23)
    at = math.sqrt(1.5) - math.sqrt(0.4)
    rt = 10 * (math.sqrt(1.1) - math.sqrt(0.7))
    s = 10 * 2.5 / 28
    assert a["active_trend"] == pytest.approx(at)
    assert a["recent_trend"] == pytest.approx(rt)
    assert a["slope"] == pytest.approx(s)
    assert a["escore"] == pytest.approx(2 * at + rt + s)
    assert a["escore"] == pytest.approx(4.198925, abs=1e-6)
    assert a["qualified"] and a["reason"] is None
    assert a["name"] == "concept A"
    assert t["unit_id"][0].as_py() == "A"  # qualified units first, by score


def test_flat_and_failing_concepts(grow_store: Store) -> None:
    """B is flat (share .2 every year): AT = RT = S = 0; it is in 6 of 30 base records
    (0.2 > 0.15), so it fails novelty only. C comes from a single author: fails community.
    D: 2 records (2 authors) in 1 year, fails records and persistence.
    """
    r = _rows(emergence_score(grow_store))
    b = r["B"]
    assert b["escore"] == pytest.approx(0.0, abs=1e-12)
    assert (b["q_records"], b["q_years"], b["q_actors"], b["q_novel"]) == (True, True, True, False)
    assert not b["qualified"]
    assert b["reason"] == "in more than 0.15 of base-period records"
    c = r["C"]
    assert (c["records"], c["actors"], c["qualified"]) == (8, 1, False)
    assert c["reason"] == "fewer than 2 actors"
    d = r["D"]
    assert d["reason"] == "fewer than 7 records; present in fewer than 3 years"
    assert not d["q_records"] and not d["q_years"]
    # Relaxing the novelty rule lets B qualify.
    assert _rows(emergence_score(grow_store, max_base_share=0.25))["B"]["qualified"]


def test_window_and_growth_rule(grow_store: Store) -> None:
    """Ending in 2019 the window is 2010-2019: A's counts shift (2010 has no works)."""
    a = _rows(emergence_score(grow_store, end_year=2019))["A"]
    assert a["counts"] == [0, *GROW[:-1]]
    assert a["first_year"] == 2010
    # Demanding 99 % of the records in the active period fails A's growth rule (22/23).
    a = _rows(emergence_score(grow_store, min_active_share=0.99))["A"]
    assert not a["q_growth"] and not a["qualified"]


def test_cpc_group_unit(store: Store) -> None:
    """Patents: group G1 in 1, 2, 3 patents of 2018-2020 from 3 assignees; 1 patent a year
    otherwise. Window 2011-2020: counts end 1, 2, 3; 6 records in 3 years → fails records.
    """
    store.con.execute(
        "INSERT INTO patents (patent_id, year, origin, batch_id) "
        "SELECT 'P' || i, 2011 + i, 'test', 0 FROM range(10) t(i)"
    )
    pats = [("Q1", 2018), ("Q2", 2019), ("Q3", 2019), ("Q4", 2020), ("Q5", 2020), ("Q6", 2020)]
    for pid, y in pats:
        store.con.execute(
            "INSERT INTO patents (patent_id, year, origin, batch_id) VALUES ($p, $y, 'test', 0)",
            {"p": pid, "y": y},
        )
        store.con.execute(
            "INSERT INTO patent_cpc (patent_id, seq, cpc_group) VALUES ($p, 1, 'G1/00')",
            {"p": pid},
        )
        store.con.execute(
            "INSERT INTO patent_assignees (patent_id, seq, assignee_id) VALUES ($p, 1, $a)",
            {"p": pid, "a": "asg" + pid[-1]},
        )
    g = _rows(emergence_score(store, unit="cpc_group"))["G1/00"]
    assert g["counts"] == [0] * 7 + [1, 2, 3]
    assert (g["records"], g["years_present"], g["actors"]) == (6, 3, 6)
    assert g["reason"] == "fewer than 7 records"
    assert g["name"] is None
    # Q2 and Q3 (2019) claim one priority: one invention, counted once by default
    store.con.execute(
        "INSERT INTO patent_priority VALUES ('Q2', 1, 'JP', 'x', 'PRI:JP:20191', NULL, NULL), "
        "('Q3', 1, 'JP', 'x', 'PRI:JP:20191', NULL, NULL)"
    )
    group_patent_families(store.con)
    g = _rows(emergence_score(store, unit="cpc_group"))["G1/00"]
    assert g["counts"] == [0] * 7 + [1, 1, 3]
    assert (g["records"], g["actors"]) == (5, 6)  # the family has both holders
    g = _rows(emergence_score(store, unit="cpc_group", patent_unit="patent"))["G1/00"]
    assert g["counts"] == [0] * 7 + [1, 2, 3]


def test_empty_store(store: Store) -> None:
    """No records: an empty table with the schema, whatever the unit."""
    for unit in ("concept", "topic", "cpc_group"):
        t = emergence_score(store, unit=unit)
        assert t.schema == EMERGENCE_SCHEMA and t.num_rows == 0
    assert emergence_score(store, end_year=2020).num_rows == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"unit": "keyword"},
        {"active_years": 5},
        {"base_years": 0},
        {"unit": "topic", "concept_level": 0},
    ],
)
def test_bad_options(store: Store, kwargs: dict[str, Any]) -> None:
    """Options outside their allowed values raise InputError."""
    with pytest.raises(InputError):
        emergence_score(store, **kwargs)
