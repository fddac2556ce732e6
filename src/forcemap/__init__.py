"""forcemap: science & technology strategy from open data.

The main entry points, importable from the top level (each loaded on first use, so
``import forcemap`` stays fast)::

    from forcemap import Store, ingest, positioning

    with Store.open("ws.duckdb") as store:
        ingest(store, "openalex", ["works/"])
        result = positioning(store, country="CN")

Layers (see the README): :mod:`forcemap.store` (data), :mod:`forcemap.indicators` (models),
:mod:`forcemap.network`, :mod:`forcemap.decide` (decisions), :mod:`forcemap.report`,
:mod:`forcemap.web`, and the ``forcemap`` command (:mod:`forcemap.cli`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "DecisionResult",
    "ForcemapError",
    "Store",
    "allocate_budget",
    "analyse",
    "benchmark",
    "bottlenecks",
    "build_network",
    "compute_indicator",
    "consortium",
    "indicator_table",
    "industry_report",
    "ingest",
    "landscape",
    "pathways",
    "positioning",
    "project_review",
    "review_panel",
    "search",
    "strategic_actors",
    "talent",
    "technology_watch",
]

# name -> the module that defines it
_HOMES: dict[str, str] = {
    "DecisionResult": "forcemap.decide.result",
    "ForcemapError": "forcemap.errors",
    "Store": "forcemap.store.store",
    "allocate_budget": "forcemap.decide.portfolio",
    "analyse": "forcemap.network.analyse",
    "benchmark": "forcemap.decide.benchmark",
    "bottlenecks": "forcemap.decide.bottlenecks",
    "build_network": "forcemap.network.build",
    "compute_indicator": "forcemap.indicators",
    "consortium": "forcemap.decide.consortium",
    "indicator_table": "forcemap.indicators",
    "industry_report": "forcemap.report.industry",
    "ingest": "forcemap.store.ingest",
    "landscape": "forcemap.decide.landscape",
    "pathways": "forcemap.decide.explore",
    "positioning": "forcemap.decide.positioning",
    "project_review": "forcemap.decide.portfolio",
    "review_panel": "forcemap.decide.panel",
    "search": "forcemap.decide.explore",
    "strategic_actors": "forcemap.decide.actors",
    "talent": "forcemap.decide.talent",
    "technology_watch": "forcemap.decide.watch",
}

if TYPE_CHECKING:
    from forcemap.decide.actors import strategic_actors
    from forcemap.decide.benchmark import benchmark
    from forcemap.decide.bottlenecks import bottlenecks
    from forcemap.decide.consortium import consortium
    from forcemap.decide.explore import pathways, search
    from forcemap.decide.landscape import landscape
    from forcemap.decide.panel import review_panel
    from forcemap.decide.portfolio import allocate_budget, project_review
    from forcemap.decide.positioning import positioning
    from forcemap.decide.result import DecisionResult
    from forcemap.decide.talent import talent
    from forcemap.decide.watch import technology_watch
    from forcemap.errors import ForcemapError
    from forcemap.indicators import compute_indicator, indicator_table
    from forcemap.network.analyse import analyse
    from forcemap.network.build import build_network
    from forcemap.report.industry import industry_report
    from forcemap.store.ingest import ingest
    from forcemap.store.store import Store


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forcemap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
