"""Strategic actors: a hand-worked store, weights, anchor candidates and the planted enterprise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.compute as pc
import pytest

from forcemap.decide.actors import ACTOR_SCHEMA, COMPONENT_SCHEMA, COMPONENTS, strategic_actors
from forcemap.errors import InputError
from forcemap.store import Store

# Robotics (shipped catalog: concept C90509273 and CPC B25J → industrial_robots, B33Y →
# additive_manufacturing; 6 sub-technologies). Organisations I1 RoboCo (DE enterprise),
# I2 TU (DE university), I3 Lab (DE institute), I4 FrenchCo (FR enterprise).
#   W1 2019 I1+I2; W2 2020 I1 (cites W1); W3 2020 I2+I3 (cites W1); W4 2021 I4 (cites W2)
#   P1 2020 I1; P2 2021 I1 (B25J + B33Y, cites P1); P3 2021 I4+I2 (cites P1);
#   P4 2022 I1 (cites P2); P5 2022 I3 (cites P3)
# The network (co-authorship + co-patenting) is a star around I2: I1–I2, I2–I3, I2–I4.
_SQL = """
INSERT INTO works (work_id, year, type, origin, batch_id) VALUES
 ('W1', 2019, 'article', 't', 0), ('W2', 2020, 'article', 't', 0),
 ('W3', 2020, 'article', 't', 0), ('W4', 2021, 'article', 't', 0);
INSERT INTO authorships (work_id, author_seq, author_id, institution_id, country_code) VALUES
 ('W1', 1, 'a1', 'I1', 'DE'), ('W1', 2, 'a2', 'I2', 'DE'), ('W2', 1, 'a1', 'I1', 'DE'),
 ('W3', 1, 'a3', 'I2', 'DE'), ('W3', 2, 'a4', 'I3', 'DE'), ('W4', 1, 'a5', 'I4', 'FR');
INSERT INTO work_concepts (work_id, concept_id, name, level, score) VALUES
 ('W1', 'C1000001', 'Field', 0, 0.5), ('W2', 'C1000001', 'Field', 0, 0.5),
 ('W3', 'C1000001', 'Field', 0, 0.5), ('W4', 'C1000001', 'Field', 0, 0.5),
 ('W1', 'C90509273', 'Robot', 2, 0.9), ('W2', 'C90509273', 'Robot', 2, 0.9),
 ('W3', 'C90509273', 'Robot', 2, 0.9), ('W4', 'C90509273', 'Robot', 2, 0.9);
INSERT INTO work_references VALUES ('W2', 'W1'), ('W3', 'W1'), ('W4', 'W2');
INSERT INTO patents (patent_id, year, grant_date, origin, batch_id) VALUES
 ('P1', 2020, '2020-01-01', 't', 0), ('P2', 2021, '2021-01-01', 't', 0),
 ('P3', 2021, '2021-01-01', 't', 0), ('P4', 2022, '2022-01-01', 't', 0),
 ('P5', 2022, '2022-01-01', 't', 0);
INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_group, cpc_subclass, is_first) VALUES
 ('P1', 0, 'B25J9/16', 'B25J9/00', 'B25J', true), ('P2', 0, 'B25J9/16', 'B25J9/00', 'B25J', true),
 ('P2', 1, 'B33Y10/00', 'B33Y10/00', 'B33Y', false),
 ('P3', 0, 'B25J9/16', 'B25J9/00', 'B25J', true),
 ('P4', 0, 'B25J11/00', 'B25J11/00', 'B25J', true),
 ('P5', 0, 'B25J9/16', 'B25J9/00', 'B25J', true);
INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code) VALUES
 ('P1', 0, 'A1', 'RoboCo', 'company', 'DE'), ('P2', 0, 'A1', 'RoboCo', 'company', 'DE'),
 ('P3', 0, 'A4', 'FrenchCo', 'company', 'FR'), ('P3', 1, 'A2', 'TU', 'university', 'DE'),
 ('P4', 0, 'A1', 'RoboCo', 'company', 'DE'), ('P5', 0, 'A3', 'Lab', 'government', 'DE');
INSERT INTO patent_citations VALUES ('P2', 'P1'), ('P3', 'P1'), ('P4', 'P2'), ('P5', 'P3');
INSERT INTO organizations (org_id, name, type, country_code) VALUES
 ('I1', 'RoboCo', 'enterprise', 'DE'), ('I2', 'TU', 'university', 'DE'),
 ('I3', 'Lab', 'institute', 'DE'), ('I4', 'FrenchCo', 'enterprise', 'FR');
INSERT INTO org_aliases (source, source_id, org_id, method) VALUES
 ('institution', 'I1', 'I1', 'self'), ('institution', 'I2', 'I2', 'self'),
 ('institution', 'I3', 'I3', 'self'), ('institution', 'I4', 'I4', 'self'),
 ('assignee', 'A1', 'I1', 'name'), ('assignee', 'A2', 'I2', 'name'),
 ('assignee', 'A3', 'I3', 'name'), ('assignee', 'A4', 'I4', 'name');
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Store]:
    """The hand-built store above."""
    s = Store.open(tmp_path / "s.duckdb")
    s.con.execute(_SQL)
    yield s
    s.close()


def _rows(result: object) -> dict[str, dict[str, object]]:
    c = result.evidence["components"]  # type: ignore[attr-defined]
    return {r["org_id"]: r for r in c.to_pylist()}


def test_hand_worked_components(tiny: Store) -> None:
    """Component values, percentiles and scores of the three German organisations.

    Works (author-level fractional): I1 .5 + 1 = 1.5, I2 .5 + .5 = 1, I3 .5. Patents: I1 3,
    I2 .5 (P3 shared), I3 1. NCS (concept0 C1000001, by year): W1 2/2 = 1; 2020: W2 1/0.5 =
    2, W3 0 → MNCS I1 (.5·1 + 1·2)/1.5 = 5/3, I2 (.5·1 + .5·0)/1 = .5, I3 0. CD_5: W1 = 1
    (cited, no references), W2 = 1 (W4 cites only W2), W3 undefined → disruptive share I1 1,
    I2 1, I3 undefined. 5-year forward citations: P1 2, P2 1, P3 1, P4 0, P5 0 → mean I1 1,
    I2 1, I3 0. Star network: I2 has PageRank above the leaves and constraint 3·(1/3)² = 1/3
    (brokerage 2/3); a leaf has constraint 1 (brokerage 0). Breadth: I1 2/6 (industrial
    robots, additive), I2 and I3 1/6.
    Percentiles among 3 (n − 1 = 2; ties share the lower rank, undefined lowest), weights 1:
    I1 (1 + 1 + 1 + .5 + .5 + 0 + 0 + 1)/8 = 0.625; I2 (.5 + 0 + .5 + .5 + .5 + 1 + 1 + 0)/8
    = 0.5; I3 (0 + .5 + 0 + 0 + 0 + 0 + 0 + 0)/8 = 0.0625.
    """
    # min_impact_works=0: the MNCS and disruptive share of one or two works are shown here to
    # check their arithmetic (the default 5 fractional works would leave them null)
    r = strategic_actors(tiny, country="DE", industry="robotics", min_impact_works=0)
    assert r.table.schema == ACTOR_SCHEMA
    assert r.evidence["components"].schema == COMPONENT_SCHEMA
    rows = _rows(r)
    assert set(rows) == {"I1", "I2", "I3"}
    i1, i2, i3 = rows["I1"], rows["I2"], rows["I3"]
    assert (i1["works"], i2["works"], i3["works"]) == pytest.approx((1.5, 1.0, 0.5))
    assert (i1["patents"], i2["patents"], i3["patents"]) == pytest.approx((3.0, 0.5, 1.0))
    assert (i1["mncs"], i2["mncs"], i3["mncs"]) == pytest.approx((5 / 3, 0.5, 0.0))
    assert (i1["disruptive_share"], i2["disruptive_share"]) == (1.0, 1.0)
    assert i3["disruptive_share"] is None
    assert (i1["forward_citations"], i2["forward_citations"], i3["forward_citations"]) == (
        1.0,
        1.0,
        0.0,
    )
    assert i2["pagerank"] > i1["pagerank"] == pytest.approx(i3["pagerank"])
    assert i2["brokerage"] == pytest.approx(2 / 3)
    assert i1["brokerage"] == pytest.approx(0.0) and i3["brokerage"] == pytest.approx(0.0)
    assert (i1["breadth"], i2["breadth"], i3["breadth"]) == pytest.approx((2 / 6, 1 / 6, 1 / 6))
    assert [i1[f"p_{k}"] for k in COMPONENTS] == [1, 1, 1, 0.5, 0.5, 0, 0, 1]
    assert [i2[f"p_{k}"] for k in COMPONENTS] == [0.5, 0, 0.5, 0.5, 0.5, 1, 1, 0]
    assert [i3[f"p_{k}"] for k in COMPONENTS] == [0, 0.5, 0, 0, 0, 0, 0, 0]
    assert (i1["score"], i2["score"], i3["score"]) == pytest.approx((0.625, 0.5, 0.0625))
    t = r.table.to_pylist()
    assert [(x["rank"], x["org_id"]) for x in t] == [(1, "I1"), (2, "I2"), (3, "I3")]
    assert [x["anchor_candidate"] for x in t] == [True, False, False]
    assert [x["type"] for x in t] == ["enterprise", "university", "institute"]
    assert r.rule.parameters["impact_field"] == "concept0"
    assert r.synthetic is False


def test_all_countries(tiny: Store) -> None:
    """country=None ranks the four organisations together (n − 1 = 3).

    I1 (1 + 1 + 1 + 2/3 + 1/3 + 0 + 0 + 1)/8 = 0.625; I2 (1/3 + 0 + 2/3 + 2/3 + 1/3 + 1 + 1
    + 0)/8 = 0.5; I3 (0 + 2/3 + 1/3 + 0 + 0 + 0 + 0 + 0)/8 = 0.125; I4 (1/3 + 0 + 0 + 0 + 1/3
    + 0 + 0 + 0)/8 = 1/12 (no NCS and no CD_5: lowest on impact and disruption).
    """
    r = strategic_actors(tiny, country=None, industry="robotics", min_impact_works=0)
    got = {x["org_id"]: x["score"] for x in r.table.to_pylist()}
    assert got == pytest.approx({"I1": 0.625, "I2": 0.5, "I3": 0.125, "I4": 1 / 12})
    assert r.table["org_id"].to_pylist() == ["I1", "I2", "I3", "I4"]
    assert r.table["country_code"].to_pylist() == ["DE", "DE", "DE", "FR"]


def test_weights_change_the_ranking(tiny: Store) -> None:
    """Dropping volume, impact and breadth leaves disruption, value, centrality, brokerage:
    I1 (.5 + .5 + 0 + 0)/4 = .25, I2 (.5 + .5 + 1 + 1)/4 = .75 → the broker comes first."""
    r = strategic_actors(
        tiny,
        country="DE",
        industry="robotics",
        weights={"works": 0, "patents": 0, "impact": 0, "breadth": 0},
        min_impact_works=0,
    )
    assert r.table["org_id"].to_pylist() == ["I2", "I1", "I3"]
    assert r.table["score"].to_pylist() == pytest.approx([0.75, 0.25, 0.0])
    # the anchor test does not depend on the weights, but on its own quantile
    assert r.table["anchor_candidate"].to_pylist() == [False, True, False]
    r = strategic_actors(
        tiny, country="DE", industry="robotics", anchor_quantile=1.0, min_impact_works=0
    )
    assert r.table["anchor_candidate"].to_pylist() == [True, False, False]
    r = strategic_actors(tiny, country=None, industry="robotics", anchor_quantile=0.5)
    # I4 (FR enterprise): works percentile 1/3 < 0.5
    assert _rows(r)["I4"]["anchor_candidate"] is False


def test_top_and_years(tiny: Store) -> None:
    r = strategic_actors(tiny, country="DE", industry="robotics", top=1)
    assert r.table["org_id"].to_pylist() == ["I1"]
    assert r.evidence["components"].num_rows == 3
    # 2021–2022: W4 (FR) and P2–P5 only; I2 keeps a patent (P3), W1–W3 drop out
    r = strategic_actors(tiny, country="DE", industry="robotics", years=(2021, 2022))
    rows = _rows(r)
    assert rows["I1"]["works"] == 0.0 and rows["I1"]["patents"] == pytest.approx(2.0)
    assert rows["I2"]["patents"] == pytest.approx(0.5)


def test_all_industries_and_caveats(tiny: Store) -> None:
    r = strategic_actors(tiny, country="DE")
    assert set(r.table["industry"].to_pylist()) == {"robotics"}
    assert any("No DE's organisations" in c and "semiconductors" in c for c in r.caveats)
    assert any("coarse" in c for c in r.caveats)


def test_unresolved_store(tiny: Store) -> None:
    tiny.con.execute("DELETE FROM org_aliases")
    with pytest.raises(InputError, match="resolve_organizations"):
        strategic_actors(tiny, country="DE")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"country": "DEU"},
        {"industry": "nope"},
        {"top": 0},
        {"weights": {"volume": 1}},
        {"weights": {"works": -1}},
        {"weights": dict.fromkeys(COMPONENTS, 0)},
        {"anchor_quantile": 1.5},
        {"impact_field": "journal"},
        {"years": (2022, 2021)},
    ],
)
def test_bad_input(tiny: Store, kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        strategic_actors(tiny, **kwargs)  # type: ignore[arg-type]


# -- the planted strong enterprise -------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(synthetic_world: tuple[Path, dict]) -> Iterator[tuple[Store, dict]]:
    path, planted = synthetic_world
    s = Store.open(path, read_only=True)
    yield s, planted
    s.close()


@pytest.mark.slow
def test_planted_strong_enterprise(synthetic: tuple[Store, dict]) -> None:
    store, planted = synthetic
    fact = planted["strong_enterprise"]
    r = strategic_actors(store, country=fact["country"], industry=fact["industry"])
    assert r.synthetic is True
    top3 = r.table.slice(0, 3).to_pylist()
    hit = [x for x in top3 if x["org_id"] == fact["org_id"]]
    assert hit, [x["org_id"] for x in top3]
    assert hit[0]["type"] == "enterprise" and hit[0]["anchor_candidate"] is True
    r = strategic_actors(store, country=None, industry=fact["industry"])
    top10 = r.table.slice(0, 10)["org_id"].to_pylist()
    assert fact["org_id"] in top10
    comp = r.evidence["components"]
    mine = comp.filter(pc.equal(comp["org_id"], fact["org_id"])).to_pylist()[0]
    assert mine["p_patents"] == 1.0  # about 25 % of the industry's patents


# -- evidence discipline (issue 18) -------------------------------------------------------------


def test_below_min_output_is_insufficient_evidence(tiny: Store) -> None:
    """min_output 2: I2 (1 work + .5 patent) and I3 (.5 + 1) are kept, unranked, with the
    counts that were missing; I1 (4.5) is ranked alone (a lone organisation gets 1 on each
    positive component)."""
    r = strategic_actors(tiny, country="DE", industry="robotics", min_output=2)
    rows = _rows(r)
    assert rows["I1"]["rank"] == 1 and rows["I1"]["outcome"] == "anchor candidate"
    for k in ("I2", "I3"):
        assert rows[k]["rank"] is None and rows[k]["score"] is None
        assert rows[k]["p_works"] is None
        assert rows[k]["outcome"] == "insufficient evidence (works + patents 1.5 < 2)"
    t = r.table.to_pylist()
    assert [(x["org_id"], x["rank"]) for x in t] == [("I1", 1), ("I2", None), ("I3", None)]
    assert any("fewer than 2 fractional works + patents" in c for c in r.caveats)
    assert r.rule.parameters["min_output"] == 2
    # top=1 keeps the ranked organisation only
    r = strategic_actors(tiny, country="DE", industry="robotics", min_output=2, top=1)
    assert r.table["org_id"].to_pylist() == ["I1"]


def test_mncs_needs_min_impact_works_and_has_an_interval(tiny: Store) -> None:
    """I1's MNCS 5/3 rests on W1 (weight .5, NCS 1) and W2 (weight 1, NCS 2): a bootstrap
    draw holds W1 twice (MNCS 1, probability 1/4), W2 twice (2, 1/4) or both (5/3), so the
    95 % interval is [1, 2]. I3's one work (NCS 0) gives [0, 0]. With the default
    min_impact_works (5) no MNCS is reported."""
    r = strategic_actors(tiny, country="DE", industry="robotics", min_impact_works=0)
    rows = _rows(r)
    assert (rows["I1"]["mncs_low"], rows["I1"]["mncs_high"]) == pytest.approx((1.0, 2.0))
    assert (rows["I3"]["mncs_low"], rows["I3"]["mncs_high"]) == (0.0, 0.0)
    r = strategic_actors(tiny, country="DE", industry="robotics")
    rows = _rows(r)
    assert all(x["mncs"] is None and x["mncs_low"] is None for x in rows.values())
    assert rows["I1"]["impact_works"] == pytest.approx(1.5)
    assert any("MNCS is not reported" in c for c in r.caveats)


def test_unknown_type_and_country_stay_unknown(tiny: Store) -> None:
    """An organisation typed 'other' only because no source states a type has type None;
    with 3 of the 4 organisations' countries unknown (25 % < 50 %) DE's list is not
    labelled."""
    tiny.con.execute(
        "UPDATE organizations SET type = 'other' WHERE org_id = 'I3';"
        "UPDATE patent_assignees SET type = NULL WHERE assignee_id = 'A3'"
    )
    assert _rows(strategic_actors(tiny, country="DE", industry="robotics"))["I3"]["type"] is None
    tiny.con.execute("UPDATE organizations SET country_code = NULL WHERE org_id <> 'I3'")
    r = strategic_actors(tiny, country="DE", industry="robotics")
    assert r.table["org_id"].to_pylist() == ["I3"]
    row = r.table.to_pylist()[0]
    assert row["rank"] is None
    assert (
        row["outcome"] == "insufficient evidence (organisations with a known country 25 % < 50 %)"
    )
    cov = {c.what: c for c in r.coverage}["organisations in scope with a known country"]
    assert (cov.known, cov.total, cov.below) == (1.0, 4.0, True)


@pytest.mark.parametrize(
    "kwargs", [{"min_output": -1}, {"min_impact_works": float("nan")}, {"min_coverage": 2}]
)
def test_bad_minimums(tiny: Store, kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        strategic_actors(tiny, **kwargs)  # type: ignore[arg-type]


def test_real_store_thin_organisations_are_not_ranked(real_store: Store) -> None:
    """On the real demo store the US organisations in advanced materials hold 0.08–0.75
    fractional works each; they used to be ranked 1–6 (MNCS 0.53 on under one work). They
    are now listed with 'insufficient evidence' and no rank; in biomedicine the ranked
    organisations' MNCS, where reported, rests on at least 5 fractional works and carries
    an interval around it."""
    r = strategic_actors(real_store, country="US", industry="advanced_materials")
    t = r.table.to_pylist()
    assert t and all(x["rank"] is None for x in t)
    assert all(x["outcome"].startswith("insufficient evidence (works + patents") for x in t)
    r = strategic_actors(real_store, country="US", industry="biomedicine", top=10)
    ranked = [x for x in r.table.to_pylist() if x["mncs"] is not None]
    assert ranked
    for x in ranked:
        assert x["impact_works"] >= 5
        assert x["mncs_low"] <= x["mncs"] <= x["mncs_high"]
    assert {c.what for c in r.coverage} >= {"organisations in scope with a known country"}


def test_org_level_rolls_up_to_the_parent(tiny: Store) -> None:
    """I3 is a child of I1 in ``org_hierarchy``: at org level parent/top its works and patents
    count for I1 (totals conserved, I3 gone); at self nothing changes."""
    own = strategic_actors(tiny, country="DE", industry="robotics", min_impact_works=0)
    tiny.con.execute(
        """INSERT INTO org_hierarchy SELECT org_id, org_id, org_id, 0, 'self', 0
           FROM organizations WHERE org_id <> 'I3';
           INSERT INTO org_hierarchy VALUES ('I3', 'I1', 'I1', 1, 'ror', 1)"""
    )
    same = strategic_actors(tiny, country="DE", industry="robotics", min_impact_works=0)
    assert _rows(same) == _rows(own)
    assert same.rule.parameters["org_level"] == "self"
    for level in ("parent", "top"):
        up = strategic_actors(
            tiny, country="DE", industry="robotics", min_impact_works=0, org_level=level
        )
        rows, before = _rows(up), _rows(own)
        assert set(rows) == {"I1", "I2"}
        for col in ("works", "patents"):
            assert sum(r[col] for r in rows.values()) == pytest.approx(
                sum(r[col] for r in before.values())
            )
            assert rows["I1"][col] == pytest.approx(before["I1"][col] + before["I3"][col])
        assert f"(org level {level})" in up.rule.statement
        assert up.rule.parameters["org_level"] == level
    with pytest.raises(InputError, match="org_level"):
        strategic_actors(tiny, country="DE", org_level="group")


def test_a_patent_family_counts_once(tiny: Store) -> None:
    """P1 and P2 (both RoboCo's) are one family: I1's patents 3 → 1 + 1 = 2 (each member
    weighs 1/2) and its mean forward citations (.5·2 + .5·1 + 1·0)/2 = 0.75 (was 1); the
    others are unchanged, and a caveat names the grouping."""
    tiny.con.execute("UPDATE patents SET family_id = 'F1' WHERE patent_id IN ('P1', 'P2')")
    r = strategic_actors(tiny, country="DE", industry="robotics", min_impact_works=0)
    rows = _rows(r)
    assert (rows["I1"]["patents"], rows["I2"]["patents"], rows["I3"]["patents"]) == (
        pytest.approx((2.0, 0.5, 1.0))
    )
    assert rows["I1"]["forward_citations"] == pytest.approx(0.75)
    assert any("5 patents in 4 families" in c for c in r.caveats), r.caveats
    assert r.rule.parameters["patent_unit"] == "family"
    # patent_unit="patent": every grant counts again (I1 3 patents, mean citations 1)
    pat = strategic_actors(
        tiny, country="DE", industry="robotics", min_impact_works=0, patent_unit="patent"
    )
    rows = _rows(pat)
    assert rows["I1"]["patents"] == pytest.approx(3.0)
    assert rows["I1"]["forward_citations"] == pytest.approx(1.0)
    assert pat.rule.parameters["patent_unit"] == "patent"
    assert any("counted one by one" in c for c in pat.caveats)
    with pytest.raises(InputError, match="patent_unit"):
        strategic_actors(tiny, country="DE", patent_unit="x")
