"""Run every benchmark in this folder (``make bench``); each prints its own ratios.

Benchmarks compare forcemap with reference tools measured in the same run; absolute times
on shared machines are not comparable between runs.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n######## {script.name} ########", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)])
        print(f"######## {script.name}: exit {rc} in {time.perf_counter() - t0:,.0f} s", flush=True)
        if rc:
            failed.append(script.name)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
