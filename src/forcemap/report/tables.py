"""Tables out of forcemap: the file formats every ``--out`` and web download writes, and the
one way numbers are shown.

Files (:func:`write_table`, chosen by the suffix):

* ``.csv`` — UTF-8, a header row; list columns as their items joined by ``"; "`` (the
  separator bibliometrix and the WoS/Scopus exports use), struct and nested list columns as
  JSON; dates ISO 8601;
* ``.parquet`` — the Arrow table unchanged (types, lists and all);
* ``.json`` — an array of row objects (lists stay arrays; NaN and missing values are
  ``null``);
* ``.xlsx`` — one sheet per table (numbers stay numbers, lists joined as in CSV), and a sheet
  ``notes`` with the rule, the data coverage and the caveats when the caller gives them.

Numbers (:func:`format_number`, :func:`column_formatter`): thousands separators; never
scientific notation; whole values (counts, money) without decimals; other values with a fixed
number of decimals per column (three significant digits at the column's typical magnitude).
The CLI, the web pages and the report all use these two functions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from forcemap.errors import InputError

__all__ = [
    "FORMATS",
    "check_out",
    "column_formatter",
    "format_number",
    "table_bytes",
    "write_table",
]

FORMATS: tuple[str, ...] = (".csv", ".parquet", ".json", ".xlsx")
"""The suffixes every ``--out`` accepts."""

_MONEY = (
    "budget",
    "spent",
    "cost",
    "funding",
    "amount",
    "export_value",
    "import_value",
    "_usd",
    "_eur",
)
_EXCEL_MAX_ROWS = 1_048_575  # one header row


def check_out(path: Path | None) -> None:
    """Raise :class:`~forcemap.errors.InputError` before any work when ``path`` has a suffix
    no writer takes."""
    if path is not None and path.suffix.lower() not in FORMATS:
        raise InputError(
            f"{path}: unknown output format {path.suffix or '(no suffix)'!r}; "
            f"write one of {', '.join(FORMATS)}"
        )


def _is_nested(t: pa.DataType) -> bool:
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_struct(t))


def _plain(v: Any) -> Any:
    """A value as a JSON-ready Python value (dates as ISO text, NaN as None)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _cell_text(v: Any) -> Any:
    """A nested value as one cell: scalars' list joined by ``"; "``, anything deeper as JSON."""
    if v is None:
        return None
    if isinstance(v, list) and all(not isinstance(x, (list, dict)) for x in v):
        return "; ".join("" if x is None else str(_plain(x)) for x in v)
    return json.dumps(_plain(v), ensure_ascii=False)


def _flatten(table: pa.Table) -> pa.Table:
    """The table with every list/struct column as text cells (for CSV and spreadsheets)."""
    cols = []
    for col in table.columns:
        if _is_nested(col.type):
            col = pa.array([_cell_text(v) for v in col.to_pylist()], pa.string())
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def _notes_rows(notes: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    return [(k, line) for k, lines in notes.items() for line in lines]


def _write_xlsx(
    tables: Mapping[str, pa.Table], path: Path, notes: Mapping[str, Sequence[str]] | None
) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    used: set[str] = set()
    for name, table in tables.items():
        if table.num_rows > _EXCEL_MAX_ROWS:
            raise InputError(
                f"{path}: {table.num_rows:,} rows do not fit a spreadsheet "
                f"(at most {_EXCEL_MAX_ROWS:,}); write .csv or .parquet"
            )
        title = _sheet_name(name, used)
        ws = wb.create_sheet(title)
        bold = Font(bold=True)
        header = []
        for c in table.column_names:
            cell = _header_cell(ws, c, bold)
            header.append(cell)
        ws.append(header)
        flat = _flatten(table)
        for row in flat.to_pylist():
            ws.append([_plain(v) for v in row.values()])
    if notes:
        ws = wb.create_sheet(_sheet_name("notes", used))
        ws.append(["kind", "text"])
        for kind, line in _notes_rows(notes):
            ws.append([kind, line])
    wb.save(path)


def _header_cell(ws: Any, text: str, font: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=text)
    cell.font = font
    return cell


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, none of ``[]:*?/\\``)."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "table"
    title, i = base, 2
    while title.lower() in used:
        suffix = f" ({i})"
        title, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(title.lower())
    return title


def write_table(
    table: pa.Table | Mapping[str, pa.Table],
    path: Path,
    *,
    notes: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Write a table (or, for ``.xlsx``, several named tables) to ``path`` by its suffix.

    Parameters
    ----------
    table
        One Arrow table, or a mapping sheet name → table. CSV, Parquet and JSON take one
        table: given a mapping they write its first table.
    path
        ``.csv``, ``.parquet``, ``.json`` or ``.xlsx`` (see the module docstring for what each
        holds). The parent directory is created.
    notes
        ``{"rule": [...], "coverage": [...], "caveats": [...]}``: written on the spreadsheet's
        ``notes`` sheet (the other formats hold only the table; the CLI prints the notes).

    Raises
    ------
    InputError
        An unknown suffix, or more rows than a spreadsheet holds.
    """
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    check_out(path)
    tables = dict(table) if isinstance(table, Mapping) else {"table": table}
    if not tables:
        raise InputError(f"{path}: nothing to write")
    first = next(iter(tables.values()))
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        pq.write_table(first, path)
    elif suffix == ".csv":
        pacsv.write_csv(_flatten(first), path)
    elif suffix == ".json":
        rows = [{k: _plain(v) for k, v in r.items()} for r in first.to_pylist()]
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        _write_xlsx(tables, path, notes)


def table_bytes(
    table: pa.Table, suffix: str, *, notes: Mapping[str, Sequence[str]] | None = None
) -> bytes:
    """The bytes :func:`write_table` would write for ``suffix`` (a web download)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"table{suffix}"
        write_table(table, p, notes=notes)
        return p.read_bytes()


# -- numbers --------------------------------------------------------------------------------


def _decimals(magnitude: float) -> int:
    """Decimals that show three significant digits at ``magnitude`` (0 from 100 up)."""
    if magnitude <= 0 or not math.isfinite(magnitude):
        return 2
    return int(min(6, max(0, 2 - math.floor(math.log10(magnitude)))))


def format_number(v: Any, *, decimals: int | None = None, signed: bool = False) -> str:
    """One value as text, the one way forcemap shows numbers.

    ``None`` and NaN are ``"–"``; integers and whole floats get thousands separators and no
    decimals (``5,384``, never ``678.000``); other floats get ``decimals`` places, by default
    three significant digits at their magnitude (``0.0472``, ``3.19``, ``41.7``, ``3,187``),
    never scientific notation. ``signed`` writes a ``+`` before a positive number (a change:
    ``+12``). Anything else (booleans included) is ``str(v)``.
    """
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v)
    sign = "+" if signed and v != 0 else ""
    if isinstance(v, int):
        return f"{v:{sign},}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        d = decimals if decimals is not None else (0 if v.is_integer() else _decimals(abs(v)))
        text = f"{v:{sign},.{d}f}"
        # a value that rounds to zero is written without a sign ("0.00", never "-0.00")
        return text.lstrip("+-") if float(text.replace(",", "")) == 0 else text
    return str(v)


def column_formatter(name: str, values: Sequence[Any]) -> Callable[[Any], str]:
    """The formatter of one column: fixed decimals for the whole column.

    Money-like columns (``budget``, ``spent``, ``export_value``…) and columns whose floats are all
    whole get no decimals; other float columns three significant digits at their median
    magnitude (at most six decimals). Non-float columns use :func:`format_number`. Year
    columns (``year``, ``*_year``) are written as they are, without separators.

    >>> column_formatter("start_year", [2015])(2015), column_formatter("n", [2015])(2015)
    ('2015', '2,015')
    """
    low = name.lower()
    if low == "year" or low.endswith("_year") or low.startswith("year_"):
        # a calendar year is a label, not a quantity: 2015, never "2,015"
        return lambda v: "–" if v is None else str(int(v)) if isinstance(v, float) else str(v)
    floats = [abs(v) for v in values if isinstance(v, float) and math.isfinite(v)]
    if not floats:
        return format_number
    if any(m in low for m in _MONEY) or all(f.is_integer() for f in floats):
        d = 0
    else:
        nonzero = sorted(f for f in floats if f > 0)
        d = _decimals(nonzero[len(nonzero) // 2]) if nonzero else 2

    def fmt(v: Any) -> str:
        return format_number(v, decimals=d) if isinstance(v, float) else format_number(v)

    return fmt
