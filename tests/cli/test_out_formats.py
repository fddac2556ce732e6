"""Every command that writes a table with ``--out`` writes every format (.csv .parquet .json
.xlsx), list columns included; ``--format csv|json`` prints the whole table on stdout."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import click
import pyarrow.parquet as pq
import pytest
import typer.main
from openpyxl import load_workbook
from typer.testing import CliRunner

from forcemap.cli import app
from forcemap.report.tables import FORMATS

runner = CliRunner()
AFFINITY = Path(__file__).resolve().parents[1] / "data" / "affinity"

# the arguments each table-writing command needs on the synthetic world (the planted industries)
COMMANDS: dict[str, list[str]] = {
    "indicators impact": [],
    "indicators percentiles": [],
    "indicators aggregate": ["--by", "country"],
    "indicators emergence": ["--unit", "topic"],
    "indicators patent-value": [],
    "indicators disruption": ["--entity", "patents", "--no-variants"],
    "indicators specialisation": [],
    "indicators complexity": [],
    "indicators sleeping-beauty": [],
    "indicators bursts": ["--unit", "topic"],
    "indicators hindex": ["--unit", "institution"],
    "indicators lotka": [],
    "indicators bradford": [],
    "indicators rpys": ["--industry", "robotics"],
    "indicators three-field": ["--fields", "country,topic,institution", "--top", "5"],
    "network analyse": ["--industry", "robotics"],
    "network thematic-map": ["--industry", "robotics", "--terms", "title"],
    "network thematic-evolution": ["--industry", "robotics", "--terms", "title", "--cuts", "2011"],
    "network historiograph": ["--top", "10"],
    "decide positioning": ["--industry", "robotics"],
    "decide bottlenecks": ["--industry", "semiconductors"],
    "decide actors": ["--industry", "robotics"],
    "decide benchmark": ["--industry", "robotics"],
    "decide benchmark-series": ["--industry", "robotics"],
    "decide landscape": ["--industry", "robotics"],
    "decide talent": ["--industry", "robotics"],
    "decide watch": ["--industry", "robotics"],
    "decide consortium": ["--industry", "robotics", "--size", "4"],
    "decide pathways": ["--industry", "robotics"],
    "decide review": [],
    "decide allocate": ["--budget", "3e7"],
    "decide panel": ["--text", "robot arm control", "--size", "3"],  # + the planted applicant
    "decide affinity": [
        *("--archives", str(AFFINITY / "archives")),
        *("--submissions", str(AFFINITY / "submissions.json")),
    ],
    "industries check": [],
}
# list columns that crashed the CSV writer before (issue 20): written as .csv explicitly
LIST_COLUMNS = ("indicators emergence", "indicators sleeping-beauty", "decide consortium")


def _table_commands() -> set[str]:
    """The commands whose ``--out`` is one table file (not a directory, a report or a world)."""
    root = typer.main.get_command(app)
    ctx = click.Context(root)
    found: set[str] = set()

    def walk(cmd: click.Command, path: list[str]) -> None:
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):  # type: ignore[attr-defined]
                walk(cmd.get_command(ctx, name), [*path, name])  # type: ignore[attr-defined]
            return
        for p in cmd.params:
            if "--out" in getattr(p, "opts", []) and ".xlsx" in (getattr(p, "help", "") or ""):
                found.add(" ".join(path))

    walk(root, [])
    return found


def test_every_table_command_is_covered() -> None:
    """A new command with a table ``--out`` must be added to COMMANDS (and so tested)."""
    assert _table_commands() == set(COMMANDS)


def _rows(path: Path) -> int:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            return sum(1 for _ in csv.DictReader(fh))
    if path.suffix == ".json":
        return len(json.loads(path.read_text(encoding="utf-8")))
    if path.suffix == ".parquet":
        return pq.read_metadata(path).num_rows
    wb = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in wb["table"].iter_rows()) - 1
    finally:
        wb.close()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_writes_the_table(
    command: str, synthetic_world: tuple[Path, dict], tmp_path: Path
) -> None:
    """Each command once, the format rotating over the commands (each format is written by six
    of them; the writers themselves are tested type by type in tests/report/test_tables.py)."""
    i = sorted(COMMANDS).index(command)
    suffix = ".csv" if command in LIST_COLUMNS else FORMATS[i % len(FORMATS)]
    out = tmp_path / f"out{suffix}"
    path, planted = synthetic_world
    args = ["--store", str(path), *command.split(), *COMMANDS[command]]
    if command == "decide panel":
        args += ["--applicant", planted["coauthor_conflict"]["author_a"]]
    r = runner.invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    said = re.search(r"([\d,]+) (?:rows|pairs)\b[^\n]*-> ", r.output)
    assert said is not None and out.exists(), r.output
    assert _rows(out) == int(said.group(1).replace(",", "")), r.output
    if suffix == ".xlsx" and command.startswith("decide"):
        kinds = [row[0].value for row in load_workbook(out)["notes"].iter_rows(min_row=2)]
        assert "rule" in kinds  # the rule (and coverage, caveats) on their own sheet


def test_format_csv_and_json_print_the_whole_table(synthetic_world: tuple[Path, dict]) -> None:
    s = str(synthetic_world[0])
    r = runner.invoke(app, ["--store", s, "--format", "csv", "decide", "talent", "--industry",
                            "robotics"])  # fmt: skip
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith('"unit_name","kind","rank"') and len(lines) > 2
    r = runner.invoke(app, ["--store", s, "--format", "json", "decide", "actors", "--industry",
                            "robotics"])  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert isinstance(rows, list) and rows and {"industry", "rank", "name"} <= set(rows[0])
    r = runner.invoke(app, ["--store", s, "--format", "xml", "status"])
    assert r.exit_code == 2 and "table, csv or json" in r.output


def test_unknown_out_format_is_refused_before_work(synthetic_world: tuple[Path, dict]) -> None:
    s = str(synthetic_world[0])
    r = runner.invoke(app, ["--store", s, "decide", "actors", "--out", "x.txt"])
    assert r.exit_code == 2 and "unknown output format '.txt'" in r.output
