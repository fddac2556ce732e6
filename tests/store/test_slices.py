"""Industry slices: works by concepts/topics, patents by CPC prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcemap.errors import NotFoundError
from forcemap.store import Store
from forcemap.store.reference import load_industry_catalog
from forcemap.store.slices import industry_patents, industry_works


def _setup(store: Store) -> None:
    c = store.con
    c.execute(
        "INSERT INTO works (work_id, year, origin, batch_id) VALUES "
        "('W1', 2020, 't', 0), ('W2', 2020, 't', 0), ('W3', 2020, 't', 0), ('W4', 2020, 't', 0)"
    )
    # W1: Biosimilar (biomedicine, level 2) with a high score; W2: the same concept below
    # threshold; W3: a lithography topic (semiconductors); W4: Medicine (level 0) alone
    c.execute(
        "INSERT INTO work_concepts VALUES ('W1', 'C59491497', 'Biosimilar', 2, 0.9), "
        "('W2', 'C59491497', 'Biosimilar', 2, 0.1), ('W4', 'C71924100', 'Medicine', 0, 0.9)"
    )
    c.execute("INSERT INTO work_topics VALUES ('W3', 'T11338', 'x', 0.9, true, '1', '2', '3')")
    c.execute(
        "INSERT INTO patents (patent_id, origin, batch_id) VALUES ('P1', 't', 0), "
        "('P2', 't', 0), ('P3', 't', 0)"
    )
    c.execute(
        "INSERT INTO patent_cpc VALUES "
        "('P1', 0, 'G03F7/70341', 'G03F7/00', 'G03F', 'G03', 'G', true), "
        "('P2', 0, 'A61K31/00', 'A61K31/00', 'A61K', 'A61', 'A', true), "
        "('P2', 1, 'G06N3/08', 'G06N3/00', 'G06N', 'G06', 'G', false), "
        "('P3', 0, 'H01M100/00', 'H01M100/00', 'H01M', 'H01', 'H', true)"
    )


def test_works_by_concept_score_and_topic(store: Store) -> None:
    _setup(store)
    t = industry_works(store, industries=["biomedicine", "semiconductors"])
    assert sorted(zip(t["work_id"].to_pylist(), t["industry"].to_pylist(), strict=True)) == [
        ("W1", "biomedicine"),
        ("W3", "semiconductors"),
    ]
    low = industry_works(store, industries=["biomedicine"], min_concept_score=0.05)
    assert sorted(low["work_id"].to_pylist()) == ["W1", "W2"]


def test_broad_concept_never_pulls_a_work(store: Store, tmp_path: Path) -> None:
    """W4 carries only Medicine (level 0): in no industry. A concept a user's catalog lists as
    specific but which the store records at level 1 does not pull a work either."""
    _setup(store)
    assert "W4" not in industry_works(store)["work_id"].to_pylist()
    store.con.execute(
        "INSERT INTO work_concepts VALUES ('W3', 'C999', 'Some discipline', 1, 0.9), "
        "('W2', 'C998', 'Some technique', 3, 0.9)"
    )
    path = tmp_path / "u.yaml"
    path.write_text(
        "industries:\n  - {key: u, name: U, cpc: [], concepts: [C999, C998]}\n", encoding="utf-8"
    )
    cat = load_industry_catalog(path)
    assert cat["u"].concepts == ("C999", "C998")  # unknown to the shipped broad table
    t = industry_works(store, industries=["u"], catalog=cat)
    assert t["work_id"].to_pylist() == ["W2"]


def test_patents_by_cpc_prefix_with_sub_technology(store: Store) -> None:
    _setup(store)
    t = industry_patents(store, industries=["semiconductors", "ai", "nev_batteries"])
    rows = set(
        zip(
            t["patent_id"].to_pylist(),
            t["industry"].to_pylist(),
            t["sub_technology"].to_pylist(),
            strict=True,
        )
    )
    assert ("P1", "semiconductors", "lithography") in rows
    assert any(p == "P2" and i == "ai" for p, i, _ in rows)
    # H01M100/ is not H01M10/ (the bare main group is matched with its slash)
    assert not any(p == "P3" for p, _, _ in rows)
    first = industry_patents(store, industries=["ai"], first_only=True)
    assert first.num_rows == 0


def test_unknown_industry(store: Store) -> None:
    with pytest.raises(NotFoundError, match="unknown industry nope"):
        industry_works(store, industries=["nope"])
