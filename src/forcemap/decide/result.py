"""The result object every decision returns: tables + the rule applied + evidence + caveats."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.decide._solve import SolveResult
from forcemap.errors import InputError

__all__ = [
    "Coverage",
    "DecisionResult",
    "Rule",
    "SolveResult",
    "check_weights",
    "is_synthetic",
]


def is_synthetic(cur: duckdb.DuckDBPyConnection) -> bool:
    """True when any stored work, patent, project or trade row came from a synthetic world
    (``origin`` starting ``synthetic``): the flag behind every decision's SYNTHETIC caveat."""
    row = cur.execute(
        """SELECT EXISTS (SELECT 1 FROM works WHERE origin LIKE 'synthetic%')
               OR EXISTS (SELECT 1 FROM patents WHERE origin LIKE 'synthetic%')
               OR EXISTS (SELECT 1 FROM projects WHERE origin LIKE 'synthetic%')
               OR EXISTS (SELECT 1 FROM trade WHERE origin LIKE 'synthetic%')"""
    ).fetchall()
    return bool(row[0][0])


def check_weights(
    weights: Mapping[str, float] | None,
    defaults: Mapping[str, float] | tuple[str, ...],
    what: str = "",
) -> dict[str, float]:
    """The weight of every component of a composite score: ``defaults`` (a mapping, or
    component names weighted 1) overridden by ``weights``.

    Raises
    ------
    InputError
        An unknown component, a weight that is negative or not finite, or no positive weight
        (``what`` names the score in the message, e.g. "review").
    """
    out = dict(defaults) if isinstance(defaults, Mapping) else dict.fromkeys(defaults, 1.0)
    label = f"{what} " if what else ""
    if weights:
        unknown = sorted(set(weights) - set(out))
        if unknown:
            raise InputError(
                f"unknown {label}weight(s) {', '.join(unknown)}; components: {', '.join(out)}"
            )
        out.update({k: float(v) for k, v in weights.items()})
    if any(not math.isfinite(v) or v < 0 for v in out.values()) or sum(out.values()) <= 0:
        raise InputError(f"{label}weights must be finite, ≥ 0 and not all 0, got {out}")
    return out


@dataclass(frozen=True)
class Rule:
    """The rule a decision applied, with its thresholds, so an analyst can argue with it.

    ``parameters`` holds every threshold and weight actually used (defaults included);
    ``references`` cites where the rule comes from; ``conventions`` records the conventions
    the rule rests on whose values its statement (or the caveats) already states in words
    (the forward-citation window, the concept-score threshold …), so that they can be read
    back without parsing the text. :meth:`describe` shows the statement and ``parameters``.
    """

    name: str
    statement: str
    parameters: dict[str, Any]
    references: tuple[str, ...] = ()
    conventions: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One paragraph: the statement followed by the parameter values."""
        params = ", ".join(f"{k} = {v}" for k, v in self.parameters.items())
        return f"{self.statement} Parameters: {params}." if params else self.statement


@dataclass(frozen=True)
class Coverage:
    """How much of a decision's evidence has an attribute the decision needs.

    ``what`` names the evidence and the attribute ("patent families with a known holder
    country"); ``known`` of ``total`` have it. ``minimum`` is the share below which the
    decision does not label (None: reported only). ``share`` is None when there is no
    evidence at all (``total`` 0): no evidence is not full or zero coverage.
    """

    what: str
    known: float
    total: float
    minimum: float | None = None

    @property
    def share(self) -> float | None:
        """``known / total``, or None when ``total`` is 0."""
        return self.known / self.total if self.total else None

    @property
    def below(self) -> bool:
        """True when a ``minimum`` is set and the share is below it (or unknown)."""
        if self.minimum is None:
            return False
        return self.share is None or self.share < self.minimum

    def describe(self) -> str:
        """E.g. ``patent families with a known holder country: 12 of 128 (9.4 %), below the
        minimum 50 %``."""
        share = self.share
        pct = "no evidence" if share is None else f"{100 * share:.1f} %"
        text = f"{self.what}: {_count(self.known)} of {_count(self.total)} ({pct})"
        if self.minimum is not None:
            cmp = "below" if self.below else "at or above"
            text += f", {cmp} the minimum {100 * self.minimum:g} %"
        return text


def _count(x: float) -> str:
    return f"{int(x):,}" if float(x) == int(x) else f"{x:,.1f}"


@dataclass
class DecisionResult:
    """What a decision returns.

    ``table`` is the main answer (one row per industry, organisation, candidate …);
    ``evidence`` holds the supporting tables (counts, the underlying indicator values);
    ``caveats`` are plain-language warnings (thin evidence, missing data, synthetic data);
    ``solve`` says how an optimisation was solved (decisions that solve one: consortium,
    allocation, panel); ``coverage`` says how much of the evidence has the attributes the
    decision needs (:class:`Coverage`, added with :meth:`cover`).
    """

    name: str
    table: pa.Table
    rule: Rule
    evidence: dict[str, pa.Table] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    synthetic: bool = False
    solve: SolveResult | None = None
    coverage: list[Coverage] = field(default_factory=list)

    def warn(self, message: str) -> None:
        """Add a caveat (kept once)."""
        if message not in self.caveats:
            self.caveats.append(message)

    def cover(
        self, what: str, known: float, total: float, *, minimum: float | None = None
    ) -> Coverage:
        """Record (once per ``what``) and return the coverage of one attribute."""
        c = Coverage(what, float(known), float(total), minimum)
        self.coverage = [x for x in self.coverage if x.what != what] + [c]
        return c
