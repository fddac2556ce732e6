"""`forcemap --engine spark …` and `forcemap spark ingest|run` from the command line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from typer.testing import CliRunner

from forcemap.cli import app
from tests.store.test_ingest_openalex import work

runner = CliRunner()


def test_engine_spark_disruption_equals_the_default_engine(
    spark: Any, synergy_store_path: Path, tmp_path: Path
) -> None:
    """The issue's acceptance: the same table from both engines on the demo's real data."""
    store = ["--store", str(synergy_store_path), "-q"]
    a, b = tmp_path / "duckdb.parquet", tmp_path / "spark.parquet"
    r = runner.invoke(app, [*store, "indicators", "disruption", "--out", str(a)])
    assert r.exit_code == 0, r.output
    spark_cd = [*store, "--engine", "spark", "indicators", "disruption", "--out", str(b)]
    r = runner.invoke(app, spark_cd)
    assert r.exit_code == 0, r.output
    ta, tb = pq.read_table(a), pq.read_table(b)
    assert ta.num_rows == 7518 and ta.equals(tb)


def test_engine_spark_rejects_what_it_cannot_compute(
    synergy_store_path: Path, tmp_path: Path
) -> None:
    r = runner.invoke(
        app,
        ["--store", str(synergy_store_path), "--engine", "spark", "indicators", "impact",
         "--out", str(tmp_path / "x.parquet")],
    )  # fmt: skip
    assert r.exit_code == 2 and "runs on the duckdb engine only" in r.output
    r = runner.invoke(
        app,
        ["--store", str(synergy_store_path), "--engine", "flink", "indicators", "disruption",
         "--out", str(tmp_path / "x.parquet")],
    )  # fmt: skip
    assert r.exit_code == 2 and "unknown engine 'flink'" in r.output


def test_spark_ingest_then_run(spark: Any, tmp_path: Path) -> None:
    src = tmp_path / "works" / "updated_date=2024-01-01" / "part_000.gz"
    src.parent.mkdir(parents=True)
    recs = [
        work(1),
        work(2, publication_year=2021, referenced_works=["https://openalex.org/W1"]),
        work(3, publication_year=2022, referenced_works=["https://openalex.org/W1",
                                                         "https://openalex.org/W2"]),
    ]  # fmt: skip
    with gzip.open(src, "wt") as f:
        f.write("\n".join(json.dumps(r) for r in recs) + "\nnot json\n")
    canon, res = tmp_path / "canonical", tmp_path / "results"
    r = runner.invoke(app, ["-q", "spark", "ingest", str(tmp_path / "works"), "--out", str(canon)])
    assert r.exit_code == 0, r.output
    assert "read 4 = stored 3 + rejected 1 + duplicates 0" in r.output
    r = runner.invoke(
        app,
        ["-q", "spark", "run", "--input", str(canon), "--output", str(res),
         "--indicators", "disruption"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    cd = pq.read_table(res / "disruption").to_pydict()
    got = dict(zip(cd["work_id"], zip(cd["n_i"], cd["n_j"], cd["n_k"], strict=True), strict=True))
    # W1 (2020): cited by W2 and W3, neither cites a reference of W1 → two i's.
    # W2 (2021, refs {W1}): cited by W3, which also cites W1 → one j.
    assert got["W1"] == (2, 0, 0) and got["W2"] == (0, 1, 0)
