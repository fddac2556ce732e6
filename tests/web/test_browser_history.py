"""The science-mapping history pages in headless Chromium against a live server on the
SYNERGY store: the historiograph, the RPYS chart and the Sankey draw without console errors;
screenshots under ``tests/artifacts/screenshots/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from .conftest import PageErrors


def _open(p: Any, url: str) -> None:
    assert httpx.get(url, timeout=120).status_code == 200  # computed and cached first
    resp = p.goto(url, wait_until="load")
    assert resp is not None and resp.status == 200


def test_history_page(live_server: str, page: tuple[Any, PageErrors], screenshots: Path) -> None:
    p, errors = page
    _open(p, live_server + "/mapping/history?top=20")
    p.wait_for_selector(".js-plotly-plot .main-svg")
    assert p.locator(".js-plotly-plot").count() == 2
    hist = p.locator("#historiograph .js-plotly-plot")
    assert (
        hist.locator(".scatterlayer .point").count()
        == p.locator("#historiograph-table tbody tr").count()
        > 0
    )
    assert p.locator("#rpys .js-plotly-plot .bars path").count() > 0
    p.screenshot(path=str(screenshots / "mapping_history.png"), full_page=True)
    assert errors == []


def test_three_field_page(
    live_server: str, page: tuple[Any, PageErrors], screenshots: Path
) -> None:
    p, errors = page
    _open(p, live_server + "/mapping/three-field?left=country&middle=concept&right=source&top=8")
    p.wait_for_selector("#sankey .js-plotly-plot .sankey-node")
    nodes = p.locator("#sankey .sankey-node").count()
    assert 3 <= nodes <= 3 * 8
    assert (
        p.locator("#sankey .sankey-link").count()
        == p.locator("#three-field-table tbody tr").count()
    )
    p.screenshot(path=str(screenshots / "mapping_three_field.png"), full_page=True)
    assert errors == []
