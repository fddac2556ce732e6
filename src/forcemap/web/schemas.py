"""The response models the JSON API shares: the one error shape, the head of every decision
(its rule, caveats and synthetic flag) and the rows several responses hold (output per year,
organisations by works).

The routers (:mod:`forcemap.web.api`, :mod:`forcemap.web.api_tools`) declare their own
row models beside their routes and build their decision models on :class:`DecisionOut`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ERRORS",
    "CountryCount",
    "DecisionOut",
    "ErrorOut",
    "IngestRow",
    "InstitutionRow",
    "OrgWorks",
    "OverviewOut",
    "QuarantineRow",
    "RuleOut",
    "TypeCount",
    "YearCount",
    "YearPatents",
]


class ErrorOut(BaseModel):
    """The one error shape of the API."""

    ok: bool = Field(False, description="Always false for errors.")
    error: str = Field(description="What failed and what to do.")
    status: int = Field(description="The HTTP status code.")


#: The error responses every ``/api/v1`` route documents (``APIRouter(responses=ERRORS)``).
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong token."},
    404: {"model": ErrorOut, "description": "Unknown id or key."},
    422: {"model": ErrorOut, "description": "Invalid parameters."},
}


class RuleOut(BaseModel):
    """The rule a decision applied, with every threshold and weight it used."""

    name: str
    statement: str = Field(description="The rule in one paragraph.")
    parameters: dict[str, Any] = Field(description="Thresholds, weights and scope used.")
    conventions: dict[str, Any] = Field(
        default_factory=dict,
        description="The conventions the figures rest on (forward-citation window, concept "
        "score threshold, CD threshold), each a parameter of the decision.",
    )
    references: list[str] = Field(description="Where the rule comes from.")


class CoverageOut(BaseModel):
    """How much of a decision's evidence has an attribute the decision needs."""

    what: str = Field(
        description="The evidence and the attribute, e.g. patent families with "
        "a known holder country."
    )
    known: float
    total: float
    share: float | None = Field(description="known / total; null when there is no evidence.")
    minimum: float | None = Field(
        description="The share below which the decision does not label; null when only reported."
    )
    below: bool = Field(description="True when the share is below the minimum.")
    text: str = Field(description="The coverage in words.")


class DecisionOut(BaseModel):
    """What every decision endpoint returns around its rows."""

    rule: RuleOut
    caveats: list[str] = Field(description="Plain-language warnings: thin or missing evidence.")
    data_coverage: list[CoverageOut] = Field(
        default_factory=list,
        description="How much of the evidence has the attributes the decision needs.",
    )
    synthetic: bool = Field(description="True when the store holds synthetic records.")


# -- rows several responses hold ---------------------------------------------------------
class YearCount(BaseModel):
    year: int
    works: int


class YearPatents(BaseModel):
    year: int
    patents: int


class OrgWorks(BaseModel):
    id: str
    name: str | None
    country_code: str | None
    type: str | None
    works: int


# -- the overview (the store at a glance) -------------------------------------------------
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
