"""The science-mapping JSON API under ``/api/v1/mapping/``: the data of the pages of
:mod:`forcemap.web.mapping` (the same cached results, :mod:`forcemap.web.mapping_views`),
with pydantic response models. Every table is also a download
(``/download/mapping/<name>.<csv|xlsx>?…``, :mod:`forcemap.web.downloads`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from forcemap.indicators.bursts import BURST_UNITS
from forcemap.network.science_maps import MAP_KINDS, MAP_UNITS
from forcemap.web import mapping_views as mv
from forcemap.web.schemas import ERRORS
from forcemap.web.state import StateDep, StoreDep

__all__ = [
    "BurstsOut",
    "CollaborationOut",
    "LawsOut",
    "ScienceMapOut",
    "router",
]

router = APIRouter(prefix="/api/v1/mapping", tags=["science mapping"], responses=ERRORS)

_KEY = r"^[a-z][a-z0-9_]*$"
_YEARS = r"^\d{4}-\d{4}$"


def _years(years: str | None) -> tuple[int, int] | None:
    if not years:
        return None
    a, b = years.split("-")
    return (int(a), int(b))


# -- models --------------------------------------------------------------------------------
class MapSlice(BaseModel):
    industry: str | None
    years: list[int] | None


class MapMeta(BaseModel):
    kind: str
    unit: str = Field(description="Node kind: work, author, source, institution, country, "
                      "concept or topic.")  # fmt: skip
    counting: str
    normalise: str | None
    min_count: int
    min_weight: float
    slice: MapSlice


class MapSummary(BaseModel):
    works: int = Field(description="Works in the slice.")
    n_nodes: int
    n_edges: int
    isolates: int = Field(description="Nodes without a link (not drawn).")
    n_clusters: int = Field(description="Leiden clusters with at least one linked node.")
    modularity: float | None
    shown_nodes: int
    shown_edges: int
    truncated: bool


class MapCluster(BaseModel):
    cluster: int = Field(description="0 = largest.")
    size: int = Field(description="Linked nodes in the cluster (whole network).")
    strength: float | None
    label: str = Field(description="Its strongest nodes' labels.")
    colour: str
    shown: int = Field(description="Of its nodes, those drawn.")


class MapNode(BaseModel):
    id: str
    label: str | None
    type: str | None
    n_docs: int
    links: int
    strength: float | None
    cluster: int
    x: float
    y: float


class MapEdge(BaseModel):
    source: str
    target: str
    weight: float | None


class ScienceMapOut(BaseModel):
    """A science map laid out for display (see ``forcemap.web.mapping_views``)."""

    meta: MapMeta
    summary: MapSummary
    clusters: list[MapCluster]
    nodes: list[MapNode]
    edges: list[MapEdge]


class BurstParameters(BaseModel):
    unit: str
    s: float
    gamma: float
    start_year: int | None
    end_year: int | None
    min_documents: int
    min_score: float


class BurstRow(BaseModel):
    unit_id: str
    name: str | None
    start_year: int
    end_year: int
    weight: float | None
    documents: int
    expected: float | None
    total_documents: int


class BurstsOut(BaseModel):
    """Kleinberg bursts, by descending weight."""

    parameters: BurstParameters
    rows: list[BurstRow]


class LotkaFit(BaseModel):
    beta: float | None
    c: float | None
    r2: float | None
    p_value: float | None = Field(description="Two-sample KS test against Lotka's k^-2.")
    authors: int


class LotkaRow(BaseModel):
    n_documents: int
    n_authors: int
    share: float | None
    fitted_share: float | None
    lotka_share: float | None


class Lotka(BaseModel):
    fit: LotkaFit
    rows: list[LotkaRow]


class BradfordZone(BaseModel):
    zone: int
    sources: int
    documents: int


class BradfordRow(BaseModel):
    source_id: str
    name: str | None
    rank: int
    documents: int
    cumulative: int
    zone: int


class Bradford(BaseModel):
    zones: list[BradfordZone]
    rows: list[BradfordRow]


class HIndexRow(BaseModel):
    unit_id: str
    name: str | None
    h_index: int
    g_index: int
    m_index: float | None
    citations: int
    documents: int
    unknown_citations: int
    first_year: int | None


class HIndexTables(BaseModel):
    author: list[HIndexRow]
    source: list[HIndexRow]
    institution: list[HIndexRow]


class GrowthRow(BaseModel):
    year: int
    works: int


class Growth(BaseModel):
    rate: float | None = Field(description="Compound annual growth rate, % a year.")
    rows: list[GrowthRow]


class LawsOut(BaseModel):
    """Lotka's law, Bradford's zones, h/g/m-index tables and annual growth."""

    lotka: Lotka
    bradford: Bradford
    hindex: HIndexTables
    growth: Growth


class CollabSummary(BaseModel):
    n_countries: int
    n_links: int
    works: int = Field(description="Works of the slice with a known author country.")
    international_share: float | None
    unmapped: list[str] = Field(description="Countries the world map has no shape for.")


class CollabCountry(BaseModel):
    country_code: str
    iso3: str | None
    name: str | None
    works: int
    single_country: int
    multi_country: int
    partners: int
    strength: float | None
    lon: float | None
    lat: float | None


class CollaborationOut(BaseModel):
    """Works per country and the strongest country collaboration links."""

    summary: CollabSummary
    countries: list[CollabCountry]
    links: list[MapEdge]


# -- routes --------------------------------------------------------------------------------
@router.get("/network", response_model=ScienceMapOut, summary="Science map")
def api_science_map(
    store: StoreDep,
    state: StateDep,
    kind: Annotated[str, Query(pattern="^(" + "|".join(MAP_KINDS) + ")$")] = "coword",
    unit: Annotated[
        str,
        Query(
            pattern="^(" + "|".join(MAP_UNITS) + ")$",
            description="Aggregate coupling / co-citation to this unit (ignored by co-word).",
        ),
    ] = "work",
    terms: Annotated[str, Query(pattern="^(concept|topic)$")] = "concept",
    industry: Annotated[str | None, Query(pattern=_KEY, max_length=64)] = None,
    years: Annotated[str | None, Query(pattern=_YEARS, description="`2015-2020`.")] = None,
    counting: Annotated[str, Query(pattern="^(full|fractional)$")] = "full",
    normalise: Annotated[str | None, Query(pattern="^association_strength$")] = None,
    min_count: Annotated[
        int | None, Query(ge=1, description="Default: cocitation 5, coupling 1, coword 2.")
    ] = None,
    min_weight: Annotated[float, Query(ge=0)] = 0.0,
    max_nodes: Annotated[int, Query(ge=10, le=5000)] = 1000,
) -> dict[str, Any]:
    """A co-citation, bibliographic coupling or co-word network, clustered and laid out."""
    return state.result(
        mv.SCIENCE_MAP,
        store,
        kind=kind,
        unit=unit if kind != "coword" else "work",
        terms=terms,
        industry=industry,
        years=_years(years),
        counting=counting,
        normalise=normalise,
        min_count=min_count,
        min_weight=min_weight,
        max_nodes=max_nodes,
    )


@router.get("/bursts", response_model=BurstsOut, summary="Kleinberg bursts")
def api_bursts(
    store: StoreDep,
    state: StateDep,
    unit: Annotated[str, Query(pattern="^(" + "|".join(BURST_UNITS) + ")$")] = "concept",
    s: Annotated[float, Query(gt=1, le=100)] = 2.0,
    gamma: Annotated[float, Query(gt=0, le=100)] = 1.0,
    start_year: Annotated[int | None, Query(ge=1000, le=9999)] = None,
    end_year: Annotated[int | None, Query(ge=1000, le=9999)] = None,
    min_documents: Annotated[int, Query(ge=1, le=100_000)] = 3,
) -> dict[str, Any]:
    """Bursts of concepts, topics or cited references (Kleinberg 2002)."""
    return state.result(
        mv.BURSTS,
        store,
        unit=unit,
        s=s,
        gamma=gamma,
        start_year=start_year,
        end_year=end_year,
        min_documents=min_documents,
    )


@router.get("/laws", response_model=LawsOut, summary="Bibliometric laws and tables")
def api_laws(
    store: StoreDep,
    state: StateDep,
    start_year: Annotated[int | None, Query(ge=1000, le=9999)] = None,
    end_year: Annotated[int | None, Query(ge=1000, le=9999)] = None,
    top: Annotated[int, Query(ge=1, le=1000, description="Rows of each h-index table.")] = 20,
) -> dict[str, Any]:
    """Lotka's law, Bradford's zones, h/g/m-index tables and the annual growth."""
    return state.result(mv.LAWS, store, start_year=start_year, end_year=end_year, top=top)


@router.get("/collaboration", response_model=CollaborationOut, summary="Country collaboration map")
def api_collaboration(
    store: StoreDep,
    state: StateDep,
    industry: Annotated[str | None, Query(pattern=_KEY, max_length=64)] = None,
    years: Annotated[str | None, Query(pattern=_YEARS, description="`2015-2020`.")] = None,
    counting: Annotated[str, Query(pattern="^(full|fractional)$")] = "full",
    top_links: Annotated[int, Query(ge=0, le=2000)] = 150,
) -> dict[str, Any]:
    """Works per country (with map codes and positions) and the strongest links."""
    return state.result(
        mv.COLLABORATION,
        store,
        industry=industry,
        years=_years(years),
        counting=counting,
        top_links=top_links,
    )
