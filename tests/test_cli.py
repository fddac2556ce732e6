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
    assert "4 records in 1 file(s) = stored 1 + replaced 0 + rejected 3 + duplicates 0" in r.output


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
    assert "7,518 records in 1 file(s) = stored 7,518 + replaced 0" in p.stdout


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
    assert r.exit_code == 2 and "unknown output format" in r.output


def test_disruption_command_reproduces_cdindex_on_an_openalex_store(
    synergy_store_path: Path, tmp_path: Path
) -> None:
    """Acceptance: every work's CD_5 equals Funk's cdindex on the same citation graph.

    The graph handed to cdindex is the store's: every stored work at its publication year,
    every referenced id outside the store as a vertex too (its year does not enter CD of the
    stored works), one edge per distinct (citing, cited) reference.
    """
    import cdindex
    import duckdb
    import pyarrow.parquet as pq

    out = tmp_path / "cd.parquet"
    s = str(synergy_store_path)
    r = runner.invoke(app, ["--store", s, "indicators", "disruption", "--out", str(out)])
    assert r.exit_code == 0, r.output
    got = pq.read_table(out)
    assert {"work_id", "cd", "n_i", "n_j", "n_k"} <= set(got.column_names)

    con = duckdb.connect(s, read_only=True)
    years = dict(con.execute("SELECT work_id, min(year) FROM works GROUP BY work_id").fetchall())
    edges = con.execute(
        "SELECT DISTINCT citing_id, cited_id FROM work_references WHERE citing_id <> cited_id"
    ).fetchall()
    con.close()
    g = cdindex.Graph()
    for wid, year in years.items():
        g.add_vertex(wid, year)
    for _, cited in edges:
        if cited not in years:
            years[cited] = 0
            g.add_vertex(cited, 0)
    for citing, cited in edges:
        g.add_edge(citing, cited)

    rows = got.select(["work_id", "cd"]).to_pylist()
    assert len(rows) == 7518
    defined = 0
    for row in rows:
        expected = g.cdindex(row["work_id"], 5)
        if row["cd"] is None:  # no citers in the window: cdindex returns None too
            assert expected is None, row
        else:
            defined += 1
            assert abs(row["cd"] - expected) < 1e-12, row
    assert defined > 1000


def test_specialisation_and_complexity_commands(synergy_store_path: Path, tmp_path: Path) -> None:
    import pyarrow.csv as pacsv

    s = str(synergy_store_path)
    out = tmp_path / "rca.csv"
    r = runner.invoke(app, ["--store", s, "indicators", "specialisation", "--out", str(out)])
    assert r.exit_code == 0, r.output
    t = pacsv.read_csv(out)
    assert t.column_names == ["loc", "prod", "value", "rca", "mcp", "share", "world_share", "rsca"]
    # every country's shares sum to 1 over its fields
    by_loc: dict[str, float] = {}
    for row in t.select(["loc", "share"]).to_pylist():
        by_loc[row["loc"]] = by_loc.get(row["loc"], 0.0) + row["share"]
    assert all(abs(v - 1) < 1e-9 for v in by_loc.values())

    out = tmp_path / "pci.csv"
    args = ["--store", s, "indicators", "complexity", "--side", "prod", "--out", str(out)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert pacsv.read_csv(out).column_names == ["prod", "ubiquity", "pci"]
    r = runner.invoke(
        app, ["--store", s, "indicators", "complexity", "--prod", "hs6", "--out", str(out)]
    )
    assert r.exit_code == 2 and "no activity for --prod hs6" in r.output
    r = runner.invoke(
        app, ["--store", s, "indicators", "complexity", "--method", "x", "--out", str(out)]
    )
    assert r.exit_code == 2 and "method must be" in r.output


def test_decide_positioning_prints_classes_rule_and_caveats(
    synergy_store_path: Path, tmp_path: Path
) -> None:
    import pyarrow.csv as pacsv

    out = tmp_path / "pos.csv"
    r = runner.invoke(
        app,
        ["--store", str(synergy_store_path), "decide", "positioning", "--country", "US",
         "--unit", "field", "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "positioning of US, 2018–2022" in r.output
    assert "Medicine" in r.output and "leading" in r.output
    assert "parallel_at = 80.0" in r.output and "Insufficient evidence" in r.output
    assert "L 95 %" in r.output and "pub/tech" in r.output
    t = pacsv.read_csv(out)
    assert {"unit", "class", "level", "trend", "years_behind"} <= set(t.column_names)
    assert {"level_low", "level_high", "leader_pub", "leader_tech", "sides"} <= set(t.column_names)
    r = runner.invoke(
        app, ["--store", str(synergy_store_path), "decide", "positioning", "--unit", "x"]
    )
    assert r.exit_code == 2 and "unit must be industry or field" in r.output


def test_demo_builds_stores_and_a_report_that_recovers_the_planted_facts(tmp_path: Path) -> None:
    """The quick start's `make demo`: both stores, reconciled ingests, the report, and the
    planted facts of the synthetic world found by the analyses (the demo's self-check)."""
    r = runner.invoke(app, ["-q", "demo", "--out", str(tmp_path / "demo")])
    assert r.exit_code == 0, r.output
    assert "report:" in r.output and "serve" in r.output
    assert "synthetic: patentsview: 61,819 records = stored " in r.output
    assert (
        "real: uspto: 160 records = stored 150 + replaced 0 + rejected 10 + duplicates 0 + "
        "filtered 0" in r.output
    )
    html = (tmp_path / "demo" / "report.html").read_text()
    assert "SYNTHETIC" in html
    # issue 18: the report shows coverage, stability intervals and insufficient evidence
    assert "Coverage — " in html and "below the minimum" in html
    assert "insufficient evidence (" in html and "95 %" in html
    for found in (
        "leading (L = 100)",
        "rank 1 in semiconductors",
        "+1.000 (n_i",
        "emergence rank of T10247",
        "cuts off 12 organisations in 2 groups",
        "excluded (co-authorship, ",
    ):
        assert found in html, found
    for title in ("citation impact", "disruption (CD5)", "bottleneck technologies for CN",
                  "strategic actors", "positioning of CN by industry", "robotics consortium",
                  "project review", "technical pathways", "technology watch",
                  "benchmarking", "review panel",
                  "Seeds of disruptive technologies"):  # fmt: skip
        assert title in html, title
    # the planted disruptive work heads the watch's seeds (the self-check row says rank 1)
    row = html.split("seeds of disruptive technologies (by mCD_5)", 1)[1][:200]
    assert "rank 1<" in row, row


def test_decide_bottlenecks_and_actors_commands(
    synthetic_world: tuple[Path, dict], tmp_path: Path
) -> None:
    path, planted = synthetic_world
    s = str(path)
    r = runner.invoke(
        app, ["--store", s, "decide", "bottlenecks", "--country", "CN", "--industry",
              "semiconductors", "--out", str(tmp_path / "b.csv")],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "G03F7/00" in r.output and "848620" in r.output and "Rule" in r.output
    assert "SYNTHETIC DATA" in r.output
    fact = planted["strong_enterprise"]
    r = runner.invoke(
        app, ["--store", s, "decide", "actors", "--country", "all", "--industry",
              fact["industry"], "--top", "5", "--weight", "patents=2"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert fact["name"][:20] in r.output
    r = runner.invoke(app, ["--store", s, "decide", "actors", "--weight", "patents"])
    assert r.exit_code == 2 and "NAME=NUMBER" in r.output


def test_decide_benchmark_landscape_talent_commands(
    synthetic_world: tuple[Path, dict], synergy_store_path: Path
) -> None:
    s = str(synthetic_world[0])
    r = runner.invoke(app, ["--store", s, "decide", "benchmark", "--industry", "nev_batteries"])
    assert r.exit_code == 0, r.output
    assert "New-energy" in r.output and "works_frac" in r.output and "Rule" in r.output
    r = runner.invoke(app, ["--store", s, "decide", "landscape", "--industry", "semiconductors"])
    assert r.exit_code == 0, r.output
    assert "white_space_growth = 0.0" in r.output
    r = runner.invoke(
        app, ["--store", str(synergy_store_path), "decide", "talent", "--country", "US",
              "--unit", "field", "--top", "3"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "strategic" in r.output and "Psychology" in r.output
    r = runner.invoke(app, ["--store", s, "decide", "benchmark", "--unit", "x"])
    assert r.exit_code == 2 and "unit must be industry or field" in r.output


def test_decide_watch_and_sleeping_beauty(
    synthetic_world: tuple[Path, dict], tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    path, planted = synthetic_world
    s = str(path)
    r = runner.invoke(
        app, ["--store", s, "decide", "watch", "--top", "3", "--weight", "emergence=3",
              "--weight", "growth=3"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert planted["emerging_topic"]["topic_id"] in r.output
    assert "seeds of disruptive technologies" in r.output
    assert planted["disruptive_work"]["work_id"] in r.output
    r = runner.invoke(app, ["--store", s, "decide", "watch", "--unit", "galaxy"])
    assert r.exit_code == 2 and "unit must be topic" in r.output
    out = tmp_path / "sb.parquet"
    r = runner.invoke(app, ["--store", s, "indicators", "sleeping-beauty", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert {"id", "b", "t_a"} <= set(pq.read_table(out).column_names)


def test_decide_consortium_command(synthetic_world: tuple[Path, dict]) -> None:
    path, planted = synthetic_world
    fact = planted["strong_enterprise"]
    r = runner.invoke(
        app, ["--store", str(path), "decide", "consortium", "--industry", fact["industry"],
              "--size", "4", "--min-type", "university=1"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert fact["org_id"] in r.output and "coverage per sub-technology" in r.output
    r = runner.invoke(
        app, ["--store", str(path), "decide", "consortium", "--industry", fact["industry"],
              "--size", "2", "--min-type", "university=3"],
    )  # fmt: skip
    assert r.exit_code != 0 and "university" in r.output and "Traceback" not in r.output
    r = runner.invoke(
        app, ["--store", str(path), "decide", "consortium", "--industry", "robotics",
              "--min-type", "university"],
    )  # fmt: skip
    assert r.exit_code == 2 and "TYPE=COUNT" in r.output


def test_search_and_pathways_commands(synergy_store_path: Path) -> None:
    s = str(synergy_store_path)
    r = runner.invoke(app, ["--store", s, "search", "borderline personality psychotherapy",
                            "--k", "3"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "borderline personality disorder" in r.output.lower() and "BM25" in r.output
    r = runner.invoke(app, ["--store", s, "search", "x", "--method", "embeddings"])
    assert r.exit_code == 2 and "forcemap[ai]" in r.output
    r = runner.invoke(app, ["--store", s, "decide", "pathways", "--query",
                            "cartilage repair chondral", "--min-size", "10"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "P1:" in r.output
    r = runner.invoke(app, ["--store", s, "decide", "pathways"])
    assert r.exit_code == 2 and "exactly one of --industry or --query" in r.output


def test_search_with_a_saved_index(synergy_store_path: Path, tmp_path: Path) -> None:
    """--index builds and saves the index once; later queries load it and answer the same."""
    s, stem = str(synergy_store_path), tmp_path / "synergy.textindex"
    q = ["search", "borderline personality psychotherapy", "--k", "3", "--index", str(stem)]
    first = runner.invoke(app, ["--store", s, *q])
    assert first.exit_code == 0, first.output
    assert "index saved" in first.output and stem.with_suffix(".textindex.npz").exists()
    again = runner.invoke(app, ["--store", s, *q])
    assert again.exit_code == 0 and "index saved" not in again.output
    plain = runner.invoke(app, ["--store", s, *q[:4]])
    assert plain.output.split("\n")[-15:] == again.output.split("\n")[-15:]


def test_sources_and_export_ingest_commands(tmp_path: Path) -> None:
    r = runner.invoke(app, ["sources"])
    assert r.exit_code == 0, r.output
    for key in ("openalex", "patentsview", "wos", "scopus", "lens", "ris", "bibtex"):
        assert key in r.output
    exports = Path(__file__).parent / "data" / "exports"
    s = str(tmp_path / "x.duckdb")
    for source, name in (("wos", "wos_savedrecs_tab.txt"), ("scopus", "scopus.csv"),
                         ("ris", "export.ris"), ("bibtex", "library.bib")):  # fmt: skip
        r = runner.invoke(app, ["-q", "--store", s, "ingest", source, str(exports / name)])
        assert r.exit_code == 0, r.output
        assert "rejected 0" in r.output, r.output


def test_decide_review_and_allocate_commands(synthetic_world: tuple[Path, dict]) -> None:
    s = str(synthetic_world[0])
    r = runner.invoke(app, ["--store", s, "decide", "review"])
    assert r.exit_code == 0, r.output
    assert "withdraw" in r.output and "withdraw_below" in r.output
    r = runner.invoke(
        app, ["--store", s, "decide", "allocate", "--budget", "3e7",
              "--max-share-per-industry", "0.3"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "True" in r.output and "Rule" in r.output
    r = runner.invoke(app, ["--store", s, "decide", "review", "--as-of", "2020-13-01"])
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output


def test_decide_panel_excludes_the_planted_conflict(synthetic_world: tuple[Path, dict]) -> None:
    path, planted = synthetic_world
    cf = planted["coauthor_conflict"]
    r = runner.invoke(
        app, ["--store", str(path), "decide", "panel", "--applicant", cf["author_a"],
              "--text", "robot arm control", "--size", "3", "--role", "academic=1"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "excluded for conflicts of interest" in r.output
    assert cf["author_b"] in r.output and cf["work_id"] in r.output
    r = runner.invoke(app, ["--store", str(path), "decide", "panel", "--applicant", "A1",
                            "--role", "academic"])  # fmt: skip
    assert r.exit_code == 2 and "TYPE=COUNT" in r.output


def test_cordis_comtrade_save_status_refresh(tmp_path: Path) -> None:
    """Smoke test of the new commands: ingest cordis / Comtrade, --save, status, refresh."""
    data = Path(__file__).parent / "data"
    s = str(tmp_path / "w.duckdb")
    r = runner.invoke(app, ["sources"])
    assert r.exit_code == 0 and "cordis" in r.output and "Comtrade" in r.output
    r = runner.invoke(app, ["-q", "--store", s, "ingest", "cordis", str(data / "cordis")])
    assert r.exit_code == 0, r.output
    assert (
        "17 records in 2 file(s) = stored 10 + replaced 0 + rejected 7 + duplicates 0" in r.output
    )
    assert "rejected 1 record(s): unknown project" in r.output
    ct = data / "trade" / "comtrade_sample.csv"
    r = runner.invoke(app, ["-q", "--store", s, "ingest", "trade", str(ct)])
    assert r.exit_code == 0, r.output
    assert (
        "16 records in 1 file(s) = stored 6 + replaced 0 + rejected 3 + duplicates 1 + "
        "filtered 6" in r.output
    )
    assert "filtered 2 record(s): aggregate product (cmdCode TOTAL, HS2 or HS4)" in r.output
    args = ["--store", s, "indicators", "specialisation", "--prod", "hs6", "--counting", "full"]
    r = runner.invoke(app, [*args, "--save", "rca_hs6"])
    assert r.exit_code == 0, r.output
    assert "-> result 'rca_hs6'" in r.output
    r = runner.invoke(app, ["--store", s, "status"])
    assert r.exit_code == 0, r.output
    assert "saved indicator results" in r.output and "fresh" in r.output
    # a newer data file for the trade table makes the saved result stale
    r = runner.invoke(
        app, ["-q", "--store", s, "ingest", "trade", str(data / "trade" / "baci_sample.csv")]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--store", s, "status"])
    assert "stale (trade changed)" in r.output
    r = runner.invoke(app, ["--store", s, "indicators", "refresh"])
    assert r.exit_code == 0 and "refreshed rca_hs6 (specialisation)" in r.output
    r = runner.invoke(app, ["--store", s, "status"])
    assert "stale" not in r.output and "fresh" in r.output
    r = runner.invoke(app, ["--store", s, "indicators", "refresh"])
    assert "nothing to recompute" in r.output
    r = runner.invoke(app, ["--store", s, "indicators", "impact"])
    assert r.exit_code == 2 and "give --out FILE, --save NAME or both" in r.output


def test_precompute(synergy_store_path: Path, tmp_path: Path) -> None:
    """``precompute`` saves CD_5 of the works (no patents in SYNERGY) and the search index,
    then finds both fresh; ``serve`` would say when they are missing."""
    import shutil

    from forcemap.decide.explore import store_text_index
    from forcemap.store import Store

    s = str(tmp_path / "s.duckdb")
    shutil.copy(synergy_store_path, s)
    r = runner.invoke(app, ["--store", s, "precompute"])
    assert r.exit_code == 0, r.output
    assert "saved cd5_works (disruption): 7,518 rows" in r.output
    assert "saved the search index (7,518 works" in r.output
    with Store.open(Path(s), read_only=True) as st:
        index = store_text_index(st, "works")
        assert index is not None and index.n_documents == 7518
    r = runner.invoke(app, ["--store", s, "precompute"])
    assert r.exit_code == 0 and "nothing to compute" in r.output
    r = runner.invoke(app, ["--store", s, "precompute", "--force"])
    assert "saved cd5_works" in r.output and "saved the search index" in r.output
    # an ingest of new works makes both stale
    data = Path(__file__).parent / "data"
    r = runner.invoke(
        app, ["-q", "--store", s, "ingest", "ris", str(data / "exports" / "export.ris")]
    )
    assert r.exit_code == 0, r.output
    with Store.open(Path(s), read_only=True) as st:
        assert store_text_index(st, "works") is None
    r = runner.invoke(app, ["--store", s, "precompute"])
    assert "saved cd5_works" in r.output and "saved the search index" in r.output
