"""Kleinberg burst detection: the hand-worked case, brute force over all state sequences, the
store query checked against independent counts, and bad parameters."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forcemap.cli import app
from forcemap.errors import InputError
from forcemap.indicators.bursts import BURSTS_SCHEMA, burst_states, bursts, kleinberg_costs
from forcemap.store import Store


def _brute_force(r: np.ndarray, d: np.ndarray, s: float, gamma: float) -> float:
    """The least cost over all 2^n state sequences, from the definition (q_0 = 0)."""
    sigma0, sigma1, _ = kleinberg_costs(r[None, :], d, s)
    n = len(r)
    up = gamma * math.log(n)
    best = math.inf
    for seq in itertools.product((0, 1), repeat=n):
        cost, prev = 0.0, 0
        for t, q in enumerate(seq):
            cost += (up if q > prev else 0.0) + (sigma1 if q else sigma0)[0, t]
            prev = q
        best = min(best, cost)
    return best


def _cost(q: np.ndarray, r: np.ndarray, d: np.ndarray, s: float, gamma: float) -> float:
    sigma0, sigma1, _ = kleinberg_costs(r[None, :], d, s)
    up = gamma * math.log(len(r))
    prev, cost = 0, 0.0
    for t, x in enumerate(q.astype(int)):
        cost += (up if x > prev else 0.0) + (sigma1 if x else sigma0)[0, t]
        prev = x
    return cost


def test_hand_worked_case() -> None:
    """Ten documents a year, the unit in 1, 1, 6, 7, 1, 1: p0 = 17/60, p1 = 34/60; the gain
    σ0 − σ1 = r ln 2 + (d − r) ln(26/43) (ln((1 − p1)/(1 − p0))) is 2.146 and 3.343 in
    years 3 and 4; γ ln 6 = 1.792 < 5.489, so 3–4 is one burst of weight 5.489."""
    r, d = np.array([[1, 1, 6, 7, 1, 1]]), np.full(6, 10)
    q, gain = burst_states(r, d)
    assert q.astype(int).tolist() == [[0, 0, 1, 1, 0, 0]]
    by_hand = [x * math.log(2) + (10 - x) * math.log(26 / 43) for x in (6, 7)]
    assert gain[0, 2:4] == pytest.approx(by_hand)
    assert gain[0, 2:4].sum() == pytest.approx(5.4892, abs=1e-4)
    # a large γ makes the burst too dear to enter: 5.489 < γ ln 6 when γ = 3.1
    q, _ = burst_states(r, d, gamma=3.1)
    assert not q.any()


def test_dynamic_programming_equals_brute_force() -> None:
    """Random short series (n ≤ 9, varying d_t including empty years), several s and γ: the
    recursion's sequence costs exactly the least cost over all 2^n sequences."""
    rng = np.random.default_rng(7)
    for _ in range(150):
        n = int(rng.integers(2, 10))
        d = rng.integers(0, 30, size=n)
        r = np.array([int(rng.integers(0, x + 1)) for x in d])
        s = float(rng.choice([1.5, 2.0, 3.0]))
        gamma = float(rng.choice([0.5, 1.0, 2.0]))
        q, _ = burst_states(r[None, :], d, s=s, gamma=gamma)
        assert _cost(q[0], r, d, s, gamma) == pytest.approx(_brute_force(r, d, s, gamma)), (r, d)


def test_units_are_independent_rows() -> None:
    """Many units at once give the same states as one at a time."""
    rng = np.random.default_rng(3)
    d = rng.integers(5, 40, size=8)
    r = np.array([[int(rng.integers(0, x + 1)) for x in d] for _ in range(20)])
    q_all, _ = burst_states(r, d)
    for i in range(20):
        assert (burst_states(r[i : i + 1], d)[0] == q_all[i]).all()


def test_no_burst_without_variation_or_evidence() -> None:
    d = np.full(5, 10)
    for r in ([0, 0, 0, 0, 0], [10] * 5, [2] * 5):
        q, _ = burst_states(np.array([r]), d)
        assert not q.any(), r


def test_bad_counts_and_parameters() -> None:
    with pytest.raises(InputError, match="r_t ≤ d_t"):
        burst_states(np.array([[3, 1]]), np.array([2, 2]))
    with pytest.raises(InputError, match="s="):
        burst_states(np.array([[1, 1]]), np.array([2, 2]), s=1.0)
    with pytest.raises(InputError, match="gamma="):
        burst_states(np.array([[1, 1]]), np.array([2, 2]), gamma=0)


def test_reference_bursts_on_the_real_sample(synergy_store: Store) -> None:
    """Every burst row agrees with counts taken independently from the store: the works
    citing the reference in the burst years, and in all years."""
    t = bursts(synergy_store, unit="reference", min_documents=20)
    assert t.schema == BURSTS_SCHEMA and t.num_rows > 0
    w = t.column("weight").to_pylist()
    assert w == sorted(w, reverse=True) and min(w) > 0
    for row in t.slice(0, 5).to_pylist():
        in_burst, total = synergy_store.con.execute(
            """SELECT count(DISTINCT r.citing_id) FILTER (WHERE w.year BETWEEN ? AND ?),
                      count(DISTINCT r.citing_id)
               FROM work_references AS r JOIN works AS w ON w.work_id = r.citing_id
               WHERE r.cited_id = ? AND r.cited_id <> r.citing_id""",
            [row["start_year"], row["end_year"], row["unit_id"]],
        ).fetchall()[0]
        assert (row["documents"], row["total_documents"]) == (in_burst, total)
        assert row["documents"] > row["expected"]


def test_concept_bursts_and_the_year_window(synergy_store: Store) -> None:
    full = bursts(synergy_store, unit="concept")
    assert full.num_rows > 0
    part = bursts(synergy_store, unit="concept", start_year=2010, end_year=2015)
    assert min(part.column("start_year").to_pylist()) >= 2010
    assert max(part.column("end_year").to_pylist()) <= 2015
    with pytest.raises(InputError, match="unit must be"):
        bursts(synergy_store, unit="keyword")  # type: ignore[arg-type]  # the error is tested
    with pytest.raises(InputError, match="before start_year"):
        bursts(synergy_store, start_year=2015, end_year=2010)
    assert bursts(synergy_store, unit="topic").num_rows == 0  # SYNERGY predates topics


def test_cli(synergy_store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "bursts.csv"
    r = CliRunner().invoke(
        app,
        ["--store", str(synergy_store_path), "indicators", "bursts", "--unit", "reference",
         "--gamma", "2", "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert out.read_text().splitlines()[0].startswith('"unit_id","name","start_year"')
    r = CliRunner().invoke(
        app, ["--store", str(synergy_store_path), "indicators", "bursts", "--s", "0.5",
              "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 2 and "s=0.5" in r.output
