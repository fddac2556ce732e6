"""The demo pipeline behind ``make demo``: real data and a synthetic world, kept apart.

* ``<out>/real.duckdb``: the real SYNERGY OpenAlex sample, the USPTO grant records and a small
  file with deliberate defects (to show the quarantine), organisations and persons resolved.
* ``<out>/synthetic.duckdb``: a small synthetic world (all formats, planted facts), labelled
  synthetic in the store (``origin``) and in the report.
* ``<out>/report.html``: the demo report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forcemap._data import data_path
from forcemap._progress import rich_progress
from forcemap.report import Section, bar_chart, render_report
from forcemap.report.sections import (
    actor_sections,
    bottleneck_sections,
    indicator_sections,
    network_sections,
    positioning_sections,
)
from forcemap.store import IngestReport, Store
from forcemap.store.ingest import ingest
from forcemap.store.summary import StoreSummary, summarise

if TYPE_CHECKING:
    from forcemap.decide.result import DecisionResult
    from forcemap.store.synth import WorldManifest

__all__ = ["DemoResult", "build_demo", "summary_sections"]

SYNTH_SCALE = 1.0
#: The real demo store's files (under the packaged ``demo`` data), in the order they are read:
#: the SYNERGY OpenAlex sample, a small OpenAlex file with planted errors, the USPTO sample.
REAL_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("openalex", ("synergy_v1_works.jsonl.gz",)),
    ("openalex", ("openalex_with_errors.jsonl",)),
    ("uspto", ("doc.json", "biblio.json")),
)

SYNTH_SEED = 42


@dataclass
class DemoResult:
    """Where the demo put its stores and report, and what each ingest did."""

    real_store: Path
    synthetic_store: Path
    report: Path
    ingests: list[tuple[str, IngestReport]] = field(default_factory=list)


def build_demo(
    out_dir: str | Path,
    *,
    quiet: bool = True,
    extra_sections: Callable[[Store, Store], list[Section]] | None = None,
) -> DemoResult:
    """Build both demo stores from scratch and write the demo report.

    ``extra_sections(real, synthetic)`` lets later layers (indicators, networks, decisions)
    add their sections without this module knowing them.
    """
    from forcemap.decide.explore import precompute_text_index
    from forcemap.indicators import precompute
    from forcemap.store.organizations import resolve_organizations
    from forcemap.store.persons import resolve_persons
    from forcemap.store.synth import WorldManifest, write_world

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    real_path, synth_path = out / "real.duckdb", out / "synthetic.duckdb"
    for p in (real_path, synth_path):
        p.unlink(missing_ok=True)
        Path(str(p) + ".wal").unlink(missing_ok=True)
        shutil.rmtree(Path(str(p) + ".quarantine"), ignore_errors=True)
    result = DemoResult(real_path, synth_path, out / "report.html")
    demo = data_path("demo")

    def run(store: Store, source: str, paths: list[Path], origin: str | None = None) -> None:
        with rich_progress(f"{store.path.stem}: {source}", quiet=quiet) as progress:
            rep = ingest(store, source, paths, origin=origin, progress=progress)
        result.ingests.append((f"{store.path.stem}: {source}", rep))

    real = Store.open(real_path)
    for source, paths in REAL_FILES:
        run(real, source, [demo / p for p in paths])
    resolve_organizations(real)
    # one person per scientist: the SYNERGY sample holds the same authors under several
    # OpenAlex ids (Marsha M. Linehan three times); talent, panel and networks count persons
    resolve_persons(real)
    precompute(real)
    precompute_text_index(real)

    world = out / "synthetic-world"
    shutil.rmtree(world, ignore_errors=True)
    write_world(world, scale=SYNTH_SCALE, seed=SYNTH_SEED)
    synth = Store.open(synth_path)
    run(synth, "openalex", [world / "openalex"], origin="synthetic:openalex")
    run(synth, "patentsview", [world / "patentsview"])
    run(synth, "projects", [world / "projects"])
    run(synth, "trade", [world / "trade" / "baci.csv"])
    resolve_organizations(synth)
    # persons are not resolved here: the generator gives every synthetic author its own id
    # from a small pool of names (namesakes are different people by construction, with no
    # ORCIDs to tell them apart), so a name-based resolution would only merge namesakes
    precompute(synth)
    precompute_text_index(synth)

    real_label = "Real data (SYNERGY + USPTO sample)"
    synth_label = f"Synthetic world (scale {SYNTH_SCALE}, seed {SYNTH_SEED})"
    sections = summary_sections(summarise(real), label=real_label)
    sections += summary_sections(summarise(synth), label=synth_label)
    sections += network_sections(real, label=real_label)
    sections += network_sections(synth, label=synth_label)
    sections += indicator_sections(real, label=real_label)
    sections += indicator_sections(synth, label=synth_label)
    sections += positioning_sections(real, label=real_label, countries=("CN", "US"), unit="field")
    sections += positioning_sections(synth, label=synth_label, countries=("CN",))
    sections += bottleneck_sections(synth, label=synth_label, country="CN")
    sections += actor_sections(synth, label=synth_label, country="CN")
    sections += actor_sections(synth, label=synth_label, country=None, industry="robotics")
    sections += more_decision_sections(real, synth, real_label, synth_label)
    sections.insert(0, planted_facts_section(synth, WorldManifest.load(world)))
    if extra_sections:
        sections += extra_sections(real, synth)
    real.close()
    synth.close()
    render_report(
        sections,
        result.report,
        title="forcemap demo report",
        subtitle="Real OpenAlex/USPTO samples and a synthetic world with planted facts, "
        "stored and analysed separately.",
        synthetic=True,
    )
    return result


def summary_sections(s: StoreSummary, *, label: str) -> list[Section]:
    """The store-contents sections of a report (counts, top institutions, quarantine)."""
    sec = Section(
        f"{label}: store contents",
        intro=("SYNTHETIC DATA. " if s.synthetic else "")
        + ", ".join(f"{k} {v:,}" for k, v in s.tables.items() if v and k != "quarantine"),
        method="Counts of stored records. Works by country use full counting: a work counts "
        "once for every country among its authorships' institutions.",
    )
    years = s.works_by_year.to_pylist()
    sec.chart(
        "Works by publication year",
        bar_chart([str(r["year"]) for r in years], [float(r["works"]) for r in years]),
    )
    sec.table("Works by type", s.works_by_type, max_rows=12)
    sec.table("Works by country (top 20)", s.works_by_country, max_rows=20)
    sec.table("Institutions by type", s.institutions_by_type, max_rows=12)
    sec.table("Top institutions by works", s.top_institutions, max_rows=20)
    if s.patents_by_country.num_rows:
        sec.table("Patents by assignee country", s.patents_by_country, max_rows=15)
    q = Section(
        f"{label}: ingest history and quarantine",
        method="Every file is one atomic batch; read = stored + replaced + rejected + "
        "duplicates + filtered. Rejected records are kept in the quarantine table and a "
        "JSONL file beside the store.",
    )
    q.table(
        "Ingest log",
        s.ingest_log.select(
            [
                "batch_id",
                "source",
                "file",
                "read",
                "stored",
                "replaced",
                "rejected",
                "duplicates",
                "filtered",
                "status",
            ]
        ),
        max_rows=50,
    )
    if s.quarantine.num_rows:
        q.table("Quarantined records by reason", s.quarantine)
    else:
        q.text("No record was rejected.")
    return [sec, q]


def _positioning_outcome(row: dict[str, Any]) -> str:
    """A positioning row as its class, level and the level's 95 % interval."""
    if row["level"] is None:
        return str(row["class"])
    text = f"{row['class']} (L = {row['level']:.0f})"
    if row["level_low"] is not None and row["level_high"] is not None:
        text += f" [95 %: {row['level_low']:.0f}–{row['level_high']:.0f}]"
    return text


def planted_facts_section(store: Store, manifest: WorldManifest) -> Section:
    """Each fact planted in the synthetic world next to what forcemap's analyses found.

    This is the demo's self-check: the same public functions a user calls, run on a world
    whose answers are known.
    """
    from forcemap.decide.actors import strategic_actors
    from forcemap.decide.bottlenecks import bottlenecks
    from forcemap.decide.positioning import positioning
    from forcemap.indicators.disruption import disruption
    from forcemap.indicators.emergence import emergence_score
    from forcemap.network import build_network, gatekeepers

    planted: dict[str, dict[str, Any]] = manifest.planted
    rows: list[tuple[str, str, str]] = []

    lead = planted["leading_country"]
    pos = positioning(store, country=lead["country"], industries=[lead["industry"]])
    got = pos.table.to_pylist()
    rows.append(
        (
            lead["description"],
            f"positioning of {lead['country']} in {lead['industry']}",
            _positioning_outcome(got[0]) if got else "no evidence",
        )
    )

    bn = planted["bottleneck"]
    b = bottlenecks(store, country=bn["dependent_country"])
    ranked = [r for r in b.table.to_pylist() if r["cpc"] == bn["cpc_group"]]
    rows.append(
        (
            bn["description"],
            f"bottlenecks for {bn['dependent_country']}: rank of {bn['cpc_group']}",
            f"rank {ranked[0]['rank']} in {ranked[0]['industry']} (score {ranked[0]['score']:.3f})"
            if ranked
            else "not found",
        )
    )
    trade = b.evidence.get("trade")
    dep = (
        [r for r in trade.to_pylist() if r["hs6"] == bn["hs6"] and r["dependent"]]
        if trade is not None
        else []
    )
    rows.append(
        (
            f"{bn['dependent_country']} imports HS {bn['hs6']} only from "
            f"{' and '.join(bn['exporters'])}.",
            "EU 2021 dependency test",
            "dependency" if dep else "not flagged",
        )
    )

    dw = planted["disruptive_work"]
    cd = disruption(store, window=5, variants=False)
    hit = [r for r in cd.to_pylist() if r["id"] == dw["work_id"]]
    rows.append(
        (
            dw["description"],
            f"CD_5 of {dw['work_id']}",
            f"{hit[0]['cd']:+.3f} (n_i {hit[0]['n_i']}, n_j {hit[0]['n_j']}, n_k {hit[0]['n_k']})"
            if hit and hit[0]["cd"] is not None
            else "undefined",
        )
    )

    em = planted["emerging_topic"]
    es = emergence_score(store, unit="topic").to_pylist()
    qualified = sorted(
        (r for r in es if r["qualified"]), key=lambda r: -(r["escore"] or float("-inf"))
    )
    rank = next((i + 1 for i, r in enumerate(qualified) if r["unit_id"] == em["topic_id"]), None)
    rows.append(
        (
            em["description"],
            f"emergence rank of {em['topic_id']} among {len(qualified)} qualified topics",
            f"rank {rank}" if rank else "not qualified",
        )
    )

    from forcemap.decide.watch import technology_watch

    watch = technology_watch(store, country="CN", unit="topic", top=20)
    tw = watch.table.to_pylist()
    wrank = next((r["rank"] for r in tw if r["unit"] == em["topic_id"]), None)
    seeds = watch.evidence["disruptive_works"].to_pylist()
    srank = next((r["rank"] for r in seeds if r["id"] == dw["work_id"]), None)
    rows.append(
        (
            dw["description"],
            "technology watch: seeds of disruptive technologies (by mCD_5)",
            f"rank {srank}" if srank else "not among the seeds",
        )
    )
    rows.append(
        (
            em["description"],
            "technology watch (topics, equal weights)",
            f"rank {wrank}" if wrank else "not in the top 20",
        )
    )

    br = planted["broker_organization"]
    coauthors = build_network(store, kind="org_collaboration", layers=("coauthorship",))
    gk = gatekeepers(coauthors, n=20).to_pylist()
    ids = [r["node_id"] for r in gk]
    found = (
        f"rank {ids.index(br['org_id']) + 1}: cuts off {gk[ids.index(br['org_id'])]['cut_off']} "
        f"organisations in {gk[ids.index(br['org_id'])]['groups_cut_off']} groups"
        if br["org_id"] in ids
        else "not among the top 20 gatekeepers"
    )
    rows.append((br["description"], "gatekeepers of the co-authorship network", found))

    se = planted["strong_enterprise"]
    act = strategic_actors(store, country=None, industry=se["industry"], top=50).table
    arank = next((r["rank"] for r in act.to_pylist() if r["org_id"] == se["org_id"]), None)
    rows.append(
        (
            se["description"],
            f"strategic actors in {se['industry']}, all countries",
            f"rank {arank}" if arank else "not in top 50",
        )
    )
    from forcemap.decide.panel import review_panel

    cf = planted["coauthor_conflict"]
    panel = review_panel(store, applicants=[cf["author_a"]], text="synthetic", size=3)
    hit = [
        r
        for r in panel.evidence["excluded"].to_pylist()
        if r["author_id"] == cf["author_b"] and r["rule"] == "coauthorship"
    ]
    rows.append(
        (
            cf["description"],
            f"review panel with applicant {cf['author_a']}: is {cf['author_b']} excluded?",
            f"excluded (co-authorship, {', '.join(hit[0]['evidence'])})" if hit else "not excluded",
        )
    )
    sec = Section(
        "Synthetic world: planted facts and what forcemap found",
        intro="SYNTHETIC DATA. The synthetic world hides known facts; the analyses below run on "
        "it with their default parameters and should find them.",
        method="Each row runs one public function (positioning, bottlenecks, disruption, "
        "emergence_score, technology_watch, network gatekeepers, strategic_actors, "
        "review_panel) on the synthetic store.",
    )
    import pyarrow as pa

    sec.table(
        "Planted facts",
        pa.table(
            {
                "planted": [r[0] for r in rows],
                "check": [r[1] for r in rows],
                "found": [r[2] for r in rows],
            }
        ),
    )
    return sec


def _with_intervals(result: DecisionResult) -> DecisionResult:
    """A benchmark result for the report: each figure with an interval (``<fig>_low`` /
    ``_high`` columns) shown as ``value [low–high]``, a partial year as ``2022 (partial)``."""
    import dataclasses

    import pyarrow as pa

    t = result.table
    cols: dict[str, Any] = {}
    rows = t.to_pylist()
    for name in t.column_names:
        if name.endswith(("_low", "_high")):
            continue
        if f"{name}_low" in t.column_names:
            fmt = ".1f" if name == "works_frac" else ".3f"
            cells = []
            for r in rows:
                v, lo, hi = r[name], r[f"{name}_low"], r[f"{name}_high"]
                cell = "–" if v is None else format(v, fmt)
                if v is not None and lo is not None and hi is not None:
                    cell += f" [{format(lo, fmt)}–{format(hi, fmt)}]"
                cells.append(cell)
            cols[name] = pa.array(cells, pa.string())
        elif name == "year" and "partial" in t.column_names:
            cols[name] = pa.array(
                [f"{r['year']}" + (" (partial)" if r["partial"] else "") for r in rows]
            )
        else:
            cols[name] = t[name]
    return dataclasses.replace(result, table=pa.table(cols))


def more_decision_sections(
    real: Store, synth: Store, real_label: str, synth_label: str
) -> list[Section]:
    """Benchmarking, IP landscape, watch, consortium, portfolio, pathways and talent."""
    from forcemap.decide.benchmark import benchmark
    from forcemap.decide.benchmark_series import benchmark_series
    from forcemap.decide.consortium import consortium
    from forcemap.decide.explore import pathways
    from forcemap.decide.landscape import landscape
    from forcemap.decide.portfolio import allocate_budget, project_review
    from forcemap.decide.talent import talent
    from forcemap.decide.watch import technology_watch
    from forcemap.report.sections import decision_section

    bench_cols = ["unit_name", "country", "rank", "works", "works_frac", "world_share",
                  "mncs", "pp_top10", "intl_copub_share", "industry_academia_share", "patents",
                  "fc5_mean", "cagr", "rca", "rta", "impact_evidence"]  # fmt: skip
    series_cols = ["entity_name", "year", "works", "works_frac", "world_share", "mncs",
                   "pp_top10", "intl_copub_share", "industry_academia_share",
                   "impact_evidence"]  # fmt: skip
    talent_cols = ["unit_name", "kind", "rank", "author_name", "org_name", "sector", "outcome",
                   "career_age", "n_works", "mean_ncs", "mean_ncs_low", "mean_ncs_high",
                   "top10_share", "top10_share_low", "top10_share_high", "breadth",
                   "leadership_share", "cohort_relative_impact", "score"]  # fmt: skip
    watch_cols = ["rank", "unit", "name", "status", "score", "first_year", "growth",
                  "growth_low", "growth_high", "coherence", "impact", "impact_low",
                  "impact_high", "records"]  # fmt: skip
    land_cols = ["rank", "name", "country_code", "type", "patents", "patent_share",
                 "patent_share_low", "patent_share_high", "fc5_mean", "top10_share",
                 "top10_share_low", "top10_share_high", "cpc_groups"]  # fmt: skip
    out = [
        decision_section(
            _with_intervals(benchmark(synth, country="CN", industry="nev_batteries")),
            f"{synth_label}: benchmarking CN in NEV batteries",
            bench_cols,
        ),
        decision_section(
            _with_intervals(benchmark(real, country="US", unit="field", industry="Medicine")),
            f"{real_label}: benchmarking the US in medicine",
            bench_cols,
        ),
        decision_section(
            _with_intervals(
                benchmark_series(real, unit="country", units=["US", "GB", "CN", "CA"], span=8)
            ),
            f"{real_label}: benchmarking year by year (countries)",
            series_cols,
            max_rows=32,
        ),
        decision_section(
            _with_intervals(
                benchmark_series(synth, unit="organization", industry="nev_batteries", top=3)
            ),
            f"{synth_label}: the top organisations in NEV batteries year by year",
            series_cols,
            max_rows=30,
        ),
        decision_section(
            landscape(synth, country="CN", industry="semiconductors"),
            f"{synth_label}: IP landscape of semiconductors (CN)",
            land_cols,
            max_rows=15,
        ),
        decision_section(
            landscape(real, country="US", industry="ai"),
            f"{real_label}: IP landscape of AI (US)",
            land_cols,
            max_rows=15,
        ),
        _watch_section(
            technology_watch(synth, country="CN", unit="topic", top=15),
            f"{synth_label}: technology watch (topics, CN)",
            watch_cols,
        ),
        _watch_section(
            technology_watch(real, country="US", unit="concept", top=15),
            f"{real_label}: technology watch (concepts, US)",
            watch_cols,
        ),
        decision_section(
            consortium(synth, industry="robotics", size=5, min_types={"university": 1}),
            f"{synth_label}: a robotics consortium (5 members, at least one university)",
            [
                "role",
                "org_id",
                "name",
                "type",
                "country_code",
                "strength",
                "contribution",
                "covers",
                "why",
            ],
        ),
        decision_section(
            project_review(synth),
            f"{synth_label}: project review (stage gate)",
            [
                "project_id",
                "title",
                "recommendation",
                "score",
                "goal_attainment",
                "impact",
                "works",
                "patents",
                "cost_per_output",
                "collaboration",
                "reasons",
            ],
            max_rows=20,
        ),
        decision_section(
            allocate_budget(synth, budget=30_000_000, max_share_per_industry=0.3),
            f"{synth_label}: allocating a budget of 30 M across candidate projects",
            [
                "project_id",
                "title",
                "selected",
                "industry",
                "cost",
                "value",
                "positioning_class",
                "bottleneck",
                "performance",
                "recommendation",
            ],
            max_rows=20,
        ),
        decision_section(
            pathways(real, query="borderline personality disorder psychotherapy", min_size=10),
            f"{real_label}: technical pathways of a real review pool (borderline personality "
            "disorder)",
            [
                "rank",
                "label",
                "size",
                "share",
                "top_organizations",
                "momentum",
                "cagr_5y",
                "first_year",
            ],
        ),
        _real_panel(real, real_label),
        decision_section(
            talent(real, country="US", unit="field", top=5),
            f"{real_label}: talent in the US",
            talent_cols,
        ),
    ]
    return out


def _watch_section(result: Any, title: str, columns: list[str]) -> Section:
    """The watch list (each entry's status and the evidence of its attributes), the generic
    concepts left out and, below them, the seeds: the most disruptive works in scope."""
    from forcemap.report.sections import decision_section

    sec = decision_section(result, title, columns)
    generic = result.evidence.get("generic")
    if generic is not None and generic.num_rows:
        sec.table(
            "Generic concepts, not ranked (concept level, document frequency, spread across "
            "fields)",
            generic.select(["name", "level", "records", "doc_share", "field_share", "reason"]),
            max_rows=10,
        )
    seeds = result.evidence["disruptive_works"]
    if seeds.num_rows:
        sec.table(
            "Seeds of disruptive technologies: works by mCD_5 = CD_5 × citers (any year)",
            seeds.select(["rank", "id", "title", "year", "cd", "mcd", "citations"]),
            max_rows=10,
        )
    return sec


def _real_panel(real: Store, label: str) -> Section:
    """A review panel on the real sample: the most prolific recent author applies; the panel
    section lists the real co-authors excluded, each with the shared work."""
    from forcemap.decide.panel import review_panel
    from forcemap.report.sections import decision_section

    row = real.sql(
        """SELECT a.author_id, any_value(a.author_name), count(DISTINCT a.work_id) AS n
           FROM authorships a JOIN works w USING (work_id)
           WHERE a.author_id IS NOT NULL AND w.year >= (SELECT max(year) - 4 FROM works)
           GROUP BY a.author_id ORDER BY n DESC, a.author_id LIMIT 1"""
    ).fetchall()
    if not row:
        return Section(f"{label}: a review panel", "No authors in the last five years.")
    applicant, name = row[0][0], row[0][1]
    r = review_panel(real, applicants=[applicant], text="borderline personality disorder", size=5)
    sec = decision_section(
        r,
        f"{label}: a review panel for a project by {name} ({applicant})",
        ["role", "author_id", "name", "org", "country", "type", "match", "reasons"],
    )
    exc = r.evidence["excluded"]
    if exc.num_rows:
        sec.table(
            f"Excluded for conflicts of interest ({exc.num_rows:,} rows; first 25)",
            exc.select(["author_id", "name", "rule", "detail"]),
            max_rows=25,
        )
    return sec
