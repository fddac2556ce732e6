"""Acronym matching of organisations, measured on the real demo store (SYNERGY institutions).

The labelled set (``tests/data/org_acronyms.csv``) pairs 46 acronyms in common use ("MIT",
"UCSF", "LUMC", "LMU", "MPG"…) with the OpenAlex institution of the real store they name,
and holds 15 acronyms of organisations the store does not hold ("NASA", "CERN", "IBM"…:
any merge of those is wrong); the acronyms were written from common usage, not derived by
the method. Each is added as a
patent assignee of its country (no ROR, the name is the acronym) to a copy of the store, the
organisations are resolved, and every assignee is scored: merged into the right institution
(correct), into another (wrong), left alone because two or more fit (ambiguous), or not
matched (missed). Precision = correct / (correct + wrong); recall = correct / the 46. The
baseline is the existing exact normalised-name rule, which matches none of them. It also
reports how often a real institution's derived initials collide with another institution's
of the same country (the cases the ambiguity guard protects). Real data; no assertions.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from pathlib import Path

from forcemap.store import Store
from forcemap.store.organizations import resolve_organizations

HERE = Path(__file__).resolve().parent
LABELS = HERE.parent / "tests" / "data" / "org_acronyms.csv"


def measure(store_path: Path, labels: Path = LABELS) -> dict[str, object]:
    """Score the acronym step on a copy of ``store_path`` against ``labels``."""
    with labels.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.duckdb"
        shutil.copy(store_path, path)
        with Store.open(path) as s:
            s.con.executemany(
                "INSERT INTO patent_assignees"
                " (patent_id, seq, assignee_id, name, type, country_code,"
                " city) VALUES (?, 1, ?, ?, '2', ?, NULL)",
                [
                    (f"BENCH-{k}", f"bench:{k}", r["acronym"], r["country_code"])
                    for k, r in enumerate(rows)
                ],
            )
            t0 = time.perf_counter()
            report = resolve_organizations(s)
            seconds = time.perf_counter() - t0
            got = dict(
                s.con.execute(
                    """SELECT source_id, org_id FROM org_aliases
                       WHERE source = 'assignee' AND source_id LIKE 'bench:%'"""
                ).fetchall()
            )
            inst_org = dict(
                s.con.execute(
                    "SELECT source_id, org_id FROM org_aliases WHERE source = 'institution'"
                ).fetchall()
            )
            collide = s.con.execute(
                """WITH d AS (
                       SELECT country_code AS cc, _fm_org_initials(name) AS a
                       FROM institutions WHERE country_code IS NOT NULL)
                   SELECT count(*) FILTER (WHERE n > 1), count(*) FROM (
                       SELECT cc, a, count(*) AS n FROM d WHERE a IS NOT NULL GROUP BY ALL)"""
            ).fetchall()[0]
    ambiguous = {a.split(": ")[0].split(" ", 1)[1] for a in report.ambiguous_acronyms}
    outcome: dict[str, list[str]] = {
        "correct": [],
        "wrong": [],
        "ambiguous": [],
        "missed": [],
        "rejected": [],
    }
    for k, r in enumerate(rows):
        sid = f"bench:{k}"
        org = got.get(sid)
        label = f"{r['acronym']}|{r['country_code']}"
        if not r["institution_id"]:  # a negative: names no institution of the store
            outcome["rejected" if org == sid else "wrong"].append(
                label if org == sid else f"{label} -> {org}"
            )
        elif org == inst_org.get(r["institution_id"]):
            outcome["correct"].append(label)
        elif org != sid:
            outcome["wrong"].append(f"{label} -> {org}")
        elif sid in ambiguous:
            outcome["ambiguous"].append(label)
        else:
            outcome["missed"].append(label)
    n_ok, n_wrong = len(outcome["correct"]), len(outcome["wrong"])
    positives = sum(1 for r in rows if r["institution_id"])
    return {
        "labelled": len(rows),
        "positives": positives,
        **{k: len(v) for k, v in outcome.items()},
        "precision": n_ok / (n_ok + n_wrong) if n_ok + n_wrong else None,
        "recall": n_ok / positives,
        "baseline_recall": 0.0,
        "outcomes": outcome,
        "initials_colliding": int(collide[0]),
        "initials_groups": int(collide[1]),
        "resolve_seconds": round(seconds, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=HERE.parent / "demo" / "real.duckdb")
    args = ap.parse_args()
    if not args.store.exists():
        print(f"org acronyms: {args.store} not found (run make demo); skipped")
        return
    m = measure(args.store)
    print(
        f"org acronyms on {args.store.name}: {m['labelled']} labelled acronyms "
        f"({m['positives']} naming an institution of the store): correct {m['correct']}, "
        f"wrong {m['wrong']}, ambiguous {m['ambiguous']}, missed {m['missed']}, negatives "
        f"rejected {m['rejected']}; precision {m['precision']}, recall {m['recall']:.3f} "
        f"(baseline exact-name rule: recall {m['baseline_recall']}); resolve "
        f"{m['resolve_seconds']} s"
    )
    for k, v in m["outcomes"].items():  # type: ignore[attr-defined]
        if k != "correct":
            print(f"  {k}: {', '.join(v) or '-'}")
    print(
        f"  derived initials shared by two or more institutions of one country: "
        f"{m['initials_colliding']} of {m['initials_groups']} (acronym, country) groups"
    )


if __name__ == "__main__":
    main()
