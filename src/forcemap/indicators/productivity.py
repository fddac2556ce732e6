r"""Productivity and concentration: h-, g- and m-index tables, Lotka's law, Bradford's zones.

The tables bibliometrix (Aria & Cuccurullo 2017) prints for a collection, computed in DuckDB
over the store, with bibliometrix's conventions unless said otherwise:

- **h-index** (Hirsch 2005): the largest :math:`h` such that :math:`h` documents have at
  least :math:`h` citations each. **g-index** (Egghe 2006): the largest :math:`g \le n` such
  that the :math:`g` most cited documents have at least :math:`g^2` citations together
  (bibliometrix caps :math:`g` at the number of documents :math:`n`; so does this).
  **m-index** (Hirsch 2005): :math:`h / (Y - y_0 + 1)` with :math:`y_0` the first year of the
  unit's documents and :math:`Y` the reference year — bibliometrix takes today's year; here it
  is a parameter, by default the store's last publication year, so that a result does not
  change with the date it is computed on.
- **Lotka's law** (Lotka 1926): the share :math:`f(k)` of authors with :math:`k` documents
  fitted as :math:`\log_{10} f(k) = \log_{10} C - \beta \log_{10} k` by least squares, with
  :math:`R^2`, and bibliometrix's goodness-of-fit p-value: a two-sample Kolmogorov–Smirnov test
  (asymptotic) between the observed shares and the theoretical :math:`10^{\log_{10}C}\,k^{-2}`.
- **Bradford's zones** (Bradford 1934): sources ranked by their documents (ties by name); with
  :math:`N` documents and cumulative counts :math:`S_r`, zone 1 holds the first
  :math:`a = \#\{r: S_r < 0.33N\} + 1` sources, zone 2 up to :math:`b = \#\{r: S_r < 0.67N\} +
  1`, zone 3 the rest (bibliometrix's cut points).

Citations are the source's total citation counts (``works.cited_by_count``, bibliometrix's
``TC``); a document whose count is unknown is left out of h, g and m and counted in
``unknown_citations``. Authors are persons when ``forcemap resolve`` has run (else author
ids); institutions are organisations (``org_aliases``) when resolved, else institution ids.

References
----------
Hirsch, J. E. (2005). An index to quantify an individual's scientific research output. *PNAS*
102(46), 16569–16572. doi:10.1073/pnas.0507655102. Egghe, L. (2006). Theory and practise of
the g-index. *Scientometrics* 69(1), 131–152. doi:10.1007/s11192-006-0144-7. Lotka, A. J.
(1926). The frequency distribution of scientific productivity. *J. Washington Academy of
Sciences* 16(12), 317–323. Bradford, S. C. (1934). Sources of information on specific
subjects. *Engineering* 137, 85–86. Aria, M. & Cuccurullo, C. (2017). bibliometrix: An
R-tool for comprehensive science mapping analysis. *J. Informetrics* 11(4), 959–975.
doi:10.1016/j.joi.2017.08.007.
"""

from __future__ import annotations

import json
from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.errors import InputError, StoreError
from forcemap.indicators._registry import WORK_ACTORS, WORKS, Indicator
from forcemap.store.person_views import AUTHORSHIPS_VIEW_SQL, PERSON_OF_SQL
from forcemap.store.store import Store
from forcemap.store.work_units import WORK_UNIT_SQL

__all__ = [
    "BRADFORD_SCHEMA",
    "HINDEX_SCHEMA",
    "HINDEX_UNITS",
    "LOTKA_SCHEMA",
    "bradford",
    "g_index",
    "h_index",
    "hindex_table",
    "lotka",
]

HINDEX_SCHEMA = pa.schema(
    [
        ("unit_id", pa.string()),
        ("name", pa.string()),
        ("h_index", pa.int32()),
        ("g_index", pa.int32()),
        ("m_index", pa.float64()),
        ("citations", pa.int64()),
        ("documents", pa.int64()),
        ("unknown_citations", pa.int64()),
        ("first_year", pa.int32()),
    ]
)
"""Output of :func:`hindex_table`, by descending h, then g, then citations."""

LOTKA_SCHEMA = pa.schema(
    [
        ("n_documents", pa.int64()),
        ("n_authors", pa.int64()),
        ("share", pa.float64()),
        ("fitted_share", pa.float64()),
        ("lotka_share", pa.float64()),
    ]
)
"""Output of :func:`lotka`: authors with ``n_documents`` documents, their share, the fitted
share :math:`C k^{-\\beta}` and Lotka's :math:`C k^{-2}`; the fit (``beta``, ``c``, ``r2``,
``p_value``, ``authors``) is in the schema metadata under ``b"lotka"`` (JSON)."""

BRADFORD_SCHEMA = pa.schema(
    [
        ("source_id", pa.string()),
        ("name", pa.string()),
        ("rank", pa.int32()),
        ("documents", pa.int64()),
        ("cumulative", pa.int64()),
        ("zone", pa.int8()),
    ]
)
"""Output of :func:`bradford`, by rank."""

# unit kind -> SQL of (work_id, unit_id, name): one definition in the store layer
_UNITS_SQL: dict[str, str] = {u: WORK_UNIT_SQL[u] for u in ("author", "source", "institution")}

HINDEX_UNITS: tuple[str, ...] = tuple(_UNITS_SQL)
"""Units of :func:`hindex_table`."""


def h_index(citations: list[int] | np.ndarray) -> int:
    """Hirsch's h: the largest h with h documents cited at least h times each.

    >>> h_index([10, 8, 5, 4, 3])
    4
    """
    c = np.sort(np.asarray(citations, dtype=np.int64))[::-1]
    return int(np.sum(c >= np.arange(1, len(c) + 1)))


def g_index(citations: list[int] | np.ndarray) -> int:
    """Egghe's g, capped at the number of documents as bibliometrix does: the largest
    g ≤ n whose g most cited documents hold at least g² citations.

    >>> g_index([10, 8, 5, 4, 3])
    5
    """
    c = np.sort(np.asarray(citations, dtype=np.int64))[::-1]
    k = np.arange(1, len(c) + 1)
    ok = np.nonzero(np.cumsum(c) >= k * k)[0]
    return int(ok[-1] + 1) if len(ok) else 0


def hindex_table(
    store: Store,
    *,
    unit: Literal["author", "source", "institution"] = "author",
    start_year: int | None = None,
    end_year: int | None = None,
    reference_year: int | None = None,
    min_documents: int = 1,
) -> pa.Table:
    r"""h-, g- and m-index of every author (person), source or institution (organisation).

    Over the works published from ``start_year`` to ``end_year`` (default: all); the m-index
    divides h by :math:`Y - y_0 + 1` with :math:`Y` = ``reference_year`` (default: the last
    publication year in the store) and :math:`y_0` the unit's first year. Units with fewer
    than ``min_documents`` documents are left out.

    Hand-worked: citations 10, 8, 5, 4, 3 give h = 4 (four documents with ≥ 4 citations; the
    fifth has 3 < 5) and g = 5 (cumulative 10, 18, 23, 27, 30 ≥ 1, 4, 9, 16, 25); a first
    year 2016 and reference year 2020 give m = 4 / 5 = 0.8.
    """
    if unit not in _UNITS_SQL:
        raise InputError(f"hindex: unit must be one of {', '.join(HINDEX_UNITS)}, not {unit!r}")
    if isinstance(min_documents, bool) or not isinstance(min_documents, int) or min_documents < 1:
        raise InputError(f"hindex: min_documents={min_documents!r} must be an integer ≥ 1")
    cur = store.cursor()
    try:
        cur.execute(PERSON_OF_SQL)
        cur.execute(AUTHORSHIPS_VIEW_SQL)
        last = cur.execute("SELECT max(year) FROM works").fetchall()[0][0]
        ref = int(reference_year if reference_year is not None else (last or 0))
        rows = cur.sql(
            f"""WITH u0 AS ({_UNITS_SQL[unit]}),
                u AS (SELECT unit_id, any_value(name) AS name, work_id FROM u0
                      GROUP BY unit_id, work_id)
                SELECT u.unit_id, any_value(u.name) OVER (PARTITION BY u.unit_id) AS name,
                       w.work_id, w.year, w.cited_by_count AS c
                FROM u JOIN works AS w USING (work_id)
                WHERE ($y0 IS NULL OR w.year >= $y0) AND ($y1 IS NULL OR w.year <= $y1)
                QUALIFY count(*) OVER (PARTITION BY u.unit_id) >= $min_documents
                ORDER BY u.unit_id, c DESC NULLS LAST""",  # noqa: S608 - allow-listed SQL
            params={"y0": start_year, "y1": end_year, "min_documents": min_documents},
        ).to_arrow_table()
    except duckdb.Error as e:
        raise StoreError(f"h-index query failed on {store.path}: {e}") from e
    finally:
        cur.close()
    return _hindex_rows(rows, ref)


def _hindex_rows(rows: pa.Table, ref: int) -> pa.Table:
    """h, g and m per unit from (unit_id, name, year, c) rows sorted by unit, then c desc:
    vectorised over the rows (ranks within a unit by a running index)."""
    if rows.num_rows == 0:
        return HINDEX_SCHEMA.empty_table()
    uid = rows["unit_id"].to_numpy(zero_copy_only=False)
    c_raw = rows["c"].to_numpy(zero_copy_only=False)
    known = ~np.isnan(c_raw.astype(np.float64))
    c = np.where(known, c_raw, 0).astype(np.int64)
    year = rows["year"].to_numpy(zero_copy_only=False).astype(np.float64)
    starts = np.r_[0, np.nonzero(uid[1:] != uid[:-1])[0] + 1]
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(uid)]))
    # known citations come first within a unit (NULLS LAST), so rank = position among known
    rank = np.arange(len(uid)) - starts[group] + 1
    cum = np.cumsum(c) - np.r_[0, np.cumsum(c)][starts][group]
    n_groups = len(starts)
    h = np.zeros(n_groups, np.int64)
    g = np.zeros(n_groups, np.int64)
    np.maximum.at(h, group, np.where(known & (c >= rank), rank, 0))
    np.maximum.at(g, group, np.where(known & (cum >= rank * rank), rank, 0))
    first = np.full(n_groups, np.inf)
    np.minimum.at(first, group, np.where(np.isnan(year), np.inf, year))
    first_year = np.where(np.isinf(first), np.nan, first)
    span = ref - first_year + 1
    m = np.where(span > 0, h / np.where(span > 0, span, 1), np.nan)
    table = pa.table(
        {
            "unit_id": pa.array(uid[starts].astype(str), pa.string()),
            "name": rows["name"].take(pa.array(starts)).cast(pa.string()),
            "h_index": pa.array(h, pa.int32()),
            "g_index": pa.array(g, pa.int32()),
            "m_index": pa.array(m, pa.float64(), from_pandas=True),
            "citations": pa.array(np.bincount(group, weights=c).astype(np.int64), pa.int64()),
            "documents": pa.array(np.bincount(group).astype(np.int64), pa.int64()),
            "unknown_citations": pa.array(
                np.bincount(group, weights=~known).astype(np.int64), pa.int64()
            ),
            "first_year": pa.array(first_year, pa.int32(), from_pandas=True),
        },
        schema=HINDEX_SCHEMA,
    )
    return table.sort_by(
        [
            ("h_index", "descending"),
            ("g_index", "descending"),
            ("citations", "descending"),
            ("unit_id", "ascending"),
        ]
    )


def lotka(store: Store, *, start_year: int | None = None, end_year: int | None = None) -> pa.Table:
    r"""Lotka's law on the authors (persons) of the works from ``start_year`` to ``end_year``.

    Authors are counted fully (an author of a document counts it once, whatever the number
    of co-authors), as bibliometrix does. Returns :data:`LOTKA_SCHEMA`; the fit is in the
    schema metadata ``b"lotka"``: ``beta`` (:math:`|\text{slope}|`), ``c``
    (:math:`10^{\text{intercept}}`), ``r2``, ``p_value`` and ``authors``. Fewer than two
    distinct productivity levels leave the fit unknown (``null``).

    Hand-worked: 6 authors with one document, 2 with two, 1 with four: shares 2/3, 2/9, 1/9;
    the least-squares line through :math:`(\log_{10} k, \log_{10} f)` has slope −1.29 and
    intercept −0.205 (see ``tests/indicators/test_productivity.py``).
    """
    cur = store.cursor()
    try:
        cur.execute(PERSON_OF_SQL)
        cur.execute(AUTHORSHIPS_VIEW_SQL)
        dist = cur.execute(
            """WITH per AS (
                   SELECT a.author_id, count(DISTINCT a.work_id) AS k
                   FROM _fm_authorships AS a JOIN works AS w USING (work_id)
                   WHERE a.author_id IS NOT NULL
                     AND ($y0 IS NULL OR w.year >= $y0) AND ($y1 IS NULL OR w.year <= $y1)
                   GROUP BY a.author_id)
               SELECT k, count(*) FROM per GROUP BY k ORDER BY k""",
            {"y0": start_year, "y1": end_year},
        ).fetchall()
    except duckdb.Error as e:
        raise StoreError(f"Lotka query failed on {store.path}: {e}") from e
    finally:
        cur.close()
    k = np.array([r[0] for r in dist], dtype=np.float64)
    n = np.array([r[1] for r in dist], dtype=np.float64)
    share = n / n.sum() if len(n) else n
    fit: dict[str, float | int | None] = {
        "beta": None, "c": None, "r2": None, "p_value": None, "authors": int(n.sum())
    }  # fmt: skip
    fitted = lotka_share = np.full(len(k), np.nan)
    if len(k) >= 2:
        x, y = np.log10(k), np.log10(share)
        from scipy import stats  # scipy.stats costs ~1.5 s to import: only Lotka needs it

        lr = stats.linregress(x, y)
        fitted = 10 ** (lr.intercept + lr.slope * x)
        lotka_share = 10 ** (lr.intercept - 2 * x)
        p = stats.ks_2samp(share, lotka_share, method="asymp").pvalue
        fit |= {
            "beta": abs(float(lr.slope)),
            "c": float(10**lr.intercept),
            "r2": float(lr.rvalue**2),
            "p_value": float(p),
        }
    table = pa.table(
        {
            "n_documents": pa.array(k.astype(np.int64), pa.int64()),
            "n_authors": pa.array(n.astype(np.int64), pa.int64()),
            "share": pa.array(share, pa.float64()),
            "fitted_share": pa.array(fitted, pa.float64(), from_pandas=True),
            "lotka_share": pa.array(lotka_share, pa.float64(), from_pandas=True),
        },
        schema=LOTKA_SCHEMA,
    )
    return table.replace_schema_metadata({b"lotka": json.dumps(fit).encode()})


def bradford(
    store: Store, *, start_year: int | None = None, end_year: int | None = None
) -> pa.Table:
    """Bradford's zones of the sources of the works from ``start_year`` to ``end_year``
    (bibliometrix's cut points at 33 % and 67 % of the documents; see the module docstring).

    Hand-worked: sources with 5, 3, 2, 1, 1 documents (N = 12, cumulative 5, 8, 10, 11, 12):
    no cumulative count is < 3.96, so a = 1; two are < 8.04, so b = 3: zone 1 = the first
    source, zone 2 = the next two, zone 3 = the last two.
    """
    try:
        rows = store.con.execute(
            """SELECT source_id, any_value(source_name) AS name, count(*) AS n
               FROM works WHERE source_id IS NOT NULL
                 AND ($y0 IS NULL OR year >= $y0) AND ($y1 IS NULL OR year <= $y1)
               GROUP BY source_id ORDER BY n DESC, upper(name) NULLS LAST, source_id""",
            {"y0": start_year, "y1": end_year},
        ).fetchall()
    except duckdb.Error as e:
        raise StoreError(f"Bradford query failed on {store.path}: {e}") from e
    if not rows:
        return BRADFORD_SCHEMA.empty_table()
    n = np.array([r[2] for r in rows], dtype=np.int64)
    cum = np.cumsum(n)
    total = cum[-1]
    a = int(np.sum(cum < total * 0.33)) + 1
    b = int(np.sum(cum < total * 0.67)) + 1
    zone = np.where(np.arange(1, len(n) + 1) <= a, 1, np.where(np.arange(1, len(n) + 1) <= b, 2, 3))
    return pa.table(
        {
            "source_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "rank": pa.array(np.arange(1, len(n) + 1), pa.int32()),
            "documents": pa.array(n, pa.int64()),
            "cumulative": pa.array(cum, pa.int64()),
            "zone": pa.array(zone, pa.int8()),
        },
        schema=BRADFORD_SCHEMA,
    )


HINDEX = Indicator(
    "hindex",
    hindex_table,
    inputs=lambda params: (*WORKS, *WORK_ACTORS, "person_aliases"),
)
"""``forcemap indicators hindex``: h-, g- and m-index per author, source or institution."""
LOTKA = Indicator("lotka", lotka, inputs=lambda params: (*WORKS, "authorships", "person_aliases"))
"""``forcemap indicators lotka``: authors' productivity distribution and Lotka's law fit."""
BRADFORD = Indicator("bradford", bradford, inputs=lambda params: WORKS)
"""``forcemap indicators bradford``: sources ranked into Bradford's three zones."""
