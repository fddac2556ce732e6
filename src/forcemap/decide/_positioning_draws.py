"""The bootstrap of positioning (:mod:`forcemap.decide.positioning`): the documents of each
unit and side are resampled with replacement (the Leiden Ranking's stability intervals,
Waltman et al. 2012, JASIST 63(12), doi:10.1002/asi.22708), the levels recomputed on each
draw, and the 95 % interval and the *effective level* (100 for a leading country, else L) of
every draw returned for the classification."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from forcemap.decide._evidence import bootstrap_sums, interval
from forcemap.decide._scope import register
from forcemap.decide.params import PositioningParams


def floats(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A float column as a numpy array, NULL as NaN."""
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)


def leading(
    lv: np.ndarray, lp: np.ndarray, lt: np.ndarray, best: np.ndarray, other: float
) -> np.ndarray:
    """The leading condition, elementwise (NaN levels compare False)."""
    with np.errstate(invalid="ignore"):
        top_p, top_t = lp >= 100 - EPS, lt >= 100 - EPS
        return np.asarray(best | (top_p & (lt >= other)) | (top_t & (lp >= other)), bool)


#: Tolerance of "L = 100" in the bootstrap draws (levels are not rounded there).
EPS = 1e-7


#: The figures that carry a stability interval (columns ``<name>_low``/``<name>_high``).
INTERVALS = ("level", "level_pub", "level_tech", "share_pub", "share_tech")


def bootstrap(cur: duckdb.DuckDBPyConnection, p: PositioningParams, y0: int, y1: int) -> pa.Table:
    """The 95 % stability intervals of every country's figures in every unit (current
    window), by bootstrap over documents.

    The documents (works and patent families) of each unit and side are resampled with
    replacement within that unit and side (:func:`~forcemap.decide._evidence.bootstrap_sums`
    over a sparse document × (country, side) matrix of fractional top-document credit);
    each draw recomputes the shares, scores, levels and the *effective level* (100 when the
    country is leading in the draw, else L) on the sides the unit uses. Returns ``unit``,
    ``country`` and ``<figure>_low``/``_high`` for :data:`INTERVALS` and ``effective``.
    """
    cols = cur.sql(
        """
        SELECT l.unit, l.country, u.use_pub, u.use_tech,
               (row_number() OVER (ORDER BY l.unit, l.country) - 1)::BIGINT AS col
        FROM _pos_levels AS l JOIN _pos_use AS u USING (unit, period)
        WHERE l.period = 'cur' ORDER BY col
        """
    ).to_arrow_table()
    names = ["unit", "country"] + [f"{f}_{e}" for f in (*INTERVALS, "effective")
                                   for e in ("low", "high")]  # fmt: skip
    n_cols = cols.num_rows
    empty = np.full(n_cols, np.nan)
    out: dict[str, Any] = {"unit": cols["unit"], "country": cols["country"]}
    for name in names[2:]:
        out[name] = empty
    if n_cols == 0 or p.draws == 0:
        return null_nan(out)
    register(cur, "_pos_cols", cols.select(["unit", "country", "col"]))
    m = cur.sql(
        """
        SELECT (dense_rank() OVER (ORDER BY d.unit, d.side, d.doc) - 1)::BIGINT AS r,
               (dense_rank() OVER (ORDER BY d.unit, d.side) - 1)::BIGINT AS stratum,
               (2 * c.col + CASE WHEN d.side = 'tech' THEN 1 ELSE 0 END)::BIGINT AS k,
               sum(d.w * d.top ORDER BY d.country) AS v
        FROM _pos_docs AS d
        JOIN _pos_cols AS c USING (unit, country)
        JOIN _pos_use AS u ON u.unit = d.unit AND u.period = 'cur'
        WHERE d.year BETWEEN $y0 AND $y1
          AND ((d.side = 'pub' AND u.use_pub) OR (d.side = 'tech' AND u.use_tech))
        GROUP BY d.unit, d.side, d.doc, c.col
        """,
        params={"y0": y0, "y1": y1},
    ).to_arrow_table()
    if m.num_rows == 0:
        return null_nan(out)
    r = m["r"].to_numpy()
    n = int(r.max()) + 1
    strata = np.zeros(n, dtype=np.int64)
    strata[r] = m["stratum"].to_numpy()
    mat = sp.csr_array((m["v"].to_numpy(), (r, m["k"].to_numpy())), shape=(n, 2 * n_cols))
    sums = bootstrap_sums(mat, draws=p.draws, strata=strata)
    units = np.asarray(cols["unit"].to_pylist(), dtype=object)
    starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
    uidx = np.cumsum(np.r_[True, units[1:] != units[:-1]]) - 1
    up = np.asarray(cols["use_pub"].to_pylist(), bool)
    ut = np.asarray(cols["use_tech"].to_pylist(), bool)
    wt = p.weight_tech if p.unit == "industry" else 0.0
    figures = draw_figures(sums, starts, uidx, up, ut, p.weight_pub, wt, p.leading_other_at)
    for name, values in figures.items():
        lo, hi = interval(values)
        out[f"{name}_low"], out[f"{name}_high"] = lo, hi
    return null_nan(out)


def null_nan(columns: dict[str, Any]) -> pa.Table:
    """A table whose float columns have NULL (no evidence) where the arrays have NaN."""
    return pa.table(
        {
            k: v if k in ("unit", "country") else pa.array(v, pa.float64(), from_pandas=True)
            for k, v in columns.items()
        }
    )


def draw_figures(
    sums: np.ndarray,
    starts: np.ndarray,
    uidx: np.ndarray,
    up: np.ndarray,
    ut: np.ndarray,
    wp: float,
    wt: float,
    other: float,
) -> dict[str, np.ndarray]:
    """Shares, levels and the effective level of every (unit, country) column in every
    bootstrap draw (draws × columns; NaN where a draw has no evidence)."""
    pub, tech = sums[:, 0::2], sums[:, 1::2]

    def per_unit(x: np.ndarray, op: np.ufunc) -> np.ndarray:
        return np.asarray(op.reduceat(x, starts, axis=1))[:, uidx]

    with np.errstate(divide="ignore", invalid="ignore"):
        tp, tt = per_unit(pub, np.add), per_unit(tech, np.add)
        s_pub = np.where(up & (tp > 0), pub / tp, np.nan)
        s_tech = np.where(ut & (tt > 0), tech / tt, np.nan)
        den = wp * up + wt * ut
        num = np.where(up, wp * s_pub, 0.0) + np.where(ut, wt * s_tech, 0.0)
        score = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        best = per_unit(score, np.fmax)
        level = np.where(best > 0, 100 * score / best, np.nan)
        bp, bt = per_unit(s_pub, np.fmax), per_unit(s_tech, np.fmax)
        l_pub = np.where(bp > 0, 100 * s_pub / bp, np.nan)
        l_tech = np.where(bt > 0, 100 * s_tech / bt, np.nan)
        lead = leading(level, l_pub, l_tech, level >= 100 - EPS, other)
    effective = np.where(lead, 100.0, level)
    return {
        "level": level,
        "level_pub": l_pub,
        "level_tech": l_tech,
        "share_pub": s_pub,
        "share_tech": s_tech,
        "effective": effective,
    }
