"""The JSON API under ``/api/v1``: the pages' data, documented by the generated OpenAPI.

Every route validates its parameters (``Query(pattern=…, ge=…, le=…)``); a bad parameter is
a 422 and an unknown id a 404, both as ``{"ok": false, "error": message, "status": code}``
(:class:`ErrorOut`). Routes call :mod:`forcemap.web.queries` and hold no logic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from forcemap.network import KINDS
from forcemap.store.store import Store
from forcemap.web import queries
from forcemap.web.app import WebState, get_state, get_store

__all__ = [
    "ErrorOut",
    "IndustryDetailOut",
    "IndustryOut",
    "NetworkOut",
    "OrganizationPage",
    "OrganizationProfileOut",
    "OverviewOut",
    "router",
]


class ErrorOut(BaseModel):
    """The one error shape of the API."""

    ok: bool = Field(False, description="Always false for errors.")
    error: str = Field(description="What failed and what to do.")
    status: int = Field(description="The HTTP status code.")


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong token."},
    404: {"model": ErrorOut, "description": "Unknown id or key."},
    422: {"model": ErrorOut, "description": "Invalid parameters."},
}

router = APIRouter(prefix="/api/v1", tags=["api"], responses=_ERRORS)

StoreDep = Annotated[Store, Depends(get_store)]
StateDep = Annotated[WebState, Depends(get_state)]


# -- models --------------------------------------------------------------------------------
class YearCount(BaseModel):
    year: int
    works: int


class YearPatents(BaseModel):
    year: int
    patents: int


class TypeCount(BaseModel):
    type: str
    works: int


class CountryCount(BaseModel):
    country_code: str
    works: int
    authorships: int | None = None


class InstitutionRow(BaseModel):
    institution_id: str
    name: str | None
    country_code: str | None
    type: str | None
    works: int
    citations: int | None


class IngestRow(BaseModel):
    batch_id: int
    source: str
    file: str
    read: int
    stored: int
    rejected: int
    duplicates: int
    started: datetime
    finished: datetime
    status: str


class QuarantineRow(BaseModel):
    source: str
    file: str
    reason: str
    records: int


class OverviewOut(BaseModel):
    """What the store holds (the overview page)."""

    store: str = Field(description="Store file name.")
    synthetic: bool = Field(description="True when any record comes from a synthetic world.")
    tables: dict[str, int] = Field(description="Row count of every canonical table.")
    works_by_year: list[YearCount]
    works_by_type: list[TypeCount]
    top_countries: list[CountryCount] = Field(
        description="Full counting: a work counts once per country."
    )
    top_institutions: list[InstitutionRow]
    ingest_log: list[IngestRow]
    quarantine: list[QuarantineRow] = Field(description="Rejected records by file and reason.")


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


class OrgWorks(BaseModel):
    id: str
    name: str | None
    country_code: str | None
    type: str | None
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


# -- routes --------------------------------------------------------------------------------
_KEY = r"^[a-z][a-z0-9_]*$"
_ID = r"^[A-Za-z0-9][A-Za-z0-9:._-]*$"


@router.get("/overview", response_model=OverviewOut, summary="Store contents and data quality")
def api_overview(state: StateDep) -> dict[str, Any]:
    """Table counts, works by year/type/country, top institutions, ingest log, quarantine."""
    if state.summary is None:  # pragma: no cover - lifespan sets it
        return {}
    return queries.overview(state.summary, store_name=state.store_path.name)


@router.get("/industries", response_model=list[IndustryOut], summary="The industry catalog")
def api_industries(store: StoreDep, state: StateDep) -> list[dict[str, Any]]:
    """Every catalog industry with the number of works and patents in its slice."""
    ws, ps = state.slices(store)
    return queries.industry_list(state.catalog, ws, ps)


@router.get("/industries/{key}", response_model=IndustryDetailOut, summary="One industry")
def api_industry(
    key: Annotated[str, Path(pattern=_KEY, max_length=64)], store: StoreDep, state: StateDep
) -> dict[str, Any]:
    """The industry's definition, output per year, top countries and organisations."""
    ws, ps = state.slices(store)
    return queries.industry_detail(store, state.catalog, key, ws, ps)


@router.get("/organizations", response_model=OrganizationPage, summary="List organisations")
def api_organizations(
    store: StoreDep,
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
    return queries.organization_list(
        store, country=country, type=type, q=q, limit=limit, offset=offset
    )


@router.get(
    "/organizations/{org_id}", response_model=OrganizationProfileOut, summary="One organisation"
)
def api_organization(
    org_id: Annotated[str, Path(pattern=_ID, max_length=128)], store: StoreDep, state: StateDep
) -> dict[str, Any]:
    """Identity, output per year, partners and network metrics of one organisation."""
    return queries.organization_profile(store, org_id, analysis=state.org_analysis(store))


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
    params = {
        "kind": kind,
        "industry": industry,
        "years": yr,
        "countries": cc,
        "counting": counting,
        "max_nodes": max_nodes,
    }
    return state.cached(
        ("network", tuple(sorted(params.items()))),
        lambda: queries.network_view(store, **params),  # type: ignore[arg-type]
    )
