r"""Citation impact: counts, field normalisation, percentiles and aggregate impact.

Every function takes a :class:`~forcemap.store.Store` and returns an Arrow table computed
set-based in DuckDB SQL. The work-level pipeline is

1. :func:`citation_counts` — citations each work receives from works in the store (or the
   source's ``cited_by_count``);
2. :func:`assign_field` — one field per work (level-0 or level-1 concept, or the primary
   topic's field or subfield);
3. :func:`field_normalised_citation_score` — citations over the mean of the work's reference
   set (same field, year and type: MNCS / FWCI);
4. :func:`percentile_rank` — percentile within the reference set and top 1 % / top 10 %
   membership (flags and Waltman–Schreiber fractional shares);
5. :func:`aggregate_impact` — P, fractional P, citations, MNCS and PP(top 10 %) per country,
   institution, organisation or field, with full or fractional counting.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import InputError
from forcemap.indicators._registry import WORK_ACTORS, WORKS, Indicator
from forcemap.store.store import Store

__all__ = [
    "AGGREGATE_SCHEMA",
    "CITATION_SCHEMA",
    "FIELD_DEFINITIONS",
    "FIELD_SCHEMA",
    "NCS_SCHEMA",
    "PERCENTILE_SCHEMA",
    "aggregate_impact",
    "assign_field",
    "citation_counts",
    "field_normalised_citation_score",
    "percentile_rank",
]

CITATION_SCHEMA = pa.schema(
    [
        ("work_id", pa.string()),
        ("year", pa.int32()),
        ("type", pa.string()),
        ("citations", pa.int64()),
        ("cited_by_count", pa.int64()),
    ]
)
"""Output of :func:`citation_counts`."""

FIELD_SCHEMA = pa.schema([("work_id", pa.string()), ("field_id", pa.string())])
"""Output of :func:`assign_field`."""

NCS_SCHEMA = pa.schema(
    [
        ("work_id", pa.string()),
        ("year", pa.int32()),
        ("type", pa.string()),
        ("field_id", pa.string()),
        ("citations", pa.int64()),
        ("ref_n", pa.int64()),
        ("ref_mean", pa.float64()),
        ("ncs", pa.float64()),
    ]
)
"""Output of :func:`field_normalised_citation_score`."""

PERCENTILE_SCHEMA = pa.schema(
    [
        ("work_id", pa.string()),
        ("year", pa.int32()),
        ("type", pa.string()),
        ("field_id", pa.string()),
        ("citations", pa.int64()),
        ("ref_n", pa.int64()),
        ("percentile", pa.float64()),
        ("top1", pa.bool_()),
        ("top10", pa.bool_()),
        ("top1_frac", pa.float64()),
        ("top10_frac", pa.float64()),
    ]
)
"""Output of :func:`percentile_rank`."""

AGGREGATE_SCHEMA = pa.schema(
    [
        ("unit_id", pa.string()),
        ("p", pa.int64()),
        ("p_frac", pa.float64()),
        ("citations", pa.float64()),
        ("mncs", pa.float64()),
        ("p_top10", pa.float64()),
        ("pp_top10", pa.float64()),
        ("share_top10", pa.float64()),
    ]
)
"""Output of :func:`aggregate_impact`."""

#: Field definitions accepted by ``field=`` (see :func:`assign_field`).
FIELD_DEFINITIONS: tuple[str, ...] = ("concept0", "concept1", "topic_field", "topic_subfield")

_CONCEPT_FIELD_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_field AS
SELECT work_id, concept_id AS field_id
FROM work_concepts
WHERE level = $level
QUALIFY row_number() OVER (
    PARTITION BY work_id ORDER BY score DESC NULLS LAST, concept_id) = 1
"""

_TOPIC_FIELD_SQL = {
    "topic_field": """
CREATE OR REPLACE TEMP VIEW _fm_field AS
SELECT work_id, field_id
FROM work_topics
QUALIFY row_number() OVER (
    PARTITION BY work_id
    ORDER BY coalesce(is_primary, false) DESC, score DESC NULLS LAST, topic_id) = 1
""",
    "topic_subfield": """
CREATE OR REPLACE TEMP VIEW _fm_field AS
SELECT work_id, subfield_id AS field_id
FROM work_topics
QUALIFY row_number() OVER (
    PARTITION BY work_id
    ORDER BY coalesce(is_primary, false) DESC, score DESC NULLS LAST, topic_id) = 1
""",
}

_CITATIONS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_cit AS
WITH cites AS (
    SELECT r.cited_id AS work_id, count(DISTINCT r.citing_id) AS n
    FROM work_references AS r
    JOIN works AS cw ON cw.work_id = r.citing_id
    JOIN works AS fw ON fw.work_id = r.cited_id
    WHERE r.citing_id <> r.cited_id
      AND ($window IS NULL
           OR (cw.year <= fw.year + $window
               AND (cw.year > fw.year OR ($same_year AND cw.year = fw.year))))
    GROUP BY r.cited_id
)
SELECT w.work_id, w.year::INTEGER AS year, w.type,
       CASE WHEN $window IS NOT NULL AND w.year IS NULL THEN NULL
            ELSE coalesce(c.n, 0) END::BIGINT AS citations,
       w.cited_by_count::BIGINT AS cited_by_count
FROM works AS w LEFT JOIN cites AS c USING (work_id)
"""

# Work-level impact: citations c, the reference set (field, year[, type]) and, within it,
# n, mean, ranks and the Waltman-Schreiber fractional top-x% shares.
_WORK_IMPACT_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_wi AS
WITH base AS (
    SELECT c.work_id, c.year, c.type, f.field_id,
           CASE WHEN $source THEN c.cited_by_count ELSE c.citations END AS c,
           CASE WHEN $by_type THEN c.type END AS type_key
    FROM _fm_cit AS c LEFT JOIN _fm_field AS f USING (work_id)
), eligible AS (
    SELECT * FROM base WHERE field_id IS NOT NULL AND year IS NOT NULL AND c IS NOT NULL
), ranked AS (
    SELECT work_id,
           count(*) OVER w AS ref_n,
           avg(c) OVER w AS ref_mean,
           rank() OVER (w ORDER BY c) - 1 AS n_less,
           rank() OVER (w ORDER BY c DESC) - 1 AS n_greater
    FROM eligible
    WINDOW w AS (PARTITION BY field_id, year, type_key)
)
SELECT b.work_id, b.year, b.type, b.field_id, b.c AS citations,
       r.ref_n, r.ref_mean,
       CASE WHEN r.ref_mean > 0 THEN b.c / r.ref_mean END AS ncs,
       100.0 * r.n_less / r.ref_n AS percentile,
       100 * r.n_less >= 99 * r.ref_n AS top1,
       10 * r.n_less >= 9 * r.ref_n AS top10,
       greatest(0.0, least(r.ref_n - r.n_less, 0.01 * r.ref_n) - r.n_greater)
           / (r.ref_n - r.n_less - r.n_greater) AS top1_frac,
       greatest(0.0, least(r.ref_n - r.n_less, 0.10 * r.ref_n) - r.n_greater)
           / (r.ref_n - r.n_less - r.n_greater) AS top10_frac
FROM base AS b LEFT JOIN ranked AS r USING (work_id)
"""

# Unit of each authorship row, by aggregation level (allow-list).
_UNIT_SQL = {
    "country": """
CREATE OR REPLACE TEMP VIEW _fm_au AS
SELECT a.work_id, a.author_seq, coalesce(a.country_code, i.country_code) AS unit_id
FROM authorships AS a
LEFT JOIN (SELECT institution_id, any_value(country_code) AS country_code
           FROM institutions GROUP BY institution_id) AS i USING (institution_id)
""",
    "institution": """
CREATE OR REPLACE TEMP VIEW _fm_au AS
SELECT a.work_id, a.author_seq, a.institution_id AS unit_id
FROM authorships AS a
""",
    "organization": """
CREATE OR REPLACE TEMP VIEW _fm_au AS
SELECT a.work_id, a.author_seq, coalesce(o.org_id, a.institution_id) AS unit_id
FROM authorships AS a
LEFT JOIN (SELECT source_id, any_value(org_id) AS org_id FROM org_aliases
           WHERE source = 'institution' GROUP BY source_id) AS o
       ON o.source_id = a.institution_id
""",
    "field": """
CREATE OR REPLACE TEMP VIEW _fm_au AS
SELECT work_id, 1::SMALLINT AS author_seq, field_id AS unit_id FROM _fm_field
""",
}

_WEIGHTS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_wu AS
WITH n_auth AS (
    SELECT work_id, count(DISTINCT author_seq) AS n_auth FROM _fm_au GROUP BY work_id
), du AS (
    SELECT DISTINCT work_id, author_seq, unit_id FROM _fm_au WHERE unit_id IS NOT NULL
), ku AS (
    SELECT work_id, author_seq, unit_id,
           count(*) OVER (PARTITION BY work_id, author_seq) AS k
    FROM du
)
SELECT ku.work_id, ku.unit_id, sum(1.0 / (n.n_auth * ku.k)) AS w_frac
FROM ku JOIN n_auth AS n USING (work_id)
GROUP BY ku.work_id, ku.unit_id
"""

_AGGREGATE_SQL = """
WITH scoped AS (
    SELECT * FROM _fm_wi
    WHERE ($start IS NULL OR year >= $start) AND ($end IS NULL OR year <= $end)
), world AS (
    SELECT sum(top10_frac) AS top10_total FROM scoped
), j AS (
    SELECT u.unit_id, u.w_frac, s.*,
           CASE WHEN $frac THEN u.w_frac ELSE 1.0 END AS wt
    FROM _fm_wu AS u JOIN scoped AS s USING (work_id)
)
SELECT unit_id,
       count(*)::BIGINT AS p,
       sum(w_frac) AS p_frac,
       sum(wt * citations) AS citations,
       sum(wt * ncs) / sum(wt) FILTER (WHERE ncs IS NOT NULL) AS mncs,
       sum(wt * top10_frac) AS p_top10,
       sum(wt * top10_frac) / sum(wt) FILTER (WHERE top10_frac IS NOT NULL) AS pp_top10,
       sum(wt * top10_frac) / nullif(any_value(world.top10_total), 0) AS share_top10
FROM j CROSS JOIN world
GROUP BY unit_id
ORDER BY unit_id
"""


def _check_choice(name: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        raise InputError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}")


def _check_window(window: int | None) -> None:
    if window is not None and (isinstance(window, bool) or int(window) != window or window < 0):
        raise InputError(f"window={window!r} must be None or a non-negative integer (years)")


def _make_fields(cur: duckdb.DuckDBPyConnection, field: str) -> None:
    _check_choice("field", field, FIELD_DEFINITIONS)
    if field in _TOPIC_FIELD_SQL:
        cur.execute(_TOPIC_FIELD_SQL[field])
    else:
        # A view cannot hold a prepared parameter: the level filter is materialised.
        cur.execute(_CONCEPT_FIELD_SQL, {"level": 0 if field == "concept0" else 1})


def _make_citations(cur: duckdb.DuckDBPyConnection, window: int | None, same_year: bool) -> None:
    _check_window(window)
    cur.execute(_CITATIONS_SQL, {"window": window, "same_year": same_year})


def _make_work_impact(
    cur: duckdb.DuckDBPyConnection,
    *,
    window: int | None,
    field: str,
    citations: str,
    by_type: bool,
    same_year: bool,
) -> None:
    _check_choice("citations", citations, ("store", "source"))
    _make_citations(cur, window, same_year)
    _make_fields(cur, field)
    cur.execute(_WORK_IMPACT_SQL, {"source": citations == "source", "by_type": by_type})


def assign_field(store: Store, *, field: str = "concept0") -> pa.Table:
    """Assign each work one field, the unit of its citation reference set.

    Parameters
    ----------
    store : Store
        The store (reads ``work_concepts`` or ``work_topics``).
    field : {"concept0", "concept1", "topic_field", "topic_subfield"}, default "concept0"
        ``concept0``/``concept1``: the work's level-0 / level-1 concept with the highest score;
        ``topic_field``/``topic_subfield``: the field / subfield of the work's primary topic.

    Returns
    -------
    pa.Table
        :data:`FIELD_SCHEMA`, one row per work that has a field: work_id: string,
        field_id: string (a concept id, or an OpenAlex field / subfield id).

    Raises
    ------
    InputError
        ``field`` is not one of :data:`FIELD_DEFINITIONS`.

    Notes
    -----
    Ties on the concept score go to the smallest ``concept_id``. The primary topic is the one
    flagged ``is_primary``; where no topic is flagged the highest-scoring topic is used (ties:
    smallest ``topic_id``). Works without concepts / topics get no row, and are left out of
    reference sets downstream.
    """
    with store.query_cursor("impact") as cur:
        _make_fields(cur, field)
        rel = cur.sql("SELECT work_id, field_id FROM _fm_field ORDER BY work_id")
        return rel.to_arrow_table().cast(FIELD_SCHEMA)


def citation_counts(
    store: Store, *, window: int | None = None, include_pub_year: bool = False
) -> pa.Table:
    r"""Citations each work receives from works in the store, optionally in a fixed window.

    .. math::

        c_i(w) = \left|\{\, j \in S : j \to i,\; y_i < y_j \le y_i + w \,\}\right|

    where :math:`S` is the set of works in the store and :math:`j \to i` a reference.

    Parameters
    ----------
    store : Store
        The store (reads ``works`` and ``work_references``).
    window : int or None, default None
        Citation window in years. ``None`` counts every citing work in the store whatever its
        year; an integer ``w`` counts citing works published in :math:`(y_i, y_i + w]`.
    include_pub_year : bool, default False
        With a window, also count citing works of the cited work's own publication year
        (the window becomes :math:`[y_i, y_i + w]`).

    Returns
    -------
    pa.Table
        :data:`CITATION_SCHEMA`, one row per work: work_id: string, year: int32,
        type: string, citations: int64 (from the store), cited_by_count: int64 (the
        source's own count, for comparison).

    Raises
    ------
    InputError
        ``window`` is negative or not an integer.

    Notes
    -----
    A citing work is counted once however many times the reference is repeated;
    self-references (a work citing itself) are ignored. Only citing works that are in the
    store count, so ``citations`` is at most the source's ``cited_by_count`` on a complete
    store and usually far below it on a sample. With a window, a work without a year gets a
    null count, and citing works without a year are not counted.
    """
    with store.query_cursor("impact") as cur:
        _make_citations(cur, window, include_pub_year)
        rel = cur.sql("SELECT * FROM _fm_cit ORDER BY work_id")
        return rel.to_arrow_table().cast(CITATION_SCHEMA)


def field_normalised_citation_score(
    store: Store,
    *,
    window: int | None = None,
    field: str = "concept0",
    citations: str = "store",
    by_type: bool = True,
    include_pub_year: bool = False,
) -> pa.Table:
    r"""Field-normalised citation score of each work (the NCS behind MNCS and FWCI).

    .. math::

        \mathrm{NCS}_i = \frac{c_i}{\bar c_{R(i)}}, \qquad
        \bar c_{R(i)} = \frac{1}{|R(i)|} \sum_{j \in R(i)} c_j

    where the reference set :math:`R(i)` is the works of the same field, publication year
    and (with ``by_type``) document type as :math:`i`, :math:`i` included.

    Parameters
    ----------
    store : Store
        The store.
    window : int or None, default None
        Citation window in years, as in :func:`citation_counts` (store citations only).
    field : str, default "concept0"
        Field definition, see :func:`assign_field`.
    citations : {"store", "source"}, default "store"
        ``store``: citations counted from works in the store (:func:`citation_counts`);
        ``source``: the source's ``cited_by_count`` (``window`` is then ignored).
    by_type : bool, default True
        Include document type in the reference set (Elsevier's FWCI does; CWTS' MNCS
        usually restricts to articles and reviews beforehand instead).
    include_pub_year : bool, default False
        See :func:`citation_counts`.

    Returns
    -------
    pa.Table
        :data:`NCS_SCHEMA`, one row per work: work_id: string, year: int32, type: string,
        field_id: string, citations: int64 (c_i), ref_n: int64 (size of the reference set),
        ref_mean: float64 (its mean citations), ncs: float64.

    Raises
    ------
    InputError
        An option is not one of its allowed values.

    Notes
    -----
    ``ncs`` is null where the reference-set mean is 0 (nobody in the set is cited), and where
    the work has no field, no year or no citation count (then ``ref_n`` and ``ref_mean`` are
    null too). A null ``type`` is its own type. The mean of ``ncs`` over a set of works is
    its MNCS (Waltman et al. 2011); with ``by_type`` and a 3-year window it follows the
    definition of Elsevier's FWCI.

    References
    ----------
    Waltman, L., van Eck, N. J., van Leeuwen, T. N., Visser, M. S., & van Raan, A. F. J.
    (2011). Towards a new crown indicator: Some theoretical considerations. Journal of
    Informetrics, 5(1), 37–47. https://doi.org/10.1016/j.joi.2010.08.001

    Elsevier (2019). Research Metrics Guidebook, "Field-Weighted Citation Impact".
    """
    with store.query_cursor("impact") as cur:
        _make_work_impact(
            cur,
            window=window,
            field=field,
            citations=citations,
            by_type=by_type,
            same_year=include_pub_year,
        )
        rel = cur.sql(
            """SELECT work_id, year, type, field_id, citations, ref_n, ref_mean, ncs
               FROM _fm_wi ORDER BY work_id"""
        )
        return rel.to_arrow_table().cast(NCS_SCHEMA)


def percentile_rank(
    store: Store,
    *,
    window: int | None = None,
    field: str = "concept0",
    citations: str = "store",
    by_type: bool = True,
    include_pub_year: bool = False,
) -> pa.Table:
    r"""Percentile of each work's citations within its reference set, and top 1 % / 10 %.

    .. math::

        P_i = 100 \cdot \frac{|\{ j \in R(i) : c_j < c_i \}|}{|R(i)|}

    and the fractional membership of the top :math:`x` (Waltman & Schreiber 2013): with
    :math:`g_i` works cited more than :math:`i` and :math:`t_i` works (:math:`i` included)
    cited exactly as often, among :math:`n = |R(i)|`,

    .. math::

        T_i(x) = \frac{\max\bigl(0,\ \min(g_i + t_i,\ x n) - g_i\bigr)}{t_i}.

    Parameters
    ----------
    store : Store
        The store.
    window, field, citations, by_type, include_pub_year
        As in :func:`field_normalised_citation_score`.

    Returns
    -------
    pa.Table
        :data:`PERCENTILE_SCHEMA`, one row per work: work_id, year, type, field_id,
        citations, ref_n (as in :func:`field_normalised_citation_score`); percentile:
        float64 in [0, 100); top1, top10: bool (percentile ≥ 99 / ≥ 90); top1_frac,
        top10_frac: float64 in [0, 1] (Waltman–Schreiber shares; they sum to exactly
        :math:`0.01 n` and :math:`0.1 n` over a reference set).

    Raises
    ------
    InputError
        An option is not one of its allowed values.

    Notes
    -----
    The percentile follows the "counting rule" of Leydesdorff et al. (2011): the share of
    the reference set cited *less* than the work, so tied works share the same, lowest
    percentile, the least-cited works get 0 and no work gets 100. The flags follow from it:
    ``top10`` is true when at least 90 % of the reference set is cited less, so a tie
    straddling the threshold is not flagged (conservative), and a reference set of fewer
    than 10 works has no ``top10`` work. The fractional shares split a straddling tie
    instead: each tied work gets the part of the tie inside the top :math:`x` share; this
    includes ties at zero citations (e.g. in an all-uncited set of 10 every work gets 0.1).
    Works without a reference set (no field, year or count) get nulls.

    References
    ----------
    Leydesdorff, L., Bornmann, L., Mutz, R., & Opthof, T. (2011). Turning the tables on
    citation analysis one more time: Principles for comparing sets of documents. JASIST,
    62(7), 1370–1381. https://doi.org/10.1002/asi.21534

    Waltman, L., & Schreiber, M. (2013). On the calculation of percentile-based bibliometric
    indicators. JASIST, 64(2), 372–379. https://doi.org/10.1002/asi.22775
    """
    with store.query_cursor("impact") as cur:
        _make_work_impact(
            cur,
            window=window,
            field=field,
            citations=citations,
            by_type=by_type,
            same_year=include_pub_year,
        )
        rel = cur.sql(
            """SELECT work_id, year, type, field_id, citations, ref_n, percentile,
                      top1, top10, top1_frac, top10_frac
               FROM _fm_wi ORDER BY work_id"""
        )
        return rel.to_arrow_table().cast(PERCENTILE_SCHEMA)


def aggregate_impact(
    store: Store,
    *,
    by: str = "country",
    counting: str = "full",
    window: int | None = None,
    field: str = "concept0",
    citations: str = "store",
    by_type: bool = True,
    include_pub_year: bool = False,
    start_year: int | None = None,
    end_year: int | None = None,
) -> pa.Table:
    r"""Output and citation impact of countries, institutions, organisations or fields.

    With a weight :math:`a_{ui}` of work :math:`i` for unit :math:`u` (1 under full
    counting, the authorship share :math:`f_{ui}` under fractional counting):

    .. math::

        f_{ui} = \sum_{s \in A_i} \frac{[u \in U_s]}{|A_i|\,|U_s|}, \quad
        \mathrm{MNCS}_u = \frac{\sum_i a_{ui}\,\mathrm{NCS}_i}{\sum_i a_{ui}}, \quad
        \mathrm{PP}_{10,u} = \frac{\sum_i a_{ui}\,T_i(0.1)}{\sum_i a_{ui}}

    where :math:`A_i` is the author list of work :math:`i` and :math:`U_s` the distinct
    units (countries, institutions, organisations) of author :math:`s`.

    Parameters
    ----------
    store : Store
        The store.
    by : {"country", "institution", "organization", "field"}, default "country"
        The unit. ``country``: the authorship's country code, else its institution's;
        ``institution``: ``institution_id``; ``organization``: the organisation the
        institution resolves to in ``org_aliases`` (source ``institution``), falling back to
        the ``institution_id`` where it is not resolved; ``field``: the work's field
        (:func:`assign_field`), one per work, so both countings agree.
    counting : {"full", "fractional"}, default "full"
        Weight of a work for a unit in ``citations``, ``mncs``, ``p_top10``, ``pp_top10``
        and ``share_top10``.
    window, field, citations, by_type, include_pub_year
        As in :func:`field_normalised_citation_score`.
    start_year, end_year : int or None
        Only works published in these years (inclusive); the reference sets are always
        built from every work in the store.

    Returns
    -------
    pa.Table
        :data:`AGGREGATE_SCHEMA`, one row per unit, sorted by unit_id: unit_id: string;
        p: int64 (works with at least one authorship in the unit, full count);
        p_frac: float64 (sum of the fractional weights :math:`f_{ui}`); citations: float64
        (weighted sum of citations); mncs: float64; p_top10: float64 (weighted number of
        top-10 % works, Waltman–Schreiber fractional ties); pp_top10: float64 (p_top10 over
        the weighted number of works with a reference set); share_top10: float64 (p_top10
        over all top-10 % works in scope: the unit's share of the world's top 10 %).

    Raises
    ------
    InputError
        An option is not one of its allowed values.

    Notes
    -----
    Fractional counting is author-level (Waltman & van Eck 2015): each work has weight 1,
    split equally over its authors (distinct ``author_seq``, including authors without an
    affiliation), and each author's share split equally over that author's distinct units.
    The share of an author with no unit is dropped, not redistributed, so a work's weights
    can sum to less than 1 and ``p_frac`` sums to at most the number of works. Under full
    counting a work counts 1 for every unit on it, so shares of the world add up to more
    than 1. ``mncs`` and ``pp_top10`` leave out works whose NCS / percentile is null (e.g.
    a reference set nobody cites has no NCS); both are null when no work qualifies.

    References
    ----------
    Waltman, L., & van Eck, N. J. (2015). Field-normalized citation impact indicators and
    the choice of an appropriate counting method. Journal of Informetrics, 9(4), 872–894.
    https://doi.org/10.1016/j.joi.2015.08.001
    """
    _check_choice("by", by, tuple(_UNIT_SQL))
    _check_choice("counting", counting, ("full", "fractional"))
    with store.query_cursor("impact") as cur:
        _make_work_impact(
            cur,
            window=window,
            field=field,
            citations=citations,
            by_type=by_type,
            same_year=include_pub_year,
        )
        cur.execute(_UNIT_SQL[by])
        cur.execute(_WEIGHTS_SQL)
        rel = cur.sql(
            _AGGREGATE_SQL,
            params={"frac": counting == "fractional", "start": start_year, "end": end_year},
        )
        return rel.to_arrow_table().cast(AGGREGATE_SCHEMA)


IMPACT = Indicator("impact", field_normalised_citation_score, inputs=lambda params: WORKS)
"""``forcemap indicators impact``: MNCS / FWCI per work."""
PERCENTILES = Indicator("percentiles", percentile_rank, inputs=lambda params: WORKS)
"""``forcemap indicators percentiles``: percentile rank, top 1 % / 10 % per work."""
AGGREGATE = Indicator("aggregate", aggregate_impact, inputs=lambda params: WORKS + WORK_ACTORS)
"""``forcemap indicators aggregate``: impact per country, institution or author."""
