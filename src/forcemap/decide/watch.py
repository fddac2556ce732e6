r"""Technology watch (C7): which emerging technologies of an industry should country X watch?

The units are OpenAlex topics or concepts (publications) or CPC main groups (patents). With
an ``industry``, a unit's records are its works (patents) in the industry's catalog slice
(:func:`forcemap.store.slices.industry_works`, :func:`~forcemap.store.slices.industry_patents`);
without one, all its records in the store. Over the 10-year window ending in the end year
:math:`E` (the window of the emergence score, 3 base + 7 active years) each unit *u* gets five
components:

================  ==========================================================================
``emergence``     the EScore of Carley et al. (2018), :func:`forcemap.indicators.emergence.
                  emergence_score` (``qualified`` flags the units passing its rules). It is
                  store-wide: the unit's share of *all* records of each year.
``growth``        the acceleration of the 3-year volumes: with :math:`S_2, S_1, S_0` the unit's
                  records in :math:`[E-2, E]`, :math:`[E-5, E-3]`, :math:`[E-8, E-6]` and
                  :math:`g_i = \bigl((S_i + 1)/(S_{i-1} + 1)\bigr)^{1/3} - 1` the annual growth
                  rate (CAGR) from one window to the next, :math:`a_u = g_2 - g_1` (the change
                  of CAGR between the last two 3-year windows; the + 1 keeps empty windows
                  defined). Sums over three years smooth the yearly noise of small units.
``disruption``    the share of the unit's window records with CD\ :sub:`5` > ``cd_threshold``
                  among those with a defined CD\ :sub:`5` (Funk & Owen-Smith 2017; Park et al.
                  2023, :func:`forcemap.indicators.disruption.disruption`)
``novelty``       the first year the unit appears in the store (later = more novel)
``home_share``    X's share of the unit's window records, fractional over authorship
                  countries (of a work's *n* authors, one with *k* countries gives
                  :math:`1/(n k)` to each) or over the distinct assignee countries of a patent
================  ==========================================================================

Each component becomes a percentile rank among the units in scope,

.. math::

    P_{uk} = \frac{|\{u' : v_{u'k} < v_{uk}\}|}{n - 1}, \qquad
    \mathrm{score}_u = \frac{\sum_k w_k P_{uk}}{\sum_k w_k},

so the best unit on a component gets 1, ties share the lower rank (values compared at 9
decimals), an undefined value ranks below every defined one, and a single unit gets 1 on each
defined component. The weights :math:`w_k` default to 1 each. A higher home share ranks
higher (a foothold to build on); give ``home_share`` weight 0 for a country-neutral list.

References
----------
Carley, S. F., Newman, N. C., Porter, A. L. & Garner, J. G. (2018). doi:10.1007/
s11192-018-2851-x. Rotolo, D., Hicks, D. & Martin, B. R. (2015). doi:10.1016/j.respol.
2015.06.006. Funk, R. J. & Owen-Smith, J. (2017). doi:10.1287/mnsc.2015.2366. Park, M.,
Leahey, E. & Funk, R. J. (2023). doi:10.1038/s41586-022-05543-x. Ke, Q., Ferrara, E.,
Radicchi, F. & Flammini, A. (2015). doi:10.1073/pnas.1424329112. Waltman, L. & van Eck, N. J.
(2015). doi:10.1016/j.joi.2015.08.001.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from forcemap.decide._scope import industry_scope
from forcemap.decide.params import WATCH, WatchParams
from forcemap.decide.result import DecisionResult, Rule, check_weights, is_synthetic
from forcemap.indicators import indicator_table
from forcemap.indicators.emergence import emergence_score
from forcemap.indicators.sleeping_beauty import sleeping_beauty
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store

__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "WATCH_SCHEMA",
    "technology_watch",
]

COMPONENTS: tuple[str, ...] = ("emergence", "growth", "disruption", "novelty", "home_share")
"""The components of the composite score, in order."""

DEFAULT_WEIGHTS: dict[str, float] = dict.fromkeys(COMPONENTS, 1.0)
"""Equal weights: every component counts the same."""

WINDOW = 10
"""Years of the window ending in the end year (the emergence score's 3 base + 7 active)."""

# component -> the value column it ranks (an allow-list used to build the percentile SQL)
_VALUE_COLUMN = {
    "emergence": "escore",
    "growth": "acceleration",
    "disruption": "disruptive_share",
    "novelty": "first_year",
    "home_share": "home_share",
}

WATCH_SCHEMA = pa.schema(
    [
        ("rank", pa.int64()),
        ("unit", pa.string()),
        ("name", pa.string()),
        ("score", pa.float64()),
        ("escore", pa.float64()),
        ("qualified", pa.bool_()),
        ("reason", pa.string()),
        ("acceleration", pa.float64()),
        ("disruptive_share", pa.float64()),
        ("first_year", pa.int32()),
        ("home_share", pa.float64()),
        *[(f"p_{k}", pa.float64()) for k in COMPONENTS],
        ("records", pa.int64()),
        ("volumes", pa.list_(pa.int64())),
        ("with_cd", pa.int64()),
        ("thin_evidence", pa.bool_()),
    ]
)
"""The main table: one row per listed unit, best first."""

WORKS_EVIDENCE_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("rank", pa.int64()),
        ("id", pa.string()),
        ("title", pa.string()),
        ("year", pa.int32()),
        ("cd", pa.float64()),
        ("mcd", pa.float64()),
        ("citations", pa.int64()),
    ]
)
"""``evidence["works"]``: the top works (patents) of each listed unit."""

ORGS_EVIDENCE_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("rank", pa.int64()),
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("is_home", pa.bool_()),
        ("records", pa.float64()),
        ("share", pa.float64()),
    ]
)
"""``evidence["organizations"]``: the most active organisations of each listed unit."""

BEAUTY_EVIDENCE_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("rank", pa.int64()),
        ("id", pa.string()),
        ("title", pa.string()),
        ("year", pa.int32()),
        ("b", pa.float64()),
        ("t_a", pa.int32()),
        ("awakening_year", pa.int32()),
        ("citations", pa.int64()),
    ]
)
"""``evidence["sleeping_beauties"]``: the top sleeping beauties among each unit's records."""

SEEDS_SCHEMA = pa.schema(
    [
        ("rank", pa.int64()),
        ("id", pa.string()),
        ("title", pa.string()),
        ("year", pa.int32()),
        ("cd", pa.float64()),
        ("mcd", pa.float64()),
        ("units", pa.string()),
        ("citations", pa.int64()),
    ]
)
"""``evidence["disruptive_works"]``: the scope's most disruptive records ("seeds"), any year."""

_SEEDS_SQL = """
SELECT row_number() OVER (ORDER BY d.mcd DESC, d.cd DESC, r.record_id) AS rank,
       r.record_id AS id, t.title, r.year, d.cd, d.mcd, r.units, coalesce(c.n, 0) AS citations
FROM (SELECT record_id, min(year) AS year, string_agg(DISTINCT unit_id, ', ' ORDER BY unit_id)
             AS units
      FROM _tw_rec GROUP BY record_id) AS r
JOIN _tw_cd AS d ON d.id = r.record_id
LEFT JOIN _tw_titles AS t ON t.id = r.record_id
LEFT JOIN _tw_cites AS c ON c.id = r.record_id
WHERE d.cd > $thr AND d.mcd >= $min_mcd
ORDER BY rank LIMIT $top
"""

# -- SQL ---------------------------------------------------------------------------------------

# Every record of every unit in the store (record_id, unit_id, year), by unit (allow-list);
# the definitions of emergence_score.
_ALL_SQL = {
    "concept": """
CREATE OR REPLACE TEMP TABLE _tw_all AS
SELECT DISTINCT c.work_id AS record_id, c.concept_id AS unit_id, w.year::INTEGER AS year
FROM work_concepts AS c JOIN works AS w USING (work_id) WHERE w.year IS NOT NULL
""",
    "topic": """
CREATE OR REPLACE TEMP TABLE _tw_all AS
SELECT DISTINCT t.work_id AS record_id, t.topic_id AS unit_id, w.year::INTEGER AS year
FROM work_topics AS t JOIN works AS w USING (work_id) WHERE w.year IS NOT NULL
""",
    "cpc_group": """
CREATE OR REPLACE TEMP TABLE _tw_all AS
SELECT DISTINCT c.patent_id AS record_id, c.cpc_group AS unit_id,
       coalesce(p.year, year(p.grant_date))::INTEGER AS year
FROM patent_cpc AS c JOIN patents AS p USING (patent_id)
WHERE c.cpc_group IS NOT NULL AND coalesce(p.year, year(p.grant_date)) IS NOT NULL
""",
}

_LAST_YEAR_SQL = {
    "works": "SELECT max(year) FROM works",
    "patents": "SELECT max(coalesce(year, year(grant_date))) FROM patents",
}

# Country weights of each window record: fractional over authorship countries (works) or the
# distinct assignee countries (patents).
_COUNTRY_SQL = {
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
SELECT patent_id AS record_id, country, 1.0 / count(*) OVER (PARTITION BY patent_id) AS w
FROM (SELECT DISTINCT a.patent_id, upper(a.country_code) AS country
      FROM patent_assignees AS a
      JOIN (SELECT DISTINCT record_id FROM _tw_win) AS r ON r.record_id = a.patent_id
      WHERE a.country_code IS NOT NULL AND a.country_code <> '')
""",
}

# Fractional weight of each organisation on each window record (Waltman & van Eck 2015).
_ORG_SQL = {
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
    SELECT DISTINCT a.patent_id,
           coalesce(a.assignee_id, 'name:' || lower(trim(a.name))) AS akey, al.org_id
    FROM patent_assignees AS a
    JOIN (SELECT DISTINCT record_id FROM _tw_win) AS r ON r.record_id = a.patent_id
    LEFT JOIN org_aliases AS al ON al.source = 'assignee' AND al.source_id = a.assignee_id
    WHERE coalesce(a.assignee_id, a.name) IS NOT NULL
), np AS (SELECT patent_id, count(DISTINCT akey) AS n FROM asg GROUP BY patent_id)
SELECT a.patent_id AS record_id, a.org_id, count(DISTINCT a.akey) / any_value(np.n) AS f
FROM asg AS a JOIN np USING (patent_id)
WHERE a.org_id IS NOT NULL
GROUP BY ALL
""",
}

_VALUES_SQL = """
CREATE OR REPLACE TEMP TABLE _tw_values AS
WITH cnt AS (
    SELECT unit_id, count(DISTINCT record_id) AS records,
           count(DISTINCT record_id) FILTER (WHERE year BETWEEN $end - 8 AND $end - 6) AS s0,
           count(DISTINCT record_id) FILTER (WHERE year BETWEEN $end - 5 AND $end - 3) AS s1,
           count(DISTINCT record_id) FILTER (WHERE year >= $end - 2) AS s2
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
)
SELECT cnt.unit_id AS unit, coalesce(e.name, cnt.unit_id) AS name, e.escore,
       coalesce(e.qualified, false) AS qualified, e.reason,
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
WHERE cnt.records >= $min_records AND (NOT $qualified_only OR coalesce(e.qualified, false))
"""

# Percentile of each component among the units: values compared at 9 decimals (so float noise
# does not break ties), nulls rank lowest; a single unit gets 1 on a defined value.
_PCT_TEMPLATE = """
CASE WHEN count(*) OVER () = 1 THEN (CASE WHEN {col} IS NULL THEN 0.0 ELSE 1.0 END)
     ELSE (rank() OVER (ORDER BY coalesce(round({col}::DOUBLE, 9), '-infinity'::DOUBLE)) - 1)
          / (count(*) OVER () - 1) END AS p_{key}"""

_PCT_HEAD = "CREATE OR REPLACE TEMP TABLE _tw_pct AS SELECT *,"
_PCT_TAIL = " FROM _tw_values"

_SCORE_SQL = """
CREATE OR REPLACE TEMP TABLE _tw_scored AS
WITH s AS (
    SELECT *, ({weighted}) / $w_total AS score FROM _tw_pct
)
SELECT *, row_number() OVER (ORDER BY score DESC, escore DESC NULLS LAST, unit) AS rank
FROM s
"""

_WORKS_EVIDENCE_SQL = {
    "works": "SELECT work_id AS id, any_value(title) AS title FROM works GROUP BY 1",
    "patents": "SELECT patent_id AS id, any_value(title) AS title FROM patents GROUP BY 1",
}

_EVIDENCE_SQL = """
CREATE OR REPLACE TEMP TABLE _tw_listed AS SELECT unit FROM _tw_scored WHERE rank <= $top;
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


def _pct_sql() -> str:
    parts = [
        _PCT_TEMPLATE.replace("{col}", _VALUE_COLUMN[k]).replace("{key}", k) for k in COMPONENTS
    ]
    return _PCT_HEAD + ",".join(parts) + _PCT_TAIL


def _rule(params: dict[str, object]) -> Rule:
    return Rule(
        name="technology_watch",
        statement="Units (topics, concepts or CPC main groups) of the industry are ranked by "
        "the weighted mean of their percentile ranks on the emergence score (Carley et al. "
        "2018), the acceleration of their volume (change of the CAGR between the last two "
        "3-year windows), the share of their works with CD_5 > "
        "cd_threshold, their novelty (first year in the store) and the home country's "
        "fractional share of their works, over the 10-year window ending in end_year.",
        parameters=params,
        references=(
            "Carley et al. 2018, doi:10.1007/s11192-018-2851-x",
            "Rotolo, Hicks & Martin 2015, doi:10.1016/j.respol.2015.06.006",
            "Funk & Owen-Smith 2017, doi:10.1287/mnsc.2015.2366",
            "Park, Leahey & Funk 2023, doi:10.1038/s41586-022-05543-x",
            "Ke et al. 2015, doi:10.1073/pnas.1424329112",
        ),
    )


def technology_watch(
    store: Store,
    *,
    country: str = WATCH.country,
    industry: str | None = None,
    unit: str = WATCH.unit,
    end_year: int | None = WATCH.end_year,
    top: int = WATCH.top,
    cd_threshold: float = WATCH.cd_threshold,
    weights: Mapping[str, float] | None = WATCH.weights,
    qualified_only: bool = WATCH.qualified_only,
    min_records: int = WATCH.min_records,
    thin_records: int = WATCH.thin_records,
    evidence_per_unit: int = WATCH.evidence_per_unit,
    beauty_min_citations: int = WATCH.beauty_min_citations,
    seed_min_mcd: float = WATCH.seed_min_mcd,
) -> DecisionResult:
    r"""A ranked watch list of emerging technologies for ``country`` (C7).

    Implements the rule of this module's docstring.

    Parameters
    ----------
    store : Store
        The store. Organisation evidence needs resolved organisations
        (:func:`forcemap.store.organizations.resolve_organizations`); without them it is empty.
    country : str, default "CN"
        ISO 3166-1 alpha-2 code of the home country X.
    industry : str, optional
        A catalog industry: only its works (``unit="topic"``/``"concept"``) or patents
        (``unit="cpc_group"``) count. Default: every record of the store.
    unit : {"topic", "concept", "cpc_group"}, default "topic"
        The technology unit (see :func:`~forcemap.indicators.emergence.emergence_score`).
    end_year : int, optional
        Last year of the window (default: the latest publication / grant year in the store).
    top : int, default 20
        A **row count**: units listed.
    cd_threshold : float, default 0.0
        A record is disruptive when its CD\ :sub:`5` is above this.

    The defaults and checks are those of :class:`~forcemap.decide.params.WatchParams`.
    weights : mapping of str to float, optional
        Weights of the components :data:`COMPONENTS` (``emergence``, ``growth``,
        ``disruption``, ``novelty``, ``home_share``); missing ones stay 1 (non-negative,
        at least one positive).
    qualified_only : bool, default False
        Rank only the units passing the emergence qualification rules; by default every unit
        is ranked and ``qualified`` / ``reason`` show the rules' verdict.
    min_records : int, default 10
        Units with fewer records in the window (in scope) are not ranked.
    thin_records : int, default 20
        A listed unit with fewer records in the window is flagged ``thin_evidence``.
    evidence_per_unit : int, default 5
        Rows per listed unit in each evidence table.
    beauty_min_citations : int, default 10
        ``min_citations`` of :func:`~forcemap.indicators.sleeping_beauty.sleeping_beauty`.
    seed_min_mcd : float, default 10.0
        Least mCD\ :sub:`5` of a record in ``evidence["disruptive_works"]`` (a CD\ :sub:`5`
        of 1 from two citers is not yet a seed).

    Returns
    -------
    DecisionResult
        ``table``: :data:`WATCH_SCHEMA`, the ``top`` units by score (component values,
        percentiles ``p_*``, window ``records``, the 3-year volumes
        ``volumes`` :math:`[S_0, S_1, S_2]`, ``with_cd`` the records with a defined CD\ :sub:`5`).
        ``evidence["components"]``: the same for every ranked unit;
        ``evidence["works"]``: each listed unit's top window records by mCD\ :sub:`5` =
        CD\ :sub:`5` × in-window citations (disruptive *and* cited first), then store
        citations; ``evidence["organizations"]``: each listed unit's most active
        organisations (fractional records in the window, ``share`` of the unit's records);
        ``evidence["sleeping_beauties"]``: each listed unit's records (any year) with the
        largest beauty coefficient *B* > 0; ``evidence["disruptive_works"]``: the "seeds" of
        disruptive technologies — the ``top`` records in scope of any year (so every one has
        its full 5-year window or as much as the store holds) with CD\ :sub:`5` >
        ``cd_threshold`` and the largest mCD\ :sub:`5` (Funk & Owen-Smith 2017: disruption
        weighted by the citers it draws), with their units.

    Raises
    ------
    InputError
        A bad parameter or an unknown industry.
    StoreError
        The store cannot be read.
    """
    p = WatchParams(
        country=country,
        unit=unit,
        end_year=end_year,
        top=top,
        cd_threshold=cd_threshold,
        weights=weights,
        qualified_only=qualified_only,
        min_records=min_records,
        thin_records=thin_records,
        evidence_per_unit=evidence_per_unit,
        beauty_min_citations=beauty_min_citations,
        seed_min_mcd=seed_min_mcd,
    )
    cty = p.country
    w = check_weights(weights, COMPONENTS)
    entity = "patents" if unit == "cpc_group" else "works"
    cat = industry_scope(None, industry) if industry is not None else None
    scope: pa.Table | None = None
    if cat is not None:
        if entity == "works":
            scope = industry_works(store, catalog=cat).select(["work_id"])
        else:
            scope = industry_patents(store, catalog=cat).select(["patent_id"])
        scope = scope.rename_columns(["record_id"])
    if end_year is None:
        end_year = store.scalar(_LAST_YEAR_SQL[entity])
    params: dict[str, object] = {
        "country": cty,
        "industry": industry,
        "unit": unit,
        "end_year": end_year,
        "window": None if end_year is None else f"{int(end_year) - WINDOW + 1}–{end_year}",
        "top": top,
        "cd_threshold": cd_threshold,
        "weights": w,
        "qualified_only": qualified_only,
        "min_records": min_records,
        "thin_records": thin_records,
        "growth": "g_2 − g_1, g_i = ((S_i + 1) / (S_{i−1} + 1))^(1/3) − 1 over 3-year "
        "volumes S_0 = [E−8, E−6], S_1 = [E−5, E−3], S_2 = [E−2, E]",
        "disruption": f"CD_5 > {cd_threshold}",
        "works_evidence_order": "mCD_5 = CD_5 × in-window citations, then store citations",
        "beauty_min_citations": beauty_min_citations,
        "seeds": f"records of any year in scope with CD_5 > {cd_threshold} and mCD_5 ≥ "
        f"{seed_min_mcd}, by mCD_5 = CD_5 × in-window citers",
    }
    result = DecisionResult(
        name="technology_watch",
        table=WATCH_SCHEMA.empty_table(),
        rule=_rule(params),
        evidence={
            "components": WATCH_SCHEMA.empty_table(),
            "works": WORKS_EVIDENCE_SCHEMA.empty_table(),
            "organizations": ORGS_EVIDENCE_SCHEMA.empty_table(),
            "sleeping_beauties": BEAUTY_EVIDENCE_SCHEMA.empty_table(),
            "disruptive_works": SEEDS_SCHEMA.empty_table(),
        },
    )
    if end_year is None:
        with store.query_cursor("technology watch") as cur:
            result.synthetic = is_synthetic(cur)
        result.warn(f"No {entity} with a year in the store: nothing to watch.")
        return result
    end_year = int(end_year)
    y0 = end_year - WINDOW + 1
    em = emergence_score(store, unit=unit, end_year=end_year).select(
        ["unit_id", "name", "qualified", "reason", "escore"]
    )
    key = "work_id" if entity == "works" else "patent_id"
    cd = (
        indicator_table(store, "disruption", window=5, entity=entity)
        .select([key, "cd", "mcd"])
        .rename_columns(["id", "cd", "mcd"])
    )
    sb = sleeping_beauty(
        store,
        entity="patents" if entity == "patents" else "works",
        min_citations=beauty_min_citations,
    ).select(["id", "year", "b", "t_a", "awakening_year", "citations"])
    with store.query_cursor("technology watch") as cur:
        result.synthetic = is_synthetic(cur)
        for name, tbl in (("_tw_em", em), ("_tw_cd", cd), ("_tw_sb", sb)):
            cur.register(name, tbl)
        cur.execute(_ALL_SQL[unit])
        if scope is None:
            cur.execute("CREATE OR REPLACE TEMP TABLE _tw_rec AS SELECT * FROM _tw_all")
        else:
            cur.register("_tw_scope", scope)
            cur.execute(
                "CREATE OR REPLACE TEMP TABLE _tw_rec AS "
                "SELECT * FROM _tw_all SEMI JOIN _tw_scope USING (record_id)"
            )
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _tw_win AS "
            "SELECT * FROM _tw_rec WHERE year BETWEEN $y0 AND $y1",
            {"y0": y0, "y1": end_year},
        )
        cur.execute(_COUNTRY_SQL[entity])
        cur.execute(_ORG_SQL[entity])
        cites_table = "work_references" if entity == "works" else "patent_citations"
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _tw_cites AS "  # noqa: S608 - allow-listed name
            f"SELECT cited_id AS id, count(DISTINCT citing_id) AS n FROM {cites_table} "
            "WHERE citing_id <> cited_id GROUP BY cited_id"
        )
        cur.execute(
            _VALUES_SQL,
            {
                "end": end_year,
                "thr": float(cd_threshold),
                "country": cty,
                "min_records": min_records,
                "qualified_only": qualified_only,
            },
        )
        cur.execute(_pct_sql())
        weighted = " + ".join(f"$w_{k} * p_{k}" for k in COMPONENTS)
        score_params: dict[str, object] = {f"w_{k}": v for k, v in w.items()}
        score_params["w_total"] = sum(w.values())
        cur.execute(_SCORE_SQL.replace("{weighted}", weighted), score_params)
        components = _as_watch(
            cur.sql("SELECT * FROM _tw_scored ORDER BY rank").to_arrow_table(), thin_records
        )
        ev_params = {"top": top, "per_unit": evidence_per_unit, "country": cty}
        for stmt in _EVIDENCE_SQL.split(";\n"):
            cur.execute(stmt, {k: v for k, v in ev_params.items() if f"${k}" in stmt})
        cur.execute("CREATE OR REPLACE TEMP TABLE _tw_titles AS " + _WORKS_EVIDENCE_SQL[entity])
        works_ev = (
            cur.sql(
                "SELECT e.unit, e.rank, e.id, t.title, e.year, e.cd, e.mcd, e.citations "
                "FROM _tw_ev_works AS e LEFT JOIN _tw_titles AS t USING (id) "
                "ORDER BY e.unit, e.rank"
            )
            .to_arrow_table()
            .cast(WORKS_EVIDENCE_SCHEMA)
        )
        orgs_ev = (
            cur.sql("SELECT * FROM _tw_ev_orgs ORDER BY unit, rank")
            .to_arrow_table()
            .select(ORGS_EVIDENCE_SCHEMA.names)
            .cast(ORGS_EVIDENCE_SCHEMA)
        )
        beauty_ev = (
            cur.sql(
                "SELECT e.unit, e.rank, e.id, t.title, e.year, e.b, e.t_a, e.awakening_year, "
                "e.citations FROM _tw_ev_beauties AS e LEFT JOIN _tw_titles AS t USING (id) "
                "ORDER BY e.unit, e.rank"
            )
            .to_arrow_table()
            .cast(BEAUTY_EVIDENCE_SCHEMA)
        )
        seeds = (
            cur.sql(
                _SEEDS_SQL,
                params={"thr": float(cd_threshold), "min_mcd": float(seed_min_mcd), "top": top},
            )
            .to_arrow_table()
            .cast(SEEDS_SCHEMA)
        )
        counts = cur.execute(
            """SELECT (SELECT count(DISTINCT unit_id) FROM _tw_win),
                      (SELECT count(*) FROM _tw_values),
                      (SELECT count(*) FROM org_aliases)"""
        ).fetchall()[0]
    result.table = components.slice(0, top)
    # the evidence tables in the order of the main table
    order = {u: i for i, u in enumerate(result.table["unit"].to_pylist())}
    result.evidence = {
        "components": components,
        "works": _in_order(works_ev, order),
        "organizations": _in_order(orgs_ev, order),
        "sleeping_beauties": _in_order(beauty_ev, order),
        "disruptive_works": seeds,
    }
    _caveats(result, counts, scope is not None, entity)
    return result


def _as_watch(t: pa.Table, thin_records: int) -> pa.Table:
    thin = pa.array([r < thin_records for r in t["records"].to_pylist()], pa.bool_())
    t = t.append_column("thin_evidence", thin)
    return t.select(WATCH_SCHEMA.names).cast(WATCH_SCHEMA)


def _in_order(t: pa.Table, order: dict[str, int]) -> pa.Table:
    if t.num_rows == 0:
        return t
    keys = [
        (order.get(u, len(order)), r)
        for u, r in zip(t["unit"].to_pylist(), t["rank"].to_pylist(), strict=True)
    ]
    idx = sorted(range(t.num_rows), key=keys.__getitem__)
    return t.take(pa.array(idx, pa.int64()))


def _caveats(
    result: DecisionResult, counts: tuple[int, int, int], sliced: bool, entity: str
) -> None:
    p = result.rule.parameters
    n_units, n_ranked, n_alias = counts
    t = result.table
    rows = t.to_pylist()
    if not rows:
        where = f"industry {p['industry']}" if sliced else "the store"
        result.warn(
            f"No {p['unit']} of {where} has {p['min_records']} or more records in "
            f"{p['window']}: nothing to watch."
        )
    elif n_units > n_ranked:
        result.warn(
            f"{n_units - n_ranked} of {n_units} units with records in {p['window']} were not "
            f"ranked (fewer than {p['min_records']} records"
            + (", or not qualified by the emergence rules)." if p["qualified_only"] else ").")
        )
    unq = [r["name"] for r in rows if not r["qualified"]]
    if unq:
        result.warn(
            f"{len(unq)} listed unit(s) do not pass the emergence qualification rules of "
            f"Carley et al. (see `qualified` and `reason`): {', '.join(unq[:8])}"
            + (" …" if len(unq) > 8 else "")
            + "."
        )
    thin = [r["name"] for r in rows if r["thin_evidence"]]
    if thin:
        result.warn(
            f"Thin evidence (fewer than {p['thin_records']} records in the window): "
            f"{', '.join(thin[:8])}" + (" …" if len(thin) > 8 else "") + ". Read their "
            "percentiles as indicative only."
        )
    no_cd = [r["name"] for r in rows if not r["with_cd"]]
    if no_cd:
        result.warn(
            f"No {entity} with a defined CD_5 in {len(no_cd)} listed unit(s); their "
            "disruption component ranks lowest."
        )
    no_home = [r["name"] for r in rows if r["home_share"] is None]
    if no_home:
        result.warn(
            f"No country information for the records of {len(no_home)} listed unit(s); "
            "their home-share component ranks lowest."
        )
    if rows and n_ranked < 4:
        result.warn(f"Only {n_ranked} unit(s) ranked: the percentile ranks are coarse.")
    if sliced:
        result.warn(
            "The emergence score is store-wide (the unit's share of all records of each "
            "year); the other components use the industry's records only."
        )
    result.warn(
        "CD_5 of records from the last five years is computed on truncated citation windows; "
        "novelty cannot tell apart units present since the first year of the data."
    )
    if rows and not n_alias:
        result.warn(
            "Organisations are not resolved in this store (no org_aliases): the organisation "
            "evidence is empty; run resolve_organizations first."
        )
    if result.synthetic:
        result.warn("SYNTHETIC DATA: the store holds records from a synthetic world.")
