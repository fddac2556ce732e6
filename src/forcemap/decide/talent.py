r"""Strategic scientists and talent flows: who carries a country's science in an industry?

**Scientists.** An author is a person: the ``person_id`` of ``person_aliases`` of an authorship's
author id (:func:`forcemap.store.persons.resolve_persons`), else — persons not resolved — the
author id itself; authorships without an id are left out; ``possibly_same_as`` lists the persons
scored as possibly the same one (``person_possible``). Works belong to a unit — a catalog industry
(:func:`forcemap.store.slices.industry_works`) or a field (the work's top level-0 concept,
:func:`forcemap.indicators.impact.assign_field`) — and count when published in the ``years``
window :math:`[y_0, y_1]` (default: every year; :math:`y_1` defaults to the latest publication
year of the store). For author *a* and unit *u*, with :math:`W_{au}` the author's works of *u*
in the window and :math:`|A_w|` the number of authors (distinct author positions) of work *w*:

=========================  ===================================================================
``country``                current affiliation country: the country of the author's main
                           affiliation in the latest year (:math:`\le y_1`) in which the
                           author has an affiliation with a country; the main affiliation of a
                           year is the (country, organisation) on most of that year's works
                           (ties: a known organisation first, then the smaller country code and
                           organisation id). Only authors whose current country is X are
                           listed.
``first_year``             first publication year of the author anywhere in the store
``career_age``             :math:`y_1 - \text{first\_year}`
``n_works``, ``works``     :math:`|W_{au}|` and the fractional count
                           :math:`\sum_{w \in W_{au}} 1/|A_w|` (Waltman & van Eck 2015)
``mean_ncs``               mean field-normalised citation score of the works of
                           :math:`W_{au}` that have one (:func:`~forcemap.indicators.impact.
                           field_normalised_citation_score`, each work weight 1); NULL unless
                           at least ``min_works`` works have an NCS (sustained impact)
``top10_share``            share of the works of :math:`W_{au}` with a percentile that are in
                           the top 10 % of their field, year and type (the conservative
                           ``top10`` flag of :func:`~forcemap.indicators.impact.
                           percentile_rank`); NULL unless at least ``min_works`` have one
``breadth``                distinct level-1 concepts (score ≥ ``concept_min_score``, 0.3) — or topic
                           subfields (``breadth="topic_subfield"``) — over :math:`W_{au}`
``leadership_share``       share of :math:`W_{au}` where *a* is last or corresponding author
``enterprise_share``       share of :math:`W_{au}` with at least one affiliation (any author,
                           *a* included) whose organisation type is ``enterprise``
                           (university–industry co-publication in the Leiden Ranking sense)
=========================  ===================================================================

An author is **eligible** in *u* when :math:`|W_{au}| \ge` ``min_works``. Sustained impact
over a career, not one hit, is what marks a scientist out (Sinatra et al. 2016 show that an
individual's impact parameter *Q* is stable across a career and is estimated from the mean of
the log-impact of all the works, so it needs several of them). Each of the six components
:math:`v_k` (works, mean_ncs, top10_share, breadth, leadership_share, enterprise_share) is
turned into a percentile rank among the eligible X authors of the unit,

.. math::

    P_{ak} = \frac{|\{a' : v_{a'k} < v_{ak}\}|}{n - 1}, \qquad
    \mathrm{score}_a = \frac{1}{6}\sum_k P_{ak},

(ties share the lower rank, values compared at 9 decimals, a NULL ranks below every value,
and a lone author gets 1 for a positive component, 0 otherwise — as in
:mod:`forcemap.decide.actors`).

**Kinds.** A **strategic** scientist has ``career_age`` > ``young_career_years``; the others
are **rising**. Strategic scientists are ranked by ``score``. Rising scientists are ranked by
their impact relative to their cohort: with :math:`R = [y_1 - r + 1, y_1]` the last
``recent_years`` (*r* = 3) years of the window,

.. math::

    \mathrm{recent}_{au} = \operatorname{mean}_{w \in W_{au},\, y_w \in R} \mathrm{NCS}_w,
    \qquad
    \mathrm{cohort\_relative\_impact}_{au} =
    \frac{\mathrm{recent}_{au}}{\operatorname{mean}_{b \in C_{au}} \mathrm{recent}_{bu}},

where the cohort :math:`C_{au}` is every author of the unit, of any country and any number of
works, with the same ``first_year`` as *a* and at least one recent work with an NCS (*a*
included: a lone member has ratio 1). Above 1, the author outperforms the peers who started in
the same year; NULL (no recent NCS, or a cohort whose mean is 0) ranks last, ties by ``score``.

**Talent flows.** For every author active in scope (a work of a unit in scope in the window,
any country), the main affiliation of each publication year is compared with that of the
author's previous publication year (consecutive publication years, which may be calendar years
apart). A **move** is a change of country, or of organisation when both are known; it is dated
by the later year and counted when that year is in the window. Moves are aggregated as
(from_country, to_country, from_sector, to_sector) with the number of moves and of distinct
authors, the sector being the organisation type (``organizations.type`` through
``org_aliases``; with ``org_level`` parent or top, affiliations, moves and sectors are those
of the organisation an institution rolls up to along ``org_hierarchy``, so a move between two
units of one university is no move; the OpenAlex institution type mapped the same way when
organisations are not resolved; ``unknown`` without an institution). X's **balance** counts
distinct authors moving into X from another country (inflow) and out of X to another
(outflow), overall and by sector (the sector entered, resp. left); net = inflow − outflow.
Inferring mobility from affiliation changes in publications is the method of the OECD
Science, Technology and Industry Scoreboard (researcher mobility from Scopus author
affiliations) and Moed & Halevi (2014).

References
----------
Sinatra, R., Wang, D., Deville, P., Song, C. & Barabási, A.-L. (2016). Quantifying the
evolution of individual scientific impact. *Science* 354(6312), aad5239.
doi:10.1126/science.aaf5239. Waltman, L. & van Eck, N. J. (2015). Field-normalized citation
impact indicators and the choice of an appropriate counting method. *J. Informetrics* 9(4),
872–894. doi:10.1016/j.joi.2015.08.001. Moed, H. F. & Halevi, G. (2014). A bibliometric
approach to tracking international scientific migration. *Scientometrics* 101, 1987–2001.
doi:10.1007/s11192-014-1307-6. OECD (2017). *OECD Science, Technology and Industry Scoreboard
2017*, "International mobility of scientific authors". doi:10.1787/9789264268821-en.
"""

from __future__ import annotations

from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.decide._career import first_year_sql
from forcemap.decide._evidence import insufficient
from forcemap.decide._scope import at_org_level, check_years, industry_scope
from forcemap.decide._talent_flows_sql import BALANCE_SQL, FLOWS_SQL, MOVES_SQL
from forcemap.decide._unit_intervals import unit_ratio_intervals
from forcemap.decide.params import TALENT, TalentParams
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.errors import InputError
from forcemap.indicators.impact import (
    assign_field,
    field_normalised_citation_score,
    impact_caveats,
    percentile_rank,
)
from forcemap.store.org_hierarchy import org_level_caption
from forcemap.store.person_views import PERSON_OF_SQL, persons_resolved, possible_table
from forcemap.store.reference import IndustryCatalog
from forcemap.store.slices import industry_works
from forcemap.store.store import Store

__all__ = [
    "AUTHOR_SCHEMA",
    "BALANCE_SCHEMA",
    "COMPONENTS",
    "FLOW_SCHEMA",
    "TALENT_SCHEMA",
    "talent",
]

COMPONENTS: tuple[str, ...] = (
    "works",
    "mean_ncs",
    "top10_share",
    "breadth",
    "leadership_share",
    "enterprise_share",
)
"""The components of the composite score (equal weights), in order."""

TALENT_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("unit_name", pa.string()),
        ("kind", pa.string()),
        ("rank", pa.int64()),
        ("author_id", pa.string()),
        ("author_name", pa.string()),
        ("country", pa.string()),
        ("org_id", pa.string()),
        ("org_name", pa.string()),
        ("sector", pa.string()),
        ("first_year", pa.int32()),
        ("career_age", pa.int32()),
        ("n_works", pa.int64()),
        ("works", pa.float64()),
        ("impact_works", pa.int64()),
        ("mean_ncs", pa.float64()),
        ("mean_ncs_low", pa.float64()),
        ("mean_ncs_high", pa.float64()),
        ("top10_share", pa.float64()),
        ("top10_share_low", pa.float64()),
        ("top10_share_high", pa.float64()),
        ("breadth", pa.int64()),
        ("leadership_share", pa.float64()),
        ("enterprise_share", pa.float64()),
        ("recent_works", pa.int64()),
        ("recent_ncs", pa.float64()),
        ("cohort_size", pa.int64()),
        ("cohort_relative_impact", pa.float64()),
        ("score", pa.float64()),
        ("outcome", pa.string()),
        ("possibly_same_as", pa.string()),
    ]
)
"""The main table: the ``top`` strategic and the ``top`` rising scientists of each unit;
``rank`` and ``score`` are null and ``outcome`` is "insufficient evidence (…)" in a unit
with fewer than ``min_scientists`` eligible scientists (or below the country coverage)."""

AUTHOR_SCHEMA = pa.schema([*TALENT_SCHEMA, *[(f"p_{k}", pa.float64()) for k in COMPONENTS]])
"""``evidence["authors"]``: every eligible author with the percentile of each component."""

FLOW_SCHEMA = pa.schema(
    [
        ("from_country", pa.string()),
        ("to_country", pa.string()),
        ("from_sector", pa.string()),
        ("to_sector", pa.string()),
        ("moves", pa.int64()),
        ("authors", pa.int64()),
    ]
)
"""``evidence["flows"]``: affiliation changes between consecutive publication years."""

BALANCE_SCHEMA = pa.schema(
    [
        ("country", pa.string()),
        ("sector", pa.string()),
        ("inflow", pa.int64()),
        ("outflow", pa.int64()),
        ("net", pa.int64()),
    ]
)
"""``evidence["balance"]``: X's international inflow, outflow and net, overall (``all``) and
by sector."""

# -- SQL ---------------------------------------------------------------------------------------

# One row per authorship with its year, country, organisation (resolved, else the institution)
# and sector (organisation type, else the institution type mapped as resolve_organizations
# does).
_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE _ta_rows AS
WITH inst AS (
    SELECT institution_id, any_value(upper(country_code)) AS cc,
           any_value(lower(trim(type))) AS t, any_value(name) AS name
    FROM institutions GROUP BY institution_id
), alias AS (
    SELECT source_id, min(org_id) AS org_id FROM org_aliases
    WHERE source = 'institution' GROUP BY source_id
), org AS (
    SELECT org_id, any_value(type) AS type, any_value(name) AS name,
           any_value(upper(country_code)) AS cc
    FROM organizations GROUP BY org_id
)
SELECT a.work_id, a.author_seq, coalesce(po.person_id, a.author_id) AS author_id,
       coalesce(po.person_name, a.author_name) AS author_name, w.year::INTEGER AS year,
       nullif(upper(trim(coalesce(a.country_code, i.cc, o.cc))), '') AS country,
       coalesce(al.org_id, a.institution_id) AS org_id,
       coalesce(o.name, i.name) AS org_name,
       CASE WHEN a.institution_id IS NULL THEN NULL
            -- an organisation typed 'other' for want of a stated type has an unknown sector
            WHEN o.type = 'other' AND i.t IS NULL THEN NULL
            WHEN o.type IS NOT NULL THEN o.type
            WHEN i.t IS NULL THEN NULL
            ELSE CASE i.t WHEN 'education' THEN 'university'
                          WHEN 'company' THEN 'enterprise'
                          WHEN 'government' THEN 'institute'
                          WHEN 'nonprofit' THEN 'institute'
                          WHEN 'facility' THEN 'facility'
                          WHEN 'healthcare' THEN 'healthcare'
                          ELSE 'other' END
       END AS sector,
       coalesce(a.author_position = 'last', false)
           OR coalesce(a.is_corresponding, false) AS lead
FROM authorships AS a
JOIN works AS w USING (work_id)
LEFT JOIN _fm_person_of AS po ON po.author_id = a.author_id
LEFT JOIN inst AS i USING (institution_id)
LEFT JOIN alias AS al ON al.source_id = a.institution_id
LEFT JOIN org AS o ON o.org_id = al.org_id
"""

# Work level (authors, enterprise participation), author × work (fractional weight,
# leadership), author-year main affiliation, first year and current affiliation.
_AUTHOR_SQL = """
CREATE OR REPLACE TEMP TABLE _ta_work AS
SELECT work_id, count(DISTINCT author_seq) AS n_auth,
       coalesce(bool_or(sector = 'enterprise'), false) AS enterprise
FROM _ta_rows GROUP BY work_id;

CREATE OR REPLACE TEMP TABLE _ta_aw AS
SELECT r.work_id, r.author_id, any_value(r.year) AS year,
       count(DISTINCT r.author_seq) / any_value(w.n_auth) AS weight, bool_or(r.lead) AS lead
FROM _ta_rows AS r JOIN _ta_work AS w USING (work_id)
WHERE r.author_id IS NOT NULL
GROUP BY r.work_id, r.author_id;

CREATE OR REPLACE TEMP TABLE _ta_ay AS
SELECT author_id, year, country, org_id, org_name, sector FROM (
    SELECT author_id, year, country, org_id, any_value(org_name) AS org_name,
           any_value(sector) AS sector, count(DISTINCT work_id) AS n
    FROM _ta_rows
    WHERE author_id IS NOT NULL AND year IS NOT NULL AND country IS NOT NULL
    GROUP BY author_id, year, country, org_id
)
QUALIFY row_number() OVER (PARTITION BY author_id, year
                           ORDER BY n DESC, org_id IS NULL, country, org_id) = 1;

CREATE OR REPLACE TEMP TABLE _ta_first AS
@FIRST_YEAR@;

CREATE OR REPLACE TEMP TABLE _ta_names AS
SELECT r.author_id,
       coalesce(any_value(po.person_name), any_value(au.name), any_value(r.author_name))
           AS author_name
FROM _ta_rows AS r
LEFT JOIN (SELECT author_id, any_value(name) AS name FROM authors GROUP BY author_id) AS au
       USING (author_id)
LEFT JOIN (SELECT DISTINCT person_id, person_name FROM _fm_person_of) AS po
       ON po.person_id = r.author_id
WHERE r.author_id IS NOT NULL GROUP BY r.author_id;
""".replace("@FIRST_YEAR@", first_year_sql("_ta_aw"))

_CURRENT_SQL = """
CREATE OR REPLACE TEMP TABLE _ta_current AS
SELECT author_id, country, org_id, org_name, sector FROM _ta_ay
WHERE year <= $y1
QUALIFY row_number() OVER (PARTITION BY author_id ORDER BY year DESC) = 1
"""

_SELECT_SQL = """
CREATE OR REPLACE TEMP TABLE _ta_sel AS
SELECT DISTINCT u.work_id, u.unit FROM _ta_units AS u JOIN works AS w USING (work_id)
WHERE w.year IS NOT NULL AND ($y0 IS NULL OR w.year >= $y0) AND w.year <= $y1
"""

_METRICS_SQL = """
CREATE OR REPLACE TEMP TABLE _ta_metrics AS
WITH aw AS (
    SELECT s.unit, aw.*, i.ncs, i.top10, w.enterprise
    FROM _ta_sel AS s
    JOIN _ta_aw AS aw USING (work_id)
    JOIN _ta_work AS w USING (work_id)
    LEFT JOIN _ta_impact AS i USING (work_id)
), br AS (
    SELECT s.unit, aw.author_id, count(DISTINCT b.item) AS breadth
    FROM _ta_sel AS s
    JOIN _ta_aw AS aw USING (work_id)
    JOIN _ta_items AS b USING (work_id)
    GROUP BY ALL
), m AS (
    SELECT unit, author_id,
           count(*) AS n_works, sum(weight) AS works,
           count(ncs) AS impact_works, avg(ncs) AS mean_ncs_all,
           count(top10) AS pct_works, avg(top10::DOUBLE) AS top10_all,
           avg(lead::DOUBLE) AS leadership_share,
           avg(enterprise::DOUBLE) AS enterprise_share,
           count(ncs) FILTER (WHERE year > $y1 - $recent) AS recent_works,
           avg(ncs) FILTER (WHERE year > $y1 - $recent) AS recent_ncs
    FROM aw GROUP BY unit, author_id
)
SELECT m.*, coalesce(br.breadth, 0) AS breadth, f.first_year
FROM m JOIN _ta_first AS f USING (author_id) LEFT JOIN br USING (unit, author_id)
"""

_VALUES_SQL = """
CREATE OR REPLACE TEMP TABLE _ta_values AS
WITH cohort AS (
    SELECT unit, first_year, count(*) AS cohort_size, avg(recent_ncs) AS cohort_ncs
    FROM _ta_metrics WHERE recent_ncs IS NOT NULL GROUP BY unit, first_year
)
SELECT m.unit, u.unit_name,
       CASE WHEN $y1 - m.first_year > $young THEN 'strategic' ELSE 'rising' END AS kind,
       m.author_id, n.author_name, c.country, c.org_id, c.org_name, c.sector,
       m.first_year::INTEGER AS first_year, ($y1 - m.first_year)::INTEGER AS career_age,
       m.n_works, m.works, m.impact_works,
       CASE WHEN m.impact_works >= $min_works THEN m.mean_ncs_all END AS mean_ncs,
       NULL::DOUBLE AS mean_ncs_low, NULL::DOUBLE AS mean_ncs_high,
       CASE WHEN m.pct_works >= $min_works THEN m.top10_all END AS top10_share,
       NULL::DOUBLE AS top10_share_low, NULL::DOUBLE AS top10_share_high,
       m.breadth, m.leadership_share, m.enterprise_share,
       m.recent_works, m.recent_ncs,
       CASE WHEN m.recent_ncs IS NOT NULL THEN co.cohort_size END AS cohort_size,
       m.recent_ncs / nullif(co.cohort_ncs, 0) AS cohort_relative_impact,
       pp.possibly_same_as
FROM _ta_metrics AS m
JOIN _ta_current AS c USING (author_id)
LEFT JOIN _ta_names AS n USING (author_id)
LEFT JOIN _ta_unit_names AS u USING (unit)
LEFT JOIN cohort AS co ON co.unit = m.unit AND co.first_year = m.first_year
LEFT JOIN _fm_person_possible AS pp ON pp.person_id = m.author_id
WHERE c.country = $country AND m.n_works >= $min_works
"""

# Percentile of each component within the unit: values compared at 9 decimals, NULL lowest.
_PCT_TEMPLATE = """
CASE WHEN count(*) OVER w = 1 THEN (CASE WHEN coalesce({col}, 0) > 0 THEN 1.0 ELSE 0.0 END)
     ELSE (rank() OVER (PARTITION BY unit
                        ORDER BY coalesce(round({col}, 9), '-infinity'::DOUBLE)) - 1)
          / (count(*) OVER w - 1) END AS p_{col}"""

_SCORE_SQL = """
WITH s AS (
    SELECT *, ({p_sum}) / {n} AS score, count(*) OVER (PARTITION BY unit) AS n_unit
    FROM _ta_pct
), r AS (
    SELECT *, row_number() OVER (
        PARTITION BY unit, kind
        ORDER BY CASE WHEN kind = 'rising' THEN coalesce(round(cohort_relative_impact, 9),
                                                         '-infinity'::DOUBLE) END DESC,
                 round(score, 9) DESC, works DESC, author_id) AS rank0
    FROM s
)
SELECT * EXCLUDE (rank0, n_unit, score),
       CASE WHEN n_unit >= $min_sci THEN score END AS score,
       CASE WHEN n_unit >= $min_sci THEN rank0 END AS rank,
       CASE WHEN n_unit >= $min_sci THEN 'ranked'
            ELSE 'insufficient evidence (eligible scientists in the unit ' || n_unit
                 || ' < ' || $min_sci || ')' END AS outcome
FROM r ORDER BY unit, kind, rank0
"""


def _rule(p: TalentParams, params: dict[str, object]) -> Rule:
    return Rule(
        name="talent",
        statement=(
            org_level_caption(p.org_level).capitalize() + ". " if p.org_level != "self" else ""
        )
        + "Scientists of country X (current affiliation country, latest year) with at "
        "least min_works works in the unit and window are scored by the mean of their "
        "percentile ranks among X's eligible scientists of the unit on fractional works, "
        "mean NCS and top-10 % share (sustained impact, each over at least min_works works), "
        "breadth (distinct level-1 concepts or subfields), leadership share (last or "
        "corresponding author) and enterprise co-publication share. Career age ≤ "
        "young_career_years makes a scientist rising, ranked by the mean NCS of the last "
        "recent_years years over the mean of the same-first-year cohort; the others are "
        "strategic, ranked by score. A unit with fewer than min_scientists eligible "
        "scientists, or scope where fewer than min_coverage of the authors have a known "
        "current country, is not ranked ('insufficient evidence'); mean NCS and top-10 % "
        "share carry 95 % stability intervals (bootstrap over the scientist's works). "
        "Talent flows are changes of main affiliation (country or organisation) between "
        "consecutive publication years; an unknown sector stays 'unknown'.",
        parameters=params,
        references=(
            "Sinatra et al. 2016, Science 354, doi:10.1126/science.aaf5239",
            "Waltman & van Eck 2015, doi:10.1016/j.joi.2015.08.001",
            "Moed & Halevi 2014, Scientometrics 101, doi:10.1007/s11192-014-1307-6",
            "OECD Science, Technology and Industry Scoreboard 2017 (scientist mobility)",
        ),
        conventions={"concept_min_score": p.concept_min_score},
    )


def _units(
    store: Store,
    unit: str,
    industry: str | None,
    catalog: IndustryCatalog | None,
) -> tuple[pa.Table, pa.Table]:
    """Work → unit and unit → name tables."""
    if unit == "industry":
        cat = industry_scope(catalog, industry)
        works = industry_works(store, industries=list(cat.keys()), catalog=cat)
        names = pa.table(
            {
                "unit": pa.array(list(cat.keys()), pa.string()),
                "unit_name": pa.array([cat[k].name for k in cat], pa.string()),
            }
        )
        return works.rename_columns(["work_id", "unit"]), names
    works = assign_field(store, field="concept0").rename_columns(["work_id", "unit"])
    names = store.sql(
        """SELECT concept_id AS unit, coalesce(any_value(name), concept_id) AS unit_name
           FROM work_concepts WHERE level = 0 GROUP BY concept_id ORDER BY concept_id"""
    ).to_arrow_table()
    if industry is not None:
        key = str(industry).strip().lower()
        hit = [
            u
            for u, n in zip(names["unit"].to_pylist(), names["unit_name"].to_pylist(), strict=True)
            if u.lower() == key or (n or "").lower() == key
        ]
        if not hit:
            raise InputError(
                f"unknown field {industry!r}: give a level-0 concept id or name of the store"
            )
        works = works.filter(pc.is_in(works["unit"], pa.array(hit, pa.string())))
        names = names.filter(pc.is_in(names["unit"], pa.array(hit, pa.string())))
    return works, names.cast(pa.schema([("unit", pa.string()), ("unit_name", pa.string())]))


def _items(store: Store, breadth: str) -> tuple[str, str]:
    """The SQL of the breadth items (work_id, item) and the basis actually used; the
    concept items bind ``$concept_min_score``."""
    if breadth == "auto":
        with_topic = store.scalar(
            "SELECT count(DISTINCT work_id) FROM work_topics WHERE subfield_id IS NOT NULL"
        )
        with_concept = store.scalar(
            "SELECT count(DISTINCT work_id) FROM work_concepts WHERE level = 1"
        )
        breadth = "topic_subfield" if with_topic > with_concept else "concept1"
    if breadth == "concept1":
        sql = """SELECT DISTINCT work_id, concept_id AS item FROM work_concepts
                 WHERE level = 1 AND coalesce(score, 1.0) >= $concept_min_score"""
    else:
        sql = """SELECT DISTINCT work_id, subfield_id AS item FROM work_topics
                 WHERE subfield_id IS NOT NULL"""
    return sql, breadth


def talent(
    store: Store,
    *,
    country: str = TALENT.country,
    industry: str | None = None,
    years: tuple[int, int] | None = TALENT.years,
    unit: Literal["industry", "field"] = TALENT.unit,
    min_works: int = TALENT.min_works,
    young_career_years: int = TALENT.young_career_years,
    top: int = TALENT.top,
    recent_years: int = TALENT.recent_years,
    impact_field: str = TALENT.impact_field,
    breadth: Literal["auto", "concept1", "topic_subfield"] = TALENT.breadth,
    catalog: IndustryCatalog | None = None,
    concept_min_score: float = TALENT.concept_min_score,
    min_scientists: int = TALENT.min_scientists,
    min_coverage: float = TALENT.min_coverage,
    citations: str = TALENT.citations,
    org_level: str = TALENT.org_level,
) -> DecisionResult:
    r"""Strategic and rising scientists of ``country`` per industry or field, and talent flows.

    Implements the rule in this module's docstring (capability C11).

    Parameters
    ----------
    store : Store
        The store (works, authorships, institutions; organisations resolved or not).
    country : str, default "CN"
        ISO 3166-1 alpha-2 code of the home country X.
    industry : str, optional
        One catalog industry key (``unit="industry"``) or one level-0 concept id or name
        (``unit="field"``); every unit when None.
    years : (int, int), optional
        Inclusive publication-year window; default every year up to the latest one. The end
        year is the reference of career ages, current affiliations and the recent period.
        First years and citation indicators always use the whole store.
    unit : {"industry", "field"}, default "industry"
        Catalog industries, or fields (the work's top level-0 concept).
    min_works : int, default 5
        Works an author needs in the unit and window to be listed, and works with an NCS
        (resp. a percentile) needed for ``mean_ncs`` (resp. ``top10_share``) to be reported.
    young_career_years : int, default 10
        Career age (years since the first publication) up to which a scientist is rising.
    top : int, default 25
        A **row count**: strategic and rising scientists kept per unit in the main table
        (each kind).
    recent_years : int, default 3
        Length of the recent period of the cohort comparison.
    impact_field : {"auto", "concept0", "concept1", "topic_field", "topic_subfield"}
        Field definition of the NCS reference sets; ``auto`` takes topic subfields when more
        works have topics than level-0 concepts, else level-0 concepts.
    breadth : {"auto", "concept1", "topic_subfield"}, default "auto"
        What breadth counts; ``auto`` takes subfields when more works have them than level-1
        concepts.
    catalog : IndustryCatalog, optional
        The industry catalog (default: the shipped one).
    concept_min_score : float, default 0.3
        Least score of a level-1 concept counted in breadth (recorded in
        ``rule.conventions``).
    min_scientists : int, default 4
        Eligible scientists a unit needs for its percentile ranks to be read; below it the
        unit's rows keep their counts with ``outcome`` "insufficient evidence (eligible
        scientists in the unit … < …)", no rank and no score.
    min_coverage : float, default 0.5
        Least share of the authors active in scope with a known current country; below it
        no scientist is ranked (an author of unknown country may be X's).
    citations : {"auto", "store", "source"}, default "auto"
        Citation basis of NCS and the top-10 % flag
        (:func:`forcemap.indicators.impact.citation_basis`); the basis used is in the caveats.
    org_level : {"self", "parent", "top"}, default "self"
        A scientist's organisation as resolved, or rolled up to its parent or the top of its
        hierarchy (:func:`forcemap.store.org_hierarchy.org_aliases_sql`): the affiliation
        shown, the sector and the organisation changes that make a move. The rule states the
        level.

    The defaults and checks are those of :class:`~forcemap.decide.params.TalentParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`TALENT_SCHEMA`, per unit the ``top`` strategic then the ``top``
        rising scientists; ``evidence["authors"]``: :data:`AUTHOR_SCHEMA`, every eligible
        scientist with component percentiles; ``evidence["flows"]``: :data:`FLOW_SCHEMA`;
        ``evidence["balance"]``: :data:`BALANCE_SCHEMA`.

    Raises
    ------
    InputError
        A bad parameter or an unknown industry / field.
    StoreError
        A query failed.
    """
    p = TalentParams(
        country=country,
        years=years,
        unit=unit,
        min_works=min_works,
        young_career_years=young_career_years,
        top=top,
        recent_years=recent_years,
        impact_field=impact_field,
        breadth=breadth,
        concept_min_score=concept_min_score,
        min_scientists=min_scientists,
        min_coverage=min_coverage,
        citations=citations,
        org_level=org_level,
    )
    cty = p.country
    y0, y1 = check_years(years)
    if impact_field == "auto":
        with_topic = store.scalar("SELECT count(DISTINCT work_id) FROM work_topics")
        with_concept = store.scalar(
            "SELECT count(DISTINCT work_id) FROM work_concepts WHERE level = 0"
        )
        impact_field = "topic_subfield" if with_topic > with_concept else "concept0"
    if y1 is None:
        y1 = store.scalar("SELECT max(year) FROM works")
    items_sql, basis = _items(store, breadth)
    params: dict[str, object] = {
        "country": cty,
        "unit": unit,
        "industry": industry,
        "years": [y0, y1],
        "min_works": min_works,
        "young_career_years": young_career_years,
        "top": top,
        "recent_years": recent_years,
        "impact": "NCS and top-10 % flag (by field, year and type)",
        "citations": citations,
        "org_level": p.org_level,
        "impact_field": impact_field,
        "breadth": basis,
        "counting": "fractional (1 / number of authors) for works",
        "weights": "equal (mean of the six percentile ranks)",
        "min_scientists": p.min_scientists,
        "min_coverage": p.min_coverage,
    }
    works_units, unit_names = _units(store, unit, industry, catalog)
    ncs_all = field_normalised_citation_score(store, field=impact_field, citations=p.citations)
    ncs = ncs_all.select(["work_id", "ncs"])
    pct = percentile_rank(store, field=impact_field, citations=p.citations).select(
        ["work_id", "top10"]
    )
    pct_sql = ",".join(_PCT_TEMPLATE.replace("{col}", k) for k in COMPONENTS)
    score_sql = _SCORE_SQL.replace("{p_sum}", " + ".join(f"p_{k}" for k in COMPONENTS)).replace(
        "{n}", str(float(len(COMPONENTS)))
    )
    with store.query_cursor("talent") as cur:
        synthetic = is_synthetic(cur)
        for name, tbl in (
            ("_ta_units", works_units),
            ("_ta_unit_names", unit_names),
            ("_ta_ncs", ncs),
            ("_ta_pct_in", pct),
        ):
            cur.register(name, tbl)
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _ta_impact AS "
            "SELECT work_id, n.ncs, p.top10 FROM _ta_ncs AS n FULL JOIN _ta_pct_in AS p "
            "USING (work_id)"
        )
        cur.execute(
            f"CREATE OR REPLACE TEMP TABLE _ta_items AS {items_sql}",
            {"concept_min_score": p.concept_min_score} if basis == "concept1" else None,
        )
        cur.execute(PERSON_OF_SQL)
        possible_table(cur)
        persons = persons_resolved(cur)
        cur.execute(at_org_level(_ROWS_SQL, p.org_level))
        cur.execute(_AUTHOR_SQL)
        n_rows, n_anon = cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE author_id IS NULL) FROM _ta_rows"
        ).fetchall()[0]
        resolved = bool(cur.execute("SELECT count(*) FROM org_aliases").fetchall()[0][0])
        if y1 is None:  # an empty store: nothing to rank, but a well-formed result
            y1 = 0
        cur.execute(_CURRENT_SQL, {"y1": y1})
        cur.execute(_SELECT_SQL, {"y0": y0, "y1": y1})
        cur.execute(_METRICS_SQL, {"y1": y1, "recent": recent_years})
        cur.execute(
            _VALUES_SQL,
            {"y1": y1, "young": young_career_years, "min_works": min_works, "country": cty},
        )
        cur.execute(
            f"CREATE OR REPLACE TEMP TABLE _ta_pct AS SELECT *,{pct_sql} "  # noqa: S608
            "FROM _ta_values WINDOW w AS (PARTITION BY unit)"
        )
        authors = cur.sql(score_sql, params={"min_sci": p.min_scientists}).to_arrow_table()
        authors = _with_intervals(cur, authors)
        authors = authors.select(AUTHOR_SCHEMA.names).cast(AUTHOR_SCHEMA)
        known_cty, all_authors = cur.execute(
            """SELECT count(DISTINCT aw.author_id) FILTER (
                          WHERE aw.author_id IN (SELECT author_id FROM _ta_current)),
                      count(DISTINCT aw.author_id)
               FROM _ta_sel AS s JOIN _ta_aw AS aw USING (work_id)"""
        ).fetchall()[0]
        cov_low = not all_authors or known_cty < p.min_coverage * all_authors
        if cov_low and authors.num_rows:
            authors = _unranked(authors, known_cty, all_authors, p.min_coverage)
        cur.register("_ta_authors", authors)
        table = (
            cur.sql(
                """SELECT * FROM _ta_authors
                   QUALIFY row_number() OVER (PARTITION BY unit, kind
                                              ORDER BY rank NULLS LAST, works DESC,
                                                       author_id) <= $top
                   ORDER BY unit, kind = 'rising', rank NULLS LAST, works DESC, author_id""",
                params={"top": top},
            )
            .to_arrow_table()
            .select(TALENT_SCHEMA.names)
            .cast(TALENT_SCHEMA)
        )
        cur.execute(MOVES_SQL, {"y0": y0, "y1": y1})
        flows = cur.sql(FLOWS_SQL).to_arrow_table().cast(FLOW_SCHEMA)
        balance = (
            cur.sql(BALANCE_SQL, params={"country": cty}).to_arrow_table().cast(BALANCE_SCHEMA)
        )
        per_unit = dict(
            cur.execute("SELECT unit, count(*) FROM _ta_authors GROUP BY unit").fetchall()
        )
        no_impact = cur.execute(
            "SELECT count(*) FROM _ta_authors WHERE mean_ncs IS NULL"
        ).fetchall()[0][0]

    result = DecisionResult(
        name="talent",
        table=table,
        rule=_rule(p, params),
        evidence={"authors": authors, "flows": flows, "balance": balance},
        synthetic=synthetic,
    )
    _caveats(
        result,
        n_rows=n_rows,
        n_anon=n_anon,
        per_unit=per_unit,
        no_impact=no_impact,
        resolved=resolved,
        persons=persons,
        possible=int(pc.sum(pc.is_valid(table["possibly_same_as"])).as_py() or 0),
    )
    result.cover(
        "authors in scope with a known current country",
        known_cty,
        all_authors,
        minimum=p.min_coverage,
    )
    result.cover("authorships with an author id", n_rows - n_anon, n_rows)
    for caveat in impact_caveats(ncs_all)[:1]:  # the citation basis
        result.warn(caveat)
    return result


def _with_intervals(cur: duckdb.DuckDBPyConnection, authors: pa.Table) -> pa.Table:
    """``authors`` with the 95 % stability intervals of ``mean_ncs`` and ``top10_share``: a
    bootstrap over each scientist's works of the unit (each work weight 1, as the point
    figures; :func:`~forcemap.decide._unit_intervals.unit_ratio_intervals`)."""
    cur.register("_ta_auth_in", authors.select(["unit", "author_id", "mean_ncs", "top10_share"]))
    keys = cur.sql(
        """SELECT unit, author_id, row_number() OVER (ORDER BY unit, author_id) - 1 AS k
           FROM _ta_auth_in WHERE mean_ncs IS NOT NULL OR top10_share IS NOT NULL
           ORDER BY k"""
    ).to_arrow_table()
    cur.register("_ta_keys", keys)
    docs = cur.sql(
        """SELECT k.k, i.ncs, i.top10::DOUBLE AS top10
           FROM _ta_keys AS k
           JOIN _ta_sel AS s ON s.unit = k.unit
           JOIN _ta_aw AS aw ON aw.work_id = s.work_id AND aw.author_id = k.author_id
           JOIN _ta_impact AS i ON i.work_id = s.work_id"""
    ).fetchnumpy()
    n = keys.num_rows
    unit_k = np.asarray(docs["k"], dtype=np.int64)
    bounds = {}
    for fig in ("ncs", "top10"):
        v = np.asarray(docs[fig], dtype=float)  # NULL → NaN
        ok = np.isfinite(v)
        bounds[fig] = unit_ratio_intervals(unit_k[ok], v[ok], np.ones(int(ok.sum())), n)
    ci = keys.select(["unit", "author_id"])
    for name, arr in (
        ("ncs_lo", bounds["ncs"][0]),
        ("ncs_hi", bounds["ncs"][1]),
        ("t_lo", bounds["top10"][0]),
        ("t_hi", bounds["top10"][1]),
    ):
        ci = ci.append_column(name, pa.array(arr))
    cur.register("_ta_ci", ci)
    cur.register("_ta_auth_all", authors)
    return cur.sql(
        """SELECT a.* REPLACE (
               CASE WHEN a.mean_ncs IS NOT NULL THEN c.ncs_lo END AS mean_ncs_low,
               CASE WHEN a.mean_ncs IS NOT NULL THEN c.ncs_hi END AS mean_ncs_high,
               CASE WHEN a.top10_share IS NOT NULL THEN c.t_lo END AS top10_share_low,
               CASE WHEN a.top10_share IS NOT NULL THEN c.t_hi END AS top10_share_high)
           FROM _ta_auth_all AS a LEFT JOIN _ta_ci AS c USING (unit, author_id)
           ORDER BY a.unit, a.kind, a.rank NULLS LAST, a.works DESC, a.author_id"""
    ).to_arrow_table()


def _unranked(authors: pa.Table, known: int, total: int, minimum: float) -> pa.Table:
    """Every row unranked, "insufficient evidence (authors with a known country … % < … %)"."""
    share = 100 * known / total if total else 0.0
    text = insufficient([]) + (
        f" (authors with a known country {share:.0f} % < {100 * minimum:.0f} %)"
    )
    n = authors.num_rows
    out = authors
    for name, arr in (
        ("rank", pa.nulls(n, pa.int64())),
        ("score", pa.nulls(n, pa.float64())),
        ("outcome", pa.array([text] * n, pa.string())),
    ):
        out = out.set_column(out.schema.get_field_index(name), name, arr)
    return out


def _caveats(
    result: DecisionResult,
    *,
    n_rows: int,
    n_anon: int,
    per_unit: dict[str, int],
    no_impact: int,
    resolved: bool,
    persons: bool,
    possible: int,
) -> None:
    p = result.rule.parameters
    share = f" ({100 * n_anon / n_rows:.1f} %)" if n_rows else ""
    if persons:
        result.warn(
            "Scientists are persons (`forcemap resolve`: author ids joined by ORCID and by a "
            "probabilistic match of name, co-authors, institutions, topics, venues and years; "
            "table person_aliases). Pairs scored below the merge threshold are listed in "
            f"possibly_same_as ({possible} listed scientist(s) have one). "
            f"{n_anon} authorships{share} have no author id and count for nobody."
        )
    else:
        result.warn(
            "Authors are the source's author ids (OpenAlex author disambiguation; run "
            "`forcemap resolve` to join them into persons): one person split over several "
            "ids looks like several thinner careers, and two people merged under one id like "
            "one longer, "
            "broader, more mobile career. "
            f"{n_anon} authorships{share} have no author id and count for nobody."
        )
    if not per_unit:
        result.warn(
            f"No scientist of {p['country']} has at least {p['min_works']} works in any "
            f"{p['unit']} in scope."
        )
    need = p["min_scientists"]
    thin = sorted(u for u, n in per_unit.items() if n < need)
    if thin:
        result.warn(
            f"Insufficient evidence: fewer than {need} eligible scientists of "
            f"{p['country']} in {', '.join(thin[:12])}{' …' if len(thin) > 12 else ''}; "
            "they are listed with their counts but not ranked."
        )
    if no_impact:
        result.warn(
            f"{no_impact} eligible scientist(s) have fewer than {p['min_works']} works with a "
            "field-normalised citation score: their mean_ncs is NULL and ranks lowest."
        )
    result.warn(
        "Mobility is inferred from the main affiliation of consecutive publication years: a "
        "change of the most frequent affiliation among several concurrent ones reads as a "
        "move, and a move between two publications is dated by the later one."
    )
    if not resolved:
        result.warn(
            "Organisations are not resolved in this store: sectors come from the OpenAlex "
            "institution type (company → enterprise, education → university, government / "
            "nonprofit → institute)."
        )
    if result.synthetic:
        result.warn("SYNTHETIC DATA: the scientists and flows describe a generated world.")
