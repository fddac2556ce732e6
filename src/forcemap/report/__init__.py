"""Self-contained HTML reports built from store summaries and decision results."""

from forcemap.report.render import Block, Finding, Section, bar_chart, render_report

__all__ = ["Block", "Finding", "Section", "bar_chart", "render_report"]
