r"""Spark engine: the heavy set-based indicator steps as Spark jobs over Parquet.

The single-machine path (:mod:`forcemap.indicators`) computes in DuckDB, with a compiled CSR
kernel for the CD index. The Spark engine computes the *same definitions* with Spark DataFrames
(built-in expressions only: no Python UDFs, so executors need no forcemap install), in three
modules:

* :mod:`forcemap.engine.spark_indicators` — the jobs: ``disruption_spark`` (CD\ :sub:`t` with
  :math:`n_i, n_j, n_k` and optionally the variants of
  :func:`forcemap.indicators.disruption.disruption_from_edges`, hash-bucketed and set-based
  instead of the CSR kernel), ``impact_spark`` (field assignment, citations, NCS and
  percentile / top-x % shares), ``activity_spark`` / ``rca_spark`` (the country × concept
  activity table and the Balassa index);
* :mod:`forcemap.engine.spark_io` — the plumbing: :func:`spark_session` (one shared, quiet
  session), :func:`export_tables` (DuckDB ``COPY … (FORMAT parquet)`` of canonical tables as
  Spark input), ``atomic_write`` (write to ``<path>.tmp-<uuid>``, then rename: a failed job
  leaves no partial output and an existing output is replaced only after success),
  :func:`attach_results` (DuckDB views over the result Parquet);
* this module — :func:`run_spark_indicators` (export → compute → commit) and
  :func:`disruption_table` (what ``forcemap --engine spark indicators disruption`` runs).

Paths may be local paths or any URI Spark's Hadoop file systems understand (``file://``,
``hdfs://``, ``s3a://``, ``abfss://``); :func:`export_tables` and :func:`attach_results` run
in DuckDB and take local paths. See ``docs/spark.md`` for cluster use and sizing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from forcemap.engine.spark_indicators import disruption_spark, impact_spark, rca_spark
from forcemap.engine.spark_io import (
    SparkProgress,
    StageProgress,
    atomic_write,
    attach_results,
    export_tables,
    is_uri,
    path_exists,
    require_pyspark,
    spark_session,
    sql_string,
    to_uri,
)
from forcemap.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

    from forcemap.store.store import Store

# spark_session, export_tables and attach_results are documented as forcemap.engine.spark.*
# (README, docs/spark.md, the CLI imports spark_session from here); they live in spark_io.
__all__ = [
    "INDICATORS",
    "attach_results",
    "disruption_table",
    "export_tables",
    "run_spark_indicators",
    "spark_session",
]

#: Indicators :func:`run_spark_indicators` computes, and the input tables each one reads.
INDICATORS: dict[str, tuple[str, ...]] = {
    "disruption": ("works", "work_references"),
    "impact": ("works", "work_references", "work_concepts"),
    "rca": ("works", "authorships", "institutions", "work_concepts"),
}


def _read_inputs(spark: SparkSession, base: str, names: Iterable[str]) -> dict[str, DataFrame]:
    out = {}
    for name in names:
        path = f"{base}/{name}.parquet"
        if not path_exists(spark, path):
            raise InputError(
                f"Spark input {path} is missing; export the store with "
                "forcemap.engine.spark.export_tables (one <table>.parquet per table)"
            )
        out[name] = spark.read.parquet(path)
    return out


def run_spark_indicators(
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    indicators: Sequence[str] = ("disruption", "impact", "rca"),
    master: str | None = "local[2]",
    progress: SparkProgress | None = None,
    window: int = 5,
    buckets: int = 1,
    spark: SparkSession | None = None,
    conf: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Compute indicators with Spark and commit each as Parquet ``<out_dir>/<indicator>``.

    Parameters
    ----------
    source : str or os.PathLike
        A DuckDB store file (exported with :func:`export_tables` to a temporary directory
        first; local mode) or a directory / URI holding ``<table>.parquet`` inputs.
    out_dir : str or os.PathLike
        Output root (local path or URI); results go to ``<out_dir>/disruption``,
        ``<out_dir>/impact``, ``<out_dir>/rca``.
    indicators : sequence of str, default all three
        Any of :data:`INDICATORS`.
    master : str or None, default "local[2]"
        Spark master for a new session (ignored when ``spark`` is given or one is active).
    progress : SparkProgress, optional
        ``progress(step, done_tasks, total_tasks)`` for steps ``export``, ``disruption``,
        ``impact``, ``rca`` (task counts from the SparkContext status tracker).
    window : int, default 5
        CD window (years).
    buckets : int, default 1
        Focal hash buckets for CD (see :func:`disruption_spark`).
    spark : SparkSession, optional
        Use this session instead of :func:`spark_session`.
    conf : mapping, optional
        Extra Spark settings for a new session.

    Returns
    -------
    dict
        Indicator → committed output path. Each output is written atomically (see
        :func:`atomic_write`): re-running replaces it; a failed step leaves the previous
        output of that step untouched (and outputs of steps already committed in place).

    Raises
    ------
    InputError
        Unknown indicator, or a missing input table.
    """
    unknown = [i for i in indicators if i not in INDICATORS]
    if unknown or not indicators:
        raise InputError(f"indicators must be among {tuple(INDICATORS)}, got {list(indicators)}")
    spark = spark or spark_session(master, **dict(conf or {}))
    src = os.fspath(source)
    needed = sorted({t for i in indicators for t in INDICATORS[i]})
    tmp_input: str | None = None
    try:
        if not is_uri(src) and Path(src).is_file():
            from forcemap.store.store import Store

            tmp_input = tempfile.mkdtemp(prefix="forcemap-spark-input-")
            if progress is not None:
                progress("export", 0, len(needed))
            with Store.open(src, read_only=True) as store:
                export_tables(store, tmp_input, needed)
            if progress is not None:
                progress("export", len(needed), len(needed))
            base = tmp_input
        else:
            base = to_uri(src)
        t = _read_inputs(spark, base, needed)
        root = to_uri(out_dir)
        outputs: dict[str, str] = {}
        for name in indicators:
            with StageProgress(spark, name, progress):
                if name == "disruption":
                    df = disruption_spark(
                        spark, t["works"], t["work_references"], window=window, buckets=buckets
                    )
                elif name == "impact":
                    df = impact_spark(spark, t["works"], t["work_references"], t["work_concepts"])
                else:
                    df = rca_spark(
                        spark, t["works"], t["authorships"], t["institutions"], t["work_concepts"]
                    )
                outputs[name] = atomic_write(df, f"{root}/{name}")
        return outputs
    finally:
        if tmp_input is not None:
            shutil.rmtree(tmp_input, ignore_errors=True)


# -- the CLI's `--engine spark`: a store in, the DuckDB path's table out ----------------------
_DISRUPTION_INPUT_SQL = {
    "works": (
        "SELECT work_id, year FROM works",
        "SELECT citing_id, cited_id FROM work_references",
    ),
    "patents": (
        "SELECT patent_id AS work_id, year FROM patents",
        "SELECT citing_id, cited_id FROM patent_citations",
    ),
}


def disruption_table(
    store: Store,
    *,
    window: int = 5,
    require_references: bool = False,
    entity: str = "works",
    variants: bool = True,
    spark: SparkSession | None = None,
    master: str | None = "local[2]",
    progress: SparkProgress | None = None,
    buckets: int = 1,
) -> pa.Table:
    r"""CD\ :sub:`t` of every work (or patent) of ``store`` computed on Spark.

    The same table as :func:`forcemap.indicators.disruption.disruption` (schema
    :data:`~forcemap.indicators.disruption.DISRUPTION_SCHEMA`, or ``CD_SCHEMA`` without
    ``variants``; rows ordered by id) — the store's nodes and edges are exported to Parquet in
    a temporary directory, :func:`disruption_spark` computes, and the result is collected as
    Arrow. This is what ``forcemap --engine spark indicators disruption`` runs; on data that
    fits one machine the DuckDB/numba path is much faster (``docs/spark.md``).

    Parameters
    ----------
    store : Store
        The workspace (may be read-only).
    window, require_references, entity, variants
        As in :func:`forcemap.indicators.disruption.disruption`.
    spark : SparkSession, optional
        The session; default :func:`spark_session` ``(master)``.
    master : str or None, default "local[2]"
        Spark master for a new session.
    progress : SparkProgress, optional
        ``progress("disruption", done_tasks, total_tasks)``.
    buckets : int, default 1
        Focal hash buckets (see :func:`disruption_spark`).

    Raises
    ------
    InputError
        Unknown ``entity``, ``window < 1``, or PySpark missing.
    """
    from forcemap.indicators.disruption import CD_SCHEMA, DISRUPTION_SCHEMA

    if entity not in _DISRUPTION_INPUT_SQL:
        raise InputError(f"disruption: entity must be 'works' or 'patents', not {entity!r}")
    if window < 1:
        raise InputError(f"disruption: window must be >= 1 year, got {window}")
    require_pyspark()
    spark = spark or spark_session(master)
    nodes_sql, edges_sql = _DISRUPTION_INPUT_SQL[entity]
    tmp = tempfile.mkdtemp(prefix="forcemap-spark-cd-")
    try:
        cur = store.cursor()
        try:
            for name, sql in (("nodes", nodes_sql), ("edges", edges_sql)):
                path = sql_string(str(Path(tmp) / f"{name}.parquet"))
                cur.execute(f"COPY ({sql}) TO {path} (FORMAT parquet)").fetchall()
        finally:
            cur.close()
        works_df = spark.read.parquet(str(Path(tmp) / "nodes.parquet"))
        refs_df = spark.read.parquet(str(Path(tmp) / "edges.parquet"))
        with StageProgress(spark, "disruption", progress):
            df = disruption_spark(
                spark,
                works_df,
                refs_df,
                window=window,
                require_references=require_references,
                variants=variants,
                buckets=buckets,
            )
            got = df.toArrow()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    schema = DISRUPTION_SCHEMA if variants else CD_SCHEMA
    n = got.num_rows
    cols = []
    for f in schema:
        if f.name == "id":
            cols.append(got.column("work_id").cast(pa.string()))
        elif f.name == "entity":
            cols.append(pa.array([entity] * n, pa.string()))
        else:
            cols.append(got.column(f.name).cast(f.type))
    out = pa.Table.from_arrays(cols, schema=schema)
    return out.sort_by("id")
