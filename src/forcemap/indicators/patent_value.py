r"""Patent quality and value indicators after the OECD (Squicciarini, Dernis & Criscuolo 2013).

Each indicator is one function ``(store, *, …) -> pa.Table`` with one row per patent in
``patents``; :func:`patent_value` joins them all. Everything is computed set-based in DuckDB
SQL on a private cursor. Technology classes are CPC subclasses (``H01L``), the CPC
counterpart of the IPC 4-digit classes the OECD uses; "in the store" matters: forward
citations, generality, originality and radicalness only see citing / cited patents that
are in ``patents`` (with their ``patent_cpc`` rows), so on a sample they are lower bounds
or sample estimates.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import InputError
from forcemap.indicators._patent_value_sql import (
    BACKWARD_LINKS_SQL,
    BREAKTHROUGH_SQL,
    CLASSES_SQL,
    COHORT_SQL,
    COUNT_SQL,
    DIVERSITY_SQL,
    FORWARD_LINKS_SQL,
    FORWARD_SQL,
    HIGH_VALUE_SQL,
    LINKS_SQL,
    PATENTS_SQL,
    RADICALNESS_SQL,
)
from forcemap.indicators._registry import PATENTS, Indicator
from forcemap.store.reference import reference_table
from forcemap.store.store import Store

__all__ = [
    "BREAKTHROUGH_SCHEMA",
    "COUNT_SCHEMA",
    "DIVERSITY_SCHEMA",
    "FORWARD_SCHEMA",
    "HIGH_VALUE_SCHEMA",
    "PATENT_VALUE_SCHEMA",
    "backward_citations",
    "breakthrough",
    "claims",
    "family_size",
    "forward_citations",
    "generality",
    "high_value",
    "high_value_caveats",
    "originality",
    "patent_scope",
    "patent_value",
    "radicalness",
    "science_citations",
]

FORWARD_SCHEMA = pa.schema(
    [("patent_id", pa.string()), ("year", pa.int32()), ("forward_citations", pa.int64())]
)
"""Output of :func:`forward_citations`."""

BREAKTHROUGH_SCHEMA = pa.schema(
    [
        ("patent_id", pa.string()),
        ("year", pa.int32()),
        ("cohort_field", pa.string()),
        ("forward_citations", pa.int64()),
        ("cohort_n", pa.int64()),
        ("breakthrough", pa.bool_()),
    ]
)
"""Output of :func:`breakthrough`."""

HIGH_VALUE_SCHEMA = pa.schema(
    [
        ("patent_id", pa.string()),
        ("year", pa.int32()),
        ("cohort_field", pa.string()),
        ("forward_citations", pa.int64()),
        ("cohort_n", pa.int64()),
        ("top", pa.float64()),
    ]
)
"""Output of :func:`high_value`."""

DIVERSITY_SCHEMA = pa.schema(
    [("patent_id", pa.string()), ("n", pa.int64()), ("value", pa.float64())]
)
"""Output of :func:`generality`, :func:`originality` and :func:`radicalness`."""

COUNT_SCHEMA = pa.schema([("patent_id", pa.string()), ("value", pa.int64())])
"""Output of the count indicators (scope, family size, claims, backward and science citations)."""

PATENT_VALUE_SCHEMA = pa.schema(
    [
        ("patent_id", pa.string()),
        ("year", pa.int32()),
        ("forward_citations", pa.int64()),
        ("breakthrough", pa.bool_()),
        ("generality", pa.float64()),
        ("originality", pa.float64()),
        ("radicalness", pa.float64()),
        ("patent_scope", pa.int64()),
        ("family_size", pa.int64()),
        ("claims", pa.int64()),
        ("backward_citations", pa.int64()),
        ("science_citations", pa.int64()),
    ]
)
"""Output of :func:`patent_value`."""

_DATES = ("grant", "filing")
_COHORTS = ("wipo_field", "cpc_subclass")
_HV_COHORTS = ("year", *_COHORTS)
_CLASSES = ("all", "first")


# Patents with their reference date and grant year.
def _check(name: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        raise InputError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}")


def _check_window(window: int | None) -> None:
    if window is not None and (isinstance(window, bool) or int(window) != window or window < 1):
        raise InputError(f"window={window!r} must be None or a positive integer (years)")


def _prepare(cur: duckdb.DuckDBPyConnection, *, date: str = "grant") -> None:
    _check("date", date, _DATES)
    cur.execute(PATENTS_SQL, {"filing": date == "filing"})
    cur.execute(CLASSES_SQL)


def _forward(cur: duckdb.DuckDBPyConnection, window: int | None) -> None:
    _check_window(window)
    cur.execute(FORWARD_LINKS_SQL, {"window": window})
    cur.execute(FORWARD_SQL, {"window": window})


def _breakthrough(cur: duckdb.DuckDBPyConnection, cohort: str, top: float) -> None:
    _check("cohort", cohort, _COHORTS)
    if not 0 < top < 1:
        raise InputError(f"top={top!r} must be a share in (0, 1), e.g. 0.01 for the top 1 %")
    _cohorts(cur, cohort)
    cur.execute(BREAKTHROUGH_SQL, {"top": top})


def _cohorts(cur: duckdb.DuckDBPyConnection, cohort: str) -> None:
    if cohort == "wipo_field":
        cur.register("_fm_ipc", reference_table("ipc_technology"))
    cur.execute(COHORT_SQL[cohort])


def _diversity(
    cur: duckdb.DuckDBPyConnection, links: str, classes: str, correction: bool
) -> duckdb.DuckDBPyRelation:
    _check("classes", classes, _CLASSES)
    cur.execute(LINKS_SQL[links])
    return cur.sql(DIVERSITY_SQL, params={"first": classes == "first", "correct": correction})


def forward_citations(store: Store, *, window: int | None = 5, date: str = "grant") -> pa.Table:
    r"""Forward citations: citations a patent receives within ``window`` years.

    .. math::

        FC_i(w) = |\{ j : j \to i,\; d_i \le d_j < d_i + w \text{ years} \}|

    Parameters
    ----------
    store : Store
        The store (reads ``patents`` and ``patent_citations``).
    window : int or None, default 5
        Window in years after the focal patent's date (OECD: 5); ``None`` counts every
        citing patent in the store.
    date : {"grant", "filing"}, default "grant"
        The date compared, the same kind for the cited and the citing patent.

    Returns
    -------
    pa.Table
        :data:`FORWARD_SCHEMA`, one row per patent: patent_id: string, year: int32 (grant
        year), forward_citations: int64.

    Raises
    ------
    InputError
        ``window`` is not a positive integer or ``date`` is not an allowed value.

    Notes
    -----
    The window is by exact date: a citing patent dated on or after the focal date and
    before the same day ``window`` years later counts. Only citing patents in the store
    count, each once; self-citations are ignored. With a window, a patent without the date
    gets null, and citing patents without the date are not counted.

    References
    ----------
    Squicciarini, M., Dernis, H., & Criscuolo, C. (2013). Measuring patent quality:
    Indicators of technological and economic value. OECD STI Working Papers 2013/03.
    https://doi.org/10.1787/5k4522wkw1r8-en
    """
    with store.query_cursor("patent value") as cur:
        _prepare(cur, date=date)
        _forward(cur, window)
        rel = cur.sql("SELECT * FROM _fm_fc ORDER BY patent_id")
        return rel.to_arrow_table().cast(FORWARD_SCHEMA)


def breakthrough(
    store: Store,
    *,
    window: int | None = 5,
    date: str = "grant",
    cohort: str = "wipo_field",
    top: float = 0.01,
) -> pa.Table:
    r"""Breakthrough inventions: the top 1 % most cited patents of their cohort.

    .. math::

        B_i = \bigl[\, FC_i > 0 \ \wedge\
              |\{ j \in K(i) : FC_j < FC_i \}| \ge (1 - \mathrm{top}) \, |K(i)| \,\bigr]

    where the cohort :math:`K(i)` is the patents of the same grant year and technology.

    Parameters
    ----------
    store : Store
        The store.
    window, date
        As in :func:`forward_citations`.
    cohort : {"wipo_field", "cpc_subclass"}, default "wipo_field"
        Technology of the cohort, from the patent's main CPC symbol (``is_first``, else the
        lowest ``seq``): its WIPO technology field (Schmoch 2008, 35 fields, longest
        matching IPC prefix; the field number as a string) or its CPC subclass.
    top : float, default 0.01
        The top share (OECD: 1 %).

    Returns
    -------
    pa.Table
        :data:`BREAKTHROUGH_SCHEMA`, one row per patent: patent_id, year (grant year),
        cohort_field: string, forward_citations: int64, cohort_n: int64 (cohort size),
        breakthrough: bool.

    Raises
    ------
    InputError
        An option is outside its allowed values.

    Notes
    -----
    Ties share the lowest rank ("cited less than" counting, as in
    :func:`forcemap.indicators.impact.percentile_rank`): a patent is a breakthrough when at
    least ``1 - top`` of its cohort is cited less than it, so a tie straddling the
    threshold is not flagged (conservative), and a cohort smaller than ``1/top`` (100 for
    the top 1 %) has no breakthrough at all. Uncited patents are
    never breakthroughs. ``breakthrough`` is null for a patent without year, cohort field
    or (with a window) date.

    References
    ----------
    Squicciarini, M., Dernis, H., & Criscuolo, C. (2013). OECD STI WP 2013/03, §3.6
    (breakthrough inventions after Ahuja & Lampert 2001).
    https://doi.org/10.1787/5k4522wkw1r8-en
    """
    with store.query_cursor("patent value") as cur:
        _prepare(cur, date=date)
        _forward(cur, window)
        _breakthrough(cur, cohort, top)
        rel = cur.sql("SELECT * FROM _fm_bt ORDER BY patent_id")
        return rel.to_arrow_table().cast(BREAKTHROUGH_SCHEMA)


def high_value(
    store: Store,
    *,
    window: int | None = 5,
    date: str = "grant",
    top: float = 0.10,
    cohort: str = "year",
) -> pa.Table:
    r"""High-value patents: fractional membership of the top ``top`` share of forward
    citations in the patent's cohort, with no credit for uncited patents.

    With :math:`g_i` patents of the cohort :math:`K(i)` cited more than :math:`i`,
    :math:`t_i` cited exactly as often (:math:`i` included) and :math:`n = |K(i)|`,

    .. math::

        H_i = \begin{cases} 0 & FC_i = 0 \\
        \max\bigl(0,\ \min(g_i + t_i,\ \mathrm{top} \cdot n) - g_i\bigr) / t_i
        & \text{otherwise,} \end{cases}

    the Waltman & Schreiber (2013) fractional assignment of a tie straddling the boundary,
    as in :func:`forcemap.indicators.impact.percentile_rank`.

    Parameters
    ----------
    store : Store
        The store.
    window, date
        As in :func:`forward_citations` (OECD: 5 years).
    top : float, default 0.10
        The top share defining high value.
    cohort : {"year", "wipo_field", "cpc_subclass"}, default "year"
        The cohort: patents of the same grant year, or of the same grant year and
        technology (as in :func:`breakthrough`).

    Returns
    -------
    pa.Table
        :data:`HIGH_VALUE_SCHEMA`, one row per patent: patent_id, year (grant year),
        cohort_field: string (null for ``cohort="year"``), forward_citations: int64,
        cohort_n: int64, top: float64 in [0, 1] (null without year, forward count or
        cohort). The schema metadata carries ``forcemap.zero_threshold_cohorts``,
        ``forcemap.zero_threshold_patents`` and ``forcemap.zero_threshold_withheld``: the
        cohorts whose boundary falls on uncited patents, the uncited patents in them and
        the top share plain fractional assignment would have given those patents.

    Raises
    ------
    InputError
        An option is outside its allowed values.

    Notes
    -----
    An uncited patent is never high-value: on a sample whose forward citations are all 0
    (the USPTO demo sample) every cohort's boundary falls on uncited patents and no patent
    is high-value, instead of the tie at zero being shared among all patents. The shares of
    a cohort sum to :math:`\mathrm{top} \cdot n` less what uncited patents would have had.

    References
    ----------
    Squicciarini, M., Dernis, H., & Criscuolo, C. (2013). OECD STI WP 2013/03 (forward
    citations as a value indicator). https://doi.org/10.1787/5k4522wkw1r8-en

    Waltman, L., & Schreiber, M. (2013). On the calculation of percentile-based bibliometric
    indicators. JASIST, 64(2), 372–379. https://doi.org/10.1002/asi.22775
    """
    _check("cohort", cohort, _HV_COHORTS)
    if isinstance(top, bool) or not 0 < top < 1:
        raise InputError(f"top={top!r} must be a share in (0, 1), e.g. 0.10 for the top 10 %")
    with store.query_cursor("patent value") as cur:
        _prepare(cur, date=date)
        _forward(cur, window)
        _cohorts(cur, "cpc_subclass" if cohort == "year" else cohort)
        cur.execute(HIGH_VALUE_SQL, {"top": top, "by_field": cohort != "year"})
        cells, n, withheld = cur.execute(
            """SELECT (SELECT count(*) FROM (SELECT DISTINCT year, k FROM _fm_hv
                                             WHERE zero_cut)),
                      count(*) FILTER (WHERE zero_cut), coalesce(sum(zero_withheld), 0)
               FROM _fm_hv"""
        ).fetchall()[0]
        rel = cur.sql(
            """SELECT patent_id, year,
                      CASE WHEN $by_field THEN cohort_field END AS cohort_field,
                      forward_citations, cohort_n, top
               FROM _fm_hv ORDER BY patent_id""",
            params={"by_field": cohort != "year"},
        )
        return (
            rel.to_arrow_table()
            .cast(HIGH_VALUE_SCHEMA)
            .replace_schema_metadata(
                {
                    "forcemap.zero_threshold_cohorts": str(int(cells)),
                    "forcemap.zero_threshold_patents": str(int(n)),
                    "forcemap.zero_threshold_withheld": f"{float(withheld):.6g}",
                }
            )
        )


def high_value_caveats(table: pa.Table) -> list[str]:
    """The caveat of a :func:`high_value` table, for a decision to quote: the cohorts whose
    top-x boundary falls on uncited patents (none when there are none)."""
    meta = table.schema.metadata or {}
    n = int(meta.get(b"forcemap.zero_threshold_patents", b"0"))
    if not n:
        return []
    cohorts = int(meta.get(b"forcemap.zero_threshold_cohorts", b"0"))
    return [
        f"{cohorts:,} patent cohorts have their high-value boundary on uncited "
        f"patents: their {n:,} uncited patents are not high-value."
    ]


def generality(
    store: Store,
    *,
    window: int | None = None,
    date: str = "grant",
    classes: str = "all",
    correction: bool = True,
) -> pa.Table:
    r"""Generality: how widely the citing patents spread over technology classes.

    .. math::

        G_i = 1 - \sum_j s_{ij}^2, \qquad
        \tilde G_i = \frac{N_i}{N_i - 1}\, G_i

    with :math:`s_{ij}` the share of the :math:`N_i` patents citing :math:`i` that fall in
    CPC subclass :math:`j`.

    Parameters
    ----------
    store : Store
        The store.
    window : int or None, default None
        Count only citing patents within this window (as :func:`forward_citations`).
    date : {"grant", "filing"}, default "grant"
        Date used by the window.
    classes : {"all", "first"}, default "all"
        ``all``: each citing patent's weight 1 is split equally over its distinct CPC
        subclasses (the OECD's use of all classes); ``first``: it goes to its main subclass
        (Hall, Jaffe & Trajtenberg's primary class).
    correction : bool, default True
        Apply Hall's small-sample bias correction :math:`N/(N-1)`.

    Returns
    -------
    pa.Table
        :data:`DIVERSITY_SCHEMA`, one row per patent: patent_id: string, n: int64 (citing
        patents with a CPC subclass, :math:`N_i`), value: float64 (generality).

    Raises
    ------
    InputError
        An option is outside its allowed values.

    Notes
    -----
    Null when no citing patent has a class (:math:`N = 0`) and, with the correction, when
    :math:`N = 1` (the correction is undefined). All citing patents in one class give 0.

    References
    ----------
    Hall, B. H., Jaffe, A. B., & Trajtenberg, M. (2001). The NBER patent citation data file:
    Lessons, insights and methodological tools. NBER Working Paper 8498.
    https://doi.org/10.3386/w8498

    Squicciarini, M., Dernis, H., & Criscuolo, C. (2013). OECD STI WP 2013/03.
    https://doi.org/10.1787/5k4522wkw1r8-en
    """
    with store.query_cursor("patent value") as cur:
        _prepare(cur, date=date)
        _forward(cur, window)
        return (
            _diversity(cur, "forward", classes, correction).to_arrow_table().cast(DIVERSITY_SCHEMA)
        )


def originality(store: Store, *, classes: str = "all", correction: bool = True) -> pa.Table:
    r"""Originality: how widely the cited patents spread over technology classes.

    .. math::

        O_i = 1 - \sum_j s_{ij}^2, \qquad \tilde O_i = \frac{N_i}{N_i - 1}\, O_i

    with :math:`s_{ij}` the share of the :math:`N_i` patents cited by :math:`i` (in the
    store, with a class) that fall in CPC subclass :math:`j`.

    Parameters
    ----------
    store : Store
        The store.
    classes : {"all", "first"}, default "all"
        As in :func:`generality`.
    correction : bool, default True
        Apply Hall's bias correction :math:`N/(N-1)`.

    Returns
    -------
    pa.Table
        :data:`DIVERSITY_SCHEMA`: patent_id, n (cited patents with a class), value.

    Raises
    ------
    InputError
        An option is outside its allowed values.

    Notes
    -----
    Null when no cited patent is in the store with a class, and with the correction when
    only one is. Cited patents outside the store are ignored (they have no class here).

    References
    ----------
    Hall, B. H., Jaffe, A. B., & Trajtenberg, M. (2001). NBER Working Paper 8498.
    https://doi.org/10.3386/w8498
    """
    with store.query_cursor("patent value") as cur:
        _prepare(cur)
        cur.execute(BACKWARD_LINKS_SQL)
        return (
            _diversity(cur, "backward", classes, correction).to_arrow_table().cast(DIVERSITY_SCHEMA)
        )


def radicalness(store: Store) -> pa.Table:
    r"""Radicalness: share of the cited patents' classes outside the focal patent's classes.

    .. math::

        R_i = \frac{\sum_{j \in C_i} |S_j \setminus S_i|}{\sum_{j \in C_i} |S_j|}

    with :math:`C_i` the patents cited by :math:`i` (in the store, with classes) and
    :math:`S_j` the set of CPC subclasses of patent :math:`j`.

    Parameters
    ----------
    store : Store
        The store.

    Returns
    -------
    pa.Table
        :data:`DIVERSITY_SCHEMA`: patent_id, n (cited patents with a class), value
        (radicalness in [0, 1]).

    Notes
    -----
    Null when the focal patent has no class or cites no patent with a class in the store.
    The OECD counts IPC 4-digit classes; CPC subclasses are used here.

    References
    ----------
    Shane, S. (2001). Technological opportunities and new firm creation. Management Science,
    47(2), 205–220. https://doi.org/10.1287/mnsc.47.2.205.9840

    Squicciarini, M., Dernis, H., & Criscuolo, C. (2013). OECD STI WP 2013/03.
    https://doi.org/10.1787/5k4522wkw1r8-en
    """
    with store.query_cursor("patent value") as cur:
        _prepare(cur)
        cur.execute(BACKWARD_LINKS_SQL)
        return cur.sql(RADICALNESS_SQL).to_arrow_table().cast(DIVERSITY_SCHEMA)


def _count(store: Store, name: str) -> pa.Table:
    with store.query_cursor("patent value") as cur:
        _prepare(cur)
        return cur.sql(COUNT_SQL[name]).to_arrow_table().cast(COUNT_SCHEMA)


def patent_scope(store: Store) -> pa.Table:
    """Patent scope: the number of distinct CPC subclasses a patent is classified in.

    Parameters
    ----------
    store : Store
        The store (reads ``patent_cpc``).

    Returns
    -------
    pa.Table
        :data:`COUNT_SCHEMA`: patent_id: string, value: int64 (null without any class).

    References
    ----------
    Lerner, J. (1994). The importance of patent scope. RAND Journal of Economics, 25(2),
    319–333. https://doi.org/10.2307/2555833
    """
    return _count(store, "patent_scope")


def family_size(store: Store) -> pa.Table:
    """Family size: the number of patents in the store of the patent's family.

    Parameters
    ----------
    store : Store
        The store (reads ``patent_families``: the source's family ids or patents linked by
        priority claims and US continuity, :func:`~forcemap.store.patent_resolution.
        group_patent_families`; else ``patents.family_id``).

    Returns
    -------
    pa.Table
        :data:`COUNT_SCHEMA`: patent_id, value: int64 (null for a patent with no family
        information: its family is unknown, not of size 1).

    Notes
    -----
    The OECD counts the patent offices of the family; this counts the family members that
    are in the store, which equals it only when the store holds one document per office.
    """
    return _count(store, "family_size")


def claims(store: Store) -> pa.Table:
    """Number of claims, as recorded (``patents.num_claims``).

    Parameters
    ----------
    store : Store
        The store.

    Returns
    -------
    pa.Table
        :data:`COUNT_SCHEMA`: patent_id, value: int64 (null when unknown).
    """
    return _count(store, "claims")


def backward_citations(store: Store) -> pa.Table:
    """Backward citations: distinct patents cited, whether or not they are in the store.

    Parameters
    ----------
    store : Store
        The store (reads ``patent_citations``).

    Returns
    -------
    pa.Table
        :data:`COUNT_SCHEMA`: patent_id, value: int64 (0 when none; self-citations ignored).
    """
    return _count(store, "backward_citations")


def science_citations(store: Store) -> pa.Table:
    """Science linkage: distinct scientific works cited (``patent_npl``).

    Parameters
    ----------
    store : Store
        The store (reads ``patent_npl``).

    Returns
    -------
    pa.Table
        :data:`COUNT_SCHEMA`: patent_id, value: int64 (0 when none).
    """
    return _count(store, "science_citations")


def patent_value(
    store: Store,
    *,
    window: int | None = 5,
    date: str = "grant",
    cohort: str = "wipo_field",
    top: float = 0.01,
    generality_window: int | None = None,
    classes: str = "all",
    correction: bool = True,
) -> pa.Table:
    """All patent quality indicators of every patent in one table.

    Parameters
    ----------
    store : Store
        The store.
    window, date
        Forward-citation window and date (:func:`forward_citations`), also used for
        :func:`breakthrough`.
    cohort, top
        As in :func:`breakthrough`.
    generality_window : int or None, default None
        Window of the citing patents in :func:`generality`.
    classes, correction
        As in :func:`generality` and :func:`originality`.

    Returns
    -------
    pa.Table
        :data:`PATENT_VALUE_SCHEMA`, one row per patent, sorted by patent_id: patent_id,
        year, forward_citations, breakthrough, generality, originality, radicalness,
        patent_scope, family_size, claims, backward_citations, science_citations, each as
        defined by the function of the same name (the same nulls).

    Raises
    ------
    InputError
        An option is outside its allowed values.

    References
    ----------
    Squicciarini, M., Dernis, H., & Criscuolo, C. (2013). Measuring patent quality:
    Indicators of technological and economic value. OECD STI Working Papers 2013/03.
    https://doi.org/10.1787/5k4522wkw1r8-en
    """
    _check("classes", classes, _CLASSES)
    _check_window(generality_window)
    with store.query_cursor("patent value") as cur:
        _prepare(cur, date=date)
        _forward(cur, window)
        _breakthrough(cur, cohort, top)
        # Generality may use another window than the forward citations: rebuild the links.
        cur.execute(FORWARD_LINKS_SQL, {"window": generality_window})
        cur.register("_fm_gen", _diversity(cur, "forward", classes, correction).to_arrow_table())
        cur.execute(BACKWARD_LINKS_SQL)
        cur.register("_fm_ori", _diversity(cur, "backward", classes, correction).to_arrow_table())
        cur.register("_fm_rad", cur.sql(RADICALNESS_SQL).to_arrow_table())
        for name in COUNT_SQL:
            cur.register(f"_fm_{name}", cur.sql(COUNT_SQL[name]).to_arrow_table())
        rel = cur.sql(
            """
            SELECT b.patent_id, b.year, b.forward_citations, b.breakthrough,
                   g.value AS generality, o.value AS originality, r.value AS radicalness,
                   s.value AS patent_scope, f.value AS family_size, c.value AS claims,
                   bc.value AS backward_citations, sc.value AS science_citations
            FROM _fm_bt AS b
            JOIN _fm_gen AS g USING (patent_id)
            JOIN _fm_ori AS o USING (patent_id)
            JOIN _fm_rad AS r USING (patent_id)
            JOIN _fm_patent_scope AS s USING (patent_id)
            JOIN _fm_family_size AS f USING (patent_id)
            JOIN _fm_claims AS c USING (patent_id)
            JOIN _fm_backward_citations AS bc USING (patent_id)
            JOIN _fm_science_citations AS sc USING (patent_id)
            ORDER BY b.patent_id
            """
        )
        return rel.to_arrow_table().cast(PATENT_VALUE_SCHEMA)


PATENT_VALUE = Indicator(
    "patent-value",
    patent_value,
    inputs=lambda params: (*PATENTS, "patent_inventors", "patent_npl"),
)
"""``forcemap indicators patent-value``: the OECD patent quality indicators per patent."""
