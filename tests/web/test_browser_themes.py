"""The thematic map page in headless Chromium (shares the browser worker and live server of
``test_browser.py``): the strategic diagram and the Sankey draw without console errors, and
a screenshot is saved under ``tests/artifacts/screenshots/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import PageErrors, warm


def test_themes_page_in_browser(
    live_server: str, page: tuple[Any, PageErrors], screenshots: Path
) -> None:
    url = live_server + "/mapping/themes?terms=title&n_terms=150&cuts=2015,2019"
    warm(url)
    p, errors = page
    resp = p.goto(url, wait_until="load")
    assert resp is not None and resp.status == 200
    p.wait_for_selector("#themes-map .js-plotly-plot .main-svg")
    assert p.locator("#themes-map .scatterlayer .point").count() >= 3
    p.wait_for_selector("#themes-evolution .sankey .sankey-node")
    assert p.locator("#themes-evolution .sankey-link").count() > 0
    p.screenshot(path=str(screenshots / "mapping_themes.png"), full_page=True)
    assert errors == []
