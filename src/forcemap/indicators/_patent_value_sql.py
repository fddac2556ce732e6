"""The SQL of the patent-value indicators (:mod:`forcemap.indicators.patent_value`): the
patents and their classes, forward and backward citation links, the cohorts, breakthrough and
high-value flags, diversity, radicalness and the per-patent counts. Literal statements with
``$parameters``; dictionaries are allow-lists keyed by option."""

from __future__ import annotations

# family_id: the grouped family (patent_families, source or priority-linked) of the patent,
# else its source family id; NULL for a patent with no family information.
PATENTS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_p AS
SELECT p.patent_id,
       any_value(coalesce(p.year, year(p.grant_date)))::INTEGER AS year,
       any_value(CASE WHEN $filing THEN p.filing_date ELSE p.grant_date END) AS d,
       coalesce(any_value(f.family_id), any_value(nullif(trim(p.family_id), ''))) AS family_id,
       any_value(p.num_claims)::BIGINT AS num_claims
FROM patents AS p
LEFT JOIN (SELECT patent_id, family_id FROM patent_families WHERE method <> 'single') AS f
       USING (patent_id)
GROUP BY p.patent_id
"""

# Each patent's distinct CPC subclasses with a weight: "all" splits 1 over them, "first" puts
# 1 on the main one (is_first, else the lowest seq).
CLASSES_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_main AS
SELECT patent_id, cpc_subclass,
       upper(replace(coalesce(cpc_subgroup, cpc_subclass), ' ', '')) AS symbol
FROM patent_cpc WHERE cpc_subclass IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY patent_id ORDER BY coalesce(is_first, false) DESC, seq NULLS LAST,
    cpc_subgroup) = 1;
CREATE OR REPLACE TEMP TABLE _fm_cls AS
WITH d AS (SELECT DISTINCT patent_id, cpc_subclass FROM patent_cpc
           WHERE cpc_subclass IS NOT NULL)
SELECT patent_id, cpc_subclass,
       1.0 / count(*) OVER (PARTITION BY patent_id) AS w_all
FROM d;
"""

FORWARD_LINKS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_fwd AS
SELECT DISTINCT c.cited_id AS patent_id, c.citing_id AS other
FROM patent_citations AS c
JOIN _fm_p AS cp ON cp.patent_id = c.citing_id
JOIN _fm_p AS fp ON fp.patent_id = c.cited_id
WHERE c.citing_id <> c.cited_id
  AND ($window IS NULL OR (cp.d >= fp.d AND cp.d < fp.d + to_years($window)))
"""

FORWARD_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_fc AS
SELECT p.patent_id, p.year,
       CASE WHEN $window IS NOT NULL AND p.d IS NULL THEN NULL
            ELSE coalesce(f.n, 0) END::BIGINT AS forward_citations
FROM _fm_p AS p
LEFT JOIN (SELECT patent_id, count(*) AS n FROM _fm_fwd GROUP BY patent_id) AS f
       USING (patent_id)
"""

COHORT_SQL = {
    "cpc_subclass": """
CREATE OR REPLACE TEMP TABLE _fm_cohort AS
SELECT patent_id, cpc_subclass AS cohort_field FROM _fm_main
""",
    "wipo_field": """
CREATE OR REPLACE TEMP TABLE _fm_cohort AS
SELECT m.patent_id, any_value(i.field_number::VARCHAR ORDER BY length(i.ipc_prefix) DESC)
       AS cohort_field
FROM _fm_main AS m JOIN _fm_ipc AS i ON starts_with(m.symbol, i.ipc_prefix)
GROUP BY m.patent_id
""",
}

BREAKTHROUGH_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_bt AS
WITH b AS (
    SELECT f.patent_id, f.year, c.cohort_field, f.forward_citations
    FROM _fm_fc AS f LEFT JOIN _fm_cohort AS c USING (patent_id)
), r AS (
    SELECT patent_id,
           count(*) OVER w AS cohort_n,
           rank() OVER (w ORDER BY forward_citations) - 1 AS n_less
    FROM b
    WHERE year IS NOT NULL AND cohort_field IS NOT NULL AND forward_citations IS NOT NULL
    WINDOW w AS (PARTITION BY year, cohort_field)
)
SELECT b.patent_id, b.year, b.cohort_field, b.forward_citations, r.cohort_n,
       CASE WHEN r.cohort_n IS NULL THEN NULL
            ELSE b.forward_citations > 0 AND r.n_less >= (1 - $top) * r.cohort_n - 1e-9
       END AS breakthrough
FROM b LEFT JOIN r USING (patent_id)
"""

# High-value patents: Waltman-Schreiber fractional top-x membership of forward citations in
# the cohort (grant year[, technology]); an uncited patent gets none (zero_cut marks those
# plain fractional assignment would have credited, zero_withheld their share).
HIGH_VALUE_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_hv AS
WITH b AS (
    SELECT f.patent_id, f.year, CASE WHEN $by_field THEN c.cohort_field ELSE '*' END AS k,
           c.cohort_field, f.forward_citations AS fc
    FROM _fm_fc AS f LEFT JOIN _fm_cohort AS c USING (patent_id)
), r AS (
    SELECT patent_id,
           count(*) OVER w AS n,
           rank() OVER (w ORDER BY fc) - 1 AS n_less,
           rank() OVER (w ORDER BY fc DESC) - 1 AS n_greater
    FROM b
    WHERE year IS NOT NULL AND k IS NOT NULL AND fc IS NOT NULL
    WINDOW w AS (PARTITION BY year, k)
), ws AS (
    SELECT b.*, r.n,
           greatest(0.0, least(r.n - r.n_less, $top * r.n) - r.n_greater)
               / (r.n - r.n_less - r.n_greater) AS ws
    FROM b LEFT JOIN r USING (patent_id)
)
SELECT patent_id, year, cohort_field, fc AS forward_citations, n AS cohort_n,
       CASE WHEN fc = 0 THEN 0.0 * ws ELSE ws END AS top,
       fc = 0 AND ws > 0 AS zero_cut, CASE WHEN fc = 0 THEN ws ELSE 0.0 END AS zero_withheld,
       k
FROM ws
"""

# Herfindahl-based diversity of the classes of linked patents (forward: citing; backward:
# cited): 1 - sum_j s_j^2, s_j the share of linked patents in class j, each linked patent
# weighted 1 (split over its classes, or on its main class).
DIVERSITY_SQL = """
WITH lw AS (
    SELECT l.patent_id, l.other, k.cpc_subclass,
           CASE WHEN $first THEN (k.cpc_subclass = m.cpc_subclass)::DOUBLE ELSE k.w_all END AS w
    FROM _fm_links AS l
    JOIN _fm_cls AS k ON k.patent_id = l.other
    JOIN _fm_main AS m ON m.patent_id = l.other
), s AS (
    SELECT patent_id, cpc_subclass, sum(w) AS s FROM lw WHERE w > 0 GROUP BY ALL
), g AS (
    SELECT s.patent_id, any_value(n.n) AS n,
           1 - sum(s.s * s.s) / (any_value(n.n) * any_value(n.n)) AS g
    FROM s JOIN (SELECT patent_id, count(DISTINCT other) AS n FROM lw GROUP BY patent_id) AS n
         USING (patent_id)
    GROUP BY s.patent_id
)
SELECT p.patent_id, coalesce(g.n, 0)::BIGINT AS n,
       CASE WHEN NOT $correct THEN g.g
            WHEN g.n > 1 THEN g.g * g.n / (g.n - 1) END AS value
FROM _fm_p AS p LEFT JOIN g USING (patent_id)
ORDER BY p.patent_id
"""

# Which links the diversity measures read (allow-list): citing patents or cited patents.
LINKS_SQL = {
    "forward": "CREATE OR REPLACE TEMP VIEW _fm_links AS SELECT * FROM _fm_fwd",
    "backward": "CREATE OR REPLACE TEMP VIEW _fm_links AS SELECT * FROM _fm_bwd",
}

BACKWARD_LINKS_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_bwd AS
SELECT DISTINCT c.citing_id AS patent_id, c.cited_id AS other
FROM patent_citations AS c
JOIN _fm_p AS cp ON cp.patent_id = c.cited_id
WHERE c.citing_id <> c.cited_id
"""

RADICALNESS_SQL = """
WITH pairs AS (
    SELECT l.patent_id, l.other, k.cpc_subclass,
           f.patent_id IS NULL AS outside
    FROM _fm_bwd AS l
    JOIN _fm_cls AS k ON k.patent_id = l.other
    LEFT JOIN _fm_cls AS f ON f.patent_id = l.patent_id AND f.cpc_subclass = k.cpc_subclass
    WHERE l.patent_id IN (SELECT patent_id FROM _fm_cls)
), r AS (
    SELECT patent_id, count(DISTINCT other) AS n, avg(outside::DOUBLE) AS value
    FROM pairs GROUP BY patent_id
)
SELECT p.patent_id, coalesce(r.n, 0)::BIGINT AS n, r.value
FROM _fm_p AS p LEFT JOIN r USING (patent_id)
ORDER BY p.patent_id
"""

COUNT_SQL = {
    "patent_scope": """
SELECT p.patent_id, s.n::BIGINT AS value
FROM _fm_p AS p
LEFT JOIN (SELECT patent_id, count(*) AS n FROM _fm_cls GROUP BY patent_id) AS s
       USING (patent_id)
ORDER BY p.patent_id
""",
    "family_size": """
SELECT patent_id,
       CASE WHEN family_id IS NOT NULL
            THEN count(*) OVER (PARTITION BY family_id) END::BIGINT AS value
FROM _fm_p ORDER BY patent_id
""",
    "claims": "SELECT patent_id, num_claims AS value FROM _fm_p ORDER BY patent_id",
    "backward_citations": """
SELECT p.patent_id, coalesce(b.n, 0)::BIGINT AS value
FROM _fm_p AS p
LEFT JOIN (SELECT citing_id AS patent_id, count(DISTINCT cited_id) AS n
           FROM patent_citations WHERE citing_id <> cited_id GROUP BY citing_id) AS b
       USING (patent_id)
ORDER BY p.patent_id
""",
    "science_citations": """
SELECT p.patent_id, coalesce(s.n, 0)::BIGINT AS value
FROM _fm_p AS p
LEFT JOIN (SELECT patent_id, count(DISTINCT work_id) AS n FROM patent_npl
           GROUP BY patent_id) AS s USING (patent_id)
ORDER BY p.patent_id
""",
}
