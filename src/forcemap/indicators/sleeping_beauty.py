r"""Sleeping beauties: the beauty coefficient *B* and awakening time of Ke et al. (2015).

A *sleeping beauty* is a work that is barely cited for years and then suddenly attracts many
citations. Ke, Ferrara, Radicchi & Flammini (2015) measure it on the yearly citation series
:math:`c_t` (:math:`t = 0` the publication year) against the straight line from the first year
to the peak:

.. math::

    t_m = \operatorname*{arg\,max}_t c_t, \qquad
    \ell_t = c_0 + \frac{c_{t_m} - c_0}{t_m}\,t, \qquad
    B = \sum_{t=0}^{t_m} \frac{\ell_t - c_t}{\max(1, c_t)},

and the awakening time is the year whose point :math:`(t, c_t)` lies farthest from that line:

.. math::

    t_a = \operatorname*{arg\,max}_{t \le t_m}
    \frac{\lvert (c_{t_m} - c_0)\,t - t_m c_t + t_m c_0 \rvert}
         {\sqrt{(c_{t_m} - c_0)^2 + t_m^2}} .

*B* is 0 for a series that grows linearly to its peak, positive for a convex (late) rise and
negative for a concave (early) rise; a citation series peaking in its publication year has
:math:`t_m = 0` and :math:`B = 0`. :func:`sleeping_beauty` computes the series and both
quantities set-based in DuckDB SQL (window functions over a dense year grid).
"""

from __future__ import annotations

from typing import Literal

import duckdb
import pyarrow as pa

from forcemap.errors import InputError, StoreError
from forcemap.indicators._registry import PATENTS, WORKS, Indicator
from forcemap.store.store import Store

__all__ = ["SLEEPING_BEAUTY_SCHEMA", "sleeping_beauty"]

SLEEPING_BEAUTY_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("year", pa.int32()),
        ("age", pa.int32()),
        ("citations", pa.int64()),
        ("series", pa.list_(pa.int64())),
        ("t_m", pa.int32()),
        ("peak_citations", pa.int64()),
        ("b", pa.float64()),
        ("t_a", pa.int32()),
        ("awakening_year", pa.int32()),
    ]
)
"""Output of :func:`sleeping_beauty`."""

# Documents with their (smallest) year, and the citation edges between them (distinct, no
# self-citations), by entity (allow-list).
_DOCS_SQL = {
    "works": """
CREATE OR REPLACE TEMP TABLE _sb_docs AS
SELECT work_id AS id, min(year)::INTEGER AS year FROM works
WHERE year IS NOT NULL GROUP BY work_id;
CREATE OR REPLACE TEMP TABLE _sb_edges AS
SELECT DISTINCT citing_id, cited_id FROM work_references WHERE citing_id <> cited_id;
""",
    "patents": """
CREATE OR REPLACE TEMP TABLE _sb_docs AS
SELECT patent_id AS id, min(coalesce(year, year(grant_date)))::INTEGER AS year FROM patents
WHERE coalesce(year, year(grant_date)) IS NOT NULL GROUP BY patent_id;
CREATE OR REPLACE TEMP TABLE _sb_edges AS
SELECT DISTINCT citing_id, cited_id FROM patent_citations WHERE citing_id <> cited_id;
""",
}

# Citations per (cited document, age t), t = 0 .. horizon, horizon = min(last year − year,
# max_age); citations from before the cited document's year are ignored.
_COUNTS_SQL = """
CREATE OR REPLACE TEMP TABLE _sb_counts AS
WITH d AS (
    SELECT id, year,
           least($last - year, coalesce($max_age, $last - year))::INTEGER AS horizon
    FROM _sb_docs
)
SELECT e.cited_id AS id, (c.year - d.year)::INTEGER AS t, count(*) AS n
FROM _sb_edges AS e
JOIN d ON d.id = e.cited_id
JOIN _sb_docs AS c ON c.id = e.citing_id
WHERE c.year >= d.year AND c.year - d.year <= d.horizon
GROUP BY ALL
"""

# The dense series of the documents with enough citations, then t_m, B and t_a. With
# s_t = (c_tm − c_0) t − t_m (c_t − c_0) (an integer), l_t − c_t = s_t / t_m and the distance
# of (t, c_t) from the line is |s_t| / sqrt((c_tm − c_0)² + t_m²): B sums s_t / (t_m max(1,
# c_t)) and t_a is the first t ≤ t_m with the largest |s_t| (exact integer comparison).
_SCORE_SQL = """
WITH d AS (
    SELECT id, year,
           least($last - year, coalesce($max_age, $last - year))::INTEGER AS horizon
    FROM _sb_docs
), tot AS (
    SELECT d.id, d.year, d.horizon, coalesce(sum(c.n), 0)::BIGINT AS citations
    FROM d LEFT JOIN _sb_counts AS c USING (id)
    GROUP BY ALL
), q AS (
    SELECT * FROM tot WHERE citations >= $min_citations AND citations > 0
), grid AS (
    SELECT q.id, g.t::INTEGER AS t, coalesce(c.n, 0)::BIGINT AS c
    FROM q
    CROSS JOIN LATERAL (SELECT unnest(range(0, q.horizon + 1)) AS t) AS g
    LEFT JOIN _sb_counts AS c ON c.id = q.id AND c.t = g.t
), peak AS (
    SELECT id, max(c) AS c_max, max(c) FILTER (WHERE t = 0) AS c_0, list(c ORDER BY t) AS series
    FROM grid GROUP BY id
), tm AS (
    SELECT g.id, min(g.t) AS t_m
    FROM grid AS g JOIN peak AS p ON p.id = g.id AND g.c = p.c_max
    GROUP BY g.id
), s AS (
    SELECT g.id, g.t, g.c, tm.t_m,
           (p.c_max - p.c_0) * g.t - tm.t_m * (g.c - p.c_0) AS s
    FROM grid AS g JOIN tm USING (id) JOIN peak AS p USING (id)
    WHERE g.t <= tm.t_m
), sa AS (
    SELECT *, max(abs(s)) OVER (PARTITION BY id) AS s_max FROM s
), beauty AS (
    SELECT id, any_value(t_m) AS t_m,
           CASE WHEN any_value(t_m) = 0 THEN 0.0
                ELSE sum(s / (t_m * greatest(1, c)::DOUBLE)) END AS b,
           min(t) FILTER (WHERE abs(s) = s_max) AS t_a
    FROM sa GROUP BY id
)
SELECT tot.id, tot.year, tot.horizon AS age, tot.citations, p.series,
       b.t_m, p.c_max AS peak_citations, b.b, b.t_a, tot.year + b.t_a AS awakening_year
FROM tot
LEFT JOIN beauty AS b USING (id)
LEFT JOIN peak AS p USING (id)
ORDER BY b.b DESC NULLS LAST, tot.citations DESC, tot.id
"""


def sleeping_beauty(
    store: Store,
    *,
    min_citations: int = 10,
    max_age: int | None = None,
    entity: Literal["works", "patents"] = "works",
) -> pa.Table:
    r"""Beauty coefficient *B* and awakening time :math:`t_a` of every work (or patent).

    The yearly citation series :math:`c_t` of a document published in year :math:`T` counts
    the distinct documents of the store published (granted) in year :math:`T + t` that cite it,
    for :math:`t = 0, \dots, \min(Y - T, \texttt{max\_age})` with :math:`Y` the last year of
    any document in the store. Then (Ke et al. 2015; see the module docstring)

    .. math::

        B = \sum_{t=0}^{t_m} \frac{\ell_t - c_t}{\max(1, c_t)}, \qquad
        t_a = \operatorname*{arg\,max}_{t \le t_m} d_t,

    with :math:`t_m` the first year of the maximum, :math:`\ell_t` the line from
    :math:`(0, c_0)` to :math:`(t_m, c_{t_m})` and :math:`d_t` the distance of
    :math:`(t, c_t)` from it.

    Parameters
    ----------
    store : Store
        The store (reads ``works`` and ``work_references``, or ``patents`` and
        ``patent_citations``).
    min_citations : int, default 10
        Documents with fewer citations in the series (all ages up to the horizon) get null
        ``t_m``, ``b``, ``t_a`` and ``series``; a document without any citation always does.
    max_age : int, optional
        Cut every series at this age (years after publication); default: up to the last year
        of data.
    entity : {"works", "patents"}, default "works"
        ``works`` use the publication year; ``patents`` the grant year.

    Returns
    -------
    pa.Table
        :data:`SLEEPING_BEAUTY_SCHEMA`, one row per document with a year, by descending *B*
        (nulls last), then citations: id: string; year: int32; age: int32 (the horizon, the
        last age of the series); citations: int64 (:math:`\sum_t c_t`); series:
        list<int64> (:math:`c_0, \dots, c_{age}`); t_m: int32; peak_citations: int64
        (:math:`c_{t_m}`); b: float64; t_a: int32 (an age); awakening_year: int32
        (year + :math:`t_a`).

    Raises
    ------
    InputError
        ``min_citations < 0``, ``max_age < 0`` or an unknown ``entity``.
    StoreError
        The store cannot be read.

    Examples
    --------
    A work cited 0, 0, 0, 0, 10 times in its first five years: :math:`t_m = 4`,
    :math:`\ell_t = 2.5\,t`, :math:`B = 2.5 + 5 + 7.5 = 15`, and the point farthest from the
    line is :math:`t = 3` (see ``tests/indicators/test_sleeping_beauty.py``).

    Notes
    -----
    Citations are the store's own (``work_references`` between stored works), so a sample
    sees only the citations from inside the sample; repeated references count once and
    self-citations never. Citations dated before the cited document are ignored. Ties of
    the maximum go to the earliest year for both :math:`t_m` and :math:`t_a`; when
    :math:`t_m = 0`, :math:`B = 0` and :math:`t_a = 0`. The last years of recent documents
    are truncated by the end of the data, which can hide an awakening still under way.

    References
    ----------
    Ke, Q., Ferrara, E., Radicchi, F., & Flammini, A. (2015). Defining and identifying
    Sleeping Beauties in science. *PNAS*, 112(24), 7426–7431.
    https://doi.org/10.1073/pnas.1424329112
    """
    if entity not in _DOCS_SQL:
        raise InputError(f"sleeping_beauty: entity must be 'works' or 'patents', not {entity!r}")
    if min_citations < 0:
        raise InputError(f"sleeping_beauty: min_citations={min_citations!r} must be ≥ 0")
    if max_age is not None and max_age < 0:
        raise InputError(f"sleeping_beauty: max_age={max_age!r} must be ≥ 0")
    cur = store.cursor()
    try:
        cur.execute(_DOCS_SQL[entity])
        last = cur.execute("SELECT max(year) FROM _sb_docs").fetchall()[0][0]
        if last is None:
            return SLEEPING_BEAUTY_SCHEMA.empty_table()
        params = {"last": int(last), "max_age": None if max_age is None else int(max_age)}
        cur.execute(_COUNTS_SQL, params)
        rel = cur.sql(_SCORE_SQL, params=params | {"min_citations": int(min_citations)})
        return rel.to_arrow_table().cast(SLEEPING_BEAUTY_SCHEMA)
    except duckdb.Error as e:
        raise StoreError(f"sleeping beauty query failed on {store.path}: {e}") from e
    finally:
        cur.close()


SLEEPING_BEAUTY = Indicator(
    "sleeping-beauty",
    sleeping_beauty,
    inputs=lambda params: WORKS if params.get("entity", "works") == "works" else PATENTS,
)
"""``forcemap indicators sleeping-beauty``: beauty coefficient and awakening year."""
