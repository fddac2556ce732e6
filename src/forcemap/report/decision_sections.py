"""Report sections of the benchmarking, talent and IP-landscape decisions.

Each function takes the :class:`~forcemap.decide.result.DecisionResult` a decision returned
(it computes nothing) and gives one :class:`~forcemap.report.render.Section`: the main table
(top rows), the rule with every threshold, the coverage and the caveats, as
:func:`~forcemap.report.sections.decision_section` does, plus the evidence table a reader
needs next to it (the yearly series, the talent balance and flows, the white spaces).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from forcemap.decide.result import DecisionResult
from forcemap.report.render import Section, rule_text
from forcemap.report.sections import decision_section

__all__ = [
    "BENCHMARK_COLUMNS",
    "LANDSCAPE_COLUMNS",
    "SERIES_COLUMNS",
    "TALENT_COLUMNS",
    "benchmark_section",
    "landscape_section",
    "talent_section",
]

BENCHMARK_COLUMNS = ["country", "rank", "works", "works_frac", "world_share", "world_share_low",
                     "world_share_high", "mncs", "mncs_low", "mncs_high", "pp_top10",
                     "intl_copub_share", "industry_academia_share", "patents", "patent_share",
                     "fc5_mean", "cagr", "rca", "rta", "thin_evidence",
                     "impact_evidence"]  # fmt: skip
"""The benchmark columns the report shows (the table holds their intervals too)."""

SERIES_COLUMNS = ["entity", "year", "partial", "works", "works_frac", "world_share", "mncs",
                  "pp_top10", "impact_evidence"]  # fmt: skip
"""The yearly benchmark columns the report shows."""

TALENT_COLUMNS = ["kind", "rank", "author_name", "org_name", "sector", "outcome", "career_age",
                  "n_works", "mean_ncs", "mean_ncs_low", "mean_ncs_high", "top10_share",
                  "breadth", "leadership_share", "enterprise_share", "cohort_relative_impact",
                  "score"]  # fmt: skip
"""The talent columns the report shows."""

LANDSCAPE_COLUMNS = ["rank", "name", "country_code", "type", "is_home", "patents",
                     "patent_share", "patent_share_low", "patent_share_high", "fc5_mean",
                     "top10_share", "top10_share_low", "top10_share_high",
                     "cpc_groups"]  # fmt: skip
"""The IP-landscape columns the report shows."""


def benchmark_section(
    result: DecisionResult,
    series: DecisionResult | None,
    *,
    title: str,
    anchor: str = "",
    max_rows: int = 12,
) -> Section:
    """The benchmark of the home country against its peers (:func:`~forcemap.decide.benchmark.
    benchmark`) and, when ``series`` is given, the same countries year by year
    (:func:`~forcemap.decide.benchmark_series.benchmark_series`), each with its rule and
    caveats."""
    sec = decision_section(
        result, title, BENCHMARK_COLUMNS, max_rows=max_rows,
        table_title="The home country and its peers (by fractional output)",
    )  # fmt: skip
    sec.anchor = anchor
    world = result.evidence.get("world")
    if world is not None and world.num_rows:
        sec.table("The world in this unit", world.select(["unit_name", "works", "works_frac",
                                                          "patents", "countries"]))  # fmt: skip
    if series is None:
        return sec
    shown = series.table.select([c for c in SERIES_COLUMNS if c in series.table.column_names])
    sec.text(f"Year by year — {rule_text(series.rule)}")
    if shown.num_rows:
        sec.table("Year by year (partial: a year the store holds incompletely)", shown,
                  max_rows=60)  # fmt: skip
    else:
        sec.text("No yearly rows: the countries have no works of this unit in the window.")
    sec.notes(series)
    return sec


def talent_section(
    result: DecisionResult, *, title: str, anchor: str = "", max_rows: int = 20
) -> Section:
    """Strategic and rising scientists (:func:`~forcemap.decide.talent.talent`), the home
    country's talent balance and the largest flows."""
    sec = decision_section(
        result, title, TALENT_COLUMNS, max_rows=max_rows,
        table_title="Strategic scientists, then rising scientists",
    )  # fmt: skip
    sec.anchor = anchor
    balance = result.evidence.get("balance")
    if balance is not None and balance.num_rows:
        sec.table("Talent balance (distinct authors moving in and out)", balance)
    flows = result.evidence.get("flows")
    if flows is not None and flows.num_rows:
        top = flows.sort_by([("moves", "descending"), ("authors", "descending"),
                             ("from_country", "ascending")])  # fmt: skip
        sec.table("Largest flows (affiliation changes)", top, max_rows=10)
    return sec


def landscape_section(
    result: DecisionResult, *, title: str, anchor: str = "", max_rows: int = 15
) -> Section:
    """The IP landscape (:func:`~forcemap.decide.landscape.landscape`): the largest holders,
    the home country's largest holders, and the white spaces."""
    sec = decision_section(
        result, title, LANDSCAPE_COLUMNS, max_rows=max_rows,
        table_title="Largest holders (fractional patent families)",
    )  # fmt: skip
    sec.anchor = anchor
    t = result.table
    if t.num_rows > max_rows:
        home = t.filter(pc.equal(t["is_home"], True))
        later = home.filter(pc.greater(home["rank"], pa.scalar(max_rows, pa.int64())))
        if later.num_rows:
            sec.table(
                f"The home country's holders ranked below {max_rows}",
                later.select([c for c in LANDSCAPE_COLUMNS if c in t.column_names]),
                max_rows=5,
            )
    white = result.evidence.get("white_spaces")
    cols = ["rank", "cpc", "title", "trend_patents", "first", "last", "growth", "cagr",
            "top_holders"]  # fmt: skip
    if white is not None and white.num_rows:
        sec.table("White spaces (rising technologies without a holder of the home country)",
                  white.select(cols), max_rows=10)  # fmt: skip
    else:
        sec.text("No white space: no technology passes the rule.")
    return sec
