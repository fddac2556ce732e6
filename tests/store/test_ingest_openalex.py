"""OpenAlex reader: real SYNERGY records, the 2024 schema, every bad-input class, atomicity."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from forcemap.errors import NotFoundError, ParseError
from forcemap.store import Store
from forcemap.store.ingest.openalex import ingest_openalex
from tests.conftest import SYNERGY


def work(n: int, **over: Any) -> dict[str, Any]:
    """A minimal OpenAlex 2024-schema work record, shaped like the API's."""
    rec: dict[str, Any] = {
        "id": f"https://openalex.org/W{n}",
        "doi": f"https://doi.org/10.1000/TEST.{n}",
        "title": f"Work {n}",
        "display_name": f"Work {n}",
        "publication_year": 2020,
        "publication_date": "2020-05-01",
        "type": "article",
        "language": "en",
        "cited_by_count": 3,
        "updated_date": "2024-01-01T00:00:00.000000",
        "primary_location": {"source": {"id": "https://openalex.org/S1", "display_name": "J"}},
        "authorships": [
            {
                "author_position": "first",
                "author": {"id": "https://openalex.org/A1", "display_name": "Ann", "orcid": None},
                "institutions": [
                    {
                        "id": "https://openalex.org/I1",
                        "display_name": "Uni One",
                        "ror": "https://ror.org/01abcde00",
                        "country_code": "DE",
                        "type": "education",
                    },
                    {
                        "id": "https://openalex.org/I2",
                        "display_name": "Firm Two",
                        "ror": None,
                        "country_code": "FR",
                        "type": "company",
                    },
                ],
                "countries": ["DE", "FR"],
                "is_corresponding": True,
                "raw_affiliation_strings": ["Uni One, Berlin"],
            },
            {
                "author_position": "last",
                "author": {"id": None, "display_name": "Bob", "orcid": None},
                "institutions": [],
                "countries": ["CN"],
                "is_corresponding": False,
                "raw_affiliation_strings": [],
            },
        ],
        "concepts": [
            {"id": "https://openalex.org/C41008148", "display_name": "CS", "level": 0, "score": 0.9}
        ],
        "topics": [
            {
                "id": "https://openalex.org/T10001",
                "display_name": "T one",
                "score": 0.99,
                "subfield": {"id": "https://openalex.org/subfields/1702"},
                "field": {"id": "https://openalex.org/fields/17"},
                "domain": {"id": "https://openalex.org/domains/3"},
            },
            {
                "id": "https://openalex.org/T10002",
                "display_name": "T two",
                "score": 0.5,
                "subfield": {"id": "https://openalex.org/subfields/1702"},
                "field": {"id": "https://openalex.org/fields/17"},
                "domain": {"id": "https://openalex.org/domains/3"},
            },
        ],
        "primary_topic": {"id": "https://openalex.org/T10001"},
        "referenced_works": ["https://openalex.org/W999999"],
        "abstract_inverted_index": {
            "Lithography": [0],
            "shrinks": [1],
            "chips": [2, 4],
            "and": [3],
        },
    }
    rec.update(over)
    return rec


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    """Write records (dicts) or raw byte lines as JSON Lines, gzipped if the name ends in .gz."""
    data = b"".join(
        (ln if isinstance(ln, bytes) else json.dumps(ln).encode()) + b"\n" for ln in lines
    )
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


# -- the real sample ------------------------------------------------------------------------


def test_synergy_counts_equal_an_independent_count(synergy_store: Store) -> None:
    """Counts from the raw file with the standard library, independent of DuckDB."""
    ids: set[str] = set()
    auth_rows = 0
    insts: set[str] = set()
    countries: set[str] = set()
    refs: list[tuple[str, str]] = []
    with gzip.open(SYNERGY, "rt", encoding="utf-8") as fh:
        for line in fh:
            w = json.loads(line)
            ids.add(w["id"])
            for a in w["authorships"]:
                auth_rows += max(1, len(a["institutions"]))
                for i in a["institutions"]:
                    if i["id"]:
                        insts.add(i["id"])
                    if i["country_code"]:
                        countries.add(i["country_code"])
            refs += [(w["id"], r) for r in w["referenced_works"]]
    internal = sum(1 for _, r in refs if r in ids)

    assert len(ids) == 7518
    assert synergy_store.scalar("SELECT count(*) FROM works") == 7518
    assert synergy_store.scalar("SELECT count(*) FROM authorships") == auth_rows
    assert synergy_store.scalar("SELECT count(*) FROM institutions") == len(insts)
    assert synergy_store.scalar(
        "SELECT count(DISTINCT country_code) FROM authorships WHERE institution_id IS NOT NULL"
    ) == len(countries)
    assert synergy_store.scalar("SELECT count(*) FROM work_references") == len(set(refs))
    assert (
        synergy_store.scalar(
            "SELECT count(*) FROM work_references r JOIN works w ON w.work_id = r.cited_id"
        )
        == internal
        == 21423
    )
    log = synergy_store.status().ingest_log.to_pylist()
    assert [(r["read"], r["stored"], r["rejected"], r["duplicates"]) for r in log] == [
        (7518, 7518, 0, 0)
    ]


def test_synergy_fields_are_mapped(synergy_store: Store) -> None:
    row = synergy_store.sql(
        "SELECT doi, title, year, source_id, abstract FROM works WHERE work_id = 'W2125158795'"
    ).fetchall()[0]
    assert row[0] == "10.1530/eje.0.1410619"
    assert row[1] == "Pheochromocytoma in Italy: a multicentric retrospective study"
    assert row[2] == 1999
    assert row[3] == "S4210218062"
    assert row[4].startswith("To conduct an epidemiological study on pheochromocytoma in Italy.")
    # concept scores are strings in the 2023 records and must arrive as numbers
    score = synergy_store.scalar(
        "SELECT score FROM work_concepts WHERE work_id = 'W2125158795' AND concept_id = 'C71924100'"
    )
    assert score == pytest.approx(0.89915866)
    assert (
        synergy_store.scalar("SELECT ror FROM institutions WHERE institution_id = 'I45084792'")
        == "04jr1s763"
    )


# -- the 2024 schema ------------------------------------------------------------------------


def test_2024_record_maps_to_every_table(store: Store, tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "w.jsonl", [work(1)])
    r = ingest_openalex(store, [f])
    assert (r.read, r.stored, r.rejected, r.duplicates) == (1, 1, 0, 0)
    assert store.sql(
        "SELECT author_seq, author_id, institution_id, country_code FROM authorships ORDER BY ALL"
    ).fetchall() == [(1, "A1", "I1", "DE"), (1, "A1", "I2", "FR"), (2, None, None, "CN")]
    assert store.scalar("SELECT abstract FROM works") == "Lithography shrinks chips and chips"
    assert store.scalar("SELECT doi FROM works") == "10.1000/test.1"
    assert store.sql(
        "SELECT topic_id, is_primary, subfield_id, field_id FROM work_topics ORDER BY 1"
    ).fetchall() == [("T10001", True, "1702", "17"), ("T10002", False, "1702", "17")]
    # a reference to a work outside the store is kept as an external id
    assert store.sql("SELECT * FROM work_references").fetchall() == [("W1", "W999999")]
    assert store.sql(
        "SELECT institution_id, ror, type FROM institutions ORDER BY 1"
    ).fetchall() == [
        ("I1", "01abcde00", "education"),
        ("I2", None, "company"),
    ]


def test_snapshot_layout_api_page_and_institution_entities(store: Store, tmp_path: Path) -> None:
    works_dir = tmp_path / "data" / "works" / "updated_date=2024-01-01"
    inst_dir = tmp_path / "data" / "institutions" / "updated_date=2024-01-01"
    works_dir.mkdir(parents=True)
    inst_dir.mkdir(parents=True)
    write_jsonl(works_dir / "part_000.gz", [work(1), work(2)])
    write_jsonl(works_dir / "part_001.gz", [work(3)])
    write_jsonl(
        inst_dir / "part_000.gz",
        [
            {
                "id": "https://openalex.org/I1",
                "ror": "https://ror.org/01abcde00",
                "display_name": "Uni One (entity)",
                "type": "education",
                "country_code": "DE",
                "geo": {"city": "Berlin", "country_code": "DE"},
            }
        ],
    )
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"meta": {"count": 1, "page": 1}, "results": [work(4)]}))
    r = ingest_openalex(store, [tmp_path / "data", page])
    assert r.read == 5 and r.reconciled
    assert store.scalar("SELECT count(*) FROM works") == 4
    assert store.sql(
        "SELECT name, city FROM institutions WHERE institution_id = 'I1'"
    ).fetchall() == [("Uni One (entity)", "Berlin")]


# -- bad input ------------------------------------------------------------------------------


def test_every_bad_input_class_is_quarantined_with_line_and_field(
    store: Store, tmp_path: Path
) -> None:
    latin1 = json.dumps(work(7, title="caf\xe9"), ensure_ascii=False).encode("latin-1")
    bad_byte = latin1.index(bytes([0xE9]))
    lines: list[Any] = [
        work(1),
        b'{"id": "https://openalex.org/W2", "title": ',  # 2: malformed JSON
        work(3, publication_year="nineteen"),  # 3: wrong type
        {k: v for k, v in work(4).items() if k != "id"},  # 4: missing id
        work(5, id="https://openalex.org/X5"),  # 5: invalid id
        b"[1, 2, 3]",  # 6: not an object
        latin1,  # 7: invalid UTF-8
        b"",  # 8: blank line: not a record
        work(1),  # 9: duplicate of line 1
        work(10, referenced_works="W1"),  # 10: wrong type
    ]
    f = write_jsonl(tmp_path / "bad.jsonl", lines)
    r = ingest_openalex(store, [f])
    assert (r.read, r.stored, r.rejected, r.duplicates) == (9, 1, 7, 1)
    assert r.reconciled
    q = store.sql("SELECT line, record_id, field, reason FROM quarantine ORDER BY line").fetchall()
    assert q == [
        (2, None, None, "malformed JSON"),
        (3, "W3", "publication_year", "wrong type: publication_year"),
        (4, None, "id", "missing id"),
        (5, "X5", "id", "invalid id"),
        (6, None, None, "not a JSON object"),
        (7, None, None, f"invalid UTF-8 byte 0xE9 at column {bad_byte + 1}"),
        (10, "W10", "referenced_works", "wrong type: referenced_works"),
    ]
    qfile = Path(r.quarantine_files[0])
    rows = [json.loads(x) for x in qfile.read_text().splitlines()]
    assert [x["line"] for x in rows] == [2, 3, 4, 5, 6, 7, 10]
    assert all(x["file"] == str(f) for x in rows)
    log = store.status().ingest_log.to_pylist()[0]
    assert (log["read"], log["stored"], log["rejected"], log["duplicates"]) == (9, 1, 7, 1)


def test_truncated_gzip_keeps_the_readable_part(store: Store, tmp_path: Path) -> None:
    data = b"".join(json.dumps(work(i)).encode() + b"\n" for i in range(1, 201))
    gz = gzip.compress(data)
    f = tmp_path / "cut.jsonl.gz"
    f.write_bytes(gz[: len(gz) // 2])
    r = ingest_openalex(store, [f])
    assert r.reconciled and r.rejected >= 1 and 0 < r.stored < 200
    assert "truncated compressed stream: the rest of the file is missing" in r.reasons
    assert store.scalar("SELECT status FROM ingest_log") == "truncated"
    # everything stored is complete: each work has its authorships
    assert store.scalar("SELECT count(*) FROM authorships") == 3 * r.stored


def test_duplicates_across_files_update_only_when_newer(store: Store, tmp_path: Path) -> None:
    ingest_openalex(store, [write_jsonl(tmp_path / "a.jsonl", [work(1), work(2)])])
    older = work(1, title="old", updated_date="2023-01-01T00:00:00")
    newer = work(2, title="new", updated_date="2025-01-01T00:00:00")
    r = ingest_openalex(store, [write_jsonl(tmp_path / "b.jsonl", [older, newer, work(3)])])
    # W3 is new (stored), W2 replaces an older stored copy (replaced), W1 is older than the
    # stored copy (a duplicate)
    assert (r.read, r.stored, r.replaced, r.duplicates) == (3, 1, 1, 1)
    log = store.sql("SELECT stored, replaced, duplicates FROM ingest_log ORDER BY batch_id")
    assert log.fetchall() == [(2, 0, 0), (1, 1, 1)]
    assert store.sql("SELECT work_id, title FROM works ORDER BY 1").fetchall() == [
        ("W1", "Work 1"),
        ("W2", "new"),
        ("W3", "Work 3"),
    ]
    # the replaced work's child rows are replaced, not duplicated
    assert store.scalar("SELECT count(*) FROM authorships WHERE work_id = 'W2'") == 3
    assert store.scalar("SELECT count(*) FROM work_topics WHERE work_id = 'W2'") == 2


def test_reingesting_the_same_file_is_idempotent(store: Store, tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "a.jsonl.gz", [work(1), work(2)])
    ingest_openalex(store, [f])
    before = store.counts()
    r = ingest_openalex(store, [f])
    assert r.skipped == [str(f)] and r.read == 0
    assert store.counts() == before


def test_missing_path_and_bad_api_page(store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        ingest_openalex(store, [tmp_path / "nope.jsonl"])
    bad = tmp_path / "page.json"
    bad.write_text("<html>502 Bad Gateway</html>")
    with pytest.raises(ParseError, match=r"page\.json:1: not a JSON API page"):
        ingest_openalex(store, [bad])
    bad.write_text('{"meta": {}, "group_by": []}')
    with pytest.raises(ParseError, match=r"page\.json: not a JSON API page"):
        ingest_openalex(store, [bad])
    assert store.counts()["works"] == 0


# -- atomicity ------------------------------------------------------------------------------


def test_kill_9_mid_ingest_leaves_store_as_before_and_rerun_completes(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store.open(path) as s:
        ingest_openalex(s, [write_jsonl(tmp_path / "first.jsonl", [work(1)])])
        before = s.counts()
    spool = tmp_path / "tmp"
    spool.mkdir()
    env = dict(os.environ, TMPDIR=str(spool))
    cmd = [
        sys.executable,
        "-m",
        "forcemap",
        "-q",
        "--store",
        str(path),
        "ingest",
        "openalex",
        str(SYNERGY),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(spool.glob("forcemap-oa-*")):  # the batch has begun
        assert proc.poll() is None, "ingest ended before its batch began"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(1.0)
    assert proc.poll() is None, "ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store.open(path) as s:
        assert s.counts() == before
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert "stored 7,518" in done.stdout
    with Store.open(path) as s:
        assert s.counts()["works"] == 7519
        assert s.scalar("SELECT count(*) FROM ingest_log") == 2


# -- every record accounted for (issue 16): real SYNERGY lines, corrupted ---------------------


def synergy_lines(n: int) -> list[bytes]:
    """The first ``n`` lines of the real SYNERGY OpenAlex sample, as bytes (no newline)."""
    out: list[bytes] = []
    with gzip.open(SYNERGY, "rb") as fh:
        for line in fh:
            out.append(line.rstrip(b"\n"))
            if len(out) == n:
                break
    return out


def set_field(line: bytes, field: str, value: str) -> bytes:
    """Replace the JSON value of a top-level scalar field with ``value`` (raw JSON text)."""
    rec = json.loads(line)
    rec[field] = "@@V@@"
    return json.dumps(rec).replace('"@@V@@"', value).encode()


def first_concept(line: bytes, key: str, value: str) -> bytes:
    rec = json.loads(line)
    rec["concepts"][0][key] = "@@V@@"
    return json.dumps(rec).replace('"@@V@@"', value).encode()


def quarantined(store: Store) -> list[tuple[Any, ...]]:
    return store.sql(
        "SELECT line, record_id, field, reason, unit FROM quarantine ORDER BY line"
    ).fetchall()


@pytest.mark.parametrize(
    ("corrupt", "field", "reason"),
    [
        (
            lambda ln: set_field(ln, "cited_by_count", str(2**31)),
            "cited_by_count",
            "out of range: cited_by_count (0..2,147,483,647)",
        ),
        (
            lambda ln: set_field(ln, "cited_by_count", "-1"),
            "cited_by_count",
            "out of range: cited_by_count (0..2,147,483,647)",
        ),
        (
            lambda ln: set_field(ln, "cited_by_count", "NaN"),
            "cited_by_count",
            "not a finite number: cited_by_count",
        ),
        (
            lambda ln: set_field(ln, "cited_by_count", "1e400"),
            "cited_by_count",
            "not a finite number: cited_by_count",
        ),
        (
            lambda ln: set_field(ln, "cited_by_count", '"inf"'),
            "cited_by_count",
            "not a finite number: cited_by_count",
        ),
        (
            lambda ln: set_field(ln, "cited_by_count", "2.5"),
            "cited_by_count",
            "not an integer: cited_by_count",
        ),
        (
            lambda ln: set_field(ln, "publication_year", str(2**64 - 1)),
            "publication_year",
            "out of range: publication_year (-9,999..9,999)",
        ),
        (
            lambda ln: set_field(ln, "publication_year", "true"),
            "publication_year",
            "wrong type: publication_year",
        ),
        (
            lambda ln: first_concept(ln, "level", "40000"),
            "concepts.level",
            "out of range: concepts.level (0..32,767)",
        ),
        (
            lambda ln: first_concept(ln, "level", '"high"'),
            "concepts.level",
            "wrong type: concepts.level",
        ),
        (
            lambda ln: first_concept(ln, "score", '"NaN"'),
            "concepts.score",
            "not a finite number: concepts.score",
        ),
        (
            lambda ln: set_field(ln, "publication_date", '"2020-13-45"'),
            "publication_date",
            "invalid date: publication_date",
        ),
        (
            lambda ln: set_field(ln, "updated_date", '"yesterday"'),
            "updated_date",
            "invalid date: updated_date",
        ),
        (
            lambda ln: set_field(ln, "abstract_inverted_index", '{"word": [0, 4294967296]}'),
            "abstract_inverted_index",
            "invalid word position: abstract_inverted_index",
        ),
    ],
)
def test_a_bad_number_or_date_quarantines_its_record_naming_the_field(
    store: Store, tmp_path: Path, corrupt: Any, field: str, reason: str
) -> None:
    """Overflow, NaN/inf, a text or a fraction where a number belongs, an impossible date: the
    record is quarantined naming the field; never a refused file, never a silent NULL."""
    lines = synergy_lines(5)
    lines[2] = corrupt(lines[2])
    bad_id = json.loads(lines[2])["id"].rsplit("/", 1)[1]
    f = write_jsonl(tmp_path / "part_000.jsonl", lines)
    r = ingest_openalex(store, [f])
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates) == (5, 4, 0, 1, 0)
    assert quarantined(store) == [(3, bad_id, field, reason, "line")]
    assert store.scalar("SELECT count(*) FROM works WHERE work_id = $w", {"w": bad_id}) == 0
    # no stored work lost a value to a silent NULL
    assert store.scalar("SELECT count(*) FROM works WHERE year IS NULL") == 0


def test_byte_order_marks_crlf_and_mixed_line_ends_lose_nothing(
    store: Store, tmp_path: Path
) -> None:
    lines = synergy_lines(4)
    bom = b"\xef\xbb\xbf"
    data = bom + lines[0] + b"\r\n" + lines[1] + b"\n" + bom + lines[2] + b"\r\n\r\n" + lines[3]
    f = tmp_path / "mixed.jsonl"
    f.write_bytes(data)  # the last line has no line end
    r = ingest_openalex(store, [f])
    assert (r.read, r.stored, r.rejected) == (4, 4, 0)
    assert quarantined(store) == []


def test_lines_over_the_size_limit_are_quarantined_with_their_size(
    store: Store, tmp_path: Path
) -> None:
    """A 33 MB line (DuckDB's line reader used to fail on the whole file) is quarantined with
    its size; the lines around it are stored."""
    lines = synergy_lines(3)
    rec = json.loads(lines[1])
    rec["abstract_inverted_index"] = {f"w{i:07d}": [i] for i in range(2_000_000)}
    big = json.dumps(rec).encode()
    assert len(big) > 32 * 2**20
    f = write_jsonl(tmp_path / "big.jsonl", [lines[0], big, lines[2]])
    r = ingest_openalex(store, [f])
    assert (r.read, r.stored, r.rejected) == (3, 2, 1)
    [(line, _, field, reason, unit)] = quarantined(store)
    assert (line, field, unit) == (2, None, "line")
    assert reason == f"record of {len(big):,} bytes is over the 16,777,216-byte limit"


def test_nul_byte_empty_file_and_deep_nesting(store: Store, tmp_path: Path) -> None:
    lines = synergy_lines(3)
    deep = set_field(lines[2], "extra", "[" * 50_000 + "]" * 50_000)
    nul = lines[1].replace(b'"title": ', b'"title": "\x00', 1).replace(b'"\x00"', b'"\x00', 1)
    f = write_jsonl(tmp_path / "odd.jsonl", [lines[0], nul, deep])
    r = ingest_openalex(store, [f])
    assert (r.read, r.stored, r.rejected) == (3, 2, 1)
    assert [q[0] for q in quarantined(store)] == [2]
    assert quarantined(store)[0][3].startswith("NUL byte at column")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    r = ingest_openalex(store, [empty])
    assert (r.read, r.stored, r.rejected) == (0, 0, 0) and r.reconciled


def test_more_authorships_than_the_column_holds_is_quarantined(
    store: Store, tmp_path: Path
) -> None:
    many = work(2, authorships=[{"author_position": "middle"}] * 32_768)
    f = write_jsonl(tmp_path / "many.jsonl", [work(1), many])
    r = ingest_openalex(store, [f])
    assert (r.read, r.stored, r.rejected) == (2, 1, 1)
    assert quarantined(store) == [
        (2, "W2", "authorships", "too many authorships (over 32,767)", "line")
    ]


def test_replaced_institution_entities_count_as_replaced(store: Store, tmp_path: Path) -> None:
    d = tmp_path / "institutions" / "updated_date=2024-01-01"
    d.mkdir(parents=True)
    ingest_openalex(store, [write_jsonl(tmp_path / "w.jsonl", [work(1)])])  # embeds I1, I2
    inst = {"id": "https://openalex.org/I1", "display_name": "Uni One (entity)"}
    new = {"id": "https://openalex.org/I9", "display_name": "Nine"}
    r = ingest_openalex(store, [write_jsonl(d / "part_000.gz", [inst, new, inst])])
    assert (r.read, r.stored, r.replaced, r.duplicates) == (3, 1, 1, 1)


def test_a_failing_file_leaves_the_earlier_files_committed(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File 3 fails inside DuckDB: its error must not claim the whole store is unchanged, and
    the dispatcher reports files 1 and 2 as committed."""
    import duckdb

    from forcemap.errors import StoreError
    from forcemap.store.ingest import ingest
    from forcemap.store.ingest import openalex as oa

    files = [write_jsonl(tmp_path / f"part_{i}.jsonl", [work(i)]) for i in (1, 2, 3)]
    real = oa._write_works
    calls = []

    def third_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise duckdb.IOException("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(oa, "_write_works", third_fails)
    with pytest.raises(StoreError) as err:
        ingest(store, "openalex", files)
    msg = str(err.value)
    assert f"{files[2]}: ingest failed, this file left the store unchanged" in msg
    assert "failed, store unchanged" not in msg
    assert [c.files for c in err.value.committed] == [[str(files[0])], [str(files[1])]]
    assert store.scalar("SELECT count(*) FROM works") == 2


# -- API pages: the elements of "results", counted without the JSON parser -----------------------


def test_api_page_counts_its_results_and_quarantines_a_bad_element(
    store: Store, tmp_path: Path
) -> None:
    good = [json.dumps(work(i), indent=2) for i in (1, 2, 4, 5)]
    broken = '{"id": "https://openalex.org/W3", "title": "a [ } , \\" ]", "cited_by_count": }'
    body = ",\n".join([good[0], good[1], broken, good[2], good[3]])
    page = tmp_path / "page.json"
    page.write_bytes(b"\xef\xbb\xbf" + f'{{"meta": {{"count": 5}}, "results": [{body}]}}'.encode())
    r = ingest_openalex(store, [page])
    assert (r.read, r.stored, r.rejected) == (5, 4, 1)
    assert quarantined(store) == [(3, None, None, "malformed JSON", "record")]
    assert store.scalar("SELECT status FROM ingest_log") == "ok"


def test_a_cut_api_page_keeps_the_records_before_the_cut(store: Store, tmp_path: Path) -> None:
    text = json.dumps({"meta": {"count": 3}, "results": [work(1), work(2), work(3)]})
    page = tmp_path / "page.json"
    page.write_text(text[: text.index('"https://openalex.org/W3"') + 10])
    r = ingest_openalex(store, [page])
    assert (r.read, r.stored, r.rejected) == (3, 2, 1)
    assert quarantined(store) == [
        (3, None, None, "truncated API page: the document ends inside this record", "record")
    ]
    assert store.scalar("SELECT status FROM ingest_log") == "truncated"


def test_api_page_element_with_bad_bytes_overflow_or_a_stray_quote(
    store: Store, tmp_path: Path
) -> None:
    """One element a line, as the matrix writes pages: a stray quote (a string not closed on
    its line) costs its own record only; the next one is read."""
    body = b",\n".join(
        [
            json.dumps(work(1)).encode(),
            json.dumps(work(2, title="caf\xe9"), ensure_ascii=False).encode("latin-1"),
            json.dumps(work(3, cited_by_count=2**40)).encode(),
            json.dumps(work(4, title="Wor@k 4")).replace("@", '"').encode(),
            json.dumps(work(5)).encode(),
        ]
    )
    page = tmp_path / "page.json"
    page.write_bytes(b'{"meta": {},\n"results": [\n' + body + b"\n]}\n")
    r = ingest_openalex(store, [page])
    assert (r.read, r.stored, r.rejected) == (5, 2, 3)
    q = quarantined(store)
    assert [(x[0], x[2], x[4]) for x in q] == [
        (2, None, "record"),
        (3, "cited_by_count", "record"),
        (4, None, "record"),
    ]
    assert q[0][3].startswith("invalid UTF-8 byte 0xE9")
    assert q[2][3] == "malformed JSON: a string not closed on its line (a stray quote?)"
    assert store.sql("SELECT work_id FROM works ORDER BY 1").fetchall() == [("W1",), ("W5",)]
