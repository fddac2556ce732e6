"""The SQL of the citation-impact indicators (:mod:`forcemap.indicators.impact`): the field
definitions, the citation counts on the store's or the source's basis (with the windowed
``counts_by_year`` sums), the work-level impact, the zero-boundary reference sets, fractional
fields and the aggregation per unit. Literal statements with ``$parameters``; dictionaries
are allow-lists keyed by option."""

from __future__ import annotations

CONCEPT_FIELD_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_field AS
SELECT work_id, concept_id AS field_id
FROM work_concepts
WHERE level = $level
QUALIFY row_number() OVER (
    PARTITION BY work_id ORDER BY score DESC NULLS LAST, concept_id) = 1
"""

TOPIC_FIELD_SQL = {
    "topic_field": """
CREATE OR REPLACE TEMP VIEW _fm_field AS
SELECT work_id, field_id
FROM work_topics
QUALIFY row_number() OVER (
    PARTITION BY work_id
    ORDER BY coalesce(is_primary, false) DESC, score DESC NULLS LAST, topic_id) = 1
""",
    "topic_subfield": """
CREATE OR REPLACE TEMP VIEW _fm_field AS
SELECT work_id, subfield_id AS field_id
FROM work_topics
QUALIFY row_number() OVER (
    PARTITION BY work_id
    ORDER BY coalesce(is_primary, false) DESC, score DESC NULLS LAST, topic_id) = 1
""",
}

CITATIONS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_cit AS
WITH cites AS (
    SELECT r.cited_id AS work_id, count(DISTINCT r.citing_id) AS n
    FROM work_references AS r
    JOIN works AS cw ON cw.work_id = r.citing_id
    JOIN works AS fw ON fw.work_id = r.cited_id
    WHERE r.citing_id <> r.cited_id
      AND ($window IS NULL
           OR (cw.year <= fw.year + $window
               AND (cw.year > fw.year OR ($same_year AND cw.year = fw.year))))
    GROUP BY r.cited_id
), src AS ({source_window})
SELECT w.work_id, w.year::INTEGER AS year, w.type,
       CASE WHEN $source AND $window IS NULL THEN w.cited_by_count
            WHEN $source THEN s.n
            WHEN $window IS NOT NULL AND w.year IS NULL THEN NULL
            ELSE coalesce(c.n, 0) END::BIGINT AS citations,
       w.cited_by_count::BIGINT AS cited_by_count
FROM works AS w LEFT JOIN cites AS c USING (work_id) LEFT JOIN src AS s USING (work_id)
"""

#: The store table of the source's citations per year (OpenAlex ``counts_by_year``:
#: work_id, year, cited_by_count), read for windowed source counts where it exists.
COUNTS_BY_YEAR_TABLE = "work_counts_by_year"

# Windowed source counts: the sum of counts_by_year over the window's citing years, for works
# whose whole window lies inside the years the table covers (else NULL: unknown, not 0).
SOURCE_WINDOW_SQL = {
    True: """
    SELECT w.work_id,
           CASE WHEN w.year + (1 - $same_year::INTEGER) >= span.y0
                 AND w.year + $window <= span.y1
                THEN coalesce(sum(k.cited_by_count) FILTER (
                         WHERE k.year BETWEEN w.year + (1 - $same_year::INTEGER)
                                          AND w.year + $window), 0) END AS n
    FROM works AS w
    CROSS JOIN (SELECT min(year) AS y0, max(year) AS y1 FROM work_counts_by_year) AS span
    LEFT JOIN work_counts_by_year AS k USING (work_id)
    WHERE $window IS NOT NULL AND w.year IS NOT NULL
    GROUP BY w.work_id, w.year, span.y0, span.y1""",
    False: "SELECT NULL::VARCHAR AS work_id, NULL::BIGINT AS n WHERE false",
}

# Work-level impact: citations c, the reference set (field, year[, type]) and, within it,
# n, mean, ranks and the Waltman-Schreiber fractional top-x% shares. An uncited work gets no
# top-x% share (a cell whose boundary falls on uncited works credits none of them);
# zero_cut10 marks the uncited works that plain fractional assignment would have credited
# and zero_withheld10 the share they would have had.
WORK_IMPACT_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_wi AS
WITH base AS (
    SELECT c.work_id, c.year, c.type, f.field_id, c.citations AS c,
           CASE WHEN $by_type THEN c.type END AS type_key
    FROM _fm_cit AS c LEFT JOIN _fm_field AS f USING (work_id)
), eligible AS (
    SELECT * FROM base WHERE field_id IS NOT NULL AND year IS NOT NULL AND c IS NOT NULL
), ranked AS (
    SELECT work_id,
           count(*) OVER w AS ref_n,
           avg(c) OVER w AS ref_mean,
           rank() OVER (w ORDER BY c) - 1 AS n_less,
           rank() OVER (w ORDER BY c DESC) - 1 AS n_greater
    FROM eligible
    WINDOW w AS (PARTITION BY field_id, year, type_key)
), ws AS (
    SELECT b.*, r.ref_n, r.ref_mean, r.n_less, r.n_greater,
           greatest(0.0, least(r.ref_n - r.n_less, 0.01 * r.ref_n) - r.n_greater)
               / (r.ref_n - r.n_less - r.n_greater) AS ws1,
           greatest(0.0, least(r.ref_n - r.n_less, 0.10 * r.ref_n) - r.n_greater)
               / (r.ref_n - r.n_less - r.n_greater) AS ws10
    FROM base AS b LEFT JOIN ranked AS r USING (work_id)
)
SELECT work_id, year, type, field_id, type_key, c AS citations, ref_n, ref_mean,
       CASE WHEN ref_mean > 0 THEN c / ref_mean END AS ncs,
       100.0 * n_less / ref_n AS percentile,
       100 * n_less >= 99 * ref_n AS top1,
       10 * n_less >= 9 * ref_n AS top10,
       CASE WHEN c = 0 THEN 0.0 * ws1 ELSE ws1 END AS top1_frac,
       CASE WHEN c = 0 THEN 0.0 * ws10 ELSE ws10 END AS top10_frac,
       c = 0 AND ws10 > 0 AS zero_cut10,
       CASE WHEN c = 0 THEN ws10 ELSE 0.0 END AS zero_withheld10
FROM ws
"""

# The uncited works' cells whose top-10 % boundary falls on uncited works.
ZERO_CELLS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_zcells AS
SELECT DISTINCT field_id, year, type_key FROM _fm_wi WHERE zero_cut10
"""

# Each work's fields with weights summing to 1 (fractional field normalisation): concepts of
# one level weighted by their score, topics' fields / subfields by the topics' scores (equal
# weights where no score is positive).
FIELDS_SQL = {
    "concept": """
CREATE OR REPLACE TEMP TABLE _fm_fields AS
WITH d AS (
    SELECT work_id, concept_id AS field_id, greatest(coalesce(max(score), 0), 0) AS s
    FROM work_concepts WHERE level = $level GROUP BY work_id, concept_id
)
SELECT work_id, field_id,
       CASE WHEN sum(s) OVER (PARTITION BY work_id) > 0
            THEN s / sum(s) OVER (PARTITION BY work_id)
            ELSE 1.0 / count(*) OVER (PARTITION BY work_id) END AS w
FROM d
""",
    "topic_field": """
CREATE OR REPLACE TEMP TABLE _fm_fields AS
WITH d AS (
    SELECT work_id, field_id, sum(greatest(coalesce(score, 0), 0)) AS s
    FROM work_topics WHERE field_id IS NOT NULL GROUP BY work_id, field_id
)
SELECT work_id, field_id,
       CASE WHEN sum(s) OVER (PARTITION BY work_id) > 0
            THEN s / sum(s) OVER (PARTITION BY work_id)
            ELSE 1.0 / count(*) OVER (PARTITION BY work_id) END AS w
FROM d
""",
    "topic_subfield": """
CREATE OR REPLACE TEMP TABLE _fm_fields AS
WITH d AS (
    SELECT work_id, subfield_id AS field_id, sum(greatest(coalesce(score, 0), 0)) AS s
    FROM work_topics WHERE subfield_id IS NOT NULL GROUP BY work_id, subfield_id
)
SELECT work_id, field_id,
       CASE WHEN sum(s) OVER (PARTITION BY work_id) > 0
            THEN s / sum(s) OVER (PARTITION BY work_id)
            ELSE 1.0 / count(*) OVER (PARTITION BY work_id) END AS w
FROM d
""",
}

# Fractional field normalisation: a work sits in the cell (field, year[, type]) of each of
# its fields with weight w; a cell's mean, ranks and top-x% boundary are weighted; a work's
# expected citations, percentile and top-x% shares are the w-weighted sums over its cells.
FRACTIONAL_IMPACT_SQL = (
    """
CREATE OR REPLACE TEMP TABLE _fm_cell AS
WITH base AS (
    SELECT work_id, year, type, citations AS c, CASE WHEN $by_type THEN type END AS type_key
    FROM _fm_cit WHERE year IS NOT NULL AND citations IS NOT NULL
), m AS (
    SELECT b.*, f.field_id AS cell_field, f.w
    FROM base AS b JOIN _fm_fields AS f USING (work_id) WHERE f.w > 0
), st AS (
    SELECT work_id, cell_field, year, type_key, w, c,
           count(*) OVER cw AS cell_n,
           sum(w) OVER cw AS cell_w,
           sum(w * c) OVER cw / sum(w) OVER cw AS cell_mean,
           coalesce(sum(w) OVER (cw ORDER BY c
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS w_less,
           sum(w) OVER (PARTITION BY cell_field, year, type_key, c) AS w_tie
    FROM m
    WINDOW cw AS (PARTITION BY cell_field, year, type_key)
), g AS (
    SELECT *, greatest(cell_w - w_less - w_tie, 0.0) AS w_greater FROM st
)
SELECT *,
       greatest(0.0, least(w_tie + w_greater, 0.01 * cell_w) - w_greater) / w_tie AS ws1,
       greatest(0.0, least(w_tie + w_greater, 0.10 * cell_w) - w_greater) / w_tie AS ws10
FROM g
""",
    """
CREATE OR REPLACE TEMP TABLE _fm_wi AS
WITH per AS (
    SELECT work_id, sum(w * cell_mean) AS ref_mean,
           sum(w * 100.0 * w_less / cell_w) AS percentile,
           sum(w * ws1) AS ws1, sum(w * ws10) AS ws10,
           first(cell_n ORDER BY w DESC, cell_field) AS ref_n
    FROM _fm_cell GROUP BY work_id
)
SELECT c.work_id, c.year, c.type, f.field_id, NULL::VARCHAR AS type_key,
       c.citations, p.ref_n, p.ref_mean,
       CASE WHEN p.ref_mean > 0 THEN c.citations / p.ref_mean END AS ncs,
       p.percentile,
       p.percentile >= 99 - 1e-9 AS top1,
       p.percentile >= 90 - 1e-9 AS top10,
       CASE WHEN c.citations = 0 THEN 0.0 * p.ws1 ELSE p.ws1 END AS top1_frac,
       CASE WHEN c.citations = 0 THEN 0.0 * p.ws10 ELSE p.ws10 END AS top10_frac,
       c.citations = 0 AND p.ws10 > 0 AS zero_cut10,
       CASE WHEN c.citations = 0 THEN p.ws10 ELSE 0.0 END AS zero_withheld10
FROM _fm_cit AS c LEFT JOIN _fm_field AS f USING (work_id) LEFT JOIN per AS p USING (work_id)
""",
    """
CREATE OR REPLACE TEMP TABLE _fm_zcells AS
SELECT DISTINCT cell_field AS field_id, year, type_key FROM _fm_cell WHERE c = 0 AND ws10 > 0
""",
)

# Unit of each authorship row, by aggregation level (allow-list).
UNIT_SQL = {
    "country": """
CREATE OR REPLACE TEMP VIEW _fm_au AS
SELECT a.work_id, a.author_seq, coalesce(a.country_code, i.country_code) AS unit_id
FROM authorships AS a
LEFT JOIN (SELECT institution_id, any_value(country_code) AS country_code
           FROM institutions GROUP BY institution_id) AS i USING (institution_id)
""",
    "institution": """
CREATE OR REPLACE TEMP VIEW _fm_au AS
SELECT a.work_id, a.author_seq, a.institution_id AS unit_id
FROM authorships AS a
""",
    "organization": """
CREATE OR REPLACE TEMP VIEW _fm_au AS
SELECT a.work_id, a.author_seq, coalesce(o.org_id, a.institution_id) AS unit_id
FROM authorships AS a
LEFT JOIN (SELECT source_id, any_value(org_id) AS org_id FROM org_aliases
           WHERE source = 'institution' GROUP BY source_id) AS o
       ON o.source_id = a.institution_id
""",
    "field": """
CREATE OR REPLACE TEMP VIEW _fm_au AS
SELECT work_id, 1::SMALLINT AS author_seq, field_id AS unit_id FROM _fm_field
""",
}

WEIGHTS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_wu AS
WITH n_auth AS (
    SELECT work_id, count(DISTINCT author_seq) AS n_auth FROM _fm_au GROUP BY work_id
), du AS (
    SELECT DISTINCT work_id, author_seq, unit_id FROM _fm_au WHERE unit_id IS NOT NULL
), ku AS (
    SELECT work_id, author_seq, unit_id,
           count(*) OVER (PARTITION BY work_id, author_seq) AS k
    FROM du
)
SELECT ku.work_id, ku.unit_id, sum(1.0 / (n.n_auth * ku.k)) AS w_frac
FROM ku JOIN n_auth AS n USING (work_id)
GROUP BY ku.work_id, ku.unit_id
"""

AGGREGATE_SQL = """
WITH scoped AS (
    SELECT * FROM _fm_wi
    WHERE ($start IS NULL OR year >= $start) AND ($end IS NULL OR year <= $end)
), world AS (
    SELECT sum(top10_frac) AS top10_total FROM scoped
), j AS (
    SELECT u.unit_id, u.w_frac, s.*,
           CASE WHEN $frac THEN u.w_frac ELSE 1.0 END AS wt
    FROM _fm_wu AS u JOIN scoped AS s USING (work_id)
)
SELECT unit_id,
       count(*)::BIGINT AS p,
       sum(w_frac) AS p_frac,
       sum(wt * citations) AS citations,
       sum(wt * ncs) / sum(wt) FILTER (WHERE ncs IS NOT NULL) AS mncs,
       sum(wt * top10_frac) AS p_top10,
       sum(wt * top10_frac) / sum(wt) FILTER (WHERE top10_frac IS NOT NULL) AS pp_top10,
       sum(wt * top10_frac) / nullif(any_value(world.top10_total), 0) AS share_top10
FROM j CROSS JOIN world
GROUP BY unit_id
ORDER BY unit_id
"""
