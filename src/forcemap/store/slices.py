"""Slices of the store by industry: which works and patents belong to which catalog industry.

The industry catalog (:mod:`forcemap.store.reference`) describes each industry by OpenAlex
concepts and topics and by CPC patterns. These functions apply it to the store, set-based,
once, so every indicator, network and decision slices the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from forcemap._checks import check_years
from forcemap.errors import NotFoundError
from forcemap.store.reference import (
    BROAD_CONCEPT_MAX_LEVEL,
    IndustryCatalog,
    load_industry_catalog,
)
from forcemap.store.store import Store

__all__ = [
    "create_work_slice",
    "industry_patents",
    "industry_slice",
    "industry_works",
    "slice_works_sql",
]

WORK_SLICE = pa.schema([("work_id", pa.string()), ("industry", pa.string())])
PATENT_SLICE = pa.schema(
    [("patent_id", pa.string()), ("industry", pa.string()), ("sub_technology", pa.string())]
)


def _catalog(catalog: IndustryCatalog | None, industries: Sequence[str] | None) -> IndustryCatalog:
    cat = catalog if catalog is not None else load_industry_catalog()
    if industries:
        missing = [k for k in industries if k not in cat]
        if missing:
            raise NotFoundError(
                f"unknown industr{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)}; "
                f"the catalog has: {', '.join(cat.keys())}"
            )
        cat = IndustryCatalog([cat[k] for k in industries])
    return cat


def industry_works(
    store: Store,
    *,
    industries: Sequence[str] | None = None,
    catalog: IndustryCatalog | None = None,
    min_concept_score: float = 0.3,
    min_topic_score: float = 0.0,
) -> pa.Table:
    """Assign works to industries by their specific OpenAlex concepts and their topics.

    A work belongs to industry *I* when one of its concepts with score
    ≥ ``min_concept_score`` is among *I*'s specific concepts (OpenAlex level ≥ 2), or one of
    its topics with score ≥ ``min_topic_score`` is among *I*'s topics. A work may belong to
    several industries.

    Notes
    -----
    A broad concept (OpenAlex levels 0–1, e.g. "Engineering", "Medicine") never pulls a work
    on its own: the catalog keeps such concepts apart (``Industry.broad_concepts``), and a
    concept the catalog took as specific but whose level the store records as 0 or 1 is
    skipped here too. A concept whose level the store does not know counts as specific.

    Returns
    -------
    pyarrow.Table
        ``work_id: string``, ``industry: string`` — one row per (work, industry), distinct.
    """
    cat = _catalog(catalog, industries)
    concept_links = cat.concept_links()  # noqa: F841 - read by DuckDB by name
    topic_links = cat.topic_links()  # noqa: F841
    con = store.con
    rel = con.sql(
        """SELECT DISTINCT work_id, industry FROM (
              SELECT c.work_id, l.industry FROM work_concepts c
              JOIN concept_links l ON l.concept_id = c.concept_id
              WHERE c.score >= $cs AND coalesce(c.level > $broad, true)
              UNION ALL
              SELECT t.work_id, l.industry FROM work_topics t
              JOIN topic_links l ON l.topic_id = t.topic_id
              WHERE coalesce(t.score, 1.0) >= $ts)
           ORDER BY industry, work_id""",
        params={"cs": min_concept_score, "ts": min_topic_score, "broad": BROAD_CONCEPT_MAX_LEVEL},
    )
    return rel.to_arrow_table().cast(WORK_SLICE)


def industry_patents(
    store: Store,
    *,
    industries: Sequence[str] | None = None,
    catalog: IndustryCatalog | None = None,
    first_only: bool = False,
) -> pa.Table:
    """Assign patents to industries (and sub-technologies) by CPC prefix patterns.

    A patent belongs to industry *I* when one of its CPC symbols (only the first one when
    ``first_only``) starts with one of *I*'s patterns; ``sub_technology`` names the matching
    sub-technology, NULL for an industry-level pattern. The join is an equi-join on the CPC
    subclass followed by a prefix test, so it scales with the number of CPC rows.

    Returns
    -------
    pyarrow.Table
        ``patent_id``, ``industry``, ``sub_technology`` — distinct rows.
    """
    cat = _catalog(catalog, industries)
    patterns = cat.cpc_patterns()  # noqa: F841 - read by DuckDB by name
    rel = store.con.sql(
        """SELECT DISTINCT c.patent_id, p.industry, p.sub_technology
           FROM (SELECT patent_id, replace(cpc_subgroup, ' ', '') AS sym,
                        coalesce(cpc_subclass, left(replace(cpc_subgroup, ' ', ''), 4)) AS sc
                 FROM patent_cpc WHERE (NOT $first) OR is_first) c
           JOIN patterns p ON left(p.pattern, 4) = c.sc AND starts_with(c.sym, p.pattern)
           ORDER BY p.industry, c.patent_id""",
        params={"first": first_only},
    )
    return rel.to_arrow_table().cast(PATENT_SLICE)


def industry_slice(industry: str) -> tuple[list[str], list[str], list[str]]:
    """An industry's (concept ids, topic ids, CPC patterns) from the industry catalog
    (:func:`forcemap.store.reference.load_industry_catalog`; unknown key: NotFoundError)."""
    cat = load_industry_catalog()
    key = cat[industry].key
    links = (cat.concept_links(), "concept_id"), (cat.topic_links(), "topic_id")
    ids = [sorted(set(t.filter(pc.equal(t["industry"], key))[c].to_pylist())) for t, c in links]
    cp = cat.cpc_patterns()
    patterns = sorted(set(cp.filter(pc.equal(cp["industry"], key))["pattern"].to_pylist()))
    return ids[0], ids[1], patterns


def slice_works_sql(has_topic_filter: bool) -> str:
    """Works in the slice: year range, field, concepts/topics (all as $parameters)."""
    sql = """
        SELECT w.work_id, w.year FROM works w
        WHERE ($y0 IS NULL OR w.year >= $y0) AND ($y1 IS NULL OR w.year <= $y1)
          AND ($field IS NULL
               OR EXISTS (SELECT 1 FROM work_topics t WHERE t.work_id = w.work_id
                          AND $field IN (t.field_id, t.subfield_id, t.domain_id, t.topic_id))
               OR EXISTS (SELECT 1 FROM work_concepts c WHERE c.work_id = w.work_id
                          AND c.concept_id = $field))"""
    if has_topic_filter:
        sql += """
          AND (EXISTS (SELECT 1 FROM work_concepts c WHERE c.work_id = w.work_id
                       AND list_contains($concepts, c.concept_id))
               OR EXISTS (SELECT 1 FROM work_topics t WHERE t.work_id = w.work_id
                          AND list_contains($topics, t.topic_id)))"""
    return sql


def create_work_slice(
    cur: duckdb.DuckDBPyConnection,
    *,
    industry: str | None = None,
    field: str | None = None,
    concepts: Collection[str] | None = None,
    topics: Collection[str] | None = None,
    years: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Create the temporary table ``_fm_works(work_id, year)`` of the works in a slice, on
    ``cur``, with :func:`slice_works_sql`; returns the slice's description (``industry``,
    ``field``, ``years``, ``concepts``, ``topics``, ``works``: its size).

    The industry adds its catalog concepts and topics (:func:`industry_slice`) to
    ``concepts`` and ``topics``; a work is in the slice when it carries one of them (none
    given: every work), lies in ``years`` (inclusive) and, with ``field``, carries that
    topic / subfield / field / domain or concept.
    """
    y0, y1 = check_years(years)
    concept_ids, topic_ids = sorted(set(concepts or ())), sorted(set(topics or ()))
    if industry is not None:
        more = industry_slice(industry)
        concept_ids = sorted(set(concept_ids) | set(more[0]))
        topic_ids = sorted(set(topic_ids) | set(more[1]))
    topic_filter = bool(concept_ids or topic_ids)
    params: dict[str, Any] = {"y0": y0, "y1": y1, "field": field}
    if topic_filter:
        params |= {"concepts": concept_ids, "topics": topic_ids}
    sql = "CREATE OR REPLACE TEMP TABLE _fm_works AS " + slice_works_sql(topic_filter)
    cur.execute(sql, params)
    n = cur.execute("SELECT count(*) FROM _fm_works").fetchall()[0][0]
    return {
        "industry": industry,
        "field": field,
        "years": [y0, y1] if years else None,
        "concepts": concept_ids,
        "topics": topic_ids,
        "works": int(n),
    }
