"""Computing engines: the same set-based indicator definitions on DuckDB or Spark.

DuckDB (the store's own engine, plus the numba CSR kernel for CD) is the default and lives in
:mod:`forcemap.indicators`. :mod:`forcemap.engine.spark` runs the heavy set-based steps
(disruption CD\\ :sub:`t`, field-normalised impact and percentiles, RCA) as Spark jobs over
Parquet exports of the canonical tables; its results are Parquet that
:func:`forcemap.engine.spark.attach_results` exposes to the store as views. PySpark is the
optional ``forcemap[spark]`` extra, so nothing here imports it at package import time.
"""

from __future__ import annotations

ENGINES: tuple[str, ...] = ("duckdb", "spark")
"""Engine names accepted by ``--engine``."""

__all__ = ["ENGINES"]
