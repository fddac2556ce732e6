"""ROR v2 dumps: records, names and relationships read and reconciled; the zip; replacement;
bad records quarantined with their number; the relations and names used by the resolution."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from forcemap.errors import ParseError
from forcemap.store import Store
from forcemap.store.ingest import ingest
from forcemap.store.organizations import resolve_organizations

DATA = Path(__file__).parent.parent / "data"
SAMPLE = DATA / "ror" / "ror_sample_schema_v2.json"


def test_sample_is_read_and_reconciled(store: Store) -> None:
    r = ingest(store, "ror", [SAMPLE])
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates) == (6, 6, 0, 0, 0)
    mit = store.con.execute(
        "SELECT name, types, status, country_code, city FROM ror_organizations "
        "WHERE ror = '042nb2s44'"
    ).fetchall()
    assert mit == [
        (
            "Massachusetts Institute of Technology",
            ["education", "funder"],
            "active",
            "US",
            "Cambridge",
        )
    ]
    rel = set(
        store.con.execute("SELECT * EXCLUDE (batch_id) FROM institution_relations").fetchall()
    )
    assert ("ror:022z6jk58", "ror:042nb2s44", "parent", "ror") in rel
    assert ("ror:042nb2s44", "ror:03vek6s52", "related", "ror") in rel
    assert len(rel) == 5
    names = set(
        store.con.execute(
            "SELECT name, name_type FROM ror_names WHERE ror = '02vjkv261'"
        ).fetchall()
    )
    assert {("INSERM", "acronym"), ("Inserm", "alias")} <= names
    # the same file again is skipped; the tables record the batch
    assert ingest(store, "ror", [SAMPLE]).skipped == [str(SAMPLE)]
    assert (
        store.scalar(
            "SELECT count(*) FROM table_versions WHERE source = 'ror' AND table_name = 'ror_names'"
        )
        == 1
    )


def test_zip_and_replacement(store: Store, tmp_path: Path) -> None:
    ingest(store, "ror", [SAMPLE])
    recs = json.loads(SAMPLE.read_text(encoding="utf-8"))
    recs[1]["relationships"] = []  # Lincoln Laboratory loses its parent in the newer dump
    recs.append(recs[1])  # and appears twice: a duplicate
    z = tmp_path / "v1.55-2024-10-31-ror-data.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("v1.55-2024-10-31-ror-data.json", "[]")  # the v1 file beside it
        f.writestr("v1.55-2024-10-31-ror-data_schema_v2.json", json.dumps(recs))
    r = ingest(store, "ror", [z])
    assert (r.read, r.stored, r.replaced, r.duplicates) == (7, 0, 6, 1)
    assert (
        store.scalar(
            "SELECT count(*) FROM institution_relations WHERE institution_id = 'ror:022z6jk58'"
        )
        == 0
    )
    assert store.scalar("SELECT count(*) FROM ror_organizations") == 6


def test_bad_records_are_quarantined_with_their_number(store: Store, tmp_path: Path) -> None:
    recs = json.loads(SAMPLE.read_text(encoding="utf-8"))[:2]
    bad_type = json.loads(json.dumps(recs[0]))
    bad_type["id"] = "https://ror.org/0aaaaaa11"
    bad_type["relationships"] = [{"type": "sister", "id": "https://ror.org/022z6jk58"}]
    bad_rel_id = json.loads(json.dumps(recs[0]))
    bad_rel_id["id"] = "https://ror.org/0bbbbbb22"
    bad_rel_id["relationships"] = [{"type": "parent", "id": "https://example.org/x"}]
    no_id = {"names": [{"value": "Nameless", "types": ["label"]}]}
    bad_id = {**recs[1], "id": "https://ror.org/not-a-ror"}
    text = json.dumps([recs[0], bad_type, bad_rel_id, no_id, bad_id, 42, recs[1]])
    f = tmp_path / "dump.json"
    f.write_text(text, encoding="utf-8")
    r = ingest(store, "ror", [f])
    assert (r.read, r.stored, r.rejected) == (7, 2, 5)
    q = store.con.execute(
        "SELECT line, field, reason, unit FROM quarantine ORDER BY line"
    ).fetchall()
    assert [(x[0], x[1]) for x in q] == [
        (2, "relationships"),
        (3, "relationships"),
        (4, "id"),
        (5, "id"),
        (6, None),
    ]
    assert q[0][2].startswith("unknown relationship type")
    assert q[1][2] == "invalid ROR id in a relationship"
    assert [x[2] for x in q[2:]] == ["missing id", "invalid ROR id", "not a JSON object"]
    assert {x[3] for x in q} == {"record"}


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"id": "https://ror.org/042nb2s44"}', "expected a JSON array"),
        ("", "expected a JSON array"),
    ],
)
def test_not_a_dump(store: Store, tmp_path: Path, content: str, needle: str) -> None:
    f = tmp_path / "x.json"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(ParseError, match=needle):
        ingest(store, "ror", [f])
    assert store.scalar("SELECT count(*) FROM ror_organizations") == 0


def test_zip_without_one_dump(store: Store, tmp_path: Path) -> None:
    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("a.json", "[]")
        f.writestr("b.json", "[]")
    with pytest.raises(ParseError, match="2 candidate JSON files"):
        ingest(store, "ror", [z])


def test_ror_feeds_hierarchy_and_names(store: Store) -> None:
    """OpenAlex works (their institutions carry these RORs) + the ROR dump: the school's
    parent comes from ROR (which outranks OpenAlex), and an Inserm participant joins the
    Inserm institution by the ROR acronym."""
    ingest(store, "openalex", [DATA / "openalex" / "lineage_works.jsonl"])
    ingest(store, "ror", [SAMPLE])
    store.con.execute(
        """INSERT INTO institutions VALUES ('I154526488', '02vjkv261',
             'Institut National de la Santé et de la Recherche Médicale', 'government', 'FR',
             'Paris', 'test');
           INSERT INTO project_participants VALUES
             ('P1', 'P-INSERM', 'INSERM', 'participant', 'REC', 'FR', 1.0)"""
    )
    report = resolve_organizations(store)
    h = dict(
        (r[0], r[1:])
        for r in store.con.execute(
            "SELECT org_id, parent_id, top_id, source FROM org_hierarchy"
        ).fetchall()
    )
    assert h["I2801851002"] == ("I136199984", "I136199984", "ror")
    assert h["I4210159570"] == ("I63966007", "I63966007", "ror")
    assert h["I4210127875"] == ("I2801851002", "I136199984", "openalex:lineage")
    al = store.con.execute(
        "SELECT org_id, method FROM org_aliases WHERE source_id = 'P-INSERM'"
    ).fetchall()
    assert al == [("I154526488", "alias")] and report.merged_by_alias == 1
