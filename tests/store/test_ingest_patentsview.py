"""PatentsView reader: a hand-made directory with known defects, compressed tables, upserts,
atomicity, and a synthetic world whose assignees resolve with its project participants."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from forcemap.errors import InputError, NotFoundError, SchemaError
from forcemap.store import Store
from forcemap.store.ingest import ingest
from forcemap.store.ingest import patentsview as pv
from forcemap.store.ingest.patentsview import ID_PREFIX, ingest_patentsview
from forcemap.store.organizations import resolve_organizations
from forcemap.store.synth import write_world

FIXTURE = Path(__file__).parent.parent / "data" / "patentsview"

PATENT_TABLES = (
    "patents",
    "patent_cpc",
    "patent_assignees",
    "patent_inventors",
    "patent_citations",
)

# The fixture's defects, by file: (line, record_id, field, reason).
EXPECTED_QUARANTINE = {
    "g_patent.tsv": [
        (5, None, "patent_id", "missing patent_id"),
        (6, "10000005", "patent_date", "invalid patent_date"),
        (8, None, "patent_title", "wrong number of fields (too few)"),  # after a blank line
        (10, "10000007", "num_claims", "invalid num_claims"),
        (11, "10000008", "withdrawn", "withdrawn patent"),
    ],
    "g_application.tsv": [
        (4, "10000005", "patent_id", pv._ORPHAN),
        (5, "RE47000", "filing_date", "invalid filing_date"),
    ],
    "g_cpc_current.tsv": [
        (8, "10000009", "cpc_group", "invalid CPC symbol"),
        (9, "99999999", "patent_id", pv._ORPHAN),
    ],
    "g_assignee_disambiguated.tsv": [(5, "RE47000", "assignee_id", "missing assignee_id")],
    "g_inventor_disambiguated.tsv": [(5, "10000005", "patent_id", pv._ORPHAN)],
    "g_location_disambiguated.tsv": [(5, None, "location_id", "missing location_id")],
    "g_us_patent_citation.tsv": [
        (5, "RE47000", "citation_patent_id", "missing citation_patent_id"),
        (7, "10000009", "citation_patent_id", "invalid citation_patent_id"),
    ],
}
# Per table file: (read, stored, duplicates); rejected = len(EXPECTED_QUARANTINE[file]).
EXPECTED_COUNTS = {
    "g_location_disambiguated": (4, 3, 0),
    "g_patent": (10, 4, 1),
    "g_application": (5, 3, 0),
    "g_cpc_current": (8, 5, 1),
    "g_assignee_disambiguated": (6, 5, 0),
    "g_inventor_disambiguated": (4, 3, 0),
    "g_us_patent_citation": (6, 3, 1),
}


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return store.con.execute(sql).fetchall()


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an ingest writes, in a stable order."""
    return {
        t: rows(store, f"SELECT * FROM {t} ORDER BY ALL")  # noqa: S608 - fixed names
        for t in (*PATENT_TABLES, "ingest_log", "quarantine")
    }


def copy_fixture(tmp_path: Path, name: str = "pv") -> Path:
    out = tmp_path / name
    shutil.copytree(FIXTURE, out, ignore=shutil.ignore_patterns("*.md"))
    return out


def edit(path: Path, fn: Callable[[str], str]) -> None:
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


# -- the hand-made directory ------------------------------------------------------------------


def test_fixture_exact_counts_reasons_and_lines(store: Store) -> None:
    r = ingest_patentsview(store, FIXTURE)
    n_read = sum(c[0] for c in EXPECTED_COUNTS.values())
    n_rej = sum(len(v) for v in EXPECTED_QUARANTINE.values())
    assert (r.read, r.stored, r.rejected, r.duplicates) == (43, 26, 14, 3)
    assert (n_read, n_rej) == (43, 14)
    assert r.reconciled and r.files == [str(FIXTURE)]
    assert r.related == {t: c[1] for t, c in EXPECTED_COUNTS.items()}
    # each table file reconciles on its own
    for table, (read, stored, dups) in EXPECTED_COUNTS.items():
        assert read == stored + len(EXPECTED_QUARANTINE[f"{table}.tsv"]) + dups, table
    got = rows(store, "SELECT file, line, record_id, field, reason FROM quarantine ORDER BY ALL")
    want = sorted((str(FIXTURE / f), *q) for f, qs in EXPECTED_QUARANTINE.items() for q in qs)
    assert got == want
    assert r.reasons[pv._ORPHAN] == 3 and r.reasons["withdrawn patent"] == 1
    # the quarantine export has the same records
    assert len(r.quarantine_files) == 1
    exported = Path(r.quarantine_files[0]).read_text(encoding="utf-8").splitlines()
    assert len(exported) == 14 and json.loads(exported[0])["source"] == "patentsview"
    log = rows(
        store, "SELECT source, file, read, stored, rejected, duplicates, status FROM ingest_log"
    )
    assert log == [("patentsview", str(FIXTURE), 43, 26, 14, 3, "ok")]


def test_fixture_mapping(store: Store) -> None:
    ingest_patentsview(store, FIXTURE)
    pats = rows(
        store,
        """SELECT patent_id, office, kind, type, grant_date::VARCHAR, filing_date::VARCHAR, year,
                  title, num_claims, origin FROM patents ORDER BY patent_id""",
    )
    assert pats == [
        # the later of the two 10000001 lines wins
        ("US-10000001", "US", "B2", "utility", "2018-06-19", "2016-01-04", 2018,
         "Widget (corrected)", 21, "patentsview"),
        ("US-10000009", "US", "B1", "utility", "2018-06-26", "2016-03-03", 2018, 'Say "hi"', 7,
         "patentsview"),
        ("US-D800001", "US", "S1", "design", "2018-06-19", "2016-05-05", 2018,
         "Ornamental chair", 1, "patentsview"),
        # its application row had an invalid date: quarantined, so no filing date
        ("US-RE47000", "US", "E", "reissue", "2019-01-01", None, 2019, "Secure channel", 12,
         "patentsview"),
    ]  # fmt: skip
    assert rows(store, "SELECT * FROM patent_cpc ORDER BY patent_id, seq") == [
        ("US-10000001", 1, "H01L21/027", "H01L21/00", "H01L", "H01", "H", True),
        ("US-10000001", 2, "G03F7/20", "G03F7/00", "G03F", "G03", "G", False),
        ("US-10000009", 1, "A61K31/4439", "A61K31/00", "A61K", "A61", "A", True),
        # no sequence 0: the inventional symbol is first even though its sequence is higher
        ("US-RE47000", 1, "H04L9/32", "H04L9/00", "H04L", "H04", "H", False),
        ("US-RE47000", 2, "G06F21/60", "G06F21/00", "G06F", "G06", "G", True),
    ]
    assert rows(store, "SELECT * FROM patent_assignees ORDER BY patent_id, seq") == [
        ("US-10000001", 1, f"{ID_PREFIX}a-1", "Acme Corp", "company", "US", "Boston"),
        ("US-10000001", 2, f"{ID_PREFIX}a-2", "Jane Doe", "individual", "US", "Boston"),
        # location loc-9 is not in g_location: no country, no city
        ("US-10000009", 1, f"{ID_PREFIX}a-4", "Department of Energy", "government", None, None),
        # type 12 = US company with part interest
        ("US-10000009", 2, f"{ID_PREFIX}a-1", "Acme Corp", "company", "US", "Boston"),
        ("US-D800001", 1, f"{ID_PREFIX}a-3", "Ikea AB", "company", "SE", "Stockholm"),
    ]
    assert rows(store, "SELECT * FROM patent_inventors ORDER BY patent_id, seq") == [
        ("US-10000001", 1, f"{ID_PREFIX}i-1", "John Smith", "US", "Boston"),
        ("US-10000001", 2, f"{ID_PREFIX}i-2", "Li Wei", "CN", "Beijing"),
        ("US-RE47000", 1, f"{ID_PREFIX}i-3", "Ana Lima", "SE", "Stockholm"),
    ]
    assert rows(store, "SELECT * FROM patent_citations ORDER BY ALL") == [
        ("US-10000001", "US-5000000"),
        ("US-10000001", "US-D800001"),
        ("US-10000009", "US-10000001"),
    ]


def test_dispatcher_and_origin(store: Store) -> None:
    r = ingest(store, "patentsview", [FIXTURE], origin="mine")
    assert r.source == "patentsview" and r.stored == 26
    assert rows(store, "SELECT DISTINCT origin FROM patents") == [("mine",)]


@pytest.mark.parametrize("kind", ["gz", "zip"])
def test_compressed_tables_read_the_same(store: Store, tmp_path: Path, kind: str) -> None:
    d = tmp_path / kind
    d.mkdir()
    for f in FIXTURE.glob("g_*.tsv"):
        if kind == "gz":
            (d / f"{f.name}.gz").write_bytes(gzip.compress(f.read_bytes()))
        else:
            with zipfile.ZipFile(d / f"{f.name}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                zf.write(f, f.name)
    r = ingest_patentsview(store, d)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (43, 26, 14, 3)
    lines = rows(store, "SELECT line FROM quarantine WHERE file LIKE '%g_patent%' ORDER BY 1")
    assert lines == [(5,), (6,), (8,), (10,), (11,)]
    assert rows(store, "SELECT count(*) FROM patent_cpc") == [(5,)]


def test_unreadable_rows_are_quarantined_with_their_lines(store: Store, tmp_path: Path) -> None:
    d = tmp_path / "bad"
    d.mkdir()
    header = "\t".join(f'"{c}"' for c in pv.PATENTSVIEW_TABLES["g_patent"])

    def row(pid: str, title: str = "T", n: int = 9) -> str:
        vals = [pid, "utility", "2020-01-07", title, "", "B2", "3", "0", "f.xml"][:n]
        return "\t".join(f'"{v}"' for v in vals)

    lines = [
        header,
        row("11000001"),
        row("11000002", title="caf\udcff"),  # invalid UTF-8 byte (surrogate-escaped)
        row("11000003") + '\t"extra"',  # too many fields
        row("11000004", title="ok"),
        row("0"),  # not a patent number
        row("11000006", title='an "unterminated'),  # stray quote inside a quoted field
        row("11000007"),
    ]
    (d / "g_patent.tsv").write_bytes(
        ("\n".join(lines) + "\n").encode("utf-8", errors="surrogateescape")
    )
    r = ingest_patentsview(store, d)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (7, 3, 4, 0)
    assert rows(store, "SELECT line, field, reason FROM quarantine ORDER BY line") == [
        (3, "patent_title", "invalid UTF-8"),
        (4, None, "wrong number of fields (too many)"),
        (6, "patent_id", "invalid patent_id"),  # line recovered across the two gaps above
        (7, "patent_title", "malformed quoting"),
    ]
    # the row after the stray quote is read normally
    assert rows(store, "SELECT patent_id FROM patents ORDER BY 1") == [
        ("US-11000001",),
        ("US-11000004",),
        ("US-11000007",),
    ]


def test_errors_name_the_directory_file_and_column(store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        ingest_patentsview(store, tmp_path / "nope")
    with pytest.raises(InputError, match="must be a directory"):
        ingest_patentsview(store, FIXTURE / "g_patent.tsv")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=rf"{empty}: no g_patent table"):
        ingest_patentsview(store, empty)
    d = copy_fixture(tmp_path)
    edit(d / "g_cpc_current.tsv", lambda s: s.replace('"cpc_group"', '"cpc_grp"', 1))
    with pytest.raises(SchemaError, match=r"g_cpc_current\.tsv: missing column 'cpc_group'"):
        ingest_patentsview(store, d)
    assert snapshot(store) == {t: [] for t in (*PATENT_TABLES, "ingest_log", "quarantine")}


def test_optional_tables_may_be_missing(store: Store, tmp_path: Path) -> None:
    d = tmp_path / "only"
    d.mkdir()
    shutil.copy(FIXTURE / "g_patent.tsv", d)
    r = ingest_patentsview(store, d)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (10, 4, 5, 1)
    assert rows(store, "SELECT count(*), count(filing_date) FROM patents") == [(4, 0)]
    assert rows(store, "SELECT count(*) FROM patent_cpc") == [(0,)]


# -- upserts and atomicity ----------------------------------------------------------------------


def test_reingest_is_skipped_and_a_changed_directory_replaces(store: Store, tmp_path: Path) -> None:
    d = copy_fixture(tmp_path)
    ingest_patentsview(store, d)
    before = snapshot(store)
    again = ingest_patentsview(store, d)
    assert again.skipped == [str(d)] and again.read == 0
    assert snapshot(store) == before

    # a new release: 10000001 retitled, one of its CPC rows gone, a new patent
    edit(d / "g_patent.tsv", lambda s: s.replace("Widget (corrected)", "Widget v2"))
    edit(d / "g_patent.tsv", lambda s: s + '"10000010"\t"utility"\t"2020-02-02"\t"New"\t""'
         '\t"B1"\t"2"\t"0"\t"x.xml"\n')  # fmt: skip
    edit(d / "g_cpc_current.tsv", lambda s: s.replace('"G03F7/20"', '"not-a-cpc"'))
    r = ingest_patentsview(store, d)
    assert r.reconciled and not r.skipped
    assert rows(store, "SELECT title FROM patents WHERE patent_id = 'US-10000001'") == [
        ("Widget v2",)
    ]
    assert rows(store, "SELECT count(*), count(DISTINCT patent_id) FROM patents") == [(5, 5)]
    assert rows(store, "SELECT count(*) FROM patent_cpc WHERE patent_id = 'US-10000001'") == [(1,)]
    for t in PATENT_TABLES[1:]:
        n, distinct = rows(store, f"SELECT count(*), count(DISTINCT t) FROM {t} t")[0]  # noqa: S608
        assert n == distinct, t
    assert rows(store, "SELECT count(*) FROM ingest_log") == [(2,)]


def test_a_table_absent_from_the_directory_keeps_its_rows(store: Store, tmp_path: Path) -> None:
    ingest_patentsview(store, FIXTURE)
    d = tmp_path / "patents-only"
    d.mkdir()
    shutil.copy(FIXTURE / "g_patent.tsv", d)
    edit(d / "g_patent.tsv", lambda s: s.replace("Widget (corrected)", "Widget v3"))
    ingest_patentsview(store, d)
    assert rows(
        store, "SELECT title, filing_date::VARCHAR FROM patents WHERE patent_id = 'US-10000001'"
    ) == [("Widget v3", "2016-01-04")]
    assert rows(store, "SELECT count(*) FROM patent_cpc") == [(5,)]
    assert rows(store, "SELECT count(*) FROM patent_assignees") == [(5,)]


def test_crash_mid_write_leaves_the_store_unchanged(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_patentsview(store, FIXTURE)
    before = snapshot(store)
    d = copy_fixture(tmp_path)
    edit(d / "g_patent.tsv", lambda s: s.replace("Widget (corrected)", "Widget v4"))
    real_write = pv._write

    def crash(*args: Any, **kwargs: Any) -> None:
        real_write(*args, **kwargs)  # deletes and inserts done, then the process "dies"
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(pv, "_write", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest_patentsview(store, d)
    assert snapshot(store) == before
    temp = rows(store, "SELECT table_name FROM duckdb_tables() WHERE temporary")
    assert not [t for (t,) in temp if t.startswith("_pv")]
    monkeypatch.undo()
    r = ingest_patentsview(store, d)
    assert r.stored == 26 and not r.skipped
    assert rows(store, "SELECT title FROM patents WHERE patent_id = 'US-10000001'") == [
        ("Widget v4",)
    ]


# -- a synthetic world --------------------------------------------------------------------------


def test_synthetic_world_loads_completely_and_resolves_with_participants(
    store: Store, tmp_path: Path
) -> None:
    world = write_world(tmp_path / "world", scale=0.05, seed=1)
    r = ingest(store, "patentsview", [world.path / "patentsview"])
    c = world.counts
    assert (r.rejected, r.duplicates) == (0, 0) and r.reconciled
    assert r.related == {
        "g_location_disambiguated": c["locations"],
        "g_patent": c["patents"],
        "g_application": c["applications"],
        "g_cpc_current": c["patent_cpc"],
        "g_assignee_disambiguated": c["patent_assignees"],
        "g_inventor_disambiguated": c["patent_inventors"],
        "g_us_patent_citation": c["patent_citations"],
    }
    counts = store.counts()
    for t in PATENT_TABLES:
        assert counts[t] == c[t], t
    assert rows(store, "SELECT DISTINCT origin FROM patents") == [("synthetic:patentsview",)]
    assert rows(store, "SELECT count(*) FROM patents WHERE filing_date IS NULL") == [(0,)]
    assert rows(store, "SELECT count(*) FILTER (WHERE is_first) = count(DISTINCT patent_id) "
                       "FROM patent_cpc") == [(True,)]  # fmt: skip
    assert rows(store, "SELECT count(*) FROM patent_assignees WHERE country_code IS NULL") == [(0,)]
    # the planted bottleneck holders are stored under the namespaced id
    holders = {ID_PREFIX + h["assignee_id"] for h in world.planted["bottleneck"]["holders"]}
    stored = {a for (a,) in rows(store, "SELECT DISTINCT assignee_id FROM patent_assignees")}
    assert holders <= stored

    # project participants name assignees as patentsview:<id>: same organisation
    store.con.execute(
        """INSERT INTO project_participants
           SELECT project_id, org_id, name, role, type, country_code, contribution::DOUBLE
           FROM read_csv($p, all_varchar = true)""",
        {"p": str(world.path / "projects" / "participants.csv")},
    ).fetchall()
    resolve_organizations(store)
    pairs = rows(
        store,
        """SELECT p.source_id, p.org_id, a.org_id FROM org_aliases p
           JOIN org_aliases a ON a.source = 'assignee' AND a.source_id = p.source_id
           WHERE p.source = 'participant'""",
    )
    assert pairs and all(pid == org == aorg for pid, org, aorg in pairs)
