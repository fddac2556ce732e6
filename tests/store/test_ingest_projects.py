"""Projects reader: the forcemap project folder, every bad-row class, upserts, atomicity."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from forcemap.errors import NotFoundError, ParseError
from forcemap.store import Store
from forcemap.store.ingest import ingest
from forcemap.store.ingest import projects as projects_mod
from forcemap.store.ingest.projects import ingest_projects
from forcemap.store.store import IngestReport
from forcemap.store.synth import WorldManifest, write_world

DATA = Path(__file__).parent.parent / "data" / "projects"
GOOD, BAD = DATA / "good", DATA / "bad"


def _rows(s: Store, sql: str) -> list[tuple[Any, ...]]:
    return s.con.execute(sql).fetchall()


def _quarantine(s: Store) -> list[tuple[Any, ...]]:
    """(file name, line, record id, field, reason) of every quarantined record, in order."""
    rows = _rows(s, "SELECT file, line, record_id, field, reason FROM quarantine")
    return sorted((Path(f).name, line, rid, fld, r) for f, line, rid, fld, r in rows)


def _reconciled(r: IngestReport) -> None:
    assert r.read == r.stored + r.replaced + r.rejected + r.duplicates + r.filtered
    assert r.rejected == sum(r.reasons.values())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldManifest:
    return write_world(tmp_path_factory.mktemp("world"), scale=0.05, seed=1)


def test_synthetic_world_projects_are_ingested_whole(store: Store, world: WorldManifest) -> None:
    r = ingest_projects(store, world.path / "projects")
    c = world.counts
    n = c["projects"] + c["project_participants"] + c["project_outputs"]
    assert (r.read, r.stored, r.rejected, r.duplicates) == (n, n, 0, 0)
    assert r.related == {
        "projects": c["projects"],
        "project_participants": c["project_participants"],
        "project_outputs": c["project_outputs"],
    }
    counts = store.counts()
    assert counts["projects"] == c["projects"]
    assert counts["project_participants"] == c["project_participants"]
    assert counts["project_outputs"] == c["project_outputs"]
    # a synthetic world is labelled as such, and the folder is one batch
    assert _rows(store, "SELECT DISTINCT origin FROM projects") == [("synthetic:projects",)]
    assert _rows(store, "SELECT source, file, read, status FROM ingest_log") == [
        ("projects", str(world.path / "projects"), n, "ok")
    ]
    # every participant country is an ISO alpha-2 code of the world's countries
    iso2 = {x["iso2"] for x in world.countries}
    got = {c for (c,) in _rows(store, "SELECT DISTINCT country_code FROM project_participants")}
    assert got <= iso2


def test_good_folder_maps_every_column(store: Store) -> None:
    r = ingest_projects(store, GOOD, origin="cordis-test")
    assert (r.read, r.stored, r.rejected, r.duplicates) == (16, 16, 0, 0)
    assert r.related == {"projects": 4, "project_participants": 7, "project_outputs": 5}
    assert _rows(store, "SELECT * FROM projects ORDER BY project_id") == [
        (
            "HE-101000001",
            "Solid-state batteries for heavy transport",
            "Horizon Europe Cluster 5",
            date(2021, 9, 1),
            date(2025, 8, 31),
            4998750.0,
            "EUR",
            "Demonstrate a 400 Wh/kg solid-state cell.",
            "active",
            "cordis-test",
            1,
        ),
        (
            "HE-101000002",
            "Photonic chips, packaging and test",
            "Horizon Europe Cluster 4",
            date(2020, 1, 1),
            date(2023, 12, 31),
            3200000.5,
            "EUR",
            "Design, package and test photonic integrated circuits.\nSecond work package: "
            "pilot line.",
            "completed",
            "cordis-test",
            1,
        ),
        (
            "KEY-2019-004",
            "Lithography light source",
            "National Key R&D Programme",
            date(2019, 1, 1),
            date(2022, 12, 31),
            None,
            "CNY",
            "Domestic EUV light source.",
            "terminated",
            "cordis-test",
            1,
        ),
        (
            "NSF-2100003",
            "Quantum sensing testbed",
            "NSF Quantum Leap",
            date(2022, 7, 15),
            None,
            1250000.0,
            "USD",
            None,
            "active",
            "cordis-test",
            1,
        ),
    ]
    # country codes: alpha-2 kept, alpha-3 (SWE), EU codes (UK, EL) and numeric (156) mapped
    assert _rows(
        store, "SELECT org_id, country_code, contribution, role FROM project_participants"
    ) == [
        ("I4210135521", "DE", 1500000.0, "coordinator"),
        ("I201448701", "SE", 998750.0, "partner"),
        ("E999000001", "SE", 2500000.0, "partner"),
        ("I121934306", "GB", 1200000.5, "coordinator"),
        ("I154526488", "GR", 2000000.0, "partner"),
        ("I136199984", "US", None, "coordinator"),
        ("I99065089", "CN", None, "coordinator"),
    ]
    # OpenAlex URLs are shortened to the store's work ids
    assert _rows(store, "SELECT * FROM project_outputs") == [
        ("HE-101000001", "work", "W3125707221"),
        ("HE-101000001", "work", "W4226098754"),
        ("HE-101000001", "patent", "US-11145891"),
        ("HE-101000002", "work", "W2963341956"),
        ("NSF-2100003", "patent", "US-11521741"),
    ]


def test_bad_rows_are_quarantined_with_file_line_and_field(store: Store) -> None:
    r = ingest_projects(store, BAD)
    _reconciled(r)
    # projects: 10 records (a blank line is not one), 7 rejected, P-1 twice (last line wins)
    # participants: 8 read, 5 rejected, ORG-A twice; outputs: 7 read, 3 rejected, W100 twice
    assert (r.read, r.stored, r.rejected, r.duplicates) == (25, 7, 15, 3)
    assert r.related == {"projects": 2, "project_participants": 2, "project_outputs": 3}
    assert _quarantine(store) == [
        ("outputs.csv", 4, "P-1", "output_type", "output_type is not work or patent"),
        ("outputs.csv", 5, "P-1", "output_id", "missing output_id"),
        ("outputs.csv", 6, "P-404", "project_id", "unknown project"),
        ("participants.csv", 3, "P-1", "org_id", "missing org_id"),
        ("participants.csv", 4, "P-1", "country_code", "unknown country code"),
        ("participants.csv", 5, "P-1", "contribution", "contribution is not a non-negative number"),
        ("participants.csv", 6, "P-404", "project_id", "unknown project"),
        # P-3 was rejected in projects.csv, so its participant has no project either
        ("participants.csv", 7, "P-3", "project_id", "unknown project"),
        ("projects.csv", 3, None, "project_id", "missing project_id"),
        ("projects.csv", 4, "P-3", "start_date", "start_date is not a YYYY-MM-DD date"),
        ("projects.csv", 5, "P-4", "end_date", "end_date is not a YYYY-MM-DD date"),
        ("projects.csv", 6, "P-5", "end_date", "end_date is before start_date"),
        ("projects.csv", 7, "P-6", "budget", "budget is not a non-negative number"),
        ("projects.csv", 9, None, None, "malformed CSV: too many fields"),
        ("projects.csv", 10, "P-8", "budget", "budget is not a non-negative number"),
    ]
    # the later line of a repeated key wins
    assert _rows(store, "SELECT project_id, title, budget FROM projects ORDER BY 1") == [
        ("P-1", "Good project (corrected)", 120000.0),
        ("P-9", "Open-ended", None),
    ]
    assert sorted(
        _rows(store, "SELECT org_id, name, country_code, contribution FROM project_participants")
    ) == [("ORG-A", "Org A (renamed)", "FR", 60000.0), ("ORG-F", "Org F", "DE", None)]
    assert sorted(_rows(store, "SELECT * FROM project_outputs")) == [
        ("P-1", "patent", "US-1234567"),
        ("P-1", "work", "W100"),
        ("P-9", "work", "W300"),
    ]
    # the quarantine is exported with the raw record re-serialised as CSV
    (qfile,) = r.quarantine_files
    recs = [json.loads(x) for x in Path(qfile).read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 15
    raw = {(Path(x["file"]).name, x["line"]): x["raw"] for x in recs}
    assert raw[("participants.csv", 4)] == "P-1,ORG-B,Org B,partner,education,XX,10000"
    assert raw[("projects.csv", 9)] == (
        "P-7,Too many fields,Prog A,2020-01-01,2022-12-31,100000,EUR,,active,extra"
    )


def test_reingest_is_skipped_and_changes_replace_not_duplicate(
    store: Store, tmp_path: Path
) -> None:
    first = ingest_projects(store, GOOD)
    again = ingest_projects(store, GOOD)
    assert again.skipped == [str(GOOD)] and again.read == 0
    assert store.scalar("SELECT count(*) FROM ingest_log") == 1
    # a changed folder: one budget changed, one participant dropped
    d = tmp_path / "v2"
    shutil.copytree(GOOD, d)
    p = d / "projects.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("4998750", "5100000"), encoding="utf-8")
    q = d / "participants.csv"
    q.write_text(
        "".join(x for x in q.read_text(encoding="utf-8").splitlines(True) if "Volvo" not in x),
        encoding="utf-8",
    )
    r = ingest_projects(store, d)
    _reconciled(r)
    # everything was stored before: every row replaces its stored copy, nothing is doubled
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates) == (
        first.read - 1,
        0,
        15,
        0,
        0,
    )
    counts = store.counts()
    assert (
        counts["projects"],
        counts["project_participants"],
        counts["project_outputs"],
    ) == (4, 6, 5)
    assert store.scalar("SELECT budget FROM projects WHERE project_id = 'HE-101000001'") == (
        5100000.0
    )
    assert store.scalar("SELECT count(*) FROM project_participants WHERE name LIKE 'Volvo%'") == 0
    assert _rows(store, "SELECT DISTINCT batch_id FROM projects") == [(2,)]


def test_single_files_and_unknown_projects(store: Store, tmp_path: Path) -> None:
    # participants alone, before their projects exist: all quarantined
    r = ingest_projects(store, GOOD / "participants.csv")
    assert (r.read, r.stored, r.rejected) == (7, 0, 7)
    assert r.reasons == {"unknown project": 7}
    ingest_projects(store, GOOD / "projects.csv")
    # identical bytes are skipped even though their rows were quarantined
    assert ingest_projects(store, GOOD / "participants.csv").skipped
    # a file not named like the layout is recognised by its header
    other = tmp_path / "members-2024.csv"
    lines = (GOOD / "participants.csv").read_text(encoding="utf-8").splitlines(True)
    other.write_text("".join(lines[:4]), encoding="utf-8")
    r = ingest_projects(store, other)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (3, 3, 0, 0)
    assert store.counts()["project_participants"] == 3


def test_quoted_line_breaks_keep_physical_line_numbers(store: Store, tmp_path: Path) -> None:
    d = tmp_path / "p"
    d.mkdir()
    (d / "projects.csv").write_text(
        "project_id,title,start_date\n"
        'A,"two\nlines",2020-01-01\n'
        "\n"
        'B,"three\n\nlines",2020-13-01\n'
        "C,one line,2021-01-01\n"
        "D,bad,20210101\n",
        encoding="utf-8",
    )
    r = ingest_projects(store, d)
    assert (r.read, r.stored, r.rejected) == (4, 2, 2)
    assert _rows(store, "SELECT line, record_id FROM quarantine ORDER BY line") == [
        (5, "B"),
        (9, "D"),
    ]
    assert store.scalar("SELECT title FROM projects WHERE project_id = 'A'") == "two\nlines"


def test_missing_columns_and_files_give_clear_errors(store: Store, tmp_path: Path) -> None:
    cordis = tmp_path / "cordis" / "projects.csv"
    cordis.parent.mkdir()
    cordis.write_text(
        "id;acronym;status;title;startDate;endDate;totalCost\n"
        "101000001;SOLID;SIGNED;Solid batteries;2021-09-01;2025-08-31;4998750\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError) as e:
        ingest_projects(store, cordis.parent)
    msg = str(e.value)
    assert msg.startswith(f"{cordis}:1: ")
    assert "lacks required column(s) project_id" in msg
    assert "project_id,title,programme,start_date,end_date,budget,currency,goals,status" in msg
    outputs = tmp_path / "outputs.csv"
    outputs.write_text("project_id,output_id\nP,W1\n", encoding="utf-8")
    with pytest.raises(ParseError, match="output_type; expected header: project_id,output_type"):
        ingest_projects(store, outputs)
    empty = tmp_path / "e" / "projects.csv"
    empty.parent.mkdir()
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ParseError, match="empty file"):
        ingest_projects(store, empty)
    with pytest.raises(NotFoundError, match=r"no projects\.csv"):
        ingest_projects(store, tmp_path)
    with pytest.raises(NotFoundError, match="no such file"):
        ingest_projects(store, tmp_path / "nothing")
    assert store.scalar("SELECT count(*) FROM ingest_log") == 0


def test_crash_mid_write_leaves_store_unchanged(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_projects(store, BAD)
    before = store.counts()
    q_before = _quarantine(store)

    def boom(*args: Any) -> tuple[int, int]:
        raise RuntimeError("disk on fire")

    # projects and participants are written, then the outputs step fails
    monkeypatch.setitem(projects_mod._WRITE, "outputs", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest_projects(store, GOOD)
    assert store.counts() == before
    assert _quarantine(store) == q_before
    assert store.scalar("SELECT count(*) FROM projects WHERE project_id LIKE 'HE-%'") == 0
    monkeypatch.undo()
    # nothing was logged, so the same folder is ingested in full afterwards
    r = ingest_projects(store, GOOD)
    assert (r.read, r.stored, r.skipped) == (16, 16, [])


def test_dispatcher_and_progress(store: Store) -> None:
    calls: list[tuple[int, int]] = []
    r = ingest(store, "projects", [GOOD], progress=lambda done, total: calls.append((done, total)))
    assert (r.read, r.stored) == (16, 16)
    assert _rows(store, "SELECT DISTINCT origin FROM projects") == [("projects",)]
    total = sum(f.stat().st_size for f in GOOD.iterdir())
    assert len(calls) == 3 and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_pair_of_stray_quotes_loses_no_project(store: Store, tmp_path: Path) -> None:
    """Two stray quotes four lines apart swallowed the lines between into one 878-character
    title that also took a later project's dates and budget. Now the line with the first
    quote is quarantined as a stray quote, every project in between is stored, and the second
    quote (inside an unquoted field) is kept as a character of its title."""
    lines = ["project_id,title,programme,start_date,end_date,budget,currency,goals,status"]
    for k in range(1, 11):
        lines.append(
            f"P{k},Title {k},Prog,2020-01-0{k % 9 + 1},2024-12-31,{k}000,EUR,Goal {k},active"
        )
    lines[3] = 'P3,"Stray title 3,Prog,2020-01-04,2024-12-31,3000,EUR,Goal 3,active'
    lines[7] = 'P7,Stray" title 7,Prog,2020-01-08,2024-12-31,7000,EUR,Goal 7,active'
    d = tmp_path / "stray"
    d.mkdir()
    (d / "projects.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = ingest_projects(store, d)
    _reconciled(r)
    assert (r.read, r.stored, r.rejected) == (10, 9, 1)
    assert _rows(store, "SELECT line, reason FROM quarantine") == [
        (4, "malformed CSV: stray quote (the quoted field would swallow the next lines)")
    ]
    got = dict(_rows(store, "SELECT project_id, title FROM projects"))
    assert sorted(got) == sorted(f"P{k}" for k in range(1, 11) if k != 3)
    assert got["P7"] == 'Stray" title 7' and max(len(t) for t in got.values()) < 20
    assert store.scalar("SELECT budget FROM projects WHERE project_id = 'P8'") == 8000


def test_latin1_byte_quarantines_one_project(store: Store, tmp_path: Path) -> None:
    d = tmp_path / "latin1"
    shutil.copytree(GOOD, d)
    p = d / "projects.csv"
    p.write_bytes(
        p.read_bytes() + "P-99,Caf\xe9 lab,Prog,2021-01-01,,10,EUR,,active\n".encode("latin-1")
    )
    r = ingest_projects(store, d)
    _reconciled(r)
    ((line, file, reason),) = _rows(
        store, "SELECT line, file, reason FROM quarantine WHERE reason LIKE 'invalid UTF-8%'"
    )
    assert file == str(p) and line == len(p.read_bytes().splitlines())
    assert reason.startswith("invalid UTF-8 byte 0xE9")
