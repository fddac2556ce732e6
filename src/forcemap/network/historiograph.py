r"""Historiograph: the most locally cited works of a slice and the citations among them.

Garfield's algorithmic historiography (Garfield, Pudovkin & Istomin 2003; Garfield 2004) draws
the works a collection cites most *among themselves* on a time axis, with the citations
between them, so that the lineage of a field reads from left (older) to right. Following
bibliometrix's ``histNetwork`` / ``histPlot`` (Aria & Cuccurullo 2017):

- the **local citation score** of a work :math:`w` of the slice :math:`S` is the number of
  works of :math:`S` that cite it,

  .. math::

      \mathrm{LCS}(w) = \#\{\, v \in S : v \to w,\ v \ne w \,\},

  and its **global citation score** is the source's total citation count
  (``works.cited_by_count``; NULL when the source does not give it — bibliometrix writes 0);
- the ``top`` works by LCS are kept, ties at the cut all kept (bibliometrix:
  ``LCS >= sort(LCS, decreasing = TRUE)[n]``), and with ``remove_isolates`` (bibliometrix's
  default) a kept work without a local citation to or from another kept work is dropped;
- the edges are the local citations among the kept works.

A work's references are its distinct cited ids (a repeated reference counts once) and a work
citing itself is no local citation (bibliometrix drops the loop when it draws). Works
outside the slice, and references outside the store, never count: LCS is local by definition.

References
----------
Garfield, E. (2004). Historiographic mapping of knowledge domains literature. *Journal of
Information Science* 30(2), 119–145. doi:10.1177/0165551504042802. Garfield, E., Pudovkin,
A. I. & Istomin, V. S. (2003). Why do we need algorithmic historiography? *JASIST* 54(5),
400–412. doi:10.1002/asi.10226. Aria, M. & Cuccurullo, C. (2017). bibliometrix: An R-tool for
comprehensive science mapping analysis. *J. Informetrics* 11(4), 959–975.
doi:10.1016/j.joi.2017.08.007.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import InputError, StoreError
from forcemap.store.slices import create_work_slice
from forcemap.store.store import Store

__all__ = ["HIST_EDGE_SCHEMA", "HIST_NODE_SCHEMA", "Historiograph", "historiograph"]

HIST_NODE_SCHEMA = pa.schema(
    [
        ("work_id", pa.string()),
        ("label", pa.string()),
        ("title", pa.string()),
        ("year", pa.int32()),
        ("doi", pa.string()),
        ("source_name", pa.string()),
        ("lcs", pa.int64()),
        ("gcs", pa.int64()),
        ("rank", pa.int32()),
        ("cited_by_shown", pa.int64()),
        ("cites_shown", pa.int64()),
    ]
)
"""Nodes of :func:`historiograph`: ``label`` (first author, year — bibliometrix's short
label; the title when no author is known), ``lcs`` (local citation score), ``gcs`` (global:
``cited_by_count``, NULL if unknown), ``rank`` (by LCS, 1 = most; ties share the rank),
``cited_by_shown`` / ``cites_shown`` (local citations from / to the works shown); by year,
then rank, then id."""

HIST_EDGE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("target", pa.string()),
        ("source_year", pa.int32()),
        ("target_year", pa.int32()),
    ]
)
"""Edges of :func:`historiograph`: ``source`` (the citing work) cites ``target`` (the cited
work), with their years (the layout's x); by source, then target."""


@dataclass(frozen=True)
class Historiograph:
    """The works shown (:data:`HIST_NODE_SCHEMA`), the local citations among them
    (:data:`HIST_EDGE_SCHEMA`) and ``meta``: slice, top, remove_isolates, works (in the
    slice), local_citations (all, in the slice), cited_works (works with LCS ≥ 1), cut (the
    LCS of the last work kept), n_nodes, n_edges."""

    nodes: pa.Table
    edges: pa.Table
    meta: dict[str, Any] = field(default_factory=dict)


_LOCAL_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_local AS
SELECT DISTINCT r.citing_id, r.cited_id
FROM work_references AS r
JOIN _fm_works AS a ON a.work_id = r.citing_id
JOIN _fm_works AS b ON b.work_id = r.cited_id
WHERE r.citing_id <> r.cited_id
"""

_LCS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_lcs AS
SELECT cited_id AS work_id, count(*)::BIGINT AS lcs FROM _fm_local GROUP BY cited_id
"""

_NODES_SQL = """
WITH first_author AS (
    SELECT work_id, arg_min(author_name, author_seq) AS name FROM authorships
    WHERE author_name IS NOT NULL AND work_id IN (SELECT work_id FROM _fm_shown)
    GROUP BY work_id),
w AS (SELECT work_id, any_value(title) AS title, any_value(year) AS year,
             any_value(doi) AS doi, any_value(source_name) AS source_name,
             any_value(cited_by_count) AS gcs
      FROM works WHERE work_id IN (SELECT work_id FROM _fm_shown) GROUP BY work_id),
deg AS (SELECT work_id, sum(i)::BIGINT AS cited_by_shown, sum(o)::BIGINT AS cites_shown FROM (
            SELECT target AS work_id, 1 AS i, 0 AS o FROM _fm_hedges
            UNION ALL SELECT source, 0, 1 FROM _fm_hedges) GROUP BY work_id)
SELECT s.work_id,
       coalesce(fa.name || ', ' || w.year::VARCHAR, w.title, s.work_id) AS label,
       w.title, w.year, w.doi, w.source_name, s.lcs, w.gcs, s.rank,
       coalesce(deg.cited_by_shown, 0)::BIGINT AS cited_by_shown,
       coalesce(deg.cites_shown, 0)::BIGINT AS cites_shown
FROM _fm_shown AS s JOIN w USING (work_id)
LEFT JOIN first_author AS fa USING (work_id)
LEFT JOIN deg USING (work_id)
ORDER BY w.year NULLS LAST, s.rank, s.work_id
"""


def historiograph(
    store: Store,
    *,
    top: int = 20,
    remove_isolates: bool = True,
    industry: str | None = None,
    field: str | None = None,
    concepts: Collection[str] | None = None,
    topics: Collection[str] | None = None,
    years: tuple[int, int] | None = None,
) -> Historiograph:
    r"""Garfield's historiograph of a slice: the ``top`` works by local citation score and
    the local citations among them (bibliometrix's ``histNetwork`` + ``histPlot``).

    Parameters
    ----------
    store : Store
    top : int, default 20
        Works kept by LCS (bibliometrix's ``n``); ties at the cut are all kept, and works
        never cited in the slice (LCS 0) are never kept.
    remove_isolates : bool, default True
        Drop kept works without a local citation to or from another kept work.
    industry, field, concepts, topics, years
        The slice, as in :func:`forcemap.store.slices.create_work_slice`.

    Returns
    -------
    Historiograph
        ``nodes`` (:data:`HIST_NODE_SCHEMA`), ``edges`` (:data:`HIST_EDGE_SCHEMA`), ``meta``.

    Raises
    ------
    InputError
        ``top`` is not an integer ≥ 1, or ``years`` is reversed.

    Notes
    -----
    Hand-worked (``tests/network/test_historiograph.py``): A (2000) is cited by B, C, D and
    E, B (2001) by C and D, C (2002) by D: LCS A 4, B 2, C 1, D 0, E 0. ``top=2`` keeps A and
    B with the edge B → A; ``top=3`` adds C and the edges C → A, C → B.
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InputError(f"historiograph: top={top!r} must be an integer ≥ 1")
    cur = store.cursor()
    try:
        sl = create_work_slice(
            cur, industry=industry, field=field, concepts=concepts, topics=topics, years=years
        )
        cur.execute(_LOCAL_SQL)
        cur.execute(_LCS_SQL)
        n_local, n_cited = cur.execute(
            "SELECT (SELECT count(*) FROM _fm_local), (SELECT count(*) FROM _fm_lcs)"
        ).fetchall()[0]
        # the n-th largest LCS, ties kept (bibliometrix); NULL when nothing is cited locally
        cut = cur.execute(
            "SELECT lcs FROM _fm_lcs ORDER BY lcs DESC LIMIT 1 OFFSET $k", {"k": top - 1}
        ).fetchall()
        cut_lcs = int(cut[0][0]) if cut else 1
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_kept AS
               SELECT work_id, lcs, (rank() OVER (ORDER BY lcs DESC))::INTEGER AS rank
               FROM _fm_lcs WHERE lcs >= $cut""",
            {"cut": cut_lcs},
        )
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_hedges0 AS
               SELECT l.citing_id AS source, l.cited_id AS target FROM _fm_local AS l
               SEMI JOIN _fm_kept AS a ON a.work_id = l.citing_id
               SEMI JOIN _fm_kept AS b ON b.work_id = l.cited_id"""
        )
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_shown AS
               SELECT * FROM _fm_kept AS k
               WHERE NOT $remove OR k.work_id IN (
                   SELECT source FROM _fm_hedges0 UNION SELECT target FROM _fm_hedges0)""",
            {"remove": bool(remove_isolates)},
        )
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_hedges AS
               SELECT e.source, e.target, ws.year AS source_year, wt.year AS target_year
               FROM _fm_hedges0 AS e
               JOIN (SELECT work_id, any_value(year) AS year FROM works GROUP BY work_id) AS ws
                 ON ws.work_id = e.source
               JOIN (SELECT work_id, any_value(year) AS year FROM works GROUP BY work_id) AS wt
                 ON wt.work_id = e.target"""
        )
        nodes = cur.sql(_NODES_SQL).to_arrow_table().cast(HIST_NODE_SCHEMA)
        edges = (
            cur.sql("SELECT * FROM _fm_hedges ORDER BY source, target")
            .to_arrow_table()
            .cast(HIST_EDGE_SCHEMA)
        )
    except duckdb.Error as e:
        raise StoreError(f"historiograph query failed on {store.path}: {e}") from e
    finally:
        cur.close()
    meta: dict[str, Any] = {
        "slice": sl,
        "top": top,
        "remove_isolates": bool(remove_isolates),
        "works": sl["works"],
        "local_citations": int(n_local),
        "cited_works": int(n_cited),
        "cut": cut_lcs if cut else None,
        "n_nodes": nodes.num_rows,
        "n_edges": edges.num_rows,
    }
    return Historiograph(nodes=nodes, edges=edges, meta=meta)
