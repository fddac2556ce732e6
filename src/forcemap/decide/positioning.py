r"""Industry positioning: is a country catching up, running in parallel, or leading?

For each industry (or field) *I* and country *X*, the **level** compares X with the world's best
country, in the style of KISTEP's technology level evaluation (the best = 100):

.. math::

    S_c = \frac{w_p\,s^{pub}_c + w_t\,s^{tech}_c}{w_p + w_t},\qquad
    L_X = 100\,\frac{S_X}{\max_c S_c},

where :math:`s^{pub}_c` is country *c*'s share of the world's top-10 % cited works of *I* in the
window (fractional counting over authorship countries; top 10 % within field, year and type) and
:math:`s^{tech}_c` its share of the world's high-value patent families of *I* (top 10 % of
forward citations within grant-year cohort; fractional over assignee countries; a family counts
once, in its first grant year, high-value as its best patent: ``patent_unit_sql``). Side levels
:math:`L^{pub}_X, L^{tech}_X` use the side shares alone, each against its own best country
(``leader_pub``, ``leader_tech``); with different leaders L can exceed both side levels (no
country is best on both, so the best composite is below each side's best: the row's ``note``).

**Evidence discipline** (issue 18; :mod:`forcemap.decide._evidence`):

* a **side** enters a unit's score only when the world's top documents of that side in the
  window reach ``min_top_documents`` (10) and the share of its evidence with a known country
  reaches ``min_coverage`` (0.5); otherwise it is dropped (its level is NULL, ``sides`` says
  which were used, a caveat says why) and the weights renormalised. A side with a world total
  of 0 or 0.2 high-value families is no evidence, not a 0 for everyone but its holder;
* a row with no side left, or whose country has fewer than ``min_documents`` (10) documents
  on the sides used, has the class ``insufficient evidence (…)`` with the missing counts, and
  no strategy;
* L, L pub, L tech and the shares carry a 95 % stability interval from a bootstrap over
  documents (works and patent families resampled within unit and side, 1,000 draws: the
  Leiden Ranking's stability intervals, Waltman et al. 2012, JASIST 63(12)); a class whose
  interval crosses a class boundary is ``borderline (a/b)``;
* an incomplete first or last year (:func:`~forcemap.decide._evidence.incomplete_years`) is left
  out of the trend and the years behind (``keep_partial`` overrides).

Classes (thresholds are parameters):

* **leading** — X is the best (:math:`L_X = 100`), or :math:`L^{pub}_X \ge 100` and
  :math:`L^{tech}_X \ge` ``leading_other_at`` (80), or the same with the sides swapped;
* **parallel** — :math:`L_X \ge` ``parallel_at`` (80);
* **catch-up** — otherwise.

The interval of the class is that of the *effective level* :math:`E_X` (100 when X is
leading, else :math:`L_X`) over the bootstrap draws, so "borderline (leading/parallel)" means
that X is not the leader in every 2.5 % tail of the draws.

**Trend** is :math:`L_X` in the current window minus :math:`L_X` in the previous window of the
same length (both without incomplete years; NULL when the two windows use different sides).
**Years behind the leader** is the number of years since the leader's rolling
absolute score (top-10 % works + high-value families on the sides used, fractional, summed
over a window) first reached X's current value; censored (``>N``) when the leader was already
above it in the first year of data. The strategy per class is the one the policy paper
associates with it (Bai et al. 2021, §4.1): catch-up industries seek self-reliance through
concerted breakthroughs on core technologies; parallel industries a vibrant industrial
innovation system; leading industries pilot flagship R&D programmes.

References
----------
KISTEP (2021). *Technology Level Evaluation* (기술수준평가), Korea Institute of S&T Evaluation
and Planning. Bai G. et al. (2021). Strategic Study of CAE 23(6). Waltman L. & Schreiber M.
(2013). doi:10.1002/asi.22775 (top-10 % indicators). Waltman L. et al. (2012). The Leiden
Ranking 2011/2012. JASIST 63(12), doi:10.1002/asi.22708 (stability intervals,
fractional counting, minimum output).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.decide._evidence import (
    Shortfall,
    incomplete_years,
    insufficient,
    interval_label,
)
from forcemap.decide._positioning_draws import (
    EPS,
    bootstrap,
    floats,
    leading,
)
from forcemap.decide._positioning_sql import (
    ALL_DOCS_SQL,
    DOCS_SQL,
    PATENT_COUNTRY_SQL,
    SIDE_SCORES_SQL,
    USE_SQL,
    WORK_COUNTRY_SQL,
)
from forcemap.decide._scope import register, unit_tables
from forcemap.decide.params import POSITIONING, PositioningParams
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.errors import InputError, StoreError
from forcemap.store.patent_resolution import patent_unit_caption, patent_unit_sql
from forcemap.store.store import Store

__all__ = [
    "CLASSES",
    "POSITIONING_SCHEMA",
    "STRATEGIES",
    "classify_levels",
    "positioning",
    "positioning_matrix",
    "years_behind",
]

CLASSES = ("leading", "parallel", "catch-up")

STRATEGIES = {
    "catch-up": "Seek self-reliance: concerted national effort on breakthroughs in core "
    "technologies (the new whole-nation system), with problem-oriented key projects.",
    "parallel": "Seek self-improvement: strengthen a vibrant industrial innovation ecosystem and "
    "its innovation factors (talent, capital, platforms, enterprise-led consortia).",
    "leading": "Seek to take the lead: pilot flagship industrial R&D programmes and original, "
    "disruptive innovation that sets the frontier.",
}

LEVELS_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("country", pa.string()),
        ("level", pa.float64()),
        ("level_pub", pa.float64()),
        ("level_tech", pa.float64()),
        ("is_best", pa.bool_()),
    ]
)

#: The names of the two sides, as the shortfalls and caveats say them.
_SIDE_NAMES = {"pub": "publications", "tech": "patents"}
_WORLD_WHAT = {"pub": "world top works", "tech": "world high-value families"}
_COVERAGE_WHAT = {
    "pub": "top-10 % works with a known author country",
    "tech": "patent families with a known holder country",
}


def classify_levels(
    levels: pa.Table, *, parallel_at: float = 80.0, leading_other_at: float = 80.0
) -> pa.Array:
    """Class of each row of ``levels`` (columns of :data:`LEVELS_SCHEMA`).

    A side level that is NULL (no world evidence on that side) cannot make a country
    leading on its own: the rule then reduces to "best overall".

    Examples
    --------
    >>> t = pa.table({"unit": ["a", "a", "b"], "country": ["X", "Y", "X"],
    ...               "level": [100.0, 85.0, 60.0], "level_pub": [100.0, 70.0, 100.0],
    ...               "level_tech": [90.0, 100.0, 40.0], "is_best": [True, False, False]})
    >>> classify_levels(t).to_pylist()
    ['leading', 'parallel', 'catch-up']
    """
    lv = floats(levels["level"])
    lp = floats(levels["level_pub"])
    lt = floats(levels["level_tech"])
    best = np.asarray(levels["is_best"].fill_null(False).to_numpy(zero_copy_only=False), bool)
    lead = leading(lv, lp, lt, best, leading_other_at)
    cls = np.where(lead, "leading", np.where(lv >= parallel_at, "parallel", "catch-up"))
    return pa.array(cls.tolist(), pa.string())


def _classify_effective(parallel_at: float) -> Any:
    """The class of an *effective level* (100 for a leading country, else L)."""

    def classify(e: float) -> str:
        if e >= 100 - EPS:
            return "leading"
        return "parallel" if e >= parallel_at else "catch-up"

    return classify


def years_behind(
    leader_years: Sequence[int], leader_scores: Sequence[float], current: float
) -> tuple[int | None, bool]:
    """Years since the leader's score first reached ``current``; ``(years, censored)``.

    ``leader_years`` ascending. Censored (True) when the leader was already at or above
    ``current`` in its first year, so the gap is at least the span of the data.

    Examples
    --------
    >>> years_behind([2015, 2016, 2017, 2018, 2019], [2.0, 4.0, 6.0, 8.0, 10.0], 5.0)
    (2, False)
    >>> years_behind([2015, 2016], [9.0, 10.0], 3.0)
    (1, True)
    >>> years_behind([2015, 2016], [1.0, 2.0], 3.0)
    (0, False)
    """
    if not leader_years:
        return None, False
    last = leader_years[-1]
    for y, s in zip(leader_years, leader_scores, strict=True):
        if s >= current:
            return last - y, y == leader_years[0] and current > 0
    return 0, False


def _rule(p: PositioningParams, params: dict[str, object]) -> Rule:
    return Rule(
        name="positioning",
        statement="Level L = 100 × X's score ÷ the best country's score, score = weighted "
        "share of the world's top-10 % cited works and high-value patent families in the "
        "industry; a side enters only when the world has at least min_top_documents top "
        "documents of it in the window and at least min_coverage of its evidence has a known "
        "country (else it is dropped and said); leading if X is best or one side ≥ 100 and "
        "the other ≥ leading_other_at; parallel if L ≥ parallel_at; catch-up otherwise "
        "(after KISTEP's technology level evaluation); insufficient evidence when no side is "
        "left or X has fewer than min_documents documents on the sides used; borderline "
        "when the 95 % bootstrap interval over documents (draws) crosses a class boundary; "
        "incomplete years are left out of the trend and years behind unless keep_partial.",
        parameters=params,
        references=(
            "KISTEP Technology Level Evaluation",
            "Bai et al. 2021, Strategic Study of CAE, §4.1",
            "Waltman & Schreiber 2013, doi:10.1002/asi.22775",
            "Waltman et al. 2012, The Leiden Ranking 2011/2012, doi:10.1002/asi.22708",
        ),
        conventions={"citation_window": p.citation_window},
    )


POSITIONING_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("unit_name", pa.string()),
        ("country", pa.string()),
        ("class", pa.string()),
        ("level", pa.float64()),
        ("level_low", pa.float64()),
        ("level_high", pa.float64()),
        ("level_pub", pa.float64()),
        ("level_pub_low", pa.float64()),
        ("level_pub_high", pa.float64()),
        ("level_tech", pa.float64()),
        ("level_tech_low", pa.float64()),
        ("level_tech_high", pa.float64()),
        ("share_pub", pa.float64()),
        ("share_pub_low", pa.float64()),
        ("share_pub_high", pa.float64()),
        ("share_tech", pa.float64()),
        ("share_tech_low", pa.float64()),
        ("share_tech_high", pa.float64()),
        ("sides", pa.string()),
        ("trend", pa.float64()),
        ("leader", pa.string()),
        ("leader_pub", pa.string()),
        ("leader_tech", pa.string()),
        ("years_behind", pa.int32()),
        ("years_behind_censored", pa.bool_()),
        ("top_works", pa.float64()),
        ("world_top_works", pa.float64()),
        ("hv_patents", pa.float64()),
        ("world_hv_patents", pa.float64()),
        ("works", pa.float64()),
        ("patents", pa.float64()),
        ("coverage_pub", pa.float64()),
        ("coverage_tech", pa.float64()),
        ("thin_evidence", pa.bool_()),
        ("note", pa.string()),
        ("strategy", pa.string()),
    ]
)
"""Output of :func:`positioning` (one row per unit for the home country).

``class`` is leading / parallel / catch-up, ``borderline (a/b)`` or ``insufficient evidence
(…)``; ``sides`` the sides the score used ("pub+tech", "pub", "tech", NULL: none);
``*_low``/``*_high`` the 95 % stability interval; ``share_*`` the country's share of the
world's top documents of a side; ``coverage_*`` the unit's share of a side's evidence with a
known country; ``thin_evidence`` True when a side was dropped or the row is insufficient;
``note`` explains L above both side levels; ``strategy`` NULL unless the class is a label."""


def positioning(
    store: Store,
    *,
    country: str = POSITIONING.country,
    industries: Sequence[str] | None = None,
    unit: Literal["industry", "field"] = POSITIONING.unit,
    end_year: int | None = None,
    window: int = POSITIONING.window,
    weight_pub: float = POSITIONING.weight_pub,
    weight_tech: float = POSITIONING.weight_tech,
    top: float = POSITIONING.top,
    parallel_at: float = POSITIONING.parallel_at,
    leading_other_at: float = POSITIONING.leading_other_at,
    min_top_documents: float = POSITIONING.min_top_documents,
    min_documents: float = POSITIONING.min_documents,
    min_coverage: float = POSITIONING.min_coverage,
    keep_partial: bool = POSITIONING.keep_partial,
    draws: int = POSITIONING.draws,
    citation_window: int = POSITIONING.citation_window,
    citations: str = POSITIONING.citations,
    patent_unit: str = POSITIONING.patent_unit,
) -> DecisionResult:
    r"""Position ``country`` in each industry (or field): catch-up, parallel or leading.

    Implements the rule in this module's docstring. Works enter the publication side with
    their Waltman–Schreiber top-10 % membership within field (level-0 concept), year and
    type (:func:`forcemap.indicators.impact.percentile_rank`, on the ``citations`` basis);
    patents enter the technology side with their top-``top`` membership of forward citations
    within ``citation_window`` years of grant within their grant-year cohort
    (:func:`forcemap.indicators.patent_value.high_value`). Uncited works and patents get
    no top share. Both are counted fractionally over countries (authorship shares;
    assignee countries), so :math:`s_c` sums to 1 over the countries that are known.

    Parameters
    ----------
    store : Store
        The store.
    country : str, default "CN"
        ISO 3166-1 alpha-2 code of the home country X (checked: anything else is an
        InputError).
    industries : sequence of str, optional
        Catalog industries (``unit="industry"``) or level-0 concept ids (``unit="field"``);
        all when omitted.
    unit : {"industry", "field"}, default "industry"
        ``industry``: the industry catalog (works by concepts/topics, patents by CPC);
        ``field``: OpenAlex level-0 concepts (publications only), for stores without patents.
    end_year : int, optional
        Last year of the current window (default: the latest publication or grant year).
    window : int, default 5
        Window length in years; the trend compares with the window before it.
    weight_pub, weight_tech : float, default 1.0
        :math:`w_p, w_t`.
    top : float, default 0.10
        A **share**, not a row count: the top share of forward citations defining high-value
        patents (works always use the top-10 % indicator of
        :func:`~forcemap.indicators.impact.percentile_rank`).
    parallel_at, leading_other_at : float, default 80.0
        Class thresholds (see :func:`classify_levels`).
    min_top_documents : float, default 10.0
        Per side: a side whose world total of top documents (fractional) in the window is
        below this is dropped from the unit's score (its level is NULL).
    min_documents : float, default 10.0
        The country's own documents (fractional works and families on the sides used) in
        the window below which its class is *insufficient evidence*.
    min_coverage : float, default 0.5
        The least share of a side's evidence in a unit whose country is known; a side below
        it is dropped. The overall coverage of each side is recorded (``result.coverage``).
    keep_partial : bool, default False
        True: read incomplete first/last years in the trend and years behind.
    draws : int, default 1000
        Bootstrap draws of the stability intervals (0: no intervals, no borderline).
    citation_window : int, default 5
        Years after grant in which a patent's forward citations count (recorded in
        ``rule.conventions``).
    citations : {"auto", "store", "source"}, default "auto"
        Citation basis of the works (:func:`forcemap.indicators.impact.citation_basis`);
        the basis used is named in the caveats. ``patent_unit`` ("family" or "patent"): the
        patent counting unit (:func:`~forcemap.store.patent_resolution.patent_unit_sql`).

    The defaults and checks are those of :class:`~forcemap.decide.params.PositioningParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`POSITIONING_SCHEMA`, one row per unit with evidence, ordered by
        level descending (NULL last). ``evidence["levels"]``: every country's levels,
        intervals and class in every unit and period (the country × industry matrix);
        ``evidence["leader_series"]``: the leader's rolling score per year, the basis of
        ``years_behind``; ``evidence["sides"]``: per unit and period the world totals, the
        coverage and the sides used.

    Raises
    ------
    InputError
        A bad parameter, or no unit has any evidence.
    """
    p = PositioningParams(
        country=country, unit=unit, window=window, weight_pub=weight_pub,
        weight_tech=weight_tech, top=top, parallel_at=parallel_at,
        leading_other_at=leading_other_at, min_top_documents=min_top_documents,
        min_documents=min_documents, min_coverage=min_coverage, keep_partial=keep_partial,
        draws=draws, citation_window=citation_window, citations=citations,
        patent_unit=patent_unit,
    )  # fmt: skip
    country = p.country
    params: dict[str, object] = {
        "country": country,
        "unit": unit,
        "window": window,
        "weight_pub": weight_pub,
        "weight_tech": weight_tech,
        "top": top,
        "parallel_at": parallel_at,
        "leading_other_at": leading_other_at,
        "min_top_documents": min_top_documents,
        "min_documents": min_documents,
        "min_coverage": min_coverage,
        "keep_partial": keep_partial,
        "draws": draws,
        "citations": citations,
        "patent_unit": p.patent_unit,
    }
    from forcemap.indicators.impact import impact_caveats, percentile_rank
    from forcemap.indicators.patent_value import high_value, high_value_caveats

    work_units, patent_units, names = unit_tables(store, unit, industries)
    pct_all = percentile_rank(store, citations=p.citations)
    pct = pct_all.select(["work_id", "year", "top10_frac"])
    hv = high_value(store, window=p.citation_window, top=top)
    cur = store.cursor()
    try:
        partial = {} if keep_partial else _partial_years(cur)
        register(cur, "_pos_work_units", work_units)
        register(cur, "_pos_patent_units", patent_units)
        register(cur, "_pos_pct", pct)
        register(cur, "_pos_hv", hv.select(["patent_id", "year", "top"]))
        register(
            cur,
            "_pos_partial",
            pa.table(
                {
                    "side": pa.array([s for s, v in partial.items() for _ in v[0]], pa.string()),
                    "year": pa.array([y for v in partial.values() for y in v[0]], pa.int32()),
                }
            ),
        )
        cur.execute(WORK_COUNTRY_SQL)
        cur.execute(f"CREATE OR REPLACE TEMP TABLE _pos_pfam AS {patent_unit_sql(p.patent_unit)}")
        cur.execute(PATENT_COUNTRY_SQL)
        cur.execute(ALL_DOCS_SQL)
        family_caption = patent_unit_caption(cur, p.patent_unit)
        cur.execute(DOCS_SQL)
        if end_year is None:
            end_year = cur.execute("SELECT max(year) FROM _pos_docs").fetchone()[0]  # type: ignore[index]
        if end_year is None:
            raise InputError(
                f"no evidence in {store.path}: no works or patents with a year, a country "
                f"and a {unit}"
            )
        y0 = int(end_year) - window + 1
        params["years"] = f"{y0}–{end_year}"
        span = {"y0": y0, "y1": int(end_year), "window": window}
        cur.execute(SIDE_SCORES_SQL, span)
        cur.execute(
            USE_SQL,
            {
                **span,
                "wp": weight_pub,
                "wt": weight_tech if unit == "industry" else 0.0,
                "min_top": min_top_documents,
                "min_cov": min_coverage,
            },
        )
        levels = _levels(cur, weight_pub, weight_tech)
        sides = cur.sql("SELECT * FROM _pos_use ORDER BY unit, period").to_arrow_table()
        coverage = _coverage(cur, y0, int(end_year))
        boot = bootstrap(cur, p, y0, int(end_year))
        series = _rolling(cur, weight_pub, weight_tech, window)
    except duckdb.Error as e:
        raise StoreError(f"positioning query failed on {store.path}: {e}") from e
    finally:
        cur.close()
    levels = _classify(levels, boot, p, unit)
    result = DecisionResult(
        name="positioning",
        table=_home_rows(levels, series, country, names, p),
        rule=_rule(p, params),
        evidence={"levels": levels, "leader_series": series, "sides": sides},
        synthetic=_synthetic(store),
    )
    _cover(result, coverage, p)
    _caveats(result, p, unit, partial, family_caption)
    for caveat in impact_caveats(pct_all) + high_value_caveats(hv):
        result.warn(caveat)
    return result


#: Levels are rounded to this many decimals: 100·s/s is not always exactly 100 in floating
#: point, and a last-bit difference must not decide a class, a row order or a trend's sign.
_LEVEL_DIGITS = 9


def _partial_years(
    cur: duckdb.DuckDBPyConnection,
) -> dict[str, tuple[tuple[int, ...], str]]:
    """Per side, the incomplete first/last years of the store's works and patents
    (:func:`~forcemap.decide._evidence.incomplete_years`: the last end tested again while it
    is incomplete) and a description of why."""
    out: dict[str, tuple[tuple[int, ...], str]] = {}
    for side, table, date in (("pub", "works", "pub_date"), ("tech", "patents", "grant_date")):
        volume = dict(
            cur.execute(
                f"SELECT year, count(*) FROM {table} WHERE year IS NOT NULL GROUP BY year"  # noqa: S608
            ).fetchall()
        )
        last = cur.execute(f"SELECT max({date}) FROM {table}").fetchall()  # noqa: S608
        last_date = last[0][0] if last else None
        what = "works" if side == "pub" else "patents"
        found = incomplete_years(
            volume,
            {last_date.year: last_date} if last_date is not None else None,
            noun=what,
        )
        if not found:
            continue
        years = tuple(sorted(found))
        out[side] = (years, "; ".join(found[y] for y in years))
    return out


def _levels(cur: duckdb.DuckDBPyConnection, wp: float, wt: float) -> pa.Table:
    """Every country's side shares, score, levels and side leaders per unit and period.

    Every sum runs in a fixed order (``ORDER BY`` inside the aggregates), so the result
    does not depend on how DuckDB splits the work between threads, and levels are rounded
    to :data:`_LEVEL_DIGITS` decimals (the best country is exactly 100). A side the unit
    does not use in the period (``_pos_use``) has NULL level, share and leader.
    """
    cur.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pos_levels AS
        WITH s AS (
            SELECT unit, country, period,
                   max(share) FILTER (WHERE side = 'pub') AS s_pub,
                   max(share) FILTER (WHERE side = 'tech') AS s_tech,
                   sum(top_x) FILTER (WHERE side = 'pub') AS top_works,
                   sum(top_x) FILTER (WHERE side = 'tech') AS hv_patents,
                   sum(docs_x) FILTER (WHERE side = 'pub') AS works,
                   sum(docs_x) FILTER (WHERE side = 'tech') AS patents
            FROM _pos_scores GROUP BY ALL
        ), sc AS (
            SELECT s.*, u.use_pub, u.use_tech, u.cov_pub, u.cov_tech, u.world_pub,
                   u.world_tech,
                   (CASE WHEN use_pub THEN $wp * coalesce(s_pub, 0) ELSE 0 END
                    + CASE WHEN use_tech THEN $wt * coalesce(s_tech, 0) ELSE 0 END)
                   / nullif((CASE WHEN use_pub THEN $wp ELSE 0 END)
                            + (CASE WHEN use_tech THEN $wt ELSE 0 END), 0) AS score
            FROM s JOIN _pos_use AS u USING (unit, period)
        ), mx AS (
            SELECT *,
                   max(score) OVER u AS best_score,
                   max(s_pub) OVER u AS best_pub,
                   max(s_tech) OVER u AS best_tech,
                   first_value(country) OVER (PARTITION BY unit, period
                                              ORDER BY s_pub DESC NULLS LAST, country)
                       AS lead_pub,
                   first_value(country) OVER (PARTITION BY unit, period
                                              ORDER BY s_tech DESC NULLS LAST, country)
                       AS lead_tech
            FROM sc WINDOW u AS (PARTITION BY unit, period)
        )
        SELECT unit, country, period, score,
               round(100 * score / nullif(best_score, 0), $digits) AS level,
               CASE WHEN use_pub
                    THEN round(100 * coalesce(s_pub, 0) / nullif(best_pub, 0), $digits) END
                   AS level_pub,
               CASE WHEN use_tech
                    THEN round(100 * coalesce(s_tech, 0) / nullif(best_tech, 0), $digits) END
                   AS level_tech,
               CASE WHEN use_pub THEN coalesce(s_pub, 0) END AS share_pub,
               CASE WHEN use_tech THEN coalesce(s_tech, 0) END AS share_tech,
               CASE WHEN use_pub AND best_pub > 0 THEN lead_pub END AS leader_pub,
               CASE WHEN use_tech AND best_tech > 0 THEN lead_tech END AS leader_tech,
               coalesce(score = best_score AND best_score > 0, false) AS is_best,
               use_pub, use_tech, cov_pub AS coverage_pub, cov_tech AS coverage_tech,
               coalesce(top_works, 0) AS top_works, world_pub AS world_top_works,
               coalesce(hv_patents, 0) AS hv_patents, world_tech AS world_hv_patents,
               coalesce(works, 0) AS works, coalesce(patents, 0) AS patents
        FROM mx
        """,
        {"wp": wp, "wt": wt, "digits": _LEVEL_DIGITS},
    )
    return cur.sql(
        "SELECT * FROM _pos_levels ORDER BY unit, period, level DESC NULLS LAST, country"
    ).to_arrow_table()


def _classify(levels: pa.Table, boot: pa.Table, p: PositioningParams, unit: str) -> pa.Table:
    """``levels`` with the intervals of the current window, the class (a label,
    ``borderline (a/b)`` or ``insufficient evidence (…)``), the sides used, the thin-evidence
    flag and the note on L above both side levels."""
    boot = boot.append_column("period", pa.array(["cur"] * boot.num_rows, pa.string()))
    t = levels.join(boot, keys=["unit", "country", "period"], join_type="left outer")
    t = t.sort_by(
        [
            ("unit", "ascending"),
            ("period", "ascending"),
            ("level", "descending"),
            ("country", "ascending"),
        ]
    )
    point = np.asarray(
        classify_levels(
            t, parallel_at=p.parallel_at, leading_other_at=p.leading_other_at
        ).to_pylist(),
        dtype=object,
    )
    lv, lp, lt = floats(t["level"]), floats(t["level_pub"]), floats(t["level_tech"])
    up = np.asarray(t["use_pub"].fill_null(False).to_pylist(), bool)
    ut = np.asarray(t["use_tech"].fill_null(False).to_pylist(), bool)
    docs = np.where(up, floats(t["works"]), 0.0) + np.where(ut, floats(t["patents"]), 0.0)
    no_side = ~(up | ut)
    few = ~no_side & (docs < p.min_documents)
    eff = np.where(point == "leading", 100.0, lv)
    e_lo, e_hi = floats(t["effective_low"]), floats(t["effective_high"])

    def cls_of(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.where(
                x >= 100 - EPS, "leading", np.where(x >= p.parallel_at, "parallel", "catch-up")
            )

    classes = point.copy()
    finite = np.isfinite(e_lo) & np.isfinite(e_hi)
    wide = finite & ((cls_of(e_lo) != point) | (cls_of(e_hi) != point)) & ~(no_side | few)
    classify = _classify_effective(p.parallel_at)
    for i in np.flatnonzero(wide):
        classes[i] = interval_label(classify, float(e_lo[i]), float(e_hi[i]), float(eff[i]))
    expect_pub = p.weight_pub > 0
    expect_tech = unit == "industry" and p.weight_tech > 0
    what = ("country", "world_top_works", "world_hv_patents", "coverage_pub", "coverage_tech")
    cols = {c: t[c].to_pylist() for c in what}
    for i in np.flatnonzero(no_side | few):
        if few[i]:
            missing = [Shortfall(f"{cols['country'][i]} documents", docs[i], p.min_documents)]
        else:
            missing = []
            if expect_pub:
                missing += _side_shortfall("pub", cols["world_top_works"][i],
                                           cols["coverage_pub"][i], p)  # fmt: skip
            if expect_tech:
                missing += _side_shortfall("tech", cols["world_hv_patents"][i],
                                           cols["coverage_tech"][i], p)  # fmt: skip
        classes[i] = insufficient(missing)
    dropped = (expect_pub & ~up) | (expect_tech & ~ut)
    sides = np.where(up & ut, "pub+tech", np.where(up, "pub", np.where(ut, "tech", "")))
    notes: list[str | None] = [None] * t.num_rows
    with np.errstate(invalid="ignore"):
        above = (lv > lp + 1e-6) & (lv > lt + 1e-6)
    lead_p, lead_t = t["leader_pub"].to_pylist(), t["leader_tech"].to_pylist()
    for i in np.flatnonzero(above):
        notes[i] = (
            "L exceeds both parts because the sides have different leaders: "
            f"pub {lead_p[i]}, tech {lead_t[i]}"
        )
    t = t.drop_columns(["effective_low", "effective_high"])
    return (
        t.append_column("point_class", pa.array(point.tolist(), pa.string()))
        .append_column("class", pa.array(classes.tolist(), pa.string()))
        .append_column("sides", pa.array([s or None for s in sides.tolist()], pa.string()))
        .append_column("thin_evidence", pa.array((dropped | no_side | few).tolist(), pa.bool_()))
        .append_column("note", pa.array(notes, pa.string()))
    )


def _side_shortfall(
    side: str, world: float | None, cov: float | None, p: PositioningParams
) -> list[Shortfall]:
    """Why a side is not used: too few world top documents, else too little coverage."""
    w = float(world or 0.0)
    if w <= 0 or w < p.min_top_documents:
        return [Shortfall(_WORLD_WHAT[side], w, p.min_top_documents)]
    return [Shortfall(f"share of {_COVERAGE_WHAT[side]}", float(cov or 0.0), p.min_coverage)]


def _rolling(cur: duckdb.DuckDBPyConnection, wp: float, wt: float, window: int) -> pa.Table:
    """Each country's rolling absolute score per unit and year (window-year sums).

    The absolute score is :math:`w_p` × top works + :math:`w_t` × high-value patents
    (fractional counts) on the sides the unit uses in the current window, over the
    ``window`` years ending in the year, without incomplete years; years before a full
    window is available are left out.
    """
    rel = cur.sql(
        """
        WITH y AS (
            SELECT d.unit, d.country, d.year,
                   sum(CASE WHEN d.side = 'pub' THEN $wp ELSE $wt END * d.w * d.top
                       ORDER BY d.side, d.doc) AS a
            FROM _pos_docs AS d
            JOIN _pos_use AS u ON u.unit = d.unit AND u.period = 'cur'
            WHERE NOT d.partial
              AND ((d.side = 'pub' AND u.use_pub) OR (d.side = 'tech' AND u.use_tech))
            GROUP BY ALL
        ), bounds AS (SELECT unit, min(year) AS y_min, max(year) AS y_max FROM y GROUP BY unit),
        grid AS (
            SELECT b.unit, c.country, g.year
            FROM bounds AS b
            JOIN (SELECT DISTINCT unit, country FROM y) AS c USING (unit)
            CROSS JOIN LATERAL (SELECT unnest(range(b.y_min, b.y_max + 1)) AS year) AS g
        ), filled AS (
            SELECT grid.unit, grid.country, grid.year, coalesce(y.a, 0) AS a, bounds.y_min
            FROM grid LEFT JOIN y USING (unit, country, year) JOIN bounds USING (unit)
        )
        SELECT unit, country, year::INTEGER AS year, score FROM (
            SELECT unit, country, year, y_min,
                   sum(a) OVER (PARTITION BY unit, country ORDER BY year
                                ROWS BETWEEN $w1 PRECEDING AND CURRENT ROW) AS score
            FROM filled
        ) WHERE year >= y_min + $w1
        ORDER BY unit, country, year
        """,
        params={"wp": wp, "wt": wt, "w1": window - 1},
    )
    return rel.to_arrow_table()


def _home_rows(
    levels: pa.Table,
    series: pa.Table,
    country: str,
    names: dict[str, str],
    p: PositioningParams,
) -> pa.Table:
    import pyarrow.compute as pc

    mine = levels.filter(pc.equal(levels["country"], country)).to_pylist()
    cur_rows = [r for r in mine if r["period"] == "cur"]
    by_period = {(r["unit"], r["period"]): r for r in mine}
    best = levels.filter(pc.and_(pc.equal(levels["period"], "cur"), levels["is_best"]))
    leaders: dict[str, str] = {}
    for u, c in zip(best["unit"].to_pylist(), best["country"].to_pylist(), strict=True):
        leaders.setdefault(u, c)
    series = series.filter(pc.is_in(series["country"], pa.array([country, *leaders.values()])))
    by_unit: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for r in series.to_pylist():
        by_unit.setdefault(r["unit"], {}).setdefault(r["country"], []).append(
            (r["year"], r["score"])
        )
    out = []
    for r in cur_rows:
        unit = r["unit"]
        leader = leaders.get(unit)
        behind: int | None = None
        censored: bool | None = None
        labelled = not r["class"].startswith("insufficient")
        if labelled and leader and leader != country and r["point_class"] != "leading":
            lead_series = by_unit.get(unit, {}).get(leader, [])
            own = dict(by_unit.get(unit, {}).get(country, []))
            if lead_series and own:
                current = own.get(max(own), 0.0)
                ys, ss = zip(*lead_series, strict=True)
                behind, censored = years_behind(list(ys), list(ss), current)
        elif labelled and r["point_class"] == "leading":
            behind, censored = 0, False
        row = {k: r.get(k) for k in POSITIONING_SCHEMA.names}
        row.update(
            {
                "unit_name": names.get(unit, unit),
                "trend": _trend(by_period.get((unit, "trend")), by_period.get((unit, "prev"))),
                "leader": leader if labelled or r["level"] is not None else None,
                "years_behind": behind,
                "years_behind_censored": censored,
                "strategy": STRATEGIES.get(r["class"]),
            }
        )
        out.append(row)
    out.sort(key=lambda d: (d["level"] is None, -(d["level"] or 0.0), d["unit"]))
    return pa.Table.from_pylist(out, schema=POSITIONING_SCHEMA)


def _trend(now: dict[str, Any] | None, before: dict[str, Any] | None) -> float | None:
    """L now (the current window without incomplete years) minus L before, rounded like the
    levels (−0.0 read as 0.0); None when either is unknown or they use different sides."""
    if now is None or before is None or now["sides"] != before["sides"]:
        return None
    if now["level"] is None or before["level"] is None:
        return None
    return round(float(now["level"]) - float(before["level"]), _LEVEL_DIGITS) + 0.0


def _synthetic(store: Store) -> bool:
    with store.query_cursor("positioning") as cur:
        return is_synthetic(cur)


def _coverage(cur: duckdb.DuckDBPyConnection, y0: int, y1: int) -> dict[str, tuple[float, float]]:
    """Per side, (known, total) over the distinct documents of the units in the window:
    top-10 % work credit with a known author country; patent families with a known holder
    country."""
    rows = cur.execute(
        """
        SELECT side,
               sum(CASE WHEN side = 'pub' THEN top * known ELSE known END ORDER BY doc),
               sum(CASE WHEN side = 'pub' THEN top ELSE 1.0 END ORDER BY doc)
        FROM (SELECT DISTINCT side, doc, top, known FROM _pos_alldocs
              WHERE year BETWEEN $y0 AND $y1)
        GROUP BY side
        """,
        {"y0": y0, "y1": y1},
    ).fetchall()
    return {side: (float(k or 0.0), float(t or 0.0)) for side, k, t in rows}


def _cover(
    result: DecisionResult, coverage: dict[str, tuple[float, float]], p: PositioningParams
) -> None:
    """Record the coverage of each side the decision expects."""
    if p.weight_pub > 0:
        k, t = coverage.get("pub", (0.0, 0.0))
        result.cover(_COVERAGE_WHAT["pub"], k, t, minimum=p.min_coverage)
    if p.unit == "industry" and p.weight_tech > 0:
        k, t = coverage.get("tech", (0.0, 0.0))
        result.cover(_COVERAGE_WHAT["tech"], k, t, minimum=p.min_coverage)


def _names(units: list[str], cap: int = 12) -> str:
    return ", ".join(units[:cap]) + (" …" if len(units) > cap else "")


def _caveats(
    result: DecisionResult,
    p: PositioningParams,
    unit: str,
    partial: dict[str, tuple[tuple[int, ...], str]],
    family_caption: str,
) -> None:
    rows = result.table.to_pylist()
    country = p.country
    if not rows:
        result.warn(f"{country} has no works or patents in any {unit} of the window.")
    for side, expected in (
        ("pub", p.weight_pub > 0),
        ("tech", unit == "industry" and p.weight_tech > 0),
    ):
        key = "level_pub" if side == "pub" else "level_tech"
        other = "level_tech" if side == "pub" else "level_pub"
        dropped = [r for r in rows if expected and r[key] is None and r[other] is not None]
        if not dropped:
            continue
        world = "world_top_works" if side == "pub" else "world_hv_patents"
        cov = f"coverage_{side}"
        detail = "; ".join(
            f"{r['unit_name']} ({world.replace('_', ' ').replace('hv', 'high-value')} "
            f"{r[world]:.1f}"
            + (f", coverage {100 * r[cov]:.0f} %" if r[cov] is not None else "")
            + ")"
            for r in dropped[:12]
        ) + (" …" if len(dropped) > 12 else "")
        result.warn(
            f"The {_SIDE_NAMES[side]} side has too little world evidence (fewer than "
            f"{p.min_top_documents:g} top documents in the window, or under "
            f"{100 * p.min_coverage:g} % of them with a known country) and is dropped in: "
            f"{detail}. Its level is not scored (NULL); L rests on the other side."
        )
    short = [r["unit_name"] for r in rows if r["class"].startswith("insufficient")]
    if short:
        result.warn(
            f"Insufficient evidence, no class and no strategy in: {_names(short)} (the "
            "missing counts are in the class column)."
        )
    border = [r["unit_name"] for r in rows if r["class"].startswith("borderline")]
    if border:
        result.warn(
            f"Borderline (the 95 % bootstrap interval of L crosses a class threshold): "
            f"{_names(border)}."
        )
    notes = [f"{r['unit_name']}: {r['note']}" for r in rows if r["note"]]
    for n in notes[:12]:
        result.warn(n + ".")
    partial = {
        k: v for k, v in partial.items() if k == "pub" or (unit == "industry" and p.weight_tech)
    }
    if partial:
        result.warn(
            "Incomplete years in the store, left out of the trend and the years behind "
            "(keep_partial reads them): " + "; ".join(v[1] for v in partial.values()) + "."
        )
    if unit == "industry":
        result.warn(
            f"{family_caption} {p.citation_window}-year forward citations are truncated for "
            "recent grants, which the grant-year cohort absorbs."
        )
    if result.synthetic:
        result.warn("SYNTHETIC DATA: levels describe a generated world, not reality.")


def positioning_matrix(
    result: DecisionResult, *, countries: Sequence[str] | None = None
) -> pa.Table:
    """The country × unit matrix of classes and levels from a :func:`positioning` result.

    One row per (unit, country) of the current window: ``unit``, ``country``, ``class``,
    ``level``, ``level_low``, ``level_high``; ``countries`` limits the rows (default: every
    country with evidence).
    """
    import pyarrow.compute as pc

    lv = result.evidence["levels"]
    keep = pc.equal(lv["period"], "cur")
    if countries is not None:
        keep = pc.and_(keep, pc.is_in(lv["country"], pa.array(list(countries), pa.string())))
    return lv.filter(keep).select(["unit", "country", "class", "level", "level_low",
                                   "level_high"])  # fmt: skip
