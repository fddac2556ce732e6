"""``forcemap indicators …``: compute an indicator on the store, write it to a file and/or
save it in the store (``--save``), and refresh saved results."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forcemap.cli._common import (
    CountingOpt,
    Options,
    check_out,
    errors,
    indicators_app,
    options,
    out,
    spark_progress,
    write_table,
)
from forcemap.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Output file: .csv, .parquet, .json or .xlsx.")
]
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
CitationsOpt = Annotated[
    str,
    typer.Option(
        help="Citation basis: store (citations between works in the store), source (the "
        "source's counts) or auto (source when most references leave the store: a sample)."
    ),
]
FractionalFieldsOpt = Annotated[
    bool,
    typer.Option(
        help="Normalise over all of a work's fields, weighted by score (CWTS/SciVal), not "
        "over its primary field only."
    ),
]


def _indicator(
    opts: Options, name: str, out_file: Path | None, save: str | None, **params: Any
) -> pa.Table:
    """Run indicator ``name`` on the store, write its table and/or save it in the store;
    returns the table."""
    from forcemap.indicators import compute_indicator, save_indicator
    from forcemap.store.results import load_result

    with errors():
        if out_file is None and save is None:
            raise InputError("give --out FILE, --save NAME or both")
        check_out(out_file)
        s = opts.open(read_only=save is None)
        try:
            with spark_progress(opts) as progress:
                engine: dict[str, Any] = {"engine": opts.engine}
                if opts.engine == "spark":
                    engine["progress"] = progress
                if save is None:
                    table = compute_indicator(s, name, **engine, **params)
                else:
                    saved = save_indicator(s, save, name, engine=opts.engine, **params)
                    table = load_result(s, saved.name)
        finally:
            s.close()
        if out_file is not None:
            write_table(table, out_file)
    where = " and ".join(
        x for x in (str(out_file) if out_file else "", f"result {save!r}" if save else "") if x
    )
    out.print(f"{table.num_rows:,} rows × {table.num_columns} columns -> {where}")
    return table


@indicators_app.command("impact")
def indicators_impact(
    ctx: typer.Context,
    out_file: OutOpt = None,
    window: WindowOpt = None,
    field: FieldOpt = "concept0",
    citations: CitationsOpt = "auto",
    fractional_fields: FractionalFieldsOpt = False,
    save: SaveOpt = None,
) -> None:
    """Field-normalised citation score per work (MNCS/FWCI: c ÷ mean of field, year, type).

    Example: forcemap indicators impact --citations source --out ncs.parquet
    """
    _indicator(
        options(ctx),
        "impact",
        out_file,
        save,
        window=window,
        field=field,
        citations=citations,
        fractional_fields=fractional_fields,
    )


@indicators_app.command("percentiles")
def indicators_percentiles(
    ctx: typer.Context,
    out_file: OutOpt = None,
    window: WindowOpt = None,
    field: FieldOpt = "concept0",
    citations: CitationsOpt = "auto",
    fractional_fields: FractionalFieldsOpt = False,
    save: SaveOpt = None,
) -> None:
    """Percentile rank and top-1 %/10 % flags within field-year-type (uncited works: none).

    Example: forcemap indicators percentiles --out pct.csv
    """
    _indicator(
        options(ctx),
        "percentiles",
        out_file,
        save,
        window=window,
        field=field,
        citations=citations,
        fractional_fields=fractional_fields,
    )


@indicators_app.command("aggregate")
def indicators_aggregate(
    ctx: typer.Context,
    out_file: OutOpt = None,
    by: Annotated[str, typer.Option(help="country, institution, organization or field.")] = (
        "country"
    ),
    counting: Annotated[str, typer.Option(help="full or fractional.")] = "full",
    window: WindowOpt = None,
    field: FieldOpt = "concept0",
    citations: CitationsOpt = "auto",
    fractional_fields: FractionalFieldsOpt = False,
    start_year: Annotated[int | None, typer.Option(help="First publication year.")] = None,
    end_year: Annotated[int | None, typer.Option(help="Last publication year.")] = None,
    save: SaveOpt = None,
) -> None:
    """Output, MNCS and top-10 % share per country/institution/organisation/field.

    Example: forcemap indicators aggregate --by country --counting fractional --out c.csv
    """
    _indicator(
        options(ctx),
        "aggregate",
        out_file,
        save,
        by=by,
        counting=counting,
        window=window,
        field=field,
        citations=citations,
        fractional_fields=fractional_fields,
        start_year=start_year,
        end_year=end_year,
    )


@indicators_app.command("emergence")
def indicators_emergence(
    ctx: typer.Context,
    out_file: OutOpt = None,
    unit: Annotated[str, typer.Option(help="concept, topic or cpc_group.")] = "concept",
    end_year: Annotated[int | None, typer.Option(help="Last year (default: latest).")] = None,
    min_records: Annotated[int, typer.Option(help="Qualification: records in window.")] = 7,
    save: SaveOpt = None,
) -> None:
    """Emergence score (Carley et al. 2018; Porter et al. 2019) with qualification flags.

    Example: forcemap indicators emergence --unit topic --out emergence.csv
    """
    _indicator(
        options(ctx),
        "emergence",
        out_file,
        save,
        unit=unit,
        end_year=end_year,
        min_records=min_records,
    )


@indicators_app.command("patent-value")
def indicators_patent_value(
    ctx: typer.Context,
    out_file: OutOpt = None,
    window: Annotated[int, typer.Option(help="Forward-citation window in years.")] = 5,
    save: SaveOpt = None,
) -> None:
    """OECD patent quality indicators per patent (Squicciarini et al. 2013).

    Example: forcemap indicators patent-value --out value.parquet
    """
    _indicator(options(ctx), "patent-value", out_file, save, window=window)


@indicators_app.command("disruption")
def indicators_disruption(
    ctx: typer.Context,
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
        options(ctx),
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
    ctx: typer.Context,
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
        options(ctx),
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
    ctx: typer.Context,
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
        options(ctx),
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
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Saved results to recompute (default: every stale one)."),
    ] = None,
) -> None:
    """Recompute saved results whose input tables changed since (or the ones named).

    Example: forcemap indicators refresh
    """
    from forcemap.indicators import refresh_results

    opts = options(ctx)
    with errors():
        s = opts.open()
        try:
            done = refresh_results(s, names or None)
        finally:
            s.close()
    if not done:
        out.print("every saved result is fresh; nothing to recompute")
    for r in done:
        out.print(f"refreshed {r.name} ({r.indicator}): {r.n_rows:,} rows", highlight=False)


@indicators_app.command("bursts")
def indicators_bursts(
    ctx: typer.Context,
    out_file: OutOpt = None,
    unit: Annotated[str, typer.Option(help="topic, concept or reference (cited).")] = "topic",
    s: Annotated[float, typer.Option("--s", help="Burst share ÷ base share (> 1).")] = 2.0,
    gamma: Annotated[float, typer.Option(help="Cost of entering a burst, γ ln n (> 0).")] = 1.0,
    start_year: Annotated[int | None, typer.Option(help="First year (default: first).")] = None,
    end_year: Annotated[int | None, typer.Option(help="Last year (default: last).")] = None,
    min_documents: Annotated[
        int, typer.Option(help="Units in fewer documents are not examined.")
    ] = 3,
    min_score: Annotated[float, typer.Option(help="Concept score (unit concept).")] = 0.3,
    save: SaveOpt = None,
) -> None:
    """Bursts of topics, concepts or cited references (Kleinberg 2002, as in CiteSpace).

    Example: forcemap indicators bursts --unit reference --out bursts.csv
    """
    _indicator(
        options(ctx),
        "bursts",
        out_file,
        save,
        unit=unit,
        s=s,
        gamma=gamma,
        start_year=start_year,
        end_year=end_year,
        min_documents=min_documents,
        min_score=min_score,
    )


YearFromOpt = Annotated[int | None, typer.Option(help="First publication year (default: all).")]
YearToOpt = Annotated[int | None, typer.Option(help="Last publication year (default: all).")]


@indicators_app.command("hindex")
def indicators_hindex(
    ctx: typer.Context,
    out_file: OutOpt = None,
    unit: Annotated[str, typer.Option(help="author (person), source or institution.")] = "author",
    start_year: YearFromOpt = None,
    end_year: YearToOpt = None,
    reference_year: Annotated[
        int | None, typer.Option(help="Year Y of m = h / (Y - first year + 1) (default: last).")
    ] = None,
    min_documents: Annotated[int, typer.Option(help="Units with fewer: left out.")] = 1,
    save: SaveOpt = None,
) -> None:
    """h-, g- and m-index per author, source or institution (Hirsch 2005; Egghe 2006).

    Example: forcemap indicators hindex --unit source --out h.csv
    """
    _indicator(
        options(ctx),
        "hindex",
        out_file,
        save,
        unit=unit,
        start_year=start_year,
        end_year=end_year,
        reference_year=reference_year,
        min_documents=min_documents,
    )


@indicators_app.command("lotka")
def indicators_lotka(
    ctx: typer.Context,
    out_file: OutOpt = None,
    start_year: YearFromOpt = None,
    end_year: YearToOpt = None,
    save: SaveOpt = None,
) -> None:
    """Authors' productivity and Lotka's law fit: beta, C, R², K-S p-value (Lotka 1926).

    Example: forcemap indicators lotka --out lotka.csv
    """
    import json

    table = _indicator(
        options(ctx), "lotka", out_file, save, start_year=start_year, end_year=end_year
    )
    fit = json.loads((table.schema.metadata or {}).get(b"lotka", b"{}"))
    if fit:
        shown = (f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in fit.items())
        out.print("Lotka fit: " + ", ".join(shown), highlight=False)


@indicators_app.command("bradford")
def indicators_bradford(
    ctx: typer.Context,
    out_file: OutOpt = None,
    start_year: YearFromOpt = None,
    end_year: YearToOpt = None,
    save: SaveOpt = None,
) -> None:
    """Sources ranked into Bradford's three zones (bibliometrix's cut points, 33 % / 67 %).

    Example: forcemap indicators bradford --out bradford.csv
    """
    _indicator(options(ctx), "bradford", out_file, save, start_year=start_year, end_year=end_year)


@indicators_app.command("sleeping-beauty")
def indicators_sleeping_beauty(
    ctx: typer.Context,
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
        options(ctx),
        "sleeping-beauty",
        out_file,
        save,
        min_citations=min_citations,
        max_age=max_age,
        entity=entity,
    )


SliceIndustryOpt = Annotated[str | None, typer.Option(help="Industry key from the catalog.")]
SliceFieldOpt = Annotated[
    str | None, typer.Option("--field", help="Topic, subfield, field, domain or concept id.")
]


@indicators_app.command("rpys")
def indicators_rpys(
    ctx: typer.Context,
    out_file: OutOpt = None,
    industry: SliceIndustryOpt = None,
    field: SliceFieldOpt = None,
    start_year: YearFromOpt = None,
    end_year: YearToOpt = None,
    rpy_start: Annotated[
        int | None, typer.Option(help="First reference year shown (default: last year - 100).")
    ] = None,
    rpy_end: Annotated[
        int | None, typer.Option(help="Last reference year shown (default: last year - 3).")
    ] = None,
    last_year: Annotated[
        int | None, typer.Option(help="References to later works are dropped (default: now).")
    ] = None,
    median_window: Annotated[
        str, typer.Option(help="Deviation drawn: centred (t-2..t+2) or backward (t-4..t).")
    ] = "centred",
    save: SaveOpt = None,
) -> None:
    """Reference publication year spectroscopy: cited references per year and the deviation
    from the 5-year median (Marx et al. 2014, as bibliometrix's rpys).

    Example: forcemap indicators rpys --industry robotics --out rpys.csv
    """
    import json

    table = _indicator(
        options(ctx),
        "rpys",
        out_file,
        save,
        industry=industry,
        field=field,
        start_year=start_year,
        end_year=end_year,
        rpy_start=rpy_start,
        rpy_end=rpy_end,
        last_year=last_year,
        median_window=median_window,
    )
    m = json.loads((table.schema.metadata or {}).get(b"rpys", b"{}"))
    if m:
        out.print(
            f"{m['references']:,} references of {m['citing_works']:,} works: "
            f"{m['with_year']:,} with a year, {m['unknown_year']:,} of unknown year "
            f"({m['outside_store']:,} cite works outside the store), {m['out_of_range']:,} "
            f"out of range, {m['outside_timespan']:,} outside {m['rpy_start']}–{m['rpy_end']}",
            highlight=False,
        )


@indicators_app.command("three-field")
def indicators_three_field(
    ctx: typer.Context,
    out_file: OutOpt = None,
    fields: Annotated[
        str,
        typer.Option(
            help="Three of country, institution, author, source, concept, topic "
            "(left,middle,right)."
        ),
    ] = "country,concept,institution",
    top: Annotated[str, typer.Option(help="Items per field: one number or three (20,10,20).")] = (
        "20"
    ),
    min_score: Annotated[float, typer.Option(help="Concept score (concept fields).")] = 0.3,
    industry: SliceIndustryOpt = None,
    field: SliceFieldOpt = None,
    start_year: YearFromOpt = None,
    end_year: YearToOpt = None,
    save: SaveOpt = None,
) -> None:
    """Three-field plot links: top items of three fields and the works carrying both ends
    of each link (bibliometrix's threeFieldsPlot).

    Example: forcemap indicators three-field --fields country,concept,source --out tf.xlsx
    """
    try:
        tops = [int(x) for x in top.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(f"--top {top!r}: give a number or three, e.g. 20,10,20") from None
    _indicator(
        options(ctx),
        "three-field",
        out_file,
        save,
        fields=[f.strip() for f in fields.split(",") if f.strip()],
        top=tops[0] if len(tops) == 1 else tops,
        min_score=min_score,
        industry=industry,
        field=field,
        start_year=start_year,
        end_year=end_year,
    )
