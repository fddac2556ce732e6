"""What the indicator registry knows of one indicator: its name, its function and its inputs.

Each indicator module declares its :class:`Indicator` records beside the functions they name
(``IMPACT = Indicator("impact", field_normalised_citation_score, inputs=…)``), and
:mod:`forcemap.indicators` imports them explicitly, so a registry entry cannot name a function
that does not exist or forget the tables it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

__all__ = ["PATENTS", "WORKS", "WORK_ACTORS", "Indicator"]

WORKS: tuple[str, ...] = ("works", "work_references", "work_concepts", "work_topics")
"""The work tables an indicator over works may read."""
WORK_ACTORS: tuple[str, ...] = ("authorships", "institutions", "organizations", "org_aliases")
"""The tables that attribute works to authors, institutions and organisations."""
PATENTS: tuple[str, ...] = ("patents", "patent_cpc", "patent_citations", "patent_assignees")
"""The patent tables an indicator over patents may read."""


@dataclass(frozen=True)
class Indicator:
    """One indicator of ``forcemap indicators NAME``.

    ``function(store, **params) -> pa.Table`` computes it; ``inputs(params)`` names the store
    tables it may read with those parameters (conservatively: every table the computation may
    touch), which is what makes a saved result stale when one of them changes.
    """

    name: str
    function: Callable[..., pa.Table]
    inputs: Callable[[Mapping[str, Any]], tuple[str, ...]]
