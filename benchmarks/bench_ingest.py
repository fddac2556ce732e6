"""Ingest benchmark: forcemap's OpenAlex reader vs the baseline a user would write.

Generates (once, cached under ``bench-out/``) a synthetic world whose OpenAlex part files are
at least ``--min-mb`` MB gzipped, then in the same run:

* forcemap: ``forcemap --store S ingest openalex DIR`` in a subprocess (peak RSS measured by
  the OS for that process alone);
* baseline: ``json.loads`` per record and pandas per record (``pd.json_normalize`` of the work,
  its authorships and references), concatenated and written to a DuckDB file — the code
  an analyst typically writes — also in its own subprocess.

Prints records/s, the ratio, peak RSS and the store size against the gzipped input.
Targets (issue 2): ≥ 5× the baseline's records/s, peak RSS < 2 GB, store ≤ gzipped input.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-out"

BASELINE = r"""
import gzip, json, sys, time
from pathlib import Path
import duckdb
import pandas as pd

files = sorted(Path(sys.argv[1]).rglob("*.gz"))
limit = int(sys.argv[3])
works, auths, refs = [], [], []
n = 0
t0 = time.perf_counter()
for f in files:
    with gzip.open(f, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            works.append(pd.json_normalize(rec, max_level=1)[
                ["id", "doi", "title", "publication_year", "type", "cited_by_count"]])
            if rec["authorships"]:
                auths.append(pd.json_normalize(
                    rec["authorships"], "institutions", ["author_position", ["author", "id"]],
                    record_prefix="inst_", errors="ignore").assign(work_id=rec["id"]))
            refs.append(pd.DataFrame({"citing": rec["id"], "cited": rec["referenced_works"]}))
            n += 1
            if n >= limit:
                break
    if n >= limit:
        break
con = duckdb.connect(sys.argv[2])
for name, parts in (("works", works), ("authorships", auths), ("refs", refs)):
    df = pd.concat(parts, ignore_index=True)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM df")
con.close()
print(json.dumps({"records": n, "seconds": time.perf_counter() - t0}))
"""


# Runs a command in a fresh intermediate process, so that RUSAGE_CHILDREN's peak RSS is that
# command's alone (ru_maxrss of children is a maximum over every child ever waited for).
_WRAP = r"""
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(p.stdout)
sys.stderr.write(p.stderr)
sys.stderr.write("\nPEAK_RSS_KB %d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(p.returncode)
"""


def _run(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; return (seconds, peak RSS in MB of that command alone, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-c", _WRAP, *cmd], capture_output=True, text=True, check=False
    )
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{p.stderr[-3000:]}")
    peak_kb = int(p.stderr.rsplit("PEAK_RSS_KB ", 1)[1].split()[0])
    return dt, peak_kb / 1024, p.stdout


def world(min_mb: float) -> Path:
    """A cached synthetic world whose OpenAlex files total at least ``min_mb`` MB gzipped."""
    from forcemap.store.synth import write_world

    scale = max(1.0, min_mb / 12.0)  # ~12.7 MB of gzipped OpenAlex per unit of scale
    d = OUT / f"ingest-world-{min_mb:g}mb"
    marker = d / "manifest.json"
    if not marker.exists():
        print(f"generating synthetic world (scale {scale:g}) into {d} …", flush=True)
        t0 = time.perf_counter()
        write_world(d, scale=scale, seed=1)
        print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)
    size = sum(f.stat().st_size for f in (d / "openalex").rglob("*.gz")) / 1e6
    if size < min_mb:
        raise SystemExit(f"world is {size:.0f} MB < {min_mb} MB: raise the scale factor")
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--min-mb", type=float, default=200.0, help="gzipped OpenAlex input size")
    ap.add_argument(
        "--baseline-records",
        type=int,
        default=20000,
        help="records the baseline processes (its rate is extrapolated; labelled)",
    )
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    w = world(args.min_mb)
    oa = w / "openalex" / "works"
    gz_bytes = sum(f.stat().st_size for f in oa.rglob("*.gz"))

    base_store = OUT / "baseline.duckdb"
    base_store.unlink(missing_ok=True)
    script = OUT / "baseline_ingest.py"
    script.write_text(BASELINE)
    _, base_rss, base_out = _run(
        [sys.executable, str(script), str(oa), str(base_store), str(args.baseline_records)]
    )
    b = json.loads(base_out.strip().splitlines()[-1])
    base_rate = b["records"] / b["seconds"]

    store = OUT / "ingest.duckdb"
    store.unlink(missing_ok=True)
    for extra in (".wal",):
        Path(str(store) + extra).unlink(missing_ok=True)
    fm = [sys.executable, "-m", "forcemap", "-q", "--store", str(store), "ingest", "openalex"]
    dt, fm_rss, fm_out = _run([*fm, str(oa)])
    records = int(fm_out.split("read ")[1].split(" ")[0].replace(",", ""))
    fm_rate = records / dt
    store_bytes = store.stat().st_size

    rows = [
        (
            "input (gzipped OpenAlex JSONL)",
            f"{gz_bytes / 1e6:,.0f} MB in "
            f"{len(list(oa.rglob('*.gz')))} part files, {records:,} works",
        ),
        ("forcemap ingest", f"{fm_rate:,.0f} records/s ({dt:,.1f} s, incl. process start-up)"),
        (
            "baseline json+pandas per record",
            f"{base_rate:,.0f} records/s (on the first {b['records']:,} records, "
            f"extrapolated to the whole input: {records / base_rate:,.0f} s)",
        ),
        ("ratio forcemap / baseline", f"{fm_rate / base_rate:,.1f}×   (target ≥ 5×)"),
        ("peak RSS forcemap", f"{fm_rss:,.0f} MB   (target < 2,048 MB)"),
        (
            "store size / gzipped input",
            f"{store_bytes / 1e6:,.0f} MB / {gz_bytes / 1e6:,.0f} MB"
            f" = {store_bytes / gz_bytes:.2f}   (target ≤ 1)",
        ),
    ]
    print("\n== ingest benchmark (same run, same files) ==")
    for k, v in rows:
        print(f"{k:<36} {v}")
    print(f"(baseline peak RSS {base_rss:,.0f} MB on its sample; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
