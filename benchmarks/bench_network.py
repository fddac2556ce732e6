"""Network benchmark: build + analyse an organisation co-authorship network (issue 4).

Generates (once, cached under ``bench-out/``) a synthetic authorships table straight into a
DuckDB store — ≥ 1 M works, 50 k organisations in 500 planted communities, heavy-tailed
(Zipf) organisation sizes, 1–12 organisations per work (geometric), 80 % of a work's partners
from its own community — then, each in its own subprocess (peak RSS measured by the OS):

* forcemap: ``build_network`` (set-based DuckDB) + ``analyse`` (PageRank, Leiden,
  Burt's constraint) on the full world;
* networkx: the same pipeline (pairs per work with itertools + Counter, ``nx.Graph``,
  ``nx.pagerank``, ``nx.community.louvain_communities``, ``nx.constraint``) on a random
  SAMPLE of works (the full world would take hours), and forcemap on the same sample.

Prints times, the same-sample ratio, networkx's time extrapolated to the full world
(linearly in edges: a lower bound, constraint grows faster) and the ratio against it.
Targets: forcemap full < 60 s, ≥ 10× networkx, peak RSS ≤ 4 GB. Synthetic data.
The default 30 % sample costs networkx ~80 s and ~14 GB RSS (``nx.constraint``); use
``--sample 0.1`` on smaller machines (fixed overheads then lower the same-sample ratio).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-out"

GEN = r"""
import sys, time
import numpy as np, pyarrow as pa
from forcemap.store import Store
path, n_works, n_orgs, n_comm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(42)
per = n_orgs // n_comm
# heavy-tailed organisation sizes: Zipf weights within each community and globally
w_in = 1.0 / np.arange(1, per + 1) ** 1.1
w_in /= w_in.sum()
glob = rng.permutation(n_orgs)
w_gl = 1.0 / np.arange(1, n_orgs + 1) ** 1.1
w_gl /= w_gl.sum()
k = np.minimum(1 + rng.geometric(0.45, n_works) - 1, 12)          # orgs per work
k = np.maximum(k, 1)
work = np.repeat(np.arange(n_works), k)
comm = rng.integers(0, n_comm, n_works)[work]
local = rng.random(len(work)) < 0.8
org = np.where(local, comm * per + rng.choice(per, len(work), p=w_in),
               glob[rng.choice(n_orgs, len(work), p=w_gl)])
seq = np.arange(len(work)) - np.repeat(np.cumsum(k) - k, k) + 1
types = np.array(["education", "company", "government", "facility", "healthcare"])
ccs = np.array(["CN", "US", "DE", "JP", "FR", "GB", "KR", "IT"])
with Store.open(path) as s:
    con = s.con
    a = pa.table({"w": work, "seq": seq.astype(np.int16), "o": org})
    con.execute("INSERT INTO authorships (work_id, author_seq, institution_id, country_code) "
                "SELECT 'W' || w, seq, 'I' || o, $c[1 + (o % 8)] FROM a", {"c": ccs.tolist()})
    con.execute("INSERT INTO works (work_id, year, origin, batch_id) "
                "SELECT 'W' || range, 2000 + range % 20, 'synthetic:bench', 0 "
                "FROM range($n)", {"n": n_works})
    con.execute("INSERT INTO institutions SELECT 'I' || range, NULL, 'Org ' || range, "
                "$t[1 + (range % 5)], $c[1 + (range % 8)], NULL, 'synthetic:bench' "
                "FROM range($n)", {"n": n_orgs, "t": types.tolist(), "c": ccs.tolist()})
    print(len(work), "authorships", flush=True)
"""

FORCEMAP = r"""
import json, resource, sys, time
from forcemap.store import Store
from forcemap.network import analyse, build_network
path = sys.argv[1]
t0 = time.perf_counter()
with Store.open(path, read_only=True) as s:
    net = build_network(s, layers=("coauthorship",))
t1 = time.perf_counter()
a = analyse(net, measures=("pagerank", "leiden", "constraint"))
t2 = time.perf_counter()
print(json.dumps({"build": t1 - t0, "analyse": t2 - t1, "total": t2 - t0,
                  "nodes": net.nodes.num_rows, "edges": net.edges.num_rows,
                  "modularity": a.summary["modularity"],
                  "communities": a.summary["n_communities"],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

NX = r"""
import json, resource, sys, time
from collections import Counter
from itertools import combinations
import duckdb, networkx as nx
path = sys.argv[1]
t0 = time.perf_counter()
con = duckdb.connect(path, read_only=True)
rows = con.execute("SELECT work_id, institution_id FROM authorships "
                   "WHERE institution_id IS NOT NULL ORDER BY work_id").fetchall()
by_work = {}
for w, o in rows:
    by_work.setdefault(w, set()).add(o)
pairs = Counter()
nodes = set()
for orgs in by_work.values():
    nodes |= orgs
    for p in combinations(sorted(orgs), 2):
        pairs[p] += 1
G = nx.Graph()
G.add_nodes_from(nodes)
G.add_weighted_edges_from((a, b, w) for (a, b), w in pairs.items())
t1 = time.perf_counter()
pr = nx.pagerank(G, weight="weight")
t2 = time.perf_counter()
comms = nx.community.louvain_communities(G, weight="weight", seed=0)
t3 = time.perf_counter()
c = nx.constraint(G, weight="weight")
t4 = time.perf_counter()
print(json.dumps({"build": t1 - t0, "pagerank": t2 - t1, "louvain": t3 - t2,
                  "constraint": t4 - t3, "total": t4 - t0, "nodes": G.number_of_nodes(),
                  "edges": G.number_of_edges(),
                  "modularity": nx.community.modularity(G, comms, weight="weight"),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SAMPLE = r"""
import sys
from forcemap.store import Store
src, dst, frac = sys.argv[1], sys.argv[2], float(sys.argv[3])
with Store.open(dst) as s:
    s.con.execute("ATTACH $p AS src (READ_ONLY)", {"p": src})
    s.con.execute("CREATE TEMP TABLE _w AS SELECT work_id FROM src.works "
                  "WHERE hash(work_id) % 1000000 < $k", {"k": int(frac * 1_000_000)})
    s.con.execute("INSERT INTO works SELECT * FROM src.works WHERE work_id IN (SELECT * FROM _w)")
    s.con.execute("INSERT INTO authorships SELECT * FROM src.authorships "
                  "WHERE work_id IN (SELECT * FROM _w)")
    s.con.execute("INSERT INTO institutions SELECT * FROM src.institutions")
    s.con.execute("DETACH src")
"""


def _run(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--works", type=int, default=1_000_000)
    ap.add_argument("--orgs", type=int, default=50_000)
    ap.add_argument("--communities", type=int, default=500)
    ap.add_argument("--sample", type=float, default=0.3, help="networkx sample of works")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    world = OUT / f"network-{args.works}-{args.orgs}.duckdb"
    if not world.exists():
        t = time.perf_counter()
        tmp = world.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-c",
                GEN,
                str(tmp),
                str(args.works),
                str(args.orgs),
                str(args.communities),
            ],
            check=True,
        )
        tmp.rename(world)
        print(f"generated {world.name} in {time.perf_counter() - t:.1f} s (synthetic)")
    sample = OUT / f"network-sample-{args.sample}.duckdb"
    sample.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-c", SAMPLE, str(world), str(sample), str(args.sample)], check=True
    )

    full = _run(FORCEMAP, str(world))
    fm_s = _run(FORCEMAP, str(sample))
    nx_s = _run(NX, str(sample))
    print(f"SYNTHETIC world: {args.works:,} works, {args.orgs:,} organisations")
    print(
        f"forcemap full : {full['nodes']:,} nodes {full['edges']:,} edges  build "
        f"{full['build']:.1f} s + analyse {full['analyse']:.1f} s = {full['total']:.1f} s, "
        f"Q={full['modularity']:.3f}, peak RSS {full['rss_mb']:,.0f} MB"
    )
    print(f"SAMPLE ({args.sample:.0%} of works): {nx_s['nodes']:,} nodes {nx_s['edges']:,} edges")
    print(
        f"  forcemap : {fm_s['total']:.2f} s (Q={fm_s['modularity']:.3f}, "
        f"RSS {fm_s['rss_mb']:,.0f} MB)"
    )
    print(
        f"  networkx : {nx_s['total']:.2f} s (build {nx_s['build']:.1f}, pagerank "
        f"{nx_s['pagerank']:.1f}, louvain {nx_s['louvain']:.1f}, constraint "
        f"{nx_s['constraint']:.1f}; Q={nx_s['modularity']:.3f}, RSS {nx_s['rss_mb']:,.0f} MB)"
    )
    ratio_s = nx_s["total"] / fm_s["total"]
    extrap = nx_s["total"] * full["edges"] / max(nx_s["edges"], 1)
    print(f"  ratio on the same sample: {ratio_s:.1f}x")
    print(
        f"networkx full, EXTRAPOLATED linearly in edges (lower bound): {extrap:,.0f} s "
        f"-> ratio {extrap / full['total']:.1f}x"
    )
    ok = full["total"] < 60 and full["rss_mb"] <= 4096 and extrap / full["total"] >= 10
    print("targets (< 60 s, >= 10x, <= 4 GB):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
