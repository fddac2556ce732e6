"""Talent: a hand-worked store, threshold sensitivity, flows, the SYNERGY sample, synthetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcemap.decide.talent import AUTHOR_SCHEMA, FLOW_SCHEMA, TALENT_SCHEMA, talent
from forcemap.errors import InputError
from forcemap.store import Store

# (author_id, institution_id, author_position, is_corresponding); author_id None = anonymous
Auth = tuple[str | None, str | None, str, bool]


def _work(
    s: Store,
    wid: str,
    year: int,
    authors: list[Auth],
    *,
    field: str = "F",
    level1: tuple[str, ...] = (),
    country: str | None = None,
) -> None:
    s.con.execute(
        "INSERT INTO works (work_id, year, type, origin, batch_id) "
        "VALUES (?, ?, 'article', 't', 0)",
        [wid, year],
    )
    s.con.execute(
        "INSERT INTO work_concepts VALUES (?, ?, ?, 0, 0.9)", [wid, field, f"Field {field}"]
    )
    for c in level1:
        s.con.execute("INSERT INTO work_concepts VALUES (?, ?, ?, 1, 0.5)", [wid, c, c])
    for seq, (aid, inst, pos, corr) in enumerate(authors, start=1):
        s.con.execute(
            "INSERT INTO authorships (work_id, author_seq, author_id, author_name, "
            "author_position, is_corresponding, institution_id, country_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [wid, seq, aid, f"Name {aid}" if aid else None, pos, corr, inst, country],
        )


@pytest.fixture
def tiny(tmp_path: Path) -> Store:
    """Field F; institutions I1 (CN university), I2 (US university), E1 (CN company).

    ===  ====  ===========================================  ===========  ===  =====
    work year authors (institution, position, corr.)        level-1      cit  NCS
    ===  ====  ===========================================  ===========  ===  =====
    W0   2005  A1 (I2, first)                               a            1    1
    W1   2018  A2 (I1, first), A3 (I1, middle), A1 (I1,     a, b         1    1
               last)
    W2   2019  A1 (I1, first, corr.), A9 (E1, last)         c            1    10
    W3   2020  A1 (I1, first), A2 (I1, middle), A3 (I1,     a            2    2
               last)
    W4   2020  A2 (I1, first, corr.)                        d            0    0
    ===  ====  ===========================================  ===========  ===  =====

    2019 also holds 9 uncited anonymous DE works of F, so W2's reference set is 10 works with
    mean 0.1 (NCS 10) and W2 is the only top-10 % work (9 of 10 cited less). Citing works C1,
    C2 are in field G (2020). The latest year is 2020.

    A1: first year 2005, career age 15 → strategic; works 4, fractional 1 + 1/3 + 1/2 + 1/3
    = 13/6; mean NCS (1 + 1 + 10 + 2)/4 = 3.5; top-10 % share 1/4; breadth {a, b, c} = 3;
    leadership (W1 last, W2 corresponding) 2/4; enterprise (W2 with E1) 1/4; recent (2018–
    2020) NCS (1 + 10 + 2)/3 = 13/3, alone in the 2005 cohort → ratio 1. A1 moves from I2 (US,
    university) in 2005 to I1 (CN, university) in 2018: one US → CN move.
    A2: first year 2018, career age 2 → rising; 3 works; recent NCS (1 + 2 + 0)/3 = 1; cohort
    2018 = {A2, A3 (1 + 2)/2 = 1.5}, mean 1.25 → ratio 0.8.
    """
    s = Store.open(tmp_path / "t.duckdb")
    s.con.execute(
        """INSERT INTO institutions (institution_id, name, type, country_code, origin) VALUES
           ('I1', 'Univ One', 'education', 'CN', 't'),
           ('I2', 'Univ Two', 'education', 'US', 't'),
           ('E1', 'Firm One', 'company', 'CN', 't')"""
    )
    _work(s, "W0", 2005, [("A1", "I2", "first", False)], level1=("a",))
    _work(
        s,
        "W1",
        2018,
        [("A2", "I1", "first", False), ("A3", "I1", "middle", False), ("A1", "I1", "last", False)],
        level1=("a", "b"),
    )
    _work(s, "W2", 2019, [("A1", "I1", "first", True), ("A9", "E1", "last", False)], level1=("c",))
    _work(
        s,
        "W3",
        2020,
        [("A1", "I1", "first", False), ("A2", "I1", "middle", False), ("A3", "I1", "last", False)],
        level1=("a",),
    )
    _work(s, "W4", 2020, [("A2", "I1", "first", True)], level1=("d",))
    for i in range(9):
        _work(s, f"D{i}", 2019, [(None, None, "first", False)], country="DE")
    for c in ("C1", "C2"):
        _work(s, c, 2020, [(None, None, "first", False)], field="G", country="DE")
    for cited in ("W0", "W1", "W2", "W3"):
        s.con.execute("INSERT INTO work_references VALUES ('C1', ?)", [cited])
    s.con.execute("INSERT INTO work_references VALUES ('C2', 'W3')")
    return s


def _row(result, author: str) -> dict:  # type: ignore[no-untyped-def]
    return next(r for r in result.table.to_pylist() if r["author_id"] == author)


def test_hand_worked_author(tiny: Store) -> None:
    r = talent(tiny, country="CN", unit="field", min_works=4, min_scientists=1)
    assert r.table.schema == TALENT_SCHEMA
    assert r.evidence["authors"].schema == AUTHOR_SCHEMA
    assert [x["author_id"] for x in r.table.to_pylist()] == ["A1"]  # A2 has 3 works < 4
    a1 = _row(r, "A1")
    expected = {
        "unit": "F",
        "unit_name": "Field F",
        "kind": "strategic",
        "rank": 1,
        "author_id": "A1",
        "author_name": "Name A1",
        "country": "CN",
        "org_id": "I1",
        "org_name": "Univ One",
        "sector": "university",
        "first_year": 2005,
        "career_age": 15,
        "n_works": 4,
        "impact_works": 4,
        "breadth": 3,
        "recent_works": 3,
        "cohort_size": 1,
    }
    assert {k: a1[k] for k in expected} == expected
    approx = {
        "works": 13 / 6,
        "mean_ncs": 3.5,
        "top10_share": 0.25,
        "leadership_share": 0.5,
        "enterprise_share": 0.25,
        "recent_ncs": 13 / 3,
        "cohort_relative_impact": 1.0,
        "score": 1.0,  # a lone author with every component positive
    }
    for k, v in approx.items():
        assert a1[k] == pytest.approx(v), k
    assert set(a1) == set(TALENT_SCHEMA.names)
    assert r.rule.parameters["impact_field"] == "concept0"
    assert r.rule.parameters["breadth"] == "concept1"
    assert any("author disambiguation" in c for c in r.caveats)
    assert any("not resolved" in c for c in r.caveats)
    assert not r.synthetic
    # with the default min_scientists (4) the lone eligible author keeps its counts, unranked
    r4 = talent(tiny, country="CN", unit="field", min_works=4, min_scientists=4)
    a1 = _row(r4, "A1")
    assert a1["rank"] is None and a1["score"] is None
    assert a1["outcome"] == "insufficient evidence (eligible scientists in the unit 1 < 4)"
    assert a1["mean_ncs"] == pytest.approx(3.5)
    assert any("Insufficient evidence: fewer than 4 eligible" in c for c in r4.caveats)


def test_flows_count_the_move(tiny: Store) -> None:
    r = talent(tiny, country="CN", unit="field", min_works=4, min_scientists=1)
    flows = r.evidence["flows"]
    assert flows.schema == FLOW_SCHEMA
    assert flows.to_pylist() == [
        {
            "from_country": "US",
            "to_country": "CN",
            "from_sector": "university",
            "to_sector": "university",
            "moves": 1,
            "authors": 1,
        }
    ]
    bal = {x["sector"]: x for x in r.evidence["balance"].to_pylist()}
    assert bal["all"] == {"country": "CN", "sector": "all", "inflow": 1, "outflow": 0, "net": 1}
    assert bal["university"]["net"] == 1
    us = talent(tiny, country="US", unit="field", min_works=4, min_scientists=1)
    us_all = us.evidence["balance"].to_pylist()[0]
    assert (us_all["sector"], us_all["outflow"], us_all["net"]) == ("all", 1, -1)
    assert us.table.num_rows == 0 and any("No scientist of US" in c for c in us.caveats)
    # the move is dated 2018: a window ending in 2017 has none; one from 2018 keeps it
    assert (
        talent(tiny, country="CN", unit="field", years=(2000, 2017)).evidence["flows"].num_rows == 0
    )
    w = talent(tiny, country="CN", unit="field", years=(2018, 2020), min_works=3)
    assert w.evidence["flows"].num_rows == 1
    a1 = _row(w, "A1")  # W0 (2005) is outside the window, the first year is not
    assert a1["n_works"] == 3 and a1["first_year"] == 2005 and a1["career_age"] == 15


def test_young_and_senior_and_min_works(tiny: Store) -> None:
    r = talent(tiny, country="CN", unit="field", min_works=3, min_scientists=1)
    kinds = {x["author_id"]: x["kind"] for x in r.table.to_pylist()}
    assert kinds == {"A1": "strategic", "A2": "rising"}
    a2 = _row(r, "A2")
    assert a2["career_age"] == 2 and a2["first_year"] == 2018
    assert a2["works"] == pytest.approx(1 / 3 + 1 / 3 + 1)
    assert a2["mean_ncs"] == pytest.approx(1.0) and a2["top10_share"] == pytest.approx(0.0)
    assert a2["leadership_share"] == pytest.approx(1 / 3) and a2["breadth"] == 3
    assert a2["recent_ncs"] == pytest.approx(1.0) and a2["cohort_size"] == 2
    assert a2["cohort_relative_impact"] == pytest.approx(0.8)
    # two authors: A1 beats A2 on every component but breadth (tied at 3: both rank 0)
    assert _row(r, "A1")["score"] == pytest.approx(5 / 6)
    assert a2["score"] == pytest.approx(0.0)
    ev = {x["author_id"]: x for x in r.evidence["authors"].to_pylist()}
    assert ev["A1"]["p_breadth"] == 0.0 and ev["A1"]["p_works"] == 1.0
    # the young-career threshold turns the senior author into a rising one
    r15 = talent(
        tiny, country="CN", unit="field", min_works=3, young_career_years=15, min_scientists=1
    )
    assert {x["author_id"]: x["kind"] for x in r15.table.to_pylist()} == {
        "A1": "rising",
        "A2": "rising",
    }
    assert [x["author_id"] for x in r15.table.to_pylist()] == ["A1", "A2"]  # ratio 1 > 0.8
    assert r15.rule.parameters["young_career_years"] == 15
    # sustained impact: with min_works = 5 nobody qualifies
    assert (
        talent(tiny, country="CN", unit="field", min_works=5, min_scientists=1).table.num_rows == 0
    )


def test_top_limits_each_kind(tiny: Store) -> None:
    r = talent(
        tiny,
        country="CN",
        unit="field",
        min_works=3,
        young_career_years=15,
        top=1,
        min_scientists=1,
    )
    assert [x["author_id"] for x in r.table.to_pylist()] == ["A1"]
    assert r.evidence["authors"].num_rows == 2


def test_bad_parameters(tiny: Store) -> None:
    with pytest.raises(InputError, match="unit="):
        talent(tiny, unit="galaxy")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="min_works"):
        talent(tiny, min_works=0)
    with pytest.raises(InputError, match="country"):
        talent(tiny, country="China")
    with pytest.raises(InputError, match="unknown field"):
        talent(tiny, unit="field", industry="Astrology")
    with pytest.raises(InputError, match="unknown industry"):
        talent(tiny, industry="no_such_industry")


def test_field_filter_by_name(tiny: Store) -> None:
    r = talent(tiny, country="CN", unit="field", industry="field f", min_works=3, min_scientists=1)
    assert {x["unit"] for x in r.table.to_pylist()} == {"F"}


def test_real_sample_by_field(synergy_store: Store) -> None:
    r = talent(synergy_store, country="US", unit="field")
    rows = r.table.to_pylist()
    assert rows and all(x["country"] == "US" and x["n_works"] >= 5 for x in rows)
    assert {x["kind"] for x in rows} <= {"strategic", "rising"}
    assert all(0.0 <= x["score"] <= 1.0 for x in rows)
    psych = [x for x in rows if x["unit_name"] == "Psychology" and x["kind"] == "strategic"]
    assert len(psych) >= 5 and [x["rank"] for x in psych] == list(range(1, len(psych) + 1))
    flows = r.evidence["flows"]
    assert flows.num_rows > 0 and sum(flows["moves"].to_pylist()) > 0
    bal = r.evidence["balance"].to_pylist()[0]
    assert bal["sector"] == "all" and bal["net"] == bal["inflow"] - bal["outflow"]
    assert not r.synthetic


@pytest.mark.slow
def test_synthetic_world(synthetic_world: tuple[Path, dict]) -> None:
    path, _ = synthetic_world
    with Store.open(path, read_only=True) as s:
        country = s.scalar(
            "SELECT country_code FROM authorships WHERE country_code IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        r = talent(s, country=country)
    assert r.synthetic and any("SYNTHETIC" in c for c in r.caveats)
    assert r.table.num_rows > 0
    assert all(x["country"] == country for x in r.table.to_pylist())
    assert r.evidence["flows"].num_rows > 0  # the world plants author moves
    assert not any("not resolved" in c for c in r.caveats)


# -- evidence discipline (issue 18) -------------------------------------------------------------


def test_intervals_of_mean_ncs_and_top10_share(tiny: Store) -> None:
    """A1's four works have NCS 1, 1, 10, 2 and one top-10 % work. Resampling the four: all
    draws from the two NCS-1 works (probability 1/16 > 2.5 %) give the lower bound 1; three or
    more copies of W2 (probability 13/256 ≈ 5.1 % > 2.5 %, four copies 1/256 < 2.5 %) give the
    top-10 % upper bound 3/4, and no copy (81/256) the lower bound 0."""
    r = talent(tiny, country="CN", unit="field", min_works=4, min_scientists=1)
    a1 = _row(r, "A1")
    assert a1["mean_ncs_low"] == pytest.approx(1.0)
    assert 3.5 < a1["mean_ncs_high"] < 10.0
    assert (a1["top10_share_low"], a1["top10_share_high"]) == pytest.approx((0.0, 0.75))
    assert a1["outcome"] == "ranked"


def test_unknown_sector_is_not_other(tiny: Store) -> None:
    """A7 moves from I1 (a university) to I3, an institution of unknown type: the move is to
    sector 'unknown', never 'other'."""
    tiny.con.execute(
        "INSERT INTO institutions (institution_id, name, type, country_code, origin) "
        "VALUES ('I3', 'Somewhere', NULL, 'CN', 't')"
    )
    _work(tiny, "W5", 2019, [("A7", "I1", "first", False)])
    _work(tiny, "W6", 2020, [("A7", "I3", "first", False)])
    r = talent(tiny, country="CN", unit="field", min_works=4)
    flows = r.evidence["flows"].to_pylist()
    mine = [f for f in flows if f["from_sector"] == "university" and f["to_country"] == "CN"]
    assert any(f["to_sector"] == "unknown" for f in mine)
    assert not any("other" in (f["from_sector"], f["to_sector"]) for f in flows)


def test_country_coverage_below_the_minimum(tiny: Store) -> None:
    """Only authors with a known current country can be X's: with min_coverage 1 and some
    authors of unknown country (the anonymous DE works have no author; A9 has one), the list
    is kept but unranked."""
    tiny.con.execute("UPDATE authorships SET country_code = NULL WHERE author_id = 'A9'")
    tiny.con.execute("UPDATE institutions SET country_code = NULL WHERE institution_id = 'E1'")
    r = talent(tiny, country="CN", unit="field", min_works=4, min_scientists=1, min_coverage=1)
    cov = {c.what: c for c in r.coverage}["authors in scope with a known current country"]
    assert cov.below and cov.known < cov.total
    a1 = _row(r, "A1")
    assert a1["rank"] is None
    assert a1["outcome"].startswith("insufficient evidence (authors with a known country")
    assert r.rule.parameters["min_coverage"] == 1


def test_real_store_two_scientists_are_not_a_ranking(real_store: Store) -> None:
    """On the real demo store only two US scientists have 5 works in biomedicine; they were
    ranked 1 and 2 by percentiles among two (scores 0.67 and 0.17). They are now listed with
    their counts and intervals, unranked: 'insufficient evidence (eligible scientists in the
    unit 2 < 4)'."""
    r = talent(real_store, country="US", industry="biomedicine")
    rows = r.table.to_pylist()
    assert len(rows) == 2
    for x in rows:
        assert x["rank"] is None and x["score"] is None
        assert x["outcome"] == "insufficient evidence (eligible scientists in the unit 2 < 4)"
        assert x["mean_ncs_low"] <= x["mean_ncs"] <= x["mean_ncs_high"]
    cov = {c.what: c for c in r.coverage}["authors in scope with a known current country"]
    assert cov.share is not None and 0.5 < cov.share < 1


def test_real_sample_counts_persons(synergy_store_path: Path, tmp_path: Path) -> None:
    """Issue 19 acceptance: on the real SYNERGY sample, Marsha M. Linehan is three strategic
    scientists of Psychology (three OpenAlex ids) until persons are resolved; then she is one,
    with the works of all her ids, and possible duplicates are flagged in possibly_same_as."""
    import shutil

    from forcemap.store.persons import resolve_persons

    copy = tmp_path / "synergy.duckdb"
    shutil.copyfile(synergy_store_path, copy)
    with Store.open(copy) as s:
        before = talent(s, country="US", unit="field").table.to_pylist()
        resolve_persons(s)
        r = talent(s, country="US", unit="field")
    after = r.table.to_pylist()

    def linehan(rows: list[dict]) -> list[dict]:
        return [
            x
            for x in rows
            if x["unit_name"] == "Psychology" and x["author_name"] == "Marsha M. Linehan"
        ]

    assert len(linehan(before)) == 3
    assert all(x["possibly_same_as"] is None for x in before)
    (one,) = linehan(after)
    assert one["author_id"] == "A2164206094"  # the id carrying her ORCID
    assert one["n_works"] > max(x["n_works"] for x in linehan(before))
    assert any(x["possibly_same_as"] for x in after)
    assert any("Scientists are persons" in c for c in r.caveats)


def test_org_level_rolls_affiliations_up(tiny: Store) -> None:
    """Univ One (I1) and Firm One (E1) are resolved and both belong to One Group (a
    university). A2 publishes two 2021 works at E1: at org level self that is a CN → CN move
    university → enterprise, and A1 and A2 have two organisations; at parent/top both count
    for One Group (2 scientists = 1 + 1), the move between two units of the group is no move
    (only A1's US → CN move of 2018 is left) and W2 is no longer an enterprise work."""
    for wid in ("W5", "W6"):
        _work(tiny, wid, 2021, [("A2", "E1", "first", False)])
    tiny.con.execute(
        """INSERT INTO organizations (org_id, name, type, country_code) VALUES
             ('OI1', 'Univ One', 'university', 'CN'), ('OE1', 'Firm One', 'enterprise', 'CN'),
             ('OP', 'One Group', 'university', 'CN');
           INSERT INTO org_aliases VALUES ('institution', 'I1', 'OI1', 'self', NULL),
             ('institution', 'E1', 'OE1', 'self', NULL);
           INSERT INTO org_hierarchy VALUES ('OI1', 'OP', 'OP', 1, 'ror', 1),
             ('OE1', 'OP', 'OP', 1, 'ror', 1), ('OP', 'OP', 'OP', 0, 'self', 0)"""
    )
    kw = {"country": "CN", "unit": "field", "min_works": 3, "min_scientists": 1}
    own = talent(tiny, **kw)  # type: ignore[arg-type]
    assert {(x["author_id"], x["org_id"]) for x in own.table.to_pylist()} == {
        ("A1", "OI1"),
        ("A2", "OE1"),
    }
    moves = {(f["from_country"], f["to_country"], f["from_sector"], f["to_sector"]): f["moves"]
             for f in own.evidence["flows"].to_pylist()}  # fmt: skip
    assert moves == {("US", "CN", "university", "university"): 1,
                     ("CN", "CN", "university", "enterprise"): 1}  # fmt: skip
    assert _row(own, "A1")["enterprise_share"] == pytest.approx(0.25)
    for level in ("parent", "top"):
        r = talent(tiny, **kw, org_level=level)  # type: ignore[arg-type]
        rows = r.table.to_pylist()
        assert {(x["author_id"], x["org_id"], x["org_name"]) for x in rows} == {
            ("A1", "OP", "One Group"),
            ("A2", "OP", "One Group"),
        }
        assert [(f["from_country"], f["to_country"], f["moves"])
                for f in r.evidence["flows"].to_pylist()] == [("US", "CN", 1)]  # fmt: skip
        assert _row(r, "A1")["enterprise_share"] == pytest.approx(0.0)
        assert r.rule.parameters["org_level"] == level
        assert f"(org level {level})" in r.rule.statement
    with pytest.raises(InputError, match="org_level"):
        talent(tiny, country="CN", org_level="group")
