r"""Citation impact: counts, field normalisation, percentiles and aggregate impact.

Every function takes a :class:`~forcemap.store.Store` and returns an Arrow table computed
set-based in DuckDB SQL. The work-level pipeline is

1. :func:`citation_counts` — citations each work receives from works in the store, or the
   source's own counts; :func:`citation_basis` picks between them (``citations="auto"``:
   the source's on a sample, whose references mostly cite works outside it);
2. :func:`assign_field` — one field per work (level-0 or level-1 concept, or the primary
   topic's field or subfield);
3. :func:`field_normalised_citation_score` — citations over the mean of the work's reference
   set (same field, year and type: MNCS / FWCI), over the primary field or fractionally
   over all of the work's fields;
4. :func:`percentile_rank` — percentile within the reference set and top 1 % / top 10 %
   membership (flags and Waltman–Schreiber fractional shares; uncited works get none);
5. :func:`aggregate_impact` — P, fractional P, citations, MNCS and PP(top 10 %) per country,
   institution, organisation or field, with full or fractional counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import InputError
from forcemap.indicators._impact_sql import (
    AGGREGATE_SQL,
    CITATIONS_SQL,
    CONCEPT_FIELD_SQL,
    COUNTS_BY_YEAR_TABLE,
    FIELDS_SQL,
    FRACTIONAL_IMPACT_SQL,
    SOURCE_WINDOW_SQL,
    TOPIC_FIELD_SQL,
    UNIT_SQL,
    WEIGHTS_SQL,
    WORK_IMPACT_SQL,
    ZERO_CELLS_SQL,
)
from forcemap.indicators._registry import WORK_ACTORS, WORKS, Indicator
from forcemap.store.store import Store

__all__ = [
    "AGGREGATE_SCHEMA",
    "CITATION_BASES",
    "CITATION_SCHEMA",
    "COUNTS_BY_YEAR_TABLE",
    "FIELD_DEFINITIONS",
    "FIELD_SCHEMA",
    "MIN_RESOLVED",
    "NCS_SCHEMA",
    "NOTE_KEYS",
    "PERCENTILE_SCHEMA",
    "CitationBasis",
    "aggregate_impact",
    "assign_field",
    "citation_basis",
    "citation_counts",
    "field_normalised_citation_score",
    "impact_caveats",
    "impact_notes",
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


def _check_choice(name: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        raise InputError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}")


def _check_window(window: int | None) -> None:
    if window is not None and (isinstance(window, bool) or int(window) != window or window < 0):
        raise InputError(f"window={window!r} must be None or a non-negative integer (years)")


def _make_fields(cur: duckdb.DuckDBPyConnection, field: str) -> None:
    _check_choice("field", field, FIELD_DEFINITIONS)
    if field in TOPIC_FIELD_SQL:
        cur.execute(TOPIC_FIELD_SQL[field])
    else:
        # A view cannot hold a prepared parameter: the level filter is materialised.
        cur.execute(CONCEPT_FIELD_SQL, {"level": 0 if field == "concept0" else 1})


def _has_table(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = $t AND NOT temporary",
        {"t": name},
    ).fetchall()[0]
    return bool(row and row[0])


#: The citation bases accepted by ``citations=``.
CITATION_BASES: tuple[str, ...] = ("store", "source", "auto")
#: ``auto`` takes the source's counts when fewer than this share of the store's references
#: resolve to a work in the store (the store is then a sample, not a closed citation graph).
MIN_RESOLVED = 0.5


@dataclass(frozen=True)
class CitationBasis:
    """The citation counts an impact computation uses, and why.

    ``basis`` is ``"store"`` (citations between works in the store) or ``"source"`` (the
    source's own counts, ``works.cited_by_count``); ``requested`` is what was asked for
    (``"auto"`` decides from ``resolved`` of ``references``: the references whose cited
    work is in the store). ``source_known`` works of ``works`` have a source count.
    """

    requested: str
    basis: str
    references: int
    resolved: int
    works: int
    source_known: int
    min_resolved: float = MIN_RESOLVED

    @property
    def resolved_share(self) -> float | None:
        """Share of the store's references that resolve to a work in the store (None when
        the store has no references)."""
        return self.resolved / self.references if self.references else None

    def __str__(self) -> str:
        what = (
            "citations between works in the store"
            if self.basis == "store"
            else "the source's citation counts (cited_by_count)"
        )
        share = self.resolved_share
        refs = (
            f"{self.resolved:,} of {self.references:,} references ({share:.1%}) resolve in "
            "the store"
            if share is not None
            else "the store has no references"
        )
        if self.requested != "auto":
            return f"citations: {what} (asked; {refs})"
        return f"citations: {what} (auto: {refs}; threshold {self.min_resolved:.0%})"


def citation_basis(
    store: Store, *, citations: str = "auto", min_resolved: float = MIN_RESOLVED
) -> CitationBasis:
    """Decide the citation basis of ``store``: the counts between its works, or the source's.

    Parameters
    ----------
    store : Store
        The store (reads ``works`` and ``work_references``).
    citations : {"auto", "store", "source"}, default "auto"
        ``store`` and ``source`` are taken as asked. ``auto`` detects a sample: when fewer
        than ``min_resolved`` of the store's references (``work_references`` rows) cite a
        work that is in the store, the store's citation graph misses most of each work's
        citations, and the source's counts are used, provided at least half of the works
        have one; otherwise (a closed store, or no source counts) the store's.
    min_resolved : float, default 0.5
        The resolved-reference share below which ``auto`` takes the source's counts.

    Returns
    -------
    CitationBasis
        The basis and the counts it was decided on; ``str()`` of it is a sentence a rule
        can quote.

    Raises
    ------
    InputError
        ``citations`` is not one of :data:`CITATION_BASES`, or ``min_resolved`` is not in
        [0, 1].
    """
    with store.query_cursor("impact") as cur:
        return _detect(cur, citations, min_resolved)


def _detect(cur: duckdb.DuckDBPyConnection, citations: str, min_resolved: float) -> CitationBasis:
    _check_choice("citations", citations, CITATION_BASES)
    if isinstance(min_resolved, bool) or not 0 <= min_resolved <= 1:
        raise InputError(f"min_resolved={min_resolved!r} must be a share in [0, 1]")
    row = cur.execute(
        """SELECT (SELECT count(*) FROM work_references),
                  (SELECT count(*) FROM work_references AS r
                   WHERE EXISTS (SELECT 1 FROM works AS w WHERE w.work_id = r.cited_id)),
                  (SELECT count(*) FROM works),
                  (SELECT count(cited_by_count) FROM works)"""
    ).fetchall()[0]
    refs, resolved, works, known = (int(x) for x in row) if row else (0, 0, 0, 0)
    basis = citations
    if citations == "auto":
        share = resolved / refs if refs else None
        sample = share is None or share < min_resolved
        basis = "source" if sample and works and known >= 0.5 * works else "store"
    return CitationBasis(citations, basis, refs, resolved, works, known, min_resolved)


def _make_citations(
    cur: duckdb.DuckDBPyConnection, window: int | None, same_year: bool, basis: str
) -> int:
    """Build ``_fm_cit`` on ``basis``; return how many works with a year have no windowed
    source count (their window is not covered by the store's counts by year)."""
    _check_window(window)
    by_year = basis == "source" and window is not None and _has_table(cur, COUNTS_BY_YEAR_TABLE)
    sql = CITATIONS_SQL.replace("{source_window}", SOURCE_WINDOW_SQL[by_year])
    cur.execute(sql, {"window": window, "same_year": same_year, "source": basis == "source"})
    if basis != "source" or window is None:
        return 0
    row = cur.execute(
        "SELECT count(*) FROM _fm_cit WHERE citations IS NULL AND year IS NOT NULL"
    ).fetchall()[0]
    return int(row[0]) if row else 0


def _make_work_impact(
    cur: duckdb.DuckDBPyConnection,
    *,
    window: int | None,
    field: str,
    basis: CitationBasis,
    by_type: bool,
    same_year: bool,
    fractional_fields: bool,
) -> dict[str, str]:
    """Build ``_fm_wi`` (work-level impact); return the notes of the computation (the
    metadata of the returned tables, see :data:`NOTE_KEYS`)."""
    unknown = _make_citations(cur, window, same_year, basis.basis)
    _make_fields(cur, field)
    if fractional_fields:
        kind = "concept" if field.startswith("concept") else field
        cur.execute(FIELDS_SQL[kind], {"level": 1 if field == "concept1" else 0})
        cur.execute(FRACTIONAL_IMPACT_SQL[0], {"by_type": by_type})
        for sql in FRACTIONAL_IMPACT_SQL[1:]:
            cur.execute(sql)
    else:
        cur.execute(WORK_IMPACT_SQL, {"by_type": by_type})
        cur.execute(ZERO_CELLS_SQL)
    row = cur.execute(
        """SELECT (SELECT count(*) FROM _fm_zcells),
                  count(*) FILTER (WHERE zero_cut10), coalesce(sum(zero_withheld10), 0)
           FROM _fm_wi"""
    ).fetchall()[0]
    cells, works, withheld = row if row else (0, 0, 0.0)
    return {
        "citations": basis.basis,
        "citation_basis": str(basis),
        "fields": f"{field} ({'fractional over all fields' if fractional_fields else 'primary'})",
        "window_unknown": str(unknown),
        "zero_threshold_cells": str(int(cells)),
        "zero_threshold_works": str(int(works)),
        "zero_threshold_withheld": f"{float(withheld):.6g}",
    }


#: Keys of the notes every impact table carries as schema metadata (``forcemap.<key>``):
#: ``citations`` (the basis used, "store" or "source"), ``citation_basis`` (a sentence
#: saying why), ``fields`` (the field definition and primary / fractional), ``window_unknown``
#: (works whose windowed source count is unknown), ``zero_threshold_cells`` /
#: ``zero_threshold_works`` / ``zero_threshold_withheld`` (reference cells whose top-10 %
#: boundary falls on uncited works, the uncited works in them, and the top-10 % share that
#: plain fractional assignment would have given those works).
NOTE_KEYS: tuple[str, ...] = (
    "citations",
    "citation_basis",
    "fields",
    "window_unknown",
    "zero_threshold_cells",
    "zero_threshold_works",
    "zero_threshold_withheld",
)


def _with_notes(table: pa.Table, notes: dict[str, str]) -> pa.Table:
    return table.replace_schema_metadata({f"forcemap.{k}": v for k, v in notes.items()})


def impact_caveats(table: pa.Table) -> list[str]:
    """Plain-language caveats from an impact table's notes, for a decision to quote: the
    citation basis used and why, the reference sets whose top-10 % boundary falls on
    uncited works, and the works whose windowed source count is unknown (none when the
    table has no notes or nothing to say)."""
    n = impact_notes(table)
    out = []
    if "citation_basis" in n:
        out.append(n["citation_basis"][:1].upper() + n["citation_basis"][1:] + ".")
    works = int(n.get("zero_threshold_works", "0"))
    if works:
        withheld = float(n.get("zero_threshold_withheld", "0") or 0)
        out.append(
            f"{int(n.get('zero_threshold_cells', '0')):,} reference sets (field × year × type) "
            f"have their top-10 % boundary on uncited works: their {works:,} uncited works get "
            f"no top-10 % credit ({withheld:,.1f} top-10 % units not assigned)."
        )
    unknown = int(n.get("window_unknown", "0"))
    if unknown:
        out.append(
            f"{unknown:,} works have no known windowed citation count (the source's counts by "
            "year do not cover their window): left out, not counted as uncited."
        )
    return out


def impact_notes(table: pa.Table) -> dict[str, str]:
    """The notes an impact table carries (:data:`NOTE_KEYS`), e.g. ``{"citations":
    "source", "zero_threshold_works": "742", …}``; empty for a table without them."""
    meta = table.schema.metadata or {}
    out = {}
    for k in NOTE_KEYS:
        v = meta.get(f"forcemap.{k}".encode())
        if v is not None:
            out[k] = v.decode()
    return out


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
    store: Store,
    *,
    window: int | None = None,
    include_pub_year: bool = False,
    citations: str = "auto",
    min_resolved: float = MIN_RESOLVED,
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
    citations : {"auto", "store", "source"}, default "auto"
        The basis of ``citations`` (:func:`citation_basis`): ``store`` counts citing works in
        the store as above; ``source`` takes the source's ``cited_by_count`` or, with a
        window, the sum of the source's counts by year (table
        :data:`COUNTS_BY_YEAR_TABLE`, OpenAlex ``counts_by_year``) over the same citing
        years, where the store keeps them and they cover the whole window (else null:
        unknown, not 0); ``auto`` picks ``source`` on a sample.
    min_resolved : float, default 0.5
        The threshold of ``auto`` (:func:`citation_basis`).

    Returns
    -------
    pa.Table
        :data:`CITATION_SCHEMA`, one row per work: work_id: string, year: int32,
        type: string, citations: int64 (on the basis used), cited_by_count: int64 (the
        source's own count, for comparison). The schema metadata carries the notes
        ``citations``, ``citation_basis`` and ``window_unknown`` (:func:`impact_notes`).

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
    null count, and citing works without a year are not counted. OpenAlex's
    ``counts_by_year`` covers only the last ten years, so a windowed source count is known
    only for works whose window lies in the years the store's counts by year span; the
    store schema does not hold them yet, so today every windowed source count is null
    (reported as ``window_unknown``).
    """
    with store.query_cursor("impact") as cur:
        basis = _detect(cur, citations, min_resolved)
        unknown = _make_citations(cur, window, include_pub_year, basis.basis)
        rel = cur.sql("SELECT * FROM _fm_cit ORDER BY work_id")
        notes = {
            "citations": basis.basis,
            "citation_basis": str(basis),
            "window_unknown": str(unknown),
        }
        return _with_notes(rel.to_arrow_table().cast(CITATION_SCHEMA), notes)


def field_normalised_citation_score(
    store: Store,
    *,
    window: int | None = None,
    field: str = "concept0",
    citations: str = "auto",
    by_type: bool = True,
    include_pub_year: bool = False,
    fractional_fields: bool = False,
    min_resolved: float = MIN_RESOLVED,
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
    citations : {"auto", "store", "source"}, default "auto"
        ``store``: citations counted from works in the store; ``source``: the source's
        counts; ``auto``: the source's on a sample (see :func:`citation_basis` and
        :func:`citation_counts`). The basis used is in the table's notes.
    by_type : bool, default True
        Include document type in the reference set (Elsevier's FWCI does; CWTS' MNCS
        usually restricts to articles and reviews beforehand instead).
    include_pub_year : bool, default False
        See :func:`citation_counts`.
    fractional_fields : bool, default False
        ``False``: the reference set is the cell (primary field, year, type) of
        :func:`assign_field`. ``True``: the work belongs to every field of its definition
        (every level-0 / level-1 concept, or the fields / subfields of all its topics) with
        a weight :math:`w_{if}` proportional to the concept's / topics' score and summing to
        1; each cell's mean is weighted, :math:`\bar c_f = \sum_j w_{jf} c_j / \sum_j
        w_{jf}`, and the work's expected citations is :math:`e_i = \sum_f w_{if} \bar c_f`
        (the fractional treatment of publications in several fields of CWTS: Waltman et al.
        2011, Scientometrics; SciVal's FWCI likewise uses all of a publication's fields).
    min_resolved : float, default 0.5
        The threshold of ``citations="auto"``.

    Returns
    -------
    pa.Table
        :data:`NCS_SCHEMA`, one row per work: work_id: string, year: int32, type: string,
        field_id: string (the primary field), citations: int64 (c_i), ref_n: int64 (size of
        the reference set; with ``fractional_fields`` the number of works in the cell of
        the work's heaviest field), ref_mean: float64 (its mean citations, the expected
        citations :math:`e_i`), ncs: float64. The schema metadata carries the notes of
        :data:`NOTE_KEYS` (:func:`impact_notes`): the citation basis used and why, the
        field mode, and the zero-threshold counts of :func:`percentile_rank`.

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

    Waltman, L., van Eck, N. J., van Leeuwen, T. N., Visser, M. S., & van Raan, A. F. J.
    (2011). Towards a new crown indicator: An empirical analysis. Scientometrics, 87(3),
    467–481. https://doi.org/10.1007/s11192-011-0354-5

    Elsevier (2019). Research Metrics Guidebook, "Field-Weighted Citation Impact".
    """
    with store.query_cursor("impact") as cur:
        notes = _make_work_impact(
            cur,
            window=window,
            field=field,
            basis=_detect(cur, citations, min_resolved),
            by_type=by_type,
            same_year=include_pub_year,
            fractional_fields=fractional_fields,
        )
        rel = cur.sql(
            """SELECT work_id, year, type, field_id, citations, ref_n, ref_mean, ncs
               FROM _fm_wi ORDER BY work_id"""
        )
        return _with_notes(rel.to_arrow_table().cast(NCS_SCHEMA), notes)


def percentile_rank(
    store: Store,
    *,
    window: int | None = None,
    field: str = "concept0",
    citations: str = "auto",
    by_type: bool = True,
    include_pub_year: bool = False,
    fractional_fields: bool = False,
    min_resolved: float = MIN_RESOLVED,
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
    window, field, citations, by_type, include_pub_year, fractional_fields, min_resolved
        As in :func:`field_normalised_citation_score`. With ``fractional_fields`` the
        percentile and the top-x shares are the :math:`w_{if}`-weighted sums of those the
        work has in each of its cells, where counts of works become sums of weights.

    Returns
    -------
    pa.Table
        :data:`PERCENTILE_SCHEMA`, one row per work: work_id, year, type, field_id,
        citations, ref_n (as in :func:`field_normalised_citation_score`); percentile:
        float64 in [0, 100); top1, top10: bool (percentile ≥ 99 / ≥ 90); top1_frac,
        top10_frac: float64 in [0, 1] (Waltman–Schreiber shares; they sum to
        :math:`0.01 n` and :math:`0.1 n` over a reference set, less the shares uncited
        works would have had). Notes in the schema metadata as in
        :func:`field_normalised_citation_score`: ``zero_threshold_cells`` (reference sets
        whose top-10 % boundary falls on uncited works), ``zero_threshold_works`` (the
        uncited works in them) and ``zero_threshold_withheld`` (the top-10 % share plain
        fractional assignment would have given those works).

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
    instead: each tied work gets the part of the tie inside the top :math:`x` share, except
    at zero: an uncited work never gets a top-x share, so a reference set whose boundary
    falls on uncited works (e.g. an all-uncited set of 10, which would give each 0.1)
    credits none of them, and its top-x shares sum to less than :math:`x n`; such sets
    are counted in the notes. Citation counts of 0 in a sample are mostly missing
    evidence, and an uncited work is not highly cited. Works without a reference set (no
    field, year or count) get nulls.

    References
    ----------
    Leydesdorff, L., Bornmann, L., Mutz, R., & Opthof, T. (2011). Turning the tables on
    citation analysis one more time: Principles for comparing sets of documents. JASIST,
    62(7), 1370–1381. https://doi.org/10.1002/asi.21534

    Waltman, L., & Schreiber, M. (2013). On the calculation of percentile-based bibliometric
    indicators. JASIST, 64(2), 372–379. https://doi.org/10.1002/asi.22775
    """
    with store.query_cursor("impact") as cur:
        notes = _make_work_impact(
            cur,
            window=window,
            field=field,
            basis=_detect(cur, citations, min_resolved),
            by_type=by_type,
            same_year=include_pub_year,
            fractional_fields=fractional_fields,
        )
        rel = cur.sql(
            """SELECT work_id, year, type, field_id, citations, ref_n, percentile,
                      top1, top10, top1_frac, top10_frac
               FROM _fm_wi ORDER BY work_id"""
        )
        return _with_notes(rel.to_arrow_table().cast(PERCENTILE_SCHEMA), notes)


def aggregate_impact(
    store: Store,
    *,
    by: str = "country",
    counting: str = "full",
    window: int | None = None,
    field: str = "concept0",
    citations: str = "auto",
    by_type: bool = True,
    include_pub_year: bool = False,
    fractional_fields: bool = False,
    min_resolved: float = MIN_RESOLVED,
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
    window, field, citations, by_type, include_pub_year, fractional_fields, min_resolved
        As in :func:`field_normalised_citation_score` and :func:`percentile_rank` (``by=
        "field"`` always groups by the primary field).
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
        over all top-10 % works in scope: the unit's share of the world's top 10 %). The
        notes of :func:`percentile_rank` are in the schema metadata.

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
    _check_choice("by", by, tuple(UNIT_SQL))
    _check_choice("counting", counting, ("full", "fractional"))
    with store.query_cursor("impact") as cur:
        notes = _make_work_impact(
            cur,
            window=window,
            field=field,
            basis=_detect(cur, citations, min_resolved),
            by_type=by_type,
            same_year=include_pub_year,
            fractional_fields=fractional_fields,
        )
        cur.execute(UNIT_SQL[by])
        cur.execute(WEIGHTS_SQL)
        rel = cur.sql(
            AGGREGATE_SQL,
            params={"frac": counting == "fractional", "start": start_year, "end": end_year},
        )
        return _with_notes(rel.to_arrow_table().cast(AGGREGATE_SCHEMA), notes)


IMPACT = Indicator("impact", field_normalised_citation_score, inputs=lambda params: WORKS)
"""``forcemap indicators impact``: MNCS / FWCI per work."""
PERCENTILES = Indicator("percentiles", percentile_rank, inputs=lambda params: WORKS)
"""``forcemap indicators percentiles``: percentile rank, top 1 % / 10 % per work."""
AGGREGATE = Indicator("aggregate", aggregate_impact, inputs=lambda params: WORKS + WORK_ACTORS)
"""``forcemap indicators aggregate``: impact per country, institution or author."""
