"""CORDIS reader: real-shaped Horizon Europe project.csv / organization.csv (and XLSX)."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from forcemap.errors import NotFoundError, ParseError
from forcemap.store import Store
from forcemap.store.ingest import SOURCES, ingest
from forcemap.store.ingest.cordis import ingest_cordis
from forcemap.store.organizations import resolve_organizations
from forcemap.store.store import IngestReport

DATA = Path(__file__).parent.parent / "data" / "cordis"
PROJECT, ORG = DATA / "project.csv", DATA / "organization.csv"


def _rows(s: Store, sql: str) -> list[tuple[Any, ...]]:
    return s.con.execute(sql).fetchall()


def _quarantine(s: Store) -> list[tuple[Any, ...]]:
    rows = _rows(s, "SELECT file, line, record_id, field, reason FROM quarantine")
    return sorted((Path(f).name, line, rid, fld, r) for f, line, rid, fld, r in rows)


def _reconciled(r: IngestReport) -> None:
    assert r.reconciled
    assert r.read == r.stored + r.replaced + r.rejected + r.duplicates + r.filtered
    assert r.rejected == sum(r.reasons.values())


EXPECTED_QUARANTINE = [
    ("organization.csv", 9, "cordis:101116741", "country", "unknown country code"),
    (
        "organization.csv",
        10,
        "cordis:101116741",
        "activityType",
        "activityType is not one of HES, OTH, PRC, PUB, REC",
    ),
    ("organization.csv", 11, "cordis:101055555", "projectID", "unknown project"),
    (
        "organization.csv",
        12,
        "cordis:101070262",
        "ecContribution",
        "ecContribution is not a non-negative number",
    ),
    ("project.csv", 5, None, None, "malformed CSV: too few fields"),
    ("project.csv", 7, "cordis:101099999", "startDate", "startDate is not a YYYY-MM-DD date"),
    ("project.csv", 8, "cordis:101088888", "totalCost", "totalCost is not a non-negative number"),
]


def test_fixture_is_real_shaped() -> None:
    raw = PROJECT.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM
    assert b'"7999573,75"' in raw  # decimal comma
    assert b"\r\n" in raw and b"anode.\nWork package" in raw  # CRLF records, LF inside a field
    with open(PROJECT, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh, delimiter=";"))
    assert header[:8] == [
        "id",
        "acronym",
        "status",
        "title",
        "startDate",
        "endDate",
        "totalCost",
        "ecMaxContribution",
    ]


def test_folder_maps_projects_and_participants(store: Store) -> None:
    # the folder holds both files; the project file is read first whatever the order given
    r = ingest(store, "cordis", [ORG, PROJECT])
    _reconciled(r)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (17, 10, 7, 0)
    assert r.related == {"projects": 3, "project_participants": 7}
    assert [Path(f).name for f in r.files] == ["project.csv", "organization.csv"]
    assert _rows(store, "SELECT * FROM projects ORDER BY project_id") == [
        (
            "cordis:101069681",
            "Solid-state lithium-metal batteries for heavy-duty transport",
            "HORIZON",
            date(2022, 9, 1),
            date(2026, 8, 31),
            7999573.75,  # decimal comma
            "EUR",
            "The project develops a solid-state cell with a lithium-metal anode.\nWork package 2 "
            'scales the "dry-coating" process to a pilot line; WP3 validates 400 Wh/kg cells.',
            "active",  # SIGNED
            "cordis",
            1,
        ),
        (
            "cordis:101070262",
            "Packaging and test of photonic integrated circuits",
            "HORIZON",
            date(2022, 1, 1),
            date(2024, 12, 31),
            4122500.0,
            "EUR",
            "Wafer-level packaging; test and calibration of PICs.",
            "completed",  # CLOSED
            "cordis",
            1,
        ),
        (
            "cordis:101116741",
            "Coherent control of directional quantum emitters",
            "HORIZON",
            date(2024, 1, 1),
            date(2028, 12, 31),
            1499873.0,  # no totalCost: the EC maximum contribution
            "EUR",
            "Quantum emitters; directional coupling.",
            "terminated",
            "cordis",
            1,
        ),
    ]
    assert _rows(store, "SELECT * FROM project_participants") == [
        ("cordis:101069681", "cordis:999981731", "FORSCHUNGSZENTRUM JULICH GMBH", "coordinator",
         "research", "DE", 1500000.0),
        ("cordis:101069681", "cordis:999887642", "KUNGLIGA TEKNISKA HOEGSKOLAN", "participant",
         "education", "SE", 998750.25),
        ("cordis:101069681", "cordis:888555321", "BATTERY SYSTEMS AB", "participant", "company",
         "SE", 2500000.0),
        ("cordis:101070262", "cordis:999974653", "UNIVERSITY OF SOUTHAMPTON", "coordinator",
         "education", "GB", 1200000.5),  # UK -> GB
        ("cordis:101070262", "cordis:999897157", "IDRYMA TECHNOLOGIAS KAI EREVNAS", "participant",
         "research", "GR", 2000000.0),  # EL -> GR
        ("cordis:101070262", "cordis:906221457", "Ministère de l'Économie, \"Direction générale\"",
         "third party", "government", "FR", None),
        ("cordis:101116741", "cordis:999997930", "DANMARKS TEKNISKE UNIVERSITET", "coordinator",
         "education", "DK", 1499873.0),
    ]  # fmt: skip
    assert _quarantine(store) == EXPECTED_QUARANTINE
    # the quarantine file keeps the raw record, re-serialised with CORDIS's separator
    rows = [json.loads(x) for f in r.quarantine_files for x in Path(f).read_text().splitlines()]
    assert len(rows) == 7
    bad = next(x for x in rows if x["line"] == 7)
    assert bad["raw"].startswith("101099999;BADDATE;SIGNED;") and "01/09/2023" in bad["raw"]


def test_ingest_log_counts_per_file(store: Store) -> None:
    ingest_cordis(store, DATA)
    assert _rows(
        store,
        """SELECT source, read, stored, rejected, duplicates, status FROM ingest_log
           ORDER BY batch_id""",
    ) == [("cordis", 6, 3, 3, 0, "ok"), ("cordis", 11, 7, 4, 0, "ok")]


def test_reingest_is_idempotent_and_updates_replace(store: Store, tmp_path: Path) -> None:
    ingest_cordis(store, DATA)
    before = (
        _rows(store, "SELECT * FROM projects"),
        _rows(store, "SELECT * FROM project_participants"),
    )
    r = ingest_cordis(store, DATA)
    assert r.skipped == [str(PROJECT), str(ORG)] and r.read == 0
    # a new release of the same files (bytes differ): nothing is duplicated
    new = tmp_path / "cordis"
    shutil.copytree(DATA, new)
    text = (new / "project.csv").read_text(encoding="utf-8-sig")
    (new / "project.csv").write_text(
        text.replace('"SIGNED";"Solid-state', '"CLOSED";"Solid-state'), encoding="utf-8-sig"
    )
    org = (new / "organization.csv").read_text(encoding="utf-8-sig")
    (new / "organization.csv").write_text(
        org.replace('"998750,25";"998750,25"', '"1000000,00";"1000000,00"'), encoding="utf-8-sig"
    )
    r = ingest_cordis(store, new)
    _reconciled(r)
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates) == (17, 0, 10, 7, 0)
    assert len(_rows(store, "SELECT * FROM projects")) == len(before[0]) == 3
    assert len(_rows(store, "SELECT * FROM project_participants")) == len(before[1]) == 7
    assert _rows(store, "SELECT status FROM projects WHERE project_id = 'cordis:101069681'") == [
        ("completed",)
    ]
    assert _rows(
        store,
        "SELECT contribution FROM project_participants WHERE org_id = 'cordis:999887642'",
    ) == [(1000000.0,)]
    # every batch is kept in the history
    assert _rows(store, "SELECT count(*), count(DISTINCT batch_id) FROM ingest_log") == [(4, 4)]


def _to_xlsx(src: Path, dst: Path) -> None:
    """The XLSX version CORDIS publishes: same header, numbers as numbers."""
    wb = Workbook()
    ws = wb.active
    with open(src, encoding="utf-8-sig", newline="") as fh:
        for n, row in enumerate(csv.reader(fh, delimiter=";")):
            if n and len(row) < 10:
                continue  # the malformed CSV record has no XLSX counterpart
            cells: list[object] = []
            for v in row:
                money = v.replace(",", ".")
                if n and v.replace(",", "").isdigit() and len(v) < 12:
                    cells.append(float(money) if "," in v else int(v))
                else:
                    cells.append(v or None)
            ws.append(cells)
    wb.save(dst)


def test_xlsx_versions_read_like_the_csv(store: Store, tmp_path: Path) -> None:
    _to_xlsx(PROJECT, tmp_path / "project.xlsx")
    _to_xlsx(ORG, tmp_path / "organization.xlsx")
    r = ingest_cordis(store, tmp_path)
    _reconciled(r)
    assert (r.read, r.stored, r.rejected) == (16, 10, 6)
    assert _rows(store, "SELECT project_id, budget FROM projects ORDER BY 1") == [
        ("cordis:101069681", 7999573.75),
        ("cordis:101070262", 4122500.0),
        ("cordis:101116741", 1499873.0),
    ]
    assert _rows(store, "SELECT count(*), sum(contribution) FROM project_participants") == [
        (7, 1500000.0 + 998750.25 + 2500000.0 + 1200000.5 + 2000000.0 + 1499873.0)
    ]
    # XLSX lines are sheet rows (header = row 1; no multi-line records)
    assert [x[1:] for x in _quarantine(store) if x[0] == "project.xlsx"] == [
        (5, "cordis:101099999", "startDate", "startDate is not a YYYY-MM-DD date"),
        (6, "cordis:101088888", "totalCost", "totalCost is not a non-negative number"),
    ]


def test_participants_resolve_to_typed_organisations(store: Store) -> None:
    ingest_cordis(store, DATA)
    resolve_organizations(store)
    got = dict(
        _rows(
            store,
            """SELECT a.source_id, o.type FROM org_aliases a JOIN organizations o USING (org_id)
               WHERE a.source = 'participant'""",
        )
    )
    assert got["cordis:999887642"] == "university"  # HES
    assert got["cordis:888555321"] == "enterprise"  # PRC
    assert got["cordis:999981731"] == "institute"  # REC


def test_errors_name_the_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        ingest_cordis(store, tmp_path / "missing.csv")
    with pytest.raises(NotFoundError, match="no CORDIS"):
        ingest_cordis(store, tmp_path)
    bad = tmp_path / "project.csv"
    bad.write_text("id,acronym,title\n1,A,B\n", encoding="utf-8")  # comma-separated: not CORDIS
    with pytest.raises(ParseError, match=r"project\.csv:1: not a CORDIS"):
        ingest_cordis(store, bad)
    no_id = tmp_path / "organization.csv"
    no_id.write_text('"projectID";"name"\n"1";"X"\n', encoding="utf-8")
    with pytest.raises(ParseError, match=r"lacks required column.*organisationID"):
        ingest_cordis(store, no_id)
    assert _rows(store, "SELECT count(*) FROM ingest_log") == [(0,)]


def test_registered_source() -> None:
    assert SOURCES["cordis"] == ("forcemap.store.ingest.cordis", "ingest_cordis")


def test_latin1_byte_late_in_a_cordis_file(store: Store, tmp_path: Path) -> None:
    """One Latin-1 ``é`` late in project.csv refused the file with "Current transaction is
    aborted"; now that record alone is quarantined with its line, or read with --encoding."""
    raw = PROJECT.read_bytes()
    last = raw.rstrip(b"\r\n").rsplit(b"\r\n", 1)[1]
    bad = (  # the last (invalid-cost) record, made valid, with a new id and a Latin-1 byte
        last.replace(b'"101088888"', b'"101077777"')
        .replace(b"broken cost", b"caf\xe9 cost")
        .replace(b'"1.234.567,89"', b'"1234567,89"')
    )
    f = tmp_path / "project.csv"
    f.write_bytes(raw + bad + b"\r\n")
    r = ingest_cordis(store, f)
    _reconciled(r)
    n_lines = len(f.read_bytes().rstrip(b"\r\n").split(b"\r\n"))
    ((line, reason),) = _rows(
        store, "SELECT line, reason FROM quarantine WHERE reason LIKE 'invalid UTF-8%'"
    )
    assert line >= n_lines - 1 and "0xE9" in reason
    assert store.scalar("SELECT count(*) FROM projects WHERE project_id = 'cordis:101077777'") == 0
    r2 = ingest_cordis(store, f, encoding="cp1252")
    _reconciled(r2)
    assert (
        store.scalar("SELECT title FROM projects WHERE project_id = 'cordis:101077777'")
        == "A project with a café cost"
    )
