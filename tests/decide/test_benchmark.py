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
    r = benchmark(
        tiny, country="CN", unit="field", industry="F", k=2, growth_window=3, min_impact_works=0
    )
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
    assert any("Patents are counted as families" in c for c in r.caveats)


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


# -- incomplete years (issue 18, item 6) ---------------------------------------------------
def test_real_canada_cagr_leaves_out_incomplete_years(real_store: Store) -> None:
    """Issue 18, observation 4: the real store's 2022 (56 works against 1,321 in 2020) is
    incomplete, and so is 2021 (256 works); CA's CAGR in medicine was −1 (2018–2022, nothing
    in 2022). It is now computed on 2016–2020, and the caveat says why."""
    r = benchmark(real_store, country="CA", unit="field", industry="Medicine")
    ca = next(x for x in r.table.to_pylist() if x["country"] == "CA")
    assert r.rule.parameters["incomplete_years"] == [2021, 2022]
    assert r.rule.parameters["growth_years"] == "2016–2020"
    series = {x["year"]: x for x in r.evidence["series"].to_pylist() if x["country"] == "CA"}
    assert ca["cagr"] == pytest.approx(
        (series[2020]["works_frac"] / series[2016]["works_frac"]) ** (1 / 4) - 1
    )
    assert ca["cagr"] > 0  # was −1.0 on main
    # the incomplete years stay in the series, marked partial
    assert series[2022]["partial"] and series[2021]["partial"] and not series[2020]["partial"]
    assert any(
        c.startswith("2022 looks incomplete (56 works vs 517, the median of 2019–2021)")
        and "left out of CAGR" in c
        for c in r.caveats
    )
    # the override: keep every year and the collapse comes back
    kept = benchmark(
        real_store, country="CA", unit="field", industry="Medicine", partial_years="keep"
    )
    assert next(x for x in kept.table.to_pylist() if x["country"] == "CA")["cagr"] == -1.0
    declared = benchmark(
        real_store, country="CA", unit="field", industry="Medicine", complete_through=2021
    )
    assert declared.rule.parameters["growth_years"] == "2017–2021"


# -- intervals and insufficient evidence (items 2, 3) ----------------------------------------
def test_intervals_hand_worked(tiny: Store) -> None:
    """Field G holds W6 (CN) and W7 (DE): CN's world share is ½, and resampling two works
    gives 0 (W7 twice, probability ¼), ½ or 1 (W6 twice, ¼): the 95 % interval is [0, 1].
    A figure without evidence (DE's MNCS: no NCS in G) has no interval."""
    r = benchmark(tiny, country="CN", unit="field", industry="G", k=1, min_impact_works=0)
    rows = _rows(r, "G")
    cn = rows["CN"]
    assert cn["world_share"] == pytest.approx(0.5)
    assert (cn["world_share_low"], cn["world_share_high"]) == (0.0, 1.0)
    assert rows["DE"]["mncs"] is None and rows["DE"]["mncs_low"] is None
    f = _rows(
        benchmark(tiny, country="CN", unit="field", industry="F", k=2, min_impact_works=0), "F"
    )
    for row in f.values():
        for fig in ("world_share", "pp_top10", "intl_copub_share", "industry_academia_share"):
            assert row[f"{fig}_low"] <= row[fig] + 1e-12 <= row[f"{fig}_high"] + 2e-12, fig


def test_insufficient_impact_evidence(tiny: Store) -> None:
    """CN's works of F with an NCS are W1 (½) and W2 (1): 1.5 fractional works, below the
    default minimum 50: MNCS and PP(top 10 %) are null, the row stays with its counts."""
    r = benchmark(tiny, country="CN", unit="field", industry="F", k=1)
    cn = _rows(r, "F")["CN"]
    assert cn["impact_works"] == pytest.approx(1.5)
    assert cn["impact_evidence"] == "insufficient evidence (impact works 1.5 < 50)"
    assert cn["mncs"] is None and cn["pp_top10"] is None and cn["mncs_low"] is None
    assert cn["works"] == 4 and cn["world_share"] == pytest.approx(3.5 / 5.5)
    ok = _rows(
        benchmark(tiny, country="CN", unit="field", industry="F", k=1, min_impact_works=1.5), "F"
    )
    assert ok["CN"]["impact_evidence"] == "ok" and ok["CN"]["mncs"] == pytest.approx(2 / 3)
    assert r.rule.parameters["min_impact_works"] == 50


def test_real_intervals_and_insufficient_evidence(real_store: Store) -> None:
    """On the real store the US in medicine carries intervals around each figure, and CA in
    biomedicine (28 fractional works with a citation score) no longer shows an MNCS."""
    r = benchmark(real_store, country="US", unit="field", industry="Medicine")
    us = next(x for x in r.table.to_pylist() if x["country"] == "US")
    for fig in ("world_share", "mncs", "pp_top10", "intl_copub_share"):
        assert us[f"{fig}_low"] < us[fig] < us[f"{fig}_high"], fig
    assert us["impact_evidence"] == "ok"
    assert any(c.what.startswith("works of the units with a known") for c in r.coverage)
    bio = benchmark(real_store, country="CA", industry="biomedicine")
    ca = next(x for x in bio.table.to_pylist() if x["country"] == "CA")
    assert ca["works"] == 60 and ca["impact_works"] < 50
    assert ca["impact_evidence"].startswith("insufficient evidence (impact works ")
    # main showed MNCS 2.10 and PP(top 10 %) 0.18 here, on 28 fractional works
    assert ca["mncs"] is None and ca["pp_top10"] is None


# -- year-by-year series (item 9) ------------------------------------------------------------
def test_series_hand_worked(tiny: Store) -> None:
    """Countries, 2019–2021, all works. 2019: W1 (CN ½, US ½), W2 (CN 1) → CN 1.5 of 2,
    MNCS (½·2 + 0)/1.5, both works industry–academia, W1 international. 2020: W3, W6 (CN)
    → CN 2 of 2. 2021: W4 (US ½), W5 (DE ½, FR ½), W7 (DE), W8 (CN) → CN 1 of 3.5, US ½."""
    from forcemap.decide.benchmark_series import YEARLY_SCHEMA, benchmark_series

    r = benchmark_series(tiny, units=["cn", "US"], years=(2019, 2021), min_impact_works=0)
    assert r.table.schema == YEARLY_SCHEMA
    rows = {(x["entity"], x["year"]): x for x in r.table.to_pylist()}
    assert list(rows)[:3] == [("CN", 2019), ("CN", 2020), ("CN", 2021)]
    cn19 = rows[("CN", 2019)]
    assert cn19["works"] == 2 and cn19["works_frac"] == pytest.approx(1.5)
    assert cn19["world_share"] == pytest.approx(0.75) and cn19["mncs"] == pytest.approx(2 / 3)
    assert cn19["intl_copub_share"] == pytest.approx(0.5)
    assert cn19["industry_academia_share"] == pytest.approx(1.0)
    assert rows[("CN", 2020)]["world_share"] == pytest.approx(1.0)
    assert rows[("CN", 2021)]["world_share"] == pytest.approx(1 / 3.5)
    us20 = rows[("US", 2020)]
    assert us20["works"] == 0 and us20["world_share"] == 0.0 and us20["mncs"] is None
    assert us20["intl_copub_share"] is None  # no works: no evidence, not 0
    assert rows[("US", 2021)]["world_share"] == pytest.approx(0.5 / 3.5)
    assert not any(x["partial"] for x in rows.values())
    for x in rows.values():
        if x["works"]:
            assert x["world_share_low"] <= x["world_share"] <= x["world_share_high"]
            assert x["works_frac_low"] <= x["works_frac"] <= x["works_frac_high"]
    world = r.evidence["world"].to_pylist()
    assert [(w["year"], w["works"], w["works_frac"]) for w in world] == [
        (2019, 2, 2.0), (2020, 2, 2.0), (2021, 4, 3.5)
    ]  # fmt: skip


def test_series_window_past_the_data(tiny: Store) -> None:
    """A window reaching beyond the store's years (2019–2023 over data of 2019–2021): the
    years without works are rows with no world output, so no share (not an IndexError, as
    before, and not 0); the years with data keep their figures."""
    from forcemap.decide.benchmark_series import benchmark_series

    r = benchmark_series(tiny, units=["CN"], years=(2019, 2023), min_impact_works=0)
    rows = {x["year"]: x for x in r.table.to_pylist()}
    assert sorted(rows) == [2019, 2020, 2021, 2022, 2023]
    assert rows[2021]["world_share"] == pytest.approx(1 / 3.5)
    for y in (2022, 2023):
        assert rows[y]["works"] == 0 and rows[y]["world_share"] is None


def test_series_organisations_and_authors(tiny: Store) -> None:
    """Organisations fall back on the institution: Icnu is one of two authors of W1 and W2
    (½ each) in 2019, of 2 org-weighted works. Authors are not identified in this store:
    coverage 0, below the minimum, and said."""
    from forcemap.decide.benchmark_series import benchmark_series

    r = benchmark_series(tiny, unit="organization", units=["Icnu"], years=(2019, 2019))
    x = r.table.to_pylist()[0]
    assert x["entity_name"] == "Icnu" and x["works_frac"] == pytest.approx(1.0)
    assert x["world_share"] == pytest.approx(0.5)
    assert x["impact_evidence"].startswith("insufficient evidence")
    top = benchmark_series(tiny, unit="organization", top=1, years=(2019, 2021))
    assert {y["entity"] for y in top.table.to_pylist()} == {"Icnu"}
    a = benchmark_series(tiny, unit="author", years=(2019, 2021))
    assert a.table.num_rows == 0 and a.coverage[0].known == 0 and a.coverage[0].below
    assert any("Fewer than 50 %" in c for c in a.caveats)
    with pytest.raises(InputError, match="unit="):
        benchmark_series(tiny, unit="planet")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="country"):
        benchmark_series(tiny, units=["CHN"])
    with pytest.raises(InputError, match="unknown industry"):
        benchmark_series(tiny, industry="steam_engines")
    with pytest.raises(InputError, match="partial_years"):
        benchmark_series(tiny, partial_years="drop")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="min_impact_works"):
        benchmark(tiny, min_impact_works=-1)


def test_real_series_marks_incomplete_years(real_store: Store) -> None:
    """On the real store, Canada's series keeps 2021 and 2022 and marks them partial; each
    year with works has its intervals, and MNCS only where 50 fractional works carry it."""
    from forcemap.decide.benchmark_series import benchmark_series

    r = benchmark_series(real_store, units=["CA", "US"], span=10)
    ca = {x["year"]: x for x in r.table.to_pylist() if x["entity"] == "CA"}
    assert sorted(ca) == list(range(2013, 2023))
    assert ca[2022]["partial"] and ca[2021]["partial"] and not ca[2020]["partial"]
    assert ca[2020]["impact_evidence"] == "ok" and ca[2020]["mncs_low"] is not None
    assert ca[2018]["impact_evidence"].startswith("insufficient evidence")
    assert ca[2018]["mncs"] is None and ca[2018]["world_share_low"] is not None
    assert any("kept and marked partial" in c for c in r.caveats)
    orgs = benchmark_series(real_store, unit="organization", top=2, span=3)
    assert orgs.table.num_rows == 6 and all(x["entity_name"] for x in orgs.table.to_pylist())


def test_cli_benchmark_series(real_store_path: Path) -> None:
    from typer.testing import CliRunner

    from forcemap.cli import app

    runner = CliRunner()
    res = runner.invoke(
        app,
        ["--store", str(real_store_path), "decide", "benchmark-series", "--entity", "CA",
         "--span", "3"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "2022 (partial)" in res.output and "insufficient evidence" in res.output
    bad = runner.invoke(
        app, ["--store", str(real_store_path), "decide", "benchmark-series", "--unit", "x"]
    )
    assert bad.exit_code != 0
    res = runner.invoke(
        app,
        ["--store", str(real_store_path), "decide", "benchmark", "--country", "CA", "--unit",
         "field", "--industry", "Medicine", "--partial-years", "keep"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "-1.000" in res.output


def test_series_defaults_agree_everywhere() -> None:
    """``benchmark_series``, ``forcemap decide benchmark-series`` and the web view take their
    defaults from :class:`BenchmarkSeriesParams` (as tests/decide/test_params.py checks for
    the decisions it lists)."""
    import inspect
    from dataclasses import fields

    import typer.main

    import forcemap.cli
    from forcemap.decide import params as P
    from forcemap.decide.benchmark_series import benchmark_series
    from forcemap.web.decisions import benchmark_series_view

    fd = P.defaults(P.BenchmarkSeriesParams)
    assert P.BENCHMARK_SERIES == P.BenchmarkSeriesParams()
    sig = inspect.signature(benchmark_series).parameters
    for f in fields(P.BenchmarkSeriesParams):
        assert sig[f.name].default == f.default, f.name
    view = inspect.signature(benchmark_series_view).parameters
    for name, prm in view.items():
        if name in fd:
            assert prm.default == fd[name], name
    root = typer.main.get_command(forcemap.cli.app)
    cmd = root.commands["decide"].commands["benchmark-series"]  # type: ignore[attr-defined]
    for param in cmd.params:
        if param.name in fd:
            assert param.default == fd[param.name], param.name
    for cls in (P.BenchmarkParams, P.BenchmarkSeriesParams):
        with pytest.raises(InputError, match="partial_ratio"):
            cls(partial_ratio=1.5)
        with pytest.raises(InputError, match="complete_through"):
            cls(complete_through=2020.5)  # type: ignore[arg-type]


_ROLLUP_SQL = """
INSERT INTO organizations (org_id, name, type, country_code) VALUES
 ('OU', 'CN University', 'university', 'CN'), ('OC', 'CN Lab', 'institute', 'CN'),
 ('OP', 'CN Holding', 'enterprise', 'CN');
INSERT INTO org_aliases VALUES ('institution', 'Icnu', 'OU', 'self', NULL),
 ('institution', 'Icnc', 'OC', 'self', NULL);
INSERT INTO org_hierarchy VALUES ('OU', 'OU', 'OU', 0, 'self', 0),
 ('OC', 'OP', 'OP', 1, 'override', 1), ('OP', 'OP', 'OP', 0, 'self', 0);
"""


def test_org_level_reads_the_rolled_up_type(tiny: Store) -> None:
    """Icnc resolves to CN Lab (an institute), a child of CN Holding (an enterprise). Self:
    W2 (Icnu + Icnc) is no industry–academia work, CN's F share is 1 of 4 (W1); at parent
    and top the lab counts as the enterprise and W2 is one again: 2 of 4."""
    tiny.con.execute(_ROLLUP_SQL)
    own = benchmark(tiny, country="CN", unit="field", industry="F", k=1)
    assert _rows(own, "F")["CN"]["industry_academia_share"] == pytest.approx(0.25)
    assert own.rule.parameters["org_level"] == "self"
    for level in ("parent", "top"):
        r = benchmark(tiny, country="CN", unit="field", industry="F", k=1, org_level=level)
        assert _rows(r, "F")["CN"]["industry_academia_share"] == pytest.approx(0.5)
        assert _rows(r, "F")["CN"]["works"] == _rows(own, "F")["CN"]["works"]
        assert f"(org level {level})" in r.rule.statement
        assert r.rule.parameters["org_level"] == level
    with pytest.raises(InputError, match="org_level"):
        benchmark(tiny, org_level="group")


def test_benchmark_patent_unit(tiny: Store) -> None:
    """P1 (CN) and P2 (CN + US) made one family F1: by family (default) nev_batteries holds
    F1 (CN ½, US ½) and P3 (JP), so CN has 0.5 of 2; by patent the 1.5 of 3 of
    test_hand_worked_patents."""
    tiny.con.execute("UPDATE patents SET family_id = 'F1' WHERE patent_id IN ('P1', 'P2')")
    pat = benchmark(
        tiny, country="CN", industry="nev_batteries", peers=["US"], patent_unit="patent"
    )
    cn = _rows(pat, "nev_batteries")["CN"]
    assert cn["patents"] == pytest.approx(1.5) and cn["patent_share"] == pytest.approx(0.5)
    assert pat.rule.parameters["patent_unit"] == "patent"
    assert any("counted one by one" in c for c in pat.caveats)
    fam = benchmark(tiny, country="CN", industry="nev_batteries", peers=["US"])
    cn = _rows(fam, "nev_batteries")["CN"]
    assert cn["patents"] == pytest.approx(0.5) and cn["patent_share"] == pytest.approx(0.25)
    assert fam.rule.parameters["patent_unit"] == "family"
    with pytest.raises(InputError, match="patent_unit"):
        benchmark(tiny, patent_unit="x")


def test_series_org_level_sums_the_children(tiny: Store) -> None:
    """Icnu (CN University) and Icnc (CN Lab) both roll up to CN Holding. 2019: the
    university is on W1 (½) and W2 (½), the lab on W2 (½); at parent the holding is on 2
    works (W2 once: 2 + 1 − 1) with 1.5 fractional works (1 + ½)."""
    from forcemap.decide.benchmark_series import benchmark_series

    tiny.con.execute(_ROLLUP_SQL)
    tiny.con.execute("UPDATE org_hierarchy SET parent_id = 'OP', top_id = 'OP', depth = 1 "
                     "WHERE org_id = 'OU'")  # fmt: skip
    own = benchmark_series(tiny, unit="organization", units=["OU", "OC"], years=(2019, 2019))
    rows = {x["entity"]: x for x in own.table.to_pylist()}
    assert rows["OU"]["works"] == 2 and rows["OU"]["works_frac"] == pytest.approx(1.0)
    assert rows["OC"]["works"] == 1 and rows["OC"]["works_frac"] == pytest.approx(0.5)
    for level in ("parent", "top"):
        r = benchmark_series(tiny, unit="organization", top=1, years=(2019, 2019), org_level=level)
        (x,) = r.table.to_pylist()
        assert x["entity"] == "OP" and x["entity_name"] == "CN Holding"
        assert x["works"] == 2 and x["works_frac"] == pytest.approx(1.5)
        assert x["world_share"] == pytest.approx(0.75)  # of W1 + W2 (Iusc holds ½ of W1)
        assert r.rule.parameters["org_level"] == level
        assert f"(org level {level})" in r.rule.statement
    with pytest.raises(InputError, match="org_level"):
        benchmark_series(tiny, org_level="group")
