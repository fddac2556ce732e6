"""The thematic map page and its JSON on the SYNERGY store, in process."""

from __future__ import annotations

from fastapi.testclient import TestClient

from forcemap.network import thematic_map
from forcemap.store import Store

_Q = {"terms": "title", "n_terms": 120, "cuts": "2015,2019"}


def test_api_themes_equal_the_library(client: TestClient, synergy_store: Store) -> None:
    r = client.get("/api/v1/mapping/themes", params=_Q)
    assert r.status_code == 200, r.text
    body = r.json()
    tm = thematic_map(synergy_store, terms="title", n_terms=120)
    assert body["themes"] == tm.clusters.to_pylist()
    assert body["works"] == 7518 and body["periods"] == ["1951-2015", "2016-2019", "2020-2022"]
    assert body["links"] and {r["from_period"] for r in body["links"]} == {
        "1951-2015", "2016-2019"
    }  # fmt: skip
    spec = client.get("/openapi.json").json()
    assert "/api/v1/mapping/themes" in spec["paths"]


def test_page_renders_map_sankey_and_errors(client: TestClient) -> None:
    r = client.get("/mapping/themes", params=_Q)
    assert r.status_code == 200
    assert r.text.count('class="fm-figure"') == 2 and '"type":"sankey"' in r.text
    assert 'id="themes-table"' in r.text and "motor" in r.text
    bad = client.get("/mapping/themes", params={"cuts": "1900"})
    assert bad.status_code == 422 and "must lie in" in bad.text
    assert client.get("/api/v1/mapping/themes", params={"cuts": "19x"}).status_code == 422
    assert client.get("/api/v1/mapping/themes", params={"industry": "atlantis"}).status_code == 404
    assert 'href="/mapping/themes"' in client.get("/mapping").text  # the index links it
