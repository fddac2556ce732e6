"""Descriptive counts of what a store holds (no indicators): the first page of every report."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from forcemap.store.store import Store

__all__ = ["StoreSummary", "summarise"]


@dataclass(frozen=True)
class StoreSummary:
    """Counts by country, type and year, top institutions, ingest history and quarantine.

    Every table is a ``pyarrow.Table``; ``synthetic`` is true when any record came from a
    synthetic world (its origin starts with ``synthetic``).
    """

    tables: dict[str, int]
    works_by_year: pa.Table  # year, works
    works_by_type: pa.Table  # type, works
    works_by_country: pa.Table  # country_code, works (full counting), authorships
    institutions_by_type: pa.Table  # type, institutions
    top_institutions: pa.Table  # institution_id, name, country_code, type, works, citations
    patents_by_country: pa.Table  # country_code, patents
    ingest_log: pa.Table
    quarantine: pa.Table  # source, file, reason, records
    synthetic: bool


def summarise(store: Store, *, top: int = 20) -> StoreSummary:
    """Summarise the store's contents (full counting: a work counts once per country)."""
    q = store.sql
    return StoreSummary(
        tables=store.counts(),
        works_by_year=q(
            "SELECT year, count(*) AS works FROM works GROUP BY year ORDER BY year"
        ).to_arrow_table(),
        works_by_type=q(
            "SELECT coalesce(type, '(none)') AS type, count(*) AS works FROM works "
            "GROUP BY ALL ORDER BY works DESC"
        ).to_arrow_table(),
        works_by_country=q(
            """SELECT country_code, count(DISTINCT work_id) AS works, count(*) AS authorships
               FROM authorships WHERE country_code IS NOT NULL
               GROUP BY country_code ORDER BY works DESC, country_code"""
        ).to_arrow_table(),
        institutions_by_type=q(
            "SELECT coalesce(type, '(none)') AS type, count(*) AS institutions "
            "FROM institutions GROUP BY ALL ORDER BY institutions DESC"
        ).to_arrow_table(),
        top_institutions=q(
            """SELECT i.institution_id, i.name, i.country_code, i.type,
                      count(DISTINCT a.work_id) AS works,
                      sum(w.cited_by_count) AS citations
               FROM (SELECT DISTINCT work_id, institution_id FROM authorships) a
               JOIN institutions i USING (institution_id)
               JOIN works w USING (work_id)
               GROUP BY ALL ORDER BY works DESC, citations DESC, institution_id LIMIT $top""",
            {"top": top},
        ).to_arrow_table(),
        patents_by_country=q(
            """SELECT coalesce(country_code, '(unknown)') AS country_code,
                      count(DISTINCT patent_id) AS patents
               FROM patent_assignees GROUP BY ALL ORDER BY patents DESC LIMIT $top""",
            {"top": top},
        ).to_arrow_table(),
        ingest_log=q("SELECT * FROM ingest_log ORDER BY batch_id").to_arrow_table(),
        quarantine=q(
            """SELECT source, file, reason, count(*) AS records FROM quarantine
               GROUP BY ALL ORDER BY records DESC"""
        ).to_arrow_table(),
        synthetic=bool(
            store.scalar(
                """SELECT (SELECT count(*) FROM works WHERE origin LIKE 'synthetic%')
                        + (SELECT count(*) FROM patents WHERE origin LIKE 'synthetic%')"""
            )
        ),
    )
