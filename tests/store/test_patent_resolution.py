"""Tests for forcemap.store.patent_resolution: holder countries and patent families, through
the real readers (PatentsView tables shaped like the bulk TSVs, USPTO JSON records)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forcemap.store import Store
from forcemap.store.ingest.patentsview import PATENTSVIEW_TABLES, ingest_patentsview
from forcemap.store.ingest.uspto import ingest_uspto
from forcemap.store.ingest.uspto_fields import holder_country_from_name
from forcemap.store.patent_resolution import group_patent_families, resolve_patents


def _tsv(d: Path, table: str, rows: list[dict[str, str]]) -> None:
    cols = PATENTSVIEW_TABLES[table]
    lines = ["\t".join(f'"{c}"' for c in cols)]
    lines += ["\t".join(f'"{r.get(c, "")}"' for c in cols) for r in rows]
    (d / f"{table}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def pv_store(tmp_path: Path) -> Store:
    """Eight patents: 1 and 2 share a JP priority; 3 continues 1's application; 4 names only
    its own pre-grant publication; 5 and 6 claim one provisional; 7 and 8 share a priority
    number too short to identify an application ("1")."""
    d = tmp_path / "pv"
    d.mkdir()
    ids = [f"1000000{k}" for k in range(1, 9)]
    _tsv(d, "g_patent", [{"patent_id": p, "patent_date": "2020-01-07"} for p in ids])
    _tsv(
        d,
        "g_application",
        [
            {"application_id": f"15/00000{k}", "patent_id": p, "filing_date": "2018-01-02"}
            for k, p in enumerate(ids, 1)
        ],
    )
    pri = {"priority_claim_kind": "national", "filing_date": "2017-01-05"}
    _tsv(
        d,
        "g_foreign_priority",
        [
            {"patent_id": ids[0], "priority_claim_sequence": "0", "foreign_application_id":
             "2017-001234", "foreign_country_filed": "JP", **pri},
            {"patent_id": ids[1], "priority_claim_sequence": "0", "foreign_application_id":
             "JP2017-001234", "foreign_country_filed": "JP", **pri},
            {"patent_id": ids[6], "priority_claim_sequence": "0", "foreign_application_id": "1",
             "foreign_country_filed": "DE", **pri},
            {"patent_id": ids[7], "priority_claim_sequence": "0", "foreign_application_id": "1",
             "foreign_country_filed": "DE", **pri},
        ],
    )  # fmt: skip
    _tsv(
        d,
        "g_us_rel_doc",
        [
            {"patent_id": ids[2], "related_doc_number": "15/000001", "published_country": "US",
             "related_doc_type": "continuation", "related_doc_sequence": "0"},
            {"patent_id": ids[3], "related_doc_number": "20190012345", "published_country": "US",
             "related_doc_type": "related-publication", "related_doc_kind": "A1",
             "related_doc_sequence": "0"},
            {"patent_id": ids[4], "related_doc_number": "62/111,111", "published_country": "US",
             "related_doc_type": "us-provisional-application", "related_doc_sequence": "0"},
            {"patent_id": ids[5], "related_doc_number": "62111111", "published_country": "US",
             "related_doc_type": "us-provisional-application", "related_doc_sequence": "0"},
        ],
    )  # fmt: skip
    _tsv(
        d,
        "g_location_disambiguated",
        [
            {"location_id": "l-ca", "disambig_city": "Palo Alto", "disambig_state": "CA"},
            {"location_id": "l-jp", "disambig_city": "Tokyo", "disambig_country": "jp"},
            {"location_id": "l-x", "disambig_city": "Atlantis", "disambig_country": "XX"},
        ],
    )
    asg = [
        ("a-1", "l-ca"),  # no country, a US state: US
        ("a-2", "l-jp"),
        ("a-2", ""),  # no location: the holder's other row says JP
        ("a-3", "l-x"),  # a two-letter code that is no country (XX): unknown
        ("a-4", "l-jp"),
        ("a-4", "l-ca"),
        ("a-4", ""),  # the holder is in JP and US: unknown, never guessed
        ("a-5", ""),
    ]
    _tsv(
        d,
        "g_assignee_disambiguated",
        [
            {"patent_id": ids[k], "assignee_sequence": "0", "assignee_id": a,
             "disambig_assignee_organization": f"Org {a}", "assignee_type": "3",
             "location_id": loc}
            for k, (a, loc) in enumerate(asg)
        ],
    )  # fmt: skip
    s = Store.open(tmp_path / "s.duckdb")
    r = ingest_patentsview(s, d)
    assert r.rejected == 0 and r.reconciled
    yield s
    s.close()


def test_patentsview_holder_countries(pv_store: Store) -> None:
    got = pv_store.con.execute(
        "SELECT patent_id, country_code, country_source FROM patent_assignees ORDER BY 1"
    ).fetchall()
    assert got == [
        ("US-10000001", "US", "location"),
        ("US-10000002", "JP", "location"),
        ("US-10000003", "JP", "holder"),
        ("US-10000004", None, None),
        ("US-10000005", "JP", "location"),
        ("US-10000006", "US", "location"),
        ("US-10000007", None, None),
        ("US-10000008", None, None),
    ]


def test_patentsview_priority_and_continuity_families(pv_store: Store) -> None:
    fam = dict(
        ((p, (f, m, n)) for p, f, m, n in pv_store.con.execute(
            "SELECT patent_id, family_id, method, size FROM patent_families").fetchall())
    )  # fmt: skip
    one = ("US-10000001", "priority", 3)
    assert [fam[f"US-1000000{k}"] for k in (1, 2, 3)] == [one, one, one]
    assert fam["US-10000004"] == ("US-10000004", "single", 1)  # its own publication: no link
    assert fam["US-10000005"] == fam["US-10000006"] == ("US-10000005", "priority", 2)
    # a priority number "1" identifies nothing: not linked
    assert fam["US-10000007"] == ("US-10000007", "single", 1)
    assert fam["US-10000008"] == ("US-10000008", "single", 1)
    keys = pv_store.con.execute(
        "SELECT number_key FROM patent_priority ORDER BY patent_id"
    ).fetchall()
    assert keys == [("PRI:JP:2017001234",), ("PRI:JP:2017001234",), (None,), (None,)]
    # the families are counted: 8 patents, 5 inventions
    assert pv_store.scalar("SELECT count(DISTINCT family_id) FROM patent_families") == 5


def test_source_family_ids_win_and_priority_links_extend_them(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as s:
        s.con.execute(
            "INSERT INTO patents (patent_id, family_id, origin, batch_id) VALUES "
            "('US-1', '77', 't', 0), ('US-2', '77', 't', 0), ('US-3', NULL, 't', 0), "
            "('US-4', '88', 't', 0), ('US-5', NULL, 't', 0), ('US-6', '99', 't', 0)"
        )
        s.con.execute(
            "INSERT INTO patent_priority VALUES ('US-5', 1, 'DE', 'x', 'PRI:DE:1', NULL, NULL),"
            " ('US-6', 1, 'DE', 'x', 'PRI:DE:1', NULL, NULL)"
        )
        counts = resolve_patents(s)
        got = s.con.execute("SELECT * FROM patent_families ORDER BY patent_id").fetchall()
    assert got == [
        ("US-1", "77", "source", 2),
        ("US-2", "77", "source", 2),
        ("US-3", "US-3", "single", 1),
        ("US-4", "88", "source", 1),
        ("US-5", "99", "priority", 2),  # a priority claim joined it to source family 99
        ("US-6", "99", "priority", 2),
    ]
    assert counts["source"] == 3 and counts["priority"] == 2 and counts["single"] == 1


def test_no_family_information_means_one_patent_one_family(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as s:
        s.con.execute(
            "INSERT INTO patents (patent_id, origin, batch_id) "
            "SELECT 'US-' || i, 't', 0 FROM range(50) t(i)"
        )
        counts = group_patent_families(s.con)
        assert counts["single"] == 50 and counts["rounds"] == 1
        assert s.scalar("SELECT count(DISTINCT family_id) FROM patent_families") == 50


def _record(guid: str, **fields: object) -> dict[str, object]:
    return {"guid": guid, "datePublished": "2023-01-17T00:00:00Z", **fields}


def test_uspto_countries_from_addresses_names_and_holders(tmp_path: Path) -> None:
    recs = [
        _record("US-11000001-B1", assigneeName=["Acme, Inc."], assigneeCountry=["N/A"],
                assigneeState=["N/A"], applicantName=["ACME, INC."], applicantCountry=["US"],
                applicantState=["CA"], applicantCity=["Palo Alto"]),
        _record("US-11000002-B1", assigneeName=["Acme, Inc."]),  # same holder: US
        _record("US-11000003-B1", assigneeName=["The United States of America as represented "
                                                "by the Secretary of the Navy"]),
        _record("US-11000004-B1", assigneeName=["Euro GmbH"], assigneeCountry=["EP"]),
        _record("US-11000005-B1", assigneeName=["Nippon KK"], assigneeCountry=["Japan"]),
        _record("US-11000006-B1", assigneeName=["Twin Ltd"], assigneeCountry=["GB"]),
        _record("US-11000007-B1", assigneeName=["Twin Ltd"], assigneeCountry=["IE"]),
        _record("US-11000008-B1", assigneeName=["Twin Ltd"]),  # GB or IE: unknown
        _record("US-11000009-B1", assigneeName=["T-Mobile USA, Inc."]),  # a name, no address
    ]  # fmt: skip
    f = tmp_path / "r.json"
    f.write_text(json.dumps(recs), encoding="utf-8")
    with Store.open(tmp_path / "s.duckdb") as s:
        rep = ingest_uspto(s, f)
        assert rep.stored == 9 and rep.rejected == 0
        got = s.con.execute(
            "SELECT patent_id, country_code, country_source, city FROM patent_assignees "
            "ORDER BY patent_id"
        ).fetchall()
    assert got == [
        ("US-11000001", "US", "address", "Palo Alto"),
        ("US-11000002", "US", "holder", None),
        ("US-11000003", "US", "name", None),
        ("US-11000004", None, None, None),  # EP is an office, not a country
        ("US-11000005", "JP", "address", None),
        ("US-11000006", "GB", "address", None),
        ("US-11000007", "IE", "address", None),
        ("US-11000008", None, None, None),
        ("US-11000009", None, None, None),
    ]


def test_uspto_priority_claims_and_related_applications_make_families(tmp_path: Path) -> None:
    recs = [
        _record("US-11000001-B1", applicationNumber="16/428,791",
                priorityClaimsCountry=["JP"], priorityClaimsDocNumber=["JP2020-050222"],
                priorityClaimsDate=["2020-03-19T00:00:00Z"]),
        _record("US-11000002-B1", applicationNumber="17/000,002",
                priorityClaimsCountry=["JP"], priorityClaimsDocNumber=["2020-050222"]),
        _record("US-11000003-B1", applicationNumber="17/828585",
                relatedApplNumber=["continuation 16428791", "62010600"]),
        _record("US-11000004-B1", applicationNumber="17/999999"),
    ]  # fmt: skip
    f = tmp_path / "r.json"
    f.write_text(json.dumps(recs), encoding="utf-8")
    with Store.open(tmp_path / "s.duckdb") as s:
        ingest_uspto(s, f)
        rel = s.con.execute(
            "SELECT relation, number_key FROM patent_relations WHERE patent_id = 'US-11000003' "
            "ORDER BY seq"
        ).fetchall()
        fam = dict(s.con.execute("SELECT patent_id, family_id FROM patent_families").fetchall())
    assert rel == [
        ("application", "APP:US:17828585"),
        ("continuation", "APP:US:16428791"),
        ("related-application", "APP:US:62010600"),
    ]
    assert fam["US-11000001"] == fam["US-11000002"] == fam["US-11000003"] == "US-11000001"
    assert fam["US-11000004"] == "US-11000004"


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("Government of the United States as represented by the Secretary of the Air Force",
         "US"),
        ("United States of America as represented by the Administrator of NASA", "US"),
        ("Her Majesty the Queen in right of Canada, as represented by the Minister", "CA"),
        ("Acme Corp as represented by its trustee", None),
        ("Japan Display Inc.", None),
        ("", None),
    ],
)  # fmt: skip
def test_state_holder_names(name: str, cc: str | None) -> None:
    assert holder_country_from_name(name) == cc


def test_bad_priority_and_related_rows_are_quarantined(tmp_path: Path) -> None:
    d = tmp_path / "pv"
    d.mkdir()
    _tsv(d, "g_patent", [{"patent_id": "10000001", "patent_date": "2020-01-07"}])
    _tsv(
        d,
        "g_foreign_priority",
        [
            {"patent_id": "10000001", "priority_claim_sequence": "0",
             "foreign_country_filed": "JP"},  # no application number
            {"patent_id": "10000001", "priority_claim_sequence": "1",
             "foreign_application_id": "2017-001234", "filing_date": "2017-13-45"},
            {"patent_id": "10000099", "priority_claim_sequence": "0",
             "foreign_application_id": "2017-001234"},  # not a patent of the batch
            {"patent_id": "10000001", "priority_claim_sequence": "2",
             "foreign_application_id": "2017-009999", "foreign_country_filed": "JP"},
        ],
    )  # fmt: skip
    _tsv(
        d,
        "g_us_rel_doc",
        [
            {"patent_id": "10000001", "related_doc_number": "15/000001",
             "related_doc_sequence": "0"},  # no type
            {"patent_id": "10000001", "related_doc_type": "division",
             "related_doc_sequence": "x"},  # no number
        ],
    )  # fmt: skip
    with Store.open(tmp_path / "s.duckdb") as s:
        r = ingest_patentsview(s, d)
        assert r.reconciled and r.rejected == 5
        q = s.con.execute(
            "SELECT regexp_extract(file, '[^/]+$'), line, field, reason FROM quarantine "
            "ORDER BY 1, 2"
        ).fetchall()
        kept = s.con.execute("SELECT seq, number_key FROM patent_priority").fetchall()
    assert q == [
        ("g_foreign_priority.tsv", 2, "foreign_application_id",
         "missing foreign_application_id"),
        ("g_foreign_priority.tsv", 3, "filing_date", "invalid filing_date"),
        ("g_foreign_priority.tsv", 4, "patent_id",
         "patent_id not among the valid patents of g_patent"),
        ("g_us_rel_doc.tsv", 2, "related_doc_type", "missing related_doc_type"),
        ("g_us_rel_doc.tsv", 3, "related_doc_number", "missing related_doc_number"),
    ]  # fmt: skip
    assert kept == [(1, "PRI:JP:2017009999")]
