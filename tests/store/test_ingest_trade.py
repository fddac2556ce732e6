"""Trade reader: BACI and forcemap layouts, country codes, mirroring, upserts, export RCA."""

from __future__ import annotations

import csv
import gzip
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest

from forcemap.errors import NotFoundError, ParseError
from forcemap.indicators.specialisation import activity_table, rca
from forcemap.store import Store
from forcemap.store._synth_data import COUNTRIES
from forcemap.store.ingest import ingest
from forcemap.store.ingest import trade as trade_mod
from forcemap.store.ingest.trade import BACI_COUNTRY_VARIANTS, country_code_table, ingest_trade
from forcemap.store.reference import reference_table
from forcemap.store.synth import WorldManifest, write_world

DATA = Path(__file__).parent.parent / "data" / "trade"
BACI = DATA / "baci_sample.csv"
FM = DATA / "forcemap_sample.csv"


def _rows(s: Store, sql: str) -> list[tuple[Any, ...]]:
    return s.con.execute(sql).fetchall()


def _trade(s: Store) -> dict[tuple[int, str, str, str], tuple[float | None, float | None]]:
    rows = _rows(s, "SELECT year, reporter, partner, hs6, export_value, import_value FROM trade")
    return {(y, r, p, k): (e, i) for y, r, p, k, e, i in rows}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldManifest:
    return write_world(tmp_path_factory.mktemp("world"), scale=0.05, seed=1)


def test_country_code_table() -> None:
    m = dict(zip(*country_code_table().to_pydict().values(), strict=True))
    # every ISO code maps to itself / its alpha-2, including Namibia's NA
    ref = reference_table("countries").to_pylist()
    assert all(m[c["iso2"]] == c["iso2"] for c in ref)
    assert all(m[c["iso3"]] == c["iso2"] for c in ref)
    assert all(m[str(c["iso_numeric"])] == c["iso2"] for c in ref)
    assert m["NA"] == "NA" and m["516"] == "NA"
    assert m["4"] == m["04"] == m["004"] == m["AFG"] == "AF"
    # the BACI variants are not ISO numeric codes, and map as documented
    iso_numeric = {c["iso_numeric"] for c in ref}
    assert not set(BACI_COUNTRY_VARIANTS) & iso_numeric
    assert [m[str(k)] for k in (842, 490, 251, 579, 699, 757)] == [
        "US",
        "TW",
        "FR",
        "NO",
        "IN",
        "CH",
    ]
    # the synthetic world's numeric codes are ISO numeric codes of its alpha-2 countries
    assert all(m[str(num)] == iso2 for iso2, num, *_ in COUNTRIES)


def test_baci_sample_exact_counts_quarantine_and_mirroring(store: Store) -> None:
    r = ingest_trade(store, BACI)
    # 18 records (the blank line is not one): 7 rejected, 11 valid of which 10 distinct flows
    assert (r.read, r.stored, r.rejected, r.duplicates) == (18, 10, 7, 1)
    assert r.read == r.stored + r.rejected + r.duplicates
    # 10 export cells and 10 mirrored import cells; CN-NL and NL-CN 2022 share their rows
    assert r.related == {"trade table rows": 18}
    q = _rows(store, "SELECT line, field, reason, raw FROM quarantine ORDER BY line")
    raw = BACI.read_text(encoding="utf-8").splitlines()
    assert q == [
        (11, "i", "unknown exporter country code", raw[10]),
        (12, "j", "unknown importer country code", raw[11]),
        (13, "k", "not an HS6 product code", raw[12]),
        (14, "v", "value v is not a non-negative number", raw[13]),
        (15, "v", "value v is not a non-negative number", raw[14]),
        (16, "t", "year is not an integer between 1900 and 2100", raw[15]),
        (18, None, "malformed CSV: too few fields", raw[17]),
    ]
    assert raw[13] == "2022,156,528,847130,       abc,     1.000"
    t = _trade(store)
    assert len(t) == 18
    assert t[(2022, "CN", "NL", "848620")] == (1_200_500.0, 52_000_000.0)
    assert t[(2022, "NL", "CN", "848620")] == (52_000_000.0, 1_200_500.0)
    assert t[(2022, "JP", "CN", "848620")] == (31_000_250.0, None)  # q = NA is fine
    assert t[(2022, "CN", "JP", "848620")] == (None, 31_000_250.0)
    # BACI's own codes: 842 USA, 490 Taiwan, 251 France, 699 India, 757 Switzerland, 579 Norway
    assert t[(2022, "US", "CN", "847130")] == (9_000_000.0, None)
    assert t[(2022, "TW", "US", "854231")] == (45_000_000.0, None)
    assert t[(2022, "IN", "CH", "300490")] == (800_000.0, None)
    # a lost leading zero is restored
    assert t[(2022, "CN", "FR", "010121")] == (12_000.0, None)
    assert t[(2022, "NO", "CN", "030219")] == (640_000.0, None)
    # the later of two lines with the same flow wins
    assert t[(2022, "CN", "US", "850760")] == (71_000_000.0, None)
    assert t[(2022, "US", "CN", "850760")] == (None, 71_000_000.0)
    assert t[(2023, "CN", "NL", "848620")] == (1_300_000.0, None)
    assert _rows(store, "SELECT DISTINCT origin, batch_id FROM trade") == [("trade", 1)]


def test_forcemap_layout_is_stored_as_reported(store: Store) -> None:
    r = ingest_trade(store, FM)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (15, 8, 6, 1)
    assert r.related == {"trade table rows": 8}
    assert _rows(store, "SELECT line, field, reason FROM quarantine ORDER BY line") == [
        (8, "reporter", "unknown reporter country code"),
        (9, "partner", "unknown partner country code"),
        (11, "hs6", "not an HS6 product code"),
        (12, "export_value", "no export_value or import_value"),
        (13, "import_value", "import_value is not a non-negative number"),
        (14, "year", "year is not an integer between 1900 and 2100"),
    ]
    assert _trade(store) == {
        # lines 2 and 15: the export of the later line, the import of the only line with one
        (2021, "DE", "CN", "850760"): (1_600_000.0, 250_000.0),
        (2021, "DE", "US", "850760"): (900_000.0, None),  # alpha-3
        (2021, "DE", "FR", "850760"): (None, 120_000.0),  # numeric
        (2021, "NL", "CN", "848620"): (4e9, None),
        (2021, "CN", "NL", "848620"): (None, 3.95e9),
        (2021, "CN", "JP", "848620"): (None, 1.2e9),  # lower case
        (2021, "DE", "CN", "080610"): (1000.0, None),  # a lost leading zero restored
        (2021, "NA", "ZA", "810520"): (5000.0, None),  # NA is Namibia, not a missing value
    }


def test_reingest_skips_and_overlapping_flows_replace(store: Store, tmp_path: Path) -> None:
    ingest_trade(store, BACI)
    again = ingest_trade(store, BACI)
    assert again.skipped == [str(BACI)] and again.read == 0
    assert len(_trade(store)) == 18
    update = tmp_path / "BACI_HS17_Y2022_V202501.csv"
    update.write_text(
        "t,i,j,k,v,q\n"
        "2022,156,528,848620,  1500.000,    12.000\n"  # revised flow, already stored
        "2022,528,156,850760,   250.000,     3.000\n",  # new flow
        encoding="utf-8",
    )
    r = ingest_trade(store, update)
    # the revised flow replaces the stored one (replaced, not a duplicate: it was written)
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates) == (2, 1, 1, 0, 0)
    t = _trade(store)
    assert len(t) == 20
    # the export cell is replaced, the import cell of the same row is kept
    assert t[(2022, "CN", "NL", "848620")] == (1_500_000.0, 52_000_000.0)
    assert t[(2022, "NL", "CN", "848620")] == (52_000_000.0, 1_500_000.0)
    assert t[(2022, "NL", "CN", "850760")] == (250_000.0, None)
    dup_keys = """SELECT count(*) FROM (SELECT year, reporter, partner, hs6 FROM trade
                   GROUP BY ALL HAVING count(*) > 1)"""
    assert store.scalar(dup_keys) == 0
    # a gzipped copy of the same rows in a folder (BACI's code lists are skipped)
    d = tmp_path / "baci"
    d.mkdir()
    with gzip.open(d / "BACI_sample.csv.gz", "wb") as fh:
        fh.write(BACI.read_bytes())
    (d / "country_codes_V202501.csv").write_text("country_code,country_name\n4,Afghanistan\n")
    r = ingest_trade(store, d)
    # 10 distinct flows replace their stored copies; the line repeating a flow is a duplicate
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates) == (18, 0, 10, 7, 1)
    assert len(_trade(store)) == 20


def test_crash_mid_write_leaves_store_unchanged(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_trade(store, FM)
    before = (store.counts(), _trade(store), _rows(store, "SELECT * FROM quarantine"))
    real_write = trade_mod._write

    def write_then_fail(*args: Any) -> Any:
        real_write(*args)  # rows are in the trade table (inside the transaction) …
        raise RuntimeError("power cut")  # … when the process fails

    monkeypatch.setattr(trade_mod, "_write", write_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        ingest_trade(store, BACI)
    assert (store.counts(), _trade(store), _rows(store, "SELECT * FROM quarantine")) == before
    monkeypatch.undo()
    r = ingest_trade(store, BACI)
    assert (r.read, r.stored, r.skipped) == (18, 10, [])


def test_bad_headers_and_paths(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "comtrade.csv"
    f.write_text("Year,Reporter ISO,Partner ISO,Commodity Code,Trade Value (US$)\n", "utf-8")
    with pytest.raises(ParseError) as e:
        ingest_trade(store, f)
    assert str(e.value).startswith(f"{f}:1: not a trade file")
    assert 'BACI "t,i,j,k,v,q"' in str(e.value)
    assert 'forcemap "year,reporter,partner,hs6,export_value,import_value"' in str(e.value)
    empty = tmp_path / "empty.csv"
    empty.write_text("", "utf-8")
    with pytest.raises(ParseError, match="empty file"):
        ingest_trade(store, empty)
    with pytest.raises(NotFoundError):
        ingest_trade(store, tmp_path / "missing.csv")
    # a header-only file is a valid, empty batch
    only = tmp_path / "only_header.csv"
    only.write_text("t,i,j,k,v,q\n", "utf-8")
    r = ingest_trade(store, only)
    assert (r.read, r.stored, r.files) == (0, 0, [str(only)])


def test_synthetic_baci_gives_the_hand_computed_export_rca(
    store: Store, world: WorldManifest
) -> None:
    baci = world.path / "trade" / "baci.csv"
    r = ingest(store, "trade", [baci])
    assert (r.read, r.stored, r.rejected, r.duplicates) == (world.counts["trade_rows"],) * 2 + (
        0,
        0,
    )
    assert _rows(store, "SELECT DISTINCT origin FROM trade") == [("synthetic:trade",)]
    # by hand from the file: exports X[c, k] of the last year, in US dollars
    iso = {num: iso2 for iso2, num, *_ in COUNTRIES}
    year = 2023
    x: dict[tuple[str, str], float] = defaultdict(float)
    imports_cn: dict[str, float] = defaultdict(float)
    with open(baci, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if int(row["t"]) != year:
                continue
            x[iso[int(row["i"])], row["k"]] += float(row["v"]) * 1000
            if iso[int(row["j"])] == "CN" and row["k"] == "848620":
                imports_cn[iso[int(row["i"])]] += float(row["v"]) * 1000
    total = sum(x.values())
    by_c: dict[str, float] = defaultdict(float)
    by_k: dict[str, float] = defaultdict(float)
    for (c, k), v in x.items():
        by_c[c] += v
        by_k[k] += v
    expected = {k: (v / by_c["CN"]) / (by_k[k] / total) for (c, k), v in x.items() if c == "CN"}
    out = rca(activity_table(store, prod="hs6", year=year))
    cn = out.filter(pc.equal(out["loc"], "CN")).to_pydict()
    got = dict(zip(cn["prod"], cn["rca"], strict=True))
    assert len(got) > 20 and got.keys() == expected.keys()
    for k, v in expected.items():
        assert math.isclose(got[k], v, rel_tol=1e-9), k
    # the planted bottleneck, read from CN's own rows: it imports HS 848620 only from NL and JP
    got_imports = dict(
        _rows(
            store,
            """SELECT partner, import_value FROM trade
               WHERE year = 2023 AND reporter = 'CN' AND hs6 = '848620'
                 AND import_value IS NOT NULL""",
        )
    )
    assert set(got_imports) == {"NL", "JP"} == set(imports_cn)
    for c, v in imports_cn.items():
        assert math.isclose(got_imports[c], v, rel_tol=1e-12)


# -- every record accounted for (issue: rows lost in silence behind one stray quote) ---------


def _baci_rows(n: int) -> list[str]:
    """``n`` distinct valid BACI flows (2022, CN → five partners, distinct HS6 codes)."""
    partners = ("528", "842", "276", "392", "410")
    return [
        f"2022,156,{partners[k % 5]},{100000 + k // 5:06d},{k + 0.5:.3f},1.000" for k in range(n)
    ]


def test_stray_quote_costs_one_row_not_the_rest_of_the_file(store: Store, tmp_path: Path) -> None:
    """A value written as ``"12148.5`` on line 12 of a 45,598-row file: DuckDB's reader
    followed the quote and swallowed 45,587 rows, and the log reconciled against what it saw.
    Now line 12 is quarantined as a stray quote and every other row is stored."""
    rows = _baci_rows(45_598)
    rows[10] = rows[10].rsplit(",", 2)[0] + ',"12148.5,1.000'  # physical line 12
    f = tmp_path / "baci_stray.csv"
    f.write_text("t,i,j,k,v,q\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = ingest_trade(store, f)
    assert (r.read, r.stored, r.rejected, r.duplicates) == (45_598, 45_597, 1, 0)
    assert _rows(store, "SELECT line, reason FROM quarantine") == [
        (12, "malformed CSV: stray quote (the quoted field would swallow the next lines)")
    ]
    assert store.scalar("SELECT count(*) FROM trade WHERE export_value IS NOT NULL") == 45_597


def test_latin1_byte_late_quarantines_the_row_or_decodes(store: Store, tmp_path: Path) -> None:
    """One Latin-1 byte late in a file refused it whole ("Current transaction is aborted")."""
    text = "year,reporter,partner,hs6,export_value,import_value,note\n" + "".join(
        f"2022,CN,DE,{100000 + k},{k}.0,,ok\n" for k in range(300)
    )
    f = tmp_path / "fm_latin1.csv"
    f.write_bytes(text.encode() + "2022,CN,FR,850760,5.0,,caf\xe9\n".encode("latin-1"))
    r = ingest_trade(store, f)
    assert (r.read, r.stored, r.rejected) == (301, 300, 1)
    ((line, reason),) = _rows(store, "SELECT line, reason FROM quarantine")
    assert line == 302 and reason.startswith("invalid UTF-8 byte 0xE9 at column 27")
    assert "--encoding latin-1" in reason
    # the same file read again as Latin-1 (not skipped as already ingested): all stored
    r2 = ingest(store, "trade", [f], encoding="latin-1")
    assert (r2.read, r2.stored, r2.replaced, r2.rejected) == (301, 1, 300, 0)


def test_crlf_bom_blank_lines_and_a_repeated_header(store: Store, tmp_path: Path) -> None:
    """Two files concatenated (the second with its BOM and header), CRLF and blank lines."""
    part = "\ufefft,i,j,k,v,q\r\n" + "\r\n".join(_baci_rows(6)[:3]) + "\r\n"
    more = "\ufefft,i,j,k,v,q\n" + "\n".join(_baci_rows(6)[3:]) + "\n\n"
    f = tmp_path / "concat.csv"
    f.write_text(part + more, encoding="utf-8")
    r = ingest_trade(store, f)
    assert (r.read, r.stored, r.rejected, r.filtered) == (7, 6, 0, 1)
    assert r.filter_reasons == {"repeated header line": 1}


def test_record_over_the_size_limit_is_quarantined_with_its_size(
    store: Store, tmp_path: Path
) -> None:
    """A 20 MB line failed with DuckDB's 'Parallel CSV Reader' error, losing the file."""
    rows = _baci_rows(4)
    f = tmp_path / "huge.csv"
    with open(f, "w", encoding="utf-8") as fh:
        fh.write("t,i,j,k,v,q\n" + rows[0] + "\n")
        fh.write("2022,156,528,999999," + "9" * 20_000_000 + ",1\n")
        fh.write("\n".join(rows[1:]) + "\n")
    r = ingest_trade(store, f)
    assert (r.read, r.stored, r.rejected) == (5, 4, 1)
    ((line, reason),) = _rows(store, "SELECT line, reason FROM quarantine")
    assert line == 3 and reason == "record of 20,000,022 bytes is over the 16,777,216-byte limit"


def test_truncated_gzip_keeps_what_came_before_the_cut(store: Store, tmp_path: Path) -> None:
    rows = _baci_rows(20_000)
    blob = gzip.compress(("t,i,j,k,v,q\n" + "\n".join(rows) + "\n").encode())
    f = tmp_path / "cut.csv.gz"
    f.write_bytes(blob[: len(blob) * 2 // 3])
    r = ingest_trade(store, f)
    assert r.reconciled and 0 < r.stored < 20_000
    status = store.scalar("SELECT status FROM ingest_log")
    assert status == "truncated"


def test_failure_on_a_later_file_says_which_files_were_committed(
    store: Store, tmp_path: Path
) -> None:
    good = tmp_path / "a.csv"
    good.write_text("t,i,j,k,v,q\n" + "\n".join(_baci_rows(5)) + "\n", encoding="utf-8")
    bad = tmp_path / "b.csv"
    bad.write_text("not,a,trade,header\n1,2,3,4\n", encoding="utf-8")
    with pytest.raises(ParseError) as e:
        ingest(store, "trade", [good, bad])
    committed = e.value.committed  # type: ignore[attr-defined]
    assert [(c.files, c.stored) for c in committed] == [([str(good)], 5)]
    assert store.scalar("SELECT count(*) FROM trade") == 10  # mirrored cells
