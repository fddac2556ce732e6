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
    assert (r.read, r.stored, r.rejected, r.duplicates) == (2, 1, 0, 1)
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
    assert (r.read, r.stored, r.rejected, r.duplicates) == (18, 0, 7, 11)
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
