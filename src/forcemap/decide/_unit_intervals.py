"""Stability intervals of per-unit ratios (MNCS, PP(top 10 %), a holder's share) by a
bootstrap over each unit's own documents.

A private helper of the actor, talent and landscape decisions, on the shared floor
(:func:`forcemap.decide._evidence.interval`, the draws and seed of
:func:`~forcemap.decide._evidence.bootstrap_sums`): the documents of every unit are
resampled with replacement *within the unit* (each of a unit's *m* rows draws one of its *m*
rows uniformly — the stratified bootstrap of ``bootstrap_sums(..., strata=unit)``, vectorised
over thousands of small units), and the ratio ``sum(numerator) / sum(denominator)`` is
recomputed on each draw — the Leiden Ranking's stability interval (Waltman et al. 2012,
JASIST 63(12), §2.6) applied to each organisation, scientist or holder separately.
"""

from __future__ import annotations

import numpy as np

from forcemap.decide._evidence import BOOTSTRAP_DRAWS, BOOTSTRAP_LEVEL, BOOTSTRAP_SEED, interval

__all__ = ["unit_ratio_intervals"]


def unit_ratio_intervals(
    unit: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
    n_units: int,
    *,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = BOOTSTRAP_SEED,
    level: float = BOOTSTRAP_LEVEL,
    chunk: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``level`` interval of ``sum(numerator) / sum(denominator)`` for every unit.

    Parameters
    ----------
    unit : array of int
        The unit (0 … ``n_units`` − 1) of each document row; a document of two units is two
        rows.
    numerator, denominator : array of float
        Each row's contribution (e.g. ``weight × NCS`` and ``weight`` for an MNCS).
    n_units : int
        The number of units; a unit without rows gets NaN bounds.

    Returns
    -------
    (low, high) : arrays of length ``n_units``
        NaN where a unit has no rows (no evidence, no interval).

    Examples
    --------
    >>> lo, hi = unit_ratio_intervals(np.array([0, 0, 1]), np.array([1.0, 1.0, 2.0]),
    ...                               np.ones(3), 2, draws=50)
    >>> lo.tolist(), hi.tolist()
    ([1.0, 2.0], [1.0, 2.0])
    """
    u = np.asarray(unit, dtype=np.int64)
    n = len(u)
    low = np.full(n_units, np.nan)
    high = np.full(n_units, np.nan)
    if n == 0 or n_units == 0:
        return low, high
    order = np.argsort(u, kind="stable")
    us = u[order]
    num = np.asarray(numerator, dtype=float)[order]
    den = np.asarray(denominator, dtype=float)[order]
    units, starts, sizes = np.unique(us, return_index=True, return_counts=True)
    start_of = np.repeat(starts, sizes)  # each row's unit start, in sorted order
    size_of = np.repeat(sizes, sizes)
    rng = np.random.default_rng(seed)
    ratio = np.empty((draws, len(units)))
    for lo_d in range(0, draws, chunk):
        k = min(chunk, draws - lo_d)
        # every row draws a row of its own unit: m draws with replacement per unit
        pick = start_of + np.floor(rng.random((k, n)) * size_of).astype(np.int64)
        s_num = np.add.reduceat(num[pick], starts, axis=1)
        s_den = np.add.reduceat(den[pick], starts, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio[lo_d : lo_d + k] = np.where(s_den > 0, s_num / s_den, np.nan)
    lo, hi = interval(ratio, level=level)
    low[units], high[units] = lo, hi
    return low, high
