"""Author disambiguation benchmark (issue 19 items 6 and 7): quality and scale.

**Quality.** The split-and-merge check on the real SYNERGY OpenAlex sample (7,518 works), as
``forcemap.store._persons_eval.split_and_merge`` defines it: 300 ORCID-bearing authors with
at least two works (sampled by seed) have half of their works moved to new author ids (every
second one renamed to its initials form, "M. M. Linehan"); every ORCID is hidden; then
:func:`forcemap.store.persons.resolve_persons` runs. Printed per seed (19; 7 and 101 are
held-out samples) and per merge threshold: re-joined share of split authors and wrong ORCID
merges (pairs of author ids placed in one person whose true ORCIDs differ / all such pairs
with both ORCIDs known), beside the baseline (exact normalised full-name match).

**Scale.** A synthetic world (``forcemap synth``; ``--scale 1`` ≈ 20,000 works and 70,000
authorships; ``--scale 50`` ≈ 1 M works) is written and its OpenAlex part ingested, then
``resolve_persons`` runs in a child process: wall time, peak resident memory of that process
(``ru_maxrss``), candidate pairs and persons. The synthetic names are drawn from short lists
of given names and surnames, so name blocks are large and the ``max_block`` cap is exercised.

Prints the figures; no assertions. Targets: re-joined ≥ 0.80 and wrong ORCID merges ≤ 1 %;
1 M works (3.5 M authorships) in under 10 minutes within 8 GB.

Usage: ``python benchmarks/bench_resolve_persons.py [--scale 2] [--skip-quality]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from forcemap._data import data_path
from forcemap.store import Store
from forcemap.store._persons_eval import split_and_merge

SYNERGY = data_path("demo", "synergy_v1_works.jsonl.gz")


def quality(work: Path) -> None:
    """Split-and-merge figures, method and baseline."""
    from forcemap.store.ingest.openalex import ingest_openalex

    src = work / "synergy.duckdb"
    with Store.open(src) as s:
        ingest_openalex(s, [SYNERGY])
    print("split-and-merge on the real SYNERGY sample (300 authors, ORCIDs hidden)")
    print(
        f"{'seed':>5} {'p_match':>7} {'rejoined':>9} {'wrong':>7} {'wrong/pairs':>12} "
        f"{'base rejoined':>14} {'base wrong':>11} {'seconds':>8}"
    )
    for seed in (19, 7, 101):
        for mp in (0.8, 0.9, 0.95) if seed == 19 else (0.8,):
            r = split_and_merge(src, work, n=300, seed=seed, match_probability=mp)
            print(
                f"{seed:>5} {mp:>7.2f} {r.rejoined:>9.3f} {r.wrong_merge_rate:>7.2%} "
                f"{r.wrong_pairs:>5}/{r.orcid_pairs:<6} {r.baseline_rejoined:>14.3f} "
                f"{r.baseline_wrong_merge_rate:>11.2%} {r.seconds:>8.1f}",
                flush=True,
            )


def _child(store: str) -> None:
    """Resolve persons on ``store`` and print one JSON line (run in a fresh process)."""
    from forcemap.store.persons import resolve_persons

    with Store.open(store) as s:
        n_auth = s.scalar("SELECT count(*) FROM authorships")
        t0 = time.perf_counter()
        rep = resolve_persons(s)
        dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "authorships": n_auth,
                "authors": rep.authors,
                "persons": rep.persons,
                "merged": rep.merged,
                "candidate_pairs": rep.candidate_pairs,
                "not_compared": rep.not_compared,
                "possible_pairs": rep.possible_pairs,
                "seconds": round(dt, 1),
                "peak_mb": round(peak),
            }
        )
    )


def scale(work: Path, size: float) -> None:
    """Time resolve_persons on a synthetic world of ``size``."""
    from forcemap.store.ingest import ingest
    from forcemap.store.synth import write_world

    world = work / f"world-{size}"
    t0 = time.perf_counter()
    write_world(world, scale=size, seed=0)
    store = work / f"synth-{size}.duckdb"
    with Store.open(store) as s:
        ingest(s, "openalex", [world / "openalex"], origin="synthetic:openalex")
        n_works = s.scalar("SELECT count(*) FROM works")
    print(f"synthetic world scale {size}: {n_works:,} works built in "
          f"{time.perf_counter() - t0:,.0f} s", flush=True)  # fmt: skip
    _run_child(store)


def _run_child(store: Path) -> None:
    """Resolve persons on ``store`` in a child process and print its figures."""
    out = (
        subprocess.run(
            [sys.executable, __file__, "--child", str(store)],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    fig = json.loads(out)
    print(
        f"resolve_persons: {fig['authorships']:,} authorships, {fig['authors']:,} author ids -> "
        f"{fig['persons']:,} persons ({fig['merged']:,} merged); {fig['candidate_pairs']:,} "
        f"candidate pairs, {fig['not_compared']:,} ids in capped blocks, "
        f"{fig['possible_pairs']:,} possible pairs; {fig['seconds']} s, peak {fig['peak_mb']:,} "
        "MB",
        flush=True,
    )


_GEN_SQL = """
CREATE TEMP TABLE syl AS SELECT i, s FROM (SELECT unnest([
    'ba', 'ko', 'ri', 'tan', 'mel', 'sor', 'vi', 'lu', 'den', 'ha', 'mor', 'pe', 'sa', 'ni',
    'gar', 'lin', 'to', 've', 'ru', 'chen', 'wa', 'ber', 'fi', 'do', 'kas', 'le', 'mi', 'zan',
    'po', 'ter', 'yo', 'gu', 'al', 'es', 'ik', 'on', 'ul', 'em', 'ar', 'is']) AS s,
    unnest(range(40)) AS i);
CREATE TEMP TABLE au AS
WITH r0 AS (
    -- slot 5 of each team of 6 is a split copy of slot 0: same name, same team
    SELECT i, CASE WHEN i % 6 = 5 THEN i - 5 ELSE i END AS ni FROM range($n_auth) t(i)
), r AS (
    SELECT i, (hash(ni, 1) % 1000000) / 1e6 AS u1, (hash(ni, 2) % 1000000) / 1e6 AS u2,
           hash(ni, 3) % 52 AS mid
    FROM r0
), k AS (
    SELECT i, floor(64000 * u1 * u1 * u1)::BIGINT AS sur, floor(1600 * u2 * u2)::BIGINT AS giv,
           mid FROM r
)
SELECT k.i, 'A' || k.i AS author_id,
       upper(g1.s[1]) || g1.s[2:] || g2.s || ' '
       || CASE WHEN k.mid < 26 THEN upper(chr((65 + k.mid)::INTEGER)) || '. ' ELSE '' END
       || upper(s1.s[1]) || s1.s[2:] || s2.s || s3.s AS name
FROM k
JOIN syl AS s1 ON s1.i = k.sur % 40 JOIN syl AS s2 ON s2.i = (k.sur // 40) % 40
JOIN syl AS s3 ON s3.i = k.sur // 1600
JOIN syl AS g1 ON g1.i = k.giv % 40 JOIN syl AS g2 ON g2.i = k.giv // 40;
INSERT INTO authors SELECT author_id, name, NULL FROM au;
INSERT INTO works (work_id, title, year, source_id, origin, batch_id)
SELECT 'W' || i, 'work ' || i, 2000 + hash(i, 5) % 23, 'S' || (hash(i, 6) % 3000),
       'synthetic:bench', 0
FROM range($n_works) t(i);
INSERT INTO work_concepts
SELECT 'W' || i, 'C' || ((hash(i, 7) % ($n_auth // 6)) % 400), 'c', 1, 0.9
FROM range($n_works) t(i);
INSERT INTO authorships (work_id, author_seq, author_id, author_name, institution_id)
WITH w AS (
    SELECT i, hash(i, 7) % ($n_auth // 6) AS team, least(1 + hash(i, 8) % 6, 5) AS k,
           hash(i, 9) AS h
    FROM range($n_works) t(i)
), s AS (
    -- k of the slots 0-4, and half of the works write slot 0 as its split copy (slot 5)
    SELECT w.i, w.team, j, CASE WHEN (w.h + j) % 5 = 0 AND w.h % 2 = 0 THEN 5
                                 ELSE (w.h + j) % 5 END AS slot
    FROM w CROSS JOIN range(5) AS r(j) WHERE j < w.k
)
SELECT 'W' || s.i, s.j + 1, a.author_id, a.name, 'I' || (s.team % 20000)
FROM s JOIN au AS a ON a.i = s.team * 6 + s.slot;
"""


def scale_sql(work: Path, n_works: int) -> None:
    """Time resolve_persons on a store generated in SQL: ``n_works`` works with 1–5 authors
    (3.3 on average) drawn from teams of 6, ``0.6 n_works`` author ids named from 64,000
    surnames (skewed: u³) and 1,600 given names (u²), half with a middle initial; the sixth
    id of each team is a split copy of the first (same name, half of its works); no ORCIDs
    (every id is matched by name). Deterministic (hash-based draws)."""
    store = work / f"sql-{n_works}.duckdb"
    t0 = time.perf_counter()
    with Store.open(store) as s:
        for stmt in _GEN_SQL.split(";"):
            if stmt.strip():
                bind = {k: v for k, v in (("n_auth", int(0.6 * n_works)), ("n_works", n_works))
                        if f"${k}" in stmt}  # fmt: skip
                s.con.execute(stmt, bind or None)
        s.con.execute("CHECKPOINT")
    print(f"generated store: {n_works:,} works in {time.perf_counter() - t0:,.0f} s", flush=True)
    _run_child(store)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=2.0, help="synthetic world scale")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument(
        "--works", type=int, default=0, help="also time a SQL-generated store of this many works"
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="forcemap-persons-") as tmp:
        work = Path(tmp)
        if not args.skip_quality:
            quality(work)
        if args.scale > 0:
            scale(work, args.scale)
        if args.works:
            scale_sql(work, args.works)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
