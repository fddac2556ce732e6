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
:class:`~forcemap.errors.InfeasibleError` whose message names the constraint.

The review lives in :mod:`~forcemap.decide.portfolio.review`, the allocation in
:mod:`~forcemap.decide.portfolio.allocation` (its knapsack model in ``_knapsack``).

References
----------
Cooper, R. G. (1990). Stage-gate systems: a new tool for managing new products. Business
Horizons 33(3), 44–54. Waltman L. et al. (2011). doi:10.1016/j.joi.2010.08.001 (MNCS).
Squicciarini M., Dernis H. & Criscuolo C. (2013). OECD STI WP 2013/03 (forward citations).
Bai G. et al. (2021). Strategic Study of CAE 23(6), §4.1. Huangfu Q. & Hall J. A. J. (2018).
Math. Prog. Comp. 10, 119–142 (HiGHS).
"""

from forcemap.decide.portfolio._knapsack import Allocation, solve_allocation
from forcemap.decide.portfolio.allocation import (
    ALLOCATION_SCHEMA,
    DEFAULT_POSITIONING_VALUES,
    FINISHED_STATUSES,
    INDUSTRY_SCHEMA,
    VALUE_COMPONENTS,
    allocate_budget,
)
from forcemap.decide.portfolio.review import (
    OUTPUT_SCHEMA,
    REVIEW_COMPONENTS,
    REVIEW_SCHEMA,
    parse_goal_targets,
    project_review,
)

__all__ = [
    "ALLOCATION_SCHEMA",
    "DEFAULT_POSITIONING_VALUES",
    "FINISHED_STATUSES",
    "INDUSTRY_SCHEMA",
    "OUTPUT_SCHEMA",
    "REVIEW_COMPONENTS",
    "REVIEW_SCHEMA",
    "VALUE_COMPONENTS",
    "Allocation",
    "allocate_budget",
    "parse_goal_targets",
    "project_review",
    "solve_allocation",
]
