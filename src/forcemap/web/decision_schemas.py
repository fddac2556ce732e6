"""The response models of the decision endpoints of the JSON API (:mod:`forcemap.web.api`):
one row model per decision table and one response per decision around its rows (the rule,
caveats, coverage and synthetic flag of :class:`~forcemap.web.schemas.DecisionOut`). They
document the API in the generated OpenAPI and validate what the routes return."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from forcemap.web.schemas import DecisionOut

__all__ = [
    "ActorRow",
    "ActorsOut",
    "BalanceRow",
    "BenchmarkOut",
    "BenchmarkRow",
    "BenchmarkSeriesOut",
    "BenchmarkSeriesRow",
    "BenchmarkSeriesYear",
    "BottleneckRow",
    "BottlenecksOut",
    "FlowRow",
    "HolderCpcCell",
    "HolderRow",
    "LandscapeOut",
    "MatrixCell",
    "PositioningOut",
    "PositioningRow",
    "TalentOut",
    "TalentRow",
    "TradeRow",
    "WatchBeauty",
    "WatchGeneric",
    "WatchOrganization",
    "WatchOut",
    "WatchRow",
    "WatchSeed",
    "WatchWork",
    "WhiteSpaceRow",
]


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
    possibly_same_as: str | None = Field(
        default=None,
        description="Persons scored as possibly the same scientist (below the merge threshold "
        "of `forcemap resolve`): `Name (person id, p=probability); …`; null when none.",
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
