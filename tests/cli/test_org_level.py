"""``--org-level`` on the organisation-level commands (network build; decide actors and
consortium take the same option, checked by their API tests)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from forcemap.cli import app
from forcemap.store import Store
from forcemap.store.ingest import ingest
from forcemap.store.organizations import resolve_organizations

DATA = Path(__file__).parent.parent / "data" / "openalex"
runner = CliRunner()


def test_network_build_org_level(tmp_path: Path) -> None:
    """The four constructed works: at self 9 organisations take part (7 edges); at top the
    department and school count as Harvard, the lab as MIT, the joint unit as CNRS."""
    path = tmp_path / "s.duckdb"
    with Store.open(path) as s:
        ingest(s, "openalex", [DATA / "lineage_works.jsonl", DATA / "institutions"])
        resolve_organizations(s)
    args = ["--store", str(path), "network", "build", "--layers", "coauthorship"]
    r = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    assert "9 nodes" in r.output
    r = runner.invoke(app, [*args, "--out", str(tmp_path / "b"), "--org-level", "top"])
    assert r.exit_code == 0, r.output
    # Harvard (alone on its work now), MIT (lab + MIT, and with UCL), CNRS + Paris Cité, UCL
    assert "5 nodes, 2 edges" in r.output and "(org level top)" in r.output
    r = runner.invoke(app, [*args, "--out", str(tmp_path / "c"), "--org-level", "group"])
    assert r.exit_code != 0 and "org_level must be one of" in r.output
    assert "Traceback" not in r.output
    r = runner.invoke(app, ["decide", "actors", "--help"])
    assert "--org-level" in r.output
    r = runner.invoke(app, ["decide", "consortium", "--help"])
    assert "--org-level" in r.output


def test_decide_commands_take_org_level_and_patent_unit(tmp_path: Path) -> None:
    """Every organisation-level decision takes --org-level, every patent-counting one
    --patent-unit; on the four constructed works, benchmark-series at org level top gives
    MIT 2023 one work, whole (its Lincoln Laboratory ½ + itself ½), Harvard one work (three
    of its units, ⅓ each)."""
    org = ("bottlenecks", "actors", "benchmark", "benchmark-series", "landscape", "talent",
           "watch", "consortium")  # fmt: skip
    pat = ("positioning", "bottlenecks", "actors", "benchmark", "landscape", "watch")
    for cmd in org:
        r = runner.invoke(app, ["decide", cmd, "--help"])
        assert "--org-level" in r.output, cmd
    for cmd in pat:
        r = runner.invoke(app, ["decide", cmd, "--help"])
        assert "--patent-unit" in r.output, cmd
    path = tmp_path / "s.duckdb"
    with Store.open(path) as s:
        ingest(s, "openalex", [DATA / "lineage_works.jsonl", DATA / "institutions"])
        resolve_organizations(s)
    args = ["--store", str(path), "decide", "benchmark-series", "--unit", "organization",
            "--years", "2023", "--top", "10", "--out", str(tmp_path / "t.csv")]  # fmt: skip
    r = runner.invoke(app, [*args, "--org-level", "top"])
    assert r.exit_code == 0, r.output
    assert "(org level top)" in r.output
    import pyarrow.csv as pacsv

    rows = {x["entity_name"]: x for x in pacsv.read_csv(tmp_path / "t.csv").to_pylist()}
    assert set(rows) == {"Massachusetts Institute of Technology", "Harvard University"}
    assert rows["Harvard University"]["works"] == 1
    assert rows["Harvard University"]["works_frac"] == 1.0
    assert rows["Massachusetts Institute of Technology"]["works_frac"] == 1.0
    r = runner.invoke(app, [*args, "--org-level", "group"])
    assert r.exit_code != 0 and "org_level must be one of" in r.output
    r = runner.invoke(app, ["--store", str(path), "decide", "watch", "--patent-unit", "x"])
    assert r.exit_code != 0 and "patent_unit must be one of" in r.output
