"""The pages' templates: the Jinja2 environment, the page registry and :func:`render`.

A page is one function returning its template context, registered with :meth:`PageSet.page`
on the :class:`PageSet` of its module (:mod:`forcemap.web.pages`, :mod:`forcemap.web.forms`);
the app includes each module's router and lists every page in the nav
(``app.state.nav``, in the order of :data:`forcemap.web.pages.PAGES`). Templates live in
``web/templates/`` and extend ``base.html`` (nav, synthetic-data banner, the locally served
Plotly bundle).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from forcemap.report.tables import format_number

__all__ = ["Page", "PageSet", "render", "templates"]

#: The Jinja2 templates of ``web/templates/`` (autoescaped HTML).
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# numbers are shown one way everywhere (thousands separators, never scientific notation)
templates.env.filters["num"] = format_number


@dataclass(frozen=True)
class Page:
    """A registered page: its path, nav title, template and whether it is in the nav."""

    path: str
    title: str
    template: str
    nav: bool = True


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a template with the base context (nav, synthetic flag, store name)."""
    state = request.app.state.forcemap
    base = {
        "nav": list(request.app.state.nav),
        "synthetic": state.synthetic,
        "store_name": state.store_path.name,
        "current": request.url.path,
    }
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )


class PageSet:
    """The pages of one module: a router (GET routes, left out of the OpenAPI schema) and
    the :class:`Page` entries in registration order."""

    def __init__(self) -> None:
        self.router = APIRouter(include_in_schema=False)
        self.pages: list[Page] = []

    def page(
        self, path: str, *, title: str, template: str, nav: bool = True
    ) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
        """Register a page function (returning its template context) at ``path``.

        The function takes ``request`` (required) plus any FastAPI parameters; a
        ``status_code`` key in its context sets the response status (a form page
        re-rendered with its error message answers 4xx). ``nav=False`` keeps the page out
        of the menu.
        """

        def decorate(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
            entry = Page(path, title, template, nav)
            self.pages.append(entry)

            @functools.wraps(fn)
            def endpoint(*args: Any, **kwargs: Any) -> HTMLResponse:
                context = fn(*args, **kwargs)
                status = int(context.pop("status_code", 200))
                return render(
                    kwargs["request"], template, {"page": entry, **context}, status_code=status
                )

            self.router.add_api_route(
                path, endpoint, methods=["GET"], response_class=HTMLResponse, name=fn.__name__
            )
            return fn

        return decorate
