"""The result object every decision returns: tables + the rule applied + evidence + caveats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

__all__ = ["DecisionResult", "Rule"]


@dataclass(frozen=True)
class Rule:
    """The rule a decision applied, with its thresholds, so an analyst can argue with it.

    ``parameters`` holds every threshold and weight actually used (defaults included);
    ``references`` cites where the rule comes from.
    """

    name: str
    statement: str
    parameters: dict[str, Any]
    references: tuple[str, ...] = ()

    def describe(self) -> str:
        """One paragraph: the statement followed by the parameter values."""
        params = ", ".join(f"{k} = {v}" for k, v in self.parameters.items())
        return f"{self.statement} Parameters: {params}." if params else self.statement


@dataclass
class DecisionResult:
    """What a decision returns.

    ``table`` is the main answer (one row per industry, organisation, candidate …);
    ``evidence`` holds the supporting tables (counts, the underlying indicator values);
    ``caveats`` are plain-language warnings (thin evidence, missing data, synthetic data).
    """

    name: str
    table: pa.Table
    rule: Rule
    evidence: dict[str, pa.Table] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    synthetic: bool = False

    def warn(self, message: str) -> None:
        """Add a caveat (kept once)."""
        if message not in self.caveats:
            self.caveats.append(message)
