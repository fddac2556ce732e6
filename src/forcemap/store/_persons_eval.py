"""Split-and-merge quality check of author disambiguation (issue 19 item 6), for tests and bench.

On a copy of a real store: a seeded sample of ORCID-bearing authors with at least two works
has half of its authorships moved to new author ids (no ORCID; for every second sampled
author the new id carries the name written as initials, "M. M. Linehan"); then every ORCID is
hidden, :func:`~forcemap.store.persons.resolve_persons` runs, and the persons are compared
with the truth (the hidden ORCIDs, the split copies inheriting their original's).

- **re-joined**: share of split authors whose two ids end in one person;
- **wrong ORCID merges**: among the pairs of author ids placed in one person whose true ORCIDs
  are both known, the share whose ORCIDs differ (pairs of different people merged).

The baseline is the exact normalised full-name match (lower-case, accents and punctuation
removed): author ids with the same such name are one person.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from forcemap.store.persons import PersonReport, resolve_persons
from forcemap.store.store import Store

__all__ = ["SplitMergeResult", "split_and_merge"]


@dataclass
class SplitMergeResult:
    """The figures of one split-and-merge run (method and baseline)."""

    sampled: int
    rejoined: float
    wrong_merge_rate: float
    wrong_pairs: int
    orcid_pairs: int
    baseline_rejoined: float
    baseline_wrong_merge_rate: float
    baseline_wrong_pairs: int
    baseline_orcid_pairs: int
    seconds: float
    report: PersonReport


_SPLIT_SQL = """
CREATE OR REPLACE TEMP TABLE _sm_truth AS
SELECT author_id, upper(trim(orcid)) AS orcid FROM authors WHERE orcid IS NOT NULL;

CREATE OR REPLACE TEMP TABLE _sm_sample AS
WITH eligible AS (
    SELECT a.author_id, any_value(a.name) AS name
    FROM authors AS a JOIN authorships AS s USING (author_id)
    WHERE a.orcid IS NOT NULL AND a.name IS NOT NULL
    GROUP BY a.author_id HAVING count(DISTINCT s.work_id) >= 2
)
SELECT author_id, name, author_id || '~split' AS new_id,
       row_number() OVER (ORDER BY md5(author_id || $seed)) AS k
FROM eligible
QUALIFY k <= $n;

CREATE OR REPLACE TEMP TABLE _sm_moved AS
WITH w AS (
    SELECT s.author_id, a.work_id, s.new_id,
           row_number() OVER (PARTITION BY s.author_id ORDER BY md5(a.work_id || $seed)) AS r,
           count(*) OVER (PARTITION BY s.author_id) AS n
    FROM _sm_sample AS s JOIN (SELECT DISTINCT author_id, work_id FROM authorships) AS a
         USING (author_id)
)
SELECT author_id, work_id, new_id FROM w WHERE r <= n // 2;

-- initials form "M. M. Linehan" for every second sampled author
CREATE OR REPLACE TEMP TABLE _sm_names AS
SELECT new_id, author_id,
       CASE WHEN k % 2 = 0 AND len(string_split(trim(name), ' ')) > 1
            THEN array_to_string(list_transform(string_split(trim(name), ' ')[:-2],
                                                lambda x: upper(x[1]) || '.'), ' ')
                 || ' ' || string_split(trim(name), ' ')[-1]
            ELSE name END AS new_name
FROM _sm_sample;

UPDATE authorships AS a SET author_id = m.new_id, author_name = n.new_name
FROM _sm_moved AS m JOIN _sm_names AS n USING (new_id)
WHERE a.author_id = m.author_id AND a.work_id = m.work_id;

INSERT INTO authors SELECT new_id, new_name, NULL FROM _sm_names;
INSERT INTO _sm_truth SELECT n.new_id, t.orcid FROM _sm_names AS n JOIN _sm_truth AS t
    USING (author_id);
UPDATE authors SET orcid = NULL;
"""

_SCORE_SQL = """
WITH grp AS (
    SELECT {group} AS g, t.author_id, t.orcid FROM _sm_truth AS t {join}
), tot AS (
    SELECT g, count(*) AS n FROM grp GROUP BY g
), same AS (
    SELECT g, orcid, count(*) AS n FROM grp GROUP BY g, orcid
)
SELECT (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM tot) AS all_pairs,
       (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM same) AS same_pairs
"""

_REJOIN_SQL = """
SELECT count(*) FILTER (WHERE a.{col} = b.{col}), count(*)
FROM _sm_names AS s
JOIN {table} AS a ON a.author_id = s.author_id
JOIN {table} AS b ON b.author_id = s.new_id
"""

_BASELINE_SQL = r"""
CREATE OR REPLACE TEMP TABLE _sm_base AS
SELECT author_id,
       coalesce(nullif(trim(regexp_replace(lower(strip_accents(coalesce(name, ''))),
                                           '[^a-z]+', ' ', 'g')), ''),
                '~' || author_id) AS person_id
FROM authors
"""


def split_and_merge(
    source: str | Path,
    work_dir: str | Path,
    *,
    n: int = 300,
    seed: int = 19,
    match_probability: float = 0.8,
) -> SplitMergeResult:
    """Run the split-and-merge check on a copy of the store at ``source``.

    ``n`` ORCID-bearing authors with at least two works are sampled (ordered by the MD5 of id
    and ``seed``; a different seed is a held-out sample). The copy is written to ``work_dir``
    and left there. Returns the method's and the baseline's re-joined share and wrong ORCID
    merge rate, and the resolution report.
    """
    copy = Path(work_dir) / f"split_merge_{seed}.duckdb"
    shutil.copyfile(source, copy)
    with Store.open(copy) as store:
        con = store.con
        for stmt in _SPLIT_SQL.split(";"):
            if stmt.strip():
                bind = {k: v for k, v in (("seed", str(seed)), ("n", n)) if f"${k}" in stmt}
                con.execute(stmt, bind or None)
        t0 = time.perf_counter()
        report = resolve_persons(store, match_probability=match_probability)
        seconds = time.perf_counter() - t0
        con.execute(_BASELINE_SQL)
        figures = {}
        for key, table in (("method", "person_aliases"), ("baseline", "_sm_base")):
            joined, total = con.execute(
                _REJOIN_SQL.format(col="person_id", table=table)  # allow-listed names
            ).fetchall()[0]
            all_pairs, same_pairs = con.execute(
                _SCORE_SQL.format(
                    group="p.person_id",
                    join=f"JOIN {table} AS p USING (author_id)",  # allow-listed names
                )
            ).fetchall()[0]
            figures[key] = (joined, total, all_pairs, all_pairs - same_pairs)
    m, b = figures["method"], figures["baseline"]
    return SplitMergeResult(
        sampled=int(m[1]),
        rejoined=m[0] / m[1] if m[1] else 0.0,
        wrong_merge_rate=m[3] / m[2] if m[2] else 0.0,
        wrong_pairs=int(m[3]),
        orcid_pairs=int(m[2]),
        baseline_rejoined=b[0] / b[1] if b[1] else 0.0,
        baseline_wrong_merge_rate=b[3] / b[2] if b[2] else 0.0,
        baseline_wrong_pairs=int(b[3]),
        baseline_orcid_pairs=int(b[2]),
        seconds=seconds,
        report=report,
    )
