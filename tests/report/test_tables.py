"""The table writers (.csv .parquet .json .xlsx) and the one number format."""

from __future__ import annotations

import csv
import json
import math
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from forcemap.decide.result import Rule
from forcemap.errors import InputError
from forcemap.report.render import column_text, formatted_rows, rule_text
from forcemap.report.tables import (
    FORMATS,
    check_out,
    column_formatter,
    format_number,
    table_bytes,
    write_table,
)


def _table() -> pa.Table:
    return pa.table(
        {
            "unit_id": ["T1", "T2", None],
            "counts": pa.array([[8, 8, 9], [], None], pa.list_(pa.int64())),
            "names": pa.array([["a b", "c"], ["d"], None], pa.list_(pa.string())),
            "pair": pa.array(
                [{"x": 1, "y": "u"}, None, {"x": 3, "y": None}],
                pa.struct([("x", pa.int64()), ("y", pa.string())]),
            ),
            "day": pa.array([date(2020, 1, 31), None, date(2021, 12, 1)], pa.date32()),
            "share": [0.25, float("nan"), None],
            "n": pa.array([5384, 0, None], pa.int64()),
        }
    )


@pytest.mark.parametrize("suffix", FORMATS)
def test_every_format_writes_lists_structs_dates_and_missing_values(
    suffix: str, tmp_path: Path
) -> None:
    p = tmp_path / f"t{suffix}"
    write_table(_table(), p, notes={"rule": ["the rule"], "caveats": ["c1", "c2"]})
    if suffix == ".csv":
        with p.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert [r["counts"] for r in rows] == ["8; 8; 9", "", ""]
        assert rows[0]["names"] == "a b; c"
        assert json.loads(rows[0]["pair"]) == {"x": 1, "y": "u"}
        assert rows[2]["pair"] == '{"x": 3, "y": null}'
        assert rows[0]["day"] == "2020-01-31" and rows[0]["n"] == "5384"
    elif suffix == ".parquet":
        back = pq.read_table(p)
        assert back.schema == _table().schema and back.column("counts").to_pylist()[0] == [8, 8, 9]
    elif suffix == ".json":
        rows = json.loads(p.read_text(encoding="utf-8"))
        assert rows[0]["counts"] == [8, 8, 9] and rows[0]["pair"] == {"x": 1, "y": "u"}
        assert rows[1]["share"] is None and rows[2]["share"] is None  # NaN and null
        assert rows[0]["day"] == "2020-01-31" and rows[2]["unit_id"] is None
    else:
        wb = load_workbook(p)
        assert wb.sheetnames == ["table", "notes"]
        ws = wb["table"]
        cells = [[c.value for c in row] for row in ws.iter_rows()]
        assert cells[0] == ["unit_id", "counts", "names", "pair", "day", "share", "n"]
        assert cells[1][1] == "8; 8; 9" and cells[1][5] == 0.25 and cells[1][6] == 5384
        assert cells[2][5] is None  # NaN is an empty cell, not an error value
        notes = [[c.value for c in row] for row in wb["notes"].iter_rows()]
        assert notes == [
            ["kind", "text"],
            ["rule", "the rule"],
            ["caveats", "c1"],
            ["caveats", "c2"],
        ]


def test_xlsx_takes_several_named_tables_with_valid_sheet_names(tmp_path: Path) -> None:
    p = tmp_path / "two.xlsx"
    t = pa.table({"a": [1]})
    write_table({"a/b": t, "a:b": t, "x" * 40: t}, p)
    assert load_workbook(p).sheetnames == ["a_b", "a_b (2)", "x" * 31]


def test_unknown_suffix_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"x\.txt: unknown output format '\.txt'"):
        check_out(tmp_path / "x.txt")
    with pytest.raises(InputError, match="no suffix"):
        write_table(pa.table({"a": [1]}), tmp_path / "x")
    check_out(None)
    check_out(tmp_path / "X.XLSX")  # case does not matter


def test_table_bytes_is_what_write_table_writes(tmp_path: Path) -> None:
    t = pa.table({"a": [1, 2]})
    write_table(t, tmp_path / "t.csv")
    assert table_bytes(t, ".csv") == (tmp_path / "t.csv").read_bytes()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "–"),
        (float("nan"), "–"),
        (math.inf, "–"),
        (5384, "5,384"),
        (678.0, "678"),  # a whole float has no decimals (the report showed 678.000)
        (3.187e9, "3,187,000,000"),  # never scientific notation
        (3187.4, "3,187"),
        (41.72, "41.7"),
        (3.19, "3.19"),
        (0.04719, "0.0472"),
        (0.0, "0"),
        (-2.5, "-2.50"),
        (True, "True"),
        ("CN", "CN"),
    ],
)
def test_format_number_hand_worked(value: object, text: str) -> None:
    assert format_number(value) == text


def test_format_number_signed_and_no_negative_zero() -> None:
    assert format_number(12.0, decimals=0, signed=True) == "+12"
    assert format_number(-3.4, decimals=0, signed=True) == "-3"
    assert format_number(5384, signed=True) == "+5,384"
    assert format_number(0, signed=True) == "0"
    # a value that rounds to zero carries no sign
    assert format_number(-0.4, decimals=0, signed=True) == "0"
    assert format_number(-0.004, decimals=2) == "0.00"


def test_report_rows_share_decimals_per_measure() -> None:
    """A figure and its interval bounds are written with one number of decimals (the
    figure's column and its bounds pooled); booleans and text are not numbers; years have
    no separator."""
    t = pa.table(
        {
            "level": [100.0, 41.72, 7.3],
            "level_low": [90.0, 30.1, None],
            "level_high": [100.0, 50.55, 9.9],
            "year": [2015, 2016, 2017],
            "n": [5384, 1, 2],
            "ok": [True, False, None],
        }
    )
    rows = formatted_rows(t, 2)
    assert rows == [
        [("100.0", True), ("90.0", True), ("100.0", True), ("2015", True), ("5,384", True),
         ("True", False)],
        [("41.7", True), ("30.1", True), ("50.5", True), ("2016", True), ("1", True),
         ("False", False)],
    ]  # fmt: skip
    assert column_text(t, "level_low")(None) == "–" and column_text(t, "level")(7.3) == "7.3"


def test_rule_text_never_writes_scientific_notation() -> None:
    rule = Rule("x", "The rule.", {"mip_gap": 3.3162303759430436e-05, "parallel_at": 80.0,
                                   "k": 5, "who": None})  # fmt: skip
    assert rule_text(rule) == (
        "The rule. Parameters: mip_gap = 0.000033, parallel_at = 80.0, k = 5, who = None."
    )


def test_column_formatter_fixes_decimals_per_column() -> None:
    share = column_formatter("top10_share", [0.25, 0.031, 0.5, None])
    assert [share(v) for v in (0.25, 0.031, 0.5, None)] == ["0.250", "0.031", "0.500", "–"]
    money = column_formatter("budget", [1250000.5, 3.2])
    assert money(1250000.5) == "1,250,000" and money(3.2) == "3"
    counts = column_formatter("works", [3.0, 12.0])
    assert counts(12.0) == "12"
    assert column_formatter("name", ["a"])("a") == "a"
