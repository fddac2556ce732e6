r"""International benchmarking: country X against its peers, industry by industry.

For the home country X and each unit *u* (a catalog industry, or an OpenAlex level-0 concept
field with ``unit="field"``), one row per country *c* among X and its peers (named, or the
``k`` countries with the largest fractional output in *u*). Works belong to an industry by
:func:`forcemap.store.slices.industry_works` (a work may be in several industries) and to a
field by :func:`forcemap.indicators.impact.assign_field` (one level-0 concept per work);
patents to an industry by :func:`forcemap.store.slices.industry_patents`. Only works
(patents) published (granted) in the ``years`` window count.

**Counting.** With :math:`A_w` the authors of work *w* (distinct ``author_seq``) and
:math:`U_s` the distinct countries of author *s* (the authorship's country, else its
institution's), the fractional weight of *c* on *w* is (Waltman & van Eck 2015)

.. math::

    f_{cw} = \sum_{s \in A_w} \frac{[c \in U_s]}{|A_w|\,|U_s|},

and of *c* on patent *p* with distinct assignee countries :math:`C_p`,
:math:`g_{cp} = [c \in C_p] / |C_p|`. Over the works :math:`W_{cu}` of *u* with *c* on them:

==============================  ===============================================================
``works``                       :math:`|W_{cu}|` (full counting)
``works_frac``                  :math:`\sum_{w} f_{cw}` (fractional counting)
``world_share``                 ``works_frac`` over the world's fractional output in *u*
``mncs``                        :math:`\sum_w f_{cw}\mathrm{NCS}_w / \sum_w f_{cw}` over works
                                with an NCS (field-normalised citation score: same level-0
                                concept, year and type; Waltman et al. 2011)
``pp_top10``                    :math:`\sum_w f_{cw} T_w / \sum_w f_{cw}`, :math:`T_w` the
                                Waltman–Schreiber (2013) top-10 % share of the work
``intl_copub_share``            share of :math:`W_{cu}` with ≥ 2 countries (full counting)
``industry_academia_share``     share of :math:`W_{cu}` with both an enterprise and a
                                university among its organisations (full counting)
``patents``                     :math:`\sum_p g_{cp}` over *u*'s patents
``patent_share``                ``patents`` over the world's patents of *u*
``fc5_mean``                    :math:`\sum_p g_{cp} F_5(p) / \sum_p g_{cp}`, the mean 5-year
                                forward citations (Squicciarini et al. 2013)
``cagr``                        :math:`(x_{t_1}/x_{t_0})^{1/(n-1)} - 1` of yearly
                                ``works_frac`` over the last :math:`n` = ``growth_window``
                                complete years :math:`t_0 \ldots t_1` (an incomplete
                                first or last year of the store is left out,
                                :func:`incomplete_years`); null when :math:`x_{t_0} = 0`
``rca`` / ``rta``               Balassa (1965) index of works / Soete's (1987) RTA of patents
==============================  ===============================================================

The organisation type of an authorship comes from the organisation its institution resolves to
(``org_aliases`` source ``institution`` → ``organizations.type``, ``enterprise`` /
``university``; with ``org_level`` parent or top, the type of the organisation it rolls up to
along ``org_hierarchy``); an institution not resolved falls back on OpenAlex's institution type
(``company`` → enterprise, ``education`` → university).

**RCA / RTA.** :func:`forcemap.indicators.specialisation.rca` on the activity

.. math::

    X_{cu} = \sum_{d} \frac{h_{cd}}{|P_d|},

:math:`h_{cd}` the fractional weight of *c* on document *d* (:math:`f` or :math:`g`) and
:math:`P_d` the units *d* belongs to, over every unit of the kind (all catalog industries, or
all fields), so the world of the index is the catalog even when one industry is asked for. A
country with activity elsewhere but none in *u* has RCA 0; one with no activity at all, null.

**Evidence.** ``world_share``, ``mncs``, ``pp_top10`` and the collaboration shares carry 95 %
stability intervals (``_low`` / ``_high``): the unit's works are resampled with replacement
1,000 times and each figure recomputed (Waltman et al. 2012, the Leiden Ranking's stability
intervals). MNCS and PP(top 10 %) of a row with fewer than ``min_impact_works`` fractional
works with a citation score are *insufficient evidence* (null, with the counts).
:func:`benchmark_series` gives the same figures year by year for countries, organisations
or authors (SciVal's Benchmarking module).

**Peers.** Without ``peers``, the peers of X in *u* are the ``k`` other countries with the
largest ``works_frac`` in *u* (ties by country code); ``rank`` is each country's rank by
``works_frac`` among all countries of *u* (1 = largest).

References
----------
Waltman, L. & van Eck, N. J. (2015). doi:10.1016/j.joi.2015.08.001 (fractional counting).
Waltman, L. et al. (2011). doi:10.1016/j.joi.2010.08.001 (MNCS). Waltman, L. & Schreiber, M.
(2013). doi:10.1002/asi.22775 (top-10 %). Squicciarini, M., Dernis, H. & Criscuolo, C. (2013).
doi:10.1787/5k4522wkw1r8-en (patent value). Balassa, B. (1965).
doi:10.1111/j.1467-9957.1965.tb00050.x. Soete, L. (1987). doi:10.1016/0048-7333(87)90026-6.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.decide._benchmark_figures import (
    FLAGS_SQL,
    WEIGHTS_SQL,
    WORKS_SQL,
    impact_evidence,
    stability,
    store_incomplete,
)
from forcemap.decide._evidence import incomplete_years
from forcemap.decide._scope import (
    at_org_level,
    check_country,
    check_years,
    register,
    unit_tables,
)
from forcemap.decide.params import (
    BENCHMARK,
    BenchmarkParams,
)
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.errors import InputError
from forcemap.store.org_hierarchy import org_level_caption
from forcemap.store.patent_resolution import patent_unit_caption, patent_unit_sql
from forcemap.store.store import Store

__all__ = [
    "BENCHMARK_SCHEMA",
    "SERIES_SCHEMA",
    "WORLD_SCHEMA",
    "benchmark",
    "incomplete_years",
]

UNITS = ("industry", "field")

BENCHMARK_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("unit_name", pa.string()),
        ("country", pa.string()),
        ("is_home", pa.bool_()),
        ("rank", pa.int64()),
        ("works", pa.int64()),
        ("works_frac", pa.float64()),
        ("world_share", pa.float64()),
        ("world_share_low", pa.float64()),
        ("world_share_high", pa.float64()),
        ("impact_works", pa.float64()),
        ("mncs", pa.float64()),
        ("mncs_low", pa.float64()),
        ("mncs_high", pa.float64()),
        ("pp_top10", pa.float64()),
        ("pp_top10_low", pa.float64()),
        ("pp_top10_high", pa.float64()),
        ("intl_copub_share", pa.float64()),
        ("intl_copub_share_low", pa.float64()),
        ("intl_copub_share_high", pa.float64()),
        ("industry_academia_share", pa.float64()),
        ("industry_academia_share_low", pa.float64()),
        ("industry_academia_share_high", pa.float64()),
        ("patents", pa.float64()),
        ("patent_share", pa.float64()),
        ("fc5_mean", pa.float64()),
        ("cagr", pa.float64()),
        ("rca", pa.float64()),
        ("rta", pa.float64()),
        ("thin_evidence", pa.bool_()),
        ("impact_evidence", pa.string()),
    ]
)
"""The main table: one row per (unit, country) for X and its peers (see the module docstring).

``rank`` is null for a country without works in the unit; ``patents`` counts patent families
(fractional by assignee country; ``fc5_mean`` is over families); patent columns are null with
``unit="field"`` (patents have no concept field); ``thin_evidence`` is true when ``works`` is
below ``min_works``. ``<figure>_low`` / ``<figure>_high`` bound the 95 % stability interval of
the figure (1,000 bootstrap resamples of the unit's works, Leiden Ranking). ``impact_works``
is the fractional output with a citation score; below ``min_impact_works`` MNCS and
PP(top 10 %) (and their intervals) are null and ``impact_evidence`` reads *insufficient
evidence (impact works … < …)*, else ``ok``. ``cagr`` uses complete years only (see
:func:`incomplete_years`)."""

SERIES_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("country", pa.string()),
        ("year", pa.int32()),
        ("works_frac", pa.float64()),
        ("partial", pa.bool_()),
    ]
)
"""``evidence["series"]``: yearly fractional output of X and its peers over the growth window
(zero-filled), the basis of ``cagr``, followed by the incomplete years after it (``partial``
true: shown, left out of ``cagr``)."""

WORLD_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("unit_name", pa.string()),
        ("works", pa.int64()),
        ("works_frac", pa.float64()),
        ("patents", pa.float64()),
        ("countries", pa.int64()),
    ]
)
"""``evidence["world"]``: per unit, the world's works (distinct), fractional works (attributed
to some country), fractional patent families and the number of countries with works."""


# -- SQL (literal, $parameters) --------------------------------------------------------------


# Patents are counted by family (``_bm_pfam``: patent_id -> unit_id, the shared counting unit
# of forcemap.store.patent_resolution): a document ``doc`` is a family of the unit with a patent
# granted in the window; its countries are its patents' assignee countries and its forward
# citations those of its most cited patent (``_bm_fc``).
_PATENTS_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_p AS
SELECT DISTINCT f.unit_id AS doc, u.unit
FROM _bm_pu AS u
JOIN (SELECT patent_id, any_value(year) AS year FROM patents GROUP BY patent_id) AS p
     USING (patent_id)
JOIN _bm_pfam AS f USING (patent_id)
WHERE ($y0 IS NULL OR p.year >= $y0) AND ($y1 IS NULL OR p.year <= $y1)
"""

_FAMILY_CITATIONS_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_fc AS
SELECT f.unit_id AS doc, max(c.forward_citations) AS forward_citations
FROM _bm_fc_patent AS c JOIN _bm_pfam AS f USING (patent_id)
GROUP BY f.unit_id
"""

_PATENT_WEIGHTS_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_pc AS
SELECT doc, country, 1.0 / count(*) OVER (PARTITION BY doc) AS w
FROM (SELECT DISTINCT f.unit_id AS doc, upper(a.country_code) AS country
      FROM patent_assignees AS a JOIN _bm_pfam AS f USING (patent_id)
      WHERE f.unit_id IN (SELECT doc FROM _bm_p)
        AND a.country_code IS NOT NULL AND a.country_code <> '')
"""

# Every country's indicators in every unit (the peers are chosen from these).
_COUNTRY_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_cu AS
WITH wk AS (
    SELECT w.unit, c.country,
           count(*) AS works, sum(c.w) AS works_frac,
           sum(c.w * f.ncs) / sum(c.w) FILTER (WHERE f.ncs IS NOT NULL) AS mncs,
           sum(c.w * f.top10) / sum(c.w) FILTER (WHERE f.top10 IS NOT NULL) AS pp_top10,
           coalesce(sum(c.w) FILTER (WHERE f.ncs IS NOT NULL), 0.0) AS impact_works,
           avg(f.intl::DOUBLE) AS intl_copub_share,
           avg(f.ia::DOUBLE) AS industry_academia_share
    FROM _bm_w AS w JOIN _bm_wc AS c USING (work_id) JOIN _bm_wf AS f USING (work_id)
    GROUP BY ALL
), pt AS (
    SELECT p.unit, c.country, sum(c.w) AS patents,
           sum(c.w * fc.forward_citations) / sum(c.w) FILTER (
               WHERE fc.forward_citations IS NOT NULL) AS fc5_mean
    FROM _bm_p AS p JOIN _bm_pc AS c USING (doc)
    LEFT JOIN _bm_fc AS fc USING (doc)
    GROUP BY ALL
)
SELECT coalesce(wk.unit, pt.unit) AS unit, coalesce(wk.country, pt.country) AS country,
       coalesce(wk.works, 0) AS works, coalesce(wk.works_frac, 0.0) AS works_frac,
       wk.mncs, wk.pp_top10, wk.intl_copub_share, wk.industry_academia_share,
       coalesce(wk.impact_works, 0.0) AS impact_works,
       coalesce(pt.patents, 0.0) AS patents, pt.fc5_mean,
       CASE WHEN wk.works_frac > 0 THEN rank() OVER (
           PARTITION BY coalesce(wk.unit, pt.unit)
           ORDER BY coalesce(wk.works_frac, 0.0) DESC) END AS rank
FROM wk FULL OUTER JOIN pt ON wk.unit = pt.unit AND wk.country = pt.country
"""

_WORLD_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_world AS
WITH u AS (SELECT unit FROM _bm_cu UNION SELECT unit FROM _bm_w UNION SELECT unit FROM _bm_p),
w AS (SELECT unit, count(DISTINCT work_id) AS works FROM _bm_w GROUP BY unit),
c AS (SELECT unit, sum(works_frac) AS works_frac, sum(patents) AS patents,
             count(*) FILTER (WHERE works > 0) AS countries
      FROM _bm_cu GROUP BY unit)
SELECT u.unit, coalesce(w.works, 0) AS works, coalesce(c.works_frac, 0.0) AS works_frac,
       coalesce(c.patents, 0.0) AS patents, coalesce(c.countries, 0) AS countries
FROM u LEFT JOIN w USING (unit) LEFT JOIN c USING (unit)
"""

# Specialisation activity X_cu: each document's country weights split over its units.
_ACTIVITY_SQL = """
WITH n AS (SELECT work_id, count(*) AS n FROM _bm_w GROUP BY work_id)
SELECT c.country AS loc, w.unit AS prod, sum(c.w / n.n) AS value
FROM _bm_w AS w JOIN n USING (work_id) JOIN _bm_wc AS c USING (work_id)
GROUP BY ALL HAVING sum(c.w / n.n) > 0
"""

_PATENT_ACTIVITY_SQL = """
WITH n AS (SELECT doc, count(*) AS n FROM _bm_p GROUP BY doc)
SELECT c.country AS loc, p.unit AS prod, sum(c.w / n.n) AS value
FROM _bm_p AS p JOIN n USING (doc) JOIN _bm_pc AS c USING (doc)
GROUP BY ALL HAVING sum(c.w / n.n) > 0
"""

# The rows: X and its peers (named, or the top k other countries by works_frac) per unit.
_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_rows AS
WITH scope AS (
    SELECT unit FROM _bm_world WHERE $all_units
    UNION SELECT unnest($units::VARCHAR[]) AS unit
),
auto AS (
    SELECT unit, country FROM _bm_cu
    WHERE country <> $home AND works_frac > 0 AND unit IN (SELECT unit FROM scope)
    QUALIFY row_number() OVER (PARTITION BY unit ORDER BY works_frac DESC, country) <= $k
), named AS (
    SELECT s.unit, unnest($peers::VARCHAR[]) AS country FROM scope AS s
)
SELECT unit, $home AS country, true AS is_home FROM scope
UNION
SELECT unit, country, false FROM auto WHERE $auto
UNION
SELECT unit, country, false FROM named WHERE NOT $auto AND country <> $home
"""

_SERIES_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_series AS
WITH y AS (
    SELECT w.unit, c.country, w.year, sum(c.w) AS x
    FROM _bm_w AS w JOIN _bm_wc AS c USING (work_id)
    WHERE w.year BETWEEN $g0 AND $gmax
    GROUP BY ALL
), grid AS (
    SELECT r.unit, r.country, g.year
    FROM _bm_rows AS r CROSS JOIN (SELECT unnest(range($g0, $gmax + 1)) AS year) AS g
)
SELECT grid.unit, grid.country, grid.year::INTEGER AS year, coalesce(y.x, 0.0) AS works_frac,
       list_contains($partial::INTEGER[], grid.year::INTEGER) AS partial
FROM grid LEFT JOIN y USING (unit, country, year)
ORDER BY unit, country, year
"""

_TABLE_SQL = """
WITH g AS (
    SELECT unit, country,
           max(works_frac) FILTER (WHERE year = $g0) AS first,
           max(works_frac) FILTER (WHERE year = $g1) AS last
    FROM _bm_series GROUP BY ALL
), tot AS (
    SELECT 'works' AS kind, loc, sum(value) AS total FROM _bm_rca GROUP BY loc
    UNION ALL
    SELECT 'patents', loc, sum(value) FROM _bm_rta GROUP BY loc
)
SELECT r.unit, n.unit_name, r.country, r.is_home, cu.rank::BIGINT AS rank,
       coalesce(cu.works, 0)::BIGINT AS works, coalesce(cu.works_frac, 0.0) AS works_frac,
       coalesce(cu.works_frac, 0.0) / nullif(wd.works_frac, 0) AS world_share,
       coalesce(cu.impact_works, 0.0) AS impact_works,
       cu.mncs, cu.pp_top10, cu.intl_copub_share, cu.industry_academia_share,
       CASE WHEN $patents THEN coalesce(cu.patents, 0.0) END AS patents,
       CASE WHEN $patents THEN coalesce(cu.patents, 0.0) / nullif(wd.patents, 0) END
           AS patent_share,
       cu.fc5_mean,
       CASE WHEN g.first > 0 AND $g1 > $g0
                THEN pow(g.last / g.first, 1.0 / ($g1 - $g0)) - 1 END AS cagr,
       CASE WHEN tw.total > 0 THEN coalesce(a.rca, 0.0) END AS rca,
       CASE WHEN $patents AND tp.total > 0 THEN coalesce(t.rca, 0.0) END AS rta,
       coalesce(cu.works, 0) < $min_works AS thin_evidence
FROM _bm_rows AS r
LEFT JOIN _bm_cu AS cu USING (unit, country)
LEFT JOIN _bm_world AS wd USING (unit)
LEFT JOIN _bm_names AS n USING (unit)
LEFT JOIN g USING (unit, country)
LEFT JOIN _bm_rca AS a ON a.prod = r.unit AND a.loc = r.country
LEFT JOIN _bm_rta AS t ON t.prod = r.unit AND t.loc = r.country
LEFT JOIN tot AS tw ON tw.kind = 'works' AND tw.loc = r.country
LEFT JOIN tot AS tp ON tp.kind = 'patents' AND tp.loc = r.country
ORDER BY r.unit, coalesce(cu.works_frac, 0.0) DESC, r.is_home DESC, r.country
"""


# The bootstrap's documents: each (unit, work) of the units shown, its stratum (the unit) and
# the fractional weight attributed to some country (the world's output of the unit).
_BOOT_DOCS_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_bd AS
WITH s AS (SELECT work_id, sum(w) AS fsum FROM _bm_wc GROUP BY work_id)
SELECT w.unit, w.work_id,
       (dense_rank() OVER (ORDER BY w.unit, w.work_id) - 1)::BIGINT AS doc,
       (dense_rank() OVER (ORDER BY w.unit) - 1)::BIGINT AS stratum,
       coalesce(s.fsum, 0.0) AS fsum
FROM _bm_w AS w LEFT JOIN s USING (work_id)
WHERE w.unit IN (SELECT unit FROM _bm_ri)
"""

# Per document and table row: the sums behind each figure (see :func:`_stability`).
_BOOT_ROWS_SQL = """
SELECT d.doc, r.r, c.w AS f, coalesce(c.w * f.ncs, 0.0) AS fncs,
       CASE WHEN f.ncs IS NOT NULL THEN c.w ELSE 0.0 END AS fncs_n,
       coalesce(c.w * f.top10, 0.0) AS ftop,
       CASE WHEN f.top10 IS NOT NULL THEN c.w ELSE 0.0 END AS ftop_n,
       1.0 AS n, f.intl::DOUBLE AS intl, f.ia::DOUBLE AS ia
FROM _bm_bd AS d JOIN _bm_ri AS r USING (unit)
JOIN _bm_wc AS c ON c.work_id = d.work_id AND c.country = r.country
JOIN _bm_wf AS f ON f.work_id = d.work_id
"""


def _with_intervals(
    cur: duckdb.DuckDBPyConnection, base: pa.Table, min_impact_works: float
) -> pa.Table:
    """The table of :data:`BENCHMARK_SCHEMA` from ``base`` (the rows with their point
    figures): the stability intervals, and the impact figures blanked below the minimum."""
    n = base.num_rows
    register(
        cur,
        "_bm_ri",
        pa.table(
            {
                "unit": base["unit"],
                "country": base["country"],
                "r": pa.array(np.arange(n, dtype=np.int64)),
            }
        ),
    )
    cur.execute(_BOOT_DOCS_SQL)
    docs = cur.sql("SELECT doc, stratum, fsum, unit FROM _bm_bd ORDER BY doc").to_arrow_table()
    long = cur.sql(_BOOT_ROWS_SQL).to_arrow_table()
    stratum_of = dict(cur.execute("SELECT DISTINCT unit, stratum FROM _bm_bd").fetchall())
    row_stratum = np.array([stratum_of.get(u, 0) for u in base["unit"].to_pylist()], np.int64)
    ivals = stability(
        long,
        docs["stratum"].to_numpy().astype(np.int64),
        docs["fsum"].to_numpy().astype(float),
        row_stratum,
    )
    evidence = [impact_evidence(w, min_impact_works) for w in base["impact_works"].to_pylist()]
    ok = np.array([e == "ok" for e in evidence], dtype=bool)
    has = np.array([(w or 0) > 0 for w in base["works"].to_pylist()], dtype=bool)

    def col(values: np.ndarray, keep: np.ndarray) -> pa.Array:
        return pa.array(np.where(keep, values, np.nan), pa.float64(), from_pandas=True)

    cols: dict[str, Any] = {c: base[c] for c in base.column_names}
    for fig, key in (
        ("world_share", "share"),
        ("mncs", "mncs"),
        ("pp_top10", "pp_top10"),
        ("intl_copub_share", "intl"),
        ("industry_academia_share", "ia"),
    ):
        lo, hi = ivals[key]
        keep = has & ok if fig in ("mncs", "pp_top10") else has
        cols[f"{fig}_low"] = col(lo, keep)
        cols[f"{fig}_high"] = col(hi, keep)
        if fig in ("mncs", "pp_top10"):
            pt = np.array([np.nan if v is None else v for v in base[fig].to_pylist()], dtype=float)
            cols[fig] = col(pt, ok)
    cols["impact_evidence"] = pa.array(evidence, pa.string())
    return pa.table({f.name: cols[f.name] for f in BENCHMARK_SCHEMA}).cast(BENCHMARK_SCHEMA)


def _resolve_unit(unit: str, industry: str | None, names: dict[str, str]) -> list[str] | None:
    """The unit ids asked for (None: all); a field may be named by id or display name."""
    if industry is None:
        return None
    if industry in names:
        return [industry]
    if unit == "field":
        hit = [k for k, v in names.items() if v.lower() == industry.strip().lower()]
        if hit:
            return hit
        raise InputError(f"unknown field {industry!r}: give a level-0 concept id or its name")
    raise InputError(f"unknown industry {industry!r}; the catalog has: {', '.join(names)}")


def _rule(p: BenchmarkParams, params: dict[str, object]) -> Rule:
    return Rule(
        name="benchmark",
        statement=(
            org_level_caption(p.org_level).capitalize() + " for the organisation types. "
            if p.org_level != "self"
            else ""
        )
        + "Country X is compared with its peers (named, or the k countries with the "
        "largest fractional output in the unit) on volume (works, full and fractional "
        "counting; patents fractional by assignee country), impact (MNCS, PP(top 10 %), mean "
        f"{p.citation_window}-year forward citations), collaboration (international and "
        "industry–academia co-publication shares), growth (CAGR of fractional output over the last "
        "growth_window complete years) and specialisation (RCA of works, RTA of patents). A "
        "row with fewer than min_works works is thin evidence. Shares, MNCS and PP(top 10 %) "
        "carry 95 % stability intervals (1,000 bootstrap resamples of the unit's works); MNCS "
        f"and PP(top 10 %) need at least {p.min_impact_works:g} fractional works with a "
        "citation score, else insufficient evidence. A first or last year whose store volume "
        f"is below {p.partial_ratio:g} × the median of its 3 neighbours (or whose latest "
        "publication date is before December) is incomplete and left out of the CAGR "
        f"(partial_years = {p.partial_years}"
        + (f", complete through {p.complete_through}" if p.complete_through else "")
        + ").",
        parameters=params,
        references=(
            "Waltman & van Eck 2015, doi:10.1016/j.joi.2015.08.001",
            "Waltman & Schreiber 2013, doi:10.1002/asi.22775",
            "Waltman et al. 2012, doi:10.1002/asi.22708",
            "Squicciarini, Dernis & Criscuolo 2013, doi:10.1787/5k4522wkw1r8-en",
            "Balassa 1965, doi:10.1111/j.1467-9957.1965.tb00050.x",
            "Soete 1987, doi:10.1016/0048-7333(87)90026-6",
        ),
        conventions={"citation_window": p.citation_window},
    )


# -- the decision ----------------------------------------------------------------------------


def benchmark(
    store: Store,
    *,
    country: str = BENCHMARK.country,
    industry: str | None = None,
    unit: Literal["industry", "field"] = BENCHMARK.unit,
    peers: Sequence[str] | None = None,
    k: int = BENCHMARK.k,
    years: tuple[int, int] | None = BENCHMARK.years,
    growth_window: int = BENCHMARK.growth_window,
    min_works: int = BENCHMARK.min_works,
    citation_window: int = BENCHMARK.citation_window,
    min_impact_works: float = BENCHMARK.min_impact_works,
    partial_years: Literal["auto", "keep"] = BENCHMARK.partial_years,
    complete_through: int | None = BENCHMARK.complete_through,
    partial_ratio: float = BENCHMARK.partial_ratio,
    min_coverage: float = BENCHMARK.min_coverage,
    citations: str = BENCHMARK.citations,
    org_level: str = BENCHMARK.org_level,
    patent_unit: str = BENCHMARK.patent_unit,
) -> DecisionResult:
    r"""Benchmark ``country`` against its peers in each industry or field (capability C2).

    Implements the indicators of this module's docstring for X and its peers.

    Parameters
    ----------
    store : Store
        The store (reads works, authorships, institutions, work_concepts / work_topics,
        work_references, org_aliases, organizations, patents, patent_cpc, patent_assignees
        and patent_citations).
    country : str, default "CN"
        X, an ISO 3166-1 alpha-2 code.
    industry : str, optional
        One unit: a catalog industry key (``unit="industry"``) or a level-0 concept id or
        name such as ``"Medicine"`` (``unit="field"``); all units when None.
    unit : {"industry", "field"}, default "industry"
        ``industry``: the industry catalog (works by concepts / topics, patents by CPC);
        ``field``: OpenAlex level-0 concepts (publications only; patent columns are null).
    peers : sequence of str, optional
        The peer countries (ISO2), the same in every unit; default: the ``k`` largest other
        countries by fractional output, per unit.
    k : int, default 5
        A **count**: the number of automatic peers.
    years : (int, int), optional
        Inclusive publication / grant-year window; all years when None.
    growth_window : int, default 5
        :math:`n`, the number of years of the CAGR, ending in the window's last year (the
        last year with works when ``years`` is None) and not starting before its first.
        At least 2.
    min_works : int, default 30
        A row with fewer works (full counting) is flagged ``thin_evidence``.
    citation_window : int, default 5
        Years after grant in which a patent's forward citations count (``fc5_mean``).
    min_impact_works : float, default 50
        Least fractional output with a citation score for MNCS and PP(top 10 %) to be shown;
        below it they are null and ``impact_evidence`` is *insufficient evidence*.
    partial_years : {"auto", "keep"}, default "auto"
        ``auto``: an incomplete first or last year of the store (:func:`incomplete_years`)
        is left out of the CAGR (and said); ``keep``: every year counts.
    complete_through : int, optional
        The last complete year, declared: later years are left out of the CAGR.
    partial_ratio : float, default 0.5
        A last (first) year with fewer works than this share of the median of the 3 years
        before (after) it is incomplete.
    min_coverage : float, default 0.5
        Least share of the works with a known country; below it the coverage is flagged and
        shares describe the attributed part of the output only.
    citations : {"auto", "store", "source"}, default "auto"
        Citation basis of MNCS and PP(top 10 %)
        (:func:`forcemap.indicators.impact.citation_basis`); the basis used is in the caveats.
    org_level : {"self", "parent", "top"}, default "self"
        The organisation whose type (enterprise, university) makes a work an
        industry–academia co-publication: the one an institution resolves to, or that one
        rolled up to its parent or the top of its hierarchy
        (:func:`forcemap.store.org_hierarchy.org_aliases_sql`). The rule states the level.
    patent_unit : {"family", "patent"}, default "family"
        The unit of the patent figures (:func:`forcemap.store.patent_resolution.
        patent_unit_sql`): one invention once, or every grant; the caveats say which.

    The defaults and checks are those of :class:`~forcemap.decide.params.BenchmarkParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`BENCHMARK_SCHEMA`, per unit the rows of X and its peers ordered by
        fractional output; ``evidence["series"]``: :data:`SERIES_SCHEMA`;
        ``evidence["world"]``: :data:`WORLD_SCHEMA`. ``caveats`` name thin evidence and
        missing data.

    Raises
    ------
    InputError
        A bad country code, unit, window, ``k``, ``growth_window`` or an unknown unit.
    StoreError
        A query failed.

    Notes
    -----
    Intervals are 95 % stability intervals (1,000 bootstrap resamples of each unit's works,
    fixed seed; Waltman et al. 2012). Citation impact uses the ``citations`` basis
    (:func:`forcemap.indicators.impact.field_normalised_citation_score` and
    :func:`~forcemap.indicators.impact.percentile_rank` with their other defaults), whose
    reference sets are built from every work in the store. Collaboration shares and ``works``
    use full counting (a work with X on it counts 1 for X); ``rank``, ``world_share``, impact
    and the peers use fractional counting.
    The last year of a window may be incomplete in a fresh download; such a year (judged on
    the store's volume and dates) is left out of ``cagr`` and marked ``partial`` in the
    series.

    Examples
    --------
    >>> from forcemap.store import Store
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with Store.open(pathlib.Path(d) / "s.duckdb") as s:
    ...         r = benchmark(s, country="CN", unit="field")
    >>> r.table.num_rows, r.table.schema == BENCHMARK_SCHEMA
    (0, True)
    """
    p = BenchmarkParams(
        country=country,
        unit=unit,
        k=k,
        years=years,
        growth_window=growth_window,
        min_works=min_works,
        citation_window=citation_window,
        min_impact_works=min_impact_works,
        partial_years=partial_years,
        complete_through=complete_through,
        partial_ratio=partial_ratio,
        min_coverage=min_coverage,
        citations=citations,
        org_level=org_level,
        patent_unit=patent_unit,
    )
    home = p.country
    y0, y1 = check_years(years)
    peer_list = None if peers is None else [check_country(p) for p in peers]
    from forcemap.indicators.impact import (
        field_normalised_citation_score,
        impact_caveats,
        percentile_rank,
    )
    from forcemap.indicators.patent_value import forward_citations
    from forcemap.indicators.specialisation import rca

    work_units, patent_units, names = unit_tables(store, unit)
    wanted = _resolve_unit(unit, industry, names)
    ncs = field_normalised_citation_score(store, citations=p.citations).select(["work_id", "ncs"])
    pct_all = percentile_rank(store, citations=p.citations)
    pct = pct_all.select(["work_id", "top10_frac"])
    fc = forward_citations(store, window=p.citation_window).select(
        ["patent_id", "forward_citations"]
    )
    params: dict[str, object] = {
        "country": home,
        "industry": industry,
        "unit": unit,
        "peers": peer_list,
        "k": k,
        "years": [y0, y1] if years else None,
        "growth_window": growth_window,
        "min_works": min_works,
        "min_impact_works": min_impact_works,
        "partial_years": partial_years,
        "complete_through": complete_through,
        "partial_ratio": partial_ratio,
        "min_coverage": min_coverage,
        "citations": citations,
        "org_level": p.org_level,
        "patent_unit": p.patent_unit,
    }
    with store.query_cursor("benchmark") as cur:
        synthetic = is_synthetic(cur)
        register(cur, "_bm_wu", work_units)
        register(cur, "_bm_pu", patent_units)
        register(cur, "_bm_ncs", ncs)
        register(cur, "_bm_pct", pct)
        register(cur, "_bm_fc_patent", fc)
        cur.execute(f"CREATE OR REPLACE TEMP TABLE _bm_pfam AS {patent_unit_sql(p.patent_unit)}")
        family_caption = patent_unit_caption(cur, p.patent_unit)
        register(
            cur,
            "_bm_names",
            pa.table(
                {"unit": list(names), "unit_name": list(names.values())},
                schema=pa.schema([("unit", pa.string()), ("unit_name", pa.string())]),
            ),
        )
        cur.execute(WORKS_SQL, {"y0": y0, "y1": y1})
        cur.execute(WEIGHTS_SQL)
        cur.execute(at_org_level(FLAGS_SQL, p.org_level))
        cur.execute(_PATENTS_SQL, {"y0": y0, "y1": y1})
        cur.execute(_FAMILY_CITATIONS_SQL)
        cur.execute(_PATENT_WEIGHTS_SQL)
        cur.execute(_COUNTRY_SQL)
        cur.execute(_WORLD_SQL)
        for name, sql in (("_bm_rca", _ACTIVITY_SQL), ("_bm_rta", _PATENT_ACTIVITY_SQL)):
            act = cur.sql(sql).to_arrow_table()
            out = rca(
                act.cast(
                    pa.schema(
                        [("loc", pa.string()), ("prod", pa.string()), ("value", pa.float64())]
                    )
                )
            )
            register(cur, name, out.select(["loc", "prod", "value", "rca"]))
        incomplete = store_incomplete(
            cur,
            y0,
            y1,
            mode=partial_years,
            complete_through=complete_through,
            ratio_below=partial_ratio,
        )
        lo_y, hi_y = cur.execute("SELECT min(year), max(year) FROM _bm_w").fetchall()[0]
        gmax = y1 if y1 is not None else hi_y
        if gmax is None:  # no dated works: an empty growth window
            g0, g1 = 1, 0
            gmax = 0
        else:
            gmax = int(gmax)
            g1 = gmax
            while g1 in incomplete:
                g1 -= 1
            first = y0 if y0 is not None else int(lo_y)
            while first in incomplete:
                first += 1
            g0 = max(first, g1 - growth_window + 1)
        params["growth_years"] = f"{g0}–{g1}" if g0 <= g1 else None
        params["incomplete_years"] = sorted(incomplete) or None
        cur.execute(
            _ROWS_SQL,
            {
                "units": wanted or [],
                "all_units": wanted is None,
                "home": home,
                "k": k,
                "auto": peer_list is None,
                "peers": peer_list or [],
            },
        )
        cur.execute(
            _SERIES_SQL,
            {"g0": g0, "gmax": max(g1, gmax), "partial": sorted(incomplete)},
        )
        base = cur.sql(
            _TABLE_SQL,
            params={
                "g0": g0,
                "g1": g1,
                "patents": unit == "industry",
                "min_works": min_works,
            },
        ).to_arrow_table()
        table = _with_intervals(cur, base, min_impact_works)
        known = cur.execute(
            """SELECT count(DISTINCT w.work_id),
                      count(DISTINCT w.work_id) FILTER (WHERE c.work_id IS NOT NULL)
               FROM _bm_w AS w LEFT JOIN (SELECT DISTINCT work_id FROM _bm_wc) AS c
                    USING (work_id)
               WHERE w.unit IN (SELECT DISTINCT unit FROM _bm_rows)"""
        ).fetchall()[0]
        series = cur.sql("SELECT * FROM _bm_series").to_arrow_table().cast(SERIES_SCHEMA)
        world = (
            cur.sql(
                """SELECT w.unit, coalesce(n.unit_name, w.unit) AS unit_name, w.works,
                          w.works_frac, w.patents, w.countries
                   FROM _bm_world AS w LEFT JOIN _bm_names AS n USING (unit)
                   WHERE list_contains($units::VARCHAR[], w.unit) OR $all_units
                   ORDER BY w.works_frac DESC, w.unit""",
                params={"units": wanted or [], "all_units": wanted is None},
            )
            .to_arrow_table()
            .cast(WORLD_SCHEMA)
        )
        n_patents = cur.execute("SELECT count(DISTINCT doc) FROM _bm_p").fetchall()[0][0]
        n_orgs = cur.execute(
            "SELECT count(*) FROM org_aliases WHERE source = 'institution'"
        ).fetchall()[0][0]
    result = DecisionResult(
        name="benchmark",
        table=table,
        rule=_rule(p, params),
        evidence={"series": series, "world": world},
        synthetic=synthetic,
    )
    result.cover(
        "works of the units with a known author country", known[1], known[0], minimum=min_coverage
    )
    if known[0] and result.coverage[-1].below:
        result.warn(
            "Fewer than "
            f"{100 * min_coverage:g} % of the works have an author with a known country: world "
            "shares, ranks and the choice of peers describe the attributed part only."
        )
    for y in sorted(incomplete):
        result.warn(f"{incomplete[y]}: left out of CAGR (partial in the series).")
    _caveats(
        result,
        unit=unit,
        min_works=min_works,
        n_patents=n_patents,
        n_orgs=n_orgs,
        citation_window=p.citation_window,
        family_caption=family_caption,
    )
    for caveat in impact_caveats(pct_all):
        result.warn(caveat)
    return result


def _caveats(
    result: DecisionResult,
    *,
    unit: str,
    min_works: int,
    n_patents: int,
    n_orgs: int,
    citation_window: int,
    family_caption: str,
) -> None:
    t = result.table.to_pylist()
    home = result.rule.parameters["country"]
    if not t:
        result.warn(f"No {unit} has any works or patents in the window: nothing to compare.")
    thin_home = [r["unit_name"] or r["unit"] for r in t if r["is_home"] and r["thin_evidence"]]
    thin_peer = sum(1 for r in t if not r["is_home"] and r["thin_evidence"])
    if thin_home:
        result.warn(
            f"Thin evidence: {home} has fewer than {min_works} works in "
            + ", ".join(thin_home[:12])
            + (" …" if len(thin_home) > 12 else "")
            + "; read its indicators there as indicative only."
        )
    if thin_peer:
        result.warn(
            f"{thin_peer} peer row(s) rest on fewer than {min_works} works (thin_evidence)."
        )
    if unit == "field":
        result.warn("Patents have no concept field: patent columns are empty with unit='field'.")
    elif n_patents == 0:
        result.warn("No patent families of the units in the window: patent columns are zero.")
    else:
        result.warn(
            f"{family_caption} Families are counted by their patents' assignee countries, "
            "with the forward citations of their most cited patent; "
            f"{citation_window}-year forward citations are truncated for recent grants."
        )
    if n_orgs == 0:
        result.warn(
            "Organisations are not resolved: the industry–academia share uses OpenAlex "
            "institution types (company / education)."
        )
    if result.synthetic:
        result.warn("SYNTHETIC DATA: the store holds records from a synthetic world.")
