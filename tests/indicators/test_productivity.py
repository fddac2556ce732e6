"""h-, g-, m-index tables, Lotka's law and Bradford's zones: hand-worked stores and the real
sample checked against independent counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forcemap.cli import app
from forcemap.errors import InputError
from forcemap.indicators.productivity import (
    BRADFORD_SCHEMA,
    HINDEX_SCHEMA,
    bradford,
    g_index,
    h_index,
    hindex_table,
    lotka,
)
from forcemap.store import Store


def _works(store: Store, rows: list[tuple[str, int, int | None, str, list[str]]]) -> None:
    """(work_id, year, citations, source_id, author ids)."""
    for wid, year, cites, src, authors in rows:
        store.con.execute(
            "INSERT INTO works (work_id, title, year, source_id, source_name, cited_by_count, "
            "origin, batch_id) VALUES (?, ?, ?, ?, ?, ?, 'test', 0)",
            [wid, wid, year, src, f"Journal {src}", cites],
        )
        for seq, a in enumerate(authors, start=1):
            store.con.execute(
                "INSERT INTO authorships (work_id, author_seq, author_id, author_name) "
                "VALUES (?, ?, ?, ?)",
                [wid, seq, a, a.lower()],
            )


@pytest.mark.parametrize(
    ("cites", "h", "g"),
    [
        ([10, 8, 5, 4, 3], 4, 5),
        ([0, 0, 0], 0, 0),
        ([1], 1, 1),
        ([100], 1, 1),  # g capped at the number of documents (bibliometrix)
        ([3, 3, 3], 3, 3),
        ([25, 0, 0, 0, 0, 0], 1, 5),  # 25 ≥ 5² but < 6²
        ([], 0, 0),
    ],
)
def test_h_and_g_by_hand(cites: list[int], h: int, g: int) -> None:
    assert (h_index(cites), g_index(cites)) == (h, g)


def test_hindex_table_hand_worked(store: Store) -> None:
    """Author A: citations 10, 8, 5, 4, 3 from 2016 → h 4, g 5, m = 4 / (2020 − 2016 + 1);
    one more paper of A with unknown citations is counted apart. B: one paper, 2 citations."""
    _works(
        store,
        [
            ("W1", 2016, 10, "S1", ["A", "B"]),
            ("W2", 2017, 8, "S1", ["A"]),
            ("W3", 2018, 5, "S2", ["A"]),
            ("W4", 2019, 4, "S2", ["A"]),
            ("W5", 2020, 3, "S2", ["A"]),
            ("W6", 2020, None, "S2", ["A"]),
        ],
    )
    t = hindex_table(store)
    assert t.schema == HINDEX_SCHEMA
    rows = {r["unit_id"]: r for r in t.to_pylist()}
    a = rows["A"]
    assert (a["h_index"], a["g_index"], a["documents"], a["unknown_citations"]) == (4, 5, 6, 1)
    assert a["m_index"] == pytest.approx(4 / 5) and a["citations"] == 30
    b = rows["B"]
    assert (b["h_index"], b["g_index"], b["first_year"]) == (1, 1, 2016)
    assert b["m_index"] == pytest.approx(1 / 5)
    src = {r["unit_id"]: r for r in hindex_table(store, unit="source").to_pylist()}
    assert (src["S1"]["h_index"], src["S2"]["h_index"]) == (2, 3)  # 10, 8 | 5, 4, 3
    part = {r["unit_id"]: r for r in hindex_table(store, end_year=2017).to_pylist()}
    assert part["A"]["h_index"] == 2 and part["A"]["m_index"] == pytest.approx(2 / 5)
    assert hindex_table(store, reference_year=2025).to_pylist()[0]["m_index"] == pytest.approx(
        4 / 10
    )
    assert [r["unit_id"] for r in hindex_table(store, min_documents=2).to_pylist()] == ["A"]
    with pytest.raises(InputError, match="unit must be"):
        hindex_table(store, unit="country")  # type: ignore[arg-type]  # the error is tested


def test_hindex_of_persons_on_the_real_store(real_store: Store) -> None:
    """The table's first rows agree with h computed independently from each author's works
    (the real demo store; authors are author ids there, persons not being resolved)."""
    t = hindex_table(real_store).slice(0, 5).to_pylist()
    for row in t:
        cites = [
            c
            for (c,) in real_store.con.execute(
                """SELECT w.cited_by_count FROM works AS w WHERE w.work_id IN (
                       SELECT work_id FROM authorships WHERE author_id = ?)""",
                [row["unit_id"]],
            ).fetchall()
        ]
        assert row["documents"] == len(cites)
        assert row["h_index"] == h_index([c for c in cites if c is not None])
        assert row["g_index"] == g_index([c for c in cites if c is not None])


def test_lotka_hand_worked(store: Store) -> None:
    """6 authors with one document, 2 with two, 1 with four: shares 2/3, 2/9, 1/9; the
    least-squares line through (log10 k, log10 f) has slope −1.2925 and intercept −0.2054."""
    rows = [(f"W{i}", 2020, 1, "S1", [f"A{i}"]) for i in range(6)]
    rows += [("X1", 2020, 1, "S1", ["B1", "B2", "C"]), ("X2", 2020, 1, "S1", ["B1", "B2", "C"])]
    rows += [("X3", 2020, 1, "S1", ["C"]), ("X4", 2020, 1, "S1", ["C"])]
    _works(store, rows)
    t = lotka(store)
    assert t.column("n_documents").to_pylist() == [1, 2, 4]
    assert t.column("n_authors").to_pylist() == [6, 2, 1]
    assert t.column("share").to_pylist() == pytest.approx([2 / 3, 2 / 9, 1 / 9])
    fit = json.loads(t.schema.metadata[b"lotka"])
    x, y = np.log10([1, 2, 4]), np.log10([2 / 3, 2 / 9, 1 / 9])
    slope, intercept = np.polyfit(x, y, 1)
    assert fit["beta"] == pytest.approx(-slope) and fit["beta"] == pytest.approx(1.2925, abs=1e-4)
    assert fit["c"] == pytest.approx(10**intercept)
    assert t.column("lotka_share").to_pylist() == pytest.approx(
        [10**intercept * k**-2 for k in (1, 2, 4)]
    )
    assert 0 <= fit["p_value"] <= 1 and fit["authors"] == 9


def test_lotka_with_one_level_is_unknown(store: Store) -> None:
    _works(store, [("W1", 2020, 1, "S1", ["A", "B"])])
    fit = json.loads(lotka(store).schema.metadata[b"lotka"])
    assert fit["beta"] is None and fit["p_value"] is None and fit["authors"] == 2


def test_bradford_hand_worked(store: Store) -> None:
    """5, 3, 2, 1, 1 documents (N = 12; cumulative 5, 8, 10, 11, 12): a = 1 (none < 3.96),
    b = 3 (two < 8.04): zones 1, 2, 2, 3, 3; ties ranked by name."""
    rows = []
    for src, n in (("S5", 5), ("S3", 3), ("S2", 2), ("SB", 1), ("SA", 1)):
        rows += [(f"{src}-{i}", 2020, 0, src, ["A"]) for i in range(n)]
    _works(store, rows)
    t = bradford(store)
    assert t.schema == BRADFORD_SCHEMA
    assert t.column("source_id").to_pylist() == ["S5", "S3", "S2", "SA", "SB"]
    assert t.column("cumulative").to_pylist() == [5, 8, 10, 11, 12]
    assert t.column("zone").to_pylist() == [1, 2, 2, 3, 3]


def test_bradford_zones_hold_about_a_third_each(synergy_store: Store) -> None:
    t = bradford(synergy_store)
    total = synergy_store.scalar("SELECT count(*) FROM works WHERE source_id IS NOT NULL")
    assert t.column("cumulative").to_pylist()[-1] == total
    by_zone = {z: 0 for z in (1, 2, 3)}
    for z, n in zip(t.column("zone").to_pylist(), t.column("documents").to_pylist(), strict=True):
        by_zone[z] += n
    assert all(0.2 * total < by_zone[z] < 0.5 * total for z in by_zone), by_zone


def test_cli(synergy_store_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    s = str(synergy_store_path)
    r = runner.invoke(app, ["--store", s, "indicators", "lotka", "--out", str(tmp_path / "l.csv")])
    assert r.exit_code == 0, r.output
    assert "Lotka fit: beta = " in r.output and "p_value = " in r.output
    for cmd in (["hindex", "--unit", "source"], ["bradford"]):
        r = runner.invoke(app, ["--store", s, "indicators", *cmd, "--out", str(tmp_path / "x.csv")])
        assert r.exit_code == 0, r.output
