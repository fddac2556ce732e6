"""Which units a work belongs to: its authors (persons), source, institutions (organisations),
countries, concepts and topics — one SQL definition per unit kind, used by every analysis
that counts works per unit (h-index tables, aggregated science maps, three-field plots).

Each query yields ``(work_id, unit_id, name)``, one row per work and unit (a unit may appear
with several names across rows: take ``any_value``). A work without the unit (no author id,
no source, no institution, no country, no concept or topic) has no row: unknown stays
unknown, it is never counted as a unit of its own.

- ``author``: the persons of :data:`forcemap.store.person_views.AUTHORSHIPS_VIEW_SQL`
  (execute :data:`~forcemap.store.person_views.PERSON_OF_SQL` and ``AUTHORSHIPS_VIEW_SQL`` on
  the cursor first); without a resolution every author id is its own person.
- ``institution``: the organisation of ``org_aliases`` when resolved, else the OpenAlex
  institution id.
- ``concept``: the work's concepts with ``score >= $min_score`` (bind ``min_score``).
"""

from __future__ import annotations

from forcemap.errors import InputError

__all__ = ["WORK_UNITS", "WORK_UNIT_SQL", "work_unit_sql"]

WORK_UNIT_SQL: dict[str, str] = {
    "author": """
        SELECT DISTINCT a.work_id, a.author_id AS unit_id,
               coalesce(p.person_name, au.name, a.author_name) AS name
        FROM _fm_authorships AS a
        LEFT JOIN (SELECT DISTINCT person_id, person_name FROM _fm_person_of) AS p
               ON p.person_id = a.author_id
        LEFT JOIN authors AS au ON au.author_id = a.author_id
        WHERE a.author_id IS NOT NULL""",
    "source": """
        SELECT work_id, source_id AS unit_id, source_name AS name FROM works
        WHERE source_id IS NOT NULL""",
    "institution": """
        SELECT DISTINCT a.work_id, coalesce(o.org_id, a.institution_id) AS unit_id,
               coalesce(g.name, i.name) AS name
        FROM authorships AS a
        LEFT JOIN institutions AS i ON i.institution_id = a.institution_id
        LEFT JOIN org_aliases AS o ON o.source = 'institution' AND o.source_id = a.institution_id
        LEFT JOIN organizations AS g ON g.org_id = o.org_id
        WHERE a.institution_id IS NOT NULL""",
    "country": """
        SELECT DISTINCT work_id, country_code AS unit_id, country_code AS name FROM authorships
        WHERE country_code IS NOT NULL""",
    "concept": """
        SELECT DISTINCT work_id, concept_id AS unit_id, name FROM work_concepts
        WHERE score >= $min_score""",
    "topic": "SELECT DISTINCT work_id, topic_id AS unit_id, name FROM work_topics",
}
"""Unit kind → SQL of ``(work_id, unit_id, name)``."""

WORK_UNITS: tuple[str, ...] = tuple(WORK_UNIT_SQL)
"""The unit kinds of :data:`WORK_UNIT_SQL`."""


def work_unit_sql(unit: str, *, allowed: tuple[str, ...] = WORK_UNITS, what: str = "unit") -> str:
    """The SQL of ``(work_id, unit_id, name)`` for ``unit`` (one of ``allowed``).

    Raises
    ------
    InputError
        ``unit`` is not one of ``allowed``; the message names ``what`` (the caller's
        parameter).

    Examples
    --------
    >>> "source_id AS unit_id" in work_unit_sql("source")
    True
    """
    if unit not in allowed or unit not in WORK_UNIT_SQL:
        raise InputError(f"{what} must be one of {', '.join(allowed)}, not {unit!r}")
    return WORK_UNIT_SQL[unit]
