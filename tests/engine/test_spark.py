"""The Spark engine equals the DuckDB path on the same data.

Counts are compared exactly and ratios at |Δ| < 1e-9: disruption (CD_5 with n_i, n_j, n_k and
the variants), impact (NCS and percentiles) and RCA on the real SYNERGY store, through the whole
pipeline (export → Spark → atomic Parquet → DuckDB views); the disruption validation cases
(Funk's toy graph, the edge cases, novelpy's DI values) and a random graph with external
references, unknown years, repeated edges and self-citations, in every join strategy
(broadcast, salted shuffle, focal hash buckets); atomic writes and idempotent re-runs.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from forcemap.indicators.disruption import disruption, disruption_from_edges
from forcemap.indicators.impact import field_normalised_citation_score, percentile_rank
from forcemap.indicators.specialisation import activity_table, rca
from forcemap.store import Store
from tests.engine.conftest import java_missing_reason

_reason = java_missing_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)

from forcemap.engine.spark import run_spark_indicators  # noqa: E402
from forcemap.engine.spark_indicators import (  # noqa: E402
    DISRUPTION_COLUMNS,
    DISRUPTION_VARIANTS,
    IMPACT_COLUMNS,
    RCA_COLUMNS,
    disruption_spark,
)
from forcemap.engine.spark_io import atomic_write, attach_results  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data" / "validation" / "disruption"
TOL = 1e-9


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) < TOL
    return a == b


def _compare(got: dict[Any, dict], expected: dict[Any, dict], cols: tuple[str, ...]) -> None:
    assert set(got) == set(expected)
    bad = [
        (k, c, got[k][c], e[c])
        for k, e in expected.items()
        for c in cols
        if not _same(got[k][c], e[c])
    ]
    assert not bad, f"{len(bad)} mismatches, e.g. {bad[:5]}"


def _csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="") as f:
        return list(csv.DictReader(f))


# -- the whole pipeline on SYNERGY ----------------------------------------------------------
@pytest.fixture(scope="module")
def synergy_run(
    spark: Any, synergy_store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """run_spark_indicators on the SYNERGY store once; results attached to a DuckDB store."""
    out = tmp_path_factory.mktemp("spark-out") / "results"
    calls: list[tuple[str, int, int]] = []
    paths = run_spark_indicators(
        synergy_store_path, out, spark=spark, progress=lambda *a: calls.append(a)
    )
    return {"out": out, "paths": paths, "calls": calls}


def _attached(store_path: Path, out: Path, view: str, key: tuple[str, ...]) -> dict:
    with Store.open(store_path, read_only=True) as s:
        attach_results(s, out)
        rows = s.sql(f"SELECT * FROM {view}").to_arrow_table().to_pylist()  # noqa: S608
    return {tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: r for r in rows}


def test_pipeline_writes_attachable_outputs(synergy_run: dict, synergy_store_path: Path) -> None:
    out = synergy_run["out"]
    assert set(synergy_run["paths"]) == {"disruption", "impact", "rca"}
    assert sorted(p.name for p in out.iterdir()) == ["disruption", "impact", "rca"]
    steps = {c[0] for c in synergy_run["calls"]}
    assert steps == {"export", "disruption", "impact", "rca"}
    last = {c[0]: c for c in synergy_run["calls"]}
    assert all(d == t for _, d, t in last.values())  # every step reported as complete
    with Store.open(synergy_store_path, read_only=True) as s:
        assert attach_results(s, out) == ["spark_disruption", "spark_impact", "spark_rca"]
        cols = s.sql("SELECT * FROM spark_disruption LIMIT 0").columns
    assert tuple(cols) == DISRUPTION_COLUMNS


def test_disruption_equals_duckdb_on_synergy(synergy_run: dict, synergy_store_path: Path) -> None:
    got = _attached(synergy_store_path, synergy_run["out"], "spark_disruption", ("work_id",))
    with Store.open(synergy_store_path, read_only=True) as s:
        exp = {r["id"]: r for r in disruption(s, variants=False).to_pylist()}
    assert len(got) == 7518
    _compare(got, exp, DISRUPTION_COLUMNS[1:])
    assert sum(1 for r in got.values() if r["n_k"]) > 100  # external references do count


def test_impact_equals_duckdb_on_synergy(synergy_run: dict, synergy_store_path: Path) -> None:
    got = _attached(synergy_store_path, synergy_run["out"], "spark_impact", ("work_id",))
    with Store.open(synergy_store_path, read_only=True) as s:
        # Spark computes the store basis; the DuckDB default (auto) takes the source's
        # counts on this sample.
        ncs = {
            r["work_id"]: r
            for r in field_normalised_citation_score(s, citations="store").to_pylist()
        }
        pr = {r["work_id"]: r for r in percentile_rank(s, citations="store").to_pylist()}
    exp = {k: {**v, **pr[k]} for k, v in ncs.items()}
    _compare(got, exp, IMPACT_COLUMNS[1:])
    assert sum(1 for r in got.values() if r["top10"]) > 100


def test_rca_equals_duckdb_on_synergy(synergy_run: dict, synergy_store_path: Path) -> None:
    got = _attached(synergy_store_path, synergy_run["out"], "spark_rca", ("loc", "prod"))
    with Store.open(synergy_store_path, read_only=True) as s:
        table = rca(activity_table(s, prod="concept")).to_pylist()
    exp = {(r["loc"], r["prod"]): r for r in table}
    _compare(got, exp, RCA_COLUMNS[2:])
    assert len(got) > 1000


def test_rerun_is_idempotent(spark: Any, synergy_run: dict, synergy_store_path: Path) -> None:
    out = synergy_run["out"]
    before = _attached(synergy_store_path, out, "spark_rca", ("loc", "prod"))
    run_spark_indicators(synergy_store_path, out, indicators=["rca"], spark=spark)
    after = _attached(synergy_store_path, out, "spark_rca", ("loc", "prod"))
    # the same rows and M_cp; RCA equal up to the order Spark sums the shares in (it varies
    # between runs in the last bits: 1.0007622829767433 against …429 was seen in CI)
    assert before.keys() == after.keys()
    for key, row in before.items():
        assert after[key] == pytest.approx(row, rel=1e-12), key
    assert sorted(p.name for p in out.iterdir()) == ["disruption", "impact", "rca"]


# -- validation cases and join strategies -------------------------------------------------
def _validation_graph() -> tuple[list[tuple[str, int | None]], list[tuple[str, str]], dict]:
    """Funk's toy graph, the edge cases and novelpy's graph (disjoint ids), plus a random
    graph with external references, unknown years, repeated edges and self-citations."""
    vertices: list[tuple[str, int | None]] = []
    edges: list[tuple[str, str]] = []
    for prefix in ("toy", "edge"):
        vertices += [(r["name"], int(r["year"])) for r in _csv(f"{prefix}_vertices.csv")]
        edges += [(r["source"], r["target"]) for r in _csv(f"{prefix}_edges.csv")]
    year: dict[str, int] = {}
    for r in _csv("novelpy_edges.csv"):
        year["N" + r["source"]] = int(r["source_year"])
        year["N" + r["target"]] = int(r["target_year"])
        edges.append(("N" + r["source"], "N" + r["target"]))
    vertices += sorted(year.items())
    rng = np.random.default_rng(3)
    n = 400
    years = rng.integers(1990, 2000, n)
    vertices += [(f"w{i}", None if i % 37 == 0 else int(years[i])) for i in range(n)]
    pool = [f"w{i}" for i in range(n)] + [f"X{i}" for i in range(30)]
    for i in range(n):
        for j in rng.choice(len(pool), rng.integers(0, 12), replace=True):
            edges.append((f"w{i}", pool[j]))
    edges += [*edges[-50:], ("w5", "w5"), ("w7", "w7")]
    exp = json.loads((DATA / "novelpy_expected.json").read_text())
    return vertices, edges, exp


@pytest.fixture(scope="module")
def validation(spark: Any) -> dict[str, Any]:
    vertices, edges, novelpy = _validation_graph()
    nodes = pa.table(
        {
            "id": pa.array([v for v, _ in vertices], pa.string()),
            "year": pa.array([y for _, y in vertices], pa.int32()),
        }
    )
    e = pa.table({"citing": [s for s, _ in edges], "cited": [t for _, t in edges]})
    kernel = {r["id"]: r for r in disruption_from_edges(nodes, e).to_pylist()}
    works = spark.createDataFrame([(v, y) for v, y in vertices], "work_id string, year int").cache()
    refs = spark.createDataFrame(edges, "citing_id string, cited_id string").cache()
    return {"works": works, "refs": refs, "kernel": kernel, "novelpy": novelpy}


def _spark_rows(df: Any) -> dict[str, dict]:
    return {r["work_id"]: r.asDict() for r in df.collect()}


def test_validation_cases_on_spark(spark: Any, validation: dict) -> None:
    got = _spark_rows(
        disruption_spark(spark, validation["works"], validation["refs"], variants=True)
    )
    for r in _csv("toy_expected.csv"):
        g = got[r["name"]]
        assert (g["n_i"], g["n_j"], g["n_k"]) == (int(r["n_i"]), int(r["n_j"]), int(r["n_k"]))
        exp_cd = None if r["cd"] == "" else float(r["cd"])
        assert _same(g["cd"], exp_cd) and _same(g["cd"], _num(r["published_cd_1825d"]))
        assert _same(g["mcd"], _num(r["mcd"])) and g["i_index"] == float(r["i_index"])
    for r in _csv("edge_expected.csv"):
        g = got[r["focal"]]
        assert (g["n_i"], g["n_j"], g["n_k"]) == (int(r["n_i"]), int(r["n_j"]), int(r["n_k"]))
        assert _same(g["cd"], _num(r["cd"])) and _same(g["cd"], _num(r["cdindex_cd"]))
    exp = validation["novelpy"]
    g = got["N" + exp["focal"]]
    sets = exp["sets_from_test"]
    assert (g["n_i"], g["n_j"], g["n_k"], g["n_j5"]) == tuple(
        len(sets[k]) for k in ("I", "J", "K", "J5")
    )
    for col, key in [("di1", "DI1"), ("di5", "DI5"), ("di1_nok", "DI1nok")]:
        assert _same(g[col], exp["expected_from_test"][key]), col
    assert _same(g["di5_nok"], exp["expected_from_test"]["DI5nok"])
    assert _same(g["dein"], exp["expected_from_test"]["DeIn"])


def _num(s: str) -> float | None:
    return None if s == "" else float(s)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"broadcast": False, "salt": 3},
        {"buckets": 3, "broadcast": True, "partitions": 4},
        {"require_references": True, "window": 3},
    ],
    ids=["broadcast", "salted-shuffle", "buckets", "strict-window3"],
)
def test_every_strategy_equals_the_kernel(spark: Any, validation: dict, options: dict) -> None:
    kernel = validation["kernel"]
    if "window" in options or "require_references" in options:
        vertices, edges, _ = _validation_graph()
        nodes = pa.table(
            {
                "id": pa.array([v for v, _ in vertices], pa.string()),
                "year": pa.array([y for _, y in vertices], pa.int32()),
            }
        )
        e = pa.table({"citing": [s for s, _ in edges], "cited": [t for _, t in edges]})
        kernel = {
            r["id"]: r
            for r in disruption_from_edges(
                nodes,
                e,
                window=options["window"],
                require_references=options["require_references"],
            ).to_pylist()
        }
    got = _spark_rows(
        disruption_spark(spark, validation["works"], validation["refs"], variants=True, **options)
    )
    _compare(got, kernel, (*DISRUPTION_COLUMNS[1:], *DISRUPTION_VARIANTS))
    assert not any(k.startswith("X") for k in got)  # external references are not focal works
    assert got["w0"]["n_i"] is None and got["w0"]["cd"] is None  # unknown year
    assert any(r["n_k"] for r in got.values() if r["n_k"] is not None)
    assert not math.isnan(sum(r["cd"] for r in got.values() if r["cd"] is not None))


# -- atomic writes ----------------------------------------------------------------------------
def test_failed_job_leaves_previous_output_and_no_temp_dir(spark: Any, tmp_path: Path) -> None:
    from pyspark.sql import functions as F

    dest = tmp_path / "result"
    atomic_write(spark.range(10).withColumn("v", F.lit(1)), dest)
    failing = spark.range(100).withColumn(
        "v", F.when(F.col("id") == 77, F.raise_error(F.lit("boom"))).otherwise(F.lit(2))
    )
    with pytest.raises(Exception, match="boom"):
        atomic_write(failing, dest)
    assert [p.name for p in tmp_path.iterdir()] == ["result"]
    rows = spark.read.parquet(str(dest)).collect()
    assert len(rows) == 10 and {r["v"] for r in rows} == {1}
    atomic_write(spark.range(5).withColumn("v", F.lit(3)), dest)  # success replaces it
    assert [p.name for p in tmp_path.iterdir()] == ["result"]
    rows = spark.read.parquet(str(dest)).collect()
    assert len(rows) == 5 and {r["v"] for r in rows} == {3}


def test_spark_submit_entry(spark: Any, synergy_store_path: Path, tmp_path: Path) -> None:
    from forcemap.engine.spark_submit import main

    out = tmp_path / "out"
    assert (
        main(
            [
                "--input",
                str(synergy_store_path),
                "--output",
                f"file://{out}",
                "--indicators",
                "rca",
                "--quiet",
            ]
        )
        == 0
    )
    assert [p.name for p in out.iterdir()] == ["rca"]
    assert (
        main(
            [
                "--input",
                str(tmp_path / "none"),
                "--output",
                str(out),
                "--indicators",
                "rca",
                "--quiet",
            ]
        )
        == 2
    )  # missing input: InputError
    assert main(["--input", "x", "--output", str(out), "--indicators", "bogus"]) == 2
