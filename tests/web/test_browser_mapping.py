"""The science-mapping pages in headless Chromium against a live server on the SYNERGY store.

Each page must draw its figures (Plotly SVG; the world map from the vendored topojson; the
science map on a WebGL canvas) without console errors; a screenshot of each is saved under
``tests/artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import PageErrors, warm

PAGES = [
    ("mapping", "/mapping", 0),
    ("mapping_bursts", "/mapping/bursts?unit=concept", 1),
    ("mapping_laws", "/mapping/laws", 3),
    ("mapping_collaboration", "/mapping/collaboration", 1),
]


@pytest.mark.parametrize(("name", "path", "n_figures"), PAGES)
def test_mapping_page_in_browser(
    live_server: str,
    page: tuple[Any, PageErrors],
    screenshots: Path,
    name: str,
    path: str,
    n_figures: int,
) -> None:
    p, errors = page
    warm(live_server + path)
    resp = p.goto(live_server + path, wait_until="load")
    assert resp is not None and resp.status == 200
    if n_figures:
        p.wait_for_selector(".js-plotly-plot .main-svg")
        assert p.locator(".js-plotly-plot").count() == n_figures
    if "collaboration" in path:
        # the choropleth drew its countries from /static/vendor/world_50m.json, and links
        p.wait_for_selector(".js-plotly-plot .choroplethlocation")
        assert p.locator(".js-plotly-plot .choroplethlocation").count() > 50
        assert p.locator(".js-plotly-plot .scattergeo path.js-line").count() == 1
    if path == "/mapping":
        assert p.locator("#mapping-index a").count() == 7
    p.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    assert errors == []


@pytest.mark.parametrize(
    ("name", "query", "at_least"),
    [
        ("mapping_network", "kind=coword", 1000),
        # the large-network view: > 3000 nodes on one WebGL canvas
        ("mapping_network_large", "kind=coword&min_count=1&max_nodes=3500", 3000),
    ],
)
def test_science_map_in_browser(
    live_server: str,
    page: tuple[Any, PageErrors],
    screenshots: Path,
    name: str,
    query: str,
    at_least: int,
) -> None:
    p, errors = page
    url = f"{live_server}/mapping/network?{query}"
    warm(url)
    api = httpx.get(f"{live_server}/api/v1/mapping/network?{query}", timeout=300).json()
    resp = p.goto(url, wait_until="load")
    assert resp is not None and resp.status == 200
    p.wait_for_selector("#sigma-container canvas")
    # sigma draws on WebGL canvases (nodes, edges) and a 2D one for labels
    n_webgl = p.evaluate(
        """Array.from(document.querySelectorAll('#sigma-container canvas'))
             .filter(c => { try { return !!(c.getContext('webgl2') || c.getContext('webgl')); }
                            catch (e) { return false; } }).length"""
    )
    assert n_webgl > 0
    nodes = int(p.get_attribute("#sigma-container", "data-nodes"))
    assert nodes == len(api["nodes"]) >= at_least
    assert int(p.get_attribute("#sigma-container", "data-edges")) == len(api["edges"])
    labelled = [c for c in api["clusters"] if c["shown"] and c["colour"] != "#b8b8b8"]
    assert p.locator(".cluster-label").count() == len(labelled) > 0
    assert p.locator("#map-legend .legend-item").count() == len(labelled)
    p.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    p.locator("#map-legend .legend-item").first.click()  # one cluster only, then all again
    p.locator("#map-legend .legend-item").first.click()
    assert errors == []
