"""Persons in the decision outputs: author ids mapped to persons, "possibly the same person".

:func:`forcemap.store.persons.resolve_persons` writes ``person_aliases`` (author id → person)
and ``person_possible`` (pairs below the merge threshold). The outputs that rank or connect
authors count persons: an authorship's author is ``coalesce(person_id, author_id)``, so with
``person_aliases`` empty (persons not resolved) every author id is its own person and the
outputs are unchanged.
"""

from __future__ import annotations

import duckdb

__all__ = ["PERSON_OF_SQL", "persons_resolved", "possible_table"]

PERSON_OF_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_person_of AS
SELECT author_id, any_value(person_id) AS person_id, any_value(name) AS person_name
FROM person_aliases GROUP BY author_id
"""
"""``_fm_person_of(author_id, person_id, person_name)``: one row per resolved author id; an
author id absent from it is its own person."""

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
