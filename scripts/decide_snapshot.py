"""Snapshot every ``forcemap decide …`` command's output on the demo stores, and compare two
snapshots: a refactoring that keeps behaviour must leave every table, rule and caveat as it was.

    python scripts/decide_snapshot.py run  --store demo/real.duckdb --store demo/synthetic.duckdb \
        --out /tmp/before
    (change the code)
    python scripts/decide_snapshot.py run  ... --out /tmp/after
    python scripts/decide_snapshot.py diff /tmp/before /tmp/after

``run`` executes each command as a user would (``python -m forcemap --store S decide …``, a
wide terminal, no progress bars), on a copy of each store (so an older schema is migrated on the
copy, never on the original), and writes its standard output, standard error and exit code.
``diff`` prints the commands whose output differs (timings excepted) and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

# (name, arguments after `decide`); {author} and {org} are filled from the store
COMMANDS: list[tuple[str, list[str]]] = [
    ("positioning_cn", ["positioning", "--country", "CN"]),
    ("positioning_us_field", ["positioning", "--country", "US", "--unit", "field", "--matrix"]),
    ("positioning_cn_bio", ["positioning", "--country", "CN", "--industry", "biomedicine"]),
    ("bottlenecks_us", ["bottlenecks", "--country", "US"]),
    ("bottlenecks_cn_semi", ["bottlenecks", "--country", "CN", "--industry", "semiconductors"]),
    ("actors_us", ["actors", "--country", "US", "--industry", "biomedicine"]),
    ("actors_de_robotics", ["actors", "--country", "DE", "--industry", "robotics"]),
    ("benchmark_cn_nev", ["benchmark", "--country", "CN", "--industry", "nev_batteries"]),
    ("benchmark_us_bio", ["benchmark", "--country", "US", "--industry", "biomedicine"]),
    ("landscape_cn_semi", ["landscape", "--country", "CN", "--industry", "semiconductors"]),
    ("talent_us_field", ["talent", "--country", "US", "--unit", "field"]),
    ("talent_cn_ai", ["talent", "--country", "CN", "--industry", "ai"]),
    ("watch_ai_topic", ["watch", "--industry", "ai", "--unit", "topic"]),
    ("watch_bio", ["watch", "--industry", "biomedicine"]),
    ("consortium_robotics", ["consortium", "--industry", "robotics", "--size", "5"]),
    (
        "consortium_robotics_cn",
        ["consortium", "--industry", "robotics", "--size", "5", "--country", "CN"],
    ),
    ("pathways_quantum", ["pathways", "--industry", "quantum"]),
    ("review", ["review"]),
    ("allocate", ["allocate", "--budget", "5e7", "--max-share-per-industry", "0.3"]),
    (
        "panel_text",
        [
            "panel",
            "--applicant",
            "{author}",
            "--text",
            "solid-state electrolytes for lithium batteries",
            "--size",
            "5",
        ],
    ),
    (
        "panel_org",
        [
            "panel",
            "--applicant",
            "{org}",
            "--text",
            "deep learning for medical imaging",
            "--size",
            "3",
        ],
    ),
]

_TIMING = re.compile(r"\b\d+(\.\d+)?\s*(ms|s)\b")


def _fill(store: Path) -> dict[str, str]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        author = con.execute("SELECT min(author_id) FROM authorships").fetchone()
        org = con.execute("SELECT min(institution_id) FROM authorships").fetchone()
    finally:
        con.close()
    return {"author": str(author[0] if author else ""), "org": str(org[0] if org else "")}


def run(stores: list[Path], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COLUMNS": "250", "TERM": "dumb", "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory(prefix="forcemap-snap-") as tmp:
        for store in stores:
            copy = Path(tmp) / store.name
            shutil.copy2(store, copy)
            for side in store.parent.glob(store.stem + ".*textindex*"):
                shutil.copy2(side, Path(tmp) / side.name)
            subprocess.run(
                [sys.executable, "-m", "forcemap", "--quiet", "--store", str(copy), "init"],
                check=True,
                capture_output=True,
            )
            fill = _fill(copy)
            for name, args in COMMANDS:
                argv = [a.format(**fill) for a in args]
                p = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "forcemap",
                        "--quiet",
                        "--store",
                        str(copy),
                        "decide",
                        *argv,
                    ],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=600,
                )
                rec = {"argv": argv, "rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr}
                (out / f"{store.stem}__{name}.json").write_text(json.dumps(rec, indent=1))
                print(f"{store.stem:>10} {name:<26} rc={p.returncode}", flush=True)


def _norm(text: str, tmpdir_re: re.Pattern[str]) -> str:
    return _TIMING.sub("<t>", tmpdir_re.sub("<store>", text))


def diff(before: Path, after: Path) -> int:
    tmpdir_re = re.compile(r"/tmp/forcemap-snap-[^/\s]+")
    bad = 0
    names = sorted({p.name for p in before.glob("*.json")} | {p.name for p in after.glob("*.json")})
    for name in names:
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            print(f"MISSING {name}")
            bad += 1
            continue
        ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
        same = ra["rc"] == rb["rc"] and all(
            _norm(ra[k], tmpdir_re) == _norm(rb[k], tmpdir_re) for k in ("stdout", "stderr")
        )
        print(f"{'same' if same else 'DIFF'} {name} (rc {ra['rc']})")
        if not same:
            bad += 1
            for k in ("stdout", "stderr"):
                d = difflib.unified_diff(
                    _norm(ra[k], tmpdir_re).splitlines(),
                    _norm(rb[k], tmpdir_re).splitlines(),
                    lineterm="",
                    n=1,
                )
                print("\n".join(list(d)[:40]))
    print(f"{len(names) - bad} of {len(names)} outputs identical")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--store", type=Path, action="append", required=True)
    r.add_argument("--out", type=Path, required=True)
    d = sub.add_parser("diff")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    args = ap.parse_args()
    if args.cmd == "run":
        run(args.store, args.out)
        return 0
    return diff(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
