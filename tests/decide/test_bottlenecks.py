"""Bottlenecks: a hand-worked store, threshold sensitivity, the EU trade test, planted facts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.compute as pc
import pytest

from forcemap.decide.bottlenecks import (
    BOTTLENECK_SCHEMA,
    COVERAGE_WHAT,
    GROUP_SCHEMA,
    TRADE_SCHEMA,
    bottlenecks,
)
from forcemap.errors import InputError
from forcemap.indicators.specialisation import activity_table, rca
from forcemap.store import Store

# Families (CN is X) — patents P4 and P5 are one family F1:
#   G03F7/00: P1 NL/Alpha, P2 JP/Beta, P3 JP/Gamma, F1 NL/Alpha, P6 JP/Beta (P6 also H01L21/00)
#   H01L21/00: P6 JP/Beta, P7 CN/Delta, P8 CN/Delta + US/Foxtrot, P9 CN/Echo, P10 US/Foxtrot
#   G03F1/00: P11–P14 KR/Golf, P15 CN/Hotel
# Trade (importer-reported figure preferred): NLD→CHN 70 (CHN reports 70, NLD 60),
# JPN→CHN 40, NLD→USA 30 in 848620; CHN→USA 100, KOR→CHN 50, USA→CHN 50 in 854231.
_SQL = """
INSERT INTO patents (patent_id, year, family_id, origin, batch_id) VALUES
 ('P1', 2020, NULL, 't', 0), ('P2', 2020, NULL, 't', 0), ('P3', 2020, NULL, 't', 0),
 ('P4', 2020, 'F1', 't', 0), ('P5', 2021, 'F1', 't', 0), ('P6', 2020, NULL, 't', 0),
 ('P7', 2020, NULL, 't', 0), ('P8', 2020, NULL, 't', 0), ('P9', 2020, NULL, 't', 0),
 ('P10', 2020, NULL, 't', 0), ('P11', 2020, NULL, 't', 0), ('P12', 2020, NULL, 't', 0),
 ('P13', 2020, NULL, 't', 0), ('P14', 2020, NULL, 't', 0), ('P15', 2020, NULL, 't', 0);
INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_group, cpc_subclass, is_first) VALUES
 ('P1', 0, 'G03F7/20', 'G03F7/00', 'G03F', true), ('P2', 0, 'G03F7/20', 'G03F7/00', 'G03F', true),
 ('P3', 0, 'G03F7/70', 'G03F7/00', 'G03F', true), ('P4', 0, 'G03F7/20', 'G03F7/00', 'G03F', true),
 ('P5', 0, 'G03F7/20', 'G03F7/00', 'G03F', true), ('P6', 0, 'G03F7/20', 'G03F7/00', 'G03F', true),
 ('P6', 1, 'H01L21/027', 'H01L21/00', 'H01L', false),
 ('P7', 0, 'H01L21/67', 'H01L21/00', 'H01L', true),
 ('P8', 0, 'H01L21/67', 'H01L21/00', 'H01L', true),
 ('P9', 0, 'H01L21/67', 'H01L21/00', 'H01L', true),
 ('P10', 0, 'H01L21/67', 'H01L21/00', 'H01L', true),
 ('P11', 0, 'G03F1/50', 'G03F1/00', 'G03F', true), ('P12', 0, 'G03F1/50', 'G03F1/00', 'G03F', true),
 ('P13', 0, 'G03F1/50', 'G03F1/00', 'G03F', true), ('P14', 0, 'G03F1/50', 'G03F1/00', 'G03F', true),
 ('P15', 0, 'G03F1/50', 'G03F1/00', 'G03F', true);
INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code) VALUES
 ('P1', 0, 'A', 'Alpha', 'company', 'NL'), ('P2', 0, 'B', 'Beta', 'company', 'JP'),
 ('P3', 0, 'C', 'Gamma', 'company', 'JP'), ('P4', 0, 'A', 'Alpha', 'company', 'NL'),
 ('P5', 0, 'A', 'Alpha', 'company', 'NL'), ('P6', 0, 'B', 'Beta', 'company', 'JP'),
 ('P7', 0, 'D', 'Delta', 'company', 'CN'), ('P8', 0, 'D', 'Delta', 'company', 'CN'),
 ('P8', 1, 'F', 'Foxtrot', 'company', 'US'), ('P9', 0, 'E', 'Echo', 'company', 'CN'),
 ('P10', 0, 'F', 'Foxtrot', 'company', 'US'), ('P11', 0, 'G', 'Golf', 'company', 'KR'),
 ('P12', 0, 'G', 'Golf', 'company', 'KR'), ('P13', 0, 'G', 'Golf', 'company', 'KR'),
 ('P14', 0, 'G', 'Golf', 'company', 'KR'), ('P15', 0, 'H', 'Hotel', 'company', 'CN');
INSERT INTO trade (year, reporter, partner, hs6, export_value, import_value, origin, batch_id)
VALUES
 (2020, 'NLD', 'CHN', '848620', 60, NULL, 't', 0), (2020, 'JPN', 'CHN', '848620', 40, NULL, 't', 0),
 (2020, 'CHN', 'NLD', '848620', NULL, 70, 't', 0), (2020, 'NLD', 'USA', '848620', 30, NULL, 't', 0),
 (2020, 'CHN', 'USA', '854231', 100, NULL, 't', 0),
 (2020, 'KOR', 'CHN', '854231', 50, NULL, 't', 0), (2020, 'USA', 'CHN', '854231', 50, NULL, 't', 0);
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Store]:
    """The hand-built store above."""
    s = Store.open(tmp_path / "s.duckdb")
    s.con.execute(_SQL)
    yield s
    s.close()


def _groups(result: object) -> dict[str, dict[str, object]]:
    g = result.evidence["groups"]  # type: ignore[attr-defined]
    return {r["cpc"]: r for r in g.to_pylist()}


def test_hand_worked_groups(tiny: Store) -> None:
    """Every indicator of the three semiconductor groups, worked out by hand.

    G03F7/00: 5 families (F1 once). Countries NL 2/5, JP 3/5 → HHI 0.52; holders Alpha 2/5,
    Beta 2/5, Gamma 1/5 → HHI 0.36, top-3 share 1. Activity (fractional over countries and
    groups, 14 families): A_CN = 2.5 (H01L21) + 1 (G03F1) = 3.5; A_.G03F7 = 4.5; A_.H01L21 =
    4.5; A_.G03F1 = 5. RTA_CN: G03F7 0; G03F1 (1/3.5)/(5/14) = 0.8; H01L21 (2.5/3.5)/(4.5/14)
    = 20/9. Score G03F7 = 1 × max(0.52, 0.36, 1) × 1 × 5/10 = 0.5; G03F1 = 0.2 × 1 × 0.8 × 0.5
    = 0.08; H01L21/00 is not weak (RTA ≥ 1): score 0.
    """
    r = bottlenecks(tiny, country="CN", industry="semiconductors")
    assert r.table.schema == BOTTLENECK_SCHEMA
    assert r.evidence["groups"].schema == GROUP_SCHEMA
    g = _groups(r)
    assert set(g) == {"G03F7/00", "G03F1/00", "H01L21/00"}
    a = g["G03F7/00"]
    assert a["families"] == 5
    assert a["hhi_country"] == pytest.approx(0.52)
    assert a["hhi_assignee"] == pytest.approx(0.36)
    assert a["top_share"] == pytest.approx(1.0)
    assert a["rta"] == pytest.approx(0.0)
    assert a["country_share"] == 0.0
    assert a["score"] == pytest.approx(0.5)
    assert a["candidate"] is True
    assert a["holders"] == "Alpha (NL) 40%; Beta (JP) 40%; Gamma (JP) 20%"
    assert a["holder_countries"] == "JP 60%, NL 40%"
    assert a["sub_technologies"] == "lithography"
    b = g["G03F1/00"]
    assert b["rta"] == pytest.approx(0.8)
    assert b["country_share"] == pytest.approx(0.2)
    assert b["country_families"] == pytest.approx(1.0)
    assert b["hhi_country"] == pytest.approx(0.68)
    assert b["score"] == pytest.approx(0.08)
    c = g["H01L21/00"]
    assert c["rta"] == pytest.approx(20 / 9)
    assert c["hhi_country"] == pytest.approx(0.38)  # JP .2, CN .5, US .3
    assert c["hhi_assignee"] == pytest.approx(0.26)  # Beta .2, Delta .3, Foxtrot .3, Echo .2
    assert c["top_share"] == pytest.approx(0.8)
    assert c["weak"] is False and c["candidate"] is False
    assert c["score"] == pytest.approx(0.0)
    t = r.table.to_pylist()
    assert [(x["rank"], x["cpc"]) for x in t] == [(1, "G03F7/00"), (2, "G03F1/00")]
    assert t[0]["dependent_hs6"] == "848620"
    assert t[0]["title"].startswith("Photomechanical")
    # the caveat names the grouping: source family ids here (rows written without ingest)
    assert any("counted as families" in c and "by the source's family ids" in c for c in r.caveats)
    assert r.rule.parameters["min_families"] == 5
    assert r.synthetic is False


def test_rta_equals_specialisation_rca(tiny: Store) -> None:
    """With one patent per family the RTA is rca(activity_table(prod="cpc_group"))."""
    tiny.con.execute("UPDATE patents SET family_id = NULL")
    r = bottlenecks(tiny, country="CN", industry="semiconductors")
    ref = rca(activity_table(tiny, prod="cpc_group"))
    ref = ref.filter(pc.equal(ref["loc"], "CN"))
    expected = dict(zip(ref["prod"].to_pylist(), ref["rca"].to_pylist(), strict=True))
    for cpc, row in _groups(r).items():
        assert row["rta"] == pytest.approx(expected.get(cpc, 0.0)), cpc
    assert _groups(r)["G03F7/00"]["families"] == 6


def test_rta_equals_specialisation_rca_over_families(tiny: Store) -> None:
    """Families are the one counting unit: the RTA is rca(activity_table) by family too."""
    r = bottlenecks(tiny, country="CN", industry="semiconductors")
    ref = rca(activity_table(tiny, prod="cpc_group"))
    ref = ref.filter(pc.equal(ref["loc"], "CN"))
    expected = dict(zip(ref["prod"].to_pylist(), ref["rca"].to_pylist(), strict=True))
    for cpc, row in _groups(r).items():
        assert row["rta"] == pytest.approx(expected.get(cpc, 0.0)), cpc


def test_thresholds_change_the_outcome(tiny: Store) -> None:
    """Each test of the rule can remove a candidate."""
    assert bottlenecks(tiny, industry="semiconductors").table.num_rows == 2
    # evidence: 5 families < 6
    assert bottlenecks(tiny, industry="semiconductors", min_families=6).table.num_rows == 0
    # weakness: G03F1/00 has RTA 0.8
    r = bottlenecks(tiny, industry="semiconductors", rta_below=0.5)
    assert r.table["cpc"].to_pylist() == ["G03F7/00"]
    # concentration: no test can pass
    r = bottlenecks(
        tiny,
        industry="semiconductors",
        hhi_country_above=1.0,
        hhi_assignee_above=1.0,
        top_share_above=1.0,
    )
    assert r.table.num_rows == 0
    assert not any(_groups(r)[c]["concentrated"] for c in _groups(r))
    # the evidence factor uses n0 = min_families: 5 / (5 + 1)
    r = bottlenecks(tiny, industry="semiconductors", min_families=1)
    assert _groups(r)["G03F7/00"]["score"] == pytest.approx(5 / 6)


def test_eu_trade_dependency(tiny: Store) -> None:
    """848620: CN imports NLD 70 + JPN 40 = 110, HHI (7/11)² + (4/11)² = 65/121; world exports
    NLD 100, JPN 40, HHI 116/196; CN exports 0 → a dependency. 854231: the world export HHI
    is 0.375 and CN exports as much as it imports → not one."""
    r = bottlenecks(tiny, country="CN", industry="semiconductors")
    t = r.evidence["trade"]
    assert t.schema == TRADE_SCHEMA
    rows = {x["hs6"]: x for x in t.to_pylist()}
    a = rows["848620"]
    assert a["imports"] == pytest.approx(110.0)
    assert a["exports"] == 0.0
    assert a["import_hhi"] == pytest.approx(65 / 121)
    assert a["export_hhi"] == pytest.approx(116 / 196)
    assert a["top_origins"] == "NLD 64%, JPN 36%"
    assert a["dependent"] is True and a["rank"] == 1
    assert a["industries"] == "semiconductors"
    b = rows["854231"]
    assert b["import_hhi"] == pytest.approx(0.5)
    assert b["export_hhi"] == pytest.approx(0.375)
    assert (b["concentrated_imports"], b["concentrated_supply"], b["net_importer"]) == (
        True,
        False,
        False,
    )
    assert b["dependent"] is False
    # a stricter import threshold clears 848620
    r = bottlenecks(tiny, country="CN", industry="semiconductors", import_hhi_above=0.6)
    assert not any(r.evidence["trade"]["dependent"].to_pylist())
    assert r.table["dependent_hs6"].to_pylist() == [None, None]


def test_without_trade(tiny: Store) -> None:
    r = bottlenecks(tiny, industry="semiconductors", with_trade=False)
    assert "trade" not in r.evidence
    assert r.table["dependent_hs6"].null_count == r.table.num_rows
    tiny.con.execute("DELETE FROM trade")
    r = bottlenecks(tiny, industry="semiconductors")
    assert "trade" not in r.evidence
    assert any("No trade data" in c for c in r.caveats)


def test_empty_store_and_absent_country(tmp_path: Path, tiny: Store) -> None:
    with Store.open(tmp_path / "empty.duckdb") as s:
        r = bottlenecks(s)
        assert r.table.num_rows == 0 and r.table.schema == BOTTLENECK_SCHEMA
        assert any("No patents" in c for c in r.caveats)
    r = bottlenecks(tiny, country="FR", industry="semiconductors")
    assert any("RTA is" in c and "undefined" in c for c in r.caveats)
    # FR is weak everywhere: H01L21/00 becomes a candidate too
    assert set(r.table["cpc"].to_pylist()) == {"G03F7/00", "G03F1/00", "H01L21/00"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"country": "CHN"},
        {"level": "cpc_subgroup"},
        {"industry": "nope"},
        {"years": (2021, 2020)},
        {"top_holders": 0},
        {"min_families": 0},
        {"min_coverage": 1.5},
        {"min_coverage": -0.1},
    ],
)
def test_bad_input(tiny: Store, kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        bottlenecks(tiny, **kwargs)  # type: ignore[arg-type]


def test_years_and_subclass_level(tiny: Store) -> None:
    r = bottlenecks(tiny, industry="semiconductors", years=(2021, 2021), min_families=1)
    assert _groups(r)["G03F7/00"]["families"] == 1  # only P5 (family F1)
    r = bottlenecks(tiny, industry="semiconductors", level="cpc_subclass", min_families=1)
    g = _groups(r)
    assert set(g) == {"G03F", "H01L"}
    assert g["G03F"]["families"] == 10


# -- planted facts on the synthetic world ------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(synthetic_world: tuple[Path, dict]) -> Iterator[tuple[Store, dict]]:
    path, planted = synthetic_world
    s = Store.open(path, read_only=True)
    yield s, planted
    s.close()


@pytest.mark.slow
def test_planted_bottleneck_ranks_first(synthetic: tuple[Store, dict]) -> None:
    store, planted = synthetic
    fact = planted["bottleneck"]
    r = bottlenecks(store, country=fact["dependent_country"])
    assert r.synthetic is True
    semis = r.table.filter(pc.equal(r.table["industry"], "semiconductors")).to_pylist()
    top = semis[0]
    assert (top["rank"], top["cpc"]) == (1, fact["cpc_group"])
    assert top["rta"] == 0.0 and top["country_share"] == 0.0
    assert top["top_share"] == pytest.approx(1.0)
    for h in fact["holders"]:
        assert h["name"] in top["holders"]
    assert fact["hs6"] in (top["dependent_hs6"] or "")
    # the planted group is the strongest bottleneck of every industry for CN
    assert top["score"] == max(r.table["score"].to_pylist())


@pytest.mark.slow
def test_planted_trade_dependency(synthetic: tuple[Store, dict]) -> None:
    store, planted = synthetic
    fact = planted["bottleneck"]
    r = bottlenecks(store, country=fact["dependent_country"], industry="semiconductors")
    rows = {x["hs6"]: x for x in r.evidence["trade"].to_pylist()}
    hit = rows[fact["hs6"]]
    assert hit["dependent"] is True and hit["rank"] == 1
    assert hit["exports"] == 0.0
    assert {o.split()[0] for o in hit["top_origins"].split(", ")} == set(fact["exporters"])
    # the holders themselves are not dependent on it
    r_nl = bottlenecks(store, country="NL", industry="semiconductors")
    nl = {x["hs6"]: x for x in r_nl.evidence["trade"].to_pylist()}
    assert nl[fact["hs6"]]["dependent"] is False


_UNKNOWN_SQL = """
INSERT INTO patents (patent_id, year, family_id, origin, batch_id)
SELECT 'U' || i, 2020, NULL, 't', 0 FROM range(6) t(i);
INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_group, cpc_subclass, is_first)
SELECT 'U' || i, 0, 'G03F1/50', 'G03F1/00', 'G03F', true FROM range(6) t(i);
INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code)
SELECT 'U' || i, 0, 'Z', 'Zulu', 'company', NULL FROM range(6) t(i);
"""


def test_unknown_holder_country_is_not_foreign(tiny: Store) -> None:
    """Six more G03F1/00 families held by Zulu, whose country is unknown everywhere.

    G03F1/00 then has 11 families, 5 with a known holder country (KR 4, CN 1): known share
    5/11 = 45 % < 50 %, so the group is not a candidate and its outcome says why; CN's share
    stays 1/5 = 0.2 over the known families (the unknown six are not foreign). With
    min_coverage 0.4 it is assessed again and is a candidate as before.
    """
    tiny.con.execute(_UNKNOWN_SQL)
    r = bottlenecks(tiny, industry="semiconductors", with_trade=False)
    g = _groups(r)["G03F1/00"]
    assert g["families"] == 11 and g["known_country_families"] == 5
    assert g["known_country_share"] == pytest.approx(5 / 11)
    assert g["unknown_country_share"] == pytest.approx(6 / 11)
    assert g["country_share"] == pytest.approx(0.2)
    assert g["candidate"] is False and g["score"] is None
    assert g["outcome"] == "insufficient evidence (known holder country 45 % < 50 %)"
    rows = {x["cpc"]: x for x in r.table.to_pylist()}
    assert rows["G03F1/00"]["rank"] is None
    assert rows["G03F1/00"]["outcome"].startswith("insufficient evidence")
    assert rows["G03F7/00"]["rank"] == 1 and rows["G03F7/00"]["outcome"] == "bottleneck candidate"
    cov = {c.what: c for c in r.coverage}[COVERAGE_WHAT]
    assert (cov.known, cov.total, cov.minimum) == (14.0, 20.0, 0.5)
    assert "min_coverage" in r.rule.parameters and "min_coverage" in r.rule.statement
    r2 = bottlenecks(tiny, industry="semiconductors", with_trade=False, min_coverage=0.4)
    assert _groups(r2)["G03F1/00"]["candidate"] is True
    assert _groups(r2)["H01L21/00"]["outcome"] == "not a bottleneck (not weak)"


def test_thin_group_outcome_names_the_missing_counts(tiny: Store) -> None:
    r = bottlenecks(tiny, industry="semiconductors", with_trade=False, min_families=6)
    g = _groups(r)["G03F1/00"]
    assert g["outcome"] == "insufficient evidence (families 5 < 6)"


def test_real_store_cad_is_not_a_us_bottleneck(real_store: Store) -> None:
    """Issue 18, observation 2: on the real demo store G06F30/00 (CAD) was ranked first as a
    US bottleneck (held 50 % by Cadence, whose country is unknown; 116 of the 128 assignee
    rows have no country and counted as foreign). Only 1 of its 6 families has a known holder
    country, so it is not a candidate: its outcome is insufficient evidence and the unknown
    share is shown."""
    r = bottlenecks(real_store, country="US", with_trade=False)
    rows = {(x["industry"], x["cpc"]): x for x in r.table.to_pylist()}
    cad = rows[("semiconductors", "G06F30/00")]
    assert cad["rank"] is None and cad["score"] is None
    assert cad["outcome"] == "insufficient evidence (known holder country 17 % < 50 %)"
    assert cad["unknown_country_share"] == pytest.approx(5 / 6)
    assert not any(x["rank"] is not None for x in rows.values() if x["cpc"] == "G06F30/00")
    groups = r.evidence["groups"].to_pylist()
    assert not any(g["candidate"] for g in groups if g["known_country_share"] < 0.5)
    cov = {c.what: c for c in r.coverage}[COVERAGE_WHAT]
    assert cov.below and cov.share is not None and cov.share < 0.5


def test_country_share_interval(tiny: Store) -> None:
    """G03F1/00: CN holds 1 of 5 families (share 0.2). Resampling the five: no CN family
    with probability 0.8^5 ≈ 33 % (lower bound 0); three or more with ≈ 5.8 % and four or
    more with ≈ 0.7 % (upper bound 3/5)."""
    r = bottlenecks(tiny, industry="semiconductors", with_trade=False)
    g = _groups(r)["G03F1/00"]
    assert g["country_share"] == pytest.approx(0.2)
    assert (g["country_share_low"], g["country_share_high"]) == pytest.approx((0.0, 0.6))
    row = {x["cpc"]: x for x in r.table.to_pylist()}["G03F1/00"]
    assert row["country_share_high"] == pytest.approx(0.6)


_ROLLUP_SQL = """
INSERT INTO patents (patent_id, year, family_id, origin, batch_id) VALUES
 ('P16', 2020, NULL, 't', 0);
INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_group, cpc_subclass, is_first) VALUES
 ('P16', 0, 'H01L21/67', 'H01L21/00', 'H01L', true);
INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code) VALUES
 ('P16', 0, 'D', 'Delta', 'company', 'CN'), ('P16', 1, 'E', 'Echo', 'company', 'CN');
INSERT INTO organizations (org_id, name, type, country_code) VALUES
 ('OD', 'Delta', 'enterprise', 'CN'), ('OE', 'Echo', 'enterprise', 'CN'),
 ('OP', 'Dragon', 'enterprise', 'CN');
INSERT INTO org_aliases (source, source_id, org_id, method) VALUES
 ('assignee', 'D', 'OD', 'name'), ('assignee', 'E', 'OE', 'name');
INSERT INTO org_hierarchy VALUES ('OD', 'OP', 'OP', 1, 'override', 1),
 ('OE', 'OP', 'OP', 1, 'override', 1), ('OP', 'OP', 'OP', 0, 'self', 0);
"""


def test_org_level_rolls_holders_up_to_their_parent(tiny: Store) -> None:
    """Delta and Echo are subsidiaries of Dragon; P16 (H01L21/00) is held by both. H01L21/00
    then has 6 families: Beta P6; Delta P7, P8 (½ with Foxtrot), P16 (½); Echo P9, P16 (½);
    Foxtrot P8 (½), P10. Self: shares Beta 1/6, Delta 2/6, Echo 1.5/6, Foxtrot 1.5/6 → HHI
    9.5/36. Parent/top: Dragon 3.5/6 = Delta + Echo (P16 once, whole), Beta 1/6, Foxtrot
    1.5/6 → HHI 15.5/36. Country figures do not change."""
    tiny.con.execute(_ROLLUP_SQL)
    own = _groups(bottlenecks(tiny, country="CN", industry="semiconductors"))["H01L21/00"]
    assert own["families"] == 6
    assert own["hhi_assignee"] == pytest.approx(9.5 / 36)
    assert own["holders"] == "Delta (CN) 33%; Foxtrot (US) 25%; Echo (CN) 25%"  # tie: by id
    for level in ("parent", "top"):
        r = bottlenecks(tiny, country="CN", industry="semiconductors", org_level=level)
        up = _groups(r)["H01L21/00"]
        assert up["hhi_assignee"] == pytest.approx(15.5 / 36)
        assert up["holders"] == "Dragon (CN) 58%; Foxtrot (US) 25%; Beta (JP) 17%"
        assert up["top_share"] == pytest.approx(1.0)
        for col in ("families", "hhi_country", "rta", "country_share"):
            assert up[col] == pytest.approx(own[col]), col
        assert r.rule.parameters["org_level"] == level
        assert r.rule.statement.startswith("Organisations rolled up to")
        assert f"(org level {level})" in r.rule.statement
    with pytest.raises(InputError, match="org_level"):
        bottlenecks(tiny, country="CN", org_level="group")


def test_patent_unit_counts_patents_or_families(tiny: Store) -> None:
    """P4 and P5 are one family F1: G03F7/00 has 5 families, 6 patents (Alpha 3 of 6)."""
    fam = bottlenecks(tiny, country="CN", industry="semiconductors")
    pat = bottlenecks(tiny, country="CN", industry="semiconductors", patent_unit="patent")
    assert _groups(fam)["G03F7/00"]["families"] == 5
    a = _groups(pat)["G03F7/00"]
    assert a["families"] == 6
    assert a["holders"] == "Alpha (NL) 50%; Beta (JP) 33%; Gamma (JP) 17%"
    assert fam.rule.parameters["patent_unit"] == "family"
    assert pat.rule.parameters["patent_unit"] == "patent"
    assert any("counted one by one" in c for c in pat.caveats)
    with pytest.raises(InputError, match="patent_unit"):
        bottlenecks(tiny, country="CN", patent_unit="invention")
