"""The CLI's shared floor (``forcemap.cli._common``): the global options on the Typer
context, error handling, year ranges, table files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from forcemap.cli import Options, app
from forcemap.cli._common import errors, options, parse_years, run_decision, write_table
from forcemap.errors import InputError, NotFoundError

runner = CliRunner()


def test_global_options_reach_the_command_through_the_context(tmp_path: Path) -> None:
    """Each invocation's --store is the one its command opens (no state kept between runs)."""
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    r = runner.invoke(app, ["--store", str(a), "init"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["init"], env={"FORCEMAP_STORE": str(b)})
    assert r.exit_code == 0, r.output
    assert a.exists() and b.exists()
    assert str(b) in r.output and str(a) not in r.output


def test_options_without_the_root_callback_are_the_defaults() -> None:
    ctx = typer.Context(typer.main.get_command(app))
    assert options(ctx) == Options()
    assert Options().store == Path("forcemap.duckdb") and Options().memory_limit == "1GB"


def test_options_are_found_from_a_subcommand_context() -> None:
    root = typer.Context(typer.main.get_command(app), obj=Options(store=Path("x.duckdb")))
    sub = typer.Context(typer.main.get_command(app), parent=root)
    assert options(sub).store == Path("x.duckdb")


def test_errors_turn_a_forcemap_error_into_its_exit_code() -> None:
    with pytest.raises(typer.Exit) as e, errors():
        raise NotFoundError("no such thing")
    assert e.value.exit_code == NotFoundError.exit_code == 4


def test_errors_let_other_exceptions_through() -> None:
    with pytest.raises(ValueError), errors():
        raise ValueError("a bug, not a forcemap error")


@pytest.mark.parametrize(
    ("value", "want"),
    [(None, None), ("", None), ("2015:2020", (2015, 2020)), ("2015", (2015, 2015))],
)
def test_parse_years(value: str | None, want: tuple[int, int] | None) -> None:
    assert parse_years(value) == want


def test_parse_years_refuses_other_text() -> None:
    with pytest.raises(InputError, match="2015:2020"):
        parse_years("last five")


def test_write_table_by_suffix(tmp_path: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    t = pa.table({"a": [1, 2], "b": ["x", "y"]})
    write_table(t, tmp_path / "sub" / "t.parquet")
    write_table(t, tmp_path / "t.csv")
    assert pq.read_table(tmp_path / "sub" / "t.parquet").equals(t)
    assert pacsv.read_csv(tmp_path / "t.csv").equals(t)
    with pytest.raises(InputError, match=r"unknown output format .\.txt."):
        write_table(t, tmp_path / "t.txt")


def test_run_decision_checks_the_out_suffix_before_opening(tmp_path: Path) -> None:
    opts = Options(store=tmp_path / "none.duckdb")
    with pytest.raises(InputError, match=r"unknown output format .\.txt."):
        run_decision(opts, lambda s: s, tmp_path / "t.txt")
    with pytest.raises(NotFoundError):
        run_decision(opts, lambda s: s, None)
