"""``forcemap report …``: self-contained reports (HTML that opens offline; PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forcemap.cli._common import CountryOpt, errors, options, out, report_app


@report_app.command("industry")
def report_industry(
    ctx: typer.Context,
    industry: Annotated[str, typer.Option(help="Industry key from the catalog.")],
    out_file: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    country: CountryOpt = "CN",
    pdf: Annotated[bool, typer.Option(help="Also print it to PDF with headless Chromium.")] = (
        False
    ),
) -> None:
    """Strategic S&T strength report of one industry for one country.

    An executive summary (one finding per decision, linked to its section), then positioning,
    bottlenecks, strategic actors, benchmarking against peers, talent, IP landscape, the
    innovation network and emerging topics, each with its rule and caveats.

    Example: forcemap report industry --industry semiconductors --country CN --out semi.html
    """
    from forcemap.report.industry import industry_report

    opts = options(ctx)
    with errors():
        s = opts.open(read_only=True)
        try:
            files = industry_report(s, industry=industry, country=country, out=out_file, pdf=pdf)
        finally:
            s.close()
    for f in files:
        out.print(f"written: {f}", highlight=False)
