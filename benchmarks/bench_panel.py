"""Review panel benchmark (C9): 50,000 candidates checked against 20 applicants.

A synthetic store is generated in DuckDB (seeded ``setseed``): 2,000 organisations (enterprise
/ university / institute 40 / 40 / 20 %, 30 countries) resolved through ``org_aliases``;
50,000 authors, each at one organisation; 150,000 works (2008–2022) with 3 authors each
(drawn uniformly, so every author has ~9 works), a title of 8 and an abstract of 40 words
drawn from a 3,000-word vocabulary, and one of 300 topics; 10,000 patents (2 inventors each,
named like authors so the name links are exercised, assigned to an organisation); 500
projects of 4 participant organisations. The pool is the store's default (every author);
20 random authors apply.

Timed twice on the read-only store: the first request, which computes the candidates' side
and keeps it, then a next one (as a server's next request).
:func:`forcemap.decide.panel.review_panel` runs with size 5, roles
{"enterprise_lead": 1, "academic": 2, "industry_expert": 1}, max_per_org 1,
max_per_country 2, a 6-word project text and 2 topics; the times are broken into candidate
preparation (affiliations, inventor links, TF-IDF weights), COI checks, scoring (cosine,
Jaccard, activity) and the MILP (pruning + HiGHS), as the result records them in
``evidence["timings"]``. Prints the figures; no assertions.
Target: the first request's total < 5 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from forcemap.decide.panel import review_panel
from forcemap.store import Store

_GEN_SQL = """
SELECT setseed($seed);
CREATE TEMP TABLE vocab AS
SELECT i AS k, 'w' || i::VARCHAR || chr((97 + i % 26)::INTEGER) AS word FROM range($vocab) t(i);
INSERT INTO organizations
SELECT 'O' || i, 'Org ' || i,
       CASE WHEN i % 5 < 2 THEN 'enterprise' WHEN i % 5 < 4 THEN 'university' ELSE 'institute'
       END,
       'C' || chr((65 + (i % 30) // 26)::INTEGER) || chr((65 + (i % 30) % 26)::INTEGER), NULL, NULL
FROM range($orgs) t(i);
INSERT INTO org_aliases SELECT 'institution', org_id, org_id, 'self', NULL FROM organizations;
INSERT INTO org_aliases SELECT 'assignee', 'asg-' || org_id, org_id, 'name', NULL
FROM organizations;
CREATE TEMP TABLE au AS
SELECT i, 'A' || i AS author_id,
       upper(chr((97 + (i % 997) % 26)::INTEGER)) || chr((97 + (i % 997) // 26 % 26)::INTEGER)
       || chr((97 + (i % 997) // 676)::INTEGER) || ' '
       || upper(chr((97 + (i // 997) % 26)::INTEGER)) || chr((97 + (i // 997) // 26 % 26)::INTEGER)
       || chr((97 + (i // 997) // 676 % 26)::INTEGER) AS name,
       'O' || (hash(i) % $orgs)::BIGINT AS org
FROM range($authors) t(i);
INSERT INTO authors SELECT author_id, name, NULL FROM au;
INSERT INTO works (work_id, title, abstract, year, origin, batch_id)
SELECT 'W' || i,
       array_to_string(list_transform(range(8),
           lambda j: v.l[1 + (hash(i * 31 + j) % $vocab)::INTEGER]), ' '),
       array_to_string(list_transform(range(40),
           lambda j: v.l[1 + (hash(i * 131 + j) % $vocab)::INTEGER]), ' '),
       2008 + (hash(i * 7) % 15)::INTEGER, 'synthetic:bench', 0
FROM range($works) t(i), (SELECT list(word ORDER BY k) AS l FROM vocab) v;
INSERT INTO authorships (work_id, author_seq, author_id, author_name, author_position,
                         institution_id, country_code)
SELECT 'W' || x.w, x.j + 1, au.author_id, au.name,
       CASE WHEN x.j = 2 THEN 'last' ELSE 'first' END, au.org, o.country_code
FROM (SELECT t.w, s.j, (hash(t.w * 3 + s.j) % $authors)::BIGINT AS k
      FROM range($works) t(w), range(3) s(j)) AS x
JOIN au ON au.i = x.k
JOIN organizations o ON o.org_id = au.org;
INSERT INTO work_topics (work_id, topic_id, name, score)
SELECT 'W' || i, 'T' || (hash(i) % 300), 'Topic ' || (hash(i) % 300), 0.9 FROM range($works) t(i);
INSERT INTO patents (patent_id, year, title, abstract, origin, batch_id)
SELECT 'US-' || i, 2008 + (hash(i * 5) % 15)::INTEGER, 'Apparatus ' || i, NULL, 'synthetic', 0
FROM range($patents) t(i);
INSERT INTO patent_assignees (patent_id, seq, assignee_id, name, type, country_code)
SELECT 'US-' || i, 0, 'asg-O' || (hash(i) % $orgs), 'Org ' || (hash(i) % $orgs), 'company', NULL
FROM range($patents) t(i);
INSERT INTO patent_inventors (patent_id, seq, inventor_id, name, country_code)
SELECT 'US-' || x.p, x.j, 'inv-' || au.i, au.name, NULL
FROM (SELECT t.p, s.j, (hash(t.p * 2 + s.j) % $authors)::BIGINT AS k
      FROM range($patents) t(p), range(2) s(j)) AS x
JOIN au ON au.i = x.k;
INSERT INTO projects (project_id, title, start_date, end_date, origin, batch_id)
SELECT 'PR' || i, 'Project ' || i, DATE '2016-01-01', DATE '2021-12-31', 'synthetic', 0
FROM range(500) t(i);
INSERT INTO project_participants (project_id, org_id, name, role, type)
SELECT DISTINCT 'PR' || i, 'O' || (hash(i * 4 + j) % $orgs), NULL, 'participant', NULL
FROM range(500) t(i), range(4) s(j);
"""


def build(path: Path, *, authors: int, works: int, seed: float, verbose: bool = False) -> float:
    t0 = time.perf_counter()
    with Store.open(path) as s:
        params = {
            "seed": seed,
            "vocab": 3000,
            "orgs": 2000,
            "authors": authors,
            "works": works,
            "patents": 10_000,
        }
        for stmt in _GEN_SQL.split(";\n"):
            stmt = stmt.strip()
            if stmt:
                names = {k for k in params if f"${k}" in stmt}
                t1 = time.perf_counter()
                s.con.execute(stmt, {k: params[k] for k in names} or None)
                if verbose:
                    print(f"  {time.perf_counter() - t1:6.2f} s  {stmt.splitlines()[0][:60]}")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--authors", type=int, default=50_000)
    ap.add_argument("--works", type=int, default=150_000)
    ap.add_argument("--applicants", type=int, default=20)
    ap.add_argument("--seed", type=float, default=0.42)
    ap.add_argument("--verbose", action="store_true", help="time each generation step")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_panel.duckdb"
        t_build = build(
            path, authors=args.authors, works=args.works, seed=args.seed, verbose=args.verbose
        )
        with Store.open(path, read_only=True) as s:
            n_auth = s.scalar("SELECT count(DISTINCT author_id) FROM authorships")
            n_rows = s.scalar("SELECT count(*) FROM authorships")
            apps = [
                r[0]
                for r in s.con.execute(
                    "SELECT DISTINCT author_id FROM authorships ORDER BY hash(author_id) LIMIT $n",
                    {"n": args.applicants},
                ).fetchall()
            ]
            text = " ".join(f"w{i}{chr(97 + i % 26)}" for i in range(100, 106))
            kw = {
                "applicants": apps,
                "text": text,
                "topics": ["T1", "T2"],
                "concepts": None,
                "size": 5,
                "roles": {"enterprise_lead": 1, "academic": 2, "industry_expert": 1},
                "coi_years": 5,
                "max_per_org": 1,
                "max_per_country": 2,
                "pool": None,
                "exclude": (),
                "min_recent_works": 1,
                "recent_years": 5,
                "time_limit": 10.0,
                "weights": None,
                "senior_career_years": 10,
                "senior_lead_share": 0.5,
                "link_inventors": "name",
                "method": "milp",
                "top": 50,
            }
            # the first request computes (and, read-only, keeps) the candidates' side
            first = review_panel(s, **kw).evidence["timings"].to_pylist()[0]
            # a next request: applicants' side, scoring, MILP
            res = review_panel(s, **kw)
            tm = res.evidence["timings"].to_pylist()[0]
        excluded = res.evidence["excluded"]
        print(f"store: {n_auth:,} authors, {n_rows:,} authorships, built in {t_build:.1f} s")
        print(f"applicants: {len(apps)}; {res.caveats[0]}")
        rules: dict[str, int] = {}
        for r in excluded["rule"].to_pylist():
            rules[r] = rules.get(r, 0) + 1
        print(f"exclusions by rule: {dict(sorted(rules.items()))}")
        p = res.rule.parameters
        print(
            f"MILP: {p['variables']} variables after pruning, status {p['solver_status']}, "
            f"objective {p['objective']:.4f}, method {p['method_used']}"
        )
        print(
            "panel: "
            + ", ".join(
                f"{a} ({r}, {o}, {c})"
                for a, r, o, c in zip(
                    res.table["author_id"].to_pylist(),
                    res.table["role"].to_pylist(),
                    res.table["org_id"].to_pylist(),
                    res.table["country"].to_pylist(),
                    strict=True,
                )
            )
        )
        print("timings (s):   first request   next request (candidates' side kept)")
        for k in ("prepare", "coi", "scoring", "solve", "total"):
            print(f"  {k:<8} {first[k]:13.3f} {tm[k]:14.3f}")
        print(f"target total < 5 s (first request): {'met' if first['total'] < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
