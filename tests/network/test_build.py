"""Tests of network building: counting, normalisation, slices, resolution, real data."""

from __future__ import annotations

import gzip
import json
from itertools import combinations

import pyarrow as pa
import pytest

from forcemap._data import data_path
from forcemap.errors import InputError
from forcemap.network import association_strength, build_network, network_from_tables
from forcemap.store import Store


def _edges(net) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    return {(r["source"], r["target"]): pytest.approx(r["weight"]) for r in net.edges.to_pylist()}


def test_full_and_fractional_counting_differ(tiny_store: Store) -> None:
    """Hand count (co-authorship + co-patenting, layers pooled).

    W1 has 3 distinct institutions (I1 appears twice, counted once): each pair gets 1 (full)
    or 1/(3-1) = 0.5 (fractional). W2 has I1, I2: 1 either way. W3, W4 are single-node.
    P1 links pv:A–pv:B with 1. So full: I1–I2 = 2, I1–I3 = 1, I2–I3 = 1; fractional:
    I1–I2 = 1.5, I1–I3 = 0.5, I2–I3 = 0.5. Under fractional counting each node's strength
    per multi-node document is 1: I1 gets 1 (W1) + 1 (W2) = 2.
    """
    full = build_network(tiny_store)
    frac = build_network(tiny_store, counting="fractional")
    assert _edges(full) == {
        ("I1", "I2"): 2.0,
        ("I1", "I3"): 1.0,
        ("I2", "I3"): 1.0,
        ("pv:A", "pv:B"): 1.0,
    }
    assert _edges(frac) == {
        ("I1", "I2"): 1.5,
        ("I1", "I3"): 0.5,
        ("I2", "I3"): 0.5,
        ("pv:A", "pv:B"): 1.0,
    }
    nodes = {r["node_id"]: r for r in frac.nodes.to_pylist()}
    assert nodes["I1"]["strength"] == pytest.approx(2.0)
    assert nodes["I1"]["n_docs"] == 3 and nodes["I4"]["n_docs"] == 1
    assert nodes["I4"]["links"] == 0  # isolates are nodes
    assert full.nodes.num_rows == 6
    assert full.edges["n_docs"].to_pylist() == [2, 1, 1, 1]
    # raw types mapped: education → university, company/2 → enterprise, government → institute
    assert {k: v["type"] for k, v in nodes.items()} == {
        "I1": "university",
        "I2": "enterprise",
        "I3": "institute",
        "I4": "healthcare",
        "pv:A": "enterprise",
        "pv:B": "university",
    }
    assert "fallback" in full.meta["node_resolution"]


def test_layers_separate(tiny_store: Store) -> None:
    """combine_layers=False keeps one edge per pair and layer; layer choice filters."""
    net = build_network(tiny_store, combine_layers=False)
    assert sorted(set(net.edges["layer"].to_pylist())) == ["coauthorship", "copatenting"]
    only = build_network(tiny_store, layers=("copatenting",))
    assert _edges(only) == {("pv:A", "pv:B"): 1.0}
    assert only.nodes.num_rows == 2


def test_association_strength(tiny_store: Store) -> None:
    """a_ij = 2 m c_ij / (s_i s_j) on the co-authorship layer (full counting).

    c: I1–I2 2, I1–I3 1, I2–I3 1; s: I1 3, I2 3, I3 2; m = 4.
    a(I1,I2) = 8·2/9 = 16/9; a(I1,I3) = 8·1/6 = 4/3; a(I2,I3) = 4/3.
    """
    net = build_network(tiny_store, layers=("coauthorship",), normalise="association_strength")
    assert _edges(net) == {("I1", "I2"): 16 / 9, ("I1", "I3"): 4 / 3, ("I2", "I3"): 4 / 3}
    directed = association_strength(
        pa.table(
            {
                "source": ["a", "a", "b"],
                "target": ["b", "c", "c"],
                "layer": ["x"] * 3,
                "weight": [1.0, 1.0, 2.0],
                "n_docs": [1, 1, 1],
            }
        ),
        directed=True,
    )
    # m = 4; out(a) = 2, out(b) = 2; in(b) = 1, in(c) = 3: a→b = 4·1/(2·1) = 2
    assert directed["weight"].to_pylist() == pytest.approx([2.0, 4 / 6, 8 / 6])


def test_slices(tiny_store: Store) -> None:
    """Years keep W2–W4 (I1–I2 from W2 only); countries=DE keeps W1 whole (its foreign
    partners stay)."""
    y = build_network(tiny_store, years=(2019, 2020), layers=("coauthorship",))
    assert _edges(y) == {("I1", "I2"): 1.0}
    assert sorted(y.nodes["node_id"].to_pylist()) == ["I1", "I2", "I4"]
    c = build_network(tiny_store, countries=["DE"])
    assert _edges(c) == {("I1", "I2"): 1.0, ("I1", "I3"): 1.0, ("I2", "I3"): 1.0}
    assert build_network(tiny_store, cpc=["H01L"]).edges.num_rows == 0
    with pytest.raises(InputError):
        build_network(tiny_store, years=(2020, 2019))
    with pytest.raises(InputError):
        build_network(tiny_store, kind="nope")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        build_network(tiny_store, layers=("bogus",))


def test_org_aliases_merge_nodes(tiny_store: Store) -> None:
    """With org_aliases, I1 and I2 are one organisation O1: W1 gives O1–O3 (n = 2 distinct
    organisations, so 1 under both counting methods); W2 has only O1 (no edge)."""
    tiny_store.con.execute(
        """INSERT INTO organizations VALUES ('O1', 'Merged', 'university', 'IT', 'Rome', NULL),
                                            ('O3', 'Lab', 'institute', 'DE', 'Berlin', NULL);
           INSERT INTO org_aliases VALUES ('institution', 'I1', 'O1', 'name', NULL),
             ('institution', 'I2', 'O1', 'name', NULL), ('institution', 'I3', 'O3', 'ror', NULL)"""
    )
    for counting in ("full", "fractional"):
        net = build_network(tiny_store, layers=("coauthorship",), counting=counting)
        assert _edges(net) == {("O1", "O3"): 1.0}
    assert "org_aliases" in net.meta["node_resolution"]
    assert net.nodes["label"].to_pylist() == ["Merged", "Lab"]


def test_org_level_rolls_organisations_up(tiny_store: Store) -> None:
    """I2 (Firm Two) is a child of I1 (Uni One) by ROR: at org level parent/top they are one
    node, so W1 gives one edge I1–I3 and W2 none; at self the three edges of W1 and W2 stay.
    Hand-worked from the tiny store."""
    from forcemap.store.organizations import resolve_organizations

    tiny_store.con.execute(
        """UPDATE institutions SET ror = '01aaaaaa1' WHERE institution_id = 'I1';
           UPDATE institutions SET ror = '02bbbbbb2' WHERE institution_id = 'I2';
           INSERT INTO institution_relations VALUES
             ('ror:02bbbbbb2', 'ror:01aaaaaa1', 'parent', 'ror', 0)"""
    )
    resolve_organizations(tiny_store)
    own = build_network(tiny_store, layers=("coauthorship",))
    assert _edges(own) == {("I1", "I2"): 2.0, ("I1", "I3"): 1.0, ("I2", "I3"): 1.0}
    assert own.meta["org_level"] == "self"
    for level in ("parent", "top"):
        net = build_network(tiny_store, layers=("coauthorship",), org_level=level)
        assert _edges(net) == {("I1", "I3"): 1.0}, level
        assert net.meta["org_level"] == level
        assert f"(org level {level})" in net.meta["node_resolution"]
        assert "I2" not in net.nodes["node_id"].to_pylist()
    with pytest.raises(InputError, match="org_level"):
        build_network(tiny_store, org_level="group")


def test_citation_flows(tiny_store: Store) -> None:
    """W2 (I1, I2) cites W1 (I1, I2, I3): flows cited → citing, self-flows dropped.

    Full: I1→I2, I2→I1, I3→I1, I3→I2 = 1 each. Fractional: 1/(3·2) = 1/6 each.
    Regions: W1 {IT, DE} → W2 {IT}: DE→IT = 1 (full), 1/(2·1) = 0.5 (fractional).
    """
    full = build_network(tiny_store, kind="org_citation")
    assert _edges(full) == {
        ("I1", "I2"): 1.0,
        ("I2", "I1"): 1.0,
        ("I3", "I1"): 1.0,
        ("I3", "I2"): 1.0,
    }
    frac = build_network(tiny_store, kind="org_citation", counting="fractional")
    assert frac.edges["weight"].to_pylist() == pytest.approx([1 / 6] * 4)
    assert full.directed
    reg = build_network(tiny_store, kind="region_citation")
    assert _edges(reg) == {("DE", "IT"): 1.0}
    regf = build_network(tiny_store, kind="region_citation", counting="fractional")
    assert _edges(regf) == {("DE", "IT"): 0.5}
    # years slice the citing side only: W2 is 2019, W1 (2018) is still a cited document
    assert build_network(tiny_store, kind="org_citation", years=(2019, 2019)).edges.num_rows == 4


def test_science_technology(tiny_store: Store) -> None:
    """P1 (pv:A, pv:B) cites W1 (I1, I2, I3): 6 flows science → technology."""
    tiny_store.con.execute("INSERT INTO patent_npl VALUES ('P1', 'W1')")
    net = build_network(tiny_store, kind="science_technology")
    assert net.edges.num_rows == 6
    assert set(net.edges["source"].to_pylist()) == {"I1", "I2", "I3"}
    assert set(net.edges["target"].to_pylist()) == {"pv:A", "pv:B"}


def test_author_and_country(tiny_store: Store) -> None:
    """Authors of W1: A1..A4 (6 pairs) and W2: A1–A3 (again): A1–A3 = 2.
    Countries: W1 IT–DE (1); P1 is US only."""
    a = build_network(tiny_store, kind="author_collaboration")
    assert a.edges.num_rows == 6
    assert _edges(a)[("A1", "A3")] == 2.0
    c = build_network(tiny_store, kind="country_collaboration")
    assert _edges(c) == {("DE", "IT"): 1.0}


def test_author_network_counts_persons(tiny_store: Store) -> None:
    """With A5 recorded as the same person as A1 (person_aliases, as `forcemap resolve`
    writes it), the author network has A1 where A5 was; without aliases it is unchanged."""
    tiny_store.con.execute(
        """INSERT INTO person_aliases VALUES
           ('A1', 'A1', 'match', 0.99, NULL, 'Ann One', NULL),
           ('A5', 'A1', 'match', 0.99, NULL, 'Ann One', NULL)"""
    )
    tiny_store.con.execute(
        "INSERT INTO authorships (work_id, author_seq, author_id) VALUES ('W4', 2, 'A4')"
    )
    a = build_network(tiny_store, kind="author_collaboration")
    edges = _edges(a)
    assert ("A1", "A4") in edges and edges[("A1", "A4")] == 2.0  # W1, and W4 through A5
    assert "A5" not in a.nodes["node_id"].to_pylist()
    tiny_store.con.execute("DELETE FROM person_aliases")
    b = build_network(tiny_store, kind="author_collaboration")
    assert _edges(b)[("A4", "A5")] == 1.0 and _edges(b)[("A1", "A4")] == 1.0


def test_network_from_tables_fills_columns() -> None:
    net = network_from_tables(None, pa.table({"source": ["a"], "target": ["b"]}))
    assert net.nodes["strength"].to_pylist() == [1.0, 1.0]
    assert net.nodes["type"].to_pylist() == ["other", "other"]


def test_synergy_institution_network_matches_independent_count(synergy_store: Store) -> None:
    """Independent count in pure Python over the raw SYNERGY file: nodes are the distinct
    institution ids on works, edges the distinct unordered pairs sharing a work, and the full
    weight the number of works per pair."""
    nodes: set[str] = set()
    pairs: dict[tuple[str, str], int] = {}
    with gzip.open(data_path("demo", "synergy_v1_works.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            insts = {
                i["id"].rsplit("/", 1)[-1]
                for a in rec.get("authorships") or []
                for i in a.get("institutions") or []
                if i.get("id")
            }
            nodes |= insts
            for p in combinations(sorted(insts), 2):
                pairs[p] = pairs.get(p, 0) + 1
    net = build_network(synergy_store, layers=("coauthorship",))
    assert net.nodes.num_rows == len(nodes)
    assert net.edges.num_rows == len(pairs)
    got = dict(
        zip(
            zip(net.edges["source"].to_pylist(), net.edges["target"].to_pylist(), strict=True),
            net.edges["weight"].to_pylist(),
            strict=True,
        )
    )
    assert got == {k: float(v) for k, v in pairs.items()}
