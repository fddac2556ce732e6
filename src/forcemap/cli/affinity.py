"""``forcemap decide affinity``: reviewer–paper affinity from files of the OpenReview
expertise format (no store needed).

The command function is registered under ``decide`` by :mod:`forcemap.cli.decide`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from forcemap.cli._common import check_out, err, errors, options, print_arrow, write_table


def affinity_cmd(
    ctx: typer.Context,
    archives: Annotated[
        Path,
        typer.Option(help="Directory of <reviewer>.jsonl profiles (id, content.title/abstract)."),
    ],
    submissions: Annotated[
        Path, typer.Option(help="submissions.json ({id: paper} or a list) or .jsonl.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the table: .csv, .parquet, .json or .xlsx."),
    ] = None,
    aggregation: Annotated[
        str, typer.Option(help="Over a reviewer's papers: mean, max or top_k.")
    ] = "mean",
    top_k: Annotated[int, typer.Option(help="Papers averaged by --aggregation top_k.")] = 3,
) -> None:
    """Score every reviewer against every submission (BM25 over stemmed terms and phrases,
    aggregated over the reviewer's papers): reviewer_id, paper_id, score.

    Example: forcemap decide affinity --archives archives --submissions submissions.json
    --out affinity.csv
    """
    from forcemap.decide.affinity import affinity

    opts = options(ctx)
    check_out(out)
    with errors():
        t = affinity(archives, submissions, aggregation=aggregation, top_k=top_k)
        print_arrow(t.sort_by([("score", "descending")]), "affinity (best pairs first)")
        if out is not None:
            rule = (
                "Affinity of a reviewer with a submission: each of the reviewer's papers (title "
                "and abstract) is a BM25 query (k1 = 1.2, b = 0.75; Snowball stems and "
                "stem bigrams) against the submissions; the reviewer's score is the "
                f"{aggregation} of the papers' scores"
                + (f" (top {top_k})" if aggregation == "top_k" else "")
                + ". Scores rank submissions for one reviewer; they are not probabilities."
            )
            write_table(t, out, notes={"rule": [rule]})
            if not opts.quiet:
                err.print(f"{t.num_rows:,} rows -> {escape(str(out))}")
