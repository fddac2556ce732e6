"""Tests of forcemap.indicators.impact on hand-built stores (values worked out by hand)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from forcemap.errors import InputError
from forcemap.indicators.impact import (
    AGGREGATE_SCHEMA,
    CITATION_SCHEMA,
    COUNTS_BY_YEAR_TABLE,
    FIELD_SCHEMA,
    NCS_SCHEMA,
    PERCENTILE_SCHEMA,
    aggregate_impact,
    assign_field,
    citation_basis,
    citation_counts,
    field_normalised_citation_score,
    impact_notes,
    percentile_rank,
)
from forcemap.store import Store


def _works(store: Store, rows: list[tuple[str, int | None, str | None, int | None]]) -> None:
    for wid, year, typ, cbc in rows:
        store.con.execute(
            "INSERT INTO works (work_id, year, type, cited_by_count, origin, batch_id) "
            "VALUES ($w, $y, $t, $c, 'test', 0)",
            {"w": wid, "y": year, "t": typ, "c": cbc},
        )


def _concepts(store: Store, rows: list[tuple[str, str, int, float]]) -> None:
    for wid, cid, level, score in rows:
        store.con.execute(
            "INSERT INTO work_concepts (work_id, concept_id, level, score) VALUES ($w,$c,$l,$s)",
            {"w": wid, "c": cid, "l": level, "s": score},
        )


def _refs(store: Store, rows: list[tuple[str, str]]) -> None:
    for citing, cited in rows:
        store.con.execute("INSERT INTO work_references VALUES ($a, $b)", {"a": citing, "b": cited})


def _by_id(tbl: pa.Table, key: str = "work_id") -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in tbl.to_pylist()}


@pytest.fixture
def cited(store: Store) -> Store:
    """Field C1, 2020: W1, W2, W3 (articles), W4 (review); citing works X1-X3 in field C2.

    References: X1→W1 (twice), X2→W1, X3→W1, X1→W2, W3→W2 (same year), W3→W3 (self),
    W3→Wext (outside the store), X2→W4.
    Years: X1 2021, X2 2022, X3 2026.
    """
    _works(
        store,
        [
            ("W1", 2020, "article", 10),
            ("W2", 2020, "article", 5),
            ("W3", 2020, "article", 0),
            ("W4", 2020, "review", 7),
            ("X1", 2021, "article", 0),
            ("X2", 2022, "article", 0),
            ("X3", 2026, "article", 0),
        ],
    )
    _concepts(
        store,
        [(w, "C1", 0, 0.8) for w in ("W1", "W2", "W3", "W4")]
        + [(w, "C2", 0, 0.7) for w in ("X1", "X2", "X3")]
        + [("W1", "C9", 0, 0.1)],
    )
    _refs(
        store,
        [
            ("X1", "W1"),
            ("X1", "W1"),
            ("X2", "W1"),
            ("X3", "W1"),
            ("X1", "W2"),
            ("W3", "W2"),
            ("W3", "W3"),
            ("W3", "Wext"),
            ("X2", "W4"),
        ],
    )
    return store


def test_citation_counts_windows(cited: Store) -> None:
    """All years: W1 3 (X1 once, X2, X3), W2 2 (X1, W3), W3 0 (self ignored), W4 1.

    Window 3 = (2020, 2023]: W1 loses X3 (2026) → 2; W2 loses same-year W3 → 1.
    With the publication year included, W2 is back to 2.
    """
    t = citation_counts(cited)
    assert t.schema == CITATION_SCHEMA
    c = {k: v["citations"] for k, v in _by_id(t).items()}
    assert c == {"W1": 3, "W2": 2, "W3": 0, "W4": 1, "X1": 0, "X2": 0, "X3": 0}
    assert _by_id(t)["W1"]["cited_by_count"] == 10
    c3 = {k: v["citations"] for k, v in _by_id(citation_counts(cited, window=3)).items()}
    assert (c3["W1"], c3["W2"], c3["W3"], c3["W4"]) == (2, 1, 0, 1)
    c3y = _by_id(citation_counts(cited, window=3, include_pub_year=True))
    assert c3y["W2"]["citations"] == 2


def test_citation_counts_null_year(store: Store) -> None:
    """A work without a year has no windowed count (null), but a count over all years."""
    _works(store, [("A", None, "article", 1), ("B", 2020, "article", 0)])
    _refs(store, [("B", "A")])
    assert citation_counts(store, window=2).column("citations").to_pylist() == [None, 0]
    assert citation_counts(store).column("citations").to_pylist() == [1, 0]


def test_ncs_hand_worked(cited: Store) -> None:
    """Set (C1, 2020, article) = W1, W2, W3 with 3, 2, 0 citations: mean 5/3.

    NCS = 3/(5/3) = 1.8, 2/(5/3) = 1.2, 0. W4 (review) is alone: 1/1 = 1.
    X1..X3 are uncited singletons: mean 0 → NCS null.
    """
    t = field_normalised_citation_score(cited)
    assert t.schema == NCS_SCHEMA
    r = _by_id(t)
    assert r["W1"]["field_id"] == "C1"  # C1 (0.8) beats C9 (0.1)
    assert r["W1"]["ref_n"] == 3
    assert r["W1"]["ref_mean"] == pytest.approx(5 / 3)
    assert r["W1"]["ncs"] == pytest.approx(1.8)
    assert r["W2"]["ncs"] == pytest.approx(1.2)
    assert r["W3"]["ncs"] == 0.0
    assert r["W4"]["ncs"] == pytest.approx(1.0)
    assert r["W4"]["ref_n"] == 1
    assert r["X1"]["ncs"] is None and r["X1"]["ref_mean"] == 0.0


def test_ncs_conventions(cited: Store) -> None:
    """Window 3: 2, 1, 0 → mean 1 → NCS 2, 1, 0. Source counts 10, 5, 0 → mean 5 → 2, 1, 0.

    Without the type split W4 (1 citation) joins: 3, 2, 0, 1 → mean 1.5 → W1 = 2.
    """
    r = _by_id(field_normalised_citation_score(cited, window=3))
    assert [r[w]["ncs"] for w in ("W1", "W2", "W3")] == pytest.approx([2.0, 1.0, 0.0])
    r = _by_id(field_normalised_citation_score(cited, citations="source"))
    assert [r[w]["ncs"] for w in ("W1", "W2", "W3")] == pytest.approx([2.0, 1.0, 0.0])
    r = _by_id(field_normalised_citation_score(cited, by_type=False))
    assert r["W1"]["ncs"] == pytest.approx(2.0)
    assert r["W1"]["ref_n"] == 4


def test_ncs_no_field_is_null(store: Store) -> None:
    """A work without a concept has no reference set: every reference column is null."""
    _works(store, [("A", 2020, "article", 3)])
    r = field_normalised_citation_score(store, citations="source").to_pylist()[0]
    assert r["field_id"] is None and r["ref_n"] is None and r["ncs"] is None


def test_assign_field_definitions(store: Store) -> None:
    """Highest-scoring concept of the level (ties → smallest id); the primary topic wins."""
    _concepts(
        store,
        [
            ("A", "C5", 0, 0.3),
            ("A", "C4", 0, 0.9),
            ("A", "C7", 1, 0.5),
            ("A", "C6", 1, 0.5),
            ("B", "C8", 1, 0.2),
        ],
    )
    for wid, tid, score, prim, sub, fld in [
        ("A", "T1", 0.99, False, "S1", "F1"),
        ("A", "T2", 0.50, True, "S2", "F2"),
        ("B", "T3", 0.40, None, "S3", "F3"),
        ("B", "T4", 0.60, None, "S4", "F4"),
    ]:
        store.con.execute(
            "INSERT INTO work_topics (work_id, topic_id, score, is_primary, subfield_id, "
            "field_id) VALUES ($w, $t, $s, $p, $sub, $f)",
            {"w": wid, "t": tid, "s": score, "p": prim, "sub": sub, "f": fld},
        )

    def fields(field: str) -> dict[str, str]:
        t = assign_field(store, field=field)
        assert t.schema == FIELD_SCHEMA
        return dict(zip(t["work_id"].to_pylist(), t["field_id"].to_pylist(), strict=True))

    assert fields("concept0") == {"A": "C4"}
    assert fields("concept1") == {"A": "C6", "B": "C8"}
    assert fields("topic_field") == {"A": "F2", "B": "F4"}
    assert fields("topic_subfield") == {"A": "S2", "B": "S4"}


def _source_set(store: Store, prefix: str, counts: list[int]) -> None:
    _works(store, [(f"{prefix}{i}", 2019, "article", c) for i, c in enumerate(counts)])
    _concepts(store, [(f"{prefix}{i}", prefix, 0, 1.0) for i in range(len(counts))])


def test_percentile_hand_worked(cited: Store) -> None:
    """W1, W2, W3 with 3, 2, 0 citations (n = 3): percentiles 200/3, 100/3, 0.

    Top 10 % holds 0.3 works: W1 (alone at the top) gets 0.3, the others 0; no flags.
    """
    t = percentile_rank(cited)
    assert t.schema == PERCENTILE_SCHEMA
    r = _by_id(t)
    assert [r[w]["percentile"] for w in ("W1", "W2", "W3")] == pytest.approx(
        [200 / 3, 100 / 3, 0.0]
    )
    assert [r[w]["top10_frac"] for w in ("W1", "W2", "W3")] == pytest.approx([0.3, 0, 0])
    assert r["W1"]["top1_frac"] == pytest.approx(0.03)
    assert not any(r[w]["top10"] for w in ("W1", "W2", "W3"))


def test_percentile_ties(store: Store) -> None:
    """Waltman-Schreiber ties and the "less than" percentile on sets of 10.

    Set T: 3, 3, 1, 1, 1, 0×5. Top 10 % = 1 work; the tie of two at 3 straddles it: 0.5
    each; percentile of a 3 = 8/10 = 80 (not flagged), of a 1 = 50, of a 0 = 0. Top 1 % =
    0.1 work → 0.05 each.
    Set U: 5, 0×9 → the 5 has 9/10 below: percentile 90, top10 flag, top10_frac 1; not top1.
    Set Z: 0×10 → the top-10 % boundary falls on uncited works: none gets a share (plain
    fractional assignment would give each 0.1), no flags; the cell and its 10 works are
    reported in the notes, with the 1.0 top-10 % unit withheld.
    """
    _source_set(store, "T", [3, 3, 1, 1, 1, 0, 0, 0, 0, 0])
    _source_set(store, "U", [5, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    _source_set(store, "Z", [0] * 10)
    t = percentile_rank(store, citations="source")
    r = _by_id(t)
    assert r["T0"]["percentile"] == pytest.approx(80.0)
    assert r["T2"]["percentile"] == pytest.approx(50.0)
    assert r["T9"]["percentile"] == 0.0
    assert r["T0"]["top10_frac"] == pytest.approx(0.5)
    assert r["T1"]["top10_frac"] == pytest.approx(0.5)
    assert r["T2"]["top10_frac"] == 0.0
    assert r["T0"]["top1_frac"] == pytest.approx(0.05)
    assert sum(r[f"T{i}"]["top10_frac"] for i in range(10)) == pytest.approx(1.0)
    assert not r["T0"]["top10"]
    assert r["U0"]["percentile"] == pytest.approx(90.0)
    assert r["U0"]["top10"] and not r["U0"]["top1"]
    assert r["U0"]["top10_frac"] == pytest.approx(1.0)
    assert r["U1"]["top10_frac"] == 0.0
    assert all(r[f"Z{i}"]["top10_frac"] == 0.0 for i in range(10))
    assert not any(r[f"Z{i}"]["top10"] for i in range(10))
    notes = impact_notes(t)
    assert (notes["zero_threshold_cells"], notes["zero_threshold_works"]) == ("1", "10")
    assert float(notes["zero_threshold_withheld"]) == pytest.approx(1.0)


@pytest.fixture
def authored(cited: Store) -> Store:
    """Authorships: W1 = a1 (I1, US) + a2 (I2 DE and I3 US); W2 = a3 (I2 DE);
    W3 = a1 (I1 US) + a4 (no affiliation). Aliases: I1, I3 → organisation O1.
    """
    rows = [
        ("W1", 1, "a1", "I1", "US"),
        ("W1", 2, "a2", "I2", None),  # country from the institutions table
        ("W1", 2, "a2", "I3", "US"),
        ("W2", 1, "a3", "I2", "DE"),
        ("W3", 1, "a1", "I1", "US"),
        ("W3", 2, "a4", None, None),
    ]
    for wid, seq, aid, inst, cc in rows:
        cited.con.execute(
            "INSERT INTO authorships (work_id, author_seq, author_id, institution_id, "
            "country_code) VALUES ($w, $s, $a, $i, $c)",
            {"w": wid, "s": seq, "a": aid, "i": inst, "c": cc},
        )
    for inst, cc in [("I1", "US"), ("I2", "DE"), ("I3", "US")]:
        cited.con.execute(
            "INSERT INTO institutions (institution_id, country_code, origin) "
            "VALUES ($i, $c, 'test')",
            {"i": inst, "c": cc},
        )
    for inst in ("I1", "I3"):
        cited.con.execute(
            "INSERT INTO org_aliases VALUES ('institution', $i, 'O1', 'ror', NULL)", {"i": inst}
        )
    return cited


def test_aggregate_country_full_vs_fractional(authored: Store) -> None:
    """Window 3, works of 2020. NCS: W1 2, W2 1, W3 0 (mean 1); W4 has no authors.

    top10_frac: W1 0.3 (top of a set of 3), W4 0.1 (alone) → world total 0.4.
    Fractional weights: W1: a1 → US 1/2; a2 → DE 1/4, US 1/4 ⇒ US 3/4, DE 1/4.
    W2: DE 1. W3: a1 → US 1/2; a4 has no unit, its 1/2 is dropped.
    US full: p 2, citations 2 + 0 = 2, MNCS (2 + 0)/2 = 1, p_top10 0.3, PP 0.15, share 0.75.
    US fractional: p_frac 1.25, citations 0.75·2 = 1.5, MNCS 1.5/1.25 = 1.2,
    p_top10 0.225, PP 0.18, share 0.5625.
    DE full: p 2, citations 3, MNCS 1.5, p_top10 0.3, PP 0.15.
    DE fractional: p_frac 1.25, citations 0.25·2 + 1 = 1.5, MNCS 1.2, p_top10 0.075,
    PP 0.06, share 0.1875.
    """
    kw: dict[str, Any] = {"window": 3, "start_year": 2020, "end_year": 2020}
    full = aggregate_impact(authored, by="country", **kw)
    assert full.schema == AGGREGATE_SCHEMA
    assert full["unit_id"].to_pylist() == ["DE", "US"]
    us, de = _by_id(full, "unit_id")["US"], _by_id(full, "unit_id")["DE"]
    assert (us["p"], us["p_frac"]) == (2, pytest.approx(1.25))
    assert (us["citations"], us["mncs"]) == (pytest.approx(2.0), pytest.approx(1.0))
    assert (us["p_top10"], us["pp_top10"]) == (pytest.approx(0.3), pytest.approx(0.15))
    assert us["share_top10"] == pytest.approx(0.75)
    assert (de["citations"], de["mncs"], de["p_top10"]) == pytest.approx((3.0, 1.5, 0.3))

    frac = _by_id(aggregate_impact(authored, by="country", counting="fractional", **kw), "unit_id")
    us, de = frac["US"], frac["DE"]
    assert (us["p"], us["p_frac"]) == (2, pytest.approx(1.25))
    assert [us["citations"], us["mncs"], us["p_top10"], us["pp_top10"], us["share_top10"]] == (
        pytest.approx([1.5, 1.2, 0.225, 0.18, 0.5625])
    )
    assert [de["citations"], de["mncs"], de["p_top10"], de["pp_top10"], de["share_top10"]] == (
        pytest.approx([1.5, 1.2, 0.075, 0.06, 0.1875])
    )


def test_aggregate_institution_organization_field(authored: Store) -> None:
    """Institutions: I1 = W1 (1/2) + W3 (1/2) = 1; I2 = W1 (1/4) + W2 (1) = 1.25; I3 = 1/4.

    Organisations (I1, I3 → O1; I2 unresolved stays I2): O1 = W1 (1/2 + 1/4) + W3 (1/2)
    = 1.25 with p 2. Fields: C1 holds W1..W4, one field per work, so p_frac = p = 4 and
    MNCS = (2 + 1 + 0 + 1)/4 = 1.
    """
    kw: dict[str, Any] = {"window": 3, "start_year": 2020, "end_year": 2020}
    inst = _by_id(aggregate_impact(authored, by="institution", **kw), "unit_id")
    assert {k: v["p_frac"] for k, v in inst.items()} == pytest.approx(
        {"I1": 1.0, "I2": 1.25, "I3": 0.25}
    )
    org = _by_id(aggregate_impact(authored, by="organization", **kw), "unit_id")
    assert set(org) == {"I2", "O1"}
    assert (org["O1"]["p"], org["O1"]["p_frac"]) == (2, pytest.approx(1.25))
    fld = _by_id(aggregate_impact(authored, by="field", counting="fractional", **kw), "unit_id")
    assert set(fld) == {"C1"}
    assert (fld["C1"]["p"], fld["C1"]["p_frac"], fld["C1"]["mncs"]) == (
        4,
        pytest.approx(4.0),
        pytest.approx(1.0),
    )


def test_zero_boundary_with_cited_works(store: Store) -> None:
    """A set of 20: one work cited 4 times, 19 uncited. The top 10 % holds 2 works: the cited
    work gets 1, the uncited none (plain assignment would give each 1/19); the cell and its
    19 uncited works are in the notes, with 1 top-10 % unit withheld."""
    _source_set(store, "A", [4] + [0] * 19)
    t = percentile_rank(store, citations="source")
    r = _by_id(t)
    assert r["A0"]["top10_frac"] == pytest.approx(1.0)
    assert all(r[f"A{i}"]["top10_frac"] == 0.0 for i in range(1, 20))
    notes = impact_notes(t)
    assert (notes["zero_threshold_cells"], notes["zero_threshold_works"]) == ("1", "19")
    assert float(notes["zero_threshold_withheld"]) == pytest.approx(1.0)


def test_fractional_fields_hand_worked(store: Store) -> None:
    """Works of 2019 (articles), source counts. F1: A (6), B (2); F2: C (0), D (4).
    M is in F1 (score 0.75) and F2 (0.25) with 8 citations: weights 3/4, 1/4.

    Cell F1: weights A 1, B 1, M 3/4 → mean (6 + 2 + 6)/2.75 = 14/2.75.
    Cell F2: C 1, D 1, M 1/4 → mean (0 + 4 + 2)/2.25 = 6/2.25.
    M: expected e = 3/4 · 14/2.75 + 1/4 · 6/2.25, NCS = 8/e. A is in F1 only: NCS = 6/(14/2.75).
    Percentile of M: in F1 weight 3 (A, B) of 2.75 is cited less… A 6 < 8 and B 2 < 8 → 2/2.75;
    in F2 C and D → 2/2.25; M's = 100·(3/4 · 2/2.75 + 1/4 · 2/2.25).
    Top 10 % of F1 = 0.275 of weight: M is alone at the top (weight 3/4 ≥ 0.275) → its share
    of the cell's top is 0.275/0.75; in F2 0.225/0.25. top10_frac(M) = 3/4 · 0.275/0.75 +
    1/4 · 0.225/0.25 = 0.275 + 0.225 = 0.5; the primary-field mode puts M in F1 only.
    """
    _works(
        store,
        [(w, 2019, "article", c) for w, c in (("A", 6), ("B", 2), ("C", 0), ("D", 4), ("M", 8))],
    )
    _concepts(
        store,
        [
            *[(w, "F1", 0, 0.9) for w in ("A", "B")],
            *[(w, "F2", 0, 0.9) for w in ("C", "D")],
            ("M", "F1", 0, 0.75),
            ("M", "F2", 0, 0.25),
        ],
    )
    t = field_normalised_citation_score(store, citations="source", fractional_fields=True)
    r = _by_id(t)
    e = 0.75 * 14 / 2.75 + 0.25 * 6 / 2.25
    assert r["M"]["field_id"] == "F1"
    assert r["M"]["ref_mean"] == pytest.approx(e)
    assert r["M"]["ncs"] == pytest.approx(8 / e)
    assert r["A"]["ncs"] == pytest.approx(6 / (14 / 2.75))
    assert r["M"]["ref_n"] == 3  # the cell of its heaviest field (F1) holds 3 works
    assert impact_notes(t)["fields"] == "concept0 (fractional over all fields)"
    p = _by_id(percentile_rank(store, citations="source", fractional_fields=True))
    assert p["M"]["percentile"] == pytest.approx(100 * (0.75 * 2 / 2.75 + 0.25 * 2 / 2.25))
    assert p["M"]["top10_frac"] == pytest.approx(0.5)
    assert p["C"]["top10_frac"] == 0.0  # uncited
    primary = _by_id(field_normalised_citation_score(store, citations="source"))
    assert primary["M"]["ref_mean"] == pytest.approx((6 + 2 + 8) / 3)


def test_citation_basis_auto(cited: Store) -> None:
    """``cited``: 8 of its 9 references resolve in the store → auto keeps the store's counts."""
    b = citation_basis(cited)
    assert (b.basis, b.references, b.resolved) == ("store", 9, 8)
    assert "auto" in str(b) and "8 of 9 references" in str(b)
    assert impact_notes(citation_counts(cited))["citations"] == "store"
    assert citation_basis(cited, citations="source").basis == "source"


def test_citation_basis_auto_sample(store: Store) -> None:
    """A store whose references mostly leave it, with source counts, is a sample → source."""
    _works(store, [("A", 2020, "article", 12), ("B", 2021, "article", 3)])
    _refs(store, [("B", "A"), ("B", "E1"), ("B", "E2"), ("A", "E3")])  # 1 of 4 resolves
    assert citation_basis(store).basis == "source"
    assert citation_basis(store, min_resolved=0.2).basis == "store"
    t = citation_counts(store)
    assert t["citations"].to_pylist() == [12, 3]
    assert impact_notes(t)["citations"] == "source"
    assert citation_counts(store, citations="store")["citations"].to_pylist() == [1, 0]


def test_citation_basis_auto_without_source_counts(store: Store) -> None:
    """A sample without the source's counts keeps the store's: there is nothing else."""
    _works(store, [("A", 2020, "article", None), ("B", 2021, "article", None)])
    _refs(store, [("B", "A"), ("B", "E1"), ("B", "E2")])
    assert citation_basis(store).basis == "store"


def test_windowed_source_counts(store: Store) -> None:
    """Source counts by year cover 2018-2023. Window 2 = the two years after publication.

    A (2018): 2019 + 2020 = 3 + 4 = 7; B (2021): 2022 + 2023 = 5 + 0 = 5 (a year without a
    row counts 0 inside the covered span); C (2015): its window 2016-2017 is not covered →
    unknown (null, not 0); D (2022): 2023-2024 runs past the covered years → null.
    Without the table every windowed source count is null; the notes say how many.
    """
    _works(
        store,
        [
            ("A", 2018, "article", 30),
            ("B", 2021, "article", 9),
            ("C", 2015, "article", 2),
            ("D", 2022, "article", 1),
        ],
    )
    no_table = citation_counts(store, window=2, citations="source")
    assert no_table["citations"].to_pylist() == [None] * 4
    assert impact_notes(no_table)["window_unknown"] == "4"
    assert COUNTS_BY_YEAR_TABLE == "work_counts_by_year"
    store.con.execute(
        "CREATE TABLE work_counts_by_year (work_id VARCHAR, year INTEGER, cited_by_count INTEGER)"
    )
    rows = [("A", 2018, 1), ("A", 2019, 3), ("A", 2020, 4), ("A", 2023, 9), ("B", 2022, 5)]
    rows += [("B", 2021, 2), ("D", 2023, 1)]
    store.con.executemany("INSERT INTO work_counts_by_year VALUES (?, ?, ?)", rows)
    t = citation_counts(store, window=2, citations="source")
    assert dict(zip(t["work_id"].to_pylist(), t["citations"].to_pylist(), strict=True)) == {
        "A": 7,
        "B": 5,
        "C": None,
        "D": None,
    }
    assert impact_notes(t)["window_unknown"] == "2"
    with_pub = _by_id(citation_counts(store, window=2, citations="source", include_pub_year=True))
    assert with_pub["A"]["citations"] == 8 and with_pub["B"]["citations"] == 7


def test_real_store_uncited_get_no_top10(real_store: Store) -> None:
    """Observation 3 of issue 18 on the real demo store. Before: on the store's own
    citations (21,423 of the 384,354 the source reports) 742 uncited works shared 44.5
    top-10 % units and Benin, with 0 citations, had p_top10 = 0.047.
    After: no uncited work gets top-10 % credit on either basis, the 742 works and 44.5
    units are reported, and auto takes the source's counts on this sample."""
    store_pct = percentile_rank(real_store, citations="store")
    cited0 = [r for r in store_pct.to_pylist() if r["citations"] == 0 and r["ref_n"]]
    assert cited0 and all(r["top10_frac"] == 0.0 for r in cited0)
    notes = impact_notes(store_pct)
    assert notes["zero_threshold_works"] == "742"
    assert float(notes["zero_threshold_withheld"]) == pytest.approx(44.5)
    by_country = _by_id(aggregate_impact(real_store, citations="store"), "unit_id")
    assert by_country["BJ"]["citations"] == 0 and by_country["BJ"]["p_top10"] == 0.0
    assert all(r["p_top10"] == 0 for r in by_country.values() if r["citations"] == 0)

    basis = citation_basis(real_store)
    assert basis.basis == "source"
    assert (basis.resolved, basis.references) == (21423, 261091)
    auto = aggregate_impact(real_store)
    assert impact_notes(auto)["citations"] == "source"
    bj = _by_id(auto, "unit_id")["BJ"]
    assert bj["citations"] == 17 and bj["p_top10"] == 0.0
    auto_pct = percentile_rank(real_store)
    assert all(
        r["top10_frac"] == 0.0 for r in auto_pct.to_pylist() if r["citations"] == 0 and r["ref_n"]
    )


def test_synthetic_world_keeps_store_citations(synthetic_world: tuple[Path, dict]) -> None:
    """On the synthetic world most references resolve: auto keeps the store's citations, so
    the planted facts are computed as before."""
    with Store.open(synthetic_world[0], read_only=True) as s:
        b = citation_basis(s)
        assert b.basis == "store"
        assert b.resolved_share is not None and b.resolved_share > 0.5


def test_empty_store(store: Store) -> None:
    """An empty store gives empty tables with the declared schemas."""
    assert citation_counts(store).schema == CITATION_SCHEMA
    assert citation_counts(store, window=3).num_rows == 0
    assert field_normalised_citation_score(store).num_rows == 0
    assert percentile_rank(store).schema == PERCENTILE_SCHEMA
    for by in ("country", "institution", "organization", "field"):
        t = aggregate_impact(store, by=by, counting="fractional")
        assert t.schema == AGGREGATE_SCHEMA and t.num_rows == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"field": "concept2"},
        {"citations": "scopus"},
        {"min_resolved": 1.5},
        {"window": -1},
        {"window": 2.5},
        {"by": "city"},
        {"counting": "harmonic"},
    ],
)
def test_bad_options(store: Store, kwargs: dict[str, Any]) -> None:
    """Every option outside its allow-list raises InputError."""
    with pytest.raises(InputError):
        aggregate_impact(store, **kwargs)
