r"""Strategic actors: which organisations carry an industry, and how strong is each?

Organisations are the resolved actors of ``organizations`` (:func:`forcemap.store.organizations.
resolve_organizations`): works reach them through ``authorships.institution_id`` →
``org_aliases`` (source ``institution``), patents through ``patent_assignees.assignee_id`` →
``org_aliases`` (source ``assignee``). Works and patents belong to an industry *I* by the
catalog slices (:func:`forcemap.store.slices.industry_works`, :func:`~forcemap.store.slices.
industry_patents`), in the ``years`` window (publication / grant year).

For organisation *o* and industry *I*, with fractional weights

.. math::

    f_{ow} = \sum_{s \in A_w} \frac{[o \in U_s]}{|A_w|\,|U_s|}, \qquad
    f_{op} = \frac{|\{a \in P_p : \mathrm{org}(a) = o\}|}{|P_p|}

(:math:`A_w` the authors of work *w*, :math:`U_s` the distinct organisations of author *s*,
:math:`P_p` the distinct assignees of patent *p*; Waltman & van Eck 2015), the components are:

===================  ========================================================================
``works``            volume of publications :math:`\sum_w f_{ow}`
``patents``          volume of patent families :math:`\sum_p f_{op}/k_p` (:math:`k_p` the
                     selected patents of *p*'s family, :func:`~forcemap.store.
                     patent_resolution.patent_unit_sql`: a family counts once)
``impact``           MNCS, :math:`\sum_w f_{ow}\,\mathrm{NCS}_w / \sum_w f_{ow}` (field-
                     normalised citation score, :func:`~forcemap.indicators.impact.
                     field_normalised_citation_score`, over works with an NCS)
``disruption``       share of its works that disrupt, :math:`\sum_w f_{ow}[\mathrm{CD}_5(w)>0]
                     / \sum_w f_{ow}` over works with a CD\ :sub:`5` (Park et al. 2023)
``patent_value``     mean 5-year forward citations, :math:`\sum_p g_{op} F_5(p)/\sum_p g_{op}`,
                     :math:`g_{op} = f_{op}/k_p` (a family's members averaged)
                     (OECD patent quality indicators)
``centrality``       PageRank in the industry's organisation collaboration network
                     (co-authorship + co-patenting, :func:`forcemap.network.build_network`)
``brokerage``        :math:`1 - C_o`, Burt's constraint in the same network (undefined for
                     an isolate)
``breadth``          share of the industry's sub-technologies where it has a work or a patent
===================  ========================================================================

Each component is turned into a percentile rank among the organisations in scope (the
country's organisations active in *I*; everyone's with ``country=None``):

.. math::

    P_{ok} = \frac{|\{o' : v_{o'k} < v_{ok}\}|}{n - 1}, \qquad
    \mathrm{score}_o = \frac{\sum_k w_k P_{ok}}{\sum_k w_k},

so the best organisation on a component gets 1, ties share the lower rank (values compared at 9
decimals), and an undefined value (no works for an impact, no patents for a value, an isolate's
brokerage) ranks below every defined one; with a single organisation a positive component
gets 1. The weights :math:`w_k` default to 1 each.
An **anchor candidate** is an enterprise in the top quartile on both works and patents
(:math:`P \ge` ``anchor_quantile`` = 0.75 on both): the leading enterprise a national
consortium can be built around (Bai et al. 2021, §3.2.1–3.2.2: a national innovation network
"led by leading science and technology enterprises, supported by research institutes and
universities").

References
----------
Waltman, L. & van Eck, N. J. (2015). doi:10.1016/j.joi.2015.08.001. Park, M., Leahey, E. &
Funk, R. J. (2023). doi:10.1038/s41586-022-05543-x. Squicciarini, M., Dernis, H. & Criscuolo,
C. (2013). doi:10.1787/5k4522wkw1r8-en. Burt, R. S. (1992). *Structural Holes*. Page, L. et al.
(1999). *The PageRank citation ranking*. Bai G. et al. (2021). Strategic Study of CAE 23(6).
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.decide._evidence import Shortfall, insufficient
from forcemap.decide._scope import at_org_level, check_years, industry_scope
from forcemap.decide._unit_intervals import unit_ratio_intervals
from forcemap.decide.params import ACTORS, ActorsParams
from forcemap.decide.result import DecisionResult, Rule, check_weights, is_synthetic
from forcemap.errors import InputError
from forcemap.indicators import indicator_table
from forcemap.indicators.impact import field_normalised_citation_score, impact_caveats
from forcemap.indicators.patent_value import forward_citations
from forcemap.network.analyse import analyse
from forcemap.network.build import build_network
from forcemap.store.org_hierarchy import ORG_LEVELS, org_level_caption
from forcemap.store.patent_resolution import patent_unit_caption, patent_unit_sql
from forcemap.store.reference import IndustryCatalog
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store

__all__ = ["ACTOR_SCHEMA", "COMPONENTS", "COMPONENT_SCHEMA", "DEFAULT_WEIGHTS", "strategic_actors"]

COMPONENTS: tuple[str, ...] = (
    "works",
    "patents",
    "impact",
    "disruption",
    "patent_value",
    "centrality",
    "brokerage",
    "breadth",
)
"""The components of the composite score, in order."""

DEFAULT_WEIGHTS: dict[str, float] = dict.fromkeys(COMPONENTS, 1.0)
"""Equal weights: every component counts the same."""

# component -> the value column it ranks (an allow-list used to build the percentile SQL)
_VALUE_COLUMN = {
    "works": "works",
    "patents": "patents",
    "impact": "mncs",
    "disruption": "disruptive_share",
    "patent_value": "forward_citations",
    "centrality": "pagerank",
    "brokerage": "brokerage",
    "breadth": "breadth",
}

_VALUES = [
    ("industry", pa.string()),
    ("org_id", pa.string()),
    ("name", pa.string()),
    ("type", pa.string()),
    ("country_code", pa.string()),
    ("works", pa.float64()),
    ("patents", pa.float64()),
    ("impact_works", pa.float64()),
    ("mncs", pa.float64()),
    ("mncs_low", pa.float64()),
    ("mncs_high", pa.float64()),
    ("disruptive_share", pa.float64()),
    ("forward_citations", pa.float64()),
    ("pagerank", pa.float64()),
    ("brokerage", pa.float64()),
    ("breadth", pa.float64()),
]

COMPONENT_SCHEMA = pa.schema(
    [
        *_VALUES,
        *[(f"p_{k}", pa.float64()) for k in COMPONENTS],
        ("score", pa.float64()),
        ("anchor_candidate", pa.bool_()),
        ("rank", pa.int64()),
        ("outcome", pa.string()),
    ]
)
"""``evidence["components"]``: every organisation in scope, values, percentiles, score;
``rank``, ``score`` and the percentiles are null for an organisation below ``min_output``
(``outcome`` "insufficient evidence (…)")."""

ACTOR_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("rank", pa.int64()),
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("outcome", pa.string()),
        ("score", pa.float64()),
        ("anchor_candidate", pa.bool_()),
        *_VALUES[5:],
    ]
)
"""The main table: the ``top`` organisations of each industry by composite score, then (rank
null, up to ``top`` rows in all) the largest organisations with insufficient evidence."""

# -- SQL ---------------------------------------------------------------------------------------

# The slices in the year window ($y0, $y1), one statement each (DuckDB binds parameters of
# one statement only).
_SELECT_WORKS_SQL = """
CREATE OR REPLACE TEMP TABLE _ac_wsel AS
SELECT DISTINCT s.work_id, s.industry FROM _ac_work_slice s
JOIN works w USING (work_id)
WHERE ($y0 IS NULL OR w.year >= $y0) AND ($y1 IS NULL OR w.year <= $y1)
"""

_SELECT_PATENTS_SQL = """
CREATE OR REPLACE TEMP TABLE _ac_psel AS
SELECT DISTINCT s.patent_id, s.industry FROM _ac_patent_slice s
JOIN patents p USING (patent_id)
WHERE ($y0 IS NULL OR p.year >= $y0) AND ($y1 IS NULL OR p.year <= $y1)
"""

# Fractional weight of each organisation on each selected work / patent ({units}: the patent
# counting unit, patent_unit_sql of the call's patent_unit; _WEIGHTS_SQL: by family).
_WEIGHTS_TEMPLATE = """
CREATE OR REPLACE TEMP TABLE _ac_ww AS
WITH ws AS (SELECT DISTINCT work_id FROM _ac_wsel),
aut AS (
    SELECT a.work_id, a.author_seq, al.org_id
    FROM authorships a JOIN ws USING (work_id)
    LEFT JOIN org_aliases al ON al.source = 'institution' AND al.source_id = a.institution_id
),
na AS (SELECT work_id, count(DISTINCT author_seq) AS n FROM aut GROUP BY work_id),
nu AS (
    SELECT work_id, author_seq, count(DISTINCT org_id) AS m
    FROM aut WHERE org_id IS NOT NULL GROUP BY ALL
)
SELECT u.work_id, u.org_id, sum(1.0 / (na.n * nu.m)) AS f
FROM (SELECT DISTINCT work_id, author_seq, org_id FROM aut WHERE org_id IS NOT NULL) u
JOIN na USING (work_id) JOIN nu USING (work_id, author_seq)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE _ac_pw AS
WITH ps AS (SELECT DISTINCT patent_id FROM _ac_psel),
asg AS (
    SELECT DISTINCT a.patent_id, coalesce(a.assignee_id, 'name:' || lower(trim(a.name))) AS akey,
           al.org_id
    FROM patent_assignees a JOIN ps USING (patent_id)
    LEFT JOIN org_aliases al ON al.source = 'assignee' AND al.source_id = a.assignee_id
    WHERE coalesce(a.assignee_id, a.name) IS NOT NULL
),
np AS (SELECT patent_id, count(DISTINCT akey) AS n FROM asg GROUP BY patent_id),
-- a patent family counts once: its selected members' weights are averaged (1/k each)
fam AS (SELECT u.patent_id, u.unit_id FROM ({units}) u JOIN ps USING (patent_id)),
nk AS (SELECT patent_id, count(*) OVER (PARTITION BY unit_id) AS k FROM fam)
SELECT a.patent_id, a.org_id, count(DISTINCT a.akey) / any_value(np.n) / any_value(nk.k) AS f
FROM asg a JOIN np USING (patent_id) JOIN nk USING (patent_id)
WHERE a.org_id IS NOT NULL
GROUP BY ALL;
"""
_WEIGHTS_SQL = _WEIGHTS_TEMPLATE.replace("{units}", patent_unit_sql())

# Sub-technology activity: works by the sub-technology's concepts / topics (the thresholds of
# industry_works), patents by industry_patents' sub_technology.
_BREADTH_SQL = """
CREATE OR REPLACE TEMP TABLE _ac_breadth AS
WITH wsub AS (
    SELECT DISTINCT s.industry, l.sub_technology, s.work_id
    FROM _ac_wsel s
    JOIN work_concepts c USING (work_id)
    JOIN _ac_sub_links l ON l.industry = s.industry AND l.kind = 'concept'
                        AND l.id = c.concept_id
    WHERE c.score >= $cs
    UNION
    SELECT DISTINCT s.industry, l.sub_technology, s.work_id
    FROM _ac_wsel s
    JOIN work_topics t USING (work_id)
    JOIN _ac_sub_links l ON l.industry = s.industry AND l.kind = 'topic' AND l.id = t.topic_id
    WHERE coalesce(t.score, 1.0) >= $ts
), act AS (
    SELECT w.industry, w.sub_technology, ww.org_id
    FROM wsub w JOIN _ac_ww ww USING (work_id)
    UNION
    SELECT s.industry, s.sub_technology, pw.org_id
    FROM _ac_patent_slice s
    JOIN (SELECT DISTINCT patent_id FROM _ac_psel) USING (patent_id)
    JOIN _ac_pw pw USING (patent_id)
    WHERE s.sub_technology IS NOT NULL
)
SELECT a.industry, a.org_id, count(DISTINCT a.sub_technology) / any_value(n.n) AS breadth
FROM act a JOIN _ac_n_subs n USING (industry)
GROUP BY ALL
"""

_VALUES_SQL = """
CREATE OR REPLACE TEMP TABLE _ac_values AS
WITH wv AS (
    SELECT s.industry, ww.org_id, sum(ww.f) AS works,
           coalesce(sum(ww.f) FILTER (WHERE n.ncs IS NOT NULL), 0.0) AS impact_works,
           CASE WHEN coalesce(sum(ww.f) FILTER (WHERE n.ncs IS NOT NULL), 0.0)
                     >= greatest($min_impact, 1e-12)
                THEN sum(ww.f * n.ncs) / sum(ww.f) FILTER (WHERE n.ncs IS NOT NULL) END
               AS mncs,
           CASE WHEN coalesce(sum(ww.f) FILTER (WHERE d.cd IS NOT NULL), 0.0)
                     >= greatest($min_impact, 1e-12)
                THEN coalesce(sum(ww.f) FILTER (WHERE d.cd > $cd_threshold), 0.0)
                     / sum(ww.f) FILTER (WHERE d.cd IS NOT NULL) END AS disruptive_share
    FROM _ac_wsel s JOIN _ac_ww ww USING (work_id)
    LEFT JOIN _ac_ncs n USING (work_id)
    LEFT JOIN _ac_cd d ON d.id = s.work_id
    GROUP BY ALL
), pv AS (
    SELECT s.industry, pw.org_id, sum(pw.f) AS patents,
           sum(pw.f * fc.forward_citations)
               / sum(pw.f) FILTER (WHERE fc.forward_citations IS NOT NULL)
               AS forward_citations
    FROM _ac_psel s JOIN _ac_pw pw USING (patent_id)
    LEFT JOIN _ac_fwd fc USING (patent_id)
    GROUP BY ALL
), keys AS (
    SELECT industry, org_id FROM wv UNION SELECT industry, org_id FROM pv
), stated AS (
    -- an organisation typed 'other' only because none of its sources states a type has an
    -- unknown type (unknown is not 'other')
    SELECT al.org_id, bool_or(coalesce(i.type, pa.type) IS NOT NULL) AS any_type
    FROM org_aliases al
    LEFT JOIN (SELECT institution_id, any_value(type) AS type FROM institutions
               GROUP BY institution_id) i
           ON al.source = 'institution' AND i.institution_id = al.source_id
    LEFT JOIN (SELECT assignee_id, any_value(type) AS type FROM patent_assignees
               GROUP BY assignee_id) pa
           ON al.source = 'assignee' AND pa.assignee_id = al.source_id
    GROUP BY al.org_id
)
SELECT k.industry, k.org_id, o.name,
       CASE WHEN o.type = 'other' AND NOT coalesce(st.any_type, false) THEN NULL
            ELSE o.type END AS type,
       o.country_code,
       coalesce(wv.works, 0.0) AS works, coalesce(pv.patents, 0.0) AS patents,
       coalesce(wv.impact_works, 0.0) AS impact_works,
       wv.mncs, NULL::DOUBLE AS mncs_low, NULL::DOUBLE AS mncs_high,
       wv.disruptive_share, pv.forward_citations,
       coalesce(nw.pagerank, 0.0) AS pagerank,
       1.0 - nw.constraint AS brokerage,
       coalesce(b.breadth, CASE WHEN ns.n > 0 THEN 0.0 END) AS breadth
FROM keys k
LEFT JOIN organizations o USING (org_id)
LEFT JOIN wv USING (industry, org_id)
LEFT JOIN pv USING (industry, org_id)
LEFT JOIN _ac_net nw USING (industry, org_id)
LEFT JOIN _ac_breadth b USING (industry, org_id)
LEFT JOIN _ac_n_subs ns USING (industry)
LEFT JOIN stated st USING (org_id)
WHERE $country IS NULL OR upper(o.country_code) = $country
"""

# Organisations in scope (before the country filter) with and without a known country.
_COUNTRY_COVERAGE_SQL = """
SELECT count(DISTINCT k.org_id) FILTER (WHERE o.country_code IS NOT NULL),
       count(DISTINCT k.org_id)
FROM (SELECT org_id FROM _ac_ww WHERE work_id IN (SELECT work_id FROM _ac_wsel)
      UNION SELECT org_id FROM _ac_pw WHERE patent_id IN (SELECT patent_id FROM _ac_psel)) k
LEFT JOIN organizations o USING (org_id)
"""

# Percentile of each component within the industry: values compared at 9 decimals (so float
# noise does not break ties), nulls rank lowest.
_PCT_TEMPLATE = """
CASE WHEN count(*) OVER w = 1 THEN (CASE WHEN coalesce({col}, 0) > 0 THEN 1.0 ELSE 0.0 END)
     ELSE (rank() OVER (PARTITION BY industry
                        ORDER BY coalesce(round({col}, 9), '-infinity'::DOUBLE)) - 1)
          / (count(*) OVER w - 1) END AS p_{key}"""

_RANK_SQL_HEAD = "CREATE OR REPLACE TEMP TABLE _ac_pct AS SELECT *,"
_RANK_SQL_TAIL = (
    " FROM _ac_values WHERE works + patents >= $min_output WINDOW w AS (PARTITION BY industry)"
)

_SCORE_SQL = """
WITH s AS (
    SELECT *,
           ($w_works * p_works + $w_patents * p_patents + $w_impact * p_impact
            + $w_disruption * p_disruption + $w_patent_value * p_patent_value
            + $w_centrality * p_centrality + $w_brokerage * p_brokerage
            + $w_breadth * coalesce(p_breadth, 0.0)) / $w_total AS score,
           coalesce(type = 'enterprise' AND p_works >= $anchor AND p_patents >= $anchor, false)
               AS anchor_candidate
    FROM _ac_pct
)
SELECT *, row_number() OVER (PARTITION BY industry
                             ORDER BY score DESC, works + patents DESC, org_id) AS rank,
       CASE WHEN anchor_candidate THEN 'anchor candidate' ELSE 'ranked' END AS outcome
FROM s
UNION ALL BY NAME
SELECT *, false AS anchor_candidate,
       'insufficient evidence (works + patents ' || {output} || ' < ' || {minimum} || ')'
           AS outcome
FROM _ac_values WHERE works + patents < $min_output
ORDER BY industry, rank NULLS LAST, works + patents DESC, org_id
"""


def _sql_num(expr: str) -> str:
    """SQL rendering of a count as :class:`~forcemap.decide._evidence.Shortfall` shows it:
    an integer with thousands separators, else one decimal (≥ 1) or two (< 1)."""
    return (
        f"(CASE WHEN {expr} = round({expr}) THEN format('{{:,}}', ({expr})::BIGINT) "
        f"WHEN {expr} >= 1 THEN format('{{:,.1f}}', {expr}) "
        f"ELSE format('{{:.2f}}', {expr}) END)"
    )


def _pct_sql() -> str:
    parts = [
        _PCT_TEMPLATE.replace("{col}", _VALUE_COLUMN[k]).replace("{key}", k) for k in COMPONENTS
    ]
    return _RANK_SQL_HEAD + ",".join(parts) + _RANK_SQL_TAIL


def _sub_links(cat: IndustryCatalog) -> tuple[pa.Table, pa.Table]:
    """(industry, sub_technology, kind, id) concept/topic links and sub-technology counts."""
    rows: list[tuple[str, str, str, str]] = []
    counts: list[tuple[str, int]] = []
    for ind in cat.values():
        counts.append((ind.key, len(ind.sub_technologies)))
        for sub in ind.sub_technologies:
            rows += [(ind.key, sub.key, "concept", c) for c in sub.concepts]
            rows += [(ind.key, sub.key, "topic", t) for t in sub.topics]
    cols = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
    links = pa.table(
        {
            name: pa.array(c, pa.string())
            for name, c in zip(("industry", "sub_technology", "kind", "id"), cols, strict=True)
        }
    )
    n = pa.table(
        {
            "industry": pa.array([k for k, _ in counts], pa.string()),
            "n": pa.array([v for _, v in counts], pa.int64()),
        }
    )
    return links, n


def _network_measures(
    store: Store, cat: IndustryCatalog, years: tuple[int, int] | None, org_level: str
) -> tuple[pa.Table, list[str]]:
    """PageRank and Burt constraint of every organisation in each industry's network."""
    parts: list[pa.Table] = []
    notes: list[str] = []
    for ind in cat.values():
        concepts = sorted({*ind.concepts, *(c for s in ind.sub_technologies for c in s.concepts)})
        topics = sorted({*ind.topics, *(t for s in ind.sub_technologies for t in s.topics)})
        cpc = sorted({*ind.cpc, *(p for s in ind.sub_technologies for p in s.cpc)})
        net = build_network(
            store,
            kind="org_collaboration",
            layers=("coauthorship", "copatenting"),
            concepts=concepts,
            topics=topics,
            cpc=cpc,
            years=years,
            org_level=org_level,
        )
        notes += [f"{ind.key}: {n}" for n in net.meta.get("notes", [])]
        if net.nodes.num_rows == 0:
            continue
        res = analyse(net, measures={"pagerank", "constraint"})
        n = res.nodes.num_rows
        parts.append(
            pa.table(
                {
                    "industry": pa.array([ind.key] * n, pa.string()),
                    "org_id": res.nodes["node_id"],
                    "pagerank": res.nodes["pagerank"],
                    "constraint": res.nodes["constraint"],
                }
            )
        )
    schema = pa.schema(
        [
            ("industry", pa.string()),
            ("org_id", pa.string()),
            ("pagerank", pa.float64()),
            ("constraint", pa.float64()),
        ]
    )
    if not parts:
        return schema.empty_table(), notes
    return pa.concat_tables([p.cast(schema) for p in parts]), notes


def _disruption(p: ActorsParams) -> str:
    """What makes a work disruptive, as the rule states it."""
    return f"CD_5 > {p.cd_threshold:g}"


def _rule(p: ActorsParams, params: dict[str, object], org_level: str = "self") -> Rule:
    return Rule(
        name="strategic_actors",
        statement=(org_level_caption(org_level).capitalize() + ". " if org_level != "self" else "")
        + "Organisations active in the industry are ranked by a composite score: the "
        "weighted mean of their percentile ranks (among the organisations in scope) on "
        f"fractional works and patents, MNCS, share of disruptive works ({_disruption(p)}), "
        f"mean {p.citation_window}-year forward citations, PageRank and 1 − Burt constraint "
        "in the industry's co-authorship/co-patenting network, and breadth over the "
        "industry's sub-technologies. Anchor candidate: an enterprise with both its works "
        "and its patents percentile ≥ anchor_quantile. Only organisations with at least "
        "min_output fractional works + patents are ranked (the others: 'insufficient "
        "evidence'); MNCS and the disruptive share need min_impact_works fractional works "
        "with a score (else null, ranking lowest) and MNCS carries a 95 % stability interval "
        "(bootstrap over the organisation's works); a country's list is not labelled when "
        "fewer than min_coverage of the organisations in scope have a known country.",
        parameters=params,
        references=(
            "Waltman & van Eck 2015, doi:10.1016/j.joi.2015.08.001",
            "Park, Leahey & Funk 2023, doi:10.1038/s41586-022-05543-x",
            "Squicciarini, Dernis & Criscuolo 2013, doi:10.1787/5k4522wkw1r8-en",
            "Burt 1992, Structural Holes",
            "Bai et al. 2021, Strategic Study of CAE, §3.2.1–3.2.2",
        ),
        conventions={
            "citation_window": p.citation_window,
            "cd_threshold": p.cd_threshold,
            "concept_min_score": p.concept_min_score,
        },
    )


def strategic_actors(
    store: Store,
    *,
    country: str | None = ACTORS.country,
    industry: str | None = None,
    years: tuple[int, int] | None = ACTORS.years,
    top: int = ACTORS.top,
    weights: Mapping[str, float] | None = ACTORS.weights,
    anchor_quantile: float = ACTORS.anchor_quantile,
    impact_field: str = ACTORS.impact_field,
    catalog: IndustryCatalog | None = None,
    citation_window: int = ACTORS.citation_window,
    cd_threshold: float = ACTORS.cd_threshold,
    concept_min_score: float = ACTORS.concept_min_score,
    min_output: float = ACTORS.min_output,
    min_impact_works: float = ACTORS.min_impact_works,
    min_coverage: float = ACTORS.min_coverage,
    citations: str = ACTORS.citations,
    org_level: str = "self",
    patent_unit: str = ACTORS.patent_unit,
) -> DecisionResult:
    r"""Rank a country's organisations in each industry (see the module docstring).

    Parameters
    ----------
    store : Store
        The store, with organisations resolved (``resolve_organizations``).
    country : str or None, default "CN"
        ISO 3166-1 alpha-2 code of the organisations ranked (``organizations.country_code``);
        None ranks every country's organisations together.
    industry : str, optional
        One catalog industry key; every industry when None.
    years : (int, int), optional
        Inclusive publication / grant year window; all years when None. Citation indicators
        (NCS, CD\ :sub:`5`, forward citations) always use the whole store as their world.
    top : int, default 20
        A **row count**: organisations per industry in the main table (all are in the
        evidence).
    weights : mapping, optional
        Weights of :data:`COMPONENTS` (missing ones keep their default of 1; 0 drops one).
    anchor_quantile : float, default 0.75
        Percentile both works and patents must reach for an enterprise to be an anchor
        candidate (0.75: the top quartile).
    catalog : IndustryCatalog, optional
        The industry catalog (default: the shipped one).
    citation_window : int, default 5
        Years after grant in which a patent's forward citations count.
    cd_threshold : float, default 0
        A work is disruptive when its CD\ :sub:`5` is above this.
    concept_min_score : float, default 0.3
        Least concept score for a work to count towards a sub-technology (breadth).
    min_output : float, default 1.0
        Least fractional works + patents for an organisation to be ranked; below it the row
        is kept with ``outcome`` "insufficient evidence (works + patents … < …)" and no rank.
    min_impact_works : float, default 5.0
        Least fractional works with an NCS (with a CD\ :sub:`5`) for ``mncs`` (for
        ``disruptive_share``) to be reported.
    min_coverage : float, default 0.5
        Least share of the organisations in scope (any country) with a known country for a
        country's list to be labelled; below it every row is "insufficient evidence".
    citations : {"auto", "store", "source"}, default "auto"
        Citation basis of the works' NCS (:func:`forcemap.indicators.impact.citation_basis`);
        the basis used is in the caveats.
    org_level : {"self", "parent", "top"}, default "self"
        Rank organisations as resolved, or rolled up to their parent or the top of their
        hierarchy (``org_hierarchy``; :func:`forcemap.store.org_hierarchy.org_aliases_sql`):
        the works, patents and network position of a university's institutes and hospitals
        then count for the university. The rule states the level.
    patent_unit : {"family", "patent"}, default "family"
        A patent family counts once (its members' weights averaged), or every grant counts;
        :func:`forcemap.store.patent_resolution.patent_unit_sql`. The caveats say which.

    The defaults and checks are those of :class:`~forcemap.decide.params.ActorsParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`ACTOR_SCHEMA`, the ``top`` organisations per industry, rank 1 the
        strongest; ``evidence["components"]``: :data:`COMPONENT_SCHEMA`, every organisation
        in scope with its component values, percentiles and score.

    Raises
    ------
    InputError
        Bad country, years, top, weights or quantile; unknown industry; organisations not
        resolved.
    StoreError
        A query failed.

    Notes
    -----
    An organisation is in scope for an industry when it has at least one work or patent of
    the industry in the window. The network slice is the industry's concepts, topics and CPC
    patterns (:func:`forcemap.network.build_network`, which takes a work with any score on
    one of the concepts), so it can hold slightly more works than the volume slice (concept
    score ≥ 0.3). An isolate's brokerage is null (it ranks lowest); an organisation missing from
    the network gets PageRank 0.
    """
    p = ActorsParams(
        country=country,
        years=years,
        top=top,
        weights=weights,
        anchor_quantile=anchor_quantile,
        impact_field=impact_field,
        citation_window=citation_window,
        cd_threshold=cd_threshold,
        concept_min_score=concept_min_score,
        min_output=min_output,
        min_impact_works=min_impact_works,
        min_coverage=min_coverage,
        citations=citations,
        patent_unit=patent_unit,
    )
    cty = p.country
    if org_level not in ORG_LEVELS:
        raise InputError(f"org_level must be one of {', '.join(ORG_LEVELS)}, got {org_level!r}")
    y0, y1 = check_years(years)
    w = check_weights(weights, COMPONENTS)
    cat = industry_scope(catalog, industry)
    if impact_field == "auto":
        with_topic = store.scalar("SELECT count(DISTINCT work_id) FROM work_topics")
        with_concept = store.scalar(
            "SELECT count(DISTINCT work_id) FROM work_concepts WHERE level = 0"
        )
        impact_field = "topic_subfield" if with_topic >= with_concept else "concept0"
    params: dict[str, object] = {
        "country": cty,
        "industry": industry,
        "years": [y0, y1] if years else None,
        "top": top,
        "weights": w,
        "anchor_quantile": anchor_quantile,
        "impact": "MNCS (full window, by field, year and type)",
        "citations": citations,
        "impact_field": impact_field,
        "disruption": _disruption(p),
        "patent_value": f"forward citations within {p.citation_window} years of grant",
        "min_output": p.min_output,
        "min_impact_works": p.min_impact_works,
        "min_coverage": p.min_coverage,
        "org_level": org_level,
        "patent_unit": p.patent_unit,
    }
    n_alias = store.scalar("SELECT count(*) FROM org_aliases")
    if not n_alias:
        raise InputError(
            "organisations are not resolved in this store: run "
            "forcemap.store.organizations.resolve_organizations(store) first"
        )
    caveats: list[str] = []
    keys = list(cat.keys())
    work_slice = industry_works(store, industries=keys, catalog=cat)
    patent_slice = industry_patents(store, industries=keys, catalog=cat)
    ncs_all = field_normalised_citation_score(store, field=impact_field, citations=p.citations)
    ncs = ncs_all.select(["work_id", "ncs"])
    cd = (
        indicator_table(store, "disruption", window=5, entity="works")
        .select(["work_id", "cd"])
        .rename_columns(["id", "cd"])
    )
    fwd = forward_citations(store, window=p.citation_window).select(
        ["patent_id", "forward_citations"]
    )
    net, notes = _network_measures(store, cat, years, org_level)
    links, n_subs = _sub_links(cat)
    with store.query_cursor("strategic actors") as cur:
        synthetic = is_synthetic(cur)
        for name, tbl in (
            ("_ac_work_slice", work_slice),
            ("_ac_patent_slice", patent_slice),
            ("_ac_ncs", ncs),
            ("_ac_cd", cd),
            ("_ac_fwd", fwd),
            ("_ac_net", net),
            ("_ac_sub_links", links),
            ("_ac_n_subs", n_subs),
        ):
            cur.register(name, tbl)
        cur.execute(_SELECT_WORKS_SQL, {"y0": y0, "y1": y1})
        cur.execute(_SELECT_PATENTS_SQL, {"y0": y0, "y1": y1})
        cur.execute(
            at_org_level(_WEIGHTS_TEMPLATE, org_level).replace(
                "{units}", patent_unit_sql(p.patent_unit)
            )
        )
        has_patents = bool(cur.execute("SELECT count(*) FROM _ac_psel").fetchall()[0][0])
        unit_caption = patent_unit_caption(cur, p.patent_unit) if has_patents else None
        cur.execute(_BREADTH_SQL, {"cs": p.concept_min_score, "ts": 0.0})
        cur.execute(
            at_org_level(_VALUES_SQL, org_level),
            {
                "country": cty,
                "cd_threshold": p.cd_threshold,
                "min_impact": float(p.min_impact_works),
            },
        )
        cur.execute(_pct_sql(), {"min_output": float(p.min_output)})
        score_params: dict[str, object] = {f"w_{k}": v for k, v in w.items()}
        score_params |= {
            "w_total": sum(w.values()),
            "anchor": anchor_quantile,
            "min_output": float(p.min_output),
        }
        score_sql = _SCORE_SQL.replace("{output}", _sql_num("(works + patents)")).replace(
            "{minimum}", _sql_num("$min_output")
        )
        components = cur.sql(score_sql, params=score_params).to_arrow_table()
        components = _with_mncs_interval(cur, components)
        components = components.select(COMPONENT_SCHEMA.names).cast(COMPONENT_SCHEMA)
        known_cty, all_orgs = cur.execute(_COUNTRY_COVERAGE_SQL).fetchall()[0]
        cov_low = cty is not None and (not all_orgs or known_cty < p.min_coverage * all_orgs)
        if cov_low:
            components = _all_insufficient(components, known_cty, all_orgs, p.min_coverage)
        cur.register("_ac_components", components)
        table = (
            cur.sql(
                """SELECT * FROM _ac_components
                   QUALIFY row_number() OVER (
                       PARTITION BY industry
                       ORDER BY rank NULLS LAST, works + patents DESC, org_id) <= $top
                   ORDER BY industry, rank NULLS LAST, works + patents DESC, org_id""",
                params={"top": top},
            )
            .to_arrow_table()
            .select(ACTOR_SCHEMA.names)
            .cast(ACTOR_SCHEMA)
        )
        per_ind = dict(
            cur.execute(
                "SELECT industry, count(*) FROM _ac_components GROUP BY industry"
            ).fetchall()
        )
        unresolved = cur.execute(
            """SELECT (SELECT count(DISTINCT work_id) FROM _ac_wsel
                       WHERE work_id NOT IN (SELECT work_id FROM _ac_ww)),
                      (SELECT count(DISTINCT patent_id) FROM _ac_psel
                       WHERE patent_id NOT IN (SELECT patent_id FROM _ac_pw))"""
        ).fetchall()[0]
        unresolved_total = cur.execute(
            """SELECT (SELECT count(DISTINCT work_id) FROM _ac_wsel)
                      + (SELECT count(DISTINCT patent_id) FROM _ac_psel)"""
        ).fetchall()[0][0]

    where = f"{cty}'s organisations" if cty else "organisations"
    missing = [k for k in keys if k not in per_ind]
    if missing:
        caveats.append(f"No {where} with works or patents in: {', '.join(missing)}.")
    thin = sorted(k for k, n in per_ind.items() if n < 4)
    if thin:
        caveats.append(
            f"Fewer than 4 {where} in {', '.join(thin)}: percentile ranks are coarse there."
        )
    if unresolved[0] or unresolved[1]:
        caveats.append(
            f"{unresolved[0]} works and {unresolved[1]} patents of the slices have no "
            "organisation (no institution / assignee resolved) and count for nobody."
        )
    caveats += [f"Network: {n}" for n in dict.fromkeys(notes)]
    if unit_caption:
        caveats.append(unit_caption)
    n_thin = components.filter(pc.is_null(components["rank"])).num_rows
    if n_thin and not cov_low:
        caveats.append(
            f"{n_thin} of {components.num_rows} organisations have fewer than "
            f"{p.min_output:g} fractional works + patents: insufficient evidence, not ranked "
            "(kept in the evidence with their counts)."
        )
    no_impact = pc.sum(
        pc.and_(pc.is_null(components["mncs"]), pc.greater(components["impact_works"], 0))
    ).as_py()
    if no_impact:
        caveats.append(
            f"{no_impact} organisations have works with a field-normalised score but fewer "
            f"than {p.min_impact_works:g} (fractional): their MNCS is not reported and ranks "
            "lowest on impact."
        )
    if cov_low:
        caveats.append(
            f"Only {known_cty} of {all_orgs} organisations in scope have a known country "
            f"(minimum {100 * p.min_coverage:g} %): {cty}'s organisations cannot be told "
            "apart from the others, so none is ranked."
        )
    caveats += impact_caveats(ncs_all)[:1]  # the citation basis
    if synthetic:
        caveats.append("SYNTHETIC DATA: the store holds records from a synthetic world.")
    result = DecisionResult(
        name="strategic_actors",
        table=table,
        rule=_rule(p, params, org_level),
        evidence={"components": components},
        caveats=caveats,
        synthetic=synthetic,
    )
    result.cover(
        "organisations in scope with a known country",
        known_cty,
        all_orgs,
        minimum=p.min_coverage if cty is not None else None,
    )
    if unresolved_total:
        result.cover(
            "works and patents of the industries with a resolved organisation",
            unresolved_total - unresolved[0] - unresolved[1],
            unresolved_total,
        )
    return result


def _with_mncs_interval(cur: duckdb.DuckDBPyConnection, components: pa.Table) -> pa.Table:
    """``components`` with ``mncs_low`` / ``mncs_high``: the 95 % stability interval of each
    reported MNCS, by bootstrap over the organisation's works with an NCS (fractional
    weights kept; :func:`~forcemap.decide._unit_intervals.unit_ratio_intervals`)."""
    cur.register("_ac_comp_in", components.select(["industry", "org_id", "mncs"]))
    docs = cur.sql(
        """WITH u AS (
               SELECT industry, org_id, row_number() OVER (ORDER BY industry, org_id) - 1 AS k
               FROM _ac_comp_in WHERE mncs IS NOT NULL)
           SELECT u.k, ww.f, ww.f * n.ncs AS fn
           FROM u JOIN _ac_wsel s USING (industry)
           JOIN _ac_ww ww ON ww.work_id = s.work_id AND ww.org_id = u.org_id
           JOIN _ac_ncs n ON n.work_id = s.work_id
           WHERE n.ncs IS NOT NULL"""
    ).fetchnumpy()
    keys = cur.sql(
        """SELECT industry, org_id FROM _ac_comp_in WHERE mncs IS NOT NULL
           ORDER BY industry, org_id"""
    ).to_arrow_table()
    low, high = unit_ratio_intervals(
        np.asarray(docs["k"]), np.asarray(docs["fn"]), np.asarray(docs["f"]), keys.num_rows
    )
    cur.register(
        "_ac_ci",
        keys.append_column("lo", pa.array(low)).append_column("hi", pa.array(high)),
    )
    cur.register("_ac_comp_all", components)
    out = cur.sql(
        """SELECT c.* REPLACE (ci.lo AS mncs_low, ci.hi AS mncs_high)
           FROM _ac_comp_all c LEFT JOIN _ac_ci ci USING (industry, org_id)
           ORDER BY c.industry, c.rank NULLS LAST, c.works + c.patents DESC, c.org_id"""
    ).to_arrow_table()
    return out


def _all_insufficient(components: pa.Table, known: int, total: int, minimum: float) -> pa.Table:
    """Every row "insufficient evidence (organisations with a known country …)", unranked."""
    share = known / total if total else 0.0
    text = insufficient([_PercentShortfall("organisations with a known country", share, minimum)])
    n = components.num_rows
    out = components
    for name, arr in (
        ("rank", pa.nulls(n, pa.int64())),
        ("score", pa.nulls(n, pa.float64())),
        ("anchor_candidate", pa.array([False] * n)),
        ("outcome", pa.array([text] * n, pa.string())),
    ):
        out = out.set_column(out.schema.get_field_index(name), name, arr)
    return out


class _PercentShortfall(Shortfall):
    """A shortfall of a share, shown in per cent."""

    def __str__(self) -> str:
        return f"{self.what} {100 * self.have:.0f} % < {100 * self.need:.0f} %"
