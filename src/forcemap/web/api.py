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
from pydantic import BaseModel, Field

from forcemap.errors import InputError
from forcemap.network import KINDS
from forcemap.web import decisions, queries, results
from forcemap.web.decision_schemas import (
    ActorsOut,
    BenchmarkOut,
    BenchmarkSeriesOut,
    BottlenecksOut,
    LandscapeOut,
    PositioningOut,
    TalentOut,
    WatchOut,
)
from forcemap.web.schemas import (
    ERRORS,
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
    org_level: str | None = None


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


# -- routes --------------------------------------------------------------------------------
_KEY = r"^[a-z][a-z0-9_]*$"
_ID = r"^[A-Za-z0-9][A-Za-z0-9:._-]*$"


OrgLevelQ = Annotated[
    str,
    Query(
        pattern="^(self|parent|top)$",
        description="Count organisations as resolved (`self`), rolled up to their `parent` or "
        "to the `top` of their hierarchy.",
    ),
]
PatentUnitQ = Annotated[
    str,
    Query(
        pattern="^(family|patent)$",
        description="Patent counting unit: `family` (one invention counted once) or `patent` "
        "(every grant).",
    ),
]


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
    org_level: OrgLevelQ = "self",
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
        org_level=org_level,
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
    patent_unit: PatentUnitQ = "family",
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
        patent_unit=patent_unit,
        **minimums,
    )


@router.get("/bottlenecks", response_model=BottlenecksOut, summary="Bottleneck technologies")
def api_bottlenecks(
    store: StoreDep,
    state: StateDep,
    country: CountryQ = None,
    industry: IndustryQ = None,
    org_level: OrgLevelQ = "self",
    patent_unit: PatentUnitQ = "family",
) -> dict[str, Any]:
    """CPC groups where the country is weak and the holders few and foreign, and the HS6
    products it depends on (EU 2021 test) (``forcemap.decide.bottlenecks``)."""
    return state.result(
        results.BOTTLENECKS,
        store,
        country=country or state.home_country,
        industry=industry,
        org_level=org_level,
        patent_unit=patent_unit,
    )


@router.get("/actors", response_model=ActorsOut, summary="Strategic actors")
def api_actors(
    store: StoreDep,
    state: StateDep,
    country: CountryQ = None,
    industry: IndustryQ = None,
    top: Annotated[int, Query(ge=1, le=200, description="Organisations per industry.")] = 20,
    citations: CitationsQ = "auto",
    org_level: OrgLevelQ = "self",
    patent_unit: PatentUnitQ = "family",
) -> dict[str, Any]:
    """A country's organisations per industry ranked by composite score; 422 when the
    store's organisations are not resolved (``forcemap.decide.actors``). Example:
    ``/api/v1/actors?country=DE&industry=robotics&org_level=top``."""
    cc = country or state.home_country
    return decisions.top_actors(
        state.result(
            results.ACTORS,
            store,
            country=cc,
            industry=industry,
            citations=citations,
            org_level=org_level,
            patent_unit=patent_unit,
        ),
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
    org_level: OrgLevelQ = "self",
    patent_unit: PatentUnitQ = "family",
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
        org_level=org_level,
        patent_unit=patent_unit,
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
    org_level: OrgLevelQ = "self",
    patent_unit: PatentUnitQ = "family",
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
        org_level=org_level,
        patent_unit=patent_unit,
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
    org_level: OrgLevelQ = "self",
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
        org_level=org_level,
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
    org_level: OrgLevelQ = "self",
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
        org_level=org_level,
    )


@router.get("/landscape", response_model=LandscapeOut, summary="IP landscape")
def api_landscape(
    store: StoreDep,
    state: StateDep,
    country: CountryQ = None,
    industry: IndustryQ = None,
    top: TopQ = 20,
    org_level: OrgLevelQ = "self",
    patent_unit: PatentUnitQ = "family",
) -> dict[str, Any]:
    """Portfolio value of an industry's patent holders, the holder × CPC matrix and the
    country's white spaces (``forcemap.decide.landscape``)."""
    cc = country or state.home_country
    return state.result(
        results.LANDSCAPE,
        store,
        country=cc,
        industry=industry,
        top=top,
        org_level=org_level,
        patent_unit=patent_unit,
    )
