"""Benchmark: a hand-worked store, peers and parameters, the planted world, the real sample."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forcemap.decide.benchmark import BENCHMARK_SCHEMA, SERIES_SCHEMA, WORLD_SCHEMA, benchmark
from forcemap.errors import InputError
from forcemap.store import Store

# Institutions: CN university, CN company, US company, DE university, FR government.
_INST = [
    ("Icnu", "education", "CN"),
    ("Icnc", "company", "CN"),
    ("Iusc", "company", "US"),
    ("Ideu", "education", "DE"),
    ("Ifrg", "government", "FR"),
]
# work, year, level-0 concept, authorships as (author_seq, institution or None)
_WORKS = [
    ("W1", 2019, "F", [(1, "Icnu"), (2, "Iusc")]),
    ("W2", 2019, "F", [(1, "Icnu"), (2, "Icnc")]),
    ("W3", 2020, "F", [(1, "Icnu")]),
    ("W4", 2021, "F", [(1, "Iusc"), (2, None)]),
    ("W5", 2021, "F", [(1, "Ideu"), (1, "Ifrg")]),
    ("W8", 2021, "F", [(1, "Icnu")]),
    ("W6", 2020, "G", [(1, "Icnu")]),
    ("W7", 2021, "G", [(1, "Ideu")]),
]
# Patents (nev_batteries: H01M10/052, B60L53/00; semiconductors: H01L21/67).
_PATENTS = """
INSERT INTO patents (patent_id, year, grant_date, origin, batch_id) VALUES
 ('P1', 2020, DATE '2020-01-01', 't', 0), ('P2', 2020, DATE '2020-06-01', 't', 0),
 ('P3', 2021, DATE '2021-06-01', 't', 0), ('P4', 2020, DATE '2020-01-01', 't', 0);
INSERT INTO patent_cpc (patent_id, seq, cpc_subgroup, cpc_group, cpc_subclass, is_first) VALUES
 ('P1', 0, 'H01M10/052', 'H01M10/00', 'H01M', true),
 ('P2', 0, 'H01M10/052', 'H01M10/00', 'H01M', true),
 ('P3', 0, 'B60L53/00', 'B60L53/00', 'B60L', true),
 ('P4', 0, 'H01L21/67', 'H01L21/00', 'H01L', true);
INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, country_code) VALUES
 ('P1', 0, 'a', 'A', 'CN'), ('P2', 0, 'a', 'A', 'CN'), ('P2', 1, 'b', 'B', 'US'),
 ('P3', 0, 'c', 'C', 'JP'), ('P4', 0, 'b', 'B', 'US');
INSERT INTO patent_citations VALUES ('P2', 'P1'), ('P3', 'P1'), ('P3', 'P2');
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Store]:
    """Fields F and G (2019–2021), two citing works without field or country, four patents.

    Citations: C1, C2 cite W1 → F-2019 = {W1: 2, W2: 0}: NCS 2 and 0, top-10 % shares 0.2
    and 0; F-2020 = {W3}: no NCS (mean 0), uncited: share 0; F-2021 = {W4, W5, W8} all
    uncited: share 0 each (an uncited work gets no top-10 % credit). Fractional weights:
    W1 CN ½ US ½; W4 US ½ (the second author has no country: dropped); W5 one author with
    two countries: DE ½ FR ½.
    """
    s = Store.open(tmp_path / "b.duckdb")
    for iid, typ, cc in _INST:
        s.con.execute(
            "INSERT INTO institutions (institution_id, name, type, country_code, origin) "
            "VALUES (?, ?, ?, ?, 't')",
            [iid, iid, typ, cc],
        )
    cc_of = {i: c for i, _, c in _INST}
    for wid, year, field, auths in _WORKS:
        s.con.execute(
            "INSERT INTO works (work_id, year, type, origin, batch_id) "
            "VALUES (?, ?, 'article', 't', 0)",
            [wid, year],
        )
        s.con.execute("INSERT INTO work_concepts VALUES (?, ?, ?, 0, 0.9)", [wid, field, field])
        for seq, inst in auths:
            s.con.execute(
                "INSERT INTO authorships (work_id, author_seq, institution_id, country_code) "
                "VALUES (?, ?, ?, ?)",
                [wid, seq, inst, cc_of.get(inst) if inst else None],
            )
    for cid in ("C1", "C2"):
        s.con.execute(
            "INSERT INTO works (work_id, year, type, origin, batch_id) "
            "VALUES (?, 2022, 'article', 't', 0)",
            [cid],
        )
        s.con.execute("INSERT INTO work_references VALUES (?, 'W1')", [cid])
    s.con.execute(_PATENTS)
    yield s
    s.close()


def _rows(result: object, unit: str) -> dict[str, dict]:
    return {
        r["country"]: r
        for r in result.table.to_pylist()  # type: ignore[attr-defined]
        if r["unit"] == unit
    }


def test_hand_worked_field(tiny: Store) -> None:
    """Every indicator of field F for CN and its two automatic peers, by hand.

    CN: W1 ½, W2 1, W3 1, W8 1 → 4 works, 3.5 fractional of the world's 5.5 (W4 keeps ½).
    MNCS = (½·2 + 1·0) / 1.5 = ⅔ (W3 and W8 have no NCS); PP(top 10 %) = (½·0.2 + 0 +
    0) / 3.5; international: W1 of 4; industry–academia: W1 (company + education) and W2
    of 4. CAGR over 2019–2021: (1 / 1.5)^(1/2) − 1. Activity for RCA: CN F 3.5 G 1, US F 1,
    DE F ½ G 1, FR F ½; world F 5.5, G 2, total 7.5. Peers (k = 2): US (1.0), then DE
    before FR (tie at ½, by code).
    """
    r = benchmark(tiny, country="CN", unit="field", industry="F", k=2, growth_window=3)
    assert r.table.schema == BENCHMARK_SCHEMA
    rows = _rows(r, "F")
    assert list(rows) == ["CN", "US", "DE"]
    cn, us, de = rows["CN"], rows["US"], rows["DE"]
    assert cn["is_home"] and not us["is_home"] and cn["rank"] == 1 and us["rank"] == 2
    assert de["rank"] == 3 and cn["unit_name"] == "F"
    assert cn["works"] == 4 and cn["works_frac"] == pytest.approx(3.5)
    assert cn["world_share"] == pytest.approx(3.5 / 5.5)
    assert cn["mncs"] == pytest.approx(2 / 3)
    assert cn["pp_top10"] == pytest.approx(0.1 / 3.5)
    assert cn["intl_copub_share"] == pytest.approx(0.25)
    assert cn["industry_academia_share"] == pytest.approx(0.5)
    assert cn["cagr"] == pytest.approx((1 / 1.5) ** 0.5 - 1)
    assert cn["rca"] == pytest.approx((3.5 / 4.5) / (5.5 / 7.5))
    assert cn["patents"] is None and cn["rta"] is None and cn["fc5_mean"] is None
    assert us["works"] == 2 and us["works_frac"] == pytest.approx(1.0)
    assert us["mncs"] == pytest.approx(2.0) and us["pp_top10"] == pytest.approx(0.1)
    assert us["intl_copub_share"] == pytest.approx(0.5)
    assert us["industry_academia_share"] == pytest.approx(0.5)
    assert us["cagr"] == pytest.approx(0.0) and us["rca"] == pytest.approx(7.5 / 5.5)
    assert de["works"] == 1 and de["works_frac"] == pytest.approx(0.5)
    assert de["mncs"] is None and de["pp_top10"] == 0.0
    assert de["intl_copub_share"] == pytest.approx(1.0)  # one author, two countries
    assert de["industry_academia_share"] == pytest.approx(0.0)
    assert de["cagr"] is None  # nothing in 2019
    assert de["rca"] == pytest.approx((0.5 / 1.5) / (5.5 / 7.5))
    # G for CN: RCA (1/4.5)/(2/7.5); the series and the world evidence
    g = _rows(benchmark(tiny, country="CN", unit="field", industry="G", k=1), "G")
    assert g["CN"]["rca"] == pytest.approx(7.5 / 9) and list(g) == ["CN", "DE"]
    series = r.evidence["series"]
    assert series.schema == SERIES_SCHEMA
    cn_series = [(x["year"], x["works_frac"]) for x in series.to_pylist() if x["country"] == "CN"]
    assert cn_series == [(2019, 1.5), (2020, 1.0), (2021, 1.0)]
    world = r.evidence["world"]
    assert world.schema == WORLD_SCHEMA
    assert world.to_pylist() == [
        {"unit": "F", "unit_name": "F", "works": 6, "works_frac": 5.5, "patents": 0.0,
         "countries": 4}
    ]  # fmt: skip


def test_thin_evidence_and_caveats(tiny: Store) -> None:
    r = benchmark(tiny, country="CN", unit="field", industry="F", k=2, min_works=2)
    rows = _rows(r, "F")
    assert not rows["CN"]["thin_evidence"] and not rows["US"]["thin_evidence"]
    assert rows["DE"]["thin_evidence"]
    assert any("1 peer row(s)" in c for c in r.caveats)
    default = benchmark(tiny, country="CN", unit="field", industry="F")
    assert default.table["thin_evidence"].to_pylist() == [True] * default.table.num_rows
    assert any("Thin evidence: CN has fewer than 30 works in F" in c for c in default.caveats)
    assert any("institution types" in c for c in default.caveats)
    assert any("patent columns are empty" in c for c in default.caveats)
    assert default.rule.parameters["min_works"] == 30 and not default.synthetic


def test_named_peers_and_field_by_name(tiny: Store) -> None:
    r = benchmark(tiny, country="cn", unit="field", industry="F", peers=["fr", "JP", "CN"])
    rows = _rows(r, "F")
    assert list(rows) == ["CN", "FR", "JP"]  # the home country is not its own peer
    assert rows["JP"]["works"] == 0 and rows["JP"]["rank"] is None
    assert rows["JP"]["rca"] is None  # JP has no works anywhere: undefined, not 0
    assert rows["FR"]["rank"] == 3 and rows["FR"]["works_frac"] == pytest.approx(0.5)
    # all fields: F and G, X's row in each
    every = benchmark(tiny, country="CN", unit="field", k=1)
    assert sorted({x["unit"] for x in every.table.to_pylist()}) == ["F", "G"]


def test_years_window(tiny: Store) -> None:
    r = benchmark(tiny, country="CN", unit="field", industry="F", years=(2019, 2020), k=1)
    cn = _rows(r, "F")["CN"]
    assert cn["works"] == 3 and cn["works_frac"] == pytest.approx(2.5)
    # the growth window is clamped to the window's first year: (1 / 1.5)^(1/1) − 1
    assert cn["cagr"] == pytest.approx(1 / 1.5 - 1)
    assert r.rule.parameters["growth_years"] == "2019–2020"


def test_resolved_organisations_override_institution_types(tiny: Store) -> None:
    """Once Icnc resolves to an institute, W2 is no longer an industry–academia work."""
    tiny.con.execute(
        "INSERT INTO organizations (org_id, name, type, country_code) "
        "VALUES ('O1', 'CN Lab', 'institute', 'CN')"
    )
    tiny.con.execute("INSERT INTO org_aliases VALUES ('institution', 'Icnc', 'O1', 'self', NULL)")
    r = benchmark(tiny, country="CN", unit="field", industry="F", k=1)
    assert _rows(r, "F")["CN"]["industry_academia_share"] == pytest.approx(0.25)
    assert not any("institution types" in c for c in r.caveats)


def test_hand_worked_patents(tiny: Store) -> None:
    """nev_batteries: P1 CN, P2 CN + US, P3 JP; P4 (semiconductors) US.

    Fractional: CN 1.5, US 0.5, JP 1 of 3. 5-year forward citations: P1 2 (P2, P3), P2 1,
    P3 0 → CN (1·2 + ½·1) / 1.5, US 1, JP 0. RTA over both industries (total 4): CN
    (1.5/1.5)/(3/4), US (0.5/1.5)/(3/4), JP (1/1)/(3/4).
    """
    r = benchmark(tiny, country="CN", industry="nev_batteries", peers=["US", "JP"])
    rows = _rows(r, "nev_batteries")
    cn, us, jp = rows["CN"], rows["US"], rows["JP"]
    assert cn["unit_name"] == "New-energy vehicles and batteries"
    assert cn["patents"] == pytest.approx(1.5) and cn["patent_share"] == pytest.approx(0.5)
    assert us["patents"] == pytest.approx(0.5) and jp["patents"] == pytest.approx(1.0)
    assert cn["fc5_mean"] == pytest.approx(2.5 / 1.5)
    assert us["fc5_mean"] == pytest.approx(1.0) and jp["fc5_mean"] == pytest.approx(0.0)
    assert cn["rta"] == pytest.approx(4 / 3) and jp["rta"] == pytest.approx(4 / 3)
    assert us["rta"] == pytest.approx((0.5 / 1.5) / 0.75)
    assert cn["works"] == 0 and cn["rca"] is None and cn["rank"] is None
    assert any("Patents are counted one by one" in c for c in r.caveats)


def test_bad_parameters(tiny: Store) -> None:
    with pytest.raises(InputError, match="unit="):
        benchmark(tiny, unit="galaxy")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="k="):
        benchmark(tiny, k=0)
    with pytest.raises(InputError, match="growth_window"):
        benchmark(tiny, growth_window=1)
    with pytest.raises(InputError, match="country"):
        benchmark(tiny, country="CHN")
    with pytest.raises(InputError, match="unknown industry"):
        benchmark(tiny, industry="steam_engines")
    with pytest.raises(InputError, match="unknown field"):
        benchmark(tiny, unit="field", industry="Alchemy")
    with pytest.raises(InputError, match="years"):
        benchmark(tiny, years=(2021, 2019))


def test_real_sample_by_field(synergy_store: Store) -> None:
    r = benchmark(synergy_store, country="CN", unit="field", industry="Medicine")
    rows = {x["country"]: x for x in r.table.to_pylist()}
    assert "US" in rows and rows["US"]["rank"] == 1 and not rows["US"]["is_home"]
    assert len(rows) == 6 and rows["CN"]["is_home"]
    assert rows["US"]["works"] > 1000 and rows["US"]["mncs"] is not None
    assert 0 < rows["US"]["intl_copub_share"] < 1
    assert all(x["unit_name"] == "Medicine" for x in rows.values())
    assert any("institution types" in c for c in r.caveats)


@pytest.mark.slow
def test_planted_leading_country(synthetic_world: tuple[Path, dict]) -> None:
    path, planted = synthetic_world
    fact = planted["leading_country"]
    with Store.open(path, read_only=True) as s:
        r = benchmark(s, country=fact["country"], industry=fact["industry"])
    rows = _rows(r, fact["industry"])
    home = rows[fact["country"]]
    peers = [v for k, v in rows.items() if k != fact["country"]]
    assert len(peers) == 5 and home["rank"] == 1
    assert all(home["works_frac"] > p["works_frac"] for p in peers)
    assert all(home["patents"] > p["patents"] for p in peers)
    assert home["rta"] > 1 and home["rca"] > 1
    assert r.synthetic and any("SYNTHETIC" in c for c in r.caveats)
