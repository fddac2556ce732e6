r"""Organisation hierarchy: every organisation's parent and top, from what the sources give.

The sources state relations between institutions (``institution_relations``): OpenAlex
``lineage`` (the ancestors of an institution, itself included, in no documented order),
OpenAlex ``associated_institutions`` and ROR ``relationships`` (``parent`` / ``child`` /
``related`` / ``successor`` / ``predecessor``). :func:`build_org_hierarchy` turns them into
``org_hierarchy(org_id, parent_id, top_id, depth, source, n_parents)``, one row per
organisation of ``organizations``; it runs inside :func:`forcemap.store.organizations.
resolve_organizations`, after the organisations are resolved.

:func:`org_rollup_sql` and :func:`org_aliases_sql` are the one mapping of an organisation to
the level an analysis asks for (``self`` / ``parent`` / ``top``): every organisation-level
output (actors, consortium, organisation networks) reads organisations through them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from forcemap.errors import InputError

__all__ = [
    "ORG_LEVELS",
    "HierarchyCounts",
    "build_org_hierarchy",
    "org_aliases_sql",
    "org_level_caption",
    "org_rollup_sql",
]

ORG_LEVELS: tuple[str, ...] = ("self", "parent", "top")
"""Roll-up levels: the organisation itself, its parent, the top of its chain of parents."""

# Sources in order of precedence when the sources give an organisation different parents.
_SOURCE_RANK = (
    "CASE source WHEN 'override' THEN 0 WHEN 'ror' THEN 1 WHEN 'openalex:associated' THEN 2 "
    "ELSE 3 END"
)

_MAX_DEPTH = 64  # no real hierarchy is this deep; the walk stops there

# Step 1: raw ids (OpenAlex 'I…', 'ror:<id>') to nodes: an organisation ('org:<org_id>') when
# the store resolved the id to one, else the raw id itself (an institution outside the store
# that a chain passes through).
_NODES_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_h_node AS
SELECT raw, min(node) AS node FROM (
    SELECT source_id AS raw, 'org:' || org_id AS node FROM org_aliases
    WHERE source = 'institution'
    UNION ALL
    SELECT 'ror:' || ror, 'org:' || org_id FROM organizations WHERE ror IS NOT NULL
) GROUP BY raw
"""

# Step 2: candidate (child, parent) edges. 'parent'/'child' relations are direct; a lineage
# gives ancestors only, so the direct parent of x is its ancestor with the most of x's other
# ancestors among its own ancestors (the deepest one); ancestors tied there are all candidates
# (a joint unit under two bodies has two parents). 'related', 'successor' and 'predecessor'
# are not hierarchy.
_EDGES_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_h_edge AS
WITH anc AS (
    SELECT DISTINCT institution_id AS x, related_id AS a FROM institution_relations
    WHERE relationship = 'ancestor'
), scored AS (
    SELECT anc.x, anc.a,
           count(b.a) FILTER (WHERE b.a IS NOT NULL AND o.a IS NOT NULL) AS depth
    FROM anc
    LEFT JOIN anc AS b ON b.x = anc.x AND b.a <> anc.a
    LEFT JOIN anc AS o ON o.x = anc.a AND o.a = b.a
    GROUP BY anc.x, anc.a
), lineage AS (
    SELECT x AS child, a AS parent, 'openalex:lineage' AS source FROM scored
    QUALIFY depth = max(depth) OVER (PARTITION BY x)
), direct AS (
    SELECT institution_id AS child, related_id AS parent, source FROM institution_relations
    WHERE relationship = 'parent'
    UNION ALL
    SELECT related_id, institution_id, source FROM institution_relations
    WHERE relationship = 'child'
), raw AS (
    SELECT * FROM direct UNION ALL SELECT * FROM lineage
)
SELECT DISTINCT coalesce(c.node, raw.child) AS child, coalesce(p.node, raw.parent) AS parent,
       raw.source
FROM raw
LEFT JOIN _fm_h_node AS c ON c.raw = raw.child
LEFT JOIN _fm_h_node AS p ON p.raw = raw.parent
WHERE coalesce(c.node, raw.child) <> coalesce(p.node, raw.parent)
"""

# Overrides (``parent_id`` in the overrides file, in ``_fm_h_ovr``): the organisation's parent
# is the one named, whatever the sources say; naming the organisation itself removes it.
_OVERRIDES_SQL = """
DELETE FROM _fm_h_edge WHERE child IN (SELECT 'org:' || child FROM _fm_h_ovr);
INSERT INTO _fm_h_edge
SELECT 'org:' || child, 'org:' || parent, 'override' FROM _fm_h_ovr WHERE parent <> child;
"""

# Step 3: one parent per node: the most trusted source (ROR, then OpenAlex associated
# institutions, then lineage), then a parent in the store before one outside it, then the
# smallest id (n_parents, counted from the candidates, keeps them all).
_PARENT_SQL = f"""
CREATE OR REPLACE TEMP TABLE _fm_h_par AS
SELECT child, parent, source FROM (
    SELECT *, row_number() OVER (PARTITION BY child
                              ORDER BY {_SOURCE_RANK}, parent NOT LIKE 'org:%', parent) AS rk
    FROM _fm_h_edge
) WHERE rk = 1
"""  # noqa: S608 - constant SQL

_WALK_SQL = f"""
CREATE OR REPLACE TEMP TABLE _fm_h_walk AS
WITH RECURSIVE w(start, cur, path) AS (
    SELECT node, node, [node] FROM (
        SELECT child AS node FROM _fm_h_par
        UNION SELECT parent FROM _fm_h_par
        UNION SELECT 'org:' || org_id FROM organizations)
    UNION ALL
    SELECT w.start, p.parent, list_append(w.path, p.parent)
    FROM w JOIN _fm_h_par AS p ON p.child = w.cur
    WHERE NOT list_contains(w.path, p.parent) AND len(w.path) < {_MAX_DEPTH}
)
SELECT start, arg_max(path, len(path)) AS path FROM w GROUP BY start
"""  # noqa: S608 - constant SQL

# Step 4: cycles. Each node has at most one parent, so each connected part holds at most one
# cycle; the walk from a node of a cycle ends at the node just before it. The cycle is broken
# at its smallest node, which loses its parent (becomes a top).
_CYCLES_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_h_cut AS
SELECT DISTINCT list_min(w.path) AS node
FROM _fm_h_walk AS w JOIN _fm_h_par AS p ON p.child = w.path[-1] AND p.parent = w.start
"""

_RESULT_SQL = """
INSERT INTO org_hierarchy
WITH x AS (
    SELECT substr(w.start, 5) AS org_id,
           list_transform(list_filter(w.path, lambda n: n LIKE 'org:%'),
                          lambda n: substr(n, 5)) AS orgs,
           p.source, coalesce(e.n, 0) AS n_parents
    FROM _fm_h_walk AS w LEFT JOIN _fm_h_par AS p ON p.child = w.start
    LEFT JOIN (SELECT child, count(DISTINCT parent) AS n FROM _fm_h_edge GROUP BY child) AS e
           ON e.child = w.start
    WHERE w.start LIKE 'org:%'
)
SELECT org_id,
       CASE WHEN len(orgs) > 1 THEN orgs[2] ELSE org_id END,
       orgs[-1],
       len(orgs) - 1,
       CASE WHEN len(orgs) > 1 THEN source ELSE 'self' END,
       n_parents
FROM x
ORDER BY org_id
"""


@dataclass(frozen=True)
class HierarchyCounts:
    """What one hierarchy build found.

    Attributes
    ----------
    with_parent
        Organisations whose parent is another organisation of the store.
    multiple_parents
        Organisations to which the sources give two or more distinct parents (one is kept by
        the precedence rule of :func:`build_org_hierarchy`).
    cycles_broken
        Cycles of parent relations found and broken.
    """

    with_parent: int
    multiple_parents: int
    cycles_broken: int


def build_org_hierarchy(con: duckdb.DuckDBPyConnection) -> HierarchyCounts:
    r"""Rebuild ``org_hierarchy`` from ``institution_relations`` and the resolved organisations.

    Runs on the caller's connection and transaction (the organisation resolution's), after
    ``organizations`` and ``org_aliases`` are written.

    Method (set-based, DuckDB SQL):

    1. **Ids to organisations.** An OpenAlex institution id maps to its organisation through
       ``org_aliases``; a ROR id through ``organizations.ror``. An id the store does not
       hold stays a node of its own, so a chain passes through it (a department → a faculty
       outside the store → its university).
    2. **Candidate parents.** ``parent`` and ``child`` relations (ROR, OpenAlex
       ``associated_institutions``) are direct. An OpenAlex lineage lists ancestors without
       order, so the parent of :math:`x` is the ancestor :math:`a` of :math:`x` that has the
       most of :math:`x`'s other ancestors among its own ancestors (the deepest); ancestors
       tied there are all candidates. ``related``, ``successor`` and ``predecessor`` are not
       hierarchy and are ignored. Two ids of one organisation are not its parent.
    3. **One parent.** A ``parent_id`` in the overrides file (``_fm_h_ovr``) replaces every
       candidate (naming the organisation itself removes its parent; source ``override``).
       Among several candidates the parent is the one from the most trusted
       source (ROR, then OpenAlex associated institutions, then lineage), then one in the
       store, then the smallest id; ``n_parents`` counts the candidates.
    4. **Cycles.** Each organisation has one parent, so every connected part holds at most one
       cycle (A → B → A); it is broken at its smallest id, which becomes a top.
    5. **Parent, top, depth** follow the chain of parents: ``parent_id`` is the first
       organisation of the store above the organisation, ``top_id`` the last, ``depth`` the
       number of organisations of the store above it. With no known parent, ``parent_id =
       top_id = org_id`` and ``depth = 0`` (source ``self``).

    Returns
    -------
    HierarchyCounts
        Organisations with a parent, with several candidate parents, and cycles broken.
    """
    con.execute("DELETE FROM org_hierarchy")
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS _fm_h_ovr (child VARCHAR, parent VARCHAR, line BIGINT)"
    )
    con.execute(_NODES_SQL)
    con.execute(_EDGES_SQL)
    con.execute(_OVERRIDES_SQL)
    con.execute(_PARENT_SQL)
    con.execute(_WALK_SQL)
    con.execute(_CYCLES_SQL)
    cycles = int(con.execute("SELECT count(*) FROM _fm_h_cut").fetchall()[0][0])
    if cycles:
        con.execute("DELETE FROM _fm_h_par WHERE child IN (SELECT node FROM _fm_h_cut)")
        con.execute(_WALK_SQL)
    con.execute(_RESULT_SQL)
    with_parent, multiple = con.execute(
        """SELECT count(*) FILTER (WHERE parent_id <> org_id),
                  count(*) FILTER (WHERE n_parents > 1) FROM org_hierarchy"""
    ).fetchall()[0]
    for tmp in ("_fm_h_node", "_fm_h_edge", "_fm_h_par", "_fm_h_walk", "_fm_h_cut"):
        con.execute("DROP TABLE IF EXISTS " + tmp)  # identifiers from a fixed allow-list
    return HierarchyCounts(int(with_parent), int(multiple), cycles)


def _check_level(level: str) -> str:
    if level not in ORG_LEVELS:
        raise InputError(f"org level {level!r} is not one of {', '.join(ORG_LEVELS)}")
    return level


def org_rollup_sql(level: str) -> str:
    """SQL of a relation ``(org_id, level_id)``: every organisation and the organisation it
    counts as at ``level`` (:data:`ORG_LEVELS`). ``self`` maps each to itself; ``parent`` and
    ``top`` read ``org_hierarchy``, and an organisation without a hierarchy row (resolved before
    hierarchies existed) is its own parent and top.

    Raises
    ------
    InputError
        ``level`` is not one of :data:`ORG_LEVELS`.
    """
    col = {"self": "o.org_id", "parent": "h.parent_id", "top": "h.top_id"}[_check_level(level)]
    return (
        f"(SELECT o.org_id, coalesce({col}, o.org_id) AS level_id FROM organizations AS o "  # noqa: S608 - allow-listed column
        "LEFT JOIN org_hierarchy AS h USING (org_id))"
    )


def org_aliases_sql(level: str) -> str:
    """SQL of ``org_aliases`` with each ``org_id`` rolled up to ``level``: the drop-in
    replacement of ``org_aliases`` in queries that count organisations. At ``self`` it is
    ``org_aliases`` itself, so results are unchanged.

    Raises
    ------
    InputError
        ``level`` is not one of :data:`ORG_LEVELS`.
    """
    if _check_level(level) == "self":
        return "org_aliases"
    col = "h.parent_id" if level == "parent" else "h.top_id"
    return (
        f"(SELECT al.source, al.source_id, coalesce({col}, al.org_id) AS org_id, al.method, "  # noqa: S608 - allow-listed column
        "al.evidence FROM org_aliases AS al LEFT JOIN org_hierarchy AS h USING (org_id))"
    )


def org_level_caption(level: str) -> str:
    """How a rule or caption says which organisation level was counted."""
    return {
        "self": "organisations counted as resolved (org level self)",
        "parent": "organisations rolled up to their parent (org level parent)",
        "top": "organisations rolled up to the top of their hierarchy (org level top)",
    }[_check_level(level)]
