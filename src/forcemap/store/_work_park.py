"""Parking and restoring the rows of merged work records (for :mod:`~forcemap.store.work_merge`).

A merged work's records keep their own rows in the ``record_*`` tables while they are merged;
the live tables hold the merged work's rows. Work-level tables (``works``, ``authorships``,
``work_concepts``, ``work_topics``) are parked per record and rebuilt per work; link tables
(``work_references``, ``patent_npl``, ``project_outputs``) are parked in their original form
and the live rows are those parked rows mapped through ``work_records`` (record → work),
de-duplicated. All functions work on the temporary tables of the merge (``_wm_cl`` the new
clusters, ``_wm_k`` the works to dissolve, ``_wm_rm`` their records, ``_wm_fresh`` records
re-ingested by the current batch, ``_wm_e`` the accepted links) on the store's connection.
"""

from __future__ import annotations

import duckdb

__all__ = ["apply_clusters", "load_columns", "restore_works"]

# tables holding one work's rows (parked per record, rebuilt per merged work)
WORK_TABLES = ("works", "authorships", "work_concepts", "work_topics")
# tables linking to works: (table, work id columns)
LINK_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("work_references", ("citing_id", "cited_id")),
    ("patent_npl", ("work_id",)),
    ("project_outputs", ("output_id",)),
)


def _link_select(table: str, cols: tuple[str, ...], where: str) -> str:
    """The parked rows of ``table`` matching ``where``, mapped to works (SQL)."""
    names = _columns_of(table)
    mapped = {c: f"coalesce(m{i}.work_id, p.{c})" for i, c in enumerate(cols)}
    sel = ", ".join(f"{mapped.get(n, 'p.' + n)} AS {n}" for n in names)
    joins = " ".join(
        f"LEFT JOIN work_records m{i} ON m{i}.record_id = p.{c}" for i, c in enumerate(cols)
    )
    return f"SELECT DISTINCT {sel} FROM record_{table} p {joins} WHERE {where}"  # noqa: S608


_COLUMNS: dict[str, list[str]] = {}


def _columns_of(table: str) -> list[str]:
    """Column names of a canonical table (from the allow-list of this module's tables)."""
    return _COLUMNS[table]


def load_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Read the column names of the tables this module copies (from DuckDB's catalogue)."""
    for t in (*WORK_TABLES, *(t for t, _ in LINK_TABLES)):
        rows = con.execute(
            """SELECT column_name FROM duckdb_columns()
               WHERE table_name = $t AND schema_name = 'main' ORDER BY column_index""",
            {"t": t},
        ).fetchall()
        _COLUMNS[t] = [r[0] for r in rows]


def _touch(cols: tuple[str, ...], ids: str, alias: str = "p") -> str:
    """``alias`` row touches a record of the table ``ids`` (allow-listed names only)."""
    parts = [f"{alias}.{c} IN (SELECT id FROM {ids})" for c in cols]  # noqa: S608
    return "(" + " OR ".join(parts) + ")"


def restore_works(con: duckdb.DuckDBPyConnection) -> None:
    """Dissolve the works listed in ``_wm_k(work_id)``: every member record gets its own rows
    back (except records re-ingested in this batch, listed in ``_wm_fresh(id)``: their new
    copy stays and the parked one is dropped); link tables are re-derived."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _wm_rm AS
           SELECT record_id AS id, work_id FROM work_records
           WHERE work_id IN (SELECT work_id FROM _wm_k)"""
    )
    # live link rows derived from the parked rows of these records
    for t, cols in LINK_TABLES:
        keep = "AND citing_id NOT IN (SELECT id FROM _wm_fresh)" if t == "work_references" else ""
        cond = " AND ".join(f"x.{c} IS NOT DISTINCT FROM d.{c}" for c in _columns_of(t))
        con.execute(
            f"""DELETE FROM {t} x WHERE EXISTS (
                  SELECT 1 FROM ({_link_select(t, cols, _touch(cols, "_wm_rm"))}) d
                  WHERE {cond}) {keep.replace("citing_id", "x.citing_id")}"""  # noqa: S608
        )
    # parked copies superseded by a fresh copy
    for t in WORK_TABLES:
        con.execute(
            f"""DELETE FROM record_{t} WHERE work_id IN (SELECT id FROM _wm_fresh)
                AND work_id IN (SELECT id FROM _wm_rm)"""  # noqa: S608
        )
    con.execute(
        """DELETE FROM record_work_references WHERE citing_id IN (SELECT id FROM _wm_fresh)
           AND citing_id IN (SELECT id FROM _wm_rm)"""
    )
    # the merged works' rows go, the records' rows come back
    for t in WORK_TABLES:
        con.execute(
            f"""DELETE FROM {t} WHERE work_id IN (SELECT work_id FROM _wm_k)
                AND work_id NOT IN (SELECT id FROM _wm_fresh)"""  # noqa: S608
        )
        con.execute(
            f"""INSERT INTO {t} BY NAME SELECT * FROM record_{t}
                WHERE work_id IN (SELECT id FROM _wm_rm)"""  # noqa: S608
        )
        con.execute(
            f"DELETE FROM record_{t} WHERE work_id IN (SELECT id FROM _wm_rm)"  # noqa: S608
        )
    con.execute("DELETE FROM work_records WHERE work_id IN (SELECT work_id FROM _wm_k)")
    _rederive(con, "_wm_rm")


def _rederive(con: duckdb.DuckDBPyConnection, ids: str) -> None:
    """Insert the mapped parked link rows touching the records ``ids`` that are missing from
    the live tables; drop parked rows that touch no merged record any more."""
    for t, cols in LINK_TABLES:
        names = _columns_of(t)
        cond = " AND ".join(f"x.{c} IS NOT DISTINCT FROM d.{c}" for c in names)
        noloop = "WHERE d.citing_id <> d.cited_id" if t == "work_references" else ""
        con.execute(
            f"""INSERT INTO {t} BY NAME
                SELECT d.* FROM ({_link_select(t, cols, _touch(cols, ids))}) d {noloop}
                {"AND" if noloop else "WHERE"} NOT EXISTS (SELECT 1 FROM {t} x
                                                           WHERE {cond})"""  # noqa: S608
        )
        still = " OR ".join(
            f"p.{c} IN (SELECT record_id FROM work_records)"  # noqa: S608 - column names
            for c in cols
        )
        con.execute(
            f"""DELETE FROM record_{t} p WHERE {_touch(cols, ids)}
                AND NOT ({still})"""  # noqa: S608
        )


def apply_clusters(con: duckdb.DuckDBPyConnection, batch_id: int | None) -> None:
    """Fold every cluster of ``_wm_cl`` (records currently stored as their own works) into one
    work, parking the records' rows."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _wm_rm AS
           SELECT record_id AS id, work_id FROM _wm_cl"""
    )
    # link tables: park the live rows touching the members that are not already derived
    # from parked rows, then remove them from the live tables
    for t, cols in LINK_TABLES:
        names = ", ".join(_columns_of(t))
        con.execute(
            f"""INSERT INTO record_{t} BY NAME
                (SELECT {names} FROM {t} p WHERE {_touch(cols, "_wm_rm")}
                 EXCEPT
                 SELECT {names} FROM ({_link_select(t, cols, _touch(cols, "_wm_rm"))}))
            """  # noqa: S608
        )
        con.execute(f"DELETE FROM {t} p WHERE {_touch(cols, '_wm_rm')}")  # noqa: S608
    for t in WORK_TABLES:
        con.execute(
            f"""INSERT INTO record_{t} BY NAME SELECT * FROM {t}
                WHERE work_id IN (SELECT id FROM _wm_rm)"""  # noqa: S608
        )
    con.execute(
        """INSERT INTO work_records
           SELECT c.record_id, c.work_id, l.source, w.origin, w.batch_id, c.is_canonical,
                  CASE WHEN c.is_canonical THEN 'canonical' ELSE c.method END,
                  CASE WHEN c.is_canonical THEN NULL ELSE c.p END, c.evidence
           FROM _wm_cl c JOIN record_works w ON w.work_id = c.record_id
           LEFT JOIN _wm_src l ON l.batch_id = w.batch_id"""
    )
    for t in WORK_TABLES:
        con.execute(
            f"DELETE FROM {t} WHERE work_id IN (SELECT id FROM _wm_rm)"  # noqa: S608
        )
    # the merged works: the canonical record's row, missing fields from the others in order
    sel = ", ".join(
        "c.work_id AS work_id"
        if n == "work_id"
        else f"arg_min(w.{n}, c.ord) FILTER (WHERE w.{n} IS NOT NULL) AS {n}"
        for n in _columns_of("works")
    )
    con.execute(
        f"""INSERT INTO works BY NAME
            SELECT {sel} FROM _wm_cl c JOIN record_works w ON w.work_id = c.record_id
            GROUP BY c.work_id"""  # noqa: S608 - catalogue column names only
    )
    # authorships and topics of the best record that has some
    for t in ("authorships", "work_topics"):
        sel = ", ".join("c.work_id" if n == "work_id" else f"r.{n}" for n in _columns_of(t))
        con.execute(
            f"""INSERT INTO {t}
                WITH has AS (SELECT c.work_id, min(c.ord) AS ord FROM _wm_cl c
                             WHERE c.record_id IN (SELECT work_id FROM record_{t})
                             GROUP BY c.work_id)
                SELECT {sel} FROM has JOIN _wm_cl c USING (work_id, ord)
                JOIN record_{t} r ON r.work_id = c.record_id"""  # noqa: S608
        )
    rest = [n for n in _columns_of("work_concepts") if n not in ("work_id", "concept_id")]
    agg = ", ".join(
        f"max(r.{n}) AS {n}" if n == "score" else f"arg_min(r.{n}, c.ord) AS {n}" for n in rest
    )
    con.execute(
        f"""INSERT INTO work_concepts BY NAME
            SELECT c.work_id, r.concept_id, {agg}
            FROM _wm_cl c JOIN record_work_concepts r ON r.work_id = c.record_id
            GROUP BY c.work_id, r.concept_id"""  # noqa: S608
    )
    con.execute(
        """INSERT INTO work_links
           SELECT a, b, method, p, w, evidence, $b FROM _wm_e e
           WHERE NOT EXISTS (SELECT 1 FROM work_links x WHERE x.record_a = e.a
                             AND x.record_b = e.b)""",
        {"b": batch_id},
    )
    _rederive(con, "_wm_rm")
