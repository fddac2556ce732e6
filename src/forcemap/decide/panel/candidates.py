r"""The review panel's candidates' side (:mod:`forcemap.decide.panel`).

Everything that does not depend on the applicants or the project: the candidates, their
current organisations, inventor links and activity, the active candidates' documents and the
terms of those documents (:class:`~forcemap.decide.affinity.Profiles`), and the project
consortia of the COI window. :func:`candidate_side` computes it as temp tables of a cursor
(``_rp_*``) and, for the default pool on a read-only store, keeps it in memory (see "Kept
candidates' side" in the package docstring). The request's inputs (applicants, exclusions,
pool) are registered first by :func:`register_inputs`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import scipy.sparse as sp

from forcemap.decide._career import first_year_sql
from forcemap.decide.affinity import Profiles
from forcemap.decide.panel.schemas import POOL_COLUMNS, ROLE_TYPES
from forcemap.errors import InputError
from forcemap.indicators.text import SQL_TOKEN_PATTERN, sql_terms, stem_words, stop_words_table
from forcemap.store.results import Kept, owned_copy
from forcemap.store.store import Store

__all__ = [
    "Side",
    "candidate_side",
    "expand_sql",
    "pool_stats",
    "read_pool",
    "reference_year",
    "register_inputs",
    "run_script",
]

# -- SQL ---------------------------------------------------------------------------------------
# The panel's organisation-type mapping. Not store.organizations.org_type_sql: that one has
# name-based fallbacks, more words ('public body', 'research organisation', "…government…",
# "…company…") and maps a missing or individual type to 'other', not NULL; switching would
# change who is typed what (and a NULL pool type would no longer fall back to the store's).
_TYPE_CASE = """CASE
    WHEN {t} IS NULL THEN NULL
    WHEN {t} IN ('enterprise', 'university', 'institute', 'facility', 'healthcare', 'other')
        THEN {t}
    WHEN {t} IN ('education', 'higher education', 'hes', 'academic') THEN 'university'
    WHEN {t} IN ('company', 'private', 'prc', 'industry', 'sme', 'business')
        OR regexp_full_match({t}, '1?[23]') THEN 'enterprise'
    WHEN {t} IN ('government', 'nonprofit', 'non-profit', 'research', 'rec', 'pub', 'public')
        OR regexp_full_match({t}, '1?[6-9]') THEN 'institute'
    WHEN {t} = 'hospital' THEN 'healthcare'
    WHEN {t} = 'individual' OR regexp_full_match({t}, '1?[45]') THEN NULL
    ELSE 'other' END"""


def _type_sql(expr: str) -> str:
    return _TYPE_CASE.replace("{t}", f"lower(trim({expr}))")


def expand_sql(sql: str) -> str:
    """Fill the SQL macros: @TYPE(x)@ (organisation type of a raw type), @NORM(x)@ (a
    normalised person name), @TERMS(x)@ (one row per term of the text x:
    :func:`forcemap.indicators.text.sql_terms`) and @TOKLIST(x)@ (the list of those terms,
    in order)."""
    sql = re.sub(r"@TYPE\((.+?)\)@", lambda m: _type_sql(m.group(1)), sql)
    sql = re.sub(r"@NORM\((.+?)\)@", lambda m: _NORM_NAME.replace("{x}", m.group(1)), sql)
    sql = re.sub(
        r"@TOKLIST\((.+?)\)@",
        lambda m: f"regexp_extract_all(lower({m.group(1)}), '{SQL_TOKEN_PATTERN}')",
        sql,
    )
    return re.sub(r"@TERMS\((.+?)\)@", lambda m: sql_terms(m.group(1)), sql)


_NORM_NAME = (
    "nullif(trim(regexp_replace(lower(strip_accents(coalesce({x}, ''))), '[^a-z]+', ' ', 'g')), '')"
)


_BASE_SQL = expand_sql(
    """
CREATE OR REPLACE TEMP TABLE _rp_wy AS
SELECT work_id, max(year)::INTEGER AS year FROM works GROUP BY work_id;
CREATE OR REPLACE TEMP TABLE _rp_py AS
SELECT patent_id, max(coalesce(year, year(grant_date)))::INTEGER AS year
FROM patents GROUP BY patent_id;
CREATE OR REPLACE TEMP TABLE _rp_org AS
SELECT org_id, any_value(name) AS name, any_value(type) AS type,
       any_value(upper(country_code)) AS cc
FROM organizations GROUP BY org_id;
CREATE OR REPLACE TEMP TABLE _rp_inv AS
SELECT inventor_id, any_value(name) AS name, @NORM(any_value(name))@ AS norm,
       any_value(upper(country_code)) AS cc
FROM patent_inventors WHERE inventor_id IS NOT NULL GROUP BY inventor_id;
"""
)

# Every person considered. The default pool's side does not depend on the request: every
# author and inventor id (an applicant that is neither is an organisation id, or unknown, and
# has no records of its own to read), so it can be computed once and kept (_KEPT_SIDES).
# A given pool: its people and the applicants.
_PEOPLE_DEFAULT_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_people AS
SELECT DISTINCT author_id AS cid FROM _fm_authorships WHERE author_id IS NOT NULL
UNION SELECT inventor_id FROM _rp_inv
"""
_PEOPLE_POOL_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_people AS
SELECT DISTINCT author_id AS cid FROM _rp_pool_in WHERE author_id IS NOT NULL
UNION SELECT aid FROM _rp_app_in
"""

_ROWS_SQL = expand_sql(
    """
CREATE OR REPLACE TEMP TABLE _rp_rows AS
WITH inst AS (
    SELECT institution_id, any_value(upper(country_code)) AS cc, any_value(type) AS t,
           any_value(name) AS name
    FROM institutions GROUP BY institution_id
), alias AS (
    SELECT source_id, min(org_id) AS org_id FROM org_aliases
    WHERE source = 'institution' GROUP BY source_id
)
SELECT a.work_id, a.author_id, a.author_name, w.year,
       coalesce(al.org_id, a.institution_id) AS org_id,
       coalesce(o.name, i.name, a.institution_id) AS org_name,
       nullif(upper(trim(coalesce(a.country_code, i.cc, o.cc))), '') AS country,
       CASE WHEN a.institution_id IS NULL THEN NULL
            ELSE coalesce(o.type, @TYPE(i.t)@, 'other') END AS type,
       coalesce(a.author_position = 'last', false)
           OR coalesce(a.is_corresponding, false) AS lead
FROM _fm_authorships AS a
JOIN _rp_wy AS w USING (work_id)
LEFT JOIN inst AS i USING (institution_id)
LEFT JOIN alias AS al ON al.source_id = a.institution_id
LEFT JOIN _rp_org AS o ON o.org_id = al.org_id
WHERE a.author_id IN (SELECT cid FROM _rp_people)
"""
)

_AUTHOR_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_astat AS
WITH aw AS (
    SELECT author_id, work_id, any_value(year) AS year, bool_or(lead) AS lead,
           any_value(author_name) AS nm, any_value(country) AS cty
    FROM _rp_rows GROUP BY author_id, work_id
), nm AS (SELECT author_id, any_value(name) AS name FROM authors GROUP BY author_id),
f AS (@FIRST_YEAR@)
SELECT aw.author_id AS cid, coalesce(any_value(nm.name), any_value(aw.nm)) AS name,
       any_value(f.first_year) AS first_year, count(*) AS n_works,
       count(*) FILTER (WHERE aw.year > $y - $recent AND aw.year <= $y) AS n_recent_works,
       avg(aw.lead::DOUBLE) AS lead_share,
       arg_max(aw.cty, aw.year) FILTER (WHERE aw.cty IS NOT NULL) AS last_country
FROM aw LEFT JOIN nm USING (author_id) LEFT JOIN f USING (author_id)
GROUP BY aw.author_id
""".replace("@FIRST_YEAR@", first_year_sql("aw"))

_AUTHOR_ORGS_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_corgs AS
SELECT author_id AS cid, org_id, any_value(org_name) AS org_name, any_value(country) AS country,
       any_value(type) AS type, year, count(DISTINCT work_id) AS n, 'publications' AS source,
       1 AS source_rank
FROM _rp_rows WHERE org_id IS NOT NULL AND year IS NOT NULL
GROUP BY author_id, year, org_id
QUALIFY year = max(year) OVER (PARTITION BY author_id)
"""

_PINV_SQL = expand_sql(
    """
CREATE OR REPLACE TEMP TABLE _rp_pinv AS
WITH names AS (
    SELECT s.cid, @NORM(s.name)@ AS norm, s.last_country AS cty
    FROM _rp_astat AS s
    UNION ALL
    SELECT author_id, @NORM(name)@, upper(country) FROM _rp_pool_in
)
SELECT cid, inventor_id, min(method) AS method FROM (
    SELECT cid, cid AS inventor_id, 'same id' AS method FROM _rp_people
    WHERE cid IN (SELECT inventor_id FROM _rp_inv)
    UNION ALL
    SELECT author_id, inventor_id, 'pool' FROM _rp_pool_inv
    UNION ALL
    SELECT n.cid, i.inventor_id, 'name'
    FROM names AS n JOIN _rp_inv AS i ON i.norm = n.norm
    WHERE $link AND contains(n.norm, ' ')
      AND (i.cc IS NULL OR n.cty IS NULL OR i.cc = n.cty)
      AND n.norm IN (SELECT norm FROM names GROUP BY norm HAVING count(DISTINCT cid) <= $homonyms)
      AND i.norm IN (SELECT norm FROM _rp_inv GROUP BY norm HAVING count(*) <= $homonyms)
)
WHERE cid IN (SELECT cid FROM _rp_people)
GROUP BY cid, inventor_id
"""
)

_PATENT_SQL = expand_sql(
    """
CREATE OR REPLACE TEMP TABLE _rp_ppat AS
SELECT DISTINCT m.cid, pi.patent_id, p.year
FROM _rp_pinv AS m JOIN patent_inventors AS pi USING (inventor_id)
JOIN _rp_py AS p USING (patent_id);

CREATE OR REPLACE TEMP TABLE _rp_pasg AS
WITH alias AS (
    SELECT source_id, min(org_id) AS org_id FROM org_aliases
    WHERE source = 'assignee' GROUP BY source_id
)
SELECT DISTINCT a.patent_id, coalesce(al.org_id, a.assignee_id, a.name) AS org_id,
       coalesce(o.name, a.name, a.assignee_id) AS org_name,
       upper(coalesce(o.cc, a.country_code)) AS country,
       coalesce(o.type, @TYPE(a.type)@) AS type
FROM patent_assignees AS a
LEFT JOIN alias AS al ON al.source_id = a.assignee_id
LEFT JOIN _rp_org AS o ON o.org_id = al.org_id
WHERE a.patent_id IN (SELECT patent_id FROM _rp_ppat)
  AND coalesce(a.assignee_id, a.name) IS NOT NULL
  AND NOT (coalesce(lower(a.type), '') = 'individual'
           OR regexp_full_match(coalesce(a.type, ''), '1?[45]'));

CREATE OR REPLACE TEMP TABLE _rp_istat AS
SELECT pp.cid, min(pp.year) AS first_year, count(DISTINCT pp.patent_id) AS n_patents,
       count(DISTINCT pp.patent_id) FILTER (WHERE pp.year > $y - $recent AND pp.year <= $y)
           AS n_recent_patents,
       count(DISTINCT pp.patent_id) FILTER (WHERE a.type = 'enterprise') AS enterprise_patents
FROM _rp_ppat AS pp LEFT JOIN _rp_pasg AS a USING (patent_id)
GROUP BY pp.cid;

INSERT INTO _rp_corgs
SELECT pp.cid, a.org_id, any_value(a.org_name), any_value(a.country), any_value(a.type),
       pp.year, count(DISTINCT pp.patent_id), 'patents', 2
FROM _rp_ppat AS pp JOIN _rp_pasg AS a USING (patent_id)
WHERE pp.year IS NOT NULL AND pp.year >= $y - $coi
GROUP BY pp.cid, pp.year, a.org_id
QUALIFY pp.year = max(pp.year) OVER (PARTITION BY pp.cid);
"""
)

# The pool's own organisation (resolved to an organisation id by id or name when possible).
_POOL_ORG_SQL = expand_sql(
    """
INSERT INTO _rp_corgs
SELECT p.author_id, coalesce(o1.org_id, o2.org_id, p.org), coalesce(o1.name, o2.name, p.org),
       upper(coalesce(p.country, o1.cc, o2.cc)),
       coalesce(@TYPE(p.type)@, o1.type, o2.type), $y, 1, 'pool', 0
FROM _rp_pool_in AS p
LEFT JOIN _rp_org AS o1 ON o1.org_id = p.org
LEFT JOIN (SELECT lower(name) AS lname, min(org_id) AS org_id, any_value(name) AS name,
                  any_value(type) AS type, any_value(cc) AS cc
           FROM _rp_org GROUP BY lower(name)) AS o2 ON o2.lname = lower(p.org)
WHERE p.org IS NOT NULL AND trim(p.org) <> '' AND p.author_id IS NOT NULL
"""
)

# Lower-cased organisation keys of the current organisations, and the project consortia of
# the COI window (participants resolved to organisation ids): the applicant-independent
# halves of the same_organisation and same_project checks.
_KEYS_SQL = """
ALTER TABLE _rp_corgs ADD COLUMN lorg VARCHAR;

ALTER TABLE _rp_corgs ADD COLUMN lname VARCHAR;

UPDATE _rp_corgs SET lorg = lower(org_id), lname = lower(org_name);

CREATE OR REPLACE TEMP TABLE _rp_proj AS
SELECT DISTINCT pp.project_id, coalesce(al.org_id, pp.org_id) AS org_id,
       coalesce(year(pr.end_date), year(pr.start_date))::INTEGER AS year
FROM project_participants AS pp
LEFT JOIN (SELECT source_id, min(org_id) AS org_id FROM org_aliases
           WHERE source = 'participant' GROUP BY source_id) AS al
       ON al.source_id = pp.org_id
LEFT JOIN (SELECT project_id, max(end_date) AS end_date, max(start_date) AS start_date
           FROM projects GROUP BY project_id) AS pr USING (project_id)
WHERE coalesce(year(pr.end_date), year(pr.start_date), $y) >= $y - $coi
"""

_CAND_SQL = expand_sql(
    """
CREATE OR REPLACE TEMP TABLE _rp_cand AS
WITH main AS (
    SELECT * FROM _rp_corgs
    QUALIFY row_number() OVER (PARTITION BY cid ORDER BY source_rank, n DESC, org_id) = 1
), pool AS (
    SELECT author_id AS cid, any_value(name) AS name, any_value(upper(country)) AS country,
           any_value(@TYPE(type)@) AS type,
           string_agg(expertise, ' ') AS expertise
    FROM _rp_pool_in GROUP BY author_id
)
SELECT p.cid,
       coalesce(pl.name, s.name, iv.name, p.cid) AS name,
       m.org_id, m.org_name,
       coalesce(pl.country, m.country, s.last_country, iv.cc) AS country,
       coalesce(pl.type, m.type) AS type,
       s.first_year, ($y - s.first_year)::INTEGER AS career_age,
       coalesce(s.n_works, 0) AS n_works, s.lead_share,
       coalesce(s.n_recent_works, 0) + coalesce(i.n_recent_patents, 0) AS n_recent,
       coalesce(i.enterprise_patents, 0) AS enterprise_patents,
       pl.expertise
FROM _rp_people AS p
LEFT JOIN _rp_astat AS s USING (cid)
LEFT JOIN _rp_istat AS i USING (cid)
LEFT JOIN main AS m USING (cid)
LEFT JOIN pool AS pl USING (cid)
LEFT JOIN _rp_inv AS iv ON iv.inventor_id = p.cid
WHERE ($default_pool AND p.cid IN (SELECT cid FROM _rp_astat))
   OR p.cid IN (SELECT author_id FROM _rp_pool_in)
"""
)

# Documents of the active candidates: recent works and patents, tokenised once per document.
_DOCS_SQL = expand_sql(
    """
CREATE OR REPLACE TEMP TABLE _rp_active AS
SELECT *, (row_number() OVER (ORDER BY cid) - 1)::INTEGER AS pos FROM _rp_cand
WHERE n_recent >= $min_recent ORDER BY cid;

CREATE OR REPLACE TEMP TABLE _rp_cw AS
SELECT DISTINCT r.author_id AS cid, r.work_id FROM _rp_rows AS r
WHERE r.author_id IN (SELECT cid FROM _rp_active)
  AND r.year > $y - $recent AND r.year <= $y;

CREATE OR REPLACE TEMP TABLE _rp_cp AS
SELECT DISTINCT cid, patent_id FROM _rp_ppat
WHERE cid IN (SELECT cid FROM _rp_active) AND year > $y - $recent AND year <= $y;

CREATE OR REPLACE TEMP TABLE _rp_docs AS
SELECT (row_number() OVER (ORDER BY kind DESC, key) - 1)::INTEGER AS did, kind, key FROM (
    SELECT DISTINCT 'W' AS kind, work_id AS key FROM _rp_cw
    UNION ALL SELECT DISTINCT 'P', patent_id FROM _rp_cp
    UNION ALL SELECT 'E', cid FROM _rp_active WHERE expertise IS NOT NULL);

CREATE OR REPLACE TEMP TABLE _rp_cdoc AS
SELECT a.pos, d.did FROM _rp_cw AS c JOIN _rp_active AS a USING (cid)
JOIN _rp_docs AS d ON d.kind = 'W' AND d.key = c.work_id
UNION ALL
SELECT a.pos, d.did FROM _rp_cp AS c JOIN _rp_active AS a USING (cid)
JOIN _rp_docs AS d ON d.kind = 'P' AND d.key = c.patent_id
UNION ALL
SELECT a.pos, d.did FROM _rp_active AS a JOIN _rp_docs AS d ON d.kind = 'E' AND d.key = a.cid;

CREATE OR REPLACE TEMP TABLE _rp_dpos AS
WITH texts AS (
    SELECT d.did, t.text FROM _rp_docs AS d JOIN (
        SELECT DISTINCT ON (work_id) work_id,
               coalesce(title, '') || '. ' || coalesce(abstract, '') AS text
        FROM works WHERE work_id IN (SELECT work_id FROM _rp_cw)
        ORDER BY work_id, batch_id DESC) AS t ON d.kind = 'W' AND d.key = t.work_id
    UNION ALL
    SELECT d.did, t.text FROM _rp_docs AS d JOIN (
        SELECT DISTINCT ON (patent_id) patent_id,
               coalesce(title, '') || '. ' || coalesce(abstract, '') AS text
        FROM patents WHERE patent_id IN (SELECT patent_id FROM _rp_cp)
        ORDER BY patent_id, batch_id DESC) AS t ON d.kind = 'P' AND d.key = t.patent_id
    UNION ALL
    SELECT d.did, a.expertise FROM _rp_docs AS d
    JOIN _rp_active AS a ON d.kind = 'E' AND d.key = a.cid
), toks AS (
    SELECT did, unnest(l) AS tok, generate_subscripts(l, 1) AS i
    FROM (SELECT did, @TOKLIST(text)@ AS l FROM texts)
)
SELECT did, tok, row_number() OVER (PARTITION BY did ORDER BY i)::INTEGER AS i
FROM toks WHERE tok NOT IN (SELECT tok FROM _rp_stop);
"""
)

# The candidates' side of the expertise match (request-independent): each document's
# distinct terms — Snowball stems and the bigrams of consecutive stems, as
# forcemap.indicators.text.analyze makes them — and its number of terms, the terms' codes
# and document frequencies, read into forcemap.decide.affinity.Profiles.
# Documents and candidates are integers from here on (_rp_docs.did, _rp_active.pos).
_TEXT_MODEL_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_dterm AS
SELECT DISTINCT did, tok AS term FROM _rp_dpos
UNION
SELECT a.did, a.tok || ' ' || b.tok FROM _rp_dpos AS a
JOIN _rp_dpos AS b ON b.did = a.did AND b.i = a.i + 1;

CREATE OR REPLACE TEMP TABLE _rp_dlen AS
SELECT d.did, coalesce(2 * max(p.i) - 1, 0)::BIGINT AS len
FROM _rp_docs AS d LEFT JOIN _rp_dpos AS p USING (did) GROUP BY d.did;

DROP TABLE _rp_dpos;

CREATE OR REPLACE TEMP TABLE _rp_vocab AS
SELECT (row_number() OVER (ORDER BY term) - 1)::INTEGER AS code, term, count(*) AS df
FROM _rp_dterm GROUP BY term
"""

_DOC_TERMS_SQL = """
SELECT t.did, v.code FROM _rp_dterm AS t JOIN _rp_vocab AS v USING (term)
"""

_PARAM = re.compile(r"\$(\w+)")


def run_script(cur: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> None:
    """Execute each statement of ``sql`` (separated by a blank line after ``;``) with the
    parameters it names (DuckDB binds the parameters of one statement, and only those)."""
    for stmt in sql.split(";\n\n"):
        stmt = stmt.strip().rstrip(";").strip()
        if not stmt:
            continue
        names = set(_PARAM.findall(stmt))
        cur.execute(stmt, {k: v for k, v in params.items() if k in names} or None)


def read_pool(pool: pa.Table | str | Path | None) -> pa.Table | None:
    """The candidate pool as a table of :data:`~forcemap.decide.panel.schemas.POOL_COLUMNS`
    (strings; missing columns null), from a table or a CSV file; None for the default pool."""
    if pool is None:
        return None
    if isinstance(pool, str | Path):
        path = Path(pool)
        if not path.is_file():
            raise InputError(f"pool file {path} does not exist")
        try:
            tbl = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(POOL_COLUMNS, pa.string()),
                    strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid as e:
            raise InputError(f"pool file {path} cannot be read as CSV: {e}") from e
    elif isinstance(pool, pa.Table):
        tbl = pool
    else:
        raise InputError("pool must be a pyarrow Table or the path of a CSV file")
    if "author_id" not in tbl.column_names:
        raise InputError(f"pool needs an author_id column; it has {', '.join(tbl.column_names)}")
    cols = {}
    for c in POOL_COLUMNS:
        if c in tbl.column_names:
            cols[c] = tbl[c].cast(pa.string())
        else:
            cols[c] = pa.nulls(tbl.num_rows, pa.string())
    return pa.table(cols)


def _codes(values: pa.ChunkedArray) -> np.ndarray:
    """Integer code per value (in order of first appearance); −1 for a missing or empty one
    (no cap applies)."""
    v = values.combine_chunks()
    v = pc.if_else(pc.equal(v, ""), pa.scalar(None, v.type), v)
    codes: np.ndarray = pc.fill_null(pc.dictionary_encode(v).indices, -1).to_numpy()
    return codes.astype(np.int64)


# -- the candidates' side ---------------------------------------------------------------------
_POOL_STATE = (
    "_rp_wy",
    "_rp_py",
    "_rp_org",
    "_rp_inv",
    "_rp_astat",
    "_rp_corgs",
    "_rp_proj",
    "_rp_pinv",
    "_rp_ppat",
    "_rp_cand",
    "_rp_cw",
    "_rp_vocab",
)
"""The tables of the candidates' side a request reads besides ``_rp_active`` (the others are
intermediate)."""

_POOL_INPUTS = (
    "works",
    "authorships",
    "authors",
    "institutions",
    "organizations",
    "org_aliases",
    "person_aliases",
    "patents",
    "patent_inventors",
    "patent_assignees",
    "projects",
    "project_participants",
)
"""The store tables the candidates' side reads: a change to one makes a kept side stale."""


@dataclass(frozen=True)
class Side:
    """The candidates' side of a request: the active candidates (``_rp_active``, one row per
    position, by id), their documents as :class:`~forcemap.decide.affinity.Profiles`
    (columns: the term codes of ``_rp_vocab``; rows: ``_rp_docs.did``), the documents'
    number (``n_docs``), total number of terms (``total_len``) and ids by ``did``
    (``doc_keys``: work or patent id, ``expertise`` for a pool text), the columns the
    selection reads as arrays by position (:func:`_features`), and :data:`_POOL_STATE`."""

    active: pa.Table
    profiles: Profiles
    n_docs: int
    total_len: int
    doc_keys: pa.Array
    features: dict[str, np.ndarray]
    tables: dict[str, pa.Table] | None = None


def _features(active: pa.Table) -> dict[str, np.ndarray]:
    """The active candidates' columns the selection reads, as arrays by position: ``type``
    (code of :data:`ROLE_TYPES`, −1 otherwise), ``org`` and ``country`` (:func:`_codes`)."""

    def column(name: str, fill: Any, dtype: type) -> np.ndarray:
        values: np.ndarray = pc.fill_null(active[name], fill).to_numpy()
        return values.astype(dtype)

    return {
        "type": pc.index_in(active["type"], pa.array(ROLE_TYPES)).fill_null(-1).to_numpy(),
        "career_age": column("career_age", -1, np.int64),
        "lead_share": column("lead_share", 0.0, np.float64),
        "n_works": column("n_works", 0, np.int64),
        "enterprise_patents": column("enterprise_patents", 0, np.int64),
        "n_recent": column("n_recent", 0, np.float64),
        "org": _codes(active["org_id"]),
        "country": _codes(active["country"]),
    }


_KEPT_SIDES: Kept[Side] = Kept(size=1)


def candidate_side(
    store: Store, cur: duckdb.DuckDBPyConnection, params: dict[str, Any], *, default_pool: bool
) -> Side:
    """Make the candidates' side (:data:`_POOL_STATE` and ``_rp_active``) available in
    ``cur`` and return it.

    It depends on the pool and on ``params`` but not on the applicants or the project, so for
    the default pool on a read-only store (the web server's) it is computed once and kept in
    memory (the last one, :class:`~forcemap.store.results.Kept`: keyed by the store, the
    parameters and the versions of :data:`_POOL_INPUTS`, so an ingest makes it stale; a request
    that needs the side being computed waits for it). Otherwise it is computed in ``cur``.
    """
    if not default_pool:
        return _compute_side(cur, params, default_pool=False, keep=False)
    computed_here = False

    def compute() -> Side:
        nonlocal computed_here
        computed_here = True  # its temp tables are in cur already
        return _compute_side(cur, params, default_pool=True, keep=store.read_only)

    side = _KEPT_SIDES.get(store, _POOL_INPUTS, tuple(sorted(params.items())), compute)
    if not computed_here:
        for name, tbl in (side.tables or {}).items():
            cur.register(name, tbl)
        cur.register("_rp_active", side.active)
    return side


def _compute_side(
    cur: duckdb.DuckDBPyConnection, params: dict[str, Any], *, default_pool: bool, keep: bool
) -> Side:
    """Compute the candidates' side as temp tables of ``cur``; with ``keep``, also copy
    :data:`_POOL_STATE` out of DuckDB into the returned side."""
    run_script(cur, _BASE_SQL, {})
    run_script(cur, _PEOPLE_DEFAULT_SQL if default_pool else _PEOPLE_POOL_SQL, {})
    for sql in (_ROWS_SQL, _AUTHOR_SQL, _AUTHOR_ORGS_SQL, _PINV_SQL, _PATENT_SQL):
        run_script(cur, sql, params)
    run_script(cur, _POOL_ORG_SQL, params)
    run_script(cur, _KEYS_SQL, params)
    run_script(cur, _CAND_SQL, params | {"default_pool": default_pool})
    run_script(cur, _DOCS_SQL, params)
    stem_tokens(cur, "_rp_dpos")
    run_script(cur, _TEXT_MODEL_SQL, {})
    active = owned_copy(cur.sql("SELECT * FROM _rp_active ORDER BY pos").to_arrow_table())
    n_terms = int(cur.execute("SELECT count(*) FROM _rp_vocab").fetchall()[0][0])
    n_docs, total_len = cur.execute(
        "SELECT count(*), coalesce(sum(len), 0) FROM _rp_dlen"
    ).fetchall()[0]
    dt = cur.sql(_DOC_TERMS_SQL).fetchnumpy()
    cd = cur.sql("SELECT pos, did FROM _rp_cdoc").fetchnumpy()
    docs = sp.csr_matrix(
        (np.ones(len(dt["did"]), np.float32), (dt["did"], dt["code"])),
        shape=(int(n_docs), n_terms),
    )
    holders = sp.csr_matrix(
        (np.ones(len(cd["pos"]), np.float32), (cd["pos"], cd["did"])),
        shape=(active.num_rows, int(n_docs)),
    )
    cur.execute("DROP TABLE IF EXISTS _rp_dterm")
    doc_keys = owned_copy(
        cur.sql(
            "SELECT CASE kind WHEN 'E' THEN 'expertise' ELSE key END AS key FROM _rp_docs "
            "ORDER BY did"
        ).to_arrow_table()
    )["key"].combine_chunks()
    tables = (
        {
            name: owned_copy(cur.sql(f"SELECT * FROM {name}").to_arrow_table())  # noqa: S608
            for name in _POOL_STATE
        }
        if keep
        else None
    )
    return Side(
        active,
        Profiles(docs, holders),
        int(n_docs),
        int(total_len),
        doc_keys,
        _features(active),
        tables,
    )


def stem_tokens(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    """Replace the ``tok`` column of the temp table ``table`` by its Snowball stem
    (:func:`forcemap.indicators.text.stem_words`, over the distinct tokens only; "battery"
    and "batteries" are one term), keeping its other columns."""
    toks = [t for (t,) in cur.execute(f"SELECT DISTINCT tok FROM {table}").fetchall()]  # noqa: S608
    cur.register("_rp_stem_map", pa.table({"tok": toks, "stem": stem_words(toks)}))
    try:
        cur.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
                SELECT d.* REPLACE (m.stem AS tok)
                FROM {table} AS d JOIN _rp_stem_map AS m USING (tok)"""  # noqa: S608
        )
    finally:
        cur.unregister("_rp_stem_map")


# -- the request's inputs ----------------------------------------------------------------------
def reference_year(cur: duckdb.DuckDBPyConnection) -> int:
    """*Y*: the latest publication or grant year in the store."""
    y = cur.execute(
        "SELECT greatest((SELECT max(year) FROM works), "
        "(SELECT max(coalesce(year, year(grant_date))) FROM patents))"
    ).fetchall()[0][0]
    if y is None:
        raise InputError("the store holds no dated works or patents: nothing to draw from")
    return int(y)


def register_inputs(
    cur: duckdb.DuckDBPyConnection,
    app_ids: list[str],
    excl_ids: list[str],
    pool: pa.Table | None,
) -> None:
    """Register the request's applicants (``_rp_app_in``), exclusions (``_rp_excl_in``), pool
    (``_rp_pool_in``, empty for the default pool), the pool's inventor ids (``_rp_pool_inv``)
    and the stop words (``_rp_stop``) in ``cur``."""
    pool_in = (
        pool if pool is not None else pa.table({c: pa.array([], pa.string()) for c in POOL_COLUMNS})
    )
    pool_inv_rows = [
        (a, i.strip())
        for a, v in zip(
            pool_in["author_id"].to_pylist(), pool_in["inventor_id"].to_pylist(), strict=True
        )
        if a and v
        for i in str(v).replace(";", ",").split(",")
        if i.strip()
    ]
    for name, tbl in (
        ("_rp_app_in", pa.table({"aid": pa.array(app_ids, pa.string())})),
        ("_rp_excl_in", pa.table({"cid": pa.array(excl_ids, pa.string())})),
        ("_rp_pool_in", pool_in),
        (
            "_rp_pool_inv",
            pa.table(
                {
                    "author_id": pa.array([a for a, _ in pool_inv_rows], pa.string()),
                    "inventor_id": pa.array([i for _, i in pool_inv_rows], pa.string()),
                }
            ),
        ),
        ("_rp_stop", stop_words_table()),
    ):
        cur.register(name, tbl)


def pool_stats(cur: duckdb.DuckDBPyConnection, min_recent_works: int) -> tuple[int, int, int, bool]:
    """(candidates in the pool, inactive ones, candidates or applicants linked to inventors by
    name, whether the store's organisations are resolved)."""
    n_pool, n_inactive = cur.execute(
        "SELECT count(*), count(*) FILTER (WHERE n_recent < $m) FROM _rp_cand",
        {"m": min_recent_works},
    ).fetchall()[0]
    link_stats = cur.execute(
        "SELECT count(DISTINCT cid) FILTER (WHERE method = 'name') FROM _rp_pinv"
    ).fetchall()[0][0]
    resolved = bool(cur.execute("SELECT count(*) FROM org_aliases").fetchall()[0][0])
    return int(n_pool), int(n_inactive), int(link_stats), resolved
