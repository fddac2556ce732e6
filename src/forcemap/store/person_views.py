"""Persons in the outputs: author ids mapped to persons, "possibly the same person as …".

:func:`forcemap.store.persons.resolve_persons` writes ``person_aliases`` (author id → person)
and ``person_possible`` (pairs below the merge threshold). The outputs that rank or connect
authors count persons: an authorship's author is ``coalesce(person_id, author_id)``, so with
``person_aliases`` empty (persons not resolved) every author id is its own person and the
outputs are unchanged.
"""

from __future__ import annotations

import duckdb

__all__ = [
    "AUTHORSHIPS_VIEW_SQL",
    "PERSON_OF_SQL",
    "person_ids",
    "person_map",
    "persons_resolved",
    "possible_table",
]

PERSON_OF_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_person_of AS
SELECT author_id, any_value(person_id) AS person_id, any_value(name) AS person_name
FROM person_aliases GROUP BY author_id
"""
"""``_fm_person_of(author_id, person_id, person_name)``: one row per resolved author id; an
author id absent from it is its own person."""

AUTHORSHIPS_VIEW_SQL = """
CREATE OR REPLACE TEMP VIEW _fm_authorships AS
SELECT a.* REPLACE (coalesce(p.person_id, a.author_id) AS author_id)
FROM authorships AS a LEFT JOIN _fm_person_of AS p ON p.author_id = a.author_id
"""
"""``_fm_authorships``: ``authorships`` with each author id replaced by its person (after
:data:`PERSON_OF_SQL`); identical to ``authorships`` when persons are not resolved."""

_POSSIBLE_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_person_possible AS
WITH p AS (
    SELECT person_id AS pid, other_person_id AS other, score FROM person_possible
    UNION ALL
    SELECT other_person_id, person_id, score FROM person_possible
), best AS (
    SELECT pid, other, max(score) AS score FROM p WHERE pid <> other GROUP BY pid, other
), names AS (
    SELECT person_id, any_value(name) AS name FROM person_aliases GROUP BY person_id
)
SELECT b.pid AS person_id,
       string_agg(coalesce(n.name, b.other) || ' (' || b.other || ', p=' || round(b.score, 2)
                  || ')', '; ' ORDER BY b.score DESC, b.other) AS possibly_same_as,
       count(*) AS n_possible
FROM best AS b LEFT JOIN names AS n ON n.person_id = b.other
GROUP BY b.pid
"""


def persons_resolved(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``person_aliases`` holds a resolution (``forcemap resolve`` ran)."""
    return bool(cur.execute("SELECT count(*) FROM person_aliases").fetchall()[0][0])


def possible_table(cur: duckdb.DuckDBPyConnection) -> None:
    """Create ``_fm_person_possible(person_id, possibly_same_as, n_possible)``: for each person
    with pairs in ``person_possible``, the other persons as ``"Name (id, p=0.85); …"``, most
    probable first (empty when persons are not resolved)."""
    cur.execute(_POSSIBLE_SQL)


def person_map(cur: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    """Resolved author ids among ``ids`` → their person ids (needs :data:`PERSON_OF_SQL`)."""
    if not ids:
        return {}
    return {
        str(a): str(p)
        for a, p in cur.execute(
            "SELECT author_id, person_id FROM _fm_person_of WHERE author_id IN "
            "(SELECT unnest($ids))",
            {"ids": ids},
        ).fetchall()
    }


def person_ids(cur: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
    """``ids`` with every resolved author id replaced by its person id (first occurrence
    order, duplicates dropped; other ids unchanged). Needs :data:`PERSON_OF_SQL`."""
    mapping = person_map(cur, ids)
    out: list[str] = []
    for i in ids:
        j = mapping.get(i, i)
        if j not in out:
            out.append(j)
    return out
