"""The tables of the decisions that print more than their columns (``forcemap decide
positioning`` and ``forcemap decide benchmark``): intervals under their figures, per-side
leaders, insufficient evidence, a legend, then the rule, coverage and caveats."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from forcemap.cli._common import out, print_coverage

if TYPE_CHECKING:
    from forcemap.decide.result import DecisionResult


def num(v: float | None, fmt: str = ".0f") -> str:
    """A number for a table cell ('–' when unknown)."""
    return "–" if v is None else format(v, fmt)


def interval(low: float | None, high: float | None) -> str:
    """A stability interval for a table cell ('–' when unknown)."""
    if low is None or high is None:
        return "–"
    return f"{low:.0f}–{high:.0f}"


def print_positioning(r: DecisionResult) -> None:
    """The positioning table, its legend, rule, caveats and the strategy of each class."""
    from forcemap.decide.positioning import STRATEGIES

    p = r.rule.parameters
    title = f"positioning of {p['country']}, {p['years']}"
    t = Table(title=title + ("  [SYNTHETIC DATA]" if r.synthetic else ""))
    for c in ("unit", "class", "L", "L 95 %", "L pub", "L tech", "trend", "leader",
              "pub/tech", "behind"):  # fmt: skip
        t.add_column(c, justify="left" if c in ("unit", "class", "leader", "pub/tech") else "right")
    t.add_column("top works", justify="right")
    t.add_column("hv patents", justify="right")
    for x in r.table.to_pylist():
        behind = num(x["years_behind"], "d") + ("+" if x["years_behind_censored"] else "")
        t.add_row(
            escape(x["unit_name"] + (" (!)" if x["thin_evidence"] else "")),
            escape(x["class"]),
            num(x["level"]),
            interval(x["level_low"], x["level_high"]),
            num(x["level_pub"]),
            num(x["level_tech"]),
            num(x["trend"], "+.0f"),
            x["leader"] or "–",
            f"{x['leader_pub'] or '–'}/{x['leader_tech'] or '–'}",
            behind,
            f"{x['top_works']:.1f}/{x['world_top_works']:.1f}",
            f"{x['hv_patents']:.1f}/{x['world_hv_patents']:.1f}",
        )
    out.print(t)
    out.print(
        "L: level vs the best country (100); L 95 %: its stability interval (bootstrap over "
        "documents); L pub / L tech: the side levels (– : the side is dropped, too little "
        "world evidence); pub/tech: the leader of each side; trend: change vs the previous "
        "window; behind: years since the leader's score reached this one (+: at least); top "
        "works / hv patents: the country's / the world's, fractional; (!) a side dropped or "
        "insufficient evidence.",
        highlight=False,
    )
    out.print(f"[bold]Rule[/bold]: {escape(r.rule.describe())}", highlight=False)
    print_coverage(r)
    for c in r.caveats:
        out.print(f"[yellow]caveat[/yellow]: {escape(c)}", highlight=False)
    if r.table.num_rows:
        for cls in ("catch-up", "parallel", "leading"):
            if cls in r.table["class"].to_pylist():
                out.print(f"[bold]{cls}[/bold]: {STRATEGIES[cls]}", highlight=False)


def ci(x: dict[str, object], fig: str, fmt: str, scale: float = 1.0) -> str:
    """A figure over its interval, e.g. ``0.89`` then ``[0.79–1.01]`` ('–' when unknown);
    ``scale`` 100 shows a share in per cent."""
    v, lo, hi = x.get(fig), x.get(f"{fig}_low"), x.get(f"{fig}_high")
    if not isinstance(v, int | float):
        return "–"
    cell = format(v * scale, fmt)
    if isinstance(lo, int | float) and isinstance(hi, int | float):
        cell += f"\n{escape(f'[{format(lo * scale, fmt)}–{format(hi * scale, fmt)}]')}"
    return cell


def print_benchmark(r: DecisionResult, max_rows: int = 60) -> None:
    """The benchmark table with intervals, the rule, coverage and caveats."""
    rows = r.table.to_pylist()
    units = list(dict.fromkeys(str(x["unit_name"] or x["unit"]) for x in rows))
    one = len(units) == 1  # one unit: named in the title, no unit column
    title = "benchmark" + (f": {units[0]}" if one else "")
    t = Table(title=title + ("  [SYNTHETIC DATA]" if r.synthetic else ""))
    patents = any(x["patents"] is not None for x in rows)  # none with unit=field
    heads = ([] if one else ["unit"]) + ["country", "rank", "works", "frac.", "share %",
                                         "MNCS", "PP10 %", "intl %", "ind–acad %"]  # fmt: skip
    heads += ["patents", "FC5"] if patents else []
    heads += ["CAGR", "RCA"] + (["RTA"] if patents else []) + ["impact evidence"]
    for h in heads:
        t.add_column(
            h,
            justify="left" if h in ("unit", "country", "impact evidence") else "right",
            overflow="fold",
            max_width=12 if h == "unit" else 16 if h == "impact evidence" else None,
        )
    for x in rows[:max_rows]:
        thin = " (!)" if x["thin_evidence"] else ""
        cells = [] if one else [escape(str(x["unit_name"] or x["unit"])) + thin]
        cells += [
            x["country"] + (" *" if x["is_home"] else "") + (thin if one else ""),
            num(x["rank"], "d"),
            f"{x['works']:,}",
            num(x["works_frac"], ".1f"),
            ci(x, "world_share", ".1f", 100),
            ci(x, "mncs", ".2f"),
            ci(x, "pp_top10", ".1f", 100),
            ci(x, "intl_copub_share", ".1f", 100),
            ci(x, "industry_academia_share", ".1f", 100),
        ]
        cells += [num(x["patents"], ".1f"), num(x["fc5_mean"], ".2f")] if patents else []
        cells += [num(x["cagr"], "+.3f"), num(x["rca"], ".2f")]
        cells += [num(x["rta"], ".2f")] if patents else []
        t.add_row(*cells, escape(x["impact_evidence"]))
    out.print(t)
    if len(rows) > max_rows:
        out.print(f"… {len(rows) - max_rows:,} more rows (use --out)")
    out.print(
        "frac.: works_frac (fractional works); share %: world_share; PP10 %: pp_top10; intl / "
        "ind–acad: international / industry–academia co-publication shares; FC5: fc5_mean; "
        "*: the home country; \\[a–b]: 95 % stability interval (bootstrap over works); "
        "(!) thin evidence; CAGR over complete years only.",
        highlight=False,
    )
    out.print(f"[bold]Rule[/bold]: {escape(r.rule.describe())}", highlight=False)
    print_coverage(r)
    for c in r.caveats:
        out.print(f"[yellow]caveat[/yellow]: {escape(c)}", highlight=False)
