"""USPTO reader: the real demo records (JSON and flattened CSV), bad records, upserts,
atomicity, and organisation resolution over the result."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from forcemap._data import data_path
from forcemap.errors import InputError, NotFoundError, ParseError, SchemaError
from forcemap.store import Store
from forcemap.store.ingest import ingest
from forcemap.store.ingest import uspto as us
from forcemap.store.ingest._physical import MAX_RECORD
from forcemap.store.ingest.uspto import ingest_uspto
from forcemap.store.ingest.uspto_records import CSV_COLUMNS
from forcemap.store.organizations import resolve_organizations

DOC = data_path("demo", "doc.json")
BIBLIO = data_path("demo", "biblio.json")
CSV = data_path("demo", "uspto_sample_patents.csv")

PATENT_TABLES = (
    "patents",
    "patent_cpc",
    "patent_assignees",
    "patent_inventors",
    "patent_citations",
)


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return store.con.execute(sql).fetchall()


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: rows(store, f"SELECT * FROM {t} ORDER BY ALL")  # noqa: S608 - fixed names
        for t in (*PATENT_TABLES, "ingest_log", "quarantine")
    }


def demo_records() -> list[dict[str, Any]]:
    return (
        json.loads(DOC.read_text(encoding="utf-8"))
        + json.loads(BIBLIO.read_text(encoding="utf-8"))["patents"]
    )


def record(guid: str = "US-11000001-B2", **over: Any) -> dict[str, Any]:
    """A small Public Search record with the fields the reader uses."""
    rec: dict[str, Any] = {
        "guid": guid,
        "type": "USPAT",
        "datePublished": "2023-01-17T00:00:00Z",
        "applicationFilingDate": ["2021-03-10T00:00:00Z"],
        "inventionTitle": "A thing",
        "numberOfClaims": "12",
        "cpcInventiveFlattened": "G06F16/248;G06F16/24573",
        "cpcAdditionalFlattened": None,
        "assigneeName": ["Yahoo Japan Corporation"],
        "assigneeCountry": ["JP"],
        "assigneeCity": ["Tokyo"],
        "assigneeTypeCode": ["03"],
        "inventorsName": ["Tsubouchi; Kota"],
        "inventorCountry": ["JP"],
        "inventorCity": ["Tokyo"],
        "urpn": ["6757670", "20050050045"],
    }
    rec.update(over)
    return rec


def write_json(path: Path, records: Any) -> Path:
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


# -- the real demo records ----------------------------------------------------------------------


def test_demo_json_counts_equal_an_independent_count(store: Store) -> None:
    recs = demo_records()
    grants = [r for r in recs if r["type"] != "US-PGPUB"]
    r = ingest(store, "uspto", [DOC, BIBLIO])
    assert (r.read, r.stored, r.rejected, r.duplicates) == (160, 150, 10, 0)
    assert len(recs) == 160 and len(grants) == 150 and r.reconciled
    assert r.reasons == {"pre-grant publication, not a granted patent": 10}
    assert rows(store, "SELECT count(*) FROM patents") == [(150,)]
    # CPC: every distinct inventive + additional symbol of each grant
    n_cpc = sum(
        len(
            dict.fromkeys(
                [
                    s
                    for f in ("cpcInventiveFlattened", "cpcAdditionalFlattened")
                    for s in (g.get(f) or "").split(";")
                    if s
                ]
            )
        )
        for g in grants
    )
    assert rows(store, "SELECT count(*) FROM patent_cpc") == [(n_cpc,)]
    assert rows(store, "SELECT count(*) FILTER (WHERE is_first) FROM patent_cpc") == [
        (sum(1 for g in grants if g.get("cpcInventiveFlattened")),)
    ]
    # citations: the granted US patents in urpn (11-digit publication numbers left out)
    n_cit = sum(
        len({u for u in g.get("urpn") or [] if not re.fullmatch(r"(19|20)\d{9}", u)})
        for g in grants
    )
    assert rows(store, "SELECT count(*) FROM patent_citations") == [(n_cit,)]
    n_asg = sum(len(g.get("assigneeName") or []) for g in grants)
    assert rows(store, "SELECT count(*) FROM patent_assignees") == [(n_asg,)]
    assert r.related["patent_citations"] == n_cit and r.related["patent_cpc"] == n_cpc
    q = rows(store, "SELECT file, line, record_id, field FROM quarantine ORDER BY line")
    assert q[0] == (str(DOC), 12, "US-20230008865-A1", "type")  # record 12 of doc.json


def test_demo_json_fields_are_mapped(store: Store) -> None:
    ingest_uspto(store, DOC)
    ingest_uspto(store, BIBLIO)
    p = rows(
        store,
        """SELECT kind, type, grant_date::VARCHAR, filing_date::VARCHAR, year, title,
                  family_id, num_claims, origin, left(abstract, 29)
           FROM patents WHERE patent_id = 'US-6103599'""",
    )
    assert p == [
        ("A", "utility", "2000-08-15", "1998-06-03", 2000,
         "Planarizing technique for multilayered substrates", "26732223", 28, "uspto",
         "The present invention provide"),
    ]  # fmt: skip
    # the CPC flagged F in cpcCurClassificationGroup is first, though listed second
    assert rows(
        store,
        "SELECT cpc_subgroup, is_first FROM patent_cpc "
        "WHERE patent_id = 'US-11557320' ORDER BY seq",
    ) == [("G11B5/59666", False), ("G11B5/59627", True)]
    assert rows(
        store,
        "SELECT * FROM patent_cpc WHERE patent_id = 'US-6103599' AND cpc_section = 'Y'",
    ) == [("US-6103599", 3, "Y10S438/977", "Y10S438/00", "Y10S", "Y10", "Y", False)]
    # country N/A with a US state -> US; person "Last; First" -> "First Last"
    assert rows(
        store, "SELECT * FROM patent_assignees WHERE patent_id = 'US-6103599'"
    ) == [
        ("US-6103599", 1, "uspto:silicon genesis corporation", "Silicon Genesis Corporation",
         "company", "US", "Los Gatos", "address"),
    ]  # fmt: skip
    assert rows(
        store, "SELECT * FROM patent_assignees WHERE patent_id = 'US-11554716' ORDER BY seq"
    ) == [
        ("US-11554716", 1, "uspto:toyota research institute, inc.",
         "Toyota Research Institute, Inc.", "company", "US", "Los Altos", "address"),
        ("US-11554716", 2, "uspto:toyota jidosha kabushiki kaisha",
         "Toyota Jidosha Kabushiki Kaisha", "company", "JP", "Toyota", "address"),
    ]  # fmt: skip
    assert rows(
        store, "SELECT name, country_code, city FROM patent_inventors "
        "WHERE patent_id = 'US-6103599' ORDER BY seq"
    ) == [("Francois J. Henley", "US", "Los Gatos"), ("Nathan Cheung", "US", "Albany")]  # fmt: skip
    assert rows(
        store, "SELECT name, type FROM patent_assignees WHERE patent_id = 'US-11803925'"
    ) == [("Danielle Hutchinson", "individual")]
    assert rows(store, "SELECT name FROM patent_assignees WHERE patent_id = 'US-11805189'") == [
        ("Intrado Life & Safety, Inc.",)
    ]
    types = dict(rows(store, "SELECT patent_id, type FROM patents WHERE kind NOT LIKE 'B%'"))
    assert types["US-PP3823"] == "plant"  # the OCR record says "utility"
    assert types["US-RE28436"] == "reissue" and types["US-T949002"] == "defensive publication"
    # a bibliographic record names one inventor without "et al."; several with it (skipped)
    assert rows(store, "SELECT name FROM patent_inventors WHERE patent_id = 'US-11805069'") == [
        ("Christopher J. Gaudlip",)
    ]
    assert rows(store, "SELECT count(*) FROM patent_inventors WHERE patent_id = 'US-11803561'") == [
        (0,)
    ]
    assert rows(
        store,
        "SELECT count(*) FROM patent_citations "
        "WHERE regexp_full_match(cited_id, 'US-(19|20)[0-9]{9}')",
    ) == [(0,)]


def test_demo_csv_gives_the_same_patents_as_the_json(store: Store, tmp_path: Path) -> None:
    r = ingest_uspto(store, CSV)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (160, 150, 10, 0)
    with Store.open(tmp_path / "json.duckdb") as other:
        ingest_uspto(other, DOC)
        ingest_uspto(other, BIBLIO)
        for sql in (
            "SELECT patent_id, kind, type, grant_date, filing_date, title FROM patents",
            # is_first differs: the CSV has no F flag, so its first inventive symbol is first
            "SELECT patent_id, seq, cpc_subgroup, cpc_group FROM patent_cpc",
            "SELECT patent_id, seq, assignee_id, name FROM patent_assignees",
        ):
            assert rows(store, sql + " ORDER BY ALL") == rows(other, sql + " ORDER BY ALL"), sql
    # the CSV flattened only doc.json's citations
    with open(CSV, encoding="utf-8", newline="") as fh:
        n_cit = sum(
            len({u for u in rec["us_cited"].split(";") if u and not re.fullmatch(r"20\d{9}", u)})
            for rec in csv.DictReader(fh)
            if not re.search(r"-A\d$", rec["patent"])
        )
    assert rows(store, "SELECT count(*) FROM patent_citations") == [(n_cit,)]


def test_organizations_resolve_after_ingesting_the_demo(store: Store) -> None:
    r = ingest(store, "uspto", [DOC, BIBLIO])
    assert r.reconciled
    res = resolve_organizations(store)
    actors = rows(
        store,
        """SELECT count(DISTINCT assignee_id) FILTER (WHERE type IS DISTINCT FROM 'individual'),
                  count(DISTINCT assignee_id) FILTER (WHERE type = 'individual')
           FROM patent_assignees""",
    )[0]
    assert res.aliases == actors[0] and res.individuals_skipped == actors[1] == 1
    assert res.organizations == rows(store, "SELECT count(*) FROM organizations")[0][0]
    assert sum(res.by_type.values()) == res.organizations
    # every organisation assignee resolves; "TIANJIN UNIVERSITY" is a university by name
    unresolved = rows(
        store,
        """SELECT count(*) FROM patent_assignees a WHERE type IS DISTINCT FROM 'individual'
           AND NOT EXISTS (SELECT 1 FROM org_aliases al
                           WHERE al.source = 'assignee' AND al.source_id = a.assignee_id)""",
    )
    assert unresolved == [(0,)]
    assert rows(
        store,
        """SELECT o.type, o.country_code FROM org_aliases al JOIN organizations o USING (org_id)
           WHERE al.source_id = 'uspto:tianjin university'""",
    ) == [("university", "CN")]


# -- bad records ---------------------------------------------------------------------------------


def test_bad_records_are_quarantined_with_record_number_and_field(
    store: Store, tmp_path: Path
) -> None:
    recs = [
        record("US-11000001-B2", inventionTitle="first copy"),
        record(guid=None),
        record("US-XYZ-B1"),
        record("US-11000004-B1", datePublished=None),
        record("US-11000005-B1", datePublished="17/01/2023"),
        "not an object",
        record("US-11000007-B1", numberOfClaims="twelve"),
        record("US-11000008-B1", cpcInventiveFlattened="G06F16/248;NOT-A-CPC"),
        record("US-11000009-A1", type="US-PGPUB"),
        record("US-11000010-B1", applicationFilingDate=["2021-02-30T00:00:00Z"]),
        record("US-11000011-B1", urpn=["12AB34"]),
        record("US-11000001-B2", inventionTitle="second copy"),
        record("US-D0950000-S1"),
    ]
    f = write_json(tmp_path / "recs.json", recs)
    r = ingest_uspto(store, f)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (13, 2, 10, 1)
    assert rows(store, "SELECT line, record_id, field, reason FROM quarantine ORDER BY line") == [
        (2, None, "guid", "missing guid"),
        (3, "US-XYZ-B1", "guid", "invalid guid"),
        (4, "US-11000004-B1", "datePublished", "missing datePublished"),
        (5, "US-11000005-B1", "datePublished", "invalid datePublished"),
        (6, None, None, "not a JSON object"),
        (7, "US-11000007-B1", "numberOfClaims", "invalid numberOfClaims: not a number"),
        (8, "US-11000008-B1", "cpcInventiveFlattened", "invalid CPC symbol"),
        (9, "US-11000009-A1", "type", "pre-grant publication, not a granted patent"),
        (10, "US-11000010-B1", "applicationFilingDate", "invalid applicationFilingDate"),
        (11, "US-11000011-B1", "urpn", "invalid cited patent number"),
    ]
    assert rows(store, "SELECT patent_id, type, title FROM patents ORDER BY 1") == [
        ("US-11000001", "utility", "second copy"),  # the later copy wins
        ("US-D950000", "design", "A thing"),
    ]
    assert rows(store, "SELECT * FROM patent_citations ORDER BY ALL") == [
        ("US-11000001", "US-6757670"),
        ("US-D950000", "US-6757670"),
    ]


def test_json_lines_and_csv_defects_carry_line_numbers(store: Store, tmp_path: Path) -> None:
    jl = tmp_path / "recs.jsonl"
    jl.write_bytes(
        json.dumps(record("US-11000001-B2")).encode()
        + b"\n\n{not json\n"
        + json.dumps(record(guid="")).encode()
        + b"\n\xff\xfe\n"
    )
    r = ingest_uspto(store, jl)
    assert (r.read, r.stored, r.rejected) == (4, 1, 3)
    assert rows(store, "SELECT line, field, left(reason, 20) FROM quarantine ORDER BY line") == [
        (3, None, "malformed JSON: Expe"),
        (4, "guid", "missing guid"),
        (5, None, "invalid UTF-8 byte 0"),
    ]
    c = tmp_path / "flat.csv"
    c.write_text(
        ",".join(CSV_COLUMNS)
        + "\n"
        + 'US-11000020-B1,x,"Multi\nline title",2023-01-17,None,"A Inc.;Doe; Jane",US;N/A,'
        "G06F16/248,,5000000;20050050045,2\n"
        "US-11000021-B1,x,Short row\n"
        "US-11000022-B1,x,No date,,2020-01-01,,,,,,\n",
        encoding="utf-8",
    )
    r = ingest_uspto(store, c)
    assert (r.read, r.stored, r.rejected) == (3, 1, 2)
    assert rows(
        store,
        "SELECT line, field, left(reason, 15) FROM quarantine WHERE file LIKE '%.csv' ORDER BY 1",
    ) == [
        (4, None, "malformed CSV: "),  # too few fields
        (5, "date", "missing date"),
    ]
    assert rows(
        store,
        "SELECT seq, name, type, country_code FROM patent_assignees "
        "WHERE patent_id = 'US-11000020' ORDER BY seq",
    ) == [(1, "A Inc.", "company", "US"), (2, "Jane Doe", "individual", None)]
    assert rows(
        store, "SELECT title, filing_date FROM patents WHERE patent_id = 'US-11000020'"
    ) == [("Multi line title", None)]


def test_errors_name_the_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        ingest_uspto(store, tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("oops", encoding="utf-8")
    with pytest.raises(ParseError, match=rf"{bad}:1: expected a list of USPTO records"):
        ingest_uspto(store, bad)
    shape = write_json(tmp_path / "shape.json", {"results": []})
    with pytest.raises(ParseError, match="expected a list of USPTO records"):
        ingest_uspto(store, shape)
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("patent,title\nUS-1-B1,x\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"nocol\.csv: missing column 'date'"):
        ingest_uspto(store, nocol)
    other = tmp_path / "x.xml"
    other.write_text("<x/>", encoding="utf-8")
    with pytest.raises(InputError, match="unknown USPTO file type"):
        ingest_uspto(store, other)
    assert snapshot(store) == {t: [] for t in (*PATENT_TABLES, "ingest_log", "quarantine")}
    # a malformed record is that record's quarantine entry, not the file's refusal
    one = tmp_path / "one.json"
    one.write_text('[{"guid": "US-1-B1"},\n  oops]', encoding="utf-8")
    r = ingest_uspto(store, one)
    assert (r.read, r.rejected) == (2, 2)
    assert rows(store, "SELECT line, unit, field, reason FROM quarantine ORDER BY line") == [
        (1, "record", "datePublished", "missing datePublished"),
        (2, "record", None, "malformed JSON: Expecting value (record starts at line 2)"),
    ]


# -- upserts and atomicity ----------------------------------------------------------------------


def test_reingest_is_skipped_and_a_new_version_replaces(store: Store, tmp_path: Path) -> None:
    f = write_json(tmp_path / "a.json", [record("US-11000001-B2"), record("US-11000002-B1")])
    ingest_uspto(store, f)
    before = snapshot(store)
    again = ingest_uspto(store, f)
    assert again.skipped == [str(f)] and again.read == 0 and snapshot(store) == before
    g = write_json(
        tmp_path / "b.json",
        [record("US-11000001-B2", inventionTitle="Corrected", urpn=["7000000"])],
    )
    r = ingest_uspto(store, g)
    assert (r.read, r.stored, r.replaced, r.duplicates) == (1, 0, 1, 0)
    assert rows(store, "SELECT patent_id, title FROM patents ORDER BY 1") == [
        ("US-11000001", "Corrected"),
        ("US-11000002", "A thing"),
    ]
    assert rows(store, "SELECT * FROM patent_citations ORDER BY ALL") == [
        ("US-11000001", "US-7000000"),
        ("US-11000002", "US-6757670"),
    ]
    for t in PATENT_TABLES[1:]:
        n, distinct = rows(store, f"SELECT count(*), count(DISTINCT t) FROM {t} t")[0]  # noqa: S608
        assert n == distinct, t


def test_crash_mid_write_leaves_the_store_unchanged(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_uspto(store, DOC)
    before = snapshot(store)
    real_write = us._write

    def crash(*args: Any, **kwargs: Any) -> None:
        real_write(*args, **kwargs)
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(us, "_write", crash)
    changed = demo_records()[:31]
    changed[1]["inventionTitle"] = "Changed"
    f = write_json(tmp_path / "doc2.json", changed)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest_uspto(store, f)
    assert snapshot(store) == before
    monkeypatch.undo()
    r = ingest_uspto(store, f)
    assert (r.stored, r.replaced) == (0, 21) and r.reconciled
    assert rows(store, "SELECT title FROM patents WHERE patent_id = 'US-11557320'") == [
        ("Changed",)
    ]


# -- every record accounted for (issue 16) ------------------------------------------------------


def quarantine(store: Store) -> list[tuple[Any, ...]]:
    return rows(
        store, "SELECT line, unit, record_id, field, reason FROM quarantine ORDER BY line, reason"
    )


def test_nan_inf_and_overflowing_numbers_quarantine_the_record_naming_the_field(
    store: Store, tmp_path: Path
) -> None:
    text = json.dumps(
        [
            record("US-11000001-B1", numberOfClaims="NaN"),
            record("US-11000002-B1", numberOfClaims="1e400"),
            record("US-11000003-B1", assigneeTypeCode=["inf"]),
            record("US-11000004-B1", numberOfClaims="99999999999"),
            record("US-11000005-B1", numberOfClaims=1),  # a JSON literal, replaced below
            record("US-11000006-B1", numberOfClaims=2),
            record("US-11000007-B1", assigneeTypeCode=["03"]),
        ]
    )
    # JSON literals json.dumps would not write: NaN and a number over a double's range
    text = text.replace('"numberOfClaims": 1,', '"numberOfClaims": NaN,')
    text = text.replace('"numberOfClaims": 2,', '"numberOfClaims": 1e400,')
    f = tmp_path / "numbers.json"
    f.write_text(text, encoding="utf-8")
    r = ingest_uspto(store, f)
    assert (r.read, r.stored, r.rejected) == (7, 1, 6) and r.reconciled
    q = quarantine(store)
    assert [(line, unit, rid, fld) for line, unit, rid, fld, _ in q] == [
        (1, "record", "US-11000001-B1", "numberOfClaims"),
        (2, "record", "US-11000002-B1", "numberOfClaims"),
        (3, "record", "US-11000003-B1", "assigneeTypeCode"),
        (4, "record", "US-11000004-B1", "numberOfClaims"),
        (5, "record", "US-11000005-B1", "numberOfClaims"),
        (6, "record", "US-11000006-B1", "numberOfClaims"),
    ]
    assert "not a finite number" in q[0][4] and "not a finite number" in q[1][4]
    assert "out of range" in q[3][4]
    assert rows(store, "SELECT patent_id FROM patents") == [("US-11000007",)]


def test_a_deeply_nested_record_is_one_quarantine_entry(store: Store, tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    jl = tmp_path / "deep.jsonl"
    jl.write_text(
        json.dumps(record("US-11000001-B1"))
        + "\n"
        + deep
        + "\n"
        + json.dumps(record("US-11000002-B1")).replace('"A thing"', deep)
        + "\n"
        + json.dumps(record("US-11000003-B1"))
        + "\n",
        encoding="utf-8",
    )
    r = ingest_uspto(store, jl)
    assert (r.read, r.stored, r.rejected) == (4, 2, 2) and r.reconciled
    assert [(line, unit, reason) for line, unit, _, _, reason in quarantine(store)] == [
        (2, "line", "JSON nested too deeply"),
        (3, "line", "JSON nested too deeply"),
    ]
    arr = tmp_path / "deep.json"
    arr.write_text(
        "[" + json.dumps(record("US-11000004-B1")) + ",\n" + deep + "]", encoding="utf-8"
    )
    r = ingest_uspto(store, arr)
    assert (r.read, r.stored, r.rejected) == (2, 1, 1) and r.reconciled


def test_more_cpc_symbols_than_a_patent_can_hold_quarantine_the_record(
    store: Store, tmp_path: Path
) -> None:
    many = ";".join(f"G06F{g}/{s:02d}" for g in range(1, 500) for s in range(100))
    assert many.count(";") + 1 > 32_767
    f = write_json(
        tmp_path / "cpc.json",
        [record("US-11000001-B1", cpcInventiveFlattened=many), record("US-11000002-B1")],
    )
    r = ingest_uspto(store, f)
    assert (r.read, r.stored, r.rejected) == (2, 1, 1) and r.reconciled
    [(line, unit, rid, fld, reason)] = quarantine(store)
    assert (line, unit, rid, fld) == (1, "record", "US-11000001-B1", "cpcInventiveFlattened")
    assert "49,900 CPC symbols" in reason and "32,767" in reason
    # a large list within the limit is stored whole
    some = ";".join(f"G06F{g}/{s:02d}" for g in range(1, 101) for s in range(100))
    g = write_json(tmp_path / "cpc2.json", [record("US-11000003-B1", cpcInventiveFlattened=some)])
    r = ingest_uspto(store, g)
    assert (r.stored, r.rejected) == (1, 0)
    assert rows(store, "SELECT count(*) FROM patent_cpc WHERE patent_id = 'US-11000003'") == [
        (10_000,)
    ]


def test_bom_crlf_and_mixed_line_ends_in_json_lines(store: Store, tmp_path: Path) -> None:
    jl = tmp_path / "bom.jsonl"
    jl.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps(record("US-11000001-B1")).encode()
        + b"\r\n"
        + json.dumps(record("US-11000002-B1")).encode()
        + b"\n\xef\xbb\xbf"  # a second file concatenated, with its own BOM
        + json.dumps(record("US-11000003-B1")).encode()
        + b"\r\n"
    )
    r = ingest_uspto(store, jl)
    assert (r.read, r.stored, r.rejected) == (3, 3, 0) and r.reconciled
    j = tmp_path / "bom.json"
    j.write_bytes(b"\xef\xbb\xbf" + json.dumps([record("US-11000004-B1")]).encode())
    assert ingest_uspto(store, j).stored == 1


def test_a_replaced_patent_is_counted_replaced_not_stored(store: Store) -> None:
    r = ingest(store, "uspto", [DOC, BIBLIO])
    assert (r.stored, r.replaced) == (150, 0)
    r = ingest_uspto(store, CSV)  # the same 150 grants, flattened
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates) == (160, 0, 150, 10, 0)
    assert r.reconciled
    stored = rows(store, "SELECT sum(stored) FROM ingest_log")[0][0]
    assert stored == rows(store, "SELECT count(*) FROM patents")[0][0] == 150


def test_duplicates_in_the_file_and_across_files(store: Store, tmp_path: Path) -> None:
    a = write_json(
        tmp_path / "a.json",
        [record("US-11000001-B1"), record("US-11000002-B1"), record("US-11000001-B1")],
    )
    r = ingest_uspto(store, a)
    assert (r.read, r.stored, r.replaced, r.duplicates) == (3, 2, 0, 1)
    b = tmp_path / "b.jsonl"
    b.write_text(
        "\n".join(json.dumps(record(g)) for g in ("US-11000002-B1", "US-11000003-B1")) + "\n",
        encoding="utf-8",
    )
    r = ingest_uspto(store, b)
    assert (r.read, r.stored, r.replaced, r.duplicates) == (2, 1, 1, 0)
    assert rows(store, "SELECT count(*) FROM patents") == [(3,)]


def test_a_record_over_the_size_limit_is_quarantined_with_its_size(
    store: Store, tmp_path: Path
) -> None:
    big = "x" * (MAX_RECORD + 10)
    jl = tmp_path / "big.jsonl"
    jl.write_text(
        json.dumps(record("US-11000001-B1"))
        + "\n"
        + json.dumps(record("US-11000002-B1", abstractHtml=big))
        + "\n"
        + json.dumps(record("US-11000003-B1"))
        + "\n",
        encoding="utf-8",
    )
    r = ingest_uspto(store, jl)
    assert (r.read, r.stored, r.rejected) == (3, 2, 1) and r.reconciled
    [(line, unit, _, _, reason)] = quarantine(store)
    assert (line, unit) == (2, "line") and "over the 16,777,216-byte limit" in reason
    arr = write_json(
        tmp_path / "big.json",
        [record("US-11000004-B1"), record("US-11000005-B1", abstractHtml=big)],
    )
    r = ingest_uspto(store, arr)
    assert (r.read, r.stored, r.rejected) == (2, 1, 1) and r.reconciled
    assert "over the 16,777,216-byte limit" in quarantine(store)[-1][4]


def test_invalid_utf8_in_a_json_array_quarantines_that_record_naming_its_line(
    store: Store, tmp_path: Path
) -> None:
    text = json.dumps([record("US-11000001-B1"), record("US-11000002-B1")], indent=2)
    raw = text.encode().replace(b"A thing", b"A th\xe9ing", 1)  # Latin-1 'é' in record 1
    f = tmp_path / "latin.json"
    f.write_bytes(raw)
    r = ingest_uspto(store, f)
    assert (r.read, r.stored, r.rejected) == (2, 1, 1) and r.reconciled
    [(line, unit, _, _, reason)] = quarantine(store)
    bad_line = raw[: raw.index(b"\xe9")].count(b"\n") + 1
    assert (line, unit) == (1, "record")
    assert "invalid UTF-8 byte 0xE9" in reason and f"line {bad_line}" in reason


def test_a_cut_file_keeps_the_complete_records_and_quarantines_the_cut_one(
    store: Store, tmp_path: Path
) -> None:
    text = json.dumps([record(f"US-1100000{i}-B1") for i in range(1, 5)], indent=2)
    f = tmp_path / "cut.json"
    f.write_text(text[: text.index("US-11000004") + 40], encoding="utf-8")
    r = ingest_uspto(store, f)
    assert (r.read, r.stored, r.rejected) == (4, 3, 1) and r.reconciled
    [(line, unit, _, _, reason)] = quarantine(store)
    assert (line, unit) == (4, "record") and "cut" in reason
    jl = tmp_path / "cut.jsonl"
    full = json.dumps(record("US-11000005-B1")) + "\n" + json.dumps(record("US-11000006-B1"))
    jl.write_text(full[:-20], encoding="utf-8")  # the last line has no newline and is cut
    r = ingest_uspto(store, jl)
    assert (r.read, r.stored, r.rejected) == (2, 1, 1) and r.reconciled


def test_damage_inside_one_element_does_not_swallow_the_next(store: Store, tmp_path: Path) -> None:
    recs = [record(f"US-1100000{i}-B1") for i in range(1, 7)]
    text = json.dumps(recs, indent=2)
    damaged = {
        "stray quote": text.replace('"A thing"', '"A "thing"', 1),
        "lost brace": text.replace("\n  },", "\n  ,", 1),
        "extra bracket": text.replace('"urpn": [', '"urpn": [[', 1),
    }
    for k, (name, body) in enumerate(damaged.items()):
        with Store.open(tmp_path / f"s{k}.duckdb") as s:
            f = tmp_path / f"damaged{k}.json"
            f.write_text(body, encoding="utf-8")
            r = ingest_uspto(s, f)
            assert (r.read, r.stored, r.rejected) == (6, 5, 1), name
            assert quarantine(s)[0][:2] == (1, "record"), name
    one_line = tmp_path / "oneline.json"  # not pretty-printed: the bracket count decides
    one_line.write_text(json.dumps(recs).replace('"A thing"', '"A "thing"', 1), encoding="utf-8")
    r = ingest_uspto(store, one_line)
    assert (r.read, r.stored, r.rejected) == (6, 5, 1)


def test_csv_stray_quote_bom_and_crlf(store: Store, tmp_path: Path) -> None:
    lines = CSV.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",", ',"', 1)  # a stray quote that would swallow lines
    c = tmp_path / "flat.csv"
    c.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    r = ingest_uspto(store, c)
    assert (r.read, r.stored + r.rejected) == (160, 160) and r.reconciled
    assert r.stored == 149 and r.rejected == 11
    assert rows(store, "SELECT line, unit FROM quarantine WHERE reason LIKE 'malformed%'") == [
        (4, "line")
    ]


def test_a_failing_file_names_itself_not_the_whole_call(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "dir"
    d.mkdir()
    write_json(d / "a.json", [record("US-11000001-B1")])
    write_json(d / "b.json", [record("US-11000002-B1")])
    real_write = us._write

    def fail_second(b: Any, origin: str) -> None:
        if b.file.endswith("b.json"):
            raise __import__("duckdb").Error("disk full")
        real_write(b, origin)

    monkeypatch.setattr(us, "_write", fail_second)
    with pytest.raises(Exception, match=r"b\.json: ingest failed, this file left the store"):
        ingest_uspto(store, d)
    assert rows(store, "SELECT patent_id FROM patents") == [("US-11000001",)]


@pytest.mark.parametrize("seed", range(12))
def test_random_damage_never_raises_and_always_reconciles(tmp_path: Path, seed: int) -> None:
    import random

    rng = random.Random(seed)
    data = bytearray(DOC.read_bytes())
    for _ in range(rng.randint(1, 4)):
        op, at = rng.choice(("flip", "cut", "quote", "newline")), rng.randrange(len(data))
        if op == "flip":
            data[at] = rng.randrange(256)
        elif op == "cut":
            del data[max(at, len(data) // 2) :]
        else:
            data[at:at] = b'"' if op == "quote" else b"\n"
    f = tmp_path / "doc.json"
    f.write_bytes(bytes(data))
    with Store.open(tmp_path / "s.duckdb") as s:
        try:
            r = ingest_uspto(s, f)
        except ParseError:  # the envelope itself is unreadable: refused, nothing written
            assert rows(s, "SELECT count(*) FROM patents") == [(0,)]
            return
        assert r.reconciled and r.read >= r.stored
        assert rows(s, "SELECT count(*) FROM patents")[0][0] == r.stored
        assert rows(s, "SELECT count(*) FROM quarantine")[0][0] == r.rejected
