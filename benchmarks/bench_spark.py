"""Spark vs single-machine CD_5 on a synthetic heavy-tailed citation graph.

The same CD_5 (n_i, n_j, n_k, cd) of every work of a :mod:`citation_graphs` graph (default
200 k works / ~2 M citations; SYNTHETIC data), computed

* by forcemap's single-machine path: ``disruption_from_edges`` (numba CSR kernel; JIT warm-up
  excluded and reported);
* by :func:`forcemap.engine.spark_indicators.disruption_spark` on Spark local[N] (session start-up
  reported separately), reading Parquet and committing Parquet with ``atomic_write``.

Prints wall times, throughput (citations/s), the number of in-window (focal, reference, citer)
triples — the quantity the set-based formulation materialises — and the equality check
(counts exact, |Δcd| < 1e-9). Usage::

    python benchmarks/bench_spark.py [--works 200000] [--master local[2]] [--buckets 1]
                                     [--driver-memory 6g] [--broadcast auto|yes|no]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from citation_graphs import heavy_tailed_citation_graph  # noqa: E402


def triples(year: np.ndarray, citing: np.ndarray, cited: np.ndarray, window: int) -> int:
    """Number of in-window (focal, reference, citer) triples, with DuckDB."""
    import duckdb

    con = duckdb.connect()
    e = pa.table({"c": citing, "r": cited, "y": year[citing]})
    con.register("e", e)
    n = con.execute(
        """SELECT count(*) FROM e AS f JOIN e AS x ON x.r = f.r
           AND x.y > f.y AND x.y <= f.y + $w AND x.c <> f.c""",
        {"w": window},
    ).fetchall()[0][0]
    con.close()
    return int(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--works", type=int, default=200_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--buckets", type=int, default=1)
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--driver-memory", default="6g")
    ap.add_argument("--broadcast", choices=["auto", "yes", "no"], default="yes")
    ap.add_argument("--window", type=int, default=5)
    args = ap.parse_args()

    from forcemap.indicators.disruption import disruption_from_edges

    t0 = time.perf_counter()
    g = heavy_tailed_citation_graph(args.works, seed=0)
    print(
        f"graph (synthetic): {g.n_works:,} works, {g.n_citations:,} citations, "
        f"{time.perf_counter() - t0:.1f} s"
    )
    print(f"in-window triples: {triples(g.year, g.citing, g.cited, args.window):,}")

    # -- single machine: numba CSR kernel
    disruption_from_edges(
        pa.table({"id": [0, 1], "year": [2000, 2001]}), pa.table({"citing": [1], "cited": [0]})
    )
    nodes = pa.table({"id": np.arange(g.n_works, dtype=np.int64), "year": g.year})
    edges = pa.table({"citing": g.citing.astype(np.int64), "cited": g.cited.astype(np.int64)})
    t0 = time.perf_counter()
    ref = disruption_from_edges(nodes, edges, window=args.window, variants=False)
    kernel_s = time.perf_counter() - t0
    print(f"numba kernel: {kernel_s:.2f} s  ({g.n_citations / kernel_s:,.0f} citations/s)")

    # -- Spark
    from forcemap.engine.spark_indicators import disruption_spark
    from forcemap.engine.spark_io import atomic_write, spark_session

    t0 = time.perf_counter()
    spark = spark_session(args.master, **{"spark.driver.memory": args.driver_memory})
    print(
        f"spark session ({args.master}, driver {args.driver_memory}): "
        f"{time.perf_counter() - t0:.1f} s"
    )
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        pq.write_table(nodes.rename_columns(["work_id", "year"]), f"{tmp}/works.parquet")
        pq.write_table(edges.rename_columns(["citing_id", "cited_id"]), f"{tmp}/refs.parquet")
        works = spark.read.parquet(f"{tmp}/works.parquet")
        refs = spark.read.parquet(f"{tmp}/refs.parquet")
        broadcast = {"auto": None, "yes": True, "no": False}[args.broadcast]
        t0 = time.perf_counter()
        df = disruption_spark(
            spark,
            works,
            refs,
            window=args.window,
            buckets=args.buckets,
            broadcast=broadcast,
            partitions=args.partitions,
        )
        atomic_write(df, f"{tmp}/cd")
        spark_s = time.perf_counter() - t0
        got = pq.read_table(f"{tmp}/cd").sort_by("work_id")
    spark.stop()
    print(
        f"spark disruption_spark (buckets={args.buckets}, broadcast={args.broadcast}): "
        f"{spark_s:.1f} s  ({g.n_citations / spark_s:,.0f} citations/s)"
    )
    print(f"ratio spark / kernel: {spark_s / kernel_s:.0f}x")

    # -- equality
    assert got.num_rows == ref.num_rows
    assert got.column("work_id").to_pylist() == ref.column("id").to_pylist()
    for c in ("n_refs", "n_i", "n_j", "n_k"):
        assert got.column(c).to_pylist() == ref.column(c).to_pylist(), c
    a = got.column("cd").to_numpy(zero_copy_only=False)
    b = ref.column("cd").to_numpy(zero_copy_only=False)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(a)
    print(
        f"equal: counts exact, max |Δcd| = {np.max(np.abs(a[ok] - b[ok]), initial=0.0):.2e} "
        f"over {int(ok.sum()):,} defined CD values"
    )


if __name__ == "__main__":
    main()
