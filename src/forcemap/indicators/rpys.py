r"""Reference publication year spectroscopy (RPYS): the historical roots of a slice of works.

Marx, Bornmann, Barth & Leydesdorff (2014) count the cited references of a set of works by
the publication year of the cited work (RPY) and look for the years cited far more than their
neighbours: with :math:`n_t` the references to works of year :math:`t`, the deviation from the
5-year median is

.. math::

    d_t = n_t - \operatorname{median}(n_{t-2}, n_{t-1}, n_t, n_{t+1}, n_{t+2}),

and the peaks of :math:`d_t` point to the seminal works of the field. This module follows
bibliometrix's ``rpys`` (Aria & Cuccurullo 2017; ``R/rpys.R``) line by line:

- every (citing work, reference) pair of the slice counts once (a work's references are the
  distinct cited ids of ``work_references`` other than itself: a work listed among its own
  references, a data error of the source, is no reference, as in the science maps);
  references whose year is ≤ 1700 or after ``last_year`` (bibliometrix: the current year)
  are dropped, and counted;
- the series runs over every year from the first to the last reference year, years without
  references counting 0 (a true zero: every reference with a known year is counted);
- the centred median is R's ``runmed(n, k = 5, endrule = "median")``: the running median of
  five inside, and at the two ends Tukey's end-point rule (``smoothEnds``): the second value
  is the median of the first three, the first value the median of :math:`n_1`, the smoothed
  second value :math:`s_2` and the extrapolation :math:`3 s_2 - 2 s_3` (the same at the
  other end). Series shorter than five years use the median of the values available in
  :math:`t-2..t+2` (an even count averages the middle two);
- the backward median (Aria & Cuccurullo) takes :math:`t-4..t`, padding before the first
  year with the first count (series shorter than five: the values available);
- medians are computed on the whole series, then the rows are cut to the reference years
  ``rpy_start..rpy_end`` (default: the slice's last publication year :math:`Y` minus 100 to
  :math:`Y - 3`);
- ``deviation_plot`` is the chosen deviation floored at ``round(-0.05 max n_t)`` as
  bibliometrix draws it, and ``peak_rank`` ranks its local maxima (higher than both
  neighbours) from the highest, the first ten.

OpenAlex references are work ids, and a reference's year is known only when the cited work is
in the store (with a year). Those references cannot be placed on the spectrum; they are
counted in a last row with ``year`` NULL (and in the metadata), never as year 0 and never
dropped silently.

References
----------
Marx, W., Bornmann, L., Barth, A. & Leydesdorff, L. (2014). Detecting the historical roots of
research fields by reference publication year spectroscopy (RPYS). *JASIST* 65(4), 751–764.
doi:10.1002/asi.23089. Aria, M. & Cuccurullo, C. (2017). bibliometrix: An R-tool for
comprehensive science mapping analysis. *J. Informetrics* 11(4), 959–975.
doi:10.1016/j.joi.2017.08.007. Tukey, J. W. (1977). *Exploratory Data Analysis*.
Addison-Wesley (end-point rule of running medians).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Collection
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.errors import InputError, StoreError
from forcemap.indicators._registry import WORKS, Indicator
from forcemap.store.slices import create_work_slice
from forcemap.store.store import Store

__all__ = ["RPYS", "RPYS_SCHEMA", "backward_median", "centred_median", "rpys"]

RPYS_SCHEMA = pa.schema(
    [
        ("year", pa.int32()),
        ("citations", pa.int64()),
        ("median_centred", pa.float64()),
        ("deviation", pa.float64()),
        ("median_backward", pa.float64()),
        ("deviation_backward", pa.float64()),
        ("deviation_plot", pa.float64()),
        ("peak_rank", pa.int32()),
    ]
)
"""Output of :func:`rpys`: one row per reference publication year (ascending), then one row
with ``year`` NULL counting the references of unknown year (the other columns NULL). The
counts behind it are in the schema metadata under ``b"rpys"`` (JSON): ``citing_works``,
``references``, ``with_year``, ``unknown_year`` (of which ``outside_store``), ``out_of_range``,
``outside_timespan``, ``rpy_start``, ``rpy_end``, ``last_year``, ``median_window``."""

_REFS_SQL = """
WITH refs AS (
    SELECT DISTINCT r.citing_id, r.cited_id
    FROM work_references AS r JOIN _fm_works AS s ON s.work_id = r.citing_id
    WHERE r.cited_id <> r.citing_id),
cited AS (SELECT work_id, any_value(year) AS year FROM works GROUP BY work_id)
SELECT c.year, c.work_id IS NOT NULL AS in_store, count(*) AS n
FROM refs LEFT JOIN cited AS c ON c.work_id = refs.cited_id
GROUP BY ALL ORDER BY ALL
"""


def _median_available(counts: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Median of ``counts[i - lo .. i + hi]`` cut to the series (R's ``median``)."""
    n = len(counts)
    return np.array(
        [float(np.median(counts[max(0, i - lo) : min(n, i + hi + 1)])) for i in range(n)]
    )


def _med3(a: float, b: float, c: float) -> float:
    return float(np.median([a, b, c]))


def centred_median(counts: np.ndarray) -> np.ndarray:
    """R's ``runmed(counts, k = 5, endrule = "median")`` (bibliometrix's centred median).

    Inside, the median of :math:`t-2..t+2`; the ends by Tukey's rule (``stats::smoothEnds``).
    Fewer than five values: the median of those available in :math:`t-2..t+2`.

    >>> centred_median(np.array([1, 5, 2, 8, 3, 9, 4]))
    array([3., 3., 3., 5., 4., 4., 4.])
    """
    y = np.asarray(counts, dtype=np.float64)
    n = len(y)
    if n < 5:
        return _median_available(y, 2, 2)
    res = y.copy()
    res[2 : n - 2] = np.median(np.lib.stride_tricks.sliding_window_view(y, 5), axis=1)
    sm = res.copy()
    sm[1] = _med3(res[0], res[1], res[2])
    sm[n - 2] = _med3(res[n - 1], res[n - 2], res[n - 3])
    sm[0] = _med3(res[0], sm[1], 3 * sm[1] - 2 * sm[2])
    sm[n - 1] = _med3(res[n - 1], sm[n - 2], 3 * sm[n - 2] - 2 * sm[n - 3])
    return sm


def backward_median(counts: np.ndarray) -> np.ndarray:
    """bibliometrix's backward median of :math:`t-4..t`: the series padded in front with four
    copies of its first value; fewer than five values: the median of those available.

    >>> backward_median(np.array([1, 5, 2, 8, 3, 9, 4]))
    array([1., 1., 1., 2., 3., 5., 4.])
    """
    y = np.asarray(counts, dtype=np.float64)
    if len(y) < 5:
        return _median_available(y, 4, 0)
    padded = np.concatenate([np.repeat(y[:1], 4), y])
    return np.asarray(np.median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1))


def _peaks(d: np.ndarray, top: int = 10) -> np.ndarray:
    """Rank (1 = highest) of the first ``top`` local maxima of ``d`` (strictly above both
    neighbours; the ends are not peaks), ties by position; 0 elsewhere."""
    rank = np.zeros(len(d), dtype=np.int32)
    if len(d) < 3:
        return rank
    inner = np.nonzero((d[1:-1] > d[:-2]) & (d[1:-1] > d[2:]))[0] + 1
    order = inner[np.argsort(-d[inner], kind="stable")][:top]
    rank[order] = np.arange(1, len(order) + 1, dtype=np.int32)
    return rank


def rpys(
    store: Store,
    *,
    industry: str | None = None,
    field: str | None = None,
    concepts: Collection[str] | None = None,
    topics: Collection[str] | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
    rpy_start: int | None = None,
    rpy_end: int | None = None,
    last_year: int | None = None,
    median_window: Literal["centred", "backward"] = "centred",
) -> pa.Table:
    r"""Reference publication year spectroscopy of the works of a slice (Marx et al. 2014).

    .. math::

        d_t = n_t - \operatorname{median}(n_{t-2}, \dots, n_{t+2})

    Parameters
    ----------
    store : Store
    industry, field, concepts, topics
        The slice of citing works, as in :func:`forcemap.store.slices.create_work_slice`.
    start_year, end_year : int, optional
        Publication years of the citing works (inclusive; default: all).
    rpy_start, rpy_end : int, optional
        Reference years shown (default: the slice's last publication year :math:`Y` − 100 and
        :math:`Y` − 3, as bibliometrix); medians use the whole series.
    last_year : int, optional
        References to works published after it are dropped (and counted in
        ``out_of_range``); default: the current calendar year, as bibliometrix.
    median_window : {"centred", "backward"}, default "centred"
        The deviation drawn (``deviation_plot``) and whose peaks are ranked: centred
        :math:`t-2..t+2` (Marx et al.) or backward :math:`t-4..t` (Aria & Cuccurullo).

    Returns
    -------
    pyarrow.Table
        :data:`RPYS_SCHEMA`: ``year``, ``citations`` (:math:`n_t`), ``median_centred``,
        ``deviation`` (:math:`d_t`), ``median_backward``, ``deviation_backward``,
        ``deviation_plot``, ``peak_rank`` (1–10, NULL elsewhere); then the row of unknown
        year. Counts in the schema metadata ``b"rpys"``.

    Raises
    ------
    InputError
        A year range is reversed, or ``median_window`` is unknown.

    Notes
    -----
    Hand-worked (``tests/indicators/test_rpys.py``): counts 1, 5, 2, 8, 3, 9, 4 for 2000–2006.
    Inside, the medians of five are 3, 5, 4 (2002–2004); the end rule gives 2001 = med(1, 5,
    3) = 3, 2005 = med(4, 9, 4) = 4, then 2000 = med(1, 3, 3·3 − 2·3) = 3 and 2006 = med(4,
    4, 3·4 − 2·4) = 4: medians 3, 3, 3, 5, 4, 4, 4 and deviations −2, 2, −1, 3, −1, 5, 0.
    """
    if median_window not in ("centred", "backward"):
        raise InputError(f"median_window must be 'centred' or 'backward', not {median_window!r}")
    for name, a, b in (("start_year/end_year", start_year, end_year),
                       ("rpy_start/rpy_end", rpy_start, rpy_end)):  # fmt: skip
        if a is not None and b is not None and a > b:
            raise InputError(f"{name}: {a} is after {b} (give first <= last)")
    last = int(last_year) if last_year is not None else _dt.date.today().year
    cur = store.cursor()
    try:
        sl = create_work_slice(
            cur,
            industry=industry,
            field=field,
            concepts=concepts,
            topics=topics,
            years=None,
        )
        if start_year is not None or end_year is not None:
            cur.execute(
                """DELETE FROM _fm_works WHERE ($y0 IS NOT NULL AND (year IS NULL OR year < $y0))
                   OR ($y1 IS NOT NULL AND (year IS NULL OR year > $y1))""",
                {"y0": start_year, "y1": end_year},
            )
        n_works, max_py = cur.execute("SELECT count(*), max(year) FROM _fm_works").fetchall()[0]
        # the slice as used: its years and size after the publication-year bounds
        sl = {**sl, "years": [start_year, end_year], "works": int(n_works)}
        if start_year is None and end_year is None:
            sl["years"] = None
        rows = cur.execute(_REFS_SQL).fetchall()
    except duckdb.Error as e:
        raise StoreError(f"RPYS query failed on {store.path}: {e}") from e
    finally:
        cur.close()
    total = sum(int(r[2]) for r in rows)
    outside_store = sum(int(r[2]) for r in rows if not r[1])
    unknown = sum(int(r[2]) for r in rows if r[0] is None)
    known = [(int(r[0]), int(r[2])) for r in rows if r[0] is not None]
    in_range = [(y, n) for y, n in known if 1700 < y <= last]
    out_of_range = sum(n for y, n in known if not 1700 < y <= last)
    lo_default = int(max_py) - 100 if max_py is not None else None
    hi_default = int(max_py) - 3 if max_py is not None else None
    t0 = rpy_start if rpy_start is not None else lo_default
    t1 = rpy_end if rpy_end is not None else hi_default
    table, outside = _spectrum(in_range, t0, t1, median_window)
    meta: dict[str, Any] = {
        "slice": sl,
        "citing_works": int(n_works),
        "references": total,
        "with_year": sum(n for _, n in in_range),
        "unknown_year": unknown,
        "outside_store": outside_store,
        "out_of_range": out_of_range,
        "outside_timespan": outside,
        "rpy_start": t0,
        "rpy_end": t1,
        "last_year": last,
        "median_window": median_window,
    }
    unknown_row = pa.table(
        {
            name: pa.array([unknown if name == "citations" else None], type=f.type)
            for name, f in zip(RPYS_SCHEMA.names, RPYS_SCHEMA, strict=True)
        },
        schema=RPYS_SCHEMA,
    )
    out = pa.concat_tables([table, unknown_row])
    return out.replace_schema_metadata({b"rpys": json.dumps(meta).encode()})


def _spectrum(
    counts: list[tuple[int, int]], t0: int | None, t1: int | None, window: str
) -> tuple[pa.Table, int]:
    """The RPYS rows of ``(year, n)`` pairs (distinct years) cut to ``t0..t1``, and the
    references left out by the cut."""
    if not counts:
        return RPYS_SCHEMA.empty_table(), 0
    years_known = np.array([y for y, _ in counts])
    first, last = int(years_known.min()), int(years_known.max())
    years = np.arange(first, last + 1)
    n = np.zeros(len(years), dtype=np.int64)
    n[years_known - first] = [c for _, c in counts]
    med_c = centred_median(n)
    med_b = backward_median(n)
    keep = np.ones(len(years), dtype=bool)
    if t0 is not None:
        keep &= years >= t0
    if t1 is not None:
        keep &= years <= t1
    outside = int(n[~keep].sum())
    years, n, med_c, med_b = years[keep], n[keep], med_c[keep], med_b[keep]
    dev_c, dev_b = n - med_c, n - med_b
    chosen = dev_c if window == "centred" else dev_b
    floor = float(np.round(n.max() * -0.05)) if len(n) else 0.0
    plot = np.where(chosen > floor, chosen, floor)
    rank = _peaks(plot)
    table = pa.table(
        {
            "year": pa.array(years, pa.int32()),
            "citations": pa.array(n, pa.int64()),
            "median_centred": pa.array(med_c, pa.float64()),
            "deviation": pa.array(dev_c, pa.float64()),
            "median_backward": pa.array(med_b, pa.float64()),
            "deviation_backward": pa.array(dev_b, pa.float64()),
            "deviation_plot": pa.array(plot, pa.float64()),
            "peak_rank": pa.array([int(r) if r else None for r in rank], pa.int32()),
        },
        schema=RPYS_SCHEMA,
    )
    return table, outside


RPYS = Indicator("rpys", rpys, inputs=lambda params: WORKS)
"""``forcemap indicators rpys``: reference publication year spectroscopy of a slice."""
