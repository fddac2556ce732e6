r"""Science maps: co-citation, bibliographic coupling and co-word networks of a slice of works.

The three networks bibliometrix, VOSviewer and CiteSpace users draw, built set-based in DuckDB
with the slice, counting and normalisation of :func:`forcemap.network.build.build_network`:

- **co-citation** (Small 1973): two cited documents are linked by the works of the slice that
  cite both. Nodes are the cited documents (references may lie outside the store) cited by at
  least ``min_count`` works of the slice.
- **bibliographic coupling** (Kessler 1963): two works of the slice are linked by the
  references they share. Nodes are the slice's works with at least ``min_count`` references.
- **co-word**: two terms are linked by the works that carry both; terms are OpenAlex
  concepts (score ≥ ``min_score``), topics, or the stemmed unigrams and bigrams of titles,
  abstracts or both (:mod:`forcemap.network.coword_terms`), kept when at least ``min_count``
  works carry them; a VOSviewer thesaurus file merges and ignores terms.

A work's references are its distinct cited ids (repeated references count once) without
itself (self-references dropped). With :math:`n_d` items on the linking document :math:`d`
(references of a citing work, citing works of a reference, terms of a work), an edge weighs

.. math::

    w_{ij}^{\text{full}} = \sum_{d \ni i,j} 1, \qquad
    w_{ij}^{\text{frac}} = \sum_{d \ni i,j} \frac{1}{n_d - 1}

(Perianes-Rodriguez, Waltman & van Eck 2016), counted over the nodes kept. Edges below
``min_weight`` (on the counted weight) are dropped, then ``normalise="association_strength"``
replaces weights by :func:`forcemap.network.build.association_strength` (van Eck & Waltman
2009). Coupling and co-citation can be **aggregated** to authors (persons), sources,
institutions (organisations when resolved) or countries: a unit pair weighs the sum of the
document pairs' weights over their documents (full counting of units; a document pair inside
one unit gives no edge). Items and documents are numbered (integers join and group faster
than ids) and pairs are counted in ``buckets`` passes, each over the pairs whose first item
falls in the bucket: a bucket's pairs are complete, so ``min_weight`` drops light document
pairs bucket by bucket and memory holds one bucket's pairs at a time.

References
----------
Small, H. (1973). Co-citation in the scientific literature. *JASIS* 24(4), 265–269.
doi:10.1002/asi.4630240406. Kessler, M. M. (1963). Bibliographic coupling between scientific
papers. *American Documentation* 14(1), 10–25. doi:10.1002/asi.5090140103. van Eck, N. J. &
Waltman, L. (2009). How to normalize cooccurrence data? *JASIST* 60(8), 1635–1651.
doi:10.1002/asi.21075. Perianes-Rodriguez, A., Waltman, L. & van Eck, N. J. (2016).
Constructing bibliometric networks: A comparison between full and fractional counting.
*J. Informetrics* 10(4), 1178–1195. doi:10.1016/j.joi.2016.10.006.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from forcemap._checks import check_years
from forcemap.errors import InputError, StoreError
from forcemap.network.build import (
    EDGE_SCHEMA,
    NODE_SCHEMA,
    Network,
    association_strength,
)
from forcemap.network.coword_terms import (
    TERM_SOURCES,
    TEXT_SOURCES,
    Thesaurus,
    apply_thesaurus,
    read_thesaurus,
    text_labels,
    text_terms,
)
from forcemap.store.person_views import AUTHORSHIPS_VIEW_SQL, PERSON_OF_SQL
from forcemap.store.slices import create_work_slice, industry_slice
from forcemap.store.store import Store
from forcemap.store.work_units import WORK_UNIT_SQL

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["MAP_KINDS", "MAP_UNITS", "science_map"]

MAP_KINDS: tuple[str, ...] = ("cocitation", "coupling", "coword")
"""Kinds of :func:`science_map`."""
PAIRS_PER_BUCKET = 20_000_000
"""Pair incidences (document, item pair) per bucket when ``buckets`` is not given: about a
gigabyte of pairs counted at a time."""
MAP_UNITS: tuple[str, ...] = ("work", "author", "source", "institution", "country")
"""Units coupling and co-citation networks can be aggregated to (``work``: none)."""

# item lists: (doc_id, item_id) — the linking document and the items it links
_ITEMS_SQL: dict[str, str] = {
    # co-citation: a citing work of the slice links the references it cites
    "cocitation": """
        SELECT DISTINCT r.citing_id AS doc_id, r.cited_id AS item_id
        FROM work_references AS r JOIN _fm_works AS w ON w.work_id = r.citing_id
        WHERE r.cited_id <> r.citing_id""",
    # coupling: a reference links the works of the slice that cite it
    "coupling": """
        SELECT DISTINCT r.cited_id AS doc_id, r.citing_id AS item_id
        FROM work_references AS r JOIN _fm_works AS w ON w.work_id = r.citing_id
        WHERE r.cited_id <> r.citing_id""",
    "coword:concept": """
        SELECT DISTINCT c.work_id AS doc_id, c.concept_id AS item_id
        FROM work_concepts AS c JOIN _fm_works USING (work_id) WHERE c.score >= $min_score""",
    "coword:topic": """
        SELECT DISTINCT t.work_id AS doc_id, t.topic_id AS item_id
        FROM work_topics AS t JOIN _fm_works USING (work_id)""",
}

# a work's units (aggregation): forcemap.store.work_units.WORK_UNIT_SQL; node labels by kind:
_UNIT_LABEL_SQL: dict[str, str] = {
    "work": "SELECT work_id AS node_id, title AS label FROM works",
    "author": """SELECT author_id AS node_id, any_value(name) AS label FROM (
                     SELECT person_id AS author_id, person_name AS name FROM _fm_person_of
                     UNION ALL SELECT author_id, name FROM authors) GROUP BY author_id""",
    "source": "SELECT source_id AS node_id, any_value(source_name) AS label FROM works "
    "WHERE source_id IS NOT NULL GROUP BY source_id",
    "institution": """SELECT node_id, any_value(label) AS label FROM (
                          SELECT org_id AS node_id, name AS label FROM organizations
                          UNION ALL SELECT institution_id, name FROM institutions)
                      GROUP BY node_id""",
    "country": "SELECT DISTINCT country_code AS node_id, country_code AS label FROM authorships",
    "concept": "SELECT concept_id AS node_id, any_value(name) AS label FROM work_concepts "
    "GROUP BY concept_id",
    "topic": "SELECT topic_id AS node_id, any_value(name) AS label FROM work_topics "
    "GROUP BY topic_id",
}

# items and linking documents as dense integers (item numbers follow the id order, so
# a.item < b.item is source < target), and the documents' item counts
_INT_IDS_SQL = (
    """CREATE OR REPLACE TEMP TABLE _fm_item_ids AS
       SELECT item_id, (row_number() OVER (ORDER BY item_id))::BIGINT AS item FROM _fm_occ""",
    """CREATE OR REPLACE TEMP TABLE _fm_doc_n AS
       SELECT doc_id, (row_number() OVER ())::BIGINT AS doc, count(*)::BIGINT AS n
       FROM _fm_items GROUP BY doc_id HAVING count(*) > 1""",
    """CREATE OR REPLACE TEMP TABLE _fm_items_int AS
       SELECT d.doc, i.item, d.n FROM _fm_items AS x
       JOIN _fm_doc_n AS d USING (doc_id) JOIN _fm_item_ids AS i USING (item_id)""",
)

# one bucket: the pairs whose first item falls in it, complete (every linking document), so
# the counted weight is final and min_weight applies at once (document-level networks)
_PAIRS_SQL = """
INSERT INTO _fm_pairs
SELECT a.item AS source, b.item AS target,
       sum(CASE WHEN $fractional THEN 1.0 / (a.n - 1) ELSE 1.0 END)::DOUBLE AS weight,
       count(*)::BIGINT AS n_docs
FROM (SELECT * FROM _fm_items_int WHERE item % $buckets = $bucket) AS a
JOIN _fm_items_int AS b ON b.doc = a.doc AND a.item < b.item
GROUP BY ALL
HAVING sum(CASE WHEN $fractional THEN 1.0 / (a.n - 1) ELSE 1.0 END) >= $min_weight
"""

# document pairs -> unit pairs (sum over the documents of each unit, full counting of units)
_UNIT_PAIRS_SQL = """
SELECT least(ua.unit_id, ub.unit_id) AS source, greatest(ua.unit_id, ub.unit_id) AS target,
       sum(p.weight)::DOUBLE AS weight, sum(p.n_docs)::BIGINT AS n_docs
FROM _fm_edges0 AS p
JOIN _fm_unit AS ua ON ua.work_id = p.source
JOIN _fm_unit AS ub ON ub.work_id = p.target
WHERE ua.unit_id <> ub.unit_id
GROUP BY ALL
"""


def science_map(
    store: Store,
    *,
    kind: Literal["cocitation", "coupling", "coword"] = "coupling",
    unit: str = "work",
    terms: Literal["concept", "topic", "title", "abstract", "title_abstract"] = "concept",
    thesaurus: str | Path | Thesaurus | None = None,
    bigrams: bool = True,
    max_nodes: int | None = None,
    industry: str | None = None,
    field: str | None = None,
    concepts: Collection[str] | None = None,
    topics: Collection[str] | None = None,
    years: tuple[int, int] | None = None,
    counting: Literal["full", "fractional"] = "full",
    normalise: Literal["association_strength"] | None = None,
    min_count: int = 1,
    min_weight: float = 0.0,
    min_score: float = 0.3,
    buckets: int | None = None,
) -> Network:
    """A co-citation, bibliographic coupling or co-word network of a slice of works.

    Parameters
    ----------
    store : Store
    kind : {"cocitation", "coupling", "coword"}
    unit : str, default "work"
        Coupling / co-citation nodes: ``work`` (documents) or an aggregate, one of
        :data:`MAP_UNITS` (co-citation aggregates the cited documents held in the store).
    terms : {"concept", "topic", "title", "abstract", "title_abstract"}
        Co-word terms: OpenAlex concepts or topics, or the stemmed terms of titles, abstracts
        or both (:mod:`forcemap.network.coword_terms`; node ids are the stems, labels the
        most frequent surface forms, type ``term``).
    thesaurus : path or Thesaurus, optional
        Co-word: a VOSviewer thesaurus file merging and ignoring terms
        (:func:`~forcemap.network.coword_terms.read_thesaurus`).
    bigrams : bool, default True
        Text terms: the pairs of consecutive stems too (else single stems only).
    max_nodes : int, optional
        Keep at most this many items: those with most occurrences (ties: the smallest id),
        before pairs are counted (bibliometrix's ``n``).
    industry, field, concepts, topics, years
        The slice of works, as in :func:`~forcemap.network.build.build_network` (for
        co-citation and coupling: the citing works).
    counting : {"full", "fractional"}
    normalise : {"association_strength"}, optional
    min_count : int, default 1
        Items kept: cited ≥ ``min_count`` times (co-citation), with ≥ ``min_count``
        references (coupling), on ≥ ``min_count`` works (co-word).
    min_weight : float, default 0.0
        Edges with a smaller counted weight are dropped (before normalising; 0: none).
    min_score : float, default 0.3
        Concept score from which a work carries a concept (co-word on concepts).
    buckets : int, optional
        Partitions of the pairs by their first item, counted one at a time (memory); by
        default one per :data:`PAIRS_PER_BUCKET` pair incidences (at least one).

    Returns
    -------
    Network
        :data:`~forcemap.network.build.NODE_SCHEMA` nodes (``n_docs``: the item's
        occurrences as for ``min_count``; ``type`` = the unit or term kind) and
        :data:`~forcemap.network.build.EDGE_SCHEMA` edges (layer = ``kind``).

    Notes
    -----
    Hand-worked (``tests/network/test_science_maps.py``): works A (cites x, y, z) and B (cites
    x, y): co-citation x–y weighs 2 (full) or 1/2 + 1 = 1.5 (fractional), x–z and y–z 1 or
    1/2; coupling A–B weighs 2 (full) or 1 + 1 = 2 (fractional: x and y each have two citing
    works, 1/(2 − 1) each).
    """
    if kind not in MAP_KINDS:
        raise InputError(f"science map kind must be one of {', '.join(MAP_KINDS)}, not {kind!r}")
    if unit not in MAP_UNITS:
        raise InputError(f"unit must be one of {', '.join(MAP_UNITS)}, not {unit!r}")
    if kind == "coword" and unit != "work":
        raise InputError("co-word networks link terms: unit applies to cocitation and coupling")
    if terms not in TERM_SOURCES:
        raise InputError(f"terms must be one of {', '.join(TERM_SOURCES)}, not {terms!r}")
    if thesaurus is not None and kind != "coword":
        raise InputError("a thesaurus applies to co-word networks (kind='coword')")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise InputError(f"max_nodes={max_nodes!r} must be an integer ≥ 1")
    thes = read_thesaurus(thesaurus) if isinstance(thesaurus, str | PurePath) else thesaurus
    if counting not in ("full", "fractional"):
        raise InputError(f"counting must be 'full' or 'fractional', got {counting!r}")
    if normalise not in (None, "association_strength"):
        raise InputError(f"normalise must be None or 'association_strength', got {normalise!r}")
    checked = (("min_count", min_count), ("buckets", 1 if buckets is None else buckets))
    for name, v in checked:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InputError(f"{name}={v!r} must be an integer ≥ 1")
    if not min_weight >= 0:
        raise InputError(f"min_weight={min_weight!r} must be ≥ 0")
    check_years(years)
    if industry is not None:
        industry_slice(industry)  # an unknown industry fails before any work
    items_key = f"coword:{terms}" if kind == "coword" else kind
    node_kind = terms if kind == "coword" else unit
    text = kind == "coword" and terms in TEXT_SOURCES
    cur = store.cursor()
    try:
        the_slice = create_work_slice(
            cur, industry=industry, field=field, concepts=concepts, topics=topics, years=years
        )
        if text:
            text_terms(cur, terms, bigrams=bigrams)
        else:
            items_sql = _ITEMS_SQL[items_key]
            bind = {"min_score": float(min_score)} if "$min_score" in items_sql else None
            cur.execute("CREATE OR REPLACE TEMP TABLE _fm_items0 AS " + items_sql, bind)
        n_matched = None
        if kind == "coword":
            if not text:
                cur.execute(
                    "CREATE OR REPLACE TEMP TABLE _fm_labels0 AS " + _UNIT_LABEL_SQL[node_kind]
                )
            if thes is not None:
                n_matched = apply_thesaurus(cur, thes, text=text, bigrams=bigrams)
        # items kept by their occurrences (co-citation: citing works; coupling: references;
        # co-word: works)
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_occ AS
               SELECT item_id, count(*)::BIGINT AS n FROM _fm_items0 GROUP BY item_id
               HAVING count(*) >= $min_count
               QUALIFY $top IS NULL OR row_number() OVER (ORDER BY n DESC, item_id) <= $top""",
            {"min_count": min_count, "top": max_nodes},
        )
        if text:
            text_labels(cur)
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_items AS
               SELECT i.* FROM _fm_items0 AS i SEMI JOIN _fm_occ USING (item_id)"""
        )
        for sql in _INT_IDS_SQL:
            cur.execute(sql)
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_pairs (source BIGINT, target BIGINT,
               weight DOUBLE, n_docs BIGINT)"""
        )
        # aggregated networks sum document pairs first: the threshold applies to unit pairs
        pair_min = float(min_weight) if unit == "work" else 0.0
        if buckets is None:
            row = cur.execute("SELECT sum(n * (n - 1) // 2) FROM _fm_doc_n").fetchone()
            n_pairs = int(row[0]) if row and row[0] is not None else 0
            buckets = max(1, -(-n_pairs // PAIRS_PER_BUCKET))
        for b in range(buckets):
            cur.execute(
                _PAIRS_SQL,
                {
                    "buckets": buckets,
                    "bucket": b,
                    "fractional": counting == "fractional",
                    "min_weight": pair_min,
                },
            )
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_edges0 AS
               SELECT s.item_id AS source, t.item_id AS target, p.weight, p.n_docs
               FROM _fm_pairs AS p JOIN _fm_item_ids AS s ON s.item = p.source
               JOIN _fm_item_ids AS t ON t.item = p.target"""
        )
        if unit == "author":
            cur.execute(PERSON_OF_SQL)
            cur.execute(AUTHORSHIPS_VIEW_SQL)
        if unit != "work":
            unit_sql = WORK_UNIT_SQL[unit]
            cur.execute(
                f"""CREATE OR REPLACE TEMP TABLE _fm_unit AS
                    SELECT DISTINCT work_id, unit_id FROM ({unit_sql})"""  # noqa: S608 - allow-listed
            )
            edges_sql = _UNIT_PAIRS_SQL
            occ_sql = """SELECT u.unit_id AS node_id, sum(o.n)::BIGINT AS n
                         FROM _fm_occ AS o JOIN _fm_unit AS u ON u.work_id = o.item_id
                         GROUP BY u.unit_id"""
        else:
            edges_sql = "SELECT * FROM _fm_edges0"
            occ_sql = "SELECT item_id AS node_id, n FROM _fm_occ"
        lab_sql = "SELECT * FROM _fm_labels0" if kind == "coword" else _UNIT_LABEL_SQL[node_kind]
        edges = (
            cur.sql(
                f"""SELECT source, target, $layer AS layer, weight, n_docs FROM ({edges_sql})
                WHERE weight >= $min_weight ORDER BY source, target""",  # noqa: S608 - allow-listed
                params={"layer": kind, "min_weight": float(min_weight)},
            )
            .to_arrow_table()
            .cast(EDGE_SCHEMA)
        )
        cur.register("_fm_edges_arrow", edges)
        nodes = (
            cur.sql(
                f"""WITH occ AS ({occ_sql}),
                st AS (SELECT node, count(*)::BIGINT AS links, sum(weight)::DOUBLE AS strength
                       FROM (SELECT source AS node, weight FROM _fm_edges_arrow
                             UNION ALL SELECT target, weight FROM _fm_edges_arrow)
                       GROUP BY node),
                lab AS ({lab_sql})
                SELECT o.node_id, coalesce(lab.label, o.node_id) AS label, $type AS type,
                       NULL::VARCHAR AS country_code, NULL::VARCHAR AS city,
                       o.n AS n_docs, coalesce(st.links, 0)::BIGINT AS links,
                       coalesce(st.strength, 0.0)::DOUBLE AS strength
                FROM occ AS o LEFT JOIN st ON st.node = o.node_id
                LEFT JOIN lab ON lab.node_id = o.node_id
                ORDER BY o.node_id""",  # noqa: S608 - allow-listed SQL
                params={"type": "term" if text else node_kind},
            )
            .to_arrow_table()
            .cast(NODE_SCHEMA)
        )
        cur.unregister("_fm_edges_arrow")
    except duckdb.Error as e:
        raise StoreError(f"building the {kind} network failed on {store.path}: {e}") from e
    finally:
        cur.close()
    if normalise == "association_strength" and edges.num_rows:
        edges = association_strength(edges)
    meta: dict[str, Any] = {
        "kind": kind,
        "directed": False,
        "unit": unit if kind != "coword" else terms,
        "slice": the_slice,
        "counting": counting,
        "normalise": normalise,
        "min_count": min_count,
        "min_weight": min_weight,
        "max_nodes": max_nodes,
        "buckets": buckets,
        "node_resolution": node_kind,
        "n_nodes": nodes.num_rows,
        "n_edges": edges.num_rows,
        "notes": [],
    }
    if kind == "coword":
        meta["terms"] = terms
        if text:
            meta["bigrams"] = bigrams
        if thes is not None:
            meta["thesaurus"] = {"path": thes.path, "rows": len(thes.rows), "matched": n_matched}
    return Network(nodes=nodes, edges=edges, meta=meta)
