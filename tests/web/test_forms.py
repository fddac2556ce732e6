"""The decision tools with forms (consortium builder, review panel, portfolio, search): each
page shows its form without parameters, a real result with them (compared with the Python
API on the same input), a clear 4xx error for a bad value; each /api/v1 twin returns what
the Python API returns. Consortium and portfolio need resolved organisations and projects:
they run on the small synthetic world; panel and search run on the real SYNERGY store."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path
from typing import Any

import pytest

from forcemap.decide.consortium import consortium
from forcemap.store import Store

from .conftest import TestClient
from .test_decisions import _error


def _text(page: str) -> str:
    """The page's HTML with entities decoded (apostrophes, ampersands)."""
    return htmllib.unescape(page)


def _table_rows(page: str, table_id: str) -> int:
    """Body rows of the table ``table_id`` in ``page``."""
    m = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert m, f"no table {table_id}"
    return m.group(1).count("<tr")


def _error_on_page(r: Any, status: int, element: str) -> str:
    """The message of a form page re-rendered with its error (the form kept)."""
    assert r.status_code == status, r.text[-800:]
    m = re.search(rf'id="{element}">(.*?)</p>', r.text, re.S)
    assert m, r.text[-800:]
    assert "<form" in r.text
    return _text(m.group(1))


# -- consortium builder ----------------------------------------------------------------------
CONSORTIUM = {"industry": "robotics", "size": "4", "min_types": "university>=1"}


@pytest.fixture(scope="session")
def robotics_consortium(web_synthetic: tuple[Path, dict[str, Any]]) -> Any:
    """The Python API's consortium for :data:`CONSORTIUM` on the synthetic world."""
    with Store.open(web_synthetic[0], read_only=True) as s:
        return consortium(s, industry="robotics", size=4, min_types={"university": 1})


def test_consortium_form_without_parameters(client: TestClient) -> None:
    r = client.get("/consortium")
    assert r.status_code == 200
    assert 'id="consortium-form"' in r.text and 'value="robotics"' in r.text
    assert 'name="min_types"' in r.text and 'name="exclude"' in r.text
    assert "consortium-members" not in r.text and "error-message" not in r.text


def test_consortium_page_shows_the_members(
    synth_client: TestClient, robotics_consortium: Any, web_synthetic: tuple[Path, dict[str, Any]]
) -> None:
    r = synth_client.get("/consortium", params=CONSORTIUM)
    assert r.status_code == 200, r.text[-800:]
    page = _text(r.text)
    lib = robotics_consortium.table.to_pylist()
    assert _table_rows(r.text, "consortium-members") == len(lib) == 4
    for m in lib:
        assert m["org_id"] in page and m["why"] in page
    # the planted strong enterprise leads robotics and is chosen
    assert web_synthetic[1]["strong_enterprise"]["org_id"] in {m["org_id"] for m in lib}
    subs = robotics_consortium.evidence["sub_technologies"].num_rows
    assert _table_rows(r.text, "consortium-coverage") == subs
    assert 'id="consortium-solver">optimal (MILP, HiGHS)' in r.text
    assert 'id="consortium-rule"' in r.text and "tie_bonus" in page
    assert 'value="university>=1"' in page  # the form keeps its values
    # the greedy heuristic is labelled as such
    r = synth_client.get("/consortium", params={**CONSORTIUM, "method": "greedy"})
    assert r.status_code == 200 and "not a proven optimum" in r.text
    assert 'class="solver solver-heuristic"' in r.text


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"lead": "I404"}, 422, "lead organisation(s) I404 not in the store"),
        ({"min_types": "university=9"}, 422, "min_types asks for at least 9 members"),
        ({"min_types": "university"}, 422, "must read NAME=COUNT"),
        ({"min_types": "robot=1"}, 422, "unknown 'robot'"),
        ({"size": "0"}, 422, "size=0 must be between 1 and 30"),
        ({"subs": "no_such_sub"}, 422, "unknown sub-technology no_such_sub"),
        ({"include": "I1' OR '1'='1"}, 422, "is not an id"),
        ({"industry": "atlantis"}, 404, "no industry 'atlantis' in the catalog"),
    ],
)
def test_consortium_page_bad_input(
    synth_client: TestClient, params: dict[str, str], status: int, needle: str
) -> None:
    r = synth_client.get("/consortium", params={**CONSORTIUM, **params})
    assert needle in _error_on_page(r, status, "consortium-error")


def test_consortium_page_needs_resolved_organisations(client: TestClient) -> None:
    r = client.get("/consortium", params={"industry": "biomedicine"})
    assert "organisations are not resolved" in _error_on_page(r, 422, "consortium-error")


def test_consortium_api_matches_the_library(
    synth_client: TestClient, robotics_consortium: Any
) -> None:
    d = synth_client.get(
        "/api/v1/consortium",
        params={"industry": "robotics", "size": 4, "min_types": "university=1"},
    ).json()
    lib = robotics_consortium
    assert [m["org_id"] for m in d["rows"]] == lib.table["org_id"].to_pylist()
    assert [m["why"] for m in d["rows"]] == lib.table["why"].to_pylist()
    assert d["solver"]["optimal"] is True and d["solver"]["method_used"] == "milp"
    assert d["rule"]["name"] == "consortium" and d["synthetic"] is True
    assert d["rule"]["parameters"]["min_types"] == {"university": 1}
    assert d["coverage"]["members"] == lib.table["org_id"].to_pylist()
    assert len(d["coverage"]["rows"]) == lib.evidence["sub_technologies"].num_rows
    assert d["caveats"] == lib.caveats
    # validated parameters: 422 in the API's error shape
    msg = _error(
        synth_client.get("/api/v1/consortium", params={"industry": "robotics", "size": 0}), 422
    )
    assert "size" in msg
    msg = _error(
        synth_client.get("/api/v1/consortium", params={"industry": "robotics", "lead": "I404"}),
        422,
    )
    assert "I404" in msg
    # the depth of the objective reaches the library (issue 20): depth 1 is plain coverage
    d1 = synth_client.get(
        "/api/v1/consortium",
        params={"industry": "robotics", "size": 4, "depth": 1, "depth_discount": 0.5},
    ).json()
    assert d1["rule"]["parameters"]["depth"] == 1
    assert d["rule"]["parameters"]["depth"] == 3  # the default
    page = synth_client.get("/consortium", params={"industry": "robotics", "depth": "2"})
    assert page.status_code == 200 and 'name="depth" type="number"' in page.text
    # so does min_contribution (form and API): every member adds at least that share
    dm = synth_client.get(
        "/api/v1/consortium",
        params={"industry": "robotics", "size": 4, "min_contribution": 0.2},
    ).json()
    assert dm["rule"]["parameters"]["min_contribution"] == 0.2
    assert all(m["forced_by"] or m["contribution_share"] >= 0.2 - 1e-9 for m in dm["rows"])
    page = synth_client.get(
        "/consortium", params={"industry": "robotics", "min_contribution": "0.2"}
    )
    assert page.status_code == 200 and 'name="min_contribution" value="0.2"' in page.text
    assert "min contribution" in _error_on_page(
        synth_client.get("/consortium", params={"industry": "robotics", "min_contribution": "1"}),
        422,
        "consortium-error",
    )
    _error(synth_client.get("/api/v1/consortium", params={"industry": "atlantis"}), 404)


# -- review panel ----------------------------------------------------------------------------
PANEL_TEXT = "depression treatment randomized trial"


@pytest.fixture(scope="session")
def synergy_panel(synergy_store_path: Path) -> tuple[str, Any]:
    """The most prolific SYNERGY author as the applicant and the Python API's panel of 3."""
    from forcemap.decide.panel import review_panel

    with Store.open(synergy_store_path, read_only=True) as s:
        applicant = s.scalar(
            "SELECT author_id FROM authorships WHERE author_id IS NOT NULL "
            "GROUP BY author_id ORDER BY count(*) DESC, author_id LIMIT 1"
        )
        return applicant, review_panel(s, applicants=[applicant], text=PANEL_TEXT, size=3)


def test_panel_form_without_parameters(client: TestClient) -> None:
    r = client.get("/panel")
    assert r.status_code == 200
    assert 'id="panel-form"' in r.text and 'name="applicants"' in r.text
    assert 'name="coi_years"' in r.text and "enterprise_lead" in r.text
    assert "panel-members" not in r.text and "error-message" not in r.text


def test_panel_page_shows_members_and_conflicts(
    client: TestClient, synergy_panel: tuple[str, Any]
) -> None:
    applicant, lib = synergy_panel
    r = client.get("/panel", params={"applicants": applicant, "text": PANEL_TEXT, "size": "3"})
    assert r.status_code == 200, r.text[-800:]
    page = _text(r.text)
    assert _table_rows(r.text, "panel-members") == lib.table.num_rows == 3
    for m in lib.table.to_pylist():
        assert m["author_id"] in page and m["reasons"] in page
    # the excluded candidates with their rule and evidence (e.g. the co-authored works)
    excluded = lib.evidence["excluded"].to_pylist()
    co = next(e for e in excluded if e["rule"] == "coauthorship")
    assert co["author_id"] in page and co["evidence"][0] in page and co["detail"] in page
    assert "<code>coauthorship</code>" in r.text
    assert 'id="panel-solver">optimal (MILP, HiGHS)' in r.text
    assert 'id="panel-rule"' in r.text and "coi_window" in page


def test_panel_page_excludes_the_planted_coauthor(
    synth_client: TestClient, web_synthetic: tuple[Path, dict[str, Any]]
) -> None:
    fact = web_synthetic[1]["coauthor_conflict"]
    r = synth_client.get(
        "/panel", params={"applicants": fact["author_a"], "text": "robot grasping", "size": "3"}
    )
    assert r.status_code == 200, r.text[-800:]
    m = re.search(r'id="panel-excluded".*?</table>', r.text, re.S)
    assert m
    row = next(t for t in m.group(0).split("<tr>") if fact["author_b"] in t)
    assert "coauthorship" in row and fact["work_id"] in row and str(fact["year"]) in row
    members = re.search(r'id="panel-members".*?</table>', r.text, re.S)
    assert members and fact["author_b"] not in members.group(0)


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"text": ""}, "describe the proposal"),
        ({"applicants": "A0000"}, "none of the applicants A0000"),
        ({"roles": "chief_engineer=1"}, "role 'chief_engineer' needs 1 member(s)"),
        ({"roles": "academic=9"}, "the roles ask for 9 members but size=3"),
        ({"size": "50"}, "size=50 must be between 1 and 20"),
        ({"coi_years": "x"}, "COI years='x' must be a whole number"),
    ],
)
def test_panel_page_bad_input(
    client: TestClient, synergy_panel: tuple[str, Any], params: dict[str, str], needle: str
) -> None:
    base = {"applicants": synergy_panel[0], "text": PANEL_TEXT, "size": "3"}
    r = client.get("/panel", params={**base, **params})
    assert needle in _error_on_page(r, 422, "panel-error")


def test_panel_api_matches_the_library(client: TestClient, synergy_panel: tuple[str, Any]) -> None:
    applicant, lib = synergy_panel
    d = client.get(
        "/api/v1/panel", params={"applicants": applicant, "text": PANEL_TEXT, "size": 3}
    ).json()
    assert [m["author_id"] for m in d["rows"]] == lib.table["author_id"].to_pylist()
    assert [m["reasons"] for m in d["rows"]] == lib.table["reasons"].to_pylist()
    assert len(d["excluded"]) == lib.evidence["excluded"].num_rows
    assert d["rule"]["name"] == "review_panel" and d["caveats"] == lib.caveats
    assert d["solver"]["optimal"] is True
    msg = _error(client.get("/api/v1/panel", params={"applicants": applicant, "size": 0}), 422)
    assert "size" in msg
    msg = _error(client.get("/api/v1/panel", params={"applicants": applicant}), 422)
    assert "describe the proposal" in msg
    _error(client.get("/api/v1/panel"), 422)  # applicants is required


# -- portfolio -------------------------------------------------------------------------------
BUDGET = 5e6


@pytest.fixture(scope="session")
def synthetic_portfolio(web_synthetic: tuple[Path, dict[str, Any]]) -> tuple[Any, Any]:
    """The Python API's project review and allocation of :data:`BUDGET` (defaults)."""
    from forcemap.decide.portfolio import allocate_budget, project_review

    with Store.open(web_synthetic[0], read_only=True) as s:
        review = project_review(s)
        return review, allocate_budget(s, budget=BUDGET, review=review)


def test_portfolio_without_projects_says_how_to_ingest(client: TestClient) -> None:
    for params in ({}, {"mode": "review"}, {"mode": "allocate", "budget": "1e6"}):
        r = client.get("/portfolio", params=params)
        assert r.status_code == 200
        assert 'id="portfolio-no-projects"' in r.text and "<form" not in r.text
        assert "has no research projects" in r.text and "ingest projects" in r.text
        assert "docs/formats.md" in r.text
    msg = _error(client.get("/api/v1/portfolio/review"), 404)
    assert "no research projects" in msg and "forcemap --store STORE ingest projects" in msg
    _error(client.get("/api/v1/portfolio/allocate", params={"budget": 1e6}), 404)


def test_portfolio_forms_without_parameters(synth_client: TestClient) -> None:
    r = synth_client.get("/portfolio")
    assert r.status_code == 200
    assert 'id="review-form"' in r.text and 'id="allocate-form"' in r.text
    assert "review-table" not in r.text and "allocation-table" not in r.text


def test_portfolio_review_page(
    synth_client: TestClient, synthetic_portfolio: tuple[Any, Any]
) -> None:
    lib = synthetic_portfolio[0].table.to_pylist()
    r = synth_client.get("/portfolio", params={"mode": "review"})
    assert r.status_code == 200, r.text[-800:]
    page = _text(r.text)
    assert _table_rows(r.text, "review-table") == len(lib)
    decisions = re.findall(r'<span class="rec rec-[a-z]+">([a-z]+)</span>', r.text)
    assert decisions[-len(lib) :] == [p["recommendation"] for p in lib]  # withdraw first
    assert {p["recommendation"] for p in lib} == {"withdraw", "review", "continue"}
    for p in lib[:5]:
        assert p["project_id"] in page and p["reasons"] in page
    assert 'id="review-rule"' in r.text and "withdraw_below" in page


def test_portfolio_allocation_page(
    synth_client: TestClient, synthetic_portfolio: tuple[Any, Any]
) -> None:
    alloc = synthetic_portfolio[1]
    solver = alloc.evidence["solver"].to_pylist()[0]
    r = synth_client.get("/portfolio", params={"mode": "allocate", "budget": "5,000,000"})
    assert r.status_code == 200, r.text[-800:]
    assert _table_rows(r.text, "allocation-table") == alloc.table.num_rows
    selected = [p["project_id"] for p in alloc.table.to_pylist() if p["selected"]]
    assert selected and len(selected) < alloc.table.num_rows
    rows = re.search(r'id="allocation-table".*?</table>', r.text, re.S)
    assert rows
    for p in selected:
        row = next(t for t in rows.group(0).split("<tr") if p in t)
        assert "<td>yes</td>" in row
    used = f"{100 * solver['spent'] / BUDGET:.1f} %"
    assert f'id="allocation-used">{used}</b>' in r.text
    assert 'id="allocation-solver">optimal (MILP, HiGHS)' in r.text


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"mode": "review", "as_of": "2020-13-01"}, "must be a date YYYY-MM-DD"),
        ({"mode": "review", "withdraw_below": "0.9"}, "need 0 ≤ withdraw_below ≤ review_below"),
        ({"mode": "allocate"}, "budget: give the money to allocate"),
        ({"mode": "allocate", "budget": "lots"}, "budget='lots' must be a number"),
        (
            {"mode": "allocate", "budget": "5e7", "min_per_industry": "9"},
            "must get at least 9 project(s)",
        ),
    ],
)
def test_portfolio_page_bad_input(
    synth_client: TestClient, params: dict[str, str], needle: str
) -> None:
    r = synth_client.get("/portfolio", params=params)
    assert needle in _error_on_page(r, 422, "portfolio-error")


def test_portfolio_api_matches_the_library(
    synth_client: TestClient, synthetic_portfolio: tuple[Any, Any]
) -> None:
    review, alloc = synthetic_portfolio
    d = synth_client.get("/api/v1/portfolio/review").json()
    assert [(p["project_id"], p["recommendation"]) for p in d["rows"]] == [
        (p["project_id"], p["recommendation"]) for p in review.table.to_pylist()
    ]
    assert d["rule"]["name"] == "project_review" and d["caveats"] == review.caveats
    d = synth_client.get("/api/v1/portfolio/allocate", params={"budget": BUDGET}).json()
    assert [(p["project_id"], p["selected"]) for p in d["rows"]] == [
        (p["project_id"], p["selected"]) for p in alloc.table.to_pylist()
    ]
    assert d["solver"]["spent"] == alloc.evidence["solver"]["spent"][0].as_py()
    assert d["caveats"] == alloc.caveats
    assert "budget" in _error(synth_client.get("/api/v1/portfolio/allocate"), 422)
    msg = _error(synth_client.get("/api/v1/portfolio/review", params={"as_of": "yesterday"}), 422)
    assert "YYYY-MM-DD" in msg


# -- search ----------------------------------------------------------------------------------
QUERY = "depression treatment zzzqx"


@pytest.fixture(scope="session")
def synergy_search(synergy_store_path: Path) -> Any:
    """The Python API's lexical search (``method="tfidf"``: the BM25 word index) for
    :data:`QUERY` (k = 5) on SYNERGY."""
    from forcemap.decide.explore import search

    with Store.open(synergy_store_path, read_only=True) as s:
        return search(s, QUERY, k=5, method="tfidf")


def test_search_form_without_parameters(client: TestClient) -> None:
    r = client.get("/search")
    assert r.status_code == 200
    assert 'id="search-form"' in r.text and 'name="q"' in r.text
    assert "lexical (BM25)" in r.text and "forcemap[ai]" in r.text
    assert "search-results" not in r.text and "error-message" not in r.text


def test_search_page_ranks_works(client: TestClient, synergy_search: Any) -> None:
    r = client.get("/search", params={"q": QUERY, "k": "5"})
    assert r.status_code == 200, r.text[-800:]
    lib = synergy_search.table.to_pylist()
    assert _table_rows(r.text, "search-results") == len(lib) == 5
    ids = re.findall(r'<span class="muted">(W\d+)</span>', r.text)
    assert ids == [h["id"] for h in lib]
    first = _text(r.text).split("<tr>")[2]  # the header row, then the first hit
    assert f"{lib[0]['score']:.4f}" in first and "<code>depress</code>" in first  # a stem
    assert "lexical (BM25)" in r.text and "zzzqx" in r.text  # the unknown term is said
    assert 'id="search-rule"' in r.text


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"q": "depression", "k": "0"}, "results=0 must be between 1 and 200"),
        ({"q": "depression", "k": "many"}, "results='many' must be a whole number"),
    ],
)
def test_search_page_bad_input(client: TestClient, params: dict[str, str], needle: str) -> None:
    assert needle in _error_on_page(client.get("/search", params=params), 422, "search-error")
    r = client.get("/search", params={"q": "depression", "entity": "films"})
    assert r.status_code == 422 and "entity" in r.text


def test_search_api_matches_the_library(client: TestClient, synergy_search: Any) -> None:
    d = client.get("/api/v1/search", params={"q": QUERY, "k": 5}).json()
    lib = synergy_search
    assert [h["id"] for h in d["rows"]] == lib.table["id"].to_pylist()
    assert [h["score"] for h in d["rows"]] == pytest.approx(lib.table["score"].to_pylist())
    assert d["method"] == "tfidf" and d["caveats"] == lib.caveats
    assert d["unknown_terms"] == ["zzzqx"]
    for h in d["rows"]:
        assert {t["term"] for t in h["terms"]} <= {"depress", "treatment", "depress treatment"}
        assert sum(t["share"] for t in h["terms"]) == pytest.approx(1.0)
    assert "k" in _error(client.get("/api/v1/search", params={"q": "x", "k": 0}), 422)
    _error(client.get("/api/v1/search"), 422)  # q is required
