"""Technology watch (C7): a hand-worked store, weights, evidence, the planted emerging topic."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest

from forcemap.decide.watch import COMPONENTS, STATUS_ORDER, WATCH_SCHEMA, technology_watch
from forcemap.errors import InputError
from forcemap.indicators.disruption import disruption
from forcemap.indicators.emergence import emergence_score
from forcemap.store import Store

# Ten works a year 2011-2020 (padding 'F<year>_<k>' without topics), so a unit's EScore share
# is its count / 10. Window 2011-2020 (end year 2020).
#   TA: A18 (2018), A19a-b (2019), A20a-d (2020); authors from the US (institution IUS)
#   TB: B08 (2008, outside the window), B14 ... B20 (one a year); CN + US authors, B20 CN only
#   TC: C15a-c (2015), C16a-b (2016), C17 (2017), C20 (2020); CN authors
# Citations: X19 (2019) → A18; B14 → R (2013); X15 (2015) → B14, R; X16 (2016) → B15;
#   C15a → R2 (2014); X16b (2016) → C15a, R2; Y19a, Y19b (2019) → B08.
_UNIT_WORKS = {
    "TA": [("A18", 2018), ("A19a", 2019), ("A19b", 2019)] + [(f"A20{c}", 2020) for c in "abcd"],
    "TB": [("B08", 2008)] + [(f"B{y - 2000}", y) for y in range(2014, 2021)],
    "TC": [
        *[("C15a", 2015), ("C15b", 2015), ("C15c", 2015)],
        *[("C16a", 2016), ("C16b", 2016), ("C17", 2017), ("C20", 2020)],
    ],
}
_OTHER_WORKS = [
    ("R", 2013),
    ("R2", 2014),
    ("X15", 2015),
    ("X16", 2016),
    ("X16b", 2016),
    ("X19", 2019),
    ("Y19a", 2019),
    ("Y19b", 2019),
]
_REFS = [
    ("X19", "A18"),
    ("B14", "R"),
    ("X15", "B14"),
    ("X15", "R"),
    ("X16", "B15"),
    ("C15a", "R2"),
    ("X16b", "C15a"),
    ("X16b", "R2"),
    ("Y19a", "B08"),
    ("Y19b", "B08"),
]


def _build(store: Store) -> None:
    works = [w for ws in _UNIT_WORKS.values() for w in ws] + _OTHER_WORKS
    per_year: dict[int, int] = {}
    for _, y in works:
        per_year[y] = per_year.get(y, 0) + 1
    for y in range(2011, 2021):
        works += [(f"F{y}_{k}", y) for k in range(10 - per_year.get(y, 0))]
    con = store.con
    con.executemany(
        "INSERT INTO works (work_id, year, title, origin, batch_id) VALUES (?, ?, ?, 't', 0)",
        [(w, y, f"title {w}") for w, y in works],
    )
    con.executemany("INSERT INTO work_references VALUES (?, ?)", _REFS)
    topics = [(w, t, f"topic {t}") for t, ws in _UNIT_WORKS.items() for w, _ in ws]
    con.executemany(
        "INSERT INTO work_topics (work_id, topic_id, name, score) VALUES (?, ?, ?, 1.0)", topics
    )
    auth: list[tuple[str, int, str, str, str]] = []
    for w, _ in _UNIT_WORKS["TA"]:
        auth.append((w, 1, f"a-{w}", "IUS", "US"))
    for w, _ in _UNIT_WORKS["TB"]:
        auth.append((w, 1, f"a-{w}", "ICN", "CN"))
        if w != "B20":
            auth.append((w, 2, f"b-{w}", "IUS", "US"))
    for w, _ in _UNIT_WORKS["TC"]:
        auth.append((w, 1, f"a-{w}", "ICN", "CN"))
    con.executemany(
        "INSERT INTO authorships (work_id, author_seq, author_id, institution_id, country_code) "
        "VALUES (?, ?, ?, ?, ?)",
        auth,
    )
    con.execute(
        "INSERT INTO organizations (org_id, name, type, country_code) VALUES "
        "('OCN', 'Beijing Lab', 'institute', 'CN'), ('OUS', 'Boston U', 'university', 'US');"
        "INSERT INTO org_aliases (source, source_id, org_id, method) VALUES "
        "('institution', 'ICN', 'OCN', 'self'), ('institution', 'IUS', 'OUS', 'self')"
    )


@pytest.fixture
def tiny(store: Store) -> Store:
    _build(store)
    return store


def _units(result: Any) -> dict[str, dict[str, Any]]:
    return {r["unit"]: r for r in result.table.to_pylist()}


def test_hand_worked_components(tiny: Store) -> None:
    """Values and percentiles by hand (n = 3 units, P = rank / 2, ties share the lower rank).

    emergence: EScore (Carley et al., shares of 10 works a year, active years 2014-2020)
      TA: A = 0,0,0,0,.1,.2,.4 → 2(√.7 − 0) + 10(√.6 − √.1) + 10·1.7/28 = 6.864152
      TB: flat .1 → 0;  TC: .3,.2,.1 (2015-17), .1 (2020) → < 0.   P = 1, .5, 0
    growth: 3-year volumes S0 = 2012-14, S1 = 2015-17, S2 = 2018-20,
      g = ((S2+1)/(S1+1))^(1/3) − ((S1+1)/(S0+1))^(1/3)
      TA: (0, 0, 7) → 2 − 1 = 1;  TB: (1, 3, 3) → 1 − 2^(1/3) = −0.259921;
      TC: (0, 6, 1) → (2/7)^(1/3) − 7^(1/3) = −1.254297.   P = 1, .5, 0
    disruption (CD_5 > 0 among defined, window works): TA: A18 CD = 1 → 1/1;
      TB: B14 CD = −1, B15 CD = 1 → 1/2;  TC: C15a CD = −1 → 0/1.   P = 1, .5, 0
    novelty (first year): TA 2018, TB 2008, TC 2015.   P = 1, 0, .5
    home share (CN, fractional): TA 0; TB (6 × 1/2 + 1)/7 = 4/7; TC 1.   P = 0, .5, 1
    coherence: of the window records with an in-store citation link (TA: A18; TB: B14, B15;
      TC: C15a) none cites or is cited by a record of its own unit → 0, 0, 0.  P = 0, 0, 0
    impact: the works have no level-0 concept, so no field-normalised score → null.  P = 0
    score (equal weights): TA 4/7, TB 2/7, TC 1.5/7 → TA, TB, TC.
    status: 7 records < thin_records 20 → insufficient evidence for all three.
    """
    r = technology_watch(tiny, country="CN", unit="topic", min_records=5)
    assert r.table.schema == WATCH_SCHEMA
    assert r.table["unit"].to_pylist() == ["TA", "TB", "TC"]
    assert r.table["rank"].to_pylist() == [1, 2, 3]
    u = _units(r)
    a, b, c = u["TA"], u["TB"], u["TC"]
    at = 2 * math.sqrt(0.7) + 10 * (math.sqrt(0.6) - math.sqrt(0.1)) + 10 * 1.7 / 28
    assert a["escore"] == pytest.approx(at) and a["escore"] == pytest.approx(6.864152, abs=1e-6)
    assert b["escore"] == pytest.approx(0.0, abs=1e-12) and c["escore"] < 0
    assert (a["volumes"], b["volumes"], c["volumes"]) == ([0, 0, 7], [1, 3, 3], [0, 6, 1])
    assert a["acceleration"] == pytest.approx(1.0)
    assert b["acceleration"] == pytest.approx(1 - 2 ** (1 / 3))
    assert c["acceleration"] == pytest.approx((2 / 7) ** (1 / 3) - 7 ** (1 / 3))
    assert (a["disruptive_share"], b["disruptive_share"], c["disruptive_share"]) == (1, 0.5, 0)
    assert (a["with_cd"], b["with_cd"], c["with_cd"]) == (1, 2, 1)
    assert (a["first_year"], b["first_year"], c["first_year"]) == (2018, 2008, 2015)
    assert a["home_share"] == 0.0 and c["home_share"] == pytest.approx(1.0)
    assert b["home_share"] == pytest.approx(4 / 7)
    expected_p = {
        "TA": [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
        "TB": [0.5, 0.5, 0.5, 0.0, 0.5, 0.0, 0.0],
        "TC": [0.0, 0.0, 0.0, 0.5, 1.0, 0.0, 0.0],
    }
    for k, ps in expected_p.items():
        assert [u[k][f"p_{c}"] for c in COMPONENTS] == ps
    assert [u[k]["score"] for k in ("TA", "TB", "TC")] == pytest.approx([4 / 7, 2 / 7, 1.5 / 7])
    assert [(u[k]["with_links"], u[k]["linked"], u[k]["coherence"]) for k in u] == [
        (1, 0, 0.0),
        (2, 0, 0.0),
        (1, 0, 0.0),
    ]
    assert all(x["impact"] is None and x["with_impact"] == 0 for x in u.values())
    assert all(
        x["status"] == "insufficient evidence (documents 7 < 20; documents with citation "
        f"links {x['with_links']} < 5)"
        for x in u.values()
    )
    assert all(x["qualified"] for x in u.values())
    assert all(x["records"] == 7 and x["thin_evidence"] for x in u.values())
    assert r.synthetic is False
    assert r.rule.parameters["window"] == "2011–2020"
    assert any("Insufficient evidence" in c for c in r.caveats)
    assert any("Only 3 unit(s) ranked" in c for c in r.caveats)


def test_weights_change_the_order(tiny: Store) -> None:
    """home_share weight 4 (coherence and impact 0 for all): TA (1+1+1+1+0)/10 = .4,
    TB (.5+.5+.5+0+2)/10 = .35, TC (0+0+0+.5+4)/10 = .45 → TC, TA, TB."""
    r = technology_watch(tiny, min_records=5, weights={"home_share": 4})
    assert r.table["unit"].to_pylist() == ["TC", "TA", "TB"]
    assert r.table["score"].to_pylist() == pytest.approx([0.45, 0.4, 0.35])
    assert r.rule.parameters["weights"]["home_share"] == 4.0
    # the home country matters: for the US, TA has the largest home share
    us = _units(technology_watch(tiny, country="US", min_records=5))
    assert us["TA"]["home_share"] == 1.0 and us["TA"]["p_home_share"] == 1.0
    # a lower disruption threshold makes every defined CD_5 count
    low = _units(technology_watch(tiny, min_records=5, cd_threshold=-2))
    assert [low[k]["disruptive_share"] for k in ("TA", "TB", "TC")] == [1.0, 1.0, 1.0]


def test_evidence(tiny: Store) -> None:
    """Works by mCD_5 then citations; organisations by fractional works; sleeping beauties.

    B08 (2008) is cited twice in 2019 (age 11) and the data end in 2020: series
    0 × 11, 2, 0; l_t = 2t/11, B = Σ_{t<11} 2t/11 = 10; |2t − 11 c_t| peaks at t = 10.
    """
    r = technology_watch(tiny, min_records=5, top=2, beauty_min_citations=2)
    assert r.table["unit"].to_pylist() == ["TA", "TB"]
    w = r.evidence["works"]
    assert set(w["unit"].to_pylist()) == {"TA", "TB"}
    tb = w.filter(pc.equal(w["unit"], "TB")).to_pylist()
    assert [x["id"] for x in tb] == ["B15", "B14", "B16", "B17", "B18"]
    assert (tb[0]["cd"], tb[0]["mcd"], tb[0]["citations"], tb[0]["title"]) == (
        1.0,
        1.0,
        1,
        "title B15",
    )
    assert (tb[1]["cd"], tb[1]["citations"]) == (-1.0, 1)
    ta = w.filter(pc.equal(w["unit"], "TA")).to_pylist()
    assert ta[0]["id"] == "A18" and w["unit"][0].as_py() == "TA"  # main-table order
    o = r.evidence["organizations"].to_pylist()
    assert [(x["unit"], x["org_id"]) for x in o] == [("TA", "OUS"), ("TB", "OCN"), ("TB", "OUS")]
    assert o[0]["records"] == pytest.approx(7.0) and o[0]["share"] == pytest.approx(1.0)
    assert o[1]["records"] == pytest.approx(4.0) and o[1]["share"] == pytest.approx(4 / 7)
    assert (o[1]["is_home"], o[2]["is_home"], o[1]["name"]) == (True, False, "Beijing Lab")
    # seeds: every topic record with CD_5 > 0 and mCD_5 ≥ 1, by mCD_5, CD_5, id
    assert r.evidence["disruptive_works"].num_rows == 0  # default mCD_5 ≥ 10: none here
    seeds = technology_watch(tiny, min_records=5, top=50, seed_min_mcd=1.0).evidence[
        "disruptive_works"
    ]
    cd = {x["id"]: x for x in disruption(tiny).to_pylist()}
    topical = {w for ws in _UNIT_WORKS.values() for w, _ in ws}
    expected = sorted(
        (i for i in topical if (cd[i]["cd"] or 0) > 0 and cd[i]["mcd"] >= 1),
        key=lambda i: (-cd[i]["mcd"], -cd[i]["cd"], i),
    )
    assert "B15" in expected and seeds["id"].to_pylist() == expected
    assert seeds["rank"].to_pylist() == list(range(1, len(expected) + 1))
    sb = r.evidence["sleeping_beauties"].to_pylist()
    assert [(x["unit"], x["id"]) for x in sb] == [("TB", "B08")]
    assert (sb[0]["b"], sb[0]["t_a"], sb[0]["awakening_year"]) == (
        pytest.approx(10.0),
        10,
        2018,
    )


def test_scope_and_edge_cases(tiny: Store) -> None:
    """An industry restricts the records; too few records leave an empty list."""
    # Robot (C90509273) is a concept of the catalog's robotics: only TA's works.
    tiny.con.execute(
        "INSERT INTO work_concepts (work_id, concept_id, name, level, score) "
        "SELECT work_id, 'C90509273', 'Robot', 2, 0.9 FROM work_topics WHERE topic_id = 'TA'"
    )
    r = technology_watch(tiny, industry="robotics", min_records=5)
    assert r.table["unit"].to_pylist() == ["TA"]
    assert r.table["p_emergence"].to_pylist() == [1.0] and r.table["p_home_share"][0].as_py() == 1
    assert any("store-wide" in c for c in r.caveats)
    empty = technology_watch(tiny, min_records=8)
    assert empty.table.num_rows == 0 and empty.table.schema == WATCH_SCHEMA
    assert any("nothing to watch" in c for c in empty.caveats)
    # the EScore of the list is emergence_score's, window ending in end_year
    es = {x["unit_id"]: x["escore"] for x in emergence_score(tiny, unit="topic").to_pylist()}
    assert _units(technology_watch(tiny, min_records=5))["TC"]["escore"] == es["TC"]


def test_concept_specificity(tiny: Store) -> None:
    """Generic concepts are not ranked; a specific one is (max_doc_share 0.1 on this tiny store).

    GEN (level 1) on TA's 7 works: level 1 < 2. SPEC (level 3) on TA's 7 works: 7/101 = 6.9 %
    of the works, main level-0 field F1 holds 5 of 7 (71 % ≥ 50 %): ranked. SPREAD (level 3)
    on TB's 7 window works, fields F1 3, F2 2, F3 2: 3/7 = 43 % < 50 %. LOW (score 0.1 < 0.3)
    on TC's works is not carried at all. F1 (level 0) is on 8 works: level 0 < 2.
    """
    con = tiny.con
    ta = [w for w, _ in _UNIT_WORKS["TA"]]
    tb = [w for w, y in _UNIT_WORKS["TB"] if y >= 2011]
    tc = [w for w, _ in _UNIT_WORKS["TC"]]
    rows = [(w, "GEN", "generic", 1, 0.9) for w in ta]
    rows += [(w, "SPEC", "specific", 3, 0.9) for w in ta]
    rows += [(w, "SPREAD", "spread", 3, 0.9) for w in tb]
    rows += [(w, "LOW", "low", 3, 0.1) for w in tc]
    fields = dict.fromkeys(ta[:5] + tb[:3], "F1") | dict.fromkeys(ta[5:] + tb[3:5], "F2")
    fields |= dict.fromkeys(tb[5:], "F3")
    rows += [(w, f, f"field {f}", 0, 0.8) for w, f in fields.items()]
    con.executemany("INSERT INTO work_concepts VALUES (?, ?, ?, ?, ?)", rows)
    r = technology_watch(tiny, unit="concept", min_records=5, max_doc_share=0.1)
    assert r.table["unit"].to_pylist() == ["SPEC"]
    spec = r.table.to_pylist()[0]
    assert (spec["level"], spec["field_share"]) == (3, pytest.approx(5 / 7))
    assert spec["doc_share"] == pytest.approx(7 / 101)
    gen = {g["unit"]: g for g in r.evidence["generic"].to_pylist()}
    assert list(gen) == ["F1", "GEN", "SPREAD"]
    assert gen["GEN"]["reason"] == "concept level 1 < 2"
    assert gen["F1"]["reason"] == "concept level 0 < 2"
    assert gen["SPREAD"]["reason"].startswith("spread across fields: 43")
    assert gen["SPREAD"]["field_share"] == pytest.approx(3 / 7)
    assert any("generic concept(s)" in c for c in r.caveats)
    # at the default 1 % every concept of a 101-work store is too frequent
    assert technology_watch(tiny, unit="concept", min_records=5).table.num_rows == 0


def test_status_and_growth_interval(tiny: Store) -> None:
    """With the minimums lowered, the status follows the attributes: TA is qualified and
    growing (share growth from 2015-17 to 2018-20: ((7+1)/30 ÷ (0+1)/30)^(1/3) − 1 = 1) but
    not coherent (0 < 0.2) → not emerging; min_coherence 0 makes it emerging, and its
    bootstrap interval holds the point."""
    r = technology_watch(tiny, min_records=5, thin_records=5, min_linked_documents=1)
    ta = _units(r)["TA"]
    assert ta["growth_volumes"] == [0, 7]
    assert ta["growth"] == pytest.approx(1.0)
    assert ta["growth_low"] <= ta["growth"] <= ta["growth_high"]
    assert ta["status"] == "not emerging (coherence 0.00 < 0.2)"
    r = technology_watch(
        tiny, min_records=5, thin_records=5, min_linked_documents=1, min_coherence=0.0
    )
    u = _units(r)
    assert u["TA"]["status"] == "emerging" and r.table["unit"][0].as_py() == "TA"
    # TB: (3+1)/30 over (3+1)/30 → growth 0, its interval straddles 0 → borderline
    assert u["TB"]["growth"] == pytest.approx(0.0)
    assert u["TB"]["status"].startswith("borderline (") or u["TB"]["status"].startswith(
        "not emerging (growth"
    )


def test_empty_store(store: Store) -> None:
    r = technology_watch(store)
    assert r.table.num_rows == 0
    assert any("nothing to watch" in c for c in r.caveats)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"unit": "keyword"},
        {"country": "China"},
        {"weights": {"citations": 1.0}},
        {"weights": {"growth": -1.0}},
        {"weights": dict.fromkeys(COMPONENTS, 0.0)},
        {"top": 0},
        {"industry": "no_such_industry"},
        {"max_doc_share": 1.5},
        {"min_coherence": -0.1},
        {"min_field_share": 2.0},
        {"concept_min_score": 1.2},
        {"min_growth": -1.0},
        {"citations": "web"},
        {"thin_records": 0},
    ],
)
def test_bad_input(tiny: Store, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        technology_watch(tiny, **kwargs)


# -- the synthetic world and the real SYNERGY sample -------------------------------------------


@pytest.fixture(scope="module")
def synthetic(synthetic_world: tuple[Path, dict]) -> Iterator[tuple[Store, dict]]:
    path, planted = synthetic_world
    s = Store.open(path, read_only=True)
    yield s, planted
    s.close()


@pytest.mark.slow
def test_planted_emerging_topic(synthetic: tuple[Store, dict]) -> None:
    """The planted topic leads on emergence and growth and is in the top 3 (2nd overall with
    equal weights: its works are neither unusually disruptive nor unusually Chinese)."""
    store, planted = synthetic
    fact = planted["emerging_topic"]
    r = technology_watch(store, unit="topic")
    assert r.synthetic is True
    assert any("SYNTHETIC" in c for c in r.caveats)
    units = r.table["unit"].to_pylist()
    assert fact["topic_id"] in units[:3], units[:5]
    row = _units(r)[fact["topic_id"]]
    assert row["p_emergence"] == 1.0 and row["p_growth"] == 1.0
    assert row["qualified"] is True
    for key in ("works", "organizations", "sleeping_beauties"):
        ev = r.evidence[key]
        assert pc.any(pc.equal(ev["unit"], fact["topic_id"])).as_py(), key
    # weighted towards emergence and growth it is first
    r = technology_watch(store, unit="topic", weights={"emergence": 3, "growth": 3})
    assert r.table["unit"][0].as_py() == fact["topic_id"]


@pytest.mark.slow
def test_planted_disruptive_work_is_the_first_seed(synthetic: tuple[Store, dict]) -> None:
    """The planted CD_5 = +1 work (hundreds of citers) heads the disruptive-works evidence,
    store-wide and in its industry."""
    store, planted = synthetic
    fact = planted["disruptive_work"]
    for industry in (None, "ai"):
        seeds = technology_watch(store, unit="topic", industry=industry).evidence[
            "disruptive_works"
        ]
        first = seeds.to_pylist()[0]
        assert first["id"] == fact["work_id"] and first["rank"] == 1
        assert first["cd"] == 1.0 and first["mcd"] >= fact["citers_in_5_years"]
        assert all(r["cd"] > 0 and r["mcd"] >= 10 for r in seeds.to_pylist())
    # the threshold on mCD removes the seeds that draw few citers
    everywhere = technology_watch(store, unit="topic").evidence["disruptive_works"].to_pylist()
    strict = technology_watch(store, unit="topic", seed_min_mcd=100.0)
    assert strict.evidence["disruptive_works"]["id"].to_pylist() == [
        r["id"] for r in everywhere if r["mcd"] >= 100
    ]


@pytest.mark.slow
def test_synergy_concepts(synergy_store: Store) -> None:
    """The real SYNERGY sample (publications only, no organisations resolved)."""
    t0 = time.perf_counter()
    r = technology_watch(synergy_store, unit="concept")
    assert time.perf_counter() - t0 < 120
    assert r.synthetic is False
    assert 0 < r.table.num_rows <= 20
    assert r.table["rank"].to_pylist() == list(range(1, r.table.num_rows + 1))
    # emerging first, then borderline, not emerging, insufficient evidence; by score in each
    rows = r.table.to_pylist()
    groups = [
        next(i for i, g in enumerate(STATUS_ORDER) if x["status"].startswith(g)) for x in rows
    ]
    assert groups == sorted(groups)
    for g in set(groups):
        scores = [x["score"] for x, k in zip(rows, groups, strict=True) if k == g]
        assert scores == sorted(scores, reverse=True)
    assert all(0 <= x["score"] <= 1 for x in rows)
    assert r.evidence["works"].num_rows > 0
    assert r.evidence["organizations"].num_rows == 0
    assert any("Organisations are not resolved" in c for c in r.caveats)


@pytest.mark.slow
def test_real_store_emerging_list_is_topics_not_words(real_store: Store) -> None:
    """Issue 18, observation 8: on the real store the concept watch listed generic words
    ("Subgroup analysis" 2nd, "Cell" 3rd, "Polymer" 8th, all "qualified"). Now generic
    concepts are not ranked (level 0–1, document frequency, spread across fields), every
    emerging entry carries the evidence of the four attributes of Rotolo et al. (2015), and
    the incomplete last year (2022: 56 works) is left out of growth."""
    r = technology_watch(real_store, unit="concept")
    comp = r.evidence["components"].to_pylist()
    names = {x["name"] for x in comp}
    assert not names & {"Cell", "Polymer", "Nanotechnology", "Medicine", "Engineering"}
    assert all(x["level"] >= 2 for x in comp)  # level 0-1 concepts never ranked
    generic = {g["name"]: g for g in r.evidence["generic"].to_pylist()}
    assert "Cell" in generic and generic["Cell"]["reason"].startswith("spread across fields")
    assert generic["Medicine"]["reason"].startswith("concept level 0 < 2")
    emerging = [x for x in comp if x["status"] == "emerging"]
    assert emerging, "no emerging entry"
    assert "Subgroup analysis" not in {x["name"] for x in emerging}
    for x in emerging:
        assert x["qualified"] and x["first_year"] is not None  # novelty
        assert x["base_share"] is not None and x["active_share"] is not None
        assert x["growth"] is not None and x["growth"] > 0  # growth with its interval
        assert x["growth_low"] is not None and x["growth_low"] > 0
        assert x["growth_high"] >= x["growth"] >= x["growth_low"]
        assert x["coherence"] is not None and x["coherence"] >= 0.2  # coherence
        assert x["with_links"] >= 5 and x["linked"] >= 1
        assert x["impact"] is not None and x["with_impact"] > 0  # impact
        assert x["impact_low"] <= x["impact"] <= x["impact_high"]
        assert x["records"] >= 20
    # emerging entries head the list; below the minimums the status says why
    statuses = r.table["status"].to_pylist()
    assert statuses[: len(emerging)] == ["emerging"] * len(emerging)
    thin = [x for x in comp if x["records"] < 20]
    assert thin and all(x["status"].startswith("insufficient evidence (documents") for x in thin)
    assert r.rule.parameters["partial_years"] == [2021, 2022]  # a two-year indexing lag
    assert r.rule.parameters["growth_end_year"] == 2020
    assert any("2021, 2022 are incomplete" in c for c in r.caveats)
    assert r.rule.parameters["citation_basis"] == "source"


def test_org_level_rolls_the_organisation_evidence_up(tiny: Store) -> None:
    """Beijing Lab (CN) and Boston U (US) are both members of Global Alliance. TB's seven
    window works give the lab 4 fractional records (B14–B19 ½ each, B20 whole) and Boston U
    3: at parent/top the alliance holds all 7 (4 + 3; a work of both counts once, whole)."""
    tiny.con.execute(
        """INSERT INTO organizations (org_id, name, type, country_code)
           VALUES ('OG', 'Global Alliance', 'other', NULL);
           INSERT INTO org_hierarchy VALUES ('OCN', 'OG', 'OG', 1, 'ror', 1),
             ('OUS', 'OG', 'OG', 1, 'ror', 1), ('OG', 'OG', 'OG', 0, 'self', 0)"""
    )
    own = technology_watch(tiny, min_records=5, top=2)
    assert own.rule.parameters["org_level"] == "self"
    for level in ("parent", "top"):
        r = technology_watch(tiny, min_records=5, top=2, org_level=level)
        o = r.evidence["organizations"].to_pylist()
        assert [(x["unit"], x["org_id"], x["name"]) for x in o] == [
            ("TA", "OG", "Global Alliance"),
            ("TB", "OG", "Global Alliance"),
        ]
        assert o[1]["records"] == pytest.approx(7.0) and o[1]["share"] == pytest.approx(1.0)
        assert r.rule.parameters["org_level"] == level
        assert f"(org level {level})" in r.rule.statement
        # the ranking itself does not read organisations
        assert r.table["unit"].to_pylist() == own.table["unit"].to_pylist()
    with pytest.raises(InputError, match="org_level"):
        technology_watch(tiny, org_level="group")


_PATENTS = """
INSERT INTO patents (patent_id, year, grant_date, family_id, title, origin, batch_id) VALUES
 ('P1', 2018, '2018-06-01', 'F1', 'cell one', 't', 0),
 ('P2', 2019, '2019-06-01', 'F1', 'cell one again', 't', 0),
 ('P3', 2019, '2019-06-01', NULL, 'cell three', 't', 0),
 ('P4', 2020, '2020-06-01', NULL, 'cell four', 't', 0),
 ('P5', 2020, '2020-06-01', NULL, 'cell five', 't', 0);
INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_group, cpc_subclass, is_first)
SELECT patent_id, 0, 'H01M10/052', 'H01M10/00', 'H01M', true FROM patents;
INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code) VALUES
 ('P1', 0, 'A1', 'KR Corp', 'company', 'KR'), ('P2', 0, 'A1', 'KR Corp', 'company', 'KR'),
 ('P3', 0, 'A2', 'US Inc', 'company', 'US'), ('P4', 0, 'A1', 'KR Corp', 'company', 'KR'),
 ('P5', 0, 'A2', 'US Inc', 'company', 'US');
INSERT INTO patent_citations VALUES ('P4', 'P1'), ('P4', 'P2');
INSERT INTO organizations (org_id, name, type, country_code) VALUES
 ('OK', 'KR Corp', 'enterprise', 'KR'), ('OU', 'US Inc', 'enterprise', 'US');
INSERT INTO org_aliases (source, source_id, org_id, method) VALUES
 ('assignee', 'A1', 'OK', 'name'), ('assignee', 'A2', 'OU', 'name');
"""


def test_cpc_groups_count_patent_families(store: Store) -> None:
    """P1 (2018) and P2 (2019) are one family F1 (the source's id), dated 2018. By family:
    4 records (F1, P3, P4, P5), KR's share 2/4 (F1, P4), KR Corp 2 records; P4 cites both
    members of F1, one link between families, so 2 records have a link and both are linked
    to another record of the group (coherence 1). By patent: 5 records, KR 3/5, KR Corp 3,
    3 records with a link."""
    store.con.execute(_PATENTS)
    kw: dict[str, Any] = {"country": "KR", "unit": "cpc_group", "min_records": 1}
    fam = technology_watch(store, **kw)
    (row,) = fam.table.to_pylist()
    assert row["unit"] == "H01M10/00" and row["records"] == 4
    assert row["home_share"] == pytest.approx(0.5)
    assert (row["with_links"], row["linked"], row["coherence"]) == (2, 2, 1.0)
    o = {x["org_id"]: x["records"] for x in fam.evidence["organizations"].to_pylist()}
    assert o == {"OK": pytest.approx(2.0), "OU": pytest.approx(2.0)}
    assert fam.rule.parameters["patent_unit"] == "family"
    assert "Patents are counted as families" in fam.rule.statement
    assert any("5 patents in 4 families (2 grouped by the source" in c for c in fam.caveats)
    ids = {x["id"] for x in fam.evidence["works"].to_pylist()}
    assert "F1" in ids and not {"P1", "P2"} & ids
    pat = technology_watch(store, **kw, patent_unit="patent")
    (row,) = pat.table.to_pylist()
    assert row["records"] == 5 and row["home_share"] == pytest.approx(0.6)
    assert (row["with_links"], row["linked"]) == (3, 3)
    o = {x["org_id"]: x["records"] for x in pat.evidence["organizations"].to_pylist()}
    assert o == {"OK": pytest.approx(3.0), "OU": pytest.approx(2.0)}
    assert "counted one by one" in pat.rule.statement
    with pytest.raises(InputError, match="patent_unit"):
        technology_watch(store, patent_unit="invention")
    # works are not patents: no patent unit is stated for a topic list
    assert technology_watch(store).rule.parameters["patent_unit"] is None
