"""IP landscape: a hand-worked store, the white-space rule and its thresholds, the planted world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forcemap.decide.landscape import GROUPS_SCHEMA, LANDSCAPE_SCHEMA, MATRIX_SCHEMA, landscape
from forcemap.errors import InputError
from forcemap.store import Store
from forcemap.store.patent_resolution import group_patent_families

# Holders: assignee id -> (name, country)
_HOLDERS = {
    "A": ("Alpha", "NL"),
    "B": ("Beta", "JP"),
    "D": ("Delta", "CN"),
    "E": ("Echo", "CN"),
    "F": ("Foxtrot", "US"),
    "G": ("Golf", "KR"),
    "H": ("Hotel", "US"),
}
# Semiconductor patents: id, grant year, CPC subgroup, holders.
_PATENTS = [
    # G03F7/00 — rising (1, 1, 2, 2, 3 over 2017–2021), no CN holder: the white space
    ("A1", 2017, "G03F7/20", "A"),
    ("A2", 2018, "G03F7/20", "B"),
    ("A3", 2019, "G03F7/20", "A"),
    ("A4", 2019, "G03F7/70", "B"),
    ("A5", 2020, "G03F7/20", "A"),
    ("A6", 2020, "G03F7/20", "AB"),
    ("A7", 2021, "G03F7/20", "A"),
    ("A8", 2021, "G03F7/20", "B"),
    ("A9", 2021, "G03F7/20", "A"),
    # H01L21/00 — rising (0, 0, 1, 2, 3) but CN holds it
    ("D1", 2019, "H01L21/67", "D"),
    ("D2", 2020, "H01L21/67", "D"),
    ("D3", 2020, "H01L21/67", "F"),
    ("D4", 2021, "H01L21/67", "D"),
    ("D5", 2021, "H01L21/67", "E"),
    ("D6", 2021, "H01L21/67", "F"),
    # G03F1/00 — falling (3, 2, 1, 0, 0)
    ("G1", 2017, "G03F1/50", "G"),
    ("G2", 2017, "G03F1/50", "G"),
    ("G3", 2017, "G03F1/50", "G"),
    ("G4", 2018, "G03F1/50", "G"),
    ("G5", 2018, "G03F1/50", "G"),
    ("G6", 2019, "G03F1/50", "G"),
    # H01L23/00 — rising (0, 0, 0, 0, 2), no CN holder, but only 2 patents
    ("H1", 2021, "H01L23/48", "A"),
    ("H2", 2021, "H01L23/48", "H"),
]
# 5-year forward citations: A1 ← A7, A8, A9 (3); D1 ← D5 (1).
_CITATIONS = [("A7", "A1"), ("A8", "A1"), ("A9", "A1"), ("D5", "D1")]


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Store]:
    """The 23 semiconductor patents above, granted on 15 December of their year (so the
    store's last year, 2021, is complete: no partial year is left out of the trend)."""
    s = Store.open(tmp_path / "l.duckdb")
    for pid, year, sym, holders in _PATENTS:
        s.con.execute(
            "INSERT INTO patents (patent_id, year, grant_date, origin, batch_id) "
            "VALUES (?, ?, make_date(?, 12, 15), 't', 0)",
            [pid, year, year],
        )
        grp = sym.split("/")[0] + "/00"
        s.con.execute(
            "INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_group, cpc_subclass, "
            "is_first) VALUES (?, 0, ?, ?, ?, true)",
            [pid, sym, grp, sym[:4]],
        )
        for seq, h in enumerate(holders):
            name, cc = _HOLDERS[h]
            s.con.execute(
                "INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, "
                "country_code) VALUES (?, ?, ?, ?, 'company', ?)",
                [pid, seq, h, name, cc],
            )
    s.con.executemany("INSERT INTO patent_citations VALUES (?, ?)", _CITATIONS)
    yield s
    s.close()


def _by(table: object, key: str) -> dict[str, dict]:
    return {r[key]: r for r in table.to_pylist()}  # type: ignore[attr-defined]


def test_hand_worked_portfolio(tiny: Store) -> None:
    """Portfolio value per holder, by hand.

    Alpha: A1, A3, A5, A7, A9, H1 and half of A6 → 6.5 of 23; forward citations 3 (A1).
    Top-10 % shares per grant-year cohort (ties split; an uncited patent gets no credit,
    issue 18): 2017 {A1 3, G1–G3 0} → A1 0.4; 2018 three uncited → 0; 2019 {D1 1, A3, A4,
    G6 0} → D1 0.4; 2020 and 2021 uncited → 0; total 0.8. Alpha 0.4 (A1), Delta 0.4 (D1):
    each 0.5 of the industry's top-10 % (the uncited ties used to share 1.5 more units).
    """
    r = landscape(tiny, country="CN", industry="semiconductors")
    assert r.table.schema == LANDSCAPE_SCHEMA
    t = _by(r.table, "name")
    assert [x["name"] for x in r.table.to_pylist()] == [
        "Alpha", "Golf", "Beta", "Delta", "Foxtrot", "Echo", "Hotel",
    ]  # fmt: skip
    a = t["Alpha"]
    assert a["rank"] == 1 and a["org_id"] == "A" and a["country_code"] == "NL"
    assert a["patents"] == pytest.approx(6.5) and a["patents_full"] == 7
    assert a["patent_share"] == pytest.approx(6.5 / 23)
    assert a["fc5_total"] == pytest.approx(3.0) and a["fc5_mean"] == pytest.approx(3 / 6.5)
    assert a["top10_patents"] == pytest.approx(0.4)
    assert a["top10_share"] == pytest.approx(0.5)
    assert a["patent_share_low"] <= a["patent_share"] <= a["patent_share_high"]
    assert a["top10_share_low"] <= a["top10_share"] <= a["top10_share_high"]
    assert a["cpc_groups"] == 2 and not a["is_home"] and a["type"] == "company"
    d = t["Delta"]
    assert d["is_home"] and d["rank"] == 4 and d["patents"] == pytest.approx(3.0)
    assert d["fc5_mean"] == pytest.approx(1 / 3) and d["top10_share"] == pytest.approx(0.5)
    assert t["Beta"]["patents"] == pytest.approx(3.5)
    assert t["Beta"]["top10_patents"] == pytest.approx(0.0)
    assert t["Beta"]["top10_share_high"] == pytest.approx(0.0)  # never credited in any draw
    assert sum(r.table["top10_share"].to_pylist()) == pytest.approx(1.0)
    assert sum(r.table["patents"].to_pylist()) == pytest.approx(23.0)


def test_matrix_has_top_holders_and_home_holders(tiny: Store) -> None:
    r = landscape(tiny, country="CN", industry="semiconductors", top_holders=2)
    m = r.evidence["matrix"]
    assert m.schema == MATRIX_SCHEMA
    cells = {(x["name"], x["cpc"]): x["patents"] for x in m.to_pylist()}
    assert cells == {
        ("Alpha", "G03F7/00"): 6,  # A1, A3, A5, A6, A7, A9
        ("Alpha", "H01L23/00"): 1,
        ("Golf", "G03F1/00"): 6,
        ("Delta", "H01L21/00"): 3,  # CN's two largest holders are added
        ("Echo", "H01L21/00"): 1,
    }


def test_hand_worked_white_spaces(tiny: Store) -> None:
    """Trends over 2017–2021 (x = −2 … 2).

    G03F7/00: n = 1, 1, 2, 2, 3 → slope 5/10 = 0.5, mean 1.8, growth 0.5/1.8, CAGR
    3^(1/4) − 1 → a white space (no CN holder). H01L21/00: slope 0.8, growth ⅔, but CN
    holds 4 of its patents. G03F1/00: slope −0.8 (falling). H01L23/00: growth 1 but only
    2 patents (< min_patents).
    """
    r = landscape(tiny, country="CN", industry="semiconductors")
    groups = _by(r.evidence["groups"], "cpc")
    assert r.evidence["groups"].schema == GROUPS_SCHEMA
    g = groups["G03F7/00"]
    assert g["patents"] == 9 and g["holders"] == 2 and g["home_holders"] == 0
    assert (g["first"], g["last"], g["trend_patents"]) == (1, 3, 9)
    assert g["slope"] == pytest.approx(0.5) and g["growth"] == pytest.approx(0.5 / 1.8)
    assert g["cagr"] == pytest.approx(3**0.25 - 1)
    assert g["white_space"] and g["rank"] == 1 and g["title"].startswith("Photomechanical")
    assert g["top_holders"] == "Alpha (NL) 6; Beta (JP) 4"
    h = groups["H01L21/00"]
    assert h["rising"] and h["growth"] == pytest.approx(0.8 / 1.2)
    assert h["home_patents"] == 4 and h["home_holders"] == 2 and not h["white_space"]
    f = groups["G03F1/00"]
    assert f["slope"] == pytest.approx(-0.8) and f["cagr"] == pytest.approx(-1.0)
    assert not f["rising"] and not f["white_space"]
    t = groups["H01L23/00"]
    assert t["growth"] == pytest.approx(1.0) and not t["enough_evidence"]
    assert not t["white_space"]
    white = r.evidence["white_spaces"]
    assert white.schema == GROUPS_SCHEMA and white["cpc"].to_pylist() == ["G03F7/00"]
    assert r.rule.parameters["trend_years"] == "2017–2021"
    assert any("cannot be white spaces" in c for c in r.caveats)
    # for the US (which holds H01L21/00 and H01L23/00) G03F7/00 and nothing else
    us = landscape(tiny, country="US", industry="semiconductors")
    assert us.evidence["white_spaces"]["cpc"].to_pylist() == ["G03F7/00"]


def test_white_space_thresholds(tiny: Store) -> None:
    # a higher growth bar: G03F7/00 (0.28 a year) is no longer rising
    r = landscape(tiny, country="CN", industry="semiconductors", white_space_growth=0.3)
    assert r.evidence["white_spaces"].num_rows == 0
    assert r.rule.parameters["white_space_growth"] == 0.3
    # a lower evidence bar: H01L23/00 (growth 1.0) enters and ranks first
    r = landscape(tiny, country="CN", industry="semiconductors", min_patents=2)
    assert r.evidence["white_spaces"]["cpc"].to_pylist() == ["H01L23/00", "G03F7/00"]
    assert r.evidence["white_spaces"]["rank"].to_pylist() == [1, 2]


def test_years_and_level(tiny: Store) -> None:
    r = landscape(tiny, country="CN", industry="semiconductors", years=(2019, 2021))
    t = _by(r.table, "name")
    assert "Golf" in t and t["Golf"]["patents"] == pytest.approx(1.0)  # G6 only
    assert r.rule.parameters["trend_years"] == "2019–2021"  # clamped to the window
    g = _by(r.evidence["groups"], "cpc")["G03F7/00"]
    assert (g["first"], g["last"], g["trend_patents"]) == (2, 3, 7)
    sub = landscape(tiny, country="CN", industry="semiconductors", level="cpc_subclass")
    groups = _by(sub.evidence["groups"], "cpc")
    assert set(groups) == {"G03F", "H01L"}
    assert groups["G03F"]["patents"] == 15 and groups["G03F"]["home_holders"] == 0
    assert _by(sub.table, "name")["Alpha"]["cpc_groups"] == 2


def test_no_home_holder_and_bad_parameters(tiny: Store) -> None:
    r = landscape(tiny, country="FR", industry="semiconductors")
    assert any("FR has no holder" in c for c in r.caveats)
    assert any("not resolved" in c for c in r.caveats)
    with pytest.raises(InputError, match="level"):
        landscape(tiny, level="cpc_class")
    with pytest.raises(InputError, match="top_holders"):
        landscape(tiny, top_holders=0)
    with pytest.raises(InputError, match="growth_window"):
        landscape(tiny, growth_window=1)
    with pytest.raises(InputError, match="unknown industry"):
        landscape(tiny, industry="steam_engines")
    with pytest.raises(InputError, match="country"):
        landscape(tiny, country="China")


def test_empty_window(tiny: Store) -> None:
    r = landscape(tiny, country="CN", industry="semiconductors", years=(1990, 1991))
    assert r.table.num_rows == 0 and r.evidence["white_spaces"].num_rows == 0
    assert any("No patents" in c for c in r.caveats)


@pytest.mark.slow
def test_planted_bottleneck_group(synthetic_world: tuple[Path, dict]) -> None:
    """CN holds nothing in G03F7/00 (the planted bottleneck).

    Over the whole 2000–2023 span world patenting there rises slowly, so it is a white
    space; over the default last five years (2019–2023: 3, 6, 2, 1, 3 patents) it is not rising,
    so it is (correctly) not flagged.
    """
    path, planted = synthetic_world
    fact = planted["bottleneck"]
    cpc, home = fact["cpc_group"], fact["dependent_country"]
    with Store.open(path, read_only=True) as s:
        default = landscape(s, country=home, industry="semiconductors")
        span = landscape(
            s, country=home, industry="semiconductors", years=(2000, 2023), growth_window=24
        )
    g = _by(default.evidence["groups"], "cpc")[cpc]
    assert g["home_holders"] == 0 and g["home_patents"] == 0
    assert g["holders"] == len(fact["holders"])
    assert not g["rising"] and not g["white_space"]
    w = _by(span.evidence["groups"], "cpc")[cpc]
    assert w["rising"] and w["white_space"] and w["rank"] >= 1
    assert cpc in span.evidence["white_spaces"]["cpc"].to_pylist()
    # the planted holders (resolved to their organisations) are in the holder x CPC matrix
    top = {x["org_id"] for x in default.evidence["matrix"].to_pylist() if x["cpc"] == cpc}
    assert {h["org_id"] for h in fact["holders"]} <= top
    assert default.synthetic and any("SYNTHETIC" in c for c in default.caveats)


# -- evidence discipline (issue 18) -------------------------------------------------------------


def _add(s: Store, pid: str, year: int, sym: str, holder: str, cc: str | None) -> None:
    s.con.execute(
        "INSERT INTO patents (patent_id, year, grant_date, origin, batch_id) "
        "VALUES (?, ?, make_date(?, 12, 15), 't', 0)",
        [pid, year, year],
    )
    s.con.execute(
        "INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_group, cpc_subclass, "
        "is_first) VALUES (?, 0, ?, ?, ?, true)",
        [pid, sym, sym.split("/")[0] + "/00", sym[:4]],
    )
    s.con.execute(
        "INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code) "
        "VALUES (?, 0, ?, ?, 'company', ?)",
        [pid, holder, holder.title(), cc],
    )


def test_unknown_holder_country_is_no_white_space(tiny: Store) -> None:
    """Four more H01L23/00 patents (2020–2021) held by Zulu, of unknown country: the group
    is rising with 6 patents and no CN holder, but only 2 of 6 have a holder of known country
    (33 % < 50 %): CN's absence cannot be read, so it is no white space."""
    for i, year in enumerate((2020, 2020, 2021, 2021)):
        _add(tiny, f"Z{i}", year, "H01L23/48", "zulu", None)
    r = landscape(tiny, country="CN", industry="semiconductors")
    g = _by(r.evidence["groups"], "cpc")["H01L23/00"]
    assert g["rising"] and g["enough_evidence"] and g["home_holders"] == 0
    assert g["known_country_patents"] == 2 and g["known_country_share"] == pytest.approx(1 / 3)
    assert not g["white_space"] and g["rank"] is None
    assert g["outcome"] == "insufficient evidence (known holder country 33 % < 50 %)"
    assert _by(r.evidence["groups"], "cpc")["G03F7/00"]["outcome"] == "white space"
    assert _by(r.evidence["groups"], "cpc")["H01L21/00"]["outcome"] == (
        "not a white space (CN holds patents here)"
    )
    assert r.evidence["white_spaces"]["cpc"].to_pylist() == ["G03F7/00"]
    cov = {c.what: c for c in r.coverage}["patents of the industry with a holder of known country"]
    assert (cov.known, cov.total) == (23.0, 27.0)
    r = landscape(tiny, country="CN", industry="semiconductors", min_coverage=0.3)
    assert _by(r.evidence["groups"], "cpc")["H01L23/00"]["white_space"]


def test_partial_last_year_is_left_out_of_the_trend(tiny: Store) -> None:
    """When the store's last grants of 2021 are in March, 2021 is incomplete: the trend
    years become 2016–2020 and the caveat says so; drop_partial_years=False keeps 2021."""
    tiny.con.execute("UPDATE patents SET grant_date = make_date(2021, 3, 1) WHERE year = 2021")
    r = landscape(tiny, country="CN", industry="semiconductors")
    assert r.rule.parameters["trend_years"] == "2016–2020"
    assert r.rule.parameters["partial_years_left_out"] == [2021]
    assert any("2021 is incomplete" in c for c in r.caveats)
    keep = landscape(tiny, country="CN", industry="semiconductors", drop_partial_years=False)
    assert keep.rule.parameters["trend_years"] == "2017–2021"


def test_real_store_no_white_space_on_unknown_holders(real_store: Store) -> None:
    """On the real demo store G06N20/00 (machine learning) was a US white space: rising over
    2019–2023 because the USPTO sample is one grant year (2023, last grant 31 October), and
    'no US holder' among six holders of unknown country. Now 2023 is left out of the trend
    as incomplete, none of its holders has a known country, and its outcome says so; no
    top-10 % credit goes to uncited patents."""
    r = landscape(real_store, country="US", industry="ai")
    g = _by(r.evidence["groups"], "cpc")["G06N20/00"]
    assert not g["white_space"] and g["known_country_share"] == 0.0
    assert g["outcome"].startswith("insufficient evidence (")
    assert "known holder country 0 % < 50 %" in g["outcome"]
    assert r.evidence["white_spaces"].num_rows == 0
    assert r.rule.parameters["partial_years_left_out"] == [2023]
    assert all(v is None for v in r.table["top10_share"].to_pylist())
    cov = {c.what: c for c in r.coverage}["patents of the industry with a holder of known country"]
    assert cov.below


def test_a_family_counts_once(tiny: Store) -> None:
    """G1, G2 and G3 (Golf, 2017) claim one priority: one invention, so Golf holds 4
    families instead of 6 patents and the industry 21 instead of 23; the caveat names the
    grouping."""
    tiny.con.execute(
        "INSERT INTO patent_priority SELECT unnest(['G1', 'G2', 'G3']), 1, 'KR', 'x', "
        "'PRI:KR:1020170001', NULL, NULL"
    )
    group_patent_families(tiny.con)
    r = landscape(tiny, country="CN", industry="semiconductors")
    g = _by(r.table, "name")["Golf"]
    assert g["patents"] == pytest.approx(4.0) and g["patents_full"] == 4
    assert g["patent_share"] == pytest.approx(4 / 21)
    assert any("3 by shared priority claims" in c for c in r.caveats)


def test_org_level_rolls_holders_up_to_their_parent(tiny: Store) -> None:
    """Alpha and Beta are subsidiaries of Xeno (NL). Alpha holds 7 patents (6.5 fractional),
    Beta 4 (3.5), A6 both: at parent/top Xeno holds 7 + 4 − 1 = 10 patents, A6 once and whole
    (10 fractional = 6.5 + 3.5), with Alpha's 3 forward citations and 0.4 top-10 % patents;
    the industry still has 23 patents."""
    tiny.con.execute(
        """INSERT INTO organizations (org_id, name, type, country_code) VALUES
             ('OA', 'Alpha', 'enterprise', 'NL'), ('OB', 'Beta', 'enterprise', 'JP'),
             ('OX', 'Xeno', 'enterprise', 'NL');
           INSERT INTO org_aliases (source, source_id, org_id, method) VALUES
             ('assignee', 'A', 'OA', 'name'), ('assignee', 'B', 'OB', 'name');
           INSERT INTO org_hierarchy VALUES ('OA', 'OX', 'OX', 1, 'override', 1),
             ('OB', 'OX', 'OX', 1, 'override', 1), ('OX', 'OX', 'OX', 0, 'self', 0)"""
    )
    own = _by(landscape(tiny, country="CN", industry="semiconductors").table, "name")
    assert own["Alpha"]["patents_full"] == 7 and own["Beta"]["patents_full"] == 4
    for level in ("parent", "top"):
        r = landscape(tiny, country="CN", industry="semiconductors", org_level=level)
        t = _by(r.table, "name")
        assert "Alpha" not in t and "Beta" not in t
        x = t["Xeno"]
        assert x["rank"] == 1 and x["org_id"] == "OX" and x["country_code"] == "NL"
        assert x["patents_full"] == 10
        assert x["patents"] == pytest.approx(own["Alpha"]["patents"] + own["Beta"]["patents"])
        assert x["patents"] == pytest.approx(10.0)
        assert x["fc5_total"] == pytest.approx(3.0) and x["top10_patents"] == pytest.approx(0.4)
        assert x["cpc_groups"] == 2
        assert sum(r.table["patents"].to_pylist()) == pytest.approx(23.0)
        assert r.rule.parameters["org_level"] == level
        assert f"(org level {level})" in r.rule.statement
    with pytest.raises(InputError, match="org_level"):
        landscape(tiny, country="CN", org_level="group")


def test_patent_unit_patent_counts_every_grant(tiny: Store) -> None:
    """With G1–G3 one family, patent_unit='patent' still counts Golf's 6 grants (of 23)."""
    tiny.con.execute(
        "INSERT INTO patent_priority SELECT unnest(['G1', 'G2', 'G3']), 1, 'KR', 'x', "
        "'PRI:KR:1020170001', NULL, NULL"
    )
    group_patent_families(tiny.con)
    r = landscape(tiny, country="CN", industry="semiconductors", patent_unit="patent")
    g = _by(r.table, "name")["Golf"]
    assert g["patents"] == pytest.approx(6.0) and g["patent_share"] == pytest.approx(6 / 23)
    assert r.rule.parameters["patent_unit"] == "patent"
    assert any("counted one by one" in c for c in r.caveats)
    with pytest.raises(InputError, match="patent_unit"):
        landscape(tiny, country="CN", patent_unit="x")
