"""The JSON API under ``/api/v1``: the pages' data, documented by the generated OpenAPI.

Every route validates its parameters (``Query(pattern=…, ge=…, le=…)``); a bad parameter is
a 422 and an unknown id a 404, both as ``{"ok": false, "error": message, "status": code}``
(:class:`~forcemap.web.schemas.ErrorOut`). Routes ask
:meth:`~forcemap.web.state.WebState.result` for the results of :mod:`forcemap.web.results`
(decisions and descriptive views, cached and shared with the pages) and hold no logic.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from forcemap.errors import InputError
from forcemap.network import KINDS
from forcemap.web import decisions, queries, results
from forcemap.web.schemas import (
    ERRORS,
    DecisionOut,
    OrgWorks,
    OverviewOut,
    YearCount,
    YearPatents,
)
from forcemap.web.state import StateDep, StoreDep, WebState, get_state

__all__ = [
    "ActorsOut",
    "BenchmarkOut",
    "BenchmarkSeriesOut",
    "BottlenecksOut",
    "IndustryDetailOut",
    "IndustryOut",
    "LandscapeOut",
    "NetworkOut",
    "OrganizationPage",
    "OrganizationProfileOut",
    "OverviewOut",
    "PositioningOut",
    "TalentOut",
    "WatchOut",
    "router",
]


router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERRORS)


# -- models --------------------------------------------------------------------------------
class IndustryOut(BaseModel):
    key: str
    name: str
    description: str
    works: int = Field(description="Works in the industry's slice (concepts/topics).")
    patents: int = Field(description="Patents in the slice (CPC patterns).")
    n_cpc_patterns: int
    n_sub_technologies: int


class SubTechnologyOut(BaseModel):
    key: str
    name: str
    description: str
    cpc: list[str]
    patents: int


class CountryWorks(BaseModel):
    country_code: str
    works: int


class AssigneePatents(BaseModel):
    id: str
    name: str | None
    country_code: str | None
    patents: int


class IndustryDetailOut(BaseModel):
    """One industry: its definition and its slice of the store."""

    key: str
    name: str
    description: str
    cpc: list[str]
    concepts: list[str]
    topics: list[str]
    hs: list[str]
    keywords: list[str]
    sub_technologies: list[SubTechnologyOut]
    works: int
    patents: int
    works_by_year: list[YearCount]
    patents_by_year: list[YearPatents]
    top_countries: list[CountryWorks]
    top_organizations: list[OrgWorks]
    top_assignees: list[AssigneePatents]


class OrganizationRow(BaseModel):
    id: str
    name: str | None
    type: str | None
    country_code: str | None
    ror: str | None
    works: int


class OrganizationPage(BaseModel):
    """A page of organisations, most works first."""

    source: str = Field(description="`organizations` (resolution ran) or `institutions`.")
    total: int = Field(description="Matching organisations in all pages.")
    limit: int
    offset: int
    items: list[OrganizationRow]


class NodeMetrics(BaseModel):
    node_id: str
    degree: int
    strength: float
    pagerank: float | None
    pagerank_rank: int | None = Field(description="1 = highest PageRank in the network.")
    constraint: float | None = Field(description="Burt's constraint (null for isolates).")
    effective_size: float | None
    community: int | None
    coreness: int | None
    in_core: bool | None
    n_nodes: int


class OrganizationProfileOut(BaseModel):
    """An organisation's identity, output, partners and network position."""

    id: str
    source: str = Field(description="organization, institution or assignee.")
    name: str | None
    type: str | None
    country_code: str | None
    city: str | None
    ror: str | None
    works: int
    citations: int
    patents: int
    works_by_year: list[YearCount]
    patents_by_year: list[YearPatents]
    partners: list[OrgWorks] = Field(description="Top co-authoring institutions.")
    network: NodeMetrics | None = Field(
        description="Metrics in the whole-store organisation collaboration network "
        "(null when the organisation has no node)."
    )


class NetworkNode(BaseModel):
    id: str
    label: str | None
    type: str | None
    country_code: str | None
    region: str
    degree: int
    strength: float
    pagerank: float | None
    constraint: float | None
    effective_size: float | None
    community: int | None
    coreness: int | None
    x: float = Field(description="Layout position in [0, 1].")
    y: float


class NetworkEdge(BaseModel):
    source: str
    target: str
    weight: float | None


class Broker(BaseModel):
    id: str
    label: str | None
    type: str | None
    country_code: str | None
    degree: int
    constraint: float | None
    effective_size: float | None
    pagerank: float | None


class NetworkMeta(BaseModel):
    kind: str
    directed: bool
    slice: dict[str, Any]
    counting: str
    node_resolution: str
    notes: list[str]


class NetworkSummary(BaseModel):
    n_nodes: int
    n_edges: int
    directed: bool
    density: float | None
    total_weight: float | None
    n_components: int | None
    lcc_size: int | None
    lcc_share: float | None
    modularity: float | None
    n_communities: int | None
    max_coreness: int | None
    core_size: int | None
    cross_border_share: float | None
    enterprise_university_share: float | None
    enterprise_institute_share: float | None
    university_institute_share: float | None
    same_type_share: float | None


class NetworkOut(BaseModel):
    """A network slice: summary of the whole network, the displayed nodes and edges."""

    meta: NetworkMeta
    summary: NetworkSummary
    shown: int = Field(description="Nodes returned (the strongest `max_nodes`).")
    truncated: bool
    linkable: bool = Field(description="Node ids are organisation ids (profiles exist).")
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    brokers: list[Broker] = Field(description="Lowest Burt constraint, degree >= 2.")


class PositioningRow(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    unit: str = Field(description="Industry key (unit=industry) or level-0 concept id (field).")
    unit_name: str | None
    country: str
    cls: str = Field(
        alias="class",
        description="leading, parallel or catch-up; `borderline (a/b)` when the interval of L "
        "crosses a class threshold; `insufficient evidence (…)` with the missing counts.",
    )
    level: float | None = Field(description="L: 100 × score ÷ the best country's score.")
    level_low: float | None = Field(description="95 % stability interval of L (bootstrap).")
    level_high: float | None
    level_pub: float | None = Field(
        description="L from the top-10 % works share alone (null: side dropped)."
    )
    level_pub_low: float | None
    level_pub_high: float | None
    level_tech: float | None = Field(
        description="L from the high-value patents share alone (null: side dropped)."
    )
    level_tech_low: float | None
    level_tech_high: float | None
    share_pub: float | None = Field(description="Share of the world's top-10 % works.")
    share_pub_low: float | None
    share_pub_high: float | None
    share_tech: float | None = Field(description="Share of the world's high-value families.")
    share_tech_low: float | None
    share_tech_high: float | None
    sides: str | None = Field(description="Sides the score used: pub+tech, pub, tech or null.")
    trend: float | None = Field(description="L minus L in the previous window.")
    leader: str | None = Field(description="The best country of the unit.")
    leader_pub: str | None = Field(description="The best country on publications.")
    leader_tech: str | None = Field(description="The best country on patents.")
    years_behind: int | None
    years_behind_censored: bool | None = Field(
        description="True: at least years_behind (the leader was above from the first year)."
    )
    top_works: float
    world_top_works: float
    hv_patents: float
    world_hv_patents: float
    works: float
    patents: float
    coverage_pub: float | None = Field(description="Share of top works with a known country.")
    coverage_tech: float | None = Field(description="Share of families with a known country.")
    thin_evidence: bool = Field(description="A side was dropped or the row is insufficient.")
    note: str | None = Field(description="Why L exceeds both side levels, when it does.")
    strategy: str | None = Field(description="The class's strategy (null unless a label).")


class MatrixCell(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    unit: str
    country: str
    cls: str = Field(alias="class")
    level: float | None
    level_low: float | None = None
    level_high: float | None = None


class PositioningOut(DecisionOut):
    """Catch-up / parallel / leading per industry (or field) for one country."""

    country: str
    unit: str = Field(description="industry or field.")
    years: str = Field(description="The current window.")
    rows: list[PositioningRow] = Field(description="The country's row per unit, level first.")
    matrix: list[MatrixCell] = Field(description="Every country's class and level per unit.")


class BottleneckRow(BaseModel):
    industry: str
    rank: int | None = Field(description="Rank among the candidates; null: not assessed.")
    cpc: str
    title: str | None
    outcome: str | None = Field(
        description="`bottleneck candidate` or `insufficient evidence (…)` with the counts "
        "that were missing (e.g. the share of families with a known holder country)."
    )
    score: float | None
    rta: float | None
    families: int
    known_country_share: float | None = Field(
        description="Share of the group's families with a known holder country."
    )
    unknown_country_share: float | None = Field(
        description="Share of the group's families whose holder country is unknown."
    )
    country_share: float | None = Field(
        description="The country's share of the families with a known holder country."
    )
    country_share_low: float | None = Field(description="95 % stability interval (bootstrap).")
    country_share_high: float | None
    hhi_country: float | None
    hhi_assignee: float | None
    top_share: float | None
    holders: str | None = Field(description="Largest holders: `name (CC) share%; …`.")
    holder_countries: str | None
    sub_technologies: str | None
    dependent_hs6: str | None


class TradeRow(BaseModel):
    hs6: str
    description: str | None
    industries: str | None
    imports: float | None
    exports: float | None
    import_hhi: float | None
    export_hhi: float | None
    top_origins: str | None
    top_exporters: str | None
    concentrated_imports: bool | None
    concentrated_supply: bool | None
    net_importer: bool | None
    dependent: bool | None
    rank: int | None


class BottlenecksOut(DecisionOut):
    """Bottleneck technologies (CPC groups) and trade dependencies (HS6) of one country."""

    country: str
    industry: str | None = Field(description="The industry; null: every industry.")
    groups_assessed: int = Field(description="CPC groups in scope.")
    trade_tested: int | None = Field(description="HS6 products tested; null: no trade data.")
    rows: list[BottleneckRow] = Field(
        description="Candidates, ranked within each industry, then the concentrated groups "
        "with insufficient evidence (rank null)."
    )
    trade: list[TradeRow] = Field(description="HS6 products failing the EU dependency test.")


class ActorRow(BaseModel):
    industry: str
    rank: int | None = Field(description="Rank by score; null: insufficient evidence.")
    org_id: str
    name: str | None
    type: str | None = Field(description="Organisation type; null: unknown.")
    country_code: str | None
    outcome: str | None = Field(
        description="`anchor candidate`, `ranked` or `insufficient evidence (…)` with the "
        "counts that were missing."
    )
    score: float | None
    anchor_candidate: bool | None
    works: float | None
    patents: float | None
    impact_works: float | None = Field(description="Fractional works with an NCS.")
    mncs: float | None = Field(description="MNCS; null below min_impact_works.")
    mncs_low: float | None = Field(description="95 % stability interval of MNCS (bootstrap).")
    mncs_high: float | None
    disruptive_share: float | None
    forward_citations: float | None
    pagerank: float | None
    brokerage: float | None
    breadth: float | None


class ActorsOut(DecisionOut):
    """The strategic organisations of one country per industry, by composite score."""

    country: str
    industry: str | None
    rows: list[ActorRow] = Field(description="The `top` organisations of each industry.")


class WatchRow(BaseModel):
    rank: int
    unit: str = Field(description="Topic id, concept id or CPC main group.")
    name: str | None
    score: float | None = Field(description="Weighted mean of the component percentiles.")
    escore: float | None = Field(description="Emergence score (Carley et al. 2018).")
    qualified: bool | None = Field(description="Passes the emergence qualification rules.")
    reason: str | None = Field(description="Why not qualified.")
    acceleration: float | None = Field(description="g_2 − g_1 over 3-year volumes.")
    disruptive_share: float | None = Field(description="Share of records with CD_5 > threshold.")
    first_year: int | None
    home_share: float | None = Field(description="The country's fractional share of records.")
    p_emergence: float | None
    p_growth: float | None
    p_disruption: float | None
    p_novelty: float | None
    p_home_share: float | None
    p_coherence: float | None
    p_impact: float | None
    status: str = Field(
        description="emerging, borderline (emerging/not emerging), not emerging (reasons) or "
        "insufficient evidence (the counts missing)."
    )
    base_share: float | None = Field(description="Novelty: share of all base-period records.")
    active_share: float | None = Field(
        description="Novelty: share of the unit's window records in the active period."
    )
    growth: float | None = Field(
        description="Annual growth of the unit's share of the scope's records, S_1 → S_2 "
        "(the last complete years)."
    )
    growth_low: float | None = Field(description="95 % bootstrap interval of growth, low.")
    growth_high: float | None = Field(description="95 % bootstrap interval of growth, high.")
    growth_volumes: list[int] | None = Field(description="The unit's records in S_1, S_2.")
    coherence: float | None = Field(
        description="Share of its records with an in-store citation link that cite or are "
        "cited by another of its records (null: none has a link)."
    )
    linked: int = Field(description="Records linked to another record of the unit.")
    with_links: int = Field(description="Records with an in-store citation link.")
    impact: float | None = Field(description="MNCS of the window records.")
    impact_low: float | None
    impact_high: float | None
    with_impact: int = Field(description="Records with a field-normalised citation score.")
    level: int | None = Field(description="OpenAlex concept level (concepts only).")
    doc_share: float | None = Field(description="Share of the store's records carrying it.")
    field_share: float | None = Field(
        description="Share of its window works in their most common level-0 field (concepts)."
    )
    records: int = Field(description="Records in the window.")
    volumes: list[int] | None = Field(description="3-year volumes [S_0, S_1, S_2].")
    with_cd: int | None = Field(description="Records with a defined CD_5.")
    thin_evidence: bool


class WatchGeneric(BaseModel):
    unit: str
    name: str | None
    level: int | None
    records: int = Field(description="Records in the window.")
    store_documents: int | None
    doc_share: float | None
    field_share: float | None
    reason: str = Field(description="Why it is generic.")


class WatchWork(BaseModel):
    unit: str
    rank: int
    id: str = Field(description="Work or patent id.")
    title: str | None
    year: int | None
    cd: float | None
    mcd: float | None
    citations: int | None


class WatchOrganization(BaseModel):
    unit: str
    rank: int
    org_id: str
    name: str | None
    type: str | None
    country_code: str | None
    is_home: bool | None
    records: float | None = Field(description="Fractional records in the window.")
    share: float | None = Field(description="Share of the unit's records.")


class WatchBeauty(BaseModel):
    unit: str
    rank: int
    id: str
    title: str | None
    year: int | None
    b: float | None = Field(description="Beauty coefficient B (Ke et al. 2015).")
    t_a: int | None
    awakening_year: int | None
    citations: int | None


class WatchSeed(BaseModel):
    rank: int
    id: str
    title: str | None
    year: int | None
    cd: float | None = Field(description="CD_5 (Funk & Owen-Smith 2017).")
    mcd: float | None = Field(description="mCD_5 = CD_5 × in-window citers (the ranking).")
    units: str | None = Field(description="The record's units in scope, comma-separated.")
    citations: int | None


class WatchOut(DecisionOut):
    """The emerging technologies a country should watch, ranked by composite score."""

    country: str
    industry: str | None = Field(description="The industry; null: every record of the store.")
    unit: str = Field(description="topic, concept or cpc_group.")
    window: str | None = Field(description="The 10-year window (null: no dated records).")
    rows: list[WatchRow] = Field(
        description="The `top` units: emerging first, then borderline, not emerging and "
        "insufficient evidence, each by score."
    )
    generic: list[WatchGeneric] = Field(
        default_factory=list,
        description="Concepts too generic to rank (level 0-1, document frequency, spread "
        "across fields).",
    )
    works: list[WatchWork] = Field(description="Each listed unit's top records by mCD_5.")
    organizations: list[WatchOrganization] = Field(
        description="Each listed unit's most active organisations (needs resolution)."
    )
    sleeping_beauties: list[WatchBeauty]
    disruptive_works: list[WatchSeed] = Field(
        description="Seeds of disruptive technologies: records of any year in scope with "
        "CD_5 > cd_threshold, by mCD_5."
    )


class BenchmarkRow(BaseModel):
    unit: str = Field(description="Industry key or level-0 concept id.")
    unit_name: str | None
    country: str
    is_home: bool
    rank: int | None = Field(description="Rank by fractional works (null: no works).")
    works: int = Field(description="Works, full counting.")
    works_frac: float | None
    world_share: float | None
    world_share_low: float | None = Field(description="95 % stability interval (bootstrap).")
    world_share_high: float | None
    impact_works: float | None = Field(description="Fractional works with a citation score.")
    mncs: float | None = Field(description="Null below min_impact_works (see impact_evidence).")
    mncs_low: float | None
    mncs_high: float | None
    pp_top10: float | None
    pp_top10_low: float | None
    pp_top10_high: float | None
    intl_copub_share: float | None
    intl_copub_share_low: float | None
    intl_copub_share_high: float | None
    industry_academia_share: float | None
    industry_academia_share_low: float | None
    industry_academia_share_high: float | None
    patents: float | None
    patent_share: float | None
    fc5_mean: float | None
    cagr: float | None = Field(description="Over complete years (incomplete ones left out).")
    rca: float | None
    rta: float | None
    thin_evidence: bool
    impact_evidence: str = Field(description="ok, or insufficient evidence (with the counts).")


class BenchmarkOut(DecisionOut):
    """A country against its peers per industry (or field)."""

    country: str
    industry: str | None
    unit: str = Field(description="industry or field.")
    rows: list[BenchmarkRow] = Field(description="Per unit, the country and its peers.")


class BenchmarkSeriesRow(BaseModel):
    entity: str = Field(description="ISO2 country, organisation (or institution) or author id.")
    entity_name: str | None
    year: int
    partial: bool = Field(description="The year looks incomplete in the store (kept).")
    works: int = Field(description="Works, full counting.")
    works_frac: float | None
    works_frac_low: float | None = Field(description="95 % stability interval (bootstrap).")
    works_frac_high: float | None
    world_share: float | None
    world_share_low: float | None
    world_share_high: float | None
    impact_works: float | None
    mncs: float | None
    mncs_low: float | None
    mncs_high: float | None
    pp_top10: float | None
    pp_top10_low: float | None
    pp_top10_high: float | None
    intl_copub_share: float | None
    intl_copub_share_low: float | None
    intl_copub_share_high: float | None
    industry_academia_share: float | None
    industry_academia_share_low: float | None
    industry_academia_share_high: float | None
    impact_evidence: str


class BenchmarkSeriesYear(BaseModel):
    year: int
    works: int = Field(description="Works of the scope in the year.")
    works_frac: float = Field(description="Output attributed to any entity of the kind.")
    partial: bool


class BenchmarkSeriesOut(DecisionOut):
    """Countries, organisations or authors year by year (SciVal's Benchmarking)."""

    unit: str = Field(description="country, organization or author.")
    industry: str | None
    rows: list[BenchmarkSeriesRow] = Field(description="Per entity, one row per year.")
    world: list[BenchmarkSeriesYear]


class TalentRow(BaseModel):
    unit: str
    unit_name: str | None
    kind: str = Field(description="strategic or rising.")
    rank: int | None = Field(description="Rank within unit and kind; null: insufficient evidence.")
    author_id: str
    author_name: str | None
    country: str | None = Field(description="Current affiliation country.")
    org_id: str | None
    org_name: str | None
    sector: str | None
    first_year: int | None
    career_age: int | None
    n_works: int
    works: float | None = Field(description="Fractional works (1 / authors).")
    impact_works: int | None
    mean_ncs: float | None
    mean_ncs_low: float | None = Field(description="95 % stability interval (bootstrap).")
    mean_ncs_high: float | None
    top10_share: float | None
    top10_share_low: float | None = Field(description="95 % stability interval (bootstrap).")
    top10_share_high: float | None
    breadth: int | None
    leadership_share: float | None
    enterprise_share: float | None
    recent_works: int | None
    recent_ncs: float | None
    cohort_size: int | None
    cohort_relative_impact: float | None
    score: float | None
    outcome: str | None = Field(
        description="`ranked` or `insufficient evidence (…)` with the counts that were missing."
    )


class FlowRow(BaseModel):
    from_country: str | None
    to_country: str | None
    from_sector: str | None
    to_sector: str | None
    moves: int
    authors: int


class BalanceRow(BaseModel):
    country: str
    sector: str = Field(description="`all` or an organisation sector.")
    inflow: int
    outflow: int
    net: int


class TalentOut(DecisionOut):
    """Strategic and rising scientists of a country per industry (or field), talent flows."""

    country: str
    industry: str | None
    unit: str
    rows: list[TalentRow] = Field(description="Per unit the `top` strategic, then rising.")
    flows: list[FlowRow] = Field(description="Affiliation changes, most moves first.")
    balance: list[BalanceRow] = Field(description="The country's inflow, outflow and net.")


class HolderRow(BaseModel):
    industry: str
    rank: int
    org_id: str = Field(description="Organisation id, else assignee id.")
    name: str | None
    country_code: str | None
    type: str | None
    is_home: bool
    patents: float = Field(description="Fractional patents.")
    patents_full: int
    patent_share: float | None
    patent_share_low: float | None = Field(description="95 % stability interval (bootstrap).")
    patent_share_high: float | None
    fc5_total: float | None
    fc5_mean: float | None
    top10_patents: float | None
    top10_share: float | None = Field(description="Null when no patent is credited at all.")
    top10_share_low: float | None = Field(description="95 % stability interval (bootstrap).")
    top10_share_high: float | None
    cpc_groups: int


class HolderCpcCell(BaseModel):
    industry: str
    org_id: str
    name: str | None
    country_code: str | None
    rank: int
    cpc: str
    patents: int


class WhiteSpaceRow(BaseModel):
    industry: str
    cpc: str
    title: str | None
    patents: int
    holders: int
    home_patents: int
    home_holders: int
    known_country_patents: int | None = Field(description="Patents with a holder of known country.")
    known_country_share: float | None
    trend_patents: int
    first: int
    last: int
    slope: float | None
    growth: float | None = Field(description="Trend slope ÷ mean yearly patents.")
    cagr: float | None
    top_holders: str | None
    rising: bool
    enough_evidence: bool
    enough_coverage: bool | None
    white_space: bool
    rank: int | None
    outcome: str | None = Field(
        description="`white space`, `not a white space (…)` or `insufficient evidence (…)`."
    )


class LandscapeOut(DecisionOut):
    """Who holds an industry's valuable patents, and rising technologies without the
    country."""

    country: str
    industry: str | None
    rows: list[HolderRow] = Field(
        description="Per industry the `top` largest holders and the country's `top` largest."
    )
    matrix: list[HolderCpcCell] = Field(description="Holder × CPC group patents (non-zero).")
    white_spaces: list[WhiteSpaceRow]
    insufficient: list[WhiteSpaceRow] = Field(
        description="Technologies without a holder of the country where the evidence cannot "
        "tell (too few patents in the trend years, or too few holders of known country)."
    )
    groups: int = Field(description="Technologies (CPC groups) assessed.")


# -- routes --------------------------------------------------------------------------------
_KEY = r"^[a-z][a-z0-9_]*$"
_ID = r"^[A-Za-z0-9][A-Za-z0-9:._-]*$"


@router.get("/overview", response_model=OverviewOut, summary="Store contents and data quality")
async def api_overview(request: Request) -> dict[str, Any]:
    """Table counts, works by year/type/country, top institutions, ingest log, quarantine."""
    # async, without the (sync) StateDep: the data is formatted once when the store opens,
    # so the busiest endpoint never waits for a worker thread
    return get_state(request).overview or {}


@router.get("/industries", response_model=list[IndustryOut], summary="The industry catalog")
def api_industries(store: StoreDep, state: StateDep) -> list[dict[str, Any]]:
    """Every catalog industry with the number of works and patents in its slice."""
    return results.industry_list(state, store)


@router.get("/industries/{key}", response_model=IndustryDetailOut, summary="One industry")
def api_industry(
    key: Annotated[str, Path(pattern=_KEY, max_length=64)], store: StoreDep, state: StateDep
) -> dict[str, Any]:
    """The industry's definition, output per year, top countries and organisations."""
    return results.industry_detail(state, store, key)


@router.get("/organizations", response_model=OrganizationPage, summary="List organisations")
def api_organizations(
    store: StoreDep,
    state: StateDep,
    country: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{2}$", description="ISO alpha-2 code.")
    ] = None,
    type: Annotated[
        str | None,
        Query(pattern=r"^[a-z_-]{1,32}$", description="Stored type (education, company, …)."),
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Name substring.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Organisations (resolved, else institutions), filtered and paginated."""
    works = state.result(results.ORG_WORKS, store)
    return queries.organization_list(
        store, country=country, type=type, q=q, limit=limit, offset=offset, works=works
    )


@router.get(
    "/organizations/{org_id}", response_model=OrganizationProfileOut, summary="One organisation"
)
def api_organization(
    org_id: Annotated[str, Path(pattern=_ID, max_length=128)], store: StoreDep, state: StateDep
) -> dict[str, Any]:
    """Identity, output per year, partners and network metrics of one organisation."""
    return queries.organization_profile(
        store, org_id, analysis=state.result(results.ORG_ANALYSIS, store)
    )


@router.get("/network", response_model=NetworkOut, summary="A network slice")
def api_network(
    store: StoreDep,
    state: StateDep,
    kind: Annotated[
        str, Query(pattern="^(" + "|".join(KINDS) + ")$", description="Network kind.")
    ] = "org_collaboration",
    industry: Annotated[
        str | None, Query(pattern=_KEY, max_length=64, description="Catalog industry key.")
    ] = None,
    years: Annotated[
        str | None, Query(pattern=r"^\d{4}-\d{4}$", description="Inclusive range `2015-2020`.")
    ] = None,
    countries: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z]{2}(,[A-Za-z]{2}){0,49}$",
            description="`IT,DE`: documents with a participant there.",
        ),
    ] = None,
    counting: Annotated[str, Query(pattern="^(full|fractional)$")] = "full",
    max_nodes: Annotated[int, Query(ge=1, le=2000, description="Nodes returned.")] = 300,
) -> dict[str, Any]:
    """Build and analyse a network slice; the strongest ``max_nodes`` nodes with positions."""
    yr = None
    if years:
        a, b = years.split("-")
        yr = (int(a), int(b))
    cc = tuple(sorted({c.upper() for c in countries.split(",")})) if countries else ()
    return state.result(
        results.NETWORK,
        store,
        kind=kind,
        industry=industry,
        years=yr,
        countries=cc,
        counting=counting,
        max_nodes=max_nodes,
    )


_COUNTRY = r"^[A-Z]{2}$"
CountryQ = Annotated[
    str | None,
    Query(pattern=_COUNTRY, description="Home country, ISO alpha-2 (default: the server's)."),
]
IndustryQ = Annotated[
    str | None,
    Query(pattern=_KEY, max_length=64, description="Catalog industry key; omitted: all."),
]


CitationsQ = Annotated[
    str,
    Query(
        pattern="^(store|source|auto)$",
        description="Citation basis: `store` (citations between works in the store), `source` "
        "(the source's counts) or `auto` (the source's on a sample).",
    ),
]


@router.get("/positioning", response_model=PositioningOut, summary="Industry positioning")
def api_positioning(
    store: StoreDep,
    state: StateDep,
    country: CountryQ = None,
    unit: Annotated[
        str | None,
        Query(
            pattern="^(industry|field)$",
            description="`industry` (catalog) or `field` (level-0 concepts); default: "
            "`field` when the store has no patents and empty industry slices.",
        ),
    ] = None,
    min_top_documents: Annotated[
        float | None,
        Query(
            ge=0,
            description="Per side: the fewest world top documents in the window (else the "
            "side is dropped); default: the decision's (10).",
        ),
    ] = None,
    min_documents: Annotated[
        float | None,
        Query(
            ge=0,
            description="The country's fewest documents (else insufficient evidence); "
            "default: the decision's (10).",
        ),
    ] = None,
    min_coverage: Annotated[
        float | None,
        Query(
            ge=0,
            le=1,
            description="Per side: the least share of evidence with a known country; "
            "default: the decision's (0.5).",
        ),
    ] = None,
    citations: CitationsQ = "auto",
) -> dict[str, Any]:
    """Catch-up / parallel / leading per industry for a country, with the country × industry
    matrix (``forcemap.decide.positioning``): intervals, each side's leader and "insufficient
    evidence" below the minimums."""
    minimums = {
        k: v
        for k, v in (
            ("min_top_documents", min_top_documents),
            ("min_documents", min_documents),
            ("min_coverage", min_coverage),
        )
        if v is not None
    }
    return state.result(
        results.POSITIONING,
        store,
        country=country or state.home_country,
        unit=unit,
        citations=citations,
        **minimums,
    )


@router.get("/bottlenecks", response_model=BottlenecksOut, summary="Bottleneck technologies")
def api_bottlenecks(
    store: StoreDep, state: StateDep, country: CountryQ = None, industry: IndustryQ = None
) -> dict[str, Any]:
    """CPC groups where the country is weak and the holders few and foreign, and the HS6
    products it depends on (EU 2021 test) (``forcemap.decide.bottlenecks``)."""
    return state.result(
        results.BOTTLENECKS, store, country=country or state.home_country, industry=industry
    )


@router.get("/actors", response_model=ActorsOut, summary="Strategic actors")
def api_actors(
    store: StoreDep,
    state: StateDep,
    country: CountryQ = None,
    industry: IndustryQ = None,
    top: Annotated[int, Query(ge=1, le=200, description="Organisations per industry.")] = 20,
    citations: CitationsQ = "auto",
) -> dict[str, Any]:
    """A country's organisations per industry ranked by composite score; 422 when the
    store's organisations are not resolved (``forcemap.decide.actors``)."""
    cc = country or state.home_country
    return decisions.top_actors(
        state.result(results.ACTORS, store, country=cc, industry=industry, citations=citations),
        top,
    )


_UNIT_DESC = "`industry` (catalog; `industry` selects one) or `field` (level-0 concepts, all)."
UnitQ = Annotated[str, Query(pattern="^(industry|field)$", description=_UNIT_DESC)]
TopQ = Annotated[int, Query(ge=1, le=200, description="Rows listed (per unit).")]


def _unit_industry(state: WebState, unit: str, industry: str | None) -> None:
    """404 for an unknown industry; 422 for an industry with ``unit=field``."""
    if industry is None:
        return
    state.check_industry(industry)
    if unit != "industry":
        raise InputError(f"industry={industry!r} needs unit=industry (unit={unit!r} given)")


@router.get("/watch", response_model=WatchOut, summary="Technology watch")
def api_watch(
    store: StoreDep,
    state: StateDep,
    country: CountryQ = None,
    industry: IndustryQ = None,
    unit: Annotated[
        str | None,
        Query(
            pattern="^(topic|concept|cpc_group)$",
            description="Technology unit; default `topic` when the store has topics, else "
            "`concept`.",
        ),
    ] = None,
    top: TopQ = 20,
    qualified_only: Annotated[
        bool, Query(description="Rank only units passing the emergence rules.")
    ] = False,
    thin_records: Annotated[
        int,
        Query(ge=1, description="Least records in the window for a status (else insufficient)."),
    ] = 20,
    min_coherence: Annotated[
        float, Query(ge=0, le=1, description="Least coherence of an emerging unit.")
    ] = 0.2,
    citations: Annotated[
        str,
        Query(pattern="^(auto|store|source)$", description="Citation basis of the impact."),
    ] = "auto",
) -> dict[str, Any]:
    """Emerging technologies for a country by composite score (emergence, growth,
    disruption, novelty, home share, coherence, impact), each with its status and the evidence
    of the four attributes of Rotolo et al. 2015 (``forcemap.decide.watch``)."""
    return state.result(
        results.WATCH,
        store,
        country=country or state.home_country,
        industry=industry,
        unit=unit,
        top=top,
        qualified_only=qualified_only,
        thin_records=thin_records,
        min_coherence=min_coherence,
        citations=citations,
    )


MinImpactQ = Annotated[
    float,
    Query(
        ge=0,
        description="Least fractional works with a citation score for MNCS and PP(top 10 %) "
        "(else insufficient evidence).",
    ),
]
PartialYearsQ = Annotated[
    str,
    Query(
        pattern="^(auto|keep)$",
        description="auto: incomplete first/last years are left out of trends; keep: all.",
    ),
]


@router.get("/benchmark", response_model=BenchmarkOut, summary="International benchmark")
def api_benchmark(
    store: StoreDep,
    state: StateDep,
    country: CountryQ = None,
    industry: IndustryQ = None,
    unit: UnitQ = "industry",
    peers: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Z]{2}(,[A-Z]{2}){0,19}$",
            description="`US,DE`: the peers in every unit; default the `k` largest.",
        ),
    ] = None,
    k: Annotated[int, Query(ge=1, le=20, description="Automatic peers.")] = 5,
    min_impact_works: MinImpactQ = 50.0,
    partial_years: PartialYearsQ = "auto",
    citations: CitationsQ = "auto",
) -> dict[str, Any]:
    """The country and its peers per industry or field: output, impact, collaboration,
    patents, growth and specialisation, with stability intervals
    (``forcemap.decide.benchmark``)."""
    _unit_industry(state, unit, industry)
    cc = country or state.home_country
    peer_list = tuple(sorted({p for p in peers.split(",") if p != cc})) if peers else ()
    return state.result(
        results.BENCHMARK,
        store,
        country=cc,
        industry=industry,
        unit=unit,
        peers=peer_list,
        k=k,
        min_impact_works=min_impact_works,
        partial_years=partial_years,
        citations=citations,
    )


@router.get(
    "/benchmark/series", response_model=BenchmarkSeriesOut, summary="Benchmarking year by year"
)
def api_benchmark_series(
    store: StoreDep,
    state: StateDep,
    unit: Annotated[
        str,
        Query(pattern="^(country|organization|author)$", description="The kind of entity."),
    ] = "country",
    units: Annotated[
        str | None,
        Query(
            pattern=r"^[^,]{1,64}(,[^,]{1,64}){0,19}$",
            description="`CA,US` (countries), organisation or author ids; default the `top` "
            "entities by output.",
        ),
    ] = None,
    industry: IndustryQ = None,
    top: Annotated[int, Query(ge=1, le=20, description="Automatic entities.")] = 5,
    span: Annotated[int, Query(ge=1, le=50, description="Years shown (the last ones).")] = 10,
    min_impact_works: MinImpactQ = 50.0,
    partial_years: PartialYearsQ = "auto",
) -> dict[str, Any]:
    """Countries, organisations or authors year by year: output, world share, MNCS,
    PP(top 10 %), international and industry–academia shares, each with its stability
    interval; incomplete years marked ``partial`` (``forcemap.decide.benchmark``)."""
    entity_list = tuple(u.strip() for u in units.split(",") if u.strip()) if units else ()
    if unit == "country":
        entity_list = tuple(u.upper() for u in entity_list)
    return state.result(
        results.BENCHMARK_SERIES,
        store,
        unit=unit,
        units=entity_list,
        industry=industry,
        top=top,
        span=span,
        min_impact_works=min_impact_works,
        partial_years=partial_years,
    )


@router.get("/talent", response_model=TalentOut, summary="Strategic scientists and flows")
def api_talent(
    store: StoreDep,
    state: StateDep,
    country: CountryQ = None,
    industry: IndustryQ = None,
    unit: UnitQ = "industry",
    top: TopQ = 25,
    citations: CitationsQ = "auto",
) -> dict[str, Any]:
    """Strategic and rising scientists of a country per industry or field, the talent flows
    and the country's balance (``forcemap.decide.talent``)."""
    _unit_industry(state, unit, industry)
    cc = country or state.home_country
    return state.result(
        results.TALENT,
        store,
        country=cc,
        industry=industry,
        unit=unit,
        top=top,
        citations=citations,
    )


@router.get("/landscape", response_model=LandscapeOut, summary="IP landscape")
def api_landscape(
    store: StoreDep,
    state: StateDep,
    country: CountryQ = None,
    industry: IndustryQ = None,
    top: TopQ = 20,
) -> dict[str, Any]:
    """Portfolio value of an industry's patent holders, the holder × CPC matrix and the
    country's white spaces (``forcemap.decide.landscape``)."""
    cc = country or state.home_country
    return state.result(results.LANDSCAPE, store, country=cc, industry=industry, top=top)
