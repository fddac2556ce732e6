"""Plotly figures rendered server-side into HTML fragments (the JS bundle is served locally).

Each helper returns markup from ``plotly.io.to_html(fig, include_plotlyjs=False,
full_html=False)``; ``base.html`` loads ``/static/plotly.min.js`` from the installed plotly
package, so pages work offline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup

__all__ = ["bar", "bars_by_year", "levels", "to_markup"]

_CONFIG = {"displaylogo": False, "responsive": True}
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")


def to_markup(fig: go.Figure, *, height: int = 320) -> Markup:
    """A figure as an HTML fragment (a ``div.plotly-graph-div`` and its plotting script)."""
    fig.update_layout(
        height=height,
        margin={"l": 50, "r": 20, "t": 30, "b": 40},
        template="plotly_white",
    )
    html = pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        config=_CONFIG,
        default_height=f"{height}px",
    )
    return Markup(html)


def bar(
    x: Sequence[Any],
    y: Sequence[Any],
    *,
    x_title: str = "",
    y_title: str = "",
    horizontal: bool = False,
    height: int = 320,
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
    return to_markup(fig, height=height)


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
