r"""Project portfolio: stage-gate review of research projects and budget allocation (C10).

Review
------
:func:`project_review` judges every project of ``projects`` at a date ``as_of`` (default: the
31 December of the latest publication or grant year in the store, the horizon of the data).
Outputs are the works and patents **listed in** ``project_outputs`` (nothing is inferred from
acknowledgements); an output dated after ``as_of`` (work year > year of ``as_of``, patent
granted after it) is left out. For a project *p* with start :math:`s_p`, end :math:`e_p`:

* **age** :math:`a_p = (\text{as\_of} - s_p + 1\,\text{day}) / 365.25` years; the project is
  *judged* when :math:`a_p \ge` ``min_age_years`` (2), otherwise it is *too young to judge*;
* **elapsed duration** :math:`d_p = \max\bigl(1, (\min(e_p, \text{as\_of}) - s_p +
  1\,\text{day}) / 365.25\bigr)` years (floored at one year), and **output rate**
  :math:`r_p = (\text{works} + \text{patents}) / d_p`;
* **goal attainment** :math:`G_p \in [0, 1]`. When ``goals`` states numeric targets (see
  :func:`parse_goal_targets`: ``works: 10; patents: 2``, or ``10 publications``, ``2 patents``
  in the text), :math:`G_p` is the mean over the stated kinds *k* of
  :math:`\min(1, n_{pk} / T_{pk})` (basis ``targets``). Otherwise (``goals`` is free text, as in
  the synthetic world) it is the output rate relative to the **portfolio median**:
  :math:`G_p = \min(1, r_p / \tilde r)`, :math:`\tilde r` the median rate of the judged
  projects (of all projects when none is judged; basis ``rate``; undefined when
  :math:`\tilde r = 0`). ``goal_ratio`` keeps the uncapped ratio;
* **impact** :math:`I_p` = the mean, over the project's outputs in the store with a defined
  value, of the normalised impact of each output: a work's field-normalised citation score
  (:func:`~forcemap.indicators.impact.field_normalised_citation_score`: citations over the mean
  of its field, year and type; world baseline 1), a patent's 5-year forward citations over the
  mean of its grant-year cohort
  (:func:`~forcemap.indicators.patent_value.forward_citations`; baseline 1). The table also
  gives the parts: ``mean_ncs``, ``top10_share`` (mean Waltman–Schreiber top-10 % share of the
  linked works; world baseline 0.10), ``patent_fc`` and ``patent_fc_expected`` (mean forward
  citations of the linked patents and of their cohorts), ``patent_fc_ratio``;
* **cost per output** :math:`c_p = \text{budget} / (\text{works} + \text{patents})`;
* **collaboration** realised vs planned: with :math:`P_p` the distinct participants, a
  participant is *on* an output when it is an authorship institution of the work or an assignee
  of the patent (matched on the participant's ``org_id`` or the organisation it resolves to in
  ``org_aliases``). ``participant_share`` = participants on at least one output ÷
  :math:`|P_p|`; ``collaboration`` = participant pairs that share at least one output ÷
  :math:`\binom{|P_p|}{2}` (undefined for a single participant).

**Stage gate** (thresholds are parameters). The impact test *fails* when the project has no
output, or :math:`I_p <` ``impact_baseline`` (1); a project whose outputs have no measurable
impact (e.g. every work in an uncited reference set) does not fail it (said in ``reasons``).

* **withdraw** — judged, :math:`G_p <` ``withdraw_below`` (0.25) *and* the impact test fails;
* **review** — judged and :math:`G_p <` ``review_below`` (0.5) *or* the impact test fails;
* **continue** — otherwise, including every project too young to judge.

An undefined :math:`G_p` fails neither goal test. Completed and terminated projects get a
recommendation too: read it as their track record.

**Score** :math:`S_p \in [0, 1]` (the past performance used by :func:`allocate_budget`) is the
weighted mean of the defined components (``weights``, default 1 each): ``goals``
:math:`G_p`; ``impact`` :math:`\min(I_p / \text{impact\_baseline}, 2) / 2` (0 without
outputs; baseline → 0.5); ``cost`` :math:`\min(1, \tilde c / c_p)` with :math:`\tilde c` the
portfolio median cost per output (0 without outputs); ``collaboration`` as above.

Allocation
----------
:func:`allocate_budget` chooses a set of candidate projects, :math:`x_p \in \{0, 1\}`, whose
requested budgets (``projects.budget``) :math:`b_p` fit the budget *B* and whose expected
strategic value is largest:

.. math::

    \max \sum_p v_p x_p \quad\text{s.t.}\quad \sum_p b_p x_p \le B,\quad
    \sum_{p \in I} x_p \ge m_I,\quad \sum_{p \in I} b_p x_p \le \sigma_I B
    \quad \forall I,

    v_p = w_{pri}\,\pi_{I(p)} + w_{pos}\,\kappa_{I(p)} + w_{bn}\,\beta_p + w_{perf}\,S_p,

every term in [0, 1]:

* **industry** :math:`I(p)` — the catalog industry holding the largest fractional share of the
  project's outputs (:func:`~forcemap.store.slices.industry_works` /
  :func:`~forcemap.store.slices.industry_patents`; an output in *k* industries counts 1/k in
  each; ties → alphabetical); failing that, of its participants' works and patents (basis
  ``participants``); else unassigned (no industry terms, no balance constraint);
* **industry priority** :math:`\pi_I = \omega_I / \max_J \omega_J` from ``industry_priority``
  (default: every industry 1);
* **positioning** :math:`\kappa_I` — the home country's class in *I*
  (:func:`~forcemap.decide.positioning.positioning`) mapped by ``positioning_values``:
  catch-up 1, parallel 0.5, leading 0.25 — catch-up industries are where concerted national
  breakthroughs on core technologies are called for (Bai et al. 2021, §4.1); 0 when the
  industry has no positioning;
* **bottleneck relevance** :math:`\beta_p` — the largest bottleneck score
  (:func:`~forcemap.decide.bottlenecks.bottlenecks`, CPC main groups) among the bottleneck
  candidates of the country that the project's patents touch, divided by the largest candidate
  score (so the worst bottleneck = 1); 0 when its patents touch none;
* **performance** :math:`S_p` — the review score; a project too young to judge gets the median
  score of the judged projects (a neutral prior: youth is neither rewarded nor punished).

:math:`m_I` = ``min_per_industry`` and :math:`\sigma_I` = ``max_share_per_industry`` (a number
for every industry, or a mapping). A tie-breaking term :math:`-10^{-7} b_p / B` prefers the
cheaper of equal-value selections. The model is solved by HiGHS through
:func:`scipy.optimize.milp` within ``time_limit`` seconds; ``method="greedy"``, or a MILP
without a solution or with one worse than the greedy's, uses the greedy heuristic (first the
best value-per-cost projects of every industry short of its minimum, then the best value per
cost overall, each only if it fits the budget and its industry cap), labelled in
``method_used`` and the caveats. Requests no selection can meet raise
:class:`~forcemap.errors.InputError` whose message names the constraint.

References
----------
Cooper, R. G. (1990). Stage-gate systems: a new tool for managing new products. Business
Horizons 33(3), 44–54. Waltman L. et al. (2011). doi:10.1016/j.joi.2010.08.001 (MNCS).
Squicciarini M., Dernis H. & Criscuolo C. (2013). OECD STI WP 2013/03 (forward citations).
Bai G. et al. (2021). Strategic Study of CAE 23(6), §4.1. Huangfu Q. & Hall J. A. J. (2018).
Math. Prog. Comp. 10, 119–142 (HiGHS).
"""

from __future__ import annotations

import math
import re
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from forcemap.decide._scope import register
from forcemap.decide.result import DecisionResult, Rule, check_weights, is_synthetic
from forcemap.errors import InputError
from forcemap.store.store import Store

__all__ = [
    "ALLOCATION_SCHEMA",
    "DEFAULT_POSITIONING_VALUES",
    "FINISHED_STATUSES",
    "REVIEW_SCHEMA",
    "Allocation",
    "allocate_budget",
    "parse_goal_targets",
    "project_review",
    "solve_allocation",
]

REVIEW_COMPONENTS = ("goals", "impact", "cost", "collaboration")
VALUE_COMPONENTS = ("industry_priority", "positioning", "bottleneck", "performance")
DEFAULT_POSITIONING_VALUES = {"catch-up": 1.0, "parallel": 0.5, "leading": 0.25}
FINISHED_STATUSES = frozenset(
    {"completed", "complete", "finished", "closed", "ended", "terminated", "withdrawn",
     "cancelled", "canceled"}
)  # fmt: skip
"""Statuses (lower case) that take a project out of the default candidates."""

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

ALLOCATION_SCHEMA = pa.schema(
    [
        ("project_id", pa.string()),
        ("title", pa.string()),
        ("selected", pa.bool_()),
        ("cost", pa.float64()),
        ("value", pa.float64()),
        ("value_per_million", pa.float64()),
        ("industry", pa.string()),
        ("industry_basis", pa.string()),
        ("industry_priority", pa.float64()),
        ("positioning_class", pa.string()),
        ("positioning", pa.float64()),
        ("bottleneck", pa.float64()),
        ("bottleneck_groups", pa.string()),
        ("performance", pa.float64()),
        ("performance_basis", pa.string()),
        ("recommendation", pa.string()),
    ]
)
"""Output of :func:`allocate_budget` (one row per candidate; selected first, by value)."""

INDUSTRY_SCHEMA = pa.schema(
    [
        ("industry", pa.string()),
        ("candidates", pa.int64()),
        ("selected", pa.int64()),
        ("cost_selected", pa.float64()),
        ("budget_share", pa.float64()),
        ("min_projects", pa.int64()),
        ("max_share", pa.float64()),
    ]
)
"""``evidence["industries"]`` of :func:`allocate_budget`."""


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


def _median(values: Sequence[float | None]) -> float | None:
    v = [x for x in values if x is not None]
    return float(statistics.median(v)) if v else None


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
_PARTICIPANT_KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE _pf_pk AS
SELECT DISTINCT project_id, participant, k FROM (
    SELECT project_id, org_id AS participant, org_id AS k FROM project_participants
    UNION ALL
    SELECT pp.project_id, pp.org_id, al.org_id
    FROM project_participants AS pp
    JOIN org_aliases AS al ON al.source = 'participant' AND al.source_id = pp.org_id
)
"""

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


def _review_rule(params: dict[str, Any]) -> Rule:
    return Rule(
        name="project_review",
        statement="Per project at as_of: goal attainment G = mean of min(1, outputs ÷ target) "
        "over the numeric targets stated in goals, else min(1, outputs per year ÷ the median "
        "of the judged projects); impact I = mean normalised impact of its outputs (work: "
        "field-normalised citation score; patent: 5-year forward citations ÷ grant-year "
        "mean). A project younger than min_age_years is too young to judge (continue). "
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
    )


# -- review -------------------------------------------------------------------------------------


def project_review(
    store: Store,
    *,
    as_of: date | str | None = None,
    min_age_years: float = 2.0,
    withdraw_below: float = 0.25,
    review_below: float = 0.5,
    impact_baseline: float = 1.0,
    weights: Mapping[str, float] | None = None,
    projects: Sequence[str] | None = None,
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
    if min_age_years < 0:
        raise InputError(f"min_age_years={min_age_years} must be ≥ 0")
    if not 0 <= withdraw_below <= review_below:
        raise InputError(
            f"need 0 ≤ withdraw_below ≤ review_below, got {withdraw_below} and {review_below}"
        )
    if not impact_baseline > 0:
        raise InputError(f"impact_baseline={impact_baseline} must be positive")
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
    fc = forward_citations(store, window=5)
    with store.query_cursor("portfolio") as cur:
        register(cur, "_pf_ncs", ncs)
        register(cur, "_pf_pct", pct)
        register(cur, "_pf_fc", fc)
        cur.execute(_OUTPUTS_SQL, {"as_of": day})
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _pf_docs AS "
            "SELECT DISTINCT output_type, output_id FROM _pf_out WHERE in_store"
        )
        cur.execute(_PARTICIPANT_KEYS_SQL)
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
    median_rate = _median(rate_pool)
    median_cpo = _median([r["cost_per_output"] for r in recs])

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
        rule=_review_rule(params),
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


# -- allocation: the solver -------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """A solved selection: item indices, objective (Σ values), and how it was found."""

    selected: np.ndarray
    objective: float
    cost: float
    method_used: str
    status: str
    seconds: float
    bound: float | None = None
    mip_gap: float | None = None
    milp_objective: float | None = None
    greedy_objective: float | None = None


def _balance(
    groups: Sequence[str | None],
    min_per_group: int | Mapping[str, int] | None,
    max_share_per_group: float | Mapping[str, float] | None,
) -> tuple[dict[str, int], dict[str, float]]:
    present = sorted({g for g in groups if g is not None})
    if min_per_group is None:
        mins: dict[str, int] = {}
    elif isinstance(min_per_group, Mapping):
        mins = {str(k): int(v) for k, v in min_per_group.items()}
    else:
        mins = dict.fromkeys(present, int(min_per_group))
    if max_share_per_group is None:
        caps: dict[str, float] = {}
    elif isinstance(max_share_per_group, Mapping):
        caps = {str(k): float(v) for k, v in max_share_per_group.items()}
    else:
        caps = dict.fromkeys(present, float(max_share_per_group))
    bad = {k: v for k, v in mins.items() if v < 0}
    if bad:
        raise InputError(f"min_per_industry must be ≥ 0: {bad}")
    bad_c = {k: v for k, v in caps.items() if not 0 <= v <= 1}
    if bad_c:
        raise InputError(f"max_share_per_industry must be in [0, 1]: {bad_c}")
    return {k: v for k, v in mins.items() if v > 0}, caps


def _infeasible(
    costs: np.ndarray,
    groups: Sequence[str | None],
    budget: float,
    mins: dict[str, int],
    caps: dict[str, float],
) -> str | None:
    """A plain explanation when the counting checks already show no selection exists."""
    tol = 1e-9 * max(1.0, budget)
    need = 0.0
    for g, m in sorted(mins.items()):
        idx = [i for i, x in enumerate(groups) if x == g]
        if len(idx) < m:
            return (
                f"industry {g!r} must get at least {m} project(s) but has only {len(idx)} "
                "candidate(s); lower min_per_industry or add candidates"
            )
        cheapest = float(np.sort(costs[idx])[:m].sum())
        need += cheapest
        if g in caps and cheapest > caps[g] * budget + tol:
            return (
                f"industry {g!r}: its {m} cheapest candidate(s) cost {cheapest:,.0f}, more than "
                f"its cap of {caps[g]:.0%} of the budget ({caps[g] * budget:,.0f}); raise "
                "max_share_per_industry or lower min_per_industry"
            )
    if need > budget + tol:
        return (
            f"the minimum selections of min_per_industry cost at least {need:,.0f}, more than "
            f"the budget of {budget:,.0f}; raise the budget or lower min_per_industry"
        )
    return None


def _greedy(
    costs: np.ndarray,
    values: np.ndarray,
    gidx: np.ndarray,
    budget: float,
    mins: np.ndarray,
    caps: np.ndarray,
) -> np.ndarray | None:
    """Greedy by value per cost; minima first; None when it cannot meet the minima."""
    n = costs.size
    tol = 1e-9 * max(1.0, budget)
    ratio = np.where(costs > 0, values / np.where(costs > 0, costs, 1.0), np.inf)
    order = np.lexsort((np.arange(n), -values, -ratio))
    chosen = np.zeros(n, dtype=bool)
    spent = 0.0
    spent_g = np.zeros(mins.size)
    count_g = np.zeros(mins.size, np.int64)

    def fits(i: int) -> bool:
        g = gidx[i]
        if spent + costs[i] > budget + tol:
            return False
        return g < 0 or spent_g[g] + costs[i] <= caps[g] * budget + tol

    def add(i: int) -> None:
        nonlocal spent
        chosen[i] = True
        spent += costs[i]
        if gidx[i] >= 0:
            spent_g[gidx[i]] += costs[i]
            count_g[gidx[i]] += 1

    for g in np.flatnonzero(mins > 0):
        for i in order:
            if count_g[g] >= mins[g]:
                break
            if gidx[i] == g and not chosen[i] and fits(int(i)):
                add(int(i))
        if count_g[g] < mins[g]:
            return None
    for i in order:
        if not chosen[i] and values[i] > 0 and fits(int(i)):
            add(int(i))
    return np.flatnonzero(chosen)


def _milp(
    costs: np.ndarray,
    values: np.ndarray,
    gidx: np.ndarray,
    budget: float,
    mins: np.ndarray,
    caps: np.ndarray,
    time_limit: float,
) -> tuple[np.ndarray | None, str, float | None, float | None]:
    n = costs.size
    scale = max(budget, 1e-12)
    c = -values + 1e-7 * max(1.0, float(values.max(initial=0.0))) * costs / scale
    rows = [sp.csr_matrix(costs.reshape(1, n))]
    lo = [-np.inf]
    hi = [budget]
    for g in range(mins.size):
        idx = np.flatnonzero(gidx == g)
        if mins[g] > 0:
            rows.append(sp.csr_matrix((np.ones(idx.size), (np.zeros(idx.size), idx)), (1, n)))
            lo.append(float(mins[g]))
            hi.append(np.inf)
        if caps[g] < np.inf:
            rows.append(sp.csr_matrix((costs[idx], (np.zeros(idx.size), idx)), (1, n)))
            lo.append(-np.inf)
            hi.append(caps[g] * budget)
    res = milp(
        c,
        constraints=LinearConstraint(sp.vstack(rows, format="csr"), np.array(lo), np.array(hi)),
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), np.ones(n)),
        options={"time_limit": float(time_limit), "disp": False, "mip_rel_gap": 1e-9},
    )
    status = {0: "optimal", 1: "time limit", 2: "infeasible", 3: "unbounded"}.get(
        res.status, "solver failure"
    )
    if res.x is None:
        return None, f"{status}: {res.message}", None, None
    bound = getattr(res, "mip_dual_bound", None)
    gap = getattr(res, "mip_gap", None)
    return (
        np.flatnonzero(res.x > 0.5),
        status,
        None if bound is None else -float(bound),
        None if gap is None else float(gap),
    )


def solve_allocation(
    costs: Sequence[float] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    budget: float,
    *,
    groups: Sequence[str | None] | None = None,
    min_per_group: int | Mapping[str, int] | None = None,
    max_share_per_group: float | Mapping[str, float] | None = None,
    time_limit: float = 10.0,
    method: str = "milp",
) -> Allocation:
    r"""0/1 knapsack with balance constraints: :math:`\max \sum v_i x_i` s.t.
    :math:`\sum c_i x_i \le B`, at least ``min_per_group`` items per group and at most
    ``max_share_per_group`` × B spent per group (a number for every group, or a mapping).

    Solved by HiGHS (:func:`scipy.optimize.milp`); ``method="greedy"`` or a failed MILP
    uses the greedy heuristic (see the module docstring).

    Raises
    ------
    InputError
        Bad inputs, or no selection meets the constraints (the message says which).

    Examples
    --------
    >>> a = solve_allocation([6, 5, 5], [10, 6, 6], 10)
    >>> a.selected.tolist(), a.objective
    ([1, 2], 12.0)
    """
    t0 = time.perf_counter()
    c = np.asarray(costs, dtype=float)
    v = np.asarray(values, dtype=float)
    if c.ndim != 1 or c.shape != v.shape:
        raise InputError("costs and values must be sequences of the same length")
    if method not in ("milp", "greedy"):
        raise InputError(f"method={method!r} must be 'milp' or 'greedy'")
    if not (math.isfinite(budget) and budget >= 0):
        raise InputError(f"budget={budget!r} must be a non-negative number")
    if (c < 0).any() or not np.isfinite(c).all() or not np.isfinite(v).all():
        raise InputError("costs must be finite and ≥ 0, values finite")
    if time_limit <= 0:
        raise InputError(f"time_limit={time_limit} must be positive")
    g = list(groups) if groups is not None else [None] * c.size
    if len(g) != c.size:
        raise InputError("groups must have one label per item")
    mins_d, caps_d = _balance(g, min_per_group, max_share_per_group)
    why = _infeasible(c, g, budget, mins_d, caps_d)
    if why:
        raise InputError(f"no selection is feasible: {why}")
    names = sorted({x for x in g if x is not None} | set(mins_d) | set(caps_d))
    code = {k: i for i, k in enumerate(names)}
    gidx = np.array([code[x] if x is not None else -1 for x in g], np.int64)
    mins = np.array([mins_d.get(k, 0) for k in names], np.int64)
    caps = np.array([caps_d.get(k, np.inf) for k in names], float)

    greedy = _greedy(c, v, gidx, budget, mins, caps)
    g_obj = None if greedy is None else float(v[greedy].sum())
    bound = gap = milp_obj = None
    if method == "greedy":
        if greedy is None:
            raise InputError(
                "no selection is feasible by the greedy heuristic under min_per_industry and "
                "max_share_per_industry; try method='milp'"
            )
        chosen, method_used, status = greedy, "greedy", "greedy (requested)"
    else:
        got, status, bound, gap = _milp(c, v, gidx, budget, mins, caps, time_limit)
        if got is None:
            if status.startswith("infeasible"):
                raise InputError(
                    "no selection is feasible: the budget, min_per_industry and "
                    "max_share_per_industry cannot be met together (each holds on its own); "
                    "relax one of them"
                )
            if greedy is None:
                raise InputError(
                    f"the MILP failed ({status}) and the greedy heuristic found no selection "
                    "meeting the constraints"
                )
            chosen, method_used = greedy, f"greedy (fallback: MILP {status})"
        else:
            milp_obj = float(v[got].sum())
            if g_obj is not None and milp_obj + 1e-9 < g_obj:
                chosen, method_used = greedy, f"greedy (better than the MILP's {status} solution)"
            else:
                chosen = got
                method_used = "milp" if status == "optimal" else f"milp ({status})"
    return Allocation(
        selected=np.asarray(chosen, np.int64),
        objective=float(v[chosen].sum()),
        cost=float(c[chosen].sum()),
        method_used=method_used,
        status=status,
        seconds=time.perf_counter() - t0,
        bound=bound,
        mip_gap=gap,
        milp_objective=milp_obj,
        greedy_objective=g_obj,
    )


# -- allocation: the decision -----------------------------------------------------------------

# Fractional industry shares of documents (_pf_wi: work_id, industry; _pf_pi: patent_id, industry).
_DOC_INDUSTRY_SQL = """
CREATE OR REPLACE TEMP TABLE _pf_di AS
SELECT 'work' AS output_type, work_id AS output_id, industry,
       1.0 / count(*) OVER (PARTITION BY work_id) AS w
FROM (SELECT DISTINCT work_id, industry FROM _pf_wi)
UNION ALL
SELECT 'patent', patent_id, industry, 1.0 / count(*) OVER (PARTITION BY patent_id)
FROM (SELECT DISTINCT patent_id, industry FROM _pf_pi)
"""

_INDUSTRY_BY_OUTPUTS_SQL = """
SELECT o.project_id, d.industry, sum(d.w) AS v
FROM (SELECT DISTINCT project_id, output_type, output_id FROM _pf_rev_out) AS o
JOIN _pf_di AS d USING (output_type, output_id)
GROUP BY ALL
"""

# Participants' own documents: every work / patent whose actors match a participant key (the
# actor's raw id or the organisation it resolves to).
_INDUSTRY_BY_PARTICIPANTS_SQL = """
WITH ia AS (
    SELECT source_id, org_id FROM org_aliases WHERE source = 'institution'
), aa AS (
    SELECT source_id, org_id FROM org_aliases WHERE source = 'assignee'
), act AS (
    SELECT 'work' AS output_type, work_id AS output_id, institution_id AS k
    FROM authorships WHERE institution_id IS NOT NULL
    UNION ALL
    SELECT 'work', a.work_id, ia.org_id
    FROM authorships AS a JOIN ia ON ia.source_id = a.institution_id
    UNION ALL
    SELECT 'patent', patent_id, assignee_id
    FROM patent_assignees WHERE assignee_id IS NOT NULL
    UNION ALL
    SELECT 'patent', a.patent_id, aa.org_id
    FROM patent_assignees AS a JOIN aa ON aa.source_id = a.assignee_id
), pk AS (
    SELECT DISTINCT project_id, k FROM _pf_pk
    WHERE project_id IN (SELECT project_id FROM _pf_need)
), docs AS (
    SELECT DISTINCT pk.project_id, act.output_type, act.output_id
    FROM pk JOIN act ON act.k = pk.k
)
SELECT docs.project_id, d.industry, sum(d.w) AS v
FROM docs JOIN _pf_di AS d USING (output_type, output_id)
GROUP BY ALL
"""

_BOTTLENECK_TOUCH_SQL = """
WITH sym AS (
    SELECT patent_id,
           upper(replace(coalesce(cpc_subgroup, cpc_group), ' ', '')) AS sym,
           upper(replace(cpc_group, ' ', '')) AS grp
    FROM patent_cpc
), g AS (
    SELECT DISTINCT patent_id,
           CASE WHEN contains(sym, '/') THEN split_part(sym, '/', 1) || '/00' ELSE grp END AS cpc
    FROM sym WHERE sym IS NOT NULL
)
SELECT DISTINCT o.project_id, b.cpc, b.score
FROM (SELECT DISTINCT project_id, output_id FROM _pf_rev_out
      WHERE output_type = 'patent' AND in_store) AS o
JOIN g ON g.patent_id = o.output_id
JOIN _pf_bn AS b ON b.cpc = g.cpc
ORDER BY o.project_id, b.score DESC, b.cpc
"""


def _argmax_industry(rows: list[tuple[str, str, float]]) -> dict[str, str]:
    best: dict[str, tuple[float, str]] = {}
    for pid, ind, v in rows:
        cur = best.get(pid)
        if cur is None or v > cur[0] + 1e-12 or (abs(v - cur[0]) <= 1e-12 and ind < cur[1]):
            best[pid] = (v, ind)
    return {pid: ind for pid, (_, ind) in best.items()}


def _allocation_rule(params: dict[str, Any]) -> Rule:
    return Rule(
        name="allocate_budget",
        statement="Choose candidate projects (cost = requested budget) maximising Σ value "
        "subject to Σ cost ≤ budget, at least min_per_industry projects per industry and at "
        "most max_share_per_industry of the budget per industry (0/1 knapsack, HiGHS MILP). "
        "Value = w_priority × industry priority ÷ max priority + w_positioning × value of the "
        "country's positioning class in the project's industry (catch-up 1, parallel 0.5, "
        "leading 0.25 by default) + w_bottleneck × the largest bottleneck score among the "
        "country's bottleneck CPC groups the project's patents touch ÷ the largest bottleneck "
        "score + w_performance × the project-review score (median of judged projects for "
        "projects too young to judge). The project's industry is the one holding the largest "
        "fractional share of its outputs, else of its participants' works and patents.",
        parameters=params,
        references=(
            "Bai et al. 2021, Strategic Study of CAE, §4.1",
            "Huangfu & Hall 2018, Math. Prog. Comp. 10 (HiGHS)",
        ),
    )


def allocate_budget(
    store: Store,
    *,
    budget: float,
    candidates: Sequence[str] | None = None,
    country: str = "CN",
    weights: Mapping[str, float] | None = None,
    industry_priority: Mapping[str, float] | None = None,
    min_per_industry: int | Mapping[str, int] | None = None,
    max_share_per_industry: float | Mapping[str, float] | None = None,
    time_limit: float = 10.0,
    method: str = "milp",
    positioning_values: Mapping[str, float] | None = None,
    project_industries: Mapping[str, str] | None = None,
    review: DecisionResult | None = None,
    as_of: date | str | None = None,
) -> DecisionResult:
    r"""Allocate ``budget`` over candidate projects by expected strategic value.

    Implements the allocation model of this module's docstring.

    Parameters
    ----------
    store : Store
        The store.
    budget : float
        The money to allocate, in the unit of ``projects.budget``.
    candidates : sequence of str, optional
        Project ids; default: every project whose ``status`` is not in
        :data:`FINISHED_STATUSES` (every project when that leaves none). Candidates without a
        budget are left out (caveat).
    country : str, default "CN"
        The home country of the positioning and bottleneck terms.
    weights : mapping, optional
        Weights of ``industry_priority``, ``positioning``, ``bottleneck``, ``performance``
        (default 1 each).
    industry_priority : mapping, optional
        Industry → weight ≥ 0 (default: 1 for every industry; industries left out get 0
        when a mapping is given).
    min_per_industry : int or mapping, optional
        Minimum number of selected projects per industry (a number applies to every industry
        among the candidates).
    max_share_per_industry : float or mapping, optional
        Maximum share of ``budget`` spent per industry, in [0, 1].
    time_limit : float, default 10
        Seconds given to the MILP solver.
    method : {"milp", "greedy"}, default "milp"
    positioning_values : mapping, optional
        Class → value (default :data:`DEFAULT_POSITIONING_VALUES`).
    project_industries : mapping, optional
        Project id → industry, overriding the derived industry (basis ``given``).
    review : DecisionResult, optional
        A :func:`project_review` result to reuse (default: computed with its defaults and
        ``as_of``).
    as_of : date or str, optional
        Passed to :func:`project_review`.

    Returns
    -------
    DecisionResult
        ``table``: :data:`ALLOCATION_SCHEMA`; ``evidence["industries"]``
        (:data:`INDUSTRY_SCHEMA`), ``evidence["solver"]`` (method, status, objective, bound,
        spent), ``evidence["review"]`` (the review table).

    Raises
    ------
    InputError
        Bad parameters, unknown candidates, no candidate with a budget, or constraints no
        selection can meet (the message names the constraint).
    StoreError
        A query failed.
    """
    if budget is None or not math.isfinite(float(budget)) or budget < 0:
        raise InputError(f"budget={budget!r} must be a non-negative number")
    budget = float(budget)
    w = check_weights(weights, VALUE_COMPONENTS, "allocation")
    pos_values = dict(DEFAULT_POSITIONING_VALUES)
    if positioning_values is not None:
        pos_values.update({k: float(v) for k, v in positioning_values.items()})
    if any(not 0 <= v <= 1 for v in pos_values.values()):
        raise InputError(f"positioning_values must be in [0, 1]: {pos_values}")
    if industry_priority is not None and any(
        not math.isfinite(float(v)) or v < 0 for v in industry_priority.values()
    ):
        raise InputError("industry_priority weights must be finite and ≥ 0")
    cty = str(country).strip().upper()
    if len(cty) != 2 or not cty.isalpha():
        raise InputError(f"country={country!r} must be an ISO 3166-1 alpha-2 code such as 'CN'")
    caveats: list[str] = []

    if review is None:
        review = project_review(store, as_of=as_of)
    rev = {r["project_id"]: r for r in review.table.to_pylist()}
    with store.query_cursor("portfolio") as cur:
        synthetic = is_synthetic(cur)
        proj = {
            r[0]: r[1:]
            for r in cur.execute(
                """SELECT project_id, any_value(title), any_value(budget), any_value(status),
                          any_value(currency)
                   FROM projects GROUP BY project_id ORDER BY project_id"""
            ).fetchall()
        }
    if candidates is None:
        cand = [
            p for p, r in proj.items() if str(r[2] or "").strip().lower() not in FINISHED_STATUSES
        ]
        if not cand:
            cand = list(proj)
            caveats.append(
                "Every project is finished or withdrawn: all projects were taken as candidates."
            )
    else:
        cand = list(dict.fromkeys(candidates))
        unknown = [p for p in cand if p not in proj]
        if unknown:
            raise InputError(f"unknown candidate project id(s): {', '.join(unknown[:10])}")
    no_budget = [p for p in cand if proj[p][1] is None]
    cand = [p for p in cand if proj[p][1] is not None]
    if no_budget:
        caveats.append(
            f"{len(no_budget)} candidate(s) have no budget and were left out: "
            f"{', '.join(no_budget[:10])}{' …' if len(no_budget) > 10 else ''}."
        )
    if not cand:
        raise InputError("no candidate project with a budget to allocate")
    currencies = sorted({proj[p][3] for p in cand if proj[p][3]})
    if len(currencies) > 1:
        caveats.append(
            f"Candidates' budgets are in {len(currencies)} currencies ({', '.join(currencies)})"
            " and are compared as stored, without conversion."
        )

    # industries
    industries, basis = _industries(store, review, cand, project_industries)
    # positioning
    pos_class: dict[str, str] = {}
    try:
        from forcemap.decide.positioning import positioning

        pos = positioning(store, country=cty)
        pos_class = {r["unit"]: r["class"] for r in pos.table.to_pylist()}
    except InputError as e:
        caveats.append(f"No positioning could be computed ({e}): the positioning term is 0.")
    # bottlenecks
    from forcemap.decide.bottlenecks import bottlenecks

    bn = bottlenecks(store, country=cty, with_trade=False)
    touch: dict[str, list[tuple[str, float]]] = {}
    max_bn = max(bn.table["score"].to_pylist(), default=0.0) or 0.0
    if bn.table.num_rows and max_bn > 0:
        with store.query_cursor("portfolio") as cur:
            register(cur, "_pf_rev_out", review.evidence["outputs"])
            register(
                cur,
                "_pf_bn",
                bn.table.group_by("cpc")
                .aggregate([("score", "max")])
                .rename_columns(["cpc", "score"]),
            )
            for pid, cpc, score in cur.execute(_BOTTLENECK_TOUCH_SQL).fetchall():
                touch.setdefault(pid, []).append((cpc, float(score)))
    else:
        caveats.append(
            f"{cty} has no bottleneck candidates in the store: the bottleneck term is 0."
        )

    # priority
    if industry_priority is None:
        prio = {ind: 1.0 for ind in set(industries.values())}
    else:
        top = max((float(v) for v in industry_priority.values()), default=0.0)
        prio = {k: (float(v) / top if top > 0 else 0.0) for k, v in industry_priority.items()}
    judged_scores = [r["score"] for r in rev.values() if r["judged"] and r["score"] is not None]
    prior = _median(judged_scores)

    rows: list[dict[str, Any]] = []
    for p in cand:
        title, cost, _, _ = proj[p]
        ind = industries.get(p)
        cls = pos_class.get(ind) if ind else None
        r = rev.get(p)
        if r is None:
            perf, perf_basis = 0.0, "not reviewed (starts after as_of)"
        elif not r["judged"]:
            perf, perf_basis = (prior or 0.0), "neutral prior (too young to judge)"
        elif r["score"] is None:
            perf, perf_basis = 0.0, "no score"
        else:
            perf, perf_basis = float(r["score"]), "review score"
        groups = touch.get(p, [])
        bnv = max((s for _, s in groups), default=0.0) / max_bn if max_bn > 0 else 0.0
        comps = {
            "industry_priority": prio.get(ind, 0.0) if ind else 0.0,
            "positioning": pos_values.get(cls, 0.0) if cls else 0.0,
            "bottleneck": bnv,
            "performance": perf,
        }
        value = sum(w[k] * comps[k] for k in VALUE_COMPONENTS)
        rows.append(
            {
                "project_id": p,
                "title": title,
                "selected": False,
                "cost": float(cost),
                "value": value,
                "value_per_million": value / cost * 1e6 if cost > 0 else None,
                "industry": ind,
                "industry_basis": basis.get(p),
                "industry_priority": comps["industry_priority"],
                "positioning_class": cls,
                "positioning": comps["positioning"],
                "bottleneck": bnv,
                "bottleneck_groups": ", ".join(c for c, _ in groups) or None,
                "performance": perf,
                "performance_basis": perf_basis,
                "recommendation": r["recommendation"] if r else None,
            }
        )
    costs = np.array([r["cost"] for r in rows])
    values = np.array([r["value"] for r in rows])
    groups_l = [r["industry"] for r in rows]
    for k in (min_per_industry, max_share_per_industry):
        if isinstance(k, Mapping):
            extra = sorted(set(k) - set(groups_l))
            if extra:
                caveats.append(
                    f"Balance constraints name industries without candidates: {', '.join(extra)}."
                )
    sol = solve_allocation(
        costs,
        values,
        budget,
        groups=groups_l,
        min_per_group=min_per_industry,
        max_share_per_group=max_share_per_industry,
        time_limit=time_limit,
        method=method,
    )
    for i in sol.selected.tolist():
        rows[i]["selected"] = True
    rows.sort(key=lambda r: (not r["selected"], -r["value"], r["cost"], r["project_id"]))
    table = pa.Table.from_pylist(rows, schema=ALLOCATION_SCHEMA)

    mins_d, caps_d = _balance(groups_l, min_per_industry, max_share_per_industry)
    ind_rows = []
    for ind in sorted({g for g in groups_l if g is not None} | set(mins_d) | set(caps_d)):
        sel = [r for r in rows if r["industry"] == ind and r["selected"]]
        spent = sum(r["cost"] for r in sel)
        ind_rows.append(
            {
                "industry": ind,
                "candidates": sum(r["industry"] == ind for r in rows),
                "selected": len(sel),
                "cost_selected": spent,
                "budget_share": spent / budget if budget > 0 else None,
                "min_projects": mins_d.get(ind, 0),
                "max_share": caps_d.get(ind),
            }
        )
    solver = pa.table(
        {
            "method_used": [sol.method_used],
            "status": [sol.status],
            "objective": pa.array([sol.objective], pa.float64()),
            "bound": pa.array([sol.bound], pa.float64()),
            "mip_gap": pa.array([sol.mip_gap], pa.float64()),
            "greedy_objective": pa.array([sol.greedy_objective], pa.float64()),
            "budget": pa.array([budget], pa.float64()),
            "spent": pa.array([sol.cost], pa.float64()),
            "candidates": pa.array([len(rows)], pa.int64()),
            "selected": pa.array([int(sol.selected.size)], pa.int64()),
            "seconds": pa.array([sol.seconds], pa.float64()),
        }
    )
    params: dict[str, Any] = {
        "budget": budget,
        "country": cty,
        "weights": w,
        "industry_priority": dict(industry_priority) if industry_priority else "equal",
        "positioning_values": pos_values,
        "min_per_industry": min_per_industry,
        "max_share_per_industry": max_share_per_industry,
        "time_limit": time_limit,
        "method": method,
        "method_used": sol.method_used,
        "as_of": review.rule.parameters.get("as_of"),
    }
    result = DecisionResult(
        name="allocate_budget",
        table=table,
        rule=_allocation_rule(params),
        evidence={
            "industries": pa.Table.from_pylist(ind_rows, schema=INDUSTRY_SCHEMA),
            "solver": solver,
            "review": review.table,
        },
        caveats=caveats,
        synthetic=synthetic,
    )
    if sol.method_used != "milp":
        result.warn(
            f"Selection by {sol.method_used}: not a proven optimum (MILP status: {sol.status})."
        )
    unassigned = [r["project_id"] for r in rows if r["industry"] is None]
    if unassigned:
        result.warn(
            f"{len(unassigned)} candidate(s) could not be linked to an industry (no outputs or "
            "participant documents in the catalog's industries): no industry priority, "
            "positioning or balance constraint applies to them."
        )
    young = sum(r["performance_basis"].startswith("neutral") for r in rows)
    if young:
        pr = "0" if prior is None else f"{prior:.3f}"
        result.warn(
            f"{young} candidate(s) are too young to judge: their performance is the median "
            f"score of the judged projects ({pr})."
        )
    flagged = [r["project_id"] for r in rows if r["selected"] and r["recommendation"] == "withdraw"]
    if flagged:
        result.warn(
            f"{len(flagged)} selected project(s) are recommended for withdrawal by the review "
            f"({', '.join(flagged[:10])}{' …' if len(flagged) > 10 else ''}): their strategic "
            "terms outweigh their performance; raise the performance weight or leave them out "
            "of the candidates."
        )
    if industry_priority is None:
        result.warn("No industry_priority given: every industry has priority 1.")
    for c in review.caveats:
        if c.startswith("SYNTHETIC"):
            result.warn(c)
    return result


def _industries(
    store: Store,
    review: DecisionResult,
    cand: list[str],
    given: Mapping[str, str] | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Project → industry and the basis it came from (given / outputs / participants)."""
    from forcemap.store.slices import industry_patents, industry_works

    out: dict[str, str] = {}
    basis: dict[str, str] = {}
    for p, ind in (given or {}).items():
        if p in cand and ind:
            out[p], basis[p] = str(ind), "given"
    need = [p for p in cand if p not in out]
    if not need:
        return out, basis
    wi = industry_works(store)
    pi = industry_patents(store).select(["patent_id", "industry"])
    with store.query_cursor("portfolio") as cur:
        register(cur, "_pf_wi", wi)
        register(cur, "_pf_pi", pi)
        register(cur, "_pf_rev_out", review.evidence["outputs"])
        cur.execute(_DOC_INDUSTRY_SQL)
        by_out = _argmax_industry(cur.execute(_INDUSTRY_BY_OUTPUTS_SQL).fetchall())
        for p in need:
            if p in by_out:
                out[p], basis[p] = by_out[p], "outputs"
        rest = [p for p in need if p not in out]
        if rest:
            register(cur, "_pf_need", pa.table({"project_id": pa.array(rest, pa.string())}))
            cur.execute(_PARTICIPANT_KEYS_SQL)
            by_part = _argmax_industry(cur.execute(_INDUSTRY_BY_PARTICIPANTS_SQL).fetchall())
            for p in rest:
                if p in by_part:
                    out[p], basis[p] = by_part[p], "participants"
    return out, basis
