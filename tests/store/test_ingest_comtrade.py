"""Trade reader, UN Comtrade layout: header detection, HS6 filter counted, M/X directions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from forcemap.errors import ParseError
from forcemap.store import Store
from forcemap.store.ingest import ingest
from forcemap.store.ingest.trade import COMTRADE_COLUMNS, ingest_trade

DATA = Path(__file__).parent.parent / "data" / "trade"
CT = DATA / "comtrade_sample.csv"

FILTERED = {
    "aggregate product (cmdCode TOTAL, HS2 or HS4)": 2,  # lines 2 (TOTAL) and 9 (HS4 8507)
    "partner is not a country (World, areas nes, bunkers, free zones, special categories)": 2,
    "flow other than import M / export X (re-exports, re-imports, processing)": 1,  # RX
    "breakdown row (second partner, customs procedure or transport mode); totals kept": 1,
}
TRADE = [
    (2022, "DE", "CN", "850760", 1185000000.0, 9750325000.25),  # X (line 15 wins) and M
    (2022, "DE", "GR", "850760", None, 3500000.0),  # M: partner -> reporter
    (2022, "DE", "US", "850760", 870000000.0, None),
    (2022, "TW", "CN", "854231", 120000000000.0, None),  # S19 / 490 "Other Asia, nes"
    (2022, "US", "CN", "854231", 9000000000.0, None),
]


def _rows(s: Store, sql: str) -> list[tuple[Any, ...]]:
    return s.con.execute(sql).fetchall()


def _trade(s: Store) -> list[tuple[Any, ...]]:
    return _rows(
        s,
        "SELECT year, reporter, partner, hs6, export_value, import_value FROM trade ORDER BY ALL",
    )


def test_sample_has_the_real_header() -> None:
    header = CT.read_text().splitlines()[0].split(",")
    assert tuple(header) == COMTRADE_COLUMNS
    assert len(header) == 47


def test_comtrade_counts_filters_quarantine_and_directions(store: Store) -> None:
    r = ingest(store, "trade", [CT])
    # 16 data rows: 6 cells stored, 1 duplicate, 3 rejected, 6 filtered by design
    assert (r.read, r.stored, r.rejected, r.duplicates, r.filtered) == (16, 6, 3, 1, 6)
    assert r.reconciled and r.read == r.stored + r.rejected + r.duplicates + r.filtered
    assert r.filter_reasons == FILTERED
    assert r.related == {"trade table rows": 5}
    assert _trade(store) == TRADE
    assert _rows(store, "SELECT line, field, reason FROM quarantine ORDER BY line") == [
        (12, None, "malformed CSV: too few fields"),
        (13, "primaryValue", "primaryValue is not a non-negative number"),
        (14, "partnerISO", "unknown partner country code"),
    ]
    (q,) = r.quarantine_files
    raws = [json.loads(x)["raw"] for x in Path(q).read_text().splitlines()]
    assert raws[0] == "C,A,20220101,2022,52,2022,276,DEU,Germany,X"
    assert "abc" in raws[1] and "XYZ" in raws[2]
    # the ingest log records the filtered rows, so the history reconciles too
    assert _rows(
        store, "SELECT read, stored, rejected, duplicates, filtered, status FROM ingest_log"
    ) == [(16, 6, 3, 1, 6, "ok")]


def test_reingest_never_duplicates(store: Store, tmp_path: Path) -> None:
    ingest_trade(store, CT)
    assert ingest_trade(store, CT).skipped == [str(CT)]
    # a revised release (one value changed): every flow replaces its stored cell
    f = tmp_path / "TradeData_rev.csv"
    f.write_text(CT.read_text().replace("870000000", "871000000"))
    r = ingest_trade(store, f)
    assert (r.read, r.stored, r.replaced, r.rejected, r.duplicates, r.filtered) == (
        16,
        0,
        6,
        3,
        1,
        6,
    )
    got = _trade(store)
    assert len(got) == 5
    assert (2022, "DE", "US", "850760", 871000000.0, None) in got
    assert _rows(store, "SELECT count(*) FROM ingest_log") == [(2,)]


def test_x_and_m_rows_of_one_key_share_a_row(store: Store) -> None:
    """Comtrade is stored as reported, not mirrored: X fills ``export_value`` (reporter →
    partner) and M ``import_value`` (partner → reporter) of the reporter's own row."""
    ingest_trade(store, CT)
    assert _rows(
        store,
        "SELECT export_value, import_value FROM trade WHERE reporter = 'DE' AND partner = 'CN'",
    ) == [(1185000000.0, 9750325000.25)]
    assert _rows(store, "SELECT count(*) FROM trade WHERE reporter = 'CN'") == [(0,)]


def test_tab_separated_bulk_file(store: Store, tmp_path: Path) -> None:
    import csv

    f = tmp_path / "comtrade_bulk.txt"
    with open(CT, newline="") as src, open(f, "w", newline="") as dst:
        w = csv.writer(dst, delimiter="\t", lineterminator="\n")
        for row in csv.reader(src):
            w.writerow(row)
    r = ingest_trade(store, f)
    # the cut-short record has no tabs: one field, malformed
    assert (r.read, r.stored, r.rejected, r.duplicates, r.filtered) == (16, 6, 3, 1, 6)
    assert _trade(store) == TRADE


def test_monthly_and_non_hs_rows_are_filtered(store: Store, tmp_path: Path) -> None:
    lines = CT.read_text().splitlines()
    rows = [lines[0], lines[5].replace(",A,", ",M,", 1), lines[5].replace(",H6,", ",S4,")]
    f = tmp_path / "monthly.csv"
    f.write_text("\n".join(rows) + "\n")
    r = ingest_trade(store, f)
    assert (r.read, r.stored, r.filtered) == (2, 0, 2)
    assert r.filter_reasons == {
        "monthly record (freqCode not A); the trade table is annual": 1,
        "not an HS classification (classificationCode)": 1,
    }


def test_unknown_header_lists_the_comtrade_layout(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("refYear,reporterISO,partnerISO,cmdCode\n2022,DEU,CHN,850760\n")
    with pytest.raises(ParseError, match="UN Comtrade"):
        ingest_trade(store, f)
