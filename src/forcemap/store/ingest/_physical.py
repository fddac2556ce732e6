"""The records an input file physically holds, counted without the parsers' quoting rules.

Every reader reconciles what it stored against this count (``records in file = stored +
replaced + rejected + duplicates + filtered``), so a parser that follows a stray quote across
thousands of lines, or stops at a byte it cannot decode, cannot lose rows in silence: the gap
is an error that names the lines.

:func:`scan_csv` splits a delimited file into records with a compiled RFC 4180 scanner over its
bytes; :func:`scan_lines` does the same for line-oriented formats (JSON Lines, one record a
physical line). Both

* count physical lines (LF, CRLF and mixed endings alike; a last line without a newline counts),
* skip blank lines and strip a UTF-8 byte-order mark wherever a line starts with one (the file's
  start, or the start of a second file concatenated to the first),
* reject, each as one quarantine entry with its physical line, a record with bytes that are not
  UTF-8 (or a NUL byte), a record over the size limit (with its size), and for CSV a record with
  too few or too many fields or text after a closing quote,
* and for CSV treat a quoted field that runs over line breaks as one record only when it closes,
  has the header's number of fields and swallows no line that is a complete record by itself.
  Otherwise the quote that opened it is a stray one: its line is rejected as malformed quoting
  and scanning resumes at the next physical line, so the rows after a stray ``"`` are kept.

The accepted records are handed to DuckDB as a cleaned UTF-8 file (or the original file, when it
needed no cleaning), with the physical line of each record's first line, so DuckDB's own reader
never meets a row it could swallow, and every quarantine entry names the physical line.

``records`` is the independent count: non-blank physical lines, less the header, less the
continuation lines of accepted multi-line records. ``records == accepted + rejected +
filtered`` holds by construction and is checked again after DuckDB has read the cleaned file.
"""

from __future__ import annotations

import codecs
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numba
import numpy as np

from forcemap.errors import ParseError

__all__ = [
    "MAX_RECORD",
    "Reject",
    "Scan",
    "open_input",
    "scan_csv",
    "scan_lines",
]

MAX_RECORD = 16 * 1024 * 1024
"""Bytes: a record (a CSV row with its quoted line breaks, a JSON line) larger than this is
quarantined with its size; the rest of the file is read."""

# record status codes of the kernel
_OK, _FIELDS, _AFTER_QUOTE, _UNCLOSED, _SWALLOW, _UTF8, _NUL, _SIZE, _CUT = range(9)
_REASONS = {
    _FIELDS: "malformed CSV: too {few_many} fields",
    _AFTER_QUOTE: "malformed CSV: text after a closing quote",
    _UNCLOSED: "malformed CSV: a quote opened here is never closed",
    _SWALLOW: "malformed CSV: stray quote (the quoted field would swallow the next lines)",
    _UTF8: "invalid UTF-8 byte 0x{byte:02X} at column {col}",
    _NUL: "NUL byte at column {col}",
    _SIZE: "record of {size:,} bytes is over the {limit:,}-byte limit",
    _CUT: "{truncated}: this record is cut by it",
}
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Reject:
    """One rejected record: its first physical line, reason, and the raw text (cut)."""

    line: int
    reason: str
    raw: str
    field: str | None = None


@dataclass
class Scan:
    """What a file physically holds and which of its records a parser may read.

    ``parse_path`` is the file to give the parser (UTF-8, LF line ends, no BOM, only accepted
    records, the header first): the original file when it needed no cleaning, else a temporary
    file removed by :meth:`close`. ``lines[k]`` is the physical line (1-based) of the k-th
    record of ``parse_path`` after its header, ``offsets[k]`` its byte offset in
    ``parse_path`` (to place a parser's error, given as a byte position, on its line).
    ``records`` is the independent count of records in the file;
    ``records == len(lines) + len(rejects) + sum(filtered.values())``.
    """

    path: Path
    parse_path: Path
    physical_lines: int
    blank_lines: int
    header: bytes | None
    records: int
    lines: np.ndarray
    offsets: np.ndarray
    rejects: list[Reject] = field(default_factory=list)
    filtered: dict[str, int] = field(default_factory=dict)
    encoding: str = "utf-8"
    truncated: str | None = None
    _temps: list[Path] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """Records handed to the parser."""
        return len(self.lines)

    def segments(self) -> Iterator[tuple[int, bytes]]:
        """(physical line, bytes without the line end) of each accepted record, in order: the
        record read back from ``parse_path`` at ``offsets``, for a parser that reads records
        one by one."""
        data = self.parse_path.read_bytes()
        offsets = [int(x) for x in self.offsets] + [len(data)]
        for k, line in enumerate(self.lines.tolist()):
            yield line, data[offsets[k] : offsets[k + 1]].rstrip(b"\r\n")

    def close(self) -> None:
        """Remove the temporary files of this scan."""
        for t in self._temps:
            t.unlink(missing_ok=True)
        self._temps.clear()

    def __enter__(self) -> Scan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the compiled scanner ----------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _line_bounds(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive, before ``\\r\\n``/``\\n``) of every physical line."""
    n = buf.shape[0]
    count = 0
    for i in range(n):
        if buf[i] == 10:
            count += 1
    if n > 0 and buf[n - 1] != 10:
        count += 1
    starts = np.empty(count, np.int64)
    ends = np.empty(count, np.int64)
    k = 0
    s = 0
    for i in range(n):
        if buf[i] == 10:
            e = i
            if e > s and buf[e - 1] == 13:
                e -= 1
            starts[k] = s
            ends[k] = e
            k += 1
            s = i + 1
    if s < n:
        e = n
        if buf[e - 1] == 13:
            e -= 1
        starts[k] = s
        ends[k] = e
    return starts, ends


@numba.njit(cache=True, nogil=True)
def _skip_bom(buf: np.ndarray, s: int, e: int) -> int:
    if e - s >= 3 and buf[s] == 0xEF and buf[s + 1] == 0xBB and buf[s + 2] == 0xBF:
        return s + 3
    return s


@numba.njit(cache=True, nogil=True)
def _parse(
    buf: np.ndarray, s: int, e: int, delim: int, state: int, fields: int, status: int
) -> tuple[int, int, int]:
    """Go on parsing bytes ``[s, e)`` as CSV: (state, fields, status) after them.

    ``state`` is 0 at a field's start, 1 in an unquoted field, 2 in a quoted field, 3 after a
    closing quote; start a record with ``(0, 1, _OK)``. A quote opens a quoted field only at a
    field's start; inside it ``""`` is a quote; a quote inside an unquoted field is literal.
    Spaces after a closing quote are allowed, other text makes the status ``_AFTER_QUOTE``.
    Line breaks inside ``[s, e)`` are content (the caller passes one line, or the next line of
    a quoted field together with the line break before it).
    """
    i = s
    while i < e:
        c = buf[i]
        if state == 2:
            if c == 34:
                if i + 1 < e and buf[i + 1] == 34:
                    i += 1
                else:
                    state = 3
        elif c == delim:
            fields += 1
            state = 0
        elif state == 0:
            state = 2 if c == 34 else 1
        elif state == 3:
            if c != 32 and c != 9 and c != 13 and c != 10 and status == _OK:
                status = _AFTER_QUOTE
        i += 1
    return state, fields, status


@numba.njit(cache=True, nogil=True)
def _bad_byte(buf: np.ndarray, s: int, e: int) -> tuple[int, int]:
    """(position, status) of the first byte that is not valid UTF-8, or a NUL; (-1, OK)."""
    i = s
    while i < e:
        c = buf[i]
        if c < 0x80:
            if c == 0:
                return i, _NUL
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            n = 1
        elif 0xE0 <= c <= 0xEF:
            n = 2
        elif 0xF0 <= c <= 0xF4:
            n = 3
        else:
            return i, _UTF8
        if i + n >= e:
            return i, _UTF8
        for k in range(1, n + 1):
            if (buf[i + k] & 0xC0) != 0x80:
                return i, _UTF8
        c1 = buf[i + 1]
        if (c == 0xE0 and c1 < 0xA0) or (c == 0xED and c1 > 0x9F):
            return i, _UTF8
        if (c == 0xF0 and c1 < 0x90) or (c == 0xF4 and c1 > 0x8F):
            return i, _UTF8
        i += n + 1
    return -1, _OK


@numba.njit(cache=True, nogil=True)
def _scan(
    buf: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    first: int,
    delim: int,
    expected: int,
    max_record: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Split lines ``first…`` into records.

    Returns per record: first line index, last line index, status, field count, position of the
    first bad byte (or -1), and the byte start after a BOM; then the number of blank lines.
    ``delim < 0`` is line mode (one record a line, no quoting, no field count).
    """
    n = starts.shape[0]
    r_first = np.empty(n, np.int64)
    r_last = np.empty(n, np.int64)
    r_status = np.empty(n, np.int64)
    r_fields = np.empty(n, np.int64)
    r_bad = np.empty(n, np.int64)
    r_begin = np.empty(n, np.int64)
    m = 0
    blank = 0
    i = first
    while i < n:
        b0 = _skip_bom(buf, starts[i], ends[i])
        if ends[i] <= b0:
            blank += 1
            i += 1
            continue
        last = i
        status = _OK
        fields = 1
        if delim >= 0:
            state, fields, status = _parse(buf, b0, ends[i], delim, 0, 1, _OK)
            if state == 2:
                # follow the quoted field over the next lines until it closes; it may not
                # swallow a line that is a complete record by itself, nor run past the limit
                j = i
                outcome = _UNCLOSED
                while j + 1 < n:
                    j += 1
                    b1 = _skip_bom(buf, starts[j], ends[j])
                    if ends[j] > b1:  # a complete record on its own line would be swallowed
                        st1, f1, s1 = _parse(buf, b1, ends[j], delim, 0, 1, _OK)
                        if st1 != 2 and s1 == _OK and f1 == expected:
                            outcome = _SWALLOW
                            break
                    if ends[j] - b0 > 4 * max_record:
                        break
                    state, fields, status = _parse(
                        buf, ends[j - 1], ends[j], delim, state, fields, status
                    )
                    if state != 2:
                        outcome = _OK
                        break
                if outcome == _OK:
                    last = j  # one record over lines i..j
                else:
                    status = outcome  # the opening line alone is rejected; resume after it
            if status == _OK and fields != expected:
                status = _FIELDS
        end = ends[last]
        bad = -1
        if end - b0 > max_record:
            status = _SIZE
        else:
            pos, st = _bad_byte(buf, b0, end)
            if pos >= 0:
                bad = pos
                if status == _OK or status == _FIELDS or status == _AFTER_QUOTE:
                    status = st
        r_first[m] = i
        r_last[m] = last
        r_status[m] = status
        r_fields[m] = fields
        r_bad[m] = bad
        r_begin[m] = b0
        m += 1
        i = last + 1
    return (
        r_first[:m],
        r_last[:m],
        r_status[:m],
        r_fields[:m],
        r_bad[:m],
        r_begin[:m],
        blank,
    )


@numba.njit(cache=True, nogil=True)
def _gather(buf: np.ndarray, begins: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The byte ranges ``[begins[k], ends[k])`` joined, each followed by ``\\n``."""
    total = 0
    for k in range(begins.shape[0]):
        total += ends[k] - begins[k] + 1
    out = np.empty(total, np.uint8)
    p = 0
    for k in range(begins.shape[0]):
        s, e = begins[k], ends[k]
        out[p : p + e - s] = buf[s:e]
        p += e - s
        out[p] = 10
        p += 1
    return out


# -- opening files -------------------------------------------------------------------------------


@contextmanager
def open_input(path: Path, *, encoding: str = "utf-8") -> Iterator[tuple[np.ndarray, str | None]]:
    """The bytes of ``path`` as a read-only array (memory-mapped when plain), decompressing
    ``.gz`` and single-member ``.zip`` files and transcoding a non-UTF-8 ``encoding`` to UTF-8.

    Yields ``(bytes, truncated)``: ``truncated`` describes a compressed stream that ends early
    (everything before the cut is yielded) and is None otherwise.

    Raises
    ------
    ParseError
        A zip archive is unreadable or holds no single data file; the encoding is unknown.
    """
    name = path.name.lower()
    try:
        enc = codecs.lookup(encoding or "utf-8").name
    except LookupError as e:
        raise ParseError(f"unknown encoding {encoding!r}", file=str(path)) from e
    truncated: str | None = None
    tmp: Path | None = None
    try:
        if name.endswith(".gz") or name.endswith(".zip") or enc != "utf-8":
            fd, tname = tempfile.mkstemp(prefix="forcemap-in-", suffix=".bin")
            os.close(fd)
            tmp = Path(tname)
            truncated = _decompress(path, tmp, enc)
            src = tmp
        else:
            src = path
        if src.stat().st_size == 0:
            yield np.zeros(0, np.uint8), truncated
        else:
            yield np.memmap(src, dtype=np.uint8, mode="r"), truncated
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _decompress(path: Path, out: Path, encoding: str) -> str | None:
    name = path.name.lower()
    truncated: str | None = None
    with open(out, "wb") as dst:
        if name.endswith(".zip"):
            try:
                with zipfile.ZipFile(path) as zf:
                    members = [i for i in zf.infolist() if not i.is_dir()]
                    if len(members) != 1:
                        raise ParseError(
                            f"zip archive holds {len(members)} files; expected one data file "
                            "(unpack it and name the file)",
                            file=str(path),
                        )
                    with zf.open(members[0]) as src:
                        truncated = _copy(src, dst, encoding)
            except zipfile.BadZipFile as e:
                raise ParseError(
                    f"not a readable zip archive ({e}); the download may be cut", file=str(path)
                ) from e
        elif name.endswith(".gz"):
            with open(path, "rb") as src:
                truncated = _copy(_Gunzip(src), dst, encoding)
        else:
            with open(path, "rb") as src:
                truncated = _copy(src, dst, encoding)
    return truncated


class _Gunzip:
    """A gzip stream read with zlib, so that a cut stream still yields every byte before the
    cut (``gzip.GzipFile.read`` drops the block it was decoding) and concatenated members are
    read one after the other."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.dec = zlib.decompressobj(wbits=31)

    def read(self, n: int) -> bytes:
        while True:
            chunk = self.raw.read(1 << 20)
            if not chunk:
                if not self.dec.eof:
                    tail = self.dec.flush()
                    if tail:
                        return tail
                    raise EOFError("compressed file ended before the end-of-stream marker")
                return b""
            out = self.dec.decompress(chunk)
            while self.dec.eof and self.dec.unused_data:
                rest = self.dec.unused_data
                self.dec = zlib.decompressobj(wbits=31)
                out += self.dec.decompress(rest)
            if out:
                return out


def _copy(src: object, dst: object, encoding: str) -> str | None:
    """Copy a byte stream, transcoding to UTF-8; return how it was cut, if it was."""
    dec = codecs.getincrementaldecoder(encoding)("strict") if encoding != "utf-8" else None
    first = True
    try:
        while True:
            chunk = src.read(1 << 22)  # type: ignore[attr-defined]
            if not chunk:
                break
            if first and dec:  # a UTF-8 byte-order mark is no text in any other encoding
                chunk = chunk.removeprefix(_BOM)
            first = False
            dst.write(dec.decode(chunk).encode("utf-8") if dec else chunk)  # type: ignore[attr-defined]
    except (EOFError, zlib.error, zipfile.BadZipFile, OSError) as e:
        return f"compressed stream cut short ({e}); the records before the cut were read"
    except UnicodeDecodeError as e:
        raise ParseError(f"not {encoding}: {e}") from e
    return None


# -- scanning ------------------------------------------------------------------------------------


def scan_csv(
    path: Path,
    *,
    delim: str = ",",
    encoding: str = "utf-8",
    max_record: int = MAX_RECORD,
    encoding_hint: bool = False,
) -> Scan:
    """Split a delimited file with a header line into records (see the module docstring).

    The header is the first non-blank line; its field count is the width every record must
    have. A line that repeats the header (files concatenated with their headers) is counted as
    *filtered* (``"repeated header line"``). ``encoding_hint``: the reason of a record that is
    not UTF-8 suggests ``--encoding`` (for readers that take one).

    Raises
    ------
    ParseError
        The file has no header line, or cannot be opened or decoded as ``encoding``.
    """
    return _scan_file(
        path,
        delim=delim,
        encoding=encoding,
        max_record=max_record,
        header=True,
        encoding_hint=encoding_hint,
    )


def scan_lines(
    path: Path,
    *,
    encoding: str = "utf-8",
    max_record: int = MAX_RECORD,
    encoding_hint: bool = False,
) -> Scan:
    """Split a line-oriented file (JSON Lines) into records: every non-blank physical line
    (``encoding_hint`` as for :func:`scan_csv`)."""
    return _scan_file(
        path,
        delim=None,
        encoding=encoding,
        max_record=max_record,
        header=False,
        encoding_hint=encoding_hint,
    )


def _scan_file(
    path: Path,
    *,
    delim: str | None,
    encoding: str,
    max_record: int,
    header: bool,
    encoding_hint: bool,
) -> Scan:
    if delim is not None and len(delim.encode()) != 1:
        raise ValueError(f"a one-byte delimiter is needed, not {delim!r}")
    with open_input(path, encoding=encoding) as (buf, truncated):
        starts, ends = _line_bounds(buf)
        n_lines = len(starts)
        first = 0
        head: bytes | None = None
        expected = -1
        if header:
            while first < n_lines and ends[first] <= _skip_bom(buf, starts[first], ends[first]):
                first += 1
            if first == n_lines:
                raise ParseError("empty file: no header line", file=str(path))
            b0 = _skip_bom(buf, starts[first], ends[first])
            head = bytes(buf[b0 : ends[first]])
            state, expected, st = _parse(buf, b0, ends[first], ord(delim), 0, 1, _OK)  # type: ignore[arg-type]
            if state == 2 or st != _OK:
                raise ParseError(
                    "malformed header line (unbalanced quotes)", file=str(path), line=first + 1
                )
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ParseError(
                    f"header is not UTF-8 ({e.reason} at byte {e.start}); give the file's "
                    "encoding (e.g. --encoding latin-1)",
                    file=str(path),
                    line=first + 1,
                ) from e
            first += 1
        blank_head = first - 1 if header else 0
        r_first, r_last, r_status, r_fields, r_bad, r_begin, blank = _scan(
            buf, starts, ends, first, ord(delim) if delim is not None else -1, expected, max_record
        )
        # a line repeating the header is filtered, not rejected
        filtered: dict[str, int] = {}
        ok = r_status == _OK
        if head is not None and ok.any():
            hl = len(head)
            cand = np.flatnonzero(ok & (ends[r_last] - r_begin == hl) & (r_first == r_last))
            rep = [k for k in cand if bytes(buf[r_begin[k] : ends[r_last[k]]]) == head]
            if rep:
                ok[np.asarray(rep, np.int64)] = False
                filtered["repeated header line"] = len(rep)
                r_status = r_status.copy()
                r_status[np.asarray(rep, np.int64)] = -1
        if truncated and len(r_status) and buf[len(buf) - 1] != 10:
            r_status = r_status.copy()
            r_status[-1] = _CUT  # the record the cut ran through
            ok[-1] = False
        rejects = [
            _reject(
                encoding_hint,
                truncated,
                buf,
                starts,
                ends,
                int(k),
                r_first,
                r_last,
                r_status,
                r_fields,
                r_bad,
                r_begin,
                expected,
                max_record,
            )
            for k in np.flatnonzero((r_status != _OK) & (r_status != -1))
        ]
        lines = (r_first[ok] + 1).astype(np.int64)
        continuation = int((r_last - r_first).sum())
        records = n_lines - blank - blank_head - (1 if header else 0) - continuation
        if truncated and (len(buf) == 0 or buf[len(buf) - 1] == 10):
            # the cut fell on a line break: what followed it is one lost, unknown remainder
            records += 1
            rejects.append(
                Reject(
                    line=n_lines + 1, reason=f"{truncated}: the rest of the file is lost", raw=""
                )
            )
        needs_clean = (
            bool(rejects)
            or bool(filtered)
            or path.name.lower().endswith((".gz", ".zip"))
            or encoding.lower().replace("_", "-") not in ("utf-8", "utf8")
            or blank > 0
            or _has_cr_or_bom(buf, starts, ends)
            or blank_head > 0
        )
        scan = Scan(
            path=path,
            parse_path=path,
            physical_lines=n_lines,
            blank_lines=int(blank + blank_head),
            header=head,
            records=int(records),
            lines=lines,
            offsets=r_begin[ok],
            rejects=rejects,
            filtered=filtered,
            encoding=encoding,
            truncated=truncated,
        )
        if needs_clean:
            idx = np.flatnonzero(ok)
            begins = r_begin[idx]
            stops = ends[r_last[idx]]
            if head is not None:
                hb = _skip_bom(buf, starts[first - 1], ends[first - 1])
                begins = np.concatenate([[hb], begins]).astype(np.int64)
                stops = np.concatenate([[ends[first - 1]], stops]).astype(np.int64)
            fd, tname = tempfile.mkstemp(prefix="forcemap-clean-", suffix=".csv")
            with os.fdopen(fd, "wb") as fh:
                if len(buf):
                    _gather(np.asarray(buf), begins, stops).tofile(fh)
            scan.parse_path = Path(tname)
            scan._temps.append(scan.parse_path)
            sizes = stops - begins + 1
            scan.offsets = (np.cumsum(sizes) - sizes)[1 if head is not None else 0 :]
    if scan.records != scan.accepted + len(scan.rejects) + sum(scan.filtered.values()):
        scan.close()
        raise ParseError(  # a bug in the scanner, never the input's fault
            f"record count does not reconcile: {scan.records} records != {scan.accepted} "
            f"accepted + {len(scan.rejects)} rejected + {sum(scan.filtered.values())} filtered",
            file=str(path),
        )
    return scan


def _has_cr_or_bom(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> bool:
    """True when a line ends with CRLF or starts with a byte-order mark (cleaned away)."""
    if len(starts) == 0:
        return False
    if np.any(starts[1:] - ends[:-1] > 1) or ends[-1] < len(buf) - 1:
        return True
    ef = np.flatnonzero(buf[starts] == 0xEF)
    return any(bytes(buf[starts[k] : starts[k] + 3]) == _BOM for k in ef)


def _reject(
    hint: bool,
    truncated: str | None,
    buf: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    k: int,
    r_first: np.ndarray,
    r_last: np.ndarray,
    r_status: np.ndarray,
    r_fields: np.ndarray,
    r_bad: np.ndarray,
    r_begin: np.ndarray,
    expected: int,
    max_record: int,
) -> Reject:
    status = int(r_status[k])
    line = int(r_first[k]) + 1
    begin, end = int(r_begin[k]), int(ends[r_last[k]])
    raw = bytes(buf[begin : min(end, begin + 4000)]).decode("utf-8", errors="replace")
    bad = int(r_bad[k])
    col = bad - int(starts[r_first[k]]) + 1 if bad >= 0 else 0
    reason = _REASONS[status].format(
        few_many="few" if int(r_fields[k]) < expected else "many",
        truncated=truncated,
        byte=int(buf[bad]) if bad >= 0 else 0,
        col=col,
        size=end - begin,
        limit=max_record,
    )
    if status == _UTF8 and hint:
        reason += " (give the file's encoding, e.g. --encoding latin-1, to read it)"
    if r_last[k] > r_first[k]:
        reason += f" (lines {line}-{int(r_last[k]) + 1})"
    return Reject(line=line, reason=reason, raw=raw)
