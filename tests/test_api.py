"""The top-level API: ``forcemap.__all__`` is sorted, complete and every name resolves."""

from __future__ import annotations

import subprocess
import sys

import forcemap


def test_all_is_sorted_and_pinned() -> None:
    assert forcemap.__all__ == sorted(forcemap.__all__)
    assert set(forcemap.__all__) == set(forcemap._HOMES)
    assert forcemap.__all__ == [
        "DecisionResult",
        "ForcemapError",
        "Store",
        "allocate_budget",
        "analyse",
        "benchmark",
        "bottlenecks",
        "build_network",
        "compute_indicator",
        "consortium",
        "indicator_table",
        "industry_report",
        "ingest",
        "landscape",
        "pathways",
        "positioning",
        "project_review",
        "review_panel",
        "search",
        "strategic_actors",
        "talent",
        "technology_watch",
    ]


def test_every_name_resolves_to_its_home() -> None:
    for name in forcemap.__all__:
        obj = getattr(forcemap, name)
        assert callable(obj), name
        assert getattr(obj, "__name__", name) == name


def test_import_is_lazy() -> None:
    code = "import sys, forcemap; print('forcemap.decide.panel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
