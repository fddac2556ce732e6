"""What every command module of the CLI shares: the Typer tree, the global options, the
consoles, error handling and the table rendering.

The global options (``--store``, ``--quiet``, ``--memory-limit``, ``--engine``) are parsed by
the root callback :func:`main` into an :class:`Options` kept on the Typer context
(``ctx.obj``); each command reads them with :func:`options` and passes them on explicitly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from forcemap.errors import ForcemapError, InputError

if TYPE_CHECKING:
    import pyarrow as pa

    from forcemap.decide.result import DecisionResult
    from forcemap.store import Store

app = typer.Typer(
    name="forcemap",
    help="Science & technology strategy from open data: store → indicators → decisions.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
ingest_app = typer.Typer(help="Load real data files into the store (one atomic batch per file).")
app.add_typer(ingest_app, name="ingest")
fetch_app = typer.Typer(help="Fetch data from online APIs straight into the store.")
app.add_typer(fetch_app, name="fetch")
network_app = typer.Typer(help="Innovation networks: build, analyse, export a slice.")
app.add_typer(network_app, name="network")
indicators_app = typer.Typer(
    help="Compute an indicator on the store; write it to a file and/or save it in the store."
)
app.add_typer(indicators_app, name="indicators")
decide_app = typer.Typer(help="Decisions: a table, the rule and thresholds applied, caveats.")
app.add_typer(decide_app, name="decide")
report_app = typer.Typer(help="Self-contained reports (HTML that opens offline; PDF).")
app.add_typer(report_app, name="report")
spark_app = typer.Typer(
    help="Scale-out on Apache Spark: snapshot → canonical Parquet → indicators (docs/spark.md)."
)
app.add_typer(spark_app, name="spark")

# Piped output (logs, CI) is not wrapped at 80 columns: tables stay readable.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


@dataclass(frozen=True)
class Options:
    """The global options, given before the command (``forcemap --store S decide …``)."""

    store: Path = Path("forcemap.duckdb")
    quiet: bool = False
    memory_limit: str = "1GB"
    engine: str = "duckdb"
    format: str = "table"

    def open(self, *, read_only: bool = False, create: bool = True) -> Store:
        """Open the store with these options."""
        from forcemap.store import Store

        return Store.open(
            self.store, read_only=read_only, create=create, memory_limit=self.memory_limit
        )


def options(ctx: typer.Context) -> Options:
    """The global options of this invocation (the defaults when the root callback did not
    run, e.g. a sub-app invoked on its own)."""
    found = ctx.find_object(Options)
    return found if found is not None else Options()


# The printers read ``--format`` here: they are called deep inside commands, with no context.
_FORMAT: ContextVar[str] = ContextVar("forcemap_format", default="table")


@app.callback()
def main(
    ctx: typer.Context,
    store: Annotated[
        Path,
        typer.Option(
            "--store", "-s", help="The workspace's DuckDB store file.", envvar="FORCEMAP_STORE"
        ),
    ] = Path("forcemap.duckdb"),
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars, only results and errors.")
    ] = False,
    memory_limit: Annotated[
        str,
        typer.Option(
            help="DuckDB memory limit; larger work spills to disk.",
            envvar="FORCEMAP_MEMORY_LIMIT",
        ),
    ] = "1GB",
    engine: Annotated[
        str,
        typer.Option(
            help="Computing engine for indicators: duckdb (embedded) or spark (PySpark; "
            "master local[2], or $FORCEMAP_SPARK_MASTER).",
            envvar="FORCEMAP_ENGINE",
        ),
    ] = "duckdb",
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="How result tables are printed: table (fitted to the terminal), or the whole "
            "table as csv or json on stdout (rule, coverage and caveats go to stderr).",
            envvar="FORCEMAP_FORMAT",
        ),
    ] = "table",
) -> None:
    """forcemap: data → models → computing → decision, on one machine or a cluster."""
    if output_format not in ("table", "csv", "json"):
        err.print(f"[red]error[/red]: --format must be table, csv or json, not {output_format!r}")
        raise typer.Exit(2)
    _FORMAT.set(output_format)
    ctx.obj = Options(
        store=store,
        quiet=quiet,
        memory_limit=memory_limit,
        engine=engine,
        format=output_format,
    )


def _format() -> str:
    """The ``--format`` of this invocation (``table`` outside a CLI run)."""
    return _FORMAT.get()


@contextmanager
def errors() -> Iterator[None]:
    """Print a :class:`~forcemap.errors.ForcemapError` as one line on stderr and exit with
    its exit code; anything else propagates."""
    try:
        yield
    except ForcemapError as e:
        # the message is plain text: brackets in it (paths, 'forcemap[ai]') are not markup
        err.print(
            f"[red]error[/red] ({type(e).__name__}): {escape(str(e))}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(e.exit_code) from None


# -- options shared by several command modules ----------------------------------------------

YearsOpt = Annotated[str | None, typer.Option(help="Year range, e.g. 2015:2020.")]
CountingOpt = Annotated[str, typer.Option(help="full or fractional.")]
CountryOpt = Annotated[str, typer.Option(help="Home country, ISO 3166-1 alpha-2.")]
OrgLevelOpt = Annotated[
    str,
    typer.Option(
        help="Count organisations as resolved (self), rolled up to their parent, or to the top "
        "of their hierarchy (top), e.g. --org-level top counts a university's institutes and "
        "hospitals as the university."
    ),
]


def parse_years(value: str | None) -> tuple[int, int] | None:
    """``--years 2015:2020`` (or ``2015``) as a pair of years."""
    if not value:
        return None
    try:
        a, _, b = value.partition(":")
        return int(a), int(b or a)
    except ValueError:
        raise InputError(f"--years must look like 2015:2020, not {value!r}") from None


# -- rendering ------------------------------------------------------------------------------


def print_arrow(table: pa.Table, title: str, *, max_rows: int = 15) -> None:
    """The first ``max_rows`` rows of an Arrow table as a Rich table (numbers formatted one
    way, :func:`~forcemap.report.tables.column_formatter`; long text folds, never cut), or
    the whole table as CSV/JSON on stdout under ``forcemap --format csv|json``."""
    from forcemap.report.tables import column_formatter

    fmt = _format()
    if fmt != "table":
        _print_machine(table, fmt)
        return
    shown = table.slice(0, max_rows)
    t = Table(title=title)
    cells: list[list[str]] = []
    for name, col in zip(shown.column_names, shown.columns, strict=True):
        values = col.to_pylist()
        f = column_formatter(name, values)
        texts = [f(v) if v is None or isinstance(v, (int, float)) else str(v) for v in values]
        cells.append(texts)
        # a column shrinks to fit the terminal, but never below its longest word (at most
        # 14 characters): words and numbers are not cut in the middle
        longest = max((len(w) for x in texts for w in x.split()), default=1)
        t.add_column(
            name,
            justify="right" if pa_is_numeric(col.type) else "left",
            overflow="fold",
            min_width=min(longest, 14),
        )
    for row in zip(*cells, strict=True):
        t.add_row(*(escape(x) for x in row))
    out.print(t)


def pa_is_numeric(t: Any) -> bool:
    """Whether an Arrow type holds numbers (right-aligned in tables)."""
    import pyarrow as pa

    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))


def _print_machine(table: pa.Table, fmt: str) -> None:
    """The whole table on stdout as CSV or JSON (rows), for pipes and scripts."""
    import tempfile

    from forcemap.report.tables import write_table as _write

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"t.{fmt}"
        _write(table, p)
        sys.stdout.write(p.read_text(encoding="utf-8"))
        sys.stdout.flush()


def write_table(table: pa.Table, path: Path, *, notes: dict[str, list[str]] | None = None) -> None:
    """Write an Arrow table by the file's suffix (.csv, .parquet, .json, .xlsx; see
    :mod:`forcemap.report.tables`)."""
    from forcemap.report.tables import write_table as _write

    _write(table, path, notes=notes)


def check_out(path: Path | None) -> None:
    """Refuse an ``--out`` file no writer takes, before any work is done."""
    from forcemap.report.tables import check_out as _check

    _check(path)


@contextmanager
def spark_progress(
    opts: Options, *, force: bool = False
) -> Iterator[Callable[[str, int, int], None] | None]:
    """A Rich progress bar fed by Spark task counts (``progress(step, done, total)``); none
    when quiet or (unless ``force``) when the engine is not Spark."""
    if opts.quiet or (opts.engine != "spark" and not force):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(f"spark {step} (tasks)", total=max(total, 1))
            bar.update(tasks[step], completed=done, total=max(total, done, 1))

        yield update


# -- decisions (decide … and search) --------------------------------------------------------

R = TypeVar("R")


def run_decision(opts: Options, fn: Callable[..., R], out_file: Path | None, **kwargs: Any) -> R:
    """Open the store read-only, run a decision, optionally write its table."""
    check_out(out_file)
    s = opts.open(read_only=True)
    try:
        return fn(s, **kwargs)
    finally:
        s.close()


def print_decision(result: DecisionResult, columns: list[str], *, max_rows: int = 40) -> None:
    """The decision's table (selected columns), its rule with thresholds, and its caveats
    (under ``--format csv|json`` the table alone on stdout, the notes on stderr)."""
    title = result.name + ("  [SYNTHETIC DATA]" if result.synthetic else "")
    machine = _format() != "table"
    print_arrow(result.table.select(columns), title, max_rows=max_rows)
    con = err if machine else out
    if not machine and result.table.num_rows > max_rows:
        out.print(f"… {result.table.num_rows - max_rows:,} more rows (use --out)")
    con.print(f"[bold]Rule[/bold]: {escape(result.rule.describe())}", highlight=False)
    print_coverage(result, console=con)
    for c in result.caveats:
        con.print(f"[yellow]caveat[/yellow]: {escape(c)}", highlight=False)


def decision_notes(result: DecisionResult) -> dict[str, list[str]]:
    """The rule, data coverage and caveats of a decision, for a spreadsheet's notes sheet."""
    return {
        "rule": [result.rule.describe()],
        "coverage": [c.describe() for c in result.coverage],
        "caveats": list(result.caveats),
    }


def print_coverage(result: DecisionResult, *, console: Console | None = None) -> None:
    """One line per coverage the decision reports (red when below its minimum)."""
    for c in result.coverage:
        tag = "[red]coverage[/red]" if c.below else "[cyan]coverage[/cyan]"
        (console or out).print(f"{tag}: {escape(c.describe())}", highlight=False)


def finish_decision(
    r: DecisionResult, cols: list[str], out_file: Path | None, *, max_rows: int = 40
) -> None:
    """Print the decision (the columns of ``cols`` it has) and write its table to ``out_file``."""
    print_decision(r, [c for c in cols if c in r.table.column_names], max_rows=max_rows)
    if out_file is not None:
        write_table(r.table, out_file, notes=decision_notes(r))
        (err if _format() != "table" else out).print(f"{r.table.num_rows:,} rows -> {out_file}")
