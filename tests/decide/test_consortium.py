"""Consortium design: hand-worked tiny stores whose optimum is known, constraints, infeasible
requests, the greedy fallback, the planted strong enterprise and the real SYNERGY sample."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import OptimizeResult

import forcemap.decide._solve as solver  # the HiGHS call moved to the shared wrapper
from forcemap.decide.consortium import (
    CANDIDATE_SCHEMA,
    COVERAGE_SCHEMA,
    MEMBER_SCHEMA,
    SUB_TECHNOLOGY_SCHEMA,
    consortium,
    solve_consortium,
)
from forcemap.errors import InfeasibleError, InputError
from forcemap.store import Store
from forcemap.store.reference import Industry, IndustryCatalog, SubTechnology

# A one-industry catalog: sub-technologies a (A01B), b (A01C), c (A01D); A01K is an
# industry-level pattern (its patents count for no sub-technology but make prior ties).
CATALOG = IndustryCatalog(
    [
        Industry(
            key="widgets",
            name="Widgets",
            description="",
            cpc=("A01K",),
            sub_technologies=(
                SubTechnology("a", "Alpha", ("A01B",)),
                SubTechnology("b", "Beta", ("A01C",)),
                SubTechnology("c", "Gamma", ("A01D",)),
            ),
        )
    ]
)

# Single-assignee patents per organisation and sub-technology (raw strength = the count):
#        a  b  c   type         country
#   O1   4  .  .   enterprise   DE
#   O2   .  4  1   enterprise   DE
#   O3   2  .  4   university   DE
#   O4   2  3  .   institute    DE
#   O5   1  1  1   enterprise   FR
# plus one A01K patent co-assigned to O3 and O4 (their only prior tie, weight 1 → t = 1).
# Normalised (max 4 in each column): O1 (1, 0, 0), O2 (0, 1, .25), O3 (.5, 0, 1),
# O4 (.5, .75, 0), O5 (.25, .25, .25).
_COUNTS = {
    "O1": {"A01B": 4},
    "O2": {"A01C": 4, "A01D": 1},
    "O3": {"A01B": 2, "A01D": 4},
    "O4": {"A01B": 2, "A01C": 3},
    "O5": {"A01B": 1, "A01C": 1, "A01D": 1},
}
_ORGS = {
    "O1": ("EntOne", "enterprise", "DE"),
    "O2": ("EntTwo", "enterprise", "DE"),
    "O3": ("Uni", "university", "DE"),
    "O4": ("Institute", "institute", "DE"),
    "O5": ("FrenchCo", "enterprise", "FR"),
}


def _fill(store: Store) -> None:
    pats, cpcs, asg = [], [], []
    n = 0
    for org, counts in _COUNTS.items():
        for sub, k in counts.items():
            for _ in range(k):
                n += 1
                pats.append((f"P{n}",))
                cpcs.append((f"P{n}", f"{sub}1/00", f"{sub}1/00", sub))
                asg.append((f"P{n}", 0, f"A{org}", org))
    n += 1
    pats.append((f"P{n}",))
    cpcs.append((f"P{n}", "A01K1/00", "A01K1/00", "A01K"))
    asg += [(f"P{n}", 0, "AO3", "O3"), (f"P{n}", 1, "AO4", "O4")]
    con = store.con
    con.executemany(
        "INSERT INTO patents (patent_id, year, grant_date, origin, batch_id) "
        "VALUES (?, 2020, '2020-01-01', 't', 0)",
        pats,
    )
    con.executemany(
        "INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_group, cpc_subclass, "
        "is_first) VALUES (?, 0, ?, ?, ?, true)",
        cpcs,
    )
    con.executemany(
        "INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code) "
        "VALUES (?, ?, ?, ?, 'company', 'DE')",
        asg,
    )
    con.executemany(
        "INSERT INTO organizations (org_id, name, type, country_code) VALUES (?, ?, ?, ?)",
        [(o, *v) for o, v in _ORGS.items()],
    )
    con.executemany(
        "INSERT INTO org_aliases (source, source_id, org_id, method) "
        "VALUES ('assignee', ?, ?, 'name')",
        [(f"A{o}", o) for o in _ORGS],
    )


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "s.duckdb")
    _fill(s)
    yield s
    s.close()


def _run(store: Store, **kw: object) -> object:
    kw.setdefault("industry", "widgets")
    kw.setdefault("catalog", CATALOG)
    kw.setdefault("depth", 1)  # the hand-worked values below are for plain max coverage
    return consortium(store, **kw)  # type: ignore[arg-type]


def _members(r: object) -> set[str]:
    return set(r.table["org_id"].to_pylist())  # type: ignore[attr-defined]


def test_unique_optimal_pair(tiny: Store) -> None:
    """Size 2, weights 1, λ = .05. Pair values Σ_j max s_oj (+ .05 for O3–O4):
    O1O2 2.25, O1O3 2, O1O4 1.75, O1O5 1.5, O2O3 .5 + 1 + 1 = 2.5, O2O4 1.75, O2O5 1.5,
    O3O4 2.25 + .05, O3O5 1.75, O4O5 1.5 → O2 + O3 uniquely."""
    r = _run(tiny, size=2)
    assert r.table.schema == MEMBER_SCHEMA
    assert _members(r) == {"O2", "O3"}
    assert r.rule.parameters["method_used"] == "milp"
    assert r.rule.parameters["objective"] == pytest.approx(2.5)
    rows = {x["org_id"]: x for x in r.table.to_pylist()}
    assert rows["O2"]["covers"] == ["b"] and rows["O3"]["covers"] == ["a", "c"]
    # marginal: 2.5 − F({O2}) = 2.5 − (1 + .25)
    assert rows["O3"]["contribution"] == pytest.approx(1.25)
    assert rows["O3"]["raw_strength"] == pytest.approx(6.0)
    assert rows["O3"]["strength"] == pytest.approx(1.5)
    assert "c (strongest candidate there)" in rows["O3"]["why"]
    assert "a (0.50 of the strongest)" in rows["O3"]["why"]
    assert all(x["role"] == "member" for x in rows.values())
    cov = r.evidence["coverage"]
    assert cov.schema == COVERAGE_SCHEMA and cov.num_rows == 3 * 2
    credited = {(x["sub_technology"], x["org_id"]) for x in cov.to_pylist() if x["credited"]}
    assert credited == {("a", "O3"), ("b", "O2"), ("c", "O3")}
    subs = r.evidence["sub_technologies"]
    assert subs.schema == SUB_TECHNOLOGY_SCHEMA
    assert subs["coverage"].to_pylist() == pytest.approx([0.5, 1.0, 1.0])
    assert subs["best_candidate"].to_pylist() == ["O1", "O2", "O3"]
    cand = r.evidence["candidates"]
    assert cand.schema == CANDIDATE_SCHEMA and cand.num_rows == 5
    # pool order: weighted total strength O3 1.5, O2 = O4 1.25, O1 1, O5 .75
    assert cand["org_id"].to_pylist() == ["O3", "O2", "O4", "O1", "O5"]
    assert cand["chosen"].to_pylist() == [True, True, False, False, False]
    assert r.evidence["strengths"].num_rows == 1 + 2 + 2 + 2 + 3
    assert r.rule.parameters["n_prior_ties"] == 1
    assert r.synthetic is False


def test_type_constraint_changes_the_optimum(tiny: Store) -> None:
    """Two enterprises: O1O2 2.25 > O1O5, O2O5 1.5."""
    r = _run(tiny, size=2, min_types={"enterprise": 2})
    assert _members(r) == {"O1", "O2"}
    assert r.rule.parameters["objective"] == pytest.approx(2.25)


def test_must_include_exclude_and_lead(tiny: Store) -> None:
    # O4 forced: O4O3 2.25 + .05 tie beats O4O1, O4O2 1.75
    r = _run(tiny, size=2, must_include=["O4"])
    assert _members(r) == {"O3", "O4"}
    assert r.rule.parameters["objective"] == pytest.approx(2.3)
    why = {x["org_id"]: x["why"] for x in r.table.to_pylist()}
    assert why["O4"].startswith("must_include (required)")
    assert "prior ties with Uni" in why["O4"] and "prior ties with Institute" in why["O3"]
    # O3 excluded: the best pair left is O1O2 (2.25)
    r = _run(tiny, size=2, must_exclude=["O3"])
    assert _members(r) == {"O1", "O2"}
    assert "O3" not in r.evidence["candidates"]["org_id"].to_pylist()
    # the lead comes first with role lead
    r = _run(tiny, size=2, lead="O1")
    assert r.table["org_id"].to_pylist()[0] == "O1"
    assert r.table["role"].to_pylist() == ["lead", "member"]
    # O1 + O3 = 2 vs O1O2 2.25 → O2
    assert _members(r) == {"O1", "O2"}


def test_tie_bonus(tiny: Store) -> None:
    """λ = 1: O3O4 2.25 + 1 = 3.25 beats O2O3 2.5."""
    r = _run(tiny, size=2, tie_bonus=1.0)
    assert _members(r) == {"O3", "O4"}
    assert r.rule.parameters["objective"] == pytest.approx(3.25)
    assert r.rule.parameters["coverage_objective"] == pytest.approx(2.25)
    assert r.table.to_pylist()[0]["ties"] in (["O3"], ["O4"])


def test_weights(tiny: Store) -> None:
    """Only c counts (a, b weight 0) → O3 is the sole contributor; size 1."""
    r = _run(tiny, size=1, weights={"a": 0, "b": 0})
    assert _members(r) == {"O3"}
    r = _run(tiny, size=1, weights={"a": 0, "b": 1, "c": 0})
    assert _members(r) == {"O2"}


def test_only_feasible_solution(tiny: Store) -> None:
    """In DE the enterprises are O1, O2 and the only institute O4: size 3 with one institute
    and two enterprises leaves {O1, O2, O4} (2.25) although {O1, O2, O3} reaches 3."""
    free = _run(tiny, size=3, country="DE")
    assert _members(free) == {"O1", "O2", "O3"}
    assert free.rule.parameters["objective"] == pytest.approx(3.0)
    r = _run(tiny, size=3, country="DE", min_types={"institute": 1, "enterprise": 2})
    assert _members(r) == {"O1", "O2", "O4"}
    assert r.rule.parameters["objective"] == pytest.approx(2.25)
    g = _run(
        tiny, size=3, country="DE", min_types={"institute": 1, "enterprise": 2}, method="greedy"
    )
    assert _members(g) == {"O1", "O2", "O4"}


@pytest.mark.parametrize(
    ("kwargs", "message", "error"),
    [
        (
            {"size": 2, "min_types": {"university": 2}},
            r"2 university.*only 1 candidate",
            InfeasibleError,
        ),
        (
            {"size": 2, "min_types": {"healthcare": 1}},
            r"only 0 candidates of type 'healthcare'",
            InfeasibleError,
        ),
        (
            {"size": 2, "min_types": {"enterprise": 2, "university": 1}},
            r"at least 3 members \(2 enterprise, 1 university\) but size=2",
            InfeasibleError,
        ),
        ({"size": 2, "must_include": ["NOPE"]}, r"must_include.*NOPE not in the store", InputError),
        ({"size": 2, "lead": "NOPE"}, r"lead.*NOPE not in the store", InputError),
        (
            {"size": 2, "lead": "O1", "must_include": ["O2", "O3"]},
            r"name 3 organisations but size=2",
            InfeasibleError,
        ),
        (
            {"size": 2, "lead": "O1", "must_include": ["O2"], "min_types": {"university": 1}},
            r"fill 2 of the 2 places.*needs 1 more university",
            InfeasibleError,
        ),
        ({"size": 6}, r"only 5 candidates .* but size=6", InfeasibleError),
        (
            {"size": 4, "country": "DE", "must_exclude": ["O1"]},
            r"only 3 candidates in DE",
            InfeasibleError,
        ),
        ({"size": 2, "country": "JP"}, r"no organisation of JP has works or patents", InputError),
        ({"size": 2, "lead": "O1", "must_exclude": ["O1"]}, r"both required", InputError),
        ({"size": 2, "min_types": {"startup": 1}}, r"unknown organisation type", InputError),
        ({"size": 2, "weights": {"zeta": 1}}, r"unknown sub-technology zeta", InputError),
        ({"size": 2, "sub_technologies": ["zeta"]}, r"unknown sub-technology zeta", InputError),
        ({"size": 2, "sub_technologies": "cpc"}, r"must be None, 'cpc_group'", InputError),
        ({"size": 0}, r"positive integer", InputError),
        ({"size": 2, "method": "cp-sat"}, r"'milp' or 'greedy'", InputError),
        ({"size": 2, "industry": "nope"}, r"unknown industry", InputError),
    ],
)
def test_infeasible_or_bad_requests(
    tiny: Store, kwargs: dict, message: str, error: type[Exception]
) -> None:
    # a request no consortium can meet is InfeasibleError (exit 5), a bad argument InputError
    with pytest.raises(error, match=message):
        _run(tiny, **kwargs)


def test_unresolved_store(tiny: Store) -> None:
    tiny.con.execute("DELETE FROM org_aliases")
    with pytest.raises(InputError, match="resolve_organizations"):
        _run(tiny, size=2)


def test_greedy_is_labelled(tiny: Store) -> None:
    """Greedy: O3 first (largest total 1.5), then O2 (gain .5 + 1 + 0 ... = 1 vs O4 .75 + .05)."""
    r = _run(tiny, size=2, method="greedy")
    assert _members(r) == {"O2", "O3"}
    assert r.rule.parameters["method_used"] == "greedy"
    assert r.rule.parameters["milp_objective"] is None
    assert any("GREEDY" in c for c in r.caveats)


def test_milp_failure_falls_back_to_greedy(tiny: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> OptimizeResult:
        return OptimizeResult(x=None, status=4, message="solver exploded", fun=None)

    monkeypatch.setattr(solver, "milp", broken)
    r = _run(tiny, size=2)
    assert _members(r) == {"O2", "O3"}
    used = r.rule.parameters["method_used"]
    assert used.startswith("greedy (fallback: MILP solver failure")
    assert any("GREEDY" in c and "fallback" in c for c in r.caveats)


def test_time_limited_incumbent_worse_than_greedy(
    tiny: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = solver.milp

    def slow(c: np.ndarray, **kwargs: object) -> OptimizeResult:
        res = real(c, **kwargs)
        x = np.zeros_like(res.x)
        x[[2, 4]] = 1.0  # O4 + O5 in pool order (O3, O2, O4, O1, O5): 1.5 < greedy's 2.5
        return OptimizeResult(x=x, status=1, message="time limit", fun=-1.5)

    monkeypatch.setattr(solver, "milp", slow)
    r = _run(tiny, size=2)
    assert _members(r) == {"O2", "O3"}
    assert r.rule.parameters["method_used"].startswith("greedy (better than the MILP")
    assert r.rule.parameters["milp_objective"] == pytest.approx(1.5)


def test_solver_beats_greedy_on_a_classic_instance() -> None:
    """Max coverage where greedy is fooled: M = (.6, .6, .6, .6), L = (1, 1, 0, 0),
    R = (0, 0, 1, 1), size 2. Greedy takes M (2.4) then L (+ .8) = 3.2; the optimum L + R = 4."""
    s = np.array([[0.6, 0.6, 0.6, 0.6], [1, 1, 0, 0], [0, 0, 1, 1]])
    opt = solve_consortium(s, size=2)
    assert sorted(opt.members.tolist()) == [1, 2]
    assert opt.objective == pytest.approx(4.0) and opt.method_used == "milp"
    assert opt.greedy_objective == pytest.approx(3.2)
    g = solve_consortium(s, size=2, method="greedy")
    assert sorted(g.members.tolist()) == [0, 1] and g.objective == pytest.approx(3.2)
    # a type constraint: rows 0 and 2 are "university", row 1 "enterprise"
    t = solve_consortium(
        s, size=2, types=["university", "enterprise", "university"], min_types={"university": 2}
    )
    assert sorted(t.members.tolist()) == [0, 2] and t.objective == pytest.approx(3.2)
    # ties: λ = 1 on the pair (0, 1) → 3.2 + 1 = 4.2 beats 4
    tie = solve_consortium(s, size=2, ties=([0], [1], [1.0]), tie_bonus=1.0)
    assert sorted(tie.members.tolist()) == [0, 1] and tie.objective == pytest.approx(4.2)
    # pruning keeps the top 1 per column (L for columns 0–1, R for 2–3): same optimum here
    p = solve_consortium(s, size=2, max_per_sub_technology=1)
    assert sorted(p.members.tolist()) == [1, 2] and "pruned" in p.status


def test_cpc_group_columns(tiny: Store) -> None:
    """CPC main groups A01B1/00, A01C1/00, A01D1/00 (and A01K1/00, the tie patent, split
    evenly: O3 .5, O4 .5 → normalised 1 each)."""
    r = _run(tiny, size=2, sub_technologies="cpc_group")
    cols = r.evidence["sub_technologies"]["sub_technology"].to_pylist()
    assert cols == ["A01B1/00", "A01C1/00", "A01D1/00", "A01K1/00"]
    # O2 + O3 = .5 + 1 + 1 + 1 = 3.5 (O3 carries A01K1/00 too); O3O4 .5 + .75 + 1 + 1 + .05
    assert _members(r) == {"O2", "O3"}
    assert r.rule.parameters["objective"] == pytest.approx(3.5)
    assert any("CPC main groups" in c for c in r.caveats)


def test_sub_technology_subset(tiny: Store) -> None:
    r = _run(tiny, size=1, sub_technologies=["b"])
    assert _members(r) == {"O2"}
    assert r.evidence["coverage"].num_rows == 1


# -- the planted strong enterprise -------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(synthetic_world: tuple[Path, dict]) -> Iterator[tuple[Store, dict]]:
    path, planted = synthetic_world
    s = Store.open(path, read_only=True)
    yield s, planted
    s.close()


@pytest.mark.slow
@pytest.mark.parametrize("size", [4, 6])
def test_planted_strong_enterprise_is_chosen(synthetic: tuple[Store, dict], size: int) -> None:
    store, planted = synthetic
    fact = planted["strong_enterprise"]
    for country in (None, fact["country"]):
        r = consortium(
            store,
            industry=fact["industry"],
            size=size,
            country=country,
            min_types={"enterprise": 1, "university": 1},
            time_limit=30.0,
        )
        assert r.synthetic is True
        assert r.table.num_rows == size
        assert fact["org_id"] in r.table["org_id"].to_pylist(), (country, r.table.to_pylist())
        assert r.rule.parameters["method_used"] == "milp"
        assert r.rule.parameters["objective"] >= r.rule.parameters["greedy_objective"] - 1e-9
        types = r.table["type"].to_pylist()
        assert "enterprise" in types and "university" in types


# -- the real SYNERGY sample -------------------------------------------------------------------


@pytest.mark.slow
def test_real_synergy_store(synergy_store_path: Path, tmp_path: Path) -> None:
    """SYNERGY has works only (no patents) and no resolved organisations: resolve a copy."""
    from forcemap.store.organizations import resolve_organizations

    path = tmp_path / "synergy.duckdb"
    shutil.copy(synergy_store_path, path)
    with Store.open(path) as s:
        resolve_organizations(s)
        r = consortium(s, industry="biomedicine", size=5, min_types={"university": 2})
        assert r.table.num_rows == 5
        assert r.rule.parameters["method_used"] == "milp"
        assert r.table["type"].to_pylist().count("university") >= 2
        subs = r.evidence["sub_technologies"]
        assert subs.num_rows == len(r.rule.parameters["sub_technologies"])
        assert r.rule.parameters["objective"] >= r.rule.parameters["greedy_objective"] - 1e-9


def test_org_level_parent_merges_an_institute_into_its_university(tiny: Store) -> None:
    """O4 (institute) is a child of O3 (university). At org level parent O3's raw strengths
    are a 2 + 2, b 3, c 4 → normalised (1, .75, 1); the O3–O4 tie is inside one node and
    vanishes. Size 2: O2O3 = 1 + 1 + 1 = 3 beats O1O3 = 2.75; O4 is no candidate."""
    tiny.con.execute(
        """INSERT INTO org_hierarchy VALUES ('O4', 'O3', 'O3', 1, 'ror', 1),
             ('O3', 'O3', 'O3', 0, 'self', 0)"""
    )
    assert _members(_run(tiny, size=2)) == {"O2", "O3"}  # self: unchanged
    r = _run(tiny, size=2, org_level="parent")
    assert _members(r) == {"O2", "O3"}
    assert r.rule.parameters["objective"] == pytest.approx(3.0)
    assert r.rule.parameters["n_prior_ties"] == 0
    assert r.rule.parameters["org_level"] == "parent"
    assert "(org level parent)" in r.rule.statement
    assert "O4" not in r.evidence["candidates"]["org_id"].to_pylist()
    with pytest.raises(InputError, match="at org level parent"):
        _run(tiny, size=2, lead="O4", org_level="parent")
    with pytest.raises(InputError, match="org_level"):
        _run(tiny, size=2, org_level="group")


# -- depth, marginal contributions and forced members (hand-worked) -------------------------
# Two columns, depth 2, δ = .5:   A (1, 0)  B (0, 1)  C (.5, 0)  D (.4, 0)
# F({A, B, C}) = (1 + .5·.5) + 1 = 2.25; adding D changes nothing (column 0 keeps 1 and .5),
# so with size 4 the consortium is {A, B, C}, one place left empty. Marginals: A 2.25 − F({B, C})
# = 2.25 − 1.5 = .75, B 1, C 2.25 − 2 = .25.
_DEPTH_S = np.array([[1, 0], [0, 1], [0.5, 0], [0.4, 0]])


@pytest.mark.parametrize("method", ["milp", "greedy"])
def test_depth_drops_zero_member(method: str) -> None:
    sol = solve_consortium(_DEPTH_S, size=4, depth=2, depth_discount=0.5, method=method)
    assert sorted(sol.members.tolist()) == [0, 1, 2]
    assert sol.objective == pytest.approx(2.25)
    got = dict(zip(sol.members.tolist(), sol.marginal.tolist(), strict=True))
    assert got == pytest.approx({0: 0.75, 1: 1.0, 2: 0.25})
    assert sol.forced_by == [None, None, None]
    # depth 1 (plain max coverage): C adds nothing either
    flat = solve_consortium(_DEPTH_S, size=4, depth=1, method=method)
    assert sorted(flat.members.tolist()) == [0, 1]


def test_forced_zero_member_names_constraint() -> None:
    """D is the only university: min_types keeps it although it adds 0; so does must_include."""
    types = ["enterprise", "enterprise", "enterprise", "university"]
    sol = solve_consortium(_DEPTH_S, size=4, depth=2, types=types, min_types={"university": 1})
    assert sorted(sol.members.tolist()) == [0, 1, 2, 3]
    by = dict(zip(sol.members.tolist(), sol.forced_by, strict=True))
    assert by == {0: None, 1: None, 2: None, 3: "min_types[university]=1"}
    assert sol.marginal[sol.members.tolist().index(3)] == pytest.approx(0.0)
    fixed = solve_consortium(_DEPTH_S, size=4, depth=2, fixed=[3])
    assert dict(zip(fixed.members.tolist(), fixed.forced_by, strict=True))[3] == (
        "lead/must_include"
    )


def test_tiny_must_include_forced_by(tiny: Store) -> None:
    """Depth 1, size 3 with O5 forced: {O2, O3} already cover a and c better than O5, and b
    at 1, so O5 adds 0 and is kept only by must_include."""
    r = _run(tiny, size=3, must_include=["O5"], tie_bonus=0.0)
    rows = {x["org_id"]: x for x in r.table.to_pylist()}
    assert rows["O5"]["contribution"] == pytest.approx(0.0)
    assert rows["O5"]["forced_by"] == "must_include"
    assert all(x["contribution"] > 0 for o, x in rows.items() if o != "O5")


def test_planted_robotics_every_member_contributes(synthetic_world: tuple[Path, object]) -> None:
    path, _ = synthetic_world
    with Store.open(path, read_only=True) as st:
        for country in (None, "CN"):
            r = consortium(st, industry="robotics", size=5, country=country)
            rows = r.table.to_pylist()
            assert rows and all(x["contribution"] > 0 for x in rows), rows
            assert all(x["forced_by"] is None for x in rows)
            assert len(rows) == 5 or any("places filled" in c for c in r.caveats)


def test_real_store_robotics_every_member_contributes(real_store: Store) -> None:
    """On the real demo store the old single-credit model chose three of five members with
    contribution 0; now every member adds something, or fewer are chosen (a caveat says so)."""
    r = consortium(real_store, industry="robotics", size=5)
    rows = r.table.to_pylist()
    assert rows and all(x["contribution"] > 0 and x["adds"] for x in rows), rows
    assert len(rows) == 5 or any("places filled" in c for c in r.caveats)
    # the greedy fallback optimises the same objective and cannot beat the MILP's optimum
    g = consortium(real_store, industry="robotics", size=5, method="greedy")
    assert g.rule.parameters["objective"] <= r.rule.parameters["objective"] + 1e-9
    assert all(x["contribution"] > 0 for x in g.table.to_pylist())


def test_cli_prints_contribution_table(
    synthetic_world: tuple[Path, object], tmp_path: Path
) -> None:
    """``decide consortium`` prints the contribution table (contribution, adds, forced_by) and
    ``--out`` keeps the new columns; ``--min-contribution`` reaches the library."""
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from forcemap.cli import app

    path, _ = synthetic_world
    out = tmp_path / "c.parquet"
    args = ["--store", str(path), "decide", "consortium", "--industry", "robotics"]
    opts = ["--size", "5", "--country", "CN", "--depth", "2", "--min-contribution", "0.05"]
    r = CliRunner().invoke(app, [*args, *opts, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "contribution" in r.output and "forced_by" in r.output and "adds" in r.output
    t = pq.read_table(out)
    assert {"contribution", "contribution_share", "adds", "forced_by"} <= set(t.column_names)
    assert min(t["contribution"].to_pylist()) > 0
    assert min(t["contribution_share"].to_pylist()) >= 0.05
    assert t.num_rows == 5 or "places filled" in r.output


# -- minimum contribution (hand-worked on _DEPTH_S) -------------------------------------------
# {A, B, C}: F = 2.25, contributions A .75 (1/3 of F), B 1 (4/9), C .25 (1/9).
@pytest.mark.parametrize("method", ["milp", "greedy"])
def test_min_contribution_drops_small_members(method: str) -> None:
    keep = solve_consortium(_DEPTH_S, size=3, depth=2, min_contribution=0.1, method=method)
    assert sorted(keep.members.tolist()) == [0, 1, 2]  # C adds 1/9 ≥ 0.1
    # 0.15: C (1/9) is below; without it {A, B}: F = 2, each adds 1 = half of F
    sol = solve_consortium(_DEPTH_S, size=3, depth=2, min_contribution=0.15, method=method)
    assert sorted(sol.members.tolist()) == [0, 1]
    assert sol.objective == pytest.approx(2.0)
    assert sol.forced_by == [None, None]
    # "at least": a half of F each is enough at 0.5
    half = solve_consortium(_DEPTH_S, size=3, depth=2, min_contribution=0.5, method=method)
    assert sorted(half.members.tolist()) == [0, 1]
    # at 0.6 B (ties with A on total strength, the later row) goes, then A alone adds all of F
    solo = solve_consortium(_DEPTH_S, size=3, depth=2, min_contribution=0.6, method=method)
    assert solo.members.tolist() == [0] and solo.objective == pytest.approx(1.0)


def test_min_contribution_forced_member_names_constraint() -> None:
    """C is the only university: min_types keeps it though it adds 1/9 < 0.15 of F."""
    types = ["enterprise", "enterprise", "university", "enterprise"]
    sol = solve_consortium(
        _DEPTH_S, size=3, depth=2, types=types, min_types={"university": 1}, min_contribution=0.15
    )
    assert sorted(sol.members.tolist()) == [0, 1, 2]
    by = dict(zip(sol.members.tolist(), sol.forced_by, strict=True))
    assert by == {0: None, 1: None, 2: "min_types[university]=1"}
    assert sol.marginal[sol.members.tolist().index(2)] == pytest.approx(0.25)


def test_min_contribution_in_the_result(tiny: Store) -> None:
    """Through :func:`consortium`: the parameter is checked and recorded, every member adds
    at least its share (contribution_share), a forced member below it says so."""
    free = _run(tiny, size=3, tie_bonus=0.0)
    shares = free.table["contribution_share"].to_pylist()
    f = free.rule.parameters["objective"]
    assert shares == pytest.approx([c / f for c in free.table["contribution"].to_pylist()])
    bar = min(shares) + 1e-6  # just above the smallest share: that member must go
    r = _run(tiny, size=3, tie_bonus=0.0, min_contribution=bar)
    assert r.rule.parameters["min_contribution"] == bar
    assert "min_contribution" in r.rule.statement
    assert r.table.num_rows < free.table.num_rows
    assert all(x >= bar - 1e-9 for x in r.table["contribution_share"].to_pylist())
    assert any("places filled" in c and "min_contribution" in c for c in r.caveats)
    low = free.table["org_id"].to_pylist()[shares.index(min(shares))]
    k = _run(tiny, size=3, tie_bonus=0.0, min_contribution=bar, must_include=[low])
    row = {x["org_id"]: x for x in k.table.to_pylist()}[low]
    assert row["forced_by"] == "must_include"
    assert "below min_contribution" in row["why"] and "must_include" in row["why"]
    for bad in (-0.1, 1.0):
        with pytest.raises(InputError, match="min_contribution"):
            _run(tiny, size=3, min_contribution=bad)
