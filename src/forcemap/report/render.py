"""Render report sections into one self-contained HTML file (no external assets).

A report is a list of :class:`Section`; each holds blocks: Arrow tables, small SVG charts,
paragraphs and warnings. Rendering formats; it never computes.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from forcemap import __version__
from forcemap.report.tables import column_formatter, format_number

if TYPE_CHECKING:
    from forcemap.decide.result import DecisionResult, Rule

__all__ = [
    "Block",
    "Finding",
    "Section",
    "bar_chart",
    "column_text",
    "formatted_rows",
    "render_report",
    "rule_text",
]


@dataclass(frozen=True)
class Finding:
    """One statement of an executive summary: ``topic`` (e.g. "Positioning"), the
    ``statement`` in plain language with its numbers already in the report's one format, the
    ``anchor`` of the section it summarises, and ``evidence``: ``"ok"``, ``"insufficient
    evidence"`` or ``"no evidence"`` (a decision that had nothing to decide on), so that a
    reader — and a test — can tell an answer from the absence of one. ``values`` holds the
    numbers the statement shows, by name, as the decision returned them (None: unknown)."""

    topic: str
    statement: str
    anchor: str
    evidence: str = "ok"
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Block:
    """One piece of a section: ``kind`` is ``table``, ``chart``, ``text``, ``warning`` or
    ``findings`` (a list of :class:`Finding`, each linking to its section)."""

    kind: str
    title: str = ""
    table: pa.Table | None = None
    html: str = ""
    text: str = ""
    max_rows: int = 25
    findings: tuple[Finding, ...] = ()


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

    def findings(self, items: list[Finding]) -> Section:
        self.blocks.append(Block("findings", findings=tuple(items)))
        return self

    def notes(self, result: DecisionResult) -> Section:
        """A decision's coverage lines, then its caveats, as warnings."""
        for cov in result.coverage:
            self.warn(f"Coverage — {cov.describe()}")
        for c in result.caveats:
            self.warn(c)
        return self


def rule_text(rule: Rule) -> str:
    """A decision's rule as the report writes it: :meth:`~forcemap.decide.result.Rule.describe`,
    except that a parameter Python would write in scientific notation (``3.3e-05``) is written
    with :func:`~forcemap.report.tables.format_number` (``0.000033``); every other value as
    the decision gave it, so that a threshold reads exactly as it was set."""
    params = {
        k: format_number(v) if isinstance(v, float) and "e" in repr(v) else v
        for k, v in rule.parameters.items()
    }
    return replace(rule, parameters=params).describe()


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
            f'height="{h:.1f}" fill="#3b6ea8"><title>{html.escape(str(lab))}: '
            f"{format_number(v)}</title></rect>"
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


def _measure(name: str, names: list[str]) -> str:
    """The measure a column shows: ``x`` for ``x_low`` / ``x_high`` when ``x`` is a column too
    (an interval is written with its figure's decimals)."""
    for suffix in ("_low", "_high"):
        if name.endswith(suffix) and name[: -len(suffix)] in names:
            return name[: -len(suffix)]
    return name


def _formatters(table: pa.Table) -> tuple[dict[str, list[Any]], dict[str, Callable[[Any], str]]]:
    names = table.column_names
    values = {c: table[c].to_pylist() for c in names}
    pooled: dict[str, list[Any]] = {}
    for c in names:
        pooled.setdefault(_measure(c, names), []).extend(values[c])
    fmts = {c: column_formatter(_measure(c, names), pooled[_measure(c, names)]) for c in names}
    return values, fmts


def column_text(table: pa.Table, column: str) -> Callable[[Any], str]:
    """The formatter of ``column`` as the report writes it in ``table`` (see
    :func:`formatted_rows`): a figure quoted in the text reads as in its table."""
    return _formatters(table.select(_with_bounds(table, column)))[1][column]


def _with_bounds(table: pa.Table, column: str) -> list[str]:
    return [c for c in table.column_names if c == column or _measure(c, table.column_names)
            == column]  # fmt: skip


def formatted_rows(table: pa.Table, max_rows: int) -> list[list[tuple[str, bool]]]:
    """The first ``max_rows`` rows of ``table`` as ``(text, is_number)`` cells, in the one
    format of :func:`~forcemap.report.tables.column_formatter`: decimals fixed per measure
    over the whole column (a figure and its ``_low`` / ``_high`` bounds share them),
    thousands separators, never scientific notation."""
    names = table.column_names
    values, fmts = _formatters(table)
    out = []
    for i in range(min(max_rows, table.num_rows)):
        row = []
        for c in names:
            v = values[c][i]
            is_num = isinstance(v, (int, float)) and not isinstance(v, bool)
            row.append((fmts[c](v), is_num))
        out.append(row)
    return out


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("forcemap.report", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = format_number
    env.globals["formatted_rows"] = formatted_rows
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
