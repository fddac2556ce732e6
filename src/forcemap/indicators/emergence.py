r"""Technical emergence: the emergence score (EScore) of Carley, Porter et al.

A unit (a concept, a topic or a CPC main group) is *emergent* when it is novel, persistent,
used by a community and growing fast (Rotolo, Hicks & Martin 2015). Carley et al. (2018)
turn these attributes into qualification rules over a 10-year window (3 base + 7 active
years) and score qualified units by the growth of their share of the year's records.
:func:`emergence_score` computes the counts, each rule's flag, the reason a unit fails and
the score, set-based in DuckDB SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from forcemap.errors import InputError
from forcemap.indicators._registry import PATENTS, WORK_ACTORS, WORKS, Indicator
from forcemap.store.patent_resolution import check_patent_unit, patent_unit_sql
from forcemap.store.store import Store

__all__ = ["EMERGENCE_SCHEMA", "EMERGENCE_UNITS", "emergence_score"]

#: Units accepted by ``unit=``.
EMERGENCE_UNITS: tuple[str, ...] = ("concept", "topic", "cpc_group")

EMERGENCE_SCHEMA = pa.schema(
    [
        ("unit_id", pa.string()),
        ("name", pa.string()),
        ("first_year", pa.int32()),
        ("end_year", pa.int32()),
        ("counts", pa.list_(pa.int64())),
        ("records", pa.int64()),
        ("base_records", pa.int64()),
        ("active_records", pa.int64()),
        ("years_present", pa.int64()),
        ("actors", pa.int64()),
        ("base_share", pa.float64()),
        ("active_share", pa.float64()),
        ("q_records", pa.bool_()),
        ("q_years", pa.bool_()),
        ("q_actors", pa.bool_()),
        ("q_active", pa.bool_()),
        ("q_novel", pa.bool_()),
        ("q_growth", pa.bool_()),
        ("qualified", pa.bool_()),
        ("reason", pa.string()),
        ("active_trend", pa.float64()),
        ("recent_trend", pa.float64()),
        ("slope", pa.float64()),
        ("escore", pa.float64()),
    ]
)
"""Output of :func:`emergence_score`."""

# Records (record_id, unit_id, year), unit names, all records per year, and record actors,
# by unit (allow-list).
_RECORDS_SQL = {
    "concept": """
CREATE OR REPLACE TEMP TABLE _fm_rec AS
SELECT DISTINCT c.work_id AS record_id, c.concept_id AS unit_id, w.year::INTEGER AS year
FROM work_concepts AS c JOIN works AS w USING (work_id)
WHERE w.year IS NOT NULL AND coalesce(c.score, 0) >= $min_score
  AND ($level IS NULL OR c.level = $level)
""",
    "topic": """
CREATE OR REPLACE TEMP TABLE _fm_rec AS
SELECT DISTINCT t.work_id AS record_id, t.topic_id AS unit_id, w.year::INTEGER AS year
FROM work_topics AS t JOIN works AS w USING (work_id)
WHERE w.year IS NOT NULL AND coalesce(t.score, 0) >= $min_score AND $level IS NULL
""",
    # a patent record is a family (_fm_pfam: the shared counting unit), in its first grant year
    "cpc_group": """
CREATE OR REPLACE TEMP TABLE _fm_rec AS
WITH fam AS (
    SELECT f.patent_id, f.unit_id AS family,
           min(coalesce(p.year, year(p.grant_date))) OVER (PARTITION BY f.unit_id)::INTEGER
               AS year
    FROM _fm_pfam AS f JOIN patents AS p USING (patent_id)
)
SELECT DISTINCT fam.family AS record_id, c.cpc_group AS unit_id, fam.year
FROM patent_cpc AS c JOIN fam USING (patent_id)
WHERE c.cpc_group IS NOT NULL AND fam.year IS NOT NULL
  AND $min_score IS NOT NULL AND $level IS NULL
""",
}

_SIDE_SQL = {
    "concept": """
CREATE OR REPLACE TEMP TABLE _fm_name AS
SELECT concept_id AS unit_id, any_value(name) AS name FROM work_concepts GROUP BY 1;
CREATE OR REPLACE TEMP TABLE _fm_tot AS
SELECT year::INTEGER AS year, count(DISTINCT work_id) AS n_total FROM works
WHERE year IS NOT NULL GROUP BY 1;
CREATE OR REPLACE TEMP TABLE _fm_act AS
SELECT DISTINCT work_id AS record_id, author_id AS actor_id FROM authorships
WHERE author_id IS NOT NULL;
""",
    "topic": """
CREATE OR REPLACE TEMP TABLE _fm_name AS
SELECT topic_id AS unit_id, any_value(name) AS name FROM work_topics GROUP BY 1;
CREATE OR REPLACE TEMP TABLE _fm_tot AS
SELECT year::INTEGER AS year, count(DISTINCT work_id) AS n_total FROM works
WHERE year IS NOT NULL GROUP BY 1;
CREATE OR REPLACE TEMP TABLE _fm_act AS
SELECT DISTINCT work_id AS record_id, author_id AS actor_id FROM authorships
WHERE author_id IS NOT NULL;
""",
    "cpc_group": """
CREATE OR REPLACE TEMP TABLE _fm_name AS
SELECT NULL::VARCHAR AS unit_id, NULL::VARCHAR AS name WHERE false;
CREATE OR REPLACE TEMP TABLE _fm_tot AS
SELECT year, count(*) AS n_total
FROM (SELECT f.unit_id, min(coalesce(p.year, year(p.grant_date)))::INTEGER AS year
      FROM _fm_pfam AS f JOIN patents AS p USING (patent_id) GROUP BY f.unit_id)
WHERE year IS NOT NULL GROUP BY 1;
CREATE OR REPLACE TEMP TABLE _fm_act AS
SELECT DISTINCT f.unit_id AS record_id, coalesce(a.assignee_id, a.name) AS actor_id
FROM patent_assignees AS a JOIN _fm_pfam AS f USING (patent_id)
WHERE coalesce(a.assignee_id, a.name) IS NOT NULL;
""",
}

_SCORE_SQL = """
WITH yrs AS (
    SELECT y::INTEGER AS year, (y - $y0 + 1 - $base)::INTEGER AS k   -- k = 1..active
    FROM range($y0, $end + 1) AS t(y)
), rec AS (
    SELECT * FROM _fm_rec WHERE year BETWEEN $y0 AND $end
), cnt AS (
    SELECT unit_id, year, count(DISTINCT record_id) AS n FROM rec GROUP BY ALL
), grid AS (
    SELECT u.unit_id, y.year, y.k, coalesce(c.n, 0) AS n, coalesce(t.n_total, 0) AS n_total,
           CASE WHEN t.n_total > 0 THEN coalesce(c.n, 0) / t.n_total ELSE 0 END AS a
    FROM (SELECT DISTINCT unit_id FROM rec) AS u
    CROSS JOIN yrs AS y
    LEFT JOIN cnt AS c ON c.unit_id = u.unit_id AND c.year = y.year
    LEFT JOIN _fm_tot AS t ON t.year = y.year
), act AS (
    SELECT r.unit_id, count(DISTINCT a.actor_id) AS actors
    FROM rec AS r JOIN _fm_act AS a USING (record_id) GROUP BY r.unit_id
), stats AS (
    SELECT unit_id,
           list(n ORDER BY year) AS counts,
           sum(n) AS records,
           sum(n) FILTER (WHERE k <= 0) AS base_records,
           sum(n) FILTER (WHERE k >= 1) AS active_records,
           count(*) FILTER (WHERE n > 0) AS years_present,
           sum(n) FILTER (WHERE k <= 0) / nullif(sum(n_total) FILTER (WHERE k <= 0), 0)
               AS base_share,
           sum(a) FILTER (WHERE k BETWEEN 1 AND 3) AS first3,
           sum(a) FILTER (WHERE k > $active - 3) AS last3,
           sum(a) FILTER (WHERE k > $active - 2) AS last2,
           sum(a) FILTER (WHERE k > $active - 4 AND k <= $active - 2) AS prev2,
           regr_slope(a, k) FILTER (WHERE k >= 1) AS slope_raw
    FROM grid GROUP BY unit_id
), flags AS (
    SELECT s.*, coalesce(act.actors, 0) AS actors,
           s.active_records / s.records AS active_share,
           s.records >= $min_records AS q_records,
           s.years_present >= $min_years AS q_years,
           coalesce(act.actors, 0) >= $min_actors AS q_actors,
           s.active_records > 0 AS q_active,
           coalesce(s.base_share, 0) <= $max_base_share AS q_novel,
           s.active_records / s.records >= $min_active_share AS q_growth
    FROM stats AS s LEFT JOIN act USING (unit_id)
)
SELECT f.unit_id, nm.name, $y0::INTEGER AS first_year, $end::INTEGER AS end_year,
       f.counts, f.records, f.base_records, f.active_records, f.years_present, f.actors,
       f.base_share, f.active_share,
       f.q_records, f.q_years, f.q_actors, f.q_active, f.q_novel, f.q_growth,
       f.q_records AND f.q_years AND f.q_actors AND f.q_active AND f.q_novel AND f.q_growth
           AS qualified,
       nullif(concat_ws('; ',
           CASE WHEN NOT f.q_records THEN 'fewer than ' || $min_records || ' records' END,
           CASE WHEN NOT f.q_years THEN 'present in fewer than ' || $min_years || ' years' END,
           CASE WHEN NOT f.q_actors THEN 'fewer than ' || $min_actors || ' actors' END,
           CASE WHEN NOT f.q_active THEN 'absent from the active period' END,
           CASE WHEN NOT f.q_novel
                THEN 'in more than ' || $max_base_share || ' of base-period records' END,
           CASE WHEN NOT f.q_growth
                THEN 'active-period share of its records below ' || round($min_active_share, 3)
                END), '') AS reason,
       sqrt(f.last3) - sqrt(f.first3) AS active_trend,
       $recent_factor * (sqrt(f.last2) - sqrt(f.prev2)) AS recent_trend,
       $slope_factor * coalesce(f.slope_raw, 0) AS slope,
       $w_active * (sqrt(f.last3) - sqrt(f.first3))
           + $w_recent * $recent_factor * (sqrt(f.last2) - sqrt(f.prev2))
           + $w_slope * $slope_factor * coalesce(f.slope_raw, 0) AS escore
FROM flags AS f LEFT JOIN _fm_name AS nm USING (unit_id)
ORDER BY qualified DESC, escore DESC, f.unit_id
"""


def emergence_score(
    store: Store,
    *,
    unit: str = "concept",
    base_years: int = 3,
    active_years: int = 7,
    end_year: int | None = None,
    min_records: int = 7,
    min_years: int = 3,
    min_actors: int = 2,
    max_base_share: float = 0.15,
    min_active_share: float = 2 / 3,
    concept_level: int | None = None,
    min_score: float = 0.0,
    weights: tuple[float, float, float] = (2.0, 1.0, 1.0),
    recent_factor: float = 10.0,
    slope_factor: float = 10.0,
    patent_unit: str = "family",
) -> pa.Table:
    r"""Emergence score (EScore) of concepts, topics or CPC main groups.

    With :math:`A_k` the unit's share of all records in active year :math:`k = 1..K`
    (:math:`K` = ``active_years``, records with the unit / all records of that year):

    .. math::

        \mathrm{AT} &= \sqrt{A_{K-2} + A_{K-1} + A_K} - \sqrt{A_1 + A_2 + A_3} \\
        \mathrm{RT} &= 10\,\bigl(\sqrt{A_{K-1} + A_K} - \sqrt{A_{K-3} + A_{K-2}}\bigr) \\
        \mathrm{S}  &= 10\,\hat\beta, \quad \hat\beta = \text{OLS slope of } A_k \text{ on } k \\
        \mathrm{EScore} &= 2\,\mathrm{AT} + \mathrm{RT} + \mathrm{S}

    Parameters
    ----------
    store : Store
        The store.
    unit : {"concept", "topic", "cpc_group"}, default "concept"
        ``concept``: ``work_concepts`` (records = works, actors = authors); ``topic``:
        ``work_topics`` (same records and actors); ``cpc_group``: CPC main groups of
        ``patent_cpc`` (records = patents by grant year, actors = assignees).
    base_years, active_years : int, default 3 and 7
        The window: ``base_years`` base years then ``active_years`` active years ending in
        ``end_year`` (Carley et al.: 3 + 7). ``active_years`` must be at least 6 so the first
        and last three active years do not overlap.
    end_year : int or None, default None
        Last active year; ``None`` takes the latest year with any record in the store.
    min_records : int, default 7
        Persistence: at least this many records in the window.
    min_years : int, default 3
        Persistence: present in at least this many years of the window.
    min_actors : int, default 2
        Community: records from at least this many distinct actors (authors or assignees),
        so that a unit used by a single author or firm does not qualify.
    max_base_share : float, default 0.15
        Novelty: the unit is in at most this share of all base-period records.
    min_active_share : float, default 2/3
        Growth: at least this share of the unit's records fall in the active period (2/3 is
        an active-to-base ratio of at least 2). A unit must also have at least one active
        record (``q_active``).
    concept_level : int or None, default None
        Only concepts of this level (``unit="concept"`` only).
    min_score : float, default 0.0
        Only concept / topic assignments with at least this score.
    weights : tuple of 3 floats, default (2, 1, 1)
        Weights of active trend, recent trend and slope in the EScore.
    recent_factor, slope_factor : float, default 10
        Multipliers of the recent trend and the slope.
    patent_unit : {"family", "patent"}, default "family"
        For ``unit="cpc_group"``: a record is a patent family
        (:func:`~forcemap.store.patent_resolution.patent_unit_sql`, in its first grant year,
        with the groups and assignees of all its patents) or each patent. With no family
        information a family is its patent.

    Returns
    -------
    pa.Table
        :data:`EMERGENCE_SCHEMA`, one row per unit with a record in the window, qualified
        units first by descending EScore: unit_id, name: string; first_year, end_year:
        int32 (the window); counts: list<int64> (records per year, oldest first);
        records, base_records, active_records, years_present, actors: int64;
        base_share: float64 (share of all base-period records; null when the base period
        has no record); active_share: float64 (share of the unit's records in the active
        period); q_records, q_years, q_actors, q_active, q_novel, q_growth: bool (each
        rule passed); qualified: bool (all passed); reason: string (the failed rules,
        ``'; '``-separated; null when qualified); active_trend, recent_trend, slope,
        escore: float64 (computed for every unit; only qualified units are emergent).

    Raises
    ------
    InputError
        ``unit`` is unknown, the window is too short, or ``concept_level`` is given for a
        unit other than concepts.

    Notes
    -----
    Shares :math:`A_k` are fractions of all records of the year in the store (works for
    concepts and topics, patent families for CPC groups, each in its first grant year; with
    ``patent_unit="patent"`` patents), so the score does not grow with the size
    of the database; a year without records has share 0. The slope is fitted over all
    active years. The constants (square roots of 3-year and 2-year sums, the factors 10 and
    the weights 2, 1, 1) are our reading of Carley et al. (2018, "Calculating the emergence
    score") and are parameters so that they can be matched to other implementations; the
    qualification thresholds are the paper's defaults as parameters. An empty store (no
    record) gives an empty table.

    References
    ----------
    Carley, S. F., Newman, N. C., Porter, A. L., & Garner, J. G. (2018). An indicator of
    technical emergence. Scientometrics, 115(1), 35–49.
    https://doi.org/10.1007/s11192-018-2851-x

    Porter, A. L., Garner, J., Carley, S. F., & Newman, N. C. (2019). Emergence scoring to
    identify frontier R&D topics and key players. Scientometrics.
    https://doi.org/10.1007/s11192-018-2987-8

    Rotolo, D., Hicks, D., & Martin, B. R. (2015). What is an emerging technology? Research
    Policy, 44(10), 1827–1843. https://doi.org/10.1016/j.respol.2015.06.006
    """
    if unit not in EMERGENCE_UNITS:
        raise InputError(f"unit={unit!r} is not one of {', '.join(EMERGENCE_UNITS)}")
    if base_years < 1 or active_years < 6:
        raise InputError(
            f"base_years={base_years}, active_years={active_years}: need at least 1 base "
            "and 6 active years (Carley et al. use 3 + 7)"
        )
    if concept_level is not None and unit != "concept":
        raise InputError("concept_level applies to unit='concept' only")
    if len(weights) != 3:
        raise InputError(f"weights={weights!r} must be three numbers (active, recent, slope)")
    check_patent_unit(patent_unit)
    with store.query_cursor("emergence") as cur:
        if unit == "cpc_group":
            cur.execute(f"CREATE OR REPLACE TEMP TABLE _fm_pfam AS {patent_unit_sql(patent_unit)}")
        cur.execute(_RECORDS_SQL[unit], {"min_score": float(min_score), "level": concept_level})
        cur.execute(_SIDE_SQL[unit])
        if end_year is None:
            rows = cur.sql("SELECT max(year) FROM _fm_tot").fetchall()
            end_year = rows[0][0] if rows else None
            if end_year is None:
                return EMERGENCE_SCHEMA.empty_table()
        y0 = int(end_year) - base_years - active_years + 1
        rel = cur.sql(
            _SCORE_SQL,
            params={
                "y0": y0,
                "end": int(end_year),
                "base": base_years,
                "active": active_years,
                "min_records": min_records,
                "min_years": min_years,
                "min_actors": min_actors,
                "max_base_share": float(max_base_share),
                "min_active_share": float(min_active_share),
                "w_active": float(weights[0]),
                "w_recent": float(weights[1]),
                "w_slope": float(weights[2]),
                "recent_factor": float(recent_factor),
                "slope_factor": float(slope_factor),
            },
        )
        return rel.to_arrow_table().cast(EMERGENCE_SCHEMA)


def _emergence_inputs(params: Mapping[str, Any]) -> tuple[str, ...]:
    if params.get("unit") == "cpc_group":
        return (*PATENTS, "patent_inventors", "patent_families")
    return (*WORKS, *WORK_ACTORS[:2])


EMERGENCE = Indicator("emergence", emergence_score, inputs=_emergence_inputs)
"""``forcemap indicators emergence``: the emergence score per topic, concept or CPC group."""
