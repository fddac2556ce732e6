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
        (8, None, None, "malformed CSV: too few fields"),  # after a blank line
        (10, "10000007", "num_claims", "invalid num_claims: not a number"),
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
    # the 3 valid locations are a lookup, filtered: not stored by themselves
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates, r.filtered) == (
        43,
        23,
        0,
        14,
        3,
        3,
    )
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
        store,
        "SELECT source, file, read, stored, replaced, rejected, duplicates, filtered, status "
        "FROM ingest_log",
    )
    assert log == [("patentsview", str(FIXTURE), 43, 23, 0, 14, 3, 3, "ok")]


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
        ("US-10000001", 1, f"{ID_PREFIX}a-1", "Acme Corp", "company", "US", "Boston", "location"),
        ("US-10000001", 2, f"{ID_PREFIX}a-2", "Jane Doe", "individual", "US", "Boston",
         "location"),
        # location loc-9 is not in g_location: no country, no city (a-4 has no other row)
        ("US-10000009", 1, f"{ID_PREFIX}a-4", "Department of Energy", "government", None, None,
         None),
        # type 12 = US company with part interest
        ("US-10000009", 2, f"{ID_PREFIX}a-1", "Acme Corp", "company", "US", "Boston", "location"),
        ("US-D800001", 1, f"{ID_PREFIX}a-3", "Ikea AB", "company", "SE", "Stockholm", "location"),
    ]  # fmt: skip
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
    assert r.source == "patentsview" and r.stored == 23
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
    assert (r.read, r.stored, r.rejected, r.duplicates) == (43, 23, 14, 3)
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
        (3, None, "invalid UTF-8 byte 0xFF at column 39"),
        (4, None, "malformed CSV: too many fields"),
        (6, "patent_id", "invalid patent_id"),
        (7, None, "malformed CSV: text after a closing quote"),
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
    # every patent and child row replaces a stored copy: replaced, not stored
    assert (r.stored, r.replaced, r.filtered) == (0, 23, 3) and not r.skipped
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


# -- every record accounted for (issue 16): the fixture's real-format tables, corrupted ----------


def patent_row(n: int, title: str = "Widget", claims: str = "20") -> str:
    """A g_patent line in the fixture's format (every field quoted)."""
    vals = [str(11_000_000 + n), "utility", "2020-01-07", title, "An abstract.", "B2", claims]
    return "\t".join(f'"{v}"' for v in [*vals, "0", "ipg200107.xml"])


def patent_table(d: Path, lines: list[str]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    header = "\t".join(f'"{c}"' for c in pv.PATENTSVIEW_TABLES["g_patent"])
    path = d / "g_patent.tsv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_stray_quote_loses_only_its_own_line(store: Store, tmp_path: Path) -> None:
    """A value written as ``"12148.5`` (an opening quote never closed) used to swallow the
    following lines; now its line alone is quarantined and every other row is stored."""
    lines = [patent_row(i) for i in range(1, 2001)]
    lines[10] = lines[10].replace('"Widget"', '"Widget')  # physical line 12
    patent_table(tmp_path / "pv", lines)
    r = ingest_patentsview(store, tmp_path / "pv")
    assert (r.read, r.stored, r.rejected, r.duplicates) == (2000, 1999, 1, 0)
    [(line, field, reason)] = rows(store, "SELECT line, field, reason FROM quarantine")
    assert line == 12 and field is None and reason.startswith("malformed CSV")
    assert rows(store, "SELECT count(*) FROM patents") == [(1999,)]


def test_a_pair_of_stray_quotes_four_lines_apart_loses_only_those_two_lines(
    store: Store, tmp_path: Path
) -> None:
    """An opening quote on line 6 and a closing one on line 10 used to make one record of
    lines 6-10 (an 800-character title taking a later row's values): now line 6 is a stray
    quote, lines 7-9 are rows of their own, and line 10's quote is a literal character."""
    lines = [patent_row(i) for i in range(1, 21)]
    lines[4] = lines[4].replace('"Widget"', '"Widget')  # line 6
    lines[8] = lines[8].replace('"Widget"', 'Widget"')  # line 10
    patent_table(tmp_path / "pv", lines)
    r = ingest_patentsview(store, tmp_path / "pv")
    assert (r.read, r.stored, r.rejected) == (20, 19, 1)
    assert [q[0] for q in rows(store, "SELECT line FROM quarantine ORDER BY 1")] == [6]
    assert rows(store, "SELECT title, count(*) FROM patents GROUP BY 1 ORDER BY 1") == [
        ("Widget", 18),
        ('Widget"', 1),
    ]
    assert rows(store, "SELECT max(length(title)) FROM patents") == [(7,)]


def test_a_latin1_byte_late_in_the_file_quarantines_its_row(store: Store, tmp_path: Path) -> None:
    lines = [patent_row(i) for i in range(1, 501)]
    path = patent_table(tmp_path / "pv", lines)
    data = path.read_bytes()
    cut = data.rindex(b'"Widget"')  # in the last row, line 501
    path.write_bytes(data[:cut] + b'"Caf\xe9"' + data[cut + 8 :])
    col = cut - data.rindex(b"\n", 0, cut) + 4  # 1-based column of the byte after '"Caf'
    r = ingest_patentsview(store, tmp_path / "pv")
    assert (r.read, r.stored, r.rejected) == (500, 499, 1)
    assert rows(store, "SELECT line, reason FROM quarantine") == [
        (501, f"invalid UTF-8 byte 0xE9 at column {col}")
    ]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ("NaN", "invalid num_claims: not a finite number"),
        ("inf", "invalid num_claims: not a finite number"),
        ("-Infinity", "invalid num_claims: not a finite number"),
        ("1e400", "invalid num_claims: not a finite number"),
        ("2147483648", "invalid num_claims: out of range (0..2,147,483,647)"),
        ("18446744073709551615", "invalid num_claims: out of range (0..2,147,483,647)"),
        ("-3", "invalid num_claims: out of range (0..2,147,483,647)"),
        ("2.5", "invalid num_claims: not a whole number"),
        ("twenty", "invalid num_claims: not a number"),
    ],
)
def test_a_bad_number_is_quarantined_naming_the_field(
    store: Store, tmp_path: Path, claims: str, reason: str
) -> None:
    lines = [patent_row(i) for i in range(1, 6)]
    lines[2] = patent_row(3, claims=claims)
    patent_table(tmp_path / "pv", lines)
    r = ingest_patentsview(store, tmp_path / "pv")
    assert (r.read, r.stored, r.rejected) == (5, 4, 1)
    assert rows(store, "SELECT line, record_id, field, reason FROM quarantine") == [
        (4, "11000003", "num_claims", reason)
    ]
    assert rows(store, "SELECT count(*) FROM patents WHERE num_claims IS NULL") == [(0,)]


def test_a_record_over_the_size_limit_is_quarantined_with_its_size(
    store: Store, tmp_path: Path
) -> None:
    """A 21 MB row (DuckDB's reader used to fail on the whole directory)."""
    lines = [patent_row(i) for i in range(1, 4)]
    lines[1] = patent_row(2, title="x" * (21 * 2**20))
    patent_table(tmp_path / "pv", lines)
    r = ingest_patentsview(store, tmp_path / "pv")
    assert (r.read, r.stored, r.rejected) == (3, 2, 1)
    [(line, reason)] = rows(store, "SELECT line, reason FROM quarantine")
    size = len(lines[1].encode())
    assert (line, reason) == (3, f"record of {size:,} bytes is over the 16,777,216-byte limit")


def test_bom_crlf_mixed_endings_and_a_repeated_header_lose_nothing(
    store: Store, tmp_path: Path
) -> None:
    d = copy_fixture(tmp_path)
    for f in d.glob("g_*.tsv"):
        data = f.read_bytes().replace(b"\n", b"\r\n")
        data = data.replace(b"\r\n", b"\n", 2)  # mixed: the first two lines end in LF
        f.write_bytes(b"\xef\xbb\xbf" + data)
    header = (d / "g_cpc_current.tsv").read_bytes().split(b"\r\n")[0].split(b"\n")[0]
    with open(d / "g_cpc_current.tsv", "ab") as fh:  # a second file concatenated, BOM too
        fh.write(b"\xef\xbb\xbf" + header.removeprefix(b"\xef\xbb\xbf") + b"\r\n")
    r = ingest_patentsview(store, d)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (44, 23, 14, 3)
    assert r.filter_reasons == {pv._LOOKUP: 3, "repeated header line": 1}
    got = rows(store, "SELECT file, line, record_id, field, reason FROM quarantine")
    want = [(str(d / f), *q) for f, qs in EXPECTED_QUARANTINE.items() for q in qs]
    assert sorted(got, key=str) == sorted(want, key=str)


def test_a_replaced_patent_counts_as_replaced_not_stored(store: Store, tmp_path: Path) -> None:
    ingest_patentsview(store, FIXTURE)
    d = tmp_path / "release2"
    d.mkdir()
    shutil.copy(FIXTURE / "g_patent.tsv", d)
    edit(d / "g_patent.tsv", lambda s: s + patent_row(1) + "\n")
    r = ingest_patentsview(store, d)
    # 4 patents already stored (replaced), 1 new (stored); 5 rejects and 1 duplicate as before
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates) == (11, 1, 4, 5, 1)
    assert rows(store, "SELECT count(*) FROM patents") == [(5,)]


def test_more_cpc_rows_than_the_seq_column_holds(store: Store, tmp_path: Path) -> None:
    """32,770 CPC rows of one patent: no crash; the rows past 32,767 are quarantined."""
    d = tmp_path / "pv"
    patent_table(d, [patent_row(1)])
    header = "\t".join(f'"{c}"' for c in pv.PATENTSVIEW_TABLES["g_cpc_current"])
    cpc = [
        f'"11000001"\t"{i}"\t"H"\t"H01"\t"H01L"\t"H01L{i % 9000}/{i % 90 + 10}"\t"inventional"'
        for i in range(32_770)
    ]
    (d / "g_cpc_current.tsv").write_text("\n".join([header, *cpc]) + "\n", encoding="utf-8")
    r = ingest_patentsview(store, d)
    assert (r.read, r.stored, r.rejected) == (32_771, 1 + 32_767, 3)
    assert rows(store, "SELECT field, reason, count(*) FROM quarantine GROUP BY ALL") == [
        ("cpc_sequence", "more than 32,767 rows for one patent", 3)
    ]
    assert rows(store, "SELECT max(seq) FROM patent_cpc") == [(32_767,)]


def test_a_cut_gzip_table_keeps_the_rows_before_the_cut(store: Store, tmp_path: Path) -> None:
    path = patent_table(tmp_path / "pv", [patent_row(i) for i in range(1, 3001)])
    gz = gzip.compress(path.read_bytes())
    path.unlink()
    (tmp_path / "pv" / "g_patent.tsv.gz").write_bytes(gz[: len(gz) // 2])
    r = ingest_patentsview(store, tmp_path / "pv")
    assert r.reconciled and 0 < r.stored < 3000 and r.read == r.stored + r.rejected
    assert rows(store, "SELECT status FROM ingest_log") == [("truncated",)]
    # the record cut off is quarantined as such, on the last line read
    assert rows(store, "SELECT reason FROM quarantine ORDER BY line DESC LIMIT 1") == [
        (pv._TRUNCATED,)
    ]


def test_a_duckdb_failure_names_the_directory_not_the_whole_store(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from forcemap.errors import StoreError

    def fail(*args: Any, **kwargs: Any) -> None:
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(pv, "_write", fail)
    with pytest.raises(StoreError, match="ingest failed, this directory left the store unchanged"):
        ingest_patentsview(store, FIXTURE)
