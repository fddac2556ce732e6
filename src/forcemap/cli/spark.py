"""``forcemap spark …``: scale-out on Apache Spark (snapshot → canonical Parquet →
indicators; docs/spark.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from forcemap.cli._common import errors, options, out, spark_app, spark_progress

MasterOpt = Annotated[
    str,
    typer.Option(
        help="Spark master: local[N], yarn, spark://host:7077, k8s://…",
        envvar="FORCEMAP_SPARK_MASTER",
    ),
]


@spark_app.command("ingest")
def spark_ingest(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="OpenAlex works snapshot dir or file (or URI).")],
    out_dir: Annotated[str, typer.Option("--out", help="Output dir/URI: <table>.parquet each.")],
    master: MasterOpt = "local[2]",
    partitions: Annotated[int | None, typer.Option(help="Files per table.")] = None,
) -> None:
    """OpenAlex snapshot → canonical Parquet tables with Spark (same mapping as ingest openalex).

    Example: forcemap spark ingest openalex-snapshot/data/works --out canonical/
    """
    from forcemap.engine.spark import spark_session
    from forcemap.engine.spark_ingest import ingest_openalex_spark

    with errors(), spark_progress(options(ctx), force=True) as progress:
        spark = spark_session(master)
        rep = ingest_openalex_spark(
            spark, source, out_dir, partitions=partitions, progress=progress
        )
    out.print(
        f"read {rep.read:,} = stored {rep.stored:,} + rejected {rep.rejected:,} "
        f"+ duplicates {rep.duplicates:,}"
        + (
            f" (rejected: {', '.join(f'{k} {v:,}' for k, v in rep.reasons.items())})"
            if rep.reasons
            else ""
        )
    )
    t = Table(title="canonical Parquet tables")
    for c in ("table", "rows", "path"):
        t.add_column(c)
    for name, n in rep.tables.items():
        t.add_row(name, f"{n:,}", escape(rep.outputs[name]))
    t.add_row("_quarantine", f"{rep.rejected:,}", escape(rep.outputs["_quarantine"]))
    out.print(t)


@spark_app.command("run")
def spark_run(
    ctx: typer.Context,
    input_dir: Annotated[
        str, typer.Option("--input", help="Store .duckdb file, or dir/URI of <table>.parquet.")
    ],
    output_dir: Annotated[str, typer.Option("--output", help="Output dir/URI.")],
    indicators: Annotated[
        str, typer.Option(help="Comma-separated: disruption, impact, rca.")
    ] = "disruption,impact,rca",
    window: Annotated[int, typer.Option(help="CD window in years.")] = 5,
    buckets: Annotated[int, typer.Option(help="Focal hash buckets for CD.")] = 1,
    master: MasterOpt = "local[2]",
) -> None:
    """Indicators on Spark: CD_t (n_i, n_j, n_k), impact (NCS, percentiles), RCA → Parquet.

    Each output is committed atomically; attach results to a store with
    forcemap.engine.spark.attach_results. Example:
    forcemap spark run --input canonical/ --output results/ --indicators disruption
    """
    from forcemap.engine.spark import run_spark_indicators

    with errors(), spark_progress(options(ctx), force=True) as progress:
        outputs = run_spark_indicators(
            input_dir,
            output_dir,
            indicators=[x.strip() for x in indicators.split(",") if x.strip()],
            master=master,
            progress=progress,
            window=window,
            buckets=buckets,
        )
    for name, path in outputs.items():
        out.print(f"{name}: {escape(path)}")
