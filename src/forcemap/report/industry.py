"""The strategic S&T strength report of one industry for one country (``forcemap report``).

A self-contained HTML file (inline SVG charts, no scripts from the network) that opens offline:
positioning with the recommended strategy, bottleneck technologies and trade dependencies,
strategic actors, the industry's innovation network, and its emerging topics — each section
with its method, thresholds and caveats. ``pdf=True`` also prints it to PDF with headless
Chromium.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from forcemap.errors import ForcemapError, NotFoundError
from forcemap.report.render import Section, render_report
from forcemap.report.sections import TRADE_COLUMNS, network_sections
from forcemap.store import Store

__all__ = ["industry_report", "print_pdf"]


def _positioning(store: Store, industry: str, country: str) -> Section:
    from forcemap.decide.positioning import STRATEGIES, positioning, positioning_matrix

    r = positioning(store, country=country, industries=[industry])
    sec = Section(f"Positioning of {country}", method=r.rule.describe())
    rows = r.table.to_pylist()
    if not rows:
        sec.warn(f"{country} has no top works or high-value patents in this industry.")
    else:
        x = rows[0]
        if x["class"].startswith("insufficient"):
            sec.warn(
                f"Class: {x['class']} — {country} has {x['top_works']:.1f} of the world's "
                f"{x['world_top_works']:.1f} top works and {x['hv_patents']:.1f} of "
                f"{x['world_hv_patents']:.1f} high-value families in the window; no class "
                "and no strategy."
            )
        else:
            sec.text(
                f"Class: {x['class'].upper()} — level L = {_n(x['level'])} "
                f"(95 % interval {_n(x['level_low'])}–{_n(x['level_high'])}) of the best "
                f"country ({x['leader']}); publications {_n(x['level_pub'])} (leader "
                f"{x['leader_pub'] or '–'}), technology {_n(x['level_tech'])} (leader "
                f"{x['leader_tech'] or '–'}); trend {_n(x['trend'], '+.0f')} points against "
                "the previous window; years behind the leader: "
                f"{_n(x['years_behind'], 'd')}{'+' if x['years_behind_censored'] else ''}."
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
    m = positioning_matrix(r)
    sec.table(
        "Countries by level in this industry (95 % stability interval of L)",
        m.sort_by([("level", "descending")]).select(
            ["country", "class", "level", "level_low", "level_high"]
        ),
        max_rows=15,
    )
    sec.notes(r)
    return sec


def _n(v: float | int | None, fmt: str = ".0f") -> str:
    return "–" if v is None else format(v, fmt)


def _bottlenecks(store: Store, industry: str, country: str) -> Section:
    from forcemap.decide.bottlenecks import bottlenecks

    r = bottlenecks(store, country=country, industry=industry)
    sec = Section(f"Bottleneck technologies for {country}", method=r.rule.describe())
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


def _actors(store: Store, industry: str, country: str) -> Section:
    from forcemap.decide.actors import strategic_actors

    r = strategic_actors(store, country=country, industry=industry, top=15)
    sec = Section(f"Strategic S&T actors of {country}", method=r.rule.describe())
    cols = ["rank", "name", "type", "outcome", "score", "works", "patents", "mncs",
            "mncs_low", "mncs_high", "pagerank", "brokerage", "breadth"]  # fmt: skip
    sec.table("Top organisations", r.table.select(cols), max_rows=15)
    sec.notes(r)
    return sec


def _emerging(store: Store, industry: str) -> Section:
    from forcemap.indicators.emergence import emergence_score
    from forcemap.store.reference import load_industry_catalog

    ind = load_industry_catalog()[industry]
    topics = set(ind.topics)
    em = emergence_score(store, unit="topic")
    sec = Section(
        "Emerging topics",
        method="Emergence score (Carley et al. 2018; Porter et al. 2019) of OpenAlex topics, "
        "with its qualification rules; topics of this industry in the catalog first.",
    )
    q = em.filter(pc.equal(em["qualified"], True))
    if topics:
        mine = q.filter(pc.is_in(q["unit_id"], pa.array(sorted(topics), pa.string())))
        if mine.num_rows:
            q = mine
    if q.num_rows == 0:
        sec.text("No topic qualifies as emergent in the window.")
        return sec
    sec.table(
        "Top emergent topics",
        q.sort_by([("escore", "descending")]).select(
            ["unit_id", "name", "records", "active_records", "actors", "escore"]
        ),
        max_rows=10,
    )
    return sec


def industry_report(
    store: Store,
    *,
    industry: str,
    country: str = "CN",
    out: str | os.PathLike[str],
    pdf: bool = False,
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

    Returns
    -------
    list of Path
        The files written (HTML, then PDF).

    Raises
    ------
    NotFoundError
        ``industry`` is not in the catalog, or Chromium is missing for ``pdf``.
    """
    from forcemap.store.reference import load_industry_catalog

    cat = load_industry_catalog()
    if industry not in cat:
        raise NotFoundError(f"unknown industry {industry!r}; the catalog has: {', '.join(cat)}")
    country = country.upper()
    synthetic = bool(store.scalar("SELECT count(*) FROM works WHERE origin LIKE 'synthetic%'"))
    sections = [
        _positioning(store, industry, country),
        _bottlenecks(store, industry, country),
        _actors(store, industry, country),
    ]
    for s in network_sections(store, label="Innovation network", industry=industry):
        s.title = "Innovation network of the industry"
        sections.append(s)
    sections.append(_emerging(store, industry))
    name = cat[industry].name
    html = render_report(
        sections,
        out,
        title=f"{name}: strategic S&T strength of {country}",
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
