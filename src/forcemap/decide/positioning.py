r"""Industry positioning: is a country catching up, running in parallel, or leading?

For each industry (or field) *I* and country *X*, the **level** compares X with the world's best
country, in the style of KISTEP's technology level evaluation (the best = 100):

.. math::

    S_c = \frac{w_p\,s^{pub}_c + w_t\,s^{tech}_c}{w_p + w_t},\qquad
    L_X = 100\,\frac{S_X}{\max_c S_c},

where :math:`s^{pub}_c` is country *c*'s share of the world's top-10 % cited works of *I* in the
window (fractional counting over authorship countries; top 10 % within field, year and type) and
:math:`s^{tech}_c` its share of the world's high-value patent families of *I* (top 10 % of
forward citations within grant-year cohort; fractional over assignee countries). A side with no
world evidence is dropped and the weights renormalised (said in the caveats). Side levels
:math:`L^{pub}_X, L^{tech}_X` use the side shares alone.

Classes (thresholds are parameters):

* **leading** — X is the best (:math:`L_X = 100`), or :math:`L^{pub}_X \ge 100` and
  :math:`L^{tech}_X \ge` ``leading_other_at`` (80), or the same with the sides swapped;
* **parallel** — :math:`L_X \ge` ``parallel_at`` (80);
* **catch-up** — otherwise.

**Trend** is :math:`L_X` in the current window minus :math:`L_X` in the previous window of the
same length. **Years behind the leader** is the number of years since the leader's rolling
absolute score (top-10 % works + high-value families, fractional, summed over a window) first
reached X's current value; censored (``>N``) when the leader was already above it in the
first year of data. The strategy per class is the one the policy paper associates with it
(Bai et al. 2021, §4.1): catch-up industries seek self-reliance through concerted breakthroughs
on core technologies; parallel industries a vibrant industrial innovation system; leading
industries pilot flagship R&D programmes.

References
----------
KISTEP (2021). *Technology Level Evaluation* (기술수준평가), Korea Institute of S&T Evaluation
and Planning. Bai G. et al. (2021). Strategic Study of CAE 23(6). Waltman L. & Schreiber M.
(2013). doi:10.1002/asi.22775 (top-10 % indicators).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import duckdb
import pyarrow as pa

from forcemap.decide._scope import register, unit_tables
from forcemap.decide.params import POSITIONING, PositioningParams
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.errors import InputError, StoreError
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
    out: list[str] = []
    for lv, lp, lt, best in zip(
        levels["level"].to_pylist(),
        levels["level_pub"].to_pylist(),
        levels["level_tech"].to_pylist(),
        levels["is_best"].to_pylist(),
        strict=True,
    ):
        both = lp is not None and lt is not None
        lead = bool(best) or (
            both
            and ((lp >= 100 and lt >= leading_other_at) or (lt >= 100 and lp >= leading_other_at))
        )
        if lead:
            out.append("leading")
        elif lv is not None and lv >= parallel_at:
            out.append("parallel")
        else:
            out.append("catch-up")
    return pa.array(out, pa.string())


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
        "industry; leading if X is best or one side ≥ 100 and the other ≥ leading_other_at; "
        "parallel if L ≥ parallel_at; catch-up otherwise (after KISTEP's technology level "
        "evaluation).",
        parameters=params,
        references=(
            "KISTEP Technology Level Evaluation",
            "Bai et al. 2021, Strategic Study of CAE, §4.1",
            "Waltman & Schreiber 2013, doi:10.1002/asi.22775",
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
        ("level_pub", pa.float64()),
        ("level_tech", pa.float64()),
        ("trend", pa.float64()),
        ("leader", pa.string()),
        ("years_behind", pa.int32()),
        ("years_behind_censored", pa.bool_()),
        ("top_works", pa.float64()),
        ("world_top_works", pa.float64()),
        ("hv_patents", pa.float64()),
        ("world_hv_patents", pa.float64()),
        ("works", pa.float64()),
        ("patents", pa.float64()),
        ("thin_evidence", pa.bool_()),
        ("strategy", pa.string()),
    ]
)
"""Output of :func:`positioning` (one row per unit for the home country)."""


# Per document (work or patent): unit, year, top-10 % membership (fractional, Waltman &
# Schreiber 2013) and the country weights (fractional by authorship / assignee share).
_DOCS_SQL = """
CREATE OR REPLACE TEMP TABLE _pos_docs AS
WITH wc AS (
    SELECT a.work_id, a.author_seq, coalesce(a.country_code, i.country_code) AS country
    FROM authorships AS a
    LEFT JOIN (SELECT institution_id, any_value(country_code) AS country_code
               FROM institutions GROUP BY institution_id) AS i USING (institution_id)
), n_auth AS (
    SELECT work_id, count(DISTINCT author_seq) AS n FROM wc GROUP BY work_id
), du AS (
    SELECT DISTINCT work_id, author_seq, country FROM wc WHERE country IS NOT NULL
), ku AS (
    SELECT *, count(*) OVER (PARTITION BY work_id, author_seq) AS k FROM du
), wcountry AS (
    SELECT ku.work_id, ku.country, sum(1.0 / (n.n * ku.k) ORDER BY ku.author_seq) AS w
    FROM ku JOIN n_auth AS n USING (work_id) GROUP BY ku.work_id, ku.country
), pc AS (
    SELECT patent_id, country_code AS country, count(*) OVER (PARTITION BY patent_id) AS k
    FROM (SELECT DISTINCT patent_id, upper(country_code) AS country_code
          FROM patent_assignees WHERE country_code IS NOT NULL AND country_code <> '')
)
SELECT 'pub' AS side, u.unit, p.year, p.top10_frac AS top, c.country, c.w, u.work_id AS doc
FROM _pos_work_units AS u
JOIN _pos_pct AS p USING (work_id)
JOIN wcountry AS c USING (work_id)
WHERE p.year IS NOT NULL AND p.top10_frac IS NOT NULL
UNION ALL
SELECT 'tech', u.unit, h.year, h.top, pc.country, 1.0 / pc.k, u.patent_id
FROM _pos_patent_units AS u
JOIN _pos_hv AS h USING (patent_id)
JOIN pc USING (patent_id)
WHERE h.year IS NOT NULL AND h.top IS NOT NULL
"""

_SIDE_SCORES_SQL = """
CREATE OR REPLACE TEMP TABLE _pos_scores AS
WITH win AS (
    SELECT side, unit, country, 'cur' AS period,
           sum(w * top ORDER BY doc) AS top_x, sum(w ORDER BY doc) AS docs_x
    FROM _pos_docs WHERE year BETWEEN $y0 AND $y1 GROUP BY ALL
    UNION ALL
    SELECT side, unit, country, 'prev', sum(w * top ORDER BY doc), sum(w ORDER BY doc)
    FROM _pos_docs WHERE year BETWEEN $y0 - $window AND $y0 - 1 GROUP BY ALL
), world AS (
    SELECT side, unit, period, sum(top_x ORDER BY country) AS top_world FROM win GROUP BY ALL
)
SELECT win.*, world.top_world, win.top_x / nullif(world.top_world, 0) AS share
FROM win JOIN world USING (side, unit, period)
"""


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
    citation_window: int = POSITIONING.citation_window,
    citations: str = POSITIONING.citations,
) -> DecisionResult:
    r"""Position ``country`` in each industry (or field): catch-up, parallel or leading.

    Implements the rule in this module's docstring. Works enter the publication side with
    their Waltman–Schreiber top-10 % membership within field (level-0 concept), year and
    type (:func:`forcemap.indicators.impact.percentile_rank`, on the ``citations`` basis);
    patents enter the technology side with their top-``top`` membership of forward citations
    within ``citation_window`` years of grant within their grant-year cohort
    (:func:`forcemap.indicators.patent_value.high_value`). Uncited works and patents get
    no top share. Both are counted fractionally over countries (authorship shares;
    assignee countries), so :math:`s_c` sums to 1 over countries.

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
        A unit whose world total of top documents (fractional) in the current window is
        below this is flagged ``thin_evidence`` and named in the caveats.
    citation_window : int, default 5
        Years after grant in which a patent's forward citations count (recorded in
        ``rule.conventions``).
    citations : {"auto", "store", "source"}, default "auto"
        Citation basis of the works (:func:`forcemap.indicators.impact.citation_basis`);
        the basis used is named in the caveats.

    The defaults and checks are those of :class:`~forcemap.decide.params.PositioningParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`POSITIONING_SCHEMA`, one row per unit with evidence, ordered by
        level descending. ``evidence["levels"]``: every country's levels and class in every
        unit (the country × industry matrix); ``evidence["leader_series"]``: the leader's
        rolling score per year, the basis of ``years_behind``.

    Raises
    ------
    InputError
        A bad parameter, or no unit has any evidence.
    """
    p = PositioningParams(
        country=country,
        unit=unit,
        window=window,
        weight_pub=weight_pub,
        weight_tech=weight_tech,
        top=top,
        parallel_at=parallel_at,
        leading_other_at=leading_other_at,
        min_top_documents=min_top_documents,
        citation_window=citation_window,
        citations=citations,
    )
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
        "citations": citations,
    }
    from forcemap.indicators.impact import impact_caveats, percentile_rank
    from forcemap.indicators.patent_value import high_value, high_value_caveats

    work_units, patent_units, names = unit_tables(store, unit, industries)
    pct_all = percentile_rank(store, citations=p.citations)
    pct = pct_all.select(["work_id", "year", "top10_frac"])
    hv = high_value(store, window=p.citation_window, top=top)
    cur = store.cursor()
    try:
        register(cur, "_pos_work_units", work_units)
        register(cur, "_pos_patent_units", patent_units)
        register(cur, "_pos_pct", pct)
        register(cur, "_pos_hv", hv.select(["patent_id", "year", "top"]))
        cur.execute(_DOCS_SQL)
        if end_year is None:
            end_year = cur.execute("SELECT max(year) FROM _pos_docs").fetchone()[0]  # type: ignore[index]
        if end_year is None:
            raise InputError(
                f"no evidence in {store.path}: no works or patents with a year, a country "
                f"and a {unit}"
            )
        y0 = int(end_year) - window + 1
        params["years"] = f"{y0}–{end_year}"
        cur.execute(_SIDE_SCORES_SQL, {"y0": y0, "y1": int(end_year), "window": window})
        levels = _levels(cur, weight_pub, weight_tech)
        series = _rolling(cur, weight_pub, weight_tech, window)
    except duckdb.Error as e:
        raise StoreError(f"positioning query failed on {store.path}: {e}") from e
    finally:
        cur.close()
    classes = classify_levels(levels, parallel_at=parallel_at, leading_other_at=leading_other_at)
    levels = levels.append_column("class", classes)
    result = DecisionResult(
        name="positioning",
        table=_home_rows(levels, series, country, names, min_top_documents),
        rule=_rule(p, params),
        evidence={"levels": levels, "leader_series": series},
        synthetic=_synthetic(store),
    )
    _caveats(result, levels, weight_pub, weight_tech, unit, p.citation_window)
    for caveat in impact_caveats(pct_all) + high_value_caveats(hv):
        result.warn(caveat)
    return result


#: Levels are rounded to this many decimals: 100·s/s is not always exactly 100 in floating
#: point, and a last-bit difference must not decide a class, a row order or a trend's sign.
_LEVEL_DIGITS = 9


def _levels(cur: duckdb.DuckDBPyConnection, wp: float, wt: float) -> pa.Table:
    """Every country's side shares, score and levels per unit and period.

    Every sum runs in a fixed order (``ORDER BY`` inside the aggregates), so the result
    does not depend on how DuckDB splits the work between threads, and levels are rounded
    to :data:`_LEVEL_DIGITS` decimals (the best country is exactly 100).
    """
    rel = cur.sql(
        """
        WITH s AS (
            SELECT unit, country, period,
                   max(share) FILTER (WHERE side = 'pub') AS s_pub,
                   max(share) FILTER (WHERE side = 'tech') AS s_tech,
                   sum(top_x) FILTER (WHERE side = 'pub') AS top_works,
                   sum(top_x) FILTER (WHERE side = 'tech') AS hv_patents,
                   sum(docs_x) FILTER (WHERE side = 'pub') AS works,
                   sum(docs_x) FILTER (WHERE side = 'tech') AS patents,
                   max(top_world) FILTER (WHERE side = 'pub') AS world_top_works,
                   max(top_world) FILTER (WHERE side = 'tech') AS world_hv_patents
            FROM _pos_scores GROUP BY ALL
        ), w AS (  -- a side without world evidence in a unit drops out of its score
            SELECT unit, period,
                   max(world_top_works) > 0 AS has_pub, max(world_hv_patents) > 0 AS has_tech
            FROM s GROUP BY ALL
        ), sc AS (
            SELECT s.*, w.has_pub, w.has_tech,
                   (CASE WHEN has_pub THEN $wp * coalesce(s_pub, 0) ELSE 0 END
                    + CASE WHEN has_tech THEN $wt * coalesce(s_tech, 0) ELSE 0 END)
                   / nullif((CASE WHEN has_pub THEN $wp ELSE 0 END)
                            + (CASE WHEN has_tech THEN $wt ELSE 0 END), 0) AS score
            FROM s JOIN w USING (unit, period)
        ), mx AS (
            SELECT *,
                   max(score) OVER u AS best_score,
                   max(s_pub) OVER u AS best_pub,
                   max(s_tech) OVER u AS best_tech
            FROM sc WINDOW u AS (PARTITION BY unit, period)
        )
        SELECT unit, country, period, score,
               round(100 * score / nullif(best_score, 0), $digits) AS level,
               CASE WHEN has_pub
                    THEN round(100 * coalesce(s_pub, 0) / nullif(best_pub, 0), $digits) END
                   AS level_pub,
               CASE WHEN has_tech
                    THEN round(100 * coalesce(s_tech, 0) / nullif(best_tech, 0), $digits) END
                   AS level_tech,
               coalesce(score = best_score AND best_score > 0, false) AS is_best,
               coalesce(top_works, 0) AS top_works, coalesce(world_top_works, 0)
                   AS world_top_works,
               coalesce(hv_patents, 0) AS hv_patents, coalesce(world_hv_patents, 0)
                   AS world_hv_patents,
               coalesce(works, 0) AS works, coalesce(patents, 0) AS patents
        FROM mx
        ORDER BY unit, period, level DESC NULLS LAST, country
        """,
        params={"wp": wp, "wt": wt, "digits": _LEVEL_DIGITS},
    )
    return rel.to_arrow_table()


def _rolling(cur: duckdb.DuckDBPyConnection, wp: float, wt: float, window: int) -> pa.Table:
    """Each country's rolling absolute score per unit and year (window-year sums).

    The absolute score is :math:`w_p` × top works + :math:`w_t` × high-value patents
    (fractional counts), over the ``window`` years ending in the year; years before a full
    window is available are left out.
    """
    rel = cur.sql(
        """
        WITH y AS (
            SELECT unit, country, year,
                   sum(CASE WHEN side = 'pub' THEN $wp ELSE $wt END * w * top
                       ORDER BY side, doc) AS a
            FROM _pos_docs GROUP BY ALL
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
    min_top: float,
) -> pa.Table:
    cur_rows = [r for r in levels.to_pylist() if r["period"] == "cur"]
    prev = {
        (r["unit"], r["country"]): r["level"] for r in levels.to_pylist() if r["period"] == "prev"
    }
    leaders = {r["unit"]: r["country"] for r in cur_rows if r["is_best"]}
    by_unit: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for r in series.to_pylist():
        by_unit.setdefault(r["unit"], {}).setdefault(r["country"], []).append(
            (r["year"], r["score"])
        )
    out = []
    for r in cur_rows:
        if r["country"] != country:
            continue
        unit = r["unit"]
        leader = leaders.get(unit)
        behind: int | None = None
        censored: bool | None = None
        if leader and leader != country and r["class"] != "leading":
            lead_series = by_unit.get(unit, {}).get(leader, [])
            mine = dict(by_unit.get(unit, {}).get(country, []))
            if lead_series and mine:
                current = mine.get(max(mine), 0.0)
                ys, ss = zip(*lead_series, strict=True)
                behind, censored = years_behind(list(ys), list(ss), current)
        elif r["class"] == "leading":
            behind, censored = 0, False
        p = prev.get((unit, country))
        out.append(
            {
                "unit": unit,
                "unit_name": names.get(unit, unit),
                "country": country,
                "class": r["class"],
                "level": r["level"],
                "level_pub": r["level_pub"],
                "level_tech": r["level_tech"],
                "trend": _trend(r["level"], p),
                "leader": leader,
                "years_behind": behind,
                "years_behind_censored": censored,
                "top_works": r["top_works"],
                "world_top_works": r["world_top_works"],
                "hv_patents": r["hv_patents"],
                "world_hv_patents": r["world_hv_patents"],
                "works": r["works"],
                "patents": r["patents"],
                "thin_evidence": (r["world_top_works"] + r["world_hv_patents"]) < min_top,
                "strategy": STRATEGIES[r["class"]],
            }
        )
    out.sort(key=lambda d: (-(d["level"] or 0.0), d["unit"]))
    return pa.Table.from_pylist(out, schema=POSITIONING_SCHEMA)


def _trend(level: float | None, previous: float | None) -> float | None:
    """``level − previous`` rounded like the levels, with −0.0 read as 0.0."""
    if level is None or previous is None:
        return None
    return round(level - previous, _LEVEL_DIGITS) + 0.0


def _synthetic(store: Store) -> bool:
    with store.query_cursor("positioning") as cur:
        return is_synthetic(cur)


def _caveats(
    result: DecisionResult,
    levels: pa.Table,
    wp: float,
    wt: float,
    unit: str,
    citation_window: int,
) -> None:
    t = result.table
    country = result.rule.parameters["country"]
    if t.num_rows == 0:
        result.warn(f"{country} has no works or patents in any {unit} of the window.")
    thin = [r["unit_name"] for r in t.to_pylist() if r["thin_evidence"]]
    if thin:
        result.warn(
            f"Thin evidence (fewer than {result.rule.parameters['min_top_documents']} top "
            f"documents worldwide in the window): {', '.join(thin[:12])}"
            + (" …" if len(thin) > 12 else "")
            + ". Read those levels as indicative only."
        )
    no_tech = [r["unit_name"] for r in t.to_pylist() if r["level_tech"] is None]
    if no_tech and wt > 0:
        result.warn(
            f"No patent evidence in {len(no_tech)} {unit}(s); their level rests on "
            "publications alone."
        )
    if unit == "industry":
        result.warn(
            "Patents are counted as families of one (PatentsView has no family ids) and by "
            f"assignee country; {citation_window}-year forward citations are truncated for "
            "recent grants, which the grant-year cohort absorbs."
        )
    if result.synthetic:
        result.warn("SYNTHETIC DATA: levels describe a generated world, not reality.")


def positioning_matrix(
    result: DecisionResult, *, countries: Sequence[str] | None = None
) -> pa.Table:
    """The country × unit matrix of classes and levels from a :func:`positioning` result.

    One row per (unit, country) of the current window: ``unit``, ``country``, ``class``,
    ``level``; ``countries`` limits the rows (default: every country with evidence).
    """
    lv = result.evidence["levels"]
    rows = [
        {"unit": r["unit"], "country": r["country"], "class": r["class"], "level": r["level"]}
        for r in lv.to_pylist()
        if r["period"] == "cur" and (countries is None or r["country"] in countries)
    ]
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("unit", pa.string()),
                ("country", pa.string()),
                ("class", pa.string()),
                ("level", pa.float64()),
            ]
        ),
    )
