"""The science-mapping pages and API (forcemap.web.mapping, mapping_api) on the SYNERGY store:
status, JSON shape, the numbers of the library functions on the same store, downloads."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from forcemap.indicators.bursts import bursts
from forcemap.indicators.productivity import bradford, hindex_table, lotka
from forcemap.network.science_maps import science_map
from forcemap.store import Store
from forcemap.web import mapping_views as mv

SUBPAGES = ("/mapping/network", "/mapping/bursts", "/mapping/laws", "/mapping/collaboration")


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_index_is_one_nav_entry_linking_the_sub_pages(client: Any) -> None:
    r = client.get("/mapping")
    assert r.status_code == 200
    nav = re.search(r"<nav>(.*?)</nav>", r.text, re.S)
    assert nav is not None
    assert nav.group(1).count('href="/mapping') == 1  # one entry, not five
    for p in SUBPAGES:
        assert f'href="{p}"' in r.text


@pytest.fixture(scope="module")
def coword(client: Any) -> dict[str, Any]:
    r = client.get("/api/v1/mapping/network?kind=coword&max_nodes=300")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_science_map_is_the_library_s(coword: dict[str, Any], synergy_store: Store) -> None:
    net = science_map(synergy_store, kind="coword", min_count=mv.MIN_COUNT["coword"])
    s = coword["summary"]
    assert coword["meta"]["min_count"] == 2 and coword["meta"]["unit"] == "concept"
    assert s["n_nodes"] == net.nodes.num_rows and s["n_edges"] == net.edges.num_rows
    assert s["works"] == net.meta["slice"]["works"]
    # the nodes drawn are the 300 strongest (ties: more documents, then id) linked to another
    lib = sorted(net.nodes.to_pylist(), key=lambda n: (-n["strength"], -n["n_docs"], n["node_id"]))
    top = {n["node_id"] for n in lib[:300]}
    among = {
        x
        for e in net.edges.to_pylist()
        if e["source"] in top and e["target"] in top
        for x in (e["source"], e["target"])
    }
    assert {n["id"] for n in coword["nodes"]} == among
    assert s["shown_nodes"] == len(coword["nodes"]) == len(among) > 250
    by_id = {n["node_id"]: n for n in lib}
    for n in coword["nodes"]:
        assert n["strength"] == pytest.approx(by_id[n["id"]]["strength"])
        assert 0.0 <= n["x"] <= 1.0 and 0.0 <= n["y"] <= 1.0
    # edges: the library's weights, only among the nodes drawn, strongest first
    weights = {(e["source"], e["target"]): e["weight"] for e in net.edges.to_pylist()}
    shown = {n["id"] for n in coword["nodes"]}
    assert 0 < len(coword["edges"]) <= mv.EDGES_PER_NODE * 300
    for e in coword["edges"]:
        assert e["source"] in shown and e["target"] in shown
        assert e["weight"] == pytest.approx(weights[(e["source"], e["target"])])
    ws = [e["weight"] for e in coword["edges"]]
    assert ws == sorted(ws, reverse=True)


def test_science_map_clusters_named_by_their_strongest_nodes(coword: dict[str, Any]) -> None:
    cl = coword["clusters"]
    assert [c["cluster"] for c in cl] == list(range(len(cl)))
    assert [c["size"] for c in cl] == sorted((c["size"] for c in cl), reverse=True)
    assert sum(c["shown"] for c in cl) == len(coword["nodes"])
    assert coword["summary"]["modularity"] > 0.2
    # the largest cluster's name starts with its strongest node (drawn: it is among the
    # strongest of the whole network)
    first = max((n for n in coword["nodes"] if n["cluster"] == 0), key=lambda n: n["strength"])
    assert cl[0]["label"].split("; ")[0] == first["label"]
    assert cl[0]["colour"] == mv.CLUSTER_COLOURS[0]


def test_science_map_is_deterministic(synergy_store: Store) -> None:
    a = mv.science_map_view(synergy_store, kind="coword", min_count=5, max_nodes=80)
    b = mv.science_map_view(synergy_store, kind="coword", min_count=5, max_nodes=80)
    assert a == b


def test_science_map_page_and_download(client: Any, coword: dict[str, Any]) -> None:
    r = client.get("/mapping/network?kind=coword&max_nodes=300")
    assert r.status_code == 200
    block = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', r.text, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    assert data["nodes"] == coword["nodes"]  # the same cached result as the API
    for src in ("/static/vendor/graphology.umd.min.js", "/static/vendor/sigma.min.js"):
        assert f'<script src="{src}">' in r.text
    d = client.get("/download/mapping/network.csv?kind=coword&max_nodes=300&table=clusters")
    assert d.status_code == 200
    rows = _csv(d.text)
    assert [int(x["cluster"]) for x in rows] == [c["cluster"] for c in coword["clusters"]]
    x = client.get("/download/mapping/network.xlsx?kind=coword&max_nodes=300")
    assert x.status_code == 200 and x.content[:2] == b"PK"


def test_science_map_coupling_aggregated_and_validation(client: Any, synergy_store: Store) -> None:
    r = client.get("/api/v1/mapping/network?kind=coupling&unit=country&max_nodes=50")
    assert r.status_code == 200, r.text
    v = r.json()
    net = science_map(synergy_store, kind="coupling", unit="country")
    assert v["summary"]["n_nodes"] == net.nodes.num_rows
    assert v["summary"]["n_edges"] == net.edges.num_rows
    assert v["meta"]["unit"] == "country" and len(v["nodes"]) == 50
    assert client.get("/api/v1/mapping/network?kind=bogus").status_code == 422
    bad = client.get("/api/v1/mapping/network?industry=no_such_industry")
    assert bad.status_code == 404 and bad.json()["ok"] is False


def test_bursts_are_the_library_s(client: Any, synergy_store: Store) -> None:
    r = client.get("/api/v1/mapping/bursts?unit=concept")
    assert r.status_code == 200, r.text
    v = r.json()
    lib = bursts(synergy_store, unit="concept").to_pylist()
    assert len(v["rows"]) == len(lib) > 0
    for a, b in zip(v["rows"], lib, strict=True):
        assert (a["unit_id"], a["start_year"], a["end_year"]) == (
            b["unit_id"],
            b["start_year"],
            b["end_year"],
        )
        assert a["weight"] == pytest.approx(b["weight"])
    y0, y1 = synergy_store.con.execute("SELECT min(year), max(year) FROM works").fetchall()[0]
    assert (v["parameters"]["start_year"], v["parameters"]["end_year"]) == (y0, y1)
    page = client.get("/mapping/bursts?unit=concept")
    assert page.status_code == 200 and 'class="fm-figure"' in page.text
    d = client.get("/download/mapping/bursts.csv?unit=concept")
    assert d.status_code == 200 and len(_csv(d.text)) == len(lib)


def test_laws_are_the_library_s(client: Any, synergy_store: Store) -> None:
    r = client.get("/api/v1/mapping/laws?top=15")
    assert r.status_code == 200, r.text
    v = r.json()
    lt = lotka(synergy_store)
    fit = json.loads(lt.schema.metadata[b"lotka"])
    for k in ("beta", "c", "r2", "p_value", "authors"):
        assert v["lotka"]["fit"][k] == pytest.approx(fit[k])
    assert [x["n_authors"] for x in v["lotka"]["rows"]] == lt["n_authors"].to_pylist()
    bt = bradford(synergy_store)
    assert len(v["bradford"]["rows"]) == bt.num_rows
    zones = v["bradford"]["zones"]
    assert [z["zone"] for z in zones] == [1, 2, 3]
    assert sum(z["sources"] for z in zones) == bt.num_rows
    assert sum(z["documents"] for z in zones) == sum(bt["documents"].to_pylist())
    for unit in ("author", "source", "institution"):
        lib = hindex_table(synergy_store, unit=unit).slice(0, 15).to_pylist()  # type: ignore[arg-type]
        got = v["hindex"][unit]
        assert [(x["unit_id"], x["h_index"], x["g_index"]) for x in got] == [
            (x["unit_id"], x["h_index"], x["g_index"]) for x in lib
        ]
    # growth: works per year, and the compound rate between the first and the last year
    per_year = synergy_store.con.execute(
        "SELECT year, count(*) FROM works WHERE year IS NOT NULL GROUP BY year ORDER BY year"
    ).fetchall()
    assert [(x["year"], x["works"]) for x in v["growth"]["rows"]] == per_year
    (a, na), (b, nb) = per_year[0], per_year[-1]
    assert v["growth"]["rate"] == pytest.approx(100 * ((nb / na) ** (1 / (b - a)) - 1))
    page = client.get("/mapping/laws?top=15")
    assert page.status_code == 200 and page.text.count('class="fm-figure"') == 3
    d = client.get("/download/mapping/laws.csv?top=15&table=hindex.author")
    assert d.status_code == 200
    assert [x["unit_id"] for x in _csv(d.text)] == [x["unit_id"] for x in v["hindex"]["author"]]
    assert client.get("/api/v1/mapping/laws?start_year=2020&end_year=2010").status_code == 422


def test_annual_growth_hand_worked(tmp_path: Any) -> None:
    """10 works in 2018, none in 2019, 40 in 2020: (40/10)^(1/2) - 1 = 100 % a year."""
    with Store.open(tmp_path / "g.duckdb") as s:
        s.con.execute(
            "INSERT INTO works (work_id, origin, batch_id, year) SELECT 'W' || i, 'test', 0, "
            "CASE WHEN i < 10 THEN 2018 ELSE 2020 END FROM range(50) AS t(i)"
        )
        g = mv.annual_growth(s)
        assert g["rows"] == [{"year": 2018, "works": 10}, {"year": 2020, "works": 40}]
        assert g["rate"] == pytest.approx(100.0)
        assert mv.annual_growth(s, start_year=2019)["rate"] is None  # one year only


def test_collaboration_counts_and_map_codes(client: Any, synergy_store: Store) -> None:
    r = client.get("/api/v1/mapping/collaboration?top_links=20")
    assert r.status_code == 200, r.text
    v = r.json()
    works = dict(
        synergy_store.con.execute(
            """SELECT country_code, count(DISTINCT work_id) FROM authorships
               WHERE country_code IS NOT NULL GROUP BY country_code"""
        ).fetchall()
    )
    assert {c["country_code"]: c["works"] for c in v["countries"]} == works
    for c in v["countries"]:
        assert c["single_country"] + c["multi_country"] == c["works"]
    us = next(c for c in v["countries"] if c["country_code"] == "US")
    assert us["iso3"] == "USA" and -125 < us["lon"] < -65 and 25 < us["lat"] < 50
    # the strongest link: the works co-authored by its two countries
    top = v["links"][0]
    pair = synergy_store.con.execute(
        """SELECT count(*) FROM (
               SELECT work_id FROM authorships WHERE country_code IN ($a, $b)
               GROUP BY work_id HAVING count(DISTINCT country_code) = 2)""",
        {"a": top["source"], "b": top["target"]},
    ).fetchall()[0][0]
    assert top["weight"] == pair and len(v["links"]) == 20
    intl = synergy_store.con.execute(
        """SELECT count(*) FILTER (WHERE k > 1) / count(*) FROM (
               SELECT work_id, count(DISTINCT country_code) AS k FROM authorships
               WHERE country_code IS NOT NULL GROUP BY work_id)"""
    ).fetchall()[0][0]
    assert v["summary"]["international_share"] == pytest.approx(intl)
    page = client.get("/mapping/collaboration?top_links=20")
    assert page.status_code == 200
    spec = json.loads(
        re.search(r'class="fm-figure">(.*?)</script>', page.text, re.S).group(1)  # type: ignore[union-attr]
    )
    assert spec["config"]["topojsonURL"] == "/static/vendor/"
    assert spec["data"][0]["type"] == "choropleth" and "USA" in spec["data"][0]["locations"]
    d = client.get("/download/mapping/collaboration.csv?top_links=20&table=countries")
    assert d.status_code == 200 and len(_csv(d.text)) == len(works)


def test_vendored_assets_are_served_locally(client: Any) -> None:
    for path, kind in (
        ("/static/vendor/sigma.min.js", "javascript"),
        ("/static/vendor/graphology.umd.min.js", "javascript"),
        ("/static/vendor/world_50m.json", "json"),
        ("/static/mapping.js", "javascript"),
    ):
        r = client.get(path)
        assert r.status_code == 200 and kind in r.headers["content-type"], path
    topo = client.get("/static/vendor/world_50m.json").json()
    for layer in ("countries", "land", "coastlines", "ocean", "lakes", "rivers", "subunits"):
        assert layer in topo["objects"]
    ids = {g.get("id") for g in topo["objects"]["countries"]["geometries"]}
    assert {"USA", "CHN", "DEU", "SGP"} <= ids
    # (the queries of the tests above: cached)
    for p in (
        "/mapping",
        "/mapping/network?kind=coword&max_nodes=300",
        "/mapping/bursts?unit=concept",
        "/mapping/laws?top=15",
        "/mapping/collaboration?top_links=20",
    ):
        page = client.get(p).text
        assert not re.search(r'<script[^>]+src="https?:', page), p


def test_bursts_period_is_clamped_to_the_store_s_years(synergy_store: Store) -> None:
    y0, y1 = synergy_store.con.execute("SELECT min(year), max(year) FROM works").fetchall()[0]
    wide = mv.bursts_view(synergy_store, unit="concept", start_year=1000, end_year=9999)
    assert (wide["parameters"]["start_year"], wide["parameters"]["end_year"]) == (y0, y1)
    assert wide["rows"] == mv.bursts_view(synergy_store, unit="concept")["rows"]


def test_layout_weights_hand_worked() -> None:
    """a–b weighs 2, b–c 1; strengths a 2, b 3, c 1: association strengths 2/6 = 1/3 and
    1/3, scaled to mean 1 → 1 and 1; a and b share a cluster → ×3."""
    import pyarrow as pa

    edges = pa.table({"source": ["a", "b"], "target": ["b", "c"], "weight": [2.0, 1.0]})
    w = mv._layout_weights(edges, {"a": 2.0, "b": 3.0, "c": 1.0}, {"a": 0, "b": 0, "c": 1})
    assert w.tolist() == pytest.approx([mv.INTRA_CLUSTER, 1.0])


def test_robust_scale_keeps_outliers_from_shrinking_the_rest() -> None:
    import numpy as np

    xy = np.array([[float(i), float(i % 7)] for i in range(200)] + [[1e6, 1e6]])
    out = mv._robust_scale(xy)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert out[:-1, 0].max() - out[:-1, 0].min() > 0.9  # the bulk spans the view
    assert out[-1].tolist() == [1.0, 1.0]  # the outlier is clipped to the edge
