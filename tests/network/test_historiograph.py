"""Historiograph: a hand-worked store (LCS, ties at the cut, isolates, self-citations and
repeated references, the slice) and the real SYNERGY sample against an independent count."""

from __future__ import annotations

from collections import Counter

import pytest

from forcemap.errors import InputError
from forcemap.network.historiograph import HIST_EDGE_SCHEMA, HIST_NODE_SCHEMA, historiograph
from forcemap.store import Store

WORKS = {"A": 2000, "B": 2001, "C": 2002, "D": 2003, "E": 2003, "F": 2004, "G": 2005}
CITES = [
    ("B", "A"), ("C", "A"), ("D", "A"), ("E", "A"), ("C", "B"), ("D", "B"), ("D", "C"),
    ("G", "F"),
    ("A", "A"),  # a self-citation: no local citation
    ("D", "A"),  # a repeated reference: counted once
    ("B", "W_OUTSIDE"),  # a reference outside the store: never local
]  # fmt: skip


def _build(store: Store) -> None:
    for wid, year in WORKS.items():
        store.con.execute(
            "INSERT INTO works (work_id, title, year, doi, cited_by_count, origin, batch_id) "
            "VALUES (?, ?, ?, ?, ?, 'test', 0)",
            [wid, f"{wid} title", year, f"10.1/{wid.lower()}", 50 if wid == "A" else None],
        )
    store.con.execute(
        "INSERT INTO authorships (work_id, author_seq, author_name) VALUES "
        "('A', 2, 'Second X'), ('A', 1, 'Smith J')"
    )
    store.con.executemany("INSERT INTO work_references VALUES (?, ?)", CITES)


def test_historiograph_hand_worked(store: Store) -> None:
    """LCS: A 4 (B, C, D, E), B 2, C 1, F 1, the rest 0."""
    _build(store)
    h = historiograph(store, top=2)
    assert h.nodes.schema == HIST_NODE_SCHEMA and h.edges.schema == HIST_EDGE_SCHEMA
    assert [(r["work_id"], r["lcs"], r["rank"]) for r in h.nodes.to_pylist()] == [
        ("A", 4, 1), ("B", 2, 2)
    ]  # fmt: skip
    a = h.nodes.to_pylist()[0]
    assert (a["label"], a["gcs"], a["doi"], a["cited_by_shown"], a["cites_shown"]) == (
        "Smith J, 2000", 50, "10.1/a", 1, 0
    )  # fmt: skip
    assert h.nodes.to_pylist()[1]["label"] == "B title"  # no author: the title
    assert h.nodes.to_pylist()[1]["gcs"] is None  # unknown global count stays unknown
    assert h.edges.to_pylist() == [
        {"source": "B", "target": "A", "source_year": 2001, "target_year": 2000}
    ]
    assert (h.meta["local_citations"], h.meta["cited_works"], h.meta["cut"]) == (8, 4, 2)
    # top 3: the cut is LCS 1, so C and F tie and both are kept; F (cited by G only, not
    # kept) is isolated among the kept works and dropped
    h3 = historiograph(store, top=3)
    assert [r["work_id"] for r in h3.nodes.to_pylist()] == ["A", "B", "C"]
    assert [(e["source"], e["target"]) for e in h3.edges.to_pylist()] == [
        ("B", "A"), ("C", "A"), ("C", "B")
    ]  # fmt: skip
    keep = historiograph(store, top=3, remove_isolates=False)
    assert [(r["work_id"], r["rank"]) for r in keep.nodes.to_pylist()] == [
        ("A", 1), ("B", 2), ("C", 3), ("F", 3)
    ]  # fmt: skip


def test_historiograph_slice(store: Store) -> None:
    """Works of 2001–2005 only: A is out of the slice, so it is neither shown nor counted,
    and B's citation of A is not local."""
    _build(store)
    h = historiograph(store, top=2, years=(2001, 2005))
    assert [(r["work_id"], r["lcs"]) for r in h.nodes.to_pylist()] == [("B", 2), ("C", 1)]
    assert h.meta["works"] == 6 and h.meta["local_citations"] == 4
    with pytest.raises(InputError, match="top"):
        historiograph(store, top=0)
    empty = historiograph(store, years=(1990, 1991))
    assert empty.nodes.num_rows == 0 and empty.edges.num_rows == 0 and empty.meta["cut"] is None


def test_historiograph_on_synergy(synergy_store: Store) -> None:
    """LCS recounted in Python from the distinct reference pairs between stored works."""
    con = synergy_store.con
    works = {w for (w,) in con.execute("SELECT work_id FROM works").fetchall()}
    pairs = {
        (a, b)
        for a, b in con.execute("SELECT citing_id, cited_id FROM work_references").fetchall()
        if a in works and b in works and a != b
    }
    lcs = Counter(b for _, b in pairs)
    h = historiograph(synergy_store, top=20, remove_isolates=False)
    cut = sorted(lcs.values(), reverse=True)[19]
    expected = {w: n for w, n in lcs.items() if n >= cut}
    assert {r["work_id"]: r["lcs"] for r in h.nodes.to_pylist()} == expected
    assert h.meta["local_citations"] == len(pairs) and h.meta["cut"] == cut
    assert {(e["source"], e["target"]) for e in h.edges.to_pylist()} == {
        (a, b) for a, b in pairs if a in expected and b in expected
    }
    # cited works are older than (or as old as) the works citing them, almost always
    older = sum(e["target_year"] <= e["source_year"] for e in h.edges.to_pylist())
    assert older >= 0.9 * h.edges.num_rows > 0
