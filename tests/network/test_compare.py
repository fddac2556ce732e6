"""Snapshots over time and comparisons between countries."""

from __future__ import annotations

import pytest

from forcemap.errors import InputError
from forcemap.network import compare_countries, compare_snapshots
from forcemap.store import Store


def test_snapshots(tiny_store: Store) -> None:
    """2018: W1 links I1, I2, I3 (triangle: all three in the main 2-core). 2019–2020: only
    I1–I2 (W2): I3 leaves the core (I1, I2 form the 1-core; I4 is an isolate)."""
    c = compare_snapshots(
        tiny_store,
        periods=[(2018, 2018), (2019, 2020)],
        layers=("coauthorship",),
        min_community_size=2,
    )
    assert c.periods["period"].to_pylist() == ["2018-2018", "2019-2020"]
    assert c.periods["n_edges"].to_pylist() == [3, 1]
    assert c.periods["max_coreness"].to_pylist() == [2, 1]
    ch = {(r["node_id"], r["change"]) for r in c.core_changes.to_pylist()}
    assert ch == {("I3", "left")}
    # {I1, I2, I3} → {I1, I2}: Jaccard 2/3, continued
    ev = c.community_changes.to_pylist()
    assert [(r["event"], round(r["jaccard"], 4)) for r in ev] == [("continued", 0.6667)]
    with pytest.raises(InputError):
        compare_snapshots(tiny_store, periods=[(2019, 2020), (2018, 2018)])


def test_countries(tiny_store: Store) -> None:
    """DE keeps W1 (3 nodes, 3 edges); IT keeps all works (4 institution nodes, 3 edges)."""
    t = compare_countries(tiny_store, countries=["IT", "DE"], layers=("coauthorship",))
    rows = {r["country_code"]: r for r in t.to_pylist()}
    assert (rows["DE"]["n_nodes"], rows["DE"]["n_edges"]) == (3, 3)
    assert (rows["IT"]["n_nodes"], rows["IT"]["n_edges"]) == (4, 3)
    assert rows["DE"]["cross_border_share"] == pytest.approx(2 / 3)
