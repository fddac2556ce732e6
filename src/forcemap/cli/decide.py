"""``forcemap decide …``: the decisions, each printed as its table, the rule and thresholds
applied, and its caveats (``--out`` also writes the table)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from forcemap.cli._common import (
    CountryOpt,
    OrgLevelOpt,
    YearsOpt,
    check_out,
    decide_app,
    decision_notes,
    errors,
    finish_decision,
    options,
    out,
    parse_years,
    print_arrow,
    print_coverage,
    print_decision,
    run_decision,
    write_table,
)
from forcemap.cli._decide_tables import ci, print_benchmark, print_positioning
from forcemap.cli.affinity import affinity_cmd

if TYPE_CHECKING:
    pass

DecideOutOpt = Annotated[
    Path | None, typer.Option("--out", help="Also write the table: .csv, .parquet, .json or .xlsx.")
]
CitationsOpt = Annotated[
    str,
    typer.Option(
        help="Citation basis: store, source (the source's counts) or auto (source on a sample)."
    ),
]
PatentUnitOpt = Annotated[
    str,
    typer.Option(
        help="Patent counting unit: family (one invention counted once) or patent (every grant)."
    ),
]


@decide_app.command("positioning")
def decide_positioning(
    ctx: typer.Context,
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
    min_top_documents: Annotated[
        float,
        typer.Option(help="Per side: fewest world top documents in the window; else dropped."),
    ] = 10.0,
    min_documents: Annotated[
        float,
        typer.Option(help="Fewest documents of the country; else insufficient evidence."),
    ] = 10.0,
    min_coverage: Annotated[
        float,
        typer.Option(help="Per side: least share of evidence with a known country; else dropped."),
    ] = 0.5,
    keep_partial: Annotated[
        bool,
        typer.Option(help="Read incomplete first/last years in the trend and years behind."),
    ] = False,
    draws: Annotated[int, typer.Option(help="Bootstrap draws of the intervals (0: none).")] = 1000,
    matrix: Annotated[bool, typer.Option(help="Print the country × unit class matrix.")] = False,
    citations: CitationsOpt = "auto",
    patent_unit: PatentUnitOpt = "family",
    out_file: DecideOutOpt = None,
) -> None:
    """Catch-up / parallel / leading per industry, with level L, trend and years behind.

    Example: forcemap decide positioning --country CN
    """
    from forcemap.decide.positioning import positioning, positioning_matrix

    opts = options(ctx)
    with errors():
        check_out(out_file)
        if unit not in ("industry", "field"):
            raise typer.BadParameter("unit must be industry or field", param_hint="--unit")
        s = opts.open(read_only=True)
        try:
            r = positioning(
                s,
                country=country,
                industries=industry,
                unit=unit,  # type: ignore[arg-type]  # checked above: industry or field
                end_year=end_year,
                window=window,
                weight_pub=weight_pub,
                weight_tech=weight_tech,
                parallel_at=parallel_at,
                leading_other_at=leading_other_at,
                min_top_documents=min_top_documents,
                min_documents=min_documents,
                min_coverage=min_coverage,
                keep_partial=keep_partial,
                draws=draws,
                citations=citations,
                patent_unit=patent_unit,
            )
        finally:
            s.close()
        print_positioning(r)
        if matrix:
            m = positioning_matrix(r)
            print_arrow(m.sort_by([("unit", "ascending"), ("level", "descending")]), "matrix",
                         max_rows=200)  # fmt: skip
        if out_file is not None:
            write_table(r.table, out_file, notes=decision_notes(r))
            out.print(f"{r.table.num_rows:,} rows -> {out_file}")


IndustryOneOpt = Annotated[
    str | None, typer.Option("--industry", help="Industry key from the catalog (default: all).")
]


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
    ctx: typer.Context,
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
    min_coverage: Annotated[
        float, typer.Option(help="Minimum share of a group's families with a known holder country.")
    ] = 0.5,
    org_level: OrgLevelOpt = "self",
    patent_unit: PatentUnitOpt = "family",
    out_file: DecideOutOpt = None,
) -> None:
    """Bottleneck technologies: CPC groups (and HS6 imports) the country depends on.

    Example: forcemap decide bottlenecks --country CN --industry semiconductors
    """
    from forcemap.decide.bottlenecks import bottlenecks

    opts = options(ctx)
    with errors():
        r = run_decision(
            opts,
            bottlenecks,
            out_file,
            country=country,
            industry=industry,
            years=parse_years(years),
            level=level,
            rta_below=rta_below,
            hhi_country_above=hhi_country_above,
            hhi_assignee_above=hhi_assignee_above,
            top_share_above=top_share_above,
            min_families=min_families,
            min_coverage=min_coverage,
            org_level=org_level,
            patent_unit=patent_unit,
        )
        cols = ["industry", "rank", "cpc", "outcome", "score", "rta", "families",
                "unknown_country_share", "hhi_country", "holders", "dependent_hs6"]  # fmt: skip
        print_decision(r, [c for c in cols if c in r.table.column_names])
        trade = r.evidence.get("trade")
        if trade is not None and trade.num_rows and "dependent" in trade.column_names:
            dep = trade.filter(trade["dependent"])
            if dep.num_rows:
                print_arrow(dep, "trade dependencies (EU 2021 test)", max_rows=20)
        if out_file is not None:
            write_table(r.table, out_file, notes=decision_notes(r))
            out.print(f"{r.table.num_rows:,} rows -> {out_file}")


@decide_app.command("actors")
def decide_actors(
    ctx: typer.Context,
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
    min_output: Annotated[
        float, typer.Option(help="Fractional works + patents needed to be ranked.")
    ] = 1.0,
    min_impact_works: Annotated[
        float, typer.Option(help="Fractional works with a citation score needed for MNCS.")
    ] = 5.0,
    citations: CitationsOpt = "auto",
    org_level: OrgLevelOpt = "self",
    patent_unit: PatentUnitOpt = "family",
    out_file: DecideOutOpt = None,
) -> None:
    """Strategic S&T actors: the country's organisations ranked per industry.

    Example: forcemap decide actors --country DE --industry robotics --org-level top
    """
    from forcemap.decide.actors import strategic_actors

    opts = options(ctx)
    weights = _weights(weight)
    with errors():
        r = run_decision(
            opts,
            strategic_actors,
            out_file,
            country=None if country.lower() == "all" else country,
            industry=industry,
            years=parse_years(years),
            top=top,
            weights=weights or None,
            min_output=min_output,
            min_impact_works=min_impact_works,
            citations=citations,
            org_level=org_level,
            patent_unit=patent_unit,
        )
        cols = ["industry", "rank", "name", "type", "country_code", "outcome", "score",
                "works", "patents", "mncs", "mncs_low", "mncs_high"]  # fmt: skip
        print_decision(r, [c for c in cols if c in r.table.column_names], max_rows=60)
        if out_file is not None:
            write_table(r.table, out_file, notes=decision_notes(r))
            out.print(f"{r.table.num_rows:,} rows -> {out_file}")


UnitOpt = Annotated[str, typer.Option(help="industry (catalog) or field (level-0 concepts).")]


def _check_unit(unit: str) -> None:
    """``--unit`` must be industry or field."""
    if unit not in ("industry", "field"):
        raise typer.BadParameter("unit must be industry or field", param_hint="--unit")


MinImpactOpt = Annotated[
    float,
    typer.Option(
        help="Least fractional works with a citation score for MNCS / PP(top 10 %) "
        "(else insufficient evidence)."
    ),
]
PartialYearsOpt = Annotated[
    str, typer.Option(help="auto: detect incomplete first/last years; keep: use every year.")
]
CompleteThroughOpt = Annotated[
    int | None, typer.Option(help="Declare the last complete year (later years are partial).")
]


def _check_partial(partial_years: str) -> None:
    """``--partial-years`` must be auto or keep."""
    if partial_years not in ("auto", "keep"):
        raise typer.BadParameter("must be auto or keep", param_hint="--partial-years")


@decide_app.command("benchmark")
def decide_benchmark(
    ctx: typer.Context,
    country: CountryOpt = "CN",
    industry: IndustryOneOpt = None,
    unit: UnitOpt = "industry",
    peer: Annotated[
        list[str] | None, typer.Option(help="Peer country (repeatable); default: top-k by output.")
    ] = None,
    k: Annotated[int, typer.Option(help="Automatic peers: the top k countries by output.")] = 5,
    years: YearsOpt = None,
    growth_window: Annotated[int, typer.Option(help="Years of the CAGR.")] = 5,
    min_impact_works: MinImpactOpt = 50.0,
    partial_years: PartialYearsOpt = "auto",
    complete_through: CompleteThroughOpt = None,
    citations: CitationsOpt = "auto",
    org_level: OrgLevelOpt = "self",
    patent_unit: PatentUnitOpt = "family",
    out_file: DecideOutOpt = None,
) -> None:
    """International benchmarking: the country beside its peers in each industry (or field).

    Example: forcemap decide benchmark --country CN --industry nev_batteries
    """
    from forcemap.decide.benchmark import benchmark

    opts = options(ctx)
    _check_unit(unit)
    _check_partial(partial_years)
    with errors():
        r = run_decision(
            opts, benchmark, out_file, country=country, industry=industry, unit=unit,
            peers=[p.upper() for p in peer] if peer else None, k=k, years=parse_years(years),
            growth_window=growth_window, min_impact_works=min_impact_works,
            partial_years=partial_years, complete_through=complete_through, citations=citations,
            org_level=org_level, patent_unit=patent_unit,
        )  # fmt: skip
        print_benchmark(r)
        if out_file is not None:
            write_table(r.table, out_file, notes=decision_notes(r))
            out.print(f"{r.table.num_rows:,} rows -> {out_file}")


@decide_app.command("benchmark-series")
def decide_benchmark_series(
    ctx: typer.Context,
    entity: Annotated[
        list[str] | None,
        typer.Option(
            help="Entity compared (repeatable): ISO2 country, organisation or author id; "
            "default: the top entities by output."
        ),
    ] = None,
    unit: Annotated[str, typer.Option(help="country, organization or author.")] = "country",
    industry: IndustryOneOpt = None,
    top: Annotated[int, typer.Option(help="Automatic entities: the top ones by output.")] = 5,
    years: YearsOpt = None,
    span: Annotated[int, typer.Option(help="Years shown when --years is not given.")] = 10,
    min_impact_works: MinImpactOpt = 50.0,
    partial_years: PartialYearsOpt = "auto",
    complete_through: CompleteThroughOpt = None,
    org_level: OrgLevelOpt = "self",
    out_file: DecideOutOpt = None,
) -> None:
    """Benchmarking year by year: countries, organisations or authors, with intervals.

    As SciVal's Benchmarking: output, world share, MNCS, PP(top 10 %), international and
    industry–academia shares per year, each with its 95 % stability interval; incomplete
    years are marked partial.

    Example: forcemap decide benchmark-series --unit country --entity CA --entity US
    """
    from forcemap.decide.benchmark_series import benchmark_series

    opts = options(ctx)
    if unit not in ("country", "organization", "author"):
        raise typer.BadParameter(
            "unit must be country, organization or author", param_hint="--unit"
        )
    _check_partial(partial_years)
    with errors():
        r = run_decision(
            opts, benchmark_series, out_file, units=entity or None, unit=unit,
            industry=industry, top=top, years=parse_years(years), span=span,
            min_impact_works=min_impact_works, partial_years=partial_years,
            complete_through=complete_through, org_level=org_level,
        )  # fmt: skip
        t = Table(title="benchmark series" + ("  [SYNTHETIC DATA]" if r.synthetic else ""))
        heads = ["entity", "year", "works", "works (frac.)", "world share", "MNCS",
                 "PP(top 10 %)", "intl co-pub.", "industry–acad.", "impact evidence"]  # fmt: skip
        for h in heads:
            t.add_column(
                h,
                justify="left" if h in ("entity", "impact evidence") else "right",
                overflow="fold",
            )
        for x in r.table.to_pylist()[:200]:
            t.add_row(
                escape(str(x["entity_name"] or x["entity"])),
                f"{x['year']}" + (" (partial)" if x["partial"] else ""),
                f"{x['works']:,}",
                ci(x, "works_frac", ".1f"),
                ci(x, "world_share", ".3f"),
                ci(x, "mncs", ".2f"),
                ci(x, "pp_top10", ".3f"),
                ci(x, "intl_copub_share", ".2f"),
                ci(x, "industry_academia_share", ".2f"),
                escape(x["impact_evidence"]),
            )
        out.print(t)
        out.print(
            "\\[a–b]: 95 % stability interval (bootstrap over the year's works); (partial): the "
            "year looks incomplete in the store (kept, not a decline).",
            highlight=False,
        )
        out.print(f"[bold]Rule[/bold]: {escape(r.rule.describe())}", highlight=False)
        print_coverage(r)
        for c in r.caveats:
            out.print(f"[yellow]caveat[/yellow]: {escape(c)}", highlight=False)
        if out_file is not None:
            write_table(r.table, out_file, notes=decision_notes(r))
            out.print(f"{r.table.num_rows:,} rows -> {out_file}")


@decide_app.command("landscape")
def decide_landscape(
    ctx: typer.Context,
    country: CountryOpt = "CN",
    industry: IndustryOneOpt = None,
    years: YearsOpt = None,
    top_holders: Annotated[int, typer.Option(help="Holders in the holder × CPC matrix.")] = 20,
    white_space_growth: Annotated[
        float, typer.Option(help="White space: relative yearly growth above this.")
    ] = 0.0,
    growth_window: Annotated[int, typer.Option(help="Years of the trend.")] = 5,
    min_coverage: Annotated[
        float, typer.Option(help="White space: least share of patents with a known holder country.")
    ] = 0.5,
    drop_partial_years: Annotated[
        bool, typer.Option(help="Leave an incomplete last year of the store out of the trend.")
    ] = True,
    org_level: OrgLevelOpt = "self",
    patent_unit: PatentUnitOpt = "family",
    out_file: DecideOutOpt = None,
) -> None:
    """Technology value and IP landscape: portfolios, the holder × CPC matrix, white spaces.

    Example: forcemap decide landscape --country CN --industry semiconductors
    """
    from forcemap.decide.landscape import landscape

    opts = options(ctx)
    with errors():
        r = run_decision(
            opts, landscape, out_file, country=country, industry=industry, years=parse_years(years),
            top_holders=top_holders, white_space_growth=white_space_growth,
            growth_window=growth_window, min_coverage=min_coverage,
            drop_partial_years=drop_partial_years, org_level=org_level, patent_unit=patent_unit,
        )  # fmt: skip
        cols = ["industry", "rank", "name", "country_code", "type", "patents", "patent_share",
                "patent_share_low", "patent_share_high", "fc5_mean", "top10_share",
                "top10_share_low", "top10_share_high", "cpc_groups"]  # fmt: skip
        finish_decision(r, cols, out_file, max_rows=30)
        ws = r.evidence.get("white_spaces")
        if ws is not None and ws.num_rows:
            print_arrow(ws, f"white spaces for {country.upper()}", max_rows=20)


@decide_app.command("talent")
def decide_talent(
    ctx: typer.Context,
    country: CountryOpt = "CN",
    industry: IndustryOneOpt = None,
    unit: UnitOpt = "industry",
    years: YearsOpt = None,
    min_works: Annotated[int, typer.Option(help="Works needed to be assessed.")] = 5,
    young_career_years: Annotated[
        int, typer.Option(help="Rising talent: career age at most this.")
    ] = 10,
    top: Annotated[int, typer.Option(help="Scientists listed per kind and unit.")] = 25,
    min_scientists: Annotated[
        int, typer.Option(help="Eligible scientists a unit needs to be ranked.")
    ] = 4,
    citations: CitationsOpt = "auto",
    org_level: OrgLevelOpt = "self",
    out_file: DecideOutOpt = None,
) -> None:
    """Talent: strategic scientists, rising young talent and talent flows.

    Example: forcemap decide talent --country US --unit field
    """
    from forcemap.decide.talent import talent

    opts = options(ctx)
    _check_unit(unit)
    with errors():
        r = run_decision(
            opts, talent, out_file, country=country, industry=industry, unit=unit,
            years=parse_years(years), min_works=min_works, young_career_years=young_career_years,
            top=top, min_scientists=min_scientists, citations=citations, org_level=org_level,
        )  # fmt: skip
        cols = ["unit_name", "kind", "rank", "author_name", "org_name", "outcome", "n_works",
                "mean_ncs", "mean_ncs_low", "mean_ncs_high", "top10_share", "top10_share_low",
                "top10_share_high", "score", "possibly_same_as"]  # fmt: skip
        finish_decision(r, cols, out_file, max_rows=50)
        bal = r.evidence.get("balance")
        if bal is not None and bal.num_rows:
            print_arrow(bal, "talent balance (inflow − outflow of authors)", max_rows=12)


@decide_app.command("watch")
def decide_watch(
    ctx: typer.Context,
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
    min_records: Annotated[
        int, typer.Option(help="Least records in the window for a unit to be ranked.")
    ] = 10,
    thin_records: Annotated[
        int, typer.Option(help="Least records in the window for a status (else insufficient).")
    ] = 20,
    min_linked_documents: Annotated[
        int, typer.Option(help="Least records with an in-store citation link for a status.")
    ] = 5,
    min_coherence: Annotated[
        float, typer.Option(help="Least coherence of an emerging unit.")
    ] = 0.2,
    min_growth: Annotated[
        float, typer.Option(help="Share growth rate an emerging unit must exceed.")
    ] = 0.0,
    concept_min_score: Annotated[
        float, typer.Option(help="Concepts: least score for a work to carry a concept.")
    ] = 0.3,
    min_concept_level: Annotated[
        int, typer.Option(help="Concepts: lower levels are generic (0-1: disciplines).")
    ] = 2,
    max_doc_share: Annotated[
        float, typer.Option(help="Concepts: generic above this share of the store's works.")
    ] = 0.01,
    min_field_share: Annotated[
        float, typer.Option(help="Concepts: generic below this share in one level-0 field.")
    ] = 0.5,
    citations: Annotated[
        str, typer.Option(help="Impact citation basis: auto, store or source.")
    ] = "auto",
    org_level: OrgLevelOpt = "self",
    patent_unit: PatentUnitOpt = "family",
    out_file: DecideOutOpt = None,
) -> None:
    """Technology watch: emerging, accelerating, disruptive topics (or CPC groups) per industry.

    Each entry carries the four attributes of an emerging technology (Rotolo et al. 2015):
    novelty, share growth with its interval, coherence, impact (MNCS with its interval), and a
    status: emerging, borderline, not emerging or insufficient evidence. Generic concepts
    (level 0-1, too frequent, spread across fields) are not ranked.

    Example: forcemap decide watch --industry ai --unit topic
    """
    from forcemap.decide.watch import technology_watch

    opts = options(ctx)
    if unit not in ("topic", "concept", "cpc_group"):
        raise typer.BadParameter("unit must be topic, concept or cpc_group", param_hint="--unit")
    weights = _weights(weight)
    with errors():
        r = run_decision(
            opts, technology_watch, out_file, country=country, industry=industry, unit=unit,
            end_year=end_year, top=top, cd_threshold=cd_threshold,
            qualified_only=qualified_only, weights=weights or None,
            min_records=min_records, thin_records=thin_records,
            min_linked_documents=min_linked_documents, min_coherence=min_coherence,
            min_growth=min_growth, concept_min_score=concept_min_score,
            min_concept_level=min_concept_level, max_doc_share=max_doc_share,
            min_field_share=min_field_share, citations=citations, org_level=org_level,
            patent_unit=patent_unit,
        )  # fmt: skip
        cols = ["industry", "rank", "unit", "name", "status", "score", "first_year", "growth",
                "growth_low", "growth_high", "coherence", "with_links", "impact", "impact_low",
                "impact_high", "records"]  # fmt: skip
        finish_decision(r, cols, out_file, max_rows=40)
        generic = r.evidence.get("generic")
        if generic is not None and generic.num_rows:
            print_arrow(
                generic.select(
                    ["unit", "name", "level", "records", "doc_share", "field_share", "reason"]
                ),
                "generic concepts, not ranked (level, document frequency, spread across fields)",
                max_rows=10,
            )
        seeds = r.evidence["disruptive_works"]
        if seeds.num_rows:
            print_arrow(
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
    ctx: typer.Context,
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
    depth: Annotated[
        int, typer.Option(help="Members credited per sub-technology (diminishing returns).")
    ] = 3,
    depth_discount: Annotated[
        float, typer.Option(help="Credit of each further member in a sub-technology (δ^r).")
    ] = 0.5,
    min_contribution: Annotated[
        float,
        typer.Option(help="Least share of the objective each member must add (0: more than 0)."),
    ] = 0.0,
    method: Annotated[str, typer.Option(help="milp (HiGHS) or greedy.")] = "milp",
    time_limit: Annotated[float, typer.Option(help="Solver time limit in seconds.")] = 10.0,
    org_level: OrgLevelOpt = "self",
    out_file: DecideOutOpt = None,
) -> None:
    """Consortium builder: members covering the technology's sub-technologies (integer programme).

    Example: forcemap decide consortium --industry robotics --size 5 --min-type university=1
    """
    from forcemap.decide.consortium import consortium

    opts = options(ctx)
    if method not in ("milp", "greedy"):
        raise typer.BadParameter("method must be milp or greedy", param_hint="--method")
    types = _counts(min_type, "--min-type")
    with errors():
        r = run_decision(
            opts, consortium, out_file, industry=industry, size=size, lead=lead,
            min_types=types or None, must_include=tuple(include or ()),
            must_exclude=tuple(exclude or ()), country=country.upper() if country else None,
            sub_technologies="cpc_group" if cpc_groups else None, method=method,
            time_limit=time_limit, org_level=org_level, depth=depth,
            depth_discount=depth_discount, min_contribution=min_contribution,
        )  # fmt: skip
        # the contribution table: what the consortium loses without each member
        cols = ["role", "org_id", "name", "type", "country_code", "strength", "contribution",
                "contribution_share", "adds", "forced_by", "why"]  # fmt: skip
        finish_decision(r, cols, out_file, max_rows=50)
        cov = r.evidence.get("sub_technologies")
        if cov is not None and cov.num_rows:
            print_arrow(cov, "coverage per sub-technology", max_rows=60)


@decide_app.command("pathways")
def decide_pathways(
    ctx: typer.Context,
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

    opts = options(ctx)
    if (industry is None) == (query is None):
        raise typer.BadParameter("give exactly one of --industry or --query")
    with errors():
        r = run_decision(
            opts, pathways, out_file, industry=industry, query=query, entity=entity,
            k_neighbors=k_neighbors, resolution=resolution, min_size=min_size,
        )  # fmt: skip
        cols = ["rank", "label", "size", "share", "top_organizations", "momentum", "cagr_5y",
                "first_year"]  # fmt: skip
        finish_decision(r, cols, out_file, max_rows=30)


@decide_app.command("review")
def decide_review(
    ctx: typer.Context,
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

    opts = options(ctx)
    try:
        cutoff = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter("write YYYY-MM-DD", param_hint="--as-of") from None
    with errors():
        r = run_decision(
            opts, project_review, out_file, as_of=cutoff, min_age_years=min_age_years,
            withdraw_below=withdraw_below, review_below=review_below,
        )  # fmt: skip
        cols = ["project_id", "title", "recommendation", "score", "goal_attainment", "impact",
                "works", "patents", "cost_per_output", "collaboration", "reasons"]  # fmt: skip
        finish_decision(r, cols, out_file, max_rows=40)


@decide_app.command("allocate")
def decide_allocate(
    ctx: typer.Context,
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

    opts = options(ctx)
    if method not in ("milp", "greedy"):
        raise typer.BadParameter("method must be milp or greedy", param_hint="--method")
    weights = _weights(weight)
    with errors():
        r = run_decision(
            opts, allocate_budget, out_file, budget=budget, country=country,
            candidates=candidate or None, max_share_per_industry=max_share_per_industry,
            weights=weights or None, method=method,
        )  # fmt: skip
        cols = ["project_id", "title", "selected", "industry", "cost", "value",
                "positioning_class", "bottleneck", "performance", "recommendation"]  # fmt: skip
        finish_decision(r, cols, out_file, max_rows=40)


@decide_app.command("panel")
def decide_panel(
    ctx: typer.Context,
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
    max_same_career_band: Annotated[
        int | None, typer.Option(help="At most this many members per career-age band.")
    ] = None,
    career_bands: Annotated[
        str, typer.Option(help="Career-age band edges in years since the first publication.")
    ] = "10,20",
    pool: Annotated[Path | None, typer.Option(help="Candidate pool CSV (default: authors).")] = (
        None
    ),
    out_file: DecideOutOpt = None,
) -> None:
    """Review panel: best-matching experts without conflicts of interest (each one explained).

    Example: forcemap decide panel --applicant A5023888391 --text "cartilage repair" --size 5
    """
    from forcemap.decide.panel import review_panel

    opts = options(ctx)
    roles = _counts(role, "--role")
    try:
        bands = tuple(int(x) for x in career_bands.split(",") if x.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{career_bands!r}: write increasing years, e.g. 10,20", param_hint="--career-bands"
        ) from None
    with errors():
        r = run_decision(
            opts, review_panel, out_file, applicants=list(applicant), text=text,
            topics=list(topic) if topic else None, concepts=list(concept) if concept else None,
            size=size, roles=roles or None, coi_years=coi_years, max_per_org=max_per_org,
            max_per_country=max_per_country, pool=str(pool) if pool else None,
            max_same_career_band=max_same_career_band, career_bands=bands,
        )  # fmt: skip
        cols = ["role", "author_id", "name", "org", "country", "type", "career_age", "match",
                "reasons"]  # fmt: skip
        finish_decision(r, cols, out_file, max_rows=30)
        exc = r.evidence.get("excluded")
        if exc is not None and exc.num_rows:
            shown = exc.select(["author_id", "name", "rule", "applicant", "detail"])
            print_arrow(shown, f"excluded for conflicts of interest ({exc.num_rows:,})",
                         max_rows=25)  # fmt: skip


# `forcemap decide affinity` (files of the OpenReview expertise format; no store needed)
decide_app.command("affinity")(affinity_cmd)
