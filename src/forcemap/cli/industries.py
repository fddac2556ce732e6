"""``forcemap industries …``: the industry catalog (hygiene check)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from forcemap.cli._common import app, check_out, errors, options, out, write_table
from forcemap.errors import InputError

industries_app = typer.Typer(help="The industry catalog: check it against the store.")
app.add_typer(industries_app, name="industries")


def _j(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


@industries_app.command("check")
def industries_check(
    ctx: typer.Context,
    catalog: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalog",
            help="A user's catalog YAML merged over the shipped one; repeatable.",
        ),
    ] = None,
    near_duplicate_at: Annotated[
        float,
        typer.Option(
            help="Jaccard index (works or patents) at or above which two industries are "
            "near-duplicates."
        ),
    ] = 0.5,
    min_concept_score: Annotated[
        float, typer.Option(help="Minimum OpenAlex concept score for a work to count.")
    ] = 0.3,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the pairwise overlaps (.csv .parquet .json .xlsx)."),
    ] = None,
) -> None:
    """Each industry's size in the store, its overlap with every other, and hygiene flags.

    Flags a pair of industries whose Jaccard index on works or on patents reaches
    --near-duplicate-at, and an entry defined by broad concepts alone (OpenAlex levels 0-1,
    no specific concept, no topic). Exits with code 2 when a flag is raised.

    Example: forcemap --store demo.duckdb industries check --catalog my_industries.yaml
    """
    from forcemap.store.catalog_check import (
        check_industries,
        industry_overlap,
        load_catalog_for_check,
    )

    opts = options(ctx)
    with errors():
        check_out(out_file)
        cat = load_catalog_for_check(catalog or [])
        s = opts.open(read_only=True, create=False)
        try:
            checked = check_industries(
                s,
                catalog=cat,
                near_duplicate_at=near_duplicate_at,
                min_concept_score=min_concept_score,
            )
            pairs = industry_overlap(
                s,
                catalog=cat,
                near_duplicate_at=near_duplicate_at,
                min_concept_score=min_concept_score,
            )
        finally:
            s.close()
        t = Table(title="industry catalog check")
        for c in (
            "industry",
            "works",
            "patents",
            "concepts",
            "topics",
            "nearest (works)",
            "J works",
            "nearest (patents)",
            "J patents",
            "flags",
        ):
            t.add_column(c)
        for r in checked.to_pylist():
            t.add_row(
                escape(r["industry"]),
                f"{r['works']:,}",
                f"{r['patents']:,}",
                str(r["specific_concepts"]),
                str(r["topics"]),
                escape(r["nearest_works"] or "–"),
                _j(r["jaccard_works"]),
                escape(r["nearest_patents"] or "–"),
                _j(r["jaccard_patents"]),
                str(len(r["flags"])),
            )
        out.print(t)
        shared = [p for p in pairs.to_pylist() if p["shared_works"] or p["shared_patents"]]
        for p in shared:
            out.print(
                f"overlap {p['industry_a']} / {p['industry_b']}: works {p['shared_works']:,} "
                f"shared, J {_j(p['jaccard_works'])}; patents {p['shared_patents']:,} shared, "
                f"J {_j(p['jaccard_patents'])}",
                highlight=False,
            )
        if out_file is not None:
            write_table(pairs, out_file)
            out.print(f"{pairs.num_rows:,} pairs -> {out_file}", highlight=False)
        flags = [(r["industry"], f) for r in checked.to_pylist() for f in r["flags"]]
        for key, f in flags:
            out.print(f"[red]flag[/red] {escape(key)}: {escape(f)}", highlight=False)
        if flags:
            raise InputError(
                f"the industry catalog fails the check: {len(flags)} flag(s) "
                f"(near-duplicate at Jaccard ≥ {near_duplicate_at:g}, broad-only entries)"
            )
        out.print(f"ok: {checked.num_rows} industries, no near-duplicate, no broad-only entry")
