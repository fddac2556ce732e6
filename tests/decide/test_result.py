"""Tests of the result object every decision returns (forcemap.decide.result)."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from forcemap.decide.result import Coverage, DecisionResult, Rule, SolveResult, check_weights
from forcemap.errors import InputError


def test_rule_describe() -> None:
    r = Rule("x", "Pick the largest.", {"top": 3, "min": 0.5})
    assert r.describe() == "Pick the largest. Parameters: top = 3, min = 0.5."
    assert Rule("y", "No parameters.", {}).describe() == "No parameters."


def test_warn_keeps_each_caveat_once_and_solve_defaults_to_none() -> None:
    res = DecisionResult("d", pa.table({"a": [1]}), Rule("d", "s", {}))
    res.warn("thin evidence")
    res.warn("thin evidence")
    res.warn("synthetic")
    assert res.caveats == ["thin evidence", "synthetic"]
    assert res.solve is None and res.synthetic is False and res.evidence == {}
    res.solve = SolveResult("optimal", "milp", 2.0, bound=2.0, gap=0.0)
    assert res.solve.method == "milp"


def test_check_weights() -> None:
    assert check_weights(None, ("a", "b")) == {"a": 1.0, "b": 1.0}
    assert check_weights({"b": 2}, {"a": 0.5, "b": 1.0}) == {"a": 0.5, "b": 2.0}
    with pytest.raises(InputError, match="unknown review weight"):
        check_weights({"c": 1}, ("a", "b"), "review")
    for bad in ({"a": -1.0}, {"a": math.inf}, {"a": 0.0, "b": 0.0}):
        with pytest.raises(InputError, match="finite"):
            check_weights(bad, ("a", "b"))


def test_coverage_share_minimum_and_words() -> None:
    r = DecisionResult("x", pa.table({"a": [1]}), Rule("x", "s", {}))
    c = r.cover("patent families with a known holder country", 12, 128, minimum=0.5)
    assert c.share == 12 / 128 and c.below
    assert c.describe() == (
        "patent families with a known holder country: 12 of 128 (9.4 %), below the minimum 50 %"
    )
    # recorded once per what: a second call replaces the first
    r.cover("patent families with a known holder country", 100, 128, minimum=0.5)
    assert len(r.coverage) == 1 and not r.coverage[0].below
    # no evidence is not full or zero coverage: the share is unknown, and below any minimum
    none = Coverage("works with a known year", 0, 0, minimum=0.5)
    assert none.share is None and none.below and "(no evidence)" in none.describe()
    assert not Coverage("works with a known year", 0, 0).below  # reported only
