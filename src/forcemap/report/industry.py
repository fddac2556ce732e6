"""The strategic S&T strength report of one industry for one country (``forcemap report``).

A self-contained HTML file (inline SVG charts, no scripts from the network) that opens offline:
an executive summary (:mod:`forcemap.report.summary`: one finding per decision, each with its
number and a link to its section), then positioning with the recommended strategy, bottleneck
technologies and trade dependencies, strategic actors, benchmarking against peers (over the
window and year by year), talent (strategic and rising scientists, flows), the IP landscape
(holders and white spaces), the industry's innovation network, and its emerging topics — each
section with its method, thresholds and caveats. ``pdf=True`` also prints it to PDF with
headless Chromium.

:func:`industry_results` runs the decisions once; the sections and the summary are built from
that one :class:`IndustryResults`, so the summary quotes exactly what the sections show.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from forcemap.decide.result import DecisionResult
from forcemap.errors import ForcemapError, InputError, NotFoundError
from forcemap.report.decision_sections import (
    benchmark_section,
    landscape_section,
    talent_section,
)
from forcemap.report.mapping_sections import science_mapping_section
from forcemap.report.render import Section, column_text, render_report, rule_text
from forcemap.report.sections import TRADE_COLUMNS, network_sections
from forcemap.report.summary import ANCHORS, executive_summary, summary_section
from forcemap.report.tables import format_number
from forcemap.store import Store

__all__ = [
    "IndustryResults",
    "industry_report",
    "industry_results",
    "industry_sections",
    "print_pdf",
]

EMERGING_COLUMNS = ["unit_id", "name", "records", "active_records", "actors", "escore"]


@dataclass
class IndustryResults:
    """Every decision of the industry report, computed once on one store.

    ``emerging`` holds the qualified emergent topics shown (by EScore, descending);
    ``emerging_scope`` is ``"industry"`` when they are topics of the industry's catalog entry,
    ``"all"`` when none of those qualifies and the store's emergent topics are shown instead;
    ``emerging_scored`` is the number of topics scored. ``positioning`` is None when the
    store holds no dated document with a country in the window (the positioning refuses to
    run; ``positioning_missing`` says why).
    """

    industry: str
    name: str
    country: str
    positioning: DecisionResult | None
    bottlenecks: DecisionResult
    actors: DecisionResult
    benchmark: DecisionResult
    series: DecisionResult
    talent: DecisionResult
    landscape: DecisionResult
    emerging: pa.Table
    emerging_scope: str
    emerging_scored: int
    positioning_missing: str = ""


def industry_results(store: Store, *, industry: str, country: str = "CN") -> IndustryResults:
    """Run the report's decisions for ``industry`` and ``country`` (defaults of each
    decision; the benchmark's yearly series covers the home country and its peers).

    Raises
    ------
    NotFoundError
        ``industry`` is not in the catalog.
    """
    from forcemap.decide.actors import strategic_actors
    from forcemap.decide.benchmark import benchmark
    from forcemap.decide.benchmark_series import benchmark_series
    from forcemap.decide.bottlenecks import bottlenecks
    from forcemap.decide.landscape import landscape
    from forcemap.decide.positioning import positioning
    from forcemap.decide.talent import talent
    from forcemap.indicators.emergence import emergence_score
    from forcemap.store.reference import load_industry_catalog

    cat = load_industry_catalog()
    if industry not in cat:
        raise NotFoundError(f"unknown industry {industry!r}; the catalog has: {', '.join(cat)}")
    country = country.upper()
    bench = benchmark(store, country=country, industry=industry)
    countries = [c for c in bench.table["country"].to_pylist() if c]
    series = benchmark_series(
        store, unit="country", units=countries or [country], industry=industry
    )
    em = emergence_score(store, unit="topic")
    q = em.filter(pc.equal(em["qualified"], True))
    scope = "all"
    topics = sorted(set(cat[industry].topics))
    if topics:
        mine = q.filter(pc.is_in(q["unit_id"], pa.array(topics, pa.string())))
        if mine.num_rows:
            q, scope = mine, "industry"
    pos: DecisionResult | None = None
    missing = ""
    try:
        pos = positioning(store, country=country, industries=[industry])
    except InputError as e:  # a store without any dated, attributed document
        if not str(e).startswith("no evidence"):
            raise
        missing = str(e)
    return IndustryResults(
        industry=industry,
        name=cat[industry].name,
        country=country,
        positioning=pos,
        positioning_missing=missing,
        bottlenecks=bottlenecks(store, country=country, industry=industry),
        actors=strategic_actors(store, country=country, industry=industry, top=15),
        benchmark=bench,
        series=series,
        talent=talent(store, country=country, industry=industry, top=10),
        landscape=landscape(store, country=country, industry=industry),
        emerging=q.sort_by([("escore", "descending"), ("unit_id", "ascending")]),
        emerging_scope=scope,
        emerging_scored=em.num_rows,
    )


def _positioning(res: IndustryResults) -> Section:
    from forcemap.decide.positioning import STRATEGIES, positioning_matrix

    r, country = res.positioning, res.country
    if r is None:
        sec = Section(f"Positioning of {country}", anchor=ANCHORS["positioning"])
        return sec.warn(f"No positioning: {res.positioning_missing}.")
    sec = Section(f"Positioning of {country}", method=rule_text(r.rule),
                  anchor=ANCHORS["positioning"])  # fmt: skip
    m = (
        positioning_matrix(r)
        .sort_by([("level", "descending")])
        .select(["country", "class", "level", "level_low", "level_high"])
    )
    rows = r.table.to_pylist()
    if not rows:
        sec.warn(f"{country} has no top works or high-value patents in this industry.")
    else:
        x = rows[0]
        n = format_number
        if x["class"].startswith("insufficient"):
            sec.warn(
                f"Class: {x['class']} — {country} has {n(x['top_works'])} of the world's "
                f"{n(x['world_top_works'])} top works and {n(x['hv_patents'])} of "
                f"{n(x['world_hv_patents'])} high-value families in the window; no class "
                "and no strategy."
            )
        else:
            lv = column_text(m, "level")
            behind = x["years_behind"]
            sec.text(
                f"Class: {x['class'].upper()} — level L = {lv(x['level'])} "
                f"(95 % interval {lv(x['level_low'])}–{lv(x['level_high'])}) of the best "
                f"country ({x['leader'] or '–'}); publications {lv(x['level_pub'])} (leader "
                f"{x['leader_pub'] or '–'}), technology {lv(x['level_tech'])} (leader "
                f"{x['leader_tech'] or '–'}); trend {n(x['trend'], decimals=0, signed=True)} "
                "points against the previous window; years behind the leader: "
                f"{n(behind)}{'+' if behind is not None and x['years_behind_censored'] else ''}."
            )
        if x["note"]:
            sec.text(x["note"] + ".")
        if x["strategy"]:
            sec.text(f"Recommended strategy ({x['class']}): {x['strategy']}")
        elif x["class"].startswith("borderline"):
            options = [c for c in STRATEGIES if c in x["class"]]
            sec.text(
                f"Strategy depends on the class ({x['class']}: the interval of L crosses a "
                "threshold): " + " ".join(f"{c}: {STRATEGIES[c]}" for c in options)
            )
    sec.table("Countries by level in this industry (95 % stability interval of L)", m,
              max_rows=15)  # fmt: skip
    sec.notes(r)
    return sec


def _bottlenecks(res: IndustryResults) -> Section:
    r = res.bottlenecks
    sec = Section(f"Bottleneck technologies for {res.country}", method=rule_text(r.rule),
                  anchor=ANCHORS["bottlenecks"])  # fmt: skip
    if r.table.num_rows:
        cols = ["rank", "cpc", "title", "outcome", "score", "rta", "families",
                "unknown_country_share", "country_share", "country_share_low",
                "country_share_high", "hhi_country", "hhi_assignee", "top_share",
                "holders"]  # fmt: skip
        sec.table("Candidates", r.table.select(cols), max_rows=20)
    else:
        sec.text("No CPC group of this industry meets the bottleneck rule.")
    trade = r.evidence.get("trade")
    if trade is not None and trade.num_rows:
        dep = trade.filter(pc.equal(trade["dependent"], True)).select(TRADE_COLUMNS)
        if dep.num_rows:
            sec.table("Trade dependencies (EU 2021 test)", dep, max_rows=15)
    sec.notes(r)
    return sec


def _actors(res: IndustryResults) -> Section:
    r = res.actors
    sec = Section(f"Strategic S&T actors of {res.country}", method=rule_text(r.rule),
                  anchor=ANCHORS["actors"])  # fmt: skip
    cols = ["rank", "name", "type", "outcome", "score", "works", "patents", "mncs",
            "mncs_low", "mncs_high", "pagerank", "brokerage", "breadth"]  # fmt: skip
    sec.table("Top organisations", r.table.select(cols), max_rows=15)
    sec.notes(r)
    return sec


def _emerging(res: IndustryResults) -> Section:
    sec = Section(
        "Emerging topics",
        method="Emergence score (Carley et al. 2018; Porter et al. 2019) of OpenAlex topics, "
        "with its qualification rules; topics of this industry in the catalog first.",
        anchor=ANCHORS["emerging"],
    )
    q = res.emerging
    if q.num_rows == 0:
        sec.text(
            f"No topic qualifies as emergent in the window ({format_number(res.emerging_scored)}"
            " topics scored)."
        )
        return sec
    if res.emerging_scope != "industry":
        sec.warn(
            "None of the industry's catalog topics qualifies as emergent: the store's "
            "emergent topics are shown instead."
        )
    sec.table("Top emergent topics", q.select(EMERGING_COLUMNS), max_rows=10)
    return sec


def industry_sections(store: Store, res: IndustryResults) -> list[Section]:
    """The report's sections, the executive summary first (the network section reads the
    store; every other section shows a result of ``res``)."""
    c = res.country
    sections = [
        _positioning(res),
        _bottlenecks(res),
        _actors(res),
        benchmark_section(res.benchmark, res.series, title=f"Benchmarking {c} against its peers",
                          anchor=ANCHORS["benchmark"]),
        talent_section(res.talent, title=f"Talent of {c}: strategic and rising scientists",
                       anchor=ANCHORS["talent"]),
        landscape_section(res.landscape, title="Technology value and IP landscape",
                          anchor=ANCHORS["landscape"]),
    ]  # fmt: skip
    for s in network_sections(store, label="Innovation network", industry=res.industry):
        s.title = "Innovation network of the industry"
        s.anchor = ANCHORS["network"]
        sections.append(s)
    sections.append(
        science_mapping_section(store, industry=res.industry, anchor=ANCHORS["mapping"])
    )
    sections.append(_emerging(res))
    return [summary_section(executive_summary(res)), *sections]


def industry_report(
    store: Store,
    *,
    industry: str,
    country: str = "CN",
    out: str | os.PathLike[str],
    pdf: bool = False,
    results: IndustryResults | None = None,
) -> list[Path]:
    """Write the strategic S&T strength report of ``industry`` for ``country``.

    Parameters
    ----------
    store : Store
        The store (read only).
    industry : str
        A key of the industry catalog.
    country : str, default "CN"
        ISO 3166-1 alpha-2 code of the home country.
    out : path
        The HTML file to write.
    pdf : bool, default False
        Also write ``<out>.pdf`` with headless Chromium (:func:`print_pdf`).
    results : IndustryResults, optional
        The decisions already run by :func:`industry_results` on this store for this
        industry and country (they are run when None).

    Returns
    -------
    list of Path
        The files written (HTML, then PDF).

    Raises
    ------
    NotFoundError
        ``industry`` is not in the catalog, or Chromium is missing for ``pdf``.
    InputError
        ``results`` are of another industry or country.
    """
    if results is None:
        results = industry_results(store, industry=industry, country=country)
    elif (results.industry, results.country) != (industry, country.upper()):
        raise InputError(
            f"results: of {results.industry}/{results.country}, not {industry}/{country.upper()}"
        )
    synthetic = results.bottlenecks.synthetic or bool(
        store.scalar("SELECT count(*) FROM works WHERE origin LIKE 'synthetic%'")
    )
    html = render_report(
        industry_sections(store, results),
        out,
        title=f"{results.name}: strategic S&T strength of {results.country}",
        subtitle=f"forcemap industry report — store {store.path.name}",
        synthetic=synthetic,
    )
    written = [html]
    if pdf:
        written.append(print_pdf(html, html.with_suffix(".pdf")))
    return written


def print_pdf(html: str | os.PathLike[str], pdf: str | os.PathLike[str]) -> Path:
    """Print an HTML file to PDF with headless Chromium (``chromium`` on the PATH).

    Raises
    ------
    NotFoundError
        No Chromium executable.
    ForcemapError
        Chromium failed.
    """
    exe = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None)
    if exe is None:
        raise NotFoundError("PDF needs Chromium: apt-get install chromium")
    src, dst = Path(html).resolve(), Path(pdf).resolve()
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
               "--no-pdf-header-footer", f"--print-to-pdf={dst}", src.as_uri()]  # fmt: skip
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if p.returncode != 0 or not dst.is_file() or dst.stat().st_size == 0:
        raise ForcemapError(f"chromium could not print {src} to PDF: {p.stderr.strip()[-300:]}")
    return dst
