"""Organisation hierarchy: OpenAlex lineage and associated institutions, ROR relations, cycles,
multiple parents, chains through institutions outside the store, roll-up levels."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from forcemap.errors import InputError, ParseError
from forcemap.store import Store
from forcemap.store.ingest import ingest
from forcemap.store.org_hierarchy import ORG_LEVELS, org_aliases_sql, org_rollup_sql
from forcemap.store.organizations import resolve_organizations
from forcemap.store.schema import MIGRATIONS

DATA = Path(__file__).parent.parent / "data" / "openalex"


def _hierarchy(store: Store) -> dict[str, tuple[str, str, int, str, int]]:
    rows = store.con.execute(
        "SELECT org_id, parent_id, top_id, depth, source, n_parents FROM org_hierarchy"
    ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


@pytest.fixture
def lineage_store(store: Store) -> Store:
    ingest(store, "openalex", [DATA / "lineage_works.jsonl", DATA / "institutions"])
    return store


def test_openalex_lineage_and_associated_institutions_are_read(
    lineage_store: Store, tmp_path: Path
) -> None:
    rows = set(
        lineage_store.con.execute(
            "SELECT institution_id, related_id, relationship, source FROM institution_relations"
        ).fetchall()
    )
    # lineage: one 'ancestor' row per ancestor other than the institution itself
    assert ("I4210127875", "I2801851002", "ancestor", "openalex:lineage") in rows
    assert ("I4210127875", "I136199984", "ancestor", "openalex:lineage") in rows
    assert not any(r[0] == r[1] for r in rows)
    assert ("I136199984", "I2801851002", "child", "openalex:associated") in rows
    assert ("I136199984", "I4210087915", "related", "openalex:associated") in rows
    # an associated institution in no work is stored (named) so the hierarchy can name it
    assert lineage_store.scalar(
        "SELECT name FROM institutions WHERE institution_id = 'I4210087915'"
    ) == ("Massachusetts General Hospital")
    # re-ingesting the entities (another file: a new checksum) replaces their relations
    n = lineage_store.scalar("SELECT count(*) FROM institution_relations")
    again = tmp_path / "institutions" / "part_001.jsonl"
    again.parent.mkdir()
    again.write_text((DATA / "institutions" / "part_000.jsonl").read_text() + "\n")
    report = ingest(lineage_store, "openalex", [again.parent])
    assert report.replaced == 3
    assert lineage_store.scalar("SELECT count(*) FROM institution_relations") == n


def test_hierarchy_from_lineage_and_associated(lineage_store: Store) -> None:
    report = resolve_organizations(lineage_store)
    h = _hierarchy(lineage_store)
    # lineage listed out of order: the department's parent is the school, its top the university
    assert h["I4210127875"] == ("I2801851002", "I136199984", 2, "openalex:lineage", 1)
    assert h["I4210159570"] == ("I63966007", "I63966007", 1, "openalex:lineage", 1)
    # associated_institutions 'child' of Harvard; outranks the lineage (same parent here)
    assert h["I2801851002"] == ("I136199984", "I136199984", 1, "openalex:associated", 1)
    # a 'parent' relation of an entity in no work
    assert h["I4210106879"] == ("I2801851002", "I136199984", 2, "openalex:associated", 1)
    # 'related' is not hierarchy
    assert h["I4210087915"] == ("I4210087915", "I4210087915", 0, "self", 0)
    # a joint unit with two unrelated ancestors: two candidates, the smallest id kept
    assert h["I4210092774"] == ("I1294671590", "I1294671590", 1, "openalex:lineage", 2)
    assert report.multiple_parents == 1 and report.with_parent == 5
    # no hierarchy known: parent = top = self
    assert h["I45129253"] == ("I45129253", "I45129253", 0, "self", 0)
    assert set(h) == {
        r[0] for r in lineage_store.con.execute("SELECT org_id FROM organizations").fetchall()
    }


def _relations(store: Store, rows: list[tuple[str, str, str, str]]) -> None:
    store.con.executemany("INSERT INTO institution_relations VALUES (?, ?, ?, ?, 0)", rows)


def _institutions(store: Store, rows: list[tuple[str, str | None, str]]) -> None:
    store.con.executemany(
        "INSERT INTO institutions VALUES (?, ?, ?, 'education', 'US', NULL, 'test')", rows
    )


def test_cycle_is_broken_at_its_smallest_id(store: Store) -> None:
    _institutions(store, [("I1", "01aaaaaa1", "A"), ("I2", "02bbbbbb2", "B"), ("I3", None, "C")])
    _relations(
        store,
        [
            ("ror:01aaaaaa1", "ror:02bbbbbb2", "parent", "ror"),
            ("ror:02bbbbbb2", "ror:01aaaaaa1", "parent", "ror"),
            ("I3", "I2", "parent", "openalex:associated"),
        ],
    )
    report = resolve_organizations(store)
    h = _hierarchy(store)
    assert report.cycles_broken == 1
    assert h["I1"] == ("I1", "I1", 0, "self", 1)  # the cut: a top
    assert h["I2"] == ("I1", "I1", 1, "ror", 1)
    assert h["I3"] == ("I2", "I1", 2, "openalex:associated", 1)


def test_self_loop_and_same_org_relations_are_ignored(store: Store) -> None:
    # I1 and I2 share a ROR: one organisation; a relation between them is not a parent
    _institutions(store, [("I1", "01aaaaaa1", "A"), ("I2", "01aaaaaa1", "A2")])
    _relations(store, [("I2", "I1", "parent", "openalex:associated"), ("I1", "I1", "child", "x")])
    resolve_organizations(store)
    assert _hierarchy(store) == {"I1": ("I1", "I1", 0, "self", 0)}


def test_chain_passes_through_an_institution_outside_the_store(store: Store) -> None:
    # ROR says lab -> faculty (not in the store) -> university
    _institutions(store, [("I1", "01aaaaaa1", "Lab"), ("I9", "09zzzzzz9", "University")])
    _relations(
        store,
        [
            ("ror:01aaaaaa1", "ror:05ffffff5", "parent", "ror"),
            ("ror:09zzzzzz9", "ror:05ffffff5", "child", "ror"),
        ],
    )
    resolve_organizations(store)
    assert _hierarchy(store)["I1"] == ("I9", "I9", 1, "ror", 1)


def test_ror_parent_outranks_lineage(store: Store) -> None:
    _institutions(
        store, [("I1", "01aaaaaa1", "Lab"), ("I2", "02bbbbbb2", "U1"), ("I3", None, "U2")]
    )
    _relations(
        store,
        [
            ("I1", "I3", "ancestor", "openalex:lineage"),
            ("ror:01aaaaaa1", "ror:02bbbbbb2", "parent", "ror"),
        ],
    )
    resolve_organizations(store)
    assert _hierarchy(store)["I1"] == ("I2", "I2", 1, "ror", 2)


def test_rollup_sql(lineage_store: Store) -> None:
    resolve_organizations(lineage_store)
    for level, expected in (
        ("self", "I4210127875"),
        ("parent", "I2801851002"),
        ("top", "I136199984"),
    ):
        got = lineage_store.scalar(
            "SELECT level_id FROM " + org_rollup_sql(level) + " WHERE org_id = 'I4210127875'"  # noqa: S608
        )
        assert got == expected, level
        got = lineage_store.scalar(
            "SELECT org_id FROM "  # noqa: S608
            + org_aliases_sql(level)
            + " WHERE source = 'institution' AND source_id = 'I4210127875'"
        )
        assert got == expected, level
    assert org_aliases_sql("self") == "org_aliases"
    assert ORG_LEVELS == ("self", "parent", "top")
    with pytest.raises(InputError, match="org level 'group'"):
        org_rollup_sql("group")


def test_idempotent_and_versions(lineage_store: Store) -> None:
    resolve_organizations(lineage_store)
    first = _hierarchy(lineage_store)
    v = lineage_store.scalar(
        "SELECT count(*) FROM table_versions WHERE table_name = 'org_hierarchy'"
    )
    resolve_organizations(lineage_store)
    assert _hierarchy(lineage_store) == first
    assert (
        lineage_store.scalar(
            "SELECT count(*) FROM table_versions WHERE table_name = 'org_hierarchy'"
        )
        == v
        == 1
    )


def test_populated_v4_store_migrates_and_resolves(synergy_store_path: Path, tmp_path: Path) -> None:
    """The real SYNERGY store taken back to V4 (the V5 tables dropped, its record removed),
    then opened: V5 applies on the populated store and the resolution builds a hierarchy in
    which (the 2023 records carry no lineage) every organisation is its own top."""
    path = tmp_path / "v4.duckdb"
    shutil.copy(synergy_store_path, path)
    con = duckdb.connect(str(path))
    v5 = MIGRATIONS[4]  # undo every part of V5 (the tables it creates, the columns it adds)
    for kind, name in re.findall(r"CREATE (TABLE|VIEW|SEQUENCE) (\w+)", v5):
        con.execute(f"DROP {kind} {name}")
    for table, column in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", v5):
        con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    con.execute("DELETE FROM schema_migrations WHERE version = 5")
    con.close()
    with Store.open(path) as s:
        assert s.scalar("SELECT max(version) FROM schema_migrations") == 5
        assert s.scalar("SELECT count(*) FROM org_hierarchy") == 0
        resolve_organizations(s)
        n = s.scalar("SELECT count(*) FROM organizations")
        assert n > 4000
        assert s.scalar("SELECT count(*) FROM org_hierarchy WHERE top_id = org_id") == n


def test_parent_overrides(lineage_store: Store, tmp_path: Path) -> None:
    """``parent_id`` in the overrides file sets a parent over the sources, or removes one
    (the organisation itself); a parent outside the store is reported, not applied."""
    ovr = tmp_path / "ovr.csv"
    ovr.write_text(
        "source,source_id,org_id,parent_id\n"
        "institution,I4210092774,I4210092774,I204730241\n"  # the joint unit: Paris Cité
        "institution,I4210159570,I4210159570,I4210159570\n"  # Lincoln Lab: no parent
        "institution,I45129253,I45129253,I999\n",  # not an organisation of the store
        encoding="utf-8",
    )
    report = resolve_organizations(lineage_store, overrides=ovr)
    h = _hierarchy(lineage_store)
    assert h["I4210092774"] == ("I204730241", "I204730241", 1, "override", 1)
    assert h["I4210159570"] == ("I4210159570", "I4210159570", 0, "self", 0)
    assert h["I45129253"][:2] == ("I45129253", "I45129253")
    assert report.overrides_unmatched == [
        "ovr.csv:4: parent_id I999 of I45129253 is not an organisation of the store"
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "source,source_id,org_id,parent_id\ninstitution,I1,X,P1\ninstitution,I2,X,P2\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match="organisation X has parent 'P1' on line 2"):
        resolve_organizations(lineage_store, overrides=bad)
