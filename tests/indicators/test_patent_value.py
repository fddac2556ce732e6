"""Tests of forcemap.indicators.patent_value on a hand-built store (values worked out by hand)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from forcemap.errors import InputError
from forcemap.indicators.patent_value import (
    BREAKTHROUGH_SCHEMA,
    COUNT_SCHEMA,
    DIVERSITY_SCHEMA,
    FORWARD_SCHEMA,
    HIGH_VALUE_SCHEMA,
    PATENT_VALUE_SCHEMA,
    backward_citations,
    breakthrough,
    claims,
    family_size,
    forward_citations,
    generality,
    high_value,
    originality,
    patent_scope,
    patent_value,
    radicalness,
    science_citations,
)
from forcemap.store import Store
from forcemap.store.patent_resolution import group_patent_families


def _patent(
    store: Store, pid: str, grant: str, family: str | None, nclaims: int | None, cpc: list[str]
) -> None:
    store.con.execute(
        "INSERT INTO patents (patent_id, grant_date, filing_date, year, family_id, num_claims, "
        "origin, batch_id) VALUES ($p, $g::DATE, $g::DATE - INTERVAL 400 DAY, "
        "year($g::DATE), $f, $n, 'test', 0)",
        {"p": pid, "g": grant, "f": family, "n": nclaims},
    )
    for seq, sym in enumerate(cpc, start=1):
        store.con.execute(
            "INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_subclass, is_first) "
            "VALUES ($p, $s, $g, left($g, 4), $s = 1)",
            {"p": pid, "s": seq, "g": sym},
        )


def _cite(store: Store, pairs: list[tuple[str, str]]) -> None:
    for citing, cited in pairs:
        store.con.execute("INSERT INTO patent_citations VALUES ($a, $b)", {"a": citing, "b": cited})


@pytest.fixture
def pats(store: Store) -> Store:
    """Six patents (grant date; family; claims; CPC, the first is the main one).

    P1 2010-01-01 F1 10 [H01L21/027, G06F3/01]   P2 2012-06-01 F1 5 [H01L21/02]
    P3 2014-01-01 F3 7 [G06F3/01]                P4 2016-01-01 -  - [A61K8/02]
    P5 2011-01-01 -  3 (no CPC)                  P6 2013-01-01 -  2 [G06F9/00]
    Citations (citing → cited): P2→P1, P3→P1, P4→P1, P5→P1, P3→P2, P6→P2, P4→P3,
    P2→EXT1 (outside the store), P1→P1 (self). NPL: P1 → W1, W2, W1 again.
    """
    _patent(store, "P1", "2010-01-01", "F1", 10, ["H01L21/027", "G06F3/01"])
    _patent(store, "P2", "2012-06-01", "F1", 5, ["H01L21/02"])
    _patent(store, "P3", "2014-01-01", "F3", 7, ["G06F3/01"])
    _patent(store, "P4", "2016-01-01", None, None, ["A61K8/02"])
    _patent(store, "P5", "2011-01-01", None, 3, [])
    _patent(store, "P6", "2013-01-01", None, 2, ["G06F9/00"])
    _cite(
        store,
        [
            ("P2", "P1"),
            ("P3", "P1"),
            ("P4", "P1"),
            ("P5", "P1"),
            ("P3", "P2"),
            ("P6", "P2"),
            ("P4", "P3"),
            ("P2", "EXT1"),
            ("P1", "P1"),
        ],
    )
    for w in ("W1", "W2", "W1"):
        store.con.execute("INSERT INTO patent_npl VALUES ('P1', $w)", {"w": w})
    return store


def _values(tbl: pa.Table, col: str = "value") -> dict[str, Any]:
    return dict(zip(tbl["patent_id"].to_pylist(), tbl[col].to_pylist(), strict=True))


def test_forward_citations(pats: Store) -> None:
    """P1 is cited by P2 (2012), P5 (2011), P3 (2014) within 5 years of 2010-01-01, and by
    P4 (2016-01-01) after: 3 in the window, 4 in all. P2: P3, P6 → 2; P3: P4 → 1.
    """
    t = forward_citations(pats)
    assert t.schema == FORWARD_SCHEMA
    assert _values(t, "forward_citations") == {
        "P1": 3, "P2": 2, "P3": 1, "P4": 0, "P5": 0, "P6": 0
    }  # fmt: skip
    assert _values(forward_citations(pats, window=None), "forward_citations")["P1"] == 4
    # Window 2 = [2010-01-01, 2012-01-01): only P5; window 1 ends the day P5 is granted.
    assert _values(forward_citations(pats, window=2), "forward_citations")["P1"] == 1
    assert _values(forward_citations(pats, window=1), "forward_citations")["P1"] == 0
    # Filing dates are all 400 days earlier: the same counts.
    assert _values(forward_citations(pats, date="filing"), "forward_citations")["P1"] == 3


def test_generality(pats: Store) -> None:
    """Citing classes (main = first symbol; P5 has none and is left out).

    P1 ← P2 {H01L}, P3 {G06F}, P4 {A61K}: N = 3, G = 1 − 3·(1/3)² = 2/3, × 3/2 = 1.
    Within 5 years P1 ← P2, P3: G = 1/2, × 2 = 1.
    P2 ← P3 {G06F}, P6 {G06F}: one class → G = 0 (corrected 0 too).
    P3 ← P4 only: N = 1 → G = 0, corrected undefined → null. P4: never cited → null.
    """
    t = generality(pats)
    assert t.schema == DIVERSITY_SCHEMA
    g = _values(t)
    assert g["P1"] == pytest.approx(1.0)
    assert g["P2"] == 0.0
    assert g["P3"] is None and g["P4"] is None
    assert _values(t, "n") == {"P1": 3, "P2": 2, "P3": 1, "P4": 0, "P5": 0, "P6": 0}
    raw = _values(generality(pats, correction=False))
    assert raw["P1"] == pytest.approx(2 / 3)
    assert raw["P3"] == 0.0
    assert _values(generality(pats, window=5, correction=False))["P1"] == pytest.approx(0.5)


def test_originality_all_vs_first(pats: Store) -> None:
    """P3 cites P1 {H01L, G06F} and P2 {H01L}.

    classes="all": P1's weight splits 1/2 + 1/2 → s = (H01L 1.5, G06F 0.5)/2,
    O = 1 − (2.25 + 0.25)/4 = 0.375, corrected × 2 = 0.75.
    classes="first": P1 counts as H01L → one class → 0.
    P2 cites P1 and EXT1 (not in the store): N = 1 → O = 1 − 2·(1/2)² = 0.5 uncorrected,
    null corrected. P1 cites only itself → null.
    """
    o = _values(originality(pats))
    assert o["P3"] == pytest.approx(0.75)
    assert o["P2"] is None and o["P1"] is None
    assert _values(originality(pats, correction=False))["P3"] == pytest.approx(0.375)
    assert _values(originality(pats, correction=False))["P2"] == pytest.approx(0.5)
    assert _values(originality(pats, classes="first"))["P3"] == 0.0


def test_radicalness(pats: Store) -> None:
    """Share of (cited patent, class) pairs outside the focal's classes.

    P3 {G06F} cites P1 {H01L, G06F}, P2 {H01L}: 2 of 3 outside → 2/3.
    P2 {H01L} cites P1: G06F outside → 1/2. P4 {A61K}: all outside → 1. P6 {G06F} cites
    P2 {H01L} → 1. P1 cites nothing else → null; P5 has no class → null.
    """
    r = _values(radicalness(pats))
    assert r == pytest.approx({"P1": None, "P2": 0.5, "P3": 2 / 3, "P4": 1.0, "P5": None,
                               "P6": 1.0})  # fmt: skip


def test_counts(pats: Store) -> None:
    """Scope = distinct subclasses; family = members in the store; claims as recorded;
    backward = distinct cited ids (external included, self excluded); science = distinct NPL.
    """
    assert patent_scope(pats).schema == COUNT_SCHEMA
    assert _values(patent_scope(pats)) == {
        "P1": 2, "P2": 1, "P3": 1, "P4": 1, "P5": None, "P6": 1
    }  # fmt: skip
    assert _values(family_size(pats)) == {
        "P1": 2, "P2": 2, "P3": 1, "P4": None, "P5": None, "P6": None
    }  # fmt: skip
    assert _values(claims(pats))["P1"] == 10 and _values(claims(pats))["P4"] is None
    assert _values(backward_citations(pats)) == {
        "P1": 0, "P2": 2, "P3": 2, "P4": 2, "P5": 1, "P6": 1
    }  # fmt: skip
    assert _values(science_citations(pats)) == {
        "P1": 2, "P2": 0, "P3": 0, "P4": 0, "P5": 0, "P6": 0
    }  # fmt: skip


def test_breakthrough_cohorts(pats: Store) -> None:
    """WIPO fields from the main symbol: H01L → 8 (semiconductors), G06F → 6 (computer
    technology), A61K8/ → 14 (organic fine chemistry, longest prefix); P5 has none.
    Every cohort here has one patent: fewer than 100, so nobody is a breakthrough.
    """
    t = breakthrough(pats)
    assert t.schema == BREAKTHROUGH_SCHEMA
    assert _values(t, "cohort_field") == {
        "P1": "8", "P2": "8", "P3": "6", "P4": "14", "P5": None, "P6": "6"
    }  # fmt: skip
    b = _values(t, "breakthrough")
    assert b["P5"] is None
    assert not any(v for k, v in b.items() if k != "P5")
    assert _values(breakthrough(pats, cohort="cpc_subclass"), "cohort_field")["P4"] == "A61K"


def test_breakthrough_top_share(store: Store) -> None:
    """Cohort H01L/2015 of 100 patents: Q0 cited twice, Q1 and Q2 once, the rest never.

    Top 1 %: Q0 has 99 of 100 cited less → breakthrough; Q1 (97 less) is not.
    Top 3 %: 97 ≥ 97 → Q1 and Q2 too; uncited patents never.
    """
    store.con.execute(
        "INSERT INTO patents (patent_id, grant_date, year, origin, batch_id) "
        "SELECT 'Q' || i, DATE '2015-03-01', 2015, 'test', 0 FROM range(100) t(i)"
    )
    store.con.execute(
        "INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_subclass, is_first) "
        "SELECT 'Q' || i, 1, 'H01L21/02', 'H01L', true FROM range(100) t(i)"
    )
    _patent(store, "C1", "2016-01-01", None, None, ["G06F3/01"])
    _patent(store, "C2", "2016-01-01", None, None, ["G06F3/01"])
    _cite(store, [("C1", "Q0"), ("C2", "Q0"), ("C1", "Q1"), ("C2", "Q2")])
    b = _values(breakthrough(store), "breakthrough")
    assert [k for k, v in b.items() if v] == ["Q0"]
    b3 = _values(breakthrough(store, top=0.03), "breakthrough")
    assert sorted(k for k, v in b3.items() if v) == ["Q0", "Q1", "Q2"]
    assert _values(breakthrough(store), "cohort_n")["Q5"] == 100


def _cohort(store: Store, prefix: str, n: int, year: int) -> None:
    store.con.execute(
        "INSERT INTO patents (patent_id, grant_date, year, origin, batch_id) "
        "SELECT $p || i, make_date($y, 3, 1), $y, 'test', 0 FROM range($n) t(i)",
        {"p": prefix, "y": year, "n": n},
    )


def test_high_value_ties_and_zero(store: Store) -> None:
    """Cohort 2015 (20 patents, grant year only): R0 and R1 cited twice, R2-R4 once, the
    rest never. Top 10 % = 2 patents: R0, R1 get 1 each; R2-R4 (tie below) 0.
    Cohort 2016 (10): S0 and S1 cited once, S2-S9 never. Top 10 % = 1: the tie S0/S1
    straddles it, 0.5 each (Waltman-Schreiber).
    Cohort 2017 (10): all uncited. The boundary falls on uncited patents: none is high
    value (plain fractional assignment would give each 0.1); reported in the metadata.
    Citing patents C1, C2 are granted 2018 (their own cohort of 2 uncited: boundary at 0).
    """
    _cohort(store, "R", 20, 2015)
    _cohort(store, "S", 10, 2016)
    _cohort(store, "Z", 10, 2017)
    store.con.execute(
        "INSERT INTO patents (patent_id, grant_date, year, origin, batch_id) VALUES "
        "('C1', DATE '2018-01-01', 2018, 'test', 0), ('C2', DATE '2018-01-01', 2018, 'test', 0)"
    )
    _cite(
        store,
        [("C1", "R0"), ("C2", "R0"), ("C1", "R1"), ("C2", "R1")]
        + [("C1", f"R{i}") for i in (2, 3, 4)]
        + [("C1", "S0"), ("C1", "S1")],
    )
    t = high_value(store, window=None)
    assert t.schema == HIGH_VALUE_SCHEMA
    top = _values(t, "top")
    assert (top["R0"], top["R1"]) == (pytest.approx(1.0), pytest.approx(1.0))
    assert [top[f"R{i}"] for i in (2, 3, 4, 5)] == [0.0] * 4
    assert (top["S0"], top["S1"]) == (pytest.approx(0.5), pytest.approx(0.5))
    assert all(top[f"Z{i}"] == 0.0 for i in range(10))
    assert top["C1"] == 0.0
    assert _values(t, "cohort_n")["Z0"] == 10
    meta = t.schema.metadata
    assert meta[b"forcemap.zero_threshold_cohorts"] == b"2"  # 2017 and 2018
    assert meta[b"forcemap.zero_threshold_patents"] == b"12"
    assert float(meta[b"forcemap.zero_threshold_withheld"]) == pytest.approx(1.2)


def test_high_value_cohort_by_technology(pats: Store) -> None:
    """By CPC subclass and year every cohort of ``pats`` is a single patent: a cited one
    holds the whole top share (0.1 of a cohort of 1), an uncited one none; P5 has no class,
    so no cohort (null)."""
    t = high_value(pats, window=None, cohort="cpc_subclass")
    top = _values(t, "top")
    assert top["P1"] == pytest.approx(0.1) and top["P4"] == 0.0
    assert top["P5"] is None
    assert _values(t, "cohort_field")["P1"] == "H01L"


def test_real_store_no_high_value_patent(real_store: Store) -> None:
    """Issue 18: every forward citation in the USPTO sample is 0, so no patent is high
    value (before, the tie at zero was shared: 0.1 per patent, 15 units over 150 patents)."""
    t = high_value(real_store)
    assert t.num_rows == 150
    assert sum(v or 0 for v in t["forward_citations"].to_pylist()) == 0
    assert all(v == 0.0 for v in t["top"].to_pylist())
    assert t.schema.metadata[b"forcemap.zero_threshold_patents"] == b"150"


def test_patent_value_joins_all(pats: Store) -> None:
    """The joined table agrees with the single indicators, one row per patent."""
    t = patent_value(pats)
    assert t.schema == PATENT_VALUE_SCHEMA
    assert t["patent_id"].to_pylist() == ["P1", "P2", "P3", "P4", "P5", "P6"]
    row = t.to_pylist()[2]  # P3
    assert row["forward_citations"] == 1
    assert row["generality"] is None
    assert row["originality"] == pytest.approx(0.75)
    assert row["radicalness"] == pytest.approx(2 / 3)
    assert (row["patent_scope"], row["family_size"], row["claims"]) == (1, 1, 7)
    assert (row["backward_citations"], row["science_citations"]) == (2, 0)
    assert t.to_pylist()[0]["generality"] == pytest.approx(1.0)
    assert patent_value(pats, generality_window=5, correction=False).to_pylist()[0][
        "generality"
    ] == pytest.approx(0.5)


def test_empty_store(store: Store) -> None:
    """An empty store gives empty tables with the declared schemas."""
    assert forward_citations(store).schema == FORWARD_SCHEMA
    assert breakthrough(store).num_rows == 0
    assert generality(store).schema == DIVERSITY_SCHEMA
    assert originality(store).num_rows == 0
    assert radicalness(store).num_rows == 0
    assert patent_scope(store).num_rows == 0
    t = patent_value(store)
    assert t.schema == PATENT_VALUE_SCHEMA and t.num_rows == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window": 0},
        {"date": "priority"},
        {"cohort": "ipc"},
        {"top": 1.5},
        {"classes": "some"},
        {"generality_window": -2},
    ],
)
def test_bad_options(store: Store, kwargs: dict[str, Any]) -> None:
    """Options outside their allowed values raise InputError."""
    with pytest.raises(InputError):
        patent_value(store, **kwargs)


@pytest.mark.parametrize("kwargs", [{"cohort": "ipc"}, {"top": 0.0}, {"top": 1}, {"window": 0}])
def test_high_value_bad_options(store: Store, kwargs: dict[str, Any]) -> None:
    """high_value rejects options outside their allowed values."""
    with pytest.raises(InputError):
        high_value(store, **kwargs)


def test_family_size_uses_priority_linked_families(pats: Store) -> None:
    """P4 and P6 have no source family id; a shared priority claim makes them one family of
    2 (method priority); P5 stays unknown. P1, P2 keep their source family F1."""
    pats.con.execute(
        "INSERT INTO patent_priority VALUES ('P4', 1, 'DE', 'x', 'PRI:DE:12345', NULL, NULL), "
        "('P6', 1, 'DE', 'x', 'PRI:DE:12345', NULL, NULL)"
    )
    group_patent_families(pats.con)
    assert _values(family_size(pats)) == {
        "P1": 2, "P2": 2, "P3": 1, "P4": 2, "P5": None, "P6": 2
    }  # fmt: skip
