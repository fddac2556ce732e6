"""USPTO grant records: reading a file into its records, counted without the JSON parser.

JSON Lines and CSV are split by the physical scanner
(:func:`~forcemap.store.ingest._physical.scan_lines` / ``scan_csv``), a JSON array by the
byte-level item scanner here. Each record is then parsed on its own, so a damaged one is one
quarantine entry and cannot take its neighbours with it. :mod:`~forcemap.store.ingest.uspto`
normalises and writes them.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np

from forcemap.errors import ParseError, SchemaError
from forcemap.store.ingest._physical import MAX_RECORD, scan_csv, scan_lines

__all__ = ["BOM", "CSV_COLUMNS", "Record", "csv_records", "json_records", "jsonl_records"]

CSV_COLUMNS: tuple[str, ...] = (
    "patent",
    "src",
    "title",
    "date",
    "filed",
    "assignee",
    "assignee_country",
    "cpc_inventive",
    "cpc_additional",
    "us_cited",
    "n_us_cited",
)
"""The flattened CSV layout (``patent`` and ``date`` are required, the rest optional)."""


BOM = b"\xef\xbb\xbf"
_SHAPE = (
    'expected a list of USPTO records, a search page {"patents": [...]} or one record with a "guid"'
)


@dataclass
class Record:
    line: int  # record number (JSON list / page), line (JSON Lines, CSV)
    data: Any
    error: str | None = None  # a record that could not even be read (bad JSON, CSV row)
    raw: str | None = None


# -- reading files --------------------------------------------------------------------------
#
# Every reader returns one Record per record the file holds, counted without the JSON parser:
# JSON Lines and CSV by the physical scanner (_physical.scan_lines / scan_csv), a JSON array by
# the item scanner below. Each record is then parsed on its own, so a damaged one is one
# quarantine entry and cannot take its neighbours with it.

_STACK = 4096  # bracket kinds remembered; deeper nesting is counted, not checked


@numba.njit(cache=True, nogil=True)
def _after_quote_ok(buf: np.ndarray, i: int, e: int) -> bool:
    """After a string's closing quote at ``i`` only whitespace and ``, : ] }`` may follow."""
    j = i + 1
    while j < e and (buf[j] == 32 or buf[j] == 9 or buf[j] == 13 or buf[j] == 10):
        j += 1
    return j >= e or buf[j] == 44 or buf[j] == 58 or buf[j] == 93 or buf[j] == 125


@numba.njit(cache=True, nogil=True)
def _json_items(buf: np.ndarray, s: int, e: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The items of the JSON array or object whose opening bracket is ``buf[s]``.

    A byte-level count that shares nothing with the JSON parser: it tracks strings (with
    escapes), bracket depth and kind, and splits at the commas of depth 1. Returns each item's
    start, end (exclusive) and the position of its first ``:`` at depth 1 (object members;
    else -1), and the position of the closing bracket (-1: never closed). Damage stays local:
    a string never runs over a line break (JSON strings cannot hold one), a quote followed by
    anything but whitespace and ``, : ] }`` is a stray quote inside the string, a closing
    bracket closes the innermost opener of its kind (those inside it were left open), a
    closer with no opener of its kind is ignored, and only a closer at depth 1 can close the
    container.
    """
    starts = np.empty(64, np.int64)
    ends = np.empty(64, np.int64)
    colons = np.empty(64, np.int64)
    stack = np.empty(_STACK, np.uint8)
    stack[0] = buf[s]
    m = 0
    depth = 1
    in_str = False
    esc = False
    start = -1
    last = -1
    colon = -1
    close = -1
    i = s + 1
    while i <= e:
        c = buf[i] if i < e else 44  # the end of the input ends the last item
        if in_str and i < e:
            if esc:
                esc = False
            elif c == 92:
                esc = True
            elif c == 34:
                in_str = not _after_quote_ok(buf, i, e)  # else a stray quote: the string goes on
            elif c == 10:
                in_str = False
            last = i
            i += 1
            continue
        if c == 32 or c == 9 or c == 13 or c == 10:
            i += 1
            continue
        if (depth == 1 and c == 44) or i == e:  # the comma between two items, or the end
            if start >= 0:
                if m == starts.shape[0]:
                    starts = np.concatenate((starts, np.empty(m, np.int64)))
                    ends = np.concatenate((ends, np.empty(m, np.int64)))
                    colons = np.concatenate((colons, np.empty(m, np.int64)))
                starts[m], ends[m], colons[m] = start, last + 1, colon
                m += 1
            start, colon = -1, -1
            if i == e:
                break
            i += 1
            continue
        closer = c == 93 or c == 125
        if depth == 1 and start < 0 and not closer:
            start = i
        if c == 34:
            in_str = True
        elif c == 91 or c == 123:
            if depth < _STACK:
                stack[depth] = c
            depth += 1
        elif closer:
            want = 91 if c == 93 else 123
            if depth > _STACK:
                depth -= 1
            else:
                k = depth - 1
                while k >= 0 and stack[k] != want:
                    k -= 1
                if k == 0 and depth == 1:
                    close = i
                    e = i  # end the last item here
                    continue
                if k > 0:
                    depth = k
        elif c == 58 and depth == 1 and colon < 0:
            colon = i
        last = i
        i += 1
    return starts[:m], ends[:m], colons[:m], close


def _pretty_items(
    data: bytes, open_at: int, *, last_close: bool
) -> tuple[list[tuple[int, int]], int] | None:
    """The items of a pretty-printed array, found by their lines alone; None when the array
    is not pretty-printed.

    In an array written one item per indented block (``[\\n  {\\n    …\\n  },\\n  {``), a line
    holding the first item's indentation and its opening bracket starts an item, and nothing
    else can (a JSON string holds no line break; nested lines are indented deeper), so a
    bracket or quote damaged inside one item cannot merge it with the next. The array ends at
    a line of less indentation holding ``]`` (the last such line when the array is the whole
    document, ``last_close``). Returns the items' (start, end) and the end of the array
    (-1: the file ends inside it).
    """
    first = open_at + 1
    while first < len(data) and data[first] in b" \t\r\n":
        first += 1
    if first >= len(data) or data[first] not in b"{[" or b"\n" not in data[open_at:first]:
        return None
    line_start = data.rindex(b"\n", 0, first) + 1
    indent = data[line_start:first]
    opener = data[first : first + 1]
    closing = re.compile(rb"\n[ \t]{0,%d}\]" % max(len(indent) - 1, 0))
    found = list(closing.finditer(data, first)) if last_close else None
    m = found[-1] if found else (None if last_close else closing.search(data, first))
    stop = m.start() if m else len(data)
    begin = re.compile(re.escape(b"\n" + indent + opener))
    starts = [first] + [x.start() + 1 + len(indent) for x in begin.finditer(data, first, stop)]
    items = []
    for k, a in enumerate(starts):
        b = starts[k + 1] if k + 1 < len(starts) else stop
        while b > a and data[b - 1] in b" \t\r\n":
            b -= 1
        if k + 1 < len(starts) and data[b - 1 : b] == b",":
            b -= 1
        items.append((a, b))
    return items, (m.start() + m.group(0).index(b"]") if m else -1)


def json_records(path: Path) -> list[Record]:
    """One record per item of the file's array (a list, or a search page's ``patents``)."""
    data = path.read_bytes()
    buf = np.frombuffer(data, np.uint8)
    s = 3 if data.startswith(BOM) else 0
    while s < len(data) and data[s] in b" \t\r\n":
        s += 1
    if s == len(data):
        raise ParseError("empty file: no USPTO records", file=str(path))
    if data[s] not in b"[{":
        raise ParseError(_SHAPE, file=str(path), line=_line(data, s))
    starts, ends, colons, close = _json_items(buf, s, len(data))
    top_array = data[s] == ord("[")
    if not top_array:
        keys: dict[bytes, int] = {}
        for a, c in zip(starts.tolist(), colons.tolist(), strict=True):
            if c >= 0:
                k = data[a:c].strip().strip(b'"')
                keys.setdefault(k, c + 1)
        at = next((keys[k] for k in (b"patents", b"docs") if k in keys), None)
        if at is None and b"guid" not in keys:
            m = re.search(rb'"(?:patents|docs)"\s*:\s*\[', data)  # the envelope is damaged
            at = m.end() - 1 if m else None
        if at is None:
            if b"guid" not in keys:
                raise ParseError(_SHAPE, file=str(path))
            end = close + 1 if close >= 0 else len(data)
            return _decode_items(data, [(s, end)], cut=close < 0)
        while at < len(data) and data[at] in b" \t\r\n":
            at += 1
        if data[at : at + 1] != b"[":
            raise ParseError(_SHAPE, file=str(path))
        s = at
        starts, ends, colons, close = _json_items(buf, s, len(data))
    pretty = _pretty_items(data, s, last_close=top_array)
    if pretty is not None:
        items, close = pretty
    else:
        items = list(zip(starts.tolist(), ends.tolist(), strict=True))
    records = _decode_items(data, items, cut=close < 0)
    if top_array and close >= 0 and data[close + 1 :].strip(b" \t\r\n"):
        rest = close + 1 + (len(data[close + 1 :]) - len(data[close + 1 :].lstrip(b" \t\r\n")))
        records.append(
            Record(
                len(records) + 1,
                None,
                f"text after the end of the JSON array (line {_line(data, rest)})",
                data[rest : rest + 4000].decode("utf-8", errors="replace"),
            )
        )
    return records


def _line(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _decode_items(data: bytes, items: list[tuple[int, int]], *, cut: bool) -> list[Record]:
    """Decode and parse each item alone; a bad one becomes a record with its error."""
    newlines = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)

    def line_of(pos: int) -> int:
        return int(np.searchsorted(newlines, pos)) + 1

    out: list[Record] = []
    for k, (a, b) in enumerate(items, 1):
        raw = data[a : min(b, a + 4000)].decode("utf-8", errors="replace")
        if b - a > MAX_RECORD:
            reason = f"record of {b - a:,} bytes is over the {MAX_RECORD:,}-byte limit"
            out.append(Record(k, None, reason, raw))
            continue
        try:
            text = data[a:b].decode("utf-8")
        except UnicodeDecodeError as e:
            pos = a + e.start
            reason = f"invalid UTF-8 byte 0x{data[pos]:02X} at line {line_of(pos)}"
            out.append(Record(k, None, reason, raw))
            continue
        value, error = _loads(text)
        if error is not None and cut and k == len(items):
            error = "record cut short: the file ends inside it (file truncated?)"
        elif error is not None and error.startswith("malformed JSON"):
            error += f" (record starts at line {line_of(a)})"
        out.append(Record(k, value, error, raw))
    return out


def _loads(text: str) -> tuple[Any, str | None]:
    """A JSON value, or why it cannot be read."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as e:
        return None, f"malformed JSON: {e.msg}"
    except RecursionError:
        return None, "JSON nested too deeply"


def jsonl_records(path: Path) -> tuple[list[Record], int]:
    """One record per non-blank physical line (BOMs, CRLF, bad bytes, oversized lines handled
    by the physical scanner); returns the records and the scanner's count."""
    with scan_lines(path) as scan:
        out = [Record(r.line, None, r.reason, r.raw) for r in scan.rejects]
        for line, seg in scan.segments():
            value, error = _loads(seg.decode("utf-8"))
            out.append(Record(line, value, error, seg[:4000].decode("utf-8", errors="replace")))
        return sorted(out, key=lambda r: r.line), scan.records


def csv_records(path: Path) -> tuple[list[Record], int, dict[str, int]]:
    with scan_csv(path) as scan:
        if scan.header is None:  # scan_csv reads a header line or raises
            raise ParseError("empty file: no header line", file=str(path))
        header = [h.strip() for h in next(csv.reader([scan.header.decode("utf-8")]))]
        for col in ("patent", "date"):
            if col not in header:
                raise SchemaError(
                    f"{path}: missing column {col!r}; the flattened USPTO CSV has columns "
                    f"{','.join(CSV_COLUMNS)}"
                )
        out = [Record(r.line, None, r.reason, r.raw) for r in scan.rejects]
        for line, seg in scan.segments():
            text = seg.decode("utf-8")
            try:
                rows = list(csv.reader([text], strict=True))
            except csv.Error as e:
                out.append(Record(line, None, f"malformed CSV: {e}", text[:4000]))
                continue
            row = rows[0] if len(rows) == 1 else []
            if len(row) != len(header):
                reason = f"wrong number of fields ({len(row)}, expected {len(header)})"
                out.append(Record(line, None, reason, text[:4000]))
                continue
            out.append(Record(line, dict(zip(header, row, strict=True)), raw=text[:4000]))
        return sorted(out, key=lambda r: r.line), scan.records, dict(scan.filtered)
