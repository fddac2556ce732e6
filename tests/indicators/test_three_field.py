"""Three-field plot: a hand-worked store (top items, ties, links weighted by works, unknown
fields, persons and concept scores) and the real SYNERGY sample against an independent count."""

from __future__ import annotations

import json
from collections import Counter
from itertools import product

import pytest

from forcemap.errors import InputError
from forcemap.indicators import compute_indicator
from forcemap.indicators.three_field import THREE_FIELD_SCHEMA, three_field
from forcemap.store import Store

# work: (year, countries, topic, institutions, source)
WORKS = {
    "W1": (2020, ["FR"], "T1", ["O1"], "S1"),
    "W2": (2021, ["FR", "DE"], "T1", ["O1", "O2"], "S1"),
    "W3": (2022, ["DE"], "T2", ["O2"], None),
    "W4": (2022, [], "T3", [], None),  # no country, no institution: links nothing through them
}


def _build(store: Store) -> None:
    for wid, (year, countries, topic, insts, src) in WORKS.items():
        store.con.execute(
            "INSERT INTO works (work_id, title, year, source_id, source_name, origin, batch_id) "
            "VALUES (?, ?, ?, ?, ?, 'test', 0)",
            [wid, wid, year, src, f"Journal {src}" if src else None],
        )
        store.con.execute(
            "INSERT INTO work_topics (work_id, topic_id, name) VALUES (?, ?, ?)",
            [wid, topic, f"Topic {topic}"],
        )
        for seq, (c, i) in enumerate(zip(countries, insts, strict=True), start=1):
            store.con.execute(
                "INSERT INTO authorships (work_id, author_seq, author_id, author_name, "
                "institution_id, country_code) VALUES (?, ?, ?, ?, ?, ?)",
                [wid, seq, f"A{i}", f"Author {i}", i, c],
            )
    store.con.execute(
        "INSERT INTO institutions (institution_id, name, origin) VALUES "
        "('O1', 'Org One', 'test'), ('O2', 'Org Two', 'test')"
    )


def _links(t: object) -> dict[tuple[int, str, str], int]:
    return {(r["stage"], r["source_id"], r["target_id"]): r["weight"] for r in t.to_pylist()}  # type: ignore[attr-defined]


def test_three_field_hand_worked(store: Store) -> None:
    _build(store)
    t = three_field(store, fields=("country", "topic", "institution"))
    assert t.schema.remove_metadata() == THREE_FIELD_SCHEMA
    assert _links(t) == {
        (1, "FR", "T1"): 2, (1, "DE", "T1"): 1, (1, "DE", "T2"): 1,
        (2, "T1", "O1"): 2, (2, "T1", "O2"): 1, (2, "T2", "O2"): 1,
    }  # fmt: skip
    first = t.to_pylist()[0]
    assert (first["source_field"], first["target_field"], first["source_label"]) == (
        "country",
        "topic",
        "DE",
    )  # fmt: skip  (DE and FR both on 2 works: ranked by id, DE first)
    assert (first["source_documents"], first["source_rank"]) == (2, 1)
    o1 = next(r for r in t.to_pylist() if r["target_id"] == "O1")
    assert (o1["target_label"], o1["target_documents"], o1["source_label"]) == (
        "Org One", 2, "Topic T1"
    )  # fmt: skip
    m = json.loads(t.schema.metadata[b"three_field"])
    # T3 is a top topic (W4) but links to nothing: it is not in the table; W4 has no country
    assert m["works"] == 4 and m["works_with_field"] == [3, 4, 3] and m["items"] == [2, 3, 2]


def test_three_field_top_and_other_fields(store: Store) -> None:
    """top=1 keeps the item on most works of each field (ties by id): DE, T1, O1; sources
    and authors (persons: each author id its own person here) work the same way."""
    _build(store)
    cti = ("country", "topic", "institution")
    assert _links(three_field(store, fields=cti, top=1)) == {
        (1, "DE", "T1"): 1, (2, "T1", "O1"): 2
    }  # fmt: skip
    assert _links(three_field(store, fields=cti, top=(2, 1, 2))) == {
        (1, "DE", "T1"): 1, (1, "FR", "T1"): 2, (2, "T1", "O1"): 2, (2, "T1", "O2"): 1
    }  # fmt: skip
    t = three_field(store, fields=("author", "source", "topic"))
    assert _links(t) == {
        (1, "AO1", "S1"): 2, (1, "AO2", "S1"): 1, (2, "S1", "T1"): 2
    }  # fmt: skip
    t = three_field(store, fields=cti, start_year=2021, end_year=2021)
    assert json.loads(t.schema.metadata[b"three_field"])["works"] == 1
    with pytest.raises(InputError, match="three fields"):
        three_field(store, fields=("country", "topic"))
    with pytest.raises(InputError, match="field must be one of"):
        three_field(store, fields=("country", "keyword", "topic"))
    with pytest.raises(InputError, match="top"):
        three_field(store, top=0)


def test_three_field_on_synergy(synergy_store: Store) -> None:
    """Country → concept → source on the real sample, recounted in Python from the raw
    authorships, concepts (score ≥ 0.3) and works."""
    con = synergy_store.con
    countries: dict[str, set[str]] = {}
    for w, c in con.execute(
        "SELECT work_id, country_code FROM authorships WHERE country_code IS NOT NULL"
    ).fetchall():
        countries.setdefault(w, set()).add(c)
    concepts: dict[str, set[str]] = {}
    for w, c in con.execute(
        "SELECT work_id, concept_id FROM work_concepts WHERE score >= 0.3"
    ).fetchall():
        concepts.setdefault(w, set()).add(c)
    sources = dict(
        con.execute("SELECT work_id, source_id FROM works WHERE source_id IS NOT NULL").fetchall()
    )

    def top(items: dict[str, set[str]], n: int) -> set[str]:
        count = Counter(x for xs in items.values() for x in xs)
        return {x for x, _ in sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))[:n]}

    src_sets = {w: {s} for w, s in sources.items()}
    tc, tk, ts = top(countries, 10), top(concepts, 8), top(src_sets, 6)
    expected: Counter[tuple[int, str, str]] = Counter()
    for w in set(countries) | set(concepts):
        for c, k in product(countries.get(w, set()) & tc, concepts.get(w, set()) & tk):
            expected[(1, c, k)] += 1
        for k, s in product(concepts.get(w, set()) & tk, src_sets.get(w, set()) & ts):
            expected[(2, k, s)] += 1
    t = compute_indicator(
        synergy_store, "three-field", fields=["country", "concept", "source"], top=[10, 8, 6]
    )
    assert _links(t) == dict(expected) and t.num_rows > 20
