"""The analyst's workbench: FastAPI app with server-rendered pages and a JSON API (C14).

``create_app(store_path, token=…)`` builds the app over a read-only store;
``serve(store_path, host=…, port=…, token=…)`` runs it with uvicorn. See
:mod:`forcemap.web.app` for the structure and :mod:`forcemap.web.pages` for adding a page.
"""

from typing import Any

from forcemap.web.app import create_app

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> Any:
    # imported lazily so that ``python -m forcemap.web.serve`` runs the module only once
    if name == "serve":
        from forcemap.web.serve import serve

        return serve
    raise AttributeError(f"module 'forcemap.web' has no attribute {name!r}")
