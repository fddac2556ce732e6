"""The science-mapping history pages and their JSON on the SYNERGY store: the pages render
the library's numbers, the API returns them, bad parameters are refused."""

from __future__ import annotations

from typing import Any

from forcemap.indicators.rpys import rpys
from forcemap.indicators.three_field import three_field
from forcemap.network.historiograph import historiograph
from forcemap.store import Store


def test_history_api_returns_the_library_tables(client: Any, synergy_store: Store) -> None:
    r = client.get("/api/v1/mapping/historiograph", params={"top": 8, "year_from": "2000"})
    assert r.status_code == 200, r.text
    v = r.json()
    h = historiograph(synergy_store, top=8, years=(2000, 9999))
    assert v["nodes"] == h.nodes.to_pylist() and v["edges"] == h.edges.to_pylist()
    t = rpys(synergy_store, start_year=2000, end_year=9999).to_pylist()
    assert v["rpys"] == t[:-1] and v["rpys_unknown"] == t[-1]["citations"] > 0
    assert (
        v["rpys_meta"]["with_year"]
        == sum(row["citations"] for row in t[:-1]) + (v["rpys_meta"]["outside_timespan"])
    )


def test_three_field_api(client: Any, synergy_store: Store) -> None:
    r = client.get(
        "/api/v1/mapping/three-field",
        params={"left": "country", "middle": "concept", "right": "source", "top": 5},
    )
    assert r.status_code == 200, r.text
    t = three_field(synergy_store, fields=("country", "concept", "source"), top=5)
    assert r.json()["rows"] == t.to_pylist() and t.num_rows > 0
    assert client.get("/api/v1/mapping/three-field", params={"left": "keyword"}).status_code == 422
    assert client.get("/api/v1/mapping/historiograph", params={"top": 0}).status_code == 422


def test_pages_render(client: Any) -> None:
    r = client.get("/mapping/history", params={"top": 10})
    assert r.status_code == 200
    assert 'id="historiograph-table"' in r.text and 'id="rpys-coverage"' in r.text
    assert r.text.count('class="fm-figure"') == 2
    r = client.get("/mapping/three-field", params={"right": "source", "top": 5})
    assert r.status_code == 200 and '"type":"sankey"' in r.text
    assert 'id="three-field-table"' in r.text
    r = client.get("/mapping/history", params={"industry": "no_such_industry"})
    assert r.status_code == 404 and 'id="history-error"' in r.text
    index = client.get("/mapping").text  # linked from the one Science mapping nav entry
    assert 'href="/mapping/history"' in index and 'href="/mapping/three-field"' in index
