r"""Bottleneck technologies: where country X is weak and the holders are few and foreign.

For each industry *I* of the catalog and each CPC main group *g* (``level="cpc_group"``, e.g.
``G03F7/00``; or subclass with ``level="cpc_subclass"``) reached by one of *I*'s CPC patterns,
the patent evidence is counted over **families** :math:`f` with a member granted in the window
(:func:`forcemap.store.patent_resolution.patent_unit_sql`: the source's family ids, else
patents linked by priority claims and US continuity, else the patent alone; the caveats say
which grouping the store holds). With :math:`C_f` the
distinct assignee countries of the family, :math:`H_f` its distinct holders (the organisation an
assignee resolves to in ``org_aliases``, rolled up to its parent or the top of its hierarchy
with ``org_level``, else the assignee id) and :math:`G_f` its distinct groups:

.. math::

    N_g = |\{f : g \in G_f\}|, \qquad
    s_{cg} = \frac{\sum_{f \ni g} [c \in C_f] / |C_f|}{\sum_{f \ni g} [C_f \ne \emptyset]},
    \qquad \mathrm{HHI}^{cty}_g = \sum_c s_{cg}^2,

and the same with holders :math:`h` for :math:`s_{hg}` and :math:`\mathrm{HHI}^{hold}_g`;
:math:`T_g = \sum` of the ``top_holders`` largest :math:`s_{hg}`; X's own share is
:math:`s_{Xg}`. X's **revealed technological advantage** (Soete 1987) uses the fractional
activity of :func:`forcemap.indicators.specialisation.activity_table` (each family split
equally over its countries and its groups) over *all* families of the window:

.. math::

    A_{cg} = \sum_f \frac{[c \in C_f]\,[g \in G_f]}{|C_f|\,|G_f|}, \qquad
    \mathrm{RTA}_{Xg} = \frac{A_{Xg} / \sum_{g'} A_{Xg'}}{\sum_{c} A_{cg} / \sum_{c,g'} A_{cg'}}

(the same numbers as ``rca(activity_table(store, prod="cpc_group"))`` when every patent is its
own family; the main group is derived from ``cpc_subgroup`` so a store that kept full symbols
in ``cpc_group`` still groups correctly).

A group is a **bottleneck candidate** for X when

* X is weak: :math:`\mathrm{RTA}_{Xg} <` ``rta_below`` (1, Balassa's break-even);
* the holders are few: :math:`\mathrm{HHI}^{cty}_g >` ``hhi_country_above`` (0.25, the US
  merger guidelines' "highly concentrated"), or :math:`\mathrm{HHI}^{hold}_g >`
  ``hhi_assignee_above`` (0.15, "moderately concentrated"), or :math:`T_g >`
  ``top_share_above`` (0.5);
* there is evidence: :math:`N_g \ge` ``min_families`` (5).

Candidates are ranked within the industry by

.. math::

    \mathrm{score}_g = \bigl(1 - \min(\mathrm{RTA}_{Xg}, 1)\bigr)\cdot
    \max\bigl(\mathrm{HHI}^{cty}_g, \mathrm{HHI}^{hold}_g, T_g\bigr)\cdot (1 - s_{Xg})
    \cdot \frac{N_g}{N_g + n_0}, \qquad n_0 = \texttt{min\_families},

in [0, 1): weakness × concentration × foreignness × an evidence factor that shrinks thin groups
(a group of :math:`n_0` families keeps half its score).

**Trade.** With trade data the HS6 products (those linked to the industries by the catalog's
HS prefixes when ``industry`` is given; every product otherwise) get the EU's strategic
dependency test (European Commission 2021, SWD(2021) 352), adapted to one country X. With
:math:`m_{op}` X's imports of product *p* from origin *o* and :math:`e_{cp}` country *c*'s
exports of *p* to the world (flows pooled over the window; a flow reported by both sides takes
the importer's figure):

.. math::

    \mathrm{HHI}^{imp}_{Xp} = \sum_o \Bigl(\frac{m_{op}}{\sum_{o'} m_{o'p}}\Bigr)^2 > 0.4,
    \qquad \mathrm{HHI}^{exp}_p = \sum_c \Bigl(\frac{e_{cp}}{\sum_{c'} e_{c'p}}\Bigr)^2 > 0.4,
    \qquad \sum_o m_{op} > e_{Xp}.

A product failing all three is a dependency. The HS6 ↔ CPC link is the industry: each
bottleneck row lists the dependent HS6 products of its industry.

References
----------
European Commission (2021). *Strategic dependencies and capacities*. Commission Staff Working
Document SWD(2021) 352 final. Soete, L. (1987). Research Policy 16(2–4), 101–130.
doi:10.1016/0048-7333(87)90026-6. Balassa, B. (1965). doi:10.1111/j.1467-9957.1965.tb00050.x.
U.S. DoJ & FTC (2010). *Horizontal Merger Guidelines*, §5.3 (HHI thresholds). Bai G. et al.
(2021). Strategic Study of CAE 23(6), §3.2.3 (industrial key projects on generic bottleneck
technologies).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.decide._evidence import Shortfall, insufficient
from forcemap.decide._scope import at_org_level, check_years, industry_scope
from forcemap.decide._unit_intervals import unit_ratio_intervals
from forcemap.decide.params import BOTTLENECKS, CPC_LEVELS, BottlenecksParams
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.store.org_hierarchy import org_level_caption
from forcemap.store.patent_resolution import patent_unit_caption, patent_unit_sql
from forcemap.store.reference import IndustryCatalog, reference_table
from forcemap.store.store import Store

__all__ = ["BOTTLENECK_SCHEMA", "COVERAGE_WHAT", "GROUP_SCHEMA", "TRADE_SCHEMA", "bottlenecks"]

LEVELS = CPC_LEVELS

GROUP_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("cpc", pa.string()),
        ("title", pa.string()),
        ("sub_technologies", pa.string()),
        ("families", pa.int64()),
        ("country_families", pa.float64()),
        ("rta", pa.float64()),
        ("country_share", pa.float64()),
        ("country_share_low", pa.float64()),
        ("country_share_high", pa.float64()),
        ("hhi_country", pa.float64()),
        ("hhi_assignee", pa.float64()),
        ("top_share", pa.float64()),
        ("holders", pa.string()),
        ("holder_countries", pa.string()),
        ("known_country_families", pa.int64()),
        ("known_country_share", pa.float64()),
        ("unknown_country_share", pa.float64()),
        ("weak", pa.bool_()),
        ("concentrated", pa.bool_()),
        ("enough_evidence", pa.bool_()),
        ("enough_coverage", pa.bool_()),
        ("candidate", pa.bool_()),
        ("score", pa.float64()),
        ("outcome", pa.string()),
    ]
)
"""``evidence["groups"]``: every (industry, CPC group) in scope with its indicators."""

BOTTLENECK_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("rank", pa.int64()),
        ("cpc", pa.string()),
        ("title", pa.string()),
        ("outcome", pa.string()),
        ("score", pa.float64()),
        ("rta", pa.float64()),
        ("families", pa.int64()),
        ("known_country_share", pa.float64()),
        ("unknown_country_share", pa.float64()),
        ("country_share", pa.float64()),
        ("country_share_low", pa.float64()),
        ("country_share_high", pa.float64()),
        ("hhi_country", pa.float64()),
        ("hhi_assignee", pa.float64()),
        ("top_share", pa.float64()),
        ("holders", pa.string()),
        ("holder_countries", pa.string()),
        ("sub_technologies", pa.string()),
        ("dependent_hs6", pa.string()),
    ]
)
"""The main table: bottleneck candidates, ranked within each industry by score, then (rank
null) the groups with enough families that are concentrated but whose holder countries are
too often unknown to tell (``outcome`` "insufficient evidence (…)")."""

TRADE_SCHEMA = pa.schema(
    [
        ("hs6", pa.string()),
        ("description", pa.string()),
        ("industries", pa.string()),
        ("imports", pa.float64()),
        ("exports", pa.float64()),
        ("import_hhi", pa.float64()),
        ("export_hhi", pa.float64()),
        ("top_origins", pa.string()),
        ("top_exporters", pa.string()),
        ("concentrated_imports", pa.bool_()),
        ("concentrated_supply", pa.bool_()),
        ("net_importer", pa.bool_()),
        ("dependent", pa.bool_()),
        ("rank", pa.int64()),
    ]
)
"""``evidence["trade"]``: the EU dependency test per HS6 product (dependencies ranked first)."""


# -- SQL (literal, $parameters) --------------------------------------------------------------

# Families of the window and their symbols; the group is derived from the symbol.
_FAMILY_SQL = """
CREATE OR REPLACE TEMP TABLE _bn_pat AS
SELECT p.patent_id, any_value(u.unit_id) AS family
FROM patents AS p JOIN ({units}) AS u USING (patent_id)
WHERE ($y0 IS NULL OR p.year >= $y0) AND ($y1 IS NULL OR p.year <= $y1)
GROUP BY p.patent_id
"""

_SYMBOL_SQL = """
CREATE OR REPLACE TEMP TABLE _bn_sym AS
SELECT DISTINCT p.family, s.sym, s.subclass,
       CASE WHEN $level = 'cpc_subclass' THEN s.subclass
            WHEN contains(s.sym, '/') THEN split_part(s.sym, '/', 1) || '/00'
            ELSE s.grp END AS grp
FROM (SELECT patent_id,
             upper(replace(coalesce(cpc_subgroup, cpc_group), ' ', '')) AS sym,
             upper(coalesce(cpc_subclass,
                   left(replace(coalesce(cpc_subgroup, cpc_group), ' ', ''), 4))) AS subclass,
             upper(replace(cpc_group, ' ', '')) AS grp
      FROM patent_cpc) s
JOIN _bn_pat p USING (patent_id)
WHERE s.sym IS NOT NULL
"""

_UNITS_SQL = """
CREATE OR REPLACE TEMP TABLE _bn_hold AS
SELECT DISTINCT p.family,
       coalesce(al.org_id, a.assignee_id, 'name:' || lower(trim(a.name))) AS holder
FROM patent_assignees a JOIN _bn_pat p USING (patent_id)
LEFT JOIN org_aliases al ON al.source = 'assignee' AND al.source_id = a.assignee_id
WHERE coalesce(a.assignee_id, a.name) IS NOT NULL;

CREATE OR REPLACE TEMP TABLE _bn_holder_info AS
SELECT coalesce(al.org_id, a.assignee_id, 'name:' || lower(trim(a.name))) AS holder,
       coalesce(any_value(o.name), mode(a.name)) AS name,
       coalesce(any_value(o.country_code), mode(upper(a.country_code))) AS country
FROM patent_assignees a
LEFT JOIN org_aliases al ON al.source = 'assignee' AND al.source_id = a.assignee_id
LEFT JOIN organizations o ON o.org_id = al.org_id
WHERE coalesce(a.assignee_id, a.name) IS NOT NULL
GROUP BY 1;

-- A family's holder countries: the assignee's country on the patent, else its holder's
-- (the organisation's, else the assignee's most frequent country in the store); unknown
-- otherwise, and then the family has no row here.
CREATE OR REPLACE TEMP TABLE _bn_cty AS
SELECT DISTINCT p.family,
       coalesce(upper(a.country_code), i.country) AS country
FROM patent_assignees a JOIN _bn_pat p USING (patent_id)
LEFT JOIN org_aliases al ON al.source = 'assignee' AND al.source_id = a.assignee_id
LEFT JOIN _bn_holder_info i
       ON i.holder = coalesce(al.org_id, a.assignee_id, 'name:' || lower(trim(a.name)))
WHERE coalesce(upper(a.country_code), i.country) IS NOT NULL
"""

# (industry, group, sub-technology) reached by the industry's CPC patterns.
_SCOPE_SQL = """
CREATE OR REPLACE TEMP TABLE _bn_scope AS
SELECT DISTINCT pt.industry, s.grp, pt.sub_technology
FROM (SELECT DISTINCT sym, subclass, grp FROM _bn_sym) s
JOIN _bn_patterns pt ON left(pt.pattern, 4) = s.subclass AND starts_with(s.sym, pt.pattern)
WHERE s.grp IS NOT NULL
"""

_GROUPS_SQL = """
WITH grp AS (SELECT DISTINCT family, grp FROM _bn_sym WHERE grp IS NOT NULL),
ncty AS (SELECT family, count(*) AS n FROM _bn_cty GROUP BY family),
ngrp AS (SELECT family, count(*) AS n FROM grp GROUP BY family),
nhold AS (SELECT family, count(*) AS n FROM _bn_hold GROUP BY family),
-- fractional activity A_cg over every family of the window (RTA)
act AS (
    SELECT c.country, g.grp, sum(1.0 / (nc.n * ng.n)) AS v
    FROM _bn_cty c JOIN grp g USING (family)
    JOIN ncty nc USING (family) JOIN ngrp ng USING (family)
    GROUP BY ALL
),
tot AS (SELECT sum(v) AS t, sum(v) FILTER (WHERE country = $country) AS tx FROM act),
act_g AS (
    SELECT grp, sum(v) AS vg, sum(v) FILTER (WHERE country = $country) AS vxg
    FROM act GROUP BY grp
),
scoped AS (SELECT DISTINCT grp FROM _bn_scope),
fam AS (SELECT g.grp, g.family FROM grp g JOIN scoped USING (grp)),
nfam AS (SELECT grp, count(*) AS n FROM fam GROUP BY grp),
cw AS (
    SELECT f.grp, c.country, sum(1.0 / nc.n) AS w
    FROM fam f JOIN _bn_cty c USING (family) JOIN ncty nc USING (family)
    GROUP BY ALL
),
cs AS (
    SELECT grp, country, w / sum(w) OVER (PARTITION BY grp) AS s, w,
           row_number() OVER (PARTITION BY grp ORDER BY w DESC, country) AS r
    FROM cw
),
hw AS (
    SELECT f.grp, h.holder, sum(1.0 / nh.n) AS w
    FROM fam f JOIN _bn_hold h USING (family) JOIN nhold nh USING (family)
    GROUP BY ALL
),
hs AS (
    SELECT grp, holder, w / sum(w) OVER (PARTITION BY grp) AS s,
           row_number() OVER (PARTITION BY grp ORDER BY w DESC, holder) AS r
    FROM hw
),
kfam AS (
    SELECT f.grp, count(*) AS known FROM fam f JOIN ncty USING (family) GROUP BY f.grp
),
cagg AS (
    SELECT grp, sum(s * s) AS hhi_country,
           coalesce(sum(s) FILTER (WHERE country = $country), 0.0) AS country_share,
           coalesce(sum(w) FILTER (WHERE country = $country), 0.0) AS country_families,
           string_agg(country || ' ' || round(100 * s)::INT || '%', ', ' ORDER BY r)
               FILTER (WHERE r <= 5) AS countries
    FROM cs GROUP BY grp
),
hagg AS (
    SELECT h.grp, sum(h.s * h.s) AS hhi_assignee,
           coalesce(sum(h.s) FILTER (WHERE h.r <= $k), 0.0) AS top_share,
           string_agg(coalesce(i.name, h.holder) || ' (' || coalesce(i.country, '?') || ') '
                      || round(100 * h.s)::INT || '%', '; ' ORDER BY h.r)
               FILTER (WHERE h.r <= $k) AS holders
    FROM hs h LEFT JOIN _bn_holder_info i USING (holder)
    GROUP BY h.grp
)
SELECT n.grp, n.n AS families, coalesce(k.known, 0) AS known_country_families,
       c.country_families, c.country_share,
       c.hhi_country, h.hhi_assignee, h.top_share, h.holders, c.countries AS holder_countries,
       CASE WHEN t.tx > 0 AND a.vg > 0
            THEN (coalesce(a.vxg, 0.0) / t.tx) / (a.vg / t.t) END AS rta
FROM nfam n
LEFT JOIN kfam k USING (grp)
LEFT JOIN cagg c USING (grp) LEFT JOIN hagg h USING (grp) LEFT JOIN act_g a USING (grp)
CROSS JOIN tot t
"""

_TABLE_SQL = """
WITH s AS (
    SELECT industry, grp,
           string_agg(DISTINCT sub_technology, ', ' ORDER BY sub_technology) AS subs
    FROM _bn_scope GROUP BY ALL
), g AS (
    SELECT s.industry, s.grp AS cpc, t.title, s.subs AS sub_technologies, m.families,
           m.country_families, m.rta, m.country_share,
           NULL::DOUBLE AS country_share_low, NULL::DOUBLE AS country_share_high,
           m.hhi_country, m.hhi_assignee, m.top_share, m.holders, m.holder_countries,
           m.known_country_families,
           m.known_country_families / m.families AS known_country_share,
           1.0 - m.known_country_families / m.families AS unknown_country_share,
           coalesce(m.rta, 0.0) < $rta_below AS weak,
           coalesce(m.hhi_country > $hhi_c OR m.hhi_assignee > $hhi_a
                    OR m.top_share > $top_share, false) AS concentrated,
           m.families >= $min_families AS enough_evidence,
           m.known_country_families >= $min_coverage * m.families
               AND m.known_country_families > 0 AS enough_coverage
    FROM s JOIN _bn_metrics m USING (grp)
    LEFT JOIN _bn_titles t ON t.code = s.grp
)
SELECT *, weak AND concentrated AND enough_evidence AND enough_coverage AS candidate,
       CASE WHEN enough_evidence AND enough_coverage THEN
       (1.0 - least(coalesce(rta, 0.0), 1.0))
         * greatest(coalesce(hhi_country, 0.0), coalesce(hhi_assignee, 0.0),
                    coalesce(top_share, 0.0))
         * (1.0 - coalesce(country_share, 0.0)) * families / (families + $min_families)
       END AS score,
       NULL::VARCHAR AS outcome
FROM g
ORDER BY industry, candidate DESC, score DESC NULLS LAST, families DESC, cpc
"""

# Directed flows exporter -> importer; a flow reported by both sides takes the importer's value.
_TRADE_SQL = """
WITH rep AS (
    SELECT year, reporter AS exporter, partner AS importer, hs6, 1 AS pri,
           sum(export_value) AS v
    FROM trade WHERE export_value IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT year, partner, reporter, hs6, 2, sum(import_value)
    FROM trade WHERE import_value IS NOT NULL GROUP BY ALL
), flow AS (
    SELECT exporter, importer, hs6, sum(v) AS v FROM (
        SELECT year, exporter, importer, hs6, arg_max(v, pri) AS v
        FROM rep
        WHERE ($y0 IS NULL OR year >= $y0) AND ($y1 IS NULL OR year <= $y1)
          AND exporter <> importer
        GROUP BY ALL)
    WHERE v > 0 AND ($all_hs OR hs6 IN (SELECT hs6 FROM _bn_hs))
    GROUP BY ALL
), imp AS (
    SELECT hs6, exporter AS origin, sum(v) AS v FROM flow
    WHERE list_contains($codes, importer) GROUP BY ALL
), imp_s AS (
    SELECT hs6, origin, v / sum(v) OVER (PARTITION BY hs6) AS s, v,
           row_number() OVER (PARTITION BY hs6 ORDER BY v DESC, origin) AS r
    FROM imp
), imp_a AS (
    SELECT hs6, sum(v) AS imports, sum(s * s) AS import_hhi,
           string_agg(origin || ' ' || round(100 * s)::INT || '%', ', ' ORDER BY r)
               FILTER (WHERE r <= 5) AS top_origins
    FROM imp_s GROUP BY hs6
), ex AS (
    SELECT hs6, exporter, sum(v) AS v FROM flow GROUP BY ALL
), ex_s AS (
    SELECT hs6, exporter, v, v / sum(v) OVER (PARTITION BY hs6) AS s,
           row_number() OVER (PARTITION BY hs6 ORDER BY v DESC, exporter) AS r
    FROM ex
), ex_a AS (
    SELECT hs6, sum(s * s) AS export_hhi,
           coalesce(sum(v) FILTER (WHERE list_contains($codes, exporter)), 0.0) AS exports,
           string_agg(exporter || ' ' || round(100 * s)::INT || '%', ', ' ORDER BY r)
               FILTER (WHERE r <= 5) AS top_exporters
    FROM ex_s GROUP BY hs6
), lk AS (
    SELECT hs6, string_agg(DISTINCT industry, ', ' ORDER BY industry) AS industries
    FROM _bn_hs_all GROUP BY hs6
), t AS (
    SELECT e.hs6, h.description, lk.industries, coalesce(i.imports, 0.0) AS imports,
           e.exports, i.import_hhi, e.export_hhi, i.top_origins, e.top_exporters,
           coalesce(i.import_hhi > $imp_hhi, false) AS concentrated_imports,
           e.export_hhi > $exp_hhi AS concentrated_supply,
           coalesce(i.imports, 0.0) > e.exports AS net_importer
    FROM ex_a e LEFT JOIN imp_a i USING (hs6) LEFT JOIN lk USING (hs6)
    LEFT JOIN _bn_hs_desc h ON h.hs_code = e.hs6
)
SELECT *, concentrated_imports AND concentrated_supply AND net_importer AS dependent,
       row_number() OVER (ORDER BY concentrated_imports AND concentrated_supply
                          AND net_importer DESC, imports DESC, hs6) AS rank
FROM t ORDER BY rank
"""


# -- helpers -----------------------------------------------------------------------------------

#: What the coverage of the decision (and of each group) is about.
COVERAGE_WHAT = "patent families with a known holder country"


class _PercentShortfall(Shortfall):
    """A shortfall of a share, shown in per cent (``known holder country 17 % < 50 %``)."""

    def __str__(self) -> str:
        return f"{self.what} {100 * self.have:.0f} % < {100 * self.need:.0f} %"


def _with_outcome(groups: pa.Table, *, min_families: int, min_coverage: float) -> pa.Table:
    """``groups`` with its ``outcome``: *bottleneck candidate*, *not a bottleneck (…)* or
    *insufficient evidence (…)* naming the counts (families, known holder country share) that
    are below their minimum. One string per group (groups are few)."""
    out: list[str] = []
    cols = groups.select(
        ["families", "known_country_share", "weak", "concentrated", "candidate"]
    ).to_pylist()
    for g in cols:
        missing: list[Shortfall] = []
        if g["families"] < min_families:
            missing.append(Shortfall("families", g["families"], min_families))
        share = g["known_country_share"] or 0.0
        if share < min_coverage or share == 0.0:
            missing.append(_PercentShortfall("known holder country", share, min_coverage))
        if missing:
            out.append(insufficient(missing))
        elif g["candidate"]:
            out.append("bottleneck candidate")
        else:
            tests = (("not weak", g["weak"]), ("not concentrated", g["concentrated"]))
            out.append(f"not a bottleneck ({', '.join(w for w, ok in tests if not ok)})")
    i = groups.schema.get_field_index("outcome")
    return groups.set_column(i, "outcome", pa.array(out, pa.string()))


def _country_codes(country: str) -> list[str]:
    """The ISO2 code and its ISO3 (the store holds alpha-2; ISO3 is matched too)."""
    ref = reference_table("countries")
    iso3 = ref.filter(pc.equal(ref["iso2"], country))["iso3"].to_pylist()
    return [country, *[c for c in iso3 if c]]


def _rule(params: dict[str, object]) -> Rule:
    level = str(params.get("org_level", "self"))
    return Rule(
        name="bottlenecks",
        statement=(org_level_caption(level).capitalize() + ". " if level != "self" else "")
        + "A CPC group of an industry is a bottleneck candidate for country X when X "
        "is weak there (RTA < rta_below), its patent families are concentrated (HHI by "
        "assignee country > hhi_country_above, or HHI by holder > hhi_assignee_above, or the "
        "top_holders largest holders' share > top_share_above) and there are at least "
        "min_families families, at least min_coverage of them with a known holder country "
        "(shares, HHI by country and RTA count only those families: an unknown country is "
        "unknown, never foreign; below min_families or min_coverage the outcome is "
        "'insufficient evidence'); X's share carries a 95 % stability interval (bootstrap over "
        "the group's families). Score = (1 − min(RTA, 1)) × max(HHI_country, HHI_holder, "
        "top share) × (1 − X's share) × N / (N + min_families). An HS6 product is a trade "
        "dependency when X's import HHI by origin > import_hhi_above, the world export HHI "
        "> export_hhi_above and X imports more than it exports (EU 2021 method).",
        parameters=params,
        references=(
            "European Commission 2021, Strategic dependencies and capacities, SWD(2021) 352",
            "Soete 1987, doi:10.1016/0048-7333(87)90026-6",
            "U.S. DoJ & FTC 2010, Horizontal Merger Guidelines §5.3",
        ),
    )


# -- the decision ----------------------------------------------------------------------------


def bottlenecks(
    store: Store,
    *,
    country: str = BOTTLENECKS.country,
    industry: str | None = None,
    level: str = BOTTLENECKS.level,
    years: tuple[int, int] | None = BOTTLENECKS.years,
    rta_below: float = BOTTLENECKS.rta_below,
    hhi_country_above: float = BOTTLENECKS.hhi_country_above,
    hhi_assignee_above: float = BOTTLENECKS.hhi_assignee_above,
    top_holders: int = BOTTLENECKS.top_holders,
    top_share_above: float = BOTTLENECKS.top_share_above,
    min_families: int = BOTTLENECKS.min_families,
    with_trade: bool = BOTTLENECKS.with_trade,
    import_hhi_above: float = BOTTLENECKS.import_hhi_above,
    export_hhi_above: float = BOTTLENECKS.export_hhi_above,
    catalog: IndustryCatalog | None = None,
    min_coverage: float = BOTTLENECKS.min_coverage,
    org_level: str = BOTTLENECKS.org_level,
    patent_unit: str = BOTTLENECKS.patent_unit,
) -> DecisionResult:
    r"""Bottleneck technologies of ``country`` per industry (see the module docstring).

    Parameters
    ----------
    store : Store
        The store (reads patents, patent_cpc, patent_assignees, org_aliases, organizations
        and trade).
    country : str, default "CN"
        X, an ISO 3166-1 alpha-2 code (assignee country; trade codes are matched as the
        ISO2 code or its ISO3).
    industry : str, optional
        One catalog industry key; all industries when None.
    level : {"cpc_group", "cpc_subclass"}, default "cpc_group"
        The technology unit: CPC main group (``G03F7/00``) or subclass (``G03F``).
    years : (int, int), optional
        Inclusive grant-year window of the patents and years of the trade flows; all when None.
    rta_below : float, default 1.0
        X is weak in a group when its RTA is below this.
    hhi_country_above, hhi_assignee_above : float, default 0.25, 0.15
        Concentration thresholds on the HHI of families by assignee country / by holder.
    top_holders : int, default 3
        k, the number of largest holders whose share is tested and listed.
    top_share_above : float, default 0.5
        Concentration threshold on the top-k holders' share.
    min_families : int, default 5
        Minimum world families in a group; also :math:`n_0` of the evidence factor.
    with_trade : bool, default True
        Run the EU trade dependency test when the store has trade data.
    import_hhi_above, export_hhi_above : float, default 0.4
        The EU thresholds on X's import HHI by origin and on the world export HHI.
    catalog : IndustryCatalog, optional
        The industry catalog (default: the shipped one).
    min_coverage : float, default 0.5
        The least share of a group's families with a known holder country; below it the
        group's outcome is "insufficient evidence (known holder country … % < … %)" and it is
        no candidate.
    org_level : {"self", "parent", "top"}, default "self"
        Holders as resolved, or rolled up to their parent or the top of their hierarchy
        (``org_hierarchy``, :func:`forcemap.store.org_hierarchy.org_aliases_sql`): a
        subsidiary's families then count for its parent, once per family when several of
        its subsidiaries hold it. The rule states the level.
    patent_unit : {"family", "patent"}, default "family"
        The unit counted (:func:`forcemap.store.patent_resolution.patent_unit_sql`): one
        invention once, or every grant. The rule states the grouping used.

    Returns
    -------
    DecisionResult
        ``table``: :data:`BOTTLENECK_SCHEMA`, the candidates ranked within each industry
        (rank 1 = the strongest bottleneck), then (rank null) the concentrated groups with
        enough families whose holder countries are too often unknown to assess (their RTA and
        country shares rest on too few families to be read); ``evidence["groups"]``:
        :data:`GROUP_SCHEMA`, every group in scope with its indicators and which test it
        failed;
        ``evidence["trade"]``: :data:`TRADE_SCHEMA` when trade was tested. ``caveats`` name
        thin or missing evidence.

        Columns: ``cpc`` the group (or subclass), ``title`` its CPC title; ``families``
        :math:`N_g`; ``country_families`` X's fractional families; ``rta``; ``country_share``
        :math:`s_{Xg}` with its 95 % stability interval ``country_share_low`` /
        ``country_share_high`` (bootstrap over the group's families); ``hhi_country``,
        ``hhi_assignee``, ``top_share`` :math:`T_g`;
        ``holders`` the ``top_holders`` largest holders as ``name (country) share%`` joined by
        ``"; "``; ``holder_countries`` the five largest countries as ``CC share%``;
        ``sub_technologies`` the industry's sub-technologies whose patterns reach the group;
        ``weak``, ``concentrated``, ``enough_evidence``, ``candidate`` the tests;
        ``score`` (null when the group cannot be assessed); ``known_country_families`` /
        ``known_country_share`` / ``unknown_country_share`` the families with (without) a
        known holder country; ``enough_coverage`` its test; ``outcome`` "bottleneck
        candidate", "not a bottleneck (…)" or "insufficient evidence (…)" with the counts
        that were missing; ``rank`` within the industry; ``dependent_hs6`` the industry's HS6
        dependencies (by trade rank). Trade: ``imports`` / ``exports`` X's totals (trade
        units), ``import_hhi``, ``export_hhi``, ``top_origins`` / ``top_exporters`` (five
        largest, as stored country codes), the three tests, ``dependent`` and ``rank``
        (dependencies first, then by imports).

    Raises
    ------
    InputError
        A bad country code, level, year window, threshold or unknown industry.
    StoreError
        A query failed.

    Notes
    -----
    Shares are fractional: a family held by two countries counts one half for each, and a
    family with no known country (holder) is left out of the country (holder) shares: an
    unknown country is unknown, never foreign, so X's share, the HHI by country and the RTA
    are computed on the families with a known holder country, and a group where fewer than
    ``min_coverage`` of the families have one is not assessed. The coverage over every family
    in scope is recorded (:meth:`~forcemap.decide.result.DecisionResult.cover`). A
    holder is the organisation its assignee resolves to (run organisation resolution first to
    merge one company's assignee ids), else the assignee id. When X has no patents with an
    assignee country in the window its RTA is undefined (null) and X counts as weak
    everywhere (RTA taken as 0 in the test and the score). Groups are those reached by the
    industry's CPC patterns (a symbol of the group starts with a pattern), but their
    concentration is measured over all families of the group.
    """
    p = BottlenecksParams(
        country=country,
        level=level,
        years=years,
        rta_below=rta_below,
        hhi_country_above=hhi_country_above,
        hhi_assignee_above=hhi_assignee_above,
        top_holders=top_holders,
        top_share_above=top_share_above,
        min_families=min_families,
        with_trade=with_trade,
        import_hhi_above=import_hhi_above,
        export_hhi_above=export_hhi_above,
        min_coverage=min_coverage,
        org_level=org_level,
        patent_unit=patent_unit,
    )
    cty = p.country
    y0, y1 = check_years(years)
    cat = industry_scope(catalog, industry)
    params: dict[str, object] = {
        "country": cty,
        "industry": industry,
        "level": level,
        "years": [y0, y1] if years else None,
        "rta_below": rta_below,
        "hhi_country_above": hhi_country_above,
        "hhi_assignee_above": hhi_assignee_above,
        "top_holders": top_holders,
        "top_share_above": top_share_above,
        "min_families": min_families,
        "with_trade": with_trade,
        "import_hhi_above": import_hhi_above,
        "export_hhi_above": export_hhi_above,
        "min_coverage": p.min_coverage,
        "org_level": p.org_level,
        "patent_unit": p.patent_unit,
    }
    caveats: list[str] = []
    evidence: dict[str, pa.Table] = {}
    patterns = cat.cpc_patterns()
    with store.query_cursor("bottleneck") as cur:
        synthetic = is_synthetic(cur)
        cur.register("_bn_patterns", patterns)
        titles = reference_table("cpc_titles")
        cur.register("_bn_titles", titles)
        cur.execute(_FAMILY_SQL.format(units=patent_unit_sql(p.patent_unit)), {"y0": y0, "y1": y1})
        n_pat = cur.execute("SELECT count(*) FROM _bn_pat").fetchall()[0][0]
        family_caption = patent_unit_caption(cur, p.patent_unit)
        cur.execute(_SYMBOL_SQL, {"level": level})
        cur.execute(at_org_level(_UNITS_SQL, p.org_level))
        cur.execute(_SCOPE_SQL)
        cur.execute("CREATE OR REPLACE TEMP TABLE _bn_hs_all (hs6 VARCHAR, industry VARCHAR)")
        x_any = cur.execute(
            "SELECT count(*) FROM _bn_cty WHERE country = $c", {"c": cty}
        ).fetchall()[0][0]
        metrics = cur.sql(_GROUPS_SQL, params={"country": cty, "k": top_holders}).to_arrow_table()
        cur.register("_bn_metrics", metrics)
        groups = (
            cur.sql(
                _TABLE_SQL,
                params={
                    "rta_below": rta_below,
                    "hhi_c": hhi_country_above,
                    "hhi_a": hhi_assignee_above,
                    "top_share": top_share_above,
                    "min_families": min_families,
                    "min_coverage": p.min_coverage,
                },
            )
            .to_arrow_table()
            .cast(GROUP_SCHEMA)
        )
        groups = _with_outcome(groups, min_families=min_families, min_coverage=p.min_coverage)
        groups = _with_share_interval(cur, groups, cty)
        known, total = cur.execute(
            """SELECT count(DISTINCT f.family) FILTER (WHERE f.family IN (SELECT family
                                                                          FROM _bn_cty)),
                      count(DISTINCT f.family)
               FROM _bn_sym f WHERE f.grp IN (SELECT grp FROM _bn_scope)"""
        ).fetchall()[0]
        trade = None
        if with_trade:
            n_trade = cur.execute("SELECT count(*) FROM trade").fetchall()[0][0]
            if n_trade:
                trade = _trade(
                    cur,
                    cat,
                    all_hs=industry is None,
                    codes=_country_codes(cty),
                    y0=y0,
                    y1=y1,
                    import_hhi_above=import_hhi_above,
                    export_hhi_above=export_hhi_above,
                )
                evidence["trade"] = trade
                if trade.num_rows and not pc.any(pc.greater(trade["imports"], 0)).as_py():
                    caveats.append(
                        f"{cty} has no recorded imports in the trade data of the window: the "
                        "trade dependency test cannot flag anything."
                    )
            else:
                caveats.append("No trade data in the store: the HS6 dependency test was skipped.")
        table = _rank(cur, groups, trade)

    evidence["groups"] = groups
    if n_pat == 0:
        caveats.append("No patents in the window: no technology could be assessed.")
    else:
        caveats.append(family_caption)
    if n_pat and not x_any:
        caveats.append(
            f"{cty} holds no patents with an assignee country in the window: its RTA is "
            "undefined and it counts as weak in every group."
        )
    thin = groups.filter(pc.invert(groups["enough_evidence"])).num_rows
    if thin:
        caveats.append(
            f"{thin} of {groups.num_rows} groups have fewer than {min_families} families and "
            "were not assessed."
        )
    uncovered = groups.filter(
        pc.and_(groups["enough_evidence"], pc.invert(groups["enough_coverage"]))
    ).num_rows
    if uncovered:
        caveats.append(
            f"{uncovered} of {groups.num_rows} groups have enough families but fewer than "
            f"{100 * p.min_coverage:g} % of them with a known holder country: insufficient "
            "evidence, not assessed (an unknown country is never counted as foreign)."
        )
    if synthetic:
        caveats.append("SYNTHETIC DATA: the store holds records from a synthetic world.")
    result = DecisionResult(
        name="bottlenecks",
        table=table,
        rule=_rule(params),
        evidence=evidence,
        caveats=caveats,
        synthetic=synthetic,
    )
    result.cover(COVERAGE_WHAT, known, total, minimum=p.min_coverage)
    return result


def _trade(
    cur: duckdb.DuckDBPyConnection,
    cat: IndustryCatalog,
    *,
    all_hs: bool,
    codes: list[str],
    y0: int | None,
    y1: int | None,
    import_hhi_above: float,
    export_hhi_above: float,
) -> pa.Table:
    """The EU dependency test per HS6 product (see the module docstring)."""
    cur.register("_bn_hs_links", cat.hs_links())
    cur.execute(
        """CREATE OR REPLACE TEMP TABLE _bn_hs_all AS
           SELECT DISTINCT t.hs6, l.industry
           FROM (SELECT DISTINCT hs6 FROM trade) t
           JOIN _bn_hs_links l ON starts_with(t.hs6, l.hs_prefix)"""
    )
    cur.execute("CREATE OR REPLACE TEMP TABLE _bn_hs AS SELECT DISTINCT hs6 FROM _bn_hs_all")
    cur.register("_bn_hs_desc", reference_table("hs").select(["hs_code", "description"]))
    rel = cur.sql(
        _TRADE_SQL,
        params={
            "y0": y0,
            "y1": y1,
            "all_hs": all_hs,
            "codes": codes,
            "imp_hhi": import_hhi_above,
            "exp_hhi": export_hhi_above,
        },
    )
    return rel.to_arrow_table().cast(TRADE_SCHEMA)


def _with_share_interval(
    cur: duckdb.DuckDBPyConnection, groups: pa.Table, country: str
) -> pa.Table:
    """``groups`` with ``country_share_low`` / ``_high``: the 95 % stability interval of X's
    share, by bootstrap over the group's families (families of unknown country are resampled
    too, so the number of known families varies from draw to draw;
    :func:`~forcemap.decide._unit_intervals.unit_ratio_intervals`)."""
    keys = cur.sql(
        "SELECT grp, row_number() OVER (ORDER BY grp) - 1 AS k FROM _bn_metrics ORDER BY k"
    ).to_arrow_table()
    cur.register("_bn_keys", keys)
    docs = cur.sql(
        """WITH g AS (SELECT DISTINCT family, grp FROM _bn_sym WHERE grp IS NOT NULL),
           n AS (SELECT family, count(*) AS n,
                        count(*) FILTER (WHERE country = $c) AS x
                 FROM _bn_cty GROUP BY family)
           SELECT k.k, coalesce(n.x / n.n, 0.0) AS x,
                  CASE WHEN n.n IS NULL THEN 0.0 ELSE 1.0 END AS known
           FROM g JOIN _bn_keys AS k USING (grp) LEFT JOIN n USING (family)""",
        params={"c": country},
    ).fetchnumpy()
    low, high = unit_ratio_intervals(
        np.asarray(docs["k"]), np.asarray(docs["x"]), np.asarray(docs["known"]), keys.num_rows
    )
    ci = keys.select(["grp"]).append_column("lo", pa.array(low)).append_column("hi", pa.array(high))
    cur.register("_bn_ci", ci)
    cur.register("_bn_groups_in", groups)
    out = cur.sql(
        """SELECT g.* REPLACE (CASE WHEN g.country_share IS NOT NULL THEN c.lo END
                                   AS country_share_low,
                               CASE WHEN g.country_share IS NOT NULL THEN c.hi END
                                   AS country_share_high)
           FROM _bn_groups_in AS g LEFT JOIN _bn_ci AS c ON c.grp = g.cpc
           ORDER BY g.industry, g.candidate DESC, g.score DESC NULLS LAST, g.families DESC,
                    g.cpc"""
    ).to_arrow_table()
    return out.cast(GROUP_SCHEMA)


def _rank(cur: duckdb.DuckDBPyConnection, groups: pa.Table, trade: pa.Table | None) -> pa.Table:
    """The candidates, ranked within each industry, with the industry's dependent HS6, then
    the concentrated groups that cannot be assessed for want of known holder countries."""
    cur.register("_bn_groups", groups)
    if trade is None:
        trade = TRADE_SCHEMA.empty_table()
    cur.register("_bn_trade", trade)
    rel = cur.sql(
        """
        WITH dep AS (
            SELECT l.industry, string_agg(t.hs6, ', ' ORDER BY t.rank) AS dependent_hs6
            FROM _bn_trade t JOIN _bn_hs_all l USING (hs6)
            WHERE t.dependent GROUP BY l.industry
        )
        SELECT g.industry,
               CASE WHEN g.candidate THEN
                   row_number() OVER (PARTITION BY g.industry, g.candidate
                                      ORDER BY g.score DESC, g.families DESC, g.cpc) END
                   AS rank,
               g.cpc, g.title, g.outcome, g.score, g.rta, g.families, g.known_country_share,
               g.unknown_country_share, g.country_share, g.country_share_low,
               g.country_share_high, g.hhi_country,
               g.hhi_assignee, g.top_share, g.holders, g.holder_countries,
               g.sub_technologies, d.dependent_hs6
        FROM _bn_groups g LEFT JOIN dep d USING (industry)
        WHERE g.candidate
           OR (g.enough_evidence AND NOT g.enough_coverage AND g.concentrated)
        ORDER BY g.industry, g.candidate DESC, rank, g.families DESC, g.cpc
        """
    )
    return rel.to_arrow_table().cast(BOTTLENECK_SCHEMA)
