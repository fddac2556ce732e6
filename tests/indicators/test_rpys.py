"""Reference publication year spectroscopy: hand-worked stores (bibliometrix's rules: R's
``runmed(k = 5, endrule = "median")``, the backward median, the 100-year window, peaks) and
the real SYNERGY sample checked against an independent count of its references."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from forcemap.errors import InputError
from forcemap.indicators import compute_indicator
from forcemap.indicators.rpys import RPYS_SCHEMA, backward_median, centred_median, rpys
from forcemap.store import Store

COUNTS = {2000: 1, 2001: 5, 2002: 2, 2003: 8, 2004: 3, 2005: 9, 2006: 4}


def _work(store: Store, wid: str, year: int | None) -> None:
    store.con.execute(
        "INSERT INTO works (work_id, title, year, origin, batch_id) VALUES (?, ?, ?, 'test', 0)",
        [wid, wid, year],
    )


def _cite(store: Store, citing: str, cited: str) -> None:
    store.con.execute("INSERT INTO work_references VALUES (?, ?)", [citing, cited])


def _spectrum_store(store: Store) -> None:
    """Nine citing works of 2010 (C1..C9); the cited work of year y is cited by the first
    COUNTS[y] of them. C1 also cites an id outside the store, a stored work without a year, a
    work of 1650, and R2003 twice (one reference)."""
    for i in range(1, 10):
        _work(store, f"C{i}", 2010)
    for y, n in COUNTS.items():
        _work(store, f"R{y}", y)
        for i in range(1, n + 1):
            _cite(store, f"C{i}", f"R{y}")
    _work(store, "RNULL", None)
    _work(store, "R1650", 1650)
    for cited in ("W_OUTSIDE", "RNULL", "R1650", "R2003"):
        _cite(store, "C1", cited)


def _meta(t: object) -> dict:
    return json.loads(t.schema.metadata[b"rpys"])  # type: ignore[attr-defined]


def test_medians_by_hand() -> None:
    """1, 5, 2, 8, 3, 9, 4: inside 3, 5, 4; end rule: med(1, 5, 3) = 3, med(4, 9, 4) = 4,
    then med(1, 3, 3·3 − 2·3) = 3 and med(4, 4, 3·4 − 2·4) = 4. Backward: padded 1 1 1 1."""
    y = np.array(list(COUNTS.values()))
    assert centred_median(y).tolist() == [3, 3, 3, 5, 4, 4, 4]
    assert backward_median(y).tolist() == [1, 1, 1, 2, 3, 5, 4]
    # fewer than five years: medians of what is available (even counts average the middle)
    assert centred_median(np.array([2, 4, 1, 7])).tolist() == [2, 3, 3, 4]
    assert backward_median(np.array([2, 4, 1, 7])).tolist() == [2, 3, 2, 3]
    # the end rule's extrapolation matters: 0 0 10 0 0 0 → s2 = med(0, 0, 0) = 0, inside 0 0,
    # 1st = med(0, 0, 0); a rising series 1 2 3 4 5 6 keeps its ends (3·2 − 2·3 = 0 → med 1)
    assert centred_median(np.array([1, 2, 3, 4, 5, 6])).tolist() == [1, 2, 3, 4, 5, 6]
    assert centred_median(np.array([0, 0, 10, 0, 0, 0])).tolist() == [0, 0, 0, 0, 0, 0]


def test_rpys_hand_worked(store: Store) -> None:
    _spectrum_store(store)
    t = rpys(store, last_year=2025)
    assert t.schema.remove_metadata() == RPYS_SCHEMA
    rows = t.to_pylist()
    known, unknown = rows[:-1], rows[-1]
    assert [r["year"] for r in known] == list(COUNTS)
    assert [r["citations"] for r in known] == list(COUNTS.values())
    assert [r["median_centred"] for r in known] == [3, 3, 3, 5, 4, 4, 4]
    assert [r["deviation"] for r in known] == [-2, 2, -1, 3, -1, 5, 0]
    assert [r["deviation_backward"] for r in known] == [0, 4, 1, 6, 0, 4, 0]
    # floor round(-0.05 · 9) = 0: peaks of 0 2 0 3 0 5 0 are 2005, 2003, 2001
    assert [r["deviation_plot"] for r in known] == [0, 2, 0, 3, 0, 5, 0]
    assert [r["peak_rank"] for r in known] == [None, 3, None, 2, None, 1, None]
    # the unknown row: W_OUTSIDE (not in the store) and RNULL (no year); never year 0
    assert unknown["year"] is None and unknown["citations"] == 2
    assert unknown["median_centred"] is None and unknown["deviation"] is None
    m = _meta(t)
    assert m["references"] == 32 + 3  # 32 distinct pairs to R2000..R2006 (R2003 once) + 3
    assert (m["with_year"], m["unknown_year"], m["outside_store"]) == (32, 2, 1)
    assert (m["out_of_range"], m["outside_timespan"], m["citing_works"]) == (1, 0, 9 + 9)
    assert (m["rpy_start"], m["rpy_end"]) == (2010 - 100, 2010 - 3)


def test_rpys_window_and_options(store: Store) -> None:
    """Medians use the whole series before the cut to rpy_start..rpy_end; the backward
    window drives the plotted deviation; last_year drops later references."""
    _spectrum_store(store)
    t = rpys(store, rpy_start=2002, rpy_end=2005, last_year=2025)
    rows = t.to_pylist()[:-1]
    assert [r["year"] for r in rows] == [2002, 2003, 2004, 2005]
    assert [r["median_centred"] for r in rows] == [3, 5, 4, 4]
    assert _meta(t)["outside_timespan"] == 1 + 5 + 4
    b = rpys(store, median_window="backward", last_year=2025).to_pylist()[:-1]
    assert [r["deviation_plot"] for r in b] == [0, 4, 1, 6, 0, 4, 0]
    # 0 4 1 6 0 4 0: peaks 2003 (6), then the tie 2001 = 2005 = 4 by year
    assert [r["peak_rank"] for r in b] == [None, 2, None, 1, None, 3, None]
    late = rpys(store, last_year=2004)
    assert [r["year"] for r in late.to_pylist()[:-1]] == [2000, 2001, 2002, 2003, 2004]
    assert _meta(late)["out_of_range"] == 1 + 9 + 4
    # citing works of 2011 and later: none, so no references at all
    none = rpys(store, start_year=2011)
    assert none.num_rows == 1 and none.to_pylist()[0]["citations"] == 0
    with pytest.raises(InputError, match="median_window"):
        rpys(store, median_window="forward")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="rpy_start"):
        rpys(store, rpy_start=2005, rpy_end=2000)


def test_gap_years_count_zero(store: Store) -> None:
    """References to 2000 (twice) and 2003: 2001 and 2002 are in the series with 0, a true
    zero (every reference with a year is counted)."""
    _work(store, "A", 2010)
    _work(store, "B", 2010)
    for wid, y in (("X", 2000), ("Y", 2003)):
        _work(store, wid, y)
    for citing, cited in (("A", "X"), ("B", "X"), ("A", "Y")):
        _cite(store, citing, cited)
    rows = rpys(store, last_year=2025).to_pylist()
    assert [(r["year"], r["citations"]) for r in rows] == [
        (2000, 2), (2001, 0), (2002, 0), (2003, 1), (None, 0)
    ]  # fmt: skip
    # fewer than five years: [2, 0, 0] → 0; [2, 0, 0, 1] → (0 + 1) / 2; [0, 0, 1] → 0
    assert [r["median_centred"] for r in rows[:-1]] == [0, 0.5, 0.5, 0]


def test_rpys_on_synergy_matches_an_independent_count(synergy_store: Store) -> None:
    """Every distinct (citing, cited) pair of the sample but self-references (20 works list
    themselves), its cited year looked up in Python: the spectrum's counts per year, the
    unknown row and the metadata add up to all of them."""
    con = synergy_store.con
    years = dict(con.execute("SELECT work_id, year FROM works").fetchall())
    rows_all = con.execute("SELECT citing_id, cited_id FROM work_references").fetchall()
    pairs = {(a, b) for a, b in rows_all if a != b}
    assert len(set(rows_all)) - len(pairs) == 20  # the sample's self-references
    by_year = Counter(years[c] for _, c in pairs if years.get(c) is not None)
    unknown = sum(1 for _, c in pairs if years.get(c) is None)
    t = compute_indicator(synergy_store, "rpys", rpy_start=1000, rpy_end=3000, last_year=2025)
    rows = t.to_pylist()
    got = {r["year"]: r["citations"] for r in rows[:-1] if r["citations"]}
    assert got == {y: n for y, n in by_year.items() if 1700 < y <= 2025}
    assert rows[-1]["citations"] == unknown > 0
    m = _meta(t)
    assert m["references"] == len(pairs)
    assert m["with_year"] + m["unknown_year"] + m["out_of_range"] == len(pairs)
    assert m["outside_store"] == sum(1 for _, c in pairs if c not in years)
    # the deviation is the count minus its median, year by year
    assert all(r["deviation"] == r["citations"] - r["median_centred"] for r in rows[:-1])


def test_year_bounds_are_the_slice_recorded(synergy_store: Store) -> None:
    """Publication-year bounds narrow the citing works, and the metadata's slice says so
    (it kept the unbounded slice's 7,518 works and no years before)."""
    m = _meta(compute_indicator(synergy_store, "rpys", start_year=1900, end_year=1910))
    assert m["citing_works"] == 0 and m["slice"]["works"] == 0
    assert m["slice"]["years"] == [1900, 1910]
    m = _meta(compute_indicator(synergy_store, "rpys", start_year=2015))
    n = synergy_store.scalar("SELECT count(*) FROM works WHERE year >= 2015")
    assert m["citing_works"] == m["slice"]["works"] == n and m["slice"]["years"] == [2015, None]
