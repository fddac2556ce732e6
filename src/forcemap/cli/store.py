"""The store commands: ``init``, ``status``, ``sources``, ``resolve``, ``synth``, ``demo``,
``serve``, ``stage``, ``swap`` and ``precompute``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from forcemap.cli._common import app, err, errors, options, out
from forcemap.cli.ingest import EXPORT_FORMATS

if TYPE_CHECKING:
    from forcemap.store.work_merge import WorkExplanation


@app.command()
def init(ctx: typer.Context) -> None:
    """Create (or migrate) the store.

    Example: forcemap --store ws.duckdb init
    """
    opts = options(ctx)
    with errors():
        s = opts.open()
        out.print(f"store {s.path} ready (schema version {s.schema_version()})")
        s.close()


@app.command()
def status(ctx: typer.Context) -> None:
    """Show tables with row counts, the ingest history, saved results (stale or fresh) and
    quarantine counts.

    Example: forcemap --store ws.duckdb status
    """
    opts = options(ctx)
    with errors():
        from forcemap.store.results import saved_results

        s = opts.open(read_only=True)
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


@app.command()
def resolve(
    ctx: typer.Context,
    overrides: Annotated[
        Path | None,
        typer.Option(help="CSV source,source_id,org_id[,name,type,country_code] forcing aliases."),
    ] = None,
    work_overrides: Annotated[
        Path | None,
        typer.Option(
            help="CSV record_a,record_b,action,reason (action join or apart) forcing or "
            "forbidding work merges; replaces the stored ones, later ingests honour them."
        ),
    ] = None,
    explain: Annotated[
        str | None,
        typer.Option(
            help="Only explain a work (or a record's work): its records, the method and match "
            "weights of each link, conflicts. Changes nothing."
        ),
    ] = None,
    person_overrides: Annotated[
        Path | None,
        typer.Option(
            help="CSV author_id,other_author_id,action,reason (action join or apart) forcing "
            "or forbidding that two author ids are one person."
        ),
    ] = None,
    persons: Annotated[
        bool,
        typer.Option(
            help="Also group author ids into persons (person_aliases); --no-persons keeps "
            "every author id its own person."
        ),
    ] = True,
) -> None:
    """Resolve works, organisations, persons and patent families across sources.

    Works: one row of `works` per paper: records with the same DOI, or matched on title,
    year, first author and venue (a Splink model with fixed weights), are merged; conflicts
    (two DOIs, years far apart) are reported, never merged. Organisations: ROR first, then
    normalised names, acronyms and aliases, and the hierarchy (parent, top) for --org-level.
    Persons: ORCID first, then compatible names scored on co-authors, institutions, topics,
    venues and years; pairs short of a merge are kept as "possibly the same person".
    Patents: holder countries from the same holder's other records, families from source
    family ids, priority claims and continuity links.

    Example: forcemap resolve --work-overrides keep_apart.csv --overrides my_orgs.csv

    Example: forcemap resolve --explain W2125158795
    """
    from forcemap.store.organizations import resolve_organizations
    from forcemap.store.patent_resolution import resolve_patents
    from forcemap.store.persons import resolve_persons
    from forcemap.store.work_merge import explain_work, resolve_works

    opts = options(ctx)
    if explain is not None:
        with errors():
            s = opts.open(read_only=True)
            try:
                ex = explain_work(s, explain)
            finally:
                s.close()
        _print_explanation(ex)
        return
    with errors():
        s = opts.open()
        try:
            w = resolve_works(s, overrides=work_overrides)
            r = resolve_organizations(s, overrides=overrides)
            pr = resolve_persons(s, overrides=person_overrides) if persons else None
            pat = resolve_patents(s)
        finally:
            s.close()
    links = ", ".join(f"{n:,} by {m}" for m, n in w.links.items()) or "none"
    out.print(
        f"{w.works:,} works from {w.records:,} work records: {w.merged_records:,} records "
        f"merged into {w.merged_works:,} works (links: {links}); "
        f"{w.overrides_applied:,} work overrides applied",
        highlight=False,
    )
    if w.conflicts:
        kinds = ", ".join(f"{k} {n:,}" for k, n in w.conflicts.items())
        out.print(f"not merged (conflicts): {kinds}", highlight=False)
        for a, b, k, d in w.conflict_examples:
            out.print(f"  {k}: {a} / {b}: {d}", highlight=False)
    for u in w.overrides_unmatched:
        err.print(f"[yellow]work override not matched[/yellow]: {u}")
    out.print(
        f"{r.organizations:,} organisations from {r.aliases:,} source records: "
        f"{r.merged_by_ror:,} merged by ROR, {r.merged_by_name:,} by name, "
        f"{r.overrides_applied:,} overrides applied, {r.individuals_skipped:,} individuals skipped"
    )
    for u in r.overrides_unmatched:
        err.print(f"[yellow]override not matched[/yellow]: {u}")
    for line in r.hierarchy_and_names():
        out.print(f"  {line}", highlight=False)
    if pr is not None:
        methods = ", ".join(f"{n:,} by {m}" for m, n in sorted(pr.by_method.items()))
        out.print(
            f"{pr.persons:,} persons from {pr.authors:,} author ids ({methods}); "
            f"{pr.possible_pairs:,} pairs kept apart as 'possibly the same person'; "
            f"{pr.overrides_applied:,} person overrides applied",
            highlight=False,
        )
        for example in pr.examples:
            out.print(f"  {example}", highlight=False)
        for u in pr.overrides_unmatched:
            err.print(f"[yellow]person override not matched[/yellow]: {u}")
    fams = ", ".join(f"{pat.get(m, 0):,} {m}" for m in ("source", "priority", "single"))
    out.print(
        f"patents: {pat.get('holder_countries', 0):,} holder rows take their country from the "
        f"same holder's other records; patents by family grouping: {fams}",
        highlight=False,
    )


def _print_explanation(ex: WorkExplanation) -> None:
    """Print a work's records, links (with per-field match weights) and conflicts."""
    out.print(f"[bold]work {ex.work_id}[/bold]")
    t = Table("record", "source", "method", "p", "year", "DOI", "first author", "title")
    for r in ex.records.to_pylist():
        t.add_row(
            r["record_id"] + (" *" if r["is_canonical"] else ""),
            str(r["source"] or ""),
            str(r["method"]),
            "" if r["match_probability"] is None else f"{r['match_probability']:.4f}",
            str(r["year"] or ""),
            str(r["doi"] or ""),
            str(r["first_author"] or ""),
            str(r["title"] or "")[:70],
        )
    out.print(t)
    out.print("* canonical record (its id, authorships and topics are the work's)")
    if ex.links.num_rows:
        lt = Table("record a", "record b", "method", "p", "weight", "match weight per field")
        for r in ex.links.to_pylist():
            lt.add_row(
                r["record_a"],
                r["record_b"],
                r["method"],
                "" if r["match_probability"] is None else f"{r['match_probability']:.4f}",
                "" if r["match_weight"] is None else f"{r['match_weight']:.2f}",
                str(r["evidence"] or ""),
            )
        out.print(lt)
    for r in ex.conflicts.to_pylist():
        out.print(f"not merged ({r['kind']}): {r['record_a']} / {r['record_b']}: {r['detail']}")
    m = ex.model
    out.print(
        f"model: Fellegi-Sunter (Splink, fixed m/u), prior {m['prior']}, threshold "
        f"{m['threshold']}, max year gap {m['max_year_gap']}; field weights are log2(m/u)",
        highlight=False,
    )


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

    with errors():
        m = write_world(out_dir, scale=scale, seed=seed)
    out.print(f"synthetic world written to {out_dir} (manifest {out_dir / 'manifest.json'})")
    for k, v in m.counts.items():
        out.print(f"  {k}: {v:,}")


@app.command()
def demo(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for stores and report.")] = Path(
        "demo"
    ),
) -> None:
    """Build the demo stores (real SYNERGY + USPTO data; a small synthetic world, kept apart)
    and write the demo report.

    Example: forcemap demo --out demo/
    """
    from forcemap.demo import build_demo

    opts = options(ctx)
    with errors():
        result = build_demo(out_dir, quiet=opts.quiet)
    for label, rep in result.ingests:
        out.print(
            f"{label}: {rep.equation()}",
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


@app.command()
def serve(
    ctx: typer.Context,
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

    opts = options(ctx)
    # opened once: read here for the notes, then served by the app (which closes it; the
    # close on leaving the block is then a no-op)
    with errors(), opts.open(read_only=True, create=False) as s:
        todo = precompute_todo(s)
        if store_text_index(s, "works") is None:
            todo.append("the search index")
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
            opts.store,
            host=host,
            port=port,
            token=token,
            export_dir=export_dir,
            home_country=country.upper() if country else None,
            certfile=certfile,
            keyfile=keyfile,
            watch_interval=watch or None,
            store=s,
            on_ready=lambda url: out.print(
                f"serving {opts.store} at {url}  (API docs: /docs)", highlight=False
            ),
        )


@app.command()
def stage(
    ctx: typer.Context,
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

    opts = options(ctx)
    with errors():
        staged = stage_store(opts.store, to, overwrite=overwrite)
    out.print(f"staged {opts.store} as {staged}; now:", highlight=False)
    out.print(f"  forcemap --store {staged} ingest …", highlight=False)
    out.print(f"  forcemap --store {staged} precompute   (optional, keeps serving fast)")
    swap_cmd = f"forcemap --store {opts.store} swap" + (f" --staged {to}" if to else "")
    out.print(f"  {swap_cmd}", highlight=False)


@app.command()
def swap(
    ctx: typer.Context,
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

    opts = options(ctx)
    with errors():
        done = swap_store(opts.store, staged)
    out.print(f"{done} now holds the staged data (a running server reopens it)", highlight=False)


@app.command()
def precompute(
    ctx: typer.Context,
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

    opts = options(ctx)
    with errors():
        s = opts.open(create=False)
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
