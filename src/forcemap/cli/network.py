"""``forcemap network …``: build, analyse and export an innovation network of a slice."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forcemap.cli._common import (
    CountingOpt,
    Options,
    OrgLevelOpt,
    YearsOpt,
    check_out,
    err,
    errors,
    network_app,
    options,
    out,
    parse_years,
    print_arrow,
    write_table,
)
from forcemap.errors import InputError
from forcemap.report.tables import format_number

if TYPE_CHECKING:
    from forcemap.network import Network

KindOpt = Annotated[
    str,
    typer.Option(
        help="org_collaboration, org_citation, region_citation, science_technology, "
        "author_collaboration, country_collaboration, or a science map: cocitation, coupling, "
        "coword."
    ),
]
IndustryOpt = Annotated[str | None, typer.Option(help="Industry key from the catalog.")]
CountriesOpt = Annotated[
    str | None, typer.Option(help="Comma-separated ISO2 codes; documents with a participant there.")
]
LayersOpt = Annotated[
    str, typer.Option(help="Comma-separated: coauthorship, copatenting, projects.")
]
UnitOpt = Annotated[
    str,
    typer.Option(help="cocitation / coupling nodes: work, author, source, institution, country."),
]
TermsOpt = Annotated[
    str,
    typer.Option(
        help="coword terms: concept, topic, or the stemmed words and word pairs of title, "
        "abstract or title_abstract."
    ),
]
ThesaurusOpt = Annotated[
    Path | None,
    typer.Option(
        help="coword: VOSviewer thesaurus file (tab-separated 'label<TAB>replace by'; an empty "
        "replacement ignores the term)."
    ),
]
MaxNodesOpt = Annotated[
    int | None, typer.Option(help="Science maps: keep only the most frequent items (nodes).")
]
MinCountOpt = Annotated[
    int,
    typer.Option(help="Science maps: items cited / with references / on works this often."),
]
MinWeightOpt = Annotated[
    float, typer.Option(help="Science maps: drop edges with a smaller counted weight.")
]


def _terms(value: str) -> str:
    """``--terms``, ``concepts`` and ``topics`` read as ``concept`` and ``topic``."""
    return {"concepts": "concept", "topics": "topic"}.get(value, value)


def _network(
    opts: Options,
    kind: str,
    industry: str | None,
    years: str | None,
    countries: str | None,
    counting: str,
    layers: str,
    normalise: str | None = None,
    org_level: str = "self",
    science: dict[str, Any] | None = None,
) -> Network:
    """Build the network of a slice given as the commands' options (``science``: the science
    map options unit, terms, min_count, min_weight)."""
    from forcemap.network import MAP_KINDS, build_network, science_map

    s = opts.open(read_only=True)
    try:
        if kind in MAP_KINDS:
            if countries:
                raise InputError("--countries does not apply to science maps (cocitation, …)")
            return science_map(
                s,
                kind=kind,  # type: ignore[arg-type]  # checked by science_map
                industry=industry,
                years=parse_years(years),
                counting=counting,  # type: ignore[arg-type]  # checked by science_map
                normalise=normalise,  # type: ignore[arg-type]  # checked by science_map
                **(science or {}),
            )
        return build_network(
            s,
            kind=kind,  # type: ignore[arg-type]  # checked by build_network
            layers=tuple(x.strip() for x in layers.split(",") if x.strip()),
            industry=industry,
            years=parse_years(years),
            countries=[c.strip() for c in countries.split(",")] if countries else None,
            counting=counting,  # type: ignore[arg-type]  # checked by build_network
            normalise=normalise,  # type: ignore[arg-type]  # checked by build_network
            org_level=org_level,
        )
    finally:
        s.close()


@network_app.command("build")
def network_build(
    ctx: typer.Context,
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
    org_level: OrgLevelOpt = "self",
    unit: UnitOpt = "work",
    terms: TermsOpt = "concept",
    min_count: MinCountOpt = 1,
    min_weight: MinWeightOpt = 0.0,
    thesaurus: ThesaurusOpt = None,
    max_nodes: MaxNodesOpt = None,
) -> None:
    """Build a network for a slice and write its node and edge lists.

    Example: forcemap network build --industry semiconductors --org-level top --out net/

    Science maps: forcemap network build --kind coupling --min-weight 2 --out coupling/

    Co-word on title and abstract terms: forcemap network build --kind coword --terms
    title_abstract --thesaurus thesaurus.txt --max-nodes 500 --out coword/
    """
    from forcemap.network import to_csv

    opts = options(ctx)
    science: dict[str, Any] = {
        "unit": unit, "terms": _terms(terms), "min_count": min_count, "min_weight": min_weight,
        "max_nodes": max_nodes,
    }  # fmt: skip
    if thesaurus is not None:
        science["thesaurus"] = thesaurus
    with errors():
        net = _network(
            opts, kind, industry, years, countries, counting, layers, normalise, org_level,
            science,
        )  # fmt: skip
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
    ctx: typer.Context,
    kind: KindOpt = "org_collaboration",
    industry: IndustryOpt = None,
    years: YearsOpt = None,
    countries: CountriesOpt = None,
    counting: CountingOpt = "full",
    layers: LayersOpt = "coauthorship,copatenting,projects",
    resolution: Annotated[float, typer.Option(help="Leiden resolution.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed for Leiden and sampling.")] = 0,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Node metrics file (.csv .parquet .json .xlsx).")
    ] = None,
    org_level: OrgLevelOpt = "self",
) -> None:
    """Centrality, brokers (Burt), Leiden communities, cores and the triple-helix profile.

    Example: forcemap network analyse --industry ai --counting fractional --out metrics.csv
    """
    from forcemap.network import analyse, top_brokers

    opts = options(ctx)
    with errors():
        check_out(out_file)
        net = _network(
            opts, kind, industry, years, countries, counting, layers, org_level=org_level
        )
        a = analyse(net, resolution=resolution, seed=seed)
        if out_file is not None:
            write_table(a.nodes, out_file)
            out.print(f"{a.nodes.num_rows:,} rows -> {out_file}", highlight=False)
    summary = {k: v for k, v in a.summary.items() if not isinstance(v, list | dict)}
    for k, v in summary.items():
        out.print(f"  {k}: {format_number(v)}")
    print_arrow(
        top_brokers(a).select(
            ["node_id", "label", "type", "country_code", "degree", "constraint", "effective_size"]
        ),
        "top brokers (lowest Burt constraint)",
    )
    print_arrow(a.communities, "largest communities", max_rows=10)


@network_app.command("export")
def network_export(
    ctx: typer.Context,
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
    org_level: OrgLevelOpt = "self",
    unit: UnitOpt = "work",
    terms: TermsOpt = "concept",
    min_count: MinCountOpt = 1,
    min_weight: MinWeightOpt = 0.0,
    thesaurus: ThesaurusOpt = None,
    max_nodes: MaxNodesOpt = None,
) -> None:
    """Export a network (with its analysis) to GraphML, GEXF, VOSviewer, CSV or offline HTML.

    Example: forcemap network export net.gexf --format gexf --industry quantum
    """
    from forcemap.network import analyse, to_csv, to_gexf, to_graphml, to_html, to_vosviewer

    opts = options(ctx)
    with errors():
        science: dict[str, Any] = {
            "unit": unit, "terms": _terms(terms), "min_count": min_count,
            "min_weight": min_weight, "max_nodes": max_nodes,
        }  # fmt: skip
        if thesaurus is not None:
            science["thesaurus"] = thesaurus
        net = _network(
            opts, kind, industry, years, countries, counting, layers, org_level=org_level,
            science=science,
        )  # fmt: skip
        a = analyse(net)
        if fmt == "graphml":
            to_graphml(net, path, analysis=a)
        elif fmt == "gexf":
            to_gexf(net, path, analysis=a)
        elif fmt == "html":
            to_html(net, path, analysis=a, color_by=color_by)  # type: ignore[arg-type]  # a str from the command line
        elif fmt == "vosviewer":
            to_vosviewer(
                net, path.with_suffix(".map.txt"), path.with_suffix(".net.txt"), analysis=a
            )
        elif fmt == "csv":
            to_csv(net, path.with_suffix(".nodes.csv"), path.with_suffix(".edges.csv"), analysis=a)
        else:
            raise InputError(f"unknown --format {fmt!r}: graphml, gexf, vosviewer, csv, html")
    out.print(f"{fmt} written for {net.nodes.num_rows:,} nodes, {net.edges.num_rows:,} edges")


ThemeTermsOpt = Annotated[
    str,
    typer.Option(
        help="Co-word terms: title, abstract, title_abstract (stemmed words and word pairs), "
        "concept or topic."
    ),
]
NTermsOpt = Annotated[int, typer.Option(help="Terms of the co-word network: the most frequent.")]
MinFreqOpt = Annotated[
    float,
    typer.Option(help="Per thousand works: occurrences from which a term enters its theme."),
]
MethodOpt = Annotated[
    str, typer.Option(help="Centrality and density: bibliometrix (default) or cobo (the paper).")
]
SeedOpt = Annotated[int, typer.Option(help="First seed of the ten Louvain runs.")]


def _theme_options(
    terms: str, thesaurus: Path | None, n_terms: int, min_freq: float, method: str, seed: int
) -> dict[str, Any]:
    return {
        "terms": _terms(terms), "thesaurus": thesaurus, "n_terms": n_terms,
        "min_freq": min_freq, "method": method, "seed": seed,
    }  # fmt: skip


@network_app.command("thematic-map")
def network_thematic_map(
    ctx: typer.Context,
    industry: IndustryOpt = None,
    years: YearsOpt = None,
    terms: ThemeTermsOpt = "title_abstract",
    thesaurus: ThesaurusOpt = None,
    n_terms: NTermsOpt = 250,
    min_freq: MinFreqOpt = 5.0,
    method: MethodOpt = "bibliometrix",
    seed: SeedOpt = 1234,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Themes file (.csv .parquet .json .xlsx).")
    ] = None,
    members: Annotated[
        Path | None, typer.Option(help="Terms of each theme, one row per term (any table format).")
    ] = None,
) -> None:
    """Thematic map (Cobo et al. 2011): co-word themes by Callon centrality and density into
    motor, niche, emerging-or-declining and basic themes, as bibliometrix computes them.

    Example: forcemap network thematic-map --industry robotics --terms title --out themes.xlsx
    """
    from forcemap.network import thematic_map

    opts = options(ctx)
    with errors():
        check_out(out_file)
        check_out(members)
        s = opts.open(read_only=True)
        try:
            tm = thematic_map(
                s,
                industry=industry,
                years=parse_years(years),
                **_theme_options(terms, thesaurus, n_terms, min_freq, method, seed),
            )
        finally:
            s.close()
        if out_file is not None:
            write_table(tm.clusters, out_file)
            out.print(f"{tm.clusters.num_rows:,} rows -> {out_file}", highlight=False)
        if members is not None:
            write_table(tm.terms, members)
            out.print(f"{tm.terms.num_rows:,} term rows -> {members}", highlight=False)
    print_arrow(
        tm.clusters.drop_columns(["terms"]),
        f"themes of {tm.meta['works']:,} works (terms from {tm.meta['min_occurrences']} "
        "occurrences)",
    )


@network_app.command("thematic-evolution")
def network_thematic_evolution(
    ctx: typer.Context,
    cuts: Annotated[
        str, typer.Option(help="Comma-separated years closing each period but the last.")
    ],
    industry: IndustryOpt = None,
    years: YearsOpt = None,
    terms: ThemeTermsOpt = "title_abstract",
    thesaurus: ThesaurusOpt = None,
    n_terms: NTermsOpt = 250,
    min_freq: MinFreqOpt = 5.0,
    method: MethodOpt = "bibliometrix",
    seed: SeedOpt = 1234,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Links between periods' themes (.csv .parquet .json .xlsx)."),
    ] = None,
    themes: Annotated[
        Path | None, typer.Option(help="Themes of every period (any table format).")
    ] = None,
) -> None:
    """Thematic evolution: thematic maps per period linked by the inclusion index (Cobo et al.
    2011), bibliometrix's weighted inclusion and the stability index.

    Example: forcemap network thematic-evolution --cuts 2015,2019 --terms title --out links.csv
    """
    from forcemap.network import thematic_evolution

    opts = options(ctx)
    with errors():
        check_out(out_file)
        check_out(themes)
        try:
            cut_years = [int(c) for c in cuts.split(",") if c.strip()]
        except ValueError:
            raise InputError(f"--cuts must be comma-separated years, not {cuts!r}") from None
        s = opts.open(read_only=True)
        try:
            ev = thematic_evolution(
                s,
                cuts=cut_years,
                years=parse_years(years),
                industry=industry,
                **_theme_options(terms, thesaurus, n_terms, min_freq, method, seed),
            )
        finally:
            s.close()
        if out_file is not None:
            write_table(ev.links, out_file)
            out.print(f"{ev.links.num_rows:,} rows -> {out_file}", highlight=False)
        if themes is not None:
            write_table(ev.clusters, themes)
            out.print(f"{ev.clusters.num_rows:,} theme rows -> {themes}", highlight=False)
    print_arrow(ev.periods, "periods")
    print_arrow(
        ev.links.drop_columns(["shared_terms"]).sort_by([("inclusion", "descending")]),
        "strongest links between consecutive periods",
    )


@network_app.command("historiograph")
def network_historiograph(
    ctx: typer.Context,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Works shown (nodes): .csv, .parquet, .json or .xlsx."),
    ] = None,
    edges_file: Annotated[
        Path | None,
        typer.Option("--edges", help="Local citations among them (citing -> cited), same formats."),
    ] = None,
    top: Annotated[int, typer.Option(help="Works kept by local citation score (ties kept).")] = 20,
    keep_isolates: Annotated[
        bool, typer.Option(help="Keep works without a citation to or from another shown.")
    ] = False,
    industry: IndustryOpt = None,
    years: YearsOpt = None,
) -> None:
    """Historiograph: the works most cited within the slice and the citations among them
    (Garfield 2004, as bibliometrix's histNetwork/histPlot).

    Example: forcemap network historiograph --top 30 --out hist.csv --edges hist_edges.csv
    """
    from forcemap.network.historiograph import historiograph

    opts = options(ctx)
    with errors():
        check_out(out_file)
        check_out(edges_file)
        s = opts.open(read_only=True)
        try:
            h = historiograph(
                s,
                top=top,
                remove_isolates=not keep_isolates,
                industry=industry,
                years=parse_years(years),
            )
        finally:
            s.close()
        for table, path in ((h.nodes, out_file), (h.edges, edges_file)):
            if path is not None:
                write_table(table, path)
                out.print(f"{table.num_rows:,} rows -> {path}", highlight=False)
    m = h.meta
    out.print(
        f"{m['works']:,} works, {m['local_citations']:,} local citations, "
        f"{m['cited_works']:,} works cited locally; shown: {m['n_nodes']:,} works "
        f"(LCS ≥ {m['cut']}), {m['n_edges']:,} citations",
        highlight=False,
    )
    if out_file is None:
        print_arrow(h.nodes.select(["work_id", "label", "year", "lcs", "gcs"]), "historiograph")
