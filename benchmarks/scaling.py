"""Scaling curve of the embedded engine (and Spark local mode): ingest + impact + CD_5.

``make bench-scale`` runs this. For each size (citations; default 1 M, 5 M, 20 M) it

1. generates a heavy-tailed citation graph (:mod:`citation_graphs`, SYNTHETIC data, ~10
   references per work) and writes it as an OpenAlex snapshot (``works/updated_date=…/part_NNN.gz``,
   JSON Lines, gzipped; each work has a year, type, one level-0 concept among 19 fields, one
   authorship with an institution and country, and its ``referenced_works``);
2. runs, each in a fresh process so that time and peak RSS are its own:
   ``ingest`` (``forcemap ingest openalex``'s reader into a new store), ``impact``
   (field-normalised citation score and percentile ranks, field = level-0 concept, by type)
   and ``cd5`` (CD_5 with n_i, n_j, n_k and the variants);
3. for the sizes in ``--spark-sizes`` (default 1 M and 5 M), the same impact + CD_5 on Spark
   ``local[2]`` (``run_spark_indicators``: export → Spark → Parquet commit; session start-up
   included), checking the CD table equals the embedded one.

Prints one Markdown table (time in s, peak RSS in MB per step) and the per-citation costs the
cluster estimate in ``docs/spark.md`` is derived from. Absolute times depend on the machine and
its load; the *ratios* (growth per size step, Spark ÷ embedded) are what to compare.

Usage::

    python benchmarks/scaling.py [--sizes 1e6,5e6,2e7] [--spark-sizes 1e6] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from citation_graphs import heavy_tailed_citation_graph  # noqa: E402

N_FIELDS = 19
COUNTRIES = ("US", "CN", "DE", "GB", "JP", "FR", "KR", "IN", "IT", "CA", "BR", "NL")
PARTS = 8


def write_openalex(n_citations: int, out: Path, seed: int = 0) -> tuple[int, int, float]:
    """Write a synthetic OpenAlex snapshot of about ``n_citations`` citations under ``out``.

    Returns (works, citations, seconds).
    """
    import duckdb

    t0 = time.perf_counter()
    g = heavy_tailed_citation_graph(max(1000, n_citations // 10), seed=seed)
    # an in-memory DuckDB spills to ./.tmp by default: keep the spill beside ``out``
    con = duckdb.connect(config={"temp_directory": str(out.parent / ".duckdb-tmp")})
    con.register("e", pa.table({"citing": g.citing, "cited": g.cited}))
    con.register("y", pa.table({"ix": np.arange(g.n_works), "year": g.year}))
    con.execute(
        f"""CREATE TEMP TABLE w AS
            SELECT ix, year, (ix * 7919) % {N_FIELDS} AS field, (ix * 104729) % 5000 AS inst,
                   coalesce(r.refs, []) AS refs
            FROM y LEFT JOIN (SELECT citing, list('https://openalex.org/W' || cited) AS refs
                              FROM e GROUP BY citing) r ON r.citing = y.ix"""  # noqa: S608
    )
    countries = "[" + ",".join(f"'{c}'" for c in COUNTRIES) + "]"
    country = f"{countries}[1 + inst % {len(COUNTRIES)}]"
    part_dir = out / "works" / "updated_date=2026-01-01"
    part_dir.mkdir(parents=True, exist_ok=True)
    for p in range(PARTS):
        dest = part_dir / f"part_{p:03d}.gz"
        con.execute(
            f"""COPY (
                SELECT 'https://openalex.org/W' || ix AS id,
                       'Synthetic work ' || ix AS display_name,
                       year AS publication_year, 'article' AS type,
                       '2026-01-01T00:00:00' AS updated_date,
                       [{{'id': 'https://openalex.org/C' || (100 + field),
                          'display_name': 'Field ' || field, 'level': 0, 'score': 0.9}}]
                           AS concepts,
                       [{{'author_position': 'first',
                          'author': {{'id': 'https://openalex.org/A' || ix,
                                      'display_name': 'Author ' || ix}},
                          'institutions': [{{'id': 'https://openalex.org/I' || inst,
                                             'display_name': 'Institution ' || inst,
                                             'type': 'education',
                                             'country_code': {country}
                                           }}]}}] AS authorships,
                       refs AS referenced_works
                FROM w WHERE ix % {PARTS} = {p}
            ) TO '{dest}' (FORMAT json, COMPRESSION gzip)"""  # noqa: S608 (constants only)
        )
    con.close()
    return g.n_works, g.n_citations, time.perf_counter() - t0


def run_step(step: str, store: str, data: str) -> dict[str, float]:
    """One step in this process; returns seconds and peak RSS (MB)."""
    from forcemap.store import Store

    t0 = time.perf_counter()
    if step == "ingest":
        from forcemap.store.ingest.openalex import ingest_openalex

        with Store.open(store) as s:
            rep = ingest_openalex(s, [data])
        extra = {"rows": float(rep.stored)}
    elif step == "impact":
        from forcemap.indicators.impact import field_normalised_citation_score, percentile_rank

        with Store.open(store, read_only=True) as s:
            a = field_normalised_citation_score(s)
            b = percentile_rank(s)
        extra = {"rows": float(a.num_rows + b.num_rows)}
    elif step == "cd5":
        from forcemap.indicators.disruption import disruption

        with Store.open(store, read_only=True) as s:
            t = disruption(s, window=5)
        extra = {"rows": float(t.num_rows)}
    elif step == "spark":
        from forcemap.engine.spark import run_spark_indicators
        from forcemap.engine.spark_io import spark_session

        spark_session("local[2]", **{"spark.driver.memory": "6g"})
        outputs = run_spark_indicators(store, data, indicators=("disruption", "impact"))
        extra = {"rows": float(len(outputs))}
    else:
        raise SystemExit(f"unknown step {step}")
    secs = time.perf_counter() - t0
    # the Spark JVM is a live child process of this one: add its peak (VmHWM)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + descendants_peak_mb()
    return {"seconds": secs, "rss_mb": rss, **extra}


def descendants_peak_mb() -> float:
    """Sum of the peak RSS (VmHWM) of this process's live descendants, in MB (Linux)."""
    parent: dict[int, int] = {}
    hwm: dict[int, int] = {}
    for st in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in st.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(st.parent.name)
        parent[pid] = int(fields.get("PPid", "0"))
        hwm[pid] = int(fields.get("VmHWM", "0 kB").split()[0])
    me, total = os.getpid(), 0
    for pid in parent:
        p = parent[pid]
        while p and p != me:
            p = parent.get(p, 0)
        if p == me:
            total += hwm[pid]
    return total / 1024


def child(step: str, store: Path, data: Path) -> dict[str, float]:
    """Run ``step`` in a fresh Python process (own time and peak RSS)."""
    cmd = [sys.executable, __file__, "--step", step, "--store", str(store), "--data", str(data)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode:
        sys.stderr.write(res.stderr[-4000:])
        raise SystemExit(f"step {step} failed (exit {res.returncode})")
    return json.loads(res.stdout.strip().splitlines()[-1])


def spark_equals_embedded(store: Path, out: Path) -> str:
    """Compare Spark's CD output with the embedded one (counts exact, |Δcd| max)."""
    import duckdb

    from forcemap.indicators.disruption import disruption
    from forcemap.store import Store

    with Store.open(store, read_only=True) as s:
        a = disruption(s, window=5, variants=False)
    q = duckdb.connect()
    q.register("a", a)
    row = q.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE a.n_i IS DISTINCT FROM b.n_i
                      OR a.n_j IS DISTINCT FROM b.n_j OR a.n_k IS DISTINCT FROM b.n_k),
                   max(abs(a.cd - b.cd))
            FROM a FULL JOIN read_parquet('{out}/disruption/*.parquet') b ON a.id = b.work_id"""  # noqa: S608
    ).fetchone()
    return f"{row[0]:,} works, count mismatches {row[1]}, max |Δcd| {row[2] or 0:.1e}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,5e6,2e7", help="citation counts, comma-separated")
    ap.add_argument("--spark-sizes", default="1e6,5e6", help="sizes also run on Spark ('' = none)")
    ap.add_argument("--keep", type=Path, help="keep data and stores under this directory")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.store, args.data)))
        return 0
    sizes = [int(float(x)) for x in args.sizes.split(",") if x]
    spark_sizes = {int(float(x)) for x in args.spark_sizes.split(",") if x}
    root = args.keep or Path(tempfile.mkdtemp(prefix="forcemap-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    have_spark = shutil.which("java") is not None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        have_spark = False
    print("SYNTHETIC citation graphs (benchmarks/citation_graphs.py), OpenAlex snapshot layout")
    rows = []
    for n in sizes:
        d = root / f"c{n}"
        shutil.rmtree(d, ignore_errors=True)
        works, cites, gen = write_openalex(n, d / "openalex")
        mb = sum(f.stat().st_size for f in (d / "openalex").rglob("*.gz")) / 2**20
        print(f"\n{cites:,} citations, {works:,} works: {mb:,.0f} MB gzipped JSONL ({gen:.0f} s)")
        store = d / "store.duckdb"
        r = {"works": works, "cites": cites, "mb": mb}
        for step in ("ingest", "impact", "cd5"):
            r[step] = child(step, store, d / "openalex")
            print(f"  {step:7s} {r[step]['seconds']:8.1f} s  peak RSS {r[step]['rss_mb']:7,.0f} MB")
        if n in spark_sizes and have_spark:
            r["spark"] = child("spark", store, d / "spark-out")
            print(
                f"  spark   {r['spark']['seconds']:8.1f} s  peak RSS (Python + JVM) "
                f"{r['spark']['rss_mb']:7,.0f} MB  (impact + CD_5, local[2], session start incl.)"
            )
            print("  Spark = embedded:", spark_equals_embedded(store, d / "spark-out"))
        rows.append(r)
        if not args.keep:
            shutil.rmtree(d, ignore_errors=True)
    print(
        "\n| citations | works | JSONL.gz MB | ingest s (RSS MB) | impact s (RSS MB) "
        "| CD_5 s (RSS MB) | total s | µs / citation | Spark local[2] impact+CD_5 s (× embedded) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        total = sum(r[s]["seconds"] for s in ("ingest", "impact", "cd5"))
        emb = r["impact"]["seconds"] + r["cd5"]["seconds"]
        spark = (
            f"{r['spark']['seconds']:.0f} (×{r['spark']['seconds'] / emb:.0f})"
            if "spark" in r
            else "–"
        )
        cells = " | ".join(
            f"{r[s]['seconds']:.1f} ({r[s]['rss_mb']:,.0f})" for s in ("ingest", "impact", "cd5")
        )
        print(
            f"| {r['cites']:,} | {r['works']:,} | {r['mb']:,.0f} | {cells} | {total:.1f} "
            f"| {1e6 * total / r['cites']:.2f} | {spark} |"
        )
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        ta = sum(a[s]["seconds"] for s in ("ingest", "impact", "cd5"))
        tb = sum(b[s]["seconds"] for s in ("ingest", "impact", "cd5"))
        print(
            f"\ngrowth: ×{b['cites'] / a['cites']:.0f} citations → ×{tb / ta:.1f} time "
            f"(linear would be ×{b['cites'] / a['cites']:.0f})"
        )
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
