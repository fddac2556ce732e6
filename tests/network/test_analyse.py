"""Tests of network analysis: hand-checked small graphs and networkx/igraph references."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pyarrow as pa
import pytest

from forcemap.errors import InputError
from forcemap.network import (
    analyse,
    burt,
    degree_centralisation,
    leiden,
    match_communities,
    network_from_tables,
    top_brokers,
)
from forcemap.network.build import Network


def _net(
    edges: list[tuple[str, str, float]], *, directed: bool = False, nodes: pa.Table | None = None
) -> Network:
    return network_from_tables(
        nodes,
        pa.table(
            {
                "source": [a for a, _, _ in edges],
                "target": [b for _, b, _ in edges],
                "weight": [float(w) for _, _, w in edges],
            }
        ),
        directed=directed,
    )


def _nx_net(g: nx.Graph, weight: str | None) -> Network:
    return _net(
        [(str(u), str(v), d.get(weight, 1.0) if weight else 1.0) for u, v, d in g.edges(data=True)]
    )


def _col(a, name: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return dict(zip(a.nodes["node_id"].to_pylist(), a.nodes[name].to_pylist(), strict=True))


def test_star_by_hand() -> None:
    """Star c–a, c–b, c–d (weights 1). Centre: degree 3, p_cj = 1/3 and no indirect paths,
    so constraint 3·(1/3)² = 1/3 and effective size 3 − 0 = 3; leaves: constraint 1, size 1.
    Betweenness of c: the 3 leaf pairs pass through it = 3. Coreness 1 everywhere; Freeman
    centralisation (3−1)·3 / (3·2) = 1; one component of 4; no communities beyond one."""
    a = analyse(_net([("c", "a", 1), ("c", "b", 1), ("c", "d", 1)]))
    assert _col(a, "constraint") == pytest.approx({"a": 1, "b": 1, "c": 1 / 3, "d": 1})
    assert _col(a, "effective_size") == pytest.approx({"a": 1, "b": 1, "c": 3, "d": 1})
    assert _col(a, "betweenness") == pytest.approx({"a": 0, "b": 0, "c": 3, "d": 0})
    assert _col(a, "degree") == {"a": 1, "b": 1, "c": 3, "d": 1}
    assert set(_col(a, "coreness").values()) == {1}
    assert a.summary["degree_centralisation"] == 1.0
    assert a.summary["lcc_size"] == 4 and a.summary["n_components"] == 1
    assert a.summary["density"] == pytest.approx(0.5)
    assert top_brokers(a, n=1)["node_id"].to_pylist() == ["c"]
    pr = _col(a, "pagerank")
    assert sum(pr.values()) == pytest.approx(1.0)
    assert pr["c"] > pr["a"]


def test_triangle_with_weights_by_hand() -> None:
    """Triangle x–y (2), x–z (1), y–z (1). For x: p_xy = 2/3, p_xz = 1/3; p_yz = 1/3 (y's
    strengths 2 + 1), p_zy = 1/2. c_x = (2/3 + 1/3·1/2)² + (1/3 + 2/3·1/3)² = (5/6)² + (5/9)²
    = 0.694444 + 0.308642 = 1.003086. Effective size of x: m_yz = 1/2 (y's max tie is 2),
    m_zy = 1 (z's ties are 1, 1): E_x = (1 − p_xz m_yz) + (1 − p_xy m_zy)
    = (1 − 1/6) + (1 − 2/3) = 7/6. Coreness 2; one community (modularity 0)."""
    a = analyse(_net([("x", "y", 2), ("x", "z", 1), ("y", "z", 1)]))
    assert _col(a, "constraint")["x"] == pytest.approx(25 / 36 + 25 / 81)
    assert _col(a, "effective_size")["x"] == pytest.approx(7 / 6)
    assert set(_col(a, "coreness").values()) == {2}
    assert a.summary["max_coreness"] == 2 and a.summary["core_size"] == 3


def test_burt_equals_networkx_and_igraph() -> None:
    """Reference: networkx ``constraint`` and ``effective_size`` (per-node definition,
    ``nodes=list(G)``) and igraph ``Graph.constraint`` on the weighted Les Misérables graph
    and the unweighted karate club; tolerance 1e-9.

    networkx 3.6's all-nodes sparse shortcut for weighted effective size divides by the row
    maximum along the wrong axis, so the per-node path (its documented formula) is the
    reference here."""
    for g, weight in ((nx.les_miserables_graph(), "weight"), (nx.karate_club_graph(), None)):
        b = burt(_nx_net(g, weight))
        got_c = dict(zip(b["node_id"].to_pylist(), b["constraint"].to_pylist(), strict=True))
        got_e = dict(zip(b["node_id"].to_pylist(), b["effective_size"].to_pylist(), strict=True))
        ref_c = nx.constraint(g, weight=weight)
        ref_e = nx.effective_size(g, nodes=list(g), weight=weight)
        for v in g:
            assert got_c[str(v)] == pytest.approx(ref_c[v], abs=1e-9)
            assert got_e[str(v)] == pytest.approx(ref_e[v], abs=1e-9)
        h = ig.Graph.from_networkx(g)
        ic = h.constraint(weights=weight)
        names = [str(x) for x in h.vs["_nx_name"]]
        for name, c in zip(names, ic, strict=True):
            assert got_c[name] == pytest.approx(c, abs=1e-9)


def test_burt_isolate_and_directed() -> None:
    """An isolate has null constraint/effective size; a directed pair a→b, b→a is one mutual
    tie (constraint 1 each)."""
    nodes = pa.table({"node_id": ["a", "b", "z"]})
    b = burt(_net([("a", "b", 1), ("b", "a", 2)], directed=True, nodes=nodes))
    assert b["constraint"].to_pylist() == [1.0, 1.0, None]


def test_leiden_modularity_equals_networkx_and_is_seeded() -> None:
    """The modularity of forcemap's Leiden partition equals networkx's
    ``community.modularity`` of the same partition (1e-9); the same seed gives the same
    partition; a higher resolution gives at least as many communities."""
    g = nx.les_miserables_graph()
    net = _nx_net(g, "weight")
    memb, q = leiden(net, seed=3)
    ids = net.nodes["node_id"].to_pylist()
    parts: dict[int, set[str]] = {}
    for nid, c in zip(ids, memb, strict=True):
        parts.setdefault(int(c), set()).add(nid)
    assert q == pytest.approx(nx.community.modularity(g, parts.values(), weight="weight"), abs=1e-9)
    assert q > 0.5
    memb2, _ = leiden(net, seed=3)
    assert np.array_equal(memb, memb2)
    more, _ = leiden(net, seed=3, resolution=2.0)
    assert more.max() >= memb.max()
    assert list(np.bincount(memb)) == sorted(np.bincount(memb), reverse=True)  # 0 = largest


def test_community_table_internal_weight_by_hand() -> None:
    """Two triangles joined by one edge of weight 1: Leiden finds the triangles; each
    community's internal weight is the sum of its triangle's weights (1+2+3 = 6 and
    4+5+6 = 15); the bridge counts in neither."""
    net = _net(
        [
            ("a", "b", 1),
            ("b", "c", 2),
            ("a", "c", 3),
            ("x", "y", 4),
            ("y", "z", 5),
            ("x", "z", 6),
            ("c", "x", 1),
        ]
    )
    a = analyse(net, measures=("leiden",))
    comm = dict(zip(a.nodes["node_id"].to_pylist(), a.nodes["community"].to_pylist(), strict=True))
    assert comm["a"] == comm["b"] == comm["c"] != comm["x"] == comm["y"] == comm["z"]
    got = dict(
        zip(
            a.communities["community"].to_pylist(),
            a.communities["internal_weight"].to_pylist(),
            strict=True,
        )
    )
    assert got == {comm["a"]: 6.0, comm["x"]: 15.0}
    assert a.communities["size"].to_pylist() == [3, 3]


def test_pagerank_and_betweenness_equal_networkx() -> None:
    """PageRank (weighted) equals ``nx.pagerank`` (1e-6); exact betweenness equals
    ``nx.betweenness_centrality(normalized=False, weight=1/w)``; sampled betweenness with all
    nodes as sources equals the exact value."""
    g = nx.les_miserables_graph()
    net = _nx_net(g, "weight")
    a = analyse(net)
    ref = nx.pagerank(g, weight="weight", tol=1e-12)
    pr = _col(a, "pagerank")
    for v in g:
        assert pr[v] == pytest.approx(ref[v], abs=1e-6)
    for _u, _v, d in g.edges(data=True):
        d["dist"] = 1.0 / d["weight"]
    rb = nx.betweenness_centrality(g, normalized=False, weight="dist")
    bt = _col(a, "betweenness")
    for v in g:
        assert bt[v] == pytest.approx(rb[v], abs=1e-6)
    s = analyse(
        net, betweenness_exact_max_nodes=10, betweenness_samples=10_000, measures=("betweenness",)
    )
    assert s.summary["betweenness_method"] == "sampled"
    assert _col(s, "betweenness") == pytest.approx(bt)
    assert any("sampled" in n for n in s.summary["notes"])


def test_triple_helix_cross_border_and_regions() -> None:
    """Nodes: E (enterprise, CN, Shenzhen), U (university, CN, Beijing), I (institute, DE,
    Berlin). Edges E–U 3, E–I 1, U–I 1 (total 5): enterprise–university share 3/5,
    enterprise–institute 1/5, university–institute 1/5, same type 0. Cross-border: E–I and
    U–I cross (2/5); cross-region (country, city) all three differ (1)."""
    nodes = pa.table(
        {
            "node_id": ["E", "U", "I"],
            "type": ["enterprise", "university", "institute"],
            "country_code": ["CN", "CN", "DE"],
            "city": ["Shenzhen", "Beijing", "Berlin"],
        }
    )
    a = analyse(_net([("E", "U", 3), ("E", "I", 1), ("U", "I", 1)], nodes=nodes))
    s = a.summary
    assert s["enterprise_university_share"] == pytest.approx(0.6)
    assert s["enterprise_institute_share"] == pytest.approx(0.2)
    assert s["university_institute_share"] == pytest.approx(0.2)
    assert s["same_type_share"] == 0.0
    assert s["cross_border_share"] == pytest.approx(0.4)
    assert s["cross_region_share"] == pytest.approx(1.0)
    reg = {r["region"]: r for r in a.regions.to_pylist()}
    assert reg["DE"]["strength"] == 2.0 and reg["DE"]["cross_border"] == 2.0
    assert reg["CN"]["strength"] == 8.0 and reg["CN"]["cross_border"] == 2.0


def test_spillover_balance() -> None:
    """Flows (cited → citing): a(CN)→b(US) 3, b(US)→a(CN) 1, c(US)→b(US) 5 (internal).
    CN: out 3, in 1, balance (3−1)/4 = 0.5; US: out 1, in 3, balance −0.5."""
    nodes = pa.table({"node_id": ["a", "b", "c"], "country_code": ["CN", "US", "US"]})
    a = analyse(_net([("a", "b", 3), ("b", "a", 1), ("c", "b", 5)], directed=True, nodes=nodes))
    reg = {r["region"]: r for r in a.regions.to_pylist()}
    assert reg["CN"] == {"region": "CN", "out_flow": 3.0, "in_flow": 1.0, "balance": 0.5}
    assert reg["US"]["balance"] == -0.5
    # PageRank follows citations (citing → cited): equal to networkx on the reversed graph
    rev = nx.DiGraph()
    rev.add_weighted_edges_from([("b", "a", 3), ("a", "b", 1), ("b", "c", 5)])
    ref = nx.pagerank(rev, tol=1e-12)
    assert _col(a, "pagerank") == pytest.approx(ref, abs=1e-6)
    assert _col(a, "in_strength") == {"a": 1.0, "b": 8.0, "c": 0.0}


def test_core_periphery_and_components() -> None:
    """K4 (a, b, c, d) plus a tail d–e and a separate pair f–g: K4 nodes have coreness 3
    (the main core), e, f, g coreness 1; components: 5 nodes (largest = 0) and 2."""
    e = [(x, y, 1) for i, x in enumerate("abcd") for y in "abcd"[i + 1 :]]
    a = analyse(_net([*e, ("d", "e", 1), ("f", "g", 1)]))
    core = _col(a, "coreness")
    assert core == {"a": 3, "b": 3, "c": 3, "d": 3, "e": 1, "f": 1, "g": 1}
    assert [k for k, v in _col(a, "in_core").items() if v] == ["a", "b", "c", "d"]
    assert _col(a, "component") == {"a": 0, "b": 0, "c": 0, "d": 0, "e": 0, "f": 1, "g": 1}
    assert a.summary["lcc_share"] == pytest.approx(5 / 7)
    assert a.communities["size"].to_pylist()[0] >= 4


def test_degree_centralisation_and_errors() -> None:
    assert degree_centralisation(np.array([2, 2, 2])) == 0.0
    assert degree_centralisation(np.array([1, 1])) is None
    with pytest.raises(InputError):
        analyse(_net([("a", "b", 1)]), measures=("nope",))
    with pytest.raises(InputError):
        analyse(_net([("a", "b", 1)]), resolution=0)


def test_empty_network() -> None:
    net = network_from_tables(
        pa.table({"node_id": ["a"]}),
        pa.table({"source": pa.array([], pa.string()), "target": pa.array([], pa.string())}),
    )
    a = analyse(net)
    assert a.summary["n_edges"] == 0 and a.nodes["constraint"].to_pylist() == [None]


def test_match_communities_events() -> None:
    """{a,b,c,d} splits into {a,b} and {c,d} (J = 0.5 each); {x,y} continues; {p,q,r}
    dissolves; {m,n,o} is born."""
    rows = match_communities(
        {0: {"a", "b", "c", "d"}, 1: {"x", "y"}, 2: {"p", "q", "r"}},
        {0: {"a", "b"}, 1: {"c", "d"}, 2: {"x", "y"}, 3: {"m", "n", "o"}},
    )
    ev = {(r["community_from"], r["community_to"]): r["event"] for r in rows}
    assert ev == {
        (0, 0): "split",
        (0, 1): "split",
        (1, 2): "continued",
        (2, None): "dissolved",
        (None, 3): "born",
    }


def test_gatekeepers_by_hand() -> None:
    """g links a main group (a–b–c–d, a cycle) to two triangles x1–x2–x3 and y1–y2–y3 and a
    pendant p. Removing g leaves the cycle (4, the largest part), two triangles (3 each) and
    p (1, below min_group=2): cut_off(g) = 6 in 2 groups. g attaches to both a and b, so
    neither is a cut vertex; x1 and y1 each cut off the other two corners of their triangle."""
    from forcemap.network import gatekeepers

    pairs = "a-b b-c c-d d-a g-a g-b g-x1 x1-x2 x2-x3 x3-x1 g-y1 y1-y2 y2-y3 y3-y1 g-p"
    edges = [(*pair.split("-"), 1) for pair in pairs.split()]
    t = gatekeepers(_net(edges))
    assert t["node_id"].to_pylist() == ["g", "x1", "y1"]
    assert t.slice(0, 1).select(
        ["cut_off", "groups_cut_off", "largest_group_cut_off"]
    ).to_pylist() == [{"cut_off": 6, "groups_cut_off": 2, "largest_group_cut_off": 3}]
    # x1 cuts off x2–x3 (2 nodes) from everything else
    assert t["cut_off"].to_pylist()[1:] == [2, 2]
    assert gatekeepers(_net(edges), min_group=4).num_rows == 0


@pytest.mark.slow
def test_planted_broker_is_found(synthetic_world: tuple) -> None:  # type: ignore[type-arg]
    """The synthetic world's broker bridges two groups that have no other co-authorship tie.

    In the co-authorship network it is the top gatekeeper (it alone connects both groups) and
    the lowest-constraint organisation of its Leiden community. (Over the whole network,
    Burt's constraint favours hubs with hundreds of contacts; that is why gatekeepers exist.)
    """
    from forcemap.network import build_network, gatekeepers
    from forcemap.store import Store

    path, planted = synthetic_world
    fact = planted["broker_organization"]
    with Store.open(path, read_only=True) as s:
        net = build_network(s, kind="org_collaboration", layers=("coauthorship",))
    gk = gatekeepers(net, n=5).to_pylist()
    assert gk[0]["node_id"] == fact["org_id"]
    assert gk[0]["groups_cut_off"] == 2
    assert gk[0]["cut_off"] == sum(len(c) for c in fact["communities"])
    a = analyse(net)
    nodes = a.nodes.to_pylist()
    me = next(r for r in nodes if r["node_id"] == fact["org_id"])
    peers = [r for r in nodes if r["community"] == me["community"] and r["constraint"] is not None]
    assert min(peers, key=lambda r: r["constraint"])["node_id"] == fact["org_id"]
