"""Exports: GraphML and GEXF parse with networkx; VOSviewer files follow the documented
column layout; CSV and the offline HTML view."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest

from forcemap.errors import InputError
from forcemap.network import (
    analyse,
    build_network,
    to_csv,
    to_gexf,
    to_graphml,
    to_html,
    to_vosviewer,
)
from forcemap.store import Store

_VOS_HEADER = [
    "id",
    "label",
    "x",
    "y",
    "cluster",
    "weight<Links>",
    "weight<Total link strength>",
    "weight<Documents>",
]


@pytest.fixture(scope="module")
def synergy_net(synergy_store_path: Path):  # type: ignore[no-untyped-def]
    with Store.open(synergy_store_path, read_only=True) as s:
        net = build_network(s)
    return net, analyse(net, measures=("leiden", "constraint", "pagerank", "coreness"))


def test_graphml_and_gexf_parse_with_networkx(synergy_net, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    net, a = synergy_net
    g = nx.read_graphml(to_graphml(net, tmp_path / "n.graphml", analysis=a))
    assert (g.number_of_nodes(), g.number_of_edges()) == (net.nodes.num_rows, net.edges.num_rows)
    nid = net.nodes["node_id"][0].as_py()
    assert g.nodes[nid]["label"] == net.nodes["label"][0].as_py()
    assert isinstance(g.nodes[nid]["pagerank"], float)
    x = nx.read_gexf(to_gexf(net, tmp_path / "n.gexf", analysis=a))
    assert (x.number_of_nodes(), x.number_of_edges()) == (net.nodes.num_rows, net.edges.num_rows)
    total = sum(d["weight"] for _, _, d in x.edges(data=True))
    assert total == pytest.approx(sum(net.edges["weight"].to_pylist()))


def test_directed_graphml(tiny_store: Store, tmp_path: Path) -> None:
    net = build_network(tiny_store, kind="org_citation")
    g = nx.read_graphml(to_graphml(net, tmp_path / "d.graphml"))
    assert g.is_directed() and g.number_of_edges() == 4
    assert nx.read_gexf(to_gexf(net, tmp_path / "d.gexf")).is_directed()


def test_vosviewer_layout(tiny_store: Store, tmp_path: Path) -> None:
    """Map: tab-separated with the documented header, ids 1..n in node order; network:
    three tab-separated columns, no header. Tiny store, co-authorship: nodes I1..I4; I1 has
    links 2 (I2, I3), total link strength 3, documents 3."""
    net = build_network(tiny_store, layers=("coauthorship",))
    a = analyse(net)
    m, n = to_vosviewer(net, tmp_path / "map.txt", tmp_path / "net.txt", analysis=a)
    rows = list(csv.reader(m.read_text(encoding="utf-8").splitlines(), delimiter="\t"))
    assert rows[0] == _VOS_HEADER
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4"]
    assert rows[1][1] == "Uni One" and rows[1][5:] == ["2", "3", "3"]
    assert all(r[4].isdigit() and int(r[4]) >= 1 for r in rows[1:])
    links = list(csv.reader(n.read_text(encoding="utf-8").splitlines(), delimiter="\t"))
    assert links == [["1", "2", "2"], ["1", "3", "1"], ["2", "3", "1"]]


def test_csv_and_html(tiny_store: Store, tmp_path: Path) -> None:
    net = build_network(tiny_store)
    a = analyse(net)
    nodes_p, edges_p = to_csv(net, tmp_path / "nodes.csv", tmp_path / "edges.csv", analysis=a)
    head = nodes_p.read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith('"node_id","label","type"') and "constraint" in head
    assert len(edges_p.read_text(encoding="utf-8").splitlines()) == 1 + net.edges.num_rows
    h = to_html(net, tmp_path / "v.html", analysis=a, color_by="community")
    text = h.read_text(encoding="utf-8")
    assert "<svg" in text and "Uni One" in text
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text and "<script src" not in text
    small = to_html(net, tmp_path / "s.html", max_nodes=2)
    assert "Showing the 2 strongest nodes" in small.read_text(encoding="utf-8")
    with pytest.raises(InputError):
        to_html(net, tmp_path / "x.html", color_by="community")
