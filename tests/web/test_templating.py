"""The page registry and rendering (forcemap.web.templating) on a bare FastAPI app: a page
function's context reaches its template with the base context (nav, store, synthetic flag)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI, Request

from forcemap.web import forms, mapping, mapping_history, mapping_themes, pages
from forcemap.web.templating import Page, PageSet, render

from .conftest import TestClient


def _app(pageset: PageSet, *, synthetic: bool) -> FastAPI:
    app = FastAPI()
    app.state.forcemap = SimpleNamespace(synthetic=synthetic, store_path=Path("/x/ws.duckdb"))
    app.state.nav = tuple(p for p in pageset.pages if p.nav)
    app.include_router(pageset.router)
    return app


def test_a_registered_page_renders_its_template_with_the_base_context() -> None:
    ps = PageSet()

    @ps.page("/teapot", title="Teapot", template="error.html")
    def teapot(request: Request, strength: int = 1) -> dict[str, Any]:
        return {"status": 418, "message": f"short and stout ×{strength}", "status_code": 418}

    @ps.page("/hidden", title="Hidden", template="error.html", nav=False)
    def hidden(request: Request) -> dict[str, Any]:
        return {"status": 200, "message": "not in the menu"}

    assert ps.pages == [
        Page("/teapot", "Teapot", "error.html"),
        Page("/hidden", "Hidden", "error.html", nav=False),
    ]
    assert teapot.__name__ == "teapot"  # the decorator returns the function itself
    with TestClient(_app(ps, synthetic=True)) as c:
        r = c.get("/teapot", params={"strength": 3})
        assert r.status_code == 418 and r.headers["content-type"].startswith("text/html")
        assert "short and stout ×3" in r.text
        assert '<a href="/teapot" class="active">Teapot</a>' in r.text
        assert 'href="/hidden"' not in r.text  # nav=False
        assert "store: ws.duckdb" in r.text and 'id="synthetic-banner"' in r.text
        assert c.get("/teapot", params={"strength": "x"}).status_code == 422
        r = c.get("/hidden")
        assert r.status_code == 200 and "<title>Error 200 · forcemap</title>" in r.text
    with TestClient(_app(ps, synthetic=False)) as c:
        assert 'id="synthetic-banner"' not in c.get("/hidden").text
    # pages are GET routes left out of the OpenAPI schema
    assert all(not getattr(r, "include_in_schema", True) for r in ps.router.routes)


def test_render_escapes_the_context() -> None:
    ps = PageSet()
    app = _app(ps, synthetic=False)

    @app.get("/raw")
    def raw(request: Request) -> Any:
        return render(
            request, "error.html", {"status": 400, "message": "<b>x</b>"}, status_code=400
        )

    with TestClient(app) as c:
        r = c.get("/raw")
        assert r.status_code == 400 and "&lt;b&gt;x&lt;/b&gt;" in r.text


def test_pages_lists_its_own_pages_then_the_forms() -> None:
    science = [*mapping.PAGES, *mapping_themes.PAGES, *mapping_history.PAGES]
    n = len(science)
    assert pages.PAGES[-n:] == science  # science mapping last (one nav entry: its index)
    assert [p.nav for p in science] == [True] + [False] * (n - 1)
    assert pages.PAGES[-len(forms.PAGES) - n : -n] == forms.PAGES
    assert [p.path for p in forms.PAGES] == ["/consortium", "/panel", "/portfolio", "/search"]
    paths = {r.path for r in pages.router.routes} | {r.path for r in forms.router.routes}  # type: ignore[attr-defined]
    paths |= {r.path for r in mapping.router.routes}  # type: ignore[attr-defined]
    paths |= {p.path for p in mapping_themes.PAGES}  # the science maps' pages, own modules
    paths |= {p.path for p in mapping_history.PAGES}
    assert paths == {p.path for p in pages.PAGES}
