"""Patent holders' countries and patent families: one invention, one holder country.

Two set-based steps the patent readers run after writing a batch (inside its transaction),
also callable on their own (:func:`resolve_patents`, for ``forcemap resolve``):

* :func:`fill_holder_countries` gives an assignee without an address the one country the
  same holder (same ``assignee_id``) has on its other records;
* :func:`group_patent_families` rebuilds ``patent_families``: the source's family ids where
  the records carry them, else the connected components of priority claims and US
  continuity links, else the patent itself.
"""

from __future__ import annotations

from typing import Literal

import duckdb

from forcemap.errors import ComputationError, InputError, StoreError
from forcemap.store.store import Store

__all__ = [
    "FAMILY_RELATIONS",
    "MIN_KEY_LENGTH",
    "PATENT_UNITS",
    "check_patent_unit",
    "fill_holder_countries",
    "group_patent_families",
    "number_key_sql",
    "patent_unit_caption",
    "patent_unit_sql",
    "resolve_patents",
]

FAMILY_RELATIONS: tuple[str, ...] = (
    "application",
    "continuation",
    "continuation-in-part",
    "division",
    "us-provisional-application",
    "reissue",
    "continuing-reissue",
    "us-divisional-reissue",
    "us-reexamination-reissue-merger",
    "reexamination",
    "substitution",
    "addition",
    "related-application",
)
"""The ``patent_relations.relation`` values that make two patents one family: a patent's own
application (``application``), US continuity (continuation, continuation-in-part, division,
substitution), a provisional application claimed, and reissues / reexaminations of a patent.
``related-publication`` (the application's own pre-grant publication), ``correction`` and
``utility-model-basis`` do not. ``related-application`` is a number of a USPTO record's
"Related U.S. Application Data" whose type the record does not say (a provisional or a
parent application)."""

MIN_KEY_LENGTH = 5
"""A priority or related-document number with fewer letters and digits than this (``1``,
``0000``) is not used to link patents: too short to identify one application."""

_MAX_ROUNDS = 200

PatentUnit = Literal["family", "patent"]

PATENT_UNITS: tuple[str, ...] = ("family", "patent")
"""The counting units of the patent indicators: ``family`` (default; one invention counted
once, :func:`group_patent_families`) or ``patent`` (every grant)."""


def check_patent_unit(unit: str) -> PatentUnit:
    """``unit`` if it is one of :data:`PATENT_UNITS`, else :class:`InputError`."""
    if unit == "family":
        return "family"
    if unit == "patent":
        return "patent"
    raise InputError(f"patent_unit must be one of {', '.join(PATENT_UNITS)}, got {unit!r}")


def patent_unit_sql(unit: str = "family") -> str:
    """The one definition of the patent counting unit: a SQL query of
    ``(patent_id, unit_id)``, one row per patent of the store.

    ``family``: ``unit_id`` is the patent's ``patent_families.family_id``; a patent without a
    row there (families not yet grouped: rows written by hand) takes its source family id
    (``patents.family_id``), else is its own family. ``patent``: ``unit_id`` is the
    ``patent_id``. Indicators count ``DISTINCT unit_id`` where they counted patents, so with no
    family information the counts are those of patents.

    >>> patent_unit_sql("patent")
    'SELECT DISTINCT patent_id, patent_id AS unit_id FROM patents'
    """
    if check_patent_unit(unit) == "patent":
        return "SELECT DISTINCT patent_id, patent_id AS unit_id FROM patents"
    return (
        "SELECT p.patent_id, coalesce(any_value(f.family_id), "
        "any_value(nullif(trim(p.family_id), '')), p.patent_id) AS unit_id "
        "FROM patents AS p LEFT JOIN patent_families AS f USING (patent_id) "
        "GROUP BY p.patent_id"
    )


def patent_unit_caption(con: duckdb.DuckDBPyConnection, unit: str = "family") -> str:
    """The sentence that says which counting unit and which grouping a patent count used,
    e.g. "Patents are counted as families: 150 patents in 150 families (149 by the source's
    family ids, 0 by priority claims and continuity links, 1 alone)."."""
    if check_patent_unit(unit) == "patent":
        return "Patents are counted one by one (patent_unit='patent'): no family grouping."
    row = con.execute(
        """SELECT count(DISTINCT p.patent_id),
                  count(DISTINCT coalesce(f.family_id, nullif(trim(p.family_id), ''),
                                          p.patent_id)),
                  count(DISTINCT p.patent_id) FILTER (
                      WHERE f.method = 'source'
                         OR (f.method IS NULL AND nullif(trim(p.family_id), '') IS NOT NULL)),
                  count(DISTINCT p.patent_id) FILTER (WHERE f.method = 'priority'),
                  count(DISTINCT p.patent_id) FILTER (
                      WHERE f.method = 'single'
                         OR (f.method IS NULL AND nullif(trim(p.family_id), '') IS NULL))
           FROM patents AS p LEFT JOIN patent_families AS f USING (patent_id)"""
    ).fetchall()[0]
    n, fams, src, pri, single = (int(v or 0) for v in row)
    return (
        f"Patents are counted as families: {n:,} patents in {fams:,} families ({src:,} grouped "
        f"by the source's family ids, {pri:,} by shared priority claims and US continuity "
        f"links, {single:,} with no family information, each its own family)."
    )


def number_key_sql(prefix: str, country: str, number: str) -> str:
    """The SQL expression of a linking key: ``<prefix>:<COUNTRY>:<NUMBER>`` with the number's
    letters and digits only, upper-case (``16/123,456`` → ``16123456``), and without a
    leading copy of the office code (``JP2020-050222`` of office ``JP`` → ``2020050222``);
    NULL when fewer than :data:`MIN_KEY_LENGTH` letters and digits remain.

    ``prefix`` is a fixed SQL string literal's content; ``country`` and ``number`` are SQL
    expressions.
    """
    cc = f"upper(coalesce(trim({country}), ''))"
    raw = f"upper(regexp_replace(coalesce({number}, ''), '[^0-9A-Za-z]', '', 'g'))"
    clean = (
        f"CASE WHEN length({cc}) = 2 AND starts_with({raw}, {cc}) "
        f"AND regexp_matches(substr({raw}, 3, 1), '[0-9]') THEN substr({raw}, 3) ELSE {raw} END"
    )
    return (
        f"CASE WHEN length({clean}) >= {MIN_KEY_LENGTH} THEN "
        f"'{prefix}:' || {cc} || ':' || {clean} END"
    )


def fill_holder_countries(con: duckdb.DuckDBPyConnection) -> int:
    """Give assignees without a country the one country their holder has elsewhere.

    An assignee row with a NULL ``country_code`` takes the country of the other rows of the
    same ``assignee_id`` whose country came from the records themselves (``country_source``
    ``address``, ``type_code``, ``name`` or a PatentsView ``location``) when those rows name
    exactly one country; ``country_source`` is then ``holder``. A holder whose records
    disagree (two countries) stays unknown: it is never guessed. Rows filled earlier
    (``holder``) are recomputed, so a later batch that brings a conflicting address undoes
    them.

    Set-based: one grouped update over ``patent_assignees``.

    Returns
    -------
    int
        The assignee rows whose country now comes from their holder.
    """
    con.execute(
        "UPDATE patent_assignees SET country_code = NULL, country_source = NULL "
        "WHERE country_source = 'holder'"
    )
    con.execute(
        """UPDATE patent_assignees AS a SET country_code = h.country, country_source = 'holder'
           FROM (SELECT assignee_id, any_value(upper(country_code)) AS country
                 FROM patent_assignees
                 WHERE country_code IS NOT NULL AND assignee_id IS NOT NULL
                   AND coalesce(country_source, '') <> 'holder'
                 GROUP BY assignee_id
                 HAVING count(DISTINCT upper(country_code)) = 1) AS h
           WHERE a.assignee_id = h.assignee_id AND a.country_code IS NULL"""
    )
    rows = con.execute(
        "SELECT count(*) FROM patent_assignees WHERE country_source = 'holder'"
    ).fetchall()
    return int(rows[0][0])


def group_patent_families(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    r"""Rebuild ``patent_families``: one row per patent with its family and the method.

    A graph joins two patents that share a linking key: the source's family id
    (``patents.family_id``: USPTO ``familyIdentifierCur``, a Lens or DOCDB family id), a
    foreign priority claim (``patent_priority.number_key``: office and application number),
    or a US continuity link (``patent_relations.number_key`` of a relation in
    :data:`FAMILY_RELATIONS`; every patent's own application number is a relation
    ``application`` and its own number a document key ``DOC:US:<number>``, so a
    continuation reaches its granted parent whether it names the parent's application or
    the parent patent). The families are the
    connected components, found by iterative minimum-label propagation in SQL (each round:
    every key takes the smallest label of its patents, every patent the smallest label of
    its keys; stops when no label changes).

    Each family gets

    * ``family_id``: the source's family id when the component carries exactly one, else the
      smallest ``patent_id`` of the component;
    * ``method``: ``source`` when the component is exactly the patents of one source family
      id (no priority or continuity link added a patent), ``priority`` when priority claims or
      continuity links joined two or more patents (or two source families), ``single`` for a
      patent alone without a source family id;
    * ``size``: its patents in the store.

    With no family information at all every patent is its own family (``single``), so a
    count of families equals the count of patents. The priority grouping is close to an
    extended (INPADOC-style) family: two patents sharing any one priority application are one
    family, and the link is transitive (Martínez 2011, "Patent families: when do different
    definitions really matter?", Scientometrics 86, doi:10.1007/s11192-010-0251-3).

    Returns
    -------
    dict[str, int]
        Patents per method, and ``rounds``: the propagation rounds run.

    Raises
    ------
    ComputationError
        The propagation did not settle within 200 rounds (a chain of that many linked
        patents; never expected from real families).
    """
    links = ", ".join(f"'{r}'" for r in FAMILY_RELATIONS)
    con.execute("DROP TABLE IF EXISTS _fam_edge")
    con.execute("DROP TABLE IF EXISTS _fam_label")
    con.execute(
        f"""CREATE TEMP TABLE _fam_edge AS
            WITH pat AS (SELECT patent_id, nullif(trim(any_value(family_id)), '') AS fid
                         FROM patents GROUP BY patent_id)
            SELECT DISTINCT patent_id, key, kind FROM (
                SELECT patent_id, 'SRC:' || fid AS key, 'source' AS kind FROM pat
                WHERE fid IS NOT NULL
                UNION ALL
                SELECT patent_id, number_key, 'priority' FROM patent_priority
                UNION ALL
                SELECT patent_id, number_key, 'priority' FROM patent_relations
                WHERE relation IN ({links})
                UNION ALL  -- a US patent is the document its children name by number and kind
                SELECT patent_id, {number_key_sql("DOC", "'US'", "substr(patent_id, 4)")},
                       'priority'
                FROM pat WHERE starts_with(patent_id, 'US-')
            ) WHERE key IS NOT NULL AND patent_id IN (SELECT patent_id FROM pat)"""  # noqa: S608
    )
    # a priority or continuity key held by one patent links nothing: dropped before the
    # propagation (every patent's own application and number are such keys until a child
    # names them)
    con.execute(
        """DELETE FROM _fam_edge WHERE kind <> 'source' AND key IN (
               SELECT key FROM _fam_edge WHERE kind <> 'source'
               GROUP BY key HAVING count(*) = 1)"""
    )
    con.execute(
        """CREATE TEMP TABLE _fam_label AS
           SELECT DISTINCT patent_id, patent_id AS label FROM _fam_edge"""
    )
    rounds = 0
    while True:
        rounds += 1
        if rounds > _MAX_ROUNDS:
            raise ComputationError(
                f"patent families: the label propagation did not settle in {_MAX_ROUNDS} "
                "rounds; check patent_priority / patent_relations for a chain of linked patents"
            )
        changed = con.execute(
            """WITH k AS (SELECT e.key, min(l.label) AS label
                          FROM _fam_edge e JOIN _fam_label l USING (patent_id) GROUP BY e.key),
                    p AS (SELECT e.patent_id, min(k.label) AS label
                          FROM _fam_edge e JOIN k USING (key) GROUP BY e.patent_id)
               UPDATE _fam_label AS l SET label = p.label FROM p
               WHERE l.patent_id = p.patent_id AND p.label < l.label"""
        ).fetchall()
        if not changed or not changed[0][0]:
            break
    con.execute(  # the patents without any key: each its own family
        """INSERT INTO _fam_label
           SELECT DISTINCT patent_id, patent_id FROM patents
           WHERE patent_id NOT IN (SELECT patent_id FROM _fam_label)"""
    )
    con.execute("DELETE FROM patent_families")
    con.execute(
        """INSERT INTO patent_families
           WITH comp AS (
               SELECT l.label,
                      count(DISTINCT l.patent_id) AS size,
                      count(DISTINCT e.key) FILTER (WHERE e.kind = 'source') AS n_src,
                      min(e.key) FILTER (WHERE e.kind = 'source') AS src
               FROM _fam_label l LEFT JOIN _fam_edge e USING (patent_id)
               GROUP BY l.label),
           src_size AS (SELECT key, count(*) AS n FROM _fam_edge WHERE kind = 'source'
                        GROUP BY key)
           SELECT l.patent_id,
                  CASE WHEN c.n_src = 1 THEN substr(c.src, 5) ELSE c.label END,
                  CASE WHEN c.n_src = 1 AND c.size = s.n THEN 'source'
                       WHEN c.size > 1 THEN 'priority'
                       ELSE 'single' END,
                  c.size
           FROM _fam_label l JOIN comp c USING (label)
           LEFT JOIN src_size s ON s.key = c.src"""
    )
    counts = dict(
        con.execute("SELECT method, count(*) FROM patent_families GROUP BY method").fetchall()
    )
    con.execute("DROP TABLE IF EXISTS _fam_edge")
    con.execute("DROP TABLE IF EXISTS _fam_label")
    return {
        "source": int(counts.get("source", 0)),
        "priority": int(counts.get("priority", 0)),
        "single": int(counts.get("single", 0)),
        "rounds": rounds,
    }


def resolve_patents(store: Store) -> dict[str, int]:
    """Run :func:`fill_holder_countries` and :func:`group_patent_families` in one transaction.

    The readers already run both after every patent batch; this is for ``forcemap resolve``
    (e.g. after editing ``patent_priority`` by hand, or on a store migrated to schema 5).

    Returns
    -------
    dict[str, int]
        ``holder_countries`` (assignee rows filled from their holder) and the patents per
        family method (``source``, ``priority``, ``single``) with ``rounds``.

    Raises
    ------
    StoreError
        DuckDB failed; the store is unchanged.
    """
    con = store.con
    try:
        con.execute("BEGIN TRANSACTION")
        filled = fill_holder_countries(con)
        fam = group_patent_families(con)
        con.execute("COMMIT")
    except duckdb.Error as e:
        con.execute("ROLLBACK")
        raise StoreError(f"patent resolution failed, the store is unchanged: {e}") from e
    return {"holder_countries": filled, **fam}
