"""Plotly figures rendered server-side into HTML fragments (the JS bundle is served locally).

Each helper returns a ``div.plotly-graph-div`` followed by the figure as a JSON data block
(``<script type="application/json" class="fm-figure">``); ``base.html`` loads
``/static/plotly.min.js`` from the installed plotly package and ``/static/figures.js``, which
draws every such block. No inline script: the pages run under a Content-Security-Policy
whose ``script-src`` is ``'self'`` (see :mod:`forcemap.web.app`), and work offline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup

__all__ = ["bar", "bars_by_year", "heatmap", "levels", "panels", "to_markup"]

_CONFIG = {"displaylogo": False, "responsive": True}
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")


def to_markup(fig: go.Figure, *, height: int = 320, left: int = 50) -> Markup:
    """A figure as an HTML fragment (a ``div.plotly-graph-div`` and the figure as a JSON data
    block that ``/static/figures.js`` draws); ``left`` is the left margin in pixels (room for
    long category labels)."""
    fig.update_layout(
        height=height,
        margin={"l": left, "r": 20, "t": 30, "b": 40},
        template="plotly_white",
    )
    spec = json.loads(pio.to_json(fig, validate=False))
    spec["config"] = _CONFIG
    # "<" only occurs inside JSON strings, where \u003c is the same character: no "</script>"
    data = json.dumps(spec, separators=(",", ":")).replace("<", "\\u003c")
    return Markup(
        f'<div style="height:{height}px; width:100%;">'
        '<div class="plotly-graph-div" style="height:100%; width:100%;"></div>'
        f'<script type="application/json" class="fm-figure">{data}</script></div>'
    )


def bar(
    x: Sequence[Any],
    y: Sequence[Any],
    *,
    x_title: str = "",
    y_title: str = "",
    horizontal: bool = False,
    height: int = 320,
    left: int = 50,
) -> Markup:
    """A single-series bar chart (``horizontal`` puts categories on the y axis)."""
    if horizontal:
        # first category on top: plot the categories in reverse order
        fig = go.Figure(go.Bar(x=list(y)[::-1], y=[str(v) for v in x][::-1], orientation="h"))
        fig.update_yaxes(title_text=x_title)
        fig.update_xaxes(title_text=y_title)
    else:
        fig = go.Figure(go.Bar(x=list(x), y=list(y)))
        fig.update_xaxes(title_text=x_title)
        fig.update_yaxes(title_text=y_title)
    return to_markup(fig, height=height, left=left)


def bars_by_year(
    series: Mapping[str, tuple[Sequence[Any], Sequence[Any]]], *, height: int = 320
) -> Markup:
    """Grouped bars per year, one trace per named series with data (empty ones left out)."""
    fig = go.Figure()
    for i, (name, (years, values)) in enumerate(series.items()):
        if len(years):
            fig.add_trace(
                go.Bar(
                    x=list(years),
                    y=list(values),
                    name=name,
                    marker_color=_COLOURS[i % len(_COLOURS)],
                )
            )
    fig.update_layout(barmode="group", showlegend=True)
    fig.update_xaxes(title_text="year")
    fig.update_yaxes(title_text="count")
    return to_markup(fig, height=height)


def levels(
    units: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    threshold: float | None = None,
    height: int = 340,
) -> Markup:
    """Grouped horizontal-category bars of levels (0–100) per unit, one trace per series;
    ``threshold`` draws a dashed reference line (e.g. the ``parallel_at`` class boundary)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_trace(
            go.Bar(
                x=list(units),
                y=list(values),
                name=name,
                marker_color=_COLOURS[i % len(_COLOURS)],
            )
        )
    if threshold is not None:
        fig.add_hline(
            y=threshold,
            line_dash="dash",
            line_color="#888",
            annotation_text=f"parallel at {threshold:g}",
            annotation_position="top left",
        )
    fig.update_layout(barmode="group", showlegend=True)
    fig.update_yaxes(title_text="level (best country = 100)", range=[0, 105])
    return to_markup(fig, height=height)


def panels(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    highlight: str | None = None,
    height: int = 320,
) -> Markup:
    """Side-by-side bar panels, one per named series, over the same ``categories`` (e.g. a
    country and its peers); the ``highlight`` category is drawn in another colour."""
    from plotly.subplots import make_subplots

    names = list(series)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.12)
    colours = [_COLOURS[1] if c == highlight else _COLOURS[0] for c in categories]
    for i, name in enumerate(names, start=1):
        fig.add_trace(
            go.Bar(x=list(categories), y=list(series[name]), name=name, marker_color=colours),
            row=1,
            col=i,
        )
    fig.update_layout(showlegend=False)
    return to_markup(fig, height=height)


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    z: Sequence[Sequence[float | None]],
    *,
    colorbar_title: str = "",
    height: int | None = None,
) -> Markup:
    """A heatmap with ``rows`` top-down (first row on top) and ``columns`` left to right;
    empty cells (None) are left blank. The height grows with the number of rows."""
    fig = go.Figure(
        go.Heatmap(
            z=[list(r) for r in z],
            x=list(columns),
            y=list(rows),
            colorscale="Blues",
            hoverongaps=False,
            colorbar={"title": {"text": colorbar_title}},
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickangle=-45, automargin=True)
    return to_markup(fig, height=height or max(320, 80 + 22 * len(rows)))
