"""The review panel's conflicts of interest (:mod:`forcemap.decide.panel`).

The request-dependent side: the applicants (authors, inventors, organisations, read by
:func:`read_applicants`), the conflicts found from their records (:func:`find_conflicts`,
temp table ``_rp_coi``: one row per candidate, rule, applicant and evidence item), each
conflicted active candidate's rules (:func:`conflict_rules`) and the ``excluded`` evidence
table (:func:`excluded_table`). Each check is one set-based SQL statement driven from the
applicants' side, over the candidates' side of :mod:`forcemap.decide.panel.candidates`.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.decide.panel.candidates import run_script
from forcemap.decide.panel.schemas import APPLICANT_SCHEMA, EXCLUDED_SCHEMA
from forcemap.errors import InputError

__all__ = [
    "MEMBER_RULES",
    "conflict_rules",
    "excluded_table",
    "find_conflicts",
    "member_conflicts",
    "read_applicants",
]

MEMBER_RULES: tuple[str, ...] = ("coauthorship", "coinvention", "same_project")
"""Conflicts between two members of one panel, in the COI window: they co-wrote a work,
co-invented a patent, or their current organisations share a project. (A shared current
organisation is the ``max_per_org`` cap, one by default.)"""

_APPLICANT_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_app AS
WITH ids AS (SELECT DISTINCT aid FROM _rp_app_in),
alias AS (
    SELECT source_id, min(org_id) AS org_id FROM org_aliases
    WHERE source_id IN (SELECT aid FROM ids) GROUP BY source_id
), authors AS (SELECT cid FROM _rp_astat WHERE cid IN (SELECT aid FROM ids)),
inventors AS (SELECT inventor_id FROM _rp_inv WHERE inventor_id IN (SELECT aid FROM ids)),
orgs AS (SELECT org_id FROM _rp_org WHERE org_id IN (SELECT aid FROM ids)),
seen AS (
    SELECT i FROM (
        SELECT institution_id AS i FROM institutions UNION ALL
        SELECT institution_id FROM authorships UNION ALL
        SELECT assignee_id FROM patent_assignees UNION ALL
        SELECT org_id FROM project_participants)
    WHERE i IN (SELECT aid FROM ids)
)
SELECT a.aid,
       a.aid IN (SELECT cid FROM authors) AS is_author,
       a.aid IN (SELECT inventor_id FROM inventors) AS is_inventor,
       coalesce(
           (SELECT o.org_id FROM orgs AS o WHERE o.org_id = a.aid),
           (SELECT al.org_id FROM alias AS al WHERE al.source_id = a.aid),
           CASE WHEN a.aid IN (SELECT i FROM seen) THEN a.aid END
       ) AS org_id
FROM _rp_app_in AS a;

CREATE OR REPLACE TEMP TABLE _rp_aorg AS
SELECT *, lower(org_id) AS lorg, lower(org_name) AS lname FROM (
    SELECT DISTINCT a.aid AS applicant, a.org_id, coalesce(o.name, a.org_id) AS org_name,
           'applicant organisation' AS how
    FROM _rp_app AS a LEFT JOIN _rp_org AS o USING (org_id) WHERE a.org_id IS NOT NULL
    UNION
    SELECT DISTINCT c.cid, c.org_id, c.org_name,
           'current affiliation (' || c.source || ' ' || c.year || ')'
    FROM _rp_corgs AS c
    WHERE c.cid IN (SELECT aid FROM _rp_app WHERE is_author OR is_inventor));

CREATE OR REPLACE TEMP TABLE _rp_ainv AS
SELECT DISTINCT cid AS applicant, inventor_id FROM _rp_pinv
WHERE cid IN (SELECT aid FROM _rp_app_in);
"""

_COI_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_coi AS
WITH app_works AS (
    SELECT DISTINCT a.work_id, a.author_id AS applicant, w.year
    FROM _fm_authorships AS a JOIN _rp_wy AS w USING (work_id)
    WHERE a.author_id IN (SELECT aid FROM _rp_app WHERE is_author)
      AND w.year >= $y - $coi AND w.year <= $y
),
app_patents AS (
    SELECT DISTINCT pi.patent_id, ai.applicant, ai.inventor_id, p.year
    FROM patent_inventors AS pi JOIN _rp_ainv AS ai USING (inventor_id)
    JOIN _rp_py AS p USING (patent_id)
    WHERE p.year >= $y - $coi AND p.year <= $y
),
-- every conflict found from the applicants' side; only candidates' are kept (below)
conf AS (
SELECT aid AS cid, 'applicant' AS rule, aid AS applicant, aid AS evidence_id,
       NULL::INTEGER AS year, 'is an applicant' AS item
FROM _rp_app_in
UNION ALL
SELECT cid, 'requested', NULL, NULL, NULL, 'excluded on request' FROM _rp_excl_in
UNION ALL
SELECT * FROM (
    SELECT c.cid, 'same_organisation', ao.applicant, c.org_id, c.year,
           c.org_id || ' (' || coalesce(c.org_name, c.org_id) || ', candidate: ' || c.source
               || ' ' || c.year || '; applicant: ' || ao.how || ')'
    FROM _rp_corgs AS c JOIN _rp_aorg AS ao ON ao.lorg = c.lorg
    WHERE c.cid <> ao.applicant
    UNION
    SELECT c.cid, 'same_organisation', ao.applicant, c.org_id, c.year,
           c.org_id || ' (' || coalesce(c.org_name, c.org_id) || ', candidate: ' || c.source
               || ' ' || c.year || '; applicant: ' || ao.how || ')'
    FROM _rp_corgs AS c JOIN _rp_aorg AS ao ON ao.lname = c.lname
    WHERE c.source = 'pool' AND c.cid <> ao.applicant)
UNION ALL
SELECT DISTINCT b.author_id, 'coauthorship', aw.applicant, aw.work_id, aw.year,
       aw.work_id || ' (' || aw.year || ')'
FROM app_works AS aw JOIN _fm_authorships AS b USING (work_id)
WHERE b.author_id <> aw.applicant
UNION ALL
SELECT DISTINCT m.cid, 'coinvention', ap.applicant, ap.patent_id, ap.year,
       ap.patent_id || ' (' || ap.year || ')'
FROM app_patents AS ap JOIN patent_inventors AS pi USING (patent_id)
JOIN _rp_pinv AS m ON m.inventor_id = pi.inventor_id
WHERE pi.inventor_id <> ap.inventor_id AND m.cid <> ap.applicant
UNION ALL
SELECT DISTINCT c.cid, 'same_project', ao.applicant, p1.project_id, p1.year,
       p1.project_id || coalesce(' (' || p1.year || ')', '') || ': ' || c.org_id
           || ' with applicant organisation ' || ao.org_id
FROM _rp_proj AS p1
JOIN _rp_aorg AS ao ON ao.org_id = p1.org_id
JOIN _rp_proj AS p2 ON p2.project_id = p1.project_id AND p2.org_id <> p1.org_id
JOIN _rp_corgs AS c ON c.org_id = p2.org_id
WHERE c.cid <> ao.applicant
)
SELECT * FROM conf
WHERE cid IN (SELECT cid FROM _rp_cand WHERE cid IN (SELECT cid FROM conf))
"""

# Pairs of active candidates who may not sit together (positions pos_a < pos_b in _rp_active)
_MEMBER_SQL = """
WITH act AS (SELECT cid, pos FROM _rp_active),
w AS (
    SELECT DISTINCT a.author_id AS cid, a.work_id, y.year
    FROM _fm_authorships AS a JOIN _rp_wy AS y USING (work_id)
    WHERE y.year >= $y - $coi AND y.year <= $y AND a.author_id IN (SELECT cid FROM act)
), p AS (
    SELECT DISTINCT cid, patent_id, year FROM _rp_ppat
    WHERE year >= $y - $coi AND year <= $y AND cid IN (SELECT cid FROM act)
), o AS (
    SELECT DISTINCT cid, org_id FROM _rp_corgs WHERE cid IN (SELECT cid FROM act)
), pairs AS (
    SELECT w1.cid AS a, w2.cid AS b, 'coauthorship' AS rule, w1.work_id AS evidence,
           w1.year
    FROM w AS w1 JOIN w AS w2 ON w1.work_id = w2.work_id AND w1.cid < w2.cid
    UNION ALL
    SELECT p1.cid, p2.cid, 'coinvention', p1.patent_id, p1.year
    FROM p AS p1 JOIN p AS p2 ON p1.patent_id = p2.patent_id AND p1.cid < p2.cid
    UNION ALL
    SELECT least(o1.cid, o2.cid), greatest(o1.cid, o2.cid), 'same_project', j1.project_id,
           j1.year
    FROM _rp_proj AS j1 JOIN _rp_proj AS j2
         ON j1.project_id = j2.project_id AND j1.org_id <> j2.org_id
    JOIN o AS o1 ON o1.org_id = j1.org_id JOIN o AS o2 ON o2.org_id = j2.org_id
    WHERE o1.cid <> o2.cid
)
SELECT least(x.pos, y.pos) AS pos_a, greatest(x.pos, y.pos) AS pos_b,
       list(DISTINCT rule ORDER BY rule) AS rules,
       string_agg(DISTINCT rule || ' ' || evidence || coalesce(' (' || year || ')', ''), '; '
                  ORDER BY rule || ' ' || evidence || coalesce(' (' || year || ')', '')) AS detail
FROM pairs JOIN act AS x ON x.cid = pairs.a JOIN act AS y ON y.cid = pairs.b
GROUP BY ALL ORDER BY pos_a, pos_b
"""

_EXCLUDED_SQL = """
SELECT c.cid AS author_id, k.name, c.rule, c.applicant,
       list(c.evidence_id ORDER BY c.year DESC NULLS LAST, c.evidence_id)
           FILTER (WHERE c.evidence_id IS NOT NULL) AS evidence,
       list(c.year ORDER BY c.year DESC NULLS LAST, c.evidence_id)
           FILTER (WHERE c.evidence_id IS NOT NULL) AS years,
       CASE c.rule
           WHEN 'applicant' THEN 'is an applicant'
           WHEN 'requested' THEN 'excluded on request'
           WHEN 'same_organisation' THEN 'shares a current organisation with applicant '
           WHEN 'coauthorship' THEN 'co-authored ' || count(*) || ' work(s) in '
                || ($y - $coi) || '–' || $y || ' with applicant '
           WHEN 'coinvention' THEN 'co-invented ' || count(*) || ' patent(s) granted in '
                || ($y - $coi) || '–' || $y || ' with applicant '
           WHEN 'same_project' THEN 'is in the consortium of ' || count(*)
                || ' project(s) with applicant '
       END || CASE WHEN c.rule IN ('applicant', 'requested') THEN ''
                   ELSE c.applicant || ': ' || string_agg(c.item, '; '
                        ORDER BY c.year DESC NULLS LAST, c.evidence_id) END AS detail,
       coalesce(any_value(k.n_recent), 0) >= $min_recent AS active,
       any_value(s.match) AS match
FROM _rp_coi AS c
JOIN _rp_cand AS k USING (cid)
LEFT JOIN _rp_score AS s USING (cid)
GROUP BY c.cid, k.name, c.rule, c.applicant
ORDER BY c.cid, c.rule, c.applicant
"""

# Conflict rules per active candidate (position).
_RULES_SQL = """
SELECT a.pos, list(DISTINCT c.rule ORDER BY c.rule) AS rules
FROM _rp_coi AS c JOIN _rp_active AS a USING (cid) GROUP BY a.pos ORDER BY a.pos
"""


def read_applicants(
    cur: duckdb.DuckDBPyConnection, app_ids: list[str]
) -> tuple[pa.Table, list[str]]:
    """Read each applicant id as author, inventor and/or organisation (temp tables ``_rp_app``,
    ``_rp_aorg``, ``_rp_ainv``): the ``applicants`` evidence table (:data:`APPLICANT_SCHEMA`)
    and the ids found nowhere in the store.

    Raises
    ------
    InputError
        None of the applicants is in the store.
    """
    run_script(cur, _APPLICANT_SQL, {})
    app_rows = cur.execute(
        """SELECT a.aid, a.is_author, a.is_inventor, a.org_id,
                  (SELECT list(DISTINCT o.org_id ORDER BY o.org_id) FROM _rp_aorg o
                   WHERE o.applicant = a.aid),
                  (SELECT list(DISTINCT i.inventor_id ORDER BY i.inventor_id)
                   FROM _rp_ainv i WHERE i.applicant = a.aid)
           FROM _rp_app a ORDER BY a.aid"""
    ).fetchall()
    kinds: dict[str, str] = {}
    for aid, is_a, is_i, org_id, _orgs, _invs in app_rows:
        kind = "+".join(
            k for k, f in (("author", is_a), ("inventor", is_i), ("organisation", org_id)) if f
        )
        kinds[aid] = kind or "unknown"
    unknown_apps = [a for a, k in kinds.items() if k == "unknown"]
    if len(unknown_apps) == len(app_ids):
        raise InputError(
            f"none of the applicants {', '.join(app_ids[:10])} is an author, inventor or "
            "organisation id of the store"
        )
    applicants_tbl = pa.table(
        {
            "applicant": pa.array([r[0] for r in app_rows], pa.string()),
            "kind": pa.array([kinds[r[0]] for r in app_rows], pa.string()),
            "organisations": pa.array([r[4] or [] for r in app_rows], pa.list_(pa.string())),
            "inventor_ids": pa.array([r[5] or [] for r in app_rows], pa.list_(pa.string())),
        },
        schema=APPLICANT_SCHEMA,
    )
    return applicants_tbl, unknown_apps


def find_conflicts(cur: duckdb.DuckDBPyConnection, y: int, coi_years: int) -> None:
    """Every conflict of a candidate with an applicant in the COI window ``[y - coi_years,
    y]``, as the temp table ``_rp_coi`` (after :func:`read_applicants`)."""
    cur.execute(_COI_SQL, {"y": y, "coi": coi_years})


def conflict_rules(cur: duckdb.DuckDBPyConnection) -> list[tuple[int, list[str]]]:
    """(position in ``_rp_active``, its conflict rules sorted) of each conflicted active
    candidate, by position."""
    return [(int(p), list(r)) for p, r in cur.execute(_RULES_SQL).fetchall()]


def excluded_table(
    cur: duckdb.DuckDBPyConnection,
    active: pa.Table,
    match: np.ndarray,
    conflicted_pos: np.ndarray,
    *,
    y: int,
    coi_years: int,
    min_recent_works: int,
) -> pa.Table:
    """The ``excluded`` evidence (:data:`EXCLUDED_SCHEMA`): one row per (candidate,
    rule, applicant) conflict, with the conflicted active candidates' ``match`` (by
    position)."""
    cur.register(
        "_rp_score",
        pa.table(
            {
                "cid": active["cid"].take(conflicted_pos),
                "match": pa.array(match[conflicted_pos], pa.float64()),
            }
        ),
    )
    excluded = cur.sql(
        _EXCLUDED_SQL, params={"y": y, "coi": coi_years, "min_recent": min_recent_works}
    ).to_arrow_table()
    return excluded.select(EXCLUDED_SCHEMA.names).cast(EXCLUDED_SCHEMA)


def member_conflicts(cur: duckdb.DuckDBPyConnection, y: int, coi_years: int) -> pa.Table:
    """Pairs of active candidates linked by a :data:`MEMBER_RULES` conflict in the COI window
    ``[y - coi_years, y]``: ``pos_a``, ``pos_b`` (positions in ``_rp_active``, ``pos_a <
    pos_b``), ``rules`` and ``detail`` (rule, evidence id and year of each link)."""
    return cur.sql(_MEMBER_SQL, params={"y": y, "coi": coi_years}).to_arrow_table()
