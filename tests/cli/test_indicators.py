"""Tests of ``forcemap indicators`` options of the citation-based indicators."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
from typer.testing import CliRunner

from forcemap.cli import app

runner = CliRunner()


def test_citations_basis_option(synergy_store_path: Path, tmp_path: Path) -> None:
    """``--citations`` picks the basis: on the SYNERGY sample ``source`` gives each work the
    source's count, ``store`` the in-store count (far lower); ``auto`` (default) equals
    ``source`` here. Uncited works get no top-10 % share on either basis."""
    s = str(synergy_store_path)
    tables = {}
    for basis in ("store", "source", "auto"):
        out = tmp_path / f"{basis}.parquet"
        r = runner.invoke(
            app,
            ["--store", s, "indicators", "percentiles", "--citations", basis, "--out", str(out)],
        )
        assert r.exit_code == 0, r.output
        t = pq.read_table(out)
        tables[basis] = t
        uncited = t.filter(pc.equal(t["citations"], 0))
        assert pc.max(uncited["top10_frac"]).as_py() in (0.0, None)
    assert tables["auto"]["citations"].equals(tables["source"]["citations"])
    assert (
        pc.sum(tables["store"]["citations"]).as_py() < pc.sum(tables["source"]["citations"]).as_py()
    )
    out = tmp_path / "frac.parquet"
    r = runner.invoke(
        app, ["--store", s, "indicators", "impact", "--fractional-fields", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert pq.read_table(out).num_rows == 7518


def test_citations_bad_value(synergy_store_path: Path, tmp_path: Path) -> None:
    """An unknown basis is an input error naming the allowed values."""
    r = runner.invoke(
        app,
        [
            "--store",
            str(synergy_store_path),
            "indicators",
            "aggregate",
            "--citations",
            "scopus",
            "--out",
            str(tmp_path / "a.csv"),
        ],
    )
    assert r.exit_code != 0 and "'store', 'source', 'auto'" in r.output
