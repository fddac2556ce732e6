"""The shared evidence floor: ratios, shortfalls, bootstrap intervals, borderline labels and
incomplete years, each on a hand-worked case."""

from __future__ import annotations

import datetime as dt

import numpy as np
import scipy.sparse as sp

from forcemap.decide._evidence import (
    INSUFFICIENT,
    bootstrap_sums,
    coverage,
    incomplete_years,
    insufficient,
    interval,
    interval_label,
    partial_years,
    ratio,
    shortfalls,
)


def test_no_evidence_is_none_not_zero() -> None:
    assert ratio(3, 4) == 0.75
    assert ratio(0, 4) == 0.0
    assert ratio(0, 0) is None
    assert ratio(None, 5) is None
    assert coverage(12, 128) == 12 / 128
    assert coverage(0, 0) is None


def test_shortfalls_and_the_insufficient_outcome() -> None:
    missing = shortfalls({"top works": 2.2, "patents": None}, {"top works": 10, "patents": 5})
    assert [(m.what, m.have, m.need) for m in missing] == [
        ("top works", 2.2, 10.0),
        ("patents", 0.0, 5.0),
    ]
    assert insufficient(missing) == f"{INSUFFICIENT} (top works 2.2 < 10; patents 0 < 5)"
    assert insufficient([]) == INSUFFICIENT
    assert shortfalls({"top works": 12}, {"top works": 10}) == []


def test_bootstrap_sums_resample_rows_jointly() -> None:
    # every document contributes (1, 1): every draw of n documents sums to (n, n)
    vals = np.ones((7, 2))
    s = bootstrap_sums(vals, draws=50)
    assert s.shape == (50, 2)
    assert np.all(s == 7)
    # a share is the ratio of two column sums: documents (1, 1) and (0, 1); the share of
    # column 0 in column 1 varies between draws but stays within [0, 1], centred near 1/2
    vals = np.array([[1, 1], [0, 1]] * 50, dtype=float)
    s = bootstrap_sums(vals, draws=400, seed=1)
    share = s[:, 0] / s[:, 1]
    assert 0.4 < share.mean() < 0.6
    lo, hi = interval(share)
    assert lo[0] < 0.5 < hi[0]
    # sparse input gives the same sums as dense; the same seed, the same draws
    dense = bootstrap_sums(vals, draws=20, seed=3)
    assert np.allclose(bootstrap_sums(sp.csr_array(vals), draws=20, seed=3), dense)


def test_bootstrap_strata_keep_each_stratum_size() -> None:
    vals = np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 5)
    strata = np.array([0] * 3 + [1] * 5)
    s = bootstrap_sums(vals, draws=30, strata=strata)
    assert np.all(s[:, 0] == 3) and np.all(s[:, 1] == 5)


def test_interval_ignores_draws_without_evidence() -> None:
    samples = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan]])
    lo, hi = interval(samples, level=1.0)
    assert (lo[0], hi[0]) == (1.0, 3.0)
    assert np.isnan(lo[1]) and np.isnan(hi[1])


def test_interval_label_says_borderline() -> None:
    def cls(level: float) -> str:
        return "parallel" if level >= 80 else "catch-up"

    assert interval_label(cls, 85, 95, 90) == "parallel"
    assert interval_label(cls, 70, 90, 82) == "borderline (parallel/catch-up)"
    assert interval_label(cls, 70, 90, 75) == "borderline (parallel/catch-up)"
    assert interval_label(cls, float("nan"), float("nan"), 75) == "catch-up"


def test_partial_years_from_volume_and_dates() -> None:
    # Canada's case: 2022 holds 56 works against ~1,300 in the years before
    volume = {2018: 1200, 2019: 1250, 2020: 1321, 2021: 1290, 2022: 56}
    assert partial_years(volume) == (2022,)
    # a complete series
    assert partial_years({2019: 10, 2020: 11, 2021: 9}) == ()
    # the store's last date says the last year stops in June, whatever its volume
    assert partial_years({2019: 10, 2020: 11, 2021: 9}, last_date=dt.date(2021, 6, 30)) == (2021,)
    # a thin first year
    assert partial_years({2000: 1, 2001: 40, 2002: 41, 2003: 39}) == (2000,)
    assert partial_years({2020: 5}) == ()


def test_incomplete_years_hand_worked() -> None:
    """The last end is peeled while it is below half the median of the 3 years before it;
    the first end is tested once against the 3 years after it; a date before December
    marks the last year; ``keep`` and ``complete_through`` override the detection."""
    import datetime as dt

    vol = {2017: 437, 2018: 408, 2019: 517, 2020: 1321, 2021: 256, 2022: 56}
    got = incomplete_years(vol)
    # 56 < ½·517 (2019–2021); then 256 < ½·median(408, 517, 1321) = 258.5; 1321 is complete
    assert sorted(got) == [2021, 2022]
    assert got[2022] == "2022 looks incomplete (56 works vs 517, the median of 2019–2021)"
    assert got[2021] == "2021 looks incomplete (256 works vs 517, the median of 2018–2020)"
    assert incomplete_years(vol, mode="keep") == {}
    assert incomplete_years(vol, ratio_below=0.1) == {}  # 56 ≥ 0.1·517
    declared = incomplete_years(vol, complete_through=2020)
    assert sorted(declared) == [2021, 2022]
    assert declared[2021] == "2021 is after complete_through = 2020"
    # the first year: 10 < ½·median(100, 110, 120); a flat series has none
    assert sorted(incomplete_years({2000: 10, 2001: 100, 2002: 110, 2003: 120})) == [2000]
    assert incomplete_years({y: 100 for y in range(2000, 2010)}) == {}
    # a last date before 1 December marks the last year, whatever its volume
    dated = incomplete_years({y: 100 for y in range(2000, 2006)}, {2005: dt.date(2005, 8, 30)})
    assert dated == {2005: "2005 looks incomplete (latest date 2005-08-30)"}
    # two years are enough to judge the last one (one more step needs trailing + 1 years)
    assert incomplete_years({2020: 100, 2021: 1}) == {
        2021: "2021 looks incomplete (1 works vs 100, that of 2020)"
    }
    assert incomplete_years({2021: 1}) == {}
    # the noun names what the volume counts
    assert incomplete_years({2020: 100, 2021: 1}, noun="patents")[2021].startswith(
        "2021 looks incomplete (1 patents vs 100"
    )
