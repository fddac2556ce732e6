"""Catalog hygiene (forcemap.store.catalog_check): industry sizes, Jaccard overlaps, flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from forcemap.errors import InputError
from forcemap.store import Store
from forcemap.store.catalog_check import (
    CHECK_SCHEMA,
    NEAR_DUPLICATE_AT,
    OVERLAP_SCHEMA,
    check_industries,
    industry_overlap,
    load_catalog_for_check,
)
from forcemap.store.reference import IndustryCatalog, load_industry_catalog
from forcemap.store.slices import industry_works

# A planted near-duplicate (the shipped rail entry under another key) and an entry defined by
# broad concepts alone ("Engineering", level 0; "Mechanical engineering", level 1).
USER_YAML = """
industries:
  - key: rail_copy
    name: Rail transit (copy)
    cpc: [B61B, B61C, B61D, B61F, B61G, B61H, B61J, B61K, B61L, E01B, B60M, B60L5/, B60L13/,
          Y02T30/]
    topics: [T10842, T12081, T11568, T13685, T13439]
  - key: engineering_only
    name: Engineering at large
    cpc: []
    concepts: [C127413603, C78519656]
"""


def _pair(table: pa.Table, a: str, b: str) -> dict[str, Any]:
    rows = [r for r in table.to_pylist() if {r["industry_a"], r["industry_b"]} == {a, b}]
    assert len(rows) == 1
    return rows[0]


# --- hand-worked ---------------------------------------------------------------------------


def _tiny(store: Store) -> IndustryCatalog:
    """W1 rail topic; W2 rail and marine topics; W3 marine topic: rail {W1, W2}, marine
    {W2, W3}, no patents."""
    c = store.con
    c.execute(
        "INSERT INTO works (work_id, year, origin, batch_id) VALUES "
        "('W1', 2020, 't', 0), ('W2', 2020, 't', 0), ('W3', 2020, 't', 0)"
    )
    c.execute(
        "INSERT INTO work_topics VALUES "
        "('W1', 'T10842', 'x', 0.9, true, '1', '2', '3'), "
        "('W2', 'T10842', 'x', 0.9, true, '1', '2', '3'), "
        "('W2', 'T11604', 'y', 0.8, false, '1', '2', '3'), "
        "('W3', 'T11604', 'y', 0.9, true, '1', '2', '3')"
    )
    full = load_industry_catalog()
    return IndustryCatalog([full["rail"], full["marine"], full["quantum"]])


def test_jaccard_hand_worked(store: Store) -> None:
    """J(rail, marine) = |{W2}| / |{W1, W2, W3}| = 1/3; no patent anywhere: null, not 0."""
    cat = _tiny(store)
    o = industry_overlap(store, catalog=cat)
    assert o.schema == OVERLAP_SCHEMA
    assert [(r["industry_a"], r["industry_b"]) for r in o.to_pylist()] == [
        ("rail", "marine"),
        ("rail", "quantum"),
        ("marine", "quantum"),
    ]
    rm = _pair(o, "rail", "marine")
    assert (rm["works_a"], rm["works_b"], rm["shared_works"]) == (2, 2, 1)
    assert rm["jaccard_works"] == pytest.approx(1 / 3, abs=1e-12)
    assert rm["patents_a"] == rm["patents_b"] == 0 and rm["jaccard_patents"] is None
    assert rm["near_duplicate"] is False
    rq = _pair(o, "rail", "quantum")
    assert rq["jaccard_works"] == 0.0 and rq["works_b"] == 0
    # at a threshold of 0.3, 1/3 is a near-duplicate
    low = industry_overlap(store, catalog=cat, near_duplicate_at=0.3)
    assert _pair(low, "rail", "marine")["near_duplicate"] is True

    checked = check_industries(store, catalog=cat)
    assert checked.schema.remove_metadata() == CHECK_SCHEMA
    assert checked.schema.metadata == {b"near_duplicate_at": b"0.5"}
    rail = checked.to_pylist()[0]
    assert (rail["industry"], rail["works"], rail["patents"]) == ("rail", 2, 0)
    assert rail["nearest_works"] == "marine"
    assert rail["jaccard_works"] == pytest.approx(1 / 3)
    assert rail["nearest_patents"] is None and rail["jaccard_patents"] is None
    assert rail["flags"] == []
    flagged = check_industries(store, catalog=cat, near_duplicate_at=0.3).to_pylist()
    assert [len(r["flags"]) for r in flagged] == [1, 1, 0]
    assert flagged[0]["flags"][0].startswith("near-duplicate of marine on works: Jaccard 0.33")


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5])
def test_threshold_must_be_a_share(store: Store, bad: float) -> None:
    with pytest.raises(InputError, match="near_duplicate_at"):
        check_industries(store, near_duplicate_at=bad)


def test_store_level_makes_a_concept_broad(store: Store, tmp_path: Path) -> None:
    """A concept the shipped table does not know but the store records at level 1 is broad:
    an entry with only that concept is flagged broad-only."""
    store.con.execute(
        "INSERT INTO works (work_id, year, origin, batch_id) VALUES ('W1', 2020, 't', 0)"
    )
    store.con.execute("INSERT INTO work_concepts VALUES ('W1', 'C999', 'A discipline', 1, 0.9)")
    path = tmp_path / "u.yaml"
    path.write_text(
        "industries:\n  - {key: u, name: U, cpc: [], concepts: [C999]}\n", encoding="utf-8"
    )
    cat = load_catalog_for_check([path])
    row = check_industries(store, catalog=cat).to_pylist()[-1]
    assert row["industry"] == "u" and row["specific_concepts"] == 0 and row["works"] == 0
    assert row["broad_concepts"] == ["C999 (A discipline, level 1)"]
    assert len(row["flags"]) == 1 and row["flags"][0].startswith("broad-only: u ")


# --- observation 6 on the real demo store --------------------------------------------------


def test_observation_6_rail_and_marine_no_longer_share_their_works(real_store: Store) -> None:
    """Issue 18, observation 6: rail transit and marine engineering showed identical publication
    evidence because both listed "Engineering" (level 0) and "Mechanical engineering"
    (level 1). Before: rail 6 works, marine 7, 5 shared, Jaccard 0.625 (a near-duplicate).
    Now no work enters either by a broad concept, and their Jaccard is below the threshold."""
    o = industry_overlap(real_store)
    rm = _pair(o, "rail", "marine")
    assert rm["near_duplicate"] is False
    assert rm["jaccard_works"] is not None and rm["jaccard_works"] < NEAR_DUPLICATE_AT
    works = industry_works(real_store, industries=["rail", "marine"])
    rail = {
        w
        for w, i in zip(works["work_id"].to_pylist(), works["industry"].to_pylist(), strict=True)
        if i == "rail"
    }
    marine = set(works["work_id"].to_pylist()) - rail
    assert rail != marine
    # the works tagged Engineering or Mechanical engineering (score >= 0.3) that the old
    # entries pulled in: none of them is in rail or marine now unless a specific concept says so
    broad_only = {
        r[0]
        for r in real_store.sql(
            """SELECT work_id FROM work_concepts WHERE score >= 0.3
               GROUP BY 1
               HAVING bool_or(concept_id IN ('C127413603', 'C78519656'))
                  AND NOT bool_or(concept_id = 'C203635412' AND score >= 0.3)"""
        ).fetchall()
    }
    assert len(broad_only) >= 4
    assert not broad_only & (rail | marine)


def test_shipped_catalog_passes_on_the_real_store(real_store: Store) -> None:
    checked = check_industries(real_store)
    assert checked.num_rows == 12
    assert {r["industry"]: r["flags"] for r in checked.to_pylist() if r["flags"]} == {}


# --- the synthetic world ---------------------------------------------------------------------


def test_shipped_catalog_passes_on_the_synthetic_world(synthetic_world: tuple[Path, dict]) -> None:
    """No near-duplicate: every pair of industries is below 0.5 on works and on patents; rail
    and marine, which shared 2,773 works through broad concepts, now share none."""
    with Store.open(synthetic_world[0], read_only=True) as s:
        checked = check_industries(s)
        o = industry_overlap(s)
    assert {r["industry"]: r["flags"] for r in checked.to_pylist() if r["flags"]} == {}
    assert all(r["works"] > 0 and r["patents"] > 0 for r in checked.to_pylist())
    assert _pair(o, "rail", "marine")["shared_works"] == 0
    assert _pair(o, "nev_batteries", "clean_energy")["shared_works"] == 0


def test_check_flags_a_planted_near_duplicate_and_a_broad_only_entry(
    synthetic_world: tuple[Path, dict], tmp_path: Path
) -> None:
    path = tmp_path / "user.yaml"
    path.write_text(USER_YAML, encoding="utf-8")
    with pytest.raises(InputError, match=r"industry 'engineering_only'.*C127413603"):
        load_industry_catalog(path)
    cat = load_catalog_for_check([path])
    with Store.open(synthetic_world[0], read_only=True) as s:
        rows = {r["industry"]: r for r in check_industries(s, catalog=cat).to_pylist()}
    rail, copy, eng = rows["rail"], rows["rail_copy"], rows["engineering_only"]
    assert copy["works"] == rail["works"] > 0 and copy["patents"] == rail["patents"] > 0
    assert copy["nearest_works"] == "rail" and copy["jaccard_works"] == 1.0
    assert any(
        f.startswith("near-duplicate of rail_copy on works: Jaccard 1.00") for f in rail["flags"]
    )
    assert any(f.startswith("near-duplicate of rail on patents") for f in copy["flags"])
    assert eng["works"] == 0 and eng["specific_concepts"] == 0
    assert eng["broad_concepts"] == [
        "C127413603 (Engineering, level 0)",
        "C78519656 (Mechanical engineering, level 1)",
    ]
    assert [f.split(":")[0] for f in eng["flags"]] == ["broad-only"]
    # every other industry passes
    assert all(
        not r["flags"]
        for k, r in rows.items()
        if k not in {"rail", "rail_copy", "engineering_only"}
    )
