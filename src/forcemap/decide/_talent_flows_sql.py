"""The SQL of the talent flows of :mod:`forcemap.decide.talent` (moves between consecutive
publication years, flows and the home country's balance); the rule is in that module."""

from __future__ import annotations

__all__ = ["BALANCE_SQL", "FLOWS_SQL", "MOVES_SQL"]

MOVES_SQL = """
CREATE OR REPLACE TEMP TABLE _ta_moves AS
WITH scope AS (
    SELECT DISTINCT aw.author_id FROM _ta_sel AS s JOIN _ta_aw AS aw USING (work_id)
), seq AS (
    SELECT ay.*,
           lag(year) OVER p AS prev_year, lag(country) OVER p AS prev_country,
           lag(org_id) OVER p AS prev_org, lag(sector) OVER p AS prev_sector
    FROM _ta_ay AS ay JOIN scope USING (author_id)
    WINDOW p AS (PARTITION BY author_id ORDER BY year)
)
SELECT author_id, prev_year AS from_year, year AS to_year,
       prev_country AS from_country, country AS to_country,
       coalesce(prev_sector, 'unknown') AS from_sector, coalesce(sector, 'unknown') AS to_sector,
       prev_org AS from_org, org_id AS to_org
FROM seq
WHERE prev_year IS NOT NULL AND ($y0 IS NULL OR year >= $y0) AND year <= $y1
  AND (prev_country <> country
       OR (prev_org IS NOT NULL AND org_id IS NOT NULL AND prev_org <> org_id))
"""

FLOWS_SQL = """
SELECT from_country, to_country, from_sector, to_sector,
       count(*) AS moves, count(DISTINCT author_id) AS authors
FROM _ta_moves GROUP BY ALL
ORDER BY authors DESC, moves DESC, from_country, to_country, from_sector, to_sector
"""

BALANCE_SQL = """
WITH ev AS (
    SELECT author_id, 'in' AS dir, to_sector AS sector FROM _ta_moves
    WHERE to_country = $country AND from_country <> $country
    UNION ALL
    SELECT author_id, 'out', from_sector FROM _ta_moves
    WHERE from_country = $country AND to_country <> $country
), s AS (
    SELECT 'all' AS sector, dir, author_id FROM ev
    UNION ALL
    SELECT sector, dir, author_id FROM ev
), k AS (SELECT 'all' AS sector UNION SELECT sector FROM ev)
SELECT $country AS country, k.sector,
       count(DISTINCT s.author_id) FILTER (WHERE s.dir = 'in') AS inflow,
       count(DISTINCT s.author_id) FILTER (WHERE s.dir = 'out') AS outflow,
       inflow - outflow AS net
FROM k LEFT JOIN s USING (sector)
GROUP BY k.sector
ORDER BY k.sector <> 'all', k.sector
"""
