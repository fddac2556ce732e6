"""The SQL of the technology watch (:mod:`forcemap.decide.watch`): the records of every unit,
the specificity of concepts, the coherence of an entry's documents, the component values, the
percentile scores and the evidence per entry. Literal statements with ``$parameters``; the
dictionaries are allow-lists keyed by unit (``concept``, ``topic``, ``cpc_group``).

A patent record is a **family** by default: ``_tw_pfam`` (patent_id, unit_id) is the shared
counting unit of :func:`forcemap.store.patent_resolution.patent_unit_sql` (``patent_unit``
family or patent), a family is dated by its first grant year (``_tw_fy``, as the emergence
score does), its countries and holders are those of its members, and citations are counted
between families (``_tw_prefs``: one link per citing and cited family)."""

from __future__ import annotations

# The patent counting unit and what is read through it ({units}: patent_unit_sql).
PATENT_FAMILY_SQL = """
CREATE OR REPLACE TEMP TABLE _tw_pfam AS {units};
CREATE OR REPLACE TEMP TABLE _tw_fy AS
SELECT f.unit_id AS record_id, min(coalesce(p.year, year(p.grant_date)))::INTEGER AS year
FROM _tw_pfam AS f JOIN patents AS p USING (patent_id) GROUP BY 1;
CREATE OR REPLACE TEMP TABLE _tw_pents AS SELECT DISTINCT unit_id AS patent_id FROM _tw_pfam;
CREATE OR REPLACE TEMP TABLE _tw_prefs AS
SELECT DISTINCT g.unit_id AS citing_id, c.unit_id AS cited_id
FROM patent_citations AS r JOIN _tw_pfam AS g ON g.patent_id = r.citing_id
JOIN _tw_pfam AS c ON c.patent_id = r.cited_id
WHERE g.unit_id <> c.unit_id
"""

# Per-patent indicators read per family: a family's CD_5 is that of its first granted member
# with a defined one (ties: the smallest id); its sleeping-beauty row that of its member with
# the largest B; its title its smallest member's.
PATENT_FAMILY_VALUES_SQL = """
CREATE OR REPLACE TEMP TABLE _tw_cd AS
SELECT f.unit_id AS id, d.cd, d.mcd
FROM _tw_cd_patent AS d JOIN _tw_pfam AS f ON f.patent_id = d.id
LEFT JOIN (SELECT patent_id, min(coalesce(year, year(grant_date))) AS y FROM patents
           GROUP BY 1) AS p ON p.patent_id = d.id
QUALIFY row_number() OVER (PARTITION BY f.unit_id
                           ORDER BY d.cd IS NULL, p.y NULLS LAST, d.id) = 1;
CREATE OR REPLACE TEMP TABLE _tw_sb AS
SELECT f.unit_id AS id, s.year, s.b, s.t_a, s.awakening_year, s.citations
FROM _tw_sb_patent AS s JOIN _tw_pfam AS f ON f.patent_id = s.id
QUALIFY row_number() OVER (PARTITION BY f.unit_id ORDER BY s.b DESC NULLS LAST, s.id) = 1
"""

# Every record of every unit in the store (record_id, unit_id, year), by unit (allow-list);
# the definitions of emergence_score.
ALL_SQL = {
    "concept": """
CREATE OR REPLACE TEMP TABLE _tw_all AS
SELECT DISTINCT c.work_id AS record_id, c.concept_id AS unit_id, w.year::INTEGER AS year
FROM work_concepts AS c JOIN works AS w USING (work_id)
WHERE w.year IS NOT NULL AND coalesce(c.score, 0) >= $min_score
""",
    "topic": """
CREATE OR REPLACE TEMP TABLE _tw_all AS
SELECT DISTINCT t.work_id AS record_id, t.topic_id AS unit_id, w.year::INTEGER AS year
FROM work_topics AS t JOIN works AS w USING (work_id) WHERE w.year IS NOT NULL
""",
    "cpc_group": """
CREATE OR REPLACE TEMP TABLE _tw_all AS
SELECT DISTINCT f.unit_id AS record_id, c.cpc_group AS unit_id, y.year
FROM patent_cpc AS c JOIN _tw_pfam AS f USING (patent_id)
JOIN _tw_fy AS y ON y.record_id = f.unit_id
WHERE c.cpc_group IS NOT NULL AND y.year IS NOT NULL
""",
}

# The scope's records with a year in the window (the documents the bootstrap resamples).
DOCS_SQL = {
    "works": """
CREATE OR REPLACE TEMP TABLE _tw_docs AS
SELECT work_id AS record_id, min(year)::INTEGER AS year FROM works
WHERE year BETWEEN $y0 AND $y1 {scope} GROUP BY 1
""",
    "patents": """
CREATE OR REPLACE TEMP TABLE _tw_docs AS
SELECT record_id, year FROM _tw_fy WHERE year BETWEEN $y0 AND $y1 {scope}
""",
}

# Store-wide yearly volume and the latest date (incomplete years, partial_years).
VOLUME_SQL = {
    "works": "SELECT year::INTEGER, count(DISTINCT work_id) FROM works WHERE year IS NOT NULL "
    "GROUP BY 1",
    "patents": "SELECT y, count(*) FROM (SELECT f.unit_id, min(coalesce(p.year, "
    "year(p.grant_date)))::INTEGER AS y FROM patents AS p JOIN ({units}) AS f USING (patent_id) "
    "GROUP BY 1) WHERE y IS NOT NULL GROUP BY 1",
}
LAST_DATE_SQL = {
    "works": "SELECT max(pub_date) FROM works",
    "patents": "SELECT max(grant_date) FROM patents",
}

# Specificity of each unit with window records: concept level, the store's works carrying
# it (document frequency) and the share of its window works in their most common level-0
# field (a work's field: its level-0 concept of highest score, as impact.assign_field).
SPEC_SQL = {
    "concept": """
CREATE OR REPLACE TEMP TABLE _tw_spec AS
WITH lvl AS (SELECT concept_id AS unit_id, min(level)::INTEGER AS level
             FROM work_concepts GROUP BY 1),
df AS (SELECT unit_id, count(DISTINCT record_id) AS store_docs FROM _tw_all
       WHERE unit_id IN (SELECT unit_id FROM _tw_win) GROUP BY 1),
f0 AS (SELECT work_id AS record_id, arg_max(concept_id, score) AS field
       FROM work_concepts WHERE level = 0 GROUP BY 1),
fw AS (SELECT w.unit_id, f0.field, count(DISTINCT w.record_id) AS n
       FROM _tw_win AS w JOIN f0 USING (record_id) GROUP BY ALL),
fs AS (SELECT unit_id, max(n) / sum(n) AS field_share FROM fw GROUP BY 1)
SELECT df.unit_id, lvl.level, df.store_docs, df.store_docs / $n_store AS doc_share,
       fs.field_share,
       nullif(concat_ws('; ',
           CASE WHEN lvl.level < $min_level
                THEN 'concept level ' || lvl.level || ' < ' || $min_level END,
           CASE WHEN df.store_docs / $n_store > $max_df
                THEN 'in ' || round(100 * df.store_docs / $n_store, 1) || ' % of the store''s '
                     || 'works > ' || round(100 * $max_df, 2) || ' %' END,
           CASE WHEN fs.field_share < $min_fs
                THEN 'spread across fields: ' || round(100 * fs.field_share) || ' % in its main '
                     || 'level-0 field < ' || round(100 * $min_fs) || ' %' END), '') AS generic
FROM df LEFT JOIN lvl USING (unit_id) LEFT JOIN fs USING (unit_id)
""",
    "other": """
CREATE OR REPLACE TEMP TABLE _tw_spec AS
SELECT unit_id, NULL::INTEGER AS level, count(DISTINCT record_id) AS store_docs,
       count(DISTINCT record_id) / $n_store AS doc_share, NULL::DOUBLE AS field_share,
       NULL::VARCHAR AS generic
FROM _tw_all WHERE unit_id IN (SELECT unit_id FROM _tw_win) GROUP BY 1
""",
}

# Coherence: of a unit's window records with an in-store citation link (either direction,
# to any record of the store), those linked to another record of the unit (any year).
COHERENCE_SQL = """
CREATE OR REPLACE TEMP TABLE _tw_coh AS
WITH ids AS (SELECT DISTINCT record_id FROM _tw_all UNION SELECT record_id FROM _tw_docs),
l AS (
    SELECT r.citing_id AS a, r.cited_id AS b FROM {refs} AS r
    WHERE r.citing_id <> r.cited_id
      AND r.citing_id IN (SELECT {key} FROM {entity}) AND r.cited_id IN (SELECT {key} FROM {entity})
), links AS (SELECT a, b FROM l UNION SELECT b, a FROM l),
has AS (SELECT DISTINCT a AS record_id FROM links),
own AS (
    SELECT DISTINCT w.unit_id, w.record_id
    FROM _tw_win AS w JOIN links ON links.a = w.record_id
    JOIN _tw_rec AS o ON o.record_id = links.b AND o.unit_id = w.unit_id
)
SELECT w.unit_id, count(DISTINCT w.record_id) FILTER (WHERE h.record_id IS NOT NULL) AS with_links,
       count(DISTINCT own.record_id) AS linked
FROM _tw_win AS w
LEFT JOIN has AS h USING (record_id)
LEFT JOIN own ON own.unit_id = w.unit_id AND own.record_id = w.record_id
GROUP BY w.unit_id
"""

# Patents: a family's citing families over the mean of the store's families of the same
# first grant year.
PATENT_NCS_SQL = """
SELECT p.id, p.c / nullif(avg(p.c) OVER (PARTITION BY p.y), 0) AS ncs
FROM (SELECT y.record_id AS id, y.year AS y, coalesce(c.n, 0)::DOUBLE AS c
      FROM _tw_fy AS y LEFT JOIN _tw_cites AS c ON c.id = y.record_id
      WHERE y.year IS NOT NULL) AS p
"""

LAST_YEAR_SQL = {
    "works": "SELECT max(year) FROM works",
    "patents": "SELECT max(coalesce(year, year(grant_date))) FROM patents",
}

# Country weights of each window record: fractional over authorship countries (works) or the
# distinct assignee countries of a family's members (patents).
COUNTRY_SQL = {
    "works": """
CREATE OR REPLACE TEMP TABLE _tw_cw AS
WITH recs AS (SELECT DISTINCT record_id FROM _tw_win),
wc AS (
    SELECT a.work_id, a.author_seq, upper(coalesce(a.country_code, i.country_code)) AS country
    FROM authorships AS a JOIN recs ON recs.record_id = a.work_id
    LEFT JOIN (SELECT institution_id, any_value(country_code) AS country_code
               FROM institutions GROUP BY institution_id) AS i USING (institution_id)
), n_auth AS (
    SELECT work_id, count(DISTINCT author_seq) AS n FROM wc GROUP BY work_id
), du AS (
    SELECT DISTINCT work_id, author_seq, country FROM wc
    WHERE country IS NOT NULL AND country <> ''
), ku AS (
    SELECT *, count(*) OVER (PARTITION BY work_id, author_seq) AS k FROM du
)
SELECT ku.work_id AS record_id, ku.country, sum(1.0 / (n.n * ku.k)) AS w
FROM ku JOIN n_auth AS n USING (work_id) GROUP BY ALL
""",
    "patents": """
CREATE OR REPLACE TEMP TABLE _tw_cw AS
SELECT record_id, country, 1.0 / count(*) OVER (PARTITION BY record_id) AS w
FROM (SELECT DISTINCT f.unit_id AS record_id, upper(a.country_code) AS country
      FROM patent_assignees AS a JOIN _tw_pfam AS f USING (patent_id)
      JOIN (SELECT DISTINCT record_id FROM _tw_win) AS r ON r.record_id = f.unit_id
      WHERE a.country_code IS NOT NULL AND a.country_code <> '')
""",
}

# Fractional weight of each organisation on each window record (Waltman & van Eck 2015);
# ``org_aliases`` is read at the decision's org level (decide._scope.at_org_level).
ORG_SQL = {
    "works": """
CREATE OR REPLACE TEMP TABLE _tw_ow AS
WITH recs AS (SELECT DISTINCT record_id FROM _tw_win),
aut AS (
    SELECT a.work_id, a.author_seq, al.org_id
    FROM authorships AS a JOIN recs ON recs.record_id = a.work_id
    LEFT JOIN org_aliases AS al
           ON al.source = 'institution' AND al.source_id = a.institution_id
), na AS (SELECT work_id, count(DISTINCT author_seq) AS n FROM aut GROUP BY work_id),
nu AS (
    SELECT work_id, author_seq, count(DISTINCT org_id) AS m
    FROM aut WHERE org_id IS NOT NULL GROUP BY ALL
)
SELECT u.work_id AS record_id, u.org_id, sum(1.0 / (na.n * nu.m)) AS f
FROM (SELECT DISTINCT work_id, author_seq, org_id FROM aut WHERE org_id IS NOT NULL) AS u
JOIN na USING (work_id) JOIN nu USING (work_id, author_seq)
GROUP BY ALL
""",
    "patents": """
CREATE OR REPLACE TEMP TABLE _tw_ow AS
WITH asg AS (
    SELECT DISTINCT f.unit_id AS patent_id,
           coalesce(a.assignee_id, 'name:' || lower(trim(a.name))) AS akey, al.org_id
    FROM patent_assignees AS a JOIN _tw_pfam AS f USING (patent_id)
    JOIN (SELECT DISTINCT record_id FROM _tw_win) AS r ON r.record_id = f.unit_id
    LEFT JOIN org_aliases AS al ON al.source = 'assignee' AND al.source_id = a.assignee_id
    WHERE coalesce(a.assignee_id, a.name) IS NOT NULL
), np AS (SELECT patent_id, count(DISTINCT akey) AS n FROM asg GROUP BY patent_id)
SELECT a.patent_id AS record_id, a.org_id, count(DISTINCT a.akey) / any_value(np.n) AS f
FROM asg AS a JOIN np USING (patent_id)
WHERE a.org_id IS NOT NULL
GROUP BY ALL
""",
}

VALUES_SQL = """
CREATE OR REPLACE TEMP TABLE _tw_values AS
WITH cnt AS (
    SELECT unit_id, count(DISTINCT record_id) AS records,
           count(DISTINCT record_id) FILTER (WHERE year BETWEEN $gend - 8 AND $gend - 6) AS s0,
           count(DISTINCT record_id) FILTER (WHERE year BETWEEN $gend - 5 AND $gend - 3) AS s1,
           count(DISTINCT record_id) FILTER (WHERE year BETWEEN $gend - 2 AND $gend) AS s2
    FROM _tw_win GROUP BY unit_id
), dis AS (
    SELECT w.unit_id, count(d.cd) AS with_cd, count(*) FILTER (WHERE d.cd > $thr) AS disruptive
    FROM _tw_win AS w LEFT JOIN _tw_cd AS d ON d.id = w.record_id
    GROUP BY w.unit_id
), home AS (
    SELECT w.unit_id, sum(c.w) FILTER (WHERE c.country = $country) AS home, sum(c.w) AS total
    FROM _tw_win AS w JOIN _tw_cw AS c USING (record_id)
    GROUP BY w.unit_id
), first AS (
    SELECT unit_id, min(year)::INTEGER AS first_year FROM _tw_all GROUP BY unit_id
), imp AS (
    SELECT w.unit_id, avg(n.ncs) AS impact, count(n.ncs) AS with_impact
    FROM _tw_win AS w JOIN _tw_ncs AS n ON n.id = w.record_id GROUP BY w.unit_id
)
SELECT cnt.unit_id AS unit, coalesce(e.name, cnt.unit_id) AS name, e.escore,
       coalesce(e.qualified, false) AS qualified, e.reason, e.base_share, e.active_share,
       coh.linked / nullif(coh.with_links, 0) AS coherence, coalesce(coh.linked, 0) AS linked,
       coalesce(coh.with_links, 0) AS with_links, imp.impact,
       coalesce(imp.with_impact, 0) AS with_impact, sp.level, sp.doc_share, sp.field_share,
       pow((cnt.s2 + 1) / (cnt.s1 + 1), 1 / 3) - pow((cnt.s1 + 1) / (cnt.s0 + 1), 1 / 3)
           AS acceleration,
       dis.disruptive / nullif(dis.with_cd, 0) AS disruptive_share,
       first.first_year,
       CASE WHEN home.total > 0 THEN coalesce(home.home, 0.0) / home.total END AS home_share,
       cnt.records, [cnt.s0, cnt.s1, cnt.s2] AS volumes, dis.with_cd
FROM cnt
LEFT JOIN _tw_em AS e USING (unit_id)
LEFT JOIN dis USING (unit_id)
LEFT JOIN home USING (unit_id)
LEFT JOIN first USING (unit_id)
LEFT JOIN _tw_coh AS coh USING (unit_id)
LEFT JOIN imp USING (unit_id)
LEFT JOIN _tw_spec AS sp USING (unit_id)
WHERE cnt.records >= $min_records AND (NOT $qualified_only OR coalesce(e.qualified, false))
  AND sp.generic IS NULL
"""

# Percentile of each component among the units: values compared at 9 decimals (so float noise
# does not break ties), nulls rank lowest; a single unit gets 1 on a defined value.
PCT_TEMPLATE = """
CASE WHEN count(*) OVER () = 1 THEN (CASE WHEN {col} IS NULL THEN 0.0 ELSE 1.0 END)
     ELSE (rank() OVER (ORDER BY coalesce(round({col}::DOUBLE, 9), '-infinity'::DOUBLE)) - 1)
          / (count(*) OVER () - 1) END AS p_{key}"""

PCT_HEAD = "CREATE OR REPLACE TEMP TABLE _tw_pct AS SELECT *,"
PCT_TAIL = " FROM _tw_values"

SCORE_SQL = """
CREATE OR REPLACE TEMP TABLE _tw_scored AS
WITH s AS (
    SELECT *, ({weighted}) / $w_total AS score FROM _tw_pct
)
SELECT *, row_number() OVER (ORDER BY score DESC, escore DESC NULLS LAST, unit) AS rank
FROM s
"""

WORKS_EVIDENCE_SQL = {
    "works": "SELECT work_id AS id, any_value(title) AS title FROM works GROUP BY 1",
    "patents": "SELECT f.unit_id AS id, arg_min(p.title, p.patent_id) AS title FROM patents AS p "
    "JOIN _tw_pfam AS f USING (patent_id) GROUP BY 1",
}

EVIDENCE_SQL = """
CREATE OR REPLACE TEMP TABLE _tw_ev_works AS
WITH r AS (
    SELECT w.unit_id AS unit, w.record_id AS id, w.year, d.cd, d.mcd,
           coalesce(c.n, 0) AS citations
    FROM _tw_win AS w
    SEMI JOIN _tw_listed AS l ON l.unit = w.unit_id
    LEFT JOIN _tw_cd AS d ON d.id = w.record_id
    LEFT JOIN _tw_cites AS c ON c.id = w.record_id
)
SELECT * FROM (
    SELECT unit, row_number() OVER (PARTITION BY unit
                                    ORDER BY mcd DESC NULLS LAST, citations DESC, id) AS rank,
           id, year, cd, mcd, citations
    FROM r
) WHERE rank <= $per_unit;
CREATE OR REPLACE TEMP TABLE _tw_ev_orgs AS
WITH o AS (
    SELECT w.unit_id AS unit, ow.org_id, sum(ow.f) AS records
    FROM _tw_win AS w
    SEMI JOIN _tw_listed AS l ON l.unit = w.unit_id
    JOIN _tw_ow AS ow USING (record_id)
    GROUP BY ALL
), n AS (SELECT unit_id AS unit, count(DISTINCT record_id) AS n FROM _tw_win GROUP BY 1)
SELECT * FROM (
    SELECT o.unit, row_number() OVER (PARTITION BY o.unit ORDER BY o.records DESC, o.org_id)
               AS rank,
           o.org_id, org.name, org.type, org.country_code,
           coalesce(upper(org.country_code) = $country, false) AS is_home,
           o.records, o.records / n.n AS share
    FROM o JOIN n USING (unit)
    LEFT JOIN (SELECT org_id, any_value(name) AS name, any_value(type) AS type,
                      any_value(country_code) AS country_code
               FROM organizations GROUP BY org_id) AS org USING (org_id)
) WHERE rank <= $per_unit;
CREATE OR REPLACE TEMP TABLE _tw_ev_beauties AS
WITH r AS (
    SELECT DISTINCT s.unit_id AS unit, s.record_id AS id, b.year, b.b, b.t_a, b.awakening_year,
           b.citations
    FROM _tw_rec AS s
    SEMI JOIN _tw_listed AS l ON l.unit = s.unit_id
    JOIN _tw_sb AS b ON b.id = s.record_id
    WHERE b.b > 0
)
SELECT * FROM (
    SELECT unit, row_number() OVER (PARTITION BY unit ORDER BY b DESC, citations DESC, id)
               AS rank,
           id, year, b, t_a, awakening_year, citations
    FROM r
) WHERE rank <= $per_unit
"""
