r"""Technical pathway discovery of :mod:`forcemap.decide.explore` (C13).

:func:`pathways`: a technology's documents are linked to their nearest neighbours in TF-IDF
space (:mod:`forcemap.indicators.text`) and the resulting similarity graph is cut into Leiden
communities, each described by its distinctive terms, organisations, momentum and
representative documents; :func:`pathway_sub_technologies` turns the result into the
sub-technologies of the consortium builder.

References
----------
Salton, G. & Buckley, C. (1988). Term-weighting approaches in automatic text retrieval.
Information Processing & Management 24(5), 513–523. doi:10.1016/0306-4573(88)90021-0.
Traag, V. A., Waltman, L. & van Eck, N. J. (2019). From Louvain to Leiden: guaranteeing
well-connected communities. Scientific Reports 9, 5233. doi:10.1038/s41598-019-41695-z.
Waltman, L. & van Eck, N. J. (2012). A new methodology for constructing a publication-level
classification system of science. JASIST 63(12), 2378–2392. doi:10.1002/asi.22748.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from forcemap.decide._scope import industry_scope
from forcemap.decide.explore.search_index import build_text_index, entity_tables, search
from forcemap.decide.params import PATHWAYS, PathwaysParams
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.errors import InputError
from forcemap.indicators.text import NO_YEAR, TextIndex
from forcemap.network.analyse import _leiden_arrays
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store

__all__ = [
    "ASSIGNMENT_SCHEMA",
    "DOCS_SCHEMA",
    "PATHWAY_ORGS_SCHEMA",
    "PATHWAY_SCHEMA",
    "SUMMARY_SCHEMA",
    "TERMS_SCHEMA",
    "pathway_sub_technologies",
    "pathways",
]

# -- pathways ----------------------------------------------------------------------------------
PATHWAY_SCHEMA = pa.schema(
    [
        ("rank", pa.int64()),
        ("pathway", pa.string()),
        ("label", pa.string()),
        ("size", pa.int64()),
        ("share", pa.float64()),
        ("terms", pa.list_(pa.string())),
        ("top_organizations", pa.list_(pa.string())),
        ("recent_share", pa.float64()),
        ("momentum", pa.float64()),
        ("cagr_5y", pa.float64()),
        ("first_year", pa.int32()),
        ("cohesion", pa.float64()),
        ("representatives", pa.list_(pa.string())),
    ]
)
"""The table of :func:`pathways`: one row per pathway, largest first."""

ASSIGNMENT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("entity", pa.string()),
        ("pathway", pa.string()),
        ("label", pa.string()),
        ("year", pa.int32()),
        ("title", pa.string()),
        ("centroid_similarity", pa.float64()),
    ]
)
"""``evidence["assignments"]``: each document's pathway (null: in no pathway of min_size)."""

TERMS_SCHEMA = pa.schema(
    [
        ("pathway", pa.string()),
        ("rank", pa.int64()),
        ("term", pa.string()),
        ("score", pa.float64()),
        ("pathway_weight", pa.float64()),
        ("overall_weight", pa.float64()),
    ]
)
"""``evidence["terms"]``: each pathway's distinctive terms."""

PATHWAY_ORGS_SCHEMA = pa.schema(
    [
        ("pathway", pa.string()),
        ("rank", pa.int64()),
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("country_code", pa.string()),
        ("records", pa.float64()),
        ("share", pa.float64()),
    ]
)
"""``evidence["organizations"]``: each pathway's most active organisations (fractional)."""

DOCS_SCHEMA = pa.schema(
    [
        ("pathway", pa.string()),
        ("rank", pa.int64()),
        ("id", pa.string()),
        ("entity", pa.string()),
        ("year", pa.int32()),
        ("title", pa.string()),
        ("centroid_similarity", pa.float64()),
    ]
)
"""``evidence["documents"]``: each pathway's representative documents (closest to centroid)."""

SUMMARY_SCHEMA = pa.schema(
    [
        ("documents", pa.int64()),
        ("terms", pa.int64()),
        ("edges", pa.int64()),
        ("modularity", pa.float64()),
        ("pathways", pa.int64()),
        ("unassigned", pa.int64()),
        ("end_year", pa.int32()),
        ("organisation_unit", pa.string()),
    ]
)
"""``evidence["summary"]``: one row describing the graph and the partition."""

# Fractional weight of each organisation (or institution / assignee as a fallback) on each
# document: of a work's n authors, one with m units gives 1/(n m) to each (Waltman & van Eck
# 2015); of a patent's n distinct assignees, each gives 1/n.
_ORG_WEIGHT_SQL = {
    ("works", "org"): """
WITH aut AS (
    SELECT a.work_id AS id, a.author_seq, al.org_id AS unit_id
    FROM authorships AS a SEMI JOIN _ex_docs AS d ON d.id = a.work_id
    LEFT JOIN org_aliases AS al
           ON al.source = 'institution' AND al.source_id = a.institution_id
)""",
    ("works", "institution"): """
WITH aut AS (
    SELECT a.work_id AS id, a.author_seq, a.institution_id AS unit_id
    FROM authorships AS a SEMI JOIN _ex_docs AS d ON d.id = a.work_id
)""",
    ("patents", "org"): """
WITH aut AS (
    SELECT DISTINCT a.patent_id AS id,
           coalesce(a.assignee_id, 'name:' || lower(trim(a.name))) AS author_seq,
           al.org_id AS unit_id
    FROM patent_assignees AS a SEMI JOIN _ex_docs AS d ON d.id = a.patent_id
    LEFT JOIN org_aliases AS al ON al.source = 'assignee' AND al.source_id = a.assignee_id
    WHERE coalesce(a.assignee_id, a.name) IS NOT NULL
)""",
    ("patents", "institution"): """
WITH aut AS (
    SELECT DISTINCT a.patent_id AS id,
           coalesce(a.assignee_id, 'name:' || lower(trim(a.name))) AS author_seq,
           coalesce(a.assignee_id, 'name:' || lower(trim(a.name))) AS unit_id
    FROM patent_assignees AS a SEMI JOIN _ex_docs AS d ON d.id = a.patent_id
    WHERE coalesce(a.assignee_id, a.name) IS NOT NULL
)""",
}
_ORG_WEIGHT_TAIL = """,
na AS (SELECT id, count(DISTINCT author_seq) AS n FROM aut GROUP BY id),
nu AS (SELECT id, author_seq, count(DISTINCT unit_id) AS m
       FROM aut WHERE unit_id IS NOT NULL GROUP BY ALL)
SELECT u.id, u.unit_id, sum(1.0 / (na.n * nu.m)) AS f
FROM (SELECT DISTINCT id, author_seq, unit_id FROM aut WHERE unit_id IS NOT NULL) AS u
JOIN na USING (id) JOIN nu USING (id, author_seq)
GROUP BY ALL
"""
_UNIT_NAMES_SQL = {
    "org": "SELECT org_id AS unit_id, any_value(name) AS name, any_value(country_code) AS cc "
    "FROM organizations GROUP BY 1",
    "institution": "SELECT institution_id AS unit_id, any_value(name) AS name, "
    "any_value(country_code) AS cc FROM institutions GROUP BY 1 UNION ALL "
    "SELECT coalesce(assignee_id, 'name:' || lower(trim(name))), any_value(name), "
    "any_value(country_code) FROM patent_assignees GROUP BY 1",
}
_PATHWAY_ORGS_SQL = """
WITH w AS (
    SELECT a.pathway, o.unit_id, sum(o.f) AS records
    FROM _ex_ow AS o JOIN _ex_assign AS a USING (id)
    GROUP BY ALL
), n AS (SELECT pathway, count(*) AS n FROM _ex_assign GROUP BY pathway)
SELECT * FROM (
    SELECT w.pathway, row_number() OVER (PARTITION BY w.pathway
                                         ORDER BY w.records DESC, w.unit_id) AS rank,
           w.unit_id AS org_id, nm.name, nm.cc AS country_code, w.records,
           w.records / n.n AS share
    FROM w JOIN n USING (pathway) LEFT JOIN _ex_names AS nm USING (unit_id)
) WHERE rank <= $top
ORDER BY pathway, rank
"""


def _knn_graph(
    x: sp.csr_matrix, k: int, min_similarity: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetrised cosine kNN graph: (src, tgt, weight) with src < tgt.

    Each document keeps its ``k`` most similar other documents (similarity ≥
    ``min_similarity`` and > 0; ``np.argpartition`` decides ties at the k-th place, the same
    way on every run); an edge exists when either end chose the other, weighted by their
    cosine similarity. Row blocks of X Xᵀ are densified at most ~16 M cells at a time.
    """
    n = x.shape[0]
    if n < 2 or k < 1:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0)
    k = min(k, n - 1)
    xt = x.T.tocsr()
    block = max(1, 16_000_000 // n)
    src_parts, tgt_parts, w_parts = [], [], []
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        s = np.asarray((x[lo:hi] @ xt).toarray(), dtype=np.float64)
        s[np.arange(hi - lo), np.arange(lo, hi)] = -np.inf  # no self-loops
        part = np.argpartition(-s, k - 1, axis=1)[:, :k]  # the k best of each row
        vals = np.take_along_axis(s, part, axis=1)
        rows = np.repeat(np.arange(lo, hi), part.shape[1])
        cols, vals = part.ravel(), vals.ravel()
        ok = (vals >= min_similarity) & (vals > 0)
        src_parts.append(rows[ok])
        tgt_parts.append(cols[ok])
        w_parts.append(vals[ok])
    src = np.concatenate(src_parts).astype(np.int64)
    tgt = np.concatenate(tgt_parts).astype(np.int64)
    w = np.concatenate(w_parts)
    if len(src) == 0:
        return src, tgt, w
    a, b = np.minimum(src, tgt), np.maximum(src, tgt)
    key = a * n + b
    uniq, first = np.unique(key, return_index=True)
    return uniq // n, uniq % n, w[first]


def _pathway_rule(params: dict[str, object]) -> Rule:
    return Rule(
        name="pathways",
        statement="The technology's documents (title + abstract) are TF-IDF vectors (1 + ln tf) "
        "× (ln((1 + n)/(1 + df)) + 1), L2-normalised, with the IDF of these documents. Each "
        "document is linked to its k_neighbors most cosine-similar documents with similarity ≥ "
        "min_similarity (the union of both directions, weight = similarity), and the graph is "
        "cut into Leiden communities maximising modularity at the given resolution (Traag et "
        "al. 2019; text-similarity clustering as in Waltman & van Eck 2012). Communities of "
        "min_size or more documents are the pathways. A pathway's distinctive terms are the "
        "largest entries of its mean TF-IDF vector minus the mean vector of all the documents; "
        "its momentum is its share of documents from the last 3 years divided by that share "
        "for all the documents; its 5-year CAGR is ((S1 + 1)/(S0 + 1))^(1/5) − 1 with S1 its "
        "documents in [E−2, E] and S0 in [E−7, E−5]; its representatives are the documents "
        "closest (cosine) to its centroid.",
        parameters=params,
        references=(
            "Salton & Buckley 1988, doi:10.1016/0306-4573(88)90021-0",
            "Traag, Waltman & van Eck 2019, doi:10.1038/s41598-019-41695-z",
            "Waltman & van Eck 2012, doi:10.1002/asi.22748",
            "Waltman & van Eck 2015, doi:10.1016/j.joi.2015.08.001",
        ),
    )


def _scope_ids(
    store: Store,
    entity: str,
    industry: str | None,
    query: str | None,
    ids: Sequence[str] | None,
    query_hits: int,
) -> list[str]:
    given = sum(x is not None for x in (industry, query, ids))
    if given != 1:
        raise InputError("give exactly one of industry, query or ids (the technology's documents)")
    if ids is not None:
        if isinstance(ids, str):
            raise InputError("ids must be a sequence of document ids, not one string")
        return sorted({str(i) for i in ids})
    if industry is not None:
        cat = industry_scope(None, industry)
        out: set[str] = set()
        if entity in ("works", "both"):
            out.update(industry_works(store, catalog=cat)["work_id"].to_pylist())
        if entity in ("patents", "both"):
            out.update(industry_patents(store, catalog=cat)["patent_id"].to_pylist())
        return sorted(out)
    hits = search(store, str(query), k=query_hits, entity=entity, method="tfidf")
    return sorted(hits.table["id"].to_pylist())


def pathways(
    store: Store,
    *,
    industry: str | None = None,
    query: str | None = None,
    ids: Sequence[str] | None = None,
    entity: str = PATHWAYS.entity,
    k_neighbors: int = PATHWAYS.k_neighbors,
    min_similarity: float = PATHWAYS.min_similarity,
    resolution: float = PATHWAYS.resolution,
    seed: int = PATHWAYS.seed,
    n_terms: int = PATHWAYS.n_terms,
    min_size: int = PATHWAYS.min_size,
    query_hits: int = PATHWAYS.query_hits,
    top_organizations: int = PATHWAYS.top_organizations,
    n_representatives: int = PATHWAYS.n_representatives,
    end_year: int | None = PATHWAYS.end_year,
    min_df: int | float = PATHWAYS.min_df,
    max_df: int | float = PATHWAYS.max_df,
) -> DecisionResult:
    r"""Technical pathway discovery (C13): the distinct lines of work inside a technology.

    The technology's documents — an industry's catalog slice, the ``query_hits`` best TF-IDF
    hits of ``query``, or explicit ``ids`` — are TF-IDF vectors (IDF of these documents);
    each is linked to its ``k_neighbors`` most similar documents (cosine ≥
    ``min_similarity``; the union of both directions, weight = similarity) and the graph is
    cut into Leiden communities maximising modularity at ``resolution``. Each community of
    at least ``min_size`` documents is a pathway:

    * distinctive terms: the ``n_terms`` largest positive entries of
      :math:`\bar x_P - \bar x`, the pathway's mean TF-IDF vector minus the mean over all
      the technology's documents (terms over-represented in the pathway, weighted by how
      much they weigh in its documents);
    * organisations: fractional counts (of a work's *n* authors, one with *m* organisations
      gives :math:`1/(nm)` to each; of a patent's *n* assignees each gets 1/*n*) through
      ``authorships → org_aliases → organizations``; in a store without resolved
      organisations, institutions (assignees) instead;
    * momentum: the pathway's share of documents from the last three years
      :math:`[E-2, E]` divided by the same share for all the technology's documents (> 1:
      growing faster than the technology); CAGR over 5 years
      :math:`((S_1 + 1)/(S_0 + 1))^{1/5} - 1`, :math:`S_1` its documents in
      :math:`[E-2, E]`, :math:`S_0` in :math:`[E-7, E-5]`;
    * representatives: the documents with the highest cosine to the pathway's centroid;
      ``cohesion`` is their mean cosine to it over all the pathway's documents.

    Determinism: documents are ordered by id, the kNN selection is deterministic, and Leiden
    runs with igraph's random generator seeded by ``random.Random(seed)`` (restored
    afterwards), iterated until stable; the same store and parameters give the same
    partition (another ``seed`` may give another, equally modular one).

    Parameters
    ----------
    store : Store
    industry, query, ids
        Exactly one: the catalog industry, a free-text query, or the document ids.
    entity : {"works", "patents", "both"}, default "works"
    k_neighbors : int, default 10
    min_similarity : float, default 0.1
    resolution : float, default 1.0
        Leiden modularity resolution :math:`\gamma` (higher: more, smaller pathways).
    seed : int, default 0
    n_terms : int, default 8
    min_size : int, default 3
        Smaller communities (and isolated documents) are left unassigned.
    query_hits : int, default 500
        Documents taken from the search of ``query``.
    top_organizations, n_representatives : int
        Rows per pathway in the evidence.
    end_year : int, optional
        :math:`E` (default: the latest year among the documents).
    min_df, max_df
        Vocabulary pruning (:func:`build_text_index`).

    Returns
    -------
    DecisionResult
        ``table``: :data:`PATHWAY_SCHEMA`, pathways ``P1``, ``P2`` … by decreasing size,
        ``label`` = ``"P1: term, term, term"``. ``evidence``: ``assignments``
        (:data:`ASSIGNMENT_SCHEMA`, every document → pathway), ``terms``, ``organizations``,
        ``documents`` (representatives) and ``summary``. :func:`pathway_sub_technologies`
        turns it into the sub-technologies of the consortium builder.

    Raises
    ------
    InputError
        Bad parameters, not exactly one of industry / query / ids, or an unknown industry.
    """
    entity_tables(entity)
    PathwaysParams(
        entity=entity,
        k_neighbors=k_neighbors,
        min_similarity=min_similarity,
        resolution=resolution,
        seed=seed,
        n_terms=n_terms,
        min_size=min_size,
        query_hits=query_hits,
        top_organizations=top_organizations,
        n_representatives=n_representatives,
        end_year=end_year,
        min_df=min_df,
        max_df=max_df,
    )
    doc_ids = _scope_ids(store, entity, industry, query, ids, query_hits)
    index = build_text_index(  # L2-normalised TF-IDF rows: the cosine of the k-NN graph
        store,
        entity=entity,
        ids=doc_ids,
        min_df=min_df,
        max_df=max_df,
        weighting="tfidf",
        stem=False,
        bigrams=False,
    )
    n = index.n_documents
    years = index.years
    if end_year is None:
        known = years[years != NO_YEAR]
        end_year = int(known.max()) if len(known) else None
    params: dict[str, object] = {
        "industry": industry,
        "query": query,
        "ids": None if ids is None else len(doc_ids),
        "entity": entity,
        "k_neighbors": k_neighbors,
        "min_similarity": min_similarity,
        "resolution": resolution,
        "seed": seed,
        "n_terms": n_terms,
        "min_size": min_size,
        "query_hits": query_hits if query is not None else None,
        "end_year": end_year,
        "min_df": min_df,
        "max_df": max_df,
        "recent_window": None if end_year is None else f"{end_year - 2}–{end_year}",
        "cagr": "((S1 + 1)/(S0 + 1))^(1/5) − 1, S1 = [E−2, E], S0 = [E−7, E−5]",
        "terms": "mean TF-IDF of the pathway − mean TF-IDF of all documents",
    }
    result = DecisionResult(
        name="pathways",
        table=PATHWAY_SCHEMA.empty_table(),
        rule=_pathway_rule(params),
        evidence={
            "assignments": ASSIGNMENT_SCHEMA.empty_table(),
            "terms": TERMS_SCHEMA.empty_table(),
            "organizations": PATHWAY_ORGS_SCHEMA.empty_table(),
            "documents": DOCS_SCHEMA.empty_table(),
            "summary": SUMMARY_SCHEMA.empty_table(),
        },
    )
    with store.query_cursor("exploration") as cur:
        result.synthetic = is_synthetic(cur)
    missing = len(doc_ids) - n
    if missing > 0 and ids is not None:
        result.warn(f"{missing} of the {len(doc_ids)} given ids are not {entity} of the store.")
    x = index.matrix
    src, tgt, w = _knn_graph(x, k_neighbors, float(min_similarity))
    memb, modularity = _leiden_arrays(
        n, src, tgt, w, directed=False, resolution=float(resolution), seed=int(seed)
    )
    sizes = np.bincount(memb, minlength=int(memb.max()) + 1) if n else np.zeros(0, np.int64)
    pathway_ids = [c for c in range(len(sizes)) if sizes[c] >= min_size]  # 0 = largest
    code = np.full(n, -1, np.int64)
    for p, c in enumerate(pathway_ids):
        code[memb == c] = p
    n_path = len(pathway_ids)
    # centroids and distinctive terms
    mean_all = np.asarray(x.mean(axis=0)).ravel() if n else np.zeros(x.shape[1])
    vocab = np.asarray(index.vocabulary, dtype=object)
    labels: list[str] = []
    terms_rows: list[dict[str, Any]] = []
    path_terms: list[list[str]] = []
    cent_sim = np.zeros(n)
    rep_rows: list[dict[str, Any]] = []
    cohesion: list[float] = []
    path_reps: list[list[str]] = []
    for p in range(n_path):
        members = np.flatnonzero(code == p)
        mean_p = np.asarray(x[members].mean(axis=0)).ravel()
        diff = mean_p - mean_all
        order = np.lexsort((np.arange(len(diff)), -diff))
        top = [j for j in order[:n_terms] if diff[j] > 0]
        name = f"P{p + 1}"
        tl = [str(vocab[j]) for j in top]
        path_terms.append(tl)
        labels.append(f"{name}: {', '.join(tl[:3])}" if tl else name)
        for r, j in enumerate(top, 1):
            terms_rows.append(
                {
                    "pathway": name,
                    "rank": r,
                    "term": str(vocab[j]),
                    "score": float(diff[j]),
                    "pathway_weight": float(mean_p[j]),
                    "overall_weight": float(mean_all[j]),
                }
            )
        norm = np.linalg.norm(mean_p)
        sims = (
            np.asarray(x[members] @ (mean_p / norm), dtype=np.float64).ravel()
            if norm
            else (np.zeros(len(members)))
        )
        cent_sim[members] = sims
        cohesion.append(float(sims.mean()) if len(sims) else 0.0)
        best = members[np.lexsort((members, -sims))][:n_representatives]
        path_reps.append([index.ids[i] for i in best])
        for r, i in enumerate(best, 1):
            rep_rows.append(
                {
                    "pathway": name,
                    "rank": r,
                    "id": index.ids[i],
                    "entity": index.entities[i],
                    "year": None if years[i] == NO_YEAR else int(years[i]),
                    "title": index.titles[i] or None,
                    "centroid_similarity": float(cent_sim[i]),
                }
            )
    # momentum
    recent_all = _recent_share(years, end_year)
    table_rows: list[dict[str, Any]] = []
    for p in range(n_path):
        yp = years[code == p]
        rs = _recent_share(yp, end_year)
        cagr = None
        if end_year is not None:
            s1 = int(((yp >= end_year - 2) & (yp <= end_year)).sum())
            s0 = int(((yp >= end_year - 7) & (yp <= end_year - 5)).sum())
            cagr = ((s1 + 1) / (s0 + 1)) ** (1 / 5) - 1
        known = yp[yp != NO_YEAR]
        table_rows.append(
            {
                "rank": p + 1,
                "pathway": f"P{p + 1}",
                "label": labels[p],
                "size": len(yp),
                "share": len(yp) / n,
                "terms": path_terms[p],
                "top_organizations": [],
                "recent_share": rs,
                "momentum": None if rs is None or not recent_all else rs / recent_all,
                "cagr_5y": cagr,
                "first_year": int(known.min()) if len(known) else None,
                "cohesion": cohesion[p],
                "representatives": path_reps[p],
            }
        )
    assign = pa.table(
        {
            "id": pa.array(index.ids, pa.string()),
            "entity": pa.array(index.entities, pa.string()),
            "pathway": pa.array([f"P{c + 1}" if c >= 0 else None for c in code], pa.string()),
            "label": pa.array([labels[c] if c >= 0 else None for c in code], pa.string()),
            "year": pa.array([None if y == NO_YEAR else int(y) for y in years], pa.int32()),
            "title": pa.array([t or None for t in index.titles], pa.string()),
            "centroid_similarity": pa.array(
                [float(s) if c >= 0 else None for s, c in zip(cent_sim, code, strict=True)],
                pa.float64(),
            ),
        },
        schema=ASSIGNMENT_SCHEMA,
    )
    orgs, unit = _pathway_orgs(store, index, assign, top_organizations)
    org_names: dict[str, list[str]] = {}
    for r in orgs.to_pylist():
        org_names.setdefault(r["pathway"], []).append(r["name"] or r["org_id"])
    for row in table_rows:
        row["top_organizations"] = org_names.get(row["pathway"], [])
    unassigned = int((code < 0).sum())
    result.table = pa.Table.from_pylist(table_rows, schema=PATHWAY_SCHEMA)
    result.evidence = {
        "assignments": assign,
        "terms": pa.Table.from_pylist(terms_rows, schema=TERMS_SCHEMA),
        "organizations": orgs,
        "documents": pa.Table.from_pylist(rep_rows, schema=DOCS_SCHEMA),
        "summary": pa.Table.from_pylist(
            [
                {
                    "documents": n,
                    "terms": index.n_terms,
                    "edges": len(src),
                    "modularity": modularity,
                    "pathways": n_path,
                    "unassigned": unassigned,
                    "end_year": end_year,
                    "organisation_unit": unit,
                }
            ],
            schema=SUMMARY_SCHEMA,
        ),
    }
    _pathway_caveats(result, n, n_path, unassigned, unit, index.n_terms)
    return result


def _recent_share(years: np.ndarray, end_year: int | None) -> float | None:
    known = years[years != NO_YEAR]
    if end_year is None or not len(known):
        return None
    return float(((known >= end_year - 2) & (known <= end_year)).sum() / len(known))


def _pathway_orgs(
    store: Store, index: TextIndex, assign: pa.Table, top: int
) -> tuple[pa.Table, str]:
    """Top organisations per pathway and the unit counted (org / institution)."""
    with store.query_cursor("exploration") as cur:
        n_alias = cur.execute("SELECT count(*) FROM org_aliases").fetchall()[0][0]
        unit = "org" if n_alias else "institution"
        kept = assign.filter(assign["pathway"].is_valid())
        cur.register("_ex_assign", kept.select(["id", "pathway"]))
        cur.register("_ex_docs", kept.select(["id"]))
        parts = []
        for ent in ("works", "patents"):
            if ent not in index.entities:
                continue
            sql = _ORG_WEIGHT_SQL[(ent, unit)] + _ORG_WEIGHT_TAIL
            parts.append(cur.sql(sql).to_arrow_table())
        if not parts:
            return PATHWAY_ORGS_SCHEMA.empty_table(), unit
        ow = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        cur.register("_ex_ow", ow)
        cur.execute("CREATE OR REPLACE TEMP TABLE _ex_names AS " + _UNIT_NAMES_SQL[unit])
        orgs = cur.sql(_PATHWAY_ORGS_SQL, params={"top": top}).to_arrow_table()
        cur.execute("DROP TABLE IF EXISTS _ex_names")
    # pathway order P1, P2, … P10 (not lexicographic)
    rows = sorted(orgs.to_pylist(), key=lambda r: (int(r["pathway"][1:]), r["rank"]))
    return pa.Table.from_pylist(rows, schema=PATHWAY_ORGS_SCHEMA), unit


def _pathway_caveats(
    result: DecisionResult, n: int, n_path: int, unassigned: int, unit: str, n_terms: int
) -> None:
    p = result.rule.parameters
    if n == 0:
        result.warn("No document of the technology is in the store: no pathway.")
    elif n_terms == 0:
        result.warn(
            "No term survives the vocabulary pruning (min_df / max_df) on these documents: "
            "lower min_df or give more documents."
        )
    if n and n_path == 0:
        result.warn(
            f"No community of {p['min_size']} or more documents: the documents are too "
            "dissimilar (lower min_similarity) or too few."
        )
    if n and unassigned:
        result.warn(
            f"{unassigned} of {n} documents are in no pathway (isolated, or in a community "
            f"of fewer than {p['min_size']} documents)."
        )
    if 0 < n < 50:
        result.warn(f"Only {n} documents: the pathways are indicative only.")
    if n_path == 1:
        result.warn("A single pathway: the technology shows no distinct lines of work here.")
    if n and unit == "institution":
        result.warn(
            "Organisations are not resolved in this store (no org_aliases): institutions "
            "(patent assignees) are counted instead; run resolve_organizations first."
        )
    result.warn(
        "Pathways are clusters of wording (TF-IDF), not of citations: documents that say the "
        "same thing in other words can fall in different pathways."
    )
    if result.synthetic:
        result.warn("SYNTHETIC DATA: the store holds records from a synthetic world.")


def pathway_sub_technologies(result: DecisionResult) -> dict[str, list[str]]:
    """Pathway label → its document ids, from a :func:`pathways` result.

    The input of the consortium builder's "parallel verification of several pathways": each
    pathway is a sub-technology to be covered by the consortium. Unassigned documents are
    left out; labels follow the table's order (P1 first), ids sorted.
    """
    if result.name != "pathways" or "assignments" not in result.evidence:
        raise InputError("pathway_sub_technologies needs the result of pathways()")
    out: dict[str, list[str]] = {lab: [] for lab in result.table["label"].to_pylist()}
    a = result.evidence["assignments"]
    for doc, lab in zip(a["id"].to_pylist(), a["label"].to_pylist(), strict=True):
        if lab is not None:
            out.setdefault(lab, []).append(doc)
    return {k: sorted(v) for k, v in out.items()}
