r"""Technology value and IP landscape: who holds an industry's valuable patents, and where
the world is moving without country X (capability C12).

An industry *I*'s patents are those of :func:`forcemap.store.slices.industry_patents`
granted in the ``years`` window; its **technologies** are the CPC main groups (``G03F7/00``;
subclasses with ``level="cpc_subclass"``) of the patents' symbols that one of *I*'s CPC
patterns reaches, so the landscape stays inside the industry. A **holder** *h* is the
organisation an assignee resolves to (``org_aliases`` source ``assignee``; rolled up to its
parent or the top of its hierarchy with ``org_level``, so a patent of two subsidiaries counts
once, whole, for their parent), else the assignee id; its country is the organisation's,
else the assignee's most frequent country. With
:math:`H_p` the distinct holders of patent *p*, holder *h*'s weight on *p* is
:math:`a_{hp} = [h \in H_p] / |H_p|` (fractional counting, Waltman & van Eck 2015).

**Portfolio value** (one row per holder and industry; value after Squicciarini, Dernis &
Criscuolo 2013), with :math:`F_5(p)` the forward citations within 5 years of grant
(:func:`forcemap.indicators.patent_value.forward_citations`) and :math:`T_p` the patent's
Waltman–Schreiber share of the top 10 % most cited patents of its (industry, grant year)
cohort (ties split so that :math:`\sum_p T_p = 0.1\,n` per cohort; an uncited patent gets
:math:`T_p = 0`, so a cohort whose threshold is zero citations hands out less, and a
holder's ``top10_share`` is null when the industry has no credited patent at all):

.. math::

    P_h = \sum_p a_{hp}, \qquad
    \mathrm{FC}_h = \sum_p a_{hp} F_5(p), \qquad
    \overline{\mathrm{FC}}_h = \mathrm{FC}_h / P_h, \qquad
    \mathrm{top10}_h = \frac{\sum_p a_{hp} T_p}{\sum_p T_p},

and ``cpc_groups``, the number of distinct technologies of *h*'s patents in *I*.

**Holder × technology matrix** (``evidence["matrix"]``): for the ``top_holders`` largest
holders of *I* by :math:`P_h`, and X's ``top_holders`` largest, the number of their patents
(full count) in each technology.

**White spaces** (``evidence["white_spaces"]``): a technology *g* of *I* where the world is
moving and X is absent. With :math:`n_{gt}` the patents of *I* in *g* granted in year *t*
(zero-filled) over the last :math:`m` = ``growth_window`` years :math:`t_0 \ldots t_1` of the
window,

.. math::

    b_g = \frac{\sum_t (t - \bar t)(n_{gt} - \bar n_g)}{\sum_t (t - \bar t)^2}, \qquad
    \mathrm{growth}_g = b_g / \bar n_g, \qquad
    \mathrm{CAGR}_g = (n_{g t_1} / n_{g t_0})^{1/(m-1)} - 1,

(the least-squares slope in patents per year, relative to the mean yearly count: the yearly
growth rate of the linear trend, defined whenever :math:`\bar n_g > 0`; the endpoint CAGR is
reported too but is null when :math:`n_{g t_0} = 0`). *g* is a white space for X when

* the world is rising: :math:`\mathrm{growth}_g >` ``white_space_growth`` (0);
* X has no holder in *g*: no patent of *I* in *g* in the ``years`` window has a holder of
  country X;
* there is evidence: at least ``min_patents`` (5) patents of *I* in *g* over the trend years.

White spaces are ranked by growth (then patents). They are technologies where X could enter
(or that it ignores while others accelerate) — an agenda for prospective analysis, not a
verdict.

References
----------
Squicciarini, M., Dernis, H. & Criscuolo, C. (2013). *Measuring patent quality: indicators of
technological and economic value*. OECD STI WP 2013/03. doi:10.1787/5k4522wkw1r8-en.
Waltman, L. & van Eck, N. J. (2015). doi:10.1016/j.joi.2015.08.001 (fractional counting).
Waltman, L. & Schreiber, M. (2013). doi:10.1002/asi.22775 (top-10 % with ties). Soete, L.
(1987). doi:10.1016/0048-7333(87)90026-6 (technological specialisation).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from forcemap.decide._evidence import (
    Shortfall,
    bootstrap_sums,
    incomplete_years,
    insufficient,
    interval,
)
from forcemap.decide._scope import at_org_level, check_years, industry_scope, register
from forcemap.decide.params import CPC_LEVELS, LANDSCAPE, LandscapeParams
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.store.org_hierarchy import org_level_caption
from forcemap.store.patent_resolution import patent_unit_caption, patent_unit_sql
from forcemap.store.reference import IndustryCatalog, reference_table
from forcemap.store.store import Store

__all__ = ["GROUPS_SCHEMA", "LANDSCAPE_SCHEMA", "MATRIX_SCHEMA", "landscape"]

LEVELS = CPC_LEVELS

LANDSCAPE_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("rank", pa.int64()),
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("country_code", pa.string()),
        ("type", pa.string()),
        ("is_home", pa.bool_()),
        ("patents", pa.float64()),
        ("patents_full", pa.int64()),
        ("patent_share", pa.float64()),
        ("patent_share_low", pa.float64()),
        ("patent_share_high", pa.float64()),
        ("fc5_total", pa.float64()),
        ("fc5_mean", pa.float64()),
        ("top10_patents", pa.float64()),
        ("top10_share", pa.float64()),
        ("top10_share_low", pa.float64()),
        ("top10_share_high", pa.float64()),
        ("cpc_groups", pa.int64()),
    ]
)
"""The main table: portfolio value per holder and industry, ranked by fractional patents.

``org_id`` the holder (organisation id, else assignee id); ``type`` the organisation type
(else the assignee type); ``patents`` :math:`P_h`; ``patents_full`` patents with the holder on
them; ``patent_share`` :math:`P_h` over the industry's patents with a holder; ``fc5_total``
:math:`\\mathrm{FC}_h`; ``fc5_mean`` over patents with a forward-citation count;
``top10_patents`` :math:`\\sum_p a_{hp} T_p`; ``top10_share`` :math:`\\mathrm{top10}_h`;
``cpc_groups`` the number of technologies (CPC groups or subclasses, per ``level``);
``*_low`` / ``*_high`` the 95 % stability interval of a share (bootstrap over the
industry's patents)."""

MATRIX_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("country_code", pa.string()),
        ("rank", pa.int64()),
        ("cpc", pa.string()),
        ("patents", pa.int64()),
    ]
)
"""``evidence["matrix"]``: holder × technology patent counts (long format, non-zero cells)."""

GROUPS_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("cpc", pa.string()),
        ("title", pa.string()),
        ("patents", pa.int64()),
        ("holders", pa.int64()),
        ("home_patents", pa.int64()),
        ("home_holders", pa.int64()),
        ("known_country_patents", pa.int64()),
        ("known_country_share", pa.float64()),
        ("trend_patents", pa.int64()),
        ("first", pa.int64()),
        ("last", pa.int64()),
        ("slope", pa.float64()),
        ("growth", pa.float64()),
        ("cagr", pa.float64()),
        ("top_holders", pa.string()),
        ("rising", pa.bool_()),
        ("enough_evidence", pa.bool_()),
        ("enough_coverage", pa.bool_()),
        ("white_space", pa.bool_()),
        ("rank", pa.int64()),
        ("outcome", pa.string()),
    ]
)
"""``evidence["groups"]``: every technology of the industry with its trend and X's presence;
``evidence["white_spaces"]`` is its ``white_space`` rows, ``rank`` 1 = fastest growing.

``patents`` / ``holders`` over the ``years`` window; ``home_patents`` / ``home_holders`` X's;
``trend_patents`` over the trend years, ``first`` / ``last`` the counts in their first and
last year; ``slope`` :math:`b_g`; ``growth``; ``cagr``; ``top_holders`` the three largest
holders as ``name (country) n``; ``known_country_patents`` / ``known_country_share`` the
patents with a holder of known country; ``outcome`` "white space", "not a white space (…)"
or "insufficient evidence (…)" with the counts that were missing."""


# -- SQL (literal, $parameters) --------------------------------------------------------------

# Patents are counted by family: ``_ls_pfam`` maps each patent to its counting unit (the shared
# definition of forcemap.store.patent_resolution), and from here on the ``patent_id`` column of
# the _ls_ tables holds that unit (a family of the industry with a patent granted in the
# window, in its first grant year there; its symbols, holders and forward citations -- those
# of its most cited patent -- are its patents').
_PATENTS_SQL = """
CREATE OR REPLACE TEMP TABLE _ls_pat AS
SELECT f.unit_id AS patent_id, s.industry, min(p.year)::INTEGER AS year
FROM _ls_slice AS s
JOIN (SELECT patent_id, any_value(year)::INTEGER AS year FROM patents GROUP BY patent_id) AS p
     USING (patent_id)
JOIN _ls_pfam AS f USING (patent_id)
WHERE ($y0 IS NULL OR p.year >= $y0) AND ($y1 IS NULL OR p.year <= $y1)
GROUP BY f.unit_id, s.industry
"""

_FAMILY_CITATIONS_SQL = """
CREATE OR REPLACE TEMP TABLE _ls_fc AS
SELECT f.unit_id AS patent_id, max(c.forward_citations) AS forward_citations
FROM _ls_fc_patent AS c JOIN _ls_pfam AS f USING (patent_id)
GROUP BY f.unit_id
"""

# (industry, patent, technology) for the symbols the industry's patterns reach.
_TECH_SQL = """
CREATE OR REPLACE TEMP TABLE _ls_tech AS
WITH sym AS (
    SELECT DISTINCT f.unit_id AS patent_id,
           upper(replace(coalesce(c.cpc_subgroup, c.cpc_group), ' ', '')) AS sym,
           upper(coalesce(c.cpc_subclass,
                 left(replace(coalesce(c.cpc_subgroup, c.cpc_group), ' ', ''), 4))) AS subclass,
           upper(replace(c.cpc_group, ' ', '')) AS grp
    FROM patent_cpc AS c JOIN _ls_pfam AS f USING (patent_id)
    WHERE f.unit_id IN (SELECT patent_id FROM _ls_pat)
)
SELECT DISTINCT p.industry, p.patent_id, p.year,
       CASE WHEN $level = 'cpc_subclass' THEN s.subclass
            WHEN contains(s.sym, '/') THEN split_part(s.sym, '/', 1) || '/00'
            ELSE s.grp END AS cpc
FROM sym AS s
JOIN _ls_pat AS p USING (patent_id)
JOIN _ls_patterns AS pt
  ON pt.industry = p.industry AND left(pt.pattern, 4) = s.subclass
 AND starts_with(s.sym, pt.pattern)
WHERE s.sym IS NOT NULL
"""

# Holders of the window's patents, their fractional weights, and who they are.
_HOLDERS_SQL = """
CREATE OR REPLACE TEMP TABLE _ls_hold AS
SELECT patent_id, holder, 1.0 / count(*) OVER (PARTITION BY patent_id) AS w
FROM (
    SELECT DISTINCT f.unit_id AS patent_id,
           coalesce(al.org_id, a.assignee_id, 'name:' || lower(trim(a.name))) AS holder
    FROM patent_assignees AS a JOIN _ls_pfam AS f USING (patent_id)
    LEFT JOIN (SELECT source_id, any_value(org_id) AS org_id FROM org_aliases
               WHERE source = 'assignee' GROUP BY source_id) AS al
           ON al.source_id = a.assignee_id
    WHERE f.unit_id IN (SELECT patent_id FROM _ls_pat)
      AND coalesce(a.assignee_id, a.name) IS NOT NULL
)
"""

_HOLDER_INFO_SQL = """
CREATE OR REPLACE TEMP TABLE _ls_info AS
SELECT coalesce(al.org_id, a.assignee_id, 'name:' || lower(trim(a.name))) AS holder,
       coalesce(any_value(o.name), mode(a.name)) AS name,
       coalesce(any_value(upper(o.country_code)), mode(upper(a.country_code))) AS country,
       coalesce(any_value(o.type), mode(a.type)) AS type
FROM patent_assignees AS a
LEFT JOIN (SELECT source_id, any_value(org_id) AS org_id FROM org_aliases
           WHERE source = 'assignee' GROUP BY source_id) AS al
       ON al.source_id = a.assignee_id
LEFT JOIN organizations AS o ON o.org_id = al.org_id
WHERE a.patent_id IN (SELECT patent_id FROM _ls_pfam
                      WHERE unit_id IN (SELECT patent_id FROM _ls_pat))
  AND coalesce(a.assignee_id, a.name) IS NOT NULL
GROUP BY 1
"""

# Top-10 % of 5-year forward citations within the (industry, grant year) cohort, ties split
# (Waltman & Schreiber 2013); a patent without forward citations gets no credit, so a cohort
# whose threshold is zero hands out less than 10 % (none at all when nothing is cited).
_TOP_SQL = """
CREATE OR REPLACE TEMP TABLE _ls_top AS
WITH f AS (
    SELECT p.industry, p.patent_id, p.year, fc.forward_citations AS c
    FROM _ls_pat AS p JOIN _ls_fc AS fc USING (patent_id)
    WHERE p.year IS NOT NULL AND fc.forward_citations IS NOT NULL
), r AS (
    SELECT *,
           count(*) OVER (PARTITION BY industry, year) AS n,
           count(*) OVER (PARTITION BY industry, year ORDER BY c
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS n_less,
           count(*) OVER (PARTITION BY industry, year ORDER BY c
                          RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS n_greater
    FROM f
)
SELECT industry, patent_id, c AS fc5,
       -- an uncited patent is never among the most cited: ties at zero get no credit
       CASE WHEN c > 0 THEN greatest(0.0, least(n - n_less, 0.10 * n) - n_greater)
                            / (n - n_less - n_greater) ELSE 0.0 END AS top
FROM r
"""

_TABLE_SQL = """
CREATE OR REPLACE TEMP TABLE _ls_table AS
WITH hp AS (
    SELECT p.industry, h.holder, h.w, t.fc5, t.top
    FROM _ls_pat AS p JOIN _ls_hold AS h USING (patent_id)
    LEFT JOIN _ls_top AS t USING (industry, patent_id)
), agg AS (
    SELECT industry, holder, sum(w) AS patents, count(*) AS patents_full,
           coalesce(sum(w * fc5), 0.0) AS fc5_total,
           sum(w * fc5) / sum(w) FILTER (WHERE fc5 IS NOT NULL) AS fc5_mean,
           coalesce(sum(w * top), 0.0) AS top10_patents
    FROM hp GROUP BY ALL
), ind AS (
    SELECT industry, sum(patents) AS patents, sum(top10_patents) AS top10
    FROM agg GROUP BY industry
), groups AS (
    SELECT t.industry, h.holder, count(DISTINCT t.cpc) AS n
    FROM _ls_tech AS t JOIN _ls_hold AS h USING (patent_id)
    GROUP BY ALL
)
SELECT a.industry,
       row_number() OVER (PARTITION BY a.industry
                          ORDER BY a.patents DESC, a.fc5_total DESC, a.holder) AS rank,
       a.holder AS org_id, i.name, i.country AS country_code, i.type,
       coalesce(i.country = $home, false) AS is_home,
       a.patents, a.patents_full, a.patents / nullif(d.patents, 0) AS patent_share,
       a.fc5_total, a.fc5_mean, a.top10_patents,
       a.top10_patents / nullif(d.top10, 0) AS top10_share,
       coalesce(g.n, 0) AS cpc_groups
FROM agg AS a
JOIN ind AS d USING (industry)
LEFT JOIN _ls_info AS i USING (holder)
LEFT JOIN groups AS g USING (industry, holder)
ORDER BY a.industry, rank
"""

_MATRIX_SQL = """
WITH sel AS (
    SELECT industry, org_id AS holder, name, country_code, rank FROM (
        SELECT *, row_number() OVER (PARTITION BY industry, is_home ORDER BY rank) AS home_rank
        FROM _ls_table)
    WHERE rank <= $k OR (is_home AND home_rank <= $k)
)
SELECT s.industry, s.holder AS org_id, s.name, s.country_code, s.rank, t.cpc,
       count(DISTINCT t.patent_id) AS patents
FROM sel AS s
JOIN _ls_hold AS h USING (holder)
JOIN _ls_tech AS t ON t.patent_id = h.patent_id AND t.industry = s.industry
GROUP BY ALL
ORDER BY s.industry, s.rank, patents DESC, t.cpc
"""

_GROUPS_SQL = """
WITH pg AS (SELECT DISTINCT industry, cpc, patent_id, year FROM _ls_tech),
ph AS (
    SELECT pg.industry, pg.cpc, pg.patent_id, h.holder, coalesce(i.country = $home, false) AS home,
           i.country IS NOT NULL AS known
    FROM pg JOIN _ls_hold AS h USING (patent_id) LEFT JOIN _ls_info AS i USING (holder)
), base AS (
    SELECT industry, cpc, count(DISTINCT patent_id) AS patents FROM pg GROUP BY ALL
), hold AS (
    SELECT industry, cpc, count(DISTINCT holder) AS holders,
           count(DISTINCT patent_id) FILTER (WHERE home) AS home_patents,
           count(DISTINCT holder) FILTER (WHERE home) AS home_holders,
           count(DISTINCT patent_id) FILTER (WHERE known) AS known_patents
    FROM ph GROUP BY ALL
), hn AS (
    SELECT *, row_number() OVER (PARTITION BY industry, cpc ORDER BY n DESC, holder) AS r
    FROM (SELECT industry, cpc, holder, count(DISTINCT patent_id) AS n
          FROM ph GROUP BY industry, cpc, holder)
), top AS (
    SELECT hn.industry, hn.cpc,
           string_agg(coalesce(i.name, hn.holder) || ' (' || coalesce(i.country, '?') || ') '
                      || hn.n, '; ' ORDER BY hn.r) AS top_holders
    FROM hn LEFT JOIN _ls_info AS i USING (holder)
    WHERE hn.r <= 3 GROUP BY ALL
), yearly AS (
    SELECT industry, cpc, year, count(DISTINCT patent_id) AS n
    FROM pg WHERE year BETWEEN $t0 AND $t1 GROUP BY ALL
), grid AS (
    SELECT b.industry, b.cpc, g.year, coalesce(y.n, 0)::DOUBLE AS n
    FROM base AS b
    CROSS JOIN (SELECT unnest(range($t0, $t1 + 1))::INTEGER AS year) AS g
    LEFT JOIN yearly AS y USING (industry, cpc, year)
), trend AS (
    SELECT industry, cpc, sum(n)::BIGINT AS trend_patents,
           max(n) FILTER (WHERE year = $t0)::BIGINT AS first,
           max(n) FILTER (WHERE year = $t1)::BIGINT AS last,
           regr_slope(n, year) AS slope, avg(n) AS mean
    FROM grid GROUP BY ALL
), g AS (
    SELECT b.industry, b.cpc, ti.title, b.patents,
           coalesce(h.holders, 0) AS holders, coalesce(h.home_patents, 0) AS home_patents,
           coalesce(h.home_holders, 0) AS home_holders,
           coalesce(h.known_patents, 0) AS known_country_patents,
           coalesce(h.known_patents, 0) / b.patents AS known_country_share,
           t.trend_patents, t.first, t.last, t.slope,
           CASE WHEN t.mean > 0 THEN t.slope / t.mean END AS growth,
           CASE WHEN t.first > 0 AND $t1 > $t0
                THEN pow(t.last / t.first, 1.0 / ($t1 - $t0)) - 1 END AS cagr,
           tp.top_holders
    FROM base AS b
    JOIN trend AS t USING (industry, cpc)
    LEFT JOIN hold AS h USING (industry, cpc)
    LEFT JOIN top AS tp USING (industry, cpc)
    LEFT JOIN _ls_titles AS ti ON ti.code = b.cpc
), f AS (
    SELECT *, coalesce(growth > $growth, false) AS rising,
           trend_patents >= $min_patents AS enough_evidence,
           known_country_patents > 0
               AND known_country_patents >= $min_coverage * patents AS enough_coverage
    FROM g
), w AS (
    SELECT *, rising AND enough_evidence AND enough_coverage AND home_holders = 0
               AS white_space
    FROM f
)
SELECT *, CASE WHEN white_space
               THEN row_number() OVER (PARTITION BY industry, white_space
                                       ORDER BY growth DESC, trend_patents DESC, cpc) END
               AS rank,
       NULL::VARCHAR AS outcome
FROM w
ORDER BY industry, white_space DESC, rank, growth DESC NULLS LAST, patents DESC, cpc
"""


# -- helpers -----------------------------------------------------------------------------------


def _rule(p: LandscapeParams, params: dict[str, object]) -> Rule:
    return Rule(
        name="landscape",
        statement=(
            org_level_caption(p.org_level).capitalize() + ". " if p.org_level != "self" else ""
        )
        + "Portfolio value per holder in the industry: patents (fractional over "
        f"holders), total and mean {p.citation_window}-year forward citations, share of the "
        "industry's top-10 % most cited patents (per grant-year cohort) and the number of "
        "technologies covered. A technology (CPC group) of the industry is a white space for "
        "X when the world's "
        "patenting there is rising (least-squares slope of yearly patents over the last "
        "growth_window years ÷ their mean > white_space_growth; an incomplete last year of "
        "the store is left out of the trend years when drop_partial_years), X has no holder "
        "there in the window, at least min_coverage of its patents have a holder of known "
        "country (an unknown holder may be X's) and there are at least min_patents patents "
        "over the trend years (else 'insufficient evidence'); white spaces are ranked by "
        "growth. Holder shares carry 95 % stability intervals (bootstrap over the "
        "industry's patents).",
        parameters=params,
        references=(
            "Squicciarini, Dernis & Criscuolo 2013, doi:10.1787/5k4522wkw1r8-en",
            "Waltman & van Eck 2015, doi:10.1016/j.joi.2015.08.001",
            "Waltman & Schreiber 2013, doi:10.1002/asi.22775",
        ),
        conventions={"citation_window": p.citation_window},
    )


# -- the decision ----------------------------------------------------------------------------


def landscape(
    store: Store,
    *,
    country: str = LANDSCAPE.country,
    industry: str | None = None,
    years: tuple[int, int] | None = LANDSCAPE.years,
    level: str = LANDSCAPE.level,
    top_holders: int = LANDSCAPE.top_holders,
    white_space_growth: float = LANDSCAPE.white_space_growth,
    growth_window: int = LANDSCAPE.growth_window,
    min_patents: int = LANDSCAPE.min_patents,
    catalog: IndustryCatalog | None = None,
    citation_window: int = LANDSCAPE.citation_window,
    min_coverage: float = LANDSCAPE.min_coverage,
    drop_partial_years: bool = LANDSCAPE.drop_partial_years,
    org_level: str = LANDSCAPE.org_level,
    patent_unit: str = LANDSCAPE.patent_unit,
) -> DecisionResult:
    r"""The technology value and IP landscape of an industry for ``country`` (C12).

    Implements the module docstring: portfolio value per holder, the holder × technology
    matrix and X's white spaces.

    Parameters
    ----------
    store : Store
        The store (reads patents, patent_cpc, patent_assignees, patent_citations,
        org_aliases and organizations).
    country : str, default "CN"
        X, an ISO 3166-1 alpha-2 code (the holder's country).
    industry : str, optional
        One catalog industry key; all industries when None.
    years : (int, int), optional
        Inclusive grant-year window; all years when None.
    level : {"cpc_group", "cpc_subclass"}, default "cpc_group"
        The technology unit: CPC main group (``G03F7/00``) or subclass (``G03F``).
    top_holders : int, default 20
        A **count**. The matrix covers the industry's ``top_holders`` largest holders and X's
        ``top_holders`` largest.
    white_space_growth : float, default 0.0
        A technology is rising when its relative trend (slope ÷ mean, per year) exceeds this.
    growth_window : int, default 5
        :math:`m`, the trend years, ending in the window's last year (the last grant year of
        the industries' patents when ``years`` is None) and not starting before its first.
        At least 2.
    min_patents : int, default 5
        Minimum patents of the technology over the trend years for a white space.
    catalog : IndustryCatalog, optional
        The industry catalog (default: the shipped one).
    citation_window : int, default 5
        Years after grant in which a patent's forward citations count.
    min_coverage : float, default 0.5
        Least share of a technology's patents with a holder of known country for X's
        absence to be read; below it the outcome is "insufficient evidence (known holder
        country … % < … %)".
    drop_partial_years : bool, default True
        Leave an incomplete last grant year of the store (its volume below half the median
        of the three years before, or its last grant date before 1 December:
        :func:`~forcemap.decide._evidence.incomplete_years`) out of the trend years; False
        keeps it.
    org_level : {"self", "parent", "top"}, default "self"
        Holders as resolved, or rolled up to their parent or the top of their hierarchy
        (``org_hierarchy``, :func:`forcemap.store.org_hierarchy.org_aliases_sql`). The rule
        states the level.
    patent_unit : {"family", "patent"}, default "family"
        The unit counted (:func:`forcemap.store.patent_resolution.patent_unit_sql`): one
        invention once, or every grant; the caveats say which grouping was used.

    The defaults and checks are those of :class:`~forcemap.decide.params.LandscapeParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`LANDSCAPE_SCHEMA`; ``evidence["matrix"]``: :data:`MATRIX_SCHEMA`;
        ``evidence["groups"]``: :data:`GROUPS_SCHEMA` (every technology);
        ``evidence["white_spaces"]``: its white-space rows, ranked.

    Raises
    ------
    InputError
        A bad country code, level, window, ``top_holders``, ``growth_window``,
        ``min_patents`` or an unknown industry.
    StoreError
        A query failed.

    Notes
    -----
    Patents are counted in ``patent_unit`` (families by default: a family is one "patent"
    of the table, in its first grant year), and forward citations only from patents in the
    store, truncated for recent grants (the grant-year cohort of
    the top 10 % absorbs the truncation; ``fc5_total`` does not). X's absence is judged on
    the industry's patents only: X may hold patents of the same CPC group filed under other
    symbols the industry's patterns do not reach.

    Examples
    --------
    >>> from forcemap.store import Store
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with Store.open(pathlib.Path(d) / "s.duckdb") as s:
    ...         r = landscape(s, industry="semiconductors")
    >>> r.table.num_rows, r.evidence["white_spaces"].num_rows
    (0, 0)
    """
    p = LandscapeParams(
        country=country,
        years=years,
        level=level,
        top_holders=top_holders,
        white_space_growth=white_space_growth,
        growth_window=growth_window,
        min_patents=min_patents,
        citation_window=citation_window,
        min_coverage=min_coverage,
        drop_partial_years=drop_partial_years,
        org_level=org_level,
        patent_unit=patent_unit,
    )
    home = p.country
    y0, y1 = check_years(years)
    cat = industry_scope(catalog, industry)
    from forcemap.indicators.patent_value import forward_citations
    from forcemap.store.slices import industry_patents

    slice_ = industry_patents(store, catalog=cat).select(["patent_id", "industry"])
    fc = forward_citations(store, window=p.citation_window).select(
        ["patent_id", "forward_citations"]
    )
    params: dict[str, object] = {
        "country": home,
        "industry": industry,
        "years": [y0, y1] if years else None,
        "level": level,
        "top_holders": top_holders,
        "white_space_growth": white_space_growth,
        "growth_window": growth_window,
        "min_patents": min_patents,
        "min_coverage": p.min_coverage,
        "drop_partial_years": p.drop_partial_years,
        "org_level": p.org_level,
        "patent_unit": p.patent_unit,
    }
    with store.query_cursor("landscape") as cur:
        synthetic = is_synthetic(cur)
        register(cur, "_ls_slice", slice_)
        register(cur, "_ls_fc_patent", fc)
        cur.execute(f"CREATE OR REPLACE TEMP TABLE _ls_pfam AS {patent_unit_sql(p.patent_unit)}")
        cur.execute(_FAMILY_CITATIONS_SQL)
        family_caption = patent_unit_caption(cur, p.patent_unit)
        register(cur, "_ls_patterns", cat.cpc_patterns())
        register(cur, "_ls_titles", reference_table("cpc_titles").select(["code", "title"]))
        cur.execute(_PATENTS_SQL, {"y0": y0, "y1": y1})
        cur.execute(_TECH_SQL, {"level": level})
        cur.execute(at_org_level(_HOLDERS_SQL, p.org_level))
        cur.execute(at_org_level(_HOLDER_INFO_SQL, p.org_level))
        cur.execute(_TOP_SQL)
        cur.execute(_TABLE_SQL, {"home": home})
        table = _with_share_intervals(cur, cur.sql("SELECT * FROM _ls_table").to_arrow_table())
        table = table.select(LANDSCAPE_SCHEMA.names).cast(LANDSCAPE_SCHEMA)
        matrix = (
            cur.sql(_MATRIX_SQL, params={"k": top_holders}).to_arrow_table().cast(MATRIX_SCHEMA)
        )
        t1 = y1
        if t1 is None:
            t1 = cur.execute("SELECT max(year) FROM _ls_pat").fetchall()[0][0]
        dropped: list[int] = []
        if t1 is None:  # no dated patents: an empty trend window
            t0, t1 = 1, 0
        else:
            t1 = int(t1)
            partial = _partial_years(cur) if p.drop_partial_years else ()
            while t1 in partial:  # an indexing lag may span more than one year
                dropped.append(t1)
                t1 -= 1
            t0 = t1 - growth_window + 1 if y0 is None else max(y0, t1 - growth_window + 1)
        params["trend_years"] = f"{t0}–{t1}" if t0 <= t1 else None
        params["partial_years_left_out"] = sorted(dropped)
        groups = (
            cur.sql(
                _GROUPS_SQL,
                params={
                    "home": home,
                    "t0": t0,
                    "t1": t1,
                    "growth": white_space_growth,
                    "min_patents": min_patents,
                    "min_coverage": p.min_coverage,
                },
            )
            .to_arrow_table()
            .cast(GROUPS_SCHEMA)
        )
        groups = _with_outcome(groups, home=home, p=p)
        known_pat = cur.execute(
            """SELECT count(DISTINCT h.patent_id) FROM _ls_hold AS h
               JOIN _ls_info AS i USING (holder) WHERE i.country IS NOT NULL"""
        ).fetchall()[0][0]
        n_pat, n_nohold = cur.execute(
            """SELECT count(DISTINCT patent_id),
                      count(DISTINCT patent_id) FILTER (
                          WHERE patent_id NOT IN (SELECT patent_id FROM _ls_hold))
               FROM _ls_pat"""
        ).fetchall()[0]
        n_resolved = cur.execute(
            "SELECT count(*) FROM org_aliases WHERE source = 'assignee'"
        ).fetchall()[0][0]
        uncited, scored = cur.execute(
            "SELECT count(DISTINCT patent_id) FILTER (WHERE fc5 = 0), count(DISTINCT patent_id) "
            "FROM _ls_top"
        ).fetchall()[0]
    white = groups.filter(groups["white_space"])
    result = DecisionResult(
        name="landscape",
        table=table,
        rule=_rule(p, params),
        evidence={"matrix": matrix, "groups": groups, "white_spaces": white},
        synthetic=synthetic,
    )
    _caveats(result, n_pat=n_pat, n_nohold=n_nohold, n_resolved=n_resolved, families=family_caption)
    if uncited:
        result.warn(
            f"{uncited} of {scored} patent families have no forward citation in the store within "
            f"{p.citation_window} years: they get no top-10 % credit (ties at zero are not "
            "among the most cited); a top-10 % share is null where nothing is cited."
        )
    if dropped:
        gap = ", ".join(str(y) for y in sorted(dropped))
        result.warn(
            f"The last grant year {gap} {'is' if len(dropped) == 1 else 'are'} incomplete in "
            "the store (too few patents "
            "against the years before, or no grant after November): left out of the "
            f"trend years {params['trend_years']} (drop_partial_years=False keeps them)."
        )
    uncovered = groups.filter(
        pc.and_(pc.invert(groups["enough_coverage"]), pc.equal(groups["home_holders"], 0))
    ).num_rows
    if uncovered:
        result.warn(
            f"{uncovered} of {groups.num_rows} technologies without a holder from {home} have "
            f"fewer than {100 * p.min_coverage:g} % of their patents with a holder of known "
            f"country: {home}'s absence cannot be read there (insufficient evidence)."
        )
    result.cover(
        "patents of the industry with a holder of known country",
        known_pat,
        n_pat,
        minimum=p.min_coverage,
    )
    return result


class _PercentShortfall(Shortfall):
    """A shortfall of a share, shown in per cent."""

    def __str__(self) -> str:
        return f"{self.what} {100 * self.have:.0f} % < {100 * self.need:.0f} %"


def _partial_years(cur: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """The incomplete first / last grant years of the store's patents (all of them, not
    only the industry's: the store's coverage in time is a property of the store), by the
    rule every decision shares (:func:`~forcemap.decide._evidence.incomplete_years`)."""
    rows = cur.execute(
        "SELECT year, count(*), max(grant_date) FROM patents WHERE year IS NOT NULL GROUP BY 1"
    ).fetchall()
    if not rows:
        return ()
    volume = {int(y): float(n) for y, n, _ in rows}
    last = max(volume)
    last_date = next(d for y, _, d in rows if int(y) == last)
    return tuple(sorted(incomplete_years(volume, {last: last_date}, noun="patents")))


def _with_outcome(groups: pa.Table, *, home: str, p: LandscapeParams) -> pa.Table:
    """``groups`` with its ``outcome`` (technologies are few: one string each)."""
    out: list[str] = []
    cols = ["trend_patents", "known_country_share", "home_holders", "rising", "white_space"]
    for g in groups.select(cols).to_pylist():
        missing: list[Shortfall] = []
        if (g["trend_patents"] or 0) < p.min_patents:
            missing.append(
                Shortfall("patents in the trend years", g["trend_patents"] or 0, p.min_patents)
            )
        share = g["known_country_share"] or 0.0
        if share < p.min_coverage or share == 0.0:
            missing.append(_PercentShortfall("known holder country", share, p.min_coverage))
        if g["home_holders"]:
            out.append(f"not a white space ({home} holds patents here)")
        elif missing:
            out.append(insufficient(missing))
        elif g["white_space"]:
            out.append("white space")
        else:
            out.append("not a white space (not rising)")
    i = groups.schema.get_field_index("outcome")
    return groups.set_column(i, "outcome", pa.array(out, pa.string()))


def _with_share_intervals(cur: duckdb.DuckDBPyConnection, table: pa.Table) -> pa.Table:
    """``table`` with the 95 % stability intervals of ``patent_share`` and ``top10_share``: the
    industry's patents resampled with replacement (one stratum per industry,
    :func:`~forcemap.decide._evidence.bootstrap_sums`), each holder's shares recomputed on
    every draw from the same draw's industry totals."""
    keys = cur.sql(
        """SELECT industry, holder, row_number() OVER (ORDER BY industry, holder) - 1 AS k,
                  dense_rank() OVER (ORDER BY industry) - 1 AS ind
           FROM (SELECT DISTINCT p.industry, h.holder
                 FROM _ls_pat AS p JOIN _ls_hold AS h USING (patent_id))
           ORDER BY k"""
    ).to_arrow_table()
    n_keys = keys.num_rows
    empty = pa.nulls(table.num_rows, pa.float64())
    if n_keys == 0:
        for c in ("patent_share", "top10_share"):
            table = table.append_column(f"{c}_low", empty).append_column(f"{c}_high", empty)
        return table
    cur.register("_ls_keys", keys)
    docs = cur.sql(
        """SELECT dense_rank() OVER (ORDER BY p.industry, p.patent_id) - 1 AS doc, k.k, k.ind,
                  h.w, coalesce(t.top, 0.0) AS top
           FROM _ls_pat AS p JOIN _ls_hold AS h USING (patent_id)
           JOIN _ls_keys AS k ON k.industry = p.industry AND k.holder = h.holder
           LEFT JOIN _ls_top AS t ON t.industry = p.industry AND t.patent_id = p.patent_id"""
    ).fetchnumpy()
    doc = np.asarray(docs["doc"], dtype=np.int64)
    k = np.asarray(docs["k"], dtype=np.int64)
    ind = np.asarray(docs["ind"], dtype=np.int64)
    w = np.asarray(docs["w"], dtype=float)
    top = np.asarray(docs["top"], dtype=float)
    n_doc = int(doc.max()) + 1
    n_ind = int(ind.max()) + 1
    # columns: holder patents | holder top-10 % | industry patents | industry top-10 %
    cols = np.concatenate([k, n_keys + k, 2 * n_keys + ind, 2 * n_keys + n_ind + ind])
    vals = np.concatenate([w, w * top, w, w * top])
    mat = sp.csr_array((vals, (np.tile(doc, 4), cols)), shape=(n_doc, 2 * n_keys + 2 * n_ind))
    strata = np.zeros(n_doc, dtype=np.int64)
    strata[doc] = ind
    sums = bootstrap_sums(mat, strata=strata)
    key_ind = np.asarray(keys["ind"], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        tot_p = sums[:, 2 * n_keys + key_ind]
        tot_t = sums[:, 2 * n_keys + n_ind + key_ind]
        share = np.where(tot_p > 0, sums[:, :n_keys] / np.where(tot_p > 0, tot_p, 1), np.nan)
        tshare = np.where(
            tot_t > 0, sums[:, n_keys : 2 * n_keys] / np.where(tot_t > 0, tot_t, 1), np.nan
        )
    s_lo, s_hi = interval(share)
    t_lo, t_hi = interval(tshare)
    ci = keys.select(["industry", "holder"])
    for name, arr in (("s_lo", s_lo), ("s_hi", s_hi), ("t_lo", t_lo), ("t_hi", t_hi)):
        ci = ci.append_column(name, pa.array(arr))
    cur.register("_ls_ci", ci)
    cur.register("_ls_table_in", table)
    return cur.sql(
        """SELECT t.*, c.s_lo AS patent_share_low, c.s_hi AS patent_share_high,
                  CASE WHEN t.top10_share IS NOT NULL THEN c.t_lo END AS top10_share_low,
                  CASE WHEN t.top10_share IS NOT NULL THEN c.t_hi END AS top10_share_high
           FROM _ls_table_in AS t
           LEFT JOIN _ls_ci AS c ON c.industry = t.industry AND c.holder = t.org_id
           ORDER BY t.industry, t.rank"""
    ).to_arrow_table()


def _caveats(
    result: DecisionResult, *, n_pat: int, n_nohold: int, n_resolved: int, families: str
) -> None:
    p = result.rule.parameters
    home = p["country"]
    t = result.table
    groups = result.evidence["groups"]
    if n_pat == 0:
        result.warn("No patents of the industry in the window: no landscape could be drawn.")
        return
    if not any(t["is_home"].to_pylist()):
        result.warn(
            f"{home} has no holder of the industry's patents in the window: every rising "
            "technology is a white space."
        )
    if n_nohold:
        result.warn(
            f"{n_nohold} of {n_pat} patent families have no assignee and are left out of the "
            "holders."
        )
    if n_resolved == 0:
        result.warn(
            "Assignees are not resolved to organisations: a company filing under several "
            "assignee ids appears as several holders (run organisation resolution first)."
        )
    thin = sum(1 for v in groups["enough_evidence"].to_pylist() if not v)
    if thin:
        result.warn(
            f"{thin} of {groups.num_rows} technologies have fewer than {p['min_patents']} "
            f"patents in the trend years {p['trend_years']} and cannot be white spaces."
        )
    result.warn(
        f"{families} A family counts in its first grant year, with the forward citations of "
        f"its most cited patent; {result.rule.conventions['citation_window']}-year forward "
        "citations count only citing patents in the store and are truncated for recent grants."
    )
    if result.synthetic:
        result.warn("SYNTHETIC DATA: the store holds records from a synthetic world.")
