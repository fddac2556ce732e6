"""``forcemap resolve``: works and organisations, ``--explain`` and ``--work-overrides``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from forcemap.cli import app

runner = CliRunner()
EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"


def _store(tmp_path: Path) -> Path:
    """The Scopus and BibTeX samples share one paper (DOI 10.1016/j.jpowsour.2021.229500)."""
    s = tmp_path / "s.duckdb"
    for fmt, f in (("bibtex", "library.bib"), ("scopus", "scopus.csv")):
        r = runner.invoke(app, ["--store", str(s), "ingest", fmt, str(EXPORTS / f)])
        assert r.exit_code == 0, r.output
    return s


def test_ingest_says_how_many_records_were_merged(tmp_path: Path) -> None:
    s = tmp_path / "s.duckdb"
    runner.invoke(app, ["--store", str(s), "ingest", "bibtex", str(EXPORTS / "library.bib")])
    r = runner.invoke(app, ["--store", str(s), "ingest", "scopus", str(EXPORTS / "scopus.csv")])
    assert r.exit_code == 0, r.output
    assert "1 of the stored/replaced records merged into existing works" in r.output


def test_resolve_merges_works_and_explains_them(tmp_path: Path) -> None:
    s = _store(tmp_path)
    r = runner.invoke(app, ["--store", str(s), "resolve"])
    assert r.exit_code == 0, r.output
    assert "4 works from 5 work records: 1 records merged into 1 works (links: 1 by doi)" in (
        r.output
    )
    assert "organisations from" in r.output
    r = runner.invoke(app, ["--store", str(s), "resolve", "--explain", "bib:lee2021"])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "work scopus:2-s2.0-85100000001" in out
    assert "bib:lee2021" in out and "doi" in out and "canonical" in out


def test_work_overrides_keep_records_apart_and_bad_files_are_refused(tmp_path: Path) -> None:
    s = _store(tmp_path)
    ov = tmp_path / "ov.csv"
    ov.write_text(
        "record_a,record_b,action,reason\n"
        "bib:lee2021,scopus:2-s2.0-85100000001,apart,test: keep the two copies apart\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["--store", str(s), "resolve", "--work-overrides", str(ov)])
    assert r.exit_code == 0, r.output
    assert "5 works from 5 work records: 0 records merged" in r.output
    assert "override_apart" not in r.output  # apart before clustering: no conflict left
    ov.write_text("record_a,record_b,action,reason\nW1,W2,glue,x\n", encoding="utf-8")
    r = runner.invoke(app, ["--store", str(s), "resolve", "--work-overrides", str(ov)])
    assert r.exit_code != 0
    assert "ov.csv:2: field action is 'glue'" in " ".join(r.output.split())
    r = runner.invoke(app, ["--store", str(s), "resolve", "--explain", "no-such-record"])
    assert r.exit_code != 0 and "no work or work record" in r.output
