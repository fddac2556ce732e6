"""Reviewer–paper affinity on the gold standard of Stelmakh et al. (2025), shared subset.

Reads ``../shared/data/reviewer-expertise`` (or ``$FORCEMAP_EXPERTISE_DIR``) in place: the
participants' archives (OpenReview format), the evaluated submissions and the reported
expertise, scores every (participant, paper) with :func:`forcemap.decide.affinity.affinity`
and prints the gold standard's loss (``compute_main_metric``: lower is better, 0.5 random)
beside the published values on the same subset. The default (mean over the reviewer's papers,
BM25 k1 = 1.2, b = 0.75) is the scorer's; the variants are printed for information only.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

from forcemap.decide.affinity import (
    affinity_scores,
    expertise_loss,
    read_archives,
    read_submissions,
)

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = {"TPMS (TF-IDF)": 0.262, "SPECTER": 0.283, "SPECTER+MFR": 0.243}


def data_dir() -> Path | None:
    env = os.environ.get("FORCEMAP_EXPERTISE_DIR")
    for d in ([Path(env)] if env else []) + [
        ROOT.parent / "shared" / "data" / "reviewer-expertise",
        Path("/work/shared/data/reviewer-expertise"),
    ]:
        if (d / "evaluations.tsv").exists():
            return d
    return None


def read_expertise(path: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            pid = row["ParticipantID"]
            ev = out.setdefault(pid, {})
            for i in range(1, 11):
                paper, e = row.get(f"Paper{i}") or "", row.get(f"Expertise{i}") or ""
                if paper.strip() and e.strip():
                    ev[paper.strip()] = float(e)
    return out


def main() -> int:
    d = data_dir()
    if d is None:
        print("reviewer-expertise data not found: skipped")
        return 0
    expertise = read_expertise(d / "evaluations.tsv")
    archives = read_archives(d / "archives")
    subs = read_submissions(d / "submissions.json")
    missing = sorted(set(expertise) - set(archives))
    if missing:
        print(f"{len(missing)} participants without an archive: {missing[:5]}")
    expertise = {k: v for k, v in expertise.items() if k in archives}
    print(f"{len(expertise)} participants, {len(subs)} submissions, {d}")
    variants = [
        ("mean (default)", "mean", "submissions"),
        ("max", "max", "submissions"),
        ("top-3 mean", "top_k", "submissions"),
        ("mean, idf: all", "mean", "all"),
    ]
    for label, agg, coll in variants:
        t0 = time.perf_counter()
        t = affinity_scores(archives, subs, aggregation=agg, top_k=3, collection=coll)
        dt = time.perf_counter() - t0
        scores = {
            (r, p): s
            for r, p, s in zip(
                t["reviewer_id"].to_pylist(),
                t["paper_id"].to_pylist(),
                t["score"].to_pylist(),
                strict=True,
            )
        }
        loss = expertise_loss(scores, expertise)
        print(f"forcemap BM25 affinity, {label:14s} loss {loss:.3f}  ({dt:.1f} s)")
    for name, v in PUBLISHED.items():
        print(f"published {name:22s} loss {v:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
