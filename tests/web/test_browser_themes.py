"""The thematic map page in headless Chromium (shares the browser worker and live server of
``test_browser.py``): the strategic diagram and the Sankey draw without console errors, and
a screenshot is saved under ``tests/artifacts/screenshots/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx


def test_themes_page_in_browser(live_server: str, browser: Any, screenshots: Path) -> None:
    url = live_server + "/mapping/themes?terms=title&n_terms=150&cuts=2015,2019"
    r = httpx.get(url, timeout=300)  # computed and cached outside the browser
    assert r.status_code == 200, r.text[-500:]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = ctx.new_page()
    errors: list[str] = []
    p.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    p.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    p.set_default_timeout(60_000)
    try:
        resp = p.goto(url, wait_until="load")
        assert resp is not None and resp.status == 200
        p.wait_for_selector("#themes-map .js-plotly-plot .main-svg")
        assert p.locator("#themes-map .scatterlayer .point").count() >= 3
        p.wait_for_selector("#themes-evolution .sankey .sankey-node")
        assert p.locator("#themes-evolution .sankey-link").count() > 0
        p.screenshot(path=str(screenshots / "mapping_themes.png"), full_page=True)
    finally:
        ctx.close()
    assert errors == []
