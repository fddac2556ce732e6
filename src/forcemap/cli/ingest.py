"""``forcemap ingest …`` (real data files into the store) and ``forcemap fetch …`` (online
APIs into the store)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from forcemap.cli._common import Options, err, errors, fetch_app, ingest_app, options, out
from forcemap.errors import ForcemapError

if TYPE_CHECKING:
    from forcemap.store.store import IngestReport


def _run_ingest(
    opts: Options,
    source: str,
    paths: list[Path],
    origin: str | None = None,
    *,
    encoding: str | None = None,
) -> None:
    """Ingest ``paths`` as ``source`` and report what each file added (or why none did)."""
    from forcemap._progress import rich_progress
    from forcemap.store.ingest import ingest
    from forcemap.store.schema import SOURCE_TABLES

    with errors():
        s = opts.open()
        try:
            try:
                with rich_progress(f"ingest {source}", quiet=opts.quiet) as progress:
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
        + (
            f"; {report.merged:,} of the stored/replaced records merged into existing works"
            if report.merged
            else ""
        )
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
    ctx: typer.Context,
    paths: PathsArg,
    origin: Annotated[
        str | None, typer.Option(help="Label stored with each record (default openalex).")
    ] = None,
) -> None:
    """OpenAlex works/institutions: snapshot part files, JSON Lines or API pages.

    Example: forcemap ingest openalex openalex-snapshot/data/works/
    """
    _run_ingest(options(ctx), "openalex", paths, origin)


@ingest_app.command("patentsview")
def ingest_patentsview_cmd(ctx: typer.Context, paths: PathsArg) -> None:
    """PatentsView bulk tables (a directory of g_*.tsv files).

    Example: forcemap ingest patentsview downloads/patentsview/
    """
    _run_ingest(options(ctx), "patentsview", paths)


@ingest_app.command("uspto")
def ingest_uspto_cmd(ctx: typer.Context, paths: PathsArg) -> None:
    """USPTO grant records (JSON) or their flattened CSV.

    Example: forcemap ingest uspto doc.json
    """
    _run_ingest(options(ctx), "uspto", paths)


@ingest_app.command("ror")
def ingest_ror_cmd(ctx: typer.Context, paths: PathsArg) -> None:
    """ROR data dump (schema v2 JSON, or the Zenodo zip): organisations, names (acronyms,
    aliases) and relationships (parent/child/...), used by `forcemap resolve` for the
    organisation hierarchy and name matching.

    Example: forcemap ingest ror v1.55-2024-10-31-ror-data.zip
    """
    _run_ingest(options(ctx), "ror", paths)


EncodingOpt = Annotated[
    str,
    typer.Option(
        help="The files' text encoding (latin-1, cp1252, …), transcoded to UTF-8. With the "
        "default utf-8 a record with other bytes is quarantined with its line."
    ),
]


@ingest_app.command("projects")
def ingest_projects_cmd(
    ctx: typer.Context, paths: PathsArg, encoding: EncodingOpt = "utf-8"
) -> None:
    """Funded projects: a directory with projects.csv, participants.csv, outputs.csv.

    Example: forcemap ingest projects my-programme/
    """
    _run_ingest(options(ctx), "projects", paths, encoding=encoding)


@ingest_app.command("cordis")
def ingest_cordis_cmd(
    ctx: typer.Context,
    paths: PathsArg,
    origin: Annotated[
        str | None, typer.Option(help="Label stored with each project (default cordis).")
    ] = None,
    encoding: EncodingOpt = "utf-8",
) -> None:
    """EU CORDIS project.csv / organization.csv (Horizon Europe, H2020; CSV or XLSX).

    Example: forcemap ingest cordis cordis-HORIZONprojects-csv/
    """
    _run_ingest(options(ctx), "cordis", paths, origin, encoding=encoding)


@ingest_app.command("trade")
def ingest_trade_cmd(ctx: typer.Context, paths: PathsArg, encoding: EncodingOpt = "utf-8") -> None:
    """Trade flows: BACI (t,i,j,k,v,q), UN Comtrade (typeCode,…,cmdCode,…,primaryValue) or
    forcemap (year,reporter,partner,hs6,…) CSV; the layout is taken from the header.

    Example: forcemap ingest trade BACI_HS17_Y2022_V202401.csv
    """
    _run_ingest(options(ctx), "trade", paths, encoding=encoding)


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
    """Register ``forcemap ingest <source>`` for a bibliographic export format."""
    help_text, example = EXPORT_FORMATS[source]

    def command(
        ctx: typer.Context,
        paths: PathsArg,
        origin: Annotated[str | None, typer.Option(help="Label stored with each record.")] = None,
    ) -> None:
        _run_ingest(options(ctx), source, paths, origin)

    command.__doc__ = f"{help_text}.\n\nExample: {example}"
    ingest_app.command(source)(command)


for _source in EXPORT_FORMATS:
    _export_command(_source)


@fetch_app.command("openalex")
def fetch_openalex_cmd(
    ctx: typer.Context,
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

    opts = options(ctx)
    with errors():
        s = opts.open()
        try:
            with rich_progress("fetch openalex", unit="pages", quiet=opts.quiet) as progress:
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
        f"{r.records:,} records; {i.equation()}"
    )
