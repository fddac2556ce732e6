"""Positioning: a hand-worked store, threshold sensitivity, and the real SYNERGY sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcemap.decide.positioning import positioning, positioning_matrix
from forcemap.errors import InputError
from forcemap.store import Store


def _work(s: Store, wid: str, year: int, concept: str, countries: list[str]) -> None:
    s.con.execute(
        "INSERT INTO works (work_id, year, type, origin, batch_id) "
        "VALUES (?, ?, 'article', 't', 0)",
        [wid, year],
    )
    s.con.execute(
        "INSERT INTO work_concepts VALUES (?, ?, ?, 0, 0.9)", [wid, concept, f"Field {concept}"]
    )
    for seq, c in enumerate(countries, start=1):
        s.con.execute(
            "INSERT INTO authorships (work_id, author_seq, country_code) VALUES (?, ?, ?)",
            [wid, seq, c],
        )


@pytest.fixture
def tiny(tmp_path: Path) -> Store:
    """Field F, 2020: 20 works; W1 (CN) cited 4 times, W2 (CN+US) twice, 18 DE works uncited.

    Top 10 % of 20 = 2 works (Waltman–Schreiber shares): W1 → 1, W2 → 1, the tie of 18 at
    zero → 0. Fractional by authorship: CN 1 + 0.5 = 1.5, US 0.5, DE 0; world 2.
    s_CN = 0.75, s_US = 0.25 → L_CN = 100 (leading), L_US = 33.3 (catch-up), L_DE = 0.
    Field G, 2021: five DE citing works, all uncited: the top-10 % boundary falls on uncited
    works, so none has a top-10 % share (issue 18; plain fractional assignment gave each 0.1).
    """
    s = Store.open(tmp_path / "t.duckdb")
    _work(s, "W1", 2020, "F", ["CN"])
    _work(s, "W2", 2020, "F", ["CN", "US"])
    for i in range(3, 21):
        _work(s, f"W{i}", 2020, "F", ["DE"])
    for i in range(5):
        _work(s, f"C{i}", 2021, "G", ["DE"])
        s.con.execute("INSERT INTO work_references VALUES (?, 'W1')", [f"C{i}"])
        if i < 2:
            s.con.execute("INSERT INTO work_references VALUES (?, 'W2')", [f"C{i}"])
    s.con.execute("DELETE FROM work_references WHERE citing_id = 'C4'")  # W1: 4 citers
    return s


def _row(result, unit: str) -> dict:  # type: ignore[no-untyped-def]
    return next(r for r in result.table.to_pylist() if r["unit"] == unit)


def test_hand_worked_levels_and_classes(tiny: Store) -> None:
    cn = positioning(tiny, country="CN", unit="field")
    f = _row(cn, "F")
    assert f["class"] == "leading" and f["level"] == pytest.approx(100.0)
    assert f["top_works"] == pytest.approx(1.5) and f["world_top_works"] == pytest.approx(2.0)
    assert f["works"] == pytest.approx(1.5) and f["leader"] == "CN"
    assert f["years_behind"] == 0 and f["unit_name"] == "Field F"
    us = _row(positioning(tiny, country="US", unit="field"), "F")
    assert us["level"] == pytest.approx(100 / 3) and us["class"] == "catch-up"
    assert us["leader"] == "CN" and us["level_tech"] is None
    de = positioning(tiny, country="DE", unit="field")
    assert _row(de, "F")["level"] == pytest.approx(0.0)
    g = _row(de, "G")
    assert g["class"] != "leading" and g["world_top_works"] == 0.0 and g["level"] is None
    assert g["thin_evidence"] and any("Thin evidence" in c for c in de.caveats)
    assert any("5 uncited works get no top-10 % credit" in c for c in de.caveats)


def test_threshold_parameter_changes_the_class(tiny: Store) -> None:
    assert _row(positioning(tiny, country="US", unit="field"), "F")["class"] == "catch-up"
    r = positioning(tiny, country="US", unit="field", parallel_at=30.0)
    assert _row(r, "F")["class"] == "parallel"
    assert r.rule.parameters["parallel_at"] == 30.0 and "parallel_at = 30.0" in r.rule.describe()


def test_matrix_has_every_country(tiny: Store) -> None:
    m = positioning_matrix(positioning(tiny, country="CN", unit="field"))
    cells = {(r["unit"], r["country"]): r["class"] for r in m.to_pylist()}
    assert cells[("F", "CN")] == "leading" and cells[("F", "US")] == "catch-up"
    assert cells[("G", "DE")] != "leading"  # G's works are all uncited: no top-10 % evidence


def test_window_excludes_old_evidence(tiny: Store) -> None:
    r = positioning(tiny, country="CN", unit="field", end_year=2021, window=1)
    assert [x["unit"] for x in r.table.to_pylist()] == []  # CN has nothing in 2021
    assert any("no works or patents" in c for c in r.caveats)


def test_bad_parameters(tiny: Store) -> None:
    with pytest.raises(InputError, match="unit="):
        positioning(tiny, unit="galaxy")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="window"):
        positioning(tiny, window=0)


def test_real_sample_by_concept_field(synergy_store: Store) -> None:
    r = positioning(synergy_store, country="US", unit="field")
    med = next(x for x in r.table.to_pylist() if x["unit_name"] == "Medicine")
    assert med["class"] == "leading" and med["world_top_works"] > 100
    assert r.rule.parameters["years"] == "2018–2022"
    cn = positioning(synergy_store, country="CN", unit="field")
    assert {x["class"] for x in cn.table.to_pylist()} <= {"leading", "parallel", "catch-up"}
    assert any("Thin evidence" in c for c in cn.caveats)


@pytest.mark.slow
def test_planted_leading_country_is_leading(synthetic_world: tuple[Path, dict]) -> None:
    path, planted = synthetic_world
    fact = planted["leading_country"]
    with Store.open(path, read_only=True) as s:
        r = positioning(s, country=fact["country"])
    row = _row(r, fact["industry"])
    assert row["class"] == "leading" and row["level"] == pytest.approx(100.0)
    assert row["level_tech"] is not None and row["world_hv_patents"] > 0
    assert r.synthetic and any("SYNTHETIC" in c for c in r.caveats)
