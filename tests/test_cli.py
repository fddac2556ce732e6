"""The CLI is thin: exit codes, one-line errors, no tracebacks; ``python -m forcemap`` works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from forcemap.cli import app
from tests.conftest import SYNERGY

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0, r.output
    for cmd in ("init", "status", "ingest", "synth", "resolve", "demo"):
        assert cmd in r.output


def test_init_then_status(tmp_path: Path) -> None:
    s = str(tmp_path / "w.duckdb")
    r = runner.invoke(app, ["--store", s, "init"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--store", s, "status"])
    assert r.exit_code == 0, r.output
    assert "works" in r.output and "quarantine" in r.output


def test_status_of_missing_store_is_one_line_error(tmp_path: Path) -> None:
    r = runner.invoke(app, ["--store", str(tmp_path / "none.duckdb"), "status"])
    assert r.exit_code == 4
    assert "NotFoundError" in r.output and "Traceback" not in r.output


def test_ingest_reports_problem_classes_with_counts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "https://openalex.org/W1"}\nnot json\nnot json either\n{}\n')
    s = str(tmp_path / "w.duckdb")
    r = runner.invoke(app, ["-q", "--store", s, "ingest", "openalex", str(bad)])
    assert r.exit_code == 0, r.output
    assert "rejected 2 record(s): malformed JSON" in r.output
    assert "rejected 1 record(s): missing id" in r.output
    assert "read 4 = stored 1 + rejected 3 + merged duplicates 0" in r.output


def test_ingest_missing_file_exit_code(tmp_path: Path) -> None:
    r = runner.invoke(
        app, ["--store", str(tmp_path / "w.duckdb"), "ingest", "openalex", "nope.jsonl"]
    )
    assert r.exit_code == 4 and "no such file" in r.output


def test_python_m_forcemap_entry_point(tmp_path: Path) -> None:
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "forcemap",
            "-q",
            "--store",
            str(tmp_path / "w.duckdb"),
            "ingest",
            "openalex",
            str(SYNERGY),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert "read 7,518 = stored 7,518" in p.stdout


def test_network_commands_on_the_real_sample(synergy_store_path: Path, tmp_path: Path) -> None:
    s = str(synergy_store_path)
    r = runner.invoke(app, ["--store", s, "network", "build", "--out", str(tmp_path / "net")])
    assert r.exit_code == 0, r.output
    assert "4,514 nodes, 19,112 edges" in r.output
    assert (tmp_path / "net" / "edges.csv").exists()
    r = runner.invoke(
        app, ["--store", s, "network", "analyse", "--out", str(tmp_path / "m.parquet")]
    )
    assert r.exit_code == 0, r.output
    assert "top brokers" in r.output and (tmp_path / "m.parquet").exists()
    r = runner.invoke(
        app, ["--store", s, "network", "export", str(tmp_path / "n.gexf"), "--format", "gexf"]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app, ["--store", s, "network", "build", "--out", str(tmp_path / "x"), "--years", "20x"]
    )
    assert r.exit_code == 2 and "--years must look like" in r.output


def test_indicator_commands_write_tables(synergy_store_path: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    s = str(synergy_store_path)
    out = tmp_path / "ncs.parquet"
    r = runner.invoke(app, ["--store", s, "indicators", "impact", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert pq.read_table(out).num_rows == 7518
    out = tmp_path / "agg.csv"
    r = runner.invoke(
        app,
        ["--store", s, "indicators", "aggregate", "--counting", "fractional", "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    assert "115 rows" in r.output
    r = runner.invoke(app, ["--store", s, "indicators", "impact", "--out", str(tmp_path / "x.txt")])
    assert r.exit_code == 2 and "write .parquet or .csv" in r.output
