r"""Specialisation: activity shares, RCA / RTA, symmetric RCA and the presence matrix.

The canonical input is an Arrow table of activity values by location and product:

``loc: string, prod: string, value: float64`` (optionally ``year: int``), one row per
(year, loc, prod); a missing pair means value 0. :func:`activity_table` builds it from a
:class:`~forcemap.store.Store` (publications by country × concept / topic / field, patents by
assignee country × CPC, exports by reporter × HS6). Downstream:

1. :func:`shares` — a location's share of its own total and the product's world share;
2. :func:`rca` — the Balassa index (RTA when the activity is patents) and presence ``mcp``;
3. :func:`symmetric_rca` — (RCA − 1) / (RCA + 1);
4. :func:`presence_matrix` — the binary matrix M used by :mod:`forcemap.indicators.complexity`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.errors import InputError, SchemaError
from forcemap.indicators._registry import PATENTS, WORKS, Indicator
from forcemap.store.patent_resolution import patent_unit_sql
from forcemap.store.store import Store

__all__ = [
    "ACTIVITY_SCHEMA",
    "MCP_SCHEMA",
    "RCA_SCHEMA",
    "SHARES_SCHEMA",
    "SPECIALISATION",
    "SYMMETRIC_RCA_SCHEMA",
    "activity_inputs",
    "activity_table",
    "activity_years",
    "presence_matrix",
    "rca",
    "shares",
    "specialisation_table",
    "symmetric_rca",
]

ACTIVITY_SCHEMA = pa.schema([("loc", pa.string()), ("prod", pa.string()), ("value", pa.float64())])
"""Canonical input (and output of :func:`activity_table`); an optional ``year: int`` may follow."""

SHARES_SCHEMA = pa.schema(
    [
        ("loc", pa.string()),
        ("prod", pa.string()),
        ("value", pa.float64()),
        ("share", pa.float64()),
        ("world_share", pa.float64()),
    ]
)
"""Output of :func:`shares` (``year`` first when the input has it)."""

RCA_SCHEMA = pa.schema(
    [
        ("loc", pa.string()),
        ("prod", pa.string()),
        ("value", pa.float64()),
        ("rca", pa.float64()),
        ("mcp", pa.int8()),
    ]
)
"""Output of :func:`rca` (``year`` first when the input has it)."""

SYMMETRIC_RCA_SCHEMA = pa.schema(
    [
        ("loc", pa.string()),
        ("prod", pa.string()),
        ("value", pa.float64()),
        ("rca", pa.float64()),
        ("rsca", pa.float64()),
    ]
)
"""Output of :func:`symmetric_rca` (``year`` first when the input has it)."""

MCP_SCHEMA = pa.schema([("loc", pa.string()), ("prod", pa.string()), ("mcp", pa.int8())])
"""Output of :func:`presence_matrix`; input of every function in ``complexity``."""

_STRING_TYPES = (pa.string(), pa.large_string())


def _check_schema(table: object, schema: pa.Schema, func: str) -> pa.Table:
    """Check ``table`` has ``schema``'s columns with compatible types; return it normalised.

    Strings may be ``string`` or ``large_string``; numeric columns may be any integer or
    floating type (cast to the declared type). An optional ``year`` column must be integer.
    """
    if not isinstance(table, pa.Table):
        raise SchemaError(f"{func}: expected a pyarrow.Table, got {type(table).__name__}")
    cols: dict[str, pa.ChunkedArray] = {}
    for field in schema:
        if field.name not in table.column_names:
            raise SchemaError(
                f"{func}: input has no column {field.name!r} (needs {schema.names}, "
                f"got {table.column_names})"
            )
        col = table.column(field.name)
        t = col.type
        if pa.types.is_string(field.type):
            ok = t in _STRING_TYPES
        elif pa.types.is_floating(field.type):
            ok = pa.types.is_floating(t) or pa.types.is_integer(t)
        else:  # int8 presence: integer or boolean
            ok = pa.types.is_integer(t) or pa.types.is_boolean(t)
        if not ok:
            raise SchemaError(f"{func}: column {field.name!r} has type {t}, expected {field.type}")
        if col.null_count:
            raise InputError(f"{func}: column {field.name!r} has {col.null_count} null value(s)")
        cols[field.name] = col.cast(field.type) if t != field.type else col
    if "year" in table.column_names:
        y = table.column("year")
        if not pa.types.is_integer(y.type):
            raise SchemaError(f"{func}: column 'year' has type {y.type}, expected an integer")
        if y.null_count:
            raise InputError(f"{func}: column 'year' has {y.null_count} null value(s)")
        cols = {"year": y, **cols}
    return pa.table(cols)


def _codes(col: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Integer codes (0..n-1) and the distinct values of ``col``, in first-seen order."""
    enc = pc.dictionary_encode(col).combine_chunks()
    return (
        np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64),
        enc.dictionary,
    )


def _group_keys(table: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense group ids for (year, loc), (year, prod) and year (all zeros without year)."""
    n = table.num_rows
    loc, _ = _codes(table.column("loc"))
    prod, _ = _codes(table.column("prod"))
    if "year" in table.column_names:
        year, _ = _codes(table.column("year"))
    else:
        year = np.zeros(n, dtype=np.int64)
    nl = int(loc.max()) + 1 if n else 1
    npr = int(prod.max()) + 1 if n else 1
    key_lp = (year * nl + loc) * npr + prod
    if np.unique(key_lp).size != n:
        _, inv, cnt = np.unique(key_lp, return_inverse=True, return_counts=True)
        i = int(np.flatnonzero(cnt[inv] > 1)[0])
        raise InputError(
            f"duplicate (loc, prod{', year' if 'year' in table.column_names else ''}) row: "
            f"{table.column('loc')[i].as_py()!r}, {table.column('prod')[i].as_py()!r}; "
            "aggregate the values first"
        )
    yl = np.unique(year * nl + loc, return_inverse=True)[1]
    yp = np.unique(year * npr + prod, return_inverse=True)[1]
    return yl, yp, year


def _shares_arrays(table: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``value``, share of the location's total and the product's world share, per row."""
    x = table.column("value").to_numpy()
    if x.size and (not np.all(np.isfinite(x)) or x.min() < 0):
        raise InputError("column 'value' must be finite and non-negative")
    yl, yp, year = _group_keys(table)
    loc_tot = np.bincount(yl, weights=x)[yl] if x.size else x
    prod_tot = np.bincount(yp, weights=x)[yp] if x.size else x
    world = np.bincount(year, weights=x)[year] if x.size else x
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(loc_tot > 0, x / loc_tot, np.nan)
        wshare = np.where(world > 0, prod_tot / world, np.nan)
    return x, share, wshare


def _out(table: pa.Table, schema: pa.Schema, arrays: dict[str, np.ndarray]) -> pa.Table:
    """Assemble an output table: ``year`` (if present), loc, prod, then ``arrays`` in order."""
    cols: dict[str, pa.Array | pa.ChunkedArray] = {}
    fields = list(schema)
    if "year" in table.column_names:
        cols["year"] = table.column("year")
        fields = [pa.field("year", table.column("year").type), *fields]
    for f in schema:
        if f.name in arrays:
            cols[f.name] = pa.array(arrays[f.name], type=f.type, from_pandas=True)
        else:
            cols[f.name] = table.column(f.name)
    return pa.table(cols, schema=pa.schema(fields))


def shares(table: pa.Table) -> pa.Table:
    r"""A location's share of its own activity, and the product's share of world activity.

    .. math::

        s_{cp} = \frac{X_{cp}}{\sum_{p'} X_{cp'}}, \qquad
        w_p = \frac{\sum_{c} X_{cp}}{\sum_{c,p'} X_{cp'}}

    Parameters
    ----------
    table : pa.Table
        ``loc: string, prod: string, value: float64`` (non-negative; integers accepted) and
        optionally ``year: int`` (then every total is within the year). One row per pair.

    Returns
    -------
    pa.Table
        :data:`SHARES_SCHEMA`: ``loc``, ``prod``, ``value``; ``share``: float64, s_cp;
        ``world_share``: float64, w_p. Rows in input order.

    Raises
    ------
    SchemaError
        A column is missing or mistyped.
    InputError
        Null, negative or non-finite values, or a duplicate (year, loc, prod).

    Notes
    -----
    A location whose total is 0 gets a null ``share`` (0/0); so does ``world_share`` when the
    whole year is 0.

    Examples
    --------
    >>> t = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "value": [3.0, 1.0, 4.0]})
    >>> shares(t).column("share").to_pylist()
    [0.75, 0.25, 1.0]
    >>> shares(t).column("world_share").to_pylist()
    [0.875, 0.125, 0.875]
    """
    table = _check_schema(table, ACTIVITY_SCHEMA, "shares")
    x, share, wshare = _shares_arrays(table)
    return _out(table, SHARES_SCHEMA, {"value": x, "share": share, "world_share": wshare})


def _presence(values: np.ndarray, threshold: float) -> np.ndarray:
    """The presence rule used everywhere: 1 where ``values >= threshold``, else 0 (NaN → 0)."""
    with np.errstate(invalid="ignore"):
        out: np.ndarray = (np.nan_to_num(values, nan=-np.inf) >= threshold).astype(np.int8)
    return out


def rca(table: pa.Table, *, threshold: float = 1.0) -> pa.Table:
    r"""Revealed comparative advantage (Balassa index); RTA when the activity is patents.

    .. math::

        \mathrm{RCA}_{cp} = \frac{X_{cp} / \sum_{p'} X_{cp'}}
                                 {\sum_{c'} X_{c'p} / \sum_{c',p'} X_{c'p'}}, \qquad
        M_{cp} = [\mathrm{RCA}_{cp} \ge \theta]

    Parameters
    ----------
    table : pa.Table
        Canonical activity table (:data:`ACTIVITY_SCHEMA`, optional ``year``).
    threshold : float, default 1.0
        θ, the RCA at or above which the location is "present" in the product (``mcp`` = 1).
        1 is Balassa's break-even and py-ecomplexity's / the Atlas' default.

    Returns
    -------
    pa.Table
        :data:`RCA_SCHEMA`: ``loc``, ``prod``, ``value``; ``rca``: float64 (null where the
        location's total or the product's world total is 0); ``mcp``: int8, 0 or 1.

    Raises
    ------
    SchemaError, InputError
        As :func:`shares`.

    Notes
    -----
    Computed as ``(X / loc total) / (prod total / world total)``, the order py-ecomplexity and
    the R package economiccomplexity use, so presence at RCA ≈ 1 matches them. Pairs missing from
    the input have value 0, RCA 0 and are not returned. The revealed technological advantage
    (RTA) of Soete (1987) is the same formula on patent counts (see :func:`activity_table`).

    Examples
    --------
    A has 3 of its 4 units in x while x is 7/8 of the world: RCA = 0.75 / 0.875 = 6/7.

    >>> t = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "value": [3.0, 1.0, 4.0]})
    >>> out = rca(t)
    >>> [round(v, 4) for v in out.column("rca").to_pylist()]
    [0.8571, 2.0, 1.1429]
    >>> out.column("mcp").to_pylist()
    [0, 1, 1]

    References
    ----------
    Balassa, B. (1965). Trade liberalisation and "revealed" comparative advantage. The
    Manchester School 33(2), 99–123. doi:10.1111/j.1467-9957.1965.tb00050.x

    Soete, L. (1987). The impact of technological innovation on international trade patterns:
    the evidence reconsidered. Research Policy 16(2–4), 101–130.
    doi:10.1016/0048-7333(87)90026-6
    """
    table = _check_schema(table, ACTIVITY_SCHEMA, "rca")
    x, share, wshare = _shares_arrays(table)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(wshare > 0, share / wshare, np.nan)
    return _out(table, RCA_SCHEMA, {"value": x, "rca": r, "mcp": _presence(r, threshold)})


def symmetric_rca(table: pa.Table) -> pa.Table:
    r"""Revealed symmetric comparative advantage, RSCA = (RCA − 1) / (RCA + 1) ∈ [−1, 1).

    .. math::

        \mathrm{RSCA}_{cp} = \frac{\mathrm{RCA}_{cp} - 1}{\mathrm{RCA}_{cp} + 1}

    Parameters
    ----------
    table : pa.Table
        Canonical activity table (:data:`ACTIVITY_SCHEMA`, optional ``year``).

    Returns
    -------
    pa.Table
        :data:`SYMMETRIC_RCA_SCHEMA`: ``loc``, ``prod``, ``value``, ``rca``; ``rsca``: float64
        (null where ``rca`` is null).

    Notes
    -----
    RSCA = 0 at RCA = 1; it removes the skew of RCA (unbounded above, bounded below by 0) so
    that it can be averaged or regressed.

    Examples
    --------
    >>> t = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "value": [3.0, 1.0, 4.0]})
    >>> [round(v, 4) for v in symmetric_rca(t).column("rsca").to_pylist()]
    [-0.0769, 0.3333, 0.0667]

    References
    ----------
    Laursen, K. (2015). Revealed comparative advantage and the alternatives as measures of
    international specialization. Eurasian Business Review 5(1), 99–115.
    doi:10.1007/s40821-015-0017-1
    """
    table = _check_schema(table, ACTIVITY_SCHEMA, "symmetric_rca")
    x, share, wshare = _shares_arrays(table)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(wshare > 0, share / wshare, np.nan)
        s = (r - 1.0) / (r + 1.0)
    return _out(table, SYMMETRIC_RCA_SCHEMA, {"value": x, "rca": r, "rsca": s})


def presence_matrix(table: pa.Table, *, threshold: float = 1.0) -> pa.Table:
    r"""The binary location × product matrix M (as a long table) from RCA ≥ threshold.

    .. math::

        M_{cp} = \begin{cases} 1 & \mathrm{RCA}_{cp} \ge \theta \\ 0 & \text{otherwise}
                 \end{cases}

    Parameters
    ----------
    table : pa.Table
        Canonical activity table (:data:`ACTIVITY_SCHEMA`, optional ``year``).
    threshold : float, default 1.0
        θ (see :func:`rca`).

    Returns
    -------
    pa.Table
        :data:`MCP_SCHEMA`: ``loc``, ``prod``, ``mcp``: int8, one row per input row (so a
        location whose activity is all zero still appears, with zeros).

    Notes
    -----
    This is the single place where M is made from RCA; every function in
    :mod:`forcemap.indicators.complexity` takes its output.

    Examples
    --------
    >>> t = pa.table({"loc": ["A", "A", "B"], "prod": ["x", "y", "x"], "value": [3.0, 1.0, 4.0]})
    >>> presence_matrix(t).column("mcp").to_pylist()
    [0, 1, 1]

    References
    ----------
    Hidalgo, C. A., & Hausmann, R. (2009). The building blocks of economic complexity. PNAS
    106(26), 10570–10575. doi:10.1073/pnas.0900943106
    """
    out = rca(table, threshold=threshold)
    keep = [c for c in ("year", "loc", "prod", "mcp") if c in out.column_names]
    return out.select(keep)


# -- store-facing builders -----------------------------------------------------------------

_WORK_PRODS = ("concept", "topic", "field")
_PATENT_PRODS = ("cpc_subclass", "cpc_group")
_TRADE_PRODS = ("hs6",)

# Country of an authorship: its own country code, else its institution's.
_WORKS_SQL = """
WITH sel AS (
    SELECT work_id FROM works
    WHERE ($y0 IS NULL OR year >= $y0) AND ($y1 IS NULL OR year <= $y1)
), unit AS (
    SELECT DISTINCT a.work_id, coalesce(a.country_code, i.country_code) AS loc
    FROM authorships AS a
    JOIN sel USING (work_id)
    LEFT JOIN (SELECT institution_id, any_value(country_code) AS country_code
               FROM institutions GROUP BY institution_id) AS i USING (institution_id)
    WHERE coalesce(a.country_code, i.country_code) IS NOT NULL
), item AS (
    SELECT DISTINCT c.work_id, c.concept_id AS prod
    FROM work_concepts AS c JOIN sel USING (work_id)
    WHERE $kind = 'concept' AND list_contains($levels, c.level) AND c.score >= $min_score
    UNION
    SELECT DISTINCT t.work_id, CASE WHEN $kind = 'topic' THEN t.topic_id ELSE t.field_id END
    FROM work_topics AS t JOIN sel USING (work_id)
    WHERE $kind IN ('topic', 'field')
      AND (CASE WHEN $kind = 'topic' THEN t.topic_id ELSE t.field_id END) IS NOT NULL
      AND coalesce(t.score, 1.0) >= $topic_min_score
), nu AS (
    SELECT work_id, count(*) AS n FROM unit GROUP BY work_id
), ni AS (
    SELECT work_id, count(*) AS n FROM item GROUP BY work_id
)
SELECT u.loc, i.prod,
       sum(CASE WHEN $fractional THEN 1.0 / (nu.n * ni.n) ELSE 1.0 END)::DOUBLE AS value
FROM unit AS u
JOIN item AS i USING (work_id)
JOIN nu USING (work_id)
JOIN ni USING (work_id)
GROUP BY u.loc, i.prod
ORDER BY u.loc, i.prod
"""

# Patents: the counting unit (family or patent) is the document; a family is in the window
# when one of its patents is, with the countries and products of its patents in the window.
_PATENTS_SQL = """
WITH sel AS (
    SELECT DISTINCT u.patent_id, u.unit_id AS doc
    FROM ({units}) AS u JOIN patents AS p USING (patent_id)
    WHERE ($y0 IS NULL OR p.year >= $y0) AND ($y1 IS NULL OR p.year <= $y1)
), unit AS (
    SELECT DISTINCT s.doc, a.country_code AS loc
    FROM patent_assignees AS a JOIN sel AS s USING (patent_id)
    WHERE a.country_code IS NOT NULL
), item AS (
    SELECT DISTINCT s.doc,
           CASE WHEN $kind = 'cpc_subclass' THEN c.cpc_subclass ELSE c.cpc_group END AS prod
    FROM patent_cpc AS c JOIN sel AS s USING (patent_id)
    WHERE (CASE WHEN $kind = 'cpc_subclass' THEN c.cpc_subclass ELSE c.cpc_group END)
          IS NOT NULL
), nu AS (
    SELECT doc, count(*) AS n FROM unit GROUP BY doc
), ni AS (
    SELECT doc, count(*) AS n FROM item GROUP BY doc
)
SELECT u.loc, i.prod,
       sum(CASE WHEN $fractional THEN 1.0 / (nu.n * ni.n) ELSE 1.0 END)::DOUBLE AS value
FROM unit AS u
JOIN item AS i USING (doc)
JOIN nu USING (doc)
JOIN ni USING (doc)
GROUP BY u.loc, i.prod
ORDER BY u.loc, i.prod
"""

_TRADE_SQL = """
SELECT reporter AS loc, hs6 AS prod, sum(export_value)::DOUBLE AS value
FROM trade
WHERE export_value IS NOT NULL
  AND ($y0 IS NULL OR year >= $y0) AND ($y1 IS NULL OR year <= $y1)
GROUP BY reporter, hs6
HAVING sum(export_value) > 0
ORDER BY loc, prod
"""


def _year_bounds(year: int | range | None) -> tuple[int | None, int | None]:
    if year is None:
        return None, None
    if isinstance(year, range):
        if year.step != 1 or len(year) == 0:
            raise InputError(f"year range must be non-empty with step 1, got {year!r}")
        return year.start, year.stop - 1
    if isinstance(year, int) and not isinstance(year, bool):
        return year, year
    raise InputError(f"year must be None, an int or a range, got {year!r}")


def activity_table(
    store: Store,
    *,
    loc: Literal["country"] = "country",
    prod: Literal["concept", "topic", "field", "cpc_subclass", "cpc_group", "hs6"] = "concept",
    counting: Literal["fractional", "full"] = "fractional",
    year: int | range | None = None,
    concept_levels: tuple[int, ...] = (0, 1),
    min_score: float = 0.3,
    topic_min_score: float = 0.0,
    patent_unit: Literal["family", "patent"] = "family",
) -> pa.Table:
    r"""The canonical activity table (loc, prod, value) from the store, set-based in DuckDB.

    .. math::

        X_{cp} = \sum_{d} \frac{[c \in C_d]\,[p \in P_d]}{|C_d|\,|P_d|} \;\text{(fractional)},
        \qquad X_{cp} = \sum_d [c \in C_d]\,[p \in P_d] \;\text{(full)}

    where d runs over the documents (works or patents) of the selected years, C_d is the set of
    distinct countries of d and P_d its set of distinct products.

    Parameters
    ----------
    store : Store
        An open forcemap store.
    loc : {"country"}, default "country"
        Location unit. Works: the authorship's ``country_code``, else its institution's;
        patents: assignee ``country_code``; trade: ``reporter``.
    prod : {"concept", "topic", "field", "cpc_subclass", "cpc_group", "hs6"}, default "concept"
        Product unit. ``concept``: ``work_concepts.concept_id`` with level in
        ``concept_levels`` and score ≥ ``min_score``; ``topic`` / ``field``: ``work_topics``
        ``topic_id`` / ``field_id`` (score ≥ ``topic_min_score``); ``cpc_subclass`` /
        ``cpc_group``: ``patent_cpc`` codes of the patent; ``hs6``: ``trade.hs6``.
    counting : {"fractional", "full"}, default "fractional"
        Fractional: each document has weight 1, split equally over its distinct countries and
        then equally over its distinct products, so Σ X = number of documents with at least one
        country and one product. Full: every (country, product) pair of a document counts 1.
        Ignored for trade (exports are values, not counts).
    year : int, range or None, default None
        Publication / grant / trade year: one year, a ``range`` (pooled, step 1) or all.
    concept_levels : tuple of int, default (0, 1)
        OpenAlex concept levels used when ``prod="concept"``.
    min_score : float, default 0.3
        Minimum concept score when ``prod="concept"`` (OpenAlex's own tagging threshold is
        about 0.3).
    topic_min_score : float, default 0.0
        Minimum topic score when ``prod`` is ``"topic"`` or ``"field"``.
    patent_unit : {"family", "patent"}, default "family"
        The patent document: a family (one invention filed several times counts once; its
        countries and products are those of its patents in the window;
        :func:`forcemap.store.patent_resolution.patent_unit_sql`) or each patent. With no
        family information a family is its patent, and both give the same table.

    Returns
    -------
    pa.Table
        :data:`ACTIVITY_SCHEMA`: ``loc``: string; ``prod``: string; ``value``: float64
        (documents, fractional or full; US$ for trade), sorted by loc, prod; only pairs with a
        positive value.

    Raises
    ------
    InputError
        Unknown ``loc``, ``prod``, ``counting`` or ``patent_unit``, or a bad ``year``.
    StoreError
        The query failed.

    Notes
    -----
    Documents without any country or without any product are left out (they cannot be
    attributed). Patents are counted by assignee country (ownership), the usual basis of RTA
    by country; trade sums ``export_value`` over partners.

    References
    ----------
    Soete, L. (1987). Research Policy 16(2–4), 101–130. doi:10.1016/0048-7333(87)90026-6

    Waltman, L., & van Eck, N. J. (2015). Field-normalized citation impact indicators and the
    choice of an appropriate counting method. Journal of Informetrics 9(4), 872–894.
    doi:10.1016/j.joi.2015.08.001
    """
    if loc != "country":
        raise InputError(f"activity_table: loc must be 'country', got {loc!r}")
    if counting not in ("fractional", "full"):
        raise InputError(
            f"activity_table: counting must be 'fractional' or 'full', got {counting!r}"
        )
    y0, y1 = _year_bounds(year)
    params: dict[str, object] = {"y0": y0, "y1": y1}
    if prod in _WORK_PRODS:
        sql = _WORKS_SQL
        params |= {
            "kind": prod,
            "levels": [int(v) for v in concept_levels],
            "min_score": float(min_score),
            "topic_min_score": float(topic_min_score),
            "fractional": counting == "fractional",
        }
    elif prod in _PATENT_PRODS:
        sql = _PATENTS_SQL.format(units=patent_unit_sql(patent_unit))
        params |= {"kind": prod, "fractional": counting == "fractional"}
    elif prod in _TRADE_PRODS:
        sql = _TRADE_SQL
    else:
        allowed = _WORK_PRODS + _PATENT_PRODS + _TRADE_PRODS
        raise InputError(f"activity_table: prod must be one of {allowed}, got {prod!r}")
    out = store.sql(sql, params).to_arrow_table()
    return out.cast(ACTIVITY_SCHEMA)


def activity_years(
    store: Store,
    *,
    prod: str = "concept",
    counting: str = "fractional",
    start_year: int | None = None,
    end_year: int | None = None,
) -> pa.Table:
    """:func:`activity_table` over the years ``start_year…end_year`` (both or neither).

    Raises
    ------
    InputError
        Only one year given, or ``end_year < start_year``; or no activity at all for ``prod``
        (there is nothing to compare).
    """
    year: range | None = None
    if start_year is not None or end_year is not None:
        if start_year is None or end_year is None or end_year < start_year:
            raise InputError("give both --start-year and --end-year, start ≤ end")
        year = range(start_year, end_year + 1)
    table = activity_table(store, prod=prod, counting=counting, year=year)  # type: ignore[arg-type]
    if table.num_rows == 0:
        raise InputError(f"no activity for --prod {prod} in the store (nothing to compare)")
    return table


def activity_inputs(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The store tables :func:`activity_table` reads for ``params["prod"]``."""
    prod = str(params.get("prod", "concept"))
    if prod == "hs6":
        return ("trade",)
    if prod.startswith("cpc"):
        return PATENTS
    return (*WORKS, "authorships")


def specialisation_table(
    store: Store,
    *,
    prod: str = "concept",
    counting: str = "fractional",
    start_year: int | None = None,
    end_year: int | None = None,
    threshold: float = 1.0,
) -> pa.Table:
    """RCA with shares and symmetric RCA per country × product (``indicators specialisation``):
    :func:`rca` joined with the ``share``/``world_share`` of :func:`shares` and the ``rsca`` of
    :func:`symmetric_rca`, over :func:`activity_years`."""
    act = activity_years(
        store, prod=prod, counting=counting, start_year=start_year, end_year=end_year
    )
    r = rca(act, threshold=threshold)
    sh = shares(act)
    sym = symmetric_rca(act)
    return (
        r.append_column("share", sh.column("share"))
        .append_column("world_share", sh.column("world_share"))
        .append_column("rsca", sym.column("rsca"))
    )


SPECIALISATION = Indicator("specialisation", specialisation_table, inputs=activity_inputs)
"""``forcemap indicators specialisation``: RCA / RTA per country × product."""
