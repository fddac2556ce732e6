"""Server-rendered pages (in process): the registry, content, errors and the synthetic label."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcemap.store import Store
from forcemap.web import create_app
from forcemap.web.pages import PAGES

from .conftest import TestClient


def test_registry_drives_the_nav(client: TestClient) -> None:
    nav = [p for p in PAGES if p.nav]
    assert [p.title for p in nav] == [
        "Overview",
        "Industries",
        "Positioning",
        "Technology watch",
        "Network explorer",
        "Consortium",
        "Review panel",
        "Portfolio",
        "Search",
        "Science mapping",
    ]
    html = client.get("/").text
    for p in nav:
        assert f'href="{p.path}"' in html
    assert {p.path for p in PAGES if not p.nav} == {
        "/industries/{key}",
        "/organizations/{org_id}",
        # linked from /mapping (one nav entry)
        "/mapping/network",
        "/mapping/bursts",
        "/mapping/laws",
        "/mapping/collaboration",
        "/mapping/themes",
        "/mapping/history",
        "/mapping/three-field",
    }


@pytest.mark.parametrize(
    ("path", "needles"),
    [
        ("/", ["7,518", "Works per year", "University of Washington", "No record was rejected"]),
        ("/industries", ["Biomedicine", 'href="/industries/biomedicine"']),
        ("/industries/biomedicine", ["Top countries", "Sub-technologies", "plotly-graph-div"]),
        ("/organizations/I201448701", ["University of Washington", "Burt constraint"]),
        ("/network", ["network-svg", "Top brokers", "graph-data"]),
    ],
)
def test_page_renders(client: TestClient, path: str, needles: list[str]) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for n in needles:
        assert n in r.text, n
    assert '<script src="/static/plotly.min.js">' in r.text
    assert "cdn" not in r.text.lower()
    assert "SYNTHETIC DATA" not in r.text


def test_page_errors_are_html(client: TestClient) -> None:
    r = client.get("/organizations/I0")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "Error 404" in r.text and "I0" in r.text
    r = client.get("/network", params={"year_from": "19x5"})
    assert r.status_code == 422 and "year_from" in r.text
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "Error 404" in r.text


def test_network_page_form_roundtrip(client: TestClient) -> None:
    r = client.get(
        "/network",
        params={
            "industry": "biomedicine",
            "year_from": "2012",
            "year_to": "",
            "countries": "it",
            "color_by": "community",
            "max_nodes": 50,
        },
    )
    assert r.status_code == 200
    assert '<option value="biomedicine" selected>' in r.text
    assert '"color_by": "community"' in r.text
    assert 'value="2012"' in r.text


def test_synthetic_store_is_labelled(tmp_path: Path) -> None:
    path = tmp_path / "synth.duckdb"
    with Store.open(path) as s:
        s.con.execute(
            "INSERT INTO works (work_id, year, type, origin, batch_id) "
            "VALUES ('W1', 2020, 'article', 'synthetic:openalex', 0)"
        )
    with TestClient(create_app(path)) as c:
        assert c.get("/api/v1/overview").json()["synthetic"] is True
        for page in ("/", "/industries", "/network", "/positioning"):
            r = c.get(page)
            assert r.status_code == 200, page
            assert 'id="synthetic-banner"' in r.text, page
