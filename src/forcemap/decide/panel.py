r"""Review panel: which experts should assess a project, free of conflicts of interest? (C9)

Candidates
----------
A candidate is a person id: by default every author id of ``authorships`` (OpenAlex's
disambiguated authors); ``pool`` replaces that by a table or CSV of candidates (``author_id``
required; ``name``, ``org``, ``country``, ``type``, ``expertise`` and ``inventor_id``
optional; a pool id may also be a ``patent_inventors.inventor_id``). *Y* is the reference year,
the latest publication or grant year in the store. A candidate's **current organisations** are
every organisation of its latest publication year with an affiliation (``authorships`` →
``org_aliases`` → ``organizations``; the institution id itself when not resolved), plus
the assignees of its latest patents when granted in the COI window, plus the pool's
``org`` (matched to an organisation id or name of the store when possible). Its **main**
organisation (the one reported, capped and typed) is the pool's ``org``, else the organisation
on most works of that year (ties: the smaller id), else the main assignee. A candidate is
**active** with at least ``min_recent_works`` works and patents in the last ``recent_years`` years
:math:`R = [Y - r + 1, Y]`; only active candidates are scored and can sit.

Authors and inventors live in different id spaces. A person's inventor ids are its own id when
it is one, the pool's ``inventor_id``, and — with ``link_inventors="name"`` — the inventors whose
normalised full name (accents stripped, lower case, letters only, at least two words) equals
the author's and whose country agrees (or is unknown), unless the name is common: carried by
more than :data:`MAX_HOMONYMS` (3) people of the pool or inventor ids, it links nobody (a
"Wei Wang" would otherwise tie thousands of records together). A homonym link can only add
conflicts (the cautious side for COI) or a ``chief_engineer`` qualification (see the
caveats).

Conflicts of interest
---------------------
Applicants are author, inventor or organisation ids. The applicants' organisations are the
organisation applicants plus the current organisations of applicant people; the applicants'
inventor ids are found as for candidates. With the COI window :math:`[Y - \text{coi\_years}, Y]`
a candidate is excluded, each time with the evidence, by

=====================  =========================================================================
``applicant``          being an applicant
``requested``          being listed in ``exclude``
``same_organisation``  a current organisation that is an applicant organisation (the org id)
``coauthorship``       a work in the window co-authored with an applicant author (work ids, years)
``coinvention``        a patent granted in the window co-invented with an applicant (patent ids)
``same_project``       a current organisation that is, with a different applicant organisation, a
                       participant of a project running in the window (``end_date``, else
                       ``start_date``, in or after :math:`Y - \text{coi\_years}`; undated
                       projects count) — the project ids
=====================  =========================================================================

Each check is one set-based SQL statement driven from the applicants' side (the applicants'
works self-joined with ``authorships``, the applicants' patents with ``patent_inventors``,
the applicants' projects with ``project_participants``), so its cost is that of the
applicants' records, not of the pool.

Kept candidates' side
---------------------
Everything above that does not depend on the applicants or the project — the candidates,
their current organisations, inventor links, activity, the TF-IDF weights of their documents,
and the project consortia of the COI window — depends only on the pool and the parameters
``coi_years``, ``recent_years``, ``min_recent_works`` and ``link_inventors``. With the default
pool on a read-only store (the web server's), it is computed on the first request and kept in
memory (the last one), keyed by the store, those parameters and the versions of the tables it
reads, so an ingest makes it stale. On the 1 M-work synthetic world the first request takes
about 25 s and the next ones about 0.3 s.

Expertise match
---------------
The project is described by ``text`` (else the names of ``topics`` and ``concepts``). The
documents are the active candidates' works and patents in *R* (title + abstract) and their
pool ``expertise`` texts. Terms are runs of two or more letters, digits or underscores,
lower-cased, without :data:`forcemap.decide.explore.STOP_WORDS`. With *N* documents,
:math:`\mathrm{df}_t` those containing *t* and :math:`\mathrm{tf}_{ct}` the count of *t* over
candidate *c*'s documents,

.. math::

    w_{ct} = (1 + \ln \mathrm{tf}_{ct})\,\mathrm{idf}_t, \quad
    \mathrm{idf}_t = \ln\frac{1 + N}{1 + \mathrm{df}_t} + 1, \quad
    \mathrm{text}_c = \frac{\sum_t w_{ct} w_{qt}}{\lVert w_c\rVert\,\lVert w_q\rVert}

(the query weighted the same way over the terms known to the documents) — the smoothed TF-IDF
of :mod:`forcemap.decide.explore` (scikit-learn's ``TfidfVectorizer`` defaults). The
candidates' side is set-based: each document is tokenised once in DuckDB
(``regexp_extract_all``) and the weights :math:`w_{ct}` and norms are computed once; a
request then reads only the postings of the query's terms (NumPy) — the other candidates
have cosine 0.
With :math:`P` the project's topic and concept ids and :math:`C_c` those of the candidate's
works in *R* (concepts with score ≥ 0.3; topics only when the project has topics, concepts
only when it has concepts),

.. math::

    \mathrm{topics}_c = \frac{|P \cap C_c|}{|P \cup C_c|}, \qquad
    \mathrm{activity}_c = \frac{\ln(1 + n_c)}{\ln(1 + \max_{c'} n_{c'})}, \qquad
    \mathrm{match}_c = \frac{\sum_k \omega_k\,\mathrm{component}_{kc}}{\sum_k \omega_k}
    \in [0, 1]

(:math:`n_c` the candidate's works and patents in *R*; weights :data:`DEFAULT_WEIGHTS`
text 0.6, topics 0.25, activity 0.15; the topics weight is dropped when the project has no
topics or concepts).

Roles
-----
=====================  ====================================================================
``enterprise_lead``    main organisation of type ``enterprise`` and **senior**: career age
                       :math:`Y - \text{first year}` ≥ ``senior_career_years`` (10), or a
                       share of last / corresponding authorships ≥ ``senior_lead_share``
                       (0.5) over at least 3 works
``academic``           main organisation of type ``university``
``industry_expert``    main organisation of type ``enterprise`` or ``institute``
``chief_engineer``     inventor on at least one patent whose assignee is an enterprise
``member``             anyone (the seats ``size`` − Σ roles left over)
=====================  ====================================================================

Types are ``organizations.type``, else the OpenAlex institution / PatentsView assignee type
mapped as :func:`forcemap.store.organizations.resolve_organizations` does, else the pool's.

Selection
---------
Binary :math:`x_{cr}` (candidate *c* sits in role *r*, for eligible pairs only):

.. math::

    \max \sum_{c,r} \mathrm{match}_c\, x_{cr} \quad \text{s.t.} \quad
    \sum_c x_{cr} = n_r \;\forall r, \quad \sum_r x_{cr} \le 1 \;\forall c, \quad
    \sum_{c \in o,\, r} x_{cr} \le \text{max\_per\_org} \;\forall o, \quad
    \sum_{c \in k,\, r} x_{cr} \le \text{max\_per\_country} \;\forall k,

solved by HiGHS (:func:`scipy.optimize.milp`, relative gap 1e-9) within ``time_limit``.
Before solving, each role keeps only its best candidates by match: a candidate is dropped
when ``s``\ ² better ones of its organisation, ``s`` of its (organisation, country),
``s``\ ² of its country, or :math:`(s - 1)(1 + 2s^2) + 1` overall (``s`` = size) are kept.
This is exact: whatever the other ``s`` − 1 members, one of the kept better candidates can
take a dropped one's seat without breaking a cap (an exchange argument), so the optimum is
unchanged and 50,000 candidates shrink to a few hundred variables. ``method="greedy"``
(or a MILP that stops without a solution) fills the scarcest role first with the best
feasible candidate, labelled in ``rule.parameters["method_used"]`` and a caveat.
An infeasible request raises :class:`~forcemap.errors.InfeasibleError` naming the role that
has too few non-conflicted candidates (with how many conflicts removed), the organisation or
country cap that cannot be met, or the roles that compete for the same few people.

References
----------
Salton, G. & Buckley, C. (1988). Term-weighting approaches in automatic text retrieval.
IPM 24(5), 513–523. doi:10.1016/0306-4573(88)90021-0. Hettich, S. & Pazzani, M. J. (2006).
Mining for proposal reviewers. KDD '06, 862–871. doi:10.1145/1150402.1150506. Wang, F., Chen,
B. & Miao, Z. (2008). A survey on reviewer assignment problem. IEA/AIE 2008, LNCS 5027.
Huangfu, Q. & Hall, J. A. J. (2018). Math. Prog. Comp. 10, 119–142 (HiGHS).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from forcemap.decide.explore import STOP_WORDS
from forcemap.decide.result import DecisionResult, Rule, check_weights, is_synthetic
from forcemap.errors import InfeasibleError, InputError
from forcemap.store.results import Kept, owned_copy
from forcemap.store.store import Store

__all__ = [
    "DEFAULT_WEIGHTS",
    "EXCLUDED_SCHEMA",
    "PANEL_SCHEMA",
    "RANKING_SCHEMA",
    "ROLES",
    "review_panel",
]

DEFAULT_WEIGHTS: dict[str, float] = {"text": 0.6, "topics": 0.25, "activity": 0.15}
"""Weights of the match components (TF-IDF cosine, topic/concept Jaccard, recent activity)."""

ROLES: dict[str, str] = {
    "enterprise_lead": "enterprise affiliation and senior (career age ≥ senior_career_years, "
    "or last/corresponding-author share ≥ senior_lead_share over ≥ 3 works)",
    "academic": "university affiliation",
    "industry_expert": "enterprise or institute affiliation",
    "chief_engineer": "inventor on a patent assigned to an enterprise",
    "member": "any eligible candidate",
}
"""The roles a seat can ask for, with their eligibility rule."""

RULES: tuple[str, ...] = (
    "applicant",
    "requested",
    "same_organisation",
    "coauthorship",
    "coinvention",
    "same_project",
)
"""The exclusion rules, in the order they are reported."""

PANEL_SCHEMA = pa.schema(
    [
        ("role", pa.string()),
        ("author_id", pa.string()),
        ("name", pa.string()),
        ("org_id", pa.string()),
        ("org", pa.string()),
        ("country", pa.string()),
        ("type", pa.string()),
        ("match", pa.float64()),
        ("text_similarity", pa.float64()),
        ("topic_overlap", pa.float64()),
        ("activity", pa.float64()),
        ("recent_outputs", pa.int64()),
        ("reasons", pa.string()),
    ]
)
"""The main table: one row per panel member, in role order then by match."""

EXCLUDED_SCHEMA = pa.schema(
    [
        ("author_id", pa.string()),
        ("name", pa.string()),
        ("rule", pa.string()),
        ("applicant", pa.string()),
        ("evidence", pa.list_(pa.string())),
        ("years", pa.list_(pa.int32())),
        ("detail", pa.string()),
        ("active", pa.bool_()),
        ("match", pa.float64()),
    ]
)
"""``evidence["excluded"]``: one row per (candidate, rule, applicant) conflict, with the
evidence ids (org id, work ids, patent ids, project ids), their years (newest first) and a
sentence; ``active`` says whether the candidate would otherwise have been eligible."""

RANKING_SCHEMA = pa.schema(
    [
        ("rank", pa.int64()),
        ("author_id", pa.string()),
        ("name", pa.string()),
        ("org_id", pa.string()),
        ("org", pa.string()),
        ("country", pa.string()),
        ("type", pa.string()),
        ("match", pa.float64()),
        ("text_similarity", pa.float64()),
        ("topic_overlap", pa.float64()),
        ("activity", pa.float64()),
        ("recent_outputs", pa.int64()),
        ("career_age", pa.int32()),
        ("roles", pa.list_(pa.string())),
        ("eligible", pa.bool_()),
        ("status", pa.string()),
    ]
)
"""``evidence["ranking"]``: the ``top`` active candidates by match, conflicted or not.
``roles`` lists the specialised roles (all of :data:`ROLES` but ``member``) the candidate
qualifies for; ``eligible`` says whether it can fill one of the requested seats (active, no
conflict, qualified); ``status`` is ``selected: <role>``, ``excluded: <rules>``, ``eligible``
or ``not eligible for any requested role``."""

APPLICANT_SCHEMA = pa.schema(
    [
        ("applicant", pa.string()),
        ("kind", pa.string()),
        ("organisations", pa.list_(pa.string())),
        ("inventor_ids", pa.list_(pa.string())),
    ]
)
"""``evidence["applicants"]``: how each applicant id was read."""

MAX_HOMONYMS = 3
"""A name carried by more people (or inventor ids) than this is too common to link by."""

_POOL_COLUMNS = ("author_id", "name", "org", "country", "type", "expertise", "inventor_id")

# -- SQL ---------------------------------------------------------------------------------------
_TOKEN_RE = r"[\p{L}\p{N}_]{2,}"

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


def _expand(sql: str) -> str:
    """Fill the SQL macros: @TYPE(x)@ (organisation type of a raw type), @NORM(x)@ (a
    normalised person name) and @TOKEN@ (the term regular expression)."""
    sql = re.sub(r"@TYPE\((.+?)\)@", lambda m: _type_sql(m.group(1)), sql)
    sql = re.sub(r"@NORM\((.+?)\)@", lambda m: _NORM_NAME.replace("{x}", m.group(1)), sql)
    return sql.replace("@TOKEN@", _TOKEN_RE)


_NORM_NAME = (
    "nullif(trim(regexp_replace(lower(strip_accents(coalesce({x}, ''))), '[^a-z]+', ' ', 'g')), '')"
)

_BASE_SQL = _expand(
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
SELECT DISTINCT author_id AS cid FROM authorships WHERE author_id IS NOT NULL
UNION SELECT inventor_id FROM _rp_inv
"""
_PEOPLE_POOL_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_people AS
SELECT DISTINCT author_id AS cid FROM _rp_pool_in WHERE author_id IS NOT NULL
UNION SELECT aid FROM _rp_app_in
"""

_ROWS_SQL = _expand(
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
FROM authorships AS a
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
), nm AS (SELECT author_id, any_value(name) AS name FROM authors GROUP BY author_id)
SELECT aw.author_id AS cid, coalesce(any_value(nm.name), any_value(aw.nm)) AS name,
       min(aw.year) AS first_year, count(*) AS n_works,
       count(*) FILTER (WHERE aw.year > $y - $recent AND aw.year <= $y) AS n_recent_works,
       avg(aw.lead::DOUBLE) AS lead_share,
       arg_max(aw.cty, aw.year) FILTER (WHERE aw.cty IS NOT NULL) AS last_country
FROM aw LEFT JOIN nm USING (author_id)
GROUP BY aw.author_id
"""

_AUTHOR_ORGS_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_corgs AS
SELECT author_id AS cid, org_id, any_value(org_name) AS org_name, any_value(country) AS country,
       any_value(type) AS type, year, count(DISTINCT work_id) AS n, 'publications' AS source,
       1 AS source_rank
FROM _rp_rows WHERE org_id IS NOT NULL AND year IS NOT NULL
GROUP BY author_id, year, org_id
QUALIFY year = max(year) OVER (PARTITION BY author_id)
"""

_PINV_SQL = _expand(
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

_PATENT_SQL = _expand(
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
_POOL_ORG_SQL = _expand(
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

_CAND_SQL = _expand(
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
       least(s.first_year, i.first_year) AS first_year,
       ($y - least(s.first_year, i.first_year))::INTEGER AS career_age,
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
    FROM authorships AS a JOIN _rp_wy AS w USING (work_id)
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
FROM app_works AS aw JOIN authorships AS b USING (work_id)
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

# Documents of the active candidates: recent works and patents, tokenised once per document.
_DOCS_SQL = _expand(
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
SELECT (row_number() OVER () - 1)::INTEGER AS did, kind, key FROM (
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

CREATE OR REPLACE TEMP TABLE _rp_dtok AS
WITH texts AS (
    SELECT d.did, t.text FROM _rp_docs AS d JOIN (
        SELECT DISTINCT ON (work_id) work_id,
               coalesce(title, '') || ' ' || coalesce(abstract, '') AS text
        FROM works WHERE work_id IN (SELECT work_id FROM _rp_cw)
        ORDER BY work_id, batch_id DESC) AS t ON d.kind = 'W' AND d.key = t.work_id
    UNION ALL
    SELECT d.did, t.text FROM _rp_docs AS d JOIN (
        SELECT DISTINCT ON (patent_id) patent_id,
               coalesce(title, '') || ' ' || coalesce(abstract, '') AS text
        FROM patents WHERE patent_id IN (SELECT patent_id FROM _rp_cp)
        ORDER BY patent_id, batch_id DESC) AS t ON d.kind = 'P' AND d.key = t.patent_id
    UNION ALL
    SELECT d.did, a.expertise FROM _rp_docs AS d
    JOIN _rp_active AS a ON d.kind = 'E' AND d.key = a.cid
)
SELECT did, tok, count(*) AS n FROM (
    SELECT did, unnest(regexp_extract_all(lower(text), '@TOKEN@')) AS tok FROM texts)
WHERE tok NOT IN (SELECT tok FROM _rp_stop)
GROUP BY ALL;
"""
)

# The candidates' side of the TF-IDF model (request-independent): idf and a code per term,
# the candidates' term weights by (term code, candidate position), read into _Postings.
# Documents and candidates are integers from here on (_rp_docs.did, _rp_active.pos).
_TEXT_MODEL_SQL = """
CREATE OR REPLACE TEMP TABLE _rp_idf AS
WITH nd AS (SELECT count(*) AS n FROM _rp_docs)
SELECT (row_number() OVER (ORDER BY d.tok) - 1)::INTEGER AS code, d.tok,
       ln((1.0 + any_value(nd.n)) / (1.0 + count(*))) + 1.0 AS idf
FROM _rp_dtok AS d CROSS JOIN nd GROUP BY d.tok ORDER BY d.tok;

CREATE OR REPLACE TEMP TABLE _rp_dcode AS
SELECT d.did, i.code, d.n FROM _rp_dtok AS d JOIN _rp_idf AS i USING (tok);

DROP TABLE _rp_dtok;

CREATE OR REPLACE TEMP TABLE _rp_ctw AS
WITH ctf AS (
    SELECT cd.pos, d.code, sum(d.n) AS tf
    FROM _rp_cdoc AS cd JOIN _rp_dcode AS d USING (did) GROUP BY cd.pos, d.code
)
SELECT t.pos, t.code, (1.0 + ln(t.tf)) * i.idf AS w FROM ctf AS t JOIN _rp_idf AS i USING (code);

DROP TABLE _rp_dcode
"""

_POSTINGS_SQL = """
SELECT code, pos, w FROM _rp_ctw ORDER BY code, pos
"""

# The query's weights over the terms the candidates' documents know.
_QUERY_SQL = _expand(
    """
WITH q AS (
    SELECT tok, count(*) AS tf FROM (
        SELECT unnest(regexp_extract_all(lower($q), '@TOKEN@')) AS tok)
    WHERE tok NOT IN (SELECT tok FROM _rp_stop) GROUP BY tok
)
SELECT idf.code, q.tok, (1.0 + ln(q.tf)) * idf.idf AS w FROM q JOIN _rp_idf AS idf USING (tok)
ORDER BY idf.code
"""
)

# Per active candidate (position): the project's topics / concepts among its items, and its
# items (recent works' topics, and concepts scored ≥ 0.3).
_TOPICS_SQL = """
WITH items AS (
    SELECT DISTINCT cw.cid, 'T:' || t.topic_id AS item
    FROM _rp_cw AS cw JOIN work_topics AS t USING (work_id) WHERE $use_topics
    UNION
    SELECT DISTINCT cw.cid, 'C:' || c.concept_id
    FROM _rp_cw AS cw JOIN work_concepts AS c USING (work_id)
    WHERE $use_concepts AND coalesce(c.score, 1.0) >= 0.3
)
SELECT a.pos, count(*) FILTER (WHERE item IN (SELECT item FROM _rp_pitems)) AS inter,
       count(*) AS n_items
FROM items JOIN _rp_active AS a USING (cid) GROUP BY a.pos
"""

# Conflict rules per active candidate (position).
_RULES_SQL = """
SELECT a.pos, list(DISTINCT c.rule ORDER BY c.rule) AS rules
FROM _rp_coi AS c JOIN _rp_active AS a USING (cid) GROUP BY a.pos ORDER BY a.pos
"""


_PARAM = re.compile(r"\$(\w+)")


def _run(cur: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> None:
    """Execute each statement of ``sql`` (separated by a blank line after ``;``) with the
    parameters it names (DuckDB binds the parameters of one statement, and only those)."""
    for stmt in sql.split(";\n\n"):
        stmt = stmt.strip().rstrip(";").strip()
        if not stmt:
            continue
        names = set(_PARAM.findall(stmt))
        cur.execute(stmt, {k: v for k, v in params.items() if k in names} or None)


# -- inputs ------------------------------------------------------------------------------------
def _ids(values: Any, name: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out = [str(v).strip() for v in values if v is not None and str(v).strip()]
    return list(dict.fromkeys(out))


def _read_pool(pool: pa.Table | str | Path | None) -> pa.Table | None:
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
                    column_types=dict.fromkeys(_POOL_COLUMNS, pa.string()),
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
    for c in _POOL_COLUMNS:
        if c in tbl.column_names:
            cols[c] = tbl[c].cast(pa.string())
        else:
            cols[c] = pa.nulls(tbl.num_rows, pa.string())
    return pa.table(cols)


def _check_roles(roles: Mapping[str, int] | None, size: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for r, n in (roles or {}).items():
        if r not in ROLES:
            raise InputError(f"unknown role {r!r}; roles: {', '.join(ROLES)}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InputError(f"roles[{r!r}]={n!r} must be a non-negative integer")
        if n:
            out[r] = out.get(r, 0) + n
    total = sum(out.values())
    if total > size:
        raise InputError(f"the roles ask for {total} members but size={size}")
    if total < size:
        out["member"] = out.get("member", 0) + size - total
    return out


def _resolve_items(
    cur: duckdb.DuckDBPyConnection, values: list[str], kind: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """(id, name) of each topic / concept given by id, OpenAlex URL or name; unknown ones."""
    if not values:
        return [], []
    table, col = ("work_topics", "topic_id") if kind == "topic" else ("work_concepts", "concept_id")
    found: list[tuple[str, str]] = []
    unknown: list[str] = []
    for v in values:
        key = v.lower().removeprefix("https://openalex.org/").removeprefix("http://openalex.org/")
        rows = cur.execute(
            f"SELECT {col}, any_value(name) FROM {table} "  # noqa: S608 - fixed names
            f"WHERE lower({col}) = $k OR lower(name) = $v GROUP BY {col} ORDER BY {col}",
            {"k": key, "v": v.lower()},
        ).fetchall()
        if rows:
            found += [(str(i), str(n) if n else str(i)) for i, n in rows]
        else:
            unknown.append(v)
    return list(dict.fromkeys(found)), unknown


# -- roles and selection -----------------------------------------------------------------------
_TYPES = ("enterprise", "university", "institute")
"""The organisation types the roles ask for."""


def _role_matrix(
    cand: dict[str, np.ndarray],
    roles: list[str],
    senior_career_years: int,
    senior_lead_share: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Eligibility (candidates × roles) and the senior flag; ``cand["type"]`` holds the
    organisation types as integer codes of :data:`_TYPES` (−1: unknown or other)."""
    typ = cand["type"]
    career = cand["career_age"]
    lead = cand["lead_share"]
    nworks = cand["n_works"]
    senior = (career >= senior_career_years) | ((lead >= senior_lead_share) & (nworks >= 3))
    ent = typ == _TYPES.index("enterprise")
    rules = {
        "enterprise_lead": ent & senior,
        "academic": typ == _TYPES.index("university"),
        "industry_expert": ent | (typ == _TYPES.index("institute")),
        "chief_engineer": cand["enterprise_patents"] > 0,
        "member": np.ones(len(typ), bool),
    }
    return np.column_stack([rules[r] for r in roles]) if roles else np.zeros((len(typ), 0), bool), (
        senior
    )


def _codes(values: pa.ChunkedArray) -> np.ndarray:
    """Integer code per value (in order of first appearance); −1 for a missing or empty one
    (no cap applies)."""
    v = values.combine_chunks()
    v = pc.if_else(pc.equal(v, ""), pa.scalar(None, v.type), v)
    return pc.fill_null(pc.dictionary_encode(v).indices, -1).to_numpy().astype(np.int64)


def _prune(
    elig: np.ndarray, match: np.ndarray, org: np.ndarray, cty: np.ndarray, size: int
) -> np.ndarray:
    """Keep, per role, the candidates an optimal panel may need (see the module docstring)."""
    n, k = elig.shape
    keep = np.zeros_like(elig)
    s = size
    lim_pair, lim_org, lim_cty = s, s * s, s * s
    lim_all = (s - 1) * (1 + 2 * s * s) + 1
    order = np.lexsort((np.arange(n), -match))
    for r in range(k):
        idx = order[elig[order, r]]
        if idx.size <= lim_all:
            keep[idx, r] = True
            continue
        c_org: dict[int, int] = {}
        c_cty: dict[int, int] = {}
        c_pair: dict[tuple[int, int], int] = {}
        kept = 0
        for i in idx.tolist():
            o, c = int(org[i]), int(cty[i])
            if o >= 0 and (c_org.get(o, 0) >= lim_org or c_pair.get((o, c), 0) >= lim_pair):
                continue
            if c >= 0 and c_cty.get(c, 0) >= lim_cty:
                continue
            keep[i, r] = True
            kept += 1
            if o >= 0:
                c_org[o] = c_org.get(o, 0) + 1
                c_pair[(o, c)] = c_pair.get((o, c), 0) + 1
            if c >= 0:
                c_cty[c] = c_cty.get(c, 0) + 1
            if kept >= lim_all:
                break
    return keep


def _milp_solve(
    keep: np.ndarray,
    match: np.ndarray,
    need: np.ndarray,
    org: np.ndarray,
    cty: np.ndarray,
    max_per_org: int | None,
    max_per_country: int | None,
    time_limit: float,
) -> tuple[list[tuple[int, int]] | None, str, float | None]:
    """Solve the assignment MILP on the kept pairs: ([(candidate, role)] or None, status, obj)."""
    vc, vr = np.nonzero(keep)
    nv = vc.size
    if nv == 0:
        return None, "infeasible", None
    rows: list[sp.csr_matrix] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    k = keep.shape[1]
    rows.append(sp.csr_matrix((np.ones(nv), (vr, np.arange(nv))), shape=(k, nv)))
    lo.append(need.astype(float))
    hi.append(need.astype(float))
    cands, crow = np.unique(vc, return_inverse=True)
    rows.append(sp.csr_matrix((np.ones(nv), (crow, np.arange(nv))), shape=(cands.size, nv)))
    lo.append(np.full(cands.size, -np.inf))
    hi.append(np.ones(cands.size))
    for codes, cap in ((org, max_per_org), (cty, max_per_country)):
        if cap is None:
            continue
        g = codes[vc]
        ok = g >= 0
        if not ok.any():
            continue
        groups, grow = np.unique(g[ok], return_inverse=True)
        rows.append(
            sp.csr_matrix(
                (np.ones(int(ok.sum())), (grow, np.flatnonzero(ok))), shape=(groups.size, nv)
            )
        )
        lo.append(np.full(groups.size, -np.inf))
        hi.append(np.full(groups.size, float(cap)))
    res = milp(
        -match[vc],
        constraints=LinearConstraint(
            sp.vstack(rows, format="csr"), np.concatenate(lo), np.concatenate(hi)
        ),
        integrality=np.ones(nv),
        bounds=Bounds(np.zeros(nv), np.ones(nv)),
        options={"time_limit": float(time_limit), "disp": False, "mip_rel_gap": 1e-9},
    )
    status = {0: "optimal", 1: "time limit", 2: "infeasible", 3: "unbounded"}.get(
        res.status, "solver failure"
    )
    if res.x is None:
        return None, status, None
    on = np.flatnonzero(res.x > 0.5)
    return [(int(vc[i]), int(vr[i])) for i in on], status, -float(res.fun)


def _greedy(
    elig: np.ndarray,
    match: np.ndarray,
    need: np.ndarray,
    org: np.ndarray,
    cty: np.ndarray,
    max_per_org: int | None,
    max_per_country: int | None,
) -> list[tuple[int, int]] | None:
    """Scarcest role first, best feasible candidate per seat; None when it gets stuck."""
    n = elig.shape[0]
    order = np.lexsort((np.arange(n), -match))
    chosen: list[tuple[int, int]] = []
    used: set[int] = set()
    n_org: dict[int, int] = {}
    n_cty: dict[int, int] = {}
    for r in sorted(range(elig.shape[1]), key=lambda r: (int(elig[:, r].sum()), r)):
        for _ in range(int(need[r])):
            pick = -1
            for i in order[elig[order, r]].tolist():
                if i in used:
                    continue
                if max_per_org is not None and org[i] >= 0 and n_org.get(org[i], 0) >= max_per_org:
                    continue
                if (
                    max_per_country is not None
                    and cty[i] >= 0
                    and n_cty.get(cty[i], 0) >= max_per_country
                ):
                    continue
                pick = i
                break
            if pick < 0:
                return None
            chosen.append((pick, r))
            used.add(pick)
            n_org[org[pick]] = n_org.get(org[pick], 0) + 1
            n_cty[cty[pick]] = n_cty.get(cty[pick], 0) + 1
    return chosen


def _capacity(mask: np.ndarray, codes: np.ndarray, cap: int | None) -> int:
    """How many of the masked candidates can sit together under one cap."""
    if cap is None:
        return int(mask.sum())
    g = codes[mask]
    free = int((g < 0).sum())
    _, counts = np.unique(g[g >= 0], return_counts=True)
    return free + int(np.minimum(counts, cap).sum())


def _explain(
    roles: list[str],
    need: np.ndarray,
    elig: np.ndarray,
    conflicted_elig: np.ndarray,
    conflict_rules: Mapping[int, list[str]],
    org: np.ndarray,
    cty: np.ndarray,
    max_per_org: int | None,
    max_per_country: int | None,
    n_inactive: int,
    params: Mapping[str, Any],
) -> str:
    """The plain-language reason a panel cannot be formed."""

    def why(r: int) -> str:
        idx = np.flatnonzero(conflicted_elig[:, r])
        counts: dict[str, int] = {}
        for i in idx.tolist():
            for rule in conflict_rules[i]:
                counts[rule] = counts.get(rule, 0) + 1
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        more = (
            f"; {idx.size} more active candidate(s) qualify but are excluded by conflicts of "
            f"interest ({parts})"
            if idx.size
            else ""
        )
        return f"{more}; {n_inactive} pool member(s) are inactive (fewer than " + (
            f"{params['min_recent_works']} works/patents in the last {params['recent_years']} "
            "years)"
        )

    for r, name in enumerate(roles):
        have = int(elig[:, r].sum())
        if have < need[r]:
            return (
                f"role {name!r} needs {int(need[r])} member(s) but only {have} non-conflicted "
                f"active candidate(s) qualify ({ROLES[name]}){why(r)}."
            )
        for codes, cap, what in (
            (org, max_per_org, "organisation"),
            (cty, max_per_country, "country"),
        ):
            cap_n = _capacity(elig[:, r], codes, cap)
            key = "org" if what == "organisation" else "country"
            if cap_n < need[r]:
                return (
                    f"role {name!r} needs {int(need[r])} member(s) but its {have} non-conflicted "
                    f"candidate(s) allow only {cap_n} under max_per_{key}"
                    f"={cap} (too few distinct {what}s){why(r)}."
                )
    k = len(roles)
    for mask_bits in range(1, 1 << k):
        sub = [r for r in range(k) if mask_bits >> r & 1]
        if len(sub) < 2:
            continue
        want = int(need[sub].sum())
        pool = elig[:, sub].any(axis=1)
        for codes, cap in ((org, max_per_org), (cty, max_per_country), (org, None)):
            got = _capacity(pool, codes, cap)
            if got < want:
                names = ", ".join(repr(roles[r]) for r in sub)
                return (
                    f"roles {names} together need {want} member(s) but only {got} "
                    "non-conflicted active candidate(s) can fill them"
                    + (f" under the cap of {cap} per group" if cap is not None else "")
                    + " (each candidate fills one role)."
                )
    return (
        f"the role counts {dict(zip(roles, need.tolist(), strict=True))} cannot be met together "
        f"with max_per_org={max_per_org} and max_per_country={max_per_country} "
        f"among {elig.shape[0]} non-conflicted active candidates."
    )


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
    "_rp_cand",
    "_rp_cw",
    "_rp_idf",
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
    "patents",
    "patent_inventors",
    "patent_assignees",
    "projects",
    "project_participants",
)
"""The store tables the candidates' side reads: a change to one makes a kept side stale."""


@dataclass(frozen=True)
class _Postings:
    """The active candidates' term weights by term code: those of term ``k`` are rows
    ``offsets[k]:offsets[k + 1]`` of ``pos`` (the candidate's position in ``_rp_active``,
    increasing) and ``w``; ``norm[pos]`` is the norm of a candidate's weight vector."""

    offsets: np.ndarray
    pos: np.ndarray
    w: np.ndarray
    norm: np.ndarray

    @classmethod
    def read(cls, cur: duckdb.DuckDBPyConnection, n_terms: int, n_active: int) -> _Postings:
        cols = cur.sql(_POSTINGS_SQL).fetchnumpy()
        code = np.asarray(cols["code"], np.int64)
        pos = np.asarray(cols["pos"], np.int32)
        w = np.asarray(cols["w"], np.float64)
        offsets = np.zeros(n_terms + 1, np.int64)
        np.cumsum(np.bincount(code, minlength=n_terms), out=offsets[1:])
        norm = np.sqrt(np.bincount(pos, weights=w * w, minlength=n_active))
        return cls(offsets, pos, w, norm)

    def cosine(self, codes: np.ndarray, wq: np.ndarray) -> np.ndarray:
        """TF-IDF cosine of the query (term codes, weights) with every candidate."""
        out = np.zeros(self.norm.size)
        qn = float(np.sqrt(np.sum(wq * wq)))
        if qn <= 0:
            return out
        lo, hi = self.offsets[codes], self.offsets[codes + 1]
        idx = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)] or [[]])
        idx = idx.astype(np.int64)
        dot = np.bincount(
            self.pos[idx], weights=self.w[idx] * np.repeat(wq, hi - lo), minlength=out.size
        )
        hit = dot > 0
        out[hit] = np.minimum(dot[hit] / (self.norm[hit] * qn), 1.0)
        return out

    def shared_terms(
        self, p: int, codes: np.ndarray, terms: Sequence[str], wq: np.ndarray, k: int = 5
    ) -> list[str]:
        """The query terms contributing most to candidate ``p``'s cosine (ties: by term)."""
        found = []
        for code, term, q in zip(codes.tolist(), terms, wq.tolist(), strict=True):
            lo, hi = int(self.offsets[code]), int(self.offsets[code + 1])
            i = lo + int(np.searchsorted(self.pos[lo:hi], p))
            if i < hi and self.pos[i] == p:
                found.append((-float(self.w[i]) * q, term))
        return [t for _, t in sorted(found)[:k]]


@dataclass(frozen=True)
class _Side:
    """The candidates' side of a request: the active candidates (``_rp_active``, one row per
    position, by id), the postings of their term weights, the columns the selection reads as
    arrays by position (:func:`_features`), and :data:`_POOL_STATE`."""

    active: pa.Table
    postings: _Postings
    features: dict[str, np.ndarray]
    tables: dict[str, pa.Table] | None = None


def _features(active: pa.Table) -> dict[str, np.ndarray]:
    """The active candidates' columns the selection reads, as arrays by position: ``type``
    (code of :data:`_TYPES`, −1 otherwise), ``org`` and ``country`` (:func:`_codes`)."""

    def column(name: str, fill: Any, dtype: type) -> np.ndarray:
        return pc.fill_null(active[name], fill).to_numpy().astype(dtype)

    return {
        "type": pc.index_in(active["type"], pa.array(_TYPES)).fill_null(-1).to_numpy(),
        "career_age": column("career_age", -1, np.int64),
        "lead_share": column("lead_share", 0.0, np.float64),
        "n_works": column("n_works", 0, np.int64),
        "enterprise_patents": column("enterprise_patents", 0, np.int64),
        "n_recent": column("n_recent", 0, np.float64),
        "org": _codes(active["org_id"]),
        "country": _codes(active["country"]),
    }


_KEPT_SIDES: Kept[_Side] = Kept(size=1)


def _candidate_side(
    store: Store, cur: duckdb.DuckDBPyConnection, params: dict[str, Any], *, default_pool: bool
) -> _Side:
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

    def compute() -> _Side:
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
) -> _Side:
    """Compute the candidates' side as temp tables of ``cur``; with ``keep``, also copy
    :data:`_POOL_STATE` out of DuckDB into the returned side."""
    _run(cur, _BASE_SQL, {})
    _run(cur, _PEOPLE_DEFAULT_SQL if default_pool else _PEOPLE_POOL_SQL, {})
    for sql in (_ROWS_SQL, _AUTHOR_SQL, _AUTHOR_ORGS_SQL, _PINV_SQL, _PATENT_SQL):
        _run(cur, sql, params)
    _run(cur, _POOL_ORG_SQL, params)
    _run(cur, _KEYS_SQL, params)
    _run(cur, _CAND_SQL, params | {"default_pool": default_pool})
    _run(cur, _DOCS_SQL, params)
    _run(cur, _TEXT_MODEL_SQL, {})
    active = owned_copy(cur.sql("SELECT * FROM _rp_active ORDER BY pos").to_arrow_table())
    n_terms = int(cur.execute("SELECT count(*) FROM _rp_idf").fetchall()[0][0])
    postings = _Postings.read(cur, n_terms, active.num_rows)
    cur.execute("DROP TABLE IF EXISTS _rp_ctw")
    tables = (
        {
            name: owned_copy(cur.sql(f"SELECT * FROM {name}").to_arrow_table())  # noqa: S608
            for name in _POOL_STATE
        }
        if keep
        else None
    )
    return _Side(active, postings, _features(active), tables)


# -- the decision ------------------------------------------------------------------------------
def _rule(params: dict[str, object]) -> Rule:
    return Rule(
        name="review_panel",
        statement="Candidates with a conflict of interest with an applicant are excluded: "
        "the applicants themselves, a shared current organisation, a co-authored work or a "
        "co-invented patent within the last coi_years years before the reference year, or a "
        "current organisation in a project consortium with an applicant organisation. The "
        "remaining active candidates (≥ min_recent_works works/patents in the last "
        "recent_years years) are scored by a weighted mean of the TF-IDF cosine between the "
        "project text and their recent titles and abstracts, the Jaccard overlap of topics "
        "and concepts, and log-scaled recent activity; the panel maximises the total match "
        "subject to the role counts, one role per person, max_per_org per organisation and "
        "max_per_country per country (integer programme, HiGHS).",
        parameters=params,
        references=(
            "Salton & Buckley 1988, doi:10.1016/0306-4573(88)90021-0",
            "Hettich & Pazzani 2006, KDD '06, doi:10.1145/1150402.1150506",
            "Wang, Chen & Miao 2008, A survey on reviewer assignment problem, IEA/AIE",
            "Huangfu & Hall 2018, Math. Prog. Comp. 10 (HiGHS)",
        ),
    )


def review_panel(
    store: Store,
    *,
    applicants: Sequence[str] | str,
    text: str | None = None,
    topics: Sequence[str] | None = None,
    concepts: Sequence[str] | None = None,
    size: int = 5,
    roles: Mapping[str, int] | None = None,
    coi_years: int = 5,
    max_per_org: int | None = 1,
    max_per_country: int | None = None,
    pool: pa.Table | str | Path | None = None,
    exclude: Collection[str] = (),
    min_recent_works: int = 1,
    recent_years: int = 5,
    time_limit: float = 10.0,
    weights: Mapping[str, float] | None = None,
    senior_career_years: int = 10,
    senior_lead_share: float = 0.5,
    link_inventors: str = "name",
    method: str = "milp",
    top: int = 50,
) -> DecisionResult:
    r"""Propose a conflict-free review panel for a project (see the module docstring; C9).

    Parameters
    ----------
    store : Store
        The store (authorships; patents, projects and resolved organisations when present).
    applicants : str or sequence of str
        Author, inventor and/or organisation ids of the project's applicants.
    text : str, optional
        The project description; default: the names of ``topics`` and ``concepts``.
    topics, concepts : sequence of str, optional
        OpenAlex topic / concept ids (or URLs, or names) describing the project.
    size : int, default 5
        Panel size.
    roles : mapping, optional
        Seats per role (:data:`ROLES`), e.g. ``{"enterprise_lead": 1, "academic": 2}``; the
        remaining seats are ``member``.
    coi_years : int, default 5
        Co-authorships, co-inventions and projects in :math:`[Y - \text{coi\_years}, Y]` count.
    max_per_org, max_per_country : int or None
        At most this many members per main organisation / country (None: no cap).
    pool : pyarrow.Table or path, optional
        Candidates (``author_id``, optional ``name``, ``org``, ``country``, ``type``,
        ``expertise``, ``inventor_id``); default every author of the store.
    exclude : collection of str
        Candidate ids excluded on request.
    min_recent_works, recent_years : int
        Activity needed to sit: works + patents in the last ``recent_years`` years (also the
        period whose texts and topics describe a candidate).
    time_limit : float, default 10
        Seconds given to HiGHS.
    weights : mapping, optional
        Weights of ``text``, ``topics``, ``activity`` (:data:`DEFAULT_WEIGHTS`).
    senior_career_years, senior_lead_share
        Seniority thresholds of ``enterprise_lead``.
    link_inventors : {"name", "none"}, default "name"
        Link authors to inventor ids by normalised name and country.
    method : {"milp", "greedy"}, default "milp"
    top : int, default 50
        Candidates listed in ``evidence["ranking"]``.

    Returns
    -------
    DecisionResult
        ``table``: :data:`PANEL_SCHEMA`; ``evidence["excluded"]``: :data:`EXCLUDED_SCHEMA`;
        ``evidence["ranking"]``: :data:`RANKING_SCHEMA`; ``evidence["applicants"]``:
        :data:`APPLICANT_SCHEMA`.

    Raises
    ------
    InputError
        Bad parameters, no project description, no applicant found in the store.
    InfeasibleError
        No panel satisfies the roles and caps; the message names the binding constraint.
    StoreError
        A query failed.
    """
    return _review_panel(
        store,
        applicants=applicants,
        text=text,
        topics=topics,
        concepts=concepts,
        size=size,
        roles=roles,
        coi_years=coi_years,
        max_per_org=max_per_org,
        max_per_country=max_per_country,
        pool=pool,
        exclude=exclude,
        min_recent_works=min_recent_works,
        recent_years=recent_years,
        time_limit=time_limit,
        weights=weights,
        senior_career_years=senior_career_years,
        senior_lead_share=senior_lead_share,
        link_inventors=link_inventors,
        method=method,
        top=top,
        timings=None,
    )


def _check_int(name: str, value: Any, low: int, *, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InputError(f"{name}={value!r} must be an integer ≥ {low}")


def _review_panel(
    store: Store,
    *,
    applicants: Sequence[str] | str,
    text: str | None,
    topics: Sequence[str] | None,
    concepts: Sequence[str] | None,
    size: int,
    roles: Mapping[str, int] | None,
    coi_years: int,
    max_per_org: int | None,
    max_per_country: int | None,
    pool: pa.Table | str | Path | None,
    exclude: Collection[str],
    min_recent_works: int,
    recent_years: int,
    time_limit: float,
    weights: Mapping[str, float] | None,
    senior_career_years: int,
    senior_lead_share: float,
    link_inventors: str,
    method: str,
    top: int,
    timings: dict[str, float] | None,
) -> DecisionResult:
    t_start = time.perf_counter()
    _check_int("size", size, 1)
    _check_int("coi_years", coi_years, 0)
    _check_int("max_per_org", max_per_org, 1, allow_none=True)
    _check_int("max_per_country", max_per_country, 1, allow_none=True)
    _check_int("min_recent_works", min_recent_works, 0)
    _check_int("recent_years", recent_years, 1)
    _check_int("senior_career_years", senior_career_years, 0)
    _check_int("top", top, 1)
    if not 0.0 <= float(senior_lead_share) <= 1.0:
        raise InputError(f"senior_lead_share={senior_lead_share} must be in [0, 1]")
    if not time_limit or time_limit <= 0:
        raise InputError(f"time_limit={time_limit} must be positive")
    if link_inventors not in ("name", "none"):
        raise InputError(f"link_inventors={link_inventors!r} must be 'name' or 'none'")
    if method not in ("milp", "greedy"):
        raise InputError(f"method={method!r} must be 'milp' or 'greedy'")
    app_ids = _ids(applicants, "applicants")
    if not app_ids:
        raise InputError("applicants is empty: give the author or organisation ids of the project")
    topic_in, concept_in = _ids(topics, "topics"), _ids(concepts, "concepts")
    if not (text and text.strip()) and not topic_in and not concept_in:
        raise InputError("describe the project: give text, topics or concepts")
    seats = _check_roles(roles, size)
    w = check_weights(weights, DEFAULT_WEIGHTS)
    pool_tbl = _read_pool(pool)
    excl_ids = _ids(exclude, "exclude")
    caveats: list[str] = []

    with store.query_cursor("review panel") as cur:
        synthetic = is_synthetic(cur)
        y = cur.execute(
            "SELECT greatest((SELECT max(year) FROM works), "
            "(SELECT max(coalesce(year, year(grant_date))) FROM patents))"
        ).fetchall()[0][0]
        if y is None:
            raise InputError("the store holds no dated works or patents: nothing to draw from")
        y = int(y)
        pool_in = (
            pool_tbl
            if pool_tbl is not None
            else pa.table({c: pa.array([], pa.string()) for c in _POOL_COLUMNS})
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
            ("_rp_stop", pa.table({"tok": pa.array(sorted(STOP_WORDS), pa.string())})),
        ):
            cur.register(name, tbl)
        p_all = {
            "y": y,
            "recent": recent_years,
            "coi": coi_years,
            "link": link_inventors == "name",
            "homonyms": MAX_HOMONYMS,
        }
        side = _candidate_side(
            store,
            cur,
            p_all | {"min_recent": min_recent_works},
            default_pool=pool_tbl is None,
        )
        n_active = side.active.num_rows
        t_prep = time.perf_counter()

        # applicants and conflicts of interest
        _run(cur, _APPLICANT_SQL, {})
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
        if unknown_apps:
            caveats.append(
                f"Applicant id(s) not found in the store (no conflicts checked for them): "
                f"{', '.join(unknown_apps)}."
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
        cur.execute(_COI_SQL, {"y": y, "coi": coi_years})
        t_coi = time.perf_counter()

        # scoring
        t_items, t_unknown = _resolve_items(cur, topic_in, "topic")
        c_items, c_unknown = _resolve_items(cur, concept_in, "concept")
        if t_unknown or c_unknown:
            caveats.append(
                "Not found in the store (used as query words only): "
                f"{', '.join([*t_unknown, *c_unknown])}."
            )
        query = (
            text.strip()
            if text and text.strip()
            else " ".join([n for _, n in t_items] + [n for _, n in c_items] + t_unknown + c_unknown)
        )
        p_items = [f"T:{i}" for i, _ in t_items] + [f"C:{i}" for i, _ in c_items]
        cur.register("_rp_pitems", pa.table({"item": pa.array(p_items, pa.string())}))
        w_used = dict(w)
        if not p_items:
            w_used["topics"] = 0.0
        w_sum = sum(w_used.values())
        if w_sum <= 0:
            raise InputError(
                f"weights {w} leave nothing to score: the project has no topics or concepts"
            )
        # the scores of every active candidate (by position: _rp_active is ordered by id)
        active = side.active
        n_act = active.num_rows
        q_rows = cur.execute(_QUERY_SQL, {"q": query}).fetchall()
        q_codes = np.asarray([r[0] for r in q_rows], np.int64)
        q_terms = [str(r[1]) for r in q_rows]
        q_w = np.asarray([r[2] for r in q_rows], np.float64)
        text_sim = side.postings.cosine(q_codes, q_w)
        topic: np.ndarray | None = None
        if p_items:
            tp = cur.execute(
                _TOPICS_SQL, {"use_topics": bool(t_items), "use_concepts": bool(c_items)}
            ).fetchnumpy()
            inter = np.asarray(tp["inter"], np.float64)
            topic = np.zeros(n_act)
            topic[np.asarray(tp["pos"], np.int64)] = inter / (
                np.asarray(tp["n_items"], np.float64) + len(p_items) - inter
            )
        n_recent = side.features["n_recent"]
        top_recent = float(n_recent.max()) if n_act else 0.0
        activity = (
            np.log(1.0 + n_recent) / np.log(1.0 + top_recent) if top_recent > 0 else n_recent * 0.0
        )
        match_pos = (
            w_used["text"] * text_sim
            + w_used["topics"] * (topic if topic is not None else 0.0)
            + w_used["activity"] * activity
        ) / w_sum
        rule_rows = cur.execute(_RULES_SQL).fetchall()
        conflicted_pos = np.asarray([r[0] for r in rule_rows], np.int64)
        cur.register(
            "_rp_score",
            pa.table(
                {
                    "cid": active["cid"].take(conflicted_pos),
                    "match": pa.array(match_pos[conflicted_pos], pa.float64()),
                }
            ),
        )
        excluded = cur.sql(
            _EXCLUDED_SQL, params={"y": y, "coi": coi_years, "min_recent": min_recent_works}
        ).to_arrow_table()
        n_pool, n_inactive = cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE n_recent < $m) FROM _rp_cand",
            {"m": min_recent_works},
        ).fetchall()[0]
        link_stats = cur.execute(
            "SELECT count(DISTINCT cid) FILTER (WHERE method = 'name') FROM _rp_pinv"
        ).fetchall()[0][0]
        resolved = bool(cur.execute("SELECT count(*) FROM org_aliases").fetchall()[0][0])
    t_score = time.perf_counter()

    # -- selection ---------------------------------------------------------------------------
    # row i of the arrays below is the active candidate order[i]: by match, then id
    order = np.lexsort((np.arange(n_act), -match_pos))
    rank_of = np.empty(n_act, np.int64)
    rank_of[order] = np.arange(n_act)

    feat = side.features
    cand = {
        k: feat[k][order]
        for k in ("type", "career_age", "lead_share", "n_works", "enterprise_patents")
    }
    match = match_pos[order]
    conflicted = np.zeros(n_act, bool)
    conflicted[rank_of[conflicted_pos]] = True
    rules_of: defaultdict[int, list[str]] = defaultdict(list)
    rules_of.update((int(rank_of[p]), list(r)) for p, r in rule_rows)
    role_names = list(seats)
    need = np.asarray([seats[r] for r in role_names], np.int64)
    elig_all, _senior = _role_matrix(cand, role_names, senior_career_years, senior_lead_share)
    elig = elig_all & ~conflicted[:, None]
    org_codes = feat["org"][order]
    cty_codes = feat["country"][order]
    params: dict[str, object] = {
        "applicants": app_ids,
        "size": size,
        "roles": seats,
        "coi_years": coi_years,
        "reference_year": y,
        "coi_window": [y - coi_years, y],
        "max_per_org": max_per_org,
        "max_per_country": max_per_country,
        "pool": "store authors" if pool_tbl is None else f"{pool_in.num_rows} given candidates",
        "exclude": excl_ids,
        "min_recent_works": min_recent_works,
        "recent_years": recent_years,
        "recent_window": [y - recent_years + 1, y],
        "weights": w_used,
        "text_model": "TF-IDF (1 + ln tf)·(ln((1 + N)/(1 + df)) + 1), cosine",
        "topics": [i for i, _ in t_items],
        "concepts": [i for i, _ in c_items],
        "concept_min_score": 0.3,
        "senior_career_years": senior_career_years,
        "senior_lead_share": senior_lead_share,
        "link_inventors": link_inventors,
        "method": method,
        "time_limit": time_limit,
    }

    def infeasible() -> InfeasibleError:
        msg = _explain(
            role_names,
            need,
            elig,
            elig_all & conflicted[:, None],
            rules_of,
            org_codes,
            cty_codes,
            max_per_org,
            max_per_country,
            int(n_inactive),
            params,
        )
        return InfeasibleError(f"no review panel can be formed: {msg}")

    # quick counting checks first: they explain most infeasible requests without solving
    for r in range(len(role_names)):
        if elig[:, r].sum() < need[r]:
            raise infeasible()
    keep = _prune(elig, match, org_codes, cty_codes, size)
    status = "greedy (requested)"
    chosen: list[tuple[int, int]] | None
    if method == "greedy":
        chosen = _greedy(elig, match, need, org_codes, cty_codes, max_per_org, max_per_country)
        method_used = "greedy"
        if chosen is None:
            raise InfeasibleError(
                "the greedy heuristic could not fill every seat under the caps; "
                "retry with method='milp' (which also explains an infeasible request)"
            )
    else:
        chosen, status, _obj = _milp_solve(
            keep, match, need, org_codes, cty_codes, max_per_org, max_per_country, time_limit
        )
        method_used = "milp" if status == "optimal" else f"milp ({status})"
        if chosen is None:
            if status == "infeasible":
                raise infeasible()
            chosen = _greedy(elig, match, need, org_codes, cty_codes, max_per_org, max_per_country)
            method_used = f"greedy (fallback: MILP {status})"
            if chosen is None:
                raise infeasible()
    t_solve = time.perf_counter()
    objective = float(sum(match[c] for c, _ in chosen))
    params |= {
        "method_used": method_used,
        "solver_status": status,
        "objective": round(objective, 9),
        "variables": int(keep.sum()) if method != "greedy" else None,
    }
    if timings is not None:
        timings.update(
            prepare=t_prep - t_start,
            coi=t_coi - t_prep,
            scoring=t_score - t_coi,
            solve=t_solve - t_score,
            total=t_solve - t_start,
        )

    # -- outputs -----------------------------------------------------------------------------
    role_order = {r: i for i, r in enumerate(role_names)}
    chosen.sort(key=lambda cr: (role_order[role_names[cr[1]]], -match[cr[0]], order[cr[0]]))
    role_of = {c: role_names[r] for c, r in chosen}
    n_rank = min(top, len(match))
    rank_idx = list(range(n_rank))
    # only the rows shown (members and the ranking) are read into Python: cols[name][row]
    shown_rows = sorted({c for c, _ in chosen} | set(rank_idx))
    shown_pos = order[shown_rows]
    sub = active.take(shown_pos)
    cols = {
        name: dict(zip(shown_rows, sub[name].to_pylist(), strict=True)) for name in sub.column_names
    }
    for name, values in (
        ("lead_share", cand["lead_share"]),
        ("text_similarity", text_sim[order]),
        ("topic_overlap", topic[order] if topic is not None else np.full(n_act, None)),
        ("activity", activity[order]),
        ("match", match),
    ):
        cols[name] = {i: (None if values[i] is None else float(values[i])) for i in shown_rows}
    cols["terms"] = {
        i: side.postings.shared_terms(int(order[i]), q_codes, q_terms, q_w) for i, _ in chosen
    }
    lo_r = y - recent_years + 1

    def role_reason(i: int, role: str) -> str:
        org = cols["org_name"][i] or cols["org_id"][i] or "no organisation"
        ca = cols["career_age"][i]
        if role == "enterprise_lead":
            senior = (
                f"career age {ca}"
                if ca is not None and ca >= senior_career_years
                else f"last/corresponding-author share {cols['lead_share'][i]:.2f}"
            )
            return f"enterprise lead: enterprise ({org}), senior ({senior})"
        if role == "academic":
            return f"academic: university ({org})"
        if role == "industry_expert":
            return f"industry expert: {cols['type'][i]} ({org})"
        if role == "chief_engineer":
            return (
                f"chief engineer: inventor on {cols['enterprise_patents'][i]} enterprise patent(s)"
            )
        return f"member: {cols['type'][i] or 'unknown type'} ({org})"

    def reasons(i: int, role: str) -> str:
        terms = cols["terms"][i] or []
        topic = cols["topic_overlap"][i]
        parts = [
            role_reason(i, role),
            f"match {cols['match'][i]:.3f}",
            f"text cosine {cols['text_similarity'][i]:.3f}"
            + (f" (shared terms: {', '.join(terms)})" if terms else ""),
        ]
        if topic is not None:
            parts.append(f"topic/concept Jaccard {topic:.3f}")
        parts.append(
            f"activity {cols['activity'][i]:.3f} ({cols['n_recent'][i]} works/patents {lo_r}–{y})"
        )
        parts.append("no conflict of interest with the applicants found in the store")
        return "; ".join(parts)

    idx = [c for c, _ in chosen]
    table = pa.table(
        {
            "role": pa.array([role_names[r] for _, r in chosen], pa.string()),
            "author_id": pa.array([cols["cid"][i] for i in idx], pa.string()),
            "name": pa.array([cols["name"][i] for i in idx], pa.string()),
            "org_id": pa.array([cols["org_id"][i] for i in idx], pa.string()),
            "org": pa.array([cols["org_name"][i] for i in idx], pa.string()),
            "country": pa.array([cols["country"][i] for i in idx], pa.string()),
            "type": pa.array([cols["type"][i] for i in idx], pa.string()),
            "match": pa.array([cols["match"][i] for i in idx], pa.float64()),
            "text_similarity": pa.array([cols["text_similarity"][i] for i in idx], pa.float64()),
            "topic_overlap": pa.array([cols["topic_overlap"][i] for i in idx], pa.float64()),
            "activity": pa.array([cols["activity"][i] for i in idx], pa.float64()),
            "recent_outputs": pa.array([cols["n_recent"][i] for i in idx], pa.int64()),
            "reasons": pa.array([reasons(c, role_names[r]) for c, r in chosen], pa.string()),
        },
        schema=PANEL_SCHEMA,
    )
    shown = [r for r in ROLES if r != "member"]
    elig_shown, _ = _role_matrix(cand, shown, senior_career_years, senior_lead_share)

    def status_of(i: int) -> str:
        if i in role_of:
            return f"selected: {role_of[i]}"
        if rules_of[i]:
            return "excluded: " + ", ".join(rules_of[i])
        if not elig_all[i].any():
            return "not eligible for any requested role"
        return "eligible"

    ranking = pa.table(
        {
            "rank": pa.array([i + 1 for i in rank_idx], pa.int64()),
            "author_id": pa.array([cols["cid"][i] for i in rank_idx], pa.string()),
            "name": pa.array([cols["name"][i] for i in rank_idx], pa.string()),
            "org_id": pa.array([cols["org_id"][i] for i in rank_idx], pa.string()),
            "org": pa.array([cols["org_name"][i] for i in rank_idx], pa.string()),
            "country": pa.array([cols["country"][i] for i in rank_idx], pa.string()),
            "type": pa.array([cols["type"][i] for i in rank_idx], pa.string()),
            "match": pa.array([cols["match"][i] for i in rank_idx], pa.float64()),
            "text_similarity": pa.array(
                [cols["text_similarity"][i] for i in rank_idx], pa.float64()
            ),
            "topic_overlap": pa.array([cols["topic_overlap"][i] for i in rank_idx], pa.float64()),
            "activity": pa.array([cols["activity"][i] for i in rank_idx], pa.float64()),
            "recent_outputs": pa.array([cols["n_recent"][i] for i in rank_idx], pa.int64()),
            "career_age": pa.array([cols["career_age"][i] for i in rank_idx], pa.int32()),
            "roles": pa.array(
                [[shown[r] for r in np.flatnonzero(elig_shown[i])] for i in rank_idx],
                pa.list_(pa.string()),
            ),
            "eligible": pa.array([bool(elig[i].any()) for i in rank_idx], pa.bool_()),
            "status": pa.array([status_of(i) for i in rank_idx], pa.string()),
        },
        schema=RANKING_SCHEMA,
    )
    excluded = excluded.select(EXCLUDED_SCHEMA.names).cast(EXCLUDED_SCHEMA)

    result = DecisionResult(
        name="review_panel",
        table=table,
        rule=_rule(params),
        evidence={"excluded": excluded, "ranking": ranking, "applicants": applicants_tbl},
        caveats=caveats,
        synthetic=synthetic,
    )
    n_excl = len(set(excluded["author_id"].to_pylist()))
    result.warn(
        f"{n_pool} candidates in the pool, {n_active} active (≥ {min_recent_works} works/"
        f"patents in {lo_r}–{y}), {n_excl} excluded for a conflict of interest."
    )
    result.warn(
        "Conflicts are those the store can show: co-authorships, co-inventions, shared "
        "affiliations and project consortia in its records. Supervision, family, competition, "
        "editorial or financial ties, and records outside the store, are not seen; ask the "
        "panel members to declare their interests."
    )
    result.warn(
        "People are the sources' ids (OpenAlex author disambiguation, PatentsView inventor "
        "disambiguation): one person split over several ids escapes the checks under the "
        "other id."
    )
    if link_inventors == "name" and link_stats:
        result.warn(
            f"{link_stats} candidate(s) or applicant(s) are linked to patent inventors by name "
            "(and country): a homonym link can add a spurious conflict or chief_engineer "
            "qualification; pass inventor_id in the pool, or link_inventors='none', to control it."
        )
    if not resolved:
        result.warn(
            "Organisations are not resolved in this store: affiliations are the OpenAlex "
            "institution ids, so two ids of one organisation are not seen as the same."
        )
    if method_used.startswith("greedy"):
        result.warn(
            f"The panel comes from the greedy heuristic ({method_used}); it is feasible but "
            "not proven optimal."
        )
    elif method_used != "milp":
        result.warn(f"The MILP stopped early ({status}): the panel may not be optimal.")
    if synthetic:
        result.warn("SYNTHETIC DATA: the candidates and their records are generated.")
    return result
