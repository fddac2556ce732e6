r"""Catalog hygiene: how big each industry is in a store and how much it overlaps the others.

An industry catalog is only useful when its entries select different things. Two entries that
select (nearly) the same works or patents give the same evidence under two names (rail transit
and marine engineering did, through the shared level-0 concept "Engineering"), and an entry
defined by broad concepts alone (OpenAlex levels 0–1) selects whatever happens to be tagged with
a discipline. :func:`check_industries` measures both on a store, set-based:

- the size of every industry: distinct works (:func:`forcemap.store.slices.industry_works`)
  and distinct patents (:func:`forcemap.store.slices.industry_patents`);
- the overlap of every pair (:func:`industry_overlap`): the Jaccard index on works and on
  patents;
- flags: a pair at or above ``near_duplicate_at`` on works or on patents (*near-duplicate*), and
  an entry whose concepts are all broad and that has no topic (*broad-only*), by the shipped
  broad-concept table and by the levels the store records.

``forcemap industries check`` prints the result and exits with
:attr:`forcemap.errors.InputError.exit_code` (2) when a flag is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from forcemap.errors import InputError
from forcemap.store.reference import (
    BROAD_CONCEPT_MAX_LEVEL,
    IndustryCatalog,
    broad_concept_levels,
    load_industry_catalog,
)
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store

__all__ = [
    "CHECK_SCHEMA",
    "NEAR_DUPLICATE_AT",
    "OVERLAP_SCHEMA",
    "check_industries",
    "industry_overlap",
    "load_catalog_for_check",
]

#: Default Jaccard index at or above which two industries are near-duplicates (see
#: :func:`check_industries`, Notes).
NEAR_DUPLICATE_AT: float = 0.5

OVERLAP_SCHEMA = pa.schema(
    [
        ("industry_a", pa.string()),
        ("industry_b", pa.string()),
        ("works_a", pa.int64()),
        ("works_b", pa.int64()),
        ("shared_works", pa.int64()),
        ("jaccard_works", pa.float64()),
        ("patents_a", pa.int64()),
        ("patents_b", pa.int64()),
        ("shared_patents", pa.int64()),
        ("jaccard_patents", pa.float64()),
        ("near_duplicate", pa.bool_()),
    ]
)

CHECK_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("name", pa.string()),
        ("works", pa.int64()),
        ("patents", pa.int64()),
        ("specific_concepts", pa.int64()),
        ("topics", pa.int64()),
        ("broad_concepts", pa.list_(pa.string())),
        ("nearest_works", pa.string()),
        ("jaccard_works", pa.float64()),
        ("nearest_patents", pa.string()),
        ("jaccard_patents", pa.float64()),
        ("flags", pa.list_(pa.string())),
    ]
)

_OVERLAP_SQL = """
WITH w AS (SELECT DISTINCT work_id, industry FROM _w),
p AS (SELECT DISTINCT patent_id, industry FROM _p),
nw AS (SELECT industry, count(*) AS n FROM w GROUP BY 1),
np_ AS (SELECT industry, count(*) AS n FROM p GROUP BY 1),
sw AS (SELECT a.industry AS i, b.industry AS j, count(*) AS n
       FROM w a JOIN w b ON a.work_id = b.work_id AND a.industry < b.industry GROUP BY 1, 2),
sp AS (SELECT a.industry AS i, b.industry AS j, count(*) AS n
       FROM p a JOIN p b ON a.patent_id = b.patent_id AND a.industry < b.industry GROUP BY 1, 2),
pairs AS (SELECT a.key AS i, b.key AS j, a.pos AS pa_, b.pos AS pb_
          FROM _keys a JOIN _keys b ON a.pos < b.pos),
c AS (
    SELECT pairs.i, pairs.j, pairs.pa_, pairs.pb_,
           coalesce(wa.n, 0) AS works_a, coalesce(wb.n, 0) AS works_b,
           coalesce(sw.n, 0) AS shared_works,
           coalesce(pa.n, 0) AS patents_a, coalesce(pb.n, 0) AS patents_b,
           coalesce(sp.n, 0) AS shared_patents
    FROM pairs
    LEFT JOIN nw wa ON wa.industry = pairs.i
    LEFT JOIN nw wb ON wb.industry = pairs.j
    LEFT JOIN np_ pa ON pa.industry = pairs.i
    LEFT JOIN np_ pb ON pb.industry = pairs.j
    LEFT JOIN sw ON sw.i = least(pairs.i, pairs.j) AND sw.j = greatest(pairs.i, pairs.j)
    LEFT JOIN sp ON sp.i = least(pairs.i, pairs.j) AND sp.j = greatest(pairs.i, pairs.j)
), r AS (
    SELECT *,
           CASE WHEN works_a + works_b - shared_works > 0
                THEN shared_works / (works_a + works_b - shared_works) END AS jw,
           CASE WHEN patents_a + patents_b - shared_patents > 0
                THEN shared_patents / (patents_a + patents_b - shared_patents) END AS jp
    FROM c
)
SELECT i AS industry_a, j AS industry_b, works_a, works_b, shared_works,
       jw AS jaccard_works, patents_a, patents_b, shared_patents, jp AS jaccard_patents,
       coalesce(jw >= $t, false) OR coalesce(jp >= $t, false) AS near_duplicate
FROM r ORDER BY pa_, pb_
"""


def _check_threshold(near_duplicate_at: float) -> float:
    t = float(near_duplicate_at)
    if not 0.0 < t <= 1.0:
        raise InputError(f"near_duplicate_at={near_duplicate_at!r} must be in (0, 1]")
    return t


def industry_overlap(
    store: Store,
    *,
    catalog: IndustryCatalog | None = None,
    near_duplicate_at: float = NEAR_DUPLICATE_AT,
    min_concept_score: float = 0.3,
) -> pa.Table:
    r"""The overlap of every pair of catalog industries in a store: Jaccard on works and patents.

    .. math::

        J(A, B) = \frac{|A \cap B|}{|A \cup B|}
                = \frac{|A \cap B|}{|A| + |B| - |A \cap B|}

    where *A* and *B* are the distinct works (or patents) the two industries select
    (Jaccard 1901; the set similarity used to compare classification schemes' coverage of the
    same documents, e.g. Leydesdorff & Bornmann 2016).

    Parameters
    ----------
    store : Store
        The store whose works and patents are sliced.
    catalog : IndustryCatalog, optional
        The catalog (default: the packaged one).
    near_duplicate_at : float, default 0.5
        Jaccard index at or above which (on works or on patents) a pair is a near-duplicate.
    min_concept_score : float, default 0.3
        Passed to :func:`forcemap.store.slices.industry_works`.

    Returns
    -------
    pa.Table
        :data:`OVERLAP_SCHEMA`, one row per unordered pair in catalog order: industry_a,
        industry_b: string; works_a, works_b, shared_works: int64; jaccard_works: float64
        (null when neither selects a work: no evidence is not zero); patents_a, patents_b,
        shared_patents, jaccard_patents: the same on patents; near_duplicate: bool.

    Raises
    ------
    InputError
        ``near_duplicate_at`` is not in (0, 1].

    References
    ----------
    Jaccard, P. (1901). Étude comparative de la distribution florale dans une portion des Alpes
    et du Jura. Bulletin de la Société Vaudoise des Sciences Naturelles, 37, 547–579.
    https://doi.org/10.5169/seals-266450
    Leydesdorff, L., & Bornmann, L. (2016). The operationalization of "fields" as WoS subject
    categories (WCs) in evaluative bibliometrics. JASIST, 67(3), 707–714.
    https://doi.org/10.1002/asi.23408
    """
    t = _check_threshold(near_duplicate_at)
    cat = catalog if catalog is not None else load_industry_catalog()
    works, patents = _slices(store, cat, min_concept_score)
    return _overlap(store, list(cat.keys()), works, patents, t)


def _slices(
    store: Store, cat: IndustryCatalog, min_concept_score: float
) -> tuple[pa.Table, pa.Table]:
    """(work_id, industry) and (patent_id, industry) of the catalog in the store."""
    works = industry_works(store, catalog=cat, min_concept_score=min_concept_score)
    patents = industry_patents(store, catalog=cat).select(["patent_id", "industry"])
    return works, patents


def _overlap(
    store: Store, keys: list[str], works: pa.Table, patents: pa.Table, t: float
) -> pa.Table:
    """The pairwise overlap table of :func:`industry_overlap` from the two slices."""
    order = pa.table(
        {"key": pa.array(keys, pa.string()), "pos": pa.array(range(len(keys)), pa.int64())}
    )
    with store.query_cursor("industry overlap") as cur:
        cur.register("_w", works)
        cur.register("_p", patents)
        cur.register("_keys", order)
        rel = cur.sql(_OVERLAP_SQL, params={"t": t})
        return rel.to_arrow_table().cast(OVERLAP_SCHEMA)


def _sizes(table: pa.Table, id_column: str) -> dict[str, int]:
    """Distinct ids per industry of a slice."""
    grouped = table.group_by("industry").aggregate([(id_column, "count_distinct")])
    return dict(
        zip(
            grouped["industry"].to_pylist(),
            grouped[f"{id_column}_count_distinct"].to_pylist(),
            strict=True,
        )
    )


def _store_broad(store: Store, concepts: Sequence[str]) -> dict[str, tuple[str, int]]:
    """Concepts of ``concepts`` that the store records at a broad level: id → (name, level)."""
    if not concepts:
        return {}
    ids = pa.table({"concept_id": pa.array(sorted(set(concepts)), pa.string())})
    with store.query_cursor("industry check") as cur:
        cur.register("_ids", ids)
        rows = cur.execute(
            """SELECT concept_id, any_value(name), min(level) FROM work_concepts
               JOIN _ids USING (concept_id) WHERE level <= $broad GROUP BY 1""",
            {"broad": BROAD_CONCEPT_MAX_LEVEL},
        ).fetchall()
    return {c: (n or c, int(lv)) for c, n, lv in rows}


def _broad_only(
    label: str,
    specific: Sequence[str],
    broad: Sequence[str],
    topics: Sequence[str],
    known: dict[str, tuple[str, int]],
) -> str | None:
    """The broad-only flag of one entry, or None: its concepts are all broad (by the shipped
    table or the store) and it has no topic."""
    broad_all = [*broad, *(c for c in specific if c in known)]
    left = [c for c in specific if c not in known]
    if not broad_all or left or topics:
        return None
    levels = {**broad_concept_levels(), **known}
    named = ", ".join(f"{c} ({levels[c][0]}, level {levels[c][1]})" for c in broad_all)
    return (
        f"broad-only: {label} is defined by broad concepts alone ({named}) and has no "
        "specific concept or topic; it selects no work"
    )


def load_catalog_for_check(files: Sequence[str | Path] = ()) -> IndustryCatalog:
    """The packaged catalog merged with ``files``, broad-only entries kept (not an error) so
    that :func:`check_industries` reports them with the rest."""
    return load_industry_catalog(*files, strict=False)


def check_industries(
    store: Store,
    *,
    catalog: IndustryCatalog | None = None,
    near_duplicate_at: float = NEAR_DUPLICATE_AT,
    min_concept_score: float = 0.3,
) -> pa.Table:
    """Each industry's size in the store, its nearest other industry, and its hygiene flags.

    Parameters
    ----------
    store : Store
        The store whose works and patents are sliced.
    catalog : IndustryCatalog, optional
        The catalog to check (default: the packaged one). To check users' files without
        stopping at the first broad-only entry, load them with
        :func:`load_catalog_for_check`.
    near_duplicate_at : float, default 0.5
        Jaccard index (:func:`industry_overlap`) at or above which two industries are flagged
        as near-duplicates, on works or on patents.
    min_concept_score : float, default 0.3
        Passed to :func:`forcemap.store.slices.industry_works`.

    Returns
    -------
    pa.Table
        :data:`CHECK_SCHEMA`, one row per industry in catalog order: industry, name: string;
        works, patents: int64 (distinct, in the store); specific_concepts: int64 (concepts
        that decide membership: not broad by the shipped table nor by the store's levels,
        sub-technologies included); topics: int64; broad_concepts: list<string> (the broad
        concepts written in the entry, ``id (name, level)``); nearest_works: string (the other
        industry with the highest Jaccard on works; null when it shares no work with any);
        jaccard_works: float64 (that highest Jaccard, 0.0 when nothing is shared, null when no
        pair has a work); nearest_patents, jaccard_patents: the same on patents;
        flags: list<string> (empty when the industry passes). The table's metadata holds
        ``near_duplicate_at``.

    Raises
    ------
    InputError
        ``near_duplicate_at`` is not in (0, 1].

    Notes
    -----
    Flags: *near-duplicate* when the Jaccard index with another industry reaches
    ``near_duplicate_at`` on works or on patents (the pair is flagged on both industries);
    *broad-only* when an industry or a sub-technology has concepts, all of them broad
    (OpenAlex levels 0–1, by the shipped table :func:`~forcemap.store.reference.
    broad_concept_levels` or by the level the store records), and no topic.

    The default 0.5 is the point where two industries share as much as they do not: for two
    industries of equal size it means at least two thirds of each one's output is also the
    other's (``J = k / (2n − k) ≥ 0.5`` ⇔ ``k ≥ 2n/3``), so any share, rank or class computed
    on one is mostly computed on the other. Sub-fields that are legitimately nested (a small
    industry inside a large one) stay below it, since the Jaccard index divides by the union.

    A pair with no work in either industry has a null Jaccard on works (no evidence, not zero)
    and is never a near-duplicate on works.
    """
    t = _check_threshold(near_duplicate_at)
    cat = catalog if catalog is not None else load_industry_catalog()
    w_slice, p_slice = _slices(store, cat, min_concept_score)
    pairs = _overlap(store, list(cat.keys()), w_slice, p_slice, t).to_pylist()
    works = _sizes(w_slice, "work_id")
    patents = _sizes(p_slice, "patent_id")
    every_specific = [
        c
        for ind in cat.values()
        for c in (*ind.concepts, *(c for s in ind.sub_technologies for c in s.concepts))
    ]
    known = _store_broad(store, every_specific)
    shipped = broad_concept_levels()
    rows: list[dict[str, object]] = []
    for ind in cat.values():
        flags: list[str] = []
        entries = [(ind.key, ind.concepts, ind.broad_concepts, ind.topics)] + [
            (f"{ind.key}.{s.key}", s.concepts, s.broad_concepts, s.topics)
            for s in ind.sub_technologies
        ]
        for label, specific, broad, topics in entries:
            flag = _broad_only(label, specific, broad, topics, known)
            if flag is not None:
                flags.append(flag)
        best: dict[str, tuple[str | None, float | None]] = {"works": (None, None)}
        best["patents"] = (None, None)
        for p in pairs:
            if ind.key not in (p["industry_a"], p["industry_b"]):
                continue
            other = p["industry_b"] if p["industry_a"] == ind.key else p["industry_a"]
            for side in ("works", "patents"):
                j = p[f"jaccard_{side}"]
                if j is not None and (best[side][1] is None or j > best[side][1]):
                    best[side] = (other if j > 0 else None, j)
                if j is not None and j >= t:
                    flags.append(
                        f"near-duplicate of {other} on {side}: Jaccard {j:.2f} "
                        f"({p[f'shared_{side}']:,} shared of {p[f'{side}_a']:,} and "
                        f"{p[f'{side}_b']:,}) ≥ {t:g}"
                    )
        all_specific = {*ind.concepts, *(c for s in ind.sub_technologies for c in s.concepts)}
        all_broad = dict.fromkeys(
            [*ind.broad_concepts, *(c for s in ind.sub_technologies for c in s.broad_concepts)]
        )
        all_broad.update(dict.fromkeys(c for c in all_specific if c in known))
        levels = {**shipped, **known}
        rows.append(
            {
                "industry": ind.key,
                "name": ind.name,
                "works": works.get(ind.key, 0),
                "patents": patents.get(ind.key, 0),
                "specific_concepts": len([c for c in all_specific if c not in known]),
                "topics": len({*ind.topics, *(x for s in ind.sub_technologies for x in s.topics)}),
                "broad_concepts": [
                    f"{c} ({levels[c][0]}, level {levels[c][1]})" for c in all_broad
                ],
                "nearest_works": best["works"][0],
                "jaccard_works": best["works"][1],
                "nearest_patents": best["patents"][0],
                "jaccard_patents": best["patents"][1],
                "flags": flags,
            }
        )
    table = pa.Table.from_pylist(rows, schema=CHECK_SCHEMA)
    return table.replace_schema_metadata({"near_duplicate_at": f"{t:g}"})
