"""Patent families and holder countries at scale: 1 M patents, set-based in DuckDB.

1 M patents (every tenth with a source family id shared by two), 400 k foreign priority
claims shared by pairs, 143 k continuations naming a patent's own application, 1 M assignee
rows of 50 k holders with an address on a third: times :func:`fill_holder_countries` and
:func:`group_patent_families` (issue 19). Run: ``python benchmarks/bench_patent_families.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from forcemap.store import Store
from forcemap.store.patent_resolution import fill_holder_countries, group_patent_families

N = 1_000_000


def main() -> int:
    with tempfile.TemporaryDirectory() as d, Store.open(Path(d) / "f.duckdb") as s:
        c = s.con
        c.execute(
            "INSERT INTO patents (patent_id, family_id, origin, batch_id) "
            "SELECT 'US-' || i, CASE WHEN i % 10 = 0 THEN 'F' || (i // 20) END, 'bench', 0 "
            "FROM range($n) t(i)",
            {"n": N},
        )
        for shift in (0, 1):
            c.execute(
                "INSERT INTO patent_priority SELECT 'US-' || (i + $k), 1, 'JP', 'x', "
                "'PRI:JP:' || (i // 4), NULL, NULL FROM range(0, $n, 5) t(i)",
                {"n": N, "k": shift},
            )
        for shift, rel in ((2, "continuation"), (0, "application")):
            c.execute(
                "INSERT INTO patent_relations SELECT 'US-' || (i + $k), 0, $r, 'US', 'x', "
                "'APP:US:' || i, NULL, NULL, NULL FROM range(0, $n, 7) t(i)",
                {"n": N, "k": shift, "r": rel},
            )
        c.execute(
            "INSERT INTO patent_assignees (patent_id, seq, assignee_id, country_code, "
            "country_source) SELECT 'US-' || i, 1, 'a' || (i % 50000), "
            "CASE WHEN i % 3 = 0 THEN 'US' END, CASE WHEN i % 3 = 0 THEN 'address' END "
            "FROM range($n) t(i)",
            {"n": N},
        )
        t = time.perf_counter()
        filled = fill_holder_countries(c)
        t_fill = time.perf_counter() - t
        t = time.perf_counter()
        fam = group_patent_families(c)
        t_fam = time.perf_counter() - t
    print(f"holder countries: {filled:,} assignee rows filled in {t_fill:.1f} s")
    print(f"patent families of {N:,} patents: {fam} in {t_fam:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
