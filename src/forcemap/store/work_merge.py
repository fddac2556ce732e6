"""Work merging across sources: one row of ``works`` per distinct paper (issue 19, item 1).

The same paper ingested from OpenAlex, a WoS, Scopus, Lens, RIS or BibTeX export is stored
first as one *record* per source (its own id: ``W…``, ``WOS:…``, ``scopus:…``, ``ris:…``).
Merging links records in two steps and folds every group of linked records into one work:

1. **DOI**: records with the same normalised DOI are linked to the group's best record,
   unless their years differ by more than :data:`MAX_YEAR_GAP` (a ``doi_year`` conflict,
   reported, not merged).
2. **Probabilistic** (records without a shared DOI): the Fellegi–Sunter model of
   :mod:`forcemap.store._work_match` on title, year, first author and venue, run by Splink 5
   on DuckDB with fixed m/u probabilities over blocked pairs; a pair links at match probability
   ≥ :data:`~forcemap.store._work_match.THRESHOLD` with a similar title, unless both records
   carry different DOIs (``two_dois``) or their years differ by more than
   :data:`MAX_YEAR_GAP` (``year_gap``): those are reported as conflicts, never merged.

Groups are the connected components of the links, after the user's overrides
(``work_overrides``: pairs to ``join`` or keep ``apart``). A component holding two different
DOIs keeps only its DOI and override links (a ``bridge`` conflict). In each group the
**canonical record** is the best source's (an OpenAlex id first, then Scopus, WoS, Lens,
BibTeX, RIS, other; ties by the smallest id); the work keeps its id and its authorship list
and topics, takes missing fields from the other records in the same order, and the union of
the records' concepts/keywords. References from and to every record, ``patent_npl`` and
``project_outputs`` point to the work (references de-duplicated, a work's citation of itself
created by the merge dropped).

Reversible: the records' own rows are parked in the ``record_*`` tables and ``work_records``
says which record is in which work, by which method and with what evidence; ``forcemap
resolve`` restores every record and merges again from scratch (so a new override takes effect
and re-running is idempotent). An ingest batch merges only its new records, blocked against
the store (:func:`merge_batch`, called by :meth:`Store.finish`).
"""

from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store._versions import bump_versions
from forcemap.store._work_match import (
    THRESHOLD,
    TITLE_LINK_LEVELS,
    feature_sql,
    model_parameters,
    score_pairs,
)
from forcemap.store._work_park import apply_clusters, load_columns, restore_works

if TYPE_CHECKING:
    from forcemap.store.store import Store

__all__ = [
    "MAX_YEAR_GAP",
    "WORK_SOURCES",
    "WorkExplanation",
    "WorkMergeReport",
    "explain_work",
    "merge_batch",
    "read_work_overrides",
    "resolve_works",
]

MAX_YEAR_GAP = 1
"""Records whose publication years differ by more than this are never merged."""

WORK_SOURCES = frozenset({"openalex", "wos", "scopus", "lens", "ris", "bibtex"})
"""Ingest sources whose batches write work records (and are merged at ingest)."""


_RANK = """CASE WHEN regexp_matches(w.work_id, '^W[0-9]+$') OR l.source = 'openalex' THEN 0
     WHEN l.source = 'scopus' THEN 1 WHEN l.source = 'wos' THEN 2 WHEN l.source = 'lens' THEN 3
     WHEN l.source = 'bibtex' THEN 4 WHEN l.source = 'ris' THEN 5 ELSE 6 END"""

_TEMPS = (
    "_wm_feat",
    "_wm_new",
    "_wm_e",
    "_wm_cc",
    "_wm_cl",
    "_wm_k",
    "_wm_rm",
    "_wm_fresh",
    "_wm_nodes",
    "_wm_pairs",
    "_wm_conf",
    "_wm_d",
    "_wm_src",
)


@dataclass
class WorkMergeReport:
    """What a work merge did.

    ``records`` work records considered, ``works`` rows of ``works`` after the merge,
    ``merged_records`` records folded into another record's work (``records - works`` when
    every record was considered), ``merged_works`` works made of two or more records,
    ``links`` accepted links by method, ``conflicts`` pairs not merged by kind with
    ``conflict_examples`` (up to 10), ``overrides_applied`` / ``overrides_unmatched`` the
    overrides that named stored records / those that did not.
    """

    records: int = 0
    works: int = 0
    merged_records: int = 0
    merged_works: int = 0
    links: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)
    conflict_examples: list[tuple[str, str, str, str]] = field(default_factory=list)
    overrides_applied: int = 0
    overrides_unmatched: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class WorkExplanation:
    """Why a work is made of its records: the records, the links with method, probability and
    per-field match weights, the conflicts touching them and the model's parameters."""

    work_id: str
    records: pa.Table  # record_id, source, is_canonical, method, match_probability, doi, title…
    links: pa.Table  # record_a, record_b, method, match_probability, match_weight, evidence
    conflicts: pa.Table  # record_a, record_b, kind, detail
    model: dict[str, Any]


# -- overrides ----------------------------------------------------------------------------

_OV_SCHEMA = pa.schema(
    [
        ("record_a", pa.string()),
        ("record_b", pa.string()),
        ("action", pa.string()),
        ("reason", pa.string()),
        ("file", pa.string()),
        ("line", pa.int64()),
    ]
)


def read_work_overrides(path: str | os.PathLike[str]) -> pa.Table:
    """Read a work-overrides CSV: header ``record_a,record_b,action,reason``; ``action`` is
    ``join`` (merge the two records' works) or ``apart`` (never in one work); ``reason`` is
    free text, required (an override says why). Record ids are the source records' own ids
    (``W2125158795``, ``WOS:000…``, ``ris:…``), as ``forcemap resolve --explain`` lists them.

    Raises
    ------
    NotFoundError
        The file does not exist.
    ParseError
        A missing column, an empty id or reason, an unknown action, a record paired with
        itself: naming the file, line and field.
    """
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"{p}: no such work-overrides file")
    rows: list[dict[str, Any]] = []
    with open(p, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        need = ("record_a", "record_b", "action", "reason")
        missing = [c for c in need if c not in (reader.fieldnames or [])]
        if missing:
            raise ParseError(
                f"work overrides need the columns {','.join(need)}; missing {', '.join(missing)}",
                file=str(p),
                line=1,
            )
        for i, r in enumerate(reader, start=2):
            vals = {c: (r.get(c) or "").strip() for c in need}
            for c in need:
                if not vals[c]:
                    raise ParseError(f"field {c} is empty", file=str(p), line=i)
            if vals["action"] not in ("join", "apart"):
                raise ParseError(
                    f"field action is {vals['action']!r}: use join or apart", file=str(p), line=i
                )
            if vals["record_a"] == vals["record_b"]:
                raise ParseError("record_a and record_b are the same record", file=str(p), line=i)
            a, b = sorted((vals["record_a"], vals["record_b"]))
            rows.append(
                {
                    "record_a": a,
                    "record_b": b,
                    "action": vals["action"],
                    "reason": vals["reason"],
                    "file": str(p),
                    "line": i,
                }
            )
    return pa.Table.from_pylist(rows, schema=_OV_SCHEMA)


# -- features and links ---------------------------------------------------------------------


def _features(con: duckdb.DuckDBPyConnection, works: str) -> None:
    """``_wm_feat``: match features and source rank of the works rows named by ``works``."""
    con.execute("DROP TABLE IF EXISTS _wm_feat")
    con.execute(
        f"""CREATE TEMP TABLE _wm_feat AS
            SELECT f.*, {_RANK} AS rank, {_RANK} = 0 AS is_oa,
                   CASE WHEN f.doi IS NOT NULL THEN f.doi
                        WHEN {_RANK} = 0 THEN 'openalex:' || f.unique_id END AS anchor
            FROM ({feature_sql(works, "authorships")}) f
            JOIN works w ON w.work_id = f.unique_id
            LEFT JOIN _wm_src l ON l.batch_id = w.batch_id"""  # noqa: S608 - allow-list
    )


def _doi_links(con: duckdb.DuckDBPyConnection, *, new_only: bool) -> None:
    """DOI links into ``_wm_e`` and DOI-year conflicts into ``_wm_conf``: each record of a DOI
    group is linked to the group's best record unless their years are too far apart."""
    cond = (
        "AND doi IN (SELECT doi FROM _wm_feat WHERE unique_id IN (SELECT id FROM _wm_new))"
        if new_only
        else ""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _wm_pairs AS
            WITH g AS (
                SELECT doi, arg_min(unique_id, (rank, unique_id)) AS best,
                       arg_min(year, (rank, unique_id)) AS best_year,
                       bool_or(is_oa) AS best_oa
                FROM _wm_feat WHERE doi IS NOT NULL {cond} GROUP BY doi HAVING count(*) > 1)
            SELECT g.best AS a, f.unique_id AS b, f.doi,
                   abs(f.year - g.best_year) AS gap, g.best_year, f.year,
                   g.best_oa AND f.is_oa AS both_oa
            FROM g JOIN _wm_feat f USING (doi) WHERE f.unique_id <> g.best"""  # noqa: S608
    )
    con.execute(
        f"""INSERT INTO _wm_e
            SELECT least(a, b), greatest(a, b), 'doi', 1.0, NULL,
                   '{{"doi":"same"}}'
            FROM _wm_pairs WHERE coalesce(gap, 0) <= {MAX_YEAR_GAP} AND NOT both_oa"""  # noqa: S608
    )
    con.execute(
        """INSERT INTO _wm_conf
           SELECT least(a, b), greatest(a, b), 'openalex_pair',
                  'two OpenAlex works with the same DOI ' || doi
           FROM _wm_pairs WHERE both_oa"""
    )
    con.execute(
        f"""INSERT INTO _wm_conf
            SELECT least(a, b), greatest(a, b), 'doi_year',
                   'same DOI ' || doi || ', years ' || best_year || ' and ' || year
            FROM _wm_pairs WHERE gap > {MAX_YEAR_GAP} AND NOT both_oa"""  # noqa: S608
    )


def _probabilistic_links(con: duckdb.DuckDBPyConnection, *, new_only: bool) -> None:
    """Splink-scored pairs into ``_wm_e`` (links) and ``_wm_conf`` (conflicts)."""
    feats = con.sql("SELECT * EXCLUDE (rank) FROM _wm_feat").to_arrow_table()
    new_ids = con.sql("SELECT id AS unique_id FROM _wm_new").to_arrow_table() if new_only else None
    pairs = score_pairs(feats, new_ids=new_ids)
    con.register("_wm_scored", pairs)
    try:
        levels = ", ".join(str(v) for v in TITLE_LINK_LEVELS)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _wm_pairs AS
                SELECT s.*, CASE
                    WHEN title_level NOT IN ({levels}) THEN 'weak_title'
                    WHEN fa.is_oa AND fb.is_oa THEN 'openalex_pair'
                    WHEN doi_l IS NOT NULL AND doi_r IS NOT NULL AND doi_l <> doi_r
                        THEN 'two_dois'
                    WHEN year_gap > {MAX_YEAR_GAP} THEN 'year_gap'
                    ELSE 'link' END AS verdict
                FROM _wm_scored s JOIN _wm_feat fa ON fa.unique_id = s.record_a
                JOIN _wm_feat fb ON fb.unique_id = s.record_b"""  # noqa: S608 - constants only
        )
    finally:
        con.unregister("_wm_scored")
    con.execute(
        """INSERT INTO _wm_e SELECT record_a, record_b, 'probabilistic', match_probability,
                  match_weight, evidence
           FROM _wm_pairs WHERE verdict = 'link'
             AND NOT EXISTS (SELECT 1 FROM _wm_e e
                             WHERE e.a = _wm_pairs.record_a AND e.b = _wm_pairs.record_b)"""
    )
    con.execute(
        """INSERT INTO _wm_conf
           SELECT record_a, record_b, verdict,
                  CASE verdict WHEN 'two_dois' THEN 'DOIs ' || doi_l || ' and ' || doi_r
                       WHEN 'openalex_pair' THEN 'two OpenAlex works that look alike'
                       ELSE 'years ' || year_gap || ' apart' END
                  || ' (match probability ' || round(match_probability, 4) || ')'
           FROM _wm_pairs WHERE verdict IN ('two_dois', 'year_gap', 'openalex_pair')"""
    )


# -- clustering -------------------------------------------------------------------------------


def _components(con: duckdb.DuckDBPyConnection) -> None:
    """``_wm_cc(node, comp)``: connected components of the edges ``_wm_e`` (label propagation
    to the smallest id, set-based; iterations ≈ the largest component's diameter)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _wm_cc AS
           SELECT node, node AS comp FROM (SELECT a AS node FROM _wm_e UNION SELECT b FROM _wm_e)"""
    )
    while True:
        changed = con.execute(
            """UPDATE _wm_cc SET comp = m.c FROM (
                 SELECT x.a AS node, min(c.comp) AS c
                 FROM (SELECT a, b FROM _wm_e UNION ALL SELECT b, a FROM _wm_e) x
                 JOIN _wm_cc c ON c.node = x.b GROUP BY x.a) m
               WHERE _wm_cc.node = m.node AND m.c < _wm_cc.comp"""
        ).fetchall()
        if not changed or not changed[0][0]:
            break


def _cluster(con: duckdb.DuckDBPyConnection) -> None:
    """Components of the links after overrides and DOI-bridge checks, into ``_wm_e`` /
    ``_wm_cc``: ``apart`` pairs lose their direct link (and, when still connected, the
    second record its non-override links); a component with two DOIs keeps only its DOI and
    override links."""
    con.execute(
        """DELETE FROM _wm_e WHERE EXISTS (SELECT 1 FROM work_overrides o
           WHERE o.action = 'apart' AND o.record_a = _wm_e.a AND o.record_b = _wm_e.b)"""
    )
    con.execute(
        """INSERT INTO _wm_e
           SELECT record_a, record_b, 'override', NULL, NULL,
                  to_json({'reason': reason})::VARCHAR
           FROM work_overrides o WHERE action = 'join'
             AND record_a IN (SELECT unique_id FROM _wm_feat)
             AND record_b IN (SELECT unique_id FROM _wm_feat)"""
    )
    con.execute(
        """DELETE FROM _wm_e WHERE method <> 'override' AND EXISTS (
             SELECT 1 FROM _wm_e o WHERE o.method = 'override' AND o.a = _wm_e.a
             AND o.b = _wm_e.b)"""
    )
    for _ in range(6):
        _components(con)
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _wm_d AS
               SELECT c.comp FROM _wm_cc c JOIN _wm_feat f ON f.unique_id = c.node
               GROUP BY c.comp
               HAVING count(DISTINCT f.doi) > 1 OR count(*) FILTER (WHERE f.is_oa) > 1"""
        )
        changed = _split_bridges(con)
        apart = con.execute(
            """INSERT INTO _wm_conf
               SELECT o.record_a, o.record_b, 'override_apart', o.reason
               FROM work_overrides o
               JOIN _wm_cc ca ON ca.node = o.record_a JOIN _wm_cc cb ON cb.node = o.record_b
               WHERE o.action = 'apart' AND ca.comp = cb.comp"""
        ).fetchall()[0][0]
        if apart:
            con.execute(
                """DELETE FROM _wm_e WHERE method <> 'override' AND EXISTS (
                     SELECT 1 FROM work_overrides o
                     JOIN _wm_cc ca ON ca.node = o.record_a JOIN _wm_cc cb ON cb.node = o.record_b
                     WHERE o.action = 'apart' AND ca.comp = cb.comp
                       AND o.record_b IN (_wm_e.a, _wm_e.b))"""
            )
        if not changed and not apart:
            break
    _components(con)
    # the clusters: canonical = best-ranked record; method and evidence of each member's
    # strongest link
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _wm_cl AS
           WITH m AS (
             SELECT c.node AS record_id, c.comp, f.rank,
                    row_number() OVER (PARTITION BY c.comp ORDER BY f.rank, c.node) AS ord
             FROM _wm_cc c JOIN _wm_feat f ON f.unique_id = c.node),
           best AS (
             SELECT x.node, arg_max(x.method, (x.p, x.method)) AS method,
                    max(x.p) AS p, arg_max(x.evidence, (x.p, x.method)) AS evidence
             FROM (SELECT a AS node, method, coalesce(p, 1.0) AS p, evidence FROM _wm_e
                   UNION ALL
                   SELECT b, method, coalesce(p, 1.0), evidence FROM _wm_e) x
             GROUP BY x.node)
           SELECT m.record_id, first(m.record_id) OVER (PARTITION BY m.comp ORDER BY m.ord)
                      AS work_id,
                  m.ord, m.ord = 1 AS is_canonical, b.method, b.p, b.evidence
           FROM m JOIN best b ON b.node = m.record_id"""
    )


BRIDGE_MARGIN = 5.0
"""A record without a DOI that matches works with different DOIs joins the best one only when
its match weight there beats the next by this many bits (else it stays apart, ``ambiguous``)."""


def _split_bridges(con: duckdb.DuckDBPyConnection) -> bool:
    """Cut the probabilistic links that join records of different DOIs (components listed in
    ``_wm_d``): a DOI-less record keeps its links to the DOI it matches best when that beats
    the runner-up by :data:`BRIDGE_MARGIN` bits, else loses all its probabilistic links
    (``ambiguous``); a bridge left without such a record loses every probabilistic link of
    its component (``bridge``). Returns whether anything was cut."""
    if not con.execute("SELECT count(*) FROM _wm_d").fetchall()[0][0]:
        return False
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _wm_pairs AS
           WITH v AS (
             SELECT e.b AS x, fa.anchor AS anchor, coalesce(e.w, 100.0) AS w FROM _wm_e e
             JOIN _wm_feat fa ON fa.unique_id = e.a JOIN _wm_feat fb ON fb.unique_id = e.b
             WHERE fa.anchor IS NOT NULL AND fb.anchor IS NULL
             UNION ALL
             SELECT e.a, fb.anchor, coalesce(e.w, 100.0) FROM _wm_e e
             JOIN _wm_feat fa ON fa.unique_id = e.a JOIN _wm_feat fb ON fb.unique_id = e.b
             WHERE fb.anchor IS NOT NULL AND fa.anchor IS NULL),
           g AS (SELECT x, anchor, max(w) AS w FROM v
                 WHERE x IN (SELECT node FROM _wm_cc WHERE comp IN (SELECT comp FROM _wm_d))
                 GROUP BY x, anchor)
           SELECT x, arg_max(anchor, (w, anchor)) AS best,
                  list_sort(list(w), 'DESC') AS ws
           FROM g GROUP BY x HAVING count(*) > 1"""
    )
    if not con.execute("SELECT count(*) FROM _wm_pairs").fetchall()[0][0]:
        con.execute(
            """INSERT INTO _wm_conf
               SELECT e.a, e.b, 'bridge', 'the link would join works with different DOIs'
               FROM _wm_e e JOIN _wm_cc c ON c.node = e.a
               WHERE e.method = 'probabilistic' AND c.comp IN (SELECT comp FROM _wm_d)"""
        )
        con.execute(
            """DELETE FROM _wm_e WHERE method = 'probabilistic' AND a IN (
                 SELECT node FROM _wm_cc WHERE comp IN (SELECT comp FROM _wm_d))"""
        )
        return True
    margin = f"ws[1] - ws[2] >= {BRIDGE_MARGIN}"
    con.execute(
        f"""INSERT INTO _wm_conf
            SELECT e.a, e.b, 'ambiguous',
                   'a record without DOI matches works of ' || len(p.ws) || ' DOIs alike'
            FROM _wm_e e JOIN _wm_pairs p ON p.x IN (e.a, e.b)
            WHERE e.method = 'probabilistic' AND NOT ({margin})"""  # noqa: S608
    )
    con.execute(
        f"""DELETE FROM _wm_e WHERE method = 'probabilistic' AND EXISTS (
              SELECT 1 FROM _wm_pairs p WHERE p.x IN (_wm_e.a, _wm_e.b) AND (NOT ({margin})
                OR EXISTS (SELECT 1 FROM _wm_feat f
                           WHERE f.unique_id IN (_wm_e.a, _wm_e.b) AND f.anchor <> p.best)))"""  # noqa: S608
    )
    return True


def _start(con: duckdb.DuckDBPyConnection) -> None:
    load_columns(con)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _wm_e (a VARCHAR, b VARCHAR, method VARCHAR,
           p DOUBLE, w DOUBLE, evidence VARCHAR)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _wm_conf (a VARCHAR, b VARCHAR, kind VARCHAR,
           detail VARCHAR)"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _wm_fresh (id VARCHAR)")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _wm_src AS
           SELECT batch_id, any_value(source) AS source FROM ingest_log GROUP BY batch_id"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _wm_new (id VARCHAR)")


def _cleanup(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary tables (after a failed statement the transaction's rollback does)."""
    try:
        for t in _TEMPS:
            con.execute(f"DROP TABLE IF EXISTS {t}")
    except duckdb.TransactionException:
        pass


def _record_conflicts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """INSERT INTO work_conflicts
           SELECT DISTINCT a, b, kind, detail FROM _wm_conf c
           WHERE NOT EXISTS (SELECT 1 FROM work_conflicts x WHERE x.record_a = c.a
                             AND x.record_b = c.b AND x.kind = c.kind)"""
    )


# -- public API -----------------------------------------------------------------------------


def resolve_works(
    store: Store, *, overrides: str | os.PathLike[str] | None = None
) -> WorkMergeReport:
    """Merge the store's work records into one work per distinct paper, from scratch.

    Every merged work is first dissolved into its records (their parked rows come back), then
    all records are linked (DOI, then the probabilistic model on blocked pairs), clustered
    and merged again, so the result depends only on the records and the overrides: running
    it twice changes nothing. ``overrides`` (see :func:`read_work_overrides`) replaces the
    stored overrides; without it the stored ones apply.

    Raises
    ------
    StoreError
        The store is read-only, or a query failed (the store is left unchanged).
    NotFoundError, ParseError
        The overrides file is missing or malformed.
    """
    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only")
    t0 = time.perf_counter()
    ov = read_work_overrides(overrides) if overrides is not None else None
    con = store.con
    report = WorkMergeReport()
    try:
        con.execute("BEGIN TRANSACTION")
        _start(con)
        if ov is not None:
            con.execute("DELETE FROM work_overrides")
            con.register("_wm_ov", ov)
            con.execute("INSERT INTO work_overrides SELECT * FROM _wm_ov")
            con.unregister("_wm_ov")
        before = _fingerprint(con)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _wm_k AS SELECT DISTINCT work_id FROM work_records"
        )
        restore_works(con)
        con.execute("DELETE FROM work_links")
        con.execute("DELETE FROM work_conflicts")
        _features(con, "works")
        _doi_links(con, new_only=False)
        _probabilistic_links(con, new_only=False)
        _cluster(con)
        apply_clusters(con, None)
        _record_conflicts(con)
        _fill_report(con, report)
        if _fingerprint(con) != before:
            bump_versions(con, _CHANGED)
        con.execute("COMMIT")
    except duckdb.Error as e:
        con.execute("ROLLBACK")
        raise StoreError(f"work merging failed on {store.path}, store unchanged: {e}") from e
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        _cleanup(con)
    report.seconds = time.perf_counter() - t0
    return report


_CHANGED = (
    "works",
    "authorships",
    "work_concepts",
    "work_topics",
    "work_references",
    "patent_npl",
    "project_outputs",
    "work_records",
)


def _fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """Which records are merged into which works (changes when a resolve changed anything)."""
    row = con.execute(
        "SELECT count(*), bit_xor(hash(record_id, work_id, method)) FROM work_records"
    ).fetchall()
    return tuple(row[0])


def _fill_report(con: duckdb.DuckDBPyConnection, report: WorkMergeReport) -> None:
    def one(sql: str) -> int:
        return int(con.execute(sql).fetchall()[0][0] or 0)

    report.works = one("SELECT count(*) FROM works")
    report.merged_records = one("SELECT count(*) FROM work_records WHERE NOT is_canonical")
    report.merged_works = one("SELECT count(*) FROM work_records WHERE is_canonical")
    report.records = report.works + report.merged_records
    report.links = {
        m: int(n)
        for m, n in con.execute(
            "SELECT method, count(*) FROM work_links GROUP BY ALL ORDER BY 1"
        ).fetchall()
    }
    report.conflicts = {
        k: int(n)
        for k, n in con.execute(
            "SELECT kind, count(*) FROM work_conflicts GROUP BY ALL ORDER BY 1"
        ).fetchall()
    }
    report.conflict_examples = [
        (str(a), str(b), str(k), str(d))
        for a, b, k, d in con.execute(
            """SELECT record_a, record_b, kind, detail FROM work_conflicts
               ORDER BY kind, record_a, record_b LIMIT 10"""
        ).fetchall()
    ]
    report.overrides_applied = one(
        """SELECT count(*) FROM work_overrides o
           WHERE EXISTS (SELECT 1 FROM works w WHERE w.work_id = o.record_a
                         UNION ALL SELECT 1 FROM work_records r WHERE r.record_id = o.record_a)
             AND EXISTS (SELECT 1 FROM works w WHERE w.work_id = o.record_b
                         UNION ALL SELECT 1 FROM work_records r WHERE r.record_id = o.record_b)"""
    )
    report.overrides_unmatched = [
        f"{f}:{ln}: {a} / {b}"
        for f, ln, a, b in con.execute(
            """SELECT file, line, record_a, record_b FROM work_overrides o
               WHERE NOT (EXISTS (SELECT 1 FROM works w WHERE w.work_id = o.record_a
                         UNION ALL SELECT 1 FROM work_records r WHERE r.record_id = o.record_a)
                 AND EXISTS (SELECT 1 FROM works w WHERE w.work_id = o.record_b
                         UNION ALL SELECT 1 FROM work_records r WHERE r.record_id = o.record_b))
               ORDER BY line"""
        ).fetchall()
    ]


def merge_batch(store: Store, batch_id: int, source: str) -> int:
    """Merge the work records written by ingest batch ``batch_id`` into the store's works;
    return how many of them were folded into a work holding records of other batches.

    Incremental: the batch's records are blocked against the store (only stored works that
    share a DOI or a blocking key with a new record are compared), and only the works they
    join are dissolved and merged again. Runs inside the batch's transaction (called by
    :meth:`~forcemap.store.store.Store.finish`), so a failure rolls the batch back.
    """
    con = store.con
    n_new = con.execute(
        "SELECT count(*) FROM works WHERE batch_id = $b", {"b": batch_id}
    ).fetchall()
    if not n_new[0][0]:
        return 0
    try:
        _start(con)
        con.execute("INSERT INTO _wm_src VALUES ($b, $s)", {"b": batch_id, "s": source})
        con.execute(
            "INSERT INTO _wm_new SELECT work_id FROM works WHERE batch_id = $b", {"b": batch_id}
        )
        con.execute("INSERT INTO _wm_fresh SELECT id FROM _wm_new")
        # two OpenAlex works are never merged automatically: a store of OpenAlex records only
        # has nothing to merge at ingest (``forcemap resolve`` reports look-alike pairs)
        others = con.execute(
            f"""SELECT count(*) FROM works w LEFT JOIN _wm_src l ON l.batch_id = w.batch_id
                WHERE NOT ({_RANK} = 0)"""  # noqa: S608 - constant SQL
        ).fetchall()[0][0]
        if not others:
            return 0
        # candidates: stored works sharing a DOI or a blocking key with a new record
        _features(con, "works")
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _wm_nodes AS
               SELECT doi, title_key, left(title_key, 24) AS k2, year,
                      right(title_key, 24) AS k3,
                      surname || '|' || year || '|' || left(title_key, 3) AS k4
               FROM _wm_feat WHERE unique_id IN (SELECT id FROM _wm_new)"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _wm_d AS
               SELECT f.unique_id FROM _wm_feat f JOIN _wm_nodes n ON n.doi = f.doi
               UNION SELECT f.unique_id FROM _wm_feat f JOIN _wm_nodes n
                 ON n.title_key = f.title_key
               UNION SELECT f.unique_id FROM _wm_feat f JOIN _wm_nodes n
                 ON n.k2 = left(f.title_key, 24) AND n.year = f.year
               UNION SELECT f.unique_id FROM _wm_feat f JOIN _wm_nodes n
                 ON n.k3 = right(f.title_key, 24)
               UNION SELECT f.unique_id FROM _wm_feat f JOIN _wm_nodes n
                 ON n.k4 = f.surname || '|' || f.year || '|' || left(f.title_key, 3)"""
        )
        con.execute(
            """DELETE FROM _wm_feat WHERE unique_id NOT IN (SELECT id FROM _wm_new)
               AND unique_id NOT IN (SELECT unique_id FROM _wm_d)"""
        )
        _doi_links(con, new_only=True)
        _probabilistic_links(con, new_only=True)
        # the works the links touch (and the fresh records that were members) are rebuilt
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _wm_k AS
               SELECT DISTINCT work_id FROM work_records
               WHERE record_id IN (SELECT a FROM _wm_e UNION SELECT b FROM _wm_e
                                   UNION SELECT id FROM _wm_fresh)"""
        )
        members = con.execute("SELECT count(*) FROM _wm_k").fetchall()[0][0]
        if not members and not con.execute("SELECT count(*) FROM _wm_e").fetchall()[0][0]:
            _record_conflicts(con)
            return 0
        con.execute(
            """INSERT INTO _wm_e SELECT record_a, record_b, method, match_probability,
                      match_weight, evidence FROM work_links l
               WHERE record_a IN (SELECT record_id FROM work_records
                                  WHERE work_id IN (SELECT work_id FROM _wm_k))
                 AND NOT EXISTS (SELECT 1 FROM _wm_e e WHERE e.a = l.record_a
                                 AND e.b = l.record_b)"""
        )
        restore_works(con)
        # features of every node of the affected component (restored members included)
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _wm_nodes AS
               SELECT a AS id FROM _wm_e UNION SELECT b FROM _wm_e"""
        )
        _features(con, "(SELECT * FROM works WHERE work_id IN (SELECT id FROM _wm_nodes))")
        con.execute("DELETE FROM _wm_e WHERE a NOT IN (SELECT unique_id FROM _wm_feat)")
        con.execute("DELETE FROM _wm_e WHERE b NOT IN (SELECT unique_id FROM _wm_feat)")
        _cluster(con)
        apply_clusters(con, batch_id)
        _record_conflicts(con)
        n = con.execute(
            """SELECT count(*) FROM work_records r WHERE r.record_id IN (SELECT id FROM _wm_new)
               AND EXISTS (SELECT 1 FROM work_records o WHERE o.work_id = r.work_id
                           AND o.record_id NOT IN (SELECT id FROM _wm_new))"""
        ).fetchall()[0][0]
        return int(n)
    finally:
        _cleanup(con)


def explain_work(store: Store, work_id: str) -> WorkExplanation:
    """The records of a work (or of the work a record id was merged into), the links between
    them with method, match probability and per-field match weights, and conflicts.

    Raises
    ------
    NotFoundError
        Neither a work nor a record has this id.
    """
    wid = store.scalar(
        """SELECT work_id FROM work_records WHERE record_id = $id
           UNION ALL SELECT work_id FROM works WHERE work_id = $id LIMIT 1""",
        {"id": work_id},
    )
    if wid is None:
        raise NotFoundError(f"no work or work record {work_id!r} in store {store.path}")
    records = store.sql(
        """SELECT r.record_id, r.source, r.is_canonical, r.method,
                  round(r.match_probability, 4) AS match_probability,
                  w.doi, w.year, w.title, w.source_name,
                  (SELECT arg_min(a.author_name, a.author_seq) FROM record_authorships a
                   WHERE a.work_id = r.record_id) AS first_author
           FROM work_records r JOIN record_works w ON w.work_id = r.record_id
           WHERE r.work_id = $w ORDER BY NOT r.is_canonical, r.record_id""",
        {"w": wid},
    ).to_arrow_table()
    if records.num_rows == 0:
        records = store.sql(
            """SELECT w.work_id AS record_id, l.source, true AS is_canonical,
                      'single record' AS method, NULL::DOUBLE AS match_probability,
                      w.doi, w.year, w.title, w.source_name,
                      (SELECT arg_min(a.author_name, a.author_seq) FROM authorships a
                       WHERE a.work_id = w.work_id) AS first_author
               FROM works w LEFT JOIN ingest_log l USING (batch_id) WHERE w.work_id = $w""",
            {"w": wid},
        ).to_arrow_table()
    ids = records.column("record_id").to_pylist()
    links = store.sql(
        """SELECT record_a, record_b, method, round(match_probability, 4) AS match_probability,
                  round(match_weight, 2) AS match_weight, evidence
           FROM work_links WHERE list_contains($ids, record_a) OR list_contains($ids, record_b)
           ORDER BY record_a, record_b""",
        {"ids": ids},
    ).to_arrow_table()
    conflicts = store.sql(
        """SELECT record_a, record_b, kind, detail FROM work_conflicts
           WHERE list_contains($ids, record_a) OR list_contains($ids, record_b)
           ORDER BY kind, record_a, record_b""",
        {"ids": ids},
    ).to_arrow_table()
    return WorkExplanation(
        work_id=str(wid),
        records=records,
        links=links,
        conflicts=conflicts,
        model={**model_parameters(), "max_year_gap": MAX_YEAR_GAP, "threshold": THRESHOLD},
    )
