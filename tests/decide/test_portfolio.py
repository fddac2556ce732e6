"""Project portfolio: hand-worked review and knapsacks, thresholds, balance, infeasibility and
the synthetic world."""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.compute as pc
import pytest

from forcemap.decide.portfolio import (
    allocate_budget,
    parse_goal_targets,
    project_review,
    solve_allocation,
)
from forcemap.decide.positioning import positioning
from forcemap.errors import InfeasibleError, InputError
from forcemap.store import Store

SEMIS, AI, MARINE = "C43214815", "C108583219", "C203635412"  # specific catalog concepts
AS_OF = "2023-12-31"


def _work(
    s: Store, wid: str, year: int, field: str, insts: list[tuple[str, str]], industry: str = ""
) -> None:
    s.con.execute(
        "INSERT INTO works (work_id, year, type, origin, batch_id) "
        "VALUES (?, ?, 'article', 't', 0)",
        [wid, year],
    )
    s.con.execute("INSERT INTO work_concepts VALUES (?, ?, ?, 0, 0.9)", [wid, field, field])
    if industry:
        s.con.execute("INSERT INTO work_concepts VALUES (?, ?, 'x', 2, 0.9)", [wid, industry])
    for seq, (inst, cc) in enumerate(insts, start=1):
        s.con.execute(
            "INSERT INTO authorships (work_id, author_seq, institution_id, country_code) "
            "VALUES (?, ?, ?, ?)",
            [wid, seq, inst, cc],
        )


def _patent(s: Store, pid: str, day: str, cpc: str, assignee: str, cc: str) -> None:
    s.con.execute(
        "INSERT INTO patents (patent_id, grant_date, year, origin, batch_id) "
        "VALUES (?, CAST(? AS DATE), year(CAST(? AS DATE)), 't', 0)",
        [pid, day, day],
    )
    s.con.execute(
        "INSERT INTO patent_cpc VALUES (?, 1, ?, ?, ?, ?, ?, true)",
        [pid, cpc, cpc.split("/")[0] + "/00", cpc[:4], cpc[:3], cpc[0]],
    )
    s.con.execute(
        "INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, country_code) "
        "VALUES (?, 1, ?, ?, ?)",
        [pid, assignee, assignee, cc],
    )


def _project(
    s: Store,
    pid: str,
    start: str,
    end: str,
    budget: float,
    goals: str,
    status: str,
    participants: list[str],
    outputs: list[tuple[str, str]],
) -> None:
    s.con.execute(
        "INSERT INTO projects VALUES (?, ?, 'Prog', CAST(? AS DATE), CAST(? AS DATE), ?, 'EUR', "
        "?, ?, 'projects', 0)",
        [pid, f"Project {pid}", start, end, budget, goals, status],
    )
    for k, org in enumerate(participants):
        s.con.execute(
            "INSERT INTO project_participants VALUES (?, ?, ?, ?, 'education', 'CN', NULL)",
            [pid, org, org, "coordinator" if k == 0 else "partner"],
        )
    for kind, oid in outputs:
        s.con.execute("INSERT INTO project_outputs VALUES (?, ?, ?)", [pid, kind, oid])


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Store]:
    """Five projects reviewed at 2023-12-31.

    Field F, 2020 (10 articles): citations W1 4, W2 2, W3 0, W4 0, W5 3, W6 1, W7-W10 0 →
    mean 1, so NCS = citations; W1 is the one top-10 % work. Citing works C1-C4 (field G,
    2021). Patents: 2020 cohort US-1 (2 citing patents in 2021), US-2 (1), US-3 (0): mean 1,
    so US-1's ratio is 2. US-20..US-24 (G03F7/20, 2019, one Dutch holder, never cited): CN
    holds nothing there but US-1 (H01L21/00) → G03F7/00 is CN's bottleneck, score
    (1 − 0) × 1 × (1 − 0) × 5/(5 + 5) = 0.5.

    P1 2018-2021 (4 years), 1 000 000, "works:4; patents:1"; I1, I2, I3; W1 (I1+I2), W2 (I1),
    W3 (I3), US-1 → G = (3/4 + 1/1)/2 = 0.875; I = (4 + 2 + 0 + 2)/4 = 2; cost/output
    250 000; pairs 1 of 3; participant share 1.
    P2 2019-2022, 2 000 000, "Deliver 10 publications"; I1, I4; W4 (I4) → G = 1/10; I = 0;
    cost/output 2 000 000; pairs 0 of 1; participant share 1/2.
    P3 2017-2020, 500 000, free text; I2, I5; W5 (I2+I5), W6 (I2), US-20 → rate 3/4;
    I = (3 + 1)/2 = 2 (US-20's cohort is uncited: no value); pairs 1 of 1.
    P5 2017-2020, 300 000, free text; I6, I7; no outputs → rate 0.
    P4 2023-2026, 800 000; I1, I5; no outputs; 1 year old → too young to judge.
    Median rate of the judged (1, 1/4, 3/4, 0) = 1/2 → G(P3) = min(1, 1.5) = 1, G(P5) = 0.
    Median cost/output (250 000, 2 000 000, 166 667) = 250 000.
    """
    s = Store.open(tmp_path / "t.duckdb")
    cn, de = "CN", "DE"
    _work(s, "W1", 2020, "F", [("I1", cn), ("I2", cn)], SEMIS)
    _work(s, "W2", 2020, "F", [("I1", cn)], SEMIS)
    _work(s, "W3", 2020, "F", [("I3", cn)], SEMIS)
    _work(s, "W4", 2020, "F", [("I4", de)], AI)
    _work(s, "W5", 2020, "F", [("I2", cn), ("I5", de)], AI)
    _work(s, "W6", 2020, "F", [("I2", cn)], AI)
    _work(s, "W7", 2020, "F", [("I6", de)], MARINE)
    for i in range(8, 11):
        _work(s, f"W{i}", 2020, "F", [("I9", de)])
    cites = {"W1": 4, "W2": 2, "W5": 3, "W6": 1}
    for i in range(1, 5):
        _work(s, f"C{i}", 2021, "G", [("I9", de)])
    for cited, n in cites.items():
        for i in range(1, n + 1):
            s.con.execute("INSERT INTO work_references VALUES (?, ?)", [f"C{i}", cited])
    _patent(s, "US-1", "2020-03-01", "H01L21/027", "A-CN", cn)
    _patent(s, "US-2", "2020-04-01", "H01L23/00", "A-DE", de)
    _patent(s, "US-3", "2020-05-01", "H01L23/00", "A-DE", de)
    for cid, cited in (("US-10", "US-1"), ("US-11", "US-1"), ("US-12", "US-2")):
        _patent(s, cid, "2021-06-01", "H01L23/00", "A-DE", de)
        s.con.execute("INSERT INTO patent_citations VALUES (?, ?)", [cid, cited])
    for i in range(20, 25):
        _patent(s, f"US-{i}", "2019-06-01", "G03F7/20", "A-NL", "NL")
    _project(s, "P1", "2018-01-01", "2021-12-31", 1_000_000, "works:4; patents:1", "active",
             ["I1", "I2", "I3"], [("work", "W1"), ("work", "W2"), ("work", "W3"),
                                  ("patent", "US-1")])  # fmt: skip
    _project(s, "P2", "2019-01-01", "2022-12-31", 2_000_000, "Deliver 10 publications.",
             "active", ["I1", "I4"], [("work", "W4")])  # fmt: skip
    _project(s, "P3", "2017-01-01", "2020-12-31", 500_000, "Advance lithography.",
             "completed", ["I2", "I5"], [("work", "W5"), ("work", "W6"),
                                         ("patent", "US-20")])  # fmt: skip
    _project(s, "P5", "2017-01-01", "2020-12-31", 300_000, "Explore marine robots.", "active",
             ["I6", "I7"], [])  # fmt: skip
    _project(s, "P4", "2023-01-01", "2026-12-31", 800_000, "Start up.", "active",
             ["I1", "I5"], [])  # fmt: skip
    yield s
    s.close()


def _rows(result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {r["project_id"]: r for r in result.table.to_pylist()}


# -- review ---------------------------------------------------------------------------------


def test_goal_targets_parsed() -> None:
    assert parse_goal_targets("works:4; patents:1") == {"works": 4, "patents": 1}
    assert parse_goal_targets("Deliver 10 publications.") == {"works": 10}
    assert parse_goal_targets("File 2 new patents, works = 3") == {"works": 3, "patents": 2}
    assert parse_goal_targets("Deliver publications and patents on wafers.") == {}
    assert parse_goal_targets("2 years of publications") == {}
    assert parse_goal_targets(None) == {}


def test_hand_worked_review(tiny: Store) -> None:
    r = project_review(tiny, as_of=AS_OF)
    rows = _rows(r)
    assert set(rows) == {"P1", "P2", "P3", "P4", "P5"}
    p1, p2, p3, p4, p5 = (rows[k] for k in ("P1", "P2", "P3", "P4", "P5"))

    assert (p1["works"], p1["patents"], p1["outputs_in_store"]) == (3, 1, 4)
    assert (p1["work_target"], p1["patent_target"], p1["goal_basis"]) == (4, 1, "targets")
    assert p1["outputs_per_year"] == pytest.approx(1.0)
    assert p1["goal_attainment"] == pytest.approx(0.875)
    assert p1["mean_ncs"] == pytest.approx(2.0)
    assert p1["top10_share"] == pytest.approx(1 / 3)
    assert (p1["patent_fc"], p1["patent_fc_expected"]) == (pytest.approx(2), pytest.approx(1))
    assert p1["patent_fc_ratio"] == pytest.approx(2.0)
    assert p1["impact"] == pytest.approx(2.0)
    assert p1["cost_per_output"] == pytest.approx(250_000)
    assert (p1["participants"], p1["participants_on_outputs"]) == (3, 3)
    assert (p1["pairs_realised"], p1["pairs_planned"]) == (1, 3)
    assert p1["collaboration"] == pytest.approx(1 / 3)
    assert p1["score"] == pytest.approx((0.875 + 1 + 1 + 1 / 3) / 4)
    assert p1["recommendation"] == "continue" and p1["judged"]

    assert p2["goal_attainment"] == pytest.approx(0.1) and p2["work_target"] == 10
    assert p2["impact"] == pytest.approx(0.0)
    assert p2["participant_share"] == pytest.approx(0.5) and p2["collaboration"] == 0
    assert p2["score"] == pytest.approx((0.1 + 0 + 0.125 + 0) / 4)
    assert p2["recommendation"] == "withdraw"

    assert p3["goal_basis"] == "rate" and p3["outputs_per_year"] == pytest.approx(0.75)
    assert p3["goal_ratio"] == pytest.approx(1.5) and p3["goal_attainment"] == 1.0
    assert p3["impact"] == pytest.approx(2.0) and p3["patent_fc"] is None
    assert p3["cost_per_output"] == pytest.approx(500_000 / 3)
    assert p3["collaboration"] == 1.0 and p3["score"] == pytest.approx(1.0)
    assert p3["recommendation"] == "continue"

    assert p5["goal_attainment"] == 0 and p5["impact"] is None and p5["score"] == 0
    assert p5["recommendation"] == "withdraw" and "no outputs" in p5["reasons"]

    assert not p4["judged"] and p4["age_years"] == pytest.approx(365 / 365.25)
    assert p4["recommendation"] == "continue" and "too young" in p4["reasons"]

    bench = r.evidence["benchmarks"].to_pylist()[0]
    assert bench["median_outputs_per_year"] == pytest.approx(0.5)
    assert bench["median_cost_per_output"] == pytest.approx(250_000)
    out = r.evidence["outputs"]
    w1 = out.filter(pc.equal(out["output_id"], "W1")).to_pylist()[0]
    assert w1["ncs"] == pytest.approx(4.0) and w1["participants_on_output"] == 2
    # withdraw first, then review, then continue
    assert r.table["recommendation"].to_pylist()[:2] == ["withdraw", "withdraw"]
    assert any("too young" in c for c in r.caveats)
    assert any("project_outputs" in c for c in r.caveats)
    assert r.rule.parameters["as_of"] == AS_OF and not r.synthetic


def test_thresholds_flip_recommendations(tiny: Store) -> None:
    assert _rows(project_review(tiny, as_of=AS_OF, review_below=0.9))["P1"]["recommendation"] == (
        "review"
    )
    assert _rows(project_review(tiny, as_of=AS_OF, withdraw_below=0.05))["P2"][
        "recommendation"
    ] == ("review")
    rows = _rows(project_review(tiny, as_of=AS_OF, impact_baseline=2.5))
    assert rows["P1"]["recommendation"] == rows["P3"]["recommendation"] == "review"
    # a younger minimum age brings P4 to judgement: no outputs → withdraw
    assert _rows(project_review(tiny, as_of=AS_OF, min_age_years=0.5))["P4"]["recommendation"] == (
        "withdraw"
    )


def test_review_as_of_and_inputs(tiny: Store) -> None:
    # at the end of 2020 P4 has not started; at the end of 2019 US-1 is not granted yet
    r = project_review(tiny, as_of="2020-12-31")
    assert "P4" not in _rows(r) and any("start after" in c for c in r.caveats)
    assert _rows(project_review(tiny, as_of="2019-12-31"))["P1"]["patents"] == 0
    with pytest.raises(InputError, match="withdraw_below"):
        project_review(tiny, withdraw_below=0.6, review_below=0.5)
    with pytest.raises(InputError, match="unknown review weight"):
        project_review(tiny, weights={"beauty": 1.0})
    with pytest.raises(InputError, match="unknown project"):
        project_review(tiny, projects=["P9"])
    only = project_review(tiny, as_of=AS_OF, projects=["P1"])
    assert only.table.num_rows == 1
    # the score weights: goals only
    assert _rows(
        project_review(tiny, as_of=AS_OF, weights={"impact": 0, "cost": 0, "collaboration": 0})
    )["P1"]["score"] == pytest.approx(0.875)


def test_review_empty_store(store: Store) -> None:
    with pytest.raises(InputError, match="no projects"):
        project_review(store)


# -- knapsack -------------------------------------------------------------------------------


def test_knapsack_optimum_by_hand() -> None:
    # budget 10; costs 6, 5, 5; values 10, 6, 6: {6} alone is worth 10, {5, 5} is worth 12
    a = solve_allocation([6, 5, 5], [10, 6, 6], 10)
    assert a.selected.tolist() == [1, 2] and a.objective == 12 and a.cost == 10
    assert a.method_used == "milp" and a.status == "optimal"
    # greedy by value per cost takes the 6 first and stops at 10 (labelled)
    g = solve_allocation([6, 5, 5], [10, 6, 6], 10, method="greedy")
    assert g.selected.tolist() == [0] and g.objective == 10 and g.method_used == "greedy"
    assert a.greedy_objective == 10
    # a larger budget takes the best pair: 6 + 5 → 16
    assert solve_allocation([6, 5, 5], [10, 6, 6], 11).objective == 16


def test_balance_constraints_change_the_optimum() -> None:
    groups = ["A", "B", "B"]
    base = solve_allocation([6, 5, 5], [10, 6, 6], 10, groups=groups)
    assert base.selected.tolist() == [1, 2]
    # at most half the budget in B: one B project only → the A project alone (10) wins
    cap = solve_allocation([6, 5, 5], [10, 6, 6], 10, groups=groups, max_share_per_group={"B": 0.5})
    assert cap.selected.tolist() == [0] and cap.objective == 10
    # the same cap on every industry also rules out A (6 > 5): one B project
    assert (
        solve_allocation(
            [6, 5, 5], [10, 6, 6], 10, groups=groups, max_share_per_group=0.5
        ).objective
        == 6
    )
    # at least one A project: {A} is the only selection with it
    mins = solve_allocation([6, 5, 5], [10, 6, 6], 10, groups=groups, min_per_group={"A": 1})
    assert mins.selected.tolist() == [0]
    # one project per industry with a budget of 11: A + one B
    both = solve_allocation([6, 5, 5], [10, 6, 6], 11, groups=groups, min_per_group=1)
    assert both.objective == 16 and 0 in both.selected.tolist()


def test_infeasible_requests_are_explained() -> None:
    with pytest.raises(
        InfeasibleError, match=r"'A' must get at least 2 project\(s\) but has only 1"
    ):
        solve_allocation([6, 5, 5], [10, 6, 6], 10, groups=["A", "B", "B"], min_per_group={"A": 2})
    with pytest.raises(InfeasibleError, match=r"industry 'B'.*cap of 40%"):
        solve_allocation(
            [6, 5, 5], [10, 6, 6], 20, groups=["A", "B", "B"],
            min_per_group={"B": 2}, max_share_per_group=0.4,
        )  # fmt: skip
    with pytest.raises(InfeasibleError, match="more than the budget"):
        solve_allocation([6, 5, 5], [10, 6, 6], 10, groups=["A", "B", "B"], min_per_group=1)
    with pytest.raises(InputError, match="budget"):
        solve_allocation([1], [1], -1)


# -- allocation on the tiny store --------------------------------------------------------------


def test_allocation_terms(tiny: Store) -> None:
    a = allocate_budget(tiny, budget=1_800_000, as_of=AS_OF)
    rows = _rows(a)
    # default candidates: not completed (P3 is) → P1, P2, P4, P5
    assert set(rows) == {"P1", "P2", "P4", "P5"}
    assert rows["P1"]["industry"] == "semiconductors" and rows["P1"]["industry_basis"] == "outputs"
    assert rows["P2"]["industry"] == "ai"
    # P4 has no outputs: its participants I1 (W1, W2: semiconductors) and I5 (W5: ai)
    assert rows["P4"]["industry"] == "semiconductors"
    assert rows["P4"]["industry_basis"] == "participants"
    assert rows["P5"]["industry"] == "marine"  # I6's W7
    # performance: review scores; P4 is too young → median of judged scores
    judged = sorted([(0.875 + 1 + 1 + 1 / 3) / 4, 0.225 / 4, 1.0, 0.0])
    prior = (judged[1] + judged[2]) / 2
    assert rows["P4"]["performance"] == pytest.approx(prior)
    assert rows["P4"]["performance_basis"].startswith("neutral prior")
    # positioning: the class of CN in the industry, mapped catch-up 1 / parallel .5 / leading .25
    classes = {r["unit"]: r["class"] for r in positioning(tiny, country="CN").table.to_pylist()}
    want = {"catch-up": 1.0, "parallel": 0.5, "leading": 0.25}
    for p in ("P1", "P2"):
        assert rows[p]["positioning_class"] == classes.get(rows[p]["industry"])
        # issue 18: the tiny store is below positioning's evidence minimums, so the class is
        # "insufficient evidence (…)", which is no label and gives no positioning term
        assert rows[p]["positioning"] == want.get(rows[p]["positioning_class"], 0.0)
    # no candidate touches the bottleneck; P3 does (G03F7/00 via US-20)
    assert all(r["bottleneck"] == 0 for r in rows.values())
    p3 = _rows(allocate_budget(tiny, budget=10**7, candidates=["P3"], as_of=AS_OF))["P3"]
    assert p3["bottleneck"] == pytest.approx(1.0) and p3["bottleneck_groups"] == "G03F7/00"
    assert p3["industry"] == "ai"  # two ai works beat one semiconductor patent
    for r in rows.values():
        total = r["industry_priority"] + r["positioning"] + r["bottleneck"] + r["performance"]
        assert r["value"] == pytest.approx(total)


def test_allocation_performance_only(tiny: Store) -> None:
    perf = {"industry_priority": 0, "positioning": 0, "bottleneck": 0}
    # values P1 .802, P2 .056, P4 .429 (prior), P5 0; costs 1.0, 2.0, 0.8, 0.3 M
    a = allocate_budget(tiny, budget=1_800_000, weights=perf, as_of=AS_OF)
    chosen = set(a.table.filter(a.table["selected"])["project_id"].to_pylist())
    assert chosen == {"P1", "P4"}
    solver = a.evidence["solver"].to_pylist()[0]
    assert solver["method_used"] == "milp" and solver["spent"] == pytest.approx(1_800_000)
    assert a.table["selected"].to_pylist()[:2] == [True, True]
    # at most half the budget per industry: P1 (1.0 M of semiconductors) no longer fits; P5
    # (worth 0) is not bought with the money left over (the cost tie-break)
    capped = allocate_budget(
        tiny, budget=1_800_000, weights=perf, max_share_per_industry=0.5, as_of=AS_OF
    )
    assert capped.table.filter(capped.table["selected"])["project_id"].to_pylist() == ["P4"]
    ind = {r["industry"]: r for r in capped.evidence["industries"].to_pylist()}
    assert ind["semiconductors"]["budget_share"] == pytest.approx(0.8 / 1.8)
    # industry priority: only ai counts, P2 (ai) is now worth taking with a 2 M budget
    pr = allocate_budget(
        tiny,
        budget=2_000_000,
        weights={"positioning": 0, "bottleneck": 0, "performance": 0},
        industry_priority={"ai": 2.0, "marine": 1.0},
        as_of=AS_OF,
    )
    rows = _rows(pr)
    assert rows["P2"]["industry_priority"] == 1.0 and rows["P5"]["industry_priority"] == 0.5
    assert rows["P2"]["selected"] and not rows["P1"]["selected"]


def test_allocation_infeasible_and_inputs(tiny: Store) -> None:
    with pytest.raises(InfeasibleError, match=r"'marine' must get at least 2"):
        allocate_budget(tiny, budget=10**7, min_per_industry={"marine": 2}, as_of=AS_OF)
    with pytest.raises(InfeasibleError, match="more than the budget"):
        allocate_budget(tiny, budget=1_000_000, min_per_industry=1, as_of=AS_OF)
    with pytest.raises(InputError, match="unknown candidate"):
        allocate_budget(tiny, budget=1, candidates=["P9"])
    with pytest.raises(InputError, match="unknown allocation weight"):
        allocate_budget(tiny, budget=1, weights={"luck": 1})
    with pytest.raises(InputError, match="budget"):
        allocate_budget(tiny, budget=-5)
    g = allocate_budget(tiny, budget=1_800_000, method="greedy", as_of=AS_OF)
    assert g.rule.parameters["method_used"] == "greedy"
    assert any("not a proven optimum" in c for c in g.caveats)


# -- the synthetic world --------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(synthetic_world: tuple[Path, dict]) -> Iterator[Store]:
    path, _ = synthetic_world
    s = Store.open(path, read_only=True)
    yield s
    s.close()


@pytest.mark.slow
def test_synthetic_world_review_and_allocation(synthetic: Store) -> None:
    t0 = time.perf_counter()
    r = project_review(synthetic)
    t_review = time.perf_counter() - t0
    assert r.synthetic and r.table.num_rows == 300
    recs = collections.Counter(r.table["recommendation"].to_pylist())
    assert set(recs) <= {"continue", "review", "withdraw"} and len(recs) == 3
    rows = r.table.to_pylist()
    # every project without outputs that is old enough is withdrawn (the planted duds)
    for row in rows:
        if row["judged"] and row["works"] + row["patents"] == 0:
            assert row["recommendation"] == "withdraw"
    assert sum(row["works"] + row["patents"] == 0 for row in rows) >= 0.1 * len(rows)
    assert any("SYNTHETIC" in c for c in r.caveats)

    total = sum(b for b in r.table["budget"].to_pylist() if b)
    t0 = time.perf_counter()
    a = allocate_budget(
        synthetic,
        budget=0.2 * total,
        candidates=r.table["project_id"].to_pylist(),
        review=r,
        max_share_per_industry=0.2,
    )
    t_alloc = time.perf_counter() - t0
    solver = a.evidence["solver"].to_pylist()[0]
    assert solver["method_used"] == "milp" and solver["spent"] <= 0.2 * total + 1e-6
    sel = a.table.filter(a.table["selected"])
    assert 0 < sel.num_rows < 300
    shares = a.evidence["industries"]["budget_share"].to_pylist()
    assert max(shares) <= 0.2 + 1e-9  # each industry ≤ 20 % of the budget
    if "withdraw" in sel["recommendation"].to_pylist():
        assert any("recommended for withdrawal" in c for c in a.caveats)
    # the selection favours good past performance
    sel_perf = pc.mean(sel["performance"]).as_py()
    all_perf = pc.mean(a.table["performance"]).as_py()
    assert sel_perf > all_perf
    print(
        f"\nreview {t_review:.2f}s: {dict(recs)}; allocation {t_alloc:.2f}s: "
        f"{sel.num_rows} projects, {solver['spent']:,.0f} of {0.2 * total:,.0f}, "
        f"by industry {dict(collections.Counter(sel['industry'].to_pylist()))}, "
        f"by recommendation {dict(collections.Counter(sel['recommendation'].to_pylist()))}"
    )
