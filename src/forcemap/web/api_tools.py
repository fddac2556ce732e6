"""The JSON twins of the decision tools with forms (:mod:`forcemap.web.forms`), under
``/api/v1``: consortium, panel, portfolio review and allocation, search.

Each route takes the form's fields as query parameters, parses them with
:mod:`forcemap.web.params` (a bad value is a 422 in the API's one error shape) and calls the
same cached result of :mod:`forcemap.web.results` as the page, so page and API show the
same result.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from forcemap.decide.params import CONSORTIUM
from forcemap.web import results
from forcemap.web.params import (
    allocation_args,
    consortium_args,
    panel_args,
    review_args,
    search_args,
)
from forcemap.web.schemas import ERRORS, DecisionOut
from forcemap.web.state import StateDep, StoreDep

__all__ = [
    "AllocationOut",
    "ConsortiumOut",
    "PanelOut",
    "ReviewOut",
    "SearchOut",
    "router",
]

router = APIRouter(prefix="/api/v1", tags=["decision tools"], responses=ERRORS)

_IDS_DESC = "Ids separated by commas or spaces."


# -- consortium ----------------------------------------------------------------------------
class ConsortiumMember(BaseModel):
    industry: str
    org_id: str
    name: str | None
    type: str | None
    country_code: str | None
    role: str = Field(description="`lead` or `member`.")
    strength: float = Field(description="Σ_j s_oj: normalised strength over sub-technologies.")
    raw_strength: float = Field(description="Σ_j S_oj: fractional works + patents.")
    contribution: float = Field(
        description="F(consortium) − F(consortium without it): what the consortium loses "
        "without the member (depth coverage + ties)."
    )
    contribution_share: float | None = Field(
        default=None, description="The contribution over F(consortium)."
    )
    covers: list[str] = Field(description="Sub-technologies where it is the strongest member.")
    adds: list[str] = Field(
        default_factory=list, description="Sub-technologies whose depth coverage it raises."
    )
    forced_by: str | None = Field(
        default=None,
        description="The constraint keeping a member that contributes 0, or less than "
        "min_contribution (lead, must_include, min_types[t]=m); null otherwise.",
    )
    ties: list[str] = Field(description="Members it has a prior collaboration tie with.")
    why: str = Field(description="Why it was chosen, in words.")


class SubTechnologyCoverage(BaseModel):
    sub_technology: str
    name: str | None
    weight: float
    coverage: float = Field(
        description="c_j = Σ_r δ^r s_(r)j: depth coverage over the members' strengths."
    )
    credited_to: str | None
    best_candidate: str | None = Field(description="The strongest organisation in scope.")
    best_raw_strength: float


class CoverageCell(BaseModel):
    strength: float | None
    raw_strength: float | None
    credited: bool | None


class CoverageRow(SubTechnologyCoverage):
    cells: list[CoverageCell] = Field(description="One cell per member, in `members` order.")


class CoverageGrid(BaseModel):
    members: list[str]
    rows: list[CoverageRow]


class ConsortiumCandidate(BaseModel):
    org_id: str
    name: str | None
    type: str | None
    country_code: str | None
    strength: float
    weighted_strength: float
    raw_strength: float
    sub_technologies: int
    chosen: bool


class SolverOut(BaseModel):
    method: str = Field(description="The method asked for: milp or greedy.")
    method_used: str = Field(description="`milp` (proven optimum) or a labelled heuristic.")
    status: str
    optimal: bool = Field(description="True when the answer is the proven MILP optimum.")
    objective: float | None = None
    coverage_objective: float | None = None
    milp_objective: float | None = None
    greedy_objective: float | None = None
    mip_gap: float | None = None
    n_candidates: int | None = None


class ConsortiumOut(DecisionOut):
    """A consortium covering an industry's sub-technologies, explained."""

    industry: str
    rows: list[ConsortiumMember] = Field(description="The members, lead first.")
    sub_technologies: list[SubTechnologyCoverage]
    coverage: CoverageGrid = Field(description="Sub-technology × member strengths.")
    candidates: list[ConsortiumCandidate] = Field(description="The strongest candidates.")
    solver: SolverOut


@router.get("/consortium", response_model=ConsortiumOut, summary="Consortium builder")
def api_consortium(
    store: StoreDep,
    state: StateDep,
    industry: Annotated[
        str, Query(pattern=r"^[a-z][a-z0-9_]*$", max_length=64, description="Catalog industry.")
    ],
    size: Annotated[int, Query(ge=1, le=30, description="Members, the lead included.")] = 6,
    columns: Annotated[
        str,
        Query(
            pattern="^(catalog|cpc_group)$",
            description="`catalog` sub-technologies or the `cpc_group`s of its patents.",
        ),
    ] = "catalog",
    subs: Annotated[
        str, Query(max_length=2000, description="Only these sub-technology keys.")
    ] = "",
    lead: Annotated[str, Query(max_length=200, description="Lead organisation id.")] = "",
    min_types: Annotated[
        str, Query(max_length=200, description="Minimum members per type: `university=1`.")
    ] = "",
    include: Annotated[str, Query(max_length=2000, description=_IDS_DESC)] = "",
    exclude: Annotated[str, Query(max_length=2000, description=_IDS_DESC)] = "",
    country: Annotated[
        str, Query(pattern="^([A-Za-z]{2})?$", description="Candidates of one country.")
    ] = "",
    method: Annotated[str, Query(pattern="^(milp|greedy)$")] = "milp",
    org_level: Annotated[
        str,
        Query(
            pattern="^(self|parent|top)$",
            description="Candidates as resolved (`self`), or rolled up to their `parent` or "
            "the `top` of their hierarchy.",
        ),
    ] = "self",
    depth: Annotated[
        int,
        Query(ge=1, le=30, description="Strong members credited per sub-technology."),
    ] = CONSORTIUM.depth,
    depth_discount: Annotated[
        float,
        Query(ge=0, le=1, description="Weight of the r-th strongest member: discount**(r-1)."),
    ] = CONSORTIUM.depth_discount,
    min_contribution: Annotated[
        float,
        Query(ge=0, lt=1, description="Least share of the objective each member must add."),
    ] = CONSORTIUM.min_contribution,
) -> dict[str, Any]:
    """The organisations that together cover an industry's sub-technologies best, each with
    why it was chosen, the coverage matrix and the solver status
    (``forcemap.decide.consortium``)."""
    return state.result(
        results.CONSORTIUM,
        store,
        **consortium_args(
            industry=industry,
            columns=columns,
            subs=subs,
            lead=lead,
            size=str(size),
            min_types=min_types,
            include=include,
            exclude=exclude,
            country=country,
            method=method,
            org_level=org_level,
            depth=str(depth),
            depth_discount=str(depth_discount),
            min_contribution=str(min_contribution),
        ),
    )


# -- review panel ----------------------------------------------------------------------------
class PanelMember(BaseModel):
    role: str
    author_id: str
    name: str | None
    org_id: str | None = Field(description="Main organisation.")
    org: str | None
    country: str | None
    type: str | None = Field(description="Organisation type.")
    match: float = Field(description="Weighted match in [0, 1].")
    text_similarity: float | None = Field(
        description="BM25 affinity of the candidate's documents with the proposal (the "
        "scorer of decide affinity) over the proposal's own, in [0, 1]."
    )
    topic_overlap: float | None = Field(description="Topic/concept Jaccard.")
    activity: float | None
    recent_outputs: int | None
    reasons: str = Field(description="Why this reviewer, in words.")


class ExcludedCandidate(BaseModel):
    author_id: str
    name: str | None
    rule: str = Field(
        description="applicant, requested, same_organisation, coauthorship, coinvention or "
        "same_project."
    )
    applicant: str | None
    evidence: list[str] | None = Field(description="Org, work, patent or project ids.")
    years: list[int | None] | None = Field(description="Years of the evidence, newest first.")
    detail: str
    active: bool | None = Field(description="Would otherwise have been eligible.")
    match: float | None


class RankedCandidate(BaseModel):
    rank: int
    author_id: str
    name: str | None
    org_id: str | None
    org: str | None
    country: str | None
    type: str | None
    match: float | None
    text_similarity: float | None
    topic_overlap: float | None
    activity: float | None
    recent_outputs: int | None
    career_age: int | None
    roles: list[str] | None
    eligible: bool | None
    status: str


class ApplicantRead(BaseModel):
    applicant: str
    kind: str
    organisations: list[str] | None
    inventor_ids: list[str] | None


class PanelSolver(BaseModel):
    method: str | None
    method_used: str | None
    status: str | None
    optimal: bool
    objective: float | None = None


class PanelOut(DecisionOut):
    """A conflict-free review panel, with the excluded candidates and their evidence."""

    rows: list[PanelMember] = Field(description="The panel, in role order then by match.")
    excluded: list[ExcludedCandidate] = Field(description="Every conflict, best match first.")
    excluded_people: int = Field(description="Distinct candidates excluded.")
    ranking: list[RankedCandidate]
    applicants: list[ApplicantRead]
    solver: PanelSolver


_Cap = Annotated[int, Query(ge=0, le=20, description="At most this many members; 0: no cap.")]


@router.get("/panel", response_model=PanelOut, summary="Review panel builder")
def api_panel(
    store: StoreDep,
    state: StateDep,
    applicants: Annotated[
        str, Query(min_length=1, max_length=2000, description="Applicant ids. " + _IDS_DESC)
    ],
    text: Annotated[str, Query(max_length=5000, description="The proposal's text.")] = "",
    topics: Annotated[str, Query(max_length=2000, description="Topic ids.")] = "",
    concepts: Annotated[str, Query(max_length=2000, description="Concept ids.")] = "",
    size: Annotated[int, Query(ge=1, le=20)] = 5,
    roles: Annotated[str, Query(max_length=200, description="Seats per role: `academic=2`.")] = "",
    coi_years: Annotated[int, Query(ge=0, le=50, description="Conflict window.")] = 5,
    max_per_org: _Cap = 1,
    max_per_country: _Cap = 0,
    method: Annotated[str, Query(pattern="^(milp|greedy)$")] = "milp",
) -> dict[str, Any]:
    """The best-matching reviewers for a proposal without a conflict of interest with its
    applicants, each with reasons; the excluded candidates with rule and evidence
    (``forcemap.decide.panel``)."""
    return state.result(
        results.PANEL,
        store,
        **panel_args(
            applicants=applicants,
            text=text,
            topics=topics,
            concepts=concepts,
            size=str(size),
            roles=roles,
            coi_years=str(coi_years),
            max_per_org=str(max_per_org or ""),
            max_per_country=str(max_per_country or ""),
            method=method,
        ),
    )


# -- portfolio -------------------------------------------------------------------------------
class ReviewRow(BaseModel):
    project_id: str
    title: str | None
    programme: str | None
    status: str | None
    start_date: date | None
    end_date: date | None
    age_years: float | None
    judged: bool = Field(description="Old enough to judge (min_age_years).")
    budget: float | None
    currency: str | None
    works: int
    patents: int
    outputs_in_store: int
    work_target: int | None
    patent_target: int | None
    goal_basis: str = Field(description="`targets` (stated goals) or `rate` (vs the median).")
    outputs_per_year: float | None
    goal_ratio: float | None
    goal_attainment: float | None
    mean_ncs: float | None
    top10_share: float | None
    patent_fc: float | None
    patent_fc_expected: float | None
    patent_fc_ratio: float | None
    impact: float | None = Field(description="Mean normalised impact of the outputs (1 = world).")
    cost_per_output: float | None
    participants: int | None
    participants_on_outputs: int | None
    participant_share: float | None
    pairs_realised: int | None
    pairs_planned: int | None
    collaboration: float | None
    score: float | None
    recommendation: str = Field(description="continue, review or withdraw.")
    reasons: str


class ReviewBenchmarks(BaseModel):
    as_of: date
    projects: int
    judged: int
    median_outputs_per_year: float | None
    median_cost_per_output: float | None
    impact_baseline: float


class ReviewOutput(BaseModel):
    project_id: str
    output_type: str
    output_id: str
    in_store: bool | None
    year: int | None
    ncs: float | None
    top10_frac: float | None
    forward_citations: int | None
    fc_expected: float | None
    impact: float | None
    participants_on_output: int | None


class ReviewOut(DecisionOut):
    """The stage-gate review of the store's projects."""

    as_of: str
    rows: list[ReviewRow] = Field(description="One per project: withdraw, review, continue.")
    counts: dict[str, int] = Field(description="Projects per recommendation.")
    benchmarks: ReviewBenchmarks
    outputs: list[ReviewOutput]


class AllocationRow(BaseModel):
    project_id: str
    title: str | None
    selected: bool
    cost: float
    value: float
    value_per_million: float | None
    industry: str | None
    industry_basis: str | None
    industry_priority: float | None
    positioning_class: str | None
    positioning: float | None
    bottleneck: float | None
    bottleneck_groups: str | None
    performance: float | None
    performance_basis: str | None
    recommendation: str | None


class AllocationIndustry(BaseModel):
    industry: str
    candidates: int
    selected: int
    cost_selected: float
    budget_share: float | None
    min_projects: int
    max_share: float | None


class AllocationSolver(BaseModel):
    method: str
    method_used: str
    status: str
    optimal: bool
    objective: float | None
    bound: float | None
    mip_gap: float | None
    greedy_objective: float | None
    budget: float
    spent: float
    budget_used: float | None = Field(description="spent / budget.")
    candidates: int
    selected: int
    seconds: float | None


class AllocationOut(DecisionOut):
    """The budget allocation over the candidate projects."""

    rows: list[AllocationRow] = Field(description="Every candidate, the selected first.")
    industries: list[AllocationIndustry]
    solver: AllocationSolver


@router.get("/portfolio/review", response_model=ReviewOut, summary="Project stage-gate review")
def api_portfolio_review(
    store: StoreDep,
    state: StateDep,
    as_of: Annotated[str, Query(max_length=20, description="YYYY-MM-DD; default latest.")] = "",
    min_age_years: Annotated[float, Query(ge=0, le=50)] = 2.0,
    withdraw_below: Annotated[float, Query(ge=0, le=1)] = 0.25,
    review_below: Annotated[float, Query(ge=0, le=1)] = 0.5,
) -> dict[str, Any]:
    """Continue / review / withdraw per project, with reasons: outputs vs goals, impact, cost
    per output, collaboration (``forcemap.decide.portfolio.project_review``). 404 when the
    store has no projects."""
    return state.result(
        results.REVIEW,
        store,
        **review_args(
            as_of=as_of,
            min_age_years=str(min_age_years),
            withdraw_below=str(withdraw_below),
            review_below=str(review_below),
        ),
    )


@router.get("/portfolio/allocate", response_model=AllocationOut, summary="Budget allocation")
def api_portfolio_allocate(
    store: StoreDep,
    state: StateDep,
    budget: Annotated[float, Query(ge=0, le=1e15, description="Money to allocate.")],
    country: Annotated[str, Query(pattern="^([A-Za-z]{2})?$")] = "",
    max_share: Annotated[
        float | None, Query(ge=0, le=1, description="Max share of the budget per industry.")
    ] = None,
    min_per_industry: Annotated[int | None, Query(ge=0, le=100)] = None,
    method: Annotated[str, Query(pattern="^(milp|greedy)$")] = "milp",
) -> dict[str, Any]:
    """The candidate projects maximising strategic value within the budget, with the budget
    used and the solver status (``forcemap.decide.portfolio.allocate_budget``). 404 when the
    store has no projects."""
    return state.result(
        results.ALLOCATION,
        store,
        **allocation_args(
            budget=repr(budget),
            country=country or state.home_country,
            max_share="" if max_share is None else repr(max_share),
            min_per_industry="" if min_per_industry is None else str(min_per_industry),
            method=method,
        ),
    )


# -- search ----------------------------------------------------------------------------------
class MatchedTerm(BaseModel):
    term: str
    share: float = Field(description="The term's share of the document's score.")


class SearchHit(BaseModel):
    rank: int
    id: str
    entity: str = Field(description="works or patents.")
    year: int | None
    title: str | None
    score: float = Field(description="BM25 score for the query (stems and stem bigrams).")
    terms: list[MatchedTerm] = Field(description="Query terms the document contains.")


class SearchOut(DecisionOut):
    """The documents that match a query best (lexical BM25)."""

    query: str
    entity: str
    method: str = Field(
        description="Always `tfidf` here: the lexical word index, ranked by BM25 "
        "(embeddings: the CLI's [ai] extra)."
    )
    documents: int = Field(description="Documents indexed.")
    rows: list[SearchHit] = Field(description="Best first.")
    unknown_terms: list[str] = Field(description="Query terms in no document.")


@router.get("/search", response_model=SearchOut, summary="Full-text search (BM25)")
def api_search(
    store: StoreDep,
    state: StateDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Free text.")],
    k: Annotated[int, Query(ge=1, le=200, description="Hits listed.")] = 20,
    entity: Annotated[str, Query(pattern="^(works|patents|both)$")] = "works",
) -> dict[str, Any]:
    """Works and/or patents ranked by the BM25 score of their title and abstract for the
    query (Snowball stems and stem bigrams), each with the terms it matched
    (``forcemap.decide.explore``)."""
    return results.search(state, store, **search_args(q=q, k=str(k), entity=entity))
