"""Stage-gate review of research projects: continue, review or withdraw (the review model of
:mod:`forcemap.decide.portfolio`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.decide._scope import register
from forcemap.decide.params import REVIEW, ReviewParams
from forcemap.decide.portfolio._common import PARTICIPANT_KEYS_SQL, median
from forcemap.decide.result import DecisionResult, Rule, check_weights, is_synthetic
from forcemap.errors import InputError
from forcemap.store.store import Store

__all__ = [
    "OUTPUT_SCHEMA",
    "REVIEW_COMPONENTS",
    "REVIEW_SCHEMA",
    "parse_goal_targets",
    "project_review",
]

REVIEW_COMPONENTS = ("goals", "impact", "cost", "collaboration")

REVIEW_SCHEMA = pa.schema(
    [
        ("project_id", pa.string()),
        ("title", pa.string()),
        ("programme", pa.string()),
        ("status", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("age_years", pa.float64()),
        ("judged", pa.bool_()),
        ("budget", pa.float64()),
        ("currency", pa.string()),
        ("works", pa.int64()),
        ("patents", pa.int64()),
        ("outputs_in_store", pa.int64()),
        ("work_target", pa.int64()),
        ("patent_target", pa.int64()),
        ("goal_basis", pa.string()),
        ("outputs_per_year", pa.float64()),
        ("goal_ratio", pa.float64()),
        ("goal_attainment", pa.float64()),
        ("mean_ncs", pa.float64()),
        ("top10_share", pa.float64()),
        ("patent_fc", pa.float64()),
        ("patent_fc_expected", pa.float64()),
        ("patent_fc_ratio", pa.float64()),
        ("impact", pa.float64()),
        ("cost_per_output", pa.float64()),
        ("participants", pa.int64()),
        ("participants_on_outputs", pa.int64()),
        ("participant_share", pa.float64()),
        ("pairs_realised", pa.int64()),
        ("pairs_planned", pa.int64()),
        ("collaboration", pa.float64()),
        ("score", pa.float64()),
        ("recommendation", pa.string()),
        ("reasons", pa.string()),
    ]
)
"""Output of :func:`project_review` (one row per project)."""

OUTPUT_SCHEMA = pa.schema(
    [
        ("project_id", pa.string()),
        ("output_type", pa.string()),
        ("output_id", pa.string()),
        ("in_store", pa.bool_()),
        ("year", pa.int32()),
        ("ncs", pa.float64()),
        ("top10_frac", pa.float64()),
        ("forward_citations", pa.int64()),
        ("fc_expected", pa.float64()),
        ("impact", pa.float64()),
        ("participants_on_output", pa.int64()),
    ]
)
"""``evidence["outputs"]`` of :func:`project_review`: every counted output with its impact."""


# -- goals -----------------------------------------------------------------------------------

_KINDS = r"(works?|publications?|papers?|articles?|patents?)"
_KV_RE = re.compile(rf"\b{_KINDS}\s*[:=]\s*(\d+)\b", re.IGNORECASE)
_NUM_RE = re.compile(rf"\b(\d+)\s+(?:[a-z][\w-]*\s+)?{_KINDS}\b", re.IGNORECASE)


def parse_goal_targets(goals: str | None) -> dict[str, int]:
    """Numeric output targets stated in a project's ``goals`` text.

    Two forms are read (case-insensitive): ``kind: N`` / ``kind=N`` (``works:10;patents:2``)
    and ``N [one word] kind`` (``10 peer-reviewed publications``, ``2 patents``), where kind is
    work(s), publication(s), paper(s) or article(s) (→ ``works``) or patent(s) (→ ``patents``).
    When a kind is stated more than once the largest number is kept. Free text without such
    numbers gives no targets.

    Examples
    --------
    >>> parse_goal_targets("works:10; patents:2")
    {'works': 10, 'patents': 2}
    >>> parse_goal_targets("Publish 12 peer-reviewed papers and file 3 patents.")
    {'works': 12, 'patents': 3}
    >>> parse_goal_targets("Demonstrate a 400 Wh/kg solid-state cell within 2 years.")
    {}
    """
    out: dict[str, int] = {}
    if not goals:
        return out

    def put(kind: str, n: str) -> None:
        k = "patents" if kind.lower().startswith("patent") else "works"
        out[k] = max(out.get(k, 0), int(n))

    for m in _KV_RE.finditer(goals):
        put(m.group(1), m.group(2))
    for m in _NUM_RE.finditer(goals):
        put(m.group(2), m.group(1))
    return out


# -- helpers -----------------------------------------------------------------------------------


def _as_of(cur: duckdb.DuckDBPyConnection, as_of: date | str | None) -> date:
    if as_of is None:
        y = cur.execute(
            """SELECT greatest((SELECT max(year) FROM works),
                               (SELECT max(coalesce(year, year(grant_date))) FROM patents))"""
        ).fetchall()[0][0]
        return date(int(y), 12, 31) if y is not None else date.today()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    try:
        return date.fromisoformat(str(as_of))
    except ValueError as e:
        raise InputError(f"as_of={as_of!r} is not a date (YYYY-MM-DD)") from e


def _years(d0: date, d1: date) -> float:
    """Years from d0 to d1, both days included."""
    return ((d1 - d0).days + 1) / 365.25


# -- review SQL ------------------------------------------------------------------------------

# Declared outputs up to as_of, with their year and normalised impact.
_OUTPUTS_SQL = """
CREATE OR REPLACE TEMP TABLE _pf_out AS
WITH o AS (
    SELECT DISTINCT project_id, lower(output_type) AS output_type, output_id
    FROM project_outputs
), wk AS (
    SELECT work_id, any_value(year) AS year FROM works GROUP BY work_id
), pt AS (
    SELECT patent_id, any_value(coalesce(year, year(grant_date))) AS year,
           any_value(grant_date) AS grant_date
    FROM patents GROUP BY patent_id
), fm AS (
    SELECT year, avg(forward_citations) AS m FROM _pf_fc
    WHERE forward_citations IS NOT NULL AND year IS NOT NULL GROUP BY year
)
SELECT o.project_id, o.output_type, o.output_id,
       CASE WHEN o.output_type = 'work' THEN wk.work_id IS NOT NULL
            ELSE pt.patent_id IS NOT NULL END AS in_store,
       CASE WHEN o.output_type = 'work' THEN wk.year ELSE pt.year END::INTEGER AS year,
       n.ncs, p.top10_frac, f.forward_citations, fm.m AS fc_expected,
       CASE WHEN o.output_type = 'work' THEN n.ncs
            WHEN fm.m > 0 THEN f.forward_citations / fm.m END AS impact
FROM o
LEFT JOIN wk ON o.output_type = 'work' AND wk.work_id = o.output_id
LEFT JOIN pt ON o.output_type = 'patent' AND pt.patent_id = o.output_id
LEFT JOIN _pf_ncs AS n ON o.output_type = 'work' AND n.work_id = o.output_id
LEFT JOIN _pf_pct AS p ON o.output_type = 'work' AND p.work_id = o.output_id
LEFT JOIN _pf_fc AS f ON o.output_type = 'patent' AND f.patent_id = o.output_id
LEFT JOIN fm ON fm.year = f.year
WHERE o.output_type IN ('work', 'patent')
  AND NOT coalesce(o.output_type = 'work' AND wk.year > year($as_of::DATE), false)
  AND NOT coalesce(o.output_type = 'patent' AND pt.grant_date > $as_of::DATE, false)
"""

# Participants and the keys they match on: their own id and the organisation it resolves to.
# Actors of a set of documents (_pf_docs: output_type, output_id) with the same kind of keys.
_ACTORS_SQL = """
CREATE OR REPLACE TEMP TABLE _pf_act AS
WITH ia AS (SELECT source_id, org_id FROM org_aliases WHERE source = 'institution'),
aa AS (SELECT source_id, org_id FROM org_aliases WHERE source = 'assignee'),
wa AS (
    SELECT DISTINCT a.work_id AS output_id, a.institution_id AS raw
    FROM authorships AS a
    JOIN (SELECT output_id FROM _pf_docs WHERE output_type = 'work') AS d
      ON d.output_id = a.work_id
    WHERE a.institution_id IS NOT NULL
), pa AS (
    SELECT DISTINCT a.patent_id AS output_id, a.assignee_id AS raw
    FROM patent_assignees AS a
    JOIN (SELECT output_id FROM _pf_docs WHERE output_type = 'patent') AS d
      ON d.output_id = a.patent_id
    WHERE a.assignee_id IS NOT NULL
)
SELECT DISTINCT output_type, output_id, k FROM (
    SELECT 'work' AS output_type, output_id, raw AS k FROM wa
    UNION ALL
    SELECT 'work', wa.output_id, ia.org_id FROM wa JOIN ia ON ia.source_id = wa.raw
    UNION ALL
    SELECT 'patent', output_id, raw FROM pa
    UNION ALL
    SELECT 'patent', pa.output_id, aa.org_id FROM pa JOIN aa ON aa.source_id = pa.raw
)
"""

# Participants present on each of their project's outputs.
_PRESENT_SQL = """
CREATE OR REPLACE TEMP TABLE _pf_po AS
SELECT DISTINCT o.project_id, o.output_type, o.output_id, pk.participant
FROM _pf_out AS o
JOIN _pf_act AS a USING (output_type, output_id)
JOIN _pf_pk AS pk ON pk.project_id = o.project_id AND pk.k = a.k
"""

_COLLAB_SQL = """
WITH parts AS (
    SELECT project_id, count(DISTINCT org_id) AS n FROM project_participants GROUP BY project_id
), present AS (
    SELECT project_id, count(DISTINCT participant) AS n FROM _pf_po GROUP BY project_id
), pairs AS (
    SELECT project_id, count(*) AS n FROM (
        SELECT DISTINCT a.project_id, a.participant AS p1, b.participant AS p2
        FROM _pf_po AS a JOIN _pf_po AS b
          ON a.project_id = b.project_id AND a.output_type = b.output_type
         AND a.output_id = b.output_id AND a.participant < b.participant)
    GROUP BY project_id
)
SELECT parts.project_id, parts.n AS participants, coalesce(present.n, 0) AS on_outputs,
       coalesce(pairs.n, 0) AS pairs
FROM parts LEFT JOIN present USING (project_id) LEFT JOIN pairs USING (project_id)
"""


def _review_rule(p: ReviewParams, params: dict[str, Any]) -> Rule:
    return Rule(
        name="project_review",
        statement="Per project at as_of: goal attainment G = mean of min(1, outputs ÷ target) "
        "over the numeric targets stated in goals, else min(1, outputs per year ÷ the median "
        "of the judged projects); impact I = mean normalised impact of its outputs (work: "
        f"field-normalised citation score; patent: {p.citation_window}-year forward "
        "citations ÷ grant-year mean). A project younger than min_age_years is too young to "
        "judge (continue). "
        "Otherwise withdraw if G < withdraw_below and the impact test fails (no outputs, or "
        "I < impact_baseline); review if G < review_below or the impact test fails; continue "
        "otherwise. Score = weighted mean of G, min(I/baseline, 2)/2, min(1, median cost per "
        "output ÷ cost per output) and realised ÷ planned participant pairs.",
        parameters=params,
        references=(
            "Cooper 1990, Stage-gate systems, Business Horizons 33(3)",
            "Waltman et al. 2011, doi:10.1016/j.joi.2010.08.001",
            "Squicciarini, Dernis & Criscuolo 2013, OECD STI WP 2013/03",
        ),
        conventions={"citation_window": p.citation_window},
    )


# -- review -------------------------------------------------------------------------------------


def project_review(
    store: Store,
    *,
    as_of: date | str | None = None,
    min_age_years: float = REVIEW.min_age_years,
    withdraw_below: float = REVIEW.withdraw_below,
    review_below: float = REVIEW.review_below,
    impact_baseline: float = REVIEW.impact_baseline,
    weights: Mapping[str, float] | None = REVIEW.weights,
    projects: Sequence[str] | None = None,
    citation_window: int = REVIEW.citation_window,
) -> DecisionResult:
    r"""Stage-gate review of the stored projects: continue, review or withdraw.

    Implements the review rule of this module's docstring.

    Parameters
    ----------
    store : Store
        The store (reads projects, project_participants, project_outputs, works, patents,
        their citations, authorships, patent_assignees and org_aliases).
    as_of : date or "YYYY-MM-DD", optional
        The review date (default: 31 December of the latest work or grant year in the store).
        Projects starting after it are left out.
    min_age_years : float, default 2
        A project younger than this is too young to judge.
    withdraw_below, review_below : float, default 0.25, 0.5
        Goal-attainment thresholds of the stage gate (``withdraw_below ≤ review_below``).
    impact_baseline : float, default 1.0
        The impact test fails below this (1 = the world average of the outputs' fields and
        cohorts).
    weights : mapping, optional
        Weights of the score components ``goals``, ``impact``, ``cost``, ``collaboration``
        (default 1 each).
    projects : sequence of str, optional
        Review only these project ids (the portfolio medians still use every project).
    citation_window : int, default 5
        Years after grant in which a linked patent's forward citations count (recorded in
        ``rule.conventions``).

    The defaults and checks are those of :class:`~forcemap.decide.params.ReviewParams`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`REVIEW_SCHEMA`, one row per project (withdraw first, then review,
        then continue, by score); ``evidence["outputs"]``: :data:`OUTPUT_SCHEMA`;
        ``evidence["benchmarks"]``: the portfolio medians used.

    Raises
    ------
    InputError
        A bad parameter, an unknown project id, or no project to review.
    StoreError
        A query failed.
    """
    rp = ReviewParams(
        min_age_years=min_age_years,
        withdraw_below=withdraw_below,
        review_below=review_below,
        impact_baseline=impact_baseline,
        weights=weights,
        citation_window=citation_window,
    )
    w = check_weights(weights, REVIEW_COMPONENTS, "review")

    from forcemap.indicators.impact import field_normalised_citation_score, percentile_rank
    from forcemap.indicators.patent_value import forward_citations

    with store.query_cursor("portfolio") as cur:
        synthetic = is_synthetic(cur)
        day = _as_of(cur, as_of)
        rows = cur.execute(
            """SELECT project_id, any_value(title), any_value(programme),
                      any_value(start_date), any_value(end_date), any_value(budget),
                      any_value(currency), any_value(goals), any_value(status)
               FROM projects GROUP BY project_id ORDER BY project_id"""
        ).fetchall()
    if not rows:
        raise InputError(f"no projects in {store.path}: ingest a project folder first")
    if projects is not None:
        known = {r[0] for r in rows}
        missing = [p for p in projects if p not in known]
        if missing:
            raise InputError(f"unknown project id(s): {', '.join(missing[:10])}")
    ncs = field_normalised_citation_score(store).select(["work_id", "ncs"])
    pct = percentile_rank(store).select(["work_id", "top10_frac"])
    fc = forward_citations(store, window=rp.citation_window)
    with store.query_cursor("portfolio") as cur:
        register(cur, "_pf_ncs", ncs)
        register(cur, "_pf_pct", pct)
        register(cur, "_pf_fc", fc)
        cur.execute(_OUTPUTS_SQL, {"as_of": day})
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _pf_docs AS "
            "SELECT DISTINCT output_type, output_id FROM _pf_out WHERE in_store"
        )
        cur.execute(PARTICIPANT_KEYS_SQL)
        cur.execute(_ACTORS_SQL)
        cur.execute(_PRESENT_SQL)
        outputs = cur.sql(
            """SELECT o.*, coalesce(n.n, 0) AS participants_on_output
               FROM _pf_out AS o
               LEFT JOIN (SELECT project_id, output_type, output_id, count(*) AS n
                          FROM _pf_po GROUP BY ALL) AS n
                      USING (project_id, output_type, output_id)
               ORDER BY project_id, output_type DESC, output_id"""
        ).to_arrow_table()
        collab = {r[0]: r[1:] for r in cur.execute(_COLLAB_SQL).fetchall()}
    outputs = outputs.cast(OUTPUT_SCHEMA)

    by_project: dict[str, list[dict[str, Any]]] = {}
    for o in outputs.to_pylist():
        by_project.setdefault(o["project_id"], []).append(o)

    recs: list[dict[str, Any]] = []
    not_started = 0
    for pid, title, prog, start, end, budget, currency, goals, status in rows:
        if start is not None and start > day:
            not_started += 1
            continue
        outs = by_project.get(pid, [])
        n_w = sum(o["output_type"] == "work" for o in outs)
        n_p = len(outs) - n_w
        age = _years(start, day) if start is not None else None
        elapsed = None
        if start is not None:
            stop = min(end, day) if end is not None else day
            elapsed = max(1.0, _years(start, stop))
        works = [o for o in outs if o["output_type"] == "work" and o["in_store"]]
        pats = [o for o in outs if o["output_type"] == "patent" and o["in_store"]]
        ncs_v = [o["ncs"] for o in works if o["ncs"] is not None]
        top_v = [o["top10_frac"] for o in works if o["top10_frac"] is not None]
        fc_v = [o for o in pats if o["forward_citations"] is not None and o["fc_expected"]]
        imp_v = [o["impact"] for o in outs if o["impact"] is not None]
        n_part, on_out, pairs = collab.get(pid, (0, 0, 0))
        planned = n_part * (n_part - 1) // 2
        targets = parse_goal_targets(goals)
        recs.append(
            {
                "project_id": pid,
                "title": title,
                "programme": prog,
                "status": status,
                "start_date": start,
                "end_date": end,
                "age_years": age,
                "judged": age is not None and age >= min_age_years,
                "budget": budget,
                "currency": currency,
                "works": n_w,
                "patents": n_p,
                "outputs_in_store": len(works) + len(pats),
                "work_target": targets.get("works"),
                "patent_target": targets.get("patents"),
                "goal_basis": "targets" if targets else "rate",
                "outputs_per_year": (n_w + n_p) / elapsed if elapsed else None,
                "mean_ncs": sum(ncs_v) / len(ncs_v) if ncs_v else None,
                "top10_share": sum(top_v) / len(top_v) if top_v else None,
                "patent_fc": (
                    sum(o["forward_citations"] for o in fc_v) / len(fc_v) if fc_v else None
                ),
                "patent_fc_expected": (
                    sum(o["fc_expected"] for o in fc_v) / len(fc_v) if fc_v else None
                ),
                "patent_fc_ratio": (
                    sum(o["forward_citations"] / o["fc_expected"] for o in fc_v) / len(fc_v)
                    if fc_v
                    else None
                ),
                "impact": sum(imp_v) / len(imp_v) if imp_v else None,
                "cost_per_output": (
                    budget / (n_w + n_p) if budget is not None and n_w + n_p else None
                ),
                "participants": n_part,
                "participants_on_outputs": on_out,
                "participant_share": on_out / n_part if n_part else None,
                "pairs_realised": pairs,
                "pairs_planned": planned,
                "collaboration": pairs / planned if planned else None,
                "_targets": targets,
            }
        )
    if not recs:
        raise InputError(f"no project of {store.path} has started by {day.isoformat()}")

    judged_rates = [r["outputs_per_year"] for r in recs if r["judged"]]
    rate_pool = judged_rates if judged_rates else [r["outputs_per_year"] for r in recs]
    median_rate = median(rate_pool)
    median_cpo = median([r["cost_per_output"] for r in recs])

    for r in recs:
        _gate(r, median_rate, median_cpo, withdraw_below, review_below, impact_baseline, w)

    if projects is not None:
        keep = set(projects)
        recs = [r for r in recs if r["project_id"] in keep]
        outputs = outputs.filter(pc.is_in(outputs["project_id"], pa.array(list(keep), pa.string())))
    order = {"withdraw": 0, "review": 1, "continue": 2}
    recs.sort(key=lambda r: (order[r["recommendation"]], r["score"] or 0.0, r["project_id"]))
    table = pa.Table.from_pylist(
        [{k: v for k, v in r.items() if not k.startswith("_")} for r in recs],
        schema=REVIEW_SCHEMA,
    )
    params: dict[str, Any] = {
        "as_of": day.isoformat(),
        "min_age_years": min_age_years,
        "withdraw_below": withdraw_below,
        "review_below": review_below,
        "impact_baseline": impact_baseline,
        "weights": w,
    }
    benchmarks = pa.table(
        {
            "as_of": pa.array([day], pa.date32()),
            "projects": pa.array([len(recs)], pa.int64()),
            "judged": pa.array([sum(r["judged"] for r in recs)], pa.int64()),
            "median_outputs_per_year": pa.array([median_rate], pa.float64()),
            "median_cost_per_output": pa.array([median_cpo], pa.float64()),
            "impact_baseline": pa.array([impact_baseline], pa.float64()),
        }
    )
    result = DecisionResult(
        name="project_review",
        table=table,
        rule=_review_rule(rp, params),
        evidence={"outputs": outputs, "benchmarks": benchmarks},
        synthetic=synthetic,
    )
    _review_caveats(result, recs, outputs, not_started, median_rate, min_age_years, day)
    return result


def _cost_component(n_out: int, cpo: float | None, median_cpo: float | None) -> float | None:
    """min(1, median cost per output ÷ the project's); 0 without outputs; None unknown."""
    if n_out == 0:
        return 0.0
    if cpo is None or not median_cpo:
        return None
    return min(1.0, median_cpo / cpo) if cpo > 0 else 1.0


def _gate(
    r: dict[str, Any],
    median_rate: float | None,
    median_cpo: float | None,
    withdraw_below: float,
    review_below: float,
    baseline: float,
    w: dict[str, float],
) -> None:
    """Goal attainment, score and recommendation of one project (in place)."""
    targets: dict[str, int] = r["_targets"]
    n_out = r["works"] + r["patents"]
    if targets:
        got = {"works": r["works"], "patents": r["patents"]}
        parts = [min(1.0, got[k] / t) if t > 0 else 1.0 for k, t in targets.items()]
        ratio = sum(got[k] / t if t > 0 else 1.0 for k, t in targets.items()) / len(targets)
        attain: float | None = sum(parts) / len(parts)
    elif r["outputs_per_year"] is not None and median_rate:
        ratio = r["outputs_per_year"] / median_rate
        attain = min(1.0, ratio)
    else:
        ratio = attain = None
    r["goal_ratio"] = ratio
    r["goal_attainment"] = attain

    impact = r["impact"]
    if n_out == 0:
        impact_fail, impact_note = True, "no outputs"
    elif impact is None:
        impact_fail, impact_note = False, "outputs without measurable impact"
    else:
        impact_fail = impact < baseline
        impact_note = f"impact {impact:.2f} {'<' if impact_fail else '≥'} {baseline:g}"

    comps: dict[str, float | None] = {
        "goals": attain,
        "impact": 0.0
        if n_out == 0
        else (None if impact is None else min(impact / baseline, 2) / 2),
        "cost": _cost_component(n_out, r["cost_per_output"], median_cpo),
        "collaboration": r["collaboration"],
    }
    num = sum(w[k] * v for k, v in comps.items() if v is not None)
    den = sum(w[k] for k, v in comps.items() if v is not None)
    r["score"] = num / den if den > 0 else None

    goal_note = (
        "goal attainment unknown"
        if attain is None
        else f"goal attainment {attain:.2f} ({r['goal_basis']})"
    )
    if not r["judged"]:
        rec = "continue"
        why = (
            "no start_date: age unknown, not judged"
            if r["age_years"] is None
            else f"too young to judge ({r['age_years']:.1f} < min age)"
        )
        reasons = [why, goal_note, impact_note]
    elif attain is not None and attain < withdraw_below and impact_fail:
        rec, reasons = "withdraw", [f"{goal_note} < {withdraw_below:g}", impact_note]
    elif (attain is not None and attain < review_below) or impact_fail:
        rec = "review"
        reasons = [
            f"{goal_note} < {review_below:g}"
            if attain is not None and attain < review_below
            else goal_note,
            impact_note,
        ]
    else:
        rec, reasons = "continue", [goal_note, impact_note]
    r["recommendation"] = rec
    r["reasons"] = "; ".join(reasons)


def _review_caveats(
    result: DecisionResult,
    recs: list[dict[str, Any]],
    outputs: pa.Table,
    not_started: int,
    median_rate: float | None,
    min_age: float,
    day: date,
) -> None:
    result.warn(
        "Outputs are only those listed in project_outputs: undeclared works and patents are "
        "not credited, and declared ones are taken at face value."
    )
    young = [r["project_id"] for r in recs if not r["judged"]]
    if young:
        result.warn(
            f"{len(young)} project(s) started less than {min_age:g} years before "
            f"{day.isoformat()} (or have no start date) and are too young to judge: "
            f"{', '.join(young[:10])}{' …' if len(young) > 10 else ''}; recommended continue."
        )
    if not_started:
        result.warn(f"{not_started} project(s) start after {day.isoformat()} and were left out.")
    missing = outputs.num_rows - sum(outputs["in_store"].to_pylist())
    if missing:
        result.warn(
            f"{missing} declared output(s) are not in the store: they count towards goals and "
            "cost per output but carry no impact or collaboration evidence."
        )
    rate_based = sum(r["goal_basis"] == "rate" for r in recs)
    if rate_based:
        mr = "undefined" if median_rate is None else f"{median_rate:.2f}"
        result.warn(
            f"{rate_based} project(s) state no numeric targets in goals: their attainment is "
            f"outputs per year relative to the portfolio median ({mr} per year)."
        )
    result.warn(
        "Citations are counted in the store up to the data horizon, not up to as_of; recent "
        "outputs have had little time to be cited (field-year and grant-year normalisation "
        "absorbs part of it)."
    )
    if result.synthetic:
        result.warn("SYNTHETIC DATA: the projects and their outputs are generated.")
