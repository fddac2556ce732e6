"""Economic-complexity benchmark: forcemap vs py-ecomplexity 0.5.3, same data, same run.

Data (synthetic, seeded): ``--locs`` countries × ``--prods`` products (default 250 × 5,000) with
a nested-ish structure: country capability a_c ~ U(0, 1), product sophistication b_p ~ U(0, 1),
country c exports p with probability sigmoid(12·(a_c − b_p)), values log-normal scaled by
capability; every country and product has at least one positive value. Only positive cells are
given (as a real trade extract would be).

Timed:

* forcemap ``rca`` → ``presence_matrix`` → ``eci_pci`` + ``density`` (the ECI/PCI/density
  pipeline), and the same plus ``complexity_outlook`` + ``complexity_outlook_gain``;
* ``ecomplexity.ecomplexity(df, cols, verbose=False, check_logsupermodularity=False)``, which
  always computes RCA, M, ECI/PCI, proximity, density, COI and COG in one call (the
  log-supermodularity sampling check, absent from forcemap, is switched off).

Prints a table with seconds, the ratio ecomplexity / forcemap (target ≥ 5×) and max |Δ| of ECI,
PCI, density, COI and COG. Usage: ``python benchmarks/bench_complexity.py [--locs N]
[--prods N] [--seed S]``. Synthetic data.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pyarrow as pa


def make_data(n_loc: int, n_prod: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 1, n_loc)
    b = rng.uniform(0, 1, n_prod)
    prob = 1 / (1 + np.exp(-(12 * (a[:, None] - b[None, :]))))
    present = rng.uniform(size=(n_loc, n_prod)) < prob
    present[rng.integers(0, n_loc, n_prod), np.arange(n_prod)] = True
    present[np.arange(n_loc), rng.integers(0, n_prod, n_loc)] = True
    vals = rng.lognormal(10 + 3 * a[:, None], 2.0, size=(n_loc, n_prod)) * present
    li, pj = np.nonzero(vals)
    locs = np.array([f"c{i:03d}" for i in range(n_loc)])
    prods = np.array([f"p{j:05d}" for j in range(n_prod)])
    return pa.table({"loc": locs[li], "prod": prods[pj], "value": vals[li, pj]})


def run_forcemap(t: pa.Table, *, outlook: bool) -> tuple[float, dict[str, pa.Table]]:
    from forcemap.indicators import complexity as cx
    from forcemap.indicators import product_space as psp
    from forcemap.indicators.specialisation import presence_matrix

    t0 = time.perf_counter()
    m = presence_matrix(t)
    eci, pci = cx.eci_pci(m)
    dens = psp.density(m)
    out = {"eci": eci, "pci": pci, "density": dens}
    if outlook:
        out["coi"] = psp.complexity_outlook(m)
        out["cog"] = psp.complexity_outlook_gain(m)
    return time.perf_counter() - t0, out


def run_ecomplexity(t: pa.Table) -> tuple[float, object]:
    from ecomplexity import ecomplexity

    df = t.to_pandas()
    df["year"] = 2000
    cols = {"time": "year", "loc": "loc", "prod": "prod", "val": "value"}
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ecomplexity(df, cols, verbose=False, check_logsupermodularity=False)
    return time.perf_counter() - t0, out


def max_diffs(ours: dict[str, pa.Table], py: object) -> dict[str, float]:
    import pandas as pd

    if not isinstance(py, pd.DataFrame):
        raise TypeError("ecomplexity returned no DataFrame")
    res: dict[str, float] = {}
    c = py.groupby("loc")[["eci", "coi"]].first()
    p = py.groupby("prod")["pci"].first()
    e = ours["eci"].to_pandas().set_index("loc")["eci"]
    res["eci"] = float((e - c["eci"].reindex(e.index)).abs().max())
    q = ours["pci"].to_pandas().set_index("prod")["pci"]
    res["pci"] = float((q - p.reindex(q.index)).abs().max())
    cell = py.set_index(["loc", "prod"])
    d = ours["density"].to_pandas().set_index(["loc", "prod"])["density"]
    res["density"] = float((d - cell["density"].reindex(d.index)).abs().max())
    if "coi" in ours:
        o = ours["coi"].to_pandas().set_index("loc")["coi"]
        res["coi"] = float((o - c["coi"].reindex(o.index)).abs().max())
        g = ours["cog"].to_pandas().set_index(["loc", "prod"])["cog"]
        res["cog"] = float((g - cell["cog"].reindex(g.index)).abs().max())
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--locs", type=int, default=250)
    ap.add_argument("--prods", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t = make_data(args.locs, args.prods, args.seed)
    density_pct = 100 * t.num_rows / (args.locs * args.prods)
    print(
        f"synthetic data: {args.locs} locations x {args.prods} products, "
        f"{t.num_rows:,} positive cells ({density_pct:.1f} %)"
    )
    run_forcemap(t.slice(0, 1000), outlook=True)  # warm imports
    fm_s, _ = run_forcemap(t, outlook=False)
    fm_all_s, fm_all = run_forcemap(t, outlook=True)
    py_s, py = run_ecomplexity(t)
    diffs = max_diffs(fm_all, py)
    rows = [
        ("forcemap rca+M+eci/pci+density", fm_s, py_s / fm_s),
        ("forcemap + coi + cog (same outputs as ecomplexity)", fm_all_s, py_s / fm_all_s),
        ("ecomplexity 0.5.3 (one call, all outputs)", py_s, 1.0),
    ]
    print(f"{'run':<52} {'seconds':>9} {'ecomplexity/run':>16}")
    for name, s, r in rows:
        print(f"{name:<52} {s:9.2f} {r:15.1f}x")
    print("max |Δ| forcemap vs ecomplexity: " + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))


if __name__ == "__main__":
    main()
