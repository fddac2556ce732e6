"""Shared arithmetic of the benchmarking decisions (:mod:`forcemap.decide.benchmark` and
:mod:`forcemap.decide.benchmark_series`): incomplete first or last years of the store, and
the bootstrap stability intervals of output, world share, MNCS, PP(top 10 %) and the
collaboration shares (Waltman et al. 2012, the Leiden Ranking's stability intervals)."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.decide._evidence import (
    bootstrap_sums,
    incomplete_years,
    insufficient,
    interval,
    shortfalls,
)

#: SQL shared by the window benchmark and the series (temporary tables on one cursor):
#: the works of the window, their fractional country weights and collaboration flags.
# Works of the window with their unit(s); the authorship-level country weights f_cw.
WORKS_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_w AS
SELECT DISTINCT u.work_id, u.unit, w.year::INTEGER AS year
FROM _bm_wu AS u JOIN works AS w USING (work_id)
WHERE w.year IS NOT NULL AND ($y0 IS NULL OR w.year >= $y0) AND ($y1 IS NULL OR w.year <= $y1)
"""

WEIGHTS_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_wc AS
WITH sel AS (SELECT DISTINCT work_id FROM _bm_w),
wc AS (
    SELECT a.work_id, a.author_seq, upper(coalesce(a.country_code, i.country_code)) AS country
    FROM authorships AS a JOIN sel USING (work_id)
    LEFT JOIN (SELECT institution_id, any_value(country_code) AS country_code
               FROM institutions GROUP BY institution_id) AS i USING (institution_id)
), n_auth AS (
    SELECT work_id, count(DISTINCT author_seq) AS n FROM wc GROUP BY work_id
), du AS (
    SELECT DISTINCT work_id, author_seq, country FROM wc WHERE country IS NOT NULL
), ku AS (
    SELECT *, count(*) OVER (PARTITION BY work_id, author_seq) AS k FROM du
)
SELECT ku.work_id, ku.country, sum(1.0 / (n.n * ku.k)) AS w
FROM ku JOIN n_auth AS n USING (work_id)
GROUP BY ku.work_id, ku.country
"""

# Per work: international (>= 2 countries), industry-academia (enterprise + university),
# NCS and the top-10 % share.
FLAGS_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_wf AS
WITH sel AS (SELECT DISTINCT work_id FROM _bm_w),
nc AS (SELECT work_id, count(*) AS n FROM _bm_wc GROUP BY work_id),
ot AS (
    SELECT a.work_id,
           coalesce(o.type, CASE i.type WHEN 'company' THEN 'enterprise'
                                        WHEN 'education' THEN 'university' END) AS t
    FROM authorships AS a JOIN sel USING (work_id)
    LEFT JOIN (SELECT source_id, any_value(org_id) AS org_id FROM org_aliases
               WHERE source = 'institution' GROUP BY source_id) AS al
           ON al.source_id = a.institution_id
    LEFT JOIN (SELECT org_id, any_value(type) AS type FROM organizations GROUP BY org_id) AS o
           ON o.org_id = al.org_id
    LEFT JOIN (SELECT institution_id, any_value(type) AS type
               FROM institutions GROUP BY institution_id) AS i
           ON i.institution_id = a.institution_id
    WHERE a.institution_id IS NOT NULL
), ia AS (
    SELECT work_id, bool_or(t = 'enterprise') AND bool_or(t = 'university') AS ia
    FROM ot GROUP BY work_id
)
SELECT sel.work_id, coalesce(nc.n, 0) >= 2 AS intl, coalesce(ia.ia, false) AS ia,
       s.ncs, p.top10_frac AS top10
FROM sel
LEFT JOIN nc USING (work_id) LEFT JOIN ia USING (work_id)
LEFT JOIN _bm_ncs AS s USING (work_id) LEFT JOIN _bm_pct AS p USING (work_id)
"""

#: The quantities summed per document and row for the intervals, in column order.
QUANTITIES = ("f", "fncs", "fncs_n", "ftop", "ftop_n", "n", "intl", "ia")


def store_incomplete(
    cur: duckdb.DuckDBPyConnection,
    y0: int | None,
    y1: int | None,
    *,
    mode: str,
    complete_through: int | None,
    ratio_below: float,
) -> dict[int, str]:
    """:func:`incomplete_years` of the store's works per year within the window."""
    rows = cur.execute(
        """SELECT year::INTEGER, count(*), max(pub_date) FROM works
           WHERE year IS NOT NULL AND ($y0 IS NULL OR year >= $y0)
             AND ($y1 IS NULL OR year <= $y1)
           GROUP BY year""",
        {"y0": y0, "y1": y1},
    ).fetchall()
    return incomplete_years(
        {int(y): float(n) for y, n, _ in rows},
        {int(y): d for y, _, d in rows if d is not None},
        mode=mode,
        complete_through=complete_through,
        ratio_below=ratio_below,
    )


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN where ``den`` is 0 (no evidence in that draw)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def matrix(
    long: pa.Table, strata: np.ndarray, world: np.ndarray, n_rows: int, n_strata: int = 0
) -> Any:
    """The documents × quantities matrix behind the figures: per row ``r`` of the output the
    :data:`QUANTITIES` of ``long`` (one line per document ``doc`` and row ``r``) in columns
    ``r·8 … r·8+7``, then one column per stratum holding each document's weight attributed
    to any entity (``world``, the denominator of the share of world output). There are at
    least ``n_strata`` stratum columns: a stratum of the output without documents (a year of
    the window after the data) has an empty column, so its share is NaN, not an error."""
    import scipy.sparse as sp

    n_docs, n_q = len(strata), len(QUANTITIES)
    n_strata = max(int(strata.max()) + 1 if n_docs else 1, n_strata)
    doc = long["doc"].to_numpy().astype(np.int64)
    r = long["r"].to_numpy().astype(np.int64)
    data = [long[q].to_numpy(zero_copy_only=False).astype(float) for q in QUANTITIES]
    rows_i = np.concatenate([doc] * n_q + [np.arange(n_docs)])
    cols_i = np.concatenate([r * n_q + i for i in range(n_q)] + [n_rows * n_q + strata])
    vals = np.concatenate([*data, world])
    return sp.csr_array((vals, (rows_i, cols_i)), shape=(n_docs, n_rows * n_q + n_strata))


def figures(sums: np.ndarray, row_stratum: np.ndarray) -> dict[str, np.ndarray]:
    """Each row's figures from column sums of :func:`_matrix` (one line per draw): the
    fractional ``output``, its ``share`` of the stratum's attributed output, ``mncs``,
    ``pp_top10``, and the international (``intl``) and industry–academia (``ia``) shares of
    its works (full counting). A figure with a zero denominator is NaN (no evidence)."""
    n_q, n_rows = len(QUANTITIES), len(row_stratum)

    def q(name: str) -> np.ndarray:
        return sums[:, np.arange(n_rows) * n_q + QUANTITIES.index(name)]

    return {
        "output": q("f"),
        "share": ratio(q("f"), sums[:, n_rows * n_q + row_stratum]),
        "mncs": ratio(q("fncs"), q("fncs_n")),
        "pp_top10": ratio(q("ftop"), q("ftop_n")),
        "intl": ratio(q("intl"), q("n")),
        "ia": ratio(q("ia"), q("n")),
    }


def stability(
    long: pa.Table, strata: np.ndarray, world: np.ndarray, row_stratum: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The 95 % stability intervals of each row's :func:`_figures` by bootstrap over
    documents (:func:`~forcemap.decide._evidence.bootstrap_sums`, resampled within each
    stratum of ``strata`` so that a unit or a year keeps its size; numerator and
    denominator of a share are resampled jointly)."""

    if len(strata) == 0 or len(row_stratum) == 0:
        nan = np.full(len(row_stratum), np.nan)
        return {k: (nan, nan) for k in ("output", "share", "mncs", "pp_top10", "intl", "ia")}
    mat = matrix(long, strata, world, len(row_stratum), int(row_stratum.max()) + 1)
    sums = bootstrap_sums(mat, strata=strata)
    return {k: interval(v) for k, v in figures(sums, row_stratum).items()}


def impact_evidence(impact_works: float | None, minimum: float) -> str:
    """``ok``, or *insufficient evidence* with the fractional output that was missing."""

    missing = shortfalls({"impact works": impact_works}, {"impact works": minimum})
    return insufficient(missing) if missing else "ok"
