"""The evidence discipline every decision shares: counts that carry their denominators and
coverage, the *insufficient evidence* outcome, stability intervals by bootstrap over
documents, labels that say *borderline* when an interval straddles a threshold, and the
detection of incomplete first or last years.

The rules, stated once for all decisions:

* **No evidence is not zero.** A figure whose denominator is zero (no world evidence) is
  ``None`` (NULL in a table), never 0; a side or component without enough world evidence is
  dropped from a composite and the drop is said.
* **Unknown stays unknown.** An attribute that is missing (a holder's country, an
  organisation's type, a year) is counted as *unknown*, never as foreign, "other" or zero;
  each decision reports its coverage (the share of the evidence whose attribute is known)
  and does not label below a coverage threshold.
* **Below the minimums, no label.** A class, a bottleneck, a watch entry or a listed actor
  needs minimum counts (parameters of each decision); below them the outcome is
  :data:`INSUFFICIENT` with the counts that were missing (:func:`insufficient`).
* **Uncertainty you can see.** Shares, levels and means carry a stability interval: the
  documents are resampled with replacement (:func:`bootstrap_sums`), the figure is recomputed
  on each draw, and the interval is the central ``level`` quantile range (:func:`interval`).
  This is the Leiden Ranking's stability interval (Waltman et al. 2012, "The Leiden Ranking
  2011/2012: data collection, indicators, and interpretation", JASIST 63(12), §2.6: 1,000
  bootstrap samples of a university's publications, the 2.5th and 97.5th percentiles).
  A label whose interval straddles a threshold is ``borderline (a/b)``
  (:func:`interval_label`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = [
    "BOOTSTRAP_DRAWS",
    "BOOTSTRAP_LEVEL",
    "BOOTSTRAP_SEED",
    "INSUFFICIENT",
    "Shortfall",
    "bootstrap_sums",
    "coverage",
    "incomplete_years",
    "insufficient",
    "interval",
    "interval_label",
    "partial_years",
    "ratio",
    "shortfalls",
]

#: The outcome of a decision row whose evidence is below a minimum.
INSUFFICIENT = "insufficient evidence"
#: Bootstrap draws, confidence level and seed of the stability intervals (the Leiden
#: Ranking's 1,000 draws and 95 % interval; a fixed seed keeps results reproducible).
BOOTSTRAP_DRAWS = 1000
BOOTSTRAP_LEVEL = 0.95
BOOTSTRAP_SEED = 20130101


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or ``None`` (no evidence) when the denominator is
    missing or zero: a share of nothing is unknown, not 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if isinstance(denominator, float) and math.isnan(denominator):
        return None
    return float(numerator) / float(denominator)


def coverage(known: float | None, total: float | None) -> float | None:
    """The share of the evidence whose attribute is known (``known / total``), ``None`` when
    there is no evidence at all."""
    return ratio(known, total)


@dataclass(frozen=True)
class Shortfall:
    """One minimum that a row's evidence does not reach: ``what`` (e.g. "top works"),
    the count it has and the minimum it needs."""

    what: str
    have: float
    need: float

    def __str__(self) -> str:
        return f"{self.what} {_num(self.have)} < {_num(self.need)}"


def _num(x: float) -> str:
    x = float(x)
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.1f}" if abs(x) >= 1 else f"{x:.2f}"


def shortfalls(
    counts: Mapping[str, float | None], minimums: Mapping[str, float]
) -> list[Shortfall]:
    """The minimums a row's ``counts`` do not reach (a missing count counts as 0 here: it
    is evidence the row does not have). Keys of ``minimums`` absent from ``counts`` are
    shortfalls of 0."""
    out = []
    for what, need in minimums.items():
        have = counts.get(what)
        h = 0.0 if have is None or (isinstance(have, float) and math.isnan(have)) else have
        if h < need:
            out.append(Shortfall(what, float(h), float(need)))
    return out


def insufficient(missing: Sequence[Shortfall]) -> str:
    """The *insufficient evidence* outcome with the counts that were missing, e.g.
    ``insufficient evidence (top works 2.2 < 10)``; :data:`INSUFFICIENT` alone when
    ``missing`` is empty."""
    if not missing:
        return INSUFFICIENT
    return f"{INSUFFICIENT} ({'; '.join(str(m) for m in missing)})"


def bootstrap_sums(
    values: np.ndarray | sp.spmatrix | sp.sparray,
    *,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = BOOTSTRAP_SEED,
    strata: np.ndarray | None = None,
    chunk: int = 100,
) -> np.ndarray:
    """Column sums of ``values`` (documents × quantities) over ``draws`` bootstrap
    resamples of its rows: an array ``draws × quantities``.

    Each draw takes ``n`` documents with replacement (multinomial weights), so the sum of a
    quantity over a draw is ``weights @ values``. Any indicator that is a function of sums
    over documents (a share = sum of X's top documents ÷ sum of the world's; a mean = sum of
    scores ÷ count; a level = X's share ÷ the best country's share) is recomputed on each
    draw from these sums, which keeps the resampling of numerator and denominator joint.
    ``strata`` (one integer label per document, e.g. the publication year) resamples within
    each stratum, so that a period keeps its size. Row order does not matter; the result is
    reproducible for a given ``seed``.
    """
    mat = sp.csr_array(values) if sp.issparse(values) else np.asarray(values, dtype=float)
    if mat.ndim == 1:
        mat = mat.reshape(-1, 1) if not sp.issparse(mat) else mat
    n, k = mat.shape
    out = np.zeros((draws, k))
    if n == 0 or draws <= 0:
        return out
    rng = np.random.default_rng(seed)
    groups = (
        [np.arange(n)]
        if strata is None
        else [np.flatnonzero(strata == s) for s in np.unique(np.asarray(strata))]
    )
    for start in range(0, draws, chunk):
        stop = min(draws, start + chunk)
        w = np.zeros((stop - start, n))
        for idx in groups:
            m = len(idx)
            w[:, idx] = rng.multinomial(m, np.full(m, 1.0 / m), size=stop - start)
        out[start:stop] = np.asarray(mat.T @ w.T).T if sp.issparse(mat) else w @ mat
    return out


def interval(
    samples: np.ndarray, *, level: float = BOOTSTRAP_LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` interval of bootstrap ``samples`` (draws × quantities): the
    ``(1-level)/2`` and ``(1+level)/2`` quantiles per column, ignoring NaN draws (a draw in
    which a figure has no evidence). A column with no finite draw gives NaN bounds."""
    a = np.asarray(samples, dtype=float)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    lo = np.full(a.shape[1], np.nan)
    hi = np.full(a.shape[1], np.nan)
    ok = np.isfinite(a).any(axis=0)
    if ok.any():
        q = np.nanquantile(a[:, ok], [(1 - level) / 2, (1 + level) / 2], axis=0)
        lo[ok], hi[ok] = q[0], q[1]
    return lo, hi


def interval_label(classify: Callable[[float], str], low: float, high: float, point: float) -> str:
    """The label of a figure with its interval: ``classify(point)`` when both ends of the
    interval get the same label, else ``borderline (a/b)`` naming the labels of the two
    ends (higher end first). A NaN bound (no interval) keeps the point's label."""
    here = classify(point)
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        return here
    a, b = classify(high), classify(low)
    if a == b == here:
        return here
    labels = list(dict.fromkeys([a, here, b]))
    return f"borderline ({'/'.join(labels)})"


def partial_years(
    volume: Mapping[int, float],
    *,
    last_date: Any = None,
    ratio_below: float = 0.5,
    trailing: int = 3,
) -> tuple[int, ...]:
    """The first and last years of a series that are incomplete in the store, judged from
    the data itself.

    The last year is partial when its volume is below ``ratio_below`` × the median of the
    ``trailing`` years before it, or when the store's latest date in that year
    (``last_date``, a ``datetime.date``) falls before 1 December. The first year is partial
    when its volume is below ``ratio_below`` × the median of the ``trailing`` years after
    it. Years with no volume inside the span count as 0. Returns the partial years (none,
    one or both ends), sorted.
    """
    years = sorted(y for y, v in volume.items() if v is not None)
    if len(years) < 2:
        return ()
    out: list[int] = []
    first, last = years[0], years[-1]

    def low(year: int, others: list[int]) -> bool:
        ref = [float(volume.get(y) or 0.0) for y in others]
        if not ref:
            return False
        return float(volume.get(year) or 0.0) < ratio_below * float(np.median(ref))

    after = [y for y in range(first + 1, first + 1 + trailing) if y <= last]
    if low(first, after):
        out.append(first)
    before = [y for y in range(last - trailing, last) if y >= first]
    if last != first and (
        low(last, before)
        or (
            last_date is not None
            and getattr(last_date, "year", None) == last
            and (last_date.month, last_date.day) < (12, 1)
        )
    ):
        out.append(last)
    return tuple(sorted(set(out)))


def incomplete_years(
    volume: Mapping[int, float],
    last_dates: Mapping[int, Any] | None = None,
    *,
    mode: str = "auto",
    complete_through: int | None = None,
    ratio_below: float = 0.5,
    trailing: int = 3,
    noun: str = "works",
) -> dict[int, str]:
    """The incomplete years of a yearly ``volume`` (the store's works per year), each with
    the reason in words, judged from the data (:func:`partial_years`).

    The last end is tested repeatedly: when the last year is partial (volume below
    ``ratio_below`` × the median of the ``trailing`` years before it, or its latest
    publication date in ``last_dates`` before 1 December) it is set aside and the year before
    is tested the same way, as an indexing lag can span more than one year (the last year
    is tested whenever the series has two years; a further year only while ``trailing`` + 1
    years remain). The first end is tested once (volume below
    ``ratio_below`` × the median of the ``trailing`` years after it). ``mode="keep"``
    detects nothing; ``complete_through`` declares every later year incomplete instead of
    detecting the last end. ``noun`` names what ``volume`` counts in the reasons.

    Examples
    --------
    >>> incomplete_years({2018: 408, 2019: 517, 2020: 1321, 2021: 256, 2022: 56})
    ... # doctest: +NORMALIZE_WHITESPACE
    {2022: '2022 looks incomplete (56 works vs 517, the median of 2019–2021)',
     2021: '2021 looks incomplete (256 works vs 517, the median of 2018–2020)'}
    >>> incomplete_years({2019: 10, 2020: 10, 2021: 10}, complete_through=2020)
    {2021: '2021 is after complete_through = 2020'}
    """

    years = sorted(y for y, v in volume.items() if v is not None)
    out: dict[int, str] = {}
    if not years:
        return out
    dates = last_dates or {}
    first, last = years[0], years[-1]
    if complete_through is not None:
        for y in range(max(first, complete_through + 1), last + 1):
            out[y] = f"{y} is after complete_through = {complete_through}"
        last = min(last, complete_through)
    if mode == "keep":
        return out

    def vol(y: int) -> float:
        return float(volume.get(y) or 0.0)

    def median(ys: range) -> float:
        return float(np.median([vol(y) for y in ys]))

    steps = 0
    while complete_through is None and last > first and (steps == 0 or last - first >= trailing):
        steps += 1
        span = {y: vol(y) for y in range(first, last + 1)}
        if last not in partial_years(
            span, last_date=dates.get(last), ratio_below=ratio_below, trailing=trailing
        ):
            break
        ref = range(max(first, last - trailing), last)
        if vol(last) < ratio_below * median(ref):
            out[last] = (
                f"{last} looks incomplete ({_num(vol(last))} {noun} vs {_num(median(ref))}, "
                f"{_median_of(ref)})"
            )
        else:
            out[last] = f"{last} looks incomplete (latest date {dates[last]})"
        last -= 1
    if last - first >= trailing:
        span = {y: vol(y) for y in range(first, last + 1)}
        if first in partial_years(span, ratio_below=ratio_below, trailing=trailing):
            ref = range(first + 1, min(last, first + trailing) + 1)
            out[first] = (
                f"{first} looks incomplete ({_num(vol(first))} {noun} vs {_num(median(ref))}, "
                f"{_median_of(ref)})"
            )
    return out


def _median_of(years: range) -> str:
    """``the median of 2018–2020``, or ``2020`` alone for one year."""
    if len(years) == 1:
        return f"that of {years[0]}"
    return f"the median of {years[0]}–{years[-1]}"
