"""The demo pipeline behind ``make demo``: real data and a synthetic world, kept apart.

* ``<out>/real.duckdb``: the real SYNERGY OpenAlex sample, the USPTO grant records and a small
  file with deliberate defects (to show the quarantine), organisations resolved.
* ``<out>/synthetic.duckdb``: a small synthetic world (all formats, planted facts), labelled
  synthetic in the store (``origin``) and in the report.
* ``<out>/report.html``: the demo report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from forcemap._data import data_path
from forcemap._progress import rich_progress
from forcemap.report import Section, bar_chart, render_report
from forcemap.report.sections import network_sections
from forcemap.store import IngestReport, Store
from forcemap.store.ingest import ingest
from forcemap.store.summary import StoreSummary, summarise

__all__ = ["DemoResult", "build_demo", "summary_sections"]

SYNTH_SCALE = 0.25
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
    from forcemap.store.organizations import resolve_organizations
    from forcemap.store.synth import write_world

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
    run(real, "openalex", [demo / "synergy_v1_works.jsonl.gz"])
    run(real, "openalex", [demo / "openalex_with_errors.jsonl"])
    run(real, "uspto", [demo / "doc.json", demo / "biblio.json"])
    resolve_organizations(real)

    world = out / "synthetic-world"
    shutil.rmtree(world, ignore_errors=True)
    write_world(world, scale=SYNTH_SCALE, seed=SYNTH_SEED)
    synth = Store.open(synth_path)
    run(synth, "openalex", [world / "openalex"], origin="synthetic:openalex")
    run(synth, "patentsview", [world / "patentsview"])
    run(synth, "projects", [world / "projects"])
    run(synth, "trade", [world / "trade" / "baci.csv"])
    resolve_organizations(synth)

    real_label = "Real data (SYNERGY + USPTO sample)"
    synth_label = f"Synthetic world (scale {SYNTH_SCALE}, seed {SYNTH_SEED})"
    sections = summary_sections(summarise(real), label=real_label)
    sections += summary_sections(summarise(synth), label=synth_label)
    sections += network_sections(real, label=real_label)
    sections += network_sections(synth, label=synth_label)
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
        method="Every file is one atomic batch; read = stored + rejected + merged duplicates. "
        "Rejected records are kept in the quarantine table and a JSONL file beside the store.",
    )
    q.table(
        "Ingest log",
        s.ingest_log.select(
            ["batch_id", "source", "file", "read", "stored", "rejected", "duplicates", "status"]
        ),
        max_rows=50,
    )
    if s.quarantine.num_rows:
        q.table("Quarantined records by reason", s.quarantine)
    else:
        q.text("No record was rejected.")
    return [sec, q]
