"""Technology watch, benchmark, talent and IP landscape in the workbench: the JSON API (shape,
validation, numbers equal to the library's, planted facts), the /watch page and the enriched
industry page, on the real SYNERGY store (no patents, organisations not resolved) and on a
small synthetic world (everything)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from forcemap.decide.benchmark import benchmark
from forcemap.decide.landscape import landscape
from forcemap.decide.talent import talent
from forcemap.decide.watch import technology_watch
from forcemap.store import Store
from forcemap.web import create_app
from forcemap.web.pages import PAGES
from forcemap.web.queries import rows

from .conftest import TestClient
from .test_decisions import _check_head, _error

ENDPOINTS = ("/api/v1/watch", "/api/v1/benchmark", "/api/v1/talent", "/api/v1/landscape")


def _same(api: list[dict[str, Any]], lib: list[dict[str, Any]]) -> None:
    """The API's rows equal the library's (floats to 1e-9: DuckDB sums in any order)."""
    assert len(api) == len(lib)
    for a, b in zip(api, lib, strict=True):
        assert set(a) == set(b)
        for k, v in b.items():
            if isinstance(v, float):
                assert a[k] == pytest.approx(v, rel=1e-9, abs=1e-12), k
            else:
                assert a[k] == v, k


# -- API: shape and numbers ----------------------------------------------------------------
def test_watch_api_matches_the_library(
    synth_client: TestClient, web_synthetic: tuple[Path, dict[str, Any]]
) -> None:
    d = synth_client.get("/api/v1/watch", params={"industry": "clean_energy", "top": 10}).json()
    _check_head(d, "technology_watch")
    assert d["country"] == "CN" and d["industry"] == "clean_energy" and d["synthetic"] is True
    assert d["unit"] == "topic"  # the synthetic world has topics: the auto unit
    assert d["rule"]["parameters"]["top"] == 10 and d["window"] == "2014–2023"
    assert set(d["rule"]["parameters"]["weights"]) == {
        "emergence",
        "growth",
        "disruption",
        "novelty",
        "home_share",
        "coherence",
        "impact",
    }
    with Store.open(web_synthetic[0], read_only=True) as s:
        lib = technology_watch(s, country="CN", industry="clean_energy", unit="topic", top=10)
    _same(d["rows"], rows(lib.table))
    _same(d["works"], rows(lib.evidence["works"]))
    _same(d["organizations"], rows(lib.evidence["organizations"]))
    assert len(d["caveats"]) == len(lib.caveats)
    assert [r["rank"] for r in d["rows"]] == list(range(1, 11))
    # the planted emerging topic is on the list and passes the emergence rules
    fact = web_synthetic[1]["emerging_topic"]
    hit = next(r for r in d["rows"] if r["unit"] == fact["topic_id"])
    assert hit["qualified"] is True and hit["name"] == fact["display_name"]
    assert hit["status"] == "emerging" and hit["growth_low"] > 0 and hit["coherence"] >= 0.2
    listed = {r["unit"] for r in d["rows"]}
    assert {r["unit"] for r in d["organizations"]} <= listed


def test_watch_api_units(synth_client: TestClient, client: TestClient) -> None:
    d = synth_client.get(
        "/api/v1/watch", params={"industry": "semiconductors", "unit": "cpc_group", "top": 3}
    ).json()
    assert d["unit"] == "cpc_group" and len(d["rows"]) == 3
    assert all(re.fullmatch(r"[A-H]\d\d[A-Z]\d+/00", r["unit"]) for r in d["rows"])
    # SYNERGY has no topics (auto: concepts) and no patents (cpc_group: nothing to watch)
    d = client.get("/api/v1/watch", params={"top": 5}).json()
    assert d["unit"] == "concept" and len(d["rows"]) == 5 and d["synthetic"] is False
    assert d["organizations"] == []
    assert any("not resolved" in c for c in d["caveats"])
    d = client.get("/api/v1/watch", params={"unit": "cpc_group"}).json()
    assert d["rows"] == [] and any("No patents" in c for c in d["caveats"])


def test_benchmark_api(
    synth_client: TestClient, web_synthetic: tuple[Path, dict[str, Any]]
) -> None:
    fact = web_synthetic[1]["leading_country"]
    d = synth_client.get(
        "/api/v1/benchmark", params={"country": fact["country"], "industry": fact["industry"]}
    ).json()
    _check_head(d, "benchmark")
    assert d["unit"] == "industry" and d["industry"] == fact["industry"]
    home = [r for r in d["rows"] if r["is_home"]]
    assert len(home) == 1 and home[0]["country"] == fact["country"] and home[0]["rank"] == 1
    assert len(d["rows"]) == 6  # the home country and k = 5 peers
    with Store.open(web_synthetic[0], read_only=True) as s:
        lib = benchmark(s, country=fact["country"], industry=fact["industry"])
    _same(d["rows"], rows(lib.table))
    # named peers (the home country in the list is ignored)
    d = synth_client.get(
        "/api/v1/benchmark", params={"industry": "semiconductors", "peers": "US,DE,CN"}
    ).json()
    assert sorted(r["country"] for r in d["rows"]) == ["CN", "DE", "US"]
    assert d["rule"]["parameters"]["peers"] == ["DE", "US"]


def test_benchmark_api_fields_on_synergy(client: TestClient) -> None:
    d = client.get("/api/v1/benchmark", params={"unit": "field", "k": 2}).json()
    assert d["unit"] == "field" and d["rows"]
    assert all(r["patents"] is None for r in d["rows"])  # fields have no patents
    per_unit: dict[str, int] = {}
    for r in d["rows"]:
        per_unit[r["unit"]] = per_unit.get(r["unit"], 0) + 1
    assert max(per_unit.values()) <= 3


def test_benchmark_rows_carry_intervals(client: TestClient) -> None:
    """Issue 18, items 2–3: every benchmark row has its stability intervals and says when
    MNCS / PP(top 10 %) rest on too few works."""
    d = client.get("/api/v1/benchmark", params={"unit": "field", "k": 2}).json()
    for r in d["rows"]:
        if r["world_share"] is not None and r["works"]:
            assert r["world_share_low"] <= r["world_share"] <= r["world_share_high"]
        if r["impact_evidence"] != "ok":
            assert r["impact_evidence"].startswith("insufficient evidence") and r["mncs"] is None
    assert any(r["impact_evidence"] != "ok" for r in d["rows"])
    assert d["rule"]["parameters"]["min_impact_works"] == 50
    low = client.get(
        "/api/v1/benchmark", params={"unit": "field", "k": 2, "min_impact_works": 0}
    ).json()
    assert all(r["impact_evidence"] == "ok" for r in low["rows"])


def test_benchmark_series_api(
    client: TestClient, synth_client: TestClient, web_synthetic: tuple[Path, dict[str, Any]]
) -> None:
    """Issue 18, item 9: /api/v1/benchmark/series, year by year with intervals; on SYNERGY
    the last two years are incomplete and marked partial, never dropped."""
    d = client.get("/api/v1/benchmark/series", params={"units": "US,GB", "span": 5}).json()
    _check_head(d, "benchmark_series")
    assert d["unit"] == "country" and len(d["rows"]) == 10
    us = {r["year"]: r for r in d["rows"] if r["entity"] == "US"}
    assert sorted(us) == [2018, 2019, 2020, 2021, 2022]
    assert [us[y]["partial"] for y in sorted(us)] == [False, False, False, True, True]
    assert us[2020]["world_share_low"] < us[2020]["world_share"] < us[2020]["world_share_high"]
    assert [w["year"] for w in d["world"] if w["partial"]] == [2021, 2022]
    assert d["data_coverage"] and d["data_coverage"][0]["what"].startswith("works of the window")
    fact = web_synthetic[1]["leading_country"]
    s = synth_client.get(
        "/api/v1/benchmark/series",
        params={"unit": "organization", "industry": fact["industry"], "top": 2, "span": 3},
    ).json()
    assert len(s["rows"]) == 6 and all(r["entity_name"] for r in s["rows"])
    assert s["synthetic"] is True
    for bad, status in (
        ({"unit": "planet"}, 422),
        ({"units": "CAN"}, 422),
        ({"industry": "atlantis"}, 404),
        ({"top": 0}, 422),
        ({"partial_years": "drop"}, 422),
    ):
        r = client.get("/api/v1/benchmark/series", params=bad)
        assert r.status_code == status, bad
        assert r.json()["ok"] is False


def test_talent_api(synth_client: TestClient, web_synthetic: tuple[Path, dict[str, Any]]) -> None:
    d = synth_client.get("/api/v1/talent", params={"industry": "semiconductors", "top": 5}).json()
    _check_head(d, "talent")
    assert d["rows"] and {r["country"] for r in d["rows"]} == {"CN"}
    strategic = [r for r in d["rows"] if r["kind"] == "strategic"]
    assert 0 < len(strategic) <= 5
    # the small world has fewer than min_scientists (4) eligible CN scientists in the
    # industry: they are listed with their counts, unranked (issue 18), else ranked 1, 2, …
    n_eligible = len(d["rows"])
    if n_eligible < 4:
        assert all(r["rank"] is None and r["score"] is None for r in d["rows"])
        assert all(r["outcome"].startswith("insufficient evidence") for r in d["rows"])
    else:
        assert [r["rank"] for r in strategic] == list(range(1, len(strategic) + 1))
        scores = [r["score"] for r in strategic]
        assert scores == sorted(scores, reverse=True)
    assert all(r["kind"] in ("strategic", "rising") for r in d["rows"])
    bal = {r["sector"]: r for r in d["balance"]}
    assert bal["all"]["net"] == bal["all"]["inflow"] - bal["all"]["outflow"]
    moves = [r["moves"] for r in d["flows"]]
    assert moves == sorted(moves, reverse=True)
    with Store.open(web_synthetic[0], read_only=True) as s:
        lib = talent(s, country="CN", industry="semiconductors", top=5)
    _same(d["rows"], rows(lib.table))
    assert d["balance"] == rows(lib.evidence["balance"])


def test_landscape_api(
    synth_client: TestClient, web_synthetic: tuple[Path, dict[str, Any]]
) -> None:
    fact = web_synthetic[1]["strong_enterprise"]
    d = synth_client.get(
        "/api/v1/landscape", params={"country": fact["country"], "industry": fact["industry"]}
    ).json()
    _check_head(d, "landscape")
    top = d["rows"][0]
    assert top["rank"] == 1 and top["org_id"] == fact["org_id"] and top["is_home"] is True
    assert 0.2 < top["patent_share"] < 0.35
    assert d["groups"] > 0 and d["matrix"]
    # the matrix covers the listed holders (the top 20 and the home country's top 20)
    assert {m["org_id"] for m in d["matrix"]} <= {r["org_id"] for r in d["rows"]}
    # the bottleneck's holders hold its CPC group in the semiconductors matrix
    bn = web_synthetic[1]["bottleneck"]
    d = synth_client.get("/api/v1/landscape", params={"industry": "semiconductors"}).json()
    holders = {m["org_id"] for m in d["matrix"] if m["cpc"] == bn["cpc_group"]}
    assert holders & {h["org_id"] for h in bn["holders"]}
    # top limits the holders: the top 3 and the home country's top 3
    d3 = synth_client.get(
        "/api/v1/landscape", params={"industry": "semiconductors", "top": 3}
    ).json()
    assert d3["rule"]["parameters"]["top_holders"] == 3
    assert [r["rank"] for r in d3["rows"] if not r["is_home"]] == [1, 2, 3]
    assert len([r for r in d3["rows"] if r["is_home"]]) == 3
    with Store.open(web_synthetic[0], read_only=True) as s:
        lib = landscape(s, country="CN", industry="semiconductors", top_holders=3)
    _same(d3["white_spaces"], rows(lib.evidence["white_spaces"]))
    _same(d3["matrix"], rows(lib.evidence["matrix"]))
    assert all(w["white_space"] for w in d3["white_spaces"])


def test_landscape_and_talent_on_synergy(client: TestClient) -> None:
    d = client.get("/api/v1/landscape", params={"industry": "biomedicine"}).json()
    assert d["rows"] == [] and d["matrix"] == [] and d["white_spaces"] == []
    assert any("No patents" in c for c in d["caveats"])
    d = client.get("/api/v1/talent", params={"industry": "biomedicine", "country": "US"}).json()
    assert d["rows"] and {r["country"] for r in d["rows"]} == {"US"}


@pytest.mark.parametrize(
    ("path", "params", "status", "needle"),
    [
        ("/api/v1/watch", {"country": "cn"}, 422, "query.country"),
        ("/api/v1/watch", {"unit": "field"}, 422, "query.unit"),
        ("/api/v1/watch", {"top": 0}, 422, "query.top"),
        ("/api/v1/watch", {"top": 201}, 422, "query.top"),
        ("/api/v1/watch", {"industry": "atlantis"}, 404, "no industry 'atlantis'"),
        ("/api/v1/watch", {"qualified_only": "maybe"}, 422, "query.qualified_only"),
        ("/api/v1/watch", {"citations": "web"}, 422, "query.citations"),
        ("/api/v1/watch", {"min_coherence": 2}, 422, "query.min_coherence"),
        ("/api/v1/watch", {"thin_records": 0}, 422, "query.thin_records"),
        ("/api/v1/benchmark", {"country": "CHN"}, 422, "query.country"),
        ("/api/v1/benchmark", {"unit": "topic"}, 422, "query.unit"),
        ("/api/v1/benchmark", {"industry": "Bad-Key"}, 422, "query.industry"),
        ("/api/v1/benchmark", {"industry": "atlantis"}, 404, "known: semiconductors"),
        ("/api/v1/benchmark", {"peers": "us,de"}, 422, "query.peers"),
        ("/api/v1/benchmark", {"k": 0}, 422, "query.k"),
        ("/api/v1/benchmark", {"unit": "field", "industry": "biomedicine"}, 422, "unit=industry"),
        ("/api/v1/talent", {"top": 201}, 422, "query.top"),
        ("/api/v1/talent", {"unit": "region"}, 422, "query.unit"),
        ("/api/v1/talent", {"industry": "atlantis"}, 404, "no industry 'atlantis'"),
        ("/api/v1/talent", {"unit": "field", "industry": "ai"}, 422, "unit=industry"),
        ("/api/v1/landscape", {"top": 0}, 422, "query.top"),
        ("/api/v1/landscape", {"country": "X'; DROP TABLE patents;--"}, 422, "query.country"),
        ("/api/v1/landscape", {"industry": "atlantis"}, 404, "no industry 'atlantis'"),
    ],
)
def test_api_validation(
    client: TestClient, path: str, params: dict[str, Any], status: int, needle: str
) -> None:
    assert needle in _error(client.get(path, params=params), status)


def test_openapi_documents_the_new_decisions(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, model in zip(
        ENDPOINTS, ("WatchOut", "BenchmarkOut", "TalentOut", "LandscapeOut"), strict=True
    ):
        op = spec["paths"][path]["get"]
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ok.endswith(model)
        params = {p["name"]: p["schema"] for p in op["parameters"]}
        assert {"country", "industry"} <= set(params)
        country = params["country"]
        pattern = country.get("pattern") or next(
            a["pattern"] for a in country["anyOf"] if "pattern" in a
        )
        assert pattern == "^[A-Z]{2}$"
        if "top" in params:
            assert params["top"]["minimum"] == 1 and params["top"]["maximum"] == 200
        assert {"404", "422"} <= set(op["responses"])
    schemas = spec["components"]["schemas"]
    for model in ("WatchOut", "BenchmarkOut", "TalentOut", "LandscapeOut"):
        assert {"rule", "caveats", "synthetic", "rows"} <= set(schemas[model]["properties"])


def test_api_is_cached(synth_client: TestClient) -> None:
    state = synth_client.app.state.forcemap  # type: ignore[attr-defined]
    a = synth_client.get("/api/v1/landscape", params={"industry": "marine", "top": 7}).json()
    key = ("landscape", "CN", "marine", 7, "self", "family")  # org_level, patent_unit
    assert state.is_cached(key)
    b = synth_client.get("/api/v1/landscape", params={"industry": "marine", "top": 7}).json()
    assert a == b


# -- pages ---------------------------------------------------------------------------------
def test_watch_seeds_show_the_planted_disruptive_work(
    synth_client: TestClient, web_synthetic: tuple[Path, dict[str, Any]]
) -> None:
    fact = web_synthetic[1]["disruptive_work"]
    d = synth_client.get("/api/v1/watch", params={"industry": "ai", "top": 5}).json()
    assert d["disruptive_works"][0]["id"] == fact["work_id"]
    assert d["disruptive_works"][0]["cd"] == 1.0
    html = synth_client.get("/watch", params={"industry": "ai", "top": 5}).text
    seeds = html.split('id="watch-seeds"', 1)[1]
    assert "Seeds of disruptive technologies" in seeds and fact["work_id"] in seeds[:3000]


def test_watch_in_the_nav(client: TestClient) -> None:
    assert any(p.path == "/watch" and p.nav for p in PAGES)
    html = client.get("/").text
    assert '<a href="/watch">Technology watch</a>' in html


def test_watch_page(synth_client: TestClient, web_synthetic: tuple[Path, dict[str, Any]]) -> None:
    fact = web_synthetic[1]["emerging_topic"]
    r = synth_client.get("/watch", params={"industry": "clean_energy", "top": 10})
    assert r.status_code == 200
    html = r.text
    assert "Technology watch for CN" in html and 'id="synthetic-banner"' in html
    for needle in (
        'id="watch-table"',
        'id="watch-chart"',
        "plotly-graph-div",
        'id="watch-weights"',
        'id="watch-rule"',
        'id="watch-caveats"',
        "home_share = 1.0",
        fact["display_name"],
        'id="watch-entry-1"',
        'id="watch-entry-10"',
        "Most active organisations",
        '<option value="clean_energy" selected>',
    ):
        assert needle in html, needle
    assert len(re.findall(r'<details class="entry"', html)) == 10
    # each entry links its organisations to their profiles
    entry = html.split('id="watch-entry-1"')[1].split("</details>")[0]
    assert re.search(r'href="/organizations/I\d+"', entry)


def test_watch_generic_words_on_the_real_sample(client: TestClient) -> None:
    """Issue 18, observation 8, in the API and on the page: the SYNERGY concept watch lists no
    generic concept; each row has a status and the evidence of the four attributes, and the
    generic concepts are shown apart with their reason."""
    d = client.get("/api/v1/watch", params={"unit": "concept", "top": 20}).json()
    names = {r["name"] for r in d["rows"]}
    assert not names & {"Cell", "Polymer", "Subgroup analysis", "Medicine"}
    assert all(r["level"] >= 2 for r in d["rows"])
    assert all(r["status"] for r in d["rows"])
    assert any(g["name"] == "Medicine" for g in d["generic"])
    for r in d["rows"]:
        if r["status"] == "emerging":
            assert r["growth_low"] > 0 and r["coherence"] >= 0.2 and r["impact"] is not None
    html = client.get("/watch", params={"unit": "concept", "top": 20}).text
    assert 'id="watch-generic"' in html and "concept level 0 &lt; 2" in html
    table = html.split('id="watch-table"')[1].split("</table>")[0]
    assert table.count('class="watch-status"') == len(d["rows"])
    # the thresholds are parameters of the API
    d = client.get(
        "/api/v1/watch",
        params={"unit": "concept", "top": 5, "min_coherence": 0.9, "citations": "store"},
    ).json()
    assert d["rule"]["parameters"]["min_coherence"] == 0.9
    assert d["rule"]["parameters"]["citation_basis"] == "store"
    assert all(r["status"] != "emerging" or r["coherence"] >= 0.9 for r in d["rows"])


def test_watch_page_form_and_errors(client: TestClient) -> None:
    r = client.get("/watch", params={"country": "us", "unit": "concept", "top": 5})
    assert r.status_code == 200
    assert "Technology watch for US" in r.text and '<option value="concept" selected>' in r.text
    assert len(re.findall(r'<details class="entry"', r.text)) == 5
    r = client.get("/watch", params={"unit": "cpc_group"})
    assert r.status_code == 200 and 'id="watch-empty"' in r.text and "No patents" in r.text
    r = client.get("/watch", params={"industry": "atlantis"})
    assert r.status_code == 404 and "Error 404" in r.text
    for bad in ({"country": "C1"}, {"unit": "field"}, {"top": 0}):
        r = client.get("/watch", params=bad)
        assert r.status_code == 422 and "Error 422" in r.text


def test_industry_page_new_blocks(
    synth_client: TestClient, web_synthetic: tuple[Path, dict[str, Any]]
) -> None:
    fact = web_synthetic[1]["strong_enterprise"]
    html = synth_client.get(f"/industries/{fact['industry']}", params={"country": "DE"}).text
    for needle in (
        'id="industry-benchmark"',
        'id="benchmark"',
        'id="benchmark-rule"',
        'id="industry-talent"',
        'id="talent-strategic"',
        'id="talent-balance"',
        'id="talent-rule"',
        'id="industry-landscape"',
        'id="landscape-holders"',
        'id="landscape-rule"',
        "White spaces for DE",
        "No white space: DE holds patents in every rising CPC group",
        "Holder × CPC group",
        f'href="/organizations/{fact["org_id"]}"',
        "white_space_growth",
        "young_career_years",
    ):
        assert needle in html, needle
    # the home country's benchmark row is highlighted
    bench = html.split('id="benchmark"')[1].split("</table>")[0]
    assert re.search(r'<tr class="home">\s*<td class="num">\d+</td><td>DE</td>', bench)
    holders = html.split('id="landscape-holders"')[1].split("</table>")[0]
    assert fact["name"] in holders.split("</tr>")[1]  # rank 1, after the header row
    # figures: output per year, benchmark bars, the year-by-year world shares, holder × CPC
    # heatmap
    assert html.count('class="plotly-graph-div"') == 4
    series = html.split('id="benchmark-series"')[1].split("</table>")[0]
    assert re.search(r'<tr class="home"[^>]*>\s*<td>DE</td>', series)
    assert 'class="ci"' in series and 'id="benchmark-series-rule"' in html
    assert '"type":"heatmap"' in html
    # CN has no holder in a rising robotics technology: the page lists the API's white spaces
    ws = synth_client.get(
        "/api/v1/landscape", params={"country": "CN", "industry": fact["industry"]}
    ).json()["white_spaces"]
    assert ws
    html = synth_client.get(f"/industries/{fact['industry']}", params={"country": "CN"}).text
    spaces = html.split('id="white-spaces"')[1].split("</table>")[0]
    assert all(w["cpc"] in spaces for w in ws)


def test_industry_page_without_patents(client: TestClient) -> None:
    html = client.get("/industries/biomedicine", params={"country": "US"}).text
    assert 'id="benchmark"' in html and 'id="industry-talent"' in html
    # SYNERGY is a sample: no US author has enough biomedicine works to rank, and the page says so
    assert "No scientist of US has enough works in this industry." in html
    assert "No patents of this industry in the store" in html
    assert 'id="landscape-rule"' in html
    # output per year, benchmark bars, the year-by-year world shares
    assert html.count('class="plotly-graph-div"') == 3
    # SYNERGY's last years are incomplete: kept in the series and marked partial
    series = html.split('id="benchmark-series"')[1].split("</table>")[0]
    assert 'data-partial="1"' in series and "insufficient evidence" in series


def test_new_pages_on_a_store_without_evidence(tmp_path: Path) -> None:
    path = tmp_path / "tiny.duckdb"
    with Store.open(path) as s:
        s.con.execute(
            "INSERT INTO works (work_id, year, type, origin, batch_id) "
            "VALUES ('W1', 2020, 'article', 'synthetic:openalex', 0)"
        )
    with TestClient(create_app(path)) as c:
        r = c.get("/watch")
        assert r.status_code == 200 and 'id="synthetic-banner"' in r.text
        assert 'id="watch-empty"' in r.text or 'id="watch-error"' in r.text
        r = c.get("/industries/semiconductors")
        assert r.status_code == 200
        for block in ("benchmark", "talent", "landscape"):
            section = r.text.split(f'id="industry-{block}"')[1].split("</section>")[0]
            assert 'class="empty"' in section, block
        for path_ in ENDPOINTS:
            assert c.get(path_).status_code in (200, 422), path_
