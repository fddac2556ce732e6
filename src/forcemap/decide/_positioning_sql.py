"""The SQL of positioning (:mod:`forcemap.decide.positioning`): the countries of works and
patent families, the top documents of each unit and side, the side scores and the sides each
unit uses. Literal statements with ``$parameters`` over temporary tables of one cursor."""

from __future__ import annotations

WORK_COUNTRY_SQL = """
CREATE OR REPLACE TEMP TABLE _pos_wcountry AS
WITH wc AS (
    SELECT a.work_id, a.author_seq, coalesce(a.country_code, i.country_code) AS country
    FROM authorships AS a
    LEFT JOIN (SELECT institution_id, any_value(country_code) AS country_code
               FROM institutions GROUP BY institution_id) AS i USING (institution_id)
), n_auth AS (
    SELECT work_id, count(DISTINCT author_seq) AS n FROM wc GROUP BY work_id
), du AS (
    SELECT DISTINCT work_id, author_seq, country FROM wc WHERE country IS NOT NULL
), ku AS (
    SELECT *, count(*) OVER (PARTITION BY work_id, author_seq) AS k FROM du
)
SELECT ku.work_id AS doc, ku.country, sum(1.0 / (n.n * ku.k) ORDER BY ku.author_seq) AS w
FROM ku JOIN n_auth AS n USING (work_id) GROUP BY ku.work_id, ku.country
"""

# Patents are counted by family (``_pos_pfam``: patent_id -> unit_id, the shared counting
# unit of forcemap.store.patent_resolution): a family's countries are its patents' holders'.
PATENT_COUNTRY_SQL = """
CREATE OR REPLACE TEMP TABLE _pos_pcountry AS
SELECT doc, country_code AS country, 1.0 / count(*) OVER (PARTITION BY doc) AS w
FROM (SELECT DISTINCT f.unit_id AS doc, upper(a.country_code) AS country_code
      FROM patent_assignees AS a JOIN _pos_pfam AS f USING (patent_id)
      WHERE a.country_code IS NOT NULL AND a.country_code <> '')
"""

# Every document (work or patent) of a unit with a year and a top-10 % membership: its
# known-country weight (works: the share of its authorships with a known country; patents:
# 1 when a holder's country is known) and whether its year is incomplete in the store.
ALL_DOCS_SQL = """
CREATE OR REPLACE TEMP TABLE _pos_alldocs AS
WITH d AS (
    SELECT 'pub' AS side, u.unit, p.year, u.work_id AS doc, p.top10_frac AS top
    FROM (SELECT DISTINCT work_id, unit FROM _pos_work_units) AS u
    JOIN _pos_pct AS p USING (work_id)
    WHERE p.year IS NOT NULL AND p.top10_frac IS NOT NULL
    UNION ALL
    -- a family of the unit: its first grant year, high-value as its best patent
    SELECT 'tech', u.unit, min(h.year), f.unit_id, max(h.top)
    -- distinct: a patent matching an industry and its sub-technology is listed twice
    FROM (SELECT DISTINCT patent_id, unit FROM _pos_patent_units) AS u
    JOIN _pos_hv AS h USING (patent_id)
    JOIN _pos_pfam AS f USING (patent_id)
    WHERE h.year IS NOT NULL AND h.top IS NOT NULL
    GROUP BY u.unit, f.unit_id
), k AS (
    SELECT 'pub' AS side, doc, sum(w ORDER BY country) AS known FROM _pos_wcountry GROUP BY doc
    UNION ALL
    SELECT 'tech', doc, 1.0 FROM _pos_pcountry GROUP BY doc
)
SELECT d.*, coalesce(k.known, 0.0) AS known, q.year IS NOT NULL AS partial
FROM d LEFT JOIN k USING (side, doc)
LEFT JOIN _pos_partial AS q ON q.side = d.side AND q.year = d.year
"""

# Per document and country: the fractional country weight (authorship / assignee share).
DOCS_SQL = """
CREATE OR REPLACE TEMP TABLE _pos_docs AS
SELECT a.side, a.unit, a.year, a.top, c.country, c.w, a.doc, a.partial
FROM _pos_alldocs AS a
JOIN (SELECT 'pub' AS side, * FROM _pos_wcountry
      UNION ALL SELECT 'tech', * FROM _pos_pcountry) AS c USING (side, doc)
"""

# The three periods of each query below: the current window ('cur', every document: the
# level), the current window without incomplete years ('trend') and the previous window
# without them ('prev').
SIDE_SCORES_SQL = """
CREATE OR REPLACE TEMP TABLE _pos_scores AS
WITH d AS (
    SELECT *, 'cur' AS period FROM _pos_docs WHERE year BETWEEN $y0 AND $y1
    UNION ALL
    SELECT *, 'trend' FROM _pos_docs WHERE year BETWEEN $y0 AND $y1 AND NOT partial
    UNION ALL
    SELECT *, 'prev' FROM _pos_docs WHERE year BETWEEN $y0 - $window AND $y0 - 1 AND NOT partial
), win AS (
    SELECT side, unit, country, period,
           sum(w * top ORDER BY doc) AS top_x, sum(w ORDER BY doc) AS docs_x
    FROM d GROUP BY ALL
), world AS (
    SELECT side, unit, period, sum(top_x ORDER BY country) AS top_world FROM win GROUP BY ALL
)
SELECT win.*, world.top_world, win.top_x / nullif(world.top_world, 0) AS share
FROM win JOIN world USING (side, unit, period)
"""

# Which sides a unit's score uses in a period: enough world top documents and coverage.
USE_SQL = """
CREATE OR REPLACE TEMP TABLE _pos_use AS
WITH d AS (
    SELECT *, 'cur' AS period FROM _pos_alldocs WHERE year BETWEEN $y0 AND $y1
    UNION ALL
    SELECT *, 'trend' FROM _pos_alldocs WHERE year BETWEEN $y0 AND $y1 AND NOT partial
    UNION ALL
    SELECT *, 'prev' FROM _pos_alldocs WHERE year BETWEEN $y0 - $window AND $y0 - 1 AND NOT partial
), c AS (
    SELECT unit, period,
           sum(top * known ORDER BY doc) FILTER (WHERE side = 'pub') AS known_pub,
           sum(top ORDER BY doc) FILTER (WHERE side = 'pub') AS total_pub,
           sum(known ORDER BY doc) FILTER (WHERE side = 'tech') AS known_tech,
           (count(*) FILTER (WHERE side = 'tech'))::DOUBLE AS total_tech
    FROM d GROUP BY ALL
), w AS (
    SELECT unit, period,
           max(top_world) FILTER (WHERE side = 'pub') AS world_pub,
           max(top_world) FILTER (WHERE side = 'tech') AS world_tech
    FROM _pos_scores GROUP BY ALL
), x AS (
    SELECT c.unit, c.period, coalesce(known_pub, 0) AS known_pub,
           coalesce(total_pub, 0) AS total_pub, coalesce(known_tech, 0) AS known_tech,
           total_tech,
           coalesce(w.world_pub, 0) AS world_pub, coalesce(w.world_tech, 0) AS world_tech,
           known_pub / nullif(total_pub, 0) AS cov_pub,
           known_tech / nullif(total_tech, 0) AS cov_tech
    FROM c LEFT JOIN w USING (unit, period)
)
SELECT *,
       $wp > 0 AND world_pub > 0 AND world_pub >= $min_top
           AND coalesce(cov_pub, 0) >= $min_cov AS use_pub,
       $wt > 0 AND world_tech > 0 AND world_tech >= $min_top
           AND coalesce(cov_tech, 0) >= $min_cov AS use_tech
FROM x
"""
