"""Command-line entry for ``spark-submit``: compute indicators from Parquet (or a store) to Parquet.

Locally::

    python -m forcemap.engine.spark_submit --input store.duckdb --output out/ --master local[2]

On a cluster (the driver needs forcemap installed; executors need nothing, there are no Python
UDFs)::

    spark-submit --master yarn --deploy-mode client \\
        "$(python -c 'import forcemap.engine.spark_submit as m; print(m.__file__)')" \\
        --input s3a://bucket/forcemap/input --output s3a://bucket/forcemap/results \\
        --indicators disruption,impact,rca --buckets 16

``--input`` is a DuckDB store file (local mode: exported to Parquet first) or a directory/URI
holding ``<table>.parquet`` (as written by :func:`forcemap.engine.spark.export_tables`). URIs
(``file://``, ``hdfs://``, ``s3a://``, ``abfss://``) are passed to Spark unchanged.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from forcemap.errors import ForcemapError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m forcemap.engine.spark_submit",
        description="Compute forcemap indicators with Spark; results are Parquet per indicator.",
    )
    p.add_argument("--input", required=True, help="store .duckdb file, or dir/URI of Parquet")
    p.add_argument("--output", required=True, help="output dir/URI (one sub-dir per indicator)")
    p.add_argument(
        "--indicators",
        default="disruption,impact,rca",
        help="comma-separated subset of disruption,impact,rca",
    )
    p.add_argument(
        "--ingest-openalex",
        metavar="SRC",
        help="first read an OpenAlex works snapshot (dir/URI) into canonical Parquet at --input",
    )
    p.add_argument("--window", type=int, default=5, help="CD window in years (default 5)")
    p.add_argument("--buckets", type=int, default=1, help="focal hash buckets for CD")
    p.add_argument(
        "--master", default=None, help="Spark master (default: spark-submit's, else local[*])"
    )
    p.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="extra Spark setting"
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run; returns the process exit code (forcemap errors map to their ``exit_code``)."""
    args = _parser().parse_args(argv)
    from forcemap.engine.spark import run_spark_indicators

    conf = {}
    for kv in args.conf:
        key, sep, value = kv.partition("=")
        if not sep:
            print(f"error: --conf {kv!r} is not KEY=VALUE", file=sys.stderr)
            return 2
        conf[key] = value
    t0 = time.perf_counter()

    def progress(step: str, done: int, total: int) -> None:
        if not args.quiet:
            el = time.perf_counter() - t0
            print(f"[{el:7.1f}s] {step}: {done}/{total} tasks", file=sys.stderr, flush=True)

    try:
        if args.ingest_openalex:
            from forcemap.engine.spark_ingest import ingest_openalex_spark
            from forcemap.engine.spark_io import spark_session

            spark = spark_session(args.master, **conf)
            rep = ingest_openalex_spark(spark, args.ingest_openalex, args.input, progress=progress)
            print(
                f"ingest: read {rep.read:,} = stored {rep.stored:,} + rejected {rep.rejected:,} "
                f"+ duplicates {rep.duplicates:,}",
                file=sys.stderr,
            )
        out = run_spark_indicators(
            args.input,
            args.output,
            indicators=[s.strip() for s in args.indicators.split(",") if s.strip()],
            master=args.master,
            progress=progress,
            window=args.window,
            buckets=args.buckets,
            conf=conf,
        )
    except ForcemapError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    for name, path in out.items():
        print(f"{name}\t{path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
