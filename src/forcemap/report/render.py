"""Render report sections into one self-contained HTML file (no external assets).

A report is a list of :class:`Section`; each holds blocks: Arrow tables, small SVG charts,
paragraphs and warnings. Rendering formats; it never computes.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from forcemap import __version__
from forcemap.report.tables import format_number

if TYPE_CHECKING:
    from forcemap.decide.result import DecisionResult

__all__ = ["Block", "Section", "bar_chart", "render_report"]


@dataclass(frozen=True)
class Block:
    """One piece of a section: ``kind`` is ``table``, ``chart``, ``text`` or ``warning``."""

    kind: str
    title: str = ""
    table: pa.Table | None = None
    html: str = ""
    text: str = ""
    max_rows: int = 25


@dataclass
class Section:
    """A titled report section with its method note and blocks."""

    title: str
    intro: str = ""
    method: str = ""
    blocks: list[Block] = field(default_factory=list)
    anchor: str = ""

    def table(self, title: str, table: pa.Table, *, max_rows: int = 25) -> Section:
        self.blocks.append(Block("table", title=title, table=table, max_rows=max_rows))
        return self

    def chart(self, title: str, svg: str) -> Section:
        self.blocks.append(Block("chart", title=title, html=svg))
        return self

    def text(self, text: str) -> Section:
        self.blocks.append(Block("text", text=text))
        return self

    def warn(self, text: str) -> Section:
        self.blocks.append(Block("warning", text=text))
        return self

    def notes(self, result: DecisionResult) -> Section:
        """A decision's coverage lines, then its caveats, as warnings."""
        for cov in result.coverage:
            self.warn(f"Coverage — {cov.describe()}")
        for c in result.caveats:
            self.warn(c)
        return self


def bar_chart(
    labels: list[str], values: list[float], *, width: int = 640, height: int = 180
) -> str:
    """A small inline SVG bar chart (no JavaScript, prints and opens offline)."""
    if not values:
        return "<p><em>no data</em></p>"
    vmax = max(max(values), 1e-12)
    n = len(values)
    bw = width / n
    bars = []
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        h = (height - 20) * v / vmax
        x = i * bw
        bars.append(
            f'<rect x="{x + 1:.1f}" y="{height - 20 - h:.1f}" width="{max(bw - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="#3b6ea8"><title>{html.escape(str(lab))}: {v:,.4g}'
            f"</title></rect>"
        )
    step = max(1, n // 10)
    ticks = "".join(
        f'<text x="{i * bw + bw / 2:.1f}" y="{height - 5}" font-size="10" '
        f'text-anchor="middle">{html.escape(str(labels[i]))}</text>'
        for i in range(0, n, step)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">{"".join(bars)}{ticks}</svg>'
    )


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("forcemap.report", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = format_number
    env.filters["safe_svg"] = lambda s: Markup(s)  # charts are produced by bar_chart above
    return env


def render_report(
    sections: list[Section],
    out: str | os.PathLike[str],
    *,
    title: str,
    subtitle: str = "",
    synthetic: bool = False,
) -> Path:
    """Write the report to ``out`` (HTML, self-contained) and return its path.

    ``synthetic`` puts a banner on every page saying the data are synthetic.
    """
    for i, s in enumerate(sections):
        if not s.anchor:
            s.anchor = f"s{i + 1}"
    page = (
        _env()
        .get_template("report.html")
        .render(
            title=title,
            subtitle=subtitle,
            sections=sections,
            synthetic=synthetic,
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            version=__version__,
        )
    )
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
