"""Review panel (C9): conflicts of interest, expertise match, roles, MILP selection."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from forcemap.decide.affinity import Paper, affinity_scores
from forcemap.decide.panel import (
    EXCLUDED_SCHEMA,
    PANEL_SCHEMA,
    RANKING_SCHEMA,
    review_panel,
)
from forcemap.decide.panel.selection import _milp_solve, _prune
from forcemap.errors import InfeasibleError, InputError
from forcemap.store import Store

# -- a hand-built world ------------------------------------------------------------------------
# Reference year 2022 (latest work). The applicant APP (AppUni, DE) applies for a project on
# "robot grasping with tactile sensors". Candidates and what the checks must find:
#   C1  AppUni      university  same organisation as APP            -> same_organisation
#   C2  Uni One     university  co-authored W20 (2021) with APP      -> coauthorship
#   C3  Uni One     university  "robot grasping tactile sensors"     best academic
#   C4  Uni Two     university  "robot arm"                          weaker academic
#   C5  Uni One     university  "robot grasping tactile"             2nd best, same org as C3
#   C6  RoboCorp    enterprise  senior (first work 2005)             the only enterprise lead
#   C7  MechaCo     enterprise  junior, strong text                  industry expert
#   C8  Inst        institute   weak text                            industry expert
#   C9  RoboCorp    enterprise  co-invented P1 (2021) with APP       -> coinvention
#   C10 Partner     enterprise  Partner and AppUni in project PR1    -> same_project
#   C11 Gadget KK   enterprise  inventor on P2 (RoboCorp)            chief engineer
#   C12 Uni Two     university  only a 2010 work                     inactive
_ORGS = {
    "OA": ("AppUni", "university", "DE"),
    "OU1": ("Uni One", "university", "DE"),
    "OU2": ("Uni Two", "university", "FR"),
    "OE1": ("RoboCorp", "enterprise", "DE"),
    "OE2": ("MechaCo", "enterprise", "US"),
    "OE3": ("Partner GmbH", "enterprise", "DE"),
    "OE4": ("Gadget KK", "enterprise", "JP"),
    "OI1": ("Inst", "institute", "FR"),
    "OE5": ("JointCo", "enterprise", "DE"),
}
_AUTHORS = {
    "APP": ("Alice Applicant", "OA"),
    "C1": ("Bob One", "OA"),
    "C2": ("Carol Two", "OU1"),
    "C3": ("Dan Three", "OU1"),
    "C4": ("Eve Four", "OU2"),
    "C5": ("Fay Five", "OU1"),
    "C6": ("Gus Six", "OE1"),
    "C7": ("Hal Seven", "OE2"),
    "C8": ("Ida Eight", "OI1"),
    "C9": ("Jon Nine", "OE1"),
    "C10": ("Kim Ten", "OE3"),
    "C11": ("Lea Eleven", "OE4"),
    "C12": ("Max Twelve", "OU2"),
}
# work id, year, title, authors (first ... last)
_WORKS = [
    ("W1", 2022, "Robot grasping with tactile sensors", ["APP"]),
    ("W2", 2022, "Tactile sensors for robot grasping", ["C1"]),
    ("W3", 2022, "Robot grasping tactile sensors learning", ["C2"]),
    ("W4", 2022, "Robot grasping with tactile sensors and vision", ["C3"]),
    ("W5", 2021, "Robot arm calibration", ["C4"]),
    ("W6", 2022, "Robot grasping tactile feedback control", ["C5"]),
    ("W7", 2005, "Industrial manipulators", ["C6"]),
    ("W8", 2021, "Grasping robot for logistics", ["C6"]),
    ("W9", 2022, "Robot grasping tactile sensors in factories", ["C7"]),
    ("W10", 2020, "Sensor networks for buildings", ["C8"]),
    ("W11", 2021, "Tactile robot grasping skins", ["C9"]),
    ("W12", 2022, "Robot grasping tactile grippers", ["C10"]),
    ("W13", 2021, "Gripper design for robot grasping", ["C11"]),
    ("W14", 2010, "Robot grasping tactile sensors history", ["C12"]),
    ("W20", 2021, "Soft hands", ["APP", "C2"]),
    ("W21", 2012, "Old robot hands", ["APP", "C4"]),  # outside the 5-year window
]
_TOPIC = "T10653"  # "Robot grasping" on the works that say so


def _fill(store: Store) -> None:
    con = store.con
    con.executemany(
        "INSERT INTO organizations (org_id, name, type, country_code) VALUES (?, ?, ?, ?)",
        [(o, *v) for o, v in _ORGS.items()],
    )
    con.executemany(
        "INSERT INTO org_aliases (source, source_id, org_id, method) "
        "VALUES ('institution', ?, ?, 'self')",
        [(o, o) for o in _ORGS],
    )
    con.executemany(
        "INSERT INTO authors (author_id, name) VALUES (?, ?)",
        [(a, n) for a, (n, _) in _AUTHORS.items()],
    )
    for wid, year, title, authors in _WORKS:
        con.execute(
            "INSERT INTO works (work_id, title, year, origin, batch_id) VALUES (?, ?, ?, 't', 0)",
            [wid, title, year],
        )
        for seq, a in enumerate(authors, 1):
            org = _AUTHORS[a][1]
            con.execute(
                "INSERT INTO authorships (work_id, author_seq, author_id, author_name, "
                "author_position, institution_id, country_code) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    wid,
                    seq,
                    a,
                    _AUTHORS[a][0],
                    "last" if seq == len(authors) else "first",
                    org,
                    _ORGS[org][2],
                ],
            )
        if "grasping" in title.lower():
            con.execute(
                "INSERT INTO work_topics (work_id, topic_id, name, score) VALUES (?, ?, ?, 0.9)",
                [wid, _TOPIC, "Robot grasping"],
            )
    # patents: US-1 co-invented by the applicant and C9 (assigned to JointCo); US-2 by C11
    # alone (assigned to RoboCorp). Inventors are linked to authors by name and country.
    for pid, year, asg, inventors in (
        (
            "US-1",
            2021,
            "asg-joint",
            [("inv-app", "Alice Applicant", "DE"), ("inv-9", "Jon Nine", "DE")],
        ),
        ("US-2", 2020, "asg-robo", [("inv-11", "Lea Eleven", "JP")]),
    ):
        con.execute(
            "INSERT INTO patents (patent_id, year, title, origin, batch_id) "
            "VALUES (?, ?, 'Tactile gripper', 't', 0)",
            [pid, year],
        )
        con.execute(
            "INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code)"
            " VALUES (?, 0, ?, ?, 'company', 'DE')",
            [pid, asg, "RoboCorp" if asg == "asg-robo" else "JointCo"],
        )
        con.executemany(
            "INSERT INTO patent_inventors (patent_id, seq, inventor_id, name, country_code) "
            "VALUES (?, ?, ?, ?, ?)",
            [(pid, k, i, n, c) for k, (i, n, c) in enumerate(inventors)],
        )
    con.executemany(
        "INSERT INTO org_aliases (source, source_id, org_id, method) "
        "VALUES ('assignee', ?, ?, 'name')",
        [("asg-robo", "OE1"), ("asg-joint", "OE5")],
    )
    # project PR1 (2019–2021): AppUni and Partner GmbH
    con.execute(
        "INSERT INTO projects (project_id, title, start_date, end_date, origin, batch_id) "
        "VALUES ('PR1', 'Hands', '2019-01-01', '2021-12-31', 't', 0)"
    )
    con.executemany(
        "INSERT INTO project_participants (project_id, org_id, name, type) VALUES (?, ?, ?, ?)",
        [("PR1", "OA", "AppUni", "university"), ("PR1", "OE3", "Partner GmbH", "enterprise")],
    )


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "panel.duckdb")
    _fill(s)
    yield s
    s.close()


TEXT = "robot grasping with tactile sensors"


def _panel(store: Store, **kw: object) -> object:
    kw.setdefault("applicants", ["APP"])
    kw.setdefault("text", TEXT)
    return review_panel(store, **kw)  # type: ignore[arg-type]


def _members(r: object) -> dict[str, str]:
    t = r.table  # type: ignore[attr-defined]
    return dict(zip(t["author_id"].to_pylist(), t["role"].to_pylist(), strict=True))


def _excluded(r: object) -> dict[tuple[str, str], dict]:
    ex = r.evidence["excluded"].to_pylist()  # type: ignore[attr-defined]
    return {(e["author_id"], e["rule"]): e for e in ex}


def _brute_force(r: object, seats: dict[str, int], max_per_org: int | None) -> float:
    """The best total match by enumeration over the eligible candidates of the ranking."""
    rows = [x for x in r.evidence["ranking"].to_pylist() if x["eligible"]]  # type: ignore[attr-defined]
    slots = [role for role, n in seats.items() for _ in range(n)]

    def can(x: dict, role: str) -> bool:
        return role == "member" or role in x["roles"]

    best = -1.0
    for combo in itertools.combinations(rows, len(slots)):
        orgs = [x["org_id"] for x in combo]
        if max_per_org is not None and any(orgs.count(o) > max_per_org for o in set(orgs)):
            continue
        if any(
            all(can(x, s) for x, s in zip(combo, perm, strict=True))
            for perm in set(itertools.permutations(slots))
        ):
            best = max(best, sum(x["match"] for x in combo))
    return best


# -- the hand-built world: exclusions ----------------------------------------------------------
def test_schemas_and_rule(tiny: Store) -> None:
    r = _panel(tiny, size=2)
    assert r.table.schema == PANEL_SCHEMA
    assert r.evidence["excluded"].schema == EXCLUDED_SCHEMA
    assert r.evidence["ranking"].schema == RANKING_SCHEMA
    p = r.rule.parameters
    assert p["reference_year"] == 2022 and p["coi_window"] == [2017, 2022]
    assert p["method_used"] == "milp" and p["solver_status"] == "optimal"
    assert p["roles"] == {"member": 2}
    assert r.name == "review_panel" and not r.synthetic
    app = r.evidence["applicants"].to_pylist()[0]
    assert app["kind"] == "author" and "OA" in app["organisations"]
    assert app["inventor_ids"] == ["inv-app"]  # linked by name and country


def test_panel_uses_the_affinity_scorer(tiny: Store, tmp_path: Path) -> None:
    """Issue 20: the panel's text match is ``decide affinity``'s scorer with the project as
    the one submission (collection statistics over the candidates' documents and the
    project): among a pool with no shared works, the text affinities are proportional to
    :func:`affinity_scores` (``collection="all"``), and a candidate whose only work shares a
    single word with the project ("sensor", "robot") does not match at all."""
    pool = ["C3", "C4", "C5", "C7", "C8"]
    csv = tmp_path / "pool.csv"
    csv.write_text("author_id\n" + "\n".join(pool) + "\n", encoding="utf-8")
    r = _panel(tiny, pool=csv, size=2, top=10)
    got = {x["author_id"]: x["text_similarity"] for x in r.evidence["ranking"].to_pylist()}
    titles = {w: t for w, _, t, _ in _WORKS}
    works = {"C3": "W4", "C4": "W5", "C5": "W6", "C7": "W9", "C8": "W10"}
    archives = {c: [Paper(w, titles[w], "")] for c, w in works.items()}
    t = affinity_scores(archives, {"p": Paper("p", TEXT, "")}, collection="all")
    aff = dict(zip(t["reviewer_id"].to_pylist(), t["score"].to_pylist(), strict=True))
    assert got["C4"] == 0.0 and got["C8"] == 0.0  # one shared word: "robot", "sensor"
    assert aff["C4"] == 0.0 and aff["C8"] == 0.0
    # W4 and W9 hold every project term; W6 lacks "sensor" (and "tactil sensor")
    assert got["C3"] == pytest.approx(1.0) and got["C7"] == pytest.approx(1.0)
    assert 0 < got["C5"] < 1
    for c in ("C5", "C7"):
        assert got[c] / got["C3"] == pytest.approx(aff[c] / aff["C3"], rel=1e-12)
    assert r.rule.parameters["text_model"].startswith("BM25")


def test_coauthorship_exclusion_cites_the_shared_work(tiny: Store) -> None:
    ex = _excluded(_panel(tiny))
    e = ex[("C2", "coauthorship")]
    assert e["applicant"] == "APP"
    assert e["evidence"] == ["W20"] and e["years"] == [2021]
    assert "W20 (2021)" in e["detail"] and e["active"]
    # W21 (2012, with C4) is outside the 5-year window ...
    assert ("C4", "coauthorship") not in ex
    # ... and inside a 10-year one
    e4 = _excluded(_panel(tiny, coi_years=10))[("C4", "coauthorship")]
    assert e4["evidence"] == ["W21"] and e4["years"] == [2012]


def test_persons_carry_conflicts_across_split_ids(tiny: Store) -> None:
    """C3 wrote W20 with the applicant under a second id (C3b). Unresolved, C3 looks free of
    conflict and C3b is a separate candidate; once person_aliases says C3b is C3, C3 is
    excluded for co-authorship through that work and C3b is no candidate of its own."""
    con = tiny.con
    con.execute("INSERT INTO authors (author_id, name) VALUES ('C3b', 'Dan Three')")
    con.execute(
        "INSERT INTO authorships (work_id, author_seq, author_id, author_name, author_position,"
        " institution_id, country_code) VALUES ('W20', 3, 'C3b', 'Dan Three', 'middle', 'OU1',"
        " 'DE')"
    )
    before = _excluded(_panel(tiny))
    assert ("C3", "coauthorship") not in before and ("C3b", "coauthorship") in before
    con.execute(
        """INSERT INTO person_aliases VALUES
           ('C3', 'C3', 'match', 0.99, NULL, 'Dan Three', NULL),
           ('C3b', 'C3', 'match', 0.99, NULL, 'Dan Three', NULL)"""
    )
    r = _panel(tiny)
    after = _excluded(r)
    assert after[("C3", "coauthorship")]["evidence"] == ["W20"]
    assert not any(a == "C3b" for a, _ in after)
    assert "C3b" not in r.evidence["ranking"]["author_id"].to_pylist()


def test_same_organisation_coinvention_and_project_exclusions(tiny: Store) -> None:
    r = _panel(tiny, size=3)
    ex = _excluded(r)
    assert ex[("C1", "same_organisation")]["evidence"] == ["OA"]
    assert "AppUni" in ex[("C1", "same_organisation")]["detail"]
    co = ex[("C9", "coinvention")]
    assert co["evidence"] == ["US-1"] and co["years"] == [2021]
    pr = ex[("C10", "same_project")]
    assert pr["evidence"] == ["PR1"] and "OE3" in pr["detail"] and "OA" in pr["detail"]
    assert ex[("APP", "applicant")]["active"]
    members = set(_members(r))
    assert not members & {"APP", "C1", "C2", "C9", "C10"}
    status = {x["author_id"]: x["status"] for x in r.evidence["ranking"].to_pylist()}
    assert status["C2"] == "excluded: coauthorship"
    assert "coinvention" in status["C9"]


def test_coi_windows_and_inventor_links(tiny: Store) -> None:
    # the project ended in 2021: outside a 0-year window
    assert ("C10", "same_project") not in _excluded(_panel(tiny, coi_years=0))
    # without name links the co-invention is invisible ...
    ex = _excluded(_panel(tiny, link_inventors="none"))
    assert ("C9", "coinvention") not in ex
    # ... an explicit pool link restores it
    pool = pa.table(
        {
            "author_id": [f"C{k}" for k in range(1, 12)],
            "inventor_id": ["inv-9" if k == 9 else None for k in range(1, 12)],
        }
    )
    ex = _excluded(_panel(tiny, link_inventors="none", pool=pool, applicants=["APP", "inv-app"]))
    assert ex[("C9", "coinvention")]["evidence"] == ["US-1"]
    assert ex[("C9", "coinvention")]["applicant"] == "inv-app"


def test_organisation_applicant_and_requested_exclusion(tiny: Store) -> None:
    r = _panel(tiny, applicants=["OU2"], exclude=["C3"], size=2)
    ex = _excluded(r)
    assert ex[("C4", "same_organisation")]["evidence"] == ["OU2"]
    assert not ex[("C12", "same_organisation")]["active"]  # only a 2010 work: inactive
    assert ("C3", "requested") in ex
    assert r.evidence["applicants"].to_pylist()[0]["kind"] == "organisation"
    assert not {"C3", "C4"} & set(_members(r))


# -- selection ---------------------------------------------------------------------------------
def test_hand_worked_optimum_and_max_per_org(tiny: Store) -> None:
    # academics free of conflicts: C3 (Uni One, best text), C5 (Uni One, 2nd), C4 (Uni Two,
    # weak). One per organisation forces C4 in beside C3; without the cap C5 joins C3.
    r = _panel(tiny, size=2, roles={"academic": 2})
    assert _members(r) == {"C3": "academic", "C4": "academic"}
    r2 = _panel(tiny, size=2, roles={"academic": 2}, max_per_org=None)
    assert _members(r2) == {"C3": "academic", "C5": "academic"}
    m = {x["author_id"]: x["match"] for x in r.evidence["ranking"].to_pylist()}
    assert m["C3"] > m["C5"] > m["C4"]
    # C4's only work "Robot arm calibration" shares one word: no match, and its activity
    # does not make one; it sits only because the cap leaves nobody else, and a caveat says so
    assert m["C4"] == 0.0
    assert any("share no term" in c and "C4" in c for c in r.caveats)
    assert not any("share no term" in c for c in r2.caveats)
    assert r.rule.parameters["objective"] == pytest.approx(m["C3"] + m["C4"])
    assert r2.rule.parameters["objective"] == pytest.approx(m["C3"] + m["C5"])


def test_roles(tiny: Store) -> None:
    roles = {"enterprise_lead": 1, "academic": 1, "industry_expert": 1, "chief_engineer": 1}
    r = _panel(tiny, size=4, roles=roles)
    got = _members(r)
    # C6 is the only senior enterprise member free of conflicts (C7 is junior); C11 the only
    # free inventor on an enterprise patent; C3 the best academic; C7 the best of the rest
    assert got == {
        "C6": "enterprise_lead",
        "C3": "academic",
        "C7": "industry_expert",
        "C11": "chief_engineer",
    }
    assert r.table["role"].to_pylist() == list(roles)
    reasons = dict(
        zip(r.table["author_id"].to_pylist(), r.table["reasons"].to_pylist(), strict=True)
    )
    assert "career age 17" in reasons["C6"]
    assert "inventor on 1 enterprise patent" in reasons["C11"]
    assert "matched terms: " in reasons["C3"] and "best works: W4" in reasons["C3"]
    c3 = r.table.to_pylist()[r.table["author_id"].to_pylist().index("C3")]
    # W4 "Robot grasping with tactile sensors and vision" holds every project term
    assert c3["text_similarity"] == pytest.approx(1.0)
    assert set(c3["matched_terms"]) <= {
        "robot",
        "grasp",
        "tactil",
        "sensor",
        "robot grasp",
        "grasp tactil",
        "tactil sensor",
    }
    assert len(c3["matched_terms"]) == 5 and c3["matched_works"] == ["W4"]
    assert c3["career_age"] == 0
    ranking = {x["author_id"]: x for x in r.evidence["ranking"].to_pylist()}
    assert ranking["C7"]["roles"] == ["industry_expert"]
    assert set(ranking["C6"]["roles"]) == {"enterprise_lead", "industry_expert"}


@pytest.mark.parametrize(
    ("seats", "cap"),
    [
        ({"member": 3}, 1),
        ({"member": 3}, None),
        ({"academic": 2, "industry_expert": 1}, 1),
        ({"enterprise_lead": 1, "industry_expert": 2, "member": 1}, 1),
        ({"academic": 1, "member": 3}, 1),
    ],
)
def test_milp_matches_brute_force(tiny: Store, seats: dict[str, int], cap: int | None) -> None:
    roles = {k: v for k, v in seats.items() if k != "member"}
    r = _panel(tiny, size=sum(seats.values()), roles=roles, max_per_org=cap, top=100)
    assert r.rule.parameters["objective"] == pytest.approx(_brute_force(r, seats, cap))
    orgs = r.table["org_id"].to_pylist()
    if cap is not None:
        assert len(set(orgs)) == len(orgs)


def test_topics_and_concepts(tiny: Store) -> None:
    r = _panel(tiny, text=None, topics=["Robot grasping"], size=2)
    assert r.rule.parameters["topics"] == [_TOPIC]
    assert r.rule.parameters["weights"]["topics"] == 0.25
    ranking = {x["author_id"]: x for x in r.evidence["ranking"].to_pylist()}
    assert ranking["C3"]["topic_overlap"] == pytest.approx(1.0)  # its only topic is the project's
    assert ranking["C4"]["topic_overlap"] == 0.0
    assert all(0.0 <= x["match"] <= 1.0 for x in ranking.values())
    r2 = _panel(tiny, text=None, topics=["No such topic"], size=2)
    assert any("No such topic" in c for c in r2.caveats)


def test_pool_csv_with_outside_expert(tiny: Store, tmp_path: Path) -> None:
    csv = tmp_path / "pool.csv"
    csv.write_text(
        "author_id,name,org,country,type,expertise\n"
        "X1,Xavier Outside,Far Uni,BR,education,tactile sensors for robot grasping\n"
        "C3,,,,,\n"
        "C1,,,,,\n"
        "C5,,,,,\n",
        encoding="utf-8",
    )
    r = _panel(tiny, pool=csv, size=2, min_recent_works=0, roles={"academic": 2})
    assert set(_members(r)) == {"X1", "C3"}
    row = r.table.to_pylist()[[*r.table["author_id"].to_pylist()].index("X1")]
    assert row["org"] == "Far Uni" and row["country"] == "BR" and row["type"] == "university"
    assert ("C1", "same_organisation") in _excluded(r)


# -- infeasible and bad requests ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"size": 2, "roles": {"chief_engineer": 2}},
            r"role 'chief_engineer' needs 2 member\(s\) but only 1 non-conflicted.*"
            r"2 more .* excluded by conflicts of interest "
            r"\(applicant: 1, coinvention: 1, same_organisation: 1\)",
        ),
        (
            {"size": 3, "roles": {"academic": 3}, "max_per_org": None, "max_per_country": 1},
            r"role 'academic' needs 3.*only 2 under max_per_country=1",
        ),
        (
            {"size": 3, "roles": {"academic": 3}},
            r"role 'academic' needs 3.*only 2 under max_per_org=1",
        ),
        (
            {"size": 5, "roles": {"enterprise_lead": 1, "industry_expert": 4}},
            r"roles 'enterprise_lead', 'industry_expert' together need 5",
        ),
    ],
)
def test_infeasible_requests_are_explained(tiny: Store, kwargs: dict, message: str) -> None:
    with pytest.raises(InfeasibleError, match=message):
        _panel(tiny, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"applicants": []}, "applicants is empty"),
        ({"applicants": ["nobody"]}, "none of the applicants"),
        ({"text": None}, "describe the project"),
        ({"roles": {"wizard": 1}}, "unknown role"),
        ({"roles": {"academic": 9}}, "ask for 9 members"),
        ({"size": 0}, "size=0"),
        ({"weights": {"fame": 1.0}}, "unknown weight"),
        ({"method": "magic"}, "method="),
        ({"pool": pa.table({"x": [1]})}, "author_id column"),
    ],
)
def test_bad_requests(tiny: Store, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        _panel(tiny, **kwargs)


def test_greedy_is_labelled(tiny: Store) -> None:
    r = _panel(tiny, size=2, roles={"academic": 2}, method="greedy")
    assert r.rule.parameters["method_used"] == "greedy"
    assert set(_members(r)) == {"C3", "C4"}
    assert any("greedy" in c for c in r.caveats)


def test_milp_failure_falls_back_to_greedy(tiny: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from scipy.optimize import OptimizeResult

    import forcemap.decide._solve as panel  # the one HiGHS wrapper calls milp

    def broken(*args: object, **kwargs: object) -> OptimizeResult:
        return OptimizeResult(x=None, status=4, fun=None, message="boom")

    monkeypatch.setattr(panel, "milp", broken)
    r = _panel(tiny, size=2, roles={"academic": 2})
    assert r.rule.parameters["method_used"] == "greedy (fallback: MILP solver failure)"
    assert set(_members(r)) == {"C3", "C4"}


def test_pruning_keeps_the_optimum() -> None:
    """The per-role candidate pruning never changes the optimal objective."""
    import numpy as np

    from forcemap.decide.panel.selection import _milp_solve

    rng = np.random.default_rng(7)
    for trial in range(6):
        n, size = 400, 3 + trial % 3
        match = np.round(rng.random(n), 3)
        org = rng.integers(0, 12, n)
        cty = np.where(rng.random(n) < 0.1, -1, rng.integers(0, 4, n))
        elig = np.column_stack([rng.random(n) < 0.3, rng.random(n) < 0.5, np.ones(n, bool)])
        need = np.array([1, 1, size - 2])
        keep = _prune(elig, match, org, cty, size)
        assert keep.sum() < elig.sum()
        full = _milp_solve(elig, match, need, org, cty, 1, 2, 30.0)
        pruned = _milp_solve(keep, match, need, org, cty, 1, 2, 30.0)
        assert full[1] == pruned[1] == "optimal"
        assert pruned[2] == pytest.approx(full[2])


# -- the kept candidates' side (read-only stores) -----------------------------------------------
_REQUESTS: list[dict[str, object]] = [
    {},
    {"applicants": ["C6"], "size": 3},
    {"applicants": ["OE3"], "roles": {"academic": 1}, "size": 2},
    {"applicants": ["inv-9"], "topics": [_TOPIC], "size": 3},
    {"applicants": ["APP", "C3"], "text": "robot arm", "method": "greedy", "size": 2},
]


def _as_data(r: object) -> tuple:
    ev = r.evidence  # type: ignore[attr-defined]
    return (
        r.table.to_pylist(),  # type: ignore[attr-defined]
        ev["excluded"].to_pylist(),
        ev["ranking"].to_pylist(),
        ev["applicants"].to_pylist(),
        r.rule.parameters,  # type: ignore[attr-defined]
    )


def test_kept_candidate_side_gives_the_same_panels(tmp_path: Path) -> None:
    path = tmp_path / "panel.duckdb"
    s = Store.open(path)
    _fill(s)
    fresh = [_as_data(_panel(s, **kw)) for kw in _REQUESTS]  # computed per request
    s.close()
    ro = Store.open(path, read_only=True)
    try:
        for _ in range(2):  # the first request computes the side, the others reuse it
            kept = [_as_data(_panel(ro, **kw)) for kw in _REQUESTS]
            assert _close(kept, fresh)
    finally:
        ro.close()


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_simultaneous_first_requests_compute_the_side_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from forcemap.decide.panel import candidates as panel_module

    path = tmp_path / "panel.duckdb"
    s = Store.open(path)
    _fill(s)
    expected = [_as_data(_panel(s, applicants=[a])) for a in ("APP", "C6")]
    s.close()
    calls: list[int] = []
    compute = panel_module._compute_side

    def slow_compute(*args: object, **kwargs: object) -> object:
        calls.append(1)
        time.sleep(0.3)  # the second request arrives while the first computes
        return compute(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(panel_module, "_compute_side", slow_compute)
    ro = Store.open(path, read_only=True)

    def request(applicant: str) -> tuple:  # like the web app: a store view per request
        view = Store(ro.path, ro.cursor(), read_only=True)
        try:
            return _as_data(_panel(view, applicants=[applicant]))
        finally:
            view.con.close()

    try:
        with ThreadPoolExecutor(2) as pool:
            got = list(pool.map(request, ["APP", "C6"]))
    finally:
        ro.close()
    assert len(calls) == 1
    assert _close(got, expected)


def test_an_ingest_makes_the_kept_side_stale(tmp_path: Path) -> None:
    path = tmp_path / "panel.duckdb"
    s = Store.open(path)
    _fill(s)
    s.close()
    ro = Store.open(path, read_only=True)
    before = {x["author_id"] for x in _panel(ro).evidence["ranking"].to_pylist()}
    ro.close()
    assert "C13" not in before
    s = Store.open(path)  # a new author with a matching recent work, recorded as a batch
    s.con.execute(
        "INSERT INTO works (work_id, title, year, origin, batch_id) "
        "VALUES ('W30', 'Robot grasping with tactile sensors', 2022, 't', 7)"
    )
    s.con.execute(
        "INSERT INTO authorships (work_id, author_seq, author_id, author_name, author_position, "
        "institution_id, country_code) VALUES ('W30', 1, 'C13', 'Ned Thirteen', 'first', 'OU2', "
        "'FR')"
    )
    s.con.execute(
        "INSERT INTO table_versions VALUES ('works', 7, 't', now()::TIMESTAMP), "
        "('authorships', 7, 't', now()::TIMESTAMP)"
    )
    s.close()
    ro = Store.open(path, read_only=True)
    try:
        after = {x["author_id"] for x in _panel(ro).evidence["ranking"].to_pylist()}
    finally:
        ro.close()
    assert "C13" in after


# -- the synthetic world's planted conflict ----------------------------------------------------
@pytest.fixture(scope="module")
def synthetic(synthetic_world: tuple[Path, dict]) -> Iterator[tuple[Store, dict]]:
    path, planted = synthetic_world
    s = Store.open(path, read_only=True)
    yield s, planted
    s.close()


def test_planted_coauthor_conflict(synthetic: tuple[Store, dict]) -> None:
    store, planted = synthetic
    pc = planted["coauthor_conflict"]
    title = store.scalar("SELECT title FROM works WHERE work_id = $w", {"w": pc["work_id"]})
    # without the conflict author_b is an active, eligible candidate who matches the project
    other = store.scalar(
        "SELECT min(author_id) FROM authorships WHERE author_id NOT IN ($a, $b)",
        {"a": pc["author_a"], "b": pc["author_b"]},
    )
    free = review_panel(store, applicants=[other], text=title, top=20)
    rank = {x["author_id"]: x for x in free.evidence["ranking"].to_pylist()}
    assert rank[pc["author_b"]]["eligible"]
    assert rank[pc["author_b"]]["status"] in ("eligible", "selected: member")
    # with author_a applying, author_b is excluded citing the planted work
    r = review_panel(store, applicants=[pc["author_a"]], text=title)
    assert r.synthetic
    e = _excluded(r)[(pc["author_b"], "coauthorship")]
    assert e["applicant"] == pc["author_a"]
    assert pc["work_id"] in e["evidence"]
    assert e["years"][e["evidence"].index(pc["work_id"])] == pc["year"]
    assert e["active"]
    assert pc["author_b"] not in r.table["author_id"].to_pylist()
    status = {x["author_id"]: x["status"] for x in r.evidence["ranking"].to_pylist()}
    assert "coauthorship" in status[pc["author_b"]]


# -- the real SYNERGY store --------------------------------------------------------------------
def test_real_coauthors_are_excluded(synergy_store: Store) -> None:
    store = synergy_store
    y = store.scalar("SELECT max(year) FROM works")
    # a real prolific author with co-authors in the COI window
    applicant = store.scalar(
        """SELECT a.author_id FROM authorships a JOIN works w USING (work_id)
           WHERE a.author_id IS NOT NULL AND w.year >= $y0
           GROUP BY a.author_id ORDER BY count(DISTINCT work_id) DESC, a.author_id LIMIT 1""",
        {"y0": y - 5},
    )
    expected = {
        (cid, wid)
        for cid, wid in store.sql(
            """SELECT DISTINCT b.author_id, a.work_id
               FROM authorships a JOIN works w USING (work_id)
               JOIN authorships b USING (work_id)
               WHERE a.author_id = $app AND b.author_id IS NOT NULL
                 AND b.author_id <> $app AND w.year >= $y0""",
            {"app": applicant, "y0": y - 5},
        ).fetchall()
    }
    assert len({c for c, _ in expected}) >= 5
    text = store.scalar(
        """SELECT w.title FROM works w JOIN authorships a USING (work_id)
           WHERE a.author_id = $app ORDER BY w.year DESC, w.work_id LIMIT 1""",
        {"app": applicant},
    )
    r = review_panel(store, applicants=[applicant], text=text, size=5)
    co = [e for e in r.evidence["excluded"].to_pylist() if e["rule"] == "coauthorship"]
    got = {(e["author_id"], w) for e in co for w in e["evidence"]}
    assert got == expected
    for e in co:
        assert all(yr >= y - 5 for yr in e["years"])
    panel = set(r.table["author_id"].to_pylist())
    assert not panel & {c for c, _ in expected}
    assert len(panel) == 5
    assert any("not resolved" in c for c in r.caveats)


def test_members_who_wrote_together_do_not_sit_together(tmp_path: Path) -> None:
    """Issue 20: conflicts among members too. Without a joint work the panel seats both C3
    and C7 (strong text, different organisations); once they co-write a 2022 work (in the COI
    window) only one of them sits, with the MILP and with the greedy method, and the rule
    lists the member conflicts."""
    s = Store.open(tmp_path / "p.duckdb")
    try:
        _fill(s)
        before = _members(_panel(s))
        assert {"C3", "C7"} <= set(before), before
        s.con.execute(
            "INSERT INTO works (work_id, title, year, origin, batch_id) "
            "VALUES ('W30', 'Joint note', 2022, 't', 0)"
        )
        for seq, a in enumerate(("C3", "C7"), 1):
            s.con.execute(
                "INSERT INTO authorships (work_id, author_seq, author_id, author_name, "
                "institution_id) VALUES ('W30', ?, ?, ?, ?)",
                [seq, a, _AUTHORS[a][0], _AUTHORS[a][1]],
            )
        for method in ("milp", "greedy"):
            r = _panel(s, method=method)
            got = set(_members(r))
            assert not {"C3", "C7"} <= got, (method, got)
            assert len(got) == len(before)
        assert "coauthorship" in r.rule.parameters["member_conflicts"]  # type: ignore[attr-defined]
    finally:
        s.close()


def test_real_store_panel_has_no_two_members_in_conflict(real_store: Store) -> None:
    """The demo's real-store panel (the applicant with most recent works, "borderline
    personality disorder"): no two members co-wrote a work in the COI window — before the
    member check, three of its five members shared one paper and two another."""
    app = real_store.con.execute(
        """SELECT a.author_id FROM authorships a JOIN works w USING (work_id)
           WHERE a.author_id IS NOT NULL AND w.year >= (SELECT max(year) - 4 FROM works)
           GROUP BY a.author_id ORDER BY count(DISTINCT a.work_id) DESC, a.author_id LIMIT 1"""
    ).fetchall()[0][0]
    r = review_panel(real_store, applicants=[app], text="borderline personality disorder", size=5)
    ids = r.table["author_id"].to_pylist()
    assert len(ids) == 5
    y = real_store.scalar("SELECT max(year) FROM works")
    joint = real_store.con.execute(
        """SELECT count(*) FROM authorships AS a JOIN authorships AS b USING (work_id)
           JOIN works AS w USING (work_id)
           WHERE list_contains($ids, a.author_id) AND list_contains($ids, b.author_id)
             AND a.author_id < b.author_id AND w.year BETWEEN $y - 5 AND $y""",
        {"ids": ids, "y": y},
    ).fetchall()[0][0]
    assert joint == 0


# -- diversity by career age -------------------------------------------------------------------
def test_career_band_cap(tiny: Store) -> None:
    """Career age = 2022 − first publication year: C3, C7, C11 (0, 0, 1) are in band <10,
    C6 (first work 2005: 17) and C4 (W21 of 2012: 10) in 10–19; nobody active is ≥20. The best
    three by match (one per organisation) are C3, C7 (0.9 each) and C11; with at most two of
    one band the third seat goes to C6, the best of 10–19, with the MILP and the greedy
    method alike; four seats take C4 too. One per band cannot seat three (two bands)."""
    free = _panel(tiny, size=3)
    assert set(_members(free)) == {"C3", "C7", "C11"}
    for method in ("milp", "greedy"):
        r = _panel(tiny, size=3, max_same_career_band=2, method=method)
        assert set(_members(r)) == {"C3", "C7", "C6"}, method
        ages = dict(
            zip(r.table["author_id"].to_pylist(), r.table["career_age"].to_pylist(), strict=True)
        )
        assert ages == {"C3": 0, "C7": 0, "C6": 17}
        m = {x["author_id"]: x["match"] for x in r.evidence["ranking"].to_pylist()}
        assert r.rule.parameters["objective"] == pytest.approx(m["C3"] + m["C7"] + m["C6"])
    r4 = _panel(tiny, size=4, max_same_career_band=2)
    assert set(_members(r4)) == {"C3", "C7", "C6", "C4"}
    reasons = dict(
        zip(r4.table["author_id"].to_pylist(), r4.table["reasons"].to_pylist(), strict=True)
    )
    assert "career age 10 (band 10–19 years)" in reasons["C4"]
    p = r4.rule.parameters
    assert p["max_same_career_band"] == 2 and p["career_band_labels"] == ["<10", "10–19", "≥20"]
    assert "max_same_career_band per career band" in r4.rule.statement
    with pytest.raises(InfeasibleError, match=r"max_same_career_band=1 .*career bands"):
        _panel(tiny, size=3, max_same_career_band=1)
    # other edges: (2,) puts C11 (1) below and C8 (2), C6, C4 at or above
    r5 = _panel(tiny, size=3, max_same_career_band=2, career_bands=(2,))
    assert set(_members(r5)) == {"C3", "C7", "C6"}
    with pytest.raises(InputError, match="career_bands"):
        _panel(tiny, career_bands=(20, 10))


def test_career_band_pruning_is_exact() -> None:
    """With a band cap the pruning works within each band: a dropped candidate always has a
    kept better one of its own band, so the optimum is that of the unpruned problem."""
    rng = np.random.default_rng(7)
    n, size = 400, 3
    elig = np.ones((n, 1), bool)
    match = rng.random(n)
    org = rng.integers(0, 3, n)
    cty = rng.integers(0, 2, n)
    band = np.where(np.arange(n) < 390, 0, 1)  # ten candidates in band 1, the weakest ones
    match[390:] = rng.random(10) * 0.01
    keep = _prune(elig, match, org, cty, size, 0, band)
    assert keep[390:, 0].all()  # band 1 is small: all kept
    need = np.asarray([size])
    full = _milp_solve(elig, match, need, org, cty, None, None, 10, None, band, 2)
    pruned = _milp_solve(keep, match, need, org, cty, None, None, 10, None, band, 2)
    assert pruned.objective == pytest.approx(full.objective)
    assert sum(1 for c, _ in pruned.members or [] if band[c] == 1) == 1


def test_cli_career_band_options(tmp_path: Path) -> None:
    """``decide panel --max-same-career-band 2`` seats C6 (the hand-worked case above), shows
    the career ages, and ``--out`` keeps the explanation columns."""
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from forcemap.cli import app

    path = tmp_path / "p.duckdb"
    s = Store.open(path)
    _fill(s)
    s.close()
    out = tmp_path / "panel.parquet"
    args = ["--store", str(path), "decide", "panel", "--applicant", "APP", "--text", TEXT]
    r = CliRunner().invoke(
        app, [*args, "--size", "3", "--max-same-career-band", "2", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "career_age" in r.output
    t = pq.read_table(out)
    assert set(t["author_id"].to_pylist()) == {"C3", "C7", "C6"}
    assert {"career_age", "matched_terms", "matched_works"} <= set(t.column_names)
    bad = CliRunner().invoke(app, [*args, "--career-bands", "ten"])
    assert bad.exit_code != 0 and "career-bands" in bad.output
