"""The ``forcemap`` command line: a thin layer over the Python API.

Each command parses its arguments, calls one public function and renders the result. Errors
that forcemap raises on purpose (:class:`forcemap.errors.ForcemapError`) are printed as one
line on stderr and turned into the error's exit code; nothing else is caught.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from forcemap.errors import ForcemapError, InputError

if TYPE_CHECKING:
    from forcemap.store.store import IngestReport

__all__ = ["app"]

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


class _State:
    store: Path = Path("forcemap.duckdb")
    quiet: bool = False
    memory_limit: str = "1GB"
    engine: str = "duckdb"


state = _State()


@app.callback()
def main(
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
) -> None:
    """forcemap: data → models → computing → decision, on one machine or a cluster."""
    state.store = store
    state.quiet = quiet
    state.memory_limit = memory_limit
    state.engine = engine


@contextmanager
def _errors() -> Iterator[None]:
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


def _open(*, read_only: bool = False, create: bool = True):  # type: ignore[no-untyped-def]
    from forcemap.store import Store

    return Store.open(
        state.store, read_only=read_only, create=create, memory_limit=state.memory_limit
    )


# -- store ----------------------------------------------------------------------------------


@app.command()
def init() -> None:
    """Create (or migrate) the store.

    Example: forcemap --store ws.duckdb init
    """
    with _errors():
        s = _open()
        out.print(f"store {s.path} ready (schema version {s.schema_version()})")
        s.close()


@app.command()
def status() -> None:
    """Show tables with row counts, the ingest history, saved results (stale or fresh) and
    quarantine counts.

    Example: forcemap --store ws.duckdb status
    """
    with _errors():
        from forcemap.store.results import saved_results

        s = _open(read_only=True)
        try:
            st = s.status()
            saved = saved_results(s)
        finally:
            s.close()
    t = Table(title=f"{st.path} (schema v{st.schema_version})")
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, n in st.tables.items():
        t.add_row(name, f"{n:,}")
    out.print(t)
    log = st.ingest_log.to_pylist()
    if log:
        h = Table(title="ingest history")
        numeric = ("read", "stored", "rejected", "dup", "filtered")
        for c in ("batch", "source", "file", *numeric, "status"):
            h.add_column(c, justify="right" if c in numeric else "left")
        for r in log[-20:]:
            h.add_row(
                str(r["batch_id"]),
                r["source"],
                Path(r["file"]).name,
                f"{r['read']:,}",
                f"{r['stored']:,}",
                f"{r['rejected']:,}",
                f"{r['duplicates']:,}",
                f"{r.get('filtered') or 0:,}",
                r["status"],
            )
        out.print(h)
    if saved:
        r = Table(title="saved indicator results")
        for c in ("name", "indicator", "rows", "computed", "state"):
            r.add_column(c, justify="right" if c == "rows" else "left")
        for x in saved:
            state = f"stale ({', '.join(x.changed)} changed)" if x.stale else "fresh"
            r.add_row(x.name, x.indicator, f"{x.n_rows:,}", f"{x.computed:%Y-%m-%d %H:%M}", state)
        out.print(r)
    if st.quarantine:
        q = Table(title="quarantine by reason")
        q.add_column("reason")
        q.add_column("records", justify="right")
        for reason, n in st.quarantine.items():
            q.add_row(reason, f"{n:,}")
        out.print(q)


def _run_ingest(
    source: str, paths: list[Path], origin: str | None = None, *, encoding: str | None = None
) -> None:
    from forcemap._progress import rich_progress
    from forcemap.store.ingest import ingest
    from forcemap.store.schema import SOURCE_TABLES

    with _errors():
        s = _open()
        try:
            try:
                with rich_progress(f"ingest {source}", quiet=state.quiet) as progress:
                    report = ingest(
                        s, source, paths, origin=origin, progress=progress, encoding=encoding
                    )
            except ForcemapError as e:
                done = getattr(e, "committed", [])
                if done:
                    _print_files(done)
                    err.print(
                        f"{len(done)} file(s) were committed before the failure (listed above; "
                        "a re-run skips them); the failing file left the store unchanged",
                        highlight=False,
                    )
                else:
                    err.print(
                        "no file was committed by this command: the store is as it was",
                        highlight=False,
                    )
                raise
            holds = {t: n for t, n in s.counts().items() if t in SOURCE_TABLES.get(source, ())}
        finally:
            s.close()
    for f in report.skipped:
        err.print(f"skipped {f}: an identical file was ingested before")
    for reason, n in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
        err.print(f"[yellow]rejected[/yellow] {n:,} record(s): {reason}", highlight=False)
    for reason, n in sorted(report.filter_reasons.items(), key=lambda kv: -kv[1]):
        err.print(f"filtered {n:,} record(s): {reason}", highlight=False)
    for q in report.quarantine_files:
        err.print(f"quarantined records written to {q}")
    if len(report.batches) > 1:
        _print_files(report.batches)
    out.print(
        f"{source}: {report.read:,} records in {len(report.files)} file(s) = stored "
        f"{report.stored:,} + replaced {report.replaced:,} + rejected {report.rejected:,} + "
        f"duplicates {report.duplicates:,} + filtered {report.filtered:,}"
        + "".join(f"; {k} {v:,}" for k, v in report.related.items())
    )
    out.print("the store now holds " + ", ".join(f"{t} {n:,}" for t, n in holds.items()))


def _print_files(reports: Sequence[IngestReport]) -> None:
    """One row per committed file: what it held and what it added."""
    t = Table(title="files committed", title_justify="left")
    for c in ("file", "records", "stored", "replaced", "rejected", "duplicates", "filtered"):
        t.add_column(c, justify="left" if c == "file" else "right")
    for r in reports:
        t.add_row(
            ", ".join(r.files),
            *(
                f"{v:,}"
                for v in (r.read, r.stored, r.replaced, r.rejected, r.duplicates, r.filtered)
            ),
        )
    err.print(t)


PathsArg = Annotated[list[Path], typer.Argument(help="Files or directories to read.")]


@ingest_app.command("openalex")
def ingest_openalex_cmd(
    paths: PathsArg,
    origin: Annotated[
        str | None, typer.Option(help="Label stored with each record (default openalex).")
    ] = None,
) -> None:
    """OpenAlex works/institutions: snapshot part files, JSON Lines or API pages.

    Example: forcemap ingest openalex openalex-snapshot/data/works/
    """
    _run_ingest("openalex", paths, origin)


@ingest_app.command("patentsview")
def ingest_patentsview_cmd(paths: PathsArg) -> None:
    """PatentsView bulk tables (a directory of g_*.tsv files).

    Example: forcemap ingest patentsview downloads/patentsview/
    """
    _run_ingest("patentsview", paths)


@ingest_app.command("uspto")
def ingest_uspto_cmd(paths: PathsArg) -> None:
    """USPTO grant records (JSON) or their flattened CSV.

    Example: forcemap ingest uspto doc.json
    """
    _run_ingest("uspto", paths)


EncodingOpt = Annotated[
    str,
    typer.Option(
        help="The files' text encoding (latin-1, cp1252, …), transcoded to UTF-8. With the "
        "default utf-8 a record with other bytes is quarantined with its line."
    ),
]


@ingest_app.command("projects")
def ingest_projects_cmd(paths: PathsArg, encoding: EncodingOpt = "utf-8") -> None:
    """Funded projects: a directory with projects.csv, participants.csv, outputs.csv.

    Example: forcemap ingest projects my-programme/
    """
    _run_ingest("projects", paths, encoding=encoding)


@ingest_app.command("cordis")
def ingest_cordis_cmd(
    paths: PathsArg,
    origin: Annotated[
        str | None, typer.Option(help="Label stored with each project (default cordis).")
    ] = None,
    encoding: EncodingOpt = "utf-8",
) -> None:
    """EU CORDIS project.csv / organization.csv (Horizon Europe, H2020; CSV or XLSX).

    Example: forcemap ingest cordis cordis-HORIZONprojects-csv/
    """
    _run_ingest("cordis", paths, origin, encoding=encoding)


@ingest_app.command("trade")
def ingest_trade_cmd(paths: PathsArg, encoding: EncodingOpt = "utf-8") -> None:
    """Trade flows: BACI (t,i,j,k,v,q), UN Comtrade (typeCode,…,cmdCode,…,primaryValue) or
    forcemap (year,reporter,partner,hs6,…) CSV; the layout is taken from the header.

    Example: forcemap ingest trade BACI_HS17_Y2022_V202401.csv
    """
    _run_ingest("trade", paths, encoding=encoding)


# Bibliographic exports and the example each source's help shows (also listed by `sources`).
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "wos": ("Web of Science export: tab-delimited or plain text (savedrecs.txt)",
            "forcemap ingest wos savedrecs.txt"),
    "scopus": ("Scopus CSV export (scopus.csv)", "forcemap ingest scopus scopus.csv"),
    "lens": ("Lens.org scholarly works CSV export", "forcemap ingest lens lens-export.csv"),
    "ris": ("RIS reference-manager export", "forcemap ingest ris library.ris"),
    "bibtex": ("BibTeX file", "forcemap ingest bibtex library.bib"),
}  # fmt: skip


def _export_command(source: str) -> None:
    help_text, example = EXPORT_FORMATS[source]

    def command(
        paths: PathsArg,
        origin: Annotated[str | None, typer.Option(help="Label stored with each record.")] = None,
    ) -> None:
        _run_ingest(source, paths, origin)

    command.__doc__ = f"{help_text}.\n\nExample: {example}"
    ingest_app.command(source)(command)


for _source in EXPORT_FORMATS:
    _export_command(_source)


@app.command()
def sources() -> None:
    """The input formats forcemap reads, with an example command each."""
    from forcemap.store.ingest import SOURCES

    examples = {
        "openalex": ("OpenAlex snapshot part files, JSON Lines or API pages",
                     "forcemap ingest openalex openalex-snapshot/data/works/"),
        "patentsview": ("PatentsView bulk g_*.tsv tables (a directory)",
                        "forcemap ingest patentsview downloads/patentsview/"),
        "uspto": ("USPTO grant records (JSON pages, JSONL) or their flattened CSV",
                  "forcemap ingest uspto doc.json"),
        "projects": ("projects.csv / participants.csv / outputs.csv (docs/formats.md)",
                     "forcemap ingest projects my-programme/"),
        "cordis": ("EU CORDIS project.csv / organization.csv (';', or XLSX)",
                   "forcemap ingest cordis cordis-HORIZONprojects-csv/"),
        "trade": ("BACI t,i,j,k,v,q, UN Comtrade (typeCode,…,cmdCode,…,primaryValue) or "
                  "forcemap year,reporter,partner,hs6,… CSV",
                  "forcemap ingest trade BACI_HS17_Y2022_V202401.csv"),
        **EXPORT_FORMATS,
    }  # fmt: skip
    t = Table(title="input formats")
    for c in ("source", "what", "example"):
        t.add_column(c)
    for key in SOURCES:
        what, example = examples.get(key, ("", f"forcemap ingest {key} FILE"))
        t.add_row(key, what, example)
    t.add_row("openalex API", "a live OpenAlex query, resumable",
              'forcemap fetch openalex --filter "topics.id:T10247" --mailto you@org')  # fmt: skip
    out.print(t)


@fetch_app.command("openalex")
def fetch_openalex_cmd(
    filters: Annotated[
        list[str],
        typer.Option("--filter", help="OpenAlex filter, e.g. concepts.id:C41008148 (repeat)."),
    ],
    entity: Annotated[str, typer.Option(help="works or institutions.")] = "works",
    since: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD: only records updated since (API key).")
    ] = None,
    mailto: Annotated[
        str | None, typer.Option(help="Your e-mail, for OpenAlex's polite pool.")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(help="OpenAlex API key.", envvar="OPENALEX_API_KEY")
    ] = None,
    max_pages: Annotated[
        int | None, typer.Option(help="Stop each query after N pages (resume later).")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Queries fetched at once.")] = 2,
    base_url: Annotated[str, typer.Option(help="API root.")] = "https://api.openalex.org",
    cache_dir: Annotated[
        Path | None, typer.Option(help="Raw page cache (default <store>.cache/openalex).")
    ] = None,
) -> None:
    """Fetch OpenAlex records by filter (cursor paging, retries, resumable) into the store.

    Example: forcemap fetch openalex --filter "concepts.id:C2779227376" --mailto me@org.eu
    """
    from forcemap._progress import rich_progress
    from forcemap.store.ingest.openalex_api import fetch_openalex

    with _errors():
        s = _open()
        try:
            with rich_progress("fetch openalex", unit="pages", quiet=state.quiet) as progress:
                r = fetch_openalex(
                    s,
                    filters=filters,
                    entity=entity,
                    since=since,
                    mailto=mailto,
                    api_key=api_key,
                    max_pages=max_pages,
                    concurrency=concurrency,
                    base_url=base_url,
                    cache_dir=cache_dir,
                    progress=(lambda p, q: progress(p, 0)) if progress else None,
                )
        finally:
            s.close()
    for q in r.resumed:
        err.print(f"resumed {q} from its checkpoint")
    i = r.ingest
    out.print(
        f"fetched {r.pages:,} pages ({r.cache_hits:,} from cache, {r.retries:,} retries), "
        f"{r.records:,} records: stored {i.stored:,} + rejected {i.rejected:,} + "
        f"merged duplicates {i.duplicates:,}"
    )


@app.command()
def resolve(
    overrides: Annotated[
        Path | None,
        typer.Option(help="CSV source,source_id,org_id[,name,type,country_code] forcing aliases."),
    ] = None,
) -> None:
    """Resolve organisations across sources (ROR first, then normalised names).

    Example: forcemap resolve --overrides my_orgs.csv
    """
    from forcemap.store.organizations import resolve_organizations

    with _errors():
        s = _open()
        try:
            r = resolve_organizations(s, overrides=overrides)
        finally:
            s.close()
    out.print(
        f"{r.organizations:,} organisations from {r.aliases:,} source records: "
        f"{r.merged_by_ror:,} merged by ROR, {r.merged_by_name:,} by name, "
        f"{r.overrides_applied:,} overrides applied, {r.individuals_skipped:,} individuals skipped"
    )
    for u in r.overrides_unmatched:
        err.print(f"[yellow]override not matched[/yellow]: {u}")


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the world into.")],
    scale: Annotated[float, typer.Option(help="1.0 ≈ 20,000 works; sizes scale linearly.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed; same seed+scale = same files.")] = 0,
) -> None:
    """Write a deterministic synthetic world (real formats + planted facts in manifest.json).

    Example: forcemap synth --scale 0.5 --seed 7 --out world/
    """
    from forcemap.store.synth import write_world

    with _errors():
        m = write_world(out_dir, scale=scale, seed=seed)
    out.print(f"synthetic world written to {out_dir} (manifest {out_dir / 'manifest.json'})")
    for k, v in m.counts.items():
        out.print(f"  {k}: {v:,}")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for stores and report.")] = Path(
        "demo"
    ),
) -> None:
    """Build the demo stores (real SYNERGY + USPTO data; a small synthetic world, kept apart)
    and write the demo report.

    Example: forcemap demo --out demo/
    """
    from forcemap.demo import build_demo

    with _errors():
        result = build_demo(out_dir, quiet=state.quiet)
    for label, rep in result.ingests:
        out.print(
            f"{label}: read {rep.read:,} = stored {rep.stored:,} + rejected {rep.rejected:,} "
            f"+ merged duplicates {rep.duplicates:,}",
            highlight=False,
        )
    out.print(f"demo store (real data):      {result.real_store}")
    out.print(f"demo store (synthetic world): {result.synthetic_store}")
    out.print(f"[bold]report: {result.report}[/bold]")
    out.print(
        f"explore it in the browser: forcemap --store {result.synthetic_store} serve "
        f"(or --store {result.real_store})",
        highlight=False,
    )


# -- networks -------------------------------------------------------------------------------

KindOpt = Annotated[
    str,
    typer.Option(
        help="org_collaboration, org_citation, region_citation, science_technology, "
        "author_collaboration or country_collaboration."
    ),
]
IndustryOpt = Annotated[str | None, typer.Option(help="Industry key from the catalog.")]
YearsOpt = Annotated[str | None, typer.Option(help="Year range, e.g. 2015:2020.")]
CountriesOpt = Annotated[
    str | None, typer.Option(help="Comma-separated ISO2 codes; documents with a participant there.")
]
CountingOpt = Annotated[str, typer.Option(help="full or fractional.")]
LayersOpt = Annotated[
    str, typer.Option(help="Comma-separated: coauthorship, copatenting, projects.")
]


def _years(value: str | None) -> tuple[int, int] | None:
    from forcemap.errors import InputError

    if not value:
        return None
    try:
        a, _, b = value.partition(":")
        return int(a), int(b or a)
    except ValueError:
        raise InputError(f"--years must look like 2015:2020, not {value!r}") from None


def _network(
    kind: str,
    industry: str | None,
    years: str | None,
    countries: str | None,
    counting: str,
    layers: str,
    normalise: str | None = None,
):  # type: ignore[no-untyped-def]
    from forcemap.network import build_network

    s = _open(read_only=True)
    try:
        return build_network(
            s,
            kind=kind,  # type: ignore[arg-type]
            layers=tuple(x.strip() for x in layers.split(",") if x.strip()),
            industry=industry,
            years=_years(years),
            countries=[c.strip() for c in countries.split(",")] if countries else None,
            counting=counting,  # type: ignore[arg-type]
            normalise=normalise,  # type: ignore[arg-type]
        )
    finally:
        s.close()


def _print_arrow(table, title: str, *, max_rows: int = 15) -> None:  # type: ignore[no-untyped-def]
    t = Table(title=title)
    for c in table.column_names:
        t.add_column(c)
    for row in table.slice(0, max_rows).to_pylist():
        t.add_row(*(f"{v:,.4g}" if isinstance(v, float) else escape(str(v)) for v in row.values()))
    out.print(t)


@network_app.command("build")
def network_build(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for nodes.csv, edges.csv.")],
    kind: KindOpt = "org_collaboration",
    industry: IndustryOpt = None,
    years: YearsOpt = None,
    countries: CountriesOpt = None,
    counting: CountingOpt = "full",
    layers: LayersOpt = "coauthorship,copatenting,projects",
    normalise: Annotated[
        str | None, typer.Option(help="association_strength (VOSviewer) or none.")
    ] = None,
) -> None:
    """Build a network for a slice and write its node and edge lists.

    Example: forcemap network build --industry semiconductors --years 2015:2022 --out net/
    """
    from forcemap.network import to_csv

    with _errors():
        net = _network(kind, industry, years, countries, counting, layers, normalise)
        out_dir.mkdir(parents=True, exist_ok=True)
        to_csv(net, out_dir / "nodes.csv", out_dir / "edges.csv")
    out.print(
        f"{kind}: {net.nodes.num_rows:,} nodes, {net.edges.num_rows:,} edges "
        f"({net.meta.get('node_resolution')}) -> {out_dir}"
    )
    for note in net.meta.get("notes", []):
        err.print(f"note: {note}")


@network_app.command("analyse")
def network_analyse(
    kind: KindOpt = "org_collaboration",
    industry: IndustryOpt = None,
    years: YearsOpt = None,
    countries: CountriesOpt = None,
    counting: CountingOpt = "full",
    layers: LayersOpt = "coauthorship,copatenting,projects",
    resolution: Annotated[float, typer.Option(help="Leiden resolution.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed for Leiden and sampling.")] = 0,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write node metrics (.csv or .parquet).")
    ] = None,
) -> None:
    """Centrality, brokers (Burt), Leiden communities, cores and the triple-helix profile.

    Example: forcemap network analyse --industry ai --counting fractional --out metrics.csv
    """
    from forcemap.network import analyse, top_brokers

    with _errors():
        net = _network(kind, industry, years, countries, counting, layers)
        a = analyse(net, resolution=resolution, seed=seed)
        if out_file is not None:
            _write_table(a.nodes, out_file)
    summary = {k: v for k, v in a.summary.items() if not isinstance(v, list | dict)}
    for k, v in summary.items():
        out.print(f"  {k}: {v:,.4g}" if isinstance(v, float) else f"  {k}: {v}")
    _print_arrow(
        top_brokers(a).select(
            ["node_id", "label", "type", "country_code", "degree", "constraint", "effective_size"]
        ),
        "top brokers (lowest Burt constraint)",
    )
    _print_arrow(a.communities, "largest communities", max_rows=10)


@network_app.command("export")
def network_export(
    path: Annotated[Path, typer.Argument(help="Output file (.graphml, .gexf, .html, .txt).")],
    fmt: Annotated[
        str, typer.Option("--format", help="graphml, gexf, vosviewer, csv or html.")
    ] = "graphml",
    kind: KindOpt = "org_collaboration",
    industry: IndustryOpt = None,
    years: YearsOpt = None,
    countries: CountriesOpt = None,
    counting: CountingOpt = "full",
    layers: LayersOpt = "coauthorship,copatenting,projects",
    color_by: Annotated[str, typer.Option(help="html: type or community.")] = "type",
) -> None:
    """Export a network (with its analysis) to GraphML, GEXF, VOSviewer, CSV or offline HTML.

    Example: forcemap network export net.gexf --format gexf --industry quantum
    """
    from forcemap.errors import InputError
    from forcemap.network import analyse, to_csv, to_gexf, to_graphml, to_html, to_vosviewer

    with _errors():
        net = _network(kind, industry, years, countries, counting, layers)
        a = analyse(net)
        if fmt == "graphml":
            to_graphml(net, path, analysis=a)
        elif fmt == "gexf":
            to_gexf(net, path, analysis=a)
        elif fmt == "html":
            to_html(net, path, analysis=a, color_by=color_by)  # type: ignore[arg-type]
        elif fmt == "vosviewer":
            to_vosviewer(
                net, path.with_suffix(".map.txt"), path.with_suffix(".net.txt"), analysis=a
            )
        elif fmt == "csv":
            to_csv(net, path.with_suffix(".nodes.csv"), path.with_suffix(".edges.csv"), analysis=a)
        else:
            raise InputError(f"unknown --format {fmt!r}: graphml, gexf, vosviewer, csv, html")
    out.print(f"{fmt} written for {net.nodes.num_rows:,} nodes, {net.edges.num_rows:,} edges")


def _write_table(table, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Write an Arrow table as Parquet or CSV by the file's suffix."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from forcemap.errors import InputError

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    elif path.suffix == ".csv":
        pacsv.write_csv(table, path)
    else:
        raise InputError(f"{path}: write .parquet or .csv")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Bind address; non-loopback needs FORCEMAP_TOKEN.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port (0: any free port).")] = 8000,
    country: Annotated[
        str | None,
        typer.Option(help="Home country of the decision pages (default $FORCEMAP_COUNTRY or CN)."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(help="Bearer token required on every request.", envvar="FORCEMAP_TOKEN"),
    ] = None,
    export_dir: Annotated[
        Path | None, typer.Option(help="The only directory the app may write exports to.")
    ] = None,
    certfile: Annotated[
        Path | None,
        typer.Option(help="TLS certificate chain (PEM): serve HTTPS (with --keyfile)."),
    ] = None,
    keyfile: Annotated[
        Path | None, typer.Option(help="TLS private key (PEM, unencrypted) of --certfile.")
    ] = None,
    watch: Annotated[
        float,
        typer.Option(
            help="Seconds between checks of the store file: a replaced store (forcemap swap) "
            "is reopened without a restart; SIGHUP checks at once; 0: only on SIGHUP."
        ),
    ] = 2.0,
) -> None:
    """Serve the analyst's workbench (web pages + JSON API) on the store, read-only.

    To add data while serving: `forcemap stage`, ingest into the staged copy, `forcemap
    swap`; the server switches to the new store within --watch seconds.

    Example: forcemap --store demo/real.duckdb serve --port 8000
    """
    from forcemap.decide.explore import store_text_index
    from forcemap.indicators import precompute_todo
    from forcemap.web.serve import is_loopback
    from forcemap.web.serve import serve as run_server

    with _errors():
        s = _open(read_only=True, create=False)
        try:
            todo = precompute_todo(s)
            if store_text_index(s, "works") is None:
                todo.append("the search index")
        finally:
            s.close()
        if todo:
            err.print(
                f"[yellow]note[/yellow]: {', '.join(todo)} not precomputed (or stale): pages "
                "that need them compute them on first use, which takes long on a large store; "
                "run `forcemap precompute` first",
                highlight=False,
            )
        if not is_loopback(host) and certfile is None:
            err.print(
                f"[yellow]warning[/yellow]: serving plain HTTP on {host}: the token crosses "
                "the network in clear; give --certfile/--keyfile, or put a TLS proxy in front",
                highlight=False,
            )
        run_server(
            state.store,
            host=host,
            port=port,
            token=token,
            export_dir=export_dir,
            home_country=country.upper() if country else None,
            certfile=certfile,
            keyfile=keyfile,
            watch_interval=watch or None,
            on_ready=lambda url: out.print(
                f"serving {state.store} at {url}  (API docs: /docs)", highlight=False
            ),
        )


@app.command()
def stage(
    to: Annotated[
        Path | None,
        typer.Option(help="The staged copy (default: <store>.next.duckdb beside the store)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing staged copy.")
    ] = False,
) -> None:
    """Copy the store (and its search index) to a staged copy to ingest into while the
    store is served; then `forcemap swap` puts it in place.

    Example: forcemap --store ws.duckdb stage
    """
    from forcemap.web.staging import stage_store

    with _errors():
        staged = stage_store(state.store, to, overwrite=overwrite)
    out.print(f"staged {state.store} as {staged}; now:", highlight=False)
    out.print(f"  forcemap --store {staged} ingest …", highlight=False)
    out.print(f"  forcemap --store {staged} precompute   (optional, keeps serving fast)")
    swap_cmd = f"forcemap --store {state.store} swap" + (f" --staged {to}" if to else "")
    out.print(f"  {swap_cmd}", highlight=False)


@app.command()
def swap(
    staged: Annotated[
        Path | None,
        typer.Option(help="The staged copy (default: <store>.next.duckdb beside the store)."),
    ] = None,
) -> None:
    """Replace the store by its staged copy (atomic rename); a running `forcemap serve`
    reopens it within its --watch interval, without a restart.

    Example: forcemap --store ws.duckdb swap
    """
    from forcemap.web.staging import swap_store

    with _errors():
        done = swap_store(state.store, staged)
    out.print(f"{done} now holds the staged data (a running server reopens it)", highlight=False)


@app.command()
def precompute(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even the fresh ones.")] = False,
) -> None:
    """Compute and keep in the store what the decisions and the web app read on every run:
    CD_5 of the works and patents (saved results cd5_works, cd5_patents) and the search
    index of the works (beside the store). Only missing or stale ones unless --force; an
    ingest that changes their input tables makes them stale (ignored until recomputed).

    Example: forcemap --store S.duckdb precompute
    """
    from forcemap.decide.explore import index_path, precompute_text_index
    from forcemap.indicators import precompute as precompute_indicators

    with _errors():
        s = _open(create=False)
        try:
            done = precompute_indicators(
                s, force=force, progress=lambda name: err.print(f"computing {name} …")
            )
            for r in done:
                out.print(f"saved {r.name} ({r.indicator}): {r.n_rows:,} rows", highlight=False)
            err.print("building the search index of the works …")
            index = precompute_text_index(s, "works", force=force)
            if index is not None:
                out.print(
                    f"saved the search index ({index.n_documents:,} works, "
                    f"{len(index.vocabulary):,} terms) at {index_path(s, 'works')}.npz",
                    highlight=False,
                )
        finally:
            s.close()
    if not done and index is None:
        out.print("everything precomputed is fresh; nothing to compute")


# -- indicators -----------------------------------------------------------------------------

OutOpt = Annotated[Path | None, typer.Option("--out", help="Output file: .parquet or .csv.")]
SaveOpt = Annotated[
    str | None,
    typer.Option(
        "--save",
        help="Also keep the table in the store under this name, with its parameters and input "
        "versions (see `forcemap status`, `forcemap indicators refresh`).",
    ),
]
WindowOpt = Annotated[int | None, typer.Option(help="Citation window in years (none = all).")]
FieldOpt = Annotated[str, typer.Option(help="concept0, concept1, topic_field or topic_subfield.")]


@contextmanager
def _spark_progress(*, force: bool = False) -> Iterator[Callable[[str, int, int], None] | None]:
    """A Rich progress bar fed by Spark task counts (``progress(step, done, total)``); none
    when quiet or (unless ``force``) when the engine is not Spark."""
    if state.quiet or (state.engine != "spark" and not force):
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


def _indicator(name: str, out_file: Path | None, save: str | None, **params: Any) -> None:
    """Run indicator ``name`` on the store, write its table and/or save it in the store."""
    from forcemap.indicators import compute_indicator, save_indicator
    from forcemap.store.results import load_result

    with _errors():
        if out_file is None and save is None:
            raise InputError("give --out FILE, --save NAME or both")
        if out_file is not None and out_file.suffix not in (".parquet", ".csv"):
            raise InputError(f"{out_file}: write .parquet or .csv")
        s = _open(read_only=save is None)
        try:
            with _spark_progress() as progress:
                engine: dict[str, Any] = {"engine": state.engine}
                if state.engine == "spark":
                    engine["progress"] = progress
                if save is None:
                    table = compute_indicator(s, name, **engine, **params)
                else:
                    saved = save_indicator(s, save, name, engine=state.engine, **params)
                    table = load_result(s, saved.name)
        finally:
            s.close()
        if out_file is not None:
            _write_table(table, out_file)
    where = " and ".join(
        x for x in (str(out_file) if out_file else "", f"result {save!r}" if save else "") if x
    )
    out.print(f"{table.num_rows:,} rows × {table.num_columns} columns -> {where}")


@indicators_app.command("impact")
def indicators_impact(
    out_file: OutOpt = None,
    window: WindowOpt = None,
    field: FieldOpt = "concept0",
    citations: Annotated[str, typer.Option(help="store (links in the store) or source.")] = (
        "store"
    ),
    save: SaveOpt = None,
) -> None:
    """Field-normalised citation score per work (MNCS/FWCI: c ÷ mean of field, year, type).

    Example: forcemap indicators impact --window 5 --out ncs.parquet
    """
    _indicator("impact", out_file, save, window=window, field=field, citations=citations)


@indicators_app.command("percentiles")
def indicators_percentiles(
    out_file: OutOpt = None,
    window: WindowOpt = None,
    field: FieldOpt = "concept0",
    save: SaveOpt = None,
) -> None:
    """Percentile rank and top-1 %/10 % flags within field-year-type.

    Example: forcemap indicators percentiles --out pct.csv
    """
    _indicator("percentiles", out_file, save, window=window, field=field)


@indicators_app.command("aggregate")
def indicators_aggregate(
    out_file: OutOpt = None,
    by: Annotated[str, typer.Option(help="country, institution, organization or field.")] = (
        "country"
    ),
    counting: Annotated[str, typer.Option(help="full or fractional.")] = "full",
    window: WindowOpt = None,
    field: FieldOpt = "concept0",
    start_year: Annotated[int | None, typer.Option(help="First publication year.")] = None,
    end_year: Annotated[int | None, typer.Option(help="Last publication year.")] = None,
    save: SaveOpt = None,
) -> None:
    """Output, MNCS and top-10 % share per country/institution/organisation/field.

    Example: forcemap indicators aggregate --by country --counting fractional --out c.csv
    """
    _indicator(
        "aggregate",
        out_file,
        save,
        by=by,
        counting=counting,
        window=window,
        field=field,
        start_year=start_year,
        end_year=end_year,
    )


@indicators_app.command("emergence")
def indicators_emergence(
    out_file: OutOpt = None,
    unit: Annotated[str, typer.Option(help="concept, topic or cpc_group.")] = "concept",
    end_year: Annotated[int | None, typer.Option(help="Last year (default: latest).")] = None,
    min_records: Annotated[int, typer.Option(help="Qualification: records in window.")] = 7,
    save: SaveOpt = None,
) -> None:
    """Emergence score (Carley et al. 2018; Porter et al. 2019) with qualification flags.

    Example: forcemap indicators emergence --unit topic --out emergence.csv
    """
    _indicator("emergence", out_file, save, unit=unit, end_year=end_year, min_records=min_records)


@indicators_app.command("patent-value")
def indicators_patent_value(
    out_file: OutOpt = None,
    window: Annotated[int, typer.Option(help="Forward-citation window in years.")] = 5,
    save: SaveOpt = None,
) -> None:
    """OECD patent quality indicators per patent (Squicciarini et al. 2013).

    Example: forcemap indicators patent-value --out value.parquet
    """
    _indicator("patent-value", out_file, save, window=window)


@indicators_app.command("disruption")
def indicators_disruption(
    out_file: OutOpt = None,
    window: Annotated[
        int, typer.Option(help="Citation window t in years after the focal year.")
    ] = 5,
    entity: Annotated[str, typer.Option(help="works or patents.")] = "works",
    require_references: Annotated[
        bool,
        typer.Option(help="NULL for focal works without references (Park, Leahey & Funk 2023)."),
    ] = False,
    variants: Annotated[bool, typer.Option(help="Add mCD, I-index, CD^nok, DI_1, DI_5.")] = True,
    save: SaveOpt = None,
) -> None:
    """CD_t disruption index with n_i, n_j, n_k (Funk & Owen-Smith 2017; cdindex semantics).

    Example: forcemap indicators disruption --window 5 --out cd.parquet
    """
    _indicator(
        "disruption",
        out_file,
        save,
        window=window,
        entity=entity,
        require_references=require_references,
        variants=variants,
    )


ProdOpt = Annotated[
    str,
    typer.Option(help="concept, topic, field (works), cpc_subclass, cpc_group (patents) or hs6."),
]


@indicators_app.command("specialisation")
def indicators_specialisation(
    out_file: OutOpt = None,
    prod: ProdOpt = "concept",
    counting: CountingOpt = "fractional",
    start_year: Annotated[int | None, typer.Option(help="First year (pooled).")] = None,
    end_year: Annotated[int | None, typer.Option(help="Last year (pooled).")] = None,
    threshold: Annotated[float, typer.Option(help="RCA at or above which mcp = 1.")] = 1.0,
    save: SaveOpt = None,
) -> None:
    """Shares, RCA/RTA (Balassa; Soete) and symmetric RCA per country × product.

    Example: forcemap indicators specialisation --prod cpc_subclass --out rta.csv
    """
    _indicator(
        "specialisation",
        out_file,
        save,
        prod=prod,
        counting=counting,
        start_year=start_year,
        end_year=end_year,
        threshold=threshold,
    )


@indicators_app.command("complexity")
def indicators_complexity(
    out_file: OutOpt = None,
    prod: ProdOpt = "concept",
    method: Annotated[
        str, typer.Option(help="eci (eigenvector), fitness (Tacchella) or density (+COG).")
    ] = "eci",
    side: Annotated[str, typer.Option(help="loc (ECI, fitness) or prod (PCI, complexity).")] = (
        "loc"
    ),
    counting: CountingOpt = "fractional",
    start_year: Annotated[int | None, typer.Option(help="First year (pooled).")] = None,
    end_year: Annotated[int | None, typer.Option(help="Last year (pooled).")] = None,
    save: SaveOpt = None,
) -> None:
    """Economic/product complexity, fitness–complexity, or density and COG from RCA ≥ 1.

    Example: forcemap indicators complexity --prod hs6 --method eci --out eci.csv
    """
    if method not in ("eci", "fitness", "density"):
        raise typer.BadParameter("method must be eci, fitness or density", param_hint="--method")
    if side not in ("loc", "prod"):
        raise typer.BadParameter("side must be loc or prod", param_hint="--side")
    _indicator(
        "complexity",
        out_file,
        save,
        prod=prod,
        method=method,
        side=side,
        counting=counting,
        start_year=start_year,
        end_year=end_year,
    )


@indicators_app.command("refresh")
def indicators_refresh(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Saved results to recompute (default: every stale one)."),
    ] = None,
) -> None:
    """Recompute saved results whose input tables changed since (or the ones named).

    Example: forcemap indicators refresh
    """
    from forcemap.indicators import refresh_results

    with _errors():
        s = _open()
        try:
            done = refresh_results(s, names or None)
        finally:
            s.close()
    if not done:
        out.print("every saved result is fresh; nothing to recompute")
    for r in done:
        out.print(f"refreshed {r.name} ({r.indicator}): {r.n_rows:,} rows", highlight=False)


# -- decisions ------------------------------------------------------------------------------

CountryOpt = Annotated[str, typer.Option(help="Home country, ISO 3166-1 alpha-2.")]
DecideOutOpt = Annotated[
    Path | None, typer.Option("--out", help="Also write the table: .parquet or .csv.")
]


def _print_decision(result, columns: list[str], *, max_rows: int = 40) -> None:  # type: ignore[no-untyped-def]
    """The decision's table (selected columns), its rule with thresholds, and its caveats."""
    title = result.name + ("  [SYNTHETIC DATA]" if result.synthetic else "")
    _print_arrow(result.table.select(columns), title, max_rows=max_rows)
    if result.table.num_rows > max_rows:
        out.print(f"… {result.table.num_rows - max_rows:,} more rows (use --out)")
    out.print(f"[bold]Rule[/bold]: {escape(result.rule.describe())}", highlight=False)
    for c in result.caveats:
        out.print(f"[yellow]caveat[/yellow]: {escape(c)}", highlight=False)


def _num(v: float | None, fmt: str = ".0f") -> str:
    return "–" if v is None else format(v, fmt)


def _print_positioning(r) -> None:  # type: ignore[no-untyped-def]
    from forcemap.decide.positioning import STRATEGIES

    p = r.rule.parameters
    title = f"positioning of {p['country']}, {p['years']}"
    t = Table(title=title + ("  [SYNTHETIC DATA]" if r.synthetic else ""))
    for c in ("unit", "class", "L", "L pub", "L tech", "trend", "leader", "behind"):
        t.add_column(c, justify="left" if c in ("unit", "class", "leader") else "right")
    t.add_column("top works", justify="right")
    t.add_column("hv patents", justify="right")
    for x in r.table.to_pylist():
        behind = _num(x["years_behind"], "d") + ("+" if x["years_behind_censored"] else "")
        t.add_row(
            x["unit_name"] + (" (!)" if x["thin_evidence"] else ""),
            x["class"],
            _num(x["level"]),
            _num(x["level_pub"]),
            _num(x["level_tech"]),
            _num(x["trend"], "+.0f"),
            x["leader"] or "–",
            behind,
            f"{x['top_works']:.1f}/{x['world_top_works']:.1f}",
            f"{x['hv_patents']:.1f}/{x['world_hv_patents']:.1f}",
        )
    out.print(t)
    out.print(
        "L: level vs the best country (100); trend: change vs the previous window; behind: "
        "years since the leader's score reached this one (+: at least); top works / hv "
        "patents: the country's / the world's, fractional; (!) thin evidence.",
        highlight=False,
    )
    out.print(f"[bold]Rule[/bold]: {escape(r.rule.describe())}", highlight=False)
    for c in r.caveats:
        out.print(f"[yellow]caveat[/yellow]: {escape(c)}", highlight=False)
    if r.table.num_rows:
        for cls in ("catch-up", "parallel", "leading"):
            if cls in r.table["class"].to_pylist():
                out.print(f"[bold]{cls}[/bold]: {STRATEGIES[cls]}", highlight=False)


@decide_app.command("positioning")
def decide_positioning(
    country: CountryOpt = "CN",
    industry: Annotated[
        list[str] | None, typer.Option(help="Industry key (or concept id); repeatable.")
    ] = None,
    unit: Annotated[str, typer.Option(help="industry (catalog) or field (concepts).")] = (
        "industry"
    ),
    end_year: Annotated[int | None, typer.Option(help="Last year of the window.")] = None,
    window: Annotated[int, typer.Option(help="Window length in years.")] = 5,
    weight_pub: Annotated[float, typer.Option(help="Weight of the top-10 % works share.")] = 1.0,
    weight_tech: Annotated[float, typer.Option(help="Weight of the high-value patent share.")] = (
        1.0
    ),
    parallel_at: Annotated[float, typer.Option(help="L at or above which: parallel.")] = 80.0,
    leading_other_at: Annotated[
        float, typer.Option(help="Leading: one side ≥ 100 and the other ≥ this.")
    ] = 80.0,
    matrix: Annotated[bool, typer.Option(help="Print the country × unit class matrix.")] = False,
    out_file: DecideOutOpt = None,
) -> None:
    """Catch-up / parallel / leading per industry, with level L, trend and years behind.

    Example: forcemap decide positioning --country CN
    """
    from forcemap.decide.positioning import positioning, positioning_matrix

    with _errors():
        if out_file is not None and out_file.suffix not in (".parquet", ".csv"):
            raise InputError(f"{out_file}: write .parquet or .csv")
        if unit not in ("industry", "field"):
            raise typer.BadParameter("unit must be industry or field", param_hint="--unit")
        s = _open(read_only=True)
        try:
            r = positioning(
                s,
                country=country,
                industries=industry,
                unit=unit,  # type: ignore[arg-type]
                end_year=end_year,
                window=window,
                weight_pub=weight_pub,
                weight_tech=weight_tech,
                parallel_at=parallel_at,
                leading_other_at=leading_other_at,
            )
        finally:
            s.close()
        _print_positioning(r)
        if matrix:
            m = positioning_matrix(r)
            _print_arrow(m.sort_by([("unit", "ascending"), ("level", "descending")]), "matrix",
                         max_rows=200)  # fmt: skip
        if out_file is not None:
            _write_table(r.table, out_file)
            out.print(f"{r.table.num_rows:,} rows -> {out_file}")


IndustryOneOpt = Annotated[
    str | None, typer.Option("--industry", help="Industry key from the catalog (default: all).")
]


def _run_decision(fn, out_file: Path | None, **kwargs):  # type: ignore[no-untyped-def]
    """Open the store read-only, run a decision, optionally write its table."""
    if out_file is not None and out_file.suffix not in (".parquet", ".csv"):
        raise InputError(f"{out_file}: write .parquet or .csv")
    s = _open(read_only=True)
    try:
        return fn(s, **kwargs)
    finally:
        s.close()


def _weights(values: list[str] | None) -> dict[str, float]:
    """``--weight NAME=NUMBER`` options as a dict."""
    weights: dict[str, float] = {}
    for w in values or []:
        key, sep, val = w.partition("=")
        try:
            weights[key.strip()] = float(val)
        except ValueError:
            raise typer.BadParameter(f"{w!r}: write NAME=NUMBER", param_hint="--weight") from None
        if not sep:
            raise typer.BadParameter(f"{w!r}: write NAME=NUMBER", param_hint="--weight")
    return weights


@decide_app.command("bottlenecks")
def decide_bottlenecks(
    country: CountryOpt = "CN",
    industry: IndustryOneOpt = None,
    years: YearsOpt = None,
    level: Annotated[str, typer.Option(help="cpc_group or cpc_subclass.")] = "cpc_group",
    rta_below: Annotated[float, typer.Option(help="Candidate when the country's RTA < this.")] = (
        1.0
    ),
    hhi_country_above: Annotated[float, typer.Option(help="Concentration: HHI by country.")] = (
        0.25
    ),
    hhi_assignee_above: Annotated[float, typer.Option(help="Concentration: HHI by holder.")] = (
        0.15
    ),
    top_share_above: Annotated[float, typer.Option(help="Concentration: top-3 holders' share.")] = (
        0.5
    ),
    min_families: Annotated[int, typer.Option(help="Minimum patent families in the group.")] = 5,
    out_file: DecideOutOpt = None,
) -> None:
    """Bottleneck technologies: CPC groups (and HS6 imports) the country depends on.

    Example: forcemap decide bottlenecks --country CN --industry semiconductors
    """
    from forcemap.decide.bottlenecks import bottlenecks

    with _errors():
        r = _run_decision(
            bottlenecks,
            out_file,
            country=country,
            industry=industry,
            years=_years(years),
            level=level,
            rta_below=rta_below,
            hhi_country_above=hhi_country_above,
            hhi_assignee_above=hhi_assignee_above,
            top_share_above=top_share_above,
            min_families=min_families,
        )
        cols = ["industry", "rank", "cpc", "title", "score", "rta", "families", "hhi_country",
                "hhi_assignee", "holders", "dependent_hs6"]  # fmt: skip
        _print_decision(r, [c for c in cols if c in r.table.column_names])
        trade = r.evidence.get("trade")
        if trade is not None and trade.num_rows and "dependent" in trade.column_names:
            dep = trade.filter(trade["dependent"])
            if dep.num_rows:
                _print_arrow(dep, "trade dependencies (EU 2021 test)", max_rows=20)
        if out_file is not None:
            _write_table(r.table, out_file)
            out.print(f"{r.table.num_rows:,} rows -> {out_file}")


@decide_app.command("actors")
def decide_actors(
    country: Annotated[
        str, typer.Option(help="Home country, ISO 3166-1 alpha-2; 'all' ranks every country.")
    ] = "CN",
    industry: IndustryOneOpt = None,
    years: YearsOpt = None,
    top: Annotated[int, typer.Option(help="Organisations shown per industry.")] = 20,
    weight: Annotated[
        list[str] | None,
        typer.Option(help="Component weight, e.g. --weight patents=2 (repeatable)."),
    ] = None,
    out_file: DecideOutOpt = None,
) -> None:
    """Strategic S&T actors: the country's organisations ranked per industry.

    Example: forcemap decide actors --country DE --industry robotics
    """
    from forcemap.decide.actors import strategic_actors

    weights = _weights(weight)
    with _errors():
        r = _run_decision(
            strategic_actors,
            out_file,
            country=None if country.lower() == "all" else country,
            industry=industry,
            years=_years(years),
            top=top,
            weights=weights or None,
        )
        cols = ["industry", "rank", "name", "type", "country_code", "score", "anchor_candidate",
                "works", "patents", "mncs", "pagerank", "brokerage"]  # fmt: skip
        _print_decision(r, [c for c in cols if c in r.table.column_names], max_rows=60)
        if out_file is not None:
            _write_table(r.table, out_file)
            out.print(f"{r.table.num_rows:,} rows -> {out_file}")


UnitOpt = Annotated[str, typer.Option(help="industry (catalog) or field (level-0 concepts).")]


def _check_unit(unit: str) -> None:
    if unit not in ("industry", "field"):
        raise typer.BadParameter("unit must be industry or field", param_hint="--unit")


def _finish_decision(r, cols: list[str], out_file: Path | None, *, max_rows: int = 40) -> None:  # type: ignore[no-untyped-def]
    _print_decision(r, [c for c in cols if c in r.table.column_names], max_rows=max_rows)
    if out_file is not None:
        _write_table(r.table, out_file)
        out.print(f"{r.table.num_rows:,} rows -> {out_file}")


@decide_app.command("benchmark")
def decide_benchmark(
    country: CountryOpt = "CN",
    industry: IndustryOneOpt = None,
    unit: UnitOpt = "industry",
    peer: Annotated[
        list[str] | None, typer.Option(help="Peer country (repeatable); default: top-k by output.")
    ] = None,
    k: Annotated[int, typer.Option(help="Automatic peers: the top k countries by output.")] = 5,
    years: YearsOpt = None,
    growth_window: Annotated[int, typer.Option(help="Years of the CAGR.")] = 5,
    out_file: DecideOutOpt = None,
) -> None:
    """International benchmarking: the country beside its peers in each industry (or field).

    Example: forcemap decide benchmark --country CN --industry nev_batteries
    """
    from forcemap.decide.benchmark import benchmark

    _check_unit(unit)
    with _errors():
        r = _run_decision(
            benchmark, out_file, country=country, industry=industry, unit=unit,
            peers=[p.upper() for p in peer] if peer else None, k=k, years=_years(years),
            growth_window=growth_window,
        )  # fmt: skip
        cols = ["unit_name", "country", "is_home", "rank", "works", "works_frac", "mncs",
                "pp_top10", "intl_copub_share", "industry_academia_share", "patents",
                "fc5_mean", "cagr", "rca", "rta"]  # fmt: skip
        _finish_decision(r, cols, out_file, max_rows=60)


@decide_app.command("landscape")
def decide_landscape(
    country: CountryOpt = "CN",
    industry: IndustryOneOpt = None,
    years: YearsOpt = None,
    top_holders: Annotated[int, typer.Option(help="Holders in the holder × CPC matrix.")] = 20,
    white_space_growth: Annotated[
        float, typer.Option(help="White space: relative yearly growth above this.")
    ] = 0.0,
    growth_window: Annotated[int, typer.Option(help="Years of the trend.")] = 5,
    out_file: DecideOutOpt = None,
) -> None:
    """Technology value and IP landscape: portfolios, the holder × CPC matrix, white spaces.

    Example: forcemap decide landscape --country CN --industry semiconductors
    """
    from forcemap.decide.landscape import landscape

    with _errors():
        r = _run_decision(
            landscape, out_file, country=country, industry=industry, years=_years(years),
            top_holders=top_holders, white_space_growth=white_space_growth,
            growth_window=growth_window,
        )  # fmt: skip
        cols = ["industry", "rank", "name", "country_code", "type", "patents", "fc5_mean",
                "top10_share", "cpc_groups"]  # fmt: skip
        _finish_decision(r, cols, out_file, max_rows=30)
        ws = r.evidence.get("white_spaces")
        if ws is not None and ws.num_rows:
            _print_arrow(ws, f"white spaces for {country.upper()}", max_rows=20)


@decide_app.command("talent")
def decide_talent(
    country: CountryOpt = "CN",
    industry: IndustryOneOpt = None,
    unit: UnitOpt = "industry",
    years: YearsOpt = None,
    min_works: Annotated[int, typer.Option(help="Works needed to be assessed.")] = 5,
    young_career_years: Annotated[
        int, typer.Option(help="Rising talent: career age at most this.")
    ] = 10,
    top: Annotated[int, typer.Option(help="Scientists listed per kind and unit.")] = 25,
    out_file: DecideOutOpt = None,
) -> None:
    """Talent: strategic scientists, rising young talent and talent flows.

    Example: forcemap decide talent --country US --unit field
    """
    from forcemap.decide.talent import talent

    _check_unit(unit)
    with _errors():
        r = _run_decision(
            talent, out_file, country=country, industry=industry, unit=unit,
            years=_years(years), min_works=min_works, young_career_years=young_career_years,
            top=top,
        )  # fmt: skip
        cols = ["unit_name", "kind", "rank", "author_name", "org_name", "sector", "career_age",
                "n_works", "mean_ncs", "top10_share", "breadth", "leadership_share",
                "cohort_relative_impact", "score"]  # fmt: skip
        _finish_decision(r, cols, out_file, max_rows=50)
        bal = r.evidence.get("balance")
        if bal is not None and bal.num_rows:
            _print_arrow(bal, "talent balance (inflow − outflow of authors)", max_rows=12)


@decide_app.command("watch")
def decide_watch(
    country: CountryOpt = "CN",
    industry: IndustryOneOpt = None,
    unit: Annotated[str, typer.Option(help="topic, concept or cpc_group.")] = "topic",
    end_year: Annotated[int | None, typer.Option(help="Last year (default: latest).")] = None,
    top: Annotated[int, typer.Option(help="Entries listed per industry.")] = 20,
    cd_threshold: Annotated[float, typer.Option(help="A work disrupts when CD5 > this.")] = 0.0,
    qualified_only: Annotated[
        bool, typer.Option(help="Only units qualified by the emergence rules.")
    ] = False,
    weight: Annotated[
        list[str] | None,
        typer.Option(help="Component weight, e.g. --weight emergence=3 (repeatable)."),
    ] = None,
    out_file: DecideOutOpt = None,
) -> None:
    """Technology watch: emerging, accelerating, disruptive topics (or CPC groups) per industry.

    Example: forcemap decide watch --industry ai --unit topic
    """
    from forcemap.decide.watch import technology_watch

    if unit not in ("topic", "concept", "cpc_group"):
        raise typer.BadParameter("unit must be topic, concept or cpc_group", param_hint="--unit")
    weights = _weights(weight)
    with _errors():
        r = _run_decision(
            technology_watch, out_file, country=country, industry=industry, unit=unit,
            end_year=end_year, top=top, cd_threshold=cd_threshold,
            qualified_only=qualified_only, weights=weights or None,
        )  # fmt: skip
        cols = ["industry", "rank", "unit", "name", "score", "escore", "qualified",
                "acceleration", "disruptive_share", "first_year", "home_share", "records",
                "thin_evidence"]  # fmt: skip
        _finish_decision(r, cols, out_file, max_rows=40)
        seeds = r.evidence["disruptive_works"]
        if seeds.num_rows:
            _print_arrow(
                seeds.select(["rank", "id", "title", "year", "cd", "mcd", "citations"]),
                "seeds of disruptive technologies (CD_5 > threshold, by mCD_5; any year)",
                max_rows=10,
            )


def _counts(values: list[str] | None, opt: str) -> dict[str, int]:
    """``--min-type university=1`` options as a dict."""
    result: dict[str, int] = {}
    for v in values or []:
        key, sep, val = v.partition("=")
        if not sep or not val.strip().isdigit():
            raise typer.BadParameter(f"{v!r}: write TYPE=COUNT", param_hint=opt)
        result[key.strip()] = int(val)
    return result


@decide_app.command("consortium")
def decide_consortium(
    industry: Annotated[str, typer.Option(help="Industry key from the catalog.")],
    size: Annotated[int, typer.Option(help="Members in the consortium.")] = 6,
    lead: Annotated[str | None, typer.Option(help="Lead organisation id (fixed member).")] = None,
    min_type: Annotated[
        list[str] | None,
        typer.Option(help="Minimum members of a type, e.g. university=1 (repeatable)."),
    ] = None,
    include: Annotated[list[str] | None, typer.Option(help="Must include (org id).")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="Must exclude (org id).")] = None,
    country: Annotated[
        str | None, typer.Option(help="Candidates from this country only (ISO2).")
    ] = None,
    cpc_groups: Annotated[
        bool, typer.Option(help="Sub-technologies = the industry's CPC main groups.")
    ] = False,
    method: Annotated[str, typer.Option(help="milp (HiGHS) or greedy.")] = "milp",
    time_limit: Annotated[float, typer.Option(help="Solver time limit in seconds.")] = 10.0,
    out_file: DecideOutOpt = None,
) -> None:
    """Consortium builder: members covering the technology's sub-technologies (integer programme).

    Example: forcemap decide consortium --industry robotics --size 5 --min-type university=1
    """
    from forcemap.decide.consortium import consortium

    if method not in ("milp", "greedy"):
        raise typer.BadParameter("method must be milp or greedy", param_hint="--method")
    types = _counts(min_type, "--min-type")
    with _errors():
        r = _run_decision(
            consortium, out_file, industry=industry, size=size, lead=lead,
            min_types=types or None, must_include=tuple(include or ()),
            must_exclude=tuple(exclude or ()), country=country.upper() if country else None,
            sub_technologies="cpc_group" if cpc_groups else None, method=method,
            time_limit=time_limit,
        )  # fmt: skip
        cols = ["role", "org_id", "name", "type", "country_code", "strength", "contribution",
                "covers", "why"]  # fmt: skip
        _finish_decision(r, cols, out_file, max_rows=50)
        cov = r.evidence.get("sub_technologies")
        if cov is not None and cov.num_rows:
            _print_arrow(cov, "coverage per sub-technology", max_rows=60)


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="What to look for (words or a short text).")],
    k: Annotated[int, typer.Option(help="Results.")] = 20,
    entity: Annotated[str, typer.Option(help="works, patents or both.")] = "works",
    method: Annotated[str, typer.Option(help="auto, tfidf or embeddings (ai extra).")] = ("auto"),
    index: Annotated[
        Path | None,
        typer.Option(
            help="Index stem: loaded when present, else built and saved there (with the "
            "document embeddings when they are used), so later queries skip the build.",
        ),
    ] = None,
) -> None:
    """Search works and patents by title and abstract (TF-IDF; embeddings with the ai extra).

    Example: forcemap search "solid-state battery electrolyte" --k 10 --index ws.textindex
    """
    from forcemap.decide.explore import search

    if entity not in ("works", "patents", "both"):
        raise typer.BadParameter("entity must be works, patents or both", param_hint="--entity")
    with _errors():
        if index is None:
            r = _run_decision(search, None, query=query, k=k, entity=entity, method=method)
        else:
            r = _search_with_index(index, query=query, k=k, entity=entity, method=method)
        _finish_decision(r, ["rank", "id", "entity", "year", "title", "score"], None)


def _search_with_index(index: Path, *, query: str, k: int, entity: str, method: str):  # type: ignore[no-untyped-def]
    """Search through the index saved at ``index`` (built and saved on first use)."""
    from forcemap.decide.explore import saved_text_index, search

    s = _open(read_only=True)
    try:
        idx, built = saved_text_index(s, index, entity=entity, embeddings=method != "tfidf")
    finally:
        s.close()
    if built and not state.quiet:
        err.print(f"index saved: {escape(str(index))}.npz/.json ({idx.n_documents:,} documents)")
    return search(idx, query, k=k, entity=entity, method=method)


@decide_app.command("pathways")
def decide_pathways(
    industry: IndustryOneOpt = None,
    query: Annotated[str | None, typer.Option(help="Or: the technology as a text query.")] = None,
    entity: Annotated[str, typer.Option(help="works or patents.")] = "works",
    k_neighbors: Annotated[int, typer.Option(help="Neighbours per document.")] = 10,
    resolution: Annotated[float, typer.Option(help="Leiden resolution.")] = 1.0,
    min_size: Annotated[int, typer.Option(help="Smallest pathway (documents).")] = 3,
    out_file: DecideOutOpt = None,
) -> None:
    """Technical pathways of a technology: clusters of similar documents, with terms and actors.

    Example: forcemap decide pathways --industry quantum
    """
    from forcemap.decide.explore import pathways

    if (industry is None) == (query is None):
        raise typer.BadParameter("give exactly one of --industry or --query")
    with _errors():
        r = _run_decision(
            pathways, out_file, industry=industry, query=query, entity=entity,
            k_neighbors=k_neighbors, resolution=resolution, min_size=min_size,
        )  # fmt: skip
        cols = ["rank", "label", "size", "share", "top_organizations", "momentum", "cagr_5y",
                "first_year"]  # fmt: skip
        _finish_decision(r, cols, out_file, max_rows=30)


@decide_app.command("review")
def decide_review(
    as_of: Annotated[
        str | None, typer.Option(help="Cut-off date YYYY-MM-DD (default: latest).")
    ] = (None),
    min_age_years: Annotated[float, typer.Option(help="Younger projects are not judged.")] = 2,
    withdraw_below: Annotated[float, typer.Option(help="Goal attainment below: withdraw.")] = 0.25,
    review_below: Annotated[float, typer.Option(help="Goal attainment below: review.")] = 0.5,
    out_file: DecideOutOpt = None,
) -> None:
    """Project review: outputs vs goals, impact, cost per output -> continue / review / withdraw.

    Example: forcemap decide review --withdraw-below 0.2
    """
    import datetime as dt

    from forcemap.decide.portfolio import project_review

    try:
        cutoff = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter("write YYYY-MM-DD", param_hint="--as-of") from None
    with _errors():
        r = _run_decision(
            project_review, out_file, as_of=cutoff, min_age_years=min_age_years,
            withdraw_below=withdraw_below, review_below=review_below,
        )  # fmt: skip
        cols = ["project_id", "title", "recommendation", "score", "goal_attainment", "impact",
                "works", "patents", "cost_per_output", "collaboration", "reasons"]  # fmt: skip
        _finish_decision(r, cols, out_file, max_rows=40)


@decide_app.command("allocate")
def decide_allocate(
    budget: Annotated[float, typer.Option(help="Budget to allocate (the projects' currency).")],
    country: CountryOpt = "CN",
    candidate: Annotated[
        list[str] | None, typer.Option(help="Candidate project id (repeatable; default: active).")
    ] = None,
    max_share_per_industry: Annotated[
        float | None, typer.Option(help="At most this share of the budget per industry.")
    ] = None,
    weight: Annotated[
        list[str] | None,
        typer.Option(help="Value weight, e.g. --weight performance=3 (repeatable)."),
    ] = None,
    method: Annotated[str, typer.Option(help="milp (HiGHS) or greedy.")] = "milp",
    out_file: DecideOutOpt = None,
) -> None:
    """Portfolio allocation: choose projects maximising strategic value within the budget.

    Example: forcemap decide allocate --budget 5e7 --max-share-per-industry 0.3
    """
    from forcemap.decide.portfolio import allocate_budget

    if method not in ("milp", "greedy"):
        raise typer.BadParameter("method must be milp or greedy", param_hint="--method")
    weights = _weights(weight)
    with _errors():
        r = _run_decision(
            allocate_budget, out_file, budget=budget, country=country,
            candidates=candidate or None, max_share_per_industry=max_share_per_industry,
            weights=weights or None, method=method,
        )  # fmt: skip
        cols = ["project_id", "title", "selected", "industry", "cost", "value",
                "positioning_class", "bottleneck", "performance", "recommendation"]  # fmt: skip
        _finish_decision(r, cols, out_file, max_rows=40)


@decide_app.command("panel")
def decide_panel(
    applicant: Annotated[
        list[str], typer.Option(help="Applicant author, inventor or organisation id (repeatable).")
    ],
    text: Annotated[str | None, typer.Option(help="Project title and abstract.")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Project topic id (repeatable).")] = None,
    concept: Annotated[
        list[str] | None, typer.Option(help="Project concept id (repeatable).")
    ] = None,
    size: Annotated[int, typer.Option(help="Panel size.")] = 5,
    role: Annotated[
        list[str] | None,
        typer.Option(help="Seats per role, e.g. academic=2, enterprise_lead=1 (repeatable)."),
    ] = None,
    coi_years: Annotated[int, typer.Option(help="Co-authorship/co-invention window.")] = 5,
    max_per_org: Annotated[int, typer.Option(help="At most this many per organisation.")] = 1,
    max_per_country: Annotated[int | None, typer.Option(help="At most per country.")] = None,
    pool: Annotated[Path | None, typer.Option(help="Candidate pool CSV (default: authors).")] = (
        None
    ),
    out_file: DecideOutOpt = None,
) -> None:
    """Review panel: best-matching experts without conflicts of interest (each one explained).

    Example: forcemap decide panel --applicant A5023888391 --text "cartilage repair" --size 5
    """
    from forcemap.decide.panel import review_panel

    roles = _counts(role, "--role")
    with _errors():
        r = _run_decision(
            review_panel, out_file, applicants=list(applicant), text=text,
            topics=list(topic) if topic else None, concepts=list(concept) if concept else None,
            size=size, roles=roles or None, coi_years=coi_years, max_per_org=max_per_org,
            max_per_country=max_per_country, pool=str(pool) if pool else None,
        )  # fmt: skip
        cols = ["role", "author_id", "name", "org", "country", "type", "match", "reasons"]
        _finish_decision(r, cols, out_file, max_rows=30)
        exc = r.evidence.get("excluded")
        if exc is not None and exc.num_rows:
            shown = exc.select(["author_id", "name", "rule", "applicant", "detail"])
            _print_arrow(shown, f"excluded for conflicts of interest ({exc.num_rows:,})",
                         max_rows=25)  # fmt: skip


@indicators_app.command("sleeping-beauty")
def indicators_sleeping_beauty(
    out_file: OutOpt = None,
    min_citations: Annotated[int, typer.Option(help="Works with fewer citations: NULL.")] = 10,
    max_age: Annotated[int | None, typer.Option(help="Years of the series (none = all).")] = None,
    entity: Annotated[str, typer.Option(help="works or patents.")] = "works",
    save: SaveOpt = None,
) -> None:
    """Beauty coefficient B and awakening time (Ke, Ferrara, Radicchi & Flammini 2015).

    Example: forcemap indicators sleeping-beauty --out sb.parquet
    """
    _indicator(
        "sleeping-beauty",
        out_file,
        save,
        min_citations=min_citations,
        max_age=max_age,
        entity=entity,
    )


@report_app.command("industry")
def report_industry(
    industry: Annotated[str, typer.Option(help="Industry key from the catalog.")],
    out_file: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    country: CountryOpt = "CN",
    pdf: Annotated[bool, typer.Option(help="Also print it to PDF with headless Chromium.")] = (
        False
    ),
) -> None:
    """Strategic S&T strength report of one industry for one country.

    Example: forcemap report industry --industry semiconductors --country CN --out semi.html
    """
    from forcemap.report.industry import industry_report

    with _errors():
        s = _open(read_only=True)
        try:
            files = industry_report(s, industry=industry, country=country, out=out_file, pdf=pdf)
        finally:
            s.close()
    for f in files:
        out.print(f"written: {f}", highlight=False)


def run() -> None:
    """Entry point for ``python -m forcemap``."""
    app()


MasterOpt = Annotated[
    str,
    typer.Option(
        help="Spark master: local[N], yarn, spark://host:7077, k8s://…",
        envvar="FORCEMAP_SPARK_MASTER",
    ),
]


@spark_app.command("ingest")
def spark_ingest(
    source: Annotated[str, typer.Argument(help="OpenAlex works snapshot dir or file (or URI).")],
    out_dir: Annotated[str, typer.Option("--out", help="Output dir/URI: <table>.parquet each.")],
    master: MasterOpt = "local[2]",
    partitions: Annotated[int | None, typer.Option(help="Files per table.")] = None,
) -> None:
    """OpenAlex snapshot → canonical Parquet tables with Spark (same mapping as ingest openalex).

    Example: forcemap spark ingest openalex-snapshot/data/works --out canonical/
    """
    from forcemap.engine.spark import spark_session
    from forcemap.engine.spark_ingest import ingest_openalex_spark

    with _errors(), _spark_progress(force=True) as progress:
        spark = spark_session(master)
        rep = ingest_openalex_spark(
            spark, source, out_dir, partitions=partitions, progress=progress
        )
    out.print(
        f"read {rep.read:,} = stored {rep.stored:,} + rejected {rep.rejected:,} "
        f"+ duplicates {rep.duplicates:,}"
        + (
            f" (rejected: {', '.join(f'{k} {v:,}' for k, v in rep.reasons.items())})"
            if rep.reasons
            else ""
        )
    )
    t = Table(title="canonical Parquet tables")
    for c in ("table", "rows", "path"):
        t.add_column(c)
    for name, n in rep.tables.items():
        t.add_row(name, f"{n:,}", escape(rep.outputs[name]))
    t.add_row("_quarantine", f"{rep.rejected:,}", escape(rep.outputs["_quarantine"]))
    out.print(t)


@spark_app.command("run")
def spark_run(
    input_dir: Annotated[
        str, typer.Option("--input", help="Store .duckdb file, or dir/URI of <table>.parquet.")
    ],
    output_dir: Annotated[str, typer.Option("--output", help="Output dir/URI.")],
    indicators: Annotated[
        str, typer.Option(help="Comma-separated: disruption, impact, rca.")
    ] = "disruption,impact,rca",
    window: Annotated[int, typer.Option(help="CD window in years.")] = 5,
    buckets: Annotated[int, typer.Option(help="Focal hash buckets for CD.")] = 1,
    master: MasterOpt = "local[2]",
) -> None:
    """Indicators on Spark: CD_t (n_i, n_j, n_k), impact (NCS, percentiles), RCA → Parquet.

    Each output is committed atomically; attach results to a store with
    forcemap.engine.spark.attach_results. Example:
    forcemap spark run --input canonical/ --output results/ --indicators disruption
    """
    from forcemap.engine.spark import run_spark_indicators

    with _errors(), _spark_progress(force=True) as progress:
        outputs = run_spark_indicators(
            input_dir,
            output_dir,
            indicators=[x.strip() for x in indicators.split(",") if x.strip()],
            master=master,
            progress=progress,
            window=window,
            buckets=buckets,
        )
    for name, path in outputs.items():
        out.print(f"{name}: {escape(path)}")
