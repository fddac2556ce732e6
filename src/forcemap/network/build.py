r"""Build organisation, author, country and region networks from the store.

A network is a node table and an edge table (Arrow) plus metadata describing the slice, the
counting method and how nodes were resolved. Edges are built set-based in DuckDB: an
*incidence* relation ``(layer, doc_id, node_id)`` links each document (work, patent, project)
to the distinct nodes taking part in it, and co-occurrence edges are the self-join of that
relation on ``doc_id`` with ``source < target``.

Kinds
-----
``org_collaboration``
    Organisations linked by co-authorship (works), co-patenting (shared assignees) and project
    co-participation; one layer each, or pooled (``combine_layers=True``).
``org_citation``
    Knowledge flows between organisations: a citation from a document of *B* to a document of
    *A* is a flow ``A → B`` (source = cited, knowledge producer; target = citing, user).
    Works cite works (``work_references``), patents cite patents (``patent_citations``).
``region_citation``
    The same flows aggregated by country (``country_code`` of the organisation).
``science_technology``
    Patents citing works (``patent_npl``): flow from the work's organisation (science) to the
    patent's assignee organisation (technology).
``author_collaboration``, ``country_collaboration``
    Co-authorship between authors; collaboration between countries (all layers).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import pyarrow as pa

from forcemap._checks import check_years
from forcemap.errors import InputError, StoreError
from forcemap.store import Store
from forcemap.store.org_hierarchy import ORG_LEVELS, org_aliases_sql, org_level_caption
from forcemap.store.org_names import ORG_TYPES
from forcemap.store.person_views import AUTHORSHIPS_VIEW_SQL, PERSON_OF_SQL
from forcemap.store.slices import industry_slice, slice_works_sql
from forcemap.store.store import scratch_connection

__all__ = [
    "EDGE_SCHEMA",
    "KINDS",
    "LAYERS",
    "NODE_SCHEMA",
    "ORG_TYPES",
    "Network",
    "association_strength",
    "build_network",
    "network_from_tables",
]

Kind = Literal[
    "org_collaboration",
    "org_citation",
    "region_citation",
    "science_technology",
    "author_collaboration",
    "country_collaboration",
]
KINDS: tuple[str, ...] = (
    "author_collaboration",
    "country_collaboration",
    "org_citation",
    "org_collaboration",
    "region_citation",
    "science_technology",
)
LAYERS: tuple[str, ...] = ("coauthorship", "copatenting", "projects")
_DIRECTED = {"org_citation", "region_citation", "science_technology"}

NODE_SCHEMA = pa.schema(
    [
        ("node_id", pa.string()),
        ("label", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("city", pa.string()),
        ("n_docs", pa.int64()),
        ("links", pa.int64()),
        ("strength", pa.float64()),
    ]
)
EDGE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("target", pa.string()),
        ("layer", pa.string()),
        ("weight", pa.float64()),
        ("n_docs", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Network:
    """A network: node and edge tables plus what was built and how.

    Attributes
    ----------
    nodes : pa.Table
        :data:`NODE_SCHEMA`: node_id, label, type (organisation type or ``author``,
        ``country``), country_code, city, n_docs (distinct documents the node takes part in),
        links (distinct neighbours), strength (sum of incident edge weights; out + in for
        directed kinds), ordered by node_id.
    edges : pa.Table
        :data:`EDGE_SCHEMA`: source, target, layer, weight, n_docs (documents, or citation
        links for flow kinds, behind the edge). Undirected kinds store ``source < target``.
    meta : dict
        kind, directed, layers, slice (industry, field, countries, years, concepts, topics,
        cpc), counting, normalise, node_resolution (``org_aliases`` or ``fallback: …``),
        n_nodes, n_edges, notes (list of caveats).
    """

    nodes: pa.Table
    edges: pa.Table
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def directed(self) -> bool:
        """True for flow (citation) networks."""
        return bool(self.meta.get("directed", False))


# -- type mappings (the same as organisation resolution's) --------------------------------
_TYPE_MAP = """
CASE lower(coalesce({col}, ''))
    WHEN 'education' THEN 'university' WHEN 'university' THEN 'university'
    WHEN 'company' THEN 'enterprise' WHEN 'enterprise' THEN 'enterprise'
    WHEN '2' THEN 'enterprise' WHEN '3' THEN 'enterprise'
    WHEN 'government' THEN 'institute' WHEN 'institute' THEN 'institute'
    WHEN '6' THEN 'institute' WHEN '7' THEN 'institute' WHEN '8' THEN 'institute'
    WHEN '9' THEN 'institute' WHEN 'nonprofit' THEN 'institute'
    WHEN 'facility' THEN 'facility' WHEN 'healthcare' THEN 'healthcare'
    ELSE 'other' END
"""


def _type_sql(col: str) -> str:
    return _TYPE_MAP.replace("{col}", col)


_SLICE_PATENTS_SQL = """
    SELECT p.patent_id, p.year FROM patents p
    WHERE ($y0 IS NULL OR p.year >= $y0) AND ($y1 IS NULL OR p.year <= $y1)
      AND (len($cpc) = 0 OR EXISTS (
            SELECT 1 FROM patent_cpc c, (SELECT unnest($cpc) AS pattern) pat
            WHERE c.patent_id = p.patent_id
              AND starts_with(upper(replace(c.cpc_subgroup, ' ', '')), pat.pattern)))
"""

_SLICE_PROJECTS_SQL = """
    SELECT pr.project_id FROM projects pr
    WHERE ($y0 IS NULL OR year(pr.start_date) >= $y0)
      AND ($y1 IS NULL OR year(pr.start_date) <= $y1)
      AND (NOT $topical OR EXISTS (
            SELECT 1 FROM project_outputs o WHERE o.project_id = pr.project_id
              AND ((o.output_type = 'work' AND o.output_id IN (SELECT work_id FROM _fm_works))
                OR (o.output_type = 'patent'
                    AND o.output_id IN (SELECT patent_id FROM _fm_patents)))))
"""

# incidence of each layer: (doc_id, node_id, country_code); the node expression is chosen from
# an allow-list below, never built from user input.
_NODE_EXPR = {
    # (layer, mode) -> (FROM/JOIN clause, node expression, country expression, doc column)
    ("coauthorship", "org_alias"): (
        """authorships a JOIN _fm_works s ON s.work_id = a.work_id
           JOIN org_aliases al ON al.source = 'institution' AND al.source_id = a.institution_id
           LEFT JOIN organizations o ON o.org_id = al.org_id""",
        "al.org_id",
        "coalesce(o.country_code, a.country_code)",
        "a.work_id",
    ),
    ("coauthorship", "org_raw"): (
        "authorships a JOIN _fm_works s ON s.work_id = a.work_id",
        "a.institution_id",
        "a.country_code",
        "a.work_id",
    ),
    ("coauthorship", "author"): (
        # persons (person_aliases) when resolved, else author ids: store/person_views.py
        "_fm_authorships a JOIN _fm_works s ON s.work_id = a.work_id",
        "a.author_id",
        "a.country_code",
        "a.work_id",
    ),
    ("coauthorship", "country"): (
        "authorships a JOIN _fm_works s ON s.work_id = a.work_id",
        "a.country_code",
        "a.country_code",
        "a.work_id",
    ),
    ("copatenting", "org_alias"): (
        """patent_assignees a JOIN _fm_patents s ON s.patent_id = a.patent_id
           JOIN org_aliases al ON al.source = 'assignee' AND al.source_id = a.assignee_id
           LEFT JOIN organizations o ON o.org_id = al.org_id""",
        "al.org_id",
        "coalesce(o.country_code, a.country_code)",
        "a.patent_id",
    ),
    ("copatenting", "org_raw"): (
        "patent_assignees a JOIN _fm_patents s ON s.patent_id = a.patent_id",
        "a.assignee_id",
        "a.country_code",
        "a.patent_id",
    ),
    ("copatenting", "country"): (
        "patent_assignees a JOIN _fm_patents s ON s.patent_id = a.patent_id",
        "a.country_code",
        "a.country_code",
        "a.patent_id",
    ),
    ("projects", "org_alias"): (
        """project_participants a JOIN _fm_projects s ON s.project_id = a.project_id
           JOIN org_aliases al ON al.source = 'participant' AND al.source_id = a.org_id
           LEFT JOIN organizations o ON o.org_id = al.org_id""",
        "al.org_id",
        "coalesce(o.country_code, a.country_code)",
        "a.project_id",
    ),
    ("projects", "org_raw"): (
        "project_participants a JOIN _fm_projects s ON s.project_id = a.project_id",
        "a.org_id",
        "a.country_code",
        "a.project_id",
    ),
    ("projects", "country"): (
        "project_participants a JOIN _fm_projects s ON s.project_id = a.project_id",
        "a.country_code",
        "a.country_code",
        "a.project_id",
    ),
}


def _incidence_sql(layer: str, mode: str, org_level: str = "self") -> str:
    frm, node, country, doc = _NODE_EXPR[(layer, mode)]
    if mode == "org_alias":  # organisations rolled up to the level asked for (allow-listed)
        frm = frm.replace("JOIN org_aliases al", "JOIN " + org_aliases_sql(org_level) + " al")
    return (
        f"SELECT DISTINCT '{layer}' AS layer, {doc} AS doc_id, {node} AS node_id, "  # noqa: S608
        f"{country} AS country_code FROM {frm} WHERE {node} IS NOT NULL"
    )


# co-occurrence edges: full counting 1 per document, fractional 1/(n-1) per document with n
# distinct nodes (Perianes-Rodriguez, Waltman & van Eck 2016).
_COOC_SQL = """
WITH n AS (SELECT layer, doc_id, count(*) AS n FROM _fm_inc GROUP BY ALL HAVING count(*) > 1),
pairs AS (
    SELECT a.layer, a.node_id AS source, b.node_id AS target, n.n
    FROM _fm_inc a
    JOIN _fm_inc b ON a.layer = b.layer AND a.doc_id = b.doc_id AND a.node_id < b.node_id
    JOIN n ON n.layer = a.layer AND n.doc_id = a.doc_id
)
SELECT source, target, CASE WHEN $combine THEN 'combined' ELSE layer END AS layer,
       sum(CASE WHEN $fractional THEN 1.0 / (n - 1) ELSE 1.0 END)::DOUBLE AS weight,
       count(*)::BIGINT AS n_docs
FROM pairs GROUP BY ALL
"""

# citation flows: source = cited document's node, target = citing document's node; full
# counting 1 per citation link, fractional 1/(n_cited_nodes * n_citing_nodes).
_FLOW_SQL = """
WITH cnt AS (SELECT layer, doc_id, count(*) AS n FROM _fm_inc GROUP BY ALL),
links AS (
    SELECT a.layer, a.node_id AS source, b.node_id AS target, ca.n * cb.n AS nn
    FROM _fm_links l
    JOIN _fm_inc a ON a.layer = l.cited_layer AND a.doc_id = l.cited_id
    JOIN _fm_inc b ON b.layer = l.citing_layer AND b.doc_id = l.citing_id
    JOIN cnt ca ON ca.layer = a.layer AND ca.doc_id = a.doc_id
    JOIN cnt cb ON cb.layer = b.layer AND cb.doc_id = b.doc_id
    WHERE a.node_id <> b.node_id
)
SELECT source, target, $layer_name AS layer,
       sum(CASE WHEN $fractional THEN 1.0 / nn ELSE 1.0 END)::DOUBLE AS weight,
       count(*)::BIGINT AS n_docs
FROM links GROUP BY source, target
"""


def association_strength(edges: pa.Table, *, directed: bool = False) -> pa.Table:
    r"""Normalise edge weights by association strength (VOSviewer's default).

    .. math::

        a_{ij} = \frac{2m\, c_{ij}}{s_i\, s_j}, \qquad s_i = \sum_j c_{ij},\quad
        m = \sum_{i<j} c_{ij}

    i.e. the observed weight divided by the weight expected if links formed independently
    in proportion to the nodes' total link strengths (1 = as expected).

    Parameters
    ----------
    edges : pa.Table
        :data:`EDGE_SCHEMA`; normalised within each layer.
    directed : bool, default False
        For flows, :math:`s_i` is the out-strength of the source and :math:`s_j` the
        in-strength of the target, and :math:`2m` becomes :math:`m`.

    Returns
    -------
    pa.Table
        The same columns with ``weight`` replaced by the association strength.

    Notes
    -----
    Proportional to van Eck & Waltman's (2009) :math:`AS_{ij} = c_{ij}/(s_i s_j)`, scaled as
    the probabilistic similarity (observed over expected), so values are comparable across
    networks. Empty input returns an empty table.

    References
    ----------
    van Eck, N. J., & Waltman, L. (2009). How to normalize cooccurrence data? An analysis of
    some well-known similarity measures. JASIST 60(8), 1635–1651. doi:10.1002/asi.21075
    """
    con = scratch_connection()
    con.register("_e", edges)
    rel = con.sql(
        """
        WITH s AS (
            SELECT layer, node, sum(w) AS s FROM (
                SELECT layer, source AS node, weight AS w FROM _e
                UNION ALL SELECT layer, target, weight FROM _e)
            GROUP BY ALL),
        so AS (SELECT layer, source AS node, sum(weight) AS s FROM _e GROUP BY ALL),
        si AS (SELECT layer, target AS node, sum(weight) AS s FROM _e GROUP BY ALL),
        m AS (SELECT layer, sum(weight) AS m FROM _e GROUP BY ALL)
        SELECT e.source, e.target, e.layer,
               CASE WHEN $directed THEN m.m * e.weight / (so.s * si.s)
                    ELSE 2 * m.m * e.weight / (sa.s * sb.s) END::DOUBLE AS weight,
               e.n_docs
        FROM _e e JOIN m USING (layer)
        LEFT JOIN s sa ON sa.layer = e.layer AND sa.node = e.source
        LEFT JOIN s sb ON sb.layer = e.layer AND sb.node = e.target
        LEFT JOIN so ON so.layer = e.layer AND so.node = e.source
        LEFT JOIN si ON si.layer = e.layer AND si.node = e.target
        ORDER BY e.layer, e.source, e.target
        """,
        params={"directed": directed},
    )
    out = rel.to_arrow_table().cast(EDGE_SCHEMA)
    con.close()
    return out


def build_network(
    store: Store,
    *,
    kind: Kind = "org_collaboration",
    layers: Sequence[str] = LAYERS,
    combine_layers: bool = True,
    industry: str | None = None,
    field: str | None = None,
    concepts: Collection[str] | None = None,
    topics: Collection[str] | None = None,
    cpc: Collection[str] | None = None,
    countries: Collection[str] | None = None,
    years: tuple[int, int] | None = None,
    counting: Literal["full", "fractional"] = "full",
    normalise: Literal["association_strength"] | None = None,
    org_level: str = "self",
) -> Network:
    r"""Build a collaboration or knowledge-flow network for a slice of the store.

    Collaboration edges (undirected) join every pair of distinct nodes taking part in the same
    document. With :math:`n_d` distinct nodes on document :math:`d`,

    .. math::

        w_{ij}^{\text{full}} = \sum_{d \ni i,j} 1, \qquad
        w_{ij}^{\text{frac}} = \sum_{d \ni i,j} \frac{1}{n_d - 1}

    so that under fractional counting each node receives a total weight of 1 per document
    (single-node documents give no links). Flow edges (directed, citation kinds) count one per
    citation link from a cited to a citing document, or :math:`1/(n_{cited} n_{citing})` when
    fractional, so each citation link weighs 1 in total.

    Parameters
    ----------
    store : Store
        The store to read.
    kind : str, default "org_collaboration"
        One of :data:`KINDS` (see the module docstring).
    layers : sequence of str, default ("coauthorship", "copatenting", "projects")
        Collaboration layers used (organisation and country networks); flow kinds use works
        and patents. Author networks always use co-authorship only.
    combine_layers : bool, default True
        Pool the layers into one edge per pair (layer ``combined``; documents of different
        layers are different documents); otherwise one edge per pair and layer.
    industry : str, optional
        An industry key of :func:`forcemap.store.reference.load_industry_catalog`: works
        linked to its concepts/topics, patents matching its CPC patterns, projects with an
        output in either.
    field : str, optional
        An OpenAlex topic/subfield/field/domain id or concept id that works must carry.
    concepts, topics, cpc : collection of str, optional
        Explicit concept ids, topic ids and CPC prefixes (combined with ``industry``'s).
    countries : collection of str, optional
        ISO alpha-2 codes: keep documents with at least one participant located there (their
        foreign partners stay in the network, so cross-border shares remain meaningful).
    years : (int, int), optional
        Inclusive publication/grant/project-start year range (of citing documents for flows).
    counting : {"full", "fractional"}, default "full"
        Counting method (Perianes-Rodriguez et al. 2016).
    normalise : {"association_strength"}, optional
        Replace weights by :func:`association_strength`.
    org_level : {"self", "parent", "top"}, default "self"
        Organisation kinds only: count each organisation as itself, its parent or the top of
        its hierarchy (``org_hierarchy``, :func:`forcemap.store.org_hierarchy.org_aliases_sql`);
        two units of one parent on a document are then one node (no edge between them).
        ``meta["org_level"]`` and ``meta["node_resolution"]`` say which level was used.

    Returns
    -------
    Network
        Nodes (:data:`NODE_SCHEMA`), edges (:data:`EDGE_SCHEMA`) and ``meta``.

    Raises
    ------
    InputError
        Unknown kind, layer, counting, normalisation or org level, or a bad year range.
    NotFoundError
        Unknown industry key.
    StoreError
        A query failed.

    Notes
    -----
    Nodes are organisations from ``org_aliases``/``organizations`` when organisation
    resolution has run; otherwise (``org_aliases`` empty) the raw source ids are used —
    institution ids, assignee ids, participant org ids — with OpenAlex/PatentsView types
    mapped to :data:`ORG_TYPES`, and ``meta["node_resolution"]`` says so. Nodes include
    isolates (organisations whose documents in the slice have no partner). Self-flows (a node
    citing itself) are not edges. A topical slice (industry, field, concepts, topics) without
    CPC patterns drops the patent layer, a CPC-only slice drops works, and ``meta["notes"]``
    records it.

    References
    ----------
    Perianes-Rodriguez, A., Waltman, L., & van Eck, N. J. (2016). Constructing bibliometric
    networks: A comparison between full and fractional counting. Journal of Informetrics
    10(4), 1178–1195. doi:10.1016/j.joi.2016.10.006
    """
    if kind not in KINDS:
        raise InputError(f"unknown network kind {kind!r}; choose one of {', '.join(KINDS)}")
    if org_level not in ORG_LEVELS:
        raise InputError(f"org_level must be one of {', '.join(ORG_LEVELS)}, got {org_level!r}")
    bad = [la for la in layers if la not in LAYERS]
    if bad or not layers:
        raise InputError(f"unknown layers {bad!r}; choose from {', '.join(LAYERS)}")
    if counting not in ("full", "fractional"):
        raise InputError(f"counting must be 'full' or 'fractional', got {counting!r}")
    if normalise not in (None, "association_strength"):
        raise InputError(f"normalise must be None or 'association_strength', got {normalise!r}")
    y0, y1 = check_years(years)
    concept_ids = sorted(set(concepts or ()))
    topic_ids = sorted(set(topics or ()))
    cpc_patterns = sorted({p.replace(" ", "").upper() for p in (cpc or ())})
    notes: list[str] = []
    if industry is not None:
        more = industry_slice(industry)
        concept_ids = sorted(set(concept_ids) | set(more[0]))
        topic_ids = sorted(set(topic_ids) | set(more[1]))
        cpc_patterns = sorted(set(cpc_patterns) | set(more[2]))
    topic_filter = bool(concept_ids or topic_ids)
    topical = topic_filter or field is not None or bool(cpc_patterns)
    directed = kind in _DIRECTED
    fractional = counting == "fractional"

    cur = store.cursor()
    try:
        resolved = bool(cur.execute("SELECT count(*) FROM org_aliases").fetchone()[0])  # type: ignore[index]
        params = {
            "y0": y0,
            "y1": y1,
            "field": field,
            "concepts": concept_ids,
            "topics": topic_ids,
        }
        wsql = slice_works_sql(topic_filter)
        if not topic_filter:
            params.pop("concepts")
            params.pop("topics")
        if cpc_patterns and not (topic_filter or field is not None):
            cur.execute("CREATE OR REPLACE TEMP TABLE _fm_works (work_id VARCHAR, year INT)")
            notes.append("works dropped: the slice has CPC patterns but no concepts/topics")
        else:
            cur.execute("CREATE OR REPLACE TEMP TABLE _fm_works AS " + wsql, params)
        if topical and not cpc_patterns:
            cur.execute("CREATE OR REPLACE TEMP TABLE _fm_patents (patent_id VARCHAR, year INT)")
            notes.append("patents dropped: the topical slice has no CPC patterns")
        else:
            cur.execute(
                "CREATE OR REPLACE TEMP TABLE _fm_patents AS " + _SLICE_PATENTS_SQL,
                {"y0": y0, "y1": y1, "cpc": cpc_patterns},
            )
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _fm_projects AS " + _SLICE_PROJECTS_SQL,
            {"y0": y0, "y1": y1, "topical": topical},
        )
        if kind in ("org_collaboration", "org_citation", "science_technology"):
            mode = "org_alias" if resolved else "org_raw"
        elif kind == "author_collaboration":
            mode = "author"
        else:
            mode = "country"
        if kind == "author_collaboration":
            use_layers: list[str] = ["coauthorship"]
        elif directed:
            use_layers = ["coauthorship", "copatenting"]
        else:
            use_layers = list(layers)
        if directed:
            # links from the sliced citing documents; the cited side may be any stored document
            _flow_links(cur, kind)
        if mode == "author":
            cur.execute(PERSON_OF_SQL)
            cur.execute(AUTHORSHIPS_VIEW_SQL)
        parts = [
            _incidence_sql(la, mode, org_level) for la in use_layers if (la, mode) in _NODE_EXPR
        ]
        cur.execute("CREATE OR REPLACE TEMP TABLE _fm_inc AS " + " UNION ALL ".join(parts))
        if countries and directed:
            cur.execute(
                """DELETE FROM _fm_links WHERE (cited_layer, cited_id) NOT IN (
                       SELECT layer, doc_id FROM _fm_inc WHERE list_contains($c, country_code))
                     AND (citing_layer, citing_id) NOT IN (
                       SELECT layer, doc_id FROM _fm_inc WHERE list_contains($c, country_code))""",
                {"c": sorted(countries)},
            )
        elif countries:
            cur.execute(
                """DELETE FROM _fm_inc WHERE (layer, doc_id) NOT IN (
                       SELECT layer, doc_id FROM _fm_inc
                       WHERE list_contains($c, country_code))""",
                {"c": sorted(countries)},
            )
        if directed:
            cur.execute(
                """DELETE FROM _fm_inc WHERE (layer, doc_id) NOT IN (
                       SELECT cited_layer, cited_id FROM _fm_links
                       UNION SELECT citing_layer, citing_id FROM _fm_links)"""
            )
            layer_name = {"science_technology": "science_technology"}.get(kind, "citation")
            edges = cur.sql(
                _FLOW_SQL, params={"fractional": fractional, "layer_name": layer_name}
            ).to_arrow_table()
        else:
            edges = cur.sql(
                _COOC_SQL, params={"fractional": fractional, "combine": combine_layers}
            ).to_arrow_table()
        edges = _sort(edges.cast(EDGE_SCHEMA), ["layer", "source", "target"])
        if normalise == "association_strength":
            edges = association_strength(edges, directed=directed)
        nodes = _nodes(cur, edges, kind=kind, mode=mode)
        cur.execute("DROP TABLE IF EXISTS _fm_links")
        for t in ("_fm_inc", "_fm_works", "_fm_patents", "_fm_projects"):
            cur.execute("DROP TABLE IF EXISTS " + t)
    except duckdb.Error as e:
        raise StoreError(f"building the {kind} network failed on {store.path}: {e}") from e
    finally:
        cur.close()

    if mode == "org_alias":
        how = "org_aliases (resolved organisations)"
        if org_level != "self":
            how += "; " + org_level_caption(org_level)
    elif mode == "org_raw":
        how = (
            "fallback: org_aliases is empty, nodes are raw institution / assignee / "
            "participant ids (run organisation resolution to merge them)"
        )
        if org_level != "self":
            notes.append(f"org_level {org_level!r} ignored: organisations are not resolved")
    else:
        how = mode
    meta: dict[str, Any] = {
        "kind": kind,
        "directed": directed,
        "layers": use_layers,
        "combine_layers": combine_layers and not directed,
        "slice": {
            "industry": industry,
            "field": field,
            "countries": sorted(countries) if countries else None,
            "years": [y0, y1] if years else None,
            "concepts": concept_ids,
            "topics": topic_ids,
            "cpc": cpc_patterns,
        },
        "counting": counting,
        "normalise": normalise,
        "node_resolution": how,
        "org_level": org_level if mode in ("org_alias", "org_raw") else None,
        "n_nodes": nodes.num_rows,
        "n_edges": edges.num_rows,
        "notes": notes,
    }
    return Network(nodes=nodes, edges=edges, meta=meta)


def _flow_links(cur: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Citation links of a flow network, and the documents on both sides.

    Creates ``_fm_links(cited_layer, cited_id, citing_layer, citing_id)`` from the sliced
    citing documents, then widens ``_fm_works``/``_fm_patents`` to every stored document on
    either side of a link (cited documents are not restricted by the slice).
    """
    if kind == "science_technology":
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_links AS
               SELECT DISTINCT 'coauthorship' AS cited_layer, n.work_id AS cited_id,
                      'copatenting' AS citing_layer, n.patent_id AS citing_id
               FROM patent_npl n JOIN _fm_patents p ON p.patent_id = n.patent_id"""
        )
    else:
        cur.execute(
            """CREATE OR REPLACE TEMP TABLE _fm_links AS
               SELECT DISTINCT 'coauthorship' AS cited_layer, r.cited_id,
                      'coauthorship' AS citing_layer, r.citing_id
               FROM work_references r JOIN _fm_works w ON w.work_id = r.citing_id
               UNION ALL
               SELECT DISTINCT 'copatenting', c.cited_id, 'copatenting', c.citing_id
               FROM patent_citations c JOIN _fm_patents p ON p.patent_id = c.citing_id"""
        )
    cur.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_works AS
           SELECT work_id, year FROM works WHERE work_id IN (
               SELECT cited_id FROM _fm_links WHERE cited_layer = 'coauthorship'
               UNION SELECT citing_id FROM _fm_links WHERE citing_layer = 'coauthorship')"""
    )
    cur.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_patents AS
           SELECT patent_id, year FROM patents WHERE patent_id IN (
               SELECT cited_id FROM _fm_links WHERE cited_layer = 'copatenting'
               UNION SELECT citing_id FROM _fm_links WHERE citing_layer = 'copatenting')"""
    )


def _sort(t: pa.Table, keys: list[str]) -> pa.Table:
    return t.sort_by([(k, "ascending") for k in keys])


_NODES_SQL = """
WITH st AS (
    SELECT node, count(DISTINCT other)::BIGINT AS links, sum(weight)::DOUBLE AS strength
    FROM (SELECT source AS node, target AS other, weight FROM _fm_edges
          UNION ALL SELECT target, source, weight FROM _fm_edges)
    GROUP BY node),
d AS (SELECT node_id, count(DISTINCT (layer, doc_id))::BIGINT AS n_docs,
             mode(country_code) AS cc FROM _fm_inc GROUP BY node_id),
all_nodes AS (
    SELECT node_id FROM d UNION SELECT node FROM st)
SELECT n.node_id, coalesce(a.label, n.node_id) AS label,
       coalesce(a.type, $default_type) AS type,
       coalesce(a.country_code, d.cc) AS country_code, a.city,
       coalesce(d.n_docs, 0)::BIGINT AS n_docs, coalesce(st.links, 0)::BIGINT AS links,
       coalesce(st.strength, 0.0)::DOUBLE AS strength
FROM all_nodes n LEFT JOIN d USING (node_id) LEFT JOIN st ON st.node = n.node_id
LEFT JOIN _fm_attrs a ON a.node_id = n.node_id
ORDER BY n.node_id
"""


def _attrs_sql(kind: str, mode: str) -> str:
    """Node attributes (node_id, label, type, country_code, city) for the node mode."""
    if mode == "org_alias":
        return (
            "SELECT org_id AS node_id, name AS label, type, country_code, city FROM organizations"
        )
    if mode == "org_raw":
        return f"""
            SELECT node_id, arg_max(label, pri) AS label, arg_max(type, pri) AS type,
                   arg_max(country_code, pri) AS country_code, arg_max(city, pri) AS city
            FROM (
              SELECT institution_id AS node_id, name AS label, {_type_sql("type")} AS type,
                     country_code, city, 3 AS pri FROM institutions
              UNION ALL
              SELECT assignee_id, name, {_type_sql("type")}, country_code, city, 2
              FROM patent_assignees WHERE assignee_id IS NOT NULL
              UNION ALL
              SELECT org_id, name, {_type_sql("type")}, country_code, NULL, 1
              FROM project_participants)
            WHERE node_id IN (SELECT node_id FROM _fm_inc)
            GROUP BY node_id"""  # noqa: S608
    if mode == "author":
        return """SELECT author_id AS node_id, name AS label, 'author' AS type,
                         NULL::VARCHAR AS country_code, NULL::VARCHAR AS city FROM authors"""
    return """SELECT DISTINCT node_id, node_id AS label, 'country' AS type,
                     node_id AS country_code, NULL::VARCHAR AS city FROM _fm_inc"""


def _nodes(cur: duckdb.DuckDBPyConnection, edges: pa.Table, *, kind: str, mode: str) -> pa.Table:
    cur.register("_fm_edges", edges)
    cur.execute("CREATE OR REPLACE TEMP TABLE _fm_attrs AS " + _attrs_sql(kind, mode))
    default_type = {"author": "author", "country": "country"}.get(mode, "other")
    nodes = cur.sql(_NODES_SQL, params={"default_type": default_type}).to_arrow_table()
    cur.unregister("_fm_edges")
    cur.execute("DROP TABLE _fm_attrs")
    return nodes.cast(NODE_SCHEMA)


def network_from_tables(
    nodes: pa.Table | None,
    edges: pa.Table,
    *,
    directed: bool = False,
    kind: str = "custom",
) -> Network:
    """Wrap given node and edge tables as a :class:`Network` (for tests and imports).

    Parameters
    ----------
    nodes : pa.Table, optional
        At least ``node_id``; missing :data:`NODE_SCHEMA` columns are filled (label = id,
        type ``other``); when None the nodes are the edge endpoints.
    edges : pa.Table
        ``source``, ``target`` and optional ``weight`` (default 1), ``layer``, ``n_docs``.
    directed : bool, default False
        Whether the edges are flows.
    kind : str, default "custom"
        Recorded in ``meta``.

    Returns
    -------
    Network
        With ``links`` and ``strength`` computed from the edges.

    Raises
    ------
    SchemaError
        ``source``/``target`` or ``node_id`` is missing.
    """
    from forcemap.errors import SchemaError

    for c in ("source", "target"):
        if c not in edges.column_names:
            raise SchemaError(f"network_from_tables: edges lack column {c!r}")
    n = edges.num_rows
    cols: dict[str, pa.Array | pa.ChunkedArray] = {
        "source": edges["source"].cast(pa.string()),
        "target": edges["target"].cast(pa.string()),
        "layer": edges["layer"] if "layer" in edges.column_names else pa.array(["combined"] * n),
        "weight": edges["weight"].cast(pa.float64())
        if "weight" in edges.column_names
        else pa.array([1.0] * n, pa.float64()),
        "n_docs": edges["n_docs"].cast(pa.int64())
        if "n_docs" in edges.column_names
        else pa.array([1] * n, pa.int64()),
    }
    e = pa.table(cols).cast(EDGE_SCHEMA)
    con = scratch_connection()
    con.register("_e", e)
    if nodes is None:
        nodes = con.sql(
            "SELECT DISTINCT node_id FROM (SELECT source AS node_id FROM _e "
            "UNION SELECT target FROM _e) ORDER BY 1"
        ).to_arrow_table()
    if "node_id" not in nodes.column_names:
        raise SchemaError("network_from_tables: nodes lack column 'node_id'")
    con.register("_n", nodes)
    have = set(nodes.column_names)

    def col(name: str, default: str) -> str:
        return name if name in have else default

    q = f"""
        WITH st AS (
            SELECT node, count(DISTINCT other)::BIGINT AS links, sum(weight)::DOUBLE AS s
            FROM (SELECT source AS node, target AS other, weight FROM _e
                  UNION ALL SELECT target, source, weight FROM _e) GROUP BY node)
        SELECT n.node_id::VARCHAR AS node_id,
               coalesce({col("label", "NULL")}::VARCHAR, n.node_id::VARCHAR) AS label,
               coalesce({col("type", "NULL")}::VARCHAR, 'other') AS type,
               {col("country_code", "NULL")}::VARCHAR AS country_code,
               {col("city", "NULL")}::VARCHAR AS city,
               coalesce({col("n_docs", "NULL")}::BIGINT, 0) AS n_docs,
               coalesce(st.links, 0)::BIGINT AS links, coalesce(st.s, 0.0)::DOUBLE AS strength
        FROM _n n LEFT JOIN st ON st.node = n.node_id::VARCHAR ORDER BY 1"""  # noqa: S608
    out = con.sql(q).to_arrow_table().cast(NODE_SCHEMA)
    con.close()
    meta = {
        "kind": kind,
        "directed": directed,
        "counting": "given",
        "normalise": None,
        "node_resolution": "given",
        "n_nodes": out.num_rows,
        "n_edges": e.num_rows,
        "notes": [],
        "slice": {},
        "layers": sorted(set(e["layer"].to_pylist())),
    }
    return Network(nodes=out, edges=e, meta=meta)
